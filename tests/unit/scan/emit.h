/*
 * emit.h - Gen9 command encoders for the scanner's tests, fuzzer seeds and
 * benchmark: each appends one command at *p and advances it.  Encoded from
 * the hardware facts independently of the scanner's table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_SCAN_EMIT_H
#define GPUMED_TESTS_SCAN_EMIT_H

#include <stdbool.h>
#include <stdint.h>

#define EMIT_MI(op, flags)          ((uint32_t)(op) << 23 | (flags))
#define EMIT_GFX(sub, op, subop)    (3u << 29 | (uint32_t)(sub) << 27 | (uint32_t)(op) << 24 | \
                                     (uint32_t)(subop) << 16)
#define EMIT_BLT(op)                (2u << 29 | (uint32_t)(op) << 22)

#define MI_NOOP_DW              EMIT_MI(0x00, 0)
#define MI_USER_INTERRUPT_DW    EMIT_MI(0x02, 0)
#define MI_ARB_CHECK_DW         EMIT_MI(0x05, 0)
#define MI_REPORT_HEAD_DW       EMIT_MI(0x07, 0)
#define MI_ARB_ON_OFF_DW(on)    EMIT_MI(0x08, (on) ? 1 : 0)
#define MI_BB_END_DW            EMIT_MI(0x0a, 0)
#define EMIT_GGTT               (1u << 22)      /* MI "use global GTT" */
#define EMIT_BB_PPGTT           (1u << 8)
#define EMIT_BB_SECOND          (1u << 22)
#define EMIT_PC_GLOBAL_GTT      (1u << 24)
#define EMIT_PC_QW_WRITE        (1u << 14)
#define EMIT_PC_CS_STALL        (1u << 20)
#define EMIT_PC_STORE_INDEX     (1u << 21)
#define EMIT_FLUSH_STOREDW      (1u << 14)
#define EMIT_FLUSH_STORE_INDEX  (1u << 21)
#define EMIT_FLUSH_USE_GTT      (1u << 2)

static inline void emit(uint32_t **p, uint32_t dw)
{
    *(*p)++ = dw;
}

static inline void emit_addr(uint32_t **p, uint64_t gma)
{
    emit(p, (uint32_t)gma);
    emit(p, (uint32_t)(gma >> 32));
}

static inline void emit_bb_start(uint32_t **p, uint64_t gma, uint32_t flags)
{
    emit(p, EMIT_MI(0x31, 1) | flags);
    emit_addr(p, gma);
}

/* MI_STORE_DATA_IMM of one dword, or of a qword. */
static inline void emit_sdi(uint32_t **p, uint64_t gma, bool ggtt, bool qword)
{
    emit(p, EMIT_MI(0x20, qword ? 3 : 2) | (ggtt ? EMIT_GGTT : 0) | (qword ? 1u << 21 : 0));
    emit_addr(p, gma);
    emit(p, 0x1234);
    if (qword) {
        emit(p, 0x5678);
    }
}

/* MI_LOAD_REGISTER_IMM of @n registers starting at @regs. */
static inline void emit_lri(uint32_t **p, const uint32_t *regs, unsigned n)
{
    emit(p, EMIT_MI(0x22, 2 * n - 1));
    for (unsigned i = 0; i < n; i++) {
        emit(p, regs[i]);
        emit(p, 0xffff0000);
    }
}

/* MI_STORE_REGISTER_MEM (op 0x24) or MI_LOAD_REGISTER_MEM (op 0x29). */
static inline void emit_reg_mem(uint32_t **p, unsigned op, uint32_t reg, uint64_t gma, bool ggtt)
{
    emit(p, EMIT_MI(op, 2) | (ggtt ? EMIT_GGTT : 0));
    emit(p, reg);
    emit_addr(p, gma);
}

static inline void emit_pipe_control(uint32_t **p, uint32_t flags, uint64_t gma)
{
    emit(p, EMIT_GFX(3, 2, 0) | 4);
    emit(p, flags);
    emit_addr(p, gma);
    emit(p, 0);
    emit(p, 0);
}

static inline void emit_flush_dw(uint32_t **p, uint32_t flags, uint64_t addr_dw)
{
    emit(p, EMIT_MI(0x26, 2) | flags);
    emit_addr(p, addr_dw);
    emit(p, 0);
}

/* A copy blit: destination rectangle (0,0)-(w,h) and address, source at
 * (0,0) with the same pitch field. */
static inline void emit_copy_blt(uint32_t **p, uint32_t dw0, uint32_t dw1, uint64_t dst,
                                 uint64_t src, uint16_t w, uint16_t h)
{
    emit(p, dw0);
    emit(p, dw1);
    emit(p, 0);
    emit(p, (uint32_t)h << 16 | w);
    emit_addr(p, dst);
    emit(p, 0);
    emit(p, dw1 & 0xffff);
    emit_addr(p, src);
}

/* XY_SRC_COPY_BLT of a w x h rectangle, 32 bpp, linear, pitch @pitch bytes. */
static inline void emit_src_copy(uint32_t **p, uint64_t dst, uint64_t src, uint32_t pitch,
                                 uint16_t w, uint16_t h)
{
    emit_copy_blt(p, EMIT_BLT(0x53) | 3u << 20 | 8, 3u << 24 | 0xccu << 16 | pitch, dst, src,
                  w, h);
}

static inline void emit_color_blt(uint32_t **p, uint64_t dst, uint32_t pitch, uint16_t w,
                                  uint16_t h)
{
    emit(p, EMIT_BLT(0x50) | 3u << 20 | 5);
    emit(p, 3u << 24 | 0xf0u << 16 | pitch);
    emit(p, 0);
    emit(p, (uint32_t)h << 16 | w);
    emit_addr(p, dst);
    emit(p, 0xff00ff00);
}

/* XY_FAST_COPY_BLT, 32 bpp; @tiling 0 linear, 1 X, 2 Y for both surfaces,
 * @pitch in bytes (dwords when tiled, as the hardware takes it). */
static inline void emit_fast_copy(uint32_t **p, uint64_t dst, uint64_t src, uint32_t pitch,
                                  unsigned tiling, uint16_t w, uint16_t h)
{
    emit_copy_blt(p, EMIT_BLT(0x42) | (uint32_t)tiling << 20 | (uint32_t)tiling << 13 | 8,
                  3u << 24 | (tiling ? pitch / 4 : pitch), dst, src, w, h);
}

/* A 3D state command of @len dwords, payload zero. */
static inline void emit_state(uint32_t **p, unsigned sub, unsigned op, unsigned subop,
                              unsigned len)
{
    emit(p, EMIT_GFX(sub, op, subop) | (len - 2));
    for (unsigned i = 1; i < len; i++) {
        emit(p, 0);
    }
}

#endif /* GPUMED_TESTS_SCAN_EMIT_H */
