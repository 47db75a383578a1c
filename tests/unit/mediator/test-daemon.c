/*
 * Protocol test: the real gpumed daemon ($GPUMED_BIN) on a socket in a
 * temporary directory, driven through the client library: a vGPU's life,
 * errors that explain themselves, a SIGKILLed client's partition freed
 * (how fast: bench/run sigkill-release), the mediator's death seen by its
 * client, a stopped (SIGSTOP) mediator never making the client wait, the
 * completions of work from before a reset dropped, and a second daemon
 * refusing to start.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "wire/client.h"
#include "wire/control.h"
#include "mediator/server.h"
#include "tests/unit/mediator/fixture.h"

#define RAM_SIZE        (64 * MiB)
#define START_LIMIT_MS  10000.0     /* for the daemon to come up on a busy machine */

struct daemon {
    pid_t pid;
    char dir[64];
    char socket_path[96];
    bool log_to_file;           /* info level into log_path; else warnings to stderr */
    char log_path[96];
};

static struct daemon shared_daemon;

static bool socket_accepts(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    bool ok;

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    ok = !connect(fd, (struct sockaddr *)&addr, sizeof(addr));
    close(fd);
    return ok;
}

/* With @log_path, at info level, logging into that file; else warnings
 * and errors to the test's stderr. */
