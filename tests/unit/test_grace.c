/*
 * test_grace: the D-Bus admin calls against a real ganesha.nfsd on a private
 * dbus-daemon (tests/lib/private-ganesha.sh), and every way the call can
 * fail: ganesha dead or frozen, the bus dead or frozen, no bus at all.
 * Without root or the packages only the no-ganesha cases run.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dbus/dbus.h>

#include "deadline.h"
#include "grace.h"
#include "log.h"
#include "run.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Slack allowed past a deadline before a call counts as late. */
#define SLACK_MS 500

static char *helper;  /* tests/lib/private-ganesha.sh */
static char *tmp_dir; /* per test program */

struct ganesha {
    char *dir;
    pid_t ganesha_pid;
    pid_t bus_pid;
};

static pid_t read_pid(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = NULL;

    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return (pid_t)strtol(text, NULL, 10);
}

static void helper_run(const char *verb, const char *dir)
{
    const char *const argv[] = {"sh", helper, verb, dir, NULL};
    struct run_result res = {0};

    assert_int_equal(run_argv(argv, deadline_in(30000, DEADLINE_NEVER), &res),
                     0);
    if (res.exit_status != 0) {
        fail_msg("private-ganesha.sh %s failed (exit %d): %s", verb,
                 res.exit_status, res.err);
    }
    run_result_clear(&res);
}

static int ganesha_setup(void **state)
{
    struct ganesha *g = g_new0(struct ganesha, 1);
    g_autofree char *address = NULL;

    g->dir = g_build_filename(tmp_dir, "ganesha", NULL);
    helper_run("start", g->dir);
    g->ganesha_pid = read_pid(g->dir, "ganesha.pid");
    g->bus_pid = read_pid(g->dir, "dbus.pid");
    address = g_strdup_printf("unix:path=%s/system_bus_socket", g->dir);
    g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
    *state = g;
    return 0;
}

static void remove_tree(const char *path)
{
    const char *const argv[] = {"rm", "-rf", "--one-file-system", path, NULL};
    struct run_result res = {0};

    if (run_argv(argv, deadline_in(10000, DEADLINE_NEVER), &res) == 0) {
        run_result_clear(&res);
    }
}

static int ganesha_teardown(void **state)
{
    struct ganesha *g = *state;

    /* a frozen process is woken so that it can be killed and reaped */
    kill(g->ganesha_pid, SIGCONT);
    kill(g->bus_pid, SIGCONT);
    helper_run("stop", g->dir);
    remove_tree(g->dir);
    g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    g_free(g->dir);
    g_free(g);
    return 0;
}

static int64_t ms_since(int64_t start)
{
    return (deadline_now() - start) / 1000;
}

/* Wait (bounded) until ganesha leaves its start-up grace. */
static void wait_out_of_grace(void)
{
    int64_t deadline = deadline_in(20000, DEADLINE_NEVER);

    while (!deadline_passed(deadline)) {
        bool in_grace = true;
        char *reason = NULL;

        assert_int_equal(
            grace_get(deadline_in(2000, deadline), &in_grace, &reason), 0);
        if (!in_grace) {
            return;
        }
        deadline_sleep(200, deadline);
    }
    fail_msg("ganesha stayed in its start-up grace for 20 s");
}

/* Wait (bounded) until /proc shows \p pid in a state among \p states, or
 * gone when \p states holds '-'. */
static void wait_state(pid_t pid, const char *states)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    int i;

    for (i = 0; i < 500; i++) {
        g_autofree char *text = NULL;
        const char *paren;

        if (!g_file_get_contents(path, &text, NULL, NULL)) {
            if (strchr(states, '-') != NULL) {
                return;
            }
        } else if ((paren = strrchr(text, ')')) != NULL && paren[1] == ' ' &&
                   paren[2] != '\0' && strchr(states, paren[2]) != NULL) {
            return;
        }
        g_usleep(10000);
    }
    fail_msg("process %d never reached state [%s]", (int)pid, states);
}

/* ---- no ganesha needed --------------------------------------------------- */

static void test_grace_arg(void **state)
{
    char *arg;

    arg = grace_arg(GRACE_EVENT_TAKE_IP, "n2");
    assert_string_equal(arg, "5:n2");
    g_free(arg);
    arg = grace_arg(GRACE_EVENT_UPDATE_CLIENTS, "n1.example.com");
    assert_string_equal(arg, "3:n1.example.com");
    g_free(arg);
    arg = grace_arg(GRACE_EVENT_JUST_GRACE, NULL);
    assert_string_equal(arg, "0:");
    g_free(arg);
}

