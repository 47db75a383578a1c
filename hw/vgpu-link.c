/*
 * vgpu-link: vgpu-pci's connection to the gpumed mediator, which owns the
 * physical GPU (docs/protocol.md, wire/client.h).
 *
 * At realize: guest RAM (a shared memfd, or under Xen the domain id and
 * the RAM map) is handed over and the vGPU is
 * created from its type; its partition comes back with the shared GGTT
 * table and rings.  Afterwards the emulation library talks to the mediator
 * through vgpu_link_mediator_ops, and completions arrive on the main loop.
 * Nothing in an MMIO handler waits for the mediator: what the submission
 * ring has no room for waits in the client's queue, moved on from the
 * main loop when the mediator's DOORBELL makes the socket readable; a slow
 * mediator delays the guest's work and nothing else.  If the mediator goes away (end of file, reset connection) the
 * device is marked failed: the guest sees hung engines, QEMU keeps
 * running.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "hw/boards.h"
#include "hw/i386/x86.h"
#include "sysemu/hostmem.h"
#include "sysemu/xen.h"
#include "hw/xen/xen.h"
#include "exec/target_page.h"
#include "qemu/bitmap.h"

#include <grp.h>
#include <pwd.h>

#include "wire/client.h"
#include "trace.h"
#include "vgpu-dirty.h"
#include "vgpu-link.h"

#define MEMORY_BACKEND_MEMFD    "memory-backend-memfd"
#define FOUR_GIB                (4ull << 30)
/* Xen's HVM guests have no RAM behind the legacy VGA window (xen_ram_init). */
#define XEN_VGA_HOLE_START      0xa0000ull
#define XEN_VGA_HOLE_END        0xc0000ull

struct VgpuLink {
    struct wire_client *client;
    struct vgpu *vgpu;
    char *vm_name;
    char *what;                 /* "vGPU <id> (<type>|'<name>')" in the error lines */
    char *type_name;
    bool failed;                /* the mediator is gone */
    /*
     * The watch of the guest's page tables (vgpu_link_tables_written()):
     * guest RAM, its log on; a bit per page looked at since its dirty bit
     * was last cleared by anyone else; whether the console is taking a
     * snapshot of the log; and the console, told of the bits the watch
     * clears.  ram NULL: no watch.
     */
    MemoryRegion *ram;
    uint64_t below_4g, above_4g;
    unsigned long *seen;
    bool console_taking;
    void (*cleared)(void *opaque, MemoryRegion *mr, hwaddr lo, hwaddr hi);
    void *cleared_opaque;
};

/* Every failure of an established connection means the mediator is gone. */
static void vgpu_link_lost(VgpuLink *link)
{
    if (link->failed) {
        return;
    }
    link->failed = true;
    trace_vgpu_link_lost(wire_client_error(link->client));
    error_report("vgpu-pci: %s: %s lost the gpumed mediator (%s): the vGPU is failed, "
                 "its engines hang from now on", link->vm_name, link->what,
                 wire_client_error(link->client));
    qemu_set_fd_handler(wire_client_fd(link->client), NULL, NULL, NULL);
    if (link->vgpu) {
        vgpu_mediator_lost(link->vgpu);
    }
}

static void vgpu_link_ggtt_write(void *opaque, uint32_t index, uint64_t pte)
{
    VgpuLink *link = opaque;

    wire_client_ggtt_write(link->client, index, pte);
}

/*
 * After a client call that sends (@ret its result): false when the queue
 * had no room (ENOBUFS, the connection goes on), else true, with a
 * failed connection reported as the mediator's loss.  What waits in the
 * client's queue moves on from the socket's read handler: the mediator
 * says with a DOORBELL when it took notices the client waits to put.
 */
static bool vgpu_link_sent(VgpuLink *link, int ret)
{
    if (ret && errno == ENOBUFS) {
        return false;
    }
    if (ret) {
        vgpu_link_lost(link);
    }
    return true;
}

