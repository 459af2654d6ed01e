/*
 * ganesha_mon: watches the local ganesha.nfsd and publishes it as the node
 * attributes grace-active and ganesha-active; when ganesha dies it releases
 * them in order, waiting (bounded) for the survivors' grace acks in between.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "attr.h"
#include "cpgipc.h"
#include "daemon.h"
#include "deadline.h"
#include "grace.h"
#include "log.h"
#include "ocf.h"
#include "params.h"
#include "pcmkipc.h"
#include "peerhint.h"
#include "run.h"
#include "state.h"
#include "watchipc.h"

#define MON_AGENT "ganesha_mon"
#define MON_VERSION "1.0.0"

/* design.md GOCF_REASSERT_S: re-set both attributes at least this often. */
#define MON_REASSERT_S 120
/* Longest D-Bus liveness round trip at OCF_CHECK_LEVEL 10. */
#define MON_DBUS_PROBE_MS 5000
/* how long a release waits for a hung ganesha it killed to exit */
#define MON_KILL_WAIT_MS 2000
/* Poll period while waiting for the survivors' grace acks. */
#define MON_ACK_POLL_MS 100
/* Time kept back from the ack wait for deleting ganesha-active afterwards. */
#define MON_RESERVE_MS 2000
/* A released monitor re-checks at least this often that both are gone. */
#define MON_RELEASED_RECHECK_S 10
/* The watcher's clock: state file, re-assert, probe schedule, a dead ganesha */
#define MON_TICK_MS 1000
/* a failed bus name watch is made again after this many seconds */
#define MON_NAME_REOPEN_S 30
/* A monitor's question to the watcher, connect included. */
#define MON_QUERY_MS 3000
/* The watcher's wait for the state lock before it tries again next tick. */
#define MON_WATCHER_LOCK_MS 1000
/* an early takeover's D-Bus steps: each bounded to this (the hint is
 * optional, the notification still comes) */
#define MON_HINT_STEP_MS 1000
/* the CPG group: tried again this long after it failed or went away */
#define MON_CPG_RETRY_S 10
/* Passed to the watcher: the pacemaker-execd that ran its start. */
#define MON_EXECD_ENV "GOCF_MON_EXECD"

/* ---- parameter checks (form only, never the local system) ------------- */

/* Empty means the default pid files; otherwise a clean absolute path. */
static int check_pidfile(const char *value, char **ret_reason)
{
    if (value[0] == '\0') {
        return 0;
    }
    return params_check_path(value, ret_reason);
}

/* Empty (not used), or a valid attribute name. */
static int check_published(const char *value, char **ret_reason)
{
    if (value[0] == '\0') {
        return 0;
    }
    return params_check_attr_name(value, ret_reason);
}

/* ---- the agent's specification ----------------------------------------- */

static const struct ocf_param mon_params[] = {
    {
        .name = "ganesha_active",
        .type = OCF_TYPE_STRING,
        .identity = true,
        .default_value = "ganesha-active",
        .shortdesc = "attribute: this node's ganesha serves",
        .longdesc = "Name of the transient node attribute set to 1 while the "
                    "local ganesha.nfsd is alive. The location rule of this "
                    "node's VIP group requires it.",
        .check = params_check_attr_name,
    },
    {
        .name = "grace_active",
        .type = OCF_TYPE_STRING,
        .identity = true,
        .default_value = "grace-active",
        .shortdesc = "attribute: the grace clone may run here",
        .longdesc = "Name of the transient node attribute set to 1 while the "
                    "local ganesha.nfsd is alive. The location rule of the "
                    "ganesha_grace clone requires it; deleting it stops the "
                    "clone instance here and so notifies the survivors.",
        .check = params_check_attr_name,
    },
    {
        .name = "grace_ack",
        .type = OCF_TYPE_STRING,
        .identity = true,
        .default_value = "grace-ack",
        .shortdesc = "prefix of the survivors' grace acks",
        .longdesc = "Prefix of the transient attributes <grace_ack>-<survivor> "
                    "that ganesha_grace on each survivor sets on this node "
                    "once its own ganesha confirmed grace for this node's "
                    "failure. Must match ganesha_grace's grace_ack.",
        .check = params_check_ack_prefix,
    },
    {
        .name = "published",
        .type = OCF_TYPE_STRING,
        .identity = true,
        .default_value = "ganesha-published",
        .shortdesc = "permanent attribute: published, not released",
        .longdesc =
            "Name of a permanent node attribute (the CIB's nodes section) "
            "set to 1 after ganesha_active and grace_active, when this node "
            "is published, and deleted before them when it is released (and "
            "when the monitor starts afresh). A respawned pacemaker-attrd "
            "wipes the node's transient attributes; the location rules that "
            "ganesha-ha.sh creates accept either the transient attribute or "
            "this one, so that wipe moves no VIP and stops no grace clone "
            "instance, and the monitor sets the transient ones again at "
            "once. Empty: not used (the transient attributes alone, as "
            "upstream).",
        .check = check_published,
    },
    {
        .name = "grace_delay",
        .type = OCF_TYPE_INTEGER,
        .default_value = "5",
        .shortdesc = "upper bound of the wait for grace acks (s)",
        .longdesc = "When ganesha.nfsd died, the longest time in seconds to "
                    "wait, between deleting grace_active and deleting "
                    "ganesha_active, for every survivor's grace ack. The "
                    "wait ends as soon as all survivors confirmed, and never "
                    "runs past the action's own timeout. 0 to 600.",
        .min = 0,
        .max = 600,
        .reloadable = true,
    },
    {
        .name = "pidfile",
        .type = OCF_TYPE_STRING,
        .default_value = "",
        .shortdesc = "pid file of ganesha.nfsd",
        .longdesc = "Absolute path of ganesha.nfsd's pid file. Empty: the "
                    "first that exists of /run/ganesha/ganesha.pid, "
                    "/var/run/ganesha.pid and /var/run/ganesha.nfsd.pid. The "
                    "process holding its lock (ganesha 4.x holds one), else "
                    "the pid on its first line (later lines are stale: "
                    "ganesha does not truncate the file), must be "
                    "ganesha.nfsd to count as alive.",
        .check = check_pidfile,
        .reloadable = true,
    },
    {
        .name = "hung_probes",
        .type = OCF_TYPE_INTEGER,
        .default_value = "3",
        .shortdesc = "unanswered D-Bus probes before ganesha counts as hung",
        .longdesc = "At OCF_CHECK_LEVEL=10, how many consecutive monitors "
                    "must find ganesha.nfsd alive but not answering the "
                    "D-Bus get_grace probe (5 s bound) before the node is "
                    "released as hung. The process check alone decides "
                    "death (ganesha exits when its system bus goes away); a "
                    "probe that fails once, while the bus daemon is briefly "
                    "stalled, is logged and is not a failover. 1 to 100.",
        .min = 1,
        .max = 100,
        .reloadable = true,
    },
    {
        .name = "kill_hung",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "true",
        .shortdesc = "kill a hung ganesha before releasing the node",
        .longdesc = "true: when ganesha.nfsd counts as hung (hung_probes), "
                    "the release SIGKILLs it (pinned with a pidfd, so only "
                    "the process that did not answer) once the survivors "
                    "confirmed grace and before it deletes ganesha_active, "
                    "and waits up to 2 s for it to exit. A hung ganesha "
                    "still holds its "
                    "clients' opens and locks in the backend filesystem, so "
                    "the survivors taking the clients over could not grant "
                    "their reclaims and the clients would lose their locks. "
                    "false: leave it running (upstream's behaviour); its "
                    "locks stay held until it exits.",
        .reloadable = true,
    },
    {
        .name = "early_grace",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "true",
        .shortdesc = "survivors enter grace on the watchers' hint",
        .longdesc =
            "true (with watcher=true): the watchers join the Corosync "
            "process group ganesha-ocf. When ganesha exits, this node's "
            "watcher says so to the group before it releases the node; "
            "when a node leaves the Corosync membership (a crash), "
            "Corosync tells every member. On either, every other watcher "
            "whose ganesha serves asks it for grace(\"5:<node>\") at once, "
            "instead of when Pacemaker's post-stop notification comes "
            "(after the release's attribute change and a transition, or "
            "after fencing). The notification still takes the node over, "
            "confirms and acks: it finds ganesha in grace and does not load "
            "the node's clients twice. Nothing moves a VIP on a hint. "
            "false: grace on the notification only.",
        .reloadable = true,
    },
    {
        .name = "watcher",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "true",
        .shortdesc = "watch ganesha with a resident watcher",
        .longdesc =
            "true: start runs a resident watcher for the local ganesha.nfsd "
            "(ganesha_mon itself, in another mode, one per node), which "
            "holds a pidfd on ganesha and releases this node the moment it "
            "exits, follows pacemaker-attrd the same way and re-asserts the "
            "attributes when it restarts, probes D-Bus every probe_ms when "
            "the recurring monitor runs at OCF_CHECK_LEVEL=10, and runs no "
            "program while nothing changes (a re-assert every 120 s aside). "
            "The monitor then only asks the watcher over libqb IPC whether "
            "it runs and answers; if it does not, the monitor checks ganesha "
            "itself, as with false, and starts a new watcher. The watcher "
            "exits when stop runs, when the state file is removed, and when "
            "the pacemaker-execd that started it goes away. false: every "
            "monitor checks ganesha itself (and watches it for watch_ms).",
        .reloadable = true,
    },
    {
        .name = "probe_ms",
        .type = OCF_TYPE_INTEGER,
        .default_value = "2000",
        .shortdesc = "the watcher's D-Bus probe period (ms)",
        .longdesc = "How long the watcher waits after one D-Bus get_grace "
                    "probe ended before it sends the next, while the "
                    "recurring monitor runs at OCF_CHECK_LEVEL=10. A hung "
                    "ganesha is found within hung_probes x (5 s + probe_ms), "
                    "21 s with the defaults. 200 to 60000.",
        .min = 200,
        .max = 60000,
        .reloadable = true,
    },
    {
        .name = "watch_ms",
        .type = OCF_TYPE_INTEGER,
        .default_value = "400",
        .shortdesc = "how long a recurring monitor watches ganesha (ms)",
        .longdesc = "Without the watcher (watcher=false): after a recurring "
                    "monitor found ganesha.nfsd alive (and "
                    "published it if needed), it keeps watching the process "
                    "for up to this many milliseconds (a pidfd: the agent "
                    "sleeps, nothing is polled) and releases the node at "
                    "once if it exits. A death inside that window is acted "
                    "on within milliseconds instead of at the next monitor. "
                    "The watch never eats into the time a release needs "
                    "(grace_delay plus 2 s) within the action's timeout. "
                    "Probes and one-off monitors do not watch. 0 disables "
                    "the watch. 0 to 10000.",
        .min = 0,
        .max = 10000,
        .reloadable = true,
    },
    {.name = NULL},
};

static int mon_validate(struct ocf_ctx *ctx, bool local);
static int mon_start(struct ocf_ctx *ctx);
static int mon_stop(struct ocf_ctx *ctx);
static int mon_monitor(struct ocf_ctx *ctx);
static int mon_reload(struct ocf_ctx *ctx);
static int mon_watch_main(struct ocf_ctx *ctx);

/* clang-format off */
static const struct ocf_action mon_actions[] = {
    /* name           handler       timeout interval depth */
    {"start",         mon_start,    40,     0,       -1},
    {"stop",          mon_stop,     40,     0,       -1},
    {"monitor",       mon_monitor,  20,     20,      0},
    {"reload-agent",  mon_reload,   20,     0,       -1},
    {"validate-all",  NULL,         20,     0,       -1},
    {"meta-data",     NULL,         20,     0,       -1},
    /* internal: the resident watcher that start runs (meta-data watcher) */
    {"watch",         mon_watch_main, 0,    0,       -1, .hidden = true},
    {.name = NULL},
};
/* clang-format on */

