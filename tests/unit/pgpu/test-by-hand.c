/*
 * The model programmed by hand, register by register and dword by dword,
 * for what the native driver never does: 3-level (legacy 32-bit) PPGTT
 * contexts, preemption of a running context by another one at an
 * arbitration point (a semaphore wait; a self-looping batch's
 * MI_ARB_CHECK, and none while MI_ARB_ON_OFF turned arbitration off, as
 * i915 does around every batch on a vGPU), and a tail published while the
 * context switches out.
 *
 * Memory: 64 pages DMA-mapped at RAW_BUS and GGTT pages 0..63 onto them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pgpu/pgpu.h"
#include "pgpu/skl-regs.h"

#define OPS pgpu_skl_model
#define PAGES 64
#define RAW_BUS 0x80000000ull
#define STATUS_PAGE 63
#define RCS(rel) (RENDER_RING_BASE + (rel))

struct raw {
    struct pgpu *gpu;
    uint32_t *mem;
};

static uint32_t *page(struct raw *r, unsigned n)
{
    return r->mem + n * (PGPU_PAGE_SIZE / 4);
}

static uint64_t page_bus(unsigned n)
{
    return RAW_BUS + (uint64_t)n * PGPU_PAGE_SIZE;
}

static int setup_with(void **state, unsigned hang_timeout_ms)
{
    const struct pgpu_config config = {
        .name = "by-hand", .aperture_size = PGPU_APERTURE_DEFAULT,
        .hang_timeout_ms = hang_timeout_ms,
    };
    struct raw *r = calloc(1, sizeof(*r));

    r->gpu = OPS.create(&config);
    r->mem = aligned_alloc(PGPU_PAGE_SIZE, PAGES * PGPU_PAGE_SIZE);
    if (!r->gpu || !r->mem) {
        return -1;
    }
    memset(r->mem, 0, PAGES * PGPU_PAGE_SIZE);
    if (OPS.dma_map(r->gpu, RAW_BUS, r->mem, PAGES * PGPU_PAGE_SIZE)) {
        return -1;
    }
    for (unsigned n = 0; n < PAGES; n++) {
        OPS.ggtt_write(r->gpu, n, page_bus(n) | GTT_PTE_PRESENT);
    }
    OPS.mmio_write(r->gpu, RCS(RING_HWS_PGA), STATUS_PAGE * PGPU_PAGE_SIZE, 4);
    OPS.mmio_write(r->gpu, RCS(RING_MODE_GEN7), MASKED_BIT_ENABLE(GFX_RUN_LIST_ENABLE), 4);
    *state = r;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 1000);
}

/* For loops that spin while the test thread works: the longest hang
 * timeout, so that a loaded host that keeps the test thread from a CPU
 * while the engine's thread runs cannot make the loop a hang. */
static int setup_for_loops(void **state)
{
    return setup_with(state, 60000);
}

static int teardown(void **state)
{
    struct raw *r = *state;

    OPS.destroy(r->gpu);
    free(r->mem);
    free(r);
    return 0;
}

/* A context whose image is at @image_page and whose one-page ring is at
 * @ring_page, holding @cmds; the PDP registers get @pdp. */
static void make_context(struct raw *r, unsigned image_page, unsigned ring_page,
                         const uint32_t *cmds, unsigned count, const uint64_t pdp[4])
{
    uint32_t *state = page(r, image_page + 1);

    memcpy(page(r, ring_page), cmds, 4 * count);
    state[CTX_RING_HEAD_DW] = 0;
    state[CTX_RING_TAIL_DW] = 4 * count;
    state[CTX_RING_START_DW] = ring_page * PGPU_PAGE_SIZE;
    state[CTX_RING_CTL_DW] = RING_VALID;
    for (unsigned i = 0; i < 4; i++) {
        state[CTX_PDP_UDW_DW(i)] = (uint32_t)(pdp[i] >> 32);
        state[CTX_PDP_LDW_DW(i)] = (uint32_t)pdp[i];
    }
}

