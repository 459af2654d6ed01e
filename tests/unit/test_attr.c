/*
 * test_attr: node attributes against the real crm_attribute and cibadmin on
 * a CIB file (CIB_file=), the snapshot parser on fixed XML, a generated
 * 32-node status, and fault injection (a hanging tool, an answer over the
 * output limit, no cluster in a fresh network namespace).
 *
 * With GOCF_TEST_ATTR_LIVE=<node> it runs against the live cluster it finds
 * (tests/integration/attr-cluster.sh starts one); with GOCF_TEST_ATTR_DOWN=1
 * it checks that every call reports -ENOTCONN because no cluster runs.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "attr.h"
#include "deadline.h"
#include "log.h"
#include "run.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NODE "n1"
#define TEST_TIMEOUT_MS 10000

static char *tmp_dir;
static char *cib_path;
static const char *live_node;

static int64_t test_deadline(void)
{
    return deadline_in(TEST_TIMEOUT_MS, DEADLINE_NEVER);
}

static void run_ok(const char *const *argv)
{
    struct run_result res = {0};

    assert_int_equal(run_argv(argv, test_deadline(), &res), 0);
    if (res.exit_status != 0) {
        fail_msg("%s exited %d: %s", argv[0], res.exit_status, res.err);
    }
    run_result_clear(&res);
}

/* A fresh CIB file with node n1 known and in its status section. */
static int cib_setup(void **state)
{
    static const char *const empty[] = {"cibadmin", "--empty", NULL};
    static const char *const node[] = {
        "cibadmin", "-C", "-o",
        "nodes",    "-X", "<node id=\"1\" uname=\"" TEST_NODE "\"/>",
        NULL};
    /* crm_attribute -l reboot on a file needs the node_state to exist. */
    static const char *const node_state[] = {
        "cibadmin",
        "-C",
        "-o",
        "status",
        "-X",
        "<node_state id=\"1\" uname=\"" TEST_NODE "\" in_ccm=\"true\" "
        "crmd=\"online\" join=\"member\" expected=\"member\"/>",
        NULL};
    struct run_result res = {0};

    if (live_node != NULL) {
        return 0;
    }
    assert_int_equal(run_argv(empty, test_deadline(), &res), 0);
    assert_int_equal(res.exit_status, 0);
    assert_true(g_file_set_contents(cib_path, res.out, -1, NULL));
    run_result_clear(&res);
    g_setenv("CIB_file", cib_path, TRUE);
    run_ok(node);
    run_ok(node_state);
    return 0;
}

static int cib_teardown(void **state)
{
    if (live_node == NULL) {
        g_unlink(cib_path);
    }
    return 0;
}

static const char *node_under_test(void)
{
    return live_node != NULL ? live_node : TEST_NODE;
}

/* ---- names --------------------------------------------------------------- */

static void test_node_names(void **state)
{
    char long_name[ATTR_NODE_NAME_MAX + 2];

    assert_true(attr_node_name_valid("n1"));
    assert_true(attr_node_name_valid("node-1.example.com"));
    assert_true(attr_node_name_valid("1node_a"));
    assert_false(attr_node_name_valid(NULL));
    assert_false(attr_node_name_valid(""));
    assert_false(attr_node_name_valid("-n1"));
    assert_false(attr_node_name_valid(".n1"));
    assert_false(attr_node_name_valid("n1 n2"));
    assert_false(attr_node_name_valid("n1;rm"));
    assert_false(attr_node_name_valid("n1\n"));
    assert_false(attr_node_name_valid("n\xc3\xa9"));
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_false(attr_node_name_valid(long_name));
    long_name[ATTR_NODE_NAME_MAX] = '\0';
    assert_true(attr_node_name_valid(long_name));
}

static void test_attribute_names(void **state)
{
    char long_name[ATTR_NAME_MAX + 2];

    assert_true(attr_name_valid("grace-active"));
    assert_true(attr_name_valid("grace-ack-n1.example.com"));
    assert_true(attr_name_valid("a_b"));
    assert_false(attr_name_valid(NULL));
    assert_false(attr_name_valid(""));
    assert_false(attr_name_valid("1abc"));
    assert_false(attr_name_valid("-v"));
    assert_false(attr_name_valid("#uname"));
    assert_false(attr_name_valid("a b"));
    assert_false(attr_name_valid("a=b"));
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_false(attr_name_valid(long_name));
    long_name[ATTR_NAME_MAX] = '\0';
    assert_true(attr_name_valid(long_name));
}

static void test_bad_names_refused(void **state)
{
    char *value = NULL;
    GPtrArray *nodes = NULL;

    assert_int_equal(attr_set("n1;x", "a", "1", test_deadline()), -EINVAL);
    assert_int_equal(
        attr_set(node_under_test(), "#uname", "1", test_deadline()), -EINVAL);
    assert_int_equal(attr_set(node_under_test(), "a", "1\n2", test_deadline()),
                     -EINVAL);
    assert_int_equal(attr_set(node_under_test(), "a", NULL, test_deadline()),
                     -EINVAL);
    assert_int_equal(attr_get("-N", "a", test_deadline(), &value), -EINVAL);
    assert_null(value);
    assert_int_equal(attr_delete(node_under_test(), "", test_deadline()),
                     -EINVAL);
    /* nothing reached the CIB */
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), 0);
    {
        const struct attr_node *node =
            attr_snapshot_node(nodes, node_under_test());

        assert_non_null(node);
        assert_null(g_hash_table_lookup(node->attrs, "a"));
        assert_null(g_hash_table_lookup(node->attrs, "#uname"));
    }
    g_ptr_array_unref(nodes);
}

/* ---- local node ---------------------------------------------------------- */

static void test_local_node_from_env(void **state)
{
    char *node = NULL;

    g_setenv("OCF_RESKEY_CRM_meta_on_node", "node-7", TRUE);
    assert_int_equal(attr_local_node(test_deadline(), &node), 0);
    assert_string_equal(node, "node-7");
    g_free(node);
    node = NULL;

    /* Pacemaker's own variable, not a parameter: a local error, never 6 */
    g_setenv("OCF_RESKEY_CRM_meta_on_node", "bad name", TRUE);
    assert_int_equal(attr_local_node(test_deadline(), &node), -EPROTO);
    assert_null(node);
    g_unsetenv("OCF_RESKEY_CRM_meta_on_node");
}

