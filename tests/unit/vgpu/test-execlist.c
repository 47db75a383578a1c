/*
 * test-execlist.c - the ELSP sequence, the CSB in MMIO and in the guest's
 * status page, interrupts, hangs and engine reset (contract 6.2-6.7).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fixture.h"
#include "vgpu/plane.h"
#include "gen9/lrc.h"
#include "vgpu/regs.h"
#include "wire/protocol.h"

#define HWSP_GMA        0x10000         /* graphics address of the RCS status page */
#define HWSP_GPA        0x3000          /* the fixture RAM page it maps */
#define CTX_A           (0x0000000200000000ull | 0x20000 | 0x119)
#define CTX_A_TAIL      (0x0000000200000000ull | 0x20000 | 0x11d)  /* lite restore */
#define CTX_B           (0x0000000400000000ull | 0x40000 | 0x119)
#define GT_IIR0         GEN8_GT_IIR(0)
#define IMAGE_GPA       0x5000          /* the fixture RAM page CTX_A's state page maps */

static void elsp(struct fixture *f, uint32_t base, uint64_t desc0, uint64_t desc1)
{
    wr(f, base + RING_ELSP, desc1 >> 32);
    wr(f, base + RING_ELSP, (uint32_t)desc1);
    wr(f, base + RING_ELSP, desc0 >> 32);
    wr(f, base + RING_ELSP, (uint32_t)desc0);
}

static uint64_t hwsp_csb(struct fixture *f, unsigned index)
{
    uint64_t entry;

    memcpy(&entry, f->ram + HWSP_GPA + 0x40 + 8 * index, 8);
    return entry;
}

static uint32_t hwsp_write_ptr(struct fixture *f)
{
    uint32_t ptr;

    memcpy(&ptr, f->ram + HWSP_GPA + 0x7c, 4);
    return ptr;
}

/* What the guest's i915 does before it submits (contract 6.3, 6.7). */
static int guest_setup(void **state)
{
    struct fixture *f;

    if (fixture_setup(state)) {
        return -1;
    }
    f = *state;
    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + HWSP_GMA / 4096 * 8, HWSP_GPA | 1, 8);
    wr(f, RENDER_RING_BASE + RING_HWS_PGA, HWSP_GMA);
    wr(f, RENDER_RING_BASE + RING_CONTEXT_STATUS_PTR, 0xffff0000 | 5 << 8 | 5);
    wr(f, GEN8_GT_IMR(0), 0);
    wr(f, GEN8_GT_IER(0), ~0u);
    wr(f, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
    return 0;
}

#define GUEST_TEST(fn) cmocka_unit_test_setup_teardown(fn, guest_setup, fixture_teardown)

static void test_elsp_promotes_and_completes(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, MODE_IDLE);
    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    /* element 1 first, element 0 low dword last: one submission */
    assert_int_equal(f->submits, 1);
    assert_int_equal(f->last_engine, GEN9_RCS);
    assert_int_equal(f->last_desc[0], CTX_A);
    assert_int_equal(f->last_desc[1], 0);
    /* idle-to-active in entry 0, in the status page and MMIO, and an interrupt */
    assert_int_equal(hwsp_csb(f, 0), 0x1);
    assert_int_equal(hwsp_write_ptr(f), 0);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_CONTEXT_STATUS_BUF_LO(0)), 0x1);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_CONTEXT_STATUS_PTR) & 7, 0);
    assert_int_equal(rd(f, GT_IIR0), 1u << 8);
    assert_int_equal(f->msis, 1);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, 0);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_EXECLIST_STATUS_HI), CTX_A >> 32);

    wr(f, GT_IIR0, ~0u);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0x80, true, 0);
    /* active-to-idle with the context's ID, a user interrupt, HEAD written back */
    assert_int_equal(hwsp_csb(f, 1), (CTX_A & ~0xffffffffull) | 0x18);
    assert_int_equal(hwsp_write_ptr(f), 1);
    assert_int_equal(vgpu_bar0_read(f->vgpu, RENDER_RING_BASE + RING_CONTEXT_STATUS_BUF_LO(1), 8),
                     (CTX_A & ~0xffffffffull) | 0x18);
    assert_int_equal(rd(f, GT_IIR0), 1u << 8 | 1u << 0);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_HEAD), 0x80);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, MODE_IDLE);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_EXECLIST_STATUS_LO), 0);
}

