/*
 * CHAO frames: a pure codec for a tiny link-layer protocol (docs/chao.md).
 *
 * No I/O, no allocation, no global state. Slices point into the caller's buffer and stay
 * valid as long as that buffer does and is not modified. Every call first resets its
 * outputs, so the same bytes always leave the same struct.
 *
 * Return convention (src/common/ph_types.h), with one difference: a frame is a datagram
 * that arrives whole, so the decoders never answer PH_INCOMPLETE. A frame that ends early
 * is a reject (TOO_SHORT, HEADER_TRUNCATED, LENGTH_PAST_END). On PH_REJECT the fields
 * decoded before the error keep their values (a server answers a bad request to its
 * sender with the sequence number it carried); the fields after it stay reset.
 */
#ifndef CHAO_H
#define CHAO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/ph_types.h"
#include "chao_limits.h"

/* IEEE 802 local experimental EtherType 1 (IEEE Std 802-2014 9.2.4): for experiments and
 * protocols of one's own, never assigned to anyone else. */
#define CHAO_ETHERTYPE 0x88b5
/* IEEE 802.1Q 9.5 tag protocol identifiers. 0x9100 (pre-standard Q-in-Q) is not a tag. */
#define CHAO_TPID_CTAG 0x8100
#define CHAO_TPID_STAG 0x88a8

#define CHAO_MAGIC "CHAO"
/* What the original server answers to any bare request (and the original client sends). */
#define CHAO_BARE_REPLY "Hello, custom chao protocol!"

/* X(name, message): the one table of errors. chao_error_name() gives `name` (the enum's
 * suffix: "NOT_CHAO" greps to CHAO_ERR_NOT_CHAO); `ph-parse chao` prints it. The decoders
 * use the first group; the second is the encoder's. */
#define CHAO_ERRORS(X)                                                          \
    X(NONE, "no error")                                                         \
    X(TOO_SHORT, "frame ends inside its Ethernet header or a VLAN tag")         \
    X(NOT_CHAO, "neither the CHAO/1 EtherType nor the bare CHAO magic")         \
    X(TOO_MANY_VLAN_TAGS, "more than two VLAN tags")                            \
    X(VLAN_ID_RESERVED, "VLAN id 4095 is reserved")                             \
    X(SOURCE_GROUP_ADDRESS, "source address is a group (multicast) address")    \
    X(BAD_MAGIC, "CHAO/1 message without the CHAO magic")                       \
    X(HEADER_TRUNCATED, "frame ends inside the CHAO header")                    \
    X(UNKNOWN_VERSION, "CHAO version is not 1")                                 \
    X(UNKNOWN_TYPE, "message type is not request, reply or error")              \
    X(LENGTH_PAST_END, "body length runs past the end of the frame")            \
    X(TRAILING_BYTES, "bytes after the body of a datagram")                     \
    X(BAD_FRAMING, "framing is not bare, native or datagram")                   \
    X(BAD_VLAN_TPID, "VLAN TPID is neither 0x8100 nor 0x88a8")                  \
    X(BAD_VLAN_PRIORITY, "VLAN priority is not 0 to 7")                         \
    X(BODY_TOO_LARGE, "body longer than 65535 bytes")                           \
    X(BARE_AMBIGUOUS, "bare message whose bytes read as a native CHAO/1 frame") \
    X(BUFFER_TOO_SMALL, "output buffer too small for the frame")

enum chao_error {
#define CHAO_ERROR_ENUM(name, message) CHAO_ERR_##name,
    CHAO_ERRORS(CHAO_ERROR_ENUM)
#undef CHAO_ERROR_ENUM
};

/* A sentence, and the error's name. */
const char *chao_strerror(enum chao_error error);
const char *chao_error_name(enum chao_error error);

enum chao_framing {
    CHAO_FRAMING_NONE = 0,
    CHAO_FRAMING_BARE,     /* the frame starts with "CHAO"; the message is the rest */
    CHAO_FRAMING_NATIVE,   /* Ethernet II, EtherType 0x88b5, CHAO/1 header, body, padding */
    CHAO_FRAMING_DATAGRAM, /* a UDP payload: CHAO/1 header and body, nothing else */
};

enum chao_type {
    CHAO_TYPE_NONE = 0, /* bare frames have no type */
    CHAO_TYPE_REQUEST = 1,
    CHAO_TYPE_REPLY = 2,
    CHAO_TYPE_ERROR = 3,
};

/* "bare", "native", "udp"; "request", "reply", "error" ("none" for the zero values). */
const char *chao_framing_name(enum chao_framing framing);
const char *chao_type_name(enum chao_type type);

/* IEEE 802.1Q 9.6: TCI = PCP (3 bits) | DEI (1 bit) | VID (12 bits). */
struct chao_vlan_tag {
    uint16_t tpid; /* CHAO_TPID_CTAG or CHAO_TPID_STAG */
    uint8_t pcp;   /* priority code point, 0-7 */
    bool dei;      /* drop eligible indicator */
    uint16_t vid;  /* 0 (priority tag only) to CHAO_VLAN_ID_MAX */
};

struct chao_frame {
    enum chao_framing framing;

