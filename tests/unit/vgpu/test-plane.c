/*
 * The scan-out decoder and copier (vgpu/plane.h): what each plane
 * programming decodes to, hostile programmings refused (and counted once),
 * linear and X-tiled copies with damage, the rows each page shows (damage
 * from dirty pages), the page list kept while the GGTT is unchanged, the
 * cursor, the monitor's modes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/unit/vgpu/fixture.h"
#include "vgpu/plane.h"
#include "vgpu/private.h"
#include "vgpu/regs.h"

#include <errno.h>
#include <string.h>

#define PAGE            GEN9_FB_PAGE_SIZE
#define SURFACE_GMA     0x100000u               /* inside the aperture block */
#define GAP_GMA         (64u << 20)             /* between the two blocks */
#define RAM_BASE        0x200000ull             /* where the test maps pages from */
#define PTE_PRESENT     1ull

/* Map @count pages at @gma to guest RAM, in reverse order (not contiguous). */
static void map_surface(struct fixture *f, uint32_t gma, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t gpa = RAM_BASE + (count - 1 - i) * 2 * PAGE;

        vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + (gma / PAGE + i) * 8,
                        gpa | PTE_PRESENT, 8);
    }
}

/* A 1024x768 XRGB8888 linear plane filling pipe A. */
static void program_plane(struct fixture *f, uint32_t ctl)
{
    wr(f, TRANSCONF_A, TRANSCONF_ENABLE);
    wr(f, PIPESRC_A, (1024 - 1) << 16 | (768 - 1));
    wr(f, PLANE_STRIDE_1_A, 4096 / PLANE_STRIDE_LINEAR_UNIT);
    wr(f, PLANE_POS_1_A, 0);
    wr(f, PLANE_SIZE_1_A, (768 - 1) << 16 | (1024 - 1));
    wr(f, PLANE_OFFSET_1_A, 0);
    wr(f, PLANE_CTL_1_A, ctl);
    wr(f, PLANE_SURF_1_A, SURFACE_GMA);
}

#define CTL_XRGB (PLANE_CTL_ENABLE | PLANE_CTL_FORMAT_XRGB_8888 << PLANE_CTL_FORMAT_SHIFT)

static uint64_t rejected(struct fixture *f)
{
    return vgpu_get_stats(f->vgpu)->plane_rejected;
}

static void test_off_without_pipe_or_plane(void **state)
{
    struct fixture *f = *state;
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OFF);
    program_plane(f, CTL_XRGB & ~PLANE_CTL_ENABLE);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OFF);
    assert_int_equal(rejected(f), 0);
    gen9_fb_fini(&fb);
}

static void test_linear_xrgb_decodes(void **state)
{
    struct fixture *f = *state;
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    map_surface(f, SURFACE_GMA, 768);
    program_plane(f, CTL_XRGB);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    assert_int_equal(fb.pipe, 0);
    assert_int_equal(fb.pipe_width, 1024);
    assert_int_equal(fb.pipe_height, 768);
    assert_int_equal(fb.width, 1024);
    assert_int_equal(fb.height, 768);
    assert_int_equal(fb.format, GEN9_FB_XRGB8888);
    assert_int_equal(fb.cpp, 4);
    assert_int_equal(fb.tiling, GEN9_FB_LINEAR);
    assert_int_equal(fb.stride, 4096);
    assert_int_equal(fb.gma, SURFACE_GMA);
    assert_int_equal(fb.page_count, 768);
    assert_int_equal(fb.page_addr[0], RAM_BASE + 767 * 2 * PAGE);
    assert_int_equal(fb.page_addr[767], RAM_BASE);
    gen9_fb_fini(&fb);
}

/* A decode of the same surface through an unchanged GGTT keeps its page
 * list; any GGTT write through BAR0 makes the next decode translate again. */
