/*
 * native-workload.c - the mixed RCS + BCS acceptance workload.
 *
 * Even iterations run an RCS batch of MI_STORE_DATA_IMMs, odd ones a BCS
 * batch of XY_COLOR_BLT + XY_SRC_COPY_BLT; each writes one 256-byte result
 * slot that the CPU checks once the batch's breadcrumb has landed, before
 * the slot is reused.  Everything is derived from the seed, so two runs with
 * the same seed produce the same digest.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tools/native-workload.h"

#include <errno.h>
#include <string.h>

#include "pgpu/skl-regs.h"

#define SLOTS               64
#define SLOT_BYTES          256
#define SLOT_DWORDS         (SLOT_BYTES / 4)
#define SUBMIT_EVERY        8
#define WAIT_MS             10000
#define PATTERN_WIDTH       64          /* pixels, 32 bpp */
#define PATTERN_HEIGHT      64
#define BLIT_WIDTH          16          /* a slot is 16 x 4 pixels */
#define BLIT_PITCH          (BLIT_WIDTH * 4)
#define VA_BATCHES          0x100000000ull
#define VA_RESULTS          0x200000000ull
#define VA_PATTERN          0x300000000ull
#define VA_LANE_STRIDE      0x010000000ull

struct lane {
    struct native_ctx *ctx;
    struct native_bo *batches;          /* one page per slot */
    struct native_bo *results;
    uint64_t batch_va, result_va;
    uint32_t seqno[SLOTS];
    unsigned iteration[SLOTS];
    bool busy[SLOTS];
};

struct workload {
    struct native *n;
    uint32_t seed;
    struct lane lanes[2];               /* [0] RCS, [1] BCS */
    struct native_bo *pattern;
    struct workload_result result;
};

static uint32_t mix(uint32_t seed, uint32_t a, uint32_t b)
{
    uint64_t x = (uint64_t)seed << 32 ^ (uint64_t)a * 0x9e3779b97f4a7c15ull ^ b;

    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    return (uint32_t)x;
}

static void digest_add(uint64_t *digest, const void *data, size_t len)
{
    const uint8_t *p = data;

    for (size_t i = 0; i < len; i++) {
        *digest = (*digest ^ p[i]) * 0x100000001b3ull;
    }
}

/* RCS: one MI_STORE_DATA_IMM per result dword. */
static void build_rcs_batch(struct workload *w, uint32_t *batch, uint64_t slot_va,
                            unsigned iteration)
{
    unsigned k = 0;

    for (unsigned j = 0; j < SLOT_DWORDS; j++) {
        uint64_t addr = slot_va + 4 * j;

        batch[k++] = MI_STORE_DATA_IMM;
        batch[k++] = (uint32_t)addr;
        batch[k++] = (uint32_t)(addr >> 32);
        batch[k++] = mix(w->seed, iteration, j);
    }
    batch[k++] = MI_BATCH_BUFFER_END;
}

static void rcs_expected(const struct workload *w, unsigned iteration, uint32_t *out)
{
    for (unsigned j = 0; j < SLOT_DWORDS; j++) {
        out[j] = mix(w->seed, iteration, j);
    }
}

/* Where in the pattern the BCS source copy of @iteration starts. */
static void blit_source(const struct workload *w, unsigned iteration, unsigned *x,
                        unsigned *y)
{
    uint32_t r = mix(w->seed, iteration, 0x51c);

    *x = r % (PATTERN_WIDTH - BLIT_WIDTH);
    *y = (r >> 16) % (PATTERN_HEIGHT - 2);
}

/* BCS: fill rows 0-1 of the slot, copy two pattern rows into rows 2-3. */
static void build_bcs_batch(struct workload *w, uint32_t *batch, uint64_t slot_va,
                            unsigned iteration)
{
    uint32_t enables = BLT_WRITE_ALPHA | BLT_WRITE_RGB;
    unsigned sx, sy;
    uint64_t src = VA_PATTERN;

    blit_source(w, iteration, &sx, &sy);
    uint32_t cmds[] = {
        XY_COLOR_BLT | enables, BR13_ROP_PATCOPY | BR13_DEPTH_32 | BLIT_PITCH,
        0, 2u << 16 | BLIT_WIDTH, (uint32_t)slot_va, (uint32_t)(slot_va >> 32),
        mix(w->seed, iteration, 0xc0),
        XY_SRC_COPY_BLT | enables, BR13_ROP_SRCCOPY | BR13_DEPTH_32 | BLIT_PITCH,
        2u << 16, 4u << 16 | BLIT_WIDTH, (uint32_t)slot_va, (uint32_t)(slot_va >> 32),
        sy << 16 | sx, PATTERN_WIDTH * 4, (uint32_t)src, (uint32_t)(src >> 32),
        MI_BATCH_BUFFER_END,
    };

    memcpy(batch, cmds, sizeof(cmds));
}

