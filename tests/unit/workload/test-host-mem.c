/*
 * Host memory for shadows (mediator/host-mem.h): buffers are zeroed and
 * DMA-mapped at bus addresses of the host's window, freed ranges are reused
 * first, an exhausted window or a refused mapping fails cleanly, and page
 * pools hand out zeroed pages and take them back.  The GPU is a fake
 * backend that records its DMA map.
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

#include "mediator/host-mem.h"

#define PAGE        4096ull
#define BUS_FIRST   PAGE
#define BUS_END     (64 * PAGE)
#define MAX_MAPS    64

struct fake_gpu {
    struct pgpu base;
    struct { uint64_t bus, size; } maps[MAX_MAPS];
    unsigned count;
    bool refuse;
};

static int fake_dma_map(struct pgpu *gpu, uint64_t bus, void *host, uint64_t size)
{
    struct fake_gpu *f = (struct fake_gpu *)gpu;

    if (f->refuse || f->count == MAX_MAPS) {
        return -ENOMEM;
    }
    for (unsigned i = 0; i < f->count; i++) {
        assert_false(bus < f->maps[i].bus + f->maps[i].size && f->maps[i].bus < bus + size);
    }
    f->maps[f->count].bus = bus;
    f->maps[f->count++].size = size;
    return 0;
}

static int fake_dma_unmap(struct pgpu *gpu, uint64_t bus, uint64_t size)
{
    struct fake_gpu *f = (struct fake_gpu *)gpu;

    for (unsigned i = 0; i < f->count; i++) {
        if (f->maps[i].bus == bus && f->maps[i].size == size) {
            f->maps[i] = f->maps[--f->count];
            return 0;
        }
    }
    fail_msg("unmap of a range that was not mapped");
    return -ENOENT;
}

static const struct pgpu_ops fake_ops = { .dma_map = fake_dma_map, .dma_unmap = fake_dma_unmap };

static int setup(void **state)
{
    struct fake_gpu *f = calloc(1, sizeof(*f));

    f->base.ops = &fake_ops;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_buffers_are_mapped_zeroed_and_reused(void **state)
{
    struct fake_gpu *f = *state;
    struct med_host_mem *hm = med_host_mem_create(&f->base, BUS_FIRST, BUS_END);
    struct med_host_buf a, b, c;

    assert_non_null(hm);
    assert_int_equal(med_host_buf_alloc(hm, 1, &a), 0);
    assert_int_equal(a.size, PAGE);
    assert_int_equal(a.bus, BUS_FIRST);
    assert_int_equal(med_host_buf_alloc(hm, 3 * PAGE, &b), 0);
    assert_int_equal(b.bus, BUS_FIRST + PAGE);
    for (unsigned i = 0; i < 3 * PAGE; i++) {
        assert_int_equal(((uint8_t *)b.map)[i], 0);
    }
    memset(b.map, 0xff, b.size);
    med_host_buf_free(hm, &b);
    assert_null(b.map);
    assert_int_equal(f->count, 1);
    /* The freed range is reused first, and its memory is zeroed again. */
    assert_int_equal(med_host_buf_alloc(hm, 2 * PAGE, &c), 0);
    assert_int_equal(c.bus, BUS_FIRST + PAGE);
    assert_int_equal(((uint8_t *)c.map)[0], 0);
    med_host_buf_free(hm, &c);
    med_host_buf_free(hm, &a);
    med_host_buf_free(hm, &a);      /* a freed buffer is ignored */
    assert_int_equal(f->count, 0);
    med_host_mem_destroy(hm);
}

/* Ranges freed in any order merge back into one. */
static void test_freed_ranges_merge(void **state)
{
    struct fake_gpu *f = *state;
    struct med_host_mem *hm = med_host_mem_create(&f->base, BUS_FIRST, 4 * PAGE);
    struct med_host_buf b[3], all;
    static const unsigned order[] = { 0, 2, 1 };

    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(med_host_buf_alloc(hm, PAGE, &b[i]), 0);
    }
    for (unsigned i = 0; i < 3; i++) {
        med_host_buf_free(hm, &b[order[i]]);
    }
    assert_int_equal(med_host_buf_alloc(hm, 3 * PAGE, &all), 0);
    assert_int_equal(all.bus, BUS_FIRST);
    med_host_buf_free(hm, &all);
    med_host_mem_destroy(hm);
}

