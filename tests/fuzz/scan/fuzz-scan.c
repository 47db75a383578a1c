/*
 * Fuzz the command scanner with random command buffers against random page
 * tables.  It must never crash, read outside a buffer or loop without
 * bound: the ring and every batch the scanner fetches are heap copies of
 * exactly the length handed over, so ASan stops any read past one, and the
 * scan limits are small so that a run that does not finish times out.
 *
 * Input: u8 engine, u16 ring dwords, u64 present and u64 owned masks (bit
 * g: PPGTT pages 8g .. 8g + 7), then the command dwords.  The first ones
 * are the ring; all of them are also written at the start of the GGTT
 * partition and of the PPGTT, where batch starts can land (the rest of
 * memory is zero: MI_NOOPs).
 * tests/fuzz/corpus/scan/ holds seeds built on this layout, and inputs the
 * fuzzer found that reach each of the scanner's verdicts (reach.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/reach.h"
#include "tests/unit/scan/fake-vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER          19u
#define MAX_IMAGE       (64u << 10)
#define MAX_BATCHES     64u

static const struct med_scan_limits limits = {
    .max_commands = 1u << 16,
    .max_total_bytes = 1u << 20,
    .max_batches = MAX_BATCHES,
};

static struct fake_vm *vm;
static void **copies;
static size_t copy_count, copy_capacity;
static uint64_t batches_fetched;        /* the scanner's fetches (reach.h) */

/* The fake VM's fetch, then a heap copy of exactly what it handed over:
 * an extended copy begins with @old's bytes, copied from @old. */
static const void *fetch_copy(void *opaque, void *ppgtt, enum med_scan_space space,
                              uint64_t gma, const void *old, uint64_t have, uint64_t max_len,
                              uint64_t *len)
{
    const uint8_t *src = fake_vm_ops.fetch(opaque, ppgtt, space, gma, old, have, max_len, len);
    void *copy;

    if (copy_count == copy_capacity) {
        size_t capacity = copy_capacity ? 2 * copy_capacity : 64;
        void **grown = realloc(copies, capacity * sizeof(*copies));

        if (!grown) {
            return NULL;
        }
        copies = grown;
        copy_capacity = capacity;
    }
    if (!src || *len < have || !(copy = malloc(*len))) {
        return NULL;
    }
    batches_fetched++;
    if (have) {
        memcpy(copy, old, have);
    }
    memcpy((uint8_t *)copy + have, src + have, *len - have);
    copies[copy_count++] = copy;
    return copy;
}

static struct med_scan_ops ops;
static struct med_scan *scan;

static void set_page_flags(uint64_t present, uint64_t owned)
{
    for (unsigned page = 0; page < FAKE_PPGTT_PAGES; page++) {
        unsigned group = page / 8;

        vm->page_flags[page] = (present >> group & 1 ? FAKE_PRESENT : 0) |
                               (owned >> group & 1 ? FAKE_OWNED : 0);
    }
}

/*
 * What the mediator runs of a result (layout.c): every buffer's len bytes
 * of its copy (ASan stops a read past one) and each start's three dwords
 * inside its buffer, for an accepted scan and for a rejection's prefix
 * alike; anything else aborts.
 */
static void check_runnable(const struct med_scan_result *r)
{
    volatile uint8_t sum = 0;

    if (r->verdict != MED_SCAN_OK && !r->prefix) {
        return;
    }
    for (unsigned b = 0; b < r->buffer_count; b++) {
        for (uint64_t i = 0; i < r->buffers[b].len; i++) {
            sum += ((const uint8_t *)r->buffers[b].host)[i];
        }
        if (r->verdict == MED_SCAN_OK && r->buffers[b].stops) {
            abort();
        }
    }
    for (unsigned i = 0; i < r->bb_start_count; i++) {
        const struct med_scan_bb_start *bs = &r->bb_starts[i];
        const struct med_scan_buffer *to;

        if (bs->buffer >= r->buffer_count || bs->target >= r->buffer_count ||
            bs->offset + 12 > r->buffers[bs->buffer].len) {
            abort();
        }
        /* It lands on a command, or on the stop at a cut. */
        to = &r->buffers[bs->target];
        if (bs->target_offset + 4 > to->len && !(to->stops && bs->target_offset == to->len)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static size_t image_len;
    struct med_scan_result result;
    struct med_scan_request req;
    uint64_t present, owned, ring_len;
    enum gen9_engine engine;
    uint16_t ring_dwords;
    uint32_t *ring;

    if (!scan) {
        vm = fake_vm_create();
        ops = fake_vm_ops;
        ops.fetch = fetch_copy;
        scan = med_scan_create(&(struct med_scan_config){ .ops = &ops, .opaque = vm,
                                                          .limits = limits });
        if (!scan) {
            abort();
        }
    }
    if (size < HEADER) {
        return 0;
    }
    engine = data[0] % GEN9_NUM_ENGINES;
    memcpy(&ring_dwords, data + 1, 2);
    memcpy(&present, data + 3, 8);
    memcpy(&owned, data + 11, 8);
    set_page_flags(present, owned);
    data += HEADER;
    size = (size - HEADER) / 4 * 4;
    if (size > MAX_IMAGE) {
        size = MAX_IMAGE;
    }
    /* Clear the previous input's image, then lay this one out. */
    memset(vm->ggtt, 0, image_len);
    memset(vm->ppgtt, 0, image_len);
    memcpy(vm->ggtt, data, size);
    memcpy(vm->ppgtt, data, size);
    image_len = size;

    ring_len = 4ull * ring_dwords < size ? 4ull * ring_dwords : size;
    ring = malloc(ring_len ? ring_len : 1);
    if (!ring) {
        return 0;
    }
    memcpy(ring, data, ring_len);
    req = (struct med_scan_request){ .engine = engine, .commands = ring, .len = ring_len,
                                     .gma = FAKE_GGTT_BASE };
    med_scan(scan, &req, &result);
    check_runnable(&result);
    /* A prefix cut shorter, as for a window it does not fit (layout.c),
     * by an amount the input picks: as runnable. */
    if (med_scan_cut_prefix(scan, engine, &result, (owned >> 40) % 8192, &(unsigned){ 0 })) {
        check_runnable(&result);
    }
    free(ring);
    while (copy_count) {
        free(copies[--copy_count]);
    }
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    struct med_scan_stats st = { 0 };

    if (scan) {
        med_scan_get_stats(scan, &st);
    }
    report("med_scan: commands decoded", st.commands);
    report("med_scan: batches fetched and followed", batches_fetched);
    /* Every verdict but the host's own lack of memory, which no input causes. */
    for (unsigned v = 0; v < MED_SCAN_VERDICT_COUNT; v++) {
        char what[80];

        if (v == MED_SCAN_NO_MEMORY) {
            continue;
        }
        snprintf(what, sizeof(what), "med_scan: verdict %s", med_scan_verdict_name(v));
        report(what, st.verdicts[v]);
    }
}
