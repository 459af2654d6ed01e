/*
 * params: form checks for the values of the agents' instance parameters
 * (attribute names, the grace-ack prefix, absolute paths), in the shape of
 * struct ocf_param's check function. Built on attr's name rules.
 */
#ifndef GOCF_PARAMS_H
#define GOCF_PARAMS_H

/*! Longest path accepted by params_check_path(). */
#define PARAMS_PATH_MAX 1024

/*!
 * \brief Check that \p value is an acceptable attribute name
 *        (attr_name_valid()).
 * \return 0, or -EINVAL with *ret_reason set (g_free it)
 */
int params_check_attr_name(const char *value, char **ret_reason);

/*!
 * \brief Check that \p value is an attribute name short enough to be the
 *        prefix of "<value>-<node>": at most ATTR_NAME_MAX - 2 characters.
 * \return 0, or -EINVAL with *ret_reason set (g_free it)
 */
int params_check_ack_prefix(const char *value, char **ret_reason);

/*!
 * \brief Check that \p value is a clean absolute path: starts with '/', at
 *        most PARAMS_PATH_MAX characters, no control character, and no
 *        empty, "." or ".." component (so no "//" and no trailing '/').
 *        "/" itself passes; a caller that must refuse it does so first.
 * \return 0, or -EINVAL with *ret_reason set (g_free it)
 */
int params_check_path(const char *value, char **ret_reason);

#endif
