/*
 * Strict HTTP/1.1 response-head parser (RFC 9112 4, 5, 6.3; RFC 9110).
 *
 * The same shape as the request parser (http_parse.c): one grammar rule per function over
 * offsets into the caller's buffer; a function that needs the byte at `pos` first checks
 * `pos == ps->end` and returns need_more(ps, pos); limits are positional. So a prefix of
 * the input parses as PH_INCOMPLETE or exactly as the whole input does.
 */
#include "http.h"

#include <string.h>

#include "http_chars.h"
#include "http_fields.h"
#include "http_token_impl.h"
#include "http_scan.h"

#define CR '\r'
#define LF '\n'
#define SP ' '
#define HTAB '\t'

struct parser {
    const uint8_t *buf;
    size_t end;        /* min(len, HTTP_MAX_HEAD_SIZE) */
    bool end_is_limit; /* end is the head-size limit rather than the end of input */
    struct http_response_options opt;
    struct http_response *res;

    bool has_content_length;
    bool has_transfer_encoding;
    size_t te_offset; /* the last Transfer-Encoding field line */
    struct http_te_list te;
    bool connection_close;
    bool connection_keep_alive;
};

static enum ph_status reject(struct parser *ps, enum http_error error, size_t at)
{
    ps->res->error = error;
    ps->res->error_offset = at;
    return PH_REJECT;
}

static enum ph_status need_more(struct parser *ps, size_t pos)
{
    if (ps->end_is_limit)
        return reject(ps, HTTP_ERR_HEAD_TOO_LARGE, pos);
    return PH_INCOMPLETE;
}

static bool is_ows(uint8_t c)
{
    return c == SP || c == HTAB;
}

static struct ph_slice slice(const uint8_t *buf, size_t from, size_t to)
{
    struct ph_slice s = {buf + from, to - from};
    return s;
}

/* RFC 9112 2.2: lines end in CRLF. A bare CR is always an error; a bare LF is one unless
 * the caller allows it ("MAY recognize a single LF as a line terminator"). The byte at
 * *pos is known to be CR or LF. */
static enum ph_status line_end(struct parser *ps, size_t *pos)
{
    size_t p = *pos;
    if (ps->buf[p] == LF) {
        if (!ps->opt.allow_bare_lf)
            return reject(ps, HTTP_ERR_BARE_LF, p);
        *pos = p + 1;
        return PH_OK;
    }
    if (p + 1 == ps->end)
        return need_more(ps, p + 1);
    if (ps->buf[p + 1] != LF)
        return reject(ps, HTTP_ERR_BARE_CR, p);
    *pos = p + 2;
    return PH_OK;
}

/* ---- status-line (RFC 9112 4) --------------------------------------------------------- */

/* HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 2.3), case-sensitive. The bytes seen
 * so far are checked against the pattern at once, so a peer that is not speaking HTTP is
 * told apart after its first byte, not after eight. Versions other than 1.0 and 1.1 are
 * refused as the request parser refuses them (505 is what a server would answer). */
static enum ph_status parse_version(struct parser *ps, size_t *pos)
{
    static const char pattern[] = "HTTP/d.d";
    const size_t n = sizeof(pattern) - 1;
    size_t p = *pos;
    for (size_t i = 0; i < n; i++) {
        if (p + i == ps->end)
            return need_more(ps, p + i);
        uint8_t c = ps->buf[p + i];
        bool ok = pattern[i] == 'd' ? c >= '0' && c <= '9' : c == (uint8_t)pattern[i];
        if (!ok)
            return reject(ps, HTTP_ERR_VERSION, p);
    }
    const uint8_t *v = ps->buf + p;
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return reject(ps, HTTP_ERR_VERSION_UNSUPPORTED, p);
    ps->res->minor_version = v[7] - '0';
    *pos = p + n;
    return PH_OK;
}

