/*
 * The scanner's tables, row by row: every command row decodes to itself
 * with its length rule on each of its engines and no other; forbidden rows
 * are rejected and plain rows pass; the state pointers of each row must be
 * canonical addresses; every whitelist row is accepted where
 * it applies and a privileged one is refused to an unprivileged batch; and
 * both tables are well formed.  Tests are generated from the tables, one
 * per row, so a new row is tested the day it is added.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mediator/scan/cmd-table.h"
#include "tests/unit/scan/emit.h"
#include "tests/unit/scan/fake-vm.h"

#define RING_GMA        FAKE_GGTT_BASE
#define BATCH_GMA       (FAKE_PPGTT_BASE + 0x10000)

/* dword 0 of @cmd's command with a length field of @len dwords. */
static uint32_t header(const struct gen9_cmd *cmd, unsigned len)
{
    uint32_t field = cmd->len_bits ? len - 2 : 0;

    switch (cmd->type) {
    case GEN9_CMD_MI:
        return (uint32_t)cmd->key << 23 | field;
    case GEN9_CMD_2D:
        return 2u << 29 | (uint32_t)cmd->key << 22 | field;
    default:        /* GFX and video: subtype, opcode, sub-opcode */
        return 3u << 29 | (uint32_t)cmd->key << 16 | field;
    }
}

static enum gen9_engine first_engine(unsigned mask)
{
    return (enum gen9_engine)__builtin_ctz(mask);
}

struct fixture {
    struct fake_vm *vm;
    struct med_scan *scan;
    struct med_scan_result result;
};

static void fixture_init(struct fixture *f)
{
    f->vm = fake_vm_create();
    assert_non_null(f->vm);
    f->scan = fake_vm_scanner(f->vm, NULL);
    assert_non_null(f->scan);
}

static void fixture_fini(struct fixture *f)
{
    med_scan_destroy(f->scan);
    fake_vm_destroy(f->vm);
}

static enum med_scan_verdict scan_ring(struct fixture *f, enum gen9_engine engine,
                                       const uint32_t *end)
{
    struct med_scan_request req = {
        .engine = engine, .commands = fake_ggtt(f->vm, RING_GMA), .gma = RING_GMA,
        .len = 4 * (uint64_t)(end - fake_ggtt(f->vm, RING_GMA)),
    };

    return med_scan(f->scan, &req, &f->result);
}

static void test_decode_row(void **state)
{
    const struct med_cmd_desc *desc = *state;
    const struct gen9_cmd *cmd = desc->cmd;

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        const struct med_cmd_desc *found = med_cmd_lookup(e, header(cmd, cmd->min_len));

        if (!(cmd->engines & (1u << e))) {
            assert_ptr_not_equal(found, desc);
            continue;
        }
        assert_ptr_equal(found, desc);
        if (cmd->any_subop) {       /* the family's last sub-opcode too */
            assert_ptr_equal(med_cmd_lookup(e, header(cmd, cmd->min_len) | 0xffu << 16), desc);
        }
        assert_int_equal(med_cmd_length(desc, header(cmd, cmd->min_len)), cmd->min_len);
        assert_int_equal(med_cmd_length(desc, header(cmd, cmd->max_len)), cmd->max_len);
    }
}

/* Forbidden rows are rejected by policy; plain rows (no handler) pass. */
static void test_policy_row(void **state)
{
    const struct med_cmd_desc *desc = *state;
    const struct gen9_cmd *cmd = desc->cmd;
    struct fixture f;
    uint32_t *p;

    fixture_init(&f);
    p = fake_ggtt(f.vm, RING_GMA);
    emit(&p, header(cmd, cmd->min_len));
    p += cmd->min_len - 1;
    if (desc->policy == MED_CMD_ALLOW) {
        assert_int_equal(scan_ring(&f, first_engine(cmd->engines), p), MED_SCAN_OK);
        assert_int_equal(f.result.commands, 1);
    } else {
        assert_int_equal(scan_ring(&f, first_engine(cmd->engines), p),
                         MED_SCAN_FORBIDDEN_COMMAND);
        assert_non_null(strstr(f.result.reason, cmd->name));
    }
    fixture_fini(&f);
}

/* Each state pointer of a row: a canonical address (bit 47 set, sign
 * extended) passes, a non-canonical one in the same dwords is rejected. */
