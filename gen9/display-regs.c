/*
 * display-regs.c - the Gen9 display's register table, its write semantics
 * and the handlers of the display core: power wells, DBUF, PLLs and the
 * PCODE mailbox, each acknowledging a request at once (contract 4.4).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/display.h"

#include <pthread.h>
#include <stdio.h>

#include "gen9/display-private.h"
#include "gen9/regs.h"

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
#define PCH_RAWCLK_24MHZ        24
/* The fuse power gates PG0..PG2 are distributed and the download is done. */
#define SKL_FUSE_STATUS_BOOT    (SKL_FUSE_DOWNLOAD_STATUS | SKL_FUSE_PG_DIST_STATUS(0) | \
                                 SKL_FUSE_PG_DIST_STATUS(1) | SKL_FUSE_PG_DIST_STATUS(2))
#define PCH_PORT_HOTPLUG_STATUS 0x03030303u    /* A, B, C, D status fields */

/* Memory latencies (us) the PCODE reports for watermark levels 0..7. */
static const uint8_t pcode_mem_latency[8] = { 2, 19, 28, 32, 43, 61, 75, 100 };

static void pwr_well_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                           uint32_t written);
static void request_ack_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                              uint32_t written);
static uint32_t dpll_status_read(struct gen9_display *d, uint32_t offset);
static void pcode_mailbox_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                                uint32_t written);

/*
 * The display's registers.  Rows may be in any order: the index built from
 * them rejects overlaps, and a unit test checks that it builds.
 */
const struct gen9_display_reg gen9_display_regs[] = {
    /* The PCU's mailbox: the display core asks it for CDCLK changes and
     * memory latencies (watermarks), the GT for frequency tables. */
    { .name = "GEN6_PCODE_MAILBOX", .offset = GEN6_PCODE_MAILBOX, .size = 4,
      .write = pcode_mailbox_write },
    { .name = "GEN6_PCODE_DATA", .offset = GEN6_PCODE_DATA, .size = 8 },

    /* Hotplug detection of the PCH's ports. */
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
      .write = gen9_ddi_buf_ctl_write },
    { .name = "DP_AUX_CH_CTL", .offset = DP_AUX_CH_CTL_A, .size = 4, .count = 4,
      .stride = PORT_STRIDE, .w1c_mask = DP_AUX_CH_CTL_DONE |
      DP_AUX_CH_CTL_TIME_OUT_ERROR | DP_AUX_CH_CTL_RECEIVE_ERROR,
      .write = gen9_aux_ctl_write },
    { .name = "DP_AUX_CH_DATA", .offset = DP_AUX_CH_DATA_A, .size = DP_AUX_CH_DATA_BYTES,
      .count = 4, .stride = PORT_STRIDE },
    { .name = "DP_TP_CTL", .offset = DP_TP_CTL_A, .size = 4, .count = 5,
      .stride = PORT_STRIDE, .write = gen9_dp_tp_ctl_write },
    { .name = "DP_TP_STATUS", .offset = DP_TP_STATUS_A, .size = 4, .count = 5,
      .stride = PORT_STRIDE, .ro_mask = DP_TP_STATUS_IDLE_DONE,
      .w1c_mask = DP_TP_STATUS_STICKY },
    { .name = "PIPEDSL", .offset = PIPEDSL_A, .size = 4, .count = 3,
      .stride = PIPE_STRIDE, .ro_mask = ~0u, .read = gen9_pipedsl_read },
    { .name = "TRANSCONF", .offset = TRANSCONF_A, .size = 4, .count = 3,
      .stride = PIPE_STRIDE, .ro_mask = TRANSCONF_STATE_ENABLE,
      .write = gen9_transconf_write },
    { .name = "TRANSCONF_EDP", .offset = TRANSCONF_EDP, .size = 4,
      .ro_mask = TRANSCONF_STATE_ENABLE, .write = gen9_transconf_write },
    { .name = "PIPE_FRMCOUNT", .offset = PIPE_FRMCOUNT_A, .size = 8, .count = 3,
      .stride = PIPE_STRIDE, .ro_mask = ~0u },
    /* Universal planes 1-3 of pipes A-C, and what surrounds SURF/SURFLIVE. */
    { .name = "PLANE_CTL_KEYMSK", .offset = PLANE_CTL_1_A, .size = PLANE_SURF_1_A - PLANE_CTL_1_A,
      .count = 3, .stride = PLANE_STRIDE, .sets = 3, .set_stride = PIPE_STRIDE },
    { .name = "PLANE_SURF", .offset = PLANE_SURF_1_A, .size = 4, .count = 3,
      .stride = PLANE_STRIDE, .sets = 3, .set_stride = PIPE_STRIDE,
      .write = gen9_plane_surf_write },
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
};
const size_t gen9_display_reg_count = sizeof(gen9_display_regs) / sizeof(gen9_display_regs[0]);

