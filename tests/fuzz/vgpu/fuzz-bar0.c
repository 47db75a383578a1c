/*
 * Fuzz the vGPU's guest interface with arbitrary sequences of BAR0
 * accesses (registers and GGTT), aperture translations, vblank ticks,
 * monitor hotplugs and resets.
 * Input: records of {u8 kind, u8 size, u32 offset, u64 value}.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vgpu/vgpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum access_kind { READ, WRITE, RESET, VBLANK, APERTURE, HOTPLUG, KIND_COUNT };

struct access_record {
    uint8_t kind;       /* enum access_kind, modulo KIND_COUNT */
    uint8_t size;
    uint32_t offset;    /* spans BAR0 and beyond */
    uint64_t value;
} __attribute__((packed));

static void count_msi(void *opaque)
{
    (*(unsigned *)opaque)++;
}

static const struct vgpu_ops fuzz_ops = { .raise_msi = count_msi };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vgpu *vgpu;
    static unsigned msis;
    struct access_record r;
    uint64_t gpa;

    if (!vgpu) {
        struct vgpu_config config = {
            .name = "fuzz", .type = &vgpu_types[0],
            .host_aperture_size = VGPU_APERTURE_DEFAULT,
            .hidden_base = VGPU_APERTURE_DEFAULT, .ram_below_4g = 1ull << 30,
            .ops = &fuzz_ops, .opaque = &msis,
        };
        vgpu = vgpu_create(&config);
    }
    vgpu_reset(vgpu);
    for (; size >= sizeof(r); data += sizeof(r), size -= sizeof(r)) {
        memcpy(&r, data, sizeof(r));
        switch (r.kind % KIND_COUNT) {
        case READ:
            vgpu_bar0_read(vgpu, r.offset, r.size);
            break;
        case WRITE:
            vgpu_bar0_write(vgpu, r.offset, r.value, r.size);
            break;
        case RESET:
            vgpu_reset(vgpu);
            break;
        case VBLANK:
            vgpu_display_vblank(vgpu);
            break;
        case APERTURE:
            vgpu_aperture_translate(vgpu, r.value, &gpa);
            break;
        case HOTPLUG:
            vgpu_display_hotplug(vgpu, r.value & 1);
            break;
        }
    }
    return 0;
}
