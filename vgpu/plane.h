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

/*
 * The mediator's GPU writes guest RAM behind the host's back (QEMU's dirty
 * log does not see it): a count that changes at every submission to the
 * mediator, completion from it and engine reset, and in *@running whether
 * the mediator may hold work that still writes: elements in flight; after
 * an engine reset, until work submitted after it completes (the dropped
 * work may run until the mediator gets to the reset); and for ever once the
 * mediator is lost.  A display that saw the same count with nothing running
 * at two refreshes knows the GPU wrote nothing in between.
 */
uint64_t vgpu_gpu_work_epoch(const struct vgpu *vgpu, bool *running);

#endif /* GPUMED_VGPU_PLANE_H */
