/*
 * ph-probe HOST:PORT FILE...: sends each file's bytes, exactly, on a fresh TCP
 * connection (in pieces with delays if asked), reads every response until the server
 * closes or a time limit, and prints one JSON line per file (docs/httpd.md).
 *
 * One connection's timeline: send (reading meanwhile) -> wait until the server has been
 * quiet for --quiet ms -> half-close our side -> read until the server closes or
 * --timeout ms. Each response says whether it came before the half-close: what a
 * server answers before it sees our FIN is what it decided from the bytes alone.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "net/net_loop.h"
#include "net/net_tcp.h"
#include "probe.h"
#include "util/byte_buf.h"
#include "util/file_io.h"
#include "util/http_json.h"

#define PROBE_MAX_INPUT (64u << 20) /* response bytes kept per connection */
#define PROBE_MAX_REQUESTS 1024     /* requests whose method is remembered (HEAD) */

struct probe_opts {
    size_t split;        /* bytes per piece; 0: all at once */
    unsigned delay_ms;   /* between pieces */
    unsigned quiet_ms;   /* silence after sending before the half-close */
    unsigned timeout_ms; /* connect; no send progress; after the half-close */
    bool body;           /* print body_base64 */
};

struct resp_rec {
    size_t head_off, head_len;
    uint64_t body_len;
    size_t body_off; /* into bodies, with --body */
    bool complete, after_half_close;
    uint64_t time_ms;
};

/* What one connection read, parsed as it arrives. */
struct reader {
    struct byte_buf in;     /* every response byte */
    struct byte_buf bodies; /* decoded bodies, with --body */
    struct byte_buf scratch;
    struct resp_rec *recs;
    size_t nrecs, cap;
    bool heads[PROBE_MAX_REQUESTS]; /* request i is HEAD */
    size_t nrequests, finals;
    /* the response in progress */
    bool in_body;
    struct resp_rec cur;
    enum probe_body kind;
    uint64_t left;
    struct http_chunked_decoder dec;
    size_t pos;      /* next byte of in to parse */
    bool garbage;    /* bytes that are not an HTTP response: parsing stopped */
    bool half_closed;
    uint64_t t0;
};

/* Which requests of the file are HEAD: their responses have no body. Best effort: the
 * file's bytes as our parser reads them, up to the first request it cannot parse. */
