/*
 * ocf: the OCF resource-agent runtime: action dispatch, the OCF_* environment,
 * the parameter table that drives defaults, validation and meta-data, exit
 * codes and the exit reason.
 */
#ifndef GOCF_OCF_H
#define GOCF_OCF_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "result.h" /* enum ocf_exitcode, struct result */

enum ocf_param_type {
    OCF_TYPE_STRING,
    OCF_TYPE_INTEGER,
    OCF_TYPE_BOOLEAN,
};

struct ocf_ctx;

/*!
 * One instance parameter. The same table gives the default, the checks of
 * validate-all and every action, the meta-data and so the man page.
 */
struct ocf_param {
    const char *name; /*!< OCF_RESKEY_<name> */
    enum ocf_param_type type;
    const char *default_value; /*!< NULL: no default */
    bool required;
    bool unique;
    const char *shortdesc;
    const char *longdesc;
    /*!
     * Optional check of the value's form (run after the type check).
     * Returns 0, or -EINVAL and sets *ret_reason (g_strdup'ed) to a sentence
     * saying what is wrong. Must not look at the local system.
     */
    int (*check)(const char *value, char **ret_reason);
    int64_t min, max; /*!< bounds for OCF_TYPE_INTEGER when min < max */
    /*!
     * A change takes effect without a restart: meta-data says
     * reloadable="1" and Pacemaker runs reload-agent instead of stop+start.
     */
    bool reloadable;
    /*!
     * The value names what the instance published (an attribute, a path):
     * ocf_params_valid() judges stop by these parameters only.
     */
    bool identity;
};

/*! Handler of one action: returns an OCF exit code. */
typedef int (*ocf_handler_fn)(struct ocf_ctx *ctx);

/*! One action: advertised in meta-data and dispatched on argv[1]. */
struct ocf_action {
    const char *name; /*!< start, stop, monitor, notify, ... */
    ocf_handler_fn
        handler; /*!< NULL for meta-data, validate-all, usage (built in) */
    unsigned timeout_s;  /*!< advertised timeout */
    unsigned interval_s; /*!< advertised interval (0: none) */
    int depth;           /*!< advertised depth, or -1 for none */
    bool hidden; /*!< internal: dispatched, not in meta-data nor usage */
};

/*! An agent: its identity and tables. */
struct ocf_agent {
    const char *name;    /*!< e.g. "ganesha_mon" */
    const char *version; /*!< the agent's own version */
    const char *shortdesc;
    const char *longdesc;
    const struct ocf_param *params;   /*!< terminated by { .name = NULL } */
    const struct ocf_action *actions; /*!< terminated by { .name = NULL } */
    /*!
     * Optional extra validation beyond the table (cross-parameter rules).
     * \p local is true when the local environment may be checked (not for
     * validate-all at OCF_CHECK_LEVEL 0). Returns an OCF exit code and
     * writes the exit reason itself on failure.
     */
    int (*validate)(struct ocf_ctx *ctx, bool local);
};

/*! What an action runs with: resolved from the environment once. */
struct ocf_ctx {
    const struct ocf_agent *agent;
    const char *action;   /*!< argv[1] */
    const char *instance; /*!< OCF_RESOURCE_INSTANCE (or the agent name) */
    GHashTable *params;   /*!< name -> value, defaults applied */
    int64_t timeout_ms;   /*!< OCF_RESKEY_CRM_meta_timeout, default 20000 */
    int64_t interval_ms;  /*!< OCF_RESKEY_CRM_meta_interval, default 0 */
    int check_level;      /*!< OCF_CHECK_LEVEL (or OCF_RESKEY_OCF_CHECK_LEVEL),
                             default 0 */
    bool probe;           /*!< monitor with interval 0 */
    int64_t deadline;     /*!< deadline of this action, margin kept back */
};

