/*
 * server-thread.h - a gpumed mediator served by a thread of this process
 * on a socket in a fresh temporary directory: how the protocol test and
 * the mediated benchmark run the real daemon code next to a guest-like
 * client (guest-driver.h) and read its statistics afterwards.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_TOOLS_SERVER_THREAD_H
#define GPUMED_MEDIATOR_TOOLS_SERVER_THREAD_H

#include "mediator/server.h"

struct server_thread;

/* Start a mediator (aperture 256 MiB, the default host reserve, hang
 * timeout @hang_timeout_ms or the default if 0, a run's part limit twice
 * that, so that a test's short hang timeout shortens both, the isolation
 * invariants checked at every dispatch); NULL on failure. */
struct server_thread *server_thread_start(unsigned hang_timeout_ms);
/* Start a mediator configured as @config says (its socket_path is
 * ignored; a zero gm takes server_thread_start()'s). */
struct server_thread *server_thread_start_config(const struct med_server_config *config);
const char *server_thread_socket(const struct server_thread *st);
/* Stop serving; the server stays readable, its clients connected. */
void server_thread_stop(struct server_thread *st);
/* Serve again after server_thread_stop(): 0, or -1 with errno. */
int server_thread_resume(struct server_thread *st);
const struct med_server *server_thread_server(const struct server_thread *st);
/* Stop if needed, destroy the server, remove the directory. */
void server_thread_destroy(struct server_thread *st);

#endif /* GPUMED_MEDIATOR_TOOLS_SERVER_THREAD_H */
