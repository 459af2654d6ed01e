/*
 * ganesha_handoff: the first member of a node's VIP group. When the group
 * leaves a survivor to go home (failback), its stop runs after the address
 * is gone from the survivor: it makes the local ganesha release the home
 * node's NFSv4 clients, so that they can reclaim their locks at home. Its
 * start at home, right before the address, restarts the home ganesha's
 * grace, so that the clients' reclaim window opens with the address.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "attr.h"
#include "deadline.h"
#include "grace.h"
#include "log.h"
#include "nsm.h"
#include "ocf.h"
#include "params.h"
#include "recovery.h"
#include "state.h"
#include "synguard.h"
#include "tickle.h"

#define HANDOFF_AGENT "ganesha_handoff"
#define HANDOFF_VERSION "1.0.0"

/* Longest wait for the home ganesha's answer to the grace call on start. */
#define HANDOFF_GRACE_WAIT_MS 5000

/* How long the tickle process waits for the address after the start. */
#define HANDOFF_TICKLE_WAIT_MS 60000

/* The record directories of ganesha's fs backend, current and previous. */
static const char *const handoff_dirs[] = {"v4recov", "v4old", NULL};

static int check_ip(const char *value, char **ret_reason)
{
    if (value[0] == '\0') {
        return 0; /* no guard */
    }
    if (!synguard_valid(value, 2049)) {
        *ret_reason =
            g_strdup_printf("ip \"%s\" is not an IPv4 or IPv6 address", value);
        return -EINVAL;
    }
    return 0;
}

static int check_tickle_dir(const char *value, char **ret_reason)
{
    return value[0] == '\0' ? 0 : params_check_path(value, ret_reason);
}

static int check_node_name(const char *value, char **ret_reason)
{
    if (!attr_name_valid(value)) {
        *ret_reason =
            g_strdup_printf("home_node \"%s\" is not a node name", value);
        return -EINVAL;
    }
    return 0;
}

/* ---- the agent's specification ----------------------------------------- */

