/*
 * bench-pgpu-ctx-switch: the cost of a context switch on one engine.  The
 * same work (two MI_STORE_DATA_IMMs per round) runs either in one context
 * or split over two contexts submitted as an ELSP pair, so that each round
 * adds one element switch (save of the first, restore of the second, CSB
 * event and interrupt).  The difference per round is the switch cost.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench-common.h"
#include "pgpu/skl-regs.h"

#define ROUNDS      4000
#define DATA_VA     0x100000000ull

static void store(struct native_ctx *ctx, unsigned slot, uint32_t value)
{
    uint64_t addr = DATA_VA + 4 * slot;
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

int main(void)
{
    struct native_vm *vm;
    struct native *n = bench_open(&vm);
    struct native_ctx *a = native_ctx_new(n, PGPU_RCS, vm);
    struct native_ctx *b = native_ctx_new(n, PGPU_RCS, vm);
    uint64_t start, one_ctx_ns, two_ctx_ns;

    if (!a || !b) {
        bench_die("creating contexts");
    }
    bench_buffer(n, vm, PGPU_PAGE_SIZE, DATA_VA);
    start = bench_now_ns();
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint32_t seqno;

        store(a, 0, i);
        store(a, 1, i);
        seqno = native_emit_breadcrumb(a);
        if (native_submit(a)) {
            bench_die("submitting");
        }
        wait_for(a, seqno);
    }
    one_ctx_ns = bench_now_ns() - start;
    start = bench_now_ns();
    for (unsigned i = 0; i < ROUNDS; i++) {
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
    two_ctx_ns = bench_now_ns() - start;
    printf("BENCH pgpu-submit-round-trip %.1f us\n", one_ctx_ns / 1e3 / ROUNDS);
    printf("BENCH pgpu-ctx-switch %.1f us\n",
           ((double)two_ctx_ns - (double)one_ctx_ns) / 1e3 / ROUNDS);
    native_close(n);
    return 0;
}
