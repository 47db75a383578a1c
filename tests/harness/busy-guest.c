/*
 * busy-guest.c - a client that keeps its vGPU backlogged and measures
 * that it did (busy-guest.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/harness/busy-guest.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "tests/harness/guest-driver.h"
#include "pgpu/skl-regs.h"

#define MiB             (1ull << 20)
#define RAM_SIZE        (16 * MiB)
#define STORES_PER_PAGE 1024            /* every dword of a data page */
#define MAX_LANES       8
#define MAX_PAGES       8
#define WAIT_MS         60000
#define BATCH_ADDR      0x0000100000000ull
#define DATA_ADDR       0x0000200000000ull

struct busy_guest {
    struct busy_guest_config config;
    pthread_t thread;
    sem_t ready;
    uint32_t vgpu_id;
    int stop;
    int error;
    pthread_mutex_t lock;           /* stats, looked, seqno: the thread's and the readers' */
    struct busy_guest_stats stats;  /* up to the last look */
    uint64_t looked;                /* when; 0: not looking (the VM is not there) */
    unsigned submitting;            /* the lane being submitted, or lanes */
    uint32_t seqno[MAX_LANES];      /* each lane's last breadcrumb */
    /* the thread's */
    struct guest_vm *vm;
    struct guest_ctx *ctx[MAX_LANES];
    struct guest_bo *batch, *data;
    uint32_t value[MAX_LANES];      /* batch i of the lane's round stores value + i */
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Bytes of one batch: four dwords per store, and the end. */
static uint64_t batch_stride(const struct busy_guest *g)
{
    return (uint64_t)g->config.pages * STORES_PER_PAGE * 16 + 4096;
}

/* Lane @lane's round: BUSY_GUEST_BATCHES batches, batch i storing the
 * lane's value + i into every dword of its own pages. */
static int submit_round(struct busy_guest *g, unsigned lane)
{
    unsigned stores = g->config.pages * STORES_PER_PAGE;
    uint32_t seqno;
    int ret;

    for (unsigned i = 0; i < BUSY_GUEST_BATCHES; i++) {
        unsigned block = lane * BUSY_GUEST_BATCHES + i;
        uint32_t *p = (uint32_t *)((uint8_t *)g->batch->map + block * batch_stride(g));
        uint64_t data = DATA_ADDR + block * 4096ull * g->config.pages;

        for (unsigned k = 0; k < stores; k++) {
            *p++ = MI_STORE_DATA_IMM;
            *p++ = (uint32_t)(data + 4 * k);
            *p++ = (uint32_t)((data + 4 * k) >> 32);
            *p++ = g->value[lane] + i;
        }
        *p = MI_BATCH_BUFFER_END;
        if ((ret = guest_ctx_emit_batch(g->ctx[lane], BATCH_ADDR + block * batch_stride(g),
                                        true)) ||
            (ret = guest_ctx_emit_breadcrumb(g->ctx[lane], &seqno)) ||
            (ret = guest_ctx_submit(g->ctx[lane]))) {
            return ret;
        }
        pthread_mutex_lock(&g->lock);
        g->seqno[lane] = seqno;
        pthread_mutex_unlock(&g->lock);
    }
    return 0;
}

/* Wait for lane @lane's round and check every dword it stored. */
static int check_round(struct busy_guest *g, unsigned lane)
{
    int ret = guest_ctx_wait(g->ctx[lane], WAIT_MS);

    unsigned stores = g->config.pages * STORES_PER_PAGE;

    for (unsigned i = 0; i < BUSY_GUEST_BATCHES && !ret; i++) {
        const uint32_t *page = (const uint32_t *)g->data->map +
                               (lane * BUSY_GUEST_BATCHES + i) * (size_t)stores;

        for (unsigned k = 0; k < stores && !ret; k++) {
            ret = page[k] != g->value[lane] + i ? -EBADMSG : 0;
        }
    }
    return ret;
}

/* Whether a lane other than the one being submitted has its round
 * unfinished, by the breadcrumbs the GPU wrote (wrap-safe comparison).
 * Under g->lock. */
static bool unfinished(const struct busy_guest *g)
{
    for (unsigned l = 0; l < g->config.lanes; l++) {
        if (l != g->submitting && (int32_t)(guest_ctx_seqno(g->ctx[l]) - g->seqno[l]) < 0) {
            return true;
        }
    }
    return false;
}

/* Charge the time since the last look to backlogged when some round
 * other than the one being submitted is unfinished (it was submitted
 * before that look), else to drained.  Under g->lock. */
static void look(const struct busy_guest *g, struct busy_guest_stats *stats, uint64_t now)
{
    bool busy = unfinished(g);

    *(busy ? &stats->backlogged_ns : &stats->drained_ns) += now - g->looked;
    stats->drains += !busy;
}

static int setup(struct busy_guest *g)
{
    struct guest_ppgtt *ppgtt;
    unsigned lanes = g->config.lanes;

    g->vm = g->config.vgpu_name ?
            guest_vm_attach(g->config.socket, g->config.name, RAM_SIZE, g->config.vgpu_name) :
            guest_vm_create(g->config.socket, g->config.name, RAM_SIZE, g->config.type);
    ppgtt = g->vm ? guest_ppgtt_new(g->vm) : NULL;
    for (unsigned l = 0; l < lanes && ppgtt; l++) {
        if (!(g->ctx[l] = guest_ctx_new(g->vm, GEN9_RCS, ppgtt))) {
            return -ENOMEM;
        }
    }
    g->batch = ppgtt ? guest_bo_new(g->vm, lanes * BUSY_GUEST_BATCHES * batch_stride(g), false)
                     : NULL;
    g->data = g->batch ? guest_bo_new(g->vm, lanes * BUSY_GUEST_BATCHES * 4096ull *
                                      g->config.pages, false) : NULL;
    if (!g->data || guest_ppgtt_map(ppgtt, g->batch, BATCH_ADDR) ||
        guest_ppgtt_map(ppgtt, g->data, DATA_ADDR)) {
        return -ENOMEM;
    }
    g->vgpu_id = guest_vm_vgpu(g->vm)->id;
    return 0;
}

static void *busy_main(void *opaque)
{
    struct busy_guest *g = opaque;
    unsigned lanes = g->config.lanes, lane = 0;
    int err = setup(g);

    __atomic_store_n(&g->error, err, __ATOMIC_RELEASE);
    sem_post(&g->ready);
    for (unsigned l = 0; l < lanes && !err; l++) {
        g->value[l] = 1 + l * BUSY_GUEST_BATCHES;
        err = submit_round(g, l);
    }
    pthread_mutex_lock(&g->lock);
    g->submitting = lanes;
    g->looked = err ? 0 : now_ns();
    pthread_mutex_unlock(&g->lock);
    while (!err && !__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
        err = check_round(g, lane);
        if (err) {
            break;
        }
        g->value[lane] += lanes * BUSY_GUEST_BATCHES;
        pthread_mutex_lock(&g->lock);
        g->submitting = lane;
        pthread_mutex_unlock(&g->lock);
        err = submit_round(g, lane);
        /* What is unfinished now, but for the round just submitted, was
         * submitted before the previous look. */
        pthread_mutex_lock(&g->lock);
        g->stats.rounds++;
        look(g, &g->stats, now_ns());
        g->submitting = lanes;
        g->looked = now_ns();
        pthread_mutex_unlock(&g->lock);
        lane = (lane + 1) % lanes;
    }
    if (err) {
        __atomic_store_n(&g->error, err, __ATOMIC_RELEASE);
    }
    pthread_mutex_lock(&g->lock);
    g->looked = 0;
    pthread_mutex_unlock(&g->lock);
    guest_vm_destroy(g->vm);
    return NULL;
}

struct busy_guest *busy_guest_start(const struct busy_guest_config *config)
{
    struct busy_guest *g;

