/*
 * The isolation invariant checker (mediator/invariants.h) against page
 * tables built by hand: it accepts a tree whose leaves name the VM's RAM
 * or its scratch page through tables its pool handed out, and finds each
 * kind of break the invariants name (docs/security.md): a leaf outside the
 * VM (another VM's window, past its RAM, the shared scratch page), a
 * table the pool took back, a guest page used as a table, a host GGTT
 * entry of the partition outside the VM, and a word a guest command left
 * in the host pages every vGPU's work shares.  The GPU is a fake backend with
 * a GGTT array.
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

#include "gtt/ppgtt-shadow.h"
#include "mediator/invariants.h"
#include "sched/sched.h"

#define PAGE            4096ull
#define RAM_SIZE        (64 * PAGE)
#define BUS_BASE        (3ull << 40)        /* the VM's window */
#define OTHER_VM_BUS    (4ull << 40)
#define OWN_SCRATCH     (5 * PAGE)          /* in the host window, like the pool's pages */
#define GGTT_ENTRIES    1024
#define P               MED_PPGTT_PTE_PRESENT
#define RW              MED_PPGTT_PTE_RW

struct fake_gpu {
    struct pgpu base;
    uint64_t ggtt[GGTT_ENTRIES];
};

static int fake_dma_map(struct pgpu *gpu, uint64_t bus, void *host, uint64_t size)
{
    return 0;
}

static int fake_dma_unmap(struct pgpu *gpu, uint64_t bus, uint64_t size)
{
    return 0;
}

static uint64_t fake_ggtt_read(struct pgpu *gpu, uint32_t index)
{
    return ((struct fake_gpu *)gpu)->ggtt[index];
}

static const struct pgpu_ops fake_ops = {
    .dma_map = fake_dma_map, .dma_unmap = fake_dma_unmap, .ggtt_read = fake_ggtt_read,
};

struct env {
    struct fake_gpu gpu;
    struct med_host_mem *hm;
    struct med_page_pool *pool;
    struct med_vgpu_mem mem;
    struct med_isolation_scope scope;
    uint64_t *table[4];         /* PML4, PDP, PD, PT */
    uint64_t bus[4];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));

    e->gpu.base.ops = &fake_ops;
    e->hm = med_host_mem_create(&e->gpu.base, 64 * PAGE, 1ull << 30);
    e->pool = med_page_pool_create(e->hm);
    assert_non_null(e->pool);
    e->mem.ram[0] = (struct med_gpa_range){ .gpa = 0, .size = RAM_SIZE };
    e->mem.host[0] = calloc(1, RAM_SIZE);
    e->mem.ram_count = 1;
    e->mem.bus_base = BUS_BASE;
    e->mem.partition = (struct med_partition){ .aperture_base = 16 * PAGE,
                                               .aperture_size = 16 * PAGE,
                                               .hidden_base = 512 * PAGE,
                                               .hidden_size = 64 * PAGE };
    e->scope = (struct med_isolation_scope){ .mem = &e->mem, .pool = e->pool,
                                             .scratch_bus = OWN_SCRATCH, .gpu = &e->gpu.base };
    /* Address 0 -> guest page 10, through four pool pages. */
    for (unsigned l = 0; l < 4; l++) {
        e->table[l] = med_page_alloc(e->pool, &e->bus[l]);
        assert_non_null(e->table[l]);
    }
    for (unsigned l = 0; l < 3; l++) {
        e->table[l][0] = e->bus[l + 1] | P | RW;
    }
    e->table[3][0] = (BUS_BASE + 10 * PAGE) | P | RW;
    e->table[3][1] = OWN_SCRATCH | P;
    e->gpu.ggtt[16] = (BUS_BASE + 11 * PAGE) | 1;
    e->gpu.ggtt[512] = OWN_SCRATCH | 1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    for (unsigned l = 0; l < 4; l++) {
        if (med_page_pool_page(e->pool, e->bus[l])) {
            med_page_free(e->pool, e->table[l], e->bus[l]);
        }
    }
    med_page_pool_destroy(e->pool);
    med_host_mem_destroy(e->hm);
    free(e->mem.host[0]);
    free(e);
    return 0;
}

static void test_a_good_tree_passes(void **state)
{
    struct env *e = *state;

    /* i915's fill: every PML4 entry names the same PDP (walked once). */
    for (unsigned i = 1; i < 512; i++) {
        e->table[0][i] = e->bus[1] | P | RW;
        e->table[1][i] = e->bus[2] | P | RW;
        e->table[2][i] = e->bus[3] | P | RW;
    }
    assert_true(med_check_ppgtt(&e->scope, e->bus[0]));
    assert_true(med_check_ggtt(&e->scope));
}

/*
 * i915's fill: every entry of a level names the level below's one scratch
 * table (gen8_init_scratch()), so a PPGTT with one page mapped reaches 4
 * tables through 1537 directory entries.  The walk looks up each table in
 * the pool once: at every dispatch it walks every workload in flight, and
 * looking up each entry's table made it cost the entries, which under
 * IGT's many contexts starved the guest into i915's request timeouts.
 * Here the PML4's entries alternate between two PDPs (both naming the one
 * PD), so that no run of equal entries hides a second look-up: 5 tables.
 */
static void test_each_table_is_looked_up_once(void **state)
{
    struct env *e = *state;
    uint64_t second_bus, before;
    uint64_t *second_pdp = med_page_alloc(e->pool, &second_bus);

    assert_non_null(second_pdp);
    for (unsigned i = 0; i < 512; i++) {
        e->table[0][i] = (i % 2 ? second_bus : e->bus[1]) | P | RW;
        e->table[1][i] = e->bus[2] | P | RW;
        second_pdp[i] = e->bus[2] | P | RW;
        e->table[2][i] = e->bus[3] | P | RW;
    }
    before = med_page_pool_lookups(e->pool);
    assert_true(med_check_ppgtt(&e->scope, e->bus[0]));
    assert_int_equal(med_page_pool_lookups(e->pool) - before, 5);
    med_page_free(e->pool, second_pdp, second_bus);
}

