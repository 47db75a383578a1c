/*
 * skl-dma.c - the DMA map (bus address -> host memory, owned by the
 * mediator) and GGTT/PPGTT address translation on top of it.  Every byte the
 * model reads or writes in memory is reached through skl_dma_lookup().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MASK           ((uint64_t)PGPU_PAGE_SIZE - 1)
#define PPGTT_ADDR_MASK     ((1ull << 48) - 1)
#define PPGTT_LEVEL_ENTRIES 512

static bool page_aligned(uint64_t x)
{
    return (x & PAGE_MASK) == 0;
}

/* Index of the first range whose end lies above @bus. */
static size_t dma_search(const struct skl_gpu *gpu, uint64_t bus)
{
    size_t lo = 0, hi = gpu->dma_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct skl_dma_range *r = &gpu->dma[mid];

        if (r->bus + r->size <= bus) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * Engines hold dma_lock for reading for a slice; the announcement makes
 * them give it up at their next command or blit chunk boundary (the
 * rwlock prefers writers, so they cannot take it back before us).
 */
static void dma_write_lock(struct skl_gpu *gpu)
{
    __atomic_fetch_add(&gpu->dma_writers, 1, __ATOMIC_RELAXED);
    pthread_rwlock_wrlock(&gpu->dma_lock);
    __atomic_fetch_sub(&gpu->dma_writers, 1, __ATOMIC_RELAXED);
}

void skl_exec_dma_yield(struct skl_exec *x)
{
    struct skl_gpu *gpu = x->e->gpu;

    pthread_rwlock_unlock(&gpu->dma_lock);
    pthread_rwlock_rdlock(&gpu->dma_lock);
    skl_tlb_flush(&x->e->tlb);
    x->fetch_page = ~0ull;
}

int skl_dma_map(struct pgpu *pgpu, uint64_t bus, void *host, uint64_t size)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    int ret = 0;
    size_t i;

    if (!size || !page_aligned(bus) || !page_aligned(size) ||
        !page_aligned((uintptr_t)host) || bus + size < bus) {
        SKL_STAT_INC(gpu, bad_dma_map);
        return -EINVAL;
    }
    dma_write_lock(gpu);
    i = dma_search(gpu, bus);
    if (i < gpu->dma_count && gpu->dma[i].bus < bus + size) {
        ret = -EEXIST;
        goto out;
    }
    if (gpu->dma_count == gpu->dma_capacity) {
        size_t cap = gpu->dma_capacity ? 2 * gpu->dma_capacity : 16;
        struct skl_dma_range *grown = realloc(gpu->dma, cap * sizeof(*grown));

        if (!grown) {
            ret = -ENOMEM;
            goto out;
        }
        gpu->dma = grown;
        gpu->dma_capacity = cap;
    }
    memmove(&gpu->dma[i + 1], &gpu->dma[i], (gpu->dma_count - i) * sizeof(gpu->dma[0]));
    gpu->dma[i] = (struct skl_dma_range){ .bus = bus, .size = size, .host = host };
    gpu->dma_count++;
out:
    pthread_rwlock_unlock(&gpu->dma_lock);
    if (ret) {
        SKL_STAT_INC(gpu, bad_dma_map);
    }
    return ret;
}

int skl_dma_unmap(struct pgpu *pgpu, uint64_t bus, uint64_t size)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    int ret = -ENOENT;
    size_t i;

    /* The write lock waits for every engine to reach a command boundary,
     * where it drops its cached host pointers, so no engine holds a pointer
     * into the range once we return. */
    dma_write_lock(gpu);
    i = dma_search(gpu, bus);
    if (i < gpu->dma_count && gpu->dma[i].bus == bus && gpu->dma[i].size == size) {
        memmove(&gpu->dma[i], &gpu->dma[i + 1],
                (gpu->dma_count - i - 1) * sizeof(gpu->dma[0]));
        gpu->dma_count--;
        ret = 0;
    }
    pthread_rwlock_unlock(&gpu->dma_lock);
    if (ret) {
        SKL_STAT_INC(gpu, bad_dma_map);
    }
    return ret;
}

void skl_tlb_flush(struct skl_tlb *tlb)
{
    *tlb = (struct skl_tlb){ .pt_tag = ~0ull };
}

/* The DMA map's memory is the GPU's to read and write; the owner's
 * translation is asked for the access at hand, and one made for a read
 * serves no write. */
