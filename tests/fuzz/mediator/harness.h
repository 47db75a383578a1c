/*
 * harness.h - the mediator fuzzers' common ground: one real mediator in
 * the fuzzer's process (server, scheduler, GPU model; no listening
 * socket), clients on socketpairs, one guest RAM memfd, and the set-up
 * QEMU does (HELLO, ADD_MEMORY, CREATE_VGPU) for the inputs that start
 * from a running vGPU.  The seed generators (*-seeds.c) use it too, so
 * that seeds are built on the partition and structs the fuzzers see.
 *
 * Everything runs on the calling thread: a request is sent, then the
 * server's loop is pumped, then the answer read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_MEDIATOR_HARNESS_H
#define GPUMED_TESTS_FUZZ_MEDIATOR_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/protocol.h"

#define FUZZ_RAM_SIZE           (4u << 20)
#define FUZZ_RAM_PAGES          (FUZZ_RAM_SIZE / WIRE_PAGE_SIZE)
#define FUZZ_APERTURE           (256ull << 20)
#define FUZZ_HANG_TIMEOUT_MS    20
#define FUZZ_VM_NAME            "fuzz"

struct fuzz_mediator {
    struct med_server *server;
    int ram_fd;                 /* FUZZ_RAM_SIZE bytes, sealed size */
    uint8_t *ram;               /* the harness's view of it */
    /* If set, shown every COMPLETE that fuzz_mediator_wait() takes. */
    void (*complete_seen)(const struct wire_msg_complete *done);
};

/*
 * The mediator fuzzers' record: {u16 length, u8 flags, length bytes}, the
 * length taken modulo @max and cut at the end of the input.  Takes the next
 * record off *@data (@size bytes left) into @payload (@max bytes), sets
 * *@len and *@flags; false when no whole record header is left.
 */
bool fuzz_record_next(const uint8_t **data, size_t *size, uint8_t *payload, size_t max,
                      size_t *len, uint8_t *flags);

/* The process's mediator, created at the first call (aborts on failure). */
struct fuzz_mediator *fuzz_mediator(void);

/* Handle what the server has to do, waiting up to @timeout_ms for the first event. */
void fuzz_mediator_pump(struct fuzz_mediator *m, int timeout_ms);

/* A new client of the server: the harness's end of its socketpair
 * (non-blocking SOCK_SEQPACKET). */
int fuzz_mediator_connect(struct fuzz_mediator *m);

/* Send @msg with @n descriptors, run the server, and read the answer into
 * @reply (if not NULL) and its descriptors into @reply_fds (room for
 * WIRE_MSG_MAX_FDS; NULL: closed), *@reply_fd_count of them; false if
 * sending or the answer failed. */
bool fuzz_mediator_request(struct fuzz_mediator *m, int fd, void *msg, const int *fds,
                           unsigned n, union wire_msg *reply, int *reply_fds,
                           unsigned *reply_fd_count);

/* A vGPU as its client holds it (as wire/client.c does): the shared
 * memory and this side's ends of the rings, and the doorbell. */
struct fuzz_vgpu {
    uint64_t *table;            /* the GGTT table, then the rings; NULL: none */
    struct wire_rings *rings;
    struct wire_ring submit, complete;
    int doorbell_fd;
};

/* Take the shared memory and doorbell a CREATE_REPLY carried (@fds,
 * @count of them): false, with them closed, unless both are usable. */
bool fuzz_vgpu_attach(struct fuzz_vgpu *v, const int *fds, unsigned count);
/* Unmap and close what fuzz_vgpu_attach() took (nothing if it took none). */
void fuzz_vgpu_release(struct fuzz_vgpu *v);
/* Put @msg (a notice) into the submission ring, and write the doorbell
 * when the mediator asked for it, as the client does. */
void fuzz_vgpu_notice(struct fuzz_vgpu *v, const void *msg);

/*
 * What QEMU does before the guest runs: HELLO, ADD_MEMORY of all guest RAM,
 * CREATE_VGPU of @type ("" the default) or attaching the reserved vGPU
 * @vgpu_name (if not NULL).  Fills *@v (the shared memory, mapped) and the
 * reply in *@created; false if the mediator refused (*@created says why).
 */
bool fuzz_mediator_start_vgpu(struct fuzz_mediator *m, int fd, const char *type,
                              const char *vgpu_name, struct wire_msg_create_reply *created,
                              struct fuzz_vgpu *v);

/* Take the client's answers (DOORBELLs, and the completion ring of @v if
 * it has one) until every SUBMIT element so far has its COMPLETE
 * (bounded: a few hang timeouts). */
void fuzz_mediator_wait(struct fuzz_mediator *m, int fd, struct fuzz_vgpu *v);

/* After the clients hung up: nothing is left of them (connections,
 * partitions, fences).  The fuzzers abort when this is false. */
bool fuzz_mediator_all_free(struct fuzz_mediator *m);

#endif /* GPUMED_TESTS_FUZZ_MEDIATOR_HARNESS_H */
