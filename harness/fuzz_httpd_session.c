/*
 * Fuzz target httpd_session: whole connections of ph-httpd's session core
 * (src/httpd/httpd_session.h), one input = one script of events, driven the way ph-httpd's
 * shell (src/ph-httpd/httpd_conn.c) drives it: bytes the client sent wait in a model socket
 * and are read into the buffer the session lends whenever it wants input; what it hands
 * out is queued and written only when the script gives the socket room. Every response
 * is checked with the response parser (http_parse_response) and every request against a
 * model that reads the same bytes. docs/fuzzing.md describes the script.
 *
 * Script: a 4-byte header, then events until the input ends.
 *   header  b0: max_head = 64 + 32*b0; b1: max_body = 32*b1; b2: max_output = 64*(b2+1);
 *           b3: header and body timeouts 1000*(1 + (b3 & 7)) ms, idle timeout
 *           1000*(1 + ((b3 >> 3) & 7)) ms, 0x40 RECORD actions on, 0x80 a Date line
 *   event   one byte, the low nibble says which:
 *     0  data      len (1), len bytes: the client sent them (read when the session wants)
 *     1  write     k (1): the socket takes up to 8*k queued bytes; k 0: all of them
 *     2  eof       the client half-closed (seen once the bytes before it are read)
 *     3  reset     the connection was reset (a failed read or write)
 *     4  clock     d (1): d*64 ms pass, then the timeout sweep (tick)
 *     5  drain     SIGTERM: httpd_session_drain
 *     6  refuse    the server is full (503 mode); only as the first event, as the shell
 *     7  nogrow    the next input buffer growth fails (realloc returned NULL)
 *     else         nothing
 * At the end every queued byte is written and the session runs until it waits.
 * A request is answered by its target's last byte (mod 8): echo its body; 204; 404; a
 * body larger than max_output; Connection: close; an error (500); a head over
 * HTTPD_MAX_RESPONSE_HEAD; a status out of range.
 *
 * Invariants (besides no crash, no sanitizer report, no named session error):
 *   - every byte handed out is a sequence of HTTP/1.1 responses that http_parse_response
 *     accepts, each exactly one SEND, Content-Length equal to the body sent (none after
 *     HEAD), no bytes after a response without keep-alive, an error response the last;
 *   - REQUEST only for a request the model has read whole from the bytes delivered, in
 *     order, with the same method, target and decoded body; RECORD its exact bytes;
 *   - an error response has the status the model expects for the bytes at that point
 *     (431, 413, 400...), 408 only after a tick, 503 only after refuse; and no session
 *     waits for bytes when its answer is already decided (a chunk size over max_body
 *     gets 413 at its line end); a connection that closes with no last response (error,
 *     Connection: close, drain) had half a request and the client's EOF;
 *   - nothing is sent after SHUTDOWN or after CLOSE; SHUTDOWN only with all written;
 *   - the input buffer stays within max_head + max_body + HTTPD_INPUT_SLACK, and a new
 *     request is looked at only while the unwritten output is at most max_output;
 *   - PH_SPLIT_ORACLE builds (the deep build: ctest's replay, ci/fuzz.sh's check of
 *     every corpus entry): the same bytes split differently give the same responses
 *     (100 Continue aside): the script's run (when it has no clock, drain, refuse, reset
 *     or failed growth) equals the run with every byte delivered at once, and that one
 *     the run with them delivered one byte at a time.
 * The input buffer grows as by realloc under ASan (fuzz_grow.h: it moves, and a stale
 * slice is a report) without the allocator, whose quarantine cost the most time.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "fuzz_grow.h"
#include "httpd/httpd_session.h"

#define MAX_TX 65536       /* client bytes per input; more ends the script */
#define MAX_OUT (4u << 20) /* server bytes per run */
#define MAX_SENDS 4096     /* SEND actions per run */
#define BIG_BODY 20000     /* larger than any max_output */
/* The largest input buffer: max_head + max_body + HTTPD_INPUT_SLACK at b0 = b1 = 255. */
#define MAX_INPUT (64 + 32 * 255 + 32 * 255 + HTTPD_INPUT_SLACK)

