# The guest agent's hash picture (pattern_pixel() in tests/guest/pattern.h),
# computed on the host from its formula: what a screendump of it must hold.
# SPDX-License-Identifier: GPL-2.0-or-later


def pattern_rgb(x, y, seed):
    """The pixel at x, y as R, G, B bytes (the agent writes XRGB8888)."""
    v = ((x * 2654435761 + y * 40503 + seed) & 0xFFFFFFFF) >> 8
    return bytes(((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF))


def pattern_row(y, width, seed):
    return b''.join(pattern_rgb(x, y, seed) for x in range(width))

