/*
 * test_statedir: the state-directory switch and restore on temporary
 * directories: every starting state, idempotence, refusal to nest or
 * overwrite backups, links planted on the shared storage, the mount check
 * and the wait for the storage, and a SIGKILL after every single step
 * (tests/fault/killafter) followed by each possible next action.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"
#include "log.h"
#include "statedir.h"
#include "../fault/killafter.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define REL "nfs-ganesha/n1/nfs"
#define REL_OTHER "nfs-ganesha/n2/nfs"

/* Whether this process has a private mount namespace to mount tmpfs in. */
static bool have_mounts;

struct fixture {
    char *top;       /* the temporary directory */
    char *state_dir; /* top/nfs */
    char *backup;    /* top/nfs.backup */
    char *fresh;     /* top/nfs.new */
    char *mnt;       /* top/shared: the shared storage */
    char *target;    /* top/shared/nfs-ganesha/n1/nfs */
    char *elsewhere; /* top/shared/nfs-ganesha/n2/nfs */
    char *other;     /* top/other: an administrator's directory */
    bool mounted;    /* tmpfs on mnt */
};

static void make_tree(struct fixture *f)
{
    assert_int_equal(g_mkdir_with_parents(f->target, 0755), 0);
    assert_int_equal(g_mkdir_with_parents(f->elsewhere, 0755), 0);
}

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);

    f->top = g_dir_make_tmp("test_statedir-XXXXXX", NULL);
    assert_non_null(f->top);
    f->state_dir = g_build_filename(f->top, "nfs", NULL);
    f->backup = g_strconcat(f->state_dir, STATEDIR_BACKUP_SUFFIX, NULL);
    f->fresh = g_strconcat(f->state_dir, STATEDIR_NEW_SUFFIX, NULL);
    f->mnt = g_build_filename(f->top, "shared", NULL);
    f->target = g_build_filename(f->mnt, REL, NULL);
    f->elsewhere = g_build_filename(f->mnt, REL_OTHER, NULL);
    f->other = g_build_filename(f->top, "other", NULL);
    make_tree(f);
    assert_int_equal(g_mkdir(f->other, 0755), 0);
    *state = f;
    return 0;
}

/* The same, with a tmpfs mounted at mnt (skipped without a namespace). */
static int setup_mounted(void **state)
{
    struct fixture *f;

    setup(state);
    f = *state;
    if (have_mounts) {
        assert_int_equal(mount("gocf-test", f->mnt, "tmpfs", 0, "mode=0755"),
                         0);
        f->mounted = true;
        make_tree(f);
    }
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

    if (f->mounted) {
        (void)umount2(f->mnt, MNT_DETACH);
    }
    remove_tree(f->top);
    g_free(f->top);
    g_free(f->state_dir);
    g_free(f->backup);
    g_free(f->fresh);
    g_free(f->mnt);
    g_free(f->target);
    g_free(f->elsewhere);
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

/* No <state_dir>.new and no old-style .tmp-* names left. */
static void assert_no_leftovers(const struct fixture *f)
{
    GDir *dir = g_dir_open(f->top, 0, NULL);
    const char *name;

    assert_non_null(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (strstr(name, ".tmp-") != NULL ||
            g_str_has_suffix(name, STATEDIR_NEW_SUFFIX)) {
            g_dir_close(dir);
            fail_msg("temporary %s left behind", name);
        }
    }
    g_dir_close(dir);
}

/* "-", "l:<text>", "d:<names, sorted>" or "f": what lies at \p path. */
static char *describe(const char *path)
{
    GStatBuf st;

    if (g_lstat(path, &st) < 0) {
        return g_strdup("-");
    }
    if (S_ISLNK(st.st_mode)) {
        g_autofree char *text = g_file_read_link(path, NULL);

        return g_strconcat("l:", text, NULL);
    }
    if (S_ISDIR(st.st_mode)) {
        GDir *dir = g_dir_open(path, 0, NULL);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *name;
        g_autofree char *list = NULL;

        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
            g_ptr_array_add(names, g_strdup(name));
        }
        if (dir != NULL) {
            g_dir_close(dir);
        }
        g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
        g_ptr_array_add(names, NULL);
        list = g_strjoinv(",", (char **)names->pdata);
        g_ptr_array_free(names, TRUE);
        return g_strconcat("d:", list, NULL);
    }
    return g_strdup("f");
}

