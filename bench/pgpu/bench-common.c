/*
 * bench-common.c - see bench-common.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "bench-common.h"

#include "pgpu/skl-regs.h"

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

#define SWITCH_DATA_VA  0x100000000ull
#define CTX_SWITCH_WARMUP_ROUNDS 20

static void store(struct native_ctx *ctx, unsigned slot, uint32_t value)
{
    uint64_t addr = SWITCH_DATA_VA + 4 * slot;
    const uint32_t cmd[] = {
        MI_STORE_DATA_IMM, (uint32_t)addr, (uint32_t)(addr >> 32), value,
    };

    native_emit(ctx, cmd, 4);
}

static void wait_for(struct native_ctx *ctx, uint32_t seqno)
{
    if (native_wait(ctx, seqno, BENCH_WAIT_MS)) {
        bench_die("waiting");
    }
}

/* @rounds rounds of the two stores in @a alone: elapsed ns. */
static uint64_t one_ctx_rounds(struct native_ctx *a, unsigned rounds)
{
    uint64_t start = bench_now_ns();

    for (unsigned i = 0; i < rounds; i++) {
        uint32_t seqno;

        store(a, 0, i);
        store(a, 1, i);
        seqno = native_emit_breadcrumb(a);
        if (native_submit(a)) {
            bench_die("submitting");
        }
        wait_for(a, seqno);
    }
    return bench_now_ns() - start;
}

/* @rounds rounds of one store in each of @a and @b, an ELSP pair: elapsed ns. */
static uint64_t pair_rounds(struct native_ctx *a, struct native_ctx *b, unsigned rounds)
{
    uint64_t start = bench_now_ns();

    for (unsigned i = 0; i < rounds; i++) {
        uint32_t seq_a, seq_b;

        store(a, 0, i);
        store(b, 1, i);
        seq_a = native_emit_breadcrumb(a);
        seq_b = native_emit_breadcrumb(b);
        if (native_submit_pair(a, b)) {
            bench_die("submitting");
        }
        wait_for(a, seq_a);
        wait_for(b, seq_b);
    }
    return bench_now_ns() - start;
}

struct bench_ctx_switch bench_native_ctx_switch(unsigned rounds)
{
    struct native_vm *vm;
    struct native *n = bench_open(&vm);
    struct native_ctx *a = native_ctx_new(n, GEN9_RCS, vm);
    struct native_ctx *b = native_ctx_new(n, GEN9_RCS, vm);
    uint64_t one_ctx_ns, two_ctx_ns;

    if (!a || !b) {
        bench_die("creating contexts");
    }
    bench_buffer(n, vm, PGPU_PAGE_SIZE, SWITCH_DATA_VA);
    /* the same untimed warm-up for both: first submissions, first switches */
    one_ctx_rounds(a, CTX_SWITCH_WARMUP_ROUNDS);
    pair_rounds(a, b, CTX_SWITCH_WARMUP_ROUNDS);
    one_ctx_ns = one_ctx_rounds(a, rounds);
    two_ctx_ns = pair_rounds(a, b, rounds);
    native_close(n);
    return (struct bench_ctx_switch){
        .one_ctx_ns = (double)one_ctx_ns / rounds,
        .switch_ns = ((double)two_ctx_ns - (double)one_ctx_ns) / rounds,
    };
}
