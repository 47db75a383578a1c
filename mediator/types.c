/*
 * types.c - the vGPU types the mediator offers (types.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/types.h"

#include <string.h>

#define MiB (1ull << 20)

/*
 * Named by how many fit in a 256 MiB aperture.  The hidden part and the
 * fence count grow with the aperture share, the same progression GVT-g
 * offers on Skylake, and so does the weight.
 */
const struct med_vgpu_type med_vgpu_types[] = {
    /* The smallest: 32 of them share a 256 MiB aperture (GVT-g stops at 7). */
    { .v = { .name = "gpumed-32", .aperture_size = 8 * MiB, .hidden_size = 64 * MiB,
             .fence_count = 1, .width = 1024, .height = 768 }, .weight = 1, .cap_percent = 100 },
    { .v = { .name = "gpumed-8", .aperture_size = 32 * MiB, .hidden_size = 256 * MiB,
             .fence_count = 4, .width = 1024, .height = 768 }, .weight = 2, .cap_percent = 100 },
    { .v = { .name = "gpumed-4", .aperture_size = 64 * MiB, .hidden_size = 512 * MiB,
             .fence_count = 4, .width = 1920, .height = 1200 }, .weight = 4, .cap_percent = 100 },
    { .v = { .name = "gpumed-2", .aperture_size = 128 * MiB, .hidden_size = 1024 * MiB,
             .fence_count = 8, .width = 1920, .height = 1200 }, .weight = 8, .cap_percent = 100 },
    { .v = { .name = "gpumed-1", .aperture_size = 256 * MiB, .hidden_size = 2048 * MiB,
             .fence_count = 16, .width = 1920, .height = 1200 }, .weight = 16,
      .cap_percent = 100 },
};
const size_t med_vgpu_type_count = sizeof(med_vgpu_types) / sizeof(med_vgpu_types[0]);

const struct med_vgpu_type *med_vgpu_type_find(const char *name)
{
    for (size_t i = 0; i < med_vgpu_type_count; i++) {
        if (!strcmp(med_vgpu_types[i].v.name, name)) {
            return &med_vgpu_types[i];
        }
    }
    return NULL;
}
