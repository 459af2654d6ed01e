/*
 * log: agent logging following the ocf-shellfuncs conventions
 * (HA_LOGFACILITY, HA_LOGFILE, HA_DEBUGLOG, HA_debug, the <agent>(<instance>)[pid] tag).
 */
#ifndef GOCF_LOG_H
#define GOCF_LOG_H

#include <syslog.h>

/*!
 * \brief Set up logging for one agent run.
 *
 * Syslog with facility HA_LOGFACILITY (default daemon; "none" turns it off),
 * HA_LOGFILE appended to, HA_DEBUGLOG for debug messages when HA_debug is
 * set (non-zero), and stderr when stderr is a terminal or when neither
 * syslog nor a file is configured. Safe to call twice.
 *
 * \param[in] agent     agent name, e.g. "ganesha_mon"
 * \param[in] instance  OCF_RESOURCE_INSTANCE, or NULL
 */
void log_init(const char *agent, const char *instance);

/*!
 * log_msg() tag bit for a message that must not be copied to stderr: the exit
 * reason, which ocf_exit_reason() has already written there in its own form.
 */
#define LOG_TAG_NO_STDERR (1U << 0)

/*! \brief Flush and close the log targets. */
void log_fini(void);

/*!
 * \brief Log one message at syslog priority \p prio to every target set up
 *        by log_init() that takes it (nothing before log_init()).
 *
 * errno is left as it was.
 * \param[in] tags  0, or LOG_TAG_NO_STDERR
 */
void log_msg(int prio, unsigned tags, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_crit(fmt, ...)   log_msg(LOG_CRIT, 0, fmt, ##__VA_ARGS__)
#define log_err(fmt, ...)    log_msg(LOG_ERR, 0, fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...)   log_msg(LOG_WARNING, 0, fmt, ##__VA_ARGS__)
#define log_notice(fmt, ...) log_msg(LOG_NOTICE, 0, fmt, ##__VA_ARGS__)
#define log_info(fmt, ...)   log_msg(LOG_INFO, 0, fmt, ##__VA_ARGS__)
#define log_debug(fmt, ...)  log_msg(LOG_DEBUG, 0, fmt, ##__VA_ARGS__)

#endif
