/*
 * http_parse_request: a spec table of RFC 9112 / RFC 9110 rules, one behaviour per row.
 *
 * Every input is copied so that its last byte sits right before a PROT_NONE page
 * (tests/lib/guard_buf.h): a parser that reads past the end faults even without ASan.
 *
 * Accept rows list only what differs from "GET / HTTP/1.1\r\nHost: a\r\n\r\n":
 *   method "GET", target "/", origin-form, HTTP/1.1, fields "Host: a\n" (one
 *   "name: value\n" per field, in order, OWS already trimmed), host "a", no body,
 *   keep-alive as the version defaults (.conn overrides), no Expect, consumed = whole input.
 * Reject rows name the error; the response status is 400 unless .code says otherwise.
 *
 * Beyond the tables: every strict prefix of an accepted head is PH_INCOMPLETE, every split
 * point of every row parses as PH_INCOMPLETE or exactly as the whole input (the stateless
 * re-parse oracle), and a reject leaves the same outputs whatever the struct held before.
 *
 * The whole suite runs once through http_parse_request (the build the CPU's dispatch picks)
 * and once through each instruction-set build of the parser this CPU can run
 * (src/http/http_parse_isa.h: plain, SSE2, SSSE3, AVX2), so every build meets every row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "guard_buf.h"
#include "test_table.h"
#include "test_bytes.h"
#include "http/http.h"
#include "http/http_parse_isa.h"

/* The parser under test: http_parse_request, then each build of it in turn (main). */
static http_parse_fn parse = http_parse_request;

/* ---- the row type and how a row reads ---------------------------------------------- */

enum conn {
    CONN_DEFAULT = 0, /* RFC 9112 9.3: keep-alive for HTTP/1.1, close for HTTP/1.0 */
    CONN_KEEP,
    CONN_CLOSE,
};

struct req_row {
    const char *label;
    const char *in;
    size_t len;

    /* Rejects and incompletes. */
    enum http_error error; /* HTTP_ERR_NONE: PH_OK (or PH_INCOMPLETE with .incomplete) */
    int code;              /* http_error_status(error); 0 means 400 */
    bool check_at;
    size_t at; /* error_offset, checked when check_at */
    bool incomplete;

    /* Accepts: NULL / 0 / false take the defaults above. */
    const char *method;
    const char *target;
    enum http_target_form form;
    bool v10;
    const char *host; /* NULL: "a" */
    bool no_host;     /* host.ptr must be NULL */
    const char *fields;
    enum http_framing framing;
    uint64_t content_length;
    enum conn conn;
    bool expect;
    size_t consumed; /* 0: the whole input */
};

#define IN(s) .in = (s), .len = sizeof(s) - 1
/* A head followed by bytes that are not part of it (a body or a pipelined request). */
#define HEAD_THEN(head, rest) \
    .in = head rest, .len = sizeof(head rest) - 1, .consumed = sizeof(head) - 1
#define REJECT(e) .error = HTTP_ERR_##e
#define AT(n) .check_at = true, .at = (n)
#define INCOMPLETE .incomplete = true
/* ---- RFC 9110 9.1, 5.6.2: method = token ------------------------------------------- */

