/*
 * session.c - one client's protocol session: the staged set-up of its vGPU
 * (HELLO, ADD_MEMORY, CREATE_VGPU), the messages of a running vGPU, and the
 * teardown that frees everything the client held.
 *
 * Every message has passed wire_msg_valid() before a handler sees it; the
 * handlers check what depends on the session's state.  A message out of
 * order ends the session; a well-formed request that cannot be honoured is
 * answered with an error and the session goes on.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/private.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mediator/trace-points.h"

/* The wire protocol, the allocator and the backend describe the same GGTT. */
static_assert(WIRE_GGTT_ENTRIES == PGPU_GGTT_ENTRIES, "GGTT entries");
static_assert(WIRE_GGTT_SPACE == MED_GM_SPACE && WIRE_GGTT_SPACE == PGPU_GGTT_SIZE, "GGTT size");
static_assert(WIRE_FENCE_COUNT == MED_GM_FENCES, "fence registers");
static_assert(WIRE_PAGE_SIZE == PGPU_PAGE_SIZE, "page size");
static_assert(WIRE_GPA_LIMIT == 1ull << MED_BUS_WINDOW_SHIFT, "a guest fits its bus window");

#define GUEST_ERROR_LOG_BURST   16      /* then guest errors are only counted */
#define MESSAGES_PER_WAKEUP     16      /* fairness between clients */
#define RESET_BURST_GAP_NS      (10 * 1000000000ull)   /* engine resets closer than this: one burst */

