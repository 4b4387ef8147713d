/*
 * http_parse_response: a spec table of RFC 9112 4, 5, 6.3 rules for responses, one
 * behaviour per row, each input fed through a guard-page buffer (tests/lib/guard_buf.h).
 *
 * Accept rows list only what differs from "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
 *   HTTP/1.1, status 200, reason "OK", fields "Content-Length: 0\n" (one "name: value\n"
 *   per field, OWS trimmed), framing length 0, keep-alive as the version defaults (.conn
 *   overrides), consumed = whole input. .opt gives the options (head, connect, bare LF).
 *
 * Beyond the tables: every strict prefix of an accepted head is PH_INCOMPLETE, every split
 * point parses as PH_INCOMPLETE or exactly as the whole input, every row gives the same
 * outputs whatever the struct held before, and a chunked body read after the head goes
 * through http_decode_chunked.
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
#include "http/http.h"
#include "test_bytes.h"

enum conn {
    CONN_DEFAULT = 0, /* RFC 9112 9.3: keep-alive for HTTP/1.1, close for HTTP/1.0 */
    CONN_KEEP,
    CONN_CLOSE,
};

struct resp_row {
    const char *label;
    const char *in;
    size_t len;
    struct http_response_options opt;

    enum http_error error; /* HTTP_ERR_NONE: PH_OK (or PH_INCOMPLETE with .incomplete) */
    bool check_at;
    size_t at;
    bool incomplete;

    int status;         /* 0: 200 */
    const char *reason; /* NULL: "OK" */
    bool v10;
    const char *fields; /* NULL: "Content-Length: 0\n" */
    int framing;        /* 0: length; else HTTP_RESPONSE_x + 1 */
    uint64_t content_length;
    enum conn conn;
    size_t consumed; /* 0: the whole input */
};

#define IN(s) .in = (s), .len = sizeof(s) - 1
#define HEAD_THEN(head, rest) \
    .in = head rest, .len = sizeof(head rest) - 1, .consumed = sizeof(head) - 1
#define REJECT(e) .error = HTTP_ERR_##e
#define AT(n) .check_at = true, .at = (n)
#define INCOMPLETE .incomplete = true
#define FRAMING(f) .framing = HTTP_RESPONSE_##f + 1
#define HEAD_REQ .opt = {.head_request = true}
#define CONNECT_REQ .opt = {.connect_request = true}
#define BARE_LF_OK .opt = {.allow_bare_lf = true}
/* ---- RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ] ----- */

