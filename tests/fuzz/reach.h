/*
 * reach.h - what a fuzz target's inputs reached.  Each target counts, for
 * every function or path its header says it fuzzes, how many times the
 * inputs got there, from the code under test's own counters where it has
 * them (a callback it made, a statistic it keeps), never from the
 * harness's own record counts.  The corpus replay (replay.c) prints the
 * counts and fails on any that stayed at zero: a corpus that stops short
 * of what the target names (an outdated seed, a protocol change) fails
 * the test suite instead of fuzzing only the entry checks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_REACH_H
#define GPUMED_TESTS_FUZZ_REACH_H

#include <stdint.h>

/* One count: @what as the target's header names it, @count over every
 * input this process ran. */
typedef void fuzz_reach_fn(const char *what, uint64_t count);

/* Defined by each target: calls @report once per count. */
void fuzz_reach(fuzz_reach_fn *report);

#endif /* GPUMED_TESTS_FUZZ_REACH_H */
