/*
 * cpgipc: the watchers' Corosync process group (cpgipc.h).
 */
#include "config.h"

#include "cpgipc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"
#include "peerhint.h"

#ifdef HAVE_CPGIPC

#include <dlfcn.h>

#include <corosync/cpg.h>

/* CS_ERR_TRY_AGAIN: retried this often, this far apart */
#define CPGIPC_TRIES 20
#define CPGIPC_RETRY_MS 5

#define CPG_FUNCTIONS(X)                                                       \
    X(cpg_initialize)                                                          \
    X(cpg_finalize)                                                            \
    X(cpg_fd_get)                                                              \
    X(cpg_context_set)                                                         \
    X(cpg_context_get)                                                         \
    X(cpg_dispatch)                                                            \
    X(cpg_join)                                                                \
    X(cpg_mcast_joined)                                                        \
    X(cpg_local_get)

static struct {
    void *handle;
    bool failed;
#define CPG_MEMBER(name) __typeof__(name) *name;
    CPG_FUNCTIONS(CPG_MEMBER)
#undef CPG_MEMBER
} cs;

struct cpgipc {
    cpg_handle_t handle;
    int fd;
    uint32_t nodeid;
    uint32_t pid;
    char *node;
    GHashTable *names; /* nodeid -> node name, from "here" messages */
    cpgipc_event_fn event;
    void *data;
};

