/*
 * test_ocf: the OCF runtime through a tiny fake agent. This program is its
 * own agent: run with TEST_OCF_AS_AGENT=1 it hands argv to ocf_main(); the
 * tests run it with run_argv() and check exit code, stdout and stderr.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "log.h"
#include "ocf.h"
#include "run.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the fake agent ----------------------------------------------------- */

static int check_no_x(const char *value, char **ret_reason)
{
    if (value[0] == 'x') {
        *ret_reason = g_strdup("must not start with x");
        return -EINVAL;
    }
    return 0;
}

static int fake_report(struct ocf_ctx *ctx)
{
    const char *lc_all = getenv("LC_ALL");

    printf("action=%s probe=%d level=%d timeout=%lld interval=%lld "
           "left=%lld name=%s port=%lld flag=%d lc_all=%s\n",
           ctx->action, ctx->probe, ctx->check_level,
           (long long)ctx->timeout_ms, (long long)ctx->interval_ms,
           (long long)deadline_left_ms(ctx->deadline), ocf_param(ctx, "name"),
           (long long)ocf_param_int(ctx, "port"), ocf_param_bool(ctx, "flag"),
           lc_all != NULL ? lc_all : "(unset)");
    return OCF_SUCCESS;
}

static int fake_start(struct ocf_ctx *ctx)
{
    /* a message that tries to forge an exit reason line of its own */
    log_info("starting\nocf-exit-reason:forged");
    g_warning("from glib\nocf-exit-reason:forged by glib");
    log_debug("a debug message");
    return fake_report(ctx);
}

static int fake_monitor(struct ocf_ctx *ctx)
{
    fake_report(ctx);
    return ctx->probe ? OCF_NOT_RUNNING : OCF_SUCCESS;
}

static int fake_fail(struct ocf_ctx *ctx)
{
    ocf_exit_reason("it failed: %s", "badly");
    return OCF_ERR_GENERIC;
}

static int fake_validate(struct ocf_ctx *ctx, bool local)
{
    printf("validate local=%d\n", local);
    if (ocf_param_bool(ctx, "fail_validate")) {
        ocf_exit_reason("cross-parameter rule broken");
        return OCF_ERR_CONFIGURED;
    }
    return OCF_SUCCESS;
}

static const struct ocf_param fake_params[] = {
    {
        .name = "name",
        .type = OCF_TYPE_STRING,
        .default_value = "a<b&\"c\">'d'",
        .shortdesc = "A name <with> markup & quotes",
        .longdesc = "Long description with <markup> & \"quotes\".",
        .check = check_no_x,
    },
    {
        .name = "port",
        .type = OCF_TYPE_INTEGER,
        .default_value = "5",
        .shortdesc = "Port",
        .longdesc = "A port between 1 and 100.",
        .min = 1,
        .max = 100,
        .reloadable = true,
    },
    {
        .name = "flag",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "no",
        .shortdesc = "Flag",
        .longdesc = "A flag.",
    },
    {
        .name = "fail_validate",
        .type = OCF_TYPE_BOOLEAN,
        .default_value = "false",
        .shortdesc = "Fail validation",
        .longdesc = "Makes the agent's own validation fail.",
    },
    {
        .name = "must",
        .type = OCF_TYPE_STRING,
        .required = true,
        .unique = true,
        .shortdesc = "Required",
        .longdesc = "A required, unique parameter.",
    },
    {.name = NULL},
};

static const struct ocf_action fake_actions[] = {
    {"start", fake_start, 20, 0, -1},
    {"stop", fake_report, 20, 0, -1},
    {"monitor", fake_monitor, 20, 10, 0},
    {"monitor", fake_monitor, 30, 61, 10},
    {"notify", NULL, 5, 0, -1}, /* advertised, not implemented */
    {"reload", fake_fail, 5, 0, -1},
    {"meta-data", NULL, 5, 0, -1},
    {"reload-agent", fake_report, 10, 0, -1},
    {"validate-all", NULL, 20, 0, -1},
    {NULL, NULL, 0, 0, 0},
};

static const struct ocf_agent fake_agent = {
    .name = "fake",
    .version = "9.8.7",
    .shortdesc = "Fake agent",
    .longdesc = "A fake agent for the unit tests of the OCF runtime.",
    .params = fake_params,
    .actions = fake_actions,
    .validate = fake_validate,
};

/* ---- helpers ------------------------------------------------------------ */

static char *self_exe;

#define CHILD_ONLY "TEST_OCF_CHILD_"

/*
 * Name of the variable of setting \p kv, NAME=VALUE. A setting that would
 * change run_argv() in this process (OCF_TESTER_FAIL_HAVE_BINARY) is passed
 * under CHILD_ONLY NAME and renamed by the agent side.
 */
