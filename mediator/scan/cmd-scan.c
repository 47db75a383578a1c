/*
 * cmd-scan.c - the command scanner's generic loop (decode, length, state
 * pointers, control flow through batches, limits) and the handlers of the
 * commands with semantics to audit (cmd-scan.h, docs/scanner.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/scan/cmd-table.h"

#include "mediator/grow.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GGTT_SIZE           (4ull << 30)
#define ADDRESS_LIMIT       (1ull << 48)
#define HWSP_SIZE           4096u           /* "store data index" offsets */
#define REG_OFFSET_MASK     0x007ffffcu     /* a register dword: bits 22:2 */
#define MAX_LEVEL           2               /* ring, first-level, second-level */
#define FIRST_WINDOW        1024u           /* first copy of a batch; then 4x larger */
#define GTT_PAGE            4096u
#define GOOD_RANGES         4               /* a blit's two surfaces, a store's page, a batch */
#define HEADER_CACHE_BITS   8               /* i915's golden context's 85 packets fit */
#define HEADER_CACHE        (1u << HEADER_CACHE_BITS)
#define KNOWN_BATCHES       16              /* batches a scan finds again by address (2^4) */
#define MAX_WRITES          1024            /* write ranges; beyond, it may write anything */

#define BIT(n)              (1u << (n))
/* The per-command audits: inlined into each handler (measured with
 * callgrind, docs/scanner.md), the rejections they lead to stay calls. */
#define HOT                 static inline __attribute__((always_inline))
#define MI_USE_GGTT         BIT(22)         /* MI memory commands, dword 0 */
#define BBS_SECOND_LEVEL    BIT(22)
#define BBS_PPGTT           BIT(8)
#define BBS_FLAGS           0x007fff00u     /* dword 0 bits 22:8 */
#define SDI_QWORD           BIT(21)
#define SDI_CORE_MODE       BIT(0)          /* in the address dword */
#define SDI_INDEX_OFFSET    0xffcu          /* MI_STORE_DATA_INDEX dword 1 bits 11:2 */
#define SEM_REGISTER_POLL   BIT(16)
#define COND_BBE_MASK_MODE  BIT(19)
#define FLUSH_STORE_INDEX   BIT(21)
#define FLUSH_USE_GGTT      BIT(2)          /* in the address dword */
#define PC_GLOBAL_GTT       BIT(24)         /* PIPE_CONTROL dword 1 */
#define PC_MMIO_WRITE       BIT(23)
#define PC_STORE_INDEX      BIT(21)
#define POST_SYNC_OP(dw)    (((dw) >> 14) & 3)
#define POST_SYNC_RESERVED  2               /* MI_FLUSH_DW only */
#define POST_SYNC_TIMESTAMP 3
#define BLT_SRC_TILED       BIT(15)
#define BLT_DST_TILED       BIT(11)

static const struct med_scan_limits default_limits = {
    .max_commands = 4u << 20,
    .max_total_bytes = 64u << 20,
    .max_batches = 1024,
};

/* Where the loop is in one buffer. */
struct frame {
    unsigned buffer;            /* index into the buffers */
    const uint32_t *dw;
    uint64_t dwords;            /* available in the copy */
    uint64_t pos;               /* dword index of the current command */
    unsigned activation;        /* entry into this level, for loop detection */
    uint64_t window;            /* bytes asked of fetch for this copy */
    bool privileged;            /* its buffer's (med_scan_buffer.privileged) */
};

/* A decoded header (see med_scan.headers).  An empty slot holds a dw0
 * that hashes to another slot (empty_headers()), so that a header found
 * in its own slot is always a decoded one. */
struct header_entry {
    uint32_t dw0;
    unsigned len;
    const struct med_cmd_desc *desc;
    uint32_t state_ptrs;                /* desc->state_ptrs, for FAST_POINTERS */
    uint8_t fast;                       /* enum fast_path */
    uint8_t store_space;                /* FAST_STORE: dword 0's enum med_scan_space */
    uint8_t store_bytes;                /* FAST_STORE: bytes written, core mode aside */
    /* The good range (med_scan_state.good) that held an access of the
     * last command of this header, the first one tried for the next: per
     * address of a blit (destination, source), per space (enum
     * med_scan_space) for a command's one address (a PIPE_CONTROL's
     * write goes to the GGTT or the PPGTT by its dword 1: i915's
     * breadcrumb and a batch's post-sync write share a header).  Only a
     * hint, checked like any range, so it may outlive its scan. */
    uint8_t hints[2];
    /* The same for the write ranges (med_scan_state.written), per space. */
    uint8_t write_hints[2];
};

struct med_scan {
    /* Per engine, headers that decoded to an allowed command of a valid
     * length there, with their row and length: headers repeat (a ring's
     * stores, a batch's blits, a draw's state packets, the same packets
     * from one request to the next), and a repeated header needs none of
     * those checks again.  What is cached follows from the header and the
     * engine alone, so it holds across scans. */
    struct header_entry headers[GEN9_NUM_ENGINES][HEADER_CACHE];
    struct med_scan_config config;
    struct med_scan_limits limits;
    struct med_scan_stats stats;
    struct med_scan_buffer *buffers;
    unsigned *activations;      /* per buffer */
    struct med_scan_bb_start *bb_starts;
    unsigned capacity;          /* of the three arrays */
    struct med_scan_write *writes;      /* med_scan_result.writes */
    unsigned write_capacity;
};

/* Bytes [lo, hi) of a space, on pages all the vGPU's; lo == hi: none. */
struct good_range {
    uint64_t lo, hi;
};

/* The blits with a handler, by how their dwords 0-1 give depth and
 * tiling (blt_decode()). */
enum blt_kind {
    BLT_SRC_COPY,               /* XY_SRC_COPY_BLT */
    BLT_COLOR,                  /* XY_COLOR_BLT: a destination only */
    BLT_FAST_COPY,              /* XY_FAST_COPY_BLT */
};

/* How the scan loop passes a command of a cached header without calling
 * its handler: the commands that dominate real streams.  Each passes a
 * subset of what its handler passes and leaves the rest to the handler,
 * which decides (and names the reason): a handler made stricter makes
 * its fast path so too. */
enum fast_path {
    FAST_NONE,                  /* a handler: the full path */
    FAST_PLAIN,                 /* nothing to audit past the length (MI_NOOP, 3D state) */
    FAST_POINTERS,              /* state pointers in canonical form, no handler */
    FAST_STORE,                 /* MI_STORE_DATA_IMM of dwords on the good range of its hint */
    FAST_PIPE_CONTROL,          /* no post-sync write, or one on the good range of its hint */
    /* a blit whose surfaces lie on the good ranges of their hints, by kind
     * (enum blt_kind: FAST_BLIT + kind) */
    FAST_BLIT,
    FAST_BLIT_LAST = FAST_BLIT + BLT_FAST_COPY,     /* keeps the kinds' values apart */
    FAST_LRI,                   /* MI_LOAD_REGISTER_IMM of registers the buffer may load */
    FAST_INTERRUPT,             /* MI_USER_INTERRUPT: noted in the result */
    FAST_VERTEX_BUFFERS,        /* whole elements, each address in canonical form */
    FAST_WRITES_ANY,            /* no handler, no pointer: noted as writing anything */
};

/* One scan in progress. */
struct med_scan_state {
    struct med_scan *scan;
    const struct med_scan_request *req;
    struct med_scan_result *result;
    const struct med_cmd_desc *desc;    /* of the current command */
    struct frame frames[MAX_LEVEL + 1];
    int level;                  /* top frame; -1 when done */
    unsigned next_activation;
    uint64_t fetched;           /* batch bytes fetched so far */
    bool jumped;                /* the handler moved the loop elsewhere */
    /* Per space (enum med_scan_space), the pages of the last ranges found
     * good, replaced round robin at good_next: a batch's accesses mostly
     * fall in the same few ranges, e.g. a copy's source and destination
     * in turn.  Each access tries first the range its hint names (the
     * current header's hints, or batch_hint for the batches themselves). */
    struct good_range good[2][GOOD_RANGES];
    unsigned good_next[2];
    uint8_t *hints;                     /* the current command's (header_entry.hints) */
    uint8_t batch_hint;
    struct header_entry *headers;       /* the scan's engine's (med_scan.headers) */
    /* Batches scanned in this scan, by address (buffer index, 0: none): a
     * ring that starts the same batch request after request runs one
     * copy, scanned once (known_batch()). */
    unsigned known[KNOWN_BATCHES];
    /* Per space, the pages of the last write ranges recorded (entries of
     * med_scan.writes, at written_index), replaced round robin: a write
     * inside one adds nothing, so the fast paths pass a write on the
     * range its header's write hint names with one compare. */
    struct good_range written[2][GOOD_RANGES];
    unsigned written_index[2][GOOD_RANGES];
    unsigned written_next[2];
    uint8_t *write_hints;               /* the current command's (header_entry.write_hints) */
    /* The ring-level batch start the scan is under, as the result was
     * before it: where the ring is cut if one of its batches is one an
     * earlier batch may write (split_before_chain()). */
    struct {
        uint64_t cut;           /* ring bytes before the start; 0: no cut */
        unsigned buffers, bb_starts, writes;
    } chain;
};

static struct frame *top(struct med_scan_state *s)
{
    return &s->frames[s->level];
}

static struct med_scan_buffer *top_buffer(struct med_scan_state *s)
{
    return &s->scan->buffers[top(s)->buffer];
}

static const char *space_name(enum med_scan_space space)
{
    return space == MED_SCAN_GGTT ? "ggtt" : "ppgtt";
}

/*
 * Record the rejection of the current command: the verdict, and a reason
 * naming what was wrong, the command and where it is.
 */