void med_session_log(const struct session *s, enum med_log_level level, const char *fmt, ...)
{
    char text[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (s->stage == SESSION_VGPU_CREATED) {
        med_log(level, "vgpu %" PRIu32 " (%s): %s", s->vgpu.id, s->vm_name, text);
    } else {
        med_log(level, "client %" PRIu32 " (%s): %s", s->client_id, s->vm_name, text);
    }
}

/* Guest-triggered problems: counted by the caller, logged up to a burst. */
static void guest_error(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void guest_error(struct session *s, const char *fmt, ...)
{
    /* A notice's text whole: IGT's rules read a rejection's kind from
     * both its ends (tests/guest/igt_results.py). */
    char text[sizeof(((struct med_vgpu_notice *)NULL)->text)];
    va_list ap;

    if (s->guest_errors_logged >= GUEST_ERROR_LOG_BURST) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    med_session_log(s, MED_LOG_WARNING, "guest error: %s%s", text,
                    ++s->guest_errors_logged == GUEST_ERROR_LOG_BURST
                    ? " (further guest errors are only counted)" : "");
}

static bool send_message(struct session *s, const void *msg, const int *fds,
                         unsigned fd_count)
{
    if (wire_msg_send(s->fd, msg, fds, fd_count)) {
        /* The socket is non-blocking: EAGAIN means the client stopped reading. */
        med_session_log(s, MED_LOG_WARNING, "cannot send %s: %s",
                        wire_msg_name(((const struct wire_msg_header *)msg)->type),
                        strerror(errno));
        return false;
    }
    return true;
}

static bool send_status(struct session *s, uint64_t seq, int status)
{
    struct wire_msg_status reply;

    wire_msg_init(&reply, WIRE_MSG_STATUS, seq);
    reply.status = status;
    if (status) {
        s->server->stats.requests_refused++;
    }
    return send_message(s, &reply, NULL, 0);
}

static bool protocol_error(struct session *s, const char *what, const char *why)
{
    s->server->stats.protocol_errors++;
    med_session_log(s, MED_LOG_WARNING, "protocol error: %s%s%s; closing", what,
                    why ? ": " : "", why ? why : "");
    return false;
}

/* ---- HELLO ---- */

static bool handle_hello(struct session *s, const union wire_msg *m, const int *fds)
{
    struct wire_msg_hello_reply reply;
    bool supported = m->hello.version == WIRE_PROTOCOL_VERSION;

    memcpy(s->vm_name, m->hello.vm_name, sizeof(s->vm_name));
    wire_msg_init(&reply, WIRE_MSG_HELLO_REPLY, m->hdr.seq);
    reply.version = WIRE_PROTOCOL_VERSION;
    reply.status = supported ? 0 : -EPROTONOSUPPORT;
    if (!supported) {
        s->server->stats.requests_refused++;
        med_session_log(s, MED_LOG_ERROR, "speaks protocol version %" PRIu32
                        ", this mediator %d: closing", m->hello.version, WIRE_PROTOCOL_VERSION);
        send_message(s, &reply, NULL, 0);
        return false;
    }
    s->stage = SESSION_HELLO_DONE;
    med_session_log(s, MED_LOG_INFO, "connected");
    return send_message(s, &reply, NULL, 0);
}

/* ---- ADD_MEMORY ---- */

static bool bus_slot_alloc(struct med_server *server, unsigned *slot)
{
    for (unsigned n = 1; n < MED_BUS_WINDOWS; n++) {
        if (!(server->bus_slots_used & (1ull << n))) {
            server->bus_slots_used |= 1ull << n;
            *slot = n;
            return true;
        }
    }
    return false;
}

static void bus_slot_free(struct med_server *server, unsigned slot)
{
    server->bus_slots_used &= ~(1ull << slot);
}

static bool ranges_overlap(const struct med_gpa_range *a, const struct med_gpa_range *b)
{
    return a->gpa < b->gpa + b->size && b->gpa < a->gpa + a->size;
}

static uint64_t bus_address(const struct session *s, uint64_t gpa)
{
    return ((uint64_t)s->bus_slot << MED_BUS_WINDOW_SHIFT) + gpa;
}

/*
 * Check one guest RAM range, map it here with @backend and into the GPU's
 * DMA space at the session's bus window (taken with the first range).
 * Returns 0, or a negative errno and *@problem.
 */
static int add_guest_ram(struct session *s, const struct med_ram_backend *backend,
                         const struct med_ram_source *src, struct med_gpa_range range,
                         const char **problem)
{
    struct pgpu *gpu = s->server->gpu;
    struct med_ram_map map;
    int ret;

    if (s->ram_count == MED_RAM_RANGES_MAX) {
        *problem = "too many guest RAM ranges";
        return -ENOSPC;
    }
    if (s->ram_count && (backend != s->ram_backend ||
                         (backend == &med_ram_xen && src->domid != s->xen_domid))) {
        *problem = "every range of one VM must come the same way (one memfd or one domain)";
        return -EINVAL;
    }
    for (unsigned i = 0; i < s->ram_count; i++) {
        if (ranges_overlap(&range, &s->ram[i].range)) {
            *problem = "the range overlaps one added before";
            return -EINVAL;
        }
    }
    if (!s->ram_count && !bus_slot_alloc(s->server, &s->bus_slot)) {
        *problem = "every bus window is taken (one per VM with guest RAM)";
        return -ENOSPC;
    }
    ret = backend->map(src, range.gpa, range.size, &map, problem);
    if (ret) {
        goto out_free_bus_slot;
    }
    ret = gpu->ops->dma_map(gpu, bus_address(s, range.gpa), map.host, range.size);
    if (ret) {
        backend->unmap(&map);
        *problem = "the range cannot be mapped for the GPU";
        goto out_free_bus_slot;
    }
    s->ram[s->ram_count++] = (struct guest_ram) { .range = range, .map = map };
    s->ram_backend = backend;
    s->xen_domid = src->domid;
    return 0;

out_free_bus_slot:
    if (!s->ram_count) {
        bus_slot_free(s->server, s->bus_slot);
    }
    return ret;
}

/* The reply to ADD_MEMORY(_XEN), and the log line naming the backend. */
static bool added_guest_ram(struct session *s, const union wire_msg *m,
                            const struct med_ram_backend *backend,
                            const struct med_ram_source *src, struct med_gpa_range range)
{
    const char *problem = NULL;
    char from[32] = "";
    int status = add_guest_ram(s, backend, src, range, &problem);

    if (backend == &med_ram_xen) {
        snprintf(from, sizeof(from), " of domain %" PRIu32, src->domid);
    }
    if (status) {
        med_session_log(s, MED_LOG_WARNING, "ADD_MEMORY [0x%" PRIx64 ", +0x%" PRIx64
                        ")%s refused (backend %s): %s (%s)", range.gpa, range.size, from,
                        backend->name, problem, strerror(-status));
        return send_status(s, m->hdr.seq, status);
    }
    s->stage = SESSION_MEMORY_ADDED;
    med_session_log(s, MED_LOG_INFO, "guest RAM [0x%" PRIx64 ", 0x%" PRIx64 ")%s mapped with "
                "backend %s at bus 0x%" PRIx64, range.gpa, range.gpa + range.size, from,
                backend->name, bus_address(s, range.gpa));
    return send_status(s, m->hdr.seq, 0);
}

static bool handle_add_memory(struct session *s, const union wire_msg *m, const int *fds)
{
    const struct wire_msg_add_memory *a = &m->add_memory;
    struct med_ram_source src = { .fd = fds[0], .fd_offset = a->fd_offset };
    bool keep = added_guest_ram(s, m, &med_ram_memfd, &src,
                                (struct med_gpa_range) { .gpa = a->gpa, .size = a->size });

    close(fds[0]);      /* a mapping keeps the memory */
    return keep;
}

static bool handle_add_memory_xen(struct session *s, const union wire_msg *m, const int *fds)
{
    const struct wire_msg_add_memory_xen *x = &m->add_memory_xen;
    struct med_ram_source src = { .fd = -1, .domid = x->domid };

    (void)fds;
    return added_guest_ram(s, m, &med_ram_xen, &src,
                           (struct med_gpa_range) { .gpa = x->gpa, .size = x->size });
}

/* ---- CREATE_VGPU ---- */

/* The shared GGTT table and rings: a sealed memfd, mapped here; returns
 * its fd or -1. */
static int shared_table_create(void **table)
{
    int fd = memfd_create("gpumed-ggtt", MFD_CLOEXEC | MFD_ALLOW_SEALING), err;

    if (fd < 0) {
        return -1;
    }
    if (ftruncate(fd, WIRE_SHARED_SIZE) ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
        goto out_close;
    }
    *table = mmap(NULL, WIRE_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (*table == MAP_FAILED) {
        goto out_close;
    }
    return fd;

out_close:
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

/* The VM's memory as the workload path may reach it. */
static struct med_vgpu_mem guest_memory(const struct session *s)
{
    struct med_vgpu_mem mem = {
        .ram_count = s->ram_count,
        .bus_base = bus_address(s, 0),
        .partition = s->vgpu.partition,
        .guest_ptes = s->vgpu.table,
    };

    for (unsigned i = 0; i < s->ram_count; i++) {
        mem.ram[i] = s->ram[i].range;
        mem.host[i] = s->ram[i].map.host;
    }
    return mem;
}

static void send_complete(struct session *s, enum gen9_engine engine, uint32_t event,
                          uint64_t desc, uint32_t ring_head, uint32_t flags,
                          uint32_t engine_error)
{
    struct wire_ring *ring = &s->vgpu.complete_ring;
    struct wire_msg_complete done;
    uint32_t first = ring->next;

    if (s->failed) {
        return;
    }
    MED_TRACE(complete, s->vgpu.id, engine, desc, event);
    wire_msg_init(&done, WIRE_MSG_COMPLETE, 0);
    done.engine = engine;
    done.event = event;
    done.desc = desc;
    done.ring_head = ring_head;
    done.generation = s->vgpu.engine_generation[engine];
    done.flags = flags;
    done.engine_error = engine_error;
    if (event == WIRE_EVENT_REJECTED) {
        s->server->stats.submissions_rejected++;
    }
    /* The server closes a failed session once the event at hand is
     * handled: the ring holds more than any engine queue may, so a full
     * one is a client that stopped taking completions. */
    if (!wire_ring_put(ring, &done)) {
        med_session_log(s, MED_LOG_WARNING, "cannot send COMPLETE: the completion ring is full");
        s->failed = true;
        return;
    }
    s->vgpu.doorbell_due |= wire_ring_publish(ring, first);
}

/* What the last call into the submission noticed and reported. */
static void take_results(struct session *s)
{
    struct med_vgpu_submission *sub = s->vgpu.submission;
    unsigned count;
    const struct med_vgpu_notice *n = med_vgpu_submission_take_notices(sub, &count);
    const struct med_vgpu_completion *c;

    for (unsigned i = 0; i < count; i++) {
        if (n[i].text[0]) {
            guest_error(s, "%s", n[i].text);
        }
        if (n[i].guard) {
            med_session_guard_event(s, n[i].event);
        }
    }
    c = med_vgpu_submission_take_completions(sub, &count);
    for (unsigned i = 0; i < count; i++) {
        send_complete(s, c[i].engine, c[i].event, c[i].desc, c[i].ring_head, c[i].flags,
                      c[i].engine_error);
    }
}

void med_session_after_submission(struct session *s)
{
    take_results(s);
    while (med_vgpu_submission_can_shadow(s->vgpu.submission) && med_session_may_work(s) &&
           !s->shadowed_in_hold) {
        med_vgpu_submission_shadow_next(s->vgpu.submission);
        take_results(s);
        s->shadowed_in_hold = s->server->dispatch_held;
    }
}

void med_session_shadow_held_back(struct session *s)
{
    struct cost_span span;

    s->shadowed_in_hold = false;
    if (s->failed || s->stage != SESSION_VGPU_CREATED) {
        return;
    }
    med_cost_span_begin(s->server, &span, s);
    med_session_after_submission(s);
    med_cost_span_end(s->server, &span);
}

void med_session_workload_done(struct session *s, struct med_sched_workload *w)
{
    struct cost_span span;

    med_cost_span_begin(s->server, &span, s);
    med_vgpu_submission_done(w);
    med_session_after_submission(s);
    med_cost_span_end(s->server, &span);
}

void med_session_tick_loops(struct session *s)
{
    struct cost_span span;

    if (s->stage != SESSION_VGPU_CREATED || s->failed || !med_session_may_work(s)) {
        return;
    }
    med_cost_span_begin(s->server, &span, s);
    med_vgpu_submission_tick_loops(s->vgpu.submission);
    med_session_after_submission(s);
    med_cost_span_end(s->server, &span);
}

/*
 * Give the session's vGPU (@id) its partition (a new one of @type, or
 * @reserved's), shared table and GGTT shadow.  Returns the shared table's
 * descriptor, or -1 with errno and @detail saying why, having undone what
 * was done.
 */
static int vgpu_setup(struct session *s, const struct med_vgpu_type *type,
                      struct reserved_vgpu *reserved, uint32_t id, char *detail,
                      size_t detail_size)
{
    struct med_server *server = s->server;
    struct session_vgpu *v = &s->vgpu;
    struct med_gpa_range ram[MED_RAM_RANGES_MAX];
    uint64_t ram_end = 0;
    int table_fd, err;

    if (reserved) {
        v->partition = reserved->partition;
    } else if (med_partition_alloc(server, type, &v->partition, detail, detail_size)) {
        return -1;
    }
    err = -med_host_buf_alloc(server->host_mem, WIRE_PAGE_SIZE, &v->scratch);
    if (err) {
        snprintf(detail, detail_size, "cannot map its scratch page: %s", strerror(err));
        goto out_free_partition;
    }
    table_fd = shared_table_create(&v->table);
    if (table_fd < 0) {
        err = errno;
        snprintf(detail, detail_size, "cannot create the shared GGTT table: %s", strerror(err));
        goto out_free_scratch;
    }
    v->doorbell_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (v->doorbell_fd < 0) {
        err = errno;
        snprintf(detail, detail_size, "cannot create the doorbell: %s", strerror(err));
        goto out_unmap_table;
    }
    v->rings = (struct wire_rings *)((char *)v->table + WIRE_SHARED_RINGS_OFFSET);
    wire_ring_init_submit(&v->submit_ring, v->rings);
    wire_ring_init_complete(&v->complete_ring, v->rings);
    for (unsigned i = 0; i < s->ram_count; i++) {
        ram[i] = s->ram[i].range;
        ram_end = ram_end > ram[i].gpa + ram[i].size ? ram_end : ram[i].gpa + ram[i].size;
    }
    if (med_gpu_reach_init(&v->reach, ram_end)) {
        err = errno;
        snprintf(detail, detail_size, "cannot track what its GPU reaches: %s", strerror(err));
        goto out_close_doorbell;
    }
    v->shadow = med_vgpu_ggtt_create(&(struct med_vgpu_ggtt_config) {
        .partition = v->partition,
        .bus_base = bus_address(s, 0),
        .scratch_bus = v->scratch.bus,
        .ram = ram, .ram_count = s->ram_count,
        .guest_ptes = v->table,
        .dirty = (uint64_t *)((char *)v->table + WIRE_GGTT_TABLE_PTES_SIZE),
        .writes = &v->rings->ggtt_writes.value,
        .reach = &v->reach,
        .gpu = server->gpu,
    });
    if (!v->shadow) {
        err = errno;
        snprintf(detail, detail_size, "cannot shadow the GGTT: %s", strerror(err));
        goto out_free_reach;
    }
    v->submission = med_vgpu_submission_create(&(struct med_vgpu_submission_config) {
        .mem = guest_memory(s),
        .host = &server->exec_host,
        .vgpu_id = id,
        .ggtt = v->shadow,
        .reach = &v->reach,
        .table_watch = {
            .seq = &v->rings->table_seq.value, .count = &v->rings->table_count,
            .gpas = v->rings->table_gpa, .max = WIRE_TABLE_WATCH_MAX,
            .writes = &v->rings->table_writes.value,
            .checked = &v->rings->table_checked.value,
        },
        .scratch_bus = v->scratch.bus,
        .opaque = s,
        .share = reserved ? reserved->share :
                 (struct med_sched_share){ .weight = type->weight,
                                           .cap_percent = type->cap_percent },
    });
    if (!v->submission) {
        err = errno;
        snprintf(detail, detail_size, "cannot set up workload submission: %s", strerror(err));
        goto out_destroy_shadow;
    }
    return table_fd;

out_destroy_shadow:
    med_vgpu_ggtt_destroy(v->shadow);
out_free_reach:
    med_gpu_reach_fini(&v->reach);
out_close_doorbell:
    close(v->doorbell_fd);
    v->doorbell_fd = -1;
out_unmap_table:
    munmap(v->table, WIRE_SHARED_SIZE);
    close(table_fd);
out_free_scratch:
    med_host_buf_free(server->host_mem, &v->scratch);
out_free_partition:
    if (!reserved) {
        med_gm_free(server->gm, &v->partition);
    }
    errno = err;
    return -1;
}

/* Undo vgpu_setup(): the partition's host GGTT entries point at the
 * global scratch page again; a reserved vGPU keeps its partition and share
 * for the next VM, nothing else of this one (its scratch page neither). */
static void vgpu_teardown(struct session *s)
{
    struct session_vgpu *v = &s->vgpu;
    const struct med_vgpu_ggtt_stats *st = med_vgpu_ggtt_stats(v->shadow);

    /* Deferrals are the vGPU's own ordering, no guest error: counted, and
     * logged here once (docs/scanner.md, "Batches written by the GPU"). */
    med_session_log(s, MED_LOG_INFO, "%s; its GGTT entries: %" PRIu64 " shadowed, %"
                    PRIu64 " mapped, %" PRIu64 " not present, %" PRIu64 " naming no guest RAM; %"
                    PRIu64 " engine resets; %" PRIu64 " elements deferred behind writers",
                    v->reserved ? "detached and reset, reserved for the next VM" : "destroyed",
                    st->entries_synced, st->mapped, st->not_present, st->bad_address,
                    v->engine_resets, med_vgpu_submission_stats(v->submission)->deferred);
    if (v->reserved) {
        struct med_vgpu_counters used;

        med_vgpu_counters_of_session(s, med_now_ns(), &used);
        med_vgpu_counters_add(&v->reserved->past, &used, false);
        v->reserved->share = *med_vgpu_submission_share(v->submission);
        v->reserved->attached = NULL;
    }
    /* First: the GPU stops using this VM's memory and shadows; then
     * nothing points at its scratch page (unmapping it fences the GPU). */
    med_vgpu_submission_destroy(v->submission);
    med_vgpu_ggtt_destroy(v->shadow);
    med_gpu_reach_fini(&v->reach);
    med_host_buf_free(s->server->host_mem, &v->scratch);
    munmap(v->table, WIRE_SHARED_SIZE);
    close(v->doorbell_fd);      /* out of the event loop's set already */
    if (!v->reserved) {
        med_gm_free(s->server->gm, &v->partition);
    }
    s->server->stats.vgpus_destroyed++;
}

/* The reserved vGPU @name for @s, or NULL with @detail and *@status. */
static struct reserved_vgpu *reserved_for(struct session *s, const char *name, char *detail,
                                          size_t size, int32_t *status)
{
    struct reserved_vgpu *r = med_reserved_find(s->server, name);

    if (!r) {
        snprintf(detail, size, "no vGPU named '%s' (gpumedctl create makes one)", name);
        *status = -ENOENT;
    } else if (r->attached) {
        snprintf(detail, size, "vGPU '%s' is attached to VM '%s'", name, r->attached->vm_name);
        *status = -EBUSY;
    }
    return *status ? NULL : r;
}

static bool handle_create_vgpu(struct session *s, const union wire_msg *m, const int *fds)
{
    const char *name = m->create_vgpu.vgpu_name;
    const struct med_vgpu_type *type = NULL;
    const struct med_partition *p = &s->vgpu.partition;
    struct reserved_vgpu *reserved = NULL;
    struct wire_msg_create_reply reply;
    int table_fd = -1;
    uint32_t id;
    bool sent;

    wire_msg_init(&reply, WIRE_MSG_CREATE_REPLY, m->hdr.seq);
    if (name[0]) {
        reserved = reserved_for(s, name, reply.detail, sizeof(reply.detail), &reply.status);
        type = reserved ? reserved->type : NULL;
    } else if (!(type = m->create_vgpu.type[0] ? med_vgpu_type_find(m->create_vgpu.type) :
                                                 &med_vgpu_types[0])) {
        size_t used = snprintf(reply.detail, sizeof(reply.detail),
                               "unknown vGPU type '%s'; types:", m->create_vgpu.type);

        for (size_t i = 0; i < med_vgpu_type_count && used < sizeof(reply.detail); i++) {
            used += snprintf(reply.detail + used, sizeof(reply.detail) - used, " %s",
                             med_vgpu_types[i].v.name);
        }
        reply.status = -ENOENT;
    }
    id = reserved ? reserved->id : s->server->next_vgpu_id + 1;
    if (!reply.status && (table_fd = vgpu_setup(s, type, reserved, id, reply.detail,
                                                sizeof(reply.detail))) < 0) {
        reply.status = -errno;
    }
    if (reply.status) {
        s->server->stats.requests_refused++;
        med_session_log(s, MED_LOG_ERROR, "cannot create a vGPU %s %s: %s",
                        name[0] ? "named" : "of type", name[0] ? name : m->create_vgpu.type,
                        reply.detail);
        return send_message(s, &reply, NULL, 0);
    }
    med_budget_init(&s->vgpu.budget, &s->server->budget_params, med_now_ns());
    med_guard_init(&s->vgpu.guard, med_now_ns());
    s->vgpu.id = id;
    if (!reserved) {
        s->server->next_vgpu_id = id;
    }
    s->vgpu.reserved = reserved;
    s->vgpu.counting_since_ns = med_now_ns();
    s->vgpu.type = type;
    s->stage = SESSION_VGPU_CREATED;
    s->server->stats.vgpus_created++;
    if (reserved) {
        reserved->attached = s;
    }
    med_session_log(s, MED_LOG_INFO, "%s%s, type %s: aperture [0x%" PRIx64 ", 0x%" PRIx64
                    "), hidden [0x%" PRIx64 ", 0x%" PRIx64 "), fences [%u, %u), bus window %u",
                    reserved ? "attached to reserved vGPU " : "created", reserved ? name : "",
                    type->v.name, p->aperture_base, p->aperture_base + p->aperture_size,
                    p->hidden_base, p->hidden_base + p->hidden_size,
                    p->fence_base, p->fence_base + p->fence_count, s->bus_slot);
    reply.vgpu_id = s->vgpu.id;
    reply.aperture_base = p->aperture_base;
    reply.aperture_size = p->aperture_size;
    reply.hidden_base = p->hidden_base;
    reply.hidden_size = p->hidden_size;
    reply.fence_base = p->fence_base;
    reply.fence_count = p->fence_count;
    reply.host_aperture_size = med_gm_aperture_size(s->server->gm);
    snprintf(reply.type, sizeof(reply.type), "%s", type->v.name);
    reply.monitor_width = type->v.width;
    reply.monitor_height = type->v.height;
    if (med_server_watch_doorbell(s->server, s->vgpu.doorbell_fd, s)) {
        med_session_log(s, MED_LOG_ERROR, "cannot watch its doorbell: %s", strerror(errno));
        close(table_fd);
        return false;   /* the session's teardown frees the vGPU */
    }
    sent = send_message(s, &reply, (int[]){ table_fd, s->vgpu.doorbell_fd }, 2);
    close(table_fd);    /* the client has its own descriptors now */
    return sent;
}

/* ---- a running vGPU ---- */

/* Guest PPGTT lifetimes: each live one is shadowed; bad ones are the guest's doing. */
static bool handle_ppgtt_notify(struct session *s, const union wire_msg *m, const int *fds)
{
    struct med_vgpu_submission *sub = s->vgpu.submission;
    uint64_t root = m->ppgtt_notify.root_gpa;
    const char *problem = NULL;
    int ret;

    if (s->vgpu.guard.stopped) {
        return true;    /* nothing of a stopped vGPU is processed */
    }
    med_session_guard_event(s, MED_GUARD_NOTIFICATION);
    ret = m->ppgtt_notify.op == WIRE_PPGTT_CREATE
          ? med_vgpu_submission_ppgtt_create(sub, root, &problem)
          : med_vgpu_submission_ppgtt_destroy(sub, root, &problem);
    if (!ret) {
        s->server->stats.ppgtts_created += m->ppgtt_notify.op == WIRE_PPGTT_CREATE;
    } else {
        med_session_guard_event(s, MED_GUARD_BAD_NOTIFICATION);
        s->server->stats.ppgtt_bad_notifies++;
        guest_error(s, "PPGTT %s of root 0x%" PRIx64 " ignored: it %s",
                    m->ppgtt_notify.op == WIRE_PPGTT_CREATE ? "create" : "destroy",
                    root, problem);
    }
    return true;
}

/* Each ELSP element becomes a workload; COMPLETE follows, in order per engine. */
static bool handle_submit(struct session *s, const union wire_msg *m, const int *fds)
{
    uint32_t current = s->vgpu.engine_generation[m->submit.engine];

    /* The client sends a reset before any work of its generation. */
    if (m->submit.generation != current) {
        char why[96];

        snprintf(why, sizeof(why), "engine generation %" PRIu32 ", the last reset set %"
                 PRIu32, m->submit.generation, current);
        return protocol_error(s, "SUBMIT", why);
    }

    for (unsigned e = 0; e < 2 && !s->failed; e++) {
        if (!m->submit.desc[e]) {
            continue;
        }
        MED_TRACE(submit, s->vgpu.id, m->submit.engine, m->submit.desc[e]);
        if (s->vgpu.guard.stopped) {
            /* A stopped vGPU's engines fail every element, as a hung GPU's. */
            send_complete(s, m->submit.engine, WIRE_EVENT_REJECTED, m->submit.desc[e], 0, 0, 0);
        } else {
            med_vgpu_submission_submit(s->vgpu.submission, m->submit.engine, m->submit.desc[e],
                                       m->submit.tail[e]);
            med_session_after_submission(s);
        }
    }
    return !s->failed;
}

/* Queued and running work of those engines is dropped without COMPLETE
 * (a stopped vGPU has none); no reply: the client goes on at once (its
 * vCPU never waits for us). */
static bool handle_reset_engines(struct session *s, const union wire_msg *m, const int *fds)
{
    const struct wire_msg_reset_engines *r = &m->reset_engines;
    uint64_t now;
    bool burst;

    MED_TRACE(reset, s->vgpu.id, r->engine_mask, r->generation);
    if (!s->vgpu.guard.stopped) {
        med_vgpu_submission_reset(s->vgpu.submission, r->engine_mask);
        med_session_after_submission(s);
    }
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (r->engine_mask & 1u << e) {
            s->vgpu.engine_generation[e] = r->generation;
        }
    }
    /* i915 resets every engine several times while it probes: a burst
     * (the same engines again, each within RESET_BURST_GAP_NS of the last)
     * gets one line at info level, the rest at debug; all are counted. */
    now = med_now_ns();
    burst = s->vgpu.engine_resets && r->engine_mask == s->vgpu.last_reset_mask &&
            now - s->vgpu.last_reset_ns < RESET_BURST_GAP_NS;
    s->vgpu.last_reset_ns = now;
    s->vgpu.last_reset_mask = r->engine_mask;
    s->vgpu.engine_resets++;
    s->server->stats.engine_resets++;
    med_session_log(s, burst ? MED_LOG_DEBUG : MED_LOG_INFO, "engines 0x%" PRIx32 " reset "
                    "(generation %" PRIu32 ")%s", r->engine_mask, r->generation,
                    burst ? "" : "; the same reset again within 10 s: debug level");
    return true;
}

/* ---- dispatch ---- */

struct message_handler {
    enum session_stage first_stage, last_stage;     /* when the message may come */
    bool (*handle)(struct session *s, const union wire_msg *m, const int *fds);
};

static const struct message_handler handlers[WIRE_MSG_TYPE_END] = {
    [WIRE_MSG_HELLO] = { SESSION_CONNECTED, SESSION_CONNECTED, handle_hello },
    [WIRE_MSG_ADD_MEMORY] = { SESSION_HELLO_DONE, SESSION_MEMORY_ADDED, handle_add_memory },
    [WIRE_MSG_ADD_MEMORY_XEN] = { SESSION_HELLO_DONE, SESSION_MEMORY_ADDED,
                                 handle_add_memory_xen },
    [WIRE_MSG_CREATE_VGPU] = { SESSION_MEMORY_ADDED, SESSION_MEMORY_ADDED, handle_create_vgpu },
    /* The submission ring's (wire_msg_receive() refuses them on the socket);
     * the ring exists once the vGPU does. */
    [WIRE_MSG_PPGTT_NOTIFY] = { SESSION_VGPU_CREATED, SESSION_VGPU_CREATED, handle_ppgtt_notify },
    [WIRE_MSG_SUBMIT] = { SESSION_VGPU_CREATED, SESSION_VGPU_CREATED, handle_submit },
    [WIRE_MSG_RESET_ENGINES] = { SESSION_VGPU_CREATED, SESSION_VGPU_CREATED,
                                handle_reset_engines },
};

/* Receive and handle one message; false when the session must end. */
static bool receive_one(struct session *s, bool *drained)
{
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    const char *why = NULL;
    const struct message_handler *h;
    bool keep;
    ssize_t len = wire_msg_receive(s->fd, WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why);

    if (len == 0) {
        med_session_log(s, MED_LOG_INFO, "disconnected");
        return false;
    }
    if (len < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            *drained = true;
            return true;
        }
        if (errno == EPROTO || errno == EMSGSIZE) {
            return protocol_error(s, "malformed message", why);
        }
        med_session_log(s, MED_LOG_INFO, "connection lost: %s", strerror(errno));
        return false;
    }
    assert(m.hdr.type < WIRE_MSG_TYPE_END);  /* wire_msg_receive() validated it */
    h = &handlers[m.hdr.type];
    if (!h->handle || s->stage < h->first_stage || s->stage > h->last_stage) {
        for (unsigned i = 0; i < fd_count; i++) {
            close(fds[i]);
        }
        return protocol_error(s, wire_msg_name(m.hdr.type), "not expected at this stage");
    }
    keep = h->handle(s, &m, fds);
    return keep;
}

bool med_session_readable(struct session *s)
{
    bool drained = false;

    for (unsigned n = 0; n < MESSAGES_PER_WAKEUP && !drained; n++) {
        struct cost_span span;
        bool keep;

        if (s->stage == SESSION_VGPU_CREATED) {
            med_session_apply_stop(s);
            if (!med_session_may_work(s)) {
                return true;    /* deferred: read again once its budget is back */
            }
        }
        med_cost_span_begin(s->server, &span, s);
        keep = receive_one(s, &drained);
        med_cost_span_end(s->server, &span);
        if (!keep) {
            return false;
        }
    }
    return true;
}

/*
 * Take what the submission ring holds, in order, each notice copied out
 * and validated by wire_ring_get() (the client may rewrite the slots and
 * indices at any time); then ask for the doorbell of the next one.  A
 * vGPU over its budget stops taking (deferred: the rest waits in the ring
 * until it resumes).  False when the session must end.
 */
static bool take_notices(struct session *s)
{
    struct wire_ring *ring = &s->vgpu.submit_ring;
    union wire_msg m;
    const char *why = "";
    int got;

    do {
        uint32_t first = ring->next;

        for (;;) {
            med_session_apply_stop(s);
            if (!med_session_may_work(s)) {
                break;
            }
            got = wire_ring_get(ring, WIRE_PEER_MEDIATOR, &m, &why);
            if (got < 0) {
                return protocol_error(s, "submission ring", why);
            }
            if (!got) {
                break;
            }
            s->server->stats.ring_notices++;
            if (!handlers[m.hdr.type].handle(s, &m, NULL)) {
                return false;
            }
        }
        if (ring->next != first) {
            wire_ring_release(ring);
            /* Full barrier: the client sets room_wanted, then looks at our
             * index; we published it, now look at its flag. */
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            s->vgpu.doorbell_due |= __atomic_load_n(&s->vgpu.rings->room_wanted.value,
                                                    __ATOMIC_RELAXED) != 0;
        }
        if (s->deferred) {
            return true;
        }
    } while (wire_ring_arm(ring));
    return true;
}

bool med_session_doorbell(struct session *s)
{
    struct cost_span span;
    bool keep;

    if (s->stage != SESSION_VGPU_CREATED) {
        return true;
    }
    med_cost_span_begin(s->server, &span, s);
    keep = take_notices(s);
    med_cost_span_end(s->server, &span);
    return keep;
}

bool med_session_has_notices(const struct session *s)
{
    return s->stage == SESSION_VGPU_CREATED && !s->deferred &&
           __atomic_load_n(s->vgpu.submit_ring.produced, __ATOMIC_RELAXED) !=
           s->vgpu.submit_ring.next;
}

void med_session_ring_doorbell(struct session *s)
{
    struct wire_msg_doorbell bell;

    if (!s->vgpu.doorbell_due || s->failed) {
        return;
    }
    s->vgpu.doorbell_due = false;
    wire_msg_init(&bell, WIRE_MSG_DOORBELL, 0);
    /* MSG_DONTWAIT, whatever the client did to its end: a full socket
     * holds DOORBELLs it has not read, one of which is enough. */
    if (send(s->fd, &bell, sizeof(bell), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
        errno != EAGAIN && errno != EWOULDBLOCK) {
        med_session_log(s, MED_LOG_INFO, "cannot send DOORBELL: %s", strerror(errno));
        s->failed = true;
        return;
    }
    s->server->stats.doorbells_sent++;
}

int med_session_watch(struct session *s)
{
    if (med_server_watch(s->server, s->fd, s)) {
        return -1;
    }
    if (s->vgpu.doorbell_fd >= 0 && med_server_watch_doorbell(s->server, s->vgpu.doorbell_fd, s)) {
        int err = errno;

        med_server_unwatch(s->server, s->fd);
        errno = err;
        return -1;
    }
    return 0;
}

void med_session_unwatch(struct session *s)
{
    med_server_unwatch(s->server, s->fd);
    if (s->vgpu.doorbell_fd >= 0) {
        med_server_unwatch(s->server, s->vgpu.doorbell_fd);
    }
}

struct session *med_session_create(struct med_server *server, int fd)
{
    struct session *s = calloc(1, sizeof(*s));

    if (!s) {
        return NULL;
    }
    s->server = server;
    s->fd = fd;
    s->stage = SESSION_CONNECTED;
    s->vgpu.doorbell_fd = -1;
    s->client_id = ++server->next_client_id;
    strcpy(s->vm_name, "?");
    return s;
}

/* Unwind from the stage reached: everything the client held is freed. */
void med_session_destroy(struct session *s)
{
    switch (s->stage) {
    case SESSION_VGPU_CREATED:
        vgpu_teardown(s);
        /* fall through */
    case SESSION_MEMORY_ADDED:
        /* dma_unmap returns once no engine can touch the range. */
        for (unsigned i = 0; i < s->ram_count; i++) {
            struct pgpu *gpu = s->server->gpu;

            gpu->ops->dma_unmap(gpu, bus_address(s, s->ram[i].range.gpa),
                                s->ram[i].range.size);
            s->ram_backend->unmap(&s->ram[i].map);
        }
        bus_slot_free(s->server, s->bus_slot);
        /* fall through */
    case SESSION_HELLO_DONE:
    case SESSION_CONNECTED:
        close(s->fd);
        break;
    }
    free(s);
}
