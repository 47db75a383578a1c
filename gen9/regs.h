/*
 * regs.h - offsets and bit fields of the Gen9 (Skylake GT2) registers: the
 * one description of them that the vGPU (vgpu/), the mediator, the
 * scheduler, the GPU model and its native driver (pgpu/) all use.
 *
 * Names are i915's (drivers/gpu/drm/i915), so that a register can be found
 * in both; per-engine registers are relative to the engine's base.  The
 * contract section given per group is in
 * docs/reference/i915-vgpu-guest-contract.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_REGS_H
#define GPUMED_GEN9_REGS_H

/* Masked registers: the upper half selects the bits the write changes. */
#define MASKED_BIT_ENABLE(bits)     (((bits) << 16) | (bits))
#define MASKED_BIT_DISABLE(bits)    ((bits) << 16)

/* Engines: MMIO bases of the per-engine register blocks (contract 6.1). */
#define RENDER_RING_BASE        0x02000
#define GEN6_BSD_RING_BASE      0x12000
#define VEBOX_RING_BASE         0x1a000
#define BLT_RING_BASE           0x22000

/* Per-engine registers, relative to the engine base (contract 4.4, 6.1). */
#define RING_EXCC               0x028
#define RING_TAIL               0x030
#define   TAIL_ADDR             0x001ffff8u
#define RING_HEAD               0x034
#define   HEAD_ADDR             0x001ffffcu
#define RING_START              0x038
#define RING_CTL                0x03c
#define   RING_VALID            (1u << 0)
#define   RING_NR_PAGES         0x001ff000u     /* pages - 1 */
#define   RING_CTL_PAGES(ctl)   ((((ctl) & RING_NR_PAGES) >> 12) + 1)
#define RING_PSMI_CTL           0x050
#define RING_IPEIR              0x064
#define RING_IPEHR              0x068
#define RING_HWS_PGA            0x080
#define RING_HWSTAM             0x098
#define RING_MI_MODE            0x09c
#define   STOP_RING             (1u << 8)
#define   MODE_IDLE             (1u << 9)
#define RING_IMR                0x0a8
#define RING_EIR                0x0b0
#define RING_EMR                0x0b4
#define RING_ESR                0x0b8
#define   I915_ERROR_INSTRUCTION (1u << 0)  /* unknown or malformed command */
#define   I915_ERROR_PAGE_TABLE (1u << 4)   /* GPU page fault */
#define RING_INSTPM             0x0c0
#define GEN8_R_PWR_CLK_STATE    0x0c8   /* render only */
#define RING_RESET_CTL          0x0d0
#define   RESET_CTL_REQUEST_RESET   (1u << 0)
#define   RESET_CTL_READY_TO_RESET  (1u << 1)
#define   RESET_CTL_CAT_ERROR       (1u << 2)
#define RING_BBSTATE            0x110
#define   BB_STATE_ACTIVE       (1u << 0)   /* the model's: a batch is executing */
#define   RING_BB_PPGTT         (1u << 5)
#define RING_SBBADDR            0x114
#define RING_SBBSTATE           0x118
#define RING_SBBADDR_UDW        0x11c
#define RING_BBADDR             0x140
#define RING_BB_OFFSET          0x158
#define RING_BBADDR_UDW         0x168
#define RING_BB_PER_CTX_PTR     0x1c0
#define RING_INDIRECT_CTX       0x1c4
#define RING_INDIRECT_CTX_OFFSET 0x1c8
#define RING_ELSP               0x230
#define RING_EXECLIST_STATUS_LO 0x234   /* contract 6.4 */
#define   EXECLIST_STATUS_1_VALID   (1u << 3)
#define   EXECLIST_STATUS_0_VALID   (1u << 4)
#define   EXECLIST_STATUS_0_ACTIVE  (1u << 18)
#define RING_EXECLIST_STATUS_HI 0x238   /* the active element's context ID */
#define RING_CONTEXT_CONTROL    0x244
#define   CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT (1u << 0)
#define   CTX_CTRL_RS_CTX_ENABLE              (1u << 1)
#define   CTX_CTRL_ENGINE_CTX_SAVE_INHIBIT    (1u << 2)
#define   CTX_CTRL_INHIBIT_SYN_CTX_SWITCH     (1u << 3)
#define RING_PDP_LDW(n)         (0x270 + 8 * (n))   /* 4 x 64 bit */
#define RING_PDP_UDW(n)         (RING_PDP_LDW(n) + 4)
#define RING_MODE_GEN7          0x29c
#define   GFX_RUN_LIST_ENABLE   (1u << 15)
#define RING_TIMESTAMP          0x358
#define RING_TIMESTAMP_UDW      (RING_TIMESTAMP + 4)
/* 6 x 64-bit context status entries (contract 6.3): status, context ID. */
#define RING_CONTEXT_STATUS_BUF_LO(n) (0x370 + 8 * (n))
#define RING_CONTEXT_STATUS_BUF_HI(n) (RING_CONTEXT_STATUS_BUF_LO(n) + 4)
#define   GEN8_CSB_ENTRIES      6
#define   GEN8_CTX_STATUS_IDLE_ACTIVE    (1u << 0)
#define   GEN8_CTX_STATUS_PREEMPTED      (1u << 1)
#define   GEN8_CTX_STATUS_ELEMENT_SWITCH (1u << 2)
#define   GEN8_CTX_STATUS_ACTIVE_IDLE    (1u << 3)
#define   GEN8_CTX_STATUS_COMPLETE       (1u << 4)
#define   GEN8_CTX_STATUS_LITE_RESTORE   (1u << 15)
#define RING_CONTEXT_STATUS_PTR 0x3a0
#define   CSB_WRITE_PTR_MASK    0x7
#define   CSB_PTR_NONE          0x7     /* no entry written since reset */
#define RING_CTX_TIMESTAMP      0x3a8
#define RING_FORCE_TO_NONPRIV   0x4d0   /* 12 slots */
#define MI_PREDICATE_RESULT_1   0x41c
#define RING_GPR(n)             (0x600 + 4 * (n))   /* 16 x 64 bit, by dword */

