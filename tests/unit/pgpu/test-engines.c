/*
 * Engines of the model: PPGTT walks, execlists and the CSB, context
 * save/restore, faults, hangs and resets, interrupts, timestamps, the
 * native driver's lost-completion verdict, and the mixed-workload
 * acceptance run.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fixture.h"
#include "tools/native-workload.h"

#define LO(a) ((uint32_t)(a))
#define HI(a) ((uint32_t)((a) >> 32))
#define N(array) (sizeof(array) / sizeof(array[0]))
#define DATA(off) (FIX_DATA_VA + (off))
#define RCS_REG(rel) fixture_engine_reg(GEN9_RCS, rel)

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}

static void test_ppgtt_walk_reaches_every_level(void **state)
{
    struct fixture *f = *state;
    static const uint64_t addrs[] = {
        0x0, 0x4000000000ull, 0x7fffffff000ull, 0xfffffffff000ull,
    };
    struct native_bo *page = native_bo_new(f->n, PGPU_PAGE_SIZE, false);
    uint32_t cmds[4 * N(addrs)];
    uint32_t *mem = page->map;

    for (unsigned i = 0; i < N(addrs); i++) {
        uint64_t addr = addrs[i] + 4 * i;

        assert_int_equal(native_vm_bind(f->vm, page, addrs[i]), 0);
        cmds[4 * i] = MI_STORE_DATA_IMM;
        cmds[4 * i + 1] = LO(addr);
        cmds[4 * i + 2] = HI(addr);
        cmds[4 * i + 3] = 0x100 + i;
    }
    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    for (unsigned i = 0; i < N(addrs); i++) {
        assert_int_equal(mem[i], 0x100 + i);
    }
}

/* A context's GPR survives being switched out for another one. */
static void test_two_contexts_alternate_with_save_restore(void **state)
{
    struct fixture *f = *state;
    struct native_ctx *a = f->ctx[GEN9_RCS];
    struct native_ctx *b = native_ctx_new(f->n, GEN9_RCS, f->vm);
    uint32_t gpr0 = RCS_REG(RING_GPR(0));
    uint32_t *data = fixture_data(f);
    uint32_t seq_a, seq_b;

    for (unsigned round = 0; round < 3; round++) {
        struct native_ctx *first = round % 2 ? b : a, *second = round % 2 ? a : b;
        const uint32_t load_a[] = { MI_LOAD_REGISTER_IMM(1), gpr0, 0xa0 + round };
        const uint32_t load_b[] = { MI_LOAD_REGISTER_IMM(1), gpr0, 0xb0 + round };

        native_emit(a, load_a, N(load_a));
        native_emit(b, load_b, N(load_b));
        native_emit(a, (const uint32_t[]){ MI_NOOP }, 1);
        native_emit(b, (const uint32_t[]){ MI_NOOP }, 1);
        seq_a = native_emit_breadcrumb(a);
        seq_b = native_emit_breadcrumb(b);
        assert_int_equal(native_submit_pair(first, second), 0);
        assert_int_equal(native_wait(first, first == a ? seq_a : seq_b, FIX_WAIT_MS), 0);
        assert_int_equal(native_wait(second, second == a ? seq_a : seq_b, FIX_WAIT_MS), 0);

        const uint32_t store_a[] = { MI_STORE_REGISTER_MEM, gpr0, LO(DATA(0)), HI(DATA(0)) };
        const uint32_t store_b[] = { MI_STORE_REGISTER_MEM, gpr0, LO(DATA(4)), HI(DATA(4)) };

        native_emit(b, store_b, N(store_b));
        native_emit(a, store_a, N(store_a));
        seq_a = native_emit_breadcrumb(a);
        seq_b = native_emit_breadcrumb(b);
        assert_int_equal(native_submit_pair(second, first), 0);
        assert_int_equal(native_wait(a, seq_a, FIX_WAIT_MS), 0);
        assert_int_equal(native_wait(b, seq_b, FIX_WAIT_MS), 0);
        assert_int_equal(data[0], 0xa0 + round);
        assert_int_equal(data[1], 0xb0 + round);
    }
    /* switch-out wrote HEAD back: it caught up with the TAIL.  The save
     * follows the breadcrumb the waits saw: wait for the engine's idle
     * event, which comes after it (read at once, HEAD was the last
     * switch-out's in 1 of about 100 runs). */
    assert_int_equal(native_wait_idle(f->n, GEN9_RCS, FIX_WAIT_MS), 0);
    const uint32_t *state_a = (const uint32_t *)((const uint8_t *)native_ctx_image(a)->map +
                                                 LRC_STATE_OFFSET);
    assert_int_equal(state_a[CTX_RING_HEAD_DW], state_a[CTX_RING_TAIL_DW]);
    assert_int_not_equal(state_a[CTX_RING_HEAD_DW], 0);
    assert_int_equal(state_a[CTX_GPR0_DW], 0xa2);
}

