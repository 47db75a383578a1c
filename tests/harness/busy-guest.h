/*
 * busy-guest.h - a guest-like client (guest-driver.h) on a thread of its
 * own that keeps its vGPU's render engine backlogged by construction and
 * checks every result: @lanes contexts each hold one round in flight
 * (BUSY_GUEST_BATCHES batches, each storing its value into every dword of
 * @pages pages); the client waits for the oldest round, checks every dword, and
 * submits that context's next round, so lanes - 1 rounds stay queued
 * while it checks one.
 *
 * It measures its own backlog, as the guest sees it and not as the
 * mediator counts it: before each submission it reads every context's
 * last breadcrumb in its status page (what the GPU wrote, no message
 * involved) and charges the wall time since its previous look to
 * "backlogged" when some round was still unfinished, else to "drained";
 * a reading of its statistics looks the same way for the time since.
 * Whatever is unfinished at a look was submitted before the previous one,
 * so a backlogged interval had work queued throughout; a drained one may
 * have had some (an upper bound on the time without work).  Shares
 * measured over a window are then judged among clients that wanted the
 * GPU by their own count, so a mediator that is slow to take work in is
 * unfair, not excused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_TOOLS_BUSY_GUEST_H
#define GPUMED_MEDIATOR_TOOLS_BUSY_GUEST_H

#include <stdint.h>

#define BUSY_GUEST_BATCHES  4           /* per round */

struct busy_guest;

struct busy_guest_config {
    const char *socket;             /* the mediator's */
    const char *name;               /* the VM's */
    const char *type;               /* vGPU type */
    const char *vgpu_name;          /* or: the reserved vGPU to attach to (NULL: none) */
    unsigned lanes;                 /* contexts, one round in flight each: 2 to 8 */
    unsigned pages;                 /* stored by each batch: 1 to 8 (the round's GPU time) */
};

/* What the client measured so far; read at any time from another thread. */
struct busy_guest_stats {
    uint64_t rounds;                /* rounds checked, every dword right */
    uint64_t backlogged_ns;         /* wall time with a round unfinished throughout */
    uint64_t drained_ns;            /* wall time after which it found every round done */
    uint64_t drains;                /* looks that found every round done */
};

/* Create the VM and its vGPU and start submitting; returns once the vGPU
 * exists (NULL on failure). */
struct busy_guest *busy_guest_start(const struct busy_guest_config *config);
uint32_t busy_guest_vgpu_id(const struct busy_guest *g);
void busy_guest_stats(struct busy_guest *g, struct busy_guest_stats *out);
/* Stop after the round being checked, destroy the VM, free @g; the first
 * error. */
int busy_guest_stop(struct busy_guest *g);

/* The backlogged share of the wall time between two readings of one
 * client: backlogged / (backlogged + drained). */
double busy_guest_backlogged(const struct busy_guest_stats *from,
                             const struct busy_guest_stats *to);

#endif /* GPUMED_MEDIATOR_TOOLS_BUSY_GUEST_H */
