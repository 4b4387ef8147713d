/* llhttp's view of one HTTP message (harness/llhttp_view.h). */
#include "llhttp_view.h"

#include <string.h>

#include "fuzz_check.h"

/* A span arrives in one callback when the whole input is one buffer, except an obs-folded
 * value, which llhttp gives in pieces: the span then covers the fold too. */
static void span_add(struct llhttp_span *s, const char *at, size_t len)
{
    if (s->ptr == NULL)
        s->ptr = at;
    FUZZ_CHECK(at >= s->ptr + s->len);
    s->len = (size_t)(at + len - s->ptr);
}

static struct llhttp_view *view_of(llhttp_t *p)
{
    return p->data;
}

static int on_method(llhttp_t *p, const char *at, size_t len)
{
    span_add(&view_of(p)->method, at, len);
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    span_add(&view_of(p)->url, at, len);
    return 0;
}

static int on_status(llhttp_t *p, const char *at, size_t len)
{
    span_add(&view_of(p)->reason, at, len);
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct llhttp_view *v = view_of(p);
    if (v->num_headers < LLHTTP_VIEW_MAX_FIELDS)
        span_add(&v->names[v->num_headers], at, len);
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct llhttp_view *v = view_of(p);
    if (v->num_headers < LLHTTP_VIEW_MAX_FIELDS)
        span_add(&v->values[v->num_headers], at, len);
    return 0;
}

/* The next field's spans start empty: reset here, one at a time, rather than all of them
 * per message. */
static int on_header_value_complete(llhttp_t *p)
{
    struct llhttp_view *v = view_of(p);
    v->num_headers++;
    if (v->num_headers < LLHTTP_VIEW_MAX_FIELDS) {
        v->names[v->num_headers] = (struct llhttp_span){0};
        v->values[v->num_headers] = (struct llhttp_span){0};
    }
    return 0;
}

/* Pausing here makes llhttp_execute return with error_pos just past the head. For a
 * response, llhttp leaves "this response has no body" to its caller (F_SKIPBODY, what
 * returning 1 here sets): without it, a 1xx, 204 or 304 with Content-Length or chunked gets
 * a body read. We tell it what RFC 9112 6.3 item 1 says, as a client using it must. */
static int on_headers_complete(llhttp_t *p)
{
    struct llhttp_view *v = view_of(p);
    v->head_done = true;
    v->head_headers = v->num_headers;
    if (p->type == HTTP_RESPONSE) {
        int s = p->status_code;
        if (v->head_request || (s >= 100 && s < 200) || s == 204 || s == 304)
            p->flags |= F_SKIPBODY;
    }
    return HPE_PAUSED;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct llhttp_view *v = view_of(p);
    if (v->body != NULL)
        memcpy(v->body + v->body_len, at, len);
    v->body_len += len;
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    view_of(p)->message_done = true;
    return HPE_PAUSED; /* one message: what follows belongs to the next one */
}

void llhttp_view_init(llhttp_t *parser, llhttp_type_t type, struct llhttp_view *view)
{
    static llhttp_settings_t settings;
    if (settings.on_url == NULL) {
        llhttp_settings_init(&settings);
        settings.on_method = on_method;
        settings.on_url = on_url;
        settings.on_status = on_status;
        settings.on_header_field = on_header_field;
        settings.on_header_value = on_header_value;
        settings.on_header_value_complete = on_header_value_complete;
        settings.on_headers_complete = on_headers_complete;
        settings.on_body = on_body;
        settings.on_message_complete = on_message_complete;
    }
    llhttp_init(parser, type, &settings);
    parser->data = view;
    view->method = view->url = view->reason = (struct llhttp_span){0};
    view->names[0] = view->values[0] = (struct llhttp_span){0};
    view->num_headers = view->head_headers = view->body_len = 0;
    view->head_done = view->message_done = false;
}

