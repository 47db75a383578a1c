/*
 * regs.c - the vGPU's register file: one table of tracked registers, the
 * generic write semantics it describes, and the handlers of the GT and
 * display-core registers that acknowledge requests (contract 4.4).
 *
 * Every offset the model knows is a row below.  Anything else in the 2 MiB
 * register window is plain storage whose accesses are counted, so that we
 * see what the guest touches that we do not model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"
#include "vgpu/regs.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>


/* Power wells of SKL (index i: request bit 2i+1, state bit 2i). */
#define SKL_PW_MISC_IO  0
#define SKL_PW_DDI_A_E  1
#define SKL_PW_DDI_D    4
#define SKL_PW_1        14
#define SKL_PW_2        15
#define PW_REQUEST(i)   (1u << (2 * (i) + 1))
#define SKL_PW_REQUESTS (PW_REQUEST(SKL_PW_MISC_IO) | PW_REQUEST(SKL_PW_DDI_A_E) | \
                         PW_REQUEST(2) | PW_REQUEST(3) | PW_REQUEST(SKL_PW_DDI_D) | \
                         PW_REQUEST(SKL_PW_1) | PW_REQUEST(SKL_PW_2))

/* DPLL0 at boot: override, 810 MHz link rate, i.e. an 8100 MHz VCO. */
#define DPLL_CTRL1_BOOT         0x5
/* DDI clocks A..E gated at boot: nothing is lit before the driver. */
#define DPLL_CTRL2_BOOT         (0x1fu << 15)
/* CDCLK 337.5 MHz on that VCO: frequency select 2, decimal (337500-1000)/500. */
#define CDCLK_CTL_BOOT          ((2u << 26) | 0x2a1)
/* Any non-zero value: "the pre-OS set CDCLK up", which the above is. */
#define SWF18_BOOT              0x1
/* 1 slice, subslice 3 of 4 disabled: SKL GT2, 24 EUs (contract 4.4). */
#define GEN8_FUSE2_GT2          0x02800000
#define PCH_RAWCLK_24MHZ        24
/* The fuse power gates PG0..PG2 are distributed and the download is done. */
#define SKL_FUSE_STATUS_BOOT    (SKL_FUSE_DOWNLOAD_STATUS | SKL_FUSE_PG_DIST_STATUS(0) | \
                                 SKL_FUSE_PG_DIST_STATUS(1) | SKL_FUSE_PG_DIST_STATUS(2))
#define PCH_PORT_HOTPLUG_STATUS 0x03030303u    /* A, B, C, D status fields */

/* Memory latencies (us) the PCODE reports for watermark levels 0..7. */
static const uint8_t pcode_mem_latency[8] = { 2, 19, 28, 32, 43, 61, 75, 100 };

static void ring_reset_ctl_write(struct vgpu *vgpu, uint32_t offset,
                                 uint32_t old, uint32_t written);
static void gdrst_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                        uint32_t written);
static void pwr_well_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                           uint32_t written);
static void request_ack_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                              uint32_t written);
static uint32_t dpll_status_read(struct vgpu *vgpu, uint32_t offset);
static void pcode_mailbox_write(struct vgpu *vgpu, uint32_t offset,
                                uint32_t old, uint32_t written);

/* The four registers of one interrupt set (contract 7.3). */
#define IRQ_SET(label, base, n)                                              \
    { .name = label " ISR", .offset = (base), .size = 4, .count = (n),       \
      .stride = 0x10, .ro_mask = ~0u },                                      \
    { .name = label " IMR", .offset = (base) + IRQ_IMR, .size = 4,           \
      .count = (n), .stride = 0x10, .reset = ~0u,                            \
      .write = vgpu_irq_reg_write },                                         \
    { .name = label " IIR", .offset = (base) + IRQ_IIR, .size = 4,           \
      .count = (n), .stride = 0x10, .w1c_mask = ~0u,                         \
      .write = vgpu_irq_reg_write },                                         \
    { .name = label " IER", .offset = (base) + IRQ_IER, .size = 4,           \
      .count = (n), .stride = 0x10, .write = vgpu_irq_reg_write }

/*
 * The tracked registers.  Rows may be in any order: the index built from
 * them rejects overlaps, and a unit test checks that it builds.
 */