/* Uncore, fuses, clocks, workaround targets (contract 4.4). */
#define GEN8_MCR_SELECTOR       0x0fdc
#define PGTBL_ER                0x2024
#define GEN9_CSFE_CHICKEN1_RCS  0x20d4
#define GEN7_FF_SLICE_CS_CHICKEN1 0x20e0
#define GAM_ECOCHK              0x4090
#define GEN8_RING_FAULT_REG     0x4094
/* RCS 0, VCS 1, BCS 2, VECS 3 */
#define RING_FAULT_REG(hw_id)   (GEN8_RING_FAULT_REG + 0x100 * (hw_id))
#define   RING_FAULT_VALID      (1u << 0)
#define GEN8_FAULT_TLB_DATA0    0x4b10      /* faulting address bits 43:12 */
#define GEN8_FAULT_TLB_DATA1    0x4b14      /* bits 3:0 address 47:44; bit 4 GGTT */
#define   FAULT_GTT_SEL         (1u << 4)
#define GEN8_RTCR               0x4260  /* TLB invalidation: RCS, VCS0, VCS1, BCS, VECS */
#define GEN8_TLB_INV_SIZE       (5 * 4)
#define MMCD_MISC_CTRL          0x4ddc
#define GEN7_UCGCTL4            0x940c
#define GEN8_GARBCNTL           0xb004
#define GEN9_SCRATCH_LNCF1      0xb008
#define GEN9_LNCFCMOCS          0xb020      /* 32 L3 MOCS entries */
#define GEN8_L3SQCREG4          0xb118
#define BDW_SCRATCH1            0xb11c
#define GEN9_RCS_MOCS_BASE      0xc800      /* 64 entries per engine */
#define GEN9_VCS_MOCS_BASE      0xc900
#define GEN9_VECS_MOCS_BASE     0xcb00
#define GEN9_BCS_MOCS_BASE      0xcc00
#define GEN9_MOCS_SIZE          (64 * 4)
#define GEN8_PRIVATE_PAT_LO     0x40e0
#define GEN8_PRIVATE_PAT_HI     0x40e4
#define GEN8_FUSE2              0x9120
#define GEN9_EU_DISABLE         0x9134  /* one dword per slice */
#define GEN6_GDRST              0x941c
#define   GRDOM_FULL            (1u << 0)
#define   GRDOM_RENDER          (1u << 1)
#define   GRDOM_MEDIA           (1u << 2)
#define   GRDOM_BLT             (1u << 3)
#define   GRDOM_VECS            (1u << 4)
#define   GEN9_GRDOM_GUC        (1u << 5)
#define CTC_MODE                0xa26c
#define   SKL_CTC_MODE_VALUE    0x4         /* the CS timestamp clock: 24 MHz >> 1 */
#define   SKL_CS_CLOCK_HZ       12000000ull
/* Forcewake (i915 intel_uncore.c, gen9): a masked request per domain; its
 * ack register reflects the request bits once the domain is awake. */
