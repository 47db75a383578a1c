/*
 * Fuzz the mediator's dispatch: each input is one client session, a
 * sequence of packets sent over a socketpair to the real server code
 * (med_msg_receive(), the session handlers, partitioning, the GGTT
 * shadow).  After the client hangs up, everything it held must be free.
 *
 * Input: records of {u16 length, u8 flags, length bytes}.  Flags: bit 0
 * attaches the guest-RAM memfd, bit 1 attaches it twice, bit 2 sets the
 * header's size field to the length (so that mutations reach the payload
 * checks), bit 3 writes the payload's first 8 bytes as a GGTT entry of the
 * shared table (if one was received) at the index in the next 4 bytes,
 * marking it dirty.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mediator/log.h"
#include "mediator/protocol.h"
#include "mediator/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE        (16u << 20)
#define APERTURE        (256ull << 20)

enum record_flag {
    ATTACH_MEMFD = 1, ATTACH_TWO = 2, FIX_SIZE = 4, GGTT_WRITE = 8,
};

struct fuzz_state {
    struct med_server *server;
    int ram_fd;
    uint64_t *table;            /* the shared GGTT table of this session's vGPU */
};

static void pump(struct fuzz_state *st)
{
    while (med_server_dispatch(st->server, 0) > 0) {
    }
}

/* Take every answer; keep the shared table of a CREATE_REPLY. */
static void drain_answers(struct fuzz_state *st, int fd)
{
    union med_msg m;
    int fds[MED_MSG_MAX_FDS];
    unsigned fd_count;

    while (med_msg_receive(fd, MED_PEER_CLIENT, &m, fds, &fd_count, NULL) > 0) {
        if (!fd_count) {
            continue;
        }
        if (!st->table) {
            void *t = mmap(NULL, MED_GGTT_TABLE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                           fds[0], 0);

            st->table = t == MAP_FAILED ? NULL : t;
        }
        close(fds[0]);
    }
}

static void ggtt_write(struct fuzz_state *st, const uint8_t *payload, size_t len)
{
    uint64_t pte;
    uint32_t index;

    if (!st->table || len < 12) {
        return;
    }
    memcpy(&pte, payload, 8);
    memcpy(&index, payload + 8, 4);
    index %= MED_GGTT_ENTRIES;
    st->table[index] = pte;
    st->table[MED_GGTT_ENTRIES + index / 64] |= 1ull << (index % 64);
}

static void send_packet(struct fuzz_state *st, int fd, uint8_t flags, uint8_t *payload,
                        size_t len)
{
    int fds[2] = { st->ram_fd, st->ram_fd };
    char control[CMSG_SPACE(sizeof(fds))] = { 0 };
    struct iovec iov = { .iov_base = payload, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    unsigned fd_count = (flags & ATTACH_TWO) ? 2 : (flags & ATTACH_MEMFD) ? 1 : 0;

    if ((flags & FIX_SIZE) && len >= sizeof(struct med_msg_header)) {
        uint32_t size32 = (uint32_t)len;

        memcpy(payload + offsetof(struct med_msg_header, size), &size32, 4);
    }
    if (fd_count) {
        struct cmsghdr *c;

        mh.msg_control = control;
        mh.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
        memcpy(CMSG_DATA(c), fds, fd_count * sizeof(int));
    }
    sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static struct fuzz_state *fuzz_state(void)
{
    static struct fuzz_state st;

    if (!st.server) {
        med_log_init(MED_LOG_OFF, false);
        st.server = med_server_create(&(struct med_server_config) {
            .gm = { .aperture_size = APERTURE, .host_reserve = 16 << 20 },
        });
        st.ram_fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (!st.server || ftruncate(st.ram_fd, RAM_SIZE) ||
            fcntl(st.ram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
            abort();
        }
    }
    return &st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_state *st = fuzz_state();
    uint8_t payload[1024];
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
        med_server_add_client(st->server, sv[1])) {
        abort();
    }
    while (size >= 3) {
        uint16_t len;
        uint8_t flags = data[2];

        memcpy(&len, data, 2);
        data += 3;
        size -= 3;
        len = len % sizeof(payload);
        if (len > size) {
            len = (uint16_t)size;
        }
        memcpy(payload, data, len);
        data += len;
        size -= len;
        if (flags & GGTT_WRITE) {
            ggtt_write(st, payload, len);
        } else {
            send_packet(st, sv[0], flags, payload, len);
        }
        pump(st);
        drain_answers(st, sv[0]);
    }
    close(sv[0]);
    pump(st);
    if (st->table) {
        munmap(st->table, MED_GGTT_TABLE_SIZE);
        st->table = NULL;
    }
    /* The session is gone and everything it held is free again. */
    if (med_server_client_count(st->server) ||
        med_gm_free_total(med_server_gm(st->server), MED_GM_APERTURE) != APERTURE ||
        med_gm_free_total(med_server_gm(st->server), MED_GM_FENCE) != MED_GM_FENCES) {
        abort();
    }
    return 0;
}
