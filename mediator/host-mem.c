/*
 * host-mem.c - host memory the physical GPU reaches (see host-mem.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/host-mem.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CHUNK_PAGES    64      /* one word of pool_chunk.handed_out */

struct bus_extent {
    uint64_t bus, size;
    struct bus_extent *next;
};

struct med_host_mem {
    struct pgpu *gpu;
    uint64_t bus_next, bus_end;     /* never handed out from here on */
    struct bus_extent *free;        /* freed extents by address, merged; reused first fit */
    uint64_t live;                  /* buffers not yet freed */
};

struct med_host_mem *med_host_mem_create(struct pgpu *gpu, uint64_t bus_first,
                                         uint64_t bus_end)
{
    struct med_host_mem *hm;

    if ((bus_first | bus_end) & (PGPU_PAGE_SIZE - 1) || bus_first >= bus_end) {
        errno = EINVAL;
        return NULL;
    }
    hm = calloc(1, sizeof(*hm));
    if (hm) {
        hm->gpu = gpu;
        hm->bus_next = bus_first;
        hm->bus_end = bus_end;
    }
    return hm;
}

void med_host_mem_destroy(struct med_host_mem *hm)
{
    if (!hm) {
        return;
    }
    assert(!hm->live);
    while (hm->free) {
        struct bus_extent *e = hm->free;

        hm->free = e->next;
        free(e);
    }
    free(hm);
}

static bool bus_take(struct med_host_mem *hm, uint64_t size, uint64_t *bus)
{
    for (struct bus_extent **p = &hm->free; *p; p = &(*p)->next) {
        struct bus_extent *e = *p;

        if (e->size >= size) {
            *bus = e->bus;
            e->bus += size;
            e->size -= size;
            if (!e->size) {
                *p = e->next;
                free(e);
            }
            return true;
        }
    }
    if (hm->bus_end - hm->bus_next < size) {
        return false;
    }
    *bus = hm->bus_next;
    hm->bus_next += size;
    return true;
}

/* Return a range: the free list stays sorted and merged with neighbours, so
 * freed space is never lost to fragmentation. */
static void bus_give_back(struct med_host_mem *hm, uint64_t bus, uint64_t size)
{
    struct bus_extent *prev = NULL, *next = hm->free, *e;

    while (next && next->bus < bus) {
        prev = next;
        next = next->next;
    }
    if (prev && prev->bus + prev->size == bus) {
        e = prev;
        e->size += size;
    } else {
        e = malloc(sizeof(*e));
        if (!e) {
            return;     /* the range is only lost to reuse, never handed out twice */
        }
        *e = (struct bus_extent){ .bus = bus, .size = size, .next = next };
        if (prev) {
            prev->next = e;
        } else {
            hm->free = e;
        }
    }
    if (next && e->bus + e->size == next->bus) {
        e->size += next->size;
        e->next = next->next;
        free(next);
    }
}

int med_host_buf_alloc(struct med_host_mem *hm, uint64_t size, struct med_host_buf *buf)
{
    uint64_t rounded = (size + PGPU_PAGE_SIZE - 1) & ~(uint64_t)(PGPU_PAGE_SIZE - 1);
    int ret;

    memset(buf, 0, sizeof(*buf));
    if (!rounded) {
        return -EINVAL;
    }
    buf->map = aligned_alloc(PGPU_PAGE_SIZE, rounded);
    if (!buf->map) {
        return -ENOMEM;
    }
    memset(buf->map, 0, rounded);
    if (!bus_take(hm, rounded, &buf->bus)) {
        free(buf->map);
        buf->map = NULL;
        return -ENOMEM;
    }
    ret = hm->gpu->ops->dma_map(hm->gpu, buf->bus, buf->map, rounded);
    if (ret) {
        bus_give_back(hm, buf->bus, rounded);
        free(buf->map);
        memset(buf, 0, sizeof(*buf));
        return ret;
    }
    buf->size = rounded;
    hm->live++;
    return 0;
}

void med_host_buf_free(struct med_host_mem *hm, struct med_host_buf *buf)
{
    if (!buf->map) {
        return;
    }
    hm->gpu->ops->dma_unmap(hm->gpu, buf->bus, buf->size);
    bus_give_back(hm, buf->bus, buf->size);
    free(buf->map);
    memset(buf, 0, sizeof(*buf));
    hm->live--;
}

/* ---- page pool ---- */

struct pool_page {
    struct pool_page *next;     /* stored in the free page itself */
};

struct pool_chunk {
    struct med_host_buf buf;
    uint64_t handed_out;        /* bit i: page i is in use */
};

/*
 * The chunks twice over, each array sorted: by bus address (the checker's
 * lookups) and by host address (a page handed back).  A vGPU's pool holds
 * up to 256 chunks (MED_WL_PPGTT_TABLES_MAX), and the invariant checker
 * looks up every table of every workload in flight at each dispatch: a
 * list walked in full made that cost grow with the vGPU's PPGTTs.
 */
struct med_page_pool {
    struct med_host_mem *hm;
    struct pool_chunk **by_bus, **by_map;
    unsigned chunk_count, chunk_slots;
    struct pool_page *free;
    uint64_t in_use;
    uint64_t allocated;
    uint64_t lookups;
};

struct med_page_pool *med_page_pool_create(struct med_host_mem *hm)
{
    struct med_page_pool *pool = calloc(1, sizeof(*pool));

    if (pool) {
        pool->hm = hm;
    }
    return pool;
}

