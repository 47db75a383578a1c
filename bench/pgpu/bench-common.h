/*
 * bench-common.h - helpers shared by the pgpu benchmarks: a native driver
 * on the model, a clock, and the BENCH output format.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_BENCH_PGPU_COMMON_H
#define GPUMED_BENCH_PGPU_COMMON_H

#include <stdint.h>

#include "pgpu/native.h"

#define BENCH_WAIT_MS 60000

/* A native driver on a fresh model, with one PPGTT; exits on failure. */
struct native *bench_open(struct native_vm **vm);
/* A buffer bound in @vm at @va; exits on failure. */
struct native_bo *bench_buffer(struct native *n, struct native_vm *vm, uint64_t size,
                               uint64_t va);
uint64_t bench_now_ns(void);
/* Run the batch at @va on @ctx and wait; returns the elapsed ns. */
uint64_t bench_run_batch(struct native_ctx *ctx, uint64_t va);
void bench_die(const char *what);
int bench_cmp_u64(const void *a, const void *b);

/* A native context switch on a fresh model: the same work (two
 * MI_STORE_DATA_IMMs per round) in one context, then split over two
 * contexts submitted as an ELSP pair, so that each round adds one element
 * switch (save, restore, CSB event, interrupt).  Both after the same
 * untimed warm-up rounds.  Per round, in ns. */
struct bench_ctx_switch {
    double one_ctx_ns;          /* a round in one context: submission round trip */
    double switch_ns;           /* what the second context adds */
};
struct bench_ctx_switch bench_native_ctx_switch(unsigned rounds);

#endif /* GPUMED_BENCH_PGPU_COMMON_H */
