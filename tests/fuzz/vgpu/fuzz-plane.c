/*
 * Fuzz the scan-out decoder (vgpu/plane.h) with arbitrary pipe, plane and
 * cursor registers and GGTT entries around the surface, then copy what it
 * accepted: every page it lists must be guest RAM, and the copy must stay
 * inside the pages and the destination.
 * Input: struct plane_input, then records of {u32 entry, u64 pte}, entry
 * counted from the surface's first page.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mediator/types.h"
#include "tests/fuzz/reach.h"
#include "vgpu/plane.h"
#include "vgpu/regs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BYTES       (1ull << 30)
#define RAM_PAGES_KEPT  64              /* guest pages alias onto these */
#define COPY_MAX_BYTES  (4u << 20)      /* larger pictures are decoded, not copied */

struct plane_input {
    uint8_t pipe;
    uint32_t transconf, pipesrc, ctl, stride, pos, size, offset, surf;
    uint32_t curcntr, curbase, curpos;
} __attribute__((packed));

struct ggtt_record {
    uint32_t entry;
    uint64_t pte;
} __attribute__((packed));

static uint8_t guest_ram[RAM_PAGES_KEPT][GEN9_FB_PAGE_SIZE];
static uint64_t ggtt_table[VGPU_GGTT_SIZE / 8];
static const uint8_t *pages[(size_t)GEN9_FB_MAX_STRIDE * 2 * GEN9_FB_MAX_HEIGHT /
                           GEN9_FB_PAGE_SIZE + 1];
static uint8_t picture[COPY_MAX_BYTES];

/* The decoder's verdicts (reach.h). */
static struct {
    uint64_t planes, refused, cursors, copies;
} reached;

static void ignore_msi(void *opaque)
{
}

static void ignore_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
}

static void ggtt_write(void *opaque, uint32_t index, uint64_t pte)
{
    ggtt_table[index] = pte;
}

static bool ignore_ppgtt(void *opaque, bool create, uint64_t root)
{
    return true;
}

static bool ignore_submit(void *opaque, enum gen9_engine engine, uint64_t d0, uint32_t t0,
                          uint64_t d1, uint32_t t1)
{
    return true;
}

static void ignore_reset(void *opaque, uint32_t mask)
{
}

static void zero_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    memset(buf, 0, len);
}

static const struct vgpu_ops fuzz_ops = { .raise_msi = ignore_msi, .write_guest = ignore_write,
                                          .read_guest = zero_read };
static const struct vgpu_mediator_ops fuzz_mediator_ops = {
    .ggtt_write = ggtt_write, .ppgtt_notify = ignore_ppgtt, .submit = ignore_submit,
    .reset_engines = ignore_reset,
};

static void wr(struct vgpu *vgpu, uint32_t offset, uint32_t value)
{
    vgpu_bar0_write(vgpu, offset, value, 4);
}

/* What the display does with an accepted plane: map its pages, copy it. */
static void use(struct vgpu *vgpu, struct gen9_fb *fb)
{
    for (size_t i = 0; i < fb->page_count; i++) {
        if (fb->page_addr[i] % GEN9_FB_PAGE_SIZE || fb->page_addr[i] >= RAM_BYTES) {
            abort();        /* the decoder let a page through that is not RAM */
        }
        pages[i] = guest_ram[fb->page_addr[i] / GEN9_FB_PAGE_SIZE % RAM_PAGES_KEPT];
    }
    if ((uint64_t)fb->width * fb->height * fb->cpp <= COPY_MAX_BYTES) {
        gen9_fb_copy(fb, pages, picture, (size_t)fb->width * fb->cpp, NULL, NULL);
        reached.copies++;
    }
    if (fb->page_count) {
        vgpu_fb_refuse_page(vgpu, fb, fb->page_count - 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vgpu *vgpu;
    static struct gen9_fb fb;
    static struct gen9_cursor cursor;
    struct plane_input in;
    struct ggtt_record g;
    uint32_t base;

    if (!vgpu) {
        struct vgpu_config config = {
            .name = "fuzz", .type = &med_vgpu_types[0].v,
            .host_aperture_size = VGPU_APERTURE_DEFAULT,
            .hidden_base = VGPU_APERTURE_DEFAULT, .ram_below_4g = RAM_BYTES,
            .ggtt = ggtt_table, .ops = &fuzz_ops, .mediator = &fuzz_mediator_ops,
        };
        vgpu = vgpu_create(&config);
        gen9_fb_init(&fb);
        gen9_fb_init(&cursor.fb);
    }
    if (size < sizeof(in)) {
        return 0;
    }
    memcpy(&in, data, sizeof(in));
    data += sizeof(in);
    size -= sizeof(in);
    vgpu_reset(vgpu);
    base = in.pipe % 3 * PIPE_STRIDE;
    wr(vgpu, TRANSCONF_A + base, in.transconf);
    wr(vgpu, PIPESRC_A + base, in.pipesrc);
    wr(vgpu, PLANE_CTL_1_A + base, in.ctl);
    wr(vgpu, PLANE_STRIDE_1_A + base, in.stride);
    wr(vgpu, PLANE_POS_1_A + base, in.pos);
    wr(vgpu, PLANE_SIZE_1_A + base, in.size);
    wr(vgpu, PLANE_OFFSET_1_A + base, in.offset);
    wr(vgpu, PLANE_SURF_1_A + base, in.surf);
    wr(vgpu, CURCNTR_A + base, in.curcntr);
    wr(vgpu, CURBASE_A + base, in.curbase);
    wr(vgpu, CURPOS_A + base, in.curpos);
    for (; size >= sizeof(g); data += sizeof(g), size -= sizeof(g)) {
        memcpy(&g, data, sizeof(g));
        vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET +
                        (uint64_t)((in.surf / GEN9_FB_PAGE_SIZE + g.entry) %
                                   (VGPU_GGTT_SIZE / 8)) * 8, g.pte, 8);
    }
    if (vgpu_plane_decode(vgpu, &fb) == GEN9_PLANE_OK) {
        reached.planes++;
        use(vgpu, &fb);
        if (vgpu_cursor_decode(vgpu, fb.pipe, &cursor) == GEN9_PLANE_OK) {
            reached.cursors++;
            use(vgpu, &cursor.fb);
        }
    } else {
        reached.refused++;
    }
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    report("vgpu_plane_decode: planes accepted", reached.planes);
    report("vgpu_plane_decode: planes refused", reached.refused);
    report("vgpu_cursor_decode: cursors accepted", reached.cursors);
    report("gen9_fb_copy: accepted pictures copied", reached.copies);
}
