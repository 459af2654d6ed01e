/*
 * watchipc: one question and one answer between a ganesha_mon monitor and
 * its watcher, over a SOCK_SEQPACKET socket in the abstract namespace (so
 * per network namespace: one per sandbox node, as one per real node).
 *
 * Not libqb IPC: a libqb client loads libqb and, through it, libsystemd with
 * libgcrypt, liblzma, libzstd, liblz4 and libcap into every monitor, which
 * tripled what a steady monitor costs (doc/benchmarks.md, "Per-exec cost").
 * A connection carries one fixed-size request and one fixed-size answer; the
 * peer's credentials come from the kernel (SO_PEERCRED).
 */
#include "config.h"

#include "watchipc.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "deadline.h"
#include "log.h"

#define WATCHIPC_MAGIC 0x676f6366u /* "gocf" */
#define WATCHIPC_VERSION 1

struct watchipc_request {
    uint32_t magic;
    uint32_t version;
    int32_t check_level;
};

struct watchipc_response {
    uint32_t magic;
    uint32_t version;
    struct watchipc_status status;
};

char *watchipc_name(const char *state_key)
{
    /* sun_path holds 107 bytes after the leading NUL: a long instance name
     * keeps its start and a hash of the whole */
    if (strlen(state_key) > 90) {
        return g_strdup_printf("gocf/%.60s-%08x", state_key,
                               g_str_hash(state_key));
    }
    return g_strdup_printf("gocf/%s", state_key);
}

/*
 * A non-blocking SOCK_SEQPACKET socket bound (\p serve: and listening) or
 * connected to the abstract address of \p name (a leading NUL, no
 * terminating one). Returns the fd or a negative errno.
 */
static int open_socket(const char *name, bool serve)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    socklen_t addr_len;
    int fd;
    int r;

    if (len == 0 || len + 1 > sizeof(addr.sun_path)) {
        return -ENAMETOOLONG;
    }
    memcpy(addr.sun_path + 1, name, len);
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (serve) {
        r = bind(fd, (struct sockaddr *)&addr, addr_len) < 0 ||
                    listen(fd, 16) < 0
                ? -errno
                : 0;
    } else {
        /* a full backlog (a watcher that stopped accepting) is EAGAIN, not
         * a wait: no answer in time either way */
        r = connect(fd, (struct sockaddr *)&addr, addr_len) < 0
                ? (errno == EAGAIN ? -ETIMEDOUT : -errno)
                : 0;
    }
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

/* ---- the server: one answer per connection, on GLib's main loop -------- */

struct watchipc_server {
    int fd;
    guint source;
    watchipc_query_fn fn;
    void *data;
};

/* Answer one connection without ever blocking the loop for long. */
static void serve_one(struct watchipc_server *server, int conn)
{
    struct watchipc_request req = {0};
    struct watchipc_response resp = {.magic = WATCHIPC_MAGIC,
                                     .version = WATCHIPC_VERSION};
    struct pollfd pfd = {.fd = conn, .events = POLLIN};
    struct ucred cred = {0};
    socklen_t cred_len = sizeof(cred);
    ssize_t n;

    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 ||
        (cred.uid != 0 && cred.uid != geteuid())) {
        log_warn("watcher: refused a query from uid %ld", (long)cred.uid);
        return;
    }
    /* a client sends its request right after connecting */
    if (poll(&pfd, 1, 1000) <= 0) {
        return;
    }
    n = recv(conn, &req, sizeof(req), MSG_DONTWAIT);
    if (n != (ssize_t)sizeof(req) || req.magic != WATCHIPC_MAGIC ||
        req.version != WATCHIPC_VERSION) {
        log_debug("watcher: ignored a malformed query");
        return;
    }
    server->fn(req.check_level, &resp.status, server->data);
    if (send(conn, &resp, sizeof(resp), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        log_debug("watcher: cannot answer a query: %s", g_strerror(errno));
    }
}

static gboolean server_ready(gint fd, GIOCondition cond, gpointer data)
{
    (void)cond;
    for (;;) {
        int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

        if (conn < 0) {
            break; /* EAGAIN: all served */
        }
        serve_one(data, conn);
        close(conn);
    }
    return G_SOURCE_CONTINUE;
}

int watchipc_server_start(const char *name, watchipc_query_fn fn, void *data,
                          struct watchipc_server **ret)
{
    struct watchipc_server *server;
    int fd = open_socket(name, true);

    if (fd < 0) {
        return fd;
    }
    server = g_new0(struct watchipc_server, 1);
    server->fd = fd;
    server->fn = fn;
    server->data = data;
    server->source = g_unix_fd_add(fd, G_IO_IN, server_ready, server);
    *ret = server;
    return 0;
}

void watchipc_server_stop(struct watchipc_server *server)
{
    if (server == NULL) {
        return;
    }
    g_source_remove(server->source);
    close(server->fd);
    g_free(server);
}

/* ---- the client --------------------------------------------------------- */

static int wait_for(int fd, short events, int64_t deadline)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    int r;

    for (;;) {
        int64_t left = deadline_left_ms(deadline);

        if (left <= 0) {
            return -ETIMEDOUT;
        }
        r = poll(&pfd, 1, (int)MIN(left, 60000));
        if (r > 0) {
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            return -errno;
        }
    }
}

int watchipc_query(const char *name, int check_level, int64_t deadline,
                   struct watchipc_status *ret)
{
    struct watchipc_request req = {.magic = WATCHIPC_MAGIC,
                                   .version = WATCHIPC_VERSION,
                                   .check_level = check_level};
    struct watchipc_response resp = {0};
    ssize_t n;
    int fd = open_socket(name, false);
    int r;

    if (fd < 0) {
        return fd;
    }
    if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
        r = -errno;
        close(fd);
        return r < 0 ? r : -EIO;
    }
    r = wait_for(fd, POLLIN, deadline);
    if (r == 0) {
        n = recv(fd, &resp, sizeof(resp), MSG_DONTWAIT);
        if (n < 0) {
            r = -errno;
        } else if (n == 0) {
            r = -ECONNRESET; /* closed without an answer (refused) */
        } else if (n != (ssize_t)sizeof(resp) || resp.magic != WATCHIPC_MAGIC ||
                   resp.version != WATCHIPC_VERSION) {
            r = -EPROTO;
        }
    }
    close(fd);
    if (r == 0) {
        *ret = resp.status;
    }
    return r;
}
