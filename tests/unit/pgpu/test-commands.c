/*
 * One test per command of the model's command tables, each checking the
 * memory (or register) result the command must produce.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

#define LO(a) ((uint32_t)(a))
#define HI(a) ((uint32_t)((a) >> 32))
#define N(array) (sizeof(array) / sizeof(array[0]))
#define DATA(off) (FIX_DATA_VA + (off))
#define GPR0 fixture_engine_reg(GEN9_RCS, RING_GPR(0))

static void test_store_data_imm_dword_and_qword(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    uint64_t ggtt = f->data->ggtt + 0x100;
    const uint32_t cmds[] = {
        MI_STORE_DATA_IMM, LO(DATA(0x10)), HI(DATA(0x10)), 0x11223344,
        (MI_STORE_DATA_IMM + 1) | MI_SDI_QWORD, LO(DATA(0x20)), HI(DATA(0x20)),
        0xaaaa5555, 0xbbbb6666,
        /* several dwords in one command, through the GGTT */
        (MI_STORE_DATA_IMM + 2) | MI_USE_GGTT, LO(ggtt), HI(ggtt), 1, 2, 3,
    };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(data[0x10 / 4], 0x11223344);
    assert_int_equal(data[0x20 / 4], 0xaaaa5555);
    assert_int_equal(data[0x24 / 4], 0xbbbb6666);
    assert_int_equal(data[0x100 / 4], 1);
    assert_int_equal(data[0x104 / 4], 2);
    assert_int_equal(data[0x108 / 4], 3);
}

static void test_noop_arb_and_3d_state_are_skipped(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        MI_NOOP, MI_ARB_CHECK, MI_ARB_ON_OFF, MI_ARB_ON_OFF | MI_ARB_ENABLE,
        PIPELINE_SELECT,
        GFX_OP(3, 0, 0x10) | 7, 0, 0, 0, 0, 0, 0, 0, 0,         /* 3DSTATE_VS, 9 dwords */
        GFX_OP(3, 1, 0x17) | 0x100, [14 + 0x100 + 1] = 0,       /* SO_DECL_LIST, 9-bit length */
        GFX_OP(3, 3, 0x00) | 5, 0, 0, 0, 0, 0, 0,               /* 3DPRIMITIVE */
        GFX_OP(2, 0, 0x00) | 7, 0, 0, 0, 0, 0, 0, 0, 0,         /* MEDIA_VFE_STATE */
        MI_STORE_DATA_IMM, LO(DATA(0)), HI(DATA(0)), 0x600d,
    };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(fixture_data(f)[0], 0x600d);
    assert_int_equal(fixture_stats(f).bad_commands, 0);
}

static void test_user_interrupt_sets_iir(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = { MI_USER_INTERRUPT };

    fixture_set_reg(f, GEN8_GT_IIR(0), ~0u);
    assert_int_equal(fixture_reg(f, GEN8_GT_IIR(0)) & GT_RENDER_USER_INTERRUPT, 0);
    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_true(fixture_reg(f, GEN8_GT_IIR(0)) & GT_RENDER_USER_INTERRUPT);
}

static void test_load_register_imm_and_store_register_mem(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        MI_LOAD_REGISTER_IMM(2), GPR0, 0xcafe, GPR0 + 4, 0xf00d,
        MI_STORE_REGISTER_MEM, GPR0, LO(DATA(0x40)), HI(DATA(0x40)),
        MI_STORE_REGISTER_MEM, GPR0 + 4, LO(DATA(0x44)), HI(DATA(0x44)),
    };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(fixture_data(f)[0x40 / 4], 0xcafe);
    assert_int_equal(fixture_data(f)[0x44 / 4], 0xf00d);
}

static void test_load_register_mem_and_reg(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        MI_LOAD_REGISTER_MEM, GPR0, LO(DATA(0x80)), HI(DATA(0x80)),
        MI_LOAD_REGISTER_REG, GPR0, GPR0 + 8,
        MI_STORE_REGISTER_MEM, GPR0 + 8, LO(DATA(0x84)), HI(DATA(0x84)),
    };

    fixture_data(f)[0x80 / 4] = 0x12345678;
    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(fixture_data(f)[0x84 / 4], 0x12345678);
}

/*
 * MI_MATH.  Encodings as IGT's lib/intel_reg.h writes them (MI_MATH(n),
 * MI_MATH_INSTR(opcode, op1, op2) and its opcode and register numbers),
 * not the model's table; the results are the Gen9 ALU's as Mesa's
 * mi_builder test checks them on hardware (mi_builder_test.cpp: add_imm,
 * ult_uge_ieq_ine, z_nz, iand): 64-bit GPRs, LOAD1 loads all ones, ZF and
 * CF store all ones when set, CF after SUB is SRCA < SRCB unsigned.
 */