/* The same, with the sentence the agents put in their exit reason. */
static void test_local_node_why(void **state)
{
    char *node = NULL;
    char *reason = NULL;

    g_setenv("OCF_RESKEY_CRM_meta_on_node", "node-7", TRUE);
    assert_int_equal(attr_local_node_why(test_deadline(), &node, &reason), 0);
    assert_string_equal(node, "node-7");
    assert_null(reason);
    g_free(node);
    node = NULL;

    g_setenv("OCF_RESKEY_CRM_meta_on_node", "bad name", TRUE);
    assert_int_equal(attr_local_node_why(test_deadline(), &node, &reason),
                     -EPROTO);
    assert_null(node);
    assert_string_equal(reason,
                        "cannot determine the local node name: "
                        "OCF_RESKEY_CRM_meta_on_node=\"bad name\" is not a "
                        "valid node name");
    g_free(reason);
    g_unsetenv("OCF_RESKEY_CRM_meta_on_node");
}

/* Without the variable the name comes from crm_node -n, as the tool says. */
static void test_local_node_from_crm_node(void **state)
{
    static const char *const argv[] = {"crm_node", "-n", NULL};
    struct run_result res = {0};
    char *node = NULL;
    int rc;

    g_unsetenv("OCF_RESKEY_CRM_meta_on_node");
    assert_int_equal(run_argv(argv, test_deadline(), &res), 0);
    rc = attr_local_node(test_deadline(), &node);
    if (res.exit_status == 102) {
        assert_int_equal(rc, -ENOTCONN);
        assert_null(node);
    } else {
        assert_int_equal(res.exit_status, 0);
        assert_int_equal(rc, 0);
        g_strchomp(res.out);
        assert_string_equal(node, res.out);
        if (live_node != NULL) {
            assert_string_equal(node, live_node);
        }
        g_free(node);
    }
    run_result_clear(&res);
}

/* ---- set, get, delete ---------------------------------------------------- */

static void test_set_get_delete(void **state)
{
    const char *node = node_under_test();
    char *value = NULL;

    assert_int_equal(attr_set(node, "gocf-test-a", "1", test_deadline()), 0);
    assert_int_equal(attr_get(node, "gocf-test-a", test_deadline(), &value), 0);
    assert_string_equal(value, "1");
    g_free(value);
    value = NULL;

    /* overwrite; a value that looks like an option stays a value */
    assert_int_equal(attr_set(node, "gocf-test-a", "-5 x", test_deadline()), 0);
    assert_int_equal(attr_get(node, "gocf-test-a", test_deadline(), &value), 0);
    assert_string_equal(value, "-5 x");
    g_free(value);
    value = NULL;

    assert_int_equal(attr_delete(node, "gocf-test-a", test_deadline()), 0);
    assert_int_equal(attr_get(node, "gocf-test-a", test_deadline(), &value),
                     -ENXIO);
    assert_null(value);
    /* deleting what is absent is success */
    assert_int_equal(attr_delete(node, "gocf-test-a", test_deadline()), 0);
}

static void test_get_absent(void **state)
{
    char *value = NULL;

    assert_int_equal(attr_get(node_under_test(), "gocf-test-never-set",
                              test_deadline(), &value),
                     -ENXIO);
    assert_null(value);
}

static void test_empty_value(void **state)
{
    const char *node = node_under_test();
    char *value = NULL;

    assert_int_equal(attr_set(node, "gocf-test-e", "", test_deadline()), 0);
    assert_int_equal(attr_get(node, "gocf-test-e", test_deadline(), &value), 0);
    assert_string_equal(value, "");
    g_free(value);
    assert_int_equal(attr_delete(node, "gocf-test-e", test_deadline()), 0);
}

/* Transient only: a permanent (<nodes>) attribute of the same name is not
 * what attr_get reads. */
static void test_transient_only(void **state)
{
    const char *const forever[] = {
        "crm_attribute", "-N", node_under_test(), "-n", "gocf-test-p", "-v",
        "forever",       "-l", "forever",         NULL};
    const char *const forever_delete[] = {"crm_attribute",
                                          "-N",
                                          node_under_test(),
                                          "-n",
                                          "gocf-test-p",
                                          "-D",
                                          "-l",
                                          "forever",
                                          NULL};
    char *value = NULL;

    run_ok(forever);
    assert_int_equal(
        attr_get(node_under_test(), "gocf-test-p", test_deadline(), &value),
        -ENXIO);
    assert_int_equal(
        attr_set(node_under_test(), "gocf-test-p", "reboot", test_deadline()),
        0);
    assert_int_equal(
        attr_get(node_under_test(), "gocf-test-p", test_deadline(), &value), 0);
    assert_string_equal(value, "reboot");
    g_free(value);
    assert_int_equal(
        attr_delete(node_under_test(), "gocf-test-p", test_deadline()), 0);
    run_ok(forever_delete);
}

static void test_unknown_node(void **state)
{
    char *value = NULL;

    /* crm_attribute cannot map the name to a node: never a silent success */
    assert_int_equal(
        attr_set("no-such-node", "gocf-test-a", "1", test_deadline()), -EIO);
    assert_int_equal(
        attr_get("no-such-node", "gocf-test-a", test_deadline(), &value),
        -ENXIO);
    assert_null(value);
}

/* ---- faults ----------------------------------------------------------------
 */

static void test_tool_missing(void **state)
{
    char *value = NULL;
    GPtrArray *nodes = NULL;

    g_setenv("OCF_TESTER_FAIL_HAVE_BINARY", "1", TRUE);
    assert_int_equal(attr_set(node_under_test(), "a", "1", test_deadline()),
                     -ENOENT);
    assert_int_equal(attr_get(node_under_test(), "a", test_deadline(), &value),
                     -ENOENT);
    assert_int_equal(attr_delete(node_under_test(), "a", test_deadline()),
                     -ENOENT);
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), -ENOENT);
    assert_null(nodes);
    g_unsetenv("OCF_TESTER_FAIL_HAVE_BINARY");
}

/* A crm_attribute that hangs (the real one cannot on demand): the call ends
 * at the deadline, not when the tool does. */
