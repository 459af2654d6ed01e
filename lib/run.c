/*
 * run: spawn a program from an argv (fork + execvp, never a shell), capture
 * its stdout and stderr (bounded: more is an error, never a cut), and kill it
 * at the deadline. The child dies with the agent; it is always reaped; no
 * descriptor outlives the call.
 */
#include "config.h"

#include "run.h"

#include "deadline.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_PIDFD_OPEN
#include <sys/pidfd.h>
#endif

/* linux/close_range.h */
#define RUN_CLOSE_RANGE_CLOEXEC (1U << 2)

/* Longest command line we log (the command itself runs whatever its size). */
#define LOG_CMD_MAX 1024

/* ocf-shellfuncs' have_binary: ocf-tester's "every binary is missing". */
static bool fail_have_binary(void)
{
    const char *v = getenv("OCF_TESTER_FAIL_HAVE_BINARY");

    return v != NULL && strcmp(v, "1") == 0;
}

static bool trace_wanted(void)
{
    const char *v = getenv("OCF_TRACE_RA");

    return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

static char *argv_to_text(const char *const *argv)
{
    GString *s = g_string_new(NULL);

    for (const char *const *a = argv; *a != NULL; a++) {
        bool plain = **a != '\0';

        for (const char *c = *a; *c != '\0' && plain; c++) {
            plain = g_ascii_isalnum(*c) || strchr("_./:=@%+,-", *c) != NULL;
        }
        if (s->len > 0) {
            g_string_append_c(s, ' ');
        }
        if (plain) {
            g_string_append(s, *a);
        } else {
            g_autofree char *q = g_shell_quote(*a);

            g_string_append(s, q);
        }
        if (s->len > LOG_CMD_MAX) {
            g_string_truncate(s, LOG_CMD_MAX);
            g_string_append(s, "...");
            break;
        }
    }
    return g_string_free(s, FALSE);
}

void run_result_clear(struct run_result *result)
{
    if (result == NULL) {
        return;
    }
    g_clear_pointer(&result->out, g_free);
    g_clear_pointer(&result->err, g_free);
    result->exit_status = 0;
    result->term_signal = 0;
}

char *run_first_line(const char *text)
{
    const char *end;

    while (*text == '\n') {
        text++;
    }
    end = strchr(text, '\n');
    return end != NULL ? g_strndup(text, (gsize)(end - text)) : g_strdup(text);
}

int run_have_program(const char *program)
{
    g_autofree char *path = NULL;
    struct stat st;

    if (program == NULL || *program == '\0' || fail_have_binary()) {
        return 0;
    }
    if (strchr(program, '/') != NULL) {
        return stat(program, &st) == 0 && S_ISREG(st.st_mode) &&
               access(program, X_OK) == 0;
    }
    path = g_find_program_in_path(program);
    return path != NULL;
}

/* Map a spawn failure to the header's contract. */
static int spawn_errno(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EACCES:
    case ENOEXEC:
    case ELOOP:
    case ENAMETOOLONG:
        return -ENOENT;
    default:
        return -err;
    }
}

int run_pidfd_open(pid_t pid)
{
#if defined(HAVE_PIDFD_OPEN)
    return pidfd_open(pid, 0);
#elif defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/* Write all of \p len bytes (the child's exec failure report). */
static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

/*
 * The child between fork and exec (only async-signal-safe calls). It stays
 * in the agent's process group, so pacemaker-execd's kill of a timed-out or
 * cancelled operation (kill(-pgid, SIGKILL)) reaches it, and it gets
 * SIGKILL when the agent dies alone (PR_SET_PDEATHSIG; getppid() after it
 * closes the race with a parent that died before, as systemd's
 * FORK_DEATHSIG does). A tool must never finish a write after its
 * operation ended: a cancelled monitor's "-v 1" landing after stop's "-D"
 * would leave an attribute set with nothing watching it. The agents are
 * single-threaded, so "parent" is the process, not just a thread of it.
 */
static void child_exec(const char *const *argv, pid_t parent, int out_fd,
                       int err_fd, int report_fd)
{
    sigset_t sigs;
    int err;
    int fd;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
        goto fail;
    }
    if (getppid() != parent) {
        raise(SIGKILL);
        _exit(127);
    }
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)signal(sig, SIG_DFL);
        }
    }
    sigemptyset(&sigs);
    if (sigprocmask(SIG_SETMASK, &sigs, NULL) < 0) {
        goto fail;
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 ||
        dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) {
        goto fail;
    }
    if (fd > STDERR_FILENO) {
        close(fd);
    }