#define MATH(n)             MI_INSTR(0x1a, (n) - 1)
#define ALU(op, a, b)       ((uint32_t)(op) << 20 | (uint32_t)(a) << 10 | (uint32_t)(b))
#define A_LOAD(a, b)        ALU(0x080, a, b)
#define A_LOADINV(a, b)     ALU(0x480, a, b)
#define A_LOAD0(a)          ALU(0x081, a, 0)
#define A_LOAD1(a)          ALU(0x481, a, 0)
#define A_ADD               ALU(0x100, 0, 0)
#define A_SUB               ALU(0x101, 0, 0)
#define A_AND               ALU(0x102, 0, 0)
#define A_OR                ALU(0x103, 0, 0)
#define A_XOR               ALU(0x104, 0, 0)
#define A_STORE(a, b)       ALU(0x180, a, b)
#define A_STOREINV(a, b)    ALU(0x580, a, b)
#define A_SHL               ALU(0x105, 0, 0)    /* DG2+ (IGT): not Gen9's */
#define SRCA 0x20
#define SRCB 0x21
#define ACCU 0x31
#define ZF 0x32
#define CF 0x33
#define GPR(e, n)           fixture_engine_reg(e, RING_GPR(2 * (n)))
#define LOAD_GPR(e, n, v)   MI_LOAD_REGISTER_IMM(2), GPR(e, n), LO(v), GPR(e, n) + 4, HI(v)
#define STORE_GPR(e, n, off) \
    MI_STORE_REGISTER_MEM, GPR(e, n), LO(DATA(off)), HI(DATA(off)), \
    MI_STORE_REGISTER_MEM, GPR(e, n) + 4, LO(DATA((off) + 4)), HI(DATA((off) + 4))
/* R[r] = R[a] op R[b], then the flag @flag into R[fr]: one MI_MATH. */
#define BINOP(op, r, a, b, flag, fr) \
    MATH(5), A_LOAD(SRCA, a), A_LOAD(SRCB, b), op, A_STORE(r, ACCU), A_STORE(fr, flag)

#define VAL_A 0x0123456789abcdefull     /* mi_builder_test's two values */
#define VAL_B 0xdeadbeefac0ffee2ull

static uint64_t data64(struct fixture *f, unsigned off)
{
    return fixture_data(f)[off / 4] | (uint64_t)fixture_data(f)[off / 4 + 1] << 32;
}

static void test_math_arithmetic_and_flags(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        LOAD_GPR(GEN9_RCS, 0, VAL_A), LOAD_GPR(GEN9_RCS, 1, VAL_B),
        BINOP(A_ADD, 2, 0, 1, CF, 3),       /* no carry out */
        STORE_GPR(GEN9_RCS, 2, 0x00), STORE_GPR(GEN9_RCS, 3, 0x08),
        BINOP(A_SUB, 2, 0, 1, CF, 3),       /* A < B: borrow */
        STORE_GPR(GEN9_RCS, 2, 0x10), STORE_GPR(GEN9_RCS, 3, 0x18),
        BINOP(A_SUB, 2, 1, 0, CF, 3),       /* B > A: none */
        STORE_GPR(GEN9_RCS, 2, 0x20), STORE_GPR(GEN9_RCS, 3, 0x28),
        BINOP(A_SUB, 2, 0, 0, ZF, 3),       /* A - A: zero */
        STORE_GPR(GEN9_RCS, 2, 0x30), STORE_GPR(GEN9_RCS, 3, 0x38),
        BINOP(A_AND, 2, 0, 1, ZF, 3),
        STORE_GPR(GEN9_RCS, 2, 0x40), STORE_GPR(GEN9_RCS, 3, 0x48),
        BINOP(A_OR, 2, 0, 1, CF, 3),
        STORE_GPR(GEN9_RCS, 2, 0x50), STORE_GPR(GEN9_RCS, 3, 0x58),
        BINOP(A_XOR, 2, 0, 1, ZF, 3),
        STORE_GPR(GEN9_RCS, 2, 0x60), STORE_GPR(GEN9_RCS, 3, 0x68),
        /* mi_builder's A + (-1): LOAD1, a carry out of bit 63 */
        MATH(5), A_LOAD(SRCA, 0), A_LOAD1(SRCB), A_ADD, A_STORE(4, ACCU), A_STORE(5, CF),
        STORE_GPR(GEN9_RCS, 4, 0x70), STORE_GPR(GEN9_RCS, 5, 0x78),
        /* inverted loads and stores, LOAD0, the ZF of a non-zero sum */
        MATH(5), A_LOADINV(SRCA, 0), A_LOAD0(SRCB), A_ADD, A_STOREINV(6, ACCU),
        A_STOREINV(7, ZF),
        STORE_GPR(GEN9_RCS, 6, 0x80), STORE_GPR(GEN9_RCS, 7, 0x88),
    };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(data64(f, 0x00), 0xdfd1045735bbccd1ull);
    assert_int_equal(data64(f, 0x08), 0);
    assert_int_equal(data64(f, 0x10), 0x22758677dd9bcf0dull);
    assert_int_equal(data64(f, 0x18), ~0ull);
    assert_int_equal(data64(f, 0x20), 0xdd8a7988226430f3ull);
    assert_int_equal(data64(f, 0x28), 0);
    assert_int_equal(data64(f, 0x30), 0);
    assert_int_equal(data64(f, 0x38), ~0ull);
    assert_int_equal(data64(f, 0x40), 0x00210467880bcce2ull);
    assert_int_equal(data64(f, 0x48), 0);
    assert_int_equal(data64(f, 0x50), 0xdfafffefadafffefull);
    assert_int_equal(data64(f, 0x58), 0);
    assert_int_equal(data64(f, 0x60), 0xdf8efb8825a4330dull);
    assert_int_equal(data64(f, 0x68), 0);
    assert_int_equal(data64(f, 0x70), 0x0123456789abcdeeull);
    assert_int_equal(data64(f, 0x78), ~0ull);
    assert_int_equal(data64(f, 0x80), VAL_A);          /* ~(~A + 0) */
    assert_int_equal(data64(f, 0x88), ~0ull);          /* ~ZF, ~A not zero */
}

