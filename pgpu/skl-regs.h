/*
 * skl-regs.h - Gen9 (Skylake) register offsets, bit fields and command
 * encodings: the hardware facts shared by the model, the native driver and
 * the tests.  Sources: the guest contract (docs/reference/i915-vgpu-guest-contract.md),
 * public register and command descriptions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_SKL_REGS_H
#define GPUMED_PGPU_SKL_REGS_H

#include <stdint.h>

#include "pgpu/pgpu.h"

#define SKL_BIT(n)                  (1u << (n))
#define SKL_MASKED_ENABLE(bits)     (((bits) << 16) | (bits))
#define SKL_MASKED_DISABLE(bits)    ((bits) << 16)

/* Engine register blocks. */
#define SKL_RCS_BASE                0x02000
#define SKL_BCS_BASE                0x22000
#define SKL_VCS_BASE                0x12000
#define SKL_VECS_BASE               0x1a000

/* Per-engine registers, relative to the engine base. */
#define RING_TAIL                   0x030
#define RING_HEAD                   0x034
#define RING_START                  0x038
#define RING_CTL                    0x03c
#define   RING_CTL_VALID            SKL_BIT(0)
#define   RING_CTL_PAGES(ctl)       ((((ctl) >> 12) & 0x1ff) + 1)
#define RING_HEAD_ADDR_MASK         0x001ffffcu
#define RING_TAIL_ADDR_MASK         0x001ffff8u
#define RING_HWS_PGA                0x080
#define RING_HWSTAM                 0x098
#define RING_MI_MODE                0x09c
#define   MI_MODE_STOP_RING         SKL_BIT(8)
#define   MI_MODE_IDLE              SKL_BIT(9)
#define RING_IMR                    0x0a8
#define RING_EIR                    0x0b0
#define RING_EMR                    0x0b4
#define RING_ESR                    0x0b8
#define   RING_ERR_INSTRUCTION      SKL_BIT(0)  /* unknown or malformed command */
#define   RING_ERR_PAGE_TABLE       SKL_BIT(4)  /* GPU page fault */
#define   RING_ERR_HANG             SKL_BIT(15) /* model: hang detector fired */
#define RING_RESET_CTL              0x0d0
#define   RESET_CTL_REQUEST_RESET   SKL_BIT(0)
#define   RESET_CTL_READY_TO_RESET  SKL_BIT(1)
#define   RESET_CTL_CAT_ERROR       SKL_BIT(2)
#define RING_BB_STATE               0x110
#define RING_SBB_ADDR               0x114
#define RING_SBB_STATE              0x118
#define RING_SBB_ADDR_UDW           0x11c
#define   BB_STATE_ACTIVE           SKL_BIT(0)  /* model: a batch is executing */
#define   BB_STATE_PPGTT            SKL_BIT(5)
#define RING_BB_ADDR                0x140
#define RING_BB_ADDR_UDW            0x168
#define RING_ELSP                   0x230
#define RING_EXECLIST_STATUS_LO     0x234
#define RING_EXECLIST_STATUS_HI     0x238
#define RING_CONTEXT_CONTROL        0x244
#define   CTX_CTRL_RESTORE_INHIBIT  SKL_BIT(0)
#define   CTX_CTRL_SAVE_INHIBIT     SKL_BIT(2)
#define RING_PDP_LDW(n)             (0x270 + 8 * (n))
#define RING_PDP_UDW(n)             (0x274 + 8 * (n))
#define RING_MODE_GEN7              0x29c
#define   GFX_RUN_LIST_ENABLE       SKL_BIT(15)
#define RING_TIMESTAMP              0x358
#define RING_TIMESTAMP_UDW          0x35c
#define RING_CSB(n)                 (0x370 + 8 * (n))
#define RING_CONTEXT_STATUS_PTR     0x3a0
#define   CSB_WRITE_PTR_MASK        0x7u
#define RING_CTX_TIMESTAMP          0x3a8
#define RING_GPR(n)                 (0x600 + 4 * (n))   /* 16 x 64-bit */

/* Global registers. */
#define SKL_GDRST                   0x941c
#define   GDRST_FULL                SKL_BIT(0)
#define   GDRST_RENDER              SKL_BIT(1)
#define   GDRST_MEDIA               SKL_BIT(2)
#define   GDRST_BLT                 SKL_BIT(3)
#define   GDRST_VECS                SKL_BIT(4)
#define SKL_FUSE2                   0x9120
#define SKL_CTC_MODE                0xa26c
#define SKL_RING_FAULT_REG(hw_id)   (0x4094 + 0x100 * (hw_id))  /* RCS 0, VCS 1, BCS 2, VECS 3 */
#define   RING_FAULT_VALID          SKL_BIT(0)
#define SKL_FAULT_TLB_DATA0         0x4b10      /* faulting address bits 43:12 */
#define SKL_FAULT_TLB_DATA1         0x4b14      /* bits 3:0 address 47:44; bit 4 GGTT */
#define   FAULT_TLB_DATA1_GGTT      SKL_BIT(4)
#define SKL_BCS_SWCTRL              0x22200     /* masked: Y tiling for XY_SRC_COPY */
#define   BCS_SWCTRL_DST_Y          SKL_BIT(0)
#define   BCS_SWCTRL_SRC_Y          SKL_BIT(1)
#define SKL_GFX_FLSH_CNTL           0x101008

