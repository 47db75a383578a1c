/*
 * Hostile batches through the i915 uAPI: each is one GPU attack the
 * mediator must reject or contain (docs/scanner.md).  A step submits the
 * attack in a context of its own next to a canary buffer, waits until its
 * i915 gave up on it (a rejected workload looks like a hang: heartbeat,
 * engine reset), then checks that the canary is untouched, that i915 refused
 * the batch or had to reset an engine for it (its kernel log says so; the
 * GPU runs a refused request up to the refused command and stops there, as
 * hardware does, so i915 finds it started and guilty), and that the next
 * valid batch,
 * in a fresh context, runs and stores what it should.  The mediator logs
 * each rejection with the vGPU's name; run-guest echoes its log.
 *
 * One attack, a PPGTT entry naming memory the VM does not own, cannot be
 * asked of i915 (it builds the page tables): there the agent acts as a
 * hostile guest kernel would, as root through the vGPU's BARs (below).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define MI_NOOP                 0x00000000u
#define MI_LOAD_REGISTER_IMM_1  0x11000001u     /* one register */
#define MI_BATCH_BUFFER_START   0x18800101u     /* PPGTT, 3 dwords */
#define MI_STORE_DWORD_IMM_GGTT 0x10400002u     /* GGTT address */

#define VA_CANARY               0x00100000ull
#define VA_BATCH                0x02000000ull
#define VA_UNMAPPED             0x7f0000000000ull   /* nothing is bound there */
#define BATCH_SIZE              16384
#define CANARY_SIZE             4096
#define CANARY_BYTE             0x6b

/* Graphics addresses outside any gpumed-8 partition (docs/vgpu.md). */
#define GGTT_OUTSIDE            0x10000000ull
/* A register no batch may load: the GPU's domain reset. */
#define GEN6_GDRST              0x941c

/* Writes the attack into @cs (the batch's map at VA_BATCH); returns bytes. */
typedef uint32_t attack_fn(uint32_t *cs);

/* Prepares @ctx for the attack before it is written (NULL: nothing to do). */
typedef bool attack_arm_fn(struct result *r, int fd, uint32_t ctx,
                           const struct gem_buffer *batch);

static uint32_t attack_ggtt_store(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_STORE_DWORD_IMM_GGTT;
    *cs++ = (uint32_t)GGTT_OUTSIDE;
    *cs++ = GGTT_OUTSIDE >> 32;
    *cs++ = 0xdeadbeef;
    return emit_end(start, cs);
}

static uint32_t attack_lri(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_LOAD_REGISTER_IMM_1;
    *cs++ = GEN6_GDRST;
    *cs++ = 1;                  /* reset the whole GPU, every VM's work */
    *cs++ = MI_NOOP;
    return emit_end(start, cs);
}

static uint32_t attack_jump_out(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_BATCH_BUFFER_START;
    *cs++ = (uint32_t)VA_UNMAPPED;
    *cs++ = VA_UNMAPPED >> 32;
    return emit_end(start, cs);
}

/* No MI_BATCH_BUFFER_END: NOOPs to the end of the buffer and beyond. */
static uint32_t attack_unterminated(uint32_t *cs)
{
    memset(cs, 0, BATCH_SIZE);
    return BATCH_SIZE;
}

/* A loop with no way out: it passes the scan (a loop runs its scanned
 * copy) and the GPU's hang detection stops it; i915 then resets the engine. */
static uint32_t attack_endless_loop(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_NOOP;
    *cs++ = MI_BATCH_BUFFER_START;      /* back to the start of this batch */
    *cs++ = (uint32_t)VA_BATCH;
    *cs++ = VA_BATCH >> 32;
    return emit_end(start, cs);
}

/*
 * The PPGTT attack.  i915 keeps its page tables in kernel memory, so the
 * agent reaches them as a hostile guest driver can, through the vGPU's own
 * BARs (sysfs resource0 and resource2, root only):
 *
 * - PVINFO's pdp[0] still holds the PML4 that i915 last announced (g2v
 *   PPGTT create): after the context's first batch, its own;
 * - one GGTT entry of the vGPU's aperture, pointed at any guest-physical
 *   page, makes that page readable and writable through BAR2: the agent
 *   walks the four levels to the PTE of the batch buffer's last page and
 *   points it beyond the guest's RAM.
 *
 * The attack batch then stores through that PTE, with i915's own
 * execbuffer2: the page is already bound, so i915 does not rewrite the
 * entry.  The mediator re-validates the PPGTT at submission, points the
 * entry at its scratch page and counts it (logged with the vGPU's name),
 * and its scanner refuses a store to an address the shadow does not map.
 * The walk to the batch buffer's first page, whose content the agent
 * wrote, proves the PML4 is the context's.
 */
