/*
 * guest-mem.h - the mediator's bounded view of one VM's memory: guest RAM
 * (the ranges its client handed over, mapped here) and the guest's GGTT
 * (the shared table its QEMU writes), restricted to the vGPU's partition.
 *
 * Every access the workload path makes to guest memory goes through these
 * functions, which check that each byte lies in guest RAM and, for
 * graphics addresses, that each page lies in the partition and its guest
 * entry is present and names guest RAM.  The guest writes this memory
 * concurrently: callers copy what they use and use only the copy.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_GUEST_MEM_H
#define GPUMED_MEDIATOR_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "gtt/ggtt-shadow.h"
#include "gtt/partition.h"

struct med_vgpu_mem {
    struct med_gpa_range ram[MED_RAM_RANGES_MAX];
    uint8_t *host[MED_RAM_RANGES_MAX];      /* ram[i] is mapped here */
    unsigned ram_count;
    uint64_t bus_base;                      /* the VM's bus window */
    struct med_partition partition;
    const uint64_t *guest_ptes;             /* the shared GGTT table */
};

/* The host address of [gpa, gpa + len) if it lies in one range of guest
 * RAM (len > 0), else NULL. */
uint8_t *med_vgpu_gpa_to_host(const struct med_vgpu_mem *mem, uint64_t gpa, uint64_t len);

/* Whether every byte of [gma, gma + len) is in the partition. */
bool med_vgpu_gma_in_partition(const struct med_vgpu_mem *mem, uint64_t gma, uint64_t len);

/* The guest page GGTT address @gma (in the partition, present, naming
 * guest RAM) maps, as a host pointer to that page; NULL otherwise. */
uint8_t *med_vgpu_ggtt_page(const struct med_vgpu_mem *mem, uint64_t gma);

/*
 * Copy up to @len bytes at GGTT address @gma into @dst, page by page,
 * stopping at the first page that is not valid (above).  Returns the bytes
 * copied.
 */
uint64_t med_vgpu_ggtt_copy(const struct med_vgpu_mem *mem, uint64_t gma, void *dst, uint64_t len);

#endif /* GPUMED_MEDIATOR_GUEST_MEM_H */
