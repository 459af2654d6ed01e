/*
 * test_state: state file keys, the directory, atomic write and read back,
 * age, refusal to follow links, bad content, removal.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "log.h"
#include "state.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
    char *top; /* a private temporary directory */
    char *dir; /* HA_RSCTMP: top/rsc, not created yet */
};

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->top = g_dir_make_tmp("test_state.XXXXXX", NULL);
    assert_non_null(f->top);
    f->dir = g_build_filename(f->top, "rsc", NULL);
    setenv("HA_RSCTMP", f->dir, 1);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;

    if (d != NULL) {
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *p = g_build_filename(path, name, NULL);

            if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
                !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) {
                remove_tree(p);
            } else {
                g_unlink(p);
            }
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    remove_tree(f->top);
    g_free(f->top);
    g_free(f->dir);
    g_free(f);
    unsetenv("HA_RSCTMP");
    return 0;
}

static GKeyFile *sample(void)
{
    GKeyFile *kf = g_key_file_new();

    g_key_file_set_boolean(kf, "state", "alive", TRUE);
    g_key_file_set_int64(kf, "state", "asserted", 1234567890);
    return kf;
}

static void test_dir_from_env(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(state_dir(), f->dir);
    setenv("HA_RSCTMP", "relative/dir", 1);
    /* a relative directory would depend on the cwd: the default wins */
    assert_string_equal(state_dir(), "/run/resource-agents");
    unsetenv("HA_RSCTMP");
    assert_string_equal(state_dir(), "/run/resource-agents");
    setenv("HA_RSCTMP", f->dir, 1);
}

/* design.md: "<agent>-<instance>", sanitised, and always a valid key. */
static void test_key_for(void **state)
{
    g_autofree char *plain = state_key_for("ganesha_mon", "mon:0");
    g_autofree char *odd = state_key_for("ganesha_grace", "a b/c$d\ne");
    g_autofree char *long_instance = g_strnfill(300, 'i');
    g_autofree char *other_instance = g_strnfill(300, 'i');
    g_autofree char *long1 = NULL;
    g_autofree char *long2 = NULL;
    g_autofree char *edge = NULL;

    assert_string_equal(plain, "ganesha_mon-mon:0");
    assert_string_equal(odd, "ganesha_grace-a_b_c_d_e");
    assert_true(state_key_valid(plain));
    assert_true(state_key_valid(odd));

    /* 180 characters stay as they are */
    edge = state_key_for("ag", long_instance + 300 - 177);
    assert_int_equal(strlen(edge), 180);
    assert_true(state_key_valid(edge));

    /* longer: cut to 170, a hash of the whole appended, still unique */
    other_instance[299] = 'j';
    long1 = state_key_for("ganesha_mon", long_instance);
    long2 = state_key_for("ganesha_mon", other_instance);
    assert_int_equal(strlen(long1), 170 + 1 + 8);
    assert_true(g_str_has_prefix(long1, "ganesha_mon-iii"));
    assert_true(state_key_valid(long1));
    assert_true(state_key_valid(long2));
    assert_string_not_equal(long1, long2);
}

static void test_key_valid(void **state)
{
    char long_key[202];

    assert_true(state_key_valid("ganesha_mon-nfs-mon:0"));
    assert_true(state_key_valid("a.b_c-d:e"));
    assert_false(state_key_valid(NULL));
    assert_false(state_key_valid(""));
    assert_false(state_key_valid(".hidden"));
    assert_false(state_key_valid("a/b"));
    assert_false(state_key_valid(".."));
    assert_false(state_key_valid("a b"));
    assert_false(state_key_valid("a\nb"));
    assert_false(state_key_valid("caf\xc3\xa9"));
    memset(long_key, 'k', sizeof(long_key));
    long_key[200] = '\0';
    assert_true(state_key_valid(long_key));
    long_key[200] = 'k';
    long_key[201] = '\0';
    assert_false(state_key_valid(long_key));
}

