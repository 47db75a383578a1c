/*
 * bench-stats.h - the statistic of every comparison in bench/
 * (docs/benchmarks.md): both sides of a comparison are measured the same
 * number of runs, interleaved, after the same untimed warm-up; each side is
 * printed as the median of its runs with the least and the greatest
 * (`NAME`, `NAME-min`, `NAME-max`), and a ratio is the ratio of the two
 * medians.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_BENCH_STATS_H
#define GPUMED_BENCH_STATS_H

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_MAX_RUNS 128

struct bench_stat {
    double min, median, max;
};

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The least, the median and the greatest of @count runs. */
static inline struct bench_stat bench_stat_of(const double *runs, unsigned count)
{
    double sorted[BENCH_MAX_RUNS];

    assert(count > 0 && count <= BENCH_MAX_RUNS);
    memcpy(sorted, runs, count * sizeof(sorted[0]));
    qsort(sorted, count, sizeof(sorted[0]), bench_cmp_double);
    return (struct bench_stat){
        .min = sorted[0],
        .median = count % 2 ? sorted[count / 2] :
                              (sorted[count / 2 - 1] + sorted[count / 2]) / 2,
        .max = sorted[count - 1],
    };
}

/* @s in another unit: each figure times @factor (> 0). */
static inline struct bench_stat bench_stat_scaled(struct bench_stat s, double factor)
{
    assert(factor > 0);
    return (struct bench_stat){ s.min * factor, s.median * factor, s.max * factor };
}

/* BENCH lines for @s: the median as @name, then @name-min and @name-max. */
static inline void bench_print_stat(const char *name, const char *unit, int decimals,
                                    struct bench_stat s)
{
    printf("BENCH %s %.*f %s\n", name, decimals, s.median, unit);
    printf("BENCH %s-min %.*f %s\n", name, decimals, s.min, unit);
    printf("BENCH %s-max %.*f %s\n", name, decimals, s.max, unit);
}

#endif /* GPUMED_BENCH_STATS_H */
