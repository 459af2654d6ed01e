/*
 * log: one logging set-up per agent run, with the ocf-shellfuncs
 * conventions: syslog facility HA_LOGFACILITY, HA_LOGFILE, HA_DEBUGLOG,
 * HA_debug, the "<agent>(<instance>)[pid]" tag, stderr as the fallback.
 *
 * Written directly to syslog(3) and file descriptors: an agent runs for a
 * few milliseconds, every second, and loading a logging library (libqb, and
 * libsystemd with its compression and crypto libraries behind it) cost more
 * than the agent's own work (doc/benchmarks.md, "Per-exec cost"). What goes
 * to syslog is what libqb sent ("<priority>: <message>", ident
 * "agent(instance)", LOG_PID).
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longest agent or instance name kept in the tag. */
#define TAG_PART_MAX 64
/* Longest message kept (what libqb kept). */
#define LINE_MAX_LEN 4096

/* A file target: an fd we write whole lines to. */
struct sink {
    int fd;
    bool is_stderr;
    bool with_date;
    int prio; /* the least important priority written */
};

static struct {
    bool initialized;
    bool use_syslog;
    int syslog_prio;                 /* the least important one sent */
    int max_prio;                    /* the least important one of any target */
    char tag[2 * TAG_PART_MAX + 32]; /* agent(instance)[pid] */
    char name[2 * TAG_PART_MAX + 8]; /* agent(instance): the syslog ident */
    struct sink sinks[3];
    int n_sinks;
} log_state;

/* Copy \p src into \p dst (size \p n) keeping printable ASCII only. */
static void copy_clean(char *dst, size_t n, const char *src, size_t max)
{
    size_t i = 0;

    for (; src != NULL && *src != '\0' && i < max && i + 1 < n; src++) {
        unsigned char c = (unsigned char)*src;

        dst[i++] = (c > 0x20 && c < 0x7f) ? (char)c : '_';
    }
    dst[i] = '\0';
}

/* Syslog's priority names, as libqb's "%p" wrote them. */
static const char *syslog_prio_name(int prio)
{
    static const char *const names[] = {"emerg",   "alert",  "crit", "error",
                                        "warning", "notice", "info", "debug"};

    return prio >= 0 && prio <= LOG_DEBUG ? names[prio] : "debug";
}

/* Facility names HA_LOGFACILITY may give (exactly libqb's list). */
static int facility_from_name(const char *name)
{
    static const struct {
        const char *name;
        int facility;
    } map[] = {
        {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV},
        {"cron", LOG_CRON},     {"daemon", LOG_DAEMON},
        {"ftp", LOG_FTP},       {"kern", LOG_KERN},
        {"lpr", LOG_LPR},       {"mail", LOG_MAIL},
        {"news", LOG_NEWS},     {"syslog", LOG_SYSLOG},
        {"user", LOG_USER},     {"uucp", LOG_UUCP},
        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
        {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
        {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(name, map[i].name) == 0) {
            return map[i].facility;
        }
    }
    return -1;
}

static const char *prio_name(int prio)
{
    switch (prio) {
    case LOG_EMERG:
    case LOG_ALERT:
    case LOG_CRIT:
        return "CRIT";
    case LOG_ERR:
        return "ERROR";
    case LOG_WARNING:
        return "WARNING";
    case LOG_NOTICE:
        return "NOTICE";
    case LOG_INFO:
        return "INFO";
    default:
        return "DEBUG";
    }
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; /* nowhere left to report a logging failure */
        }
        buf += n;
        len -= (size_t)n;
    }
}

/*
 * One line per message, in one write(): control characters (newlines
 * included) become spaces, so a message can never start a line of its own
 * (such as a forged "ocf-exit-reason:" line on stderr).
 */
