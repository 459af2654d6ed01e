/*
 * test_notify: the node lists of clone notifications: split on any
 * whitespace, the local node and repeats left out, malformed names and names
 * past the limit refused with a reason each.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notify.h"

#include <glib.h>
#include <string.h>

/* The names of \p list joined by one space, and the failures by "; ". */
static void split(const char *list, guint max, char **ret_names,
                  char **ret_failures)
{
    g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) names =
        notify_node_names(list, "local", max, failures);

    g_ptr_array_add(names, NULL);
    g_ptr_array_add(failures, NULL);
    *ret_names = g_strjoinv(" ", (char **)names->pdata);
    *ret_failures = g_strjoinv("; ", (char **)failures->pdata);
}

static void assert_split(const char *list, guint max, const char *want_names,
                         const char *want_failures)
{
    g_autofree char *names = NULL;
    g_autofree char *failures = NULL;

    split(list, max, &names, &failures);
    if (strcmp(names, want_names) != 0 ||
        strcmp(failures, want_failures) != 0) {
        fail_msg("list \"%s\": names \"%s\" (want \"%s\"), failures \"%s\" "
                 "(want \"%s\")",
                 list, names, want_names, failures, want_failures);
    }
}

static void test_real_lists(void **state)
{
    (void)state;
    /* what Pacemaker 2.1 sets: names separated by one space, a trailing one */
    assert_split("node2 node3 ", 1024, "node2 node3", "");
    assert_split("node2", 1024, "node2", "");
    assert_split(" ", 1024, "", "");
    assert_split("", 1024, "", "");
    assert_split(NULL, 1024, "", "");
}

static void test_local_and_repeats_left_out(void **state)
{
    (void)state;
    assert_split("local node2\tnode2\nlocal  node3", 1024, "node2 node3", "");
}

static void test_malformed_refused(void **state)
{
    (void)state;
    assert_split("node2 bad/name -dash node3", 1024, "node2 node3",
                 "\"bad/name\" (malformed node name); \"-dash\" (malformed "
                 "node name)");
    /* a control character is shown escaped, a long name cut */
    assert_split("a\x01"
                 "b",
                 1024, "", "\"a\\001b\" (malformed node name)");
    assert_split("x0123456789012345678901234567890123456789012345678901234/",
                 1024, "",
                 "\"x01234567890123456789012345678901234567890123456\"... "
                 "(malformed node name)");
}

static void test_limit(void **state)
{
    (void)state;
    assert_split("n1 n2 n3 n4 n2", 2, "n1 n2",
                 "2 node(s) beyond the first 2 (too many nodes)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_lists),
        cmocka_unit_test(test_local_and_repeats_left_out),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
