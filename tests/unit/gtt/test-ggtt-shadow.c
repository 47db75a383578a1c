/*
 * The GGTT shadow against hostile entries: only dirty entries of the
 * partition are read, only entries naming guest RAM are translated (to the
 * vGPU's bus window), everything else points at the vGPU's own scratch
 * page (never the global one, which every VM could reach) and is counted;
 * what the scanner asks (mapped_bytes) follows the host entries.  The
 * physical GPU is a fake backend that only stores entries.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gtt/ggtt-shadow.h"

#define MiB             (1ull << 20)
#define GiB             (1ull << 30)
#define PRESENT         MED_GGTT_PTE_PRESENT
#define UNTOUCHED       0xdeadull       /* what the fake GPU's entries start as */
#define BUS_SLOT        3ull
#define BUS_BASE        (BUS_SLOT << MED_BUS_WINDOW_SHIFT)
#define VGPU_SCRATCH    0x7000ull       /* the vGPU's own scratch page, host window */
#define VGPU_SCRATCH_PTE (VGPU_SCRATCH | PRESENT)

struct fake_gpu {
    struct pgpu base;
    uint64_t ggtt[PGPU_GGTT_ENTRIES];
};

static uint64_t fake_ggtt_read(struct pgpu *gpu, uint32_t index)
{
    return ((struct fake_gpu *)gpu)->ggtt[index];
}

static void fake_ggtt_write(struct pgpu *gpu, uint32_t index, uint64_t pte)
{
    ((struct fake_gpu *)gpu)->ggtt[index] = pte;
}

static const struct pgpu_ops fake_ops = {
    .name = "fake", .ggtt_read = fake_ggtt_read, .ggtt_write = fake_ggtt_write,
};

struct fixture {
    struct fake_gpu *gpu;
    uint64_t *guest;            /* the shared table's PTEs */
    uint64_t *dirty;
    uint32_t writes;            /* the client's count (wire_rings.ggtt_writes) */
    struct med_vgpu_ggtt *shadow;
};

/* Aperture block [40 KiB, 40 KiB + 32 MiB): not aligned to a bitmap word. */
static const struct med_partition partition = {
    .aperture_base = 10 * 4096, .aperture_size = 32 * MiB,
    .hidden_base = 272 * MiB, .hidden_size = 256 * MiB,
    .fence_base = 0, .fence_count = 4,
};
#define APERTURE_FIRST  10u
#define HIDDEN_FIRST    (uint32_t)(272 * MiB / 4096)

/* Guest RAM below and above the 4 GiB hole. */
static const struct med_gpa_range ram[] = {
    { .gpa = 0, .size = 1 * GiB },
    { .gpa = 4 * GiB, .size = 1 * GiB },
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    f->gpu = malloc(sizeof(*f->gpu));
    f->gpu->base.ops = &fake_ops;
    for (uint32_t i = 0; i < PGPU_GGTT_ENTRIES; i++) {
        f->gpu->ggtt[i] = UNTOUCHED;
    }
    f->guest = calloc(PGPU_GGTT_ENTRIES + PGPU_GGTT_ENTRIES / 64, sizeof(uint64_t));
    f->dirty = f->guest + PGPU_GGTT_ENTRIES;
    f->shadow = med_vgpu_ggtt_create(&(struct med_vgpu_ggtt_config) {
        .partition = partition, .bus_base = BUS_BASE, .scratch_bus = VGPU_SCRATCH,
        .ram = ram, .ram_count = 2, .guest_ptes = f->guest, .dirty = f->dirty,
        .writes = &f->writes, .gpu = &f->gpu->base,
    });
    *state = f;
    return f->shadow ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    med_vgpu_ggtt_destroy(f->shadow);
    free(f->guest);
    free(f->gpu);
    free(f);
    return 0;
}

/* What a client that does not count does for a guest PTE write. */
static void guest_write_uncounted(struct fixture *f, uint32_t index, uint64_t pte)
{
    f->guest[index] = pte;
    f->dirty[index / 64] |= 1ull << (index % 64);
}

/* What a client does for a guest PTE write (wire_client_ggtt_write()). */
static void guest_write(struct fixture *f, uint32_t index, uint64_t pte)
{
    guest_write_uncounted(f, index, pte);
    f->writes++;
}

static bool dirty(const struct fixture *f, uint32_t index)
{
    return f->dirty[index / 64] & (1ull << (index % 64));
}

static uint64_t host(const struct fixture *f, uint32_t index)
{
    return f->gpu->ggtt[index];
}