struct send {
    size_t off, len;
    int status;
    bool head;        /* it answers HEAD: no body */
    bool interim;     /* 100 Continue */
    bool error;       /* a final error response: the connection closes after it */
    bool close;       /* expected without keep-alive */
    long content_len; /* expected Content-Length, -1: whatever the session chose */
};

/* What the bytes at the model's cursor call for. */
enum verdict { NEED_MORE, COMPLETE, ANSWER_ERROR };

struct model {
    enum verdict v;
    int status; /* ANSWER_ERROR */
    struct http_request req;
    bool head;                /* the head parsed and its method is HEAD */
    size_t head_len, raw_len; /* COMPLETE: the request is tx[cursor..cursor+head+raw) */
    size_t body_len;          /* COMPLETE: decoded body, in scratch */
};

struct run {
    struct httpd_session s;
    struct httpd_session_config cfg;
    uint8_t *in;
    size_t in_cap;
    /* The client's bytes: tx[0..rd) read by the session, tx[rd..tx_len) in the socket. */
    const uint8_t *tx;
    size_t tx_len, rd;
    bool tx_eof, eof_delivered;
    size_t cursor; /* the model: tx[0..cursor) are requests answered */
    uint8_t *out;  /* everything handed out, in order */
    size_t out_len, written, final_len;
    size_t nsends;
    uint64_t now;
    bool auto_write; /* oracle runs: every byte is written as soon as it is queued */
    bool no_grow;    /* the next growth fails */
    bool ticked, refused, reset, drained, shut_down, closed, final_sent, full;
    bool close_response; /* a response went out without keep-alive */
    bool recorded;       /* RECORD seen for the request under way */
    size_t recorded_len;
    /* The model at tx[cursor..rd) when model_ok: the same bytes give the same answer, so
     * it is worked out once per cursor and read position, not at every action. */
    bool model_ok;
    size_t model_cursor, model_rd;
    /* Last: run_start clears only what comes before. */
    struct model model;
    struct send sends[MAX_SENDS];
};

static struct run main_run;
static uint8_t out_main[MAX_OUT];
#ifdef PH_SPLIT_ORACLE
static struct run oracle_a, oracle_b;
static uint8_t out_a[MAX_OUT], out_b[MAX_OUT];
#endif
static uint8_t scratch[MAX_TX]; /* the decoded body of the current run's model */
/* The input buffer the runs lend the session (one run at a time), grown as by realloc. */
static struct fuzz_grow input;
static _Alignas(64) uint8_t input_blocks[2][MAX_INPUT];
static uint8_t big_body[BIG_BODY];
static char big_extra[HTTPD_MAX_RESPONSE_HEAD + 64];
static const char date_line[] = "Date: Sat, 05 Dec 2026 20:00:00 GMT\r\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < BIG_BODY; i++)
        big_body[i] = (uint8_t)('a' + i % 26);
    size_t n = 0;
    while (n + 20 < sizeof(big_extra)) {
        memcpy(big_extra + n, "X-Pad: 0123456789\r\n", 19);
        n += 19;
    }
    big_extra[n] = '\0';
    fuzz_grow_init(&input, input_blocks[0], input_blocks[1], MAX_INPUT);
    return 0;
}

/* ---- the model: what the bytes at the cursor call for ---------------------------------- */
/* A chunked body as the session must read it (RFC 9112 7.1): pieces end at every LF, and
 * at the LF of a size line a chunk that cannot fit in max_body with the last-chunk after
 * it is 413 at once; byte max_body + 1 of the body as sent is 413. */
static void model_chunked(const struct run *r, const uint8_t *b, size_t n, struct model *m)
{
    const uint64_t max = r->cfg.max_body;
    struct http_chunked_decoder dec;
    http_chunked_init(&dec);
    size_t at = 0, decoded = 0;
    while (at < n) {
        if (at >= max) {
            m->v = ANSWER_ERROR, m->status = 413;
            return;
        }
        size_t k = n - at;
        if (k > max - at)
            k = (size_t)(max - at);
        const uint8_t *lf = memchr(b + at, '\n', k);
        if (lf != NULL)
            k = (size_t)(lf - (b + at)) + 1;
        memcpy(scratch + decoded, b + at, k);
        struct http_chunked_result res;
        enum ph_status st = http_decode_chunked(&dec, scratch + decoded, k, &res);
        at += res.consumed;
        decoded += res.decoded;
        if (st == PH_REJECT) {
            m->v = ANSWER_ERROR, m->status = http_error_status(res.error);
            return;
        }
        if (st == PH_OK) {
            m->v = COMPLETE, m->raw_len = at, m->body_len = decoded;
            return;
        }
        if (lf != NULL && dec.chunk_left > 0 &&
            (dec.chunk_left > max - at || max - at - dec.chunk_left < HTTPD_CHUNK_MIN_TAIL)) {
            m->v = ANSWER_ERROR, m->status = 413;
            return;
        }
    }
    m->v = NEED_MORE;
}

