/*
 * One client connection: read, parse with the pure core, answer, in a loop driven by
 * the shared event loop. Requests are handled in order as they complete (pipelining),
 * their answers queued in `out` and sent as the socket takes them.
 *
 * Memory per connection is bounded: the input holds at most one request's head and body
 * (max_head + max_body) plus a little of what follows; a connection whose unsent output
 * passes max_output is not read, and so not answered, until the client reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "net/net_loop.h"
#include "net/net_tcp.h"
#include "util/http_json.h"

#define CONN_INITIAL_INPUT 4096
#define CONN_MIN_READ 2048      /* grow the input when less room than this is left */
#define CONN_INPUT_SLACK 65536  /* input beyond one request's limits: pipelined bytes */
#define CONN_READS_PER_WAKE 4   /* so one fast client cannot starve the others */
#define CONN_KEEP_OUTPUT 65536  /* an output buffer larger than this is freed when empty */

/* A string literal as (pointer, length). */
#define LIT(s) s, sizeof(s) - 1

static const char hello_page[] =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>ph-httpd</title></head>\n"
    "<body><h1>Hello from ph-httpd</h1>\n"
    "<p>The protoharness strict HTTP/1.1 parser on a real socket. "
    "<code>/echo</code> answers any request as the parser saw it (JSON).</p>\n"
    "</body></html>\n";

static const char *status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

static size_t unsent(const struct conn *c)
{
    return c->out.len - c->sent;
}

static size_t input_limit(const struct server *s)
{
    return s->cfg->max_head + s->cfg->max_body + CONN_INPUT_SLACK;
}

struct conn *conn_open(struct server *s, int fd)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->in = malloc(CONN_INITIAL_INPUT);
    if (c->in == NULL) {
        free(c);
        return NULL;
    }
    c->in_cap = CONN_INITIAL_INPUT;
    c->s = s;
    c->fd = fd;
    c->last_io_ms = net_now_ms();
    if (net_loop_watch(s->loop, fd, NET_READABLE, conn_on_event, c) != 0) {
        free(c->in);
        free(c);
        return NULL;
    }
    c->events = NET_READABLE;
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    return c;
}

void conn_close(struct conn *c)
{
    struct server *s = c->s;
    net_loop_unwatch(s->loop, c->fd);
    close(c->fd);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    free(c->in);
    byte_buf_free(&c->body);
    byte_buf_free(&c->out);
    free(c);
    server_conn_closed(s);
}

/* ---- responses ---------------------------------------------------------------------- */

/* Queues one response. With `close`, it says Connection: close and is the last one. */
static void respond(struct conn *c, int status, int minor, bool keep_alive_10, const char *ctype,
                    const char *extra, const void *body, size_t len, bool head_only, bool close)
{
    struct byte_buf *o = &c->out;
    byte_buf_printf(o, "HTTP/1.1 %d %s\r\nServer: ph-httpd\r\n%s", status, status_reason(status),
                    c->s->date);
    if (ctype != NULL)
        byte_buf_printf(o, "Content-Type: %s\r\n", ctype);
    if (extra != NULL)
        byte_buf_puts(o, extra);
    byte_buf_printf(o, "Content-Length: %zu\r\n", len);
    /* RFC 9112 9.3: an HTTP/1.0 client gets keep-alive only when it asked and we say so. */
    if (close)
        byte_buf_puts(o, "Connection: close\r\n");
    else if (minor == 0 && keep_alive_10)
        byte_buf_puts(o, "Connection: keep-alive\r\n");
    byte_buf_puts(o, "\r\n");
    if (!head_only)
        byte_buf_append(o, body, len);
    if (close) {
        c->state = CONN_CLOSING;
        c->closing_since_ms = net_now_ms();
    }
}

/* Every reject and limit ends the connection (RFC 9112 9.6: after a framing error the
 * rest of the stream cannot be trusted), with a short text body naming the status. */
static void respond_error(struct conn *c, int status, const char *why)
{
    char body[160];
    int n = snprintf(body, sizeof(body), "%d %s: %s\n", status, status_reason(status), why);
    c->s->st.errors++;
    respond(c, status, 1, false, "text/plain; charset=utf-8", NULL, body, (size_t)n, false, true);
    if (c->s->cfg->verbose)
        fprintf(stderr, "ph-httpd: fd %d: %d %s\n", c->fd, status, why);
}

/* The path of the target: origin-form up to '?', or the path of an absolute-form
 * target (RFC 9112 3.2.2: a server MUST accept it). */