static bool vgpu_link_ppgtt_notify(void *opaque, bool create, uint64_t root_gpa)
{
    VgpuLink *link = opaque;
    bool sent = link->failed ||
                vgpu_link_sent(link, wire_client_ppgtt_notify(link->client, create ?
                                                              WIRE_PPGTT_CREATE :
                                                              WIRE_PPGTT_DESTROY, root_gpa));

    trace_vgpu_ppgtt_notify(create, root_gpa, sent);
    return sent;
}

static bool vgpu_link_submit(void *opaque, enum gen9_engine engine, uint64_t desc0,
                             uint32_t tail0, uint64_t desc1, uint32_t tail1)
{
    VgpuLink *link = opaque;

    if (!vgpu_link_sent(link, wire_client_submit(link->client, (enum gen9_engine)engine,
                                                 desc0, tail0, desc1, tail1))) {
        trace_vgpu_elsp_refused(engine, desc0);
        return false;
    }
    trace_vgpu_elsp_submit(engine, desc0, desc1);
    return true;
}

static void vgpu_link_reset_engines(void *opaque, uint32_t engine_mask)
{
    VgpuLink *link = opaque;

    /* Never refused for room: the client keeps a slot per engine for resets. */
    trace_vgpu_reset_engines(engine_mask);
    vgpu_link_sent(link, wire_client_reset_engines(link->client, engine_mask));
}

const struct vgpu_mediator_ops vgpu_link_mediator_ops = {
    .ggtt_write = vgpu_link_ggtt_write,
    .ppgtt_notify = vgpu_link_ppgtt_notify,
    .submit = vgpu_link_submit,
    .reset_engines = vgpu_link_reset_engines,
};

static void vgpu_link_complete(void *opaque, const struct wire_completion *done)
{
    VgpuLink *link = opaque;

    trace_vgpu_complete(done->engine, done->event, done->desc, done->ring_head);
    /* Completions inside create's wait cannot happen: nothing was submitted. */
    if (link->vgpu) {
        vgpu_execlist_complete(link->vgpu, (enum gen9_engine)done->engine, done->event,
                               done->desc, done->ring_head, done->user_interrupt,
                               done->engine_error);
    }
}

/* Where guest page @gpa is in link->ram (RAM below 4 GiB, then above). */
static bool vgpu_link_ram_offset(const VgpuLink *link, uint64_t gpa, hwaddr *offset)
{
    if (gpa < link->below_4g) {
        *offset = gpa;
        return true;
    }
    if (gpa >= FOUR_GIB && gpa - FOUR_GIB < link->above_4g) {
        *offset = link->below_4g + (gpa - FOUR_GIB);
        return true;
    }
    return false;
}

/*
 * The client's dirty log of the listed table pages
 * (wire_client_watch_tables(), docs/protocol.md "Watched tables"), asked
 * before each SUBMIT, inside the ELSP write: each page's own
 * DIRTY_MEMORY_VGA bit, tested and cleared (vgpu_dirty_take_page()),
 * never a snapshot of the log, whose sync lets the vCPUs and the main
 * loop run (TCG waits for every vCPU to leave its translation block) and
 * so re-entered the execlist in the middle of its submission.  A page not
 * looked at since another reader may have cleared its bit counts as
 * written, and so does every page while the console takes its snapshot.
 */
static bool vgpu_link_tables_written(void *opaque, const uint64_t *gpas, unsigned count)
{
    VgpuLink *link = opaque;
    hwaddr page_size = qemu_target_page_size(), size = memory_region_size(link->ram);
    bool written = link->console_taking;

    for (unsigned i = 0; i < count; i++) {
        hwaddr offset;
        bool fresh;

        if (!vgpu_link_ram_offset(link, gpas[i], &offset) ||
            QEMU_ALIGN_DOWN(offset, page_size) + page_size > size) {
            continue;
        }
        offset = QEMU_ALIGN_DOWN(offset, page_size);
        fresh = !test_and_set_bit(offset / page_size, link->seen);
        if (vgpu_dirty_take_page(link->ram, offset, fresh)) {
            written = true;
            if (link->cleared) {
                link->cleared(link->cleared_opaque, link->ram, offset, offset + page_size);
            }
        }
    }
    return written;
}