static void test_csb_events_in_mmio_and_status_page(void **state)
{
    struct fixture *f = *state;
    uint32_t hws = fixture_reg(f, RCS_REG(RING_HWS_PGA));
    uint32_t hwsp[0x20], ptr;
    const uint32_t cmds[] = { MI_NOOP };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(native_wait_idle(f->n, GEN9_RCS, FIX_WAIT_MS), 0);
    assert_int_equal(pgpu_skl_model.aperture_access(f->gpu, hws, hwsp, sizeof(hwsp), false), 0);
    ptr = fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_PTR)) & CSB_WRITE_PTR_MASK;
    /* idle-to-active in entry 0, then the completion in entry 1 */
    assert_int_equal(ptr, 1);
    assert_int_equal(hwsp[HWSP_CSB_WRITE_PTR_DW], 1);
    assert_int_equal(hwsp[HWSP_CSB_DW], GEN8_CTX_STATUS_IDLE_ACTIVE);
    assert_int_equal(hwsp[HWSP_CSB_DW + 2], GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE);
    assert_int_not_equal(hwsp[HWSP_CSB_DW + 3], 0);       /* the context ID */
    assert_int_equal(pgpu_skl_model.mmio_read(f->gpu, RCS_REG(RING_CONTEXT_STATUS_BUF_LO(1)), 8),
                     hwsp[HWSP_CSB_DW + 2] | (uint64_t)hwsp[HWSP_CSB_DW + 3] << 32);
    assert_int_equal(native_csb_events(f->n, GEN9_RCS), 2);
    assert_true(fixture_reg(f, RCS_REG(RING_MI_MODE)) & MODE_IDLE);
}

/* A new ELSP write for the running context only moves its tail. */
static void test_lite_restore_extends_the_running_context(void **state)
{
    struct fixture *f = *state;
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    uint32_t *data = fixture_data(f);
    /* The first request says it is running, then waits for the test. */
    const uint32_t wait[] = {
        MI_STORE_DATA_IMM, LO(DATA(8)), HI(DATA(8)), 0x5a1,
        MI_SEMAPHORE_WAIT | MI_SEMAPHORE_POLL | MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_EQ_SDD),
        1, LO(DATA(0)), HI(DATA(0)), MI_NOOP,
    };
    const uint32_t store[] = { MI_STORE_DATA_IMM, LO(DATA(4)), HI(DATA(4)), 0x11e };
    uint32_t seqno, csb;

    native_emit(ctx, wait, N(wait));
    native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    /* The context must be on the engine for the next submission to be a
     * lite restore, however late this thread or the engine's is scheduled. */
    for (unsigned ms = 0; __atomic_load_n(&data[2], __ATOMIC_ACQUIRE) != 0x5a1; ms++) {
        assert_true(ms < FIX_WAIT_MS);
        sleep_ms(1);
    }
    csb = fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_PTR)) & CSB_WRITE_PTR_MASK;
    native_emit(ctx, store, N(store));
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);   /* lite restore */
    /* The engine takes an ELSP write when it next looks (a slice's start,
     * an arbitration point), some time after the write, as hardware does.
     * Released before that, the semaphore let the context run to its old
     * tail and complete, and the new tail was a new submission (a second
     * context switch: seen once in about 60 runs, every other run with a
     * 2 ms pause of the engine thread before each slice).  So the
     * semaphore is released once the engine has reported the lite restore. */
    for (unsigned ms = 0; (fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_PTR)) &
                           CSB_WRITE_PTR_MASK) == csb; ms++) {
        assert_true(ms < FIX_WAIT_MS);
        sleep_ms(1);
    }
    csb = (csb + 1) % GEN8_CSB_ENTRIES;
    assert_int_equal(fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_PTR)) & CSB_WRITE_PTR_MASK, csb);
    assert_int_equal(fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_BUF_LO(csb))),
                     GEN8_CTX_STATUS_PREEMPTED | GEN8_CTX_STATUS_LITE_RESTORE);
    __atomic_store_n(&data[0], 1, __ATOMIC_RELEASE);
    assert_int_equal(native_wait(ctx, seqno, FIX_WAIT_MS), 0);
    assert_int_equal(data[1], 0x11e);
    assert_int_equal(fixture_stats(f).context_switches, 1);
}

/* What one call of the interrupt handler found: the CSB entries written
 * since the last call, whether RCS's user interrupt was among the events,
 * and how far the context's commands had got (the marker they store). */
struct irq_call {
    uint32_t csb[GEN8_CSB_ENTRIES];
    unsigned csb_count;
    bool user;
    uint32_t marker;
};

struct irq_log {
    struct fixture *f;
    unsigned csb_read;          /* the CSB write pointer at the last call */
    unsigned count;             /* calls recorded; atomic */
    struct irq_call calls[16];
};

#define MARKER_DW 2

static void log_irq(void *opaque)
{
    struct irq_log *log = opaque;
    struct fixture *f = log->f;
    unsigned wp = fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_PTR)) & CSB_WRITE_PTR_MASK;
    uint32_t iir = fixture_reg(f, GEN8_GT_IIR(0));
    unsigned n = __atomic_load_n(&log->count, __ATOMIC_RELAXED);
    struct irq_call *call = &log->calls[n];

    if (n == N(log->calls)) {
        return;     /* too many calls: the count says so */
    }
    while (log->csb_read != wp) {
        log->csb_read = (log->csb_read + 1) % GEN8_CSB_ENTRIES;
        call->csb[call->csb_count++] =
            fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_BUF_LO(log->csb_read)));
    }
    call->user = iir & GT_RENDER_USER_INTERRUPT;
    call->marker = __atomic_load_n(&fixture_data(f)[MARKER_DW], __ATOMIC_ACQUIRE);
    fixture_set_reg(f, GEN8_GT_IIR(0), iir);
    __atomic_store_n(&log->count, n + 1, __ATOMIC_RELEASE);
}

