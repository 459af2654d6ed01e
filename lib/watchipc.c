/*
 * watchipc: libqb IPC between a ganesha_mon monitor and its watcher. The
 * server side runs libqb's connections on GLib's main loop (a small adapter
 * for qb_ipcs_poll_handlers); the client side connects asynchronously so
 * that a watcher that accepts but never answers cannot hang a monitor.
 */
#include "config.h"

#include "watchipc.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <qb/qbipcc.h>
#include <qb/qbipcs.h>

#include "deadline.h"
#include "log.h"

#define WATCHIPC_MSG_QUERY (QB_IPC_MSG_USER_START + 1)
#define WATCHIPC_MAX_MSG 8192

struct watchipc_request {
    struct qb_ipc_request_header hdr;
    int32_t check_level;
};

struct watchipc_response {
    struct qb_ipc_response_header hdr;
    struct watchipc_status status;
};

char *watchipc_name(const char *state_key)
{
    return g_strdup_printf("gocf-%s", state_key);
}

/* ---- the server: libqb's poll handlers on GLib ------------------------- */

struct watchipc_server {
    qb_ipcs_service_t *service;
    watchipc_query_fn fn;
    void *data;
};

/* One fd libqb asked to be polled. */
struct fd_watch {
    int32_t fd;
    guint source;
    qb_ipcs_dispatch_fn_t fn;
    void *data;
};

/* fd -> struct fd_watch; the main loop is single-threaded */
static GHashTable *fd_watches;

static gboolean fd_ready(gint fd, GIOCondition condition, gpointer user_data)
{
    struct fd_watch *w = user_data;
    int32_t rc = w->fn(fd, (int32_t)condition, w->data);

    if (g_hash_table_lookup(fd_watches, GINT_TO_POINTER(fd)) != w) {
        /* fn deleted or replaced this watch (w is freed): source removed */
        return G_SOURCE_REMOVE;
    }
    if (rc < 0) {
        w->source = 0; /* removed by returning G_SOURCE_REMOVE */
        g_hash_table_remove(fd_watches, GINT_TO_POINTER(fd));
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void fd_watch_free(gpointer p)
{
    struct fd_watch *w = p;

    if (w->source != 0) {
        g_source_remove(w->source);
    }
    g_free(w);
}

static int32_t poll_add(enum qb_loop_priority p, int32_t fd, int32_t events,
                        void *data, qb_ipcs_dispatch_fn_t fn)
{
    struct fd_watch *w = g_new0(struct fd_watch, 1);

    (void)p;
    if (fd_watches == NULL) {
        fd_watches = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                           fd_watch_free);
    }
    w->fd = fd;
    w->fn = fn;
    w->data = data;
    w->source = g_unix_fd_add(fd, (GIOCondition)events, fd_ready, w);
    /* replaces (and so removes) an earlier watch of the same fd */
    g_hash_table_replace(fd_watches, GINT_TO_POINTER(fd), w);
    return 0;
}

static int32_t poll_del(int32_t fd)
{
    if (fd_watches != NULL) {
        g_hash_table_remove(fd_watches, GINT_TO_POINTER(fd));
    }
    return 0;
}

struct job {
    qb_loop_job_dispatch_fn fn;
    void *data;
};

static gboolean job_run(gpointer user_data)
{
    struct job *job = user_data;

    job->fn(job->data);
    return G_SOURCE_REMOVE;
}

static int32_t job_add(enum qb_loop_priority p, void *data,
                       qb_loop_job_dispatch_fn fn)
{
    struct job *job = g_new0(struct job, 1);

    (void)p;
    job->fn = fn;
    job->data = data;
    g_idle_add_full(G_PRIORITY_DEFAULT, job_run, job, g_free);
    return 0;
}

static struct qb_ipcs_poll_handlers poll_handlers = {
    .job_add = job_add,
    .dispatch_add = poll_add,
    .dispatch_mod = poll_add,
    .dispatch_del = poll_del,
};

static int32_t conn_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
    (void)c;
    (void)gid;
    if (uid != 0 && uid != geteuid()) {
        log_warn("watcher: refused a connection from uid %ld", (long)uid);
        return -EACCES;
    }
    return 0;
}

