/*
 * test_run: run_argv() exit codes, output capture and its limit, missing
 * programs, the deadline kill (and the reaping after it), descriptors,
 * OCF_TESTER_FAIL_HAVE_BINARY; run_have_program().
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "log.h"
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN(rc_, res_, ...)                                                    \
    do {                                                                       \
        const char *argv_[] = {__VA_ARGS__, NULL};                             \
        rc_ = run_argv(argv_, deadline_in(10000, DEADLINE_NEVER), &(res_));    \
    } while (0)

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/* No child of ours is left, not even a zombie. */
static void assert_no_children(void)
{
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* A regular file without any execute bit (removed by the caller). */
static char *make_plain_file(void)
{
    char *path = g_build_filename(g_get_tmp_dir(), "test_run.XXXXXX", NULL);
    int fd = g_mkstemp_full(path, O_WRONLY, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x\n", 2), 2);
    close(fd);
    return path;
}

static void test_exit_status(void **state)
{
    struct run_result res = {0};
    int rc;

    RUN(rc, res, "true");
    assert_int_equal(rc, 0);
    assert_int_equal(res.exit_status, 0);
    assert_int_equal(res.term_signal, 0);
    run_result_clear(&res);

    RUN(rc, res, "sh", "-c", "exit 42");
    /* a non-zero exit is still a successful run: the caller decides */
    assert_int_equal(rc, 0);
    assert_int_equal(res.exit_status, 42);
    run_result_clear(&res);
    assert_no_children();
}

static void test_killed_by_signal(void **state)
{
    struct run_result res = {0};
    int rc;

    RUN(rc, res, "sh", "-c", "kill -TERM $$");
    assert_int_equal(rc, 0);
    assert_int_equal(res.exit_status, -1);
    assert_int_equal(res.term_signal, SIGTERM);
    run_result_clear(&res);
}

static void test_capture_stdout_stderr(void **state)
{
    struct run_result res = {0};
    int rc;

    RUN(rc, res, "sh", "-c", "echo to-out; echo to-err >&2; echo more-out");
    assert_int_equal(rc, 0);
    assert_string_equal(res.out, "to-out\nmore-out\n");
    assert_string_equal(res.err, "to-err\n");
    run_result_clear(&res);

    RUN(rc, res, "true");
    /* no output still gives empty strings, never NULL */
    assert_non_null(res.out);
    assert_non_null(res.err);
    assert_string_equal(res.out, "");
    run_result_clear(&res);
}

static void test_argv_not_a_shell(void **state)
{
    struct run_result res = {0};
    int rc;

    /* metacharacters reach the program as they are */
    RUN(rc, res, "printf", "%s|", "a;b", "$(id)", "'q'");
    assert_int_equal(rc, 0);
    assert_string_equal(res.out, "a;b|$(id)|'q'|");
    run_result_clear(&res);
}

static void test_stdin_is_dev_null(void **state)
{
    struct run_result res = {0};
    int rc;

    /* cat would block forever on an inherited terminal or pipe */
    RUN(rc, res, "cat");
    assert_int_equal(rc, 0);
    assert_string_equal(res.out, "");
    run_result_clear(&res);
}

/* Exactly the limit is an output; one byte more is an error, not a cut. */
static void test_output_at_limit(void **state)
{
    g_autofree char *script = g_strdup_printf(
        "head -c %d /dev/zero | tr '\\000' x; echo done >&2", RUN_OUTPUT_MAX);
    struct run_result res = {0};
    int rc;

    RUN(rc, res, "sh", "-c", script);
    assert_int_equal(rc, 0);
    assert_int_equal(res.exit_status, 0);
    assert_int_equal(strlen(res.out), RUN_OUTPUT_MAX);
    assert_string_equal(res.err, "done\n");
    run_result_clear(&res);
}

static void test_output_over_limit(void **state)
{
    g_autofree char *one_more = g_strdup_printf(
        "head -c %d /dev/zero | tr '\\000' x", RUN_OUTPUT_MAX + 1);
    struct run_result res = {0};
    int64_t start = deadline_now();
    int rc;

    RUN(rc, res, "sh", "-c", one_more);
    if (rc != -EMSGSIZE) {
        fail_msg("RUN_OUTPUT_MAX + 1 bytes on stdout gave %d (%s), not "
                 "-EMSGSIZE: a cut output would parse as a shorter one",
                 rc, g_strerror(-rc));
    }
    assert_null(res.out);
    assert_null(res.err);
    assert_no_children();

    /* stderr too; and an endless writer is stopped at the limit, at once */
    RUN(rc, res, "sh", "-c", "yes >&2");
    assert_int_equal(rc, -EMSGSIZE);
    assert_null(res.out);
    assert_true(deadline_now() - start < 5000000);
    assert_no_children();
}

static void test_missing_program(void **state)
{
    struct run_result res = {0};
    int rc;

    RUN(rc, res, "gocf-no-such-program-here");
    assert_int_equal(rc, -ENOENT);
    RUN(rc, res, "/nonexistent/dir/prog");
    assert_int_equal(rc, -ENOENT);
    /* a file that is not executable cannot be run either */
    {
        g_autofree char *plain = make_plain_file();

        RUN(rc, res, plain);
        g_unlink(plain);
        assert_int_equal(rc, -ENOENT);
    }
    assert_null(res.out);
    assert_no_children();
}

static void test_bad_arguments(void **state)
{
    struct run_result res = {0};
    const char *empty[] = {NULL};
    const char *blank[] = {"", NULL};

    assert_int_equal(run_argv(NULL, DEADLINE_NEVER, &res), -EINVAL);
    assert_int_equal(run_argv(empty, DEADLINE_NEVER, &res), -EINVAL);
    assert_int_equal(run_argv(blank, DEADLINE_NEVER, &res), -EINVAL);
}

static void test_deadline_kills(void **state)
{
    struct run_result res = {0};
    const char *argv[] = {"sleep", "10", NULL};
    int64_t start = deadline_now();
    int rc = run_argv(argv, deadline_in(300, DEADLINE_NEVER), &res);
    int64_t took_ms = (deadline_now() - start) / 1000;

    assert_int_equal(rc, -ETIMEDOUT);
    /* killed at the 300 ms deadline, not after the 10 s sleep */
    assert_true(took_ms >= 290);
    assert_true(took_ms < 1500);
    assert_null(res.out);
    assert_no_children();
}

static void test_deadline_kills_closed_pipes(void **state)
{
    struct run_result res = {0};
    /* closes both pipes, then hangs: the deadline must still hold */
    const char *argv[] = {"sh", "-c", "exec >&- 2>&-; sleep 10", NULL};
    int64_t start = deadline_now();
    int rc = run_argv(argv, deadline_in(300, DEADLINE_NEVER), &res);

    assert_int_equal(rc, -ETIMEDOUT);
    assert_true(deadline_now() - start < 1500000);
    assert_no_children();
}

/* Wait (bounded) until \p pid is gone or a zombie; whether it went. */
static bool wait_gone(const char *pid)
{
    g_autofree char *statfile = g_strdup_printf("/proc/%s/stat", pid);

    for (int i = 0; i < 300; i++) {
        g_autofree char *stat = NULL;

        if (!g_file_get_contents(statfile, &stat, NULL, NULL) ||
            strstr(stat, ") Z ") != NULL) {
            return true;
        }
        deadline_sleep(10, DEADLINE_NEVER);
    }
    return false;
}

/*
 * The tool stays in the agent's process group: pacemaker-execd's kill of a
 * timed-out operation (kill(-pgid, SIGKILL)) must reach it too.
 */
static void test_child_in_our_process_group(void **state)
{
    struct run_result res = {0};
    g_autofree char *expected = g_strdup_printf("%d\n", (int)getpgrp());
    int rc;

    RUN(rc, res, "sh", "-c", "cut -d' ' -f5 /proc/$$/stat");
    assert_int_equal(rc, 0);
    if (strcmp(res.out, expected) != 0) {
        fail_msg("the tool ran in process group %s, not the agent's %s: a "
                 "kill of the operation's group would miss it",
                 g_strchomp(res.out), g_strchomp(expected));
    }
    run_result_clear(&res);
}

/*
 * A tool must not outlive its agent: start an "agent" that runs a long
 * tool, kill the agent (by pid, or its process group as pacemaker-execd
 * does), and the tool must die with it instead of finishing its write.
 */
static void agent_killed(bool whole_group)
{
    g_autofree char *dir = g_dir_make_tmp("test_run.XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "pid", NULL);
    g_autofree char *script = g_strdup_printf(
        "echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 30", file, file, file);
    g_autofree char *data = NULL;
    pid_t agent;
    int i;

    agent = fork();
    assert_true(agent >= 0);
    if (agent == 0) {
        const char *argv[] = {"sh", "-c", script, NULL};
        struct run_result res = {0};

        setpgid(0, 0);
        (void)run_argv(argv, deadline_in(20000, DEADLINE_NEVER), &res);
        _exit(0);
    }
    for (i = 0; i < 500 && !g_file_get_contents(file, &data, NULL, NULL); i++) {
        deadline_sleep(10, DEADLINE_NEVER);
    }
    assert_non_null(data);
    g_strstrip(data);
    /* the tool runs "sleep" now (exec), still under the agent */
    assert_int_equal(kill(whole_group ? -agent : agent, SIGKILL), 0);
    waitpid(agent, NULL, 0);
    if (!wait_gone(data)) {
        kill((pid_t)atoi(data), SIGKILL);
        fail_msg("the tool (pid %s) outlived its agent killed by %s", data,
                 whole_group ? "kill(-pgid)" : "kill(pid)");
    }
    g_unlink(file);
    g_rmdir(dir);
}

static void test_child_dies_with_agent(void **state)
{
    agent_killed(false);
}

static void test_child_dies_with_agent_group(void **state)
{
    agent_killed(true);
}

static void test_grandchild_keeps_pipe(void **state)
{
    struct run_result res = {0};
    /* the child exits at once; a grandchild floods the inherited pipe */
    const char *argv[] = {"sh", "-c", "yes & echo started; exit 0", NULL};
    int64_t start = deadline_now();
    int rc = run_argv(argv, deadline_in(10000, DEADLINE_NEVER), &res);

    /*
     * done when the child is, not at the 10 s deadline; how much of the
     * flood was read before the exit was seen varies: past the limit it is
     * refused, below it the output is whole as far as it goes
     */
    assert_true(deadline_now() - start < 5000000);
    if (rc == 0) {
        assert_int_equal(res.exit_status, 0);
        assert_true(strlen(res.out) <= RUN_OUTPUT_MAX);
    } else {
        assert_int_equal(rc, -EMSGSIZE);
    }
    run_result_clear(&res);
}

static void test_deadline_already_passed(void **state)
{
    struct run_result res = {0};
    const char *argv[] = {"true", NULL};

    assert_int_equal(run_argv(argv, deadline_now() - 1, &res), -ETIMEDOUT);
}

static void test_no_fd_leak(void **state)
{
    struct run_result res = {0};
    int before = count_fds();
    int rc;

    for (int i = 0; i < 20; i++) {
        RUN(rc, res, "sh", "-c", "echo x");
        assert_int_equal(rc, 0);
        run_result_clear(&res);
        RUN(rc, res, "gocf-no-such-program-here");
        assert_int_equal(rc, -ENOENT);
    }
    {
        const char *argv[] = {"sleep", "5", NULL};

        rc = run_argv(argv, deadline_in(50, DEADLINE_NEVER), &res);
        assert_int_equal(rc, -ETIMEDOUT);
    }
    assert_int_equal(count_fds(), before);
}

static void test_child_gets_no_extra_fds(void **state)
{
    struct run_result res = {0};
    int rc;

    /* only 0, 1, 2 (and ls's own directory fd) are open in the child */
    RUN(rc, res, "ls", "/proc/self/fd");
    assert_int_equal(rc, 0);
    assert_string_equal(res.out, "0\n1\n2\n3\n");
    run_result_clear(&res);
}

static void test_fail_have_binary(void **state)
{
    struct run_result res = {0};
    int rc;

    setenv("OCF_TESTER_FAIL_HAVE_BINARY", "1", 1);
    RUN(rc, res, "true");
    assert_int_equal(rc, -ENOENT);
    assert_int_equal(run_have_program("sh"), 0);
    setenv("OCF_TESTER_FAIL_HAVE_BINARY", "0", 1);
    RUN(rc, res, "true");
    assert_int_equal(rc, 0);
    run_result_clear(&res);
    unsetenv("OCF_TESTER_FAIL_HAVE_BINARY");
}

static void test_have_program(void **state)
{
    assert_int_equal(run_have_program("sh"), 1);
    assert_int_equal(run_have_program("/bin/sh"), 1);
    assert_int_equal(run_have_program("gocf-no-such-program-here"), 0);
    {
        g_autofree char *plain = make_plain_file();
        int have = run_have_program(plain);

        g_unlink(plain);
        assert_int_equal(have, 0);
    }
    assert_int_equal(run_have_program("/"), 0);
    assert_int_equal(run_have_program(""), 0);
    assert_int_equal(run_have_program(NULL), 0);
}

static void test_result_clear_null_safe(void **state)
{
    struct run_result res = {0};

    run_result_clear(NULL);
    run_result_clear(&res);
    assert_null(res.out);
}

static int setup(void **state)
{
    log_init("test_run", NULL);
    return 0;
}

static int teardown(void **state)
{
    log_fini();
    return 0;
}

static void test_first_line(void **state)
{
    const char *in[] = {"one\ntwo\n", "\n\nafter blanks\nx", "no newline", "",
                        NULL};
    const char *want[] = {"one", "after blanks", "no newline", ""};

    (void)state;
    for (int i = 0; in[i] != NULL; i++) {
        g_autofree char *line = run_first_line(in[i]);

        assert_string_equal(line, want[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_killed_by_signal),
        cmocka_unit_test(test_capture_stdout_stderr),
        cmocka_unit_test(test_argv_not_a_shell),
        cmocka_unit_test(test_stdin_is_dev_null),
        cmocka_unit_test(test_output_at_limit),
        cmocka_unit_test(test_output_over_limit),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_deadline_kills),
        cmocka_unit_test(test_deadline_kills_closed_pipes),
        cmocka_unit_test(test_child_in_our_process_group),
        cmocka_unit_test(test_child_dies_with_agent),
        cmocka_unit_test(test_child_dies_with_agent_group),
        cmocka_unit_test(test_grandchild_keeps_pipe),
        cmocka_unit_test(test_deadline_already_passed),
        cmocka_unit_test(test_no_fd_leak),
        cmocka_unit_test(test_child_gets_no_extra_fds),
        cmocka_unit_test(test_fail_have_binary),
        cmocka_unit_test(test_have_program),
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_result_clear_null_safe),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