static enum med_scan_verdict __attribute__((format(printf, 3, 4), cold, noinline))
reject(struct med_scan_state *s, enum med_scan_verdict verdict, const char *fmt, ...)
{
    struct med_scan_result *r = s->result;
    const struct frame *f = top(s);
    const struct med_scan_buffer *b = top_buffer(s);
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(r->reason)) {
        const char *what = b->level ? "batch" : "ring";

        if (f->pos < f->dwords) {
            snprintf(r->reason + n, sizeof(r->reason) - n,
                     ": %s (0x%08" PRIx32 ") at +0x%" PRIx64 " of %s 0x%" PRIx64 " (%s) on %s",
                     s->desc ? s->desc->cmd->name : "command", f->dw[f->pos], 4 * f->pos, what,
                     b->gma, space_name(b->space), gen9_engines[s->req->engine].name);
        } else {
            snprintf(r->reason + n, sizeof(r->reason) - n,
                     ": at +0x%" PRIx64 " of %s 0x%" PRIx64 " (%s) on %s", 4 * f->pos, what,
                     b->gma, space_name(b->space), gen9_engines[s->req->engine].name);
        }
    }
    r->verdict = verdict;
    return verdict;
}

/*
 * A 48-bit graphics address from dwords @i (bits 31:2, then @low_mask) and
 * @i + 1 (bits 15:0 = address bits 47:32).  Bits 31:16 of the high dword
 * are clear, or the sign extension of bit 47 (the canonical form): i915
 * writes its own batch starts with bit 47 set and bits 63:48 clear (it
 * keeps addresses in that form, gen8_noncanonical_addr()), and the GPU
 * uses bits 47:0 only.
 */
HOT bool canonical_high(uint32_t high_dw)
{
    /* bits 31:16 all clear, or all set with bit 15: high_dw in
     * [0, 0xffff] or [0xffff8000, 0xffffffff], which the offset folds
     * into one interval */
    return high_dw + 0x8000u < 0x18000u;
}

/* The address in dwords @i (bits 31:2, then @low_mask) and @i + 1 (bits
 * 15:0), whatever the form of the rest. */
HOT uint64_t cmd_gma(const uint32_t *cmd, unsigned i, uint32_t low_mask)
{
    return (cmd[i] & low_mask) | (uint64_t)(cmd[i + 1] & 0xffff) << 32;
}

HOT bool cmd_address(struct med_scan_state *s, const uint32_t *cmd, unsigned i,
                        uint32_t low_mask, uint64_t *gma)
{
    if (!canonical_high(cmd[i + 1])) {
        reject(s, MED_SCAN_BAD_ADDRESS, "address 0x%08" PRIx32 "%08" PRIx32
               " in dwords %u-%u is not a canonical 48-bit address", cmd[i + 1], cmd[i],
               i, i + 1);
        return false;
    }
    *gma = cmd_gma(cmd, i, low_mask);
    return true;
}

HOT bool in_good_range(const struct good_range *g, uint64_t gma, uint64_t len)
{
    return gma >= g->lo && gma + len <= g->hi;
}

/* range_ok() when the range is on none of the good ranges' pages: ask the
 * mediator, and remember the pages of a good answer: joined to a good
 * range of the space they overlap or touch (pages next to good pages are
 * one good range: a batch's requests one after the other, a surface
 * copied rectangle by rectangle), else in place of the oldest. */
static bool __attribute__((noinline)) ask_range(struct med_scan_state *s,
                                                enum med_scan_space space, uint64_t gma,
                                                uint64_t len, uint8_t *hint)
{
    const struct med_scan_ops *ops = s->scan->config.ops;
    void *opaque = s->scan->config.opaque;
    bool ok = space == MED_SCAN_GGTT ? ops->ggtt_range_ok(opaque, gma, len)
                                     : ops->ppgtt_range_ok(opaque, s->req->ppgtt, gma, len);
    /* the answer covers the whole pages of the range */
    uint64_t lo = gma & ~(uint64_t)(GTT_PAGE - 1), hi = ((gma + len - 1) | (GTT_PAGE - 1)) + 1;

    if (!ok || !len) {
        return ok;
    }
    for (unsigned i = 0; i < GOOD_RANGES; i++) {
        struct good_range *g = &s->good[space][i];

        if (g->lo < g->hi && lo <= g->hi && g->lo <= hi) {
            g->lo = lo < g->lo ? lo : g->lo;
            g->hi = hi > g->hi ? hi : g->hi;
            *hint = (uint8_t)i;
            return true;
        }
    }
    s->good[space][s->good_next[space]] = (struct good_range){ .lo = lo, .hi = hi };
    *hint = (uint8_t)s->good_next[space];
    s->good_next[space] = (s->good_next[space] + 1) % GOOD_RANGES;
    return true;
}

/* Is every byte of [@gma, @gma + @len) the vGPU's in @space?  Asked of
 * the mediator unless it lies on the pages of one of the ranges found
 * good earlier in this scan: the one *@hint names first (a batch's
 * stores all hit one, a blit's destination another), then the others;
 * *@hint is set to the range that held it.  The callers' @gma are below
 * 2^49 (48-bit addresses, plus a blit's extent) and their @len the sizes
 * of a host copy or of a blit's extent, so @gma + @len does not wrap, and
 * a range within a good one is within the space's limit: that is checked
 * only before the mediator is asked. */
HOT bool range_ok(struct med_scan_state *s, enum med_scan_space space, uint64_t gma,
                 uint64_t len, uint8_t *hint)
{
    uint64_t limit = space == MED_SCAN_GGTT ? GGTT_SIZE : ADDRESS_LIMIT;

    if (len && in_good_range(&s->good[space][*hint], gma, len)) {
        return true;
    }
    for (unsigned i = 0; len && i < GOOD_RANGES; i++) {
        if (in_good_range(&s->good[space][i], gma, len)) {
            *hint = (uint8_t)i;
            return true;
        }
    }
    if (gma >= limit || len > limit - gma) {
        return false;
    }
    return ask_range(s, space, gma, len, hint);
}

/* Every byte of [@gma, @gma + @len) must be the vGPU's in @space. */
HOT bool audit_range(struct med_scan_state *s, enum med_scan_space space, uint64_t gma,
                 uint64_t len, uint8_t *hint, const char *what)
{
    bool ok = range_ok(s, space, gma, len, hint);

    if (!ok) {
        reject(s, MED_SCAN_BAD_ADDRESS, "%s [0x%" PRIx64 ", 0x%" PRIx64
               ") is outside the vGPU's %s", what, gma, gma + len,
               space == MED_SCAN_GGTT ? "GGTT partition or on a page not mapped to its RAM"
                                      : "PPGTT memory");
    }
    return ok;
}


/*
 * The current command writes [@gma, @gma + @len) of @space, which the
 * good range @good holds (audited just now): nothing new when its pages
 * lie in a write range remembered; else they join one they touch if that
 * range is the current ring-level batch's (so that the ranges before it
 * stay as they were, split_before_chain()), or make a new range; past
 * MAX_WRITES ranges (or without memory for them) the result may write
 * anything.  *@hint is set to the remembered range.  Every remembered
 * range lies on pages audited as the vGPU's (the fast paths rely on it):
 * once the result may write anything, the good range @good is copied in.
 */
static void __attribute__((noinline)) record_write(struct med_scan_state *s,
                                                   enum med_scan_space space, uint64_t gma,
                                                   uint64_t len, uint8_t *hint, unsigned good)
{
    struct med_scan *scan = s->scan;
    struct med_scan_result *r = s->result;
    struct good_range *ranges = s->written[space];
    uint64_t lo = gma & ~(uint64_t)(GTT_PAGE - 1), hi = ((gma + len - 1) | (GTT_PAGE - 1)) + 1;
    unsigned slot;

    if (r->writes_any) {
        ranges[good] = s->good[space][good];
        *hint = (uint8_t)good;
        return;
    }
    if (!len) {
        return;
    }
    for (unsigned i = 0; i < GOOD_RANGES; i++) {
        if (in_good_range(&ranges[i], lo, hi - lo)) {
            *hint = (uint8_t)i;
            return;
        }
    }
    for (unsigned i = 0; i < GOOD_RANGES; i++) {
        struct good_range *g = &ranges[i];

        if (g->lo < g->hi && lo <= g->hi && g->lo <= hi &&
            s->written_index[space][i] >= s->chain.writes) {
            struct med_scan_write *w = &scan->writes[s->written_index[space][i]];

            w->lo = g->lo = lo < g->lo ? lo : g->lo;
            w->hi = g->hi = hi > g->hi ? hi : g->hi;
            *hint = (uint8_t)i;
            return;
        }
    }
    if (r->write_count == scan->write_capacity) {
        struct med_scan_write *grown = 2 * scan->write_capacity <= MAX_WRITES
            ? med_grow(scan->writes, &scan->write_capacity, r->write_count, sizeof(*grown), 64)
            : NULL;

        if (!grown) {
            r->writes_any = true;
            return;
        }
        scan->writes = grown;
    }
    scan->writes[r->write_count] = (struct med_scan_write){ .space = space, .lo = lo, .hi = hi };
    slot = s->written_next[space];
    s->written_next[space] = (slot + 1) % GOOD_RANGES;
    ranges[slot] = (struct good_range){ .lo = lo, .hi = hi };
    s->written_index[space][slot] = r->write_count++;
    *hint = (uint8_t)slot;
}

/* Dwords @addr_dw and @addr_dw + 1 address @len bytes in @space (a
 * command's one address: its hint is the header's for the space). */
HOT enum med_scan_verdict audit_access(struct med_scan_state *s, const uint32_t *cmd,
                                          unsigned addr_dw, uint32_t low_mask,
                                          enum med_scan_space space, uint64_t len,
                                          const char *what)
{
    uint64_t gma;

    if (!cmd_address(s, cmd, addr_dw, low_mask, &gma) ||
        !audit_range(s, space, gma, len, &s->hints[space], what)) {
        return s->result->verdict;
    }
    if (s->desc->writes == MED_CMD_WRITES_ACCESS) {
        record_write(s, space, gma, len, &s->write_hints[space], s->hints[space]);
    }
    return MED_SCAN_OK;
}