/* The SP that separates the parts of the status-line (RFC 9112 4). Other whitespace, or
 * the line ending here, is STATUS_LINE_SPACE; any other byte belongs to the part before
 * and is `other` at `other_at` ("HTTP/1.10", "2000"). */
static enum ph_status expect_sp(struct parser *ps, size_t *pos, enum http_error other,
                                size_t other_at)
{
    size_t p = *pos;
    if (p == ps->end)
        return need_more(ps, p);
    uint8_t c = ps->buf[p];
    if (c == SP) {
        *pos = p + 1;
        return PH_OK;
    }
    if (c == HTAB || c == CR || c == LF)
        return reject(ps, HTTP_ERR_STATUS_LINE_SPACE, p);
    return reject(ps, other, other_at);
}

/* status-code = 3DIGIT (RFC 9112 4). RFC 9110 15: the first digit is the class; values
 * 600..999 are invalid but a client treats them as 5xx, so they pass; below 100 there is
 * no class at all. */
static enum ph_status parse_status_code(struct parser *ps, size_t *pos)
{
    size_t p = *pos;
    int code = 0;
    for (size_t i = 0; i < 3; i++) {
        if (p + i == ps->end)
            return need_more(ps, p + i);
        uint8_t c = ps->buf[p + i];
        if (i == 0 && is_ows(c)) /* exactly one SP after the version */
            return reject(ps, HTTP_ERR_STATUS_LINE_SPACE, p);
        if (c < '0' || c > '9' || (i == 0 && c == '0'))
            return reject(ps, HTTP_ERR_STATUS_CODE, p);
        code = code * 10 + (c - '0');
    }
    ps->res->status = code;
    *pos = p + 3;
    return PH_OK;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ], reason-phrase =
 * 1*( HTAB / SP / VCHAR / obs-text ): the field-value characters. */
static enum ph_status parse_status_line(struct parser *ps, size_t *pos)
{
    size_t p = *pos;
    enum ph_status st = parse_version(ps, &p);
    if (st == PH_OK)
        st = expect_sp(ps, &p, HTTP_ERR_VERSION, *pos);
    if (st == PH_OK)
        st = parse_status_code(ps, &p);
    if (st == PH_OK)
        st = expect_sp(ps, &p, HTTP_ERR_STATUS_CODE, p - 3);
    if (st != PH_OK)
        return st;
    size_t reason = p;
    p = http_scan_value(ps->buf, p, ps->end);
    if (p == ps->end)
        return need_more(ps, p);
    uint8_t c = ps->buf[p];
    if (c != CR && c != LF)
        return reject(ps, HTTP_ERR_REASON, p);
    ps->res->reason = slice(ps->buf, reason, p);
    st = line_end(ps, &p);
    if (st != PH_OK)
        return st;
    *pos = p;
    return PH_OK;
}

/* ---- fields the parser acts on (RFC 9112 6, 9.3; RFC 9110 7.6.1, 8.6) ----------------- */

/* Content-Length: digits only; identical repeats allowed, differing ones refused (RFC 9112
 * 6.3 item 5: a client that gets an invalid length closes and discards the response). */
static enum ph_status on_content_length(struct parser *ps, struct ph_slice v, size_t line)
{
    uint64_t n = 0;
    enum http_error e = http_content_length_value(v, &n);
    if (e != HTTP_ERR_NONE)
        return reject(ps, e, line);
    if (ps->has_content_length && ps->res->content_length != n)
        return reject(ps, HTTP_ERR_CONTENT_LENGTH_CONFLICT, line);
    /* RFC 9112 6.3 item 3: both "ought to be handled as an error": response splitting. */
    if (ps->has_transfer_encoding)
        return reject(ps, HTTP_ERR_TRANSFER_ENCODING_WITH_CONTENT_LENGTH, line);
    ps->has_content_length = true;
    ps->res->content_length = n;
    return PH_OK;
}

/* Transfer-Encoding: not in HTTP/1.0 (RFC 9112 6.1: "MUST treat the message as if the
 * framing is faulty"), not with Content-Length (6.3 item 3). */
