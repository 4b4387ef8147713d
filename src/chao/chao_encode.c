/*
 * CHAO frame encoder: the decoder's inverse. Every field is checked against the same
 * rules the decoder applies before a byte is written, so whatever the encoder writes
 * decodes back to the frame it was given.
 */
#include "chao.h"
#include "../common/ph_bytes.h"

#include <string.h>

static enum ph_status fail(struct chao_encode_result *res, enum chao_error error, size_t at)
{
    res->error = error;
    res->error_offset = at;
    return PH_REJECT;
}

static size_t vlan_len(const struct chao_frame *frame)
{
    size_t n = frame->num_vlan <= CHAO_MAX_VLAN_TAGS ? frame->num_vlan : CHAO_MAX_VLAN_TAGS;
    return n * CHAO_VLAN_TAG_LEN;
}

size_t chao_frame_size(const struct chao_frame *frame)
{
    switch (frame->framing) {
    case CHAO_FRAMING_BARE:
        return CHAO_MAGIC_LEN + frame->body.len;
    case CHAO_FRAMING_NATIVE:
        return CHAO_ETH_HEADER_LEN + vlan_len(frame) + CHAO_HEADER_LEN + frame->body.len;
    case CHAO_FRAMING_DATAGRAM:
        return CHAO_HEADER_LEN + frame->body.len;
    case CHAO_FRAMING_NONE:
        break;
    }
    return 0;
}

void chao_pad_to_minimum(struct chao_frame *frame)
{
    size_t size = chao_frame_size(frame);
    size_t pad = 0;
    if (frame->framing != CHAO_FRAMING_DATAGRAM && size < CHAO_ETH_MIN_FRAME)
        pad = CHAO_ETH_MIN_FRAME - size;
    frame->padding = (struct ph_slice){NULL, pad};
}

void chao_frame_request(struct chao_frame *frame, enum chao_framing framing,
                        const uint8_t dst[CHAO_MAC_LEN], const uint8_t src[CHAO_MAC_LEN],
                        const uint16_t *vids, size_t num_vids, uint16_t seq, struct ph_slice body)
{
    memset(frame, 0, sizeof(*frame));
    frame->framing = framing;
    frame->body = body;
    if (framing == CHAO_FRAMING_BARE)
        return;
    frame->version = CHAO_VERSION;
    frame->type = CHAO_TYPE_REQUEST;
    frame->seq = seq;
    if (framing != CHAO_FRAMING_NATIVE)
        return;
    frame->has_ethernet = true;
    frame->ethertype = CHAO_ETHERTYPE;
    memcpy(frame->dst, dst, CHAO_MAC_LEN);
    memcpy(frame->src, src, CHAO_MAC_LEN);
    /* IEEE 802.1ad: a service tag outside a customer tag; one tag alone is a C-tag. */
    frame->num_vlan = num_vids;
    for (size_t i = 0; i < num_vids && i < CHAO_MAX_VLAN_TAGS; i++) {
        bool outer_of_two = num_vids == 2 && i == 0;
        frame->vlan[i].tpid = outer_of_two ? CHAO_TPID_STAG : CHAO_TPID_CTAG;
        frame->vlan[i].vid = vids[i];
    }
}

/* ---- checks ------------------------------------------------------------------------------ */

static enum ph_status check_vlan(const struct chao_frame *frame, struct chao_encode_result *res)
{
    size_t at = 2 * CHAO_MAC_LEN;
    if (frame->num_vlan > CHAO_MAX_VLAN_TAGS)
        return fail(res, CHAO_ERR_TOO_MANY_VLAN_TAGS, at + vlan_len(frame));
    for (size_t i = 0; i < frame->num_vlan; i++, at += CHAO_VLAN_TAG_LEN) {
        const struct chao_vlan_tag *tag = &frame->vlan[i];
        if (tag->tpid != CHAO_TPID_CTAG && tag->tpid != CHAO_TPID_STAG)
            return fail(res, CHAO_ERR_BAD_VLAN_TPID, at);
        if (tag->pcp > 7)
            return fail(res, CHAO_ERR_BAD_VLAN_PRIORITY, at + 2);
        if (tag->vid > CHAO_VLAN_ID_MAX)
            return fail(res, CHAO_ERR_VLAN_ID_RESERVED, at + 2);
    }
    return PH_OK;
}

