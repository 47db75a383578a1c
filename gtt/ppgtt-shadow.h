/*
 * ppgtt-shadow.h - the mediator's shadow of one guest PPGTT: the guest's
 * 4-level page tables (PML4 -> PDP -> PD -> PT, 4 KiB pages, i915's layout
 * on Skylake) mirrored into host tables that hold only validated bus
 * addresses.  The GPU walks the shadow, never the guest's tables.
 *
 * Validation: a directory entry must name a page of the VM's memory (else
 * the shadow entry is not present, counted); a leaf entry must name a page
 * of the VM's memory (else it maps the vGPU's own scratch page, counted).  Valid
 * entries become bus_base + gpa.  2 MiB / 1 GiB / 64 KiB pages are not
 * supported (the vGPU does not offer VGT_CAPS_HUGE_GTT): an entry asking
 * for one counts as invalid.
 *
 * Sharing: a guest table page referenced from several entries (i915's
 * scratch PDP/PD/PT fill every unused range) is shadowed once per level,
 * found by (guest address, level) and reference counted, so the shadow
 * grows with the distinct tables, never with the entries pointing at them;
 * max_tables bounds it against a hostile guest.
 *
 * Building is lazy: create() only checks the root; the first sync builds
 * the tables, so a PPGTT the guest announces costs nothing until a
 * workload uses it (docs/security.md, "mediator work").
 *
 * Coherence (docs/architecture.md, decision 3): re-validation at use.
 * Each shadow table keeps the guest entries it was built from;
 * med_vgpu_ppgtt_sync() compares every guest table page against that
 * copy and applies the entries that changed.  The caller syncs before each
 * workload that uses the PPGTT is scanned, unless the client's watch
 * proves the tables unwritten since the last sync (ppgtt-set.h).  The guest
 * may change its tables while a sync reads them: bad entries of a table
 * whose directory entry moved on meanwhile are not counted, and the sync
 * goes again (docs/architecture.md, decision 3).
 *
 * Immutability under the GPU (docs/security.md, invariant 1): a workload
 * pins the shadow as it was when the workload was scanned
 * (med_vgpu_ppgtt_pin) and unpins it once the GPU can no longer walk
 * it (the workload completed: its engine switched away from the context,
 * which drops the engine's cached translations, pgpu.h).  A shadow page a
 * pinned version can reach is never written: a sync that changes it
 * copies it first (copy-on-write, up to the root, so the next workload
 * gets a new root), and a page that leaves the tree goes back to the
 * owner's pool only when no pin that could reach it is left.  So the
 * scanner's verdict holds for the whole run of the workload: every access
 * lands where the guest's tables said when it was scanned.
 *
 * Guest memory is read through mem_ops.guest_page, which checks that a
 * page belongs to the VM; guest memory is written concurrently by an
 * untrusted guest, so each table page is snapshotted once per build or
 * sync and only the snapshot is used.
 *
 * Not thread-safe: the mediator's event loop owns a shadow.  The GPU may
 * walk pinned versions concurrently (see above); a table page is only
 * freed to its owner's pool (mem_ops.table_free), never to another VM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GTT_PPGTT_SHADOW_H
#define GPUMED_GTT_PPGTT_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "gtt/ggtt-shadow.h"

#define MED_PPGTT_LEVELS            4
#define MED_PPGTT_ENTRIES           512
#define MED_PPGTT_PTE_PRESENT       1ull
#define MED_PPGTT_PTE_RW            2ull
#define MED_PPGTT_PTE_HUGE          (1ull << 7)     /* PS in a PDE/PDPE */
#define MED_PPGTT_PTE_IPS           (1ull << 11)    /* 64 KiB pages in a PDE */
#define MED_PPGTT_PTE_ADDR_MASK     0x00003ffffffff000ull
#define MED_PPGTT_TABLES_DEFAULT    8192    /* 16 GiB of 4 KiB mappings */

struct vgpu_ppgtt_mem_ops {
    /* The host view of guest page @gpa (page aligned), or NULL when the
     * page is not the VM's memory. */
    const void *(*guest_page)(void *opaque, uint64_t gpa);
    /* A zeroed page the GPU can reach at *@bus, or NULL (the owner's
     * budget is spent: the entry naming the table is dropped, counted as
     * a limit hit). */
    void *(*table_alloc)(void *opaque, uint64_t *bus);
    void (*table_free)(void *opaque, void *page, uint64_t bus);
};

struct med_vgpu_ppgtt_config {
    const struct vgpu_ppgtt_mem_ops *ops;
    void *opaque;
    uint64_t root_gpa;          /* the guest's PML4 page */
    uint64_t bus_base;          /* the VM's bus window: leaf = bus_base + gpa */
    /* The VM's RAM, as guest_page answers it: a leaf maps the VM's memory
     * only at bus_base + a page of these (checked on every translation). */
    struct med_gpa_range ram[MED_RAM_RANGES_MAX];
    unsigned ram_count;
    uint64_t scratch_bus;       /* where invalid leaf entries point: the vGPU's
                                 * own scratch page, outside its bus window */
    unsigned max_tables;        /* 0: MED_PPGTT_TABLES_DEFAULT */
    struct med_gpu_reach *reach;    /* marks each page a leaf maps; NULL: none */
};

