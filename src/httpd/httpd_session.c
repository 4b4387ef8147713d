/*
 * The HTTP/1.1 server session: events in, actions out (httpd_session.h).
 *
 * Requests are handled in order as they complete (pipelining); a request is only looked
 * at while the unwritten output is at most max_output, so a client that does not read is
 * not answered (and not read, see httpd_session_interest) until it does. Every decision
 * is taken at a byte position of the input, never at a read boundary, so the same bytes
 * split differently give the same responses (bar 100 Continue, which by RFC 9110 10.1.1
 * depends on whether body bytes came with the head).
 */
#include "httpd_session.h"

#include <stddef.h>
#include <string.h>

static const char error_content_type[] = "text/plain; charset=utf-8";
static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";
static const char refused_503[] = "HTTP/1.1 503 Service Unavailable\r\nServer: ph-httpd\r\n"
                                  "Content-Type: text/plain\r\nContent-Length: 20\r\n"
                                  "Retry-After: 1\r\nConnection: close\r\n\r\n"
                                  "503 server is full\r\n";

const char *httpd_strerror(enum httpd_error error)
{
    switch (error) {
#define HTTPD_ERROR_MESSAGE(name, message) \
    case HTTPD_ERR_##name:                 \
        return message;
        HTTPD_ERRORS(HTTPD_ERROR_MESSAGE)
#undef HTTPD_ERROR_MESSAGE
    }
    return "unknown error";
}

const char *httpd_error_name(enum httpd_error error)
{
    switch (error) {
#define HTTPD_ERROR_NAME(name, message) \
    case HTTPD_ERR_##name:              \
        return #name;
        HTTPD_ERRORS(HTTPD_ERROR_NAME)
#undef HTTPD_ERROR_NAME
    }
    return "UNKNOWN";
}

const char *httpd_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    }
    return "Unknown";
}

/* ---- writing a response into the scratch ---------------------------------------------- */

/* Appends to a fixed buffer; an overflow is sticky and checked once at the end. */
struct writer {
    uint8_t *p;
    size_t len, cap;
    bool over;
};

