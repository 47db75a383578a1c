/*
 * plane.h - what a Gen9 display (gen9/display.h) scans out: the primary
 * plane and the cursor of its active pipe, decoded from the guest's
 * registers and its owner's GGTT, and copied (detiled) into a linear
 * picture for the host's console.  The vGPU and the GPU model as a VM's
 * own GPU both show their screens through it.
 *
 * Every register value and GGTT entry is the guest's, hence hostile: a
 * description is returned only when the plane is enabled, uses a supported
 * format and layout, fits in the pipe, and every page it spans is one the
 * owner's translate op accepts (the vGPU: inside its partition, present and
 * guest RAM; the model: present in its GGTT).  Only then may the caller map
 * the pages it lists.  Rejections are counted (GEN9_DISPLAY_PLANE_REJECTED,
 * _CURSOR_REJECTED) and logged once per distinct programming, within the
 * owner's guest-error budget, so a refresh loop over a bad plane stays quiet.
 *
 * Same threading rules as display.h: called under the owner's lock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_PLANE_H
#define GPUMED_GEN9_PLANE_H

#include <stddef.h>
#include <stdint.h>

#include "gen9/display.h"

/* Skylake's display limits (pipe source, plane size, stride). */
#define GEN9_FB_MAX_WIDTH       8192u
#define GEN9_FB_MAX_HEIGHT      4096u
#define GEN9_FB_MAX_STRIDE      32768u
#define GEN9_FB_PAGE_SIZE       4096u
#define GEN9_FB_TILE_X_WIDTH    512u    /* bytes per row of an X tile */
#define GEN9_FB_TILE_X_ROWS     8u      /* rows of an X tile: one 4 KiB page */
#define GEN9_CURSOR_MAX_SIZE    256u    /* the cursor is a square of 64, 128 or 256 */

/* Pixel formats, named as DRM fourcc codes (byte order in memory reversed). */
enum gen9_fb_format {
    GEN9_FB_XRGB8888,
    GEN9_FB_ARGB8888,
    GEN9_FB_XBGR8888,
    GEN9_FB_ABGR8888,
    GEN9_FB_RGB565,
};

enum gen9_fb_tiling {
    GEN9_FB_LINEAR,
    GEN9_FB_X_TILED,            /* 512 B x 8 rows per 4 KiB tile, no swizzling (gen9) */
};

enum gen9_plane_status {
    GEN9_PLANE_OK,
    GEN9_PLANE_OFF,             /* no active pipe, or the plane is disabled */
    GEN9_PLANE_INVALID,         /* programmed, but refused (counted and logged) */
};

/*
 * A framebuffer as a plane scans it out.  The picture is @width x @height
 * pixels starting at pixel (@src_x, @src_y) of the surface; the surface's
 * pages are listed in order from its first byte, each 4 KiB.
 */
struct gen9_fb {
    unsigned pipe;
    uint32_t pipe_width, pipe_height;   /* the monitor's picture (PIPESRC) */
    uint32_t x, y;                      /* where the plane sits on the pipe */
    uint32_t width, height;             /* the plane's size */
    enum gen9_fb_format format;
    uint32_t cpp;                       /* bytes per pixel */
    enum gen9_fb_tiling tiling;
    uint32_t stride;                    /* bytes from one pixel row to the next */
    uint32_t src_x, src_y;              /* first visible pixel in the surface */
    uint64_t gma;                       /* the surface's graphics address */
    size_t page_count;
    uint64_t *page_addr;                /* each page's address as the owner's
                                           GGTT maps it (guest-physical, or bus) */

    /* Decoder state: the page list's allocation, the last refused
     * programming, the last page the caller could not read (a page, its
     * surface and address are counted once, however many refreshes meet it). */
    size_t page_capacity;
    bool list_kept;                     /* this decode kept the last one's page list */
    bool listed;                        /* page_addr holds listed_count pages */
    uint64_t listed_gma;                /* of this surface, translated at */
    size_t listed_count;
    uint64_t listed_epoch;              /* this translation_epoch */
#define GEN9_FB_REFUSED_WORDS 8
    uint32_t refused[GEN9_FB_REFUSED_WORDS];
    uint32_t refused_page[GEN9_FB_REFUSED_WORDS];
};

