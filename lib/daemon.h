/*
 * daemon: is the local ganesha.nfsd alive? The pid file's lock holder (else
 * its first line), pinned by a pidfd, then the process's identity
 * (/proc/<pid>/comm or exe), so stale content or a recycled pid do not count.
 */
#ifndef GOCF_DAEMON_H
#define GOCF_DAEMON_H

#include <stdint.h>
#include <sys/types.h>

#define DAEMON_NAME "ganesha.nfsd"

/*! Pid files tried in order when none is configured. */
#define DAEMON_PIDFILES_DEFAULT                                                \
    "/run/ganesha/ganesha.pid", "/var/run/ganesha.pid",                        \
        "/var/run/ganesha.nfsd.pid"

/*!
 * \brief Find the live ganesha.nfsd and pin it with a pidfd.
 *
 * The pid is the holder of the pid file's write lock (ganesha 4.x holds
 * one while it runs; F_OFD_GETLK, else F_GETLK), else the first line of the
 * file (ganesha rewrites it without truncating it, so later lines are stale
 * and ignored). The process is pinned with a pidfd before /proc is read, and
 * the pidfd is checked again after, so a pid reused in between never counts.
 *
 * \param[in]  pidfile     the pid file, or NULL for the defaults (the first
 *                         that exists)
 * \param[out] ret_pid     its pid (set only on success)
 * \param[out] ret_pidfd   a pidfd of it that the caller closes, or -1 where
 *                         the kernel has no pidfd_open (set only on
 *                         success); may be NULL
 * \param[out] ret_reason  on failure, a sentence saying why ganesha does not
 *                         count as alive (g_free it); may be NULL
 * \return as daemon_ganesha_pid()
 */
int daemon_ganesha_find(const char *pidfile, pid_t *ret_pid, int *ret_pidfd,
                        char **ret_reason);

/*!
 * \brief Find the live ganesha.nfsd (daemon_ganesha_find() without the
 *        pidfd and the reason).
 *
 * \param[in]  pidfile  the pid file to read, or NULL for the defaults
 *                      (the first that exists)
 * \param[out] ret_pid  its pid
 * \return 0 if alive, -ENOENT if no pid file, -ESRCH if the pid file is
 *         not a regular file, names no pid (first line, no lock holder), no
 *         process, or a process that is not ganesha.nfsd, or another
 *         negative errno
 */
int daemon_ganesha_pid(const char *pidfile, pid_t *ret_pid);

/*!
 * \brief Whether process \p pid is ganesha.nfsd (comm, else exe basename).
 * \return 1, 0, or a negative errno (-ESRCH: no such process)
 */
int daemon_pid_is(pid_t pid, const char *name);

/*!
 * \brief Sleep until the process behind \p pidfd exits (nothing polled).
 * \param[in] pidfd     from daemon_ganesha_find()
 * \param[in] deadline  absolute deadline (see deadline.h)
 * \return 1 once it exited, 0 at the deadline, or a negative errno
 */
int daemon_wait_exit(int pidfd, int64_t deadline);

/*!
 * \brief SIGKILL the process behind \p pidfd and wait for it to exit.
 * \param[in] pidfd     a pidfd pinning the process (from daemon_ganesha_find())
 * \param[in] deadline  absolute deadline of the wait (see deadline.h)
 * \return 1 once it exited (or was gone already), 0 at the deadline (a
 *         process in uninterruptible sleep dies when it wakes), or a
 *         negative errno
 */
int daemon_kill_wait(int pidfd, int64_t deadline);

/*! A process as the kernel tells it apart: its pid and its start time. */
struct daemon_id {
    pid_t pid;
    uint64_t start; /* /proc/<pid>/stat field 22, clock ticks since boot */
};

/*!
 * \brief Find a process by its comm name in this network namespace.
 *
 * For a daemon of the local cluster stack (e.g. pacemaker-attrd): one per
 * node; a sandbox node shares the host's pid namespace but not its network
 * namespace, so only a process of ours counts. Scans /proc: call it when
 * something changed, not in every monitor (daemon_id_same() is the cheap
 * check).
 *
 * \param[in]  name  the comm (at most 15 characters)
 * \param[out] ret   its identity (set only on success)
 * \return 0, -ESRCH if there is none, -EINVAL for a name the kernel could
 *         not keep whole, or another negative errno
 */
int daemon_find_local(const char *name, struct daemon_id *ret);

/*!
 * \brief The identity of process \p pid (its start time read now).
 * \return 0, -ESRCH if there is no such live process, or a negative errno
 */
int daemon_id_of(pid_t pid, struct daemon_id *ret);

/*!
 * \brief Stop the process \p id names: SIGTERM, then SIGKILL if it still
 *        runs at \p deadline; through a pidfd checked against \p id, so a
 *        recycled pid is never signalled.
 * \return 1 if it ran and is gone now, 0 if it did not run, or a negative
 *         errno (-ETIMEDOUT: it survived SIGKILL for a second)
 */
int daemon_terminate(const struct daemon_id *id, int64_t deadline);

/*!
 * \brief Whether the process \p id names still runs: same pid, same start
 *        time (a restarted daemon has a new one even with a recycled pid).
 * \return 1, 0, or a negative errno when /proc cannot say
 */
int daemon_id_same(const struct daemon_id *id);

#endif
