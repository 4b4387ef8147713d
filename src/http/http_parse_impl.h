/*
 * Strict HTTP/1.1 request-head parser (RFC 9112, RFC 9110).
 *
 * Included once per instruction set by http_parse_<isa>.c, which defines HTTP_PARSE_ISA
 * (plain, sse2, ssse3, avx2): the scanners below are that set's, and the entry point is
 * http_parse_request_<isa> (http_parse_isa.h). Everything else here is the same C in each.
 *
 * One grammar rule per function, each working on offsets into the caller's buffer.
 * The end-of-input idiom is the same everywhere: a function that needs the byte at
 * `pos` first checks `pos == ps->end` and returns need_more(ps, pos). Limits are
 * positional (a byte past a limit is never accepted), so the verdict on a prefix of
 * the input is either PH_INCOMPLETE or exactly the verdict on the whole input.
 */
#ifndef HTTP_PARSE_ISA
#error "define HTTP_PARSE_ISA and include this from src/http/http_parse_<isa>.c"
#endif

#include <string.h>

#include "http.h"
#include "http_chars.h"
#include "http_field_line_impl.h"
#include "http_fields.h"
#include "http_token_impl.h"
#include "http_parse_isa.h"
#include "http_scan.h"

#define HTTP_ISA_PASTE2(name, isa) name##_##isa
#define HTTP_ISA_PASTE(name, isa) HTTP_ISA_PASTE2(name, isa)
#define HTTP_ISA_FN(name) HTTP_ISA_PASTE(name, HTTP_PARSE_ISA)
#define isa_scan_value HTTP_ISA_FN(http_scan_value)
#define isa_scan_target HTTP_ISA_FN(http_scan_target)
#define isa_scan_token HTTP_ISA_FN(http_scan_token)
#define isa_scan_reg_name HTTP_ISA_FN(http_scan_reg_name)

#define CR '\r'
#define LF '\n'
#define SP ' '
#define HTAB '\t'

struct parser {
    const uint8_t *buf;
    size_t end;        /* min(len, HTTP_MAX_HEAD_SIZE) */
    bool end_is_limit; /* end is the head-size limit rather than the end of input */
    struct http_request *req;

    size_t host_count;
    bool has_content_length;
    size_t cl_offset; /* the last Content-Length field line */
    bool has_transfer_encoding;
    bool is_connect;
    bool connection_close;
    bool connection_keep_alive;
    /* Transfer-Encoding codings across all its field lines (RFC 9110 5.3: one list). */
    struct http_te_list te;
    size_t te_offset; /* the last Transfer-Encoding field line */
};

static enum ph_status reject(struct parser *ps, enum http_error error, size_t at)
{
    ps->req->error = error;
    ps->req->error_offset = at;
    return PH_REJECT;
}

/* The byte at pos is not there: either the input ended (read more) or the head-size
 * limit did (431). */
static enum ph_status need_more(struct parser *ps, size_t pos)
{
    if (ps->end_is_limit)
        return reject(ps, HTTP_ERR_HEAD_TOO_LARGE, pos);
    return PH_INCOMPLETE;
}

