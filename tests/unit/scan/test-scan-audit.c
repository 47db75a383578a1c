/*
 * The scanner's audits and control flow: every address-bearing command
 * accepted inside the vGPU's memory and rejected one byte outside it (the
 * whole access is checked, not its start), the hostile batches of the
 * acceptance list (foreign GGTT store, foreign PPGTT page, register outside
 * the whitelist, a jump outside the buffer, an unterminated batch, loops
 * into unscanned code), loops that run their scanned copy, malformed
 * commands, the limits, and what the result tells the workload path (buffers, batch-start sites, privilege, counters, log).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mediator/scan/cmd-scan.h"
#include "tests/unit/scan/emit.h"
#include "tests/unit/scan/fake-vm.h"

#define RING_GMA        FAKE_GGTT_BASE
#define GGTT_BATCH      (FAKE_GGTT_BASE + 0x10000)
#define GGTT_DATA       (FAKE_GGTT_BASE + 0x20000)
#define GGTT_END        (FAKE_GGTT_BASE + FAKE_GGTT_PARTITION)     /* first foreign byte */
#define PPGTT_BATCH     (FAKE_PPGTT_BASE + 0x10000)
#define PPGTT_BATCH2    (FAKE_PPGTT_BASE + 0x20000)
#define PPGTT_BATCH3    (FAKE_PPGTT_BASE + 0x30000)
#define PPGTT_DATA      (FAKE_PPGTT_BASE + 0x40000)
#define PPGTT_END       (FAKE_PPGTT_BASE + (uint64_t)FAKE_PPGTT_PAGES * FAKE_PAGE)
#define PITCH_PIXELS    1024u                       /* a 4-row copy: 4 pages */
#define FOREIGN_PAGE    100u                        /* present, not the VM's */
#define FOREIGN_GMA     (FAKE_PPGTT_BASE + FOREIGN_PAGE * (uint64_t)FAKE_PAGE)

#define RCS_BASE        0x2000u
#define REG_CS_GPR0     (RCS_BASE + 0x600)
#define REG_TIMESTAMP   (RCS_BASE + 0x358)
#define REG_HDC_CHICKEN0 0x7300u                    /* kernel-only */
#define REG_NOT_LISTED  0x2358u + 0x100             /* RCS 0x2458: no row */

struct fixture {
    struct fake_vm *vm;
    struct med_scan *scan;
    struct med_scan_result result;
    uint32_t *ring;             /* where the test writes the ring */
};

static int setup(void **state)
{
    static struct fixture f;

    f.vm = fake_vm_create();
    f.scan = f.vm ? fake_vm_scanner(f.vm, NULL) : NULL;
    if (!f.scan) {
        return -1;
    }
    f.vm->page_flags[FOREIGN_PAGE] = FAKE_PRESENT;
    f.ring = fake_ggtt(f.vm, RING_GMA);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    med_scan_destroy(f->scan);
    fake_vm_destroy(f->vm);
    return 0;
}

static enum med_scan_verdict scan_until(struct fixture *f, enum gen9_engine engine,
                                        const uint32_t *end)
{
    struct med_scan_request req = {
        .engine = engine, .commands = f->ring, .gma = RING_GMA,
        .len = 4 * (uint64_t)(end - f->ring),
    };

    return med_scan(f->scan, &req, &f->result);
}

#define assert_reason(f, text) \
    do { \
        if (!strstr((f)->result.reason, (text))) { \
            fail_msg("reason \"%s\" lacks \"%s\"", (f)->result.reason, (text)); \
        } \
    } while (0)

/* Scan one command built by @build at @gma on @engine from the ring. */
typedef void build_fn(uint32_t **p, uint64_t gma);

static enum med_scan_verdict scan_one(struct fixture *f, enum gen9_engine engine,
                                      build_fn *build, uint64_t gma)
{
    uint32_t *p = f->ring;

    build(&p, gma);
    return scan_until(f, engine, p);
}

/* The access of @build (@bytes long) is accepted flush against the end of
 * the vGPU's memory and rejected one granule further, in both spaces
 * where the command can address both. */
static void check_bounds(struct fixture *f, enum gen9_engine engine, build_fn *build,
                         uint64_t end, uint64_t bytes, uint64_t granule)
{
    assert_int_equal(scan_one(f, engine, build, end - bytes), MED_SCAN_OK);
    assert_int_equal(scan_one(f, engine, build, end - bytes + granule), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "outside the vGPU's");
}

static void sdi_ggtt(uint32_t **p, uint64_t gma) { emit_sdi(p, gma, true, false); }
static void sdi_ggtt_qword(uint32_t **p, uint64_t gma) { emit_sdi(p, gma, true, true); }
static void sdi_ppgtt(uint32_t **p, uint64_t gma) { emit_sdi(p, gma, false, false); }

static void test_store_data_imm(void **state)
{
    struct fixture *f = *state;

    check_bounds(f, GEN9_RCS, sdi_ggtt, GGTT_END, 4, 4);
    assert_false(f->result.user_interrupt);     /* a workload without one raises none */
    check_bounds(f, GEN9_BCS, sdi_ggtt_qword, GGTT_END, 8, 8);
    check_bounds(f, GEN9_VCS, sdi_ppgtt, PPGTT_END, 4, 4);
    /* Below the partition too. */
    assert_int_equal(scan_one(f, GEN9_RCS, sdi_ggtt, FAKE_GGTT_BASE - 4), MED_SCAN_BAD_ADDRESS);
    /* A qword store must be 8-byte aligned. */
    assert_int_equal(scan_one(f, GEN9_RCS, sdi_ggtt_qword, GGTT_DATA + 4), MED_SCAN_BAD_LENGTH);
}

static void srm_ggtt(uint32_t **p, uint64_t gma) { emit_reg_mem(p, 0x24, REG_TIMESTAMP, gma, true); }
static void srm_ppgtt(uint32_t **p, uint64_t gma) { emit_reg_mem(p, 0x24, REG_CS_GPR0, gma, false); }
static void lrm_ggtt(uint32_t **p, uint64_t gma) { emit_reg_mem(p, 0x29, REG_CS_GPR0, gma, true); }
static void lrm_ppgtt(uint32_t **p, uint64_t gma) { emit_reg_mem(p, 0x29, REG_CS_GPR0, gma, false); }

static void test_register_memory(void **state)
{
    struct fixture *f = *state;

    check_bounds(f, GEN9_RCS, srm_ggtt, GGTT_END, 4, 4);
    check_bounds(f, GEN9_RCS, srm_ppgtt, PPGTT_END, 4, 4);
    check_bounds(f, GEN9_RCS, lrm_ggtt, GGTT_END, 4, 4);
    check_bounds(f, GEN9_RCS, lrm_ppgtt, PPGTT_END, 4, 4);
}

static void semaphore(uint32_t **p, uint64_t gma)
{
    emit(p, EMIT_MI(0x1c, 2) | EMIT_GGTT | 1u << 15);
    emit(p, 1);
    emit_addr(p, gma);
}

static void test_semaphore_wait(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    check_bounds(f, GEN9_VECS, semaphore, GGTT_END, 4, 4);
    emit(&p, EMIT_MI(0x1c, 2) | 1u << 16);      /* register poll */
    p += 3;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_FORBIDDEN_COMMAND);
}

static void pc_ggtt(uint32_t **p, uint64_t gma)
{
    emit_pipe_control(p, EMIT_PC_QW_WRITE | EMIT_PC_GLOBAL_GTT | EMIT_PC_CS_STALL, gma);
}

static void pc_ppgtt(uint32_t **p, uint64_t gma)
{
    emit_pipe_control(p, 3u << 14, gma);        /* timestamp */
}

static void pc_index(uint32_t **p, uint64_t offset)
{
    emit_pipe_control(p, EMIT_PC_QW_WRITE | EMIT_PC_STORE_INDEX | EMIT_PC_GLOBAL_GTT, offset);
}

