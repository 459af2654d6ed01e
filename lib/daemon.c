/*
 * daemon: is the local ganesha.nfsd alive? Asks the pid file's lock holder
 * (else its first line), pins that process with a pidfd, then checks its
 * identity in /proc so neither stale content nor a recycled pid counts.
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

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/stat.h>

#include <glib.h>

#include "deadline.h"
#include "log.h"
#include "run.h"

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
 * The first line of a pid file: decimal digits, no sign, no spaces, > 0 and
 * <= pid_max. Only the first line counts: ganesha 4.x rewrites its pid file
 * without O_TRUNC, so after a restart with a shorter pid it reads "866\n7\n".
 */
static int parse_pid(const char *buf, size_t len, pid_t *ret_pid)
{
    const char *nl = memchr(buf, '\n', len);
    long value = 0;
    size_t i;

    if (nl != NULL) {
        len = (size_t)(nl - buf);
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

/*
 * The pid of the process holding a write-conflicting lock on \p fd (ganesha
 * 4.x holds a POSIX write lock on its pid file while it runs), 0 if there
 * is none or it cannot be known (an OFD lock, a holder in another pid
 * namespace, no lock support).
 */
static pid_t lock_holder(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

#ifdef F_OFD_GETLK
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_GETLK, &fl) < 0) {
            return 0;
        }
    }
#else
    if (fcntl(fd, F_GETLK, &fl) < 0) {
        return 0;
    }
#endif
    if (fl.l_type == F_UNLCK || fl.l_pid <= 0) {
        return 0;
    }
    return fl.l_pid;
}

/*
 * Open one pid file (only its last component must not be a link) and name
 * the pid it stands for: the holder of its lock, else its first line.
 */
static int read_pidfile(const char *pidfile, pid_t *ret_pid, char **ret_reason)
{
    char buf[64];
    struct stat st;
    size_t len = 0;
    pid_t holder;
    pid_t pid = 0;
    int rc = 0;
    int fd;

    fd = open(pidfile,
              O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = -errno;
        *ret_reason = g_strdup_printf("cannot open the pid file %s: %s",
                                      pidfile, g_strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        *ret_reason =
            g_strdup_printf("the pid file %s is not a regular file", pidfile);
        rc = -ESRCH;
        goto out_close_fd;
    }
    holder = lock_holder(fd);
    while (len < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (parse_pid(buf, len, &pid) < 0) {
        pid = 0;
    }
    if (holder > 0) {
        if (pid != holder) {
            log_info("the pid file %s names %s, but pid %ld holds its "
                     "lock: trusting the lock",
                     pidfile, pid > 0 ? "another pid" : "no valid pid",
                     (long)holder);
        }
        *ret_pid = holder;
    } else if (pid > 0) {
        *ret_pid = pid;
    } else {
        *ret_reason = g_strdup_printf("the pid file %s holds no valid pid in "
                                      "its first line and nobody holds its "
                                      "lock",
                                      pidfile);
        rc = -ESRCH;
    }
out_close_fd:
    close(fd);
    return rc;
}

/* 1 once the process behind \p pidfd exited, 0 if not, or -errno. */
static int pidfd_exited(int pidfd, int timeout_ms)
{
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
    int rc;

    do {
        rc = poll(&pfd, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR && timeout_ms == 0);
    if (rc < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    return rc > 0 ? 1 : 0;
}

int daemon_ganesha_find(const char *pidfile, pid_t *ret_pid, int *ret_pidfd,
                        char **ret_reason)
{
    static const char *const defaults[] = {DAEMON_PIDFILES_DEFAULT};
    g_autofree char *reason = NULL;
    const char *path = pidfile;
    pid_t pid = 0;
    int pidfd = -1;
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
            reason = g_strdup("no ganesha pid file in the default places ("
                              "/run/ganesha/ganesha.pid, /var/run/ganesha.pid,"
                              " /var/run/ganesha.nfsd.pid)");
            rc = -ENOENT;
            goto out;
        }
    }
    rc = read_pidfile(path, &pid, &reason);
    if (rc < 0) {
        goto out;
    }
    /* Pin the process first: what /proc says next is about this one. */
    pidfd = run_pidfd_open(pid);
    if (pidfd < 0 && errno == ESRCH) {
        reason = g_strdup_printf("pid %ld from %s is gone", (long)pid, path);
        rc = -ESRCH;
        goto out;
    }
    rc = daemon_pid_is(pid, DAEMON_NAME);
    if (rc == -ESRCH) {
        reason = g_strdup_printf("pid %ld from %s is gone", (long)pid, path);
        goto out_close_pidfd;
    }
    if (rc == 0) {
        g_autofree char *comm_path =
            g_strdup_printf("/proc/%ld/comm", (long)pid);
        g_autofree char *comm = NULL;

        if (g_file_get_contents(comm_path, &comm, NULL, NULL)) {
            g_strchomp(comm);
        }
        reason = g_strdup_printf("pid %ld from %s is %s, not %s", (long)pid,
                                 path, comm != NULL ? comm : "another program",
                                 DAEMON_NAME);
        rc = -ESRCH;
        goto out_close_pidfd;
    }
    if (rc < 0) {
        reason = g_strdup_printf("cannot check pid %ld from %s: %s", (long)pid,
                                 path, g_strerror(-rc));
        goto out_close_pidfd;
    }
    if (pidfd >= 0 && pidfd_exited(pidfd, 0) != 0) {
        /* it exited during the check: /proc may have shown a successor */
        reason = g_strdup_printf("pid %ld from %s exited", (long)pid, path);
        rc = -ESRCH;
        goto out_close_pidfd;
    }
    *ret_pid = pid;
    if (ret_pidfd != NULL) {
        *ret_pidfd = pidfd;
        pidfd = -1;
    }
    rc = 0;
out_close_pidfd:
    if (pidfd >= 0) {
        close(pidfd);
    }
out:
    if (rc < 0) {
        log_debug("no live %s: %s", DAEMON_NAME, reason);
        if (ret_reason != NULL) {
            *ret_reason = g_steal_pointer(&reason);
        }
    }
    return rc;
}

int daemon_ganesha_pid(const char *pidfile, pid_t *ret_pid)
{
    return daemon_ganesha_find(pidfile, ret_pid, NULL, NULL);
}

int daemon_wait_exit(int pidfd, int64_t deadline)
{
    int64_t left;

    if (pidfd < 0) {
        return -EBADF;
    }
    for (;;) {
        int rc;

        left = deadline_left_ms(deadline);
        rc = pidfd_exited(pidfd, left > INT_MAX ? INT_MAX : (int)left);
        if (rc != 0 || deadline_passed(deadline)) {
            return rc;
        }
    }
}

/* Start time (field 22) of /proc/<pid>/stat; -ESRCH if gone or a zombie. */
static int pid_start_time(pid_t pid, uint64_t *ret_start)
{
    char path[64];
    char buf[1024];
    size_t len;
    const char *p;
    char *end;
    int field;
    int rc;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    rc = read_small_file(path, 0, buf, sizeof(buf), &len);
    if (rc == -ENOENT) {
        return -ESRCH;
    }
    if (rc < 0) {
        return rc;
    }
    /* fields after the last ')': state is field 3 */
    p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ' || p[2] == '\0') {
        return -EBADMSG;
    }
    if (p[2] == 'Z' || p[2] == 'X' || p[2] == 'x') {
        return -ESRCH;
    }
    p += 2;
    for (field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL) {
            return -EBADMSG;
        }
        p++;
    }
    errno = 0;
    *ret_start = strtoull(p, &end, 10);
    if (errno != 0 || end == p || (*end != ' ' && *end != '\0')) {
        return -EBADMSG;
    }
    return 0;
}

