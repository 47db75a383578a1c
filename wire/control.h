/*
 * control.h - the mediator's control socket: what gpumedctl asks (vGPUs,
 * types, statistics) and changes (weight, cap, vGPUs reserved ahead of
 * their VM), and restarts what the guard stopped.  docs/mediator.md,
 * "The control socket".
 *
 * A second UNIX SOCK_SEQPACKET socket, PATH.control next to the VMs'
 * socket PATH, mode 0600: only the daemon's user may connect, because a
 * control client changes every VM's share of the GPU.  One request packet
 * (struct wire_ctl_request), answered by reply packets (struct
 * wire_ctl_reply) of which the last has kind WIRE_CTL_END and the request's
 * status.  wire_ctl_request_valid() is the one check of what a control
 * client sends; wire_ctl_reply_valid() what the tool accepts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_CONTROL_H
#define GPUMED_MEDIATOR_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/protocol.h"

#define WIRE_CTL_VERSION        4
#define WIRE_CTL_NAME_LEN       64
#define WIRE_CTL_TYPE_LEN       32
#define WIRE_CTL_DETAIL_LEN     128

enum wire_ctl_op {
    WIRE_CTL_STATS = 1,         /* one WIRE_CTL_GPU, then a WIRE_CTL_VGPU per vGPU */
    WIRE_CTL_TYPES = 2,         /* a WIRE_CTL_TYPE per type */
    WIRE_CTL_SET_SHARE = 3,     /* weight and/or cap of vGPU vgpu_id, or of the one named name */
    WIRE_CTL_CREATE = 4,        /* reserve vGPU `name` of `type` for a VM to come: its VGPU */
    WIRE_CTL_DESTROY = 5,       /* the reserved vGPU `name`, unless a VM has it */
    WIRE_CTL_RESET_STATS = 6,   /* zero the counters of vGPU vgpu_id, or of the one named name */
    WIRE_CTL_RESTART = 7,       /* vGPU vgpu_id (or named name): the guard's counts cleared,
                                   served again if it was stopped */
};

struct wire_ctl_request {
    uint32_t version;           /* WIRE_CTL_VERSION */
    uint32_t op;                /* enum wire_ctl_op */
    uint32_t vgpu_id;           /* SET_SHARE, RESET_STATS, RESTART (or its name); else 0 */
    uint32_t weight;            /* SET_SHARE: 1..100, 0 keeps it; else 0 */
    uint32_t cap_percent;       /* SET_SHARE: 1..100 (100: none), 0 keeps it; else 0 */
    uint32_t reserved;          /* 0 */
    char type[WIRE_CTL_TYPE_LEN];       /* CREATE: a type name; else empty */
    char name[WIRE_CTL_NAME_LEN];       /* CREATE, DESTROY, SET_SHARE, RESET_STATS, RESTART (or
                                           its id): wire_vgpu_name_valid(); else empty */
};

enum wire_ctl_kind {
    WIRE_CTL_END = 1,
    WIRE_CTL_GPU = 2,
    WIRE_CTL_VGPU = 3,
    WIRE_CTL_TYPE = 4,
};

struct wire_ctl_gpu {
    char backend[WIRE_CTL_TYPE_LEN];
    char policy[WIRE_CTL_TYPE_LEN];
    uint64_t time_slice_ns;
    uint64_t uptime_ns;
    uint64_t busy_ns[GEN9_NUM_ENGINES];         /* by engine since start, gone vGPUs' too */
    uint64_t vgpu_switches;     /* ELSP port 0 went from one vGPU to another */
    uint64_t timer_wakeups;     /* a capped vGPU's time came back */
    uint64_t engine_resets;
    uint64_t hangs;
    uint64_t aperture_free, hidden_free;        /* bytes, in all */
    uint32_t fences_free;
    uint32_t vgpus;            /* the WIRE_CTL_VGPU records that follow */
};

enum wire_ctl_vgpu_state {
    WIRE_CTL_VGPU_RUNNING = 1,  /* a VM's own, created by its CREATE_VGPU */
    WIRE_CTL_VGPU_IDLE = 2,     /* reserved (CREATE), no VM attached */
    WIRE_CTL_VGPU_ATTACHED = 3,  /* reserved, a VM attached to it */
};

