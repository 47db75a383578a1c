/*
 * The statistic every comparison in bench/ prints (bench/bench-stats.h):
 * least, median and greatest of the runs, whatever their order, the
 * median of an even count the mean of the middle two.  Expected values
 * are worked out by hand from the inputs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bench/bench-stats.h"

static void test_odd_count_takes_the_middle_run(void **state)
{
    const double runs[] = { 9.0, 1.0, 5.0, 3.0, 7.0 };
    struct bench_stat s = bench_stat_of(runs, 5);

    assert_true(s.min == 1.0);
    assert_true(s.median == 5.0);
    assert_true(s.max == 9.0);
}

static void test_even_count_averages_the_middle_two(void **state)
{
    const double runs[] = { 40.0, 10.0, 30.0, 20.0 };
    struct bench_stat s = bench_stat_of(runs, 4);

    assert_true(s.min == 10.0);
    assert_true(s.median == 25.0);
    assert_true(s.max == 40.0);
}

static void test_runs_are_left_in_their_order(void **state)
{
    double runs[] = { 3.0, 1.0, 2.0 };

    bench_stat_of(runs, 3);
    assert_true(runs[0] == 3.0 && runs[1] == 1.0 && runs[2] == 2.0);
}

static void test_one_outlier_moves_min_or_max_not_the_median(void **state)
{
    const double runs[] = { 10.0, 11.0, 1000.0, 12.0, 0.5 };    /* sorted: 0.5 10 11 12 1000 */
    struct bench_stat s = bench_stat_of(runs, 5);

    assert_true(s.median == 11.0);
    assert_true(s.min == 0.5);
    assert_true(s.max == 1000.0);
}

static void test_scaling_keeps_the_order(void **state)
{
    const double runs[] = { 2000.0, 1000.0, 3000.0 };
    struct bench_stat s = bench_stat_scaled(bench_stat_of(runs, 3), 1e-3);

    assert_true(s.min == 1.0);
    assert_true(s.median == 2.0);
    assert_true(s.max == 3.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_odd_count_takes_the_middle_run),
        cmocka_unit_test(test_even_count_averages_the_middle_two),
        cmocka_unit_test(test_runs_are_left_in_their_order),
        cmocka_unit_test(test_one_outlier_moves_min_or_max_not_the_median),
        cmocka_unit_test(test_scaling_keeps_the_order),
    };

    return cmocka_run_group_tests_name("bench-stats", tests, NULL, NULL);
}
