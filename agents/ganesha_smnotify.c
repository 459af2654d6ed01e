/*
 * ganesha_smnotify: the last member of a node's VIP group when ganesha
 * serves NFSv3 with NLM. Its start, right after the address came up,
 * tells the NFSv3 clients that "the host <VIP> rebooted" (NSM SM_NOTIFY,
 * sent from the VIP), so that each one reclaims the NLM locks it holds
 * through that address from the ganesha that now answers there, while that
 * ganesha is in grace. Without it an NFSv3 client never learns that its
 * server changed: it goes on as if it held its locks, which nobody holds.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "deadline.h"
#include "log.h"
#include "nsm.h"
#include "ocf.h"
#include "params.h"
#include "run.h"
#include "state.h"
#include "synguard.h"

#define SMNOTIFY_AGENT "ganesha_smnotify"
#define SMNOTIFY_VERSION "1.0.0"

static int check_ip(const char *value, char **ret_reason)
{
    if (!synguard_valid(value, 2049)) {
        *ret_reason =
            g_strdup_printf("ip \"%s\" is not an IPv4 or IPv6 address", value);
        return -EINVAL;
    }
    return 0;
}

/* ---- the agent's specification ----------------------------------------- */

static const struct ocf_param smnotify_params[] = {
    {
        .name = "ip",
        .type = OCF_TYPE_STRING,
        .required = true,
        .unique = true,
        .shortdesc = "the VIP the notifications come from",
        .longdesc =
            "The group's address. The notifications are sent from it and "
            "name it as the host that rebooted: a client's statd matches "
            "either to the server it monitors (the address or name the "
            "client mounted).",
        .check = check_ip,
    },
    {
        .name = "statd_dir",
        .type = OCF_TYPE_STRING,
        .default_value = "/var/lib/nfs/statd",
        .shortdesc = "rpc.statd's directory",
        .longdesc =
            "rpc.statd's state directory. The clients notified are those "
            "listed in <statd_dir>/sm and in every <statd_dir>/<node>/sm "
            "(ganesha-ha.sh links each other node's directory there): the "
            "clients that held NLM locks through any node; and those a "
            "survivor handed back (ganesha_handoff, in "
            "<statd_dir>/" NSM_HANDBACK_DIR ", removed once notified). A "
            "client that does not monitor this address ignores the "
            "notification.",
        .check = params_check_path,
    },
    {
        .name = "notify_timeout",
        .type = OCF_TYPE_INTEGER,
        .default_value = "30",
        .shortdesc = "seconds to wait for the clients' answers",
        .longdesc =
            "How long start sends and resends the notifications (after 0.5 s, "
            "doubling up to 4 s) to clients that have not answered, within "
            "the start's own timeout. A client that has not answered by then "
            "is logged by name: it could not reclaim its locks. After a "
            "node crash a client may take seconds to reach the address on "
            "its new node (in the sandbox: answers 10 s after the address "
            "came up): keep this well inside ganesha's Grace_Period, within "
            "which the clients must reclaim.",
        .min = 1,
        .max = 300,
    },
    {
        .name = "nfs_port",
        .type = OCF_TYPE_INTEGER,
        .default_value = "2049",
        .shortdesc = "the NFS port, whose connections stop leaves alone",
        .longdesc = "TCP port of ganesha's NFS service on ip. See stop.",
        .min = 1,
        .max = 65535,
    },
    {.name = NULL},
};

static int smnotify_start(struct ocf_ctx *ctx);
static int smnotify_stop(struct ocf_ctx *ctx);
static int smnotify_monitor(struct ocf_ctx *ctx);

/* clang-format off */
static const struct ocf_action smnotify_actions[] = {
    /* name           handler          timeout interval depth */
    {"start",         smnotify_start,   40,     0,       -1},
    {"stop",          smnotify_stop,    20,     0,       -1},
    {"monitor",       smnotify_monitor, 20,     30,      0},
    {"validate-all",  NULL,             20,     0,       -1},
    {"meta-data",     NULL,             20,     0,       -1},
    {.name = NULL},
};
/* clang-format on */

static const struct ocf_agent smnotify_agent = {
    .name = SMNOTIFY_AGENT,
    .version = SMNOTIFY_VERSION,
    .shortdesc = "Tells NFSv3 clients to reclaim their NLM locks after a VIP "
                 "moved",
    .longdesc =
        "A pseudo-resource meant to be the last member of the group that "
        "carries a VIP, after the address, for a ganesha that serves NFSv3 "
        "with NLM (Enable_NLM). Start sends an NSM reboot notification "
        "(SM_NOTIFY) from ip, naming ip, with a new state number, to every "
        "client rpc.statd monitors for any node (statd_dir): each client "
        "that holds NLM locks through ip reclaims them from the ganesha now "
        "behind it, which is in grace (the takeover's or the failback's). "
        "The notifications go out once per start, and are resent to "
        "clients that have not answered for notify_timeout seconds. Stop, "
        "which runs while the address is still here, resets the TCP "
        "connections to ip on every port but nfs_port (NLM's, MOUNT's; "
        "with ss -K): once the address has moved, the client's packets on "
        "such a connection reach the new node, and in the sandbox the "
        "client never let go of it; its lockd then could not reclaim "
        "there. NFS connections are left to the client's own reconnect. "
        "Monitor only keeps its state. A notification that cannot go "
        "out (no list, the address missing, clients down) is logged, never "
        "a failed start: the address is already up, and moving it would "
        "not help the clients.",
    .params = smnotify_params,
    .actions = smnotify_actions,
};