static void pc_flush_only(uint32_t **p, uint64_t gma)
{
    emit_pipe_control(p, EMIT_PC_CS_STALL | 1u << 12, gma);
}

static void test_pipe_control(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    check_bounds(f, GEN9_RCS, pc_ggtt, GGTT_END, 8, 8);
    check_bounds(f, GEN9_RCS, pc_ppgtt, PPGTT_END, 8, 8);
    /* Store-data-index: an offset in the context's status page. */
    assert_int_equal(scan_one(f, GEN9_RCS, pc_index, 0xd0), MED_SCAN_OK);
    assert_int_equal(scan_one(f, GEN9_RCS, pc_index, 4096), MED_SCAN_BAD_ADDRESS);
    /* Without a post-sync operation the address is not used. */
    assert_int_equal(scan_one(f, GEN9_RCS, pc_flush_only, 0xdead0000), MED_SCAN_OK);
    /* A register write post-sync is refused; PIPE_CONTROL is render-only. */
    emit_pipe_control(&p, 1u << 23, 0x2000);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_FORBIDDEN_COMMAND);
    assert_int_equal(scan_one(f, GEN9_BCS, pc_ggtt, GGTT_DATA), MED_SCAN_UNKNOWN_COMMAND);
}

static void flush_ggtt(uint32_t **p, uint64_t gma)
{
    emit_flush_dw(p, EMIT_FLUSH_STOREDW, gma | EMIT_FLUSH_USE_GTT);
}

static void flush_ppgtt(uint32_t **p, uint64_t gma)
{
    emit_flush_dw(p, EMIT_FLUSH_STOREDW, gma);
}

static void flush_index(uint32_t **p, uint64_t offset)
{
    emit_flush_dw(p, EMIT_FLUSH_STOREDW | EMIT_FLUSH_STORE_INDEX, offset | EMIT_FLUSH_USE_GTT);
}

static void test_flush_dw(void **state)
{
    struct fixture *f = *state;

    check_bounds(f, GEN9_BCS, flush_ggtt, GGTT_END, 4, 8);
    check_bounds(f, GEN9_VCS, flush_ppgtt, PPGTT_END, 8, 8);
    assert_int_equal(scan_one(f, GEN9_VECS, flush_index, 0xd0), MED_SCAN_OK);
    assert_int_equal(scan_one(f, GEN9_VECS, flush_index, 0x1000), MED_SCAN_BAD_ADDRESS);
    assert_int_equal(scan_one(f, GEN9_RCS, flush_ggtt, GGTT_DATA), MED_SCAN_UNKNOWN_COMMAND);
}

/* MI_STORE_DATA_INDEX: dword 1 is an offset into the running context's
 * own status page (the shadow's page 0); the whole write must lie in the
 * page and no other bit of the dword may be set. */
static void test_store_data_index(void **state)
{
    struct fixture *f = *state;
    static const struct {
        unsigned dwords;
        uint32_t offset;
        enum med_scan_verdict verdict;
    } cases[] = {
        { 3, 2048, MED_SCAN_OK },               /* gem_wsim's delay stores */
        { 3, 0xffc, MED_SCAN_OK },              /* the page's last dword */
        { 4, 0xff8, MED_SCAN_OK },              /* its last qword */
        { 4, 0xffc, MED_SCAN_BAD_ADDRESS },     /* a qword into the next page */
        { 3, 0x1000, MED_SCAN_BAD_ADDRESS },    /* the next page, by bit 12 */
        { 3, 0x800 | 2, MED_SCAN_BAD_ADDRESS }, /* reserved low bits */
        { 3, 0x80000800, MED_SCAN_BAD_ADDRESS },/* reserved high bits */
        { 5, 0x800, MED_SCAN_BAD_LENGTH },      /* three data dwords: not Gen9's */
    };

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            uint32_t *p = f->ring;

            emit(&p, EMIT_MI(0x21, cases[i].dwords - 2));
            emit(&p, cases[i].offset);
            for (unsigned d = 2; d < cases[i].dwords; d++) {
                emit(&p, 0x5a5a0000 + d);
            }
            assert_int_equal(scan_until(f, e, p), cases[i].verdict);
        }
        if (cases[i].verdict == MED_SCAN_BAD_ADDRESS) {
            assert_reason(f, "status page index");
        }
    }
}

/* MI_MATH: only ALU instructions Gen9 defines (IGT's encodings: opcode
 * bits 31:20, operands 19:10 and 9:0), whatever the engine. */
#define ALU(op, a, b)   ((uint32_t)(op) << 20 | (uint32_t)(a) << 10 | (uint32_t)(b))

static void test_math(void **state)
{
    struct fixture *f = *state;
    /* gem_wsim's: NOW - START, inverted, into GPR 1 */
    const uint32_t wsim[] = { ALU(0x080, 0x20, 1), ALU(0x080, 0x21, 0), ALU(0x101, 0, 0),
                              ALU(0x580, 1, 0x31) };
    static const uint32_t undefined[] = {
        ALU(0x105, 0, 0),       /* SHL: DG2 and later */
        ALU(0x107, 0, 0),       /* SAR */
        ALU(0xfff, 0, 0),
        ALU(0x080, 3, 0),       /* LOAD into a GPR */
        ALU(0x080, 0x20, 0x10), /* LOAD from no register */
        ALU(0x180, 0x20, 0x31), /* STORE into SRCA */
        ALU(0x180, 0x10, 0x31), /* STORE into no register */
        EMIT_MI(0x22, 1),       /* an LRI header taken as an instruction */
    };

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t *p = f->ring;

        emit(&p, EMIT_MI(0x1a, 4 - 1));
        for (unsigned i = 0; i < 4; i++) {
            emit(&p, wsim[i]);
        }
        assert_int_equal(scan_until(f, e, p), MED_SCAN_OK);
    }
    for (unsigned i = 0; i < sizeof(undefined) / sizeof(undefined[0]); i++) {
        uint32_t *p = f->ring;

        emit(&p, EMIT_MI(0x1a, 3 - 1));
        emit(&p, wsim[0]);
        emit(&p, ALU(0, 0, 0));     /* NOOP */
        emit(&p, undefined[i]);
        assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_LENGTH);
        assert_reason(f, "not defined on Gen9");
    }
}

#define PITCH       1024u       /* bytes: 256 pixels of 32 bpp */
#define ROWS        16u
#define SURFACE     (PITCH * ROWS)

static void src_copy_dst(uint32_t **p, uint64_t gma) { emit_src_copy(p, gma, PPGTT_DATA, PITCH, 256, ROWS); }
static void src_copy_src(uint32_t **p, uint64_t gma) { emit_src_copy(p, PPGTT_DATA, gma, PITCH, 256, ROWS); }
static void color_blt(uint32_t **p, uint64_t gma) { emit_color_blt(p, gma, PITCH, 256, ROWS); }
static void fast_copy_linear(uint32_t **p, uint64_t gma) { emit_fast_copy(p, gma, PPGTT_DATA, PITCH, 0, 256, ROWS); }
/* Y tiles: 128 B x 32 rows, so 32 rows of a 1 KiB pitch are 32 KiB. */
static void fast_copy_tiled(uint32_t **p, uint64_t gma) { emit_fast_copy(p, PPGTT_DATA, gma, PITCH, 2, 256, 32); }

