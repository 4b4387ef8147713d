/*
 * What a server understood of one stream: per request its final status and, for echo
 * servers, the method, target, version, fields and body it reports (the echo contract,
 * docs/diff.md); for ph-parse, what our core reads, the way `ph-parse http` reads a
 * connection.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "diff.h"
#include "http/http.h"

void diff_view_reset(struct diff_view *v)
{
    v->nreq = 0;
    v->nfields = 0;
    v->end = DIFF_END_CLOSED;
    v->silent_close = false;
    v->garbage = false;
    v->parse_error = NULL;
    v->text.len = 0;
}

void diff_view_free(struct diff_view *v)
{
    free(v->fields);
    byte_buf_free(&v->text);
    memset(v, 0, sizeof(*v));
}

static int add_field(struct diff_view *v, struct ph_slice name, struct ph_slice value)
{
    if (v->nfields == v->fields_cap) {
        size_t cap = v->fields_cap ? v->fields_cap * 2 : 64;
        struct diff_field *p = realloc(v->fields, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        v->fields = p;
        v->fields_cap = cap;
    }
    v->fields[v->nfields++] = (struct diff_field){name, value};
    return 0;
}

static struct ph_slice lit(const char *s)
{
    return (struct ph_slice){(const uint8_t *)s, strlen(s)};
}

/* ---- ph-parse, in process -------------------------------------------------------- */

/* One request of ours into the view (slices into the caller's copy of the stream). */
static void add_parsed(struct diff_view *v, const struct http_request *req, size_t offset,
                       struct ph_slice body)
{
    static const char *const versions[] = {"HTTP/1.0", "HTTP/1.1"};
    struct diff_request *r = &v->req[v->nreq++];
    *r = (struct diff_request){.status = 200, .echo = true, .offset = offset};
    r->method = req->method;
    r->target = req->target;
    r->version = lit(versions[req->minor_version == 1]);
    r->body = body;
    r->first_field = v->nfields;
    for (size_t i = 0; i < req->num_headers; i++)
        if (add_field(v, req->headers[i].name, req->headers[i].value) == 0)
            r->nfields++;
}

static void add_error(struct diff_view *v, enum http_error error)
{
    v->req[v->nreq++] = (struct diff_request){.status = http_error_status(error)};
    v->parse_error = http_error_name(error);
    v->end = DIFF_END_CLOSED;
}

void diff_view_parse(const uint8_t *stream, size_t len, struct diff_view *v)
{
    diff_view_reset(v);
    /* Chunked bodies decode in place: work on a copy that lives as long as the view. */
    if (byte_buf_reserve(&v->text, len + 1) != 0)
        return;
    memcpy(v->text.data, stream, len);
    v->text.len = len;
    uint8_t *data = v->text.data;
    struct http_request req;
    size_t off = 0;
    v->end = DIFF_END_CLOSED;
    /* Each pass takes one request of at least one byte. */
    while (off < len && v->nreq < DIFF_MAX_REQUESTS) {
        enum ph_status st = http_parse_request(data + off, len - off, &req);
        if (st == PH_INCOMPLETE) {
            v->end = DIFF_END_INCOMPLETE;
            return;
        }
        if (st == PH_REJECT) {
            add_error(v, req.error);
            return;
        }
        size_t body_start = off + req.consumed, next = body_start;
        struct ph_slice body = {data + body_start, 0};
        if (req.framing == HTTP_FRAMING_LENGTH) {
            if (len - body_start < req.content_length) {
                v->end = DIFF_END_INCOMPLETE;
                return;
            }
            body.len = (size_t)req.content_length;
            next = body_start + body.len;
        } else if (req.framing == HTTP_FRAMING_CHUNKED) {
            struct http_chunked_decoder dec;
            struct http_chunked_result res;
            http_chunked_init(&dec);
            st = http_decode_chunked(&dec, data + body_start, len - body_start, &res);
            if (st == PH_INCOMPLETE) {
                v->end = DIFF_END_INCOMPLETE;
                return;
            }
            if (st == PH_REJECT) {
                add_error(v, res.error);
                return;
            }
            body.len = res.decoded;
            next = body_start + res.consumed;
        }
        add_parsed(v, &req, off, body);
        off = next;
        /* RFC 9112 9.6: after a request that closes, a server reads nothing more. */
        if (!req.keep_alive) {
            v->silent_close = true;
            return;
        }
    }
}

