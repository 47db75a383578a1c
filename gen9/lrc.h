/*
 * lrc.h - execlists as Gen9 lays them out in memory: the hardware status
 * page, the context descriptor an ELSP write carries, and the logical ring
 * context image (dword indices of its register state page, and which
 * register each value belongs to: gen9_lrc_layouts, lrc.c).  Used by the
 * vGPU, the mediator, the scheduler, the GPU model and its native driver.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_LRC_H
#define GPUMED_GEN9_LRC_H

#include <stdbool.h>
#include <stdint.h>

#include "gen9/engine.h"

/* Where the CSB is mirrored in the hardware status page (dword indices). */
#define HWSP_CSB_DW                 0x10
#define HWSP_CSB_WRITE_PTR_DW       0x1f
#define HWSP_REPORT_HEAD_DW         0x04

/* Context descriptor (ELSP element), low dword. */
#define CTX_DESC_VALID              (1u << 0)
#define CTX_DESC_FORCE_RESTORE      (1u << 2)
#define CTX_DESC_ADDRESSING_SHIFT   3
#define   CTX_ADDRESSING_LEGACY_32B 1           /* 3-level PPGTT, 4 PDPs */
#define   CTX_ADDRESSING_LEGACY_64B 3           /* 4-level PPGTT, PML4 */
#define CTX_DESC_PRIVILEGE          (1u << 8)
#define CTX_DESC_LRCA_MASK          0xfffff000u

/*
 * Logical ring context image: page 0 is the PPHWSP, page 1 the register
 * state, four MI_LOAD_REGISTER_IMM blocks of (register, value) pairs at
 * fixed dword positions (i915's gen9_rcs_offsets and gen9_xcs_offsets).
 * The positions below are the values' dword indices; which register each
 * value of a block belongs to is the table gen9_lrc_layouts.
 */
#define LRC_STATE_OFFSET            4096
#define CTX_CONTEXT_CONTROL_DW      3   /* first value of the ring block */
#define CTX_RING_HEAD_DW            5
#define CTX_RING_TAIL_DW            7
#define CTX_RING_START_DW           9
#define CTX_RING_CTL_DW             11
#define CTX_BB_STATE_FIRST_DW       13  /* batch addresses and states: dw 13..23 odd */
#define CTX_BB_STATE_LAST_DW        23
#define CTX_BB_PER_CTX_PTR_DW       25
#define CTX_INDIRECT_CTX_DW         27
#define CTX_TIMESTAMP_DW            35  /* first value of the PPGTT block */
#define CTX_PDP_UDW_DW(n)           (49 - 4 * (n))  /* PDP3..PDP0 values: dw 37..51 odd */
#define CTX_PDP_LDW_DW(n)           (51 - 4 * (n))
#define CTX_POWER_CLK_STATE_DW      67  /* the power block's one value */
#define CTX_ENGINE_STATE_DW         83  /* first value of the engine block: dw 83..169 odd */
#define CTX_RING_MI_MODE_DW         85
#define CTX_GPR0_DW                 105

/* How the engine treats a register's value in the image. */
enum {
    GEN9_LRC_MASKED = 1 << 0,       /* a masked write: bits 31:16 select */
    GEN9_LRC_SAVE_ONLY = 1 << 1,    /* free-running: saved, never restored */
    GEN9_LRC_RESTORE_ONLY = 1 << 2, /* the driver's: restored, never saved */
};

struct gen9_lrc_reg {
    uint16_t reg;                   /* relative to the engine base */
    uint8_t flags;
};

/* One MI_LOAD_REGISTER_IMM of the register state page. */
struct gen9_lrc_block {
    uint16_t lri_dw;                /* its header; values at lri_dw + 2, + 4, ... */
    uint8_t count;
    bool posted;                    /* MI_LRI_FORCE_POSTED */
    bool engine_state;              /* the engine's own state: not restored when
                                     * CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT is set */
    const struct gen9_lrc_reg *regs;
};

#define GEN9_LRC_BLOCKS             4

struct gen9_lrc_layout {
    struct gen9_lrc_block block[GEN9_LRC_BLOCKS];
};

extern const struct gen9_lrc_layout gen9_lrc_layouts[GEN9_NUM_ENGINES];

/* Write @engine's layout into the register state page @state: each
 * block's MI_LOAD_REGISTER_IMM header and its registers' offsets, as i915
 * writes them (set_offsets()); the values are left as they are. */
void gen9_lrc_write_layout(uint32_t *state, enum gen9_engine engine);

/* The dword index of the value of register @i of @block. */
static inline unsigned gen9_lrc_value_dw(const struct gen9_lrc_block *block, unsigned i)
{
    return block->lri_dw + 2 + 2 * i;
}

#endif /* GPUMED_GEN9_LRC_H */