static void test_state_pointers_row(void **state)
{
    const struct med_cmd_desc *desc = *state;
    const struct gen9_cmd *row = desc->cmd;
    struct fixture f;

    fixture_init(&f);
    for (uint32_t ptrs = row->state_ptrs; ptrs; ptrs &= ptrs - 1) {
        unsigned i = (unsigned)__builtin_ctz(ptrs);
        uint32_t *cmd = fake_ggtt(f.vm, RING_GMA), *p = cmd;

        emit(&p, header(row, row->min_len));
        p += row->min_len - 1;
        cmd[i] = 0xfffff000;
        cmd[i + 1] = 0xffff8000;
        assert_int_equal(scan_ring(&f, first_engine(row->engines), p), MED_SCAN_OK);
        cmd[i + 1] = 0x00018000;
        assert_int_equal(scan_ring(&f, first_engine(row->engines), p), MED_SCAN_BAD_ADDRESS);
        cmd[i] = cmd[i + 1] = 0;
    }
    fixture_fini(&f);
}

static uint32_t reg_offset(const struct med_reg_desc *reg, enum gen9_engine engine,
                           unsigned dword)
{
    return reg->offset + (reg->relative ? gen9_engines[engine].base : 0) + 4 * dword;
}

/* Each whitelist row: its first and last dword load from the ring on each
 * of its engines; from a PPGTT batch only if it is a user row.  A
 * read-only row is stored (MI_STORE_REGISTER_MEM) instead, and its loads
 * are refused from the ring too.  A PPGTT batch stores a user or a
 * user-read row. */
static void test_whitelist_row(void **state)
{
    const struct med_reg_desc *reg = *state;
    struct fixture f;

    fixture_init(&f);
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t regs[2] = { reg_offset(reg, e, 0), reg_offset(reg, e, reg->dwords - 1) };
        uint32_t *p = fake_ggtt(f.vm, RING_GMA), *b = fake_ppgtt(f.vm, BATCH_GMA);

        if (!(reg->engines & (1u << e))) {
            continue;
        }
        emit_lri(&p, regs, 2);
        assert_int_equal(scan_ring(&f, e, p), reg->read_only ? MED_SCAN_BAD_REGISTER
                                                             : MED_SCAN_OK);
        p = fake_ggtt(f.vm, RING_GMA);
        emit_bb_start(&p, BATCH_GMA, EMIT_BB_PPGTT);
        if (reg->read_only) {
            emit_reg_mem(&b, 0x24, regs[0], BATCH_GMA + 0x800, false);
            emit_reg_mem(&b, 0x24, regs[1], BATCH_GMA + 0x800, false);
        } else {
            emit_lri(&b, regs, 2);
        }
        emit(&b, MI_BB_END_DW);
        assert_int_equal(scan_ring(&f, e, p), reg->user ? MED_SCAN_OK : MED_SCAN_BAD_REGISTER);
        b = fake_ppgtt(f.vm, BATCH_GMA);
        emit_reg_mem(&b, 0x24, regs[0], BATCH_GMA + 0x800, false);
        emit_reg_mem(&b, 0x24, regs[1], BATCH_GMA + 0x800, false);
        emit(&b, MI_BB_END_DW);
        assert_int_equal(scan_ring(&f, e, p), reg->user || reg->user_read ? MED_SCAN_OK
                                                                          : MED_SCAN_BAD_REGISTER);
    }
    fixture_fini(&f);
}

/* IGT's gem_workarounds stores, from a PPGTT batch on render, every
 * register i915 lists in i915_wa_registers; on Skylake with Debian's 6.1
 * kernel the mediator refused the first kernel-only one, CACHE_MODE_1
 * (0x7004 in i915_reg.h), and i915 saw a GPU hang.  Storing it is
 * allowed; loading it from a PPGTT batch stays refused. */
static void test_user_batch_reads_a_context_workaround(void **state)
{
    const uint32_t cache_mode_1 = 0x7004;
    struct fixture f;
    uint32_t *p, *b;

    (void)state;
    fixture_init(&f);
    p = fake_ggtt(f.vm, RING_GMA);
    emit_bb_start(&p, BATCH_GMA, EMIT_BB_PPGTT);
    b = fake_ppgtt(f.vm, BATCH_GMA);
    emit_reg_mem(&b, 0x24, cache_mode_1, BATCH_GMA + 0x800, false);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_ring(&f, GEN9_RCS, p), MED_SCAN_OK);
    b = fake_ppgtt(f.vm, BATCH_GMA);
    emit_lri(&b, &cache_mode_1, 1);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_ring(&f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    fixture_fini(&f);
}