static void test_tool_hangs(void **state)
{
    g_autofree char *bin = g_build_filename(tmp_dir, "bin", NULL);
    g_autofree char *tool = g_build_filename(bin, "crm_attribute", NULL);
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *path = g_strconcat(bin, ":", old_path, NULL);
    char *value = NULL;
    int64_t start;
    int64_t took_ms;

    assert_int_equal(g_mkdir_with_parents(bin, 0755), 0);
    assert_true(
        g_file_set_contents(tool, "#!/bin/sh\nexec sleep 30\n", -1, NULL));
    assert_int_equal(g_chmod(tool, 0755), 0);
    g_setenv("PATH", path, TRUE);

    start = deadline_now();
    assert_int_equal(attr_get(node_under_test(), "a",
                              deadline_in(300, DEADLINE_NEVER), &value),
                     -ETIMEDOUT);
    took_ms = (deadline_now() - start) / 1000;
    g_setenv("PATH", old_path, TRUE);
    g_unlink(tool);
    g_rmdir(bin);
    assert_null(value);
    if (took_ms > 2000) {
        fail_msg("attr_get took %lld ms past a 300 ms deadline",
                 (long long)took_ms);
    }
}

/* A stub tool \p name in a private PATH, printing \p script's output. */
static char *stub_tool(const char *name, const char *script, char **ret_path)
{
    g_autofree char *bin = g_build_filename(tmp_dir, "stubs", NULL);
    char *tool = g_build_filename(bin, name, NULL);

    assert_int_equal(g_mkdir_with_parents(bin, 0755), 0);
    assert_true(g_file_set_contents(tool, script, -1, NULL));
    assert_int_equal(g_chmod(tool, 0755), 0);
    *ret_path = g_strconcat(bin, ":", g_getenv("PATH"), NULL);
    return tool;
}

/* A strange crm_node answer is a local error quoting it, not -EINVAL (6). */
static void test_local_node_strange_answer(void **state)
{
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *path = NULL;
    g_autofree char *tool = stub_tool(
        "crm_node", "#!/bin/sh\necho '(null)'\necho odd >&2\n", &path);
    char *node = NULL;
    char *reason = NULL;

    g_unsetenv("OCF_RESKEY_CRM_meta_on_node");
    g_setenv("PATH", path, TRUE);
    assert_int_equal(attr_local_node_why(test_deadline(), &node, &reason),
                     -EPROTO);
    g_setenv("PATH", old_path, TRUE);
    g_unlink(tool);
    assert_null(node);
    assert_string_equal(reason, "cannot determine the local node name: "
                                "crm_node -n answered \"(null)\", not a "
                                "node name: odd");
    g_free(reason);
}

/* A failing tool's own stderr line is the reason, not "Input/output error" */
static void test_tool_stderr_in_reason(void **state)
{
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *path = NULL;
    g_autofree char *tool =
        stub_tool("crm_attribute",
                  "#!/bin/sh\necho 'Error performing operation: Too many "
                  "open files' >&2\necho second line >&2\nexit 1\n",
                  &path);
    int r;

    g_setenv("PATH", path, TRUE);
    r = attr_set(node_under_test(), "a", "1", test_deadline());
    g_setenv("PATH", old_path, TRUE);
    g_unlink(tool);
    assert_int_equal(r, -EIO);
    assert_string_equal(attr_strerror(r),
                        "crm_attribute failed (exit 1): Error performing "
                        "operation: Too many open files");
    /* an errno this module did not return: its plain text */
    assert_string_equal(attr_strerror(-ENOSPC), g_strerror(ENOSPC));
}

/* attrd_updater -Q's answer: the value; an attribute attrd lacks: -EIO. */
static void test_attrd_get(void **state)
{
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *path = NULL;
    g_autofree char *tool = stub_tool(
        "attrd_updater",
        "#!/bin/sh\n[ \"$3\" = n3 ] && [ \"$5\" = grace-ack-n1 ] || "
        "{ echo 'Could not query value of x: attribute does not exist' >&2; "
        "exit 78; }\necho 'name=\"grace-ack-n1\" host=\"n3\" value=\"1\"'\n",
        &path);
    char *value = NULL;

    (void)state;
    g_setenv("PATH", path, TRUE);
    assert_int_equal(
        attr_attrd_get("n3", "grace-ack-n1", test_deadline(), &value), 0);
    assert_string_equal(value, "1");
    g_free(value);
    value = NULL;
    assert_int_equal(
        attr_attrd_get("n3", "grace-ack-n2", test_deadline(), &value), -EIO);
    assert_null(value);
    assert_int_equal(attr_attrd_get("n3", "bad name", test_deadline(), &value),
                     -EINVAL);
    g_setenv("PATH", old_path, TRUE);
    g_unlink(tool);
}

/*
 * A tool that writes more than RUN_OUTPUT_MAX: the call fails with
 * -EMSGSIZE and a reason that says so. Cut, the answer would not parse (or
 * would read as fewer nodes), and nothing would say why.
 */
static void test_snapshot_over_limit(void **state)
{
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *path = NULL;
    g_autofree char *script = g_strdup_printf(
        "#!/bin/sh\necho '<status>'\nhead -c %d /dev/zero | tr '\\000' ' '\n"
        "echo '</status>'\n",
        RUN_OUTPUT_MAX);
    g_autofree char *tool = stub_tool("cibadmin", script, &path);
    GPtrArray *nodes = NULL;
    int r;

    g_setenv("PATH", path, TRUE);
    r = attr_snapshot(test_deadline(), &nodes);
    g_setenv("PATH", old_path, TRUE);
    g_unlink(tool);
    assert_int_equal(r, -EMSGSIZE);
    assert_null(nodes);
    assert_string_equal(attr_strerror(r),
                        "cibadmin wrote more than 1024 KiB, the most an agent "
                        "reads: its answer was refused, not cut");
}

/*
 * No cluster at all: run the calls in a child that has a network namespace
 * of its own (Pacemaker's IPC sockets are abstract, so it reaches nothing).
 */
