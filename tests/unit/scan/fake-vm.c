/*
 * fake-vm.c - the fake VM of the scanner's tests (fake-vm.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/unit/scan/fake-vm.h"

#include <stdio.h>
#include <stdlib.h>

static bool in_window(uint64_t gma, uint64_t len, uint64_t base, uint64_t size)
{
    return gma >= base && gma - base <= size && len <= size - (gma - base);
}

static bool ggtt_range_ok(void *opaque, uint64_t gma, uint64_t len)
{
    struct fake_vm *vm = opaque;

    vm->range_checks++;
    if (!in_window(gma, len, FAKE_GGTT_BASE, FAKE_GGTT_PARTITION)) {
        return false;
    }
    for (uint64_t page = (gma - FAKE_GGTT_BASE) / FAKE_PAGE;
         len && page <= (gma + len - 1 - FAKE_GGTT_BASE) / FAKE_PAGE; page++) {
        if (vm->ggtt_scratch[page]) {
            return false;
        }
    }
    return true;
}

static bool ppgtt_range_ok(void *opaque, void *ppgtt, uint64_t gma, uint64_t len)
{
    struct fake_vm *vm = opaque;
    uint64_t first, last;

    vm->range_checks++;
    if (!in_window(gma, len, FAKE_PPGTT_BASE, (uint64_t)FAKE_PPGTT_PAGES * FAKE_PAGE)) {
        return false;
    }
    first = (gma - FAKE_PPGTT_BASE) / FAKE_PAGE;
    last = (gma + (len ? len - 1 : 0) - FAKE_PPGTT_BASE) / FAKE_PAGE;
    for (uint64_t page = first; page <= last; page++) {
        if (page >= FAKE_PPGTT_PAGES || (vm->page_flags[page] & FAKE_MAPPED) != FAKE_MAPPED) {
            return false;
        }
    }
    return true;
}

static bool ppgtt_batch_ok(void *opaque, void *ppgtt, uint64_t gma)
{
    struct fake_vm *vm = opaque;

    return ppgtt_range_ok(opaque, ppgtt, gma, 4) &&
           !(vm->page_flags[(gma - FAKE_PPGTT_BASE) / FAKE_PAGE] & FAKE_FILL);
}

/* Like a naive shadowing path: copies whatever is present, owned or not,
 * so that the scanner's own audit of each batch is what protects.  The
 * "copy" is the store itself, which the tests do not change during a
 * scan, so an extended copy begins with @old's bytes; fetched counts the
 * bytes after them. */
static const void *fetch(void *opaque, void *ppgtt, enum med_scan_space space, uint64_t gma,
                         const void *old, uint64_t have, uint64_t max_len, uint64_t *len)
{
    struct fake_vm *vm = opaque;
    uint64_t end;

    vm->fetches++;
    if (space == MED_SCAN_GGTT) {
        if (!in_window(gma, 1, FAKE_GGTT_BASE, FAKE_GGTT_WINDOW)) {
            return NULL;
        }
        end = FAKE_GGTT_BASE + FAKE_GGTT_WINDOW;
        *len = end - gma < max_len ? end - gma : max_len;
        vm->fetched += *len - have;
        return &vm->ggtt[gma - FAKE_GGTT_BASE];
    }
    if (!in_window(gma, 1, FAKE_PPGTT_BASE, (uint64_t)FAKE_PPGTT_PAGES * FAKE_PAGE)) {
        return NULL;
    }
    end = gma - gma % FAKE_PAGE;
    while (end < gma + max_len && end < FAKE_PPGTT_BASE + (uint64_t)FAKE_PPGTT_PAGES * FAKE_PAGE &&
           (vm->page_flags[(end - FAKE_PPGTT_BASE) / FAKE_PAGE] & FAKE_PRESENT)) {
        end += FAKE_PAGE;
    }
    if (end <= gma) {
        return NULL;
    }
    *len = end - gma < max_len ? end - gma : max_len;
    vm->fetched += *len - have;
    return &vm->ppgtt[gma - FAKE_PPGTT_BASE];
}

static void log_reason(void *opaque, const char *reason)
{
    struct fake_vm *vm = opaque;

    vm->logs++;
    snprintf(vm->last_log, sizeof(vm->last_log), "%s", reason);
}

const struct med_scan_ops fake_vm_ops = {
    .ggtt_range_ok = ggtt_range_ok,
    .ppgtt_range_ok = ppgtt_range_ok,
    .ppgtt_batch_ok = ppgtt_batch_ok,
    .fetch = fetch,
    .log = log_reason,
};

struct fake_vm *fake_vm_create(void)
{
    struct fake_vm *vm = calloc(1, sizeof(*vm));

    if (vm) {
        for (unsigned i = 0; i < FAKE_PPGTT_PAGES; i++) {
            vm->page_flags[i] = FAKE_MAPPED;
        }
    }
    return vm;
}

void fake_vm_destroy(struct fake_vm *vm)
{
    free(vm);
}

uint32_t *fake_ggtt(struct fake_vm *vm, uint64_t gma)
{
    return (uint32_t *)&vm->ggtt[gma - FAKE_GGTT_BASE];
}

uint32_t *fake_ppgtt(struct fake_vm *vm, uint64_t gma)
{
    return (uint32_t *)&vm->ppgtt[gma - FAKE_PPGTT_BASE];
}

struct med_scan *fake_vm_scanner(struct fake_vm *vm, const struct med_scan_limits *limits)
{
    struct med_scan_config config = { .ops = &fake_vm_ops, .opaque = vm };

    if (limits) {
        config.limits = *limits;
    }
    return med_scan_create(&config);
}
