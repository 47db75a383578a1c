/*
 * The scanner against the guest's own first render batch: the Gen9 "null
 * render state" that the 6.1 i915 runs on RCS at load (gen9_renderstate.c,
 * PIPELINE_SELECT, STATE_BASE_ADDRESS, every 3DSTATE packet of a golden
 * context), read from the guest kernel's i915.ko that scripts/build-guest
 * unpacks (in the cache of scripts/common.sh; without it the test fails its
 * set-up: a guest-layer test), relocated as i915 does (GGTT offset of the
 * batch added at each relocation) and started from the ring as a secure
 * GGTT batch.  Every command must decode with its exact length and pass.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/scan/emit.h"
#include "tests/unit/scan/fake-vm.h"
#include "tests/unit/scan/i915-ko.h"

#define BATCH_GMA       (FAKE_GGTT_BASE + 0x10000)

static void test_null_render_state(void **state)
{
    struct fake_vm *vm;
    struct med_scan *scan;
    struct med_scan_result result;
    struct med_scan_request req;
    struct i915_null_state ns;
    uint32_t *ring, *p;
    char where[1024];

    if (i915_null_state_read(&ns, where, sizeof(where))) {
        fail_msg("set-up: no %s: build it with scripts/build-guest", where);
    }
    assert_true(ns.bytes < FAKE_GGTT_PARTITION / 2);
    vm = fake_vm_create();
    scan = fake_vm_scanner(vm, NULL);
    assert_non_null(scan);
    i915_null_state_place(&ns, fake_ggtt(vm, BATCH_GMA), (uint32_t)BATCH_GMA);
    ring = p = fake_ggtt(vm, FAKE_GGTT_BASE);
    emit(&p, MI_ARB_ON_OFF_DW(false));
    emit_bb_start(&p, BATCH_GMA, 0);
    emit(&p, MI_ARB_ON_OFF_DW(true));
    req = (struct med_scan_request){ .engine = GEN9_RCS, .commands = ring,
                                     .len = 4 * (uint64_t)(p - ring), .gma = FAKE_GGTT_BASE };
    if (med_scan(scan, &req, &result) != MED_SCAN_OK) {
        fail_msg("%s", result.reason);
    }
    assert_true(result.buffers[1].privileged);
    print_message("# gen9 null render state: %" PRIu64 " commands, %" PRIu64 " bytes\n",
                  result.commands - 3, result.buffers[1].len);
    med_scan_destroy(scan);
    fake_vm_destroy(vm);
    i915_null_state_free(&ns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_render_state),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
