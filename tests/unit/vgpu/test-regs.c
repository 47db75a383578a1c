/*
 * The tracked-register table: well formed, and the behaviour of the rows
 * whose semantics the guest depends on (contract 4.4).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <time.h>

#include "tests/unit/vgpu/fixture.h"
#include "vgpu/private.h"
#include "vgpu/regs.h"

static void test_table_is_well_formed(void **state)
{
    assert_true(vgpu_regs_index_init());
    for (size_t i = 0; i < vgpu_reg_count; i++) {
        const struct vgpu_reg *r = &vgpu_regs[i];

        assert_non_null(r->name);
        assert_int_equal(r->offset % 4, 0);
        assert_int_equal(r->size % 4, 0);
        /* every row is found at its (first instance's) offset */
        assert_ptr_equal(vgpu_reg_lookup(r->flags & VGPU_REG_ENGINE ?
                                         gen9_engines[0].base + r->offset : r->offset), r);
        /* write-1-to-clear bits are never also read-only */
        assert_int_equal(r->ro_mask & r->w1c_mask, 0);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(r->name, vgpu_regs[j].name);
        }
        for (size_t j = 0; j < gen9_display_reg_count; j++) {
            assert_string_not_equal(r->name, gen9_display_regs[j].name);
        }
    }
    /* The display's rows, which run on the same register file. */
    for (size_t i = 0; i < gen9_display_reg_count; i++) {
        const struct gen9_display_reg *r = &gen9_display_regs[i];

        assert_null(vgpu_reg_lookup(r->offset));
        for (unsigned n = 0; n < gen9_display_reg_instances(r); n++) {
            uint32_t start = gen9_display_reg_instance_offset(r, n);

            assert_ptr_equal(gen9_display_reg_lookup(start), r);
            assert_ptr_equal(gen9_display_reg_lookup(start + r->size - 4), r);
        }
        assert_int_equal(r->ro_mask & r->w1c_mask, 0);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(r->name, gen9_display_regs[j].name);
        }
    }
}

/* Rows repeated per plane and per pipe are found at every instance. */
static void test_two_dimensional_rows(void **state)
{
    struct fixture *f = *state;
    uint32_t surf_c2 = PLANE_SURF_1_A + 2 * PIPE_STRIDE + PLANE_STRIDE;

    assert_true(vgpu_regs_index_init());
    assert_string_equal(gen9_display_reg_lookup(surf_c2)->name, "PLANE_SURF");
    assert_string_equal(gen9_display_reg_lookup(PLANE_CTL_1_A + PIPE_STRIDE)->name,
                        "PLANE_CTL_KEYMSK");
    assert_string_equal(gen9_display_reg_lookup(PS_1A_BASE + 2 * PS_PIPE_STRIDE + PS_SIZE)->name,
                        "PS");
    wr(f, surf_c2, 0x200000);
    assert_int_equal(rd(f, surf_c2 + PLANE_SURFLIVE_1_A - PLANE_SURF_1_A), 0x200000);
    assert_int_equal(rd(f, PIPE_FLIPCOUNT_A + 2 * PIPE_STRIDE), 1);
    assert_int_equal(vgpu_get_stats(f->vgpu)->untracked_writes, 0);
}

static void test_masked_register(void **state)
{
    struct fixture *f = *state;
    uint32_t mi_mode = BLT_RING_BASE + RING_MI_MODE;

    assert_int_equal(rd(f, mi_mode), MODE_IDLE);
    wr(f, mi_mode, MASKED_ENABLE(1u << 8));
    assert_int_equal(rd(f, mi_mode), MODE_IDLE | 1u << 8);
    wr(f, mi_mode, 1u << 3);                    /* no select bits: no change */
    assert_int_equal(rd(f, mi_mode), MODE_IDLE | 1u << 8);
    wr(f, mi_mode, MASKED_DISABLE(1u << 8 | MODE_IDLE));
    assert_int_equal(rd(f, mi_mode), MODE_IDLE);    /* idle is read-only */
}

