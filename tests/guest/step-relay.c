/*
 * The gem-relay step (issue 18: gem_exec_store's lost stores): values
 * relayed on the GPU from batch to batch, each batch on another engine and
 * in another context (each context its own PPGTT), while every round puts
 * new objects at the addresses the round before used.  A round's first
 * batch stores its words into buffer 0; each next batch loads the words
 * of the buffer before into a CS GPR (MI_LOAD_REGISTER_MEM) and stores
 * them into its own (MI_STORE_REGISTER_MEM).  i915 orders the batches by
 * the buffers they share (implicit fences across engines); the CPU then
 * checks every word of every buffer.  Buffers and batches are closed at the
 * end of each round, so the next round's objects take the same addresses
 * in every context: new pages behind old addresses, page tables freed and
 * taken again (each object alone in its 2 MiB, at the top of the address
 * space as IGT's allocator puts them).  A translation the
 * mediator kept from before, a copy of an old batch, or a store that went
 * elsewhere shows as a wrong word.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define ROUNDS      12
#define HOPS        4           /* batches after the first: one per engine */
#define WORDS       32          /* relayed per batch */
#define BUF_SIZE    4096u
/* At the top of the address space, as IGT's allocator puts them (canonical
 * form: bit 47 extended): buffer h at VA_BUFFERS - h * 2 MiB, batch h
 * at VA_BATCHES - h * 2 MiB. */
#define VA_BUFFERS  0xffffffffffe00000ull
#define VA_BATCHES  0xffffffffbfe00000ull
#define VA_STRIDE   (2ull << 20)
/* i915's debugfs (i915_debugfs.c): DROP_RETIRE | DROP_ACTIVE | DROP_FREED |
 * DROP_IDLE, what IGT's gem_quiescent_gpu() asks for. */
#define DROP_CACHES     "/sys/kernel/debug/dri/0/i915_gem_drop_caches"
#define DROP_QUIESCENT  "0x5c"

#define MI_LOAD_REGISTER_MEM    0x14800002u     /* PPGTT, 4 dwords */
#define MI_STORE_REGISTER_MEM   0x12000002u
#define CS_GPR0                 0x600u          /* from the engine's base */

static const struct {
    const char *name;
    unsigned flag;
    uint32_t base;
} engines[] = {
    { "rcs", I915_EXEC_RENDER, 0x2000 },
    { "bcs", I915_EXEC_BLT, 0x22000 },
    { "vcs", I915_EXEC_BSD, 0x12000 },
    { "vecs", I915_EXEC_VEBOX, 0x1a000 },
};
#define ENGINES (sizeof(engines) / sizeof(engines[0]))

static bool write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static uint32_t word_of(unsigned round, unsigned word)
{
    return 0x4e000000u | round << 16 | word << 8 | ((round * 31 + word) & 0xff);
}

/* Batch @hop of @round into @batch: the first stores the round's words
 * into buffer 0, the others relay buffer hop - 1 into buffer hop through a
 * GPR of @base's engine. */
static uint32_t relay_batch(const struct gem_buffer *batch, unsigned round, unsigned hop,
                            uint32_t base)
{
    uint32_t *cs = batch->map;
    uint64_t from = VA_BUFFERS - (hop - 1) * VA_STRIDE, to = VA_BUFFERS - hop * VA_STRIDE;

    for (unsigned w = 0; w < WORDS; w++) {
        if (!hop) {
            cs = emit_store(cs, to + 4 * w, word_of(round, w));
            continue;
        }
        *cs++ = MI_LOAD_REGISTER_MEM;
        *cs++ = base + CS_GPR0;
        *cs++ = (uint32_t)(from + 4 * w);
        *cs++ = (uint32_t)((from + 4 * w) >> 32);
        *cs++ = MI_STORE_REGISTER_MEM;
        *cs++ = base + CS_GPR0;
        *cs++ = (uint32_t)(to + 4 * w);
        *cs++ = (uint32_t)((to + 4 * w) >> 32);
    }
    return emit_end(batch->map, cs);
}

/* One round; false (recorded in @r) at the first error or wrong word. */
static bool relay_round(struct result *r, int fd, const uint32_t *ctx, unsigned round)
{
    struct gem_buffer bufs[HOPS + 1], batches[HOPS + 1];
    bool ok = true;

    memset(bufs, 0, sizeof(bufs));
    memset(batches, 0, sizeof(batches));
    for (unsigned h = 0; ok && h <= HOPS; h++) {
        ok = gem_buffer_create(r, fd, BUF_SIZE, VA_BUFFERS - h * VA_STRIDE, &bufs[h]) &&
             gem_buffer_create(r, fd, BUF_SIZE, VA_BATCHES - h * VA_STRIDE, &batches[h]);
    }
    /* Each hop on the next engine, in a context two on from the last. */
    for (unsigned h = 0; ok && h <= HOPS; h++) {
        unsigned e = (round + h) % ENGINES, c = (round + 2 * h) % ENGINES;
        const struct gem_buffer *targets[2] = { &bufs[h], h ? &bufs[h - 1] : NULL };
        uint32_t len = relay_batch(&batches[h], round, h, engines[e].base);
        int err = gem_execute(fd, ctx[c], engines[e].flag, &batches[h], 0, len, targets,
                              h ? 2 : 1);

        if (err) {
            result_add(r, "error", "round %u hop %u on %s:execbuffer2:%s", round, h,
                       engines[e].name, strerror(err));
            ok = false;
        }
    }
    if (ok && gem_wait(fd, &bufs[HOPS])) {
        result_add(r, "error", "round %u: the last hop did not finish", round);
        ok = false;
    }
    for (unsigned h = 0; ok && h <= HOPS; h++) {
        const uint32_t *got = bufs[h].map;

        for (unsigned w = 0; w < WORDS; w++) {
            if (got[w] != word_of(round, w)) {
                result_add(r, "wrong", "round %u hop %u (%s) word %u: 0x%08x, not 0x%08x",
                           round, h, engines[(round + h) % ENGINES].name, w, got[w],
                           word_of(round, w));
                ok = false;
                break;
            }
        }
    }
    for (unsigned h = 0; h <= HOPS; h++) {
        gem_buffer_free(fd, &bufs[h]);
        gem_buffer_free(fd, &batches[h]);
    }
    /* Idle, retired and freed, as IGT's gem_quiescent_gpu() between two
     * subtests: i915 unbinds the closed objects and frees their page
     * tables, which the next round's objects take again. */
    if (!write_text(DROP_CACHES, DROP_QUIESCENT)) {
        result_add(r, "error", DROP_CACHES ":%s", strerror(errno));
        ok = false;
    }
    return ok;
}

bool step_gem_relay(struct result *r)
{
    uint32_t ctx[ENGINES] = { 0 };
    unsigned rounds = 0;
    bool ok = true;
    int fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    for (unsigned c = 0; ok && c < ENGINES; c++) {
        ok = gem_context_create(r, fd, &ctx[c]);
    }
    for (; ok && rounds < ROUNDS; rounds++) {
        ok = relay_round(r, fd, ctx, rounds);
    }
    result_add(r, "rounds", "%u", rounds);
    result_add(r, "words", "%u", rounds * (HOPS + 1) * WORDS);
    for (unsigned c = 0; c < ENGINES; c++) {
        if (ctx[c]) {
            gem_context_destroy(fd, ctx[c]);
        }
    }
    close(fd);
    return ok;
}