/* Work that ran no MI_USER_INTERRUPT raises only the context switch, as the
 * hardware does: the user interrupt is the command's, not the switch's. */
static void test_no_user_interrupt_without_the_command(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    wr(f, GT_IIR0, ~0u);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0x80, false, 0);
    assert_int_equal(hwsp_csb(f, 1), (CTX_A & ~0xffffffffull) | 0x18);
    assert_int_equal(rd(f, GT_IIR0), 1u << 8);
}

static void test_element_switch_then_idle(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, CTX_B);
    assert_int_equal(f->last_desc[1], CTX_B);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0x40, true, 0);
    assert_int_equal(hwsp_csb(f, 1), (CTX_A & ~0xffffffffull) | 0x14);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_B, 0x80, true, 0);
    assert_int_equal(hwsp_csb(f, 2), (CTX_B & ~0xffffffffull) | 0x18);
    assert_int_equal(hwsp_write_ptr(f), 2);
}

static void test_lite_restore_retires_the_old_element(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    elsp(f, RENDER_RING_BASE, CTX_A_TAIL, 0);
    assert_int_equal(hwsp_csb(f, 1), (CTX_A & ~0xffffffffull) | 0x8002);
    assert_int_equal(vgpu_get_stats(f->vgpu)->lite_restores, 1);
    /* the first element's completion is the mediator's business only */
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0x40, true, 0);
    assert_int_equal(hwsp_write_ptr(f), 1);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A_TAIL, 0x80, true, 0);
    assert_int_equal(hwsp_csb(f, 2), (CTX_A & ~0xffffffffull) | 0x18);
}

/* The render engine hung, after @submits submissions: it takes no ELSP
 * until the guest resets it, then runs CTX_B (one CSB entry before). */
static void expect_hung_until_reset(struct fixture *f, unsigned submits)
{
    elsp(f, RENDER_RING_BASE, CTX_B, 0);
    assert_int_equal(f->submits, submits);
    assert_int_equal(vgpu_get_stats(f->vgpu)->elsp_while_hung, 1);
    wr(f, GEN6_GDRST, GRDOM_RENDER);
    wr(f, RENDER_RING_BASE + RING_CONTEXT_STATUS_PTR, 0xffff0000 | 5 << 8 | 5);
    elsp(f, RENDER_RING_BASE, CTX_B, 0);
    assert_int_equal(f->submits, submits + 1);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_B, 0, true, 0);
    assert_int_equal(hwsp_csb(f, 1), (CTX_B & ~0xffffffffull) | 0x18);
}

/* IGT's spinner, then its context's next request as a lite restore: the
 * GPU stops the spinner (a hang), and the guest must see its engine hung,
 * as hardware stuck in the context would be, with no completion of the
 * later request (its breadcrumb would pass the spinner's) until i915
 * resets the engine (gem_ctx_exec@reset-pin-leak). */
static void test_a_hang_after_a_lite_restore_hangs_the_engine(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    elsp(f, RENDER_RING_BASE, CTX_A_TAIL, 0);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_REJECTED, CTX_A, 0, true, 0);
    assert_int_equal(vgpu_get_stats(f->vgpu)->contexts_hung, 1);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, 0);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A_TAIL, 0x80, true, 0);
    assert_int_equal(hwsp_write_ptr(f), 1);     /* the lite restore's entry only */
    expect_hung_until_reset(f, 2);
}

/* The GPU stopped the element (here for an invalid command, RING_EIR bit
 * 0): the guest's engine shows the error as the GPU would to a driver of
 * its own, and raises the CS error interrupt (GT IIR bit 3), on which
 * i915 (cs_irq_handler(), then execlists_reset()) resets the engine at
 * once; the reset leaves RING_ESR clear, as i915 checks after it
 * (enable_error_interrupt()). */
static void test_a_context_the_gpu_stopped_raises_its_error(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    wr(f, GT_IIR0, ~0u);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_REJECTED, CTX_A, 0, false,
                           I915_ERROR_INSTRUCTION);
    assert_int_equal(rd(f, GT_IIR0), 1u << 3);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_EIR), I915_ERROR_INSTRUCTION);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_ESR), I915_ERROR_INSTRUCTION);
    assert_int_equal(vgpu_get_stats(f->vgpu)->engine_errors, 1);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, 0);
    wr(f, RENDER_RING_BASE + RING_EIR, I915_ERROR_INSTRUCTION);    /* i915 clears it */
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_EIR), 0);
    wr(f, GEN6_GDRST, GRDOM_RENDER);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_ESR), 0);
    assert_int_equal(f->last_reset_mask, 1u << GEN9_RCS);
}

