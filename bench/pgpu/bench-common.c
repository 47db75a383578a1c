/*
 * bench-common.c - see bench-common.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "bench-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void bench_die(const char *what)
{
    fprintf(stderr, "bench: %s failed\n", what);
    exit(1);
}

struct native *bench_open(struct native_vm **vm)
{
    const struct pgpu_config config = {
        .name = "bench", .aperture_size = PGPU_APERTURE_DEFAULT,
        .hang_timeout_ms = 10000,
    };
    struct native *n = native_open(&pgpu_skl_model, &config);

    if (!n || !(*vm = native_vm_new(n))) {
        bench_die("creating the GPU");
    }
    return n;
}

struct native_bo *bench_buffer(struct native *n, struct native_vm *vm, uint64_t size,
                               uint64_t va)
{
    struct native_bo *bo = native_bo_new(n, size, false);

    if (!bo || native_vm_bind(vm, bo, va)) {
        bench_die("allocating a buffer");
    }
    return bo;
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bench_run_batch(struct native_ctx *ctx, uint64_t va)
{
    uint64_t start = bench_now_ns();
    uint32_t seqno;

    native_emit_batch(ctx, va, true);
    seqno = native_emit_breadcrumb(ctx);
    if (native_submit(ctx) || native_wait(ctx, seqno, BENCH_WAIT_MS)) {
        bench_die("running a batch");
    }
    return bench_now_ns() - start;
}

int bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}
