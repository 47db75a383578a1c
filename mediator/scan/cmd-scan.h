/*
 * cmd-scan.h - the command scanner: decodes every command of a ring and of
 * every batch buffer it starts, before the GPU may execute them, and audits
 * what each command may reach (docs/scanner.md).
 *
 * What is checked, per command: the opcode is known on the engine and
 * allowed; the length follows the command's rule and the command ends
 * inside its buffer; every graphics address it uses lies, with the whole
 * access (address + size), inside the vGPU's GGTT partition on pages mapped
 * to memory the VM owns, or is mapped to memory the VM owns in the
 * context's PPGTT; every register that
 * MI_LOAD_REGISTER_IMM/REG/MEM or MI_STORE_REGISTER_MEM names is in the
 * engine's whitelist (the ring and GGTT batches may also use the guest
 * kernel's registers, PPGTT batches only the user ones).  Batches are
 * followed through MI_BATCH_BUFFER_START (first level, second level,
 * chained), with bounded depth and bounded work; a chain back into a
 * command already scanned at the same level (a loop, e.g. igt's spinner)
 * is pointed at that command's copy and not scanned again, so the scan
 * ends; the loop's exits are conditional ends on data the scan audited,
 * and a loop without one is ended by the engine's hang detection.
 *
 * The time-of-check/time-of-use contract: the scanner never reads guest
 * memory.  The caller hands it a host copy of the ring and, through
 * med_scan_ops.fetch, host copies of each batch; the result lists every
 * buffer scanned and every MI_BATCH_BUFFER_START, so the caller submits
 * exactly those copies and patches each start to the copy of its target.
 * A copy must not change between the scan and the end of the workload.
 *
 * Not thread-safe per scanner (one per vGPU, used by its workload path);
 * distinct scanners are independent.  Nothing here allocates per command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_SCAN_CMD_SCAN_H
#define GPUMED_MEDIATOR_SCAN_CMD_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "pgpu/pgpu.h"

#define MED_SCAN_REASON_MAX 256

/* Which graphics address space a buffer or an access uses. */
enum med_scan_space {
    MED_SCAN_GGTT,
    MED_SCAN_PPGTT,
};

enum med_scan_verdict {
    MED_SCAN_OK,
    MED_SCAN_UNKNOWN_COMMAND,   /* no such command on this engine */
    MED_SCAN_FORBIDDEN_COMMAND, /* privileged, display or unsupported command */
    MED_SCAN_BAD_LENGTH,        /* length or a field outside the command's rule */
    MED_SCAN_TRUNCATED,         /* a command crosses the end of its buffer */
    MED_SCAN_BAD_ADDRESS,       /* an access outside the vGPU's memory */
    MED_SCAN_BAD_REGISTER,      /* a register outside the engine's whitelist */
    MED_SCAN_BAD_BATCH,         /* a batch start that cannot be followed */
    MED_SCAN_UNTERMINATED,      /* a batch without MI_BATCH_BUFFER_END */
    MED_SCAN_LOOP,              /* a loop into a command's middle or into more privilege */
    MED_SCAN_LIMIT,             /* more work than the scan limits allow */
    MED_SCAN_NO_MEMORY,         /* the host ran out of memory (not the guest's fault) */
    MED_SCAN_VERDICT_COUNT
};

/*
 * What the scanner needs from the mediator; @opaque is
 * med_scan_config.opaque, @ppgtt is med_scan_request.ppgtt.
 */
