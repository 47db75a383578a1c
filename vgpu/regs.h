/*
 * regs.h - the PVINFO page: the registers a vGPU adds to the Gen9 ones
 * (gen9/regs.h, included here) for its paravirtualized guest.
 *
 * Names follow the guest driver's where one exists, so that a register
 * can be found in both; the contract section is given per group.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_VGPU_REGS_H
#define GPUMED_VGPU_REGS_H

#include "gen9/regs.h"

/* PVINFO page (contract 2.2). */
#define VGT_PVINFO_PAGE         0x78000
#define VGT_PVINFO_HEADER_SIZE  0x60        /* magic .. avail_rs: read-only */
#define VGT_MAGIC_LO            0x78000
#define VGT_VERSION             0x78008
#define VGT_ID                  0x7800c
#define VGT_CAPS                0x78010
#define VGT_AVAIL_MAPPABLE_BASE 0x78040
#define VGT_AVAIL_MAPPABLE_SIZE 0x78044
#define VGT_AVAIL_HIDDEN_BASE   0x78048
#define VGT_AVAIL_HIDDEN_SIZE   0x7804c
#define VGT_AVAIL_FENCE_NUM     0x78050
#define VGT_DISPLAY_READY       0x78804
#define VGT_G2V_NOTIFY          0x78818
#define VGT_CURSOR_HOT          0x78830     /* x, y: legacy, never written by 6.1 */
#define VGT_PDP                 0x78838     /* 4 x {lo, hi} */
#define VGT_EXECLIST_DESC       0x78858     /* lo, hi: legacy */

#define VGT_MAGIC               0x4776544776544776ull
#define VGT_VERSION_MAJOR       1
#define VGT_CAPS_FULL_PPGTT     (1u << 2)
#define VGT_CAPS_HWSP_EMULATION (1u << 3)
#define VGT_G2V_PPGTT_L3_PAGE_TABLE_CREATE  2
#define VGT_G2V_PPGTT_L3_PAGE_TABLE_DESTROY 3
#define VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE  4
#define VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY 5

#endif /* GPUMED_VGPU_REGS_H */