static void test_page_list_kept_until_a_ggtt_write(void **state)
{
    struct fixture *f = *state;
    size_t first_entry = SURFACE_GMA / PAGE;
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    map_surface(f, SURFACE_GMA, 768);
    program_plane(f, CTL_XRGB);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    assert_int_equal(fb.page_addr[0], RAM_BASE + 767 * 2 * PAGE);
    /* behind the library's back (no GGTT write it saw): the list stands */
    f->ggtt[first_entry] = (RAM_BASE + PAGE) | PTE_PRESENT;
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    assert_int_equal(fb.page_addr[0], RAM_BASE + 767 * 2 * PAGE);
    /* a GGTT write anywhere: translated again */
    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + first_entry * 8,
                    (RAM_BASE + 3 * PAGE) | PTE_PRESENT, 8);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    assert_int_equal(fb.page_addr[0], RAM_BASE + 3 * PAGE);
    /* another surface start: translated again */
    wr(f, PLANE_SURF_1_A, SURFACE_GMA + PAGE);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_INVALID);
    wr(f, PLANE_SURF_1_A, SURFACE_GMA);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    assert_int_equal(fb.page_addr[767], RAM_BASE);
    gen9_fb_fini(&fb);
}

static void test_formats_decode(void **state)
{
    struct fixture *f = *state;
    static const struct {
        uint32_t ctl;
        enum gen9_fb_format format;
        uint32_t cpp;
    } rows[] = {
        { CTL_XRGB, GEN9_FB_XRGB8888, 4 },
        { CTL_XRGB | PLANE_CTL_ALPHA_MASK, GEN9_FB_ARGB8888, 4 },
        { CTL_XRGB | PLANE_CTL_ORDER_RGBX, GEN9_FB_XBGR8888, 4 },
        { CTL_XRGB | PLANE_CTL_ORDER_RGBX | PLANE_CTL_ALPHA_MASK, GEN9_FB_ABGR8888, 4 },
        { PLANE_CTL_ENABLE | PLANE_CTL_FORMAT_RGB_565 << PLANE_CTL_FORMAT_SHIFT,
          GEN9_FB_RGB565, 2 },
        { CTL_XRGB | PLANE_CTL_TILED_X << PLANE_CTL_TILED_SHIFT, GEN9_FB_XRGB8888, 4 },
    };
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    map_surface(f, SURFACE_GMA, 8 * 768);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        program_plane(f, rows[i].ctl);
        assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
        assert_int_equal(fb.format, rows[i].format);
        assert_int_equal(fb.cpp, rows[i].cpp);
    }
    /* X tiles: the stride register counts 512-byte tile widths. */
    assert_int_equal(fb.tiling, GEN9_FB_X_TILED);
    assert_int_equal(fb.stride, 64 * 512);
    assert_int_equal(fb.page_count, 768 / 8 * 64);
    assert_int_equal(rejected(f), 0);
    gen9_fb_fini(&fb);
}

