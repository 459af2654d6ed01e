/*
 * test_statedir: the state-directory switch and restore on temporary
 * directories: every starting state, idempotence, refusal to nest backups,
 * and that nothing is left half done or behind.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log.h"
#include "statedir.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
    char *top;       /* the temporary directory */
    char *state_dir; /* top/nfs */
    char *backup;    /* top/nfs.backup */
    char *target;    /* top/shared/nfs */
    char *other;     /* top/other */
};

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->top = g_dir_make_tmp("test_statedir-XXXXXX", NULL);
    assert_non_null(f->top);
    f->state_dir = g_build_filename(f->top, "nfs", NULL);
    f->backup = g_strconcat(f->state_dir, STATEDIR_BACKUP_SUFFIX, NULL);
    f->target = g_build_filename(f->top, "shared", "nfs", NULL);
    f->other = g_build_filename(f->top, "other", NULL);
    assert_int_equal(g_mkdir_with_parents(f->target, 0755), 0);
    assert_int_equal(g_mkdir(f->other, 0755), 0);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    GDir *dir;
    const char *name;
    GStatBuf st;

    if (g_lstat(path, &st) < 0) {
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        g_unlink(path);
        return;
    }
    dir = g_dir_open(path, 0, NULL);
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        remove_tree(child);
    }
    if (dir != NULL) {
        g_dir_close(dir);
    }
    g_rmdir(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    remove_tree(f->top);
    g_free(f->top);
    g_free(f->state_dir);
    g_free(f->backup);
    g_free(f->target);
    g_free(f->other);
    g_free(f);
    return 0;
}

static char kind(const char *path)
{
    GStatBuf st;

    if (g_lstat(path, &st) < 0) {
        return '-';
    }
    if (S_ISLNK(st.st_mode)) {
        return 'l';
    }
    return S_ISDIR(st.st_mode) ? 'd' : 'f';
}

static void put_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void assert_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *got = NULL;

    if (!g_file_get_contents(path, &got, NULL, NULL)) {
        fail_msg("%s is missing", path);
    }
    assert_string_equal(got, text);
}

static void assert_links_to(const char *path, const char *target)
{
    g_autofree char *got = g_file_read_link(path, NULL);

    if (got == NULL) {
        fail_msg("%s is not a symlink", path);
    }
    assert_string_equal(got, target);
}

/* No temporary (.tmp-*) names left next to the state directory. */
static void assert_no_leftovers(const struct fixture *f)
{
    GDir *dir = g_dir_open(f->top, 0, NULL);
    const char *name;

    assert_non_null(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (strstr(name, ".tmp-") != NULL) {
            g_dir_close(dir);
            fail_msg("temporary %s left behind", name);
        }
    }
    g_dir_close(dir);
}

static void test_switch_from_dir(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "mine");
    assert_int_equal(statedir_check(f->state_dir, f->target), -ENOLINK);

    assert_int_equal(statedir_switch(f->state_dir, f->target, &reason), 0);
    assert_null(reason);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), 'd');
    assert_file(f->backup, "local", "mine");
    assert_int_equal(statedir_check(f->state_dir, f->target), 0);
    assert_no_leftovers(f);
}

static void test_switch_from_missing(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(statedir_check(f->state_dir, f->target), -ENOENT);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), '-');
    assert_no_leftovers(f);
}

static void test_switch_from_link_elsewhere(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->target), -EXDEV);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    /* a link is not a directory to back up; the old target is untouched */
    assert_int_equal(kind(f->backup), '-');
    assert_int_equal(kind(f->other), 'd');
    assert_no_leftovers(f);
}

/* A dangling link elsewhere is replaced too (lstat, not stat, decides). */
static void test_switch_from_dangling_link(void **state)
{
    struct fixture *f = *state;
    g_autofree char *gone = g_build_filename(f->top, "gone", NULL);

    assert_int_equal(symlink(gone, f->state_dir), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), '-');
}