/* state_dir, backup and .new described in one line */
static char *describe_all(const struct fixture *f)
{
    g_autofree char *s = describe(f->state_dir);
    g_autofree char *b = describe(f->backup);
    g_autofree char *n = describe(f->fresh);

    return g_strdup_printf("state=%s backup=%s new=%s", s, b, n);
}

/* ---- switch ------------------------------------------------------------ */

static void test_switch_from_dir(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "mine");
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -ENOLINK);

    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, &reason), 0);
    assert_null(reason);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), 'd');
    assert_file(f->backup, "local", "mine");
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), 0);
    assert_no_leftovers(f);
}

static void test_switch_from_missing(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -ENOENT);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), '-');
    assert_no_leftovers(f);
}

/* Our link to another node's directory is replaced, without a backup. */
static void test_switch_from_our_link_elsewhere(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(symlink(f->elsewhere, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -EXDEV);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), '-');
    assert_int_equal(kind(f->elsewhere), 'd');
    assert_no_leftovers(f);
}

/* An administrator's link is kept as the backup and given back on stop. */
static void test_switch_keeps_foreign_link(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -EXDEV);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_links_to(f->backup, f->other);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_links_to(f->state_dir, f->other);
    assert_int_equal(kind(f->backup), '-');
    assert_int_equal(kind(f->other), 'd');
    assert_no_leftovers(f);
}

/* A dangling foreign link is not ours either: kept, not overwritten. */
static void test_switch_keeps_dangling_foreign_link(void **state)
{
    struct fixture *f = *state;
    g_autofree char *gone = g_build_filename(f->top, "gone", NULL);

    assert_int_equal(symlink(gone, f->state_dir), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_links_to(f->backup, gone);
}

/* A link into mnt spelled with ".." is not ours: it is kept as a backup. */
static void test_switch_dotdot_link_is_foreign(void **state)
{
    struct fixture *f = *state;
    g_autofree char *spelled = g_strconcat(f->mnt, "/../shared/" REL, NULL);

    assert_int_equal(symlink(spelled, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -EXDEV);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_links_to(f->backup, spelled);
}

static void test_switch_idempotent(void **state)
{
    struct fixture *f = *state;
    GStatBuf before;
    GStatBuf after;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_int_equal(g_lstat(f->state_dir, &before), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_int_equal(g_lstat(f->state_dir, &after), 0);
    /* the very same link: nothing was redone */
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(kind(f->backup), 'd');
    assert_no_leftovers(f);
}

static void test_switch_refuses_nesting(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "new");
    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "old");

    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, &reason),
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

/* A foreign link with a backup next to it: neither is overwritten. */
static void test_switch_refuses_foreign_link_with_backup(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "old");
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, &reason),
                     -EEXIST);
    assert_non_null(reason);
    g_free(reason);
    assert_links_to(f->state_dir, f->other);
    assert_file(f->backup, "local", "old");

    /* and the other way round: a directory, a foreign link as backup */
    assert_int_equal(g_unlink(f->state_dir), 0);
    assert_int_equal(g_rename(f->backup, f->state_dir), 0);
    assert_int_equal(symlink(f->other, f->backup), 0);
    reason = NULL;
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, &reason),
                     -EEXIST);
    g_free(reason);
    assert_file(f->state_dir, "local", "old");
    assert_links_to(f->backup, f->other);
}

/* A backup left over while state_dir is already our link is no obstacle. */
static void test_switch_our_link_with_backup(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    assert_int_equal(symlink(f->elsewhere, f->state_dir), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), 'd');
    assert_no_leftovers(f);
}

