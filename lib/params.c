/*
 * params: what a well-formed parameter value looks like. Form only: these
 * checks never look at the local system, so validate-all gives the same
 * answer on every node.
 */
#include "config.h"

#include "params.h"

#include "attr.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

int params_check_attr_name(const char *value, char **ret_reason)
{
    if (!attr_name_valid(value)) {
        *ret_reason = g_strdup_printf(
            "'%s' is not a valid attribute name (1-%d characters of "
            "[A-Za-z0-9._-], starting with a letter)",
            value, ATTR_NAME_MAX);
        return -EINVAL;
    }
    return 0;
}

int params_check_ack_prefix(const char *value, char **ret_reason)
{
    if (params_check_attr_name(value, ret_reason) < 0) {
        return -EINVAL;
    }
    /* room for "-<node>", a node name of at least one character */
    if (strlen(value) > ATTR_NAME_MAX - 2) {
        *ret_reason = g_strdup_printf(
            "the prefix is too long: at most %d characters leave room for "
            "\"-<node>\"",
            ATTR_NAME_MAX - 2);
        return -EINVAL;
    }
    return 0;
}

int params_check_path(const char *value, char **ret_reason)
{
    g_auto(GStrv) parts = NULL;

    if (value[0] != '/') {
        *ret_reason = g_strdup("must be an absolute path");
        return -EINVAL;
    }
    if (strlen(value) > PARAMS_PATH_MAX) {
        *ret_reason =
            g_strdup_printf("longer than %d characters", PARAMS_PATH_MAX);
        return -EINVAL;
    }
    for (const char *p = value; *p != '\0'; p++) {
        if (g_ascii_iscntrl(*p)) {
            *ret_reason = g_strdup("contains a control character");
            return -EINVAL;
        }
    }
    /* "/" splits into nothing: no component to refuse */
    parts = g_strsplit(value + 1, "/", -1);
    for (char **part = parts; *part != NULL; part++) {
        if (**part == '\0' || strcmp(*part, ".") == 0 ||
            strcmp(*part, "..") == 0) {
            *ret_reason =
                g_strdup("must be a normalised path (no empty, '.' or '..' "
                         "components, no trailing '/')");
            return -EINVAL;
        }
    }
    return 0;
}