static void test_blits(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    check_bounds(f, GEN9_BCS, src_copy_dst, PPGTT_END, SURFACE, FAKE_PAGE);
    check_bounds(f, GEN9_BCS, src_copy_src, PPGTT_END, SURFACE, FAKE_PAGE);
    check_bounds(f, GEN9_BCS, color_blt, PPGTT_END, SURFACE, FAKE_PAGE);
    check_bounds(f, GEN9_BCS, fast_copy_linear, PPGTT_END, SURFACE, FAKE_PAGE);
    check_bounds(f, GEN9_BCS, fast_copy_tiled, PPGTT_END, 32 * PITCH, FAKE_PAGE);
    /* The last row's end matters, not the surface's start: one row short
     * of the end fits, the full rectangle one page later does not. */
    assert_int_equal(scan_one(f, GEN9_BCS, color_blt, FOREIGN_GMA - SURFACE), MED_SCAN_OK);
    assert_int_equal(scan_one(f, GEN9_BCS, color_blt, FOREIGN_GMA - SURFACE + PITCH),
                     MED_SCAN_BAD_ADDRESS);
    /* An empty rectangle touches nothing. */
    emit_color_blt(&p, 0, PITCH, 0, 0);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);
    /* Blits are blitter-only. */
    assert_int_equal(scan_one(f, GEN9_RCS, color_blt, PPGTT_DATA), MED_SCAN_UNKNOWN_COMMAND);
}

/* A blit identical to one the scan passed passes, and only it: a copy
 * flush against the foreign page, repeated with any one of its dwords
 * moved so that it reaches into that page, is refused, though the first
 * left its surfaces' ranges as the hints the repeat tries first; and
 * nothing is remembered from one scan to the next. */
static void test_blit_repeats(void **state)
{
    struct fixture *f = *state;
    static const struct {
        unsigned dw;
        uint32_t add;
    } moves[] = {
        { 1, 4 },               /* destination pitch: the last row ends 60 bytes later */
        { 3, 1u << 16 },        /* one row more, on both surfaces */
        { 4, PITCH },           /* the destination one row later */
        { 5, 1 },               /* 4 GiB later: not mapped */
        { 6, 1u << 16 },        /* the source from one row lower */
        { 7, 4 },               /* source pitch */
        { 8, PITCH },           /* the source one row later */
        { 9, 1 },
    };
    uint64_t flush = FOREIGN_GMA - SURFACE;
    uint32_t *p = f->ring, *second;

    emit_src_copy(&p, flush, flush, PITCH, 256, ROWS);
    second = p;
    emit_src_copy(&p, flush, flush, PITCH, 256, ROWS);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);
    for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
        second[moves[i].dw] += moves[i].add;
        assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_ADDRESS);
        assert_reason(f, "at +0x28 of ring");
        second[moves[i].dw] -= moves[i].add;
    }
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);
    /* The next scan audits the same blit afresh. */
    f->vm->page_flags[FOREIGN_PAGE - 1] = FAKE_PRESENT;
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "at +0x0 of ring");
    f->vm->page_flags[FOREIGN_PAGE - 1] = FAKE_MAPPED;
}

/* The scanner remembers the last few ranges found good: a copy's source
 * and destination, in turn, are each audited once per scan, and an
 * access one page past a remembered range is audited (and rejected). */
static void test_audit_cache(void **state)
{
    struct fixture *f = *state;
    uint64_t src = PPGTT_DATA + 0x40000, dst = PPGTT_DATA + 0x80000;
    uint32_t *p = f->ring;

    for (unsigned i = 0; i < 8; i++) {
        emit_src_copy(&p, dst, src, 4 * PITCH_PIXELS, PITCH_PIXELS, 4);
    }
    f->vm->range_checks = 0;
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);
    assert_int_equal(f->vm->range_checks, 2);
    f->vm->page_flags[(dst - FAKE_PPGTT_BASE) / FAKE_PAGE + 4] = FAKE_PRESENT;
    emit_src_copy(&p, dst + FAKE_PAGE, src, 4 * PITCH_PIXELS, PITCH_PIXELS, 4);
    f->vm->range_checks = 0;
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_ADDRESS);
    assert_int_equal(f->vm->range_checks, 3);
}

/* Acceptance: a store to a GGTT address outside the vGPU's partition. */
static void test_hostile_foreign_ggtt_store(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    emit_sdi(&p, 0x1000, true, false);          /* the host's own GGTT */
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "GGTT partition");
    assert_reason(f, "MI_STORE_DATA_IMM");
    assert_int_equal(f->vm->logs, 1);
    assert_string_equal(f->vm->last_log, f->result.reason);
}

/* Acceptance: a PPGTT entry pointing at memory the VM does not own. */
static void test_hostile_foreign_ppgtt_page(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    emit_sdi(&p, FOREIGN_GMA + 8, false, false);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "PPGTT");
    /* A blit reaching into it with its last row only. */
    p = f->ring;
    emit_color_blt(&p, FOREIGN_GMA - PITCH * 2, PITCH, 256, 3);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_ADDRESS);
    /* A batch on that page. */
    p = f->ring;
    emit_bb_start(&p, FOREIGN_GMA, EMIT_BB_PPGTT);
    *fake_ppgtt(f->vm, FOREIGN_GMA) = MI_BB_END_DW;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "batch");
}

/* Acceptance: MI_LOAD_REGISTER_IMM to a register outside the whitelist. */
static void test_hostile_lri(void **state)
{
    struct fixture *f = *state;
    uint32_t regs[2] = { REG_CS_GPR0, REG_NOT_LISTED };
    uint32_t *p = f->ring;

    emit_lri(&p, regs, 2);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    assert_reason(f, "register 0x02458 outside the whitelist");
    /* Ring-relative rows follow the engine: the RCS GPR is not the BCS's. */
    p = f->ring;
    emit_lri(&p, regs, 1);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_REGISTER);
    /* Reserved bits in a register dword. */
    p = f->ring;
    regs[0] = REG_CS_GPR0 | 1u << 23;
    emit_lri(&p, regs, 1);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    /* An LRI whose pairs are incomplete. */
    p = f->ring;
    emit(&p, EMIT_MI(0x22, 2));
    emit(&p, REG_CS_GPR0);
    emit(&p, 0);
    emit(&p, REG_CS_GPR0);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_LENGTH);
    /* MI_LOAD_REGISTER_REG checks both registers. */
    p = f->ring;
    emit(&p, EMIT_MI(0x2a, 1));
    emit(&p, REG_TIMESTAMP);
    emit(&p, REG_NOT_LISTED);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    /* A load of a kernel-only register from an unprivileged batch (which
     * may store it: test-scan-table). */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    uint32_t *b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_reg_mem(&b, 0x29, REG_HDC_CHICKEN0, PPGTT_DATA, false);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    assert_reason(f, "unprivileged batch");
}

/*
 * The engine's clocks are read, never loaded: the scheduler charges each
 * vGPU the GPU time its context's CTX_TIMESTAMP counts and stops a run
 * that holds its engine too long by it (docs/scheduler.md), so a context
 * that set it could take more than its share and never be stopped.  IGT
 * 1.27 only reads them (gem_exec_fair and gem_watchdog with LRR into a
 * GPR, gem_exec_balancer with SRM).  On every engine, from the ring and
 * from a batch: LRI, LRM and LRR into either clock are refused, an SRM of
 * each and an LRR from each into a GPR pass.
 */
static void test_clocks_are_not_loaded(void **state)
{
    struct fixture *f = *state;

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t base = gen9_engines[e].base;
        const uint32_t clocks[3] = { base + 0x3a8, base + 0x358, base + 0x35c };

        for (unsigned c = 0; c < 3; c++) {
            uint32_t *p = f->ring, *b = fake_ppgtt(f->vm, PPGTT_BATCH);

            emit_lri(&p, &clocks[c], 1);
            assert_int_equal(scan_until(f, e, p), MED_SCAN_BAD_REGISTER);
            assert_reason(f, "(read-only)");
            p = f->ring;
            emit_reg_mem(&p, 0x29, clocks[c], GGTT_DATA, true);
            assert_int_equal(scan_until(f, e, p), MED_SCAN_BAD_REGISTER);
            p = f->ring;
            emit(&p, EMIT_MI(0x2a, 1));
            emit(&p, base + 0x600);
            emit(&p, clocks[c]);
            assert_int_equal(scan_until(f, e, p), MED_SCAN_BAD_REGISTER);

            p = f->ring;
            emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
            emit_reg_mem(&b, 0x24, clocks[c], PPGTT_DATA, false);
            emit(&b, EMIT_MI(0x2a, 1));
            emit(&b, clocks[c]);
            emit(&b, base + 0x600);
            emit(&b, MI_BB_END_DW);
            assert_int_equal(scan_until(f, e, p), MED_SCAN_OK);
        }
    }
}