static void wait_for_calls(struct irq_log *log, unsigned count)
{
    for (unsigned ms = 0; __atomic_load_n(&log->count, __ATOMIC_ACQUIRE) < count; ms++) {
        assert_true(ms < FIX_WAIT_MS);
        sleep_ms(1);
    }
}

static void assert_call(const struct irq_log *log, unsigned i, uint32_t csb, bool user,
                        uint32_t marker)
{
    const struct irq_call *call = &log->calls[i];

    print_message("interrupt %u: %u CSB entries (first 0x%x), user %d, marker %u\n", i,
                  call->csb_count, call->csb_count ? call->csb[0] : 0, call->user,
                  call->marker);
    assert_int_equal(call->csb_count, csb ? 1 : 0);
    if (csb) {
        assert_int_equal(call->csb[0], csb);
    }
    assert_int_equal(call->user, user);
    assert_int_equal(call->marker, marker);
}

/*
 * The GPU raises the context-switch interrupt with each CSB entry when it
 * writes it: when it takes an ELSP write (idle-to-active; preempted + lite
 * restore for the running context), before the context runs on, and when
 * the context completes (active-to-idle + complete).  i915 writes its next
 * ELSP only once the entry of the last was processed
 * (execlists_submission_tasklet() dequeues only while
 * execlists->pending[0] is clear, which process_csb() clears on an
 * IDLE_ACTIVE or PREEMPTED entry, gen8_csb_parse()); the order of the
 * entries is i915's (process_csb(): "the sequence of events from the HW is
 * deterministic, and derived from our writes to the ELSP").  Until
 * 2026-12-07 the model called the handler for an accepted ELSP only after
 * the slice of commands it ran next: the first call came with the context
 * at its semaphore, after the commands behind it.  The breadcrumb's user
 * interrupt, raised in the completion's slice, shares its call.
 */
static void test_each_csb_event_interrupts_when_written(void **state)
{
    struct fixture *f = *state;
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    uint32_t *data = fixture_data(f);
    struct irq_log log = {
        .f = f,
        .csb_read = fixture_reg(f, RCS_REG(RING_CONTEXT_STATUS_PTR)) & CSB_WRITE_PTR_MASK,
    };
#define MARK(v) MI_STORE_DATA_IMM, LO(DATA(4 * MARKER_DW)), HI(DATA(4 * MARKER_DW)), (v)
    const uint32_t first[] = {
        MARK(1), MARK(2),
        MI_SEMAPHORE_WAIT | MI_SEMAPHORE_POLL | MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_EQ_SDD),
        1, LO(DATA(0)), HI(DATA(0)), MARK(3),
    };
    const uint32_t second[] = { MARK(4) };
#undef MARK
    uint32_t seqno;

    /* the native driver keeps working from its 1 ms poll */
    pgpu_skl_model.set_irq_handler(f->gpu, log_irq, &log);
    fixture_set_reg(f, GEN8_GT_IIR(0), ~0u);
    native_emit(ctx, first, N(first));
    assert_int_equal(native_submit(ctx), 0);
    /* at the semaphore: the acceptance was before it */
    for (unsigned ms = 0; __atomic_load_n(&data[MARKER_DW], __ATOMIC_ACQUIRE) != 2; ms++) {
        assert_true(ms < FIX_WAIT_MS);
        sleep_ms(1);
    }
    wait_for_calls(&log, 1);
    assert_call(&log, 0, GEN8_CTX_STATUS_IDLE_ACTIVE, false, 0);
    /* the running context again, with a later tail */
    native_emit(ctx, second, N(second));
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    wait_for_calls(&log, 2);
    assert_call(&log, 1, GEN8_CTX_STATUS_PREEMPTED | GEN8_CTX_STATUS_LITE_RESTORE, false, 2);
    __atomic_store_n(&data[0], 1, __ATOMIC_RELEASE);
    assert_int_equal(native_wait(ctx, seqno, FIX_WAIT_MS), 0);
    wait_for_calls(&log, 3);
    assert_call(&log, 2, GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE, true, 4);
    assert_int_equal(__atomic_load_n(&log.count, __ATOMIC_ACQUIRE), 3);
}

/*
 * RING_HEAD is where the command streamer is in the ring, while it runs:
 * i915 takes an engine whose RING_HEAD equals its RING_TAIL for idle
 * (ring_is_idle()), and the mediator asks it which part of a workload the
 * engine is in (sched.c's feed(), watch_overrun()).  Two reads of it by the context's own
 * commands, eight dwords of MI_NOOP and the first read's four dwords
 * apart, differ by those twelve dwords.  Until 2026-12-07 the model wrote
 * it only when a slice of up to 1024 commands ended, and both reads gave
 * where the slice began.
 */
