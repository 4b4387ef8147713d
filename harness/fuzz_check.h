/*
 * Invariant checks for fuzz targets: a failed check is a crash the engine records,
 * with the condition and line printed first. Always on, whatever NDEBUG says.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/ph_types.h"

#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* True when [ptr, ptr+len) lies inside [base, base+size). */
static inline int fuzz_inside(const uint8_t *ptr, size_t len, const uint8_t *base, size_t size)
{
    if (len == 0)
        return ptr == NULL || (ptr >= base && ptr <= base + size);
    return ptr >= base && ptr <= base + size && len <= (size_t)(base + size - ptr);
}

/* Two parses' slices are the same: the same length at the same offset into each one's
 * input, or both absent. */
static inline int fuzz_slice_same_offset(struct ph_slice a, const uint8_t *base_a,
                                         struct ph_slice b, const uint8_t *base_b)
{
    if (a.len != b.len || (a.ptr == NULL) != (b.ptr == NULL))
        return 0;
    return a.ptr == NULL || a.ptr - base_a == b.ptr - base_b;
}

/* Every target defines this; the drivers call it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
