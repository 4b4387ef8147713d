/*
 * The store protocol core (docs/store-protocol.md): a spec table of case packets, one
 * behaviour per row, each fed through a guard-page buffer; then acks: coalescing into
 * runs, encode/decode round trips, and malformed ack packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guard_buf.h"
#include "store_decision_asserts.h"
#include "store/store.h"

#define MAX_CASE 1024

/* A case packet: header fields, then target and payload as given. */
static size_t make_packet(uint8_t *out, uint8_t version, uint8_t type, uint32_t seq, uint8_t kind,
                          const char *target, size_t target_len, uint32_t declared_len,
                          const char *payload, size_t payload_len)
{
    out[0] = 'P';
    out[1] = 'H';
    out[2] = version;
    out[3] = type;
    out[4] = (uint8_t)(seq >> 24);
    out[5] = (uint8_t)(seq >> 16);
    out[6] = (uint8_t)(seq >> 8);
    out[7] = (uint8_t)seq;
    out[8] = kind;
    out[9] = (uint8_t)target_len;
    out[10] = (uint8_t)(declared_len >> 24);
    out[11] = (uint8_t)(declared_len >> 16);
    out[12] = (uint8_t)(declared_len >> 8);
    out[13] = (uint8_t)declared_len;
    memcpy(out + 14, target, target_len);
    memcpy(out + 14 + target_len, payload, payload_len);
    return 14 + target_len + payload_len;
}

struct packet_row {
    const char *label;
    uint8_t version, type, kind;
    const char *target;
    int declared_delta; /* payload length field minus the real length */
    const char *payload;
    size_t cut; /* bytes cut off the end of the packet */
    enum store_error error;
    size_t at;
};

/* clang-format off */
#define OKROW(label, kind, target, payload) {label, 1, 1, kind, target, 0, payload, 0, STORE_ERR_NONE, 0}
/* clang-format on */

static const struct packet_row packet_rows[] = {
    OKROW("queue case", STORE_KIND_QUEUE, "http_request", "GET / HTTP/1.1\r\n\r\n"),
    OKROW("crash case", STORE_KIND_CRASH, "chao_frame", "CHAO\x01"),
    OKROW("hang case", STORE_KIND_HANG, "t", "x"),
    OKROW("dots and dashes in target", STORE_KIND_QUEUE, "a.b-c_D9", "x"),
    OKROW("binary payload", STORE_KIND_QUEUE, "t", "\x00\xff\x00"),
    {"bad magic", 1, 1, 0, "t", 0, "x", 0, STORE_ERR_BAD_MAGIC, 0},
    {"version 2", 2, 1, 0, "t", 0, "x", 0, STORE_ERR_BAD_VERSION, 2},
    {"ack type from a client", 1, 2, 0, "t", 0, "x", 0, STORE_ERR_BAD_TYPE, 3},
    {"unknown kind", 1, 1, 3, "t", 0, "x", 0, STORE_ERR_BAD_KIND, 8},
    {"empty target", 1, 1, 0, "", 0, "x", 0, STORE_ERR_TARGET_INVALID, 14},
    {"slash in target", 1, 1, 0, "a/b", 0, "x", 0, STORE_ERR_TARGET_INVALID, 14},
    {"dot-dot target", 1, 1, 0, "..", 0, "x", 0, STORE_ERR_TARGET_INVALID, 14},
    {"hidden target", 1, 1, 0, ".store", 0, "x", 0, STORE_ERR_TARGET_INVALID, 14},
    {"space in target", 1, 1, 0, "a b", 0, "x", 0, STORE_ERR_TARGET_INVALID, 14},
    {"declared length too long", 1, 1, 0, "t", 1, "xy", 0, STORE_ERR_LENGTH_MISMATCH, 10},
    {"declared length too short", 1, 1, 0, "t", -1, "xy", 0, STORE_ERR_LENGTH_MISMATCH, 10},
    {"empty case", 1, 1, 0, "t", 0, "", 0, STORE_ERR_EMPTY_CASE, 15},
    {"cut in the target", 1, 1, 0, "target", 0, "", 4, STORE_ERR_TOO_SHORT, 16},
    OKROW("target of 64 bytes", STORE_KIND_QUEUE,
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "x"),
    {"target of 65 bytes", 1, 1, 0,
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", 0, "x", 0,
     STORE_ERR_TARGET_TOO_LONG, 9},
};

