/*
 * execlist.c - execlist submission as the guest's i915 drives it (contract
 * 6.2-6.4, 6.7): the 4-dword ELSP sequence, the active pair of each engine,
 * the context status buffer (MMIO and the guest's status page), the
 * context-switch interrupt, and engine reset.
 *
 * The mediator runs the elements and answers each with a completion.  What
 * the guest sees is derived from two lists per engine: the pair it promoted
 * to active (ports), and the elements the mediator still holds (inflight).
 * A lite restore or a preemption retires the old pair from the guest's view
 * at once; the mediator still finishes it, and that completion is consumed
 * silently.  A rejected or hung element, seen or not, never completes in the
 * guest's view: its engine stays busy, as a hung GPU would, until the guest's
 * i915 resets it (RING_RESET_CTL and GDRST).  An element the GPU stopped
 * (its hang detection, a fault) shows the GPU's error in the engine's
 * RING_EIR/ESR with the CS error interrupt, as the GPU shows it to a driver
 * of its own, and i915 resets the engine at once; a refused one waits for
 * i915's heartbeat.
 *
 * Hardware takes an ELSP write at its next arbitration point, and the guest
 * writes no other until it has seen that one promoted.  Likewise a pair
 * that would overfill what the mediator holds waits, unpromoted, until a
 * completion makes room: a fast guest is paced by the GPU, not refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"
#include "gen9/lrc.h"
#include "vgpu/regs.h"
#include "wire/protocol.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* RING_HWS_PGA: the graphics address of the guest's status page (contract 6.3). */
#define HWS_PGA_ADDR_MASK       0xfffff000u

/* The engine whose register block holds @offset (a per-engine row's). */
static enum gen9_engine engine_of(uint32_t offset)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (offset - gen9_engines[e].base < 0x1000) {
            return e;
        }
    }
    assert(!"per-engine register outside every engine block");
    return GEN9_RCS;
}

static uint32_t engine_reg(enum gen9_engine e, uint32_t reg)
{
    return gen9_engines[e].base + reg;
}

static void raise_engine_irq(struct vgpu *vgpu, enum gen9_engine e, uint32_t bits)
{
    vgpu_irq_raise(vgpu, IRQ_GT0 + gen9_engines[e].irq_bank, bits << gen9_engines[e].irq_shift);
}

/* Same context: same LRCA and the same ID the guest gave it (upper dword). */
static bool same_context(uint64_t a, uint64_t b)
{
    return (a & CTX_DESC_LRCA_MASK) == (b & CTX_DESC_LRCA_MASK) && a >> 32 == b >> 32;
}

/*
 * Append one status entry: into the MMIO copy and the guest's status page
 * (entry before write pointer, as the guest reads them), then the pointer.
 */
static void csb_write(struct vgpu *vgpu, enum gen9_engine e, uint32_t status,
                      uint64_t desc)
{
    uint32_t ptr = vreg(vgpu, engine_reg(e, RING_CONTEXT_STATUS_PTR));
    uint32_t last = ptr & CSB_WRITE_PTR_MASK;
    uint32_t next = last >= GEN8_CSB_ENTRIES ? 0 : (last + 1) % GEN8_CSB_ENTRIES;
    uint32_t ctx_id = desc >> 32;
    uint64_t entry = status | (uint64_t)ctx_id << 32;
    uint32_t hws = vreg(vgpu, engine_reg(e, RING_HWS_PGA)) & HWS_PGA_ADDR_MASK;
    uint64_t page;

    vgpu_reg_set(vgpu, engine_reg(e, RING_CONTEXT_STATUS_BUF_LO(next)), status);
    vgpu_reg_set(vgpu, engine_reg(e, RING_CONTEXT_STATUS_BUF_HI(next)), ctx_id);
    if (vgpu_ggtt_translate(vgpu, hws, &page)) {
        vgpu->ops->write_guest(vgpu->opaque, page + 4 * HWSP_CSB_DW + 8 * next,
                               &entry, sizeof(entry));
        vgpu->ops->write_guest(vgpu->opaque, page + 4 * HWSP_CSB_WRITE_PTR_DW,
                               &next, sizeof(next));
    } else {
        vgpu->stats.hwsp_unmapped++;
        vgpu_guest_error(vgpu, "%s status page 0x%x is not mapped guest RAM: "
                         "context status only in MMIO", gen9_engines[e].name, hws);
    }
    vgpu_reg_set(vgpu, engine_reg(e, RING_CONTEXT_STATUS_PTR),
                 (ptr & ~CSB_WRITE_PTR_MASK) | next);
    vgpu->stats.csb_events++;
}