void vgpu_link_dirty_taking(void *opaque, MemoryRegion *mr, hwaddr lo, hwaddr hi,
                            DirtyBitmapSnapshot *snap)
{
    VgpuLink *link = opaque;
    hwaddr page_size = qemu_target_page_size(), word = page_size * BITS_PER_LONG;
    ram_addr_t base, first, last;
    unsigned long page, end;

    if (!link || !link->seen || mr != link->ram) {
        return;
    }
    link->console_taking = !snap;
    if (!snap) {
        return;
    }
    /* The snapshot took the whole words of the bitmap around [lo, hi). */
    base = memory_region_get_ram_addr(mr);
    first = QEMU_ALIGN_DOWN(base + lo, word);
    last = QEMU_ALIGN_UP(base + hi, word);
    page = (first > base ? first - base : 0) / page_size;
    end = MIN(last - base, memory_region_size(mr)) / page_size;
    for (page = find_next_bit(link->seen, end, page); page < end;
         page = find_next_bit(link->seen, end, page + 1)) {
        if (memory_region_snapshot_get_dirty(mr, snap, page * page_size, page_size)) {
            clear_bit(page, link->seen);
        }
    }
}

void vgpu_link_share_dirty_log(VgpuLink *link,
                               void (*cleared)(void *opaque, MemoryRegion *mr, hwaddr lo,
                                               hwaddr hi),
                               void *opaque)
{
    if (link) {
        link->cleared = cleared;
        link->cleared_opaque = opaque;
    }
}

static void vgpu_link_readable(void *opaque)
{
    VgpuLink *link = opaque;

    if (wire_client_dispatch(link->client)) {
        vgpu_link_lost(link);
    }
}

/*
 * Under Xen guest RAM is the domain's: the mediator maps it by domain id.
 * Hand over the guest's RAM map as QEMU's xen_ram_init() lays it out.
 */
static int vgpu_link_add_xen_memory(VgpuLink *link, X86MachineState *x86ms)
{
    const struct { uint64_t gpa, size; } ranges[] = {
        { 0, XEN_VGA_HOLE_START },
        { XEN_VGA_HOLE_END, x86ms->below_4g_mem_size - XEN_VGA_HOLE_END },
        { FOUR_GIB, x86ms->above_4g_mem_size },
    };

    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
        if (ranges[i].size &&
            wire_client_add_memory_xen(link->client, xen_domid, ranges[i].gpa,
                                       ranges[i].size)) {
            return -1;
        }
    }
    info_report("VM '%s': guest RAM of Xen domain %u handed to the mediator "
                "(%" PRIu64 " MiB below 4 GiB, %" PRIu64 " MiB above)", link->vm_name,
                xen_domid, x86ms->below_4g_mem_size >> 20, x86ms->above_4g_mem_size >> 20);
    return 0;
}

/*
 * Guest RAM must be one shared memfd the mediator can map (or, under Xen,
 * the domain's): find it and hand over the ranges below and above 4 GiB.
 */