static const struct resp_row status_line_rows[] = {
    {"status-line: 200 OK", IN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
    {"status-line: HTTP/1.0", IN("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), .v10 = true},
    {"version: lower case", IN("http/1.1 200 OK\r\n\r\n"), REJECT(VERSION), AT(0)},
    {"version: not HTTP at all, told at the first byte", IN("<html>"), REJECT(VERSION), AT(0)},
    {"version: 'HTTX' told at once", IN("HTTX"), REJECT(VERSION), AT(0)},
    {"version: no minor", IN("HTTP/1 200 OK\r\n\r\n"), REJECT(VERSION), AT(0)},
    {"version: two-digit minor", IN("HTTP/1.10 200 OK\r\n\r\n"), REJECT(VERSION), AT(0)},
    {"version: HTTP/2.0", IN("HTTP/2.0 200 OK\r\n\r\n"), REJECT(VERSION_UNSUPPORTED), AT(0)},
    {"version: HTTP/1.2", IN("HTTP/1.2 200 OK\r\n\r\n"), REJECT(VERSION_UNSUPPORTED), AT(0)},
    {"version: HTTP/0.9", IN("HTTP/0.9 200 OK\r\n\r\n"), REJECT(VERSION_UNSUPPORTED), AT(0)},
    {"space: two SP after the version", IN("HTTP/1.1  200 OK\r\n\r\n"), REJECT(STATUS_LINE_SPACE),
     AT(9)},
    {"space: HTAB after the version", IN("HTTP/1.1\t200 OK\r\n\r\n"), REJECT(STATUS_LINE_SPACE),
     AT(8)},
    {"space: HTAB after the status", IN("HTTP/1.1 200\tOK\r\n\r\n"), REJECT(STATUS_LINE_SPACE),
     AT(12)},
    /* the SP after the status code is required even with no reason */
    {"space: no SP before the line end", IN("HTTP/1.1 200\r\n\r\n"), REJECT(STATUS_LINE_SPACE),
     AT(12)},
    {"space: no status at all", IN("HTTP/1.1\r\n\r\n"), REJECT(STATUS_LINE_SPACE), AT(8)},
    {"status: 2 digits", IN("HTTP/1.1 20 OK\r\n\r\n"), REJECT(STATUS_CODE), AT(9)},
    {"status: 4 digits", IN("HTTP/1.1 2000 OK\r\n\r\n"), REJECT(STATUS_CODE), AT(9)},
    {"status: letter", IN("HTTP/1.1 2x0 OK\r\n\r\n"), REJECT(STATUS_CODE), AT(9)},
    {"status: sign", IN("HTTP/1.1 +200 OK\r\n\r\n"), REJECT(STATUS_CODE), AT(9)},
    {"status: below 100 has no class (RFC 9110 15)", IN("HTTP/1.1 099 X\r\n\r\n"),
     REJECT(STATUS_CODE), AT(9)},
    {"status: 999 is treated as 5xx, not refused (RFC 9110 15)",
     IN("HTTP/1.1 999 X\r\nContent-Length: 0\r\n\r\n"), .status = 999, .reason = "X"},
    {"status: 599", IN("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n"), .status = 599,
     .reason = "X"},
    {"reason: empty", IN("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), .reason = ""},
    {"reason: SP, HTAB and obs-text inside",
     IN("HTTP/1.1 200 Very \tOK \xe9\xff\r\nContent-Length: 0\r\n\r\n"),
     .reason = "Very \tOK \xe9\xff"},
    {"reason: leading and trailing SP kept", IN("HTTP/1.1 200  OK \r\nContent-Length: 0\r\n\r\n"),
     .reason = " OK "},
    {"reason: NUL", IN("HTTP/1.1 200 O\0K\r\n\r\n"), REJECT(REASON), AT(14)},
    {"reason: control byte", IN("HTTP/1.1 200 O\x01K\r\n\r\n"), REJECT(REASON), AT(14)},
    {"reason: DEL", IN("HTTP/1.1 200 O\x7fK\r\n\r\n"), REJECT(REASON), AT(14)},
    {"status-line: leading CRLF is not skipped in a response", IN("\r\nHTTP/1.1 200 OK\r\n\r\n"),
     REJECT(VERSION), AT(0)},
};

/* ---- RFC 9112 2.2: line ends; bare LF only as an option ---------------------------- */

static const struct resp_row crlf_rows[] = {
    {"bare LF: after the status line", IN("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"),
     REJECT(BARE_LF), AT(15)},
    {"bare LF: after a field", IN("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n"), REJECT(BARE_LF),
     AT(34)},
    {"bare LF: the empty line", IN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n"), REJECT(BARE_LF),
     AT(36)},
    {"bare LF: in a field name", IN("HTTP/1.1 200 OK\r\nContent\n: 0\r\n\r\n"), REJECT(BARE_LF),
     AT(24)},
    {"bare CR: after the status line", IN("HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n"),
     REJECT(BARE_CR), AT(15)},
    {"bare CR: in a value", IN("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), REJECT(BARE_CR), AT(21)},
    {"bare LF allowed: every line", IN("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), BARE_LF_OK},
    {"bare LF allowed: mixed with CRLF", IN("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n"),
     BARE_LF_OK},
    {"bare LF allowed: trailing OWS before LF trimmed",
     IN("HTTP/1.1 200 OK\nX: v \t\nContent-Length: 0\n\n"), BARE_LF_OK,
     .fields = "X: v\nContent-Length: 0\n"},
    {"bare LF allowed: empty reason", IN("HTTP/1.1 204 \n\n"), BARE_LF_OK, .status = 204,
     .reason = "", .fields = "", FRAMING(NONE)},
    {"bare LF allowed: a bare CR still is not", IN("HTTP/1.1 200 OK\r\rContent-Length: 0\n\n"),
     BARE_LF_OK, REJECT(BARE_CR), AT(15)},
    {"bare LF allowed: a field name ended by LF is no field",
     IN("HTTP/1.1 200 OK\nContent\n: 0\n\n"), BARE_LF_OK, REJECT(FIELD_NAME), AT(23)},
};

/* ---- RFC 9112 5: field lines -------------------------------------------------------- */

static const struct resp_row field_rows[] = {
    {"fields: OWS trimmed", IN("HTTP/1.1 200 OK\r\nX: \t a b \t\r\nContent-Length: 0\r\n\r\n"),
     .fields = "X: a b\nContent-Length: 0\n"},
    {"fields: empty value", IN("HTTP/1.1 200 OK\r\nX:\r\nContent-Length: 0\r\n\r\n"),
     .fields = "X: \nContent-Length: 0\n"},
    {"fields: obs-text in a value",
     IN("HTTP/1.1 200 OK\r\nX: \x80\xff\r\nContent-Length: 0\r\n\r\n"),
     .fields = "X: \x80\xff\nContent-Length: 0\n"},
    {"fields: whitespace before the colon", IN("HTTP/1.1 200 OK\r\nX : a\r\n\r\n"),
     REJECT(WHITESPACE_BEFORE_COLON), AT(18)},
    {"fields: empty name", IN("HTTP/1.1 200 OK\r\n: a\r\n\r\n"), REJECT(FIELD_NAME), AT(17)},
    {"fields: name not a token", IN("HTTP/1.1 200 OK\r\nX(: a\r\n\r\n"), REJECT(FIELD_NAME),
     AT(18)},
    {"fields: no colon", IN("HTTP/1.1 200 OK\r\nX\r\n\r\n"), REJECT(FIELD_NAME), AT(18)},
    {"fields: NUL in a value", IN("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"), REJECT(FIELD_VALUE),
     AT(21)},
    {"fields: DEL in a value", IN("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n"), REJECT(FIELD_VALUE),
     AT(21)},
    /* RFC 9112 5.2: a user agent would rewrite obs-fold to SP; a pure parser cannot */
    {"fields: obs-fold", IN("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), REJECT(OBS_FOLD), AT(23)},
    {"fields: whitespace after the status line", IN("HTTP/1.1 200 OK\r\n X: a\r\n\r\n"),
     REJECT(WHITESPACE_AFTER_STATUS_LINE), AT(17)},
    {"fields: no fields, close-delimited", IN("HTTP/1.1 200 OK\r\n\r\n"), .fields = "",
     FRAMING(CLOSE), .conn = CONN_CLOSE},
};

/* ---- RFC 9112 6.3: the body's length, in the standard's order ---------------------- */

/* clang-format off */
static const struct resp_row framing_rows[] = {
    /* item 1 */
    {"1xx: 100 Continue has no body", IN("HTTP/1.1 100 Continue\r\n\r\n"), .status = 100,
     .reason = "Continue", .fields = "", FRAMING(NONE)},
    {"1xx: 103 with fields", IN("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"), .status = 103,
     .reason = "Early Hints", .fields = "Link: </a>\n", FRAMING(NONE)},
    {"1xx: then the final response is not looked at",
     HEAD_THEN("HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\n"), .status = 100,
     .reason = "Continue", .fields = "", FRAMING(NONE)},
    {"1xx: 101 starts a tunnel",
     IN("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
     .status = 101, .reason = "Switching Protocols",
     .fields = "Upgrade: websocket\nConnection: Upgrade\n", FRAMING(TUNNEL), .conn = CONN_CLOSE},
    {"204: no body whatever Content-Length says", IN("HTTP/1.1 204 No Content\r\n\r\n"),
     .status = 204, .reason = "No Content", .fields = "", FRAMING(NONE)},
    {"204: chunked ignored", IN("HTTP/1.1 204 X\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .status = 204, .reason = "X", .fields = "Transfer-Encoding: chunked\n", FRAMING(NONE)},
    {"304: Content-Length describes the representation, no body",
     IN("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"), .status = 304,
     .reason = "Not Modified", .fields = "Content-Length: 99\n", FRAMING(NONE)},
    {"HEAD: Content-Length but no body", IN("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"),
     HEAD_REQ, .fields = "Content-Length: 99\n", FRAMING(NONE)},
    {"HEAD: chunked but no body", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
     HEAD_REQ, .fields = "Transfer-Encoding: chunked\n", FRAMING(NONE)},
    {"HEAD: neither, still no body", IN("HTTP/1.1 200 OK\r\n\r\n"), HEAD_REQ, .fields = "",
     FRAMING(NONE)},
    /* item 2 */
    {"CONNECT: 2xx is a tunnel", IN("HTTP/1.1 200 Connection established\r\n\r\n"), CONNECT_REQ,
     .reason = "Connection established", .fields = "", FRAMING(TUNNEL), .conn = CONN_CLOSE},
    {"CONNECT: a 407 has a body", IN("HTTP/1.1 407 X\r\nContent-Length: 3\r\n\r\n"), CONNECT_REQ,
     .status = 407, .reason = "X", .fields = "Content-Length: 3\n", .content_length = 3},
    /* item 3 */
    {"TE and CL: refused", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                              "Content-Length: 3\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_WITH_CONTENT_LENGTH), AT(45)},
    {"CL and TE: refused", IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_WITH_CONTENT_LENGTH), AT(36)},
    /* item 4 */
    {"chunked", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .fields = "Transfer-Encoding: chunked\n", FRAMING(CHUNKED)},
    {"chunked: case-insensitive, after gzip",
     IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n"),
     .fields = "Transfer-Encoding: gzip, CHUNKED\n", FRAMING(CHUNKED)},
    {"chunked: list across two field lines",
     IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .fields = "Transfer-Encoding: gzip\nTransfer-Encoding: chunked\n", FRAMING(CHUNKED)},
    {"chunked not final: read until close",
     IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
     .fields = "Transfer-Encoding: chunked, gzip\n", FRAMING(CLOSE), .conn = CONN_CLOSE},
    {"gzip alone: read until close", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
     .fields = "Transfer-Encoding: gzip\n", FRAMING(CLOSE), .conn = CONN_CLOSE},
    {"chunked twice", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
     REJECT(CHUNKED_REPEATED), AT(17)},
    {"TE: empty", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(17)},
    {"TE: not a list", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked x\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(17)},
    {"TE: chunked takes no parameters",
     IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(17)},
    {"TE: in HTTP/1.0 the framing is faulty",
     IN("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_HTTP10), AT(17)},
    /* items 5 and 6 */
    {"CL: 42", IN("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"), .fields = "Content-Length: 42\n",
     .content_length = 42},
    {"CL: identical repeats", IN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
     .fields = "Content-Length: 5\nContent-Length: 5\n", .content_length = 5},
    {"CL: differing repeats",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
     REJECT(CONTENT_LENGTH_CONFLICT), AT(36)},
    {"CL: a list", IN("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID), AT(17)},
    {"CL: sign", IN("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n"), REJECT(CONTENT_LENGTH_INVALID),
     AT(17)},
    {"CL: empty", IN("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), REJECT(CONTENT_LENGTH_INVALID),
     AT(17)},
    {"CL: UINT64_MAX", IN("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"),
     .fields = "Content-Length: 18446744073709551615\n", .content_length = UINT64_MAX},
    {"CL: UINT64_MAX + 1", IN("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"),
     REJECT(CONTENT_LENGTH_OVERFLOW), AT(17)},
    {"CL: invalid even on a 204", IN("HTTP/1.1 204 X\r\nContent-Length: x\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID), AT(16)},
    /* item 8 */
    {"neither: close-delimited, the connection ends with the body",
     IN("HTTP/1.1 200 OK\r\nX: y\r\n\r\n"), .fields = "X: y\n", FRAMING(CLOSE), .conn = CONN_CLOSE},
    {"HTTP/1.0 without length", IN("HTTP/1.0 200 OK\r\n\r\n"), .v10 = true, .fields = "",
     FRAMING(CLOSE)},
};
/* clang-format on */

/* ---- RFC 9112 9.3: persistence ------------------------------------------------------ */

static const struct resp_row keep_alive_rows[] = {
    {"keep-alive: close", IN("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
     .fields = "Connection: close\nContent-Length: 0\n", .conn = CONN_CLOSE},
    {"keep-alive: Close in a list",
     IN("HTTP/1.1 200 OK\r\nConnection: x, Close\r\nContent-Length: 0\r\n\r\n"),
     .fields = "Connection: x, Close\nContent-Length: 0\n", .conn = CONN_CLOSE},
    {"keep-alive: 'close x' is no option",
     IN("HTTP/1.1 200 OK\r\nConnection: close x\r\nContent-Length: 0\r\n\r\n"),
     .fields = "Connection: close x\nContent-Length: 0\n"},
    {"keep-alive: HTTP/1.0 with keep-alive",
     IN("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), .v10 = true,
     .fields = "Connection: keep-alive\nContent-Length: 0\n", .conn = CONN_KEEP},
    {"keep-alive: HTTP/1.0 keep-alive but close-delimited",
     IN("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n"), .v10 = true,
     .fields = "Connection: keep-alive\n", FRAMING(CLOSE), .conn = CONN_CLOSE},
};

/* ---- incomplete heads, and what follows a head --------------------------------------- */

static const struct resp_row incomplete_rows[] = {
    {"incomplete: empty input", IN(""), INCOMPLETE},
    {"incomplete: 'HTTP/1.'", IN("HTTP/1."), INCOMPLETE},
    {"incomplete: status line only", IN("HTTP/1.1 200 OK\r\n"), INCOMPLETE},
    {"incomplete: CR at the end", IN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r"), INCOMPLETE},
    {"body: not looked at", HEAD_THEN("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", "\0\r\n\xff"),
     .fields = "Content-Length: 4\n", .content_length = 4},
    {"pipelined: the next response is not looked at",
     HEAD_THEN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 204 X\r\n\r\n")},
};

struct table {
    const char *name;
    const struct resp_row *rows;
    size_t n;
};

/* clang-format off */
#define TABLE(t) {#t, t, NROWS(t)}
/* clang-format on */
static const struct table all_tables[] = {
    TABLE(status_line_rows), TABLE(crlf_rows),       TABLE(field_rows),
    TABLE(framing_rows),     TABLE(keep_alive_rows), TABLE(incomplete_rows),
};

/* ---- checking one row ---------------------------------------------------------------- */

static bool slice_inside(struct ph_slice s, const uint8_t *buf, size_t len)
{
    return s.ptr == NULL ||
           (s.ptr >= buf && s.len <= len && s.ptr - buf <= (ptrdiff_t)(len - s.len));
}

static bool slice_is(struct ph_slice s, const char *want, size_t n)
{
    return s.ptr != NULL && s.len == n && memcmp(s.ptr, want, n) == 0;
}

static int check_fields(const struct resp_row *r, const struct http_response *res, const char *want,
                        const uint8_t *buf)
{
    int bad = 0;
    size_t i = 0;
    for (const char *p = want; *p != '\0'; i++) {
        const char *colon = strchr(p, ':');
        const char *nl = strchr(p, '\n');
        if (colon == NULL || nl == NULL || colon > nl || colon[1] != ' ')
            return row_fail(r->label, "bad .fields in the test row");
        if (i >= res->num_headers)
            return row_fail(r->label, "fields: got %zu, want more", res->num_headers);
        const struct http_header *h = &res->headers[i];
        if (!slice_is(h->name, p, (size_t)(colon - p)) ||
            !slice_is(h->value, colon + 2, (size_t)(nl - colon - 2)))
            bad += row_fail(r->label, "field %zu differs from \"%.*s\"", i, (int)(nl - p), p);
        if (!slice_inside(h->name, buf, r->len) || !slice_inside(h->value, buf, r->len))
            bad += row_fail(r->label, "field %zu points outside the input", i);
        p = nl + 1;
    }
    if (res->num_headers != i)
        bad += row_fail(r->label, "num_headers: got %zu, want %zu", res->num_headers, i);
    return bad;
}

static int check_accept(const struct resp_row *r, const struct http_response *res,
                        const uint8_t *buf)
{
    int bad = 0;
    int minor = r->v10 ? 0 : 1;
    int status = r->status != 0 ? r->status : 200;
    const char *reason = r->reason != NULL ? r->reason : "OK";
    enum http_response_framing framing =
        r->framing != 0 ? (enum http_response_framing)(r->framing - 1) : HTTP_RESPONSE_LENGTH;
    bool keep = r->conn == CONN_DEFAULT ? !r->v10 : r->conn == CONN_KEEP;
    size_t consumed = r->consumed != 0 ? r->consumed : r->len;

    if (res->minor_version != minor)
        bad += row_fail(r->label, "minor_version: got %d, want %d", res->minor_version, minor);
    if (res->status != status)
        bad += row_fail(r->label, "status: got %d, want %d", res->status, status);
    if (!slice_is(res->reason, reason, strlen(reason)) || !slice_inside(res->reason, buf, r->len))
        bad += row_fail(r->label, "reason: got \"%.*s\", want \"%s\"", (int)res->reason.len,
                        res->reason.ptr ? (const char *)res->reason.ptr : "", reason);
    bad += check_fields(r, res, r->fields ? r->fields : "Content-Length: 0\n", buf);
    if (res->framing != framing)
        bad +=
            row_fail(r->label, "framing: got %s, want %s", http_response_framing_name(res->framing),
                     http_response_framing_name(framing));
    if (res->content_length != r->content_length)
        bad += row_fail(r->label, "content_length: got %llu, want %llu",
                        (unsigned long long)res->content_length,
                        (unsigned long long)r->content_length);
    if (res->keep_alive != keep)
        bad += row_fail(r->label, "keep_alive: got %d, want %d", res->keep_alive, keep);
    if (res->consumed != consumed)
        bad += row_fail(r->label, "consumed: got %zu, want %zu", res->consumed, consumed);
    return bad;
}

static enum ph_status row_status(const struct resp_row *r)
{
    if (r->error != HTTP_ERR_NONE)
        return PH_REJECT;
    return r->incomplete ? PH_INCOMPLETE : PH_OK;
}

static int check_row(const struct resp_row *r)
{
    uint8_t *buf = guard_buf_new(r->in, r->len);
    struct http_response res;
    memset(&res, 0, sizeof(res));
    enum ph_status st = http_parse_response(buf, r->len, &r->opt, &res);
    enum ph_status want = row_status(r);
    int bad = 0;
    if (st != want || res.error != r->error) {
        bad += row_fail(r->label, "got %s %s (at %zu), want %s %s", ph_status_name(st),
                        http_error_name(res.error), res.error_offset, ph_status_name(want),
                        http_error_name(r->error));
    } else if (want != PH_OK &&
               (res.status != 0 || res.num_headers != 0 || res.reason.ptr != NULL ||
                res.consumed != 0 || res.content_length != 0 || res.keep_alive)) {
        bad += row_fail(r->label, "%s left half-parsed outputs behind", ph_status_name(st));
    } else if (want == PH_REJECT) {
        if (r->check_at && res.error_offset != r->at)
            bad += row_fail(r->label, "error_offset: got %zu, want %zu", res.error_offset, r->at);
        if (res.error_offset > r->len)
            bad += row_fail(r->label, "error_offset %zu past the input", res.error_offset);
    } else if (want == PH_OK) {
        bad += check_accept(r, &res, buf);
    }
    guard_buf_free(buf, r->len);
    return bad;
}

static void test_status_line(void **state)
{
    (void)state;
    RUN_TABLE(status_line_rows, check_row);
}

static void test_crlf(void **state)
{
    (void)state;
    RUN_TABLE(crlf_rows, check_row);
}

static void test_fields(void **state)
{
    (void)state;
    RUN_TABLE(field_rows, check_row);
}

static void test_framing(void **state)
{
    (void)state;
    RUN_TABLE(framing_rows, check_row);
}

static void test_keep_alive(void **state)
{
    (void)state;
    RUN_TABLE(keep_alive_rows, check_row);
}

static void test_incomplete(void **state)
{
    (void)state;
    RUN_TABLE(incomplete_rows, check_row);
}

/* ---- limits -------------------------------------------------------------------------- */

struct outcome {
    enum ph_status status;
    enum http_error error;
    size_t error_offset;
    size_t consumed;
};

static struct outcome parse_exact(const struct resp_row *r, size_t len)
{
    uint8_t *buf = guard_buf_new(r->in, len);
    struct http_response res;
    enum ph_status st = http_parse_response(buf, len, &r->opt, &res);
    struct outcome o = {st, res.error, res.error_offset, res.consumed};
    guard_buf_free(buf, len);
    return o;
}

static int check_prefix(const struct resp_row *r, size_t k, const struct outcome *whole)
{
    struct outcome o = parse_exact(r, k);
    if (o.status == PH_INCOMPLETE)
        return 0;
    if (o.status == whole->status && o.error == whole->error &&
        o.error_offset == whole->error_offset && o.consumed == whole->consumed)
        return 0;
    return row_fail(r->label, "prefix of %zu bytes: %s %s at %zu consumed %zu; whole: %s %s at %zu",
                    k, ph_status_name(o.status), http_error_name(o.error), o.error_offset,
                    o.consumed, ph_status_name(whole->status), http_error_name(whole->error),
                    whole->error_offset);
}

static void test_limits(void **state)
{
    (void)state;
    int bad = 0;
    /* HTTP_MAX_HEADERS fields pass, one more is TOO_MANY_HEADERS */
    for (size_t extra = 0; extra <= 1; extra++) {
        struct bytes in = {0}, fields = {0};
        bytes_puts(&in, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        bytes_puts(&fields, "Content-Length: 0\n");
        for (size_t f = 1; f < HTTP_MAX_HEADERS + extra; f++) {
            char line[64];
            snprintf(line, sizeof(line), "X-%zu: v\r\n", f);
            bytes_puts(&in, line);
            snprintf(line, sizeof(line), "X-%zu: v\n", f);
            bytes_puts(&fields, line);
        }
        bytes_puts(&in, "\r\n");
        struct resp_row r = {.label = extra ? "fields: one over" : "fields: HTTP_MAX_HEADERS",
                             .in = in.p,
                             .len = in.len,
                             .fields = fields.p,
                             .error = extra ? HTTP_ERR_TOO_MANY_HEADERS : HTTP_ERR_NONE};
        bad += check_row(&r);
        free(in.p);
        free(fields.p);
    }
    /* the head: exactly HTTP_MAX_HEAD_SIZE passes; one more byte, or no end in sight at
     * the limit, is HEAD_TOO_LARGE, decided by position */
    for (size_t over = 0; over <= 2; over++) {
        const char *start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ";
        const char *end = over == 2 ? "" : "\r\n\r\n";
        size_t pad = HTTP_MAX_HEAD_SIZE + (over == 1) - strlen(start) - strlen(end);
        struct bytes in = {0}, fields = {0};
        bytes_puts(&in, start);
        bytes_put_rep(&in, 'v', pad);
        bytes_puts(&in, end);
        bytes_puts(&fields, "Content-Length: 0\nX: ");
        bytes_put_rep(&fields, 'v', pad);
        bytes_puts(&fields, "\n");
        struct resp_row r = {.label = over == 0   ? "head: HTTP_MAX_HEAD_SIZE"
                                      : over == 1 ? "head: one byte over"
                                                  : "head: limit reached with no end",
                             .in = in.p,
                             .len = in.len,
                             .fields = fields.p,
                             .error = over ? HTTP_ERR_HEAD_TOO_LARGE : HTTP_ERR_NONE};
        bad += check_row(&r);
        struct outcome whole = parse_exact(&r, r.len);
        size_t ks[] = {0, 1, r.len / 2, HTTP_MAX_HEAD_SIZE - 1, r.len - 1};
        for (size_t i = 0; i < NROWS(ks); i++)
            if (ks[i] < r.len)
                bad += check_prefix(&r, ks[i], &whole);
        free(in.p);
        free(fields.p);
    }
    assert_int_equal(bad, 0);
}

/* ---- properties over every row ----------------------------------------------------- */

static void test_strict_prefixes_are_incomplete(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct resp_row *r = &all_tables[t].rows[i];
            if (row_status(r) != PH_OK)
                continue;
            size_t head = r->consumed != 0 ? r->consumed : r->len;
            for (size_t k = 0; k < head; k++) {
                struct outcome o = parse_exact(r, k);
                if (o.status != PH_INCOMPLETE) {
                    bad += row_fail(r->label, "prefix of %zu bytes: got %s %s, want incomplete", k,
                                    ph_status_name(o.status), http_error_name(o.error));
                    break;
                }
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void test_split_oracle(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct resp_row *r = &all_tables[t].rows[i];
            struct outcome whole = parse_exact(r, r->len);
            for (size_t k = 0; k < r->len; k++) {
                if (check_prefix(r, k, &whole) != 0) {
                    bad++;
                    break;
                }
            }
        }
    }
    assert_int_equal(bad, 0);
}

static bool same_outputs(const struct http_response *a, const struct http_response *b)
{
    uint8_t ka, kb;
    memcpy(&ka, &a->keep_alive, 1);
    memcpy(&kb, &b->keep_alive, 1);
    if (a->minor_version != b->minor_version || a->status != b->status ||
        memcmp(&a->reason, &b->reason, sizeof(a->reason)) != 0 ||
        a->num_headers != b->num_headers || a->framing != b->framing ||
        a->content_length != b->content_length || ka != kb || a->consumed != b->consumed ||
        a->error != b->error || a->error_offset != b->error_offset ||
        a->num_headers > HTTP_MAX_HEADERS)
        return false;
    for (size_t i = 0; i < a->num_headers; i++)
        if (memcmp(&a->headers[i], &b->headers[i], sizeof(a->headers[i])) != 0)
            return false;
    return true;
}

/* "Every call first resets its outputs". */
static void test_outputs_reset(void **state)
{
    (void)state;
    int bad = 0;
    static struct http_response zero, junk, reused;
    static const char earlier[] = "HTTP/1.0 404 Nope\r\nContent-Length: 9\r\n"
                                  "Connection: keep-alive\r\n\r\n";
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct resp_row *r = &all_tables[t].rows[i];
            uint8_t *buf = guard_buf_new(r->in, r->len);
            memset(&zero, 0, sizeof(zero));
            memset(&junk, 0xA5, sizeof(junk));
            http_parse_response(buf, r->len, &r->opt, &zero);
            http_parse_response(buf, r->len, &r->opt, &junk);
            http_parse_response((const uint8_t *)earlier, sizeof(earlier) - 1, NULL, &reused);
            http_parse_response(buf, r->len, &r->opt, &reused);
            if (!same_outputs(&zero, &junk) || !same_outputs(&zero, &reused))
                bad += row_fail(r->label, "outputs depend on what the struct held before");
            guard_buf_free(buf, r->len);
        }
    }
    assert_int_equal(bad, 0);
}

/* A whole chunked response: the head from http_parse_response, the body through
 * http_decode_chunked, fed in pieces of every size; the next response follows. */
static void test_chunked_body(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n"
                              "HTTP/1.1 204 X\r\n\r\n";
    size_t len = sizeof(msg) - 1;
    for (size_t piece = 1; piece <= len; piece++) {
        uint8_t *buf = guard_buf_new(msg, len);
        struct http_response res;
        assert_int_equal(http_parse_response(buf, len, NULL, &res), PH_OK);
        assert_int_equal(res.framing, HTTP_RESPONSE_CHUNKED);
        struct http_chunked_decoder dec;
        http_chunked_init(&dec);
        char body[32];
        size_t body_len = 0, pos = res.consumed;
        enum ph_status st = PH_INCOMPLETE;
        while (st == PH_INCOMPLETE && pos < len) {
            size_t n = len - pos < piece ? len - pos : piece;
            struct http_chunked_result cr;
            st = http_decode_chunked(&dec, buf + pos, n, &cr);
            assert_int_not_equal(st, PH_REJECT);
            assert_true(body_len + cr.decoded <= sizeof(body));
            memcpy(body + body_len, buf + pos, cr.decoded);
            body_len += cr.decoded;
            pos += cr.consumed;
        }
        assert_int_equal(st, PH_OK);
        assert_int_equal(body_len, 11);
        assert_memory_equal(body, "hello world", 11);
        assert_int_equal(http_parse_response(buf + pos, len - pos, NULL, &res), PH_OK);
        assert_int_equal(res.status, 204);
        assert_int_equal(pos + res.consumed, len);
        guard_buf_free(buf, len);
    }
}

static void test_framing_names(void **state)
{
    (void)state;
    assert_string_equal(http_response_framing_name(HTTP_RESPONSE_NONE), "none");
    assert_string_equal(http_response_framing_name(HTTP_RESPONSE_LENGTH), "length");
    assert_string_equal(http_response_framing_name(HTTP_RESPONSE_CHUNKED), "chunked");
    assert_string_equal(http_response_framing_name(HTTP_RESPONSE_CLOSE), "close");
    assert_string_equal(http_response_framing_name(HTTP_RESPONSE_TUNNEL), "tunnel");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_line),  cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_fields),       cmocka_unit_test(test_framing),
        cmocka_unit_test(test_keep_alive),   cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_limits),       cmocka_unit_test(test_strict_prefixes_are_incomplete),
        cmocka_unit_test(test_split_oracle), cmocka_unit_test(test_outputs_reset),
        cmocka_unit_test(test_chunked_body), cmocka_unit_test(test_framing_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
