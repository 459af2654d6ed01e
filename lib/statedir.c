/*
 * statedir: switch the NFS state directory to a symlink into shared storage
 * and back. Every decision uses lstat (never follows the link); every change
 * is a rename() of something prepared under a temporary name.
 */
#include "config.h"

#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Attempts at finding an unused temporary name. */
#define STATEDIR_TMP_TRIES 64

static void set_reason(char **ret_reason, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void set_reason(char **ret_reason, const char *fmt, ...)
{
    va_list ap;

    if (ret_reason == NULL) {
        return;
    }
    va_start(ap, fmt);
    *ret_reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static bool path_acceptable(const char *path)
{
    size_t len;

    if (path == NULL || path[0] == '\0') {
        return false;
    }
    len = strlen(path);
    /* A trailing slash would make lstat follow a link. */
    return len < PATH_MAX - 32 && path[len - 1] != '/';
}

/* rename() that never replaces: renameat2 NOREPLACE, else link-free check. */
static int rename_noreplace(const char *from, const char *to)
{
    struct stat st;

    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return -errno;
    }
    /* File system without RENAME_NOREPLACE: check, then rename. */
    if (lstat(to, &st) == 0) {
        return -EEXIST;
    }
    return rename(from, to) < 0 ? -errno : 0;
}

/* Make durable what was renamed in the directory of \p path; best effort. */
static void sync_parent(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return;
    }
    if (fsync(fd) < 0) {
        log_debug("fsync(%s) failed: %s, ignoring", dir, strerror(errno));
    }
    close(fd);
}

/* Create a symlink to \p target under an unused name next to \p path. */
static int make_tmp_link(const char *path, const char *target, char **ret_tmp)
{
    int i;

    for (i = 0; i < STATEDIR_TMP_TRIES; i++) {
        char *tmp = g_strdup_printf("%s.tmp-%08" G_GINT32_MODIFIER "x", path,
                                    g_random_int());

        if (symlink(target, tmp) == 0) {
            *ret_tmp = tmp;
            return 0;
        }
        g_free(tmp);
        if (errno != EEXIST) {
            return -errno;
        }
    }
    return -EEXIST;
}

/* Create an empty directory under an unused name next to \p path. */
static int make_tmp_dir(const char *path, char **ret_tmp)
{
    int i;

    for (i = 0; i < STATEDIR_TMP_TRIES; i++) {
        char *tmp = g_strdup_printf("%s.tmp-%08" G_GINT32_MODIFIER "x", path,
                                    g_random_int());

        if (mkdir(tmp, 0755) == 0) {
            *ret_tmp = tmp;
            return 0;
        }
        g_free(tmp);
        if (errno != EEXIST) {
            return -errno;
        }
    }
    return -EEXIST;
}

static bool link_points_at(const char *state_dir, const char *target)
{
    char buf[PATH_MAX];
    struct stat st_link;
    struct stat st_target;
    ssize_t n;

    n = readlink(state_dir, buf, sizeof(buf) - 1);
    if (n < 0) {
        return false;
    }
    buf[n] = '\0';
    if (strcmp(buf, target) == 0) {
        return true;
    }
    /* Same directory reached through another spelling counts too. */
    return stat(state_dir, &st_link) == 0 && stat(target, &st_target) == 0 &&
           st_link.st_dev == st_target.st_dev &&
           st_link.st_ino == st_target.st_ino;
}

int statedir_check(const char *state_dir, const char *target)
{
    struct stat st;

    if (!path_acceptable(state_dir) || !path_acceptable(target)) {
        return -EINVAL;
    }
    if (lstat(state_dir, &st) < 0) {
        return -errno;
    }
    if (!S_ISLNK(st.st_mode)) {
        return -ENOLINK;
    }
    return link_points_at(state_dir, target) ? 0 : -EXDEV;
}

/* Put a new link to \p target at \p state_dir (missing or a link). */
static int replace_with_link(const char *state_dir, const char *target,
                             char **ret_reason)
{
    g_autofree char *tmp = NULL;
    int rc;

    rc = make_tmp_link(state_dir, target, &tmp);
    if (rc < 0) {
        set_reason(ret_reason, "cannot create a symlink next to %s: %s",
                   state_dir, strerror(-rc));
        return rc;
    }
    if (rename(tmp, state_dir) < 0) {
        rc = -errno;
        set_reason(ret_reason, "cannot rename %s to %s: %s", tmp, state_dir,
                   strerror(-rc));
        (void)unlink(tmp);
        return rc;
    }
    sync_parent(state_dir);
    return 0;
}