#define FORCEWAKE_RENDER_GEN9   0xa278
#define FORCEWAKE_ACK_RENDER_GEN9 0x0d84
#define FORCEWAKE_MEDIA_GEN9    0xa270
#define FORCEWAKE_ACK_MEDIA_GEN9 0x0d88
#define FORCEWAKE_GT_GEN9       0xa188      /* the blitter's domain */
#define FORCEWAKE_ACK_GT_GEN9   0x130044
#define   FORCEWAKE_KERNEL      (1u << 0)
#define GUC_STATUS              0xc000
#define   GS_MIA_IN_RESET       (1u << 0)
#define FPGA_DBG                0x42300
#define   FPGA_DBG_RM_NOCLAIM   (1u << 31)
#define SKL_DFSM                0x51000
#define FENCE_REG_GEN6          0x100000    /* 32 x 64 bit (contract 5.5) */
#define   GEN9_FENCE_COUNT      32
/* Low dword: the first page's GGTT address, the tiling, valid; high dword
 * (GEN6_FENCE_PITCH_SHIFT 32): the last page's GGTT address and the pitch in
 * 128-byte units, minus one (i965_write_fence_reg). */
#define   I965_FENCE_REG_VALID  (1u << 0)
#define   I965_FENCE_TILING_Y   (1u << 1)
#define   I965_FENCE_PAGE_MASK  0xfffff000u
#define   GEN6_FENCE_PITCH_MASK 0x00000fffu
#define   I965_FENCE_PITCH_UNIT 128u
#define GFX_FLSH_CNTL_GEN6      0x101008
#define BCS_SWCTRL              0x22200     /* masked: Y tiling for XY_SRC_COPY */
#define   BCS_SRC_Y             (1u << 0)
#define   BCS_DST_Y             (1u << 1)
#define HSW_EDRAM_CAP           0x120010
#define MCHBAR_MIRROR_BASE      0x140000    /* read-only mirror of the MCHBAR */
#define MCHBAR_MIRROR_SIZE      0x40000

/*
 * Registers a command stream may load or store, by the scanner's policy
 * (mediator/scan/cmd-table.c): render context workarounds, the
 * FORCE_TO_NONPRIV slots and the command parser's grants of i915.
 */