static char *child_only_name(const char *kv)
{
    g_autofree char *name = g_strndup(kv, strcspn(kv, "="));

    if (strcmp(name, "OCF_TESTER_FAIL_HAVE_BINARY") == 0) {
        return g_strconcat(CHILD_ONLY, name, NULL);
    }
    return g_steal_pointer(&name);
}

/*
 * Run the fake agent with \p action (NULL: none) and the NAME=VALUE
 * settings in \p env, which are removed again afterwards.
 */
static int run_agent(const char *action, const char *const *env,
                     struct run_result *res)
{
    const char *argv[] = {self_exe, action, NULL};
    int rc;

    for (const char *const *e = env; e && *e; e++) {
        g_autofree char *name = child_only_name(*e);

        setenv(name, strchr(*e, '=') + 1, 1);
    }
    setenv("TEST_OCF_AS_AGENT", "1", 1);
    rc = run_argv(argv, deadline_in(20000, DEADLINE_NEVER), res);
    unsetenv("TEST_OCF_AS_AGENT");
    for (const char *const *e = env; e && *e; e++) {
        g_autofree char *name = child_only_name(*e);

        unsetenv(name);
    }
    assert_int_equal(rc, 0);
    return res->exit_status;
}

/* Lines of \p text starting with \p prefix. */
static int count_prefixed(const char *text, const char *prefix)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int n = 0;

    for (char **l = lines; *l != NULL; l++) {
        n += g_str_has_prefix(*l, prefix);
    }
    return n;
}

/* The one exit reason line in \p err (without its prefix), or fail. */
static char *exit_reason(const char *err, const char *prefix)
{
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    char *found = NULL;

    assert_int_equal(count_prefixed(err, prefix), 1);
    for (char **l = lines; *l != NULL; l++) {
        if (g_str_has_prefix(*l, prefix)) {
            found = g_strdup(*l + strlen(prefix));
        }
    }
    return found;
}

#define REASON_PREFIX "ocf-exit-reason:"
#define MUST "OCF_RESKEY_must=m"

/* ---- meta-data ---------------------------------------------------------- */

static int xmllint(const char *const *args)
{
    struct run_result res = {0};
    const char *argv[8] = {"xmllint", "--noout", "--nonet"};
    int n = 3;
    int rc;

    for (const char *const *a = args; *a != NULL && n < 7; a++) {
        argv[n++] = *a;
    }
    argv[n] = NULL;
    rc = run_argv(argv, deadline_in(20000, DEADLINE_NEVER), &res);
    if (rc == 0 && res.exit_status != 0) {
        print_message("# xmllint: %s\n", res.err);
    }
    rc = rc < 0 ? rc : res.exit_status;
    run_result_clear(&res);
    return rc;
}

static void test_metadata_valid(void **state)
{
    const char *dtd = getenv("RA_API_DTD");
    const char *srcdir = getenv("top_srcdir");
    g_autofree char *rng = NULL;
    g_autofree char *dir = g_dir_make_tmp("test_ocf.XXXXXX", NULL);
    g_autofree char *xml = g_build_filename(dir, "fake.xml", NULL);
    g_autofree char *dtd_copy = g_build_filename(dir, "ra-api-1.dtd", NULL);
    g_autofree char *dtd_text = NULL;
    struct run_result res = {0};

    if (dtd == NULL || *dtd == '\0') {
        dtd = "/usr/share/resource-agents/ra-api-1.dtd";
    }
    rng = g_build_filename(srcdir != NULL ? srcdir : "../..", "doc",
                           "ra-api-1.1.rng", NULL);
    /* no cmocka skip(): it prints "not ok # SKIP", a failure for TAP */
    if (!run_have_program("xmllint") || !g_file_test(dtd, G_FILE_TEST_EXISTS) ||
        !g_file_test(rng, G_FILE_TEST_EXISTS)) {
        g_rmdir(dir);
        fail_msg("need xmllint, %s and %s to validate meta-data", dtd, rng);
    }

    assert_int_equal(run_agent("meta-data", NULL, &res), 0);
    assert_string_equal(res.err, "");
    assert_true(g_file_set_contents(xml, res.out, -1, NULL));
    /* as ocf-tester does it: --valid, the DTD found through the DOCTYPE */
    assert_true(g_file_get_contents(dtd, &dtd_text, NULL, NULL));
    assert_true(g_file_set_contents(dtd_copy, dtd_text, -1, NULL));
    {
        const char *args[] = {"--valid", xml, NULL};

        assert_int_equal(xmllint(args), 0);
    }
    {
        const char *args[] = {"--relaxng", rng, xml, NULL};

        assert_int_equal(xmllint(args), 0);
    }
    run_result_clear(&res);
    g_unlink(xml);
    g_unlink(dtd_copy);
    g_rmdir(dir);
}