/* Bytes as native-order words, for compares with words of literals. */
static inline uint16_t load2(const void *p)
{
    uint16_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

static inline uint32_t load4(const void *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

static inline uint64_t load8(const void *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

static struct ph_slice slice(const uint8_t *buf, size_t from, size_t to)
{
    struct ph_slice s = {buf + from, to - from};
    return s;
}

/* ---- CRLF ----------------------------------------------------------------------------- */

/* RFC 9112 2.2: lines end in CRLF; a bare CR is rejected, and so (strictly) is a bare LF.
 * The byte at pos is known to be CR. */
static enum ph_status expect_lf_after_cr(struct parser *ps, size_t *pos)
{
    size_t p = *pos + 1;
    if (p == ps->end)
        return need_more(ps, p);
    if (ps->buf[p] != LF)
        return reject(ps, HTTP_ERR_BARE_CR, *pos);
    *pos = p + 1;
    return PH_OK;
}

/* ---- request-target (RFC 9112 3.2, RFC 3986) ------------------------------------------ */

/* The request line may not reach line_limit; running into it is 414 rather than
 * "incomplete" or 431. */
static enum ph_status line_need_more(struct parser *ps, size_t pos, size_t line_limit)
{
    if (pos >= line_limit)
        return reject(ps, HTTP_ERR_TARGET_TOO_LONG, line_limit);
    return need_more(ps, pos);
}

/* pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 2.1). buf[*pos] is "%". */
static enum ph_status parse_pct_encoded(struct parser *ps, size_t *pos, size_t lim,
                                        size_t line_limit)
{
    for (size_t i = 1; i <= 2; i++) {
        size_t p = *pos + i;
        if (p >= lim)
            return line_need_more(ps, p, line_limit);
        if (http_hex_value[ps->buf[p]] == 0)
            return reject(ps, HTTP_ERR_TARGET_PERCENT, *pos);
    }
    *pos += 3;
    return PH_OK;
}

/* Scans target characters up to the SP that ends the request-target. With brackets,
 * "[" and "]" (IP-literal, RFC 3986 3.2.2) are let through for the caller to place. */
static inline __attribute__((always_inline)) enum ph_status
scan_target(struct parser *ps, size_t *pos, size_t lim, size_t line_limit, bool brackets)
{
    size_t p = *pos;
    for (;;) {
        p = isa_scan_target(ps->buf, p, lim);
        if (p == lim)
            return line_need_more(ps, p, line_limit);
        uint8_t c = ps->buf[p];
        if (c == '%') {
            enum ph_status st = parse_pct_encoded(ps, &p, lim, line_limit);
            if (st != PH_OK)
                return st;
            continue;
        }
        if (brackets && (c == '[' || c == ']')) {
            p++;
            continue;
        }
        if (c == SP)
            break;
        if (c == LF)
            return reject(ps, HTTP_ERR_BARE_LF, p);
        if (c == CR)
            return reject(ps, HTTP_ERR_VERSION, p); /* "GET /" alone: HTTP/0.9, no version */
        if (c == HTAB)
            return reject(ps, HTTP_ERR_REQUEST_LINE_SPACE, p);
        return reject(ps, HTTP_ERR_TARGET_CHAR, p);
    }
    *pos = p;
    return PH_OK;
}

/* authority = [ userinfo "@" ] host [ ":" port ] (RFC 3986 3.2), host being an
 * IP-literal in brackets or a reg-name; port = *DIGIT. The caller has checked the
 * characters, pct-encoded included; this checks their places. */
static bool valid_authority(struct ph_slice a, bool allow_userinfo, bool require_port)
{
    size_t i = 0;
    const uint8_t *at = memchr(a.ptr, '@', a.len);
    if (at != NULL) {
        if (!allow_userinfo)
            return false;
        i = (size_t)(at - a.ptr) + 1;
        /* userinfo has no brackets */
        if (memchr(a.ptr, '[', i) != NULL || memchr(a.ptr, ']', i) != NULL)
            return false;
    }
    if (i < a.len && a.ptr[i] == '[') {
        /* IP-literal = "[" ( IPv6address / IPvFuture ) "]" */
        const uint8_t *close = memchr(a.ptr + i, ']', a.len - i);
        if (close == NULL)
            return false;
        size_t close_at = (size_t)(close - a.ptr);
        if (close_at == i + 1)
            return false;
        for (size_t k = i + 1; k < close_at; k++) {
            if (!http_reg_name_char[a.ptr[k]] && a.ptr[k] != ':' && a.ptr[k] != '%')
                return false;
        }
        i = close_at + 1;
    } else {
        /* reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 3.2.2), up to
         * the ":" before the port, checked below with whatever else stops it */
        while (i < a.len && (http_reg_name_char[a.ptr[i]] || a.ptr[i] == '%'))
            i++;
    }
    if (i == a.len)
        return !require_port;
    if (a.ptr[i] != ':')
        return false;
    i++;
    if (require_port && i == a.len)
        return false;
    for (; i < a.len; i++) {
        if (a.ptr[i] < '0' || a.ptr[i] > '9')
            return false;
    }
    return true;
}

/* absolute-form = absolute-URI (RFC 9112 3.2.2): scheme ":" hier-part [ "?" query ].
 * For http and https, RFC 9110 4.2.1 and 4.2.4: a recipient rejects an empty host and
 * treats userinfo as an error. */
static enum ph_status check_absolute_form(struct parser *ps, size_t from, size_t to)
{
    const uint8_t *t = ps->buf + from;
    size_t n = to - from;
    size_t i = 0;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (n == 0 || !((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z'))
        return reject(ps, HTTP_ERR_TARGET_FORM, from);
    while (i < n && t[i] != ':') {
        uint8_t c = t[i];
        bool ok = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                  c == '-' || c == '.';
        if (!ok)
            return reject(ps, HTTP_ERR_TARGET_FORM, from + i);
        i++;
    }
    if (i == n)
        return reject(ps, HTTP_ERR_TARGET_FORM, from); /* no scheme: not a URI */
    struct ph_slice scheme = {t, i};
    bool is_http = http_token_equals(scheme, "http") || http_token_equals(scheme, "https");
    i++;

    bool has_authority = n - i >= 2 && t[i] == '/' && t[i + 1] == '/';
    if (!has_authority) {
        if (is_http)
            return reject(ps, HTTP_ERR_TARGET_AUTHORITY, from + i);
        /* brackets belong only in an authority */
        if (memchr(t + i, '[', n - i) != NULL || memchr(t + i, ']', n - i) != NULL)
            return reject(ps, HTTP_ERR_TARGET_CHAR, from + i);
        return PH_OK;
    }
    i += 2;
    size_t auth_start = i;
    while (i < n && t[i] != '/' && t[i] != '?')
        i++;
    struct ph_slice authority = {t + auth_start, i - auth_start};
    if (!valid_authority(authority, !is_http, false))
        return reject(ps, HTTP_ERR_TARGET_AUTHORITY, from + auth_start);
    if (is_http && (authority.len == 0 || authority.ptr[0] == ':'))
        return reject(ps, HTTP_ERR_TARGET_AUTHORITY, from + auth_start);
    if (memchr(t + i, '[', n - i) != NULL || memchr(t + i, ']', n - i) != NULL)
        return reject(ps, HTTP_ERR_TARGET_CHAR, from + i);
    return PH_OK;
}

/* request-target (RFC 9112 3.2), up to the SP after it. The method decides which forms
 * are allowed: authority-form only and always for CONNECT (3.2.3), asterisk-form only
 * for OPTIONS (3.2.4). */
static enum ph_status parse_target(struct parser *ps, size_t *pos, size_t lim, size_t line_limit)
{
    struct http_request *req = ps->req;
    bool is_connect = req->method.len == 7 && memcmp(req->method.ptr, "CONNECT", 7) == 0;
    ps->is_connect = is_connect;
    bool is_options = req->method.len == 7 && memcmp(req->method.ptr, "OPTIONS", 7) == 0;
    size_t start = *pos;
    if (start == lim)
        return line_need_more(ps, start, line_limit);
    uint8_t first = ps->buf[start];
    enum ph_status st;

    if (first == '*') {
        size_t p = start + 1;
        if (p == lim)
            return line_need_more(ps, p, line_limit);
        if (ps->buf[p] != SP || !is_options)
            return reject(ps, HTTP_ERR_TARGET_FORM, start);
        req->target_form = HTTP_TARGET_ASTERISK;
        *pos = p;
    } else if (first == '/') {
        st = scan_target(ps, pos, lim, line_limit, false);
        if (st != PH_OK)
            return st;
        if (is_connect)
            return reject(ps, HTTP_ERR_TARGET_FORM, start);
        req->target_form = HTTP_TARGET_ORIGIN;
    } else if (first == SP) {
        return reject(ps, HTTP_ERR_REQUEST_LINE_SPACE, start);
    } else {
        st = scan_target(ps, pos, lim, line_limit, true);
        if (st != PH_OK)
            return st;
        if (is_connect) {
            struct ph_slice authority = slice(ps->buf, start, *pos);
            if (!valid_authority(authority, false, true) || authority.ptr[0] == ':')
                return reject(ps, HTTP_ERR_TARGET_AUTHORITY, start);
            req->target_form = HTTP_TARGET_AUTHORITY;
        } else {
            st = check_absolute_form(ps, start, *pos);
            if (st != PH_OK)
                return st;
            req->target_form = HTTP_TARGET_ABSOLUTE;
        }
    }
    req->target = slice(ps->buf, start, *pos);
    return PH_OK;
}

/* ---- request-line (RFC 9112 3) -------------------------------------------------------- */

/* HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 2.3), case-sensitive, then CRLF.
 * A well-formed version other than 1.0 and 1.1 is 505 (RFC 9110 15.6.6). */
static enum ph_status parse_version(struct parser *ps, size_t *pos, size_t line_limit)
{
    static const size_t version_len = 8; /* "HTTP/x.y" */
    size_t p = *pos;
    const uint8_t *v = ps->buf + p;
    /* The common case, "HTTP/1.1" or "HTTP/1.0" and CRLF inside the limit, in two word
     * compares; anything else takes the checks below, which name what is wrong. */
    if (line_limit - p >= version_len && ps->end - p >= version_len + 2 &&
        load2(v + version_len) == load2("\r\n")) {
        uint64_t word = load8(v);
        if (word == load8("HTTP/1.1") || word == load8("HTTP/1.0")) {
            ps->req->minor_version = v[7] - '0';
            *pos = p + version_len + 2;
            return PH_OK;
        }
    }
    /* The caller has checked that buf[p] is there. */
    if (ps->buf[p] == SP || ps->buf[p] == HTAB)
        return reject(ps, HTTP_ERR_REQUEST_LINE_SPACE, p);
    if (line_limit - p < version_len)
        return reject(ps, HTTP_ERR_TARGET_TOO_LONG, line_limit);
    if (ps->end - p <= version_len)
        return need_more(ps, ps->end);
    bool digits = v[5] >= '0' && v[5] <= '9' && v[7] >= '0' && v[7] <= '9';
    if (memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || !digits)
        return reject(ps, HTTP_ERR_VERSION, p);
    p += version_len;
    if (ps->buf[p] == LF)
        return reject(ps, HTTP_ERR_BARE_LF, p);
    if (ps->buf[p] != CR)
        return reject(ps, HTTP_ERR_VERSION, *pos);
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return reject(ps, HTTP_ERR_VERSION_UNSUPPORTED, *pos);
    ps->req->minor_version = v[7] - '0';
    enum ph_status st = expect_lf_after_cr(ps, &p);
    if (st != PH_OK)
        return st;
    *pos = p;
    return PH_OK;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3), with exactly
 * one SP between the parts: splitting on other whitespace invites smuggling (3, 3.2). */
static enum ph_status parse_request_line(struct parser *ps, size_t *pos)
{
    struct http_request *req = ps->req;
    size_t start = *pos;
    size_t line_limit = start + HTTP_MAX_REQUEST_LINE;
    size_t lim = ps->end < line_limit ? ps->end : line_limit;

    /* method = token (RFC 9112 3.1); GET, most requests' method, in one word compare */
    size_t p;
    if (lim - start >= 4 && load4(ps->buf + start) == load4("GET "))
        p = start + 3;
    else
        p = isa_scan_token(ps->buf, start, lim);
    if (p == lim)
        return line_need_more(ps, p, line_limit);
    uint8_t c = ps->buf[p];
    if (c == LF)
        return reject(ps, HTTP_ERR_BARE_LF, p);
    if (c == CR && p == start) /* a second empty line */
        return reject(ps, HTTP_ERR_EMPTY_LINE, p);
    if (c == HTAB)
        return reject(ps, HTTP_ERR_REQUEST_LINE_SPACE, p);
    if (c != SP || p == start)
        return reject(ps, HTTP_ERR_METHOD, p);
    req->method = slice(ps->buf, start, p);
    p++;

    enum ph_status st = parse_target(ps, &p, lim, line_limit);
    if (st != PH_OK)
        return st;
    p++; /* the SP after the target */
    if (p == lim)
        return line_need_more(ps, p, line_limit);
    st = parse_version(ps, &p, line_limit);
    if (st != PH_OK)
        return st;
    *pos = p;
    return PH_OK;
}

/* ---- fields the parser acts on (RFC 9112 6, 9; RFC 9110 7.2, 7.6.1, 10.1.1) ---------- */

/* Host = uri-host [ ":" port ] (RFC 9110 7.2), no userinfo: a reg-name, pct-encoded
 * allowed, then an optional ":" and digits. The common case, in one pass; an IP-literal
 * ("[") takes valid_authority(). The value is buf[from..to): the scan is given the whole
 * head before it, so that a short name still takes one vector load (ending at `to`) rather
 * than the byte loop the scanners keep for inputs under 16 bytes. Returns false where
 * on_host must reject. */
static bool host_is_reg_name_port(const uint8_t *buf, size_t from, size_t to)
{
    size_t i = from;
    for (;;) {
        i = isa_scan_reg_name(buf, i, to);
        if (i == to || buf[i] != '%')
            break;
        /* pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 2.1) */
        if (to - i < 3 || !http_hex_value[buf[i + 1]] || !http_hex_value[buf[i + 2]])
            return false;
        i += 3;
    }
    if (i == to)
        return true;
    if (buf[i] != ':')
        return false;
    for (i++; i < to; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return false;
    }
    return true;
}

/* Host = uri-host [ ":" port ] (RFC 9110 7.2); more than one is 400 (RFC 9112 3.2). */
static enum ph_status on_host(struct parser *ps, struct ph_slice value, size_t line)
{
    if (++ps->host_count > 1)
        return reject(ps, HTTP_ERR_HOST_DUPLICATE, line);
    if (value.len == 0 || value.ptr[0] != '[') {
        size_t from = (size_t)(value.ptr - ps->buf);
        if (!host_is_reg_name_port(ps->buf, from, from + value.len))
            return reject(ps, HTTP_ERR_HOST_INVALID, line);
        ps->req->host = value;
        return PH_OK;
    }
    for (size_t i = 0; i < value.len; i++) {
        uint8_t c = value.ptr[i];
        if (http_authority_char[c])
            continue;
        /* pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 2.1) */
        if (c != '%' || value.len - i < 3 || !http_hex_value[value.ptr[i + 1]] ||
            !http_hex_value[value.ptr[i + 2]])
            return reject(ps, HTTP_ERR_HOST_INVALID, line);
        i += 2;
    }
    if (!valid_authority(value, false, false))
        return reject(ps, HTTP_ERR_HOST_INVALID, line);
    ps->req->host = value;
    return PH_OK;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6). Strictly digits: no sign, no list, no
 * whitespace inside; identical repeats are allowed, differing ones are not (RFC 9112
 * 6.3 item 5: a request with an invalid length is unrecoverable). */
static enum ph_status on_content_length(struct parser *ps, struct ph_slice value, size_t line)
{
    uint64_t n = 0;
    enum http_error e = http_content_length_value(value, &n);
    if (e != HTTP_ERR_NONE)
        return reject(ps, e, line);
    if (ps->has_content_length && ps->req->content_length != n)
        return reject(ps, HTTP_ERR_CONTENT_LENGTH_CONFLICT, line);
    /* RFC 9112 6.1: a request with both is a smuggling attempt; refuse it outright. */
    if (ps->has_transfer_encoding)
        return reject(ps, HTTP_ERR_TRANSFER_ENCODING_WITH_CONTENT_LENGTH, line);
    ps->has_content_length = true;
    ps->cl_offset = line;
    ps->req->content_length = n;
    return PH_OK;
}

/* Transfer-Encoding = #transfer-coding (RFC 9112 6.1). The list may span several field
 * lines; its checks run when the head is complete (check_framing). Not in HTTP/1.0
 * (RFC 9112 6.1: its framing would be faulty) and not with Content-Length. */
static enum ph_status on_transfer_encoding(struct parser *ps, struct ph_slice v, size_t line)
{
    if (ps->req->minor_version == 0)
        return reject(ps, HTTP_ERR_TRANSFER_ENCODING_HTTP10, line);
    if (ps->has_content_length)
        return reject(ps, HTTP_ERR_TRANSFER_ENCODING_WITH_CONTENT_LENGTH, line);
    ps->has_transfer_encoding = true;
    ps->te_offset = line;

    /* RFC 9110 5.6.1 empty elements, RFC 9112 7 chunked without parameters: the rules
     * every message kind shares (http_fields.c). */
    enum http_error e = http_te_value(v, &ps->te);
    if (e != HTTP_ERR_NONE)
        return reject(ps, e, line);
    return PH_OK;
}

static enum ph_status on_field(struct parser *ps, struct ph_slice name, struct ph_slice value,
                               size_t line)
{
    switch (name.len) {
    case 4:
        if (http_token_equals(name, "host"))
            return on_host(ps, value, line);
        break;
    case 6:
        /* RFC 9110 10.1.1: a server MUST ignore 100-continue from an HTTP/1.0 client. */
        if (http_token_equals(name, "expect") && http_token_equals(value, "100-continue"))
            ps->req->expect_continue = ps->req->minor_version == 1;
        break;
    case 10:
        if (http_token_equals(name, "connection"))
            /* RFC 9110 7.6.1, RFC 9112 9.3: "close" and "keep-alive" decide persistence */
            http_connection_value(value, &ps->connection_close, &ps->connection_keep_alive);
        break;
    case 14:
        if (http_token_equals(name, "content-length"))
            return on_content_length(ps, value, line);
        break;
    case 17:
        if (http_token_equals(name, "transfer-encoding"))
            return on_transfer_encoding(ps, value, line);
        break;
    default:
        break;
    }
    return PH_OK;
}

/* ---- field lines (RFC 9112 5) --------------------------------------------------------- */

/* Constant, so that http_read_field_line, inlined, calls this set's scanners directly. */
static const struct http_field_reader request_field_reader = {
    .scan_token = isa_scan_token,
    .scan_value = isa_scan_value,
    .allow_bare_lf = false,
    .whitespace_first_err = HTTP_ERR_WHITESPACE_AFTER_REQUEST_LINE,
    .max_fields = HTTP_MAX_HEADERS,
};

/* *( field-line CRLF ) CRLF: field lines up to and including the empty line. */
static enum ph_status parse_fields(struct parser *ps, size_t *pos)
{
    struct http_request *req = ps->req;
    for (;;) {
        struct http_field_line f;
        enum ph_status st = http_read_field_line(&request_field_reader, ps->buf, *pos, ps->end,
                                                 req->num_headers, &f);
        if (st == PH_INCOMPLETE)
            return need_more(ps, f.at);
        if (st == PH_REJECT)
            return reject(ps, f.error, f.at);
        if (f.end_of_head) {
            *pos = f.next;
            return PH_OK;
        }
        struct http_header *h = &req->headers[req->num_headers++];
        h->name = f.name;
        h->value = f.value;
        st = on_field(ps, f.name, f.value, *pos);
        if (st != PH_OK)
            return st;
        *pos = f.next;
    }
}

/* ---- the complete head ---------------------------------------------------------------- */

/* Body framing (RFC 9112 6.3) and the rules that need every field line. */
static enum ph_status check_framing(struct parser *ps, size_t empty_line)
{
    struct http_request *req = ps->req;
    /* RFC 9112 3.2: an HTTP/1.1 request without Host is 400. */
    if (req->minor_version == 1 && ps->host_count == 0)
        return reject(ps, HTTP_ERR_HOST_MISSING, empty_line);

    if (ps->has_transfer_encoding) {
        /* RFC 9112 7: chunked at most once; 6.3 item 4: chunked must be final or the
         * length cannot be known (400); 6.1: codings we don't know are 501. */
        if (ps->te.chunked_count > 1)
            return reject(ps, HTTP_ERR_CHUNKED_REPEATED, ps->te_offset);
        if (!ps->te.last_is_chunked)
            return reject(ps, HTTP_ERR_CHUNKED_NOT_FINAL, ps->te_offset);
        if (ps->te.other_coding)
            return reject(ps, HTTP_ERR_TRANSFER_CODING_UNSUPPORTED, ps->te_offset);
        req->framing = HTTP_FRAMING_CHUNKED;
    } else if (ps->has_content_length) {
        req->framing = HTTP_FRAMING_LENGTH;
    }

    /* RFC 9110 9.3.6: "A CONNECT request message does not have content"; after the head
     * the bytes belong to the tunnel. A length or chunked body would make a front end
     * that tunnels and one that reads a body see different requests: smuggling. */
    if (ps->is_connect && (req->framing == HTTP_FRAMING_CHUNKED || req->content_length > 0)) {
        size_t at = req->framing == HTTP_FRAMING_CHUNKED ? ps->te_offset : ps->cl_offset;
        return reject(ps, HTTP_ERR_CONNECT_WITH_CONTENT, at);
    }

    /* RFC 9112 9.3: "close" ends persistence; HTTP/1.0 persists only on "keep-alive". */
    if (ps->connection_close)
        req->keep_alive = false;
    else
        req->keep_alive = req->minor_version == 1 || ps->connection_keep_alive;
    return PH_OK;
}

static void reset_request(struct http_request *req)
{
    req->method = (struct ph_slice){NULL, 0};
    req->target = (struct ph_slice){NULL, 0};
    req->target_form = HTTP_TARGET_ORIGIN;
    req->minor_version = 0;
    req->num_headers = 0;
    req->host = (struct ph_slice){NULL, 0};
    req->framing = HTTP_FRAMING_NONE;
    req->content_length = 0;
    req->keep_alive = false;
    req->expect_continue = false;
    req->consumed = 0;
    req->error = HTTP_ERR_NONE;
    req->error_offset = 0;
}

enum ph_status HTTP_ISA_FN(http_parse_request)(const uint8_t *buf, size_t len,
                                               struct http_request *req)
{
    reset_request(req);
    struct parser ps = {
        .buf = buf,
        .end = len < HTTP_MAX_HEAD_SIZE ? len : HTTP_MAX_HEAD_SIZE,
        .end_is_limit = len >= HTTP_MAX_HEAD_SIZE,
        .req = req,
    };
    size_t pos = 0;

    /* RFC 9112 2.2: a server SHOULD ignore at least one empty line (CRLF) received
     * before the request-line. We ignore exactly one. */
    if (pos == ps.end)
        return need_more(&ps, pos);
    if (buf[pos] == CR) {
        enum ph_status st = expect_lf_after_cr(&ps, &pos);
        if (st != PH_OK)
            return st;
    }

    enum ph_status st = parse_request_line(&ps, &pos);
    if (st == PH_OK)
        st = parse_fields(&ps, &pos);
    if (st == PH_OK)
        st = check_framing(&ps, pos - 2);
    if (st != PH_OK) {
        /* a reject or an incomplete head leaves no half-parsed fields behind */
        enum http_error error = req->error;
        size_t error_offset = req->error_offset;
        reset_request(req);
        req->error = error;
        req->error_offset = error_offset;
        return st;
    }
    req->consumed = pos;
    return PH_OK;
}
