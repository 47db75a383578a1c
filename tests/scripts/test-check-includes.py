#!/usr/bin/env python3
# scripts/check-includes (the process boundary): the tree passes, and each
# kind of crossing planted in a made-up tree is found and named, while the
# includes that are allowed (the wire and gen9/ from either side,
# same-directory headers, QEMU's own "hw/..." headers in hw/) are not.
# TAP on stdout.
# Usage: test-check-includes.py SCRIPTS/CHECK-INCLUDES TOP
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
from tap import Tap  # noqa: E402

SCRIPT, TOP = sys.argv[1], sys.argv[2]
tap = Tap()


def run(top):
    return subprocess.run([sys.executable, SCRIPT, top], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)


def make_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as f:
            f.write(text)


r = run(TOP)
tap.check(r.returncode == 0 and not r.stdout.strip(), 'the tree keeps the boundary', r.stdout)

# Headers every made-up tree has, and includes that are allowed.
BASE = {
    'wire/protocol.h': '#include <stdint.h>\n',
    'wire/client.h': '#include "wire/protocol.h"\n#include "gen9/regs.h"\n',
    'hw/pgpu-pci.c': '#include "pgpu/pgpu.h"\n#include "gen9/regs.h"\n',
    'vgpu/vgpu.h': '#include "wire/protocol.h"\n',
    'vgpu/regs.h': '',
    'hw/trace.h': '',
    'hw/vgpu-pci.c': ('#include "qemu/osdep.h"\n#include "hw/pci/pci.h"\n#include "trace.h"\n'
                      '#include "vgpu/vgpu.h"\n#include "wire/client.h"\n'),
    'mediator/private.h': '#include "wire/protocol.h"\n#include "gtt/partition.h"\n',
    'mediator/submission/queue.c': '#include "mediator/private.h"\n#include "sched/sched.h"\n',
    'gtt/partition.h': '#include "pgpu/pgpu.h"\n',
    'sched/sched.h': '#include "pgpu/pgpu.h"\n',
    'pgpu/pgpu.h': '#include "gen9/regs.h"\n',
    'gen9/regs.h': '',
    'vgpu/regs.c': '#include "gen9/regs.h"\n#include "vgpu/regs.h"\n',
    'tools/gpumedctl.c': '#include "wire/client.h"\n#include "mediator/private.h"\n',
    'tests/harness/guest-driver.h': '#include "mediator/private.h"\n#include "vgpu/vgpu.h"\n',
}

with tempfile.TemporaryDirectory() as top:
    make_tree(top, BASE)
    r = run(top)
    tap.check(r.returncode == 0, 'allowed includes pass (wire, gen9, same directory, QEMU\'s hw/)',
              r.stdout)

# Each planted crossing, and the file:line the checker must name.
PLANTED = [
    ('the QEMU side includes the daemon', 'vgpu/execlist.c',
     '#include "vgpu/regs.h"\n#include "mediator/private.h"\n', 'vgpu/execlist.c:2'),
    ('hw/ includes the scheduler', 'hw/vgpu-link.c', '#include "sched/sched.h"\n',
     'hw/vgpu-link.c:1'),
    ('the daemon includes the QEMU side', 'mediator/types.h', '#include "vgpu/vgpu.h"\n',
     'mediator/types.h:1'),
    ('gtt/ includes hw/', 'gtt/ggtt-shadow.c', '#include "hw/trace.h"\n', 'gtt/ggtt-shadow.c:1'),
    ('the wire includes the daemon', 'wire/control.h', '#include "gtt/partition.h"\n',
     'wire/control.h:1'),
    ('the wire includes the model', 'wire/control.h', '#include "pgpu/pgpu.h"\n',
     'wire/control.h:1'),
    ('the model includes the daemon', 'pgpu/skl-cmd.c', '#include "sched/sched.h"\n',
     'pgpu/skl-cmd.c:1'),
    ('vgpu/ includes the model', 'vgpu/irq.c', '#include "pgpu/pgpu.h"\n', 'vgpu/irq.c:1'),
    ('the wire includes the QEMU side', 'wire/vgpu-type.h', '#include "vgpu/vgpu.h"\n',
     'wire/vgpu-type.h:1'),
    ('the daemon includes a test harness', 'mediator/server.c',
     '#include "tests/harness/guest-driver.h"\n', 'mediator/server.c:1'),
    ('the model includes a tool', 'pgpu/native.c', '#include "tools/gpumedctl.c"\n',
     'pgpu/native.c:1'),
    ('the hardware description includes the wire', 'gen9/engines.h',
     '#include "wire/protocol.h"\n', 'gen9/engines.h:1'),
    ('a relative include into the other side', 'mediator/scan/cmd-scan.c',
     '#include "../../vgpu/regs.h"\n', 'mediator/scan/cmd-scan.c:1'),
]
for name, path, text, where in PLANTED:
    with tempfile.TemporaryDirectory() as top:
        make_tree(top, dict(BASE, **{path: text}))
        r = run(top)
        tap.check(r.returncode == 1 and where in r.stdout and
                  '1 include(s) cross' in r.stdout, name, r.stdout)

sys.exit(tap.finish())
