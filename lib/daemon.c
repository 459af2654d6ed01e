/*
 * daemon: is the local ganesha.nfsd alive? Reads the pid file strictly, then
 * checks the process's identity in /proc so a recycled pid does not count.
 * Spawns nothing: this runs in every monitor.
 */
#include "config.h"

#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

/* Longest name the kernel keeps in /proc/<pid>/comm (TASK_COMM_LEN - 1). */
#define DAEMON_COMM_MAX 15

/* Upper bound of the kernel's pid_max (PID_MAX_LIMIT on 64-bit). */
#define DAEMON_PID_MAX_LIMIT 4194304

/*
 * Read at most \p size - 1 bytes of \p path into \p buf, NUL-terminated.
 * \p flags are added to O_RDONLY|O_CLOEXEC.
 */
static int read_small_file(const char *path, int flags, char *buf, size_t size,
                           size_t *ret_len)
{
    size_t len = 0;
    int fd;
    int rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0) {
        return -errno;
    }
    while (len < size - 1) {
        ssize_t n = read(fd, buf + len, size - 1 - len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            goto out_close_fd;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    *ret_len = len;
out_close_fd:
    close(fd);
    return rc;
}

static long pid_max(void)
{
    char buf[32];
    size_t len;
    char *end;
    long value;

    if (read_small_file("/proc/sys/kernel/pid_max", 0, buf, sizeof(buf), &len) <
        0) {
        return DAEMON_PID_MAX_LIMIT;
    }
    errno = 0;
    value = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || value <= 0) {
        return DAEMON_PID_MAX_LIMIT;
    }
    return value;
}

/*
 * Strict pid file content: decimal digits, optionally one trailing newline,
 * no sign, no spaces, > 0 and <= pid_max.
 */
static int parse_pid(const char *buf, size_t len, pid_t *ret_pid)
{
    long value = 0;
    size_t i;

    if (len > 0 && buf[len - 1] == '\n') {
        len--;
    }
    if (len == 0 || len > 10) {
        return -EINVAL;
    }
    for (i = 0; i < len; i++) {
        if (buf[i] < '0' || buf[i] > '9') {
            return -EINVAL;
        }
        value = value * 10 + (buf[i] - '0');
    }
    if (value <= 0 || value > pid_max()) {
        return -EINVAL;
    }
    *ret_pid = (pid_t)value;
    return 0;
}

/* -ESRCH if \p pid is gone or a zombie, 0 if it runs. */
static int pid_running(pid_t pid)
{
    char path[64];
    char buf[1024];
    size_t len;
    const char *paren;
    int rc;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    rc = read_small_file(path, 0, buf, sizeof(buf), &len);
    if (rc == -ENOENT) {
        return -ESRCH;
    }
    if (rc < 0) {
        return rc;
    }
    /* comm may hold spaces and parentheses: the state follows the last ')'. */
    paren = strrchr(buf, ')');
    if (paren == NULL || paren[1] != ' ' || paren[2] == '\0') {
        return -EBADMSG;
    }
    if (paren[2] == 'Z' || paren[2] == 'X' || paren[2] == 'x') {
        return -ESRCH;
    }
    return 0;
}

static bool comm_matches(const char *comm, const char *name)
{
    size_t name_len = strlen(name);

    if (name_len <= DAEMON_COMM_MAX) {
        return strcmp(comm, name) == 0;
    }
    return false;
}

/* 1 if the basename of /proc/<pid>/exe is \p name, 0 if not or unreadable. */
static int exe_matches(pid_t pid, const char *name)
{
    char path[64];
    char target[PATH_MAX];
    const char *base;
    ssize_t n;
    size_t len;

    snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
    n = readlink(path, target, sizeof(target) - 1);
    if (n < 0) {
        return errno == ENOENT ? -ESRCH : 0;
    }
    target[n] = '\0';
    len = (size_t)n;
    /* A binary replaced by a package upgrade still is the daemon. */
    if (len > strlen(" (deleted)") &&
        strcmp(target + len - strlen(" (deleted)"), " (deleted)") == 0) {
        target[len - strlen(" (deleted)")] = '\0';
    }
    base = strrchr(target, '/');
    base = base != NULL ? base + 1 : target;
    return strcmp(base, name) == 0 ? 1 : 0;
}

int daemon_pid_is(pid_t pid, const char *name)
{
    char path[64];
    char comm[64];
    size_t len;
    int rc;

    if (pid <= 0 || name == NULL || name[0] == '\0') {
        return -EINVAL;
    }
    rc = pid_running(pid);
    if (rc < 0) {
        return rc;
    }
    snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
    rc = read_small_file(path, 0, comm, sizeof(comm), &len);
    if (rc == -ENOENT) {
        return -ESRCH;
    }
    if (rc == 0) {
        if (len > 0 && comm[len - 1] == '\n') {
            comm[len - 1] = '\0';
        }
        if (comm_matches(comm, name)) {
            return 1;
        }
    }
    return exe_matches(pid, name);
}

/* Open and parse one pid file; only its last component must not be a link. */
static int read_pidfile(const char *pidfile, pid_t *ret_pid)
{
    char buf[32];
    size_t len;
    int rc;

    rc = read_small_file(pidfile, O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, buf,
                         sizeof(buf), &len);
    if (rc < 0) {
        return rc;
    }
    if (parse_pid(buf, len, ret_pid) < 0) {
        log_debug("pid file %s holds no valid pid", pidfile);
        return -ESRCH;
    }
    return 0;
}

int daemon_ganesha_pid(const char *pidfile, pid_t *ret_pid)
{
    static const char *const defaults[] = {DAEMON_PIDFILES_DEFAULT};
    const char *path = pidfile;
    pid_t pid = 0;
    int rc;

    if (path == NULL) {
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(defaults); i++) {
            if (access(defaults[i], F_OK) == 0) {
                path = defaults[i];
                break;
            }
        }
        if (path == NULL) {
            log_debug("no ganesha pid file in the default places");
            return -ENOENT;
        }
    }
    rc = read_pidfile(path, &pid);
    if (rc == -ENOENT) {
        log_debug("pid file %s does not exist", path);
        return -ENOENT;
    }
    if (rc < 0) {
        return rc;
    }
    rc = daemon_pid_is(pid, DAEMON_NAME);
    if (rc == -ESRCH || rc == 0) {
        log_debug("pid %ld from %s is not a live %s", (long)pid, path,
                  DAEMON_NAME);
        return -ESRCH;
    }
    if (rc < 0) {
        return rc;
    }
    *ret_pid = pid;
    return 0;
}
