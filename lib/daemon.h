/*
 * daemon: is the local ganesha.nfsd alive? A pid file, then the process's
 * identity (/proc/<pid>/comm or exe), so a recycled pid does not count.
 */
#ifndef GOCF_DAEMON_H
#define GOCF_DAEMON_H

#include <sys/types.h>

#define DAEMON_NAME "ganesha.nfsd"

/*! Pid files tried in order when none is configured. */
#define DAEMON_PIDFILES_DEFAULT \
    "/run/ganesha/ganesha.pid", "/var/run/ganesha.pid", "/var/run/ganesha.nfsd.pid"

/*!
 * \brief Find the live ganesha.nfsd.
 *
 * \param[in]  pidfile  the pid file to read, or NULL for the defaults
 *                      (the first that exists)
 * \param[out] ret_pid  its pid
 * \return 0 if alive, -ENOENT if no pid file, -ESRCH if the pid file is
 *         empty/malformed or names no process or a process that is not
 *         ganesha.nfsd, or another negative errno
 */
int daemon_ganesha_pid(const char *pidfile, pid_t *ret_pid);

/*!
 * \brief Whether process \p pid is ganesha.nfsd (comm, else exe basename).
 * \return 1, 0, or a negative errno (-ESRCH: no such process)
 */
int daemon_pid_is(pid_t pid, const char *name);

#endif
