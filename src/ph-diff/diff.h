/*
 * ph-diff: differential fuzzing of live HTTP servers (docs/diff.md). The same request
 * stream goes to every server; what each one understood (how many requests, where each
 * began, its verdict, and for echoing servers the method, target, version, fields and
 * body) is compared after the quirk table's normalizations, and each discrepancy gets a
 * class, is minimized and kept.
 *
 *   diff_mutate.c    seeds, the HTTP dictionary, stream-level mutations, segmentation
 *   diff_engine.c    many streams in flight against every server on the shared event loop
 *   diff_response.c  the one place that reads response bytes (heads, bodies)
 *   diff_view.c      a server's answers -> its view: per request a status and, for an echo
 *                    server, what it understood; the in-process ph-parse view
 *   diff_compare.c   the quirk table, pairwise comparison, classes, partitions
 *   diff_report.c    reproducers, build/diff/report.md and report.json, ph-store mirroring
 *   main.c           options and the campaign: fuzz, confirm, minimize, report
 */
#ifndef PH_DIFF_H
#define PH_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ph_types.h"
#include "util/byte_buf.h"

/* Limits: every loop over these is bounded by them. */
#define DIFF_MAX_SERVERS 16
#define DIFF_MAX_STREAM 8192          /* bytes of one request stream */
#define DIFF_MAX_PIECES 8             /* TCP segments one stream is sent in */
#define DIFF_MAX_REQUESTS 64          /* answers compared per stream and server */
#define DIFF_MAX_RESPONSE (512u << 10) /* response bytes kept per connection */
#define DIFF_MAX_QUIRKS 128
#define DIFF_NAME_LEN 32

enum diff_kind {
    DIFF_KIND_ECHO,      /* answers each accepted request with the echo contract */
    DIFF_KIND_VERDICT,   /* only its statuses count */
    DIFF_KIND_INPROCESS, /* ph-parse: our core called in this process, no socket */
};

struct diff_server {
    char name[DIFF_NAME_LEN];
    char addr[128]; /* HOST:PORT; empty for the in-process parser */
    enum diff_kind kind;
    struct addrinfo *ai;
    /* Filled by the campaign: what this server cost. */
    uint64_t conns, requests, errors, last_done; /* last_done: it finished a stream last */
    uint64_t busy_ms;                            /* summed connection lifetimes */
};

/* One request stream and how it is cut into TCP segments. */
struct diff_stream {
    uint8_t data[DIFF_MAX_STREAM];
    size_t len;
    size_t pieces[DIFF_MAX_PIECES]; /* sizes; npieces == 0: one write */
    size_t npieces;
    char origin[96]; /* seed name and mutations, for the report */
};

/* What one connection brought back (diff_engine.c). */
struct diff_raw {
    struct byte_buf in; /* every response byte */
    bool closed;        /* the server closed (EOF) */
    bool closed_early;  /* ... before our half-close: it read no further on its own */
    bool reset;         /* ECONNRESET / EPIPE */
    bool timeout;       /* still open when our wait ended */
    bool refused;       /* connect failed */
    uint64_t time_ms;
};

/* ---- diff_engine.c: streams in flight ------------------------------------------- */

struct diff_engine_opts {
    unsigned inflight;   /* streams in flight at once, each on one connection per server */
    unsigned quiet_ms;   /* after the last byte either way, half-close once this quiet */
    unsigned close_ms;   /* after our half-close, wait this long for the server to close */
    unsigned gap_ms;     /* between the TCP segments of a stream */
    unsigned connect_ms; /* connect, and the longest stall while sending */
};

/* Fills *out with the next stream and *tag with the caller's handle for it; returns
 * false when there is none (now). */
typedef bool diff_next_fn(void *arg, struct diff_stream *out, void **tag);
/* One stream is done on every network server: raw[i] is server i's (the in-process
 * server's entry is empty). */
typedef void diff_done_fn(void *arg, void *tag, const struct diff_stream *s,
                          const struct diff_raw *raw);

/* Sends streams from next to every network server until next has none and every stream
 * is done. Returns 0, or -1 with err set when the event loop fails. Every connection is
 * bounded by connect_ms, quiet_ms and close_ms. */
int diff_engine_run(struct diff_server *servers, size_t n, const struct diff_engine_opts *o,
                    diff_next_fn *next, diff_done_fn *done, void *arg, char *err,
                    size_t errlen);