static void bcs_expected(const struct workload *w, unsigned iteration, uint32_t *out)
{
    const uint32_t *pattern = w->pattern->map;
    unsigned sx, sy;

    blit_source(w, iteration, &sx, &sy);
    for (unsigned x = 0; x < BLIT_WIDTH; x++) {
        out[x] = out[BLIT_WIDTH + x] = mix(w->seed, iteration, 0xc0);
        for (unsigned row = 0; row < 2; row++) {
            out[(2 + row) * BLIT_WIDTH + x] = pattern[(sy + row) * PATTERN_WIDTH + sx + x];
        }
    }
}

/* Wait for the batch in @slot of lane @lane_index, check and clear its result. */
static int retire_slot(struct workload *w, unsigned lane_index, unsigned slot)
{
    struct lane *lane = &w->lanes[lane_index];
    uint32_t *result = (uint32_t *)((uint8_t *)lane->results->map + slot * SLOT_BYTES);
    uint32_t expected[SLOT_DWORDS];
    int ret;

    ret = native_submit(lane->ctx);
    if (!ret) {
        ret = native_wait(lane->ctx, lane->seqno[slot], WAIT_MS);
    }
    if (ret) {
        return ret;
    }
    if (lane_index == 0) {
        rcs_expected(w, lane->iteration[slot], expected);
    } else {
        bcs_expected(w, lane->iteration[slot], expected);
    }
    if (memcmp(result, expected, SLOT_BYTES)) {
        w->result.mismatches++;
    }
    digest_add(&w->result.digest, &lane->iteration[slot], sizeof(unsigned));
    digest_add(&w->result.digest, result, SLOT_BYTES);
    memset(result, 0, SLOT_BYTES);
    lane->busy[slot] = false;
    w->result.batches++;
    return 0;
}

static int setup_lane(struct workload *w, unsigned index, enum gen9_engine engine)
{
    struct lane *lane = &w->lanes[index];
    struct native_vm *vm = native_vm_new(w->n);

    if (!vm) {
        return -ENOMEM;
    }
    lane->batch_va = VA_BATCHES + index * VA_LANE_STRIDE;
    lane->result_va = VA_RESULTS + index * VA_LANE_STRIDE;
    lane->ctx = native_ctx_new(w->n, engine, vm);
    lane->batches = native_bo_new(w->n, SLOTS * PGPU_PAGE_SIZE, false);
    lane->results = native_bo_new(w->n, SLOTS * SLOT_BYTES, false);
    if (!lane->ctx || !lane->batches || !lane->results ||
        native_vm_bind(vm, lane->batches, lane->batch_va) ||
        native_vm_bind(vm, lane->results, lane->result_va) ||
        native_vm_bind(vm, w->pattern, VA_PATTERN)) {
        return -ENOMEM;
    }
    return 0;
}

static int run(struct workload *w, unsigned batches)
{
    uint32_t *pattern = w->pattern->map;
    int ret;

    for (unsigned i = 0; i < PATTERN_WIDTH * PATTERN_HEIGHT; i++) {
        pattern[i] = mix(w->seed, 0x9a77e2, i);
    }
    if ((ret = setup_lane(w, 0, GEN9_RCS)) || (ret = setup_lane(w, 1, GEN9_BCS))) {
        return ret;
    }
    for (unsigned i = 0; i < batches; i++) {
        unsigned lane_index = i % 2, slot = i / 2 % SLOTS;
        struct lane *lane = &w->lanes[lane_index];
        uint32_t *batch = (uint32_t *)((uint8_t *)lane->batches->map + slot * PGPU_PAGE_SIZE);
        uint64_t slot_va = lane->result_va + slot * SLOT_BYTES;

        if (lane->busy[slot] && (ret = retire_slot(w, lane_index, slot))) {
            return ret;
        }
        if (lane_index == 0) {
            build_rcs_batch(w, batch, slot_va, i);
        } else {
            build_bcs_batch(w, batch, slot_va, i);
        }
        native_emit_batch(lane->ctx, lane->batch_va + slot * PGPU_PAGE_SIZE, true);
        lane->seqno[slot] = native_emit_breadcrumb(lane->ctx);
        lane->iteration[slot] = i;
        lane->busy[slot] = true;
        if (slot % SUBMIT_EVERY == SUBMIT_EVERY - 1 && (ret = native_submit(lane->ctx))) {
            return ret;
        }
    }
    /* drain in iteration order so the digest does not depend on timing */
    for (unsigned i = batches > 2 * SLOTS ? batches - 2 * SLOTS : 0; i < batches; i++) {
        unsigned lane_index = i % 2, slot = i / 2 % SLOTS;

        if (w->lanes[lane_index].busy[slot] &&
            w->lanes[lane_index].iteration[slot] == i &&
            (ret = retire_slot(w, lane_index, slot))) {
            return ret;
        }
    }
    return 0;
}

struct workload_result native_mixed_workload(struct native *n, unsigned batches,
                                             uint32_t seed)
{
    struct workload w = {
        .n = n, .seed = seed, .result = { .digest = 0xcbf29ce484222325ull },
    };

    w.pattern = native_bo_new(n, PATTERN_WIDTH * PATTERN_HEIGHT * 4, false);
    w.result.error = w.pattern ? run(&w, batches) : -ENOMEM;
    return w.result;
}