/* \p state_dir is a real directory: save it as the backup, then link. */
static int switch_from_dir(const char *state_dir, const char *backup,
                           const char *target, char **ret_reason)
{
    g_autofree char *tmp = NULL;
    struct stat st;
    int rc;

    if (lstat(backup, &st) == 0) {
        set_reason(ret_reason,
                   "%s is a directory and %s already exists: refusing to "
                   "nest backups; move one of them away",
                   state_dir, backup);
        return -EEXIST;
    }
    if (errno != ENOENT) {
        rc = -errno;
        set_reason(ret_reason, "cannot check %s: %s", backup, strerror(-rc));
        return rc;
    }
    rc = make_tmp_link(state_dir, target, &tmp);
    if (rc < 0) {
        set_reason(ret_reason, "cannot create a symlink next to %s: %s",
                   state_dir, strerror(-rc));
        return rc;
    }
    /*
     * Swap link and directory in one step, so state_dir never goes missing,
     * then give the directory its backup name.
     */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, state_dir, RENAME_EXCHANGE) == 0) {
        rc = rename_noreplace(tmp, backup);
        if (rc < 0) {
            set_reason(ret_reason, "cannot rename %s to %s: %s", tmp, backup,
                       strerror(-rc));
            /* Roll back: swap the local directory back into place. */
            if (renameat2(AT_FDCWD, tmp, AT_FDCWD, state_dir, RENAME_EXCHANGE) <
                0) {
                log_err("cannot swap %s back to %s: %s", tmp, state_dir,
                        strerror(errno));
                return rc;
            }
            goto out_unlink_tmp;
        }
        sync_parent(state_dir);
        return 0;
    }
    /* No RENAME_EXCHANGE here: a short window without state_dir. */
    rc = rename_noreplace(state_dir, backup);
    if (rc < 0) {
        set_reason(ret_reason, "cannot rename %s to %s: %s", state_dir, backup,
                   strerror(-rc));
        goto out_unlink_tmp;
    }
    if (rename(tmp, state_dir) < 0) {
        rc = -errno;
        set_reason(ret_reason, "cannot rename %s to %s: %s", tmp, state_dir,
                   strerror(-rc));
        /* Roll back: the local directory goes back where it was. */
        if (rename_noreplace(backup, state_dir) < 0) {
            log_err("cannot move %s back to %s: %s", backup, state_dir,
                    strerror(errno));
        }
        goto out_unlink_tmp;
    }
    sync_parent(state_dir);
    return 0;

out_unlink_tmp:
    (void)unlink(tmp);
    return rc;
}

int statedir_switch(const char *state_dir, const char *target,
                    char **ret_reason)
{
    g_autofree char *backup = NULL;
    struct stat st;
    int rc;

    if (!path_acceptable(state_dir) || !path_acceptable(target)) {
        set_reason(ret_reason, "state directory or link target is not a "
                               "usable path");
        return -EINVAL;
    }
    if (stat(target, &st) < 0) {
        rc = -errno;
        set_reason(ret_reason, "link target %s: %s", target, strerror(-rc));
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_reason(ret_reason, "link target %s is not a directory", target);
        return -ENOTDIR;
    }
    backup = g_strconcat(state_dir, STATEDIR_BACKUP_SUFFIX, NULL);

    if (lstat(state_dir, &st) < 0) {
        if (errno != ENOENT) {
            rc = -errno;
            set_reason(ret_reason, "cannot check %s: %s", state_dir,
                       strerror(-rc));
            return rc;
        }
        return replace_with_link(state_dir, target, ret_reason);
    }
    if (S_ISLNK(st.st_mode)) {
        if (link_points_at(state_dir, target)) {
            return 0;
        }
        return replace_with_link(state_dir, target, ret_reason);
    }
    if (S_ISDIR(st.st_mode)) {
        return switch_from_dir(state_dir, backup, target, ret_reason);
    }
    set_reason(ret_reason, "%s is neither a directory nor a symlink",
               state_dir);
    return -ENOTDIR;
}