static void test_metadata_content(void **state)
{
    g_autofree char *xml = ocf_metadata(&fake_agent);

    assert_non_null(strstr(xml, "<!DOCTYPE resource-agent SYSTEM "
                                "\"ra-api-1.dtd\""));
    /* ra-api-1.dtd (ocf-tester's) learns OCF 1.1's reload in the subset */
    assert_non_null(strstr(xml, "<!ATTLIST parameter reloadable (1|0) "
                                "\"0\">"));
    assert_non_null(strstr(xml, "<action name=\"reload-agent\" "
                                "timeout=\"10s\"/>"));
    /* OCF API version as the element, the agent's own as the attribute */
    assert_non_null(strstr(xml, "<version>1.1</version>"));
    assert_non_null(strstr(xml, "<resource-agent name=\"fake\" "
                                "version=\"9.8.7\">"));
    /* special characters escaped in text and attributes */
    assert_non_null(
        strstr(xml, "default=\"a&lt;b&amp;&quot;c&quot;&gt;&apos;d&apos;\""));
    assert_non_null(strstr(xml, "A name &lt;with&gt; markup &amp; quotes"));
    assert_non_null(strstr(xml, "<parameter name=\"must\" unique=\"1\" "
                                "required=\"1\">"));
    /* reload-agent: only what the table marks is reloadable */
    assert_non_null(strstr(xml, "<parameter name=\"port\" unique=\"0\" "
                                "required=\"0\" reloadable=\"1\">"));
    assert_non_null(strstr(xml, "<parameter name=\"flag\" unique=\"0\" "
                                "required=\"0\">"));
    assert_non_null(strstr(xml, "<content type=\"integer\" default=\"5\"/>"));
    assert_non_null(strstr(xml, "<content type=\"boolean\" default=\"no\"/>"));
    assert_non_null(strstr(xml, "<action name=\"monitor\" timeout=\"30s\" "
                                "interval=\"61s\" depth=\"10\"/>"));
    assert_non_null(strstr(xml, "<action name=\"start\" timeout=\"20s\"/>"));
    assert_null(strstr(xml, "select"));
}

static void test_metadata_without_binaries(void **state)
{
    struct run_result res = {0};
    const char *env[] = {"OCF_TESTER_FAIL_HAVE_BINARY=1",
                         "OCF_RESKEY_port=garbage", NULL};

    /* ocf-tester step 3; and meta-data never looks at parameters */
    assert_int_equal(run_agent("meta-data", env, &res), 0);
    assert_non_null(strstr(res.out, "<resource-agent"));
    run_result_clear(&res);
}

/* ---- validation --------------------------------------------------------- */

static void test_validate_ok(void **state)
{
    struct run_result res = {0};
    const char *env[] = {MUST, "OCF_RESKEY_port=100", NULL};

    assert_int_equal(run_agent("validate-all", env, &res), OCF_SUCCESS);
    assert_int_equal(count_prefixed(res.err, REASON_PREFIX), 0);
    /* validate-all at level 0 must not look at the local node */
    assert_non_null(strstr(res.out, "validate local=0"));
    run_result_clear(&res);
}

static void test_validate_level_10_is_local(void **state)
{
    struct run_result res = {0};
    const char *env[] = {MUST, "OCF_CHECK_LEVEL=10", NULL};

    assert_int_equal(run_agent("validate-all", env, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "validate local=1"));
    run_result_clear(&res);
}

/* Run validate-all with \p env; expect 6 and an exit reason with \p words. */
static void expect_configured(const char *const *env, const char *word1,
                              const char *word2)
{
    struct run_result res = {0};
    g_autofree char *reason = NULL;

    assert_int_equal(run_agent("validate-all", env, &res), OCF_ERR_CONFIGURED);
    reason = exit_reason(res.err, REASON_PREFIX);
    if (strstr(reason, word1) == NULL || strstr(reason, word2) == NULL) {
        fail_msg("exit reason \"%s\" lacks \"%s\" or \"%s\"", reason, word1,
                 word2);
    }
    run_result_clear(&res);
}

static void test_validate_not_integer(void **state)
{
    const char *env[] = {MUST, "OCF_RESKEY_port=12abc", NULL};

    expect_configured(env, "port", "\"12abc\"");
}

static void test_validate_integer_overflow(void **state)
{
    const char *env[] = {MUST, "OCF_RESKEY_port=99999999999999999999999", NULL};

    expect_configured(env, "port", "not an integer");
}

static void test_validate_out_of_range(void **state)
{
    const char *env[] = {MUST, "OCF_RESKEY_port=101", NULL};
    const char *env0[] = {MUST, "OCF_RESKEY_port=0", NULL};

    expect_configured(env, "port", "out of range");
    expect_configured(env0, "port", "\"0\"");
}

static void test_validate_check_fails(void **state)
{
    const char *env[] = {MUST, "OCF_RESKEY_name=xyz", NULL};

    expect_configured(env, "name", "must not start with x");
}