/* i915 resets one engine (GDRST with its domain bit, as i915_hangman's
 * engine-engine-error makes it): the others' work goes on, as on the
 * hardware, whose reset domains hold one engine each.  The video
 * engine's element, running while the render engine stops at an invalid
 * command and is reset, still completes in the guest's view, and the
 * mediator is told to reset the render engine only. */
static void test_an_engine_reset_spares_the_other_engines(void **state)
{
    struct fixture *f = *state;
    uint64_t entry;

    /* the video engine's status page, the page after the render engine's */
    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + (HWSP_GMA / 4096 + 1) * 8,
                    (HWSP_GPA + 4096) | 1, 8);
    wr(f, GEN6_BSD_RING_BASE + RING_HWS_PGA, HWSP_GMA + 4096);
    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    elsp(f, GEN6_BSD_RING_BASE, CTX_B, 0);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_REJECTED, CTX_A, 0, false,
                           I915_ERROR_INSTRUCTION);
    wr(f, GEN6_GDRST, GRDOM_RENDER);
    assert_int_equal(f->last_reset_mask, 1u << GEN9_RCS);
    assert_int_equal(rd(f, GEN6_BSD_RING_BASE + RING_MI_MODE) & MODE_IDLE, 0);
    vgpu_execlist_complete(f->vgpu, GEN9_VCS, WIRE_EVENT_DONE, CTX_B, 0x80, true, 0);
    memcpy(&entry, f->ram + HWSP_GPA + 4096 + 0x40 + 8, 8);
    assert_int_equal(entry, (CTX_B & ~0xffffffffull) | 0x18);
    assert_int_equal(rd(f, GEN6_BSD_RING_BASE + RING_HEAD), 0x80);
    assert_int_equal(rd(f, GEN6_BSD_RING_BASE + RING_MI_MODE) & MODE_IDLE, MODE_IDLE);
}

static void test_csb_wraps_after_six_entries(void **state)
{
    struct fixture *f = *state;

    for (unsigned i = 0; i < 4; i++) {
        elsp(f, RENDER_RING_BASE, CTX_A, 0);
        vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0, true, 0);
    }
    /* eight entries: 0..5, then 0 and 1 again */
    assert_int_equal(hwsp_write_ptr(f), 1);
    assert_int_equal(hwsp_csb(f, 0), 0x1);
    assert_int_equal(hwsp_csb(f, 1), (CTX_A & ~0xffffffffull) | 0x18);
}

static void test_rejected_context_hangs_until_reset(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, CTX_B);
    wr(f, GT_IIR0, ~0u);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_REJECTED, CTX_A, 0, true, 0);
    /* nothing completes, the engine stays busy and takes no new work; the
     * mediator refused it, the GPU raised no error: i915's heartbeat finds it */
    assert_int_equal(hwsp_write_ptr(f), 0);
    assert_int_equal(rd(f, GT_IIR0), 0);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_EIR), 0);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, 0);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_B, 0, true, 0);
    assert_int_equal(hwsp_write_ptr(f), 0);
    elsp(f, RENDER_RING_BASE, CTX_B, 0);
    assert_int_equal(f->submits, 1);
    assert_int_equal(vgpu_get_stats(f->vgpu)->contexts_hung, 1);
    assert_int_equal(vgpu_get_stats(f->vgpu)->elsp_while_hung, 1);
    /* i915's engine reset: stop the ring, then the render domain */
    wr(f, RENDER_RING_BASE + RING_MI_MODE, MASKED_ENABLE(STOP_RING));
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, MODE_IDLE);
    wr(f, GEN6_GDRST, GRDOM_RENDER);
    assert_int_equal(f->last_reset_mask, 1u << GEN9_RCS);
    assert_int_equal(vgpu_get_stats(f->vgpu)->engine_resets, 1);
    /* the engine works again */
    wr(f, RENDER_RING_BASE + RING_CONTEXT_STATUS_PTR, 0xffff0000 | 5 << 8 | 5);
    elsp(f, RENDER_RING_BASE, CTX_B, 0);
    assert_int_equal(f->submits, 2);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_B, 0, true, 0);
    assert_int_equal(hwsp_csb(f, 1), (CTX_B & ~0xffffffffull) | 0x18);
}