static void test_case_packets(void **state)
{
    (void)state;
    uint8_t pkt[256];
    for (size_t i = 0; i < sizeof(packet_rows) / sizeof(packet_rows[0]); i++) {
        const struct packet_row *r = &packet_rows[i];
        size_t plen = r->payload ? strlen(r->payload) : 0;
        if (strcmp(r->label, "binary payload") == 0)
            plen = 3;
        size_t n = make_packet(pkt, r->version, r->type, 7, r->kind, r->target, strlen(r->target),
                               (uint32_t)((int)plen + r->declared_delta), r->payload, plen);
        n -= r->cut;
        if (r->error == STORE_ERR_BAD_MAGIC)
            pkt[0] = 'X';
        uint8_t *buf = guard_buf_new(pkt, n);
        struct store_decision d;
        memset(&d, 0xa5, sizeof(d)); /* every output is reset first */
        enum ph_status st = store_handle_packet(buf, n, MAX_CASE, &d);
        if (r->error == STORE_ERR_NONE) {
            if (st != PH_OK)
                fail_msg("%s: rejected with %s", r->label, store_error_name(d.error));
            assert_int_equal(d.c.seq, 7);
            assert_int_equal(d.c.kind, r->kind);
            assert_int_equal(d.c.target.len, strlen(r->target));
            assert_memory_equal(d.c.target.ptr, r->target, d.c.target.len);
            assert_int_equal(d.c.data.len, plen);
            assert_memory_equal(d.c.data.ptr, r->payload, plen);
            assert_true(d.c.data.ptr + plen == buf + n);
            assert_int_equal(d.consumed, n);
            assert_int_equal(d.error, STORE_ERR_NONE);
            assert_int_equal(d.error_offset, 0);
        } else {
            if (st != PH_REJECT || d.error != r->error || d.error_offset != r->at)
                fail_msg("%s: got %s %s at %zu, want %s at %zu", r->label, ph_status_name(st),
                         store_error_name(d.error), d.error_offset, store_error_name(r->error),
                         r->at);
            if (r->error != STORE_ERR_BAD_MAGIC)
                assert_int_equal(d.c.seq, 7); /* the reject can name the case */
            assert_no_case(&d);
        }
        guard_buf_free(buf, n);
    }
}

static void test_short_packets(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t n = make_packet(pkt, 1, 1, 9, 0, "t", 1, 1, "x", 1);
    for (size_t k = 0; k < n; k++) {
        uint8_t *buf = guard_buf_new(pkt, k);
        struct store_decision d;
        assert_int_equal(store_handle_packet(buf, k, MAX_CASE, &d), PH_REJECT);
        assert_true(d.error == STORE_ERR_TOO_SHORT || d.error == STORE_ERR_LENGTH_MISMATCH);
        guard_buf_free(buf, k);
    }
}

/* Packets that end exactly where a check looks: the first wrong field is still named. */
static void test_header_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        const char *in;
        size_t len;
        enum store_error error;
        size_t at;
        uint32_t seq;
    } rows[] = {
        {"7 bytes", "PH\x01\x01\x00\x00\x00", 7, STORE_ERR_TOO_SHORT, 7, 0},
        {"8 bytes, version 2", "PH\x02\x01\x00\x00\x00\x07", 8, STORE_ERR_BAD_VERSION, 2, 7},
        {"8 bytes, ack type", "PH\x01\x02\x00\x00\x00\x07", 8, STORE_ERR_BAD_TYPE, 3, 7},
        {"8 bytes of a case", "PH\x01\x01\x00\x00\x00\x07", 8, STORE_ERR_TOO_SHORT, 8, 7},
        {"13 bytes", "PH\x01\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00", 13, STORE_ERR_TOO_SHORT, 13,
         7},
        {"14 bytes, kind 3", "PH\x01\x01\x00\x00\x00\x07\x03\x00\x00\x00\x00\x00", 14,
         STORE_ERR_BAD_KIND, 8, 7},
        {"14 bytes, no target", "PH\x01\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00", 14,
         STORE_ERR_TARGET_INVALID, 14, 7},
        {"14 bytes, target length 65", "PH\x01\x01\x00\x00\x00\x07\x00\x41\x00\x00\x00\x00", 14,
         STORE_ERR_TARGET_TOO_LONG, 9, 7},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint8_t *buf = guard_buf_new(rows[i].in, rows[i].len);
        struct store_decision d;
        memset(&d, 0xa5, sizeof(d));
        enum ph_status st = store_handle_packet(buf, rows[i].len, MAX_CASE, &d);
        if (st != PH_REJECT || d.error != rows[i].error || d.error_offset != rows[i].at ||
            d.c.seq != rows[i].seq)
            fail_msg("%s: got %s %s at %zu seq %u", rows[i].label, ph_status_name(st),
                     store_error_name(d.error), d.error_offset, d.c.seq);
        assert_no_case(&d);
        guard_buf_free(buf, rows[i].len);
    }
}

