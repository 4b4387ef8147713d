/*
 * One client connection: the socket side of a session core (src/httpd/httpd_session.h).
 * Bytes read go into the buffer the session lends, bytes it hands out are queued in `out`
 * and sent as the socket takes them, the time comes from the loop; the session says what
 * to do next (send, record, answer a request, half-close, close) and what to wait for.
 * Routing (which answer a request gets) is here, not in the core.
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

#define CONN_READS_PER_WAKE 4  /* so one fast client cannot starve the others */
#define CONN_KEEP_OUTPUT 65536 /* an output buffer larger than this is freed when empty */

/* A string literal as a response body. */
#define SET_BODY(resp, s) ((resp).body = (const uint8_t *)(s), (resp).body_len = sizeof(s) - 1)

static const char hello_page[] =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>ph-httpd</title></head>\n"
    "<body><h1>Hello from ph-httpd</h1>\n"
    "<p>The protoharness strict HTTP/1.1 parser on a real socket. "
    "<code>/echo</code> answers any request as the parser saw it (JSON).</p>\n"
    "</body></html>\n";

static size_t unsent(const struct conn *c)
{
    return c->out.len - c->sent;
}

struct conn *conn_open(struct server *s, int fd)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->s = s;
    c->fd = fd;
    httpd_session_init(&c->hs, &s->session, net_now_ms());
    if (net_loop_watch(s->loop, fd, NET_READABLE, conn_on_event, c) != 0) {
        free(c);
        return NULL;
    }
    c->events = NET_READABLE;
    LIST_INSERT_HEAD(&s->conns, c, link);
    s->nconns++;
    return c;
}

void conn_close(struct conn *c)
{
    struct server *s = c->s;
    net_loop_unwatch(s->loop, c->fd);
    close(c->fd);
    LIST_REMOVE(c, link);
    s->nconns--;
    free(c->in);
    byte_buf_free(&c->out);
    free(c);
    server_conn_closed(s);
}

/* ---- routing ---------------------------------------------------------------------------- */

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

/* Routes one complete request: / (hello), /echo (the request as JSON), OPTIONS * (204),
 * else 404; with --echo-all, everything as /echo. Queues the answer the session makes
 * of it. */
static void route(struct conn *c, const struct http_request *r, const uint8_t *body,
                  size_t body_len)
{
    bool head = slice_is(r->method, "HEAD");
    bool get = head || slice_is(r->method, "GET");
    struct ph_slice path = target_path(r);
    struct httpd_response resp = {.status = 404, .content_type = "text/plain"};
    struct byte_buf json = {0};
    /* --echo-all: a differential run wants every server's reading of every request,
     * so no route may answer in its own way (docs/diff.md). */
    bool echo_all = c->s->cfg->echo_all;

    if (r->target_form == HTTP_TARGET_ASTERISK && !echo_all) {
        resp = (struct httpd_response){.status = 204,
                                       .extra = "Allow: GET, HEAD, OPTIONS, POST, PUT\r\n"};
    } else if (r->target_form == HTTP_TARGET_AUTHORITY && !echo_all) {
        resp.status = 405;
        resp.extra = "Allow: GET, HEAD\r\n";
        SET_BODY(resp, "405 Method Not Allowed: not a proxy\n");
    } else if (echo_all || slice_is(path, "/echo")) {
        http_json_request(&json, r, body, body_len);
        resp = (struct httpd_response){.status = 200,
                                       .content_type = "application/json",
                                       .body = json.data,
                                       .body_len = json.len};
        if (json.failed)
            resp = (struct httpd_response){.status = 500, .error = "out of memory"};
    } else if (slice_is(path, "/")) {
        if (get) {
            resp.status = 200;
            resp.content_type = "text/html; charset=utf-8";
            SET_BODY(resp, hello_page);
        } else {
            resp.status = 405;
            resp.extra = "Allow: GET, HEAD\r\n";
            SET_BODY(resp, "405 Method Not Allowed\n");
        }
    } else {
        SET_BODY(resp, "404 Not Found\n");
    }
    struct httpd_action sent;
    httpd_session_respond(&c->hs, &resp, &sent);
    if (sent.kind == HTTPD_ACT_SEND) {
        if (sent.error != NULL)
            c->s->st.errors++;
        byte_buf_append(&c->out, sent.data[0].ptr, sent.data[0].len);
        byte_buf_append(&c->out, sent.data[1].ptr, sent.data[1].len);
    }
    byte_buf_free(&json);
}

/* ---- the session's actions ------------------------------------------------------------- */

