/*
 * The PPGTT shadow against hostile page tables: only pages of the VM's
 * memory are read, leaves become bus addresses in the VM's window or the
 * vGPU's scratch page, a forged leaf counts only if it names the VM's RAM
 * in its window, shared tables (i915's scratch PDP/PD/PT) are shadowed once,
 * the table count is bounded, and a sync applies exactly what the guest
 * changed; the vGPU's set of PPGTTs finds them by root and makes room
 * by dropping unpinned shadows.  Guest RAM is an array; shadow table pages
 * come from a counting allocator.
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

#include "gtt/gpu-reach.h"
#include "gtt/ppgtt-set.h"
#include "gtt/ppgtt-shadow.h"

#define PAGE            4096ull
#define RAM_PAGES       2048
#define RAM_BASE        0x100000ull         /* guest RAM [1 MiB, 9 MiB) */
#define BUS_BASE        (5ull << 40)
#define SCRATCH_BUS     0x1000ull
#define P               MED_PPGTT_PTE_PRESENT
#define RW              MED_PPGTT_PTE_RW
#define FAKE_RAM        { { .gpa = RAM_BASE, .size = RAM_PAGES * PAGE } }

#define MAX_SHADOW_PAGES 256

struct fake_vm {
    uint64_t (*ram)[512];               /* RAM_PAGES pages of entries */
    /* The guest acting while the shadow reads it: when page @race_gpa is
     * next read, entry @race_index of page @race_parent is cleared and
     * entry 511 of @race_gpa becomes ~0 first (once). */
    uint64_t race_gpa, race_parent;
    unsigned race_index;
    /* Every shadow page handed out, by bus address, as the GPU finds them. */
    struct fake_page {
        uint64_t bus;
        uint64_t *page;
        bool live;
    } shadow_pages[MAX_SHADOW_PAGES];
    unsigned pages_live, pages_allocated;
    unsigned budget;                    /* pages the owner hands out; 0: any */
    uint64_t next_bus;
};

static const void *fake_guest_page(void *opaque, uint64_t gpa)
{
    struct fake_vm *vm = opaque;

    if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_PAGES * PAGE || gpa % PAGE) {
        return NULL;
    }
    if (vm->race_gpa && gpa == vm->race_gpa) {
        vm->ram[(vm->race_parent - RAM_BASE) / PAGE][vm->race_index] = 0;
        vm->ram[(gpa - RAM_BASE) / PAGE][511] = ~0ull;
        vm->race_gpa = 0;
    }
    return vm->ram[(gpa - RAM_BASE) / PAGE];
}

static void *fake_table_alloc(void *opaque, uint64_t *bus)
{
    struct fake_vm *vm = opaque;

    if (vm->budget && vm->pages_live == vm->budget) {
        return NULL;
    }
    assert_true(vm->pages_allocated < MAX_SHADOW_PAGES);
    vm->pages_live++;
    *bus = vm->next_bus += PAGE;
    vm->shadow_pages[vm->pages_allocated] = (struct fake_page){
        .bus = *bus, .page = calloc(1, PAGE), .live = true,
    };
    return vm->shadow_pages[vm->pages_allocated++].page;
}

static void fake_table_free(void *opaque, void *page, uint64_t bus)
{
    struct fake_vm *vm = opaque;

    for (unsigned i = 0; i < vm->pages_allocated; i++) {
        if (vm->shadow_pages[i].bus == bus && vm->shadow_pages[i].live) {
            assert_ptr_equal(vm->shadow_pages[i].page, page);
            assert_true(vm->shadow_pages[i].live);
            vm->shadow_pages[i].live = false;
        }
    }
    vm->pages_live--;
    free(page);
}

/* The shadow page at @bus, as the GPU would find it; it must be live. */
static const uint64_t *gpu_page(const struct fake_vm *vm, uint64_t bus)
{
    for (unsigned i = 0; i < vm->pages_allocated; i++) {
        if (vm->shadow_pages[i].bus == bus) {
            assert_true(vm->shadow_pages[i].live);
            return vm->shadow_pages[i].page;
        }
    }
    fail_msg("bus 0x%llx is no shadow page", (unsigned long long)bus);
    return NULL;
}

/* What the GPU finds at @addr walking the shadow from @root_bus, as the
 * model's engine does: the leaf entry, or 0 where an entry is not present. */
static uint64_t gpu_walk(const struct fake_vm *vm, uint64_t root_bus, uint64_t addr)
{
    uint64_t entry = root_bus | P;

    for (int shift = 39; shift >= 12; shift -= 9) {
        if (!(entry & P)) {
            return 0;
        }
        entry = gpu_page(vm, entry & MED_PPGTT_PTE_ADDR_MASK)[(addr >> shift) & 511];
    }
    return entry;
}

/* Everything the GPU can reach from @root_bus, page by page (directories
 * first), into @copy; returns the number of pages. */
static unsigned gpu_reachable(const struct fake_vm *vm, uint64_t root_bus, unsigned level,
                              uint64_t (*copy)[512], unsigned max)
{
    const uint64_t *page = gpu_page(vm, root_bus);
    unsigned n = 1;

    assert_true(max > 0);
    memcpy(copy[0], page, PAGE);
    for (unsigned i = 0; level > 1 && i < 512; i++) {
        if (page[i] & P) {
            n += gpu_reachable(vm, page[i] & MED_PPGTT_PTE_ADDR_MASK, level - 1, copy + n,
                               max - n);
        }
    }
    return n;
}

static const struct vgpu_ppgtt_mem_ops fake_ops = {
    .guest_page = fake_guest_page,
    .table_alloc = fake_table_alloc,
    .table_free = fake_table_free,
};

/* Guest page n of the fake RAM. */
static uint64_t gpa_of(unsigned n)
{
    return RAM_BASE + n * PAGE;
}

static uint64_t *table(struct fake_vm *vm, unsigned n)
{
    return vm->ram[n];
}

static int setup(void **state)
{
    struct fake_vm *vm = calloc(1, sizeof(*vm));

    vm->ram = calloc(RAM_PAGES, PAGE);
    vm->next_bus = 1ull << 30;
    *state = vm;
    return 0;
}

static int teardown(void **state)
{
    struct fake_vm *vm = *state;

    assert_int_equal(vm->pages_live, 0);    /* every shadow page went back */
    free(vm->ram);
    free(vm);
    return 0;
}