static void test_create_points_the_partition_at_scratch(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(host(f, APERTURE_FIRST), VGPU_SCRATCH_PTE);
    assert_int_equal(host(f, APERTURE_FIRST + 8191), VGPU_SCRATCH_PTE);
    assert_int_equal(host(f, HIDDEN_FIRST), VGPU_SCRATCH_PTE);
    assert_int_equal(host(f, APERTURE_FIRST - 1), UNTOUCHED);
    assert_int_equal(host(f, APERTURE_FIRST + 8192), UNTOUCHED);
    assert_int_equal(host(f, HIDDEN_FIRST - 1), UNTOUCHED);
}

static void test_valid_entries_become_bus_window_addresses(void **state)
{
    struct fixture *f = *state;

    guest_write(f, APERTURE_FIRST, 0x1234000 | PRESENT);
    guest_write(f, HIDDEN_FIRST + 5, (4 * GiB + 0x5000) | PRESENT);
    guest_write(f, HIDDEN_FIRST + 6, (1 * GiB - 4096) | PRESENT);   /* last page below */
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 3);
    assert_int_equal(host(f, APERTURE_FIRST), (BUS_BASE + 0x1234000) | PRESENT);
    assert_int_equal(host(f, HIDDEN_FIRST + 5), (BUS_BASE + 4 * GiB + 0x5000) | PRESENT);
    assert_int_equal(host(f, HIDDEN_FIRST + 6), (BUS_BASE + 1 * GiB - 4096) | PRESENT);
    assert_false(dirty(f, APERTURE_FIRST));
    assert_int_equal(med_vgpu_ggtt_stats(f->shadow)->mapped, 3);
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 0);      /* nothing left dirty */
}

static void test_hostile_entries_point_at_scratch_and_are_counted(void **state)
{
    struct fixture *f = *state;
    const uint64_t hostile[] = {
        1 * GiB | PRESENT,                      /* first page of the hole */
        (3 * GiB + 0x7000) | PRESENT,           /* inside the hole */
        5 * GiB | PRESENT,                      /* just past the RAM above 4 GiB */
        (1ull << 40) | PRESENT,                 /* beyond the bus window */
        0x00003ffffffff000ull | PRESENT,        /* the highest address a PTE holds */
        ~0ull,                                  /* everything set */
    };
    const struct med_vgpu_ggtt_stats *st = med_vgpu_ggtt_stats(f->shadow);

    for (uint32_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        guest_write(f, HIDDEN_FIRST + i, hostile[i]);
    }
    guest_write(f, HIDDEN_FIRST + 100, 0x1234000);      /* not present */
    med_vgpu_ggtt_sync(f->shadow);
    for (uint32_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        assert_int_equal(host(f, HIDDEN_FIRST + i), VGPU_SCRATCH_PTE);
    }
    assert_int_equal(host(f, HIDDEN_FIRST + 100), VGPU_SCRATCH_PTE);
    assert_int_equal(st->bad_address, 6);
    assert_int_equal(st->not_present, 1);
    assert_int_equal(st->mapped, 0);
    assert_int_equal(st->last_bad_index, HIDDEN_FIRST + 5);
    assert_int_equal(st->last_bad_pte, ~0ull);
}

/* Junk in the bits a PTE does not define never reaches the host entry. */
static void test_only_address_and_present_reach_the_host(void **state)
{
    struct fixture *f = *state;

    guest_write(f, APERTURE_FIRST + 1, 0xffc0000000000ffeull | 0x3000 | PRESENT);
    med_vgpu_ggtt_sync(f->shadow);
    assert_int_equal(host(f, APERTURE_FIRST + 1), (BUS_BASE + 0x3000) | PRESENT);
}

/* A sync skips clean runs of bitmap words: an entry is taken wherever it
 * sits in them, at the blocks' ends too. */
static void test_each_dirty_entry_is_taken_wherever_it_is(void **state)
{
    struct fixture *f = *state;
    const uint32_t hidden_last = HIDDEN_FIRST + (uint32_t)(256 * MiB / 4096) - 1;
    const uint32_t probes[] = { HIDDEN_FIRST, HIDDEN_FIRST + 511, HIDDEN_FIRST + 512,
                                hidden_last - 64, hidden_last };

    for (uint32_t i = APERTURE_FIRST; i < APERTURE_FIRST + 8192; i++) {
        guest_write(f, i, ((uint64_t)i << 12) | PRESENT);
        assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 1);
        assert_int_equal(host(f, i), (BUS_BASE + ((uint64_t)i << 12)) | PRESENT);
    }
    for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
        guest_write(f, probes[k], 0x7000 | PRESENT);
        assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 1);
        assert_int_equal(host(f, probes[k]), (BUS_BASE + 0x7000) | PRESENT);
    }
}