static void test_no_bus_socket(void **state)
{
    g_autofree char *address =
        g_strdup_printf("unix:path=%s/no-such-socket", tmp_dir);
    char *reason = NULL;
    bool in_grace = false;
    int64_t start = deadline_now();

    g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
    assert_int_equal(
        grace_start("5:n1", deadline_in(5000, DEADLINE_NEVER), &reason),
        -ECONNREFUSED);
    assert_non_null(reason);
    assert_non_null(strstr(reason, "no-such-socket"));
    g_free(reason);
    reason = NULL;
    assert_int_equal(
        grace_get(deadline_in(5000, DEADLINE_NEVER), &in_grace, &reason),
        -ECONNREFUSED);
    g_free(reason);
    assert_true(ms_since(start) < 1000);
    /* ret_reason may be NULL */
    assert_int_equal(
        grace_start("5:n1", deadline_in(5000, DEADLINE_NEVER), NULL),
        -ECONNREFUSED);
    g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

/*
 * A bus that accepts the connection and never answers (a frozen
 * dbus-daemon looks like this): libdbus's own authentication has no bound,
 * so this proves the call still ends at the deadline.
 */
static void test_silent_bus(void **state)
{
    g_autofree char *path = g_build_filename(tmp_dir, "silent_socket", NULL);
    g_autofree char *address = g_strdup_printf("unix:path=%s", path);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    char *reason = NULL;
    bool in_grace = false;
    int64_t start;
    int fd;

    assert_true(strlen(path) < sizeof(sun.sun_path));
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(fd, 16), 0);
    g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);

    start = deadline_now();
    assert_int_equal(
        grace_start("5:n1", deadline_in(700, DEADLINE_NEVER), &reason),
        -ETIMEDOUT);
    assert_true(ms_since(start) < 700 + SLACK_MS);
    assert_non_null(reason);
    g_free(reason);
    start = deadline_now();
    assert_int_equal(
        grace_get(deadline_in(300, DEADLINE_NEVER), &in_grace, NULL),
        -ETIMEDOUT);
    assert_true(ms_since(start) < 300 + SLACK_MS);
    /* a deadline already passed fails at once */
    start = deadline_now();
    assert_int_equal(grace_start("5:n1", deadline_now() - 1, NULL), -ETIMEDOUT);
    assert_true(ms_since(start) < SLACK_MS);

    close(fd);
    g_unlink(path);
    g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

/*
 * A frozen bus daemon whose listen backlog is full: connect() itself
 * blocks. The call must still end at its deadline.
 */
static void test_full_backlog(void **state)
{
    g_autofree char *path = g_build_filename(tmp_dir, "full_socket", NULL);
    g_autofree char *address = g_strdup_printf("unix:path=%s", path);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    char *reason = NULL;
    bool in_grace = false;
    int queued[16];
    int nqueued = 0;
    int64_t start;
    int fd;
    int rc;

    assert_true(strlen(path) < sizeof(sun.sun_path));
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(fd, 0), 0);
    /* fill the backlog: the next blocking connect() waits for accept() */
    while (nqueued < 16) {
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        assert_true(c >= 0);
        if (connect(c, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            assert_int_equal(errno, EAGAIN);
            close(c);
            break;
        }
        queued[nqueued++] = c;
    }
    assert_true(nqueued < 16);
    g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);

    start = deadline_now();
    rc = grace_get(deadline_in(300, DEADLINE_NEVER), &in_grace, &reason);
    if (ms_since(start) > 300 + SLACK_MS) {
        fail_msg("get_grace took %lld ms with a 300 ms deadline on a bus "
                 "whose backlog is full (connect() not bounded)",
                 (long long)ms_since(start));
    }
    assert_int_equal(rc, -ETIMEDOUT);
    assert_non_null(reason);
    assert_non_null(strstr(reason, "connecting"));
    g_free(reason);

    while (nqueued > 0) {
        close(queued[--nqueued]);
    }
    close(fd);
    g_unlink(path);
    g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

static void test_bad_argument(void **state)
{
    char *reason = NULL;

    assert_int_equal(grace_start("5:\xff\xfe", DEADLINE_NEVER, &reason),
                     -EINVAL);
    assert_non_null(reason);
    g_free(reason);
    assert_int_equal(grace_start(NULL, DEADLINE_NEVER, NULL), -EINVAL);
}

