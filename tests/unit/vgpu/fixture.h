/*
 * fixture.h - a vGPU of type gpumed-8 for unit tests, with its MSIs counted,
 * guest RAM writes and mediator calls recorded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TEST_VGPU_FIXTURE_H
#define GPUMED_TEST_VGPU_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediator/types.h"     /* the types vGPUs come in */
#include "vgpu/vgpu.h"

#define FIXTURE_RAM_BELOW_4G    (1ull << 30)
#define FIXTURE_HIDDEN_BASE     VGPU_APERTURE_DEFAULT

#define FIXTURE_RAM_PAGES       16      /* guest RAM the fixture keeps: the first pages */

struct fixture {
    struct vgpu *vgpu;
    unsigned msis;
    uint8_t ram[FIXTURE_RAM_PAGES * 4096];
    uint64_t ggtt[VGPU_GGTT_SIZE / 8];  /* the table shared with the "mediator" */
    unsigned ggtt_writes;
    unsigned ppgtt_creates, ppgtt_destroys;
    uint64_t last_root;
    unsigned submits;
    enum gen9_engine last_engine;
    uint64_t last_desc[2];
    uint32_t last_tail[2];
    unsigned resets;
    uint32_t last_reset_mask;
    bool mediator_behind;       /* submit and ppgtt_notify find no room */
};

static inline void fixture_raise_msi(void *opaque)
{
    ((struct fixture *)opaque)->msis++;
}

static inline void fixture_write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    struct fixture *f = opaque;

    assert_true(gpa + len <= sizeof(f->ram));
    memcpy(f->ram + gpa, buf, len);
}

/* Guest RAM past the pages the fixture keeps reads as zeros. */
static inline void fixture_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct fixture *f = opaque;

    memset(buf, 0, len);
    if (gpa + len <= sizeof(f->ram)) {
        memcpy(buf, f->ram + gpa, len);
    }
}

static inline void fixture_ggtt_write(void *opaque, uint32_t index, uint64_t pte)
{
    struct fixture *f = opaque;

    f->ggtt[index] = pte;
    f->ggtt_writes++;
}

static inline bool fixture_ppgtt_notify(void *opaque, bool create, uint64_t root)
{
    struct fixture *f = opaque;

    if (f->mediator_behind) {
        return false;
    }
    if (create) {
        f->ppgtt_creates++;
    } else {
        f->ppgtt_destroys++;
    }
    f->last_root = root;
    return true;
}

static inline bool fixture_submit(void *opaque, enum gen9_engine engine, uint64_t desc0,
                                  uint32_t tail0, uint64_t desc1, uint32_t tail1)
{
    struct fixture *f = opaque;

    if (f->mediator_behind) {
        return false;
    }
    f->submits++;
    f->last_engine = engine;
    f->last_desc[0] = desc0;
    f->last_desc[1] = desc1;
    f->last_tail[0] = tail0;
    f->last_tail[1] = tail1;
    return true;
}

static inline void fixture_reset_engines(void *opaque, uint32_t mask)
{
    struct fixture *f = opaque;

    f->resets++;
    f->last_reset_mask = mask;
}

static const struct vgpu_ops fixture_ops = {
    .raise_msi = fixture_raise_msi, .write_guest = fixture_write_guest,
    .read_guest = fixture_read_guest,
};
static const struct vgpu_mediator_ops fixture_mediator_ops = {
    .ggtt_write = fixture_ggtt_write, .ppgtt_notify = fixture_ppgtt_notify,
    .submit = fixture_submit, .reset_engines = fixture_reset_engines,
};

/* The configuration every test starts from: the first vGPU of its type. */
static inline struct vgpu_config fixture_config(struct fixture *f)
{
    return (struct vgpu_config) {
        .name = "test",
        .type = &med_vgpu_type_find("gpumed-8")->v,
        .host_aperture_size = VGPU_APERTURE_DEFAULT,
        .aperture_base = 0,
        .hidden_base = FIXTURE_HIDDEN_BASE,
        .ram_below_4g = FIXTURE_RAM_BELOW_4G,
        .ggtt = f->ggtt,
        .ops = &fixture_ops,
        .opaque = f,
        .mediator = &fixture_mediator_ops,
        .mediator_opaque = f,
    };
}

static inline int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct vgpu_config config;

    if (!f) {
        return -1;
    }
    config = fixture_config(f);
    f->vgpu = vgpu_create(&config);
    *state = f;
    return f->vgpu ? 0 : -1;
}

static inline int fixture_teardown(void **state)
{
    struct fixture *f = *state;

    vgpu_destroy(f->vgpu);
    free(f);
    return 0;
}

static inline uint32_t rd(struct fixture *f, uint32_t offset)
{
    return vgpu_bar0_read(f->vgpu, offset, 4);
}

static inline void wr(struct fixture *f, uint32_t offset, uint32_t value)
{
    vgpu_bar0_write(f->vgpu, offset, value, 4);
}

#define MASKED_ENABLE(bits)     (((bits) << 16) | (bits))
#define MASKED_DISABLE(bits)    ((bits) << 16)

#define FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

#endif /* GPUMED_TEST_VGPU_FIXTURE_H */
