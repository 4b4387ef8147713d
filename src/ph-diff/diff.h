/*
 * ph-diff: differential fuzzing of live HTTP servers (docs/diff.md). The same request
 * stream goes to every server; what each one understood (how many requests, where each
 * began, its verdict, and for echoing servers the method, target, version, fields and
 * body) is compared after the quirk table's normalizations, and each discrepancy gets a
 * class, is minimized and kept.
 *
 *   diff_seeds.c     seeds and the HTTP dictionary: loading, adding found streams
 *   diff_mutate.c    stream-level mutations, segmentation
 *   diff_engine.c    many streams in flight against every server on the shared event loop
 *   diff_response.c  the one place that reads response bytes (heads, bodies)
 *   diff_view.c      a server's answers -> its view: per request a status and, for an echo
 *                    server, what it understood; the in-process ph-parse view
 *   diff_compare.c   the quirk table, pairwise comparison, classes, partitions
 *   diff_report.c    reproducers, build/diff/report.md and report.json, ph-store mirroring
 *   diff_eval.c      one stream's answers -> keys (class|server|ph-parse verdict); batches
 *   diff_findings.c  candidates, their confirmation, findings kept (reproducer, ph-store)
 *   diff_minimize.c  delta debugging of every finding at once
 *   diff_expect.c    --expect and --must-agree: loading them, checking findings against them
 *   diff_campaign.c  the campaign: fuzzing rounds, progress, the end, the summary
 *   main.c           options and wiring
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
#define DIFF_MAX_STREAM 8192           /* bytes of one request stream */
#define DIFF_MAX_PIECES 8              /* TCP segments one stream is sent in */
#define DIFF_MAX_REQUESTS 64           /* answers compared per stream and server */
#define DIFF_MAX_RESPONSE (512u << 10) /* response bytes kept per connection */
#define DIFF_MAX_QUIRKS 128
#define DIFF_NAME_LEN 32

/* The campaign's budget (diff_campaign.c, diff_findings.c, diff_minimize.c). */
#define DIFF_ROUND_MS 2000u     /* fuzzing between two confirm/minimize steps */
#define DIFF_MAX_FINDINGS 512   /* kept; more keys are counted, not kept */
#define DIFF_MAX_CANDIDATES 64  /* new keys confirmed per round */
#define DIFF_MAX_REFUTED 3      /* a key refuted this often is timing: not tried again */
#define DIFF_MIN_BATCH 16       /* candidates of one minimizer's step */
#define DIFF_MIN_TESTS 1500     /* executions per minimization */
#define DIFF_MIN_FLOOR_MS 5000u /* minimizing gets at least this long, past --time */
#define DIFF_MIN_FLAT 2048      /* candidates of all minimizers in one step */
#define DIFF_FUZZ_SHARE 60      /* percent of --time for fuzzing; the rest minimizes */

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
                    diff_next_fn *next, diff_done_fn *done, void *arg, char *err, size_t errlen);

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
    QUIRK_HEADER_CASE,     /* field names compare case-insensitively */
    QUIRK_DROP_HEADER,     /* a field is left out of the comparison */
    QUIRK_IGNORE_VERSION,  /* the version it reports is not the client's */
    QUIRK_TRIM_OWS,        /* leading/trailing SP and HTAB of values are not compared */
    QUIRK_JOIN_DUPLICATES, /* same-name fields compare as one, values joined by ", " */
    QUIRK_REFRAMES_BODY,   /* Content-Length/Transfer-Encoding are its own: compare bodies */
    QUIRK_EXCLUDE_STATUS,  /* this status says nothing about parsing: stop comparing there */
    QUIRK_UNFOLD,          /* obs-fold (CRLF + SP/HTAB) in a value compares as one SP */
    QUIRK_ANY_ORDER,       /* the order of the fields is its own (a proxy writes some first) */
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

/* ---- diff_seeds.c: seeds and the dictionary ---------------------------------------- */

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
/* The campaign's seeds: every file of each folder in dirs, then each of files itself,
 * then the dictionary (when dict is not NULL). Returns 0, or after one line on stderr
 * the exit status: 2 when a folder or file cannot be read, 64 when there is no seed or
 * the dictionary cannot be read. */
int diff_seeds_load(struct diff_seeds *sd, const char *const *dirs, size_t ndirs,
                    char *const *files, size_t nfiles, const char *dict);

/* ---- diff_mutate.c: streams ------------------------------------------------------- */

struct diff_rng {
    uint64_t s;
};
uint64_t diff_rand(struct diff_rng *r);
static inline size_t diff_below(struct diff_rng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(diff_rand(r) % n);
}

/* A new stream: a seed (sd->n > 0), 1-4 stacked mutations, maybe a random segmentation. */
void diff_mutate(const struct diff_seeds *sd, struct diff_rng *rng, struct diff_stream *out);

/* ---- the campaign's findings (diff_findings.c) and their report (diff_report.c) ----- */