    /* Link layer, as on the wire. has_ethernet: dst, src and ethertype are set (native
     * frames, and bare frames at least CHAO_ETH_HEADER_LEN long, whose "addresses" are
     * the first bytes of the message). Tags in wire order, outermost first; native only. */
    bool has_ethernet;
    uint8_t dst[CHAO_MAC_LEN];
    uint8_t src[CHAO_MAC_LEN];
    struct chao_vlan_tag vlan[CHAO_MAX_VLAN_TAGS];
    size_t num_vlan;
    uint16_t ethertype;

    /* CHAO/1 header (native and datagram). */
    uint8_t version;
    enum chao_type type;
    uint16_t seq; /* a reply echoes its request's */

    struct ph_slice body;    /* bare: everything after the magic */
    struct ph_slice padding; /* native: bytes after the body (NICs pad to 60 bytes);
                                {NULL, 0} when there are none, and on every reject */

    size_t consumed; /* PH_OK: the whole frame */
    enum chao_error error;
    size_t error_offset;
};

/*
 * Decodes one link-layer frame buf[0..len), VLAN tags in place, as on the wire and in a
 * pcap. Native when the EtherType after at most two tags is 0x88b5; otherwise bare when
 * the frame starts with "CHAO"; otherwise NOT_CHAO (or the Ethernet error met first).
 * PH_OK or PH_REJECT, never PH_INCOMPLETE.
 */
enum ph_status chao_decode_frame(const uint8_t *buf, size_t len, struct chao_frame *frame);

/* Decodes one UDP payload: a CHAO/1 header and exactly its body. */
enum ph_status chao_decode_datagram(const uint8_t *buf, size_t len, struct chao_frame *frame);

struct chao_encode_result {
    size_t written; /* PH_OK: bytes of the frame in out */
    enum chao_error error;
    size_t error_offset; /* PH_REJECT: where in the frame the bad field would go */
};

/*
 * Writes frame into out[0..cap): for native, the Ethernet header with frame->dst,
 * frame->src and the tags, EtherType 0x88b5, the CHAO/1 header (version, type, seq, body
 * length), the body and the padding (padding.ptr's bytes, or zeros when it is NULL); for
 * bare, "CHAO", the body and the padding; for datagram, the header and the body. Ignores
 * has_ethernet, ethertype, consumed and the error fields, so a decoded frame encodes back
 * to the bytes it came from. PH_OK or PH_REJECT (a field out of range, or cap too small).
 */
enum ph_status chao_encode_frame(const struct chao_frame *frame, uint8_t *out, size_t cap,
                                 struct chao_encode_result *res);

/* Bytes frame takes on the wire without its padding. */
size_t chao_frame_size(const struct chao_frame *frame);

/* Sets frame->padding to that many zero bytes that the link frame is at least
 * CHAO_ETH_MIN_FRAME long, as a NIC would pad it (datagrams: none). */
void chao_pad_to_minimum(struct chao_frame *frame);

/* Fills frame with a native request (one tag per vid, 802.1ad S-tag outside a C-tag when
 * there are two), or a bare one. The body slice is the caller's. */
void chao_frame_request(struct chao_frame *frame, enum chao_framing framing,
                        const uint8_t dst[CHAO_MAC_LEN], const uint8_t src[CHAO_MAC_LEN],
                        const uint16_t *vids, size_t num_vids, uint16_t seq, struct ph_slice body);

/* ---- serving: what to answer, and how often --------------------------------------------- */

/*
 * Decides the answer of a server whose address is self to a frame decoded with status st.
 * Returns true and fills out (a frame to encode) for:
 *   a native or datagram request: a reply to its source, same tags and seq, body echoed;
 *   a bare frame: the bare reply CHAO_BARE_REPLY (a bare reply and a bare request of the
 *     original programs are the same bytes, so the rate limit is what stops two servers);
 *   a CHAO/1 request the decoder rejected after the header (UNKNOWN_TYPE, LENGTH_PAST_END,
 *     TRAILING_BYTES): an error with the same seq whose body is the error's name.
 * Returns false (stay silent) for replies, errors, frames from self, anything else.
 */
bool chao_answer(enum ph_status st, const struct chao_frame *in, const uint8_t self[CHAO_MAC_LEN],
                 struct chao_frame *out);

/* A token bucket: at most burst at once, rate per second on average. Times are the
 * caller's monotonic milliseconds. */
struct chao_limiter {
    uint64_t millitokens; /* tokens x 1000 */
    uint64_t capacity;    /* burst x 1000 */
    uint64_t rate;        /* tokens per second == millitokens per millisecond */
    uint64_t last_ms;
};

void chao_limiter_init(struct chao_limiter *lim, unsigned rate, unsigned burst, uint64_t now_ms);
/* Takes one token if there is one. */
bool chao_limiter_allow(struct chao_limiter *lim, uint64_t now_ms);

/* ---- the kernel filter -------------------------------------------------------------------- */

struct sock_filter;

/*
 * A classic BPF program for SO_ATTACH_FILTER (Documentation/networking/filter.rst) that
 * keeps every frame chao_decode_frame could accept (EtherType 0x88b5 after up to two tags
 * in the data, or "CHAO" at offset 0) and drops the rest in the kernel. It works whether
 * or not the kernel has already taken the outer tag off (it does on receive). Returns the
 * number of instructions and sets *prog to the static program.
 */
size_t chao_socket_filter(const struct sock_filter **prog);

#endif