static void test_case_size_limit(void **state)
{
    (void)state;
    static uint8_t payload[MAX_CASE + 1];
    static uint8_t pkt[MAX_CASE + 64];
    struct store_decision d;
    size_t n = store_case_encode(1, STORE_KIND_QUEUE, "t", payload, MAX_CASE, pkt, sizeof(pkt));
    assert_int_equal(store_handle_packet(pkt, n, MAX_CASE, &d), PH_OK);
    n = store_case_encode(2, STORE_KIND_QUEUE, "t", payload, MAX_CASE + 1, pkt, sizeof(pkt));
    assert_int_equal(store_handle_packet(pkt, n, MAX_CASE, &d), PH_REJECT);
    assert_int_equal(d.error, STORE_ERR_CASE_TOO_LARGE);
    assert_int_equal(d.c.seq, 2);
}

static void test_encode_round_trip(void **state)
{
    (void)state;
    uint8_t pkt[128];
    const uint8_t data[] = "hello";
    size_t n =
        store_case_encode(0xdeadbeef, STORE_KIND_CRASH, "http_request", data, 5, pkt, sizeof(pkt));
    assert_int_equal(n, store_case_size(12, 5));
    struct store_decision d;
    assert_int_equal(store_handle_packet(pkt, n, MAX_CASE, &d), PH_OK);
    assert_int_equal(d.c.seq, 0xdeadbeef);
    assert_int_equal(d.c.kind, STORE_KIND_CRASH);
    /* invalid arguments encode nothing */
    assert_int_equal(store_case_encode(1, STORE_KIND_QUEUE, "../x", data, 5, pkt, sizeof(pkt)), 0);
    assert_int_equal(store_case_encode(1, STORE_KIND_QUEUE, "t", data, 5, pkt, 10), 0);
    assert_int_equal(store_case_encode(1, STORE_KIND_COUNT, "t", data, 5, pkt, sizeof(pkt)), 0);
    assert_int_equal(store_case_encode(1, (enum store_kind)(STORE_KIND_COUNT + 1), "t", data, 5,
                                       pkt, sizeof(pkt)),
                     0);
    assert_int_equal(store_case_encode(1, STORE_KIND_QUEUE, "", data, 5, pkt, sizeof(pkt)), 0);
    /* exactly the packet's bytes, nothing past them; no payload takes no data pointer */
    static const uint8_t want[] = "PH\x01\x01\x01\x02\x03\x04\x02\x01\x00\x00\x00\x00"
                                  "t";
    memset(pkt, 0xa5, sizeof(pkt));
    n = store_case_encode(0x01020304, STORE_KIND_HANG, "t", NULL, 0, pkt, sizeof(want) - 1);
    assert_int_equal(n, sizeof(want) - 1);
    assert_memory_equal(pkt, want, n);
    assert_int_equal(pkt[n], 0xa5);
    assert_int_equal(store_handle_packet(pkt, n, MAX_CASE, &d), PH_REJECT);
    assert_int_equal(d.error, STORE_ERR_EMPTY_CASE);
}