static void test_dirty_bits_outside_the_partition_are_never_read(void **state)
{
    struct fixture *f = *state;

    guest_write(f, 0, 0x1000 | PRESENT);                    /* same word as the block */
    guest_write(f, APERTURE_FIRST - 1, 0x1000 | PRESENT);
    guest_write(f, APERTURE_FIRST + 8192, 0x1000 | PRESENT);
    guest_write(f, PGPU_GGTT_ENTRIES - 1, 0x1000 | PRESENT);
    guest_write(f, APERTURE_FIRST + 2, 0x1000 | PRESENT);
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 1);
    assert_int_equal(host(f, 0), UNTOUCHED);
    assert_int_equal(host(f, APERTURE_FIRST - 1), UNTOUCHED);
    assert_int_equal(host(f, APERTURE_FIRST + 8192), UNTOUCHED);
    assert_int_equal(host(f, PGPU_GGTT_ENTRIES - 1), UNTOUCHED);
    assert_true(dirty(f, 0) && dirty(f, APERTURE_FIRST - 1));   /* left alone */
    assert_false(dirty(f, APERTURE_FIRST + 2));
}

static void test_single_entry_update_checks_the_partition(void **state)
{
    struct fixture *f = *state;

    f->guest[APERTURE_FIRST + 3] = 0x8000 | PRESENT;
    f->guest[5] = 0x8000 | PRESENT;
    med_vgpu_ggtt_update(f->shadow, APERTURE_FIRST + 3);
    med_vgpu_ggtt_update(f->shadow, 5);
    assert_int_equal(host(f, APERTURE_FIRST + 3), (BUS_BASE + 0x8000) | PRESENT);
    assert_int_equal(host(f, 5), UNTOUCHED);
    assert_int_equal(med_vgpu_ggtt_stats(f->shadow)->out_of_partition, 1);
}

/* The write count says where to look, as protocol.h defines it: while it
 * stands where the last walk found it nothing was marked since, so the
 * bitmap is not walked; once it moves, every entry marked meanwhile is
 * taken.  A client that lies (a bit without a count) leaves only its own
 * entries as it validated them last: still its scratch page here. */
static void test_an_unchanged_write_count_skips_the_walk(void **state)
{
    struct fixture *f = *state;

    guest_write(f, APERTURE_FIRST, 0x1000 | PRESENT);
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 1);
    guest_write_uncounted(f, HIDDEN_FIRST, 0x2000 | PRESENT);
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 0);
    assert_int_equal(med_vgpu_ggtt_stats(f->shadow)->clean_skips, 1);
    assert_int_equal(host(f, HIDDEN_FIRST), VGPU_SCRATCH_PTE);
    assert_true(dirty(f, HIDDEN_FIRST));
    /* a counted write: the walk takes it and the one marked before */
    guest_write(f, HIDDEN_FIRST + 1, 0x3000 | PRESENT);
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 2);
    assert_int_equal(host(f, HIDDEN_FIRST), (BUS_BASE + 0x2000) | PRESENT);
    assert_int_equal(host(f, HIDDEN_FIRST + 1), (BUS_BASE + 0x3000) | PRESENT);
    assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 0);
    assert_int_equal(med_vgpu_ggtt_stats(f->shadow)->clean_skips, 2);
}

/* A count of 0 is a client that does not count (or one that wrapped to
 * it): every sync walks the bitmap. */
static void test_a_zero_write_count_walks_every_time(void **state)
{
    struct fixture *f = *state;

    for (uint32_t i = 0; i < 3; i++) {
        guest_write_uncounted(f, HIDDEN_FIRST + i, 0x1000 | PRESENT);
        assert_int_equal(med_vgpu_ggtt_sync(f->shadow), 1);
        assert_int_equal(host(f, HIDDEN_FIRST + i), (BUS_BASE + 0x1000) | PRESENT);
    }
    assert_int_equal(med_vgpu_ggtt_stats(f->shadow)->clean_skips, 0);
}

/* After destroy nothing of the partition reaches the VM's RAM or its
 * scratch page (which the caller frees next): the global scratch page. */
static void test_destroy_leaves_nothing_mapped(void **state)
{
    struct fixture *f = *state;

    guest_write(f, HIDDEN_FIRST, 0x1000 | PRESENT);
    med_vgpu_ggtt_sync(f->shadow);
    med_vgpu_ggtt_destroy(f->shadow);
    f->shadow = NULL;
    assert_int_equal(host(f, HIDDEN_FIRST), MED_SCRATCH_PTE);
    assert_int_equal(host(f, HIDDEN_FIRST + 1), MED_SCRATCH_PTE);
    assert_int_equal(host(f, APERTURE_FIRST), MED_SCRATCH_PTE);
}

/*
 * What the scanner asks before it admits a GGTT access: an access through
 * entry i reaches guest RAM only if the entry is present and names RAM,
 * and only entries of the partition are the vGPU's.  Expected byte counts
 * come from the entries the test writes, page by page.
 */
