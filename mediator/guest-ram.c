/*
 * guest-ram.c - the two guest RAM backends (see guest-ram.h): a shared
 * memfd, and a Xen domain's memory through libxenforeignmemory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/guest-ram.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifdef GPUMED_HAVE_XEN
#include <xenforeignmemory.h>
#endif

#include "wire/protocol.h"

/* ---- memfd (KVM, TCG) ---- */

/* Why the memfd cannot back this range, or NULL. */
static const char *memfd_problem(const struct med_ram_source *src, uint64_t size)
{
    struct stat st;
    int seals;

    if (fstat(src->fd, &st) || !S_ISREG(st.st_mode)) {
        return "the descriptor is not a memory file";
    }
    if ((uint64_t)st.st_size < src->fd_offset + size) {
        return "the memory file is smaller than fd_offset + size";
    }
    /* A client shrinking the file under our mapping would crash us (SIGBUS). */
    seals = fcntl(src->fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
        return "the memory file is not sealed against shrinking "
               "(use memory-backend-memfd with seal=on)";
    }
    return NULL;
}

static int memfd_map(const struct med_ram_source *src, uint64_t gpa, uint64_t size,
                     struct med_ram_map *map, const char **problem)
{
    void *host;

    (void)gpa;
    *problem = memfd_problem(src, size);
    if (*problem) {
        return -EINVAL;
    }
    host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, src->fd,
                (off_t)src->fd_offset);
    if (host == MAP_FAILED) {
        *problem = "the memory file cannot be mapped";
        return -errno;
    }
    *map = (struct med_ram_map) { .host = host, .size = size };
    return 0;
}

static void memfd_unmap(struct med_ram_map *map)
{
    munmap(map->host, map->size);
}

const struct med_ram_backend med_ram_memfd = {
    .name = "memfd",
    .map = memfd_map,
    .unmap = memfd_unmap,
};

/* ---- Xen: the domain's frames, mapped through dom0's privcmd ---- */

#ifdef GPUMED_HAVE_XEN
static int xen_map(const struct med_ram_source *src, uint64_t gpa, uint64_t size,
                   struct med_ram_map *map, const char **problem)
{
    size_t pages = size / WIRE_PAGE_SIZE;
    xen_pfn_t *pfns = calloc(pages, sizeof(*pfns));
    int *errs = calloc(pages, sizeof(*errs));
    xenforeignmemory_handle *xfm = NULL;
    void *host = NULL;
    int ret = -ENOMEM;

    *problem = "out of memory for the frame list";
    if (!pfns || !errs) {
        goto out;
    }
    xfm = xenforeignmemory_open(NULL, 0);
    if (!xfm) {
        ret = -errno;
        *problem = "cannot open Xen's foreign memory interface (/dev/xen/privcmd): "
                   "the mediator must run in dom0 with the xen-privcmd driver";
        goto out;
    }
    for (size_t i = 0; i < pages; i++) {
        pfns[i] = gpa / WIRE_PAGE_SIZE + i;
    }
    host = xenforeignmemory_map(xfm, src->domid, PROT_READ | PROT_WRITE, pages, pfns, errs);
    if (!host) {
        ret = -errno;
        *problem = "Xen refused to map the domain's memory (no such domain?)";
        goto out;
    }
    /* A frame that is not RAM would fault (SIGBUS) when the GPU path reads it. */
    for (size_t i = 0; i < pages; i++) {
        if (errs[i]) {
            ret = errs[i] < 0 ? errs[i] : -errs[i];
            *problem = "a page of the range is not RAM of the domain";
            xenforeignmemory_unmap(xfm, host, pages);
            goto out;
        }
    }
    *map = (struct med_ram_map) { .host = host, .size = size, .handle = xfm };
    xfm = NULL;
    ret = 0;
out:
    if (xfm) {
        xenforeignmemory_close(xfm);
    }
    free(pfns);
    free(errs);
    return ret;
}

static void xen_unmap(struct med_ram_map *map)
{
    xenforeignmemory_unmap(map->handle, map->host, map->size / WIRE_PAGE_SIZE);
    xenforeignmemory_close(map->handle);
}
#else
static int xen_map(const struct med_ram_source *src, uint64_t gpa, uint64_t size,
                   struct med_ram_map *map, const char **problem)
{
    (void)src, (void)gpa, (void)size, (void)map;
    *problem = "this mediator was built without libxenforeignmemory (install libxen-dev "
               "and rebuild)";
    return -ENOSYS;
}

static void xen_unmap(struct med_ram_map *map)
{
    (void)map;
}
#endif

const struct med_ram_backend med_ram_xen = {
    .name = "xenforeignmemory",
    .map = xen_map,
    .unmap = xen_unmap,
};
