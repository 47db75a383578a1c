/*
 * edid.c - the virtual monitor's EDID 1.4 base block, generated for its
 * resolution (the vGPU type's, or pgpu-pci's) with CVT reduced-blanking
 * timings at 60 Hz.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/display.h"

#include <string.h>

#define EDID_DESCRIPTOR_BYTES   18
#define EDID_FIRST_DESCRIPTOR   54
#define REFRESH_HZ              60

/* CVT reduced blanking (v1): fixed horizontal blank, >= 460 us vertical. */
#define CVT_RB_H_BLANK          160
#define CVT_RB_H_SYNC           32
#define CVT_RB_H_FRONT          48
#define CVT_RB_MIN_V_BLANK_US   460
#define CVT_RB_V_FRONT          3
#define CVT_MIN_V_BACK          6
#define CVT_CLOCK_STEP_KHZ      250

struct timing {
    unsigned clock_khz;
    unsigned h_active, h_blank, h_front, h_sync;
    unsigned v_active, v_blank, v_front, v_sync;
};

/* CVT encodes the aspect ratio in the vertical sync width. */
static unsigned cvt_v_sync(unsigned w, unsigned h)
{
    if (w * 3 == h * 4) {
        return 4;
    } else if (w * 9 == h * 16) {
        return 5;
    } else if (w * 10 == h * 16) {
        return 6;
    } else if (w * 4 == h * 5 || w * 9 == h * 15) {
        return 7;
    }
    return 10;
}

static struct timing cvt_rb(unsigned w, unsigned h)
{
    struct timing t = {
        .h_active = w, .h_blank = CVT_RB_H_BLANK, .h_front = CVT_RB_H_FRONT,
        .h_sync = CVT_RB_H_SYNC, .v_active = h, .v_front = CVT_RB_V_FRONT,
        .v_sync = cvt_v_sync(w, h),
    };
    /* Line period in ns estimated from the frame minus the blanking time. */
    unsigned line_ns = (1000000000u / REFRESH_HZ - CVT_RB_MIN_V_BLANK_US * 1000u) / h;
    unsigned v_blank = CVT_RB_MIN_V_BLANK_US * 1000u / line_ns + 1;
    unsigned min_v_blank = t.v_front + t.v_sync + CVT_MIN_V_BACK;
    uint64_t pixels_per_frame;

    t.v_blank = v_blank > min_v_blank ? v_blank : min_v_blank;
    pixels_per_frame = (uint64_t)(w + t.h_blank) * (h + t.v_blank);
    t.clock_khz = pixels_per_frame * REFRESH_HZ / 1000 / CVT_CLOCK_STEP_KHZ *
                  CVT_CLOCK_STEP_KHZ;
    return t;
}

static void put_dtd(uint8_t *d, const struct timing *t, unsigned w_mm, unsigned h_mm)
{
    unsigned clock = t->clock_khz / 10;
    unsigned v_front = t->v_front, v_sync = t->v_sync;

    d[0] = clock & 0xff;
    d[1] = clock >> 8;
    d[2] = t->h_active & 0xff;
    d[3] = t->h_blank & 0xff;
    d[4] = (t->h_active >> 8) << 4 | t->h_blank >> 8;
    d[5] = t->v_active & 0xff;
    d[6] = t->v_blank & 0xff;
    d[7] = (t->v_active >> 8) << 4 | t->v_blank >> 8;
    d[8] = t->h_front & 0xff;
    d[9] = t->h_sync & 0xff;
    d[10] = (v_front & 0xf) << 4 | (v_sync & 0xf);
    d[11] = (t->h_front >> 8) << 6 | (t->h_sync >> 8) << 4 |
            (v_front >> 4) << 2 | v_sync >> 4;
    d[12] = w_mm & 0xff;
    d[13] = h_mm & 0xff;
    d[14] = (w_mm >> 8) << 4 | h_mm >> 8;
    d[17] = 0x1a;       /* digital separate sync, hsync +, vsync - (CVT-RB) */
}

