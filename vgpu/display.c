/*
 * display.c - the Gen9 display (gen9/display.h) on the vGPU's register
 * file: its register accesses go to the dirty-tracked storage, its events
 * into the vGPU's interrupt tree, its counts into the vGPU's statistics.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/plane.h"
#include "vgpu/private.h"

_Static_assert(IRQ_DE_PIPE_A + GEN9_DISPLAY_IRQ_PIPE_B == IRQ_DE_PIPE_B &&
               IRQ_DE_PIPE_A + GEN9_DISPLAY_IRQ_PIPE_C == IRQ_DE_PIPE_C &&
               IRQ_DE_PIPE_A + GEN9_DISPLAY_IRQ_PORT == IRQ_DE_PORT &&
               IRQ_DE_PIPE_A + GEN9_DISPLAY_IRQ_MISC == IRQ_DE_MISC &&
               IRQ_DE_PIPE_A + GEN9_DISPLAY_IRQ_PCU == IRQ_PCU &&
               IRQ_DE_PIPE_A + GEN9_DISPLAY_IRQ_PCH == IRQ_PCH,
               "the vGPU's display banks follow the display's order");

static uint32_t display_load(void *opaque, uint32_t offset)
{
    return vreg(opaque, offset);
}

static void display_store(void *opaque, uint32_t offset, uint32_t value)
{
    vgpu_reg_set(opaque, offset, value);
}

static void display_irq_raise(void *opaque, enum gen9_display_irq set, uint32_t bits)
{
    vgpu_irq_raise(opaque, IRQ_DE_PIPE_A + set, bits);
}

static void display_count(void *opaque, enum gen9_display_event event)
{
    struct vgpu *vgpu = opaque;

    switch (event) {
    case GEN9_DISPLAY_VBLANK:
        vgpu->stats.vblanks++;
        break;
    case GEN9_DISPLAY_PCODE_UNKNOWN:
        vgpu->stats.pcode_unknown++;
        break;
    case GEN9_DISPLAY_PLANE_REJECTED:
        vgpu->stats.plane_rejected++;
        break;
    case GEN9_DISPLAY_CURSOR_REJECTED:
        vgpu->stats.cursor_rejected++;
        break;
    }
}

static void display_guest_error(void *opaque, const char *message)
{
    vgpu_guest_error(opaque, "%s", message);
}

/* The scan-out reaches only the vGPU's partition, present entries, guest RAM. */
static bool display_translate(void *opaque, uint64_t gma, uint64_t *addr)
{
    return vgpu_ggtt_translate(opaque, gma, addr);
}

/* Only the guest's GGTT writes (and a reset) change what translate answers:
 * the partition and the RAM sizes are fixed at creation. */
static uint64_t display_translation_epoch(void *opaque)
{
    const struct vgpu *vgpu = opaque;

    return vgpu->ggtt_epoch;
}

static const struct gen9_display_ops display_ops = {
    .load = display_load,
    .store = display_store,
    .irq_raise = display_irq_raise,
    .count = display_count,
    .guest_error = display_guest_error,
    .translate = display_translate,
    .translation_epoch = display_translation_epoch,
};

void vgpu_display_init(struct vgpu *vgpu)
{
    gen9_display_init(&vgpu->display, &display_ops, vgpu, vgpu->type.width,
                      vgpu->type.height);
}

void vgpu_display_reset(struct vgpu *vgpu)
{
    gen9_display_reset(&vgpu->display);
}

void vgpu_display_vblank(struct vgpu *vgpu)
{
    gen9_display_vblank(&vgpu->display);
}

void vgpu_display_hotplug(struct vgpu *vgpu, bool connected)
{
    gen9_display_hotplug(&vgpu->display, connected);
}

enum gen9_plane_status vgpu_plane_decode(struct vgpu *vgpu, struct gen9_fb *fb)
{
    return gen9_plane_decode(&vgpu->display, fb);
}

enum gen9_plane_status vgpu_cursor_decode(struct vgpu *vgpu, unsigned pipe,
                                          struct gen9_cursor *cursor)
{
    return gen9_cursor_decode(&vgpu->display, pipe, cursor);
}

void vgpu_fb_refuse_page(struct vgpu *vgpu, struct gen9_fb *fb, size_t page)
{
    gen9_fb_refuse_page(&vgpu->display, fb, page);
}

uint64_t vgpu_gpu_work_epoch(const struct vgpu *vgpu, bool *running)
{
    /* Dropped work may run until the mediator takes the reset; a mediator
     * that is gone never says what it still did. */
    *running = vgpu->reset_unconfirmed || vgpu->mediator_lost;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        *running |= vgpu->execlists[e].inflight_count != 0;
    }
    return vgpu->gpu_work_epoch;
}
