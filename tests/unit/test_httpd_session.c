/*
 * The HTTP server session core (src/httpd/httpd_session.h), driven through whole sessions:
 * a spec table, one behaviour per row. A row is an event script (bytes arriving, bytes
 * written, half-close, reset, the clock, drain) and the transcript of actions it must
 * give. After every event the driver polls until HTTPD_ACT_NONE, answers each REQUEST with
 * a small router, and writes everything handed out unless the row holds writes back.
 *
 * Transcript words: "req:METHOD TARGET BODY" a REQUEST, "rec:N" a RECORD of N bytes,
 * "send:STATUS/BODYLEN" a SEND (with "!" for an error response that closes), "fin" a
 * SHUTDOWN, "close" a CLOSE ("close:FAULT" after a bad event order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guard_buf.h"
#include "test_table.h"
#include "httpd/httpd_session.h"

enum ev_kind {
    EV_END = 0,
    EV_IN,
    EV_EOF,
    EV_RESET,
    EV_TICK,
    EV_DRAIN,
    EV_REFUSE,
    EV_WRITE,
    EV_HOLD,
    EV_RESPOND_AGAIN
};

struct ev {
    enum ev_kind kind;
    const char *data;      /* EV_IN: bytes; split into reads of `n` (0: one read) */
    size_t n;              /* EV_IN: read size; EV_WRITE: bytes the socket takes */
    uint64_t t;            /* EV_TICK: the clock jumps to t; every event happens at the clock */
    enum httpd_error want; /* what the event call returns */
};

/* clang-format off */
#define IN(s) {EV_IN, (s), 0, 0, HTTPD_ERR_OK}
#define IN_BY(s, k) {EV_IN, (s), (k), 0, HTTPD_ERR_OK}
#define PEER_EOF {EV_EOF, NULL, 0, 0, HTTPD_ERR_OK}
#define RESET {EV_RESET, NULL, 0, 0, HTTPD_ERR_OK}
#define TICK(ms) {EV_TICK, NULL, 0, (ms), HTTPD_ERR_OK}
#define DRAIN {EV_DRAIN, NULL, 0, 0, HTTPD_ERR_OK}
#define REFUSE {EV_REFUSE, NULL, 0, 0, HTTPD_ERR_OK}
#define HOLD {EV_HOLD, NULL, 0, 0, HTTPD_ERR_OK}      /* stop writing output */
#define WRITE(k) {EV_WRITE, NULL, (k), 0, HTTPD_ERR_OK} /* the socket takes k bytes */
#define WRITE_ALL {EV_WRITE, NULL, SIZE_MAX, 0, HTTPD_ERR_OK}
#define BAD(e, ...) {.want = HTTPD_ERR_##e, .kind = __VA_ARGS__}
/* clang-format on */

struct session_row {
    const char *label;
    struct ev ev[12];
    const char *transcript;
    bool record;
    size_t max_output; /* 0: the default below */
};

static const char date[] = "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n";

struct driver {
    struct httpd_session_config cfg;
    struct httpd_session s;
    uint8_t *in;
    char out[4096]; /* the transcript */
    size_t unwritten;
    bool hold;
    uint64_t now;
};

static void say(struct driver *d, const char *fmt, ...)
{
    size_t len = strlen(d->out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->out + len, sizeof(d->out) - len, fmt, ap);
    va_end(ap);
}

/* An error answer's text is not part of the contract: only whether it has one. */
static void say_send(struct driver *d, const struct httpd_action *a)
{
    if (a->error != NULL && a->data[1].len > 0)
        say(d, "send:%d! ", a->status);
    else
        say(d, "send:%d/%zu%s ", a->status, a->data[1].len, a->error ? "!" : "");
}

/* The router of these tests: /404 is 404, /close asks to close, /err is an error answer;
 * anything else 200 with the decoded body echoed. */