static void test_switch_bad_target(void **state)
{
    struct fixture *f = *state;
    g_autofree char *file = g_build_filename(f->mnt, "nfs-ganesha", "n3", NULL);
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    assert_int_equal(
        statedir_switch(f->state_dir, f->mnt, "nfs-ganesha/n9/nfs", &reason),
        -ENOENT);
    assert_non_null(strstr(reason, "nfs-ganesha/n9"));
    g_free(reason);
    reason = NULL;
    assert_true(g_file_set_contents(file, "x", -1, NULL));
    assert_int_equal(
        statedir_switch(f->state_dir, f->mnt, "nfs-ganesha/n3/nfs", &reason),
        -ENOTDIR);
    g_free(reason);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, "", NULL), -EINVAL);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, "../x", NULL),
                     -EINVAL);
    assert_int_equal(statedir_switch(NULL, f->mnt, REL, NULL), -EINVAL);
    assert_int_equal(statedir_switch(f->state_dir, "relative", REL, NULL),
                     -EINVAL);
    /* state_dir inside the storage, or the storage inside state_dir */
    assert_int_equal(statedir_switch(f->target, f->mnt, REL, NULL), -EINVAL);
    assert_int_equal(statedir_switch(f->top, f->mnt, REL, NULL), -EINVAL);
    /* the state directory was left as it was */
    assert_int_equal(kind(f->state_dir), 'd');
    assert_int_equal(kind(f->backup), '-');
}

/* A link planted on the shared storage is never followed. */
static void test_switch_refuses_planted_link(void **state)
{
    struct fixture *f = *state;
    g_autofree char *n1 = g_build_filename(f->mnt, "nfs-ganesha", "n1", NULL);
    g_autofree char *evil = g_build_filename(f->top, "evil", NULL);
    g_autofree char *evil_nfs = g_build_filename(evil, "nfs", NULL);
    char *reason = NULL;

    assert_int_equal(g_mkdir_with_parents(evil_nfs, 0755), 0);
    remove_tree(n1);
    assert_int_equal(symlink(evil, n1), 0);
    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);

    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, &reason),
                     -ELOOP);
    assert_non_null(strstr(reason, n1));
    assert_non_null(strstr(reason, "symlink"));
    g_free(reason);
    reason = NULL;
    assert_int_equal(kind(f->state_dir), 'd');
    assert_int_equal(kind(f->backup), '-');

    /* the same for the last component */
    assert_int_equal(g_unlink(n1), 0);
    assert_int_equal(g_mkdir(n1, 0755), 0);
    assert_int_equal(symlink(evil_nfs, f->target), 0);
    assert_int_equal(statedir_target_check(f->mnt, REL, &reason), -ELOOP);
    g_free(reason);
}

/* A state directory that is a plain file is not replaced. */
static void test_switch_refuses_file(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_true(g_file_set_contents(f->state_dir, "x", -1, NULL));
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, &reason),
                     -EEXIST);
    assert_non_null(reason);
    g_free(reason);
    assert_int_equal(kind(f->state_dir), 'f');
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -ENOLINK);
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
    rc = statedir_switch(f->state_dir, f->mnt, REL, &reason);
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

/* ---- restore ----------------------------------------------------------- */

static void test_restore_with_backup(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "mine");
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    put_file(f->target, "shared", "theirs");

    assert_int_equal(statedir_restore(f->state_dir, f->mnt, &reason), 0);
    assert_null(reason);
    assert_int_equal(kind(f->state_dir), 'd');
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
    /* shared storage is never touched */
    assert_file(f->target, "shared", "theirs");
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -ENOLINK);
    assert_no_leftovers(f);
}

static void test_restore_without_backup(void **state)
{
    struct fixture *f = *state;
    GDir *dir;

    assert_int_equal(symlink(f->target, f->state_dir), 0);
    put_file(f->target, "shared", "theirs");
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_int_equal(kind(f->state_dir), 'd');
    dir = g_dir_open(f->state_dir, 0, NULL);
    assert_non_null(dir);
    assert_null(g_dir_read_name(dir));
    g_dir_close(dir);
    assert_file(f->target, "shared", "theirs");
    assert_int_equal(kind(f->backup), '-');
    assert_no_leftovers(f);
}

/* Our link whose storage is gone (dangling) is replaced all the same. */
static void test_restore_dangling_link(void **state)
{
    struct fixture *f = *state;
    g_autofree char *gone =
        g_build_filename(f->mnt, "nfs-ganesha/gone/nfs", NULL);

    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "mine");
    assert_int_equal(symlink(gone, f->state_dir), 0);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
}

static void test_restore_idempotent(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    put_file(f->state_dir, "local", "mine");
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
    /* and round again */
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
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
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_file(f->state_dir, "local", "new");
    assert_file(f->backup, "local", "old");
}

