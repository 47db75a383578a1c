/*
 * Fuzz the workload path with the guest's data the scanner never sees: the
 * context image (descriptor, ring registers, PPGTT root), the ring
 * registers' bounds, the guest GGTT entries, the page tables and the
 * submission order.  Each input is one vGPU's life on a real mediator
 * (session, workload shadowing, PPGTT shadow, scanner, scheduler, the GPU
 * model executing whatever passes): HELLO, ADD_MEMORY and CREATE_VGPU are
 * done for it, then its records run.  After the client hangs up,
 * everything it held must be free.  Resets go out without waiting (as
 * QEMU sends them); every COMPLETE must carry a reset generation its
 * engine had, never one older than an earlier COMPLETE of that engine.
 *
 * Records: {u8 op, 9 bytes of arguments}; graphics addresses are pages of
 * the vGPU's hidden block, guest-physical ones pages of its 4 MiB of RAM,
 * so that random values land where the checks are interesting.
 *   0 RAM write:   u16 page, u16 dword, u32 value
 *   1 GGTT entry:  u16 hidden page, u16 guest page, u8 flags (bit 0 present)
 *   2 PPGTT:       u8 op (create/destroy), u16 guest page
 *   3 SUBMIT:      u8 engine, u16 hidden page 0, u16 low bits 0, u16 page 1 (0: none)
 *   4 RESET:       u8 engine mask
 *   5 wait:        let the GPU and the mediator finish what was submitted
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen9/lrc.h"
#include "mediator/server.h"
#include "mediator/submission/submission.h"
#include "tests/fuzz/mediator/harness.h"
#include "tests/fuzz/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_PAGES       FUZZ_RAM_PAGES
#define RECORD          10

static uint16_t u16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t u32_at(const uint8_t *p)
{
    return (uint32_t)u16_at(p) | (uint32_t)u16_at(p + 2) << 16;
}

/* Each engine's reset generation as the client last set it, and that of
 * its last COMPLETE (protocol.h). */
static uint32_t generation[GEN9_NUM_ENGINES], completed_generation[GEN9_NUM_ENGINES];

/* The RING_TAIL of @desc's image through the client's GGTT @table, as
 * vgpu-pci reads it at the ELSP write (WIRE_NO_TAIL: not mapped RAM). */
static uint32_t element_tail(const uint64_t *table, const uint32_t *ram, uint64_t desc)
{
    uint64_t index = (((uint32_t)desc & CTX_DESC_LRCA_MASK) + LRC_STATE_OFFSET) / WIRE_PAGE_SIZE;
    uint64_t pte = index < WIRE_GGTT_ENTRIES ? table[index] : 0;
    uint64_t gpa = pte & ~(uint64_t)(WIRE_PAGE_SIZE - 1);

    if (!(pte & 1) || gpa >= FUZZ_RAM_SIZE) {
        return WIRE_NO_TAIL;
    }
    return ram[gpa / 4 + CTX_RING_TAIL_DW];
}