const struct vgpu_reg vgpu_regs[] = {
    /* Per-engine registers (contract 4.4 "Engines", 6.1). */
    { .name = "RING_TAIL", .offset = RING_TAIL, .size = 4, .flags = VGPU_REG_ENGINE },
    { .name = "RING_HEAD", .offset = RING_HEAD, .size = 4, .flags = VGPU_REG_ENGINE },
    { .name = "RING_START", .offset = RING_START, .size = 4, .flags = VGPU_REG_ENGINE },
    { .name = "RING_CTL", .offset = RING_CTL, .size = 4, .flags = VGPU_REG_ENGINE },
    { .name = "RING_PSMI_CTL", .offset = RING_PSMI_CTL, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED },
    /* No engine ever reports an error: these read zero. */
    { .name = "RING_IPEIR", .offset = RING_IPEIR, .size = 4, .flags = VGPU_REG_ENGINE,
      .ro_mask = ~0u },
    { .name = "RING_HWS_PGA", .offset = RING_HWS_PGA, .size = 4, .flags = VGPU_REG_ENGINE },
    { .name = "RING_HWSTAM", .offset = RING_HWSTAM, .size = 4, .flags = VGPU_REG_ENGINE },
    /* MODE_IDLE is computed from the execlist state. */
    { .name = "RING_MI_MODE", .offset = RING_MI_MODE, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED, .ro_mask = MODE_IDLE,
      .read = vgpu_mi_mode_read },
    { .name = "RING_IMR", .offset = RING_IMR, .size = 4, .flags = VGPU_REG_ENGINE,
      .reset = ~0u },
    { .name = "RING_EIR", .offset = RING_EIR, .size = 4, .flags = VGPU_REG_ENGINE,
      .w1c_mask = ~0u },
    { .name = "RING_EMR", .offset = RING_EMR, .size = 4, .flags = VGPU_REG_ENGINE },
    { .name = "RING_ESR", .offset = RING_ESR, .size = 4, .flags = VGPU_REG_ENGINE,
      .ro_mask = ~0u },
    { .name = "RING_INSTPM", .offset = RING_INSTPM, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED },
    { .name = "RING_RESET_CTL", .offset = RING_RESET_CTL, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED,
      .ro_mask = RESET_CTL_READY_TO_RESET, .write = ring_reset_ctl_write },
    { .name = "RING_ELSP", .offset = RING_ELSP, .size = 4, .flags = VGPU_REG_ENGINE,
      .ro_mask = ~0u, .write = vgpu_elsp_write },
    { .name = "RING_EXECLIST_STATUS", .offset = RING_EXECLIST_STATUS_LO, .size = 8,
      .flags = VGPU_REG_ENGINE, .ro_mask = ~0u, .read = vgpu_execlist_status_read },
    { .name = "RING_CONTEXT_CONTROL", .offset = RING_CONTEXT_CONTROL, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED },
    { .name = "RING_PDP", .offset = RING_PDP_LDW(0), .size = 32, .flags = VGPU_REG_ENGINE },
    { .name = "RING_MODE_GEN7", .offset = RING_MODE_GEN7, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED },
    { .name = "RING_TIMESTAMP", .offset = RING_TIMESTAMP, .size = 8,
      .flags = VGPU_REG_ENGINE, .ro_mask = ~0u },
    { .name = "RING_CONTEXT_STATUS_BUF", .offset = RING_CONTEXT_STATUS_BUF_LO(0), .size = 48,
      .flags = VGPU_REG_ENGINE, .ro_mask = ~0u },
    { .name = "RING_CONTEXT_STATUS_PTR", .offset = RING_CONTEXT_STATUS_PTR, .size = 4,
      .flags = VGPU_REG_ENGINE | VGPU_REG_MASKED, .reset = CSB_PTR_NONE },
    { .name = "RING_CTX_TIMESTAMP", .offset = RING_CTX_TIMESTAMP, .size = 4,
      .flags = VGPU_REG_ENGINE },
    { .name = "RING_FORCE_TO_NONPRIV", .offset = RING_FORCE_TO_NONPRIV, .size = 48,
      .flags = VGPU_REG_ENGINE },

    /* GT: fuses, clocks, reset, GGTT globals (contract 4.4). */
    { .name = "GEN8_MCR_SELECTOR", .offset = GEN8_MCR_SELECTOR, .size = 4 },
    { .name = "PGTBL_ER", .offset = PGTBL_ER, .size = 4, .ro_mask = ~0u },
    { .name = "GEN8_RING_FAULT_REG", .offset = GEN8_RING_FAULT_REG, .size = 4 },
    /*
     * TLB invalidations complete at once: the vGPU caches no translation,
     * and the mediator re-validates the GGTT and PPGTTs before a workload.
     */
    { .name = "GEN8_TLB_INV", .offset = GEN8_RTCR, .size = GEN8_TLB_INV_SIZE,
      .ro_mask = ~0u },

    /* Workaround targets the guest writes and reads back (contract 4.4). */
    { .name = "GEN9_CSFE_CHICKEN1_RCS", .offset = GEN9_CSFE_CHICKEN1_RCS, .size = 4,
      .flags = VGPU_REG_MASKED },
    { .name = "GEN7_FF_SLICE_CS_CHICKEN1", .offset = GEN7_FF_SLICE_CS_CHICKEN1,
      .size = 4, .flags = VGPU_REG_MASKED },
    { .name = "GAM_ECOCHK", .offset = GAM_ECOCHK, .size = 4 },
    { .name = "MMCD_MISC_CTRL", .offset = MMCD_MISC_CTRL, .size = 4 },
    { .name = "GEN7_UCGCTL4", .offset = GEN7_UCGCTL4, .size = 4 },
    { .name = "GEN8_GARBCNTL", .offset = GEN8_GARBCNTL, .size = 4 },
    { .name = "GEN9_SCRATCH_LNCF1", .offset = GEN9_SCRATCH_LNCF1, .size = 4 },
    { .name = "GEN8_L3SQCREG4", .offset = GEN8_L3SQCREG4, .size = 4 },
    { .name = "BDW_SCRATCH1", .offset = BDW_SCRATCH1, .size = 4 },
    /* Cache control tables the guest programs and never reads back. */
    { .name = "GEN9_LNCFCMOCS", .offset = GEN9_LNCFCMOCS, .size = 32 * 4 },
    { .name = "GEN9_RCS_MOCS", .offset = GEN9_RCS_MOCS_BASE, .size = GEN9_MOCS_SIZE },
    { .name = "GEN9_VCS_MOCS", .offset = GEN9_VCS_MOCS_BASE, .size = GEN9_MOCS_SIZE },
    { .name = "GEN9_VECS_MOCS", .offset = GEN9_VECS_MOCS_BASE, .size = GEN9_MOCS_SIZE },
    { .name = "GEN9_BCS_MOCS", .offset = GEN9_BCS_MOCS_BASE, .size = GEN9_MOCS_SIZE },
    { .name = "GEN8_PRIVATE_PAT", .offset = GEN8_PRIVATE_PAT_LO, .size = 8 },
    { .name = "GEN8_FUSE2", .offset = GEN8_FUSE2, .size = 4, .reset = GEN8_FUSE2_GT2,
      .ro_mask = ~0u },
    { .name = "GEN9_EU_DISABLE", .offset = GEN9_EU_DISABLE, .size = 12, .ro_mask = ~0u },
    { .name = "GEN6_GDRST", .offset = GEN6_GDRST, .size = 4, .write = gdrst_write },
    { .name = "CTC_MODE", .offset = CTC_MODE, .size = 4, .reset = SKL_CTC_MODE_VALUE,
      .ro_mask = ~0u },
    /* The GuC microcontroller is held in reset: nothing loads it (GuC off). */
    { .name = "GUC_STATUS", .offset = GUC_STATUS, .size = 4, .reset = GS_MIA_IN_RESET,
      .ro_mask = ~0u },
    { .name = "FPGA_DBG", .offset = FPGA_DBG, .size = 4, .w1c_mask = FPGA_DBG_RM_NOCLAIM },
    { .name = "SKL_DFSM", .offset = SKL_DFSM, .size = 4, .ro_mask = ~0u },
    { .name = "FENCE_REG_GEN6", .offset = FENCE_REG_GEN6, .size = 32 * 8 },
    { .name = "GFX_FLSH_CNTL_GEN6", .offset = GFX_FLSH_CNTL_GEN6, .size = 4 },
    { .name = "HSW_EDRAM_CAP", .offset = HSW_EDRAM_CAP, .size = 4, .ro_mask = ~0u },
    /* No DRAM info, no RPS (RP_STATE_CAP 0 keeps RPS off): all zeros. */
    { .name = "MCHBAR_MIRROR", .offset = MCHBAR_MIRROR_BASE, .size = MCHBAR_MIRROR_SIZE,
      .ro_mask = ~0u },
    { .name = "GEN6_PCODE_MAILBOX", .offset = GEN6_PCODE_MAILBOX, .size = 4,
      .write = pcode_mailbox_write },
    { .name = "GEN6_PCODE_DATA", .offset = GEN6_PCODE_DATA, .size = 8 },

    /* Interrupts (contract 7). */
    { .name = "GEN8_MASTER_IRQ", .offset = GEN8_MASTER_IRQ, .size = 4,
      .ro_mask = ~GEN8_MASTER_IRQ_CONTROL, .read = vgpu_irq_master_read,
      .write = vgpu_irq_reg_write },
    IRQ_SET("GEN8_GT", GEN8_GT_ISR(0), 4),
    IRQ_SET("GEN8_DE_PIPE", GEN8_DE_PIPE_ISR_A, 3),
    IRQ_SET("GEN8_DE_PORT", GEN8_DE_PORT_ISR, 1),
    IRQ_SET("GEN8_DE_MISC", GEN8_DE_MISC_ISR, 1),
    IRQ_SET("GEN8_PCU", GEN8_PCU_ISR, 1),
    IRQ_SET("SDE", SDEISR, 1),
    /* No eDP panel, so no PSR event is ever raised; the guest resets them. */
    { .name = "EDP_PSR_IMR", .offset = EDP_PSR_IMR, .size = 4, .reset = ~0u },
    { .name = "EDP_PSR_IIR", .offset = EDP_PSR_IIR, .size = 4, .w1c_mask = ~0u },
    { .name = "PCH_PORT_HOTPLUG", .offset = PCH_PORT_HOTPLUG, .size = 4,
      .w1c_mask = PCH_PORT_HOTPLUG_STATUS },
    { .name = "PCH_PORT_HOTPLUG2", .offset = PCH_PORT_HOTPLUG2, .size = 4 },

    /* Display core: power, clocks, PLLs (contract 4.4 "Display core"). */
    { .name = "CPU_VGACNTRL", .offset = CPU_VGACNTRL, .size = 4 },
    { .name = "SKL_FUSE_STATUS", .offset = SKL_FUSE_STATUS, .size = 4,
      .reset = SKL_FUSE_STATUS_BOOT, .ro_mask = ~0u },
    { .name = "DBUF_CTL_S0", .offset = DBUF_CTL_S0, .size = 4,
      .ro_mask = DBUF_POWER_STATE, .write = request_ack_write },
    { .name = "HSW_PWR_WELL_CTL", .offset = HSW_PWR_WELL_CTL1, .size = 4,
      .count = HSW_PWR_WELL_CTL_COUNT, .stride = 4, .ro_mask = ~SKL_PW_REQUESTS,
      .write = pwr_well_write },
    { .name = "DC_STATE_EN", .offset = DC_STATE_EN, .size = 4 },
    { .name = "CDCLK_CTL", .offset = CDCLK_CTL, .size = 4, .reset = CDCLK_CTL_BOOT },
    /* DPLL0 runs from power-on: it feeds CDCLK. */
    { .name = "LCPLL1_CTL", .offset = LCPLL1_CTL, .size = 4,
      .reset = LCPLL_PLL_ENABLE | LCPLL_PLL_LOCK, .ro_mask = LCPLL_PLL_LOCK,
      .write = request_ack_write },
    { .name = "LCPLL2_CTL", .offset = LCPLL2_CTL, .size = 4, .ro_mask = LCPLL_PLL_LOCK,
      .write = request_ack_write },
    { .name = "WRPLL_CTL", .offset = WRPLL_CTL1, .size = 4, .count = 2,
      .stride = WRPLL_CTL2 - WRPLL_CTL1 },
    { .name = "HSW_NDE_RSTWRN_OPT", .offset = HSW_NDE_RSTWRN_OPT, .size = 4 },
    { .name = "SWF_ILK(0x18)", .offset = SWF_ILK_0x18, .size = 4, .reset = SWF18_BOOT },
    { .name = "DPLL_CTRL1", .offset = DPLL_CTRL1, .size = 4, .reset = DPLL_CTRL1_BOOT },
    { .name = "DPLL_CTRL2", .offset = DPLL_CTRL2, .size = 4, .reset = DPLL_CTRL2_BOOT },
    { .name = "DPLL_STATUS", .offset = DPLL_STATUS, .size = 4, .ro_mask = ~0u,
      .read = dpll_status_read },
    { .name = "SFUSE_STRAP", .offset = SFUSE_STRAP, .size = 4,
      .reset = SFUSE_STRAP_DDID_DETECTED, .ro_mask = ~0u },
    { .name = "GMBUS", .offset = GMBUS0, .size = 0x24 },
    { .name = "PCH_RAWCLK_FREQ", .offset = PCH_RAWCLK_FREQ, .size = 4,
      .reset = PCH_RAWCLK_24MHZ },

    /* Ports, transcoders, pipes, planes (contract 8). */
    { .name = "TRANS_TIMINGS", .offset = TRANS_HTOTAL_A, .size = TRANS_TIMINGS_SIZE,
      .count = 3, .stride = PIPE_STRIDE },
    { .name = "TRANS_TIMINGS_EDP", .offset = TRANS_HTOTAL_EDP, .size = TRANS_TIMINGS_SIZE },
    { .name = "TRANS_MSA_MISC", .offset = TRANS_MSA_MISC_A, .size = 4, .count = 3,
      .stride = PIPE_STRIDE },
    { .name = "DDI_BUF_TRANS", .offset = DDI_BUF_TRANS_A, .size = DDI_BUF_TRANS_SIZE,
      .count = 5, .stride = DDI_BUF_TRANS_STRIDE },
    { .name = "TRANS_DDI_FUNC_CTL", .offset = TRANS_DDI_FUNC_CTL_A, .size = 4,
      .count = 3, .stride = PIPE_STRIDE },
    { .name = "TRANS_DDI_FUNC_CTL_EDP", .offset = TRANS_DDI_FUNC_CTL_EDP, .size = 4 },
    { .name = "DDI_BUF_CTL", .offset = DDI_BUF_CTL_A, .size = 4, .count = 5,
      .stride = PORT_STRIDE, .reset = DDI_BUF_IS_IDLE, .ro_mask = DDI_BUF_IS_IDLE,
      .write = vgpu_ddi_buf_ctl_write },
    { .name = "DP_AUX_CH_CTL", .offset = DP_AUX_CH_CTL_A, .size = 4, .count = 4,
      .stride = PORT_STRIDE, .w1c_mask = DP_AUX_CH_CTL_DONE |
      DP_AUX_CH_CTL_TIME_OUT_ERROR | DP_AUX_CH_CTL_RECEIVE_ERROR,
      .write = vgpu_aux_ctl_write },
    { .name = "DP_AUX_CH_DATA", .offset = DP_AUX_CH_DATA_A, .size = DP_AUX_CH_DATA_BYTES,
      .count = 4, .stride = PORT_STRIDE },
    { .name = "DP_TP_CTL", .offset = DP_TP_CTL_A, .size = 4, .count = 5,
      .stride = PORT_STRIDE, .write = vgpu_dp_tp_ctl_write },
    { .name = "DP_TP_STATUS", .offset = DP_TP_STATUS_A, .size = 4, .count = 5,
      .stride = PORT_STRIDE, .ro_mask = DP_TP_STATUS_IDLE_DONE,
      .w1c_mask = DP_TP_STATUS_STICKY },
    { .name = "PIPEDSL", .offset = PIPEDSL_A, .size = 4, .count = 3,
      .stride = PIPE_STRIDE, .ro_mask = ~0u, .read = vgpu_pipedsl_read },
    { .name = "TRANSCONF", .offset = TRANSCONF_A, .size = 4, .count = 3,
      .stride = PIPE_STRIDE, .ro_mask = TRANSCONF_STATE_ENABLE,
      .write = vgpu_transconf_write },
    { .name = "TRANSCONF_EDP", .offset = TRANSCONF_EDP, .size = 4,
      .ro_mask = TRANSCONF_STATE_ENABLE, .write = vgpu_transconf_write },
    { .name = "PIPE_FRMCOUNT", .offset = PIPE_FRMCOUNT_A, .size = 8, .count = 3,
      .stride = PIPE_STRIDE, .ro_mask = ~0u },
    /* Universal planes 1-3 of pipes A-C, and what surrounds SURF/SURFLIVE. */
    { .name = "PLANE_CTL_KEYMSK", .offset = PLANE_CTL_1_A, .size = PLANE_SURF_1_A - PLANE_CTL_1_A,
      .count = 3, .stride = PLANE_STRIDE, .sets = 3, .set_stride = PIPE_STRIDE },
    { .name = "PLANE_SURF", .offset = PLANE_SURF_1_A, .size = 4, .count = 3,
      .stride = PLANE_STRIDE, .sets = 3, .set_stride = PIPE_STRIDE,
      .write = vgpu_plane_surf_write },
    { .name = "PLANE_KEYMAX_OFFSET", .offset = PLANE_SURF_1_A + 4,
      .size = PLANE_SURFLIVE_1_A - PLANE_SURF_1_A - 4, .count = 3, .stride = PLANE_STRIDE,
      .sets = 3, .set_stride = PIPE_STRIDE },
    { .name = "PLANE_SURFLIVE", .offset = PLANE_SURFLIVE_1_A, .size = 4, .count = 3,
      .stride = PLANE_STRIDE, .sets = 3, .set_stride = PIPE_STRIDE, .ro_mask = ~0u },
    /* AUX surface, watermarks, DDB allocation: storage the guest reads back. */
    { .name = "PLANE_AUX_WM_BUF_CFG", .offset = PLANE_SURFLIVE_1_A + 4,
      .size = PLANE_CTL_1_A + PLANE_STRIDE - PLANE_SURFLIVE_1_A - 4, .count = 3,
      .stride = PLANE_STRIDE, .sets = 3, .set_stride = PIPE_STRIDE },
    { .name = "CURSOR", .offset = CURCNTR_A, .size = PLANE_CTL_1_A - CURCNTR_A, .count = 3,
      .stride = PIPE_STRIDE },
    { .name = "PS", .offset = PS_1A_BASE, .size = PS_SIZE, .count = 2, .stride = PS_SIZE,
      .sets = 3, .set_stride = PS_PIPE_STRIDE },

    /* PVINFO (contract 2). */
    { .name = "PVINFO header", .offset = VGT_PVINFO_PAGE, .size = VGT_PVINFO_HEADER_SIZE,
      .ro_mask = ~0u, .read = vgpu_pvinfo_read },
    { .name = "PVINFO display_ready", .offset = VGT_DISPLAY_READY, .size = 4,
      .write = vgpu_pvinfo_display_ready_write },
    { .name = "PVINFO g2v_notify", .offset = VGT_G2V_NOTIFY, .size = 4,
      .write = vgpu_pvinfo_g2v_write },
    { .name = "PVINFO cursor_hot", .offset = VGT_CURSOR_HOT, .size = 8 },
    { .name = "PVINFO pdp", .offset = VGT_PDP, .size = 32 },
    { .name = "PVINFO execlist_desc", .offset = VGT_EXECLIST_DESC, .size = 8 },
};
const size_t vgpu_reg_count = sizeof(vgpu_regs) / sizeof(vgpu_regs[0]);