/* Each hostile programming is refused, counted once however often it is met. */
static void test_hostile_planes_refused_once(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *what;
        uint32_t reg, value;
    } rows[] = {
        { "surface outside the partition", PLANE_SURF_1_A, GAP_GMA },
        { "surface in unmapped pages", PLANE_SURF_1_A, SURFACE_GMA + 1024 * PAGE },
        { "surface running off the aperture block", PLANE_SURF_1_A, (32u << 20) - PAGE },
        { "stride smaller than the width", PLANE_STRIDE_1_A, 4096 / 64 - 1 },
        { "stride zero", PLANE_STRIDE_1_A, 0 },
        { "stride beyond the limit", PLANE_STRIDE_1_A, PLANE_STRIDE_MASK },
        { "absurd pipe source", PIPESRC_A, 0xffffffff },
        { "plane larger than the pipe", PLANE_SIZE_1_A, 0xffffffff },
        { "plane off the pipe", PLANE_POS_1_A, 1 },
        { "source offset far down", PLANE_OFFSET_1_A, 0xffff0000 },
        { "source offset right", PLANE_OFFSET_1_A, 0x00000001 },
        { "Y tiling", PLANE_CTL_1_A, CTL_XRGB | 4u << PLANE_CTL_TILED_SHIFT },
        { "rotation", PLANE_CTL_1_A, CTL_XRGB | 1 },
        { "compression", PLANE_CTL_1_A, CTL_XRGB | PLANE_CTL_DECOMPRESS },
        { "indexed format", PLANE_CTL_1_A, PLANE_CTL_ENABLE | 12u << PLANE_CTL_FORMAT_SHIFT },
    };
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    map_surface(f, SURFACE_GMA, 768);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t before = rejected(f);

        program_plane(f, CTL_XRGB);
        assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
        wr(f, rows[i].reg, rows[i].value);
        for (int refresh = 0; refresh < 3; refresh++) {
            if (vgpu_plane_decode(f->vgpu, &fb) != GEN9_PLANE_INVALID) {
                fail_msg("%s: not refused", rows[i].what);
            }
        }
        if (rejected(f) != before + 1) {
            fail_msg("%s: counted %llu times", rows[i].what,
                     (unsigned long long)(rejected(f) - before));
        }
    }
    gen9_fb_fini(&fb);
}

static void test_page_not_ram_refused(void **state)
{
    struct fixture *f = *state;
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    map_surface(f, SURFACE_GMA, 768);
    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + (SURFACE_GMA / PAGE + 5) * 8,
                    (FIXTURE_RAM_BELOW_4G + PAGE) | PTE_PRESENT, 8);
    program_plane(f, CTL_XRGB);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_INVALID);
    assert_int_equal(rejected(f), 1);
    /* A page the caller cannot read is refused the same way, once. */
    map_surface(f, SURFACE_GMA, 768);
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    vgpu_fb_refuse_page(f->vgpu, &fb, 3);
    vgpu_fb_refuse_page(f->vgpu, &fb, 3);
    assert_int_equal(rejected(f), 2);
    /* ... also when each refresh decodes the programming again first */
    assert_int_equal(vgpu_plane_decode(f->vgpu, &fb), GEN9_PLANE_OK);
    vgpu_fb_refuse_page(f->vgpu, &fb, 3);
    assert_int_equal(rejected(f), 2);
    gen9_fb_fini(&fb);
}

static void test_cursor_decodes(void **state)
{
    struct fixture *f = *state;
    struct gen9_cursor cursor;

    gen9_fb_init(&cursor.fb);
    assert_int_equal(vgpu_cursor_decode(f->vgpu, 0, &cursor), GEN9_PLANE_OFF);
    map_surface(f, SURFACE_GMA, 64);
    wr(f, CURCNTR_A, CURSOR_MODE_64_ARGB);
    wr(f, CURBASE_A, SURFACE_GMA);
    wr(f, CURPOS_A, (CURSOR_POS_SIGN | 5) << 16 | 17);
    assert_int_equal(vgpu_cursor_decode(f->vgpu, 0, &cursor), GEN9_PLANE_OK);
    assert_int_equal(cursor.fb.width, 64);
    assert_int_equal(cursor.fb.stride, 256);
    assert_int_equal(cursor.fb.page_count, 4);
    assert_int_equal(cursor.x, 17);
    assert_int_equal(cursor.y, -5);
    wr(f, CURCNTR_A, CURSOR_MODE_256_ARGB);
    assert_int_equal(vgpu_cursor_decode(f->vgpu, 0, &cursor), GEN9_PLANE_OK);
    assert_int_equal(cursor.fb.page_count, 64);
    wr(f, CURCNTR_A, 0x07);         /* AND/XOR 64x64: not offered by i915 on gen9 */
    assert_int_equal(vgpu_cursor_decode(f->vgpu, 0, &cursor), GEN9_PLANE_INVALID);
    wr(f, CURCNTR_A, CURSOR_MODE_256_ARGB);
    wr(f, CURBASE_A, GAP_GMA);
    assert_int_equal(vgpu_cursor_decode(f->vgpu, 0, &cursor), GEN9_PLANE_INVALID);
    assert_int_equal(vgpu_get_stats(f->vgpu)->cursor_rejected, 2);
    gen9_fb_fini(&cursor.fb);
}