static void answer(struct driver *d, const struct httpd_action *a)
{
    const struct http_request *r = a->request;
    say(d, "req:%.*s %.*s %.*s ", (int)r->method.len, (const char *)r->method.ptr,
        (int)r->target.len, (const char *)r->target.ptr, (int)a->bytes.len,
        a->bytes.ptr ? (const char *)a->bytes.ptr : "");
    struct httpd_response resp = {.status = 200, .body = a->bytes.ptr, .body_len = a->bytes.len};
    if (r->target.len == 4 && memcmp(r->target.ptr, "/404", 4) == 0)
        resp.status = 404;
    if (r->target.len == 6 && memcmp(r->target.ptr, "/close", 6) == 0)
        resp.close = true;
    if (r->target.len == 4 && memcmp(r->target.ptr, "/err", 4) == 0)
        resp = (struct httpd_response){.status = 500, .error = "route failed"};
    struct httpd_action sent;
    assert_int_equal(httpd_session_respond(&d->s, &resp, &sent), HTTPD_ERR_OK);
    assert_int_equal(sent.kind, HTTPD_ACT_SEND);
    say_send(d, &sent);
    d->unwritten += sent.data[0].len + sent.data[1].len;
}

/* Polls until the session waits; writes everything unless held. */
static void run(struct driver *d)
{
    for (int guard = 0; guard < 1000; guard++) {
        struct httpd_action a;
        httpd_session_poll(&d->s, &a);
        switch (a.kind) {
        case HTTPD_ACT_NONE:
            if (d->hold || d->unwritten == 0)
                return;
            assert_int_equal(httpd_session_written(&d->s, d->unwritten, d->now), HTTPD_ERR_OK);
            d->unwritten = 0;
            break;
        case HTTPD_ACT_SEND:
            say_send(d, &a);
            d->unwritten += a.data[0].len + a.data[1].len;
            break;
        case HTTPD_ACT_RECORD:
            say(d, "rec:%zu ", a.bytes.len);
            break;
        case HTTPD_ACT_REQUEST:
            answer(d, &a);
            break;
        case HTTPD_ACT_SHUTDOWN:
            say(d, "fin ");
            break;
        case HTTPD_ACT_CLOSE:
            if (a.fault != HTTPD_ERR_OK)
                say(d, "close:%s", httpd_error_name(a.fault));
            else
                say(d, "close");
            return;
        }
    }
    fail_msg("the session never settled");
}

/* Delivers bytes as the socket would: into the lent buffer, growing it when asked. */
static enum httpd_error deliver(struct driver *d, const char *data, size_t len, size_t piece)
{
    enum httpd_error e = HTTPD_ERR_OK;
    size_t off = 0;
    while (off < len && e == HTTPD_ERR_OK) {
        struct httpd_interest want;
        httpd_session_interest(&d->s, &want);
        if (want.grow_to != 0) {
            d->in = realloc(d->in, want.grow_to);
            assert_non_null(d->in);
            assert_int_equal(httpd_session_set_input(&d->s, d->in, want.grow_to), HTTPD_ERR_OK);
        }
        size_t room;
        uint8_t *space = httpd_session_read_space(&d->s, &room);
        size_t n = len - off;
        if (piece != 0 && n > piece)
            n = piece;
        if (!want.read) /* what the shell never does: deliver it anyway, as one read */
            room = n;
        if (n > room)
            n = room;
        if (n == 0)
            return e;
        if (want.read)
            memcpy(space, data + off, n);
        e = httpd_session_received(&d->s, n, d->now);
        off += n;
        run(d);
    }
    return e;
}

static void run_row(const struct session_row *row)
{
    static struct driver drv; /* static: a failed row leaks nothing */
    struct driver *d = &drv;
    free(d->in);
    memset(d, 0, sizeof(*d));
    d->cfg = (struct httpd_session_config){
        .max_head = 256,
        .max_body = 64,
        .max_output = row->max_output ? row->max_output : 4096,
        .header_timeout_ms = 1000,
        .body_timeout_ms = 1000,
        .idle_timeout_ms = 5000,
        .linger_ms = 2000,
        .record = row->record,
        .date = date,
    };
    httpd_session_init(&d->s, &d->cfg, 0);
    for (const struct ev *e = row->ev; e->kind != EV_END; e++) {
        enum httpd_error got = HTTPD_ERR_OK;
        switch (e->kind) {
        case EV_IN:
            got = deliver(d, e->data, strlen(e->data), e->n);
            break;
        case EV_EOF:
            got = httpd_session_peer_closed(&d->s, d->now);
            break;
        case EV_RESET:
            got = httpd_session_reset(&d->s);
            break;
        case EV_TICK:
            d->now = e->t;
            got = httpd_session_tick(&d->s, d->now);
            break;
        case EV_DRAIN:
            got = httpd_session_drain(&d->s, d->now);
            break;
        case EV_REFUSE:
            got = httpd_session_refuse(&d->s, d->now);
            break;
        case EV_HOLD:
            d->hold = true;
            break;
        case EV_WRITE:
            d->hold = e->n != SIZE_MAX;
            size_t n = e->n < d->unwritten ? e->n : d->unwritten;
            if (e->want == HTTPD_ERR_WRITTEN_OVERFLOW)
                n = d->unwritten + 1;
            got = httpd_session_written(&d->s, n, d->now);
            d->unwritten -= n <= d->unwritten ? n : d->unwritten;
            break;
        case EV_RESPOND_AGAIN: {
            struct httpd_response resp = {.status = 200};
            struct httpd_action a;
            got = httpd_session_respond(&d->s, &resp, &a);
            break;
        }
        case EV_END:
            break;
        }
        if (got != e->want)
            fail_msg("%s: event %zu returned %s, want %s", row->label, (size_t)(e - row->ev),
                     httpd_error_name(got), httpd_error_name(e->want));
        run(d);
    }
    size_t len = strlen(d->out);
    if (len > 0 && d->out[len - 1] == ' ')
        d->out[len - 1] = '\0';
    if (strcmp(d->out, row->transcript) != 0)
        fail_msg("%s:\n  got  %s\n  want %s", row->label, d->out, row->transcript);
    free(d->in);
    d->in = NULL;
}

