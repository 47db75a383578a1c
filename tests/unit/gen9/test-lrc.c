/*
 * The context layout table (gen9/lrc.c) against i915, the source it was
 * written from but transcribed here separately in i915's own form: the
 * register state lists gen9_rcs_offsets and gen9_xcs_offsets (gt/intel_lrc.c:
 * skip some dwords, then an MI_LOAD_REGISTER_IMM of these registers), whose
 * dword positions this test computes by walking them, and the value
 * positions i915 names (gt/intel_lrc_reg.h, lrc_ring_mi_mode(),
 * lrc_ring_gpr0()).  The native driver's image is checked against the same
 * lists, dword by dword, as i915's set_offsets() would write it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gen9/engine.h"
#include "gen9/lrc.h"
#include "gen9/regs.h"
#include "pgpu/native.h"
#include "pgpu/pgpu.h"

/* One step of i915's list: @nop dwords skipped, then an LRI of @count. */
struct i915_lri {
    unsigned nop;
    bool posted;
    unsigned count;
    uint16_t regs[44];
};

#define I915_GPRS \
    0x600, 0x604, 0x608, 0x60c, 0x610, 0x614, 0x618, 0x61c, \
    0x620, 0x624, 0x628, 0x62c, 0x630, 0x634, 0x638, 0x63c, \
    0x640, 0x644, 0x648, 0x64c, 0x650, 0x654, 0x658, 0x65c, \
    0x660, 0x664, 0x668, 0x66c, 0x670, 0x674, 0x678, 0x67c

#define I915_RING_LRI \
    { 1, true, 14, { 0x244, 0x034, 0x030, 0x038, 0x03c, 0x168, 0x140, 0x110, 0x11c, 0x114, \
                     0x118, 0x1c0, 0x1c4, 0x1c8 } }
#define I915_PPGTT_LRI \
    { 3, true, 9, { 0x3a8, 0x28c, 0x288, 0x284, 0x280, 0x27c, 0x278, 0x274, 0x270 } }
#define I915_ENGINE_LRI \
    { 13, true, 44, { 0x028, 0x09c, 0x0c0, 0x178, 0x17c, 0x358, 0x170, 0x150, 0x154, 0x158, \
                      0x41c, I915_GPRS, 0x068 } }

static const struct i915_lri i915_gen9_rcs[] = {
    I915_RING_LRI, I915_PPGTT_LRI, { 13, false, 1, { 0x0c8 } }, I915_ENGINE_LRI,
};

static const struct i915_lri i915_gen9_xcs[] = {
    I915_RING_LRI, I915_PPGTT_LRI, { 13, true, 1, { 0x200 } }, I915_ENGINE_LRI,
};

static const struct i915_lri *i915_list(enum gen9_engine e)
{
    return e == GEN9_RCS ? i915_gen9_rcs : i915_gen9_xcs;
}

/* The dword of i915's LRI header @step, by walking the list. */
static unsigned i915_lri_dw(enum gen9_engine e, unsigned step)
{
    unsigned dw = 0;

    for (unsigned s = 0;; s++) {
        dw += i915_list(e)[s].nop;
        if (s == step) {
            return dw;
        }
        dw += 1 + 2 * i915_list(e)[s].count;
    }
}

static void test_every_block_and_register_is_i915s(void **state)
{
    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
            const struct gen9_lrc_block *block = &gen9_lrc_layouts[e].block[b];
            const struct i915_lri *lri = &i915_list(e)[b];

            assert_int_equal(block->lri_dw, i915_lri_dw(e, b));
            assert_int_equal(block->count, lri->count);
            assert_int_equal(block->posted, lri->posted);
            for (unsigned i = 0; i < lri->count; i++) {
                assert_int_equal(block->regs[i].reg, lri->regs[i]);
            }
        }
    }
}

/* The register whose value the table puts at @dw, or 0. */
static uint32_t table_reg_at(enum gen9_engine e, unsigned dw)
{
    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        const struct gen9_lrc_block *block = &gen9_lrc_layouts[e].block[b];

        for (unsigned i = 0; i < block->count; i++) {
            if (gen9_lrc_value_dw(block, i) == dw) {
                return block->regs[i].reg;
            }
        }
    }
    return 0;
}

static void test_named_positions_are_i915s(void **state)
{
    (void)state;
    /* i915: register dword + 1 (intel_lrc_reg.h) */
    assert_int_equal(CTX_CONTEXT_CONTROL_DW, 0x02 + 1);
    assert_int_equal(CTX_RING_HEAD_DW, 0x04 + 1);
    assert_int_equal(CTX_RING_TAIL_DW, 0x06 + 1);
    assert_int_equal(CTX_RING_START_DW, 0x08 + 1);
    assert_int_equal(CTX_RING_CTL_DW, 0x0a + 1);
    assert_int_equal(CTX_TIMESTAMP_DW, 0x22 + 1);
    assert_int_equal(CTX_PDP_UDW_DW(3), 0x24 + 1);
    assert_int_equal(CTX_PDP_LDW_DW(3), 0x26 + 1);
    assert_int_equal(CTX_PDP_UDW_DW(2), 0x28 + 1);
    assert_int_equal(CTX_PDP_LDW_DW(2), 0x2a + 1);
    assert_int_equal(CTX_PDP_UDW_DW(1), 0x2c + 1);
    assert_int_equal(CTX_PDP_LDW_DW(1), 0x2e + 1);
    assert_int_equal(CTX_PDP_UDW_DW(0), 0x30 + 1);
    assert_int_equal(CTX_PDP_LDW_DW(0), 0x32 + 1);
    assert_int_equal(CTX_POWER_CLK_STATE_DW, 0x42 + 1);
    assert_int_equal(CTX_RING_MI_MODE_DW, 0x54 + 1);     /* lrc_ring_mi_mode(), Gen9 */
    assert_int_equal(CTX_GPR0_DW, 0x68 + 1);             /* lrc_ring_gpr0(), Gen9 */
    /* i915's CTX_BB_STATE (0x10 + 1) lies within the batch registers */
    assert_true(CTX_BB_STATE_FIRST_DW <= 0x10 + 1 && 0x10 + 1 <= CTX_BB_STATE_LAST_DW);
    assert_int_equal(CTX_ENGINE_STATE_DW, i915_lri_dw(GEN9_RCS, 3) + 2);
}

