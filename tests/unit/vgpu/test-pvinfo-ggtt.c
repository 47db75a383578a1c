/*
 * PVINFO (contract 2) and the guest GGTT with its partition checks and the
 * aperture translation (contract 5).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/unit/vgpu/fixture.h"
#include "vgpu/regs.h"

#define PTE_PRESENT     1ull
#define GGTT_ENTRY(gma) (VGPU_GGTT_OFFSET + (gma) / 4096 * 8)

static void test_pvinfo_identifies_a_vgpu(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vgpu_bar0_read(f->vgpu, VGT_PVINFO_PAGE, 8), VGT_MAGIC);
    assert_int_equal(vgpu_bar0_read(f->vgpu, VGT_VERSION, 2), VGT_VERSION_MAJOR);
    assert_int_equal(rd(f, VGT_CAPS), VGT_CAPS_FULL_PPGTT | VGT_CAPS_HWSP_EMULATION);
    wr(f, VGT_CAPS, 0);
    assert_int_equal(rd(f, VGT_CAPS), VGT_CAPS_FULL_PPGTT | VGT_CAPS_HWSP_EMULATION);
}

/* The guest's own sanity check of the window (contract 2.4). */
static void test_ballooning_window_passes_the_guest_check(void **state)
{
    for (size_t i = 0; i < med_vgpu_type_count; i++) {
        struct fixture *g = calloc(1, sizeof(*g));
        struct vgpu_config config = fixture_config(g);
        uint64_t mbase, msize, ubase, usize;

        assert_non_null(g);
        config.type = &med_vgpu_types[i].v;
        config.aperture_base = VGPU_APERTURE_DEFAULT - med_vgpu_types[i].v.aperture_size;
        g->vgpu = vgpu_create(&config);
        assert_non_null(g->vgpu);
        mbase = rd(g, VGT_AVAIL_MAPPABLE_BASE);
        msize = rd(g, VGT_AVAIL_MAPPABLE_SIZE);
        ubase = rd(g, VGT_AVAIL_HIDDEN_BASE);
        usize = rd(g, VGT_AVAIL_HIDDEN_SIZE);
        assert_int_equal(mbase, config.aperture_base);
        assert_int_equal(msize, med_vgpu_types[i].v.aperture_size);
        assert_true(mbase + msize <= VGPU_APERTURE_DEFAULT);
        assert_true(ubase >= VGPU_APERTURE_DEFAULT);
        assert_true(ubase + usize <= VGPU_GGTT_SPACE);
        assert_int_equal(rd(g, VGT_AVAIL_FENCE_NUM), med_vgpu_types[i].v.fence_count);
        vgpu_destroy(g->vgpu);
        free(g);
    }
}

static void notify(struct fixture *f, uint64_t root, uint32_t code)
{
    wr(f, VGT_PDP, (uint32_t)root);
    wr(f, VGT_PDP + 4, root >> 32);
    wr(f, VGT_G2V_NOTIFY, code);
}

static void test_ppgtt_notifications(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);

    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);
    notify(f, 0x3f456000, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);
    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY);
    assert_int_equal(stats->ppgtt_create, 2);
    assert_int_equal(stats->ppgtt_destroy, 1);
    /* the mediator hears of each, and of nothing refused below */
    assert_int_equal(f->ppgtt_creates, 2);
    assert_int_equal(f->ppgtt_destroys, 1);
    assert_int_equal(f->last_root, 0x123000);
    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY);   /* already gone */
    notify(f, 0x123000, VGT_G2V_PPGTT_L3_PAGE_TABLE_CREATE);    /* not SKL's */
    notify(f, 0, 0xffffffff);
    notify(f, 0x123008, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);           /* not a page */
    notify(f, FIXTURE_RAM_BELOW_4G, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE); /* not RAM */
    assert_int_equal(stats->bad_g2v_notify, 5);
    assert_int_equal(stats->ppgtt_create, 2);
    assert_int_equal(f->ppgtt_creates + f->ppgtt_destroys, 3);
    wr(f, VGT_DISPLAY_READY, 1);
    assert_int_equal(rd(f, VGT_DISPLAY_READY), 1);
    /* a device reset forgets the live root: the mediator drops its shadow */
    vgpu_reset(f->vgpu);
    assert_int_equal(f->ppgtt_destroys, 2);
    assert_int_equal(f->last_root, 0x3f456000);
}

/* A notification the mediator has no room for is lost, counted; the root
 * it named is not live (its later destroy is the guest's error). */
static void test_ppgtt_notification_the_mediator_cannot_take(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);

    f->mediator_behind = true;
    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);
    assert_int_equal(stats->ppgtt_mediator_behind, 1);
    assert_int_equal(stats->ppgtt_create, 1);
    f->mediator_behind = false;
    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY);
    assert_int_equal(stats->bad_g2v_notify, 1);
    assert_int_equal(f->ppgtt_destroys, 0);
    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);   /* room again */
    assert_int_equal(f->ppgtt_creates, 1);
    f->mediator_behind = true;
    notify(f, 0x123000, VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY);
    assert_int_equal(stats->ppgtt_mediator_behind, 2);
    assert_int_equal(stats->ppgtt_destroy, 1);
}

