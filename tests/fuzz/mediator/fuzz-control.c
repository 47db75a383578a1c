/*
 * Fuzz the mediator's control socket (what gpumedctl speaks, mediator/
 * control.h): each input is a control client's session, raw request
 * packets to the real server code (med_control_readable(),
 * wire_ctl_request_valid(), and the handlers: STATS with send_gpu,
 * send_vgpu and send_idle, TYPES with send_types, SET_SHARE's set_share,
 * CREATE's med_reserved_create, DESTROY's med_reserved_destroy), beside VMs that
 * start on new or reserved vGPUs and hang up (input format:
 * control-input.h; control-seeds.c generates the seeds from the current
 * request struct).  Every reply must pass wire_ctl_reply_valid().  After the
 * input the harness destroys the reserved vGPUs left (through the control
 * socket) and everything must be free.  fuzz_reach() counts what the
 * inputs got to (reach.h): the handlers by the replies they sent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/control.h"
#include "mediator/server.h"
#include "tests/fuzz/mediator/control-input.h"
#include "tests/fuzz/mediator/harness.h"
#include "tests/fuzz/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLEANUP_MAX     MED_MAX_CLIENTS     /* reserved vGPUs the cleanup destroys */

struct control_state {
    struct fuzz_mediator *m;
    int ctl;                    /* the control connection, -1: none */
    int vm[CONTROL_VMS];        /* oldest first */
    struct fuzz_vgpu vgpu[CONTROL_VMS];     /* their shared memory and rings */
    unsigned vm_count;
    uint32_t last_id;           /* of the last vGPU a reply named */
};

/* What the handlers answered, over every input (reach.h). */
static struct {
    uint64_t gpu, vgpus, idle, types, shares, destroyed, refused, attached;
} reached;

/* The replies to one request, for the cleanup: idle reserved vGPUs' names. */
struct idle_names {
    char name[CLEANUP_MAX][WIRE_CTL_NAME_LEN];
    unsigned count;
};

static void control_open(struct control_state *st)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
        med_server_add_control(st->m->server, sv[1])) {
        abort();
    }
    st->ctl = sv[0];
}

static void med_control_close(struct control_state *st)
{
    if (st->ctl >= 0) {
        close(st->ctl);
        st->ctl = -1;
        fuzz_mediator_pump(st->m, 0);
    }
}

static void count_end(const struct wire_ctl_reply *end, const uint8_t *request, size_t len)
{
    struct wire_ctl_request q;

    if (end->status) {
        reached.refused += strncmp(end->detail, "bad request", 11) != 0;
        return;
    }
    if (len != sizeof(q)) {
        abort();                /* served a request of the wrong size */
    }
    memcpy(&q, request, sizeof(q));
    reached.shares += q.op == WIRE_CTL_SET_SHARE;
    reached.destroyed += q.op == WIRE_CTL_DESTROY;
}

/*
 * Send @len bytes of @request and read every reply until END (or the
 * mediator closing the connection).  Counts what the handlers answered when
 * @count; collects idle vGPUs' names into @idle if not NULL.  Returns END's
 * status, or -ECONNRESET when none came.
 */