#define BAR0_GGTT               (8u << 20)      /* GGTT entries, 8 bytes each */
#define PVINFO_PAGE             0x78000
#define PVINFO_MAPPABLE_BASE    0x78040
#define PVINFO_MAPPABLE_SIZE    0x78044
#define PVINFO_PDP0             0x78838         /* lo, hi */
#define GTT_PAGE                4096u
#define PTE_PRESENT             1ull
#define PTE_ADDR_MASK           0x00003ffffffff000ull   /* bits 45:12 */

#define VA_VICTIM               (VA_BATCH + BATCH_SIZE - GTT_PAGE)
#define GPA_NOT_RAM             0x2000000000ull     /* 128 GiB: the guest has 1 */
#define PRIME_MARK              0x7070617474616b21ull

/* One GGTT entry of the vGPU's aperture, lent to reach any guest page.
 * Each BAR page is mapped alone: i915 maps the GGTT half of BAR0
 * write-combining, and one mapping across both halves is refused (PAT). */
struct ram_window {
    volatile uint8_t *pvinfo;
    volatile uint64_t *entry;
    uint64_t saved;             /* i915's value, put back on close */
    volatile uint64_t *page;    /* the aperture page that entry maps */
};

/* The page of BAR @bar holding @offset; the pointer is to @offset. */
static volatile void *map_bar_page(struct result *r, const char *addr, int bar, uint64_t offset)
{
    char path[128];
    uint8_t *map;
    int fd;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", addr, bar);
    fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
    if (fd < 0) {
        result_add(r, "error", "%s:%s", path, strerror(errno));
        return NULL;
    }
    map = mmap(NULL, GTT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
               (off_t)(offset & ~(uint64_t)(GTT_PAGE - 1)));
    close(fd);
    if (map == MAP_FAILED) {
        result_add(r, "error", "mmap-%s:%s", path, strerror(errno));
        return NULL;
    }
    return map + offset % GTT_PAGE;
}

static void unmap_bar_page(volatile void *at)
{
    if (at) {
        munmap((void *)((uintptr_t)at & ~(uintptr_t)(GTT_PAGE - 1)), GTT_PAGE);
    }
}

static uint32_t pvinfo_read32(const struct ram_window *w, uint32_t offset)
{
    return *(volatile uint32_t *)(w->pvinfo + offset - PVINFO_PAGE);
}

/* The last page of the vGPU's aperture: i915 pins its buffers low there. */
static bool window_open(struct result *r, struct ram_window *w)
{
    char addr[64];
    uint64_t gma;

    *w = (struct ram_window) { 0 };
    if (!find_vgpu(addr, sizeof(addr))) {
        result_add(r, "error", "no-vgpu");
        return false;
    }
    w->pvinfo = map_bar_page(r, addr, 0, PVINFO_PAGE);
    if (!w->pvinfo) {
        return false;
    }
    gma = (uint64_t)pvinfo_read32(w, PVINFO_MAPPABLE_BASE) +
          pvinfo_read32(w, PVINFO_MAPPABLE_SIZE) - GTT_PAGE;
    w->entry = map_bar_page(r, addr, 0, BAR0_GGTT + gma / GTT_PAGE * 8);
    if (!w->entry) {
        return false;
    }
    w->saved = *w->entry;
    w->page = map_bar_page(r, addr, 2, gma);
    return w->page != NULL;
}

static void window_close(struct ram_window *w)
{
    if (w->page) {
        *w->entry = w->saved;
    }
    unmap_bar_page(w->page);
    unmap_bar_page(w->entry);
    unmap_bar_page(w->pvinfo);
}

static volatile uint64_t *window_at(struct ram_window *w, uint64_t gpa)
{
    *w->entry = (gpa & PTE_ADDR_MASK) | PTE_PRESENT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* out of the write-combining buffer */
    return &w->page[gpa % GTT_PAGE / 8];
}

