/*
 * private.h - the mediator's state shared by server.c (set-up, event loop)
 * and session.c (one client's protocol session and its vGPU).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_PRIVATE_H
#define GPUMED_MEDIATOR_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "gtt/ggtt-shadow.h"
#include "gtt/partition.h"
#include "mediator/guard.h"
#include "mediator/host-mem.h"
#include "mediator/log.h"
#include "wire/protocol.h"
#include "mediator/types.h"
#include "mediator/server.h"
#include "mediator/submission/submission.h"
#include "pgpu/pgpu.h"
#include "mediator/guest-ram.h"

/* How far a session got; teardown unwinds from here (med_session_destroy()). */
enum session_stage {
    SESSION_CONNECTED,          /* socket accepted, nothing else */
    SESSION_HELLO_DONE,         /* versions agreed, vm_name known */
    SESSION_MEMORY_ADDED,       /* bus window taken, guest RAM mapped (>= 1 range) */
    SESSION_VGPU_CREATED,       /* partition, shared table and shadow live */
};

/* A range of guest RAM handed over with ADD_MEMORY(_XEN), mapped here. */
struct guest_ram {
    struct med_gpa_range range;
    struct med_ram_map map;
};

/* What a vGPU used and did, as the control socket reports it (counters.c,
 * the fields of struct wire_ctl_vgpu from busy_ns to ppgtt_bad_entries):
 * only uint64_t counters, added and subtracted word by word. */
struct med_vgpu_counters {
    uint64_t busy_ns[GEN9_NUM_ENGINES];
    uint64_t workloads[GEN9_NUM_ENGINES];
    uint64_t backlog_ns[GEN9_NUM_ENGINES];
    uint64_t elements, completed, rejected, hangs, cancelled, engine_resets;
    uint64_t ggtt_synced, ggtt_bad_entries, ppgtt_bad_entries;
};

/* A vGPU created ahead of its VM (reserved.c): its partition, identity,
 * share and counters stay while VMs attach and detach. */
struct reserved_vgpu {
    struct reserved_vgpu *next;
    char name[WIRE_VGPU_NAME_LEN];
    uint32_t id;
    const struct med_vgpu_type *type;
    struct med_partition partition;
    struct med_sched_share share;       /* kept across VMs (gpumedctl set) */
    struct session *attached;           /* the VM using it, or NULL */
    struct med_vgpu_counters past;          /* of the VMs gone, since counting_since_ns */
    uint64_t counting_since_ns;         /* creation or the last RESET_STATS */
};

/* The vGPU a session created, or attached to. */
struct session_vgpu {
    uint32_t id;
    struct reserved_vgpu *reserved;     /* NULL: the session's own */
    const struct med_vgpu_type *type;
    struct med_partition partition;
    void *table;                /* the shared memory: GGTT table, rings; WIRE_SHARED_SIZE */
    struct wire_rings *rings;   /* in it, after the table */
    struct wire_ring submit_ring, complete_ring;    /* this side's ends of them */
    int doorbell_fd;            /* the eventfd its client writes (never read here) */
    bool doorbell_due;          /* its client asked for a DOORBELL: send it this round */
    struct med_vgpu_ggtt *shadow;
    struct med_gpu_reach reach;     /* guest pages its GTT shadows ever mapped */
    /* Where its invalid GGTT and PPGTT entries point: its own page, which
     * no other VM reaches, freed after every engine stopped using it. */
    struct med_host_buf scratch;
    struct med_vgpu_submission *submission;     /* workloads, shadow PPGTTs */
    uint64_t engine_resets;     /* RESET_ENGINES received */
    /* The counters' values when this VM's counting began (zero, or at a
     * RESET_STATS), and when (a reserved vGPU's own time is its). */
    struct med_vgpu_counters counters_base;
    uint64_t counting_since_ns;
    uint64_t last_reset_ns;     /* when the last one came (med_now_ns()) */
    uint32_t last_reset_mask;   /* and its engines */
    /* Each engine's reset generation (protocol.h): the last RESET_ENGINES
     * naming it set it; its SUBMITs carry it, its COMPLETEs are stamped
     * with it (a reset drops all earlier work, so whatever completes
     * afterwards was submitted in the current generation). */
    uint32_t engine_generation[GEN9_NUM_ENGINES];
    struct med_budget budget;   /* its share of the event thread (guard.h) */
    struct med_guard guard;
    bool stop_applied;          /* the guard's stop: its work was failed */
    uint64_t deferrals;         /* times it waited for its budget */
    uint64_t cpu_timed_until_ns;        /* its work is timed in CPU time until then */
};