/*
 * Replace the symlink \p state_dir by the directory \p dir atomically
 * (RENAME_EXCHANGE: a directory cannot be renamed over a symlink), then
 * remove the link now at \p dir.
 */
static int exchange_link_for_dir(const char *state_dir, const char *dir,
                                 char **ret_reason)
{
    int rc;

    if (renameat2(AT_FDCWD, dir, AT_FDCWD, state_dir, RENAME_EXCHANGE) == 0) {
        if (unlink(dir) < 0) {
            log_warn("cannot remove old link %s: %s, ignoring", dir,
                     strerror(errno));
        }
        sync_parent(state_dir);
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        rc = -errno;
        set_reason(ret_reason, "cannot exchange %s and %s: %s", dir, state_dir,
                   strerror(-rc));
        return rc;
    }
    /* No RENAME_EXCHANGE here: a short window without state_dir. */
    if (unlink(state_dir) < 0) {
        rc = -errno;
        set_reason(ret_reason, "cannot remove link %s: %s", state_dir,
                   strerror(-rc));
        return rc;
    }
    rc = rename_noreplace(dir, state_dir);
    if (rc < 0) {
        set_reason(ret_reason, "cannot rename %s to %s: %s", dir, state_dir,
                   strerror(-rc));
        return rc;
    }
    sync_parent(state_dir);
    return 0;
}

int statedir_restore(const char *state_dir, char **ret_reason)
{
    g_autofree char *backup = NULL;
    g_autofree char *tmp = NULL;
    struct stat st;
    struct stat st_backup;
    bool have_backup;
    int rc;

    if (!path_acceptable(state_dir)) {
        set_reason(ret_reason, "state directory is not a usable path");
        return -EINVAL;
    }
    backup = g_strconcat(state_dir, STATEDIR_BACKUP_SUFFIX, NULL);
    if (lstat(backup, &st_backup) == 0) {
        have_backup = true;
    } else if (errno == ENOENT) {
        have_backup = false;
    } else {
        rc = -errno;
        set_reason(ret_reason, "cannot check %s: %s", backup, strerror(-rc));
        return rc;
    }

    if (lstat(state_dir, &st) < 0) {
        if (errno != ENOENT) {
            rc = -errno;
            set_reason(ret_reason, "cannot check %s: %s", state_dir,
                       strerror(-rc));
            return rc;
        }
        /* Missing (an interrupted switch): bring the backup back. */
        if (have_backup && S_ISDIR(st_backup.st_mode)) {
            rc = rename_noreplace(backup, state_dir);
            if (rc < 0) {
                set_reason(ret_reason, "cannot rename %s to %s: %s", backup,
                           state_dir, strerror(-rc));
                return rc;
            }
        } else if (mkdir(state_dir, 0755) < 0 && errno != EEXIST) {
            rc = -errno;
            set_reason(ret_reason, "cannot create %s: %s", state_dir,
                       strerror(-rc));
            return rc;
        }
        sync_parent(state_dir);
        return 0;
    }
    if (!S_ISLNK(st.st_mode)) {
        /* A real directory: already restored. A link left at the backup
         * name is what an interrupted restore leaves; remove it. */
        if (have_backup && S_ISLNK(st_backup.st_mode) && S_ISDIR(st.st_mode)) {
            if (unlink(backup) < 0) {
                log_warn("cannot remove stale link %s: %s, ignoring", backup,
                         strerror(errno));
            }
        }
        return 0;
    }

    if (have_backup) {
        if (!S_ISDIR(st_backup.st_mode)) {
            set_reason(ret_reason,
                       "%s is not a directory: cannot restore %s from it",
                       backup, state_dir);
            return -ENOTDIR;
        }
        return exchange_link_for_dir(state_dir, backup, ret_reason);
    }
    rc = make_tmp_dir(state_dir, &tmp);
    if (rc < 0) {
        set_reason(ret_reason, "cannot create a directory next to %s: %s",
                   state_dir, strerror(-rc));
        return rc;
    }
    rc = exchange_link_for_dir(state_dir, tmp, ret_reason);
    if (rc < 0) {
        (void)rmdir(tmp);
    }
    return rc;
}
