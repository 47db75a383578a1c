/*
 * guest-ram.h - how a VM's RAM comes into the mediator: one interface, two
 * backends.  Under KVM/TCG the client hands over the memfd backing guest
 * RAM (ADD_MEMORY) and the mediator maps the file; under Xen guest RAM is
 * the domain's, and the mediator maps it with libxenforeignmemory by domain
 * id and guest frame numbers (ADD_MEMORY_XEN).  Either way the result is a
 * host mapping of one guest RAM range, which guest-mem.h bounds and the GPU
 * reaches through dma_map.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_GUEST_RAM_H
#define GPUMED_MEDIATOR_GUEST_RAM_H

#include <stdint.h>

/* Where one range of guest RAM is (what the client's message says). */
struct med_ram_source {
    int fd;                     /* memfd: the file backing guest RAM */
    uint64_t fd_offset;         /* memfd: where the range starts in it */
    uint32_t domid;             /* xen: the HVM guest's domain */
};

/* One mapped range; @handle is the backend's. */
struct med_ram_map {
    void *host;
    uint64_t size;
    void *handle;
};

struct med_ram_backend {
    const char *name;           /* names the backend in log lines */
    /*
     * Map guest RAM [gpa, gpa + size) (page aligned, size > 0) read-write
     * into *@map.  Returns 0, or a negative errno and *@problem (a static
     * sentence for the log and the client).
     */
    int (*map)(const struct med_ram_source *src, uint64_t gpa, uint64_t size,
               struct med_ram_map *map, const char **problem);
    void (*unmap)(struct med_ram_map *map);
};

extern const struct med_ram_backend med_ram_memfd;
/* Without libxenforeignmemory at build time its map fails with -ENOSYS. */
extern const struct med_ram_backend med_ram_xen;

#endif /* GPUMED_MEDIATOR_GUEST_RAM_H */