static uint64_t descriptor(unsigned image_page, unsigned addressing, uint32_t ctx_id)
{
    return image_page * PGPU_PAGE_SIZE | CTX_DESC_VALID | CTX_DESC_PRIVILEGE |
           addressing << CTX_DESC_ADDRESSING_SHIFT | (uint64_t)ctx_id << 32;
}

static void submit(struct raw *r, uint64_t desc)
{
    OPS.mmio_write(r->gpu, RCS(RING_ELSP), 0, 4);
    OPS.mmio_write(r->gpu, RCS(RING_ELSP), 0, 4);
    OPS.mmio_write(r->gpu, RCS(RING_ELSP), (uint32_t)(desc >> 32), 4);
    OPS.mmio_write(r->gpu, RCS(RING_ELSP), (uint32_t)desc, 4);
}

/* Poll memory for @value, for up to 5 s. */
static bool wait_value(const uint32_t *p, uint32_t value)
{
    struct timespec pause = { .tv_nsec = 100000 };

    for (unsigned i = 0; i < 50000; i++) {
        if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == value) {
            return true;
        }
        nanosleep(&pause, NULL);
    }
    return false;
}

static bool wait_idle(struct raw *r)
{
    struct timespec pause = { .tv_nsec = 100000 };

    for (unsigned i = 0; i < 50000; i++) {
        if (OPS.mmio_read(r->gpu, RCS(RING_MI_MODE), 4) & MODE_IDLE) {
            return true;
        }
        nanosleep(&pause, NULL);
    }
    return false;
}

static void test_three_level_ppgtt_context(void **state)
{
    struct raw *r = *state;
    /* VA 0x40001010: PDP 1, page directory entry 0, page table entry 1 */
    const uint64_t va = 0x40001010;
    const uint64_t pdp[4] = { 0, page_bus(20) };
    const uint32_t cmds[] = {
        MI_STORE_DATA_IMM, (uint32_t)va, 0, 0x3e7e1, MI_NOOP, MI_NOOP,
    };

    ((uint64_t *)page(r, 20))[0] = page_bus(21) | GTT_PTE_PRESENT;
    ((uint64_t *)page(r, 21))[1] = page_bus(22) | GTT_PTE_PRESENT;
    make_context(r, 0, 4, cmds, 6, pdp);
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_32B, 1));
    assert_true(wait_value(&page(r, 22)[0x10 / 4], 0x3e7e1));
    assert_true(wait_idle(r));
    assert_int_equal(OPS.mmio_read(r->gpu, RCS(RING_EIR), 4), 0);
}

/* GGTT pages of the semaphore tests: result slots, and the semaphore. */
#define SLOTS       (30 * PGPU_PAGE_SIZE)
#define SEMAPHORE   (31 * PGPU_PAGE_SIZE)

/* Store 1 in slot 0, then wait until the semaphore is 1. */
static const uint32_t mark_then_wait[] = {
    MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS, 0, 1,
    MI_SEMAPHORE_WAIT | MI_USE_GGTT | MI_SEMAPHORE_POLL |
    MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_EQ_SDD), 1, (uint32_t)SEMAPHORE, 0,
};
/* Store 2 in slot 1. */
static const uint32_t mark_two[] = {
    MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 4, 0, 2,
};
#define WAIT_DW     (sizeof(mark_then_wait) / 4)
#define TWO_DW      (sizeof(mark_two) / 4)

/* A second context preempts the first while it waits on a semaphore; the
 * first resumes at the semaphore later. */
