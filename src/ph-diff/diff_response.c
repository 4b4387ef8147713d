/*
 * The one place ph-diff reads response bytes. Heads go through the response core
 * (http_parse_response) with bare LF allowed, as ph-probe reads them: real servers send
 * it, and a differential run must read whatever a server answers.
 */
#include <string.h>

#include "diff.h"
#include "http/http.h"

enum body_kind { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct head {
    int status;
    size_t consumed;
    enum body_kind body;
    uint64_t content_length;
};

/* One response head at buf[0..len). PH_OK fills h; PH_INCOMPLETE: the connection ended
 * inside it; PH_REJECT: not an HTTP/1.x response. */
static enum ph_status read_head(const uint8_t *buf, size_t len, bool head_request, struct head *h)
{
    static const enum body_kind kinds[] = {
        [HTTP_RESPONSE_NONE] = BODY_NONE,
        [HTTP_RESPONSE_LENGTH] = BODY_LENGTH,
        [HTTP_RESPONSE_CHUNKED] = BODY_CHUNKED,
        [HTTP_RESPONSE_CLOSE] = BODY_CLOSE,
        /* After a 101 or a CONNECT 2xx the bytes are no longer HTTP: they are kept as
         * a close-delimited body so the comparison still sees them. */
        [HTTP_RESPONSE_TUNNEL] = BODY_CLOSE,
    };
    const struct http_response_options opt = {.head_request = head_request, .allow_bare_lf = true};
    struct http_response res;
    enum ph_status st = http_parse_response(buf, len, &opt, &res);
    if (st != PH_OK)
        return st;
    h->status = res.status;
    h->consumed = res.consumed;
    h->body = kinds[res.framing];
    h->content_length = res.content_length;
    return PH_OK;
}

void diff_read_responses(const uint8_t *buf, size_t len, const bool *head, size_t nhead,
                         struct diff_responses *out)
{
    out->n = 0;
    out->garbage = false;
    out->bodies.len = 0;
    size_t pos = 0, finals = 0;
    /* Each pass takes one response; a response takes at least one byte. */
    while (pos < len && out->n < DIFF_MAX_REQUESTS) {
        struct head h;
        bool is_head = finals < nhead && head[finals];
        enum ph_status st = read_head(buf + pos, len - pos, is_head, &h);
        if (st == PH_INCOMPLETE)
            return;
        if (st == PH_REJECT) {
            out->garbage = true;
            return;
        }
        pos += h.consumed;
        if (h.status < 200) /* 1xx: interim (RFC 9110 15.2) */
            continue;
        finals++;
        struct diff_response *r = &out->r[out->n++];
        r->status = h.status;
        r->body_off = out->bodies.len;
        r->body_len = 0;
        size_t avail = len - pos;
        if (h.body == BODY_LENGTH) {
            size_t n = avail < h.content_length ? avail : (size_t)h.content_length;
            byte_buf_append(&out->bodies, buf + pos, n);
            pos += n;
        } else if (h.body == BODY_CLOSE) {
            byte_buf_append(&out->bodies, buf + pos, avail);
            pos = len;
        } else if (h.body == BODY_CHUNKED) {
            /* Decode a copy in place; the chunk grammar is the request one (RFC 9112 7.1). */
            size_t at = out->bodies.len;
            byte_buf_append(&out->bodies, buf + pos, avail);
            if (out->bodies.failed)
                return;
            struct http_chunked_decoder dec;
            struct http_chunked_result res;
            http_chunked_init(&dec);
            st = http_decode_chunked(&dec, out->bodies.data + at, avail, &res);
            out->bodies.len = at + res.decoded;
            if (st == PH_REJECT) {
                out->garbage = true;
                out->bodies.len = at;
            }
            pos += st == PH_OK ? res.consumed : avail;
        }
        r->body_len = out->bodies.len - r->body_off;
    }
}