static void put_text_descriptor(uint8_t *d, uint8_t tag, const char *text)
{
    size_t n = strlen(text);

    d[3] = tag;
    memset(d + 5, ' ', 13);
    memcpy(d + 5, text, n);
    if (n < 13) {
        d[5 + n] = '\n';
    }
}

/* sRGB primaries and white point, as 10-bit CIE xy fractions. */
static void put_chromaticity(uint8_t *e)
{
    static const uint16_t xy[8] = {
        655, 338, 307, 614, 154, 61, 320, 337,  /* red, green, blue, white */
    };

    e[25] = (xy[0] & 3) << 6 | (xy[1] & 3) << 4 | (xy[2] & 3) << 2 | (xy[3] & 3);
    e[26] = (xy[4] & 3) << 6 | (xy[5] & 3) << 4 | (xy[6] & 3) << 2 | (xy[7] & 3);
    for (unsigned i = 0; i < 8; i++) {
        e[27 + i] = xy[i] >> 2;
    }
}

/* The VESA established modes smaller than the native one, for mode changes. */
static void put_established_timings(uint8_t *e, unsigned width, unsigned height)
{
    static const struct {
        unsigned width, height, byte, bit;
    } modes[] = {
        { 640, 480, 35, 5 }, { 800, 600, 35, 0 }, { 1024, 768, 36, 3 },
    };

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (modes[i].width <= width && modes[i].height <= height &&
            (modes[i].width != width || modes[i].height != height)) {
            e[modes[i].byte] |= 1u << modes[i].bit;
        }
    }
}

void gen9_edid_build(uint8_t edid[GEN9_EDID_SIZE], unsigned width, unsigned height)
{
    static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    struct timing t = cvt_rb(width, height);
    unsigned w_mm = width * 254 / 960, h_mm = height * 254 / 960;  /* 96 dpi */
    unsigned h_khz = t.clock_khz / (width + t.h_blank);
    uint8_t *d = edid + EDID_FIRST_DESCRIPTOR;
    uint8_t sum = 0;

    memset(edid, 0, GEN9_EDID_SIZE);
    memcpy(edid, header, sizeof(header));
    edid[8] = 0x1e;             /* manufacturer "GPM" */
    edid[9] = 0x0d;
    edid[10] = 0x01;            /* product code 1 */
    edid[16] = 1;               /* week 1 of */
    edid[17] = 2026 - 1990;
    edid[18] = 1;               /* EDID 1.4 */
    edid[19] = 4;
    edid[20] = 0xa5;            /* digital, 8 bits per colour, DisplayPort */
    edid[21] = (w_mm + 5) / 10;
    edid[22] = (h_mm + 5) / 10;
    edid[23] = 120;             /* gamma 2.2 */
    edid[24] = 0x06;            /* sRGB default, preferred mode is native */
    put_chromaticity(edid);
    put_established_timings(edid, width, height);
    memset(edid + 38, 0x01, 16);    /* no standard timings */

    put_dtd(d, &t, w_mm, h_mm);
    d += EDID_DESCRIPTOR_BYTES;
    d[3] = 0xfd;                /* range limits */
    d[5] = 50;
    d[6] = 75;
    d[7] = h_khz > 30 ? 30 : h_khz;
    d[8] = h_khz + 10;
    d[9] = t.clock_khz / 10000 + 1;
    d[10] = 0x01;               /* range limits only */
    d[11] = 0x0a;
    memset(d + 12, ' ', 6);
    d += EDID_DESCRIPTOR_BYTES;
    put_text_descriptor(d, 0xfc, "gpumed vGPU");
    d += EDID_DESCRIPTOR_BYTES;
    d[3] = 0x10;                /* dummy descriptor */

    for (unsigned i = 0; i < 127; i++) {
        sum += edid[i];
    }
    edid[127] = -sum;
}
