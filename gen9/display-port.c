/*
 * display-port.c - the Gen9 display from the ports out (contract 8): one DP
 * monitor on port D behind AUX channel D (DPCD, I2C-over-AUX EDID, link
 * training), its hotplug live state, transcoders, pipes and planes that
 * take a modeset, and vblanks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/display-private.h"

#include <stdio.h>
#include <string.h>

#include "gen9/regs.h"

#define SINK_PORT               3       /* port D, AUX channel D */

/* AUX request codes (byte 0 bits 7:4) and replies. */
#define AUX_I2C_WRITE           0x0
#define AUX_I2C_READ            0x1
#define AUX_I2C_MOT             0x4     /* middle of transaction */
#define AUX_NATIVE_WRITE        0x8
#define AUX_NATIVE_READ         0x9
#define AUX_REPLY_ACK           0x00
#define AUX_REPLY_I2C_NACK      0x40
#define AUX_HEADER_BYTES        4
#define AUX_MAX_PAYLOAD         16
#define DDC_EDID_ADDR           0x50
#define DDC_SEGMENT_ADDR        0x30

/* DPCD addresses and values of the sink (DP 1.2, 4 lanes of 2.7 Gbps). */
#define DPCD_REV                0x000
#define DPCD_MAX_LINK_RATE      0x001
#define DPCD_MAX_LANE_COUNT     0x002
#define DPCD_MAIN_LINK_CODING   0x006
#define DPCD_TRAINING_PATTERN_SET 0x102
#define DPCD_SINK_COUNT         0x200
#define DPCD_LANE0_1_STATUS     0x202
#define DPCD_LANE2_3_STATUS     0x203
#define DPCD_LANE_ALIGN_STATUS  0x204
#define DPCD_SINK_STATUS        0x205
#define   LANES_CR_DONE         0x11    /* two lanes per byte */
#define   LANES_CR_EQ_LOCKED    0x77
#define   INTERLANE_ALIGN_DONE  0x01
#define   SINK_IN_SYNC          0x03

/* Hotplug bits of the AUX channels' done interrupts in the DE port set. */
static const uint32_t aux_done_irq[4] = { 1u << 0, 1u << 25, 1u << 26, 1u << 27 };

static void dpcd_init(uint8_t *dpcd)
{
    memset(dpcd, 0, GEN9_DPCD_SIZE);
    dpcd[DPCD_REV] = 0x12;
    dpcd[DPCD_MAX_LINK_RATE] = 0x0a;            /* 2.7 Gbps */
    dpcd[DPCD_MAX_LANE_COUNT] = 0x84;           /* enhanced framing, 4 lanes */
    dpcd[DPCD_MAIN_LINK_CODING] = 0x01;         /* 8b/10b */
    dpcd[DPCD_SINK_COUNT] = 1;
}

void gen9_display_port_reset(struct gen9_display *d)
{
    dpcd_init(d->sink.dpcd);
    gen9_edid_build(d->sink.edid, d->width, d->height);
    d->sink.edid_offset = 0;
    d->pending_flips = 0;
    d->sink.connected = true;
    gen9_reg_set(d, SDEISR, gen9_reg(d, SDEISR) | SDE_PORTD_HOTPLUG_CPT);
}

void gen9_display_hotplug(struct gen9_display *d, bool connected)
{
    uint32_t live = gen9_reg(d, SDEISR) & ~SDE_PORTD_HOTPLUG_CPT;
    uint32_t strap = gen9_reg(d, SFUSE_STRAP) & ~SFUSE_STRAP_DDID_DETECTED;

    if (connected == d->sink.connected) {
        return;
    }
    d->sink.connected = connected;
    gen9_reg_set(d, SDEISR, connected ? live | SDE_PORTD_HOTPLUG_CPT : live);
    gen9_reg_set(d, SFUSE_STRAP, connected ? strap | SFUSE_STRAP_DDID_DETECTED : strap);
    gen9_reg_set(d, PCH_PORT_HOTPLUG, gen9_reg(d, PCH_PORT_HOTPLUG) | PORTD_HOTPLUG_LONG_DETECT);
    d->ops->irq_raise(d->opaque, GEN9_DISPLAY_IRQ_PCH, SDE_PORTD_HOTPLUG_CPT);
}

/* The sink answers link training at once: every pattern succeeds. */
static void dpcd_training_pattern(struct gen9_dp_sink *sink, uint8_t pattern)
{
    uint8_t *d = sink->dpcd;

    switch (pattern & 0x3) {
    case 0:
        d[DPCD_SINK_STATUS] = SINK_IN_SYNC;
        break;
    case 1:
        d[DPCD_LANE0_1_STATUS] = d[DPCD_LANE2_3_STATUS] = LANES_CR_DONE;
        d[DPCD_LANE_ALIGN_STATUS] = 0;
        break;
    default:
        d[DPCD_LANE0_1_STATUS] = d[DPCD_LANE2_3_STATUS] = LANES_CR_EQ_LOCKED;
        d[DPCD_LANE_ALIGN_STATUS] = INTERLANE_ALIGN_DONE;
        break;
    }
}