/* i915 creates a PPGTT per context: the live roots the vGPU tracks are
 * bounded by the mediator's set (MED_PPGTT_SET_MAX, 65536), not by the 1024
 * that cut gem_ctx_create@maximum-mem short (issue 18); one more is
 * refused, and a reset announces the destroy of every one. */
static void test_ppgtt_roots_up_to_the_mediators_bound(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);
    const unsigned bound = 65536;

    for (unsigned i = 1; i <= bound + 1; i++) {
        notify(f, (uint64_t)i << 12, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);
    }
    assert_int_equal(stats->ppgtt_create, bound);
    assert_int_equal(f->ppgtt_creates, bound);
    assert_int_equal(stats->bad_g2v_notify, 1);
    notify(f, 1ull << 12, VGT_G2V_PPGTT_L4_PAGE_TABLE_DESTROY);   /* room again */
    notify(f, (uint64_t)(bound + 1) << 12, VGT_G2V_PPGTT_L4_PAGE_TABLE_CREATE);
    assert_int_equal(f->ppgtt_creates, bound + 1);
    vgpu_reset(f->vgpu);
    assert_int_equal(f->ppgtt_destroys, bound + 1);
}

static void test_ggtt_partition_is_enforced(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);
    uint64_t aperture_end = 32ull << 20, hidden = FIXTURE_HIDDEN_BASE;
    uint64_t page = 0x5000 | PTE_PRESENT;

    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(0), page, 8);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(aperture_end - 4096), page, 8);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(hidden), page, 8);
    assert_int_equal(vgpu_bar0_read(f->vgpu, GGTT_ENTRY(hidden), 8), page);
    assert_int_equal(stats->ggtt_out_of_partition, 0);
    /* just outside each block: dropped and counted */
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(aperture_end), page, 8);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(hidden - 4096), page, 8);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(hidden + (256ull << 20)), page, 8);
    vgpu_bar0_write(f->vgpu, VGPU_GGTT_OFFSET + VGPU_GGTT_SIZE - 8, page, 8);
    assert_int_equal(stats->ggtt_out_of_partition, 4);
    assert_int_equal(vgpu_bar0_read(f->vgpu, GGTT_ENTRY(aperture_end), 8), 0);
    assert_int_equal(stats->ggtt_pte_writes, 7);
    /* what was kept went to the shared table, nothing else */
    assert_int_equal(f->ggtt_writes, 3);
    assert_int_equal(f->ggtt[hidden / 4096], page);
    /* a reset clears the entries the guest wrote, through the shared table */
    vgpu_reset(f->vgpu);
    assert_int_equal(f->ggtt[0], 0);
    assert_int_equal(f->ggtt[hidden / 4096], 0);
    assert_int_equal(f->ggtt_writes, 6);
}

static void test_ggtt_entries_must_name_guest_ram(void **state)
{
    struct fixture *f = *state;
    const struct vgpu_stats *stats = vgpu_get_stats(f->vgpu);
    uint64_t gpa;

    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(0), FIXTURE_RAM_BELOW_4G | PTE_PRESENT, 8);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(4096), (5ull << 32) | PTE_PRESENT, 8);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(8192), FIXTURE_RAM_BELOW_4G, 8);  /* not present */
    assert_int_equal(stats->ggtt_bad_address, 2);
    assert_false(vgpu_aperture_translate(f->vgpu, 0, &gpa));
    assert_false(vgpu_aperture_translate(f->vgpu, 8192, &gpa));
}

static void test_ggtt_pte_in_two_halves(void **state)
{
    struct fixture *f = *state;
    uint64_t gpa;

    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(4096), 0x7000 | PTE_PRESENT, 4);
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(4096) + 4, 0, 4);
    assert_int_equal(vgpu_get_stats(f->vgpu)->ggtt_bad_address, 0);
    assert_true(vgpu_aperture_translate(f->vgpu, 4096 + 0x123, &gpa));
    assert_int_equal(gpa, 0x7123);
}

static void test_aperture_translation_stays_in_the_block(void **state)
{
    struct fixture *f = *state;
    uint64_t gpa;

    vgpu_bar0_write(f->vgpu, GGTT_ENTRY((32ull << 20) - 4096), 0x9000 | PTE_PRESENT, 8);
    assert_true(vgpu_aperture_translate(f->vgpu, (32ull << 20) - 1, &gpa));
    assert_int_equal(gpa, 0x9fff);
    assert_false(vgpu_aperture_translate(f->vgpu, 32ull << 20, &gpa));
    assert_false(vgpu_aperture_translate(f->vgpu, VGPU_APERTURE_DEFAULT, &gpa));
    assert_false(vgpu_aperture_translate(f->vgpu, UINT64_MAX, &gpa));
}

