/*
 * Graphics memory partitioning: first fit, coalescing on free, the host's
 * reserve, and the shortage report that says which resource ran out.
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

#include "gtt/partition.h"
#include "mediator/types.h"

#define MiB             (1ull << 20)
#define APERTURE        (256 * MiB)
#define RESERVE         MED_GM_HOST_RESERVE_DEFAULT
#define HIDDEN_FREE     (MED_GM_SPACE - APERTURE - RESERVE)

static const struct med_gm_config default_config = {
    .aperture_size = APERTURE, .host_reserve = RESERVE,
};

static int setup(void **state)
{
    *state = med_gm_create(&default_config);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    med_gm_destroy(*state);
    return 0;
}

static struct med_partition of_type(const char *name)
{
    const struct med_vgpu_type *found = med_vgpu_type_find(name);
    const struct wire_vgpu_type *t;

    assert_non_null(found);
    t = &found->v;
    return (struct med_partition) { .aperture_size = t->aperture_size,
                                    .hidden_size = t->hidden_size,
                                    .fence_count = t->fence_count };
}

static void assert_all_free(const struct med_gm *gm)
{
    assert_int_equal(med_gm_free_total(gm, MED_GM_APERTURE), APERTURE);
    assert_int_equal(med_gm_largest_free(gm, MED_GM_APERTURE), APERTURE);
    assert_int_equal(med_gm_free_total(gm, MED_GM_HIDDEN), HIDDEN_FREE);
    assert_int_equal(med_gm_largest_free(gm, MED_GM_HIDDEN), HIDDEN_FREE);
    assert_int_equal(med_gm_largest_free(gm, MED_GM_FENCE), MED_GM_FENCES);
}

static void test_fresh_allocator_keeps_the_host_reserve(void **state)
{
    struct med_gm *gm = *state;
    uint64_t base, size;

    assert_all_free(gm);
    med_gm_host_block(gm, &base, &size);
    assert_int_equal(base, APERTURE);
    assert_int_equal(size, RESERVE);
}

static void test_first_fit_places_blocks_in_order(void **state)
{
    struct med_gm *gm = *state;
    struct med_partition request = of_type("gpumed-8"), a, b;

    assert_int_equal(med_gm_alloc(gm, &request, &a, NULL), 0);
    assert_int_equal(med_gm_alloc(gm, &request, &b, NULL), 0);
    assert_int_equal(a.aperture_base, 0);
    assert_int_equal(a.hidden_base, APERTURE + RESERVE);
    assert_int_equal(a.fence_base, 0);
    assert_int_equal(b.aperture_base, request.aperture_size);
    assert_int_equal(b.hidden_base, APERTURE + RESERVE + request.hidden_size);
    assert_int_equal(b.fence_base, request.fence_count);
    med_gm_free(gm, &a);
    med_gm_free(gm, &b);
    assert_all_free(gm);
}

/* The complaint of GVT-g users: "No space left on device", and no reason. */
static void test_exhaustion_names_the_resource_and_the_amounts(void **state)
{
    struct med_gm *gm = *state;
    struct med_partition request = of_type("gpumed-1"), a, b;
    struct med_gm_shortage shortage;
    char text[300];

    assert_int_equal(med_gm_alloc(gm, &request, &a, NULL), 0);
    assert_int_equal(med_gm_alloc(gm, &request, &b, &shortage), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(shortage.exhausted, (1u << MED_GM_APERTURE) | (1u << MED_GM_HIDDEN));
    assert_int_equal(shortage.resource[MED_GM_APERTURE].needed, 256 * MiB);
    assert_int_equal(shortage.resource[MED_GM_APERTURE].free_total, 0);
    assert_int_equal(shortage.resource[MED_GM_HIDDEN].free_total, HIDDEN_FREE - 2048 * MiB);
    med_gm_format_shortage(&shortage, text, sizeof(text));
    assert_string_equal(text, "aperture exhausted: needs 256 MiB, 0 MiB free in total, "
                              "largest free block 0 MiB; hidden graphics memory exhausted: "
                              "needs 2048 MiB, 1776 MiB free in total, largest free block "
                              "1776 MiB");
    med_gm_free(gm, &a);
    assert_int_equal(med_gm_alloc(gm, &request, &b, NULL), 0);
    med_gm_free(gm, &b);
}

static void test_fragmentation_is_reported_and_heals_on_free(void **state)
{
    struct med_gm *gm = *state;
    struct med_partition small = of_type("gpumed-8"), big = of_type("gpumed-4");
    struct med_partition p[8], q;
    struct med_gm_shortage shortage;
    char text[300];

    for (int i = 0; i < 8; i++) {       /* 8 x 32 MiB: the whole aperture */
        assert_int_equal(med_gm_alloc(gm, &small, &p[i], NULL), 0);
    }
    for (int i = 0; i < 8; i += 2) {
        med_gm_free(gm, &p[i]);
    }
    assert_int_equal(med_gm_free_total(gm, MED_GM_APERTURE), 128 * MiB);
    assert_int_equal(med_gm_alloc(gm, &big, &q, &shortage), -1);
    assert_true(shortage.exhausted & (1u << MED_GM_APERTURE));
    assert_int_equal(shortage.resource[MED_GM_APERTURE].largest_free, 32 * MiB);
    assert_non_null(strstr(med_gm_format_shortage(&shortage, text, sizeof(text)),
                           "aperture exhausted: needs 64 MiB, 128 MiB free in total, "
                           "largest free block 32 MiB"));
    med_gm_free(gm, &p[1]);     /* joins 0 and 2 into one 96 MiB block */
    assert_int_equal(med_gm_largest_free(gm, MED_GM_APERTURE), 96 * MiB);
    assert_int_equal(med_gm_alloc(gm, &big, &q, NULL), 0);
    assert_int_equal(q.aperture_base, 0);
    med_gm_free(gm, &q);
    for (int i = 3; i < 8; i += 2) {
        med_gm_free(gm, &p[i]);
    }
    assert_all_free(gm);
}

static void test_every_short_resource_is_reported(void **state)
{
    struct med_gm *gm = *state;
    struct med_partition huge = { .aperture_size = 512 * MiB, .hidden_size = 4096 * MiB,
                                  .fence_count = 33 }, p;
    struct med_gm_shortage shortage;
    char text[400];

    assert_int_equal(med_gm_alloc(gm, &huge, &p, &shortage), -1);
    assert_int_equal(shortage.exhausted, 7);
    med_gm_format_shortage(&shortage, text, sizeof(text));
    assert_non_null(strstr(text, "aperture exhausted"));
    assert_non_null(strstr(text, "; hidden graphics memory exhausted: needs 4096 MiB"));
    assert_non_null(strstr(text, "; fence registers exhausted: needs 33, 32 free"));
    assert_all_free(gm);        /* all or nothing */
}

/* A long random create/destroy run ends exactly where it started. */
static void test_random_cycles_leave_no_fragments(void **state)
{
    struct med_gm *gm = *state;
    struct med_partition live[16];
    bool used[16] = { false };
    unsigned seed = 12345;

    for (int step = 0; step < 5000; step++) {
        unsigned slot = (seed = seed * 1103515245 + 12345) >> 16 & 15;

        if (used[slot]) {
            med_gm_free(gm, &live[slot]);
            used[slot] = false;
        } else {
            struct med_partition request = of_type(med_vgpu_types[(seed >> 8) % med_vgpu_type_count].v.name);

            used[slot] = !med_gm_alloc(gm, &request, &live[slot], NULL);
            assert_true(used[slot] || errno == ENOSPC);
        }
    }
    for (int i = 0; i < 16; i++) {
        if (used[i]) {
            med_gm_free(gm, &live[i]);
        }
    }
    assert_all_free(gm);
}

static void test_bad_configurations_and_requests_are_refused(void **state)
{
    static const struct med_gm_config bad[] = {
        { .aperture_size = 3 * 64 * MiB },                  /* not a power of two */
        { .aperture_size = 32 * MiB },                      /* too small */
        { .aperture_size = 8192 * MiB },                    /* beyond the GGTT */
        { .aperture_size = APERTURE, .host_reserve = 4095 },
        { .aperture_size = APERTURE, .host_reserve = MED_GM_SPACE },
        { .aperture_size = APERTURE, .host_fences = 33 },
    };
    struct med_partition p, zero = { .aperture_size = 0, .hidden_size = MiB },
                         unaligned = { .aperture_size = MiB + 1, .hidden_size = MiB };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        assert_null(med_gm_create(&bad[i]));
        assert_int_equal(errno, EINVAL);
    }
    assert_int_equal(med_gm_alloc(*state, &zero, &p, NULL), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(med_gm_alloc(*state, &unaligned, &p, NULL), -1);
    assert_int_equal(errno, EINVAL);
}

static void test_live_partitions_are_bounded(void **state)
{
    struct med_gm *gm = *state;
    struct med_partition tiny = { .aperture_size = 4096, .hidden_size = 4096 };
    struct med_partition p[MED_GM_MAX_PARTITIONS], extra;

    for (unsigned i = 0; i < MED_GM_MAX_PARTITIONS; i++) {
        assert_int_equal(med_gm_alloc(gm, &tiny, &p[i], NULL), 0);
    }
    assert_int_equal(med_gm_alloc(gm, &tiny, &extra, NULL), -1);
    assert_int_equal(errno, EMFILE);
    for (unsigned i = 0; i < MED_GM_MAX_PARTITIONS; i += 2) {    /* worst case: gaps */
        med_gm_free(gm, &p[i]);
    }
    for (unsigned i = 1; i < MED_GM_MAX_PARTITIONS; i += 2) {
        med_gm_free(gm, &p[i]);
    }
    assert_all_free(gm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_allocator_keeps_the_host_reserve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_fit_places_blocks_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion_names_the_resource_and_the_amounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragmentation_is_reported_and_heals_on_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_short_resource_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_cycles_leave_no_fragments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_configurations_and_requests_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_partitions_are_bounded, setup, teardown),
    };

    return cmocka_run_group_tests_name("gtt/partition", tests, NULL, NULL);
}