static const struct ocf_agent mon_agent = {
    .name = MON_AGENT,
    .version = MON_VERSION,
    .shortdesc = "Publishes the liveness of the local NFS-Ganesha as node "
                 "attributes",
    .longdesc =
        "Watches the local ganesha.nfsd (it does not start or stop it) and "
        "publishes its state as two transient node attributes. While ganesha "
        "is alive (the holder of its pid file's lock, else the pid on the "
        "file's first line, is a live ganesha.nfsd process; at "
        "OCF_CHECK_LEVEL=10 it is also hung, and so dead, once hung_probes "
        "consecutive D-Bus get_grace round trips got no answer within 5 s "
        "while the process lived) both grace_active and "
        "ganesha_active are 1; they are re-set at least every 120 s (a failed "
        "re-set is logged and retried, not a failure), and a "
        "steady monitor otherwise runs no other program. "
        "When ganesha comes back (and at start) the agent first deletes "
        "the spent <grace_ack>-* acks of this node and the "
        "no-<grace_ack>-<this node> bans on the others. "
        "When ganesha dies the agent releases the node in order: it deletes "
        "grace_active (and any ack still there from an earlier failover), so "
        "Pacemaker stops the ganesha_grace instance here and its post-stop "
        "notification puts every survivor's ganesha into grace; it then "
        "waits, at most grace_delay seconds and never past its own timeout, "
        "until every online survivor with grace_active=1 has set "
        "<grace_ack>-<survivor>=1 on this node or refused (set "
        "no-<grace_ack>-<this node>=1 on itself), logs by name any survivor "
        "that did not confirm, sets no-<grace_ack>-<this node>=1 on the "
        "silent ones when another survivor confirmed (ganesha-ha.sh bans "
        "this node's VIP group from them), and only then deletes "
        "ganesha_active, which moves this node's VIP. Monitor still succeeds "
        "for a dead ganesha: "
        "the daemon is not a cluster resource. Stop releases the node the "
        "same way; a released monitor re-checks every 10 s that both "
        "attributes are really gone. "
        "A probe only reports whether the agent was started. "
        "A recurring monitor that found ganesha alive keeps watching its "
        "process for up to watch_ms, so most deaths are acted on at once. "
        "The advertised monitor is depth 0 every 1 s; ganesha-ha.sh runs "
        "it with OCF_CHECK_LEVEL=10 every 500 ms (the D-Bus call is "
        "in-process, no program is run). "
        "grace_delay, watch_ms, pidfile, hung_probes, kill_hung, "
        "early_grace, watcher and probe_ms are reloadable: a change runs "
        "reload-agent (the next monitor uses the new values), not a stop "
        "and start, which would release this node and move its VIP. "
        "Stop deletes the attributes recorded at start (ganesha_active, "
        "grace_active and grace_ack identify them), even when other "
        "parameters it is given are invalid.",
    .params = mon_params,
    .actions = mon_actions,
    .validate = mon_validate,
};

/* ---- local state ------------------------------------------------------ */

struct mon_state {
    bool started;
    bool alive;
    bool released;
    int64_t asserted;       /* unix seconds of the last time both were set */
    int64_t unanswered;     /* consecutive get_grace probes without answer */
    bool bus_silent;        /* the last probe failed on the bus, not ganesha */
    int64_t rechecked;      /* unix seconds of a released monitor's re-check */
    struct daemon_id attrd; /* the pacemaker-attrd the attributes went to */
    struct daemon_id watcher; /* the resident watcher, if one was started */
};

#define STATE_GROUP "state"

/* The parameters that name what was published, recorded at start. */
static const char *const mon_identity[] = {"ganesha_active", "grace_active",
                                           "grace_ack", "published", NULL};

/*
 * Load the state, holding its lock for the rest of the action (every action
 * may rewrite it). A damaged state file is a local error (\p res: 1 with the
 * path and what is wrong), never "misconfigured".
 */
/* The fields of a state file (absent ones are 0). */
static void mon_state_from(GKeyFile *kf, struct mon_state *st)
{
    st->started = g_key_file_get_boolean(kf, STATE_GROUP, "started", NULL);
    st->alive = g_key_file_get_boolean(kf, STATE_GROUP, "alive", NULL);
    st->released = g_key_file_get_boolean(kf, STATE_GROUP, "released", NULL);
    st->asserted = g_key_file_get_int64(kf, STATE_GROUP, "asserted", NULL);
    st->unanswered = g_key_file_get_int64(kf, STATE_GROUP, "unanswered", NULL);
    st->bus_silent =
        g_key_file_get_boolean(kf, STATE_GROUP, "bus_silent", NULL);
    st->rechecked = g_key_file_get_int64(kf, STATE_GROUP, "rechecked", NULL);
    st->attrd.pid =
        (pid_t)g_key_file_get_int64(kf, STATE_GROUP, "attrd_pid", NULL);
    st->attrd.start =
        g_key_file_get_uint64(kf, STATE_GROUP, "attrd_start", NULL);
    st->watcher.pid =
        (pid_t)g_key_file_get_int64(kf, STATE_GROUP, "watcher_pid", NULL);
    st->watcher.start =
        g_key_file_get_uint64(kf, STATE_GROUP, "watcher_start", NULL);
}