/* ---- actions ------------------------------------------------------------ */

static void smnotify_send(struct ocf_ctx *ctx)
{
    const char *ip = ocf_param(ctx, "ip");
    const char *dir = ocf_param(ctx, "statd_dir");
    int64_t limit =
        deadline_in(ocf_param_int(ctx, "notify_timeout") * 1000, ctx->deadline);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct nsm_result res;
    int32_t state = nsm_state_now();
    int r;

    r = nsm_read_monitored(dir, names);
    if (r < 0 && r != -E2BIG) {
        log_warn("cannot read the NLM clients in %s: %s; nobody notified", dir,
                 g_strerror(-r));
        return;
    }
    if (r == -E2BIG) {
        log_warn("more than %d NLM clients listed in %s: only the first ones "
                 "are notified",
                 NSM_MAX_CLIENTS, dir);
    }
    if (names->len == 0) {
        log_info("no NLM client listed in %s: nobody to notify", dir);
        return;
    }
    r = nsm_notify(ip, state, names, limit, &res);
    if (r < 0) {
        log_warn("cannot send NSM notifications from %s: %s; %u NLM "
                 "client(s) not told to reclaim their locks",
                 ip, g_strerror(-r), names->len);
        return;
    }
    log_notice("NSM reboot notification from %s (state %d): %u of %u "
               "client(s) answered",
               ip, state, res.notified, names->len);
    if (res.notified < names->len) {
        log_warn("not notified: %s (%u without an address, %u without statd, "
                 "%u silent); a client among them that held locks through %s "
                 "cannot reclaim them",
                 res.missed->str, res.unresolved, res.no_statd, res.silent, ip);
    }
    /* what a survivor handed back to this node is done with */
    nsm_handback_done(dir, res.answered);
    g_string_free(res.missed, TRUE);
    g_ptr_array_unref(res.answered);
}

static int smnotify_start(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(SMNOTIFY_AGENT, ctx->instance);
    g_autofree char *reason = NULL;
    int r = state_mark_started(key, &reason);

    if (r < 0) {
        return ocf_report(r, reason);
    }
    smnotify_send(ctx);
    return OCF_SUCCESS;
}

static int smnotify_monitor(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(SMNOTIFY_AGENT, ctx->instance);

    return state_exists(key) ? OCF_SUCCESS : OCF_NOT_RUNNING;
}

/*
 * The address's TCP connections but NFS's, reset while the address is
 * still here (ss -K: the kernel aborts each socket and sends the client a
 * reset from the address). Best effort.
 */
static void smnotify_reset_connections(struct ocf_ctx *ctx)
{
    const char *ip = ocf_param(ctx, "ip");
    g_autofree char *port =
        g_strdup_printf(":%" PRId64, ocf_param_int(ctx, "nfs_port"));
    const char *argv[] = {"ss",    "-K",  "-t", "-n", "state", "established",
                          "(",     "src", ip,   ")",  "and",   "(",
                          "sport", "!=",  port, ")",  NULL};
    struct run_result res = {0};
    int64_t limit =
        deadline_in(deadline_left_ms(ctx->deadline) / 2, ctx->deadline);
    int r;

    if (ip == NULL || !synguard_valid(ip, 2049)) {
        return;
    }
    r = run_argv(argv, limit, &res);
    if (r < 0 || res.exit_status != 0) {
        log_warn("cannot reset the connections to %s but NFS's (ss -K: %s); "
                 "an NFSv3 client may hold on to one after the address moved",
                 ip, r < 0 ? g_strerror(-r) : res.err);
    } else {
        /* the header, then one line per socket reset */
        guint lines = 0;

        for (const char *p = res.out; *p; p++) {
            lines += *p == '\n';
        }
        if (lines > 1) {
            log_info("reset %u connection(s) to %s (not NFS)", lines - 1, ip);
        }
    }
    run_result_clear(&res);
}

static int smnotify_stop(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(SMNOTIFY_AGENT, ctx->instance);

    (void)state_remove(key);
    smnotify_reset_connections(ctx);
    return OCF_SUCCESS;
}

int main(int argc, char **argv)
{
    return ocf_main(&smnotify_agent, argc, argv);
}