/* dword index -> row + 1 (0: untracked).  Shared by all vGPUs, read-only. */
static uint16_t reg_index[VGPU_MMIO_DWORDS];
static bool reg_index_valid;
static pthread_once_t reg_index_once = PTHREAD_ONCE_INIT;

static unsigned row_count(const struct vgpu_reg *r)
{
    return r->count ? r->count : 1;
}

static unsigned row_instances(const struct vgpu_reg *r)
{
    if (r->flags & VGPU_REG_ENGINE) {
        return GEN9_NUM_ENGINES;
    }
    return row_count(r) * (r->sets ? r->sets : 1);
}

static uint32_t row_instance_offset(const struct vgpu_reg *r, unsigned i)
{
    if (r->flags & VGPU_REG_ENGINE) {
        return gen9_engines[i].base + r->offset;
    }
    return r->offset + i % row_count(r) * r->stride + i / row_count(r) * r->set_stride;
}

static bool row_well_formed(const struct vgpu_reg *r)
{
    if (!r->name || !r->size || r->size % 4 || r->offset % 4) {
        return false;
    }
    if (r->flags & VGPU_REG_ENGINE) {
        return !r->count && !r->sets && !(r->flags & VGPU_REG_MASKED && r->reset >> 16);
    }
    if (row_count(r) > 1 && (r->stride < r->size || r->stride % 4)) {
        return false;
    }
    /* Sets must not interleave with the instances of the previous one. */
    if (r->sets > 1 && (r->set_stride % 4 ||
                        r->set_stride < (row_count(r) - 1) * r->stride + r->size)) {
        return false;
    }
    /* A masked register keeps its state in bits 15:0 only. */
    return !(r->flags & VGPU_REG_MASKED) || !(r->reset >> 16);
}