/* Acceptance: a batch that jumps outside its buffer (the vGPU's memory). */
static void test_hostile_jump_outside(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    /* Into the foreign half of the GGTT window: refused before any copy. */
    emit_bb_start(&p, GGTT_END + 0x1000, 0);
    *fake_ggtt(f->vm, GGTT_END + 0x1000) = MI_BB_END_DW;
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "batch 0x201000 (ggtt) is not mapped memory of the vGPU");
    assert_int_equal(f->vm->fetches, 0);
    /* Where nothing can be copied. */
    p = f->ring;
    emit_bb_start(&p, 0x80000000, 0);
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "is not mapped memory of the vGPU");
    assert_int_equal(f->vm->fetches, 0);
    /* Beyond the 4 GiB GGTT, and a non-canonical PPGTT address. */
    p = f->ring;
    emit_bb_start(&p, 1ull << 32, 0);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    p = f->ring;
    emit(&p, EMIT_MI(0x31, 1) | EMIT_BB_PPGTT);
    emit(&p, 0);
    emit(&p, 0x00010000);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "canonical");
    /* A batch that runs off the vGPU's partition: its last command
     * straddles the partition's end. */
    p = f->ring;
    emit_bb_start(&p, GGTT_END - 8, 0);
    uint32_t *b = fake_ggtt(f->vm, GGTT_END - 8);
    emit(&b, MI_NOOP_DW);
    emit(&b, MI_NOOP_DW);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
}

/* i915 points the unused ranges of a PPGTT at its scratch tables and
 * page (the mediator's ppgtt_range_ok answers them mapped, its
 * ppgtt_batch_ok does not): a command's data access there runs, as
 * IGT's gem_close_race reads 2 MiB past a 256 KiB object on the
 * hardware, but a batch start there is refused before any fetch, also
 * when the same scan found the page good for data. */
static void test_scratch_fill_is_data_not_code(void **state)
{
    struct fixture *f = *state;
    const unsigned fill = 300;              /* pages 300-303: a 4-row copy */
    const uint64_t fill_gma = FAKE_PPGTT_BASE + fill * (uint64_t)FAKE_PAGE;
    uint32_t *p = f->ring;

    for (unsigned i = 0; i < 4; i++) {
        f->vm->page_flags[fill + i] = FAKE_MAPPED | FAKE_FILL;
    }
    emit_src_copy(&p, PPGTT_DATA, fill_gma, 4 * PITCH_PIXELS, PITCH_PIXELS, 4);
    emit_src_copy(&p, fill_gma, PPGTT_DATA, 4 * PITCH_PIXELS, PITCH_PIXELS, 4);
    emit_sdi(&p, fill_gma + 8, false, false);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);
    emit_bb_start(&p, fill_gma, EMIT_BB_PPGTT);
    *fake_ppgtt(f->vm, fill_gma) = MI_BB_END_DW;
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "batch 0x10012c000 (ppgtt) is not mapped memory of the vGPU");
    assert_int_equal(f->vm->fetches, 0);
}

/* Acceptance: an unterminated batch. */
static void test_hostile_unterminated(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    /* The batch's pages end (page 200 is not present) without a batch end. */
    f->vm->page_flags[200] = 0;
    emit_bb_start(&p, FAKE_PPGTT_BASE + 199 * (uint64_t)FAKE_PAGE, EMIT_BB_PPGTT);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_UNTERMINATED);
    assert_reason(f, "no MI_BATCH_BUFFER_END in the 4096 bytes mapped from its start");
    f->vm->page_flags[200] = FAKE_MAPPED;
}

/* The scan up to @end is refused with @verdict, its prefix @count buffers
 * of @lens bytes, those of @stops (bit b: buffer b) cut, with @starts
 * batch starts. */
static void expect_prefix(struct fixture *f, const uint32_t *end, enum med_scan_verdict verdict,
                          unsigned count, const uint64_t *lens, unsigned stops, unsigned starts)
{
    assert_int_equal(scan_until(f, GEN9_RCS, end), verdict);
    assert_true(f->result.prefix);
    assert_int_equal(f->result.buffer_count, count);
    for (unsigned b = 0; b < count; b++) {
        assert_int_equal(f->result.buffers[b].len, lens[b]);
        assert_int_equal(f->result.buffers[b].stops, (stops >> b) & 1);
    }
    assert_int_equal(f->result.bb_start_count, starts);
}

/*
 * A rejection's prefix: hardware runs a stream up to a command it may not
 * run and stops there, so the result lists what runs before it, each
 * buffer the scan was inside cut where the GPU must stop: the ring after
 * its call, the first-level batch after its call of the second-level
 * one, that one at the refused command (a kernel-only register from a
 * PPGTT batch).  Nothing after a cut is listed.  Where the part before a
 * cut is not all the vGPU's memory, there is no prefix.
 */