static void test_write_read_roundtrip(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autoptr(GKeyFile) back = NULL;
    g_autofree char *path = g_build_filename(f->dir, "k1", NULL);
    struct stat st;
    int64_t age = -1;

    assert_false(state_exists("k1"));
    assert_int_equal(state_write("k1", kf), 0);
    assert_true(state_exists("k1"));

    /* the missing directory was created private */
    assert_int_equal(stat(f->dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0);

    assert_int_equal(state_read("k1", &back, &age), 0);
    assert_true(g_key_file_get_boolean(back, "state", "alive", NULL));
    assert_int_equal(g_key_file_get_int64(back, "state", "asserted", NULL),
                     1234567890);
    assert_true(age >= 0 && age <= 2);
}

static void test_read_age_optional(void **state)
{
    g_autoptr(GKeyFile) kf = sample();
    g_autoptr(GKeyFile) back = NULL;

    assert_int_equal(state_write("k2", kf), 0);
    assert_int_equal(state_read("k2", &back, NULL), 0);
}

static void test_age(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autoptr(GKeyFile) back = NULL;
    g_autofree char *path = g_build_filename(f->dir, "old", NULL);
    struct timeval tv[2];
    int64_t age = -1;

    assert_int_equal(state_write("old", kf), 0);
    /* time(), as state_read uses it: it reads the kernel's coarse clock,
     * which can lag gettimeofday() by a tick across a second boundary (a CI
     * run saw an age of 99) */
    tv[0].tv_sec = time(NULL) - 100;
    tv[0].tv_usec = 0;
    tv[1] = tv[0];
    assert_int_equal(utimes(path, tv), 0);
    assert_int_equal(state_read("old", &back, &age), 0);
    assert_true(age >= 100 && age <= 102);
}

static void test_overwrite_leaves_no_temporary(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autoptr(GKeyFile) back = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;
    int n = 0;

    for (int i = 0; i < 5; i++) {
        g_key_file_set_integer(kf, "state", "round", i);
        assert_int_equal(state_write("k3", kf), 0);
    }
    assert_int_equal(state_read("k3", &back, NULL), 0);
    assert_int_equal(g_key_file_get_integer(back, "state", "round", NULL), 4);
    d = g_dir_open(f->dir, 0, NULL);
    assert_non_null(d);
    while ((name = g_dir_read_name(d)) != NULL) {
        /* only the state file itself: every temporary was renamed */
        assert_string_equal(name, "k3");
        n++;
    }
    assert_int_equal(n, 1);
}

static void test_read_missing(void **state)
{
    GKeyFile *kf = NULL;

    assert_int_equal(state_read("nothing-here", &kf, NULL), -ENOENT);
    assert_null(kf);
}

static void test_bad_key_rejected(void **state)
{
    g_autoptr(GKeyFile) kf = sample();
    GKeyFile *back = NULL;

    assert_int_equal(state_write("../escape", kf), -EINVAL);
    assert_int_equal(state_read("../escape", &back, NULL), -EINVAL);
    assert_int_equal(state_remove("a/b"), -EINVAL);
    assert_false(state_exists(".."));
    assert_null(back);
}

static void test_symlink_not_followed(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *target = g_build_filename(f->top, "target", NULL);
    g_autofree char *link = g_build_filename(f->dir, "link", NULL);
    GKeyFile *back = NULL;

    assert_int_equal(state_write("k4", kf), 0); /* creates the directory */
    assert_true(g_file_set_contents(target, "[state]\nalive=true\n", -1, NULL));
    assert_int_equal(symlink(target, link), 0);
    /* a link planted in the state directory is never read through */
    assert_int_equal(state_read("link", &back, NULL), -ELOOP);
    assert_null(back);
    assert_false(state_exists("link"));
}

static void test_unparsable(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *path = g_build_filename(f->dir, "junk", NULL);
    GKeyFile *back = NULL;

    assert_int_equal(state_write("k5", kf), 0);
    assert_true(
        g_file_set_contents(path, "not a key file\n\x01\x02", -1, NULL));
    assert_int_equal(state_read("junk", &back, NULL), -EINVAL);
    assert_null(back);
}

static void test_not_regular(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *path = g_build_filename(f->dir, "adir", NULL);
    GKeyFile *back = NULL;

    assert_int_equal(state_write("k6", kf), 0);
    assert_int_equal(g_mkdir(path, 0700), 0);
    assert_int_equal(state_read("adir", &back, NULL), -EINVAL);
    assert_false(state_exists("adir"));
}

/* Only these names in the state directory, nothing else. */
static void assert_dir_holds_only(const char *dir, const char *const *names)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    assert_non_null(d);
    while ((name = g_dir_read_name(d)) != NULL) {
        gboolean expected = FALSE;

        for (const char *const *n = names; *n != NULL; n++) {
            expected = expected || strcmp(name, *n) == 0;
        }
        if (!expected) {
            fail_msg("%s/%s was left behind", dir, name);
        }
    }
}