/* Never reset. */
struct med_vgpu_ppgtt_stats {
    uint64_t tables;            /* shadow tables now */
    uint64_t leaves_mapped;     /* valid leaf entries written */
    uint64_t bad_entries;       /* entries naming no VM memory or a huge page */
    uint64_t table_limit_hits;  /* directory entries dropped at max_tables or
                                 * when table_alloc refused */
    uint64_t syncs;
    uint64_t tables_compared;
    uint64_t tables_changed;    /* found different from their copy by a sync */
    uint64_t last_bad_entry;    /* an example, for log lines */
    uint64_t copies;            /* pages copied because a pinned version could reach them */
    uint64_t deferred_pages;    /* pages out of the tree, held for pinned versions, now */
    uint64_t pins;              /* workloads holding a version, now */
};

struct med_vgpu_ppgtt;

/*
 * Shadow the PPGTT rooted at config->root_gpa (built by the first sync).
 * NULL with errno EINVAL (the root is not a page of the VM's memory) or
 * ENOMEM.
 */
struct med_vgpu_ppgtt *med_vgpu_ppgtt_create(const struct med_vgpu_ppgtt_config *config);
/* NULL is ignored.  With pins outstanding the shadow is freed at the last
 * unpin (the caller forgets it now); every table page goes back through
 * table_free. */
void med_vgpu_ppgtt_destroy(struct med_vgpu_ppgtt *shadow);

/* Bring the shadow up to date with the guest's tables (building it the
 * first time): 0, with *@changed the number of tables found changed, or
 * -ENOMEM when a page the update needed could not be had (the table limit,
 * the owner's budget): the entries it could not apply are left as they
 * were (a directory entry not present) and the next sync tries them
 * again; no workload may use the shadow in between. */
int med_vgpu_ppgtt_sync(struct med_vgpu_ppgtt *shadow, uint64_t *changed);

/* The guest pages of the shadow's tables, up to @max of them into @gpas
 * (a page shadowed at two levels once per level): how many there are. */
unsigned med_vgpu_ppgtt_table_gpas(const struct med_vgpu_ppgtt *shadow, uint64_t *gpas,
                                   unsigned max);
/* Moves on whenever a table joins or leaves the shadow. */
uint64_t med_vgpu_ppgtt_layout(const struct med_vgpu_ppgtt *shadow);

/* Free every table of a shadow no workload has pinned: the next sync
 * builds it again (the owner makes room for another PPGTT). */
void med_vgpu_ppgtt_drop(struct med_vgpu_ppgtt *shadow);

/* The shadow as it is now will be walked by the GPU until the matching
 * unpin: returns the pin's token.  Only after a successful sync. */
uint64_t med_vgpu_ppgtt_pin(struct med_vgpu_ppgtt *shadow);
/* The GPU can no longer walk the version @token pinned (and, if destroy
 * was called and this was the last pin, the shadow is freed). */
void med_vgpu_ppgtt_unpin(struct med_vgpu_ppgtt *shadow, uint64_t token);

uint64_t med_vgpu_ppgtt_root_gpa(const struct med_vgpu_ppgtt *shadow);
/* The bus address of the shadow PML4: what the shadow context's PDP0 holds
 * (it changes when a sync copies the root for a pinned version). */
uint64_t med_vgpu_ppgtt_root_bus(const struct med_vgpu_ppgtt *shadow);

/* The guest-physical page @gma maps to in the shadow, if its leaf is
 * present, its bus address lies in the VM's bus window and names guest
 * RAM (config.ram: never the scratch page, whatever the shadow page
 * holds), and it is reached through no fill table: the scanner fetches
 * batches through this.  A fill table is one whose 512 entries are all
 * the same: i915 points every unused entry at one scratch PDP, PD and
 * PT, each filled with the next, the PT with its scratch page, so an
 * address under a fill is one i915 left unbound, where no batch lies (a
 * start there is refused).  A table several entries share but that maps
 * different pages is a legitimate mapping and translates. */
bool med_vgpu_ppgtt_translate(const struct med_vgpu_ppgtt *shadow, uint64_t gma,
                              uint64_t *gpa);

/* Does every page of [@gma, @gma + @len) map the VM's RAM (@len > 0, the
 * range below 2^48), as translate() asks but through fill tables too: a
 * command's data access under i915's scratch fill reaches the page the
 * fill's leaves name, i915's scratch page, as on the hardware (a leaf of
 * a fill naming no guest RAM maps the vGPU's scratch page and is
 * refused like any other).  One table walk per 2 MiB: a blit's surface
 * costs its leaf entries, not a walk per page. */
bool med_vgpu_ppgtt_range_mapped(const struct med_vgpu_ppgtt *shadow, uint64_t gma,
                                 uint64_t len);

const struct med_vgpu_ppgtt_stats *
med_vgpu_ppgtt_stats(const struct med_vgpu_ppgtt *shadow);

#endif /* GPUMED_GTT_PPGTT_SHADOW_H */