/* ---- a real ganesha -------------------------------------------------------
 */

static void test_grace_then_get_grace(void **state)
{
    char *reason = NULL;
    bool in_grace = true;

    wait_out_of_grace();
    assert_int_equal(
        grace_get(deadline_in(5000, DEADLINE_NEVER), &in_grace, &reason), 0);
    assert_null(reason);
    assert_false(in_grace);

    assert_int_equal(
        grace_start("5:node1", deadline_in(5000, DEADLINE_NEVER), &reason), 0);
    assert_null(reason);
    assert_int_equal(
        grace_get(deadline_in(5000, DEADLINE_NEVER), &in_grace, &reason), 0);
    assert_true(in_grace);
}

/* Every event form is accepted, including an empty value. */
static void test_grace_events(void **state)
{
    static const char *const args[] = {"0:x",  "3:", "3:node1",
                                       "5:n2", "n3", ""};
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(args); i++) {
        char *reason = NULL;
        int rc =
            grace_start(args[i], deadline_in(5000, DEADLINE_NEVER), &reason);

        if (rc != 0) {
            fail_msg("grace(\"%s\") gave %d: %s", args[i], rc,
                     reason != NULL ? reason : "");
        }
    }
}

/* ganesha's log shows the event and value we sent. */
static void test_grace_reaches_ganesha(void **state)
{
    struct ganesha *g = *state;
    g_autofree char *log_path = g_build_filename(g->dir, "ganesha.log", NULL);
    g_autofree char *text = NULL;

    assert_int_equal(grace_start("5:gocf-probe-node",
                                 deadline_in(5000, DEADLINE_NEVER), NULL),
                     0);
    /* the log line is written before the reply is sent */
    assert_true(g_file_get_contents(log_path, &text, NULL, NULL));
    if (strstr(text, "gocf-probe-node") == NULL) {
        fail_msg("ganesha's log does not mention the value sent");
    }
}

static void test_ganesha_dead(void **state)
{
    struct ganesha *g = *state;
    char *reason = NULL;
    bool in_grace = false;
    int64_t start;

    assert_int_equal(kill(g->ganesha_pid, SIGKILL), 0);
    /* at once: the call may race with the death (the bus then answers
     * NoReply for it); either way ganesha is down, not slow */
    start = deadline_now();
    assert_int_equal(
        grace_start("5:n1", deadline_in(2000, DEADLINE_NEVER), &reason),
        -EHOSTDOWN);
    assert_true(ms_since(start) < 2000);
    assert_non_null(reason);
    if (strstr(reason, "org.freedesktop.DBus.Error.") == NULL) {
        fail_msg("reason does not name the D-Bus error: %s", reason);
    }
    g_free(reason);
    reason = NULL;

    /* surely dead: its name has left the bus */
    wait_state(g->ganesha_pid, "ZX-");
    start = deadline_now();
    assert_int_equal(
        grace_get(deadline_in(2000, DEADLINE_NEVER), &in_grace, &reason),
        -EHOSTDOWN);
    assert_true(ms_since(start) < 2000);
    if (strstr(reason, "ServiceUnknown") == NULL &&
        strstr(reason, "NameHasNoOwner") == NULL) {
        fail_msg("reason does not name the D-Bus error: %s", reason);
    }
    g_free(reason);
}

static void test_ganesha_frozen(void **state)
{
    struct ganesha *g = *state;
    char *reason = NULL;
    bool in_grace = false;
    int64_t start;

    assert_int_equal(kill(g->ganesha_pid, SIGSTOP), 0);
    wait_state(g->ganesha_pid, "T");
    start = deadline_now();
    assert_int_equal(
        grace_start("5:n1", deadline_in(1000, DEADLINE_NEVER), &reason),
        -ETIMEDOUT);
    if (ms_since(start) > 1000 + SLACK_MS) {
        fail_msg("grace took %lld ms with a 1000 ms deadline",
                 (long long)ms_since(start));
    }
    assert_non_null(reason);
    g_free(reason);
    start = deadline_now();
    assert_int_equal(
        grace_get(deadline_in(500, DEADLINE_NEVER), &in_grace, NULL),
        -ETIMEDOUT);
    assert_true(ms_since(start) < 500 + SLACK_MS);
    /* thawed, it answers again */
    assert_int_equal(kill(g->ganesha_pid, SIGCONT), 0);
    assert_int_equal(
        grace_get(deadline_in(5000, DEADLINE_NEVER), &in_grace, NULL), 0);
}