#ifdef SYS_close_range
    /* nothing but 0, 1, 2 reaches the tool (report_fd closes at exec) */
    (void)syscall(SYS_close_range, STDERR_FILENO + 1, ~0U,
                  RUN_CLOSE_RANGE_CLOEXEC);
#endif
    execvp(argv[0], (char *const *)argv);
fail:
    err = errno;
    write_all(report_fd, &err, sizeof(err));
    _exit(127);
}

/* The child's exec failure (a positive errno), or 0 once it exec'd. */
static int read_report(int fd)
{
    int err = 0;
    ssize_t n;

    do {
        n = read(fd, &err, sizeof(err));
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(err) ? (err != 0 ? err : EIO) : 0;
}

/* One captured stream. */
struct stream {
    int fd;
    GString *buf;
    bool over; /* it carried more than RUN_OUTPUT_MAX bytes */
};

/*
 * Read what is there, a bounded amount per call so that a writer faster
 * than us cannot keep us from the deadline; close the stream at EOF. A
 * stream past RUN_OUTPUT_MAX is marked and read no further: a cut output
 * would parse as a shorter one, or fail to parse for no stated reason.
 */
static void stream_read(struct stream *s)
{
    char chunk[65536];

    for (int i = 0; i < 16 && !s->over; i++) {
        ssize_t n = read(s->fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n <= 0) {
            close(s->fd);
            s->fd = -1;
            return;
        }
        if ((size_t)n > RUN_OUTPUT_MAX - s->buf->len) {
            s->over = true;
            return;
        }
        g_string_append_len(s->buf, chunk, n);
    }
}

static int poll_timeout(int64_t deadline)
{
    int64_t left = deadline_left_ms(deadline);

    if (deadline == DEADLINE_NEVER) {
        return -1;
    }
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* Kill the child and reap it. */
static void kill_and_reap(pid_t pid)
{
    int status;

    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

/*
 * Wait for the child to exit while draining its output. With a pidfd the
 * exit is an event; without one (old kernels) the exit is noticed when both
 * pipes are at EOF, then polled for in short steps up to the deadline.
 */
static int wait_child(pid_t pid, int pidfd, struct stream *streams,
                      int64_t deadline, int *ret_status)
{
    bool exited = false;
    int status = 0;

    for (;;) {
        struct pollfd pfd[3];
        int nfds = 0;
        int idx[3];
        int rc;

        for (int i = 0; i < 2; i++) {
            if (streams[i].fd >= 0) {
                pfd[nfds].fd = streams[i].fd;
                pfd[nfds].events = POLLIN;
                idx[nfds++] = i;
            }
        }
        if (pidfd >= 0 && !exited) {
            pfd[nfds].fd = pidfd;
            pfd[nfds].events = POLLIN;
            idx[nfds++] = -1;
        }
        if (exited) {
            /*
             * The child's output is all in the pipes (it could not exit
             * with more unread than a pipe holds): one pass reads it. A
             * grandchild that kept a pipe open must not hold us up.
             */
            for (int i = 0; i < 2; i++) {
                if (streams[i].fd >= 0) {
                    stream_read(&streams[i]);
                }
                if (streams[i].over) {
                    return -EMSGSIZE;
                }
            }
            break;
        } else if (nfds == 0) {
            /* no pidfd and both pipes closed: poll for the exit */
            pid_t w = waitpid(pid, &status, WNOHANG);

            if (w == pid) {
                break;
            }
            if (w < 0 && errno != EINTR) {
                return -errno;
            }
            if (deadline_passed(deadline)) {
                return -ETIMEDOUT;
            }
            deadline_sleep(10, deadline);
            continue;
        } else {
            rc = poll(pfd, (nfds_t)nfds, poll_timeout(deadline));
            if (rc < 0 && errno == EINTR) {
                continue;
            }
            if (rc < 0) {
                return -errno;
            }
            if (rc == 0) {
                return -ETIMEDOUT;
            }
        }
        for (int k = 0; k < nfds; k++) {
            if (pfd[k].revents == 0) {
                continue;
            }
            if (idx[k] >= 0) {
                stream_read(&streams[idx[k]]);
                if (streams[idx[k]].over) {
                    return -EMSGSIZE;
                }
            } else {
                exited = true;
            }
        }
        if (!exited && pidfd < 0 && deadline_passed(deadline)) {
            return -ETIMEDOUT;
        }
    }
    if (exited || pidfd >= 0) {
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                return -errno;
            }
        }
    }
    *ret_status = status;
    return 0;
}

int run_argv(const char *const *argv, int64_t deadline,
             struct run_result *ret_result)
{
    g_autofree char *cmd = NULL;
    struct stream streams[2] = {{-1, NULL, false}, {-1, NULL, false}};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    int report_pipe[2] = {-1, -1};
    pid_t parent;
    pid_t pid = -1;
    int pidfd = -1;
    int status = 0;
    int rc;

    if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0' ||
        ret_result == NULL) {
        return -EINVAL;
    }
    cmd = argv_to_text(argv);
    if (fail_have_binary()) {
        log_debug("not running %s: OCF_TESTER_FAIL_HAVE_BINARY=1", cmd);
        return -ENOENT;
    }
    if (deadline_passed(deadline)) {
        log_debug("not running %s: deadline passed", cmd);
        return -ETIMEDOUT;
    }
    if (trace_wanted()) {
        log_info("running %s", cmd);
    } else {
        log_debug("running %s", cmd);
    }

    if (pipe2(out_pipe, O_CLOEXEC) < 0) {
        rc = -errno;
        goto out;
    }
    if (pipe2(err_pipe, O_CLOEXEC) < 0) {
        rc = -errno;
        goto out_close_pipes;
    }

    if (pipe2(report_pipe, O_CLOEXEC) < 0) {
        rc = -errno;
        goto out_close_pipes;
    }
    parent = getpid();
    pid = fork();
    if (pid < 0) {
        rc = -errno;
        goto out_close_pipes;
    }
    if (pid == 0) {
        child_exec(argv, parent, out_pipe[1], err_pipe[1], report_pipe[1]);
    }
    close(report_pipe[1]);
    report_pipe[1] = -1;
    rc = read_report(report_pipe[0]);
    if (rc != 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        log_debug("cannot run %s: %s", argv[0], strerror(rc));
        rc = spawn_errno(rc);
        goto out_close_pipes;
    }

    close(out_pipe[1]);
    close(err_pipe[1]);
    out_pipe[1] = err_pipe[1] = -1;
    streams[0].fd = out_pipe[0];
    streams[1].fd = err_pipe[0];
    out_pipe[0] = err_pipe[0] = -1;
    for (int i = 0; i < 2; i++) {
        streams[i].buf = g_string_new(NULL);
        fcntl(streams[i].fd, F_SETFL,
              fcntl(streams[i].fd, F_GETFL) | O_NONBLOCK);
    }
    pidfd = run_pidfd_open(pid);

    rc = wait_child(pid, pidfd, streams, deadline, &status);
    if (rc < 0) {
        kill_and_reap(pid);
        if (rc == -ETIMEDOUT) {
            log_debug("%s killed at its deadline", argv[0]);
        } else if (rc == -EMSGSIZE) {
            log_debug("%s killed: more than %d bytes on %s", argv[0],
                      RUN_OUTPUT_MAX, streams[0].over ? "stdout" : "stderr");
        } else {
            log_debug("waiting for %s failed: %s", argv[0], strerror(-rc));
        }
        goto out_close_streams;
    }

    ret_result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    ret_result->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    ret_result->out = g_string_free(streams[0].buf, FALSE);
    ret_result->err = g_string_free(streams[1].buf, FALSE);
    streams[0].buf = streams[1].buf = NULL;
    if (ret_result->term_signal != 0) {
        log_debug("%s killed by signal %d", argv[0], ret_result->term_signal);
    } else {
        log_debug("%s exited %d", argv[0], ret_result->exit_status);
    }

out_close_streams:
    for (int i = 0; i < 2; i++) {
        if (streams[i].fd >= 0) {
            close(streams[i].fd);
        }
        if (streams[i].buf != NULL) {
            g_string_free(streams[i].buf, TRUE);
        }
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
out_close_pipes:
    for (int i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0) {
            close(out_pipe[i]);
        }
        if (err_pipe[i] >= 0) {
            close(err_pipe[i]);
        }
        if (report_pipe[i] >= 0) {
            close(report_pipe[i]);
        }
    }
out:
    return rc;
}
