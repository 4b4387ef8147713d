/*
 * Fuzz target chao_roundtrip: decode, encode, decode must agree, both ways round.
 *
 *   bytes -> frame -> bytes: a frame (or datagram) that decodes encodes back to exactly
 *     the input, and the server's answer to it always encodes;
 *   fields -> bytes -> fields: a frame built from the input's bytes (framing, addresses,
 *     tags, header fields, padding, body) that the encoder accepts decodes to the same
 *     fields; a bare one to its body and padding as the message.
 */
#include <string.h>

#include "chao/chao.h"
#include "fuzz_check.h"

static uint8_t out[CHAO_MAX_FRAME + CHAO_ETH_MIN_FRAME];

static void check_answer(enum ph_status st, const struct chao_frame *in)
{
    static const uint8_t self[CHAO_MAC_LEN] = {2, 0, 0, 0, 0, 2};
    struct chao_frame reply;
    if (!chao_answer(st, in, self, &reply))
        return;
    struct chao_encode_result res;
    FUZZ_CHECK(chao_encode_frame(&reply, out, sizeof(out), &res) == PH_OK);
    FUZZ_CHECK(reply.framing == in->framing);
    FUZZ_CHECK(reply.type != CHAO_TYPE_REQUEST);
}

typedef enum ph_status decode_fn(const uint8_t *buf, size_t len, struct chao_frame *frame);

static void bytes_frame_bytes(decode_fn *decode, const uint8_t *data, size_t size)
{
    struct chao_frame f;
    enum ph_status st = decode(data, size, &f);
    check_answer(st, &f);
    if (st != PH_OK)
        return;
    struct chao_encode_result res;
    FUZZ_CHECK(chao_encode_frame(&f, out, sizeof(out), &res) == PH_OK);
    FUZZ_CHECK(res.written == size && memcmp(out, data, size) == 0);
}

/* Reads fields off the front of the input; zero when it runs out. */
struct reader {
    const uint8_t *p;
    size_t left;
};

static uint8_t take(struct reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

static uint16_t take16(struct reader *r)
{
    uint16_t hi = take(r);
    return (uint16_t)(hi << 8 | take(r));
}

static void build_frame(struct reader *r, struct chao_frame *f)
{
    memset(f, 0, sizeof(*f));
    f->framing = (enum chao_framing)(take(r) % 5);
    for (size_t i = 0; i < CHAO_MAC_LEN; i++)
        f->dst[i] = take(r);
    for (size_t i = 0; i < CHAO_MAC_LEN; i++)
        f->src[i] = take(r);
    f->num_vlan = take(r) % 4;
    for (size_t i = 0; i < CHAO_MAX_VLAN_TAGS; i++) {
        uint8_t sel = take(r);
        f->vlan[i].tpid = sel & 1 ? CHAO_TPID_STAG : sel & 2 ? CHAO_TPID_CTAG : take16(r);
        f->vlan[i].pcp = (sel >> 2) & 0xf;
        f->vlan[i].dei = sel >> 7;
        f->vlan[i].vid = take16(r) & 0x1fff;
    }
    f->version = take(r) % 3;
    f->type = (enum chao_type)(take(r) % 5);
    f->seq = take16(r);
    f->padding.len = take(r) % 64;
    /* the rest is the body */
    f->body = (struct ph_slice){r->p, r->left};
}

static void frame_bytes_frame(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    struct chao_frame f, d;
    build_frame(&r, &f);
    struct chao_encode_result res;
    if (chao_encode_frame(&f, out, sizeof(out), &res) != PH_OK) {
        FUZZ_CHECK(res.error != CHAO_ERR_NONE && res.written == 0);
        return;
    }
    FUZZ_CHECK(res.written == chao_frame_size(&f) + f.padding.len);
    enum ph_status st = f.framing == CHAO_FRAMING_DATAGRAM
                            ? chao_decode_datagram(out, res.written, &d)
                            : chao_decode_frame(out, res.written, &d);
    FUZZ_CHECK(st == PH_OK && d.framing == f.framing);
    if (f.framing == CHAO_FRAMING_BARE) {
        FUZZ_CHECK(d.body.len == f.body.len + f.padding.len);
        FUZZ_CHECK(memcmp(d.body.ptr, f.body.ptr, f.body.len) == 0);
        return;
    }
    FUZZ_CHECK(d.version == f.version && d.type == f.type && d.seq == f.seq);
    FUZZ_CHECK(d.body.len == f.body.len && memcmp(d.body.ptr, f.body.ptr, f.body.len) == 0);
    FUZZ_CHECK(d.padding.len == f.padding.len);
    if (f.framing == CHAO_FRAMING_NATIVE) {
        FUZZ_CHECK(memcmp(d.dst, f.dst, CHAO_MAC_LEN) == 0 &&
                   memcmp(d.src, f.src, CHAO_MAC_LEN) == 0);
        FUZZ_CHECK(d.num_vlan == f.num_vlan &&
                   memcmp(d.vlan, f.vlan, f.num_vlan * sizeof(f.vlan[0])) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bytes_frame_bytes(chao_decode_frame, data, size);
    bytes_frame_bytes(chao_decode_datagram, data, size);
    frame_bytes_frame(data, size);
    return 0;
}