static void note_methods(struct reader *r, const uint8_t *data, size_t len)
{
    static struct http_request req;
    size_t off = 0;
    while (off < len && r->nrequests < PROBE_MAX_REQUESTS) {
        if (http_parse_request(data + off, len - off, &req) != PH_OK)
            return;
        r->heads[r->nrequests++] = req.method.len == 4 && memcmp(req.method.ptr, "HEAD", 4) == 0;
        off += req.consumed;
        if (req.framing == HTTP_FRAMING_LENGTH) {
            if (req.content_length > len - off)
                return;
            off += (size_t)req.content_length;
        } else if (req.framing == HTTP_FRAMING_CHUNKED) {
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

static void push_rec(struct reader *r, bool complete)
{
    if (r->nrecs == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct resp_rec *p = realloc(r->recs, cap * sizeof(*p));
        if (p == NULL)
            return;
        r->recs = p;
        r->cap = cap;
    }
    r->cur.complete = complete;
    r->cur.after_half_close = r->half_closed;
    r->cur.time_ms = net_now_ms() - r->t0;
    r->recs[r->nrecs++] = r->cur;
    r->in_body = false;
}

static void take_body(struct reader *r, const uint8_t *p, size_t n, bool keep)
{
    if (keep)
        byte_buf_append(&r->bodies, p, n);
    r->cur.body_len += n;
}

/* Parses what arrived; at_eof: the connection ended, so a close-delimited body ends. */
static void parse_responses(struct reader *r, bool at_eof, bool keep_bodies)
{
    while (!r->garbage) {
        uint8_t *buf = r->in.data;
        size_t len = r->in.len;
        if (!r->in_body) {
            if (r->pos == len)
                return;
            struct probe_response res;
            bool head = r->finals < r->nrequests && r->heads[r->finals];
            enum ph_status st = probe_parse_response(buf + r->pos, len - r->pos, head, &res);
            if (st == PH_INCOMPLETE)
                return;
            if (st == PH_REJECT) {
                r->garbage = true;
                return;
            }
            r->cur = (struct resp_rec){.head_off = r->pos, .head_len = res.consumed,
                                       .body_off = r->bodies.len};
            r->pos += res.consumed;
            if (res.status >= 200)
                r->finals++;
            r->kind = res.body;
            r->left = res.content_length;
            http_chunked_init(&r->dec);
            r->in_body = true;
            if (res.body == PROBE_BODY_NONE || (res.body == PROBE_BODY_LENGTH && r->left == 0)) {
                push_rec(r, true);
                continue;
            }
        }
        size_t avail = len - r->pos;
        if (r->kind == PROBE_BODY_LENGTH) {
            size_t n = avail < r->left ? avail : (size_t)r->left;
            take_body(r, buf + r->pos, n, keep_bodies);
            r->pos += n;
            r->left -= n;
            if (r->left > 0)
                return;
            push_rec(r, true);
        } else if (r->kind == PROBE_BODY_CHUNKED) {
            if (avail == 0)
                return;
            /* Decode a copy: the raw bytes stay for the heads that follow. */
            r->scratch.len = 0;
            byte_buf_append(&r->scratch, buf + r->pos, avail);
            if (r->scratch.failed) {
                r->garbage = true;
                return;
            }
            struct http_chunked_result res;
            enum ph_status st = http_decode_chunked(&r->dec, r->scratch.data, avail, &res);
            if (st == PH_REJECT) {
                r->garbage = true;
                return;
            }
            take_body(r, r->scratch.data, res.decoded, keep_bodies);
            r->pos += res.consumed;
            if (st == PH_INCOMPLETE)
                return;
            push_rec(r, true);
        } else { /* PROBE_BODY_CLOSE */
            take_body(r, buf + r->pos, avail, keep_bodies);
            r->pos += avail;
            if (!at_eof)
                return;
            push_rec(r, true);
            return;
        }
    }
}

static const char *errno_kind(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return "refused";
    case ECONNRESET:
    case EPIPE:
        return "reset";
    case ETIMEDOUT:
        return "timeout";
    case EHOSTUNREACH:
    case ENETUNREACH:
        return "unreachable";
    default:
        return "io";
    }
}

struct outcome {
    const char *error; /* NULL, or refused/reset/timeout/dns/unreachable/io */
    char message[NET_ERR_LEN];
    size_t sent;
    bool closed;      /* the server closed (EOF) */
    bool half_closed; /* we sent FIN */
    uint64_t half_close_ms, time_ms;
};

static void set_error(struct outcome *o, int e, const char *what)
{
    if (o->error != NULL)
        return;
    o->error = errno_kind(e);
    snprintf(o->message, sizeof(o->message), "%s: %s", what, strerror(e));
}

/* Reads what the socket has. Returns false at end of stream or on an error. */
static bool read_some(int fd, struct reader *r, struct outcome *o, bool keep_bodies)
{
    for (;;) {
        if (r->in.len >= PROBE_MAX_INPUT) {
            set_error(o, EFBIG, "response bytes");
            return false;
        }
        if (byte_buf_reserve(&r->in, 65536) != 0) {
            set_error(o, ENOMEM, "read");
            return false;
        }
        ssize_t n = net_read(fd, r->in.data + r->in.len, r->in.cap - r->in.len);
        if (n > 0) {
            r->in.len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            parse_responses(r, false, keep_bodies);
            return true;
        }
        if (n == 0)
            o->closed = true;
        else
            set_error(o, errno, "recv");
        parse_responses(r, true, keep_bodies);
        return false;
    }
}

/* One connection's timeline (see the top of the file). */
static void run_connection(int fd, const uint8_t *data, size_t len, const struct probe_opts *opt,
                           struct reader *r, struct outcome *o)
{
    enum { SENDING, WAITING, HALF_CLOSED } phase = len > 0 ? SENDING : WAITING;
    uint64_t now = net_now_ms();
    uint64_t next_send = now, last_activity = now, half_close_at = 0;
    for (;;) {
        now = net_now_ms();
        int timeout;
        short want = POLLIN;
        if (phase == SENDING) {
            if (now >= last_activity + opt->timeout_ms) {
                set_error(o, ETIMEDOUT, "send (the server does not read)");
                return;
            }
            if (now >= next_send)
                want |= POLLOUT;
            timeout = now >= next_send ? (int)(last_activity + opt->timeout_ms - now)
                                       : (int)(next_send - now);
        } else if (phase == WAITING) {
            if (now >= last_activity + opt->quiet_ms) {
                net_shutdown_write(fd);
                phase = HALF_CLOSED;
                r->half_closed = o->half_closed = true;
                half_close_at = now;
                o->half_close_ms = now - r->t0;
                continue;
            }
            timeout = (int)(last_activity + opt->quiet_ms - now);
        } else {
            if (now >= half_close_at + opt->timeout_ms) {
                set_error(o, ETIMEDOUT, "waiting for the server to close");
                return;
            }
            timeout = (int)(half_close_at + opt->timeout_ms - now);
        }
        struct pollfd p = {.fd = fd, .events = want};
        int n = poll(&p, 1, timeout);
        if (n < 0 && errno != EINTR) {
            set_error(o, errno, "poll");
            return;
        }
        if (n <= 0)
            continue;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            size_t before = r->in.len;
            if (!read_some(fd, r, o, opt->body))
                return;
            if (r->in.len > before)
                last_activity = net_now_ms();
        }
        if (phase == SENDING && (p.revents & POLLOUT)) {
            size_t piece = len - o->sent;
            if (opt->split > 0 && piece > opt->split)
                piece = opt->split;
            ssize_t w = net_write(fd, data + o->sent, piece);
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                /* The server closed early (an error answer, say): read what it sent. */
                set_error(o, errno, "send");
                read_some(fd, r, o, opt->body);
                return;
            }
            if (w > 0) {
                o->sent += (size_t)w;
                last_activity = net_now_ms();
                if (o->sent == len)
                    phase = WAITING;
                else if (opt->split > 0)
                    next_send = last_activity + opt->delay_ms;
            }
        }
    }
}

