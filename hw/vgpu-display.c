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
 * Which rows to compare (docs/display.md, "Damage"): with the dirty log
 * (DIRTY_MEMORY_VGA on the RAM the plane's pages are in), a refresh reads
 * only the rows of the pages the CPU wrote since the last one; it compares
 * the whole frame when anything else may have changed it: the surface, the
 * plane's page list or QEMU's memory map changed, a UI lost its copy, or
 * the GPU wrote (the source's gpu_work_epoch), whose writes the dirty log
 * does not see.  Under Xen the dirty log does not see the guest's writes
 * to its RAM: every refresh compares the whole frame (mode "compare").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "exec/ramlist.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/error-report.h"
#include "sysemu/xen.h"
#include "ui/console.h"

#include "trace.h"
#include "vgpu-dirty.h"
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

/* The console's counts, in the device's "display-stats" property. */
struct display_stats {
    uint64_t full;              /* refreshes that compared the whole plane */
    uint64_t dirty;             /* ... only the rows of the pages written */
    uint64_t idle;              /* ... nothing: no page written */
    uint64_t snapshots;         /* dirty or idle refreshes that took the log's snapshot */
    uint64_t rows_compared;
};

#define DAMAGE_RUNS_SHOWN       4       /* the last refresh's damage, for the tests */

struct VgpuDisplay {
    QemuConsole *con;
    DeviceState *dev;
    const VgpuDisplaySource *source;
    void *opaque;               /* the source's */

    struct gen9_fb fb;          /* the primary plane, as last decoded */
    struct layout shown;
    bool stale;                 /* a UI lost its copy: replace the surface */
    const uint8_t **pages;      /* host address of each page of a plane; NULL: unmapped */
    size_t pages_capacity;
    struct mapping {            /* what map_pages() mapped, until unmap_pages() */
        const uint8_t *host;
        uint64_t len;
    } *maps;
    size_t map_count;

    /*
     * Dirty tracking of the plane's pages (NULL compare_why): valid when
     * the last refresh read every page of the plane in one RAM region
     * (logged_mr, which logs DIRTY_MEMORY_VGA for us), at offsets
     * [tracked_lo, tracked_hi) of it, with the page list tracked_addr and
     * the GPU's count tracked_epoch.
     */
    const char *compare_why;    /* mode "compare": why no dirty log */
    /* the log's other reader (vgpu_display_share_dirty_log()) */
    void (*taking)(void *opaque, MemoryRegion *mr, hwaddr lo, hwaddr hi,
                   DirtyBitmapSnapshot *snap);
    void *taking_opaque;
    MemoryListener listener;    /* any change of QEMU's memory map */
    bool map_changed;
    bool tracked;
    MemoryRegion *page_mr;      /* while mapping: the one region of every page, or NULL */
    bool mixed_regions;
    hwaddr *page_offset;        /* each page's offset in its region */
    uint64_t *tracked_addr;
    hwaddr *tracked_offset;
    size_t tracked_count;
    struct vgpu_dirty_word *tracked_words;  /* the tracked pages in logged_mr's log */
    size_t tracked_word_count;
    hwaddr tracked_lo, tracked_hi;
    uint64_t tracked_epoch;
    MemoryRegion *logged_mr;
    uint64_t *dirty;            /* a bit per page of the plane: written since */

    struct display_stats stats;
    uint32_t damage_runs[DAMAGE_RUNS_SHOWN][2];     /* the last refresh's: pipe row, rows */
    unsigned damage_count;

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
                    uint64_t *mapped, MemoryRegion **ram, hwaddr *offset)
{
    hwaddr xlat, l = len;
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(as, addr, &xlat, &l, false, MEMTXATTRS_UNSPECIFIED);
    if (!memory_region_is_ram(mr) || memory_region_is_ram_device(mr) || !l) {
        return false;
    }
    *host = address_space_map(as, addr, &l, false, MEMTXATTRS_UNSPECIFIED);
    *mapped = MIN(l, len);
    *ram = mr;
    *offset = xlat;
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

/* Room for @fb's pages, none of them mapped yet. */
static void prepare_pages(VgpuDisplay *d, const struct gen9_fb *fb)
{
    if (fb->page_count > d->pages_capacity) {
        d->pages = g_renew(const uint8_t *, d->pages, fb->page_count);
        d->maps = g_renew(struct mapping, d->maps, fb->page_count);
        d->page_offset = g_renew(hwaddr, d->page_offset, fb->page_count);
        d->pages_capacity = fb->page_count;
    }
    assert(d->map_count == 0);
    memset(d->pages, 0, fb->page_count * sizeof(*d->pages));
    d->page_mr = NULL;
    d->mixed_regions = false;
}

/*
 * Map pages [@first, @end) of @fb not mapped yet, a run of contiguous pages
 * at a time, until unmap_pages(), noting the RAM region and offset of each
 * (page_mr stays NULL unless all are in one region).  False (the page is
 * refused, nothing left mapped) when one is not RAM in the source's
 * address space.
 */
static bool map_range(VgpuDisplay *d, struct gen9_fb *fb, size_t first, size_t end)
{
    size_t i = first;

    while (i < end) {
        size_t run = 1;
        const uint8_t *host;
        uint64_t mapped;
        MemoryRegion *mr;
        hwaddr offset;

        if (d->pages[i]) {
            i++;
            continue;
        }
        while (i + run < end && !d->pages[i + run] &&
               fb->page_addr[i + run] == fb->page_addr[i] + run * GEN9_FB_PAGE_SIZE) {
            run++;
        }
        if (!map_ram(d->source->address_space(d->opaque), fb->page_addr[i],
                     run * GEN9_FB_PAGE_SIZE, &host, &mapped, &mr, &offset)) {
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
        if (!d->mixed_regions && (!d->page_mr || d->page_mr == mr)) {
            d->page_mr = mr;
        } else {
            d->page_mr = NULL;
            d->mixed_regions = true;
        }
        run = MIN(run, mapped / GEN9_FB_PAGE_SIZE);
        for (size_t p = 0; p < run; p++) {
            d->pages[i + p] = host + p * GEN9_FB_PAGE_SIZE;
            d->page_offset[i + p] = offset + p * GEN9_FB_PAGE_SIZE;
        }
        i += run;
    }
    return true;
}

/* Map every page of @fb (map_range()). */
static bool map_pages(VgpuDisplay *d, struct gen9_fb *fb)
{
    prepare_pages(d, fb);
    return map_range(d, fb, 0, fb->page_count);
}

static void plane_damage(void *opaque, uint32_t y, uint32_t height)
{
    VgpuDisplay *d = opaque;

    if (d->damage_count < DAMAGE_RUNS_SHOWN) {
        d->damage_runs[d->damage_count][0] = d->fb.y + y;
        d->damage_runs[d->damage_count][1] = height;
    }
    d->damage_count++;
    dpy_gfx_update(d->con, d->fb.x, d->fb.y + y, d->fb.width, height);
}

/* Where the plane's row 0 is in the surface. */
static uint8_t *plane_origin(VgpuDisplay *d, size_t *stride)
{
    DisplaySurface *surface = qemu_console_surface(d->con);

    *stride = surface_stride(surface);
    return (uint8_t *)surface_data(surface) + d->fb.y * *stride + d->fb.x * d->fb.cpp;
}

static void stop_logging(VgpuDisplay *d)
{
    if (d->logged_mr) {
        memory_region_set_log(d->logged_mr, false, DIRTY_MEMORY_VGA);
        memory_region_unref(d->logged_mr);
        d->logged_mr = NULL;
    }
}

/* The dirty bits of the tracked span, from QEMU's log (synchronised from
 * KVM's first), cleared; the log's other reader hears of it before and
 * after (the sync lets the vCPUs run). */
static DirtyBitmapSnapshot *take_dirty(VgpuDisplay *d)
{
    DirtyBitmapSnapshot *snap;

    if (d->taking) {
        d->taking(d->taking_opaque, d->logged_mr, d->tracked_lo, d->tracked_hi, NULL);
    }
    snap = memory_region_snapshot_and_clear_dirty(d->logged_mr, d->tracked_lo,
                                                  d->tracked_hi - d->tracked_lo,
                                                  DIRTY_MEMORY_VGA);
    if (d->taking) {
        d->taking(d->taking_opaque, d->logged_mr, d->tracked_lo, d->tracked_hi, snap);
    }
    return snap;
}

/*
 * After the pages of @fb were mapped for a full refresh, before they are
 * read: track them from now on when they are all in one RAM region (its
 * log on, their dirty bits cleared, so a write from here on is seen).
 */
static void track_pages(VgpuDisplay *d, const struct gen9_fb *fb, uint64_t epoch)
{
    hwaddr lo = HWADDR_MAX, hi = 0;

    d->tracked = false;
    if (d->compare_why || !d->page_mr || !d->page_mr->ram_block) {
        stop_logging(d);
        return;
    }
    if (d->page_mr != d->logged_mr) {
        stop_logging(d);
        memory_region_ref(d->page_mr);
        memory_region_set_log(d->page_mr, true, DIRTY_MEMORY_VGA);
        d->logged_mr = d->page_mr;
    }
    for (size_t i = 0; i < fb->page_count; i++) {
        lo = MIN(lo, d->page_offset[i]);
        hi = MAX(hi, d->page_offset[i] + GEN9_FB_PAGE_SIZE);
    }
    d->tracked_addr = g_renew(uint64_t, d->tracked_addr, fb->page_count);
    memcpy(d->tracked_addr, fb->page_addr, fb->page_count * sizeof(uint64_t));
    d->tracked_offset = g_renew(hwaddr, d->tracked_offset, fb->page_count);
    memcpy(d->tracked_offset, d->page_offset, fb->page_count * sizeof(hwaddr));
    d->dirty = g_renew(uint64_t, d->dirty, DIV_ROUND_UP(fb->page_count, 64));
    d->tracked_words = g_renew(struct vgpu_dirty_word, d->tracked_words, fb->page_count);
    d->tracked_word_count = vgpu_dirty_words(d->page_mr, d->page_offset, fb->page_count,
                                             d->tracked_words);
    d->tracked_count = fb->page_count;
    d->tracked_lo = lo;
    d->tracked_hi = hi;
    d->tracked_epoch = epoch;
    d->map_changed = false;
    g_free(take_dirty(d));
    d->tracked = true;
}

/* May the refresh trust the dirty log for this plane on this surface? */
static bool can_use_dirty_log(VgpuDisplay *d, const struct gen9_fb *fb,
                              const struct layout *layout, uint64_t epoch, bool running)
{
    /* Every refresh since the pages were tracked decoded them (a refused or
     * unreadable plane ends the tracking): a list the decoder kept is the
     * tracked one. */
    return d->tracked && !d->map_changed && !d->stale && !running &&
           epoch == d->tracked_epoch && layout_equal(layout, &d->shown) &&
           fb->page_count == d->tracked_count &&
           (fb->list_kept ||
            !memcmp(fb->page_addr, d->tracked_addr, fb->page_count * sizeof(uint64_t)));
}

static bool map_dirty_rows(void *opaque, uint32_t first_row, uint32_t end_row,
                           size_t first_page, size_t end_page)
{
    VgpuDisplay *d = opaque;

    d->stats.rows_compared += end_row - first_row;
    return map_range(d, &d->fb, first_page, end_page);
}

/* Only the rows of the pages written since the last refresh. */
static bool refresh_dirty(VgpuDisplay *d)
{
    struct gen9_fb *fb = &d->fb;
    DirtyBitmapSnapshot *snap;
    uint8_t *origin;
    size_t stride;
    int64_t changed;
    bool any = false;

    /* Where the log needs no sync (TCG, qtest), no page of the plane
     * written is seen in the log itself, a word at a time: nothing to take,
     * clear or test page by page (the snapshot would clear the span's bits
     * and TLB entries and wait for every vCPU to leave its translation
     * block).  A write after this test is the next refresh's. */
    if (vgpu_dirty_log_immediate() &&
        !vgpu_dirty_words_any(d->tracked_words, d->tracked_word_count)) {
        d->stats.idle++;
        return true;
    }
    snap = take_dirty(d);
    d->stats.snapshots++;
    /* A test per run of pages contiguous in RAM, then per page of a run
     * written (a test of the whole span would cost its size, which for
     * pages scattered over guest RAM is all of it). */
    memset(d->dirty, 0, DIV_ROUND_UP(fb->page_count, 64) * sizeof(uint64_t));
    for (size_t i = 0, run; i < fb->page_count; i += run) {
        for (run = 1; i + run < fb->page_count &&
             d->tracked_offset[i + run] == d->tracked_offset[i] + run * GEN9_FB_PAGE_SIZE;
             run++) {
        }
        if (!memory_region_snapshot_get_dirty(d->logged_mr, snap, d->tracked_offset[i],
                                              run * GEN9_FB_PAGE_SIZE)) {
            continue;
        }
        for (size_t p = i; p < i + run; p++) {
            if (run == 1 || memory_region_snapshot_get_dirty(d->logged_mr, snap,
                                                             d->tracked_offset[p],
                                                             GEN9_FB_PAGE_SIZE)) {
                d->dirty[p / 64] |= 1ull << (p % 64);
                any = true;
            }
        }
    }
    g_free(snap);
    if (!any) {
        d->stats.idle++;
        return true;
    }
    d->stats.dirty++;
    prepare_pages(d, fb);
    origin = plane_origin(d, &stride);
    changed = gen9_fb_copy_dirty(fb, d->dirty, d->pages, map_dirty_rows, origin, stride,
                                 plane_damage, d);
    unmap_pages(d);
    if (changed < 0) {
        d->tracked = false;
        return false;
    }
    return true;
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
    bool running;
    uint64_t epoch = d->source->gpu_work_epoch(d->opaque, &running);
    uint8_t *origin;
    size_t stride;

    d->damage_count = 0;
    /* The offsets noted at the last full refresh still hold for the same
     * page list while QEMU's memory map did not change. */
    if (can_use_dirty_log(d, fb, &layout, epoch, running)) {
        return refresh_dirty(d);
    }
    if (!map_pages(d, fb)) {
        d->tracked = false;
        return false;
    }
    track_pages(d, fb, epoch);
    if (d->stale || !layout_equal(&layout, &d->shown)) {
        replace_surface(d, &layout);
    }
    d->stats.full++;
    d->stats.rows_compared += fb->height;
    origin = plane_origin(d, &stride);
    gen9_fb_copy(fb, d->pages, origin, stride, plane_damage, d);
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
        d->tracked = false;
        d->damage_count = 0;
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

/* Whatever QEMU's memory map changed to, the offsets noted may be stale. */
static void vgpu_display_map_commit(MemoryListener *listener)
{
    VgpuDisplay *d = container_of(listener, VgpuDisplay, listener);

    d->map_changed = true;
}

char *vgpu_display_format_stats(VgpuDisplay *d)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "damage=%s full=%" PRIu64 " dirty=%" PRIu64 " idle=%" PRIu64
                           " snapshots=%" PRIu64 " rows_compared=%" PRIu64 " last_damage=",
                           d->compare_why ? "compare" : "dirty-log", d->stats.full,
                           d->stats.dirty, d->stats.idle, d->stats.snapshots,
                           d->stats.rows_compared);
    for (unsigned i = 0; i < MIN(d->damage_count, DAMAGE_RUNS_SHOWN); i++) {
        g_string_append_printf(s, "%s%u+%u", i ? "," : "", d->damage_runs[i][0],
                               d->damage_runs[i][1]);
    }
    g_string_append(s, d->damage_count > DAMAGE_RUNS_SHOWN ? ",..." :
                       d->damage_count ? "" : "-");
    return g_string_free(s, false);
}

/* "display-stats", read-only (qom-get): vgpu_display_format_stats(). */
static void vgpu_display_get_stats(Object *obj, Visitor *v, const char *name, void *opaque,
                                   Error **errp)
{
    g_autofree char *stats = vgpu_display_format_stats(opaque);

    visit_type_str(v, name, &stats, errp);
}

/* Consoles of this QEMU that read (and clear) the dirty log of guest RAM. */
static unsigned dirty_log_readers;

/* Why this console cannot learn its damage from QEMU's dirty log, or NULL. */
static const char *dirty_log_unusable(const VgpuDisplaySource *source, void *opaque)
{
    /* Xen's listener logs only ranges it maps as a VRAM (xen_sync_dirty_bitmap):
     * the guest's own writes to its RAM never reach QEMU's bitmap. */
    if (xen_enabled()) {
        return "under Xen, QEMU's dirty log does not see the guest's writes to its RAM";
    }
    /* DIRTY_MEMORY_VGA is one bitmap: a second reader would clear the first's bits. */
    if (dirty_log_readers) {
        return "another gpumed console of this QEMU reads the dirty log of guest RAM";
    }
    return source->dirty_log_unusable ? source->dirty_log_unusable(opaque) : NULL;
}

VgpuDisplay *vgpu_display_new_source(DeviceState *dev, const VgpuDisplaySource *source,
                                     void *opaque)
{
    VgpuDisplay *d = g_new0(VgpuDisplay, 1);

    d->dev = dev;
    d->source = source;
    d->opaque = opaque;
    gen9_fb_init(&d->fb);
    gen9_fb_init(&d->cursor.fb);
    d->cursor_image = g_malloc0(GEN9_CURSOR_MAX_SIZE * GEN9_CURSOR_MAX_SIZE * 4);
    d->compare_why = dirty_log_unusable(source, opaque);
    if (d->compare_why) {
        info_report("%s: the screen's damage is found by comparing every refresh's "
                    "frame (damage mode compare): %s", object_get_typename(OBJECT(dev)),
                    d->compare_why);
    } else {
        dirty_log_readers++;
        d->listener = (MemoryListener) {
            .name = "vgpu-display",
            .commit = vgpu_display_map_commit,
        };
        memory_listener_register(&d->listener, source->address_space(opaque));
    }
    d->con = graphic_console_init(dev, 0, &vgpu_display_ops, d);
    object_property_add(OBJECT(dev), "display-stats", "str", vgpu_display_get_stats, NULL,
                        NULL, d);
    object_property_set_description(OBJECT(dev), "display-stats",
                                    "read-only: how the console found its damage "
                                    "(docs/display.md)");
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

static uint64_t vgpu_source_gpu_work_epoch(void *opaque, bool *running)
{
    return vgpu_gpu_work_epoch(opaque, running);
}

static const VgpuDisplaySource vgpu_source = {
    .plane = vgpu_source_plane,
    .cursor = vgpu_source_cursor,
    .refuse_page = vgpu_source_refuse_page,
    .address_space = vgpu_source_address_space,
    .gpu_work_epoch = vgpu_source_gpu_work_epoch,
};

VgpuDisplay *vgpu_display_new(DeviceState *dev, struct vgpu *vgpu)
{
    return vgpu_display_new_source(dev, &vgpu_source, vgpu);
}

void vgpu_display_share_dirty_log(VgpuDisplay *d,
                                  void (*taking)(void *opaque, MemoryRegion *mr, hwaddr lo,
                                                 hwaddr hi, DirtyBitmapSnapshot *snap),
                                  void *opaque)
{
    d->taking = taking;
    d->taking_opaque = opaque;
}

void vgpu_display_dirty_cleared(void *opaque, MemoryRegion *mr, hwaddr lo, hwaddr hi)
{
    VgpuDisplay *d = opaque;

    if (!d || !d->tracked || mr != d->logged_mr || hi <= d->tracked_lo ||
        lo >= d->tracked_hi) {
        return;
    }
    for (size_t i = 0; i < d->tracked_count; i++) {
        if (d->tracked_offset[i] < hi && lo < d->tracked_offset[i] + GEN9_FB_PAGE_SIZE) {
            d->map_changed = true;      /* compare the next refresh, then track afresh */
            return;
        }
    }
}

void vgpu_display_free(VgpuDisplay *d)
{
    if (!d) {
        return;
    }
    object_property_del(OBJECT(d->dev), "display-stats");
    graphic_console_close(d->con);
    if (!d->compare_why) {
        memory_listener_unregister(&d->listener);
        dirty_log_readers--;
    }
    stop_logging(d);
    gen9_fb_fini(&d->fb);
    gen9_fb_fini(&d->cursor.fb);
    g_free(d->pages);
    g_free(d->maps);
    g_free(d->page_offset);
    g_free(d->tracked_addr);
    g_free(d->tracked_offset);
    g_free(d->tracked_words);
    g_free(d->dirty);
    g_free(d->cursor_image);
    g_free(d);
}
