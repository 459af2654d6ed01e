/*
 * statedir: switch the NFS state directory (/var/lib/nfs) to a symlink into
 * shared storage and back, atomically and idempotently, never nesting backups.
 */
#ifndef GOCF_STATEDIR_H
#define GOCF_STATEDIR_H

/*! Suffix of the saved local directory: <state_dir>.backup */
#define STATEDIR_BACKUP_SUFFIX ".backup"

/*!
 * \brief Make \p state_dir a symlink to \p target.
 *
 * Already linked to \p target: success, nothing done. A real directory is
 * renamed to <state_dir>.backup (refused with -EEXIST if a backup already
 * exists and state_dir is also a real directory: never nested); the link is
 * created under a temporary name and renamed into place, so state_dir is
 * never missing. A link to elsewhere is replaced atomically. A missing
 * state_dir just gets the link. \p target must be an existing directory.
 *
 * \return 0, -ENOENT (target missing), -ENOTDIR, -EEXIST, or -errno; with
 *         *ret_reason set on failure (may be NULL)
 */
int statedir_switch(const char *state_dir, const char *target,
                    char **ret_reason);

/*!
 * \brief Undo statedir_switch(): if state_dir is a symlink, replace it with
 *        <state_dir>.backup (or an empty directory if there is no backup);
 *        a real directory is left alone. Idempotent.
 */
int statedir_restore(const char *state_dir, char **ret_reason);

/*!
 * \brief Whether \p state_dir is a symlink pointing at \p target.
 * \return 0 if so, -ENOLINK if it is not a symlink, -EXDEV if it points
 *         elsewhere, -ENOENT if missing, or -errno
 */
int statedir_check(const char *state_dir, const char *target);

#endif
