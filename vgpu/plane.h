/*
 * plane.h - what the vGPU's display scans out, for the host's console:
 * the Gen9 decoder (gen9/plane.h) on the vGPU's registers and GGTT, whose
 * pages are those inside the vGPU's partition, present and guest RAM.
 * Rejections count in plane_rejected and cursor_rejected and are logged
 * within the vGPU's guest-error budget.
 *
 * Same threading rules as vgpu.h: called under the caller's lock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_VGPU_PLANE_H
#define GPUMED_VGPU_PLANE_H

#include "gen9/plane.h"
#include "vgpu/vgpu.h"

/* gen9_plane_decode(), gen9_cursor_decode() and gen9_fb_refuse_page() of
 * the vGPU's display. */
enum gen9_plane_status vgpu_plane_decode(struct vgpu *vgpu, struct gen9_fb *fb);
enum gen9_plane_status vgpu_cursor_decode(struct vgpu *vgpu, unsigned pipe,
                                          struct gen9_cursor *cursor);
void vgpu_fb_refuse_page(struct vgpu *vgpu, struct gen9_fb *fb, size_t page);

#endif /* GPUMED_VGPU_PLANE_H */
