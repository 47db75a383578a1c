/*
 * display-plane.c - decode the scan-out (primary plane and cursor of the
 * active pipe, contract 8.4) and copy it, detiled, for the host's console.
 *
 * The decoder is the only place that turns guest display registers into
 * memory the host will read, so it checks every field against Skylake's
 * limits and every page through the owner's GGTT (the vGPU's partition, or
 * the model's own GGTT) before listing it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/plane.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen9/display-private.h"
#include "gen9/regs.h"

#define SURFACE_ADDR_MASK       0xfffff000u

/* The surface start offset never lets the picture reach beyond this row. */
#define MAX_SOURCE_ROWS         (2 * GEN9_FB_MAX_HEIGHT)

static uint32_t low16(uint32_t v)
{
    return v & 0xffff;
}

static uint32_t high16(uint32_t v)
{
    return v >> 16;
}

void gen9_fb_init(struct gen9_fb *fb)
{
    memset(fb, 0, sizeof(*fb));
}

void gen9_fb_fini(struct gen9_fb *fb)
{
    free(fb->page_addr);
    gen9_fb_init(fb);
}

/*
 * Refuse the programming @regs (the pipe, then the registers that made it):
 * count and log it once, however many refreshes meet it again.
 */
static enum gen9_plane_status refuse(struct gen9_display *d, struct gen9_fb *fb,
                                     enum gen9_display_event counter, const uint32_t regs[GEN9_FB_REFUSED_WORDS],
                                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum gen9_plane_status refuse(struct gen9_display *d, struct gen9_fb *fb,
                                     enum gen9_display_event counter, const uint32_t regs[GEN9_FB_REFUSED_WORDS],
                                     const char *fmt, ...)
{
    char why[160], message[200];
    va_list ap;

    if (!memcmp(fb->refused, regs, sizeof(fb->refused))) {
        return GEN9_PLANE_INVALID;
    }
    memcpy(fb->refused, regs, sizeof(fb->refused));
    d->ops->count(d->opaque, counter);
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(message, sizeof(message), "pipe %c: %s; showing a blank screen",
             'A' + regs[0], why);
    d->ops->guest_error(d->opaque, message);
    return GEN9_PLANE_INVALID;
}

static enum gen9_plane_status clear_refusal(struct gen9_fb *fb,
                                            enum gen9_plane_status status)
{
    memset(fb->refused, 0, sizeof(fb->refused));
    return status;
}

/* Bytes of the surface the picture reaches, from its first byte. */
static uint64_t surface_span(const struct gen9_fb *fb)
{
    uint64_t rows = (uint64_t)fb->src_y + fb->height;

    if (fb->tiling == GEN9_FB_X_TILED) {
        return (rows + GEN9_FB_TILE_X_ROWS - 1) / GEN9_FB_TILE_X_ROWS *
               GEN9_FB_TILE_X_ROWS * fb->stride;
    }
    return (rows - 1) * fb->stride + ((uint64_t)fb->src_x + fb->width) * fb->cpp;
}

/* List the guest page behind every page of the span, each one validated. */
static enum gen9_plane_status list_pages(struct gen9_display *d, struct gen9_fb *fb,
                                         const char *plane, enum gen9_display_event counter,
                                         const uint32_t regs[GEN9_FB_REFUSED_WORDS])
{
    size_t count = (surface_span(fb) + GEN9_FB_PAGE_SIZE - 1) / GEN9_FB_PAGE_SIZE;
    bool epochs = d->ops->translation_epoch != NULL;
    uint64_t epoch = epochs ? d->ops->translation_epoch(d->opaque) : 0;

    /* The same pages through an unchanged GGTT: the list stands. */
    if (epochs && fb->listed && fb->listed_gma == fb->gma && fb->listed_count == count &&
        fb->listed_epoch == epoch) {
        fb->page_count = count;
        fb->list_kept = true;
        return clear_refusal(fb, GEN9_PLANE_OK);
    }
    fb->listed = false;
    fb->list_kept = false;
    if (count > fb->page_capacity) {
        uint64_t *grown = realloc(fb->page_addr, count * sizeof(*grown));

        if (!grown) {
            refuse(d, fb, counter, regs, "no memory for %zu pages", count);
            errno = ENOMEM;
            return GEN9_PLANE_INVALID;
        }
        fb->page_addr = grown;
        fb->page_capacity = count;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t gma = fb->gma + i * GEN9_FB_PAGE_SIZE;

        if (!d->ops->translate(d->opaque, gma, &fb->page_addr[i])) {
            return refuse(d, fb, counter, regs,
                          "%s surface 0x%llx: page %zu of %zu (0x%llx) is outside the "
                          "partition, not present or not guest RAM",
                          plane, (unsigned long long)fb->gma, i, count,
                          (unsigned long long)gma);
        }
    }
    fb->page_count = count;
    fb->listed = true;
    fb->listed_gma = fb->gma;
    fb->listed_count = count;
    fb->listed_epoch = epoch;
    return clear_refusal(fb, GEN9_PLANE_OK);
}

static bool format_decode(uint32_t ctl, struct gen9_fb *fb)
{
    unsigned format = ctl >> PLANE_CTL_FORMAT_SHIFT & 0xf;
    bool alpha = ctl & PLANE_CTL_ALPHA_MASK, rgbx = ctl & PLANE_CTL_ORDER_RGBX;

    if (format == PLANE_CTL_FORMAT_XRGB_8888) {
        fb->cpp = 4;
        fb->format = rgbx ? (alpha ? GEN9_FB_ABGR8888 : GEN9_FB_XBGR8888)
                          : (alpha ? GEN9_FB_ARGB8888 : GEN9_FB_XRGB8888);
        return true;
    }
    if (format == PLANE_CTL_FORMAT_RGB_565 && !rgbx && !alpha) {
        fb->cpp = 2;
        fb->format = GEN9_FB_RGB565;
        return true;
    }
    return false;
}

/* The first pipe whose transcoder runs, or GEN9_DISPLAY_PIPES. */
static unsigned active_pipe(const struct gen9_display *d)
{
    unsigned pipe;

    for (pipe = 0; pipe < GEN9_DISPLAY_PIPES; pipe++) {
        if (gen9_reg(d, TRANSCONF_A + pipe * PIPE_STRIDE) & TRANSCONF_STATE_ENABLE) {
            break;
        }
    }
    return pipe;
}

enum gen9_plane_status gen9_plane_decode(struct gen9_display *d, struct gen9_fb *fb)
{
    enum gen9_display_event counter = GEN9_DISPLAY_PLANE_REJECTED;
    unsigned pipe = active_pipe(d);
    uint32_t base = pipe * PIPE_STRIDE;
    uint32_t regs[GEN9_FB_REFUSED_WORDS] = {
        pipe, gen9_reg(d, PIPESRC_A + base), gen9_reg(d, PLANE_CTL_1_A + base),
        gen9_reg(d, PLANE_STRIDE_1_A + base), gen9_reg(d, PLANE_POS_1_A + base),
        gen9_reg(d, PLANE_SIZE_1_A + base), gen9_reg(d, PLANE_OFFSET_1_A + base),
        gen9_reg(d, PLANE_SURFLIVE_1_A + base),
    };
    uint32_t ctl = regs[2], stride_units = regs[3] & PLANE_STRIDE_MASK;
    unsigned tiling = ctl >> PLANE_CTL_TILED_SHIFT & 7;

    if (pipe == GEN9_DISPLAY_PIPES || !(ctl & PLANE_CTL_ENABLE)) {
        return clear_refusal(fb, GEN9_PLANE_OFF);
    }
    fb->pipe = pipe;
    fb->pipe_width = high16(regs[1]) + 1;
    fb->pipe_height = low16(regs[1]) + 1;
    fb->x = low16(regs[4]);
    fb->y = high16(regs[4]);
    fb->width = low16(regs[5]) + 1;
    fb->height = high16(regs[5]) + 1;
    fb->src_x = low16(regs[6]);
    fb->src_y = high16(regs[6]);
    fb->gma = regs[7] & SURFACE_ADDR_MASK;
    fb->page_count = 0;

    if (!format_decode(ctl, fb)) {
        return refuse(d, fb, counter, regs, "plane control 0x%08x: unsupported "
                      "format, order or alpha", ctl);
    }
    if (tiling != PLANE_CTL_TILED_LINEAR && tiling != PLANE_CTL_TILED_X) {
        return refuse(d, fb, counter, regs, "plane control 0x%08x: tiling %u is "
                      "not linear or X", ctl, tiling);
    }
    if (ctl & (PLANE_CTL_ROTATE_MASK | PLANE_CTL_FLIP_HORIZONTAL | PLANE_CTL_DECOMPRESS)) {
        return refuse(d, fb, counter, regs, "plane control 0x%08x: rotation, "
                      "mirroring or compression", ctl);
    }
    fb->tiling = tiling == PLANE_CTL_TILED_X ? GEN9_FB_X_TILED : GEN9_FB_LINEAR;
    fb->stride = stride_units * (fb->tiling == GEN9_FB_X_TILED ? GEN9_FB_TILE_X_WIDTH
                                                              : PLANE_STRIDE_LINEAR_UNIT);
    if (fb->pipe_width > GEN9_FB_MAX_WIDTH || fb->pipe_height > GEN9_FB_MAX_HEIGHT) {
        return refuse(d, fb, counter, regs, "pipe source %ux%u is larger than "
                      "%ux%u", fb->pipe_width, fb->pipe_height, GEN9_FB_MAX_WIDTH,
                      GEN9_FB_MAX_HEIGHT);
    }
    if ((uint64_t)fb->x + fb->width > fb->pipe_width ||
        (uint64_t)fb->y + fb->height > fb->pipe_height) {
        return refuse(d, fb, counter, regs, "plane %ux%u at %u,%u does not fit "
                      "in the pipe's %ux%u", fb->width, fb->height, fb->x, fb->y,
                      fb->pipe_width, fb->pipe_height);
    }
    if (!stride_units || fb->stride > GEN9_FB_MAX_STRIDE ||
        ((uint64_t)fb->src_x + fb->width) * fb->cpp > fb->stride) {
        return refuse(d, fb, counter, regs, "stride %u bytes cannot hold %u "
                      "pixels from x %u (or exceeds %u)", fb->stride, fb->width,
                      fb->src_x, GEN9_FB_MAX_STRIDE);
    }
    if ((uint64_t)fb->src_y + fb->height > MAX_SOURCE_ROWS) {
        return refuse(d, fb, counter, regs, "surface offset y %u is beyond %u rows",
                      fb->src_y, MAX_SOURCE_ROWS);
    }
    return list_pages(d, fb, "primary plane", counter, regs);
}

/* Cursor position fields are sign and magnitude. */
static int32_t cursor_coordinate(uint32_t field)
{
    int32_t magnitude = field & CURSOR_POS_MAGNITUDE;

    return field & CURSOR_POS_SIGN ? -magnitude : magnitude;
}

enum gen9_plane_status gen9_cursor_decode(struct gen9_display *d, unsigned pipe,
                                          struct gen9_cursor *cursor)
{
    struct gen9_fb *fb = &cursor->fb;
    uint32_t base = pipe * PIPE_STRIDE;
    uint32_t regs[GEN9_FB_REFUSED_WORDS] = {
        pipe, gen9_reg(d, CURCNTR_A + base), gen9_reg(d, CURBASE_A + base),
        gen9_reg(d, CURPOS_A + base),
    };
    uint32_t size;

    if (pipe >= GEN9_DISPLAY_PIPES) {
        return clear_refusal(fb, GEN9_PLANE_OFF);
    }
    switch (regs[1] & CURSOR_MODE_MASK) {
    case CURSOR_MODE_DISABLE:
        return clear_refusal(fb, GEN9_PLANE_OFF);
    case CURSOR_MODE_64_ARGB:
        size = 64;
        break;
    case CURSOR_MODE_128_ARGB:
        size = 128;
        break;
    case CURSOR_MODE_256_ARGB:
        size = GEN9_CURSOR_MAX_SIZE;
        break;
    default:
        return refuse(d, fb, GEN9_DISPLAY_CURSOR_REJECTED, regs, "cursor control "
                      "0x%08x: not an ARGB mode", regs[1]);
    }
    if (regs[1] & CURSOR_ROTATE_180) {
        return refuse(d, fb, GEN9_DISPLAY_CURSOR_REJECTED, regs, "cursor control "
                      "0x%08x: rotated", regs[1]);
    }
    fb->pipe = pipe;
    fb->pipe_width = fb->pipe_height = 0;       /* the cursor is not clipped */
    fb->x = fb->y = fb->src_x = fb->src_y = 0;
    fb->width = fb->height = size;
    fb->format = GEN9_FB_ARGB8888;
    fb->cpp = 4;
    fb->tiling = GEN9_FB_LINEAR;
    fb->stride = size * fb->cpp;
    fb->gma = regs[2] & SURFACE_ADDR_MASK;
    cursor->x = cursor_coordinate(low16(regs[3]));
    cursor->y = cursor_coordinate(high16(regs[3]));
    return list_pages(d, fb, "cursor", GEN9_DISPLAY_CURSOR_REJECTED, regs);
}

void gen9_fb_refuse_page(struct gen9_display *d, struct gen9_fb *fb, size_t page)
{
    uint64_t gpa = page < fb->page_count ? fb->page_addr[page] : 0;
    uint32_t regs[GEN9_FB_REFUSED_WORDS] = {
        fb->pipe, UINT32_MAX, (uint32_t)page, (uint32_t)fb->gma, (uint32_t)gpa,
        (uint32_t)(gpa >> 32),
    };

    /* The decode before each refresh succeeds and forgets the last refused
     * programming: the unreadable page keeps its own record. */
    if (!memcmp(fb->refused_page, regs, sizeof(fb->refused_page))) {
        return;
    }
    memcpy(fb->refused_page, regs, sizeof(fb->refused_page));
    refuse(d, fb, GEN9_DISPLAY_PLANE_REJECTED, regs, "page %zu of surface 0x%llx "
           "(address 0x%llx) cannot be read", page,
           (unsigned long long)fb->gma, (unsigned long long)gpa);
}

/*
 * Where the source bytes of row @row from byte @byte of the row continue:
 * the page and offset, and how many bytes stay contiguous from there.
 */
static uint32_t source_run(const struct gen9_fb *fb, uint32_t row, uint32_t byte,
                           size_t *page, uint32_t *offset)
{
    uint64_t y = (uint64_t)fb->src_y + row;
    uint64_t x = (uint64_t)fb->src_x * fb->cpp + byte;

    if (fb->tiling == GEN9_FB_X_TILED) {
        uint64_t tiles_per_row = fb->stride / GEN9_FB_TILE_X_WIDTH;

        *page = y / GEN9_FB_TILE_X_ROWS * tiles_per_row + x / GEN9_FB_TILE_X_WIDTH;
        *offset = y % GEN9_FB_TILE_X_ROWS * GEN9_FB_TILE_X_WIDTH + x % GEN9_FB_TILE_X_WIDTH;
        return GEN9_FB_TILE_X_WIDTH - x % GEN9_FB_TILE_X_WIDTH;
    }
    *page = (y * fb->stride + x) / GEN9_FB_PAGE_SIZE;
    *offset = (y * fb->stride + x) % GEN9_FB_PAGE_SIZE;
    return GEN9_FB_PAGE_SIZE - *offset;
}

/* Bring one destination row up to date; true if it changed. */
static bool copy_row(const struct gen9_fb *fb, const uint8_t *const *pages,
                     uint32_t row, uint8_t *dst)
{
    uint32_t row_bytes = fb->width * fb->cpp;
    bool changed = false;

    for (uint32_t done = 0; done < row_bytes;) {
        size_t page;
        uint32_t offset, n = source_run(fb, row, done, &page, &offset);
        const uint8_t *src;

        n = n < row_bytes - done ? n : row_bytes - done;
        assert(page < fb->page_count);      /* list_pages() covered the span */
        src = pages[page] + offset;
        if (memcmp(dst + done, src, n)) {
            memcpy(dst + done, src, n);
            changed = true;
        }
        done += n;
    }
    return changed;
}

uint32_t gen9_fb_copy(const struct gen9_fb *fb, const uint8_t *const *pages,
                      uint8_t *dst, size_t dst_stride,
                      gen9_fb_damage_fn *damage, void *opaque)
{
    return gen9_fb_copy_rows(fb, pages, 0, fb->height, dst, dst_stride, damage, opaque);
}

uint32_t gen9_fb_copy_rows(const struct gen9_fb *fb, const uint8_t *const *pages,
                           uint32_t first, uint32_t end, uint8_t *dst, size_t dst_stride,
                           gen9_fb_damage_fn *damage, void *opaque)
{
    uint32_t changed_rows = 0, run_start = 0, run_length = 0;

    assert(first <= end && end <= fb->height);
    for (uint32_t row = first; row < end; row++) {
        if (copy_row(fb, pages, row, dst + row * dst_stride)) {
            if (!run_length++) {
                run_start = row;
            }
            changed_rows++;
            continue;
        }
        if (run_length && damage) {
            damage(opaque, run_start, run_length);
        }
        run_length = 0;
    }
    if (run_length && damage) {
        damage(opaque, run_start, run_length);
    }
    return changed_rows;
}

/* The first and one past the last byte of the picture in each surface row. */
static void visible_bytes(const struct gen9_fb *fb, uint64_t *start, uint64_t *end)
{
    *start = (uint64_t)fb->src_x * fb->cpp;
    *end = *start + (uint64_t)fb->width * fb->cpp;
}

/* The plane's rows that may show bytes of pages [@first_page, @end_page) of
 * the list: one run, since consecutive pages show consecutive rows. */
static void pages_rows(const struct gen9_fb *fb, size_t first_page, size_t end_page,
                       uint32_t *first, uint32_t *end)
{
    uint64_t x0, x1, surface_first, surface_end;       /* surface rows */

    visible_bytes(fb, &x0, &x1);
    if (fb->tiling == GEN9_FB_X_TILED) {
        uint64_t tiles_per_row = fb->stride / GEN9_FB_TILE_X_WIDTH;
        uint64_t top = first_page / tiles_per_row, bottom = (end_page - 1) / tiles_per_row + 1;

        /* The pages of the first and last tile rows may all lie left or
         * right of the picture; the tile rows between are whole. */
        if (first_page % tiles_per_row > (x1 - 1) / GEN9_FB_TILE_X_WIDTH) {
            top++;
        }
        if ((end_page - 1) % tiles_per_row < x0 / GEN9_FB_TILE_X_WIDTH) {
            bottom--;
        }
        if (top >= bottom) {
            *first = *end = 0;
            return;
        }
        surface_first = top * GEN9_FB_TILE_X_ROWS;
        surface_end = bottom * GEN9_FB_TILE_X_ROWS;
    } else {
        /* Every surface row whose stride's worth of bytes meets the pages. */
        surface_first = (uint64_t)first_page * GEN9_FB_PAGE_SIZE / fb->stride;
        surface_end = ((uint64_t)end_page * GEN9_FB_PAGE_SIZE - 1) / fb->stride + 1;
    }
    surface_first = surface_first > fb->src_y ? surface_first - fb->src_y : 0;
    surface_end = surface_end > fb->src_y ? surface_end - fb->src_y : 0;
    *end = surface_end < fb->height ? (uint32_t)surface_end : fb->height;
    *first = surface_first < *end ? (uint32_t)surface_first : *end;
}

void gen9_fb_page_rows(const struct gen9_fb *fb, size_t page, uint32_t *first,
                       uint32_t *end)
{
    pages_rows(fb, page, page + 1, first, end);
}

void gen9_fb_row_pages(const struct gen9_fb *fb, uint32_t first, uint32_t end,
                       size_t *first_page, size_t *end_page)
{
    uint64_t x0, x1, top = (uint64_t)fb->src_y + first, bottom = (uint64_t)fb->src_y + end - 1;

    assert(first < end && end <= fb->height);
    visible_bytes(fb, &x0, &x1);
    if (fb->tiling == GEN9_FB_X_TILED) {
        uint64_t tiles_per_row = fb->stride / GEN9_FB_TILE_X_WIDTH;

        *first_page = top / GEN9_FB_TILE_X_ROWS * tiles_per_row + x0 / GEN9_FB_TILE_X_WIDTH;
        *end_page = bottom / GEN9_FB_TILE_X_ROWS * tiles_per_row +
                    (x1 - 1) / GEN9_FB_TILE_X_WIDTH + 1;
    } else {
        *first_page = (top * fb->stride + x0) / GEN9_FB_PAGE_SIZE;
        *end_page = (bottom * fb->stride + x1 - 1) / GEN9_FB_PAGE_SIZE + 1;
    }
    assert(*end_page <= fb->page_count);        /* list_pages() covered the span */
}

/* Map and copy rows [@first, @end); -1 when the pages cannot be mapped. */
static int64_t copy_run(const struct gen9_fb *fb, const uint8_t *const *pages,
                        gen9_fb_map_fn *map, uint32_t first, uint32_t end, uint8_t *dst,
                        size_t dst_stride, gen9_fb_damage_fn *damage, void *opaque)
{
    size_t first_page, end_page;

    gen9_fb_row_pages(fb, first, end, &first_page, &end_page);
    if (!map(opaque, first, end, first_page, end_page)) {
        return -1;
    }
    return gen9_fb_copy_rows(fb, pages, first, end, dst, dst_stride, damage, opaque);
}

/* The first page from @from (or @end) whose bit in @map is @set. */
static size_t next_bit(const uint64_t *map, size_t from, size_t end, bool set)
{
    while (from < end) {
        uint64_t word = (set ? map[from / 64] : ~map[from / 64]) & ~0ull << from % 64;

        if (word) {
            from = from / 64 * 64 + (size_t)__builtin_ctzll(word);
            return from < end ? from : end;
        }
        from = from / 64 * 64 + 64;
    }
    return end;
}

int64_t gen9_fb_copy_dirty(const struct gen9_fb *fb, const uint64_t *dirty,
                           const uint8_t *const *pages, gen9_fb_map_fn *map,
                           uint8_t *dst, size_t dst_stride,
                           gen9_fb_damage_fn *damage, void *opaque)
{
    uint32_t run_first = 0, run_end = 0;
    int64_t changed = 0, n;

    /* A run of dirty pages at a time (a whole frame written is one); a later
     * run never shows rows above an earlier one's: row runs merge in order. */
    for (size_t page = next_bit(dirty, 0, fb->page_count, true), end_page;
         page < fb->page_count; page = next_bit(dirty, end_page, fb->page_count, true)) {
        uint32_t first, end;

        end_page = next_bit(dirty, page, fb->page_count, false);
        pages_rows(fb, page, end_page, &first, &end);
        if (first == end) {
            continue;
        }
        if (run_first == run_end || first > run_end) {
            if (run_first != run_end) {
                n = copy_run(fb, pages, map, run_first, run_end, dst, dst_stride, damage,
                             opaque);
                if (n < 0) {
                    return -1;
                }
                changed += n;
            }
            run_first = first;
        }
        run_end = end > run_end ? end : run_end;
    }
    if (run_first != run_end) {
        n = copy_run(fb, pages, map, run_first, run_end, dst, dst_stride, damage, opaque);
        if (n < 0) {
            return -1;
        }
        changed += n;
    }
    return changed;
}
