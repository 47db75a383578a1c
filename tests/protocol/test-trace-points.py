#!/usr/bin/env python3
# The mediator's trace points fire (issue 14 item 7): bpftrace attaches to
# every USDT probe of provider gpumed in the real daemon (docs/tracing.md)
# while trace-vm, a guest-like VM, runs one good element, one the scanner
# refuses and an engine reset.  Each probe must have fired, with the
# arguments trace-vm says it sent (its vGPU id, its descriptors, the reset
# mask) and the outcomes a guest sees (done, rejected), in the order a
# workload passes the edges.  TAP on stdout.
# Usage: test-trace-points.py GPUMED TRACE_VM
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import select
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
import mediator as gpumed  # noqa: E402
from tap import Tap  # noqa: E402

GPUMED, TRACE_VM = (os.path.abspath(a) for a in sys.argv[1:3])
ATTACH_TIMEOUT = 60
# Each probe's arguments as mediator/trace-points.h lists them.
PROBES = {
    'submit': ('vgpu', 'engine', 'desc'),
    'scan': ('vgpu', 'engine', 'desc', 'verdict', 'bytes'),
    'shadow': ('vgpu', 'engine', 'desc', 'queued', 'ns'),
    'schedule': ('engine', 'vgpu', 'port', 'parts'),
    'dispatch': ('engine', 'desc0', 'desc1'),
    'gpu_complete': ('engine', 'vgpu', 'result', 'gpu_ns'),
    'complete': ('vgpu', 'engine', 'desc', 'event'),
    'reset': ('vgpu', 'engine_mask', 'generation'),
}
# docs/protocol.md: COMPLETE events; sched/sched.h: enum med_sched_result
EVENT_DONE, EVENT_REJECTED, RESULT_DONE, RESULT_HANG = 1, 3, 0, 1

tap = Tap()
check = tap.check


def bpftrace_program():
    # bpftrace runs BEGIN once every other probe is attached
    lines = ['BEGIN { printf("attached\\n"); }']
    for name, args in PROBES.items():
        fields = ' '.join('%s=%%lu' % a for a in args)
        values = ', '.join('arg%d' % i for i in range(len(args)))
        lines.append('usdt:%s:gpumed:%s { printf("%%lu %s %s\\n", nsecs, %s); }'
                     % (GPUMED, name, name, fields, values))
    return '\n'.join(lines)


def parse(out):
    """[(ns, probe, {arg: value})] in time order (bpftrace's per-CPU
    buffers need not keep it)."""
    events = []
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 2 and words[1] in PROBES:
            events.append((int(words[0]), words[1],
                           {k: int(v) for k, v in (w.split('=') for w in words[2:])}))
    return sorted(events, key=lambda e: e[0])


def first(events, probe, **want):
    """Index of the first @probe event whose arguments include @want, or None."""
    for i, (_, name, args) in enumerate(events):
        if name == probe and all(args.get(k) == v for k, v in want.items()):
            return i
    return None


def main():
    bpftrace = shutil.which('bpftrace')
    if not bpftrace:
        gpumed.setup_failed('bpftrace is not installed (scripts/setup-deps installs it)')
    m = gpumed.Mediator(GPUMED)
    if not m.wait_listening():
        check(False, 'the mediator listens', '\n'.join(m.stop()[1]))
        return tap.finish()
    tracer = subprocess.Popen([bpftrace, '-p', str(m.proc.pid), '-e', bpftrace_program()],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner, deadline = '', time.monotonic() + ATTACH_TIMEOUT
    while 'attached\n' not in banner and time.monotonic() < deadline and tracer.poll() is None:
        if select.select([tracer.stdout], [], [], 1)[0]:
            banner += tracer.stdout.readline()
    attached = check('Attaching %d probes' % (len(PROBES) + 1) in banner and
                     'attached\n' in banner,
                     'bpftrace attaches to the %d probes of gpumed' % len(PROBES), banner)
    vm = subprocess.run([TRACE_VM, m.socket], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True, timeout=60) if attached else None
    status, log = m.stop()
    if tracer.poll() is None:
        tracer.send_signal(signal.SIGINT)
    out = tracer.communicate(timeout=30)[0]
    if not attached:
        return tap.finish()
    check(vm.returncode == 0, 'trace-vm: the good element done, the bad one rejected', vm.stderr)
    check(status == 0, 'the mediator exits cleanly', '\n'.join(log[-20:]))
    sent = dict(line.split() for line in vm.stdout.splitlines())
    vgpu, good, bad = int(sent['vgpu']), int(sent['good'], 16), int(sent['bad'], 16)
    events = parse(out)
    for probe in PROBES:
        check(first(events, probe) is not None, 'probe %s fired' % probe, out[-2000:])

    # the good element through every edge, in order
    path = [first(events, 'submit', vgpu=vgpu, engine=0, desc=good),
            first(events, 'scan', vgpu=vgpu, engine=0, desc=good, verdict=0),
            first(events, 'shadow', vgpu=vgpu, engine=0, desc=good, queued=1),
            first(events, 'schedule', vgpu=vgpu, engine=0, port=0),
            first(events, 'dispatch', engine=0),
            first(events, 'gpu_complete', vgpu=vgpu, engine=0, result=RESULT_DONE),
            first(events, 'complete', vgpu=vgpu, engine=0, desc=good, event=EVENT_DONE)]
    check(None not in path and path == sorted(path),
          'the good element: submit, scan ok, shadow queued, schedule, dispatch, '
          'gpu_complete done, complete done, in that order',
          'indices %s in\n%s' % (path, out[-2000:]))
    # the scanner's refusal: what comes before the refused command runs and
    # the GPU stops there, as hardware does (docs/scanner.md): a hang,
    # reported rejected
    bad_path = [first(events, 'submit', vgpu=vgpu, engine=0, desc=bad),
                first(events, 'shadow', vgpu=vgpu, engine=0, desc=bad, queued=1),
                first(events, 'gpu_complete', vgpu=vgpu, engine=0, result=RESULT_HANG),
                first(events, 'complete', vgpu=vgpu, engine=0, desc=bad, event=EVENT_REJECTED)]
    scan = first(events, 'scan', vgpu=vgpu, engine=0, desc=bad)
    check(scan is not None and events[scan][2]['verdict'] != 0,
          'the bad element: scan verdict not ok', out[-2000:])
    check(None not in bad_path and bad_path == sorted(bad_path),
          'the bad element: submit, shadow queued up to its refused command, gpu_complete '
          'hang, complete rejected, in that order',
          'indices %s in\n%s' % (bad_path, out[-2000:]))
    reset = first(events, 'reset', vgpu=vgpu, engine_mask=int(sent['reset'], 16))
    check(reset is not None and events[reset][2]['generation'] >= 1 and
          reset > bad_path[-1] if None not in bad_path else False,
          'reset: the vGPU, the mask trace-vm sent, a new generation, after the rejection',
          out[-2000:])
    return tap.finish()


sys.exit(main())