static void test_ring_head_follows_the_engine(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    uint32_t head = RCS_REG(RING_HEAD);
    const uint32_t cmds[] = {
        MI_STORE_REGISTER_MEM, head, LO(DATA(0x40)), HI(DATA(0x40)),
        MI_NOOP, MI_NOOP, MI_NOOP, MI_NOOP, MI_NOOP, MI_NOOP, MI_NOOP, MI_NOOP,
        MI_STORE_REGISTER_MEM, head, LO(DATA(0x44)), HI(DATA(0x44)),
    };
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    uint32_t seqno;

    native_emit(ctx, cmds, N(cmds));
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    assert_int_equal(native_wait(ctx, seqno, FIX_WAIT_MS), 0);
    assert_int_equal((data[0x44 / 4] - data[0x40 / 4]) & HEAD_ADDR, 12 * 4);
}

static void test_fault_on_unmapped_address_stops_only_that_context(void **state)
{
    struct fixture *f = *state;
    uint64_t hole = FIX_DATA_VA + FIX_BUFFER_SIZE + 0x1000;
    const uint32_t bad[] = { MI_STORE_DATA_IMM, LO(hole), HI(hole), 0xdead };
    const uint32_t good[] = { MI_STORE_DATA_IMM, LO(DATA(0)), HI(DATA(0)), 0x900d };

    assert_int_equal(fixture_run(f, GEN9_RCS, bad, N(bad)), -EIO);
    assert_true(fixture_reg(f, RCS_REG(RING_EIR)) & I915_ERROR_PAGE_TABLE);
    assert_true(fixture_reg(f, RCS_REG(RING_RESET_CTL)) & RESET_CTL_CAT_ERROR);
    assert_true(fixture_reg(f, RING_FAULT_REG(0)) & RING_FAULT_VALID);
    assert_int_equal(fixture_reg(f, GEN8_FAULT_TLB_DATA0), (uint32_t)(hole >> 12));
    assert_int_equal(fixture_reg(f, GEN8_FAULT_TLB_DATA1) & FAULT_GTT_SEL, 0);
    assert_int_equal(fixture_stats(f).gpu_faults, 1);
    /* the blitter keeps running meanwhile */
    assert_int_equal(fixture_run(f, GEN9_BCS, good, N(good)), 0);
    assert_int_equal(fixture_data(f)[0], 0x900d);
    native_reset_engine(f->n, GEN9_RCS);
    assert_int_equal(fixture_reg(f, RCS_REG(RING_EIR)), 0);
    fixture_data(f)[0] = 0;
    assert_int_equal(fixture_run(f, GEN9_RCS, good, N(good)), 0);
    assert_int_equal(fixture_data(f)[0], 0x900d);
}

static void test_fault_on_unmapped_ggtt_batch(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = { MI_BATCH_BUFFER_START, 0x7ff00000, 0 };
    const uint32_t unbound[] = { MI_NOOP };

    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), -EIO);
    assert_true(fixture_reg(f, GEN8_FAULT_TLB_DATA1) & FAULT_GTT_SEL);
    native_reset_engine(f->n, GEN9_BCS);
    /* the batch page itself unmapped from the PPGTT */
    assert_int_equal(native_vm_unbind_page(f->vm, FIX_BATCH_VA), 0);
    assert_int_equal(fixture_run(f, GEN9_BCS, unbound, N(unbound)), -EIO);
    assert_int_equal(fixture_stats(f).gpu_faults, 2);
}

static void test_endless_batch_hangs_and_engine_reset_recovers(void **state)
{
    struct fixture *f = *state;
    const uint32_t loop[] = { MI_NOOP, MI_BATCH_BUFFER_START | MI_BB_PPGTT,
                              LO(FIX_BATCH_VA), HI(FIX_BATCH_VA) };
    const uint32_t good[] = { MI_STORE_DATA_IMM, LO(DATA(8)), HI(DATA(8)), 8 };

    assert_int_equal(fixture_run(f, GEN9_RCS, loop, N(loop)), -EIO);
    assert_true(fixture_reg(f, RCS_REG(RING_EIR)) & RING_ERR_HANG);
    assert_true(fixture_reg(f, GEN8_GT_IIR(0)) & GT_CS_MASTER_ERROR_INTERRUPT);
    assert_int_equal(fixture_stats(f).hangs, 1);
    /* reset through GDRST, as a driver does: the bit reads back 0 when done */
    fixture_set_reg(f, GEN6_GDRST, GRDOM_RENDER);
    assert_int_equal(fixture_reg(f, GEN6_GDRST), 0);
    native_reset_engine(f->n, GEN9_RCS);
    assert_int_equal(fixture_stats(f).engine_resets, 2);
    assert_int_equal(fixture_run(f, GEN9_RCS, good, N(good)), 0);
    assert_int_equal(fixture_data(f)[2], 8);
}

static void test_semaphore_that_never_signals_hangs(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        MI_SEMAPHORE_WAIT | MI_SEMAPHORE_POLL | MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_NEQ_SDD),
        0, LO(DATA(0)), HI(DATA(0)),
    };

    assert_int_equal(fixture_run(f, GEN9_VECS, cmds, N(cmds)), -EIO);
    assert_true(fixture_reg(f, fixture_engine_reg(GEN9_VECS, RING_EIR)) & RING_ERR_HANG);
    assert_int_equal(fixture_reg(f, RCS_REG(RING_EIR)), 0);
}

static unsigned irq_count;