static uint64_t sync_changed(struct med_vgpu_ppgtt *s)
{
    uint64_t changed = ~0ull;

    assert_int_equal(med_vgpu_ppgtt_sync(s, &changed), 0);
    return changed;
}

/* A shadow built by its first sync, which must return @expect. */
static struct med_vgpu_ppgtt *shadow_built(struct fake_vm *vm, unsigned root, unsigned max,
                                           int expect)
{
    struct med_vgpu_ppgtt *s = med_vgpu_ppgtt_create(&(struct med_vgpu_ppgtt_config) {
        .ops = &fake_ops, .opaque = vm, .root_gpa = gpa_of(root),
        .bus_base = BUS_BASE, .ram = FAKE_RAM, .ram_count = 1, .scratch_bus = SCRATCH_BUS,
        .max_tables = max,
    });

    if (s) {
        assert_int_equal(vm->pages_live, 0);    /* nothing is built before a sync */
        assert_int_equal(med_vgpu_ppgtt_sync(s, NULL), expect);
    }
    return s;
}

static struct med_vgpu_ppgtt *shadow_of(struct fake_vm *vm, unsigned root, unsigned max)
{
    return shadow_built(vm, root, max, 0);
}

/* Pages 0..3: PML4, PDP, PD, PT mapping address @addr to page @leaf_page. */
static void build_chain(struct fake_vm *vm, uint64_t addr, uint64_t leaf_entry)
{
    table(vm, 0)[(addr >> 39) & 511] = gpa_of(1) | P | RW;
    table(vm, 1)[(addr >> 30) & 511] = gpa_of(2) | P | RW;
    table(vm, 2)[(addr >> 21) & 511] = gpa_of(3) | P | RW;
    table(vm, 3)[(addr >> 12) & 511] = leaf_entry;
}

/* One row per kind of leaf entry: what the shadow makes of it. */
static const struct leaf_case {
    const char *what;
    uint64_t entry;
    bool translated;            /* translate() finds the page */
    uint64_t bad;               /* counted as bad */
} leaf_cases[] = {
    { "a page of guest RAM", (RAM_BASE + 10 * PAGE) | P | RW, true, 0 },
    { "not present", RAM_BASE + 10 * PAGE, false, 0 },
    { "below guest RAM", 0x1000 | P, false, 1 },
    { "above guest RAM", (RAM_BASE + RAM_PAGES * PAGE) | P, false, 1 },
    { "beyond the bus window", (1ull << 45) | P, false, 1 },
};

static void test_leaf_entries(void **state)
{
    struct fake_vm *vm = *state;
    const uint64_t addr = 0x0000123456789000ull;

    for (size_t i = 0; i < sizeof(leaf_cases) / sizeof(leaf_cases[0]); i++) {
        const struct leaf_case *c = &leaf_cases[i];
        struct med_vgpu_ppgtt *s;
        uint64_t gpa = 0;

        memset(vm->ram, 0, RAM_PAGES * PAGE);
        build_chain(vm, addr, c->entry);
        s = shadow_of(vm, 0, 0);
        assert_non_null(s);
        assert_int_equal(med_vgpu_ppgtt_translate(s, addr, &gpa), c->translated);
        if (c->translated) {
            assert_int_equal(gpa, c->entry & MED_PPGTT_PTE_ADDR_MASK);
        }
        assert_int_equal(med_vgpu_ppgtt_stats(s)->bad_entries, c->bad);
        assert_false(med_vgpu_ppgtt_translate(s, addr + PAGE, &gpa));
        assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 4);
        med_vgpu_ppgtt_destroy(s);
    }
}

/*
 * A leaf the shadow holds is not taken on trust (the GPU writes memory,
 * and a shadow page reached by a store would say anything): a leaf maps
 * the VM's memory only if its bus address lies in the VM's window
 * [BUS_BASE, BUS_BASE + 2^40) and names guest RAM there, the rule the
 * GPU's DMA windows follow.  Each row forges the leaf of one address, as
 * a GPU store into the leaf table would.
 */
static void test_forged_leaves_are_bounded(void **state)
{
    static const struct {
        const char *what;
        uint64_t leaf;
        bool mapped;
    } forged[] = {
        { "a page of the VM's RAM", (BUS_BASE + RAM_BASE + 11 * PAGE) | P | RW, true },
        { "the last page of its RAM", (BUS_BASE + RAM_BASE + (RAM_PAGES - 1) * PAGE) | P, true },
        { "not present", BUS_BASE + RAM_BASE + 11 * PAGE, false },
        { "the vGPU's scratch page", SCRATCH_BUS | P | RW, false },
        { "the global scratch page", 0 | P | RW, false },
        { "a shadow table (the host's window)", (1ull << 30) | P | RW, false },
        { "the next VM's window, same offset", (BUS_BASE + (1ull << 40) + RAM_BASE) | P, false },
        { "the previous VM's window", (BUS_BASE - (1ull << 40) + RAM_BASE) | P, false },
        { "its window, below its RAM", (BUS_BASE + RAM_BASE - PAGE) | P, false },
        { "its window, above its RAM", (BUS_BASE + RAM_BASE + RAM_PAGES * PAGE) | P, false },
        { "the top of the bus", MED_PPGTT_PTE_ADDR_MASK | P, false },
    };
    struct fake_vm *vm = *state;
    const uint64_t addr = 0x0000123456789000ull;
    struct med_vgpu_ppgtt *s;
    uint64_t entry, *leaves, gpa;

    build_chain(vm, addr, gpa_of(10) | P | RW);
    s = shadow_of(vm, 0, 0);
    assert_non_null(s);
    /* The leaf table, found as the GPU finds it. */
    entry = med_vgpu_ppgtt_root_bus(s) | P;
    for (int shift = 39; shift > 12; shift -= 9) {
        entry = gpu_page(vm, entry & MED_PPGTT_PTE_ADDR_MASK)[(addr >> shift) & 511];
    }
    leaves = (uint64_t *)gpu_page(vm, entry & MED_PPGTT_PTE_ADDR_MASK);
    assert_int_equal(leaves[(addr >> 12) & 511], (BUS_BASE + gpa_of(10)) | P | RW);
    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        leaves[(addr >> 12) & 511] = forged[i].leaf;
        gpa = 0;
        if (med_vgpu_ppgtt_translate(s, addr, &gpa) != forged[i].mapped ||
            med_vgpu_ppgtt_range_mapped(s, addr, PAGE) != forged[i].mapped) {
            fail_msg("forged leaf: %s (0x%llx)", forged[i].what,
                     (unsigned long long)forged[i].leaf);
        }
        if (forged[i].mapped) {
            assert_int_equal(gpa, (forged[i].leaf & MED_PPGTT_PTE_ADDR_MASK) - BUS_BASE);
        }
    }
    med_vgpu_ppgtt_destroy(s);
}

