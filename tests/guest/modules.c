/*
 * Module loading for the guest agent.
 *
 * build-guest writes the module files' names, dependencies first, into a list
 * next to them.  Each load runs in a child process so that a driver probe
 * that hangs or oopses costs that child, not PID 1: the agent still reports
 * the steps (and the kernel log) afterwards.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

static int finit_module(int fd)
{
    return (int)syscall(SYS_finit_module, fd, "", 0);
}

/* The child's exit status is 0 or the errno of the failed load. */
static void load_in_child(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || (finit_module(fd) != 0 && errno != EEXIST)) {
        _exit(errno);
    }
    _exit(0);
}

/* Returns 0, the load's errno, or ETIMEDOUT (the child is left behind). */
static int load_module(const char *path, int timeout_ms)
{
    int done[2];
    int status;
    pid_t pid;

    if (pipe2(done, O_CLOEXEC) != 0) {
        return errno;
    }
    pid = fork();
    if (pid < 0) {
        close(done[0]);
        close(done[1]);
        return errno;
    }
    if (pid == 0) {
        /* The write end stays open in the child until it exits. */
        close(done[0]);
        load_in_child(path);
    }
    close(done[1]);

    struct pollfd pfd = { .fd = done[0], .events = POLLIN };
    int ready = poll(&pfd, 1, timeout_ms);

    close(done[0]);
    if (ready == 0) {
        return ETIMEDOUT;
    }
    if (waitpid(pid, &status, 0) != pid) {
        return errno;
    }
    if (WIFSIGNALED(status)) {
        return EINTR;   /* killed, e.g. by an oops in the probe */
    }
    return WEXITSTATUS(status);
}

const struct module_load *find_module_load(const char *name)
{
    for (size_t i = 0; i < boot_record.n_modules; i++) {
        if (strcmp(boot_record.modules[i].name, name) == 0) {
            return &boot_record.modules[i];
        }
    }
    return NULL;
}

void load_modules(const char *list_path, int timeout_s)
{
    char dir[256], line[128], path[512];
    const char *slash = strrchr(list_path, '/');
    FILE *list = fopen(list_path, "re");
    double start = boottime_ms();

    if (!list) {
        return;
    }
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - list_path), list_path);
    while (boot_record.n_modules < MAX_MODULES &&
           fgets(line, sizeof(line), list)) {
        struct module_load *m = &boot_record.modules[boot_record.n_modules];
        double t0 = boottime_ms();

        line[strcspn(line, "\n")] = '\0';
        if (!line[0]) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, line);
        snprintf(m->name, sizeof(m->name), "%.*s",
                 (int)strcspn(line, "."), line);
        m->error = load_module(path, timeout_s * 1000);
        m->ms = boottime_ms() - t0;
        boot_record.n_modules++;
        if (m->error == ETIMEDOUT) {
            break;      /* the rest depends on it or would hang the same way */
        }
    }
    fclose(list);
    boot_record.modules_ms = boottime_ms() - start;
}
