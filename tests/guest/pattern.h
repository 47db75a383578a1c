/*
 * pattern.h - the agent's test picture: a hash of each pixel's position
 * (XRGB8888), so that a misplaced row, page or tile shows.  The agent draws
 * it (step-display.c); the Xen test's dom0 checks a screendump and a VNC
 * capture against it (tests/xen/xen-screen-check.c).  The non-Xen host
 * computes it from the formula independently (tests/python/guest_pattern.py),
 * and the unit test xen-screen-check holds the C checker to that.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_GUEST_PATTERN_H
#define GPUMED_TESTS_GUEST_PATTERN_H

#include <stdint.h>

static inline uint32_t pattern_pixel(uint32_t x, uint32_t y, uint32_t seed)
{
    return (x * 2654435761u + y * 40503u + seed) >> 8;
}

#endif