static void test_command_table_well_formed(void **state)
{
    for (size_t i = 0; i < gen9_cmd_count; i++) {
        const struct gen9_cmd *a = &gen9_cmds[i];
        const struct med_cmd_desc *policy = med_cmd_of(i);

        assert_ptr_equal(policy->cmd, a);
        assert_non_null(a->name);
        assert_int_not_equal(a->engines, 0);
        assert_int_equal(a->engines & ~GEN9_ENG_ALL, 0);
        if (a->len_bits) {
            assert_true(a->min_len >= 2 && a->min_len <= a->max_len);
            assert_true(a->max_len <= (1u << a->len_bits) + 1);
        } else {
            assert_true(a->min_len >= 1 && a->min_len == a->max_len);
        }
        /* A family is every sub-opcode of a video subtype and opcode. */
        assert_true(!a->any_subop || (a->type == GEN9_CMD_VIDEO && (a->key & 0xff) == 0));
        /* State pointers (two dwords) lie inside the shortest command. */
        assert_true(a->state_ptrs < (1u << (a->min_len - 1)));
        /* Only allowed commands have semantics to audit. */
        assert_true(policy->policy == MED_CMD_ALLOW || !policy->handler);
        for (size_t j = i + 1; j < gen9_cmd_count; j++) {
            const struct gen9_cmd *b = &gen9_cmds[j];

            unsigned a_end = a->key + (a->any_subop ? 256u : 1u);
            unsigned b_end = b->key + (b->any_subop ? 256u : 1u);

            /* a family's member may have a row of its own */
            if (a->type == b->type && a->key < b_end && b->key < a_end &&
                a->any_subop == b->any_subop) {
                fail_msg("%s and %s share an opcode", a->name, b->name);
            }
            if (!strcmp(a->name, b->name)) {
                fail_msg("two rows are named %s", a->name);
            }
        }
    }
}

static void test_register_table_well_formed(void **state)
{
    for (size_t i = 0; i < med_reg_table_size; i++) {
        const struct med_reg_desc *a = &med_reg_table[i];

        assert_non_null(a->name);
        assert_true(a->dwords >= 1 && a->offset % 4 == 0 && a->engines);
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            /* No two rows cover the same register of an engine. */
            for (unsigned d = 0; (a->engines & (1u << e)) && d < a->dwords; d++) {
                assert_ptr_equal(med_reg_lookup(e, reg_offset(a, e, d)), a);
            }
        }
    }
}

static char *row_name(const char *kind, const char *name)
{
    char *s;

    if (asprintf(&s, "%s/%s", kind, name) < 0) {
        abort();
    }
    return s;
}

int main(void)
{
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_command_table_well_formed),
        cmocka_unit_test(test_register_table_well_formed),
        cmocka_unit_test(test_user_batch_reads_a_context_workaround),
    };
    const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
    size_t max = nfixed + 3 * gen9_cmd_count + med_reg_table_size, n = 0;
    struct CMUnitTest *tests = calloc(max, sizeof(*tests));
    int failed;

    if (!tests) {
        return 1;
    }
    while (n < nfixed) {
        tests[n] = fixed[n];
        n++;
    }
    for (size_t i = 0; i < gen9_cmd_count; i++) {
        const struct med_cmd_desc *desc = med_cmd_of(i);

        tests[n++] = (struct CMUnitTest){ .name = row_name("decode", desc->cmd->name),
                                          .test_func = test_decode_row,
                                          .initial_state = (void *)desc };
        if (!desc->handler) {
            tests[n++] = (struct CMUnitTest){ .name = row_name("policy", desc->cmd->name),
                                              .test_func = test_policy_row,
                                              .initial_state = (void *)desc };
        }
        if (desc->cmd->state_ptrs) {
            tests[n++] = (struct CMUnitTest){ .name = row_name("pointers", desc->cmd->name),
                                              .test_func = test_state_pointers_row,
                                              .initial_state = (void *)desc };
        }
    }
    for (size_t i = 0; i < med_reg_table_size; i++) {
        tests[n++] = (struct CMUnitTest){ .name = row_name("whitelist", med_reg_table[i].name),
                                          .test_func = test_whitelist_row,
                                          .initial_state = (void *)&med_reg_table[i] };
    }
    failed = _cmocka_run_group_tests("scan-table", tests, n, NULL, NULL);
    for (size_t i = nfixed; i < n; i++) {
        free((char *)tests[i].name);
    }
    free(tests);
    return failed;
}
