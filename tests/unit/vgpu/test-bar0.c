/*
 * BAR0 decode of the vGPU library: lifecycle, widths, bounds and hostile
 * accesses, reset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "tests/unit/vgpu/fixture.h"

#define UNTRACKED_OFFSET 0x8000     /* no register lives here */

static void test_create_rejects_bad_config(void **state)
{
    struct fixture *f = *state;
    static const uint64_t bad_apertures[] = {
        0, VGPU_APERTURE_MIN / 2, VGPU_APERTURE_MAX * 2, VGPU_APERTURE_DEFAULT + 4096,
    };
    struct vgpu_config config = fixture_config(f);
    struct wire_vgpu_type odd_type = *config.type;

    for (size_t i = 0; i < sizeof(bad_apertures) / sizeof(bad_apertures[0]); i++) {
        config.host_aperture_size = bad_apertures[i];
        errno = 0;
        assert_null(vgpu_create(&config));
        assert_int_equal(errno, EINVAL);
    }
    config = fixture_config(f);
    config.name = "";
    assert_null(vgpu_create(&config));
    config = fixture_config(f);
    config.aperture_base = VGPU_APERTURE_DEFAULT - 4096;    /* block overruns BAR2 */
    assert_null(vgpu_create(&config));
    config = fixture_config(f);
    config.hidden_base = 4096;                              /* hidden block in the aperture */
    assert_null(vgpu_create(&config));
    config = fixture_config(f);
    config.hidden_base = VGPU_GGTT_SPACE - 4096;            /* past the GGTT */
    assert_null(vgpu_create(&config));
    config = fixture_config(f);
    odd_type.aperture_size += 512;                          /* not page granular */
    config.type = &odd_type;
    assert_null(vgpu_create(&config));
    config = fixture_config(f);
    config.ops = NULL;
    assert_null(vgpu_create(&config));
    vgpu_destroy(NULL);
}

static void test_types_are_valid_and_found(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < med_vgpu_type_count; i++) {
        struct vgpu_config config = fixture_config(f);
        struct vgpu *vgpu;

        config.type = &med_vgpu_types[i].v;
        vgpu = vgpu_create(&config);
        assert_non_null(vgpu);
        assert_ptr_equal(med_vgpu_type_find(med_vgpu_types[i].v.name), &med_vgpu_types[i]);
        vgpu_destroy(vgpu);
    }
    assert_null(med_vgpu_type_find("no-such-type"));
}

static void test_register_storage_all_widths(void **state)
{
    struct vgpu *vgpu = ((struct fixture *)*state)->vgpu;

    vgpu_bar0_write(vgpu, UNTRACKED_OFFSET, 0x1122334455667788ull, 8);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET, 8), 0x1122334455667788ull);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET, 4), 0x55667788);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET + 4, 2), 0x3344);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET + 7, 1), 0x11);
    /* unaligned accesses are legal on the bus and must behave consistently */
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET + 3, 4), 0x22334455);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET + 5, 8), 0x112233);
    vgpu_bar0_write(vgpu, UNTRACKED_OFFSET + 1, 0xaabb, 2);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET, 4), 0x55aabb88);
    vgpu_bar0_write(vgpu, UNTRACKED_OFFSET + 6, 0xccddeeff, 4);
    assert_int_equal(vgpu_bar0_read(vgpu, UNTRACKED_OFFSET + 4, 8), 0xccddeeff3344ull);
    /* the very last dword of the window, at every width */
    vgpu_bar0_write(vgpu, VGPU_MMIO_SIZE - 8, ~0ull, 8);
    assert_int_equal(vgpu_bar0_read(vgpu, VGPU_MMIO_SIZE - 1, 1), 0xff);
    assert_int_equal(vgpu_get_stats(vgpu)->bad_mmio_access, 0);
}

static void test_hostile_accesses_are_counted(void **state)
{
    struct vgpu *vgpu = ((struct fixture *)*state)->vgpu;
    static const struct { uint64_t offset; unsigned size; } bad[] = {
        { 0x1000, 3 },                          /* odd size */
        { 0x1000, 16 },                         /* too wide */
        { 0x1000, 0 },
        { VGPU_MMIO_SIZE - 2, 4 },              /* straddles the register file end */
        { VGPU_MMIO_SIZE, 4 },                  /* hole between registers and GGTT */
        { VGPU_GGTT_OFFSET - 4, 8 },            /* straddles into the GGTT */
        { VGPU_BAR0_SIZE - 4, 8 },              /* past the BAR */
        { VGPU_BAR0_SIZE, 4 },
        { UINT64_MAX - 3, 8 },                  /* offset + size overflows */
    };
    size_t n = sizeof(bad) / sizeof(bad[0]);

    for (size_t i = 0; i < n; i++) {
        vgpu_bar0_write(vgpu, bad[i].offset, ~0ull, bad[i].size);
        assert_int_equal(vgpu_bar0_read(vgpu, bad[i].offset, bad[i].size), 0);
    }
    assert_int_equal(vgpu_get_stats(vgpu)->bad_mmio_access, 2 * n);
    /* nothing leaked into neighbouring storage */
    assert_int_equal(vgpu_bar0_read(vgpu, VGPU_MMIO_SIZE - 8, 8), 0);
    assert_int_equal(vgpu_bar0_read(vgpu, VGPU_GGTT_OFFSET, 8), 0);
}

static void test_reset_restores_power_on_state(void **state)
{
    struct fixture *f = *state;

    wr(f, UNTRACKED_OFFSET, 0xffffffff);
    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + 8, 0x1001, 8);
    wr(f, 0xc6204, 0);                          /* PCH_RAWCLK_FREQ, resets to 24 */
    vgpu_reset(f->vgpu);
    assert_int_equal(rd(f, UNTRACKED_OFFSET), 0);
    assert_int_equal(vgpu_bar0_read(f->vgpu, VGPU_GGTT_OFFSET + 8, 8), 0);
    assert_int_equal(rd(f, 0xc6204), 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_create_rejects_bad_config),
        FIXTURE_TEST(test_types_are_valid_and_found),
        FIXTURE_TEST(test_register_storage_all_widths),
        FIXTURE_TEST(test_hostile_accesses_are_counted),
        FIXTURE_TEST(test_reset_restores_power_on_state),
    };

    return cmocka_run_group_tests_name("vgpu-bar0", tests, NULL, NULL);
}