static void test_directories_naming_no_ram_or_huge_pages(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    table(vm, 0)[0] = 0x40000000ull | P;                /* a PDP outside RAM */
    table(vm, 0)[1] = gpa_of(1) | P;
    table(vm, 1)[0] = gpa_of(2) | P | MED_PPGTT_PTE_HUGE;   /* a 1 GiB page */
    table(vm, 1)[1] = gpa_of(2) | P;
    table(vm, 2)[0] = gpa_of(3) | P | MED_PPGTT_PTE_IPS;    /* 64 KiB pages */
    s = shadow_of(vm, 0, 0);
    assert_non_null(s);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->bad_entries, 3);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 3);    /* PML4, PDP, PD */
    assert_false(med_vgpu_ppgtt_translate(s, 0, &gpa));
    assert_false(med_vgpu_ppgtt_translate(s, 1ull << 39, &gpa));
    med_vgpu_ppgtt_destroy(s);
}

/* i915 fills every unused entry with its scratch PDP, PD and PT. */
static void test_shared_scratch_tables_are_shadowed_once(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    for (unsigned i = 0; i < 512; i++) {
        table(vm, 0)[i] = gpa_of(1) | P | RW;
        table(vm, 1)[i] = gpa_of(2) | P | RW;
        table(vm, 2)[i] = gpa_of(3) | P | RW;
        table(vm, 3)[i] = gpa_of(4) | P | RW;
    }
    s = shadow_of(vm, 0, 0);
    assert_non_null(s);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 4);
    assert_int_equal(vm->pages_live, 4);
    /* The GPU walks the shadow of the fill; no batch is fetched through it. */
    assert_false(med_vgpu_ppgtt_translate(s, 0x0000ffffffffe000ull, &gpa));
    med_vgpu_ppgtt_destroy(s);
}

/* A range across two leaf tables: every page must be mapped. */
static void test_range_mapped(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    const uint64_t two_mib = 2ull << 20;

    table(vm, 0)[0] = gpa_of(1) | P | RW;
    table(vm, 1)[0] = gpa_of(2) | P | RW;
    table(vm, 2)[0] = gpa_of(3) | P | RW;
    table(vm, 2)[1] = gpa_of(4) | P | RW;
    for (unsigned i = 0; i < 512; i++) {
        table(vm, 3)[i] = gpa_of(10 + i % 40) | P | RW;
        table(vm, 4)[i] = gpa_of(10 + (i + 1) % 40) | P | RW;
    }
    table(vm, 4)[7] = 0;                    /* a hole at 2 MiB + 28 KiB */
    s = shadow_of(vm, 0, 0);
    assert_non_null(s);
    assert_true(med_vgpu_ppgtt_range_mapped(s, 0, two_mib + 7 * PAGE));
    assert_true(med_vgpu_ppgtt_range_mapped(s, two_mib - 4, 8));
    assert_true(med_vgpu_ppgtt_range_mapped(s, two_mib + 8 * PAGE, two_mib - 8 * PAGE));
    assert_false(med_vgpu_ppgtt_range_mapped(s, 0, two_mib + 7 * PAGE + 1));
    assert_false(med_vgpu_ppgtt_range_mapped(s, two_mib + 7 * PAGE + 4092, 8));
    assert_false(med_vgpu_ppgtt_range_mapped(s, two_mib, 2 * two_mib));  /* no third table */
    med_vgpu_ppgtt_destroy(s);
}

/*
 * i915's scratch fill as Linux 6.1's gen8_ppgtt.c writes it on Gen9 (the
 * entries below are spelled from i915's source, not from the shadow's):
 * gen8_init_scratch() encodes its scratch page's PTE with
 * gen8_pte_encode(page, I915_CACHE_NONE, PTE_READ_ONLY), since
 * has_read_only holds on Gen8-10: present, RW clear, PPAT_UNCACHED
 * (_PAGE_PWT | _PAGE_PCD); it fills a scratch PT with that PTE and each
 * scratch table above with gen8_pde_encode(table below, I915_CACHE_NONE):
 * present, RW, PPAT_UNCACHED.  The PML4 starts filled with the scratch
 * PDP (gen8_alloc_top_pd), a table allocated for a binding with the
 * scratch of its level (__gen8_ppgtt_alloc), and a bound page's PTE is
 * gen8_pte_encode(page, I915_CACHE_LLC, 0): present, RW, PPAT_CACHED
 * (_PAGE_PAT, bit 7: in a PTE, not a huge page).
 */
#define I915_PWT                (1ull << 3)
#define I915_PCD                (1ull << 4)
#define I915_PAT                (1ull << 7)
#define I915_SCRATCH_PTE(gpa)   ((gpa) | P | I915_PWT | I915_PCD)
#define I915_PDE(gpa)           ((gpa) | P | RW | I915_PWT | I915_PCD)
#define I915_PTE(gpa)           ((gpa) | P | RW | I915_PAT)

/* Guest pages of the layout below. */
enum {
    PML4 = 0, OBJ_PDP = 1, OBJ_PD = 2, OBJ_PT = 3,
    SCRATCH_PDP = 5, SCRATCH_PD = 6, SCRATCH_PT = 7, SCRATCH_PAGE = 8,
    FAKE_PT_OUTSIDE = 30, FAKE_PT_OWN = 31, FAKE_PD_OUTSIDE = 32, FAKE_PT_FOREIGN = 33,
    OBJECT = 100,               /* 64 pages: gem_close_race's 256 KiB object */
};

static void fill_table(struct fake_vm *vm, unsigned page, uint64_t entry)
{
    for (unsigned i = 0; i < 512; i++) {
        table(vm, page)[i] = entry;
    }
}

/*
 * What the GPU reaches through i915's fill: a command's data access
 * under it reads i915's scratch page, read-only as i915 mapped it, the
 * hardware's answer (IGT's gem_close_race blits from 2 MiB past its
 * 256 KiB object); a batch fetch under it is refused.  Hostile guests
 * build "scratch" tables of their own, all 512 entries alike, naming
 * memory outside the VM: those map the vGPU's own scratch page (or
 * nothing), and neither data nor batches pass.
 */