static void test_preemption_at_an_arbitration_point(void **state)
{
    struct raw *r = *state;
    const uint64_t no_pdp[4] = { 0 };
    uint32_t first[WAIT_DW + TWO_DW];
    const uint32_t second[] = {
        MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 8, 0, 3,
    };
    const uint32_t *csb = page(r, STATUS_PAGE) + HWSP_CSB_DW;
    const uint32_t *first_state = page(r, 1);

    memcpy(first, mark_then_wait, sizeof(mark_then_wait));
    memcpy(first + WAIT_DW, mark_two, sizeof(mark_two));
    make_context(r, 0, 4, first, WAIT_DW + TWO_DW, no_pdp);
    make_context(r, 2, 5, second, 4, no_pdp);
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(wait_value(&page(r, 30)[0], 1));
    submit(r, descriptor(2, CTX_ADDRESSING_LEGACY_64B, 0xb));
    assert_true(wait_value(&page(r, 30)[2], 3));
    assert_true(wait_idle(r));
    assert_int_equal(page(r, 30)[1], 0);
    /* saved HEAD is at the semaphore: the store before it is done */
    assert_int_equal(first_state[CTX_RING_HEAD_DW], 16);
    assert_int_equal(csb[0], GEN8_CTX_STATUS_IDLE_ACTIVE);
    assert_int_equal(csb[2], GEN8_CTX_STATUS_PREEMPTED);
    assert_int_equal(csb[3], 0xa);
    assert_int_equal(csb[4], GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE);
    assert_int_equal(csb[5], 0xb);

    page(r, 31)[0] = 1;
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(wait_value(&page(r, 30)[1], 2));
    assert_true(wait_idle(r));
    assert_int_equal(first_state[CTX_RING_HEAD_DW], 48);
}

/*
 * A driver extends a running context's ring and writes the new RING_TAIL
 * into the image, as i915's execlists_update_context() does before each
 * ELSP write; the context then runs out at its old tail before the ELSP
 * reaches the engine.  The switch-out save must leave the driver's tail in
 * the image (i915 asserts that the image holds the tail it last wrote), so
 * that the ELSP's full restore runs the new commands.
 */
static void test_switch_out_keeps_the_published_tail(void **state)
{
    struct raw *r = *state;
    const uint64_t no_pdp[4] = { 0 };
    uint32_t *ring = page(r, 4);
    uint32_t *image = page(r, 1);

    make_context(r, 0, 4, mark_then_wait, WAIT_DW, no_pdp);
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(wait_value(&page(r, 30)[0], 1));
    /* the context waits on the semaphore: extend its ring, publish the tail */
    memcpy(ring + WAIT_DW, mark_two, sizeof(mark_two));
    __atomic_store_n(&image[CTX_RING_TAIL_DW], 4 * (WAIT_DW + TWO_DW), __ATOMIC_RELEASE);
    /* it runs out at the tail it was started with and is saved */
    __atomic_store_n(&page(r, 31)[0], 1, __ATOMIC_RELEASE);
    assert_true(wait_idle(r));
    assert_int_equal(image[CTX_RING_HEAD_DW], 4 * WAIT_DW);
    assert_int_equal(image[CTX_RING_TAIL_DW], 4 * (WAIT_DW + TWO_DW));
    /* the ELSP write restores it in full and runs what was added */
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(wait_value(&page(r, 30)[1], 2));
    assert_true(wait_idle(r));
    assert_int_equal(image[CTX_RING_HEAD_DW], 4 * (WAIT_DW + TWO_DW));
}

/*
 * A batch that loops back to its start, as IGT's spinner does (igt_spin:
 * MI_ARB_CHECK, then MI_BATCH_BUFFER_START back, until the CPU writes
 * MI_BATCH_BUFFER_END into it): each round stores 0 in slot 3, so the
 * test sees it go round after any moment by writing something else there.
 * Dword 6 is its way back, which the test rewrites to end it.
 */
#define LOOP_PAGE       6
#define LOOP_BACK_DW    6
static const uint32_t loop_batch[] = {
    MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 12, 0, 0,
    MI_ARB_CHECK, MI_NOOP,
    MI_BATCH_BUFFER_START, LOOP_PAGE * PGPU_PAGE_SIZE, 0,
    MI_NOOP,
};
#define ROUND_MARK      0xdeadu

/* The saved batch address and state: the ring block's BB_ADDR_UDW,
 * BB_ADDR, BB_STATE values (i915's CTX_BB_HEAD_U, CTX_BB_HEAD_L, CTX_BB_STATE). */
