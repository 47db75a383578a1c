/*
 * cmd.h - the Gen9 (Skylake) commands a command streamer decodes: one row
 * per command (how dword 0 names it, its length rule, the engines that
 * have it, which dwords hold state pointers or the address it accesses),
 * in gen9_cmds (cmd.c).  What a consumer does with a command is its own
 * overlay on these rows: the scanner's policy and audits
 * (mediator/scan/cmd-table.c), the GPU model's handlers (pgpu/skl-cmd.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_CMD_H
#define GPUMED_GEN9_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen9/engine.h"

/* Command type, dword 0 bits 31:29, and how each is keyed. */
enum gen9_cmd_type {
    GEN9_CMD_MI = 0,        /* key: opcode, bits 28:23 */
    GEN9_CMD_2D = 2,        /* key: opcode, bits 28:22 (blitter) */
    GEN9_CMD_GFX = 3,       /* key: bits 28:16 = subtype, opcode, sub-opcode */
    /* Type 3 on the video engines (MFX, HCP, VDENC, VEBOX), keyed as
     * GEN9_CMD_GFX; the video engines decode these bits differently. */
    GEN9_CMD_VIDEO = 8,
};

struct gen9_cmd {
    const char *name;
    enum gen9_cmd_type type;
    uint16_t key;           /* see enum gen9_cmd_type */
    bool any_subop;         /* a family: every sub-opcode (bits 23:16) of the key's
                             * subtype and opcode, one length rule */
    uint8_t engines;        /* GEN9_ENG_* where the command exists */
    uint8_t len_bits;       /* width of the DWord Length field (length - 2); 0: fixed */
    uint32_t min_len;       /* total dwords, header included */
    uint32_t max_len;       /* == min_len for a fixed or exact length */
    uint32_t state_ptrs;    /* bit i: dwords i, i+1 hold a state pointer */
    uint16_t addresses;     /* bit i: dwords i, i+1 hold the graphics address the
                             * command reads or writes (MI, blits, PIPE_CONTROL) */
};

extern const struct gen9_cmd gen9_cmds[];
extern const size_t gen9_cmd_count;

/* The index in gen9_cmds of the command @dw0 on @engine, or -1. */
int gen9_cmd_find(enum gen9_engine engine, uint32_t dw0);

/* Total dwords of the command @dw0 decoded by @cmd. */
static inline unsigned gen9_cmd_length(const struct gen9_cmd *cmd, uint32_t dw0)
{
    if (!cmd->len_bits) {
        return cmd->min_len;
    }
    return (dw0 & ((1u << cmd->len_bits) - 1)) + 2;
}

#endif /* GPUMED_GEN9_CMD_H */