/* gem_wsim's batch (IGT's benchmarks/gem_wsim.c, create_bb): the elapsed
 * CTX_TIMESTAMP, inverted, for MI_CONDITIONAL_BATCH_BUFFER_END; on the
 * blitter, whose GPRs are its own. */
static void test_math_timestamp_delta_on_the_blitter(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        LOAD_GPR(GEN9_BCS, 0, 1000ull), LOAD_GPR(GEN9_BCS, 1, 1250ull),
        MATH(4), A_LOAD(SRCA, 1), A_LOAD(SRCB, 0), A_SUB, A_STOREINV(1, ACCU),
        STORE_GPR(GEN9_BCS, 1, 0x00),
    };

    fixture_set_reg(f, GPR(GEN9_RCS, 1), 0x5a5a);
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    assert_int_equal(data64(f, 0x00), ~250ull);
    assert_int_equal(fixture_reg(f, GPR(GEN9_RCS, 1)), 0x5a5a);
}

/* An instruction Gen9 does not define (a DG2 shift, a GPR as LOAD's
 * destination, an operand naming no register) stops the context before
 * any instruction of the command runs. */
static void test_math_undefined_instruction_stops_the_context(void **state)
{
    struct fixture *f = *state;
    const uint32_t undefined[] = { A_SHL, A_LOAD(3, 0), A_LOAD(SRCA, 0x10), A_STORE(SRCA, ACCU) };

    for (unsigned i = 0; i < N(undefined); i++) {
        const uint32_t cmds[] = {
            MATH(3), A_LOAD0(SRCA), A_STOREINV(9, ACCU), undefined[i],
        };

        fixture_set_reg(f, GPR(GEN9_RCS, 9), 0);
        assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), -EIO);
        assert_int_equal(fixture_reg(f, GPR(GEN9_RCS, 9)), 0);
        native_reset_engine(f->n, GEN9_RCS);
    }
    assert_int_equal(fixture_stats(f).bad_commands, N(undefined));
}

/* The ALU's own registers are no context's state: what one MI_MATH left in
 * ACCU and the flags is not there for the next (nor for another context). */
static void test_math_leaves_nothing_in_the_alu(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        LOAD_GPR(GEN9_RCS, 0, VAL_B),
        MATH(3), A_LOAD(SRCA, 0), A_LOAD1(SRCB), A_ADD,
        MATH(3), A_STORE(1, ACCU), A_STORE(2, CF), A_STORE(3, ZF),
        STORE_GPR(GEN9_RCS, 1, 0x00), STORE_GPR(GEN9_RCS, 2, 0x08),
        STORE_GPR(GEN9_RCS, 3, 0x10),
    };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(data64(f, 0x00), 0);
    assert_int_equal(data64(f, 0x08), 0);
    assert_int_equal(data64(f, 0x10), 0);
}

/* MI_STORE_DATA_INDEX: a dword or a qword at an offset into the running
 * context's per-process status page, page 0 of its image (gem_wsim's
 * "offset into ppHWSP"); a longer form is not Gen9's. */
static void test_store_data_index(void **state)
{
    struct fixture *f = *state;
    const uint32_t *pphwsp = native_ctx_image(f->ctx[GEN9_RCS])->map;
    const uint32_t cmds[] = {
        MI_INSTR(0x21, 1), 2048, 0x600dcafe,
        MI_INSTR(0x21, 2), 0xff8, 0x11111111, 0x22222222,
    };
    const uint32_t too_long[] = { MI_INSTR(0x21, 3), 2048, 1, 2, 3 };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(pphwsp[2048 / 4], 0x600dcafe);
    assert_int_equal(pphwsp[0xff8 / 4], 0x11111111);
    assert_int_equal(pphwsp[0xffc / 4], 0x22222222);
    assert_int_equal(fixture_run(f, GEN9_RCS, too_long, N(too_long)), -EIO);
    assert_int_equal(pphwsp[2048 / 4], 0x600dcafe);
}