static void test_i915_scratch_fill(void **state)
{
    const uint64_t outside = 0x40000000ull;                 /* beyond the VM's RAM */
    const uint64_t foreign = BUS_BASE + (1ull << 40) + RAM_BASE;    /* the next VM's */
    const uint64_t scratch_leaf = (BUS_BASE + gpa_of(SCRATCH_PAGE)) | P;
    static const uint64_t mib = 1ull << 20;
    const struct {
        const char *what;
        uint64_t addr;
        bool data, batch;
        uint64_t leaf;          /* the shadow entry the GPU finds (0: none) */
    } rows[] = {
        { "the object's first page", 0, true, true,
          (BUS_BASE + gpa_of(OBJECT)) | P | RW },
        { "its last page", 63 * PAGE, true, true,
          (BUS_BASE + gpa_of(OBJECT + 63)) | P | RW },
        /* its own PT, not a fill: 64 of its entries map the object */
        { "past it, in its PT", 64 * PAGE, true, true, scratch_leaf },
        { "2 MiB on: the scratch PT (IGT's blit source)", 2 * mib, true, false, scratch_leaf },
        { "1 GiB: the scratch PD", 1ull << 30, true, false, scratch_leaf },
        { "0x7f0000000000: the scratch PDP", 0x7f0000000000ull, true, false, scratch_leaf },
        { "the top page", 0xfffffffff000ull, true, false, scratch_leaf },
        { "a fake fill PT naming memory outside the VM", 4 * mib, false, false,
          SCRATCH_BUS | P },
        { "a fake fill PT naming the next VM's bus window", 8 * mib, false, false,
          SCRATCH_BUS | P },
        { "a fake fill PD naming a PT outside the VM", 2ull << 30, false, false, 0 },
        { "a fake fill PT naming a page of the VM's own", 6 * mib, true, false,
          (BUS_BASE + gpa_of(OBJECT)) | P | RW },
    };
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    fill_table(vm, SCRATCH_PT, I915_SCRATCH_PTE(gpa_of(SCRATCH_PAGE)));
    fill_table(vm, SCRATCH_PD, I915_PDE(gpa_of(SCRATCH_PT)));
    fill_table(vm, SCRATCH_PDP, I915_PDE(gpa_of(SCRATCH_PD)));
    fill_table(vm, PML4, I915_PDE(gpa_of(SCRATCH_PDP)));
    /* The object bound at 0: a PDP, PD and PT allocated for it. */
    fill_table(vm, OBJ_PDP, I915_PDE(gpa_of(SCRATCH_PD)));
    fill_table(vm, OBJ_PD, I915_PDE(gpa_of(SCRATCH_PT)));
    fill_table(vm, OBJ_PT, I915_SCRATCH_PTE(gpa_of(SCRATCH_PAGE)));
    table(vm, PML4)[0] = I915_PDE(gpa_of(OBJ_PDP));
    table(vm, OBJ_PDP)[0] = I915_PDE(gpa_of(OBJ_PD));
    table(vm, OBJ_PD)[0] = I915_PDE(gpa_of(OBJ_PT));
    for (unsigned i = 0; i < 64; i++) {
        table(vm, OBJ_PT)[i] = I915_PTE(gpa_of(OBJECT + i));
    }
    /* A hostile guest's own "scratch" tables. */
    fill_table(vm, FAKE_PT_OUTSIDE, outside | P | RW);
    fill_table(vm, FAKE_PT_FOREIGN, foreign | P | RW);
    fill_table(vm, FAKE_PT_OWN, I915_PTE(gpa_of(OBJECT)));
    fill_table(vm, FAKE_PD_OUTSIDE, I915_PDE(outside));
    table(vm, OBJ_PD)[2] = I915_PDE(gpa_of(FAKE_PT_OUTSIDE));
    table(vm, OBJ_PD)[3] = I915_PDE(gpa_of(FAKE_PT_OWN));
    table(vm, OBJ_PD)[4] = I915_PDE(gpa_of(FAKE_PT_FOREIGN));
    table(vm, OBJ_PDP)[2] = I915_PDE(gpa_of(FAKE_PD_OUTSIDE));
    s = shadow_of(vm, PML4, 0);
    assert_non_null(s);
    /* Every table once, the fill's too; a PT outside the VM is none. */
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 11);
    /* 512 entries each of the two fake PTs and of the fake PD */
    assert_int_equal(med_vgpu_ppgtt_stats(s)->bad_entries, 3 * 512);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t leaf = gpu_walk(vm, med_vgpu_ppgtt_root_bus(s), rows[i].addr);

        if (leaf != rows[i].leaf ||
            med_vgpu_ppgtt_range_mapped(s, rows[i].addr, PAGE) != rows[i].data ||
            med_vgpu_ppgtt_translate(s, rows[i].addr, &gpa) != rows[i].batch) {
            fail_msg("%s: leaf 0x%llx", rows[i].what, (unsigned long long)leaf);
        }
    }
    /* IGT's copy: 4 KiB rows 512 on from the object, across into the fill. */
    assert_true(med_vgpu_ppgtt_range_mapped(s, 2 * mib, 4096));
    assert_true(med_vgpu_ppgtt_range_mapped(s, 0, 4 * mib));
    assert_false(med_vgpu_ppgtt_range_mapped(s, 0, 4 * mib + PAGE));
    med_vgpu_ppgtt_destroy(s);
}

static void test_table_limit_bounds_the_shadow(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;

    /* 60 distinct page tables under one PD. */
    table(vm, 0)[0] = gpa_of(1) | P;
    table(vm, 1)[0] = gpa_of(2) | P;
    for (unsigned i = 0; i < 60; i++) {
        table(vm, 2)[i] = gpa_of(3 + i) | P;
    }
    s = shadow_built(vm, 0, 16, -ENOMEM);
    assert_non_null(s);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 16);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->table_limit_hits, 60 - 13);
    med_vgpu_ppgtt_destroy(s);
}

/* The owner's budget (all of a vGPU's PPGTTs) refuses a page; once it has
 * room again, a sync applies what it could not. */
static void test_owner_budget_drops_the_entry(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    build_chain(vm, 0, gpa_of(10) | P);
    vm->budget = 3;
    s = shadow_built(vm, 0, 0, -ENOMEM);
    assert_non_null(s);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 3);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->table_limit_hits, 1);
    assert_false(med_vgpu_ppgtt_translate(s, 0, &gpa));
    vm->budget = 0;
    assert_int_equal(med_vgpu_ppgtt_sync(s, NULL), 0);
    assert_true(med_vgpu_ppgtt_translate(s, 0, &gpa));
    assert_int_equal(gpa, gpa_of(10));
    med_vgpu_ppgtt_destroy(s);
}