static void test_hostile_sequences_are_contained(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);

    elsp(f, RENDER_RING_BASE, CTX_A & ~1ull, CTX_B);         /* element 0 invalid */
    assert_int_equal(f->submits, 0);
    assert_int_equal(stats->bad_elsp, 1);
    /* a completion nobody asked for, and one for a bad engine */
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0, true, 0);
    vgpu_execlist_complete(f->vgpu, 7, WIRE_EVENT_DONE, CTX_A, 0, true, 0);
    assert_int_equal(stats->csb_events, 0);
    /* endless lite restores are bounded */
    for (unsigned i = 0; i < 20; i++) {
        elsp(f, RENDER_RING_BASE, CTX_A, CTX_B);
    }
    assert_true(f->submits < 20);
    assert_true(stats->bad_elsp > 1);
    /* an unmapped status page: MMIO only, counted */
    wr(f, BLT_RING_BASE + RING_HWS_PGA, 0x7000000);
    elsp(f, BLT_RING_BASE, CTX_A, 0);
    assert_int_equal(stats->hwsp_unmapped, 1);
    assert_int_equal(rd(f, BLT_RING_BASE + RING_CONTEXT_STATUS_BUF_LO(0)), 0x1);
    assert_int_equal(rd(f, GT_IIR0) & 1u << 24, 1u << 24);
}

static void test_a_full_engine_paces_the_guest(void **state)
{
    struct fixture *f = *state;
    uint32_t events;

    /* lite restores while the mediator is slow: a pair waits once it is full */
    for (unsigned i = 0; i < 9; i++) {
        elsp(f, RENDER_RING_BASE, CTX_A, CTX_B);
    }
    assert_int_equal(f->submits, 8);
    events = vgpu_get_stats(f->vgpu)->csb_events;
    assert_int_equal(vgpu_get_stats(f->vgpu)->bad_elsp, 0);
    /* the oldest element completes (unseen: it was lite-restored): the pair goes */
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0, true, 0);
    assert_int_equal(f->submits, 8);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_B, 0, true, 0);
    assert_int_equal(f->submits, 9);
    assert_int_equal(vgpu_get_stats(f->vgpu)->csb_events, events + 1);
    assert_int_equal(hwsp_csb(f, events % 6), (CTX_A & ~0xffffffffull) | 0x8002);
}

/* Write CTX_A's RING_TAIL in its image's state page (mapped at IMAGE_GPA). */
static void set_image_tail(struct fixture *f, uint32_t tail)
{
    memcpy(f->ram + IMAGE_GPA + 4 * CTX_RING_TAIL_DW, &tail, 4);
}

/*
 * The engine takes an element's RING_TAIL from its image when it takes the
 * element at the ELSP write (a lite restore too: i915 writes the new tail
 * into the image just before, execlists_update_context()), so a request
 * the guest queues after the write runs only after its own ELSP write.
 * The element goes to the mediator with that tail, also when it waited
 * for room first; an image not mapped guest RAM gives WIRE_NO_TAIL.
 */
static void test_the_tail_is_taken_at_the_elsp_write(void **state)
{
    struct fixture *f = *state;
    uint32_t held;

    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + ((CTX_A & 0xfffff000u) + 4096) / 4096 * 8,
                    IMAGE_GPA | 1, 8);
    set_image_tail(f, 0x40);
    elsp(f, RENDER_RING_BASE, CTX_A, CTX_B);
    set_image_tail(f, 0x80);
    assert_int_equal(f->submits, 1);
    assert_int_equal(f->last_tail[0], 0x40);
    assert_int_equal(f->last_tail[1], WIRE_NO_TAIL);
    /* lite restores until one waits for room; the guest writes on meanwhile */
    for (held = 0xc0;; held += 0x40) {
        unsigned before = f->submits;

        set_image_tail(f, held);
        elsp(f, RENDER_RING_BASE, CTX_A, 0);
        if (f->submits == before) {
            break;
        }
        assert_int_equal(f->last_tail[0], held);
        assert_int_equal(f->last_tail[1], 0);
    }
    assert_int_equal(vgpu_get_stats(f->vgpu)->bad_elsp, 0);
    set_image_tail(f, 0x1000);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0x40, true, 0);
    assert_int_equal(f->last_tail[0], held);
}

