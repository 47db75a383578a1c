/*
 * display-private.h - what the display library's files share: register
 * access through the owner, and the handlers of the port and pipe rows.
 *
 * Files: display-regs.c (the table, its semantics, the display core),
 * display-port.c (the monitor, AUX, ports, transcoders, pipes, planes,
 * vblank, hotplug), edid.c (the monitor's EDID).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_DISPLAY_PRIVATE_H
#define GPUMED_GEN9_DISPLAY_PRIVATE_H

#include "gen9/display.h"

static inline uint32_t gen9_reg(const struct gen9_display *d, uint32_t offset)
{
    return d->ops->load(d->opaque, offset);
}

static inline void gen9_reg_set(struct gen9_display *d, uint32_t offset, uint32_t value)
{
    d->ops->store(d->opaque, offset, value);
}

/* The monitor, connected, in its power-on state. */
void gen9_display_port_reset(struct gen9_display *d);

void gen9_aux_ctl_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                        uint32_t written);
void gen9_ddi_buf_ctl_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                            uint32_t written);
void gen9_dp_tp_ctl_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                          uint32_t written);
void gen9_transconf_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                          uint32_t written);
void gen9_plane_surf_write(struct gen9_display *d, uint32_t offset, uint32_t old,
                           uint32_t written);
uint32_t gen9_pipedsl_read(struct gen9_display *d, uint32_t offset);

#endif /* GPUMED_GEN9_DISPLAY_PRIVATE_H */