/* Interrupts (contract section 7). */
#define SKL_MASTER_IRQ              0x44200
#define   MASTER_IRQ_CONTROL        SKL_BIT(31)
#define SKL_GT_ISR(bank)            (0x44300 + 0x10 * (bank))
#define SKL_GT_IMR(bank)            (0x44304 + 0x10 * (bank))
#define SKL_GT_IIR(bank)            (0x44308 + 0x10 * (bank))
#define SKL_GT_IER(bank)            (0x4430c + 0x10 * (bank))
#define SKL_GT_BANKS                4
/* Per-engine interrupt bits, shifted by the engine's position in its bank. */
#define GT_USER_INTERRUPT           SKL_BIT(0)
#define GT_CS_ERROR_INTERRUPT       SKL_BIT(3)
#define GT_FLUSH_NOTIFY_INTERRUPT   SKL_BIT(4)  /* PIPE_CONTROL / MI_FLUSH_DW notify */
#define GT_CONTEXT_SWITCH_INTERRUPT SKL_BIT(8)

/* Context Status Buffer entries (low dword). */
#define CSB_IDLE_ACTIVE             SKL_BIT(0)
#define CSB_PREEMPTED               SKL_BIT(1)
#define CSB_ELEMENT_SWITCH          SKL_BIT(2)
#define CSB_ACTIVE_IDLE             SKL_BIT(3)
#define CSB_COMPLETE                SKL_BIT(4)
#define CSB_LITE_RESTORE            SKL_BIT(15)
#define CSB_ENTRIES                 6
/* Where the CSB is mirrored in the hardware status page (dword indices). */
#define HWSP_CSB_DW                 0x10
#define HWSP_CSB_WRITE_PTR_DW       0x1f
#define HWSP_REPORT_HEAD_DW         0x04

/* Context descriptor (ELSP element), low dword. */
#define CTX_DESC_VALID              SKL_BIT(0)
#define CTX_DESC_FORCE_RESTORE      SKL_BIT(2)
#define CTX_DESC_ADDRESSING_SHIFT   3
#define   CTX_ADDRESSING_LEGACY_32B 1           /* 3-level PPGTT, 4 PDPs */
#define   CTX_ADDRESSING_LEGACY_64B 3           /* 4-level PPGTT, PML4 */
#define CTX_DESC_PRIVILEGE          SKL_BIT(8)
#define CTX_DESC_LRCA_MASK          0xfffff000u

/* Logical ring context image: page 0 is the PPHWSP, page 1 register state. */
#define LRC_STATE_OFFSET            4096
#define LRC_RCS_PAGES               22
#define LRC_OTHER_PAGES             2
#define CTX_CONTEXT_CONTROL_DW      3
#define CTX_RING_HEAD_DW            5
#define CTX_RING_TAIL_DW            7
#define CTX_RING_START_DW           9
#define CTX_RING_CTL_DW             11
#define CTX_TIMESTAMP_DW            35
#define CTX_PDP_UDW_DW(n)           (49 - 4 * (n))
#define CTX_PDP_LDW_DW(n)           (51 - 4 * (n))
#define CTX_GPR0_DW                 105

/* GTT entries. */
#define GTT_PTE_PRESENT             SKL_BIT(0)
#define GTT_PTE_ADDR_MASK           0x00003ffffffff000ull      /* bits 45:12 */

/* Command encodings: dword 0 fields. */
#define CMD_TYPE(dw)                ((dw) >> 29)
#define   CMD_TYPE_MI               0
#define   CMD_TYPE_2D               2
#define   CMD_TYPE_GFX              3
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

/* The CS timestamp clock: CTC_MODE 0x4 selects 24 MHz >> 1. */
#define SKL_CTC_MODE_VALUE          0x4
#define SKL_CS_CLOCK_HZ             12000000ull

/* Fixed facts about each engine of a Skylake GT2 (defined in skl-execlist.c). */
struct skl_engine_info {
    const char *name;
    uint32_t base;
    unsigned hw_id;             /* fault register index */
    unsigned irq_bank, irq_shift;
    uint32_t gdrst_bit;
};

extern const struct skl_engine_info skl_engine_info[PGPU_NUM_ENGINES];

/* Engine sets, e.g. where a command is valid. */
enum {
    SKL_ENG_RCS = 1 << PGPU_RCS,
    SKL_ENG_BCS = 1 << PGPU_BCS,
    SKL_ENG_VCS = 1 << PGPU_VCS,
    SKL_ENG_VECS = 1 << PGPU_VECS,
    SKL_ENG_XCS = SKL_ENG_BCS | SKL_ENG_VCS | SKL_ENG_VECS,
    SKL_ENG_ALL = SKL_ENG_RCS | SKL_ENG_XCS,
};

#endif /* GPUMED_PGPU_SKL_REGS_H */