/* Where the display's registers lie: the index covers this window only. */
#define INDEX_BASE      0x40000u
#define INDEX_END       0x140000u
#define INDEX_DWORDS    ((INDEX_END - INDEX_BASE) / 4)

/* dword index -> row + 1 (0: not the display's).  Shared, read-only once built. */
static uint8_t reg_index[INDEX_DWORDS];
static bool reg_index_valid;
static pthread_once_t reg_index_once = PTHREAD_ONCE_INIT;

static unsigned row_count(const struct gen9_display_reg *r)
{
    return r->count ? r->count : 1;
}

unsigned gen9_display_reg_instances(const struct gen9_display_reg *r)
{
    return row_count(r) * (r->sets ? r->sets : 1);
}

uint32_t gen9_display_reg_instance_offset(const struct gen9_display_reg *r, unsigned i)
{
    return r->offset + i % row_count(r) * r->stride + i / row_count(r) * r->set_stride;
}

/* Instances hold whole dwords, do not overlap each other, and sets do
 * not interleave with the instances of the previous one. */
static bool row_layout_sound(const struct gen9_display_reg *r)
{
    return r->name && r->size && !(r->size % 4) && !(r->offset % 4) &&
           (row_count(r) == 1 || (r->stride >= r->size && !(r->stride % 4))) &&
           (r->sets <= 1 || (!(r->set_stride % 4) &&
                             r->set_stride >= (row_count(r) - 1) * r->stride + r->size));
}

static void index_row(size_t row)
{
    const struct gen9_display_reg *r = &gen9_display_regs[row];

    for (unsigned i = 0; i < gen9_display_reg_instances(r); i++) {
        uint32_t start = gen9_display_reg_instance_offset(r, i);

        if (start < INDEX_BASE || start + (uint64_t)r->size > INDEX_END) {
            fprintf(stderr, "gpumed: display register %s is outside the index\n", r->name);
            reg_index_valid = false;
            return;
        }
        for (uint32_t dw = (start - INDEX_BASE) / 4; dw < (start - INDEX_BASE + r->size) / 4;
             dw++) {
            if (reg_index[dw]) {
                fprintf(stderr, "gpumed: display registers %s and %s overlap at 0x%x\n",
                        gen9_display_regs[reg_index[dw] - 1].name, r->name,
                        INDEX_BASE + dw * 4);
                reg_index_valid = false;
            }
            reg_index[dw] = row + 1;
        }
    }
}

static void build_index(void)
{
    _Static_assert(sizeof(gen9_display_regs) / sizeof(gen9_display_regs[0]) < 256,
                   "the index holds a row number in a byte");
    reg_index_valid = true;
    for (size_t row = 0; row < gen9_display_reg_count; row++) {
        if (!row_layout_sound(&gen9_display_regs[row])) {
            fprintf(stderr, "gpumed: display register row %s is malformed\n",
                    gen9_display_regs[row].name ? gen9_display_regs[row].name : "?");
            reg_index_valid = false;
            continue;
        }
        index_row(row);
    }
}

bool gen9_display_regs_index_init(void)
{
    pthread_once(&reg_index_once, build_index);
    return reg_index_valid;
}

const struct gen9_display_reg *gen9_display_reg_lookup(uint32_t offset)
{
    uint8_t row;

    if (offset < INDEX_BASE || offset >= INDEX_END) {
        return NULL;
    }
    row = reg_index[(offset - INDEX_BASE) / 4];
    return row ? &gen9_display_regs[row - 1] : NULL;
}

void gen9_display_init(struct gen9_display *d, const struct gen9_display_ops *ops,
                       void *opaque, unsigned width, unsigned height)
{
    gen9_display_regs_index_init();
    d->ops = ops;
    d->opaque = opaque;
    d->width = width;
    d->height = height;
}