    if (config->lanes < 2 || config->lanes > MAX_LANES || !config->pages ||
        config->pages > MAX_PAGES || !(g = calloc(1, sizeof(*g)))) {
        return NULL;
    }
    g->config = *config;
    sem_init(&g->ready, 0, 0);
    pthread_mutex_init(&g->lock, NULL);
    if (pthread_create(&g->thread, NULL, busy_main, g)) {
        pthread_mutex_destroy(&g->lock);
        sem_destroy(&g->ready);
        free(g);
        return NULL;
    }
    while (sem_wait(&g->ready) && errno == EINTR) {
    }
    if (__atomic_load_n(&g->error, __ATOMIC_ACQUIRE)) {
        busy_guest_stop(g);
        return NULL;
    }
    return g;
}

uint32_t busy_guest_vgpu_id(const struct busy_guest *g)
{
    return g->vgpu_id;
}

void busy_guest_stats(struct busy_guest *g, struct busy_guest_stats *out)
{
    /* The time since the client's last look is charged by a look of the
     * reader's: a client whose rounds the GPU does not run is backlogged
     * even if it never gets to look again. */
    pthread_mutex_lock(&g->lock);
    *out = g->stats;
    if (g->looked) {
        look(g, out, now_ns());
    }
    pthread_mutex_unlock(&g->lock);
}

int busy_guest_stop(struct busy_guest *g)
{
    int err;

    __atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
    pthread_join(g->thread, NULL);
    err = g->error;
    pthread_mutex_destroy(&g->lock);
    sem_destroy(&g->ready);
    free(g);
    return err;
}

double busy_guest_backlogged(const struct busy_guest_stats *from,
                             const struct busy_guest_stats *to)
{
    double backlogged = (double)(to->backlogged_ns - from->backlogged_ns);
    double drained = (double)(to->drained_ns - from->drained_ns);

    return backlogged + drained > 0 ? backlogged / (backlogged + drained) : 0;
}
