/*
 * pcmkipc: the watcher's release through Pacemaker's own IPC (pcmkipc.h).
 *
 * Why: a tool costs an exec (~28 ms of CPU for crm_attribute here, more in
 * wall time on a busy node) before it even connects; the watcher knows the
 * moment ganesha exits and holds its connections already.
 *
 * libcib and libcrmcommon are opened with dlopen (their sonames found by
 * configure), never linked: linking them would load libxml2, libqb, gnutls
 * and more into every agent exec. The attrd request uses
 * pcmk__attrd_api_delete, which libcrmcommon 2.1 exports (attrd_updater
 * uses it) but does not promise; when a symbol is missing the fast path
 * reports it and the caller does what it always did, with the tools.
 */
#include "config.h"

#include "pcmkipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "attr.h"
#include "log.h"

#ifdef HAVE_PCMKIPC

#include <dlfcn.h>

#include <crm/cib.h>
#include <crm/cib/util.h>
#include <crm/common/ipc.h>
#include <crm/common/ipc_attrd_internal.h>

/*
 * pcmk__node_attr_pattern and pcmk__node_attr_value of Pacemaker 2.1's
 * attrd_internal.h (not installed). An update without the value flag
 * carries no task, which attrd 2.1.5 rejects with an assertion.
 */
#define PCMKIPC_ATTR_PATTERN (1U << 2)
#define PCMKIPC_ATTR_VALUE (1U << 3)
/* seconds for one CIB request */
#define PCMKIPC_CIB_TIMEOUT_S 2

#define PCMK_FUNCTIONS(X)                                                      \
    X(cib_new)                                                                 \
    X(cib_delete)                                                              \
    X(query_node_uuid)                                                         \
    X(pcmk_new_ipc_api)                                                        \
    X(pcmk_connect_ipc)                                                        \
    X(pcmk_disconnect_ipc)                                                     \
    X(pcmk_free_ipc_api)                                                       \
    X(pcmk_ipc_is_connected)                                                   \
    X(pcmk__attrd_api_delete)                                                  \
    X(pcmk__attrd_api_update)                                                  \
    X(update_attr_delegate)                                                    \
    X(pcmk_rc_str)                                                             \
    X(pcmk_strerror)

static struct {
    void *handle;
    bool failed; /* tried: do not try (and log) again */
#define PCMK_MEMBER(name) __typeof__(name) *name;
    PCMK_FUNCTIONS(PCMK_MEMBER)
#undef PCMK_MEMBER
    char **system_name;
    pcmk_ipc_api_t *attrd;
    cib_t *cib;
    char *node; /* the node the uuid below is for */
    char *uuid;
} pk;

static void set_reason(char **ret_reason, char *why)
{
    if (ret_reason != NULL && *ret_reason == NULL) {
        *ret_reason = why;
    } else {
        g_free(why);
    }
}