/* The guest will never see the elements the mediator still holds complete. */
static void retire_inflight(struct vgpu_execlist *el)
{
    for (unsigned i = 0; i < el->inflight_count; i++) {
        el->inflight[i].visible = false;
    }
}

static void inflight_push(struct vgpu_execlist *el, uint64_t desc)
{
    el->inflight[el->inflight_count++] = (struct vgpu_inflight) { desc, true };
}

/*
 * The RING_TAIL of @desc's context image now: the engine samples it when it
 * takes the element at the ELSP write (a lite restore too), so requests the
 * guest queues after the write wait for its next one.  WIRE_NO_TAIL when
 * the image's state page is not mapped guest RAM; 0 for no element.
 */
static uint32_t element_tail(struct vgpu *vgpu, uint64_t desc)
{
    uint64_t page;
    uint32_t tail;

    if (!desc) {
        return 0;
    }
    if (!vgpu_ggtt_translate(vgpu, ((uint32_t)desc & CTX_DESC_LRCA_MASK) + LRC_STATE_OFFSET,
                             &page)) {
        return WIRE_NO_TAIL;
    }
    vgpu->ops->read_guest(vgpu->opaque, page + 4 * CTX_RING_TAIL_DW, &tail, sizeof(tail));
    return tail;
}

static void execlist_submit(struct vgpu *vgpu, enum gen9_engine e, uint64_t desc0,
                            uint32_t tail0, uint64_t desc1, uint32_t tail1)
{
    struct vgpu_execlist *el = &vgpu->execlists[e];

    if (!(desc0 & CTX_DESC_VALID)) {
        vgpu->stats.bad_elsp++;
        vgpu_guest_error(vgpu, "%s ELSP element 0 0x%llx is not valid, ignored",
                         gen9_engines[e].name, (unsigned long long)desc0);
        return;
    }
    if (!(desc1 & CTX_DESC_VALID)) {
        desc1 = 0;
    }
    /*
     * A hung engine takes no new work, as hardware stuck in a context; the
     * guest does this before it notices the hang, so it is no guest error.
     */
    if (el->hung) {
        vgpu->stats.elsp_while_hung++;
        return;
    }
    if (el->inflight_count + 2 > VGPU_INFLIGHT_MAX) {
        if (el->has_queued) {
            vgpu->stats.bad_elsp++;
            vgpu_guest_error(vgpu, "%s ELSP before the previous one was promoted, ignored",
                             gen9_engines[e].name);
            return;
        }
        el->queued[0] = desc0;
        el->queued[1] = desc1;
        el->queued_tail[0] = tail0;
        el->queued_tail[1] = tail1;
        el->has_queued = true;
        return;
    }
    vgpu->stats.elsp_submissions++;
    if (!el->ports[0]) {
        csb_write(vgpu, e, GEN8_CTX_STATUS_IDLE_ACTIVE, 0);
    } else if (same_context(el->ports[0], desc0)) {
        vgpu->stats.lite_restores++;
        csb_write(vgpu, e, GEN8_CTX_STATUS_PREEMPTED | GEN8_CTX_STATUS_LITE_RESTORE, el->ports[0]);
        retire_inflight(el);
    } else {
        vgpu->stats.preemptions++;
        csb_write(vgpu, e, GEN8_CTX_STATUS_PREEMPTED, el->ports[0]);
        retire_inflight(el);
    }
    el->ports[0] = desc0;
    el->ports[1] = desc1;
    raise_engine_irq(vgpu, e, GT_CONTEXT_SWITCH_INTERRUPT);
    if (vgpu->mediator_lost) {
        el->hung = true;
        return;
    }
    /* A pair the mediator cannot take is lost as work a GPU dropped: hung. */
    if (!vgpu->mediator->submit(vgpu->mediator_opaque, e, desc0, tail0, desc1, tail1)) {
        el->hung = true;
        vgpu_mediator_behind(vgpu, VGPU_BEHIND_ELSP, "%s ELSP 0x%llx not sent: the engine "
                             "hangs until the guest resets it", gen9_engines[e].name,
                             (unsigned long long)desc0);
        return;
    }
    if (vgpu->mediator_lost) {      /* the submit found it gone */
        return;
    }
    vgpu->gpu_work_epoch++;
    inflight_push(el, desc0);
    if (desc1) {
        inflight_push(el, desc1);
    }
}

