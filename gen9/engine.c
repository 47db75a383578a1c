/*
 * engine.c - the engine table (engine.h).  Bases, banks and reset bits are
 * i915's (intel_engine_cs.c, gen8_gt_irq_handler, gen6_reset_engines);
 * image sizes are its Gen9 context sizes (intel_engine_context_size: 22
 * pages for render, 2 for the others).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/engine.h"
#include "gen9/regs.h"

#include <time.h>

const struct gen9_engine_info gen9_engines[GEN9_NUM_ENGINES] = {
    [GEN9_RCS] = { .name = "rcs", .base = RENDER_RING_BASE, .hw_id = 0,
                   .irq_bank = 0, .irq_shift = 0, .reset_bit = GRDOM_RENDER,
                   .context_pages = 22 },
    [GEN9_BCS] = { .name = "bcs", .base = BLT_RING_BASE, .hw_id = 2,
                   .irq_bank = 0, .irq_shift = 16, .reset_bit = GRDOM_BLT,
                   .context_pages = 2 },
    [GEN9_VCS] = { .name = "vcs", .base = GEN6_BSD_RING_BASE, .hw_id = 1,
                   .irq_bank = 1, .irq_shift = 0, .reset_bit = GRDOM_MEDIA,
                   .context_pages = 2 },
    [GEN9_VECS] = { .name = "vecs", .base = VEBOX_RING_BASE, .hw_id = 3,
                    .irq_bank = 3, .irq_shift = 0, .reset_bit = GRDOM_VECS,
                    .context_pages = 2 },
};

uint64_t gen9_cs_ticks(uint64_t ns)
{
    /* split to avoid overflowing 64 bits after a few weeks */
    return ns / 1000000000ull * SKL_CS_CLOCK_HZ +
           ns % 1000000000ull * SKL_CS_CLOCK_HZ / 1000000000ull;
}

uint64_t gen9_cs_timestamp(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return gen9_cs_ticks((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}
