/*
 * guest-driver.h - a host-side stand-in for QEMU plus the guest's i915:
 * it hands the mediator a memfd as guest RAM, creates a vGPU, writes the
 * guest's GGTT entries into the shared table (as the vgpu front end
 * does), builds 4-level page tables, logical ring contexts, rings and
 * batches in guest memory the way i915 lays them out, submits ELSP
 * elements and waits for COMPLETE.  The protocol test and the mediated
 * benchmark drive the mediator with it, so that guest emulation speed
 * does not blur what is measured.
 *
 * Its memory layout is simple: guest pages are handed out from the bottom
 * of guest RAM, graphics addresses from the bottom of the vGPU's hidden
 * block.  It trusts the mediator; a failure is returned as -errno (or
 * NULL) and the test decides.
 *
 * It watches the page-table pages the mediator lists
 * (wire_client_watch_tables(), docs/protocol.md "Watched tables") with a
 * stand-in for QEMU's dirty log: the pages its own functions write.  A
 * test that writes a table page through a bo's mapping writes past it,
 * as no guest can past QEMU's log.
 *
 * One thread uses one guest_vm.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_TOOLS_GUEST_DRIVER_H
#define GPUMED_MEDIATOR_TOOLS_GUEST_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/client.h"
#include "pgpu/pgpu.h"

#define GUEST_RING_SIZE     (64u * 1024)

struct guest_vm;
struct guest_ppgtt;
struct guest_ctx;

/* Guest memory: GGTT-bound when @gma != 0, PPGTT-bound in whatever PPGTTs
 * it was mapped into. */
struct guest_bo {
    uint64_t gpa;
    uint64_t size;
    void *map;                  /* the client's view */
    uint64_t gma;               /* GGTT address, 0 if not bound */
};

/* Connect to @socket_path as VM @name with @ram_size bytes of guest RAM
 * and create a vGPU of @type. */
struct guest_vm *guest_vm_create(const char *socket_path, const char *name,
                                 uint64_t ram_size, const char *type);
/* The same with the reserved vGPU @vgpu_name (gpumedctl create). */
struct guest_vm *guest_vm_attach(const char *socket_path, const char *name,
                                 uint64_t ram_size, const char *vgpu_name);
void guest_vm_destroy(struct guest_vm *vm);
const struct wire_client_vgpu *guest_vm_vgpu(const struct guest_vm *vm);
/* Its connection, for tests that break the protocol on purpose. */
struct wire_client *guest_vm_client(const struct guest_vm *vm);
/* Run @fn once inside the client's next look at the watched tables, after
 * the dirty log answered and before the SUBMIT goes: what i915 does on
 * another vCPU while QEMU handles this one's ELSP write (queue its next
 * request: bind, write the ring, publish the tail).  Only a client the
 * mediator has listed tables for looks. */
void guest_vm_during_next_look(struct guest_vm *vm, void (*fn)(void *opaque), void *opaque);

/* Zeroed guest pages; bound in the GGTT if @ggtt.  NULL when guest RAM or
 * the partition is used up. */
struct guest_bo *guest_bo_new(struct guest_vm *vm, uint64_t size, bool ggtt);
/* Write GGTT entry @gma's PTE as the guest would (any value: hostile tests). */
void guest_ggtt_set(struct guest_vm *vm, uint64_t gma, uint64_t pte);

/* A PPGTT (PML4 in guest RAM), announced with PPGTT_NOTIFY create. */
struct guest_ppgtt *guest_ppgtt_new(struct guest_vm *vm);
int guest_ppgtt_map(struct guest_ppgtt *ppgtt, const struct guest_bo *bo, uint64_t addr);
/* Write the leaf entry of PPGTT address @addr (tables created on the way). */
int guest_ppgtt_set_pte(struct guest_ppgtt *ppgtt, uint64_t addr, uint64_t pte);
/* Write the entry of @addr in its table of @level (1: the leaf, 4: the
 * PML4; tables above created on the way): any value, a directory entry
 * naming a table the test filled itself included. */
int guest_ppgtt_set_entry(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level,
                          uint64_t value);
