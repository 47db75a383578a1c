/*
 * control-wire.c - the control socket's checks and its client side
 * (control.h): what gpumedctl and the tests link, without the mediator.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wire/control.h"

#include "wire/protocol.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

_Static_assert(sizeof(struct wire_ctl_request) == 120, "request layout");
_Static_assert(sizeof(struct wire_ctl_reply) % 8 == 0, "reply layout");

bool wire_ctl_request_valid(const void *buf, size_t len, const char **why)
{
    struct wire_ctl_request r;
    bool numbers, names;

    if (len != sizeof(r)) {
        *why = "not a request (wrong size)";
        return false;
    }
    memcpy(&r, buf, sizeof(r));
    numbers = r.vgpu_id || r.weight || r.cap_percent;
    names = r.type[0] || r.name[0];
    if (r.version != WIRE_CTL_VERSION) {
        *why = "unsupported control protocol version: use the gpumedctl of this gpumed";
    } else if (r.reserved) {
        *why = "reserved field not zero";
    } else if (!wire_string_valid(r.type, sizeof(r.type), true)) {
        *why = "type unterminated or not printable";
    } else if (!memchr(r.name, '\0', sizeof(r.name))) {
        *why = "name not terminated within its 64 bytes";
    } else if (!wire_vgpu_name_valid(r.name, sizeof(r.name), true)) {
        *why = "name has characters other than A-Z a-z 0-9 . _ -";
    } else if (r.op == WIRE_CTL_STATS || r.op == WIRE_CTL_TYPES) {
        *why = numbers || names ? "arguments given to a query" : NULL;
    } else if (r.op == WIRE_CTL_RESTART) {
        *why = !r.vgpu_id && !r.name[0] ? "neither a vGPU id nor a name" :
               r.vgpu_id && r.name[0] ? "both a vGPU id and a name" :
               r.type[0] || r.weight || r.cap_percent ? "a type, weight or cap given to RESTART" :
               NULL;
    } else if (r.op == WIRE_CTL_SET_SHARE || r.op == WIRE_CTL_RESET_STATS) {
        *why = !r.vgpu_id && !r.name[0] ? "neither a vGPU id nor a name" :
               r.vgpu_id && r.name[0] ? "both a vGPU id and a name" :
               r.type[0] ? "a type given to SET_SHARE or RESET_STATS" :
               r.op == WIRE_CTL_RESET_STATS ?
                   (r.weight || r.cap_percent ? "a weight or cap given to RESET_STATS" : NULL) :
               !r.weight && !r.cap_percent ? "neither a weight nor a cap to set" :
               r.weight > 100 ? "weight above 100" :
               r.cap_percent > 100 ? "cap above 100 %" : NULL;
    } else if (r.op == WIRE_CTL_CREATE) {
        *why = numbers ? "an id, weight or cap given to CREATE" :
               !r.type[0] ? "no type to create" :
               !r.name[0] ? "no name for the vGPU" : NULL;
    } else if (r.op == WIRE_CTL_DESTROY) {
        *why = numbers || r.type[0] ? "an id, weight, cap or type given to DESTROY" :
               !r.name[0] ? "no name of a vGPU to destroy" : NULL;
    } else {
        *why = "unknown operation";
    }
    return !*why;
}

bool wire_ctl_name_explain(const char *name, char *why, size_t size)
{
    size_t len = strlen(name);

    if (!len) {
        snprintf(why, size, "a vGPU name cannot be empty");
        return false;
    }
    if (len >= WIRE_CTL_NAME_LEN) {
        snprintf(why, size, "'%.20s...' is %zu characters: a vGPU name has at most %d", name,
                 len, WIRE_CTL_NAME_LEN - 1);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char one[2] = { name[i], '\0' };

        if (!wire_vgpu_name_valid(one, sizeof(one), false)) {
            unsigned char c = (unsigned char)name[i];

            if (c >= 0x20 && c < 0x7f) {
                snprintf(why, size, "'%s' has '%c': a vGPU name is made of A-Z a-z 0-9 . _ -",
                         name, c);
            } else {
                snprintf(why, size, "the name has byte 0x%02x at offset %zu: a vGPU name is "
                         "made of A-Z a-z 0-9 . _ - (ASCII only)", c, i);
            }
            return false;
        }
    }
    return true;
}

static bool terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

bool wire_ctl_reply_valid(const void *buf, size_t len)
{
    const struct wire_ctl_reply *r = buf;

    if (len != sizeof(*r) || !terminated(r->detail, sizeof(r->detail))) {
        return false;
    }
    switch (r->kind) {
    case WIRE_CTL_END:
        return r->status <= 0;
    case WIRE_CTL_GPU:
        return terminated(r->u.gpu.backend, sizeof(r->u.gpu.backend)) &&
               terminated(r->u.gpu.policy, sizeof(r->u.gpu.policy));
    case WIRE_CTL_VGPU:
        return terminated(r->u.vgpu.vm_name, sizeof(r->u.vgpu.vm_name)) &&
               terminated(r->u.vgpu.type, sizeof(r->u.vgpu.type)) &&
               terminated(r->u.vgpu.stop_reason, sizeof(r->u.vgpu.stop_reason)) &&
               terminated(r->u.vgpu.name, sizeof(r->u.vgpu.name)) &&
               r->u.vgpu.state >= WIRE_CTL_VGPU_RUNNING && r->u.vgpu.state <= WIRE_CTL_VGPU_ATTACHED;
    case WIRE_CTL_TYPE:
        return terminated(r->u.type.name, sizeof(r->u.type.name));
    default:
        return false;
    }
}

int wire_ctl_path(const char *socket_path, char *path, size_t size)
{
    int n = snprintf(path, size, "%s%s", socket_path, WIRE_CTL_SUFFIX);

    return n < 0 || (size_t)n >= size || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)
           ? -1 : 0;
}

int wire_ctl_connect(const char *control_path)
{
    return wire_socket_connect(control_path);
}

int wire_ctl_call(int fd, const struct wire_ctl_request *request,
                  void (*each)(const struct wire_ctl_reply *reply, void *opaque), void *opaque,
                  char detail[WIRE_CTL_DETAIL_LEN])
{
    struct wire_ctl_reply reply;

    if (send(fd, request, sizeof(*request), MSG_NOSIGNAL) != (ssize_t)sizeof(*request)) {
        return -errno;
    }
    for (;;) {
        ssize_t n = recv(fd, &reply, sizeof(reply), MSG_TRUNC);

        if (n < 0) {
            return -errno;
        }
        if (!n) {
            return -ECONNRESET;
        }
        if (!wire_ctl_reply_valid(&reply, (size_t)n)) {
            return -EPROTO;
        }
        if (reply.kind == WIRE_CTL_END) {
            memcpy(detail, reply.detail, WIRE_CTL_DETAIL_LEN);
            return reply.status;
        }
        if (each) {
            each(&reply, opaque);
        }
    }
}