static void test_sync_applies_what_changed(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    build_chain(vm, 0, gpa_of(10) | P);
    s = shadow_of(vm, 0, 0);
    assert_non_null(s);
    assert_int_equal(sync_changed(s), 0);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables_compared, 4);

    table(vm, 3)[1] = gpa_of(11) | P;                 /* a new leaf */
    assert_int_equal(sync_changed(s), 1);
    assert_true(med_vgpu_ppgtt_translate(s, PAGE, &gpa));
    assert_int_equal(gpa, gpa_of(11));

    table(vm, 3)[0] = 0;                              /* an unmap */
    assert_int_equal(sync_changed(s), 1);
    assert_false(med_vgpu_ppgtt_translate(s, 0, &gpa));

    /* A new PD replaces the old one: its subtree goes, the new one comes. */
    table(vm, 5)[0] = gpa_of(6) | P;
    table(vm, 6)[7] = gpa_of(12) | P;
    table(vm, 1)[0] = gpa_of(5) | P;
    assert_int_equal(sync_changed(s), 1);
    assert_true(med_vgpu_ppgtt_translate(s, 7 * PAGE, &gpa));
    assert_int_equal(gpa, gpa_of(12));
    assert_false(med_vgpu_ppgtt_translate(s, PAGE, &gpa));
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 4);
    assert_int_equal(vm->pages_live, 4);
    med_vgpu_ppgtt_destroy(s);
}

/*
 * i915 frees a page table when its last mapping goes and takes pages
 * again for the next one: a new directory may name a table the shadow
 * still holds under the old one, whose entries changed meanwhile (what
 * gem_exec_store hit: the store of a new object at an address reused
 * went to the old object's page, no rejection).  The shadow of the new
 * directory is built in the sync; the table it shares must be compared
 * in that sync too, at every level below.  Fails without the compare in
 * table_get (the old page, 0x10a000, is translated).
 */
static void test_new_directory_sees_a_held_table_as_it_is_now(void **state)
{
    struct fake_vm *vm = *state;
    /* Each step: the PT at page 3 maps a new page, under a new directory. */
    static const struct {
        unsigned leaf, dir, level_page, parent_page;
    } steps[] = {
        { 11, 5, 3, 1 },        /* a new PD (page 5) in the PDP */
        { 12, 6, 5, 0 },        /* a new PDP (page 6), naming that PD, in the PML4 */
    };
    struct med_vgpu_ppgtt *s;
    uint64_t gpa = 0;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    s = shadow_of(vm, 0, 0);
    assert_non_null(s);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        table(vm, 3)[0] = gpa_of(steps[i].leaf) | P | RW;
        table(vm, steps[i].dir)[0] = gpa_of(steps[i].level_page) | P | RW;
        table(vm, steps[i].parent_page)[0] = gpa_of(steps[i].dir) | P | RW;
        assert_int_equal(med_vgpu_ppgtt_sync(s, NULL), 0);
        assert_true(med_vgpu_ppgtt_translate(s, 0, &gpa));
        assert_int_equal(gpa, gpa_of(steps[i].leaf));
        assert_int_equal(gpu_walk(vm, med_vgpu_ppgtt_root_bus(s), 0),
                         (BUS_BASE + gpa_of(steps[i].leaf)) | P | RW);
    }
    med_vgpu_ppgtt_destroy(s);
}

/*
 * The guest changes its tables while a sync reads them: i915 clears a
 * directory entry, frees the page table it named and reuses the page (IGT's
 * gem_busy@close-race: as a spinner's batch, whose last qword is ~0) for a
 * range no request uses.  A table read after its directory entry moved on
 * is no table of the guest's: what it holds is not counted as bad entries
 * (the sync goes again and applies the new entry, so the range is not
 * mapped), whether the table is new to the shadow or one it held.  Until
 * 2026-12-07 each such race counted "1 entries name no guest RAM or a huge
 * page (e.g. 0xffffffffffffffff)", a guest error the guest had not made.
 */
static void test_a_table_freed_while_read_is_not_the_guests_error(void **state)
{
    struct fake_vm *vm = *state;
    const uint64_t addr = 0x0000123456789000ull;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    for (unsigned held = 0; held < 2; held++) {
        memset(vm->ram, 0, RAM_PAGES * PAGE);
        build_chain(vm, addr, gpa_of(10) | P | RW);
        vm->race_parent = gpa_of(2);
        vm->race_index = (addr >> 21) & 511;
        if (!held) {
            vm->race_gpa = gpa_of(3);       /* as the first sync reads the new table */
            s = shadow_of(vm, 0, 0);
        } else {
            s = shadow_of(vm, 0, 0);
            assert_true(med_vgpu_ppgtt_translate(s, addr, &gpa));
            table(vm, 3)[7] = gpa_of(11) | P | RW;  /* it changed: the next sync reads it */
            vm->race_gpa = gpa_of(3);
            sync_changed(s);
        }
        assert_int_equal(vm->race_gpa, 0);      /* the race happened */
        assert_int_equal(med_vgpu_ppgtt_stats(s)->bad_entries, 0);
        assert_false(med_vgpu_ppgtt_translate(s, addr, &gpa));
        assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 3);
        /* A bad entry that stays is the guest's, as ever. */
        table(vm, 2)[5] = gpa_of(3) | P | RW;
        sync_changed(s);
        assert_int_equal(med_vgpu_ppgtt_stats(s)->bad_entries, 1);
        med_vgpu_ppgtt_destroy(s);
    }
}

static void test_root_outside_ram_is_refused(void **state)
{
    struct fake_vm *vm = *state;

    errno = 0;
    assert_null(med_vgpu_ppgtt_create(&(struct med_vgpu_ppgtt_config) {
        .ops = &fake_ops, .opaque = vm, .root_gpa = 0x1000,
        .bus_base = BUS_BASE, .ram = FAKE_RAM, .ram_count = 1, .scratch_bus = SCRATCH_BUS,
    }));
    assert_int_equal(errno, EINVAL);
    assert_null(shadow_of(vm, RAM_PAGES, 0));
}


/*
 * A workload pinned a version (its engine may cache any table of it, as
 * the model does for a slice): whatever the guest changes afterwards, the
 * pages of that version stay as they were and stay allocated, and the GPU
 * walking them still finds what the guest's tables said at the pin; the
 * next sync's version shows the change.  Then the pages go back.
 */
