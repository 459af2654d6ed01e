/*
 * fuzz_notify: a notify node list (OCF_RESKEY_CRM_meta_notify_stop_uname and
 * friends) as notify_node_names() splits it: what comes out is valid,
 * unique, not the local node, within the limit, and each word left out
 * for a reason is counted as a failure.
 */
#include "config.h"

#include <string.h>

#include "attr.h"
#include "fuzz.h"
#include "notify.h"

#define LOCAL "node1"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_log_init("fuzz_notify");
    return 0;
}

static void check(const char *list, guint max)
{
    g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) names = notify_node_names(list, LOCAL, max, failures);

    FUZZ_CHECK(names->len <= max);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);

        FUZZ_CHECK(attr_node_name_valid(name));
        FUZZ_CHECK(strcmp(name, LOCAL) != 0);
        FUZZ_CHECK(strstr(list, name) != NULL);
        for (guint j = 0; j < i; j++) {
            FUZZ_CHECK(strcmp(name, g_ptr_array_index(names, j)) != 0);
        }
    }
    for (guint i = 0; i < failures->len; i++) {
        const char *why = g_ptr_array_index(failures, i);

        /* it goes into the exit reason: valid UTF-8, one line */
        FUZZ_CHECK(g_utf8_validate(why, -1, NULL));
        FUZZ_CHECK(strchr(why, '\n') == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *list = g_strndup((const char *)data, size);

    check(list, 1024);
    check(list, 2);
    return 0;
}