static const struct ocf_param handoff_params[] = {
    {
        .name = "home_node",
        .type = OCF_TYPE_STRING,
        .required = true,
        .shortdesc = "home node of the VIP this group carries",
        .longdesc = "The node whose VIP this group carries. When the group "
                    "stops on another node, that node's ganesha releases the "
                    "clients recorded under <recovery_root>/<home_node>.",
        .check = check_node_name,
    },
    {
        .name = "recovery_root",
        .type = OCF_TYPE_STRING,
        .default_value = "/var/lib/nfs/ganesha",
        .shortdesc = "ganesha's RecoveryRoot",
        .longdesc = "ganesha's NFSv4 RecoveryRoot (fs backend), where every "
                    "other node's records are reachable as <recovery_root>/"
                    "<node>/v4recov and v4old (ganesha-ha.sh links them).",
        .check = params_check_path,
    },
    {
        .name = "restart_grace",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "true",
        .shortdesc = "restart the home ganesha's grace on start",
        .longdesc =
            "On start on home_node (the address comes up right after), call "
            "the local ganesha's org.ganesha.nfsd.admin.grace with "
            "\"0:<home_node>\" (just grace: no record is loaded or "
            "released), which enters grace, or restarts the grace timer if "
            "ganesha is still in grace, so that the clients coming back with "
            "the address have a whole Grace_Period to reclaim, measured from "
            "the address's arrival instead of ganesha's start. Ganesha keeps "
            "the list of clients it may take reclaims from after a grace "
            "ends; a restarted grace lifts early (NLM off) once they all "
            "sent RECLAIM_COMPLETE. A grace call that fails or gets no "
            "answer within 5 s is logged and the start still succeeds.",
    },
    {
        .name = "ip",
        .type = OCF_TYPE_STRING,
        .shortdesc = "the VIP this group carries (for the SYN guard)",
        .longdesc =
            "The group's address. With syn_guard, while the group runs on "
            "a node, a new TCP connection to ip:nfs_port that no socket "
            "there would take (ganesha died) is dropped instead of refused: "
            "a refused Linux NFS client waits 3 s before it connects again, "
            "a dropped SYN is sent again by TCP after 1 s, to the node the "
            "address moved to. Empty: no guard.",
        .check = check_ip,
    },
    {
        .name = "syn_guard",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "true",
        .shortdesc = "drop, not refuse, NFS connections nothing listens for",
        .longdesc =
            "With ip set: start inserts \"-d <ip> -p tcp --dport <nfs_port> "
            "--syn -j " SYNGUARD_CHAIN "\" at the top of INPUT (ip6tables "
            "for an IPv6 address), whose chain returns a packet any socket "
            "would take (-m socket --nowildcard: a running ganesha is never "
            "blocked) and drops the rest; stop deletes the rule. A guard "
            "that cannot be set (no iptables, no socket match) is logged "
            "and the start still succeeds.",
    },
    {
        .name = "nlm",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "false",
        .shortdesc = "also hand back the NLM locks taken through ip",
        .longdesc =
            "For a ganesha that serves NFSv3 with NLM (ganesha-ha.sh sets "
            "it then). With ip set, stop on any node but home_node also "
            "calls grace(\"2:<ip>\"): ganesha releases the NLM locks its "
            "clients took through that address (it compares the whole "
            "address), so that they can reclaim them at home when "
            "ganesha_smnotify tells them to. The same call expires the "
            "NFSv4 clients whose owner contains the address: a Linux "
            "NFSv4.0 client of that address, which goes home too. It is "
            "skipped, and logged, when a client recorded on this node holds "
            "the address only as part of a longer one (10.0.0.1 in "
            "10.0.0.11).",
    },
    {
        .name = "statd_dir",
        .type = OCF_TYPE_STRING,
        .default_value = "/var/lib/nfs/statd",
        .shortdesc = "rpc.statd's directory (with nlm)",
        .longdesc =
            "With nlm: before the release, stop on a survivor hands the "
            "clients of its rpc.statd list to home_node "
            "(<statd_dir>/<home_node>/" NSM_HANDBACK_DIR "), since the "
            "release takes them off that list and home_node's "
            "ganesha_smnotify must still tell them to reclaim.",
        .check = params_check_path,
    },
    {
        .name = "tickle_dir",
        .type = OCF_TYPE_STRING,
        .shortdesc = "shared directory of the address's connection record",
        .longdesc =
            "With ip set: a directory every node reads and writes (on the "
            "shared storage). Monitor on the node that holds ip records its "
            "established NFS connections (<tickle_dir>/<ip>" TICKLE_SUFFIX
            ", rewritten only when they changed, by a child bounded to a "
            "quarter of the monitor's time); start leaves behind a process "
            "that waits up to 60 s for ip to come up here, then sends each "
            "recorded client a tickle ACK (a bare ACK from ip:nfs_port, "
            "six times in 4 s) and exits. A client whose node crashed "
            "answers it, this node has no such connection and resets it, "
            "and the client connects again at once instead of at its next "
            "TCP retransmission. Connections younger than the last monitor "
            "are not recorded. Empty: no record, no tickle. Reloadable: a "
            "change runs reload-agent, and the group is not restarted.",
        .check = check_tickle_dir,
        .reloadable = true,
    },
    {
        .name = "nfs_port",
        .type = OCF_TYPE_INTEGER,
        .default_value = "2049",
        .shortdesc = "the NFS port of the SYN guard and the tickles",
        .longdesc = "TCP port of ganesha's NFS service on ip.",
        .min = 1,
        .max = 65535,
    },
    {.name = NULL},
};

static int handoff_start(struct ocf_ctx *ctx);
static int handoff_stop(struct ocf_ctx *ctx);
static int handoff_monitor(struct ocf_ctx *ctx);
static int handoff_reload(struct ocf_ctx *ctx);

/* clang-format off */
static const struct ocf_action handoff_actions[] = {
    /* name           handler          timeout interval depth */
    {"start",         handoff_start,   20,     0,       -1},
    {"stop",          handoff_stop,    20,     0,       -1},
    {"monitor",       handoff_monitor, 20,     30,      0},
    {"reload-agent",  handoff_reload,  20,     0,       -1},
    {"validate-all",  NULL,            20,     0,       -1},
    {"meta-data",     NULL,            20,     0,       -1},
    {.name = NULL},
};
/* clang-format on */