static void model_next(const struct run *r, struct model *m)
{
    const uint8_t *p = r->tx + r->cursor;
    size_t avail = r->rd - r->cursor;
    m->v = NEED_MORE;
    m->status = 0;
    m->head = false;
    m->head_len = m->raw_len = m->body_len = 0;
    size_t n = avail < r->cfg.max_head + 1 ? avail : r->cfg.max_head + 1;
    /* Also with no bytes: the parser resets every output (INCOMPLETE). */
    enum ph_status st = http_parse_request(p, n, &m->req);
    if (st == PH_REJECT) {
        m->v = ANSWER_ERROR, m->status = http_error_status(m->req.error);
        return;
    }
    if (st == PH_INCOMPLETE || m->req.consumed > r->cfg.max_head) {
        if (n > r->cfg.max_head)
            m->v = ANSWER_ERROR, m->status = 431;
        return;
    }
    m->head_len = m->req.consumed;
    m->head = m->req.method.len == 4 && memcmp(m->req.method.ptr, "HEAD", 4) == 0;
    size_t body_avail = avail - m->head_len;
    switch (m->req.framing) {
    case HTTP_FRAMING_NONE:
        m->v = COMPLETE;
        return;
    case HTTP_FRAMING_LENGTH:
        if (m->req.content_length > r->cfg.max_body) {
            m->v = ANSWER_ERROR, m->status = 413;
            return;
        }
        if (body_avail >= m->req.content_length) {
            m->v = COMPLETE, m->raw_len = m->body_len = (size_t)m->req.content_length;
            memcpy(scratch, p + m->head_len, m->body_len);
        }
        return;
    case HTTP_FRAMING_CHUNKED:
        model_chunked(r, p + m->head_len, body_avail, m);
        return;
    }
}

/* The model at the current cursor and read position; valid until either moves. */
static const struct model *model_at(struct run *r)
{
    if (!r->model_ok || r->model_cursor != r->cursor || r->model_rd != r->rd) {
        model_next(r, &r->model);
        r->model_ok = true;
        r->model_cursor = r->cursor;
        r->model_rd = r->rd;
    }
    return &r->model;
}

/* ---- the shell ------------------------------------------------------------------------ */

static void queue(struct run *r, const struct httpd_action *a, struct send meta)
{
    /* Nothing after the half-close, the close, or a response that ends the connection. */
    FUZZ_CHECK(!r->shut_down && !r->closed && !r->final_sent && !r->close_response);
    size_t len = a->data[0].len + a->data[1].len;
    if (r->nsends == MAX_SENDS || len > MAX_OUT - r->out_len) {
        r->full = true;
        return;
    }
    /* A new message is made only while the client keeps up (write backpressure); the
     * 408 of a timeout and the 503 of refuse come whatever the output holds. */
    if (meta.status != 408 && meta.status != 503)
        FUZZ_CHECK(r->out_len - r->written <= r->cfg.max_output);
    memcpy(r->out + r->out_len, a->data[0].ptr, a->data[0].len);
    if (a->data[1].len > 0)
        memcpy(r->out + r->out_len + a->data[0].len, a->data[1].ptr, a->data[1].len);
    meta.off = r->out_len;
    meta.len = len;
    r->sends[r->nsends++] = meta;
    r->out_len += len;
    if (meta.error)
        r->final_sent = true;
    if (meta.close)
        r->close_response = true;
}

