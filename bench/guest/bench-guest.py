#!/usr/bin/env python3
# bench-guest: every guest workload natively (pgpu-pci) and mediated
# (vgpu-pci and gpumed), side by side: tools/gpumed-bench-guest --both
# (docs/benchmarks.md, "guest").  Boots six guests under TCG; needs our QEMU
# and the guest image (scripts/prepare).
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import sys

TOP = '@TOP@'
BUILD = '@BUILD@'

tool = os.path.join(TOP, 'tools', 'gpumed-bench-guest')
os.execve(tool, [tool, '--both'] + sys.argv[1:], dict(os.environ, GPUMED_BUILD=BUILD))
