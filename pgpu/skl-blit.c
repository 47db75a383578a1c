/*
 * skl-blit.c - the blitter: XY_SRC_COPY_BLT, XY_COLOR_BLT and
 * XY_FAST_COPY_BLT on linear, X-tiled and Y-tiled (legacy TileY) surfaces.
 * Surfaces are addressed through the context's PPGTT; bit-6 swizzling is
 * off on Gen9.  Raster operations other than SRCCOPY (copies) and PATCOPY
 * (fills) are not modelled and stop the context.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

#include <string.h>

/* A long blit checks for reset and the hang timeout every so many chunks;
 * a chunk is at most MAX_CHUNK bytes contiguous in host memory. */
#define CHUNKS_PER_CHECK 64
#define MAX_CHUNK (1u << 20)

enum tiling { TILING_LINEAR, TILING_X, TILING_Y };

struct surface {
    uint64_t base;
    int64_t pitch;          /* bytes */
    enum tiling tiling;
};

struct rect {
    unsigned x, y, width, height;   /* pixels */
};

/*
 * Byte offset of (@xb bytes, @y rows) in @s, and in *@run how many bytes
 * from there stay contiguous along the row.
 */
static int64_t surface_offset(const struct surface *s, uint64_t xb, uint64_t y,
                              uint64_t *run)
{
    switch (s->tiling) {
    case TILING_X:      /* 4 KiB tiles of 512 bytes x 8 rows */
        *run = 512 - xb % 512;
        return (int64_t)(y / 8) * s->pitch * 8 + (int64_t)(xb / 512 * 4096 +
               y % 8 * 512 + xb % 512);
    case TILING_Y:      /* 4 KiB tiles of 128 bytes x 32 rows, in 16-byte columns */
        *run = 16 - xb % 16;
        return (int64_t)(y / 32) * s->pitch * 32 + (int64_t)(xb / 128 * 4096 +
               xb % 128 / 16 * 512 + y % 32 * 16 + xb % 16);
    default:
        *run = UINT64_MAX;
        return (int64_t)y * s->pitch + (int64_t)xb;
    }
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Bytes of @len starting at row byte @xb whose write-enable is set. */
static void masked_copy(uint8_t *dst, const uint8_t *src, uint64_t xb, uint64_t len,
                        unsigned cpp, uint32_t byte_mask)
{
    for (uint64_t i = 0; i < len; i++) {
        if (byte_mask & (1u << ((xb + i) % cpp))) {
            dst[i] = src[i];
        }
    }
}

static void masked_fill(uint8_t *dst, const uint8_t *pattern, uint64_t xb, uint64_t len,
                        unsigned cpp, uint32_t byte_mask)
{
    for (uint64_t i = 0; i < len; i++) {
        if (byte_mask & (1u << ((xb + i) % cpp))) {
            dst[i] = pattern[(xb + i) % cpp];
        }
    }
}

/* Every byte of every pixel: the pattern repeats every 64 bytes for any cpp. */
static void fill(uint8_t *dst, const uint8_t *pattern, uint64_t xb, uint64_t len,
                 unsigned cpp)
{
    uint8_t line[64];

    for (unsigned i = 0; i < sizeof(line); i++) {
        line[i] = pattern[(xb + i) % cpp];
    }
    for (; len >= sizeof(line); len -= sizeof(line), dst += sizeof(line)) {
        memcpy(dst, line, sizeof(line));
    }
    memcpy(dst, line, len);
}

/*
 * Copy (@src != NULL) or fill with @color the @r rectangle of @dst; @src_x,
 * @src_y locate the source.  @byte_mask selects the bytes of each pixel
 * written (bit i: byte i).  Linear surfaces whose rows are back to back are
 * streamed as one long row.
 */
static enum skl_exec_result blit(struct skl_exec *x, const struct surface *dst,
                                 const struct rect *r, const struct surface *src,
                                 unsigned src_x, unsigned src_y, unsigned cpp,
                                 uint32_t color, uint32_t byte_mask)
{
    struct skl_engine *e = x->e;
    uint64_t row_bytes = (uint64_t)r->width * cpp, rows = r->height;
    bool full = byte_mask == (1u << cpp) - 1;
    unsigned chunks = 0;
    uint8_t pattern[4];

    memcpy(pattern, &color, sizeof(pattern));
    if (dst->tiling == TILING_LINEAR && dst->pitch == (int64_t)row_bytes &&
        (!src || (src->tiling == TILING_LINEAR && src->pitch == (int64_t)row_bytes))) {
        row_bytes *= rows;
        rows = rows ? 1 : 0;
    }
    for (uint64_t y = 0; y < rows; y++) {
        for (uint64_t xb = 0; xb < row_bytes;) {
            uint64_t drun, srun = UINT64_MAX, n;
            uint64_t daddr = dst->base + (uint64_t)surface_offset(dst, (uint64_t)r->x * cpp + xb,
                                                                  r->y + y, &drun);
            uint8_t *dp, *sp = NULL;
            bool hang;

            if (++chunks % CHUNKS_PER_CHECK == 0 && skl_engine_must_stop(e, &hang)) {
                return hang ? SKL_EXEC_HANG : SKL_EXEC_SLICE_END;
            }
            skl_exec_dma_point(x, e->gpu);
            n = min_u64(min_u64(row_bytes - xb, drun), MAX_CHUNK);
            if (src) {
                uint64_t saddr = src->base +
                    (uint64_t)surface_offset(src, (uint64_t)src_x * cpp + xb, src_y + y, &srun);

                sp = skl_translate_run(e, saddr, min_u64(n, srun), false, &n);
                if (!sp) {
                    return SKL_EXEC_FAULT;
                }
            }
            dp = skl_translate_run(e, daddr, n, true, &n);
            if (!dp) {
                return SKL_EXEC_FAULT;
            }
            if (sp && full) {
                memmove(dp, sp, n);
            } else if (sp) {
                masked_copy(dp, sp, xb, n, cpp, byte_mask);
            } else if (full) {
                fill(dp, pattern, xb, n, cpp);
            } else {
                masked_fill(dp, pattern, xb, n, cpp, byte_mask);
            }
            xb += n;
        }
    }
    return SKL_EXEC_CONTINUE;
}

/* Destination rectangle from dwords 2 (y1:x1) and 3 (y2:x2, exclusive). */
static struct rect dst_rect(const uint32_t *dw)
{
    unsigned x1 = dw[2] & 0xffff, y1 = dw[2] >> 16;
    unsigned x2 = dw[3] & 0xffff, y2 = dw[3] >> 16;

    return (struct rect){
        .x = x1, .y = y1,
        .width = x2 > x1 ? x2 - x1 : 0, .height = y2 > y1 ? y2 - y1 : 0,
    };
}

/* A pitch field: signed bytes when linear, dwords when tiled. */
static bool make_surface(struct surface *s, uint64_t base, uint32_t pitch_field,
                         enum tiling tiling)
{
    s->base = base;
    s->tiling = tiling;
    if (tiling == TILING_LINEAR) {
        s->pitch = (int16_t)pitch_field;
        return true;
    }
    s->pitch = 4 * (int64_t)(pitch_field & 0xffff);
    return s->pitch % (tiling == TILING_X ? 512 : 128) == 0;
}

/* BR13 colour depth (bits 25:24) to bytes per pixel. */
static unsigned br13_cpp(uint32_t br13)
{
    static const unsigned cpp[4] = { 1, 2, 2, 4 };

    return cpp[(br13 >> 24) & 3];
}

/* 32 bpp honours the alpha/RGB write enables of dword 0. */
static uint32_t write_mask(uint32_t dw0, unsigned cpp)
{
    if (cpp != 4) {
        return (1u << cpp) - 1;
    }
    return (dw0 & BLT_WRITE_RGB ? 0x7 : 0) | (dw0 & BLT_WRITE_ALPHA ? 0x8 : 0);
}

static enum tiling legacy_tiling(const struct skl_engine *e, bool tiled, uint32_t y_bit)
{
    if (!tiled) {
        return TILING_LINEAR;
    }
    return skl_reg_load(e->gpu, BCS_SWCTRL) & y_bit ? TILING_Y : TILING_X;
}

enum skl_exec_result skl_blt_src_copy(struct skl_exec *x, const uint32_t *dw,
                                      unsigned len)
{
    struct rect r = dst_rect(dw);
    struct surface dst, src;
    unsigned cpp = br13_cpp(dw[1]);

    if ((dw[1] & BR13_ROP(0xff)) != BR13_ROP_SRCCOPY ||
        !make_surface(&dst, x->addr[0], dw[1],
                      legacy_tiling(x->e, dw[0] & BLT_DST_TILED, BCS_DST_Y)) ||
        !make_surface(&src, x->addr[1], dw[7],
                      legacy_tiling(x->e, dw[0] & BLT_SRC_TILED, BCS_SRC_Y))) {
        return SKL_EXEC_BAD_COMMAND;
    }
    return blit(x, &dst, &r, &src, dw[6] & 0xffff, dw[6] >> 16, cpp, 0,
                write_mask(dw[0], cpp));
}

enum skl_exec_result skl_blt_color(struct skl_exec *x, const uint32_t *dw, unsigned len)
{
    struct rect r = dst_rect(dw);
    struct surface dst;
    unsigned cpp = br13_cpp(dw[1]);

    if ((dw[1] & BR13_ROP(0xff)) != BR13_ROP_PATCOPY ||
        !make_surface(&dst, x->addr[0], dw[1],
                      legacy_tiling(x->e, dw[0] & BLT_DST_TILED, BCS_DST_Y))) {
        return SKL_EXEC_BAD_COMMAND;
    }
    return blit(x, &dst, &r, NULL, 0, 0, cpp, dw[6], write_mask(dw[0], cpp));
}

/* XY_FAST_COPY_BLT tiling fields (00 linear, 01 X, 10 Y); Ys and Yf are
 * not modelled. */
static bool fast_copy_tiling(unsigned field, enum tiling *tiling)
{
    static const enum tiling tilings[3] = { TILING_LINEAR, TILING_X, TILING_Y };

    if (field > 2) {
        return false;
    }
    *tiling = tilings[field];
    return true;
}

enum skl_exec_result skl_blt_fast_copy(struct skl_exec *x, const uint32_t *dw,
                                       unsigned len)
{
    static const unsigned depth_cpp[8] = { 1, 2, 0, 4, 0, 0, 0, 0 };
    unsigned cpp = depth_cpp[(dw[1] >> 24) & 7];
    struct rect r = dst_rect(dw);
    enum tiling dst_tiling, src_tiling;
    struct surface dst, src;

    if (!cpp || (dw[1] & (SKL_BIT(31) | SKL_BIT(30))) ||
        !fast_copy_tiling((dw[0] >> 13) & 3, &dst_tiling) ||
        !fast_copy_tiling((dw[0] >> 20) & 3, &src_tiling) ||
        !make_surface(&dst, x->addr[0], dw[1], dst_tiling) ||
        !make_surface(&src, x->addr[1], dw[7], src_tiling)) {
        return SKL_EXEC_BAD_COMMAND;
    }
    return blit(x, &dst, &r, &src, dw[6] & 0xffff, dw[6] >> 16, cpp, 0, (1u << cpp) - 1);
}