static void test_no_cluster(void **state)
{
    pid_t pid;
    int status;

    if (geteuid() != 0) {
        print_message("# not root: cannot unshare a network namespace; "
                      "the -ENOTCONN case is covered by attr-cluster.sh\n");
        return;
    }
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *value = NULL;
        char *node = NULL;
        GPtrArray *nodes = NULL;
        int bad = 0;

        if (unshare(CLONE_NEWNET) < 0) {
            _exit(99);
        }
        g_unsetenv("CIB_file");
        g_unsetenv("OCF_RESKEY_CRM_meta_on_node");
        bad |= attr_set("n1", "a", "1", test_deadline()) != -ENOTCONN;
        bad |= (attr_get("n1", "a", test_deadline(), &value) != -ENOTCONN) << 1;
        bad |= (attr_delete("n1", "a", test_deadline()) != -ENOTCONN) << 2;
        bad |= (attr_local_node(test_deadline(), &node) != -ENOTCONN) << 3;
        bad |= (attr_snapshot(test_deadline(), &nodes) != -ENOTCONN) << 4;
        _exit(bad);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 99) {
        print_message("# unshare(CLONE_NEWNET) refused; case not run\n");
        return;
    }
    if (WEXITSTATUS(status) != 0) {
        fail_msg("without a cluster these did not return -ENOTCONN "
                 "(bits: 1 set, 2 get, 4 delete, 8 local_node, "
                 "16 snapshot): %d",
                 WEXITSTATUS(status));
    }
}

/* ---- snapshot --------------------------------------------------------------
 */

static const char status_2_1_5[] =
    "<status>\n"
    "  <node_state id=\"1\" uname=\"n1\" in_ccm=\"true\" crmd=\"online\" "
    "crm-debug-origin=\"do_state_transition\" join=\"member\" "
    "expected=\"member\">\n"
    "    <transient_attributes id=\"1\">\n"
    "      <instance_attributes id=\"status-1\">\n"
    "        <nvpair id=\"status-1-grace-active\" name=\"grace-active\" "
    "value=\"1\"/>\n"
    "        <nvpair id=\"status-1-grace-ack-n2\" name=\"grace-ack-n2\" "
    "value=\"1\"/>\n"
    "      </instance_attributes>\n"
    "    </transient_attributes>\n"
    "    <lrm id=\"1\"><lrm_resources><lrm_resource id=\"r\" type=\"Dummy\" "
    "class=\"ocf\" provider=\"heartbeat\"><lrm_rsc_op id=\"r_last_0\" "
    "operation=\"start\"/></lrm_resource></lrm_resources></lrm>\n"
    "  </node_state>\n"
    "  <node_state id=\"2\" uname=\"n2\" in_ccm=\"true\" crmd=\"offline\" "
    "join=\"down\" expected=\"down\"/>\n"
    "  <node_state id=\"3\" uname=\"n3\" in_ccm=\"false\" crmd=\"online\" "
    "join=\"member\"/>\n"
    "</status>\n";

static void test_parse_2_1_5(void **state)
{
    GPtrArray *nodes = NULL;
    const struct attr_node *n1;
    const struct attr_node *n2;
    const struct attr_node *n3;

    assert_int_equal(attr_snapshot_parse(status_2_1_5, &nodes), 0);
    assert_int_equal(nodes->len, 3);
    n1 = attr_snapshot_node(nodes, "n1");
    n2 = attr_snapshot_node(nodes, "n2");
    n3 = attr_snapshot_node(nodes, "n3");
    assert_non_null(n1);
    assert_non_null(n2);
    assert_non_null(n3);
    assert_true(n1->online);
    assert_false(n2->online);
    assert_false(n3->online);
    assert_int_equal(g_hash_table_size(n1->attrs), 2);
    assert_string_equal(g_hash_table_lookup(n1->attrs, "grace-active"), "1");
    assert_string_equal(g_hash_table_lookup(n1->attrs, "grace-ack-n2"), "1");
    assert_int_equal(g_hash_table_size(n2->attrs), 0);
    assert_string_equal(attr_node_value(n1, "grace-active"), "1");
    assert_null(attr_node_value(n1, "ganesha-active"));
    assert_null(attr_node_value(n2, "grace-active"));
    assert_null(attr_node_value(NULL, "grace-active"));
    assert_null(attr_snapshot_node(nodes, "n4"));
    g_ptr_array_unref(nodes);
}

/* Newer Pacemaker writes timestamps instead of "true"/"online". */
static void test_parse_timestamps(void **state)
{
    static const char xml[] =
        "<status><node_state id=\"1\" uname=\"a\" in_ccm=\"1700000000\" "
        "crmd=\"1700000001\" join=\"member\"/>"
        "<node_state id=\"2\" uname=\"b\" in_ccm=\"1700000000\" crmd=\"0\" "
        "join=\"member\"/>"
        "<node_state id=\"3\" uname=\"c\" in_ccm=\"17x\" crmd=\"online\" "
        "join=\"member\"/></status>";
    GPtrArray *nodes = NULL;

    assert_int_equal(attr_snapshot_parse(xml, &nodes), 0);
    assert_true(attr_snapshot_node(nodes, "a")->online);
    assert_false(attr_snapshot_node(nodes, "b")->online);
    assert_false(attr_snapshot_node(nodes, "c")->online);
    g_ptr_array_unref(nodes);
}

/* cibadmin --xpath may wrap several matches in <xpath-query>; a whole CIB
 * works too. Only transient nvpairs count. */