static void build_index(void)
{
    reg_index_valid = true;
    for (size_t row = 0; row < vgpu_reg_count; row++) {
        const struct vgpu_reg *r = &vgpu_regs[row];

        if (!row_well_formed(r)) {
            fprintf(stderr, "gpumed: register row %s is malformed\n", r->name);
            reg_index_valid = false;
            continue;
        }
        for (unsigned i = 0; i < row_instances(r); i++) {
            uint32_t start = row_instance_offset(r, i);

            if (start + (uint64_t)r->size > VGPU_MMIO_SIZE) {
                fprintf(stderr, "gpumed: register %s is outside the window\n", r->name);
                reg_index_valid = false;
                break;
            }
            for (uint32_t dw = start / 4; dw < (start + r->size) / 4; dw++) {
                if (reg_index[dw]) {
                    fprintf(stderr, "gpumed: registers %s and %s overlap at 0x%x\n",
                            vgpu_regs[reg_index[dw] - 1].name, r->name, dw * 4);
                    reg_index_valid = false;
                }
                reg_index[dw] = row + 1;
            }
        }
    }
}

bool vgpu_regs_index_init(void)
{
    pthread_once(&reg_index_once, build_index);
    return reg_index_valid;
}

const struct vgpu_reg *vgpu_reg_lookup(uint32_t offset)
{
    uint16_t row = reg_index[offset / 4];

    return row ? &vgpu_regs[row - 1] : NULL;
}