static int pcmk_load(char **ret_reason)
{
    const char *missing = NULL;
    void *handle;

    if (pk.handle != NULL) {
        return 0;
    }
    if (pk.failed) {
        set_reason(ret_reason, g_strdup("Pacemaker's libraries did not load "
                                        "(logged at the first try)"));
        return -EIO;
    }
    pk.failed = true;
    /* libcrmcommon is libcib's dependency: one handle finds both */
    handle = dlopen(LIBCIB_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();

        set_reason(ret_reason,
                   g_strdup_printf("cannot load %s: %s", LIBCIB_SONAME,
                                   why != NULL ? why : "unknown"));
        return -EIO;
    }
#define PCMK_FIND(name)                                                        \
    if ((pk.name = (__typeof__(name) *)dlsym(handle, #name)) == NULL &&        \
        missing == NULL) {                                                     \
        missing = #name;                                                       \
    }
    PCMK_FUNCTIONS(PCMK_FIND)
#undef PCMK_FIND
    pk.system_name = dlsym(handle, "crm_system_name");
    if (missing == NULL && pk.system_name == NULL) {
        missing = "crm_system_name";
    }
    if (missing != NULL) {
        set_reason(ret_reason,
                   g_strdup_printf("%s (or %s) has no %s", LIBCIB_SONAME,
                                   LIBCRMCOMMON_SONAME, missing));
        dlclose(handle);
        return -EIO;
    }
    /* the name attrd and the CIB manager log for our requests */
    if (*pk.system_name == NULL) {
        *pk.system_name = strdup("ganesha_mon");
    }
    pk.handle = handle;
    pk.failed = false;
    return 0;
}

/* A uuid that is safe inside the XPath's quotes. */
static bool uuid_valid(const char *uuid)
{
    if (uuid == NULL || *uuid == '\0' || strlen(uuid) > 128) {
        return false;
    }
    for (const char *c = uuid; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            return false;
        }
    }
    return true;
}

static void cib_drop(void)
{
    if (pk.cib != NULL) {
        (void)pk.cib->cmds->signoff(pk.cib);
        pk.cib_delete(pk.cib);
        pk.cib = NULL;
    }
}

static void attrd_drop(void)
{
    if (pk.attrd != NULL) {
        pk.pcmk_disconnect_ipc(pk.attrd);
        pk.pcmk_free_ipc_api(pk.attrd);
        pk.attrd = NULL;
    }
}

static int attrd_connect(char **ret_reason)
{
    int rc;

    if (pk.attrd != NULL && pk.pcmk_ipc_is_connected(pk.attrd)) {
        return 0;
    }
    attrd_drop();
    rc = pk.pcmk_new_ipc_api(&pk.attrd, pcmk_ipc_attrd);
    if (rc == 0) {
        rc = pk.pcmk_connect_ipc(pk.attrd, pcmk_ipc_dispatch_sync);
    }
    if (rc != 0) {
        set_reason(ret_reason, g_strdup_printf("cannot connect to attrd: %s",
                                               pk.pcmk_rc_str(rc)));
        attrd_drop();
        return -ENOTCONN;
    }
    return 0;
}

static int cib_connect(const char *node, char **ret_reason)
{
    char *uuid = NULL;
    int is_remote = 0;
    int rc;

    if (pk.cib != NULL && pk.cib->state == cib_connected_command &&
        g_strcmp0(pk.node, node) == 0) {
        return 0;
    }
    cib_drop();
    pk.cib = pk.cib_new();
    if (pk.cib == NULL) {
        set_reason(ret_reason, g_strdup("cannot create a CIB connection"));
        return -ENOMEM;
    }
    pk.cib->call_timeout = PCMKIPC_CIB_TIMEOUT_S;
    rc = pk.cib->cmds->signon(pk.cib, "ganesha_mon", cib_command);
    if (rc != 0) {
        set_reason(ret_reason,
                   g_strdup_printf("cannot connect to the CIB manager: %s",
                                   pk.pcmk_strerror(rc)));
        cib_drop();
        return -ENOTCONN;
    }
    if (g_strcmp0(pk.node, node) != 0) {
        rc = pk.query_node_uuid(pk.cib, node, &uuid, &is_remote);
        if (rc != 0 || !uuid_valid(uuid)) {
            set_reason(ret_reason,
                       g_strdup_printf(
                           "cannot find the CIB id of node %s: %s", node,
                           rc != 0 ? pk.pcmk_strerror(rc) : "not a plain id"));
            free(uuid);
            cib_drop();
            return -ENOENT;
        }
        g_free(pk.node);
        g_free(pk.uuid);
        pk.node = g_strdup(node);
        pk.uuid = g_strdup(uuid);
        free(uuid);
    }
    return 0;
}

bool pcmkipc_available(void)
{
    return true;
}

int pcmkipc_connect(const char *node, char **ret_reason)
{
    int r;

    if (!attr_node_name_valid(node)) {
        set_reason(ret_reason, g_strdup("invalid node name"));
        return -EINVAL;
    }
    r = pcmk_load(ret_reason);
    if (r == 0) {
        r = attrd_connect(ret_reason);
    }
    if (r == 0) {
        r = cib_connect(node, ret_reason);
    }
    return r;
}

/* The attrd part: acks by pattern, then grace_active; 0 or a pcmk rc. */
static int attrd_release(const char *node, const char *ack_regex,
                         const char *grace_active)
{
    int rc = pk.pcmk__attrd_api_delete(pk.attrd, node, ack_regex,
                                       PCMKIPC_ATTR_PATTERN);

    if (rc == 0) {
        rc = pk.pcmk__attrd_api_delete(pk.attrd, node, grace_active, 0);
    }
    return rc;
}

/* The CIB part: the permanent attribute, gone already being success. */
static int cib_release(const char *published)
{
    g_autofree char *xpath = g_strdup_printf(
        "/cib/configuration/nodes/node[@id='%s']/instance_attributes/"
        "nvpair[@name='%s']",
        pk.uuid, published);
    int rc = pk.cib->cmds->remove(pk.cib, xpath, NULL,
                                  cib_xpath | cib_multiple | cib_sync_call);

    return rc == -ENXIO ? 0 : rc;
}

int pcmkipc_release(const char *node, const char *ack_prefix,
                    const char *grace_active, const char *published,
                    char **ret_reason)
{
    g_autofree char *ack_regex = NULL;
    int rc;

    if (!attr_name_valid(ack_prefix) || !attr_name_valid(grace_active) ||
        (published[0] != '\0' && !attr_name_valid(published))) {
        set_reason(ret_reason, g_strdup("invalid attribute name"));
        return -EINVAL;
    }
    rc = pcmkipc_connect(node, ret_reason);
    if (rc < 0) {
        return rc;
    }
    ack_regex = attr_prefix_regex(ack_prefix);
    rc = attrd_release(node, ack_regex, grace_active);
    if (rc != 0) { /* attrd restarted since: once more on a new connection */
        attrd_drop();
        if (attrd_connect(ret_reason) < 0) {
            return -ENOTCONN;
        }
        rc = attrd_release(node, ack_regex, grace_active);
    }
    if (rc != 0) {
        set_reason(ret_reason, g_strdup_printf("attrd refused the delete: %s",
                                               pk.pcmk_rc_str(rc)));
        return -EIO;
    }
    if (published[0] == '\0') {
        return 0;
    }
    rc = cib_release(published);
    if (rc == -ENOTCONN || rc == -EPIPE || rc == -ECONNRESET) {
        cib_drop();
        if (cib_connect(node, ret_reason) < 0) {
            return -ENOTCONN;
        }
        rc = cib_release(published);
    }
    if (rc != 0) {
        set_reason(ret_reason,
                   g_strdup_printf("the CIB refused the delete of %s: %s",
                                   published, pk.pcmk_strerror(rc)));
        return rc == -ETIME || rc == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
    }
    return 0;
}

int pcmkipc_set(const char *node, const char *name, const char *value,
                bool permanent, char **ret_reason)
{
    int rc;

    if (!attr_name_valid(name) || value == NULL) {
        set_reason(ret_reason, g_strdup("invalid attribute name or value"));
        return -EINVAL;
    }
    rc = pcmkipc_connect(node, ret_reason);
    if (rc < 0) {
        return rc;
    }
    if (!permanent) {
        rc = pk.pcmk__attrd_api_update(pk.attrd, node, name, value, NULL, NULL,
                                       NULL, PCMKIPC_ATTR_VALUE);
        if (rc != 0) { /* attrd restarted since: once more */
            attrd_drop();
            if (attrd_connect(ret_reason) < 0) {
                return -ENOTCONN;
            }
            rc = pk.pcmk__attrd_api_update(pk.attrd, node, name, value, NULL,
                                           NULL, NULL, PCMKIPC_ATTR_VALUE);
        }
        if (rc != 0) {
            set_reason(ret_reason,
                       g_strdup_printf("attrd refused %s=%s: %s", name, value,
                                       pk.pcmk_rc_str(rc)));
            return -EIO;
        }
        return 0;
    }
    rc = pk.update_attr_delegate(pk.cib, cib_sync_call, "nodes", pk.uuid, NULL,
                                 NULL, NULL, name, value, FALSE, NULL, NULL);
    if (rc != 0) {
        set_reason(ret_reason,
                   g_strdup_printf("the CIB refused %s=%s: %s", name, value,
                                   pk.pcmk_strerror(rc)));
        return rc == -ETIME || rc == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
    }
    return 0;
}

void pcmkipc_disconnect(void)
{
    if (pk.handle != NULL) {
        attrd_drop();
        cib_drop();
    }
}

#else /* !HAVE_PCMKIPC */

bool pcmkipc_available(void)
{
    return false;
}

int pcmkipc_connect(const char *node, char **ret_reason)
{
    (void)node;
    if (ret_reason != NULL && *ret_reason == NULL) {
        *ret_reason = g_strdup("built without Pacemaker's headers");
    }
    return -ENOTSUP;
}

int pcmkipc_release(const char *node, const char *ack_prefix,
                    const char *grace_active, const char *published,
                    char **ret_reason)
{
    (void)ack_prefix;
    (void)grace_active;
    (void)published;
    return pcmkipc_connect(node, ret_reason);
}

int pcmkipc_set(const char *node, const char *name, const char *value,
                bool permanent, char **ret_reason)
{
    (void)name;
    (void)value;
    (void)permanent;
    return pcmkipc_connect(node, ret_reason);
}

void pcmkipc_disconnect(void)
{
}

#endif