static const struct ocf_agent handoff_agent = {
    .name = HANDOFF_AGENT,
    .version = HANDOFF_VERSION,
    .shortdesc = "Hands a VIP's NFSv4 clients back to their home node",
    .longdesc =
        "A pseudo-resource meant to be the first member of the group that "
        "carries home_node's VIP, so that the group stops it after the address "
        "and starts it before the address. Start on home_node (failback, or "
        "the group's first start) puts the local ganesha into grace, or "
        "restarts its grace timer, right before the address comes up "
        "(restart_grace), so that the home node's clients, which reconnect "
        "only once the address is there, reclaim within Grace_Period of its "
        "arrival; start elsewhere, and monitor, only keep its state. "
        "Stop on any node but home_node: for every client recorded "
        "under "
        "<recovery_root>/<home_node>/v4recov and v4old, it calls the local "
        "ganesha's org.ganesha.nfsd.admin.grace with \"2:<client owner>\" "
        "(RELEASE_IP: enter grace and expire the clients whose owner "
        "contains the argument), so that the survivor lets go of the locks "
        "it took over and the clients can reclaim them at home. An owner "
        "that is part of another recorded owner is skipped (the release "
        "would hit both). Stop on home_node itself, or with no ganesha on the "
        "bus, releases nothing. Stop always succeeds: a failed release is "
        "logged, never a reason to fence.",
    .params = handoff_params,
    .actions = handoff_actions,
};

/* ---- actions ------------------------------------------------------------ */

/* The guarded address, or NULL when there is no guard to set or remove. */
static const char *handoff_guard_ip(struct ocf_ctx *ctx)
{
    const char *ip = ocf_param(ctx, "ip");

    if (ip == NULL || ip[0] == '\0' || !ocf_param_bool(ctx, "syn_guard")) {
        return NULL;
    }
    return ip;
}

/* Best effort both ways: without the guard a client only reconnects later. */
static void handoff_guard(struct ocf_ctx *ctx, bool on)
{
    const char *ip = handoff_guard_ip(ctx);
    int port = (int)ocf_param_int(ctx, "nfs_port");
    g_autofree char *why = NULL;
    int64_t limit;
    int r;

    if (ip == NULL) {
        return;
    }
    limit = deadline_in(deadline_left_ms(ctx->deadline) / 4, ctx->deadline);
    r = on ? synguard_add(ip, port, limit, &why)
           : synguard_remove(ip, port, limit, &why);
    if (r < 0) {
        log_warn("SYN guard for %s:%d not %s: %s; ignoring (a refused client "
                 "reconnects 3 s later)",
                 ip, port, on ? "set" : "removed", why);
        return;
    }
    log_debug("SYN guard for %s:%d %s", ip, port, on ? "set" : "removed");
}

/*
 * At home, the address comes up right after this start. The home ganesha
 * began its grace when it started, which on failback is the cluster's
 * reaction time (ganesha_mon's monitor, the group's stop on the survivor)
 * before the address arrives; its clients can only reclaim once the address
 * is here, so the grace is restarted now. Best effort: a ganesha that does
 * not answer does not fail the start (its monitor judges its health).
 */
static void handoff_restart_grace(struct ocf_ctx *ctx)
{
    const char *node = ocf_param(ctx, "home_node");
    g_autofree char *local = NULL;
    g_autofree char *why = NULL;
    g_autofree char *arg = NULL;
    g_autofree char *err = NULL;
    int64_t limit;
    int r;

    if (!ocf_param_bool(ctx, "restart_grace") || node == NULL) {
        return;
    }
    r = attr_local_node_why(ctx->deadline, &local, &why);
    if (r < 0) {
        log_warn("start: %s; grace not restarted", why);
        return;
    }
    if (strcmp(local, node) != 0) {
        return;
    }
    /* leave at least half of the action's time for the rest of the start */
    limit = deadline_in(HANDOFF_GRACE_WAIT_MS, ctx->deadline);
    limit = deadline_in(deadline_left_ms(ctx->deadline) / 2, limit);
    arg = grace_arg(GRACE_EVENT_JUST_GRACE, node);
    r = grace_start(arg, limit, &err);
    if (r < 0) {
        log_warn("grace(\"%s\") failed: %s; the home node's clients "
                 "reclaim within what is left of ganesha's own grace, "
                 "ignoring",
                 arg, err != NULL ? err : g_strerror(-r));
        return;
    }
    log_notice("grace restarted for the clients of %s's address", node);
}

/* The record's directory, or NULL when there is no record to keep. */
static const char *handoff_tickle_dir(struct ocf_ctx *ctx)
{
    const char *ip = ocf_param(ctx, "ip");
    const char *dir = ocf_param(ctx, "tickle_dir");

    if (ip == NULL || ip[0] == '\0' || dir == NULL || dir[0] == '\0') {
        return NULL;
    }
    return dir;
}

/* The local files of the record: what this node recorded last ("conn"),
 * and the lock of the child writing it ("lock"). */