static uint8_t *skl_dma_lookup(struct skl_gpu *gpu, struct skl_tlb *tlb, uint64_t bus,
                               uint64_t len, bool write)
{
    size_t i;

    if (bus - tlb->dma_bus < tlb->dma_size &&
        len <= tlb->dma_size - (bus - tlb->dma_bus) && (tlb->dma_writable || !write)) {
        return tlb->dma_host + (bus - tlb->dma_bus);
    }
    i = dma_search(gpu, bus);
    if (i < gpu->dma_count && gpu->dma[i].bus <= bus) {
        tlb->dma_bus = gpu->dma[i].bus;
        tlb->dma_size = gpu->dma[i].size;
        tlb->dma_host = gpu->dma[i].host;
        tlb->dma_writable = true;
    } else if (gpu->host.dma_translate &&
               gpu->host.dma_translate(gpu->host.opaque, bus, write, &tlb->dma_host,
                                       &tlb->dma_size) && tlb->dma_size) {
        /* Cached like a map hit: until the engine's next cache drop. */
        tlb->dma_bus = bus;
        tlb->dma_writable = write;
    } else {
        tlb->dma_size = 0;
        return NULL;
    }
    if (len > tlb->dma_size - (bus - tlb->dma_bus)) {
        return NULL;
    }
    return tlb->dma_host + (bus - tlb->dma_bus);
}

static uint64_t load_entry(const uint8_t *table, unsigned index)
{
    return __atomic_load_n((const uint64_t *)table + index, __ATOMIC_RELAXED);
}

uint8_t *skl_ggtt_translate(struct skl_gpu *gpu, struct skl_tlb *tlb, uint64_t addr,
                            bool write)
{
    uint64_t pte;
    uint8_t *page;

    if (addr >= PGPU_GGTT_SIZE) {
        return NULL;
    }
    pte = __atomic_load_n(&gpu->ggtt[addr >> 12], __ATOMIC_RELAXED);
    if (!(pte & GTT_PTE_PRESENT)) {
        return NULL;
    }
    page = skl_dma_lookup(gpu, tlb, pte & GTT_PTE_ADDR_MASK, PGPU_PAGE_SIZE, write);
    return page ? page + (addr & PAGE_MASK) : NULL;
}

/* Host pointer of the table or page that @entry points to, or NULL. */
static uint8_t *walk_step(struct skl_engine *e, uint64_t entry, bool write)
{
    if (!(entry & GTT_PTE_PRESENT)) {
        return NULL;
    }
    return skl_dma_lookup(e->gpu, &e->tlb, entry & GTT_PTE_ADDR_MASK, PGPU_PAGE_SIZE, write);
}

/*
 * The page table (last level) covering @addr.  The roots come from the PDP
 * registers loaded from the context image: a PML4 for 4-level contexts, or
 * four page directories for 3-level (legacy 32-bit) ones.
 */
static uint8_t *ppgtt_page_table(struct skl_engine *e, uint64_t addr)
{
    uint8_t *table;
    uint64_t root;
    unsigned shift;

    if (e->tlb.pt_tag == addr >> 21) {
        return e->tlb.pt_host;
    }
    if (e->addressing == CTX_ADDRESSING_LEGACY_64B) {
        root = skl_ereg64(e, RING_PDP_LDW(0), RING_PDP_UDW(0));
        shift = 39;
    } else {
        unsigned pdp = (addr >> 30) & 3;

        if (addr >> 32) {
            return NULL;
        }
        root = skl_ereg64(e, RING_PDP_LDW(pdp), RING_PDP_UDW(pdp));
        shift = 21;
    }
    /* a root register holds a plain address, without a present bit */
    table = skl_dma_lookup(e->gpu, &e->tlb, root & GTT_PTE_ADDR_MASK, PGPU_PAGE_SIZE, false);
    for (; table && shift >= 21; shift -= 9) {
        table = walk_step(e, load_entry(table, (addr >> shift) & (PPGTT_LEVEL_ENTRIES - 1)),
                          false);
    }
    if (table) {
        e->tlb.pt_tag = addr >> 21;
        e->tlb.pt_host = table;
    }
    return table;
}