static void check_generation(const struct wire_msg_complete *done)
{
    uint32_t *last = &completed_generation[done->engine];

    if (done->generation < *last || done->generation > generation[done->engine]) {
        abort();
    }
    *last = done->generation;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mediator *m = fuzz_mediator();
    uint32_t *ram = (uint32_t *)m->ram;
    struct wire_msg_create_reply vgpu;
    struct fuzz_vgpu v;
    uint64_t *table;
    uint64_t hidden_pages;
    uint32_t resets = 0;
    int fd;

    memset(m->ram, 0, FUZZ_RAM_SIZE);
    memset(generation, 0, sizeof(generation));
    memset(completed_generation, 0, sizeof(completed_generation));
    m->complete_seen = check_generation;
    fd = fuzz_mediator_connect(m);
    if (!fuzz_mediator_start_vgpu(m, fd, "gpumed-8", NULL, &vgpu, &v)) {
        abort();
    }
    table = v.table;
    hidden_pages = vgpu.hidden_size / WIRE_PAGE_SIZE;
    for (; size >= RECORD; data += RECORD, size -= RECORD) {
        const uint8_t *a = data + 1;

        switch (data[0] % 6) {
        case 0:
            ram[(u16_at(a) % RAM_PAGES) * (WIRE_PAGE_SIZE / 4) + u16_at(a + 2) % 1024] =
                u32_at(a + 4);
            break;
        case 1: {
            uint32_t index = (uint32_t)(vgpu.hidden_base / WIRE_PAGE_SIZE +
                                        u16_at(a) % hidden_pages);

            table[index] = (uint64_t)(u16_at(a + 2) % (RAM_PAGES + 16)) * WIRE_PAGE_SIZE |
                           (a[4] & 1);
            table[WIRE_GGTT_ENTRIES + index / 64] |= 1ull << (index % 64);
            break;
        }
        case 2: {
            struct wire_msg_ppgtt_notify n;

            wire_msg_init(&n, WIRE_MSG_PPGTT_NOTIFY, 4);
            n.op = a[0] & 1 ? WIRE_PPGTT_DESTROY : WIRE_PPGTT_CREATE;
            n.root_gpa = (uint64_t)(u16_at(a + 1) % (RAM_PAGES + 16)) * WIRE_PAGE_SIZE;
            fuzz_vgpu_notice(&v, &n);
            fuzz_mediator_pump(m, 0);
            break;
        }
        case 3: {
            struct wire_msg_submit s;

            wire_msg_init(&s, WIRE_MSG_SUBMIT, 5);
            s.engine = a[0] % GEN9_NUM_ENGINES;
            s.generation = generation[s.engine];
            s.desc[0] = (vgpu.hidden_base + (u16_at(a + 1) % hidden_pages) * WIRE_PAGE_SIZE) |
                        (u16_at(a + 3) & 0xfff);
            if (u16_at(a + 5)) {
                s.desc[1] = vgpu.hidden_base + (u16_at(a + 5) % hidden_pages) * WIRE_PAGE_SIZE +
                            0x119;
            }
            s.tail[0] = element_tail(table, ram, s.desc[0]);
            s.tail[1] = s.desc[1] ? element_tail(table, ram, s.desc[1]) : 0;
            fuzz_vgpu_notice(&v, &s);
            fuzz_mediator_pump(m, 0);
            break;
        }
        case 4: {
            struct wire_msg_reset_engines r;

            wire_msg_init(&r, WIRE_MSG_RESET_ENGINES, 6);
            r.engine_mask = (a[0] % WIRE_ENGINE_MASK_ALL) + 1;
            r.generation = ++resets;
            for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
                if (r.engine_mask & 1u << e) {
                    generation[e] = r.generation;
                }
            }
            fuzz_vgpu_notice(&v, &r);
            fuzz_mediator_pump(m, 0);
            break;
        }
        default:
            fuzz_mediator_wait(m, fd, &v);
            break;
        }
    }
    fuzz_mediator_wait(m, fd, &v);
    fuzz_vgpu_release(&v);
    close(fd);
    fuzz_mediator_pump(m, 0);
    /* The session is gone and everything it held is free again. */
    if (!fuzz_mediator_all_free(m)) {
        abort();
    }
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    struct fuzz_mediator *m = fuzz_mediator();
    const struct med_server_stats *s = med_server_stats(m->server);
    const struct med_vgpu_exec_stats *ex = med_server_exec_stats(m->server);

    report("the GGTT shadow: guest entries synced", ex->ggtt_entries_synced);
    report("the PPGTT shadow: guest PPGTTs shadowed", s->ppgtts_created);
    report("the PPGTT shadow: bad PPGTT notifications", s->ppgtt_bad_notifies);
    report("the PPGTT shadow: entries naming no VM memory", ex->ppgtt_bad_entries);
    report("workload shadowing and med_scan: elements rejected", ex->rejected);
    report("the GPU model: workloads completed", ex->times.workloads);
    report("the GPU model: workloads stopped by a hang", ex->hangs);
    report("RESET_ENGINES served", s->engine_resets);
}