static void test_command_stream_cannot_write_protected_registers(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = {
        MI_LOAD_REGISTER_IMM(2), GEN8_MASTER_IRQ, 0, fixture_engine_reg(GEN9_RCS, RING_ELSP), 1,
    };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(fixture_stats(f).refused_reg_accesses, 2);
    assert_true(fixture_reg(f, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL);
}

static void test_flush_dw_post_sync_writes(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    uint64_t ggtt = f->data->ggtt + 0x200;
    const uint32_t cmds[] = {
        MI_FLUSH_DW | MI_POST_SYNC_IMMEDIATE, LO(DATA(0x10)), HI(DATA(0x10)), 0xd0d0,
        (MI_FLUSH_DW + 1) | MI_POST_SYNC_IMMEDIATE | MI_FLUSH_DW_NOTIFY,
        LO(ggtt) | MI_FLUSH_DW_USE_GTT, HI(ggtt), 0x1111, 0x2222,
        (MI_FLUSH_DW + 1) | MI_POST_SYNC_TIMESTAMP, LO(DATA(0x30)), HI(DATA(0x30)), 0, 0,
    };

    fixture_set_reg(f, GEN8_GT_IMR(0), 0);
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    assert_int_equal(data[0x10 / 4], 0xd0d0);
    assert_int_equal(data[0x200 / 4], 0x1111);
    assert_int_equal(data[0x204 / 4], 0x2222);
    assert_true(data[0x30 / 4] || data[0x34 / 4]);
    assert_true(fixture_reg(f, GEN8_GT_IIR(0)) & GT_RENDER_PIPECTL_NOTIFY_INTERRUPT << 16);
}

static void test_pipe_control_post_sync_writes(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    uint64_t ggtt = f->data->ggtt + 0x300;
    const uint32_t cmds[] = {
        PIPE_CONTROL, PC_POST_SYNC_IMMEDIATE | PC_CS_STALL, LO(DATA(0x10)), HI(DATA(0x10)),
        0xabcd, 0xef01,
        PIPE_CONTROL, PC_POST_SYNC_IMMEDIATE | PC_GLOBAL_GTT | PC_NOTIFY, LO(ggtt), HI(ggtt),
        7, 8,
        PIPE_CONTROL, PC_POST_SYNC_TIMESTAMP, LO(DATA(0x20)), HI(DATA(0x20)), 0, 0,
        PIPE_CONTROL, PC_POST_SYNC_DEPTH_COUNT, LO(DATA(0x28)), HI(DATA(0x28)), 0, 0,
    };

    data[0x28 / 4] = 0xffffffff;
    fixture_set_reg(f, GEN8_GT_IMR(0), 0);
    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(data[0x10 / 4], 0xabcd);
    assert_int_equal(data[0x14 / 4], 0xef01);
    assert_int_equal(data[0x300 / 4], 7);
    assert_int_equal(data[0x304 / 4], 8);
    assert_true(data[0x20 / 4] || data[0x24 / 4]);
    assert_int_equal(data[0x28 / 4], 0);
    assert_true(fixture_reg(f, GEN8_GT_IIR(0)) & GT_RENDER_PIPECTL_NOTIFY_INTERRUPT);
}

static void test_batch_buffer_start_second_level_and_chained(void **state)
{
    struct fixture *f = *state;
    uint32_t *batch = f->batch->map;
    uint64_t second = FIX_BATCH_VA + 0x1000, chained = FIX_BATCH_VA + 0x2000;
    uint64_t chained_ggtt = f->batch->ggtt + 0x3000;
    const uint32_t cmds[] = {
        MI_BATCH_BUFFER_START | MI_BB_PPGTT | MI_BB_SECOND_LEVEL, LO(second), HI(second),
        MI_STORE_DATA_IMM, LO(DATA(4)), HI(DATA(4)), 2,     /* after the return */
        MI_BATCH_BUFFER_START | MI_BB_PPGTT, LO(chained), HI(chained),
        MI_STORE_DATA_IMM, LO(DATA(8)), HI(DATA(8)), 0xbad, /* never reached */
    };
    const uint32_t second_level[] = {
        MI_STORE_DATA_IMM, LO(DATA(0)), HI(DATA(0)), 1, MI_BATCH_BUFFER_END,
    };
    const uint32_t chain[] = {
        MI_STORE_DATA_IMM, LO(DATA(12)), HI(DATA(12)), 3,
        MI_BATCH_BUFFER_START, LO(chained_ggtt), HI(chained_ggtt),  /* GGTT */
    };
    const uint32_t chain_ggtt[] = {
        MI_STORE_DATA_IMM, LO(DATA(16)), HI(DATA(16)), 4, MI_BATCH_BUFFER_END,
    };

    memcpy(batch + 0x1000 / 4, second_level, sizeof(second_level));
    memcpy(batch + 0x2000 / 4, chain, sizeof(chain));
    memcpy(batch + 0x3000 / 4, chain_ggtt, sizeof(chain_ggtt));
    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(fixture_data(f)[0], 1);
    assert_int_equal(fixture_data(f)[1], 2);
    assert_int_equal(fixture_data(f)[2], 0);
    assert_int_equal(fixture_data(f)[3], 3);
    assert_int_equal(fixture_data(f)[4], 4);
}

static void test_semaphore_wait_poll(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    struct native_ctx *ctx = f->ctx[GEN9_RCS];
    const uint32_t cmds[] = {
        MI_SEMAPHORE_WAIT | MI_SEMAPHORE_POLL | MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_GTE_SDD),
        5, LO(DATA(0)), HI(DATA(0)),
        MI_STORE_DATA_IMM, LO(DATA(4)), HI(DATA(4)), 0x5e,
        MI_BATCH_BUFFER_END,
    };
    uint32_t seqno;

    memcpy(f->batch->map, cmds, sizeof(cmds));
    data[0] = 4;
    native_emit_batch(ctx, FIX_BATCH_VA, true);
    seqno = native_emit_breadcrumb(ctx);
    assert_int_equal(native_submit(ctx), 0);
    assert_int_equal(native_wait(ctx, seqno, 20), -ETIMEDOUT);
    assert_int_equal(data[1], 0);
    __atomic_store_n(&data[0], 5, __ATOMIC_RELEASE);    /* signal */
    assert_int_equal(native_wait(ctx, seqno, FIX_WAIT_MS), 0);
    assert_int_equal(data[1], 0x5e);
}

