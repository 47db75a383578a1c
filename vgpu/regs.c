/*
 * regs.c - the vGPU's register file: one table of tracked registers, the
 * generic write semantics it describes, and the handlers of the GT
 * registers that acknowledge requests (contract 4.4).
 *
 * Every offset the model knows is a row below or a row of the Gen9
 * display's table (gen9/display.h), which runs on this register file.
 * Anything else in the 2 MiB register window is plain storage whose
 * accesses are counted, so that we see what the guest touches that we do
 * not model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"
#include "vgpu/regs.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>


/* 1 slice, subslice 3 of 4 disabled: SKL GT2, 24 EUs (contract 4.4). */
#define GEN8_FUSE2_GT2          0x02800000

static void ring_reset_ctl_write(struct vgpu *vgpu, uint32_t offset,
                                 uint32_t old, uint32_t written);
static void gdrst_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                        uint32_t written);
static uint32_t timestamp_read(struct vgpu *vgpu, uint32_t offset);

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
      .flags = VGPU_REG_ENGINE, .ro_mask = ~0u, .read = timestamp_read },
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

    /* The display's registers are gen9_display_regs (gen9/display-regs.c). */

    /* PVINFO (contract 2). */
    { .name = "PVINFO header", .offset = VGT_PVINFO_PAGE, .size = VGT_PVINFO_HEADER_SIZE,
      .ro_mask = ~0u, .read = vgpu_pvinfo_read },
    /* i915 writes it once, when it registers (contract 2): stored, no
     * handler, as nothing here waits for it (GVT-g sends a uevent). */
    { .name = "PVINFO display_ready", .offset = VGT_DISPLAY_READY, .size = 4 },
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
    reg_index_valid = gen9_display_regs_index_init();
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
                if (reg_index[dw] || gen9_display_reg_lookup(dw * 4)) {
                    fprintf(stderr, "gpumed: registers %s and %s overlap at 0x%x\n",
                            reg_index[dw] ? vgpu_regs[reg_index[dw] - 1].name :
                            gen9_display_reg_lookup(dw * 4)->name, r->name, dw * 4);
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
    const struct gen9_display_reg *display = r ? NULL : gen9_display_reg_lookup(offset);

    if (display) {
        return gen9_display_read(&vgpu->display, display, offset);
    }
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
    const struct gen9_display_reg *display = r ? NULL : gen9_display_reg_lookup(offset);
    uint32_t old = vreg(vgpu, offset);
    uint32_t new = value;

    if (display) {
        gen9_display_write(&vgpu->display, display, offset, value);
        return;
    }
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
/*
 * The GPU's free-running CS timestamp, as the GPU model counts it
 * (gen9_cs_timestamp()): a batch storing RING_TIMESTAMP in the mediator and
 * the guest reading it through BAR0 here read one counter, as GVT-g's
 * guests read the hardware's (IGT's gem_latency subtracts the two).
 */
static uint32_t timestamp_read(struct vgpu *vgpu, uint32_t offset)
{
    uint64_t ticks = gen9_cs_timestamp();

    (void)vgpu;
    return (offset & 0xfff) == RING_TIMESTAMP_UDW ? (uint32_t)(ticks >> 32) : (uint32_t)ticks;
}

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