/* A picture whose every byte tells where it is. */
static uint8_t picture_byte(uint32_t x_byte, uint32_t y)
{
    return (uint8_t)(x_byte * 7 + y * 13 + (x_byte >> 8) * 3);
}

struct damage_log {
    uint32_t calls, y, height;
};

static void record_damage(void *opaque, uint32_t y, uint32_t height)
{
    struct damage_log *log = opaque;

    log->calls++;
    log->y = y;
    log->height = height;
}

/* Lay the picture out in @memory as @fb says and list its pages. */
static void build_surface(const struct gen9_fb *fb, uint8_t *memory,
                          const uint8_t **pages, size_t page_count)
{
    uint32_t rows = fb->src_y + fb->height, row_bytes = fb->stride;

    for (size_t i = 0; i < page_count; i++) {
        pages[i] = memory + (page_count - 1 - i) * PAGE;      /* scattered */
    }
    for (uint32_t y = 0; y < rows; y++) {
        for (uint32_t xb = 0; xb < row_bytes; xb++) {
            size_t page, offset;

            if (fb->tiling == GEN9_FB_X_TILED) {
                page = y / 8 * (fb->stride / 512) + xb / 512;
                offset = y % 8 * 512 + xb % 512;
            } else {
                page = ((size_t)y * fb->stride + xb) / PAGE;
                offset = ((size_t)y * fb->stride + xb) % PAGE;
            }
            if (page < page_count) {
                ((uint8_t *)pages[page])[offset] = picture_byte(xb, y);
            }
        }
    }
}

/* The page the test's own layout (build_surface) puts byte @xb of surface row @y in. */
static size_t layout_page(const struct gen9_fb *fb, uint32_t xb, uint32_t y)
{
    if (fb->tiling == GEN9_FB_X_TILED) {
        return y / 8 * (fb->stride / 512) + xb / 512;
    }
    return ((size_t)y * fb->stride + xb) / PAGE;
}

struct dirty_log {
    struct damage_log damage;
    size_t page;                /* the dirty page */
    unsigned maps;
    bool refuse;
};

static bool record_map(void *opaque, uint32_t first_row, uint32_t end_row,
                       size_t first_page, size_t end_page)
{
    struct dirty_log *log = opaque;

    log->maps++;
    assert_true(first_row < end_row);
    assert_true(first_page <= log->page && log->page < end_page);
    return !log->refuse;
}

static void record_dirty_damage(void *opaque, uint32_t y, uint32_t height)
{
    record_damage(&((struct dirty_log *)opaque)->damage, y, height);
}

/* gen9_fb_copy_dirty() with page @p dirty finds a change of its byte
 * (@x, @y) of the surface, maps @p for it, and stops when the map fails. */