/* The guest-physical address of the PTE mapping @va under @pml4, or 0. */
static uint64_t pte_of(struct result *r, struct ram_window *w, uint64_t pml4, uint64_t va)
{
    uint64_t table = pml4;

    for (unsigned shift = 39; shift > 12; shift -= 9) {
        uint64_t entry = *window_at(w, table + (va >> shift) % 512 * 8);

        if (!(entry & PTE_PRESENT)) {
            result_add(r, "error", "va-0x%llx-not-mapped-at-level-%u",
                       (unsigned long long)va, (shift - 3) / 9);
            return 0;
        }
        table = entry & PTE_ADDR_MASK;
    }
    return table + (va >> 12) % 512 * 8;
}

/* Runs a first batch in @ctx (its PPGTT is made, the batch buffer bound),
 * then points the PTE of VA_VICTIM beyond the guest's RAM. */
static bool arm_ppgtt_outside_ram(struct result *r, int fd, uint32_t ctx,
                                  const struct gem_buffer *batch)
{
    uint32_t *cs = batch->map, len = emit_end(cs, cs);
    uint64_t pml4, first_pte, victim_pte, page;
    struct ram_window w;
    bool ok = false;
    int err;

    /* After the end: found again through the walk, it proves the PML4. */
    memcpy((uint8_t *)cs + len, &(uint64_t) { PRIME_MARK }, sizeof(uint64_t));
    err = gem_execute(fd, ctx, I915_EXEC_RENDER, batch, 0, len, NULL, 0);
    if (!err) {
        err = gem_wait(fd, batch);
    }
    if (err) {
        result_add(r, "error", "first-batch:%s", strerror(err));
        return false;
    }
    if (!window_open(r, &w)) {
        goto out;
    }
    pml4 = pvinfo_read32(&w, PVINFO_PDP0) | (uint64_t)pvinfo_read32(&w, PVINFO_PDP0 + 4) << 32;
    result_add(r, "pml4", "0x%llx", (unsigned long long)pml4);
    if (!(first_pte = pte_of(r, &w, pml4, VA_BATCH)) ||
        !(victim_pte = pte_of(r, &w, pml4, VA_VICTIM))) {
        goto out;
    }
    page = *window_at(&w, first_pte) & PTE_ADDR_MASK;
    if (*window_at(&w, page + len) != PRIME_MARK) {
        result_add(r, "error", "pml4-not-the-context");
        goto out;
    }
    page = *window_at(&w, victim_pte);
    *window_at(&w, victim_pte) = (page & ~PTE_ADDR_MASK) | GPA_NOT_RAM;
    result_log(r, "PTE of 0x%llx at 0x%llx: 0x%llx -> 0x%llx", (unsigned long long)VA_VICTIM,
               (unsigned long long)victim_pte, (unsigned long long)page,
               (unsigned long long)*window_at(&w, victim_pte));
    ok = true;
out:
    window_close(&w);
    return ok;
}

/* A store through the redirected entry. */
static uint32_t attack_ppgtt_store(uint32_t *cs)
{
    return emit_end(cs, emit_store(cs, VA_VICTIM, 0xdeadbeef));
}

/* What i915 logs when it resets an engine for a hung request. */
#define RESET_MARK              "Resetting rcs0"

/* The kernel log from now on. */
static int kmsg_follow(struct result *r)
{
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
        result_add(r, "error", "/dev/kmsg:%s", strerror(errno));
    }
    return fd;
}

