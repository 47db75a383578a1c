/*
 * BAR0 decode of the vGPU library: storage, bounds and hostile accesses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vgpu/vgpu.h"

static int setup(void **state)
{
    struct vgpu_config config = {
        .name = "test",
        .aperture_size = VGPU_APERTURE_DEFAULT,
    };

    *state = vgpu_create(&config);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    vgpu_destroy(*state);
    return 0;
}

static void test_create_rejects_bad_config(void **state)
{
    static const uint64_t bad_apertures[] = {
        0, VGPU_APERTURE_MIN / 2, VGPU_APERTURE_MAX * 2, VGPU_APERTURE_DEFAULT + 4096,
    };
    struct vgpu_config config = { .name = "bad" };

    for (size_t i = 0; i < sizeof(bad_apertures) / sizeof(bad_apertures[0]); i++) {
        config.aperture_size = bad_apertures[i];
        errno = 0;
        assert_null(vgpu_create(&config));
        assert_int_equal(errno, EINVAL);
    }
    config.aperture_size = VGPU_APERTURE_DEFAULT;
    config.name = "";
    assert_null(vgpu_create(&config));
    vgpu_destroy(NULL);
    (void)state;
}

static void test_register_storage_all_widths(void **state)
{
    struct vgpu *vgpu = *state;

    vgpu_bar0_write(vgpu, 0x2000, 0x1122334455667788ull, 8);
    assert_int_equal(vgpu_bar0_read(vgpu, 0x2000, 8), 0x1122334455667788ull);
    assert_int_equal(vgpu_bar0_read(vgpu, 0x2000, 4), 0x55667788);
    assert_int_equal(vgpu_bar0_read(vgpu, 0x2004, 2), 0x3344);
    assert_int_equal(vgpu_bar0_read(vgpu, 0x2007, 1), 0x11);
    /* unaligned accesses are legal on the bus and must behave consistently */
    assert_int_equal(vgpu_bar0_read(vgpu, 0x2003, 4), 0x22334455);
    assert_int_equal(vgpu_get_stats(vgpu)->bad_mmio_access, 0);
}

static void test_ggtt_storage(void **state)
{
    struct vgpu *vgpu = *state;
    uint64_t last_pte = VGPU_GGTT_OFFSET + VGPU_GGTT_SIZE - 8;

    vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET, 0xabc001, 8);
    vgpu_bar0_write(vgpu, last_pte, 0xdef001, 8);
    assert_int_equal(vgpu_bar0_read(vgpu, VGPU_GGTT_OFFSET, 8), 0xabc001);
    assert_int_equal(vgpu_bar0_read(vgpu, last_pte, 8), 0xdef001);
}

static void test_hostile_accesses_are_counted(void **state)
{
    struct vgpu *vgpu = *state;
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

static void test_reset_clears_state(void **state)
{
    struct vgpu *vgpu = *state;

    vgpu_bar0_write(vgpu, 0x4000, 0xffffffff, 4);
    vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET + 8, 0x1001, 8);
    vgpu_reset(vgpu);
    assert_int_equal(vgpu_bar0_read(vgpu, 0x4000, 4), 0);
    assert_int_equal(vgpu_bar0_read(vgpu, VGPU_GGTT_OFFSET + 8, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_bad_config),
        cmocka_unit_test_setup_teardown(test_register_storage_all_widths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ggtt_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_accesses_are_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_clears_state, setup, teardown),
    };

    return cmocka_run_group_tests_name("vgpu-bar0", tests, NULL, NULL);
}
