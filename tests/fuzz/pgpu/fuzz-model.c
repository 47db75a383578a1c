/*
 * Fuzz the Skylake model with hostile input of every kind it accepts:
 * memory contents (command streams, context images, page tables), register
 * writes, GGTT entries, submissions, aperture accesses, DMA unmaps and
 * resets, while its engines run; and its display's vblanks and scan-out
 * as an owner shows it (pgpu-pci's console).
 *
 * The model's only memory is one DMA-mapped region between PROT_NONE guard
 * pages; the model is compiled into this target with ASan, so any access
 * outside the DMA map (or any crash) stops the fuzzer.  To give the fuzzer a
 * head start, the harness lays out a valid context: image at GGTT page 0,
 * ring at GGTT page 4 (one page), PML4 at region page 8, status page at 31;
 * tests/fuzz/corpus/pgpu-model/ seeds build on it.  The regions are
 * allocated once and live as long as the process.
 *
 * Input: records of {u8 kind, u8 arg, u16 index, u32 value}.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgpu/pgpu.h"
#include "pgpu/skl-regs.h"
#include "tests/fuzz/pgpu/model-harness.h"
#include "tests/fuzz/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION_PAGES    32
#define REGION_BYTES    (REGION_PAGES * PGPU_PAGE_SIZE)
#define REGION_BUS      0x40000000ull
#define SPARE_BUS       0x80000000ull     /* a second mapping the input may unmap */
#define STATUS_PAGE     31
#define RING_PAGE       4
#define PML4_PAGE       8

enum record_kind {
    REC_MEMORY,         /* region dword @index = value */
    REC_MMIO_WRITE,     /* register (index << 2 | arg << 18) = value */
    REC_MMIO_READ,
    REC_GGTT,           /* GGTT entry index (+ arg << 16) = region page value % 40, or raw */
    REC_SUBMIT,         /* tail = value, ELSP on engine arg with descriptor from index */
    REC_RESET,
    REC_UNMAP_SPARE,
    REC_WAIT,           /* the engines settle; if arg is odd, first a vblank and the
                           plane and cursor shown (a kind of its own would renumber
                           the corpus's records) */
    REC_APERTURE,       /* 16 bytes at aperture offset value, written if arg is odd */
    REC_KINDS
};

/* What the model did over every input: its own counters, and the
 * accesses it served (reach.h). */
static struct {
    struct pgpu_stats stats;
    uint64_t irqs, aperture_served, unmapped;
    uint64_t planes_shown, cursors_shown, pages_refused;
} reached;

struct record {
    uint8_t kind;
    uint8_t arg;
    uint16_t index;
    uint32_t value;
} __attribute__((packed));

static void mmio_write(struct pgpu *gpu, uint32_t offset, uint32_t value)
{
    pgpu_skl_model.mmio_write(gpu, offset, value, 4);
}

static void setup(struct pgpu *gpu, uint8_t *region)
{
    uint32_t *state = (uint32_t *)(region + PGPU_PAGE_SIZE);

    for (unsigned page = 0; page < REGION_PAGES; page++) {
        pgpu_skl_model.ggtt_write(gpu, page, (REGION_BUS + page * PGPU_PAGE_SIZE) | 1);
    }
    state[CTX_RING_START_DW] = RING_PAGE * PGPU_PAGE_SIZE;
    state[CTX_RING_CTL_DW] = RING_VALID;
    state[CTX_PDP_LDW_DW(0)] = (uint32_t)(REGION_BUS + PML4_PAGE * PGPU_PAGE_SIZE);
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint32_t base = gen9_engines[e].base;

        mmio_write(gpu, base + RING_HWS_PGA, STATUS_PAGE * PGPU_PAGE_SIZE);
        mmio_write(gpu, base + RING_MODE_GEN7, MASKED_BIT_ENABLE(GFX_RUN_LIST_ENABLE));
    }
    mmio_write(gpu, GEN8_GT_IER(0), ~0u);
    mmio_write(gpu, GEN8_GT_IMR(0), 0);
    mmio_write(gpu, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
}

/*
 * Show what the display decoded as pgpu-pci's console does: every listed
 * page must be one the owner can read (here: the DMA region; anything
 * else is refused back, as the console's map does), and the copy stays in
 * the picture.  False when nothing is shown.
 */
static bool show(struct pgpu *gpu, uint8_t *region, struct gen9_fb *fb)
{
    const uint8_t **pages = malloc(fb->page_count * sizeof(*pages));
    uint8_t *picture = malloc((size_t)fb->width * fb->height * fb->cpp);
    bool shown = pages && picture;

    for (size_t i = 0; shown && i < fb->page_count; i++) {
        uint64_t addr = fb->page_addr[i];

        if (addr < REGION_BUS || addr >= REGION_BUS + REGION_BYTES) {
            pgpu_skl_model.display_refuse_page(gpu, fb, i);
            reached.pages_refused++;
            shown = false;
        } else {
            pages[i] = region + (addr - REGION_BUS);
        }
    }
    if (shown) {
        gen9_fb_copy(fb, pages, picture, (size_t)fb->width * fb->cpp, NULL, NULL);
    }
    free(pages);
    free(picture);
    return shown;
}

static void display(struct pgpu *gpu, uint8_t *region)
{
    static struct gen9_fb fb;
    static struct gen9_cursor cursor;

    pgpu_skl_model.display_vblank(gpu);
    if (pgpu_skl_model.display_plane(gpu, &fb) == GEN9_PLANE_OK) {
        reached.planes_shown += show(gpu, region, &fb);
        if (pgpu_skl_model.display_cursor(gpu, fb.pipe, &cursor) == GEN9_PLANE_OK) {
            reached.cursors_shown += show(gpu, region, &cursor.fb);
        }
    }
}