static void test_raw_packets(void **state)
{
    (void)state;
    struct store_decision d;
    const uint8_t x[] = "anything at all";
    memset(&d, 0xa5, sizeof(d));
    assert_int_equal(store_handle_raw_packet(x, sizeof(x), MAX_CASE, &d), PH_OK);
    assert_int_equal(d.c.data.len, sizeof(x));
    assert_ptr_equal(d.c.data.ptr, x);
    assert_int_equal(d.c.seq, 0);
    assert_int_equal(d.c.kind, STORE_KIND_QUEUE);
    assert_null(d.c.target.ptr);
    assert_int_equal(d.c.target.len, 0);
    assert_int_equal(d.consumed, sizeof(x));
    assert_int_equal(d.error, STORE_ERR_NONE);
    assert_int_equal(d.error_offset, 0);
    /* the limit is inclusive */
    assert_int_equal(store_handle_raw_packet(x, 4, 4, &d), PH_OK);
    assert_int_equal(d.consumed, 4);
    memset(&d, 0xa5, sizeof(d));
    assert_int_equal(store_handle_raw_packet(x, 0, MAX_CASE, &d), PH_REJECT);
    assert_int_equal(d.error, STORE_ERR_EMPTY_CASE);
    assert_int_equal(d.error_offset, 0);
    assert_int_equal(d.c.seq, 0);
    assert_no_case(&d);
    memset(&d, 0xa5, sizeof(d));
    assert_int_equal(store_handle_raw_packet(x, 5, 4, &d), PH_REJECT);
    assert_int_equal(d.error, STORE_ERR_CASE_TOO_LARGE);
    assert_int_equal(d.error_offset, 0);
    assert_no_case(&d);
}

static void test_ack_coalescing(void **state)
{
    (void)state;
    struct store_ack_batch b;
    store_ack_init(&b);
    for (uint32_t s = 10; s < 20; s++)
        assert_true(store_ack_add(&b, s, STORE_STORED, STORE_ERR_NONE));
    assert_true(store_ack_add(&b, 20, STORE_DUPLICATE, STORE_ERR_NONE));
    assert_true(store_ack_add(&b, 21, STORE_REJECTED, STORE_ERR_NO_SPACE));
    assert_true(store_ack_add(&b, 22, STORE_REJECTED, STORE_ERR_NO_SPACE));
    assert_true(store_ack_add(&b, 30, STORE_REJECTED, STORE_ERR_NO_SPACE)); /* gap: new run */
    assert_int_equal(b.nruns, 4);
    assert_int_equal(b.runs[0].first_seq, 10);
    assert_int_equal(b.runs[0].count, 10);
    assert_int_equal(b.runs[2].count, 2);
    /* a full batch refuses a new run but still extends its last one */
    store_ack_init(&b);
    for (uint32_t s = 0; s < STORE_MAX_ACK_RUNS; s++)
        assert_true(store_ack_add(&b, s * 2, STORE_STORED, STORE_ERR_NONE));
    assert_false(store_ack_add(&b, 1000000, STORE_STORED, STORE_ERR_NONE));
    assert_true(store_ack_add(&b, (STORE_MAX_ACK_RUNS - 1) * 2 + 1, STORE_STORED, STORE_ERR_NONE));
}

static void test_ack_round_trip(void **state)
{
    (void)state;
    struct store_ack_batch b;
    store_ack_init(&b);
    store_ack_add(&b, UINT32_MAX, STORE_STORED, STORE_ERR_NONE);
    store_ack_add(&b, 0, STORE_STORED, STORE_ERR_NONE); /* sequence numbers wrap */
    store_ack_add(&b, 1, STORE_REJECTED, STORE_ERR_TARGET_FULL);
    assert_int_equal(b.nruns, 2);
    uint8_t pkt[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
    size_t n = store_ack_encode(&b, pkt, sizeof(pkt));
    assert_int_equal(n, store_ack_size(&b));
    uint8_t *buf = guard_buf_new(pkt, n);
    struct store_ack ack;
    assert_int_equal(store_ack_decode(buf, n, &ack), PH_OK);
    assert_int_equal(ack.nruns, 2);
    assert_int_equal(ack.runs[0].first_seq, UINT32_MAX);
    assert_int_equal(ack.runs[0].count, 2);
    assert_int_equal(ack.runs[1].verdict, STORE_REJECTED);
    assert_int_equal(ack.runs[1].reason, STORE_ERR_TARGET_FULL);
    /* every prefix is malformed: acks come whole (each at the guard page) */
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = guard_buf_new(pkt, k);
        memset(&ack, 0xa5, sizeof(ack));
        assert_int_equal(store_ack_decode(cut, k, &ack), PH_REJECT);
        assert_int_equal(ack.error, STORE_ERR_BAD_ACK);
        assert_int_equal(ack.error_offset, k); /* where the packet ended too soon */
        assert_int_equal(ack.nruns, 0);
        assert_int_equal(ack.consumed, 0);
        guard_buf_free(cut, k);
    }
    guard_buf_free(buf, n);
}