static int cpg_load(char **ret_reason)
{
    const char *missing = NULL;
    void *handle;

    if (cs.handle != NULL) {
        return 0;
    }
    if (cs.failed) {
        *ret_reason = g_strdup("libcpg did not load (logged at the first try)");
        return -EIO;
    }
    cs.failed = true;
    handle = dlopen(LIBCPG_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();

        *ret_reason = g_strdup_printf("cannot load %s: %s", LIBCPG_SONAME,
                                      why != NULL ? why : "unknown");
        return -EIO;
    }
#define CPG_FIND(name)                                                         \
    if ((cs.name = (__typeof__(name) *)dlsym(handle, #name)) == NULL &&        \
        missing == NULL) {                                                     \
        missing = #name;                                                       \
    }
    CPG_FUNCTIONS(CPG_FIND)
#undef CPG_FIND
    if (missing != NULL) {
        *ret_reason = g_strdup_printf("%s has no %s", LIBCPG_SONAME, missing);
        dlclose(handle);
        return -EIO;
    }
    cs.handle = handle;
    cs.failed = false;
    return 0;
}

static void retry_sleep(void)
{
    struct timespec ts = {0, CPGIPC_RETRY_MS * 1000000L};

    nanosleep(&ts, NULL);
}

static int mcast(struct cpgipc *g, enum peerhint_kind kind, char **ret_reason)
{
    size_t len = 0;
    g_autofree char *msg = peerhint_format(kind, g->node, &len);
    struct iovec iov;
    cs_error_t rc = CS_ERR_TRY_AGAIN;

    if (msg == NULL) {
        *ret_reason = g_strdup("invalid node name");
        return -EINVAL;
    }
    iov = (struct iovec){.iov_base = msg, .iov_len = len};
    for (int i = 0; i < CPGIPC_TRIES && rc == CS_ERR_TRY_AGAIN; i++) {
        if (i > 0) {
            retry_sleep();
        }
        rc = cs.cpg_mcast_joined(g->handle, CPG_TYPE_AGREED, &iov, 1);
    }
    if (rc != CS_OK) {
        *ret_reason = g_strdup_printf("cpg_mcast_joined: error %d", (int)rc);
        return -EIO;
    }
    return 0;
}

static struct cpgipc *from_handle(cpg_handle_t handle)
{
    void *ctx = NULL;

    if (cs.cpg_context_get(handle, &ctx) != CS_OK) {
        return NULL;
    }
    return ctx;
}

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group,
                       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
    struct cpgipc *g = from_handle(handle);
    g_autofree char *node = NULL;
    enum peerhint_kind kind;
    const char *known;
    int r;

    (void)group;
    if (g == NULL || (nodeid == g->nodeid && pid == g->pid)) {
        return; /* our own, delivered back */
    }
    r = peerhint_parse(msg, len, &kind, &node);
    if (r < 0) {
        log_warn("watcher: ignoring a %s message from node id %u in group "
                 "%s (%zu bytes)",
                 r == -EPROTO ? "newer" : "malformed", nodeid, PEERHINT_GROUP,
                 len);
        return;
    }
    if (kind == PEERHINT_HERE) {
        g_hash_table_replace(g->names, GUINT_TO_POINTER(nodeid),
                             g_steal_pointer(&node));
        return;
    }
    /* up and down: a node speaks for itself only */
    known = g_hash_table_lookup(g->names, GUINT_TO_POINTER(nodeid));
    if (known != NULL && strcmp(known, node) != 0) {
        log_warn("watcher: node id %u (%s) spoke for %s: ignored", nodeid,
                 known, node);
        return;
    }
    if (strcmp(node, g->node) == 0) {
        return;
    }
    if (kind == PEERHINT_UP) {
        g->event(node, true, "serves", g->data);
    } else {
        g->event(node, false, "its ganesha exited", g->data);
    }
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined)
{
    struct cpgipc *g = from_handle(handle);
    g_autofree char *why = NULL;

    (void)group;
    (void)members;
    (void)n_members;
    if (g == NULL) {
        return;
    }
    for (size_t i = 0; i < n_left; i++) {
        const char *node =
            g_hash_table_lookup(g->names, GUINT_TO_POINTER(left[i].nodeid));

        if (left[i].reason != CPG_REASON_NODEDOWN) {
            continue; /* a watcher that stopped: its node is still there */
        }
        if (node == NULL) {
            log_info("watcher: node id %u left the membership (its name "
                     "was never announced)",
                     left[i].nodeid);
            continue;
        }
        if (strcmp(node, g->node) != 0) {
            g->event(node, false, "left the membership", g->data);
        }
    }
    /* newcomers learn our name; a rejoined node may have a new one */
    if (n_joined > 0 && mcast(g, PEERHINT_HERE, &why) < 0) {
        log_warn("watcher: cannot announce %s to group %s: %s", g->node,
                 PEERHINT_GROUP, why);
    }
    for (size_t i = 0; i < n_joined; i++) {
        if (joined[i].nodeid != g->nodeid) {
            g_hash_table_remove(g->names, GUINT_TO_POINTER(joined[i].nodeid));
        }
    }
}

bool cpgipc_available(void)
{
    return true;
}

int cpgipc_open(const char *node, cpgipc_event_fn event, void *data,
                struct cpgipc **ret, char **ret_reason)
{
    cpg_callbacks_t callbacks = {.cpg_deliver_fn = on_deliver,
                                 .cpg_confchg_fn = on_confchg};
    struct cpg_name name = {.length = sizeof(PEERHINT_GROUP) - 1};
    struct cpgipc *g;
    cs_error_t rc;
    int r;

    r = cpg_load(ret_reason);
    if (r < 0) {
        return r;
    }
    g = g_new0(struct cpgipc, 1);
    g->fd = -1;
    g->node = g_strdup(node);
    g->names = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    g->event = event;
    g->data = data;
    rc = cs.cpg_initialize(&g->handle, &callbacks);
    if (rc != CS_OK) {
        *ret_reason =
            g_strdup_printf("cannot connect to Corosync's CPG: error %d", rc);
        g_hash_table_unref(g->names);
        g_free(g->node);
        g_free(g);
        return -ENOTCONN;
    }
    memcpy(name.value, PEERHINT_GROUP, name.length);
    rc = cs.cpg_context_set(g->handle, g);
    if (rc == CS_OK) {
        rc = cs.cpg_fd_get(g->handle, &g->fd);
    }
    if (rc == CS_OK) {
        rc = cs.cpg_local_get(g->handle, &g->nodeid);
    }
    g->pid = (uint32_t)getpid();
    for (int i = 0; rc == CS_OK || rc == CS_ERR_TRY_AGAIN; i++) {
        if (i == CPGIPC_TRIES) {
            break;
        }
        if (i > 0) {
            retry_sleep();
        }
        rc = cs.cpg_join(g->handle, &name);
        if (rc == CS_OK) {
            break;
        }
    }
    if (rc != CS_OK) {
        *ret_reason = g_strdup_printf("cannot join CPG group %s: error %d",
                                      PEERHINT_GROUP, rc);
        cpgipc_close(g);
        return -ENOTCONN;
    }
    /* our own join comes back as a confchg, which announces our name */
    *ret = g;
    return 0;
}

int cpgipc_fd(const struct cpgipc *g)
{
    return g->fd;
}

int cpgipc_dispatch(struct cpgipc *g, char **ret_reason)
{
    cs_error_t rc = cs.cpg_dispatch(g->handle, CS_DISPATCH_ALL);

    if (rc != CS_OK && rc != CS_ERR_TRY_AGAIN) {
        *ret_reason = g_strdup_printf("cpg_dispatch: error %d", rc);
        return -ENOTCONN;
    }
    return 0;
}

int cpgipc_send(struct cpgipc *g, bool up, char **ret_reason)
{
    return mcast(g, up ? PEERHINT_UP : PEERHINT_DOWN, ret_reason);
}

void cpgipc_close(struct cpgipc *g)
{
    if (g == NULL) {
        return;
    }
    (void)cs.cpg_finalize(g->handle); /* leaves the group */
    g_hash_table_unref(g->names);
    g_free(g->node);
    g_free(g);
}

#else /* !HAVE_CPGIPC */

bool cpgipc_available(void)
{
    return false;
}

int cpgipc_open(const char *node, cpgipc_event_fn event, void *data,
                struct cpgipc **ret, char **ret_reason)
{
    (void)node;
    (void)event;
    (void)data;
    (void)ret;
    *ret_reason = g_strdup("built without Corosync's cpg.h");
    return -ENOTSUP;
}

int cpgipc_fd(const struct cpgipc *g)
{
    (void)g;
    return -1;
}

int cpgipc_dispatch(struct cpgipc *g, char **ret_reason)
{
    (void)g;
    *ret_reason = g_strdup("built without Corosync's cpg.h");
    return -ENOTSUP;
}

int cpgipc_send(struct cpgipc *g, bool up, char **ret_reason)
{
    (void)g;
    (void)up;
    *ret_reason = g_strdup("built without Corosync's cpg.h");
    return -ENOTSUP;
}

void cpgipc_close(struct cpgipc *g)
{
    (void)g;
}

#endif