static void test_pinned_version_is_immutable(void **state)
{
    struct fake_vm *vm = *state;
    static uint64_t before[64][512], after[64][512];
    struct med_vgpu_ppgtt *s;
    uint64_t pin, root_pinned, gpa;
    unsigned n, m;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    table(vm, 3)[1] = gpa_of(11) | P | RW;
    s = shadow_of(vm, 0, 0);
    pin = med_vgpu_ppgtt_pin(s);
    root_pinned = med_vgpu_ppgtt_root_bus(s);
    n = gpu_reachable(vm, root_pinned, 4, before, 64);
    assert_int_equal(n, 4);

    /* A leaf rewritten, a leaf unmapped, then the PD replaced by another
     * whose PT maps page 12, and a second PML4 entry: one sync each. */
    table(vm, 3)[0] = gpa_of(13) | P | RW;
    assert_int_equal(sync_changed(s), 1);
    table(vm, 3)[1] = 0;
    assert_int_equal(sync_changed(s), 1);
    table(vm, 6)[0] = gpa_of(12) | P | RW;
    table(vm, 5)[0] = gpa_of(6) | P | RW;
    table(vm, 1)[0] = gpa_of(5) | P | RW;
    assert_int_equal(sync_changed(s), 1);
    table(vm, 0)[1] = gpa_of(1) | P | RW;
    assert_int_equal(sync_changed(s), 1);

    m = gpu_reachable(vm, root_pinned, 4, after, 64);
    assert_int_equal(m, n);
    assert_memory_equal(before, after, n * PAGE);
    assert_int_equal(gpu_walk(vm, root_pinned, 0), (BUS_BASE + gpa_of(10)) | P | RW);
    assert_int_equal(gpu_walk(vm, root_pinned, PAGE), (BUS_BASE + gpa_of(11)) | P | RW);
    /* The current version: what the guest says now. */
    assert_int_not_equal(med_vgpu_ppgtt_root_bus(s), root_pinned);
    assert_int_equal(gpu_walk(vm, med_vgpu_ppgtt_root_bus(s), 0),
                     (BUS_BASE + gpa_of(12)) | P | RW);
    assert_true(med_vgpu_ppgtt_translate(s, 0, &gpa));
    assert_int_equal(gpa, gpa_of(12));
    assert_true(med_vgpu_ppgtt_translate(s, 1ull << 39, &gpa));
    assert_true(med_vgpu_ppgtt_stats(s)->copies > 0);
    assert_true(med_vgpu_ppgtt_stats(s)->deferred_pages > 0);

    med_vgpu_ppgtt_unpin(s, pin);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->deferred_pages, 0);
    assert_int_equal(vm->pages_live, med_vgpu_ppgtt_stats(s)->tables);
    med_vgpu_ppgtt_destroy(s);
}

/* With nothing pinned a sync writes in place: no copies, nothing held. */
static void test_unpinned_sync_writes_in_place(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t root;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    s = shadow_of(vm, 0, 0);
    med_vgpu_ppgtt_unpin(s, med_vgpu_ppgtt_pin(s));
    root = med_vgpu_ppgtt_root_bus(s);
    table(vm, 3)[0] = gpa_of(13) | P | RW;
    assert_int_equal(sync_changed(s), 1);
    assert_int_equal(med_vgpu_ppgtt_root_bus(s), root);
    assert_int_equal(med_vgpu_ppgtt_stats(s)->copies, 0);
    assert_int_equal(vm->pages_allocated, 4);
    med_vgpu_ppgtt_destroy(s);
}

/* Pins of several versions end in any order; a page is held as long as
 * any version that reaches it is pinned, and never handed out again before. */
static void test_pages_held_until_every_reaching_pin_ends(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t first, second, root_first;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    s = shadow_of(vm, 0, 0);
    first = med_vgpu_ppgtt_pin(s);
    root_first = med_vgpu_ppgtt_root_bus(s);
    table(vm, 3)[0] = gpa_of(11) | P | RW;
    assert_int_equal(sync_changed(s), 1);          /* copies PT, PD, PDP, PML4 */
    second = med_vgpu_ppgtt_pin(s);
    table(vm, 2)[0] = 0;                           /* the PT goes */
    assert_int_equal(sync_changed(s), 1);
    assert_int_equal(vm->pages_live, 4 + 4 + 3);   /* two pinned versions + current */

    med_vgpu_ppgtt_unpin(s, second);
    assert_int_equal(vm->pages_live, 4 + 3);       /* the first version is still walked */
    assert_int_equal(gpu_walk(vm, root_first, 0), (BUS_BASE + gpa_of(10)) | P | RW);
    med_vgpu_ppgtt_unpin(s, first);
    assert_int_equal(vm->pages_live, 3);
    med_vgpu_ppgtt_destroy(s);
}

/* A guest that destroys a PPGTT a workload still runs on: its pages stay
 * until the workload ends. */
static void test_destroy_while_pinned_waits_for_the_unpin(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t pin, root;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    s = shadow_of(vm, 0, 0);
    pin = med_vgpu_ppgtt_pin(s);
    root = med_vgpu_ppgtt_root_bus(s);
    med_vgpu_ppgtt_destroy(s);
    assert_int_equal(vm->pages_live, 4);
    assert_int_equal(gpu_walk(vm, root, 0), (BUS_BASE + gpa_of(10)) | P | RW);
    med_vgpu_ppgtt_unpin(s, pin);
    assert_int_equal(vm->pages_live, 0);
}

/* A copy that cannot be had fails the sync (the workload is rejected) and
 * leaves the pinned pages alone; the next sync with room applies it. */
static void test_copy_refused_fails_the_sync(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t pin, gpa;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    s = shadow_of(vm, 0, 0);
    pin = med_vgpu_ppgtt_pin(s);
    vm->budget = 5;
    table(vm, 3)[0] = gpa_of(11) | P | RW;
    assert_int_equal(med_vgpu_ppgtt_sync(s, NULL), -ENOMEM);
    assert_int_equal(gpu_walk(vm, med_vgpu_ppgtt_root_bus(s), 0),
                     (BUS_BASE + gpa_of(10)) | P | RW);
    med_vgpu_ppgtt_unpin(s, pin);
    assert_int_equal(med_vgpu_ppgtt_sync(s, NULL), 0);
    assert_true(med_vgpu_ppgtt_translate(s, 0, &gpa));
    assert_int_equal(gpa, gpa_of(11));
    med_vgpu_ppgtt_destroy(s);
}