static void check_copy_dirty(const struct gen9_fb *fb, const uint8_t **pages, uint8_t *dst,
                             size_t dst_stride, size_t p, uint32_t x, uint32_t y)
{
    uint64_t dirty[64] = { 0 };
    struct dirty_log log = { .page = p };
    uint8_t *byte = (uint8_t *)pages[p] + (fb->tiling == GEN9_FB_X_TILED
                                           ? y % 8 * 512 + x % 512
                                           : ((size_t)y * fb->stride + x) % PAGE);

    assert_true(fb->page_count <= 64 * 64);
    assert_int_equal(gen9_fb_copy_dirty(fb, dirty, pages, record_map, dst, dst_stride,
                                        record_dirty_damage, &log), 0);
    assert_int_equal(log.maps, 0);
    *byte ^= 0x33;
    assert_int_equal(gen9_fb_copy_dirty(fb, dirty, pages, record_map, dst, dst_stride,
                                        record_dirty_damage, &log), 0);
    dirty[p / 64] |= 1ull << (p % 64);
    log.refuse = true;
    assert_int_equal(gen9_fb_copy_dirty(fb, dirty, pages, record_map, dst, dst_stride,
                                        record_dirty_damage, &log), -1);
    assert_int_equal(log.damage.calls, 0);
    log.refuse = false;
    assert_int_equal(gen9_fb_copy_dirty(fb, dirty, pages, record_map, dst, dst_stride,
                                        record_dirty_damage, &log), 1);
    assert_int_equal(log.maps, 2);
    assert_int_equal(log.damage.calls, 1);
    assert_int_equal(log.damage.y, y - fb->src_y);
    assert_int_equal(log.damage.height, 1);
    assert_int_equal(gen9_fb_copy(fb, pages, dst, dst_stride, NULL, NULL), 0);
}

/*
 * Damage from dirty pages: for each page, the rows gen9_fb_page_rows()
 * names hold every row that shows a byte of it (X-tiled: exactly those;
 * linear: no row whose stride's worth of bytes misses the page), the pages
 * gen9_fb_row_pages() names for them hold it, and a change of one of its
 * visible bytes is found by copying those rows alone.
 */
static void check_dirty_pages(const struct gen9_fb *fb, const uint8_t **pages,
                              uint8_t *dst, size_t dst_stride)
{
    for (size_t p = 0; p < fb->page_count; p++) {
        uint32_t first, end, shown_first = UINT32_MAX, shown_end = 0, byte_x = 0, byte_y = 0;
        size_t first_page, end_page;
        struct damage_log log = { 0 };

        for (uint32_t y = 0; y < fb->height; y++) {
            for (uint32_t xb = 0; xb < fb->width * fb->cpp; xb++) {
                if (layout_page(fb, fb->src_x * fb->cpp + xb, fb->src_y + y) == p) {
                    shown_first = y < shown_first ? y : shown_first;
                    shown_end = y + 1;
                    byte_x = fb->src_x * fb->cpp + xb;
                    byte_y = fb->src_y + y;
                }
            }
        }
        gen9_fb_page_rows(fb, p, &first, &end);
        if (shown_first == UINT32_MAX) {
            assert_true(fb->tiling != GEN9_FB_X_TILED || first == end);
            continue;
        }
        assert_true(first <= shown_first && shown_end <= end);
        if (fb->tiling == GEN9_FB_X_TILED) {
            assert_int_equal(first, shown_first);
            assert_int_equal(end, shown_end);
        } else {
            assert_true((uint64_t)(fb->src_y + first) * fb->stride < (p + 1) * PAGE);
            assert_true((uint64_t)(fb->src_y + end) * fb->stride > p * PAGE);
        }
        gen9_fb_row_pages(fb, first, end, &first_page, &end_page);
        assert_true(first_page <= p && p < end_page);
        ((uint8_t *)pages[p])[fb->tiling == GEN9_FB_X_TILED
                              ? byte_y % 8 * 512 + byte_x % 512
                              : ((size_t)byte_y * fb->stride + byte_x) % PAGE] ^= 0x5a;
        assert_int_equal(gen9_fb_copy_rows(fb, pages, first, end, dst, dst_stride,
                                           record_damage, &log), 1);
        assert_int_equal(log.calls, 1);
        assert_int_equal(log.y, byte_y - fb->src_y);
        assert_int_equal(gen9_fb_copy(fb, pages, dst, dst_stride, NULL, NULL), 0);
        check_copy_dirty(fb, pages, dst, dst_stride, p, byte_x, byte_y);
    }
}

struct row_runs {
    unsigned count;
    uint32_t first[64], end[64];
};