static char *handoff_tickle_file(struct ocf_ctx *ctx, const char *what)
{
    g_autofree char *key =
        state_key_for(HANDOFF_AGENT "-tickle", ctx->instance);

    return g_strdup_printf("%s/.%s.%s", state_dir(), key, what);
}

/*
 * Start: the process that tickles the recorded clients once the address is
 * here. Best effort: without it a client only reconnects at its next TCP
 * retransmission.
 */
static void handoff_tickle(struct ocf_ctx *ctx)
{
    const char *dir = handoff_tickle_dir(ctx);
    const char *ip = ocf_param(ctx, "ip");
    g_autofree char *cache = NULL;
    int r;

    if (dir == NULL) {
        return;
    }
    /* whoever held the address since has written the record: the first
     * monitor here writes it again, changed or not */
    cache = handoff_tickle_file(ctx, "conn");
    (void)unlink(cache);
    r = tickle_spawn(dir, ip, (int)ocf_param_int(ctx, "nfs_port"),
                     HANDOFF_TICKLE_WAIT_MS, HANDOFF_AGENT, ctx->instance);
    if (r < 0) {
        log_warn("no tickle ACKs for the clients of %s: %s; ignoring (they "
                 "reconnect at their next TCP retransmission)",
                 ip, g_strerror(-r));
    }
}

/*
 * Monitor on the address's holder: its connections, for the node that takes
 * the address over. Never the monitor's result: a slow or missing shared
 * directory is logged.
 */
static void handoff_record(struct ocf_ctx *ctx)
{
    const char *dir = handoff_tickle_dir(ctx);
    const char *ip = ocf_param(ctx, "ip");
    g_autofree char *cache = handoff_tickle_file(ctx, "conn");
    g_autofree char *lock = handoff_tickle_file(ctx, "lock");
    bool written = false;
    int r;

    if (dir == NULL || !tickle_address_here(ip)) {
        return;
    }
    r = tickle_record_within(
        dir, ip, (int)ocf_param_int(ctx, "nfs_port"), cache, lock,
        deadline_in(deadline_left_ms(ctx->deadline) / 4, ctx->deadline),
        &written);
    if (r >= 0) {
        if (written) {
            log_debug("recorded %d connection(s) of %s in %s", r, ip, dir);
        }
    } else if (r == -ENOENT) {
        log_debug("no directory %s: the connections of %s not recorded", dir,
                  ip);
    } else if (r == -ETIMEDOUT || r == -EBUSY) {
        log_warn("the connections of %s not recorded: %s does not answer%s "
                 "(a hung shared storage?); ignoring",
                 ip, dir, r == -EBUSY ? " since an earlier monitor" : "");
    } else {
        log_warn("the connections of %s not recorded in %s: %s; ignoring "
                 "(after a crash here, their clients reconnect later)",
                 ip, dir, g_strerror(-r));
    }
}

static int handoff_start(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(HANDOFF_AGENT, ctx->instance);
    g_autofree char *reason = NULL;
    int r = state_mark_started(key, &reason);

    if (r < 0) {
        return ocf_report(r, reason);
    }
    handoff_guard(ctx, true);
    handoff_restart_grace(ctx);
    handoff_tickle(ctx);
    return OCF_SUCCESS;
}

static int handoff_monitor(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(HANDOFF_AGENT, ctx->instance);

    if (!state_exists(key)) {
        return OCF_NOT_RUNNING;
    }
    handoff_record(ctx);
    return OCF_SUCCESS;
}

/*
 * tickle_dir changed: the next monitor writes the record there, changed or
 * not (the local copy of the last one is forgotten); the next start reads
 * it from there.
 */
static int handoff_reload(struct ocf_ctx *ctx)
{
    g_autofree char *cache = handoff_tickle_file(ctx, "conn");
    const char *dir = ocf_param(ctx, "tickle_dir");

    (void)unlink(cache);
    log_notice("reloaded: tickle_dir=%s", dir != NULL ? dir : "");
    return OCF_SUCCESS;
}

/* The owners recorded for node, and those of the local node's own records. */
static void handoff_owners(const struct ocf_ctx *ctx, const char *node,
                           GPtrArray *theirs, GPtrArray *ours)
{
    const char *root = ocf_param(ctx, "recovery_root");

    for (int i = 0; handoff_dirs[i] != NULL; i++) {
        g_autofree char *dir =
            g_build_filename(root, node, handoff_dirs[i], NULL);
        g_autofree char *own = g_build_filename(root, handoff_dirs[i], NULL);
        int r = recovery_read_owners(dir, theirs);

        if (r < 0 && r != -ENOENT) {
            log_warn("cannot read %s's client records in %s: %s, ignoring",
                     node, dir, g_strerror(-r));
        }
        (void)recovery_read_owners(own, ours);
    }
}

