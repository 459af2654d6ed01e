/*
 * watchipc: the question a ganesha_mon monitor asks its resident watcher,
 * over a local socket in the abstract namespace (one per network namespace,
 * so per node), and the watcher's side of it, run by the GLib main loop.
 */
#ifndef GOCF_WATCHIPC_H
#define GOCF_WATCHIPC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*! What the watcher tells a monitor. */
struct watchipc_status {
    int32_t alive;       /*!< ganesha.nfsd found alive at the last check */
    int32_t published;   /*!< the attributes are set (alive, not released) */
    int32_t released;    /*!< the node was released */
    int32_t unanswered;  /*!< consecutive D-Bus probes without answer */
    int32_t check_level; /*!< the OCF_CHECK_LEVEL the watcher works at */
    int32_t ganesha_pid; /*!< the watched process, 0 if none */
    int64_t asserted;    /*!< unix seconds of the last re-assert */
};

/*!
 * The watcher's answer to a query. \p check_level is the asking monitor's
 * OCF_CHECK_LEVEL; fill \p out.
 */
typedef void (*watchipc_query_fn)(int check_level, struct watchipc_status *out,
                                  void *data);

struct watchipc_server;

/*!
 * \brief The socket name of an instance: "gocf/" + its state key (a long
 *        key shortened, with a hash of the whole).
 * \return newly allocated string
 */
char *watchipc_name(const char *state_key);

/*!
 * \brief Serve queries on the default GMainContext.
 *
 * Only root (or this process's own user) is answered (SO_PEERCRED). A
 * second server with the same name fails with -EADDRINUSE: one watcher per
 * instance and node.
 *
 * \return 0 with *ret set, or a negative errno
 */
int watchipc_server_start(const char *name, watchipc_query_fn fn, void *data,
                          struct watchipc_server **ret);

/*! \brief Stop serving and free \p server (NULL is fine). */
void watchipc_server_stop(struct watchipc_server *server);

/*!
 * \brief Ask the watcher \p name for its status, everything (connect
 *        included) bounded by \p deadline.
 * \return 0, -ECONNREFUSED (no watcher), -ETIMEDOUT (no answer in time),
 *         -ECONNRESET (refused), -EPROTO (a malformed answer), or another
 *         negative errno
 */
int watchipc_query(const char *name, int check_level, int64_t deadline,
                   struct watchipc_status *ret);

#endif