/* 1 if \p pid lives in the network namespace of \p ours, 0 if not. */
static int pid_in_netns(pid_t pid, const struct stat *ours)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
    if (stat(path, &st) < 0) {
        return -errno;
    }
    return st.st_dev == ours->st_dev && st.st_ino == ours->st_ino;
}

int daemon_find_local(const char *name, struct daemon_id *ret)
{
    g_autoptr(GDir) dir = NULL;
    struct stat ours;
    const char *entry;

    if (name == NULL || name[0] == '\0' || strlen(name) > DAEMON_COMM_MAX) {
        return -EINVAL;
    }
    if (stat("/proc/self/ns/net", &ours) < 0) {
        return -errno;
    }
    dir = g_dir_open("/proc", 0, NULL);
    if (dir == NULL) {
        return -EIO;
    }
    while ((entry = g_dir_read_name(dir)) != NULL) {
        char path[64];
        char comm[DAEMON_COMM_MAX + 2];
        size_t len;
        pid_t pid;
        uint64_t start;

        if (parse_pid(entry, strlen(entry), &pid) < 0) {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%s/comm", entry);
        if (read_small_file(path, 0, comm, sizeof(comm), &len) < 0) {
            continue;
        }
        if (len > 0 && comm[len - 1] == '\n') {
            comm[len - 1] = '\0';
        }
        if (strcmp(comm, name) != 0 || pid_in_netns(pid, &ours) != 1 ||
            pid_start_time(pid, &start) < 0) {
            continue;
        }
        ret->pid = pid;
        ret->start = start;
        return 0;
    }
    return -ESRCH;
}

int daemon_id_same(const struct daemon_id *id)
{
    uint64_t start;
    int rc;

    if (id->pid <= 0) {
        return 0;
    }
    rc = pid_start_time(id->pid, &start);
    if (rc == -ESRCH) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    return start == id->start;
}

int daemon_id_of(pid_t pid, struct daemon_id *ret)
{
    uint64_t start = 0;
    int rc;

    if (pid <= 0) {
        return -ESRCH;
    }
    rc = pid_start_time(pid, &start);
    if (rc < 0) {
        return rc;
    }
    *ret = (struct daemon_id){.pid = pid, .start = start};
    return 0;
}

int daemon_kill_wait(int pidfd, int64_t deadline)
{
    if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0) {
        if (errno != ESRCH) {
            return -errno;
        }
        return 1;
    }
    return daemon_wait_exit(pidfd, deadline);
}

int daemon_terminate(const struct daemon_id *id, int64_t deadline)
{
    int pidfd;
    int rc;

    if (id->pid <= 0) {
        return 0;
    }
    pidfd = run_pidfd_open(id->pid);
    if (pidfd < 0) {
        return pidfd == -ESRCH ? 0 : pidfd;
    }
    /* pinned: from here on the pid cannot be recycled under us */
    rc = daemon_id_same(id);
    if (rc <= 0) {
        close(pidfd);
        return rc;
    }
    if (syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) < 0 &&
        errno != ESRCH) {
        rc = -errno;
        close(pidfd);
        return rc;
    }
    rc = daemon_wait_exit(pidfd, deadline);
    if (rc == 0) {
        log_warn("process %ld did not exit on SIGTERM: killing it",
                 (long)id->pid);
        (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        rc = daemon_wait_exit(pidfd, deadline_in(1000, DEADLINE_NEVER));
        if (rc == 0) {
            rc = -ETIMEDOUT;
        }
    }
    close(pidfd);
    return rc < 0 ? rc : 1;
}