/*
 * The NLM locks taken through the address (nlm): ganesha matches them by
 * the whole server address, but the same event expires the NFSv4 clients
 * whose owner holds the address as a substring, so an owner recorded here
 * that holds it inside a longer address stops it.
 */
static void handoff_release_nlm(struct ocf_ctx *ctx, const char *node,
                                GPtrArray *ours)
{
    const char *ip = ocf_param(ctx, "ip");
    g_autofree char *arg = NULL;
    g_autofree char *err = NULL;
    int r;

    if (!ocf_param_bool(ctx, "nlm") || ip == NULL || ip[0] == '\0') {
        return;
    }
    r = nsm_handback(ocf_param(ctx, "statd_dir"), node);
    if (r < 0) {
        log_warn("cannot hand the NLM clients back to %s: %s; they are "
                 "told to reclaim there only if they are listed elsewhere",
                 node, g_strerror(-r));
    } else if (r > 0) {
        log_info("handed %d NLM client(s) back to %s", r, node);
    }
    if (recovery_address_ambiguous(ip, ours)) {
        log_warn("not releasing the NLM locks taken through %s: a client "
                 "recorded here holds that address inside a longer one, and "
                 "the release would expire it too; those NFSv3 clients "
                 "cannot reclaim their locks at home",
                 ip);
        return;
    }
    arg = grace_arg(GRACE_EVENT_RELEASE_IP, ip);
    r = grace_start(arg, ctx->deadline, &err);
    if (r < 0) {
        log_warn("grace(\"%s\") failed: %s; the NLM locks taken through %s "
                 "stay here",
                 arg, err != NULL ? err : g_strerror(-r), ip);
        return;
    }
    log_notice("released the NLM locks taken through %s", ip);
}

static int handoff_stop(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(HANDOFF_AGENT, ctx->instance);
    g_autofree char *local = NULL;
    g_autofree char *why = NULL;
    g_autoptr(GPtrArray) theirs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ours = g_ptr_array_new_with_free_func(g_free);
    const char *node = ocf_param(ctx, "home_node");
    guint released = 0;
    int r;

    (void)state_remove(key);
    handoff_guard(ctx, false);
    if (node == NULL || !attr_name_valid(node)) {
        /* nothing identifies whose clients: nothing to release */
        return OCF_SUCCESS;
    }
    r = attr_local_node_why(ctx->deadline, &local, &why);
    if (r < 0) {
        log_warn("stop: %s; releasing nothing", why);
        return OCF_SUCCESS;
    }
    if (strcmp(local, node) == 0) {
        return OCF_SUCCESS;
    }
    handoff_owners(ctx, node, theirs, ours);
    for (guint i = 0; i < theirs->len; i++) {
        const char *owner = g_ptr_array_index(theirs, i);
        /* share what is left: one slow call must not starve the rest */
        int64_t share = deadline_left_ms(ctx->deadline) / (theirs->len - i);
        g_autofree char *arg = NULL;
        g_autofree char *err = NULL;

        if (recovery_owner_ambiguous(owner, ours) ||
            recovery_owner_ambiguous(owner, theirs)) {
            log_warn("not releasing %s's client \"%s\": its owner is part of "
                     "another client's, which the release would hit too",
                     node, owner);
            continue;
        }
        arg = grace_arg(GRACE_EVENT_RELEASE_IP, owner);
        r = grace_start(arg, deadline_in(share, ctx->deadline), &err);
        if (r < 0) {
            log_warn("grace(\"%s\") failed: %s; that client keeps its state "
                     "here until its lease expires",
                     arg, err != NULL ? err : g_strerror(-r));
            if (r == -ECONNREFUSED || r == -EHOSTDOWN) {
                break; /* no ganesha here: it holds nothing */
            }
            continue;
        }
        released++;
    }
    if (theirs->len > 0) {
        log_notice("released %u of %u client(s) of %s for their home node",
                   released, theirs->len, node);
    }
    handoff_release_nlm(ctx, node, ours);
    return OCF_SUCCESS;
}

int main(int argc, char **argv)
{
    return ocf_main(&handoff_agent, argc, argv);
}