void vgpu_reg_set(struct vgpu *vgpu, uint32_t offset, uint32_t value)
{
    vgpu->vreg[offset / 4] = value;
    vgpu_dirty_mark(&vgpu->vreg_dirty, offset);
}

static void untracked_access(struct vgpu *vgpu, uint32_t offset, bool write)
{
    uint64_t *word = &vgpu->untracked[offset / 4 / 64];
    uint64_t bit = 1ull << (offset / 4 % 64);

    if (write) {
        vgpu->stats.untracked_writes++;
    } else {
        vgpu->stats.untracked_reads++;
    }
    if (!(*word & bit)) {
        *word |= bit;
        vgpu->stats.untracked_offsets++;
    }
}

uint32_t vgpu_untracked_next(const struct vgpu *vgpu, uint32_t from)
{
    for (uint32_t dw = from / 4 + (from % 4 != 0); dw < VGPU_MMIO_DWORDS; dw++) {
        uint64_t word = vgpu->untracked[dw / 64] >> (dw % 64);

        if (!word) {
            dw |= 63;           /* skip the rest of this word */
            continue;
        }
        return (dw + __builtin_ctzll(word)) * 4;
    }
    return UINT32_MAX;
}

uint32_t vgpu_reg_read(struct vgpu *vgpu, uint32_t offset)
{
    const struct vgpu_reg *r = vgpu_reg_lookup(offset);

    if (!r) {
        untracked_access(vgpu, offset, false);
    } else if (r->read) {
        return r->read(vgpu, offset);
    }
    return vreg(vgpu, offset);
}