static void test_mapped_bytes_follow_the_host_entries(void **state)
{
    struct fixture *f = *state;
    const uint64_t hidden = (uint64_t)HIDDEN_FIRST * 4096;

    /* Pages 60..199 of the hidden block valid (across bitmap words), 200
     * not present, 201 valid, 202 outside the RAM. */
    for (uint32_t i = 60; i < 200; i++) {
        guest_write(f, HIDDEN_FIRST + i, ((uint64_t)i << 12) | PRESENT);
    }
    guest_write(f, HIDDEN_FIRST + 200, 0x5000);
    guest_write(f, HIDDEN_FIRST + 201, 0x5000 | PRESENT);
    guest_write(f, HIDDEN_FIRST + 202, (2 * GiB) | PRESENT);
    /* The host entries, not the guest's: nothing is mapped before the sync. */
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 60 * 4096 + 8, 4), 0);
    med_vgpu_ggtt_sync(f->shadow);

    /* A dword store in a valid page. */
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 60 * 4096 + 8, 4), 4);
    /* 140 pages, the whole run: every page of it. */
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 60 * 4096, 140 * 4096),
                     140 * 4096);
    /* One byte more reaches the not-present page: it stops there. */
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 60 * 4096 + 100,
                                                140 * 4096),
                     140 * 4096 - 100);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 127 * 4096 + 4092, 8),
                     8);                                /* across a bitmap word */
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 200 * 4096, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 201 * 4096 + 4092, 8),
                     4);                                /* into page 202, no RAM */
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 202 * 4096, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 59 * 4096, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 60 * 4096, 0), 0);

    /* The guest takes a page away: after the next sync it is refused. */
    guest_write(f, HIDDEN_FIRST + 100, 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 100 * 4096, 4), 4);
    med_vgpu_ggtt_sync(f->shadow);
    assert_int_equal(host(f, HIDDEN_FIRST + 100), VGPU_SCRATCH_PTE);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 100 * 4096, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, hidden + 60 * 4096, 140 * 4096),
                     40 * 4096);
}

/* Only the partition: the last page of a block, never past it (the host
 * block and other vGPUs' partitions are not this vGPU's, whatever the host
 * entries there hold), and not beyond the 4 GiB GGTT. */
static void test_mapped_bytes_stay_in_the_partition(void **state)
{
    struct fixture *f = *state;
    const uint32_t aperture_last = APERTURE_FIRST + 8191;
    const uint64_t last_page = (uint64_t)aperture_last * 4096;

    guest_write(f, aperture_last, 0x9000 | PRESENT);
    med_vgpu_ggtt_sync(f->shadow);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, last_page, 4096), 4096);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, last_page, 8192), 4096);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, last_page + 4096, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, (APERTURE_FIRST - 1) * 4096ull,
                                                4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, 4 * GiB, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, ~0ull - 3, 4), 0);
    assert_int_equal(med_vgpu_ggtt_mapped_bytes(f->shadow, last_page, ~0ull), 4096);
}

static void test_bad_configurations_are_refused(void **state)
{
    struct fixture *f = *state;
    const struct med_gpa_range unaligned = { .gpa = 0x800, .size = GiB },
                               too_high = { .gpa = 1ull << 40, .size = GiB };
    struct med_vgpu_ggtt_config c = {
        .partition = partition, .bus_base = BUS_BASE, .scratch_bus = VGPU_SCRATCH,
        .ram = ram, .ram_count = 2, .guest_ptes = f->guest, .dirty = f->dirty,
        .gpu = &f->gpu->base,
    };
    struct med_vgpu_ggtt_config bad[8];

    for (int i = 0; i < 8; i++) {
        bad[i] = c;
    }
    bad[0].ram = &unaligned;
    bad[0].ram_count = 1;
    bad[1].ram = &too_high;
    bad[1].ram_count = 1;
    bad[2].ram_count = 0;
    bad[3].bus_base = BUS_BASE + 4096;
    bad[4].partition.hidden_base = 4 * GiB;
    bad[5].scratch_bus = MED_SCRATCH_BUS;       /* shared by every VM */
    bad[6].scratch_bus = VGPU_SCRATCH + 8;
    bad[7].scratch_bus = BUS_BASE;              /* a VM's window */
    for (int i = 0; i < 8; i++) {
        errno = 0;
        assert_null(med_vgpu_ggtt_create(&bad[i]));
        assert_int_equal(errno, EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_points_the_partition_at_scratch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_entries_become_bus_window_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_entries_point_at_scratch_and_are_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_address_and_present_reach_the_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_dirty_entry_is_taken_wherever_it_is, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirty_bits_outside_the_partition_are_never_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_entry_update_checks_the_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_unchanged_write_count_skips_the_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_zero_write_count_walks_every_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_leaves_nothing_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapped_bytes_follow_the_host_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapped_bytes_stay_in_the_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_configurations_are_refused, setup, teardown),
    };

    return cmocka_run_group_tests_name("gtt/ggtt-shadow", tests, NULL, NULL);
}