struct diff_finding {
    char key[320]; /* class|server|ph-parse verdict: one finding per key */
    enum diff_class cls;
    char server[DIFF_NAME_LEN]; /* the server that differs from ph-parse (the reference) */
    char groups[256];       /* "a,b / c / d": on the reproducer, servers that agree, groups apart */
    char parse[48];         /* what ph-parse made of it: ok:N, incomplete or its error */
    struct diff_stream min; /* the minimized reproducer */
    size_t orig_len;
    uint64_t hits;                    /* streams of the run with this key */
    double first_s;                   /* seconds into the run it was first seen */
    unsigned min_tests;               /* executions the minimization took */
    int expected;                     /* row of the expectation table it shows, or -1 */
    char file[96];                    /* reproducer, relative to the output folder */
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

/* ---- the campaign (diff_campaign.c and the files it uses) -------------------------- */

struct diff_candidate {
    char key[320];
    struct diff_stream s;
};

struct diff_refuted {
    char key[320];
    unsigned n;
};

struct diff_campaign {
    struct diff_server servers[DIFF_MAX_SERVERS];
    size_t nservers;
    struct diff_quirks quirks;
    struct diff_seeds seeds;
    struct diff_rng rng;
    struct diff_engine_opts fuzz_opts, confirm_opts;
    /* per-server scratch for evaluating one stream */
    struct diff_view views[DIFF_MAX_SERVERS];
    struct diff_responses resp;
    /* run state */
    uint64_t start_ms, deadline_ms, fuzz_end_ms, round_end_ms, max_streams;
    size_t seed_next, nseeds; /* nseeds: the seeds given; found streams join later */
    bool seeds_only;
    uint64_t streams, seed_streams, refuted_total, dropped;
    uint64_t fuzz_ms;
    struct diff_finding *f;
    size_t nf;
    struct diff_candidate *cand;
    size_t ncand;
    uint64_t ncand_total;
    struct diff_refuted *ref;
    size_t nref;
    struct diff_expect expect[64];
    size_t nexpect;
    int must_a, must_b;
    bool must_failed;
    const char *out_dir;
    struct store_client *store;
    bool replay;
    bool minimize;
    int dead; /* a server that refused a connection during the run, or -1 */
};

/* Makes the output folders (not for --replay), connects to ph-store (store_path, or
 * NULL), allocates the findings and checks that every network server accepts a
 * connection: a dead one would be a finding on every stream. Returns 0, or after one
 * line on stderr the exit status (2). */
int diff_campaign_open(struct diff_campaign *c, const char *store_path);
/* Every seed as it is, then rounds of mutated streams until c->deadline_ms, each round
 * followed by confirmation; then minimization and the findings kept. Returns 0, or -1
 * after a line on stderr (the event loop failed, or a server died). */
int diff_campaign_run(struct diff_campaign *c);
/* Writes the report, prints the closing line and every broken expectation. Returns the
 * exit status: 0, 1 (an --expect row missing or --must-agree broken) or 2 (I/O). */
int diff_campaign_summary(struct diff_campaign *c, int argc, char **argv, const char *quirks_path);
void diff_campaign_free(struct diff_campaign *c);

/* ---- diff_eval.c: what one stream showed ------------------------------------------ */

/* What one stream showed: a key per server that differs from the reference (ph-parse,
 * or the first server without it): "class|server|ph-parse verdict". A finding is one
 * key: one kind of difference between one server and our parser. */
struct diff_eval {
    char keys[DIFF_MAX_SERVERS][320];
    size_t nkeys;
    enum diff_class worst;
    char groups[256]; /* every server, grouped by agreement, for the report */
    char parse[48];
};

/* Builds every server's view of s from its answers (into c->views) and compares each
 * with the reference's. A server that refused the connection sets c->dead. */
void diff_evaluate(struct diff_campaign *c, const struct diff_stream *s, const struct diff_raw *raw,
                   struct diff_eval *ev);
/* One line for one server: what it did with the stream (for the report). */
void diff_describe(const struct diff_view *v, char *out, size_t len);

/* A list of streams, each run against every server. */
struct diff_batch {
    struct diff_campaign *c;
    struct diff_stream *s;
    size_t n, next;
    char (*wants)[320];             /* a key stream i should show */
    bool *ok;                       /* ok[i]: stream i showed it */
    struct diff_finding **describe; /* fill describe[i]->what from stream i */
};

/* Runs b's streams with options o. Returns 0, or -1 after a line on stderr. */
int diff_batch_run(struct diff_campaign *c, struct diff_batch *b, const struct diff_engine_opts *o);

/* ---- diff_findings.c: candidates and findings ------------------------------------- */

struct diff_finding *diff_finding_find(struct diff_campaign *c, const char *key);
struct diff_refuted *diff_refuted_find(struct diff_campaign *c, const char *key);
bool diff_is_candidate(struct diff_campaign *c, const char *key);
/* After a round: confirms the candidates; the ones that hold become findings. */
void diff_confirm(struct diff_campaign *c);
/* A confirmed, minimized finding: filled in, its reproducer written and mirrored. */
void diff_keep(struct diff_campaign *c, struct diff_finding *f);

/* ---- diff_minimize.c --------------------------------------------------------------- */

/* Minimizes every f[i] (its key must hold on f[i]->min) until each is done, or
 * DIFF_MIN_TESTS executions each, or the deadline. */
void diff_minimize_all(struct diff_campaign *c, struct diff_finding **f, size_t n,
                       uint64_t deadline);

/* ---- diff_expect.c: --expect and --must-agree ------------------------------------- */

/* Reads the expectation table (server<TAB>ph-parse verdict<TAB>why). Returns 0 or -1. */
int diff_expect_load(struct diff_campaign *c, const char *path);
/* --must-agree A,B: two server names. Returns 0, or -1 when either is not a server. */
int diff_must_agree_parse(struct diff_campaign *c, const char *spec);
/* Notes the expectation row f shows, and whether it puts the must-agree pair apart. */
void diff_expect_match(struct diff_campaign *c, struct diff_finding *f);
/* One line on stderr per expectation not met. Returns 1 when there is one, else 0. */
int diff_expect_verdict(const struct diff_campaign *c);

#endif
