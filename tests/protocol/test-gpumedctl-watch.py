#!/usr/bin/env python3
# The live view against the real gpumed (issue 16 item 5): two VMs on
# reserved vGPUs keep the render engine busy (busy-vms: guest-like clients,
# every result verified) while `gpumedctl --json stats --interval` prints
# two intervals; each line is one JSON document whose numbers agree with
# each other exactly (the vGPUs' GPU time adds up to the GPU's, each
# interval's GPU time is the difference of the totals, the shares add up
# to 100 %) and shows both VMs working.  `top` and the text form print
# their rows.  A reserved vGPU's counters outlive its VM and go on with the
# next one; `stats --reset` zeroes one vGPU's and no other's.
# TAP on stdout.
# Usage: test-gpumedctl-watch.py GPUMED GPUMEDCTL BUSY_VMS
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
import mediator as gpumed  # noqa: E402
from tap import Tap  # noqa: E402

GPUMED, GPUMEDCTL, BUSY_VMS = sys.argv[1:4]
ENGINES = ('rcs', 'bcs', 'vcs', 'vecs')
tap = Tap()
check = tap.check


def ctl(socket, *args, timeout=120):
    p = subprocess.run([GPUMEDCTL, '--socket', socket] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def stats(socket):
    rc, out, err = ctl(socket, '--json', 'stats')
    if rc:
        raise RuntimeError('gpumedctl stats failed: ' + err)
    return {v['name']: v for v in json.loads(out)['vgpus']}


class BusyVMs:
    """busy-vms with @pairs (VM, vGPU), running until stop()."""

    def __init__(self, socket, pairs):
        self.proc = subprocess.Popen([BUSY_VMS, socket] + ['%s=%s' % p for p in pairs],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self.proc.stdout.readline().strip() == 'ready'

    def stop(self):
        """{VM: (rounds, error)} and the exit status."""
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        status = self.proc.wait()
        result = {}
        for line in out.splitlines():
            name, rounds, error = line.split()
            result[name] = (int(rounds.split('=')[1]), int(error.split('=')[1]))
        return result, status


def check_interval(doc, names, n):
    """The checks of one --json interval line."""
    vgpus = {v['name']: v for v in doc.get('vgpus', [])}
    check(set(names) <= set(vgpus), 'interval %d lists %s' % (n, ' and '.join(names)),
          sorted(vgpus))
    if not set(names) <= set(vgpus):
        return vgpus
    gpu = doc['gpu']['busy_ns']
    for e in ENGINES:
        total = sum(v['engines'][e]['busy_ns'] for v in vgpus.values())
        if total != gpu[e]:
            check(False, 'interval %d: the vGPUs\' %s time adds up to the GPU\'s' % (n, e),
                  '%d != %d' % (total, gpu[e]))
            break
    else:
        check(True, "interval %d: each engine's GPU time is the sum of the vGPUs'" % n)
    shares = sum(vgpus[name]['engines']['rcs']['share_percent'] for name in names)
    check(gpu['rcs'] > 0 and abs(shares - 100.0) < 0.01,
          'interval %d: the rcs shares add up to 100 %%' % n, shares)
    for name in names:
        rcs = vgpus[name]['engines']['rcs']
        check(rcs['busy_ns'] > 0 and vgpus[name]['completed'] > 0 and
              vgpus[name]['rejected'] == 0,
              'interval %d: %s had rcs time (%.1f %% of the interval, %.1f %% of the busy '
              'time), finished work, had none rejected' % (n, name, rcs['busy_percent'],
                                                          rcs['share_percent']),
              vgpus[name])
        check(rcs['busy_percent'] == round(100.0 * rcs['busy_ns'] / doc['interval_ns'], 3),
              'interval %d: %s busy_percent is its GPU time over the interval' % (n, name))
        # The mediator's event thread served it: its work was shadowed and
        # its completions sent within the interval.
        med = vgpus[name].get('mediator_ns', 0)
        check(med > 0 and vgpus[name]['mediator_percent'] ==
              round(100.0 * med / doc['interval_ns'], 3),
              'interval %d: %s cost the mediator time (%.1f %% of the interval)'
              % (n, name, vgpus[name].get('mediator_percent', 0)), vgpus[name])
    return vgpus


def watch_two_intervals(socket):
    rc, out, err = ctl(socket, '--json', 'stats', '--interval', '2', '--count', '2')
    lines = out.splitlines()
    check(rc == 0 and len(lines) == 2, 'stats --json --interval 2 --count 2 prints two lines',
          'status %d, stdout %r, stderr %r' % (rc, out, err))
    docs = []
    for n, line in enumerate(lines, 1):
        try:
            docs.append(json.loads(line))
        except ValueError as e:
            check(False, 'interval %d is one JSON document' % n, '%s: %r' % (e, line))
            return None
    check(len(docs) == 2 and docs[1]['uptime_ns'] - docs[0]['uptime_ns'] == docs[1]['interval_ns']
          and docs[0]['interval_ns'] > 0,
          "consecutive intervals: the second's length is the mediator's time between them")
    first = check_interval(docs[0], ['vm1', 'vm2'], 1)
    second = check_interval(docs[1], ['vm1', 'vm2'], 2)
    ok = all(second[name]['engines'][e]['busy_ns_total'] - first[name]['engines'][e]['busy_ns_total']
             == second[name]['engines'][e]['busy_ns'] for name in ('vm1', 'vm2') for e in ENGINES)
    check(ok, "the second interval's GPU time is the difference of the totals")
    for n, doc in enumerate(docs, 1):
        print('# interval %d: %s' % (n, ', '.join(
            '%s rcs %.1f %% (share %.1f %%, queued %d)' % (
                v['name'], v['engines']['rcs']['busy_percent'],
                v['engines']['rcs']['share_percent'], v['engines']['rcs']['queued'])
            for v in doc['vgpus'])))
    return second


def text_forms(socket):
    rc, out, err = ctl(socket, 'top', '--interval', '0.5', '--count', '2')
    frames = [f for f in out.split('gpumedctl top: ') if f]
    rows_ok = all(any(line.split()[1:2] == [name] for line in frame.splitlines())
                  for frame in frames for name in ('vm1', 'vm2'))
    check(rc == 0 and len(frames) == 2 and rows_ok and 'RCS%' in out and 'MED%' in out,
          'top --count 2 draws two frames with a row for vm1 and for vm2', out + err)
    print('# ' + ('gpumedctl top: ' + frames[-1] if frames else '').strip().replace('\n', '\n# '))
    rc, out, err = ctl(socket, 'stats', '--interval', '0.5', '--count', '1')
    check(rc == 0 and 'GPU busy rcs' in out and 'vGPU' in out and ' vm1 ' in out and
          ' vm2 ' in out and ' mediator ' in out, 'stats --interval prints the GPU and each vGPU',
          out + err)
    print('# ' + out.strip().replace('\n', '\n# '))


def main():
    mediator = gpumed.Mediator(GPUMED)
    try:
        if not check(mediator.wait_listening(), 'the mediator listens'):
            return tap.finish()
        socket = mediator.socket
        for name in ('vm1', 'vm2'):
            rc, out, err = ctl(socket, 'create', '--type', 'gpumed-8', '--name', name)
            check(rc == 0, 'create ' + name, err)
        vms = BusyVMs(socket, [('guest-a', 'vm1'), ('guest-b', 'vm2')])
        check(vms.ready, 'two busy VMs attached to vm1 and vm2')
        last = watch_two_intervals(socket) if vms.ready else None
        text_forms(socket)
        result, status = vms.stop()
        check(status == 0 and all(r > 0 and e == 0 for r, e in result.values()),
              'the busy VMs verified their rounds', result)

        # The closing account: what each guest used outlives its VM.
        after = stats(socket)
        for name in ('vm1', 'vm2'):
            v = after[name]
            check(v['state'] == 'idle' and last is not None and
                  v['engines']['rcs']['busy_ns'] >= last[name]['engines']['rcs']['busy_ns_total']
                  > 0 and v['completed'] >= last[name]['completed_total'] > 0,
                  '%s, its VM gone, still counts its GPU time and work' % name, v)
        vms = BusyVMs(socket, [('guest-c', 'vm1')])
        check(vms.ready, 'a second VM attached to vm1')
        rc, out, err = ctl(socket, '--json', 'stats', '--interval', '1', '--count', '1')
        result, status = vms.stop()
        again = stats(socket)
        check(status == 0 and again['vm1']['engines']['rcs']['busy_ns'] >
              after['vm1']['engines']['rcs']['busy_ns'] and
              again['vm1']['completed'] > after['vm1']['completed'] and
              again['vm1']['counted_ns'] > after['vm1']['counted_ns'],
              "vm1's counters go on with its second VM", (after['vm1'], again['vm1']))
        check(again['vm2'] == after['vm2'] or
              {k: v for k, v in again['vm2'].items() if k != 'counted_ns'} ==
              {k: v for k, v in after['vm2'].items() if k != 'counted_ns'},
              "idle vm2's counters stay as they were", (after['vm2'], again['vm2']))

        rc, out, err = ctl(socket, 'stats', '--reset', 'vm1')
        reset = stats(socket)
        zero = all(reset['vm1']['engines'][e]['busy_ns'] == 0 and
                   reset['vm1']['engines'][e]['workloads'] == 0 for e in ENGINES)
        check(rc == 0 and zero and reset['vm1']['completed'] == 0 and
              reset['vm1']['elements'] == 0 and
              reset['vm1']['counted_ns'] < again['vm1']['counted_ns'],
              'stats --reset vm1 zeroes its counters', reset['vm1'])
        check(reset['vm2']['engines']['rcs']['busy_ns'] == after['vm2']['engines']['rcs']['busy_ns']
              and reset['vm2']['completed'] == after['vm2']['completed'],
              "and leaves vm2's", reset['vm2'])
        rc, out, err = ctl(socket, 'stats', '--reset', 'vm9')
        check(rc == 1 and "no vGPU named 'vm9'" in err, 'stats --reset of an unknown name says so',
              err)
    finally:
        status, lines = mediator.stop()
        check(status == 0, 'the mediator stops cleanly', '\n'.join(lines[-5:]))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