/* Did the kernel log a line with @mark since kmsg_follow()?  Logs the line. */
static bool kmsg_saw(struct result *r, int fd, const char *mark)
{
    char record[1024];
    ssize_t n;

    while ((n = read(fd, record, sizeof(record) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
        char *text;

        if (n <= 0) {
            continue;
        }
        record[n] = '\0';
        record[strcspn(record, "\n")] = '\0';     /* not the key=value lines */
        text = strchr(record, ';');
        if (text && strstr(text, mark)) {
            result_log(r, "kernel: %s", text + 1);
            return true;
        }
    }
    return false;
}

/* i915's reset statistics of @ctx (the reset count is the GPU's, for root). */
static bool reset_stats(struct result *r, int fd, uint32_t ctx,
                        struct drm_i915_reset_stats *stats)
{
    *stats = (struct drm_i915_reset_stats) { .ctx_id = ctx };
    if (ioctl(fd, DRM_IOCTL_I915_GET_RESET_STATS, stats)) {
        result_add(r, "error", "reset_stats:%s", strerror(errno));
        return false;
    }
    return true;
}

/* The valid batch after the attack: a store, read back. */
static bool next_batch_works(struct result *r, int fd)
{
    struct gem_buffer batch, target;
    uint32_t ctx = 0, want = 0x600dcafe, *cs;
    bool ok = false;

    if (!gem_context_create(r, fd, &ctx) ||
        !gem_buffer_create(r, fd, 4096, VA_CANARY, &target) ||
        !gem_buffer_create(r, fd, 4096, VA_BATCH, &batch)) {
        goto out;
    }
    cs = batch.map;
    ok = gem_run(r, fd, ctx, I915_EXEC_RENDER, &batch,
                 emit_end(cs, emit_store(cs, VA_CANARY, want)), &target) &&
         bytes_match(r, "next-batch", target.map, (const uint8_t *)&want, sizeof(want));
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    if (ctx) {
        gem_context_destroy(fd, ctx);
    }
    return ok;
}

static bool run_attack(struct result *r, attack_arm_fn *arm, attack_fn *attack)
{
    static uint8_t canary_want[CANARY_SIZE];
    struct gem_buffer batch, canary;
    const struct gem_buffer *targets[1] = { &canary };
    struct drm_i915_reset_stats before, after;
    uint32_t ctx = 0, len;
    int err, kmsg = -1, fd = gem_open(r);
    bool contained = false, ok = false;

    if (fd < 0) {
        return false;
    }
    memset(canary_want, CANARY_BYTE, sizeof(canary_want));
    if (!gem_context_create(r, fd, &ctx) ||
        !gem_buffer_create(r, fd, CANARY_SIZE, VA_CANARY, &canary) ||
        !gem_buffer_create(r, fd, BATCH_SIZE, VA_BATCH, &batch)) {
        goto out;
    }
    memset(canary.map, CANARY_BYTE, CANARY_SIZE);
    if (arm && !arm(r, fd, ctx, &batch)) {
        goto out;
    }
    len = attack(batch.map);
    kmsg = kmsg_follow(r);
    if (kmsg < 0 || !reset_stats(r, fd, ctx, &before)) {
        goto out;
    }
    err = gem_execute(fd, ctx, I915_EXEC_RENDER, &batch, 0, len, targets, 1);
    result_add(r, "execbuf", "%s", err ? strerror(err) : "accepted");
    if (!err) {
        err = gem_wait(fd, &canary);
        result_add(r, "wait", "%s", err ? strerror(err) : "idle");
        if (err) {
            goto out;               /* still running: not contained */
        }
    }
    if (!reset_stats(r, fd, ctx, &after)) {
        goto out;
    }
    result_add(r, "gpu_resets", "%u", after.reset_count - before.reset_count);
    result_add(r, "guilty", "%u", after.batch_active);
    /* Refused by i915 itself, or stopped: an engine or the GPU was reset for it. */
    contained = err != 0 || after.reset_count > before.reset_count || after.batch_active ||
                kmsg_saw(r, kmsg, RESET_MARK);
    result_add(r, "contained", "%s", contained ? "yes" : "no");
    ok = contained && bytes_match(r, "canary", canary.map, canary_want, CANARY_SIZE);
    if (ok) {
        ok = next_batch_works(r, fd);
        result_add(r, "next_batch", "%s", ok ? "ok" : "failed");
    }
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &canary);
    if (ctx) {
        gem_context_destroy(fd, ctx);
    }
    if (kmsg >= 0) {
        close(kmsg);
    }
    close(fd);
    return ok;
}

bool step_hostile_ggtt_store(struct result *r)
{
    return run_attack(r, NULL, attack_ggtt_store);
}

bool step_hostile_lri(struct result *r)
{
    return run_attack(r, NULL, attack_lri);
}

bool step_hostile_jump(struct result *r)
{
    return run_attack(r, NULL, attack_jump_out);
}

bool step_hostile_unterminated(struct result *r)
{
    return run_attack(r, NULL, attack_unterminated);
}

bool step_hostile_loop(struct result *r)
{
    return run_attack(r, NULL, attack_endless_loop);
}

bool step_hostile_ppgtt(struct result *r)
{
    return run_attack(r, arm_ppgtt_outside_ram, attack_ppgtt_store);
}

/*
 * The GPU as the VM's own behind an IOMMU (pgpu-pci, intel_iommu=on): the
 * agent, as a hostile guest kernel would, points the GGTT entries of the
 * ring its context runs from at an I/O virtual address the IOMMU maps
 * nothing at (through BAR0, root only), and submits again on that context.
 * The engine's fetch is refused: the IOMMU records the fault and signals
 * it, and the guest's VT-d driver logs it naming 00:02.0.  QEMU survives
 * the engine's refused access, which comes from a thread of the model's
 * own (docs/gpu-model.md), and counts it (run-guest checks its report).
 */
#define RCS_RING_START          0x2038
#define RCS_RING_CTL            0x203c
#define RING_CTL_PAGES(ctl)     ((((ctl) >> 12) & 0x1ff) + 1)
#define RING_MAX_PAGES          64
/* Within the IOMMU's 39 bits; the IOVAs Linux hands out start below 4 GiB. */
#define IOVA_UNMAPPED           0x7fdead0000ull
#define DMAR_GPU_FAULT_MARK     "Request device [00:02.0] fault addr 0x7fdead"
#define DMAR_WAIT_SECONDS       20

static bool submit_store(struct result *r, int fd, struct gem_buffer *batch,
                         struct gem_buffer *target, bool wait)
{
    uint32_t len = emit_end(batch->map, emit_store(batch->map, VA_CANARY, 0x600df00d));
    const struct gem_buffer *targets[] = { target };
    int err = gem_execute(fd, 0, I915_EXEC_RENDER, batch, 0, len, targets, 1);

    if (!err && wait) {
        err = gem_wait(fd, target);
    }
    if (err) {
        result_add(r, "error", "store:%s", strerror(err));
    }
    return !err;
}

bool step_hostile_iommu(struct result *r)
{
    volatile uint64_t *pte[RING_MAX_PAGES] = { 0 };
    uint64_t saved[RING_MAX_PAGES];
    struct gem_buffer batch = { 0 }, target = { 0 };
    volatile uint32_t *reg;
    uint32_t start, pages = 0;
    bool seen = false;
    char addr[64];
    int kmsg = -1, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    if (!find_vgpu(addr, sizeof(addr)) ||
        !gem_buffer_create(r, fd, CANARY_SIZE, VA_CANARY, &target) ||
        !gem_buffer_create(r, fd, BATCH_SIZE, VA_BATCH, &batch) ||
        !submit_store(r, fd, &batch, &target, true)) {
        goto out;
    }
    /* The ring the file's default context ran from, as the engine saw it. */
    reg = map_bar_page(r, addr, 0, RCS_RING_START);
    if (!reg) {
        goto out;
    }
    start = reg[0] & ~(GTT_PAGE - 1);
    pages = RING_CTL_PAGES(reg[1]);
    unmap_bar_page(reg);
    result_add(r, "ring", "0x%x+%u", start, pages);
    if (!start || pages > RING_MAX_PAGES) {
        result_add(r, "error", "no-ring");
        pages = 0;
        goto out;
    }
    for (uint32_t i = 0; i < pages; i++) {
        pte[i] = map_bar_page(r, addr, 0, BAR0_GGTT + (start / GTT_PAGE + i) * 8ull);
        if (!pte[i]) {
            pages = i;
            goto out;
        }
        saved[i] = *pte[i];
        *pte[i] = IOVA_UNMAPPED | PTE_PRESENT;
    }
    kmsg = kmsg_follow(r);
    submit_store(r, fd, &batch, &target, true);
    for (int s = 0; s < DMAR_WAIT_SECONDS && !(seen = kmsg_saw(r, kmsg, DMAR_GPU_FAULT_MARK));
         s++) {
        sleep(1);
    }
    result_add(r, "dmar_fault", "%s", seen ? "logged" : "missing");
out:
    for (uint32_t i = 0; i < pages; i++) {
        *pte[i] = saved[i];
        unmap_bar_page(pte[i]);
    }
    if (kmsg >= 0) {
        close(kmsg);
    }
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    close(fd);
    return seen;
}