static void test_read_only_and_write_1_clear(void **state)
{
    struct fixture *f = *state;

    wr(f, GEN8_FUSE2, 0);
    assert_int_equal(rd(f, GEN8_FUSE2), 0x02800000);
    wr(f, SKL_FUSE_STATUS, 0);
    assert_int_equal(rd(f, SKL_FUSE_STATUS), 0x8e000000);
    assert_int_equal(rd(f, GUC_STATUS) & GS_MIA_IN_RESET, GS_MIA_IN_RESET);
    /* FPGA_DBG's unclaimed bit: the guest can only clear it */
    wr(f, FPGA_DBG, FPGA_DBG_RM_NOCLAIM);
    assert_int_equal(rd(f, FPGA_DBG), 0);
}

static void test_engine_reset_handshake(void **state)
{
    struct fixture *f = *state;

    for (size_t e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t reg = gen9_engines[e].base + RING_RESET_CTL;

        wr(f, reg, MASKED_ENABLE(RESET_CTL_REQUEST_RESET));
        assert_int_equal(rd(f, reg), RESET_CTL_REQUEST_RESET | RESET_CTL_READY_TO_RESET);
        wr(f, reg, MASKED_DISABLE(RESET_CTL_REQUEST_RESET));
        assert_int_equal(rd(f, reg), 0);
    }
    wr(f, GEN6_GDRST, GRDOM_FULL | GEN9_GRDOM_GUC);
    assert_int_equal(rd(f, GEN6_GDRST), 0);
}

static void test_power_wells_follow_requests(void **state)
{
    struct fixture *f = *state;
    uint32_t driver = HSW_PWR_WELL_CTL1 + 4, bios = HSW_PWR_WELL_CTL1;
    uint32_t pw1 = 1u << 29, misc_io = 1u << 1;

    wr(f, driver, pw1 | misc_io);
    assert_int_equal(rd(f, driver), pw1 | pw1 >> 1 | misc_io | misc_io >> 1);
    /* the BIOS's request keeps a well on after the driver lets go */
    wr(f, bios, misc_io);
    wr(f, driver, pw1);
    assert_int_equal(rd(f, driver), pw1 | pw1 >> 1 | misc_io >> 1);
    wr(f, bios, 0);
    assert_int_equal(rd(f, driver), pw1 | pw1 >> 1);
    /* state bits and unknown wells are not writable */
    wr(f, driver, 0x55555555);
    assert_int_equal(rd(f, driver), 0);
}

static void test_plls_and_dbuf_acknowledge(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(rd(f, LCPLL1_CTL), LCPLL_PLL_ENABLE | LCPLL_PLL_LOCK);
    assert_int_equal(rd(f, DPLL_STATUS), 1u << 0);
    wr(f, LCPLL1_CTL, 0);
    assert_int_equal(rd(f, LCPLL1_CTL), 0);
    assert_int_equal(rd(f, DPLL_STATUS), 0);
    wr(f, LCPLL2_CTL, LCPLL_PLL_ENABLE);
    wr(f, WRPLL_CTL2, LCPLL_PLL_ENABLE);
    assert_int_equal(rd(f, LCPLL2_CTL), LCPLL_PLL_ENABLE | LCPLL_PLL_LOCK);
    assert_int_equal(rd(f, DPLL_STATUS), 1u << 8 | 1u << 24);
    wr(f, DBUF_CTL_S0, DBUF_POWER_REQUEST);
    assert_int_equal(rd(f, DBUF_CTL_S0), DBUF_POWER_REQUEST | DBUF_POWER_STATE);
    wr(f, DBUF_CTL_S0, 0);
    assert_int_equal(rd(f, DBUF_CTL_S0), 0);
}

static uint32_t pcode(struct fixture *f, uint32_t cmd, uint32_t data)
{
    wr(f, GEN6_PCODE_DATA, data);
    wr(f, GEN6_PCODE_MAILBOX, GEN6_PCODE_READY | cmd);
    return rd(f, GEN6_PCODE_MAILBOX);
}

static void test_pcode_mailbox(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(pcode(f, GEN9_PCODE_READ_MEM_LATENCY, 0), 0);
    assert_int_equal(rd(f, GEN6_PCODE_DATA), 0x201c1302);
    assert_int_equal(pcode(f, GEN9_PCODE_READ_MEM_LATENCY, 1), 0);
    assert_int_equal(rd(f, GEN6_PCODE_DATA), 0x644b3d2b);
    assert_int_equal(pcode(f, SKL_PCODE_CDCLK_CONTROL, 3), 0);
    assert_int_equal(rd(f, GEN6_PCODE_DATA) & SKL_CDCLK_READY_FOR_CHANGE,
                     SKL_CDCLK_READY_FOR_CHANGE);
    assert_int_equal(pcode(f, GEN9_PCODE_SAGV_CONTROL, 0), GEN7_PCODE_ILLEGAL_CMD);
    assert_int_equal(vgpu_get_stats(f->vgpu)->pcode_unknown, 0);
    assert_int_equal(pcode(f, 0xee, 0), GEN7_PCODE_ILLEGAL_CMD);
    assert_int_equal(vgpu_get_stats(f->vgpu)->pcode_unknown, 1);
}

