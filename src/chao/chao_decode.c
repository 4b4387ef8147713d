/*
 * CHAO frame decoder: Ethernet II with up to two VLAN tags, then either a CHAO/1 header
 * or the bare "CHAO" magic (docs/chao.md).
 *
 * One end-of-buffer idiom everywhere: before reading n bytes at pos, `if (!have(d, pos, n))`
 * rejects with the error that names what does not fit and the offset where it starts.
 * Checks happen in wire order, so a prefix of a frame decodes as a truncation reject, as
 * a bare frame (when it starts with "CHAO"), or as the whole frame does (less padding).
 */
#include "chao.h"
#include "../common/ph_bytes.h"

#include <string.h>

struct decoder {
    const uint8_t *buf;
    size_t len;
    struct chao_frame *frame;
};

static enum ph_status reject(struct decoder *d, enum chao_error error, size_t at)
{
    d->frame->error = error;
    d->frame->error_offset = at;
    return PH_REJECT;
}

/* Are buf[pos..pos+n) inside the frame? pos never exceeds len. */
static bool have(const struct decoder *d, size_t pos, size_t n)
{
    return d->len - pos >= n;
}

static bool is_tpid(uint16_t type)
{
    return type == CHAO_TPID_CTAG || type == CHAO_TPID_STAG;
}

static bool has_magic(const uint8_t *buf, size_t len)
{
    return len >= CHAO_MAGIC_LEN && memcmp(buf, CHAO_MAGIC, CHAO_MAGIC_LEN) == 0;
}

/* ---- Ethernet II and VLAN tags (IEEE 802.3 3.2, IEEE 802.1Q 9) ----------------------------- */

/* IEEE 802.1Q 9.6: TCI = PCP (3) | DEI (1) | VID (12). The tag at pos is whole. */
static enum ph_status parse_vlan_tag(struct decoder *d, size_t pos)
{
    struct chao_frame *f = d->frame;
    uint16_t tci = ph_get_be16(d->buf + pos + 2);
    struct chao_vlan_tag *tag = &f->vlan[f->num_vlan];
    tag->tpid = ph_get_be16(d->buf + pos);
    tag->pcp = (uint8_t)(tci >> 13);
    tag->dei = (tci >> 12) & 1;
    tag->vid = tci & 0x0fff;
    f->num_vlan++;
    /* 802.1Q table 9-2: VID 0xfff is reserved and shall not be transmitted. */
    if (tag->vid > CHAO_VLAN_ID_MAX)
        return reject(d, CHAO_ERR_VLAN_ID_RESERVED, pos + 2);
    return PH_OK;
}

/* Destination, source, tags while the type field holds a TPID, then the EtherType.
 * On PH_OK *pos is just past the EtherType. */
static enum ph_status parse_ethernet(struct decoder *d, size_t *pos)
{
    struct chao_frame *f = d->frame;
    if (!have(d, 0, CHAO_ETH_HEADER_LEN))
        return reject(d, CHAO_ERR_TOO_SHORT, 0);
    memcpy(f->dst, d->buf, CHAO_MAC_LEN);
    memcpy(f->src, d->buf + CHAO_MAC_LEN, CHAO_MAC_LEN);
    f->has_ethernet = true;

    size_t p = 2 * CHAO_MAC_LEN;
    uint16_t type = ph_get_be16(d->buf + p);
    while (is_tpid(type)) {
        if (f->num_vlan == CHAO_MAX_VLAN_TAGS)
            return reject(d, CHAO_ERR_TOO_MANY_VLAN_TAGS, p);
        /* the tag and the type field after it */
        if (!have(d, p, CHAO_VLAN_TAG_LEN + 2))
            return reject(d, CHAO_ERR_TOO_SHORT, p);
        enum ph_status st = parse_vlan_tag(d, p);
        if (st != PH_OK)
            return st;
        p += CHAO_VLAN_TAG_LEN;
        type = ph_get_be16(d->buf + p);
    }
    f->ethertype = type;
    *pos = p + 2;
    return PH_OK;
}

/* ---- CHAO/1 header: magic, version, type, seq, length; then body and padding ------------- */

/* The header at h, the body after it; whatever follows the body is padding. The version
 * is checked as soon as it is seen (another version may lay out the rest differently);
 * then the version-1 header is read whole, so a bad type still leaves seq for an error
 * reply. */
