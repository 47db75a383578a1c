/*
 * fixture.h - a vGPU of type gpumed-8 for unit tests, with its MSIs counted.
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
#include <cmocka.h>

#include "vgpu/vgpu.h"

#define FIXTURE_RAM_BELOW_4G    (1ull << 30)
#define FIXTURE_HIDDEN_BASE     VGPU_APERTURE_DEFAULT

struct fixture {
    struct vgpu *vgpu;
    unsigned msis;
};

static inline void fixture_raise_msi(void *opaque)
{
    ((struct fixture *)opaque)->msis++;
}

static const struct vgpu_ops fixture_ops = { .raise_msi = fixture_raise_msi };

/* The configuration every test starts from: the first vGPU of its type. */
static inline struct vgpu_config fixture_config(struct fixture *f)
{
    return (struct vgpu_config) {
        .name = "test",
        .type = vgpu_type_find("gpumed-8"),
        .host_aperture_size = VGPU_APERTURE_DEFAULT,
        .aperture_base = 0,
        .hidden_base = FIXTURE_HIDDEN_BASE,
        .ram_below_4g = FIXTURE_RAM_BELOW_4G,
        .ops = &fixture_ops,
        .opaque = f,
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
