/*
 * pcmkipc: Pacemaker's own IPC, for the resident watcher's release: the
 * attribute manager (attrd) and the CIB manager, with no tool exec.
 *
 * Pacemaker's client libraries (libcib, libcrmcommon and what they need)
 * are opened with dlopen on first use, so no agent exec loads them: only
 * the resident `ganesha_mon watch` does, once. Every failure here is only
 * "not done": the caller then runs the tool-based procedure, which stays
 * the reference (lib/attr.c).
 *
 * Not thread-safe: one thread (the watcher's main loop) uses it.
 */
#ifndef GOCF_PCMKIPC_H
#define GOCF_PCMKIPC_H

#include <stdbool.h>

/* True if the fast path was built in (configure found Pacemaker's headers). */
bool pcmkipc_available(void);

/*
 * Load the libraries and connect to attrd and to the CIB for \p node (its
 * uuid is looked up once). Connected already: 0 at once. 0 or a negative
 * errno, with *ret_reason set.
 */
int pcmkipc_connect(const char *node, char **ret_reason);

/*
 * The first steps of a release, in order, each one request on a kept
 * connection: delete the transient attributes of \p node whose names start
 * with \p ack_prefix, then \p grace_active (both through attrd, which
 * applies one client's requests in order), then the permanent \p published
 * (if not empty) from the node's entry in the CIB nodes section. A broken
 * connection is re-made once. 0 or a negative errno (*ret_reason set).
 */
int pcmkipc_release(const char *node, const char *ack_prefix,
                    const char *grace_active, const char *published,
                    char **ret_reason);

/*
 * Set \p name=\p value on \p node: a transient attribute through attrd,
 * a permanent one (\p permanent) in the node's CIB entry. 0 or a negative
 * errno (*ret_reason set); the caller falls back to the tools.
 */
int pcmkipc_set(const char *node, const char *name, const char *value,
                bool permanent, char **ret_reason);

/* Drop both connections (the libraries stay loaded). */
void pcmkipc_disconnect(void);

#endif
