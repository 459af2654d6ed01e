/*
 * test_peerhint: the watchers' group messages (formatted, parsed back,
 * anything else refused) and the takeover record (written, taken once,
 * counted only for the same live ganesha and while fresh).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon.h"
#include "peerhint.h"

static void assert_parsed(const char *msg, int want, enum peerhint_kind kind,
                          const char *node)
{
    enum peerhint_kind got_kind = 0;
    g_autofree char *got_node = NULL;

    assert_int_equal(peerhint_parse(msg, strlen(msg), &got_kind, &got_node),
                     want);
    if (want == 0) {
        assert_int_equal(got_kind, kind);
        assert_string_equal(got_node, node);
    } else {
        assert_null(got_node);
    }
}

static void test_round_trip(void **state)
{
    static const enum peerhint_kind kinds[] = {PEERHINT_HERE, PEERHINT_DOWN,
                                               PEERHINT_UP};
    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        size_t len = 0;
        g_autofree char *msg = peerhint_format(kinds[i], "node-2.lab", &len);

        assert_non_null(msg);
        assert_int_equal(len, strlen(msg));
        assert_parsed(msg, 0, kinds[i], "node-2.lab");
    }
    assert_parsed("ganesha-ocf/1 down n2", 0, PEERHINT_DOWN, "n2");
}

static void test_refused(void **state)
{
    size_t len = 0;
    enum peerhint_kind kind;
    char *node = NULL;
    char big[PEERHINT_MSG_MAX + 2];

    (void)state;
    assert_null(peerhint_format(PEERHINT_DOWN, "bad name", &len));
    assert_null(peerhint_format(PEERHINT_DOWN, "", &len));
    assert_parsed("ganesha-ocf/2 down n2", -EPROTO, 0, NULL);
    assert_parsed("ganesha-ocf/1 down", -EINVAL, 0, NULL);
    assert_parsed("ganesha-ocf/1 down n2 n3", -EINVAL, 0, NULL);
    assert_parsed("ganesha-ocf/1 sideways n2", -EINVAL, 0, NULL);
    assert_parsed("ganesha-ocf/1 down n2;rm", -EINVAL, 0, NULL);
    assert_parsed("ganesha-ocf/1  down n2", -EINVAL, 0, NULL);
    assert_parsed("hello", -EINVAL, 0, NULL);
    assert_int_equal(
        peerhint_parse("ganesha-ocf/1 down n\0002", 22, &kind, &node), -EINVAL);
    assert_int_equal(peerhint_parse(NULL, 0, &kind, &node), -EINVAL);
    memset(big, 'a', sizeof(big));
    assert_int_equal(peerhint_parse(big, sizeof(big), &kind, &node), -EINVAL);
    assert_null(node);
}

/* peerhint_takeover_parse() of a record's text, loaded as state_read does */
static int parse_text(const char *text, struct daemon_id *id, int64_t *at)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    if (!g_key_file_load_from_data(kf, text, strlen(text), G_KEY_FILE_NONE,
                                   NULL)) {
        return -EINVAL;
    }
    return peerhint_takeover_parse(kf, id, at);
}

static void test_record_parse(void **state)
{
    struct daemon_id id;
    int64_t at;

    (void)state;
    assert_int_equal(
        parse_text("[takeover]\npid=12\nstart=34\nat_ms=56\n", &id, &at), 0);
    assert_int_equal(id.pid, 12);
    assert_int_equal(id.start, 34);
    assert_int_equal(at, 56);
    assert_int_equal(
        parse_text("[takeover]\npid=12\nstart=34\nat_ms=56", &id, &at), 0);
    assert_int_equal(
        parse_text("[takeover]\npid=0\nstart=34\nat_ms=56\n", &id, &at),
        -EINVAL);
    assert_int_equal(
        parse_text("[takeover]\npid=12\nstart=34\nat_ms=-5\n", &id, &at),
        -EINVAL);
    assert_int_equal(
        parse_text("[takeover]\npid=12\nstart=34 7\nat_ms=56\n", &id, &at),
        -EINVAL);
    assert_int_equal(
        parse_text("[takeover]\npid=12\nstart=x\nat_ms=56\n", &id, &at),
        -EINVAL);
    assert_int_equal(parse_text("[takeover]\npid=12\nstart=34\n", &id, &at),
                     -EINVAL);
    assert_int_equal(
        parse_text("[other]\npid=12\nstart=34\nat_ms=56\n", &id, &at), -EINVAL);
    assert_int_equal(parse_text("", &id, &at), -EINVAL);
}

