/*
 * ganesha_gate: a member of each VIP group, just before the address. Its
 * start away from the group's home node waits (bounded) until no node is in
 * the middle of a ganesha_mon release, so a moving VIP comes up only once
 * the survivors confirmed grace, while the group's stop on the failed node
 * overlaps that grace phase.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "attr.h"
#include "deadline.h"
#include "log.h"
#include "ocf.h"
#include "params.h"
#include "state.h"

#define GATE_AGENT "ganesha_gate"
#define GATE_VERSION "1.0.0"

/* Poll period of start's wait. */
#define GATE_POLL_MS 100

/* ---- parameter checks (form only) ------------------------------------- */

/* Empty (no home: the gate always checks) or a node name. */
static int check_home(const char *value, char **ret_reason)
{
    if (value[0] == '\0' || attr_node_name_valid(value)) {
        return 0;
    }
    *ret_reason = g_strdup("must be empty or a node name (letters, digits, "
                           "'.', '_', '-')");
    return -EINVAL;
}

/* ---- the agent's specification ----------------------------------------- */

static const struct ocf_param gate_params[] = {
    {
        .name = "home",
        .type = OCF_TYPE_STRING,
        .default_value = "",
        .shortdesc = "node whose VIP group this gate belongs to",
        .longdesc = "The node whose VIP this group carries. Started on that "
                    "node (a failback), the gate opens at once; anywhere "
                    "else it waits as described. Empty: it waits everywhere.",
        .check = check_home,
    },
    {
        .name = "ganesha_active",
        .type = OCF_TYPE_STRING,
        .default_value = "ganesha-active",
        .shortdesc = "attribute: a node's ganesha serves",
        .longdesc = "Name of ganesha_mon's ganesha_active attribute. Must "
                    "match ganesha_mon's.",
        .check = params_check_attr_name,
    },
    {
        .name = "grace_active",
        .type = OCF_TYPE_STRING,
        .default_value = "grace-active",
        .shortdesc = "attribute: a node's grace clone may run",
        .longdesc = "Name of ganesha_mon's grace_active attribute. Must "
                    "match ganesha_mon's.",
        .check = params_check_attr_name,
    },
    {
        .name = "release_wait",
        .type = OCF_TYPE_INTEGER,
        .default_value = "10",
        .shortdesc = "upper bound of start's wait (s)",
        .longdesc = "The longest time in seconds start waits for the "
                    "releases in progress to be confirmed; it never runs past "
                    "the action's own timeout. Reaching it is logged with the "
                    "nodes' names and the gate opens anyway. ganesha_mon's "
                    "own wait is bounded by its grace_delay (5 s by default), "
                    "so this only matters when ganesha_mon cannot finish. "
                    "0 to 600.",
        .min = 0,
        .max = 600,
    },
    {.name = NULL},
};

static int gate_validate(struct ocf_ctx *ctx, bool local);
static int gate_start(struct ocf_ctx *ctx);
static int gate_stop(struct ocf_ctx *ctx);
static int gate_monitor(struct ocf_ctx *ctx);

/* clang-format off */
static const struct ocf_action gate_actions[] = {
    /* name           handler       timeout interval depth */
    {"start",         gate_start,   30,     0,       -1},
    {"stop",          gate_stop,    20,     0,       -1},
    {"monitor",       gate_monitor, 20,     60,      0},
    {"validate-all",  NULL,         20,     0,       -1},
    {"meta-data",     NULL,         20,     0,       -1},
    {.name = NULL},
};
/* clang-format on */

static const struct ocf_agent gate_agent = {
    .name = GATE_AGENT,
    .version = GATE_VERSION,
    .shortdesc = "Holds a VIP group's address until the survivors confirmed "
                 "grace",
    .longdesc =
        "A member of a node's VIP group, placed just before the address. "
        "ganesha_mon releases a node whose ganesha died by deleting "
        "grace_active (the survivors enter grace and ack), waiting for the "
        "acks, and only then deleting ganesha_active. The group's location "
        "rule bans it from a node where either attribute is not 1, so the "
        "group starts to stop on the failed node at once, while the "
        "survivors enter grace. Start of this gate on a node other than "
        "home waits until no online node is in the middle of such a "
        "release (ganesha_active=1 while grace_active is not 1), at most "
        "release_wait seconds and never past its own timeout, polling the "
        "CIB's status section every 100 ms; the group's address starts "
        "after it. On home it opens at once. Stop and monitor only keep a "
        "state file under HA_RSCTMP; they run no program.",
    .params = gate_params,
    .actions = gate_actions,
    .validate = gate_validate,
};