/* The CHAO/1 header fields, h being where the header goes. */
static enum ph_status check_chao1(const struct chao_frame *frame, size_t h,
                                  struct chao_encode_result *res)
{
    if (frame->version != CHAO_VERSION)
        return fail(res, CHAO_ERR_UNKNOWN_VERSION, h + 4);
    if (frame->type < CHAO_TYPE_REQUEST || frame->type > CHAO_TYPE_ERROR)
        return fail(res, CHAO_ERR_UNKNOWN_TYPE, h + 5);
    if (frame->body.len > CHAO_MAX_BODY)
        return fail(res, CHAO_ERR_BODY_TOO_LARGE, h + 8);
    return PH_OK;
}

static enum ph_status check_frame(const struct chao_frame *frame, struct chao_encode_result *res)
{
    enum ph_status st;
    switch (frame->framing) {
    case CHAO_FRAMING_BARE:
        return PH_OK;
    case CHAO_FRAMING_NATIVE:
        /* IEEE 802-2014 8.2: the source is an individual address. */
        if (frame->src[0] & 1)
            return fail(res, CHAO_ERR_SOURCE_GROUP_ADDRESS, CHAO_MAC_LEN);
        st = check_vlan(frame, res);
        if (st != PH_OK)
            return st;
        return check_chao1(frame, CHAO_ETH_HEADER_LEN + vlan_len(frame), res);
    case CHAO_FRAMING_DATAGRAM:
        if (frame->padding.len != 0)
            return fail(res, CHAO_ERR_TRAILING_BYTES, chao_frame_size(frame));
        return check_chao1(frame, 0, res);
    case CHAO_FRAMING_NONE:
        break;
    }
    return fail(res, CHAO_ERR_BAD_FRAMING, 0);
}

/* ---- writing ----------------------------------------------------------------------------- */

static size_t put_bytes(uint8_t *out, size_t pos, const uint8_t *bytes, size_t len)
{
    if (len == 0)
        return pos;
    if (bytes == NULL)
        memset(out + pos, 0, len);
    else
        memcpy(out + pos, bytes, len);
    return pos + len;
}

static size_t put_ethernet(const struct chao_frame *frame, uint8_t *out)
{
    size_t p = put_bytes(out, 0, frame->dst, CHAO_MAC_LEN);
    p = put_bytes(out, p, frame->src, CHAO_MAC_LEN);
    for (size_t i = 0; i < frame->num_vlan; i++) {
        const struct chao_vlan_tag *tag = &frame->vlan[i];
        uint16_t tci = (uint16_t)(tag->pcp << 13 | (tag->dei ? 1u : 0u) << 12 | tag->vid);
        ph_put_be16(out + p, tag->tpid);
        ph_put_be16(out + p + 2, tci);
        p += CHAO_VLAN_TAG_LEN;
    }
    ph_put_be16(out + p, CHAO_ETHERTYPE);
    return p + 2;
}

static size_t put_chao1(const struct chao_frame *frame, uint8_t *out, size_t p)
{
    memcpy(out + p, CHAO_MAGIC, CHAO_MAGIC_LEN);
    out[p + 4] = frame->version;
    out[p + 5] = (uint8_t)frame->type;
    ph_put_be16(out + p + 6, frame->seq);
    ph_put_be16(out + p + 8, (uint16_t)frame->body.len);
    return p + CHAO_HEADER_LEN;
}

enum ph_status chao_encode_frame(const struct chao_frame *frame, uint8_t *out, size_t cap,
                                 struct chao_encode_result *res)
{
    memset(res, 0, sizeof(*res));
    enum ph_status st = check_frame(frame, res);
    if (st != PH_OK)
        return st;
    size_t size = chao_frame_size(frame);
    if (frame->padding.len > cap || size > cap - frame->padding.len)
        return fail(res, CHAO_ERR_BUFFER_TOO_SMALL, cap);

    size_t p = 0;
    if (frame->framing == CHAO_FRAMING_BARE) {
        p = put_bytes(out, p, (const uint8_t *)CHAO_MAGIC, CHAO_MAGIC_LEN);
    } else {
        if (frame->framing == CHAO_FRAMING_NATIVE)
            p = put_ethernet(frame, out);
        p = put_chao1(frame, out, p);
    }
    p = put_bytes(out, p, frame->body.ptr, frame->body.len);
    p = put_bytes(out, p, frame->padding.ptr, frame->padding.len);

    /* A bare message whose bytes 12-13 (after tags) happen to read 0x88b5 would decode as
     * a native frame: refuse it rather than write a frame that means something else. */
    if (frame->framing == CHAO_FRAMING_BARE) {
        struct chao_frame check;
        if (chao_decode_frame(out, p, &check) != PH_OK || check.framing != CHAO_FRAMING_BARE)
            return fail(res, CHAO_ERR_BARE_AMBIGUOUS, 2 * CHAO_MAC_LEN);
    }
    res->written = p;
    return PH_OK;
}
