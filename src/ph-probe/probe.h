/*
 * The probe: send a request file's bytes on a TCP connection and read every response,
 * bounded in time, count and memory. A small library (libph_probe.a): ph-probe is its
 * command line, and another client (a live differential, say) links the same reader and
 * connection code.
 *
 *   struct probe_result r;
 *   probe_result_init(&r, &opt, request, request_len);   which requests are HEAD/CONNECT
 *   probe_run(addrinfo, request, request_len, &opt, &r);   connect, send, read, close
 *   probe_json(&out, "file", &r, opt.keep_bodies);         one JSON line (docs/httpd.md)
 *   probe_result_free(&r);
 *
 * The reader (probe_reader_*) is pure: bytes in, response records out, no I/O, so it can
 * be driven from any transport and tested without one. Responses are parsed with the
 * strict core (http_parse_response, bare LF allowed since real servers send it) and
 * chunked bodies go through http_decode_chunked.
 */
#ifndef PROBE_H
#define PROBE_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "net/net_tcp.h"
#include "util/byte_buf.h"

/* Response bytes read per connection: going past it is the error "too_large". */
#define PROBE_MAX_INPUT (64u << 20)
/* Requests of a file whose method is remembered (HEAD and CONNECT answers are special). */
#define PROBE_MAX_REQUESTS 1024

struct probe_opts {
    size_t split;         /* bytes per piece; 0: all at once */
    unsigned delay_ms;    /* between pieces */
    unsigned quiet_ms;    /* silence after sending before the half-close */
    unsigned timeout_ms;  /* connect; no send progress; after the half-close */
    unsigned max_time_ms; /* the whole file, connect to close; 0: no limit */
    size_t max_responses; /* responses per file, interim ones included */
    size_t max_interim;   /* 1xx interim responses per file */
    bool keep_bodies;     /* keep decoded bodies (--body) */
    bool keep_raw;        /* keep every response byte as it arrived (--raw) */
};

#define PROBE_DEFAULT_MAX_TIME_MS 60000
#define PROBE_DEFAULT_MAX_RESPONSES 1024
#define PROBE_DEFAULT_MAX_INTERIM 64

/* One response. Its head's bytes are kept (heads), to print its fields. */
struct probe_rec {
    size_t head_off, head_len; /* into heads */
    struct http_response_options parse_opt;
    uint64_t body_len;
    size_t body_off; /* into bodies */
    bool complete;
    bool after_half_close; /* its first byte arrived after our half-close */
    uint64_t time_ms;      /* from connect to its end (or to the end of reading) */
};

/* Why reading stopped early: each is result "error" with this name. */
enum probe_stop {
    PROBE_GOING = 0,
    PROBE_TOO_LARGE,          /* PROBE_MAX_INPUT response bytes */
    PROBE_TOO_MANY_RESPONSES, /* more than max_responses */
    PROBE_TOO_MANY_INTERIM,   /* more than max_interim 1xx */
};

/* The reader: responses parsed as bytes arrive. Memory: the bytes not yet parsed (one
 * head and a chunk of body at most, below PROBE_MAX_INPUT), the heads of at most
 * max_responses responses, and with keep_bodies the decoded bodies. */
struct probe_reader {
    struct probe_opts opt;
    struct byte_buf in;     /* bytes read and not yet parsed */
    struct byte_buf heads;  /* each response's head */
    struct byte_buf bodies; /* decoded bodies, with keep_bodies */
    struct byte_buf raw;    /* every byte read, with keep_raw */
    struct probe_rec *recs;
    size_t nrecs, cap;
    uint8_t methods[PROBE_MAX_REQUESTS]; /* per request: 1 HEAD, 2 CONNECT */
    size_t nrequests, finals, interim;
    uint64_t total_in;      /* response bytes read so far */
    uint64_t in_base;       /* total_in offset of in.data[0] */
    uint64_t half_close_at; /* total_in at our half-close; UINT64_MAX before it */
    /* the response in progress */
    bool in_body;
    struct probe_rec cur;
    enum http_response_framing framing;
    uint64_t left; /* body bytes left (length framing) */
    struct http_chunked_decoder dec;
    bool garbage; /* bytes that are not an HTTP response: parsing stopped */
    enum http_error garbage_error;
    enum probe_stop stop;
};

void probe_reader_init(struct probe_reader *r, const struct probe_opts *opt, const uint8_t *request,
                       size_t len);
/* Takes n response bytes that arrived at now_ms (ms since connect) and parses what it
 * can. Returns r->stop: PROBE_GOING, or why the caller must stop reading. */
enum probe_stop probe_reader_feed(struct probe_reader *r, const uint8_t *p, size_t n,
                                  uint64_t now_ms);
/* The peer closed: a close-delimited body ends here. */
void probe_reader_eof(struct probe_reader *r, uint64_t now_ms);
/* Our half-close happened: responses starting after this point are after_half_close. */
void probe_reader_half_close(struct probe_reader *r);
/* Reading is over (any reason): a response in progress is recorded as not complete.
 * Returns true when a response, or a head, was cut off. */
bool probe_reader_end(struct probe_reader *r, uint64_t now_ms);
void probe_reader_free(struct probe_reader *r);

/* A connection's outcome. */
struct probe_outcome {
    const char *error; /* NULL, or refused/reset/timeout/max_time/dns/unreachable/io/... */
    char message[NET_ERR_LEN];
    size_t sent;
    bool closed;      /* the server closed (EOF) */
    bool half_closed; /* we sent FIN */
    bool incomplete;  /* a response or head was cut off */
    uint64_t half_close_ms, time_ms;
};

struct probe_result {
    struct probe_reader reader;
    struct probe_outcome outcome;
};

void probe_result_init(struct probe_result *res, const struct probe_opts *opt,
                       const uint8_t *request, size_t len);
void probe_result_free(struct probe_result *res);

/* Connects to the first address of ai that answers, sends request[0..len) as opt says,
 * reads until the server closes or a limit, closes. Fills res->outcome. */
void probe_run(const struct addrinfo *ai, const uint8_t *request, size_t len,
               const struct probe_opts *opt, struct probe_result *res);

/* "ok", "incomplete" or "error". */
const char *probe_result_name(const struct probe_result *res);

/* Appends res as one JSON line (docs/httpd.md) to out. */
void probe_json(struct byte_buf *out, const char *file, const struct probe_result *res,
                bool bodies);

#endif