static void test_validate_bad_boolean(void **state)
{
    const char *env[] = {MUST, "OCF_RESKEY_flag=maybe", NULL};

    expect_configured(env, "flag", "\"maybe\"");
}

static void test_validate_required_missing(void **state)
{
    const char *env[] = {NULL};
    const char *empty[] = {"OCF_RESKEY_must=", NULL};

    expect_configured(env, "must", "not set");
    /* an empty value counts as unset */
    expect_configured(empty, "must", "not set");
}

static void test_validate_agent_rule(void **state)
{
    const char *env[] = {MUST, "OCF_RESKEY_fail_validate=yes", NULL};

    expect_configured(env, "cross-parameter", "rule");
}

static void test_validate_garbage_value(void **state)
{
    struct run_result res = {0};
    g_autofree char *reason = NULL;
    g_autofree char *setting = NULL;
    GString *junk = g_string_new("1");

    /* 64 KiB of newlines, invalid UTF-8, control bytes and a forged line */
    for (int i = 0; i < 2048; i++) {
        g_string_append(junk, "\xff\xfe\n\x01\tocf-exit-reason:forged\n\x7f");
        g_string_append(junk, "\xc3(\"'\\%s%n");
    }
    setting = g_strconcat("OCF_RESKEY_port=", junk->str, NULL);
    g_string_free(junk, TRUE);
    {
        const char *env[] = {MUST, setting, NULL};

        assert_int_equal(run_agent("start", env, &res), OCF_ERR_CONFIGURED);
    }
    /* one exit reason line, short, valid UTF-8, naming the parameter */
    reason = exit_reason(res.err, REASON_PREFIX);
    assert_true(strlen(reason) < 600);
    assert_true(g_utf8_validate(reason, -1, NULL));
    assert_non_null(strstr(reason, "port"));
    assert_non_null(strstr(reason, "..."));
    run_result_clear(&res);
}

static void test_stop_tolerates_bad_parameter(void **state)
{
    struct run_result res = {0};
    const char *env[] = {"OCF_RESKEY_port=junk", NULL};

    /* stop must still clean up: the bad value falls back to its default,
     * and a missing required parameter does not stop it either */
    assert_int_equal(run_agent("stop", env, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "port=5 "));
    assert_int_equal(count_prefixed(res.err, REASON_PREFIX), 0);
    run_result_clear(&res);
}

/* ---- dispatch ----------------------------------------------------------- */

static void test_unknown_action(void **state)
{
    struct run_result res = {0};
    g_autofree char *reason = NULL;

    assert_int_equal(run_agent("frobnicate", NULL, &res),
                     OCF_ERR_UNIMPLEMENTED);
    assert_non_null(strstr(res.err, "usage: fake {"));
    assert_string_equal(res.out, "");
    reason = exit_reason(res.err, REASON_PREFIX);
    assert_non_null(strstr(reason, "frobnicate"));
    run_result_clear(&res);
}

static void test_advertised_unimplemented_action(void **state)
{
    struct run_result res = {0};

    /* in the table without a handler: unimplemented, as OCF says */
    assert_int_equal(run_agent("notify", NULL, &res), OCF_ERR_UNIMPLEMENTED);
    run_result_clear(&res);
}

static void test_no_action(void **state)
{
    struct run_result res = {0};
    g_autofree char *reason = NULL;

    assert_int_equal(run_agent(NULL, NULL, &res), OCF_ERR_UNIMPLEMENTED);
    assert_non_null(strstr(res.err, "usage: fake {"));
    reason = exit_reason(res.err, REASON_PREFIX);
    run_result_clear(&res);
}

static void test_usage_and_help(void **state)
{
    struct run_result res = {0};

    assert_int_equal(run_agent("usage", NULL, &res), OCF_SUCCESS);
    assert_true(g_str_has_prefix(
        res.out,
        "usage: fake {start|stop|monitor|notify|reload|meta-data|reload-agent|"
        "validate-all|usage}\n"));
    assert_string_equal(res.err, "");
    run_result_clear(&res);
    assert_int_equal(run_agent("help", NULL, &res), OCF_SUCCESS);
    assert_true(g_str_has_prefix(res.out, "usage: fake {"));
    run_result_clear(&res);
}

static void test_probe_detection(void **state)
{
    struct run_result res = {0};
    const char *probe[] = {MUST, "OCF_RESKEY_CRM_meta_interval=0", NULL};
    const char *recurring[] = {MUST, "OCF_RESKEY_CRM_meta_interval=10000",
                               NULL};
    const char *start[] = {MUST, NULL};

    assert_int_equal(run_agent("monitor", probe, &res), OCF_NOT_RUNNING);
    assert_non_null(strstr(res.out, "probe=1 "));
    run_result_clear(&res);
    /* no interval at all is a probe too (the default interval is 0) */
    assert_int_equal(run_agent("monitor", start, &res), OCF_NOT_RUNNING);
    run_result_clear(&res);
    assert_int_equal(run_agent("monitor", recurring, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "probe=0 "));
    assert_non_null(strstr(res.out, "interval=10000 "));
    run_result_clear(&res);
    /* only monitor can be a probe */
    assert_int_equal(run_agent("start", start, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "probe=0 "));
    run_result_clear(&res);
}

