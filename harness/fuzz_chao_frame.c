/*
 * Fuzz target chao_frame: chao_decode_frame and chao_decode_datagram over arbitrary bytes.
 *
 * Besides not crashing, it checks: the verdict is PH_OK or PH_REJECT (a frame arrives
 * whole); a reject names a decoder error inside the input; an accept's slices lie inside
 * the input and add up to it, with in-range fields; and, in builds with PH_SPLIT_ORACLE
 * (what campaigns and ctest use), that the result is repeatable and does not depend on
 * what the struct held, and that every prefix decodes as a truncation reject, as bare, or
 * as the whole does less padding. Every verdict, error offset and field is also checked
 * against a second, plain reading of the format (read_frame).
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

/* ---- a second reading of docs/chao.md ------------------------------------------------
 * What the decoders must say about these bytes, written for plainness rather than speed:
 * the verdict, the error and its offset, the framing, and every field read before the
 * verdict (a server answers a rejected request with its seq and to its source, so those
 * must be the frame's bytes even on a reject; fields after the error stay zero). */

struct reading {
    enum ph_status st;
    enum chao_error error;
    size_t error_offset;
    enum chao_framing framing;
    size_t num_vlan;
    size_t h;  /* where the CHAO/1 header starts */
    int has_h; /* the decoder got as far as the header */
};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void says(struct reading *r, enum chao_error error, size_t at)
{
    r->st = PH_REJECT;
    r->error = error;
    r->error_offset = at;
}

/* The CHAO/1 header at h and its body (docs/chao.md), checked in wire order. */
static void read_chao1(const uint8_t *d, size_t size, size_t h, int datagram, struct reading *r)
{
    r->h = h;
    r->has_h = 1;
    if (size - h < CHAO_MAGIC_LEN)
        return says(r, CHAO_ERR_HEADER_TRUNCATED, h);
    if (memcmp(d + h, "CHAO", 4) != 0)
        return says(r, CHAO_ERR_BAD_MAGIC, h);
    if (size - h < 5)
        return says(r, CHAO_ERR_HEADER_TRUNCATED, h);
    if (d[h + 4] != 1)
        return says(r, CHAO_ERR_UNKNOWN_VERSION, h + 4);
    if (size - h < 10)
        return says(r, CHAO_ERR_HEADER_TRUNCATED, h);
    if (d[h + 5] < 1 || d[h + 5] > 3)
        return says(r, CHAO_ERR_UNKNOWN_TYPE, h + 5);
    size_t body = be16(d + h + 8);
    if (size - h - 10 < body)
        return says(r, CHAO_ERR_LENGTH_PAST_END, h + 8);
    if (datagram && size - h - 10 > body) /* RFC 768: a datagram has its own length */
        return says(r, CHAO_ERR_TRAILING_BYTES, h + 10 + body);
}

/* Ethernet II, at most two 802.1Q tags (VID 0xfff reserved), then EtherType 0x88b5 and
 * CHAO/1; otherwise bare if the frame starts with "CHAO". */
static void read_frame(const uint8_t *d, size_t size, struct reading *r)
{
    memset(r, 0, sizeof(*r));
    struct reading eth = {.st = PH_OK};
    size_t p = 12;
    uint16_t type = 0;
    if (size < 14) {
        says(&eth, CHAO_ERR_TOO_SHORT, 0);
    } else {
        for (type = be16(d + p); type == 0x8100 || type == 0x88a8; type = be16(d + p)) {
            if (r->num_vlan == 2) {
                says(&eth, CHAO_ERR_TOO_MANY_VLAN_TAGS, p);
                break;
            }
            if (size - p < 6) {
                says(&eth, CHAO_ERR_TOO_SHORT, p);
                break;
            }
            r->num_vlan++;
            if ((be16(d + p + 2) & 0xfff) == 0xfff) {
                says(&eth, CHAO_ERR_VLAN_ID_RESERVED, p + 2);
                break;
            }
            p += 4;
        }
    }
    if (eth.st == PH_OK && type == CHAO_ETHERTYPE) {
        r->framing = CHAO_FRAMING_NATIVE;
        if (d[6] & 1) /* IEEE 802-2014 8.2: a group address is never a source */
            return says(r, CHAO_ERR_SOURCE_GROUP_ADDRESS, 6);
        return read_chao1(d, size, p + 2, 0, r);
    }
    if (size >= 4 && memcmp(d, "CHAO", 4) == 0) {
        r->framing = CHAO_FRAMING_BARE;
        r->num_vlan = 0;
        return;
    }
    if (eth.st != PH_OK)
        return says(r, eth.error, eth.error_offset);
    says(r, CHAO_ERR_NOT_CHAO, p);
}

static void check_reading(int datagram, const struct chao_frame *f, enum ph_status st,
                          const uint8_t *d, size_t size)
{
    struct reading r;
    if (datagram) {
        memset(&r, 0, sizeof(r));
        r.framing = CHAO_FRAMING_DATAGRAM;
        read_chao1(d, size, 0, 1, &r);
    } else {
        read_frame(d, size, &r);
    }
    FUZZ_CHECK(st == r.st && f->error == r.error && f->error_offset == r.error_offset);
    FUZZ_CHECK(f->framing == r.framing && f->num_vlan == r.num_vlan);
    if (f->framing == CHAO_FRAMING_BARE) {
        if (size >= CHAO_ETH_HEADER_LEN)
            FUZZ_CHECK(f->ethertype == be16(d + 12));
    } else if (!datagram && size >= CHAO_ETH_HEADER_LEN) {
        FUZZ_CHECK(f->has_ethernet);
        for (size_t i = 0; i < f->num_vlan; i++) {
            const uint8_t *t = d + 12 + 4 * i;
            uint16_t tci = be16(t + 2);
            FUZZ_CHECK(f->vlan[i].tpid == be16(t) && f->vlan[i].pcp == tci >> 13 &&
                       f->vlan[i].dei == ((tci >> 12) & 1) && f->vlan[i].vid == (tci & 0xfff));
        }
    }
    if (f->has_ethernet)
        FUZZ_CHECK(memcmp(f->dst, d, 6) == 0 && memcmp(f->src, d + 6, 6) == 0);
    if (r.framing != CHAO_FRAMING_NATIVE && r.framing != CHAO_FRAMING_DATAGRAM)
        return;
    size_t h = r.h, have = size >= h ? size - h : 0;
    int magic = r.has_h && have >= 4 && memcmp(d + h, "CHAO", 4) == 0;
    FUZZ_CHECK(f->version == (magic && have >= 5 ? d[h + 4] : 0));
    int whole = magic && have >= 10 && d[h + 4] == 1;
    FUZZ_CHECK(f->seq == (whole ? be16(d + h + 6) : 0));
    FUZZ_CHECK(f->type == (whole && d[h + 5] >= 1 && d[h + 5] <= 3 ? d[h + 5] : 0));
    if (st == PH_OK || r.error == CHAO_ERR_TRAILING_BYTES) /* the body came before */
        FUZZ_CHECK(f->body.ptr == d + h + 10 && f->body.len == be16(d + h + 8));
    else
        FUZZ_CHECK(f->body.len == 0);
    if (st != PH_OK)
        FUZZ_CHECK(f->padding.len == 0);
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
    check_reading(decode == chao_decode_datagram, &f, st, data, size);

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
