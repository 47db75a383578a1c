/*
 * i915-ko.h - the guest kernel's own Gen9 "null render state" batch
 * (gen9_renderstate.c's gen9_null_state_batch and its relocations), read
 * from the i915.ko that scripts/build-guest unpacks into the cache
 * (scripts/common.sh): what test-scan-i915 checks the scanner's rows
 * against and bench-scan's captured i915 stream scans.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_SCAN_I915_KO_H
#define GPUMED_TESTS_SCAN_I915_KO_H

#include <stddef.h>
#include <stdint.h>

struct i915_null_state {
    uint32_t *batch;            /* malloc'd dwords, relocated for no address (0) */
    size_t bytes;
    uint32_t *relocs;           /* malloc'd dword indexes of the batch to relocate */
    size_t reloc_count;
};

/*
 * Read the batch and its relocations from the guest kernel's i915.ko;
 * 0, or -1 with @where naming the file looked for (the glob) or what was
 * missing in it.
 */
int i915_null_state_read(struct i915_null_state *ns, char *where, size_t size);

/* Write the batch at @dst, relocated as i915 does for a batch at @gma
 * (the batch's GGTT offset added at each relocation). */
void i915_null_state_place(const struct i915_null_state *ns, uint32_t *dst, uint32_t gma);

void i915_null_state_free(struct i915_null_state *ns);

#endif /* GPUMED_TESTS_SCAN_I915_KO_H */
