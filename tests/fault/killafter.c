/*
 * killafter: see killafter.h. The wrappers call the kernel directly
 * (syscall(2)), so they need no dlsym and behave the same linked into a
 * program or preloaded; unarmed they only pass the call through.
 */
#include "config.h"

#include "killafter.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static long kill_after;
static long changes;
static bool no_exchange;

void killafter_arm(long n)
{
    kill_after = n;
    changes = 0;
}

void killafter_no_exchange(bool on)
{
    no_exchange = on;
}

long killafter_count(void)
{
    return changes;
}

__attribute__((constructor)) static void killafter_init(void)
{
    const char *n = getenv(KILLAFTER_ENV_N);
    const char *x = getenv(KILLAFTER_ENV_NO_EXCHANGE);

    if (n != NULL && *n != '\0') {
        killafter_arm(strtol(n, NULL, 10));
    }
    killafter_no_exchange(x != NULL && x[0] == '1');
}

/* Count a change that succeeded; the Nth one is the last thing done. */
static long counted(long rc)
{
    if (rc == 0 && kill_after > 0 && ++changes >= kill_after) {
        kill(getpid(), SIGKILL);
    }
    return rc;
}

int symlinkat(const char *target, int dfd, const char *path)
{
    return (int)counted(syscall(SYS_symlinkat, target, dfd, path));
}

int symlink(const char *target, const char *path)
{
    return symlinkat(target, AT_FDCWD, path);
}

int renameat2(int ofd, const char *from, int nfd, const char *to,
              unsigned int flags)
{
    if (no_exchange && (flags & RENAME_EXCHANGE) != 0) {
        errno = EINVAL;
        return -1;
    }
    return (int)counted(syscall(SYS_renameat2, ofd, from, nfd, to, flags));
}

int renameat(int ofd, const char *from, int nfd, const char *to)
{
    return renameat2(ofd, from, nfd, to, 0);
}

int rename(const char *from, const char *to)
{
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, 0);
}

int unlinkat(int dfd, const char *path, int flags)
{
    return (int)counted(syscall(SYS_unlinkat, dfd, path, flags));
}

int unlink(const char *path)
{
    return unlinkat(AT_FDCWD, path, 0);
}

int rmdir(const char *path)
{
    return unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

int mkdirat(int dfd, const char *path, mode_t mode)
{
    return (int)counted(syscall(SYS_mkdirat, dfd, path, mode));
}

int mkdir(const char *path, mode_t mode)
{
    return mkdirat(AT_FDCWD, path, mode);
}