static void print_result(const char *file, const struct reader *r, const struct outcome *o,
                         bool body)
{
    struct byte_buf b = {0};
    byte_buf_puts(&b, "{\"file\":");
    json_buf_bytes(&b, (const uint8_t *)file, strlen(file));
    byte_buf_printf(&b, ",\"result\":\"%s\"", o->error ? "error" : "ok");
    if (o->error != NULL) {
        byte_buf_printf(&b, ",\"error\":\"%s\",\"message\":", o->error);
        json_buf_bytes(&b, (const uint8_t *)o->message, strlen(o->message));
    }
    byte_buf_printf(&b, ",\"sent\":%zu,\"responses\":[", o->sent);
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct resp_rec *rec = &r->recs[i];
        struct probe_response res;
        probe_parse_response(r->in.data + rec->head_off, rec->head_len, false, &res);
        byte_buf_printf(&b, "%s{\"status\":%d,\"reason\":", i ? "," : "", res.status);
        json_buf_bytes(&b, res.reason.ptr, res.reason.len);
        byte_buf_puts(&b, ",\"headers\":[");
        for (size_t h = 0; h < res.num_headers; h++) {
            byte_buf_puts(&b, h ? ",[" : "[");
            json_buf_bytes(&b, res.headers[h].name.ptr, res.headers[h].name.len);
            byte_buf_putc(&b, ',');
            json_buf_bytes(&b, res.headers[h].value.ptr, res.headers[h].value.len);
            byte_buf_putc(&b, ']');
        }
        byte_buf_printf(&b,
                        "],\"body_length\":%llu,\"complete\":%s,\"after_half_close\":%s,"
                        "\"time_ms\":%llu",
                        (unsigned long long)rec->body_len, rec->complete ? "true" : "false",
                        rec->after_half_close ? "true" : "false",
                        (unsigned long long)rec->time_ms);
        if (body) {
            byte_buf_puts(&b, ",\"body_base64\":");
            json_buf_base64(&b, r->bodies.data + rec->body_off, (size_t)rec->body_len);
        }
        byte_buf_putc(&b, '}');
    }
    byte_buf_printf(&b, "],\"garbage\":%s,\"half_closed\":%s,", r->garbage ? "true" : "false",
                    o->half_closed ? "true" : "false");
    if (o->half_closed)
        byte_buf_printf(&b, "\"half_close_ms\":%llu,", (unsigned long long)o->half_close_ms);
    byte_buf_printf(&b, "\"closed\":%s,\"time_ms\":%llu}\n", o->closed ? "true" : "false",
                    (unsigned long long)o->time_ms);
    if (!b.failed)
        fwrite(b.data, 1, b.len, stdout);
    fflush(stdout);
    byte_buf_free(&b);
}

