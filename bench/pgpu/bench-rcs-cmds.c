/*
 * bench-pgpu-rcs-cmds: how many commands per second the model's render
 * engine executes: one batch of MI_STORE_DATA_IMMs (PPGTT), end to end from
 * submission to the completion interrupt.  RUNS runs after one untimed;
 * median, least and greatest (bench/bench-stats.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench-common.h"
#include "bench/bench-stats.h"
#include "pgpu/skl-regs.h"

#define STORES      500000
#define TARGET_VA   0x100000000ull
#define TARGET_SIZE (64u * 1024)
#define BATCH_VA    0x200000000ull
#define RUNS        5

int main(void)
{
    struct native_vm *vm;
    struct native *n = bench_open(&vm);
    struct native_ctx *ctx = native_ctx_new(n, GEN9_RCS, vm);
    struct native_bo *target = bench_buffer(n, vm, TARGET_SIZE, TARGET_VA);
    struct native_bo *batch = bench_buffer(n, vm, 16ull * STORES + 8, BATCH_VA);
    uint32_t *cs = batch->map;
    double rate[RUNS], cost[RUNS];

    if (!ctx) {
        bench_die("creating a context");
    }
    for (unsigned i = 0; i < STORES; i++) {
        uint64_t addr = TARGET_VA + 4ull * (i % (TARGET_SIZE / 4));

        *cs++ = MI_STORE_DATA_IMM;
        *cs++ = (uint32_t)addr;
        *cs++ = (uint32_t)(addr >> 32);
        *cs++ = i;
    }
    *cs = MI_BATCH_BUFFER_END;
    bench_run_batch(ctx, BATCH_VA);                     /* warm-up */
    for (unsigned r = 0; r < RUNS; r++) {
        uint64_t ns = bench_run_batch(ctx, BATCH_VA);

        rate[r] = STORES * 1e9 / ns;
        cost[r] = (double)ns / STORES;
    }
    if (((uint32_t *)target->map)[(STORES - 1) % (TARGET_SIZE / 4)] != STORES - 1) {
        bench_die("checking the stores");
    }
    bench_print_stat("pgpu-rcs-sdi-rate", "cmds/s", 0, bench_stat_of(rate, RUNS));
    bench_print_stat("pgpu-rcs-sdi-cost", "ns", 1, bench_stat_of(cost, RUNS));
    native_close(n);
    return 0;
}
