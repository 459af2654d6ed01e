/*
 * cpgipc: the resident watchers' Corosync process group (CPG), through
 * which a node's watcher tells the others, at once, that its ganesha exited
 * (peerhint.h), and which tells every member at once that a node left the
 * membership. Both reach the survivors before Pacemaker's notification:
 * they enter grace earlier, and the notification then finds them in it.
 *
 * libcpg is opened with dlopen on first use (its soname found by
 * configure), like Pacemaker's libraries in pcmkipc.c: no agent exec loads
 * it. Every failure only means "no early hint": the notification path is
 * the reference and needs none of this.
 *
 * Not thread-safe: one thread (the watcher's group thread) makes every call.
 */
#ifndef GOCF_CPGIPC_H
#define GOCF_CPGIPC_H

#include <stdbool.h>

/* True if built with Corosync's cpg.h. */
bool cpgipc_available(void);

/*
 * Called for a node that is gone (\p up false): \p why is "its ganesha
 * exited" (its watcher said so) or "left the membership" (Corosync said
 * so); and for a node whose ganesha serves again (\p up true, \p why
 * "serves"): a later failure of it is a new one.
 */
typedef void (*cpgipc_event_fn)(const char *node, bool up, const char *why,
                                void *data);

struct cpgipc;

/*
 * Join the group as \p node (announced to the other members, which learn
 * the name of each nodeid that way). 0 or a negative errno (*ret_reason
 * set).
 */
int cpgipc_open(const char *node, cpgipc_event_fn event, void *data,
                struct cpgipc **ret, char **ret_reason);

/* The descriptor to poll for input; cpgipc_dispatch() when readable. */
int cpgipc_fd(const struct cpgipc *g);

/*
 * Deliver what arrived (callbacks run from here). A negative errno means
 * the connection is gone (Corosync stopped): cpgipc_close() it.
 */
int cpgipc_dispatch(struct cpgipc *g, char **ret_reason);

/*
 * Tell the group that this node's ganesha serves (\p up) or exited. 0 or a
 * negative errno.
 */
int cpgipc_send(struct cpgipc *g, bool up, char **ret_reason);

void cpgipc_close(struct cpgipc *g);

#endif
