/*
 * lrc.h - execlists as Gen9 lays them out in memory: the hardware status
 * page, the context descriptor an ELSP write carries, and the logical ring
 * context image (dword indices of its register state page).  Used by the
 * vGPU, the mediator, the scheduler, the GPU model and its native driver.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_LRC_H
#define GPUMED_GEN9_LRC_H

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

/* Logical ring context image: page 0 is the PPHWSP, page 1 register state. */
#define LRC_STATE_OFFSET            4096
#define CTX_CONTEXT_CONTROL_DW      3
#define CTX_RING_HEAD_DW            5
#define CTX_RING_TAIL_DW            7
#define CTX_RING_START_DW           9
#define CTX_RING_CTL_DW             11
#define CTX_BB_STATE_FIRST_DW       13  /* batch addresses and states: dw 13..23 odd */
#define CTX_BB_STATE_LAST_DW        23
#define CTX_BB_PER_CTX_PTR_DW       25
#define CTX_INDIRECT_CTX_DW         27
#define CTX_TIMESTAMP_DW            35  /* first of the PPGTT block */
#define CTX_PDP_UDW_DW(n)           (49 - 4 * (n))  /* PDP3..PDP0 values: dw 37..51 odd */
#define CTX_PDP_LDW_DW(n)           (51 - 4 * (n))
#define CTX_POWER_CLK_STATE_DW      67
#define CTX_ENGINE_STATE_DW         83  /* 44 saved engine registers: dw 83..169 odd */
#define CTX_ENGINE_STATE_COUNT      44
#define CTX_GPR0_DW                 105

#endif /* GPUMED_GEN9_LRC_H */