/* A stand-in ganesha: sleep, run through a link named ganesha.nfsd. */
static pid_t fake_ganesha(const char *dir)
{
    g_autofree char *link = g_build_filename(dir, DAEMON_NAME, NULL);
    pid_t pid;

    if (symlink("/bin/sleep", link) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        execl(link, DAEMON_NAME, "30", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void test_record_taken_once(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("test_peerhint.XXXXXX", NULL);
    g_autofree char *key = NULL;
    g_autofree char *path = NULL;
    g_autofree char *old = NULL;
    struct daemon_id id = {0};
    int64_t age = -1;
    pid_t pid;
    int tries = 0;

    (void)state;
    assert_non_null(dir);
    setenv("HA_RSCTMP", dir, 1);
    pid = fake_ganesha(dir);
    assert_true(pid > 0);
    /* until sh has exec'ed sleep under its new name */
    while (daemon_pid_is(pid, DAEMON_NAME) != 1 && tries++ < 200) {
        g_usleep(10000);
    }
    assert_int_equal(daemon_id_of(pid, &id), 0);

    assert_int_equal(peerhint_takeover_take("n2", &age), 0); /* none */
    assert_int_equal(peerhint_takeover_record("n2", &id), 0);
    key = peerhint_takeover_key("n2");
    path = g_build_filename(dir, key, NULL);
    assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    assert_int_equal(peerhint_takeover_take("n2", &age), 1);
    assert_true(age >= 0 && age < 5000);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    assert_int_equal(peerhint_takeover_take("n2", &age), 0); /* taken */

    /* another process (a restarted ganesha) does not count */
    id.start++;
    assert_int_equal(peerhint_takeover_record("n2", &id), 0);
    assert_int_equal(peerhint_takeover_take("n2", &age), 0);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    id.start--;

    /* nor an old one, for this very process */
    old = g_strdup_printf("[takeover]\npid=%ld\nstart=%llu\nat_ms=1\n",
                          (long)id.pid, (unsigned long long)id.start);
    assert_true(g_file_set_contents(path, old, -1, NULL));
    assert_int_equal(peerhint_takeover_take("n2", &age), 0);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

    /* nor garbage, which is removed all the same */
    assert_true(g_file_set_contents(path, "garbage", -1, NULL));
    assert_int_equal(peerhint_takeover_take("n2", &age), 0);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

    /* nor a FIFO (never a hang), nor a link */
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(peerhint_takeover_take("n2", &age), 0);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    assert_int_equal(symlink("/etc/hostname", path), 0);
    assert_int_equal(peerhint_takeover_take("n2", &age), 0);
    assert_false(g_file_test(path, G_FILE_TEST_IS_SYMLINK));

    assert_int_equal(peerhint_takeover_record("bad name", &id), -EINVAL);
    assert_int_equal(peerhint_takeover_take("bad name", &age), -EINVAL);

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* the process is gone: its record no longer counts */
    assert_int_equal(peerhint_takeover_record("n2", &id), 0);
    assert_int_equal(peerhint_takeover_take("n2", &age), 0);
    {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *f = g_build_filename(dir, name, NULL);

            g_unlink(f);
        }
    }
    assert_int_equal(g_rmdir(dir), 0);
    unsetenv("HA_RSCTMP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_record_parse),
        cmocka_unit_test(test_record_taken_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
