/*
 * gpumedctl.h - what gpumedctl's commands share (gpumedctl.c) and the
 * live view, `top` and `stats --interval` (gpumedctl-watch.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_TOOLS_GPUMEDCTL_H
#define GPUMED_MEDIATOR_TOOLS_GPUMEDCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "wire/control.h"


/* What a command prints goes to @out: for a one-shot command a buffer
 * written to stdout only when it succeeded, so a failure prints its error
 * alone (JSON stays one valid document). */
struct printer {
    bool json;
    FILE *out;
    unsigned items;
    uint64_t gpu_busy[GEN9_NUM_ENGINES];
};

/* A JSON string: names are printable ASCII (the mediator checks), a
 * message may quote anything. */
void json_string(FILE *out, const char *s);
const char *vgpu_state_name(const struct wire_ctl_vgpu *v);
/* What list, stats and the live view say of a vGPU first, in JSON. */
void json_vgpu_identity(FILE *out, const struct wire_ctl_vgpu *v);

/*
 * A failure: the message on stderr and, with --json, an error object on
 * stdout ({"error": {"command", "message", "errno"}}), the only thing
 * printed there for a one-shot command; returns @exit_status.
 */
int fail(const struct printer *p, int exit_status, const char *command, int err,
         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The message for a control socket that cannot be reached (errno @err). */
int connect_failure(const struct printer *p, const char *command, const char *control,
                    const char *socket_path, int err);

/* The live view (docs/mediator.md, "Watching the GPU"): every
 * @interval_ns a STATS, printed as what happened since the previous one;
 * @count intervals (0: until interrupted).  @top: a table redrawn in
 * place on a terminal; else (stats --interval) one block per interval;
 * with --json (either) one JSON object per line per interval.  Returns
 * the exit status. */
int gpumedctl_watch(const struct printer *p, const char *command, const char *control,
                    const char *socket_path, uint64_t interval_ns, unsigned long count,
                    bool top);

#endif /* GPUMED_MEDIATOR_TOOLS_GPUMEDCTL_H */