static pid_t spawn(const char *socket_path, const char *log_path)
{
    const char *bin = getenv("GPUMED_BIN");
    pid_t pid = fork();

    if (pid == 0) {
        int fd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;

        if (log_path && (fd < 0 || dup2(fd, STDERR_FILENO) < 0)) {
            _exit(126);
        }
        execl(bin, "gpumed", "--foreground", "--log-level", log_path ? "info" : "warning",
              "--socket", socket_path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Start a daemon on DIR/run/gpumed.sock (the run directory does not exist). */
static int daemon_start(struct daemon *d)
{
    double start = now_ms();

    snprintf(d->dir, sizeof(d->dir), "/tmp/gpumed-test-XXXXXX");
    if (!getenv("GPUMED_BIN") || !mkdtemp(d->dir)) {
        return -1;
    }
    snprintf(d->socket_path, sizeof(d->socket_path), "%s/run/gpumed.sock", d->dir);
    snprintf(d->log_path, sizeof(d->log_path), "%s/gpumed.log", d->dir);
    d->pid = spawn(d->socket_path, d->log_to_file ? d->log_path : NULL);
    while (!socket_accepts(d->socket_path)) {
        if (now_ms() - start > START_LIMIT_MS || waitpid(d->pid, NULL, WNOHANG) == d->pid) {
            return -1;
        }
        poll(NULL, 0, 5);
    }
    return 0;
}

/* Stop it with SIGTERM (or, already dead, just reap it); returns its wait status. */
static int daemon_stop(struct daemon *d)
{
    char path[128];
    int status = -1;

    kill(d->pid, SIGTERM);
    waitpid(d->pid, &status, 0);
    snprintf(path, sizeof(path), "%s.lock", d->socket_path);
    unlink(path);
    unlink(d->socket_path);
    unlink(d->log_path);
    snprintf(path, sizeof(path), "%s/run", d->dir);
    rmdir(path);
    rmdir(d->dir);
    return status;
}

static int group_setup(void **state)
{
    return daemon_start(&shared_daemon);
}

static int group_teardown(void **state)
{
    int status = daemon_stop(&shared_daemon);

    /* SIGTERM is a clean stop. */
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

struct completions {
    unsigned count;
    struct wire_completion last;
};

static void count_completion(void *opaque, const struct wire_completion *done)
{
    struct completions *c = opaque;

    c->count++;
    c->last = *done;
}

/* A client through HELLO and ADD_MEMORY, ready to create its vGPU. */
static struct wire_client *ready_client(const char *path, struct completions *done)
{
    struct wire_client *c = wire_client_connect(path, "test vm", count_completion, done);
    int ram = guest_ram_memfd(RAM_SIZE, F_SEAL_SHRINK | F_SEAL_GROW);

    assert_non_null(c);
    assert_int_equal(wire_client_add_memory(c, 0, RAM_SIZE, ram, 0), 0);
    close(ram);     /* the mediator has mapped it */
    return c;
}

static void test_a_vgpu_lives_through_the_client_library(void **state)
{
    struct completions done = { 0 };
    struct wire_client *c = ready_client(shared_daemon.socket_path, &done);
    struct wire_client_vgpu vgpu;
    struct pollfd p;

    assert_int_equal(wire_client_create_vgpu(c, "gpumed-8", &vgpu), 0);
    assert_int_equal(vgpu.aperture_size, 32 * MiB);
    assert_int_equal(vgpu.host_aperture_size, 256 * MiB);
    assert_non_null(vgpu.ggtt);
    wire_client_ggtt_write(c, vgpu.hidden_base / 4096, 0x5000 | 1);
    assert_int_equal(vgpu.ggtt[vgpu.hidden_base / 4096], 0x5001);

    /* Two engines: a rejected element stops its engine until a reset. */
    assert_int_equal(wire_client_submit(c, GEN9_RCS, 0x1000, WIRE_NO_TAIL, 0, 0), 0);
    assert_int_equal(wire_client_submit(c, GEN9_BCS, 0x2000, WIRE_NO_TAIL, 0, 0), 0);
    p = (struct pollfd) { .fd = wire_client_fd(c), .events = POLLIN };
    while (done.count < 2) {
        assert_int_equal(poll(&p, 1, 10000), 1);
        assert_int_equal(wire_client_dispatch(c), 0);
    }
    assert_int_equal(done.last.event, WIRE_EVENT_REJECTED);    /* 0x1000 is not a valid context */
    assert_int_equal(done.last.desc, 0x2000);
    assert_int_equal(wire_client_ppgtt_notify(c, WIRE_PPGTT_CREATE, 0x10000), 0);
    assert_int_equal(wire_client_reset_engines(c, WIRE_ENGINE_MASK_ALL), 0);
    assert_int_equal(wire_client_create_vgpu(c, "gpumed-8", &vgpu), -1);
    assert_int_equal(errno, EALREADY);
    wire_client_close(c);
}

/* A control request to the shared daemon: its END's status, @detail. */
static int control(uint32_t op, const char *type, const char *name,
                   char detail[WIRE_CTL_DETAIL_LEN])
{
    struct wire_ctl_request q = { .version = WIRE_CTL_VERSION, .op = op };
    char path[108];
    int fd, status;

    snprintf(q.type, sizeof(q.type), "%s", type);
    snprintf(q.name, sizeof(q.name), "%s", name);
    assert_int_equal(wire_ctl_path(shared_daemon.socket_path, path, sizeof(path)), 0);
    fd = wire_ctl_connect(path);
    assert_true(fd >= 0);
    status = wire_ctl_call(fd, &q, NULL, NULL, detail);
    close(fd);
    return status;
}

/* gpumedctl create, then QEMU's vgpu=NAME: through the client library. */
static void test_a_reserved_vgpu_is_attached_by_name(void **state)
{
    struct completions done = { 0 };
    struct wire_client *c, *other;
    struct wire_client_vgpu vgpu, first;
    char detail[WIRE_CTL_DETAIL_LEN];

    assert_int_equal(control(WIRE_CTL_CREATE, "gpumed-4", "vm-a", detail), 0);
    assert_int_equal(control(WIRE_CTL_CREATE, "gpumed-4", "vm-a", detail), -EEXIST);
    c = ready_client(shared_daemon.socket_path, &done);
    assert_int_equal(wire_client_attach_vgpu(c, "vm-a", &first), 0);
    assert_string_equal(first.type, "gpumed-4");
    assert_int_equal(first.aperture_size, 64 * MiB);
    other = ready_client(shared_daemon.socket_path, &done);
    assert_int_equal(wire_client_attach_vgpu(other, "vm-a", &vgpu), -1);
    assert_int_equal(errno, EBUSY);
    assert_non_null(strstr(wire_client_error(other), "is attached to VM"));
    assert_int_equal(wire_client_attach_vgpu(other, "vm b", &vgpu), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(control(WIRE_CTL_DESTROY, "", "vm-a", detail), -EBUSY);
    wire_client_close(c);
    /* Freed at once: the next attach may race the mediator's close, so retry. */
    for (unsigned i = 0; wire_client_attach_vgpu(other, "vm-a", &vgpu); i++) {
        assert_int_equal(errno, EBUSY);
        assert_true(i < 10000);
        poll(NULL, 0, 1);
    }
    assert_int_equal(vgpu.id, first.id);
    assert_int_equal(vgpu.aperture_base, first.aperture_base);
    wire_client_close(other);
    while (control(WIRE_CTL_DESTROY, "", "vm-a", detail) == -EBUSY) {
        poll(NULL, 0, 1);
    }
    assert_int_equal(control(WIRE_CTL_DESTROY, "", "vm-a", detail), -ENOENT);
    assert_string_equal(detail, "no vGPU named 'vm-a'");
}

static void test_client_errors_explain_themselves(void **state)
{
    struct completions done = { 0 };
    struct wire_client *c = wire_client_connect(shared_daemon.socket_path, "test vm",
                                                count_completion, &done);
    int unsealed = guest_ram_memfd(RAM_SIZE, 0);
    struct wire_client_vgpu vgpu;

    assert_null(wire_client_connect(shared_daemon.socket_path, "bad\nname",
                                    count_completion, &done));
    assert_int_equal(errno, EINVAL);
    assert_non_null(c);
    assert_int_equal(wire_client_create_vgpu(c, "gpumed-8", &vgpu), -1);
    assert_int_equal(errno, EINVAL);            /* guest RAM first */
    assert_int_equal(wire_client_add_memory(c, 0x800, RAM_SIZE, unsealed, 0), -1);
    assert_int_equal(errno, EINVAL);            /* refused locally */
    assert_int_equal(wire_client_add_memory(c, 0, RAM_SIZE, unsealed, 0), -1);
    assert_int_equal(errno, EINVAL);            /* refused by the mediator */
    assert_non_null(strstr(wire_client_error(c), "refused"));
    close(unsealed);
    wire_client_close(c);

    c = ready_client(shared_daemon.socket_path, &done);
    assert_int_equal(wire_client_create_vgpu(c, "gpumed-0", &vgpu), -1);
    assert_int_equal(errno, ENOENT);
    assert_non_null(strstr(wire_client_error(c), "unknown vGPU type 'gpumed-0'; types: gpumed-32 gpumed-8"));
    wire_client_close(c);
}

/* A client pointed at the control socket (socket=PATH.control) learns
 * that it is no VM socket, not "Message too long". */
static void test_the_control_socket_is_no_vm_socket(void **state)
{
    struct completions done = { 0 };
    char path[108];

    assert_int_equal(wire_ctl_path(shared_daemon.socket_path, path, sizeof(path)), 0);
    assert_null(wire_client_connect(path, "test vm", count_completion, &done));
    assert_int_equal(errno, EPROTO);
}

/* A QEMU killed with SIGKILL: its vGPU's partition is free again.  Never
 * freeing hangs the wait below until the test's timeout; how long freeing
 * takes is a benchmark (bench/run sigkill-release), not a test. */
static void test_killed_client_frees_its_partition(void **state)
{
    struct completions done = { 0 };
    struct wire_client *other;
    struct wire_client_vgpu vgpu;
    int ready[2];
    pid_t child;
    char byte;

    assert_int_equal(pipe(ready), 0);
    child = fork();
    if (child == 0) {
        struct wire_client *c = ready_client(shared_daemon.socket_path, &done);

        byte = wire_client_create_vgpu(c, "gpumed-1", &vgpu) ? 'n' : 'y';
        if (write(ready[1], &byte, 1) != 1) {
            _exit(1);
        }
        pause();
        _exit(0);
    }
    assert_int_equal(read(ready[0], &byte, 1), 1);
    assert_int_equal(byte, 'y');

    other = ready_client(shared_daemon.socket_path, &done);
    assert_int_equal(wire_client_create_vgpu(other, "gpumed-1", &vgpu), -1);
    assert_int_equal(errno, ENOSPC);    /* the whole aperture is the child's */
    assert_non_null(strstr(wire_client_error(other), "aperture exhausted: needs 256 MiB"));

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    while (wire_client_create_vgpu(other, "gpumed-1", &vgpu)) {
        assert_int_equal(errno, ENOSPC);
        poll(NULL, 0, 1);
    }
    wire_client_close(other);
    close(ready[0]);
    close(ready[1]);
}

static void test_garbage_closes_only_its_connection(void **state)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    struct completions done = { 0 };
    struct wire_client *c;
    char buf[64];

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", shared_daemon.socket_path);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(send(fd, "\x01\x00\x00\x00junk", 8, 0), 8);
    assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);    /* closed on us */
    close(fd);
    c = wire_client_connect(shared_daemon.socket_path, "after garbage", count_completion, &done);
    assert_non_null(c);
    wire_client_close(c);
}

static int raw_connection(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
}

/* Connections beyond the limit are closed at once; the others are served. */
static void test_client_limit(void **state)
{
    int fds[MED_MAX_CLIENTS + 1];
    struct completions done = { 0 };
    struct wire_client *c;
    char byte;

    for (int i = 0; i <= MED_MAX_CLIENTS; i++) {
        fds[i] = raw_connection(shared_daemon.socket_path);
    }
    assert_int_equal(recv(fds[MED_MAX_CLIENTS], &byte, 1, 0), 0);
    for (int i = 0; i <= MED_MAX_CLIENTS; i++) {
        close(fds[i]);
    }
    /* Their sessions end; a new client gets in (the daemon may need a moment). */
    for (double start = now_ms(); !(c = wire_client_connect(shared_daemon.socket_path,
                                                            "after the crowd",
                                                            count_completion, &done));) {
        assert_true(now_ms() - start < START_LIMIT_MS);
        poll(NULL, 0, 5);
    }
    wire_client_close(c);
}

/* A daemon of the test's own (it may be killed or stopped) and a client
 * with a gpumed-2 vGPU on it. */
static struct wire_client *vgpu_of_own_daemon(struct daemon *d, struct completions *done)
{
    struct wire_client_vgpu vgpu;
    struct wire_client *c;

    assert_int_equal(daemon_start(d), 0);
    c = ready_client(d->socket_path, done);
    assert_int_equal(wire_client_create_vgpu(c, "gpumed-2", &vgpu), 0);
    return c;
}

static void test_mediator_death_fails_the_client_cleanly(void **state)
{
    struct daemon d = { 0 };
    struct completions done = { 0 };
    struct wire_client *c = vgpu_of_own_daemon(&d, &done);
    kill(d.pid, SIGKILL);
    daemon_stop(&d);
    assert_int_equal(wire_client_dispatch(c), -1);
    assert_int_equal(errno, ECONNRESET);
    assert_int_equal(wire_client_submit(c, GEN9_RCS, 0x1000, WIRE_NO_TAIL, 0, 0), -1);
    assert_int_equal(errno, ENOTCONN);
    wire_client_close(c);
}

/* Move on what the client queued and take completions until @count
 * arrived, as QEMU's main loop does (a mediator that never answers: the test's
 * timeout). */
static void pump_until(struct wire_client *c, const struct completions *done, unsigned count)
{
    while (done->count < count || wire_client_send_pending(c)) {
        struct pollfd p = { .fd = wire_client_fd(c), .events = POLLIN };

        if (poll(&p, 1, 100) > 0) {
            assert_int_equal(wire_client_dispatch(c), 0);
        }
    }
}

static void daemon_stop_cleanly(struct daemon *d)
{
    int status = daemon_stop(d);

    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A reset goes out without waiting for the mediator (stopped here, as a
 * slow one would be); the COMPLETE of the element from before the reset,
 * which the mediator sends before it gets to the reset, is dropped: the
 * caller never sees it, although the element after the reset has the
 * same descriptor (i915 resubmits the context it reset).  The old client
 * waited for the reset's reply here and, after 10 s, failed the vGPU.
 */
static void test_stale_completions_after_a_reset_are_dropped(void **state)
{
    struct daemon d = { 0 };
    struct completions done = { 0 };
    struct wire_client *c = vgpu_of_own_daemon(&d, &done);
    assert_int_equal(kill(d.pid, SIGSTOP), 0);
    /* Not a valid context: the mediator answers it as soon as it reads it. */
    assert_int_equal(wire_client_submit(c, GEN9_BCS, 0x1000, WIRE_NO_TAIL, 0, 0), 0);
    assert_int_equal(wire_client_reset_engines(c, 1u << GEN9_BCS), 0);
    assert_int_equal(wire_client_submit(c, GEN9_BCS, 0x1000, WIRE_NO_TAIL, 0, 0), 0);
    assert_int_equal(kill(d.pid, SIGCONT), 0);

    pump_until(c, &done, 1);    /* the old element's COMPLETE came first */
    assert_int_equal(wire_client_stats(c)->stale_completions, 1);
    assert_int_equal(done.count, 1);
    assert_int_equal(done.last.engine, GEN9_BCS);
    assert_int_equal(done.last.desc, 0x1000);
    assert_int_equal(done.last.event, WIRE_EVENT_REJECTED);
    wire_client_close(c);
    daemon_stop_cleanly(&d);
}

/*
 * A stopped mediator reads nothing: what the socket has no room for waits
 * in the client's queue, in order, and no call waits.  PPGTT notices queue
 * up to WIRE_CLIENT_PPGTT_QUEUE_MAX (i915 creates and destroys PPGTTs by the
 * thousand: gem_ctx_create@maximum-mem lost creates past the 256 messages
 * the queue used to hold for everything, and their contexts' work hung),
 * SUBMITs up to WIRE_CLIENT_QUEUE_MAX beside them; past its bound a message
 * is refused (ENOBUFS: QEMU hangs the engine), while resets still go out
 * and drop their engines' queued SUBMITs.  Resumed, the mediator gets the
 * queue in order and the vGPU works.
 */
static void test_a_stopped_mediator_never_blocks_the_client(void **state)
{
    struct daemon d = { 0 };
    struct completions done = { 0 };
    struct wire_client *c = vgpu_of_own_daemon(&d, &done);
    const struct wire_client_stats *st = wire_client_stats(c);
    unsigned notices = 0, submits = 1;
    uint64_t queued_notices;

    assert_int_equal(kill(d.pid, SIGSTOP), 0);
    /* PPGTT notices until the submission ring is full and one waits; then an ELSP;
     * then 3000 notices more, past the old bound. */
    while (!st->queued && notices < 100000) {
        assert_int_equal(wire_client_ppgtt_notify(c, notices++ % 2 ? WIRE_PPGTT_DESTROY :
                                                  WIRE_PPGTT_CREATE, 0x10000), 0);
    }
    assert_int_equal(st->queued, 1);
    assert_int_equal(wire_client_submit(c, GEN9_BCS, 0x1000, WIRE_NO_TAIL, 0, 0), 0);
    for (unsigned i = 0; i < 3000; i++, notices++) {
        assert_int_equal(wire_client_ppgtt_notify(c, notices % 2 ? WIRE_PPGTT_DESTROY :
                                                  WIRE_PPGTT_CREATE, 0x10000), 0);
    }
    assert_int_equal(st->queued, 3002);
    assert_int_equal(st->queue_full, 0);
    /* SUBMITs to their bound. */
    while (!wire_client_submit(c, GEN9_VCS, 0x1000, WIRE_NO_TAIL, 0, 0)) {
        assert_true(++submits <= WIRE_CLIENT_QUEUE_MAX);
    }
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(submits, WIRE_CLIENT_QUEUE_MAX);
    assert_int_equal(st->queue_full, 1);
    /* PPGTT notices to theirs. */
    queued_notices = st->queued - submits;
    while (!wire_client_ppgtt_notify(c, notices % 2 ? WIRE_PPGTT_DESTROY : WIRE_PPGTT_CREATE,
                                     0x10000)) {
        notices++;
        assert_true(st->queued - submits <= WIRE_CLIENT_PPGTT_QUEUE_MAX);
    }
    assert_int_equal(errno, ENOBUFS);
    assert_true(queued_notices < WIRE_CLIENT_PPGTT_QUEUE_MAX);
    assert_int_equal(st->queued - submits, WIRE_CLIENT_PPGTT_QUEUE_MAX);
    assert_int_equal(st->queue_full, 2);
    /* Resets always go: each drops its engines' queued SUBMITs, the second
     * supersedes the first. */
    assert_int_equal(wire_client_reset_engines(c, 1u << GEN9_BCS), 0);
    assert_int_equal(st->submits_superseded, 1);
    assert_int_equal(wire_client_reset_engines(c, WIRE_ENGINE_MASK_ALL), 0);
    assert_int_equal(st->submits_superseded, WIRE_CLIENT_QUEUE_MAX);
    assert_int_equal(st->queue_peak, WIRE_CLIENT_PPGTT_QUEUE_MAX + WIRE_CLIENT_QUEUE_MAX);
    assert_true(wire_client_send_pending(c));
    assert_int_equal(kill(d.pid, SIGCONT), 0);

    pump_until(c, &done, 0);    /* everything queued is sent */
    assert_int_equal(done.count, 0);    /* the superseded SUBMITs never went */
    assert_int_equal(wire_client_submit(c, GEN9_RCS, 0x1000, WIRE_NO_TAIL, 0, 0), 0);
    pump_until(c, &done, 1);
    assert_int_equal(done.last.desc, 0x1000);
    assert_int_equal(done.last.engine, GEN9_RCS);
    assert_int_equal(st->stale_completions, 0);
    wire_client_close(c);
    daemon_stop_cleanly(&d);
}

/* How many lines of @path contain @text. */
static unsigned lines_with(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    unsigned n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        n += strstr(line, text) != NULL;
    }
    fclose(f);
    return n;
}

static void add_engine_resets(const struct wire_ctl_reply *r, void *opaque)
{
    if (r->kind == WIRE_CTL_VGPU) {
        *(uint64_t *)opaque += r->u.vgpu.engine_resets;
    }
}

/* The engine resets of every vGPU of the daemon on @socket_path, as its
 * control socket counts them. */
static uint64_t engine_resets_counted(const char *socket_path)
{
    struct wire_ctl_request q = { .version = WIRE_CTL_VERSION, .op = WIRE_CTL_STATS };
    char path[108], detail[WIRE_CTL_DETAIL_LEN];
    uint64_t resets = 0;
    int fd;

    assert_int_equal(wire_ctl_path(socket_path, path, sizeof(path)), 0);
    fd = wire_ctl_connect(path);
    assert_true(fd >= 0);
    assert_int_equal(wire_ctl_call(fd, &q, add_engine_resets, &resets, detail), 0);
    close(fd);
    return resets;
}

/*
 * i915 resets every engine 8 times while it probes: the mediator's log
 * (info level) has one line for such a burst (the same engines reset
 * again, each within 10 s of the last), one for another mask, one when the
 * first mask comes back after it; the count of all of them is in the line
 * that ends the vGPU.
 */
static void test_a_burst_of_engine_resets_is_logged_once(void **state)
{
    struct daemon d = { .log_to_file = true };
    struct completions done = { 0 };
    struct wire_client *c = vgpu_of_own_daemon(&d, &done);

    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(wire_client_reset_engines(c, WIRE_ENGINE_MASK_ALL), 0);
    }
    assert_int_equal(wire_client_reset_engines(c, 1u << GEN9_VECS), 0);
    assert_int_equal(wire_client_reset_engines(c, WIRE_ENGINE_MASK_ALL), 0);
    pump_until(c, &done, 0);
    /* No time bound: resets never handled are the test's timeout. */
    while (engine_resets_counted(d.socket_path) < 10) {
        poll(NULL, 0, 5);
    }
    assert_int_equal(lines_with(d.log_path, "engines 0xf reset"), 2);
    assert_int_equal(lines_with(d.log_path, "engines 0x8 reset"), 1);
    assert_int_equal(lines_with(d.log_path, "the same reset again within 10 s: debug level"), 3);
    wire_client_close(c);
    /* No time bound: a vGPU never destroyed is the test's timeout. */
    while (!lines_with(d.log_path, "; 10 engine resets")) {
        poll(NULL, 0, 5);
    }
    daemon_stop_cleanly(&d);
}

static void test_second_daemon_refuses_to_start(void **state)
{
    int status;
    pid_t pid = spawn(shared_daemon.socket_path, NULL);

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_true(socket_accepts(shared_daemon.socket_path));    /* the first goes on */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_vgpu_lives_through_the_client_library),
        cmocka_unit_test(test_a_reserved_vgpu_is_attached_by_name),
        cmocka_unit_test(test_client_errors_explain_themselves),
        cmocka_unit_test(test_the_control_socket_is_no_vm_socket),
        cmocka_unit_test(test_killed_client_frees_its_partition),
        cmocka_unit_test(test_garbage_closes_only_its_connection),
        cmocka_unit_test(test_client_limit),
        cmocka_unit_test(test_mediator_death_fails_the_client_cleanly),
        cmocka_unit_test(test_stale_completions_after_a_reset_are_dropped),
        cmocka_unit_test(test_a_stopped_mediator_never_blocks_the_client),
        cmocka_unit_test(test_a_burst_of_engine_resets_is_logged_once),
        cmocka_unit_test(test_second_daemon_refuses_to_start),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("mediator/daemon", tests, group_setup, group_teardown);
}