const char *llhttp_verdict_name(enum llhttp_verdict v)
{
    switch (v) {
    case LLHTTP_INCOMPLETE:
        return "incomplete";
    case LLHTTP_OK:
        return "ok";
    case LLHTTP_REJECT:
        return "reject";
    }
    return "?";
}

static void outcome_error(llhttp_t *parser, const char *buf, llhttp_errno_t e,
                          struct llhttp_outcome *out)
{
    out->error = e;
    if (e != HPE_OK) {
        out->reason = llhttp_get_error_reason(parser);
        const char *pos = llhttp_get_error_pos(parser);
        out->error_pos = pos ? (size_t)(pos - buf) : 0;
    }
}

void llhttp_view_head(llhttp_t *parser, const uint8_t *data, size_t size,
                      struct llhttp_outcome *out)
{
    const char *buf = (const char *)data;
    memset(out, 0, sizeof(*out));
    llhttp_errno_t e = llhttp_execute(parser, buf, size);
    if (e != HPE_PAUSED) {
        out->head = e == HPE_OK ? LLHTTP_INCOMPLETE : LLHTTP_REJECT;
        outcome_error(parser, buf, e, out);
        return;
    }
    out->head = LLHTTP_OK;
    out->head_end = (size_t)(llhttp_get_error_pos(parser) - buf);
}

void llhttp_view_body(llhttp_t *parser, const uint8_t *data, size_t size,
                      struct llhttp_outcome *out)
{
    const struct llhttp_view *v = parser->data;
    const char *buf = (const char *)data;
    if (v->message_done) { /* no body: complete at the end of the head */
        out->body = LLHTTP_OK;
        out->body_end = out->head_end;
        return;
    }
    llhttp_resume(parser);
    llhttp_errno_t e = llhttp_execute(parser, buf + out->head_end, size - out->head_end);
    if (e == HPE_PAUSED && v->message_done) {
        out->body = LLHTTP_OK;
        out->body_end = (size_t)(llhttp_get_error_pos(parser) - buf);
        return;
    }
    bool response = parser->type == HTTP_RESPONSE;
    if (response && e == HPE_OK) {
        /* the input's end is the connection's close: a close-delimited body ends there */
        e = llhttp_finish(parser);
        if (v->message_done) {
            out->body = LLHTTP_OK;
            out->body_end = size;
            return;
        }
    }
    out->body =
        e == HPE_OK || (response && e == HPE_PAUSED_UPGRADE) ? LLHTTP_INCOMPLETE : LLHTTP_REJECT;
    outcome_error(parser, buf, e, out);
}

static bool is_sp_or_htab(uint8_t c)
{
    return c == ' ' || c == '\t';
}

bool llhttp_field_line_folded(const uint8_t *data, size_t size, size_t at)
{
    const uint8_t *first_lf = memchr(data, '\n', size);
    if (first_lf == NULL || at <= (size_t)(first_lf - data) || at >= size)
        return false;
    const uint8_t *lf = memchr(data + at, '\n', size - at);
    return lf != NULL && lf + 1 < data + size && is_sp_or_htab(lf[1]);
}

bool llhttp_stricter_body(const uint8_t *data, size_t size, llhttp_errno_t error, size_t pos)
{
    switch (error) {
    /* trailer fields checked like header fields (crash-trailer-empty-content-length) */
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_UNEXPECTED_CONTENT_LENGTH:
    case HPE_INVALID_TRANSFER_ENCODING:
        return true;
    case HPE_STRICT: /* "Invalid character in chunk extensions name": BWS before "=" */
        return true;
    case HPE_INVALID_CHUNK_SIZE:
        if (pos < size && is_sp_or_htab(data[pos]))
            return true;
        /* inside chunk extensions: back to the line's start, or a ";" first */
        for (size_t k = pos < size ? pos : size; k > 0; k--) {
            if (data[k - 1] == '\n')
                return false;
            if (data[k - 1] == ';')
                return true;
        }
        return false;
    default:
        return false;
    }
}
