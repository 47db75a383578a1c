/*
 * context.c - a workload's logical ring context: the guest's image read
 * and checked, the shadow built from it with host addresses, and what the
 * guest reads back written to its image once the GPU is done (guest
 * contract 6.5).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <string.h>

#include "wire/protocol.h"
#include "mediator/submission/private.h"
#include "pgpu/skl-regs.h"

bool med_wl_context_read(struct vgpu_workload *w, struct guest_context *ctx)
{
    struct med_vgpu_submission *sub = w->sub;
    const struct med_vgpu_mem *mem = &sub->config.mem;
    uint32_t lo = (uint32_t)w->taken[0].desc;
    uint64_t pml4;

    if (!(lo & CTX_DESC_VALID) || !(lo & CTX_DESC_PRIVILEGE) ||
        (lo >> CTX_DESC_ADDRESSING_SHIFT & 3) != CTX_ADDRESSING_LEGACY_64B) {
        med_wl_reject(w, "the descriptor is not a valid privileged 4-level PPGTT context "
               "(valid, bit 8, addressing mode 3)");
        return false;
    }
    if (med_vgpu_ggtt_copy(mem, w->lrca + LRC_STATE_OFFSET, ctx->state, PGPU_PAGE_SIZE) !=
        PGPU_PAGE_SIZE) {
        med_wl_reject(w, "the context image at GGTT 0x%" PRIx64 " is not mapped guest RAM in the "
               "vGPU's partition", w->lrca);
        return false;
    }
    ctx->ring_ctl = ctx->state[CTX_RING_CTL_DW];
    ctx->ring_start = ctx->state[CTX_RING_START_DW];
    ctx->ring_size = RING_CTL_PAGES(ctx->ring_ctl) * PGPU_PAGE_SIZE;
    if (!(ctx->ring_ctl & RING_VALID) || ctx->ring_start & (PGPU_PAGE_SIZE - 1) ||
        !med_vgpu_gma_in_partition(mem, ctx->ring_start, ctx->ring_size)) {
        med_wl_reject(w, "ring start 0x%" PRIx64 " / control 0x%" PRIx32 " is not a valid ring in "
               "the vGPU's partition", ctx->ring_start, ctx->ring_ctl);
        return false;
    }
    pml4 = ((uint64_t)ctx->state[CTX_PDP_UDW_DW(0)] << 32 | ctx->state[CTX_PDP_LDW_DW(0)]) &
           MED_PPGTT_PTE_ADDR_MASK;
    ctx->ppgtt = med_ppgtt_set_find(sub->ppgtts, pml4);
    if (!ctx->ppgtt) {
        med_wl_reject(w, "its PPGTT root 0x%" PRIx64 " was not announced (PVINFO create)", pml4);
        return false;
    }
    return true;
}


/*
 * The shadow context's register state page.  The hardware restores a
 * context by running that page as a batch ("a big batch buffer with
 * several MI_LOAD_REGISTER_IMM commands", i915's intel_lrc.c), so the
 * guest's page is not copied: headers, register offsets and whatever
 * else it holds would be commands the engine runs with the host's
 * privileges.  The shadow is the engine's layout as i915 writes it, the
 * guest's values at their places, MI_NOOP elsewhere; then host addresses
 * and the mediator's controls.  (The model restores by position and never
 * ran the guest's headers; the hardware would.)
 */
static void shadow_state(uint32_t *state, enum gen9_engine engine, const uint32_t *guest)
{
    const struct gen9_lrc_block *layout = gen9_lrc_layouts[engine].block;
    /* A new context's image asks the engine not to restore its state: the
     * hardware then keeps the previous context's registers (another VM's)
     * and saves them into this image, which the guest reads back.  So
     * nothing is inhibited: the engine loads zeros, as the model does for
     * an inhibited restore (a masked register: every bit selected). */
    bool inhibit = guest[CTX_CONTEXT_CONTROL_DW] & CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT;

    memset(state, 0, PGPU_PAGE_SIZE);
    gen9_lrc_write_layout(state, engine);
    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        for (unsigned i = 0; i < layout[b].count; i++) {
            unsigned dw = gen9_lrc_value_dw(&layout[b], i);

            state[dw] = !inhibit || !layout[b].engine_state ? guest[dw] :
                        layout[b].regs[i].flags & GEN9_LRC_MASKED ? 0xffff0000u : 0;
        }
    }
    /* What i915 writes for a context it restores (the guest contract,
     * 6.5): no inhibit (saving must happen, the engine state is written
     * back to the guest), no resource streamer state (its commands are
     * refused), no synchronous context switch. */
    state[CTX_CONTEXT_CONTROL_DW] =
        MASKED_BIT_ENABLE(CTX_CTRL_INHIBIT_SYN_CTX_SWITCH) |
        MASKED_BIT_DISABLE(CTX_CTRL_ENGINE_CTX_SAVE_INHIBIT | CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT |
                           CTX_CTRL_RS_CTX_ENABLE);
}

/*
 * The engine's stop is the mediator's (its cancels and resets): an image
 * that sets STOP_RING would stop the physical engine as it is restored,
 * with other VMs' work behind it and nothing running for a hang to be
 * noticed in.  i915 clears it in every image it makes; an image the
 * engine saved while the mechanism stopped it (a cancel's or an overrun's
 * look, sched.c) holds it.
 */
