/*
 * The CHAO codec: a spec table of docs/chao.md, one behaviour per row.
 *
 * Every input is copied so that its last byte sits right before a PROT_NONE page
 * (tests/lib/guard_buf.h): a decoder that reads past the end of a frame faults even
 * without ASan.
 *
 * Accept rows list only what differs from a native CHAO/1 request from SRC to DST, no VLAN
 * tags, seq 0, no padding; the body is .body. Reject rows name the error and its offset.
 *
 * Beyond the tables: every accepted frame encodes back to its own bytes; every prefix of
 * every row decodes as a truncation reject, as bare, or as the whole frame (less padding);
 * a decode leaves the same outputs whatever the struct held before; the encoder applies
 * the decoder's rules; the server's answers; the reply rate limit; the error table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chao/chao.h"
#include "guard_buf.h"
#include "test_table.h"

/* ---- how a frame reads in a row ------------------------------------------------------------ */

#define DST "\x02\x00\x00\x00\x00\x02"
#define SRC "\x02\x00\x00\x00\x00\x01"
#define BCAST "\xff\xff\xff\xff\xff\xff"
#define ETH DST SRC
#define ETYPE "\x88\xb5"
#define CTAG(vid_hi, vid_lo) "\x81\x00" vid_hi vid_lo
#define STAG(vid_hi, vid_lo) "\x88\xa8" vid_hi vid_lo
/* CHAO/1 header: version 1, then type, seq and length as byte strings. */
#define HDR(type, seq, len) \
    "CHAO"                  \
    "\x01" type seq len
#define REQ "\x01"
#define REPLY "\x02"
#define ERR "\x03"
#define SEQ0 "\x00\x00"
#define LEN(n) "\x00" n

#define IN(s) .in = (s), .len = sizeof(s) - 1
#define BODY(s) .body = (s), .body_len = sizeof(s) - 1
#define REJECT(e, n) .error = CHAO_ERR_##e, .at = (n)
struct frame_row {
    const char *label;
    const char *in;
    size_t len;
    bool datagram; /* chao_decode_datagram instead of chao_decode_frame */

    enum chao_error error; /* CHAO_ERR_NONE: PH_OK */
    size_t at;             /* error_offset */

    /* Accepts: zero values take the defaults above. */
    enum chao_framing framing; /* NONE: native (datagram rows: datagram) */
    const char *dst, *src;     /* 6 bytes each; NULL: DST, SRC */
    bool no_ethernet;          /* bare frames shorter than an Ethernet header */
    uint16_t ethertype;        /* 0: 0x88b5 */
    struct chao_vlan_tag vlan[CHAO_MAX_VLAN_TAGS];
    size_t num_vlan;
    enum chao_type type; /* NONE: request (bare rows: none) */
    uint16_t seq;
    const char *body;
    size_t body_len;
    size_t padding;
};

/* ---- Ethernet II and VLAN tags (IEEE 802.3 3.2, IEEE 802.1Q 9) ----------------------------- */