/* Only a link below ha_vol_mnt is replaced: a foreign one stays. */
static void test_restore_leaves_foreign_link_alone(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "old");
    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_links_to(f->state_dir, f->other);
    assert_file(f->backup, "local", "old");
    /* also not when it points at a path that merely starts like mnt */
    assert_int_equal(g_unlink(f->state_dir), 0);
    {
        g_autofree char *lookalike = g_strconcat(f->mnt, "-old/nfs", NULL);

        assert_int_equal(symlink(lookalike, f->state_dir), 0);
        assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
        assert_links_to(f->state_dir, lookalike);
    }
}

/* state_dir missing, the backup there (an old interrupted switch). */
static void test_restore_after_interrupted_switch(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(g_mkdir(f->backup, 0755), 0);
    put_file(f->backup, "local", "mine");
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_int_equal(kind(f->state_dir), 'd');
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
}

static void test_restore_missing_no_backup(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_int_equal(kind(f->state_dir), 'd');
}

/* No parent directory at all: nothing of ours there, stop succeeds. */
static void test_restore_no_parent(void **state)
{
    struct fixture *f = *state;
    g_autofree char *deep = g_build_filename(f->top, "none", "nfs", NULL);
    char *reason = NULL;

    assert_int_equal(statedir_restore(deep, f->mnt, &reason), 0);
    assert_null(reason);
}

static void test_restore_backup_not_dir(void **state)
{
    struct fixture *f = *state;
    char *reason = NULL;

    assert_int_equal(symlink(f->target, f->state_dir), 0);
    assert_true(g_file_set_contents(f->backup, "x", -1, NULL));
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, &reason), -ENOTDIR);
    assert_non_null(reason);
    g_free(reason);
    /* nothing changed */
    assert_links_to(f->state_dir, f->target);
    assert_int_equal(kind(f->backup), 'f');
}

/* Our link left at <state_dir>.new by a killed retarget is removed. */
static void test_leftover_new_link_removed(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(symlink(f->target, f->fresh), 0);
    assert_int_equal(statedir_switch(f->state_dir, f->mnt, REL, NULL), 0);
    assert_no_leftovers(f);
    assert_int_equal(symlink(f->target, f->fresh), 0);
    assert_int_equal(statedir_restore(f->state_dir, f->mnt, NULL), 0);
    assert_no_leftovers(f);
}

static void test_check_results(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -ENOENT);
    assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -ENOLINK);
    assert_int_equal(g_rmdir(f->state_dir), 0);
    assert_int_equal(symlink(f->other, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), -EXDEV);
    assert_int_equal(g_unlink(f->state_dir), 0);
    assert_int_equal(symlink(f->target, f->state_dir), 0);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), 0);
    /* dangling: still the right link (the storage is checked apart) */
    remove_tree(f->target);
    assert_int_equal(statedir_check(f->state_dir, f->mnt, REL), 0);
    assert_int_equal(statedir_check("", f->mnt, REL), -EINVAL);
}

/* ---- the storage --------------------------------------------------------- */

static void test_target_check(void **state)
{
    struct fixture *f = *state;
    g_autofree char *n2 = g_build_filename(f->mnt, "nfs-ganesha", "n2", NULL);
    char *reason = NULL;

    assert_int_equal(statedir_target_check(f->mnt, REL, &reason), 0);
    assert_null(reason);
    remove_tree(n2);
    assert_int_equal(statedir_target_check(f->mnt, REL_OTHER, &reason),
                     -ENOENT);
    /* the reason names the first missing component */
    assert_non_null(strstr(reason, n2));
    assert_null(strstr(reason, REL_OTHER));
    g_free(reason);
    reason = NULL;
    assert_true(g_file_set_contents(n2, "x", -1, NULL));
    assert_int_equal(statedir_target_check(f->mnt, REL_OTHER, &reason),
                     -ENOTDIR);
    g_free(reason);
    assert_int_equal(statedir_target_check(f->mnt, "a//b", NULL), -EINVAL);
    assert_int_equal(statedir_target_check(f->mnt, "/abs", NULL), -EINVAL);
}

