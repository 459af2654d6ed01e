/*
 * grace-watch - the ganesha-sandbox timeline recorder's per-node poller.
 *
 * Runs inside one sandbox node (started by `ganesha-sandbox timeline start`
 * through nsenter). Connects once to the node's system bus and, every
 * interval, reads the ganesha pid file, checks that the pid is a running
 * ganesha.nfsd, and asks it org.ganesha.nfsd.admin.get_grace. Prints only
 * the changes, one timeline line each, flushed:
 *
 *   <epoch_ms> ganesha <node> up <pid>|down
 *   <epoch_ms> grace <node> true|false|noreply
 *
 * noreply: no ganesha running, no reply within the timeout, or no bus. A
 * dropped bus connection (the node's dbus-daemon restarted) is reopened on
 * the next sample. Standalone on purpose (only libdbus-1), built on demand:
 *
 *   cc -O2 -o grace-watch grace-watch.c $(pkg-config --cflags --libs dbus-1)
 *
 * Usage: grace-watch NODE [--interval-ms N] [--timeout-ms N]
 *                         [--pidfile PATH] [--exe PATH]
 */
#define _GNU_SOURCE
#include <dbus/dbus.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *node;
static long interval_ms = 50;
static int timeout_ms = 300;
static const char *pidfile = "/run/ganesha/ganesha.pid";
static const char *exe = "/usr/bin/ganesha.nfsd";

static DBusConnection *conn;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(long long t, const char *kind, const char *what)
{
    if (printf("%lld %s %s %s\n", t, kind, node, what) < 0 ||
        fflush(stdout) != 0) {
        exit(0); /* the recorder is gone */
    }
}

/* The pid from the pid file if it is a running ganesha.nfsd, else 0. */
static long ganesha_pid(void)
{
    char buf[64], path[64];
    struct stat a, b;
    FILE *f;
    long pid;
    char *end;

    f = fopen(pidfile, "re");
    if (f == NULL) {
        return 0;
    }
    if (fgets(buf, sizeof(buf), f) == NULL) {
        fclose(f);
        return 0;
    }
    fclose(f);
    errno = 0;
    pid = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || pid <= 0 ||
        (*end != '\0' && *end != '\n')) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
    /* same file (like test -ef): also right when exe reads "... (deleted)" */
    if (stat(path, &a) != 0 || stat(exe, &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino) {
        return 0;
    }
    return pid;
}

static void bus_drop(void)
{
    if (conn != NULL) {
        dbus_connection_close(conn);
        dbus_connection_unref(conn);
        conn = NULL;
    }
}

static int bus_open(void)
{
    DBusError err;

    if (conn != NULL && dbus_connection_get_is_connected(conn)) {
        return 0;
    }
    bus_drop();
    dbus_error_init(&err);
    conn = dbus_bus_get_private(DBUS_BUS_SYSTEM, &err);
    if (conn == NULL) {
        dbus_error_free(&err);
        return -1;
    }
    dbus_connection_set_exit_on_disconnect(conn, FALSE);
    return 0;
}

/* "true", "false" or "noreply" */
static const char *get_grace(void)
{
    DBusMessage *msg, *reply, *stray;
    DBusError err;
    dbus_bool_t in_grace = FALSE;
    const char *res = "noreply";

    if (bus_open() != 0) {
        return res;
    }
    msg = dbus_message_new_method_call("org.ganesha.nfsd",
                                       "/org/ganesha/nfsd/admin",
                                       "org.ganesha.nfsd.admin", "get_grace");
    if (msg == NULL) {
        return res;
    }
    dbus_error_init(&err);
    reply =
        dbus_connection_send_with_reply_and_block(conn, msg, timeout_ms, &err);
    dbus_message_unref(msg);
    if (reply == NULL) {
        if (dbus_error_has_name(&err, DBUS_ERROR_DISCONNECTED) ||
            !dbus_connection_get_is_connected(conn)) {
            bus_drop();
        }
        dbus_error_free(&err);
        return res;
    }
    if (dbus_message_get_args(reply, &err, DBUS_TYPE_BOOLEAN, &in_grace,
                              DBUS_TYPE_INVALID)) {
        res = in_grace ? "true" : "false";
    }
    dbus_error_free(&err);
    dbus_message_unref(reply);
    /* late replies of timed-out calls would pile up in the queue */
    while (conn != NULL &&
           (stray = dbus_connection_pop_message(conn)) != NULL) {
        dbus_message_unref(stray);
    }
    return res;
}

static void add_ms(struct timespec *ts, long ms)
{
    ts->tv_nsec += (ms % 1000) * 1000000L;
    ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: grace-watch NODE [--interval-ms N] [--timeout-ms N] "
            "[--pidfile PATH] [--exe PATH]\n");
    exit(2);
}

static long number(const char *s, long min, long max)
{
    char *end;
    long v;

    if (s == NULL) {
        usage();
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        usage();
    }
    return v;
}

int main(int argc, char **argv)
{
    char last_grace[16] = "", what[48];
    long last_pid = 0, pid; /* like the old poller: no "down" line first */
    struct timespec next, now;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--interval-ms") == 0) {
            interval_ms = number(argv[++i], 1, 60000);
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            timeout_ms = (int)number(argv[++i], 1, 60000);
        } else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc) {
            pidfile = argv[++i];
        } else if (strcmp(argv[i], "--exe") == 0 && i + 1 < argc) {
            exe = argv[++i];
        } else if (argv[i][0] == '-' || node != NULL) {
            usage();
        } else {
            node = argv[i];
        }
    }
    if (node == NULL) {
        usage();
    }
    /* do not outlive the recorder loop that started us */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1) {
        return 0;
    }
    signal(SIGPIPE, SIG_DFL);

    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        const char *g = "noreply";
        long long t;

        pid = ganesha_pid();
        if (pid > 0) {
            g = get_grace();
        }
        t = now_ms();
        if (pid != last_pid) {
            if (pid > 0) {
                snprintf(what, sizeof(what), "up %ld", pid);
            } else {
                snprintf(what, sizeof(what), "down");
            }
            emit(t, "ganesha", what);
            last_pid = pid;
        }
        if (strcmp(g, last_grace) != 0) {
            emit(t, "grace", g);
            snprintf(last_grace, sizeof(last_grace), "%s", g);
        }
        /* fixed cadence; after a slow sample (a timeout) start over from now */
        add_ms(&next, interval_ms);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec ||
            (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec)) {
            next = now;
            add_ms(&next, interval_ms);
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) ==
               EINTR) {
        }
    }
}