/* The encoder writes every byte of the packet, reserved ones as zeros, and no more. */
static void test_ack_bytes(void **state)
{
    (void)state;
    struct store_ack_batch b;
    store_ack_init(&b);
    store_ack_add(&b, 0x01020304, STORE_DUPLICATE, STORE_ERR_NONE);
    store_ack_add(&b, 0x01020305, STORE_REJECTED, STORE_ERR_IO_ERROR);
    /* clang-format off */
    static const uint8_t want[] = {
        'P', 'H', 1, 2, 0, 2, 0, 0,                              /* header: 2 runs, reserved */
        1, 2, 3, 4, 0, 0, 0, 1, STORE_DUPLICATE, 0, 0, 0,        /* run 1 */
        1, 2, 3, 5, 0, 0, 0, 1, STORE_REJECTED, STORE_ERR_IO_ERROR, 0, 0, /* run 2 */
    };
    /* clang-format on */
    uint8_t pkt[64];
    memset(pkt, 0xa5, sizeof(pkt));
    assert_int_equal(store_ack_encode(&b, pkt, sizeof(want)), sizeof(want));
    assert_memory_equal(pkt, want, sizeof(want));
    assert_int_equal(pkt[sizeof(want)], 0xa5);
    assert_int_equal(store_ack_encode(&b, pkt, sizeof(want) - 1), 0);
    /* the decoder's outputs on success, whatever the struct held */
    struct store_ack ack;
    memset(&ack, 0xa5, sizeof(ack));
    assert_int_equal(store_ack_decode(want, sizeof(want), &ack), PH_OK);
    assert_int_equal(ack.nruns, 2);
    assert_int_equal(ack.consumed, sizeof(want));
    assert_int_equal(ack.error, STORE_ERR_NONE);
    assert_int_equal(ack.error_offset, 0);
}

/* 256 runs is the most an ack carries. */
static void test_ack_run_limit(void **state)
{
    (void)state;
    static uint8_t pkt[STORE_ACK_HEADER_LEN + (STORE_MAX_ACK_RUNS + 1) * STORE_ACK_RUN_LEN];
    struct store_ack_batch b;
    store_ack_init(&b);
    for (uint32_t i = 0; i < STORE_MAX_ACK_RUNS; i++)
        assert_true(store_ack_add(&b, i * 2, STORE_STORED, STORE_ERR_NONE));
    size_t n = store_ack_encode(&b, pkt, sizeof(pkt));
    assert_int_equal(n, STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN);
    struct store_ack ack;
    assert_int_equal(store_ack_decode(pkt, n, &ack), PH_OK);
    assert_int_equal(ack.nruns, STORE_MAX_ACK_RUNS);
    /* one run more, the length to match */
    memcpy(pkt + n, pkt + n - STORE_ACK_RUN_LEN, STORE_ACK_RUN_LEN);
    pkt[4] = (STORE_MAX_ACK_RUNS + 1) >> 8;
    pkt[5] = (STORE_MAX_ACK_RUNS + 1) & 0xff;
    assert_int_equal(store_ack_decode(pkt, n + STORE_ACK_RUN_LEN, &ack), PH_REJECT);
    assert_int_equal(ack.error_offset, 4);
}

