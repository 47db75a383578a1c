/*
 * bench-pgpu-ctx-switch: the cost of a context switch on one engine.  The
 * same work (two MI_STORE_DATA_IMMs per round) runs either in one context
 * or split over two contexts submitted as an ELSP pair, so that each round
 * adds one element switch (save of the first, restore of the second, CSB
 * event and interrupt).  The difference per round is the switch cost.
 * RUNS runs, each on a fresh model with the same warm-up for both
 * (bench/bench-stats.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "bench-common.h"
#include "bench/bench-stats.h"

#define ROUNDS      4000
#define RUNS        5

int main(void)
{
    double one_ctx_us[RUNS], switch_us[RUNS];

    for (unsigned r = 0; r < RUNS; r++) {
        struct bench_ctx_switch s = bench_native_ctx_switch(ROUNDS);

        one_ctx_us[r] = s.one_ctx_ns / 1e3;
        switch_us[r] = s.switch_ns / 1e3;
    }
    bench_print_stat("pgpu-submit-round-trip", "us", 1, bench_stat_of(one_ctx_us, RUNS));
    bench_print_stat("pgpu-ctx-switch", "us", 1, bench_stat_of(switch_us, RUNS));
    return 0;
}