#define CTX_BB_ADDR_DW  (CTX_BB_STATE_FIRST_DW + 2)
#define CTX_BB_STATE_DW (CTX_BB_STATE_FIRST_DW + 4)

/* Wait until the loop went round once more from now. */
static bool loop_goes_round(struct raw *r)
{
    __atomic_store_n(&page(r, 30)[3], ROUND_MARK, __ATOMIC_RELEASE);
    return wait_value(&page(r, 30)[3], 0);
}

/* The loop tests' two contexts: the first (0xa: image at page 0, ring at
 * page 4) runs @prologue, which stores 1 in slot 0, the loop batch, then
 * @epilogue; the second (image at page 2) stores 3 in slot 2.  The first
 * is started and has entered its ring when this returns. */
static void start_loop_context(struct raw *r, const uint32_t *prologue, unsigned prologue_dw,
                               const uint32_t *epilogue, unsigned epilogue_dw)
{
    const uint64_t no_pdp[4] = { 0 };
    const uint32_t start[] = { MI_BATCH_BUFFER_START, LOOP_PAGE * PGPU_PAGE_SIZE, 0 };
    const uint32_t second[] = {
        MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 8, 0, 3,
    };
    uint32_t ring[32];
    unsigned n = 0;

    assert_true(prologue_dw + 3 + epilogue_dw <= 32);
    memcpy(ring, prologue, 4 * prologue_dw);
    n += prologue_dw;
    memcpy(ring + n, start, sizeof(start));
    n += 3;
    memcpy(ring + n, epilogue, 4 * epilogue_dw);
    n += epilogue_dw;
    memcpy(page(r, LOOP_PAGE), loop_batch, sizeof(loop_batch));
    make_context(r, 0, 4, ring, n, no_pdp);
    make_context(r, 2, 5, second, 4, no_pdp);
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(wait_value(&page(r, 30)[0], 1));
}

/*
 * Another context's ELSP preempts a looping batch at its MI_ARB_CHECK
 * (arbitration is on when a context is loaded): the loop's context is
 * saved inside its batch, after the MI_ARB_CHECK, and the other runs.
 * Submitted again it resumes there, in its batch, without running its
 * ring's commands before the batch again, loops on, and ends when the
 * CPU writes MI_BATCH_BUFFER_END over its way back, as i915's execlists
 * preemption on Gen9 (intel_execlists_submission.c: a preempting ELSP,
 * the CSB's preempted event) and IGT's spinner expect.
 */
static void test_preemption_of_a_loop_at_its_arb_check(void **state)
{
    struct raw *r = *state;
    const uint32_t prologue[] = { MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS, 0, 1 };
    const uint32_t epilogue[] = { MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 4, 0, 2,
                                  MI_NOOP };
    const uint32_t *csb = page(r, STATUS_PAGE) + HWSP_CSB_DW;
    const uint32_t *first_state = page(r, 1);

    start_loop_context(r, prologue, 4, epilogue, 5);
    assert_true(loop_goes_round(r));
    submit(r, descriptor(2, CTX_ADDRESSING_LEGACY_64B, 0xb));
    assert_true(wait_value(&page(r, 30)[2], 3));
    assert_true(wait_idle(r));
    assert_int_equal(csb[0], GEN8_CTX_STATUS_IDLE_ACTIVE);
    assert_int_equal(csb[2], GEN8_CTX_STATUS_PREEMPTED);
    assert_int_equal(csb[3], 0xa);
    assert_int_equal(csb[4], GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE);
    assert_int_equal(csb[5], 0xb);
    /* saved in its batch, after the MI_ARB_CHECK; the ring's rest not run */
    assert_true(first_state[CTX_BB_STATE_DW] & BB_STATE_ACTIVE);
    assert_int_equal(first_state[CTX_BB_ADDR_DW], LOOP_PAGE * PGPU_PAGE_SIZE + 4 * 5);
    assert_int_equal(first_state[CTX_RING_HEAD_DW], 4 * (4 + 3));
    assert_int_equal(page(r, 30)[1], 0);

    page(r, 30)[0] = 0;
    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(loop_goes_round(r));
    __atomic_store_n(&page(r, LOOP_PAGE)[LOOP_BACK_DW], MI_BATCH_BUFFER_END, __ATOMIC_RELEASE);
    assert_true(wait_value(&page(r, 30)[1], 2));
    assert_true(wait_idle(r));
    /* it resumed in its batch: the ring's store before it did not run again */
    assert_int_equal(page(r, 30)[0], 0);
    assert_int_equal(first_state[CTX_RING_HEAD_DW], 4 * (4 + 3 + 5));
    assert_int_equal(OPS.mmio_read(r->gpu, RCS(RING_EIR), 4), 0);
}

