/*
 * test_params: the form checks of parameter values: attribute names, the
 * grace-ack prefix, clean absolute paths; each refusal comes with a reason.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "attr.h"
#include "params.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* \p check accepts \p value and leaves the reason alone. */
static void assert_accepts(int (*check)(const char *, char **),
                           const char *value)
{
    char *reason = NULL;

    if (check(value, &reason) != 0) {
        fail_msg("'%s' was refused: %s", value, reason);
    }
    assert_null(reason);
}

/* \p check refuses \p value with a reason containing \p why. */
static void assert_refuses(int (*check)(const char *, char **),
                           const char *value, const char *why)
{
    g_autofree char *reason = NULL;

    if (check(value, &reason) != -EINVAL) {
        fail_msg("'%s' was accepted", value);
    }
    assert_non_null(reason);
    if (strstr(reason, why) == NULL) {
        fail_msg("'%s': the reason \"%s\" does not say \"%s\"", value, reason,
                 why);
    }
}

static void test_attr_name(void **state)
{
    g_autofree char *longest = g_strnfill(ATTR_NAME_MAX, 'a');
    g_autofree char *too_long = g_strnfill(ATTR_NAME_MAX + 1, 'a');

    assert_accepts(params_check_attr_name, "grace-active");
    assert_accepts(params_check_attr_name, "a.b_c-9");
    assert_accepts(params_check_attr_name, longest);
    assert_refuses(params_check_attr_name, too_long, "not a valid attribute");
    assert_refuses(params_check_attr_name, "", "not a valid attribute name");
    assert_refuses(params_check_attr_name, "with space", "1-128 characters");
    assert_refuses(params_check_attr_name, "-dash", "starting with a letter");
    assert_refuses(params_check_attr_name, "9lives", "not a valid attribute");
    assert_refuses(params_check_attr_name, "#uname", "not a valid attribute");
    assert_refuses(params_check_attr_name, "a/b", "'a/b'");
    assert_refuses(params_check_attr_name, "$(touch x)", "not a valid");
}

/* The prefix is an attribute name with room for "-<node>". */
static void test_ack_prefix(void **state)
{
    g_autofree char *longest = g_strnfill(ATTR_NAME_MAX - 2, 'a');
    g_autofree char *too_long = g_strnfill(ATTR_NAME_MAX - 1, 'a');
    g_autofree char *way_too_long = g_strnfill(ATTR_NAME_MAX + 1, 'a');

    assert_accepts(params_check_ack_prefix, "grace-ack");
    assert_accepts(params_check_ack_prefix, longest);
    assert_refuses(params_check_ack_prefix, too_long, "prefix is too long");
    assert_refuses(params_check_ack_prefix, too_long, "at most 126");
    /* beyond an attribute name's length: the name rule speaks first */
    assert_refuses(params_check_ack_prefix, way_too_long,
                   "not a valid attribute name");
    assert_refuses(params_check_ack_prefix, "bad name", "not a valid");
    assert_refuses(params_check_ack_prefix, "", "not a valid");
}

static void test_path(void **state)
{
    g_autofree char *name = g_strnfill(PARAMS_PATH_MAX, 'p');
    g_autofree char *too_long = g_strconcat("/", name, NULL);
    g_autofree char *longest = g_strndup(too_long, PARAMS_PATH_MAX);

    assert_accepts(params_check_path, "/run/ganesha/ganesha.pid");
    assert_accepts(params_check_path, "/var/lib/nfs");
    assert_accepts(params_check_path, "/a/.hidden/..b/c.");
    assert_accepts(params_check_path, longest);
    /* "/" is clean; the callers that must not use it refuse it themselves */
    assert_accepts(params_check_path, "/");

    assert_refuses(params_check_path, "", "must be an absolute path");
    assert_refuses(params_check_path, "relative/path", "absolute path");
    assert_refuses(params_check_path, "./dot", "absolute path");
    assert_refuses(params_check_path, "~/x", "absolute path");
    assert_refuses(params_check_path, too_long, "longer than 1024");
    assert_refuses(params_check_path, "/new\nline", "control character");
    assert_refuses(params_check_path, "/tab\there", "control character");
    assert_refuses(params_check_path, "/del\x7f", "control character");
    assert_refuses(params_check_path, "/a/../b", "normalised path");
    assert_refuses(params_check_path, "/a/./b", "normalised path");
    assert_refuses(params_check_path, "/a//b", "normalised path");
    assert_refuses(params_check_path, "//a", "normalised path");
    assert_refuses(params_check_path, "/trailing/", "normalised path");
    assert_refuses(params_check_path, "/..", "normalised path");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attr_name),
        cmocka_unit_test(test_ack_prefix),
        cmocka_unit_test(test_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