static void test_exhaustion_and_refusal_fail_cleanly(void **state)
{
    struct fake_gpu *f = *state;
    struct med_host_mem *hm = med_host_mem_create(&f->base, BUS_FIRST, BUS_END);
    struct med_host_buf a, b;

    assert_int_equal(med_host_buf_alloc(hm, BUS_END - BUS_FIRST, &a), 0);
    assert_int_equal(med_host_buf_alloc(hm, PAGE, &b), -ENOMEM);
    assert_null(b.map);
    med_host_buf_free(hm, &a);
    f->refuse = true;
    assert_int_equal(med_host_buf_alloc(hm, PAGE, &b), -ENOMEM);
    f->refuse = false;
    assert_int_equal(med_host_buf_alloc(hm, BUS_END - BUS_FIRST, &a), 0);  /* nothing lost */
    med_host_buf_free(hm, &a);
    assert_int_equal(med_host_buf_alloc(hm, 0, &a), -EINVAL);
    assert_null(med_host_mem_create(&f->base, BUS_END, BUS_FIRST));
    med_host_mem_destroy(hm);
}

static void test_page_pool(void **state)
{
    struct fake_gpu *f = *state;
    struct med_host_mem *hm = med_host_mem_create(&f->base, BUS_FIRST, 1ull << 30);
    struct med_page_pool *pool = med_page_pool_create(hm);
    void *pages[100];
    uint64_t bus[100];

    for (unsigned i = 0; i < 100; i++) {
        pages[i] = med_page_alloc(pool, &bus[i]);
        assert_non_null(pages[i]);
        assert_int_equal(bus[i] % PAGE, 0);
        memset(pages[i], 0xee, PAGE);
    }
    assert_int_equal(med_page_pool_in_use(pool), 100);
    assert_int_equal(f->count, 2);      /* two chunks of 64 pages */
    med_page_free(pool, pages[7], bus[7]);
    pages[7] = med_page_alloc(pool, &bus[7]);
    assert_int_equal(((uint8_t *)pages[7])[PAGE - 1], 0);
    for (unsigned i = 0; i < 100; i++) {
        med_page_free(pool, pages[i], bus[i]);
    }
    assert_int_equal(med_page_pool_in_use(pool), 0);
    med_page_pool_destroy(pool);
    assert_int_equal(f->count, 0);
    med_host_mem_destroy(hm);
}

/*
 * The pool finds a page by its bus address whatever order its chunks'
 * bus ranges came in (a freed range is reused first: here the third
 * chunk lies below the first two), and nothing else: a page it took
 * back, an address inside a page, one past a chunk, one below them all.
 */
static void test_pool_pages_are_found_by_bus_address(void **state)
{
    struct fake_gpu *f = *state;
    struct med_host_mem *hm = med_host_mem_create(&f->base, BUS_FIRST, 1ull << 30);
    struct med_page_pool *pool = med_page_pool_create(hm);
    struct med_host_buf hole;
    void *pages[3 * 64];
    uint64_t bus[3 * 64], lowest = UINT64_MAX, highest = 0;

    assert_int_equal(med_host_buf_alloc(hm, 64 * PAGE, &hole), 0);
    for (unsigned i = 0; i < 3 * 64; i++) {
        if (i == 2 * 64) {
            med_host_buf_free(hm, &hole);
        }
        pages[i] = med_page_alloc(pool, &bus[i]);
        assert_non_null(pages[i]);
        lowest = bus[i] < lowest ? bus[i] : lowest;
        highest = bus[i] > highest ? bus[i] : highest;
    }
    assert_true(bus[2 * 64] < bus[0] && bus[2 * 64] < bus[64]);
    for (unsigned i = 0; i < 3 * 64; i++) {
        assert_ptr_equal(med_page_pool_page(pool, bus[i]), pages[i]);
        assert_null(med_page_pool_page(pool, bus[i] + 8));
    }
    assert_null(med_page_pool_page(pool, lowest - PAGE));
    assert_null(med_page_pool_page(pool, highest + PAGE));
    assert_null(med_page_pool_page(pool, 0));
    med_page_free(pool, pages[100], bus[100]);
    assert_null(med_page_pool_page(pool, bus[100]));
    assert_ptr_equal(med_page_pool_page(pool, bus[101]), pages[101]);
    for (unsigned i = 0; i < 3 * 64; i++) {
        if (i != 100) {
            med_page_free(pool, pages[i], bus[i]);
        }
    }
    med_page_pool_destroy(pool);
    med_host_mem_destroy(hm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_buffers_are_mapped_zeroed_and_reused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_freed_ranges_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion_and_refusal_fail_cleanly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_page_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_pages_are_found_by_bus_address, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
