/*
 * A buffer for fuzz targets that grows the way realloc does under ASan, without the
 * allocator: two blocks of the largest size, the caller's static memory, used in turn.
 * Every growth moves the bytes to the other block and poisons the one left, so a pointer
 * kept across a growth is an ASan use-after-poison report, as a stale pointer after
 * realloc is a use-after-free; the bytes past the capacity are poisoned too (an
 * over-read is a report), and under MSan the new bytes are uninitialised, as realloc's.
 *
 * Why not realloc: ASan keeps every freed block in its quarantine (256 MB), so a target
 * that allocates tens of kilobytes per input writes fresh pages all the time; the page
 * faults were the largest cost of the session targets (perf, docs/fuzzing.md). Without
 * a sanitizer the poisoning is a no-op and the blocks are plain memory.
 */
#ifndef FUZZ_GROW_H
#define FUZZ_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define FUZZ_GROW_UNINIT(p, n) __msan_allocated_memory((p), (n))
#endif
#endif
#ifndef FUZZ_GROW_UNINIT
#define FUZZ_GROW_UNINIT(p, n) ((void)(p), (void)(n))
#endif

struct fuzz_grow {
    uint8_t *block[2]; /* each `size` bytes, aligned to 8 (ASan's granule) */
    size_t size;       /* a multiple of 8 */
    size_t open[2];    /* block[i][0..open[i]) may be unpoisoned, open[i] a multiple of 8 */
    int cur;
    size_t cap; /* block[cur][0..cap) is the buffer; 0: none */
};

/* Takes two blocks of size bytes each. Nothing is lent until fuzz_grow_to(). */
static inline void fuzz_grow_init(struct fuzz_grow *g, uint8_t *b0, uint8_t *b1, size_t size)
{
    *g = (struct fuzz_grow){{b0, b1}, size, {0, 0}, 0, 0};
    ASAN_POISON_MEMORY_REGION(b0, size);
    ASAN_POISON_MEMORY_REGION(b1, size);
}

/* Forgets the buffer (as free would): every byte poisoned again. */
static inline void fuzz_grow_reset(struct fuzz_grow *g)
{
    for (int i = 0; i < 2; i++) {
        ASAN_POISON_MEMORY_REGION(g->block[i], g->open[i]);
        g->open[i] = 0;
    }
    g->cap = 0;
}

/* realloc(buf, cap) for cap <= size (else NULL): the bytes move to the other block. */
static inline uint8_t *fuzz_grow_to(struct fuzz_grow *g, size_t cap)
{
    if (cap > g->size)
        return NULL;
    int next = g->cur ^ 1;
    uint8_t *to = g->block[next];         /* poisoned since it was left */
    ASAN_UNPOISON_MEMORY_REGION(to, cap); /* exact, to the byte */
    g->open[next] = (cap + 7) & ~(size_t)7;
    size_t keep = g->cap < cap ? g->cap : cap;
    if (keep > 0)
        memcpy(to, g->block[g->cur], keep);
    FUZZ_GROW_UNINIT(to + keep, cap - keep);
    ASAN_POISON_MEMORY_REGION(g->block[g->cur], g->open[g->cur]);
    g->open[g->cur] = 0;
    g->cur = next;
    g->cap = cap;
    return to;
}

#endif