static bool record_row_run(void *opaque, uint32_t first_row, uint32_t end_row,
                           size_t first_page, size_t end_page)
{
    struct row_runs *runs = opaque;

    assert_true(runs->count < 64);
    runs->first[runs->count] = first_row;
    runs->end[runs->count++] = end_row;
    return true;
}

static void no_damage(void *opaque, uint32_t y, uint32_t height)
{
    fail_msg("rows %u+%u changed in an unchanged copy", y, height);
}

/* With every page of [a, b) dirty, gen9_fb_copy_dirty() visits the rows of
 * those pages, page by page as gen9_fb_page_rows() names them (checked
 * above against the test's layout), overlapping or adjacent ones merged. */
static void check_dirty_runs(const struct gen9_fb *fb, const uint8_t **pages, uint8_t *dst,
                             size_t dst_stride)
{
    for (size_t a = 0; a < fb->page_count; a++) {
        for (size_t b = a + 1; b <= fb->page_count; b++) {
            uint64_t dirty[64] = { 0 };
            struct row_runs want = { 0 }, got = { 0 };

            assert_true(fb->page_count <= 64 * 64);
            for (size_t p = a; p < b; p++) {
                uint32_t first, end;

                dirty[p / 64] |= 1ull << p % 64;
                gen9_fb_page_rows(fb, p, &first, &end);
                if (first == end) {
                    continue;
                }
                if (want.count && first <= want.end[want.count - 1]) {
                    want.end[want.count - 1] = end > want.end[want.count - 1]
                                               ? end : want.end[want.count - 1];
                    continue;
                }
                record_row_run(&want, first, end, 0, 0);
            }
            assert_int_equal(gen9_fb_copy_dirty(fb, dirty, pages, record_row_run, dst,
                                                dst_stride, no_damage, &got), 0);
            assert_int_equal(got.count, want.count);
            for (unsigned i = 0; i < want.count; i++) {
                assert_int_equal(got.first[i], want.first[i]);
                assert_int_equal(got.end[i], want.end[i]);
            }
        }
    }
}

static void check_copy(const struct gen9_fb *fb, size_t page_count)
{
    uint8_t *memory = calloc(page_count, PAGE);
    const uint8_t **pages = calloc(page_count, sizeof(*pages));
    size_t dst_stride = fb->width * fb->cpp + 8;
    uint8_t *dst = calloc(fb->height, dst_stride);
    struct damage_log log = { 0 };
    size_t first = (size_t)fb->src_y * fb->stride + fb->src_x * fb->cpp;

    assert_non_null(memory);
    assert_non_null(pages);
    assert_non_null(dst);
    build_surface(fb, memory, pages, page_count);
    assert_int_equal(gen9_fb_copy(fb, pages, dst, dst_stride, record_damage, &log),
                     fb->height);
    assert_int_equal(log.calls, 1);
    for (uint32_t y = 0; y < fb->height; y++) {
        for (uint32_t xb = 0; xb < fb->width * fb->cpp; xb++) {
            if (dst[y * dst_stride + xb] != picture_byte(fb->src_x * fb->cpp + xb,
                                                         fb->src_y + y)) {
                fail_msg("byte %u of row %u", xb, y);
            }
        }
    }
    /* Unchanged: nothing copied, no damage; one changed pixel: its row. */
    log.calls = 0;
    assert_int_equal(gen9_fb_copy(fb, pages, dst, dst_stride, record_damage, &log), 0);
    assert_int_equal(log.calls, 0);
    if (fb->tiling == GEN9_FB_X_TILED) {
        ((uint8_t *)pages[layout_page(fb, fb->src_x * fb->cpp, fb->src_y)])
            [fb->src_y % 8 * 512 + fb->src_x * fb->cpp % 512] ^= 0xff;
    } else {
        ((uint8_t *)pages[first / PAGE])[first % PAGE] ^= 0xff;
    }
    assert_int_equal(gen9_fb_copy(fb, pages, dst, dst_stride, record_damage, &log), 1);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.y, 0);
    assert_int_equal(log.height, 1);
    check_dirty_pages(fb, pages, dst, dst_stride);
    check_dirty_runs(fb, pages, dst, dst_stride);
    free(memory);
    free(pages);
    free(dst);
}