/* One row per leaf that breaks the invariant. */
static const struct {
    const char *what;
    uint64_t leaf;
} bad_leaves[] = {
    { "another VM's window", OTHER_VM_BUS + 10 * PAGE },
    { "past the VM's RAM", BUS_BASE + RAM_SIZE },
    { "below the VM's window", BUS_BASE - PAGE },
    { "the scratch page every VM shares", MED_SCRATCH_BUS },
    { "a shadow table of the vGPU", 0 },     /* filled in: the PD's own page */
};

static void test_leaves_outside_the_vm_are_found(void **state)
{
    struct env *e = *state;

    for (size_t i = 0; i < sizeof(bad_leaves) / sizeof(bad_leaves[0]); i++) {
        uint64_t leaf = bad_leaves[i].leaf ? bad_leaves[i].leaf : e->bus[2];

        e->table[3][7] = leaf | P | RW;
        assert_false(med_check_ppgtt(&e->scope, e->bus[0]));
        e->table[3][7] = leaf;                  /* not present: not reachable */
        assert_true(med_check_ppgtt(&e->scope, e->bus[0]));
    }
}

static void test_a_table_the_pool_took_back_is_found(void **state)
{
    struct env *e = *state;

    med_page_free(e->pool, e->table[3], e->bus[3]);
    assert_false(med_check_ppgtt(&e->scope, e->bus[0]));
}

static void test_a_guest_page_used_as_a_table_is_found(void **state)
{
    struct env *e = *state;

    e->table[2][0] = (BUS_BASE + 12 * PAGE) | P | RW;
    assert_false(med_check_ppgtt(&e->scope, e->bus[0]));
}

static void test_ggtt_entries_outside_the_vm_are_found(void **state)
{
    struct env *e = *state;

    e->gpu.ggtt[31] = (OTHER_VM_BUS + PAGE) | 1;          /* last aperture page */
    assert_false(med_check_ggtt(&e->scope));
    e->gpu.ggtt[31] = 0;
    e->gpu.ggtt[575] = MED_SCRATCH_BUS | 1;               /* last hidden page */
    assert_false(med_check_ggtt(&e->scope));
    e->gpu.ggtt[575] = 0;
    e->gpu.ggtt[32] = (OTHER_VM_BUS + PAGE) | 1;          /* another vGPU's partition */
    assert_true(med_check_ggtt(&e->scope));
    /* i915's fill: runs of one allowed entry, judged once; a bad entry
     * inside a run, and a run of bad ones after it, are still found. */
    for (unsigned i = 16; i < 32; i++) {
        e->gpu.ggtt[i] = (BUS_BASE + 11 * PAGE) | 1;
    }
    assert_true(med_check_ggtt(&e->scope));
    e->gpu.ggtt[24] = (OTHER_VM_BUS + PAGE) | 1;
    assert_false(med_check_ggtt(&e->scope));
    for (unsigned i = 24; i < 32; i++) {
        e->gpu.ggtt[i] = (BUS_BASE + RAM_SIZE) | 1;      /* past the VM's RAM */
    }
    assert_false(med_check_ggtt(&e->scope));
}

/* The GPU writes only the context status buffer, dwords 0x10-0x1f of an
 * engine's status page (i915: I915_HWS_CSB_BUF0_INDEX to
 * I915_HWS_CSB_WRITE_INDEX), and nothing into an idle context's ring;
 * anything else is a guest's doing. */
static void test_writes_into_the_shared_host_pages_are_found(void **state)
{
    static uint32_t scratch[PAGE / 4], status[GEN9_NUM_ENGINES][PAGE / 4];
    static uint32_t idle[GEN9_NUM_ENGINES][MED_SCHED_IDLE_CONTEXT_PAGES][PAGE / 4];
    const struct med_shared_host_pages pages = {
        .scratch = scratch, .status = status, .idle_contexts = idle,
    };

    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (unsigned i = 0x10; i <= 0x1f; i++) {
            status[e][i] = 0x8000 | i;
        }
    }
    assert_true(med_check_shared_host_pages(&pages));
    scratch[1023] = 1;
    assert_false(med_check_shared_host_pages(&pages));
    scratch[1023] = 0;
    status[GEN9_NUM_ENGINES - 1][0x0f] = 1;
    assert_false(med_check_shared_host_pages(&pages));
    status[GEN9_NUM_ENGINES - 1][0x0f] = 0;
    status[0][0x20] = 1;
    assert_false(med_check_shared_host_pages(&pages));
    status[0][0x20] = 0;
    status[1][4] = 0x40;          /* where MI_REPORT_HEAD writes */
    assert_false(med_check_shared_host_pages(&pages));
    status[1][4] = 0;
    idle[GEN9_NUM_ENGINES - 1][0][5] = 0x40;     /* the image holds what the mechanism wrote */
    assert_true(med_check_shared_host_pages(&pages));
    idle[GEN9_NUM_ENGINES - 1][MED_SCHED_IDLE_CONTEXT_PAGES - 1][1023] = 1;    /* a command there */
    assert_false(med_check_shared_host_pages(&pages));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_good_tree_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_table_is_looked_up_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaves_outside_the_vm_are_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_table_the_pool_took_back_is_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_guest_page_used_as_a_table_is_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ggtt_entries_outside_the_vm_are_found, setup,
                                        teardown),
        cmocka_unit_test(test_writes_into_the_shared_host_pages_are_found),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