#define GET(t) "GET " t " HTTP/1.1\r\nHost: h\r\n\r\n"
#define POST_CHUNKED "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

/* ---- keep-alive, pipelining, bodies, HEAD (RFC 9112 9.3, 6; RFC 9110 9.3.2) ----------- */

/* clang-format off */
static const struct session_row cycle_rows[] = {
    {"one request, then the client half-closes: answered, then closed",
     .ev = {IN(GET("/")), PEER_EOF}, .transcript = "req:GET /  send:200/0 close"},
    {"keep-alive: two requests one after the other on one connection",
     .ev = {IN(GET("/a")), IN(GET("/404")), PEER_EOF}, .transcript = "req:GET /a  send:200/0 req:GET /404  send:404/0 close"},
    {"pipelining: three requests in one read, answered in order",
     .ev = {IN(GET("/a") GET("/b") GET("/c"))},
     .transcript = "req:GET /a  send:200/0 req:GET /b  send:200/0 req:GET /c  send:200/0"},
    {"pipelined requests after the peer's FIN are still answered",
     .ev = {IN(GET("/a") GET("/b")), PEER_EOF},
     .transcript = "req:GET /a  send:200/0 req:GET /b  send:200/0 close"},
    {"a request delivered one byte per read is the same request",
     .ev = {IN_BY(GET("/x"), 1)}, .transcript = "req:GET /x  send:200/0"},
    {"Content-Length body, split anywhere",
     .ev = {IN_BY("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 3)},
     .transcript = "req:POST /p hello send:200/5"},
    {"chunked body byte by byte: decoded",
     .ev = {IN_BY(POST_CHUNKED "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 1)},
     .transcript = "req:POST /up hello world send:200/11"},
    {"chunked body, then a pipelined request",
     .ev = {IN(POST_CHUNKED "3\r\nabc\r\n0\r\n\r\n" GET("/n"))},
     .transcript = "req:POST /up abc send:200/3 req:GET /n  send:200/0"},
    {"HEAD: the GET answer's Content-Length without the body",
     .ev = {IN("HEAD /h HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")},
     .transcript = "req:HEAD /h hi send:200/0"},
    {"HTTP/1.0 without keep-alive: answer, FIN, then close at the client's FIN",
     .ev = {IN("GET / HTTP/1.0\r\n\r\n"), PEER_EOF}, .transcript = "req:GET /  send:200/0 fin close"},
    {"Connection: close: the last answer",
     .ev = {IN("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" GET("/b"))},
     .transcript = "req:GET /a  send:200/0 fin"},
    {"the router closes: no further request is read",
     .ev = {IN(GET("/close") GET("/b")), PEER_EOF}, .transcript = "req:GET /close  send:200/0 fin close"},
    {"the router's error answer: a final error, then FIN",
     .ev = {IN(GET("/err") GET("/b"))}, .transcript = "req:GET /err  send:500! fin"},
    {"half a request, then EOF: nothing to answer",
     .ev = {IN("GET / HTTP/1.1\r\nHo"), PEER_EOF}, .transcript = "fin close"},
    {"half a body, then EOF: nothing to answer",
     .ev = {IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nabc"), PEER_EOF}, .transcript = "fin close"},
    {"--record: the raw request, then the request",
     .ev = {IN(POST_CHUNKED "1\r\nx\r\n0\r\n\r\n")},
     .transcript = "rec:69 req:POST /up x send:200/1", .record = true},
};
/* clang-format on */

/* ---- RFC 9110 10.1.1: Expect: 100-continue -------------------------------------------- */

static const struct session_row continue_rows[] = {
    {"100 Continue before the body, then the answer",
     .ev = {IN("POST /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"),
            IN("ok")},
     .transcript = "send:100/0 req:POST /c ok send:200/2"},
    {"no 100 when the body came with the head",
     .ev = {IN(
         "POST /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok")},
     .transcript = "req:POST /c ok send:200/2"},
    {"no 100 for HTTP/1.0",
     .ev = {IN("POST /c HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"), IN("ok")},
     .transcript = "req:POST /c ok send:200/2 fin"},
    {"over --max-body: 413 at once instead of 100",
     .ev = {IN(
         "POST /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 65\r\n\r\n")},
     .transcript = "send:413! fin"},
};

/* ---- limits: 400, 431, 413, 408 ------------------------------------------------------- */

/* clang-format off */
static const struct session_row limit_rows[] = {
    {"a parse error: its status, then FIN; the rest is discarded",
     .ev = {IN("GET / HTTP/1.1\r\nHost : h\r\n\r\n" GET("/b")), PEER_EOF}, .transcript = "send:400! fin close"},
    {"after an answered request, an error closes the connection",
     .ev = {IN(GET("/a") "BAD\r\n\r\n"), PEER_EOF}, .transcript = "req:GET /a  send:200/0 send:400! fin close"},
    {"a head over max_head: 431",
     .ev = {IN("GET / HTTP/1.1\r\nHost: h\r\nX: "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")},
     .transcript = "send:431! fin"},
    {"a head over max_head with a syntax error past the limit: still 431, split or not",
     .ev = {IN_BY("GET / HTTP/1.1\r\nHost: h\r\nX: "
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\x01\r\n\r\n", 0)},
     .transcript = "send:431! fin"},
    {"Content-Length over max_body: 413 at the head",
     .ev = {IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n")}, .transcript = "send:413! fin"},
    {"Content-Length at max_body: read and answered",
     .ev = {IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 64\r\n\r\n"
         "0123456789012345678901234567890123456789012345678901234567890123")},
     .transcript = "req:POST / 0123456789012345678901234567890123456789012345678901234567890123 send:200/64"},
    {"chunk size ffffffffffffffff: 413 at the end of its size line (issue 12)",
     .ev = {IN(POST_CHUNKED "ffffffffffffffff\r\n")}, .transcript = "send:413! fin"},
    {"a chunk that would carry the body past max_body: 413 before its data",
     .ev = {IN(POST_CHUNKED "3a\r\n")}, .transcript = "send:413! fin"},
    {"a chunk that just fits is waited for: 35 is 4 + 53 + 7 = 64 bytes at least",
     .ev = {IN(POST_CHUNKED "35\r\n")}, .transcript = ""},
    {"one byte more does not: 36 is 65 bytes at least",
     .ev = {IN(POST_CHUNKED "36\r\n")}, .transcript = "send:413! fin"},
    {"a chunk size split over two reads: the decision waits for its LF",
     .ev = {IN(POST_CHUNKED "f"), IN("fffffffffffffff\r\n")}, .transcript = "send:413! fin"},
    {"many small chunks past max_body: 413 at byte max_body + 1",
     .ev = {IN(POST_CHUNKED "1\r\na\r\n1\r\na\r\n1\r\na\r\n1\r\na\r\n1\r\na\r\n1\r\na\r\n1\r\na\r\n1\r\na\r\n"
                      "1\r\na\r\n1\r\na\r\n1\r\na\r\n")},
     .transcript = "send:413! fin"},
    {"a chunked framing error: 400",
     .ev = {IN(POST_CHUNKED "zz\r\n")}, .transcript = "send:400! fin"},
    {"a HEAD request refused: no body in the error answer either",
     .ev = {IN("HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 99\r\n\r\n")}, .transcript = "send:413/0! fin"},
    {"slowloris: a head not complete within header_timeout gets 408",
     .ev = {IN("GET / HTTP/1.1\r\n"), TICK(500), IN("Host"), TICK(999), TICK(1000)},
     .transcript = "send:408! fin"},
    {"a body that stalls for body_timeout gets 408",
     .ev = {IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nab"), TICK(999), TICK(1000)},
     .transcript = "send:408! fin"},
    {"connected, sent nothing: a silent close at header_timeout",
     .ev = {TICK(999), TICK(1000)}, .transcript = "close"},
    {"keep-alive idle: a silent close at idle_timeout",
     .ev = {IN(GET("/")), TICK(4999), TICK(5000)}, .transcript = "req:GET /  send:200/0 close"},
    {"after a final answer: linger, then close at linger_ms without the client's FIN",
     .ev = {IN("BAD\r\n\r\n"), TICK(1999), TICK(2000)}, .transcript = "send:400! fin close"},
    {"input after the final answer is discarded while lingering",
     .ev = {IN("BAD\r\n\r\n"), IN(GET("/")), PEER_EOF}, .transcript = "send:400! fin close"},
};
/* clang-format on */

/* ---- write backpressure, drain, refuse, reset ----------------------------------------- */

/* clang-format off */
static const struct session_row flow_rows[] = {
    {"output over max_output: the next request waits until the client reads",
     .ev = {HOLD, IN("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n12345678" GET("/b")),
      WRITE(100), WRITE_ALL},
     .transcript = "req:POST /a 12345678 send:200/8 req:GET /b  send:200/0", .max_output = 40},
    {"a client that reads nothing: a silent close at idle_timeout",
     .ev = {HOLD, IN(GET("/a")), TICK(4999), TICK(5000)}, .transcript = "req:GET /a  send:200/0 close"},
    {"FIN only once everything handed out is written",
     .ev = {HOLD, IN("BAD\r\n\r\n"), WRITE(10), WRITE_ALL}, .transcript = "send:400! fin"},
    {"drain while idle: closed at once",
     .ev = {IN(GET("/")), DRAIN}, .transcript = "req:GET /  send:200/0 close"},
    {"drain mid-request: answered with Connection: close",
     .ev = {IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n"), DRAIN, IN("ok"), PEER_EOF},
     .transcript = "req:POST / ok send:200/2 fin close"},
    {"drain with an answer unwritten: FIN after it, then linger",
     .ev = {HOLD, IN(GET("/")), DRAIN, WRITE_ALL, PEER_EOF}, .transcript = "req:GET /  send:200/0 fin close"},
    {"refused (server full): 503, FIN, close",
     .ev = {REFUSE}, .transcript = "send:503/0! fin close"},
    {"reset: closed at once, nothing more",
     .ev = {IN("GET / HTTP/1.1\r\n"), RESET}, .transcript = "close"},
};
/* clang-format on */

/* ---- bad event orders: named errors and a clean close ---------------------------------- */

static const struct session_row order_rows[] = {
    {"bytes after the peer's FIN",
     .ev = {HOLD, IN(GET("/")), PEER_EOF, BAD(INPUT_AFTER_EOF, EV_IN, .data = "x")},
     .transcript = "req:GET /  send:200/0 close:INPUT_AFTER_EOF"},
    {"FIN twice", .ev = {HOLD, IN(GET("/")), PEER_EOF, BAD(EOF_TWICE, EV_EOF)},
     .transcript = "req:GET /  send:200/0 close:EOF_TWICE"},
    {"more written than handed out", .ev = {BAD(WRITTEN_OVERFLOW, EV_WRITE, .n = 1)},
     .transcript = "close:WRITTEN_OVERFLOW"},
    {"the clock going back", .ev = {TICK(50), {EV_TICK, NULL, 0, 10, HTTPD_ERR_CLOCK_BACKWARDS}},
     .transcript = "close:CLOCK_BACKWARDS"},
    {"an answer with no request", .ev = {BAD(NO_REQUEST, EV_RESPOND_AGAIN)},
     .transcript = "close:NO_REQUEST"},
    {"events after the close",
     .ev = {RESET, BAD(CLOSED, EV_EOF), BAD(CLOSED, EV_TICK, .t = 5), BAD(CLOSED, EV_RESET)},
     .transcript = "close"},
};

static void run_table(const struct session_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        run_row(&rows[i]);
}

static void test_cycle(void **state)
{
    (void)state;
    run_table(cycle_rows, NROWS(cycle_rows));
}

static void test_continue(void **state)
{
    (void)state;
    run_table(continue_rows, NROWS(continue_rows));
}

static void test_limits(void **state)
{
    (void)state;
    run_table(limit_rows, NROWS(limit_rows));
}

static void test_flow(void **state)
{
    (void)state;
    run_table(flow_rows, NROWS(flow_rows));
}

static void test_orders(void **state)
{
    (void)state;
    run_table(order_rows, NROWS(order_rows));
}

/* The bytes of one answer, exactly: what ph-httpd has always sent. */
static void test_response_bytes(void **state)
{
    (void)state;
    static const struct httpd_session_config cfg = {.max_head = 1024,
                                                    .max_body = 1024,
                                                    .max_output = 4096,
                                                    .header_timeout_ms = 1,
                                                    .body_timeout_ms = 1,
                                                    .idle_timeout_ms = 1,
                                                    .linger_ms = 1,
                                                    .date = date};
    static const char req[] = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    struct httpd_session *s = malloc(sizeof(*s));
    assert_non_null(s);
    httpd_session_init(s, &cfg, 0);
    uint8_t *in = guard_buf_new(req, sizeof(req) - 1);
    /* The guard page ends the lent buffer: the session reads nothing past it. */
    assert_int_equal(httpd_session_set_input(s, in, sizeof(req) - 1), HTTPD_ERR_OK);
    assert_int_equal(httpd_session_received(s, sizeof(req) - 1, 0), HTTPD_ERR_OK);
    struct httpd_action a;
    httpd_session_poll(s, &a);
    assert_int_equal(a.kind, HTTPD_ACT_REQUEST);
    struct httpd_response resp = {.status = 404,
                                  .content_type = "text/plain",
                                  .extra = "X-A: b\r\n",
                                  .body = (const uint8_t *)"nope\n",
                                  .body_len = 5};
    assert_int_equal(httpd_session_respond(s, &resp, &a), HTTPD_ERR_OK);
    static const char want[] = "HTTP/1.1 404 Not Found\r\nServer: ph-httpd\r\n"
                               "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
                               "Content-Type: text/plain\r\nX-A: b\r\nContent-Length: 5\r\n"
                               "Connection: keep-alive\r\n\r\n";
    assert_int_equal(a.data[0].len, sizeof(want) - 1);
    assert_memory_equal(a.data[0].ptr, want, sizeof(want) - 1);
    assert_memory_equal(a.data[1].ptr, "nope\n", 5);
    guard_buf_free(in, sizeof(req) - 1);
    free(s);
}

/* A response head that does not fit: 500 and a named error, never an overflow. */
static void test_response_too_large(void **state)
{
    (void)state;
    static const struct httpd_session_config cfg = {.max_head = 1024,
                                                    .max_body = 1024,
                                                    .max_output = 4096,
                                                    .header_timeout_ms = 1,
                                                    .body_timeout_ms = 1,
                                                    .idle_timeout_ms = 1,
                                                    .linger_ms = 1};
    static char extra[HTTPD_MAX_RESPONSE_HEAD + 8];
    memset(extra, 'a', sizeof(extra) - 1);
    struct httpd_session *s = malloc(sizeof(*s));
    uint8_t in[64];
    assert_non_null(s);
    httpd_session_init(s, &cfg, 0);
    httpd_session_set_input(s, in, sizeof(in));
    memcpy(in, GET("/"), sizeof(GET("/")) - 1);
    httpd_session_received(s, sizeof(GET("/")) - 1, 0);
    struct httpd_action a;
    httpd_session_poll(s, &a);
    assert_int_equal(a.kind, HTTPD_ACT_REQUEST);
    struct httpd_response resp = {.status = 200, .extra = extra};
    assert_int_equal(httpd_session_respond(s, &resp, &a), HTTPD_ERR_RESPONSE_HEAD);
    assert_int_equal(a.kind, HTTPD_ACT_SEND);
    assert_int_equal(a.status, 500);
    assert_non_null(a.error);
    free(s);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(httpd_error_name(HTTPD_ERR_EOF_TWICE), "EOF_TWICE");
    assert_string_equal(httpd_strerror(HTTPD_ERR_OK), "no error");
    assert_string_equal(httpd_reason(431), "Request Header Fields Too Large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_continue),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_flow),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_response_bytes),
        cmocka_unit_test(test_response_too_large),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