static int control_request(struct control_state *st, const uint8_t *request, size_t len,
                           bool count, struct idle_names *idle)
{
    struct wire_ctl_reply reply;

    if (st->ctl < 0) {
        control_open(st);
    }
    if (send(st->ctl, request, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EPIPE) {
        med_control_close(st);      /* the mediator closed it after a bad request */
        control_open(st);
        send(st->ctl, request, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    fuzz_mediator_pump(st->m, 0);
    for (;;) {
        ssize_t n = recv(st->ctl, &reply, sizeof(reply), MSG_DONTWAIT | MSG_TRUNC);

        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                med_control_close(st);
            }
            return -ECONNRESET;     /* every request is answered at once: no END */
        }
        if (!wire_ctl_reply_valid(&reply, (size_t)n)) {
            abort();                /* the mediator sent what gpumedctl refuses */
        }
        if (reply.kind == WIRE_CTL_VGPU) {
            st->last_id = reply.u.vgpu.id;
            if (idle && reply.u.vgpu.state == WIRE_CTL_VGPU_IDLE && idle->count < CLEANUP_MAX) {
                memcpy(idle->name[idle->count++], reply.u.vgpu.name, WIRE_CTL_NAME_LEN);
            }
        }
        if (count) {
            reached.gpu += reply.kind == WIRE_CTL_GPU;
            reached.vgpus += reply.kind == WIRE_CTL_VGPU &&
                             reply.u.vgpu.state != WIRE_CTL_VGPU_IDLE;
            reached.idle += reply.kind == WIRE_CTL_VGPU &&
                            reply.u.vgpu.state == WIRE_CTL_VGPU_IDLE;
            reached.types += reply.kind == WIRE_CTL_TYPE;
            if (reply.kind == WIRE_CTL_END) {
                count_end(&reply, request, len);
            }
        }
        if (reply.kind == WIRE_CTL_END) {
            return reply.status;
        }
    }
}

static void vm_detach(struct control_state *st)
{
    if (!st->vm_count) {
        return;
    }
    close(st->vm[0]);
    fuzz_vgpu_release(&st->vgpu[0]);
    st->vm_count--;
    memmove(st->vm, st->vm + 1, st->vm_count * sizeof(st->vm[0]));
    memmove(st->vgpu, st->vgpu + 1, st->vm_count * sizeof(st->vgpu[0]));
    fuzz_mediator_pump(st->m, 0);
}

static void vm_attach(struct control_state *st, const uint8_t *payload, size_t len)
{
    char name[WIRE_VGPU_NAME_LEN] = "";
    struct wire_msg_create_reply created;
    int fd;

    if (st->vm_count == CONTROL_VMS) {
        vm_detach(st);
    }
    memcpy(name, payload, len < sizeof(name) - 1 ? len : sizeof(name) - 1);
    fd = fuzz_mediator_connect(st->m);
    if (!fuzz_mediator_start_vgpu(st->m, fd, "", name[0] ? name : NULL, &created,
                                  &st->vgpu[st->vm_count])) {
        close(fd);
        fuzz_mediator_pump(st->m, 0);
        return;
    }
    reached.attached += name[0] != 0;
    st->vm[st->vm_count++] = fd;
}

/* Destroy every reserved vGPU the input left, as gpumedctl would. */
static void cleanup(struct control_state *st)
{
    struct wire_ctl_request q = { .version = WIRE_CTL_VERSION, .op = WIRE_CTL_STATS };
    static struct idle_names idle;

    idle.count = 0;
    med_control_close(st);
    if (control_request(st, (const uint8_t *)&q, sizeof(q), false, &idle)) {
        abort();
    }
    for (unsigned i = 0; i < idle.count; i++) {
        q = (struct wire_ctl_request){ .version = WIRE_CTL_VERSION, .op = WIRE_CTL_DESTROY };
        memcpy(q.name, idle.name[i], sizeof(q.name));
        if (control_request(st, (const uint8_t *)&q, sizeof(q), false, NULL)) {
            abort();            /* an idle reserved vGPU could not be destroyed */
        }
    }
    med_control_close(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct control_state st = { .m = fuzz_mediator(), .ctl = -1 };
    uint8_t payload[CONTROL_PAYLOAD_MAX];
    size_t len;
    uint8_t flags;

    while (fuzz_record_next(&data, &size, payload, sizeof(payload), &len, &flags)) {
        if (flags & CONTROL_VM_ATTACH) {
            vm_attach(&st, payload, len);
        } else if (flags & CONTROL_VM_DETACH) {
            vm_detach(&st);
        } else {
            if ((flags & CONTROL_LAST_ID) &&
                len >= offsetof(struct wire_ctl_request, vgpu_id) + 4) {
                memcpy(payload + offsetof(struct wire_ctl_request, vgpu_id), &st.last_id, 4);
            }
            control_request(&st, payload, len, true, NULL);
        }
    }
    while (st.vm_count) {
        vm_detach(&st);
    }
    cleanup(&st);
    if (!fuzz_mediator_all_free(st.m)) {
        abort();
    }
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    const struct med_server_stats *s = med_server_stats(fuzz_mediator()->server);

    report("wire_ctl_request_valid: bad requests refused, connection closed", s->control_errors);
    report("STATS: send_gpu", reached.gpu);
    report("STATS: send_vgpu (a VM's vGPU)", reached.vgpus);
    report("STATS, CREATE: send_idle (a reserved vGPU)", reached.idle);
    report("TYPES: send_types", reached.types);
    report("SET_SHARE: set_share applied", reached.shares);
    report("CREATE: med_reserved_create", s->vgpus_reserved);
    report("DESTROY: med_reserved_destroy", reached.destroyed);
    report("a handler refused a request (no such vGPU, type or name; busy)", reached.refused);
    report("CREATE_VGPU attached a VM to a reserved vGPU", reached.attached);
}