static void test_bus_frozen(void **state)
{
    struct ganesha *g = *state;
    bool in_grace = false;
    int64_t start;

    assert_int_equal(kill(g->bus_pid, SIGSTOP), 0);
    wait_state(g->bus_pid, "T");
    start = deadline_now();
    assert_int_equal(
        grace_start("5:n1", deadline_in(800, DEADLINE_NEVER), NULL),
        -ETIMEDOUT);
    if (ms_since(start) > 800 + SLACK_MS) {
        fail_msg("grace took %lld ms with an 800 ms deadline on a frozen "
                 "bus",
                 (long long)ms_since(start));
    }
    assert_int_equal(kill(g->bus_pid, SIGCONT), 0);
    assert_int_equal(
        grace_get(deadline_in(5000, DEADLINE_NEVER), &in_grace, NULL), 0);
}

static void test_bus_dead(void **state)
{
    struct ganesha *g = *state;
    char *reason = NULL;
    bool in_grace = false;
    int64_t start;

    assert_int_equal(kill(g->bus_pid, SIGKILL), 0);
    wait_state(g->bus_pid, "ZX-");
    start = deadline_now();
    /* the socket file stays behind a killed bus: connect is refused */
    assert_int_equal(
        grace_start("5:n1", deadline_in(5000, DEADLINE_NEVER), &reason),
        -ECONNREFUSED);
    assert_true(ms_since(start) < 1000);
    assert_non_null(reason);
    g_free(reason);
    assert_int_equal(
        grace_get(deadline_in(5000, DEADLINE_NEVER), &in_grace, NULL),
        -ECONNREFUSED);
}

/* The bus dies while a call waits on a frozen ganesha: reported as the
 * bus being gone, at once, not as a timeout. (Were the kill to come
 * before the call, connect would be refused: the same answer.) */
static void test_bus_dies_during_call(void **state)
{
    struct ganesha *g = *state;
    char *reason = NULL;
    int64_t start;
    pid_t killer;

    assert_int_equal(kill(g->ganesha_pid, SIGSTOP), 0);
    wait_state(g->ganesha_pid, "T");
    killer = fork();
    assert_true(killer >= 0);
    if (killer == 0) {
        g_usleep(300000);
        kill(g->bus_pid, SIGKILL);
        _exit(0);
    }
    start = deadline_now();
    assert_int_equal(
        grace_start("5:n1", deadline_in(5000, DEADLINE_NEVER), &reason),
        -ECONNREFUSED);
    if (ms_since(start) > 2000) {
        fail_msg("took %lld ms to notice the bus died",
                 (long long)ms_since(start));
    }
    assert_non_null(reason);
    g_free(reason);
    assert_int_equal(waitpid(killer, NULL, 0), killer);
}

static char *find_helper(void)
{
    const char *top = getenv("top_srcdir");
    g_autofree char *here = NULL;

    if (top != NULL && top[0] != '\0') {
        return g_build_filename(top, "tests", "lib", "private-ganesha.sh",
                                NULL);
    }
    here = g_path_get_dirname(__FILE__);
    return g_build_filename(here, "..", "lib", "private-ganesha.sh", NULL);
}

/* ---- reply parsers (no bus: messages built here) ------------------------ */

/* A method return carrying \p first and the arguments after it. */
static DBusMessage *reply_of(int first, ...)
{
    DBusMessage *msg = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN);
    va_list ap;

    assert_non_null(msg);
    va_start(ap, first);
    if (first != DBUS_TYPE_INVALID) {
        assert_true(dbus_message_append_args_valist(msg, first, ap));
    }
    va_end(ap);
    return msg;
}