/* A page table two directory entries share, mapping real pages, is a
 * legitimate mapping (the scratch fill, all entries alike, is not). */
static void test_shared_table_that_maps_pages_translates(void **state)
{
    struct fake_vm *vm = *state;
    struct med_vgpu_ppgtt *s;
    uint64_t gpa;

    build_chain(vm, 0, gpa_of(10) | P | RW);
    table(vm, 3)[1] = gpa_of(11) | P | RW;
    table(vm, 2)[1] = gpa_of(3) | P | RW;          /* the same PT at 2 MiB */
    s = shadow_of(vm, 0, 0);
    assert_true(med_vgpu_ppgtt_translate(s, 0, &gpa));
    assert_int_equal(gpa, gpa_of(10));
    assert_true(med_vgpu_ppgtt_translate(s, (2ull << 20) + PAGE, &gpa));
    assert_int_equal(gpa, gpa_of(11));
    assert_true(med_vgpu_ppgtt_range_mapped(s, 2ull << 20, 2 * PAGE));
    assert_int_equal(med_vgpu_ppgtt_stats(s)->tables, 4);
    med_vgpu_ppgtt_destroy(s);
}

static struct med_ppgtt_set *set_of(struct fake_vm *vm)
{
    return med_ppgtt_set_create(&(struct med_vgpu_ppgtt_config) {
        .ops = &fake_ops, .opaque = vm, .bus_base = BUS_BASE, .ram = FAKE_RAM, .ram_count = 1,
        .scratch_bus = SCRATCH_BUS,
    });
}

/* Two PPGTTs of four tables each (pages 0-3 and 4-7, both mapping address
 * 0) where the budget holds six pages: using one drops the other, which a
 * later use builds again; a pinned one is never dropped. */
static void test_set_drops_unpinned_shadows_for_room(void **state)
{
    struct fake_vm *vm = *state;
    struct med_ppgtt_set *set = set_of(vm);
    struct med_vgpu_ppgtt *a, *b;
    const char *problem = NULL;
    uint64_t gpa, pin;

    build_chain(vm, 0, gpa_of(10) | P);
    for (unsigned l = 4; l < 7; l++) {
        table(vm, l)[0] = gpa_of(l + 1) | P;
    }
    table(vm, 7)[0] = gpa_of(11) | P;
    vm->budget = 6;
    assert_int_equal(med_ppgtt_set_add(set, gpa_of(0), &problem), 0);
    assert_int_equal(med_ppgtt_set_add(set, gpa_of(4), &problem), 0);
    assert_int_equal(med_ppgtt_set_add(set, gpa_of(4), &problem), -1);
    assert_string_equal(problem, "is already live");
    assert_int_equal(vm->pages_live, 0);                /* announced, not built */
    a = med_ppgtt_set_find(set, gpa_of(0));
    b = med_ppgtt_set_find(set, gpa_of(4));
    assert_non_null(a);
    assert_non_null(b);

    assert_int_equal(med_ppgtt_set_sync(set, a), MED_PPGTT_SYNC_COMPARED);
    assert_int_equal(med_ppgtt_set_sync(set, b), MED_PPGTT_SYNC_COMPARED);   /* drops a */
    assert_int_equal(med_ppgtt_set_evictions(set), 1);
    assert_true(med_vgpu_ppgtt_translate(b, 0, &gpa));
    assert_int_equal(gpa, gpa_of(11));
    assert_int_equal(med_vgpu_ppgtt_stats(a)->tables, 0);
    assert_int_equal(med_ppgtt_set_sync(set, a), MED_PPGTT_SYNC_COMPARED);   /* built again, drops b */
    assert_true(med_vgpu_ppgtt_translate(a, 0, &gpa));
    assert_int_equal(gpa, gpa_of(10));

    /* A workload runs on a: b cannot have its pages. */
    pin = med_vgpu_ppgtt_pin(a);
    assert_int_equal(med_ppgtt_set_sync(set, b), MED_PPGTT_SYNC_NO_ROOM);
    assert_true(med_vgpu_ppgtt_translate(a, 0, &gpa));
    med_vgpu_ppgtt_unpin(a, pin);
    assert_int_equal(med_ppgtt_set_sync(set, b), MED_PPGTT_SYNC_COMPARED);

    assert_int_equal(med_ppgtt_set_remove(set, gpa_of(0), &problem), 0);
    assert_int_equal(med_ppgtt_set_remove(set, gpa_of(0), &problem), -1);
    assert_string_equal(problem, "is not live");
    assert_int_equal(med_ppgtt_set_count(set), 1);
    med_ppgtt_set_destroy(set);
}

/* Far more PPGTTs announced than the old fixed limit of 1024: each costs
 * a record, no table, until it is used. */
static void test_set_holds_thousands_of_announced_ppgtts(void **state)
{
    struct fake_vm *vm = *state;
    struct med_ppgtt_set *set = set_of(vm);
    const char *problem;

    for (unsigned i = 0; i < 2000; i++) {
        assert_int_equal(med_ppgtt_set_add(set, gpa_of(i), &problem), 0);
    }
    assert_int_equal(med_ppgtt_set_count(set), 2000);
    assert_int_equal(vm->pages_live, 0);
    assert_non_null(med_ppgtt_set_find(set, gpa_of(1999)));
    assert_null(med_ppgtt_set_find(set, gpa_of(2000)));
    assert_int_equal(med_ppgtt_set_add(set, 0x1000, &problem), -1);
    assert_string_equal(problem, "names no guest RAM");
    med_ppgtt_set_destroy(set);
}

/* ---- the client's watch (decision 9) ---- */

/* The watch's words as the rings hold them, and what the GPU reaches. */
struct fake_watch {
    uint32_t seq, count, writes, checked;
    uint64_t gpas[8];
    struct med_gpu_reach reach;
    struct med_ppgtt_set *set;
    uint64_t unchanged_seen;    /* the set's skip count at the last compared() */
};