/* One AUX transaction: @req has @req_len bytes, the reply goes to @reply. */
static unsigned aux_transfer(struct gen9_dp_sink *sink, const uint8_t *req,
                             unsigned req_len, uint8_t *reply)
{
    unsigned op = req[0] >> 4;
    uint32_t addr = (req[0] & 0xfu) << 16 | req[1] << 8 | req[2];
    unsigned len = req_len > 3 ? req[3] + 1u : 0;
    const uint8_t *payload = req + AUX_HEADER_BYTES;

    if (len > AUX_MAX_PAYLOAD) {
        len = AUX_MAX_PAYLOAD;
    }
    reply[0] = AUX_REPLY_ACK;
    switch (op) {
    case AUX_NATIVE_READ:
        for (unsigned i = 0; i < len; i++) {
            reply[1 + i] = addr + i < GEN9_DPCD_SIZE ? sink->dpcd[addr + i] : 0;
        }
        return 1 + len;
    case AUX_NATIVE_WRITE:
        len = req_len > AUX_HEADER_BYTES ? req_len - AUX_HEADER_BYTES : 0;
        for (unsigned i = 0; i < len; i++) {
            if (addr + i < GEN9_DPCD_SIZE) {
                sink->dpcd[addr + i] = payload[i];
            }
            if (addr + i == DPCD_TRAINING_PATTERN_SET) {
                dpcd_training_pattern(sink, payload[i]);
            }
        }
        return 1;
    case AUX_I2C_WRITE:
    case AUX_I2C_WRITE | AUX_I2C_MOT:
    case AUX_I2C_READ:
    case AUX_I2C_READ | AUX_I2C_MOT:
        if (addr == DDC_SEGMENT_ADDR && !(op & AUX_I2C_READ)) {
            return 1;                           /* only segment 0 exists */
        }
        if (addr != DDC_EDID_ADDR) {
            reply[0] = AUX_REPLY_I2C_NACK;      /* nothing else on the bus */
            return 1;
        }
        if (!len) {
            /* Address-only: start (MOT) or stop of an EDID transaction;
             * the offset stays where the last write set it. */
            return 1;
        }
        if (!(op & AUX_I2C_READ)) {
            sink->edid_offset = payload[0];
            return 1;
        }
        for (unsigned i = 0; i < len; i++) {
            reply[1 + i] = sink->edid[sink->edid_offset++ % sizeof(sink->edid)];
        }
        return 1 + len;
    default:
        return 1;                               /* e.g. I2C status update */
    }
}

/* AUX data registers hold the message big-endian, 4 bytes per register. */
static void aux_data_get(const struct gen9_display *d, uint32_t data, uint8_t *bytes)
{
    for (unsigned i = 0; i < DP_AUX_CH_DATA_BYTES; i++) {
        bytes[i] = gen9_reg(d, data + i / 4 * 4) >> (24 - 8 * (i % 4));
    }
}

static void aux_data_set(struct gen9_display *d, uint32_t data, const uint8_t *bytes)
{
    for (unsigned i = 0; i < DP_AUX_CH_DATA_BYTES; i += 4) {
        gen9_reg_set(d, data + i, (uint32_t)bytes[i] << 24 | bytes[i + 1] << 16 |
                 bytes[i + 2] << 8 | bytes[i + 3]);
    }
}

/*
 * A write with SEND_BUSY runs the transaction synchronously, so the guest's
 * first poll sees it done.  Only channel D has a sink; the others time out.
 */
void gen9_aux_ctl_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                        uint32_t written)
{
    unsigned ch = (offset - DP_AUX_CH_CTL_A) / PORT_STRIDE;
    uint32_t data = offset + (DP_AUX_CH_DATA_A - DP_AUX_CH_CTL_A);
    uint32_t ctl = gen9_reg(d, offset);
    uint8_t req[DP_AUX_CH_DATA_BYTES], reply[DP_AUX_CH_DATA_BYTES] = { 0 };
    unsigned req_len, reply_len = 0;

    if (!(written & DP_AUX_CH_CTL_SEND_BUSY)) {
        return;
    }
    req_len = (written & DP_AUX_CH_CTL_MESSAGE_SIZE_MASK) >> DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT;
    ctl &= ~(DP_AUX_CH_CTL_SEND_BUSY | DP_AUX_CH_CTL_MESSAGE_SIZE_MASK |
             DP_AUX_CH_CTL_TIME_OUT_ERROR | DP_AUX_CH_CTL_RECEIVE_ERROR);
    if (ch != SINK_PORT || !d->sink.connected) {
        ctl |= DP_AUX_CH_CTL_TIME_OUT_ERROR;
    } else if (req_len < 3 || req_len > DP_AUX_CH_DATA_BYTES) {
        char why[48];

        snprintf(why, sizeof(why), "AUX message of %u bytes", req_len);
        d->ops->guest_error(d->opaque, why);
        ctl |= DP_AUX_CH_CTL_RECEIVE_ERROR;
    } else {
        aux_data_get(d, data, req);
        reply_len = aux_transfer(&d->sink, req, req_len, reply);
        aux_data_set(d, data, reply);
    }
    gen9_reg_set(d, offset, ctl | DP_AUX_CH_CTL_DONE |
                 reply_len << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT);
    if (written & DP_AUX_CH_CTL_INTERRUPT) {
        d->ops->irq_raise(d->opaque, GEN9_DISPLAY_IRQ_PORT, aux_done_irq[ch]);
    }
}

