/*
 * vgpu-type.h - the wire form of a vGPU type: what QEMU's vgpu library
 * and the mediator's table of types (mediator/types.h) both describe.  The
 * mediator owns the named types; QEMU fills this from its CREATE_REPLY.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_WIRE_VGPU_TYPE_H
#define GPUMED_WIRE_VGPU_TYPE_H

#include <stdint.h>

/*
 * A vGPU type: the share of the physical GPU one VM gets.  The graphics
 * memory partition is two contiguous blocks of the host GGTT: one inside
 * the aperture (CPU-visible through BAR2) and one above it ("hidden").
 */
struct wire_vgpu_type {
    const char *name;
    uint64_t aperture_size;     /* bytes of GGTT inside the aperture */
    uint64_t hidden_size;       /* bytes of GGTT above the aperture */
    unsigned fence_count;       /* fence registers the guest may use */
    unsigned width, height;     /* the virtual monitor's native mode (a caller may
                                   override it in its copy, within VGPU_MONITOR_*) */
};

#endif /* GPUMED_WIRE_VGPU_TYPE_H */
