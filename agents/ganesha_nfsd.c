/*
 * ganesha_nfsd: a clone that points the NFS state directory (/var/lib/nfs)
 * at this node's directory on the shared storage while it runs, and gives
 * the local directory back when it stops.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "attr.h"
#include "log.h"
#include "ocf.h"
#include "params.h"
#include "statedir.h"

#define NFSD_AGENT "ganesha_nfsd"
#define NFSD_VERSION "1.0.0"

/* ---- parameter checks (form only, never the local system) ------------- */

/* A clean absolute path (params_check_path), and not "/". */
static int check_path(const char *value, char **ret_reason)
{
    if (strcmp(value, "/") == 0) {
        *ret_reason = g_strdup("must not be \"/\"");
        return -EINVAL;
    }
    return params_check_path(value, ret_reason);
}

/* Empty means the cluster node name; otherwise the same form as one. */
static int check_node_dir(const char *value, char **ret_reason)
{
    if (value[0] != '\0' && !attr_node_name_valid(value)) {
        *ret_reason = g_strdup_printf(
            "'%s' is not a valid node directory name (1-%d characters of "
            "[A-Za-z0-9._-], starting with a letter or digit)",
            value, ATTR_NODE_NAME_MAX);
        return -EINVAL;
    }
    return 0;
}

/* ---- the agent's specification ----------------------------------------- */

static const struct ocf_param nfsd_params[] = {
    {
        .name = "ha_vol_mnt",
        .type = OCF_TYPE_STRING,
        .default_value = "/run/gluster/shared_storage",
        .shortdesc = "mount point of the shared storage",
        .longdesc = "Absolute path where the shared storage volume is "
                    "mounted; it must be a mount point (a bind mount "
                    "counts). This node's NFS state lives in "
                    "<ha_vol_mnt>/nfs-ganesha/<node_dir>/nfs, reached without "
                    "following any symlink below ha_vol_mnt. Only a symlink "
                    "pointing below ha_vol_mnt counts as this agent's: stop "
                    "replaces no other.",
        .check = check_path,
    },
    {
        .name = "node_dir",
        .type = OCF_TYPE_STRING,
        .default_value = "",
        .shortdesc = "this node's directory name on the shared storage",
        .longdesc = "Name of this node's directory under "
                    "<ha_vol_mnt>/nfs-ganesha/. Empty: the cluster node name "
                    "(as Pacemaker knows it, not the host name).",
        .check = check_node_dir,
    },
    {
        .name = "state_dir",
        .type = OCF_TYPE_STRING,
        .default_value = "/var/lib/nfs",
        .shortdesc = "the NFS state directory switched to shared storage",
        .longdesc = "Absolute path of the local NFS state directory. While "
                    "the resource runs it is a symlink to this node's "
                    "directory on the shared storage; what was there (the "
                    "local directory, or an administrator's own symlink) is "
                    "kept as <state_dir>.backup and put back on stop.",
        .check = check_path,
    },
    {.name = NULL},
};

static int nfsd_validate(struct ocf_ctx *ctx, bool local);
static int nfsd_start(struct ocf_ctx *ctx);
static int nfsd_stop(struct ocf_ctx *ctx);
static int nfsd_monitor(struct ocf_ctx *ctx);

/* clang-format off */
static const struct ocf_action nfsd_actions[] = {
    /* name           handler       timeout interval depth */
    {"start",         nfsd_start,   60,     0,       -1},
    {"stop",          nfsd_stop,    20,     0,       -1},
    {"monitor",       nfsd_monitor, 20,     60,      0},
    {"validate-all",  NULL,         20,     0,       -1},
    {"meta-data",     NULL,         20,     0,       -1},
    {.name = NULL},
};
/* clang-format on */

static const struct ocf_agent nfsd_agent = {
    .name = NFSD_AGENT,
    .version = NFSD_VERSION,
    .shortdesc = "Points the NFS state directory at shared storage",
    .longdesc =
        "Makes state_dir (default /var/lib/nfs) a symlink to "
        "<ha_vol_mnt>/nfs-ganesha/<node_dir>/nfs, so that ganesha keeps its "
        "NFSv4 client recovery records where the survivors can read them "
        "after a failover. It does not start or stop ganesha. "
        "Start waits, within its timeout, until ha_vol_mnt is a mount point "
        "and this node's directory exists on it (at boot the shared storage "
        "is often mounted after Pacemaker starts); if they never come it "
        "fails with 1 (OCF_ERR_GENERIC, a soft error) and the reason, not "
        "with 2, a hard error after which Pacemaker never retries the clone "
        "on the node. A symlink or a file planted in "
        "the path below ha_vol_mnt fails start at once (1). Start keeps what "
        "was at state_dir (a directory, or a symlink pointing outside "
        "ha_vol_mnt) as <state_dir>.backup: the link is built at the backup "
        "name and exchanged with state_dir in one step (RENAME_EXCHANGE), so "
        "state_dir never goes missing. Start refuses with 2 (OCF_ERR_ARGS: "
        "an administrator must look at this node) when a backup is already "
        "there next to a directory or such a symlink, or when state_dir is "
        "neither, instead of nesting or overwriting anything. Stop puts the "
        "backup back (an empty directory if there is none), but replaces "
        "only a symlink pointing below ha_vol_mnt; it never touches the "
        "shared storage. Every step of start and stop is one atomic "
        "change, and each run carries on from whatever a killed run left: "
        "a SIGKILL at any point loses nothing. Start and stop are "
        "idempotent. Monitor and probe report running (0) only when "
        "state_dir is a symlink to exactly this node's directory and that "
        "directory is there on the mounted storage; such a link whose "
        "storage is gone (not mounted, directory missing) is a failure (1), "
        "any other state_dir is not running (7).",
    .params = nfsd_params,
    .actions = nfsd_actions,
    .validate = nfsd_validate,
};

