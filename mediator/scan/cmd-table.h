/*
 * cmd-table.h - the scanner's data: one row per Gen9 command (how to find
 * it, its length rule, where it is valid, whether it is allowed, which
 * dwords are state pointers, and a handler only where the command has
 * semantics to audit), and the per-engine register whitelist.  The rows
 * live in cmd-table.c; the generic loop and the handlers in cmd-scan.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_SCAN_CMD_TABLE_H
#define GPUMED_MEDIATOR_SCAN_CMD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen9/engine.h"
#include "mediator/scan/cmd-scan.h"

enum {
    MED_ENG_RCS = 1 << GEN9_RCS,
    MED_ENG_BCS = 1 << GEN9_BCS,
    MED_ENG_VCS = 1 << GEN9_VCS,
    MED_ENG_VECS = 1 << GEN9_VECS,
    MED_ENG_XCS = MED_ENG_BCS | MED_ENG_VCS | MED_ENG_VECS,
    MED_ENG_ALL = MED_ENG_RCS | MED_ENG_XCS,
};

/* Command type, dword 0 bits 31:29, and how each is keyed. */
enum med_cmd_type {
    MED_CMD_MI = 0,         /* key: opcode, bits 28:23 */
    MED_CMD_2D = 2,         /* key: opcode, bits 28:22 (blitter) */
    MED_CMD_GFX = 3,        /* key: bits 28:16 = subtype, opcode, sub-opcode */
};

/* Video engines key their type-3 commands (MFX, VEBOX) by subtype only. */
#define MED_CMD_VIDEO_KEY(subtype)  (0x2000u | (subtype))

enum med_cmd_policy {
    MED_CMD_ALLOW,
    MED_CMD_PRIVILEGED,     /* would reach state outside the vGPU */
    MED_CMD_DISPLAY,        /* the display is emulated, never the host's */
    MED_CMD_UNSUPPORTED,    /* not emitted by the guest and not executable by the GPU model */
};

struct med_scan_state;

/* Audits one command of @len dwords; returns MED_SCAN_OK or a rejection
 * (after med_scan_reject()). */
typedef enum med_scan_verdict med_cmd_handler(struct med_scan_state *s, const uint32_t *cmd,
                                              unsigned len);

struct med_cmd_desc {
    const char *name;
    enum med_cmd_type type;
    uint16_t key;           /* see enum med_cmd_type */
    uint8_t engines;        /* MED_ENG_* where the command exists */
    uint8_t len_bits;       /* width of the DWord Length field (length - 2); 0: fixed */
    uint32_t min_len;       /* total dwords, header included */
    uint32_t max_len;       /* == min_len for a fixed or exact length */
    enum med_cmd_policy policy;
    uint32_t state_ptrs;    /* bit i: dwords i, i+1 hold a state pointer */
    med_cmd_handler *handler;   /* NULL: decoded and passed */
};

extern const struct med_cmd_desc med_cmd_table[];
extern const size_t med_cmd_table_size;

/* The row for @dw0 on @engine, or NULL. */
const struct med_cmd_desc *med_cmd_lookup(enum gen9_engine engine, uint32_t dw0);

/* Total dwords of the command @dw0 decoded by @desc. */
static inline unsigned med_cmd_length(const struct med_cmd_desc *desc, uint32_t dw0)
{
    if (!desc->len_bits) {
        return desc->min_len;
    }
    return (dw0 & ((1u << desc->len_bits) - 1)) + 2;
}

/* A register a command may name; engine-relative rows add the engine's base. */
struct med_reg_desc {
    const char *name;
    uint32_t offset;        /* absolute, or relative to the engine's base */
    uint16_t dwords;        /* consecutive dwords covered (64-bit and arrays) */
    uint8_t engines;
    bool relative;
    bool user;              /* also allowed from PPGTT (unprivileged) batches */
};

extern const struct med_reg_desc med_reg_table[];
extern const size_t med_reg_table_size;

/* The whitelist row covering @offset on @engine, or NULL. */
const struct med_reg_desc *med_reg_lookup(enum gen9_engine engine, uint32_t offset);

/* Handlers (cmd-scan.c). */
med_cmd_handler med_cmd_bb_start, med_cmd_bb_end, med_cmd_cond_bb_end;
med_cmd_handler med_cmd_store_data_imm, med_cmd_semaphore_wait, med_cmd_user_interrupt;
med_cmd_handler med_cmd_lri, med_cmd_lrr, med_cmd_lrm, med_cmd_srm;
med_cmd_handler med_cmd_flush_dw, med_cmd_pipe_control;
med_cmd_handler med_cmd_src_copy_blt, med_cmd_color_blt, med_cmd_fast_copy_blt;

#endif /* GPUMED_MEDIATOR_SCAN_CMD_TABLE_H */