/* The buffer reports idle exactly while it is disabled. */
void gen9_ddi_buf_ctl_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                            uint32_t written)
{
    uint32_t v = gen9_reg(d, offset) & ~DDI_BUF_IS_IDLE;

    gen9_reg_set(d, offset, v & DDI_BUF_CTL_ENABLE ? v : v | DDI_BUF_IS_IDLE);
}

/* Selecting the idle pattern completes at once (DP_TP_STATUS idle done). */
void gen9_dp_tp_ctl_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                          uint32_t written)
{
    uint32_t status_reg = offset + (DP_TP_STATUS_A - DP_TP_CTL_A);
    uint32_t status = gen9_reg(d, status_reg) & ~DP_TP_STATUS_IDLE_DONE;

    if ((written & DP_TP_CTL_LINK_TRAIN_MASK) == DP_TP_CTL_LINK_TRAIN_IDLE) {
        status |= DP_TP_STATUS_IDLE_DONE;
    }
    gen9_reg_set(d, status_reg, status);
}

/* A transcoder's state follows its enable bit at once. */
void gen9_transconf_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                          uint32_t written)
{
    uint32_t v = gen9_reg(d, offset) & ~TRANSCONF_STATE_ENABLE;

    gen9_reg_set(d, offset, v | (v & TRANSCONF_ENABLE) >> 1);
}

/*
 * The scanline of an enabled pipe moves: one line per read, wrapping at the
 * transcoder's vtotal.  A constant line would send i915 into its
 * "PIPEDSL reads 0 just before vblank" retry loop, 100 reads per scanline
 * query, on every vblank timestamp: nothing on bare metal, seconds per
 * vblank where a read is a device-model trip (docs/xen.md).  A disabled
 * pipe's line stands at 0.
 */
uint32_t gen9_pipedsl_read(struct gen9_display *d, uint32_t offset)
{
    unsigned pipe = (offset - PIPEDSL_A) / PIPE_STRIDE;
    uint32_t vtotal = (gen9_reg(d, TRANS_VTOTAL_A + pipe * PIPE_STRIDE) >> 16 & 0x1fff) + 1;
    uint32_t line;

    if (!(gen9_reg(d, TRANSCONF_A + pipe * PIPE_STRIDE) & TRANSCONF_STATE_ENABLE)) {
        return 0;
    }
    line = (gen9_reg(d, offset) + 1) % vtotal;
    gen9_reg_set(d, offset, line);
    return line;
}

/* A surface write flips at the next vblank (contract 8.3). */
void gen9_plane_surf_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                           uint32_t written)
{
    unsigned pipe = (offset - PLANE_SURF_1_A) / PIPE_STRIDE;
    unsigned plane = (offset - PLANE_SURF_1_A) % PIPE_STRIDE / PLANE_STRIDE;
    uint32_t flipcount = PIPE_FLIPCOUNT_A + pipe * PIPE_STRIDE;

    gen9_reg_set(d, offset + (PLANE_SURFLIVE_1_A - PLANE_SURF_1_A), gen9_reg(d, offset));
    gen9_reg_set(d, flipcount, gen9_reg(d, flipcount) + 1);
    d->pending_flips |= 1u << (pipe * 4 + plane);
}

void gen9_display_vblank(struct gen9_display *d)
{
    for (unsigned pipe = 0; pipe < GEN9_DISPLAY_PIPES; pipe++) {
        uint32_t frmcount = PIPE_FRMCOUNT_A + pipe * PIPE_STRIDE;
        uint32_t flips = d->pending_flips >> (pipe * 4) & 0xf;
        uint32_t events = GEN8_PIPE_VBLANK;

        if (!(gen9_reg(d, TRANSCONF_A + pipe * PIPE_STRIDE) & TRANSCONF_STATE_ENABLE)) {
            continue;
        }
        for (unsigned plane = 0; plane < GEN9_DISPLAY_PLANES; plane++) {
            if (flips & (1u << plane)) {
                events |= GEN9_PIPE_PLANE1_FLIP_DONE << plane;
            }
        }
        d->pending_flips &= ~(0xfu << (pipe * 4));
        gen9_reg_set(d, frmcount, gen9_reg(d, frmcount) + 1);
        d->ops->count(d->opaque, GEN9_DISPLAY_VBLANK);
        d->ops->irq_raise(d->opaque, GEN9_DISPLAY_IRQ_PIPE_A + pipe, events);
    }
}