static void watched_set_of(struct fake_vm *vm, struct fake_watch *w, unsigned max)
{
    assert_int_equal(med_gpu_reach_init(&w->reach, RAM_BASE + RAM_PAGES * PAGE), 0);
    w->set = med_ppgtt_set_create(&(struct med_vgpu_ppgtt_config) {
        .ops = &fake_ops, .opaque = vm, .bus_base = BUS_BASE, .ram = FAKE_RAM, .ram_count = 1,
        .scratch_bus = SCRATCH_BUS, .reach = &w->reach,
    });
    med_ppgtt_set_watch(w->set, &(struct med_ppgtt_watch) {
        .seq = &w->seq, .count = &w->count, .gpas = w->gpas, .max = max,
        .writes = &w->writes, .checked = &w->checked,
    });
}

/* build_chain()'s PPGTT (pages 0-3, address 0 to page 10), announced to
 * a watched set. */
static struct med_vgpu_ppgtt *watched_chain(struct fake_vm *vm, struct fake_watch *w,
                                            unsigned max)
{
    const char *problem = NULL;

    watched_set_of(vm, w, max);
    build_chain(vm, 0, gpa_of(10) | P);
    assert_int_equal(med_ppgtt_set_add(w->set, gpa_of(0), &problem), 0);
    return med_ppgtt_set_find(w->set, gpa_of(0));
}

static void watched_set_destroy(struct fake_watch *w)
{
    med_ppgtt_set_destroy(w->set);
    med_gpu_reach_fini(&w->reach);
}

/* The client at a SUBMIT: it looked at every listed page, @written or not. */
static void client_checks(struct fake_watch *w, bool written)
{
    w->writes += written;
    w->checked = w->seq;
}

/* A sync of @s: whether it compared the tables (else the watch proved
 * them unchanged). */
static bool compared(struct fake_watch *w, struct med_vgpu_ppgtt *s)
{
    enum med_ppgtt_sync_result result = med_ppgtt_set_sync(w->set, s);
    uint64_t unchanged = med_ppgtt_set_unchanged(w->set);

    assert_int_not_equal(result, MED_PPGTT_SYNC_NO_ROOM);
    assert_int_equal(unchanged - w->unchanged_seen, result == MED_PPGTT_SYNC_PROVEN_UNCHANGED);
    w->unchanged_seen = unchanged;
    return result == MED_PPGTT_SYNC_COMPARED;
}

static uint64_t translated(const struct med_vgpu_ppgtt *s, uint64_t addr)
{
    uint64_t gpa = 0;

    assert_true(med_vgpu_ppgtt_translate(s, addr, &gpa));
    return gpa;
}

/*
 * The compare is skipped only after one that began once the client had
 * looked at every table page in the list, and only while the client
 * finds none written; a write it does not report stays unseen (a client
 * that lies keeps its own stale, validated shadow) until it does.
 */
static void test_watch_proves_a_compare_only_after_the_client_looked(void **state)
{
    struct fake_vm *vm = *state;
    struct fake_watch w = { 0 };
    struct med_vgpu_ppgtt *s = watched_chain(vm, &w, 8);

    assert_true(compared(&w, s));                   /* built, its pages listed */
    assert_int_equal(w.seq % 2, 0);
    assert_int_equal(w.count, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(w.gpas[i], gpa_of(i));
    }
    assert_true(compared(&w, s));                   /* the client has not looked */
    client_checks(&w, false);
    assert_true(compared(&w, s));                   /* began after it looked: proven */
    client_checks(&w, false);
    assert_false(compared(&w, s));
    assert_false(compared(&w, s));

    table(vm, 3)[0] = gpa_of(11) | P;               /* not reported */
    assert_false(compared(&w, s));
    assert_int_equal(translated(s, 0), gpa_of(10));
    client_checks(&w, true);
    assert_true(compared(&w, s));
    assert_int_equal(translated(s, 0), gpa_of(11));
    client_checks(&w, false);
    assert_false(compared(&w, s));
    watched_set_destroy(&w);
}

/* A table page a leaf maps (the GPU can write it, which the client's log
 * of the CPU's writes never shows): every sync compares. */
static void test_watch_never_trusts_a_table_the_gpu_reaches(void **state)
{
    struct fake_vm *vm = *state;
    struct fake_watch w = { 0 };
    struct med_vgpu_ppgtt *s = watched_chain(vm, &w, 8);

    table(vm, 3)[1] = gpa_of(3) | P | RW;           /* the PT at address 4 KiB */
    for (unsigned i = 0; i < 4; i++) {
        assert_true(compared(&w, s));
        client_checks(&w, false);
    }
    table(vm, 3)[0] = gpa_of(11) | P;               /* as a store through 4 KiB would */
    assert_true(compared(&w, s));
    assert_int_equal(translated(s, 0), gpa_of(11));
    watched_set_destroy(&w);
}

/* Two PPGTTs of four tables each, a list of four pages: listing one
 * leaves the other out, which loses its proof. */
static void test_watch_left_out_of_the_list_compares(void **state)
{
    struct fake_vm *vm = *state;
    struct fake_watch w = { 0 };
    struct med_vgpu_ppgtt *a = watched_chain(vm, &w, 4), *b;
    const char *problem = NULL;

    for (unsigned l = 4; l < 7; l++) {
        table(vm, l)[0] = gpa_of(l + 1) | P;
    }
    table(vm, 7)[0] = gpa_of(11) | P;
    assert_int_equal(med_ppgtt_set_add(w.set, gpa_of(4), &problem), 0);
    b = med_ppgtt_set_find(w.set, gpa_of(4));
    assert_true(compared(&w, a));
    client_checks(&w, false);
    assert_true(compared(&w, a));
    client_checks(&w, false);
    assert_false(compared(&w, a));                  /* proven */
    assert_true(compared(&w, b));                   /* listed instead of a's */
    assert_int_equal(w.gpas[0], gpa_of(4));
    client_checks(&w, false);
    assert_true(compared(&w, a));
    watched_set_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_leaf_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_leaves_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directories_naming_no_ram_or_huge_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shared_scratch_tables_are_shadowed_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_i915_scratch_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_limit_bounds_the_shadow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_budget_drops_the_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_applies_what_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_directory_sees_a_held_table_as_it_is_now,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_table_freed_while_read_is_not_the_guests_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_outside_ram_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_version_is_immutable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpinned_sync_writes_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages_held_until_every_reaching_pin_ends, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_destroy_while_pinned_waits_for_the_unpin, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_copy_refused_fails_the_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_table_that_maps_pages_translates, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_set_drops_unpinned_shadows_for_room, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_set_holds_thousands_of_announced_ppgtts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_watch_proves_a_compare_only_after_the_client_looked,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_never_trusts_a_table_the_gpu_reaches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_watch_left_out_of_the_list_compares, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