void med_page_pool_destroy(struct med_page_pool *pool)
{
    if (!pool) {
        return;
    }
    for (unsigned i = 0; i < pool->chunk_count; i++) {
        med_host_buf_free(pool->hm, &pool->by_bus[i]->buf);
        free(pool->by_bus[i]);
    }
    free(pool->by_bus);
    free(pool->by_map);
    free(pool);
}

static uint64_t chunk_bus(const struct pool_chunk *c)
{
    return c->buf.bus;
}

static uint64_t chunk_map(const struct pool_chunk *c)
{
    return (uintptr_t)c->buf.map;
}

/* The index of the last chunk of @sorted (by @key) starting at or below
 * @addr, or -1. */
static int chunk_below(struct pool_chunk *const *sorted, unsigned count, uint64_t addr,
                       uint64_t (*key)(const struct pool_chunk *))
{
    unsigned lo = 0, hi = count;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (key(sorted[mid]) <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (int)lo - 1;
}

static void chunk_insert(struct pool_chunk **sorted, unsigned count, struct pool_chunk *c,
                         uint64_t (*key)(const struct pool_chunk *))
{
    unsigned at = (unsigned)(chunk_below(sorted, count, key(c), key) + 1);

    memmove(&sorted[at + 1], &sorted[at], (count - at) * sizeof(*sorted));
    sorted[at] = c;
}

/* Room in both arrays for one more chunk. */
static bool chunk_room(struct med_page_pool *pool)
{
    unsigned slots = pool->chunk_slots ? 2 * pool->chunk_slots : 16;
    struct pool_chunk **by_bus, **by_map;

    if (pool->chunk_count < pool->chunk_slots) {
        return true;
    }
    by_bus = realloc(pool->by_bus, slots * sizeof(*by_bus));
    if (!by_bus) {
        return false;
    }
    pool->by_bus = by_bus;
    by_map = realloc(pool->by_map, slots * sizeof(*by_map));
    if (!by_map) {
        return false;
    }
    pool->by_map = by_map;
    pool->chunk_slots = slots;
    return true;
}

static bool pool_grow(struct med_page_pool *pool)
{
    struct pool_chunk *c;

    if (!chunk_room(pool)) {
        return false;
    }
    c = calloc(1, sizeof(*c));
    if (!c || med_host_buf_alloc(pool->hm, POOL_CHUNK_PAGES * PGPU_PAGE_SIZE, &c->buf)) {
        free(c);
        return false;
    }
    chunk_insert(pool->by_bus, pool->chunk_count, c, chunk_bus);
    chunk_insert(pool->by_map, pool->chunk_count, c, chunk_map);
    pool->chunk_count++;
    for (unsigned i = 0; i < POOL_CHUNK_PAGES; i++) {
        struct pool_page *p = (struct pool_page *)((char *)c->buf.map + i * PGPU_PAGE_SIZE);

        p->next = pool->free;
        pool->free = p;
    }
    return true;
}

static struct pool_chunk *page_chunk(const struct med_page_pool *pool, const void *page,
                                     unsigned *index)
{
    int at = chunk_below(pool->by_map, pool->chunk_count, (uintptr_t)page, chunk_map);

    assert(at >= 0 && (uintptr_t)page - chunk_map(pool->by_map[at]) <
                      pool->by_map[at]->buf.size && "page not from this pool");
    *index = (unsigned)(((uintptr_t)page - chunk_map(pool->by_map[at])) / PGPU_PAGE_SIZE);
    return pool->by_map[at];
}

void *med_page_alloc(struct med_page_pool *pool, uint64_t *bus)
{
    struct pool_page *p;
    struct pool_chunk *c;
    unsigned i;

    if (!pool->free && !pool_grow(pool)) {
        return NULL;
    }
    p = pool->free;
    c = page_chunk(pool, p, &i);
    pool->free = p->next;
    memset(p, 0, PGPU_PAGE_SIZE);
    *bus = c->buf.bus + (uint64_t)i * PGPU_PAGE_SIZE;
    c->handed_out |= 1ull << i;
    pool->in_use++;
    pool->allocated++;
    return p;
}

void med_page_free(struct med_page_pool *pool, void *page, uint64_t bus)
{
    struct pool_page *p = page;
    unsigned i;
    struct pool_chunk *c = page_chunk(pool, page, &i);

    assert(c->buf.bus + (uint64_t)i * PGPU_PAGE_SIZE == bus && (c->handed_out >> i & 1));
    c->handed_out &= ~(1ull << i);
    p->next = pool->free;
    pool->free = p;
    pool->in_use--;
}

const void *med_page_pool_page(struct med_page_pool *pool, uint64_t bus)
{
    int at = chunk_below(pool->by_bus, pool->chunk_count, bus, chunk_bus);
    const struct pool_chunk *c;
    uint64_t off;
    unsigned i;

    pool->lookups++;
    if (at < 0) {
        return NULL;
    }
    c = pool->by_bus[at];
    off = bus - c->buf.bus;
    if (off >= c->buf.size || off % PGPU_PAGE_SIZE) {
        return NULL;
    }
    i = (unsigned)(off / PGPU_PAGE_SIZE);
    return c->handed_out >> i & 1 ? (const uint8_t *)c->buf.map + off : NULL;
}

uint64_t med_page_pool_in_use(const struct med_page_pool *pool)
{
    return pool->in_use;
}

uint64_t med_page_pool_allocated(const struct med_page_pool *pool)
{
    return pool->allocated;
}

uint64_t med_page_pool_lookups(const struct med_page_pool *pool)
{
    return pool->lookups;
}
