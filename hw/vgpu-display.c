/*
 * vgpu-display: a Gen9 display's screen on the host, through QEMU's display
 * stack (so VNC, SDL, GTK, SPICE and screendump all see it): the vGPU's
 * (vgpu-pci), and the GPU model's as a VM's own GPU (pgpu-pci), each a
 * VgpuDisplaySource.
 *
 * Each console refresh asks the source for the primary plane of the active
 * pipe (gen9/plane.h), which validated every register and every page; the
 * pages are reached through the source's map of memory (QEMU's map of
 * guest RAM for the vGPU, the device's bus-master address space for the
 * model) and copied, detiled and compared, into a pixman surface of the
 * pipe's size in the plane's own format, and only changed rows are
 * reported.  The cursor plane becomes QEMU's cursor.  Anything the decoder
 * refuses shows a black screen.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "qapi/error.h"
#include "ui/console.h"

#include "trace.h"
#include "vgpu-display.h"
#include "vgpu/plane.h"

/* The blank screen before the guest ever lit a pipe. */
#define BLANK_WIDTH             640
#define BLANK_HEIGHT            480

/* What the current surface shows: a size and format, and where the plane is. */
struct layout {
    bool plane;                 /* false: a blank screen */
    uint32_t width, height;
    pixman_format_code_t format;
    uint32_t plane_x, plane_y, plane_width, plane_height;
};

static bool layout_equal(const struct layout *a, const struct layout *b)
{
    return a->plane == b->plane && a->width == b->width && a->height == b->height &&
           a->format == b->format && a->plane_x == b->plane_x &&
           a->plane_y == b->plane_y && a->plane_width == b->plane_width &&
           a->plane_height == b->plane_height;
}

struct VgpuDisplay {
    QemuConsole *con;
    const VgpuDisplaySource *source;
    void *opaque;               /* the source's */

    struct gen9_fb fb;          /* the primary plane, as last decoded */
    struct layout shown;
    bool stale;                 /* a UI lost its copy: replace the surface */
    const uint8_t **pages;      /* host address of each page of a plane */
    size_t pages_capacity;
    struct mapping {            /* what map_pages() mapped, until unmap_pages() */
        const uint8_t *host;
        uint64_t len;
    } *maps;
    size_t map_count;

    struct gen9_cursor cursor;
    uint8_t *cursor_image;      /* the cursor last defined, ARGB */
    uint32_t cursor_size;       /* 0: none defined */
    bool cursor_visible;
    int32_t cursor_x, cursor_y;
};

static pixman_format_code_t fb_pixman_format(enum gen9_fb_format format)
{
    switch (format) {
    case GEN9_FB_XRGB8888:
    case GEN9_FB_ARGB8888:      /* a primary plane has nothing behind it to blend */
        return PIXMAN_x8r8g8b8;
    case GEN9_FB_XBGR8888:
    case GEN9_FB_ABGR8888:
        return PIXMAN_x8b8g8r8;
    case GEN9_FB_RGB565:
        return PIXMAN_r5g6b5;
    }
    g_assert_not_reached();
}

/* A new all-black surface replaces the console's. */
static void replace_surface(VgpuDisplay *d, const struct layout *layout)
{
    pixman_image_t *image = pixman_image_create_bits(layout->format, layout->width,
                                                     layout->height, NULL, 0);

    trace_vgpu_display_surface(layout->width, layout->height, layout->plane);
    dpy_gfx_replace_surface(d->con, qemu_create_displaysurface_pixman(image));
    pixman_image_unref(image);
    d->shown = *layout;
    d->stale = false;
}

static void show_blank(VgpuDisplay *d)
{
    struct layout blank = {
        .width = d->shown.width ? d->shown.width : BLANK_WIDTH,
        .height = d->shown.height ? d->shown.height : BLANK_HEIGHT,
        .format = PIXMAN_x8r8g8b8,
    };

    if (d->stale || d->shown.plane || !d->shown.width) {
        replace_surface(d, &blank);
    }
}

/* Map [@addr, @addr + @len) of @as for reading when it starts in plain RAM
 * (not a hole, not a device's BAR: address_space_map() would hand out its
 * one bounce buffer for those). */