static void test_switch_idempotent(void **state)
{
    struct fixture *f = *state;
    GStatBuf before;
    GStatBuf after;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_int_equal(g_lstat(f->state_dir, &before), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_int_equal(g_lstat(f->state_dir, &after), 0);
    /* the very same link: nothing was redone */
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(kind(f->backup), 'd');
    assert_no_leftovers(f);
}

/* Another spelling of the same target counts as linked already. */
static void test_switch_same_target_other_spelling(void **state)
{
    struct fixture *f = *state;
    g_autofree char *spelled =
        g_strconcat(f->top, "/shared/../shared/nfs", NULL);

    assert_int_equal(symlink(spelled, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->target), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_links_to(f->state_dir, spelled);
}

static void test_switch_refuses_nesting(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "new");
    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "old");

    assert_int_equal(statedir_switch(f->state_dir, f->target, &reason),
                     -EEXIST);
    assert_non_null(reason);
    assert_non_null(strstr(reason, f->backup));
    g_free(reason);
    /* nothing changed, nothing nested */
    assert_int_equal(kind(f->state_dir), 'd');
    assert_file(f->state_dir, "local", "new");
    assert_file(f->backup, "local", "old");
    {
        g_autofree char *nested = g_build_filename(f->backup, "nfs", NULL);

        assert_int_equal(kind(nested), '-');
    }
    assert_no_leftovers(f);
}

/* A backup left over while state_dir is already linked is no obstacle. */
static void test_switch_link_with_backup(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), 'd');
}

static void test_switch_bad_target(void **state)
{
    struct fixture *f = *state;
    g_autofree char *missing = g_build_filename(f->top, "missing", NULL);
    g_autofree char *file = g_build_filename(f->top, "file", NULL);
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    assert_int_equal(statedir_switch(f->state_dir, missing, &reason), -ENOENT);
    assert_non_null(reason);
    g_free(reason);
    reason = NULL;
    assert_true(g_file_set_contents(file, "x", -1, NULL));
    assert_int_equal(statedir_switch(f->state_dir, file, &reason), -ENOTDIR);
    g_free(reason);
    assert_int_equal(statedir_switch(f->state_dir, "", NULL), -EINVAL);
    assert_int_equal(statedir_switch(NULL, f->target, NULL), -EINVAL);
    /* the state directory was left as it was */
    assert_int_equal(kind(f->state_dir), 'd');
    assert_int_equal(kind(f->backup), '-');
}

/* A state directory that is a plain file is not replaced. */
static void test_switch_refuses_file(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_true(g_file_set_contents(f->state_dir, "x", -1, NULL));
    assert_int_equal(statedir_switch(f->state_dir, f->target, &reason),
                     -ENOTDIR);
    g_free(reason);
    assert_int_equal(kind(f->state_dir), 'f');
    assert_int_equal(statedir_check(f->state_dir, f->target), -ENOLINK);
}

/*
 * The switch cannot be done (the parent is read-only): nothing changed and
 * nothing is left behind. Root ignores directory permissions, so as root
 * the attempt runs in a child that drops to nobody.
 */
static int failing_switch(const struct fixture *f)
{
    char *reason = NULL;
    int rc;

    if (chmod(f->top, 0555) < 0) {
        return -errno;
    }
    rc = statedir_switch(f->state_dir, f->target, &reason);
    if (rc < 0 && reason == NULL) {
        rc = -EBADMSG; /* a failure must say why */
    }
    g_free(reason);
    (void)chmod(f->top, 0755);
    return rc;
}

static void test_switch_failure_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    int rc;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    if (geteuid() != 0) {
        rc = failing_switch(f);
    } else {
        const uid_t nobody = 65534;
        pid_t pid;
        int status;

        assert_int_equal(chown(f->top, nobody, nobody), 0);
        assert_int_equal(chown(f->state_dir, nobody, nobody), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(nobody) < 0 || setuid(nobody) < 0) {
                _exit(100);
            }
            _exit(-failing_switch(f));
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_not_equal(WEXITSTATUS(status), 100);
        rc = -WEXITSTATUS(status);
        assert_int_equal(chmod(f->top, 0755), 0);
    }
    assert_int_equal(rc, -EACCES);
    assert_int_equal(kind(f->state_dir), 'd');
    assert_int_equal(kind(f->backup), '-');
    assert_no_leftovers(f);
}