static enum med_scan_space mi_space(uint32_t dw0)
{
    return dw0 & MI_USE_GGTT ? MED_SCAN_GGTT : MED_SCAN_PPGTT;
}

/*
 * A register dword: bits 22:2 the offset, the rest must be clear.  PPGTT
 * batches may only name user rows, and read user-read rows; a @load (LRI,
 * LRM, LRR's destination) no read-only row.
 */
HOT bool register_allowed(enum gen9_engine engine, uint32_t reg_dw, bool privileged, bool load)
{
    const struct med_reg_desc *reg =
        reg_dw & ~REG_OFFSET_MASK ? NULL : med_reg_lookup(engine, reg_dw);

    return reg && (reg->user || privileged || (reg->user_read && !load)) &&
           !(load && reg->read_only);
}

/* Why register_allowed() refused @reg_dw. */
static bool __attribute__((cold, noinline)) register_refused(struct med_scan_state *s,
                                                             uint32_t reg_dw, bool load)
{
    const char *use = load ? "load" : "read";
    uint32_t offset = reg_dw & REG_OFFSET_MASK;
    const struct med_reg_desc *reg = med_reg_lookup(s->req->engine, offset);

    if (reg_dw & ~REG_OFFSET_MASK) {
        reject(s, MED_SCAN_BAD_REGISTER, "register dword 0x%08" PRIx32 " has reserved bits set",
               reg_dw);
    } else {
        reject(s, MED_SCAN_BAD_REGISTER, "%s of register 0x%05" PRIx32 " %s", use, offset,
               !reg ? "outside the whitelist" : load && reg->read_only ? "(read-only)"
                                              : "(privileged) from an unprivileged batch");
    }
    return false;
}

/* @load: LRI, LRM, LRR's destination; else a read (SRM, LRR's source). */
HOT bool audit_register(struct med_scan_state *s, uint32_t reg_dw, bool privileged, bool load)
{
    return register_allowed(s->req->engine, reg_dw, privileged, load) ||
           register_refused(s, reg_dw, load);
}

/* Buffers, activations and BB_START sites share one capacity. */
static bool reserve_buffers(struct med_scan *scan, unsigned count)
{
    unsigned capacity = scan->capacity ? scan->capacity : 16;
    struct med_scan_buffer *buffers;
    struct med_scan_bb_start *bb_starts;
    unsigned *activations;

    if (count <= scan->capacity) {
        return true;
    }
    while (capacity < count) {
        capacity *= 2;
    }
    buffers = realloc(scan->buffers, capacity * sizeof(*buffers));
    if (buffers) {
        scan->buffers = buffers;
    }
    activations = realloc(scan->activations, capacity * sizeof(*activations));
    if (activations) {
        scan->activations = activations;
    }
    bb_starts = realloc(scan->bb_starts, capacity * sizeof(*bb_starts));
    if (bb_starts) {
        scan->bb_starts = bb_starts;
    }
    if (!buffers || !activations || !bb_starts) {
        return false;
    }
    scan->capacity = capacity;
    return true;
}

/* The executed part of the top buffer ends with the current command. */
static void close_buffer(struct med_scan_state *s, unsigned len)
{
    top_buffer(s)->len = 4 * (top(s)->pos + len);
}

/*
 * The batch of this activation of @level whose executed part holds
 * @target: a chain there runs code already scanned again (a loop).  0 when
 * none (buffer 0 is the ring, never a chain's target).
 */
static unsigned run_code_buffer(struct med_scan_state *s, unsigned level,
                                enum med_scan_space space, uint64_t target)
{
    const struct med_scan *scan = s->scan;
    unsigned activation = top(s)->activation;

    for (unsigned i = 1; i < s->result->buffer_count; i++) {
        const struct med_scan_buffer *b = &scan->buffers[i];

        if (b->level == level && scan->activations[i] == activation && b->space == space &&
            target >= b->gma && target - b->gma < b->len) {
            return i;
        }
    }
    return 0;
}

/*
 * Is byte @offset of buffer @index where a command the scan decoded
 * begins?  A batch is scanned in one straight line from its start to the
 * command that left it (calls return after themselves), so its commands
 * are found again by walking their lengths; the walk is counted against
 * the command limit like the scan.
 */
static bool command_starts_at(struct med_scan_state *s, unsigned index, uint64_t offset)
{
    const struct med_scan_buffer *b = &s->scan->buffers[index];
    const uint32_t *dw = b->host;
    uint64_t pos = 0, commands = 0;

    while (4 * pos < offset) {
        const struct med_cmd_desc *desc = med_cmd_lookup(s->req->engine, dw[pos]);

        if (!desc) {
            return false;               /* not what the scan decoded: refuse */
        }
        commands++;
        pos += med_cmd_length(desc, dw[pos]);
    }
    s->result->commands += commands;
    return 4 * pos == offset;
}

/* The executed part of the top batch must itself be the vGPU's memory. */
static bool audit_batch(struct med_scan_state *s)
{
    const struct med_scan_buffer *b = top_buffer(s);

    return !b->level || audit_range(s, b->space, b->gma, b->len, &s->batch_hint, "batch");
}

/* Do [@lo, @hi) of @space meet a write recorded before the current
 * ring-level batch start (an earlier batch's or the ring's)? */
static bool written_before_chain(const struct med_scan_state *s, enum med_scan_space space,
                                 uint64_t lo, uint64_t hi)
{
    for (unsigned i = 0; i < s->chain.writes; i++) {
        const struct med_scan_write *w = &s->scan->writes[i];

        if (w->space == space && w->lo < hi && lo < w->hi) {
            return true;
        }
    }
    return false;
}

/*
 * The batch being copied may be written by a batch the ring started
 * before: the GPU would run what that one wrote, which is not in guest
 * memory yet.  The result ends at the cut before the current ring-level
 * batch start: the ring up to there, its buffers, starts and writes; the caller scans the rest once
 * that part has run (med_scan_result.split).  The writes of the ring's
 * commands between the cut and the start stay: more than the part
 * writes, never less.
 */
static void split_before_chain(struct med_scan_state *s)
{
    struct med_scan_result *r = s->result;

    s->scan->buffers[0].len = s->chain.cut;
    r->buffer_count = s->chain.buffers;
    r->bb_start_count = s->chain.bb_starts;
    r->write_count = s->chain.writes;
    r->split = true;
    r->verdict = MED_SCAN_OK;
    s->level = -1;
    s->jumped = true;
}

/*
 * A copy of up to *@window bytes of the batch at @gma whose first @have
 * bytes are those of @old, the copy it extends (none when @have is 0);
 * only the bytes after them count against the limit.  *@window is set to
 * what was asked.  False after a rejection.
 */
static bool copy_batch(struct med_scan_state *s, enum med_scan_space space, uint64_t gma,
                       const void *old, uint64_t have, uint64_t *window, const void **host,
                       uint64_t *copied)
{
    const struct med_scan_limits *limits = &s->scan->limits;
    uint64_t room = limits->max_total_bytes - s->fetched;

    *window = *window - have < room ? *window : have + room;
    if (*window <= have) {
        reject(s, MED_SCAN_LIMIT, "more than %" PRIu64 " bytes of batches",
               limits->max_total_bytes);
        return false;
    }
    *copied = 0;
    *host = s->scan->config.ops->fetch(s->scan->config.opaque, s->req->ppgtt, space, gma, old,
                                       have, *window, copied);
    if (!*host || *copied < 4 || *copied < have || *copied > *window) {
        reject(s, MED_SCAN_BAD_BATCH, "batch 0x%" PRIx64 " (%s) cannot be copied", gma,
               space_name(space));
        return false;
    }
    s->fetched += *copied - have;
    if (s->chain.cut && written_before_chain(s, space, gma + have, gma + *copied)) {
        split_before_chain(s);
        return false;
    }
    return true;
}

/* Point the top frame at a copy of its batch: @host holds the batch's
 * first @copied bytes; the scan goes on at the frame's position. */
static void load_copy(struct med_scan_state *s, const void *host, uint64_t copied,
                      uint64_t window)
{
    struct frame *f = top(s);

    s->scan->buffers[f->buffer].host = host;
    f->dw = host;
    f->dwords = copied / 4;
    f->window = window;
}

/*
 * The top batch's copy ended, or cut a command, before the batch did.
 * When the copy was cut by the window rather than by the guest's mapping,
 * it is extended to a 4x larger window (within what the scan may still
 * fetch) and the scan goes on where it stopped: the bytes scanned are
 * kept as copied, never read from the guest again.
 */
static bool copy_was_cut(const struct med_scan_state *s)
{
    const struct frame *f = &s->frames[s->level];

    return s->level > 0 && 4 * f->dwords == f->window;
}

static enum med_scan_verdict extend_copy(struct med_scan_state *s)
{
    const struct med_scan_buffer *b = top_buffer(s);
    struct frame *f = top(s);
    uint64_t window = 4 * f->window, copied;
    const void *host;

    if (!copy_batch(s, b->space, b->gma, f->dw, 4 * f->dwords, &window, &host, &copied)) {
        return s->result->verdict;
    }
    load_copy(s, host, copied, window);
    return MED_SCAN_OK;
}

/* The top batch's executed part is known (close_buffer): back to the
 * caller's frame, which goes on after its call. */
static enum med_scan_verdict leave_batch(struct med_scan_state *s)
{
    if (!audit_batch(s)) {
        return s->result->verdict;
    }
    s->level--;
    s->jumped = true;
    return MED_SCAN_OK;
}

/*
 * A chain back into code this activation already ran (buffer @index, from
 * its copy): a loop, as igt's spinners make.  The GPU runs the same copy
 * again, so nothing is fetched or scanned again: the start is pointed at
 * the command in that copy, and the activation ends here, as at a batch
 * end, for the loop may leave by a conditional end (whose read is audited
 * data, not commands) and the caller goes on after its call.  A loop with
 * no way out runs until the engine's hang detection resets it.  Refused:
 * a target inside a command (the GPU would decode what the scan did not)
 * and code scanned with privileges the chaining batch lacks.
 */
