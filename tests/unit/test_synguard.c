/*
 * test_synguard: the SYN guard's rule and iptables-restore input for IPv4
 * and IPv6 addresses, refusal of bad ones, and a missing iptables reported,
 * not fatal. The rules themselves run against the real iptables in the
 * sandbox (scenario 11's pause).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "synguard.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

static void test_rule_ipv4(void **state)
{
    g_auto(GStrv) rule = synguard_rule("10.77.0.102", 2049);
    g_autofree char *joined = NULL;

    (void)state;
    assert_non_null(rule);
    joined = g_strjoinv(" ", rule);
    assert_string_equal(joined, "-d 10.77.0.102/32 -p tcp --dport 2049 --syn "
                                "-j " SYNGUARD_CHAIN);
    assert_false(synguard_is_ipv6("10.77.0.102"));
}

static void test_rule_ipv6(void **state)
{
    g_auto(GStrv) rule = synguard_rule("fd00:77::102", 20490);
    g_autofree char *joined = NULL;

    (void)state;
    assert_non_null(rule);
    joined = g_strjoinv(" ", rule);
    assert_string_equal(joined, "-d fd00:77::102/128 -p tcp --dport 20490 "
                                "--syn -j " SYNGUARD_CHAIN);
    assert_true(synguard_is_ipv6("fd00:77::102"));
}

static void test_bad_input(void **state)
{
    const char *bad[] = {"",           "10.0.0",      "10.0.0.256",
                         "host.name",  "10.0.0.1/32", "10.0.0.1 -j ACCEPT",
                         "fd00::1::2", "-d",          NULL};

    (void)state;
    for (int i = 0; bad[i] != NULL; i++) {
        char **rule = synguard_rule(bad[i], 2049);

        if (rule != NULL) {
            fail_msg("'%s' was taken for an address", bad[i]);
        }
    }
    assert_false(synguard_valid("10.0.0.1 -j ACCEPT", 2049));
    assert_true(synguard_valid("10.0.0.1", 2049));
    assert_true(synguard_valid("fd00::1", 65535));
    assert_null(synguard_rule(NULL, 2049));
    assert_null(synguard_rule("10.0.0.1", 0));
    assert_null(synguard_rule("10.0.0.1", 65536));
    assert_null(synguard_restore_input("nope", 2049, true));
}

static void test_restore_input(void **state)
{
    g_autofree char *with = synguard_restore_input("10.0.0.1", 2049, true);
    g_autofree char *without = synguard_restore_input("10.0.0.1", 2049, false);

    (void)state;
    /* the listener check first, the drop last, the jump on top of INPUT */
    assert_string_equal(
        with,
        "*filter\n"
        ":" SYNGUARD_CHAIN " - [0:0]\n"
        "-A " SYNGUARD_CHAIN " -m socket --nowildcard -j RETURN\n"
        "-A " SYNGUARD_CHAIN " -j DROP\n"
        "-I INPUT -d 10.0.0.1/32 -p tcp --dport 2049 --syn -j " SYNGUARD_CHAIN
        "\n"
        "COMMIT\n");
    assert_null(strstr(without, "INPUT"));
    assert_non_null(strstr(without, "-j DROP\nCOMMIT\n"));
}

static void test_no_iptables(void **state)
{
    g_autofree char *old = g_strdup(g_getenv("PATH"));
    g_autofree char *why = NULL;
    g_autofree char *why2 = NULL;

    (void)state;
    g_setenv("PATH", "/nonexistent", TRUE);
    assert_int_equal(
        synguard_add("10.0.0.1", 2049, deadline_from_timeout(5000, 0), &why),
        -ENOENT);
    assert_non_null(strstr(why, "not installed"));
    assert_int_equal(synguard_remove("10.0.0.1", 2049,
                                     deadline_from_timeout(5000, 0), &why2),
                     -ENOENT);
    g_setenv("PATH", old, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_ipv4),
        cmocka_unit_test(test_rule_ipv6),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_restore_input),
        cmocka_unit_test(test_no_iptables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