static struct ph_slice target_path(const struct http_request *r)
{
    const uint8_t *t = r->target.ptr;
    size_t n = r->target.len, i = 0;
    if (r->target_form == HTTP_TARGET_ABSOLUTE) {
        const uint8_t *sep = memmem(t, n, "://", 3);
        i = sep != NULL ? (size_t)(sep - t) + 3 : n;
        while (i < n && t[i] != '/' && t[i] != '?')
            i++;
    }
    size_t end = i;
    while (end < n && t[end] != '?')
        end++;
    return (struct ph_slice){t + i, end - i};
}

static bool slice_is(struct ph_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* Routes one complete request: / (hello), /echo (the request as JSON), else 404;
 * with --echo-all, everything as /echo. */
static void route(struct conn *c, const struct http_request *r, const uint8_t *body,
                  size_t body_len)
{
    struct server *s = c->s;
    bool close = !r->keep_alive || s->draining;
    bool head = slice_is(r->method, "HEAD");
    bool get = head || slice_is(r->method, "GET");
    int minor = r->minor_version;
    struct ph_slice path = target_path(r);

    /* --echo-all: a differential run wants every server's reading of every request,
     * so no route may answer in its own way (docs/diff.md). */
    bool echo = s->cfg->echo_all || slice_is(path, "/echo");

    if (r->target_form == HTTP_TARGET_ASTERISK && !s->cfg->echo_all) {
        respond(c, 204, minor, r->keep_alive, NULL, "Allow: GET, HEAD, OPTIONS, POST, PUT\r\n",
                NULL, 0, false, close);
    } else if (r->target_form == HTTP_TARGET_AUTHORITY && !s->cfg->echo_all) {
        respond(c, 405, minor, r->keep_alive, "text/plain", "Allow: GET, HEAD\r\n",
                LIT("405 Method Not Allowed: not a proxy\n"), head, close);
    } else if (echo) {
        struct byte_buf json = {0};
        http_json_request(&json, r, body, body_len);
        if (json.failed)
            respond_error(c, 500, "out of memory");
        else
            respond(c, 200, minor, r->keep_alive, "application/json", NULL, json.data, json.len,
                    head, close);
        byte_buf_free(&json);
    } else if (slice_is(path, "/")) {
        if (get)
            respond(c, 200, minor, r->keep_alive, "text/html; charset=utf-8", NULL,
                    LIT(hello_page), head, close);
        else
            respond(c, 405, minor, r->keep_alive, "text/plain", "Allow: GET, HEAD\r\n",
                    LIT("405 Method Not Allowed\n"), false, close);
    } else {
        respond(c, 404, minor, r->keep_alive, "text/plain", NULL, LIT("404 Not Found\n"), head,
                close);
    }
}

/* ---- reading requests ----------------------------------------------------------------- */

/* Moves the unfinished request to the front of the input. */
static void compact(struct conn *c)
{
    if (c->start == 0)
        return;
    memmove(c->in, c->in + c->start, c->in_len - c->start);
    c->in_len -= c->start;
    if (c->state == CONN_WANT_BODY)
        c->raw_pos -= c->start;
    c->start = 0;
}

/* A request whose bytes are all here: mirror, answer, move on to the next. */
static void complete_request(struct conn *c, const uint8_t *body, size_t body_len, size_t end)
{
    struct server *s = c->s;
    if (s->record != NULL)
        server_record(s, c->in + c->start, end - c->start);
    /* Parse the head again: the input may have moved since, and slices point into it.
     * Stateless, so the same bytes give the same answer. */
    http_parse_request(c->in + c->start, c->head_len, &s->req);
    s->st.requests++;
    c->requests++;
    c->start = end;
    c->state = CONN_WANT_HEAD;
    c->request_start_ms = 0;
    route(c, &s->req, body, body_len);
}

/* CONN_WANT_HEAD. Returns true when it made progress and the loop should go on. */
static bool want_head(struct conn *c)
{
    struct server *s = c->s;
    struct http_request *r = &s->req;
    size_t avail = c->in_len - c->start;
    if (avail == 0)
        return false;
    if (c->request_start_ms == 0)
        c->request_start_ms = net_now_ms();
    enum ph_status st = http_parse_request(c->in + c->start, avail, r);
    if (st == PH_REJECT) {
        respond_error(c, http_error_status(r->error), http_strerror(r->error));
        return false;
    }
    if (st == PH_INCOMPLETE || r->consumed > s->cfg->max_head) {
        if (avail > s->cfg->max_head)
            respond_error(c, 431, "request head too large");
        else if (c->peer_eof)
            c->state = CONN_CLOSING; /* half a request, then EOF: nothing to answer */
        return false;
    }
    c->head_len = r->consumed;
    c->framing = r->framing;
    c->content_length = r->content_length;
    if (r->framing == HTTP_FRAMING_LENGTH && r->content_length > s->cfg->max_body) {
        /* RFC 9110 10.1.1: a final status instead of 100 (Continue); we close rather
         * than read the body we refused. */
        respond_error(c, 413, "request body too large");
        return false;
    }
    c->raw_pos = c->start + c->head_len;
    if (r->framing == HTTP_FRAMING_CHUNKED) {
        http_chunked_init(&c->dec);
        c->body.len = 0;
    }
    /* RFC 9110 10.1.1: 100 (Continue) when a body is expected and none has come yet; an
     * HTTP/1.0 client's expectation is ignored. */
    bool has_body = r->framing == HTTP_FRAMING_CHUNKED ||
                    (r->framing == HTTP_FRAMING_LENGTH && r->content_length > 0);
    if (r->expect_continue && r->minor_version == 1 && has_body && c->in_len == c->raw_pos)
        byte_buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
    c->state = CONN_WANT_BODY;
    c->last_io_ms = net_now_ms(); /* the body timeout runs from here */
    return true;
}

/* CONN_WANT_BODY. Returns true when the request completed and the loop should go on. */
static bool want_body(struct conn *c)
{
    struct server *s = c->s;
    if (c->framing == HTTP_FRAMING_NONE) {
        complete_request(c, NULL, 0, c->raw_pos);
        return c->state != CONN_CLOSING;
    }
    if (c->framing == HTTP_FRAMING_LENGTH) {
        if (c->in_len - c->raw_pos < c->content_length) {
            if (c->peer_eof)
                c->state = CONN_CLOSING;
            return false;
        }
        size_t len = (size_t)c->content_length;
        complete_request(c, c->in + c->raw_pos, len, c->raw_pos + len);
        return c->state != CONN_CLOSING;
    }
    /* Chunked: decode a copy of the new bytes, so the input keeps the raw request for
     * --record; the decoder moves each piece's data to the piece's front. */
    size_t piece = c->in_len - c->raw_pos;
    if (piece == 0) {
        if (c->peer_eof)
            c->state = CONN_CLOSING;
        return false;
    }
    if (byte_buf_reserve(&c->body, piece) != 0) {
        respond_error(c, 500, "out of memory");
        return false;
    }
    memcpy(c->body.data + c->body.len, c->in + c->raw_pos, piece);
    struct http_chunked_result res;
    enum ph_status st = http_decode_chunked(&c->dec, c->body.data + c->body.len, piece, &res);
    if (st == PH_REJECT) {
        respond_error(c, http_error_status(res.error), http_strerror(res.error));
        return false;
    }
    c->body.len += res.decoded;
    c->raw_pos += res.consumed;
    /* The limit counts the body as sent, chunk framing included. */
    if (c->raw_pos - c->start - c->head_len > s->cfg->max_body) {
        respond_error(c, 413, "request body too large");
        return false;
    }
    if (st == PH_INCOMPLETE) {
        if (c->peer_eof)
            c->state = CONN_CLOSING;
        return false;
    }
    complete_request(c, c->body.data, c->body.len, c->raw_pos);
    return c->state != CONN_CLOSING;
}

/* Handles every request the input holds, until one is incomplete, the connection is
 * closing, or too much output waits for the client. Returns true in the last case. */
static bool process(struct conn *c)
{
    bool output_full = false;
    while (c->state != CONN_CLOSING) {
        if (unsent(c) > c->s->cfg->max_output) {
            output_full = true;
            break;
        }
        bool progress = c->state == CONN_WANT_HEAD ? want_head(c) : want_body(c);
        if (!progress)
            break;
    }
    if (c->state == CONN_CLOSING)
        c->in_len = c->start = 0; /* nothing more will be read from it */
    compact(c);
    return output_full;
}

/* Room to read into: compacts, then grows the input up to its limit. */
static bool make_room(struct conn *c)
{
    compact(c);
    size_t limit = input_limit(c->s);
    if (c->in_cap - c->in_len < CONN_MIN_READ && c->in_cap < limit) {
        size_t cap = c->in_cap * 2 < limit ? c->in_cap * 2 : limit;
        uint8_t *p = realloc(c->in, cap);
        if (p != NULL) {
            c->in = p;
            c->in_cap = cap;
        }
    }
    return c->in_len < c->in_cap;
}

/* Reads what the socket has. Returns false when the connection was closed. */
static bool read_input(struct conn *c)
{
    for (int i = 0; i < CONN_READS_PER_WAKE; i++) {
        if (c->state == CONN_CLOSING)
            c->in_len = c->start = 0; /* lingering: read and discard */
        if (!make_room(c))
            return true;
        size_t room = c->in_cap - c->in_len;
        ssize_t n = net_read(c->fd, c->in + c->in_len, room);
        if (n > 0) {
            c->in_len += (size_t)n;
            c->last_io_ms = net_now_ms();
            if ((size_t)n < room)
                return true;
            continue;
        }
        if (n == 0) {
            c->peer_eof = true;
            return true;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        conn_close(c); /* reset by the peer, or worse: this connection only */
        return false;
    }
    return true;
}

/* ---- writing -------------------------------------------------------------------------- */

/* Sends what the socket takes. Returns false when the connection was closed. */
static bool flush(struct conn *c)
{
    while (unsent(c) > 0) {
        ssize_t n = net_write(c->fd, c->out.data + c->sent, unsent(c));
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->write_blocked = true;
                byte_buf_consume(&c->out, c->sent);
                c->sent = 0;
                return true;
            }
            conn_close(c);
            return false;
        }
        c->sent += (size_t)n;
        c->last_io_ms = net_now_ms();
    }
    c->write_blocked = false;
    c->out.len = 0;
    c->sent = 0;
    if (c->out.cap > CONN_KEEP_OUTPUT)
        byte_buf_free(&c->out);
    if (c->state == CONN_CLOSING && !c->shut_down) {
        /* Half-close, then keep reading until the client closes or the linger time is
         * up: closing with unread input would send RST and could destroy the response
         * before the client reads it. */
        net_shutdown_write(c->fd);
        c->shut_down = true;
        c->closing_since_ms = net_now_ms();
    }
    if (c->state == CONN_CLOSING && c->peer_eof) {
        conn_close(c);
        return false;
    }
    return true;
}