/* A FIFO at the path is found by its type at once, never read (it hung). */
static void test_fifo_does_not_block(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *path = g_build_filename(f->dir, "fifo", NULL);
    struct result res = RESULT_INIT;
    GKeyFile *back = NULL;
    int64_t begin;

    assert_int_equal(state_write("k8", kf), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(10); /* before the fix: blocked in open() until killed */
    begin = deadline_now();
    assert_int_equal(state_load("fifo", &back, NULL, &res), -EINVAL);
    alarm(0);
    assert_true(deadline_now() - begin < 2 * G_USEC_PER_SEC);
    assert_null(back);
    /* a local problem (1), never "misconfigured" (6), and it says what */
    assert_int_equal(res.exit_status, OCF_ERR_GENERIC);
    assert_non_null(strstr(res.reason, "a FIFO"));
    assert_non_null(strstr(res.reason, path));
    result_clear(&res);
    assert_false(state_exists("fifo"));
}

static void test_directory_is_local_error(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *path = g_build_filename(f->dir, "dir2", NULL);
    struct result res = RESULT_INIT;
    GKeyFile *back = NULL;

    assert_int_equal(state_write("k9", kf), 0);
    assert_int_equal(g_mkdir(path, 0700), 0);
    assert_true(state_load("dir2", &back, NULL, &res) < 0);
    assert_int_equal(res.exit_status, OCF_ERR_GENERIC);
    assert_non_null(strstr(res.reason, "a directory"));
    result_clear(&res);
    /* writing over it fails instead of nesting a file in it */
    assert_true(state_write("dir2", kf) < 0);
    /* and stop's remove clears an empty one */
    assert_int_equal(state_remove("dir2"), 0);
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_unparsable_reason(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *path = g_build_filename(f->dir, "junk2", NULL);
    struct result res = RESULT_INIT;
    GKeyFile *back = NULL;

    assert_int_equal(state_write("k10", kf), 0);
    assert_true(g_file_set_contents(path, "garbage\n", -1, NULL));
    assert_int_equal(state_load("junk2", &back, NULL, &res), -EINVAL);
    assert_int_equal(res.exit_status, OCF_ERR_GENERIC);
    assert_non_null(strstr(res.reason, "unparsable"));
    result_clear(&res);
    /* a missing file is no failure: the result stays untouched */
    assert_int_equal(state_load("absent", &back, NULL, &res), -ENOENT);
    assert_true(result_ok(&res));
}

/* A temporary left by a writer killed before its rename goes away. */
static void test_stale_temporary_removed(void **state)
{
    struct fixture *f = *state;
    g_autoptr(GKeyFile) kf = sample();
    g_autofree char *stale = g_build_filename(f->dir, ".k11.Ab3dE9", NULL);
    g_autofree char *other = g_build_filename(f->dir, ".k11x.Ab3dE9", NULL);
    const char *after_write[] = {"k11", ".k11x.Ab3dE9", NULL};
    const char *after_remove[] = {".k11x.Ab3dE9", NULL};

    assert_int_equal(state_write("k11", kf), 0);
    assert_true(g_file_set_contents(stale, "half", -1, NULL));
    assert_true(g_file_set_contents(other, "not k11's", -1, NULL));
    assert_int_equal(state_write("k11", kf), 0);
    /* no temporary and no lock file left; another key's file untouched */
    assert_dir_holds_only(f->dir, after_write);
    assert_true(g_file_set_contents(stale, "half", -1, NULL));
    assert_int_equal(state_remove("k11"), 0);
    assert_dir_holds_only(f->dir, after_remove);
}

/* A writer killed in the middle of a write leaves no named temporary. */
static void test_killed_writer_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    const char *after[] = {"big", NULL};
    g_autoptr(GKeyFile) kf = sample();
    GKeyFile *back = NULL;
    int status;

    assert_int_equal(state_write("big", kf), 0);
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();

        if (pid == 0) {
            g_autoptr(GKeyFile) mine = g_key_file_new();

            g_key_file_set_string(mine, "state", "pad",
                                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            for (;;) {
                (void)state_write("big", mine);
            }
        }
        assert_true(pid > 0);
        usleep(1000 + 500 * i);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
    }
    /* the killed writers' leftovers (a temporary, a lock file) go now */
    assert_int_equal(state_write("big", kf), 0);
    assert_dir_holds_only(f->dir, after);
    assert_int_equal(state_read("big", &back, NULL), 0);
    g_key_file_unref(back);
}

/* The lock excludes a second holder until released, and then admits it. */
static void test_lock_exclusive(void **state)
{
    struct fixture *f = *state;
    const char *after[] = {NULL};
    struct result res = RESULT_INIT;
    int pipefd[2];
    char c;
    pid_t pid;
    int status;

    assert_int_equal(state_lock("rmw", deadline_in(1000, DEADLINE_NEVER), &res),
                     0);
    /* taking it again in the same process is a no-op */
    assert_int_equal(state_lock("rmw", deadline_in(1000, DEADLINE_NEVER), &res),
                     0);
    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    if (pid == 0) {
        struct result child = RESULT_INIT;
        int r = state_lock("rmw", deadline_in(300, DEADLINE_NEVER), &child);

        /* held by the parent: timed out, a local failure with a reason */
        if (r != -ETIMEDOUT || child.exit_status != OCF_ERR_GENERIC) {
            _exit(1);
        }
        result_clear(&child);
        (void)write(pipefd[1], "x", 1);
        r = state_lock("rmw", deadline_in(5000, DEADLINE_NEVER), &child);
        state_unlock("rmw");
        _exit(r == 0 ? 0 : 2);
    }
    assert_true(pid > 0);
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    state_unlock("rmw");
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(pipefd[0]);
    close(pipefd[1]);
    /* the child's unlock removed the lock file */
    assert_dir_holds_only(f->dir, after);
}

static void test_remove(void **state)
{
    g_autoptr(GKeyFile) kf = sample();

    assert_int_equal(state_write("gone", kf), 0);
    assert_int_equal(state_remove("gone"), 0);
    assert_false(state_exists("gone"));
    /* removing what is not there is success */
    assert_int_equal(state_remove("gone"), 0);
}

static void test_write_unwritable_dir(void **state)
{
    g_autoptr(GKeyFile) kf = sample();

    setenv("HA_RSCTMP", "/proc/gocf-cannot-exist/rsc", 1);
    assert_true(state_write("k7", kf) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dir_from_env, setup, teardown),
        cmocka_unit_test(test_key_valid),
        cmocka_unit_test(test_key_for),
        cmocka_unit_test_setup_teardown(test_write_read_roundtrip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_age_optional, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite_leaves_no_temporary,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_key_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_not_followed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unparsable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_does_not_block, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_directory_is_local_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unparsable_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_temporary_removed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer_leaves_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_unwritable_dir, setup,
                                        teardown),
    };
    int rc;

    log_init("test_state", NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    log_fini();
    return rc;
}
