/*
 * tiling.h - where a byte of a tiled surface lies in memory: the legacy
 * X and Y tile layouts of Gen9 (the PRM's "Tiling" of the memory views;
 * i915 names them I915_TILING_X and I915_TILING_Y), which the fences'
 * detiling of CPU accesses through the aperture uses.
 *
 * A tile is one 4 KiB page: X tiles are 512 bytes wide and 8 rows high,
 * stored row after row; Y tiles are 128 bytes wide and 32 rows high,
 * stored as 16-byte-wide columns of 32 rows each.  Tiles follow each other
 * along a row of tiles; a surface's pitch is a whole number of tile widths.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_TILING_H
#define GPUMED_GEN9_TILING_H

#include <stdint.h>

enum gen9_tiling {
    GEN9_TILING_X,
    GEN9_TILING_Y,
};

#define GEN9_TILE_SIZE          4096u
#define GEN9_TILE_X_WIDTH       512u    /* bytes */
#define GEN9_TILE_X_ROWS        8u
#define GEN9_TILE_Y_WIDTH       128u
#define GEN9_TILE_Y_ROWS        32u
#define GEN9_TILE_Y_COLUMN      16u     /* bytes of one column's row (an OWord) */

/* The offset of byte @x of row @y of a surface of @pitch bytes. */
static inline uint64_t gen9_tiled_offset(enum gen9_tiling tiling, uint64_t pitch, uint64_t x,
                                         uint64_t y)
{
    if (tiling == GEN9_TILING_Y) {
        return y / GEN9_TILE_Y_ROWS * pitch * GEN9_TILE_Y_ROWS +
               x / GEN9_TILE_Y_WIDTH * GEN9_TILE_SIZE +
               x % GEN9_TILE_Y_WIDTH / GEN9_TILE_Y_COLUMN * (GEN9_TILE_Y_COLUMN * GEN9_TILE_Y_ROWS) +
               y % GEN9_TILE_Y_ROWS * GEN9_TILE_Y_COLUMN + x % GEN9_TILE_Y_COLUMN;
    }
    return y / GEN9_TILE_X_ROWS * pitch * GEN9_TILE_X_ROWS +
           x / GEN9_TILE_X_WIDTH * GEN9_TILE_SIZE +
           y % GEN9_TILE_X_ROWS * GEN9_TILE_X_WIDTH + x % GEN9_TILE_X_WIDTH;
}

#endif /* GPUMED_GEN9_TILING_H */