static void test_untracked_offsets_are_counted_and_listed(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);

    assert_int_equal(vgpu_untracked_next(f->vgpu, 0), UINT32_MAX);
    wr(f, 0x8000, 1);
    rd(f, 0x8000);
    rd(f, 0x1ffffc);
    vgpu_bar0_read(f->vgpu, 0x9001, 1);
    rd(f, GEN8_FUSE2);                          /* tracked: not counted */
    assert_int_equal(stats->untracked_reads, 3);
    assert_int_equal(stats->untracked_writes, 1);
    assert_int_equal(stats->untracked_offsets, 3);
    assert_int_equal(vgpu_untracked_next(f->vgpu, 0), 0x8000);
    assert_int_equal(vgpu_untracked_next(f->vgpu, 0x8001), 0x9000);
    assert_int_equal(vgpu_untracked_next(f->vgpu, 0x9004), 0x1ffffc);
    assert_int_equal(vgpu_untracked_next(f->vgpu, 0x200000), UINT32_MAX);
}

static void test_statistics_are_formatted(void **state)
{
    struct fixture *f = *state;
    char buf[1024], small[16];
    int len;

    wr(f, 0x8000, 1);
    len = vgpu_format_stats(f->vgpu, buf, sizeof(buf));
    assert_int_equal(len, strlen(buf));
    assert_non_null(strstr(buf, "untracked_writes=1 "));
    assert_non_null(strstr(buf, " vblanks=0"));
    /* truncation keeps a terminated prefix and reports the full length */
    assert_int_equal(vgpu_format_stats(f->vgpu, small, sizeof(small)), len);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, buf, sizeof(small) - 1);
    assert_int_equal(vgpu_format_stats(f->vgpu, NULL, 0), len);
}

/* The host's CLOCK_MONOTONIC in ticks of Skylake's 12 MHz CS timestamp
 * clock (i915: 12000 kHz, CTC_MODE's 24 MHz crystal halved). */
static uint64_t monotonic_ticks(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) * 12 / 1000;
}

/*
 * RING_TIMESTAMP runs, on every engine, and is the counter the GPU model
 * stores (the host's CLOCK_MONOTONIC at 12 MHz): IGT's gem_latency
 * subtracts a batch's stored timestamp from a BAR0 read, and skips when two
 * reads a microsecond apart are equal.
 */
static void test_timestamp_runs(void **state)
{
    struct fixture *f = *state;

    for (size_t e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t reg = gen9_engines[e].base + RING_TIMESTAMP;
        uint64_t before = monotonic_ticks(), value, after;
        uint32_t hi;

        do {    /* the high half read around the low one, as i915 does */
            hi = rd(f, reg + 4);
            value = (uint64_t)hi << 32 | rd(f, reg);
        } while (rd(f, reg + 4) != hi);
        after = monotonic_ticks();
        assert_true(before <= value);
        assert_true(value <= after);
        wr(f, reg, 0);      /* read-only */
        assert_true(rd(f, reg + 4) >= hi);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),
        FIXTURE_TEST(test_two_dimensional_rows),
        FIXTURE_TEST(test_masked_register),
        FIXTURE_TEST(test_read_only_and_write_1_clear),
        FIXTURE_TEST(test_engine_reset_handshake),
        FIXTURE_TEST(test_power_wells_follow_requests),
        FIXTURE_TEST(test_plls_and_dbuf_acknowledge),
        FIXTURE_TEST(test_pcode_mailbox),
        FIXTURE_TEST(test_untracked_offsets_are_counted_and_listed),
        FIXTURE_TEST(test_statistics_are_formatted),
        FIXTURE_TEST(test_timestamp_runs),
    };

    return cmocka_run_group_tests_name("vgpu-regs", tests, NULL, NULL);
}
