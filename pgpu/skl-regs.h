/*
 * skl-regs.h - Gen9 (Skylake) command encodings and context layout: the
 * hardware facts shared by the model, the native driver and the tests
 * (register offsets and fields: gen9/regs.h).  Sources: the guest
 * contract (docs/reference/i915-vgpu-guest-contract.md), public register
 * and command descriptions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_SKL_REGS_H
#define GPUMED_PGPU_SKL_REGS_H

#include <stdint.h>

#include "gen9/lrc.h"
#include "gen9/regs.h"
#include "pgpu/pgpu.h"

#define SKL_BIT(n)                  (1u << (n))

/* The model's own bit in an architectural register. */
#define   RING_ERR_HANG             SKL_BIT(15) /* RING_EIR/ESR: the hang detector fired */

/* GTT entries. */
#define GTT_PTE_PRESENT             SKL_BIT(0)
#define GTT_PTE_ADDR_MASK           0x00003ffffffff000ull      /* bits 45:12 */

/* Command encodings: dword 0 fields. */
#define MI_INSTR(op, flags)         (((uint32_t)(op) << 23) | (flags))
#define MI_NOOP                     MI_INSTR(0x00, 0)
#define MI_USER_INTERRUPT           MI_INSTR(0x02, 0)
#define MI_ARB_CHECK                MI_INSTR(0x05, 0)
#define MI_REPORT_HEAD              MI_INSTR(0x07, 0)
#define MI_ARB_ON_OFF               MI_INSTR(0x08, 0)
#define   MI_ARB_ENABLE             SKL_BIT(0)
#define MI_BATCH_BUFFER_END         MI_INSTR(0x0a, 0)
#define MI_SEMAPHORE_WAIT           MI_INSTR(0x1c, 2)
#define   MI_SEMAPHORE_POLL         SKL_BIT(15)
#define   MI_SEMAPHORE_REGISTER_POLL SKL_BIT(16)
#define   MI_SEMAPHORE_OP(op)       ((uint32_t)(op) << 12)
#define   MI_SEMAPHORE_SAD_GT_SDD   0
#define   MI_SEMAPHORE_SAD_GTE_SDD  1
#define   MI_SEMAPHORE_SAD_LT_SDD   2
#define   MI_SEMAPHORE_SAD_LTE_SDD  3
#define   MI_SEMAPHORE_SAD_EQ_SDD   4
#define   MI_SEMAPHORE_SAD_NEQ_SDD  5
#define MI_STORE_DATA_IMM           MI_INSTR(0x20, 2)    /* + 1 for a qword */
#define   MI_SDI_QWORD              SKL_BIT(21)
#define MI_LOAD_REGISTER_IMM(n)     MI_INSTR(0x22, 2 * (n) - 1)
#define   MI_LRI_FORCE_POSTED       SKL_BIT(12)
#define MI_STORE_REGISTER_MEM       MI_INSTR(0x24, 2)
#define MI_FLUSH_DW                 MI_INSTR(0x26, 2)    /* + 1 for a qword */
#define   MI_FLUSH_DW_NOTIFY        SKL_BIT(8)
#define   MI_FLUSH_DW_TLB_INVALIDATE SKL_BIT(18)
#define   MI_FLUSH_DW_STORE_INDEX   SKL_BIT(21)
#define   MI_FLUSH_DW_USE_GTT       SKL_BIT(2)           /* in the address dword */
#define   MI_POST_SYNC_IMMEDIATE    (1u << 14)
#define   MI_POST_SYNC_TIMESTAMP    (3u << 14)
#define MI_LOAD_REGISTER_MEM        MI_INSTR(0x29, 2)
#define MI_LOAD_REGISTER_REG        MI_INSTR(0x2a, 1)
#define MI_BATCH_BUFFER_START       MI_INSTR(0x31, 1)
#define   MI_BB_PPGTT               SKL_BIT(8)
#define   MI_BB_SECOND_LEVEL        SKL_BIT(22)
#define MI_CONDITIONAL_BATCH_BUFFER_END MI_INSTR(0x36, 2)
#define   MI_COND_BBE_MASK_MODE     SKL_BIT(19)
#define   MI_COND_BBE_COMPARE_SEMAPHORE SKL_BIT(21)
#define MI_USE_GGTT                 SKL_BIT(22)

#define GFX_OP(subtype, op, subop)  ((3u << 29) | ((uint32_t)(subtype) << 27) | \
                                     ((uint32_t)(op) << 24) | ((uint32_t)(subop) << 16))
#define PIPE_CONTROL                (GFX_OP(3, 2, 0) | 4)
/* PIPE_CONTROL dword 1 */
#define   PC_NOTIFY                 SKL_BIT(8)
#define   PC_POST_SYNC_IMMEDIATE    (1u << 14)
#define   PC_POST_SYNC_DEPTH_COUNT  (2u << 14)
#define   PC_POST_SYNC_TIMESTAMP    (3u << 14)
#define   PC_TLB_INVALIDATE         SKL_BIT(18)
#define   PC_CS_STALL               SKL_BIT(20)
#define   PC_STORE_DATA_INDEX       SKL_BIT(21)
#define   PC_GLOBAL_GTT             SKL_BIT(24)
#define PIPELINE_SELECT             GFX_OP(1, 1, 4)

#define BLT_OP(op)                  ((2u << 29) | ((uint32_t)(op) << 22))
#define XY_COLOR_BLT                (BLT_OP(0x50) | 5)
#define XY_SRC_COPY_BLT             (BLT_OP(0x53) | 8)
#define XY_FAST_COPY_BLT            (BLT_OP(0x42) | 8)
#define   BLT_WRITE_ALPHA           SKL_BIT(21)
#define   BLT_WRITE_RGB             SKL_BIT(20)
#define   BLT_SRC_TILED             SKL_BIT(15)
#define   BLT_DST_TILED             SKL_BIT(11)
#define   FAST_COPY_SRC_TILING(t)   ((uint32_t)(t) << 20)
#define   FAST_COPY_DST_TILING(t)   ((uint32_t)(t) << 13)
#define   FAST_COPY_TILING_LINEAR   0
#define   FAST_COPY_TILING_X        1
#define   FAST_COPY_TILING_Y        2
/* BR13 (dword 1) */
#define   BR13_ROP(rop)             ((uint32_t)(rop) << 16)
#define   BR13_ROP_SRCCOPY          BR13_ROP(0xcc)
#define   BR13_ROP_PATCOPY          BR13_ROP(0xf0)
#define   BR13_DEPTH_32             (3u << 24)
#define   FAST_COPY_DEPTH_32        (3u << 24)

#endif /* GPUMED_PGPU_SKL_REGS_H */