static void count_irq(void *opaque)
{
    __atomic_fetch_add(&irq_count, 1, __ATOMIC_RELAXED);
}

static void test_interrupts_iir_imr_ier_and_master(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = { MI_NOOP };
    uint32_t master;

    /* the native driver keeps working from its 1 ms poll */
    pgpu_skl_model.set_irq_handler(f->gpu, count_irq, NULL);
    irq_count = 0;
    fixture_set_reg(f, GEN8_GT_IIR(0), ~0u);
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    /* The engine thread calls the handler between slices, when the
     * driver's poll may already have seen the breadcrumb (the call had
     * not come yet in 1 of about 50 runs at load 10). */
    for (unsigned ms = 0; !__atomic_load_n(&irq_count, __ATOMIC_RELAXED); ms++) {
        assert_true(ms < FIX_WAIT_MS);
        sleep_ms(1);
    }
    assert_true(fixture_reg(f, GEN8_GT_IIR(0)) &
                (GT_RENDER_USER_INTERRUPT | GT_CONTEXT_SWITCH_INTERRUPT) << 16);
    master = fixture_reg(f, GEN8_MASTER_IRQ);
    assert_int_equal(master, GEN8_MASTER_IRQ_CONTROL | SKL_BIT(1));     /* BCS summary */

    /* IIR is write-1-to-clear */
    fixture_set_reg(f, GEN8_GT_IIR(0), GT_RENDER_USER_INTERRUPT << 16);
    assert_int_equal(fixture_reg(f, GEN8_GT_IIR(0)) & GT_RENDER_USER_INTERRUPT << 16, 0);
    fixture_set_reg(f, GEN8_GT_IIR(0), ~0u);

    /* a masked event never reaches IIR; master disabled: no delivery */
    fixture_set_reg(f, GEN8_MASTER_IRQ, 0);
    fixture_set_reg(f, GEN8_GT_IMR(0), ~(GT_CONTEXT_SWITCH_INTERRUPT << 16));
    irq_count = 0;
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    assert_int_equal(__atomic_load_n(&irq_count, __ATOMIC_RELAXED), 0);
    assert_int_equal(fixture_reg(f, GEN8_GT_IIR(0)), GT_CONTEXT_SWITCH_INTERRUPT << 16);
    assert_int_equal(fixture_reg(f, GEN8_MASTER_IRQ), SKL_BIT(1));
    /* re-enabling the master with events pending asserts the line again */
    fixture_set_reg(f, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
    assert_int_equal(__atomic_load_n(&irq_count, __ATOMIC_RELAXED), 1);
    /* IER gates the summary */
    fixture_set_reg(f, GEN8_GT_IER(0), 0);
    assert_int_equal(fixture_reg(f, GEN8_MASTER_IRQ), GEN8_MASTER_IRQ_CONTROL);
}

static void test_timestamps_tick_at_the_cs_clock(void **state)
{
    struct fixture *f = *state;
    uint64_t t0, t1;
    const uint32_t wait[] = {
        MI_SEMAPHORE_WAIT | MI_SEMAPHORE_POLL | MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_EQ_SDD),
        1, LO(DATA(0)), HI(DATA(0)),
    };
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    const uint32_t *image_state;
    uint32_t seqno;

    assert_int_equal(fixture_reg(f, CTC_MODE), SKL_CTC_MODE_VALUE);
    t0 = pgpu_skl_model.mmio_read(f->gpu, RCS_REG(RING_TIMESTAMP), 8);
    sleep_ms(20);
    t1 = pgpu_skl_model.mmio_read(f->gpu, RCS_REG(RING_TIMESTAMP), 8);
    assert_true(t1 - t0 >= SKL_CS_CLOCK_HZ / 50);     /* at least 20 ms worth */

    /*
     * The context's own timestamp counts its time on the engine, a
     * semaphore wait included (the semaphore is released once the live
     * register shows 20 ms of it), and no more than the engine's clock
     * advanced around it.  A host that keeps the engine's thread off a CPU
     * does not count: the release waits for the context's clock, not for
     * this thread's sleep.
     */
    memcpy(f->batch->map, wait, sizeof(wait));
    ((uint32_t *)f->batch->map)[N(wait)] = MI_BATCH_BUFFER_END;
    native_emit_batch(ctx, FIX_BATCH_VA, true);
    seqno = native_emit_breadcrumb(ctx);
    t0 = pgpu_skl_model.mmio_read(f->gpu, RCS_REG(RING_TIMESTAMP), 8);
    assert_int_equal(native_submit(ctx), 0);
    for (unsigned ms = 0; fixture_reg(f, RCS_REG(RING_EXECLIST_STATUS_HI)) == 0 ||
                          fixture_reg(f, RCS_REG(RING_CTX_TIMESTAMP)) < SKL_CS_CLOCK_HZ / 50;
         ms++) {
        assert_true(ms < FIX_WAIT_MS);
        sleep_ms(1);
    }
    __atomic_store_n(&fixture_data(f)[0], 1, __ATOMIC_RELEASE);
    assert_int_equal(native_wait(ctx, seqno, FIX_WAIT_MS), 0);
    assert_int_equal(native_wait_idle(f->n, GEN9_RCS, FIX_WAIT_MS), 0);
    t1 = pgpu_skl_model.mmio_read(f->gpu, RCS_REG(RING_TIMESTAMP), 8);
    image_state = (const uint32_t *)((const uint8_t *)native_ctx_image(ctx)->map +
                                     LRC_STATE_OFFSET);
    assert_true(image_state[CTX_TIMESTAMP_DW] >= SKL_CS_CLOCK_HZ / 50);
    assert_true(image_state[CTX_TIMESTAMP_DW] <= t1 - t0);
}

