/*
 * fixture.h - helpers the mediator tests share: guest RAM as a sealed
 * memfd, the way QEMU's memory-backend-memfd makes it; a count of open
 * descriptors, to show that none leaked.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TEST_MEDIATOR_FIXTURE_H
#define GPUMED_TEST_MEDIATOR_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MiB     (1ull << 20)
#define GiB     (1ull << 30)

/* A memfd of @size bytes sealed against shrinking (or not); -1 on failure. */
static inline int guest_ram_memfd(uint64_t size, int seals)
{
    int fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd >= 0 && (ftruncate(fd, (off_t)size) || fcntl(fd, F_ADD_SEALS, seals))) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Descriptors this process holds (the directory's own included). */
static inline unsigned open_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    unsigned n = 0;

    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

#endif /* GPUMED_TEST_MEDIATOR_FIXTURE_H */