static void test_parse_wrappers(void **state)
{
    static const char wrapped[] =
        "<?xml version=\"1.0\"?>\n<xpath-query>\n<nodes><node id=\"1\" "
        "uname=\"n1\"><instance_attributes id=\"nodes-1\"><nvpair "
        "id=\"nodes-1-p\" name=\"p\" value=\"forever\"/>"
        "</instance_attributes></node></nodes>\n"
        "<status><node_state id=\"1\" uname=\"n1\" in_ccm=\"true\" "
        "crmd=\"online\" join=\"member\"><transient_attributes id=\"1\">"
        "<instance_attributes id=\"status-1\"><nvpair id=\"status-1-x\" "
        "name=\"x\" value=\"a&amp;b\"/></instance_attributes>"
        "</transient_attributes><lrm id=\"1\"><instance_attributes "
        "id=\"odd\"><nvpair id=\"o\" name=\"y\" value=\"no\"/>"
        "</instance_attributes></lrm></node_state></status>"
        "</xpath-query>\n";
    static const char cib[] =
        "<cib epoch=\"1\"><configuration/><status><node_state id=\"9\" "
        "uname=\"z\" in_ccm=\"true\" crmd=\"online\" join=\"member\"/>"
        "<node_state id=\"10\" in_ccm=\"true\" crmd=\"online\"/>"
        "</status></cib>";
    GPtrArray *nodes = NULL;
    const struct attr_node *n1;

    assert_int_equal(attr_snapshot_parse(wrapped, &nodes), 0);
    assert_int_equal(nodes->len, 1);
    n1 = attr_snapshot_node(nodes, "n1");
    assert_non_null(n1);
    assert_int_equal(g_hash_table_size(n1->attrs), 1);
    assert_string_equal(g_hash_table_lookup(n1->attrs, "x"), "a&b");
    g_ptr_array_unref(nodes);

    /* a node_state without uname is skipped */
    assert_int_equal(attr_snapshot_parse(cib, &nodes), 0);
    assert_int_equal(nodes->len, 1);
    assert_true(attr_snapshot_node(nodes, "z")->online);
    g_ptr_array_unref(nodes);

    assert_int_equal(attr_snapshot_parse("<status/>", &nodes), 0);
    assert_int_equal(nodes->len, 0);
    g_ptr_array_unref(nodes);
}

/*
 * The answer to ATTR_SNAPSHOT_XPATH with --no-children, as cibadmin 2.1.5
 * prints it: flat, each node_state followed by its own nvpairs. A node_state
 * without uname takes its nvpairs with it; an nvpair before any node_state
 * belongs to none.
 */
static void test_parse_flat_answer(void **state)
{
    static const char xml[] =
        "<xpath-query>\n"
        "  <nvpair id=\"stray\" name=\"stray\" value=\"1\"/>\n"
        "  <node_state id=\"1\" uname=\"n1\" in_ccm=\"true\" "
        "crmd=\"online\" crm-debug-origin=\"do_update_resource\" "
        "join=\"member\" expected=\"member\"/>\n"
        "  <nvpair id=\"status-1-ganesha-active\" name=\"ganesha-active\" "
        "value=\"1\"/>\n"
        "  <nvpair id=\"status-1-grace-ack-n3\" name=\"grace-ack-n3\" "
        "value=\"1\"/>\n"
        "  <node_state id=\"2\" in_ccm=\"true\" crmd=\"online\" "
        "join=\"member\"/>\n"
        "  <nvpair id=\"status-2-grace-active\" name=\"grace-active\" "
        "value=\"1\"/>\n"
        "  <node_state id=\"3\" uname=\"n3\" in_ccm=\"true\" "
        "crmd=\"online\" join=\"member\" expected=\"member\"/>\n"
        "  <nvpair id=\"status-3-grace-active\" name=\"grace-active\" "
        "value=\"1\"/>\n"
        "  <node_state id=\"4\" uname=\"n4\" in_ccm=\"false\" "
        "crmd=\"offline\" join=\"down\" expected=\"down\"/>\n"
        "</xpath-query>\n";
    GPtrArray *nodes = NULL;
    const struct attr_node *n1;
    const struct attr_node *n3;
    const struct attr_node *n4;

    assert_int_equal(attr_snapshot_parse(xml, &nodes), 0);
    assert_int_equal(nodes->len, 3);
    n1 = attr_snapshot_node(nodes, "n1");
    n3 = attr_snapshot_node(nodes, "n3");
    n4 = attr_snapshot_node(nodes, "n4");
    assert_non_null(n1);
    assert_non_null(n3);
    assert_non_null(n4);
    assert_true(n1->online);
    assert_true(n3->online);
    assert_false(n4->online);
    assert_int_equal(g_hash_table_size(n1->attrs), 2);
    assert_string_equal(attr_node_value(n1, "ganesha-active"), "1");
    assert_string_equal(attr_node_value(n1, "grace-ack-n3"), "1");
    assert_null(attr_node_value(n1, "stray"));
    /* the unnamed node's grace-active went nowhere, n3's is its own */
    assert_int_equal(g_hash_table_size(n3->attrs), 1);
    assert_string_equal(attr_node_value(n3, "grace-active"), "1");
    assert_int_equal(g_hash_table_size(n4->attrs), 0);
    g_ptr_array_unref(nodes);

    /* one node without attributes: one match, no <xpath-query> */
    assert_int_equal(attr_snapshot_parse("<node_state id=\"1\" uname=\"n1\" "
                                         "in_ccm=\"true\" crmd=\"online\" "
                                         "join=\"member\"/>",
                                         &nodes),
                     0);
    assert_int_equal(nodes->len, 1);
    assert_true(attr_snapshot_node(nodes, "n1")->online);
    g_ptr_array_unref(nodes);
}

static void test_parse_garbage(void **state)
{
    GPtrArray *nodes = NULL;

    assert_int_equal(attr_snapshot_parse("<status><node_state", &nodes),
                     -EBADMSG);
    assert_int_equal(attr_snapshot_parse("not xml at all <", &nodes), -EBADMSG);
    assert_int_equal(attr_snapshot_parse("<a></b>", &nodes), -EBADMSG);
    assert_int_equal(attr_snapshot_parse(NULL, &nodes), -EINVAL);
    assert_null(nodes);
}

/* The real tools: what crm_attribute wrote, one cibadmin query reads. */
static void test_snapshot_sees_set(void **state)
{
    const char *node = node_under_test();
    GPtrArray *nodes = NULL;
    const struct attr_node *found;

    assert_int_equal(attr_set(node, "gocf-test-s", "42", test_deadline()), 0);
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), 0);
    found = attr_snapshot_node(nodes, node);
    assert_non_null(found);
    assert_true(found->online);
    assert_string_equal(g_hash_table_lookup(found->attrs, "gocf-test-s"), "42");
    g_ptr_array_unref(nodes);

    assert_int_equal(attr_delete(node, "gocf-test-s", test_deadline()), 0);
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), 0);
    found = attr_snapshot_node(nodes, node);
    assert_non_null(found);
    assert_null(g_hash_table_lookup(found->attrs, "gocf-test-s"));
    g_ptr_array_unref(nodes);
}

