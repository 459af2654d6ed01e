/*
 * log: agent logging through libqb, following the ocf-shellfuncs conventions
 * (HA_LOGFACILITY, HA_LOGFILE, HA_DEBUGLOG, HA_debug, the <agent>(<instance>)[pid] tag).
 */
#ifndef GOCF_LOG_H
#define GOCF_LOG_H

#include <qb/qblog.h>
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
 * qb_log tag bit for a message that must not be copied to stderr: the exit
 * reason, which ocf_exit_reason() has already written there in its own form.
 * Pass it as the tags of qb_log_from_external_source() or qb_logt().
 */
#define LOG_TAG_NO_STDERR (1U << 0)

/*! \brief Flush and close the log targets. */
void log_fini(void);

#define log_crit(fmt, ...)   qb_log(LOG_CRIT, fmt, ##__VA_ARGS__)
#define log_err(fmt, ...)    qb_log(LOG_ERR, fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...)   qb_log(LOG_WARNING, fmt, ##__VA_ARGS__)
#define log_notice(fmt, ...) qb_log(LOG_NOTICE, fmt, ##__VA_ARGS__)
#define log_info(fmt, ...)   qb_log(LOG_INFO, fmt, ##__VA_ARGS__)
#define log_debug(fmt, ...)  qb_log(LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif
