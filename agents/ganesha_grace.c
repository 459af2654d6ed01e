/*
 * ganesha_grace: a pseudo-resource clone (notify=true) that follows the
 * grace-active attribute; its notifications put the local ganesha into grace
 * for the nodes that stopped (then ack it) or started.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "attr.h"
#include "deadline.h"
#include "grace.h"
#include "log.h"
#include "notify.h"
#include "ocf.h"
#include "params.h"
#include "peerhint.h"
#include "state.h"

#define GRACE_AGENT "ganesha_grace"
#define GRACE_VERSION "1.0.0"

/* design.md: the monitor re-reads grace_active at most this often. */
#define GRACE_RECHECK_S 120
/*
 * A failed re-read is tolerated while the last confirmation is younger than
 * this: failing the monitor would restart the instance and so put every
 * survivor's ganesha into grace for nothing.
 */
#define GRACE_READ_GRACE_S (3 * GRACE_RECHECK_S)
/*
 * How long grace_active may be absent before the monitor says "not running".
 * Its location rule makes Pacemaker stop this instance within a second of the
 * deletion; a monitor that ran in between and returned 7 left a failed action
 * and a fail-count behind on every failover. 7 is for an instance that the
 * rule did not stop.
 */
#define GRACE_MISSING_S 30
/* Poll period of start's wait for grace_active=1. */
#define GRACE_START_POLL_MS 200
/* get_grace confirmations tried after each grace call, and their spacing. */
#define GRACE_CONFIRM_TRIES 5
#define GRACE_CONFIRM_POLL_MS 100
/*
 * Bound of each D-Bus step of a notification on its own (the grace call
 * with its connect, each get_grace): a survivor whose bus or ganesha does
 * not answer gives up after this, well inside the notify timeout, instead
 * of holding the transition (and with it every VIP move) for all of it.
 */
#define GRACE_STEP_MS 2000
/* Most node names handled from one notification list. */
#define GRACE_NOTIFY_MAX_NODES 1024
/* pre-stop notification record (see prestop_merge) and its bounds */
#define GRACE_PRESTOP_AGENT GRACE_AGENT "-prestop"
#define GRACE_PRESTOP_MAX_AGE_S 600
/* bound of the CIB read that checks names only a pre-stop notify gave */
#define GRACE_PRESTOP_SNAPSHOT_MS 5000

/* ---- the agent's specification ----------------------------------------- */

static const struct ocf_param grace_params[] = {
    {
        .name = "grace_active",
        .type = OCF_TYPE_STRING,
        .default_value = "grace-active",
        .shortdesc = "attribute this instance follows",
        .longdesc = "Name of the transient node attribute that ganesha_mon "
                    "sets to 1 while the local ganesha is alive. Start waits "
                    "for it; monitor reports not running when it stays absent "
                    "30 s.",
        .check = params_check_attr_name,
        .reloadable = true,
    },
    {
        .name = "grace_ack",
        .type = OCF_TYPE_STRING,
        .default_value = "grace-ack",
        .shortdesc = "prefix of the grace acks this instance sets",
        .longdesc = "After the local ganesha confirmed grace for a stopped "
                    "node N, this instance sets <grace_ack>-<local node>=1 "
                    "on N. Must match ganesha_mon's grace_ack.",
        .check = params_check_ack_prefix,
        .reloadable = true,
    },
    {.name = NULL},
};

static int grace_validate(struct ocf_ctx *ctx, bool local);
static int grace_start_action(struct ocf_ctx *ctx);
static int grace_stop_action(struct ocf_ctx *ctx);
static int grace_monitor_action(struct ocf_ctx *ctx);
static int grace_notify_action(struct ocf_ctx *ctx);
static int grace_reload_action(struct ocf_ctx *ctx);

/* clang-format off */
static const struct ocf_action grace_actions[] = {
    /* name           handler               timeout interval depth */
    {"start",         grace_start_action,   40,     0,       -1},
    {"stop",          grace_stop_action,    20,     0,       -1},
    {"monitor",       grace_monitor_action, 20,     30,      0},
    {"notify",        grace_notify_action,  20,     0,       -1},
    {"reload-agent",  grace_reload_action,  20,     0,       -1},
    {"validate-all",  NULL,                 20,     0,       -1},
    {"meta-data",     NULL,                 20,     0,       -1},
    {.name = NULL},
};
/* clang-format on */

static const struct ocf_agent grace_agent = {
    .name = GRACE_AGENT,
    .version = GRACE_VERSION,
    .shortdesc = "Puts the local NFS-Ganesha into grace when peers stop or "
                 "start",
    .longdesc =
        "A pseudo-resource meant to run as a clone with notify=true, with a "
        "location rule that keeps it only where grace_active is 1. "
        "Start waits, bounded by its timeout, until grace_active is 1 on the "
        "local node; if it never is, start still succeeds with a warning "
        "(a failed start would ban the instance from the node until a "
        "cleanup, and a banned instance gets no notifications: the next "
        "failure of a peer would move its VIP without grace here), the "
        "location rule stops the instance, and its first monitor re-reads "
        "the attribute at once; monitor "
        "reports not running after a stop or when grace_active has not been "
        "1 for 30 s (sooner, its location rule stops the instance; the "
        "attribute is re-read at most every 120 s; a steady monitor "
        "runs no program; a failed re-read fails the monitor only when the "
        "attribute was last seen as 1 more than 360 s ago). "
        "On a post-stop notification, for every node N in "
        "notify_stop_uname other than the local node it calls the local "
        "ganesha's D-Bus method org.ganesha.nfsd.admin.grace with the "
        "argument \"5:N\" (take over N's clients), confirms with get_grace "
        "that ganesha is in grace, and then sets <grace_ack>-<local node>=1 "
        "on N, which ganesha_mon on N waits for before it moves N's VIP. "
        "Each D-Bus step is bounded to 2 s on its own. When the grace call "
        "fails and another survivor has acked N already, it sets "
        "no-<grace_ack>-N=1 on the local node instead (ganesha-ha.sh bans "
        "N's VIP group where that is 1). "
        "On a pre-start notification, for every node M in "
        "notify_start_uname other than the local node it sends \"3:M\" "
        "(re-enter grace and reload its own client records) and confirms "
        "with get_grace; no ack. Other notifications do nothing. A failed "
        "call is logged by node name and the notify action fails with one "
        "exit reason naming every node that failed. "
        "Both parameters are reloadable: a change runs reload-agent, not a "
        "stop and start (whose notifications would put every survivor into "
        "grace); the next monitor re-reads the new grace_active.",
    .params = grace_params,
    .actions = grace_actions,
    .validate = grace_validate,
};

/* ---- local state ------------------------------------------------------ */

#define STATE_GROUP "state"

static int64_t wall_now_s(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/*
 * Record the instance as started, grace_active last seen as 1 at \p seen
 * (unix seconds; 0: never, so the next monitor reads it at once).
 */
static int grace_state_save(const struct ocf_ctx *ctx, int64_t seen)
{
    g_autofree char *key = state_key_for(GRACE_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_boolean(kf, STATE_GROUP, "started", TRUE);
    g_key_file_set_int64(kf, STATE_GROUP, "grace_active_seen", seen);
    return state_write(key, kf);
}

/* ---- helpers ----------------------------------------------------------- */

/*
 * 0 if grace_active is 1 on node; -ENXIO if it is absent, or holds another
 * value (then returned in *ret_value for the log); or attr_get()'s error.
 */
static int grace_active_is_set(const struct ocf_ctx *ctx, const char *node,
                               int64_t deadline, char **ret_value)
{
    g_autofree char *value = NULL;
    int r = attr_get(node, ocf_param(ctx, "grace_active"), deadline, &value);

    if (r < 0) {
        return r;
    }
    if (strcmp(value, "1") != 0) {
        *ret_value = g_steal_pointer(&value);
        return -ENXIO;
    }
    return 0;
}

/*
 * grace_active must not look like an ack: setting <grace_ack>-<local> on a
 * stopped node could otherwise set its grace_active (ganesha_mon refuses the
 * same combination).
 */
static int grace_validate(struct ocf_ctx *ctx, bool local)
{
    const char *grace_active = ocf_param(ctx, "grace_active");
    g_autofree char *ack_prefix =
        g_strdup_printf("%s-", ocf_param(ctx, "grace_ack"));

    if (g_str_has_prefix(grace_active, ack_prefix)) {
        ocf_exit_reason("grace_active (%s) must not start with grace_ack's "
                        "prefix %s",
                        grace_active, ack_prefix);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

/* ---- start / stop / monitor ------------------------------------------- */

static int grace_start_action(struct ocf_ctx *ctx)
{
    g_autofree char *reason = NULL;
    g_autofree char *node = NULL;
    int64_t begin = deadline_now();
    int64_t seen = 0;
    int r;

    r = attr_local_node_why(ctx->deadline, &node, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    /* ganesha_mon sets the attribute; wait for it instead of sleeping */
    for (;;) {
        g_autofree char *value = NULL;

        r = grace_active_is_set(ctx, node, ctx->deadline, &value);
        if (r == 0) {
            seen = wall_now_s();
            break;
        }
        if (deadline_passed(ctx->deadline)) {
            /*
             * Succeed anyway. A failed start bans the clone instance from
             * this node until a cleanup (start-failure-is-fatal), and a
             * banned instance gets no notifications: the next failure of
             * another node would move its VIP without grace here. The
             * location rule on grace_active stops this instance if the
             * attribute really is absent, and the monitor reads it at once
             * (seen = 0) and says "not running" if it stays absent.
             */
            log_warn("%s is not 1 on %s after %lld s (%s): starting anyway, "
                     "its location rule stops this instance if it stays so",
                     ocf_param(ctx, "grace_active"), node,
                     (long long)((deadline_now() - begin) / G_USEC_PER_SEC),
                     r == -ENXIO ? (value != NULL ? "other value" : "absent")
                                 : attr_strerror(r));
            break;
        }
        deadline_sleep(GRACE_START_POLL_MS, ctx->deadline);
    }
    r = grace_state_save(ctx, seen);
    if (r < 0) {
        reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

static int grace_stop_action(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(GRACE_AGENT, ctx->instance);
    g_autofree char *prestop =
        state_key_for(GRACE_PRESTOP_AGENT, ctx->instance);
    g_autofree char *reason = NULL;
    int r = state_remove(key);

    (void)state_remove(prestop);

    if (r < 0) {
        reason =
            g_strdup_printf("cannot remove the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

/*
 * Nothing derived from the parameters is kept but when grace_active was
 * last seen: forget it, so the next monitor re-reads the new attribute.
 */
static int grace_reload_action(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(GRACE_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = NULL;
    struct result res = RESULT_INIT;
    int r;

    r = state_lock(key, ctx->deadline, &res);
    if (r == 0) {
        r = state_load(key, &kf, NULL, &res);
    }
    if (r == -ENOENT) {
        return OCF_SUCCESS; /* not started: nothing to carry over */
    }
    if (r < 0) {
        return ocf_finish(&res);
    }
    g_key_file_set_int64(kf, STATE_GROUP, "grace_active_seen", 0);
    g_key_file_remove_key(kf, STATE_GROUP, "grace_active_missing", NULL);
    r = state_write(key, kf);
    if (r < 0) {
        result_set(&res, OCF_ERR_GENERIC, "cannot write the state file: %s",
                   g_strerror(-r));
        return ocf_finish(&res);
    }
    log_notice("reloaded: grace_active=%s grace_ack=%s",
               ocf_param(ctx, "grace_active"), ocf_param(ctx, "grace_ack"));
    return OCF_SUCCESS;
}

static int grace_monitor_action(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(GRACE_AGENT, ctx->instance);
    g_autofree char *reason = NULL;
    g_autofree char *node = NULL;
    g_autofree char *value = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    struct result res = RESULT_INIT;
    int64_t seen, now = wall_now_s();
    int r;

    /*
     * The steady path reads the state without its lock (a writer renames
     * a whole new file over it) and writes nothing: no lock file to make
     * and unlink on every monitor.
     */
    r = state_load(key, &kf, NULL, NULL);
    if (r == 0 && g_key_file_get_boolean(kf, STATE_GROUP, "started", NULL)) {
        seen = g_key_file_get_int64(kf, STATE_GROUP, "grace_active_seen", NULL);
        if (now >= seen && now - seen < GRACE_RECHECK_S) {
            /* the location rule bans us on a deletion anyway */
            return OCF_SUCCESS;
        }
    }
    g_clear_pointer(&kf, g_key_file_unref);
    /* read-modify-write of grace_active_missing: hold the lock */
    r = state_lock(key, ctx->deadline, &res);
    if (r < 0 && r != -ETIMEDOUT) {
        log_warn("%s; reading the state without the lock", res.reason);
        result_clear(&res);
    } else if (r < 0) {
        return ocf_finish(&res);
    }
    r = state_load(key, &kf, NULL, &res);
    if (r == -ENOENT) {
        return OCF_NOT_RUNNING;
    }
    if (r < 0) {
        /* a local problem (1): 6 would stop the clone on every node */
        return ocf_finish(&res);
    }
    if (!g_key_file_get_boolean(kf, STATE_GROUP, "started", NULL)) {
        return OCF_NOT_RUNNING;
    }
    seen = g_key_file_get_int64(kf, STATE_GROUP, "grace_active_seen", NULL);
    if (now >= seen && now - seen < GRACE_RECHECK_S) {
        return OCF_SUCCESS;
    }
    r = attr_local_node_why(ctx->deadline, &node, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    r = grace_active_is_set(ctx, node, ctx->deadline, &value);
    if (r == -ENXIO) {
        int64_t missing =
            g_key_file_get_int64(kf, STATE_GROUP, "grace_active_missing", NULL);

        if (missing <= 0 || missing > now) {
            g_key_file_set_int64(kf, STATE_GROUP, "grace_active_missing", now);
            (void)state_write(key, kf);
            missing = now;
        }
        if (now - missing < GRACE_MISSING_S) {
            log_info("%s is %s on %s since %lld s: leaving the stop to its "
                     "location rule",
                     ocf_param(ctx, "grace_active"),
                     value != NULL ? value : "absent", node,
                     (long long)(now - missing));
            return OCF_SUCCESS;
        }
        log_info("%s is %s on %s for %lld s: not running",
                 ocf_param(ctx, "grace_active"),
                 value != NULL ? value : "absent", node,
                 (long long)(now - missing));
        return OCF_NOT_RUNNING;
    }
    if (r < 0 && now >= seen && now - seen < GRACE_READ_GRACE_S) {
        log_warn("cannot read %s on %s (%s), last seen as 1 %lld s ago: "
                 "still running",
                 ocf_param(ctx, "grace_active"), node, attr_strerror(r),
                 (long long)(now - seen));
        return OCF_SUCCESS;
    }
    if (r < 0) {
        reason = g_strdup_printf("cannot read %s on %s: %s",
                                 ocf_param(ctx, "grace_active"), node,
                                 attr_strerror(r));
        return ocf_report(r, reason);
    }
    r = grace_state_save(ctx, now);
    if (r < 0) {
        reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

/* ---- notify -------------------------------------------------------------- */

/*
 * Ask the local ganesha for grace(<event>:<node>) and confirm it with
 * get_grace. 0, or -errno with *ret_reason set.
 */
static int grace_enter(enum grace_event event, const char *node,
                       int64_t deadline, char **ret_reason)
{
    g_autofree char *arg = grace_arg(event, node);
    g_autofree char *why = NULL;
    bool in_grace = false;
    int r;

    r = grace_start(arg, deadline_in(GRACE_STEP_MS, deadline), &why);
    if (r < 0) {
        *ret_reason = g_strdup_printf("grace(\"%s\") failed: %s", arg,
                                      why != NULL ? why : g_strerror(-r));
        return r;
    }
    for (int i = 0; i < GRACE_CONFIRM_TRIES; i++) {
        g_clear_pointer(&why, g_free);
        r = grace_get(deadline_in(GRACE_STEP_MS, deadline), &in_grace, &why);
        if (r < 0 || in_grace || deadline_passed(deadline)) {
            break;
        }
        deadline_sleep(GRACE_CONFIRM_POLL_MS, deadline);
    }
    if (r < 0) {
        *ret_reason = g_strdup_printf("get_grace after grace(\"%s\") failed: "
                                      "%s",
                                      arg, why != NULL ? why : g_strerror(-r));
        return r;
    }
    if (!in_grace) {
        *ret_reason =
            g_strdup_printf("ganesha is not in grace after grace(\"%s\")", arg);
        return -EPROTO;
    }
    log_info("ganesha is in grace after grace(\"%s\")", arg);
    return 0;
}

/* Failures shown in the exit reason before "and N more". */
#define GRACE_REASON_FAILURES 4

/* Each failed node, "<node> (<why>)", in the order they were tried. */
static void failure_add(GPtrArray *failures, const char *node, const char *why)
{
    g_ptr_array_add(failures, g_strdup_printf("%s (%s)", node, why));
}

/* The exit reason's summary: the first few failures, then a count. */
static char *failure_summary(GPtrArray *failures)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < failures->len && i < GRACE_REASON_FAILURES; i++) {
        g_string_append_printf(s, "%s%s", i ? "; " : "",
                               (char *)g_ptr_array_index(failures, i));
    }
    if (failures->len > GRACE_REASON_FAILURES) {
        g_string_append_printf(s, "; and %u more (see the log)",
                               failures->len - GRACE_REASON_FAILURES);
    }
    return g_string_free(s, FALSE);
}

static bool names_have(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++) {
        if (strcmp(g_ptr_array_index(names, i), name) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * A refusal must reach the CIB before this notification ends: after a
 * crash the failed node's address waits for the notifications and was
 * placed before them, and only the attribute change (which aborts that
 * transition) moves it off this node before it starts here. Bounded.
 */
#define GRACE_REFUSAL_WAIT_MS 2000
#define GRACE_REFUSAL_POLL_MS 50

static void grace_refusal_wait(const char *local, const char *nack,
                               int64_t limit)
{
    int64_t bound = deadline_in(GRACE_REFUSAL_WAIT_MS, limit);

    for (;;) {
        g_autoptr(GPtrArray) nodes = NULL;

        if (attr_snapshot(bound, &nodes) == 0 &&
            g_strcmp0(attr_node_value(attr_snapshot_node(nodes, local), nack),
                      "1") == 0) {
            return;
        }
        if (deadline_passed(bound)) {
            log_warn("%s=1 not in the CIB yet after %d ms", nack,
                     GRACE_REFUSAL_WAIT_MS);
            return;
        }
        deadline_sleep(GRACE_REFUSAL_POLL_MS, bound);
    }
}

/*
 * This survivor could not put its ganesha into grace for the failed node:
 * if another survivor did (an ack on the failed node), say so on this node
 * with no-<grace_ack>-<node>=1, which bans the failed node's VIP group from
 * here, so that the address goes to a survivor in grace. ganesha_mon counts
 * it as an answer and stops waiting for this node. With no ack from anyone
 * nothing is set: the address must go somewhere (README, "A survivor that
 * does not answer"). Failures are logged; ganesha_mon bans a survivor that
 * neither acked nor refused by grace_delay itself.
 */
static void grace_refuse(const struct ocf_ctx *ctx, const char *node,
                         const char *local)
{
    const char *prefix = ocf_param(ctx, "grace_ack");
    g_autofree char *nack = attr_nack_name(prefix, node);
    g_autofree char *ack_prefix = g_strdup_printf("%s-", prefix);
    g_autofree char *own_ack = g_strdup_printf("%s-%s", prefix, local);
    g_autoptr(GPtrArray) nodes = NULL;
    const struct attr_node *failed;
    const char *by = NULL;
    GHashTableIter iter;
    gpointer name, value;
    int r;

    r = attr_snapshot(ctx->deadline, &nodes);
    if (r < 0) {
        log_err("cannot read %s's acks: %s", node, attr_strerror(r));
        return;
    }
    failed = attr_snapshot_node(nodes, node);
    if (failed != NULL && failed->attrs != NULL) {
        g_hash_table_iter_init(&iter, failed->attrs);
        while (by == NULL && g_hash_table_iter_next(&iter, &name, &value)) {
            if (g_str_has_prefix(name, ack_prefix) &&
                strcmp(name, own_ack) != 0 && g_strcmp0(value, "1") == 0) {
                by = (const char *)name + strlen(ack_prefix);
            }
        }
    }
    /*
     * After a crash the acks on the lost node live in attrd only (it cannot
     * write them to the CIB for a node whose uuid it lost): ask it.
     */
    for (guint i = 0; by == NULL && i < nodes->len; i++) {
        const struct attr_node *n = g_ptr_array_index(nodes, i);
        g_autofree char *ack = NULL;
        g_autofree char *held = NULL;

        if (!n->online || strcmp(n->name, local) == 0 ||
            strcmp(n->name, node) == 0) {
            continue;
        }
        ack = g_strdup_printf("%s%s", ack_prefix, n->name);
        if (attr_attrd_get(node, ack, ctx->deadline, &held) == 0 &&
            strcmp(held, "1") == 0) {
            by = n->name;
        }
    }
    if (by == NULL) {
        log_warn("no other survivor confirmed grace for %s yet: %s stays "
                 "unset here",
                 node, nack);
        return;
    }
    r = attr_set(local, nack, "1", ctx->deadline);
    if (r < 0) {
        log_err("cannot set %s=1 on %s: %s", nack, local, attr_strerror(r));
        return;
    }
    log_warn("%s=1: %s's VIP goes to a survivor in grace (%s confirmed)", nack,
             node, by);
    grace_refusal_wait(local, nack, ctx->deadline);
}

/*
 * Did the local watcher take \p node over already, on its group's hint
 * (ganesha_mon's early_grace)? Then ganesha loaded the node's clients, and
 * grace("5:<node>") again would add them to its list a second time (so its
 * early lift would wait for reclaims that never come): confirm the grace
 * with get_grace only. 1 when confirmed, 0 when the call is needed (no
 * record, or ganesha is not in grace any more), or a negative errno.
 */
static int grace_early(const char *node, int64_t deadline)
{
    g_autofree char *why = NULL;
    int64_t age_ms = 0;
    bool in_grace = false;
    int r;

    r = peerhint_takeover_take(node, &age_ms);
    if (r < 0) {
        log_info("cannot read the early takeover record of %s: %s", node,
                 g_strerror(-r));
    }
    if (r <= 0) {
        return 0;
    }
    r = grace_get(deadline_in(GRACE_STEP_MS, deadline), &in_grace, &why);
    if (r < 0 || !in_grace) {
        log_info("the early takeover of %s (%lld ms ago) is not in force "
                 "(%s): calling grace",
                 node, (long long)age_ms,
                 r < 0 ? (why != NULL ? why : g_strerror(-r)) : "not in grace");
        return 0;
    }
    log_info("ganesha took %s over %lld ms ago on the watchers' hint and is "
             "in grace: not loading its clients again",
             node, (long long)age_ms);
    return 1;
}

/* post-stop: grace 5:N, confirm, then ack on N; a refusal if that failed. */
static int grace_take_over(const struct ocf_ctx *ctx, const char *node,
                           const char *local, int64_t deadline,
                           char **ret_reason)
{
    g_autofree char *ack =
        g_strdup_printf("%s-%s", ocf_param(ctx, "grace_ack"), local);
    int r;

    if (!attr_name_valid(ack)) {
        *ret_reason = g_strdup_printf("ack attribute name %s is not valid "
                                      "(too long?)",
                                      ack);
        return -EINVAL;
    }
    r = grace_early(node, deadline);
    if (r <= 0) {
        r = grace_enter(GRACE_EVENT_TAKE_IP, node, deadline, ret_reason);
    }
    if (r < 0) {
        grace_refuse(ctx, node, local);
        return r;
    }
    r = attr_set(node, ack, "1", deadline);
    if (r < 0) {
        *ret_reason = g_strdup_printf("cannot set %s=1 on %s: %s", ack, node,
                                      attr_strerror(r));
        return r;
    }
    log_notice("grace entered for %s and acked with %s", node, ack);
    return 0;
}

/*
 * Pacemaker 2.1.5 loses names from post-stop notifications when several
 * nodes are fenced in one transition: the pre-stop notification names them
 * all ("n4 n5"), each fencing gets its own post-stop notification and only
 * one of them reaches the survivors ("n4"). So pre-stop records its list
 * here and post-stop adds what is missing, for nodes that are really gone.
 */

static void prestop_record(const struct ocf_ctx *ctx, const char *list)
{
    g_autofree char *key = state_key_for(GRACE_PRESTOP_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    int r;

    g_key_file_set_string(kf, STATE_GROUP, "stop_uname",
                          list != NULL ? list : "");
    r = state_write(key, kf);
    if (r < 0) {
        log_warn("cannot record the pre-stop notification: %s", g_strerror(-r));
    }
}

/* Is node gone: unknown to the CIB, offline, or grace_active withdrawn? */
static bool node_gone(const struct ocf_ctx *ctx, GPtrArray *nodes,
                      const char *node)
{
    const struct attr_node *n = attr_snapshot_node(nodes, node);

    if (n == NULL || !n->online) {
        return true;
    }
    return g_strcmp0(attr_node_value(n, ocf_param(ctx, "grace_active")), "1") !=
           0;
}

/* post-stop: add to names the pre-stop names it lacks that are gone. */
static void prestop_merge(const struct ocf_ctx *ctx, const char *local,
                          GPtrArray *names)
{
    g_autofree char *key = state_key_for(GRACE_PRESTOP_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(GPtrArray) pre = NULL;
    g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) nodes = NULL;
    g_autofree char *list = NULL;
    int64_t age = 0;
    int r;

    r = state_read(key, &kf, &age);
    (void)state_remove(key);
    if (r < 0 || age > GRACE_PRESTOP_MAX_AGE_S) {
        return;
    }
    list = g_key_file_get_string(kf, STATE_GROUP, "stop_uname", NULL);
    pre = notify_node_names(list, local, GRACE_NOTIFY_MAX_NODES, ignored);
    for (guint i = 0; i < pre->len; i++) {
        const char *node = g_ptr_array_index(pre, i);

        if (names_have(names, node)) {
            continue;
        }
        if (nodes == NULL) {
            r = attr_snapshot(
                deadline_in(GRACE_PRESTOP_SNAPSHOT_MS, ctx->deadline), &nodes);
            if (r < 0) {
                log_warn("cannot read the node states (%s): taking over %s, "
                         "named by the pre-stop notification only",
                         attr_strerror(r), node);
                g_ptr_array_add(names, g_strdup(node));
                continue;
            }
        }
        if (node_gone(ctx, nodes, node)) {
            log_notice("%s was named by the pre-stop notification but not by "
                       "the post-stop one (Pacemaker drops names when it "
                       "fences several nodes at once), and it is gone: "
                       "taking it over too",
                       node);
            g_ptr_array_add(names, g_strdup(node));
        } else {
            log_info("%s was named by the pre-stop notification only and is "
                     "still up: not taken over",
                     node);
        }
    }
}

static int grace_notify_action(struct ocf_ctx *ctx)
{
    const char *type = g_getenv("OCF_RESKEY_CRM_meta_notify_type");
    const char *operation = g_getenv("OCF_RESKEY_CRM_meta_notify_operation");
    g_autofree char *mode = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *local = NULL;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
    bool post_stop, pre_start;
    int r;

    if (type == NULL || operation == NULL) {
        log_debug("notify without a notification: nothing to do");
        return OCF_SUCCESS;
    }
    mode = g_strdup_printf("%s-%s", type, operation);
    post_stop = strcmp(mode, "post-stop") == 0;
    pre_start = strcmp(mode, "pre-start") == 0;
    if (strcmp(mode, "pre-stop") == 0) {
        prestop_record(ctx, g_getenv("OCF_RESKEY_CRM_meta_notify_stop_uname"));
        return OCF_SUCCESS;
    }
    if (!post_stop && !pre_start) {
        log_debug("notify %s: nothing to do", mode);
        return OCF_SUCCESS;
    }

    r = attr_local_node_why(ctx->deadline, &local, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    names = notify_node_names(
        g_getenv(post_stop ? "OCF_RESKEY_CRM_meta_notify_stop_uname"
                           : "OCF_RESKEY_CRM_meta_notify_start_uname"),
        local, GRACE_NOTIFY_MAX_NODES, failures);
    if (post_stop) {
        prestop_merge(ctx, local, names);
    }
    log_info("notify %s for %u node(s)", mode, names->len);

    for (guint i = 0; i < names->len; i++) {
        const char *node = g_ptr_array_index(names, i);
        /* share what is left fairly: one hung call must not starve the rest */
        int64_t share = deadline_left_ms(ctx->deadline) / (names->len - i);
        int64_t deadline = deadline_in(share, ctx->deadline);
        g_autofree char *why = NULL;

        if (post_stop) {
            r = grace_take_over(ctx, node, local, deadline, &why);
        } else {
            r = grace_enter(GRACE_EVENT_UPDATE_CLIENTS, node, deadline, &why);
        }
        if (r < 0) {
            log_err("%s for %s: %s", mode, node, why);
            failure_add(failures, node, why);
        }
    }
    if (failures->len > 0) {
        g_autofree char *summary = failure_summary(failures);

        /* Pacemaker ignores notify results; the exit reason stays honest */
        reason = g_strdup_printf("notify %s failed for %u node(s): %s", mode,
                                 failures->len, summary);
        ocf_exit_reason("%s", reason);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

int main(int argc, char **argv)
{
    return ocf_main(&grace_agent, argc, argv);
}