/* An empty status section: cibadmin's xpath finds no node_state. */
static void test_snapshot_empty_status(void **state)
{
    static const char *const empty[] = {"cibadmin", "--empty", NULL};
    g_autofree char *path = g_build_filename(tmp_dir, "empty.xml", NULL);
    struct run_result res = {0};
    GPtrArray *nodes = NULL;

    assert_int_equal(run_argv(empty, test_deadline(), &res), 0);
    assert_true(g_file_set_contents(path, res.out, -1, NULL));
    run_result_clear(&res);
    g_setenv("CIB_file", path, TRUE);
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), 0);
    g_setenv("CIB_file", cib_path, TRUE);
    g_unlink(path);
    assert_int_equal(nodes->len, 0);
    g_ptr_array_unref(nodes);
}

/* ---- scale: a 32-node status ----------------------------------------------
 */

/*
 * How node k (from 1) of a generated status stands: most are members; of
 * every eight, the fifth has left (fenced: Pacemaker erased its history and
 * attributes), the sixth is joining, the seventh lost its controller (its
 * history and attributes are still there).
 */
enum gen_state { GEN_MEMBER, GEN_LEFT, GEN_JOINING, GEN_NO_CONTROLLER };

static enum gen_state gen_state_of(unsigned k)
{
    switch (k % 8) {
    case 5:
        return GEN_LEFT;
    case 6:
        return GEN_JOINING;
    case 7:
        return GEN_NO_CONTROLLER;
    default:
        return GEN_MEMBER;
    }
}

/* One operation's history entry, with the attributes Pacemaker 2.1.5 keeps. */
static void gen_op(GString *x, const char *rsc, const char *op,
                   unsigned interval, int rc, const char *node, unsigned call)
{
    g_autofree char *key = g_strdup_printf("%s_%s_%u", rsc, op, interval);
    g_autofree char *tkey = g_strdup_printf(
        "%u:12:%d:6b1c39a9-0c5e-4ea5-a4b9-0d38a0a1f3a5", call, rc);

    g_string_append_printf(
        x,
        "<lrm_rsc_op id=\"%s%s\" operation_key=\"%s\" operation=\"%s\" "
        "crm-debug-origin=\"do_update_resource\" crm_feature_set=\"3.16.2\" "
        "transition-key=\"%s\" transition-magic=\"0:%d;%s\" exit-reason=\"\" "
        "on_node=\"%s\" call-id=\"%u\" rc-code=\"%d\" op-status=\"0\" "
        "interval=\"%u\" last-rc-change=\"1733400000\" exec-time=\"42\" "
        "queue-time=\"0\" op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"",
        interval == 0 ? rsc : key, interval == 0 ? "_last_0" : "", key, op,
        tkey, rc, tkey, node, call, rc, interval);
    if (strcmp(op, "start") == 0) {
        g_string_append(x, " op-force-restart=\" state_dir \" "
                           "op-restart-digest=\"f2317cad3d54cec5d7d7aa7d0bf"
                           "35cf8\"");
    }
    g_string_append(x, "/>");
}

/* A resource's history on a node: start and monitor, or a probe (rc 7). */
static void gen_resource(GString *x, const char *rsc, const char *agent,
                         bool runs_here, const char *node, unsigned *call)
{
    bool fence = g_str_has_prefix(agent, "fence_");

    g_string_append_printf(
        x, "<lrm_resource id=\"%s\" type=\"%s\" %s>", rsc, agent,
        fence ? "class=\"stonith\"" : "class=\"ocf\" provider=\"heartbeat\"");
    if (runs_here) {
        gen_op(x, rsc, "start", 0, 0, node, (*call)++);
        gen_op(x, rsc, "monitor", 10000, 0, node, (*call)++);
    } else {
        gen_op(x, rsc, "monitor", 0, 7, node, (*call)++);
    }
    g_string_append(x, "</lrm_resource>");
}

static void gen_attr(GString *x, unsigned k, const char *name,
                     const char *value)
{
    g_autofree char *esc = g_markup_escape_text(name, -1);

    g_string_append_printf(x,
                           "<nvpair id=\"status-%u-%s\" name=\"%s\" "
                           "value=\"%s\"/>",
                           k, esc, esc, value);
}

/*
 * A whole CIB of \p n nodes whose status is what Pacemaker 2.1.5 writes for a
 * ganesha-ha.sh cluster with a fencing device per node: the three clones
 * (nfs_setup, nfs-mon, nfs-grace), each node's group (handoff, VIP,
 * nfs_unblock) and fencing device, all probed on every node (3 + 4n
 * resources in each node's history). The agents' attributes: every node
 * publishes ganesha-active and grace-active, except n1, whose ganesha just
 * died: it withdrew grace-active and every member acked.
 */