/* ELSP takes 4 dwords: element 1 high, low, element 0 high, low (the trigger). */
void vgpu_elsp_write(struct vgpu *vgpu, uint32_t offset, uint32_t old, uint32_t written)
{
    enum gen9_engine e = engine_of(offset);
    struct vgpu_execlist *el = &vgpu->execlists[e];
    const uint32_t *dw = el->elsp_dwords;
    uint64_t desc0, desc1;

    el->elsp_dwords[el->elsp_count++] = written;
    if (el->elsp_count < 4) {
        return;
    }
    el->elsp_count = 0;
    desc0 = (uint64_t)dw[2] << 32 | dw[3];
    desc1 = (uint64_t)dw[0] << 32 | dw[1];
    execlist_submit(vgpu, e, desc0, element_tail(vgpu, desc0), desc1,
                    element_tail(vgpu, desc1));
}

/*
 * Element @desc failed (@event): the engine stays busy with no completion
 * and takes no new work, as hardware stuck in a context, until the guest
 * resets it.  Also when the guest no longer sees @desc (a lite restore gave
 * its context a new tail, or another context preempted it): the GPU never
 * got past it, and the mediator runs none of the engine's later work.
 * @engine_error, the GPU's RING_EIR when it stopped the element, is the
 * guest's error as the GPU raised it (gen9 stop_context_locked()): EIR and
 * ESR, and the CS error interrupt, on which i915 resets the engine.
 */
static void engine_hangs(struct vgpu *vgpu, enum gen9_engine engine, uint32_t event,
                         uint64_t desc, uint32_t engine_error)
{
    struct vgpu_execlist *el = &vgpu->execlists[engine];

    el->hung = true;
    retire_inflight(el);
    vgpu->stats.contexts_hung++;
    if (engine_error) {
        uint32_t eir = engine_reg(engine, RING_EIR), esr = engine_reg(engine, RING_ESR);

        vgpu->stats.engine_errors++;
        vgpu_reg_set(vgpu, eir, vreg(vgpu, eir) | engine_error);
        vgpu_reg_set(vgpu, esr, vreg(vgpu, esr) | engine_error);
        raise_engine_irq(vgpu, engine, GT_CS_MASTER_ERROR_INTERRUPT);
    }
    vgpu_guest_error(vgpu, "%s context 0x%llx was %s by the mediator: the engine "
                     "stays busy until the guest resets it", gen9_engines[engine].name,
                     (unsigned long long)desc,
                     event == WIRE_EVENT_REJECTED ? "rejected or stopped" : "preempted");
}

/* The guest sees element @desc, its port 0, complete. */
static void complete_visible(struct vgpu *vgpu, enum gen9_engine engine, uint64_t desc,
                             uint32_t ring_head, bool user_interrupt)
{
    struct vgpu_execlist *el = &vgpu->execlists[engine];

    assert(el->ports[0] == desc);
    vgpu_reg_set(vgpu, engine_reg(engine, RING_HEAD), ring_head);
    if (user_interrupt) {
        raise_engine_irq(vgpu, engine, GT_RENDER_USER_INTERRUPT);
    }
    if (el->ports[1]) {
        csb_write(vgpu, engine, GEN8_CTX_STATUS_ELEMENT_SWITCH | GEN8_CTX_STATUS_COMPLETE,
                  el->ports[0]);
        el->ports[0] = el->ports[1];
        el->ports[1] = 0;
    } else {
        csb_write(vgpu, engine, GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE,
                  el->ports[0]);
        el->ports[0] = 0;
    }
    raise_engine_irq(vgpu, engine, GT_CONTEXT_SWITCH_INTERRUPT);
}