void vgpu_reg_write(struct vgpu *vgpu, uint32_t offset, uint32_t value)
{
    const struct vgpu_reg *r = vgpu_reg_lookup(offset);
    uint32_t old = vreg(vgpu, offset);
    uint32_t new = value;

    if (!r) {
        untracked_access(vgpu, offset, true);
        vgpu_reg_set(vgpu, offset, value);
        return;
    }
    if (r->flags & VGPU_REG_MASKED) {
        uint32_t select = value >> 16;

        new = ((old & ~select) | (value & select)) & 0xffff;
    }
    new = (new & ~r->ro_mask) | (old & r->ro_mask);
    new = (new & ~r->w1c_mask) | (old & r->w1c_mask & ~value);
    vgpu_reg_set(vgpu, offset, new);
    if (r->write) {
        r->write(vgpu, offset, old, value);
    }
}

void vgpu_regs_reset(struct vgpu *vgpu)
{
    vgpu_dirty_clear(&vgpu->vreg_dirty, vgpu->vreg);
    for (size_t row = 0; row < vgpu_reg_count; row++) {
        const struct vgpu_reg *r = &vgpu_regs[row];

        if (!r->reset) {
            continue;
        }
        for (unsigned i = 0; i < row_instances(r); i++) {
            uint32_t start = row_instance_offset(r, i);

            for (uint32_t off = start; off < start + r->size; off += 4) {
                vgpu_reg_set(vgpu, off, r->reset);
            }
        }
    }
}