static void count_irq(void *opaque)
{
    __atomic_fetch_add((unsigned *)opaque, 1, __ATOMIC_RELAXED);
}

static void apply(struct pgpu *gpu, uint8_t *region, bool *spare_mapped,
                  const struct record *r)
{
    uint32_t *mem = (uint32_t *)region;
    enum gen9_engine engine = r->arg % GEN9_NUM_ENGINES;
    uint32_t base = gen9_engines[engine].base;

    switch (r->kind % REC_KINDS) {
    case REC_MEMORY:
        __atomic_store_n(&mem[r->index % (REGION_BYTES / 4)], r->value, __ATOMIC_RELAXED);
        break;
    case REC_MMIO_WRITE:
        pgpu_skl_model.mmio_write(gpu, (uint32_t)r->index << 2 | (uint32_t)r->arg << 18,
                                  r->value, r->arg & 0x80 ? 8 : 4);
        break;
    case REC_MMIO_READ:
        pgpu_skl_model.mmio_read(gpu, (uint32_t)r->index << 2 | (uint32_t)r->arg << 18,
                                 r->arg & 0x80 ? 8 : 4);
        break;
    case REC_GGTT:
        pgpu_skl_model.ggtt_write(gpu, r->index | (uint32_t)r->arg << 16,
                                  r->value & 0x80000000 ? r->value :
                                  (REGION_BUS + (r->value % 40) * PGPU_PAGE_SIZE) | 1);
        break;
    case REC_SUBMIT:
        __atomic_store_n(&mem[PGPU_PAGE_SIZE / 4 + CTX_RING_TAIL_DW], r->value,
                         __ATOMIC_RELAXED);
        for (unsigned i = 0; i < 3; i++) {
            mmio_write(gpu, base + RING_ELSP, 0);
        }
        /* LRCA from index, valid, 4-level or 3-level, privileged */
        mmio_write(gpu, base + RING_ELSP,
                   (uint32_t)(r->index & 0x1f) << 12 | (r->index & 0x8000 ? 0x109 : 0x119));
        break;
    case REC_RESET:
        pgpu_skl_model.reset_engine(gpu, engine);
        break;
    case REC_UNMAP_SPARE:
        if (*spare_mapped) {
            reached.unmapped += !pgpu_skl_model.dma_unmap(gpu, SPARE_BUS, PGPU_PAGE_SIZE);
            *spare_mapped = false;
        }
        break;
    case REC_WAIT:
        if (r->arg & 1) {
            display(gpu, region);
        }
        fuzz_settle(gpu);
        break;
    case REC_APERTURE: {
        uint8_t bytes[16] = { r->arg };

        reached.aperture_served +=
            !pgpu_skl_model.aperture_access(gpu, r->value, bytes, sizeof(bytes), r->arg & 1);
        break;
    }

    }
}

static void add_stats(struct pgpu *gpu, unsigned irqs)
{
    struct pgpu_stats st;

    pgpu_skl_model.get_stats(gpu, &st);
    reached.stats.commands += st.commands;
    reached.stats.context_switches += st.context_switches;
    reached.stats.bad_mmio += st.bad_mmio;
    reached.stats.refused_reg_accesses += st.refused_reg_accesses;
    reached.stats.bad_submissions += st.bad_submissions;
    reached.stats.gpu_faults += st.gpu_faults;
    reached.stats.bad_commands += st.bad_commands;
    reached.stats.hangs += st.hangs;
    reached.stats.engine_resets += st.engine_resets;
    reached.irqs += irqs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct pgpu_config config = {
        .name = "fuzz", .aperture_size = PGPU_APERTURE_DEFAULT, .hang_timeout_ms = 2,
    };
    static uint8_t *region, *spare;
    unsigned irqs = 0;
    bool spare_mapped = true;
    struct pgpu *gpu;
    struct record r;

    if (!region) {
        region = fuzz_guarded_alloc(REGION_BYTES);
        spare = fuzz_guarded_alloc(PGPU_PAGE_SIZE);
    }
    memset(region, 0, REGION_BYTES);
    gpu = pgpu_skl_model.create(&config);
    if (!gpu || pgpu_skl_model.dma_map(gpu, REGION_BUS, region, REGION_BYTES) ||
        pgpu_skl_model.dma_map(gpu, SPARE_BUS, spare, PGPU_PAGE_SIZE)) {
        __builtin_trap();
    }
    pgpu_skl_model.set_irq_handler(gpu, count_irq, &irqs);
    setup(gpu, region);
    for (; size >= sizeof(r); data += sizeof(r), size -= sizeof(r)) {
        memcpy(&r, data, sizeof(r));
        apply(gpu, region, &spare_mapped, &r);
    }
    fuzz_settle(gpu);
    add_stats(gpu, irqs);
    /* destroying with engines possibly still running is part of the test */
    pgpu_skl_model.destroy(gpu);
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    report("submissions: contexts switched in", reached.stats.context_switches);
    report("command streams: commands executed", reached.stats.commands);
    report("command streams: bad commands stopped", reached.stats.bad_commands);
    report("page tables and GGTT: faults on unmapped addresses", reached.stats.gpu_faults);
    report("register writes: accesses refused", reached.stats.bad_mmio);
    report("submissions: ELSP writes refused", reached.stats.bad_submissions);
    report("the hang detector: hangs", reached.stats.hangs);
    report("resets: engines reset", reached.stats.engine_resets);
    report("interrupts raised", reached.irqs);
    report("aperture accesses served", reached.aperture_served);
    report("DMA unmaps of a mapped range", reached.unmapped);
    report("display: planes shown", reached.planes_shown);
    report("display: cursors shown", reached.cursors_shown);
    report("display: pages no owner can read, refused", reached.pages_refused);
}