static void test_rejection_prefix(void **state)
{
    struct fixture *f = *state;
    const uint32_t reg = REG_HDC_CHICKEN0;
    uint32_t *p = f->ring, *a = fake_ppgtt(f->vm, PPGTT_BATCH), *b = fake_ppgtt(f->vm, PPGTT_BATCH2);

    emit(&p, MI_NOOP_DW);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit(&p, MI_NOOP_DW);
    emit_bb_start(&a, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit_bb_start(&a, PPGTT_BATCH3, EMIT_BB_PPGTT);     /* never reached */
    emit(&b, MI_NOOP_DW);
    emit(&b, MI_NOOP_DW);
    emit_lri(&b, &reg, 1);
    *fake_ppgtt(f->vm, PPGTT_BATCH3) = MI_BB_END_DW;
    /* ring after its call, first level after its call, second at the LRI */
    expect_prefix(f, p, MED_SCAN_BAD_REGISTER, 3, (const uint64_t[]){ 16, 12, 8 }, 7, 2);
    assert_int_equal(f->result.buffers[2].gma, PPGTT_BATCH2);
    /* The same stream refused at its last command, in the ring. */
    emit(&p, MI_REPORT_HEAD_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2 + 8);
    emit(&b, MI_BB_END_DW);
    expect_prefix(f, p, MED_SCAN_FORBIDDEN_COMMAND, 4, (const uint64_t[]){ 20, 24, 12, 4 }, 1, 3);
    /* Accepted: no prefix, nothing cut. */
    p[-1] = MI_NOOP_DW;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_false(f->result.prefix);
    assert_false(f->result.buffers[0].stops);
    /* A batch whose first command runs off the vGPU's memory: none. */
    p = f->ring;
    emit_bb_start(&p, GGTT_END - 4, 0);
    b = fake_ggtt(f->vm, GGTT_END - 4);
    emit_sdi(&b, PPGTT_DATA, false, false);
    emit(&b, MI_REPORT_HEAD_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_FORBIDDEN_COMMAND);
    assert_false(f->result.prefix);
}

/*
 * A prefix longer than its caller can lay out (an unterminated batch of
 * MiBs, i915_hangman@hangcheck-unterminated) is cut earlier
 * (med_scan_cut_prefix()): in the refused command's buffer, at the end of
 * a command the scan decoded (never inside one: the GPU would run a
 * command's dwords as commands), its batch starts from there on gone;
 * never in the ring (the caller's copy), never without a prefix.
 */
static void test_prefix_cut(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *a = fake_ppgtt(f->vm, PPGTT_BATCH);
    unsigned buffer = 0;

    emit(&p, MI_NOOP_DW);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_sdi(&a, PPGTT_DATA, false, false);                      /* +0 */
    emit_bb_start(&a, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);     /* +16 */
    emit_sdi(&a, PPGTT_DATA, false, false);                      /* +28 */
    emit(&a, MI_NOOP_DW);                                       /* +44 */
    emit(&a, MI_REPORT_HEAD_DW);                                /* +48 */
    *fake_ppgtt(f->vm, PPGTT_BATCH2) = MI_BB_END_DW;
    expect_prefix(f, p, MED_SCAN_FORBIDDEN_COMMAND, 3, (const uint64_t[]){ 16, 48, 4 }, 3, 2);
    /* 8 bytes shorter: 40 ends inside the second store, so before it. */
    assert_true(med_scan_cut_prefix(f->scan, GEN9_RCS, &f->result, 8, &buffer));
    assert_int_equal(buffer, 1);
    assert_int_equal(f->result.buffers[1].len, 28);
    assert_int_equal(f->result.bb_start_count, 2);
    assert_int_equal(f->result.buffers[0].len, 16);
    /* 24 is inside the call: it goes, and its start with it. */
    assert_true(med_scan_cut_prefix(f->scan, GEN9_RCS, &f->result, 4, &buffer));
    assert_int_equal(f->result.buffers[1].len, 16);
    assert_int_equal(f->result.bb_start_count, 1);
    assert_int_equal(f->result.bb_starts[0].target, 1);
    /* Not more than the buffer runs. */
    assert_false(med_scan_cut_prefix(f->scan, GEN9_RCS, &f->result, 20, &buffer));
    assert_int_equal(f->result.buffers[1].len, 16);
    /* Refused in the ring: not cut. */
    p = f->ring;
    for (unsigned i = 0; i < 8; i++) {
        emit(&p, MI_NOOP_DW);
    }
    emit(&p, MI_REPORT_HEAD_DW);
    expect_prefix(f, p, MED_SCAN_FORBIDDEN_COMMAND, 1, (const uint64_t[]){ 32 }, 1, 0);
    assert_false(med_scan_cut_prefix(f->scan, GEN9_RCS, &f->result, 4, &buffer));
    assert_int_equal(f->result.buffers[0].len, 32);
    /* Accepted: no prefix to cut. */
    p[-1] = MI_NOOP_DW;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_false(med_scan_cut_prefix(f->scan, GEN9_RCS, &f->result, 4, &buffer));
}

#define LOOP_START      64u         /* igt's spinner loops from here */
#define SPIN_CONDITION  4088u       /* the dword its CPU side writes */

/*
 * igt's spinner on Gen9 (lib/igt_dummyload.c, IGT 1.27): NOOPs, then from
 * +64 MI_ARB_CHECK, NOOPs, MI_CONDITIONAL_BATCH_BUFFER_END comparing
 * MI_BATCH_BUFFER_END with a dword of its own buffer, and a chain back to
 * +64.  Returns the offset of the chain.
 */
static uint64_t emit_spinner(struct fixture *f, uint64_t gma)
{
    uint32_t *start = fake_ppgtt(f->vm, gma), *b = start;

    memset(b, 0, SPIN_CONDITION);
    b += LOOP_START / 4;
    emit(&b, MI_ARB_CHECK_DW);
    b += 8;                                     /* NOOPs */
    emit(&b, EMIT_MI(0x36, 2) | 1u << 21);      /* compare with the dword */
    emit(&b, MI_BB_END_DW);
    emit_addr(&b, gma + SPIN_CONDITION);
    emit_bb_start(&b, gma + LOOP_START, EMIT_BB_PPGTT);
    start[SPIN_CONDITION / 4] = 0xffffffff;
    return 4 * (uint64_t)(b - start) - 12;
}

/* A loop runs the copy the scan made: the chain back is pointed at the
 * command it targets in that copy, nothing is fetched again, and the
 * caller goes on after its call (the loop may leave by its conditional
 * end), scanned as usual. */
static void test_loops_run_their_scanned_copy(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;
    const struct med_scan_bb_start *bs;
    const uint32_t lri_reg = REG_NOT_LISTED;
    uint64_t chain = emit_spinner(f, PPGTT_BATCH);

    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_sdi(&p, PPGTT_DATA, false, false);
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->vm->fetches, 1);
    assert_int_equal(f->result.buffer_count, 2);
    assert_int_equal(f->result.buffers[1].len, chain + 12);
    assert_int_equal(f->result.bb_start_count, 2);
    bs = f->result.bb_starts;
    assert_true(bs[0].buffer == 0 && bs[0].target == 1 && bs[0].target_offset == 0);
    assert_true(bs[1].buffer == 1 && bs[1].offset == chain && bs[1].target == 1);
    assert_int_equal(bs[1].target_offset, LOOP_START);
    /* The ring after the loop's call is scanned. */
    p = f->ring + 3;
    emit_lri(&p, &lri_reg, 1);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    /* So is the loop: its conditional end reads the vGPU's memory only. */
    p = f->ring + 3;
    b = fake_ppgtt(f->vm, PPGTT_BATCH + LOOP_START + 4 * 11);
    emit_addr(&b, FOREIGN_GMA);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    assert_reason(f, "compare read");

    /* A loop with no way out passes too: the engine's hang detection ends it. */
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit(&b, MI_ARB_CHECK_DW);
    emit_bb_start(&b, PPGTT_BATCH, EMIT_BB_PPGTT);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_true(bs[1].buffer == 1 && bs[1].offset == 4 && bs[1].target == 1);
    assert_int_equal(bs[1].target_offset, 0);
    /* A -> B -> the second command of A. */
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit(&b, MI_NOOP_DW);
    emit(&b, MI_NOOP_DW);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit_bb_start(&b, PPGTT_BATCH + 4, EMIT_BB_PPGTT);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->result.buffer_count, 3);
    assert_true(bs[2].buffer == 2 && bs[2].target == 1 && bs[2].target_offset == 4);
}

/* Loops that would run what the scan did not check are refused. */
static void test_hostile_loops(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;

    /* Into the middle of a command: the store's data dword would run as
     * a command the scan never decoded. */
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_sdi(&b, PPGTT_DATA, false, false);
    b[-1] = EMIT_MI(0x22, 1);                   /* an LRI header as data */
    emit_bb_start(&b, PPGTT_BATCH + 12, EMIT_BB_PPGTT);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LOOP);
    assert_reason(f, "inside a command already scanned");
    /* Back into the kernel's GGTT batch, scanned as privileged, from a
     * user batch it chained to. */
    p = f->ring;
    emit_bb_start(&p, GGTT_BATCH, 0);
    b = fake_ggtt(f->vm, GGTT_BATCH);
    emit(&b, MI_NOOP_DW);
    emit_bb_start(&b, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, GGTT_BATCH, 0);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LOOP);
    assert_reason(f, "scanned as privileged, from an unprivileged batch");
}

/*
 * A loop in a second-level batch: the workload path follows first-level
 * loops only (a copy rescanned as the guest rewrites it), and neither i915
 * nor IGT 1.27.1 loops at the second level (igt_spin and every test's
 * loop chain with MI_BATCH_BUFFER_START | 1 << 8 | 1, no bit 22, from the
 * batch i915 starts first-level from the ring), so it is refused rather
 * than run from its first copy for ever: into itself, and back into an
 * earlier batch of its chain.  Counted as a loop, up to the loop's start a
 * prefix that runs.
 */
