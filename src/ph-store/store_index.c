#include "store_index.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define STORE_INDEX_INITIAL_CAPACITY 4096
#define STORE_INDEX_MAX_TARGETS 65535

/* The table is probed at random: a million cases make it 64 MiB, far past the caches.
 * Huge pages (where transparent huge pages are on for madvise) spare a TLB miss per probe
 * and a page fault per 4 KiB as it grows, and such faults are dear in a VM. Anonymous
 * mappings come zeroed, as calloc's memory would. */
static struct store_index_entry *slots_alloc(size_t capacity)
{
    size_t bytes = capacity * sizeof(struct store_index_entry);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: fine when refused */
    return p;
}

static void slots_free(struct store_index_entry *slots, size_t capacity)
{
    if (slots != NULL)
        munmap(slots, capacity * sizeof(*slots));
}

int store_index_init(struct store_index *ix)
{
    memset(ix, 0, sizeof(*ix));
    ix->slots = slots_alloc(STORE_INDEX_INITIAL_CAPACITY);
    if (ix->slots == NULL)
        return -1;
    ix->capacity = STORE_INDEX_INITIAL_CAPACITY;
    return 0;
}

void store_index_free(struct store_index *ix)
{
    slots_free(ix->slots, ix->capacity);
    free(ix->targets);
    memset(ix, 0, sizeof(*ix));
}

int store_index_target(struct store_index *ix, const uint8_t *name, size_t len)
{
    for (size_t i = 0; i < ix->ntargets; i++) {
        if (strlen(ix->targets[i].name) == len && memcmp(ix->targets[i].name, name, len) == 0)
            return (int)i;
    }
    if (ix->ntargets == STORE_INDEX_MAX_TARGETS || len > STORE_MAX_TARGET_LEN)
        return -1;
    struct store_target *t = realloc(ix->targets, (ix->ntargets + 1) * sizeof(*t));
    if (t == NULL)
        return -1;
    ix->targets = t;
    memset(&t[ix->ntargets], 0, sizeof(*t));
    memcpy(t[ix->ntargets].name, name, len);
    return (int)ix->ntargets++;
}

/* SHA-1 output is uniform: its first bytes are a good hash already. */
static size_t slot_of(const struct store_index *ix, uint16_t target, uint8_t kind,
                      const uint8_t *digest)
{
    uint64_t h;
    memcpy(&h, digest, sizeof(h));
    h ^= (uint64_t)target * 0x9e3779b97f4a7c15u ^ (uint64_t)kind << 56;
    return (size_t)h & (ix->capacity - 1);
}

static bool entry_matches(const struct store_index_entry *e, uint16_t target, uint8_t kind,
                          const uint8_t *digest)
{
    return e->used && e->target == target && e->kind == kind &&
           memcmp(e->digest, digest, STORE_DIGEST_LEN) == 0;
}

struct store_index_entry *store_index_find(struct store_index *ix, uint16_t target, uint8_t kind,
                                           const uint8_t digest[STORE_DIGEST_LEN])
{
    for (size_t i = slot_of(ix, target, kind, digest);; i = (i + 1) & (ix->capacity - 1)) {
        struct store_index_entry *e = &ix->slots[i];
        if (!e->used)
            return NULL;
        if (entry_matches(e, target, kind, digest))
            return e;
    }
}

static struct store_index_entry *insert(struct store_index *ix, const struct store_index_entry *src)
{
    size_t i = slot_of(ix, src->target, src->kind, src->digest);
    while (ix->slots[i].used)
        i = (i + 1) & (ix->capacity - 1);
    ix->slots[i] = *src;
    return &ix->slots[i];
}

/* Keeps the load at or below one half, so probes stay short. */
static int grow(struct store_index *ix)
{
    struct store_index_entry *old = ix->slots;
    size_t old_capacity = ix->capacity;
    struct store_index_entry *slots = slots_alloc(old_capacity * 2);
    if (slots == NULL)
        return -1;
    ix->slots = slots;
    ix->capacity = old_capacity * 2;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].used)
            insert(ix, &old[i]);
    }
    slots_free(old, old_capacity);
    return 0;
}

struct store_index_entry *store_index_add(struct store_index *ix, uint16_t target, uint8_t kind,
                                          const uint8_t digest[STORE_DIGEST_LEN], uint64_t lsn,
                                          size_t bytes)
{
    if ((ix->count + 1) * 2 > ix->capacity && grow(ix) != 0)
        return NULL;
    struct store_index_entry e = {.target = target, .kind = kind, .used = 1, .lsn = lsn};
    memcpy(e.digest, digest, STORE_DIGEST_LEN);
    ix->count++;
    ix->bytes += bytes;
    if (target < ix->ntargets)
        ix->targets[target].cases[kind]++;
    return insert(ix, &e);
}

void store_index_remove(struct store_index *ix, uint16_t target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], size_t bytes)
{
    struct store_index_entry *e = store_index_find(ix, target, kind, digest);
    if (e == NULL)
        return;
    /* Linear probing: empty the slot, then re-insert the rest of its cluster. */
    size_t i = (size_t)(e - ix->slots);
    e->used = 0;
    ix->count--;
    ix->bytes -= bytes;
    if (target < ix->ntargets)
        ix->targets[target].cases[kind]--;
    for (size_t j = (i + 1) & (ix->capacity - 1); ix->slots[j].used;
         j = (j + 1) & (ix->capacity - 1)) {
        struct store_index_entry moved = ix->slots[j];
        ix->slots[j].used = 0;
        insert(ix, &moved);
    }
}

void store_digest_hex(const uint8_t digest[STORE_DIGEST_LEN], char hex[2 * STORE_DIGEST_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < STORE_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * STORE_DIGEST_LEN] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool store_digest_parse(const char *hex, uint8_t digest[STORE_DIGEST_LEN])
{
    if (strlen(hex) != 2 * STORE_DIGEST_LEN)
        return false;
    for (size_t i = 0; i < STORE_DIGEST_LEN; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        digest[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