static enum ph_status parse_chao1(struct decoder *d, size_t h)
{
    struct chao_frame *f = d->frame;
    if (!have(d, h, CHAO_MAGIC_LEN))
        return reject(d, CHAO_ERR_HEADER_TRUNCATED, h);
    if (memcmp(d->buf + h, CHAO_MAGIC, CHAO_MAGIC_LEN) != 0)
        return reject(d, CHAO_ERR_BAD_MAGIC, h);
    if (!have(d, h + CHAO_MAGIC_LEN, 1))
        return reject(d, CHAO_ERR_HEADER_TRUNCATED, h);
    f->version = d->buf[h + 4];
    if (f->version != CHAO_VERSION)
        return reject(d, CHAO_ERR_UNKNOWN_VERSION, h + 4);
    if (!have(d, h, CHAO_HEADER_LEN))
        return reject(d, CHAO_ERR_HEADER_TRUNCATED, h);

    uint8_t type = d->buf[h + 5];
    f->seq = ph_get_be16(d->buf + h + 6);
    uint16_t body_len = ph_get_be16(d->buf + h + 8);
    if (type < CHAO_TYPE_REQUEST || type > CHAO_TYPE_ERROR)
        return reject(d, CHAO_ERR_UNKNOWN_TYPE, h + 5);
    f->type = (enum chao_type)type;

    size_t body = h + CHAO_HEADER_LEN;
    if (!have(d, body, body_len))
        return reject(d, CHAO_ERR_LENGTH_PAST_END, h + 8);
    f->body = (struct ph_slice){d->buf + body, body_len};
    size_t pad = body + body_len;
    if (pad < d->len)
        f->padding = (struct ph_slice){d->buf + pad, d->len - pad};
    return PH_OK;
}

static enum ph_status decode_native(struct decoder *d, size_t h)
{
    struct chao_frame *f = d->frame;
    f->framing = CHAO_FRAMING_NATIVE;
    /* IEEE 802-2014 8.2: a source address is always an individual address (I/G bit 0).
     * A server must never answer a group: one request would become many replies. */
    if (f->src[0] & 1)
        return reject(d, CHAO_ERR_SOURCE_GROUP_ADDRESS, CHAO_MAC_LEN);
    enum ph_status st = parse_chao1(d, h);
    if (st != PH_OK)
        return st;
    f->consumed = d->len;
    return PH_OK;
}

/* The original programs' framing: "CHAO", then the message to the end of the frame. The
 * frame has no length, so NIC padding (and the 1024-byte buffer of the original server)
 * cannot be told apart from the message. Where the frame is long enough, its first 14
 * bytes are reported as the Ethernet header they are on the wire. */
static enum ph_status decode_bare(struct decoder *d)
{
    struct chao_frame *f = d->frame;
    memset(f, 0, sizeof(*f));
    f->framing = CHAO_FRAMING_BARE;
    if (have(d, 0, CHAO_ETH_HEADER_LEN)) {
        f->has_ethernet = true;
        memcpy(f->dst, d->buf, CHAO_MAC_LEN);
        memcpy(f->src, d->buf + CHAO_MAC_LEN, CHAO_MAC_LEN);
        f->ethertype = ph_get_be16(d->buf + 2 * CHAO_MAC_LEN);
    }
    f->body = (struct ph_slice){d->buf + CHAO_MAGIC_LEN, d->len - CHAO_MAGIC_LEN};
    f->consumed = d->len;
    return PH_OK;
}

enum ph_status chao_decode_frame(const uint8_t *buf, size_t len, struct chao_frame *frame)
{
    memset(frame, 0, sizeof(*frame));
    struct decoder d = {buf, len, frame};
    size_t pos = 0;
    enum ph_status st = parse_ethernet(&d, &pos);
    /* The EtherType decides first: a native frame may well be sent to a MAC address that
     * starts with the bytes "CHAO". */
    if (st == PH_OK && frame->ethertype == CHAO_ETHERTYPE)
        return decode_native(&d, pos);
    if (has_magic(buf, len))
        return decode_bare(&d);
    if (st != PH_OK)
        return st;
    return reject(&d, CHAO_ERR_NOT_CHAO, pos - 2);
}

enum ph_status chao_decode_datagram(const uint8_t *buf, size_t len, struct chao_frame *frame)
{
    memset(frame, 0, sizeof(*frame));
    struct decoder d = {buf, len, frame};
    frame->framing = CHAO_FRAMING_DATAGRAM;
    enum ph_status st = parse_chao1(&d, 0);
    if (st != PH_OK)
        return st;
    /* A UDP datagram has its own length (RFC 768) and no minimum size: nothing may follow
     * the body. */
    if (frame->padding.len != 0) {
        size_t at = (size_t)(frame->padding.ptr - buf);
        frame->padding = (struct ph_slice){NULL, 0};
        return reject(&d, CHAO_ERR_TRAILING_BYTES, at);
    }
    frame->consumed = len;
    return PH_OK;
}