/* clang-format off */
static const struct frame_row ethernet_rows[] = {
    {"native: smallest request", IN(ETH ETYPE HDR(REQ, SEQ0, LEN("\x00")))},
    {"native: body", IN(ETH ETYPE HDR(REQ, SEQ0, LEN("\x02")) "hi"), BODY("hi")},
    {"native: to the broadcast address",
     IN(BCAST SRC ETYPE HDR(REQ, SEQ0, LEN("\x02")) "hi"), .dst = BCAST, BODY("hi")},
    /* the EtherType decides, not the first bytes */
    {"native: to a 43:48:41:4f:... address is still native",
     IN("CHAO\x00\x01" SRC ETYPE HDR(REQ, SEQ0, LEN("\x00"))), .dst = "CHAO\x00\x01"},
    {"vlan: one C-tag, priority and DEI",
     IN(ETH CTAG("\xb0", "\x64") ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     .vlan = {{CHAO_TPID_CTAG, 5, true, 100}}, .num_vlan = 1},
    {"vlan: S-tag over C-tag (802.1ad)",
     IN(ETH STAG("\x00", "\xc8") CTAG("\x00", "\x64") ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     .vlan = {{CHAO_TPID_STAG, 0, false, 200}, {CHAO_TPID_CTAG, 0, false, 100}}, .num_vlan = 2},
    {"vlan: two C-tags (Q-in-Q with 0x8100 outside)",
     IN(ETH CTAG("\x0f", "\xfe") CTAG("\x00", "\x01") ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     .vlan = {{CHAO_TPID_CTAG, 0, false, 4094}, {CHAO_TPID_CTAG, 0, false, 1}}, .num_vlan = 2},
    {"vlan: id 0 is a priority tag",
     IN(ETH CTAG("\xe0", "\x00") ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     .vlan = {{CHAO_TPID_CTAG, 7, false, 0}}, .num_vlan = 1},
    {"vlan: id 4095 is reserved (802.1Q table 9-2)",
     IN(ETH CTAG("\x0f", "\xff") ETYPE HDR(REQ, SEQ0, LEN("\x00"))), REJECT(VLAN_ID_RESERVED, 14)},
    {"vlan: reserved id in the inner tag",
     IN(ETH STAG("\x00", "\x01") CTAG("\x1f", "\xff") ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     REJECT(VLAN_ID_RESERVED, 18)},
    {"vlan: a third tag",
     IN(ETH STAG("\x00", "\x01") CTAG("\x00", "\x02") CTAG("\x00", "\x03") ETYPE
            HDR(REQ, SEQ0, LEN("\x00"))),
     REJECT(TOO_MANY_VLAN_TAGS, 20)},
    {"vlan: a third TPID is enough to reject", IN(ETH CTAG("\x00", "\x01") CTAG("\x00", "\x02")
                                                      "\x88\xa8"),
     REJECT(TOO_MANY_VLAN_TAGS, 20)},
    {"vlan: 0x9100 is not a tag", IN(ETH "\x91\x00" "\x00\x64" ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     REJECT(NOT_CHAO, 12)},
    {"too short: empty frame", IN(""), REJECT(TOO_SHORT, 0)},
    {"too short: 13 bytes", IN(ETH "\x88"), REJECT(TOO_SHORT, 0)},
    {"too short: frame ends in the TPID's tag", IN(ETH "\x81\x00" "\x00"), REJECT(TOO_SHORT, 12)},
    {"too short: frame ends before the type after a tag", IN(ETH CTAG("\x00", "\x01") "\x88"),
     REJECT(TOO_SHORT, 12)},
    {"too short: frame ends in the second tag", IN(ETH CTAG("\x00", "\x01") "\x81\x00"),
     REJECT(TOO_SHORT, 16)},
    {"not CHAO: IPv4", IN(ETH "\x08\x00" "\x45\x00\x00\x1c"), REJECT(NOT_CHAO, 12)},
    {"not CHAO: ARP on a VLAN", IN(ETH CTAG("\x00", "\x0a") "\x08\x06" "\x00\x01"),
     REJECT(NOT_CHAO, 16)},
    {"not CHAO: only an Ethernet header", IN(ETH "\x86\xdd"), REJECT(NOT_CHAO, 12)},
    /* IEEE 802-2014 8.2: the I/G bit of a source address is 0 */
    {"source: multicast", IN(DST "\x01\x00\x5e\x00\x00\x01" ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     REJECT(SOURCE_GROUP_ADDRESS, 6)},
    {"source: broadcast", IN(DST BCAST ETYPE HDR(REQ, SEQ0, LEN("\x00"))),
     REJECT(SOURCE_GROUP_ADDRESS, 6)},
};
/* clang-format on */

/* ---- CHAO/1 header, body and padding --------------------------------------------------- */

/* clang-format off */
static const struct frame_row header_rows[] = {
    {"type: reply", IN(ETH ETYPE HDR(REPLY, SEQ0, LEN("\x00"))), .type = CHAO_TYPE_REPLY},
    {"type: error", IN(ETH ETYPE HDR(ERR, SEQ0, LEN("\x03")) "BAD"), .type = CHAO_TYPE_ERROR,
     BODY("BAD")},
    {"seq: big-endian", IN(ETH ETYPE HDR(REQ, "\x01\x02", LEN("\x00"))), .seq = 0x0102},
    {"seq: 65535", IN(ETH ETYPE HDR(REQ, "\xff\xff", LEN("\x00"))), .seq = 0xffff},
    {"length: big-endian", IN(ETH ETYPE HDR(REQ, SEQ0, "\x01\x00")
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
     BODY("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")},
    {"padding: zeros up to 60 bytes",
     IN(ETH ETYPE HDR(REQ, SEQ0, LEN("\x02")) "hi"
                                              "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
     BODY("hi"), .padding = 34},
    {"padding: any bytes (some NICs pad with garbage)",
     IN(ETH ETYPE HDR(REQ, SEQ0, LEN("\x02")) "hi" "CHAO\x01\x01"), BODY("hi"), .padding = 6},
    {"padding: after a tagged frame's body",
     IN(ETH CTAG("\x00", "\x07") ETYPE HDR(REQ, SEQ0, LEN("\x01")) "x" "\0\0"),
     .vlan = {{CHAO_TPID_CTAG, 0, false, 7}}, .num_vlan = 1, BODY("x"), .padding = 2},
    {"magic: wrong", IN(ETH ETYPE "CHAX\x01\x01\x00\x00\x00\x00"), REJECT(BAD_MAGIC, 14)},
    {"magic: lower case", IN(ETH ETYPE "chao\x01\x01\x00\x00\x00\x00"), REJECT(BAD_MAGIC, 14)},
    {"magic: after a tag", IN(ETH CTAG("\x00", "\x01") ETYPE "XHAO"), REJECT(BAD_MAGIC, 18)},
    {"header: nothing after the EtherType", IN(ETH ETYPE), REJECT(HEADER_TRUNCATED, 14)},
    {"header: frame ends in the magic", IN(ETH ETYPE "CHA"), REJECT(HEADER_TRUNCATED, 14)},
    {"header: frame ends after the magic", IN(ETH ETYPE "CHAO"), REJECT(HEADER_TRUNCATED, 14)},
    {"header: frame ends after the version", IN(ETH ETYPE "CHAO\x01"),
     REJECT(HEADER_TRUNCATED, 14)},
    {"header: frame ends in the length", IN(ETH ETYPE "CHAO\x01\x01\x00\x00\x00"),
     REJECT(HEADER_TRUNCATED, 14)},
    {"version: 0", IN(ETH ETYPE "CHAO\x00\x01\x00\x00\x00\x00"), REJECT(UNKNOWN_VERSION, 18)},
    {"version: 2", IN(ETH ETYPE "CHAO\x02\x01\x00\x00\x00\x00"), REJECT(UNKNOWN_VERSION, 18)},
    {"version: 255", IN(ETH ETYPE "CHAO\xff"), REJECT(UNKNOWN_VERSION, 18)},
    {"version: checked before the rest of the header", IN(ETH ETYPE "CHAO\x02"),
     REJECT(UNKNOWN_VERSION, 18)},
    {"type: 0", IN(ETH ETYPE HDR("\x00", SEQ0, LEN("\x00"))), REJECT(UNKNOWN_TYPE, 19)},
    {"type: 4", IN(ETH ETYPE HDR("\x04", SEQ0, LEN("\x00"))), REJECT(UNKNOWN_TYPE, 19)},
    {"type: 255", IN(ETH ETYPE HDR("\xff", SEQ0, LEN("\x00"))), REJECT(UNKNOWN_TYPE, 19)},
    {"length: one past the end", IN(ETH ETYPE HDR(REQ, SEQ0, LEN("\x03")) "hi"),
     REJECT(LENGTH_PAST_END, 22)},
    {"length: 65535 in a short frame", IN(ETH ETYPE HDR(REQ, SEQ0, "\xff\xff") "hi"),
     REJECT(LENGTH_PAST_END, 22)},
    {"length: past the end of a tagged frame",
     IN(ETH CTAG("\x00", "\x01") ETYPE HDR(REQ, SEQ0, LEN("\x01"))), REJECT(LENGTH_PAST_END, 26)},
};
/* clang-format on */

/* ---- bare frames: "CHAO" then the message to the end of the frame ------------------------ */

static const struct frame_row bare_rows[] = {
    {"bare: the original request", IN("CHAOHello, custom chao protocol!"),
     .framing = CHAO_FRAMING_BARE, .dst = "CHAOHe", .src = "llo, c", .ethertype = 0x7573,
     BODY("Hello, custom chao protocol!")},
    {"bare: the magic alone", IN("CHAO"), .framing = CHAO_FRAMING_BARE, .no_ethernet = true,
     BODY("")},
    {"bare: shorter than an Ethernet header", IN("CHAOhi"), .framing = CHAO_FRAMING_BARE,
     .no_ethernet = true, BODY("hi")},
    {"bare: 13 bytes", IN("CHAO123456789"), .framing = CHAO_FRAMING_BARE, .no_ethernet = true,
     BODY("123456789")},
    {"bare: 14 bytes have an Ethernet header", IN("CHAO1234567890"), .framing = CHAO_FRAMING_BARE,
     .dst = "CHAO12", .src = "345678", .ethertype = 0x3930, BODY("1234567890")},
    {"bare: padding is part of the message", IN("CHAOhi there\0\0\0"), .framing = CHAO_FRAMING_BARE,
     .dst = "CHAOhi", .src = " there", .ethertype = 0, BODY("hi there\0\0\0")},
    /* the message's bytes 8-9 read as a TPID: the Ethernet parse fails, the magic holds */
    {"bare: message with tag-like bytes",
     IN("CHAO12345678\x81\x00\x00\x01\x81\x00\x00\x02\x81\x00"), .framing = CHAO_FRAMING_BARE,
     .dst = "CHAO12", .src = "345678", .ethertype = 0x8100,
     BODY("12345678\x81\x00\x00\x01\x81\x00\x00\x02\x81\x00")},
    {"bare: ends inside a tag-like field", IN("CHAO12345678\x81\x00\x00"),
     .framing = CHAO_FRAMING_BARE, .dst = "CHAO12", .src = "345678", .ethertype = 0x8100,
     BODY("12345678\x81\x00\x00")},
    /* the EtherType decides first: the source is "cdefgh", and 'c' (odd) is a group address */
    {"bare: bytes 12-13 of 0x88b5 make it native", IN("CHAOabcdefgh\x88\xb5 hello"),
     REJECT(SOURCE_GROUP_ADDRESS, 6)},
    {"bare: too short for the magic", IN("CHA"), REJECT(TOO_SHORT, 0)},
    {"bare: lower case is not the magic", IN("chaoHello, custom chao protocol!"),
     REJECT(NOT_CHAO, 12)},
};

/* ---- UDP datagrams: header and body, nothing else -------------------------------------------- */

/* clang-format off */
static const struct frame_row datagram_rows[] = {
    {"udp: request", IN(HDR(REQ, "\x00\x07", LEN("\x05")) "hello"), .datagram = true,
     .seq = 7, BODY("hello")},
    {"udp: reply, empty body", IN(HDR(REPLY, "\x00\x07", LEN("\x00"))), .datagram = true,
     .type = CHAO_TYPE_REPLY, .seq = 7},
    {"udp: error", IN(HDR(ERR, "\x12\x34", LEN("\x01")) "E"), .datagram = true,
     .type = CHAO_TYPE_ERROR, .seq = 0x1234, BODY("E")},
    {"udp: bytes after the body", IN(HDR(REQ, SEQ0, LEN("\x01")) "ab"), .datagram = true,
     REJECT(TRAILING_BYTES, 11)},
    {"udp: empty datagram", IN(""), .datagram = true, REJECT(HEADER_TRUNCATED, 0)},
    {"udp: ends in the header", IN("CHAO\x01\x01\x00"), .datagram = true,
     REJECT(HEADER_TRUNCATED, 0)},
    {"udp: no magic", IN("XHAO\x01\x01\x00\x00\x00\x00"), .datagram = true, REJECT(BAD_MAGIC, 0)},
    {"udp: bare is not a datagram framing", IN("CHAOHello, custom chao protocol!"),
     .datagram = true, REJECT(UNKNOWN_VERSION, 4)},
    {"udp: version 2", IN("CHAO\x02"), .datagram = true, REJECT(UNKNOWN_VERSION, 4)},
    {"udp: type 9", IN(HDR("\x09", SEQ0, LEN("\x00"))), .datagram = true,
     REJECT(UNKNOWN_TYPE, 5)},
    {"udp: length past the end", IN(HDR(REQ, SEQ0, LEN("\x02")) "a"), .datagram = true,
     REJECT(LENGTH_PAST_END, 8)},
};
/* clang-format on */

struct table {
    const char *name;
    const struct frame_row *rows;
    size_t n;
};

/* clang-format off */
#define TABLE(t) {#t, t, NROWS(t)}
/* clang-format on */
static const struct table all_tables[] = {
    TABLE(ethernet_rows),
    TABLE(header_rows),
    TABLE(bare_rows),
    TABLE(datagram_rows),
};

/* ---- checking one row --------------------------------------------------------------------- */

static enum ph_status decode(const struct frame_row *r, const uint8_t *buf, size_t len,
                             struct chao_frame *f)
{
    if (r->datagram)
        return chao_decode_datagram(buf, len, f);
    return chao_decode_frame(buf, len, f);
}

static bool slice_inside(struct ph_slice s, const uint8_t *buf, size_t len)
{
    return s.ptr == NULL ||
           (s.ptr >= buf && s.len <= len && s.ptr - buf <= (ptrdiff_t)(len - s.len));
}

static int check_link(const struct frame_row *r, const struct chao_frame *f)
{
    int bad = 0;
    if (r->datagram || r->no_ethernet) {
        if (f->has_ethernet)
            bad += row_fail(r->label, "has_ethernet: got true, want false");
        return bad;
    }
    if (!f->has_ethernet)
        return row_fail(r->label, "has_ethernet: got false, want true");
    if (memcmp(f->dst, r->dst ? r->dst : DST, CHAO_MAC_LEN) != 0)
        bad += row_fail(r->label, "dst differs");
    if (memcmp(f->src, r->src ? r->src : SRC, CHAO_MAC_LEN) != 0)
        bad += row_fail(r->label, "src differs");
    uint16_t ethertype = r->framing == CHAO_FRAMING_BARE
                             ? r->ethertype
                             : (r->ethertype ? r->ethertype : CHAO_ETHERTYPE);
    if (f->ethertype != ethertype)
        bad += row_fail(r->label, "ethertype: got 0x%04x, want 0x%04x", f->ethertype, ethertype);
    if (f->num_vlan != r->num_vlan)
        return bad + row_fail(r->label, "num_vlan: got %zu, want %zu", f->num_vlan, r->num_vlan);
    for (size_t i = 0; i < CHAO_MAX_VLAN_TAGS; i++) {
        /* past num_vlan, the w side is the row's zeros: unused slots stay reset */
        const struct chao_vlan_tag *g = &f->vlan[i], *w = &r->vlan[i];
        if (g->tpid != w->tpid || g->pcp != w->pcp || g->dei != w->dei || g->vid != w->vid)
            bad += row_fail(r->label, "vlan[%zu]: got %04x/%u/%d/%u, want %04x/%u/%d/%u", i,
                            g->tpid, g->pcp, g->dei, g->vid, w->tpid, w->pcp, w->dei, w->vid);
    }
    return bad;
}

static int check_accept(const struct frame_row *r, const struct chao_frame *f, const uint8_t *buf)
{
    int bad = check_link(r, f);
    enum chao_framing framing = r->datagram  ? CHAO_FRAMING_DATAGRAM
                                : r->framing ? r->framing
                                             : CHAO_FRAMING_NATIVE;
    bool bare = framing == CHAO_FRAMING_BARE;
    if (f->framing != framing)
        bad += row_fail(r->label, "framing: got %s, want %s", chao_framing_name(f->framing),
                        chao_framing_name(framing));
    enum chao_type type = bare ? CHAO_TYPE_NONE : r->type ? r->type : CHAO_TYPE_REQUEST;
    if (f->type != type)
        bad += row_fail(r->label, "type: got %s, want %s", chao_type_name(f->type),
                        chao_type_name(type));
    if (f->version != (bare ? 0 : CHAO_VERSION))
        bad += row_fail(r->label, "version: got %u", f->version);
    if (f->seq != r->seq)
        bad += row_fail(r->label, "seq: got %u, want %u", f->seq, r->seq);
    const char *body = r->body ? r->body : "";
    if (f->body.len != r->body_len || (r->body_len && memcmp(f->body.ptr, body, r->body_len) != 0))
        bad += row_fail(r->label, "body: got %zu bytes, want %zu", f->body.len, r->body_len);
    if (!slice_inside(f->body, buf, r->len) || !slice_inside(f->padding, buf, r->len))
        bad += row_fail(r->label, "body or padding points outside the frame");
    if (f->padding.len != r->padding)
        bad += row_fail(r->label, "padding: got %zu, want %zu", f->padding.len, r->padding);
    if (f->padding.len && f->padding.ptr != f->body.ptr + f->body.len)
        bad += row_fail(r->label, "padding does not follow the body");
    if (f->padding.len == 0 && f->padding.ptr != NULL)
        bad += row_fail(r->label, "no padding, but padding.ptr is not NULL");
    if (f->consumed != r->len)
        bad += row_fail(r->label, "consumed: got %zu, want %zu", f->consumed, r->len);
    return bad;
}

static int check_row(const struct frame_row *r)
{
    uint8_t *buf = guard_buf_new(r->in, r->len);
    struct chao_frame f;
    enum ph_status st = decode(r, buf, r->len, &f);
    enum ph_status want = r->error == CHAO_ERR_NONE ? PH_OK : PH_REJECT;
    int bad = 0;
    if (st != want || f.error != r->error)
        bad += row_fail(r->label, "got %s %s (at %zu), want %s %s", ph_status_name(st),
                        chao_error_name(f.error), f.error_offset, ph_status_name(want),
                        chao_error_name(r->error));
    else if (want == PH_REJECT && f.error_offset != r->at)
        bad += row_fail(r->label, "error_offset: got %zu, want %zu", f.error_offset, r->at);
    else if (want == PH_REJECT && (f.padding.ptr != NULL || f.padding.len != 0))
        bad += row_fail(r->label, "padding is not reset on a reject"); /* chao.h */
    else if (want == PH_OK)
        bad += check_accept(r, &f, buf);
    guard_buf_free(buf, r->len);
    return bad;
}

static void test_ethernet(void **state)
{
    (void)state;
    RUN_TABLE(ethernet_rows, check_row);
}

static void test_header(void **state)
{
    (void)state;
    RUN_TABLE(header_rows, check_row);
}

static void test_bare(void **state)
{
    (void)state;
    RUN_TABLE(bare_rows, check_row);
}

static void test_datagram(void **state)
{
    (void)state;
    RUN_TABLE(datagram_rows, check_row);
}

/* ---- rejects keep what came before the error ----------------------------------------------- */

static void test_reject_keeps_earlier_fields(void **state)
{
    (void)state;
    static const char unknown_type[] =
        ETH CTAG("\x00", "\x05") ETYPE HDR("\x07", "\xbe\xef", LEN("\x00"));
    uint8_t *buf = guard_buf_new(unknown_type, sizeof(unknown_type) - 1);
    struct chao_frame f;
    assert_int_equal(chao_decode_frame(buf, sizeof(unknown_type) - 1, &f), PH_REJECT);
    assert_int_equal(f.error, CHAO_ERR_UNKNOWN_TYPE);
    assert_int_equal(f.framing, CHAO_FRAMING_NATIVE);
    assert_memory_equal(f.src, SRC, CHAO_MAC_LEN);
    assert_int_equal(f.num_vlan, 1);
    assert_int_equal(f.vlan[0].vid, 5);
    assert_int_equal(f.seq, 0xbeef); /* read with the whole header, for the error reply */
    assert_int_equal(f.type, CHAO_TYPE_NONE);
    assert_null(f.body.ptr);
    assert_int_equal(f.consumed, 0);
    guard_buf_free(buf, sizeof(unknown_type) - 1);
}

/* ---- bodies as large as the field and the MTU allow (chao_limits.h) ---------------------------- */

static void test_body_limits(void **state)
{
    (void)state;
    static const size_t sizes[] = {CHAO_STD_MAX_BODY, CHAO_MAX_BODY};
    for (size_t i = 0; i < NROWS(sizes); i++) {
        size_t n = sizes[i];
        uint8_t *body = malloc(n);
        assert_non_null(body);
        memset(body, 'b', n);
        struct chao_frame f;
        uint16_t vids[] = {10, 20};
        chao_frame_request(&f, CHAO_FRAMING_NATIVE, (const uint8_t *)DST, (const uint8_t *)SRC,
                           vids, 2, 9, (struct ph_slice){body, n});
        size_t size = chao_frame_size(&f);
        assert_int_equal(size, 14 + 8 + 10 + n);
        uint8_t *out = malloc(size);
        struct chao_encode_result res;
        assert_int_equal(chao_encode_frame(&f, out, size, &res), PH_OK);
        assert_int_equal(res.written, size);
        assert_int_equal(chao_encode_frame(&f, out, size - 1, &res), PH_REJECT);
        assert_int_equal(res.error, CHAO_ERR_BUFFER_TOO_SMALL);

        uint8_t *wire = guard_buf_new(out, size);
        struct chao_frame d;
        assert_int_equal(chao_decode_frame(wire, size, &d), PH_OK);
        assert_int_equal(d.body.len, n);
        assert_int_equal(d.vlan[0].tpid, CHAO_TPID_STAG);
        assert_int_equal(d.vlan[1].tpid, CHAO_TPID_CTAG);
        assert_int_equal(d.vlan[1].vid, 20);
        guard_buf_free(wire, size);
        /* one byte short: the length runs past the end */
        wire = guard_buf_new(out, size - 1);
        assert_int_equal(chao_decode_frame(wire, size - 1, &d), PH_REJECT);
        assert_int_equal(d.error, CHAO_ERR_LENGTH_PAST_END);
        guard_buf_free(wire, size - 1);
        free(out);
        free(body);
    }
}

/* ---- properties over every row -------------------------------------------------------------- */

static bool is_truncation(enum chao_error e)
{
    return e == CHAO_ERR_TOO_SHORT || e == CHAO_ERR_HEADER_TRUNCATED ||
           e == CHAO_ERR_LENGTH_PAST_END;
}

/* Same outcome, slices compared by offset; padding may be shorter by cut bytes. */
static bool same_but_padding(const struct chao_frame *a, const uint8_t *base_a,
                             const struct chao_frame *b, const uint8_t *base_b)
{
    struct chao_frame x = *a, y = *b;
    if (x.body.ptr)
        x.body.ptr = (const uint8_t *)(uintptr_t)(x.body.ptr - base_a);
    if (y.body.ptr)
        y.body.ptr = (const uint8_t *)(uintptr_t)(y.body.ptr - base_b);
    x.padding = y.padding = (struct ph_slice){NULL, 0};
    x.consumed = y.consumed = 0;
    return memcmp(&x, &y, sizeof(x)) == 0;
}

/* Every accepted frame encodes back to exactly its own bytes. */
static void test_roundtrip(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct frame_row *r = &all_tables[t].rows[i];
            if (r->error != CHAO_ERR_NONE)
                continue;
            uint8_t *buf = guard_buf_new(r->in, r->len);
            struct chao_frame f;
            decode(r, buf, r->len, &f);
            uint8_t out[4096];
            struct chao_encode_result res;
            if (chao_encode_frame(&f, out, sizeof(out), &res) != PH_OK)
                bad += row_fail(r->label, "encode: %s", chao_error_name(res.error));
            else if (res.written != r->len || memcmp(out, r->in, r->len) != 0)
                bad +=
                    row_fail(r->label, "encode: %zu bytes that differ from the input", res.written);
            guard_buf_free(buf, r->len);
        }
    }
    assert_int_equal(bad, 0);
}

/* docs/chao.md: every prefix decodes as a truncation reject, as bare (when the frame starts
 * with "CHAO"), or as the whole frame does, less padding. */
static void test_split_oracle(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct frame_row *r = &all_tables[t].rows[i];
            uint8_t *whole_buf = guard_buf_new(r->in, r->len);
            struct chao_frame whole, part;
            enum ph_status whole_st = decode(r, whole_buf, r->len, &whole);
            for (size_t k = 0; k < r->len; k++) {
                uint8_t *buf = guard_buf_new(r->in, k);
                enum ph_status st = decode(r, buf, k, &part);
                /* a datagram cut right after its body has no trailing bytes left */
                bool ok = (st == PH_REJECT && is_truncation(part.error)) ||
                          (st == PH_OK && part.framing == CHAO_FRAMING_BARE && !r->datagram) ||
                          (st == PH_OK && whole.error == CHAO_ERR_TRAILING_BYTES) ||
                          (st == whole_st && same_but_padding(&part, buf, &whole, whole_buf));
                if (!ok) {
                    bad += row_fail(r->label, "prefix of %zu bytes: %s %s", k, ph_status_name(st),
                                    chao_error_name(part.error));
                    guard_buf_free(buf, k);
                    break;
                }
                guard_buf_free(buf, k);
            }
            guard_buf_free(whole_buf, r->len);
        }
    }
    assert_int_equal(bad, 0);
}

/* Whatever the struct held before, a decode leaves the same bytes in it. */
static void test_outputs_reset(void **state)
{
    (void)state;
    int bad = 0;
    static const char earlier[] = ETH STAG("\x00", "\x01") CTAG("\x00", "\x02")
        ETYPE HDR(REPLY, "\x00\x09", LEN("\x01")) "z"
                                                  "pad";
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct frame_row *r = &all_tables[t].rows[i];
            uint8_t *buf = guard_buf_new(r->in, r->len);
            struct chao_frame zero, junk, reused;
            memset(&zero, 0, sizeof(zero));
            memset(&junk, 0xa5, sizeof(junk));
            decode(r, buf, r->len, &zero);
            decode(r, buf, r->len, &junk);
            chao_decode_frame((const uint8_t *)earlier, sizeof(earlier) - 1, &reused);
            decode(r, buf, r->len, &reused);
            if (memcmp(&zero, &junk, sizeof(zero)) != 0)
                bad += row_fail(r->label, "outputs depend on what the struct held before (junk)");
            if (memcmp(&zero, &reused, sizeof(zero)) != 0)
                bad += row_fail(r->label,
                                "outputs depend on what the struct held before (earlier decode)");
            guard_buf_free(buf, r->len);
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- the encoder applies the decoder's rules ------------------------------------------------ */

struct encode_row {
    const char *label;
    struct chao_frame frame;
    enum chao_error error;
    size_t at;
};

/* The parts of a native request to DST from SRC, so that a row can swap one of them. */
#define TO_DST .framing = CHAO_FRAMING_NATIVE, .dst = {2, 0, 0, 0, 0, 2}
#define FROM_SRC .src = {2, 0, 0, 0, 0, 1}
#define V1 .version = CHAO_VERSION
#define REQUEST .type = CHAO_TYPE_REQUEST
#define NATIVE_REQ TO_DST, FROM_SRC, V1, REQUEST

/* clang-format off */
static const struct encode_row encode_rows[] = {
    {"encode: native request", {NATIVE_REQ}, CHAO_ERR_NONE, 0},
    {"encode: no framing", {.framing = CHAO_FRAMING_NONE}, CHAO_ERR_BAD_FRAMING, 0},
    {"encode: framing out of range", {.framing = (enum chao_framing)9}, CHAO_ERR_BAD_FRAMING, 0},
    {"encode: version 2", {TO_DST, FROM_SRC, .version = 2, REQUEST}, CHAO_ERR_UNKNOWN_VERSION, 18},
    {"encode: type 0", {TO_DST, FROM_SRC, V1, .type = CHAO_TYPE_NONE}, CHAO_ERR_UNKNOWN_TYPE, 19},
    {"encode: type 4", {TO_DST, FROM_SRC, V1, .type = (enum chao_type)4}, CHAO_ERR_UNKNOWN_TYPE,
     19},
    {"encode: group source", {TO_DST, .src = {1, 0, 0x5e, 0, 0, 1}, V1, REQUEST},
     CHAO_ERR_SOURCE_GROUP_ADDRESS, 6},
    {"encode: three tags", {NATIVE_REQ, .num_vlan = 3}, CHAO_ERR_TOO_MANY_VLAN_TAGS, 20},
    {"encode: TPID 0x9100", {NATIVE_REQ, .vlan = {{0x9100, 0, false, 1}}, .num_vlan = 1},
     CHAO_ERR_BAD_VLAN_TPID, 12},
    {"encode: priority 8", {NATIVE_REQ, .vlan = {{CHAO_TPID_CTAG, 8, false, 1}}, .num_vlan = 1},
     CHAO_ERR_BAD_VLAN_PRIORITY, 14},
    {"encode: VLAN id 4095",
     {NATIVE_REQ,
      .vlan = {{CHAO_TPID_STAG, 0, false, 1}, {CHAO_TPID_CTAG, 0, false, 4095}},
      .num_vlan = 2},
     CHAO_ERR_VLAN_ID_RESERVED, 18},
    {"encode: body of 65536 bytes",
     {NATIVE_REQ, .body = {(const uint8_t *)"", CHAO_MAX_BODY + 1}}, CHAO_ERR_BODY_TOO_LARGE, 22},
    /* a datagram's header starts at 0: offsets as in chao_decode_datagram */
    {"encode: datagram version 2", {.framing = CHAO_FRAMING_DATAGRAM, .version = 2, REQUEST},
     CHAO_ERR_UNKNOWN_VERSION, 4},
    {"encode: datagram type 0", {.framing = CHAO_FRAMING_DATAGRAM, V1}, CHAO_ERR_UNKNOWN_TYPE, 5},
    {"encode: datagram body of 65536 bytes",
     {.framing = CHAO_FRAMING_DATAGRAM, V1, REQUEST,
      .body = {(const uint8_t *)"", CHAO_MAX_BODY + 1}},
     CHAO_ERR_BODY_TOO_LARGE, 8},
    {"encode: datagram with padding",
     {.framing = CHAO_FRAMING_DATAGRAM, V1, .type = CHAO_TYPE_REPLY, .padding = {NULL, 1}},
     CHAO_ERR_TRAILING_BYTES, 10},
    {"encode: bare message that reads as native",
     {.framing = CHAO_FRAMING_BARE, .body = {(const uint8_t *)"\x02\x00" "\x02\x00\x00\x00\x00\x01"
                                                              "\x88\xb5" "CHAO\x01\x01\0\0\0\0",
                                             20}},
     CHAO_ERR_BARE_AMBIGUOUS, 12},
    {"encode: output too small", {NATIVE_REQ, .padding = {NULL, 4000}}, CHAO_ERR_BUFFER_TOO_SMALL,
     256},
};
/* clang-format on */

static void test_encode_rules(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < NROWS(encode_rows); i++) {
        const struct encode_row *r = &encode_rows[i];
        uint8_t out[256];
        struct chao_encode_result res;
        memset(&res, 0xa5, sizeof(res));
        enum ph_status st = chao_encode_frame(&r->frame, out, sizeof(out), &res);
        enum ph_status want = r->error == CHAO_ERR_NONE ? PH_OK : PH_REJECT;
        if (st != want || res.error != r->error ||
            (want == PH_REJECT && res.error_offset != r->at)) {
            fprintf(stderr, "  FAIL [%s] got %s %s at %zu, want %s at %zu\n", r->label,
                    ph_status_name(st), chao_error_name(res.error), res.error_offset,
                    chao_error_name(r->error), r->at);
            bad++;
        }
        if (st == PH_REJECT && res.written != 0) {
            fprintf(stderr, "  FAIL [%s] written %zu on a reject\n", r->label, res.written);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* What chao_frame_request builds, padded as send pads it, byte for byte. */
static void test_encode_request_bytes(void **state)
{
    (void)state;
    static const char head[] =
        DST SRC CTAG("\x00", "\x64") ETYPE HDR(REQ, "\x00\x07", LEN("\x05")) "hello";
    static const uint8_t zeros[CHAO_ETH_MIN_FRAME];
    size_t head_len = sizeof(head) - 1;
    uint16_t vid = 100;
    struct chao_frame f;
    chao_frame_request(&f, CHAO_FRAMING_NATIVE, (const uint8_t *)DST, (const uint8_t *)SRC, &vid, 1,
                       7, (struct ph_slice){(const uint8_t *)"hello", 5});
    chao_pad_to_minimum(&f);
    assert_int_equal(head_len, 14 + 4 + 10 + 5);
    assert_int_equal(f.padding.len, CHAO_ETH_MIN_FRAME - head_len);
    uint8_t out[128];
    struct chao_encode_result res;
    assert_int_equal(chao_encode_frame(&f, out, sizeof(out), &res), PH_OK);
    assert_int_equal(res.written, CHAO_ETH_MIN_FRAME);
    assert_memory_equal(out, head, head_len);
    assert_memory_equal(out + head_len, zeros, CHAO_ETH_MIN_FRAME - head_len);

    /* bare: "CHAO" and the message, no padding of ours; datagram: header and body */
    chao_frame_request(&f, CHAO_FRAMING_BARE, NULL, NULL, NULL, 0, 0,
                       (struct ph_slice){(const uint8_t *)CHAO_BARE_REPLY, 28});
    assert_int_equal(chao_encode_frame(&f, out, sizeof(out), &res), PH_OK);
    assert_int_equal(res.written, 32);
    assert_memory_equal(out, "CHAOHello, custom chao protocol!", 32);
    chao_frame_request(&f, CHAO_FRAMING_DATAGRAM, NULL, NULL, NULL, 0, 0x0102,
                       (struct ph_slice){(const uint8_t *)"x", 1});
    chao_pad_to_minimum(&f);
    assert_int_equal(chao_encode_frame(&f, out, sizeof(out), &res), PH_OK);
    assert_int_equal(res.written, 11);
    assert_memory_equal(out, "CHAO\x01\x01\x01\x02\x00\x01x", 11);
}

/* chao_frame_request's fields, with addresses and tags read from guard-page buffers of
 * exactly their size (an over-read faults); more vids than tags keeps the first two. */
static void test_frame_request_fields(void **state)
{
    (void)state;
    static const uint16_t vid_list[3] = {10, 20, 30};
    uint8_t *dst = guard_buf_new(DST, CHAO_MAC_LEN);
    uint8_t *src = guard_buf_new(SRC, CHAO_MAC_LEN);
    for (size_t n = 0; n <= 3; n++) {
        uint16_t *vids = (uint16_t *)(void *)guard_buf_new(vid_list, n * sizeof(uint16_t));
        struct chao_frame f;
        memset(&f, 0xa5, sizeof(f));
        chao_frame_request(&f, CHAO_FRAMING_NATIVE, dst, src, n ? vids : NULL, n, 0x0203,
                           (struct ph_slice){(const uint8_t *)"b", 1});
        assert_int_equal(f.framing, CHAO_FRAMING_NATIVE);
        assert_true(f.has_ethernet);
        assert_int_equal(f.ethertype, CHAO_ETHERTYPE);
        assert_memory_equal(f.dst, DST, CHAO_MAC_LEN);
        assert_memory_equal(f.src, SRC, CHAO_MAC_LEN);
        assert_int_equal(f.version, CHAO_VERSION);
        assert_int_equal(f.type, CHAO_TYPE_REQUEST);
        assert_int_equal(f.seq, 0x0203);
        assert_int_equal(f.num_vlan, n);
        for (size_t i = 0; i < CHAO_MAX_VLAN_TAGS; i++) {
            uint16_t tpid = i >= n ? 0 : n == 2 && i == 0 ? CHAO_TPID_STAG : CHAO_TPID_CTAG;
            assert_int_equal(f.vlan[i].tpid, tpid);
            assert_int_equal(f.vlan[i].vid, i < n ? vid_list[i] : 0);
            assert_int_equal(f.vlan[i].pcp, 0);
            assert_false(f.vlan[i].dei);
        }
        assert_null(f.padding.ptr);
        assert_int_equal(f.padding.len, 0);
        assert_int_equal(f.consumed, 0);
        assert_int_equal(f.error, CHAO_ERR_NONE);
        guard_buf_free((uint8_t *)vids, n * sizeof(uint16_t));
    }
    guard_buf_free(dst, CHAO_MAC_LEN);
    guard_buf_free(src, CHAO_MAC_LEN);
    /* a frame with no framing takes no bytes */
    struct chao_frame none = {.framing = CHAO_FRAMING_NONE, .body = {NULL, 5}};
    assert_int_equal(chao_frame_size(&none), 0);
    none.framing = (enum chao_framing)9;
    assert_int_equal(chao_frame_size(&none), 0);
}

/* ---- what the server answers (chao_answer) --------------------------------------------------- */

static const uint8_t self_mac[CHAO_MAC_LEN] = {2, 0, 0, 0, 0, 2}; /* DST */

struct answer_row {
    const char *label;
    const char *in;
    size_t len;
    bool datagram;
    bool answers;
    enum chao_framing framing;
    enum chao_type type;
    uint16_t seq;
    const char *body;
};

#define ANSWER(f, t, s, b) \
    .answers = true, .framing = CHAO_FRAMING_##f, .type = t, .seq = s, .body = b

/* clang-format off */
static const struct answer_row answer_rows[] = {
    {"answer: native request", IN(ETH ETYPE HDR(REQ, "\x00\x07", LEN("\x02")) "hi"),
     ANSWER(NATIVE, CHAO_TYPE_REPLY, 7, "hi")},
    {"answer: broadcast request", IN(BCAST SRC ETYPE HDR(REQ, "\x00\x01", LEN("\x00"))),
     ANSWER(NATIVE, CHAO_TYPE_REPLY, 1, "")},
    {"answer: bare request", IN("CHAOanything at all"),
     ANSWER(BARE, CHAO_TYPE_NONE, 0, CHAO_BARE_REPLY)},
    {"answer: bare reply of the original server is a request too",
     IN("CHAOHello, custom chao protocol!"), ANSWER(BARE, CHAO_TYPE_NONE, 0, CHAO_BARE_REPLY)},
    {"answer: udp request", IN(HDR(REQ, "\x00\x09", LEN("\x01")) "u"), .datagram = true,
     ANSWER(DATAGRAM, CHAO_TYPE_REPLY, 9, "u")},
    {"answer: unknown type is an error reply", IN(ETH ETYPE HDR("\x05", "\x00\x03", LEN("\x00"))),
     ANSWER(NATIVE, CHAO_TYPE_ERROR, 3, "UNKNOWN_TYPE")},
    {"answer: length past the end is an error reply",
     IN(ETH ETYPE HDR(REQ, "\x00\x04", LEN("\x09")) "x"),
     ANSWER(NATIVE, CHAO_TYPE_ERROR, 4, "LENGTH_PAST_END")},
    {"answer: udp trailing bytes is an error reply", IN(HDR(REQ, "\x00\x05", LEN("\x00")) "x"),
     .datagram = true, ANSWER(DATAGRAM, CHAO_TYPE_ERROR, 5, "TRAILING_BYTES")},
    {"silent: reply", IN(ETH ETYPE HDR(REPLY, SEQ0, LEN("\x00")))},
    {"silent: error", IN(ETH ETYPE HDR(ERR, SEQ0, LEN("\x00")))},
    {"silent: udp reply", IN(HDR(REPLY, SEQ0, LEN("\x00"))), .datagram = true},
    {"answer: multicast request (I/G bit only)",
     IN("\x01\x00\x5e\x00\x00\x01" SRC ETYPE HDR(REQ, "\x00\x02", LEN("\x00"))),
     ANSWER(NATIVE, CHAO_TYPE_REPLY, 2, "")},
    {"silent: our own frame", IN(SRC DST ETYPE HDR(REQ, SEQ0, LEN("\x00")))},
    {"silent: our own broadcast", IN(BCAST DST ETYPE HDR(REQ, SEQ0, LEN("\x00")))},
    {"silent: unicast to another host",
     IN("\x02\x00\x00\x00\x00\x03" SRC ETYPE HDR(REQ, SEQ0, LEN("\x00")))},
    {"silent: not CHAO", IN(ETH "\x08\x00" "\x45\x00\x00\x14")},
    {"silent: unknown version", IN(ETH ETYPE "CHAO\x02\x01\x00\x01\x00\x00")},
    {"silent: bad magic", IN(ETH ETYPE "CHAX\x01\x01\x00\x01\x00\x00")},
    {"silent: truncated header", IN(ETH ETYPE "CHAO\x01")},
    {"silent: group source", IN(DST BCAST ETYPE HDR(REQ, SEQ0, LEN("\x00")))},
    {"silent: too short", IN("\x02\x00")},
};
/* clang-format on */

/* The link fields of an answer: a native one goes from self back to the sender, with the
 * Ethernet header set as a decoded frame has it; the others have none. */
static int check_answer_link(const char *label, const struct chao_frame *in,
                             const struct chao_frame *out)
{
    static const struct chao_vlan_tag no_tags[CHAO_MAX_VLAN_TAGS];
    static const uint8_t no_mac[CHAO_MAC_LEN];
    bool native = out->framing == CHAO_FRAMING_NATIVE;
    int bad = 0;
    if (out->has_ethernet != native || out->ethertype != (native ? CHAO_ETHERTYPE : 0))
        bad +=
            row_fail(label, "has_ethernet %d, ethertype 0x%04x", out->has_ethernet, out->ethertype);
    if (out->version != (out->framing == CHAO_FRAMING_BARE ? 0 : CHAO_VERSION))
        bad += row_fail(label, "version %u", out->version);
    if (memcmp(out->dst, native ? in->src : no_mac, CHAO_MAC_LEN) != 0 ||
        memcmp(out->src, native ? self_mac : no_mac, CHAO_MAC_LEN) != 0)
        bad += row_fail(label, "answer addresses");
    if (out->num_vlan != (native ? in->num_vlan : 0) ||
        memcmp(out->vlan, native ? in->vlan : no_tags, sizeof(out->vlan)) != 0)
        bad += row_fail(label, "answer tags");
    if (out->padding.ptr != NULL || out->padding.len != 0 || out->consumed != 0 ||
        out->error != CHAO_ERR_NONE || out->error_offset != 0)
        bad += row_fail(label, "answer has padding, consumed or error fields");
    return bad;
}

static void test_answer(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < NROWS(answer_rows); i++) {
        const struct answer_row *r = &answer_rows[i];
        uint8_t *buf = guard_buf_new(r->in, r->len);
        uint8_t *self = guard_buf_new(self_mac, CHAO_MAC_LEN);
        struct chao_frame in, out;
        enum ph_status st = r->datagram ? chao_decode_datagram(buf, r->len, &in)
                                        : chao_decode_frame(buf, r->len, &in);
        bool answers = chao_answer(st, &in, self, &out);
        if (answers != r->answers) {
            fprintf(stderr, "  FAIL [%s] answers: got %d\n", r->label, answers);
            bad++;
        } else if (answers) {
            size_t blen = strlen(r->body);
            if (out.framing != r->framing || out.type != r->type || out.seq != r->seq ||
                out.body.len != blen || memcmp(out.body.ptr, r->body, blen) != 0) {
                fprintf(stderr, "  FAIL [%s] answer differs\n", r->label);
                bad++;
            }
            bad += check_answer_link(r->label, &in, &out);
            uint8_t wire[256];
            struct chao_encode_result res;
            if (chao_encode_frame(&out, wire, sizeof(wire), &res) != PH_OK) {
                fprintf(stderr, "  FAIL [%s] answer does not encode: %s\n", r->label,
                        chao_error_name(res.error));
                bad++;
            }
        }
        guard_buf_free(self, CHAO_MAC_LEN);
        guard_buf_free(buf, r->len);
    }
    assert_int_equal(bad, 0);
}

/* Frames the decoder never makes, put to chao_answer directly: it answers only what
 * chao.h lists, and stays silent for "anything else". */
static void test_answer_other_frames(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        enum ph_status st;
        enum chao_framing framing;
        enum chao_error error;
    } rows[] = {
        {"no framing, OK", PH_OK, CHAO_FRAMING_NONE, CHAO_ERR_NONE},
        {"framing out of range, OK", PH_OK, (enum chao_framing)9, CHAO_ERR_NONE},
        {"no framing, a reject that would deserve an error", PH_REJECT, CHAO_FRAMING_NONE,
         CHAO_ERR_UNKNOWN_TYPE},
        {"bare, rejected", PH_REJECT, CHAO_FRAMING_BARE, CHAO_ERR_TOO_SHORT},
    };
    for (size_t i = 0; i < NROWS(rows); i++) {
        struct chao_frame in, out;
        memset(&in, 0, sizeof(in));
        in.framing = rows[i].framing;
        in.version = CHAO_VERSION;
        in.type = CHAO_TYPE_REQUEST;
        in.error = rows[i].error;
        memcpy(in.dst, self_mac, CHAO_MAC_LEN);
        in.src[0] = 2;
        if (chao_answer(rows[i].st, &in, self_mac, &out))
            fail_msg("%s: answered", rows[i].label);
    }
}

/* A reply goes back on the VLANs the request came by. */
static void test_answer_keeps_vlans(void **state)
{
    (void)state;
    static const char req[] =
        ETH STAG("\x00", "\x0a") CTAG("\x20", "\x14") ETYPE HDR(REQ, "\x00\x01", LEN("\x00"));
    struct chao_frame in, out;
    assert_int_equal(chao_decode_frame((const uint8_t *)req, sizeof(req) - 1, &in), PH_OK);
    assert_true(chao_answer(PH_OK, &in, self_mac, &out));
    assert_int_equal(out.num_vlan, 2);
    assert_memory_equal(out.vlan, in.vlan, sizeof(in.vlan));
}

/* ---- the reply rate limit ------------------------------------------------------------------- */

static void test_limiter(void **state)
{
    (void)state;
    struct chao_limiter lim;
    chao_limiter_init(&lim, CHAO_REPLY_RATE, CHAO_REPLY_BURST, 5000);
    size_t allowed = 0;
    for (int i = 0; i < 1000; i++)
        allowed += chao_limiter_allow(&lim, 5000);
    assert_int_equal(allowed, CHAO_REPLY_BURST); /* a burst, then nothing at the same instant */
    assert_false(chao_limiter_allow(&lim, 5000));
    assert_true(chao_limiter_allow(&lim, 5001)); /* 1000/s: one per millisecond */
    assert_false(chao_limiter_allow(&lim, 5001));
    /* an hour idle refills the bucket, no more, and does not overflow */
    allowed = 0;
    for (int i = 0; i < 1000; i++)
        allowed += chao_limiter_allow(&lim, 5001 + 3600u * 1000);
    assert_int_equal(allowed, CHAO_REPLY_BURST);
    /* a clock that goes backwards refills nothing */
    assert_false(chao_limiter_allow(&lim, 0));
    /* one second at the full rate lets CHAO_REPLY_RATE through */
    chao_limiter_init(&lim, 10, 1, 0);
    allowed = 0;
    for (uint64_t ms = 0; ms < 1000; ms++)
        allowed += chao_limiter_allow(&lim, ms);
    assert_int_equal(allowed, 10);

    /* rate 1, burst 1: one token, the next one a whole second later */
    chao_limiter_init(&lim, 1, 1, 0);
    assert_true(chao_limiter_allow(&lim, 0));
    assert_false(chao_limiter_allow(&lim, 0));
    assert_false(chao_limiter_allow(&lim, 999));
    assert_true(chao_limiter_allow(&lim, 1000));
    assert_false(chao_limiter_allow(&lim, 1000));
    assert_false(chao_limiter_allow(&lim, 1999));
    assert_true(chao_limiter_allow(&lim, 1000000)); /* idle: still one token, not more */
    assert_false(chao_limiter_allow(&lim, 1000000));
    /* rate 0: the burst and then nothing, however long it waits */
    chao_limiter_init(&lim, 0, 2, 0);
    assert_true(chao_limiter_allow(&lim, 0));
    assert_true(chao_limiter_allow(&lim, 0));
    assert_false(chao_limiter_allow(&lim, 0));
    assert_false(chao_limiter_allow(&lim, UINT64_MAX));
    /* a 2^63 ms clock: elapsed x rate would wrap, the refill must not */
    chao_limiter_init(&lim, CHAO_REPLY_RATE, CHAO_REPLY_BURST, 0);
    for (int i = 0; i < CHAO_REPLY_BURST; i++)
        assert_true(chao_limiter_allow(&lim, 0));
    allowed = 0;
    for (int i = 0; i < 1000; i++)
        allowed += chao_limiter_allow(&lim, UINT64_C(1) << 63);
    assert_int_equal(allowed, CHAO_REPLY_BURST);
    chao_limiter_init(&lim, 3, 1, UINT64_C(1) << 63);
    assert_true(chao_limiter_allow(&lim, UINT64_C(1) << 63));
    assert_false(chao_limiter_allow(&lim, (UINT64_C(1) << 63) + 333));
    assert_true(chao_limiter_allow(&lim, (UINT64_C(1) << 63) + 334));
    assert_true(chao_limiter_allow(&lim, UINT64_MAX));
}

/* ---- chao_strerror, chao_error_name ------------------------------------------------------- */

struct error_spec {
    enum chao_error error;
    const char *name;
    const char *message;
};

/* clang-format off */
#define ERROR_SPEC(name, message) {CHAO_ERR_##name, #name, message},
/* clang-format on */
static const struct error_spec error_specs[] = {CHAO_ERRORS(ERROR_SPEC)};
#undef ERROR_SPEC

static void test_error_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < NROWS(error_specs); i++) {
        enum chao_error e = error_specs[i].error;
        if (strcmp(chao_error_name(e), error_specs[i].name) != 0 ||
            strcmp(chao_strerror(e), error_specs[i].message) != 0 || chao_strerror(e)[0] == '\0') {
            fprintf(stderr, "  FAIL [%s] name or message\n", error_specs[i].name);
            bad++;
        }
        for (size_t j = 0; j < i; j++)
            bad += strcmp(error_specs[i].name, error_specs[j].name) == 0;
    }
    assert_int_equal((int)error_specs[0].error, 0);
    assert_string_equal(chao_error_name((enum chao_error)999), "UNKNOWN");
    assert_string_equal(chao_framing_name(CHAO_FRAMING_DATAGRAM), "udp");
    assert_string_equal(chao_type_name(CHAO_TYPE_ERROR), "error");
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_bare),
        cmocka_unit_test(test_datagram),
        cmocka_unit_test(test_reject_keeps_earlier_fields),
        cmocka_unit_test(test_body_limits),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_split_oracle),
        cmocka_unit_test(test_outputs_reset),
        cmocka_unit_test(test_encode_rules),
        cmocka_unit_test(test_encode_request_bytes),
        cmocka_unit_test(test_frame_request_fields),
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_answer_other_frames),
        cmocka_unit_test(test_answer_keeps_vlans),
        cmocka_unit_test(test_limiter),
        cmocka_unit_test(test_error_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
