/*
 * deadline: monotonic time in microseconds, deadlines derived from an
 * action's timeout, and the one bounded sleep used between polls.
 */
#include "config.h"

#include "deadline.h"

#include <errno.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 20000

int64_t deadline_now(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* now + us, saturating at DEADLINE_NEVER. */
static int64_t add_us(int64_t now, int64_t us)
{
    if (us <= 0) {
        return now;
    }
    if (us > DEADLINE_NEVER - now) {
        return DEADLINE_NEVER;
    }
    return now + us;
}

/* ms to us, saturating. */
static int64_t ms_to_us(int64_t ms)
{
    if (ms > DEADLINE_NEVER / 1000) {
        return DEADLINE_NEVER;
    }
    return ms * 1000;
}

int64_t deadline_from_timeout(int64_t timeout_ms, int64_t margin_ms)
{
    if (timeout_ms <= 0) {
        timeout_ms = DEFAULT_TIMEOUT_MS;
    }
    if (margin_ms < 0) {
        margin_ms = 0;
    }
    if (margin_ms > timeout_ms / 2) {
        margin_ms = timeout_ms / 2;
    }
    return add_us(deadline_now(), ms_to_us(timeout_ms - margin_ms));
}

int64_t deadline_in(int64_t ms, int64_t limit)
{
    int64_t d = add_us(deadline_now(), ms_to_us(ms));

    return d < limit ? d : limit;
}

int64_t deadline_left_ms(int64_t deadline)
{
    int64_t now = deadline_now();

    if (deadline <= now) {
        return 0;
    }
    /* Round up: a caller polling with this timeout must not wake early. */
    return (deadline - now) / 1000 + ((deadline - now) % 1000 != 0);
}

bool deadline_passed(int64_t deadline)
{
    return deadline_now() >= deadline;
}

void deadline_sleep(int64_t ms, int64_t deadline)
{
    int64_t until = deadline_in(ms, deadline);
    struct timespec ts;

    if (until == DEADLINE_NEVER || until <= deadline_now()) {
        return;
    }
    ts.tv_sec = (time_t)(until / 1000000);
    ts.tv_nsec = (long)(until % 1000000) * 1000;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR) {
        /* a signal: keep sleeping until the absolute time */
    }
}
