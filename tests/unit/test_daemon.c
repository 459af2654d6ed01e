/*
 * test_daemon: pid files of every shape, and process identity through /proc:
 * a recycled pid (a sleep), a zombie, and a process whose comm is
 * ganesha.nfsd (a copy of sleep under that name, so no ganesha is needed).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "daemon.h"
#include "deadline.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp_dir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static char *write_pidfile(const char *name, const char *text)
{
    char *path = tmp_path(name);

    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* Start \p program (a path) as "<program> 60"; returns its pid. */
static pid_t spawn(const char *program)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        execl(program, program, "60", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Wait (bounded) until /proc shows \p pid running \p comm. */
static void wait_for_exec(pid_t pid, const char *comm)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/comm", (int)pid);
    int i;

    for (i = 0; i < 500; i++) {
        g_autofree char *text = NULL;

        if (g_file_get_contents(path, &text, NULL, NULL) &&
            strcmp(g_strchomp(text), comm) == 0) {
            return;
        }
        g_usleep(10000);
    }
    fail_msg("process %d never showed comm %s", (int)pid, comm);
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static const char *sleep_path(void)
{
    return g_file_test("/usr/bin/sleep", G_FILE_TEST_IS_EXECUTABLE)
               ? "/usr/bin/sleep"
               : "/bin/sleep";
}

/* A copy of sleep named ganesha.nfsd: its comm and exe say ganesha.nfsd. */
static char *fake_ganesha(void)
{
    g_autofree char *bin = tmp_path("bin");
    char *path = g_build_filename(bin, DAEMON_NAME, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;

    g_mkdir_with_parents(bin, 0755);
    assert_true(g_file_get_contents(sleep_path(), &data, &len, NULL));
    assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    assert_int_equal(g_chmod(path, 0755), 0);
    return path;
}

/* ---- pid file parsing ------------------------------------------------------
 */

static void test_pidfile_missing(void **state)
{
    g_autofree char *path = tmp_path("missing.pid");
    pid_t pid = 0;

    assert_int_equal(daemon_ganesha_pid(path, &pid), -ENOENT);
    assert_int_equal(pid, 0);
}

static void test_pidfile_garbage(void **state)
{
    static const char *const bad[] = {
        "",       "\n",    "abc\n",  "12a\n",    " 12\n",       "12 \n",
        "+12\n",  "-12\n", "0\n",    "\n\n12\n", "99999999999", "4194305\n",
        "0x10\n", "\n12",  "12\r\n", "１２",     "12\t",        "00000000001\n",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *path = write_pidfile("bad.pid", bad[i]);
        pid_t pid = 0;
        int rc = daemon_ganesha_pid(path, &pid);

        if (rc != -ESRCH) {
            fail_msg("pid file content \"%s\" gave %d, expected -ESRCH",
                     g_strescape(bad[i], NULL), rc);
        }
        assert_int_equal(pid, 0);
    }
}

/* A pid beyond the kernel's pid_max cannot name a process. */
static void test_pidfile_above_pid_max(void **state)
{
    g_autofree char *max_text = NULL;
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    pid_t pid = 0;

    assert_true(
        g_file_get_contents("/proc/sys/kernel/pid_max", &max_text, NULL, NULL));
    text = g_strdup_printf("%ld\n", strtol(max_text, NULL, 10) + 1);
    path = write_pidfile("big.pid", text);
    assert_int_equal(daemon_ganesha_pid(path, &pid), -ESRCH);
}

/* The final component must not be a symlink (a planted link is refused). */
static void test_pidfile_symlink_refused(void **state)
{
    g_autofree char *real = write_pidfile("real.pid", "1\n");
    g_autofree char *link = tmp_path("link.pid");
    pid_t pid = 0;

    assert_int_equal(symlink(real, link), 0);
    assert_int_equal(daemon_ganesha_pid(link, &pid), -ELOOP);
    g_unlink(link);
}

/* ... but a symlinked directory on the way (/var/run -> /run) is fine. */
static void test_pidfile_through_linked_dir(void **state)
{
    g_autofree char *dir = tmp_path("real-run");
    g_autofree char *linked = tmp_path("var-run");
    g_autofree char *ganesha = fake_ganesha();
    g_autofree char *file = NULL;
    g_autofree char *text = NULL;
    g_autofree char *via_link = NULL;
    pid_t child;
    pid_t pid = 0;

    assert_int_equal(g_mkdir(dir, 0755), 0);
    assert_int_equal(symlink(dir, linked), 0);
    child = spawn(ganesha);
    wait_for_exec(child, DAEMON_NAME);
    text = g_strdup_printf("%d\n", (int)child);
    file = g_build_filename(dir, "ganesha.pid", NULL);
    assert_true(g_file_set_contents(file, text, -1, NULL));
    via_link = g_build_filename(linked, "ganesha.pid", NULL);
    assert_int_equal(daemon_ganesha_pid(via_link, &pid), 0);
    assert_int_equal(pid, child);
    reap(child);
}

/* ---- identity
 * ---------------------------------------------------------------- */

static void test_fake_ganesha_alive(void **state)
{
    g_autofree char *ganesha = fake_ganesha();
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    pid_t child;
    pid_t pid = 0;

    child = spawn(ganesha);
    wait_for_exec(child, DAEMON_NAME);
    assert_int_equal(daemon_pid_is(child, DAEMON_NAME), 1);
    assert_int_equal(daemon_pid_is(child, "sleep"), 0);

    /* without a trailing newline, too */
    text = g_strdup_printf("%d", (int)child);
    path = write_pidfile("ganesha.pid", text);
    assert_int_equal(daemon_ganesha_pid(path, &pid), 0);
    assert_int_equal(pid, child);

    /* dead and reaped: the pid names no process */
    reap(child);
    pid = 0;
    assert_int_equal(daemon_ganesha_pid(path, &pid), -ESRCH);
    assert_int_equal(daemon_pid_is(child, DAEMON_NAME), -ESRCH);
    assert_int_equal(pid, 0);
}

/*
 * ganesha 4.x rewrites its pid file without O_TRUNC: after a restart with a
 * shorter pid it reads "<new pid>\n<stale digits>\n". Only the first line
 * counts; a live ganesha must not be taken for dead.
 */
static void test_pidfile_stale_tail(void **state)
{
    g_autofree char *ganesha = fake_ganesha();
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    pid_t child = spawn(ganesha);
    pid_t pid = 0;

    wait_for_exec(child, DAEMON_NAME);
    text = g_strdup_printf("%d\n7\n", (int)child);
    path = write_pidfile("ganesha.pid", text);
    if (daemon_ganesha_pid(path, &pid) != 0) {
        fail_msg("pid file \"%d\\n7\\n\" (stale tail after a restart) was "
                 "taken for a dead ganesha",
                 (int)child);
    }
    assert_int_equal(pid, child);
    g_free(text);
    text = g_strdup_printf("%d\n\n", (int)child);
    path = (g_free(path), write_pidfile("ganesha.pid", text));
    assert_int_equal(daemon_ganesha_pid(path, &pid), 0);
    reap(child);
}

/*
 * Start the fake ganesha holding a POSIX write lock on \p pidfile, as
 * ganesha 4.x does (the lock survives the exec).
 */
static pid_t spawn_locking(const char *program, const char *pidfile)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        int fd = open(pidfile, O_RDWR);

        if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0) {
            _exit(126);
        }
        execl(program, program, "60", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* A fake ganesha that holds the lock of a pid file naming pid 1. */
static pid_t start_lock_holder(char **ret_path)
{
    g_autofree char *ganesha = fake_ganesha();
    pid_t child;

    *ret_path = write_pidfile("ganesha.pid", "1\n");
    child = spawn_locking(ganesha, *ret_path);
    wait_for_exec(child, DAEMON_NAME);
    return child;
}

/* The lock holder decides, whatever the file says. */
static void test_pidfile_lock_holder(void **state)
{
    g_autofree char *path = NULL;
    g_autofree char *reason = NULL;
    pid_t child = start_lock_holder(&path);
    pid_t pid = 0;
    int pidfd = -2;

    if (daemon_ganesha_find(path, &pid, &pidfd, &reason) != 0) {
        fail_msg("a pid file locked by a live ganesha but naming pid 1 was "
                 "taken for a dead ganesha: %s",
                 reason);
    }
    assert_int_equal(pid, child);
    assert_true(pidfd >= 0 || pidfd == -1);
    if (pidfd >= 0) {
        /* the pidfd is ganesha's: it is still running, then it exits */
        assert_int_equal(
            daemon_wait_exit(pidfd, deadline_in(0, DEADLINE_NEVER)), 0);
        kill(child, SIGKILL);
        assert_int_equal(
            daemon_wait_exit(pidfd, deadline_in(5000, DEADLINE_NEVER)), 1);
        close(pidfd);
    }
    reap(child);

    /* no holder any more: the content (pid 1, not ganesha) decides */
    pid = 0;
    assert_int_equal(daemon_ganesha_find(path, &pid, NULL, &reason), -ESRCH);
    assert_int_equal(pid, 0);
}

/* A stopped (hung) ganesha pinned by its pidfd is killed and waited for. */
static void test_kill_wait_stopped(void **state)
{
    g_autofree char *path = NULL;
    g_autofree char *reason = NULL;
    pid_t child = start_lock_holder(&path);
    pid_t pid = 0;
    int pidfd = -2;

    assert_int_equal(kill(child, SIGSTOP), 0);
    assert_int_equal(daemon_ganesha_find(path, &pid, &pidfd, &reason), 0);
    assert_int_equal(pid, child);
    if (pidfd < 0) {
        reap(child);
        skip(); /* no pidfd_open in this kernel */
    }
    assert_int_equal(daemon_kill_wait(pidfd, deadline_in(5000, DEADLINE_NEVER)),
                     1);
    /* once more: it is gone, which is no error */
    assert_int_equal(daemon_kill_wait(pidfd, deadline_in(100, DEADLINE_NEVER)),
                     1);
    close(pidfd);
    reap(child);
}

/* The reason names the real cause (logged at notice by the agent). */
static void test_reason_names_the_cause(void **state)
{
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *missing = tmp_path("missing.pid");
    pid_t child = spawn(sleep_path());
    pid_t pid = 0;

    wait_for_exec(child, "sleep");
    text = g_strdup_printf("%d\n", (int)child);
    path = write_pidfile("ganesha.pid", text);
    assert_int_equal(daemon_ganesha_find(path, &pid, NULL, &reason), -ESRCH);
    assert_non_null(reason);
    if (strstr(reason, "is sleep, not ganesha.nfsd") == NULL) {
        fail_msg("reason \"%s\" does not say the process is sleep", reason);
    }
    reap(child);
    g_clear_pointer(&reason, g_free);
    assert_int_equal(daemon_ganesha_find(path, &pid, NULL, &reason), -ESRCH);
    assert_non_null(strstr(reason, "is gone"));
    g_clear_pointer(&reason, g_free);
    assert_int_equal(daemon_ganesha_find(missing, &pid, NULL, &reason),
                     -ENOENT);
    assert_non_null(strstr(reason, "missing.pid"));
}

/* A FIFO at the pid file's path is refused at once, never blocks. */
static void test_pidfile_fifo(void **state)
{
    g_autofree char *path = tmp_path("fifo.pid");
    pid_t pid = 0;

    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(daemon_ganesha_pid(path, &pid), -ESRCH);
    g_unlink(path);
}

/* A recycled pid: the pid file names a live process that is not ganesha. */
static void test_recycled_pid(void **state)
{
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    pid_t child = spawn(sleep_path());
    pid_t pid = 0;

    wait_for_exec(child, "sleep");
    text = g_strdup_printf("%d\n", (int)child);
    path = write_pidfile("ganesha.pid", text);
    assert_int_equal(daemon_pid_is(child, DAEMON_NAME), 0);
    assert_int_equal(daemon_ganesha_pid(path, &pid), -ESRCH);
    assert_int_equal(pid, 0);
    reap(child);
}

/* Our own process is not ganesha either (pid 1 may be anything). */
static void test_self_not_ganesha(void **state)
{
    assert_int_equal(daemon_pid_is(getpid(), DAEMON_NAME), 0);
    assert_int_equal(daemon_pid_is(getpid(), "test_daemon"), 1);
    assert_int_equal(daemon_pid_is(0, DAEMON_NAME), -EINVAL);
    assert_int_equal(daemon_pid_is(-1, DAEMON_NAME), -EINVAL);
    assert_int_equal(daemon_pid_is(getpid(), ""), -EINVAL);
}

/* A zombie ganesha (dead, not yet reaped) counts as dead. */
static void test_zombie(void **state)
{
    g_autofree char *ganesha = fake_ganesha();
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    g_autofree char *stat_path = NULL;
    pid_t child;
    pid_t pid = 0;
    int i;

    child = spawn(ganesha);
    wait_for_exec(child, DAEMON_NAME);
    assert_int_equal(kill(child, SIGKILL), 0);
    /* not reaped: wait until the kernel shows state Z */
    stat_path = g_strdup_printf("/proc/%d/stat", (int)child);
    for (i = 0; i < 500; i++) {
        g_autofree char *stat_text = NULL;
        const char *paren;

        assert_true(g_file_get_contents(stat_path, &stat_text, NULL, NULL));
        paren = strrchr(stat_text, ')');
        if (paren != NULL && paren[2] == 'Z') {
            break;
        }
        g_usleep(10000);
    }
    assert_true(i < 500);
    text = g_strdup_printf("%d\n", (int)child);
    path = write_pidfile("ganesha.pid", text);
    assert_int_equal(daemon_pid_is(child, DAEMON_NAME), -ESRCH);
    assert_int_equal(daemon_ganesha_pid(path, &pid), -ESRCH);
    waitpid(child, NULL, 0);
}

/* comm is cut at 15 characters: a longer name is checked against exe. */
static void test_long_name_uses_exe(void **state)
{
    g_autofree char *bin = tmp_path("bin");
    g_autofree char *longer =
        g_build_filename(bin, "ganesha.nfsd-long-name", NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    pid_t child;

    g_mkdir_with_parents(bin, 0755);
    assert_true(g_file_get_contents(sleep_path(), &data, &len, NULL));
    assert_true(g_file_set_contents(longer, data, (gssize)len, NULL));
    assert_int_equal(g_chmod(longer, 0755), 0);
    child = spawn(longer);
    wait_for_exec(child, "ganesha.nfsd-lo");
    assert_int_equal(daemon_pid_is(child, "ganesha.nfsd-long-name"), 1);
    assert_int_equal(daemon_pid_is(child, "ganesha.nfsd-long-other"), 0);
    reap(child);
}

/* With no pid file given, the defaults are tried; none exist in a test
 * environment without ganesha, or the first existing one is used. */
static void test_default_pidfiles(void **state)
{
    static const char *const defaults[] = {DAEMON_PIDFILES_DEFAULT};
    const char *first = NULL;
    pid_t pid = 0;
    int rc;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(defaults); i++) {
        if (access(defaults[i], F_OK) == 0) {
            first = defaults[i];
            break;
        }
    }
    rc = daemon_ganesha_pid(NULL, &pid);
    if (first == NULL) {
        assert_int_equal(rc, -ENOENT);
    } else {
        pid_t expected = 0;

        assert_int_equal(rc, daemon_ganesha_pid(first, &expected));
        assert_int_equal(pid, expected);
    }
}

/* Reading the pid file runs no program: no child appears. */
static void test_spawns_nothing(void **state)
{
    g_autofree char *path = write_pidfile("self.pid", "1\n");
    pid_t pid = 0;
    int status;

    (void)daemon_ganesha_pid(path, &pid);
    /* no child of ours exists to be waited for */
    assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* A local daemon by name: ourselves; a restart (new start time) or an exit
 * is "not the same". */
static void test_find_local(void **state)
{
    struct daemon_id id = {0};
    struct daemon_id other;
    char comm[32] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    pid_t pid;

    assert_non_null(f);
    assert_non_null(fgets(comm, sizeof(comm), f));
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';

    assert_int_equal(daemon_find_local(comm, &id), 0);
    assert_true(id.pid > 0);
    assert_int_equal(daemon_id_same(&id), 1);
    other = id;
    other.start++;
    assert_int_equal(daemon_id_same(&other), 0);

    assert_int_equal(daemon_find_local("no-such-daemon", &id), -ESRCH);
    assert_int_equal(daemon_find_local("a-name-longer-than-15", &id), -EINVAL);
    assert_int_equal(daemon_find_local("", &id), -EINVAL);

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    kill(pid, SIGKILL);
    reap(pid);
    other.pid = pid; /* gone */
    other.start = id.start;
    assert_int_equal(daemon_id_same(&other), 0);
    other.pid = 0;
    assert_int_equal(daemon_id_same(&other), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pidfile_missing),
        cmocka_unit_test(test_pidfile_garbage),
        cmocka_unit_test(test_pidfile_above_pid_max),
        cmocka_unit_test(test_pidfile_symlink_refused),
        cmocka_unit_test(test_pidfile_through_linked_dir),
        cmocka_unit_test(test_fake_ganesha_alive),
        cmocka_unit_test(test_pidfile_stale_tail),
        cmocka_unit_test(test_pidfile_lock_holder),
        cmocka_unit_test(test_kill_wait_stopped),
        cmocka_unit_test(test_reason_names_the_cause),
        cmocka_unit_test(test_pidfile_fifo),
        cmocka_unit_test(test_recycled_pid),
        cmocka_unit_test(test_self_not_ganesha),
        cmocka_unit_test(test_zombie),
        cmocka_unit_test(test_long_name_uses_exe),
        cmocka_unit_test(test_default_pidfiles),
        cmocka_unit_test(test_spawns_nothing),
        cmocka_unit_test(test_find_local),
    };
    int rc;

    tmp_dir = g_dir_make_tmp("test_daemon-XXXXXX", NULL);
    assert_non_null(tmp_dir);
    log_init("test_daemon", NULL);
    rc = cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
    log_fini();
    {
        const char *const names[] = {"bin/" DAEMON_NAME,
                                     "bin/ganesha.nfsd-long-name",
                                     "bin",
                                     "bad.pid",
                                     "big.pid",
                                     "real.pid",
                                     "ganesha.pid",
                                     "self.pid",
                                     "real-run/ganesha.pid",
                                     "real-run",
                                     "var-run"};
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(names); i++) {
            g_autofree char *path = tmp_path(names[i]);

            if (g_remove(path) < 0 && errno != ENOENT) {
                fprintf(stderr, "cannot remove %s\n", path);
            }
        }
    }
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}