/* A control client (control.c); fd -1: the slot is free. */
struct control_conn {
    int fd;
};

#define MED_MAX_CONTROLS    8

struct session {
    struct med_server *server;
    struct session *prev, *next;
    int fd;
    enum session_stage stage;
    uint32_t client_id;         /* names the client in log lines before it has a vGPU */
    char vm_name[WIRE_VM_NAME_LEN];
    unsigned bus_slot;          /* its bus window, taken with the first guest RAM */
    struct guest_ram ram[MED_RAM_RANGES_MAX];  /* each DMA-mapped at window + gpa */
    unsigned ram_count;
    const struct med_ram_backend *ram_backend;  /* of every range: the first's */
    uint32_t xen_domid;         /* with med_ram_xen: the domain of every range */
    struct session_vgpu vgpu;
    unsigned guest_errors_logged;   /* rate limit of per-vGPU guest error lines */
    bool failed;                /* a COMPLETE could not be sent: close it */
    bool deferred;              /* over its budget: socket unwatched, elements wait */
    /* It shadowed a workload while the server takes the rings with
     * dispatch held (server.c, take_rings()): its later elements wait for
     * the release (med_session_shadow_held_back()). */
    bool shadowed_in_hold;
};

/* Event-thread work being timed for a session (session-cost.c); spans
 * nest: an inner one's time is charged to its own session only. */
struct cost_span {
    struct session *session;
    uint64_t start_ns, nested_ns;
    uint64_t cpu_start_ns;      /* the thread's CPU time at the start; 0: not read */
    struct cost_span *outer;
};

struct med_server {
    int stage;                  /* enum server_stage, server.c */
    struct med_server_config config;
    struct pgpu *gpu;           /* the physical GPU (backend) */
    void *scratch_page;         /* at bus MED_SCRATCH_BUS: where entries owned by no vGPU point */
    struct med_gm *gm;
    struct med_host_mem *host_mem;  /* host memory the GPU reaches (bus window 0) */
    struct med_host_buf status_pages;   /* one per engine, in the host GGTT block */
    struct med_host_buf idle_contexts;  /* one per engine (sched.h), after the status pages */
    struct med_sched *sched;
    /* take_rings() holds the scheduler's dispatch: each vGPU shadows one
     * workload until the release */
    bool dispatch_held;
    struct med_vgpu_exec_host exec_host;    /* what every vGPU's submission shares */
    struct med_window_map window_map[GEN9_NUM_ENGINES][2];     /* exec_host's */
    struct med_vgpu_exec_stats exec_totals;
    int epoll_fd;
    int lock_fd;
    int listen_fd;
    bool socket_bound;          /* we created the socket file: unlink it at the end */
    struct session *sessions;
    unsigned session_count;
    struct reserved_vgpu *reserved;
    bool told_client_limit;     /* the "client limit reached" line was logged */
    uint32_t next_client_id;
    uint32_t next_vgpu_id;
    uint64_t bus_slots_used;    /* bit n: window n taken (bit 0: the host's) */
    struct med_server_stats stats;
    uint64_t started_ns;
    char control_path[108];     /* PATH.control, with a socket path */
    int control_fd;
    bool control_bound;         /* we created it: unlink it at the end */
    struct control_conn controls[MED_MAX_CONTROLS];
    struct med_budget_params budget_params;
    struct med_guard_limits guard_limits;
    int resume_fd;              /* timerfd: a deferred vGPU's budget is back */
    uint64_t resume_at_ns;      /* when it fires; 0: disarmed */
    int loop_fd;                /* timerfd: time to copy running loops again */
    bool loop_timer_armed;
    /* The two sessions (client ids; 0: none) the event thread worked for
     * last, and when: is another vGPU than the one at hand using it? */
    struct { uint32_t client_id; uint64_t at_ns; } recent[2];
    struct cost_span *span;     /* the innermost work being timed */
};

/* server.c */
int med_server_watch(struct med_server *server, int fd, void *tag);
#define DOORBELL_TAG_BIT    1u  /* in the tag of a session's submission doorbell */
int med_server_watch_doorbell(struct med_server *server, int fd, struct session *s);
void med_server_unwatch(struct med_server *server, int fd);
uint64_t med_server_time_slice_ns(const struct med_server *server);

