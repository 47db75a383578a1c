#!/usr/bin/env python3
# scripts/plot-shares (the demo's plot of the GPU's use) on made-up
# intervals: the SVG parses, has a panel for each engine that was busy and
# only those, a line per vGPU whose points sit where the panel's own 0 and
# full-scale axes and its time span put the input's GPU times, the
# engine's total, a legend naming each vGPU with its share of the run; an
# interval that reports an error stops it with the message.  TAP on stdout.
# Usage: test-plot-shares.py SCRIPTS/PLOT-SHARES
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
from tap import Tap  # noqa: E402

PLOT = sys.argv[1]
SVG = '{http://www.w3.org/2000/svg}'
tap = Tap()
# (vGPU id, name, VM) and its rcs GPU time in three 1 s intervals, in ms:
# vm1 has 2/3 of the run's (120 of 180 ms)
VGPUS = [(1, 'vm1', 'web', (20, 40, 60)), (2, 'vm2', 'vm2', (10, 20, 30))]


def interval(k):
    engines = ('rcs', 'bcs', 'vcs', 'vecs')
    vgpus = [{'id': i, 'name': n, 'vm': vm,
              'engines': {e: {'busy_ns': ms[k] * 1000000 if e == 'rcs' else 0} for e in engines}}
             for i, n, vm, ms in VGPUS]
    total = sum(ms[k] for _, _, _, ms in VGPUS) * 1000000
    return {'interval_ns': 1000000000, 'uptime_ns': (k + 1) * 1000000000,
            'gpu': {'busy_ns': {e: total if e == 'rcs' else 0 for e in engines}},
            'vgpus': vgpus}


def points(polyline):
    return [tuple(float(c) for c in p.split(',')) for p in polyline.get('points').split()]


def main():
    with tempfile.TemporaryDirectory(prefix='gpumed-plot-') as tmp:
        src, out = os.path.join(tmp, 'stats.jsonl'), os.path.join(tmp, 'shares.svg')
        with open(src, 'w') as f:
            f.writelines(json.dumps(interval(k)) + '\n' for k in range(3))
        p = subprocess.run([PLOT, src, out], capture_output=True, text=True, timeout=60)
        tap.check(p.returncode == 0, 'plot-shares succeeds', p.stderr)
        try:
            root = ET.parse(out).getroot()
        except (ET.ParseError, OSError) as e:
            tap.check(False, 'the SVG parses', e)
            return tap.finish()
        tap.check(root.tag == SVG + 'svg', 'the SVG parses, an <svg> document')
        panels = [g for g in root.iter(SVG + 'g') if g.get('class') == 'panel']
        tap.check([g.get('data-engine') for g in panels] == ['rcs'],
                  'one panel, for the only busy engine (rcs)', [g.get('data-engine') for g in panels])
        if len(panels) != 1:
            return tap.finish()
        lines = {line.get('class'): line for line in panels[0].iter(SVG + 'line') if line.get('class')}
        x_left, x_right = float(lines['axis-0'].get('x1')), float(lines['axis-0'].get('x2'))
        y0, y_full = float(lines['axis-0'].get('y1')), float(lines['axis-full'].get('y1'))
        full_ms = float(lines['axis-full'].get('data-ms'))
        tap.check(full_ms >= 90, 'the scale holds the largest interval (90 ms)', full_ms)

        def where(k, ms):
            """Where the panel's axes put the end of interval k at @ms: the run
            spans 0 to 3 s."""
            return (x_left + (x_right - x_left) * (k + 1) / 3.0, y0 + (y_full - y0) * ms / full_ms)
        drawn = {int(pl.get('data-id')): points(pl) for pl in panels[0].iter(SVG + 'polyline')
                 if pl.get('class') == 'vgpu'}
        tap.check(sorted(drawn) == [1, 2], 'a line for each vGPU', sorted(drawn))
        for vid, name, _, times in VGPUS:
            want = [where(k, ms) for k, ms in enumerate(times)]
            got = drawn.get(vid, [])
            tap.check(len(got) == 3 and all(abs(g[0] - w[0]) < 0.01 and abs(g[1] - w[1]) < 0.01
                                            for g, w in zip(got, want)),
                      "%s's points are its GPU times on the panel's axes" % name,
                      'got %s, want %s' % (got, want))
        total = [pl for pl in panels[0].iter(SVG + 'polyline') if pl.get('class') == 'gpu']
        want = [where(k, sum(p[k] for _, _, _, p in VGPUS)) for k in range(3)]
        tap.check(len(total) == 1 and all(abs(g[1] - w[1]) < 0.01
                                          for g, w in zip(points(total[0]), want)),
                  "the engine's total is drawn", total and points(total[0]))
        legend = [t.text for t in root.iter(SVG + 'text') if t.get('class') == 'legend']
        tap.check(legend[:2] == ['vm1 (VM web): rcs 67 %', 'vm2: rcs 33 %'],
                  "the legend names each vGPU with its share of the run's rcs time", legend)

        with open(src, 'a') as f:
            f.write(json.dumps({'error': {'command': 'stats', 'message': 'cannot connect',
                                          'errno': 'ENOENT'}}) + '\n')
        p = subprocess.run([PLOT, src, out], capture_output=True, text=True, timeout=60)
        tap.check(p.returncode != 0 and 'cannot connect' in p.stderr,
                  "an interval with gpumedctl's error stops it, saying so", p.stderr)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