static void test_named_positions_hold_their_registers(void **state)
{
    static const struct {
        unsigned dw;
        uint32_t reg;
    } named[] = {
        { CTX_CONTEXT_CONTROL_DW, RING_CONTEXT_CONTROL }, { CTX_RING_HEAD_DW, RING_HEAD },
        { CTX_RING_TAIL_DW, RING_TAIL }, { CTX_RING_START_DW, RING_START },
        { CTX_RING_CTL_DW, RING_CTL }, { CTX_BB_STATE_FIRST_DW, RING_BBADDR_UDW },
        { CTX_BB_STATE_LAST_DW, RING_SBBSTATE }, { CTX_BB_PER_CTX_PTR_DW, RING_BB_PER_CTX_PTR },
        { CTX_INDIRECT_CTX_DW, RING_INDIRECT_CTX }, { CTX_TIMESTAMP_DW, RING_CTX_TIMESTAMP },
        { CTX_PDP_UDW_DW(3), RING_PDP_UDW(3) }, { CTX_PDP_LDW_DW(0), RING_PDP_LDW(0) },
        { CTX_RING_MI_MODE_DW, RING_MI_MODE }, { CTX_GPR0_DW, RING_GPR(0) },
    };

    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (unsigned n = 0; n < sizeof(named) / sizeof(named[0]); n++) {
            assert_int_equal(table_reg_at(e, named[n].dw), named[n].reg);
        }
    }
    assert_int_equal(table_reg_at(GEN9_RCS, CTX_POWER_CLK_STATE_DW), GEN8_R_PWR_CLK_STATE);
    assert_int_equal(gen9_engines[GEN9_BCS].base + table_reg_at(GEN9_BCS, CTX_POWER_CLK_STATE_DW),
                     BCS_SWCTRL);
}

/* i915 writes these with _MASKED_BIT_ENABLE/DISABLE; the engine's clock
 * RING_TIMESTAMP is never loaded; the driver owns RING_TAIL.  Every other
 * register is plain. */
static void test_flags(void **state)
{
    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
            const struct gen9_lrc_block *block = &gen9_lrc_layouts[e].block[b];

            assert_int_equal(block->engine_state, b >= 2);
            for (unsigned i = 0; i < block->count; i++) {
                uint16_t reg = block->regs[i].reg;
                unsigned want = reg == RING_CONTEXT_CONTROL || reg == RING_MI_MODE ||
                                reg == RING_INSTPM ? GEN9_LRC_MASKED :
                                reg == RING_TIMESTAMP ? GEN9_LRC_SAVE_ONLY :
                                reg == RING_TAIL ? GEN9_LRC_RESTORE_ONLY : 0;

                assert_int_equal(block->regs[i].flags, want);
            }
        }
    }
}

/* The native driver's image as i915's set_offsets() lays it out. */
static void test_native_image_is_laid_out_as_i915s(void **state)
{
    static uint32_t page[PGPU_PAGE_SIZE / 4];

    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t base = gen9_engines[e].base;

        memset(page, 0, sizeof(page));
        native_lrc_init(page, e, 0x10000, 4 * PGPU_PAGE_SIZE, 0x123456789000ull);
        for (unsigned s = 0; s < GEN9_LRC_BLOCKS; s++) {
            const struct i915_lri *lri = &i915_list(e)[s];
            unsigned dw = i915_lri_dw(e, s);
            /* MI_LOAD_REGISTER_IMM: MI opcode 0x22, length 2n - 1; posted bit 12 */
            uint32_t header = 0x22u << 23 | (2 * lri->count - 1) | (lri->posted ? 1u << 12 : 0);

            assert_int_equal(page[dw], header);
            for (unsigned i = 0; i < lri->count; i++) {
                assert_int_equal(page[dw + 1 + 2 * i], base + lri->regs[i]);
            }
        }
        assert_int_equal(page[0x08 + 1], 0x10000);
        assert_int_equal(page[0x0a + 1], 3 * PGPU_PAGE_SIZE | 1);
        assert_int_equal(page[0x30 + 1], 0x1234);
        assert_int_equal(page[0x32 + 1], 0x56789000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_block_and_register_is_i915s),
        cmocka_unit_test(test_named_positions_are_i915s),
        cmocka_unit_test(test_named_positions_hold_their_registers),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_native_image_is_laid_out_as_i915s),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
