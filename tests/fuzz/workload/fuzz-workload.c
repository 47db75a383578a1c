/*
 * Fuzz the workload path with the guest's data the scanner never sees: the
 * context image (descriptor, ring registers, PPGTT root), the ring
 * registers' bounds, the guest GGTT entries, the page tables and the
 * submission order.  Each input is one vGPU's life on a real mediator
 * (session, workload shadowing, PPGTT shadow, scanner, scheduler, the GPU
 * model executing whatever passes): HELLO, ADD_MEMORY and CREATE_VGPU are
 * done for it, then its records run.  After the client hangs up,
 * everything it held must be free.
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
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mediator/log.h"
#include "mediator/protocol.h"
#include "mediator/server.h"
#include "mediator/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE        (4u << 20)
#define RAM_PAGES       (RAM_SIZE / MED_PAGE_SIZE)
#define APERTURE        (256ull << 20)
#define HANG_TIMEOUT_MS 20
#define WAIT_ROUNDS     50              /* of up to 2 ms each */
#define RECORD          10

struct fuzz_state {
    struct med_server *server;
    int ram_fd;
    uint32_t *ram;
    uint64_t ram_host_size;
};

static struct fuzz_state *fuzz_state(void)
{
    static struct fuzz_state st;

    if (!st.server) {
        med_log_init(MED_LOG_OFF, false);
        st.server = med_server_create(&(struct med_server_config) {
            .gm = { .aperture_size = APERTURE, .host_reserve = MED_GM_HOST_RESERVE_DEFAULT },
            .hang_timeout_ms = HANG_TIMEOUT_MS,
        });
        st.ram_fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (!st.server || ftruncate(st.ram_fd, RAM_SIZE) ||
            fcntl(st.ram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
            abort();
        }
        st.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, st.ram_fd, 0);
        if (st.ram == MAP_FAILED) {
            abort();
        }
    }
    return &st;
}

static void pump(struct fuzz_state *st, int timeout_ms)
{
    while (med_server_dispatch(st->server, timeout_ms) > 0) {
        timeout_ms = 0;
    }
}

/* Send @msg and handle it; the answer (if any) is read into @reply. */
static void request(struct fuzz_state *st, int fd, void *msg, const int *fds, unsigned n,
                    union med_msg *reply, int *reply_fd)
{
    int got[MED_MSG_MAX_FDS];
    unsigned got_count = 0;

    if (med_msg_send(fd, msg, fds, n)) {
        abort();
    }
    pump(st, 0);
    if (reply && med_msg_receive(fd, MED_PEER_CLIENT, reply, got, &got_count, NULL) <= 0) {
        abort();
    }
    if (reply_fd) {
        *reply_fd = got_count ? got[0] : -1;
    }
}

/* HELLO, ADD_MEMORY, CREATE_VGPU: the vGPU's shared table, or NULL. */
static uint64_t *start_vgpu(struct fuzz_state *st, int fd, struct med_msg_create_reply *created)
{
    struct med_msg_hello hello;
    struct med_msg_add_memory add;
    struct med_msg_create_vgpu create;
    union med_msg reply;
    int table_fd;
    void *table;

    med_msg_init(&hello, MED_MSG_HELLO, 1);
    hello.version = MED_PROTOCOL_VERSION;
    strcpy(hello.vm_name, "fuzz");
    request(st, fd, &hello, NULL, 0, &reply, NULL);
    med_msg_init(&add, MED_MSG_ADD_MEMORY, 2);
    add.size = RAM_SIZE;
    request(st, fd, &add, &st->ram_fd, 1, &reply, NULL);
    med_msg_init(&create, MED_MSG_CREATE_VGPU, 3);
    strcpy(create.type, "gpumed-8");
    request(st, fd, &create, NULL, 0, &reply, &table_fd);
    if (reply.create_reply.status || table_fd < 0) {
        abort();
    }
    *created = reply.create_reply;
    table = mmap(NULL, MED_GGTT_TABLE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, table_fd, 0);
    close(table_fd);
    return table == MAP_FAILED ? NULL : table;
}

