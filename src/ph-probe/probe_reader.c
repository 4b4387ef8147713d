/*
 * The probe's response reader: bytes in, response records out, no I/O (probe.h).
 *
 * Bytes wait in `in` only until they are parsed: a head is re-parsed from its first byte
 * as more arrives (http_parse_response is stateless), a body is counted (and kept with
 * --body) as it comes, a chunked body decoded in place. Each finished head is copied to
 * `heads` and the parsed bytes are dropped, so memory follows the caps, not the input.
 */
#include <stdlib.h>
#include <string.h>

#include "probe.h"

enum { METHOD_HEAD = 1, METHOD_CONNECT = 2 };

/* Which requests of the file are HEAD or CONNECT: their answers are framed differently
 * (RFC 9112 6.3 items 1 and 2). Best effort: the file's bytes as our parser reads them,
 * up to the first request it cannot parse. */
static void note_methods(struct probe_reader *r, const uint8_t *data, size_t len)
{
    static struct http_request req; /* 4 KiB: off the stack */
    size_t off = 0;
    while (off < len && r->nrequests < PROBE_MAX_REQUESTS) {
        if (http_parse_request(data + off, len - off, &req) != PH_OK)
            return;
        struct ph_slice m = req.method;
        r->methods[r->nrequests++] = m.len == 4 && memcmp(m.ptr, "HEAD", 4) == 0 ? METHOD_HEAD
                                     : m.len == 7 && memcmp(m.ptr, "CONNECT", 7) == 0
                                         ? METHOD_CONNECT
                                         : 0;
        off += req.consumed;
        if (req.framing == HTTP_FRAMING_LENGTH) {
            if (req.content_length > len - off)
                return;
            off += (size_t)req.content_length;
        } else if (req.framing == HTTP_FRAMING_CHUNKED) {
            /* the decoder works in place: decode a copy */
            struct byte_buf copy = {0};
            byte_buf_append(&copy, data + off, len - off);
            struct http_chunked_decoder dec;
            struct http_chunked_result res;
            http_chunked_init(&dec);
            enum ph_status st =
                copy.failed ? PH_REJECT : http_decode_chunked(&dec, copy.data, copy.len, &res);
            byte_buf_free(&copy);
            if (st != PH_OK)
                return;
            off += res.consumed;
        }
    }
}

void probe_reader_init(struct probe_reader *r, const struct probe_opts *opt, const uint8_t *request,
                       size_t len)
{
    memset(r, 0, sizeof(*r));
    r->opt = *opt;
    r->half_close_at = UINT64_MAX;
    note_methods(r, request, len);
}

void probe_reader_free(struct probe_reader *r)
{
    free(r->recs);
    byte_buf_free(&r->in);
    byte_buf_free(&r->heads);
    byte_buf_free(&r->bodies);
    byte_buf_free(&r->raw);
    r->recs = NULL;
}

void probe_reader_half_close(struct probe_reader *r)
{
    r->half_close_at = r->total_in;
}

/* The response in progress is done (complete or cut off): into recs. The caller made sure
 * there is room (the response cap is checked when its head is parsed). */
static void push_rec(struct probe_reader *r, bool complete, uint64_t now_ms)
{
    r->cur.complete = complete;
    r->cur.time_ms = now_ms;
    r->recs[r->nrecs++] = r->cur;
    r->in_body = false;
}

static void take_body(struct probe_reader *r, const uint8_t *p, size_t n)
{
    if (r->opt.keep_bodies)
        byte_buf_append(&r->bodies, p, n);
    r->cur.body_len += n;
}

static bool reserve_rec(struct probe_reader *r)
{
    if (r->nrecs < r->cap)
        return true;
    size_t cap = r->cap ? r->cap * 2 : 16;
    struct probe_rec *p = realloc(r->recs, cap * sizeof(*p));
    if (p == NULL)
        return false;
    r->recs = p;
    r->cap = cap;
    return true;
}

static void set_garbage(struct probe_reader *r, enum http_error e)
{
    r->garbage = true;
    r->garbage_error = e;
}

/* A head at in[*pos..): parsed, checked against the caps, copied to heads. Returns false
 * when it cannot be parsed yet (or at all). */