static void put(struct writer *w, const void *data, size_t n)
{
    if (w->over || n > w->cap - w->len) {
        w->over = true;
        return;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_u64(struct writer *w, uint64_t v)
{
    char d[20];
    size_t n = 0;
    do {
        d[sizeof(d) - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(w, d + sizeof(d) - n, n);
}

struct head_fields {
    int status;
    int minor;          /* the request's HTTP/1.x */
    bool keep_alive_10; /* an HTTP/1.0 request that asked for keep-alive */
    const char *content_type, *extra;
    uint64_t content_length;
    bool close;
};

/* The head of one response; returns its length, or 0 when it does not fit. */
static size_t write_head(const struct httpd_session *s, uint8_t *out, size_t cap,
                         const struct head_fields *h)
{
    struct writer w = {out, 0, cap, false};
    put_str(&w, "HTTP/1.1 ");
    put_u64(&w, (uint64_t)h->status);
    put_str(&w, " ");
    put_str(&w, httpd_reason(h->status));
    put_str(&w, "\r\nServer: ph-httpd\r\n");
    if (s->cfg->date != NULL)
        put_str(&w, s->cfg->date);
    if (h->content_type != NULL) {
        put_str(&w, "Content-Type: ");
        put_str(&w, h->content_type);
        put_str(&w, "\r\n");
    }
    if (h->extra != NULL)
        put_str(&w, h->extra);
    /* RFC 9110 8.6: no Content-Length in a 204 (1xx are not written here). */
    if (h->status != 204) {
        put_str(&w, "Content-Length: ");
        put_u64(&w, h->content_length);
        put_str(&w, "\r\n");
    }
    /* RFC 9112 9.3: an HTTP/1.0 client gets keep-alive only when it asked and we say so. */
    if (h->close)
        put_str(&w, "Connection: close\r\n");
    else if (h->minor == 0 && h->keep_alive_10)
        put_str(&w, "Connection: keep-alive\r\n");
    put_str(&w, "\r\n");
    return w.over ? 0 : w.len;
}

static void set_closing(struct httpd_session *s)
{
    s->state = HTTPD_CLOSING;
    s->closing_since = s->now;
}

/* Every reject and limit ends the connection (RFC 9112 9.6: after a framing error the rest
 * of the stream cannot be trusted), with a short text body naming the status. */
static void error_response(struct httpd_session *s, int status, const char *why,
                           struct httpd_action *act)
{
    uint8_t *body = s->scratch + HTTPD_MAX_RESPONSE_HEAD;
    struct writer w = {body, 0, HTTPD_MAX_ERROR_BODY - 1, false};
    put_u64(&w, (uint64_t)status);
    put_str(&w, " ");
    put_str(&w, httpd_reason(status));
    put_str(&w, ": ");
    put_str(&w, why);
    put_str(&w, "\n");
    if (w.over) { /* cut to fit, as snprintf would */
        size_t room = w.cap - w.len;
        size_t n = strlen(why) < room ? strlen(why) : room;
        w.over = false;
        put(&w, why, n);
    }
    struct head_fields h = {status, 1, false, error_content_type, NULL, w.len, true};
    size_t head = write_head(s, s->scratch, HTTPD_MAX_RESPONSE_HEAD, &h);
    /* RFC 9110 9.3.2: an answer to a HEAD request has no body, an error's neither. */
    size_t body_len = s->head_only ? 0 : w.len;
    memset(act, 0, sizeof(*act));
    act->kind = HTTPD_ACT_SEND;
    act->data[0] = (struct ph_slice){s->scratch, head};
    act->data[1] = (struct ph_slice){body_len ? body : NULL, body_len};
    act->status = status;
    act->error = why;
    s->unsent += head + body_len;
    set_closing(s);
}

/* ---- events ----------------------------------------------------------------------------- */

static enum httpd_error fail(struct httpd_session *s, enum httpd_error e)
{
    if (s->fault == HTTPD_ERR_OK)
        s->fault = e;
    s->close_now = true;
    return e;
}

/* The common gate of events: the session is open, no answer is owed, time moves on. */
static enum httpd_error enter(struct httpd_session *s, uint64_t now)
{
    if (s->state == HTTPD_CLOSED)
        return HTTPD_ERR_CLOSED;
    if (s->state == HTTPD_WANT_RESPONSE)
        return fail(s, HTTPD_ERR_RESPONSE_OWED);
    if (now < s->now)
        return fail(s, HTTPD_ERR_CLOCK_BACKWARDS);
    s->now = now;
    return HTTPD_ERR_OK;
}

void httpd_session_init(struct httpd_session *s, const struct httpd_session_config *cfg,
                        uint64_t now)
{
    memset(s, 0, offsetof(struct httpd_session, scratch));
    s->cfg = cfg;
    s->now = now;
    s->last_io = now;
}

enum httpd_error httpd_session_set_input(struct httpd_session *s, uint8_t *buf, size_t cap)
{
    if (s->state == HTTPD_CLOSED)
        return HTTPD_ERR_CLOSED;
    if (cap < s->in_len || (buf == NULL && cap != 0))
        return fail(s, HTTPD_ERR_INPUT_BUFFER);
    s->in = buf;
    s->in_cap = cap;
    return HTTPD_ERR_OK;
}

uint8_t *httpd_session_read_space(struct httpd_session *s, size_t *room)
{
    *room = s->in != NULL ? s->in_cap - s->in_len : 0;
    return s->in != NULL ? s->in + s->in_len : NULL;
}

enum httpd_error httpd_session_received(struct httpd_session *s, size_t n, uint64_t now)
{
    enum httpd_error e = enter(s, now);
    if (e != HTTPD_ERR_OK || s->close_now)
        return e;
    if (s->peer_eof)
        return fail(s, HTTPD_ERR_INPUT_AFTER_EOF);
    if (n > s->in_cap - s->in_len)
        return fail(s, HTTPD_ERR_INPUT_OVERFLOW);
    if (n == 0)
        return HTTPD_ERR_OK;
    s->last_io = now;
    /* Lingering after the last response: what the client still sends is discarded. */
    if (s->state != HTTPD_CLOSING)
        s->in_len += n;
    return HTTPD_ERR_OK;
}

enum httpd_error httpd_session_peer_closed(struct httpd_session *s, uint64_t now)
{
    enum httpd_error e = enter(s, now);
    if (e != HTTPD_ERR_OK || s->close_now)
        return e;
    if (s->peer_eof)
        return fail(s, HTTPD_ERR_EOF_TWICE);
    s->peer_eof = true;
    return HTTPD_ERR_OK;
}

enum httpd_error httpd_session_reset(struct httpd_session *s)
{
    if (s->state == HTTPD_CLOSED)
        return HTTPD_ERR_CLOSED;
    s->close_now = true;
    return HTTPD_ERR_OK;
}

enum httpd_error httpd_session_written(struct httpd_session *s, size_t n, uint64_t now)
{
    enum httpd_error e = enter(s, now);
    if (e != HTTPD_ERR_OK || s->close_now)
        return e;
    if (n > s->unsent)
        return fail(s, HTTPD_ERR_WRITTEN_OVERFLOW);
    s->unsent -= n;
    if (n > 0)
        s->last_io = now;
    return HTTPD_ERR_OK;
}

/* When the current state times out, and whether that earns a 408 (a request was under
 * way) or a silent close. request_start must be set when input is waiting. */
static uint64_t deadline_of(const struct httpd_session *s, bool *answer_408)
{
    const struct httpd_session_config *cfg = s->cfg;
    *answer_408 = false;
    if (s->close_now || s->pending_send)
        return s->now;
    if (s->refused || s->state == HTTPD_REQUEST_READY || s->state == HTTPD_WANT_RESPONSE ||
        s->state == HTTPD_CLOSED)
        return UINT64_MAX; /* the caller is mid-poll: the next poll moves on */
    if (s->unsent > 0)
        return s->last_io + cfg->idle_timeout_ms; /* a client that does not read */
    if (s->state == HTTPD_CLOSING)
        return s->closing_since + cfg->linger_ms;
    if (s->state == HTTPD_WANT_BODY) {
        *answer_408 = true;
        return s->last_io + cfg->body_timeout_ms;
    }
    if (s->in_len > s->start) {
        *answer_408 = true; /* slowloris: the head's clock runs from its first byte */
        return s->request_started ? s->request_start + cfg->header_timeout_ms : s->now;
    }
    if (s->requests == 0)
        return s->last_io + cfg->header_timeout_ms; /* connected, sent nothing */
    return s->last_io + cfg->idle_timeout_ms;       /* keep-alive, idle */
}

enum httpd_error httpd_session_tick(struct httpd_session *s, uint64_t now)
{
    enum httpd_error e = enter(s, now);
    if (e != HTTPD_ERR_OK || s->close_now || s->pending_send)
        return e;
    if (s->state == HTTPD_WANT_HEAD && s->in_len > s->start && !s->request_started) {
        s->request_started = true; /* bytes not looked at yet start their clock now */
        s->request_start = now;
    }
    bool answer_408;
    if (now < deadline_of(s, &answer_408))
        return HTTPD_ERR_OK;
    if (!answer_408) {
        s->close_now = true;
        return HTTPD_ERR_OK;
    }
    error_response(s, 408, "request not received in time", &s->pending);
    s->pending_send = true;
    s->in_len = s->start = 0;
    return HTTPD_ERR_OK;
}

enum httpd_error httpd_session_drain(struct httpd_session *s, uint64_t now)
{
    enum httpd_error e = enter(s, now);
    if (e != HTTPD_ERR_OK || s->close_now)
        return e;
    s->draining = true;
    /* An idle connection closes now (after its last response); a request in progress is
     * answered with Connection: close. */
    if (s->state == HTTPD_WANT_HEAD && s->in_len == s->start) {
        if (s->unsent == 0)
            s->close_now = true;
        else
            set_closing(s);
    }
    return HTTPD_ERR_OK;
}

enum httpd_error httpd_session_refuse(struct httpd_session *s, uint64_t now)
{
    enum httpd_error e = enter(s, now);
    if (e != HTTPD_ERR_OK || s->close_now)
        return e;
    memset(&s->pending, 0, sizeof(s->pending));
    s->pending.kind = HTTPD_ACT_SEND;
    s->pending.data[0] = (struct ph_slice){(const uint8_t *)refused_503, sizeof(refused_503) - 1};
    s->pending.status = 503;
    s->pending.error = "server is full";
    s->pending_send = true;
    s->unsent += sizeof(refused_503) - 1;
    s->refused = true;
    set_closing(s);
    return HTTPD_ERR_OK;
}

/* ---- reading requests ------------------------------------------------------------------- */

enum step { STEP_WAIT, STEP_PROGRESS, STEP_ACTION };

static enum step want_head(struct httpd_session *s, struct httpd_action *act)
{
    const struct httpd_session_config *cfg = s->cfg;
    struct http_request *r = &s->req;
    size_t avail = s->in_len - s->start;
    if (avail == 0)
        return STEP_WAIT;
    if (!s->request_started) {
        s->request_started = true;
        s->request_start = s->now;
    }
    /* Never look past max_head + 1 bytes: a head over the limit is 431 whether its bytes
     * came at once (with an error further on) or one by one. */
    size_t n = avail < cfg->max_head + 1 ? avail : cfg->max_head + 1;
    enum ph_status st = http_parse_request(s->in + s->start, n, r);
    if (st == PH_REJECT) {
        error_response(s, http_error_status(r->error), http_strerror(r->error), act);
        return STEP_ACTION;
    }
    if (st == PH_INCOMPLETE || r->consumed > cfg->max_head) {
        if (n > cfg->max_head) {
            error_response(s, 431, "request head too large", act);
            return STEP_ACTION;
        }
        if (s->peer_eof)
            set_closing(s); /* half a request, then EOF: nothing to answer */
        return STEP_WAIT;
    }
    s->head_len = r->consumed;
    s->head_only = r->method.len == 4 && memcmp(r->method.ptr, "HEAD", 4) == 0;
    s->framing = r->framing;
    s->content_length = r->content_length;
    if (r->framing == HTTP_FRAMING_LENGTH && r->content_length > cfg->max_body) {
        /* RFC 9110 10.1.1: a final status instead of 100 (Continue); we close rather than
         * read the body we refused. */
        error_response(s, 413, "request body too large", act);
        return STEP_ACTION;
    }
    s->raw_end = s->start + s->head_len;
    if (r->framing == HTTP_FRAMING_CHUNKED)
        http_chunked_init(&s->dec);
    s->state = HTTPD_WANT_BODY;
    s->last_io = s->now; /* the body timeout runs from here */
    /* RFC 9110 10.1.1: 100 (Continue) when a body is expected and none has come yet; an
     * HTTP/1.0 client's expectation is ignored. */
    bool has_body = r->framing == HTTP_FRAMING_CHUNKED ||
                    (r->framing == HTTP_FRAMING_LENGTH && r->content_length > 0);
    if (r->expect_continue && r->minor_version == 1 && has_body && s->in_len == s->raw_end) {
        memset(act, 0, sizeof(*act));
        act->kind = HTTPD_ACT_SEND;
        act->data[0] = (struct ph_slice){(const uint8_t *)continue_100, sizeof(continue_100) - 1};
        act->status = 100;
        s->unsent += sizeof(continue_100) - 1;
        return STEP_ACTION;
    }
    return STEP_PROGRESS;
}

/* A chunked body, checked as it arrives on a copy (the raw bytes stay for RECORD). Pieces
 * end at every LF, where a chunk-size line can end: there the decoder's chunk_left is the
 * data still due, so a chunk that would carry the body past max_body is refused at the LF
 * of its size line, before its data is waited for. The body as sent (chunk framing
 * included) never passes max_body either: byte max_body + 1 is refused. Both happen at a
 * byte position, so they do not depend on how the bytes were split. */
static enum step want_chunked(struct httpd_session *s, struct httpd_action *act)
{
    const uint64_t max = s->cfg->max_body;
    const size_t body_start = s->start + s->head_len;
    uint8_t probe[HTTPD_CHUNK_PROBE];
    while (s->raw_end < s->in_len) {
        uint64_t sent = s->raw_end - body_start;
        if (sent >= max) {
            error_response(s, 413, "request body too large", act);
            return STEP_ACTION;
        }
        size_t n = s->in_len - s->raw_end;
        if (n > max - sent)
            n = (size_t)(max - sent);
        if (n > sizeof(probe))
            n = sizeof(probe);
        const uint8_t *lf = memchr(s->in + s->raw_end, '\n', n);
        if (lf != NULL)
            n = (size_t)(lf - (s->in + s->raw_end)) + 1;
        memcpy(probe, s->in + s->raw_end, n);
        struct http_chunked_result res;
        enum ph_status st = http_decode_chunked(&s->dec, probe, n, &res);
        s->raw_end += res.consumed;
        if (st == PH_REJECT) {
            error_response(s, http_error_status(res.error), http_strerror(res.error), act);
            return STEP_ACTION;
        }
        if (st == PH_OK) {
            s->state = HTTPD_REQUEST_READY;
            return STEP_PROGRESS;
        }
        if (lf != NULL && s->dec.chunk_left > 0) {
            uint64_t room = max - (s->raw_end - body_start);
            if (s->dec.chunk_left > room || room - s->dec.chunk_left < HTTPD_CHUNK_MIN_TAIL) {
                error_response(s, 413, "request body too large", act);
                return STEP_ACTION;
            }
        }
    }
    if (s->peer_eof)
        set_closing(s);
    return STEP_WAIT;
}

static enum step want_body(struct httpd_session *s, struct httpd_action *act)
{
    if (s->framing == HTTP_FRAMING_NONE) {
        s->state = HTTPD_REQUEST_READY;
        return STEP_PROGRESS;
    }
    if (s->framing == HTTP_FRAMING_CHUNKED)
        return want_chunked(s, act);
    if (s->in_len - s->raw_end < s->content_length) {
        if (s->peer_eof)
            set_closing(s);
        return STEP_WAIT;
    }
    s->raw_end += (size_t)s->content_length;
    s->state = HTTPD_REQUEST_READY;
    return STEP_PROGRESS;
}

/* A whole request: parse the head again (the input may have moved since, and slices point
 * into it; stateless, so the same bytes give the same answer), decode a chunked body in
 * place, hand it out. */
static void hand_out_request(struct httpd_session *s, struct httpd_action *act)
{
    uint8_t *head = s->in + s->start;
    uint8_t *body = head + s->head_len;
    size_t raw = s->raw_end - s->start - s->head_len;
    size_t body_len = raw;
    if (http_parse_request(head, s->head_len, &s->req) != PH_OK) {
        fail(s, HTTPD_ERR_BODY_REDECODE);
        return;
    }
    if (s->framing == HTTP_FRAMING_CHUNKED) {
        struct http_chunked_decoder dec;
        struct http_chunked_result res;
        http_chunked_init(&dec);
        if (http_decode_chunked(&dec, body, raw, &res) != PH_OK || res.consumed != raw) {
            fail(s, HTTPD_ERR_BODY_REDECODE);
            return;
        }
        body_len = res.decoded;
    }
    s->state = HTTPD_WANT_RESPONSE;
    s->requests++;
    s->request_started = false;
    memset(act, 0, sizeof(*act));
    act->kind = HTTPD_ACT_REQUEST;
    act->request = &s->req;
    act->bytes = (struct ph_slice){body_len ? body : NULL, body_len};
}

/* Moves what is not done with to the front of the input. */
static void compact(struct httpd_session *s)
{
    if (s->start == 0)
        return;
    memmove(s->in, s->in + s->start, s->in_len - s->start);
    s->in_len -= s->start;
    if (s->state == HTTPD_WANT_BODY)
        s->raw_end -= s->start;
    s->start = 0;
}

void httpd_session_poll(struct httpd_session *s, struct httpd_action *act)
{
    memset(act, 0, sizeof(*act));
    if (s->state == HTTPD_CLOSED)
        return;
    if (s->state == HTTPD_WANT_RESPONSE)
        fail(s, HTTPD_ERR_RESPONSE_OWED);
    if (s->pending_send && !s->close_now) {
        s->pending_send = false;
        *act = s->pending;
        return;
    }
    if (s->close_now || (s->refused && s->shut_down)) {
        s->state = HTTPD_CLOSED;
        act->kind = HTTPD_ACT_CLOSE;
        act->fault = s->fault;
        return;
    }
    if (s->refused) { /* no waiting for the write: the 503 is all there is */
        s->shut_down = true;
        act->kind = HTTPD_ACT_SHUTDOWN;
        return;
    }
    for (;;) {
        enum step st = STEP_WAIT;
        enum httpd_state before = s->state;
        switch (s->state) {
        case HTTPD_WANT_HEAD:
        case HTTPD_WANT_BODY:
            if (s->unsent > s->cfg->max_output)
                break; /* write backpressure: the next request waits for the client */
            st = s->state == HTTPD_WANT_HEAD ? want_head(s, act) : want_body(s, act);
            break;
        case HTTPD_REQUEST_READY:
            if (s->cfg->record && !s->recorded) {
                s->recorded = true;
                act->kind = HTTPD_ACT_RECORD;
                act->bytes = (struct ph_slice){s->in + s->start, s->raw_end - s->start};
                return;
            }
            s->recorded = false;
            hand_out_request(s, act);
            if (s->close_now) {
                s->state = HTTPD_CLOSED;
                act->kind = HTTPD_ACT_CLOSE;
                act->fault = s->fault;
            }
            return;
        case HTTPD_CLOSING:
            s->in_len = s->start = 0; /* nothing more will be read from it */
            if (s->unsent == 0 && !s->shut_down) {
                /* Half-close, then keep reading until the client closes or the linger
                 * time is up: closing with unread input would send RST and could destroy
                 * the response before the client reads it. */
                s->shut_down = true;
                s->closing_since = s->now;
                act->kind = HTTPD_ACT_SHUTDOWN;
                return;
            }
            if (s->shut_down && s->peer_eof) {
                s->state = HTTPD_CLOSED;
                act->kind = HTTPD_ACT_CLOSE;
                return;
            }
            break;
        case HTTPD_WANT_RESPONSE:
        case HTTPD_CLOSED:
            break;
        }
        if (st == STEP_ACTION)
            return;
        if (st == STEP_WAIT && s->state == before)
            break;
    }
    compact(s);
    if (s->state != HTTPD_WANT_HEAD || s->in_len != s->start)
        return;
    if ((s->peer_eof && s->unsent == 0) || (s->draining && s->unsent == 0)) {
        s->state = HTTPD_CLOSED; /* the client is done, and so are we */
        act->kind = HTTPD_ACT_CLOSE;
        return;
    }
    if (s->draining)
        set_closing(s); /* its last response is on the way */
}

enum httpd_error httpd_session_respond(struct httpd_session *s, const struct httpd_response *r,
                                       struct httpd_action *act)
{
    memset(act, 0, sizeof(*act));
    if (s->state == HTTPD_CLOSED)
        return HTTPD_ERR_CLOSED;
    if (s->state != HTTPD_WANT_RESPONSE)
        return fail(s, HTTPD_ERR_NO_REQUEST);
    const struct http_request *req = &s->req;
    bool head_only = s->head_only;
    s->start = s->raw_end;
    s->state = HTTPD_WANT_HEAD;
    if (r->error != NULL) {
        error_response(s, r->status >= 400 && r->status <= 599 ? r->status : 500, r->error, act);
        return HTTPD_ERR_OK;
    }
    if (r->status < 200 || r->status > 599) {
        error_response(s, 500, "bad response status", act);
        return HTTPD_ERR_RESPONSE_STATUS;
    }
    bool close = r->close || !req->keep_alive || s->draining;
    struct head_fields h = {
        r->status, req->minor_version, req->keep_alive, r->content_type, r->extra, r->body_len,
        close};
    size_t head = write_head(s, s->scratch, HTTPD_MAX_RESPONSE_HEAD, &h);
    if (head == 0) {
        error_response(s, 500, "response head too large", act);
        return HTTPD_ERR_RESPONSE_HEAD;
    }
    /* RFC 9110 9.3.2: HEAD gets the GET answer's fields, Content-Length included, without
     * the body; RFC 9110 15.3.5: a 204 has none either. */
    size_t body = head_only || r->status == 204 ? 0 : r->body_len;
    s->head_only = false;
    act->kind = HTTPD_ACT_SEND;
    act->data[0] = (struct ph_slice){s->scratch, head};
    act->data[1] = (struct ph_slice){body ? r->body : NULL, body};
    act->status = r->status;
    s->unsent += head + body;
    if (close)
        set_closing(s);
    return HTTPD_ERR_OK;
}

void httpd_session_interest(const struct httpd_session *s, struct httpd_interest *out)
{
    const struct httpd_session_config *cfg = s->cfg;
    bool answer_408;
    out->read = s->state != HTTPD_CLOSED && !s->close_now && !s->refused && !s->peer_eof &&
                s->unsent <= cfg->max_output;
    out->write = s->unsent > 0;
    out->deadline = deadline_of(s, &answer_408);
    out->grow_to = 0;
    size_t limit = cfg->max_head + cfg->max_body + HTTPD_INPUT_SLACK;
    if (out->read && s->in_cap - s->in_len < HTTPD_MIN_READ && s->in_cap < limit) {
        size_t cap = s->in_cap < HTTPD_INITIAL_INPUT / 2 ? HTTPD_INITIAL_INPUT : s->in_cap * 2;
        out->grow_to = cap < limit ? cap : limit;
    }
}