/*
 * i915 on a vGPU has no preemption and turns arbitration off around every
 * batch (gen8_emit_bb_start_noarb(): MI_ARB_ON_OFF off before the
 * MI_BATCH_BUFFER_START), on again in the request's closing breadcrumb
 * before an MI_ARB_CHECK (gen8_emit_fini_breadcrumb()).  So a spinner's
 * MI_ARB_CHECK is no arbitration point there: another context's ELSP
 * waits while the loop goes round, and preempts the context only at the
 * ring's MI_ARB_CHECK after the batch ended.
 */
static void test_no_preemption_in_a_loop_with_arbitration_off(void **state)
{
    struct raw *r = *state;
    const uint32_t prologue[] = {
        MI_ARB_ON_OFF, MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS, 0, 1,
    };
    const uint32_t epilogue[] = {
        MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 4, 0, 2,
        MI_ARB_ON_OFF | MI_ARB_ENABLE, MI_ARB_CHECK,
        MI_STORE_DATA_IMM | MI_USE_GGTT, (uint32_t)SLOTS + 16, 0, 5,
    };
    const uint32_t *csb = page(r, STATUS_PAGE) + HWSP_CSB_DW;
    const uint32_t *first_state = page(r, 1);

    start_loop_context(r, prologue, 5, epilogue, 10);
    submit(r, descriptor(2, CTX_ADDRESSING_LEGACY_64B, 0xb));
    /* twice round the MI_ARB_CHECK after the ELSP write: the ELSP waits */
    assert_true(loop_goes_round(r));
    assert_true(loop_goes_round(r));
    assert_int_equal(page(r, 30)[2], 0);
    assert_int_equal(csb[2], 0);

    __atomic_store_n(&page(r, LOOP_PAGE)[LOOP_BACK_DW], MI_BATCH_BUFFER_END, __ATOMIC_RELEASE);
    assert_true(wait_value(&page(r, 30)[2], 3));
    assert_true(wait_idle(r));
    assert_int_equal(page(r, 30)[1], 2);
    assert_int_equal(page(r, 30)[4], 0);
    assert_int_equal(csb[2], GEN8_CTX_STATUS_PREEMPTED);
    assert_int_equal(csb[3], 0xa);
    assert_int_equal(csb[4], GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE);
    assert_int_equal(csb[5], 0xb);
    assert_false(first_state[CTX_BB_STATE_DW] & BB_STATE_ACTIVE);
    assert_int_equal(first_state[CTX_RING_HEAD_DW], 4 * (5 + 3 + 6));

    submit(r, descriptor(0, CTX_ADDRESSING_LEGACY_64B, 0xa));
    assert_true(wait_value(&page(r, 30)[4], 5));
    assert_true(wait_idle(r));
    assert_int_equal(OPS.mmio_read(r->gpu, RCS(RING_EIR), 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_three_level_ppgtt_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preemption_at_an_arbitration_point, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_switch_out_keeps_the_published_tail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_preemption_of_a_loop_at_its_arb_check,
                                        setup_for_loops, teardown),
        cmocka_unit_test_setup_teardown(test_no_preemption_in_a_loop_with_arbitration_off,
                                        setup_for_loops, teardown),
    };

    return cmocka_run_group_tests_name("pgpu-by-hand", tests, NULL, NULL);
}