static void test_report_head(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = { MI_NOOP };
    uint32_t hws = fixture_reg(f, fixture_engine_reg(GEN9_BCS, RING_HWS_PGA));
    uint32_t head;

    /* MI_REPORT_HEAD sits in the ring: ask it to run there */
    native_emit(f->ctx[GEN9_BCS], (const uint32_t[]){ MI_REPORT_HEAD, MI_NOOP }, 2);
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    assert_int_equal(pgpu_skl_model.aperture_access(f->gpu, hws + 4 * HWSP_REPORT_HEAD_DW,
                                                    &head, 4, false), 0);
    assert_int_equal(head, 4);  /* HEAD had moved past MI_REPORT_HEAD itself */
}

static void test_conditional_batch_buffer_end(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    const uint32_t cmds[] = {
        /* memory 10 > 9: continue */
        MI_CONDITIONAL_BATCH_BUFFER_END | MI_COND_BBE_COMPARE_SEMAPHORE, 9,
        LO(DATA(0x40)), HI(DATA(0x40)),
        MI_STORE_DATA_IMM, LO(DATA(0)), HI(DATA(0)), 1,
        /* memory 10 <= 10: end the batch */
        MI_CONDITIONAL_BATCH_BUFFER_END | MI_COND_BBE_COMPARE_SEMAPHORE, 10,
        LO(DATA(0x40)), HI(DATA(0x40)),
        MI_STORE_DATA_IMM, LO(DATA(4)), HI(DATA(4)), 2,
    };

    data[0x40 / 4] = 10;
    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), 0);
    assert_int_equal(data[0], 1);
    assert_int_equal(data[1], 0);
}

static void test_unknown_opcode_stops_the_context(void **state)
{
    struct fixture *f = *state;
    const uint32_t cmds[] = { MI_INSTR(0x3f, 0) };

    assert_int_equal(fixture_run(f, GEN9_RCS, cmds, N(cmds)), -EIO);
    assert_true(fixture_reg(f, fixture_engine_reg(GEN9_RCS, RING_EIR)) & I915_ERROR_INSTRUCTION);
    assert_int_equal(fixture_stats(f).bad_commands, 1);
}

static void test_unimplemented_and_misplaced_commands_stop_the_context(void **state)
{
    struct fixture *f = *state;
    const uint32_t atomic[] = { MI_INSTR(0x2f, 1), 0, 0 };
    const uint32_t blit_on_rcs[] = { XY_COLOR_BLT, 0, 0, 0, 0, 0, 0 };
    const uint32_t short_sdi[] = { MI_INSTR(0x20, 1), 0, 0 };

    assert_int_equal(fixture_run(f, GEN9_RCS, atomic, N(atomic)), -EIO);
    native_reset_engine(f->n, GEN9_RCS);
    assert_int_equal(fixture_run(f, GEN9_RCS, blit_on_rcs, N(blit_on_rcs)), -EIO);
    native_reset_engine(f->n, GEN9_RCS);
    assert_int_equal(fixture_run(f, GEN9_RCS, short_sdi, N(short_sdi)), -EIO);
    assert_int_equal(fixture_stats(f).bad_commands, 3);
}

static void test_video_engines_skip_media_commands(void **state)
{
    struct fixture *f = *state;
    static const uint32_t vcs[] = {
        GFX_OP(2, 0, 0) | 3, 0, 0, 0, 0,        /* an MFX state command, 5 dwords */
        GFX_OP(2, 6, 0) | 0x1000, [0x1006] = 0, /* opcode 6: a 16-bit length field */
        GFX_OP(1, 0, 0),                        /* MFX_WAIT */
        MI_STORE_DATA_IMM, LO(DATA(0)), HI(DATA(0)), 0x7,
    };
    const uint32_t vecs[] = {
        GFX_OP(2, 4, 2) | 3, 0, 0, 0, 0,        /* a VEBOX state command, 5 dwords */
        MI_STORE_DATA_IMM, LO(DATA(4)), HI(DATA(4)), 0x9,
    };
    const uint32_t mfx_on_vecs[] = { GFX_OP(2, 0, 0) | 3, 0, 0, 0, 0 };

    assert_int_equal(fixture_run(f, GEN9_VCS, vcs, N(vcs)), 0);
    assert_int_equal(fixture_data(f)[0], 0x7);
    assert_int_equal(fixture_run(f, GEN9_VECS, vecs, N(vecs)), 0);
    assert_int_equal(fixture_data(f)[1], 0x9);
    /* The video engines' commands are each engine's own. */
    assert_int_equal(fixture_run(f, GEN9_VECS, mfx_on_vecs, N(mfx_on_vecs)), -EIO);
}

/* 32 bpp pixel at (x, y) of an X-tiled surface with @pitch bytes. */
static uint32_t *x_tiled_pixel(uint32_t *base, unsigned pitch, unsigned x, unsigned y)
{
    unsigned xb = 4 * x;
    size_t off = (size_t)(y / 8) * pitch * 8 + xb / 512 * 4096 + y % 8 * 512 + xb % 512;

    return base + off / 4;
}