/* ---- diff_response.c: response bytes -> final responses -------------------------- */

struct diff_response {
    int status;
    size_t body_off, body_len; /* decoded body in diff_responses.bodies */
};

struct diff_responses {
    struct diff_response r[DIFF_MAX_REQUESTS];
    size_t n;
    bool garbage; /* bytes that are not an HTTP response: reading stopped there */
    struct byte_buf bodies;
};

/* Reads every final (non-1xx) response in buf[0..len), a whole connection's bytes; the
 * connection has ended, so a close-delimited body ends at len. head[i]: request i was
 * HEAD (its answer has no body). Resets out first; out->bodies is reused. */
void diff_read_responses(const uint8_t *buf, size_t len, const bool *head, size_t nhead,
                         struct diff_responses *out);

/* ---- diff_view.c: what a server understood ---------------------------------------- */

struct diff_field {
    struct ph_slice name, value; /* into diff_view.text */
};

/* The status of an answer that is not an HTTP/1.x response (an HTTP/0.9-style error
 * page, say): a refusal, in a class of its own. */
#define DIFF_STATUS_NOT_HTTP 999

struct diff_request {
    int status;    /* its final status; 0: no answer (the server saw no request here);
                    * DIFF_STATUS_NOT_HTTP */
    bool echo;     /* the fields below hold what it understood */
    size_t offset; /* where in the stream it began (echo servers, found by its request-line) */
    struct ph_slice method, target, version, body;
    size_t first_field, nfields;
};

enum diff_end {
    DIFF_END_CLOSED,     /* the server closed the connection */
    DIFF_END_OPEN,       /* it left it open after our half-close */
    DIFF_END_RESET,      /* reset */
    DIFF_END_REFUSED,    /* no connection */
    DIFF_END_INCOMPLETE, /* ph-parse: the stream ended inside a request */
};

struct diff_view {
    struct diff_request req[DIFF_MAX_REQUESTS];
    size_t nreq;
    enum diff_end end;
    bool silent_close; /* it closed on its own after its last answer (or without any):
                        * it refused the rest, rather than waiting for more */
    bool garbage;
    const char *parse_error; /* ph-parse: the name of the error it stopped at, or NULL */
    struct diff_field *fields;
    size_t nfields, fields_cap;
    struct byte_buf text; /* decoded strings; slices are rebased by diff_view_fix */
};

void diff_view_reset(struct diff_view *v);
void diff_view_free(struct diff_view *v);

/* Our core over the stream, the way `ph-parse http` reads a connection. */
void diff_view_parse(const uint8_t *data, size_t len, struct diff_view *v);
/* HEAD flags of the stream's requests as our parser reads them (for response bodies). */
size_t diff_head_flags(const uint8_t *data, size_t len, bool *head, size_t max);
/* A network server's answers -> its view; echo: decode 2xx bodies as the contract. */
void diff_view_from_raw(const struct diff_raw *raw, const uint8_t *stream, size_t stream_len,
                        bool echo, const bool *head, size_t nhead, struct diff_responses *tmp,
                        struct diff_view *v);

/* ---- diff_compare.c: quirks, classes, partitions ---------------------------------- */

enum diff_class {
    DIFF_SAME = 0,
    DIFF_STATUS_ONLY,      /* both accept or both reject, with different statuses */
    DIFF_INTERPRETATION,   /* both accept, and understood different things */
    DIFF_ACCEPT_VS_REJECT, /* one accepts (or waits) where the other rejects */
    DIFF_BOUNDARY,         /* they saw different numbers of requests or different ends */
};
const char *diff_class_name(enum diff_class c);

enum diff_quirk_rule {
    QUIRK_HEADER_CASE,      /* field names compare case-insensitively */
    QUIRK_DROP_HEADER,      /* a field is left out of the comparison */
    QUIRK_IGNORE_VERSION,   /* the version it reports is not the client's */
    QUIRK_TRIM_OWS,         /* leading/trailing SP and HTAB of values are not compared */
    QUIRK_JOIN_DUPLICATES,  /* same-name fields compare as one, values joined by ", " */
    QUIRK_REFRAMES_BODY,    /* Content-Length/Transfer-Encoding are its own: compare bodies */
    QUIRK_EXCLUDE_STATUS,   /* this status says nothing about parsing: stop comparing there */
    QUIRK_UNFOLD,           /* obs-fold (CRLF + SP/HTAB) in a value compares as one SP */
    QUIRK_ANY_ORDER,        /* the order of the fields is its own (a proxy writes some first) */
};