#define FF_SLICE_CHICKEN            0x2088
#define _3D_CHICKEN3                0x2090
#define CACHE_MODE_1                0x7004
#define GEN7_GT_MODE                0x7008
#define HDC_CHICKEN0                0x7300
#define HALF_SLICE_CHICKEN2         0xe180
#define GEN8_HALF_SLICE_CHICKEN3    0xe184
#define GEN9_HALF_SLICE_CHICKEN5    0xe188
#define GEN9_HALF_SLICE_CHICKEN7    0xe194
#define GEN8_ROW_CHICKEN            0xe4f0
#define GEN9_CTX_PREEMPT_REG        0x2248
#define GEN8_CS_CHICKEN1            0x2580
#define COMMON_SLICE_CHICKEN2       0x7014
#define GEN8_HDC_CHICKEN1           0x7304
#define GPGPU_THREADS_DISPATCHED    0x2290
#define HS_INVOCATION_COUNT         0x2300
#define DS_INVOCATION_COUNT         0x2308
#define IA_VERTICES_COUNT           0x2310
#define IA_PRIMITIVES_COUNT         0x2318
#define VS_INVOCATION_COUNT         0x2320
#define GS_INVOCATION_COUNT         0x2328
#define GS_PRIMITIVES_COUNT         0x2330
#define CL_INVOCATION_COUNT         0x2338
#define CL_PRIMITIVES_COUNT         0x2340
#define PS_INVOCATION_COUNT         0x2348
#define PS_DEPTH_COUNT              0x2350
#define MI_PREDICATE_SRC0           0x2400
#define MI_PREDICATE_SRC1           0x2408
#define GEN7_3DPRIM_END_OFFSET      0x2420
#define GEN7_3DPRIM_START_VERTEX    0x2430
#define GEN7_3DPRIM_VERTEX_COUNT    0x2434
#define GEN7_3DPRIM_INSTANCE_COUNT  0x2438
#define GEN7_3DPRIM_START_INSTANCE  0x243c
#define GEN7_3DPRIM_BASE_VERTEX     0x2440
#define GEN7_GPGPU_DISPATCHDIM      0x2500
#define GEN7_SO_NUM_PRIMS_WRITTEN   0x5200
#define GEN7_SO_PRIM_STORAGE_NEEDED 0x5240
#define GEN7_SO_WRITE_OFFSET        0x5280
#define GEN8_L3CNTLREG              0x7034

/* PCODE mailbox (contract 4.4). */
#define GEN6_PCODE_MAILBOX      0x138124
#define   GEN6_PCODE_READY      (1u << 31)
#define   GEN6_PCODE_ERROR_MASK 0xffu
#define   GEN7_PCODE_ILLEGAL_CMD 0x1
#define GEN6_PCODE_DATA         0x138128
#define GEN6_PCODE_DATA1        0x13812c
#define GEN9_PCODE_READ_MEM_LATENCY     0x6
#define SKL_PCODE_CDCLK_CONTROL         0x7
#define   SKL_CDCLK_READY_FOR_CHANGE    0x1
#define GEN6_PCODE_WRITE_MIN_FREQ_TABLE 0x8
#define HSW_PCODE_DYNAMIC_DUTY_CYCLE_CONTROL 0x1a
#define GEN9_PCODE_SAGV_CONTROL         0x21

/* Interrupts (contract 7.2). */
#define GEN8_MASTER_IRQ         0x44200
#define   GEN8_MASTER_IRQ_CONTROL (1u << 31)
#define GEN8_GT_ISR(bank)       (0x44300 + 0x10 * (bank))
#define GEN8_GT_IMR(bank)       (GEN8_GT_ISR(bank) + IRQ_IMR)
#define GEN8_GT_IIR(bank)       (GEN8_GT_ISR(bank) + IRQ_IIR)
#define GEN8_GT_IER(bank)       (GEN8_GT_ISR(bank) + IRQ_IER)
#define GEN8_GT_BANKS           4
/* Per-engine GT interrupt bits, shifted by the engine's position in its bank. */
#define   GT_RENDER_USER_INTERRUPT           (1u << 0)
#define   GT_CS_MASTER_ERROR_INTERRUPT       (1u << 3)
#define   GT_RENDER_PIPECTL_NOTIFY_INTERRUPT (1u << 4)  /* PIPE_CONTROL / MI_FLUSH_DW notify */
#define   GT_CONTEXT_SWITCH_INTERRUPT        (1u << 8)
#define GEN8_DE_PIPE_ISR_A      0x44400     /* 3 pipes of ISR/IMR/IIR/IER */
#define GEN8_DE_PORT_ISR        0x44440
#define GEN8_DE_MISC_ISR        0x44460
#define GEN8_PCU_ISR            0x444e0
#define SDEISR                  0xc4000
#define IRQ_IMR                 0x4         /* offsets inside one ISR/IMR/IIR/IER set */
#define IRQ_IIR                 0x8
#define IRQ_IER                 0xc
#define GEN8_PIPE_VBLANK        (1u << 0)
#define GEN9_PIPE_PLANE1_FLIP_DONE (1u << 3)
#define SDE_PORTD_HOTPLUG_CPT   (1u << 23)
#define EDP_PSR_IMR             0x64834     /* outside the tree: DE misc bit 19 */
#define EDP_PSR_IIR             0x64838
#define PCH_PORT_HOTPLUG        0xc4030
#define   PORTD_HOTPLUG_LONG_DETECT (2u << 16)
#define PCH_PORT_HOTPLUG2       0xc403c