static uint16_t u16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t u32_at(const uint8_t *p)
{
    return (uint32_t)u16_at(p) | (uint32_t)u16_at(p + 2) << 16;
}

/* Until every element has its answer (completions drained), bounded. */
static void wait_idle(struct fuzz_state *st, int fd)
{
    const struct vgpu_exec_stats *ex = med_server_exec_stats(st->server);
    union med_msg m;
    int fds[MED_MSG_MAX_FDS];
    unsigned n;

    for (unsigned i = 0; i < WAIT_ROUNDS; i++) {
        pump(st, 2);
        while (med_msg_receive(fd, MED_PEER_CLIENT, &m, fds, &n, NULL) > 0) {
        }
        if (ex->completed + ex->rejected + ex->hangs + ex->cancelled >= ex->elements) {
            return;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_state *st = fuzz_state();
    struct med_msg_create_reply vgpu;
    uint64_t *table;
    uint64_t hidden_pages;
    int sv[2];

    memset(st->ram, 0, RAM_SIZE);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
        med_server_add_client(st->server, sv[1])) {
        abort();
    }
    table = start_vgpu(st, sv[0], &vgpu);
    if (!table) {
        abort();
    }
    hidden_pages = vgpu.hidden_size / MED_PAGE_SIZE;
    for (; size >= RECORD; data += RECORD, size -= RECORD) {
        const uint8_t *a = data + 1;

        switch (data[0] % 6) {
        case 0:
            st->ram[(u16_at(a) % RAM_PAGES) * (MED_PAGE_SIZE / 4) + u16_at(a + 2) % 1024] =
                u32_at(a + 4);
            break;
        case 1: {
            uint32_t index = (uint32_t)(vgpu.hidden_base / MED_PAGE_SIZE +
                                        u16_at(a) % hidden_pages);

            table[index] = (uint64_t)(u16_at(a + 2) % (RAM_PAGES + 16)) * MED_PAGE_SIZE |
                           (a[4] & 1);
            table[MED_GGTT_ENTRIES + index / 64] |= 1ull << (index % 64);
            break;
        }
        case 2: {
            struct med_msg_ppgtt_notify n;

            med_msg_init(&n, MED_MSG_PPGTT_NOTIFY, 4);
            n.op = a[0] & 1 ? MED_PPGTT_DESTROY : MED_PPGTT_CREATE;
            n.root_gpa = (uint64_t)(u16_at(a + 1) % (RAM_PAGES + 16)) * MED_PAGE_SIZE;
            request(st, sv[0], &n, NULL, 0, NULL, NULL);
            break;
        }
        case 3: {
            struct med_msg_submit s;

            med_msg_init(&s, MED_MSG_SUBMIT, 5);
            s.engine = a[0] % MED_ENGINE_COUNT;
            s.desc[0] = (vgpu.hidden_base + (u16_at(a + 1) % hidden_pages) * MED_PAGE_SIZE) |
                        (u16_at(a + 3) & 0xfff);
            if (u16_at(a + 5)) {
                s.desc[1] = vgpu.hidden_base + (u16_at(a + 5) % hidden_pages) * MED_PAGE_SIZE +
                            0x119;
            }
            request(st, sv[0], &s, NULL, 0, NULL, NULL);
            break;
        }
        case 4: {
            struct med_msg_reset_engines r;
            union med_msg reply;

            med_msg_init(&r, MED_MSG_RESET_ENGINES, 6);
            r.engine_mask = (a[0] % MED_ENGINE_MASK_ALL) + 1;
            wait_idle(st, sv[0]);       /* take the COMPLETEs ahead of the STATUS */
            request(st, sv[0], &r, NULL, 0, &reply, NULL);
            break;
        }
        default:
            wait_idle(st, sv[0]);
            break;
        }
    }
    wait_idle(st, sv[0]);
    munmap(table, MED_GGTT_TABLE_SIZE);
    close(sv[0]);
    pump(st, 0);
    /* The session is gone and everything it held is free again. */
    if (med_server_client_count(st->server) ||
        med_gm_free_total(med_server_gm(st->server), MED_GM_APERTURE) != APERTURE) {
        abort();
    }
    return 0;
}