static void test_check_level(void **state)
{
    struct run_result res = {0};
    const char *direct[] = {MUST, "OCF_CHECK_LEVEL=10", NULL};
    const char *reskey[] = {MUST, "OCF_RESKEY_OCF_CHECK_LEVEL=20", NULL};
    const char *both[] = {MUST, "OCF_CHECK_LEVEL=10",
                          "OCF_RESKEY_OCF_CHECK_LEVEL=20", NULL};
    const char *garbage[] = {MUST, "OCF_CHECK_LEVEL=deep", NULL};

    run_agent("start", direct, &res);
    assert_non_null(strstr(res.out, "level=10 "));
    run_result_clear(&res);
    run_agent("start", reskey, &res);
    assert_non_null(strstr(res.out, "level=20 "));
    run_result_clear(&res);
    run_agent("start", both, &res);
    assert_non_null(strstr(res.out, "level=10 "));
    run_result_clear(&res);
    assert_int_equal(run_agent("start", garbage, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "level=0 "));
    run_result_clear(&res);
}

static void test_exit_reason_prefix_override(void **state)
{
    struct run_result res = {0};
    g_autofree char *reason = NULL;
    const char *env[] = {MUST, "OCF_EXIT_REASON_PREFIX=my-prefix:", NULL};

    assert_int_equal(run_agent("reload", env, &res), OCF_ERR_GENERIC);
    reason = exit_reason(res.err, "my-prefix:");
    assert_string_equal(reason, "it failed: badly");
    assert_int_equal(count_prefixed(res.err, REASON_PREFIX), 0);
    run_result_clear(&res);
}

static void test_exit_reason_written_once(void **state)
{
    struct run_result res = {0};
    g_autofree char *reason = NULL;

    /* logging goes to stderr here (HA_LOGFACILITY=none, no file): the
     * logged copy of the reason must not add a second line */
    assert_int_equal(run_agent("reload", (const char *[]){MUST, NULL}, &res),
                     OCF_ERR_GENERIC);
    reason = exit_reason(res.err, REASON_PREFIX);
    assert_string_equal(reason, "it failed: badly");
    assert_null(strstr(res.err, "ERROR: it failed"));
    run_result_clear(&res);
}

static void test_log_cannot_forge_exit_reason(void **state)
{
    struct run_result res = {0};
    const char *env[] = {MUST, "HA_debug=1", NULL};

    assert_int_equal(run_agent("start", env, &res), OCF_SUCCESS);
    /* the message was logged, but on one line of its own tag */
    assert_non_null(strstr(res.err, "fake(fake)["));
    assert_non_null(strstr(res.err, "starting ocf-exit-reason:forged"));
    assert_non_null(strstr(res.err, "WARNING: from glib ocf-exit-reason:"));
    assert_non_null(strstr(res.err, "DEBUG: a debug message"));
    assert_int_equal(count_prefixed(res.err, REASON_PREFIX), 0);
    run_result_clear(&res);
}

static void test_meta_timeout(void **state)
{
    struct run_result res = {0};
    const char *ok[] = {MUST, "OCF_RESKEY_CRM_meta_timeout=5000", NULL};
    const char *garbage[] = {MUST, "OCF_RESKEY_CRM_meta_timeout=20s",
                             "OCF_RESKEY_CRM_meta_interval=-1", NULL};
    long long left = -1;
    const char *p;

    assert_int_equal(run_agent("start", ok, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "timeout=5000 "));
    p = strstr(res.out, "left=");
    assert_non_null(p);
    left = strtoll(p + 5, NULL, 10);
    /* 5 s minus the margin kept back to report a failure */
    assert_true(left > 2000 && left < 5000);
    run_result_clear(&res);

    /* garbage: the defaults, a warning, and the action still runs */
    assert_int_equal(run_agent("start", garbage, &res), OCF_SUCCESS);
    assert_non_null(strstr(res.out, "timeout=20000 interval=0 "));
    assert_non_null(strstr(res.err, "WARNING: OCF_RESKEY_CRM_meta_timeout"));
    run_result_clear(&res);
}

static void test_lc_all_c(void **state)
{
    struct run_result res = {0};
    const char *env[] = {MUST, "LC_ALL=de_DE.UTF-8", NULL};

    run_agent("start", env, &res);
    assert_non_null(strstr(res.out, "lc_all=C\n"));
    run_result_clear(&res);
}