static void test_linear_copy(void **state)
{
    struct gen9_fb fb = {
        .width = 300, .height = 50, .cpp = 4, .format = GEN9_FB_XRGB8888,
        .tiling = GEN9_FB_LINEAR, .stride = 1344, .src_x = 11, .src_y = 3,
    };

    (void)state;
    fb.page_count = ((fb.src_y + fb.height) * fb.stride + PAGE - 1) / PAGE;
    check_copy(&fb, fb.page_count);
}

static void test_x_tiled_copy(void **state)
{
    struct gen9_fb fb = {
        .width = 200, .height = 21, .cpp = 4, .format = GEN9_FB_XRGB8888,
        .tiling = GEN9_FB_X_TILED, .stride = 3 * 512, .src_x = 5, .src_y = 2,
    };

    (void)state;
    fb.page_count = (fb.src_y + fb.height + 7) / 8 * 3;
    check_copy(&fb, fb.page_count);
    /* A picture within the middle tiles: the outer columns show nothing. */
    fb.stride = 4 * 512;
    fb.src_x = 130;
    fb.src_y = 9;
    fb.page_count = (fb.src_y + fb.height + 7) / 8 * 4;
    check_copy(&fb, fb.page_count);
}

static void test_rgb565_copy(void **state)
{
    struct gen9_fb fb = {
        .width = 1000, .height = 9, .cpp = 2, .format = GEN9_FB_RGB565,
        .tiling = GEN9_FB_LINEAR, .stride = 2048,
    };

    (void)state;
    fb.page_count = (fb.height * fb.stride + PAGE - 1) / PAGE;
    check_copy(&fb, fb.page_count);
}

/* The EDID offers the established modes that fit, for mode changes. */
static void test_monitor_modes(void **state)
{
    struct fixture *f = *state;
    struct vgpu_config config = fixture_config(f);
    struct wire_vgpu_type type = *config.type;
    struct vgpu *small;
    uint8_t edid[128];

    gen9_edid_build(edid, 800, 600);
    assert_int_equal(edid[35], 1u << 5);            /* 640x480, not 800x600 itself */
    assert_int_equal(edid[36], 0);
    gen9_edid_build(edid, 1920, 1200);
    assert_int_equal(edid[36], 1u << 3);            /* and 1024x768 */
    gen9_edid_build(edid, 1024, 768);
    assert_int_equal(edid[36], 0);                  /* not the native mode again */

    type.width = 800;
    type.height = 600;
    config.type = &type;
    small = vgpu_create(&config);
    assert_non_null(small);
    vgpu_destroy(small);
    type.width = VGPU_MONITOR_MAX_WIDTH + 1;
    errno = 0;
    assert_null(vgpu_create(&config));
    assert_int_equal(errno, EINVAL);
    type.width = 1024;
    type.height = VGPU_MONITOR_MIN_HEIGHT - 1;
    assert_null(vgpu_create(&config));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_off_without_pipe_or_plane),
        FIXTURE_TEST(test_linear_xrgb_decodes),
        FIXTURE_TEST(test_page_list_kept_until_a_ggtt_write),
        FIXTURE_TEST(test_formats_decode),
        FIXTURE_TEST(test_hostile_planes_refused_once),
        FIXTURE_TEST(test_page_not_ram_refused),
        FIXTURE_TEST(test_cursor_decodes),
        cmocka_unit_test(test_linear_copy),
        cmocka_unit_test(test_x_tiled_copy),
        cmocka_unit_test(test_rgb565_copy),
        FIXTURE_TEST(test_monitor_modes),
    };

    return cmocka_run_group_tests_name("vgpu-plane", tests, NULL, NULL);
}