size_t diff_head_flags(const uint8_t *data, size_t len, bool *head, size_t max)
{
    uint8_t copy[DIFF_MAX_STREAM];
    struct http_request req;
    size_t off = 0, n = 0;
    if (len > sizeof(copy))
        len = sizeof(copy);
    memcpy(copy, data, len);
    while (off < len && n < max) {
        if (http_parse_request(copy + off, len - off, &req) != PH_OK)
            break;
        head[n++] = req.method.len == 4 && memcmp(req.method.ptr, "HEAD", 4) == 0;
        off += req.consumed;
        if (req.framing == HTTP_FRAMING_LENGTH) {
            if (req.content_length > len - off)
                break;
            off += (size_t)req.content_length;
        } else if (req.framing == HTTP_FRAMING_CHUNKED) {
            struct http_chunked_decoder dec;
            struct http_chunked_result res;
            http_chunked_init(&dec);
            if (http_decode_chunked(&dec, copy + off, len - off, &res) != PH_OK)
                break;
            off += res.consumed;
        }
    }
    return n;
}

/* ---- the echo contract ----------------------------------------------------------- */

/* A cursor over one echo body; strings decode into the view's text, which was reserved
 * large enough up front (a decoded string is never longer than its JSON), so slices into
 * it stay valid. */
struct json {
    const uint8_t *p, *end;
    struct byte_buf *text;
};

#define JSON_MAX_DEPTH 8

static void ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool eat(struct json *j, char c)
{
    ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return true;
    }
    return false;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A JSON string whose code points are bytes (\u0000-\u00ff). */
static bool string(struct json *j, struct ph_slice *out)
{
    if (!eat(j, '"'))
        return false;
    uint8_t *o = j->text->data + j->text->len, *start = o;
    while (j->p < j->end && *j->p != '"') {
        uint8_t c = *j->p++;
        if (c != '\\') {
            *o++ = c;
            continue;
        }
        if (j->p == j->end)
            return false;
        c = *j->p++;
        switch (c) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case '"':
        case '\\':
        case '/':
            *o++ = c;
            break;
        case 'u': {
            if (j->end - j->p < 4)
                return false;
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int h = hexval(j->p[k]);
                if (h < 0)
                    return false;
                v = v * 16 + h;
            }
            if (v > 0xff) /* the contract: one code point per byte */
                return false;
            *o++ = (uint8_t)v;
            j->p += 4;
            break;
        }
        default:
            return false;
        }
    }
    if (j->p == j->end)
        return false;
    j->p++;
    *out = (struct ph_slice){start, (size_t)(o - start)};
    j->text->len += out->len;
    return true;
}

static bool skip_value(struct json *j, int depth)
{
    struct ph_slice s;
    ws(j);
    if (j->p == j->end || depth > JSON_MAX_DEPTH)
        return false;
    if (*j->p == '"')
        return string(j, &s);
    if (*j->p == '[' || *j->p == '{') {
        char close = *j->p == '[' ? ']' : '}';
        bool obj = *j->p == '{';
        j->p++;
        if (eat(j, close))
            return true;
        do {
            if (obj && (!string(j, &s) || !eat(j, ':')))
                return false;
            if (!skip_value(j, depth + 1))
                return false;
        } while (eat(j, ','));
        return eat(j, close);
    }
    /* number, true, false, null */
    const uint8_t *start = j->p;
    while (j->p < j->end && *j->p != ',' && *j->p != '}' && *j->p != ']' && *j->p != ' ')
        j->p++;
    return j->p > start;
}

static bool key_is(struct ph_slice k, const char *lit_key)
{
    return k.len == strlen(lit_key) && memcmp(k.ptr, lit_key, k.len) == 0;
}

/* {"result":"ok","method":..,"target":..,"version":..,"headers":[[n,v],..],
 *  "body_base64":..}: fills r and the view's fields. */
