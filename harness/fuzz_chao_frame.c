/*
 * Fuzz target chao_frame: chao_decode_frame and chao_decode_datagram over arbitrary bytes.
 *
 * Besides not crashing, it checks: the verdict is PH_OK or PH_REJECT (a frame arrives
 * whole); a reject names a decoder error inside the input; an accept's slices lie inside
 * the input and add up to it, with in-range fields; and, in builds with PH_SPLIT_ORACLE
 * (what campaigns and ctest use), that the result is repeatable and does not depend on
 * what the struct held, and that every prefix decodes as a truncation reject, as bare, or
 * as the whole does less padding.
 */
#include <stdlib.h>
#include <string.h>

#include "chao/chao.h"
#include "fuzz_check.h"

typedef enum ph_status decode_fn(const uint8_t *buf, size_t len, struct chao_frame *frame);

static int is_decoder_error(enum chao_error e)
{
    return e == CHAO_ERR_TOO_SHORT || e == CHAO_ERR_NOT_CHAO || e == CHAO_ERR_TOO_MANY_VLAN_TAGS ||
           e == CHAO_ERR_VLAN_ID_RESERVED || e == CHAO_ERR_SOURCE_GROUP_ADDRESS ||
           e == CHAO_ERR_BAD_MAGIC || e == CHAO_ERR_HEADER_TRUNCATED ||
           e == CHAO_ERR_UNKNOWN_VERSION || e == CHAO_ERR_UNKNOWN_TYPE ||
           e == CHAO_ERR_LENGTH_PAST_END || e == CHAO_ERR_TRAILING_BYTES;
}

static void check_accept(const struct chao_frame *f, const uint8_t *data, size_t size)
{
    FUZZ_CHECK(f->consumed == size);
    FUZZ_CHECK(fuzz_inside(f->body.ptr, f->body.len, data, size));
    FUZZ_CHECK(fuzz_inside(f->padding.ptr, f->padding.len, data, size));
    FUZZ_CHECK(f->num_vlan <= CHAO_MAX_VLAN_TAGS);
    for (size_t i = 0; i < f->num_vlan; i++) {
        FUZZ_CHECK(f->vlan[i].vid <= CHAO_VLAN_ID_MAX && f->vlan[i].pcp <= 7);
        FUZZ_CHECK(f->vlan[i].tpid == CHAO_TPID_CTAG || f->vlan[i].tpid == CHAO_TPID_STAG);
    }
    if (f->framing == CHAO_FRAMING_BARE) {
        FUZZ_CHECK(size >= CHAO_MAGIC_LEN && memcmp(data, CHAO_MAGIC, CHAO_MAGIC_LEN) == 0);
        FUZZ_CHECK(f->body.ptr == data + CHAO_MAGIC_LEN && f->body.len == size - CHAO_MAGIC_LEN);
        FUZZ_CHECK(f->has_ethernet == (size >= CHAO_ETH_HEADER_LEN) && f->num_vlan == 0);
        FUZZ_CHECK(f->type == CHAO_TYPE_NONE && f->padding.len == 0);
        return;
    }
    FUZZ_CHECK(f->framing == CHAO_FRAMING_NATIVE || f->framing == CHAO_FRAMING_DATAGRAM);
    FUZZ_CHECK(f->version == CHAO_VERSION);
    FUZZ_CHECK(f->type >= CHAO_TYPE_REQUEST && f->type <= CHAO_TYPE_ERROR);
    FUZZ_CHECK(chao_frame_size(f) + f->padding.len == size);
    FUZZ_CHECK(f->padding.len == 0 || f->padding.ptr == f->body.ptr + f->body.len);
    if (f->framing == CHAO_FRAMING_NATIVE) {
        FUZZ_CHECK(f->has_ethernet && f->ethertype == CHAO_ETHERTYPE && !(f->src[0] & 1));
    } else {
        FUZZ_CHECK(!f->has_ethernet && f->padding.len == 0);
    }
}

static void check_invariants(enum ph_status st, const struct chao_frame *f, const uint8_t *data,
                             size_t size)
{
    FUZZ_CHECK(st == PH_OK || st == PH_REJECT);
    if (st == PH_REJECT) {
        FUZZ_CHECK(is_decoder_error(f->error));
        FUZZ_CHECK(f->error_offset <= size);
        FUZZ_CHECK(f->consumed == 0);
        return;
    }
    FUZZ_CHECK(f->error == CHAO_ERR_NONE && f->error_offset == 0);
    check_accept(f, data, size);
}

#ifdef PH_SPLIT_ORACLE
static int is_truncation(enum chao_error e)
{
    return e == CHAO_ERR_TOO_SHORT || e == CHAO_ERR_HEADER_TRUNCATED ||
           e == CHAO_ERR_LENGTH_PAST_END;
}

/* Same outcome, body compared by offset into each buffer, padding and consumed left out. */
static int same_but_padding(const struct chao_frame *a, const uint8_t *base_a,
                            const struct chao_frame *b, const uint8_t *base_b)
{
    struct chao_frame x, y;
    memcpy(&x, a, sizeof(x));
    memcpy(&y, b, sizeof(y));
    x.body.ptr = x.body.ptr ? (const uint8_t *)(uintptr_t)(x.body.ptr - base_a) : NULL;
    y.body.ptr = y.body.ptr ? (const uint8_t *)(uintptr_t)(y.body.ptr - base_b) : NULL;
    x.padding = y.padding = (struct ph_slice){NULL, 0};
    x.consumed = y.consumed = 0;
    return memcmp(&x, &y, sizeof(x)) == 0;
}

/* docs/chao.md: checks run in wire order, so nothing is decided from bytes not seen. */
static void check_prefixes(decode_fn *decode, enum ph_status whole_st,
                           const struct chao_frame *whole, const uint8_t *data, size_t size)
{
    for (size_t k = 0; k < size; k++) {
        uint8_t *prefix = malloc(k ? k : 1); /* exact size: ASan sees any over-read */
        FUZZ_CHECK(prefix != NULL);
        memcpy(prefix, data, k);
        struct chao_frame part;
        enum ph_status st = decode(prefix, k, &part);
        int ok = (st == PH_REJECT && is_truncation(part.error)) ||
                 (st == PH_OK && part.framing == CHAO_FRAMING_BARE) ||
                 (st == PH_OK && whole->error == CHAO_ERR_TRAILING_BYTES) ||
                 (st == whole_st && same_but_padding(&part, prefix, whole, data));
        FUZZ_CHECK(ok);
        free(prefix);
    }
}
#endif

static void run(decode_fn *decode, const uint8_t *data, size_t size)
{
    struct chao_frame f;
    enum ph_status st = decode(data, size, &f);
    check_invariants(st, &f, data, size);

#ifdef PH_SPLIT_ORACLE
    /* Repeatable, and blind to what the struct held. The decoders are pure functions of
     * their bytes that set every field on entry, so in the fast build this check doubled
     * the cost of every run for little; here it joins the prefix checks, which decode
     * once per byte anyway. */
    struct chao_frame again;
    memset(&again, 0xa5, sizeof(again));
    enum ph_status st2 = decode(data, size, &again);
    FUZZ_CHECK(st2 == st && memcmp(&f, &again, sizeof(f)) == 0);
    check_prefixes(decode, st, &f, data, size);
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(chao_decode_frame, data, size);
    run(chao_decode_datagram, data, size);
    return 0;
}