static bool map_ram(AddressSpace *as, uint64_t addr, uint64_t len, const uint8_t **host,
                    uint64_t *mapped)
{
    hwaddr xlat, l = len;
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(as, addr, &xlat, &l, false, MEMTXATTRS_UNSPECIFIED);
    if (!memory_region_is_ram(mr) || memory_region_is_ram_device(mr) || !l) {
        return false;
    }
    *host = address_space_map(as, addr, &l, false, MEMTXATTRS_UNSPECIFIED);
    *mapped = l;
    return *host != NULL;
}

static void unmap_pages(VgpuDisplay *d)
{
    while (d->map_count) {
        const struct mapping *m = &d->maps[--d->map_count];

        address_space_unmap(d->source->address_space(d->opaque), (void *)m->host, m->len,
                            false, 0);
    }
}

/*
 * Map every page of @fb, a run of contiguous pages at a time, until
 * unmap_pages().  False (the page is refused, nothing left mapped) when
 * one is not RAM in the source's address space.
 */
static bool map_pages(VgpuDisplay *d, struct gen9_fb *fb)
{
    size_t i = 0;

    if (fb->page_count > d->pages_capacity) {
        d->pages = g_renew(const uint8_t *, d->pages, fb->page_count);
        d->maps = g_renew(struct mapping, d->maps, fb->page_count);
        d->pages_capacity = fb->page_count;
    }
    assert(d->map_count == 0);
    while (i < fb->page_count) {
        size_t run = 1;
        const uint8_t *host;
        uint64_t mapped;

        while (i + run < fb->page_count &&
               fb->page_addr[i + run] == fb->page_addr[i] + run * GEN9_FB_PAGE_SIZE) {
            run++;
        }
        if (!map_ram(d->source->address_space(d->opaque), fb->page_addr[i],
                     run * GEN9_FB_PAGE_SIZE, &host, &mapped)) {
            d->source->refuse_page(d->opaque, fb, i);
            unmap_pages(d);
            return false;
        }
        d->maps[d->map_count++] = (struct mapping){ .host = host, .len = mapped };
        if (mapped < GEN9_FB_PAGE_SIZE) {
            d->source->refuse_page(d->opaque, fb, i);
            unmap_pages(d);
            return false;
        }
        run = MIN(run, mapped / GEN9_FB_PAGE_SIZE);
        for (size_t p = 0; p < run; p++) {
            d->pages[i + p] = host + p * GEN9_FB_PAGE_SIZE;
        }
        i += run;
    }
    return true;
}

static void plane_damage(void *opaque, uint32_t y, uint32_t height)
{
    VgpuDisplay *d = opaque;

    dpy_gfx_update(d->con, d->fb.x, d->fb.y + y, d->fb.width, height);
}

/* Bring the surface up to date with the plane; false if it cannot be read. */
static bool show_plane(VgpuDisplay *d)
{
    struct gen9_fb *fb = &d->fb;
    struct layout layout = {
        .plane = true, .width = fb->pipe_width, .height = fb->pipe_height,
        .format = fb_pixman_format(fb->format),
        .plane_x = fb->x, .plane_y = fb->y,
        .plane_width = fb->width, .plane_height = fb->height,
    };
    DisplaySurface *surface;

    if (!map_pages(d, fb)) {
        return false;
    }
    if (d->stale || !layout_equal(&layout, &d->shown)) {
        replace_surface(d, &layout);
    }
    surface = qemu_console_surface(d->con);
    gen9_fb_copy(fb, d->pages, (uint8_t *)surface_data(surface) +
                 fb->y * surface_stride(surface) + fb->x * fb->cpp,
                 surface_stride(surface), plane_damage, d);
    unmap_pages(d);
    return true;
}

static void hide_cursor(VgpuDisplay *d)
{
    if (d->cursor_visible) {
        dpy_mouse_set(d->con, d->cursor_x, d->cursor_y, false);
        d->cursor_visible = false;
    }
}

