/*
 * vgpu-link: vgpu-pci's connection to the gpumed mediator (docs/protocol.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_GPUMED_VGPU_LINK_H
#define HW_GPUMED_VGPU_LINK_H

#include "exec/memory.h"

#include "vgpu/vgpu.h"

typedef struct VgpuLink VgpuLink;

/* What the mediator carved for the vGPU (CREATE_REPLY). */
typedef struct VgpuLinkPartition {
    const char *type_name;              /* the vGPU's type (the link keeps it) */
    unsigned monitor_width, monitor_height;     /* the type's monitor mode */
    uint64_t aperture_base, aperture_size;
    uint64_t hidden_base, hidden_size;
    unsigned fence_count;
    uint64_t host_aperture_size;        /* the vGPU's BAR2 size */
    const uint64_t *ggtt;               /* the shared GGTT table's entries */
} VgpuLinkPartition;

/* The library's mediator callbacks; their opaque is the VgpuLink. */
extern const struct vgpu_mediator_ops vgpu_link_mediator_ops;

/*
 * Connect to the mediator at @socket_path (NULL: the default socket), hand
 * it guest RAM (which must be a shared memfd backend) and create a vGPU of
 * @type_name (NULL: the mediator's default), or attach to the vGPU
 * reserved as @vgpu_name (gpumedctl create), for the VM @vm_name (taken
 * from @vm_name_source, "-name" or "id=", which an error about it names);
 * fills *@partition.  NULL with @errp set on any failure, saying the
 * cause and what to do.
 */
VgpuLink *vgpu_link_connect(const char *socket_path, const char *vm_name,
                            const char *vm_name_source, const char *type_name,
                            const char *vgpu_name, VgpuLinkPartition *partition,
                            Error **errp);

/* Start delivering the mediator's completions to @vgpu. */
void vgpu_link_start(VgpuLink *link, struct vgpu *vgpu);

/*
 * The device's console reads guest RAM's DIRTY_MEMORY_VGA bits too (one
 * bitmap, two readers: what one clears the other must hear of).  The
 * console calls this (@opaque the VgpuLink; NULL is ignored) about each
 * snapshot it takes of @mr's [@lo, @hi): with @snap NULL just before (the
 * snapshot lets vCPUs run before it returns), then with the snapshot: the
 * watched pages it took a bit of count as written at the next look.
 */
void vgpu_link_dirty_taking(void *opaque, MemoryRegion *mr, hwaddr lo, hwaddr hi,
                            DirtyBitmapSnapshot *snap);

/* And the other way: @cleared hears of each page whose bit the link's
 * watch of the page tables cleared.  NULL @link is ignored. */
void vgpu_link_share_dirty_log(VgpuLink *link,
                               void (*cleared)(void *opaque, MemoryRegion *mr, hwaddr lo,
                                               hwaddr hi),
                               void *opaque);

/* Disconnect (the mediator frees the vGPU); NULL is ignored. */
void vgpu_link_close(VgpuLink *link);

#endif /* HW_GPUMED_VGPU_LINK_H */