/*!
 * \brief The agent's main(): parse argv, set up logging, resolve and check
 *        parameters, dispatch the action, log "<action> returned <rc>".
 *
 * Built in: meta-data (XML on stdout), validate-all (the table plus
 * agent->validate), usage and help (usage on stdout, 0). No or unknown
 * action: usage on stderr, an exit reason, OCF_ERR_UNIMPLEMENTED.
 * A bad parameter fails every action except meta-data, usage and stop (stop
 * must still clean up what it can): OCF_ERR_CONFIGURED with an exit reason
 * naming the parameter. This validation is the only source of
 * OCF_ERR_CONFIGURED; failures found later are local (see ocf_finish()).
 *
 * \return the process exit code
 */
int ocf_main(const struct ocf_agent *agent, int argc, char **argv);

/*!
 * \brief Write the exit reason: one line
 *        "${OCF_EXIT_REASON_PREFIX:-ocf-exit-reason:}<text>" on stderr, and
 *        the text logged at error level. Newlines in the text become spaces.
 */
void ocf_exit_reason(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*! \brief Value of parameter \p name (default applied), or NULL if unset. */
const char *ocf_param(const struct ocf_ctx *ctx, const char *name);

/*!
 * \brief Integer value of parameter \p name (already validated by the table).
 */
int64_t ocf_param_int(const struct ocf_ctx *ctx, const char *name);

/*! \brief Boolean value of parameter \p name (yes/true/1/on are true). */
bool ocf_param_bool(const struct ocf_ctx *ctx, const char *name);

/*! \brief Whether \p value is an OCF true value: yes, true, 1 or on. */
bool ocf_is_true(const char *value);

/*!
 * \brief The meta-data XML of \p agent: DOCTYPE ra-api-1.dtd,
 *        <version>1.1</version>, the agent version as an attribute; valid
 *        against ra-api-1.dtd and the OCF 1.1 RelaxNG schema.
 * \return newly allocated string
 */
char *ocf_metadata(const struct ocf_agent *agent);

/*!
 * \brief Check \p value against \p param's type, bounds and check function.
 * \return 0, or -EINVAL with *ret_reason set (g_free it)
 */
int ocf_param_check(const struct ocf_param *param, const char *value,
                    char **ret_reason);

/*!
 * \brief The OCF class of a local failure known only by its errno:
 *        -ENOENT/-ENOEXEC -> ERR_INSTALLED, -EACCES/-EPERM -> ERR_PERM,
 *        any other -> ERR_GENERIC. Never OCF_ERR_CONFIGURED: a -EINVAL from
 *        a damaged file or an odd answer of a tool is a local problem, and 6
 *        would stop the resource on every node.
 */
int ocf_rc_from_errno(int rc);

/*!
 * \brief Whether the parameters that identify what an instance published
 *        (the table's .identity ones; every parameter when none is marked)
 *        pass ocf_param_check() as set in the environment (an empty value
 *        counts as unset); the first that does not is logged as a warning.
 *
 * For stop: ocf_main() runs it even with a bad parameter, the default in
 * its place. A bad unrelated parameter (the controller lost the start's
 * parameters) must not keep stop from releasing; a bad identifying one
 * means start refused it, so nothing was published under it.
 */
bool ocf_params_valid(const struct ocf_ctx *ctx);

/*!
 * \brief Use \p value (copied) for parameter \p name from now on, e.g. the
 *        value a state file recorded at start.
 */
void ocf_param_override(struct ocf_ctx *ctx, const char *name,
                        const char *value);

/*!
 * \brief The edge: the exit code of \p res; on failure its reason is
 *        written once as the exit reason. Clears \p res.
 * \return res->exit_status
 */
int ocf_finish(struct result *res);

/*!
 * \brief ocf_finish() for a result known only as an errno: 0 or more is
 *        OCF_SUCCESS; a negative errno writes the exit reason (\p reason,
 *        or the errno's text when NULL) and returns ocf_rc_from_errno(\p r)
 *        (never OCF_ERR_CONFIGURED).
 */
int ocf_report(int r, const char *reason);

#endif