/* The engine acknowledges a reset request at once: the emulation stops at once. */
static void ring_reset_ctl_write(struct vgpu *vgpu, uint32_t offset,
                                 uint32_t old, uint32_t written)
{
    uint32_t v = vreg(vgpu, offset);

    if (v & RESET_CTL_REQUEST_RESET) {
        v |= RESET_CTL_READY_TO_RESET;
    } else {
        v &= ~RESET_CTL_READY_TO_RESET;
    }
    vgpu_reg_set(vgpu, offset, v);
}

/* Domain resets complete at once, after the engines' work was dropped. */
static void gdrst_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                        uint32_t written)
{
    uint32_t mask = 0;

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (written & (GRDOM_FULL | gen9_engines[e].reset_bit)) {
            mask |= 1u << e;
        }
    }
    if (mask) {
        vgpu->stats.engine_resets += __builtin_popcount(mask);
        vgpu_execlist_reset(vgpu, mask);
    }
    vgpu_reg_set(vgpu, offset, 0);
}

/* A well's state follows the union of its four requesters (BIOS, driver, ...). */
static void pwr_well_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                           uint32_t written)
{
    uint32_t requests = 0;

    for (unsigned i = 0; i < HSW_PWR_WELL_CTL_COUNT; i++) {
        requests |= vreg(vgpu, HSW_PWR_WELL_CTL1 + 4 * i) & SKL_PW_REQUESTS;
    }
    for (unsigned i = 0; i < HSW_PWR_WELL_CTL_COUNT; i++) {
        uint32_t reg = HSW_PWR_WELL_CTL1 + 4 * i;

        vgpu_reg_set(vgpu, reg, (vreg(vgpu, reg) & SKL_PW_REQUESTS) | requests >> 1);
    }
}