static void test_logfile_and_tag(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("test_ocf.XXXXXX", NULL);
    g_autofree char *logfile = g_build_filename(dir, "ha.log", NULL);
    g_autofree char *debuglog = g_build_filename(dir, "debug.log", NULL);
    g_autofree char *set_logfile = g_strconcat("HA_LOGFILE=", logfile, NULL);
    g_autofree char *set_debuglog = g_strconcat("HA_DEBUGLOG=", debuglog, NULL);
    g_autofree char *text = NULL;
    g_autofree char *debug_text = NULL;
    struct run_result res = {0};
    const char *env[] = {MUST,
                         set_logfile,
                         set_debuglog,
                         "HA_debug=1",
                         "OCF_RESOURCE_INSTANCE=inst:0",
                         NULL};

    assert_true(g_file_set_contents(logfile, "earlier line\n", -1, NULL));
    assert_int_equal(run_agent("start", env, &res), OCF_SUCCESS);
    /* a log file is configured: nothing logged on stderr */
    assert_string_equal(res.err, "");
    assert_true(g_file_get_contents(logfile, &text, NULL, NULL));
    /* appended, with the <agent>(<instance>)[<pid>] tag */
    assert_true(g_str_has_prefix(text, "earlier line\nfake(inst:0)["));
    assert_non_null(strstr(text, "INFO: start returned 0"));
    assert_true(g_file_get_contents(debuglog, &debug_text, NULL, NULL));
    assert_non_null(strstr(debug_text, "DEBUG: a debug message"));
    run_result_clear(&res);
    g_unlink(logfile);
    g_unlink(debuglog);
    g_rmdir(dir);
}

/* ---- in-process helpers ------------------------------------------------- */

static void test_is_true(void **state)
{
    assert_true(ocf_is_true("yes"));
    assert_true(ocf_is_true("TRUE"));
    assert_true(ocf_is_true("1"));
    assert_true(ocf_is_true("On"));
    assert_false(ocf_is_true("no"));
    assert_false(ocf_is_true("0"));
    assert_false(ocf_is_true(""));
    assert_false(ocf_is_true(NULL));
    assert_false(ocf_is_true("yess"));
}

static void test_rc_from_errno(void **state)
{
    assert_int_equal(ocf_rc_from_errno(0), OCF_SUCCESS);
    assert_int_equal(ocf_rc_from_errno(-ENOENT), OCF_ERR_INSTALLED);
    assert_int_equal(ocf_rc_from_errno(-ENOEXEC), OCF_ERR_INSTALLED);
    assert_int_equal(ocf_rc_from_errno(-EACCES), OCF_ERR_PERM);
    assert_int_equal(ocf_rc_from_errno(-EPERM), OCF_ERR_PERM);
    /* a local -EINVAL (damaged file, odd tool answer) must not stop the
     * resource on every node: only parameter validation answers 6 */
    assert_int_equal(ocf_rc_from_errno(-EINVAL), OCF_ERR_GENERIC);
    assert_int_equal(ocf_rc_from_errno(-EPROTO), OCF_ERR_GENERIC);
    /* an out-of-range "errno" is not passed through as an exit code */
    assert_int_equal(ocf_rc_from_errno(6), OCF_ERR_GENERIC);
    assert_int_equal(ocf_rc_from_errno(-ETIMEDOUT), OCF_ERR_GENERIC);
    assert_int_equal(ocf_rc_from_errno(-EIO), OCF_ERR_GENERIC);
}

static void test_param_check(void **state)
{
    const struct ocf_param *port = &fake_params[1];
    const struct ocf_param *must = &fake_params[4];
    char *reason = NULL;

    assert_int_equal(ocf_param_check(port, "1", &reason), 0);
    assert_int_equal(ocf_param_check(port, "100", &reason), 0);
    assert_null(reason);
    assert_int_equal(ocf_param_check(port, " 5", &reason), -EINVAL);
    assert_non_null(reason);
    g_clear_pointer(&reason, g_free);
    assert_int_equal(ocf_param_check(port, "", &reason), -EINVAL);
    g_clear_pointer(&reason, g_free);
    assert_int_equal(ocf_param_check(port, "0x10", &reason), -EINVAL);
    g_clear_pointer(&reason, g_free);
    /* an unset optional parameter is fine, an unset required one is not */
    assert_int_equal(ocf_param_check(port, NULL, &reason), 0);
    assert_int_equal(ocf_param_check(must, NULL, &reason), -EINVAL);
    assert_non_null(strstr(reason, "must"));
    g_free(reason);
}