static enum med_scan_verdict chain_into_scanned(struct med_scan_state *s, unsigned index,
                                                uint64_t target, bool privileged)
{
    struct med_scan *scan = s->scan;
    struct med_scan_result *r = s->result;
    const struct med_scan_buffer *b = &scan->buffers[index];
    uint64_t offset = target - b->gma;

    if (b->privileged && !privileged) {
        return reject(s, MED_SCAN_LOOP, "loop into 0x%" PRIx64 " (%s), scanned as privileged, "
                      "from an unprivileged batch", target, space_name(b->space));
    }
    /* The workload path follows first-level loops only (loop.c): a second-level
     * one would run its first copy for ever, whatever the guest wrote into it
     * meanwhile.  Neither i915 nor IGT loops there (docs/scanner.md). */
    if (b->level == 2) {
        return reject(s, MED_SCAN_LOOP, "loop into 0x%" PRIx64 " (%s) in a second-level batch "
                      "(only first-level loops are followed)", target, space_name(b->space));
    }
    if (!command_starts_at(s, index, offset)) {
        return reject(s, MED_SCAN_LOOP, "loop into 0x%" PRIx64 " (%s), inside a command "
                      "already scanned", target, space_name(b->space));
    }
    if (r->commands > scan->limits.max_commands) {
        return reject(s, MED_SCAN_LIMIT, "more than %" PRIu64 " commands",
                      scan->limits.max_commands);
    }
    if (!reserve_buffers(scan, r->bb_start_count + 1)) {
        return reject(s, MED_SCAN_NO_MEMORY, "no memory for the scan");
    }
    scan->bb_starts[r->bb_start_count++] = (struct med_scan_bb_start){
        .buffer = top(s)->buffer, .offset = 4 * top(s)->pos, .target = index,
        .target_offset = offset,
    };
    return leave_batch(s);
}

/* A ring-level batch start: the ring would be cut before it, with the
 * result as it is now. */
static void mark_chain(struct med_scan_state *s)
{
    const struct med_scan_result *r = s->result;

    s->chain.cut = 4 * top(s)->pos;
    s->chain.buffers = r->buffer_count;
    s->chain.bb_starts = r->bb_start_count;
    s->chain.writes = r->write_count;
}

/* Batches start 64-byte aligned, mostly page aligned: a multiplicative
 * hash of the cache line spreads both over the slots. */
static unsigned known_slot(uint64_t gma)
{
    return (uint32_t)((gma >> 6) * 0x9e3779b1u) >> 28;
}

/*
 * A batch this scan already scanned from its start at @gma, at the same
 * @level and with the same privileges, and left (not on the frame stack):
 * everything a start of it runs is in the result already, its copy, its
 * own calls and chains, and what they may reach was audited against
 * answers that do not change during a scan.  0 when none.
 */
static unsigned known_batch(const struct med_scan_state *s, enum med_scan_space space,
                            uint64_t gma, unsigned level, bool privileged)
{
    unsigned index = s->known[known_slot(gma)];
    const struct med_scan_buffer *b = &s->scan->buffers[index];

    if (!index || index >= s->result->buffer_count || b->gma != gma || b->space != space ||
        b->level != level || b->privileged != privileged) {
        return 0;
    }
    for (int l = 1; l <= s->level; l++) {
        if (s->frames[l].buffer == index) {
            return 0;
        }
    }
    return index;
}

/* A call of the known batch @index (known_batch()): pointed at its copy,
 * nothing fetched or scanned again, and the caller goes on after it.
 * Chains are not found again: a first-level start whose target is an
 * earlier buffer is a loop (loop.c relies on it). */
static enum med_scan_verdict call_known_batch(struct med_scan_state *s, unsigned index)
{
    struct med_scan *scan = s->scan;
    struct med_scan_result *r = s->result;

    if (r->bb_start_count >= scan->limits.max_batches) {
        return reject(s, MED_SCAN_LIMIT, "more than %u batches", scan->limits.max_batches);
    }
    if (!reserve_buffers(scan, r->bb_start_count + 1)) {
        return reject(s, MED_SCAN_NO_MEMORY, "no memory for the scan");
    }
    scan->bb_starts[r->bb_start_count++] = (struct med_scan_bb_start){
        .buffer = top(s)->buffer, .offset = 4 * top(s)->pos, .target = index,
    };
    return MED_SCAN_OK;
}

enum med_scan_verdict med_cmd_bb_start(struct med_scan_state *s, const uint32_t *cmd,
                                       unsigned len)
{
    struct med_scan *scan = s->scan;
    struct med_scan_result *r = s->result;
    bool second = cmd[0] & BBS_SECOND_LEVEL;
    enum med_scan_space space = cmd[0] & BBS_PPGTT ? MED_SCAN_PPGTT : MED_SCAN_GGTT;
    unsigned level = second || s->level == 0 ? (unsigned)s->level + 1 : (unsigned)s->level;
    bool privileged = top_buffer(s)->privileged && space == MED_SCAN_GGTT;
    uint64_t target, copied, window = FIRST_WINDOW;
    const void *host;
    unsigned index;

    if (cmd[0] & BBS_FLAGS & ~(BBS_SECOND_LEVEL | BBS_PPGTT)) {
        return reject(s, MED_SCAN_BAD_BATCH, "predicated, offset or resource-streamer batch");
    }
    if (second && s->level != 1) {
        return reject(s, MED_SCAN_BAD_BATCH, "second-level batch started from %s",
                      s->level ? "a second-level batch" : "the ring");
    }
    if (!cmd_address(s, cmd, 1, ~3u, &target)) {
        return r->verdict;
    }
    if (space == MED_SCAN_GGTT && target >= GGTT_SIZE) {
        return reject(s, MED_SCAN_BAD_ADDRESS, "batch 0x%" PRIx64 " beyond the GGTT", target);
    }
    if (s->level == 0) {
        mark_chain(s);
    }
    if (level == (unsigned)s->level) {
        close_buffer(s, len);           /* chained: the rest never runs */
        index = run_code_buffer(s, level, space, target);
        if (index) {
            return chain_into_scanned(s, index, target, privileged);
        }
    }
    index = level > (unsigned)s->level ? known_batch(s, space, target, level, privileged) : 0;
    if (index && s->level == 0 && s->chain.cut &&
        written_before_chain(s, space, target, target + scan->buffers[index].len)) {
        split_before_chain(s);          /* its copy may be older than what runs */
        return MED_SCAN_OK;
    }
    if (index) {
        return call_known_batch(s, index);
    }
    if (r->buffer_count > scan->limits.max_batches) {
        return reject(s, MED_SCAN_LIMIT, "more than %u batches", scan->limits.max_batches);
    }
    /* loops add batch starts without buffers */
    if (!reserve_buffers(scan, (r->buffer_count > r->bb_start_count ? r->buffer_count
                                                                     : r->bb_start_count) + 1)) {
        return reject(s, MED_SCAN_NO_MEMORY, "no memory for the scan");
    }
    /* Nothing is fetched from where the vGPU has no memory: a jump into
     * the void (or into i915's scratch fill) is named as such, not as
     * whatever a copy of it holds. */
    if (space == MED_SCAN_GGTT ? !range_ok(s, space, target, 4, &s->batch_hint)
                               : !scan->config.ops->ppgtt_batch_ok(scan->config.opaque,
                                                                   s->req->ppgtt, target)) {
        return reject(s, MED_SCAN_BAD_ADDRESS, "batch 0x%" PRIx64 " (%s) is not mapped memory "
                      "of the vGPU", target, space_name(space));
    }
    if (!copy_batch(s, space, target, NULL, 0, &window, &host, &copied)) {
        return r->verdict;
    }

    index = r->buffer_count++;
    scan->buffers[index] = (struct med_scan_buffer){
        .space = space, .gma = target, .level = level, .privileged = privileged,
    };
    s->known[known_slot(target)] = index;
    scan->bb_starts[r->bb_start_count++] = (struct med_scan_bb_start){
        .buffer = top(s)->buffer, .offset = 4 * top(s)->pos, .target = index,
    };
    if (level == (unsigned)s->level) {
        if (!audit_batch(s)) {
            return r->verdict;
        }
    } else {
        top(s)->pos += len;             /* a call: resume after it */
        s->level++;
        top(s)->activation = s->next_activation++;
    }
    scan->activations[index] = top(s)->activation;
    top(s)->buffer = index;
    top(s)->privileged = privileged;
    top(s)->pos = 0;
    load_copy(s, host, copied, window);
    s->jumped = true;
    return MED_SCAN_OK;
}

/* Leave the current batch: back to the caller's frame. */
static enum med_scan_verdict end_batch(struct med_scan_state *s, unsigned len)
{
    close_buffer(s, len);
    return leave_batch(s);
}

enum med_scan_verdict med_cmd_bb_end(struct med_scan_state *s, const uint32_t *cmd,
                                     unsigned len)
{
    if (s->level == 0) {
        return reject(s, MED_SCAN_BAD_BATCH, "batch end outside a batch");
    }
    return end_batch(s, len);
}

/* The GPU raises GT_RENDER_USER_INTERRUPT when it executes one: the vGPU raises
 * it for the guest when the workload completes, as GVT-g does. */
enum med_scan_verdict med_cmd_user_interrupt(struct med_scan_state *s, const uint32_t *cmd,
                                             unsigned len)
{
    s->result->user_interrupt = true;
    return MED_SCAN_OK;
}

/* A conditional end may stop the batch here; the scan goes on to the
 * unconditional end, which bounds what the GPU can run. */