static bool slice_eq(struct ph_slice a, struct ph_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The answer a request gets, chosen by its target's last byte. */
static void choose(const struct http_request *req, const struct ph_slice *body,
                   struct httpd_response *resp)
{
    uint8_t key = req->target.len > 0 ? req->target.ptr[req->target.len - 1] : 0;
    *resp = (struct httpd_response){.status = 200, .content_type = "text/plain"};
    switch (key % 8) {
    case 0:
        resp->content_type = "application/octet-stream";
        resp->body = body->ptr, resp->body_len = body->len;
        break;
    case 1:
        /* a body the core must drop (RFC 9110 15.3.5) */
        *resp = (struct httpd_response){.status = 204,
                                        .extra = "Allow: GET, HEAD\r\n",
                                        .body = body->ptr,
                                        .body_len = body->len};
        break;
    case 2:
        resp->status = 404, resp->body = (const uint8_t *)"404 Not Found\n", resp->body_len = 14;
        break;
    case 3:
        resp->body = big_body, resp->body_len = BIG_BODY;
        break;
    case 4:
        resp->close = true, resp->body = (const uint8_t *)"bye\n", resp->body_len = 4;
        break;
    case 5:
        *resp = (struct httpd_response){.status = 500, .error = "out of memory"};
        break;
    case 6:
        resp->extra = big_extra;
        break;
    case 7:
        resp->status = 600 + key; /* a shell bug the core must survive */
        break;
    }
}

static void on_request(struct run *r, const struct httpd_action *a)
{
    const struct model *m = model_at(r);
    /* Only a request the model has read whole, the next one in order. */
    FUZZ_CHECK(m->v == COMPLETE);
    const struct http_request *req = a->request;
    FUZZ_CHECK(slice_eq(req->method, m->req.method) && slice_eq(req->target, m->req.target));
    FUZZ_CHECK(req->minor_version == m->req.minor_version && req->framing == m->req.framing);
    FUZZ_CHECK(fuzz_inside(req->target.ptr, req->target.len, r->in, r->in_cap));
    FUZZ_CHECK(a->bytes.len == m->body_len);
    if (m->body_len > 0)
        FUZZ_CHECK(memcmp(a->bytes.ptr, scratch, m->body_len) == 0);
    if (r->cfg.record)
        FUZZ_CHECK(r->recorded && r->recorded_len == m->head_len + m->raw_len);
    r->recorded = false;
    r->cursor += m->head_len + m->raw_len;

    struct httpd_response resp;
    choose(req, &a->bytes, &resp);
    bool keep = req->keep_alive && !resp.close && !r->s.draining;
    struct send meta = {
        .status = resp.status, .head = m->head, .close = !keep, .content_len = (long)resp.body_len};
    enum httpd_error want = HTTPD_ERR_OK;
    if (resp.error != NULL) {
        meta = (struct send){.status = resp.status,
                             .head = m->head,
                             .error = true,
                             .close = true,
                             .content_len = -1};
    } else if (resp.status > 599) {
        meta = (struct send){
            .status = 500, .head = m->head, .error = true, .close = true, .content_len = -1};
        want = HTTPD_ERR_RESPONSE_STATUS;
    } else if (resp.extra == big_extra) {
        meta = (struct send){
            .status = 500, .head = m->head, .error = true, .close = true, .content_len = -1};
        want = HTTPD_ERR_RESPONSE_HEAD;
    }
    struct httpd_action sent;
    FUZZ_CHECK(httpd_session_respond(&r->s, &resp, &sent) == want);
    FUZZ_CHECK(sent.kind == HTTPD_ACT_SEND && sent.status == meta.status);
    FUZZ_CHECK((sent.error != NULL) == meta.error);
    if (!meta.error && !m->head && resp.status != 204 && resp.body_len > 0)
        FUZZ_CHECK(sent.data[1].len == resp.body_len &&
                   memcmp(sent.data[1].ptr, resp.body, resp.body_len) == 0);
    queue(r, &sent, meta);
}

/* A SEND the session made by itself: 100 Continue, or the last response of an error. */
static void on_send(struct run *r, const struct httpd_action *a)
{
    const struct model *m = model_at(r);
    if (a->status == 100) {
        FUZZ_CHECK(a->error == NULL && m->v == NEED_MORE && m->req.expect_continue);
        queue(r, a, (struct send){.status = 100, .interim = true, .content_len = -1});
        return;
    }
    FUZZ_CHECK(a->error != NULL);
    if (a->status == 408) {
        FUZZ_CHECK(r->ticked && m->v == NEED_MORE);
    } else if (a->status == 503) {
        FUZZ_CHECK(r->refused);
    } else {
        /* The status the bytes at the cursor call for. */
        FUZZ_CHECK(m->v == ANSWER_ERROR && a->status == m->status);
    }
    queue(
        r, a,
        (struct send){
            .status = a->status, .head = m->head, .error = true, .close = true, .content_len = -1});
}

/* The session waits: it must not be waiting for bytes when its answer is decided. */
static void on_wait(struct run *r)
{
    enum httpd_state st = r->s.state;
    /* Closing without a last response only when the client went away mid-request. */
    if (st == HTTPD_CLOSING && !r->final_sent && !r->close_response && !r->drained && !r->refused)
        FUZZ_CHECK(r->eof_delivered && model_at(r)->v == NEED_MORE);
    if ((st != HTTPD_WANT_HEAD && st != HTTPD_WANT_BODY) || r->s.draining ||
        r->out_len - r->written > r->cfg.max_output)
        return;
    FUZZ_CHECK(model_at(r)->v == NEED_MORE);
}

/* Polls until the session waits or closes, doing what it asks. */
static void actions(struct run *r)
{
    for (;;) {
        if (r->closed || r->full)
            return;
        struct httpd_action a;
        httpd_session_poll(&r->s, &a);
        switch (a.kind) {
        case HTTPD_ACT_NONE:
            on_wait(r);
            return;
        case HTTPD_ACT_SEND:
            on_send(r, &a);
            break;
        case HTTPD_ACT_RECORD:
            FUZZ_CHECK(r->cfg.record && !r->recorded);
            FUZZ_CHECK(a.bytes.len <= r->rd - r->cursor);
            FUZZ_CHECK(memcmp(a.bytes.ptr, r->tx + r->cursor, a.bytes.len) == 0);
            r->recorded = true;
            r->recorded_len = a.bytes.len;
            break;
        case HTTPD_ACT_REQUEST:
            on_request(r, &a);
            break;
        case HTTPD_ACT_SHUTDOWN:
            FUZZ_CHECK(!r->shut_down);
            FUZZ_CHECK(r->refused || r->written == r->out_len);
            r->shut_down = true;
            break;
        case HTTPD_ACT_CLOSE: {
            FUZZ_CHECK(a.fault == HTTPD_ERR_OK);
            r->closed = true;
            /* The client went away: what it left unanswered was half a request. */
            if (r->eof_delivered && !r->reset && !r->ticked && !r->drained && !r->refused &&
                !r->final_sent && !r->close_response)
                FUZZ_CHECK(model_at(r)->v == NEED_MORE);
            return;
        }
        }
    }
}

/* Reads what the socket holds while the session wants it. Returns whether it read. */
static bool read_input(struct run *r)
{
    struct httpd_interest want;
    httpd_session_interest(&r->s, &want);
    if (!want.read || r->closed)
        return false;
    size_t limit = r->cfg.max_head + r->cfg.max_body + HTTPD_INPUT_SLACK;
    FUZZ_CHECK(want.grow_to <= limit);
    if (want.grow_to != 0 && !r->no_grow) {
        FUZZ_CHECK(want.grow_to > r->in_cap);
        uint8_t *p = fuzz_grow_to(&input, want.grow_to); /* moves, as realloc under ASan */
        FUZZ_CHECK(p != NULL);
        r->in = p;
        r->in_cap = want.grow_to;
        FUZZ_CHECK(httpd_session_set_input(&r->s, p, r->in_cap) == HTTPD_ERR_OK);
    } else if (want.grow_to != 0) {
        r->no_grow = false;
    }
    size_t room;
    uint8_t *space = httpd_session_read_space(&r->s, &room);
    size_t n = r->tx_len - r->rd;
    if (n > 0 && room > 0) {
        n = n < room ? n : room;
        memcpy(space, r->tx + r->rd, n);
        r->rd += n;
        FUZZ_CHECK(httpd_session_received(&r->s, n, r->now) == HTTPD_ERR_OK);
        return true;
    }
    if (n == 0 && r->tx_eof && !r->eof_delivered) {
        r->eof_delivered = true;
        FUZZ_CHECK(httpd_session_peer_closed(&r->s, r->now) == HTTPD_ERR_OK);
        return true;
    }
    return false;
}

static void write_out(struct run *r, size_t max)
{
    size_t n = r->out_len - r->written;
    n = n < max ? n : max;
    if (n == 0 || r->closed)
        return;
    r->written += n;
    FUZZ_CHECK(httpd_session_written(&r->s, n, r->now) == HTTPD_ERR_OK);
}

/* After an event: act, read, act again until nothing moves (the shell's advance). */
static void advance(struct run *r)
{
    for (;;) {
        actions(r);
        if (r->closed || r->full)
            break;
        size_t before = r->written;
        if (r->auto_write)
            write_out(r, SIZE_MAX);
        if (!read_input(r) && r->written == before)
            break;
    }
    FUZZ_CHECK(r->in_cap <= r->cfg.max_head + r->cfg.max_body + HTTPD_INPUT_SLACK);
    FUZZ_CHECK(r->closed || r->s.unsent == r->out_len - r->written);
}

static void run_start(struct run *r, uint8_t *out, const uint8_t *hdr)
{
    fuzz_grow_reset(&input);
    memset(r, 0, offsetof(struct run, model));
    r->out = out;
    r->cfg = (struct httpd_session_config){
        .max_head = 64 + 32 * (size_t)hdr[0],
        .max_body = 32 * (size_t)hdr[1],
        .max_output = 64 * ((size_t)hdr[2] + 1),
        .header_timeout_ms = 1000 * (1 + (hdr[3] & 7u)),
        .body_timeout_ms = 1000 * (1 + (hdr[3] & 7u)),
        .idle_timeout_ms = 1000 * (1 + ((hdr[3] >> 3) & 7u)),
        .linger_ms = 2000,
        .record = (hdr[3] & 0x40) != 0,
        .date = (hdr[3] & 0x80) ? date_line : NULL,
    };
    httpd_session_init(&r->s, &r->cfg, 0);
}

/* The end: everything queued is written, the session runs until it waits. */
static void run_finish(struct run *r)
{
    for (int i = 0; i < 1000 && !r->closed && !r->full; i++) {
        size_t before = r->written;
        write_out(r, SIZE_MAX);
        advance(r);
        if (r->written == before && r->written == r->out_len)
            break;
    }
}

/* Walks the output as a client would: one response per SEND, each well-formed. */
static void check_output(const struct run *r)
{
    static struct http_response res;
    for (size_t i = 0; i < r->nsends; i++) {
        const struct send *sd = &r->sends[i];
        struct http_response_options opt = {.head_request = sd->head};
        enum ph_status st = http_parse_response(r->out + sd->off, sd->len, &opt, &res);
        FUZZ_CHECK(st == PH_OK);
        FUZZ_CHECK(res.minor_version == 1 && res.status == sd->status);
        size_t body = sd->len - res.consumed;
        if (sd->interim) {
            FUZZ_CHECK(res.framing == HTTP_RESPONSE_NONE && body == 0);
            continue;
        }
        if (sd->status == 204 || sd->head) {
            FUZZ_CHECK(res.framing == HTTP_RESPONSE_NONE && body == 0);
        } else {
            FUZZ_CHECK(res.framing == HTTP_RESPONSE_LENGTH && res.content_length == body);
        }
        uint64_t cl = res.content_length;
        if (sd->head && sd->status != 204) { /* the GET answer's length (RFC 9110 9.3.2) */
            FUZZ_CHECK(http_parse_response(r->out + sd->off, res.consumed, NULL, &res) == PH_OK);
            FUZZ_CHECK(res.framing == HTTP_RESPONSE_LENGTH);
            cl = res.content_length;
            http_parse_response(r->out + sd->off, sd->len, &opt, &res);
        }
        if (sd->content_len >= 0 && sd->status != 204)
            FUZZ_CHECK(cl == (uint64_t)sd->content_len);
        /* RFC 9110 8.6: no Content-Length in a 204. */
        for (size_t h = 0; sd->status == 204 && h < res.num_headers; h++)
            FUZZ_CHECK(
                !(res.headers[h].name.len == 14 &&
                  strncasecmp((const char *)res.headers[h].name.ptr, "Content-Length", 14) == 0));
        FUZZ_CHECK(res.keep_alive == !sd->close);
        if (sd->close)
            FUZZ_CHECK(i + 1 == r->nsends); /* nothing after the last response */
    }
}

#ifdef PH_SPLIT_ORACLE
/* Keeps only the final responses (not 100 Continue) in out[0..final_len), for the split
 * oracle; after check_output, which reads the sends in place. */
static void keep_finals(struct run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nsends; i++) {
        if (r->sends[i].interim)
            continue;
        memmove(r->out + n, r->out + r->sends[i].off, r->sends[i].len);
        n += r->sends[i].len;
    }
    r->final_len = n;
}