static void test_second_level_loops(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;
    struct med_scan_stats before, after;

    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit(&b, MI_BB_END_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit(&b, MI_ARB_CHECK_DW);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT);
    med_scan_get_stats(f->scan, &before);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LOOP);
    assert_reason(f, "in a second-level batch (only first-level loops are followed)");
    med_scan_get_stats(f->scan, &after);
    assert_int_equal(after.verdicts[MED_SCAN_LOOP], before.verdicts[MED_SCAN_LOOP] + 1);
    assert_true(f->result.prefix && f->result.buffers[2].stops);
    assert_int_equal(f->result.buffers[2].len, 4);
    /* B chains to C, C back to B. */
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit(&b, MI_ARB_CHECK_DW);
    emit_bb_start(&b, PPGTT_BATCH3, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH3);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LOOP);
    assert_reason(f, "in a second-level batch");
    /* The same loop one level up is followed: not refused. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
}

/* Not loops: a subroutine called twice, a batch started twice by the ring,
 * a forward chain into the same buffer. */
static void test_repeats_that_terminate(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;

    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit_bb_start(&b, PPGTT_BATCH + 0x100, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH + 0x100);
    emit(&b, MI_BB_END_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit(&b, MI_BB_END_DW);
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    /* A repeat runs the copy scanned first, found again by address: the
     * ring, the batch, its sub-batch and its chained tail are copied once
     * each; five starts: ring -> batch, batch -> sub twice, batch -> tail,
     * and the ring's second start of the batch. */
    assert_int_equal(f->vm->fetches, 3);
    assert_int_equal(f->result.buffer_count, 4);
    assert_int_equal(f->result.bb_start_count, 5);
    assert_int_equal(f->result.bb_starts[1].target, 2);
    assert_int_equal(f->result.bb_starts[2].target, 2);
    assert_int_equal(f->result.bb_starts[2].offset, 12);
    assert_int_equal(f->result.bb_starts[4].buffer, 0);
    assert_int_equal(f->result.bb_starts[4].offset, 12);
    assert_int_equal(f->result.bb_starts[4].target, 1);
    assert_int_equal(f->result.bb_starts[4].target_offset, 0);
}

/* A batch is found again only as it was scanned: called from its first
 * byte, at the same level, with the same privileges; a chain never (a
 * first-level chain to an earlier buffer is a loop, mediator/submission/
 * loop.c). */
static void test_repeats_of_another_kind_are_scanned_again(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;

    /* The same bytes as a first-level batch from the ring and as a
     * second-level batch from another batch, and at an offset. */
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH2 + 4, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit(&b, MI_BB_END_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit(&b, MI_NOOP_DW);
    emit(&b, MI_BB_END_DW);
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->vm->fetches, 4);
    assert_int_equal(f->result.buffer_count, 5);
    assert_int_equal(f->result.buffers[3].level, 2);
    assert_int_equal(f->result.buffers[4].gma, PPGTT_BATCH2 + 4);
    /* The same GGTT bytes from the ring (privileged) and, chained to from
     * a PPGTT batch, unprivileged: an LRI of a kernel register passes
     * the first time only. */
    p = f->ring;
    emit_bb_start(&p, GGTT_BATCH, 0);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, GGTT_BATCH, 0);
    b = fake_ggtt(f->vm, GGTT_BATCH);
    emit_lri(&b, (const uint32_t[]){ 0x7008 }, 1);           /* GEN7_GT_MODE (i915) */
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_REGISTER);
    assert_reason(f, "(privileged) from an unprivileged batch");
    /* A chain to a batch the ring called before: a new buffer after the
     * chaining one. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT);
    f->vm->fetches = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->vm->fetches, 3);
    assert_int_equal(f->result.buffer_count, 4);
    assert_int_equal(f->result.bb_starts[2].buffer, 2);
    assert_int_equal(f->result.bb_starts[2].target, 3);
}

/* A batch is copied 1 KiB first and its copy extended 4x while it goes on:
 * the scan goes on where the shorter copy ended, each byte copied and
 * scanned once, and what it recorded before (a call) stays recorded once. */
static void test_growing_copies(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;

    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    *fake_ppgtt(f->vm, PPGTT_BATCH) = MI_BB_END_DW;
    f->vm->fetches = 0;
    f->vm->fetched = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->vm->fetches, 1);
    assert_int_equal(f->vm->fetched, 1024);

    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, PPGTT_BATCH3, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    *fake_ppgtt(f->vm, PPGTT_BATCH + 4 * 5000) = MI_BB_END_DW;    /* 20 KB in */
    *fake_ppgtt(f->vm, PPGTT_BATCH3) = MI_BB_END_DW;
    f->vm->fetches = 0;
    f->vm->fetched = 0;
    f->result.commands = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->vm->fetches, 5);    /* 1, then 4, 16 and 64 KiB; the call once */
    assert_int_equal(f->vm->fetched, 64 * 1024 + 1024);
    /* the ring's start, the 3-dword call, the callee's end, MI_NOOPs in
     * dwords 3-4999, the end: none counted twice across the extensions */
    assert_int_equal(f->result.commands, 1 + 1 + 1 + 4997 + 1);
    assert_int_equal(f->result.buffer_count, 3);
    assert_int_equal(f->result.bb_start_count, 2);
    assert_int_equal(f->result.buffers[1].len, 4 * 5001);
    assert_true(f->result.bb_starts[1].buffer == 1 && f->result.bb_starts[1].target == 2);
    *fake_ppgtt(f->vm, PPGTT_BATCH + 4 * 5000) = 0;
}

