/*
 * Case-insensitive compares of tokens with literals, shared by every parser of src/http/
 * (the request parser's ISA variants, the response parser, http_fields.c). An
 * implementation header: only the core's own files include it, so ci/mutate.sh mutates it
 * like a .c file.
 */
#ifndef HTTP_TOKEN_IMPL_H
#define HTTP_TOKEN_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

/* Bytes as a native-order word with every 0x20 bit set (ASCII letters lower-cased). */
static inline uint64_t http_load8_lower(const void *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w | 0x2020202020202020u;
}

static inline uint32_t http_load4_lower(const void *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof(w));
    return w | 0x20202020u;
}

/* Compares a token or a field value with a lower-case literal of letters, digits and "-",
 * ignoring ASCII case. Safe because no byte of a token or a value but an upper-case letter
 * maps onto a letter, digit or "-" under | 0x20 (the CTLs that would are in neither).
 * Whole words are compared, the last one overlapping the one before where the length is
 * not a multiple: a fuzzing build traces a few word compares per call rather than one per
 * byte, and libFuzzer keeps 4- and 8-byte operands (never single bytes) to mutate with.
 * Always inlined with the literal's length (http_token_equals below), so the branches on n fold
 * away and a name costs one or two word compares. */
static inline __attribute__((always_inline)) bool http_token_equals_n(struct ph_slice s,
                                                                      const char *lower, size_t n)
{
    if (s.len != n)
        return false;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            if (http_load8_lower(s.ptr + i) != http_load8_lower(lower + i))
                return false;
        }
        return http_load8_lower(s.ptr + n - 8) == http_load8_lower(lower + n - 8);
    }
    if (n >= 4)
        return http_load4_lower(s.ptr) == http_load4_lower(lower) &&
               http_load4_lower(s.ptr + n - 4) == http_load4_lower(lower + n - 4);
    for (size_t i = 0; i < n; i++) {
        if ((s.ptr[i] | 0x20) != (uint8_t)lower[i])
            return false;
    }
    return true;
}

/* s equals the lower-case string literal `lower` (its length known at compile time). */
#define http_token_equals(s, lower) http_token_equals_n((s), lower, sizeof(lower) - 1)

#endif
