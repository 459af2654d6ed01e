/*
 * deadline: monotonic time and deadlines for every external call.
 * A deadline is an absolute CLOCK_MONOTONIC time in microseconds.
 */
#ifndef GOCF_DEADLINE_H
#define GOCF_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

/*! Deadline value meaning "no deadline" (used only by tests). */
#define DEADLINE_NEVER INT64_MAX

/*!
 * \brief Current CLOCK_MONOTONIC time in microseconds.
 */
int64_t deadline_now(void);

/*!
 * \brief Deadline for an action from its timeout.
 *
 * \param[in] timeout_ms  the action's timeout (OCF_RESKEY_CRM_meta_timeout);
 *                        <= 0 means the default of 20 s
 * \param[in] margin_ms   time kept back to report a failure before
 *                        Pacemaker kills the agent; at most half the timeout
 *                        is kept back
 * \return the absolute deadline
 */
int64_t deadline_from_timeout(int64_t timeout_ms, int64_t margin_ms);

/*!
 * \brief Deadline \p ms milliseconds from now, but never past \p limit.
 */
int64_t deadline_in(int64_t ms, int64_t limit);

/*!
 * \brief Milliseconds left until \p deadline (0 if passed).
 */
int64_t deadline_left_ms(int64_t deadline);

/*! \brief Whether \p deadline has passed. */
bool deadline_passed(int64_t deadline);

/*!
 * \brief Sleep for \p ms milliseconds, or until \p deadline if sooner.
 *
 * Only for polling a condition between checks; never as an ordering device.
 */
void deadline_sleep(int64_t ms, int64_t deadline);

#endif
