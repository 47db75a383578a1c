/*
 * model-harness.h - what the GPU model's fuzzers (fuzz-model.c, fuzz-pci.c)
 * share: memory between guard pages, and waiting for the engines.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_PGPU_MODEL_HARNESS_H
#define GPUMED_TESTS_FUZZ_PGPU_MODEL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "pgpu/pgpu.h"

/* @bytes (page aligned) of zeroed memory between PROT_NONE pages, which
 * live as long as the process; NULL if none. */
uint8_t *fuzz_guarded_alloc(size_t bytes);

/* Wait until every engine reports idle, or a while: far longer than a 2 ms
 * hang timeout plus a loaded host's scheduling delays (20 ms left the
 * replay's hang count at zero at load 12), short enough for the fuzzers'
 * speed on inputs that loop forever. */
void fuzz_settle(struct pgpu *gpu);

#endif /* GPUMED_TESTS_FUZZ_PGPU_MODEL_HARNESS_H */