static void test_xy_color_blt(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    const uint32_t cmds[] = {
        XY_COLOR_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB,
        BR13_ROP_PATCOPY | BR13_DEPTH_32 | 256,
        1u << 16 | 2, 3u << 16 | 6, LO(DATA(0)), HI(DATA(0)), 0x80c0ffee,
        /* RGB only: the alpha byte stays */
        XY_COLOR_BLT | BLT_WRITE_RGB, BR13_ROP_PATCOPY | BR13_DEPTH_32 | 256,
        10u << 16, 11u << 16 | 1, LO(DATA(0)), HI(DATA(0)), 0x00123456,
    };

    data[10 * 64] = 0xab000000;
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    for (unsigned y = 0; y < 4; y++) {
        for (unsigned x = 0; x < 8; x++) {
            bool inside = y >= 1 && y < 3 && x >= 2 && x < 6;

            assert_int_equal(data[y * 64 + x], inside ? 0x80c0ffee : 0);
        }
    }
    assert_int_equal(data[10 * 64], 0xab123456);
}

static void test_xy_src_copy_blt_linear_and_x_tiled(void **state)
{
    struct fixture *f = *state;
    uint32_t *data = fixture_data(f);
    uint64_t src = DATA(0), linear = DATA(0x10000), tiled = DATA(0x20000);
    const unsigned pitch = 1024;            /* bytes: 256 pixels */
    const uint32_t cmds[] = {
        /* 100 x 20 pixels from (3, 5) to (7, 9), linear */
        XY_SRC_COPY_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB,
        BR13_ROP_SRCCOPY | BR13_DEPTH_32 | pitch, 9u << 16 | 7, 29u << 16 | 107,
        LO(linear), HI(linear), 5u << 16 | 3, pitch, LO(src), HI(src),
        /* the same into an X-tiled destination (pitch in dwords) */
        XY_SRC_COPY_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB | BLT_DST_TILED,
        BR13_ROP_SRCCOPY | BR13_DEPTH_32 | pitch / 4, 9u << 16 | 7, 29u << 16 | 107,
        LO(tiled), HI(tiled), 5u << 16 | 3, pitch, LO(src), HI(src),
    };

    for (unsigned i = 0; i < 0x10000 / 4; i++) {
        data[i] = i * 2654435761u;
    }
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    for (unsigned y = 0; y < 20; y++) {
        for (unsigned x = 0; x < 100; x++) {
            uint32_t want = data[(5 + y) * 256 + 3 + x];

            assert_int_equal(data[0x10000 / 4 + (9 + y) * 256 + 7 + x], want);
            assert_int_equal(*x_tiled_pixel(data + 0x20000 / 4, pitch, 7 + x, 9 + y), want);
        }
    }
    assert_int_equal(data[0x10000 / 4 + 9 * 256 + 6], 0);   /* left of the rectangle */
}

/* 32 bpp pixel at (x, y) of a Y-tiled (legacy TileY) surface. */
static uint32_t *y_tiled_pixel(uint32_t *base, unsigned pitch, unsigned x, unsigned y)
{
    unsigned xb = 4 * x;
    size_t off = (size_t)(y / 32) * pitch * 32 + xb / 128 * 4096 + xb % 128 / 16 * 512 +
                 y % 32 * 16 + xb % 16;

    return base + off / 4;
}

typedef uint32_t *tiled_pixel_fn(uint32_t *base, unsigned pitch, unsigned x, unsigned y);

#define TILED_OFFSET 0x10000
#define BACK_OFFSET 0x20000

/*
 * Run @cmds, which copy a @width x @height rectangle of linear data at
 * offset 0 (pitch @pitch bytes) into a tiled surface at TILED_OFFSET and
 * back into a linear one at BACK_OFFSET, and check both copies.
 */
static void check_tiled_round_trip(struct fixture *f, const uint32_t *cmds, unsigned count,
                                   tiled_pixel_fn *pixel, unsigned pitch, unsigned width,
                                   unsigned height)
{
    uint32_t *data = fixture_data(f);

    for (unsigned i = 0; i < TILED_OFFSET / 4; i++) {
        data[i] = i ^ 0x5a5a0000;
    }
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, count), 0);
    for (unsigned y = 0; y < height; y++) {
        for (unsigned x = 0; x < width; x++) {
            uint32_t want = data[y * pitch / 4 + x];

            assert_int_equal(*pixel(data + TILED_OFFSET / 4, pitch, x, y), want);
            assert_int_equal(data[BACK_OFFSET / 4 + y * pitch / 4 + x], want);
        }
    }
}

static void test_xy_fast_copy_blt_x_tiled_round_trip(void **state)
{
    uint64_t src = DATA(0), tiled = DATA(TILED_OFFSET), back = DATA(BACK_OFFSET);
    const unsigned pitch = 2048;
    const uint32_t cmds[] = {
        XY_FAST_COPY_BLT | FAST_COPY_DST_TILING(FAST_COPY_TILING_X),
        FAST_COPY_DEPTH_32 | pitch / 4, 0, 16u << 16 | 300,
        LO(tiled), HI(tiled), 0, pitch, LO(src), HI(src),
        XY_FAST_COPY_BLT | FAST_COPY_SRC_TILING(FAST_COPY_TILING_X),
        FAST_COPY_DEPTH_32 | pitch, 0, 16u << 16 | 300,
        LO(back), HI(back), 0, pitch / 4, LO(tiled), HI(tiled),
    };

    check_tiled_round_trip(*state, cmds, N(cmds), x_tiled_pixel, pitch, 300, 16);
}

