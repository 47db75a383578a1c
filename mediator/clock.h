/*
 * clock.h - the mediator's clock: CLOCK_MONOTONIC in nanoseconds, what
 * every duration and timestamp of the mediator is measured in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_CLOCK_H
#define GPUMED_MEDIATOR_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t med_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* GPUMED_MEDIATOR_CLOCK_H */