struct med_scan_ops {
    /* True when every byte of [@gma, @gma + @len) is in the vGPU's GGTT
     * partition (aperture or hidden block) and every page of it maps the
     * VM's memory: a page whose entry is not present or invalid is the
     * scratch page, not the vGPU's memory. */
    bool (*ggtt_range_ok)(void *opaque, uint64_t gma, uint64_t len);
    /* True when every page of [@gma, @gma + @len) is present in the
     * context's PPGTT and maps memory the VM owns.  Both answers must not
     * change during one med_scan(): the scanner reuses the pages of the
     * last range it was told are good. */
    bool (*ppgtt_range_ok)(void *opaque, void *ppgtt, uint64_t gma, uint64_t len);
    /* True when a batch may start at @gma in the context's PPGTT: its page
     * is mapped as ppgtt_range_ok() says, and not only through the
     * guest's fill of unused ranges (i915 points them at its scratch
     * tables and page: a data access there reads what the hardware
     * would, i915's scratch page, but a start there is a jump into
     * unbound memory).  Asked for every start, never answered from the
     * ranges found good for data. */
    bool (*ppgtt_batch_ok)(void *opaque, void *ppgtt, uint64_t gma);
    /*
     * A host copy of the batch at @gma in @space: at most @max_len bytes,
     * fewer where the guest's mapping ends; *@len says how many.  NULL (or
     * *@len == 0) when nothing there can be copied.  The scanner asks for
     * 1 KiB first and, while a batch goes on past its copy, for 4x more
     * from the same start, passing the copy it has (@old, its first @have
     * bytes, scanned): the new copy must begin with exactly those bytes,
     * taken from @old and never from the guest again, and *@len >= @have;
     * @old may be extended in place.  The scan goes on after them.  Only
     * the copies the result lists run: those must stay valid and
     * unchanged until the workload completes; copies that were extended
     * may be dropped after the scan.
     */
    const void *(*fetch)(void *opaque, void *ppgtt, enum med_scan_space space,
                         uint64_t gma, const void *old, uint64_t have, uint64_t max_len,
                         uint64_t *len);
    /* Optional: one line per rejected scan, the reason without the vGPU's
     * name (the caller prefixes it). */
    void (*log)(void *opaque, const char *reason);
};

/* Bounds on the work one scan may do; 0 picks the default in brackets.
 * No bound is per batch: the hardware runs a batch of any length, so a
 * batch's copy grows until it holds the batch's end or the guest's
 * mapping ends, within what the whole scan may fetch. */
struct med_scan_limits {
    uint64_t max_commands;      /* commands decoded [4 Mi] */
    uint64_t max_total_bytes;   /* bytes copied from the guest in all [64 MiB] */
    unsigned max_batches;       /* batch buffers started [1024] */
};

struct med_scan_config {
    const struct med_scan_ops *ops;     /* all but log required */
    void *opaque;
    struct med_scan_limits limits;
};

/* One scan: a top-level buffer, normally the ring from HEAD to TAIL. */
struct med_scan_request {
    enum gen9_engine engine;
    const void *commands;       /* host copy, linear (the caller unwraps the ring) */
    uint64_t len;               /* bytes; a multiple of 4 */
    uint64_t gma;               /* its GGTT address, for the reasons */
    void *ppgtt;                /* the context's address space, for the ops */
};

/* A buffer the GPU will execute: [0] is the request's, then each batch in
 * the order started. */
struct med_scan_buffer {
    enum med_scan_space space;
    uint64_t gma;
    const void *host;           /* the copy scanned */
    uint64_t len;               /* bytes the GPU executes, up to the end of the
                                 * command that leaves the buffer */
    unsigned level;             /* 0 top level, 1 first-level, 2 second-level batch */
    bool privileged;            /* top level or GGTT batches started from one */
    bool stops;                 /* on a rejection's path: the GPU must stop at len */
};

/* An MI_BATCH_BUFFER_START: dwords 1-2 of the command at @offset of
 * buffer @buffer start buffer @target at @target_offset; the caller points
 * them there in its copy.  @target_offset is 0 but for a loop: a chain
 * back into a command of a batch already scanned in the same activation,
 * which runs that copy again. */
struct med_scan_bb_start {
    unsigned buffer;
    uint64_t offset;            /* bytes */
    unsigned target;
    uint64_t target_offset;     /* bytes into the target's copy */
};