/* BCS_SWCTRL's Y-tiling selects as i915 (intel_gt_regs.h) and IGT
 * (lib/intel_batchbuffer.c) define them: source bit 0, destination bit 1. */
#define I915_BCS_SRC_Y  (1u << 0)
#define I915_BCS_DST_Y  (1u << 1)

/* Linear to Y-tiled with XY_FAST_COPY_BLT, back with XY_SRC_COPY_BLT
 * (source tiling Y selected in BCS_SWCTRL, which is context state: set by
 * the batch). */
static void test_y_tiled_blits_round_trip(void **state)
{
    uint64_t src = DATA(0), tiled = DATA(TILED_OFFSET), back = DATA(BACK_OFFSET);
    const unsigned pitch = 512;
    const uint32_t cmds[] = {
        MI_LOAD_REGISTER_IMM(1), BCS_SWCTRL, MASKED_BIT_ENABLE(I915_BCS_SRC_Y),
        XY_FAST_COPY_BLT | FAST_COPY_DST_TILING(FAST_COPY_TILING_Y),
        FAST_COPY_DEPTH_32 | pitch / 4, 0, 40u << 16 | 100,
        LO(tiled), HI(tiled), 0, pitch, LO(src), HI(src),
        XY_SRC_COPY_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB | BLT_SRC_TILED,
        BR13_ROP_SRCCOPY | BR13_DEPTH_32 | pitch, 0, 40u << 16 | 100,
        LO(back), HI(back), 0, pitch / 4, LO(tiled), HI(tiled),
    };

    check_tiled_round_trip(*state, cmds, N(cmds), y_tiled_pixel, pitch, 100, 40);
}

/* Linear to Y-tiled with XY_SRC_COPY_BLT (destination tiling Y selected in
 * BCS_SWCTRL), back with XY_FAST_COPY_BLT. */
static void test_y_tiled_destination_of_src_copy(void **state)
{
    uint64_t src = DATA(0), tiled = DATA(TILED_OFFSET), back = DATA(BACK_OFFSET);
    const unsigned pitch = 512;
    const uint32_t cmds[] = {
        MI_LOAD_REGISTER_IMM(1), BCS_SWCTRL, MASKED_BIT_ENABLE(I915_BCS_DST_Y),
        XY_SRC_COPY_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB | BLT_DST_TILED,
        BR13_ROP_SRCCOPY | BR13_DEPTH_32 | pitch / 4, 0, 40u << 16 | 100,
        LO(tiled), HI(tiled), 0, pitch, LO(src), HI(src),
        XY_FAST_COPY_BLT | FAST_COPY_SRC_TILING(FAST_COPY_TILING_Y),
        FAST_COPY_DEPTH_32 | pitch, 0, 40u << 16 | 100,
        LO(back), HI(back), 0, pitch / 4, LO(tiled), HI(tiled),
    };

    check_tiled_round_trip(*state, cmds, N(cmds), y_tiled_pixel, pitch, 100, 40);
}

/*
 * A linear copy whose source pages lie every which way on the bus: a buffer
 * bound across a page-table (2 MiB) boundary, the two pages of another
 * bound in reverse order, two pages of separate DMA mappings that are
 * neighbours on the bus but not in host memory, and two pages the native
 * driver put apart; the blitter streams what is contiguous and must still
 * copy each page from where its PTE points.  Then a page inside the
 * first buffer loses its present bit (its address, the next one on the
 * bus, stays): the copy faults at that page.
 */
#define SCATTER_SRC_VA  (FIX_DATA_VA + (2u << 20) - 0x8000)
#define SCATTER_DST_VA  (FIX_DATA_VA + (8u << 20))
#define SCATTER_BUS     (1ull << 44)    /* above every bus address native hands out */
#define SCATTER_PAGES   22u

/* Page @index of @bo as a buffer of its own, to bind it alone. */
static struct native_bo bo_page(const struct native_bo *bo, unsigned index)
{
    return (struct native_bo){ .map = (uint8_t *)bo->map + index * PGPU_PAGE_SIZE,
                               .size = PGPU_PAGE_SIZE,
                               .bus = bo->bus + index * PGPU_PAGE_SIZE };
}