uint8_t *skl_translate(struct skl_engine *e, enum skl_space space, uint64_t addr, bool write)
{
    uint8_t *page = NULL;

    if (space == SKL_GGTT) {
        page = skl_ggtt_translate(e->gpu, &e->tlb, addr, write);
    } else {
        uint8_t *pt;

        addr &= PPGTT_ADDR_MASK;
        pt = ppgtt_page_table(e, addr);
        if (pt) {
            page = walk_step(e, load_entry(pt, (addr >> 12) & (PPGTT_LEVEL_ENTRIES - 1)),
                             write);
            page = page ? page + (addr & PAGE_MASK) : NULL;
        }
    }
    if (!page) {
        e->fault_addr = addr;
        e->fault_space = space;
    }
    return page;
}

/*
 * The host pointer of PPGTT address @addr for the access, and in *@run how
 * many of the @want bytes from there are contiguous in host memory.  Each
 * page's entry is read as skl_translate() reads it; within one page table
 * a page continues the run when its entry is present and names the next
 * bus page of the DMA range the run is in, checked in this loop rather
 * than by a lookup per page (a 1080p copy is 4,096 pages).  A page table
 * boundary takes the whole walk again.  A hole ends the run; the access
 * faults when it gets there.
 */
uint8_t *skl_translate_run(struct skl_engine *e, uint64_t addr, uint64_t want, bool write,
                           uint64_t *run)
{
    uint8_t *p = skl_translate(e, SKL_PPGTT, addr, write);
    uint64_t n = PGPU_PAGE_SIZE - (addr & PAGE_MASK);

    if (!p) {
        return NULL;
    }
    while (n < want) {
        uint64_t next = (addr + n) & PPGTT_ADDR_MASK;
        /* where p's page lies in the range the last lookup cached */
        uint64_t offset = (uintptr_t)(p + n) - (uintptr_t)e->tlb.dma_host;
        uint64_t entry;

        if (e->tlb.pt_tag != next >> 21) {
            if (skl_translate(e, SKL_PPGTT, next, write) != p + n) {
                break;
            }
            n += PGPU_PAGE_SIZE;
            continue;
        }
        entry = load_entry(e->tlb.pt_host, (next >> 12) & (PPGTT_LEVEL_ENTRIES - 1));
        if (!(entry & GTT_PTE_PRESENT) || offset >= e->tlb.dma_size ||
            PGPU_PAGE_SIZE > e->tlb.dma_size - offset ||
            (entry & GTT_PTE_ADDR_MASK) != e->tlb.dma_bus + offset) {
            break;
        }
        n += PGPU_PAGE_SIZE;
    }
    *run = n < want ? n : want;
    return p;
}

bool skl_gpu_read32(struct skl_engine *e, enum skl_space space, uint64_t addr,
                    uint32_t *value)
{
    uint8_t *p = skl_translate(e, space, addr & ~3ull, false);

    if (!p) {
        return false;
    }
    *value = __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE);     /* semaphores */
    return true;
}

/*
 * @len bytes (a multiple of 4) at dword-aligned @addr; may cross a page.
 * Release stores, so that a CPU that sees a later store (a seqno) with
 * acquire also sees this one, and everything the engine read before.
 */
bool skl_gpu_write(struct skl_engine *e, enum skl_space space, uint64_t addr,
                   const uint32_t *data, unsigned len)
{
    assert(len % 4 == 0 && addr % 4 == 0);
    for (unsigned i = 0; i < len / 4; i++, addr += 4) {
        uint32_t *p = (uint32_t *)skl_translate(e, space, addr, true);

        if (!p) {
            return false;
        }
        __atomic_store_n(p, data[i], __ATOMIC_RELEASE);
    }
    return true;
}

int skl_aperture_access(struct pgpu *pgpu, uint64_t offset, void *buf,
                        size_t len, bool write)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    struct skl_tlb tlb;
    uint8_t *cursor = buf;
    int ret = 0;

    if (offset >= gpu->aperture_size || len > gpu->aperture_size - offset) {
        return -EFAULT;
    }
    skl_tlb_flush(&tlb);
    pthread_rwlock_rdlock(&gpu->dma_lock);
    while (len) {
        uint64_t room = PGPU_PAGE_SIZE - (offset & PAGE_MASK);
        size_t n = len < room ? len : (size_t)room;
        uint8_t *p = skl_ggtt_translate(gpu, &tlb, offset, write);

        if (!p) {
            ret = -EFAULT;
            break;
        }
        if (write) {
            memcpy(p, cursor, n);
        } else {
            memcpy(cursor, p, n);
        }
        cursor += n;
        offset += n;
        len -= n;
    }
    pthread_rwlock_unlock(&gpu->dma_lock);
    return ret;
}
