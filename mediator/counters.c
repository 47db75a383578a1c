/*
 * counters.c - a vGPU's counters as the control socket reports them
 * (private.h, struct med_vgpu_counters): read from a running vGPU's
 * submission, scheduler entities and GGTT shadow, less what they were
 * when its counting began; a reserved vGPU adds those of the VMs it
 * served before (docs/mediator.md, "Counters over a vGPU's life").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/private.h"

#include <assert.h>
#include <string.h>


#define COUNTER_WORDS   (sizeof(struct med_vgpu_counters) / sizeof(uint64_t))
static_assert(sizeof(struct med_vgpu_counters) % sizeof(uint64_t) == 0, "counters are words");

/* What @s's vGPU counted since it was created. */
static void read_session(const struct session *s, uint64_t now_ns, struct med_vgpu_counters *c)
{
    const struct session_vgpu *sv = &s->vgpu;
    const struct med_vgpu_exec_stats *ex = med_vgpu_submission_stats(sv->submission);
    const struct med_vgpu_ggtt_stats *gg = med_vgpu_ggtt_stats(sv->shadow);

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        const struct med_sched_entity *en = med_vgpu_submission_entity(sv->submission, e);

        c->busy_ns[e] = en->busy_ns;
        c->workloads[e] = en->workloads;
        c->backlog_ns[e] = med_sched_backlog_ns(en, now_ns);
    }
    c->elements = ex->elements;
    c->completed = ex->completed;
    c->rejected = ex->rejected;
    c->hangs = ex->hangs;
    c->cancelled = ex->cancelled;
    c->engine_resets = sv->engine_resets;
    c->ggtt_synced = gg->entries_synced;
    c->ggtt_bad_entries = gg->bad_address;
    c->ppgtt_bad_entries = ex->ppgtt_bad_entries;
}

void med_vgpu_counters_add(struct med_vgpu_counters *dst, const struct med_vgpu_counters *src,
                           bool subtract)
{
    uint64_t d[COUNTER_WORDS], s[COUNTER_WORDS];

    memcpy(d, dst, sizeof(d));
    memcpy(s, src, sizeof(s));
    for (size_t i = 0; i < COUNTER_WORDS; i++) {
        d[i] = subtract ? d[i] - s[i] : d[i] + s[i];
    }
    memcpy(dst, d, sizeof(d));
}

void med_vgpu_counters_of_session(const struct session *s, uint64_t now_ns,
                                  struct med_vgpu_counters *counters)
{
    read_session(s, now_ns, counters);
    med_vgpu_counters_add(counters, &s->vgpu.counters_base, true);
}

void med_vgpu_counters_reset_session(struct session *s, uint64_t now_ns)
{
    read_session(s, now_ns, &s->vgpu.counters_base);
    s->vgpu.counting_since_ns = now_ns;
    if (s->vgpu.reserved) {
        memset(&s->vgpu.reserved->past, 0, sizeof(s->vgpu.reserved->past));
        s->vgpu.reserved->counting_since_ns = now_ns;
    }
}