struct wire_ctl_vgpu {
    uint32_t id;
    uint32_t weight;
    uint32_t cap_percent;
    uint32_t fence_base, fence_count;
    uint32_t ppgtts;            /* live shadow PPGTTs */
    uint32_t state;             /* enum wire_ctl_vgpu_state */
    uint32_t stopped;           /* 1: stopped by the guard (stop_reason): nothing of it is done */
    char vm_name[WIRE_CTL_NAME_LEN];    /* empty when idle */
    char type[WIRE_CTL_TYPE_LEN];
    char name[WIRE_CTL_NAME_LEN];       /* a reserved vGPU's name; else empty */
    uint64_t aperture_base, aperture_size, hidden_base, hidden_size;
    /* The counters, from busy_ns to ppgtt_bad_entries: over the vGPU's
     * life (a reserved one's across the VMs it served) or since its last
     * RESET_STATS, counted_ns ago. */
    uint64_t busy_ns[GEN9_NUM_ENGINES];         /* GPU time (CTX_TIMESTAMP) */
    uint64_t workloads[GEN9_NUM_ENGINES];       /* that left the GPU */
    uint64_t backlog_ns[GEN9_NUM_ENGINES];      /* wall time with work queued or running */
    uint64_t elements;          /* SUBMIT elements received */
    uint64_t completed;
    uint64_t rejected;          /* by the checks or the scanner: never ran */
    uint64_t hangs;             /* stopped by the GPU */
    uint64_t cancelled;
    uint64_t engine_resets;     /* RESET_ENGINES the guest asked for */
    uint64_t ggtt_synced;       /* GGTT entries shadowed */
    uint64_t ggtt_bad_entries;
    uint64_t ppgtt_bad_entries;
    uint64_t counted_ns;        /* how long the counters above cover */
    uint32_t queued[GEN9_NUM_ENGINES];  /* workloads queued or on the GPU now */
    /* The mediator's account of this VM's vGPU (not reset by RESET_STATS):
     * docs/mediator.md, "The guard". */
    uint64_t mediator_ns;       /* the event thread's time charged to it */
    uint64_t deferrals;         /* times it waited for its budget while others were served */
    uint64_t notifications;     /* PPGTT notifications */
    uint64_t bad_notifications;
    uint64_t big_builds;        /* requests that built > MED_GUARD_BIG_BUILD_TABLES page tables */
    char stop_reason[WIRE_CTL_DETAIL_LEN];      /* when stopped: the guard's reason */
};

struct wire_ctl_type {
    char name[WIRE_CTL_TYPE_LEN];
    uint64_t aperture_size, hidden_size;
    uint32_t fence_count;
    uint32_t weight, cap_percent;
    uint32_t width, height;
    uint32_t available;         /* how many more fit now */
};

struct wire_ctl_reply {
    int32_t status;             /* END: 0 or a negative errno */
    uint32_t kind;              /* enum wire_ctl_kind */
    char detail[WIRE_CTL_DETAIL_LEN];   /* END with an error: why */
    union {
        struct wire_ctl_gpu gpu;
        struct wire_ctl_vgpu vgpu;
        struct wire_ctl_type type;
    } u;
};

/* Whether @buf (@len bytes received) is a request the mediator serves;
 * if not, *@why says what is wrong. */
bool wire_ctl_request_valid(const void *buf, size_t len, const char **why);
/* Whether @name is a vGPU name (1 to WIRE_CTL_NAME_LEN - 1 of A-Z a-z 0-9 . _ -);
 * if not, @why (of @size bytes) says what is wrong with it, for people. */
bool wire_ctl_name_explain(const char *name, char *why, size_t size);
/* Whether @buf is a reply the tool may print. */
bool wire_ctl_reply_valid(const void *buf, size_t len);

/* The control socket of the mediator serving VMs on @socket_path (a
 * buffer of 108 bytes); -1 if the name is too long. */
int wire_ctl_path(const char *socket_path, char *path, size_t size);

/* Connect; -1 with errno. */
int wire_ctl_connect(const char *control_path);
/* Send @request and hand each reply before the END to @each; returns the
 * END's status (copying its detail to @detail), or -errno if the
 * connection failed or the mediator sent something invalid (-EPROTO). */
int wire_ctl_call(int fd, const struct wire_ctl_request *request,
                  void (*each)(const struct wire_ctl_reply *reply, void *opaque), void *opaque,
                  char detail[WIRE_CTL_DETAIL_LEN]);

#endif /* GPUMED_MEDIATOR_CONTROL_H */