/* Stop's question: was every parameter set in the environment well formed? */
static void test_params_valid(void **state)
{
    struct ocf_ctx ctx = {.agent = &fake_agent};

    assert_true(ocf_params_valid(&ctx));
    setenv("OCF_RESKEY_port", "7", 1);
    setenv("OCF_RESKEY_name", "ok", 1);
    assert_true(ocf_params_valid(&ctx));
    /* an empty value is unset: the default applies, and it is fine */
    setenv("OCF_RESKEY_port", "", 1);
    assert_true(ocf_params_valid(&ctx));
    setenv("OCF_RESKEY_port", "junk", 1);
    assert_false(ocf_params_valid(&ctx));
    unsetenv("OCF_RESKEY_port");
    /* the table's own check counts too, not only the type */
    setenv("OCF_RESKEY_name", "xname", 1);
    assert_false(ocf_params_valid(&ctx));
    unsetenv("OCF_RESKEY_name");
    /* a missing required parameter is not a malformed one */
    assert_null(getenv("OCF_RESKEY_must"));
    assert_true(ocf_params_valid(&ctx));
}

/* Stop with identity parameters: only they decide whether stop may act. */
static const struct ocf_param identity_params[] = {
    {.name = "attr",
     .type = OCF_TYPE_STRING,
     .default_value = "a",
     .shortdesc = "published",
     .check = check_no_x,
     .identity = true},
    {.name = "delay",
     .type = OCF_TYPE_INTEGER,
     .default_value = "5",
     .shortdesc = "unrelated",
     .min = 0,
     .max = 10},
    {.name = NULL},
};

static const struct ocf_agent identity_agent = {
    .name = "identity",
    .shortdesc = "identity",
    .params = identity_params,
    .actions = fake_actions,
};

static void test_params_valid_identity(void **state)
{
    struct ocf_ctx ctx = {.agent = &identity_agent};

    /* the controller lost the start's parameters: a bad unrelated one */
    setenv("OCF_RESKEY_delay", "junk", 1);
    assert_true(ocf_params_valid(&ctx));
    /* a bad identifying one: start refused it, nothing was published */
    setenv("OCF_RESKEY_attr", "xattr", 1);
    assert_false(ocf_params_valid(&ctx));
    unsetenv("OCF_RESKEY_attr");
    unsetenv("OCF_RESKEY_delay");
}

/* A recorded value replaces the environment's for the rest of the action. */
static void test_param_override(void **state)
{
    struct ocf_ctx ctx = {.agent = &identity_agent};
    char *value = g_strdup("from-state");

    ctx.params = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    g_hash_table_replace(ctx.params, (gpointer) "attr", g_strdup("env"));
    ocf_param_override(&ctx, "attr", value);
    g_free(value); /* copied */
    assert_string_equal(ocf_param(&ctx, "attr"), "from-state");
    g_hash_table_destroy(ctx.params);
}

/* ocf_finish(res) with stderr captured into *ret_err. */
static int finish_captured(struct result *res, char **ret_err)
{
    char path[] = "/tmp/test_ocf.XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    int rc;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    rc = ocf_finish(res);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(fd);
    assert_true(g_file_get_contents(path, ret_err, NULL, NULL));
    unlink(path);
    return rc;
}

/* The class decided below reaches the edge unchanged, with its reason. */
static void test_result_carried(void **state)
{
    struct result res = RESULT_INIT;
    g_autofree char *err = NULL;
    g_autofree char *reason = NULL;

    assert_true(result_ok(&res));
    assert_true(result_ok(NULL));
    result_set(NULL, OCF_ERR_GENERIC, "ignored"); /* NULL-safe */
    result_prefix(&res, "no effect on success");
    assert_null(res.reason);

    result_set(&res, OCF_ERR_ARGS, "state file %s is a %s", "/x", "FIFO");
    result_set(&res, OCF_ERR_GENERIC, "replaced: %d", 1);
    result_prefix(&res, "cannot read the state file");
    assert_false(result_ok(&res));
    assert_int_equal(finish_captured(&res, &err), OCF_ERR_GENERIC);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 1);
    reason = exit_reason(err, REASON_PREFIX);
    assert_string_equal(reason, "cannot read the state file: replaced: 1");
    /* finished: cleared */
    assert_true(result_ok(&res));
    assert_null(res.reason);
    g_clear_pointer(&err, g_free);

    /* success and "not running" write no exit reason */
    assert_int_equal(finish_captured(&res, &err), OCF_SUCCESS);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 0);
    g_clear_pointer(&err, g_free);
    result_set(&res, OCF_NOT_RUNNING, "never started");
    assert_int_equal(finish_captured(&res, &err), OCF_NOT_RUNNING);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 0);
    assert_null(res.reason);
}

/* ocf_report(r, reason) with stderr captured into *ret_err. */
static int report_captured(int r, const char *reason, char **ret_err)
{
    char path[] = "/tmp/test_ocf.XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    int rc;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    rc = ocf_report(r, reason);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(fd);
    assert_true(g_file_get_contents(path, ret_err, NULL, NULL));
    unlink(path);
    return rc;
}