/* The cursor plane: an ARGB8888 linear square, possibly partly off the pipe. */
struct gen9_cursor {
    struct gen9_fb fb;          /* x, y unused: the position is signed */
    int32_t x, y;
};

/* Before the first decode, and to free the page list afterwards. */
void gen9_fb_init(struct gen9_fb *fb);
void gen9_fb_fini(struct gen9_fb *fb);

/*
 * Decode the primary plane of the first active pipe into @fb.  On
 * GEN9_PLANE_OK every field is valid and every listed page may be read;
 * otherwise @fb's description is meaningless.  Memory exhaustion is
 * reported as GEN9_PLANE_INVALID with errno ENOMEM (and logged).
 */
enum gen9_plane_status gen9_plane_decode(struct gen9_display *d, struct gen9_fb *fb);

/* Decode the cursor of @pipe (the primary plane's pipe) into @cursor. */
enum gen9_plane_status gen9_cursor_decode(struct gen9_display *d, unsigned pipe,
                                          struct gen9_cursor *cursor);

/*
 * The caller could not read a page the decoder accepted (its memory map
 * disagrees with the owner's idea of memory): counted and logged like any
 * refusal of @fb's programming.
 */
void gen9_fb_refuse_page(struct gen9_display *d, struct gen9_fb *fb, size_t page);

/* Called for each run of rows that changed, relative to the plane. */
typedef void gen9_fb_damage_fn(void *opaque, uint32_t y, uint32_t height);

/*
 * Copy the plane's picture into @dst (@fb->height rows of @fb->width pixels,
 * @dst_stride bytes apart, in the plane's own format), detiling on the way.
 * @pages[i] is the caller's mapping of @fb->page_addr[i] (4 KiB readable).
 * Rows are compared first and written only when they differ; @damage
 * (optional) hears about each run of changed rows.  Returns the number of
 * changed rows.
 */
uint32_t gen9_fb_copy(const struct gen9_fb *fb, const uint8_t *const *pages,
                      uint8_t *dst, size_t dst_stride,
                      gen9_fb_damage_fn *damage, void *opaque);

/*
 * The same for the plane's rows [@first, @end) only (@dst still points at
 * row 0); only the pages gen9_fb_row_pages() names for them are read.
 */
uint32_t gen9_fb_copy_rows(const struct gen9_fb *fb, const uint8_t *const *pages,
                           uint32_t first, uint32_t end, uint8_t *dst, size_t dst_stride,
                           gen9_fb_damage_fn *damage, void *opaque);

/*
 * Damage from dirty pages: the plane's rows [*@first, *@end) that may show
 * bytes of page @page of the list (every row that does, perhaps a few
 * more; none: *@first == *@end).
 */
void gen9_fb_page_rows(const struct gen9_fb *fb, size_t page, uint32_t *first,
                       uint32_t *end);

/* The pages [*@first_page, *@end_page) of the list that the plane's rows
 * [@first, @end) read (@first < @end <= @fb->height). */
void gen9_fb_row_pages(const struct gen9_fb *fb, uint32_t first, uint32_t end,
                       size_t *first_page, size_t *end_page);

/* Rows [@first_row, @end_row) are next: make pages [@first_page, @end_page)
 * of the list readable in the caller's page array; false when one cannot
 * be (the copy stops there). */
typedef bool gen9_fb_map_fn(void *opaque, uint32_t first_row, uint32_t end_row,
                            size_t first_page, size_t end_page);

/*
 * Damage from dirty tracking: bring up to date only the rows that may show
 * a page whose bit is set in @dirty (bit i of word i / 64: page i of the
 * list), compared and copied as gen9_fb_copy() does, asking @map for the
 * pages each run of such rows reads before reading them.  Returns the
 * number of changed rows, or -1 when @map refused (the rows before were
 * copied).
 */
int64_t gen9_fb_copy_dirty(const struct gen9_fb *fb, const uint64_t *dirty,
                           const uint8_t *const *pages, gen9_fb_map_fn *map,
                           uint8_t *dst, size_t dst_stride,
                           gen9_fb_damage_fn *damage, void *opaque);

#endif /* GPUMED_GEN9_PLANE_H */
