/*
 * bench-ppgtt-coherence.c - the two ways of keeping a shadow PPGTT coherent
 * with the guest's tables (docs/architecture.md, decision 3), measured
 * side by side:
 *
 *  - re-validation at submission (chosen): vgpu_ppgtt_shadow_sync()
 *    compares every guest table page with the copy the shadow was built
 *    from, for PPGTTs as i915 builds them (4 levels, every PTE of the
 *    mapped range present) mapping 64 MiB, 1 GiB and 4 GiB;
 *  - write protection: each guest table page written since the last
 *    submission costs one write fault (SIGSEGV here, the cheapest a
 *    process can see one; a userfaultfd or hypervisor trap is dearer) and
 *    one re-protection (mprotect) at the next submission.  Measured in
 *    this process on its own mapping, a lower bound: the mediator cannot
 *    protect QEMU's mapping of guest RAM at all (see the decision).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/pgpu/bench-common.h"
#include "gtt/ppgtt-shadow.h"

#define PAGE        4096ull
#define RUNS        15
#define WP_WRITES   20000
#define RAM_BASE    (1ull << 20)

struct fake_ram {
    uint8_t *ram;
    uint64_t size, next;
};

static const void *guest_page(void *opaque, uint64_t gpa)
{
    const struct fake_ram *r = opaque;

    return gpa >= RAM_BASE && gpa - RAM_BASE < r->size ? r->ram + (gpa - RAM_BASE) : NULL;
}

static void *table_alloc(void *opaque, uint64_t *bus)
{
    static uint64_t next_bus = 1ull << 30;

    *bus = next_bus += PAGE;
    return calloc(1, PAGE);
}

static void table_free(void *opaque, void *page, uint64_t bus)
{
    free(page);
}

static const struct vgpu_ppgtt_mem_ops ops = {
    .guest_page = guest_page, .table_alloc = table_alloc, .table_free = table_free,
};

static uint64_t page_alloc(struct fake_ram *r)
{
    uint64_t gpa = RAM_BASE + r->next;

    r->next += PAGE;
    return gpa;
}

static uint64_t *table_at(struct fake_ram *r, uint64_t gpa)
{
    return (uint64_t *)(r->ram + (gpa - RAM_BASE));
}

/* i915's layout: every PTE of [0, @bytes) present, pointing at data pages. */
static uint64_t build_ppgtt(struct fake_ram *r, uint64_t bytes)
{
    uint64_t pml4 = page_alloc(r), data = page_alloc(r);

    for (uint64_t va = 0; va < bytes; va += PAGE) {
        uint64_t *t = table_at(r, pml4);

        for (unsigned shift = 39; shift > 12; shift -= 9) {
            uint64_t *e = &t[(va >> shift) & 511];

            if (!(*e & 1)) {
                *e = page_alloc(r) | 3;
            }
            t = table_at(r, *e & MED_PPGTT_PTE_ADDR_MASK);
        }
        t[(va >> 12) & 511] = data | 3;
    }
    return pml4;
}

static void revalidation(uint64_t bytes, const char *name)
{
    struct fake_ram r = { .size = (bytes / (512 * PAGE) + 64) * PAGE };
    struct vgpu_ppgtt_shadow *s;
    uint64_t best = UINT64_MAX, best_changed = UINT64_MAX, pml4, tables;

    r.ram = calloc(1, r.size);
    if (!r.ram) {
        bench_die("allocating guest RAM");
    }
    pml4 = build_ppgtt(&r, bytes);
    s = vgpu_ppgtt_shadow_create(&(struct vgpu_ppgtt_shadow_config) {
        .ops = &ops, .opaque = &r, .root_gpa = pml4, .bus_base = 1ull << 40,
        .scratch_bus = 0,
    });
    if (!s || vgpu_ppgtt_shadow_sync(s, NULL)) {
        bench_die("shadowing");
    }
    tables = vgpu_ppgtt_shadow_stats(s)->tables;
    for (unsigned i = 0; i < RUNS; i++) {
        uint64_t t0 = bench_now_ns(), t1;
        uint64_t *last_pt;

        vgpu_ppgtt_shadow_sync(s, NULL);
        t1 = bench_now_ns();
        best = t1 - t0 < best ? t1 - t0 : best;
        /* One PTE rewritten, as a bind between two submissions does. */
        last_pt = table_at(&r, RAM_BASE + r.next - PAGE);
        last_pt[i] ^= 1;
        t0 = bench_now_ns();
        vgpu_ppgtt_shadow_sync(s, NULL);
        t1 = bench_now_ns();
        best_changed = t1 - t0 < best_changed ? t1 - t0 : best_changed;
    }
    printf("BENCH ppgtt-revalidate-%s %.1f us\n", name, best / 1e3);
    printf("BENCH ppgtt-revalidate-%s-one-change %.1f us\n", name, best_changed / 1e3);
    printf("BENCH ppgtt-revalidate-%s-tables %llu tables\n", name, (unsigned long long)tables);
    printf("BENCH ppgtt-revalidate-per-table-%s %.0f ns\n", name, (double)best / tables);
    vgpu_ppgtt_shadow_destroy(s);
    free(r.ram);
}

/* ---- write protection ---- */

static uint8_t *protected_page;
static volatile uint64_t faults;

static void on_write_fault(int sig, siginfo_t *info, void *uc)
{
    uint8_t *addr = info->si_addr;

    if (addr < protected_page || addr >= protected_page + PAGE) {
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    faults++;           /* a real tracker would mark the table dirty here */
    mprotect(protected_page, PAGE, PROT_READ | PROT_WRITE);
}

static void write_protection(void)
{
    struct sigaction sa = { .sa_sigaction = on_write_fault, .sa_flags = SA_SIGINFO };
    volatile uint64_t *entry;
    uint64_t t0, trapped, plain, rearm = 0;

    protected_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (protected_page == MAP_FAILED || sigaction(SIGSEGV, &sa, NULL)) {
        bench_die("setting up write protection");
    }
    entry = (volatile uint64_t *)protected_page;
    t0 = bench_now_ns();
    for (unsigned i = 0; i < WP_WRITES; i++) {
        entry[i % 512] = i;
    }
    plain = bench_now_ns() - t0;
    t0 = bench_now_ns();
    for (unsigned i = 0; i < WP_WRITES; i++) {
        uint64_t r0 = bench_now_ns();

        mprotect(protected_page, PAGE, PROT_READ);      /* re-armed at a submission */
        rearm += bench_now_ns() - r0;
        entry[i % 512] = i;                              /* the guest's next PTE write */
    }
    trapped = bench_now_ns() - t0 - rearm;
    if (faults != WP_WRITES) {
        bench_die("counting write faults");
    }
    signal(SIGSEGV, SIG_DFL);
    munmap(protected_page, PAGE);
    printf("BENCH ppgtt-wp-fault-per-page %.0f ns\n", (double)trapped / WP_WRITES);
    printf("BENCH ppgtt-wp-rearm-per-page %.0f ns\n", (double)rearm / WP_WRITES);
    printf("BENCH ppgtt-plain-pte-write %.1f ns\n", (double)plain / WP_WRITES);
}

int main(void)
{
    revalidation(64ull << 20, "64mib");
    revalidation(1ull << 30, "1gib");
    revalidation(4ull << 30, "4gib");
    write_protection();
    return 0;
}
