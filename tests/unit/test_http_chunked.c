/*
 * http_decode_chunked: a spec table of RFC 9112 7.1 rules, one behaviour per row.
 *
 * A row is a whole body (plus, for some, the bytes of a next pipelined request). Every
 * piece fed to the decoder is copied so that its last byte sits right before a PROT_NONE
 * page (tests/lib/guard_buf.h), so an over-read faults even without ASan.
 *
 * Rows say the final status and error; OK and INCOMPLETE rows say the decoded bytes;
 * OK rows say where the next request starts (.consumed, default the whole input).
 *
 * The key property: feeding a row in pieces of every size 1..n, at every single split
 * point, and with empty pieces in between, gives the same decoded bytes, the same final
 * status, error and error offset (counted from the start of the body), and the same
 * total consumed as feeding it whole.
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

#include "guard_buf.h"
#include "test_table.h"
#include "test_bytes.h"
#include "http/http.h"

struct chunk_row {
    const char *label;
    const char *in;
    size_t len;
    enum http_error error; /* HTTP_ERR_NONE: PH_OK, or PH_INCOMPLETE with .incomplete */
    bool check_at;
    size_t at; /* error_offset into the body, checked when check_at */
    bool incomplete;
    const char *out; /* decoded bytes: NULL means none */
    size_t out_len;
    size_t consumed; /* PH_OK: 0 means the whole input */
};

#define IN(s) .in = (s), .len = sizeof(s) - 1
#define OUT(s) .out = (s), .out_len = sizeof(s) - 1
/* A body followed by the bytes of the next request, which the decoder must not take. */
#define BODY_THEN(body, rest) \
    .in = body rest, .len = sizeof(body rest) - 1, .consumed = sizeof(body) - 1
#define REJECT(e) .error = HTTP_ERR_##e
#define AT(n) .check_at = true, .at = (n)
#define INCOMPLETE .incomplete = true
/* ---- RFC 9112 7.1: chunk-size = 1*HEXDIG --------------------------------------------- */