static const struct req_row method_rows[] = {
    {"method: GET", IN("GET / HTTP/1.1\r\nHost: a\r\n\r\n")},
    {"method: methods are case-sensitive tokens, lower case is a token",
     IN("get / HTTP/1.1\r\nHost: a\r\n\r\n"), .method = "get"},
    {"method: every tchar", IN("!#$%&'*+-.^_`|~09AZaz / HTTP/1.1\r\nHost: a\r\n\r\n"),
     .method = "!#$%&'*+-.^_`|~09AZaz"},
    {"method: unregistered token", IN("M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\n"),
     .method = "M-SEARCH"},
    {"method: empty", IN(" / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(0)},
    {"method: '(' is a delimiter", IN("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(2)},
    {"method: DQUOTE", IN("GE\"T / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(2)},
    {"method: '/' right after it", IN("GET/ HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(3)},
    {"method: byte >= 0x80", IN("G\x80T / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(1)},
    {"method: NUL", IN("GE\0T / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(2)},
    {"method: line is only a method", IN("GET\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(3)},
};

/* ---- RFC 9112 3: method SP request-target SP HTTP-version, exactly one SP ---------- */

static const struct req_row space_rows[] = {
    {"request-line: two SP after method", IN("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(REQUEST_LINE_SPACE), AT(4)},
    {"request-line: two SP before version", IN("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(REQUEST_LINE_SPACE), AT(6)},
    {"request-line: HTAB after method", IN("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(REQUEST_LINE_SPACE), AT(3)},
    {"request-line: HTAB before version", IN("GET /\tHTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(REQUEST_LINE_SPACE), AT(5)},
    /* version errors point at the start of the version */
    {"request-line: SP after version", IN("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), REJECT(VERSION),
     AT(6)},
    /* "GET /" CRLF is an HTTP/0.9 request: the version is what is missing */
    {"request-line: no version", IN("GET /\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(5)},
    {"request-line: empty target", IN("GET  HTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(REQUEST_LINE_SPACE), AT(4)},
};

/* ---- RFC 9112 3.2: request-target forms and characters (RFC 3986) ------------------ */

static const struct req_row target_rows[] = {
    /* 3.2.1 origin-form = absolute-path [ "?" query ] */
    {"origin-form: path and query", IN("GET /p?q HTTP/1.1\r\nHost: a\r\n\r\n"), .target = "/p?q"},
    {"origin-form: every pchar and '/' '?' in the query",
     IN("GET /-._~!$&'()*+,;=:@AZaz09?/?:@ HTTP/1.1\r\nHost: a\r\n\r\n"),
     .target = "/-._~!$&'()*+,;=:@AZaz09?/?:@"},
    {"origin-form: pct-encoded, either case", IN("GET /%41%aF%Af HTTP/1.1\r\nHost: a\r\n\r\n"),
     .target = "/%41%aF%Af"},
    {"origin-form: empty query", IN("GET /? HTTP/1.1\r\nHost: a\r\n\r\n"), .target = "/?"},
    {"origin-form: empty segments", IN("GET //x HTTP/1.1\r\nHost: a\r\n\r\n"), .target = "//x"},
    {"target: '#' (no fragment in a request)", IN("GET /#f HTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(TARGET_CHAR), AT(5)},
    {"target: '<'", IN("GET /< HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '>'", IN("GET /> HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: DQUOTE", IN("GET /\" HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '{'", IN("GET /{ HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '}'", IN("GET /} HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: backslash", IN("GET /\\ HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '^'", IN("GET /^ HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '`'", IN("GET /` HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '|'", IN("GET /| HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: NUL", IN("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: control byte", IN("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR),
     AT(5)},
    {"target: DEL", IN("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: byte 0x80", IN("GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: byte 0xff", IN("GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_CHAR), AT(5)},
    {"target: '%zz'", IN("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_PERCENT), AT(5)},
    {"target: '%4' then SP", IN("GET /%4 HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_PERCENT),
     AT(5)},
    {"target: '%' then SP", IN("GET /% HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_PERCENT),
     AT(5)},
    {"target: '%4g'", IN("GET /%4g HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_PERCENT), AT(5)},
    {"target: '%' in the query", IN("GET /?a=%g0 HTTP/1.1\r\nHost: a\r\n\r\n"),
     REJECT(TARGET_PERCENT), AT(8)},

    /* 3.2.2 absolute-form = absolute-URI */
    {"absolute-form: http", IN("GET http://h/p HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "http://h/p", .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: port and query", IN("GET http://h:8080/p?q HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "http://h:8080/p?q", .form = HTTP_TARGET_ABSOLUTE, .host = "h",
     .fields = "Host: h\n"},
    {"absolute-form: https", IN("GET https://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "https://h/", .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: empty path", IN("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "http://h", .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: IP-literal", IN("GET http://[::1]:8080/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "http://[::1]:8080/", .form = HTTP_TARGET_ABSOLUTE, .host = "h",
     .fields = "Host: h\n"},
    {"absolute-form: '#'", IN("GET http://h/p#f HTTP/1.1\r\nHost: h\r\n\r\n"), REJECT(TARGET_CHAR),
     AT(14)},
    /* RFC 9110 4.2.1: http(s) URIs need a non-empty host; 4.2.4: no userinfo */
    {"absolute-form: empty host", IN("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},
    {"absolute-form: empty host with port", IN("GET http://:80/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},
    {"absolute-form: https, empty host", IN("GET https:/// HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},
    {"absolute-form: no authority at all", IN("GET http:/p HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},
    {"absolute-form: userinfo", IN("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},
    {"absolute-form: userinfo with password", IN("GET http://u:p@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},

    /* 3.2.3 authority-form = uri-host ":" port, for CONNECT only */
    {"authority-form: CONNECT", IN("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
     .method = "CONNECT", .target = "h:443", .form = HTTP_TARGET_AUTHORITY, .host = "h:443",
     .fields = "Host: h:443\n"},
    {"authority-form: CONNECT to an IP-literal",
     IN("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n"), .method = "CONNECT",
     .target = "[::1]:443", .form = HTTP_TARGET_AUTHORITY, .host = "[::1]:443",
     .fields = "Host: [::1]:443\n"},
    {"authority-form: CONNECT to an IPv4 address",
     IN("CONNECT 1.2.3.4:443 HTTP/1.1\r\nHost: 1.2.3.4:443\r\n\r\n"), .method = "CONNECT",
     .target = "1.2.3.4:443", .form = HTTP_TARGET_AUTHORITY, .host = "1.2.3.4:443",
     .fields = "Host: 1.2.3.4:443\n"},
    /* "h:443" is also an absolute-URI (scheme "h", path "443"), so only CONNECT reads it
     * as an authority */
    {"authority-form: with GET it is an absolute-URI", IN("GET h:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "h:443", .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"authority-form: IPv4 with GET", IN("GET 1.2.3.4:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM)},
    {"authority-form: CONNECT with origin-form", IN("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM)},
    /* a CONNECT target that is neither "/..." nor "*" is read as authority-form */
    {"authority-form: CONNECT with absolute-form",
     IN("CONNECT http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), REJECT(TARGET_AUTHORITY), AT(8)},
    {"authority-form: CONNECT with asterisk", IN("CONNECT * HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM)},
    {"authority-form: CONNECT without port", IN("CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY), AT(8)},
    {"authority-form: CONNECT with empty port", IN("CONNECT h: HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY), AT(8)},
    {"authority-form: CONNECT with empty host", IN("CONNECT :443 HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY), AT(8)},
    /* RFC 9110 9.3.6: a CONNECT request has no content; what follows the head is tunnel */
    {"CONNECT with Content-Length: 0",
     IN("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nContent-Length: 0\r\n\r\n"), .method = "CONNECT",
     .target = "h:443", .form = HTTP_TARGET_AUTHORITY, .host = "h:443",
     .fields = "Host: h:443\nContent-Length: 0\n", .framing = HTTP_FRAMING_LENGTH},
    {"CONNECT with content",
     IN("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nContent-Length: 5\r\n\r\n"),
     REJECT(CONNECT_WITH_CONTENT), AT(37)},
    {"CONNECT with a chunked body",
     IN("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nTransfer-Encoding: chunked\r\n\r\n"),
     REJECT(CONNECT_WITH_CONTENT), AT(37)},
    {"authority-form: CONNECT with userinfo", IN("CONNECT u@h:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY)},
    {"target: no form at all", IN("GET p HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_FORM), AT(4)},

    /* 3.2.4 asterisk-form, for OPTIONS only */
    {"asterisk-form: OPTIONS", IN("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), .method = "OPTIONS",
     .target = "*", .form = HTTP_TARGET_ASTERISK},
    {"asterisk-form: OPTIONS may use origin-form", IN("OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n"),
     .method = "OPTIONS", .target = "/x"},
    {"asterisk-form: with GET", IN("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(TARGET_FORM)},
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1); not http(s),
     * so userinfo is allowed and the authority may be empty */
    {"absolute-form: other scheme, every scheme character",
     IN("GET a0z9+-.AZ:x HTTP/1.1\r\nHost: h\r\n\r\n"), .target = "a0z9+-.AZ:x",
     .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: scheme starting with Z", IN("GET Z:x HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "Z:x", .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: scheme starting with z, then a digit",
     IN("GET z9:x HTTP/1.1\r\nHost: h\r\n\r\n"), .target = "z9:x", .form = HTTP_TARGET_ABSOLUTE,
     .host = "h", .fields = "Host: h\n"},
    {"absolute-form: '_' in a scheme", IN("GET a_b:x HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM), AT(5)},
    {"absolute-form: scheme starting with a digit", IN("GET 1a:x HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM), AT(4)},
    {"absolute-form: other scheme, userinfo and IP-literal",
     IN("GET x://u:p@[::1]:1/ HTTP/1.1\r\nHost: h\r\n\r\n"), .target = "x://u:p@[::1]:1/",
     .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: other scheme, empty authority", IN("GET x:// HTTP/1.1\r\nHost: h\r\n\r\n"),
     .target = "x://", .form = HTTP_TARGET_ABSOLUTE, .host = "h", .fields = "Host: h\n"},
    {"absolute-form: '[' in userinfo", IN("GET x://u[@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY), AT(8)},
    {"absolute-form: ']' in userinfo", IN("GET x://u]@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY), AT(8)},
    {"absolute-form: brackets outside an authority", IN("GET x:a[b] HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_CHAR), AT(6)},
    {"absolute-form: brackets in the path", IN("GET http://h/[ HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_CHAR), AT(12)},
    {"absolute-form: http, nothing after //", IN("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_AUTHORITY), AT(11)},
    {"absolute-form: '@' is no letter", IN("GET @:x HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM), AT(4)},
    {"absolute-form: '@' inside a scheme", IN("GET a@:x HTTP/1.1\r\nHost: h\r\n\r\n"),
     REJECT(TARGET_FORM), AT(5)},
};

/* ---- RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive ---------- */

static const struct req_row version_rows[] = {
    {"version: HTTP/1.0", IN("GET / HTTP/1.0\r\n\r\n"), .v10 = true, .no_host = true, .fields = ""},
    {"version: HTTP/1.1", IN("GET / HTTP/1.1\r\nHost: a\r\n\r\n")},
    /* RFC 9110 15.6.6: well-formed but not ours: 505 */
    {"version: HTTP/2.0", IN("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), REJECT(VERSION_UNSUPPORTED),
     .code = 505, AT(6)},
    {"version: HTTP/1.2", IN("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), REJECT(VERSION_UNSUPPORTED),
     .code = 505, AT(6)},
    {"version: HTTP/0.9", IN("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), REJECT(VERSION_UNSUPPORTED),
     .code = 505, AT(6)},
    {"version: HTTP/9.9", IN("GET / HTTP/9.9\r\nHost: a\r\n\r\n"), REJECT(VERSION_UNSUPPORTED),
     .code = 505, AT(6)},
    {"version: lower-case name", IN("GET / http/1.1\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: HTTPS", IN("GET / HTTPS/1.1\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: two-digit minor", IN("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: no minor", IN("GET / HTTP/1\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: no minor digit", IN("GET / HTTP/1.\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: no dot", IN("GET / HTTP/11\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: letter for a digit", IN("GET / HTTP/1.x\r\nHost: a\r\n\r\n"), REJECT(VERSION),
     AT(6)},
    {"version: trailing byte", IN("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), REJECT(VERSION), AT(6)},
    {"version: ':' for the major digit", IN("GET / HTTP/:.1\r\nHost: a\r\n\r\n"), REJECT(VERSION),
     AT(6)},
};

/* ---- RFC 9112 2.2: CRLF ends every line; no bare LF, no bare CR -------------------- */

static const struct req_row crlf_rows[] = {
    {"bare LF: ends the request-line", IN("GET / HTTP/1.1\nHost: a\r\n\r\n"), REJECT(BARE_LF),
     AT(14)},
    {"bare LF: ends a field line", IN("GET / HTTP/1.1\r\nHost: a\n\r\n"), REJECT(BARE_LF), AT(23)},
    {"bare LF: is the empty line", IN("GET / HTTP/1.1\r\nHost: a\r\n\n"), REJECT(BARE_LF), AT(25)},
    {"bare LF: first byte", IN("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(BARE_LF), AT(0)},
    {"bare LF: inside a field value", IN("GET / HTTP/1.1\r\nHost: a\r\nX: b\nc\r\n\r\n"),
     REJECT(BARE_LF), AT(29)},
    {"bare CR: after the request-line", IN("GET / HTTP/1.1\rHost: a\r\n\r\n"), REJECT(BARE_CR),
     AT(14)},
    {"bare CR: inside a field value", IN("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), REJECT(BARE_CR),
     AT(23)},
    {"bare CR: CR CR LF ends a field line", IN("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"),
     REJECT(BARE_CR), AT(23)},
    {"bare CR: instead of the empty line", IN("GET / HTTP/1.1\r\nHost: a\r\n\rX"), REJECT(BARE_CR),
     AT(25)},
    /* a CR right after the target reads as "GET /" CRLF, a request with no version */
    {"bare CR: right after the target", IN("GET /\rx HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(VERSION),
     AT(5)},
    {"bare LF: right after the target", IN("GET /\nx HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(BARE_LF),
     AT(5)},
    {"bare LF: right after a field name", IN("GET / HTTP/1.1\r\nHost: a\r\nX\n\r\n"),
     REJECT(BARE_LF), AT(26)},
    /* the line ends badly before its field is acted on: not HOST_DUPLICATE */
    {"bare CR: ends a second Host line", IN("GET / HTTP/1.1\r\nHost: a\r\nHost: b\rX\r\n\r\n"),
     REJECT(BARE_CR), AT(32)},
};

/* ---- RFC 9112 2.2: one CRLF before the request-line may be ignored ----------------- */

static const struct req_row empty_line_rows[] = {
    {"leading CRLF: one is ignored", IN("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")},
    {"leading CRLF: two", IN("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(EMPTY_LINE),
     AT(2)},
    {"leading CRLF: only empty lines", IN("\r\n\r\n"), REJECT(EMPTY_LINE), AT(2)},
    {"leading CRLF: then a bare LF", IN("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(BARE_LF),
     AT(2)},
    {"leading CRLF: then SP", IN("\r\n GET / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(2)},
    {"leading SP", IN(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), REJECT(METHOD), AT(0)},
};

/* ---- RFC 9112 2.2, 5, 5.2; RFC 9110 5.1, 5.5: field lines ------------------------- */

/* clang-format off */
static const struct req_row field_rows[] = {
    /* 2.2: whitespace before the first field line: reject (smuggling) */
    {"field: SP after the request-line", IN("GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
     REJECT(WHITESPACE_AFTER_REQUEST_LINE), AT(16)},
    {"field: HTAB after the request-line", IN("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n"),
     REJECT(WHITESPACE_AFTER_REQUEST_LINE), AT(16)},
    /* 5.2: obs-fold is rejected */
    {"field: obs-fold with SP", IN("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"),
     REJECT(OBS_FOLD), AT(31)},
    {"field: obs-fold with HTAB", IN("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n"),
     REJECT(OBS_FOLD), AT(31)},
    /* 5.1: no whitespace between field name and colon */
    {"field: SP before colon", IN("GET / HTTP/1.1\r\nHost :a\r\n\r\n"),
     REJECT(WHITESPACE_BEFORE_COLON), AT(20)},
    {"field: HTAB before colon", IN("GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n"),
     REJECT(WHITESPACE_BEFORE_COLON), AT(26)},
    /* RFC 9110 5.1: field-name = token */
    {"field: name of every tchar",
     IN("GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09AZaz: x\r\n\r\n"),
     .fields = "Host: a\n!#$%&'*+-.^_`|~09AZaz: x\n"},
    {"field: empty name", IN("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"), REJECT(FIELD_NAME),
     AT(25)},
    {"field: '@' in name", IN("GET / HTTP/1.1\r\nHost: a\r\nX@Y: v\r\n\r\n"), REJECT(FIELD_NAME),
     AT(26)},
    {"field: DQUOTE in name", IN("GET / HTTP/1.1\r\nHost: a\r\nX\"Y: v\r\n\r\n"),
     REJECT(FIELD_NAME), AT(26)},
    {"field: byte 0x80 in name", IN("GET / HTTP/1.1\r\nHost: a\r\nX\x80: v\r\n\r\n"),
     REJECT(FIELD_NAME), AT(26)},
    {"field: NUL in name", IN("GET / HTTP/1.1\r\nHost: a\r\nX\0: v\r\n\r\n"), REJECT(FIELD_NAME),
     AT(26)},
    {"field: no colon", IN("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), REJECT(FIELD_NAME),
     AT(32)},
    /* RFC 9110 5.5: field-value = *field-content: VCHAR, obs-text, SP, HTAB */
    {"field: value with obs-text",
     IN("GET / HTTP/1.1\r\nHost: a\r\nX: a\x80\xff"
        "b\r\n\r\n"),
     .fields = "Host: a\nX: a\x80\xff"
               "b\n"},
    {"field: value keeps inner SP and HTAB", IN("GET / HTTP/1.1\r\nHost: a\r\nX: a \t b\r\n\r\n"),
     .fields = "Host: a\nX: a \t b\n"},
    {"field: leading and trailing OWS trimmed",
     IN("GET / HTTP/1.1\r\nHost: a\r\nX: \t a b \t \r\n\r\n"), .fields = "Host: a\nX: a b\n"},
    {"field: no OWS", IN("GET / HTTP/1.1\r\nHost: a\r\nX:v\r\n\r\n"), .fields = "Host: a\nX: v\n"},
    {"field: empty value", IN("GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n"),
     .fields = "Host: a\nX: \n"},
    {"field: value of only OWS", IN("GET / HTTP/1.1\r\nHost: a\r\nX: \t \r\n\r\n"),
     .fields = "Host: a\nX: \n"},
    {"field: colons in the value", IN("GET / HTTP/1.1\r\nHost: a\r\nX: a:b: c\r\n\r\n"),
     .fields = "Host: a\nX: a:b: c\n"},
    {"field: NUL in value", IN("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"), REJECT(FIELD_VALUE),
     AT(29)},
    {"field: DEL in value",
     IN("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f"
        "b\r\n\r\n"),
     REJECT(FIELD_VALUE), AT(29)},
    {"field: control byte in value",
     IN("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01"
        "b\r\n\r\n"),
     REJECT(FIELD_VALUE), AT(29)},
    {"field: ESC in value",
     IN("GET / HTTP/1.1\r\nHost: a\r\nX: a\x1b"
        "b\r\n\r\n"),
     REJECT(FIELD_VALUE), AT(29)},
    /* names that differ from one the parser acts on in one bit of one byte are other fields */
    {"fields: Iost is not Host", IN("GET / HTTP/1.1\r\nHost: a\r\nIost: b\r\n\r\n"),
     .fields = "Host: a\nIost: b\n"},
};
/* clang-format on */

/* ---- RFC 9112 3.2, RFC 9110 7.2: Host ---------------------------------------------- */

static const struct req_row host_rows[] = {
    {"Host: name is case-insensitive", IN("GET / HTTP/1.1\r\nhOST: a\r\n\r\n"),
     .fields = "hOST: a\n"},
    {"Host: OWS trimmed", IN("GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n")},
    {"Host: missing in HTTP/1.1", IN("GET / HTTP/1.1\r\nX: y\r\n\r\n"), REJECT(HOST_MISSING),
     AT(22)},
    {"Host: missing in HTTP/1.0 is fine", IN("GET / HTTP/1.0\r\nX: y\r\n\r\n"), .v10 = true,
     .no_host = true, .fields = "X: y\n"},
    {"Host: present in HTTP/1.0", IN("GET / HTTP/1.0\r\nHost: a\r\n\r\n"), .v10 = true},
    {"Host: empty value", IN("GET / HTTP/1.1\r\nHost:\r\n\r\n"), .host = "", .fields = "Host: \n"},
    {"Host: port", IN("GET / HTTP/1.1\r\nHost: a:8080\r\n\r\n"), .host = "a:8080",
     .fields = "Host: a:8080\n"},
    {"Host: empty port (RFC 3986 port = *DIGIT)", IN("GET / HTTP/1.1\r\nHost: a:\r\n\r\n"),
     .host = "a:", .fields = "Host: a:\n"},
    {"Host: IP-literal and port", IN("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
     .host = "[::1]:8080", .fields = "Host: [::1]:8080\n"},
    {"Host: reg-name characters", IN("GET / HTTP/1.1\r\nHost: a.b-c_d~%41!$&'()*+,;=\r\n\r\n"),
     .host = "a.b-c_d~%41!$&'()*+,;=", .fields = "Host: a.b-c_d~%41!$&'()*+,;=\n"},
    {"Host: two in HTTP/1.1", IN("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
     REJECT(HOST_DUPLICATE)},
    {"Host: two identical", IN("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"),
     REJECT(HOST_DUPLICATE)},
    {"Host: two in HTTP/1.0", IN("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
     REJECT(HOST_DUPLICATE)},
    {"Host: SP inside", IN("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: '/'", IN("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), REJECT(HOST_INVALID)},
    /* a byte other than ":" before digits is no port separator */
    {"Host: '/' before digits", IN("GET / HTTP/1.1\r\nHost: a/80\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: port not digits", IN("GET / HTTP/1.1\r\nHost: a:x\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: userinfo", IN("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: unclosed IP-literal", IN("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: bad pct-encoding", IN("GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: pct-encoded", IN("GET / HTTP/1.1\r\nHost: a%41\r\n\r\n"), .host = "a%41",
     .fields = "Host: a%41\n"},
    {"Host: bad pct-encoding first", IN("GET / HTTP/1.1\r\nHost: %zz\r\n\r\n"),
     REJECT(HOST_INVALID), AT(16)},
    {"Host: pct-encoding cut short", IN("GET / HTTP/1.1\r\nHost: a%4\r\n\r\n"),
     REJECT(HOST_INVALID)},
    {"Host: bad first hex digit", IN("GET / HTTP/1.1\r\nHost: a%z4\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: bad pct-encoding after a good one", IN("GET / HTTP/1.1\r\nHost: a%41%zz\r\n\r\n"),
     REJECT(HOST_INVALID)},
    {"Host: one-character IP-literal", IN("GET / HTTP/1.1\r\nHost: [a]\r\n\r\n"), .host = "[a]",
     .fields = "Host: [a]\n"},
    {"Host: IP-literal, empty port", IN("GET / HTTP/1.1\r\nHost: [::1]:\r\n\r\n"),
     .host = "[::1]:", .fields = "Host: [::1]:\n"},
    {"Host: port with 0 and 9", IN("GET / HTTP/1.1\r\nHost: a:09\r\n\r\n"), .host = "a:09",
     .fields = "Host: a:09\n"},
    {"Host: empty IP-literal", IN("GET / HTTP/1.1\r\nHost: []\r\n\r\n"), REJECT(HOST_INVALID)},
    {"Host: '[' inside an IP-literal", IN("GET / HTTP/1.1\r\nHost: [[]\r\n\r\n"),
     REJECT(HOST_INVALID)},
    {"Host: '[' later inside an IP-literal", IN("GET / HTTP/1.1\r\nHost: [a[b]\r\n\r\n"),
     REJECT(HOST_INVALID)},
    {"Host: IP-literal, then no ':'", IN("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n"),
     REJECT(HOST_INVALID)},
};

/* ---- RFC 9110 8.6, RFC 9112 6.3: Content-Length ------------------------------------ */

static const struct req_row content_length_rows[] = {
    {"Content-Length: body not consumed",
     HEAD_THEN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", "hello"),
     .method = "POST", .fields = "Host: a\nContent-Length: 5\n", .framing = HTTP_FRAMING_LENGTH,
     .content_length = 5},
    {"Content-Length: 0", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nContent-Length: 0\n", .framing = HTTP_FRAMING_LENGTH,
     .content_length = 0},
    {"Content-Length: leading zeros",
     IN("POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 007\r\n\r\n"), .method = "POST",
     .fields = "Host: a\ncontent-length: 007\n", .framing = HTTP_FRAMING_LENGTH,
     .content_length = 7},
    {"Content-Length: UINT64_MAX",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nContent-Length: 18446744073709551615\n",
     .framing = HTTP_FRAMING_LENGTH, .content_length = UINT64_MAX},
    {"Content-Length: HTTP/1.0", IN("POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n"),
     .method = "POST", .v10 = true, .no_host = true, .fields = "Content-Length: 3\n",
     .framing = HTTP_FRAMING_LENGTH, .content_length = 3},
    {"Content-Length: two equal lines",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nContent-Length: 5\nContent-Length: 5\n",
     .framing = HTTP_FRAMING_LENGTH, .content_length = 5},
    {"Content-Length: '+5'", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: '-1'", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: '5 5'", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: '0x5'", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: '5a'", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5a\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: empty", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: only OWS", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  \r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: list '5,5'", IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,5\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: list '5, 5'",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
     REJECT(CONTENT_LENGTH_INVALID)},
    {"Content-Length: UINT64_MAX + 1",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n"),
     REJECT(CONTENT_LENGTH_OVERFLOW)},
    {"Content-Length: twenty nines",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"),
     REJECT(CONTENT_LENGTH_OVERFLOW)},
    {"Content-Length: thirty digits",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 123456789012345678901234567890\r\n\r\n"),
     REJECT(CONTENT_LENGTH_OVERFLOW)},
    {"Content-Length: two differing lines",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
     REJECT(CONTENT_LENGTH_CONFLICT)},
    /* "the same decimal value": 5 and 05 are one value (rejecting is also allowed) */
    {"Content-Length: equal value, different spelling",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nContent-Length: 5\nContent-Length: 05\n",
     .framing = HTTP_FRAMING_LENGTH, .content_length = 5},
    {"CONNECT with one byte of content",
     IN("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nContent-Length: 1\r\n\r\n"),
     REJECT(CONNECT_WITH_CONTENT), AT(37)},
};

/* ---- RFC 9112 6.1, 6.3, 7; RFC 9110 5.6.1: Transfer-Encoding ---------------------- */

/* clang-format off */
static const struct req_row transfer_encoding_rows[] = {
    {"Transfer-Encoding: chunked",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), .method = "POST",
     .fields = "Host: a\nTransfer-Encoding: chunked\n", .framing = HTTP_FRAMING_CHUNKED},
    {"Transfer-Encoding: coding is case-insensitive",
     IN("POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: ChUnKeD\r\n\r\n"), .method = "POST",
     .fields = "Host: a\ntransfer-encoding: ChUnKeD\n", .framing = HTTP_FRAMING_CHUNKED},
    {"Transfer-Encoding: OWS around",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \t chunked \t\r\n\r\n"), .method = "POST",
     .fields = "Host: a\nTransfer-Encoding: chunked\n", .framing = HTTP_FRAMING_CHUNKED},
    {"Transfer-Encoding: body not consumed",
     HEAD_THEN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nTransfer-Encoding: chunked\n",
     .framing = HTTP_FRAMING_CHUNKED},
    /* RFC 9110 5.6.1: a recipient MUST accept (and ignore) empty list elements */
    {"Transfer-Encoding: trailing empty element",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n"), .method = "POST",
     .fields = "Host: a\nTransfer-Encoding: chunked,\n", .framing = HTTP_FRAMING_CHUNKED},
    {"Transfer-Encoding: leading empty elements",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , ,chunked\r\n\r\n"), .method = "POST",
     .fields = "Host: a\nTransfer-Encoding: , ,chunked\n", .framing = HTTP_FRAMING_CHUNKED},
    {"Transfer-Encoding: two empty elements at the end",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,,\r\n\r\n"), .method = "POST",
     .fields = "Host: a\nTransfer-Encoding: chunked,,\n", .framing = HTTP_FRAMING_CHUNKED},
    {"Transfer-Encoding: in HTTP/1.0", IN("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_HTTP10)},
    {"Transfer-Encoding: then Content-Length",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_WITH_CONTENT_LENGTH)},
    {"Transfer-Encoding: after Content-Length",
     IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_WITH_CONTENT_LENGTH)},
    {"Transfer-Encoding: chunked, gzip",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
     REJECT(CHUNKED_NOT_FINAL)},
    {"Transfer-Encoding: gzip alone",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
     REJECT(CHUNKED_NOT_FINAL)},
    {"Transfer-Encoding: chunked line, then gzip line",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: gzip\r\n\r\n"),
     REJECT(CHUNKED_NOT_FINAL)},
    {"Transfer-Encoding: chunked, chunked",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
     REJECT(CHUNKED_REPEATED)},
    {"Transfer-Encoding: two chunked lines",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"),
     REJECT(CHUNKED_REPEATED)},
    /* RFC 9112 6.1: an unknown coding is 501 */
    {"Transfer-Encoding: gzip, chunked",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
     REJECT(TRANSFER_CODING_UNSUPPORTED), .code = 501},
    {"Transfer-Encoding: gzip line, then chunked line",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"),
     REJECT(TRANSFER_CODING_UNSUPPORTED), .code = 501},
    {"Transfer-Encoding: empty", IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID)},
    {"Transfer-Encoding: only commas",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , ,\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID)},
    {"Transfer-Encoding: SP inside a coding",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun ked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID)},
    {"Transfer-Encoding: coding is not a token",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ch@nked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID)},
    /* transfer-coding = token *( OWS ";" OWS transfer-parameter ) (RFC 9110 10.1.4): with
     * parameters gzip is read, and then is unsupported (501); a bad parameter is 400 */
    {"Transfer-Encoding: a parameter",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;q=1, chunked\r\n\r\n"),
     REJECT(TRANSFER_CODING_UNSUPPORTED), .code = 501, AT(26)},
    {"Transfer-Encoding: OWS and BWS around a parameter",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip ; q = 1 , chunked\r\n\r\n"),
     REJECT(TRANSFER_CODING_UNSUPPORTED), .code = 501, AT(26)},
    {"Transfer-Encoding: quoted parameter with a quoted-pair",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=\"x\\\"y\", chunked\r\n\r\n"),
     REJECT(TRANSFER_CODING_UNSUPPORTED), .code = 501, AT(26)},
    {"Transfer-Encoding: empty quoted parameter, then another",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=\"\";b=c, chunked\r\n\r\n"),
     REJECT(TRANSFER_CODING_UNSUPPORTED), .code = 501, AT(26)},
    {"Transfer-Encoding: chunked takes no parameter",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: ';' without a parameter",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: parameter without '='",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: parameter without a value",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: unterminated quoted parameter",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=\"x, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: quoted parameter ends in a backslash",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=\"x\\\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: SP inside a parameter value",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=b c, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: bytes after a quoted parameter",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;a=\"x\"y, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    /* a coding that does not parse is a reject wherever it is in the list */
    {"Transfer-Encoding: parameter without a name",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;=1, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: parameters of no coding",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ;a=b, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: a bad parameter after empty elements (no name)",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,,gzip;=1, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: a bad parameter after empty elements (no '=')",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,,gzip;a, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: a bad parameter after empty elements (no value)",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,,gzip;a=, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: a bad parameter after empty elements (unterminated)",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,,gzip;a=\"x, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    {"Transfer-Encoding: no coding after empty elements",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,,@, chunked\r\n\r\n"),
     REJECT(TRANSFER_ENCODING_INVALID), AT(26)},
    /* every byte of the name counts: '_' for '-' is another field (no framing) */
    {"Transfer_Encoding is not Transfer-Encoding",
     IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n"), .method = "POST",
     .fields = "Host: a\nTransfer_Encoding: chunked\n"},
};
/* clang-format on */

/* ---- RFC 9112 9.3: persistence ----------------------------------------------------- */

static const struct req_row keep_alive_rows[] = {
    {"keep-alive: HTTP/1.1 default", IN("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), .conn = CONN_KEEP},
    {"keep-alive: HTTP/1.1 close", IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
     .fields = "Host: a\nConnection: close\n", .conn = CONN_CLOSE},
    {"keep-alive: close is case-insensitive",
     IN("GET / HTTP/1.1\r\nHost: a\r\nconnection: CLOSE\r\n\r\n"),
     .fields = "Host: a\nconnection: CLOSE\n", .conn = CONN_CLOSE},
    {"keep-alive: close inside a list",
     IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n"),
     .fields = "Host: a\nConnection: foo, close\n", .conn = CONN_CLOSE},
    {"keep-alive: close on a second Connection line",
     IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo\r\nConnection: close\r\n\r\n"),
     .fields = "Host: a\nConnection: foo\nConnection: close\n", .conn = CONN_CLOSE},
    {"keep-alive: close wins over keep-alive",
     IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n"),
     .fields = "Host: a\nConnection: keep-alive, close\n", .conn = CONN_CLOSE},
    {"keep-alive: 'closed' is not close",
     IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n"),
     .fields = "Host: a\nConnection: closed\n", .conn = CONN_KEEP},
    {"keep-alive: HTTP/1.0 default", IN("GET / HTTP/1.0\r\n\r\n"), .v10 = true, .no_host = true,
     .fields = "", .conn = CONN_CLOSE},
    /* an element that is not exactly one token is no option: "close x" does not close */
    {"keep-alive: 'close x' is not close",
     IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: close x\r\n\r\n"),
     .fields = "Host: a\nConnection: close x\n", .conn = CONN_KEEP},
    {"keep-alive: OWS around close still closes",
     IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo ,  close \t, bar\r\n\r\n"),
     .fields = "Host: a\nConnection: foo ,  close \t, bar\n", .conn = CONN_CLOSE},
    {"keep-alive: HTTP/1.0 'keep-alive x' is not keep-alive",
     IN("GET / HTTP/1.0\r\nConnection: keep-alive x\r\n\r\n"), .v10 = true, .no_host = true,
     .fields = "Connection: keep-alive x\n", .conn = CONN_CLOSE},
    {"keep-alive: HTTP/1.0 keep-alive", IN("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
     .v10 = true, .no_host = true, .fields = "Connection: keep-alive\n", .conn = CONN_KEEP},
    {"keep-alive: HTTP/1.0 Keep-Alive in a list",
     IN("GET / HTTP/1.0\r\nConnection: foo, Keep-Alive\r\n\r\n"), .v10 = true, .no_host = true,
     .fields = "Connection: foo, Keep-Alive\n", .conn = CONN_KEEP},
    {"keep-alive: HTTP/1.0 close", IN("GET / HTTP/1.0\r\nConnection: close\r\n\r\n"), .v10 = true,
     .no_host = true, .fields = "Connection: close\n", .conn = CONN_CLOSE},
    {"keep-alive: bonnection is not Connection",
     IN("GET / HTTP/1.1\r\nHost: a\r\nbonnection: close\r\n\r\n"),
     .fields = "Host: a\nbonnection: close\n", .conn = CONN_KEEP},
};

/* ---- RFC 9110 10.1.1: Expect ------------------------------------------------------- */

static const struct req_row expect_rows[] = {
    {"Expect: 100-continue", IN("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nExpect: 100-continue\n", .expect = true},
    {"Expect: case-insensitive", IN("POST / HTTP/1.1\r\nHost: a\r\nexpect: 100-Continue\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nexpect: 100-Continue\n", .expect = true},
    {"Expect: other expectation", IN("POST / HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n\r\n"),
     .method = "POST", .fields = "Host: a\nExpect: foo\n"},
    {"Expect: no field", IN("POST / HTTP/1.1\r\nHost: a\r\n\r\n"), .method = "POST"},
    /* "A server that receives a 100-continue expectation in an HTTP/1.0 request MUST
     * ignore that expectation." */
    {"Expect: ignored in HTTP/1.0", IN("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"),
     .method = "POST", .v10 = true, .no_host = true, .fields = "Expect: 100-continue\n"},
};

/* ---- incomplete heads and pipelining ----------------------------------------------- */

static const struct req_row incomplete_rows[] = {
    {"incomplete: empty input", IN(""), INCOMPLETE},
    {"incomplete: only a leading CRLF", IN("\r\n"), INCOMPLETE},
    {"incomplete: request-line without CRLF", IN("GET / HTTP/1.1"), INCOMPLETE},
    {"incomplete: CR at the end", IN("GET / HTTP/1.1\r\nHost: a\r\n\r"), INCOMPLETE},
    {"incomplete: no empty line", IN("GET / HTTP/1.1\r\nHost: a\r\n"), INCOMPLETE},
    {"pipelined: the next request is not consumed",
     HEAD_THEN("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET /b HTTP/1.1\r\nHost: a\r\n\r\n")},
    {"pipelined: garbage after the head is not looked at",
     HEAD_THEN("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "\n\r\0\xff")},
};

struct table {
    const char *name;
    const struct req_row *rows;
    size_t n;
};

/* clang-format off */
#define TABLE(t)                                                                                   \
    {                                                                                              \
#t, t, NROWS(t)                                                                            \
    }
/* clang-format on */
static const struct table all_tables[] = {
    TABLE(method_rows),         TABLE(space_rows),
    TABLE(target_rows),         TABLE(version_rows),
    TABLE(crlf_rows),           TABLE(empty_line_rows),
    TABLE(field_rows),          TABLE(host_rows),
    TABLE(content_length_rows), TABLE(transfer_encoding_rows),
    TABLE(keep_alive_rows),     TABLE(expect_rows),
    TABLE(incomplete_rows),
};

/* ---- checking one row -------------------------------------------------------------- */

static void print_bytes(const uint8_t *p, size_t n)
{
    fputc('"', stderr);
    for (size_t i = 0; i < n && i < 120; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            fputc(p[i], stderr);
        else
            fprintf(stderr, "\\x%02x", p[i]);
    }
    fputs(n > 120 ? "\"..." : "\"", stderr);
}

static void print_slice(struct ph_slice s)
{
    if (s.ptr == NULL)
        fputs("(null)", stderr);
    else
        print_bytes(s.ptr, s.len);
}

static bool slice_is(struct ph_slice s, const char *want)
{
    size_t n = strlen(want);
    return s.ptr != NULL && s.len == n && memcmp(s.ptr, want, n) == 0;
}

static bool slice_inside(struct ph_slice s, const uint8_t *buf, size_t len)
{
    return s.ptr == NULL ||
           (s.ptr >= buf && s.len <= len && s.ptr - buf <= (ptrdiff_t)(len - s.len));
}

static int check_slice(const struct req_row *r, const char *what, struct ph_slice got,
                       const char *want, const uint8_t *buf)
{
    if (!slice_inside(got, buf, r->len))
        return row_fail(r->label, "%s points outside the input", what);
    if (slice_is(got, want))
        return 0;
    fprintf(stderr, "  FAIL [%s] %s: got ", r->label, what);
    print_slice(got);
    fputs(", want ", stderr);
    print_bytes((const uint8_t *)want, strlen(want));
    fputc('\n', stderr);
    return 1;
}

/* want: one "name: value\n" per field, in order. */
static int check_fields(const struct req_row *r, const struct http_request *req, const char *want,
                        const uint8_t *buf)
{
    int bad = 0;
    size_t i = 0;
    const char *p = want;
    while (*p != '\0') {
        const char *colon = strchr(p, ':');
        const char *nl = strchr(p, '\n');
        if (colon == NULL || nl == NULL || colon > nl || colon[1] != ' ')
            return row_fail(r->label, "bad .fields in the test row");
        if (i >= req->num_headers)
            return row_fail(r->label, "fields: got %zu, want more", req->num_headers);
        struct ph_slice n = req->headers[i].name, v = req->headers[i].value;
        bool ok = n.ptr != NULL && v.ptr != NULL && n.len == (size_t)(colon - p) &&
                  memcmp(n.ptr, p, n.len) == 0 && v.len == (size_t)(nl - colon - 2) &&
                  memcmp(v.ptr, colon + 2, v.len) == 0;
        if (!ok) {
            fprintf(stderr, "  FAIL [%s] field %zu: got ", r->label, i);
            print_slice(n);
            fputs(" = ", stderr);
            print_slice(v);
            fputs(", want ", stderr);
            print_bytes((const uint8_t *)p, (size_t)(nl - p));
            fputc('\n', stderr);
            bad++;
        }
        if (!slice_inside(n, buf, r->len) || !slice_inside(v, buf, r->len))
            bad += row_fail(r->label, "field %zu points outside the input", i);
        i++;
        p = nl + 1;
    }
    if (req->num_headers != i)
        bad += row_fail(r->label, "num_headers: got %zu, want %zu", req->num_headers, i);
    return bad;
}

static int check_accept(const struct req_row *r, const struct http_request *req, const uint8_t *buf)
{
    int bad = 0;
    int minor = r->v10 ? 0 : 1;
    bool keep = r->conn == CONN_DEFAULT ? !r->v10 : r->conn == CONN_KEEP;
    size_t consumed = r->consumed != 0 ? r->consumed : r->len;

    bad += check_slice(r, "method", req->method, r->method ? r->method : "GET", buf);
    bad += check_slice(r, "target", req->target, r->target ? r->target : "/", buf);
    if (req->target_form != r->form)
        bad += row_fail(r->label, "target_form: got %d, want %d", req->target_form, r->form);
    if (req->minor_version != minor)
        bad += row_fail(r->label, "minor_version: got %d, want %d", req->minor_version, minor);
    bad += check_fields(r, req, r->fields ? r->fields : "Host: a\n", buf);
    if (r->no_host) {
        if (req->host.ptr != NULL)
            bad += row_fail(r->label, "host: got a value, want none");
    } else {
        bad += check_slice(r, "host", req->host, r->host ? r->host : "a", buf);
    }
    if (req->framing != r->framing)
        bad += row_fail(r->label, "framing: got %d, want %d", req->framing, r->framing);
    if (r->framing == HTTP_FRAMING_LENGTH && req->content_length != r->content_length)
        bad += row_fail(r->label, "content_length: got %llu, want %llu",
                        (unsigned long long)req->content_length,
                        (unsigned long long)r->content_length);
    if (req->keep_alive != keep)
        bad += row_fail(r->label, "keep_alive: got %d, want %d", req->keep_alive, keep);
    if (req->expect_continue != r->expect)
        bad +=
            row_fail(r->label, "expect_continue: got %d, want %d", req->expect_continue, r->expect);
    if (req->consumed != consumed)
        bad += row_fail(r->label, "consumed: got %zu, want %zu", req->consumed, consumed);
    return bad;
}

static enum ph_status row_status(const struct req_row *r)
{
    if (r->error != HTTP_ERR_NONE)
        return PH_REJECT;
    return r->incomplete ? PH_INCOMPLETE : PH_OK;
}

/* http.h: "a reject always leaves the same state": the state of a fresh call, every
 * output but the error and its offset as the reset leaves it, nothing half-parsed. */
static int check_reset(const struct req_row *r, const struct http_request *req)
{
    if (req->method.ptr != NULL || req->method.len != 0 || req->target.ptr != NULL ||
        req->target.len != 0 || req->host.ptr != NULL || req->host.len != 0 ||
        req->target_form != HTTP_TARGET_ORIGIN || req->minor_version != 0 ||
        req->num_headers != 0 || req->framing != HTTP_FRAMING_NONE || req->content_length != 0 ||
        req->keep_alive || req->expect_continue || req->consumed != 0)
        return row_fail(r->label, "a reject or an incomplete head left outputs behind");
    return 0;
}

/* Parses the row's input from a guard buffer and compares everything the row says. */
static int check_row(const struct req_row *r)
{
    uint8_t *buf = guard_buf_new(r->in, r->len);
    struct http_request req;
    memset(&req, 0, sizeof(req));
    enum ph_status st = parse(buf, r->len, &req);
    enum ph_status want = row_status(r);
    int bad = 0;

    if (st != want || req.error != r->error) {
        bad += row_fail(r->label, "got %s %s (at %zu), want %s %s", ph_status_name(st),
                        http_error_name(req.error), req.error_offset, ph_status_name(want),
                        http_error_name(r->error));
    } else if (want == PH_REJECT) {
        int code = r->code != 0 ? r->code : 400;
        if (http_error_status(req.error) != code)
            bad += row_fail(r->label, "http_error_status: got %d, want %d",
                            http_error_status(req.error), code);
        if (r->check_at && req.error_offset != r->at)
            bad += row_fail(r->label, "error_offset: got %zu, want %zu", req.error_offset, r->at);
        if (req.error_offset > r->len)
            bad += row_fail(r->label, "error_offset %zu past the input", req.error_offset);
    } else if (want == PH_OK) {
        bad += check_accept(r, &req, buf);
    }
    if (st != PH_OK)
        bad += check_reset(r, &req);
    else if (req.error_offset != 0)
        bad += row_fail(r->label, "accepted with error_offset %zu", req.error_offset);
    guard_buf_free(buf, r->len);
    return bad;
}

static void test_method(void **state)
{
    (void)state;
    RUN_TABLE(method_rows, check_row);
}

static void test_request_line_space(void **state)
{
    (void)state;
    RUN_TABLE(space_rows, check_row);
}

static void test_target(void **state)
{
    (void)state;
    RUN_TABLE(target_rows, check_row);
}

static void test_version(void **state)
{
    (void)state;
    RUN_TABLE(version_rows, check_row);
}

static void test_crlf(void **state)
{
    (void)state;
    RUN_TABLE(crlf_rows, check_row);
}

static void test_leading_empty_line(void **state)
{
    (void)state;
    RUN_TABLE(empty_line_rows, check_row);
}

static void test_fields(void **state)
{
    (void)state;
    RUN_TABLE(field_rows, check_row);
}

static void test_host(void **state)
{
    (void)state;
    RUN_TABLE(host_rows, check_row);
}

static void test_content_length(void **state)
{
    (void)state;
    RUN_TABLE(content_length_rows, check_row);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    RUN_TABLE(transfer_encoding_rows, check_row);
}

static void test_keep_alive(void **state)
{
    (void)state;
    RUN_TABLE(keep_alive_rows, check_row);
}

static void test_expect(void **state)
{
    (void)state;
    RUN_TABLE(expect_rows, check_row);
}

static void test_incomplete_and_pipelined(void **state)
{
    (void)state;
    RUN_TABLE(incomplete_rows, check_row);
}

struct outcome {
    enum ph_status status;
    enum http_error error;
    size_t error_offset;
    size_t consumed;
};

static struct outcome parse_exact(const char *in, size_t len)
{
    uint8_t *buf = guard_buf_new(in, len);
    struct http_request req;
    enum ph_status st = parse(buf, len, &req);
    struct outcome o = {st, req.error, req.error_offset, req.consumed};
    guard_buf_free(buf, len);
    return o;
}

static int check_prefix(const struct req_row *r, size_t k, const struct outcome *whole)
{
    struct outcome o = parse_exact(r->in, k);
    if (o.status == PH_INCOMPLETE)
        return 0;
    if (o.status == whole->status && o.error == whole->error &&
        o.error_offset == whole->error_offset && o.consumed == whole->consumed)
        return 0;
    return row_fail(r->label,
                    "prefix of %zu bytes: %s %s at %zu consumed %zu; whole: %s %s at %zu "
                    "consumed %zu",
                    k, ph_status_name(o.status), http_error_name(o.error), o.error_offset,
                    o.consumed, ph_status_name(whole->status), http_error_name(whole->error),
                    whole->error_offset, whole->consumed);
}

/* The split oracle on big inputs, at the places that matter: both ends and around the
 * limit. */
static int check_sampled_prefixes(const struct req_row *r, size_t limit)
{
    struct outcome whole = parse_exact(r->in, r->len);
    size_t ks[] = {0,     1,         r->len / 2, limit - 2, limit - 1,
                   limit, limit + 1, r->len - 2, r->len - 1};
    int bad = 0;
    for (size_t i = 0; i < NROWS(ks); i++)
        if (ks[i] < r->len)
            bad += check_prefix(r, ks[i], &whole);
    return bad;
}

/* ---- limits (http_limits.h): built at run time ------------------------------------- */

/* "GET /aaa... HTTP/1.1" of exactly line_len bytes, then CRLF and "Host: a" unless
 * `unterminated`. Returns the target in *target. */
static void request_line(struct bytes *b, struct bytes *target, size_t line_len, bool unterminated)
{
    size_t fixed = strlen("GET  HTTP/1.1");
    bytes_puts(target, "/");
    bytes_put_rep(target, 'a', line_len - fixed - 1);
    bytes_puts(b, "GET ");
    bytes_put(b, target->p, target->len);
    bytes_puts(b, " HTTP/1.1");
    if (!unterminated)
        bytes_puts(b, "\r\nHost: a\r\n\r\n");
}

static void test_request_line_limit(void **state)
{
    (void)state;
    int bad = 0;
    struct {
        const char *label;
        size_t line_len;
        bool unterminated;
        enum http_error error;
        bool incomplete;
    } cases[] = {
        /* RFC 9112 3: recipients SHOULD support request-lines of 8000 octets */
        {"request-line: 8000 bytes", 8000, false, HTTP_ERR_NONE, false},
        {"request-line: HTTP_MAX_REQUEST_LINE bytes", HTTP_MAX_REQUEST_LINE, false, HTTP_ERR_NONE,
         false},
        /* RFC 9112 3: 414 (URI Too Long) */
        {"request-line: one byte over", HTTP_MAX_REQUEST_LINE + 1, false, HTTP_ERR_TARGET_TOO_LONG,
         false},
        {"request-line: at the limit, no CRLF yet", HTTP_MAX_REQUEST_LINE, true, HTTP_ERR_NONE,
         true},
        {"request-line: over the limit with no CRLF yet is rejected now", HTTP_MAX_REQUEST_LINE + 1,
         true, HTTP_ERR_TARGET_TOO_LONG, false},
        {"request-line: far over the limit", 3 * HTTP_MAX_REQUEST_LINE, false,
         HTTP_ERR_TARGET_TOO_LONG, false},
    };
    for (size_t i = 0; i < NROWS(cases); i++) {
        struct bytes in = {0}, target = {0};
        request_line(&in, &target, cases[i].line_len, cases[i].unterminated);
        struct req_row r = {.label = cases[i].label,
                            .in = in.p,
                            .len = in.len,
                            .error = cases[i].error,
                            .code = 414,
                            .target = target.p,
                            .incomplete = cases[i].incomplete};
        bad += check_row(&r);
        bad += check_sampled_prefixes(&r, HTTP_MAX_REQUEST_LINE);
        free(in.p);
        free(target.p);
    }
    assert_int_equal(bad, 0);
}

static void test_header_count_limit(void **state)
{
    (void)state;
    int bad = 0;
    struct {
        const char *label;
        size_t fields; /* Host included */
        enum http_error error;
    } cases[] = {
        {"fields: HTTP_MAX_HEADERS", HTTP_MAX_HEADERS, HTTP_ERR_NONE},
        /* RFC 6585 5: 431 */
        {"fields: HTTP_MAX_HEADERS + 1", HTTP_MAX_HEADERS + 1, HTTP_ERR_TOO_MANY_HEADERS},
        {"fields: HTTP_MAX_HEADERS + 1 empty values", HTTP_MAX_HEADERS + 1,
         HTTP_ERR_TOO_MANY_HEADERS},
        /* a bad end of the head is found before the count matters */
        {"fields: HTTP_MAX_HEADERS, then a bare LF", HTTP_MAX_HEADERS, HTTP_ERR_BARE_LF},
    };
    for (size_t i = 0; i < NROWS(cases); i++) {
        struct bytes in = {0}, fields = {0};
        bool empty = strstr(cases[i].label, "empty") != NULL;
        bytes_puts(&in, "GET / HTTP/1.1\r\nHost: a\r\n");
        bytes_puts(&fields, "Host: a\n");
        for (size_t f = 1; f < cases[i].fields; f++) {
            char line[64];
            snprintf(line, sizeof(line), "X-%zu: %s\r\n", f, empty ? "" : "v");
            bytes_puts(&in, line);
            snprintf(line, sizeof(line), "X-%zu: %s\n", f, empty ? "" : "v");
            bytes_puts(&fields, line);
        }
        bool bare_lf = cases[i].error == HTTP_ERR_BARE_LF;
        bytes_puts(&in, bare_lf ? "\n" : "\r\n");
        struct req_row r = {.label = cases[i].label,
                            .in = in.p,
                            .len = in.len,
                            .error = cases[i].error,
                            .code = bare_lf ? 400 : 431,
                            .check_at = bare_lf,
                            .at = in.len - 1,
                            .fields = fields.p};
        bad += check_row(&r);
        bad += check_sampled_prefixes(&r, in.len - 2);
        free(in.p);
        free(fields.p);
    }
    assert_int_equal(bad, 0);
}

static void test_head_size_limit(void **state)
{
    (void)state;
    int bad = 0;
    struct {
        const char *label;
        size_t head_len;
        bool leading_crlf;
        size_t cut;        /* bytes cut from the end of the complete head */
        bool unterminated; /* all field-value bytes, no line end at all */
        enum http_error error;
        bool incomplete;
    } cases[] = {
        {"head: HTTP_MAX_HEAD_SIZE", HTTP_MAX_HEAD_SIZE, false, 0, false, HTTP_ERR_NONE, false},
        {"head: HTTP_MAX_HEAD_SIZE with a leading CRLF", HTTP_MAX_HEAD_SIZE, true, 0, false,
         HTTP_ERR_NONE, false},
        {"head: HTTP_MAX_HEAD_SIZE but its last byte", HTTP_MAX_HEAD_SIZE, false, 1, false,
         HTTP_ERR_NONE, true},
        /* RFC 6585 5: 431 */
        {"head: one byte over", HTTP_MAX_HEAD_SIZE + 1, false, 0, false, HTTP_ERR_HEAD_TOO_LARGE,
         false},
        {"head: one byte over, counting the leading CRLF", HTTP_MAX_HEAD_SIZE + 1, true, 0, false,
         HTTP_ERR_HEAD_TOO_LARGE, false},
        {"head: limit reached with no end in sight is rejected now", HTTP_MAX_HEAD_SIZE, false, 0,
         true, HTTP_ERR_HEAD_TOO_LARGE, false},
        {"head: over the limit with no end yet is rejected now", HTTP_MAX_HEAD_SIZE + 100, false, 0,
         true, HTTP_ERR_HEAD_TOO_LARGE, false},
    };
    for (size_t i = 0; i < NROWS(cases); i++) {
        const char *start = cases[i].leading_crlf ? "\r\nGET / HTTP/1.1\r\nHost: a\r\nX: "
                                                  : "GET / HTTP/1.1\r\nHost: a\r\nX: ";
        /* One long X field pads the head to head_len bytes. */
        const char *end = cases[i].unterminated ? "" : "\r\n\r\n";
        size_t pad = cases[i].head_len - strlen(start) - strlen(end);
        struct bytes in = {0}, fields = {0};
        bytes_puts(&in, start);
        bytes_put_rep(&in, 'v', pad);
        bytes_puts(&in, end);
        in.len -= cases[i].cut;
        bytes_puts(&fields, "Host: a\nX: ");
        bytes_put_rep(&fields, 'v', pad);
        bytes_puts(&fields, "\n");
        struct req_row r = {.label = cases[i].label,
                            .in = in.p,
                            .len = in.len,
                            .error = cases[i].error,
                            .code = 431,
                            .fields = fields.p,
                            .incomplete = cases[i].incomplete};
        bad += check_row(&r);
        bad += check_sampled_prefixes(&r, HTTP_MAX_HEAD_SIZE);
        free(in.p);
        free(fields.p);
    }
    assert_int_equal(bad, 0);
}

/* ---- properties over every row ----------------------------------------------------- */

/* Every strict prefix of an accepted head is PH_INCOMPLETE: the parser never decides
 * from bytes it has not seen. */
static void test_strict_prefixes_are_incomplete(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct req_row *r = &all_tables[t].rows[i];
            if (row_status(r) != PH_OK)
                continue;
            size_t head = r->consumed != 0 ? r->consumed : r->len;
            for (size_t k = 0; k < head; k++) {
                struct outcome o = parse_exact(r->in, k);
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

/* The stateless re-parse oracle: for every split k, parsing buf[0..k) is PH_INCOMPLETE
 * or identical to parsing the whole buffer. */
static void test_split_oracle(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct req_row *r = &all_tables[t].rows[i];
            struct outcome whole = parse_exact(r->in, r->len);
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

/* The fields every outcome defines; headers only up to num_headers. Bools are read as
 * bytes so that a field the parser forgot to reset is a mismatch, not UB. */
static bool same_outputs(const struct http_request *a, const struct http_request *b)
{
    uint8_t ab[2], bb[2];
    memcpy(&ab[0], &a->keep_alive, 1);
    memcpy(&ab[1], &a->expect_continue, 1);
    memcpy(&bb[0], &b->keep_alive, 1);
    memcpy(&bb[1], &b->expect_continue, 1);
    if (memcmp(&a->method, &b->method, sizeof(a->method)) != 0 ||
        memcmp(&a->target, &b->target, sizeof(a->target)) != 0 ||
        memcmp(&a->host, &b->host, sizeof(a->host)) != 0 ||
        memcmp(&a->target_form, &b->target_form, sizeof(a->target_form)) != 0 ||
        memcmp(&a->minor_version, &b->minor_version, sizeof(a->minor_version)) != 0 ||
        memcmp(&a->num_headers, &b->num_headers, sizeof(a->num_headers)) != 0 ||
        memcmp(&a->framing, &b->framing, sizeof(a->framing)) != 0 ||
        memcmp(&a->content_length, &b->content_length, sizeof(a->content_length)) != 0 ||
        memcmp(ab, bb, sizeof(ab)) != 0 || memcmp(&a->consumed, &b->consumed, sizeof(size_t)) ||
        memcmp(&a->error, &b->error, sizeof(a->error)) != 0 ||
        memcmp(&a->error_offset, &b->error_offset, sizeof(size_t)) != 0)
        return false;
    if (a->num_headers > HTTP_MAX_HEADERS)
        return false;
    for (size_t i = 0; i < a->num_headers; i++)
        if (memcmp(&a->headers[i], &b->headers[i], sizeof(a->headers[i])) != 0)
            return false;
    return true;
}

/* "Every call first resets its outputs": whatever the struct held before (zeros, junk,
 * the result of an earlier parse), the outcome is the same. */
static void test_outputs_reset(void **state)
{
    (void)state;
    int bad = 0;
    static struct http_request zero, junk, reused;
    static const char earlier[] = "POST /x HTTP/1.0\r\nHost: b\r\nContent-Length: 9\r\n"
                                  "Expect: 100-continue\r\nConnection: keep-alive\r\n\r\n";
    for (size_t t = 0; t < NROWS(all_tables); t++) {
        for (size_t i = 0; i < all_tables[t].n; i++) {
            const struct req_row *r = &all_tables[t].rows[i];
            uint8_t *buf = guard_buf_new(r->in, r->len);
            memset(&zero, 0, sizeof(zero));
            memset(&junk, 0xA5, sizeof(junk));
            parse(buf, r->len, &zero);
            parse(buf, r->len, &junk);
            parse((const uint8_t *)earlier, sizeof(earlier) - 1, &reused);
            parse(buf, r->len, &reused);
            if (!same_outputs(&zero, &junk))
                bad += row_fail(r->label, "outputs depend on what the struct held before (junk)");
            if (!same_outputs(&zero, &reused))
                bad += row_fail(r->label,
                                "outputs depend on what the struct held before (earlier parse)");
            guard_buf_free(buf, r->len);
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- http_strerror, http_error_name, http_error_status ----------------------------- */

struct error_spec {
    enum http_error error;
    int status;
    const char *name;
    const char *message;
};

/* clang-format off */
#define ERROR_SPEC(name, status, message) {HTTP_ERR_##name, status, #name, message},
/* clang-format on */
static const struct error_spec error_specs[] = {HTTP_ERRORS(ERROR_SPEC)};
#undef ERROR_SPEC

static void test_error_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < NROWS(error_specs); i++) {
        enum http_error e = error_specs[i].error;
        const char *msg = http_strerror(e), *name = http_error_name(e);
        int status = http_error_status(e);
        if (msg == NULL || msg[0] == '\0' || name == NULL || name[0] == '\0') {
            fprintf(stderr, "  FAIL [error %zu] empty message or name\n", i);
            bad++;
            continue;
        }
        /* The X-macro name, in whichever case ph-parse prints it. */
        if (strcasecmp(name, error_specs[i].name) != 0) {
            fprintf(stderr, "  FAIL [%s] name, want %s\n", name, error_specs[i].name);
            bad++;
        }
        if (strcmp(msg, error_specs[i].message) != 0) {
            fprintf(stderr, "  FAIL [%s] message \"%s\", want \"%s\"\n", name, msg,
                    error_specs[i].message);
            bad++;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(name, http_error_name(error_specs[j].error)) == 0) {
                fprintf(stderr, "  FAIL [%s] name used twice\n", name);
                bad++;
            }
        }
        bool allowed = e == HTTP_ERR_NONE ? status == 0
                                          : (status == 400 || status == 414 || status == 431 ||
                                             status == 501 || status == 502 || status == 505);
        if (!allowed || status != error_specs[i].status) {
            fprintf(stderr, "  FAIL [%s] status %d, header says %d\n", name, status,
                    error_specs[i].status);
            bad++;
        }
    }
    assert_int_equal((int)error_specs[0].error, 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method),
        cmocka_unit_test(test_request_line_space),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_leading_empty_line),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_expect),
        cmocka_unit_test(test_incomplete_and_pipelined),
        cmocka_unit_test(test_request_line_limit),
        cmocka_unit_test(test_header_count_limit),
        cmocka_unit_test(test_head_size_limit),
        cmocka_unit_test(test_strict_prefixes_are_incomplete),
        cmocka_unit_test(test_split_oracle),
        cmocka_unit_test(test_outputs_reset),
        cmocka_unit_test(test_error_table),
    };
    int failed = cmocka_run_group_tests_name("http_parse_request", tests, NULL, NULL);
    for (int isa = 0; isa < HTTP_ISA_COUNT; isa++) {
        const char *name = http_isa_name((enum http_isa)isa);
        parse = http_parse_request_for((enum http_isa)isa);
        if (parse == NULL) {
            print_message("http_parse_request_%s: not in this build or not on this CPU\n", name);
            continue;
        }
        char group[64];
        snprintf(group, sizeof(group), "http_parse_request_%s", name);
        failed +=
            _cmocka_run_group_tests(group, tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
    }
    return failed;
}
