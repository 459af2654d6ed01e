/*
 * test_recovery: the client records of ganesha's fs recovery backend: the
 * owner read from a record name, a directory of records, and the substring
 * check that keeps a release from hitting another client.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "recovery.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static void assert_owner(const char *name, const char *want)
{
    g_autofree char *owner = NULL;

    if (recovery_record_owner(name, &owner) != 0) {
        fail_msg("'%s' was refused", name);
    }
    assert_string_equal(owner, want);
}

static void assert_not_record(const char *name)
{
    char *owner = NULL;

    if (recovery_record_owner(name, &owner) != -EINVAL) {
        fail_msg("'%s' was taken for a record (owner '%s')", name, owner);
    }
    assert_null(owner);
}

/* what ganesha 4.3 wrote for real Linux clients in the sandbox */
static void test_owner_of_real_records(void **state)
{
    (void)state;
    assert_owner("::ffff:10.77.0.211-(16:Linux NFSv4.1 c1)",
                 "Linux NFSv4.1 c1");
    assert_owner("10.77.0.211-(41:Linux NFSv4.0 10.77.0.211/10.77.0.102 tcp)",
                 "Linux NFSv4.0 10.77.0.211/10.77.0.102 tcp");
    /* the owner may hold what the frame uses */
    assert_owner("fe80::1-(7:a-(b):))", "a-(b):)");
}

static void test_not_records(void **state)
{
    (void)state;
    assert_not_record("node0");
    assert_not_record("");
    assert_not_record("-(3:abc)");
    assert_not_record("1.2.3.4-(3:abcd)");  /* length too short */
    assert_not_record("1.2.3.4-(5:abcd)");  /* length too long */
    assert_not_record("1.2.3.4-(4:abcd");   /* no closing parenthesis */
    assert_not_record("1.2.3.4-(4:abcd)x"); /* trailing garbage */
    assert_not_record("1.2.3.4-(0:)");      /* an empty owner matches all */
    assert_not_record("1.2.3.4-(x:abc)");
    assert_not_record("1.2.3.4-(-3:abc)");
    assert_not_record("1.2.3.4-(99999999999999999999:a)");
    assert_not_record("1.2.3.4-(2:a\n)");      /* control character */
    assert_not_record("1.2.3.4-(2:\xff\xfe)"); /* not UTF-8 */
    assert_not_record(NULL);
}

static void test_read_owners(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("gocf-recov-XXXXXX", NULL);
    g_autoptr(GPtrArray) owners = g_ptr_array_new_with_free_func(g_free);
    const char *names[] = {"::ffff:10.0.0.1-(3:one)", "10.0.0.2-(3:two)",
                           "10.0.0.9-(3:one)", "node0", NULL};

    (void)state;
    assert_non_null(dir);
    for (int i = 0; names[i] != NULL; i++) {
        g_autofree char *p = g_build_filename(dir, names[i], NULL);
        assert_int_equal(g_mkdir(p, 0755), 0);
    }
    assert_int_equal(recovery_read_owners(dir, owners), 0);
    assert_int_equal(owners->len, 2); /* "one" once, node0 skipped */
    {
        g_autofree char *missing = g_build_filename(dir, "nope", NULL);
        assert_int_equal(recovery_read_owners(missing, owners), -ENOENT);
    }
    for (int i = 0; names[i] != NULL; i++) {
        g_autofree char *p = g_build_filename(dir, names[i], NULL);
        g_rmdir(p);
    }
    g_rmdir(dir);
}

static void test_ambiguous(void **state)
{
    g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func(g_free);

    (void)state;
    g_ptr_array_add(others, g_strdup("Linux NFSv4.1 c1"));
    g_ptr_array_add(others, g_strdup("Linux NFSv4.1 c10"));
    /* releasing c1 by substring would hit c10 too */
    assert_true(recovery_owner_ambiguous("Linux NFSv4.1 c1", others));
    assert_false(recovery_owner_ambiguous("Linux NFSv4.1 c10", others));
    assert_false(recovery_owner_ambiguous("Linux NFSv4.1 c2", others));
}

static void test_address_ambiguous(void **state)
{
    g_autoptr(GPtrArray) owners = g_ptr_array_new_with_free_func(g_free);

    (void)state;
    g_ptr_array_add(owners, g_strdup("Linux NFSv4.1 client-1"));
    /* a v4.0 client of the address itself: whole, the release's target */
    g_ptr_array_add(owners, g_strdup("Linux NFSv4.0 10.0.0.50/10.0.0.1 tcp"));
    assert_false(recovery_address_ambiguous("10.0.0.1", owners));
    assert_false(recovery_address_ambiguous("10.0.0.50", owners));
    /* inside a longer address, either side */
    assert_true(recovery_address_ambiguous("10.0.0.5", owners));
    assert_true(recovery_address_ambiguous("0.0.0.1", owners));
    g_ptr_array_add(owners, g_strdup("Linux NFSv4.0 fd00::11/fd00::2 tcp"));
    assert_true(recovery_address_ambiguous("fd00::1", owners));
    assert_false(recovery_address_ambiguous("fd00::2", owners));
    assert_true(recovery_address_ambiguous("", owners));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_of_real_records),
        cmocka_unit_test(test_not_records),
        cmocka_unit_test(test_read_owners),
        cmocka_unit_test(test_ambiguous),
        cmocka_unit_test(test_address_ambiguous),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