static enum ph_status on_transfer_encoding(struct parser *ps, struct ph_slice v, size_t line)
{
    if (ps->res->minor_version == 0)
        return reject(ps, HTTP_ERR_TRANSFER_ENCODING_HTTP10, line);
    if (ps->has_content_length)
        return reject(ps, HTTP_ERR_TRANSFER_ENCODING_WITH_CONTENT_LENGTH, line);
    ps->has_transfer_encoding = true;
    ps->te_offset = line;
    enum http_error e = http_te_value(v, &ps->te);
    if (e != HTTP_ERR_NONE)
        return reject(ps, e, line);
    return PH_OK;
}

static enum ph_status on_field(struct parser *ps, struct ph_slice name, struct ph_slice value,
                               size_t line)
{
    switch (name.len) {
    case 10:
        if (http_token_equals(name, "connection"))
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

/* field-line = field-name ":" OWS field-value OWS, then a line end. buf[*pos] is known to
 * start a field name (not CR, LF, SP or HTAB). */
static enum ph_status parse_field_line(struct parser *ps, size_t *pos)
{
    size_t line = *pos;
    size_t p = http_scan_token(ps->buf, line, ps->end);
    if (p == ps->end)
        return need_more(ps, p);
    uint8_t c = ps->buf[p];
    if (c != ':') {
        /* RFC 9112 5.1: no whitespace between field name and colon */
        if (is_ows(c) && p > line)
            return reject(ps, HTTP_ERR_WHITESPACE_BEFORE_COLON, p);
        if (c == LF && !ps->opt.allow_bare_lf)
            return reject(ps, HTTP_ERR_BARE_LF, p);
        return reject(ps, HTTP_ERR_FIELD_NAME, p);
    }
    if (p == line)
        return reject(ps, HTTP_ERR_FIELD_NAME, p);
    struct ph_slice name = slice(ps->buf, line, p);
    p++;

    while (p < ps->end && is_ows(ps->buf[p]))
        p++;
    size_t value_start = p;
    p = http_scan_value(ps->buf, p, ps->end);
    if (p == ps->end)
        return need_more(ps, p);
    c = ps->buf[p];
    if (c != CR && c != LF)
        return reject(ps, HTTP_ERR_FIELD_VALUE, p);
    size_t value_end = p;
    while (value_end > value_start && is_ows(ps->buf[value_end - 1]))
        value_end--;
    enum ph_status st = line_end(ps, &p);
    if (st != PH_OK)
        return st;

    struct http_response *res = ps->res;
    struct http_header *h = &res->headers[res->num_headers++];
    h->name = name;
    h->value = slice(ps->buf, value_start, value_end);
    st = on_field(ps, h->name, h->value, line);
    if (st != PH_OK)
        return st;
    *pos = p;
    return PH_OK;
}

/* *( field-line CRLF ) CRLF: field lines up to and including the empty line. */
static enum ph_status parse_fields(struct parser *ps, size_t *pos)
{
    for (;;) {
        size_t p = *pos;
        if (p == ps->end)
            return need_more(ps, p);
        uint8_t c = ps->buf[p];
        if (c == CR || c == LF) {
            enum ph_status st = line_end(ps, &p);
            if (st != PH_OK)
                return st;
            *pos = p;
            return PH_OK;
        }
        if (is_ows(c)) {
            /* RFC 9112 2.2: whitespace before the first field line; 5.2: obs-fold, which
             * a user agent would have to rewrite into SP: a pure parser cannot, and a
             * strict one refuses it. */
            if (ps->res->num_headers == 0)
                return reject(ps, HTTP_ERR_WHITESPACE_AFTER_STATUS_LINE, p);
            return reject(ps, HTTP_ERR_OBS_FOLD, p);
        }
        if (ps->res->num_headers == HTTP_MAX_HEADERS)
            return reject(ps, HTTP_ERR_TOO_MANY_HEADERS, p);
        enum ph_status st = parse_field_line(ps, pos);
        if (st != PH_OK)
            return st;
    }
}

/* ---- the complete head: RFC 9112 6.3, in the standard's order ------------------------ */

static enum ph_status decide_framing(struct parser *ps)
{
    struct http_response *res = ps->res;
    int status = res->status;
    /* RFC 9112 7: chunked at most once, whatever the status. */
    if (ps->te.chunked_count > 1)
        return reject(ps, HTTP_ERR_CHUNKED_REPEATED, ps->te_offset);

    if (status == 101) /* RFC 9110 15.2.2: the protocol changes after the empty line */
        res->framing = HTTP_RESPONSE_TUNNEL;
    else if (ps->opt.head_request || status < 200 || status == 204 || status == 304)
        res->framing = HTTP_RESPONSE_NONE; /* item 1 */
    else if (ps->opt.connect_request && status < 300)
        res->framing = HTTP_RESPONSE_TUNNEL; /* item 2 */
    else if (ps->has_transfer_encoding)      /* item 4: chunked last, or read until close */
        res->framing = ps->te.last_is_chunked ? HTTP_RESPONSE_CHUNKED : HTTP_RESPONSE_CLOSE;
    else if (ps->has_content_length) /* item 6 */
        res->framing = HTTP_RESPONSE_LENGTH;
    else /* item 8 */
        res->framing = HTTP_RESPONSE_CLOSE;
    if (res->framing != HTTP_RESPONSE_LENGTH)
        res->content_length = 0;

    /* RFC 9112 9.3: "close" ends persistence; HTTP/1.0 persists only on "keep-alive"; a
     * close-delimited body or a tunnel uses the connection up (9.6, 6.3 item 8). */
    if (res->framing == HTTP_RESPONSE_CLOSE || res->framing == HTTP_RESPONSE_TUNNEL ||
        ps->connection_close)
        res->keep_alive = false;
    else
        res->keep_alive = res->minor_version == 1 || ps->connection_keep_alive;
    return PH_OK;
}

static void reset_response(struct http_response *res)
{
    res->minor_version = 0;
    res->status = 0;
    res->reason = (struct ph_slice){NULL, 0};
    res->num_headers = 0;
    res->framing = HTTP_RESPONSE_NONE;
    res->content_length = 0;
    res->keep_alive = false;
    res->consumed = 0;
    res->error = HTTP_ERR_NONE;
    res->error_offset = 0;
}

enum ph_status http_parse_response(const uint8_t *buf, size_t len,
                                   const struct http_response_options *opt,
                                   struct http_response *res)
{
    reset_response(res);
    struct parser ps = {
        .buf = buf,
        .end = len < HTTP_MAX_HEAD_SIZE ? len : HTTP_MAX_HEAD_SIZE,
        .end_is_limit = len >= HTTP_MAX_HEAD_SIZE,
        .res = res,
    };
    if (opt != NULL)
        ps.opt = *opt;
    size_t pos = 0;
    enum ph_status st = parse_status_line(&ps, &pos);
    if (st == PH_OK)
        st = parse_fields(&ps, &pos);
    if (st == PH_OK)
        st = decide_framing(&ps);
    if (st != PH_OK) {
        /* a reject or an incomplete head leaves no half-parsed fields behind */
        enum http_error error = res->error;
        size_t error_offset = res->error_offset;
        reset_response(res);
        res->error = error;
        res->error_offset = error_offset;
        return st;
    }
    res->consumed = pos;
    return PH_OK;
}

const char *http_response_framing_name(enum http_response_framing framing)
{
    switch (framing) {
    case HTTP_RESPONSE_NONE:
        return "none";
    case HTTP_RESPONSE_LENGTH:
        return "length";
    case HTTP_RESPONSE_CHUNKED:
        return "chunked";
    case HTTP_RESPONSE_CLOSE:
        return "close";
    case HTTP_RESPONSE_TUNNEL:
        return "tunnel";
    }
    return "unknown";
}
