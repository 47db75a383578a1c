/*
 * cmd-table.h - the scanner's data: its policy on the Gen9 commands (an
 * overlay on gen9/cmd.h's decoding rows: whether a command is allowed,
 * and a handler only where it has semantics to audit), and the per-engine
 * register whitelist.  The rows live in cmd-table.c; the generic loop and
 * the handlers in cmd-scan.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_SCAN_CMD_TABLE_H
#define GPUMED_MEDIATOR_SCAN_CMD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen9/cmd.h"
#include "gen9/engine.h"
#include "mediator/scan/cmd-scan.h"

enum med_cmd_policy {
    MED_CMD_ALLOW,
    MED_CMD_PRIVILEGED,     /* would reach state outside the vGPU */
    MED_CMD_DISPLAY,        /* the display is emulated, never the host's */
    MED_CMD_UNSUPPORTED,    /* not emitted by the guest and not executable by the GPU model */
};

/* What a command writes in memory, for the result's write set. */
enum med_cmd_writes {
    MED_CMD_WRITES_NONE,        /* nothing, or only the shadow context's status page */
    MED_CMD_WRITES_ACCESS,      /* the access its handler audits (a blit's: the destination) */
    MED_CMD_WRITES_ANY,         /* memory its state points at (render targets, video
                                 * surfaces), which the scanner does not model */
};

struct med_scan_state;

/* Audits one command of @len dwords; returns MED_SCAN_OK or a rejection
 * (its reason recorded in the result, cmd-scan.c's reject()). */
typedef enum med_scan_verdict med_cmd_handler(struct med_scan_state *s, const uint32_t *cmd,
                                              unsigned len);

/* A command as the scanner sees it: its decoding and the scanner's policy. */
struct med_cmd_desc {
    const struct gen9_cmd *cmd;
    enum med_cmd_policy policy;
    med_cmd_handler *handler;   /* NULL: decoded and passed */
    enum med_cmd_writes writes;
    uint32_t state_ptrs;        /* cmd->state_ptrs: the scan loop reads it per command */
};

/* By gen9_cmds index; built before main(). */
extern struct med_cmd_desc med_cmd_rows[];

/* The scanner's row of gen9_cmds[@index]. */
static inline const struct med_cmd_desc *med_cmd_of(size_t index)
{
    return &med_cmd_rows[index];
}

/* The row for @dw0 on @engine, or NULL. */
static inline const struct med_cmd_desc *med_cmd_lookup(enum gen9_engine engine, uint32_t dw0)
{
    int i = gen9_cmd_find(engine, dw0);

    return i < 0 ? NULL : &med_cmd_rows[i];
}

/* Total dwords of the command @dw0 decoded by @desc. */
static inline unsigned med_cmd_length(const struct med_cmd_desc *desc, uint32_t dw0)
{
    return gen9_cmd_length(desc->cmd, dw0);
}

/* A register a command may name; engine-relative rows add the engine's base. */
struct med_reg_desc {
    const char *name;
    uint32_t offset;        /* absolute, or relative to the engine's base */
    uint16_t dwords;        /* consecutive dwords covered (64-bit and arrays) */
    uint8_t engines;
    bool relative;
    bool user;              /* also allowed from PPGTT (unprivileged) batches */
    bool user_read;         /* PPGTT batches may store it (SRM, LRR's source), not load it */
    bool read_only;         /* stored and read (SRM, LRR's source), never loaded */
};

extern const struct med_reg_desc med_reg_table[];
extern const size_t med_reg_table_size;

/* Per engine, every whitelisted register dword in an open-addressed table
 * built before main(), by a multiplicative hash of its offset with linear
 * probing: an LRI of four registers costs four probes (docs/scanner.md
 * measures the search it replaced). */
#define MED_REG_HASH_BITS 8
#define MED_REG_SLOTS (1u << MED_REG_HASH_BITS)

struct med_reg_slot {
    uint32_t offset;
    uint8_t row;                /* med_reg_table index + 1; 0: empty */
};

extern struct med_reg_slot med_reg_slots[GEN9_NUM_ENGINES][MED_REG_SLOTS];

static inline unsigned med_reg_hash(uint32_t offset)
{
    return (offset * 0x9e3779b1u) >> (32 - MED_REG_HASH_BITS);
}

/* The whitelist row covering @offset on @engine, or NULL. */
static inline const struct med_reg_desc *med_reg_lookup(enum gen9_engine engine,
                                                        uint32_t offset)
{
    const struct med_reg_slot *slots = med_reg_slots[engine];

    for (unsigned slot = med_reg_hash(offset); slots[slot].row;
         slot = (slot + 1) % MED_REG_SLOTS) {
        if (slots[slot].offset == offset) {
            return &med_reg_table[slots[slot].row - 1];
        }
    }
    return NULL;
}

/* Handlers (cmd-scan.c). */
med_cmd_handler med_cmd_bb_start, med_cmd_bb_end, med_cmd_cond_bb_end;
med_cmd_handler med_cmd_store_data_imm, med_cmd_store_data_index, med_cmd_math;
med_cmd_handler med_cmd_semaphore_wait, med_cmd_user_interrupt;
med_cmd_handler med_cmd_lri, med_cmd_lrr, med_cmd_lrm, med_cmd_srm;
med_cmd_handler med_cmd_flush_dw, med_cmd_pipe_control, med_cmd_vertex_buffers;
med_cmd_handler med_cmd_src_copy_blt, med_cmd_color_blt, med_cmd_fast_copy_blt;

#endif /* GPUMED_MEDIATOR_SCAN_CMD_TABLE_H */