static void test_mount_check_plain_dir(void **state)
{
    struct fixture *f = *state;
    g_autofree char *missing = g_build_filename(f->top, "missing", NULL);
    char *reason = NULL;

    assert_int_equal(statedir_mount_check(f->mnt, &reason), -ENOMEDIUM);
    assert_non_null(strstr(reason, "not a mount point"));
    assert_non_null(strstr(reason, f->mnt));
    g_free(reason);
    reason = NULL;
    assert_int_equal(statedir_mount_check(missing, &reason), -ENOENT);
    g_free(reason);
    assert_int_equal(statedir_mount_check("/", NULL), -EINVAL);
    assert_true(statedir_storage_transient(-ENOMEDIUM));
    assert_true(statedir_storage_transient(-ENOENT));
    assert_false(statedir_storage_transient(-ELOOP));
    assert_false(statedir_storage_transient(-ENOTDIR));
}

static void test_mount_check_mounted(void **state)
{
    struct fixture *f = *state;
    g_autofree char *below = g_build_filename(f->mnt, "nfs-ganesha", NULL);

    if (!have_mounts) {
        skip();
    }
    assert_int_equal(statedir_mount_check(f->mnt, NULL), 0);
    assert_int_equal(statedir_mount_check(below, NULL), -ENOMEDIUM);
    /* a bind mount of a directory of the same file system counts too */
    assert_int_equal(mount(below, below, NULL, MS_BIND, NULL), 0);
    assert_int_equal(statedir_mount_check(below, NULL), 0);
    assert_int_equal(umount2(below, MNT_DETACH), 0);
}

/* Not mounted, and it never comes: bounded, with the reason. */
static void test_wait_times_out(void **state)
{
    struct fixture *f = *state;
    int64_t t0 = deadline_now();
    char *reason = NULL;

    assert_int_equal(statedir_storage_wait(f->mnt, REL,
                                           deadline_in(300, DEADLINE_NEVER),
                                           &reason),
                     -ENOMEDIUM);
    assert_true(deadline_now() - t0 >= 300000);
    assert_true(deadline_now() - t0 < 2000000);
    assert_non_null(strstr(reason, "not a mount point"));
    assert_non_null(strstr(reason, "waited"));
    g_free(reason);
}

/* A planted link does not go away by waiting: returned at once. */
static void test_wait_planted_link_at_once(void **state)
{
    struct fixture *f = *state;
    g_autofree char *n1 = g_build_filename(f->mnt, "nfs-ganesha", "n1", NULL);
    int64_t t0 = deadline_now();
    char *reason = NULL;

    if (!have_mounts) {
        skip();
    }
    remove_tree(n1);
    assert_int_equal(symlink(f->other, n1), 0);
    assert_int_equal(statedir_storage_wait(f->mnt, REL,
                                           deadline_in(5000, DEADLINE_NEVER),
                                           &reason),
                     -ELOOP);
    assert_true(deadline_now() - t0 < 1000000);
    assert_non_null(strstr(reason, "symlink"));
    g_free(reason);
}

/* The storage is mounted, then the directory created, while start waits. */
static void test_wait_storage_comes(void **state)
{
    struct fixture *f = *state;
    int64_t t0 = deadline_now();
    char *reason = NULL;
    pid_t pid;
    int status;

    if (!have_mounts) {
        skip();
    }
    assert_int_equal(umount2(f->mnt, MNT_DETACH), 0);
    f->mounted = false;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the same mount namespace: what the child mounts, we see */
        g_usleep(200000);
        if (mount("gocf-test", f->mnt, "tmpfs", 0, "mode=0755") < 0) {
            _exit(1);
        }
        g_usleep(300000);
        _exit(g_mkdir_with_parents(f->target, 0755) == 0 ? 0 : 2);
    }
    assert_int_equal(statedir_storage_wait(f->mnt, REL,
                                           deadline_in(10000, DEADLINE_NEVER),
                                           &reason),
                     0);
    f->mounted = true;
    assert_null(reason);
    assert_true(deadline_now() - t0 >= 450000);
    assert_true(deadline_now() - t0 < 5000000);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- a SIGKILL after every step ---------------------------------------- */

enum start_kind { FROM_DIR, FROM_FOREIGN, FROM_MISSING, FROM_OURS_ELSEWHERE };

static const char *const start_names[] = {"a directory", "a foreign link",
                                          "missing", "our link elsewhere"};