static const struct chunk_row size_rows[] = {
    {"size: last-chunk only", IN("0\r\n\r\n"), OUT("")},
    {"size: one chunk", IN("5\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"size: two chunks", IN("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), OUT("hello world")},
    {"size: lower-case hex", IN("a\r\n0123456789\r\n0\r\n\r\n"), OUT("0123456789")},
    {"size: upper-case hex", IN("A\r\n0123456789\r\n0\r\n\r\n"), OUT("0123456789")},
    {"size: two hex digits", IN("1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"),
     OUT("abcdefghijklmnopqrstuvwxyz")},
    {"size: mixed-case two digits", IN("1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"),
     OUT("abcdefghijklmnopqrstuvwxyz")},
    {"size: leading zeros", IN("0005\r\nhello\r\n000\r\n\r\n"), OUT("hello")},
    {"size: data holds CRLF, NUL and 0xff", IN("4\r\n\r\n\0\xff\r\n0\r\n\r\n"), OUT("\r\n\0\xff")},
    {"size: 2^64-1", IN("FFFFFFFFFFFFFFFF\r\nab"), INCOMPLETE, OUT("ab")},
    {"size: 2^64-1, lower case", IN("ffffffffffffffff\r\nab"), INCOMPLETE, OUT("ab")},
    {"size: 2^64-1 after leading zeros", IN("0000FFFFFFFFFFFFFFFF\r\nab"), INCOMPLETE, OUT("ab")},
    {"size: 2^64", IN("10000000000000000\r\n"), REJECT(CHUNK_SIZE_OVERFLOW)},
    {"size: seventeen F", IN("FFFFFFFFFFFFFFFFF\r\n"), REJECT(CHUNK_SIZE_OVERFLOW)},
    {"size: non-hex digit", IN("g\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(0)},
    {"size: empty", IN("\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(0)},
    {"size: empty, extension only", IN(";a\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(0)},
    {"size: leading SP", IN(" 5\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(0)},
    {"size: sign", IN("-5\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(0)},
    {"size: 0x prefix", IN("0x5\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(1)},
    {"size: non-hex after digits", IN("5g\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_SIZE), AT(1)},
    {"size: second chunk non-hex", IN("5\r\nhello\r\nz\r\n"), REJECT(CHUNK_SIZE), AT(10)},
};

/* ---- RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) --------- */

static const struct chunk_row extension_rows[] = {
    {"ext: name only", IN("5;a\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: name=token", IN("5;a=b\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: quoted value with quoted-pair", IN("5;a=\"q \\\" s\"\r\nhello\r\n0\r\n\r\n"),
     OUT("hello")},
    {"ext: empty quoted value", IN("5;a=\"\"\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: quoted value with ';' and '='", IN("5;a=\";=\"\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: BWS around ';' and '=' (SP)", IN("5 ; a = b\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: BWS around ';' and '=' (HTAB)", IN("5\t;\ta\t=\tb\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: several", IN("5;a;b=c;d=\"e\"\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: every tchar", IN("5;!#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~09AZaz\r\nhello\r\n0\r\n\r\n"),
     OUT("hello")},
    {"ext: on the last chunk", IN("0;a=b\r\n\r\n"), OUT("")},
    {"ext: ';' alone", IN("5;\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: no name", IN("5;=b\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: no value", IN("5;a=\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: ';;'", IN("5;;a\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: name not a token", IN("5;a@=b\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: SP inside a name", IN("5;a b\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: SP inside a token value", IN("5;a=b c\r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
    {"ext: unterminated quoted value", IN("5;a=\"x\r\nhello\r\n0\r\n\r\n"),
     REJECT(CHUNK_EXTENSION)},
    {"ext: bytes after the closing quote", IN("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n"),
     REJECT(CHUNK_EXTENSION)},
    {"ext: control byte in a quoted value", IN("5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n"),
     REJECT(CHUNK_EXTENSION)},
    {"ext: quoted-pair of a control byte", IN("5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n"),
     REJECT(CHUNK_EXTENSION)},
    {"ext: BWS after a name, then ';'", IN("5;a ;b\r\nhello\r\n0\r\n\r\n"), OUT("hello")},
    {"ext: SP after the size with no ';'", IN("5 \r\nhello\r\n0\r\n\r\n"), REJECT(CHUNK_EXTENSION)},
};

/* ---- RFC 9112 7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF ----------- */

static const struct chunk_row framing_rows[] = {
    {"data end: byte instead of CRLF", IN("5\r\nhelloX\r\n0\r\n\r\n"), REJECT(CHUNK_DATA_END),
     AT(8)},
    {"data end: next size instead of CRLF", IN("5\r\nhello0\r\n\r\n"), REJECT(CHUNK_DATA_END),
     AT(8)},
    /* A CR not followed by LF: the offset is the byte after the CR, which is always in
     * the piece at hand (the CR may have ended the previous one). */
    {"data end: CR then a byte", IN("5\r\nhello\rX0\r\n\r\n"), REJECT(BARE_CR), AT(9)},
    /* RFC 9112 2.2: no bare LF anywhere in the framing */
    {"bare LF: after the size", IN("5\nhello\r\n0\r\n\r\n"), REJECT(BARE_LF), AT(1)},
    {"bare LF: after an extension", IN("5;a\nhello\r\n0\r\n\r\n"), REJECT(BARE_LF), AT(3)},
    {"bare LF: after the data", IN("5\r\nhello\n0\r\n\r\n"), REJECT(BARE_LF), AT(8)},
    {"bare LF: after the last-chunk", IN("0\n\r\n"), REJECT(BARE_LF), AT(1)},
    {"bare LF: ends the body", IN("0\r\n\n"), REJECT(BARE_LF), AT(3)},
    {"bare LF: ends a trailer field", IN("0\r\nX: y\n\r\n"), REJECT(BARE_LF), AT(7)},
    {"bare CR: after the size", IN("5\rhello\r\n0\r\n\r\n"), REJECT(BARE_CR), AT(2)},
    {"bare CR: after the last-chunk", IN("0\r\r\n"), REJECT(BARE_CR), AT(2)},
    {"bare CR: ends a trailer field", IN("0\r\nX: y\rZ\r\n\r\n"), REJECT(BARE_CR), AT(8)},
    {"bare CR: ends the body", IN("0\r\n\rZ"), REJECT(BARE_CR), AT(4)},
    /* PH_OK: the next pipelined request starts at buf + consumed */
    {"pipelined: next request after the last-chunk",
     BODY_THEN("0\r\n\r\n", "GET / HTTP/1.1\r\n\r\n"), OUT("")},
    {"pipelined: after data and a trailer", BODY_THEN("3\r\nabc\r\n0\r\nX: y\r\n\r\n", "0\r\n\r\n"),
     OUT("abc")},
    {"pipelined: a second body", BODY_THEN("3\r\nabc\r\n0\r\n\r\n", "3\r\ndef\r\n0\r\n\r\n"),
     OUT("abc")},
    {"pipelined: garbage after the body is not looked at", BODY_THEN("0\r\n\r\n", "\n\r\0"),
     OUT("")},
    {"incomplete: size only", IN("5"), INCOMPLETE, OUT("")},
    {"incomplete: inside the data", IN("5\r\nhel"), INCOMPLETE, OUT("hel")},
    {"incomplete: data, no CRLF yet", IN("5\r\nhello"), INCOMPLETE, OUT("hello")},
    {"incomplete: data, CR", IN("5\r\nhello\r"), INCOMPLETE, OUT("hello")},
    {"incomplete: last-chunk, no empty line", IN("5\r\nhello\r\n0\r\n"), INCOMPLETE, OUT("hello")},
    {"incomplete: inside a trailer", IN("0\r\nX: y"), INCOMPLETE, OUT("")},
};

/* ---- RFC 9112 7.1.2: trailer-section = *( field-line CRLF ) ------------------------ */

/* clang-format off */
static const struct chunk_row trailer_rows[] = {
    {"trailer: one field", IN("0\r\nX: y\r\n\r\n"), OUT("")},
    {"trailer: after data", IN("2\r\nab\r\n0\r\nX: y\r\n\r\n"), OUT("ab")},
    {"trailer: two fields, one empty", IN("0\r\nX: y\r\nZ:\r\n\r\n"), OUT("")},
    {"trailer: obs-text and OWS", IN("0\r\nX: \t a\x80\xff b \t\r\n\r\n"), OUT("")},
    {"trailer: no colon", IN("0\r\nX y\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: empty name", IN("0\r\n: y\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: name not a token", IN("0\r\nX@: y\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: SP before colon", IN("0\r\nX : y\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: leading SP", IN("0\r\n X: y\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: obs-fold", IN("0\r\nX: y\r\n z\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: NUL in value", IN("0\r\nX: a\0b\r\n\r\n"), REJECT(TRAILER_FIELD)},
    {"trailer: DEL in value",
     IN("0\r\nX: a\x7f"
        "b\r\n\r\n"),
     REJECT(TRAILER_FIELD)},
};
/* clang-format on */

struct table {
    const struct chunk_row *rows;
    size_t n;
};

/* clang-format off */
#define TABLE(t)                                                                                   \
    {                                                                                              \
        t, NROWS(t)                                                                                \
    }
/* clang-format on */
static const struct table all_tables[] = {
    TABLE(size_rows),
    TABLE(extension_rows),
    TABLE(framing_rows),
    TABLE(trailer_rows),
};

/* ---- feeding a body ---------------------------------------------------------------- */

struct feed {
    enum ph_status status;
    enum http_error error;
    size_t error_offset; /* from the start of the body */
    size_t consumed;     /* total, from the start of the body */
    uint8_t *out;        /* decoded bytes, concatenated; malloc'd */
    size_t out_len;
    const char *broken; /* a contract violated on the way, or NULL */
};

/*
 * Feeds in[0..len) to a fresh decoder in pieces cut at cuts[0..ncuts) (ascending, may
 * repeat: a repeated cut is an empty piece). Stops at the first PH_OK or PH_REJECT.
 * Each piece is copied to the tail of `area`, a guard buffer of len bytes, so every piece
 * ends right at the guard page (one mapping for many feeds keeps this fast).
 */
static struct feed feed_cuts(uint8_t *area, const char *in, size_t len, const size_t *cuts,
                             size_t ncuts)
{
    struct feed f = {.status = PH_INCOMPLETE};
    struct http_chunked_decoder dec;
    http_chunked_init(&dec);
    f.out = malloc(len + 1);
    assert_non_null(f.out);
    size_t start = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        size_t n = end - start;
        uint8_t *buf = area + len - n;
        memcpy(buf, in + start, n);
        struct http_chunked_result res;
        memset(&res, 0xA5, sizeof(res));
        enum ph_status st = http_decode_chunked(&dec, buf, n, &res);
        if (res.decoded > n || res.decoded > res.consumed) {
            f.broken = "decoded more bytes than the piece (or than it consumed)";
            res.decoded = 0;
        }
        memcpy(f.out + f.out_len, buf, res.decoded);
        f.out_len += res.decoded;
        if (st == PH_INCOMPLETE) {
            if (res.consumed != n && f.broken == NULL)
                f.broken = "PH_INCOMPLETE but consumed != piece length";
            if (res.error != HTTP_ERR_NONE && f.broken == NULL)
                f.broken = "PH_INCOMPLETE with an error set";
            start = end;
            continue;
        }
        f.status = st;
        f.error = res.error;
        if (st == PH_OK) {
            f.consumed = start + res.consumed;
            if (res.consumed > n && f.broken == NULL)
                f.broken = "PH_OK consumed more than the piece";
            if (res.error != HTTP_ERR_NONE && f.broken == NULL)
                f.broken = "PH_OK with an error set";
        } else {
            f.error_offset = start + res.error_offset;
            if (res.error_offset > n && f.broken == NULL)
                f.broken = "error_offset past the piece";
        }
        return f;
    }
    f.consumed = len;
    return f;
}

static struct feed feed_whole(const char *in, size_t len)
{
    uint8_t *area = guard_buf_new(in, len);
    struct feed f = feed_cuts(area, in, len, NULL, 0);
    guard_buf_free(area, len);
    return f;
}

static void print_bytes(const uint8_t *p, size_t n)
{
    fputc('"', stderr);
    for (size_t i = 0; i < n && i < 80; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            fputc(p[i], stderr);
        else
            fprintf(stderr, "\\x%02x", p[i]);
    }
    fputs(n > 80 ? "\"..." : "\"", stderr);
}

static enum ph_status row_status(const struct chunk_row *r)
{
    if (r->error != HTTP_ERR_NONE)
        return PH_REJECT;
    return r->incomplete ? PH_INCOMPLETE : PH_OK;
}

/* Feeds the row whole and compares everything the row says. */
static int check_row(const struct chunk_row *r)
{
    struct feed f = feed_whole(r->in, r->len);
    enum ph_status want = row_status(r);
    int bad = 0;
    if (f.broken != NULL)
        bad += row_fail(r->label, "%s", f.broken);
    if (f.status != want || f.error != r->error) {
        bad += row_fail(r->label, "got %s %s (at %zu), want %s %s", ph_status_name(f.status),
                        http_error_name(f.error), f.error_offset, ph_status_name(want),
                        http_error_name(r->error));
    } else if (want == PH_REJECT) {
        if (http_error_status(f.error) != 400)
            bad += row_fail(r->label, "http_error_status %d, want 400", http_error_status(f.error));
        if (r->check_at && f.error_offset != r->at)
            bad += row_fail(r->label, "error_offset: got %zu, want %zu", f.error_offset, r->at);
    } else {
        size_t consumed = want == PH_OK && r->consumed != 0 ? r->consumed : r->len;
        if (f.consumed != consumed)
            bad += row_fail(r->label, "consumed: got %zu, want %zu", f.consumed, consumed);
        if (f.out_len != r->out_len || memcmp(f.out, r->out, r->out_len) != 0) {
            fprintf(stderr, "  FAIL [%s] decoded: got ", r->label);
            print_bytes(f.out, f.out_len);
            fputs(", want ", stderr);
            print_bytes((const uint8_t *)r->out, r->out_len);
            fputc('\n', stderr);
            bad++;
        }
    }
    free(f.out);
    return bad;
}

static void test_chunk_size(void **state)
{
    (void)state;
    RUN_TABLE(size_rows, check_row);
}

static void test_chunk_extensions(void **state)
{
    (void)state;
    RUN_TABLE(extension_rows, check_row);
}

static void test_framing(void **state)
{
    (void)state;
    RUN_TABLE(framing_rows, check_row);
}

static void test_trailers(void **state)
{
    (void)state;
    RUN_TABLE(trailer_rows, check_row);
}

/* ---- limits (http_limits.h): built at run time ------------------------------------- */

/* Rows built at run time; the caller frees .in. */
enum { MAX_BUILT = 16 };

static size_t build_limit_rows(struct chunk_row *rows)
{
    size_t n = 0;
    struct bytes b;

    /* Leading zeros do not count against the 64-bit size (a byte-sized digit counter
     * must not wrap), only against the line length. */
    b = (struct bytes){0};
    bytes_put_rep(&b, '0', 300);
    bytes_puts(&b, "5\r\nhello\r\n0\r\n\r\n");
    rows[n++] = (struct chunk_row){"size: 300 leading zeros", b.p, b.len, OUT("hello")};

    b = (struct bytes){0};
    bytes_put_rep(&b, '0', 256);
    bytes_puts(&b, "\r\n\r\n");
    rows[n++] = (struct chunk_row){"size: last-chunk of 256 zeros", b.p, b.len, OUT("")};

    /* HTTP_MAX_CHUNK_LINE: from the first hex digit to the CR */
    b = (struct bytes){0};
    bytes_puts(&b, "5;");
    bytes_put_rep(&b, 'a', HTTP_MAX_CHUNK_LINE - 2);
    bytes_puts(&b, "\r\nhello\r\n0\r\n\r\n");
    rows[n++] = (struct chunk_row){"line: HTTP_MAX_CHUNK_LINE", b.p, b.len, OUT("hello")};

    /* the count starts again on every chunk-size line */
    b = (struct bytes){0};
    bytes_puts(&b, "1\r\nx\r\n5;");
    bytes_put_rep(&b, 'a', HTTP_MAX_CHUNK_LINE - 2);
    bytes_puts(&b, "\r\nhello\r\n0\r\n\r\n");
    rows[n++] =
        (struct chunk_row){"line: HTTP_MAX_CHUNK_LINE, second chunk", b.p, b.len, OUT("xhello")};

    b = (struct bytes){0};
    bytes_puts(&b, "5;");
    bytes_put_rep(&b, 'a', HTTP_MAX_CHUNK_LINE - 1);
    bytes_puts(&b, "\r\nhello\r\n0\r\n\r\n");
    rows[n++] = (struct chunk_row){"line: one byte over", b.p, b.len, REJECT(CHUNK_LINE_TOO_LONG)};

    b = (struct bytes){0};
    bytes_puts(&b, "5;");
    bytes_put_rep(&b, 'a', HTTP_MAX_CHUNK_LINE - 1);
    rows[n++] = (struct chunk_row){"line: over, no CRLF yet, is rejected now", b.p, b.len,
                                   REJECT(CHUNK_LINE_TOO_LONG)};

    b = (struct bytes){0};
    bytes_put_rep(&b, '0', HTTP_MAX_CHUNK_LINE + 1);
    bytes_puts(&b, "\r\n\r\n");
    rows[n++] = (struct chunk_row){"line: over, all leading zeros", b.p, b.len,
                                   REJECT(CHUNK_LINE_TOO_LONG)};

    b = (struct bytes){0};
    bytes_puts(&b, "0;");
    bytes_put_rep(&b, 'a', HTTP_MAX_CHUNK_LINE - 1);
    bytes_puts(&b, "\r\n\r\n");
    rows[n++] =
        (struct chunk_row){"line: last-chunk over", b.p, b.len, REJECT(CHUNK_LINE_TOO_LONG)};

    /* HTTP_MAX_TRAILER_SIZE: from the first trailer byte to the final CRLF included */
    size_t fixed = strlen("X: \r\n\r\n");
    b = (struct bytes){0};
    bytes_puts(&b, "0\r\nX: ");
    bytes_put_rep(&b, 'v', HTTP_MAX_TRAILER_SIZE - fixed);
    bytes_puts(&b, "\r\n\r\n");
    rows[n++] = (struct chunk_row){"trailer: HTTP_MAX_TRAILER_SIZE", b.p, b.len, OUT("")};

    b = (struct bytes){0};
    bytes_puts(&b, "0\r\nX: ");
    bytes_put_rep(&b, 'v', HTTP_MAX_TRAILER_SIZE - fixed + 1);
    bytes_puts(&b, "\r\n\r\n");
    rows[n++] = (struct chunk_row){"trailer: one byte over", b.p, b.len, REJECT(TRAILER_TOO_LARGE)};

    b = (struct bytes){0};
    bytes_puts(&b, "0\r\nX: ");
    bytes_put_rep(&b, 'v', HTTP_MAX_TRAILER_SIZE + 1);
    rows[n++] = (struct chunk_row){"trailer: over, no end yet, is rejected now", b.p, b.len,
                                   REJECT(TRAILER_TOO_LARGE)};

    b = (struct bytes){0};
    bytes_puts(&b, "0\r\n");
    for (int i = 0; i < HTTP_MAX_TRAILER_FIELDS; i++)
        bytes_puts(&b, "X: y\r\n");
    bytes_puts(&b, "\r\n");
    rows[n++] = (struct chunk_row){"trailer: HTTP_MAX_TRAILER_FIELDS", b.p, b.len, OUT("")};

    b = (struct bytes){0};
    bytes_puts(&b, "0\r\n");
    for (int i = 0; i < HTTP_MAX_TRAILER_FIELDS + 1; i++)
        bytes_puts(&b, "X: y\r\n");
    bytes_puts(&b, "\r\n");
    rows[n++] = (struct chunk_row){"trailer: HTTP_MAX_TRAILER_FIELDS + 1", b.p, b.len,
                                   REJECT(TRAILER_TOO_LARGE)};

    /* A big chunk: the data is moved, not limited */
    b = (struct bytes){0};
    bytes_puts(&b, "bb8\r\n");
    for (int i = 0; i < 3000; i++)
        bytes_put(&b, &"0123456789abcdef"[i % 16], 1);
    bytes_puts(&b, "\r\n0\r\n\r\n");
    rows[n++] =
        (struct chunk_row){"size: 3000-byte chunk", b.p, b.len, .out = b.p + 5, .out_len = 3000};

    assert_true(n <= MAX_BUILT);
    return n;
}

static void test_limits(void **state)
{
    (void)state;
    struct chunk_row rows[MAX_BUILT];
    size_t n = build_limit_rows(rows);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += check_row(&rows[i]);
    for (size_t i = 0; i < n; i++)
        free((void *)rows[i].in);
    assert_int_equal(bad, 0);
}

/* ---- the piece-size property -------------------------------------------------------- */

static int compare_feeds(const char *label, const char *how, const struct feed *whole,
                         const struct feed *f)
{
    if (f->broken != NULL)
        return row_fail(label, "%s: %s", how, f->broken);
    if (f->status != whole->status || f->error != whole->error)
        return row_fail(label, "%s: got %s %s, whole gives %s %s", how, ph_status_name(f->status),
                        http_error_name(f->error), ph_status_name(whole->status),
                        http_error_name(whole->error));
    if (f->status == PH_REJECT) {
        if (f->error_offset != whole->error_offset)
            return row_fail(label, "%s: error at %zu, whole gives %zu", how, f->error_offset,
                            whole->error_offset);
        return 0;
    }
    if (f->consumed != whole->consumed)
        return row_fail(label, "%s: consumed %zu, whole gives %zu", how, f->consumed,
                        whole->consumed);
    if (f->out_len != whole->out_len || memcmp(f->out, whole->out, f->out_len) != 0)
        return row_fail(label, "%s: decoded %zu bytes differ from the whole's %zu", how, f->out_len,
                        whole->out_len);
    return 0;
}

/* Every piece size 1..n, every single split point, and empty pieces between bytes. */
static int check_pieces(const struct chunk_row *r)
{
    size_t n = r->len;
    size_t *cuts = malloc((2 * n + 2) * sizeof(*cuts));
    assert_non_null(cuts);
    struct feed whole = feed_whole(r->in, n);
    uint8_t *area = guard_buf_new(r->in, n);
    int bad = 0;
    char how[64];

    for (size_t size = 1; size <= n && bad == 0; size++) {
        size_t nc = 0;
        for (size_t at = size; at < n; at += size)
            cuts[nc++] = at;
        struct feed f = feed_cuts(area, r->in, n, cuts, nc);
        snprintf(how, sizeof(how), "pieces of %zu", size);
        bad += compare_feeds(r->label, how, &whole, &f);
        free(f.out);
    }
    for (size_t k = 0; k <= n && bad == 0; k++) {
        cuts[0] = k;
        struct feed f = feed_cuts(area, r->in, n, cuts, 1);
        snprintf(how, sizeof(how), "split at %zu", k);
        bad += compare_feeds(r->label, how, &whole, &f);
        free(f.out);
    }
    if (bad == 0) {
        size_t nc = 0;
        for (size_t at = 0; at <= n; at++) {
            cuts[nc++] = at;
            cuts[nc++] = at;
        }
        struct feed f = feed_cuts(area, r->in, n, cuts, nc);
        bad += compare_feeds(r->label, "bytes with empty pieces between", &whole, &f);
        free(f.out);
    }
    guard_buf_free(area, n);
    free(whole.out);
    free(cuts);
    return bad;
}

static void test_piece_sizes(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++)
        for (size_t i = 0; i < all_tables[t].n; i++)
            bad += check_pieces(&all_tables[t].rows[i]);
    struct chunk_row rows[MAX_BUILT];
    size_t n = build_limit_rows(rows);
    for (size_t i = 0; i < n; i++) {
        bad += check_pieces(&rows[i]);
        free((void *)rows[i].in);
    }
    assert_int_equal(bad, 0);
}

/* http_chunked_init leaves no trace of what the struct held before. */
static void test_init_after_junk(void **state)
{
    (void)state;
    struct http_chunked_decoder dec;
    struct http_chunked_result res;
    memset(&dec, 0xA5, sizeof(dec));
    memset(&res, 0xA5, sizeof(res));
    http_chunked_init(&dec);
    static const char body[] = "3\r\nabc\r\n0\r\n\r\n";
    uint8_t *buf = guard_buf_str(body);
    assert_int_equal(http_decode_chunked(&dec, buf, strlen(body), &res), PH_OK);
    assert_int_equal(res.error, HTTP_ERR_NONE);
    assert_int_equal(res.error_offset, 0);
    assert_int_equal(res.decoded, 3);
    assert_int_equal(res.consumed, strlen(body));
    assert_memory_equal(buf, "abc", 3);
    guard_buf_free_str(buf, body);
}

/* http.h: after PH_REJECT "the decoder is spent": a further piece, even a good one, is
 * refused at its first byte and nothing of it is consumed or decoded. */
static void test_spent_after_reject(void **state)
{
    (void)state;
    struct http_chunked_decoder dec;
    struct http_chunked_result res;
    http_chunked_init(&dec);
    static const char bad[] = "x\r\n";
    static const char good[] = "3\r\nabc\r\n0\r\n\r\n";
    uint8_t *buf = guard_buf_str(bad);
    assert_int_equal(http_decode_chunked(&dec, buf, strlen(bad), &res), PH_REJECT);
    guard_buf_free_str(buf, bad);
    buf = guard_buf_str(good);
    memset(&res, 0xA5, sizeof(res));
    assert_int_equal(http_decode_chunked(&dec, buf, strlen(good), &res), PH_REJECT);
    assert_int_equal(res.error, HTTP_ERR_CHUNK_SIZE);
    assert_int_equal(res.error_offset, 0);
    assert_int_equal(res.consumed, 0);
    assert_int_equal(res.decoded, 0);
    guard_buf_free_str(buf, good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_size),      cmocka_unit_test(test_chunk_extensions),
        cmocka_unit_test(test_framing),         cmocka_unit_test(test_trailers),
        cmocka_unit_test(test_limits),          cmocka_unit_test(test_piece_sizes),
        cmocka_unit_test(test_init_after_junk), cmocka_unit_test(test_spent_after_reject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
