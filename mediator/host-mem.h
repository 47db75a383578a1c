/*
 * host-mem.h - host memory the physical GPU reaches: page-aligned buffers
 * DMA-mapped in the host's bus window (window 0, below the first vGPU's),
 * for shadow contexts, rings, batches and page tables.
 *
 * Bus addresses are handed out first fit from the extents freed before
 * (kept sorted and merged with their neighbours), else from the end of
 * what was used, so create/destroy cycles of vGPUs reuse the window
 * instead of running through it.
 *
 * A page pool hands out single zeroed pages from DMA-mapped chunks, for
 * page tables: a freed page goes back to its pool, never to another pool's
 * owner, so a page the GPU may still walk only ever holds that owner's
 * tables.
 *
 * Not thread-safe: the mediator's event loop owns both.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_HOST_MEM_H
#define GPUMED_MEDIATOR_HOST_MEM_H

#include <stdint.h>

#include "pgpu/pgpu.h"

struct med_host_buf {
    void *map;
    uint64_t bus;
    uint64_t size;              /* page multiple */
};

struct med_host_mem;

/* Hand out bus addresses in [bus_first, bus_end) of @gpu; NULL with errno. */
struct med_host_mem *med_host_mem_create(struct pgpu *gpu, uint64_t bus_first,
                                         uint64_t bus_end);
/* Every buffer must have been freed; NULL is ignored. */
void med_host_mem_destroy(struct med_host_mem *hm);

/* Zeroed, DMA-mapped memory of @size bytes (rounded up to pages): 0 or
 * -ENOMEM (host memory or bus space exhausted), -errno of dma_map. */
int med_host_buf_alloc(struct med_host_mem *hm, uint64_t size, struct med_host_buf *buf);
/* Unmap (returns once no engine can touch it) and free; a zeroed buf is ignored. */
void med_host_buf_free(struct med_host_mem *hm, struct med_host_buf *buf);

struct med_page_pool;

struct med_page_pool *med_page_pool_create(struct med_host_mem *hm);
void med_page_pool_destroy(struct med_page_pool *pool);
/* A zeroed page and its bus address, or NULL. */
void *med_page_alloc(struct med_page_pool *pool, uint64_t *bus);
void med_page_free(struct med_page_pool *pool, void *page, uint64_t bus);
/* The page at bus address @bus if this pool handed it out and it was not
 * freed since, else NULL (the invariant checker's view of the pool); in
 * time logarithmic in the pool's chunks. */
const void *med_page_pool_page(struct med_page_pool *pool, uint64_t bus);
/* Pages handed out now. */
uint64_t med_page_pool_in_use(const struct med_page_pool *pool);
/* Pages it handed out, in all. */
uint64_t med_page_pool_allocated(const struct med_page_pool *pool);
/* Calls of med_page_pool_page(), in all: what the invariant checker cost. */
uint64_t med_page_pool_lookups(const struct med_page_pool *pool);

#endif /* GPUMED_MEDIATOR_HOST_MEM_H */
