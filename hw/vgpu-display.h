/*
 * vgpu-display.h - a Gen9 display's scan-out on a QEMU graphic console: the
 * vGPU's, or the GPU model's as a VM's own GPU (pgpu-pci).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_HW_VGPU_DISPLAY_H
#define GPUMED_HW_VGPU_DISPLAY_H

#include "exec/memory.h"
#include "hw/qdev-core.h"

#include "gen9/plane.h"

struct vgpu;
typedef struct VgpuDisplay VgpuDisplay;

/* Where a console's picture comes from; all are called with the BQL held. */
typedef struct VgpuDisplaySource {
    /* The decoder's answers for the display (gen9/plane.h). */
    enum gen9_plane_status (*plane)(void *opaque, struct gen9_fb *fb);
    enum gen9_plane_status (*cursor)(void *opaque, unsigned pipe, struct gen9_cursor *cursor);
    void (*refuse_page)(void *opaque, struct gen9_fb *fb, size_t page);
    /* Where the page addresses the decoder lists are: the console maps
     * them there for reading and unmaps them once the refresh has read them
     * (under Xen, QEMU reaches guest RAM through its map cache, which only
     * address_space_map() holds for a length). */
    AddressSpace *(*address_space)(void *opaque);
    /* The GPU's writes to memory, which QEMU's dirty log does not see: a
     * count that changes after any such write, and in *@running whether
     * some may still come before the count changes again.  The console
     * compares the whole frame at a refresh that finds either. */
    uint64_t (*gpu_work_epoch)(void *opaque, bool *running);
    /* Optional: why the console cannot trust QEMU's dirty log for this
     * source's pages (damage mode compare), or NULL. */
    const char *(*dirty_log_unusable)(void *opaque);
} VgpuDisplaySource;

/* Whether @xres x @yres (0: the type's) can be the monitor's native mode. */
bool vgpu_display_mode_valid(uint32_t xres, uint32_t yres, Error **errp);

/* Register @dev's graphic console, showing what @vgpu scans out, and its
 * read-only property "display-stats". */
VgpuDisplay *vgpu_display_new(DeviceState *dev, struct vgpu *vgpu);

/* The same for any @source (@opaque is passed to its ops). */
VgpuDisplay *vgpu_display_new_source(DeviceState *dev, const VgpuDisplaySource *source,
                                     void *opaque);

/*
 * The device reads guest RAM's DIRTY_MEMORY_VGA bits too (vgpu-link's
 * watch of the page tables; one bitmap, two readers): @taking hears of
 * each snapshot the console takes of a region's [lo, hi), with a NULL
 * snapshot just before and the snapshot after (vgpu_link_dirty_taking()).
 */
void vgpu_display_share_dirty_log(VgpuDisplay *d,
                                  void (*taking)(void *opaque, MemoryRegion *mr, hwaddr lo,
                                                 hwaddr hi, DirtyBitmapSnapshot *snap),
                                  void *opaque);

/* The other reader cleared the bits of @mr's [@lo, @hi) (@opaque the
 * VgpuDisplay): the console compares its next frame if one of its pages
 * was among them. */
void vgpu_display_dirty_cleared(void *opaque, MemoryRegion *mr, hwaddr lo, hwaddr hi);

/*
 * How the console found its damage, as the device's "display-stats"
 * property (which the console adds) says: "damage=dirty-log|compare full=N dirty=N idle=N
 * rows_compared=N last_damage=ROW+ROWS,...|-" (refreshes that compared the
 * whole plane, only the rows of the pages written, nothing; the last
 * refresh's damaged rows of the pipe).  The caller frees it.
 */
char *vgpu_display_format_stats(VgpuDisplay *d);

/* Close the console; NULL is accepted and ignored. */
void vgpu_display_free(VgpuDisplay *d);

#endif /* GPUMED_HW_VGPU_DISPLAY_H */