/* Display core (contract 4.4). */
#define CPU_VGACNTRL            0x41000
#define SKL_FUSE_STATUS         0x42000
#define   SKL_FUSE_DOWNLOAD_STATUS (1u << 31)
#define   SKL_FUSE_PG_DIST_STATUS(pg) (1u << (27 - (pg)))
#define DBUF_CTL_S0             0x45008
#define   DBUF_POWER_REQUEST    (1u << 31)
#define   DBUF_POWER_STATE      (1u << 30)
#define HSW_PWR_WELL_CTL1       0x45400     /* BIOS, driver, KVMr, debug: 4 dwords */
#define HSW_PWR_WELL_CTL_COUNT  4
#define DC_STATE_EN             0x45504
#define CDCLK_CTL               0x46000
#define LCPLL1_CTL              0x46010
#define LCPLL2_CTL              0x46014
#define   LCPLL_PLL_ENABLE      (1u << 31)
#define   LCPLL_PLL_LOCK        (1u << 30)
#define WRPLL_CTL1              0x46040
#define WRPLL_CTL2              0x46060
#define HSW_NDE_RSTWRN_OPT      0x46408
#define SWF_ILK_0x18            0x4f060
#define DPLL_CTRL1              0x6c058
#define DPLL_CTRL2              0x6c05c
#define DPLL_STATUS             0x6c060
#define SFUSE_STRAP             0xc2014
#define   SFUSE_STRAP_DDID_DETECTED (1u << 0)
#define GMBUS0                  0xc5100     /* GMBUS0..5: 0xc5100..0xc5120 */
#define PCH_RAWCLK_FREQ         0xc6204

/* Ports, transcoders, pipes, planes (contract 8). */
#define TRANS_HTOTAL_A          0x60000     /* timings, PIPESRC, M/N: 0x50 bytes */
#define TRANS_VTOTAL_A          0x6000c     /* bits 28:16 vtotal - 1 */
#define TRANS_TIMINGS_SIZE      0x50
#define TRANS_HTOTAL_EDP        0x6f000
#define TRANS_DDI_FUNC_CTL_A    0x60400     /* + 0x1000 per transcoder */
#define TRANS_MSA_MISC_A        0x60410
#define DDI_BUF_TRANS_A         0x64e00     /* + 0x60 per port: 10 entries x 2 */
#define DDI_BUF_TRANS_STRIDE    0x60
#define DDI_BUF_TRANS_SIZE      0x50
#define TRANS_DDI_FUNC_CTL_EDP  0x6f400
#define DDI_BUF_CTL_A           0x64000     /* + 0x100 per port */
#define   DDI_BUF_CTL_ENABLE    (1u << 31)
#define   DDI_BUF_IS_IDLE       (1u << 7)
#define DP_AUX_CH_CTL_A         0x64010     /* + 0x100 per channel */
#define   DP_AUX_CH_CTL_SEND_BUSY      (1u << 31)
#define   DP_AUX_CH_CTL_DONE           (1u << 30)
#define   DP_AUX_CH_CTL_INTERRUPT      (1u << 29)
#define   DP_AUX_CH_CTL_TIME_OUT_ERROR (1u << 28)
#define   DP_AUX_CH_CTL_RECEIVE_ERROR  (1u << 25)
#define   DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT 20
#define   DP_AUX_CH_CTL_MESSAGE_SIZE_MASK  (0x1fu << 20)
#define DP_AUX_CH_DATA_A        0x64014     /* 5 dwords after each CTL */
#define DP_AUX_CH_DATA_BYTES    20
#define DP_TP_CTL_A             0x64040     /* + 0x100 per port */
#define   DP_TP_CTL_LINK_TRAIN_MASK (7u << 8)
#define   DP_TP_CTL_LINK_TRAIN_IDLE (2u << 8)
#define DP_TP_STATUS_A          0x64044
#define   DP_TP_STATUS_IDLE_DONE (1u << 25)
#define   DP_TP_STATUS_STICKY   ((3u << 26) | (1u << 24))
#define PS_1A_BASE              0x68100     /* pipe scaler 1 of pipe A: 0x100 bytes */
#define PS_SIZE                 0x100
#define PS_PIPE_STRIDE          0x800
#define PIPEDSL_A               0x70000
#define TRANSCONF_A             0x70008     /* PIPECONF; + 0x1000 per pipe */
#define TRANSCONF_EDP           0x7f008
#define   TRANSCONF_ENABLE      (1u << 31)
#define   TRANSCONF_STATE_ENABLE (1u << 30)
#define PIPE_FRMCOUNT_A         0x70040
#define PIPE_FLIPCOUNT_A        0x70044
#define CURCNTR_A               0x70080     /* cursor, its watermarks and DDB: to 0x7017f */
#define PLANE_CTL_1_A           0x70180     /* + 0x100 per plane */
#define PLANE_SURF_1_A          0x7019c
#define PLANE_SURFLIVE_1_A      0x701ac
#define PIPE_STRIDE             0x1000      /* pipe/transcoder B is A + 0x1000 */
#define PLANE_STRIDE            0x100
#define PORT_STRIDE             0x100