struct diff_quirk {
    enum diff_quirk_rule rule;
    char server[DIFF_NAME_LEN]; /* a server name, or "*" */
    char arg[64];
    int status; /* QUIRK_EXCLUDE_STATUS */
};

struct diff_quirks {
    struct diff_quirk q[DIFF_MAX_QUIRKS];
    size_t n;
};

/* Loads a quirk table (docs/diff.md). Returns 0, or -1 with a message in err. */
int diff_quirks_load(const char *path, struct diff_quirks *qs, char *err, size_t errlen);

/* Compares two servers' views of one stream after the quirks of both. */
enum diff_class diff_compare(const struct diff_quirks *qs, const char *name_a,
                             const struct diff_view *a, const char *name_b,
                             const struct diff_view *b);

/* Groups servers that agree: group[i] is the group of server i (0 = that of server 0).
 * Returns the most severe class between groups (DIFF_SAME: one group). */
enum diff_class diff_partition(const struct diff_quirks *qs, const struct diff_server *servers,
                               const struct diff_view *views, size_t n, int *group);

/* ---- diff_mutate.c: streams ------------------------------------------------------- */

struct diff_rng {
    uint64_t s;
};
uint64_t diff_rand(struct diff_rng *r);
static inline size_t diff_below(struct diff_rng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(diff_rand(r) % n);
}

struct diff_seeds {
    struct diff_stream *s;
    size_t n, cap;
    struct ph_slice *tokens; /* the dictionary */
    size_t ntokens;
    struct byte_buf token_bytes;
};

/* Adds every regular file of dir (recursively not) as a seed. Returns files added or -1. */
int diff_seeds_add_dir(struct diff_seeds *sd, const char *dir);
int diff_seeds_add(struct diff_seeds *sd, const uint8_t *data, size_t len, const char *origin);
/* Reads an AFL/libFuzzer dictionary ("..." lines with \xNN escapes), once. Returns
 * tokens or -1. */
int diff_seeds_load_dict(struct diff_seeds *sd, const char *path);
void diff_seeds_free(struct diff_seeds *sd);

/* A new stream: a seed (sd->n > 0), 1-4 stacked mutations, maybe a random segmentation. */
void diff_mutate(const struct diff_seeds *sd, struct diff_rng *rng, struct diff_stream *out);

/* ---- the campaign's findings (main.c) and their report (diff_report.c) ------------- */

struct diff_finding {
    char key[320];    /* class|server|ph-parse verdict: one finding per key */
    enum diff_class cls;
    char server[DIFF_NAME_LEN]; /* the server that differs from ph-parse (the reference) */
    char groups[256]; /* "a,b / c / d": on the reproducer, servers that agree, groups apart */
    char parse[48];   /* what ph-parse made of it: ok:N, incomplete or its error */
    struct diff_stream min; /* the minimized reproducer */
    size_t orig_len;
    uint64_t hits;         /* streams of the run with this key */
    double first_s;        /* seconds into the run it was first seen */
    unsigned min_tests;    /* executions the minimization took */
    int expected;          /* row of the expectation table it shows, or -1 */
    char file[96];         /* reproducer, relative to the output folder */
    char what[DIFF_MAX_SERVERS][160]; /* what each server did with the reproducer */
};

struct diff_expect {
    char server[DIFF_NAME_LEN];
    char parse[48];
    char why[200];
    uint64_t seen; /* findings that show it */
};

struct diff_summary {
    const struct diff_server *servers;
    size_t nservers;
    const struct diff_finding *f;
    size_t nf;
    const struct diff_expect *expect;
    size_t nexpect;
    const char *must_a, *must_b; /* --must-agree, or NULL */
    bool must_failed;
    uint64_t streams, seed_streams, candidates, refuted, dropped;
    double fuzz_s, total_s;
    const char *command;
    const char *quirks_path;
};

/* Writes OUT/report.md and OUT/report.json. Returns 0 or -1. */
int diff_report_write(const char *out_dir, const struct diff_summary *sum);

#endif
