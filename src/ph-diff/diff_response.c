/*
 * The one place ph-diff reads response bytes. Heads go through ph-probe's response
 * reader (probe_parse_response, a lenient pure parser: a probe must read whatever a
 * server sends); when the pure response core (http_parse_response) lands in src/http,
 * read_head below is the only function to switch.
 */
#include <string.h>

#include "diff.h"
#include "http/http.h"
#include "ph-probe/probe.h"

enum body_kind { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct head {
    int status;
    size_t consumed;
    enum body_kind body;
    uint64_t content_length;
};

/* One response head at buf[0..len). PH_OK fills h; PH_INCOMPLETE: the connection ended
 * inside it; PH_REJECT: not an HTTP/1.x response. */
static enum ph_status read_head(const uint8_t *buf, size_t len, bool head_request,
                                struct head *h)
{
    static const enum body_kind kinds[] = {
        [PROBE_BODY_NONE] = BODY_NONE,
        [PROBE_BODY_LENGTH] = BODY_LENGTH,
        [PROBE_BODY_CHUNKED] = BODY_CHUNKED,
        [PROBE_BODY_CLOSE] = BODY_CLOSE,
    };
    struct probe_response res;
    enum ph_status st = probe_parse_response(buf, len, head_request, &res);
    if (st != PH_OK)
        return st;
    h->status = res.status;
    h->consumed = res.consumed;
    h->body = kinds[res.body];
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