/* Put the starting state \p from in place, everything else removed. */
static void prepare(const struct fixture *f, enum start_kind from)
{
    remove_tree(f->state_dir);
    remove_tree(f->backup);
    remove_tree(f->fresh);
    switch (from) {
    case FROM_DIR:
        assert_int_equal(g_mkdir(f->state_dir, 0755), 0);
        put_file(f->state_dir, "local", "mine");
        break;
    case FROM_FOREIGN:
        assert_int_equal(symlink(f->other, f->state_dir), 0);
        break;
    case FROM_MISSING:
        break;
    case FROM_OURS_ELSEWHERE:
        assert_int_equal(symlink(f->elsewhere, f->state_dir), 0);
        break;
    }
}

/* What a finished switch from \p from leaves. */
static char *switched(const struct fixture *f, enum start_kind from)
{
    const char *backup = "-";
    g_autofree char *link = g_strconcat("l:", f->other, NULL);

    if (from == FROM_DIR) {
        backup = "d:local";
    } else if (from == FROM_FOREIGN) {
        backup = link;
    }
    return g_strdup_printf("state=l:%s backup=%s new=-", f->target, backup);
}

/* What a finished restore after a switch from \p from leaves. */
static char *restored(const struct fixture *f, enum start_kind from)
{
    if (from == FROM_DIR) {
        return g_strdup("state=d:local backup=- new=-");
    }
    if (from == FROM_FOREIGN) {
        return g_strdup_printf("state=l:%s backup=- new=-", f->other);
    }
    return g_strdup("state=d: backup=- new=-");
}

/* The local state never gets lost: at state_dir or at the backup name. */
static void assert_local_kept(const struct fixture *f, enum start_kind from,
                              const char *what)
{
    g_autofree char *s = describe(f->state_dir);
    g_autofree char *b = describe(f->backup);
    g_autofree char *link = g_strconcat("l:", f->other, NULL);
    const char *want = from == FROM_DIR ? "d:local" : link;

    if (from != FROM_DIR && from != FROM_FOREIGN) {
        return;
    }
    if (strcmp(s, want) != 0 && strcmp(b, want) != 0) {
        fail_msg("%s: the local state (%s) is neither at state_dir (%s) nor "
                 "at the backup (%s)",
                 what, want, s, b);
    }
}

static int do_switch(const struct fixture *f)
{
    return statedir_switch(f->state_dir, f->mnt, REL, NULL);
}

static int do_restore(const struct fixture *f)
{
    return statedir_restore(f->state_dir, f->mnt, NULL);
}

/*
 * Run \p action in a child killed after its \p n-th change. Returns true if
 * it was killed, false if it finished first (then it must have succeeded).
 */