static void test_mixed_workload_10000_batches_twice(void **state)
{
    const struct pgpu_config config = {
        .name = "accept", .aperture_size = PGPU_APERTURE_DEFAULT, .hang_timeout_ms = 1000,
    };
    struct workload_result runs[2];

    for (unsigned i = 0; i < 2; i++) {
        struct native *n = native_open(&pgpu_skl_model, &config);

        assert_non_null(n);
        runs[i] = native_mixed_workload(n, 10000, 42);
        native_close(n);
        assert_int_equal(runs[i].error, 0);
        assert_int_equal(runs[i].batches, 10000);
        assert_int_equal(runs[i].mismatches, 0);
    }
    assert_int_equal(runs[0].digest, runs[1].digest);
    (void)state;
}

/*
 * DMA map changes while an engine runs.  A fill of 2 MiB (32 rows of
 * 64 KiB over one row: pitch 0) is a long command for the model.
 */
#define FILL_DWORDS     7
#define FILL_ROW_PIXELS 16384
#define FILL_ROWS       32
#define SDI_DWORDS      4
#define BOUND_ROUNDS    400     /* fill + progress store: 800 commands, one slice */
#define BOUND_ATTEMPTS  5
#define SPARE_BUS       (1ull << 44)    /* above every bus address native hands out */
#define FENCE_VA        0x900000000ull
#define FENCE_SIZE      (128u * 1024)   /* a looping batch, a signal, a fill's row */
#define FENCE_SIGNAL_OFFSET (4u * 1024)
#define FENCE_FILL_OFFSET (64u * 1024)

static uint32_t *emit_fill(uint32_t *p, uint64_t addr)
{
    const uint32_t fill[FILL_DWORDS] = {
        XY_COLOR_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB, BR13_ROP_PATCOPY | BR13_DEPTH_32,
        0, FILL_ROWS << 16 | FILL_ROW_PIXELS, LO(addr), HI(addr), 0x5a5a5a5a,
    };

    memcpy(p, fill, sizeof(fill));
    return p + FILL_DWORDS;
}

static uint32_t *emit_store(uint32_t *p, uint64_t addr, uint32_t value)
{
    const uint32_t sdi[SDI_DWORDS] = { MI_STORE_DATA_IMM, LO(addr), HI(addr), value };

    memcpy(p, sdi, sizeof(sdi));
    return p + SDI_DWORDS;
}

static uint32_t *emit_jump(uint32_t *p, uint64_t addr)
{
    p[0] = MI_BATCH_BUFFER_START | MI_BB_PPGTT;
    p[1] = LO(addr);
    p[2] = HI(addr);
    return p + 3;
}