/* Pages [lo, hi) of @space that commands of the result may write. */
struct med_scan_write {
    enum med_scan_space space;
    uint64_t lo, hi;
};

/*
 * On a rejection of the guest's (any verdict but MED_SCAN_NO_MEMORY),
 * @prefix is set and the result lists what runs before the rejected
 * command, as hardware runs a stream up to a command it may not run and
 * stops there: the buffers the scan was inside (the ring, the batch that
 * called, the rejected command's batch) are marked @stops, each cut where
 * the GPU must stop: at the rejected command, or where a batch on the way
 * would have gone on after its call.  The caller may run that prefix with
 * a command the GPU stops at placed at each such cut (a hang, as the
 * hardware's), or nothing.  What the prefix lists was scanned as for
 * MED_SCAN_OK.
 */
struct med_scan_result {
    enum med_scan_verdict verdict;
    char reason[MED_SCAN_REASON_MAX];   /* "" when OK */
    bool prefix;
    /* Valid until the next scan or med_scan_destroy(). */
    const struct med_scan_buffer *buffers;
    unsigned buffer_count;
    const struct med_scan_bb_start *bb_starts;
    unsigned bb_start_count;
    uint64_t commands;          /* decoded */
    bool user_interrupt;        /* an MI_USER_INTERRUPT among them */
    /* What the listed commands may write (docs/scanner.md, "Batches
     * written by the GPU"): the accesses of the commands whose table row
     * says they write, as page ranges, merged where they touch; or, with
     * @writes_any, anything the vGPU reaches (a draw, a dispatch, a video
     * command writes memory the scanner does not model; too many ranges). */
    const struct med_scan_write *writes;
    unsigned write_count;
    bool writes_any;
    /* The scan stopped before a ring-level batch start whose batch an
     * earlier batch of the ring may write (@writes): the result covers
     * the ring up to buffers[0].len, that start's offset; the rest is for
     * another scan once that part has run. */
    bool split;
};

struct med_scan_stats {
    uint64_t scans;
    uint64_t verdicts[MED_SCAN_VERDICT_COUNT];
    uint64_t commands;
    uint64_t bytes;             /* bytes of commands decoded */
};

struct med_scan;

/* NULL with errno EINVAL (missing op) or ENOMEM. */
struct med_scan *med_scan_create(const struct med_scan_config *config);

/* NULL is ignored. */
void med_scan_destroy(struct med_scan *scan);

/*
 * Scan @req and fill *@result; returns result->verdict.  Anything but
 * MED_SCAN_OK means: do not submit.  A rejection is counted, written to
 * result->reason ("<what>: <command> (0x<dword 0>) at +0x<offset> of
 * <buffer>") and passed to ops->log.
 */
enum med_scan_verdict med_scan(struct med_scan *scan, const struct med_scan_request *req,
                               struct med_scan_result *result);

/*
 * Cut @result's prefix (a rejection's, result->prefix; of a scan on
 * @engine) at least @shorter_by bytes earlier, for a caller that cannot
 * lay all of it out: its innermost buffer (the one the refused command
 * is in) at the last command the scan decoded that ends by then, its
 * batch starts from there on dropped.  The GPU then stops there, on
 * scanned commands, as it would have at the refused one.  False (nothing
 * changed) when @result has no prefix, when that buffer is the request's
 * own (the ring, which the caller copied whole) or runs fewer bytes; else
 * *@buffer is its index.
 */
bool med_scan_cut_prefix(struct med_scan *scan, enum gen9_engine engine,
                         struct med_scan_result *result, uint64_t shorter_by, unsigned *buffer);

void med_scan_get_stats(const struct med_scan *scan, struct med_scan_stats *stats);

/* "ok", "unknown-command", ...: stable names for statistics. */
const char *med_scan_verdict_name(enum med_scan_verdict verdict);

#endif /* GPUMED_MEDIATOR_SCAN_CMD_SCAN_H */
