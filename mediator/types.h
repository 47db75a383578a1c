/*
 * types.h - the vGPU types the mediator offers (docs/vgpu.md, "vGPU
 * types"): the mediator owns them; QEMU learns its vGPU's from
 * CREATE_REPLY (partition, monitor mode), so a new type needs no QEMU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_TYPES_H
#define GPUMED_MEDIATOR_TYPES_H

#include <stddef.h>

#include "wire/vgpu-type.h"

struct med_vgpu_type {
    struct wire_vgpu_type v;    /* name, partition sizes, fences, monitor mode */
    unsigned weight;            /* default scheduling share (1..100) */
    unsigned cap_percent;       /* default cap (1..100; 100: none) */
};

/* The types offered, the first the default; a lookup by name (NULL if unknown). */
extern const struct med_vgpu_type med_vgpu_types[];
extern const size_t med_vgpu_type_count;
const struct med_vgpu_type *med_vgpu_type_find(const char *name);

#endif /* GPUMED_MEDIATOR_TYPES_H */