static int32_t msg_process(qb_ipcs_connection_t *c, void *data, size_t size)
{
    struct watchipc_server *server = qb_ipcs_connection_service_context_get(c);
    const struct watchipc_request *req = data;
    struct watchipc_response resp = {
        .hdr = {.id = WATCHIPC_MSG_QUERY, .size = sizeof(resp), .error = 0},
    };

    if (size < sizeof(*req) || req->hdr.id != WATCHIPC_MSG_QUERY) {
        resp.hdr.error = -EPROTO;
    } else {
        server->fn(req->check_level, &resp.status, server->data);
    }
    if (qb_ipcs_response_send(c, &resp, sizeof(resp)) < 0) {
        log_debug("watcher: cannot answer a query");
    }
    return 0;
}

static struct qb_ipcs_service_handlers service_handlers = {
    .connection_accept = conn_accept,
    .msg_process = msg_process,
};

int watchipc_server_start(const char *name, watchipc_query_fn fn, void *data,
                          struct watchipc_server **ret)
{
    struct watchipc_server *server = g_new0(struct watchipc_server, 1);
    int r;

    server->fn = fn;
    server->data = data;
    server->service = qb_ipcs_create(name, 0, QB_IPC_SOCKET, &service_handlers);
    if (server->service == NULL) {
        r = errno > 0 ? -errno : -ENOMEM;
        g_free(server);
        return r;
    }
    qb_ipcs_service_context_set(server->service, server);
    qb_ipcs_poll_handlers_set(server->service, &poll_handlers);
    r = qb_ipcs_run(server->service);
    if (r < 0) {
        qb_ipcs_unref(server->service);
        g_free(server);
        return r;
    }
    *ret = server;
    return 0;
}

void watchipc_server_stop(struct watchipc_server *server)
{
    if (server == NULL) {
        return;
    }
    qb_ipcs_destroy(server->service);
    g_free(server);
}

/* ---- the client --------------------------------------------------------- */

static int poll_in(int fd, int64_t deadline)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r;

    do {
        int64_t left = deadline_left_ms(deadline);

        if (left <= 0) {
            return -ETIMEDOUT;
        }
        r = poll(&pfd, 1, (int)MIN(left, 60000));
    } while ((r < 0 && errno == EINTR) || r == 0);
    return r < 0 ? -errno : 0;
}

int watchipc_query(const char *name, int check_level, int64_t deadline,
                   struct watchipc_status *ret)
{
    struct watchipc_request req = {
        .hdr = {.id = WATCHIPC_MSG_QUERY, .size = sizeof(req)},
        .check_level = check_level,
    };
    struct watchipc_response resp = {0};
    struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
    qb_ipcc_connection_t *c;
    int64_t left;
    ssize_t n;
    int fd = -1;
    int r;

    c = qb_ipcc_connect_async(name, WATCHIPC_MAX_MSG, &fd);
    if (c == NULL) {
        return errno > 0 ? -errno : -ECONNREFUSED;
    }
    r = poll_in(fd, deadline);
    if (r == 0) {
        r = qb_ipcc_connect_continue(c);
    }
    if (r < 0) {
        qb_ipcc_disconnect(c);
        return r;
    }
    left = deadline_left_ms(deadline);
    if (left <= 0) {
        qb_ipcc_disconnect(c);
        return -ETIMEDOUT;
    }
    n = qb_ipcc_sendv_recv(c, &iov, 1, &resp, sizeof(resp),
                           (int32_t)MIN(left, 60000));
    qb_ipcc_disconnect(c);
    if (n == -EAGAIN || n == -ETIMEDOUT) {
        return -ETIMEDOUT;
    }
    if (n < 0) {
        return (int)n;
    }
    if ((size_t)n != sizeof(resp) || resp.hdr.id != WATCHIPC_MSG_QUERY ||
        resp.hdr.error != 0) {
        return -EPROTO;
    }
    *ret = resp.status;
    return 0;
}