enum med_scan_verdict med_cmd_cond_bb_end(struct med_scan_state *s, const uint32_t *cmd,
                                          unsigned len)
{
    uint64_t bytes = cmd[0] & COND_BBE_MASK_MODE ? 8 : 4;

    if (s->level == 0) {
        return reject(s, MED_SCAN_BAD_BATCH, "batch end outside a batch");
    }
    return audit_access(s, cmd, 2, ~7u, mi_space(cmd[0]), bytes, "compare read");
}

enum med_scan_verdict med_cmd_store_data_imm(struct med_scan_state *s, const uint32_t *cmd,
                                             unsigned len)
{
    uint64_t bytes = 4 * (len - 3);

    if ((cmd[0] & SDI_QWORD) && (len != 5 || (cmd[1] & 7))) {
        return reject(s, MED_SCAN_BAD_LENGTH, "qword store not 5 dwords or not 8-byte aligned");
    }
    /* Core mode moves the write one element further. */
    if (cmd[1] & SDI_CORE_MODE) {
        bytes *= 2;
    }
    return audit_access(s, cmd, 1, ~3u, mi_space(cmd[0]), bytes, "store");
}

/*
 * MI_STORE_DATA_INDEX: a dword (3 dwords) or qword (4) at an offset into
 * the running context's per-process status page, page 0 of its image (in
 * execlists mode; gem_wsim's "offset into ppHWSP").  The GPU runs the
 * shadow context, whose page 0 is the workload's own host memory, zeroed
 * for it and read by nothing else, so only the range matters: the offset
 * in bits 11:2 and the write inside the page, no other bit set (bits the
 * hardware may ignore could make it write where the scan did not look).
 * GVT-g refuses the command; the same rule is its audit of the
 * store-index forms of MI_FLUSH_DW and PIPE_CONTROL (below).
 */
enum med_scan_verdict med_cmd_store_data_index(struct med_scan_state *s, const uint32_t *cmd,
                                               unsigned len)
{
    uint64_t bytes = 4 * (len - 2);

    if ((cmd[1] & ~SDI_INDEX_OFFSET) || cmd[1] + bytes > HWSP_SIZE) {
        return reject(s, MED_SCAN_BAD_ADDRESS, "status page index 0x%" PRIx32
                      " not a %s inside the page", cmd[1], bytes == 8 ? "qword" : "dword");
    }
    return MED_SCAN_OK;
}

/* MI_MATH reaches no memory: its ALU works on the context's GPRs, which
 * the context image carries like any of its registers.  Every instruction
 * must be one Gen9 defines (gen9_alu_valid()), so the GPU never runs an
 * undefined ALU operation for a guest. */
enum med_scan_verdict med_cmd_math(struct med_scan_state *s, const uint32_t *cmd, unsigned len)
{
    for (unsigned i = 1; i < len; i++) {
        if (!gen9_alu_valid(cmd[i])) {
            return reject(s, MED_SCAN_BAD_LENGTH, "ALU instruction 0x%08" PRIx32
                          " (dword %u) not defined on Gen9", cmd[i], i);
        }
    }
    return MED_SCAN_OK;
}

enum med_scan_verdict med_cmd_semaphore_wait(struct med_scan_state *s, const uint32_t *cmd,
                                             unsigned len)
{
    if (cmd[0] & SEM_REGISTER_POLL) {
        return reject(s, MED_SCAN_FORBIDDEN_COMMAND, "register poll mode");
    }
    return audit_access(s, cmd, 2, ~3u, mi_space(cmd[0]), 4, "semaphore read");
}

enum med_scan_verdict med_cmd_lri(struct med_scan_state *s, const uint32_t *cmd, unsigned len)
{
    bool privileged = top_buffer(s)->privileged;

    if (len % 2 == 0) {
        return reject(s, MED_SCAN_BAD_LENGTH, "register/value pairs incomplete");
    }
    for (unsigned i = 1; i < len; i += 2) {
        if (!audit_register(s, cmd[i], privileged, true)) {
            return s->result->verdict;
        }
    }
    return MED_SCAN_OK;
}

enum med_scan_verdict med_cmd_lrr(struct med_scan_state *s, const uint32_t *cmd, unsigned len)
{
    bool privileged = top_buffer(s)->privileged;

    if (!audit_register(s, cmd[1], privileged, false) ||
        !audit_register(s, cmd[2], privileged, true)) {
        return s->result->verdict;
    }
    return MED_SCAN_OK;
}

enum med_scan_verdict med_cmd_lrm(struct med_scan_state *s, const uint32_t *cmd, unsigned len)
{
    if (!audit_register(s, cmd[1], top_buffer(s)->privileged, true)) {
        return s->result->verdict;
    }
    return audit_access(s, cmd, 2, ~3u, mi_space(cmd[0]), 4, "register source");
}

enum med_scan_verdict med_cmd_srm(struct med_scan_state *s, const uint32_t *cmd, unsigned len)
{
    if (!audit_register(s, cmd[1], top_buffer(s)->privileged, false)) {
        return s->result->verdict;
    }
    return audit_access(s, cmd, 2, ~3u, mi_space(cmd[0]), 4, "register store");
}

/*
 * A post-sync write of MI_FLUSH_DW or PIPE_CONTROL: "store data index"
 * addresses are offsets into the context's own status page (the shadow
 * context's, so only their range matters); the rest are audited.
 */
static enum med_scan_verdict audit_post_sync(struct med_scan_state *s, const uint32_t *cmd,
                                             unsigned addr_dw, bool store_index,
                                             enum med_scan_space space, uint64_t bytes)
{
    uint64_t gma;

    if (!store_index) {
        return audit_access(s, cmd, addr_dw, ~7u, space, bytes, "post-sync write");
    }
    if (!cmd_address(s, cmd, addr_dw, ~7u, &gma)) {
        return s->result->verdict;
    }
    if (gma + bytes > HWSP_SIZE) {
        return reject(s, MED_SCAN_BAD_ADDRESS, "status page index 0x%" PRIx64
                      " beyond the page", gma);
    }
    return MED_SCAN_OK;
}

enum med_scan_verdict med_cmd_flush_dw(struct med_scan_state *s, const uint32_t *cmd,
                                       unsigned len)
{
    unsigned op = POST_SYNC_OP(cmd[0]);
    enum med_scan_space space = cmd[1] & FLUSH_USE_GGTT ? MED_SCAN_GGTT : MED_SCAN_PPGTT;

    if (op == 0) {
        return MED_SCAN_OK;
    }
    if (op == POST_SYNC_RESERVED || (op == POST_SYNC_TIMESTAMP && len != 5)) {
        return reject(s, MED_SCAN_BAD_LENGTH, "post-sync operation %u with %u dwords", op, len);
    }
    return audit_post_sync(s, cmd, 1, cmd[0] & FLUSH_STORE_INDEX, space,
                           op == POST_SYNC_TIMESTAMP ? 8 : 4 * (len - 3));
}

enum med_scan_verdict med_cmd_pipe_control(struct med_scan_state *s, const uint32_t *cmd,
                                           unsigned len)
{
    enum med_scan_space space = cmd[1] & PC_GLOBAL_GTT ? MED_SCAN_GGTT : MED_SCAN_PPGTT;

    if (cmd[1] & PC_MMIO_WRITE) {
        return reject(s, MED_SCAN_FORBIDDEN_COMMAND, "register write post-sync operation");
    }
    if (POST_SYNC_OP(cmd[1]) == 0) {
        return MED_SCAN_OK;
    }
    return audit_post_sync(s, cmd, 2, cmd[1] & PC_STORE_INDEX, space, 8);
}

/*
 * The blits with a handler share one layout: dword 1 = destination pitch
 * (bits 15:0) and depth, 2 = destination y1:x1, 3 = y2:x2 (exclusive),
 * 4-5 destination address; with a source, 6 = its y:x, 7 = its pitch,
 * 8-9 its address: surface @i's (0 destination, 1 source) pitch in dword
 * 1 + 6i, its top-left pixel in 2 + 4i, its address in 4 + 4i.  Pitches
 * are signed bytes when linear, dwords when tiled.  Depth: XY_COLOR_BLT and
 * XY_SRC_COPY_BLT in BR13 (dword 1) bits 25:24 (8, 16 (565), 16 (1555),
 * 32 bpp), tiling in dword 0 bits 11 and 15; XY_FAST_COPY_BLT in dword 1
 * bits 26:24, tiling in dword 0 (destination 14:13, source 21:20: linear,
 * X, Y; Ys/Yf not supported).
 */
static const char *const blt_surface_name[2] = { "blit destination", "blit source" };

/* A blit's rectangle and depth. */
struct blt {
    int32_t width, height;      /* either <= 0: an empty rectangle, which touches nothing */
    unsigned cpp;               /* 0: a depth not supported */
};

HOT void blt_decode(const uint32_t *cmd, enum blt_kind kind, struct blt *b)
{
    static const uint8_t br13_cpp[4] = { 1, 2, 2, 4 }, fast_cpp[8] = { 1, 2, 0, 4 };

    b->cpp = kind == BLT_FAST_COPY ? fast_cpp[(cmd[1] >> 24) & 7] : br13_cpp[(cmd[1] >> 24) & 3];
    b->width = (int32_t)(cmd[3] & 0xffff) - (int32_t)(cmd[2] & 0xffff);
    b->height = (int32_t)(cmd[3] >> 16) - (int32_t)(cmd[2] >> 16);
}

/* XY_FAST_COPY_BLT's tilings in dword 0 @dw0 are supported (not Ys/Yf);
 * the others' always are. */
static bool blt_tiling_ok(uint32_t dw0, enum blt_kind kind)
{
    return kind != BLT_FAST_COPY || (((dw0 >> 13) & 3) != 3 && ((dw0 >> 20) & 3) != 3);
}

/* Is surface @i tiled (X or Y: the scanner allows for both)? */
HOT bool blt_tiled(const uint32_t *cmd, enum blt_kind kind, unsigned i)
{
    if (kind == BLT_FAST_COPY) {
        return (cmd[0] >> (i ? 20 : 13)) & 3;
    }
    return cmd[0] & (i ? BLT_SRC_TILED : BLT_DST_TILED);
}