static void test_batch_structure(void **state)
{
    struct fixture *f = *state;
    const struct med_scan_buffer *buf;
    const struct med_scan_bb_start *bs;
    uint32_t *p = f->ring, *b;

    /* The kernel's secure GGTT batch, then a user batch that calls a
     * second-level batch and chains to a third. */
    emit(&p, MI_ARB_ON_OFF_DW(false));
    emit_bb_start(&p, GGTT_BATCH, 0);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit(&p, MI_USER_INTERRUPT_DW);
    b = fake_ggtt(f->vm, GGTT_BATCH);
    emit(&b, MI_BB_END_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit(&b, MI_NOOP_DW);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit_bb_start(&b, PPGTT_BATCH3, EMIT_BB_PPGTT);
    emit(&b, 0xffffffff);                       /* never runs: not scanned */
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit(&b, MI_BB_END_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH3);
    emit(&b, MI_NOOP_DW);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_string_equal(f->result.reason, "");
    assert_true(f->result.user_interrupt);
    assert_int_equal(f->result.buffer_count, 5);
    buf = f->result.buffers;
    assert_int_equal(buf[0].len, 4 * 8);
    assert_true(buf[0].privileged);
    assert_true(buf[1].space == MED_SCAN_GGTT && buf[1].gma == GGTT_BATCH && buf[1].len == 4);
    assert_true(buf[1].privileged && buf[1].level == 1);
    assert_true(buf[2].space == MED_SCAN_PPGTT && !buf[2].privileged && buf[2].len == 4 * 7);
    assert_true(buf[3].gma == PPGTT_BATCH2 && buf[3].level == 2);
    assert_true(buf[4].gma == PPGTT_BATCH3 && buf[4].level == 1 && buf[4].len == 8);
    assert_ptr_equal(buf[2].host, fake_ppgtt(f->vm, PPGTT_BATCH));
    bs = f->result.bb_starts;
    assert_int_equal(f->result.bb_start_count, 4);
    assert_true(bs[0].buffer == 0 && bs[0].offset == 4 && bs[0].target == 1);
    assert_true(bs[1].buffer == 0 && bs[1].offset == 16 && bs[1].target == 2);
    assert_true(bs[2].buffer == 2 && bs[2].offset == 4 && bs[2].target == 3);
    assert_true(bs[3].buffer == 2 && bs[3].offset == 16 && bs[3].target == 4);
    assert_int_equal(f->result.commands, 11);
}

/* Does the result's write set hold exactly [@lo, @hi) of @space as range @i? */
static void assert_write(const struct fixture *f, unsigned i, enum med_scan_space space,
                         uint64_t lo, uint64_t hi)
{
    const struct med_scan_write *w = &f->result.writes[i];

    assert_true(i < f->result.write_count);
    assert_int_equal(w->space, space);
    assert_int_equal(w->lo, lo);
    assert_int_equal(w->hi, hi);
}

/*
 * The write set (docs/scanner.md, "Batches written by the GPU"): the
 * pages the commands whose rows write may write, merged where they touch;
 * a draw may write anything.  A batch an earlier batch of the ring
 * writes ends the result before its ring-level start (split); one written
 * by its own chain, with no ring boundary between, does not.
 */
static void test_write_sets(void **state)
{
    struct fixture *f = *state;
    const uint32_t gpr = 0x22000u + 0x600;      /* the blitter's CS_GPR0 */
    uint32_t *p = f->ring, *b;

    emit_sdi(&p, GGTT_DATA + 4, true, false);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_sdi(&b, PPGTT_DATA + 8, false, false);
    emit_reg_mem(&b, 0x24, gpr, PPGTT_DATA + 0x1ffc, false);   /* the next page */
    emit_reg_mem(&b, 0x24, gpr, PPGTT_DATA + 0x3000, false);   /* apart */
    emit_color_blt(&b, PPGTT_DATA + 0x8000, 4096, 1024, 2);            /* two pages */
    emit_reg_mem(&b, 0x29, gpr, PPGTT_DATA + 0x6000, false);   /* a read */
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);
    assert_false(f->result.writes_any || f->result.split);
    assert_int_equal(f->result.write_count, 4);
    assert_write(f, 0, MED_SCAN_GGTT, GGTT_DATA, GGTT_DATA + 0x1000);
    assert_write(f, 1, MED_SCAN_PPGTT, PPGTT_DATA, PPGTT_DATA + 0x2000);
    assert_write(f, 2, MED_SCAN_PPGTT, PPGTT_DATA + 0x3000, PPGTT_DATA + 0x4000);
    assert_write(f, 3, MED_SCAN_PPGTT, PPGTT_DATA + 0x8000, PPGTT_DATA + 0xa000);

    /* A draw writes what its state points at. */
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_state(&b, 3, 3, 0x00, 7);              /* 3DPRIMITIVE */
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_true(f->result.writes_any);

    /* The first batch stores into the second's first dword: the result
     * ends before the ring's second start. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    emit_sdi(&p, GGTT_DATA, true, false);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_sdi(&b, PPGTT_BATCH2, false, false);
    emit(&b, MI_BB_END_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_true(f->result.split);
    assert_int_equal(f->result.buffers[0].len, 12);
    assert_int_equal(f->result.buffer_count, 2);
    assert_int_equal(f->result.bb_start_count, 1);
    assert_int_equal(f->result.write_count, 1);
    assert_write(f, 0, MED_SCAN_PPGTT, PPGTT_BATCH2, PPGTT_BATCH2 + 0x1000);

    /* The same from the ring's first start (a call of a second-level
     * batch it wrote): nothing to cut at, scanned as copied. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_sdi(&b, PPGTT_BATCH2, false, false);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_false(f->result.split);
    assert_int_equal(f->result.buffer_count, 3);

    /* A batch started again after a later batch wrote it runs no old
     * copy: cut before the third start. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_sdi(&b, PPGTT_BATCH2, false, false);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_true(f->result.split);
    assert_int_equal(f->result.buffers[0].len, 24);
    assert_int_equal(f->result.buffer_count, 3);
}

static void test_bad_batch_starts(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;

    /* Second level straight from the ring. */
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_BATCH);
    /* A third level. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit_bb_start(&b, PPGTT_BATCH2, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit_bb_start(&b, PPGTT_BATCH3, EMIT_BB_PPGTT | EMIT_BB_SECOND);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_BATCH);
    /* Predicated: the jump might not be taken. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT | 1u << 15);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_BATCH);
    /* A batch end in the ring. */
    p = f->ring;
    emit(&p, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_BATCH);
}

static void test_conditional_batch_end(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;

    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit(&b, EMIT_MI(0x36, 2) | EMIT_GGTT | 1u << 19);     /* mask mode: reads 8 bytes */
    emit(&b, 0);
    emit_addr(&b, GGTT_END - 8);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    b = fake_ppgtt(f->vm, PPGTT_BATCH) + 2;
    emit_addr(&b, GGTT_END);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
}

static void test_malformed(void **state)
{
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    /* Unknown opcode, and an unknown command type. */
    emit(&p, EMIT_MI(0x3f, 0));
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_UNKNOWN_COMMAND);
    assert_reason(f, "unknown command");
    p = f->ring;
    emit(&p, 7u << 29);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_UNKNOWN_COMMAND);
    /* A command crossing the end of the ring. */
    p = f->ring;
    emit_sdi(&p, GGTT_DATA, true, false);
    assert_int_equal(scan_until(f, GEN9_RCS, p - 1), MED_SCAN_TRUNCATED);
    assert_reason(f, "crosses the end");
    /* Lengths outside the rule. */
    p = f->ring;
    emit(&p, EMIT_MI(0x20, 4) | EMIT_GGTT);     /* a 6-dword store */
    p += 5;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_LENGTH);
    p = f->ring;
    emit(&p, EMIT_GFX(3, 2, 0) | 3);            /* a 5-dword PIPE_CONTROL */
    p += 4;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_LENGTH);
    /* MI_FLUSH_DW: reserved post-sync operation 2. */
    p = f->ring;
    emit_flush_dw(&p, 2u << 14, GGTT_DATA | EMIT_FLUSH_USE_GTT);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_BAD_LENGTH);
    /* A non-canonical state base address. */
    p = f->ring;
    emit_state(&p, 0, 1, 0x01, 19);
    f->ring[2] = 0x12340000;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_BAD_ADDRESS);
    f->ring[2] = 0xffff8000;                    /* canonical, bit 47 set */
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    /* A request the caller got wrong. */
    struct med_scan_request req = { .engine = GEN9_NUM_ENGINES, .commands = f->ring, .len = 4 };
    assert_int_equal(med_scan(f->scan, &req, &f->result), MED_SCAN_BAD_LENGTH);
}

static void test_limits(void **state)
{
    struct fixture *f = *state;
    struct med_scan_limits limits = { .max_commands = 100, .max_batches = 3,
                                      .max_total_bytes = 3 * 4096 };
    struct med_scan *saved = f->scan;
    uint32_t *p = f->ring, *b;

    f->scan = fake_vm_scanner(f->vm, &limits);
    assert_non_null(f->scan);
    /* Commands. */
    for (unsigned i = 0; i < 101; i++) {
        emit(&p, MI_NOOP_DW);
    }
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LIMIT);
    assert_int_equal(scan_until(f, GEN9_RCS, p - 1), MED_SCAN_OK);
    /* Batches: a chain of distinct batches, each page-aligned. */
    p = f->ring;
    emit_bb_start(&p, FAKE_PPGTT_BASE, EMIT_BB_PPGTT);
    for (unsigned i = 0; i < 8; i++) {
        b = fake_ppgtt(f->vm, FAKE_PPGTT_BASE + i * (uint64_t)FAKE_PAGE);
        emit_bb_start(&b, FAKE_PPGTT_BASE + (i + 1) * (uint64_t)FAKE_PAGE, EMIT_BB_PPGTT);
    }
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LIMIT);
    assert_reason(f, "more than 3 batches");
    /* Bytes fetched: a batch of 1 KiB MI_MATHs with no end is copied 1 KiB,
     * extended to 4 KiB, then to 12 KiB (what the scan may still copy),
     * then no more. */
    p = f->ring;
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    for (unsigned i = 0; i < 16; i++) {
        *fake_ppgtt(f->vm, PPGTT_BATCH + i * 1024) = EMIT_MI(0x1a, 254);
    }
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_LIMIT);
    assert_reason(f, "more than 12288 bytes of batches");
    /* A batch that runs into unmapped memory ends with its mapping, within
     * the limits: no end in the one page mapped. */
    f->vm->page_flags[(PPGTT_BATCH - FAKE_PPGTT_BASE) / FAKE_PAGE + 1] = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_UNTERMINATED);
    assert_reason(f, "no MI_BATCH_BUFFER_END in the 4096 bytes mapped from its start");
    f->vm->page_flags[(PPGTT_BATCH - FAKE_PPGTT_BASE) / FAKE_PAGE + 1] = FAKE_MAPPED;
    med_scan_destroy(f->scan);
    f->scan = saved;
}

