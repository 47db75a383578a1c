/*
 * Fuzz the vGPU's BAR0 decode with arbitrary access sequences.
 * Input: records of {u8 kind, u8 size, u32 offset, u64 value}.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vgpu/vgpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct access_record {
    uint8_t kind;       /* bit 0: write; bit 1: device reset */
    uint8_t size;
    uint32_t offset;    /* spans BAR0 and beyond */
    uint64_t value;
} __attribute__((packed));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vgpu *vgpu;
    struct access_record r;

    if (!vgpu) {
        struct vgpu_config config = {
            .name = "fuzz", .aperture_size = VGPU_APERTURE_DEFAULT,
        };
        vgpu = vgpu_create(&config);
    }
    vgpu_reset(vgpu);
    for (; size >= sizeof(r); data += sizeof(r), size -= sizeof(r)) {
        memcpy(&r, data, sizeof(r));
        if (r.kind & 2) {
            vgpu_reset(vgpu);
        } else if (r.kind & 1) {
            vgpu_bar0_write(vgpu, r.offset, r.value, r.size);
        } else {
            vgpu_bar0_read(vgpu, r.offset, r.size);
        }
    }
    return 0;
}