static char *gen_cib(unsigned n)
{
    static const char *const group[] = {"handoff",      "ganesha_handoff",
                                        "cluster_ip-1", "IPaddr2",
                                        "nfs_unblock",  "portblock"};
    GString *x = g_string_new(
        "<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" "
        "epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\"><configuration>"
        "<crm_config/><nodes>");

    for (unsigned k = 1; k <= n; k++) {
        g_string_append_printf(x, "<node id=\"%u\" uname=\"n%u\"/>", k, k);
    }
    g_string_append(x, "</nodes><resources/><constraints/></configuration>"
                       "<status>");
    for (unsigned k = 1; k <= n; k++) {
        static const char *const states[] = {
            [GEN_MEMBER] = "in_ccm=\"true\" crmd=\"online\" "
                           "crm-debug-origin=\"do_update_resource\" "
                           "join=\"member\" expected=\"member\"",
            [GEN_LEFT] = "in_ccm=\"false\" crmd=\"offline\" "
                         "crm-debug-origin=\"send_stonith_update\" "
                         "join=\"down\" expected=\"down\"",
            [GEN_JOINING] = "in_ccm=\"true\" crmd=\"online\" "
                            "crm-debug-origin=\"do_lrm_query_internal\" "
                            "join=\"pending\" expected=\"member\"",
            [GEN_NO_CONTROLLER] = "in_ccm=\"true\" crmd=\"offline\" "
                                  "crm-debug-origin=\"peer_update_callback\" "
                                  "join=\"down\" expected=\"member\"",
        };
        enum gen_state st = gen_state_of(k);
        g_autofree char *node = g_strdup_printf("n%u", k);
        unsigned call = 1;

        g_string_append_printf(x, "<node_state id=\"%u\" uname=\"n%u\" %s>", k,
                               k, states[st]);
        if (st == GEN_LEFT) {
            g_string_append(x, "</node_state>");
            continue;
        }
        g_string_append_printf(x, "<lrm id=\"%u\"><lrm_resources>", k);
        gen_resource(x, "nfs_setup", "ganesha_nfsd", true, node, &call);
        gen_resource(x, "nfs-mon", "ganesha_mon", true, node, &call);
        gen_resource(x, "nfs-grace", "ganesha_grace", true, node, &call);
        for (unsigned j = 1; j <= n; j++) {
            for (size_t g = 0; g < G_N_ELEMENTS(group); g += 2) {
                g_autofree char *rsc = g_strdup_printf("n%u-%s", j, group[g]);

                gen_resource(x, rsc, group[g + 1], j == k, node, &call);
            }
            {
                g_autofree char *rsc = g_strdup_printf("fence-n%u", j);

                gen_resource(x, rsc, "fence_ipmilan", j % n + 1 == k, node,
                             &call);
            }
        }
        g_string_append_printf(x,
                               "</lrm_resources></lrm><transient_attributes "
                               "id=\"%u\"><instance_attributes "
                               "id=\"status-%u\">",
                               k, k);
        gen_attr(x, k, "#feature-set", "3.16.2");
        if (st != GEN_JOINING) {
            gen_attr(x, k, "ganesha-active", "1");
            if (k != 1) {
                gen_attr(x, k, "grace-active", "1");
            }
        }
        if (k == 1) {
            for (unsigned j = 2; j <= n; j++) {
                if (gen_state_of(j) == GEN_MEMBER) {
                    g_autofree char *ack = g_strdup_printf("grace-ack-n%u", j);

                    gen_attr(x, k, ack, "1");
                }
            }
        }
        g_string_append(x, "</instance_attributes></transient_attributes>"
                           "</node_state>");
    }
    g_string_append(x, "</status></cib>\n");
    return g_string_free(x, FALSE);
}

/* What a tool prints on stdout, whatever its size (no RUN_OUTPUT_MAX). */
static char *tool_output(const char *const *argv)
{
    g_autoptr(GError) error = NULL;
    char *out = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, &out, NULL, &status, &error)) {
        fail_msg("cannot run %s: %s", argv[0], error->message);
    }
    if (!g_spawn_check_wait_status(status, &error)) {
        fail_msg("%s failed: %s", argv[0], error->message);
    }
    return out;
}

/* The snapshot of gen_cib(n) holds every node, its membership, its values. */
static void check_generated(GPtrArray *nodes, unsigned n)
{
    const struct attr_node *n1 = attr_snapshot_node(nodes, "n1");
    unsigned expected = 0;
    unsigned acks = 0;

    for (unsigned j = 2; j <= n; j++) {
        acks += gen_state_of(j) == GEN_MEMBER;
    }
    assert_int_equal(nodes->len, n);
    assert_non_null(n1);
    for (unsigned k = 1; k <= n; k++) {
        g_autofree char *name = g_strdup_printf("n%u", k);
        g_autofree char *ack = g_strdup_printf("grace-ack-%s", name);
        const struct attr_node *node = attr_snapshot_node(nodes, name);
        enum gen_state st = gen_state_of(k);

        if (node == NULL) {
            fail_msg("%s is missing from the snapshot of %u nodes", name, n);
        }
        if (node->online != (st == GEN_MEMBER)) {
            fail_msg("%s reads as %s, its node_state says otherwise", name,
                     node->online ? "online" : "not online");
        }
        /* nothing of another node's, nothing of the history */
        assert_int_equal(g_hash_table_size(node->attrs), st == GEN_LEFT      ? 0
                                                         : st == GEN_JOINING ? 1
                                                         : k == 1 ? 2 + acks
                                                                  : 3);
        if (st == GEN_LEFT) {
            continue;
        }
        assert_string_equal(attr_node_value(node, "#feature-set"), "3.16.2");
        if (st == GEN_JOINING) {
            continue;
        }
        assert_string_equal(attr_node_value(node, "ganesha-active"), "1");
        if (k == 1) {
            assert_null(attr_node_value(node, "grace-active"));
            continue;
        }
        assert_string_equal(attr_node_value(node, "grace-active"), "1");
        /* what mon_missing_acks() asks: every expected survivor acked */
        if (node->online) {
            expected++;
            if (g_strcmp0(attr_node_value(n1, ack), "1") != 0) {
                fail_msg("n1 lacks the ack of %s", name);
            }
        } else {
            assert_null(attr_node_value(n1, ack));
        }
    }
    assert_int_equal(expected, acks);
}

/*
 * A 32-node status (the Corosync limit) read with the real cibadmin from a
 * CIB file: the snapshot's query stays far below RUN_OUTPUT_MAX where the
 * whole /cib/status passes it, the parser finds every node with its
 * membership and attributes, and the old answer is refused, not cut. The
 * sizes at 3, 8, 16 and 32 nodes are printed for doc/benchmarks.md.
 */
