# Shared settings for gpumed's scripts (sourced, not run).
# SPDX-License-Identifier: GPL-2.0-or-later

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Downloads and builds of things that are not ours (QEMU, the guest kernel)
# live outside the git tree and survive fresh clones on the same machine.
cache=${GPUMED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpumed}

# gpumed's own build directory.
build=${GPUMED_BUILD:-$top/build}

qemu_bin=$cache/qemu-build/qemu-system-x86_64
guest_dir=$cache/guest

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