uint64_t guest_ppgtt_root(const struct guest_ppgtt *ppgtt);
/* PPGTT_NOTIFY @op of its root again, as a guest may at any time. */
int guest_ppgtt_announce(struct guest_ppgtt *ppgtt, enum wire_ppgtt_op op);
/* Point the entry for @addr in the table of @level (4: the PML4, 2: a
 * page directory) at a new, empty table, as a guest that drops a page
 * table subtree and builds another does. */
int guest_ppgtt_replace_table(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level);
/* The guest page of the table of @level holding the entry of @addr
 * (tables created on the way); 0 without memory. */
uint64_t guest_ppgtt_table_gpa(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level);

/* Map @page at @addr and every 2 MiB after it, @count times: a page table
 * each (each maps one page, so no two look alike), as a hostile guest
 * grows a tree to what the mediator must shadow. */
int guest_ppgtt_grow(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned count,
                     const struct guest_bo *page);

/* A context on @engine in @ppgtt: image and ring in the GGTT, i915-style. */
struct guest_ctx *guest_ctx_new(struct guest_vm *vm, enum gen9_engine engine,
                                struct guest_ppgtt *ppgtt);
/* Append to the ring (waits for completions when the ring is full). */
int guest_ctx_emit(struct guest_ctx *ctx, const uint32_t *dw, unsigned count);
/* Append without waiting for room, over what the GPU may not have run yet,
 * as a hostile guest may. */
int guest_ctx_emit_over(struct guest_ctx *ctx, const uint32_t *dw, unsigned count);
int guest_ctx_emit_batch(struct guest_ctx *ctx, uint64_t addr, bool ppgtt);
/* A seqno write into the context's PPHWSP and MI_USER_INTERRUPT; the seqno. */
int guest_ctx_emit_breadcrumb(struct guest_ctx *ctx, uint32_t *seqno);
uint32_t guest_ctx_seqno(const struct guest_ctx *ctx);
/* Its context image's register state page, as the guest may write it. */
uint32_t *guest_ctx_image(const struct guest_ctx *ctx);
/* The ELSP descriptor its elements are submitted with. */
uint64_t guest_ctx_desc(const struct guest_ctx *ctx);
/* Publish the tail in the image and send the ELSP element (its tail read
 * back from the image, as vgpu-pci samples it at the ELSP write). */
int guest_ctx_submit(struct guest_ctx *ctx);
/* Only publish the tail in the image, as i915 does just before its next
 * ELSP write (execlists_update_context()). */
void guest_ctx_publish_tail(struct guest_ctx *ctx);
/* Submit two contexts of one engine as one ELSP write. */
int guest_ctx_submit_pair(struct guest_ctx *first, struct guest_ctx *second);

/* Wait until every element of @ctx submitted so far has its COMPLETE;
 * returns 0 if all were done, -EIO if one was rejected (hang), -ETIMEDOUT. */
int guest_ctx_wait(struct guest_ctx *ctx, unsigned timeout_ms);
/* i915's recovery after a hang: RESET_ENGINES for the context's engine and
 * an empty ring (HEAD = TAIL in the image).  Does not wait for the
 * mediator (QEMU does not): completions of the work before it are dropped. */
int guest_ctx_recover(struct guest_ctx *ctx);
/* Wait until the mediator has handled every message this VM sent so far:
 * an element of @ctx with nothing new to run, whose COMPLETE comes after
 * them (messages are handled in order); @ctx's engine should be idle.
 * 0, -EIO or -ETIMEDOUT as guest_ctx_wait(). */
int guest_ctx_barrier(struct guest_ctx *ctx, unsigned timeout_ms);

/* COMPLETE messages seen, by event. */
struct guest_events {
    uint64_t done, rejected, other;
    uint64_t user_interrupts;   /* completions that carried one */
    uint64_t engine_errors;     /* rejections that carried the GPU's error (it stopped them) */
    uint32_t last_engine_error; /* ... the last one's RING_EIR */
};
const struct guest_events *guest_vm_events(const struct guest_vm *vm);

#endif /* GPUMED_MEDIATOR_TOOLS_GUEST_DRIVER_H */