static uint32_t load_acquire(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void wait_for_store(const uint32_t *p, uint32_t value)
{
    for (unsigned waited_us = 0; load_acquire(p) < value; waited_us += 20) {
        assert_true(waited_us < FIX_WAIT_MS * 1000);
        nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
    }
}

/* Submit the batch at @batch_va on the blitter and wait until it made
 * *@started non-zero; returns the breadcrumb's seqno. */
static uint32_t start_blitter_stream(struct fixture *f, uint64_t batch_va,
                                     const uint32_t *started)
{
    struct native_ctx *ctx = f->ctx[GEN9_BCS];
    uint32_t seqno;

    native_emit_batch(ctx, batch_va, true);
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    wait_for_store(started, 1);
    return seqno;
}

/*
 * A dma_map issued while an engine is inside a slice of 800 long commands
 * completes before the slice ends: the engine lets the writer in at its
 * next command boundary.  (Before, the map waited for the whole slice, so
 * the progress store read after it was always the last.)  An attempt where
 * this thread saw the stream start only after it ended proves nothing and
 * is repeated.
 */
static void test_dma_map_waits_for_a_command_not_a_slice(void **state)
{
    struct fixture *f = *state;
    const uint32_t *progress = &fixture_data(f)[0];
    uint32_t *p = f->batch->map;
    void *page = aligned_alloc(PGPU_PAGE_SIZE, PGPU_PAGE_SIZE);
    bool mid_stream = false;

    assert_non_null(page);
    for (unsigned i = 1; i <= BOUND_ROUNDS; i++) {
        p = emit_fill(p, DATA(64 * 1024));
        p = emit_store(p, DATA(0), i);
    }
    *p = MI_BATCH_BUFFER_END;
    for (unsigned attempt = 0; attempt < BOUND_ATTEMPTS && !mid_stream; attempt++) {
        uint32_t seqno, before, after;

        __atomic_store_n(&fixture_data(f)[0], 0, __ATOMIC_RELEASE);
        seqno = start_blitter_stream(f, FIX_BATCH_VA, progress);
        before = load_acquire(progress);

        assert_int_equal(pgpu_skl_model.dma_map(f->gpu, SPARE_BUS, page, PGPU_PAGE_SIZE), 0);
        after = load_acquire(progress);
        printf("# attempt %u: dma_map called after %u of %u fills, returned after %u\n",
               attempt, before, BOUND_ROUNDS, after);
        assert_int_equal(pgpu_skl_model.dma_unmap(f->gpu, SPARE_BUS, PGPU_PAGE_SIZE), 0);
        assert_int_equal(native_wait(f->ctx[GEN9_BCS], seqno, FIX_WAIT_MS), 0);
        assert_int_equal(load_acquire(progress), BOUND_ROUNDS);
        mid_stream = before < BOUND_ROUNDS && after < BOUND_ROUNDS;
    }
    assert_true(mid_stream);
    assert_int_equal(fixture_stats(f).bad_dma_map, 0);
    free(page);
}

/*
 * dma_unmap still fences the engines: an endless loop of fills and
 * stores, fetched from and writing into one range (so the engine's
 * translation caches keep pointing into it), is running when the range is
 * unmapped and its memory made inaccessible at once.  An engine access after unmap
 * returned, through a stale cache or otherwise, would crash the test;
 * instead the engine's next access is a GPU page fault.
 */
static void test_dma_unmap_fences_a_running_engine(void **state)
{
    struct fixture *f = *state;
    uint8_t *host = mmap(NULL, FENCE_SIZE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const struct native_bo bo = { .map = host, .size = FENCE_SIZE, .bus = SPARE_BUS };
    uint32_t seqno, fault_page;

    assert_true(host != MAP_FAILED);
    assert_int_equal(pgpu_skl_model.dma_map(f->gpu, SPARE_BUS, host, FENCE_SIZE), 0);
    assert_int_equal(native_vm_bind(f->vm, &bo, FENCE_VA), 0);
    emit_jump(emit_store(emit_fill((uint32_t *)host, FENCE_VA + FENCE_FILL_OFFSET),
                         FENCE_VA + FENCE_SIGNAL_OFFSET, 1), FENCE_VA);
    seqno = start_blitter_stream(f, FENCE_VA, (uint32_t *)(host + FENCE_SIGNAL_OFFSET));
    assert_int_equal(pgpu_skl_model.dma_unmap(f->gpu, SPARE_BUS, FENCE_SIZE), 0);
    assert_int_equal(mprotect(host, FENCE_SIZE, PROT_NONE), 0);
    assert_int_equal(native_wait(f->ctx[GEN9_BCS], seqno, FIX_WAIT_MS), -EIO);
    assert_true(fixture_reg(f, fixture_engine_reg(GEN9_BCS, RING_EIR)) & I915_ERROR_PAGE_TABLE);
    fault_page = fixture_reg(f, GEN8_FAULT_TLB_DATA0);
    assert_true(fault_page >= (uint32_t)(FENCE_VA >> 12) &&
                fault_page < (uint32_t)((FENCE_VA + FENCE_SIZE) >> 12));
    assert_int_equal(fixture_stats(f).gpu_faults, 1);
    native_reset_engine(f->n, GEN9_BCS);
    munmap(host, FENCE_SIZE);
}

/*
 * A completion whose seqno write never reaches the driver: the context
 * image's status page is remapped in the GGTT, so the breadcrumb runs but
 * writes elsewhere.  Once the engine reports itself idle the wait says the
 * completion was lost (-EPIPE) rather than waiting out its timeout.
 */
static void test_wait_reports_a_lost_completion(void **state)
{
    struct fixture *f = *state;
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    const struct native_bo *image = native_ctx_image(ctx);
    struct native_bo *elsewhere = native_bo_new(f->n, PGPU_PAGE_SIZE, false);
    const volatile uint32_t *landed = (const uint32_t *)((const uint8_t *)elsewhere->map +
                                                         NATIVE_SEQNO_OFFSET);
    uint32_t seqno;

    pgpu_skl_model.ggtt_write(f->gpu, (uint32_t)(image->ggtt >> 12),
                              elsewhere->bus | GTT_PTE_PRESENT);
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    assert_int_equal(native_wait(ctx, seqno, FIX_WAIT_MS), -EPIPE);
    assert_int_equal(*landed, seqno);
    assert_int_not_equal(native_ctx_seqno(ctx), seqno);
    /* not yet submitted: no verdict, only the timeout */
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_wait(ctx, seqno, 20), -ETIMEDOUT);
}

/*
 * A starved GPU: its threads run at SCHED_IDLE on one CPU, beside a thread
 * of normal priority that spins there until told to stop, so the engine
 * gets little of the wall time, as on a loaded host.
 */
static struct starved {
    int cpu;
    pthread_mutex_t lock;
    pthread_t ids[16];          /* the GPU's threads */
    clockid_t clocks[16];       /* and their CPU clocks */
    unsigned threads;
    bool stop;
} starved = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void pin_to_starved_cpu(void)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(starved.cpu, &set);
    assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

static void starved_thread_enter(void *opaque)
{
    struct sched_param idle = { 0 };

    pin_to_starved_cpu();
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    pthread_mutex_lock(&starved.lock);
    if (starved.threads < N(starved.clocks) &&
        pthread_getcpuclockid(pthread_self(), &starved.clocks[starved.threads]) == 0) {
        starved.ids[starved.threads++] = pthread_self();
    }
    pthread_mutex_unlock(&starved.lock);
}

/* The GPU's threads back at normal priority on every CPU. */
static void end_starvation(void)
{
    struct sched_param normal = { 0 };
    cpu_set_t all;

    CPU_ZERO(&all);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        CPU_SET(cpu, &all);
    }
    pthread_mutex_lock(&starved.lock);
    for (unsigned i = 0; i < starved.threads; i++) {
        pthread_setschedparam(starved.ids[i], SCHED_OTHER, &normal);
        pthread_setaffinity_np(starved.ids[i], sizeof(all), &all);
    }
    pthread_mutex_unlock(&starved.lock);
}

