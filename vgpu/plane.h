/*
 * plane.h - what the vGPU's display scans out: the primary plane and the
 * cursor of its active pipe, decoded from the guest's registers and GGTT,
 * and copied (detiled) into a linear picture for the host's console.
 *
 * Every register value and GGTT entry is the guest's, hence hostile: a
 * description is returned only when the plane is enabled, uses a supported
 * format and layout, fits in the pipe, and every page it spans is inside the
 * vGPU's partition, present and guest RAM.  Only then may the caller map
 * the pages it lists.  Rejections are counted (plane_rejected,
 * cursor_rejected) and logged once per distinct programming, within the
 * vGPU's guest-error budget, so a refresh loop over a bad plane stays quiet.
 *
 * Same threading rules as vgpu.h: called under the caller's lock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_VGPU_PLANE_H
#define GPUMED_VGPU_PLANE_H

#include "vgpu/vgpu.h"

/* Skylake's display limits (pipe source, plane size, stride). */
#define VGPU_FB_MAX_WIDTH       8192u
#define VGPU_FB_MAX_HEIGHT      4096u
#define VGPU_FB_MAX_STRIDE      32768u
#define VGPU_FB_PAGE_SIZE       4096u
#define VGPU_FB_TILE_X_WIDTH    512u    /* bytes per row of an X tile */
#define VGPU_FB_TILE_X_ROWS     8u      /* rows of an X tile: one 4 KiB page */
#define VGPU_CURSOR_MAX_SIZE    256u    /* the cursor is a square of 64, 128 or 256 */

/* Pixel formats, named as DRM fourcc codes (byte order in memory reversed). */
enum vgpu_fb_format {
    VGPU_FB_XRGB8888,
    VGPU_FB_ARGB8888,
    VGPU_FB_XBGR8888,
    VGPU_FB_ABGR8888,
    VGPU_FB_RGB565,
};

enum vgpu_fb_tiling {
    VGPU_FB_LINEAR,
    VGPU_FB_X_TILED,            /* 512 B x 8 rows per 4 KiB tile, no swizzling (gen9) */
};

enum vgpu_plane_status {
    VGPU_PLANE_OK,
    VGPU_PLANE_OFF,             /* no active pipe, or the plane is disabled */
    VGPU_PLANE_INVALID,         /* programmed, but refused (counted and logged) */
};

/*
 * A framebuffer as a plane scans it out.  The picture is @width x @height
 * pixels starting at pixel (@src_x, @src_y) of the surface; the surface's
 * pages are listed in order from its first byte, each 4 KiB.
 */
struct vgpu_fb {
    unsigned pipe;
    uint32_t pipe_width, pipe_height;   /* the monitor's picture (PIPESRC) */
    uint32_t x, y;                      /* where the plane sits on the pipe */
    uint32_t width, height;             /* the plane's size */
    enum vgpu_fb_format format;
    uint32_t cpp;                       /* bytes per pixel */
    enum vgpu_fb_tiling tiling;
    uint32_t stride;                    /* bytes from one pixel row to the next */
    uint32_t src_x, src_y;              /* first visible pixel in the surface */
    uint64_t gma;                       /* the surface's graphics address */
    size_t page_count;
    uint64_t *page_gpa;                 /* guest-physical address of each page */

    /* Decoder state: the page list's allocation, the last refused programming. */
    size_t page_capacity;
#define VGPU_FB_REFUSED_WORDS 8
    uint32_t refused[VGPU_FB_REFUSED_WORDS];
};

/* The cursor plane: an ARGB8888 linear square, possibly partly off the pipe. */
struct vgpu_cursor {
    struct vgpu_fb fb;          /* x, y unused: the position is signed */
    int32_t x, y;
};

/* Before the first decode, and to free the page list afterwards. */
void vgpu_fb_init(struct vgpu_fb *fb);
void vgpu_fb_fini(struct vgpu_fb *fb);

/*
 * Decode the primary plane of the first active pipe into @fb.  On
 * VGPU_PLANE_OK every field is valid and every listed page may be read;
 * otherwise @fb's description is meaningless.  Memory exhaustion is
 * reported as VGPU_PLANE_INVALID with errno ENOMEM (and logged).
 */
enum vgpu_plane_status vgpu_plane_decode(struct vgpu *vgpu, struct vgpu_fb *fb);

/* Decode the cursor of @pipe (the primary plane's pipe) into @cursor. */
enum vgpu_plane_status vgpu_cursor_decode(struct vgpu *vgpu, unsigned pipe,
                                          struct vgpu_cursor *cursor);

/*
 * The caller could not read a page the decoder accepted (its memory map
 * disagrees with the vGPU's idea of RAM): counted and logged like any
 * refusal of @fb's programming.
 */
void vgpu_fb_refuse_page(struct vgpu *vgpu, struct vgpu_fb *fb, size_t page);

/* Called for each run of rows that changed, relative to the plane. */
typedef void vgpu_fb_damage_fn(void *opaque, uint32_t y, uint32_t height);

/*
 * Copy the plane's picture into @dst (@fb->height rows of @fb->width pixels,
 * @dst_stride bytes apart, in the plane's own format), detiling on the way.
 * @pages[i] is the caller's mapping of @fb->page_gpa[i] (4 KiB readable).
 * Rows are compared first and written only when they differ; @damage
 * (optional) hears about each run of changed rows.  Returns the number of
 * changed rows.
 */
uint32_t vgpu_fb_copy(const struct vgpu_fb *fb, const uint8_t *const *pages,
                      uint8_t *dst, size_t dst_stride,
                      vgpu_fb_damage_fn *damage, void *opaque);

#endif /* GPUMED_VGPU_PLANE_H */