/* ---- helpers ----------------------------------------------------------- */

static const char *node_attr(const struct attr_node *n, const char *name)
{
    if (n->attrs == NULL) {
        return NULL;
    }
    return g_hash_table_lookup(n->attrs, name);
}

/*
 * Online nodes in the middle of a release (ganesha_active=1 while
 * grace_active is not 1), space-separated; "" if none.
 */
static char *gate_releasing(const struct ocf_ctx *ctx, GPtrArray *nodes)
{
    const char *ganesha_active = ocf_param(ctx, "ganesha_active");
    const char *grace_active = ocf_param(ctx, "grace_active");
    GString *names = g_string_new(NULL);

    for (guint i = 0; i < nodes->len; i++) {
        const struct attr_node *n = g_ptr_array_index(nodes, i);

        if (n->online && g_strcmp0(node_attr(n, ganesha_active), "1") == 0 &&
            g_strcmp0(node_attr(n, grace_active), "1") != 0) {
            g_string_append_printf(names, "%s%s", names->len ? " " : "",
                                   n->name);
        }
    }
    return g_string_free(names, FALSE);
}

/*
 * Wait until no node is releasing, at most release_wait. Reaching the bound
 * (or not being able to read the CIB) is logged, not a failure: like
 * ganesha_mon's own wait, the gate orders the address after grace where the
 * cluster manages it in time, and never keeps a VIP down for good.
 */
static void gate_wait(const struct ocf_ctx *ctx, const char *node)
{
    int64_t bound =
        deadline_in(ocf_param_int(ctx, "release_wait") * 1000, ctx->deadline);
    int64_t begin = deadline_now();
    g_autofree char *releasing = NULL;
    int last_error = 0;

    for (;;) {
        g_autoptr(GPtrArray) nodes = NULL;
        /* the read may end past the bound, never past the deadline */
        int r = attr_snapshot(ctx->deadline, &nodes);

        if (r < 0) {
            last_error = r;
        } else {
            last_error = 0;
            g_free(releasing);
            releasing = gate_releasing(ctx, nodes);
            if (releasing[0] == '\0') {
                if (deadline_now() - begin >= GATE_POLL_MS * 1000) {
                    log_info("open on %s after %lld ms: no release in "
                             "progress",
                             node, (long long)(deadline_now() - begin) / 1000);
                }
                return;
            }
        }
        if (deadline_passed(bound)) {
            break;
        }
        deadline_sleep(GATE_POLL_MS, bound);
    }
    if (last_error < 0) {
        log_warn("cannot read the node attributes: %s; opening on %s after "
                 "%lld ms without knowing whether a release is done "
                 "(last seen releasing: %s)",
                 g_strerror(-last_error), node,
                 (long long)(deadline_now() - begin) / 1000,
                 releasing != NULL && releasing[0] != '\0' ? releasing
                                                           : "none");
    } else {
        log_warn("release still in progress after %lld ms on: %s; opening on "
                 "%s anyway",
                 (long long)(deadline_now() - begin) / 1000, releasing, node);
    }
}

/* ---- action handlers ------------------------------------------------ */

static int gate_validate(struct ocf_ctx *ctx, bool local)
{
    (void)local;
    if (strcmp(ocf_param(ctx, "ganesha_active"),
               ocf_param(ctx, "grace_active")) == 0) {
        ocf_exit_reason("ganesha_active and grace_active must be different "
                        "attributes (both are %s)",
                        ocf_param(ctx, "grace_active"));
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

static int gate_start(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(GATE_AGENT, ctx->instance);
    g_autofree char *reason = NULL;
    g_autofree char *node = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    const char *home = ocf_param(ctx, "home");
    int r;

    r = attr_local_node_why(ctx->deadline, &node, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    if (strcmp(node, home) != 0) {
        gate_wait(ctx, node);
    }
    g_key_file_set_boolean(kf, "state", "started", TRUE);
    r = state_write(key, kf);
    if (r < 0) {
        reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

static int gate_stop(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(GATE_AGENT, ctx->instance);
    g_autofree char *reason = NULL;
    int r = state_remove(key);

    if (r < 0) {
        reason =
            g_strdup_printf("cannot remove the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

static int gate_monitor(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(GATE_AGENT, ctx->instance);

    return state_exists(key) ? OCF_SUCCESS : OCF_NOT_RUNNING;
}

int main(int argc, char **argv)
{
    return ocf_main(&gate_agent, argc, argv);
}