static void update_events(struct conn *c)
{
    unsigned ev = 0;
    if (!c->peer_eof && unsent(c) <= c->s->cfg->max_output)
        ev |= NET_READABLE;
    if (c->write_blocked)
        ev |= NET_WRITABLE;
    if (ev != c->events && net_loop_set_events(c->s->loop, c->fd, ev) == 0)
        c->events = ev;
}

/* After any input or output: handle what can be, send it, decide what to wait for. */
static void advance(struct conn *c)
{
    /* Output went out at once although it had filled up: the input may still hold
     * pipelined requests, and no event will come for bytes already read. */
    while (process(c)) {
        if (!flush(c))
            return;
        if (c->write_blocked)
            break;
    }
    if (!flush(c))
        return;
    if (c->peer_eof && c->state == CONN_WANT_HEAD && c->in_len == c->start && unsent(c) == 0) {
        conn_close(c); /* the client is done and so are we */
        return;
    }
    if (c->s->draining && c->state == CONN_WANT_HEAD && c->in_len == c->start) {
        conn_drain(c);
        return;
    }
    update_events(c);
}

void conn_on_event(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    struct conn *c = arg;
    if (events & NET_WRITABLE) {
        c->write_blocked = false;
        if (!flush(c))
            return;
    }
    if ((events & NET_READABLE) && !read_input(c))
        return;
    advance(c);
}