/* Fence @i over GGTT [@start, @start + @pages pages), i915's encoding. */
static void set_fence(struct fixture *f, unsigned i, uint64_t start, unsigned pages,
                      unsigned pitch, bool y_tiled, bool valid)
{
    vgpu_bar0_write(f->vgpu, FENCE_REG_GEN6 + 8 * i + 4,
                    (uint32_t)(start + (pages - 1) * 4096ull) | (pitch / 128 - 1), 4);
    vgpu_bar0_write(f->vgpu, FENCE_REG_GEN6 + 8 * i,
                    (uint32_t)start | (y_tiled ? 2u : 0u) | (valid ? 1u : 0u), 4);
}

/* Where an aperture access lands, as a GGTT address: every aperture page p
 * maps guest page p + 0x40 (set up by the test). */
static uint64_t landing(struct fixture *f, uint64_t offset)
{
    uint64_t gpa;

    if (!vgpu_aperture_translate(f->vgpu, offset, &gpa)) {
        return UINT64_MAX;
    }
    return gpa - 0x40000;
}

/*
 * A CPU access through a fence's range is detiled (contract 5.5): the
 * expected addresses are worked out by hand from the tile layouts (X: 512
 * bytes x 8 rows per 4 KiB tile; Y: 128 bytes x 32 rows in 16-byte
 * columns).  Outside the range, through an invalid fence or a fence beyond
 * the vGPU's four, the view is linear; a detiled address outside the
 * vGPU's aperture block is refused like any other.
 */
static void test_fences_detile_the_aperture(void **state)
{
    struct fixture *f = *state;
    const uint64_t aperture_end = 32ull << 20;

    for (uint64_t p = 0; p < 0x40; p++) {
        vgpu_bar0_write(f->vgpu, GGTT_ENTRY(p * 4096), (0x40000 + p * 4096) | PTE_PRESENT, 8);
    }
    vgpu_bar0_write(f->vgpu, GGTT_ENTRY(aperture_end - 4096), 0x80000 | PTE_PRESENT, 8);
    /* X, pitch 1024 (two tiles): byte 600 of row 9 is in tile row 1, tile
     * 1, row 1 of it, byte 88: 8192 + 4096 + 512 + 88. */
    set_fence(f, 0, 0x10000, 8, 1024, false, true);
    assert_int_equal(landing(f, 0x10000 + 9 * 1024 + 600), 0x10000 + 12888);
    assert_int_equal(landing(f, 0x10000), 0x10000);
    assert_int_equal(landing(f, 0x10000 + 512), 0x10000 + 4096);       /* row 0, tile 1 */
    assert_int_equal(landing(f, 0x10000 + 1024), 0x10000 + 512);       /* row 1, tile 0 */
    assert_int_equal(landing(f, 0x18000), 0x18000);                     /* past the range */
    /* Y, pitch 256 (two tiles): byte 200 of row 40 is in tile row 1, tile
     * 1, column 4, row 8 of it, byte 8: 8192 + 4096 + 2048 + 128 + 8. */
    set_fence(f, 1, 0x20000, 8, 256, true, true);
    assert_int_equal(landing(f, 0x20000 + 40 * 256 + 200), 0x20000 + 14472);
    assert_int_equal(landing(f, 0x20000 + 16), 0x20000 + 512);         /* column 1 */
    assert_int_equal(landing(f, 0x20000 + 256), 0x20000 + 16);         /* row 1 */
    /* Not valid, or not one of the vGPU's fences: linear. */
    set_fence(f, 1, 0x20000, 8, 256, true, false);
    assert_int_equal(landing(f, 0x20000 + 256), 0x20000 + 256);
    set_fence(f, 4, 0x30000, 8, 256, true, true);
    assert_int_equal(landing(f, 0x30000 + 256), 0x30000 + 256);
    /* A one-page X fence of pitch 128 at the block's end: row 31 lands
     * 3 * 1024 + 7 * 512 bytes on, past the block: refused. */
    set_fence(f, 2, aperture_end - 4096, 1, 128, false, true);
    assert_int_equal(landing(f, aperture_end - 4096), 0x80000 - 0x40000);
    assert_int_equal(landing(f, aperture_end - 4096 + 31 * 128), UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_pvinfo_identifies_a_vgpu),
        FIXTURE_TEST(test_ballooning_window_passes_the_guest_check),
        FIXTURE_TEST(test_ppgtt_notifications),
        FIXTURE_TEST(test_ppgtt_notification_the_mediator_cannot_take),
        FIXTURE_TEST(test_ppgtt_roots_up_to_the_mediators_bound),
        FIXTURE_TEST(test_ggtt_partition_is_enforced),
        FIXTURE_TEST(test_ggtt_entries_must_name_guest_ram),
        FIXTURE_TEST(test_ggtt_pte_in_two_halves),
        FIXTURE_TEST(test_aperture_translation_stays_in_the_block),
        FIXTURE_TEST(test_fences_detile_the_aperture),
    };

    return cmocka_run_group_tests_name("vgpu-pvinfo-ggtt", tests, NULL, NULL);
}
