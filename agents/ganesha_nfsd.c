/*
 * ganesha_nfsd: a clone that points the NFS state directory (/var/lib/nfs)
 * at this node's directory on the shared storage while it runs, and gives
 * the local directory back when it stops.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

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
                    "mounted. This node's NFS state lives in "
                    "<ha_vol_mnt>/nfs-ganesha/<node_dir>/nfs.",
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
                    "directory on the shared storage; the local directory is "
                    "kept as <state_dir>.backup and restored on stop.",
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
    {"start",         nfsd_start,   20,     0,       -1},
    {"stop",          nfsd_stop,    20,     0,       -1},
    {"monitor",       nfsd_monitor, 20,     10,      0},
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
        "Start fails with an exit reason (OCF_ERR_ARGS, a local problem: the "
        "cluster may run the other instances) when the shared storage or "
        "this node's directory on it is missing; it moves a real state_dir "
        "to <state_dir>.backup and puts the link in place atomically; it "
        "refuses (with nothing changed) when both a real state_dir and a "
        "leftover backup exist, instead of nesting one in the other. Start "
        "and stop are idempotent; stop puts the backup back (or an empty "
        "directory if there is none). Monitor and probe report running only "
        "when state_dir is a symlink to exactly this node's directory.",
    .params = nfsd_params,
    .actions = nfsd_actions,
    .validate = nfsd_validate,
};

/* ---- helpers ----------------------------------------------------------- */

/*
 * ocf_report(), except that a missing piece of the shared storage is local.
 * \p storage: the failure is about the shared storage or the state
 * directory (not the cluster tools).
 */
static int nfsd_result(int r, bool storage, const char *reason)
{
    int rc = ocf_report(r, reason);

    if (storage && (r == -ENOENT || r == -ENOTDIR)) {
        /*
         * Shared storage, this node's directory or its nfs directory is
         * missing here. OCF 1.1 gives OCF_ERR_ARGS the local meaning ("not
         * valid on this node"): Pacemaker bans only this node and the
         * clone keeps running elsewhere. OCF_ERR_INSTALLED would say the
         * software is missing; OCF_ERR_CONFIGURED would stop the resource
         * everywhere.
         */
        return OCF_ERR_ARGS;
    }
    return rc;
}

/* Whether path a is b or lies below it. */
static bool path_within(const char *a, const char *b)
{
    size_t n = strlen(b);

    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* <ha_vol_mnt>/nfs-ganesha/<node_dir>: node_dir defaults to the node name. */
static int nfsd_node_path(const struct ocf_ctx *ctx, char **ret_path,
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
    *ret_path = g_build_filename(ocf_param(ctx, "ha_vol_mnt"), "nfs-ganesha",
                                 node_dir, NULL);
    return 0;
}

/* A directory that must exist; -errno with a reason naming what it is. */
static int nfsd_need_dir(const char *path, const char *what, char **ret_reason)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        int r = -errno;

        *ret_reason = g_strdup_printf(
            "%s %s %s (%s)", what, path,
            r == -ENOENT ? "is missing" : "cannot be used", g_strerror(-r));
        return r;
    }
    if (!S_ISDIR(st.st_mode)) {
        *ret_reason = g_strdup_printf("%s %s is not a directory", what, path);
        return -ENOTDIR;
    }
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
    g_autofree char *node_path = NULL;
    g_autofree char *target = NULL;
    int r;

    r = nfsd_node_path(ctx, &node_path, &reason);
    if (r < 0) {
        return nfsd_result(r, false, reason);
    }
    r = nfsd_need_dir(mnt, "shared storage", &reason);
    if (r == 0) {
        r = nfsd_need_dir(
            node_path, "this node's directory on the shared storage", &reason);
    }
    if (r == 0) {
        target = g_build_filename(node_path, "nfs", NULL);
        r = nfsd_need_dir(target, "this node's NFS state directory", &reason);
    }
    if (r == 0) {
        r = statedir_switch(state_dir, target, &reason);
    }
    if (r == 0) {
        log_info("%s now points to %s", state_dir, target);
    }
    return nfsd_result(r, true, reason);
}

static int nfsd_stop(struct ocf_ctx *ctx)
{
    const char *state_dir = ocf_param(ctx, "state_dir");
    g_autofree char *reason = NULL;
    int r;

    if (!ocf_params_valid(ctx)) {
        /* start refuses these parameters: nothing was switched by them */
        log_warn("invalid parameters: nothing can have been started");
        return OCF_SUCCESS;
    }
    r = statedir_restore(state_dir, &reason);
    return nfsd_result(r, true, reason);
}

static int nfsd_monitor(struct ocf_ctx *ctx)
{
    const char *state_dir = ocf_param(ctx, "state_dir");
    g_autofree char *reason = NULL;
    g_autofree char *node_path = NULL;
    g_autofree char *target = NULL;
    int r;

    r = nfsd_node_path(ctx, &node_path, &reason);
    if (r < 0) {
        /* no crm_node (probe under OCF_TESTER_FAIL_HAVE_BINARY): 5 */
        return nfsd_result(r, false, reason);
    }
    target = g_build_filename(node_path, "nfs", NULL);
    r = statedir_check(state_dir, target);
    switch (r) {
    case 0:
        return OCF_SUCCESS;
    case -ENOENT:
    case -ENOLINK:
        return OCF_NOT_RUNNING;
    case -EXDEV:
        log_warn("%s is a symlink, but not to %s: not running", state_dir,
                 target);
        return OCF_NOT_RUNNING;
    default:
        reason =
            g_strdup_printf("cannot check %s: %s", state_dir, g_strerror(-r));
        return nfsd_result(r, true, reason);
    }
}

int main(int argc, char **argv)
{
    return ocf_main(&nfsd_agent, argc, argv);
}