static void test_ack_malformed(void **state)
{
    (void)state;
    struct store_ack_batch b;
    store_ack_init(&b);
    store_ack_add(&b, 5, STORE_STORED, STORE_ERR_NONE);
    uint8_t good[64], pkt[64];
    size_t n = store_ack_encode(&b, good, sizeof(good));
    struct store_ack ack;
    struct {
        const char *label;
        size_t at;
        uint8_t value;
        size_t error_offset;
    } rows[] = {
        {"bad magic", 0, 'X', 0},
        {"case type", 3, STORE_TYPE_CASE, 0},
        {"zero runs", 5, 0, 4},
        {"reserved header bytes", 7, 1, 4},
        {"zero count", 8 + 7, 0, 8},
        {"unknown verdict", 8 + 8, 3, 8},
        {"stored with a reason", 8 + 9, STORE_ERR_NO_SPACE, 8 + 9},
        {"unknown reason", 8 + 9, 200, 8},
        {"reserved run bytes", 8 + 11, 1, 8},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        memcpy(pkt, good, n);
        pkt[rows[i].at] = rows[i].value;
        memset(&ack, 0xa5, sizeof(ack));
        if (store_ack_decode(pkt, n, &ack) != PH_REJECT || ack.error != STORE_ERR_BAD_ACK ||
            ack.error_offset != rows[i].error_offset || ack.consumed != 0 || ack.nruns != 0)
            fail_msg("%s: got %s at %zu, want BAD_ACK at %zu", rows[i].label,
                     store_error_name(ack.error), ack.error_offset, rows[i].error_offset);
    }
    /* a header alone, and a packet one byte longer than its runs */
    memcpy(pkt, good, n);
    pkt[5] = 0;
    assert_int_equal(store_ack_decode(pkt, STORE_ACK_HEADER_LEN, &ack), PH_REJECT);
    assert_int_equal(ack.error_offset, 4);
    store_ack_add(&b, 9, STORE_STORED, STORE_ERR_NONE);
    n = store_ack_encode(&b, pkt, sizeof(pkt));
    assert_int_equal(n, STORE_ACK_HEADER_LEN + 2 * STORE_ACK_RUN_LEN);
    assert_int_equal(store_ack_decode(pkt, n + 1, &ack), PH_REJECT);
    assert_int_equal(ack.error_offset, 0); /* too long: no offset inside says more */
    /* a reject without a reason */
    store_ack_init(&b);
    store_ack_add(&b, 5, STORE_REJECTED, STORE_ERR_NONE);
    n = store_ack_encode(&b, pkt, sizeof(pkt));
    assert_int_equal(store_ack_decode(pkt, n, &ack), PH_REJECT);
    assert_int_equal(ack.error_offset, 8 + 9);
}

/* Each edge of store_target_valid's character classes, and a dot only at the start. */
static void test_target_chars(void **state)
{
    (void)state;
    static const char *const ok[] = {"a", "z", "A", "Z", "0", "9", "_", "-", "a.", "a..b", "x-1.2"};
    static const char *const bad[] = {"`", "{", "@", "[", "/", ":", " ", ".a", ".", "a\\b"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!store_target_valid((const uint8_t *)ok[i], strlen(ok[i])))
            fail_msg("\"%s\" refused", ok[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (store_target_valid((const uint8_t *)bad[i], strlen(bad[i])))
            fail_msg("\"%s\" accepted", bad[i]);
}

static void test_names(void **state)
{
    (void)state;
    for (int e = STORE_ERR_NONE; e <= STORE_ERR_TARGET_UNUSABLE; e++) {
        assert_true(strlen(store_strerror((enum store_error)e)) > 0);
        assert_string_not_equal(store_error_name((enum store_error)e), "UNKNOWN");
    }
    assert_string_equal(store_error_name(STORE_ERR_NO_SPACE), "NO_SPACE");
    assert_string_equal(store_kind_name(STORE_KIND_HANG), "hang");
    assert_string_equal(store_verdict_name(STORE_DUPLICATE), "duplicate");
    assert_true(store_target_valid((const uint8_t *)"http_request", 12));
    char longname[STORE_MAX_TARGET_LEN + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(store_target_valid((const uint8_t *)longname, strlen(longname)));
    assert_true(store_target_valid((const uint8_t *)longname, STORE_MAX_TARGET_LEN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_packets),
        cmocka_unit_test(test_short_packets),
        cmocka_unit_test(test_case_size_limit),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_raw_packets),
        cmocka_unit_test(test_ack_coalescing),
        cmocka_unit_test(test_ack_round_trip),
        cmocka_unit_test(test_ack_malformed),
        cmocka_unit_test(test_ack_bytes),
        cmocka_unit_test(test_ack_run_limit),
        cmocka_unit_test(test_header_boundaries),
        cmocka_unit_test(test_target_chars),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