static void test_restore_with_backup(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "mine");
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    put_file(f->target, "shared", "theirs");

    assert_int_equal(statedir_restore(f->state_dir, &reason), 0);
    assert_null(reason);
    assert_int_equal(kind(f->state_dir), 'd');
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
    /* shared storage is never touched */
    assert_file(f->target, "shared", "theirs");
    assert_int_equal(statedir_check(f->state_dir, f->target), -ENOLINK);
    assert_no_leftovers(f);
}

static void test_restore_without_backup(void **state)
{
    struct fixture *f = *state;
    GDir *dir;

    assert_int_equal(symlink(f->target, f->state_dir), 0);
    put_file(f->target, "shared", "theirs");
    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_int_equal(kind(f->state_dir), 'd');
    dir = g_dir_open(f->state_dir, 0, NULL);
    assert_non_null(dir);
    assert_null(g_dir_read_name(dir));
    g_dir_close(dir);
    assert_file(f->target, "shared", "theirs");
    assert_no_leftovers(f);
}

static void test_restore_idempotent(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "mine");
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
    /* and round again */
    assert_int_equal(statedir_switch(f->state_dir, f->target, NULL), 0);
    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_file(f->state_dir, "local", "mine");
    assert_no_leftovers(f);
}

/* A real directory is left alone, even with a backup next to it. */
static void test_restore_leaves_dir_alone(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "new");
    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "old");
    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_file(f->state_dir, "local", "new");
    assert_file(f->backup, "local", "old");
}

/* An interrupted switch (state_dir gone, backup there): restore recovers. */
static void test_restore_after_interrupted_switch(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "mine");
    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_int_equal(kind(f->state_dir), 'd');
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
}

static void test_restore_missing_no_backup(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(statedir_restore(f->state_dir, NULL), 0);
    assert_int_equal(kind(f->state_dir), 'd');
}

static void test_restore_backup_not_dir(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(symlink(f->target, f->state_dir), 0);
    assert_true(g_file_set_contents(f->backup, "x", -1, NULL));
    assert_int_equal(statedir_restore(f->state_dir, &reason), -ENOTDIR);
    assert_non_null(reason);
    g_free(reason);
    /* nothing changed */
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), 'f');
}

static void test_check_results(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(statedir_check(f->state_dir, f->target), -ENOENT);
    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    assert_int_equal(statedir_check(f->state_dir, f->target), -ENOLINK);
    assert_int_equal(g_rmdir(f->state_dir), 0);
    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->target), -EXDEV);
    assert_int_equal(g_unlink(f->state_dir), 0);
    assert_int_equal(symlink(f->target, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->target), 0);
    assert_int_equal(statedir_check("", f->target), -EINVAL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_switch_from_dir),
        T(test_switch_from_missing),
        T(test_switch_from_link_elsewhere),
        T(test_switch_from_dangling_link),
        T(test_switch_idempotent),
        T(test_switch_same_target_other_spelling),
        T(test_switch_refuses_nesting),
        T(test_switch_link_with_backup),
        T(test_switch_bad_target),
        T(test_switch_refuses_file),
        T(test_switch_failure_leaves_nothing),
        T(test_restore_with_backup),
        T(test_restore_without_backup),
        T(test_restore_idempotent),
        T(test_restore_leaves_dir_alone),
        T(test_restore_after_interrupted_switch),
        T(test_restore_missing_no_backup),
        T(test_restore_backup_not_dir),
        T(test_check_results),
    };
    int rc;

    log_init("test_statedir", NULL);
    rc = cmocka_run_group_tests_name("statedir", tests, NULL, NULL);
    log_fini();
    return rc;
}
