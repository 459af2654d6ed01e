/*
 * test_deadline: deadlines from timeouts and margins, time left, passing,
 * and the bounded sleep.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deadline.h"

/* Whether \p v is within [lo, hi]. */
#define assert_between(v, lo, hi)                                              \
    do {                                                                       \
        assert_true((v) >= (lo));                                              \
        assert_true((v) <= (hi));                                              \
    } while (0)

static void test_now_is_monotonic(void **state)
{
    int64_t a = deadline_now();
    int64_t b = deadline_now();

    assert_true(a > 0);
    assert_true(b >= a);
}

static void test_from_timeout_keeps_margin(void **state)
{
    int64_t now = deadline_now();
    int64_t d = deadline_from_timeout(10000, 2000);

    /* 10 s timeout minus a 2 s margin: about 8 s from now */
    assert_between(d - now, 7900000, 8100000);
}

static void test_from_timeout_margin_at_most_half(void **state)
{
    int64_t now = deadline_now();
    int64_t d = deadline_from_timeout(1000, 5000);

    /* a margin larger than half the timeout is cut to half: 0.5 s left */
    assert_between(d - now, 450000, 600000);
}

static void test_from_timeout_default(void **state)
{
    int64_t now = deadline_now();
    int64_t d = deadline_from_timeout(0, 0);
    int64_t n = deadline_from_timeout(-5, -1);

    /* <= 0 means the 20 s default; a negative margin counts as none */
    assert_between(d - now, 19900000, 20100000);
    assert_between(n - now, 19900000, 20100000);
}

static void test_from_timeout_huge_saturates(void **state)
{
    assert_int_equal(deadline_from_timeout(INT64_MAX, 0), DEADLINE_NEVER);
}

static void test_in_respects_limit(void **state)
{
    int64_t limit = deadline_now() + 1000000;

    assert_int_equal(deadline_in(60000, limit), limit);
    assert_true(deadline_in(10, limit) < limit);
    assert_int_equal(deadline_in(INT64_MAX, DEADLINE_NEVER), DEADLINE_NEVER);
}

static void test_left_ms(void **state)
{
    int64_t d = deadline_now() + 1500000;

    assert_between(deadline_left_ms(d), 1400, 1500);
    assert_int_equal(deadline_left_ms(deadline_now() - 1), 0);
    /* a fraction of a millisecond left rounds up, so a poll does not spin */
    assert_int_equal(deadline_left_ms(deadline_now() + 300), 1);
}

static void test_passed(void **state)
{
    assert_true(deadline_passed(deadline_now() - 1));
    assert_false(deadline_passed(deadline_now() + 1000000));
    assert_false(deadline_passed(DEADLINE_NEVER));
}

static void test_sleep_stops_at_deadline(void **state)
{
    int64_t start = deadline_now();

    deadline_sleep(5000, start + 50000);
    /* asked for 5 s, but the deadline 50 ms away wins */
    assert_between(deadline_now() - start, 45000, 1000000);
}

static void test_sleep_full_time(void **state)
{
    int64_t start = deadline_now();

    deadline_sleep(30, DEADLINE_NEVER);
    assert_between(deadline_now() - start, 29000, 1000000);
}

static void test_sleep_passed_deadline_returns(void **state)
{
    int64_t start = deadline_now();

    deadline_sleep(5000, start - 1);
    assert_true(deadline_now() - start < 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_now_is_monotonic),
        cmocka_unit_test(test_from_timeout_keeps_margin),
        cmocka_unit_test(test_from_timeout_margin_at_most_half),
        cmocka_unit_test(test_from_timeout_default),
        cmocka_unit_test(test_from_timeout_huge_saturates),
        cmocka_unit_test(test_in_respects_limit),
        cmocka_unit_test(test_left_ms),
        cmocka_unit_test(test_passed),
        cmocka_unit_test(test_sleep_stops_at_deadline),
        cmocka_unit_test(test_sleep_full_time),
        cmocka_unit_test(test_sleep_passed_deadline_returns),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
