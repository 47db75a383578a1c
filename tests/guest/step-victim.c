/*
 * gem-victim: the victim of the hostile guests (issue 12).  While the host
 * runs every attack in guests of their own on the same mediator (the host
 * hook tests/guest/run-attacks), this guest keeps the GPU doing verified
 * work and watches two canaries: a GPU buffer it never writes through the
 * GPU, and a page of its RAM no GPU buffer covers.  A child process does
 * the work: each round, one render batch stores a new value in each of
 * STORES dwords of a target, and every dword is checked after the wait;
 * the parent asks the host to run the attacks (GUEST-SYNC) and stops the
 * child when the host answers.  The step passes when the host says every
 * attack was contained, the child ran rounds during the attacks, every
 * round's result was exact, and both canaries are untouched.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define STORES          256
#define VA_VICTIM_TARGET  0x00400000ull
#define VA_VICTIM_CANARY  0x00800000ull
#define VA_VICTIM_BATCH   0x00c00000ull
#define CANARY_SIZE     (64 * 1024)
#define CANARY_BYTE     0xc5

/* What the child tells the parent, in a shared page. */
struct victim_report {
    volatile unsigned rounds, wrong_rounds;
    volatile int error;         /* an errno of execbuffer or the wait */
    volatile unsigned first_wrong_dword;
    volatile sig_atomic_t stop;
};

static bool canary_intact(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != CANARY_BYTE) {
            return false;
        }
    }
    return true;
}

/* The child: verified rounds until told to stop.  The GPU canary is
 * bound in the context's PPGTT with every batch, never written. */
static void victim_rounds(struct result *r, int fd, const struct gem_buffer *canary,
                          struct victim_report *report)
{
    struct gem_buffer batch, target;
    const struct gem_buffer *targets[2] = { &target, canary };
    uint32_t *cs, len;

    if (!gem_buffer_create(r, fd, 4096, VA_VICTIM_TARGET, &target) ||
        !gem_buffer_create(r, fd, 16384, VA_VICTIM_BATCH, &batch)) {
        report->error = -1;
        return;
    }
    while (!report->stop) {
        uint32_t round = report->rounds + 1;

        cs = batch.map;
        for (uint32_t i = 0; i < STORES; i++) {
            cs = emit_store(cs, VA_VICTIM_TARGET + 4 * i, round * 0x10000u + i);
        }
        len = emit_end(batch.map, cs);
        if ((report->error = gem_execute(fd, 0, I915_EXEC_RENDER, &batch, 0, len, targets, 2)) ||
            (report->error = gem_wait(fd, &target))) {
            return;
        }
        for (uint32_t i = 0; i < STORES; i++) {
            if (((const uint32_t *)target.map)[i] != round * 0x10000u + i) {
                if (!report->wrong_rounds++) {
                    report->first_wrong_dword = round * 0x10000u + i;
                }
                break;
            }
        }
        report->rounds = round;
    }
}

bool step_gem_victim(struct result *r)
{
    struct gem_buffer canary;
    struct victim_report *report;
    uint8_t *ram_canary;
    unsigned rounds_before;
    bool attacks_contained, ok = false;
    pid_t child;
    int status, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                  -1, 0);
    ram_canary = malloc(CANARY_SIZE);
    if (report == MAP_FAILED || !ram_canary ||
        !gem_buffer_create(r, fd, CANARY_SIZE, VA_VICTIM_CANARY, &canary)) {
        result_add(r, "error", "setup");
        close(fd);
        return false;
    }
    memset(ram_canary, CANARY_BYTE, CANARY_SIZE);
    memset(canary.map, CANARY_BYTE, CANARY_SIZE);
    memset(report, 0, sizeof(*report));
    child = fork();
    if (child == 0) {
        struct result child_result = { .step = r->step };

        victim_rounds(&child_result, fd, &canary, report);
        _exit(0);
    }
    if (child < 0) {
        result_add(r, "error", "fork");
        goto out;
    }
    /* The attacks run once the victim's work is under way. */
    while (!report->rounds && !report->error) {
        usleep(10000);
    }
    rounds_before = report->rounds;
    attacks_contained = host_sync(r, "attacks=run");
    report->stop = 1;
    waitpid(child, &status, 0);
    result_add(r, "rounds", "%u", report->rounds);
    result_add(r, "rounds_during_attacks", "%u", report->rounds - rounds_before);
    if (report->error) {
        result_add(r, "gem_error", "%d", report->error);
    }
    if (report->wrong_rounds) {
        result_add(r, "wrong_rounds", "%u", report->wrong_rounds);
        result_add(r, "first_wrong", "0x%x", report->first_wrong_dword);
    }
    ok = attacks_contained && !report->error && !report->wrong_rounds &&
         report->rounds > rounds_before &&
         canary_intact(canary.map, CANARY_SIZE) && canary_intact(ram_canary, CANARY_SIZE);
    result_add(r, "canaries", "%s", canary_intact(canary.map, CANARY_SIZE) &&
               canary_intact(ram_canary, CANARY_SIZE) ? "intact" : "changed");
out:
    gem_buffer_free(fd, &canary);
    free(ram_canary);
    close(fd);
    return ok;
}