static int mon_state_load(const struct ocf_ctx *ctx, struct mon_state *st,
                          struct result *res)
{
    g_autofree char *key = state_key_for(MON_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = NULL;
    int r;

    *st = (struct mon_state){0};
    r = state_lock(key, ctx->deadline, res);
    if (r == -ETIMEDOUT) {
        return r;
    }
    if (r < 0) {
        /* e.g. a read-only HA_RSCTMP: a probe must still answer */
        log_warn("%s; reading the state without the lock", res->reason);
        result_clear(res);
    }
    r = state_load(key, &kf, NULL, res);
    if (r < 0) {
        return r;
    }
    mon_state_from(kf, st);
    return 0;
}

static int mon_state_save(const struct ocf_ctx *ctx, const struct mon_state *st)
{
    g_autofree char *key = state_key_for(MON_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_boolean(kf, STATE_GROUP, "started", st->started);
    g_key_file_set_boolean(kf, STATE_GROUP, "alive", st->alive);
    g_key_file_set_boolean(kf, STATE_GROUP, "released", st->released);
    g_key_file_set_int64(kf, STATE_GROUP, "asserted", st->asserted);
    g_key_file_set_int64(kf, STATE_GROUP, "unanswered", st->unanswered);
    g_key_file_set_boolean(kf, STATE_GROUP, "bus_silent", st->bus_silent);
    g_key_file_set_int64(kf, STATE_GROUP, "rechecked", st->rechecked);
    g_key_file_set_int64(kf, STATE_GROUP, "attrd_pid", st->attrd.pid);
    g_key_file_set_uint64(kf, STATE_GROUP, "attrd_start", st->attrd.start);
    g_key_file_set_int64(kf, STATE_GROUP, "watcher_pid", st->watcher.pid);
    g_key_file_set_uint64(kf, STATE_GROUP, "watcher_start", st->watcher.start);
    for (const char *const *p = mon_identity; *p != NULL; p++) {
        g_key_file_set_string(kf, STATE_GROUP, *p, ocf_param(ctx, *p));
    }
    return state_write(key, kf);
}

/*
 * Stop: use the identity the state file recorded at start, so what was
 * published is released whatever the controller passes now. True if the
 * record was complete and valid (and is now in effect).
 */
static bool mon_use_recorded_identity(struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(MON_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = NULL;
    g_auto(GStrv) values = g_new0(char *, G_N_ELEMENTS(mon_identity));

    if (state_read(key, &kf, NULL) < 0) {
        return false;
    }
    for (size_t i = 0; mon_identity[i] != NULL; i++) {
        values[i] =
            g_key_file_get_string(kf, STATE_GROUP, mon_identity[i], NULL);
        if (values[i] == NULL || (!attr_name_valid(values[i]) &&
                                  !(strcmp(mon_identity[i], "published") == 0 &&
                                    values[i][0] == '\0'))) {
            return false; /* a state file from before the record */
        }
    }
    for (size_t i = 0; mon_identity[i] != NULL; i++) {
        if (g_strcmp0(ocf_param(ctx, mon_identity[i]), values[i]) != 0) {
            log_notice("stop: %s=%s as recorded at start", mon_identity[i],
                       values[i]);
        }
        ocf_param_override(ctx, mon_identity[i], values[i]);
    }
    return true;
}

static int64_t wall_now_s(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/* ---- helpers ----------------------------------------------------------- */

/* The configured pid file, or NULL for the defaults (parameter empty). */
static const char *mon_pidfile(const struct ocf_ctx *ctx)
{
    const char *pidfile = ocf_param(ctx, "pidfile");

    return pidfile != NULL && pidfile[0] != '\0' ? pidfile : NULL;
}

/* A D-Bus probe's result, delivered to the watcher's main loop. */
struct mon_probe {
    bool done; /* a result not yet used by mon_check() */
    int r;
    bool bus_down; /* the bus, not ganesha, failed (grace_probe) */
    char *why;
};

/* Only in the watcher: mon_check() uses this instead of probing itself. */
static struct mon_probe *mon_watch_probe;
/* Only in the watcher: the next mon_observe() re-asserts, due or not. */
static bool mon_force_reassert;
/*
 * Set by the watcher when it deleted grace_active (and the acks and the
 * permanent attribute) itself, through Pacemaker's IPC, the moment ganesha
 * exited: the release that follows finds them gone and goes on.
 */
static bool mon_fast_released;
/*
 * The watcher's node while its attrd and CIB connections are up (NULL in
 * an agent action): its re-asserts and publishes go through them, not
 * through crm_attribute (one exec of ~28 ms of CPU per attribute).
 */
static const char *mon_ipc_node;

/* What one check found. */
enum mon_verdict {
    MON_ALIVE,      /* the process lives (and answered, at level 10) */
    MON_UNANSWERED, /* it lives, the probe failed, fewer than hung_probes */
    MON_DEAD,       /* the process check failed */
    MON_HUNG,       /* it lives but hung_probes probes in a row failed */
};

/*
 * Is ganesha alive? The process check decides death; at level 10 a bounded
 * D-Bus round trip decides "hung", only over hung_probes consecutive
 * monitors (counted in st->unanswered), so a bus daemon stalled for one
 * probe is no failover. *ret_reason says why unless MON_ALIVE.
 */
static enum mon_verdict mon_check(const struct ocf_ctx *ctx,
                                  struct mon_state *st, pid_t *ret_pid,
                                  char **ret_reason)
{
    int64_t hung_probes = ocf_param_int(ctx, "hung_probes");
    g_autofree char *why = NULL;
    bool in_grace = false;
    bool bus_down = false;
    pid_t pid = 0;
    int r;

    r = daemon_ganesha_find(mon_pidfile(ctx), &pid, NULL, &why);
    *ret_pid = pid;
    if (r < 0) {
        st->unanswered = 0;
        *ret_reason = g_strdup_printf("ganesha.nfsd is dead: %s",
                                      why != NULL ? why : g_strerror(-r));
        return MON_DEAD;
    }
    if (ctx->check_level < 10) {
        st->unanswered = 0;
        return MON_ALIVE;
    }
    if (mon_watch_probe != NULL) {
        /* the watcher: its D-Bus thread's last result, used once */
        if (!mon_watch_probe->done) {
            if (st->unanswered > 0) {
                *ret_reason = g_strdup_printf(
                    "ganesha.nfsd (pid %ld) did not answer the last %lld "
                    "D-Bus probe(s)",
                    (long)pid, (long long)st->unanswered);
                return MON_UNANSWERED;
            }
            return MON_ALIVE;
        }
        mon_watch_probe->done = false;
        r = mon_watch_probe->r;
        bus_down = mon_watch_probe->bus_down;
        why = g_steal_pointer(&mon_watch_probe->why);
    } else {
        r = grace_probe(deadline_in(MON_DBUS_PROBE_MS, ctx->deadline),
                        &in_grace, &bus_down, &why);
    }
    if (r == 0) {
        if (st->unanswered > 0) {
            log_notice("ganesha.nfsd (pid %ld) answers on D-Bus again after "
                       "%lld unanswered probe(s)",
                       (long)pid, (long long)st->unanswered);
        } else if (st->bus_silent) {
            log_notice("ganesha.nfsd (pid %ld) answers on D-Bus again: the "
                       "system bus answers",
                       (long)pid);
        }
        st->unanswered = 0;
        st->bus_silent = false;
        return MON_ALIVE;
    }
    st->bus_silent = bus_down;
    if (bus_down) {
        /*
         * The system bus itself does not answer (stopped, hung,
         * restarting): that says nothing about ganesha, whose death the
         * process check still sees. Not counted: a sick bus must not fail
         * a serving node over.
         */
        *ret_reason = g_strdup_printf(
            "the system bus does not answer, ganesha.nfsd (pid %ld) cannot "
            "be probed (not counted as unanswered): %s",
            (long)pid, why != NULL ? why : g_strerror(-r));
        return MON_UNANSWERED;
    }
    if (st->unanswered < hung_probes) {
        st->unanswered++;
    }
    if (st->unanswered >= hung_probes) {
        *ret_reason = g_strdup_printf(
            "ganesha.nfsd is hung: pid %ld lives but did not answer %lld "
            "consecutive D-Bus probes (hung_probes); last: %s",
            (long)pid, (long long)st->unanswered,
            why != NULL ? why : g_strerror(-r));
        return MON_HUNG;
    }
    *ret_reason = g_strdup_printf(
        "ganesha.nfsd (pid %ld) lives but did not answer D-Bus probe %lld of "
        "%lld: %s",
        (long)pid, (long long)st->unanswered, (long long)hung_probes,
        why != NULL ? why : g_strerror(-r));
    return MON_UNANSWERED;
}

/* name=1 through the watcher's connections; -ENOTCONN when there are none. */
static int mon_ipc_set(const char *node, const char *name, bool permanent)
{
    g_autofree char *why = NULL;
    int r;

    if (mon_ipc_node == NULL || strcmp(mon_ipc_node, node) != 0) {
        return -ENOTCONN;
    }
    r = pcmkipc_set(node, name, "1", permanent, &why);
    if (r < 0) {
        log_info("watcher: %s: running crm_attribute instead", why);
    }
    return r;
}

static int mon_attr_set(const struct ocf_ctx *ctx, const char *node,
                        const char *param, char **ret_reason)
{
    const char *name = ocf_param(ctx, param);
    int r = mon_ipc_set(node, name, false);

    if (r < 0) {
        r = attr_set(node, name, "1", ctx->deadline);
    }

    if (r < 0) {
        *ret_reason = g_strdup_printf("cannot set %s=1 on %s: %s", name, node,
                                      attr_strerror(r));
    }
    return r;
}

static int mon_attr_delete(const char *node, const char *name, int64_t deadline,
                           char **ret_reason)
{
    int r = attr_delete(node, name, deadline);

    if (r < 0) {
        *ret_reason = g_strdup_printf("cannot delete %s on %s: %s", name, node,
                                      attr_strerror(r));
    }
    return r;
}

/*
 * The permanent "published" attribute (meta-data), if one is configured:
 * set after the transient ones, deleted before them.
 */
static int mon_published_set(const struct ocf_ctx *ctx, const char *node,
                             bool on, int64_t deadline, char **ret_reason)
{
    const char *name = ocf_param(ctx, "published");
    int r;

    if (name[0] == '\0') {
        return 0;
    }
    r = on ? mon_ipc_set(node, name, true) : -ENOTCONN;
    if (r < 0) {
        r = on ? attr_set_permanent(node, name, "1", deadline)
               : attr_delete_permanent(node, name, deadline);
    }
    if (r < 0) {
        *ret_reason = g_strdup_printf("cannot %s permanent attribute %s on "
                                      "%s: %s",
                                      on ? "set" : "delete", name, node,
                                      attr_strerror(r));
    }
    return r;
}

static bool mon_has_acks(const struct attr_node *me, const char *ack_prefix)
{
    GHashTableIter iter;
    gpointer name;

    if (me == NULL || me->attrs == NULL) {
        return false;
    }
    g_hash_table_iter_init(&iter, me->attrs);
    while (g_hash_table_iter_next(&iter, &name, NULL)) {
        if (g_str_has_prefix(name, ack_prefix)) {
            return true;
        }
    }
    return false;
}

/* Delete every <grace_ack>-* on node, in one call. */
static int mon_delete_acks(const struct ocf_ctx *ctx, const char *node,
                           int64_t deadline, char **ret_reason)
{
    g_autofree char *prefix =
        g_strdup_printf("%s-", ocf_param(ctx, "grace_ack"));
    int r = attr_delete_prefix(node, prefix, deadline);

    if (r < 0) {
        *ret_reason = g_strdup_printf("cannot delete the grace acks %s* on "
                                      "%s: %s",
                                      prefix, node, attr_strerror(r));
    }
    return r;
}

/* What the survivors answered so far, from one snapshot. */
struct mon_acks {
    unsigned expected; /* online, not us, grace_active=1 now */
    unsigned acked;    /* <grace_ack>-<survivor>=1 on us */
    char *missing;     /* neither acked nor refused, space-separated */
    char *refused;     /* no-<grace_ack>-<us>=1 on the survivor */
};

static void mon_acks_clear(struct mon_acks *a)
{
    g_free(a->missing);
    g_free(a->refused);
    *a = (struct mon_acks){0};
}

static void mon_word_add(GString *s, const char *word)
{
    g_string_append_printf(s, "%s%s", s->len ? " " : "", word);
}

/*
 * Sort the expected survivors into acked, refused (their grace call failed
 * while another survivor acked: ganesha_grace said so on itself) and
 * missing.
 */
static void mon_acks_read(const struct ocf_ctx *ctx, GPtrArray *nodes,
                          const char *node, struct mon_acks *ret)
{
    const char *grace_active = ocf_param(ctx, "grace_active");
    const char *prefix = ocf_param(ctx, "grace_ack");
    const struct attr_node *me = attr_snapshot_node(nodes, node);
    g_autofree char *nack = attr_nack_name(prefix, node);
    GString *missing = g_string_new(NULL);
    GString *refused = g_string_new(NULL);

    mon_acks_clear(ret);
    for (guint i = 0; i < nodes->len; i++) {
        const struct attr_node *n = g_ptr_array_index(nodes, i);
        g_autofree char *ack = NULL;

        if (!n->online || strcmp(n->name, node) == 0 ||
            g_strcmp0(attr_node_value(n, grace_active), "1") != 0) {
            continue;
        }
        ret->expected++;
        ack = g_strdup_printf("%s-%s", prefix, n->name);
        if (g_strcmp0(attr_node_value(me, ack), "1") == 0) {
            ret->acked++;
        } else if (g_strcmp0(attr_node_value(n, nack), "1") == 0) {
            mon_word_add(refused, n->name);
        } else {
            mon_word_add(missing, n->name);
        }
    }
    ret->missing = g_string_free(missing, FALSE);
    ret->refused = g_string_free(refused, FALSE);
}

/*
 * Survivors that did not confirm while another one did: ban this node's
 * VIP group from them (no-<grace_ack>-<node>=1 on each, which the group's
 * location rule reads) before ganesha_active goes, so that the address
 * lands on a survivor in grace. With no confirmation at all nothing is
 * banned and the address moves as before (README, "A survivor that does
 * not answer").
 */
static void mon_ban_unconfirmed(const struct ocf_ctx *ctx, const char *node,
                                const struct mon_acks *a, int64_t limit)
{
    g_autofree char *nack = attr_nack_name(ocf_param(ctx, "grace_ack"), node);
    g_auto(GStrv) names = NULL;

    if (a->missing == NULL || a->missing[0] == '\0') {
        return;
    }
    if (a->acked == 0) {
        log_warn("no survivor confirmed grace for %s: its VIP moves without "
                 "(not confirmed: %s)",
                 node, a->missing);
        return;
    }
    names = g_strsplit(a->missing, " ", -1);
    for (guint i = 0; names[i] != NULL; i++) {
        int r = attr_set(names[i], nack, "1", limit);

        if (r < 0) {
            log_err("cannot ban the VIP of %s from %s (%s=1): %s", node,
                    names[i], nack, attr_strerror(r));
        } else {
            log_warn("%s did not confirm grace for %s: %s=1 keeps the VIP "
                     "off it",
                     names[i], node, nack);
        }
    }
}

/*
 * Wait until every expected survivor acked or refused, at most grace_delay
 * and never into the time kept back for deleting ganesha_active. Reaching
 * the bound is not a failure (it is logged by name): the wait only orders
 * the VIP move after grace where the survivors manage it in time, and the
 * ones that did not are banned from the VIP when another one confirmed.
 */
static void mon_wait_acks(const struct ocf_ctx *ctx, const char *node,
                          int64_t limit)
{
    int64_t delay_ms = ocf_param_int(ctx, "grace_delay") * 1000;
    int64_t bound = deadline_in(delay_ms, limit);
    int64_t begin = deadline_now();
    struct mon_acks acks = {0};
    bool read = false;
    int last_error = 0;

    for (;;) {
        g_autoptr(GPtrArray) nodes = NULL;
        /* each read is bounded by the wait's own bound: never past it */
        int r = attr_snapshot(bound, &nodes);

        if (r < 0) {
            last_error = r;
        } else {
            last_error = 0;
            read = true;
            mon_acks_read(ctx, nodes, node, &acks);
            if (acks.expected == 0) {
                log_info("no survivor to wait for");
                goto out;
            }
            if (acks.missing[0] == '\0') {
                if (acks.refused[0] == '\0') {
                    log_info("grace confirmed by all %u survivor(s) after "
                             "%lld ms",
                             acks.expected,
                             (long long)(deadline_now() - begin) / 1000);
                } else {
                    log_warn("grace confirmed by %u of %u survivor(s) after "
                             "%lld ms; refused (VIP banned) on: %s",
                             acks.acked, acks.expected,
                             (long long)(deadline_now() - begin) / 1000,
                             acks.refused);
                }
                goto out;
            }
        }
        if (deadline_passed(bound)) {
            break;
        }
        deadline_sleep(MON_ACK_POLL_MS, bound);
    }
    if (last_error < 0 && !read) {
        log_warn("cannot read the survivors' grace acks: %s; releasing "
                 "after %lld ms without confirmation",
                 attr_strerror(last_error),
                 (long long)(deadline_now() - begin) / 1000);
    } else {
        log_warn("no grace confirmation after %lld ms from: %s; releasing "
                 "anyway",
                 (long long)(deadline_now() - begin) / 1000, acks.missing);
        mon_ban_unconfirmed(ctx, node, &acks, limit);
    }
out:
    mon_acks_clear(&acks);
}

/*
 * A hung ganesha.nfsd still holds what its clients had: its open files and
 * their locks in the backend filesystem (FSAL_VFS: the OFD locks of its open
 * file descriptions; a Gluster client's locks on the bricks). A survivor that
 * takes its clients over could not grant their reclaims, and the clients
 * would lose their locks. So the release kills it, as fencing would kill a
 * hung node: once the survivors confirmed grace (until then its locks keep
 * other clients off, and after, grace does) and before ganesha_active goes
 * (the VIP moves and its clients reclaim). It is found again and pinned with
 * a pidfd, and killed only if it is the same process that did not answer.
 * The release goes on whatever happens here: a process stuck in the kernel
 * (D state) dies only when its I/O returns, which is waited for
 * MON_KILL_WAIT_MS at most, and never more than half the time left.
 */
static void mon_kill_hung(const struct ocf_ctx *ctx, pid_t hung)
{
    g_autofree char *why = NULL;
    pid_t pid = 0;
    int pidfd = -1;
    int r;

    r = daemon_ganesha_find(mon_pidfile(ctx), &pid, &pidfd, &why);
    if (r < 0 || pid != hung) {
        log_notice("the hung ganesha.nfsd (pid %ld) is gone already%s%s",
                   (long)hung, why != NULL ? ": " : "", why != NULL ? why : "");
        if (r == 0 && pidfd >= 0) {
            close(pidfd);
        }
        return;
    }
    if (pidfd < 0) {
        /* no pidfd (kernel < 5.3): a pid alone may be recycled by now */
        log_warn("cannot pin the hung ganesha.nfsd (pid %ld) with a pidfd: "
                 "not killed; its clients' locks stay held until it exits",
                 (long)pid);
        return;
    }
    /*
     * At most half of what is left: the release still has ganesha_active to
     * delete, within the time mon_wait_acks() kept back for it.
     */
    r = daemon_kill_wait(
        pidfd,
        deadline_in(MIN(MON_KILL_WAIT_MS, deadline_left_ms(ctx->deadline) / 2),
                    ctx->deadline));
    close(pidfd);
    if (r > 0) {
        log_notice("killed the hung ganesha.nfsd (pid %ld): its locks and "
                   "opens are free for the survivors' reclaims",
                   (long)pid);
    } else if (r == 0) {
        log_warn("the hung ganesha.nfsd (pid %ld) was sent SIGKILL but has "
                 "not exited in time (stuck in the kernel?); releasing "
                 "anyway",
                 (long)pid);
    } else {
        log_warn("cannot kill the hung ganesha.nfsd (pid %ld): %s", (long)pid,
                 g_strerror(-r));
    }
}

/*
 * The release procedure of design.md "Failover of a dead ganesha":
 * stale acks (if any), grace_active, bounded wait for acks, ganesha_active.
 * Driven by one snapshot, so a repeated release (after an interrupted one,
 * or a stop without state) neither deletes this failover's acks nor waits
 * when nothing was published.
 */
static int mon_release(const struct ocf_ctx *ctx, const char *node, pid_t hung,
                       char **ret_reason)
{
    const char *grace_active = ocf_param(ctx, "grace_active");
    const char *ganesha_active = ocf_param(ctx, "ganesha_active");
    g_autofree char *ack_prefix =
        g_strdup_printf("%s-", ocf_param(ctx, "grace_ack"));
    int64_t limit = deadline_in(
        deadline_left_ms(ctx->deadline) -
            MIN(MON_RESERVE_MS, deadline_left_ms(ctx->deadline) / 4),
        ctx->deadline);
    g_autoptr(GPtrArray) nodes = NULL;
    const struct attr_node *me;
    const char *grace_value;
    bool published;
    int r;

    r = attr_snapshot(limit, &nodes);
    if (r < 0) {
        *ret_reason =
            g_strdup_printf("cannot read the node attributes from the CIB: %s",
                            attr_strerror(r));
        return r;
    }
    me = attr_snapshot_node(nodes, node);
    grace_value = attr_node_value(me, grace_active);
    published = g_strcmp0(grace_value, "1") == 0;

    /* first: while it is 1, the rules ignore the transient attributes */
    r = mon_published_set(ctx, node, false, limit, ret_reason);
    if (r < 0) {
        return r;
    }

    if (published && mon_has_acks(me, ack_prefix)) {
        /*
         * A new failover: acks left from an earlier one mean nothing. They
         * are normally deleted when ganesha comes back (mon_observe), so
         * this costs nothing on the way to the failover; it catches an ack
         * that arrived after that.
         */
        r = mon_delete_acks(ctx, node, limit, ret_reason);
        if (r < 0) {
            return r;
        }
    }
    if (grace_value != NULL) {
        r = mon_attr_delete(node, grace_active, limit, ret_reason);
        if (r < 0) {
            return r;
        }
    }
    if (attr_node_value(me, ganesha_active) == NULL) {
        log_debug("%s not set on %s: nothing to release", ganesha_active, node);
        if (hung > 0) {
            mon_kill_hung(ctx, hung);
        }
        return 0;
    }
    if (!published && mon_fast_released) {
        log_info("%s deleted on %s by the watcher: waiting for the acks of "
                 "this failover",
                 grace_active, node);
    } else if (!published) {
        log_info("%s already deleted on %s (interrupted release): waiting "
                 "for the acks of this failover",
                 grace_active, node);
    }
    mon_fast_released = false;
    mon_wait_acks(ctx, node, limit);
    if (hung > 0) {
        /* the survivors are in grace: its locks may go now, not before */
        mon_kill_hung(ctx, hung);
    }
    return mon_attr_delete(node, ganesha_active, ctx->deadline, ret_reason);
}

/* ---- the monitor logic -------------------------------------------------- */

/*
 * A released monitor's re-check (at most every MON_RELEASED_RECHECK_S): are
 * both attributes really gone? A write that landed after the release (a
 * tool of an older operation, an administrator) is released again. Any
 * failure here is logged and retried next time: the node is released
 * already, failing the monitor would only release it once more.
 */
static void mon_recheck_released(const struct ocf_ctx *ctx,
                                 struct mon_state *st, int64_t now)
{
    const char *grace_active = ocf_param(ctx, "grace_active");
    const char *ganesha_active = ocf_param(ctx, "ganesha_active");
    g_autofree char *reason = NULL;
    g_autofree char *node = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    const struct attr_node *me;
    int r;

    if (now >= st->rechecked && now - st->rechecked < MON_RELEASED_RECHECK_S) {
        return;
    }
    r = attr_local_node_why(ctx->deadline, &node, &reason);
    if (r == 0) {
        r = attr_snapshot(ctx->deadline, &nodes);
        if (r < 0) {
            reason = g_strdup_printf("cannot read the node attributes: %s",
                                     attr_strerror(r));
        }
    }
    if (r == 0) {
        me = attr_snapshot_node(nodes, node);
        if (attr_node_value(me, grace_active) != NULL ||
            attr_node_value(me, ganesha_active) != NULL) {
            log_warn("%s or %s is set again on %s after the release: "
                     "releasing again",
                     grace_active, ganesha_active, node);
            r = mon_release(ctx, node, 0, &reason);
        }
    }
    if (r < 0) {
        log_warn("cannot re-check the released attributes (%s), retrying at "
                 "the next monitor",
                 reason);
        return;
    }
    st->rechecked = now;
    r = mon_state_save(ctx, st);
    if (r < 0) {
        log_warn("cannot write the state file (%s), ignoring", g_strerror(-r));
    }
}

/*
 * The bans of the last failover of this node (no-<grace_ack>-<node> on the
 * survivors that did not confirm) are spent once it serves again. Only
 * logged when that fails: a ban left over keeps that survivor out of this
 * node's next failover, it never moves anything.
 */
static void mon_delete_nacks(const struct ocf_ctx *ctx, const char *node)
{
    g_autofree char *nack = attr_nack_name(ocf_param(ctx, "grace_ack"), node);
    g_autoptr(GPtrArray) nodes = NULL;
    int r = attr_snapshot(ctx->deadline, &nodes);

    if (r < 0) {
        log_warn("cannot read the survivors' %s bans: %s", nack,
                 attr_strerror(r));
        return;
    }
    for (guint i = 0; i < nodes->len; i++) {
        const struct attr_node *n = g_ptr_array_index(nodes, i);

        if (attr_node_value(n, nack) == NULL) {
            continue;
        }
        r = attr_delete(n->name, nack, ctx->deadline);
        if (r < 0) {
            log_err("cannot delete %s on %s: %s", nack, n->name,
                    attr_strerror(r));
        } else {
            log_info("%s deleted on %s: it may take %s's VIP again", nack,
                     n->name, node);
        }
    }
}

/*
 * Publish a live ganesha: delete the spent acks if it was not published,
 * then set grace_active and ganesha_active. 0 or -errno with *ret_reason.
 */
static int mon_publish(const struct ocf_ctx *ctx, const struct mon_state *st,
                       char **ret_reason)
{
    g_autofree char *node = NULL;
    int r;

    r = attr_local_node_why(ctx->deadline, &node, ret_reason);
    if (r < 0) {
        return r;
    }
    if (!st->alive) {
        /*
         * (Re)arming: the acks of the last failover of this node are
         * spent. Deleting them now keeps that call off the next
         * failover's critical path.
         */
        r = mon_delete_acks(ctx, node, ctx->deadline, ret_reason);
        if (r < 0) {
            return r;
        }
        mon_delete_nacks(ctx, node);
    }
    /* grace first: the grace clone must be able to run before the VIP */
    r = mon_attr_set(ctx, node, "grace_active", ret_reason);
    if (r < 0) {
        return r;
    }
    r = mon_attr_set(ctx, node, "ganesha_active", ret_reason);
    if (r < 0 || st->alive) {
        /* a re-assert: the permanent one is not wiped with attrd */
        return r;
    }
    return mon_published_set(ctx, node, true, ctx->deadline, ret_reason);
}

/*
 * Whether the pacemaker-attrd that took the attributes still runs. A
 * respawned attrd wipes this node's transient attributes from the CIB and
 * keeps none of its predecessor's (Pacemaker 2.1: attrd_cib_init), so the
 * published values are gone: re-assert them now, not at the next 30 s
 * re-assert. One read of /proc/<pid>/stat; unknown (no attrd found when
 * they were set) counts as the same.
 */
static bool mon_attrd_same(const struct mon_state *st)
{
    int r;

    if (st->attrd.pid <= 0) {
        return true;
    }
    r = daemon_id_same(&st->attrd);
    if (r == 0) {
        log_notice("pacemaker-attrd (pid %ld) is gone or restarted: the "
                   "attributes it held are wiped, re-asserting them now",
                   (long)st->attrd.pid);
        return false;
    }
    return true; /* same, or /proc cannot say: the 30 s re-assert remains */
}

/* Record the pacemaker-attrd the attributes were just set through. */
static void mon_attrd_record(struct mon_state *st)
{
    int r = daemon_find_local("pacemaker-attrd", &st->attrd);

    if (r < 0) {
        log_debug("pacemaker-attrd not found (%s): its restart is seen at "
                  "the next re-assert only",
                  g_strerror(-r));
        st->attrd = (struct daemon_id){0};
    }
}

/*
 * One observation: publish a live ganesha, release a dead or hung one.
 * Returns 0 or -errno with *ret_reason set. The steady state runs no
 * program at all.
 */
static int mon_observe(const struct ocf_ctx *ctx, struct mon_state *st,
                       char **ret_reason)
{
    g_autofree char *why = NULL;
    g_autofree char *node = NULL;
    int64_t now = wall_now_s();
    int64_t unanswered = st->unanswered;
    bool bus_silent = st->bus_silent;
    bool published = st->alive && !st->released;
    pid_t pid = 0;
    enum mon_verdict verdict = mon_check(ctx, st, &pid, &why);
    int r;

    if (verdict == MON_UNANSWERED) {
        log_warn("%s: not hung yet, still %s", why,
                 published ? "published" : "not published");
        if (!published) {
            /* an unresponsive ganesha is not published, nor released */
            goto out_save;
        }
    }
    if (verdict == MON_ALIVE || verdict == MON_UNANSWERED) {
        if (published && !mon_force_reassert && now >= st->asserted &&
            now - st->asserted < MON_REASSERT_S && mon_attrd_same(st)) {
            if (st->unanswered == unanswered && st->bus_silent == bus_silent) {
                return 0;
            }
            goto out_save;
        }
        if (!st->alive || st->released) {
            log_notice("ganesha.nfsd is alive: publishing %s and %s",
                       ocf_param(ctx, "grace_active"),
                       ocf_param(ctx, "ganesha_active"));
        }
        r = mon_publish(ctx, st, ret_reason);
        if (r < 0 && published) {
            /*
             * attrd restarting, -ENOTCONN, -ETIMEDOUT: ganesha is alive
             * and published, so this is no reason to fail the monitor
             * (its restart would be a full release). Retry next time.
             */
            log_warn("cannot re-assert the attributes (%s), ganesha.nfsd "
                     "is alive and published: retrying at the next monitor",
                     *ret_reason);
            g_clear_pointer(ret_reason, g_free);
            goto out_save;
        }
        if (r < 0) {
            return r;
        }
        st->alive = true;
        st->released = false;
        st->asserted = now;
        mon_force_reassert = false;
        mon_attrd_record(st);
    } else {
        if (st->released) {
            if (st->unanswered != unanswered) {
                /* a hung ganesha died: its count starts afresh */
                (void)mon_state_save(ctx, st);
            }
            mon_recheck_released(ctx, st, now);
            return 0;
        }
        log_warn("%s: releasing this node", why);
        r = attr_local_node_why(ctx->deadline, &node, ret_reason);
        if (r < 0) {
            return r;
        }
        r = mon_release(
            ctx, node,
            verdict == MON_HUNG && ocf_param_bool(ctx, "kill_hung") ? pid : 0,
            ret_reason);
        if (r < 0) {
            return r;
        }
        log_notice("released: %s and %s deleted on %s",
                   ocf_param(ctx, "grace_active"),
                   ocf_param(ctx, "ganesha_active"), node);
        st->alive = false;
        st->released = true;
        st->rechecked = now;
    }
out_save:
    r = mon_state_save(ctx, st);
    if (r < 0) {
        *ret_reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return r;
}

/* ---- the resident watcher (meta-data watcher) ----------------------- */

struct mon_watcher {
    struct ocf_ctx *ctx;
    char *key;
    GMainLoop *loop;
    struct watchipc_server *ipc;
    struct mon_state st; /* as of the last observation */
    int check_level;     /* the recurring monitor's, told in its query */
    const char *exit_why;
    /* the watched ganesha.nfsd and pacemaker-attrd: pidfds in the loop */
    int ganesha_fd;
    pid_t ganesha_pid;
    guint ganesha_src;
    int attrd_fd;
    struct daemon_id attrd;
    guint attrd_src;
    /* D-Bus probes run in a thread: a hung ganesha blocks only that one */
    int probe_wake; /* eventfd: a probe is wanted */
    bool probing;
    int64_t probe_at; /* monotonic deadline of the next probe */
    struct mon_probe probe;
    bool retry; /* observe again at the next tick */
    /* after attrd went away: wait for the new one, then re-assert, then
     * read the CIB back (crm_attribute 2.1.5 exits 0 when attrd refused
     * the connection, so a write to a respawning attrd can be lost) */
    bool attrd_wait;
    bool attrd_seen;
    int attrd_verify; /* CIB read-backs left */
    /* the release without a tool (pcmkipc.h): this node, kept connections */
    char *node;
    bool fast_down; /* the fast path failed to connect: logged once */
    /* the early hints (cpgipc.h): the group, the takeovers asked for, and
     * the jobs for the D-Bus thread (which owns SIGALRM, see grace.c) */
    bool cpg_started;     /* the group's thread runs (it owns every CPG call) */
    int cpg_wake;         /* eventfd: something to send */
    GAsyncQueue *cpg_out; /* GINT_TO_POINTER(1 + up): what to send */
    GHashTable *hinted;   /* node -> monotonic deadline until asked again */
    GAsyncQueue *hints;   /* struct hint_job */
    gint probe_wanted;    /* the loop asked the thread for a probe */
};

/* An early takeover the D-Bus thread runs for the loop. */
struct hint_job {
    char *node;
    char *why;
    int64_t seen; /* when the loop heard of it (deadline_now) */
};

static void hint_job_free(struct hint_job *j)
{
    g_free(j->node);
    g_free(j->why);
    g_free(j);
}

static void watcher_quit(struct mon_watcher *w, const char *why)
{
    if (w->exit_why == NULL) {
        w->exit_why = why;
    }
    g_main_loop_quit(w->loop);
}

static void watcher_unwatch(int *fd, guint *src)
{
    if (*src != 0) {
        g_source_remove(*src);
        *src = 0;
    }
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static bool watcher_published(const struct mon_watcher *w)
{
    return w->st.alive && !w->st.released;
}

static void watcher_arm(struct mon_watcher *w);
static void watcher_fast_release(struct mon_watcher *w);

/*
 * One observation under the state lock, as a monitor makes it, then the
 * pidfds follow what it found. A lock held by an agent action is waited for
 * MON_WATCHER_LOCK_MS, then tried again at the next tick.
 */
static void watcher_cpg_up(struct mon_watcher *w);

static void watcher_observe(struct mon_watcher *w)
{
    struct ocf_ctx *ctx = w->ctx;
    g_autofree char *reason = NULL;
    bool was;
    struct result res = RESULT_INIT;
    struct mon_state st;
    int r;

    w->retry = false;
    ctx->deadline = deadline_in(MON_WATCHER_LOCK_MS, DEADLINE_NEVER);
    r = mon_state_load(ctx, &st, &res);
    if (r == -ETIMEDOUT) {
        result_clear(&res);
        w->retry = true;
        return;
    }
    if (r == -ENOENT || (r == 0 && !st.started)) {
        state_unlock(w->key);
        watcher_quit(w, "the resource was stopped (no state file)");
        return;
    }
    if (r < 0) {
        log_warn("watcher: %s; trying again in 1 s", res.reason);
        result_clear(&res);
        state_unlock(w->key);
        w->retry = true;
        return;
    }
    if (st.watcher.pid != getpid()) {
        state_unlock(w->key);
        watcher_quit(w, "another watcher took over");
        return;
    }
    /* as long as a release may take, and some */
    ctx->deadline = deadline_in(ocf_param_int(ctx, "grace_delay") * 1000 +
                                    MON_RESERVE_MS + 20000,
                                DEADLINE_NEVER);
    ctx->check_level = w->check_level;
    r = mon_observe(ctx, &st, &reason);
    state_unlock(w->key);
    if (r == 0) {
        mon_fast_released = false; /* consumed, or ganesha came back */
    }
    was = watcher_published(w);
    w->st = st;
    if (r < 0) {
        log_warn("watcher: %s; trying again in 1 s", reason);
        w->retry = true;
    }
    watcher_arm(w);
    if (!was && watcher_published(w)) {
        watcher_cpg_up(w);
    }
}

static gboolean watcher_ganesha_exited(gint fd, GIOCondition cond,
                                       gpointer data)
{
    struct mon_watcher *w = data;

    (void)fd;
    (void)cond;
    w->ganesha_src = 0; /* removed by returning G_SOURCE_REMOVE */
    watcher_unwatch(&w->ganesha_fd, &w->ganesha_src);
    if (watcher_published(w)) {
        watcher_fast_release(w);
    }
    log_notice("watcher: ganesha.nfsd (pid %ld) exited", (long)w->ganesha_pid);
    w->ganesha_pid = 0;
    watcher_observe(w);
    return G_SOURCE_REMOVE;
}

static gboolean watcher_attrd_exited(gint fd, GIOCondition cond, gpointer data)
{
    struct mon_watcher *w = data;

    (void)fd;
    (void)cond;
    w->attrd_src = 0;
    watcher_unwatch(&w->attrd_fd, &w->attrd_src);
    log_notice("watcher: pacemaker-attrd (pid %ld) exited: the attributes "
               "it held are wiped, re-asserting them once its successor runs",
               (long)w->attrd.pid);
    w->attrd = (struct daemon_id){0};
    w->attrd_wait = true;
    w->attrd_seen = false;
    return G_SOURCE_REMOVE;
}

/*
 * What the group's thread heard (watcher_cpg_event): a node is gone, or
 * serves again. Gone: if our ganesha serves, have the D-Bus thread take
 * that node over now, once per failure (until the node says it serves
 * again); the post-stop notification does the rest (ganesha_grace).
 */
static void watcher_hint_down(struct mon_watcher *w, const char *node, bool up,
                              const char *why)
{
    struct hint_job *j;
    gpointer until;
    uint64_t one = 1;

    if (up) {
        g_hash_table_remove(w->hinted, node); /* its next failure is new */
        return;
    }
    if (!watcher_published(w)) {
        log_info("watcher: %s %s; ganesha does not serve here: no early "
                 "grace",
                 node, why);
        return;
    }
    until = g_hash_table_lookup(w->hinted, node);
    if (until != NULL && !deadline_passed(*(int64_t *)until)) {
        log_info("watcher: %s %s; its early takeover was asked for already",
                 node, why);
        return;
    }
    {
        int64_t *next = g_new(int64_t, 1);

        *next = deadline_in((int64_t)PEERHINT_TAKEOVER_VALID_S * 1000,
                            DEADLINE_NEVER);
        g_hash_table_replace(w->hinted, g_strdup(node), next);
    }
    j = g_new0(struct hint_job, 1);
    j->node = g_strdup(node);
    j->why = g_strdup(why);
    j->seen = deadline_now();
    g_async_queue_push(w->hints, j);
    if (write(w->probe_wake, &one, sizeof(one)) != sizeof(one)) {
        log_warn("watcher: cannot wake the D-Bus thread for %s's early "
                 "takeover",
                 node);
    }
}

/* A group event, from the group's thread to the loop. */
struct cpg_event {
    struct mon_watcher *w;
    char *node;
    bool up;
    char *why;
};

static gboolean watcher_cpg_event(gpointer data)
{
    struct cpg_event *e = data;

    watcher_hint_down(e->w, e->node, e->up, e->why);
    g_free(e->node);
    g_free(e->why);
    g_free(e);
    return G_SOURCE_REMOVE;
}

/* cpgipc_event_fn, in the group's thread */
static void watcher_cpg_post(const char *node, bool up, const char *why,
                             void *data)
{
    struct cpg_event *e = g_new0(struct cpg_event, 1);

    e->w = data;
    e->node = g_strdup(node);
    e->up = up;
    e->why = g_strdup(why);
    g_idle_add(watcher_cpg_event, e);
}

/*
 * The group's thread: every CPG call happens here. libcpg waits for
 * Corosync's answers without a bound (CS_IPC_TIMEOUT_MS is -1): a Corosync
 * that hangs stops this thread only, never the loop that releases the node.
 */
struct cpg_thread_args {
    struct mon_watcher *w;
    char *node;
};

static gpointer watcher_cpg_thread(gpointer data)
{
    struct cpg_thread_args *a = data;
    struct mon_watcher *w = a->w;
    struct cpgipc *g = NULL;
    int64_t retry_at = 0;
    bool down_logged = false;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = w->cpg_wake, .events = POLLIN},
                                {.fd = -1, .events = POLLIN}};
        uint64_t count;
        gpointer msg;
        int timeout = -1;

        if (g == NULL && deadline_passed(retry_at)) {
            g_autofree char *why = NULL;

            if (cpgipc_open(a->node, watcher_cpg_post, w, &g, &why) < 0) {
                if (!down_logged) {
                    log_info("watcher: no early grace hints: %s; trying "
                             "again every %d s",
                             why, MON_CPG_RETRY_S);
                }
                down_logged = true;
                retry_at = deadline_in((int64_t)MON_CPG_RETRY_S * 1000,
                                       DEADLINE_NEVER);
            } else {
                down_logged = false;
                log_info("watcher: joined Corosync group %s as %s",
                         PEERHINT_GROUP, a->node);
            }
        }
        if (g != NULL) {
            pfd[1].fd = cpgipc_fd(g);
        } else {
            timeout = (int)MAX(deadline_left_ms(retry_at), 1);
        }
        if (poll(pfd, 2, timeout) < 0) {
            continue;
        }
        if ((pfd[0].revents & POLLIN) &&
            read(w->cpg_wake, &count, sizeof(count)) < 0) {
            count = 0;
        }
        while ((msg = g_async_queue_try_pop(w->cpg_out)) != NULL) {
            bool up = GPOINTER_TO_INT(msg) == 2;
            g_autofree char *why = NULL;

            if (g == NULL) {
                log_warn("watcher: not in group %s: the others do not hear "
                         "that ganesha %s",
                         PEERHINT_GROUP, up ? "serves" : "exited");
            } else if (cpgipc_send(g, up, &why) < 0) {
                log_warn("watcher: cannot tell group %s that ganesha %s: %s",
                         PEERHINT_GROUP, up ? "serves" : "exited", why);
            } else if (!up) {
                log_info("watcher: told group %s that ganesha exited on %s",
                         PEERHINT_GROUP, a->node);
            }
        }
        if (g != NULL && pfd[1].revents != 0) {
            g_autofree char *why = NULL;

            if (cpgipc_dispatch(g, &why) < 0) {
                log_warn("watcher: group %s: %s; joining again in %d s",
                         PEERHINT_GROUP, why, MON_CPG_RETRY_S);
                g_clear_pointer(&g, cpgipc_close);
                retry_at = deadline_in((int64_t)MON_CPG_RETRY_S * 1000,
                                       DEADLINE_NEVER);
            }
        }
    }
    return NULL;
}

/* Queue a message for the group's thread: up (ganesha serves) or down. */
static void watcher_cpg_send(struct mon_watcher *w, bool up)
{
    uint64_t one = 1;

    if (!w->cpg_started) {
        return;
    }
    g_async_queue_push(w->cpg_out, GINT_TO_POINTER(up ? 2 : 1));
    if (write(w->cpg_wake, &one, sizeof(one)) != sizeof(one)) {
        log_warn("watcher: cannot wake the group's thread");
    }
}

/* ganesha serves here (again): a later failure is a new one for the others */
static void watcher_cpg_up(struct mon_watcher *w)
{
    watcher_cpg_send(w, true);
}

/* Start the group's thread once, when the node is known and early_grace on. */
static void watcher_cpg_prepare(struct mon_watcher *w)
{
    struct cpg_thread_args *a;

    if (w->cpg_started || !ocf_param_bool(w->ctx, "early_grace") ||
        !cpgipc_available()) {
        return;
    }
    w->cpg_wake = eventfd(0, EFD_CLOEXEC);
    if (w->cpg_wake < 0) {
        log_warn("watcher: no early grace hints: eventfd: %s",
                 g_strerror(errno));
        return;
    }
    w->cpg_out = g_async_queue_new();
    a = g_new0(struct cpg_thread_args, 1);
    a->w = w;
    a->node = g_strdup(w->node);
    g_thread_unref(g_thread_new("cpg", watcher_cpg_thread, a));
    w->cpg_started = true;
}

/*
 * While ganesha is published: this node's name (once), the group's thread
 * (early_grace), and the connections to attrd and the CIB manager, so that
 * its exit costs no exec. A failure only means the release runs the tools,
 * as a monitor's does.
 */
static void watcher_fast_prepare(struct mon_watcher *w)
{
    g_autofree char *why = NULL;
    int r = 0;

    if (!pcmkipc_available() && !cpgipc_available()) {
        return;
    }
    if (w->node == NULL) {
        r = attr_local_node_why(
            deadline_in(MON_WATCHER_LOCK_MS * 10, DEADLINE_NEVER), &w->node,
            &why);
    }
    if (r == 0) {
        watcher_cpg_prepare(w);
    }
    if (!pcmkipc_available()) {
        return;
    }
    if (r == 0) {
        r = pcmkipc_connect(w->node, &why);
    }
    if (r < 0 && !w->fast_down) {
        log_info("watcher: %s: a release will run the tools", why);
    } else if (r == 0 && w->fast_down) {
        log_info("watcher: connected to attrd and the CIB manager");
    }
    w->fast_down = r < 0;
    mon_ipc_node = r < 0 ? NULL : w->node;
}

/*
 * ganesha exited while published: the first steps of mon_release at once,
 * through the kept connections (acks, grace_active, then the permanent
 * attribute, which lets the rules see the others). The release that
 * follows under the state lock finds them done, or does what failed.
 */
static void watcher_fast_release(struct mon_watcher *w)
{
    const struct ocf_ctx *ctx = w->ctx;
    g_autofree char *ack_prefix =
        g_strdup_printf("%s-", ocf_param(ctx, "grace_ack"));
    g_autofree char *why = NULL;
    pid_t pid = 0;
    int fd = -1;
    int64_t begin = deadline_now();
    int r;

    /* no node: watcher_fast_prepare did not get there */
    if (w->node == NULL) {
        return;
    }
    /* a successor already running keeps the node published */
    if (daemon_ganesha_find(mon_pidfile(ctx), &pid, &fd, NULL) == 0) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    /* the survivors start their grace while attrd and Pacemaker work */
    watcher_cpg_send(w, false);
    if (w->fast_down || !pcmkipc_available()) {
        return;
    }
    r = pcmkipc_release(w->node, ack_prefix, ocf_param(ctx, "grace_active"),
                        ocf_param(ctx, "published"), &why);
    if (r < 0) {
        log_warn("watcher: %s: the release runs the tools", why);
        return;
    }
    mon_fast_released = true;
    log_notice("watcher: %s deleted on %s through attrd%s, %.1f ms after "
               "the exit was seen",
               ocf_param(ctx, "grace_active"), w->node,
               ocf_param(ctx, "published")[0] != '\0'
                   ? " and the permanent attribute through the CIB"
                   : "",
               (double)(deadline_now() - begin) / 1000.0);
}

/* Hold a pidfd on the published ganesha and on the attrd that took it. */
static void watcher_arm(struct mon_watcher *w)
{
    const struct ocf_ctx *ctx = w->ctx;

    if (!watcher_published(w)) {
        watcher_unwatch(&w->ganesha_fd, &w->ganesha_src);
        w->ganesha_pid = 0;
    } else {
        watcher_fast_prepare(w);
        pid_t pid = 0;
        int fd = -1;
        int r = daemon_ganesha_find(mon_pidfile(ctx), &pid, &fd, NULL);

        if (r < 0) {
            w->retry = true; /* died just now: the next tick releases */
        } else if (fd < 0) {
            w->retry = true; /* no pidfd here: checked every tick */
        } else if (pid == w->ganesha_pid && w->ganesha_src != 0) {
            close(fd);
        } else {
            watcher_unwatch(&w->ganesha_fd, &w->ganesha_src);
            w->ganesha_fd = fd;
            w->ganesha_pid = pid;
            w->ganesha_src =
                g_unix_fd_add(fd, G_IO_IN, watcher_ganesha_exited, w);
            log_info("watcher: watching ganesha.nfsd (pid %ld)", (long)pid);
        }
    }
    if (w->st.attrd.pid > 0 && (w->st.attrd.pid != w->attrd.pid ||
                                w->st.attrd.start != w->attrd.start)) {
        int fd = run_pidfd_open(w->st.attrd.pid);

        watcher_unwatch(&w->attrd_fd, &w->attrd_src);
        w->attrd = (struct daemon_id){0};
        if (fd >= 0 && daemon_id_same(&w->st.attrd) == 1) {
            w->attrd_fd = fd;
            w->attrd = w->st.attrd;
            w->attrd_src = g_unix_fd_add(fd, G_IO_IN, watcher_attrd_exited, w);
        } else if (fd >= 0) {
            close(fd);
        }
    }
}

/* The D-Bus thread: one bounded get_grace per request, result to the loop. */
struct probe_done {
    struct mon_watcher *w;
    int r;
    bool bus_down;
    char *why;
};

static gboolean watcher_probe_done(gpointer data)
{
    struct probe_done *d = data;
    struct mon_watcher *w = d->w;

    w->probing = false;
    w->probe_at =
        deadline_in(ocf_param_int(w->ctx, "probe_ms"), DEADLINE_NEVER);
    g_free(w->probe.why);
    w->probe = (struct mon_probe){
        .done = true, .r = d->r, .bus_down = d->bus_down, .why = d->why};
    g_free(d);
    if (w->check_level >= 10) {
        watcher_observe(w);
    }
    return G_SOURCE_REMOVE;
}

/* A change of ganesha's bus name, or of the thread's bus connection. */
struct name_event {
    struct mon_watcher *w;
    int ev;    /* GRACE_NAME_* bits, or -errno: the watch is down */
    char *why; /* with -errno */
};

static void watcher_probe_now(struct mon_watcher *w);

static gboolean watcher_name_event(gpointer data)
{
    struct name_event *e = data;
    struct mon_watcher *w = e->w;

    if (e->ev < 0) {
        log_info("watcher: not following ganesha's bus name: %s", e->why);
    } else if (e->ev & GRACE_NAME_GAINED) {
        log_info("watcher: %s has an owner on the system bus again",
                 GRACE_BUS_NAME);
        if (w->st.unanswered > 0) {
            watcher_probe_now(w);
        }
        if (!watcher_published(w)) {
            watcher_observe(w); /* a ganesha back: publish it now */
        }
    } else if (e->ev & GRACE_NAME_LOST) {
        log_notice("watcher: %s lost its owner on the system bus%s",
                   GRACE_BUS_NAME,
                   watcher_published(w) ? ": probing ganesha.nfsd now" : "");
        watcher_probe_now(w);
    }
    g_free(e->why);
    g_free(e);
    return G_SOURCE_REMOVE;
}

static void watcher_post_name(struct mon_watcher *w, int ev, char *why)
{
    struct name_event *e = g_new0(struct name_event, 1);

    e->w = w;
    e->ev = ev;
    e->why = why;
    g_idle_add(watcher_name_event, e);
}

/*
 * In the D-Bus thread: grace("5:<node>") on the local ganesha, confirmed,
 * then the takeover record that tells ganesha_grace's post-stop for that
 * node not to load its clients again (ganesha 4.3 adds them to its list a
 * second time, and its early lift would wait for reclaims that never come).
 */
static void watcher_hint_takeover(struct mon_watcher *w, struct hint_job *j)
{
    g_autofree char *arg = grace_arg(GRACE_EVENT_TAKE_IP, j->node);
    g_autofree char *why = NULL;
    struct daemon_id id = {0};
    bool in_grace = false;
    pid_t pid = 0;
    int fd = -1;
    int r;

    r = daemon_ganesha_find(mon_pidfile(w->ctx), &pid, &fd, &why);
    if (fd >= 0) {
        close(fd);
    }
    if (r == 0) {
        r = daemon_id_of(pid, &id);
    }
    if (r < 0) {
        log_warn("watcher: no early takeover of %s: %s", j->node,
                 why != NULL ? why : g_strerror(-r));
        return;
    }
    r = grace_start(arg, deadline_in(MON_HINT_STEP_MS, DEADLINE_NEVER), &why);
    for (int i = 0; r == 0 && i < 5 && !in_grace; i++) {
        if (i > 0) {
            deadline_sleep(20, DEADLINE_NEVER);
        }
        r = grace_get(deadline_in(MON_HINT_STEP_MS, DEADLINE_NEVER), &in_grace,
                      &why);
    }
    if (r < 0 || !in_grace) {
        log_warn("watcher: early grace(\"%s\") for %s (%s) failed: %s; the "
                 "notification will try again",
                 arg, j->node, j->why,
                 why != NULL ? why
                 : r < 0     ? g_strerror(-r)
                             : "not in grace");
        return;
    }
    r = peerhint_takeover_record(j->node, &id);
    if (r < 0) {
        /* the notification then calls grace again: slower, never wrong */
        log_warn("watcher: cannot record the early takeover of %s: %s", j->node,
                 g_strerror(-r));
    }
    log_notice("watcher: %s: %s: ganesha in grace(\"%s\") %.1f ms later",
               j->node, j->why, arg,
               (double)(deadline_now() - j->seen) / 1000.0);
}

/*
 * The D-Bus thread: follows ganesha's bus name (NameOwnerChanged on a
 * connection of its own) and runs the probes the loop asks for through
 * probe_wake. While nothing happens it sleeps in poll(), with no timer.
 */
static gpointer watcher_probe_thread(gpointer data)
{
    struct mon_watcher *w = data;
    struct grace_name_watch *nw = NULL;
    int64_t reopen_at = 0;
    bool watch_down = false; /* told the loop already */
    int owned = -1;          /* the name's owner as last told: unknown */
    sigset_t alarm_only;

    /* grace_get() bounds connect() with SIGALRM: it must land here */
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
    for (;;) {
        bool woken = false;
        uint64_t count;
        int ev = 0;

        if (nw == NULL && deadline_passed(reopen_at)) {
            char *why = NULL;
            bool now_owned = false;
            int r = grace_name_watch_open(
                deadline_in(MON_DBUS_PROBE_MS, DEADLINE_NEVER), &nw, &now_owned,
                &why);

            if (r < 0) {
                reopen_at =
                    deadline_in(MON_NAME_REOPEN_S * 1000, DEADLINE_NEVER);
                if (!watch_down) {
                    watcher_post_name(
                        w, r,
                        g_strdup_printf("%s; again every %d s, the probes "
                                        "go on meanwhile",
                                        why, MON_NAME_REOPEN_S));
                }
                g_free(why);
                watch_down = true;
            } else {
                watch_down = false;
                /* what changed while no watch was there */
                if (owned >= 0 && now_owned != (owned == 1)) {
                    ev = now_owned ? GRACE_NAME_GAINED : GRACE_NAME_LOST;
                }
                owned = now_owned;
            }
        }
        if (nw != NULL && ev == 0) {
            ev = grace_name_watch_wait(nw, w->probe_wake, -1, &woken);
            if (ev < 0) {
                grace_name_watch_close(nw);
                nw = NULL;
                reopen_at = deadline_in(1000, DEADLINE_NEVER);
                watcher_post_name(w, ev,
                                  g_strdup("the system bus closed the "
                                           "connection (restarted?); "
                                           "following it again in 1 s"));
                watch_down = true;
                ev = 0;
            }
        } else if (nw == NULL) {
            struct pollfd pfd = {.fd = w->probe_wake, .events = POLLIN};
            int64_t left = deadline_left_ms(reopen_at);

            woken = poll(&pfd, 1, (int)MIN(MAX(left, 1), 60000)) > 0;
        }
        if (ev > 0) {
            if (ev & GRACE_NAME_GAINED) {
                owned = 1;
            } else if (ev & GRACE_NAME_LOST) {
                owned = 0;
            }
            watcher_post_name(w, ev, NULL);
        }
        if (woken && read(w->probe_wake, &count, sizeof(count)) > 0) {
            struct hint_job *j;

            while ((j = g_async_queue_try_pop(w->hints)) != NULL) {
                watcher_hint_takeover(w, j);
                hint_job_free(j);
            }
        }
        if (woken &&
            g_atomic_int_compare_and_exchange(&w->probe_wanted, 1, 0)) {
            struct probe_done *d = g_new0(struct probe_done, 1);
            bool in_grace = false;

            d->w = w;
            /* on the watch's kept connection when there is one */
            d->r = nw != NULL
                       ? grace_probe_on(
                             nw, deadline_in(MON_DBUS_PROBE_MS, DEADLINE_NEVER),
                             &in_grace, &d->bus_down, &d->why)
                       : grace_probe(
                             deadline_in(MON_DBUS_PROBE_MS, DEADLINE_NEVER),
                             &in_grace, &d->bus_down, &d->why);
            g_idle_add(watcher_probe_done, d);
        }
    }
    return NULL;
}

/*
 * Whether the state file is still there: stop removes it. Not
 * state_exists(), which says no on any error: only a definite ENOENT ends
 * the watcher, an unreadable directory (EIO, EACCES) keeps it.
 */
static bool watcher_state_exists(const struct mon_watcher *w)
{
    g_autofree char *path = g_build_filename(state_dir(), w->key, NULL);

    return access(path, F_OK) == 0 || errno != ENOENT;
}

/*
 * After an attrd restart: are both attributes in the CIB? Re-assert again
 * if not; a few read-backs, one per tick, until they are.
 */
static void watcher_verify(struct mon_watcher *w)
{
    const struct ocf_ctx *ctx = w->ctx;
    g_autofree char *node = NULL;
    g_autofree char *reason = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    const struct attr_node *me;
    int r;

    w->attrd_verify--;
    r = attr_local_node_why(deadline_in(5000, DEADLINE_NEVER), &node, &reason);
    if (r == 0) {
        r = attr_snapshot(deadline_in(5000, DEADLINE_NEVER), &nodes);
    }
    if (r < 0) {
        log_warn("watcher: cannot read the attributes back: %s",
                 reason != NULL ? reason : attr_strerror(r));
        return;
    }
    me = attr_snapshot_node(nodes, node);
    if (g_strcmp0(attr_node_value(me, ocf_param(ctx, "grace_active")), "1") ==
            0 &&
        g_strcmp0(attr_node_value(me, ocf_param(ctx, "ganesha_active")), "1") ==
            0) {
        log_info("watcher: both attributes are in the CIB again");
        w->attrd_verify = 0;
        return;
    }
    log_warn("watcher: an attribute set after the attrd restart is not in "
             "the CIB: setting both again");
    mon_force_reassert = true;
    watcher_observe(w);
}

/* Ask the D-Bus thread for a probe now, unless one runs or none is due. */
static void watcher_probe_now(struct mon_watcher *w)
{
    uint64_t one = 1;

    if (w->probing || w->check_level < 10 ||
        (!watcher_published(w) && w->st.unanswered == 0)) {
        return;
    }
    w->probing = true;
    g_atomic_int_set(&w->probe_wanted, 1);
    if (write(w->probe_wake, &one, sizeof(one)) != sizeof(one)) {
        w->probing = false; /* the next tick asks again */
        g_atomic_int_set(&w->probe_wanted, 0);
    }
}

static gboolean watcher_tick(gpointer data)
{
    struct mon_watcher *w = data;
    bool published = watcher_published(w);
    int64_t now = wall_now_s();
    /* alive but not answering (published or not): probe results decide */
    bool unanswered = w->st.unanswered > 0;

    if (!watcher_state_exists(w)) {
        watcher_quit(w, "the resource was stopped (no state file)");
        return G_SOURCE_CONTINUE;
    }
    if (w->attrd_wait) {
        struct daemon_id id;

        /* a tick after it appears: its IPC is up well before that */
        if (daemon_find_local("pacemaker-attrd", &id) < 0) {
            w->attrd_seen = false;
        } else if (!w->attrd_seen) {
            w->attrd_seen = true;
        } else {
            w->attrd_wait = false;
            w->attrd_verify = 5;
            mon_force_reassert = true;
            watcher_observe(w);
            return G_SOURCE_CONTINUE;
        }
    } else if (w->attrd_verify > 0 && published) {
        watcher_verify(w);
    }
    if (w->check_level >= 10 && (published || unanswered) &&
        deadline_passed(w->probe_at)) {
        watcher_probe_now(w);
    }
    if (w->retry || (!published && !unanswered) ||
        (published && !w->attrd_wait &&
         (w->ganesha_src == 0 || now < w->st.asserted ||
          now - w->st.asserted >= MON_REASSERT_S ||
          (w->st.attrd.pid > 0 && w->attrd_src == 0)))) {
        watcher_observe(w);
    }
    return G_SOURCE_CONTINUE;
}

static void watcher_query(int check_level, struct watchipc_status *out,
                          void *data)
{
    struct mon_watcher *w = data;

    if (check_level != w->check_level) {
        log_info("watcher: the monitor runs at OCF_CHECK_LEVEL=%d: D-Bus "
                 "probes %s",
                 check_level, check_level >= 10 ? "on" : "off");
        w->check_level = check_level;
        w->probe_at = 0;
    }
    *out = (struct watchipc_status){
        .alive = w->st.alive,
        .published = watcher_published(w),
        .released = w->st.released,
        .unanswered = (int32_t)w->st.unanswered,
        .check_level = w->check_level,
        .ganesha_pid = w->ganesha_pid,
        .asserted = w->st.asserted,
    };
}

static gboolean watcher_signalled(gpointer data)
{
    watcher_quit(data, "told to stop (SIGTERM)");
    return G_SOURCE_CONTINUE;
}

static gboolean watcher_execd_exited(gint fd, GIOCondition cond, gpointer data)
{
    (void)fd;
    (void)cond;
    watcher_quit(data, "the pacemaker-execd that started it is gone");
    return G_SOURCE_REMOVE;
}

/* Exit with the cluster stack: watch the pacemaker-execd we were told of. */
static int watcher_follow_execd(struct mon_watcher *w)
{
    const char *env = getenv(MON_EXECD_ENV);
    struct daemon_id execd = {0};
    gint64 pid;
    char *end = NULL;
    int fd;

    if (env == NULL || env[0] == '\0') {
        return -1;
    }
    pid = g_ascii_strtoll(env, &end, 10);
    if (end == env || *end != '\0' || pid <= 0 ||
        daemon_id_of((pid_t)pid, &execd) < 0) {
        return -1;
    }
    fd = run_pidfd_open(execd.pid);
    if (fd < 0 || daemon_pid_is(execd.pid, "pacemaker-execd") != 1) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    (void)g_unix_fd_add(fd, G_IO_IN, watcher_execd_exited, w);
    return fd;
}

/*
 * The "watch" action: the watcher's main loop. Events only: ganesha's exit
 * (pidfd), attrd's exit (pidfd), the D-Bus thread's results, a monitor's
 * query (libqb IPC), SIGTERM, and a 1 s tick that reads no more than the
 * state file's existence while nothing is due.
 */
static int mon_watch_main(struct ocf_ctx *ctx)
{
    g_autofree char *name = NULL;
    struct mon_watcher w = {
        .ctx = ctx,
        .ganesha_fd = -1,
        .attrd_fd = -1,
        .check_level = ctx->check_level,
    };
    sigset_t alarm_only;
    int execd_fd;
    int r;

    w.key = state_key_for(MON_AGENT, ctx->instance);
    name = watchipc_name(w.key);
    /* SIGALRM belongs to the D-Bus thread (grace_get's connect bound) */
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
    /* a peer daemon gone mid-request is an error return, not our death */
    (void)signal(SIGPIPE, SIG_IGN);
    w.loop = g_main_loop_new(NULL, FALSE);
    r = watchipc_server_start(name, watcher_query, &w, &w.ipc);
    if (r == -EADDRINUSE) {
        log_notice("watcher: another watcher serves %s, exiting", name);
        g_free(w.key);
        return OCF_SUCCESS;
    }
    if (r < 0) {
        ocf_exit_reason("watcher: cannot serve %s: %s", name, g_strerror(-r));
        g_free(w.key);
        return OCF_ERR_GENERIC;
    }
    execd_fd = watcher_follow_execd(&w);
    w.probe_wake = eventfd(0, EFD_CLOEXEC);
    if (w.probe_wake < 0) {
        ocf_exit_reason("watcher: eventfd: %s", g_strerror(errno));
        watchipc_server_stop(w.ipc);
        g_free(w.key);
        return OCF_ERR_GENERIC;
    }
    w.hinted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    w.hints = g_async_queue_new(); /* the thread's: left to exit() */
    g_thread_unref(g_thread_new("dbus-probe", watcher_probe_thread, &w));
    (void)g_unix_signal_add(SIGTERM, watcher_signalled, &w);
    (void)g_unix_signal_add(SIGINT, watcher_signalled, &w);
    (void)g_unix_signal_add(SIGHUP, watcher_signalled, &w);
    (void)g_timeout_add(MON_TICK_MS, watcher_tick, &w);
    mon_watch_probe = &w.probe;
    log_notice("watcher started (pid %ld)%s", (long)getpid(),
               execd_fd >= 0 ? "" : ", not tied to a pacemaker-execd");
    watcher_observe(&w);
    if (w.exit_why == NULL) {
        g_main_loop_run(w.loop);
    }
    log_notice("watcher exits: %s", w.exit_why);
    watchipc_server_stop(w.ipc);
    pcmkipc_disconnect();
    /* the group's thread is left to exit(), which leaves the group */
    g_hash_table_unref(w.hinted);
    g_free(w.node);
    g_free(w.key);
    /* the D-Bus thread may be inside a probe: leave it to exit() */
    return OCF_SUCCESS;
}

/*
 * Start a watcher for this instance and record it in \p st (the caller holds
 * the state lock and saves). Detached: its own session, stdio on /dev/null,
 * no fd of ours; the same binary (/proc/self/exe) and environment. Failure
 * is logged: the monitor then checks ganesha itself and tries again.
 */
static void mon_watcher_spawn(const struct ocf_ctx *ctx, struct mon_state *st)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    pid_t execd = getppid();
    pid_t child;
    pid_t grandchild = 0;
    int pipefd[2];
    int status = 0;
    ssize_t n;

    (void)ctx;
    st->watcher = (struct daemon_id){0};
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        log_warn("cannot start the watcher: pipe: %s", g_strerror(errno));
        return;
    }
    child = fork();
    if (child < 0) {
        log_warn("cannot start the watcher: fork: %s", g_strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return;
    }
    if (child == 0) {
        sigset_t none;
        pid_t pid;
        int null;

        (void)setsid();
        pid = fork();
        if (pid != 0) {
            (void)!write(pipefd[1], &pid, sizeof(pid));
            _exit(pid < 0 ? 1 : 0);
        }
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            (void)dup2(null, STDIN_FILENO);
            (void)dup2(null, STDOUT_FILENO);
            (void)dup2(null, STDERR_FILENO);
        }
        /* the agent's lock fds and the like: close them all */
        (void)close_range(3, ~0U, 0);
        if (daemon_pid_is(execd, "pacemaker-execd") == 1) {
            char buf[32];

            g_snprintf(buf, sizeof(buf), "%ld", (long)execd);
            setenv(MON_EXECD_ENV, buf, 1);
        } else {
            unsetenv(MON_EXECD_ENV);
        }
        /* by its path, so that ps shows ganesha_mon, not exe */
        if (self != NULL) {
            execl(self, MON_AGENT, "watch", (char *)NULL);
        }
        execl("/proc/self/exe", MON_AGENT, "watch", (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    do {
        n = read(pipefd[0], &grandchild, sizeof(grandchild));
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (n != (ssize_t)sizeof(grandchild) || grandchild <= 0 ||
        daemon_id_of(grandchild, &st->watcher) < 0) {
        log_warn("cannot start the watcher (fork failed or it died at "
                 "once): the monitor checks ganesha.nfsd itself");
        st->watcher = (struct daemon_id){0};
        return;
    }
    log_info("started the watcher (pid %ld)", (long)grandchild);
}

/*
 * Stop the watcher recorded in the state file (read without the lock: the
 * watcher may hold it while it releases the node, and finishes that first).
 */
static void mon_watcher_stop(const struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(MON_AGENT, ctx->instance);
    g_autoptr(GKeyFile) kf = NULL;
    struct mon_state st = {0};
    const struct daemon_id *id = &st.watcher;
    int64_t bound;
    int r;

    if (state_read(key, &kf, NULL) < 0) {
        return;
    }
    mon_state_from(kf, &st);
    if (id->pid <= 0) {
        return;
    }
    bound = deadline_in(deadline_left_ms(ctx->deadline) / 2, ctx->deadline);
    r = daemon_terminate(id, bound);
    if (r < 0) {
        log_warn("cannot stop the watcher (pid %ld): %s", (long)id->pid,
                 g_strerror(-r));
    } else if (r > 0) {
        log_info("stopped the watcher (pid %ld)", (long)id->pid);
    }
}

/* ---- action handlers ------------------------------------------------ */

/*
 * Cross-parameter rules: the two attributes must differ (their order is the
 * protocol), and neither may look like an ack, or a release would delete it
 * as a stale one.
 */
static int mon_validate(struct ocf_ctx *ctx, bool local)
{
    const char *ganesha_active = ocf_param(ctx, "ganesha_active");
    const char *grace_active = ocf_param(ctx, "grace_active");
    const char *published = ocf_param(ctx, "published");
    g_autofree char *ack_prefix =
        g_strdup_printf("%s-", ocf_param(ctx, "grace_ack"));

    if (strcmp(ganesha_active, grace_active) == 0) {
        ocf_exit_reason("ganesha_active and grace_active must be different "
                        "attributes (both are %s)",
                        grace_active);
        return OCF_ERR_CONFIGURED;
    }
    if (published[0] != '\0' && (strcmp(published, ganesha_active) == 0 ||
                                 strcmp(published, grace_active) == 0)) {
        ocf_exit_reason("published (%s) must differ from ganesha_active and "
                        "grace_active",
                        published);
        return OCF_ERR_CONFIGURED;
    }
    if (g_str_has_prefix(ganesha_active, ack_prefix) ||
        g_str_has_prefix(grace_active, ack_prefix) ||
        g_str_has_prefix(published, ack_prefix)) {
        ocf_exit_reason("ganesha_active (%s) and grace_active (%s) must not "
                        "start with grace_ack's prefix %s",
                        ganesha_active, grace_active, ack_prefix);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

static int mon_start(struct ocf_ctx *ctx)
{
    g_autofree char *reason = NULL;
    struct result res = RESULT_INIT;
    struct mon_state st;
    int r = mon_state_load(ctx, &st, &res);

    if (r < 0 && r != -ENOENT) {
        log_warn("%s; starting afresh", res.reason);
        result_clear(&res);
    }
    if (r < 0 || !st.started) {
        g_autofree char *node = NULL;

        /*
         * Afresh (boot, rejoin after a crash): a permanent "published" left
         * by a crash would let the VIP rules pass before anything is
         * published. The VIP groups are ordered after this start.
         */
        if (ocf_param(ctx, "published")[0] != '\0') {
            r = attr_local_node_why(ctx->deadline, &node, &reason);
            if (r == 0) {
                r = mon_published_set(ctx, node, false, ctx->deadline, &reason);
            }
            if (r < 0) {
                return ocf_report(r, reason);
            }
        }
        st = (struct mon_state){.started = true};
        r = mon_state_save(ctx, &st);
        if (r < 0) {
            reason = g_strdup_printf("cannot write the state file: %s",
                                     g_strerror(-r));
            return ocf_report(r, reason);
        }
    }
    r = mon_observe(ctx, &st, &reason);
    if (r == 0 && ocf_param_bool(ctx, "watcher") &&
        daemon_id_same(&st.watcher) != 1) {
        mon_watcher_spawn(ctx, &st);
        r = mon_state_save(ctx, &st);
        if (r < 0) {
            reason = g_strdup_printf("cannot write the state file: %s",
                                     g_strerror(-r));
        }
    }
    return ocf_report(r, reason);
}

/*
 * The watch of a recurring monitor that found ganesha alive (meta-data
 * watch_ms): sleep on the process's exit for up to watch_ms, never into the
 * time a release needs, and observe again at once if it exited. Anything
 * that keeps the watch from starting only means no watch this time.
 */
static int mon_watch(const struct ocf_ctx *ctx, struct mon_state *st,
                     char **ret_reason)
{
    int64_t keep_ms = ocf_param_int(ctx, "grace_delay") * 1000 + MON_RESERVE_MS;
    int64_t watch_ms = MIN(ocf_param_int(ctx, "watch_ms"),
                           deadline_left_ms(ctx->deadline) - keep_ms);
    g_autofree char *why = NULL;
    pid_t pid = 0;
    int pidfd = -1;
    int r;

    if (ctx->probe || ctx->interval_ms <= 0 || watch_ms <= 0 || !st->alive ||
        st->released) {
        return 0;
    }
    /* the pidfd is opened before the process is checked: no pid reuse */
    r = daemon_ganesha_find(mon_pidfile(ctx), &pid, &pidfd, &why);
    if (r == 0) {
        if (pidfd < 0) {
            log_debug("cannot watch ganesha.nfsd (pid %ld): no pidfd",
                      (long)pid);
            return 0;
        }
        r = daemon_wait_exit(pidfd, deadline_in(watch_ms, ctx->deadline));
        close(pidfd);
        if (r == 0) {
            return 0;
        }
        if (r < 0) {
            log_debug("cannot watch ganesha.nfsd (pid %ld): %s", (long)pid,
                      g_strerror(-r));
            return 0;
        }
    }
    log_info("ganesha.nfsd exited while watched: observing again");
    return mon_observe(ctx, st, ret_reason);
}

/* Ask the watcher of this instance (meta-data watcher). 0 if it answered. */
static int mon_ask_watcher(const struct ocf_ctx *ctx)
{
    g_autofree char *key = state_key_for(MON_AGENT, ctx->instance);
    g_autofree char *name = watchipc_name(key);
    struct watchipc_status ws;
    int r = watchipc_query(name, ctx->check_level,
                           deadline_in(MON_QUERY_MS, ctx->deadline), &ws);

    if (r == 0) {
        log_debug("watcher: ganesha.nfsd %s (pid %d), %s",
                  ws.alive ? "alive" : "dead", ws.ganesha_pid,
                  ws.published ? "published" : "not published");
    }
    return r;
}

/*
 * A recurring monitor whose watcher did not answer at once; the state is
 * loaded and locked, so a watcher that was releasing the node has finished.
 * No answer now is no failure either: this monitor checks ganesha itself,
 * as without the watcher, and starts a new watcher (after killing one that
 * runs but does not answer).
 */
static int mon_monitor_watcher(struct ocf_ctx *ctx, struct mon_state *st)
{
    g_autofree char *reason = NULL;
    int r;

    if (daemon_id_same(&st->watcher) == 1) {
        r = mon_ask_watcher(ctx);
        if (r == 0) {
            return OCF_SUCCESS;
        }
        log_warn("the watcher (pid %ld) runs but does not answer (%s): "
                 "replacing it",
                 (long)st->watcher.pid, g_strerror(-r));
        (void)daemon_terminate(&st->watcher, deadline_in(1000, ctx->deadline));
    } else if (st->watcher.pid > 0) {
        log_warn("the watcher (pid %ld) is gone: this monitor checks "
                 "ganesha.nfsd itself and starts a new watcher",
                 (long)st->watcher.pid);
    } else {
        log_notice("no watcher runs: this monitor checks ganesha.nfsd "
                   "itself and starts one");
    }
    r = mon_observe(ctx, st, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    mon_watcher_spawn(ctx, st);
    r = mon_state_save(ctx, st);
    if (r < 0) {
        reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

static int mon_monitor(struct ocf_ctx *ctx)
{
    g_autofree char *reason = NULL;
    struct result res = RESULT_INIT;
    struct mon_state st;
    int r;

    /*
     * The steady path: the watcher answers, which it does only while its
     * state file exists (started). Nothing else is read.
     */
    if (!ctx->probe && ocf_param_bool(ctx, "watcher") &&
        mon_ask_watcher(ctx) == 0) {
        return OCF_SUCCESS;
    }
    r = mon_state_load(ctx, &st, &res);

    if (r == -ENOENT || (r == 0 && !st.started)) {
        return OCF_NOT_RUNNING;
    }
    if (r < 0) {
        /* a local problem (1): 6 would stop nfs-mon on every node */
        return ocf_finish(&res);
    }
    if (ctx->probe) {
        /* a probe reports what was started and changes nothing */
        return OCF_SUCCESS;
    }
    if (!ocf_param_bool(ctx, "watcher")) {
        r = mon_observe(ctx, &st, &reason);
        if (r == 0) {
            r = mon_watch(ctx, &st, &reason);
        }
        return ocf_report(r, reason);
    }
    return mon_monitor_watcher(ctx, &st);
}

/*
 * The values of grace_delay, watch_ms, pidfile, hung_probes and kill_hung are
 * read by every action and nothing derived from them is kept (the count of
 * unanswered probes is compared with the new hung_probes): the next monitor
 * uses the new ones.
 * The identity parameters are not reloadable, so they cannot change here.
 */
static int mon_reload(struct ocf_ctx *ctx)
{
    g_autofree char *reason = NULL;
    struct result res = RESULT_INIT;
    struct mon_state st;
    int r;

    log_notice("reloaded: grace_delay=%s watch_ms=%s pidfile=%s "
               "hung_probes=%s kill_hung=%s early_grace=%s watcher=%s "
               "probe_ms=%s",
               ocf_param(ctx, "grace_delay"), ocf_param(ctx, "watch_ms"),
               mon_pidfile(ctx) != NULL ? mon_pidfile(ctx) : "(default)",
               ocf_param(ctx, "hung_probes"), ocf_param(ctx, "kill_hung"),
               ocf_param(ctx, "early_grace"), ocf_param(ctx, "watcher"),
               ocf_param(ctx, "probe_ms"));
    /*
     * The watcher read its parameters when it started: replace it (it
     * exits without touching the attributes; the new one observes at once).
     */
    mon_watcher_stop(ctx);
    r = mon_state_load(ctx, &st, &res);
    if (r == -ENOENT || (r == 0 && !st.started)) {
        return OCF_SUCCESS;
    }
    if (r < 0) {
        return ocf_finish(&res);
    }
    st.watcher = (struct daemon_id){0};
    if (ocf_param_bool(ctx, "watcher")) {
        mon_watcher_spawn(ctx, &st);
    }
    r = mon_state_save(ctx, &st);
    if (r < 0) {
        reason =
            g_strdup_printf("cannot write the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

static int mon_stop(struct ocf_ctx *ctx)
{
    g_autofree char *reason = NULL;
    g_autofree char *key = state_key_for(MON_AGENT, ctx->instance);
    g_autofree char *node = NULL;
    struct result res = RESULT_INIT;
    struct mon_state st;
    int r;

    /*
     * Only what names the published attributes decides: the record made at
     * start, else the given identity parameters. A bad unrelated parameter
     * (the controller lost the start's parameters) has its default.
     */
    if (!mon_use_recorded_identity(ctx) && !ocf_params_valid(ctx)) {
        /* start refuses these names, so nothing was published under them */
        log_warn("invalid attribute names and no record of a start: nothing "
                 "can have been published");
        mon_watcher_stop(ctx);
        (void)state_remove(key);
        return OCF_SUCCESS;
    }
    /* first: a watcher in the middle of a release finishes it, then exits */
    mon_watcher_stop(ctx);
    r = mon_state_load(ctx, &st, &res);
    if (r < 0 && r != -ENOENT) {
        log_warn("%s; releasing anyway", res.reason);
        result_clear(&res);
    }
    r = attr_local_node_why(ctx->deadline, &node, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    if (!st.released) {
        r = mon_release(ctx, node, 0, &reason);
        if (r < 0) {
            return ocf_report(r, reason);
        }
    }
    r = mon_published_set(ctx, node, false, ctx->deadline, &reason);
    if (r == 0) {
        r = mon_attr_delete(node, ocf_param(ctx, "grace_active"), ctx->deadline,
                            &reason);
    }
    if (r == 0) {
        r = mon_attr_delete(node, ocf_param(ctx, "ganesha_active"),
                            ctx->deadline, &reason);
    }
    if (r < 0) {
        return ocf_report(r, reason);
    }
    r = state_remove(key);
    if (r < 0) {
        reason =
            g_strdup_printf("cannot remove the state file: %s", g_strerror(-r));
    }
    return ocf_report(r, reason);
}

int main(int argc, char **argv)
{
    return ocf_main(&mon_agent, argc, argv);
}
