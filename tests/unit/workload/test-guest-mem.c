/*
 * The workload path's only ways into a VM's memory (mediator/guest-mem.h),
 * against hostile addresses and sizes: guest-physical ranges must lie in one
 * range of guest RAM, graphics ranges in the partition, and a GGTT copy
 * stops at the first page whose guest entry is not present, outside the
 * partition or naming no guest RAM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediator/guest-mem.h"

#define PAGE        4096ull
#define LOW_GPA     0x0ull
#define LOW_SIZE    (64 * PAGE)
#define HIGH_GPA    (1ull << 32)
#define HIGH_SIZE   (16 * PAGE)
#define HIDDEN      0x10000000ull
#define HIDDEN_SIZE (32 * PAGE)
#define APERTURE    0x100000ull
#define APER_SIZE   (8 * PAGE)

struct env {
    struct med_vgpu_mem mem;
    uint8_t *low, *high;
    uint64_t *ptes;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    e->low = calloc(1, LOW_SIZE);
    e->high = calloc(1, HIGH_SIZE);
    e->ptes = calloc(PGPU_GGTT_ENTRIES, sizeof(uint64_t));
    e->mem = (struct med_vgpu_mem) {
        .ram = { { LOW_GPA, LOW_SIZE }, { HIGH_GPA, HIGH_SIZE } },
        .host = { e->low, e->high },
        .ram_count = 2,
        .partition = { .aperture_base = APERTURE, .aperture_size = APER_SIZE,
                       .hidden_base = HIDDEN, .hidden_size = HIDDEN_SIZE },
        .guest_ptes = e->ptes,
    };
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    free(e->low);
    free(e->high);
    free(e->ptes);
    free(e);
    return 0;
}

static const struct gpa_case {
    const char *what;
    uint64_t gpa, len;
    int range;                  /* index of the RAM range, -1: refused */
} gpa_cases[] = {
    { "first byte", 0, 1, 0 },
    { "whole low range", LOW_GPA, LOW_SIZE, 0 },
    { "last page of the high range", HIGH_GPA + HIGH_SIZE - PAGE, PAGE, 1 },
    { "one byte past the low range", LOW_SIZE - 4, 8, -1 },
    { "between the ranges", LOW_SIZE, 4, -1 },
    { "spanning both ranges", LOW_SIZE - 4, HIGH_GPA, -1 },
    { "zero length", 0, 0, -1 },
    { "length wrapping around", HIGH_GPA + 8, UINT64_MAX - 4, -1 },
    { "address below a range by wrap", HIGH_GPA - 4, 8, -1 },
};

static void test_gpa_ranges(void **state)
{
    struct env *e = *state;

    for (size_t i = 0; i < sizeof(gpa_cases) / sizeof(gpa_cases[0]); i++) {
        const struct gpa_case *c = &gpa_cases[i];
        uint8_t *host = med_vgpu_gpa_to_host(&e->mem, c->gpa, c->len);

        if (c->range < 0) {
            assert_null(host);
        } else {
            assert_ptr_equal(host, e->mem.host[c->range] + (c->gpa - e->mem.ram[c->range].gpa));
        }
    }
}

static const struct gma_case {
    const char *what;
    uint64_t gma, len;
    bool ok;
} gma_cases[] = {
    { "aperture block", APERTURE, APER_SIZE, true },
    { "hidden block end", HIDDEN + HIDDEN_SIZE - 4, 4, true },
    { "crossing the hidden block's end", HIDDEN + HIDDEN_SIZE - 4, 8, false },
    { "between the blocks", APERTURE + APER_SIZE, 4, false },
    { "below the aperture block", APERTURE - 4, 8, false },
    { "beyond 4 GiB", (1ull << 32) + HIDDEN, 4, false },
    { "wrapping length", HIDDEN, UINT64_MAX, false },
    { "zero length", HIDDEN, 0, false },
};

static void test_gma_ranges(void **state)
{
    struct env *e = *state;

    for (size_t i = 0; i < sizeof(gma_cases) / sizeof(gma_cases[0]); i++) {
        assert_int_equal(med_vgpu_gma_in_partition(&e->mem, gma_cases[i].gma, gma_cases[i].len),
                         gma_cases[i].ok);
    }
}

static void test_ggtt_copy_stops_at_the_first_bad_page(void **state)
{
    struct env *e = *state;
    uint8_t buf[4 * PAGE];
    uint64_t first = HIDDEN / PAGE;

    memset(e->low + 2 * PAGE, 0xaa, PAGE);
    memset(e->high, 0xbb, PAGE);
    e->ptes[first] = 2 * PAGE | 1;                      /* low RAM page 2 */
    e->ptes[first + 1] = HIGH_GPA | 1;                  /* high RAM page 0 */
    e->ptes[first + 2] = (HIGH_GPA + HIGH_SIZE) | 1;    /* names no guest RAM */
    e->ptes[first + 3] = 3 * PAGE;                      /* not present */
    assert_int_equal(med_vgpu_ggtt_copy(&e->mem, HIDDEN + 8, buf, sizeof(buf)), 2 * PAGE - 8);
    assert_int_equal(buf[0], 0xaa);
    assert_int_equal(buf[2 * PAGE - 9], 0xbb);
    e->ptes[first + 2] = 5 * PAGE | 1;
    assert_int_equal(med_vgpu_ggtt_copy(&e->mem, HIDDEN, buf, sizeof(buf)), 3 * PAGE);
    /* Entries outside the partition are never used, whatever they say. */
    e->ptes[APERTURE / PAGE + APER_SIZE / PAGE] = 2 * PAGE | 1;
    assert_null(med_vgpu_ggtt_page(&e->mem, APERTURE + APER_SIZE));
    assert_int_equal(med_vgpu_ggtt_copy(&e->mem, APERTURE + APER_SIZE - 4, buf, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gpa_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gma_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ggtt_copy_stops_at_the_first_bad_page, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