static void *compete(void *opaque)
{
    pin_to_starved_cpu();
    while (!__atomic_load_n(&starved.stop, __ATOMIC_RELAXED)) {
    }
    return NULL;
}

/* CPU time of all the GPU's threads: at least what the engine executed. */
static uint64_t starved_cpu_ns(void)
{
    uint64_t ns = 0;

    pthread_mutex_lock(&starved.lock);
    for (unsigned i = 0; i < starved.threads; i++) {
        struct timespec ts;

        clock_gettime(starved.clocks[i], &ts);
        ns += (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    pthread_mutex_unlock(&starved.lock);
    return ns;
}

static int setup_starved(void **state)
{
    static const struct pgpu_host host = { .thread_enter = starved_thread_enter };

    starved.cpu = sched_getcpu();
    starved.threads = 0;
    starved.stop = false;
    return starved.cpu < 0 ? -1 : fixture_setup_host(state, FIX_HANG_TIMEOUT_MS, &host);
}

/*
 * The hang timeout counts the engine's own time, as CTX_TIMESTAMP does, not
 * the wall time the host kept it off a CPU: an endless loop on a starved
 * engine is no hang until the engine itself executed the timeout's worth,
 * and then it is one.  (With wall time it was stopped after 100 ms of wall
 * time, having run a few ms: IGT's spinners on a loaded host.)
 */
static void test_hang_counts_the_engines_own_time(void **state)
{
    struct fixture *f = *state;
    const uint32_t loop[] = { MI_ARB_CHECK, MI_BATCH_BUFFER_START | MI_BB_PPGTT,
                              LO(FIX_BATCH_VA), HI(FIX_BATCH_VA) };
    const uint64_t timeout_ns = FIX_HANG_TIMEOUT_MS * 1000000ull;
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    pthread_t competitor;
    uint32_t seqno;

    assert_int_equal(pthread_create(&competitor, NULL, compete, NULL), 0);
    memcpy(f->batch->map, loop, sizeof(loop));
    native_emit_batch(ctx, FIX_BATCH_VA, true);
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    sleep_ms(5 * FIX_HANG_TIMEOUT_MS);
    if (fixture_stats(f).hangs) {
        assert_true(starved_cpu_ns() > timeout_ns);
    }
    __atomic_store_n(&starved.stop, true, __ATOMIC_RELAXED);
    pthread_join(competitor, NULL);
    end_starvation();
    /* as long as the host takes to give the engine 100 ms of CPU */
    assert_int_equal(native_wait(ctx, seqno, 60000), -EIO);
    assert_true(fixture_reg(f, RCS_REG(RING_EIR)) & RING_ERR_HANG);
    assert_int_equal(fixture_stats(f).hangs, 1);
    assert_true(starved_cpu_ns() > timeout_ns);
}

#define ENGINE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ENGINE_TEST(test_ppgtt_walk_reaches_every_level),
        ENGINE_TEST(test_two_contexts_alternate_with_save_restore),
        ENGINE_TEST(test_csb_events_in_mmio_and_status_page),
        ENGINE_TEST(test_wait_reports_a_lost_completion),
        /* patient: a descheduled test thread must not look like a hang */
        cmocka_unit_test_setup_teardown(test_lite_restore_extends_the_running_context,
                                        fixture_setup_patient, fixture_teardown),
        ENGINE_TEST(test_fault_on_unmapped_address_stops_only_that_context),
        ENGINE_TEST(test_fault_on_unmapped_ggtt_batch),
        ENGINE_TEST(test_endless_batch_hangs_and_engine_reset_recovers),
        ENGINE_TEST(test_semaphore_that_never_signals_hangs),
        cmocka_unit_test_setup_teardown(test_hang_counts_the_engines_own_time, setup_starved,
                                        fixture_teardown),
        ENGINE_TEST(test_interrupts_iir_imr_ier_and_master),
        ENGINE_TEST(test_ring_head_follows_the_engine),
        /* patient: a descheduled test thread must not look like a hang */
        cmocka_unit_test_setup_teardown(test_each_csb_event_interrupts_when_written,
                                        fixture_setup_patient, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_tick_at_the_cs_clock,
                                        fixture_setup_patient, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_dma_map_waits_for_a_command_not_a_slice,
                                        fixture_setup_patient, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_dma_unmap_fences_a_running_engine,
                                        fixture_setup_patient, fixture_teardown),
        cmocka_unit_test(test_mixed_workload_10000_batches_twice),
    };

    return cmocka_run_group_tests_name("pgpu-engines", tests, NULL, NULL);
}