static void sink_write(const struct sink *sink, int prio, const char *msg)
{
    char line[LINE_MAX_LEN + sizeof(log_state.tag) + 64];
    char date[32] = "";
    size_t len;
    int n;

    if (sink->with_date) {
        struct tm tm;
        time_t now = time(NULL);

        if (localtime_r(&now, &tm) != NULL) {
            strftime(date, sizeof(date), "%b %d %T ", &tm);
        }
    }
    n = snprintf(line, sizeof(line), "%s:\t%s%s: ", log_state.tag, date,
                 prio_name(prio));
    if (n < 0) {
        return;
    }
    len = (size_t)n;
    for (; *msg != '\0' && len < sizeof(line) - 1; msg++) {
        unsigned char c = (unsigned char)*msg;

        line[len++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    line[len++] = '\n';
    write_all(sink->fd, line, len);
}

/* Add a file target writing to \p fd at up to \p prio. */
static int add_sink(int fd, bool is_stderr, int prio)
{
    struct sink *sink;

    if (log_state.n_sinks >=
        (int)(sizeof(log_state.sinks) / sizeof(log_state.sinks[0]))) {
        return -ENOSPC;
    }
    sink = &log_state.sinks[log_state.n_sinks++];
    sink->fd = fd;
    sink->is_stderr = is_stderr;
    sink->with_date = !is_stderr;
    sink->prio = prio;
    if (prio > log_state.max_prio) {
        log_state.max_prio = prio;
    }
    return 0;
}

void log_msg(int prio, unsigned tags, const char *fmt, ...)
{
    char msg[LINE_MAX_LEN];
    int saved_errno = errno;
    va_list ap;

    if (!log_state.initialized || prio > log_state.max_prio) {
        return;
    }
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0) {
        msg[0] = '\0';
    }
    va_end(ap);
    if (log_state.use_syslog && prio <= log_state.syslog_prio) {
        syslog(prio, "%s: %s", syslog_prio_name(prio), msg);
    }
    for (int i = 0; i < log_state.n_sinks; i++) {
        const struct sink *sink = &log_state.sinks[i];

        if (prio > sink->prio ||
            (sink->is_stderr && (tags & LOG_TAG_NO_STDERR) != 0)) {
            continue;
        }
        sink_write(sink, prio, msg);
    }
    errno = saved_errno;
}

static int open_append(const char *path)
{
    int fd =
        open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

    return fd < 0 ? -errno : fd;
}

static bool env_is_set(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0';
}

/* HA_debug: set and not "0" (nor "false"/"no"/"off"). */
static bool debug_wanted(void)
{
    const char *v = getenv("HA_debug");

    if (v == NULL || *v == '\0') {
        return false;
    }
    return strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 &&
           strcasecmp(v, "no") != 0 && strcasecmp(v, "off") != 0;
}

/*
 * GLib's own warnings (g_warning, g_return_if_fail) go through our targets
 * too: on stderr its default handler would print multi-line text unfiltered.
 */
static void glib_to_log(const gchar *domain, GLogLevelFlags level,
                        const gchar *message, gpointer user_data)
{
    int prio;

    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
        prio = LOG_ERR;
    } else if (level & G_LOG_LEVEL_WARNING) {
        prio = LOG_WARNING;
    } else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) {
        prio = LOG_INFO;
    } else {
        prio = LOG_DEBUG;
    }
    log_msg(prio, 0, "%s%s%s", domain != NULL ? domain : "",
            domain != NULL ? ": " : "", message != NULL ? message : "");
}

void log_init(const char *agent, const char *instance)
{
    const char *facility_name = getenv("HA_LOGFACILITY");
    const char *logfile = getenv("HA_LOGFILE");
    const char *debuglog = getenv("HA_DEBUGLOG");
    bool debug = debug_wanted();
    int prio = debug ? LOG_DEBUG : LOG_INFO;
    int facility = LOG_DAEMON;
    bool use_syslog = true;
    bool bad_facility = false;
    bool have_file = false;
    int logfile_err = 0;
    int debuglog_err = 0;
    char a[TAG_PART_MAX + 1];
    char i[TAG_PART_MAX + 1];

    if (log_state.initialized) {
        log_fini();
    }

    copy_clean(a, sizeof(a), agent != NULL ? agent : "agent", TAG_PART_MAX);
    copy_clean(i, sizeof(i), instance, TAG_PART_MAX);
    if (i[0] != '\0') {
        snprintf(log_state.name, sizeof(log_state.name), "%s(%s)", a, i);
    } else {
        snprintf(log_state.name, sizeof(log_state.name), "%s", a);
    }
    snprintf(log_state.tag, sizeof(log_state.tag), "%s[%ld]", log_state.name,
             (long)getpid());

    if (facility_name != NULL && *facility_name != '\0') {
        if (strcmp(facility_name, "none") == 0) {
            use_syslog = false;
        } else {
            int f = facility_from_name(facility_name);

            if (f < 0) {
                bad_facility = true;
            } else {
                facility = f;
            }
        }
    }

    log_state.use_syslog = use_syslog;
    log_state.syslog_prio = prio;
    log_state.max_prio = use_syslog ? prio : -1;
    log_state.n_sinks = 0;
    if (use_syslog) {
        /* The ident is "agent(instance)"; LOG_PID adds "[pid]". */
        openlog(log_state.name, LOG_PID, facility);
    }

    if (env_is_set("HA_LOGFILE")) {
        int fd = open_append(logfile);

        if (fd < 0) {
            logfile_err = fd;
        } else if (add_sink(fd, false, prio) < 0) {
            close(fd);
        } else {
            have_file = true;
        }
    }
    if (debug && env_is_set("HA_DEBUGLOG") &&
        (logfile == NULL || strcmp(logfile, debuglog) != 0)) {
        int fd = open_append(debuglog);

        if (fd < 0) {
            debuglog_err = fd;
        } else if (add_sink(fd, false, LOG_DEBUG) < 0) {
            close(fd);
        }
    }
    if (isatty(STDERR_FILENO) || (!use_syslog && !have_file)) {
        add_sink(STDERR_FILENO, true, prio);
    }
    g_log_set_default_handler(glib_to_log, NULL);
    log_state.initialized = true;

    if (bad_facility) {
        log_warn("unknown HA_LOGFACILITY, using daemon");
    }
    if (logfile_err < 0) {
        log_warn("cannot open HA_LOGFILE %s: %s, ignoring", logfile,
                 strerror(-logfile_err));
    }
    if (debuglog_err < 0) {
        log_warn("cannot open HA_DEBUGLOG %s: %s, ignoring", debuglog,
                 strerror(-debuglog_err));
    }
}

void log_fini(void)
{
    if (!log_state.initialized) {
        return;
    }
    for (int i = 0; i < log_state.n_sinks; i++) {
        struct sink *sink = &log_state.sinks[i];

        if (!sink->is_stderr && sink->fd >= 0) {
            close(sink->fd);
            sink->fd = -1;
        }
    }
    log_state.n_sinks = 0;
    g_log_set_default_handler(g_log_default_handler, NULL);
    if (log_state.use_syslog) {
        closelog();
    }
    log_state.initialized = false;
}