/* Offset span of one tiling (tiles @tile_w bytes x @tile_h rows, 4 KiB
 * each) for rows @first..@last and row bytes [@x0, @x1); all unsigned, so
 * that the divisions by the constant tile sizes are shifts. */
HOT void tiled_span(uint64_t pitch, uint64_t first, uint64_t last, uint64_t x0, uint64_t x1,
                    uint64_t tile_w, uint64_t tile_h, int64_t *lo, int64_t *hi)
{
    *lo = (int64_t)(first / tile_h * tile_h * pitch + x0 / tile_w * 4096);
    *hi = (int64_t)(last / tile_h * tile_h * pitch + (x1 + tile_w - 1) / tile_w * 4096);
}

/*
 * The bytes [@base + *lo, @base + *hi) surface @i of @b may touch, @base
 * its address: the extent of the rectangle on it.  A tiled surface may be
 * X- or Y-tiled (legacy blits take that from BCS_SWCTRL, which the guest
 * sets): the union of both.  The extent lies within +-2^35 (16-bit rows
 * and pitches), so with an address below 2^48 neither end wraps.
 */
HOT void blt_extent(const uint32_t *cmd, enum blt_kind kind, const struct blt *b, unsigned i,
                    int64_t *lo, int64_t *hi)
{
    uint32_t xy = cmd[2 + 4 * i], field = cmd[1 + 6 * i] & 0xffff;
    int64_t first = xy >> 16, last = first + b->height - 1;
    int64_t x0 = (int64_t)(xy & 0xffff) * b->cpp, x1 = x0 + (int64_t)b->width * b->cpp;
    int64_t ylo, yhi;

    if (!blt_tiled(cmd, kind, i)) {
        int64_t pitch = (int16_t)field, a = first * pitch, c = last * pitch;

        *lo = (a < c ? a : c) + x0;
        *hi = (a < c ? c : a) + x1;
        return;
    }
    /* a tiled pitch is 4 x a 16-bit field: never negative */
    tiled_span(4 * field, (uint64_t)first, (uint64_t)last, (uint64_t)x0, (uint64_t)x1,
               512, 8, lo, hi);
    tiled_span(4 * field, (uint64_t)first, (uint64_t)last, (uint64_t)x0, (uint64_t)x1,
               128, 32, &ylo, &yhi);
    *lo = ylo < *lo ? ylo : *lo;
    *hi = yhi > *hi ? yhi : *hi;
}

/* Each surface's bytes must be the vGPU's PPGTT memory, audited with the
 * header's hint for its role (destination, source). */
static enum med_scan_verdict audit_blit(struct med_scan_state *s, const uint32_t *cmd,
                                        enum blt_kind kind)
{
    unsigned surfaces = kind == BLT_COLOR ? 1 : 2;
    struct blt b;

    blt_decode(cmd, kind, &b);
    if (!b.cpp || !blt_tiling_ok(cmd[0], kind)) {
        return reject(s, MED_SCAN_BAD_LENGTH, "colour depth or tiling not supported");
    }
    for (unsigned i = 0; b.width > 0 && b.height > 0 && i < surfaces; i++) {
        uint64_t base;
        int64_t lo, hi;

        if (!cmd_address(s, cmd, 4 + 4 * i, ~3u, &base)) {
            return s->result->verdict;
        }
        blt_extent(cmd, kind, &b, i, &lo, &hi);
        if (lo < 0 && (uint64_t)-lo > base) {
            return reject(s, MED_SCAN_BAD_ADDRESS, "%s surface starts below address 0",
                          blt_surface_name[i]);
        }
        if (!audit_range(s, MED_SCAN_PPGTT, base + (uint64_t)lo, (uint64_t)(hi - lo),
                         &s->hints[i], blt_surface_name[i])) {
            return s->result->verdict;
        }
        if (i == 0 && s->desc->writes == MED_CMD_WRITES_ACCESS) {
            record_write(s, MED_SCAN_PPGTT, base + (uint64_t)lo, (uint64_t)(hi - lo),
                         &s->write_hints[MED_SCAN_PPGTT], s->hints[0]);
        }
    }
    return MED_SCAN_OK;
}

enum med_scan_verdict med_cmd_src_copy_blt(struct med_scan_state *s, const uint32_t *cmd,
                                           unsigned len)
{
    return audit_blit(s, cmd, BLT_SRC_COPY);
}

enum med_scan_verdict med_cmd_color_blt(struct med_scan_state *s, const uint32_t *cmd,
                                        unsigned len)
{
    return audit_blit(s, cmd, BLT_COLOR);
}

enum med_scan_verdict med_cmd_fast_copy_blt(struct med_scan_state *s, const uint32_t *cmd,
                                            unsigned len)
{
    return audit_blit(s, cmd, BLT_FAST_COPY);
}

/* State pointers are PPGTT addresses whose extent the command does not
 * say; the shadow PPGTT confines them, the scanner checks their form. */
static enum med_scan_verdict __attribute__((noinline))
audit_state_pointers(struct med_scan_state *s, const uint32_t *cmd)
{
    uint64_t gma;

    for (uint32_t ptrs = s->desc->state_ptrs; ptrs; ptrs &= ptrs - 1) {
        if (!cmd_address(s, cmd, (unsigned)__builtin_ctz(ptrs), ~0u, &gma)) {
            return s->result->verdict;
        }
    }
    return MED_SCAN_OK;
}

/* 3DSTATE_VERTEX_BUFFERS: after dword 0, one 4-dword VERTEX_BUFFER_STATE
 * per buffer, its address in the element's dwords 1-2 (Mesa's gen9.xml):
 * a PPGTT address like a state pointer's, whose form is checked as one. */
enum med_scan_verdict med_cmd_vertex_buffers(struct med_scan_state *s, const uint32_t *cmd,
                                             unsigned len)
{
    uint64_t gma;

    if ((len - 1) % 4) {
        return reject(s, MED_SCAN_BAD_LENGTH, "vertex buffer elements incomplete");
    }
    for (unsigned i = 2; i < len; i += 4) {
        if (!cmd_address(s, cmd, i, ~0u, &gma)) {
            return s->result->verdict;
        }
    }
    return MED_SCAN_OK;
}

static const char *const policy_reason[] = {
    [MED_CMD_PRIVILEGED] = "privileged command",
    [MED_CMD_DISPLAY] = "display command (the display is emulated)",
    [MED_CMD_UNSUPPORTED] = "command not supported for guests",
};

/* Where @dw0's decoding is cached: a multiplicative hash of the whole
 * header (type, opcode, flags, length), so that the packets of one stream
 * fall in distinct slots (an i915 request and a Mesa draw, 25 headers:
 * 8 collisions with only the opcode bits mixed into 32 slots, 2 in 64 by
 * this hash; i915's golden context alone has 85 packets, hence 256). */
static unsigned header_slot(uint32_t dw0)
{
    return (dw0 * 0x9e3779b1u) >> (32 - HEADER_CACHE_BITS);
}

/* The row and length of the header @dw0, checked against the command's
 * rule and cached; NULL after a rejection. */
static struct header_entry *decode_header(struct med_scan_state *s, uint32_t dw0)
{
    const struct med_cmd_desc *desc = med_cmd_lookup(s->req->engine, dw0);
    struct header_entry *h = &s->headers[header_slot(dw0)];
    unsigned len;

    if (!desc) {
        reject(s, MED_SCAN_UNKNOWN_COMMAND, "unknown command");
        return NULL;
    }
    s->desc = desc;
    if (desc->policy != MED_CMD_ALLOW) {
        reject(s, MED_SCAN_FORBIDDEN_COMMAND, "%s", policy_reason[desc->policy]);
        return NULL;
    }
    len = med_cmd_length(desc, dw0);
    if (len < desc->cmd->min_len || len > desc->cmd->max_len) {
        reject(s, MED_SCAN_BAD_LENGTH, "length %u outside [%u, %u]", len, desc->cmd->min_len,
               desc->cmd->max_len);
        return NULL;
    }
    *h = (struct header_entry){ .dw0 = dw0, .len = len, .desc = desc,
                                .state_ptrs = desc->state_ptrs };
    if (desc->writes == MED_CMD_WRITES_ANY) {
        h->fast = desc->handler || desc->state_ptrs ? FAST_NONE : FAST_WRITES_ANY;
    } else if (!desc->handler) {
        h->fast = desc->state_ptrs ? FAST_POINTERS : FAST_PLAIN;
    } else if (desc->handler == med_cmd_store_data_imm && !(dw0 & SDI_QWORD)) {
        h->fast = FAST_STORE;
        h->store_space = mi_space(dw0);
        h->store_bytes = 4 * (len - 3);
    } else if (desc->handler == med_cmd_pipe_control && !desc->state_ptrs) {
        h->fast = FAST_PIPE_CONTROL;
    } else if (desc->handler == med_cmd_src_copy_blt) {
        h->fast = FAST_BLIT + BLT_SRC_COPY;
    } else if (desc->handler == med_cmd_color_blt) {
        h->fast = FAST_BLIT + BLT_COLOR;
    } else if (desc->handler == med_cmd_fast_copy_blt && blt_tiling_ok(dw0, BLT_FAST_COPY)) {
        h->fast = FAST_BLIT + BLT_FAST_COPY;
    } else if (desc->handler == med_cmd_lri) {
        h->fast = FAST_LRI;
    } else if (desc->handler == med_cmd_user_interrupt) {
        h->fast = FAST_INTERRUPT;
    } else if (desc->handler == med_cmd_vertex_buffers && !desc->state_ptrs) {
        h->fast = FAST_VERTEX_BUFFERS;
    }
    return h;
}

/* Every state pointer of @cmd (bit i of @ptrs: dwords i and i + 1) is in
 * canonical form: audit_state_pointers() passes it, without its call. */
