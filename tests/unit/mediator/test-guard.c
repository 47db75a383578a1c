/*
 * The guard's arithmetic on a clock the test sets (mediator/guard.h): a
 * vGPU's budget of the event thread (refill, overdraw, when it is ready
 * again) and the counts of hostile behaviour per window (the limit, the
 * stop and its reason, a new window, restart).  Expected values are
 * worked out by hand from the parameters below.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mediator/guard.h"

#define MS      1000000ull

/* A quarter of wall time, up to 8 ms. */
static const struct med_budget_params params = { .rate_percent = 25, .burst_ns = 8 * MS };

static void test_budget_overdraw_and_payback(void **state)
{
    struct med_budget b;

    (void)state;
    med_budget_init(&b, &params, 1000 * MS);
    assert_true(med_budget_ready(&b, &params, 1000 * MS));
    /* 6 of 8 ms used: still ready, not an overrun */
    assert_false(med_budget_charge(&b, &params, 6 * MS, 1000 * MS));
    assert_true(med_budget_ready(&b, &params, 1000 * MS));
    /* 2 ms left; a 10 ms request overdraws by 8 ms: the overrun */
    assert_true(med_budget_charge(&b, &params, 10 * MS, 1000 * MS));
    assert_int_equal(b.balance_ns, -(int64_t)(8 * MS));
    assert_int_equal(b.overruns, 1);
    /* further charges while in debt are no new overrun */
    assert_false(med_budget_charge(&b, &params, 1 * MS, 1000 * MS));
    /* 9 ms of debt at 25 %: 36 ms of wall time */
    assert_int_equal(med_budget_ready_at(&b, &params), 1036 * MS);
    assert_false(med_budget_ready(&b, &params, 1035 * MS));
    assert_true(med_budget_ready(&b, &params, 1036 * MS));
    assert_int_equal(b.balance_ns, 0);
    assert_int_equal(b.charged_ns, 17 * MS);
}

static void test_budget_refills_up_to_its_burst(void **state)
{
    struct med_budget b;

    (void)state;
    med_budget_init(&b, &params, 0);
    assert_false(med_budget_charge(&b, &params, 8 * MS, 0));
    assert_int_equal(b.balance_ns, 0);
    /* 20 ms later: 5 ms back */
    assert_true(med_budget_ready(&b, &params, 20 * MS));
    assert_int_equal(b.balance_ns, 5 * MS);
    /* an hour later: full, not more */
    assert_true(med_budget_ready(&b, &params, 3600000 * MS));
    assert_int_equal(b.balance_ns, 8 * MS);
    /* a clock that did not move gives nothing */
    assert_true(med_budget_ready(&b, &params, 3600000 * MS));
    assert_int_equal(b.balance_ns, 8 * MS);
}

static const struct med_guard_limits limits = {
    .of = { [MED_GUARD_REJECTION] = { 3, 10000 * MS }, [MED_GUARD_HANG] = { 1, 10000 * MS },
            [MED_GUARD_BIG_BUILD] = { 1, 60000 * MS } },
};

static void test_guard_stops_past_a_limit(void **state)
{
    struct med_guard g;

    (void)state;
    med_guard_init(&g, 0);
    for (unsigned i = 0; i < 3; i++) {
        assert_false(med_guard_count(&g, &limits, MED_GUARD_REJECTION, i * MS));
    }
    /* no limit for notifications */
    for (unsigned i = 0; i < 100000; i++) {
        assert_false(med_guard_count(&g, &limits, MED_GUARD_NOTIFICATION, 5 * MS));
    }
    assert_false(g.stopped);
    assert_true(med_guard_count(&g, &limits, MED_GUARD_REJECTION, 9999 * MS));
    assert_true(g.stopped);
    assert_string_equal(g.reason, "4 rejected workloads within 10.0 s (limit 3)");
    /* stopped once: later events are counted, no second stop */
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 9999 * MS));
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 9999 * MS));
    assert_string_equal(g.reason, "4 rejected workloads within 10.0 s (limit 3)");
    assert_int_equal(g.total[MED_GUARD_REJECTION], 4);
    assert_int_equal(g.total[MED_GUARD_NOTIFICATION], 100000);
}

static void test_guard_window_and_restart(void **state)
{
    struct med_guard g;

    (void)state;
    med_guard_init(&g, 0);
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 1 * MS));
    /* the second hang comes in the next window: a new count */
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 10001 * MS));
    assert_true(med_guard_count(&g, &limits, MED_GUARD_HANG, 10002 * MS));
    assert_string_equal(g.reason, "2 GPU hangs within 10.0 s (limit 1)");
    med_guard_restart(&g, 10003 * MS);
    assert_false(g.stopped);
    assert_string_equal(g.reason, "");
    assert_int_equal(g.total[MED_GUARD_HANG], 3);
    /* counts start afresh: one more hang is within the limit */
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 10004 * MS));
    assert_true(med_guard_count(&g, &limits, MED_GUARD_HANG, 10005 * MS));
}

/* Each event has its own window: big builds are counted over a minute. */
static void test_guard_windows_are_per_event(void **state)
{
    struct med_guard g;

    (void)state;
    med_guard_init(&g, 0);
    assert_false(med_guard_count(&g, &limits, MED_GUARD_BIG_BUILD, 1 * MS));
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 2 * MS));
    /* 50 s on: the hang's window is over, the big build's is not */
    assert_false(med_guard_count(&g, &limits, MED_GUARD_HANG, 50000 * MS));
    assert_true(med_guard_count(&g, &limits, MED_GUARD_BIG_BUILD, 50000 * MS));
    assert_string_equal(g.reason, "2 requests that built over 4096 page tables within 60.0 s "
                        "(limit 1)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_overdraw_and_payback),
        cmocka_unit_test(test_budget_refills_up_to_its_burst),
        cmocka_unit_test(test_guard_stops_past_a_limit),
        cmocka_unit_test(test_guard_window_and_restart),
        cmocka_unit_test(test_guard_windows_are_per_event),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