/* Does what the session asks until it waits. Returns false when the connection closed. */
static bool run_actions(struct conn *c)
{
    struct server *s = c->s;
    for (;;) {
        struct httpd_action a;
        httpd_session_poll(&c->hs, &a);
        switch (a.kind) {
        case HTTPD_ACT_NONE:
            return true;
        case HTTPD_ACT_SEND:
            byte_buf_append(&c->out, a.data[0].ptr, a.data[0].len);
            byte_buf_append(&c->out, a.data[1].ptr, a.data[1].len);
            if (a.error != NULL) {
                s->st.errors++;
                if (a.status == 408)
                    s->st.timeouts_408++;
                if (s->cfg->verbose)
                    fprintf(stderr, "ph-httpd: fd %d: %d %s\n", c->fd, a.status, a.error);
            }
            break;
        case HTTPD_ACT_RECORD:
            if (s->record != NULL)
                server_record(s, a.bytes.ptr, a.bytes.len);
            break;
        case HTTPD_ACT_REQUEST:
            s->st.requests++;
            route(c, a.request, a.bytes.ptr, a.bytes.len);
            break;
        case HTTPD_ACT_SHUTDOWN:
            net_shutdown_write(c->fd);
            break;
        case HTTPD_ACT_CLOSE:
            if (a.fault != HTTPD_ERR_OK)
                fprintf(stderr, "ph-httpd: fd %d: %s\n", c->fd, httpd_strerror(a.fault));
            conn_close(c);
            return false;
        }
        if (c->out.failed)
            httpd_session_reset(&c->hs); /* out of memory for the answer: drop the client */
    }
}

/* ---- reading and writing --------------------------------------------------------------- */

/* Lends the session a larger input buffer when it asks. */
static void grow_input(struct conn *c, size_t cap)
{
    uint8_t *p = realloc(c->in, cap);
    if (p == NULL)
        return; /* reads go on in the room there is */
    c->in = p;
    httpd_session_set_input(&c->hs, p, cap);
}

/* Reads what the socket has into the session. */
static void read_input(struct conn *c)
{
    for (int i = 0; i < CONN_READS_PER_WAKE; i++) {
        struct httpd_interest want;
        httpd_session_interest(&c->hs, &want);
        if (c->hs.peer_eof || c->hs.state == HTTPD_CLOSED)
            return;
        if (want.grow_to != 0)
            grow_input(c, want.grow_to);
        size_t room;
        uint8_t *space = httpd_session_read_space(&c->hs, &room);
        if (room == 0)
            return;
        ssize_t n = net_read(c->fd, space, room);
        if (n > 0) {
            httpd_session_received(&c->hs, (size_t)n, net_now_ms());
            if ((size_t)n < room)
                return;
            continue;
        }
        if (n == 0) {
            httpd_session_peer_closed(&c->hs, net_now_ms());
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            httpd_session_reset(&c->hs); /* reset by the peer, or worse: this connection only */
        return;
    }
}

/* Sends what the socket takes, telling the session. Returns the bytes written. */
static size_t flush(struct conn *c)
{
    size_t total = 0;
    while (unsent(c) > 0) {
        ssize_t n = net_write(c->fd, c->out.data + c->sent, unsent(c));
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->write_blocked = true;
                byte_buf_consume(&c->out, c->sent);
                c->sent = 0;
            } else {
                httpd_session_reset(&c->hs);
            }
            return total;
        }
        c->sent += (size_t)n;
        total += (size_t)n;
        httpd_session_written(&c->hs, (size_t)n, net_now_ms());
    }
    c->write_blocked = false;
    c->out.len = 0;
    c->sent = 0;
    if (c->out.cap > CONN_KEEP_OUTPUT)
        byte_buf_free(&c->out);
    return total;
}

static void update_events(struct conn *c)
{
    struct httpd_interest want;
    httpd_session_interest(&c->hs, &want);
    unsigned ev = want.read ? NET_READABLE : 0;
    if (c->write_blocked)
        ev |= NET_WRITABLE;
    if (ev != c->events && net_loop_set_events(c->s->loop, c->fd, ev) == 0)
        c->events = ev;
}

/* After any event: act on it, send what can be sent (which may let the session go on),
 * then decide what to wait for. */
static void advance(struct conn *c)
{
    for (;;) {
        if (!run_actions(c))
            return;
        if (flush(c) == 0)
            break;
    }
    if (!run_actions(c)) /* a failed write resets the session */
        return;
    update_events(c);
}

void conn_on_event(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    struct conn *c = arg;
    if (events & NET_WRITABLE)
        c->write_blocked = false;
    if (events & NET_READABLE)
        read_input(c);
    advance(c);
}

void conn_check_timeout(struct conn *c, uint64_t now)
{
    httpd_session_tick(&c->hs, now);
    advance(c);
}

void conn_drain(struct conn *c)
{
    httpd_session_drain(&c->hs, net_now_ms());
    advance(c);
}
