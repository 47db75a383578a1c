/*
 * bench-ppgtt-coherence.c - the two ways of keeping a shadow PPGTT coherent
 * with the guest's tables (docs/architecture.md, decision 3), measured
 * side by side:
 *
 *  - re-validation at submission (chosen): med_vgpu_ppgtt_sync()
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
 * Both sides the same way (bench/bench-stats.h): set up outside the clock,
 * OPS untimed operations to warm up, then RUNS runs, interleaved, each
 * the mean of OPS operations (a sync; a fault and a re-arm).
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

#include "bench/bench-stats.h"
#include "bench/pgpu/bench-common.h"
#include "gtt/ppgtt-shadow.h"

#define PAGE        4096ull
#define RUNS        15
#define OPS         20          /* per run, either side */
#define PLAIN_WRITES 20000      /* per run of the unprotected reference */
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

struct revalidation {
    const char *name;
    uint64_t bytes;
    struct fake_ram ram;
    struct med_vgpu_ppgtt *shadow;
    uint64_t tables;
    double sync_ns[RUNS], changed_ns[RUNS];
};

static void revalidation_setup(struct revalidation *v)
{
    uint64_t pml4;

    v->ram = (struct fake_ram){ .size = (v->bytes / (512 * PAGE) + 64) * PAGE };
    v->ram.ram = calloc(1, v->ram.size);
    if (!v->ram.ram) {
        bench_die("allocating guest RAM");
    }
    pml4 = build_ppgtt(&v->ram, v->bytes);
    v->shadow = med_vgpu_ppgtt_create(&(struct med_vgpu_ppgtt_config) {
        .ops = &ops, .opaque = &v->ram, .root_gpa = pml4, .bus_base = 1ull << 40,
        .scratch_bus = 0,
    });
    if (!v->shadow || med_vgpu_ppgtt_sync(v->shadow, NULL)) {
        bench_die("shadowing");
    }
    v->tables = med_vgpu_ppgtt_stats(v->shadow)->tables;
}

/* Mean ns of OPS syncs, each after one PTE rewritten if @change (as a bind
 * between two submissions does; the rewrite is not timed). */
static double revalidation_run(struct revalidation *v, bool change)
{
    uint64_t *last_pt = table_at(&v->ram, RAM_BASE + v->ram.next - PAGE);
    uint64_t total = 0;

    for (unsigned i = 0; i < OPS; i++) {
        uint64_t t0;

        if (change) {
            last_pt[i] ^= 1;
        }
        t0 = bench_now_ns();
        med_vgpu_ppgtt_sync(v->shadow, NULL);
        total += bench_now_ns() - t0;
    }
    return (double)total / OPS;
}

static void revalidation_report(struct revalidation *v)
{
    struct bench_stat sync = bench_stat_of(v->sync_ns, RUNS);
    char name[64];

    snprintf(name, sizeof(name), "ppgtt-revalidate-%s", v->name);
    bench_print_stat(name, "us", 1, bench_stat_scaled(sync, 1e-3));
    snprintf(name, sizeof(name), "ppgtt-revalidate-%s-one-change", v->name);
    bench_print_stat(name, "us", 1, bench_stat_scaled(bench_stat_of(v->changed_ns, RUNS), 1e-3));
    printf("BENCH ppgtt-revalidate-%s-tables %llu tables\n", v->name,
           (unsigned long long)v->tables);
    snprintf(name, sizeof(name), "ppgtt-revalidate-per-table-%s", v->name);
    bench_print_stat(name, "ns", 0, bench_stat_scaled(sync, 1.0 / v->tables));
}

static void revalidation_teardown(struct revalidation *v)
{
    med_vgpu_ppgtt_destroy(v->shadow);
    free(v->ram.ram);
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

static void write_protection_setup(void)
{
    struct sigaction sa = { .sa_sigaction = on_write_fault, .sa_flags = SA_SIGINFO };

    protected_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (protected_page == MAP_FAILED || sigaction(SIGSEGV, &sa, NULL)) {
        bench_die("setting up write protection");
    }
}

/* Mean ns of OPS re-arms (@rearm_ns) and of the write faults after them. */
static double write_protection_run(double *rearm_ns)
{
    volatile uint64_t *entry = (volatile uint64_t *)protected_page;
    uint64_t rearm = 0, fault = 0, before = faults;

    for (unsigned i = 0; i < OPS; i++) {
        uint64_t t0 = bench_now_ns(), t1;

        mprotect(protected_page, PAGE, PROT_READ);      /* re-armed at a submission */
        t1 = bench_now_ns();
        entry[i % 512] = i;                              /* the guest's next PTE write */
        fault += bench_now_ns() - t1;
        rearm += t1 - t0;
    }
    if (faults - before != OPS) {
        bench_die("counting write faults");
    }
    *rearm_ns = (double)rearm / OPS;
    return (double)fault / OPS;
}

/* Mean ns of PLAIN_WRITES writes to the page unprotected: the reference. */
static double plain_write_run(void)
{
    volatile uint64_t *entry = (volatile uint64_t *)protected_page;
    uint64_t t0 = bench_now_ns();

    for (unsigned i = 0; i < PLAIN_WRITES; i++) {
        entry[i % 512] = i;
    }
    return (double)(bench_now_ns() - t0) / PLAIN_WRITES;
}

int main(void)
{
    struct revalidation sizes[] = {
        { .name = "64mib", .bytes = 64ull << 20 },
        { .name = "1gib", .bytes = 1ull << 30 },
        { .name = "4gib", .bytes = 4ull << 30 },
    };
    const unsigned count = sizeof(sizes) / sizeof(sizes[0]);
    double fault_ns[RUNS], rearm_ns[RUNS], plain_ns[RUNS], unused;
    struct bench_stat fault, rearm;

    for (unsigned k = 0; k < count; k++) {
        revalidation_setup(&sizes[k]);
        revalidation_run(&sizes[k], false);             /* warm-up */
    }
    write_protection_setup();
    write_protection_run(&unused);                      /* warm-up */
    for (unsigned r = 0; r < RUNS; r++) {
        for (unsigned k = 0; k < count; k++) {
            sizes[k].sync_ns[r] = revalidation_run(&sizes[k], false);
            sizes[k].changed_ns[r] = revalidation_run(&sizes[k], true);
        }
        fault_ns[r] = write_protection_run(&rearm_ns[r]);
        plain_ns[r] = plain_write_run();
    }
    for (unsigned k = 0; k < count; k++) {
        revalidation_report(&sizes[k]);
    }
    fault = bench_stat_of(fault_ns, RUNS);
    rearm = bench_stat_of(rearm_ns, RUNS);
    bench_print_stat("ppgtt-wp-fault-per-page", "ns", 0, fault);
    bench_print_stat("ppgtt-wp-rearm-per-page", "ns", 0, rearm);
    bench_print_stat("ppgtt-plain-pte-write", "ns", 1, bench_stat_of(plain_ns, RUNS));
    /* what the decision compares: one page written ÷ one table re-validated */
    for (unsigned k = 0; k < count; k++) {
        double per_table = bench_stat_of(sizes[k].sync_ns, RUNS).median / sizes[k].tables;

        printf("BENCH ppgtt-wp-page-vs-revalidate-table-%s %.0f ratio\n", sizes[k].name,
               (fault.median + rearm.median) / per_table);
    }
    signal(SIGSEGV, SIG_DFL);
    munmap(protected_page, PAGE);
    for (unsigned k = 0; k < count; k++) {
        revalidation_teardown(&sizes[k]);
    }
    return 0;
}
