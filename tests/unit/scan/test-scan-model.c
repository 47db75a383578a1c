/*
 * The Gen9 command decoding the scanner uses (gen9/cmd.c, its policy an
 * overlay: mediator/scan/cmd-table.c) against the GPU model's own table
 * (pgpu/skl-cmd.c), two tables written separately from public sources:
 * for every engine and every opcode a dword 0 can carry (all command types, every value of
 * the opcode bits, generated here, not taken from either table), both
 * know the command or both do not, and where both know it they compute
 * the same length from the same dword 0 for every length field value, and
 * the scanner never passes a length the model calls malformed.  A scanner
 * that decodes a length differently from the GPU desynchronizes from the
 * command stream the GPU executes, which is how a command hides from the
 * scanner.  The few differences that are facts, not mistakes, are listed
 * below with their reason; a listed difference that no longer differs
 * fails too, so the list cannot outlive what it explains.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "mediator/scan/cmd-table.h"
#include "pgpu/skl.h"

#define MAX_REPORTED    64      /* opcode differences named; all are counted */

/* Dword 0 bits that select the command, per command type (bits 31:29). */
static const struct {
    unsigned shift, bits;       /* the opcode field */
} opcode_field[8] = {
    [0] = { 23, 6 },            /* MI: bits 28:23 */
    [1] = { 16, 13 },           /* no commands: every bit pattern is tried */
    [2] = { 22, 7 },            /* 2D (blitter): bits 28:22 */
    [3] = { 16, 13 },           /* GFX: subtype 28:27, opcode 26:24, sub-opcode 23:16 */
    [4] = { 16, 13 }, [5] = { 16, 13 }, [6] = { 16, 13 }, [7] = { 16, 13 },
};

/* A command one table knows on an engine and the other does not, and why
 * that is right (or what the GPU does with it). */
struct known_difference {
    const char *what;
    unsigned engines;           /* 1 << enum gen9_engine */
    uint32_t mask, match;       /* dword 0 & mask == match */
    bool scanner_knows;         /* else the model knows it and the scanner not */
    const char *reason;
    unsigned seen;
};

static struct known_difference known[] = {
    { .what = "MEDIA_OBJECT_GRPID", .engines = 1u << GEN9_RCS, .mask = 0xffff0000,
      .match = 0x71060000, .scanner_knows = false, .reason =
      "a Gen9 media object command (PRM vol 2a) the GPU model decodes and skips; the "
      "scanner refuses it as GVT-g's command parser does (i915's gvt/cmd_parser.c has "
      "no row for it), so a guest cannot use it under either mediator" },
    { .what = NULL },
};

static struct known_difference *listed(enum gen9_engine e, uint32_t dw0, bool scanner_knows)
{
    for (struct known_difference *k = known; k->what; k++) {
        if ((k->engines & (1u << e)) && (dw0 & k->mask) == k->match &&
            k->scanner_knows == scanner_knows) {
            return k;
        }
    }
    return NULL;
}

static const char *engine_name(enum gen9_engine e)
{
    return gen9_engines[e].name;
}

/* The length-field patterns tried on each command both know: zero, each
 * bit alone and all ones in the low 16 bits, so a field one bit wider or
 * narrower, or a different bias, gives a different length in one of
 * them. */
static unsigned compare_lengths(enum gen9_engine e, uint32_t dw0, uint32_t free_bits,
                                const struct med_cmd_desc *desc)
{
    unsigned failures = 0;

    for (int bit = -1; bit <= 16; bit++) {
        uint32_t pattern = bit < 0 ? 0 : bit == 16 ? 0xffff : 1u << bit;
        uint32_t dw = dw0 | (pattern & free_bits);
        struct skl_cmd_decoded model;
        unsigned len;

        assert_true(skl_cmd_decode(e, dw, &model));
        len = med_cmd_length(desc, dw);
        if (len != model.len) {
            print_error("%s on %s, dword 0 0x%08x: the scanner reads %u dwords, the GPU "
                        "model (%s) %u\n", desc->cmd->name, engine_name(e), dw, len, model.name,
                        model.len);
            return failures + 1;
        }
    }
    /* Whatever the scanner passes, the GPU decodes as well formed (what it
     * refuses never reaches the GPU). */
    if (desc->policy == MED_CMD_ALLOW) {
        struct skl_cmd_decoded model;

        assert_true(skl_cmd_decode(e, dw0, &model));
        if (desc->cmd->min_len < model.min_len) {
            print_error("%s on %s: the scanner passes %u dwords, the GPU model (%s) calls "
                        "fewer than %u malformed\n", desc->cmd->name, engine_name(e),
                        desc->cmd->min_len, model.name, model.min_len);
            failures++;
        }
    }
    return failures;
}

static void test_every_opcode_both_ways(void **state)
{
    unsigned failures = 0, both = 0, neither = 0, differences = 0;

    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (uint32_t type = 0; type < 8; type++) {
            unsigned shift = opcode_field[type].shift, bits = opcode_field[type].bits;
            uint32_t free_bits = (1u << shift) - 1;

            for (uint32_t op = 0; op < (1u << bits); op++) {
                uint32_t dw0 = type << 29 | op << shift;
                const struct med_cmd_desc *desc = med_cmd_lookup(e, dw0);
                struct skl_cmd_decoded model;
                bool model_knows = skl_cmd_decode(e, dw0, &model);
                struct known_difference *k;

                if (desc && model_knows) {
                    both++;
                    failures += compare_lengths(e, dw0, free_bits, desc);
                    continue;
                }
                if (!desc && !model_knows) {
                    neither++;
                    continue;
                }
                k = listed(e, dw0, desc != NULL);
                if (k) {
                    k->seen++;
                    differences++;
                    continue;
                }
                if (failures++ < MAX_REPORTED) {
                    print_error("dword 0 0x%08x on %s: only the %s knows it (%s)\n", dw0,
                                engine_name(e), desc ? "scanner" : "GPU model",
                                desc ? desc->cmd->name : model.name);
                }
            }
        }
    }
    for (struct known_difference *k = known; k->what; k++) {
        printf("# %s: only the %s knows it (%u opcodes): %s\n", k->what,
               k->scanner_knows ? "scanner" : "GPU model", k->seen, k->reason);
        if (!k->seen) {
            failures++;
            print_error("listed difference '%s' no longer differs: remove it from the list\n",
                        k->what);
        }
    }
    printf("# %u opcodes (per engine) known to both with the same length rule, %u to "
           "neither, %u in the listed differences, %u failures\n", both, neither,
           differences, failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_opcode_both_ways),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
