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

/*
 * MI_MATH's payload: one ALU instruction per dword, opcode in bits 31:20,
 * operand 1 in 19:10, operand 2 in 9:0 (i915's intel_gpu_commands.h and
 * IGT's intel_reg.h give the encodings; the shifts SHL, SHR and SAR, 0x105
 * to 0x107, are DG2's and later: not Gen9's).
 */
#define GEN9_ALU_OPCODE(instr)  ((instr) >> 20)
#define GEN9_ALU_OPERAND1(instr) (((instr) >> 10) & 0x3ff)
#define GEN9_ALU_OPERAND2(instr) ((instr) & 0x3ff)

enum gen9_alu_opcode {
    GEN9_ALU_NOOP = 0x000,
    GEN9_ALU_LOAD = 0x080,      /* operand 1 (SRCA or SRCB) = operand 2 */
    GEN9_ALU_LOADINV = 0x480,   /* ... = ~operand 2 */
    GEN9_ALU_LOAD0 = 0x081,     /* operand 1 = 0 */
    GEN9_ALU_LOAD1 = 0x481,     /* operand 1 = all ones */
    GEN9_ALU_ADD = 0x100,       /* ACCU = SRCA + SRCB; CF, ZF */
    GEN9_ALU_SUB = 0x101,       /* ACCU = SRCA - SRCB; CF (borrow), ZF */
    GEN9_ALU_AND = 0x102,
    GEN9_ALU_OR = 0x103,
    GEN9_ALU_XOR = 0x104,
    GEN9_ALU_STORE = 0x180,     /* operand 1 (a GPR) = operand 2 */
    GEN9_ALU_STOREINV = 0x580,  /* ... = ~operand 2 */
};

/* The ALU's operands: the engine's 16 64-bit CS_GPRs (RING_GPR, engine
 * base + 0x600 + 8 n: registers 0-15) and its own registers. */
#define GEN9_ALU_GPRS           16
enum gen9_alu_reg {
    GEN9_ALU_SRCA = 0x20,
    GEN9_ALU_SRCB = 0x21,
    GEN9_ALU_ACCU = 0x31,
    GEN9_ALU_ZF = 0x32,
    GEN9_ALU_CF = 0x33,
};

/* Whether @instr is an ALU instruction Gen9 defines with operands of the
 * kinds its opcode takes (operands it does not use are not looked at). */
bool gen9_alu_valid(uint32_t instr);

/* Total dwords of the command @dw0 decoded by @cmd. */
static inline unsigned gen9_cmd_length(const struct gen9_cmd *cmd, uint32_t dw0)
{
    if (!cmd->len_bits) {
        return cmd->min_len;
    }
    return (dw0 & ((1u << cmd->len_bits) - 1)) + 2;
}

#endif /* GPUMED_GEN9_CMD_H */