void vgpu_execlist_complete(struct vgpu *vgpu, enum gen9_engine engine, uint32_t event,
                            uint64_t desc, uint32_t ring_head, bool user_interrupt,
                            uint32_t engine_error)
{
    struct vgpu_execlist *el;
    bool visible;

    if ((unsigned)engine >= GEN9_NUM_ENGINES) {
        fprintf(stderr, "gpumed: vgpu %s: completion for engine %u ignored\n",
                vgpu->name, engine);
        return;
    }
    el = &vgpu->execlists[engine];
    vgpu->gpu_work_epoch++;
    /* Work dropped by a reset is never completed: anything else is a mediator bug. */
    if (!el->inflight_count || el->inflight[0].desc != desc) {
        fprintf(stderr, "gpumed: vgpu %s: %s completion of 0x%llx that is not the "
                "oldest element running, ignored\n", vgpu->name,
                gen9_engines[engine].name, (unsigned long long)desc);
        return;
    }
    /* Work submitted after a reset completed: the mediator has dropped the old. */
    vgpu->reset_unconfirmed = false;
    visible = el->inflight[0].visible;
    memmove(&el->inflight[0], &el->inflight[1],
            --el->inflight_count * sizeof(el->inflight[0]));
    if (event != WIRE_EVENT_DONE) {
        if (!el->hung) {
            engine_hangs(vgpu, engine, event, desc, engine_error);
        }
    } else if (visible) {
        complete_visible(vgpu, engine, desc, ring_head, user_interrupt);
    }
    if (el->has_queued && el->inflight_count + 2 <= VGPU_INFLIGHT_MAX) {
        el->has_queued = false;
        execlist_submit(vgpu, engine, el->queued[0], el->queued_tail[0], el->queued[1],
                        el->queued_tail[1]);
    }
}

/* Done at once, as the guest sees it: the mediator drops the engines' work
 * when it gets to it, and no completion of that work reaches us again. */
void vgpu_execlist_reset(struct vgpu *vgpu, uint32_t mask)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (mask & 1u << e) {
            /* Work dropped here may still run until the mediator takes the reset. */
            vgpu->reset_unconfirmed |= vgpu->execlists[e].inflight_count != 0;
            memset(&vgpu->execlists[e], 0, sizeof(vgpu->execlists[e]));
            /* The reset clears the engine's error state, as the GPU's does. */
            vgpu_reg_set(vgpu, engine_reg(e, RING_EIR), 0);
            vgpu_reg_set(vgpu, engine_reg(e, RING_ESR), 0);
        }
    }
    vgpu->gpu_work_epoch++;
    if (!vgpu->mediator_lost) {
        vgpu->mediator->reset_engines(vgpu->mediator_opaque, mask);
    }
}

void vgpu_mediator_lost(struct vgpu *vgpu)
{
    vgpu->mediator_lost = true;
    vgpu->gpu_work_epoch++;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        struct vgpu_execlist *el = &vgpu->execlists[e];

        el->hung = el->ports[0] != 0;
        el->inflight_count = 0;
    }
}

uint32_t vgpu_execlist_status_read(struct vgpu *vgpu, uint32_t offset)
{
    enum gen9_engine e = engine_of(offset);
    const struct vgpu_execlist *el = &vgpu->execlists[e];
    uint32_t lo = 0;

    if (offset != engine_reg(e, RING_EXECLIST_STATUS_LO)) {
        return el->ports[0] >> 32;          /* the running context's ID */
    }
    if (el->ports[0]) {
        lo |= EXECLIST_STATUS_0_VALID | EXECLIST_STATUS_0_ACTIVE;
    }
    if (el->ports[1]) {
        lo |= EXECLIST_STATUS_1_VALID;
    }
    return lo;
}

/* Idle when nothing runs, or at once when the guest stops the ring. */
uint32_t vgpu_mi_mode_read(struct vgpu *vgpu, uint32_t offset)
{
    uint32_t v = vreg(vgpu, offset);

    if (!vgpu->execlists[engine_of(offset)].ports[0] || (v & STOP_RING)) {
        v |= MODE_IDLE;
    }
    return v;
}
