/*
 * run: run an external program from an argv (never a shell), with a
 * deadline, capturing stdout and stderr; the child is killed at the deadline
 * and dies with the caller.
 */
#ifndef GOCF_RUN_H
#define GOCF_RUN_H

#include <stdint.h>
#include <sys/types.h>

/*!
 * Most bytes captured per stream; a program that writes more on either
 * stream is killed and run_argv() returns -EMSGSIZE (never a cut output).
 */
#define RUN_OUTPUT_MAX (1024 * 1024)

struct run_result {
    int exit_status; /*!< exit status, or -1 if killed by a signal */
    int term_signal; /*!< signal that ended the child, or 0 */
    char *out;       /*!< captured stdout, NUL-terminated, never NULL */
    char *err;       /*!< captured stderr, NUL-terminated, never NULL */
};

/*!
 * \brief Run \p argv[0] (searched in PATH) with \p argv, wait for it.
 *
 * stdin is /dev/null. The child stays in the caller's process group and
 * gets SIGKILL when the caller dies (PR_SET_PDEATHSIG), so a tool never
 * outlives the operation that started it (pacemaker-execd kills a timed-out
 * operation's process group). At the deadline the child itself is killed:
 * the tools run here start no children of their own. When
 * OCF_TESTER_FAIL_HAVE_BINARY=1 is set, every program counts as missing
 * (-ENOENT), as ocf-shellfuncs' have_binary does. Every command is logged
 * at debug level (OCF_TRACE_RA: at info).
 *
 * \param[in]  argv        NULL-terminated argument vector
 * \param[in]  deadline    absolute deadline (see deadline.h)
 * \param[out] ret_result  filled on success (any exit status); clear with
 *                         run_result_clear()
 * \return 0 if the program ran and exited (whatever its status),
 *         -ENOENT if it cannot be found or executed,
 *         -ETIMEDOUT if it was killed at the deadline,
 *         -EMSGSIZE if it wrote more than RUN_OUTPUT_MAX bytes on stdout or
 *         on stderr (it is killed then; nothing is returned of it),
 *         another negative errno on other failures
 */
int run_argv(const char *const *argv, int64_t deadline,
             struct run_result *ret_result);

/*! \brief Free what run_argv() put in \p result. NULL-safe. */
void run_result_clear(struct run_result *result);

/*!
 * \brief A pidfd for \p pid (pidfd_open(2), or its raw syscall).
 * \return the descriptor, or -1 with errno set (ENOSYS where unsupported)
 */
int run_pidfd_open(pid_t pid);

/*! \brief Whether \p program can be found in PATH and executed. */
int run_have_program(const char *program);

/*!
 * \brief The first non-empty line of a tool's output (its stderr, for a
 *        message). Free with g_free().
 */
char *run_first_line(const char *text);

#endif
