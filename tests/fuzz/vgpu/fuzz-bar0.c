/*
 * Fuzz the vGPU's guest interface with arbitrary sequences of BAR0
 * accesses (registers and GGTT), aperture translations, vblank ticks,
 * monitor hotplugs, resets and the mediator's completions (of the element
 * the engine submitted last, or of any descriptor).
 * Input: records of {u8 kind, u8 size, u32 offset, u64 value}.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mediator/types.h"
#include "tests/fuzz/reach.h"
#include "vgpu/vgpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum access_kind { READ, WRITE, RESET, VBLANK, APERTURE, HOTPLUG, COMPLETE, KIND_COUNT };

struct access_record {
    uint8_t kind;       /* enum access_kind, modulo KIND_COUNT */
    uint8_t size;
    uint32_t offset;    /* spans BAR0 and beyond */
    uint64_t value;
} __attribute__((packed));

/* What the library did, seen through its callbacks (reach.h). */
static struct {
    uint64_t msis, status_writes, ggtt_writes, ppgtt_notifies, submits, refused, resets,
             translated;
} reached;

static void count_msi(void *opaque)
{
    reached.msis++;
}

static uint8_t guest_ram[1u << 30 >> 12][64];     /* only the first bytes of each page */
static uint64_t last_submitted[GEN9_NUM_ENGINES];
static uint64_t ggtt_table[VGPU_GGTT_SIZE / 8];

/* The status page is the only guest RAM the library writes: keep what fits. */
static void write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    uint64_t offset = gpa % 4096;

    reached.status_writes++;
    if (offset + len <= sizeof(guest_ram[0])) {
        memcpy(&guest_ram[gpa / 4096][offset], buf, len);
    }
}

/* Context images' tails at ELSP writes: what the status page writes left, else zeros. */
static void read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    uint64_t offset = gpa % 4096;

    memset(buf, 0, len);
    if (offset + len <= sizeof(guest_ram[0])) {
        memcpy(buf, &guest_ram[gpa / 4096][offset], len);
    }
}

static void ggtt_write(void *opaque, uint32_t index, uint64_t pte)
{
    reached.ggtt_writes++;
    ggtt_table[index] = pte;
}

/* The fake mediator has no room for descriptors with bit 6 set and for
 * roots with bit 14 set, so that inputs reach the paths of a full queue too. */
#define BEHIND_DESC_BIT     (1u << 6)
#define BEHIND_ROOT_BIT     (1u << 14)

static bool ppgtt_notify(void *opaque, bool create, uint64_t root)
{
    reached.ppgtt_notifies++;
    if (root & BEHIND_ROOT_BIT) {
        reached.refused++;
        return false;
    }
    return true;
}

static bool submit(void *opaque, enum gen9_engine engine, uint64_t desc0, uint32_t tail0,
                   uint64_t desc1, uint32_t tail1)
{
    reached.submits++;
    if (desc0 & BEHIND_DESC_BIT) {
        reached.refused++;
        return false;
    }
    last_submitted[engine] = desc0;
    return true;
}

static void reset_engines(void *opaque, uint32_t mask)
{
    reached.resets++;
}

static const struct vgpu_ops fuzz_ops = { .raise_msi = count_msi, .write_guest = write_guest,
                                          .read_guest = read_guest };
static const struct vgpu_mediator_ops fuzz_mediator_ops = {
    .ggtt_write = ggtt_write, .ppgtt_notify = ppgtt_notify, .submit = submit,
    .reset_engines = reset_engines,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vgpu *vgpu;
    struct access_record r;
    uint64_t gpa;

    if (!vgpu) {
        struct vgpu_config config = {
            .name = "fuzz", .type = &med_vgpu_types[0].v,
            .host_aperture_size = VGPU_APERTURE_DEFAULT,
            .hidden_base = VGPU_APERTURE_DEFAULT, .ram_below_4g = 1ull << 30,
            .ggtt = ggtt_table, .ops = &fuzz_ops,
            .mediator = &fuzz_mediator_ops,
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
            reached.translated += vgpu_aperture_translate(vgpu, r.value, &gpa);
            break;
        case HOTPLUG:
            vgpu_display_hotplug(vgpu, r.value & 1);
            break;
        case COMPLETE: {
            unsigned engine = r.offset % (GEN9_NUM_ENGINES + 1);
            uint64_t desc = engine < GEN9_NUM_ENGINES && (r.offset & 0x100) ?
                            last_submitted[engine] : r.value;

            /* Any event, with or without a GPU error of any value. */
            vgpu_execlist_complete(vgpu, engine, r.size % 4, desc, r.offset >> 16,
                                   r.size & 4, r.size & 8 ? (uint32_t)(r.value >> 32) : 0);
            break;
        }
        }
    }
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    report("GGTT entries written through BAR0, relayed to the mediator", reached.ggtt_writes);
    report("PVINFO: PPGTT notifications relayed", reached.ppgtt_notifies);
    report("the execlist: ELSP submissions relayed", reached.submits);
    report("a mediator without room: ELSPs and notifications refused", reached.refused);
    report("the execlist: completions written to the status page", reached.status_writes);
    report("engine resets relayed", reached.resets);
    report("interrupts (vblank, hotplug, completions): MSIs raised", reached.msis);
    report("aperture translations to guest RAM", reached.translated);
}
