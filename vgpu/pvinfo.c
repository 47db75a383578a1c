/*
 * pvinfo.c - the PVINFO page at BAR0 + 0x78000 (contract 2): what tells the
 * guest driver it runs on a vGPU, its graphics-memory partition and fence
 * count, and the guest's notifications back.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>

#include "vgpu/private.h"
#include "vgpu/regs.h"

/* Full PPGTT and HWSP emulation are mandatory for 6.1; no huge GTT pages. */
#define VGPU_CAPS (VGT_CAPS_FULL_PPGTT | VGT_CAPS_HWSP_EMULATION)

uint32_t vgpu_pvinfo_read(struct vgpu *vgpu, uint32_t offset)
{
    switch (offset) {
    case VGT_MAGIC_LO:
        return (uint32_t)VGT_MAGIC;
    case VGT_MAGIC_LO + 4:
        return VGT_MAGIC >> 32;
    case VGT_VERSION:
        return VGT_VERSION_MAJOR;           /* minor 0 in bits 31:16 */
    case VGT_CAPS:
        return VGPU_CAPS;
    /* The ballooning window: the guest reserves everything outside it. */
    case VGT_AVAIL_MAPPABLE_BASE:
        return vgpu->aperture_base;
    case VGT_AVAIL_MAPPABLE_SIZE:
        return vgpu->type.aperture_size;
    case VGT_AVAIL_HIDDEN_BASE:
        return vgpu->hidden_base;
    case VGT_AVAIL_HIDDEN_SIZE:
        return vgpu->type.hidden_size;
    case VGT_AVAIL_FENCE_NUM:
        return vgpu->type.fence_count;
    default:
        return 0;                           /* vgt_id 0 and reserved words */
    }
}

static uint64_t pvinfo_pdp0(const struct vgpu *vgpu)
{
    return vreg(vgpu, VGT_PDP) | (uint64_t)vreg(vgpu, VGT_PDP + 4) << 32;
}

/* Room for one more live root: the list doubles up to VGPU_PPGTT_ROOTS_MAX. */
static bool ppgtt_root_room(struct vgpu *vgpu)
{
    unsigned room = vgpu->ppgtt_root_room ? 2 * vgpu->ppgtt_root_room : 64;
    uint64_t *roots;

    if (vgpu->ppgtt_root_count < vgpu->ppgtt_root_room) {
        return true;
    }
    if (vgpu->ppgtt_root_room >= VGPU_PPGTT_ROOTS_MAX) {
        return false;
    }
    room = room < VGPU_PPGTT_ROOTS_MAX ? room : VGPU_PPGTT_ROOTS_MAX;
    roots = realloc(vgpu->ppgtt_roots, room * sizeof(*roots));
    if (!roots) {
        return false;
    }
    vgpu->ppgtt_roots = roots;
    vgpu->ppgtt_root_room = room;
    return true;
}

static bool ppgtt_root_remove(struct vgpu *vgpu, uint64_t root)
{
    for (unsigned i = 0; i < vgpu->ppgtt_root_count; i++) {
        if (vgpu->ppgtt_roots[i] == root) {
            vgpu->ppgtt_roots[i] = vgpu->ppgtt_roots[--vgpu->ppgtt_root_count];
            return true;
        }
    }
    return false;
}

/*
 * PPGTT notifications keep the set of live 4-level roots (PML4 addresses)
 * and pass them on to the mediator, which shadows them.  6.1 on SKL only
 * sends the 4-level codes.
 */
/* A root the mediator was not told is gone stays live there, counted
 * against the vGPU's PPGTT limit. */
static void announce_destroy(struct vgpu *vgpu, uint64_t root)
{
    if (!vgpu->mediator->ppgtt_notify(vgpu->mediator_opaque, false, root)) {
        vgpu_mediator_behind(vgpu, VGPU_BEHIND_PPGTT, "destroy of 0x%llx not announced: the "
                             "mediator keeps its shadow", (unsigned long long)root);
    }
}

void vgpu_pvinfo_g2v_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                           uint32_t written)
{
    uint64_t root = pvinfo_pdp0(vgpu);

    switch (written) {
    case VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE:
        if (root % VGPU_GGTT_PAGE_SIZE || !vgpu_gpa_page_in_ram(vgpu, root)) {
            vgpu->stats.bad_g2v_notify++;
            vgpu_guest_error(vgpu, "PPGTT root 0x%llx is not a page of guest RAM",
                             (unsigned long long)root);
            return;
        }
        if (!ppgtt_root_room(vgpu)) {
            vgpu->stats.bad_g2v_notify++;
            vgpu_guest_error(vgpu, "too many PPGTTs (%u live), root 0x%llx not tracked",
                             vgpu->ppgtt_root_count, (unsigned long long)root);
            return;
        }
        vgpu->stats.ppgtt_create++;
        if (!vgpu->mediator->ppgtt_notify(vgpu->mediator_opaque, true, root)) {
            vgpu_mediator_behind(vgpu, VGPU_BEHIND_PPGTT, "0x%llx not announced: work that "
                                 "uses it will hang", (unsigned long long)root);
            return;
        }
        vgpu->ppgtt_roots[vgpu->ppgtt_root_count++] = root;
        return;
    case VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY:
        if (!ppgtt_root_remove(vgpu, root)) {
            vgpu->stats.bad_g2v_notify++;
            vgpu_guest_error(vgpu, "destroy of unknown PPGTT root 0x%llx",
                             (unsigned long long)root);
            return;
        }
        vgpu->stats.ppgtt_destroy++;
        announce_destroy(vgpu, root);
        return;
    default:
        vgpu->stats.bad_g2v_notify++;
        vgpu_guest_error(vgpu, "unsupported g2v notification %u", written);
        return;
    }
}

/* A reset forgets every root: the mediator must drop its shadows too. */
void vgpu_pvinfo_reset(struct vgpu *vgpu)
{
    while (vgpu->ppgtt_root_count) {
        announce_destroy(vgpu, vgpu->ppgtt_roots[--vgpu->ppgtt_root_count]);
    }
}