HOT bool pointers_canonical(const uint32_t *cmd, uint32_t ptrs)
{
    bool ok = true;

    for (; ptrs; ptrs &= ptrs - 1) {
        ok &= canonical_high(cmd[__builtin_ctz(ptrs) + 1]);
    }
    return ok;
}

/* The access of @len bytes that dwords @i and @i + 1 of @cmd address in
 * @space is in canonical form and on the good range @hint names: what
 * audit_access() passes first, without its call.  False: the handler
 * decides. */
HOT bool access_on_hint(const struct med_scan_state *s, uint8_t hint, enum med_scan_space space,
                        const uint32_t *cmd, unsigned i, uint32_t low_mask, uint64_t len)
{
    return canonical_high(cmd[i + 1]) &&
           in_good_range(&s->good[space][hint], cmd_gma(cmd, i, low_mask), len);
}

/* A FAST_STORE command (a dword store, or two in core mode) that
 * med_cmd_store_data_imm() would pass and record nothing for, to an
 * address below 2^48 (the canonical ones of the upper half go to the
 * handler) on the write range its header's write hint names: the pages
 * of a write range were all audited as the vGPU's when recorded. */
HOT bool store_on_hint(const struct med_scan_state *s, const struct header_entry *h,
                       const uint32_t *cmd)
{
    const struct good_range *w = &s->written[h->store_space][h->write_hints[h->store_space]];
    uint64_t gma = (cmd[1] & ~3u) | (uint64_t)cmd[2] << 32;
    uint64_t bytes = (uint64_t)h->store_bytes << (cmd[1] & SDI_CORE_MODE);

    return !(cmd[2] >> 16) && in_good_range(w, gma, bytes);
}

/* A PIPE_CONTROL that med_cmd_pipe_control() would pass at once and
 * record nothing for: no post-sync operation and no register write, or a
 * post-sync write (not to the status page by index) on the write range
 * its header's write hint names (audited, as store_on_hint() says). */
HOT bool pipe_control_passes(const struct med_scan_state *s, const struct header_entry *h,
                             const uint32_t *cmd)
{
    uint32_t dw1 = cmd[1];
    enum med_scan_space space = dw1 & PC_GLOBAL_GTT ? MED_SCAN_GGTT : MED_SCAN_PPGTT;

    if (dw1 & (PC_MMIO_WRITE | PC_STORE_INDEX)) {
        return false;
    }
    return POST_SYNC_OP(dw1) == 0 ||
           (canonical_high(cmd[3]) &&
            in_good_range(&s->written[space][h->write_hints[space]], cmd_gma(cmd, 2, ~7u), 8));
}

/* A FAST_LRI command that med_cmd_lri() would pass: whole pairs, each
 * register one the buffer may load. */
HOT bool lri_passes(const struct med_scan_state *s, const uint32_t *cmd, unsigned len)
{
    bool ok = len % 2;

    for (unsigned i = 1; i < len; i += 2) {
        ok &= register_allowed(s->req->engine, cmd[i], s->frames[s->level].privileged, true);
    }
    return ok;
}

/* A FAST_VERTEX_BUFFERS command that med_cmd_vertex_buffers() would
 * pass. */
HOT bool vertex_buffers_pass(const uint32_t *cmd, unsigned len)
{
    bool ok = (len - 1) % 4 == 0;

    for (unsigned i = 2; i < len; i += 4) {
        ok &= canonical_high(cmd[i + 1]);
    }
    return ok;
}

/* Surface @i of a blit (struct blt): its address below 2^48 (the
 * canonical ones of the upper half go to the handler), its bytes on the
 * good range its role's hint names, the destination's on the write range
 * its write hint names (audited, as store_on_hint() says: nothing to
 * record).  Compared signed: the ranges' ends are below 2^49, and bytes
 * that would begin below address 0 begin below the range. */
HOT bool surface_on_hint(const struct med_scan_state *s, const struct header_entry *h,
                         const uint32_t *cmd, enum blt_kind kind, const struct blt *b,
                         unsigned i)
{
    const struct good_range *g = i ? &s->good[MED_SCAN_PPGTT][h->hints[i]]
                                   : &s->written[MED_SCAN_PPGTT][h->write_hints[MED_SCAN_PPGTT]];
    uint32_t high = cmd[5 + 4 * i];
    /* 48 bits: a non-canonical address fails below, and its sum must not
     * overflow meanwhile (a blit the scan fuzzer found) */
    int64_t base = (int64_t)((cmd[4 + 4 * i] & ~3u) | (uint64_t)(high & 0xffff) << 32), lo, hi;

    blt_extent(cmd, kind, b, i, &lo, &hi);
    return !(high >> 16) & (base + lo >= (int64_t)g->lo) & (base + hi <= (int64_t)g->hi);
}

/* A FAST_BLIT command of @kind (a header of supported tilings) that
 * audit_blit() would pass on the first range it tries for each surface: a
 * non-empty rectangle of a supported depth, each surface on the good range of its role's hint (a
 * batch's copies go from one surface to another: one range compare
 * each, no call). */
HOT bool blit_on_hints(const struct med_scan_state *s, const struct header_entry *h,
                       const uint32_t *cmd, enum blt_kind kind)
{
    struct blt b;

    blt_decode(cmd, kind, &b);
    if (!((b.cpp != 0) & (b.width > 0) & (b.height > 0)) ||
        !surface_on_hint(s, h, cmd, kind, &b, 0)) {
        return false;
    }
    return kind == BLT_COLOR || surface_on_hint(s, h, cmd, kind, &b, 1);
}


/* The scan loop's fast paths (enum fast_path): true when the command
 * passes without its handler, which decides the rest. */
HOT bool passes(struct med_scan_state *s, const struct header_entry *h, const uint32_t *cmd,
                unsigned len)
{
    switch (h->fast) {
    case FAST_PLAIN:
        return true;
    case FAST_POINTERS:
        return pointers_canonical(cmd, h->state_ptrs);
    case FAST_STORE:
        return store_on_hint(s, h, cmd);
    case FAST_PIPE_CONTROL:
        return pipe_control_passes(s, h, cmd);
    /* blit_on_hints() compiled for each kind: its surfaces, depth and
     * tiling fields are then constants */
    case FAST_BLIT + BLT_SRC_COPY:
        return blit_on_hints(s, h, cmd, BLT_SRC_COPY);
    case FAST_BLIT + BLT_COLOR:
        return blit_on_hints(s, h, cmd, BLT_COLOR);
    case FAST_BLIT + BLT_FAST_COPY:
        return blit_on_hints(s, h, cmd, BLT_FAST_COPY);
    case FAST_LRI:
        return lri_passes(s, cmd, len);
    case FAST_INTERRUPT:
        s->result->user_interrupt = true;
        return true;
    case FAST_VERTEX_BUFFERS:
        return vertex_buffers_pass(cmd, len);
    case FAST_WRITES_ANY:
        s->result->writes_any = true;
        return true;
    default:
        return false;
    }
}

/* The full path of a command the scan loop did not pass: its state
 * pointers and its handler.  Out of the
 * loop, which keeps its registers for the commands it passes. */
static enum med_scan_verdict __attribute__((noinline))
audit_command(struct med_scan_state *s, struct header_entry *h, const uint32_t *cmd,
              unsigned len)
{
    s->desc = h->desc;
    s->hints = h->hints;
    s->jumped = false;
    if (h->state_ptrs && audit_state_pointers(s, cmd) != MED_SCAN_OK) {
        return s->result->verdict;
    }
    s->write_hints = h->write_hints;
    if (h->desc->writes == MED_CMD_WRITES_ANY) {
        s->result->writes_any = true;
    }
    if (!h->desc->handler) {
        return MED_SCAN_OK;
    }
    return h->desc->handler(s, cmd, len);
}

/*
 * Decode and audit the commands of the top frame from its position, until
 * its copy ends, a command leaves the frame (a batch start or end), or a
 * rejection.  The loop keeps the frame's position and the command count
 * in locals and writes them back before anything that reads them (a
 * handler, a rejection, an extension of the copy).  A command of a cached
 * header passes without a call when its row has no handler and its state
 * pointers (if any) are canonical (most of a real stream), or when it is a
 * dword store or a PIPE_CONTROL whose write lies on the good range its
 * header's hint names (a ring's breadcrumbs, a batch's stores), or a blit
 * whose surfaces do (enum fast_path); the rest goes to the handler, which
 * decides.
 */
static enum med_scan_verdict scan_frame(struct med_scan_state *s)
{
    struct frame *f = top(s);
    struct med_scan_result *r = s->result;
    struct header_entry *const headers = s->headers;
    const uint32_t *const dw = f->dw;
    const uint64_t dwords = f->dwords, start = f->pos;
    const uint64_t max_commands = s->scan->limits.max_commands;
    uint64_t pos = start, passed;       /* passed: up to where the statistics count */
    uint64_t room = max_commands - r->commands;     /* commands the limit leaves */
    enum med_scan_verdict v = MED_SCAN_OK;
    /* The entry of the last command's header: in a run of one header
     * (stores, MI_NOOPs, copies) the next position depends on that entry's
     * length, not on a hash of the dword just loaded, so the processor
     * runs ahead (docs/benchmarks.md, "scan", measures it).  Every slot
     * holds a header of its own slot or one that hashes elsewhere
     * (empty_headers()), so the first command, whose slot this is, is
     * never taken for its entry's. */
    struct header_entry *h = &headers[header_slot(pos < dwords ? dw[pos] : 0)];

