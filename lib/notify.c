/*
 * notify: splits and checks the node lists of clone notifications; the
 * values come from the environment and are checked name by name.
 */
#include "config.h"

#include "notify.h"

#include <string.h>

#include "attr.h"
#include "log.h"

/* Characters of a malformed name shown in the log and the exit reason. */
#define NOTIFY_SHOWN_MAX 48

static bool names_have(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++) {
        if (strcmp(g_ptr_array_index(names, i), name) == 0) {
            return true;
        }
    }
    return false;
}

GPtrArray *notify_node_names(const char *list, const char *local, guint max,
                             GPtrArray *failures)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) words = NULL;
    unsigned over = 0;

    if (list == NULL) {
        return names;
    }
    words = g_strsplit_set(list, " \t\n\r\v\f", -1);
    for (char **w = words; *w != NULL; w++) {
        if (**w == '\0') {
            continue;
        }
        if (!attr_node_name_valid(*w)) {
            g_autofree char *cut = g_strndup(*w, NOTIFY_SHOWN_MAX);
            g_autofree char *shown = g_strescape(cut, NULL);
            g_autofree char *quoted = g_strdup_printf(
                "\"%s\"%s", shown, strlen(*w) > NOTIFY_SHOWN_MAX ? "..." : "");

            log_err("malformed node name %s in the notification, not sent",
                    quoted);
            g_ptr_array_add(failures, g_strdup_printf("%s (malformed node "
                                                      "name)",
                                                      quoted));
            continue;
        }
        if (local != NULL && strcmp(*w, local) == 0) {
            continue;
        }
        if (names_have(names, *w)) {
            continue;
        }
        if (names->len >= max) {
            over++;
            continue;
        }
        g_ptr_array_add(names, g_strdup(*w));
    }
    if (over > 0) {
        g_autofree char *what =
            g_strdup_printf("%u node(s) beyond the first %u", over, max);

        log_err("%s in the notification were not sent", what);
        g_ptr_array_add(failures, g_strdup_printf("%s (too many nodes)", what));
    }
    return names;
}
