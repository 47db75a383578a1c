/*
 * model-harness.c - the GPU model's fuzzers' shared harness (model-harness.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/fuzz/pgpu/model-harness.h"

#include <sys/mman.h>
#include <time.h>

#include "gen9/regs.h"

/* A liveness bound, not a timing: every context stops within the hang
 * timeout of its own engine time, but a loaded host can keep the engine
 * threads off the CPUs for a long while (at 250 ms, a corpus replay at load
 * 10-14 once ended its inputs before the engines ran, and the reach check
 * saw no bad command stopped). */
#define SETTLE_NS       10000000000ull

uint8_t *fuzz_guarded_alloc(size_t bytes)
{
    uint8_t *p = mmap(NULL, bytes + 2 * PGPU_PAGE_SIZE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        return NULL;
    }
    p += PGPU_PAGE_SIZE;
    mprotect(p, bytes, PROT_READ | PROT_WRITE);
    return p;
}

void fuzz_settle(struct pgpu *gpu)
{
    struct timespec start, now, pause = { .tv_nsec = 100000 };

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        bool idle = true;

        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            idle &= (gpu->ops->mmio_read(gpu, gen9_engines[e].base + RING_MI_MODE, 4) &
                     MODE_IDLE) != 0;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (idle || (uint64_t)(now.tv_sec - start.tv_sec) * 1000000000ull +
                    (uint64_t)now.tv_nsec - (uint64_t)start.tv_nsec > SETTLE_NS) {
            return;
        }
        nanosleep(&pause, NULL);
    }
}