static bool vgpu_link_add_memory(VgpuLink *link, Error **errp)
{
    static const char fix[] = "add -object memory-backend-memfd,id=mem,size=<RAM size>,"
                              "share=on -machine memory-backend=mem";
    MachineState *ms = MACHINE(qdev_get_machine());
    X86MachineState *x86ms = (X86MachineState *)
        object_dynamic_cast(OBJECT(ms), TYPE_X86_MACHINE);
    HostMemoryBackend *backend = ms->memdev;
    int fd;

    if (!x86ms) {
        error_setg(errp, "needs an x86 PC machine (-machine q35 or pc)");
        return false;
    }
    if (xen_enabled()) {
        if (x86ms->below_4g_mem_size <= XEN_VGA_HOLE_END) {
            error_setg(errp, "the Xen guest has no RAM above 1 MiB: give it memory");
            return false;
        }
        if (vgpu_link_add_xen_memory(link, x86ms)) {
            goto refused;
        }
        return true;
    }
    if (!backend || !object_dynamic_cast(OBJECT(backend), MEMORY_BACKEND_MEMFD) ||
        !backend->share) {
        error_setg(errp, "the mediator needs guest RAM in a shared memfd: %s",
                   fix);
        return false;
    }
    fd = memory_region_get_fd(host_memory_backend_get_memory(backend));
    if (fd < 0) {
        error_setg(errp, "guest RAM has no file descriptor: %s", fix);
        return false;
    }
    if (x86ms->below_4g_mem_size &&
        wire_client_add_memory(link->client, 0, x86ms->below_4g_mem_size, fd, 0)) {
        goto refused;
    }
    if (x86ms->above_4g_mem_size &&
        wire_client_add_memory(link->client, FOUR_GIB, x86ms->above_4g_mem_size, fd,
                               x86ms->below_4g_mem_size)) {
        goto refused;
    }
    link->ram = host_memory_backend_get_memory(backend);
    link->below_4g = x86ms->below_4g_mem_size;
    link->above_4g = x86ms->above_4g_mem_size;
    return true;

refused:
    error_setg(errp, "the mediator refused guest RAM: %s",
               wire_client_error(link->client));
    return false;
}

/*
 * Why the mediator at @path (@defaulted: socket= was not given) cannot be
 * reached, errno @err, with what to do about it.
 */
static void vgpu_link_connect_error(const char *path, bool defaulted, int err, Error **errp)
{
    const char *which = defaulted ? " (socket='s default)" : "";
    g_autofree char *dir = g_path_get_dirname(path);
    struct passwd *user = getpwuid(geteuid());
    struct stat st;

    if (err == ENOENT || err == ECONNREFUSED) {
        error_setg(errp, "cannot connect to the gpumed mediator at %s%s: %s: is gpumed "
                   "running? Start it (systemctl start gpumed), or give socket=PATH of the "
                   "one that runs", path, which, strerror(err));
    } else if ((err == EACCES || err == EPERM) && !stat(dir, &st)) {
        struct group *g = getgrgid(st.st_gid);
        const char *group = g ? g->gr_name : "its group";
        const char *name = user ? user->pw_name : "QEMU's user";

        error_setg(errp, "cannot connect to the gpumed mediator at %s%s: %s: QEMU runs as "
                   "user %s (uid %u), which may not enter %s (mode %03o, group %s): add the "
                   "user to that group (usermod -aG %s %s) and start QEMU again", path,
                   which, strerror(err), name, (unsigned)geteuid(), dir,
                   (unsigned)(st.st_mode & 0777), group, group, name);
    } else if (err == EPROTO) {
        size_t len = strlen(path), suffix = strlen(WIRE_CTL_SUFFIX);
        bool control = len > suffix && !strcmp(path + len - suffix, WIRE_CTL_SUFFIX);

        error_setg(errp, "%s%s does not answer as a gpumed mediator's VM socket: %s%.*s", path,
                   which, control ? "it is the mediator's control socket (gpumedctl's); give "
                   "socket=" : "give socket= the one gpumed --socket names, e.g. ",
                   control ? (int)(len - suffix) : (int)strlen(WIRE_DEFAULT_SOCKET),
                   control ? path : WIRE_DEFAULT_SOCKET);
    } else {
        error_setg(errp, "cannot connect to the gpumed mediator at %s%s: %s", path, which,
                   strerror(err));
    }
}

/*
 * The mediator takes a VM name of at most WIRE_VM_NAME_LEN - 1 printable
 * ASCII characters (docs/protocol.md, HELLO); @source says where it came
 * from, for the fix.
 */