/* Scan-out (contract 8.4), read by the plane decoder; + PIPE_STRIDE per pipe. */
#define PIPESRC_A               0x6001c     /* width - 1 in 31:16, height - 1 in 15:0 */
#define CURBASE_A               0x70084     /* 31:12 graphics address */
#define CURPOS_A                0x70088     /* sign-magnitude y in 31:16, x in 15:0 */
#define   CURSOR_POS_SIGN       0x8000u
#define   CURSOR_POS_MAGNITUDE  0x7fffu
#define   CURSOR_MODE_MASK      0x27u
#define   CURSOR_MODE_DISABLE   0x00u
#define   CURSOR_MODE_64_ARGB   0x27u
#define   CURSOR_MODE_128_ARGB  0x22u
#define   CURSOR_MODE_256_ARGB  0x23u
#define   CURSOR_ROTATE_180     (1u << 15)
#define PLANE_STRIDE_1_A        0x70188     /* 9:0, in 64 B (linear) or 512 B (X) units */
#define   PLANE_STRIDE_MASK     0x3ffu
#define   PLANE_STRIDE_LINEAR_UNIT 64u
#define PLANE_POS_1_A           0x7018c     /* y in 31:16, x in 15:0 */
#define PLANE_SIZE_1_A          0x70190     /* height - 1 in 31:16, width - 1 in 15:0 */
#define PLANE_OFFSET_1_A        0x701a4     /* y in 31:16, x in 15:0 */
#define   PLANE_CTL_ENABLE      (1u << 31)
#define   PLANE_CTL_FORMAT_SHIFT 24
#define   PLANE_CTL_FORMAT_XRGB_8888 4u     /* 8:8:8:8, order and alpha below */
#define   PLANE_CTL_FORMAT_RGB_565   14u
#define   PLANE_CTL_ORDER_RGBX  (1u << 20)
#define   PLANE_CTL_DECOMPRESS  (1u << 15)
#define   PLANE_CTL_TILED_SHIFT 10
#define   PLANE_CTL_TILED_LINEAR 0u
#define   PLANE_CTL_TILED_X     1u
#define   PLANE_CTL_FLIP_HORIZONTAL (1u << 8)
#define   PLANE_CTL_ALPHA_MASK  (3u << 4)
#define   PLANE_CTL_ROTATE_MASK 3u

#endif /* GPUMED_GEN9_REGS_H */