static bool killed_at(const struct fixture *f,
                      int (*action)(const struct fixture *), long n,
                      bool no_exchange)
{
    pid_t pid;
    int status;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        killafter_no_exchange(no_exchange);
        killafter_arm(n);
        _exit(action(f) == 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
        assert_int_equal(WTERMSIG(status), SIGKILL);
        return true;
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return false;
}

/* The state is \p want, or \p also if that is not NULL. */
static void assert_state(const struct fixture *f, const char *want,
                         const char *also, const char *what)
{
    g_autofree char *got = describe_all(f);

    if (strcmp(got, want) != 0 && (also == NULL || strcmp(got, also) != 0)) {
        fail_msg("%s:\n  got  %s\n  want %s%s%s", what, got, want,
                 also != NULL ? "\n  or   " : "", also != NULL ? also : "");
    }
}

/*
 * Kill \p action after each of its steps in turn, from \p from (switched
 * first if \p action is the restore); then the next start, or stop, must
 * finish the job, and a stop after that must give the local state back.
 */
static void kill_every_step(const struct fixture *f, enum start_kind from,
                            bool during_restore, bool no_exchange)
{
    int (*action)(const struct fixture *) =
        during_restore ? do_restore : do_switch;
    g_autofree char *want_switched = switched(f, from);
    g_autofree char *want_restored = restored(f, from);
    /*
     * Without a backup, the restore first makes an empty one: killed there,
     * it leaves a switch whose backup is that empty directory, the same
     * thing for the next stop.
     */
    g_autofree char *also_switched =
        during_restore && (from == FROM_MISSING || from == FROM_OURS_ELSEWHERE)
            ? g_strdup_printf("state=l:%s backup=d: new=-", f->target)
            : NULL;
    long n;

    for (n = 1; n < 20; n++) {
        for (int next = 0; next < 2; next++) {
            g_autofree char *what = g_strdup_printf(
                "%s from %s%s, killed after step %ld, then %s",
                during_restore ? "restore" : "switch", start_names[from],
                no_exchange ? " (no RENAME_EXCHANGE)" : "", n,
                next == 0 ? "start" : "stop");

            prepare(f, from);
            if (during_restore) {
                assert_int_equal(do_switch(f), 0);
            }
            if (!killed_at(f, action, n, no_exchange)) {
                /* finished before step n: every step was covered */
                assert_state(f, during_restore ? want_restored : want_switched,
                             NULL, "a run that was not killed");
                assert_true(n > 1);
                return;
            }
            assert_local_kept(f, from, what);
            killafter_no_exchange(no_exchange);
            if (next == 0) {
                assert_int_equal(do_switch(f), 0);
                assert_state(f, want_switched, also_switched, what);
            }
            assert_int_equal(do_restore(f), 0);
            assert_state(f, want_restored, NULL, what);
            assert_no_leftovers(f);
            killafter_no_exchange(false);
        }
    }
    fail_msg("%s never finished", during_restore ? "restore" : "switch");
}

static void test_kill_at_every_step(void **state)
{
    struct fixture *f = *state;

    for (int from = FROM_DIR; from <= FROM_OURS_ELSEWHERE; from++) {
        for (int x = 0; x < 2; x++) {
            kill_every_step(f, from, false, x == 1);
            kill_every_step(f, from, true, x == 1);
        }
    }
}

/* Without RENAME_EXCHANGE the switch and restore still work. */
static void test_no_exchange(void **state)
{
    struct fixture *f = *state;

    prepare(f, FROM_DIR);
    killafter_no_exchange(true);
    assert_int_equal(do_switch(f), 0);
    killafter_no_exchange(false);
    assert_links_to(f->state_dir, f->target);
    assert_file(f->backup, "local", "mine");
    killafter_no_exchange(true);
    assert_int_equal(do_restore(f), 0);
    killafter_no_exchange(false);
    assert_file(f->state_dir, "local", "mine");
    assert_int_equal(kind(f->backup), '-');
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define TM(name) cmocka_unit_test_setup_teardown(name, setup_mounted, teardown)

/* A private mount namespace for the tmpfs mounts, if we may have one. */
static void private_mounts(void)
{
    if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0) {
        return;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        return;
    }
    have_mounts = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_switch_from_dir),
        T(test_switch_from_missing),
        T(test_switch_from_our_link_elsewhere),
        T(test_switch_keeps_foreign_link),
        T(test_switch_keeps_dangling_foreign_link),
        T(test_switch_dotdot_link_is_foreign),
        T(test_switch_idempotent),
        T(test_switch_refuses_nesting),
        T(test_switch_refuses_foreign_link_with_backup),
        T(test_switch_our_link_with_backup),
        T(test_switch_bad_target),
        T(test_switch_refuses_planted_link),
        T(test_switch_refuses_file),
        T(test_switch_failure_leaves_nothing),
        T(test_restore_with_backup),
        T(test_restore_without_backup),
        T(test_restore_dangling_link),
        T(test_restore_idempotent),
        T(test_restore_leaves_dir_alone),
        T(test_restore_leaves_foreign_link_alone),
        T(test_restore_after_interrupted_switch),
        T(test_restore_missing_no_backup),
        T(test_restore_no_parent),
        T(test_restore_backup_not_dir),
        T(test_leftover_new_link_removed),
        T(test_check_results),
        T(test_target_check),
        T(test_mount_check_plain_dir),
        TM(test_mount_check_mounted),
        T(test_wait_times_out),
        TM(test_wait_planted_link_at_once),
        TM(test_wait_storage_comes),
        T(test_kill_at_every_step),
        T(test_no_exchange),
    };
    int rc;

    private_mounts();
    log_init("test_statedir", NULL);
    rc = cmocka_run_group_tests_name("statedir", tests, NULL, NULL);
    log_fini();
    return rc;
}