/* Probes one file. Returns 0, or 1 when the result is an error. */
static int probe_file(const struct addrinfo *ai, const char *file, const struct probe_opts *opt)
{
    struct reader r;
    struct outcome o;
    memset(&r, 0, sizeof(r));
    memset(&o, 0, sizeof(o));
    uint8_t *data = NULL;
    size_t len = 0;
    if (file_read_all(file, &data, &len) != 0) {
        fprintf(stderr, "ph-probe: %s: %s\n", file, strerror(errno));
        return 1;
    }
    note_methods(&r, data, len);
    r.t0 = net_now_ms();
    char err[NET_ERR_LEN] = "no address to connect to";
    int fd = -1;
    for (; ai != NULL && fd < 0; ai = ai->ai_next) /* "localhost": ::1, then 127.0.0.1 */
        fd = net_tcp_connect_addr(ai, (int)opt->timeout_ms, err);
    if (fd < 0) {
        o.error = errno_kind(errno);
        snprintf(o.message, sizeof(o.message), "%s", err);
    } else {
        /* Each --split piece leaves as its own segment. */
        net_tcp_nodelay(fd, true, NULL);
        net_set_nonblock(fd, true, NULL);
        run_connection(fd, data, len, opt, &r, &o);
        close(fd);
        if (r.in_body) /* a response cut off by the end */
            push_rec(&r, false);
    }
    o.time_ms = net_now_ms() - r.t0;
    print_result(file, &r, &o, opt->body);
    if (o.error != NULL)
        fprintf(stderr, "ph-probe: %s: %s (%s)\n", file, o.message, o.error);
    free(data);
    free(r.recs);
    byte_buf_free(&r.in);
    byte_buf_free(&r.bodies);
    byte_buf_free(&r.scratch);
    return o.error != NULL;
}

static void usage(FILE *out)
{
    fputs("usage: ph-probe [options] HOST:PORT FILE...\n"
          "\n"
          "Sends each FILE's bytes exactly as they are on a new TCP connection (TCP_NODELAY),\n"
          "reads every response (Content-Length, chunked or close-delimited bodies) and\n"
          "prints one JSON line per file: status, headers, body_length, time_ms per\n"
          "response; closed, half_closed for the connection.\n"
          "\n"
          "  --split N       send N bytes at a time (1: byte by byte)\n"
          "  --delay MS      pause between pieces (default 10 with --split, else 0)\n"
          "  --quiet MS      after sending, half-close once the server has been silent\n"
          "                  this long (default 500)\n"
          "  --timeout MS    connect timeout, longest stall while sending, and the wait for\n"
          "                  the server to close after our half-close (default 5000)\n"
          "  --body          also print each response body (body_base64)\n"
          "\n"
          "Errors (result \"error\", one line on stderr): dns, refused, reset, timeout,\n"
          "unreachable, io. Exit status: 0 every file answered and closed, 1 an error,\n"
          "64 usage.\n",
          out);
}

static int parse_ms(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    struct probe_opts opt = {.quiet_ms = 500, .timeout_ms = 5000};
    bool delay_set = false;
    static const struct option options[] = {
        {"split", required_argument, NULL, 's'}, {"delay", required_argument, NULL, 'd'},
        {"quiet", required_argument, NULL, 'q'}, {"timeout", required_argument, NULL, 't'},
        {"body", no_argument, NULL, 'b'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, longindex = 0;
    unsigned long long v;
    while ((c = getopt_long(argc, argv, "h", options, &longindex)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == 'b') {
            opt.body = true;
            continue;
        }
        if (c == '?' || parse_ms(optarg, 3600000, &v) != 0 || (c == 's' && v == 0) ||
            (c == 't' && v == 0)) {
            if (c != '?')
                fprintf(stderr, "ph-probe: --%s %s: not a valid number\n",
                        options[longindex].name, optarg);
            usage(stderr);
            return 64;
        }
        if (c == 's')
            opt.split = (size_t)v;
        else if (c == 'd')
            opt.delay_ms = (unsigned)v, delay_set = true;
        else if (c == 'q')
            opt.quiet_ms = (unsigned)v;
        else
            opt.timeout_ms = (unsigned)v;
    }
    if (argc - optind < 2) {
        usage(stderr);
        return 64;
    }
    if (opt.split > 0 && !delay_set)
        opt.delay_ms = 10;
    const char *target = argv[optind];
    struct addrinfo *res;
    char err[NET_ERR_LEN];
    if (net_tcp_resolve(target, false, &res, err) != 0) {
        fprintf(stderr, "ph-probe: %s (dns)\n", err);
        for (int i = optind + 1; i < argc; i++) {
            struct reader r = {0};
            struct outcome o = {.error = "dns"};
            snprintf(o.message, sizeof(o.message), "%s", err);
            print_result(argv[i], &r, &o, false);
        }
        return 1;
    }
    int rc = 0;
    for (int i = optind + 1; i < argc; i++)
        rc |= probe_file(res, argv[i], &opt);
    freeaddrinfo(res);
    return rc;
}
