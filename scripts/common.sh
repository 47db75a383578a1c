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
# The guest kernels scripts/build-guest builds an image for (docs/testing.md):
# a Debian 12 kernel series and the apt names of its amd64 images (the newest
# by version is used, or one version named).  6.1 is Debian 12's own kernel,
# the default, in $guest_dir; any other series or version NAME gets
# $guest_dir-NAME (guest_dir_of).
declare -A guest_kernel_packages=(
    [6.1]='^linux-image-6\.1\.0-[0-9]+-amd64$'
    [6.12]='^linux-image-6\.12\.[0-9]+\+deb12-amd64$'
)
default_guest_kernel=6.1

# is_guest_kernel_version NAME: true when NAME is a kernel version of a
# known series (6.12.100+deb12-amd64), not a series.
is_guest_kernel_version() {
    local series
    for series in "${!guest_kernel_packages[@]}"; do
        [[ "linux-image-$1" =~ ${guest_kernel_packages[$series]} ]] && return 0
    done
    return 1
}

# guest_dir_of NAME: the image directory of that kernel series or version.
guest_dir_of() {
    [ -n "${guest_kernel_packages[$1]:-}" ] || is_guest_kernel_version "$1" ||
        die "no guest kernel series or version $1: known series are" \
            "${!guest_kernel_packages[*]} (scripts/common.sh)"
    if [ "$1" = "$default_guest_kernel" ]; then
        echo "$guest_dir"
    else
        echo "$guest_dir-$1"
    fi
}
# IGT's source, build and the guest's second initramfs (scripts/build-igt).
igt_dir=$cache/igt

# The guest agent (tests/guest/), built by scripts/build-guest into the shared
# $guest_dir, which any checkout's build-guest may rebuild with its own agent.
agent_src=$top/tests/guest
agent_cflags=(-std=c11 -D_GNU_SOURCE -static -O2 -Wall -Wextra -Werror)

# The agent's identity: this checkout's agent sources (their paths and
# contents), the compiler and its flags.  build-guest records it in
# $guest_dir/agent.sum; build-xen-host packs the image only when it matches.
agent_sum() {
    digest "$agent_src"/*.c "$agent_src"/*.h <(gcc --version; echo "${agent_cflags[@]}")
}

# One digest of some files' names and contents.
digest() {
    sha256sum "$@" | sha256sum | cut -d ' ' -f 1
}

# True when the digest @2 differs from the one recorded in the stamp file @1.
stale() {
    [ "$(cat "$1" 2>/dev/null)" != "$2" ]
}

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Long work says how far it got every this many seconds.
progress_seconds=${GPUMED_PROGRESS_SECONDS:-5}

# build_progress LABEL LOG: copies its input, a build's output, to LOG and
# says every progress_seconds how far the build got (ninja's last [n/N]
# count), and once more when the input ends.  Use as
# `ninja ... 2>&1 | build_progress LABEL LOG` (with pipefail: ninja's status).
build_progress() {
    local label=$1 log=$2 line partial='' count='' start=$SECONDS last=$SECONDS n
    : >"$log"
    while :; do
        if IFS= read -r -t "$progress_seconds" line; then
            line=$partial$line
            partial=''
            printf '%s\n' "$line" >>"$log"
            if [[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]]; then
                count="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
                count+=" ($(( BASH_REMATCH[1] * 100 / BASH_REMATCH[2] )) %)"
            fi
        elif (( $? > 128 )); then
            partial+=$line      # timed out, perhaps within a line
        else
            line=$partial$line  # the end; a last line without its newline
            [ -z "$line" ] || printf '%s' "$line" >>"$log"
            break
        fi
        if (( SECONDS - last >= progress_seconds )); then
            last=$SECONDS
            say "$label: ${count:-started}, $(( SECONDS - start )) s"
        fi
    done
    say "$label: ${count:-nothing to do}, ended after $(( SECONDS - start )) s"
}

# The size in bytes of the .deb files of apt packages PKG[=VERSION]... (0 if
# apt does not say).
package_bytes() {
    local p total=0 size
    for p in "$@"; do
        size=$(apt-cache show --no-all-versions "${p%%=*}" 2>/dev/null |
            awk '$1 == "Size:" { print $2; exit }')
        total=$(( total + ${size:-0} ))
    done
    echo "$total"
}

# download_progress LABEL DIR BYTES PID: while process PID (a download into
# DIR) runs, says every progress_seconds how much of BYTES is in DIR.
download_progress() {
    local label=$1 dir=$2 bytes=$3 pid=$4 start=$SECONDS last=$SECONDS have
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if (( SECONDS - last >= progress_seconds )); then
            last=$SECONDS
            have=$(du -sb "$dir" 2>/dev/null | cut -f 1)
            say "$label: $(( ${have:-0} >> 20 )) of $(( bytes >> 20 )) MiB, $(( SECONDS - start )) s"
        fi
    done
}

# le_number FILE OFFSET BYTES: the little-endian number at OFFSET of FILE
# (empty past its end).
le_number() {
    od -An -t u"$3" -j "$2" -N "$3" --endian=little "$1" | tr -d ' '
}

# extract_vmlinux BZIMAGE OUT: the kernel a bzImage holds, decompressed.  It
# lies behind the setup code, where the boot header says
# (Documentation/arch/x86/boot.rst: setup_sects at 0x1f1, payload_offset and
# payload_length at 0x248 and 0x24c, the payload ending in the kernel's size
# as a 32-bit number); Debian compresses 6.1 with xz, 6.12 with zstd.
extract_vmlinux() {
    local vmlinuz=$1 out=$2 setup_sects start length size magic decompress
    [ "$(head -c 4 < <(tail -c +$((0x202 + 1)) "$vmlinuz"))" = HdrS ] ||
        die "$vmlinuz: no bzImage (no HdrS boot header)"
    setup_sects=$(le_number "$vmlinuz" $((0x1f1)) 1)
    [ "$setup_sects" -ne 0 ] || setup_sects=4
    start=$(( (setup_sects + 1) * 512 + $(le_number "$vmlinuz" $((0x248)) 4) ))
    length=$(le_number "$vmlinuz" $((0x24c)) 4)
    (( length > 4 && start + length <= $(stat -c %s "$vmlinuz") )) ||
        die "$vmlinuz: its boot header's payload ($start + $length bytes) is not in the file"
    size=$(le_number "$vmlinuz" $((start + length - 4)) 4)
    magic=$(od -An -t x1 -j "$start" -N 4 "$vmlinuz" | tr -d ' ')
    case "$magic" in
        fd377a58) decompress=(xz -dc) ;;
        28b52ffd) decompress=(zstd -q -dc) ;;
        *) die "$vmlinuz: payload of unknown compression (magic $magic)" ;;
    esac
    # Cut exactly the compressed stream (without the size): each stage reads
    # its whole input, so no pipe ends early (SIGPIPE).
    if ! head -c $((start + length - 4)) "$vmlinuz" | tail -c $((length - 4)) |
            "${decompress[@]}" > "$out.tmp"; then
        rm -f "$out.tmp"
        die "$vmlinuz: its payload does not decompress"
    fi
    if [ "$(head -c 4 "$out.tmp")" != $'\x7fELF' ] || [ "$(stat -c %s "$out.tmp")" != "$size" ]; then
        rm -f "$out.tmp"
        die "$vmlinuz: its payload is no ELF kernel of the $size bytes its header gives"
    fi
    mv "$out.tmp" "$out"
}
