/*
 * killafter: a test-only fault injector for the state-directory switch. It
 * wraps the calls that change a directory (symlink, rename, mkdir, unlink and
 * their *at forms) and SIGKILLs the process right after the Nth of them
 * succeeds; it can also make RENAME_EXCHANGE fail as on a file system
 * without it. Linked into a unit test, or LD_PRELOADed into an agent.
 */
#ifndef GOCF_TEST_KILLAFTER_H
#define GOCF_TEST_KILLAFTER_H

#include <stdbool.h>

/*! Environment of the preloaded form: SIGKILL after this many changes. */
#define KILLAFTER_ENV_N "GOCF_KILL_AFTER"
/*! Environment of the preloaded form: "1" makes RENAME_EXCHANGE fail. */
#define KILLAFTER_ENV_NO_EXCHANGE "GOCF_NO_EXCHANGE"

/*!
 * \brief SIGKILL this process right after the \p n-th successful change
 *        from now on; 0 disarms. Changes are counted from this call.
 */
void killafter_arm(long n);

/*! \brief Make renameat2(RENAME_EXCHANGE) fail with EINVAL, or not. */
void killafter_no_exchange(bool on);

/*! \brief Changes counted since killafter_arm(). */
long killafter_count(void);

#endif