static bool decode_echo(const uint8_t *body, size_t len, struct diff_view *v,
                        struct diff_request *r)
{
    struct json j = {body, body + len, &v->text};
    struct ph_slice key, b64 = {0}, result = {0};
    bool have_method = false;
    r->first_field = v->nfields;
    r->nfields = 0;
    if (!eat(&j, '{'))
        return false;
    do {
        if (!string(&j, &key) || !eat(&j, ':'))
            return false;
        bool ok;
        if (key_is(key, "result")) {
            ok = string(&j, &result);
        } else if (key_is(key, "method")) {
            ok = have_method = string(&j, &r->method);
        } else if (key_is(key, "target")) {
            ok = string(&j, &r->target);
        } else if (key_is(key, "version")) {
            ok = string(&j, &r->version);
        } else if (key_is(key, "body_base64")) {
            ok = string(&j, &b64);
        } else if (key_is(key, "headers")) {
            ok = eat(&j, '[');
            if (ok && !eat(&j, ']')) {
                do {
                    struct ph_slice n, val;
                    ok = eat(&j, '[') && string(&j, &n) && eat(&j, ',') && string(&j, &val) &&
                         eat(&j, ']') && add_field(v, n, val) == 0;
                    if (ok)
                        r->nfields++;
                } while (ok && eat(&j, ','));
                ok = ok && eat(&j, ']');
            }
        } else {
            ok = skip_value(&j, 0);
        }
        if (!ok)
            return false;
    } while (eat(&j, ','));
    if (!eat(&j, '}') || !have_method || !key_is(result, "ok"))
        return false;
    /* The body: base64 decoded behind the strings (3 bytes per 4 characters). */
    uint8_t *o = v->text.data + v->text.len;
    size_t pad = 0;
    while (pad < 2 && b64.len > pad && b64.ptr[b64.len - 1 - pad] == '=')
        pad++;
    int n = b64.len == 0 ? 0 : EVP_DecodeBlock(o, b64.ptr, (int)b64.len);
    if (n < 0 || (size_t)n < pad)
        return false;
    r->body = (struct ph_slice){o, (size_t)n - pad};
    v->text.len += r->body.len;
    r->echo = true;
    return true;
}

/* Where the request whose request-line starts `method SP target` begins, at or after
 * from; SIZE_MAX when it is not in the stream as such (a proxy rewrote it). */
static size_t find_start(const uint8_t *s, size_t len, size_t from, const struct diff_request *r)
{
    size_t need = r->method.len + 1 + r->target.len;
    for (size_t i = from; need > 1 && i + need <= len; i++) {
        if (memcmp(s + i, r->method.ptr, r->method.len) == 0 && s[i + r->method.len] == ' ' &&
            memcmp(s + i + r->method.len + 1, r->target.ptr, r->target.len) == 0)
            return i;
    }
    return SIZE_MAX;
}

void diff_view_from_raw(const struct diff_raw *raw, const uint8_t *stream, size_t stream_len,
                        bool echo, const bool *head, size_t nhead, struct diff_responses *tmp,
                        struct diff_view *v)
{
    diff_view_reset(v);
    v->end = raw->refused  ? DIFF_END_REFUSED
             : raw->reset  ? DIFF_END_RESET
             : raw->closed ? DIFF_END_CLOSED
                           : DIFF_END_OPEN;
    v->silent_close = (raw->closed || raw->reset) && raw->closed_early;
    diff_read_responses(raw->in.data, raw->in.len, head, nhead, tmp);
    v->garbage = tmp->garbage;
    /* Decoded strings are never longer than the JSON they come from, and a decoded body
     * is shorter than its base64 string, which is decoded as a string first: twice the
     * response bodies is room for everything, so slices into text never move. */
    if (byte_buf_reserve(&v->text, 2 * tmp->bodies.len + 16) != 0)
        return;
    size_t from = 0;
    for (size_t i = 0; i < tmp->n && v->nreq < DIFF_MAX_REQUESTS; i++) {
        struct diff_request *r = &v->req[v->nreq++];
        *r = (struct diff_request){.status = tmp->r[i].status, .offset = SIZE_MAX};
        if (!echo || r->status < 200 || r->status > 299 || tmp->r[i].body_len == 0)
            continue;
        size_t text_mark = v->text.len, field_mark = v->nfields;
        if (!decode_echo(tmp->bodies.data + tmp->r[i].body_off, tmp->r[i].body_len, v, r)) {
            /* Not the contract (a proxy's own page, say): a verdict only. */
            v->text.len = text_mark;
            v->nfields = field_mark;
            *r = (struct diff_request){.status = tmp->r[i].status, .offset = SIZE_MAX};
            continue;
        }
        r->offset = find_start(stream, stream_len, from, r);
        if (r->offset != SIZE_MAX)
            from = r->offset + 1;
    }
    if (tmp->garbage && v->nreq < DIFF_MAX_REQUESTS)
        v->req[v->nreq++] =
            (struct diff_request){.status = DIFF_STATUS_NOT_HTTP, .offset = SIZE_MAX};
}
