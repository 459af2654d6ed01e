/*
 * log: one libqb logging set-up per agent run, with the ocf-shellfuncs
 * conventions: syslog facility HA_LOGFACILITY, HA_LOGFILE, HA_DEBUGLOG,
 * HA_debug, the "<agent>(<instance>)[pid]" tag, stderr as the fallback.
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longest agent or instance name kept in the tag. */
#define TAG_PART_MAX 64
/* Longest message kept (libqb's absolute maximum). */
#define LINE_MAX_LEN QB_LOG_ABSOLUTE_MAX_LEN

/* A custom target: an fd we write whole lines to. */
struct sink {
    int fd;
    bool is_stderr;
    bool with_date;
};

static struct {
    bool initialized;
    char tag[2 * TAG_PART_MAX + 32]; /* agent(instance)[pid] */
    char name[2 * TAG_PART_MAX + 8]; /* agent(instance): the syslog ident */
    struct sink sinks[3];
    int targets[3];
    int n_targets;
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
static void sink_log(int32_t t, struct qb_log_callsite *cs,
                     struct timespec *timestamp, const char *msg)
{
    struct sink *sink = qb_log_target_user_data_get(t);
    char line[LINE_MAX_LEN + sizeof(log_state.tag) + 64];
    char date[32] = "";
    size_t len;
    int n;

    if (sink == NULL || msg == NULL) {
        return;
    }
    if (sink->is_stderr && (cs->tags & LOG_TAG_NO_STDERR) != 0) {
        return;
    }
    if (sink->with_date) {
        struct tm tm;
        time_t now = timestamp != NULL ? timestamp->tv_sec : time(NULL);

        if (localtime_r(&now, &tm) != NULL) {
            strftime(date, sizeof(date), "%b %d %T ", &tm);
        }
    }
    n = snprintf(line, sizeof(line), "%s:\t%s%s: ", log_state.tag, date,
                 prio_name(cs->priority));
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

static void sink_close(int32_t t)
{
    struct sink *sink = qb_log_target_user_data_get(t);

    if (sink != NULL && !sink->is_stderr && sink->fd >= 0) {
        close(sink->fd);
        sink->fd = -1;
    }
}

/* Add a custom target writing to \p fd at up to \p prio. */
static int add_sink(int fd, bool is_stderr, uint8_t prio)
{
    struct sink *sink;
    int t;

    if (log_state.n_targets >=
        (int)(sizeof(log_state.sinks) / sizeof(log_state.sinks[0]))) {
        return -ENOSPC;
    }
    sink = &log_state.sinks[log_state.n_targets];
    sink->fd = fd;
    sink->is_stderr = is_stderr;
    sink->with_date = !is_stderr;
    t = qb_log_custom_open(sink_log, sink_close, NULL, sink);
    if (t < 0) {
        return t;
    }
    qb_log_ctl(t, QB_LOG_CONF_MAX_LINE_LEN, LINE_MAX_LEN);
    qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", prio);
    qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
    log_state.targets[log_state.n_targets++] = t;
    return 0;
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
static void glib_to_qb(const gchar *domain, GLogLevelFlags level,
                       const gchar *message, gpointer user_data)
{
    uint8_t prio;

    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
        prio = LOG_ERR;
    } else if (level & G_LOG_LEVEL_WARNING) {
        prio = LOG_WARNING;
    } else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) {
        prio = LOG_INFO;
    } else {
        prio = LOG_DEBUG;
    }
    qb_log_from_external_source(__func__, __FILE__, "%s%s%s", prio, __LINE__, 0,
                                domain != NULL ? domain : "",
                                domain != NULL ? ": " : "",
                                message != NULL ? message : "");
}

void log_init(const char *agent, const char *instance)
{
    const char *facility_name = getenv("HA_LOGFACILITY");
    const char *logfile = getenv("HA_LOGFILE");
    const char *debuglog = getenv("HA_DEBUGLOG");
    bool debug = debug_wanted();
    uint8_t prio = debug ? LOG_DEBUG : LOG_INFO;
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
            int f = qb_log_facility2int(facility_name);

            if (f < 0) {
                bad_facility = true;
            } else {
                facility = f;
            }
        }
    }

    /* The syslog ident is "agent(instance)"; LOG_PID adds "[pid]". */
    qb_log_init(log_state.name, facility, prio);
    qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_ENABLED, QB_FALSE);
    qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
    if (use_syslog) {
        qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_MAX_LINE_LEN, LINE_MAX_LEN);
        qb_log_format_set(QB_LOG_SYSLOG, "%p: %b");
        qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
                          "*", prio);
    } else {
        qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
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
    g_log_set_default_handler(glib_to_qb, NULL);
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
    int t;

    if (!log_state.initialized) {
        return;
    }
    for (t = 0; t < log_state.n_targets; t++) {
        qb_log_custom_close(log_state.targets[t]);
    }
    log_state.n_targets = 0;
    g_log_set_default_handler(g_log_default_handler, NULL);
    qb_log_fini();
    log_state.initialized = false;
}