static void test_snapshot_32_nodes(void **state)
{
    static const unsigned counts[] = {3, 8, 16, 32};
    static const char *const whole[] = {"cibadmin", "--query",     "--local",
                                        "--xpath",  "/cib/status", NULL};
    static const char *const snapshot[] = {
        "cibadmin", "--query",           "--local", "--no-children",
        "--xpath",  ATTR_SNAPSHOT_XPATH, NULL};
    g_autofree char *cib = g_build_filename(tmp_dir, "scale.xml", NULL);
    g_autofree char *old_answer = g_build_filename(tmp_dir, "old.xml", NULL);
    g_autofree char *script = NULL;
    g_autofree char *tool = NULL;
    g_autofree char *path = NULL;
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    struct run_result res = {0};
    GPtrArray *nodes = NULL;
    int r;

    g_setenv("CIB_file", cib, TRUE);
    for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
        g_autofree char *xml = gen_cib(counts[i]);
        g_autofree char *old_out = NULL;
        g_autofree char *new_out = NULL;

        assert_true(g_file_set_contents(cib, xml, -1, NULL));
        old_out = tool_output(whole);
        new_out = tool_output(snapshot);
        print_message("# %2u nodes: CIB file %zu bytes; cibadmin --xpath "
                      "/cib/status %zu bytes; the snapshot's query %zu "
                      "bytes\n",
                      counts[i], strlen(xml), strlen(old_out), strlen(new_out));
        if (strlen(new_out) > RUN_OUTPUT_MAX / 32) {
            fail_msg("the snapshot of %u nodes is %zu bytes: not far below "
                     "RUN_OUTPUT_MAX (%d)",
                     counts[i], strlen(new_out), RUN_OUTPUT_MAX);
        }
        if (counts[i] == 32) {
            /* what this test is about: else the status is too small */
            assert_true(strlen(old_out) > RUN_OUTPUT_MAX);
            assert_true(g_file_set_contents(old_answer, old_out, -1, NULL));
        }
    }

    /* (b) the real query and parser on 32 nodes */
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), 0);
    check_generated(nodes, 32);
    g_ptr_array_unref(nodes);
    nodes = NULL;

    /* (c) the whole status is over the limit: an error, not a cut */
    assert_int_equal(run_argv(whole, test_deadline(), &res), -EMSGSIZE);
    assert_null(res.out);
    script = g_strdup_printf("#!/bin/sh\nexec cat '%s'\n", old_answer);
    tool = stub_tool("cibadmin", script, &path);
    g_setenv("PATH", path, TRUE);
    r = attr_snapshot(test_deadline(), &nodes);
    g_setenv("PATH", old_path, TRUE);
    g_unlink(tool);
    g_unlink(old_answer);
    g_unlink(cib);
    g_setenv("CIB_file", cib_path, TRUE);
    assert_int_equal(r, -EMSGSIZE);
    assert_null(nodes);
    assert_non_null(strstr(attr_strerror(r), "refused, not cut"));
}

/* ---- the cluster is down (GOCF_TEST_ATTR_DOWN=1) --------------------------
 */

static void test_down_everything_enotconn(void **state)
{
    char *value = NULL;
    char *node = NULL;
    GPtrArray *nodes = NULL;
    int64_t start = deadline_now();

    g_unsetenv("OCF_RESKEY_CRM_meta_on_node");
    assert_int_equal(attr_set("n1", "gocf-test-a", "1", test_deadline()),
                     -ENOTCONN);
    assert_int_equal(attr_get("n1", "gocf-test-a", test_deadline(), &value),
                     -ENOTCONN);
    assert_int_equal(attr_delete("n1", "gocf-test-a", test_deadline()),
                     -ENOTCONN);
    assert_int_equal(attr_local_node(test_deadline(), &node), -ENOTCONN);
    assert_int_equal(attr_snapshot(test_deadline(), &nodes), -ENOTCONN);
    assert_null(value);
    assert_null(node);
    assert_null(nodes);
    /* a clear error, quickly: no tool waits for a cluster that is not there */
    assert_true(deadline_now() - start < 5 * 1000000);
}

int main(void)
{
    const struct CMUnitTest file_tests[] = {
        cmocka_unit_test(test_node_names),
        cmocka_unit_test(test_attribute_names),
        cmocka_unit_test(test_local_node_from_env),
        cmocka_unit_test(test_local_node_why),
        cmocka_unit_test(test_local_node_from_crm_node),
        cmocka_unit_test(test_parse_2_1_5),
        cmocka_unit_test(test_parse_timestamps),
        cmocka_unit_test(test_parse_wrappers),
        cmocka_unit_test(test_parse_flat_answer),
        cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test_setup_teardown(test_bad_names_refused, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_set_get_delete, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_get_absent, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_empty_value, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_transient_only, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_node, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_sees_set, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_empty_status, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_32_nodes, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_tool_missing, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_tool_hangs, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_local_node_strange_answer,
                                        cib_setup, cib_teardown),
        cmocka_unit_test_setup_teardown(test_tool_stderr_in_reason, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_over_limit, cib_setup,
                                        cib_teardown),
        cmocka_unit_test_setup_teardown(test_attrd_get, cib_setup,
                                        cib_teardown),
        cmocka_unit_test(test_no_cluster),
    };
    const struct CMUnitTest live_tests[] = {
        cmocka_unit_test(test_local_node_from_crm_node),
        cmocka_unit_test(test_bad_names_refused),
        cmocka_unit_test(test_set_get_delete),
        cmocka_unit_test(test_get_absent),
        cmocka_unit_test(test_empty_value),
        cmocka_unit_test(test_snapshot_sees_set),
        cmocka_unit_test(test_tool_hangs),
    };
    const struct CMUnitTest down_tests[] = {
        cmocka_unit_test(test_down_everything_enotconn),
    };
    int rc;

    unsetenv("OCF_TESTER_FAIL_HAVE_BINARY");
    unsetenv("OCF_RESKEY_CRM_meta_on_node");
    live_node = getenv("GOCF_TEST_ATTR_LIVE");
    if (live_node != NULL && live_node[0] == '\0') {
        live_node = NULL;
    }
    if (live_node == NULL && getenv("GOCF_TEST_ATTR_DOWN") == NULL &&
        (!run_have_program("crm_attribute") || !run_have_program("cibadmin"))) {
        printf("1..0 # SKIP crm_attribute/cibadmin (pacemaker-cli-utils) "
               "not installed\n");
        return 0;
    }
    tmp_dir = g_dir_make_tmp("test_attr-XXXXXX", NULL);
    assert_non_null(tmp_dir);
    cib_path = g_build_filename(tmp_dir, "cib.xml", NULL);
    log_init("test_attr", NULL);

    if (getenv("GOCF_TEST_ATTR_DOWN") != NULL) {
        unsetenv("CIB_file");
        rc = cmocka_run_group_tests_name("attr, cluster down", down_tests, NULL,
                                         NULL);
    } else if (live_node != NULL) {
        unsetenv("CIB_file");
        rc = cmocka_run_group_tests_name("attr, live cluster", live_tests, NULL,
                                         NULL);
    } else {
        rc = cmocka_run_group_tests_name("attr, CIB file", file_tests, NULL,
                                         NULL);
    }
    log_fini();
    g_rmdir(tmp_dir);
    g_free(cib_path);
    g_free(tmp_dir);
    return rc;
}
