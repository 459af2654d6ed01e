/*
 * state: small agent state files under HA_RSCTMP (default /run/resource-agents),
 * written atomically (temporary file + rename), read without following links.
 */
#ifndef GOCF_STATE_H
#define GOCF_STATE_H

#include <glib.h>
#include <stdint.h>

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
 * \param[in]  key        file name under state_dir()
 * \param[out] ret_kf     the parsed file (free with g_key_file_unref())
 * \param[out] ret_age_s  seconds since the file was last written, or NULL
 * \return 0, -ENOENT if there is no such file, -EINVAL for a bad key or
 *         unparsable content, or another negative errno
 */
int state_read(const char *key, GKeyFile **ret_kf, int64_t *ret_age_s);

/*!
 * \brief Write \p kf as state file \p key, atomically (creating state_dir()).
 */
int state_write(const char *key, GKeyFile *kf);

/*!
 * \brief Remove state file \p key; a missing file is success.
 */
int state_remove(const char *key);

/*! \brief Whether state file \p key exists. */
gboolean state_exists(const char *key);

#endif