bool conn_check_timeout(struct conn *c, uint64_t now)
{
    const struct httpd_config *cfg = c->s->cfg;
    uint64_t deadline;
    bool answer_408 = false;
    if (unsent(c) > 0) {
        deadline = c->last_io_ms + cfg->idle_timeout_ms; /* a client that does not read */
    } else if (c->state == CONN_CLOSING) {
        deadline = c->closing_since_ms + HTTPD_LINGER_MS;
    } else if (c->state == CONN_WANT_BODY) {
        deadline = c->last_io_ms + cfg->body_timeout_ms;
        answer_408 = true;
    } else if (c->in_len > c->start) {
        /* Pipelined bytes not looked at yet (output was full) start their clock now. */
        if (c->request_start_ms == 0)
            c->request_start_ms = now;
        deadline = c->request_start_ms + cfg->header_timeout_ms; /* slowloris */
        answer_408 = true;
    } else if (c->requests == 0) {
        deadline = c->last_io_ms + cfg->header_timeout_ms; /* connected, sent nothing */
    } else {
        deadline = c->last_io_ms + cfg->idle_timeout_ms; /* keep-alive, idle */
    }
    if (now < deadline)
        return true;
    if (!answer_408) {
        conn_close(c);
        return false;
    }
    c->s->st.timeouts_408++;
    respond_error(c, 408, "request not received in time");
    c->in_len = c->start = 0;
    if (!flush(c))
        return false;
    update_events(c);
    return true;
}

void conn_drain(struct conn *c)
{
    if (c->state == CONN_WANT_HEAD && c->in_len == c->start) {
        if (unsent(c) == 0) {
            conn_close(c);
            return;
        }
        c->state = CONN_CLOSING; /* its last response is on the way */
        c->closing_since_ms = net_now_ms();
    }
    /* A request in progress is answered with Connection: close (route() sees draining). */
    update_events(c);
}