/* The cursor plane of the primary's pipe becomes QEMU's cursor. */
static void show_cursor(VgpuDisplay *d)
{
    struct gen9_fb *fb = &d->cursor.fb;
    uint32_t size, changed;

    if (d->source->cursor(d->opaque, d->fb.pipe, &d->cursor) != GEN9_PLANE_OK ||
        !map_pages(d, fb)) {
        hide_cursor(d);
        return;
    }
    size = fb->width;
    changed = gen9_fb_copy(fb, d->pages, d->cursor_image, size * fb->cpp, NULL, NULL);
    unmap_pages(d);
    if (changed || size != d->cursor_size) {
        QEMUCursor *qc = cursor_alloc(size, size);

        /* Both are 0xAARRGGBB words; the plane has no hot spot. */
        memcpy(qc->data, d->cursor_image, size * size * fb->cpp);
        dpy_cursor_define(d->con, qc);
        cursor_put(qc);
        d->cursor_size = size;
    }
    if (!d->cursor_visible || d->cursor_x != d->cursor.x || d->cursor_y != d->cursor.y) {
        d->cursor_x = d->cursor.x;
        d->cursor_y = d->cursor.y;
        d->cursor_visible = true;
        dpy_mouse_set(d->con, d->cursor_x, d->cursor_y, true);
    }
}

static void vgpu_display_refresh(void *opaque)
{
    VgpuDisplay *d = opaque;

    if (d->source->plane(d->opaque, &d->fb) != GEN9_PLANE_OK || !show_plane(d)) {
        show_blank(d);
        hide_cursor(d);
        return;
    }
    show_cursor(d);
}

/* A UI lost its copy: draw everything again at the next refresh. */
static void vgpu_display_invalidate(void *opaque)
{
    VgpuDisplay *d = opaque;

    d->stale = true;
    d->cursor_size = 0;
}

static const GraphicHwOps vgpu_display_ops = {
    .gfx_update = vgpu_display_refresh,
    .invalidate = vgpu_display_invalidate,
};

bool vgpu_display_mode_valid(uint32_t xres, uint32_t yres, Error **errp)
{
    if ((xres && (xres < VGPU_MONITOR_MIN_WIDTH || xres > VGPU_MONITOR_MAX_WIDTH)) ||
        (yres && (yres < VGPU_MONITOR_MIN_HEIGHT || yres > VGPU_MONITOR_MAX_HEIGHT))) {
        error_setg(errp, "xres must be within [%u, %u] and yres within "
                   "[%u, %u]", VGPU_MONITOR_MIN_WIDTH, VGPU_MONITOR_MAX_WIDTH,
                   VGPU_MONITOR_MIN_HEIGHT, VGPU_MONITOR_MAX_HEIGHT);
        return false;
    }
    return true;
}

VgpuDisplay *vgpu_display_new_source(DeviceState *dev, const VgpuDisplaySource *source,
                                     void *opaque)
{
    VgpuDisplay *d = g_new0(VgpuDisplay, 1);

    d->source = source;
    d->opaque = opaque;
    gen9_fb_init(&d->fb);
    gen9_fb_init(&d->cursor.fb);
    d->cursor_image = g_malloc0(GEN9_CURSOR_MAX_SIZE * GEN9_CURSOR_MAX_SIZE * 4);
    d->con = graphic_console_init(dev, 0, &vgpu_display_ops, d);
    return d;
}

/* The vGPU's pages are guest-physical. */
static AddressSpace *vgpu_source_address_space(void *opaque)
{
    return &address_space_memory;
}

static enum gen9_plane_status vgpu_source_plane(void *opaque, struct gen9_fb *fb)
{
    return vgpu_plane_decode(opaque, fb);
}

static enum gen9_plane_status vgpu_source_cursor(void *opaque, unsigned pipe,
                                                 struct gen9_cursor *cursor)
{
    return vgpu_cursor_decode(opaque, pipe, cursor);
}

static void vgpu_source_refuse_page(void *opaque, struct gen9_fb *fb, size_t page)
{
    vgpu_fb_refuse_page(opaque, fb, page);
}

static const VgpuDisplaySource vgpu_source = {
    .plane = vgpu_source_plane,
    .cursor = vgpu_source_cursor,
    .refuse_page = vgpu_source_refuse_page,
    .address_space = vgpu_source_address_space,
};

VgpuDisplay *vgpu_display_new(DeviceState *dev, struct vgpu *vgpu)
{
    return vgpu_display_new_source(dev, &vgpu_source, vgpu);
}

void vgpu_display_free(VgpuDisplay *d)
{
    if (!d) {
        return;
    }
    graphic_console_close(d->con);
    gen9_fb_fini(&d->fb);
    gen9_fb_fini(&d->cursor.fb);
    g_free(d->pages);
    g_free(d->maps);
    g_free(d->cursor_image);
    g_free(d);
}
