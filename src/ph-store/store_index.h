/*
 * The daemon's in-memory index: the target names it has seen, and the SHA-1 of every
 * case stored or in flight, so duplicates cost no disk write. Rebuilt at start from the
 * corpus folders and the write-ahead log. Used by the main thread only.
 */
#ifndef STORE_INDEX_H
#define STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_DIGEST_LEN 20 /* SHA-1 */

struct store_target {
    char name[STORE_MAX_TARGET_LEN + 1];
    uint64_t cases[STORE_KIND_COUNT];
    uint8_t usable[STORE_KIND_COUNT]; /* its folder was found usable (ph-store's cache) */
};

struct store_index_entry {
    uint8_t digest[STORE_DIGEST_LEN];
    uint16_t target;
    uint8_t kind;
    uint8_t used;
    uint64_t lsn; /* the log record that holds it; 0 when it was on disk at start */
};

struct store_index {
    struct store_index_entry *slots;
    size_t capacity; /* a power of two */
    size_t count;
    struct store_target *targets;
    size_t ntargets;
    uint64_t bytes; /* payload bytes of every case indexed */
};

int store_index_init(struct store_index *ix);
void store_index_free(struct store_index *ix);

/* The id of a target name, adding it when new. Returns -1 when out of memory or when
 * there are 65535 targets already. */
int store_index_target(struct store_index *ix, const uint8_t *name, size_t len);

/* Finds a case; returns its entry or NULL. */
struct store_index_entry *store_index_find(struct store_index *ix, uint16_t target, uint8_t kind,
                                           const uint8_t digest[STORE_DIGEST_LEN]);
/* Adds a case known to be absent. Returns the entry, or NULL when out of memory. */
struct store_index_entry *store_index_add(struct store_index *ix, uint16_t target, uint8_t kind,
                                          const uint8_t digest[STORE_DIGEST_LEN], uint64_t lsn,
                                          size_t bytes);
/* Removes a case (its log write failed). */
void store_index_remove(struct store_index *ix, uint16_t target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], size_t bytes);

/* 40 lower-case hex digits and a NUL. */
void store_digest_hex(const uint8_t digest[STORE_DIGEST_LEN], char hex[2 * STORE_DIGEST_LEN + 1]);
bool store_digest_parse(const char *hex, uint8_t digest[STORE_DIGEST_LEN]);

#endif
