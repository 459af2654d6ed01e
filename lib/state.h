/*
 * state: small agent state files under HA_RSCTMP (default
 * /run/resource-agents), written atomically (temporary file + rename) under a
 * per-key lock, read without following links and without blocking on what is
 * not a file.
 */
#ifndef GOCF_STATE_H
#define GOCF_STATE_H

#include <glib.h>
#include <stdint.h>

#include "result.h"

/*!
 * \brief Directory for state files: $HA_RSCTMP, else /run/resource-agents.
 * \return a static string (from the environment or the default)
 */
const char *state_dir(void);

/*!
 * \brief Whether \p key is a usable state-file name: 1-200 characters of
 *        [A-Za-z0-9._:-], not starting with '.'.
 */
gboolean state_key_valid(const char *key);

/*!
 * \brief The state-file key of one resource instance: "<agent>-<instance>"
 *        with every character outside [A-Za-z0-9._:-] replaced by '_'; a
 *        key longer than 180 characters is cut to 170 and a hash of the
 *        whole appended, so it stays unique and state_key_valid() accepts it.
 * \return newly allocated string (g_free it)
 */
char *state_key_for(const char *agent, const char *instance);

/*!
 * \brief Read state file \p key as a GKeyFile (group "state").
 *
 * Never blocks: a FIFO, socket, device or directory at the path is found by
 * its type, not by reading it. Every failure but -ENOENT is a local problem
 * of this node: \p res gets OCF_ERR_GENERIC and a reason naming the path and
 * what is wrong with it.
 *
 * \param[in]  key        file name under state_dir()
 * \param[out] ret_kf     the parsed file (free with g_key_file_unref())
 * \param[out] ret_age_s  seconds since the file was last written, or NULL
 * \param[out] res        the OCF class and reason of a failure, or NULL
 * \return 0, -ENOENT if there is no such file (\p res untouched), -ELOOP for
 *         a link, -EINVAL for a bad key, unparsable content or not a small
 *         regular file, or another negative errno
 */
int state_load(const char *key, GKeyFile **ret_kf, int64_t *ret_age_s,
               struct result *res);

/*! \brief state_load() without the result. */
int state_read(const char *key, GKeyFile **ret_kf, int64_t *ret_age_s);

/*!
 * \brief Write \p kf as state file \p key, atomically (creating state_dir()),
 *        under the key's lock (taken for the call unless held already).
 *
 * The content goes to an unnamed O_TMPFILE, linked under a temporary name
 * only for the rename; temporaries a killed writer left are removed under
 * the lock, so none survives the next write or remove.
 */
int state_write(const char *key, GKeyFile *kf);

/*!
 * \brief Remove state file \p key (and stale temporaries) under its lock;
 *        a missing file is success.
 */
int state_remove(const char *key);

/*!
 * \brief Take the exclusive lock of state file \p key for a
 *        read-modify-write: an OFD lock on "<state_dir>/.<key>.lock",
 *        polled until \p deadline. Held until state_unlock() or the
 *        process exits (the kernel drops it with the descriptor), so a
 *        killed action never leaves it taken. Taking a held lock again is a
 *        no-op.
 * \return 0, -ETIMEDOUT if another action held it until \p deadline
 *         (\p res says so), or another negative errno
 */
int state_lock(const char *key, int64_t deadline, struct result *res);

/*! \brief Release the lock of \p key taken by state_lock(); NULL-safe. */
void state_unlock(const char *key);

/*! \brief Whether state file \p key exists. */
gboolean state_exists(const char *key);

/*!
 * \brief Mark a pseudo-resource started: state file \p key with
 *        "[state] started=true" (ganesha_handoff, ganesha_smnotify: their
 *        monitor is state_exists(), their stop state_remove()).
 * \param[out] ret_reason  on failure, why (g_free it)
 * \return 0 or a negative errno
 */
int state_mark_started(const char *key, char **ret_reason);

#endif
