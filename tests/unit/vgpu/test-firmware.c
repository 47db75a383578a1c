/*
 * PCI configuration space layout and the OpRegion/VBT the firmware shows
 * the guest (contract 3).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tests/unit/vgpu/fixture.h"

static uint32_t le(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)p[i] << (8 * i);
    }
    return v;
}

static void test_config_space(void **state)
{
    uint8_t config[VGPU_PCI_CONFIG_SIZE], wmask[VGPU_PCI_CONFIG_SIZE], w1c[VGPU_PCI_CONFIG_SIZE];

    memset(config, 0, sizeof(config));
    memset(wmask, 0xa5, sizeof(wmask));
    memset(w1c, 0xa5, sizeof(w1c));
    vgpu_cfg_init(config, wmask, w1c);
    assert_int_equal(le(config, 2), VGPU_PCI_VENDOR_ID);
    assert_int_equal(le(config + 2, 2), VGPU_PCI_DEVICE_ID);
    assert_int_equal(config[8], VGPU_PCI_REVISION);
    assert_int_equal(le(config + 9, 3), 0x030000);
    /* GGC: 8 MiB GGTT, no stolen memory, read-only */
    assert_int_equal(le(config + 0x50, 2), 0xc0);
    assert_int_equal(le(wmask + 0x50, 2), 0);
    assert_int_equal(le(config + 0x5c, 4), 0);
    /* ASLS is where firmware puts the OpRegion */
    assert_int_equal(le(wmask + 0xfc, 4), 0xffffffff);
    assert_int_equal(le(wmask + 4, 2), 0x0406);
    assert_int_equal(le(w1c + 6, 2), 0xf900);
    /* the MSI capability (the caller's) is left alone */
    for (unsigned i = VGPU_PCI_MSI_CAP; i < VGPU_PCI_MSI_CAP + 10; i++) {
        assert_int_equal(wmask[i], 0xa5);
    }
}

static void test_opregion_and_vbt(void **state)
{
    uint8_t op[VGPU_OPREGION_SIZE];
    const uint8_t *vbt = op + 0x400, *bdb, *block;
    uint8_t sum = 0;

    vgpu_opregion_build(op);
    assert_memory_equal(op, "IntelGraphicsMem", 16);
    assert_int_equal(le(op + 0x10, 4), 8);
    assert_memory_equal(vbt, "$VBT", 4);
    assert_true(le(vbt + 24, 2) <= VGPU_OPREGION_SIZE - 0x400);
    for (unsigned i = 0; i < le(vbt + 24, 2); i++) {
        sum += vbt[i];
    }
    assert_int_equal(sum, 0);
    bdb = vbt + le(vbt + 28, 4);
    assert_memory_equal(bdb, "BIOS_DATA_BLOCK ", 16);
    assert_true(le(bdb + 16, 2) >= 111 && le(bdb + 16, 2) < 195);
    assert_true(le(vbt + 28, 4) + le(bdb + 20, 2) <= le(vbt + 24, 2));
    block = bdb + le(bdb + 18, 2);
    assert_int_equal(block[0], 2);              /* general definitions */
    assert_int_equal(le(block + 1, 2), 5 + 33); /* one 33-byte child */
    assert_int_equal(block[3 + 4], 33);
    assert_int_equal(le(block + 8 + 2, 2), 0x68c6);     /* DisplayPort */
    assert_int_equal(block[8 + 16], 9);                 /* port D */
    assert_int_equal(block[8 + 25], 0x30);              /* AUX D */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_config_space),
        FIXTURE_TEST(test_opregion_and_vbt),
    };

    return cmocka_run_group_tests_name("vgpu-firmware", tests, NULL, NULL);
}