void gen9_display_reset(struct gen9_display *d)
{
    for (size_t row = 0; row < gen9_display_reg_count; row++) {
        const struct gen9_display_reg *r = &gen9_display_regs[row];

        for (unsigned i = 0; i < gen9_display_reg_instances(r); i++) {
            uint32_t start = gen9_display_reg_instance_offset(r, i);

            for (uint32_t off = start; off < start + r->size; off += 4) {
                d->ops->store(d->opaque, off, r->reset);
            }
        }
    }
    gen9_display_port_reset(d);
}

uint32_t gen9_display_read(struct gen9_display *d, const struct gen9_display_reg *r,
                           uint32_t offset)
{
    return r->read ? r->read(d, offset) : d->ops->load(d->opaque, offset);
}

void gen9_display_write(struct gen9_display *d, const struct gen9_display_reg *r,
                        uint32_t offset, uint32_t value)
{
    uint32_t old = d->ops->load(d->opaque, offset);
    uint32_t new = (value & ~r->ro_mask) | (old & r->ro_mask);

    new = (new & ~r->w1c_mask) | (old & r->w1c_mask & ~value);
    d->ops->store(d->opaque, offset, new);
    if (r->write) {
        r->write(d, offset, old, value);
    }
}

/* A well's state follows the union of its four requesters (BIOS, driver, ...). */
static void pwr_well_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                           uint32_t written)
{
    uint32_t requests = 0;

    for (unsigned i = 0; i < HSW_PWR_WELL_CTL_COUNT; i++) {
        requests |= gen9_reg(d, HSW_PWR_WELL_CTL1 + 4 * i) & SKL_PW_REQUESTS;
    }
    for (unsigned i = 0; i < HSW_PWR_WELL_CTL_COUNT; i++) {
        uint32_t reg = HSW_PWR_WELL_CTL1 + 4 * i;

        gen9_reg_set(d, reg, (gen9_reg(d, reg) & SKL_PW_REQUESTS) | requests >> 1);
    }
}

/*
 * DBUF power and LCPLL enable share a layout: the state (bit 30) follows
 * the request (bit 31) immediately.
 */
static void request_ack_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                              uint32_t written)
{
    uint32_t v = gen9_reg(d, offset) & ~LCPLL_PLL_LOCK;

    gen9_reg_set(d, offset, v | (v & LCPLL_PLL_ENABLE) >> 1);
}

static uint32_t dpll_status_read(struct gen9_display *d, uint32_t offset)
{
    static const uint32_t ctl[] = { LCPLL1_CTL, LCPLL2_CTL, WRPLL_CTL1, WRPLL_CTL2 };
    uint32_t status = 0;

    for (unsigned id = 0; id < sizeof(ctl) / sizeof(ctl[0]); id++) {
        if (gen9_reg(d, ctl[id]) & LCPLL_PLL_ENABLE) {
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
static void pcode_mailbox_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                                uint32_t written)
{
    uint32_t status = 0;
    char why[64];

    if (!(written & GEN6_PCODE_READY)) {
        return;
    }
    switch (written & GEN6_PCODE_ERROR_MASK) {
    case GEN9_PCODE_READ_MEM_LATENCY:
        gen9_reg_set(d, GEN6_PCODE_DATA, mem_latency_word(gen9_reg(d, GEN6_PCODE_DATA) ? 4 : 0));
        break;
    case SKL_PCODE_CDCLK_CONTROL:
        gen9_reg_set(d, GEN6_PCODE_DATA, SKL_CDCLK_READY_FOR_CHANGE);
        break;
    case GEN6_PCODE_WRITE_MIN_FREQ_TABLE:
    case HSW_PCODE_DYNAMIC_DUTY_CYCLE_CONTROL:
        break;
    case GEN9_PCODE_SAGV_CONTROL:
        /* There is no SAGV to control: the guest then leaves it alone. */
        status = GEN7_PCODE_ILLEGAL_CMD;
        break;
    default:
        d->ops->count(d->opaque, GEN9_DISPLAY_PCODE_UNKNOWN);
        snprintf(why, sizeof(why), "unknown PCODE command 0x%x", written & 0xff);
        d->ops->guest_error(d->opaque, why);
        status = GEN7_PCODE_ILLEGAL_CMD;
        break;
    }
    gen9_reg_set(d, offset, status);
}