/* The client's bytes delivered in pieces of `piece` bytes (0: all at once), every byte
 * written as soon as it is queued. */
static void run_plain(struct run *r, uint8_t *out, const uint8_t *hdr, const uint8_t *tx,
                      size_t tx_len, bool eof, size_t piece)
{
    run_start(r, out, hdr);
    r->tx = tx;
    r->auto_write = true;
    r->tx_len = piece == 0 ? tx_len : 0;
    advance(r);
    while (r->tx_len < tx_len && !r->closed && !r->full) {
        r->tx_len += piece < tx_len - r->tx_len ? piece : tx_len - r->tx_len;
        advance(r);
    }
    r->tx_len = tx_len;
    r->tx_eof = eof;
    advance(r);
    run_finish(r);
    check_output(r);
    keep_finals(r);
}

static void check_same(const struct run *a, const struct run *b)
{
    if (a->full || b->full)
        return;
    FUZZ_CHECK(a->final_len == b->final_len && memcmp(a->out, b->out, a->final_len) == 0);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t tx[MAX_TX];
    if (big_body[0] == 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 4)
        return 0;
    struct run *r = &main_run;
    run_start(r, out_main, data);
    r->tx = tx;
    bool pure = true;
    size_t at = 4;
    while (at < size && !r->closed && !r->full) {
        uint8_t op = data[at++];
        size_t left = size - at;
        switch (op & 15) {
        case 0: {
            if (left < 1)
                goto done;
            size_t n = data[at++];
            n = n < left - 1 ? n : left - 1;
            if (n > MAX_TX - r->tx_len || r->tx_eof)
                goto done;
            memcpy(tx + r->tx_len, data + at, n);
            r->tx_len += n;
            at += n;
            break;
        }
        case 1:
            if (left < 1)
                goto done;
            write_out(r, data[at] == 0 ? SIZE_MAX : 8 * (size_t)data[at]);
            at++;
            break;
        case 2:
            r->tx_eof = true;
            break;
        case 3:
            pure = false;
            r->reset = true;
            FUZZ_CHECK(httpd_session_reset(&r->s) == HTTPD_ERR_OK);
            break;
        case 4:
            if (left < 1)
                goto done;
            pure = false;
            r->ticked = true;
            r->now += 64 * (uint64_t)data[at++];
            FUZZ_CHECK(httpd_session_tick(&r->s, r->now) == HTTPD_ERR_OK);
            break;
        case 5:
            pure = false;
            r->drained = true;
            FUZZ_CHECK(httpd_session_drain(&r->s, r->now) == HTTPD_ERR_OK);
            break;
        case 6:
            if (at != 5)
                break;
            pure = false;
            r->refused = true;
            FUZZ_CHECK(httpd_session_refuse(&r->s, r->now) == HTTPD_ERR_OK);
            break;
        case 7:
            pure = false;
            r->no_grow = true;
            break;
        default:
            break;
        }
        advance(r);
    }
done:
    run_finish(r);
    check_output(r);

#ifdef PH_SPLIT_ORACLE
    keep_finals(r);
    /* The same bytes at once, and one by one, give the same responses. Runs again cost as
     * much as the script: the deep build only (ctest's replay, ci/fuzz.sh's deep check of
     * every corpus entry); the fast build checks one run's invariants. */
    run_plain(&oracle_a, out_a, data, tx, r->tx_len, r->tx_eof, 0);
    if (pure)
        check_same(r, &oracle_a);
    run_plain(&oracle_b, out_b, data, tx, r->tx_len, r->tx_eof, 1);
    check_same(&oracle_a, &oracle_b);
#else
    (void)pure;
#endif
    return 0;
}