/* Success says nothing; a failure is one exit reason and the mapped code. */
static void test_report(void **state)
{
    g_autofree char *err = NULL;
    g_autofree char *reason = NULL;

    assert_int_equal(report_captured(0, "ignored", &err), OCF_SUCCESS);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 0);
    g_clear_pointer(&err, g_free);
    assert_int_equal(report_captured(1, NULL, &err), OCF_SUCCESS);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 0);
    g_clear_pointer(&err, g_free);

    assert_int_equal(report_captured(-EINVAL, "bad thing", &err),
                     OCF_ERR_GENERIC);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 1);
    reason = exit_reason(err, REASON_PREFIX);
    assert_string_equal(reason, "bad thing");
    g_clear_pointer(&err, g_free);
    g_clear_pointer(&reason, g_free);

    /* without a reason the errno's text is the exit reason */
    assert_int_equal(report_captured(-ENOENT, NULL, &err), OCF_ERR_INSTALLED);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 1);
    reason = exit_reason(err, REASON_PREFIX);
    assert_string_equal(reason, g_strerror(ENOENT));
    g_clear_pointer(&err, g_free);
    g_clear_pointer(&reason, g_free);

    assert_int_equal(report_captured(-ETIMEDOUT, "too slow", &err),
                     OCF_ERR_GENERIC);
    assert_int_equal(count_prefixed(err, REASON_PREFIX), 1);
}

static void test_param_lookup_without_params(void **state)
{
    struct ocf_ctx ctx = {.agent = &fake_agent};

    assert_null(ocf_param(&ctx, "name"));
    assert_int_equal(ocf_param_int(&ctx, "port"), 0);
    assert_false(ocf_param_bool(&ctx, "flag"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata_valid),
        cmocka_unit_test(test_metadata_content),
        cmocka_unit_test(test_metadata_without_binaries),
        cmocka_unit_test(test_validate_ok),
        cmocka_unit_test(test_validate_level_10_is_local),
        cmocka_unit_test(test_validate_not_integer),
        cmocka_unit_test(test_validate_integer_overflow),
        cmocka_unit_test(test_validate_out_of_range),
        cmocka_unit_test(test_validate_check_fails),
        cmocka_unit_test(test_validate_bad_boolean),
        cmocka_unit_test(test_validate_required_missing),
        cmocka_unit_test(test_validate_agent_rule),
        cmocka_unit_test(test_validate_garbage_value),
        cmocka_unit_test(test_stop_tolerates_bad_parameter),
        cmocka_unit_test(test_unknown_action),
        cmocka_unit_test(test_advertised_unimplemented_action),
        cmocka_unit_test(test_no_action),
        cmocka_unit_test(test_usage_and_help),
        cmocka_unit_test(test_probe_detection),
        cmocka_unit_test(test_check_level),
        cmocka_unit_test(test_exit_reason_prefix_override),
        cmocka_unit_test(test_exit_reason_written_once),
        cmocka_unit_test(test_log_cannot_forge_exit_reason),
        cmocka_unit_test(test_meta_timeout),
        cmocka_unit_test(test_lc_all_c),
        cmocka_unit_test(test_logfile_and_tag),
        cmocka_unit_test(test_is_true),
        cmocka_unit_test(test_rc_from_errno),
        cmocka_unit_test(test_param_check),
        cmocka_unit_test(test_param_lookup_without_params),
        cmocka_unit_test(test_params_valid),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_params_valid_identity),
        cmocka_unit_test(test_param_override),
        cmocka_unit_test(test_result_carried),
    };
    int rc;

    if (getenv("TEST_OCF_AS_AGENT") != NULL) {
        const char *v = getenv(CHILD_ONLY "OCF_TESTER_FAIL_HAVE_BINARY");

        if (v != NULL) {
            setenv("OCF_TESTER_FAIL_HAVE_BINARY", v, 1);
        }
        return ocf_main(&fake_agent, argc, argv);
    }

    /* a known environment for the agent runs, whatever the caller's */
    setenv("HA_LOGFACILITY", "none", 1);
    unsetenv("HA_LOGFILE");
    unsetenv("HA_DEBUGLOG");
    unsetenv("HA_debug");
    unsetenv("OCF_EXIT_REASON_PREFIX");
    unsetenv("OCF_RESOURCE_INSTANCE");
    unsetenv("OCF_CHECK_LEVEL");
    unsetenv("OCF_RESKEY_CRM_meta_interval");
    unsetenv("OCF_RESKEY_CRM_meta_timeout");
    unsetenv("OCF_TESTER_FAIL_HAVE_BINARY");
    self_exe = g_file_read_link("/proc/self/exe", NULL);
    assert_non_null(self_exe);

    log_init("test_ocf", NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    log_fini();
    g_free(self_exe);
    return rc;
}
