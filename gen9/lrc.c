/*
 * lrc.c - the register state page of a Gen9 logical ring context, per
 * engine (lrc.h): which register each value belongs to, as i915 lays it
 * out (gen9_rcs_offsets and gen9_xcs_offsets in gt/intel_lrc.c; the guest
 * contract's section 6.5 gives the same page dword by dword).  The GPU
 * model restores and saves by it, the mediator shadows and writes back by
 * it and the native driver builds its images from it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/lrc.h"

#include <assert.h>

#include "gen9/regs.h"

#define REG(r)              { .reg = (r), .flags = 0 }
#define MASKED(r)           { .reg = (r), .flags = GEN9_LRC_MASKED }
#define SAVE_ONLY(r)        { .reg = (r), .flags = GEN9_LRC_SAVE_ONLY }
#define RESTORE_ONLY(r)     { .reg = (r), .flags = GEN9_LRC_RESTORE_ONLY }
#define COUNT(array)        (sizeof(array) / sizeof((array)[0]))

/*
 * RING_TAIL belongs to the driver: it writes the new tail into the image
 * while the context may be switching out (i915's execlists_update_context()
 * does so just before each ELSP write and asserts that the image still
 * holds the tail it wrote last), so a save must not put back an older one.
 */
static const struct gen9_lrc_reg ring_regs[] = {
    MASKED(RING_CONTEXT_CONTROL), REG(RING_HEAD), RESTORE_ONLY(RING_TAIL),
    REG(RING_START), REG(RING_CTL), REG(RING_BBADDR_UDW), REG(RING_BBADDR),
    REG(RING_BBSTATE), REG(RING_SBBADDR_UDW), REG(RING_SBBADDR), REG(RING_SBBSTATE),
    REG(RING_BB_PER_CTX_PTR), REG(RING_INDIRECT_CTX), REG(RING_INDIRECT_CTX_OFFSET),
};

static const struct gen9_lrc_reg ppgtt_regs[] = {
    REG(RING_CTX_TIMESTAMP),
    REG(RING_PDP_UDW(3)), REG(RING_PDP_LDW(3)),
    REG(RING_PDP_UDW(2)), REG(RING_PDP_LDW(2)),
    REG(RING_PDP_UDW(1)), REG(RING_PDP_LDW(1)),
    REG(RING_PDP_UDW(0)), REG(RING_PDP_LDW(0)),
};

/* The power block: render's slice/subslice/EU configuration; i915 names
 * no register for the other engines' base + 0x200 (on the blitter it is
 * BCS_SWCTRL). */
static const struct gen9_lrc_reg rcs_power_regs[] = { REG(GEN8_R_PWR_CLK_STATE) };
static const struct gen9_lrc_reg xcs_power_regs[] = { REG(0x200) };

/* The engine block; i915 lists 0x150, 0x154, 0x170, 0x178 and 0x17c by
 * offset alone.  RING_TIMESTAMP runs freely: saving it records when the
 * context left, restoring it would move the engine's clock. */
static const struct gen9_lrc_reg engine_regs[] = {
    REG(RING_EXCC), MASKED(RING_MI_MODE), MASKED(RING_INSTPM),
    REG(0x178), REG(0x17c), SAVE_ONLY(RING_TIMESTAMP),
    REG(0x170), REG(0x150), REG(0x154), REG(RING_BB_OFFSET), REG(MI_PREDICATE_RESULT_1),
    REG(RING_GPR(0)), REG(RING_GPR(1)), REG(RING_GPR(2)), REG(RING_GPR(3)),
    REG(RING_GPR(4)), REG(RING_GPR(5)), REG(RING_GPR(6)), REG(RING_GPR(7)),
    REG(RING_GPR(8)), REG(RING_GPR(9)), REG(RING_GPR(10)), REG(RING_GPR(11)),
    REG(RING_GPR(12)), REG(RING_GPR(13)), REG(RING_GPR(14)), REG(RING_GPR(15)),
    REG(RING_GPR(16)), REG(RING_GPR(17)), REG(RING_GPR(18)), REG(RING_GPR(19)),
    REG(RING_GPR(20)), REG(RING_GPR(21)), REG(RING_GPR(22)), REG(RING_GPR(23)),
    REG(RING_GPR(24)), REG(RING_GPR(25)), REG(RING_GPR(26)), REG(RING_GPR(27)),
    REG(RING_GPR(28)), REG(RING_GPR(29)), REG(RING_GPR(30)), REG(RING_GPR(31)),
    REG(RING_IPEHR),
};

#define BLOCK(first_value_dw, is_posted, is_engine_state, array) \
    { .lri_dw = (first_value_dw) - 2, .count = COUNT(array), .posted = (is_posted), \
      .engine_state = (is_engine_state), .regs = (array) }

/* Render's power block alone is not posted (i915: LRI(1, 0)). */
#define LAYOUT(power_posted, power_regs) { .block = { \
        BLOCK(CTX_CONTEXT_CONTROL_DW, true, false, ring_regs), \
        BLOCK(CTX_TIMESTAMP_DW, true, false, ppgtt_regs), \
        BLOCK(CTX_POWER_CLK_STATE_DW, power_posted, true, power_regs), \
        BLOCK(CTX_ENGINE_STATE_DW, true, true, engine_regs), \
    } }

const struct gen9_lrc_layout gen9_lrc_layouts[GEN9_NUM_ENGINES] = {
    [GEN9_RCS] = LAYOUT(false, rcs_power_regs),
    [GEN9_BCS] = LAYOUT(true, xcs_power_regs),
    [GEN9_VCS] = LAYOUT(true, xcs_power_regs),
    [GEN9_VECS] = LAYOUT(true, xcs_power_regs),
};

static_assert(COUNT(engine_regs) == 44, "the engine block loads 44 registers");

/* MI_LOAD_REGISTER_IMM of @n registers (opcode 0x22, length 2n - 1), bit
 * 12 "force posted" */
#define LRI_HEADER(n, posted)   (0x22u << 23 | (2u * (n) - 1) | ((posted) ? 1u << 12 : 0))

void gen9_lrc_write_layout(uint32_t *state, enum gen9_engine engine)
{
    const struct gen9_lrc_block *layout = gen9_lrc_layouts[engine].block;

    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        state[layout[b].lri_dw] = LRI_HEADER(layout[b].count, layout[b].posted);
        for (unsigned i = 0; i < layout[b].count; i++) {
            state[gen9_lrc_value_dw(&layout[b], i) - 1] =
                gen9_engines[engine].base + layout[b].regs[i].reg;
        }
    }
}
