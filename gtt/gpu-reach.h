/*
 * gpu-reach.h - the guest pages a vGPU's GPU translations have named: a
 * bit per page of the VM's RAM, set when a GGTT or PPGTT shadow entry
 * maps the page and never cleared (a page once reachable may have been
 * written by the GPU at any time since).
 *
 * What it is for (docs/architecture.md, decision 9): a guest page-table
 * page the GPU can write is never taken as unchanged on the word of the
 * client's dirty log, which sees only the guest's CPU writes.
 *
 * Not thread-safe: the mediator's event loop owns it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GTT_GPU_REACH_H
#define GPUMED_GTT_GPU_REACH_H

#include <stdbool.h>
#include <stdint.h>

struct med_gpu_reach {
    uint64_t *bits;
    uint64_t pages;             /* pages from gpa 0 the bits cover */
};

/* Bits for gpa [0, @gpa_end); 0, or -1 with errno ENOMEM. */
int med_gpu_reach_init(struct med_gpu_reach *r, uint64_t gpa_end);
void med_gpu_reach_fini(struct med_gpu_reach *r);

static inline void med_gpu_reach_mark(struct med_gpu_reach *r, uint64_t gpa)
{
    uint64_t page = gpa >> 12;

    if (r && page < r->pages) {
        r->bits[page / 64] |= 1ull << (page % 64);
    }
}

/* A page the bits do not cover counts as reachable. */
static inline bool med_gpu_reach_test(const struct med_gpu_reach *r, uint64_t gpa)
{
    uint64_t page = gpa >> 12;

    return !r || page >= r->pages || r->bits[page / 64] >> (page % 64) & 1;
}

#endif /* GPUMED_GTT_GPU_REACH_H */