static bool take_head(struct probe_reader *r, size_t *pos)
{
    size_t request = r->finals;
    uint8_t method = request < r->nrequests ? r->methods[request] : 0;
    struct http_response_options po = {
        .head_request = method == METHOD_HEAD,
        .connect_request = method == METHOD_CONNECT,
        .allow_bare_lf = true, /* real servers send it (RFC 9112 2.2 "MAY recognize") */
    };
    static struct http_response res; /* 4 KiB: off the stack */
    enum ph_status st = http_parse_response(r->in.data + *pos, r->in.len - *pos, &po, &res);
    if (st == PH_INCOMPLETE)
        return false;
    if (st == PH_REJECT) {
        set_garbage(r, res.error);
        return false;
    }
    bool interim = res.status < 200 && res.status != 101;
    if (r->nrecs == r->opt.max_responses) {
        r->stop = PROBE_TOO_MANY_RESPONSES;
        return false;
    }
    if (interim && r->interim == r->opt.max_interim) {
        r->stop = PROBE_TOO_MANY_INTERIM;
        return false;
    }
    if (!reserve_rec(r)) {
        set_garbage(r, HTTP_ERR_NONE);
        return false;
    }
    r->cur = (struct probe_rec){
        .head_off = r->heads.len,
        .head_len = res.consumed,
        .parse_opt = po,
        .body_off = r->bodies.len,
        .after_half_close = r->in_base + *pos >= r->half_close_at,
    };
    byte_buf_append(&r->heads, r->in.data + *pos, res.consumed);
    *pos += res.consumed;
    if (interim)
        r->interim++;
    else
        r->finals++;
    r->framing = res.framing;
    r->left = res.content_length;
    http_chunked_init(&r->dec);
    r->in_body = true;
    return true;
}

/* Parses in[0..len) as far as it goes; at_eof: the connection ended. Then drops what was
 * parsed. */
static void parse(struct probe_reader *r, bool at_eof, uint64_t now_ms)
{
    size_t pos = 0;
    while (!r->garbage && r->stop == PROBE_GOING) {
        if (!r->in_body) {
            if (pos == r->in.len || !take_head(r, &pos))
                break;
            if (r->framing == HTTP_RESPONSE_NONE ||
                (r->framing == HTTP_RESPONSE_LENGTH && r->left == 0)) {
                push_rec(r, true, now_ms);
                continue;
            }
        }
        uint8_t *p = r->in.data + pos;
        size_t avail = r->in.len - pos;
        if (r->framing == HTTP_RESPONSE_LENGTH) {
            size_t n = avail < r->left ? avail : (size_t)r->left;
            take_body(r, p, n);
            pos += n;
            r->left -= n;
            if (r->left > 0)
                break;
            push_rec(r, true, now_ms);
        } else if (r->framing == HTTP_RESPONSE_CHUNKED) {
            if (avail == 0)
                break;
            struct http_chunked_result cr;
            enum ph_status st = http_decode_chunked(&r->dec, p, avail, &cr);
            if (st == PH_REJECT) {
                set_garbage(r, cr.error);
                break;
            }
            take_body(r, p, cr.decoded);
            pos += cr.consumed;
            if (st == PH_INCOMPLETE)
                break;
            push_rec(r, true, now_ms);
        } else { /* close-delimited, or a tunnel: everything to the end */
            take_body(r, p, avail);
            pos += avail;
            if (at_eof)
                push_rec(r, true, now_ms);
            break;
        }
    }
    byte_buf_consume(&r->in, pos);
    r->in_base += pos;
}

enum probe_stop probe_reader_feed(struct probe_reader *r, const uint8_t *p, size_t n,
                                  uint64_t now_ms)
{
    if (r->stop != PROBE_GOING)
        return r->stop;
    bool over = n > PROBE_MAX_INPUT - r->total_in;
    if (over)
        n = (size_t)(PROBE_MAX_INPUT - r->total_in);
    r->total_in += n;
    if (r->opt.keep_raw)
        byte_buf_append(&r->raw, p, n);
    /* Past garbage nothing is parsed: the bytes are counted, not kept. */
    if (!r->garbage) {
        byte_buf_append(&r->in, p, n);
        if (r->in.failed)
            set_garbage(r, HTTP_ERR_NONE);
    }
    parse(r, false, now_ms);
    if (over && r->stop == PROBE_GOING)
        r->stop = PROBE_TOO_LARGE;
    return r->stop;
}

void probe_reader_eof(struct probe_reader *r, uint64_t now_ms)
{
    if (r->stop == PROBE_GOING)
        parse(r, true, now_ms);
}

bool probe_reader_end(struct probe_reader *r, uint64_t now_ms)
{
    if (r->in_body) {
        push_rec(r, false, now_ms);
        return true;
    }
    return !r->garbage && r->stop == PROBE_GOING && r->in.len > 0;
}

void probe_result_init(struct probe_result *res, const struct probe_opts *opt,
                       const uint8_t *request, size_t len)
{
    memset(&res->outcome, 0, sizeof(res->outcome));
    probe_reader_init(&res->reader, opt, request, len);
}

void probe_result_free(struct probe_result *res)
{
    probe_reader_free(&res->reader);
}
