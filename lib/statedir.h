/*
 * statedir: switch the NFS state directory (/var/lib/nfs) to a symlink into
 * shared storage and back, one atomic step at a time so that a SIGKILL at any
 * point leaves a state the next start or stop completes; and check the
 * shared storage without following links planted in it.
 */
#ifndef GOCF_STATEDIR_H
#define GOCF_STATEDIR_H

#include <stdbool.h>
#include <stdint.h>

/*! Suffix of the saved local state: <state_dir>.backup */
#define STATEDIR_BACKUP_SUFFIX ".backup"

/*! Suffix of the new link while a link is retargeted: <state_dir>.new */
#define STATEDIR_NEW_SUFFIX ".new"

/*
 * Words used below. state_dir, mnt: clean absolute paths (no "//", ".",
 * ".." or trailing '/'; see params_check_path()); rel: a clean relative path
 * below mnt, e.g. "nfs-ganesha/node1/nfs"; the target is "<mnt>/<rel>".
 * "Our link": a symlink whose text is a clean absolute path below mnt (only
 * this module writes those); "a foreign link": any other symlink (an
 * administrator's), which is saved and given back like a directory.
 *
 * Every step is one symlinkat, renameat2 (RENAME_EXCHANGE or
 * RENAME_NOREPLACE), mkdirat or unlinkat in state_dir's parent, and each
 * function works out from what it finds which step comes next, so every
 * state a killed switch or restore leaves is a state these functions start
 * from. The local directory (or the foreign link) is at all times either
 * state_dir or <state_dir>.backup. Without RENAME_EXCHANGE (a file system
 * that refuses it) the same holds, but state_dir is briefly missing.
 */

/*!
 * \brief Make \p state_dir our link to <mnt>/<rel>.
 *
 * The target is walked first (statedir_target_check()), no mount check.
 * Our link to the target already: nothing done. Missing: the link is
 * created. Our link elsewhere: replaced atomically (through <state_dir>.new).
 * A directory or a foreign link: the new link is made at <state_dir>.backup
 * and exchanged with it (RENAME_EXCHANGE), so the old one is the backup;
 * refused with -EEXIST when a backup (anything but our link) is already
 * there: never nested, never overwritten.
 *
 * \return 0; -EEXIST (something not ours in the way: a backup next to a
 *         directory or a foreign link, or a state_dir that is neither), an
 *         error of statedir_target_check(), -EINVAL (paths), or -errno; on
 *         failure *ret_reason (NULL or allocated) is set (may be NULL)
 */
int statedir_switch(const char *state_dir, const char *mnt, const char *rel,
                    char **ret_reason);

/*!
 * \brief Undo statedir_switch(): replace our link at \p state_dir by the
 *        backup (a directory or a foreign link), or by an empty directory
 *        when there is none. Idempotent.
 *
 * Only our link is replaced: a directory, a foreign link or anything else
 * at state_dir is left alone (our link at the backup name, left by a killed
 * run, is removed). Missing: the backup is renamed back, or an empty
 * directory made. The shared storage is never touched.
 *
 * \return 0, -ENOTDIR (the backup is neither a directory nor a link), -EINVAL
 *         (paths) or -errno; on failure *ret_reason is set (may be NULL)
 */
int statedir_restore(const char *state_dir, const char *mnt,
                     char **ret_reason);

/*!
 * \brief Where \p state_dir points (lstat and readlink only).
 * \return 0 if it is a symlink whose text is exactly <mnt>/<rel>; -ENOLINK
 *         if it is not a symlink, -EXDEV if it points elsewhere, -ENOENT if
 *         missing, -EINVAL (paths), or -errno
 */
int statedir_check(const char *state_dir, const char *mnt, const char *rel);

/*!
 * \brief Whether \p mnt is a mount point (the root of a mount, bind mounts
 *        included): statx STATX_ATTR_MOUNT_ROOT, else its mount id or device
 *        compared with its parent's. \p mnt itself is followed if a link.
 * \return 0; -ENOMEDIUM (a directory, but not a mount point), -ENOENT,
 *         -ENOTDIR or -errno; on failure *ret_reason is set (may be NULL)
 */
int statedir_mount_check(const char *mnt, char **ret_reason);

/*!
 * \brief Whether <mnt>/<rel> is a directory, walked from \p mnt one
 *        component at a time with O_NOFOLLOW: a symlink planted below mnt is
 *        never followed.
 * \return 0; -ENOENT (a component is missing: the reason names it), -ELOOP
 *         (a component is a symlink), -ENOTDIR (not a directory), -EINVAL
 *         (paths) or -errno (e.g. -ENOTCONN from a dead FUSE mount); on
 *         failure *ret_reason is set (may be NULL)
 */
int statedir_target_check(const char *mnt, const char *rel,
                          char **ret_reason);

/*!
 * \brief statedir_mount_check() then statedir_target_check(), repeated
 *        until both pass or \p deadline (deadline.h): wakes on every change
 *        of the mount table and rechecks at least every 250 ms.
 *
 * Waits only while the answer may still change (-ENOMEDIUM, -ENOENT,
 * -ENOTCONN, -ESTALE); a planted link or a file in the way is returned at
 * once.
 *
 * \return 0 or the last error, with *ret_reason set (may be NULL)
 */
int statedir_storage_wait(const char *mnt, const char *rel, int64_t deadline,
                          char **ret_reason);

/*!
 * \brief Whether a statedir_storage_wait() error may still go away by
 *        itself (storage not mounted yet, directory not created yet).
 */
bool statedir_storage_transient(int r);

#endif