/* No bound per batch: a batch as long as its mapping allows runs, whatever
 * its length (1.5 MiB here: past the 1 MiB per-batch copy the mediator
 * used to allow), copied in windows 4x larger each time. */
static void test_long_batch(void **state)
{
    struct fixture *f = *state;
    const uint64_t commands = (3u << 20) / 2 / 1024;  /* 1 KiB MI_MATHs */
    uint32_t *p = f->ring, *b = fake_ppgtt(f->vm, PPGTT_BATCH);

    f->vm->page_flags[FOREIGN_PAGE] = FAKE_MAPPED;     /* the batch runs over it */
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    for (uint64_t i = 0; i < commands; i++) {
        b[i * 256] = EMIT_MI(0x1a, 254);
    }
    b[commands * 256] = MI_BB_END_DW;
    f->vm->fetched = 0;
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->result.buffer_count, 2);
    assert_int_equal(f->result.buffers[1].len, commands * 1024 + 4);
    /* Its copy extended to 1 KiB, 4 KiB, ... 1 MiB, each cut by its
     * window, then 4 MiB asked and the mapping's end reached: each byte
     * copied once. */
    assert_int_equal(f->vm->fetched, PPGTT_END - PPGTT_BATCH);
    f->vm->page_flags[FOREIGN_PAGE] = FAKE_PRESENT;
}

/* What the 6.1 guest sends on the render ring: init breadcrumb, flush,
 * the context workarounds, a user batch with 3D state, the fini
 * breadcrumb; and on the blitter the xcs flush and breadcrumb. */
static void test_guest_streams(void **state)
{
    static const uint32_t ctx_wa[] = {
        0x7014, 0xe194, 0xe4f0, 0x7004, 0xe188, 0x7300, 0xe184, 0xe180, 0x2580, 0x7008,
    };
    struct fixture *f = *state;
    uint32_t *p = f->ring, *b;
    struct med_scan_stats stats;

    emit_sdi(&p, GGTT_DATA, true, false);
    emit(&p, MI_NOOP_DW);
    emit(&p, MI_ARB_CHECK_DW);
    emit_pipe_control(&p, 0, 0);
    emit_pipe_control(&p, EMIT_PC_CS_STALL | EMIT_PC_QW_WRITE | EMIT_PC_STORE_INDEX |
                      EMIT_PC_GLOBAL_GTT, 0xd0);
    emit_lri(&p, ctx_wa, sizeof(ctx_wa) / sizeof(ctx_wa[0]));
    emit(&p, MI_ARB_ON_OFF_DW(false));
    emit_bb_start(&p, PPGTT_BATCH, EMIT_BB_PPGTT);
    emit_pipe_control(&p, EMIT_PC_CS_STALL | 1u << 12 | 1u << 5 | 1u, 0);
    emit_pipe_control(&p, EMIT_PC_QW_WRITE | EMIT_PC_GLOBAL_GTT | EMIT_PC_CS_STALL | 1u << 7,
                      GGTT_DATA);
    emit(&p, MI_USER_INTERRUPT_DW);
    emit(&p, MI_ARB_ON_OFF_DW(true));
    emit(&p, MI_ARB_CHECK_DW);
    emit(&p, MI_NOOP_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH);
    emit(&b, EMIT_GFX(1, 1, 0x04) | 0x0300);    /* PIPELINE_SELECT 3D, masked */
    emit_state(&b, 0, 1, 0x01, 19);             /* STATE_BASE_ADDRESS */
    emit_state(&b, 3, 0, 0x15, 11);             /* 3DSTATE_CONSTANT_VS */
    emit_state(&b, 3, 0, 0x10, 9);              /* 3DSTATE_VS */
    emit_state(&b, 3, 1, 0x17, 3);              /* 3DSTATE_SO_DECL_LIST (9-bit length) */
    emit_state(&b, 3, 3, 0x00, 7);              /* 3DPRIMITIVE */
    emit_pipe_control(&b, EMIT_PC_QW_WRITE, PPGTT_DATA);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);

    p = f->ring;
    emit_flush_dw(&p, EMIT_FLUSH_STOREDW | EMIT_FLUSH_STORE_INDEX | 1u << 18,
                  0xd0 | EMIT_FLUSH_USE_GTT);
    emit(&p, MI_ARB_ON_OFF_DW(false));
    emit_bb_start(&p, PPGTT_BATCH2, EMIT_BB_PPGTT);
    emit_flush_dw(&p, EMIT_FLUSH_STOREDW, GGTT_DATA | EMIT_FLUSH_USE_GTT);
    emit(&p, MI_USER_INTERRUPT_DW);
    b = fake_ppgtt(f->vm, PPGTT_BATCH2);
    emit_src_copy(&b, PPGTT_DATA, PPGTT_DATA + 0x8000, PITCH, 256, ROWS);
    emit_fast_copy(&b, PPGTT_DATA, PPGTT_DATA + 0x10000, PITCH, 1, 256, 8);
    emit(&b, MI_BB_END_DW);
    assert_int_equal(scan_until(f, GEN9_BCS, p), MED_SCAN_OK);

    med_scan_get_stats(f->scan, &stats);
    assert_string_equal(med_scan_verdict_name(MED_SCAN_OK), "ok");
    assert_int_equal(stats.scans, 2);
    assert_int_equal(stats.verdicts[MED_SCAN_OK], 2);
    assert_true(stats.commands > 20 && stats.bytes > 4 * stats.commands);
}

/* The indirect-context workaround batch, scanned as its own top-level
 * buffer: SRM, LRI, PIPE_CONTROLs, LRM, LRI of three chicken bits. */
static void test_indirect_ctx_batch(void **state)
{
    static const uint32_t chickens[] = { 0x7014, 0x2088, 0x2090 };
    static const uint32_t l3sqcreg4[] = { 0xb118 };
    struct fixture *f = *state;
    uint32_t *p = f->ring;

    emit(&p, MI_ARB_ON_OFF_DW(false));
    emit_reg_mem(&p, 0x24, 0xb118, GGTT_DATA, true);
    emit_lri(&p, l3sqcreg4, 1);
    emit_pipe_control(&p, EMIT_PC_CS_STALL | 1u << 5, 0);
    emit_reg_mem(&p, 0x29, 0xb118, GGTT_DATA, true);
    emit_pipe_control(&p, 1u << 27 | EMIT_PC_STORE_INDEX | EMIT_PC_CS_STALL | EMIT_PC_QW_WRITE,
                      0xd0);
    emit_lri(&p, chickens, 3);
    emit(&p, MI_ARB_ON_OFF_DW(true));
    while ((p - f->ring) % 16) {
        emit(&p, MI_NOOP_DW);
    }
    assert_int_equal(scan_until(f, GEN9_RCS, p), MED_SCAN_OK);
    assert_int_equal(f->result.buffer_count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_data_imm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejection_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_level_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_data_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_math, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semaphore_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipe_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_dw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blit_repeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_foreign_ggtt_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_foreign_ppgtt_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_lri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clocks_are_not_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_jump_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scratch_fill_is_data_not_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_unterminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loops_run_their_scanned_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeats_that_terminate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeats_of_another_kind_are_scanned_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_growing_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_batch_starts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional_batch_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect_ctx_batch, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