void med_wl_context_clear_stop(uint32_t *state)
{
    state[CTX_RING_MI_MODE_DW] = (state[CTX_RING_MI_MODE_DW] & ~STOP_RING) |
                                 MASKED_BIT_DISABLE(STOP_RING);
}

/* The shadow context: the guest's register state with host addresses. */
void med_wl_context_build(struct vgpu_workload *w, const struct guest_context *ctx)
{
    uint32_t *state = (uint32_t *)((uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    uint64_t root = med_vgpu_ppgtt_root_bus(ctx->ppgtt);

    memset(w->mem.map, 0, LRC_STATE_OFFSET);
    shadow_state(state, w->engine, ctx->state);
    med_wl_context_clear_stop(state);
    state[CTX_RING_HEAD_DW] = w->head;
    state[CTX_RING_TAIL_DW] = w->ring_tail;
    state[CTX_RING_START_DW] = 0;   /* in the window it is bound at */
    /* The ring's size and valid bit, what i915 writes: not the automatic
     * head reports (bits 2:1) into the engine's status page, a host page. */
    state[CTX_RING_CTL_DW] = ctx->ring_ctl & (RING_NR_PAGES | RING_VALID);
    /* The ring level starts afresh; no per-context or indirect batches run. */
    for (unsigned dw = CTX_BB_STATE_FIRST_DW; dw <= CTX_BB_STATE_LAST_DW; dw += 2) {
        state[dw] = 0;
    }
    state[CTX_BB_PER_CTX_PTR_DW] = 0;
    state[CTX_INDIRECT_CTX_DW] = 0;
    for (unsigned dw = CTX_PDP_UDW_DW(3); dw <= CTX_PDP_LDW_DW(0); dw += 2) {
        state[dw] = 0;
    }
    state[CTX_PDP_UDW_DW(0)] = (uint32_t)(root >> 32);
    state[CTX_PDP_LDW_DW(0)] = (uint32_t)root;
}


bool med_wl_context_same(const struct vgpu_workload *w, const struct vgpu_workload *x)
{
    const uint32_t *a = (const uint32_t *)((const uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    const uint32_t *b = (const uint32_t *)((const uint8_t *)x->mem.map + LRC_STATE_OFFSET);

    for (unsigned dw = 0; dw < PGPU_PAGE_SIZE / 4; dw++) {
        if (a[dw] != b[dw] && dw != CTX_RING_HEAD_DW && dw != CTX_RING_TAIL_DW) {
            return false;
        }
    }
    return true;
}

bool med_wl_context_same_ppgtt(const struct vgpu_workload *w, const struct vgpu_workload *x)
{
    const uint32_t *a = (const uint32_t *)((const uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    const uint32_t *b = (const uint32_t *)((const uint8_t *)x->mem.map + LRC_STATE_OFFSET);

    for (unsigned dw = CTX_PDP_UDW_DW(3); dw <= CTX_PDP_LDW_DW(0); dw += 2) {
        if (a[dw] != b[dw]) {
            return false;
        }
    }
    return true;
}

/* What the guest reads back from its context image (contract 6.5): the
 * final head, the context's time and the engine's own state. */
void med_wl_context_write_back(struct vgpu_workload *w, uint32_t head, bool saved)
{
    const uint32_t *shadow;
    uint32_t *guest = (uint32_t *)med_vgpu_ggtt_page(&w->sub->config.mem,
                                                     w->lrca + LRC_STATE_OFFSET);

    if (!guest) {
        return;     /* the guest unmapped its own image meanwhile: its loss */
    }
    __atomic_store_n(&guest[CTX_RING_HEAD_DW], head, __ATOMIC_RELEASE);
    if (!saved) {
        return;     /* nothing ran (head == tail), or the engine was reset: no saved state */
    }
    shadow = (const uint32_t *)((uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    guest[CTX_TIMESTAMP_DW] = shadow[CTX_TIMESTAMP_DW];
    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        const struct gen9_lrc_block *block = &gen9_lrc_layouts[w->engine].block[b];

        for (unsigned i = 0; block->engine_state && i < block->count; i++) {
            unsigned dw = gen9_lrc_value_dw(block, i);

            guest[dw] = shadow[dw];
        }
    }
}

/*
 * @w was shadowed from the guest's image before @prev, the element before
 * it in the same guest context, had run and been written back
 * (med_wl_context_write_back()): its engine state is the image's from
 * before @prev.  On hardware the two are one context (i915 writes the
 * ELSP while it runs: a lite restore), and @w starts with the registers
 * @prev left, a GPR it loaded say.  So before @w's first run its engine
 * state blocks take the values the engine saved into @prev's shadow: the
 * engine's own for this guest context, what the guest's image holds once
 * written back and what a shadow built then would take.  The stop stays
 * the mediator's.
 */
void med_wl_context_carry(struct vgpu_workload *w, const struct vgpu_workload *prev)
{
    uint32_t *state = (uint32_t *)((uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    const uint32_t *saved = (const uint32_t *)((const uint8_t *)prev->mem.map + LRC_STATE_OFFSET);

    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        const struct gen9_lrc_block *block = &gen9_lrc_layouts[w->engine].block[b];

        for (unsigned i = 0; block->engine_state && i < block->count; i++) {
            unsigned dw = gen9_lrc_value_dw(block, i);

            state[dw] = saved[dw];
        }
    }
    med_wl_context_clear_stop(state);
}