static bool vgpu_link_vm_name_valid(const char *name, const char *source, Error **errp)
{
    size_t len = strlen(name);

    if (len >= WIRE_VM_NAME_LEN) {
        error_setg(errp, "the VM's name (%s) has %zu characters; the gpumed mediator takes "
                   "at most %d printable ASCII characters: give %s a shorter name", source, len,
                   WIRE_VM_NAME_LEN - 1, source);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (name[i] < 0x20 || name[i] > 0x7e) {
            error_setg(errp, "the VM's name (%s '%s') has byte 0x%02x at offset %zu, not "
                       "printable ASCII, which the gpumed mediator takes: give %s a name in "
                       "ASCII", source, name, (unsigned char)name[i], i, source);
            return false;
        }
    }
    return true;
}

VgpuLink *vgpu_link_connect(const char *socket_path, const char *vm_name,
                            const char *vm_name_source, const char *type_name,
                            const char *vgpu_name, VgpuLinkPartition *partition,
                            Error **errp)
{
    const char *path = socket_path ? socket_path : WIRE_DEFAULT_SOCKET;
    VgpuLink *link;
    struct wire_client_vgpu created;

    if (!vgpu_link_vm_name_valid(vm_name, vm_name_source, errp)) {
        return NULL;
    }
    link = g_new0(VgpuLink, 1);

    link->vm_name = g_strdup(vm_name);
    link->client = wire_client_connect(path, vm_name, vgpu_link_complete, link);
    if (!link->client) {
        vgpu_link_connect_error(path, !socket_path, errno, errp);
        goto fail;
    }
    if (!vgpu_link_add_memory(link, errp)) {
        goto fail;
    }
    if (vgpu_name ? wire_client_attach_vgpu(link->client, vgpu_name, &created) :
                    wire_client_create_vgpu(link->client, type_name, &created)) {
        error_setg(errp, "%s", wire_client_error(link->client));
        goto fail;
    }
    if (link->ram && vgpu_dirty_log_immediate()) {
        memory_region_ref(link->ram);
        memory_region_set_log(link->ram, true, DIRTY_MEMORY_VGA);
        link->seen = bitmap_new(memory_region_size(link->ram) / qemu_target_page_size());
        wire_client_watch_tables(link->client, vgpu_link_tables_written, link);
    }
    link->type_name = g_strdup(created.type);
    *partition = (VgpuLinkPartition) {
        .type_name = link->type_name,
        .monitor_width = created.monitor_width, .monitor_height = created.monitor_height,
        .aperture_base = created.aperture_base, .aperture_size = created.aperture_size,
        .hidden_base = created.hidden_base, .hidden_size = created.hidden_size,
        .fence_count = created.fence_count,
        .host_aperture_size = created.host_aperture_size, .ggtt = created.ggtt,
    };
    link->what = vgpu_name ? g_strdup_printf("vGPU %u '%s'", created.id, vgpu_name) :
                             g_strdup_printf("vGPU %u (%s)", created.id, created.type);
    info_report("VM '%s' has %s%s%s, from the mediator at %s", vm_name, link->what,
                vgpu_name ? ", type " : "", vgpu_name ? created.type : "", path);
    return link;

fail:
    vgpu_link_close(link);
    return NULL;
}

void vgpu_link_start(VgpuLink *link, struct vgpu *vgpu)
{
    link->vgpu = vgpu;
    qemu_set_fd_handler(wire_client_fd(link->client), vgpu_link_readable, NULL, link);
}

void vgpu_link_close(VgpuLink *link)
{
    if (!link) {
        return;
    }
    if (link->client) {
        if (!link->failed) {
            qemu_set_fd_handler(wire_client_fd(link->client), NULL, NULL, NULL);
        }
        wire_client_close(link->client);
    }
    if (link->seen) {
        memory_region_set_log(link->ram, false, DIRTY_MEMORY_VGA);
        memory_region_unref(link->ram);
        g_free(link->seen);
    }
    g_free(link->vm_name);
    g_free(link->what);
    g_free(link->type_name);
    g_free(link);
}