/*
 * DBUF power and LCPLL enable share a layout: the state (bit 30) follows
 * the request (bit 31) immediately.
 */
static void request_ack_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                              uint32_t written)
{
    uint32_t v = vreg(vgpu, offset) & ~LCPLL_PLL_LOCK;

    vgpu_reg_set(vgpu, offset, v | (v & LCPLL_PLL_ENABLE) >> 1);
}

static uint32_t dpll_status_read(struct vgpu *vgpu, uint32_t offset)
{
    static const uint32_t ctl[] = { LCPLL1_CTL, LCPLL2_CTL, WRPLL_CTL1, WRPLL_CTL2 };
    uint32_t status = 0;

    for (unsigned id = 0; id < sizeof(ctl) / sizeof(ctl[0]); id++) {
        if (vreg(vgpu, ctl[id]) & LCPLL_PLL_ENABLE) {
            status |= 1u << (8 * id);       /* DPLL_LOCK(id) */
        }
    }
    return status;
}

static uint32_t mem_latency_word(unsigned first_level)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < 4; i++) {
        v |= (uint32_t)pcode_mem_latency[first_level + i] << (8 * i);
    }
    return v;
}

/*
 * The PCODE answers synchronously: by the time the guest polls, READY is
 * clear and the error field holds the result (contract 4.4).
 */
static void pcode_mailbox_write(struct vgpu *vgpu, uint32_t offset,
                                uint32_t old, uint32_t written)
{
    uint32_t status = 0;

    if (!(written & GEN6_PCODE_READY)) {
        return;
    }
    switch (written & GEN6_PCODE_ERROR_MASK) {
    case GEN9_PCODE_READ_MEM_LATENCY:
        vgpu_reg_set(vgpu, GEN6_PCODE_DATA,
                     mem_latency_word(vreg(vgpu, GEN6_PCODE_DATA) ? 4 : 0));
        break;
    case SKL_PCODE_CDCLK_CONTROL:
        vgpu_reg_set(vgpu, GEN6_PCODE_DATA, SKL_CDCLK_READY_FOR_CHANGE);
        break;
    case GEN6_PCODE_WRITE_MIN_FREQ_TABLE:
    case HSW_PCODE_DYNAMIC_DUTY_CYCLE_CONTROL:
        break;
    case GEN9_PCODE_SAGV_CONTROL:
        /* There is no SAGV to control: the guest then leaves it alone. */
        status = GEN7_PCODE_ILLEGAL_CMD;
        break;
    default:
        vgpu->stats.pcode_unknown++;
        vgpu_guest_error(vgpu, "unknown PCODE command 0x%x", written & 0xff);
        status = GEN7_PCODE_ILLEGAL_CMD;
        break;
    }
    vgpu_reg_set(vgpu, offset, status);
}
