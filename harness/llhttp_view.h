/*
 * llhttp's view of one HTTP message: the spans its callbacks hand over (method, target,
 * reason, every field's name and value), where the head ends, whether the message ended,
 * and the body's bytes. The one set of llhttp callbacks in the tree, for every place that
 * runs llhttp beside our parsers: the differential fuzz targets (http_differential,
 * http_response), bench/fuzz_bare_llhttp.c and ph-bench-http's llhttp side.
 *
 * The callbacks keep pointers into the caller's input, which must outlive the view; they
 * allocate nothing and copy only body bytes, and those only into a buffer the caller gives.
 * The parser pauses (llhttp_execute returns HPE_PAUSED, llhttp_get_error_pos just past it)
 * at the end of the head and at the end of the message; llhttp_resume goes on.
 */
#ifndef LLHTTP_VIEW_H
#define LLHTTP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <llhttp.h>

#include "common/ph_types.h"
#include "http/http_limits.h"

/* One more than we accept, so that a count past our limit is seen as such. */
#define LLHTTP_VIEW_MAX_FIELDS (HTTP_MAX_HEADERS + 1)

struct llhttp_span {
    const char *ptr;
    size_t len;
};

struct llhttp_view {
    bool head_request; /* set by the caller: a response to HEAD has no body (RFC 9112 6.3) */
    uint8_t *body;     /* set by the caller: room for the input's size, or NULL: not kept */
    struct llhttp_span method, url; /* requests */
    struct llhttp_span reason;      /* responses */
    struct llhttp_span names[LLHTTP_VIEW_MAX_FIELDS], values[LLHTTP_VIEW_MAX_FIELDS];
    size_t num_headers;  /* may pass LLHTTP_VIEW_MAX_FIELDS: only the first are kept */
    size_t head_headers; /* fields of the head; llhttp reports trailer fields the same way */
    bool head_done, message_done;
    size_t body_len;
};

/* Readies `parser` to read one message of `type` (HTTP_REQUEST or HTTP_RESPONSE) into
 * `view`, which it resets but for head_request and body; the fields past the first are
 * reset as they are reached, not here, so a run costs the same whatever the last one was. */
void llhttp_view_init(llhttp_t *parser, llhttp_type_t type, struct llhttp_view *view);

/* How far llhttp got with each part of one message. */
enum llhttp_verdict { LLHTTP_INCOMPLETE, LLHTTP_OK, LLHTTP_REJECT };

struct llhttp_outcome {
    enum llhttp_verdict head, body;
    size_t head_end, body_end; /* offsets into the input */
    llhttp_errno_t error;      /* how llhttp stopped last; HPE_OK: it wants more */
    const char *reason;        /* llhttp's words for error, and where: unless HPE_OK */
    size_t error_pos;
};

const char *llhttp_verdict_name(enum llhttp_verdict v);

/* The head of `data`, through a parser llhttp_view_init readied: `out` is reset, and has
 * head (and where it is not LLHTTP_OK, error) set. With LLHTTP_OK the parser's fields are
 * the head's, for the caller to read before llhttp_view_body. */
void llhttp_view_head(llhttp_t *parser, const uint8_t *data, size_t size,
                      struct llhttp_outcome *out);

/* The rest of the message, after llhttp_view_head said LLHTTP_OK: sets out->body (body_end
 * where LLHTTP_OK, error otherwise). A response's body may end with the input, which stands
 * for the connection's close (llhttp_finish). */
void llhttp_view_body(llhttp_t *parser, const uint8_t *data, size_t size,
                      struct llhttp_outcome *out);

/* The same bytes as our parser's slice. */
static inline bool llhttp_span_equal(struct llhttp_span a, struct ph_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* llhttp keeps a value's trailing whitespace in the span (RFC 9110 5.5 says to drop it). */
static inline struct llhttp_span llhttp_span_trim_ows(struct llhttp_span s)
{
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* ---- what we know of llhttp 8.1, for requests and responses alike ------------------- */

/* The line holding offset `at` is a field line (not the start line) that an obs-fold
 * continues: the next line starts with SP or HTAB. We reject a field line as soon as it
 * ends (an empty Content-Length, say) and would reject the fold after it anyway; llhttp
 * unfolds (RFC 9112 5.2 lets a recipient replace obs-fold with SP) and judges the joined
 * value. The OBS_FOLD leniency, reached through another error. */
bool llhttp_field_line_folded(const uint8_t *data, size_t size, size_t at);

/* llhttp stopped a chunked body we accept, with `error` at `pos`, for a rule stricter than
 * RFC 9112 7.1: BWS in the chunk-size line (allowed before ";") or before "=", some chunk
 * extensions (several after a quoted or token value, names of digits), and trailer fields
 * it validates like header fields (an empty or repeated Content-Length, a
 * Transfer-Encoding) where 7.1.2 only asks them to be fields. */
bool llhttp_stricter_body(const uint8_t *data, size_t size, llhttp_errno_t error, size_t pos);

#endif