static void test_get_grace_replies(void **state)
{
    dbus_bool_t yes = TRUE, no = FALSE;
    const char *done = "Done";
    const char *why = "not ready";
    g_autofree char *reason = NULL;
    bool in_grace = false;
    DBusMessage *m;

    (void)state;
    /* 4.3: (b isgrace, b status, s message) */
    m = reply_of(DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_BOOLEAN, &yes,
                 DBUS_TYPE_STRING, &done, DBUS_TYPE_INVALID);
    assert_int_equal(grace_get_reply_parse(m, &in_grace, &reason), 0);
    assert_true(in_grace);
    assert_null(reason);
    dbus_message_unref(m);
    /* older: (b) */
    m = reply_of(DBUS_TYPE_BOOLEAN, &no, DBUS_TYPE_INVALID);
    assert_int_equal(grace_get_reply_parse(m, &in_grace, &reason), 0);
    assert_false(in_grace);
    dbus_message_unref(m);
    /* status false: ganesha's message is the reason */
    m = reply_of(DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_BOOLEAN, &no,
                 DBUS_TYPE_STRING, &why, DBUS_TYPE_INVALID);
    assert_int_equal(grace_get_reply_parse(m, &in_grace, &reason), -EPROTO);
    assert_non_null(strstr(reason, "not ready"));
    g_clear_pointer(&reason, g_free);
    dbus_message_unref(m);
    /* no argument, or a string first: the signature is named */
    m = reply_of(DBUS_TYPE_INVALID);
    assert_int_equal(grace_get_reply_parse(m, &in_grace, &reason), -EPROTO);
    assert_non_null(strstr(reason, "signature ''"));
    g_clear_pointer(&reason, g_free);
    dbus_message_unref(m);
    m = reply_of(DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_STRING, &done,
                 DBUS_TYPE_INVALID);
    assert_int_equal(grace_get_reply_parse(m, &in_grace, &reason), -EPROTO);
    assert_non_null(strstr(reason, "signature 'bs'"));
    dbus_message_unref(m);
}

static void test_grace_replies(void **state)
{
    dbus_bool_t yes = TRUE, no = FALSE;
    const char *refused = "invalid event";
    g_autofree char *reason = NULL;
    DBusMessage *m;

    (void)state;
    m = reply_of(DBUS_TYPE_BOOLEAN, &yes, DBUS_TYPE_INVALID);
    assert_int_equal(grace_start_reply_parse(m, "5:n2", &reason), 0);
    assert_null(reason);
    dbus_message_unref(m);
    m = reply_of(DBUS_TYPE_BOOLEAN, &no, DBUS_TYPE_STRING, &refused,
                 DBUS_TYPE_INVALID);
    assert_int_equal(grace_start_reply_parse(m, "5:n2", &reason), -EPROTO);
    assert_non_null(strstr(reason, "refused grace(5:n2): invalid event"));
    g_clear_pointer(&reason, g_free);
    dbus_message_unref(m);
    m = reply_of(DBUS_TYPE_STRING, &refused, DBUS_TYPE_INVALID);
    assert_int_equal(grace_start_reply_parse(m, "5:n2", &reason), -EPROTO);
    assert_non_null(strstr(reason, "signature 's', expected 'bs'"));
    dbus_message_unref(m);
}

#define G(name)                                                                \
    cmocka_unit_test_setup_teardown(name, ganesha_setup, ganesha_teardown)

int main(void)
{
    const struct CMUnitTest all_tests[] = {
        cmocka_unit_test(test_grace_arg),
        cmocka_unit_test(test_get_grace_replies),
        cmocka_unit_test(test_grace_replies),
        cmocka_unit_test(test_no_bus_socket),
        cmocka_unit_test(test_silent_bus),
        cmocka_unit_test(test_full_backlog),
        cmocka_unit_test(test_bad_argument),
        G(test_grace_then_get_grace),
        G(test_grace_events),
        G(test_grace_reaches_ganesha),
        G(test_ganesha_dead),
        G(test_ganesha_frozen),
        G(test_bus_frozen),
        G(test_bus_dead),
        G(test_bus_dies_during_call),
    };
    const size_t without_ganesha = 4;
    const struct run_result empty = {0};
    struct run_result res = empty;
    size_t count = G_N_ELEMENTS(all_tests);
    int rc;

    helper = find_helper();
    tmp_dir = g_dir_make_tmp("test_grace-XXXXXX", NULL);
    assert_non_null(tmp_dir);
    log_init("test_grace", NULL);
    {
        const char *const argv[] = {"sh", helper, "usable", NULL};

        if (run_argv(argv, deadline_in(10000, DEADLINE_NEVER), &res) != 0 ||
            res.exit_status != 0) {
            printf("# no root, dbus-daemon or ganesha.nfsd: only the cases "
                   "without ganesha run\n");
            count = without_ganesha;
        }
        run_result_clear(&res);
    }
    rc = _cmocka_run_group_tests("grace", all_tests, count, NULL, NULL);
    log_fini();
    remove_tree(tmp_dir);
    g_free(tmp_dir);
    g_free(helper);
    return rc;
}