/* An ELSP the mediator has no room for is lost as work a GPU dropped: the
 * pair is promoted, then the engine stays busy with no completion and
 * takes no new work until the guest resets it. */
static void test_an_elsp_the_mediator_cannot_take_hangs_its_engine(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);

    f->mediator_behind = true;
    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    assert_int_equal(stats->elsp_mediator_behind, 1);
    assert_int_equal(hwsp_csb(f, 0), 0x1);
    assert_int_equal(rd(f, RENDER_RING_BASE + RING_MI_MODE) & MODE_IDLE, 0);
    f->mediator_behind = false;
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0, true, 0);    /* never sent */
    assert_int_equal(hwsp_write_ptr(f), 0);
    expect_hung_until_reset(f, 0);
}

static void test_mediator_lost_leaves_engines_busy(void **state)
{
    struct fixture *f = *state;

    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    vgpu_mediator_lost(f->vgpu);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0, true, 0);
    assert_int_equal(hwsp_write_ptr(f), 0);
    elsp(f, BLT_RING_BASE, CTX_B, 0);
    assert_int_equal(f->submits, 1);
    /* a reset does not wait for a mediator that is gone */
    wr(f, GEN6_GDRST, GRDOM_FULL);
    assert_int_equal(f->resets, 1);     /* the one at creation */
}

/* What the display learns of the mediator's GPU writes (vgpu/plane.h): the
 * count moves at each submission, completion and reset, and work is
 * running from submission to completion, and after a reset until work
 * submitted after it completes. */
static void test_gpu_work_epoch(void **state)
{
    struct fixture *f = *state;
    bool running;
    uint64_t idle = vgpu_gpu_work_epoch(f->vgpu, &running), busy;

    assert_false(running);
    assert_int_equal(vgpu_gpu_work_epoch(f->vgpu, &running), idle);
    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    busy = vgpu_gpu_work_epoch(f->vgpu, &running);
    assert_true(running);
    assert_int_not_equal(busy, idle);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0x80, true, 0);
    idle = vgpu_gpu_work_epoch(f->vgpu, &running);
    assert_false(running);
    assert_int_not_equal(idle, busy);
    /* a reset drops work the mediator may still run: running until later work completes */
    elsp(f, RENDER_RING_BASE, CTX_B, 0);
    wr(f, GEN6_GDRST, GRDOM_RENDER);
    busy = vgpu_gpu_work_epoch(f->vgpu, &running);
    assert_true(running);
    wr(f, RENDER_RING_BASE + RING_CONTEXT_STATUS_PTR, 0xffff0000 | 5 << 8 | 5);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_B, 0, true, 0);  /* dropped */
    vgpu_gpu_work_epoch(f->vgpu, &running);
    assert_true(running);
    elsp(f, RENDER_RING_BASE, CTX_A, 0);
    vgpu_execlist_complete(f->vgpu, GEN9_RCS, WIRE_EVENT_DONE, CTX_A, 0, true, 0);
    assert_int_not_equal(vgpu_gpu_work_epoch(f->vgpu, &running), busy);
    assert_false(running);
    /* a mediator that is gone may have done anything */
    vgpu_mediator_lost(f->vgpu);
    vgpu_gpu_work_epoch(f->vgpu, &running);
    assert_true(running);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        GUEST_TEST(test_elsp_promotes_and_completes),
        GUEST_TEST(test_no_user_interrupt_without_the_command),
        GUEST_TEST(test_element_switch_then_idle),
        GUEST_TEST(test_lite_restore_retires_the_old_element),
        GUEST_TEST(test_a_hang_after_a_lite_restore_hangs_the_engine),
        GUEST_TEST(test_a_context_the_gpu_stopped_raises_its_error),
        GUEST_TEST(test_an_engine_reset_spares_the_other_engines),
        GUEST_TEST(test_csb_wraps_after_six_entries),
        GUEST_TEST(test_rejected_context_hangs_until_reset),
        GUEST_TEST(test_hostile_sequences_are_contained),
        GUEST_TEST(test_a_full_engine_paces_the_guest),
        GUEST_TEST(test_the_tail_is_taken_at_the_elsp_write),
        GUEST_TEST(test_an_elsp_the_mediator_cannot_take_hangs_its_engine),
        GUEST_TEST(test_mediator_lost_leaves_engines_busy),
        GUEST_TEST(test_gpu_work_epoch),
    };

    return cmocka_run_group_tests_name("vgpu-execlist", tests, NULL, NULL);
}
