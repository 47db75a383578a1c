/*
 * vgpu-display.h - the vGPU's scan-out on a QEMU graphic console.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_HW_VGPU_DISPLAY_H
#define GPUMED_HW_VGPU_DISPLAY_H

#include "hw/qdev-core.h"

struct vgpu;
typedef struct VgpuDisplay VgpuDisplay;

/* Whether @xres x @yres (0: the type's) can be the monitor's native mode. */
bool vgpu_display_mode_valid(uint32_t xres, uint32_t yres, Error **errp);

/* Register @dev's graphic console, showing what @vgpu scans out. */
VgpuDisplay *vgpu_display_new(DeviceState *dev, struct vgpu *vgpu);

/* Close the console; NULL is accepted and ignored. */
void vgpu_display_free(VgpuDisplay *d);

#endif /* GPUMED_HW_VGPU_DISPLAY_H */
