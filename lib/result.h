/*
 * result: the outcome of one step carried to the OCF edge: the OCF exit code,
 * decided where the failure is understood, and its reason (the shape of
 * Pacemaker's pcmk__result_t). The lowest layer: includes nothing of ours.
 */
#ifndef GOCF_RESULT_H
#define GOCF_RESULT_H

#include <glib.h>
#include <stdbool.h>

/*! OCF exit codes (OCF 1.1; Pacemaker's enum ocf_exitcode). */
enum ocf_exitcode {
    OCF_SUCCESS = 0,
    OCF_ERR_GENERIC = 1,
    OCF_ERR_ARGS = 2,
    OCF_ERR_UNIMPLEMENTED = 3,
    OCF_ERR_PERM = 4,
    OCF_ERR_INSTALLED = 5,
    OCF_ERR_CONFIGURED = 6,
    OCF_NOT_RUNNING = 7,
};

/*!
 * An OCF exit code and why. OCF_ERR_CONFIGURED (6) makes Pacemaker stop the
 * resource on every node: only parameter validation may set it; a local
 * problem (a damaged state file, an odd answer of a tool) is OCF_ERR_GENERIC
 * or OCF_ERR_ARGS.
 */
struct result {
    int exit_status; /*!< enum ocf_exitcode */
    char *reason;    /*!< the exit reason (owned), or NULL */
};

#define RESULT_INIT                                                            \
    {                                                                          \
        .exit_status = OCF_SUCCESS, .reason = NULL                             \
    }

/*!
 * \brief Record \p exit_status and the reason \p fmt in \p res, replacing
 *        what it held. NULL-safe: a NULL \p res records nothing.
 */
void result_set(struct result *res, int exit_status, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/*!
 * \brief Put context in front of the reason of a failed \p res:
 *        "<context>: <reason>". NULL-safe; no-op on success.
 */
void result_prefix(struct result *res, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/*! \brief Free the reason and reset \p res to success. NULL-safe. */
void result_clear(struct result *res);

/*! \brief Whether \p res holds OCF_SUCCESS (a NULL \p res counts as so). */
bool result_ok(const struct result *res);

#endif