    while (pos < dwords) {
        const uint32_t *cmd = &dw[pos];
        unsigned len;

        if (!room--) {
            f->pos = passed = pos;
            s->desc = NULL;
            v = reject(s, MED_SCAN_LIMIT, "more than %" PRIu64 " commands", max_commands);
            goto left;
        }
        if (h->dw0 != cmd[0]) {
            h = &headers[header_slot(cmd[0])];
        }
        if (h->dw0 != cmd[0]) {
            f->pos = passed = pos;
            s->desc = NULL;
            if (!(h = decode_header(s, cmd[0]))) {
                v = r->verdict;
                goto left;
            }
        }
        len = h->len;
        if (len > dwords - pos) {
            f->pos = passed = pos;
            s->desc = h->desc;
            /* the frame's copy grows and the command is decoded again, or
             * the scan fails */
            room++;
            v = copy_was_cut(s) ? extend_copy(s)
                                : reject(s, MED_SCAN_TRUNCATED,
                                         "%u-dword command crosses the end of its buffer", len);
            goto left;
        }
        if (passes(s, h, cmd, len)) {
            pos += len;
            continue;
        }
        f->pos = pos;
        passed = pos + len;
        /* a loop's walk counts against the limit (chain_into_scanned()) */
        r->commands = max_commands - room;
        v = audit_command(s, h, cmd, len);
        room = max_commands - r->commands;
        if (v != MED_SCAN_OK || s->jumped) {
            goto left;          /* rejected, or another frame, or this one from elsewhere */
        }
        pos += len;
    }
    f->pos = passed = pos;
left:
    r->commands = max_commands - room;
    s->scan->stats.bytes += 4 * (passed - start);
    return v;
}

/* The end of a buffer's copy: the ring is done, a batch is not. */
static enum med_scan_verdict end_of_buffer(struct med_scan_state *s)
{
    const struct frame *f = top(s);

    if (s->level == 0) {
        top_buffer(s)->len = 4 * f->pos;
        s->level = -1;
        return MED_SCAN_OK;
    }
    if (copy_was_cut(s)) {
        return extend_copy(s);
    }
    return reject(s, MED_SCAN_UNTERMINATED, "batch has no MI_BATCH_BUFFER_END in the %" PRIu64
                  " bytes mapped from its start", 4 * f->dwords);
}

/*
 * A rejection of the guest's: cut each buffer the scan is inside where the
 * GPU stops (med_scan_result.prefix): the top one at the rejected command
 * (a start it made, recorded before an audit refused it, goes), the
 * others after their call.  No prefix where a batch's part before its cut
 * is not all the vGPU's memory (audit_batch() checks that of a whole
 * batch as it leaves it).
 */
static void cut_at_rejection(struct med_scan_state *s)
{
    struct med_scan *scan = s->scan;
    struct med_scan_result *r = s->result;
    const struct frame *f = top(s);

    for (int l = 0; l <= s->level; l++) {
        struct med_scan_buffer *b = &scan->buffers[s->frames[l].buffer];

        b->len = 4 * s->frames[l].pos;
        b->stops = true;
        if (l && b->len && !range_ok(s, b->space, b->gma, b->len, &s->batch_hint)) {
            return;
        }
    }
    while (r->bb_start_count && scan->bb_starts[r->bb_start_count - 1].buffer == f->buffer &&
           scan->bb_starts[r->bb_start_count - 1].offset >= 4 * f->pos) {
        r->bb_start_count--;
    }
    r->prefix = true;
}

bool med_scan_cut_prefix(struct med_scan *scan, enum gen9_engine engine,
                         struct med_scan_result *result, uint64_t shorter_by, unsigned *buffer)
{
    struct med_scan_buffer *b = NULL;
    const struct med_cmd_desc *desc = NULL;
    const uint32_t *dw;
    uint64_t pos = 0, cmd_len = 0, dwords;
    uint32_t dw0 = 0;
    unsigned kept = 0;

    for (unsigned i = 0; result->prefix && i < result->buffer_count; i++) {
        if (scan->buffers[i].stops && (!b || scan->buffers[i].level > b->level)) {
            b = &scan->buffers[i];
            *buffer = i;
        }
    }
    if (!b || !b->level || b->len < shorter_by) {
        return false;
    }
    /* Its commands again, from its start as the scan decoded them, up to
     * the last that ends within the new length; a run of one header (an
     * unterminated batch's MI_NOOPs) costs a compare a command. */
    dw = b->host;
    dwords = (b->len - shorter_by) / 4;
    while (pos < dwords) {
        if (!desc || dw[pos] != dw0) {
            dw0 = dw[pos];
            desc = med_cmd_lookup(engine, dw0);
            assert(desc);       /* scanned: every command before the cut decodes */
            cmd_len = med_cmd_length(desc, dw0);
        }
        if (cmd_len > dwords - pos) {
            break;
        }
        pos += cmd_len;
    }
    b->len = 4 * pos;
    for (unsigned i = 0; i < result->bb_start_count; i++) {
        const struct med_scan_bb_start *site = &scan->bb_starts[i];

        if (site->buffer != *buffer || site->offset < b->len) {
            scan->bb_starts[kept++] = *site;
        }
    }
    result->bb_start_count = kept;
    return true;
}

static void start_result(struct med_scan_state *s)
{
    struct med_scan *scan = s->scan;
    const struct med_scan_request *req = s->req;

    *s->result = (struct med_scan_result){ .verdict = MED_SCAN_OK, .buffer_count = 1 };
    scan->buffers[0] = (struct med_scan_buffer){
        .space = MED_SCAN_GGTT, .gma = req->gma, .host = req->commands, .privileged = true,
    };
    scan->activations[0] = 0;
    s->frames[0] = (struct frame){ .dw = req->commands, .dwords = req->len / 4,
                                   .privileged = true };
    s->next_activation = 1;
}

enum med_scan_verdict med_scan(struct med_scan *scan, const struct med_scan_request *req,
                               struct med_scan_result *result)
{
    struct med_scan_state s = {
        .scan = scan, .req = req, .result = result,
        /* an engine out of range is refused below, before any decode */
        .headers = scan->headers[(unsigned)req->engine < GEN9_NUM_ENGINES ? req->engine : 0],
    };
    enum med_scan_verdict v = MED_SCAN_OK;

    start_result(&s);
    if ((unsigned)req->engine >= GEN9_NUM_ENGINES || req->len % 4) {
        v = result->verdict = MED_SCAN_BAD_LENGTH;
        snprintf(result->reason, sizeof(result->reason),
                 "scan request for engine %d with %" PRIu64 " bytes", (int)req->engine, req->len);
    }
    while (v == MED_SCAN_OK && s.level >= 0) {
        if (top(&s)->pos == top(&s)->dwords) {
            v = end_of_buffer(&s);
        } else {
            v = scan_frame(&s);
        }
    }
    if (v != MED_SCAN_OK && v != MED_SCAN_NO_MEMORY && s.level >= 0) {
        cut_at_rejection(&s);
    }
    result->buffers = scan->buffers;     /* reserve_buffers() may have moved them */
    result->bb_starts = scan->bb_starts;
    result->writes = scan->writes;
    scan->stats.scans++;
    scan->stats.verdicts[v]++;
    scan->stats.commands += result->commands;
    if (v != MED_SCAN_OK && scan->config.ops->log) {
        scan->config.ops->log(scan->config.opaque, result->reason);
    }
    return v;
}

static uint64_t or_default(uint64_t value, uint64_t fallback)
{
    return value ? value : fallback;
}

/* Each slot of the header caches holds a header that hashes elsewhere:
 * the scan loop finds a header in its own slot only once decoded there. */
static void empty_headers(struct med_scan *scan)
{
    for (unsigned slot = 0; slot < HEADER_CACHE; slot++) {
        uint32_t dw0 = 0;

        while (header_slot(dw0) == slot) {
            dw0++;
        }
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            scan->headers[e][slot] = (struct header_entry){ .dw0 = dw0 };
        }
    }
}

struct med_scan *med_scan_create(const struct med_scan_config *config)
{
    const struct med_scan_ops *ops = config->ops;
    struct med_scan *scan;

    if (!ops || !ops->ggtt_range_ok || !ops->ppgtt_range_ok || !ops->ppgtt_batch_ok ||
        !ops->fetch) {
        errno = EINVAL;
        return NULL;
    }
    scan = calloc(1, sizeof(*scan));
    if (!scan) {
        return NULL;
    }
    scan->config = *config;
    empty_headers(scan);
    scan->limits = (struct med_scan_limits){
        .max_commands = or_default(config->limits.max_commands, default_limits.max_commands),
        .max_total_bytes = or_default(config->limits.max_total_bytes,
                                      default_limits.max_total_bytes),
        .max_batches = (unsigned)or_default(config->limits.max_batches,
                                            default_limits.max_batches),
    };
    if (!reserve_buffers(scan, 16)) {
        med_scan_destroy(scan);
        errno = ENOMEM;
        return NULL;
    }
    return scan;
}

void med_scan_destroy(struct med_scan *scan)
{
    if (!scan) {
        return;
    }
    free(scan->buffers);
    free(scan->activations);
    free(scan->bb_starts);
    free(scan->writes);
    free(scan);
}

void med_scan_get_stats(const struct med_scan *scan, struct med_scan_stats *stats)
{
    *stats = scan->stats;
}

const char *med_scan_verdict_name(enum med_scan_verdict verdict)
{
    static const char *const names[MED_SCAN_VERDICT_COUNT] = {
        [MED_SCAN_OK] = "ok",
        [MED_SCAN_UNKNOWN_COMMAND] = "unknown-command",
        [MED_SCAN_FORBIDDEN_COMMAND] = "forbidden-command",
        [MED_SCAN_BAD_LENGTH] = "bad-length",
        [MED_SCAN_TRUNCATED] = "truncated",
        [MED_SCAN_BAD_ADDRESS] = "bad-address",
        [MED_SCAN_BAD_REGISTER] = "bad-register",
        [MED_SCAN_BAD_BATCH] = "bad-batch",
        [MED_SCAN_UNTERMINATED] = "unterminated",
        [MED_SCAN_LOOP] = "loop",
        [MED_SCAN_LIMIT] = "limit",
        [MED_SCAN_NO_MEMORY] = "no-memory",
    };

    return verdict < MED_SCAN_VERDICT_COUNT ? names[verdict] : "invalid";
}