static void test_src_copy_blt_over_scattered_pages(void **state)
{
    struct fixture *f = *state;
    const struct pgpu_ops *ops = f->gpu->ops;
    struct native_bo *straddling = native_bo_new(f->n, 16 * PGPU_PAGE_SIZE, false);
    struct native_bo *pair = native_bo_new(f->n, 2 * PGPU_PAGE_SIZE, false);
    struct native_bo *apart[2] = { native_bo_new(f->n, PGPU_PAGE_SIZE, false),
                                   native_bo_new(f->n, PGPU_PAGE_SIZE, false) };
    struct native_bo *dst = native_bo_new(f->n, SCATTER_PAGES * PGPU_PAGE_SIZE, false);
    struct native_bo neighbours[2], bound[SCATTER_PAGES];
    const uint32_t cmds[] = {
        XY_SRC_COPY_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB,
        BR13_ROP_SRCCOPY | BR13_DEPTH_32 | PGPU_PAGE_SIZE, 0,
        SCATTER_PAGES << 16 | PGPU_PAGE_SIZE / 4,
        LO(SCATTER_DST_VA), HI(SCATTER_DST_VA), 0, PGPU_PAGE_SIZE,
        LO(SCATTER_SRC_VA), HI(SCATTER_SRC_VA),
    };
    uint64_t hole = SCATTER_SRC_VA + 5 * PGPU_PAGE_SIZE;

    assert_non_null(straddling);
    assert_non_null(pair);
    assert_non_null(apart[0]);
    assert_non_null(apart[1]);
    assert_non_null(dst);
    for (unsigned i = 0; i < 2; i++) {
        neighbours[i] = (struct native_bo){
            .map = aligned_alloc(PGPU_PAGE_SIZE, PGPU_PAGE_SIZE), .size = PGPU_PAGE_SIZE,
            .bus = SCATTER_BUS + i * PGPU_PAGE_SIZE,
        };
        assert_non_null(neighbours[i].map);
        assert_int_equal(ops->dma_map(f->gpu, neighbours[i].bus, neighbours[i].map,
                                      PGPU_PAGE_SIZE), 0);
    }
    for (unsigned i = 0; i < 16; i++) {
        bound[i] = bo_page(straddling, i);
    }
    bound[16] = bo_page(pair, 1);
    bound[17] = bo_page(pair, 0);
    bound[18] = neighbours[0];
    bound[19] = neighbours[1];
    bound[20] = *apart[1];
    bound[21] = *apart[0];
    for (unsigned i = 0; i < SCATTER_PAGES; i++) {
        assert_int_equal(native_vm_bind(f->vm, &bound[i],
                                        SCATTER_SRC_VA + i * PGPU_PAGE_SIZE), 0);
        for (unsigned j = 0; j < PGPU_PAGE_SIZE / 4; j++) {
            ((uint32_t *)bound[i].map)[j] = i << 16 | j;
        }
    }
    assert_int_equal(native_vm_bind(f->vm, dst, SCATTER_DST_VA), 0);

    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), 0);
    for (unsigned i = 0; i < SCATTER_PAGES; i++) {
        const uint32_t *copied = (const uint32_t *)dst->map + i * PGPU_PAGE_SIZE / 4;

        for (unsigned j = 0; j < PGPU_PAGE_SIZE / 4; j++) {
            assert_int_equal(copied[j], i << 16 | j);
        }
    }

    assert_int_equal(native_vm_unbind_page(f->vm, hole), 0);
    assert_int_equal(fixture_run(f, GEN9_BCS, cmds, N(cmds)), -EIO);
    assert_int_equal(fixture_reg(f, GEN8_FAULT_TLB_DATA0), (uint32_t)(hole >> 12));
    assert_int_equal(fixture_stats(f).gpu_faults, 1);
    native_reset_engine(f->n, GEN9_BCS);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(ops->dma_unmap(f->gpu, neighbours[i].bus, PGPU_PAGE_SIZE), 0);
        free(neighbours[i].map);
    }
}

#define COMMAND_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        COMMAND_TEST(test_store_data_imm_dword_and_qword),
        COMMAND_TEST(test_noop_arb_and_3d_state_are_skipped),
        COMMAND_TEST(test_user_interrupt_sets_iir),
        COMMAND_TEST(test_load_register_imm_and_store_register_mem),
        COMMAND_TEST(test_load_register_mem_and_reg),
        COMMAND_TEST(test_math_arithmetic_and_flags),
        COMMAND_TEST(test_math_timestamp_delta_on_the_blitter),
        COMMAND_TEST(test_math_undefined_instruction_stops_the_context),
        COMMAND_TEST(test_math_leaves_nothing_in_the_alu),
        COMMAND_TEST(test_store_data_index),
        COMMAND_TEST(test_command_stream_cannot_write_protected_registers),
        COMMAND_TEST(test_flush_dw_post_sync_writes),
        COMMAND_TEST(test_pipe_control_post_sync_writes),
        COMMAND_TEST(test_batch_buffer_start_second_level_and_chained),
        COMMAND_TEST(test_semaphore_wait_poll),
        COMMAND_TEST(test_report_head),
        COMMAND_TEST(test_conditional_batch_buffer_end),
        COMMAND_TEST(test_unknown_opcode_stops_the_context),
        COMMAND_TEST(test_unimplemented_and_misplaced_commands_stop_the_context),
        COMMAND_TEST(test_video_engines_skip_media_commands),
        COMMAND_TEST(test_xy_color_blt),
        COMMAND_TEST(test_xy_src_copy_blt_linear_and_x_tiled),
        COMMAND_TEST(test_xy_fast_copy_blt_x_tiled_round_trip),
        COMMAND_TEST(test_y_tiled_blits_round_trip),
        COMMAND_TEST(test_y_tiled_destination_of_src_copy),
        COMMAND_TEST(test_src_copy_blt_over_scattered_pages),
    };

    return cmocka_run_group_tests_name("pgpu-commands", tests, NULL, NULL);
}