/* ---- helpers ----------------------------------------------------------- */

/* Write the exit reason once, here at the edge, and return \p ocf_rc. */
static int nfsd_fail(int ocf_rc, const char *reason)
{
    ocf_exit_reason("%s", reason);
    return ocf_rc;
}

/* Whether path a is b or lies below it. */
static bool path_within(const char *a, const char *b)
{
    size_t n = strlen(b);

    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/*
 * This node's state directory relative to ha_vol_mnt,
 * "nfs-ganesha/<node_dir>/nfs"; node_dir defaults to the node name.
 */
static int nfsd_node_rel(const struct ocf_ctx *ctx, char **ret_rel,
                         char **ret_reason)
{
    const char *node_dir = ocf_param(ctx, "node_dir");
    g_autofree char *node = NULL;

    if (node_dir == NULL || node_dir[0] == '\0') {
        int r = attr_local_node_why(ctx->deadline, &node, ret_reason);

        if (r < 0) {
            return r;
        }
        node_dir = node;
    }
    *ret_rel = g_strconcat("nfs-ganesha/", node_dir, "/nfs", NULL);
    return 0;
}

/* ---- action handlers ------------------------------------------------ */

/* Cross-parameter rule: the link must not point into itself or vice versa. */
static int nfsd_validate(struct ocf_ctx *ctx, bool local)
{
    const char *mnt = ocf_param(ctx, "ha_vol_mnt");
    const char *state_dir = ocf_param(ctx, "state_dir");

    if (mnt != NULL && state_dir != NULL &&
        (path_within(state_dir, mnt) || path_within(mnt, state_dir))) {
        ocf_exit_reason("state_dir %s and ha_vol_mnt %s must not contain "
                        "each other",
                        state_dir, mnt);
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

static int nfsd_start(struct ocf_ctx *ctx)
{
    const char *mnt = ocf_param(ctx, "ha_vol_mnt");
    const char *state_dir = ocf_param(ctx, "state_dir");
    g_autofree char *reason = NULL;
    g_autofree char *rel = NULL;
    int r;

    r = nfsd_node_rel(ctx, &rel, &reason);
    if (r < 0) {
        return ocf_report(r, reason);
    }
    /*
     * Not mounted yet or not created yet: wait within start's timeout. If
     * it never comes, 1 (soft): a failure-timeout brings the clone back
     * here; 2 is a hard error, never retried on this node.
     */
    r = statedir_storage_wait(mnt, rel, ctx->deadline, &reason);
    if (r < 0) {
        return nfsd_fail(OCF_ERR_GENERIC, reason);
    }
    r = statedir_switch(state_dir, mnt, rel, &reason);
    if (r == -EEXIST) {
        /* something in the way that only an administrator can judge */
        return nfsd_fail(OCF_ERR_ARGS, reason);
    }
    if (r < 0) {
        return nfsd_fail(OCF_ERR_GENERIC, reason);
    }
    log_info("%s now points to %s/%s", state_dir, mnt, rel);
    return OCF_SUCCESS;
}

static int nfsd_stop(struct ocf_ctx *ctx)
{
    const char *mnt = ocf_param(ctx, "ha_vol_mnt");
    const char *state_dir = ocf_param(ctx, "state_dir");
    g_autofree char *reason = NULL;
    int r;

    if (!ocf_params_valid(ctx)) {
        /* start refuses these parameters: nothing was switched by them */
        log_warn("invalid parameters: nothing can have been started");
        return OCF_SUCCESS;
    }
    r = statedir_restore(state_dir, mnt, &reason);
    if (r < 0) {
        return nfsd_fail(OCF_ERR_GENERIC, reason);
    }
    return OCF_SUCCESS;
}

static int nfsd_monitor(struct ocf_ctx *ctx)
{
    const char *mnt = ocf_param(ctx, "ha_vol_mnt");
    const char *state_dir = ocf_param(ctx, "state_dir");
    g_autofree char *reason = NULL;
    g_autofree char *rel = NULL;
    int r;

    r = nfsd_node_rel(ctx, &rel, &reason);
    if (r < 0) {
        /* no crm_node (probe under OCF_TESTER_FAIL_HAVE_BINARY): 5 */
        return ocf_report(r, reason);
    }
    r = statedir_check(state_dir, mnt, rel);
    switch (r) {
    case 0:
        break;
    case -ENOENT:
    case -ENOLINK:
        return OCF_NOT_RUNNING;
    case -EXDEV:
        log_warn("%s is a symlink, but not to %s/%s: not running", state_dir,
                 mnt, rel);
        return OCF_NOT_RUNNING;
    default:
        reason =
            g_strdup_printf("cannot check %s: %s", state_dir, g_strerror(-r));
        return nfsd_fail(OCF_ERR_GENERIC, reason);
    }
    /* Linked: a link into storage that is gone is no running resource. */
    r = statedir_mount_check(mnt, &reason);
    if (r == 0) {
        r = statedir_target_check(mnt, rel, &reason);
    }
    if (r < 0) {
        g_autofree char *why = g_strdup_printf(
            "%s points to %s/%s, but the shared storage is not usable: %s",
            state_dir, mnt, rel, reason);

        return nfsd_fail(OCF_ERR_GENERIC, why);
    }
    return OCF_SUCCESS;
}

int main(int argc, char **argv)
{
    return ocf_main(&nfsd_agent, argc, argv);
}