/* control.c */
bool med_control_is_tag(const struct med_server *server, const void *tag);
void med_control_accept(struct med_server *server);
void med_control_readable(struct med_server *server, struct control_conn *c);
void med_control_close(struct med_server *server, struct control_conn *c);

/* reserved.c */
/* @type's partition, or -1 with errno and @detail saying which resource
 * is short and by how much. */
int med_partition_alloc(struct med_server *server, const struct med_vgpu_type *type,
                        struct med_partition *partition, char *detail, size_t size);
struct reserved_vgpu *med_reserved_find(const struct med_server *server, const char *name);
struct reserved_vgpu *med_reserved_find_id(const struct med_server *server, uint32_t id);
/* 0, or a negative errno with @detail: -ENOENT (type), -EEXIST, -ENOSPC, ... */
int med_reserved_create(struct med_server *server, const char *type_name, const char *name,
                        char *detail, size_t size);
/* 0, or -ENOENT, -EBUSY (a VM has it) with @detail. */
int med_reserved_destroy(struct med_server *server, const char *name, char *detail, size_t size);
void med_reserved_destroy_all(struct med_server *server);

/* counters.c */
/* What @s's vGPU counted since its counting began (this VM's part). */
void med_vgpu_counters_of_session(const struct session *s, uint64_t now_ns,
                                  struct med_vgpu_counters *counters);
/* @dst += @src, or -= with @subtract. */
void med_vgpu_counters_add(struct med_vgpu_counters *dst, const struct med_vgpu_counters *src,
                           bool subtract);
/* Zero the counters of @s's vGPU (and of its reserved vGPU's past VMs). */
void med_vgpu_counters_reset_session(struct session *s, uint64_t now_ns);
/* session-cost.c: what a vGPU costs the event thread, and its guard */
void med_cost_span_begin(struct med_server *server, struct cost_span *span, struct session *s);
void med_cost_span_end(struct med_server *server, struct cost_span *span);
/* Whether @s's work may be done now; if not it is deferred (its socket is
 * not read, its elements wait) until its budget is back. */
bool med_session_may_work(struct session *s);
void med_session_guard_event(struct session *s, enum med_guard_event event);
/* The guard stopped @s's vGPU: fail its work now (once), outside any of
 * its work in progress. */
void med_session_apply_stop(struct session *s);
/* gpumedctl restart: the stopped vGPU is served again. */
void med_session_restart(struct session *s);
/* resume_fd fired: serve the deferred sessions whose budget is back. */
void med_server_resume_deferred(struct med_server *server);

/* session.c */
struct session *med_session_create(struct med_server *server, int fd);
void med_session_destroy(struct session *session);
/* Handle what the client sent on the socket, and in the submission ring
 * (its doorbell rang); false when the session must be closed. */
bool med_session_readable(struct session *session);
bool med_session_doorbell(struct session *session);
/* Does its submission ring hold notices (and may it work on them now)? */
bool med_session_has_notices(const struct session *session);
/* Send the DOORBELL its client asked for, if due (marks it failed if the
 * socket is gone). */
void med_session_ring_doorbell(struct session *session);
/* Its socket and doorbell in the event loop's set, or out of it (while
 * deferred, and before it is closed); watch: 0 or -1 with errno. */
int med_session_watch(struct session *session);
void med_session_unwatch(struct session *session);
/* After every call into its submission: act on what the call noticed
 * (guest errors, the guard's events), send its COMPLETEs, then shadow the
 * elements waiting for a slot one at a time while the vGPU may work; while
 * the server holds dispatch (server->dispatch_held), only one. */
void med_session_after_submission(struct session *session);
/* The dispatch hold is over: shadow what med_session_after_submission()
 * left waiting in it (the time is charged to the vGPU). */
void med_session_shadow_held_back(struct session *session);
/* @w of its vGPU left the scheduler (server.c drains the done list). */
void med_session_workload_done(struct session *session, struct med_sched_workload *w);
/* loop_fd fired: copy and scan again the loops its vGPU runs, if it may
 * work now (the time is charged to it). */
void med_session_tick_loops(struct session *session);

/* Log a line about @session prefixed with its vGPU id or client id and name. */
void med_session_log(const struct session *session, enum med_log_level level,
                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* GPUMED_MEDIATOR_PRIVATE_H */
