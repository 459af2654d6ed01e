/*
 * peerhint: what the resident watchers of a cluster tell each other through
 * their Corosync process group (lib/cpgipc.h), and the record a survivor
 * keeps of a takeover it did on such a hint.
 *
 * A hint is only ever a reason to enter grace earlier: every survivor still
 * takes the failed node over in ganesha_grace's post-stop notification,
 * confirms it and acks it, and nothing moves a VIP on a hint.
 *
 * Messages are one line of text, "ganesha-ocf/1 <kind> <node>":
 *   here <node>  the sender's node name (its nodeid comes with the message)
 *   up <node>    ganesha on <node> serves (published): a later failure of
 *                it is a new one
 *   down <node>  ganesha on <node> exited, its release has begun
 */
#ifndef GOCF_PEERHINT_H
#define GOCF_PEERHINT_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "daemon.h"

/*! The Corosync process group of the watchers. */
#define PEERHINT_GROUP "ganesha-ocf"
/*! Longest message accepted. */
#define PEERHINT_MSG_MAX 512

enum peerhint_kind {
    PEERHINT_HERE = 1,
    PEERHINT_DOWN = 2,
    PEERHINT_UP = 3,
};

/*!
 * \brief The message for \p kind and \p node (a valid node name).
 * \param[out] ret_len  its length (no NUL is sent)
 * \return the message (g_free it), or NULL for an invalid node name
 */
char *peerhint_format(enum peerhint_kind kind, const char *node,
                      size_t *ret_len);

/*!
 * \brief Parse a received message (untrusted: any bytes, any length).
 * \param[out] ret_node  the node name (g_free it), set only on success
 * \return 0, -EPROTO (another version), or -EINVAL (malformed)
 */
int peerhint_parse(const void *msg, size_t len, enum peerhint_kind *ret_kind,
                   char **ret_node);

/*!
 * \brief How long a takeover record counts (ganesha_grace's post-stop
 *        skips its own grace call within it; doc/design.md).
 */
#define PEERHINT_TAKEOVER_VALID_S 60

/*!
 * \brief The record's state file key for \p node (lib/state, under
 *        state_dir()): ganesha-ocf-takeover-<node>.
 * \return the key (g_free it), or NULL for an invalid node name
 */
char *peerhint_takeover_key(const char *node);

/*!
 * \brief Record that the local ganesha \p ganesha entered grace and loaded
 *        \p node's clients (grace "5:<node>") now: a state file (atomic,
 *        under its lock), when in CLOCK_BOOTTIME milliseconds.
 * \return 0 or a negative errno
 */
int peerhint_takeover_record(const char *node, const struct daemon_id *ganesha);

/*!
 * \brief The fields of a record as state_read() loaded it (untrusted).
 * \param[out] ret_ganesha  the ganesha it was made for
 * \param[out] ret_at_ms    when, in CLOCK_BOOTTIME milliseconds
 * \return 0 or -EINVAL
 */
int peerhint_takeover_parse(GKeyFile *kf, struct daemon_id *ret_ganesha,
                            int64_t *ret_at_ms);

/*!
 * \brief Take (read and remove) the record for \p node. A record that cannot
 *        be read (not a small regular file, unparsable) is removed too.
 * \param[out] ret_age_ms  its age, set when it counts
 * \return 1 if it counts: the ganesha it was made for still runs (same pid,
 *         same start time) and it is less than PEERHINT_TAKEOVER_VALID_S
 *         old; 0 if there is none or it does not count; or a negative
 *         errno (-EINVAL: invalid node name; else it could not be removed)
 */
int peerhint_takeover_take(const char *node, int64_t *ret_age_ms);

#endif
