/*
 * grow.h - the mediator's growing arrays (gtt/, mediator/): room for one
 * more element, doubling.  pgpu/ and tools/ may not include the mediator's
 * headers (scripts/check-includes) and grow their one array each in place.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_GROW_H
#define GPUMED_MEDIATOR_GROW_H

#include <stddef.h>
#include <stdlib.h>

/* @array, room for *@cap elements of @size bytes of which @count are
 * used, with room for one more: @array itself, or grown to twice *@cap
 * (@first the first time) with *@cap set; NULL without memory, @array
 * kept as it was. */
static inline void *med_grow(void *array, unsigned *cap, unsigned count, size_t size,
                             unsigned first)
{
    unsigned grown_cap = *cap ? 2 * *cap : first;
    void *grown;

    if (count < *cap) {
        return array;
    }
    grown = realloc(array, grown_cap * size);
    if (grown) {
        *cap = grown_cap;
    }
    return grown;
}

#endif /* GPUMED_MEDIATOR_GROW_H */
