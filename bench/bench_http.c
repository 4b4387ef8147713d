/*
 * ph-bench-http: requests/s and MB/s of http_parse_request (each instruction-set build of
 * it, src/http/http_parse_isa.h) against libhttp-parser (Debian's nodejs/http-parser 2.9),
 * llhttp (Debian's node-llhttp sources, when CMake found them) and picohttpparser (built
 * from PH_PICO_DIR, plain and -msse4.2, when given) on the same request heads; of
 * http_parse_response against the same parsers' response modes (libhttp-parser's and
 * llhttp's HTTP_RESPONSE, phr_parse_response) on the same response heads; and of
 * http_decode_chunked against picohttpparser's phr_decode_chunked on the same bodies.
 *
 *     ph-bench-http [--parser NAME] [--seconds S] [--iters N] [--verbose] INPUT
 *     ph-bench-http --list INPUT        the parsers this build can run on INPUT
 *     ph-bench-http --isa               the build of ours that "ours" runs on this CPU
 *     INPUT: browser | minimal | corpus:DIR | response | corpus-response:DIR
 *            | chunked-small | chunked-large
 *
 * Prints one line per parser, for ci/bench.sh to read:
 *
 *     ours browser req_per_s=... mb_per_s=... ns_per_req=... iters=... bytes_per_req=...
 *         inputs=... skipped=...
 *
 * One run is one timed loop of a calibrated iteration count. Runs on this VM swing by
 * +-30%, so one line means little: ci/bench.sh runs each parser in its own process,
 * interleaved over several rounds, and reports medians (docs/bench.md).
 *
 * Exit status: 0, 1 when a built-in input is rejected by a parser (a parser bug), 64 on a
 * usage error or a parser this build lacks, 66 when a corpus yields no head that every
 * parser accepts.
 */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, scandir; CMake defines _GNU_SOURCE */
#endif

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <http_parser.h>
#ifdef PH_BENCH_PICO
#include <sys/types.h> /* ssize_t, which picohttpparser.h uses */

#include <picohttpparser.h>

/* The same picohttpparser.c built with -msse4.2, its functions renamed (CMakeLists.txt). */
int phr_sse42_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                            const char **path, size_t *path_len, int *minor_version,
                            struct phr_header *headers, size_t *num_headers, size_t last_len);
int phr_sse42_parse_response(const char *buf, size_t len, int *minor_version, int *status,
                             const char **msg, size_t *msg_len, struct phr_header *headers,
                             size_t *num_headers, size_t last_len);
#endif

#include "http/http.h"
#include "http/http_parse_isa.h"

#ifdef PH_BENCH_LLHTTP
#include "bench_http_llhttp.h"
#include "util/cli_num.h"
#endif

#define EXIT_USAGE 64   /* sysexits.h EX_USAGE */
#define EXIT_NOINPUT 66 /* sysexits.h EX_NOINPUT */

/* A run long enough to dwarf timer and scheduler noise, short enough that ci/bench.sh can
 * afford 5 interleaved rounds of 5 inputs x 10 parsers in a few minutes. */
#define DEFAULT_SECONDS 0.4

/*
 * Modelled on what desktop Firefox sends for a search-result page: 10 header fields, one
 * Host, CRLF line ends, 706 bytes. Long Cookie and User-Agent values are the norm, and
 * they are where a parser spends its time scanning field values.
 */
static const char BROWSER_REQUEST[] =
    "GET /search?q=http+request+parser+benchmark&ie=utf-8&oe=utf-8 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
    "image/webp,*/*;q=0.8\r\n"
    "Accept-Language: en-GB,en;q=0.7,de;q=0.3\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Referer: https://www.example.com/search?q=http+parser&ie=utf-8\r\n"
    "Cookie: session_id=5f2b8c1e9a7d4e3fb6c0a1d2e3f4a5b6; csrftoken=Qm9vdHN0cmFwVG9rZW4xMjM0;"
    " _ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; theme=dark;"
    " consent=analytics%3Dno%26ads%3Dno\r\n"
    "Connection: keep-alive\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Cache-Control: max-age=0\r\n"
    "\r\n";

static const char MINIMAL_REQUEST[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/*
 * What nginx sends for a static page: its usual fields in its order, plus Cache-Control
 * and Vary as a site's configuration adds them; 10 fields, CRLF line ends, 308 bytes.
 * Short values, many of them dates and tokens: the fixed cost per field line dominates.
 */
static const char RESPONSE[] = "HTTP/1.1 200 OK\r\n"
                               "Server: nginx/1.24.0\r\n"
                               "Date: Sun, 06 Dec 2026 02:50:33 GMT\r\n"
                               "Content-Type: text/html; charset=utf-8\r\n"
                               "Content-Length: 15482\r\n"
                               "Last-Modified: Tue, 01 Dec 2026 09:12:44 GMT\r\n"
                               "Connection: keep-alive\r\n"
                               "ETag: \"674c28ac-3c7a\"\r\n"
                               "Cache-Control: max-age=3600\r\n"
                               "Vary: Accept-Encoding\r\n"
                               "Accept-Ranges: bytes\r\n"
                               "\r\n";

/* ---- inputs ---------------------------------------------------------------------------- */

enum input_kind { REQUEST_HEAD, RESPONSE_HEAD, CHUNKED_BODY };

/* One request head, in a buffer of exactly its length so a sanitizer build catches an
 * over-read by either parser. */
struct input {
    uint8_t *buf;
    size_t len;
};

struct input_set {
    struct input *items;
    size_t n;
    size_t cap;
    size_t bytes;   /* sum of every item's len: the bytes of one round-robin pass */
    size_t skipped; /* corpus files that are not one head both parsers accept */
};

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (p == NULL) {
        fprintf(stderr, "ph-bench-http: out of memory\n");
        exit(1);
    }
    return p;
}

static void input_set_add(struct input_set *set, const uint8_t *buf, size_t len)
{
    if (set->n == set->cap) {
        set->cap = set->cap ? 2 * set->cap : 16;
        set->items = xrealloc(set->items, set->cap * sizeof(set->items[0]));
    }
    uint8_t *copy = xrealloc(NULL, len);
    memcpy(copy, buf, len);
    set->items[set->n++] = (struct input){copy, len};
    set->bytes += len;
}

static void input_set_free(struct input_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->items[i].buf);
    free(set->items);
}

/* ---- libhttp-parser, doing the work http_parse_request does ------------------------------ */

/*
 * The callbacks record what struct http_request holds: the URL and every field name and
 * value as pointer and length (the method http_parser keeps itself, as p.method); for a
 * response, what struct http_response holds: the reason and the fields (the status is
 * p.status_code). The whole head is always in one buffer, so each element arrives in
 * exactly one callback.
 */
struct hp_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct hp_request {
    const char *method; /* bench_http_llhttp.c: http_parser keeps it as p.method */
    size_t method_len;
    const char *url;
    size_t url_len;
    const char *reason; /* responses */
    size_t reason_len;
    struct hp_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;
    bool headers_complete;
};

static int hp_on_url(http_parser *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    r->url = at;
    r->url_len = len;
    return 0;
}

static int hp_on_status(http_parser *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    r->reason = at;
    r->reason_len = len;
    return 0;
}

static int hp_on_header_field(http_parser *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    /* The same limit as ours (HTTP_ERR_TOO_MANY_HEADERS); non-zero stops the parser. */
    if (r->num_headers == HTTP_MAX_HEADERS)
        return 1;
    r->headers[r->num_headers].name = at;
    r->headers[r->num_headers].name_len = len;
    return 0;
}

static int hp_on_header_value(http_parser *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    r->headers[r->num_headers].value = at;
    r->headers[r->num_headers].value_len = len;
    r->num_headers++;
    return 0;
}

static int hp_on_headers_complete(http_parser *p)
{
    struct hp_request *r = p->data;
    r->headers_complete = true;
    return 0;
}

static const http_parser_settings hp_settings = {
    .on_url = hp_on_url,
    .on_status = hp_on_status,
    .on_header_field = hp_on_header_field,
    .on_header_value = hp_on_header_value,
    .on_headers_complete = hp_on_headers_complete,
};

/* One request (type HTTP_REQUEST) or response head (HTTP_RESPONSE) through libhttp-parser,
 * set up afresh as a server or client does per message. */
static size_t hp_parse(enum http_parser_type type, http_parser *p, struct hp_request *r,
                       const uint8_t *buf, size_t len)
{
    http_parser_init(p, type);
    p->data = r;
    r->num_headers = 0;
    r->headers_complete = false;
    return http_parser_execute(p, &hp_settings, (const char *)buf, len);
}

/* ---- llhttp, doing the same work ---------------------------------------------------------- */

/* ---- picohttpparser ------------------------------------------------------------------------ */

#ifdef PH_BENCH_PICO
typedef int (*pico_parse_fn)(const char *buf, size_t len, const char **method, size_t *method_len,
                             const char **path, size_t *path_len, int *minor_version,
                             struct phr_header *headers, size_t *num_headers, size_t last_len);

/* What phr_parse_request hands back: method, path and every field as spans. */
struct pico_request {
    const char *method, *path;
    size_t method_len, path_len, num_headers;
    int minor_version;
    struct phr_header headers[HTTP_MAX_HEADERS];
};

/* Bytes of the head, or -1 (error) or -2 (incomplete), as phr_parse_request says. */
static int pico_parse(pico_parse_fn parse, struct pico_request *r, const uint8_t *buf, size_t len)
{
    r->num_headers = HTTP_MAX_HEADERS;
    return parse((const char *)buf, len, &r->method, &r->method_len, &r->path, &r->path_len,
                 &r->minor_version, r->headers, &r->num_headers, 0);
}

typedef int (*pico_response_fn)(const char *buf, size_t len, int *minor_version, int *status,
                                const char **msg, size_t *msg_len, struct phr_header *headers,
                                size_t *num_headers, size_t last_len);

/* What phr_parse_response hands back: status, reason and every field as spans. */
struct pico_response {
    const char *msg;
    size_t msg_len, num_headers;
    int minor_version, status;
    struct phr_header headers[HTTP_MAX_HEADERS];
};

static int pico_parse_response(pico_response_fn parse, struct pico_response *r, const uint8_t *buf,
                               size_t len)
{
    r->num_headers = HTTP_MAX_HEADERS;
    return parse((const char *)buf, len, &r->minor_version, &r->status, &r->msg, &r->msg_len,
                 r->headers, &r->num_headers, 0);
}
#endif

/* ---- which heads count ------------------------------------------------------------------ */

/*
 * buf[0..len) is exactly one request head that every parser of this build accepts and
 * agrees on: ours says PH_OK consuming all of it; http_parser completes the head on the last
 * byte, not before, without error; llhttp and picohttpparser end the head at len; all see as
 * many fields. Writes a reason into why otherwise.
 */
static bool all_accept(const uint8_t *buf, size_t len, char *why, size_t why_size)
{
    /* pico-sse42 is the same code as pico, so which heads count never depends on it; it is
     * held to pico's result only in its own runs (check_pico_sse42), since valgrind cannot
     * run it and callgrind runs of the others must not either. */
    static struct http_request req; /* 4 KiB of header slices: kept off the stack */
    static struct hp_request r;
    http_parser p;

    enum ph_status st = http_parse_request(buf, len, &req);
    if (st != PH_OK || req.consumed != len) {
        snprintf(why, why_size, "ours: status=%s error=%s offset=%zu consumed=%zu of %zu",
                 ph_status_name(st), http_error_name(req.error), req.error_offset, req.consumed,
                 len);
        return false;
    }
    /* Every instruction-set build of ours gives the same result (and must, to be timed). */
    for (int isa = 0; isa < HTTP_ISA_COUNT; isa++) {
        static struct http_request again;
        http_parse_fn parse = http_parse_request_for((enum http_isa)isa);
        if (parse != NULL && (parse(buf, len, &again) != st || again.consumed != len ||
                              again.num_headers != req.num_headers)) {
            snprintf(why, why_size, "ours-%s differs from ours", http_isa_name(isa));
            return false;
        }
    }
    hp_parse(HTTP_REQUEST, &p, &r, buf, len);
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK || !r.headers_complete) {
        snprintf(why, why_size, "http_parser: %s, head %s", http_errno_name(HTTP_PARSER_ERRNO(&p)),
                 r.headers_complete ? "complete" : "incomplete");
        return false;
    }
    if (r.num_headers != req.num_headers) {
        snprintf(why, why_size, "field count differs: ours %zu, http_parser %zu", req.num_headers,
                 r.num_headers);
        return false;
    }
    /* Without the last byte the head must still be open, or the two heads differ. */
    hp_parse(HTTP_REQUEST, &p, &r, buf, len - 1);
    if (r.headers_complete) {
        snprintf(why, why_size, "http_parser ends the head before byte %zu", len);
        return false;
    }
#ifdef PH_BENCH_LLHTTP
    struct ll_result lr;
    bench_llhttp_parse(buf, len, &lr);
    if (!lr.complete || lr.used != len || lr.num_fields != req.num_headers) {
        snprintf(why, why_size, "llhttp: %s, head %s at %zu of %zu, %zu fields", lr.error,
                 lr.complete ? "complete" : "incomplete", lr.used, len, lr.num_fields);
        return false;
    }
#endif
#ifdef PH_BENCH_PICO
    static struct pico_request pr;
    int n = pico_parse(phr_parse_request, &pr, buf, len);
    if (n != (int)len || pr.num_headers != req.num_headers) {
        snprintf(why, why_size, "picohttpparser: returned %d of %zu, %zu fields", n, len,
                 pr.num_headers);
        return false;
    }
#endif
    return true;
}

#ifdef PH_BENCH_PICO
/* picohttpparser -msse4.2 gives plain picohttpparser's result on every head of the set. */
static void check_pico_sse42(const struct input_set *set)
{
    static struct pico_request a, b;
    for (size_t i = 0; i < set->n; i++) {
        const struct input *in = &set->items[i];
        int na = pico_parse(phr_parse_request, &a, in->buf, in->len);
        int nb = pico_parse(phr_sse42_parse_request, &b, in->buf, in->len);
        if (na != nb || a.num_headers != b.num_headers) {
            fprintf(stderr,
                    "ph-bench-http: picohttpparser -msse4.2 differs from its plain build "
                    "on input %zu\n",
                    i);
            exit(1);
        }
    }
}
#endif

/*
 * The same for a response head: ours says PH_OK consuming all of it; http_parser completes
 * the head on the last byte, not before; llhttp and picohttpparser end it at len; all see
 * the same status and as many fields.
 */
static bool all_accept_response(const uint8_t *buf, size_t len, char *why, size_t why_size)
{
    static struct http_response res; /* 4 KiB of header slices: kept off the stack */
    static struct hp_request r;
    http_parser p;

    enum ph_status st = http_parse_response(buf, len, NULL, &res);
    if (st != PH_OK || res.consumed != len) {
        snprintf(why, why_size, "ours: status=%s error=%s offset=%zu consumed=%zu of %zu",
                 ph_status_name(st), http_error_name(res.error), res.error_offset, res.consumed,
                 len);
        return false;
    }
    hp_parse(HTTP_RESPONSE, &p, &r, buf, len);
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK || !r.headers_complete) {
        snprintf(why, why_size, "http_parser: %s, head %s", http_errno_name(HTTP_PARSER_ERRNO(&p)),
                 r.headers_complete ? "complete" : "incomplete");
        return false;
    }
    if (r.num_headers != res.num_headers || p.status_code != res.status) {
        snprintf(why, why_size, "ours %zu fields, status %d; http_parser %zu, %d", res.num_headers,
                 res.status, r.num_headers, p.status_code);
        return false;
    }
    hp_parse(HTTP_RESPONSE, &p, &r, buf, len - 1);
    if (r.headers_complete) {
        snprintf(why, why_size, "http_parser ends the head before byte %zu", len);
        return false;
    }
#ifdef PH_BENCH_LLHTTP
    struct ll_result lr;
    bench_llhttp_parse_response(buf, len, &lr);
    if (!lr.complete || lr.used != len || lr.num_fields != res.num_headers ||
        lr.status != res.status) {
        snprintf(why, why_size, "llhttp: %s, head %s at %zu of %zu, %zu fields, status %d",
                 lr.error, lr.complete ? "complete" : "incomplete", lr.used, len, lr.num_fields,
                 lr.status);
        return false;
    }
#endif
#ifdef PH_BENCH_PICO
    static struct pico_response pr;
    int n = pico_parse_response(phr_parse_response, &pr, buf, len);
    if (n != (int)len || pr.num_headers != res.num_headers || pr.status != res.status) {
        snprintf(why, why_size, "picohttpparser: returned %d of %zu, %zu fields, status %d", n, len,
                 pr.num_headers, pr.status);
        return false;
    }
#endif
    return true;
}

static bool accepts(enum input_kind kind, const uint8_t *buf, size_t len, char *why,
                    size_t why_size)
{
    return kind == RESPONSE_HEAD ? all_accept_response(buf, len, why, why_size)
                                 : all_accept(buf, len, why, why_size);
}

#ifdef PH_BENCH_PICO
/* The same for responses: pico-sse42's runs are held to pico's result on every head. */
static void check_pico_sse42_response(const struct input_set *set)
{
    static struct pico_response a, b;
    for (size_t i = 0; i < set->n; i++) {
        const struct input *in = &set->items[i];
        int na = pico_parse_response(phr_parse_response, &a, in->buf, in->len);
        int nb = pico_parse_response(phr_sse42_parse_response, &b, in->buf, in->len);
        if (na != nb || a.num_headers != b.num_headers || a.status != b.status) {
            fprintf(stderr,
                    "ph-bench-http: picohttpparser -msse4.2 differs from its plain build "
                    "on response %zu\n",
                    i);
            exit(1);
        }
    }
}
#endif

static void add_builtin(struct input_set *set, enum input_kind kind, const char *name,
                        const char *text)
{
    char why[256];
    size_t len = strlen(text);

    if (!accepts(kind, (const uint8_t *)text, len, why, sizeof(why))) {
        fprintf(stderr, "ph-bench-http: built-in input %s not accepted: %s\n", name, why);
        exit(1);
    }
    input_set_add(set, (const uint8_t *)text, len);
}

/* Reads at most cap bytes of path into buf; returns the count, or -1 with errno set. */
static long read_prefix(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, cap, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        errno = EIO;
        return -1;
    }
    return (long)n;
}

/*
 * Every regular file in dir, in name order, trimmed to its first request (or, for
 * RESPONSE_HEAD, response) head; files whose first head is not one every parser accepts
 * are skipped. A head never exceeds HTTP_MAX_HEAD_SIZE, so reading that much of a file is
 * enough to decide.
 */
static void add_corpus(struct input_set *set, enum input_kind kind, const char *dir, bool verbose)
{
    static uint8_t buf[1 + HTTP_MAX_HEAD_SIZE]; /* 1: a response corpus file's flag byte */
    static struct http_request req;
    static struct http_response res;
    struct dirent **names;
    char path[4096];
    char why[256];

    int count = scandir(dir, &names, NULL, alphasort);
    if (count < 0) {
        fprintf(stderr, "ph-bench-http: scandir %s: %s\n", dir, strerror(errno));
        exit(EXIT_NOINPUT);
    }
    for (int i = 0; i < count; i++) {
        const char *name = names[i]->d_name;
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        bool regular = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
        long n = regular ? read_prefix(path, buf, sizeof(buf)) : -1;
        free(names[i]);
        if (n < 0) {
            if (regular)
                fprintf(stderr, "ph-bench-http: %s: %s\n", path, strerror(errno));
            continue;
        }
        /* Trim to the head ours finds; all_accept then holds the others to the same end. */
        const uint8_t *head = buf;
        size_t len = (size_t)n;
        if (kind == RESPONSE_HEAD) {
            /* The fuzz target's flag byte (harness/fuzz_http_response.c): 0 or 1, an answer
             * to GET or HEAD parsed strictly; a head reads the same for either. CONNECT and
             * allow_bare_lf are not what the rows here do. */
            if (len == 0 || (buf[0] & ~1) != 0) {
                if (verbose)
                    fprintf(stderr, "skip %s: flag byte %d\n", path, len ? buf[0] : -1);
                set->skipped++;
                continue;
            }
            head++;
            len--;
            if (http_parse_response(head, len, NULL, &res) == PH_OK)
                len = res.consumed;
        } else if (http_parse_request(head, len, &req) == PH_OK) {
            len = req.consumed;
        }
        if (!accepts(kind, head, len, why, sizeof(why))) {
            if (verbose)
                fprintf(stderr, "skip %s: %s\n", path, why);
            set->skipped++;
            continue;
        }
        input_set_add(set, head, len);
    }
    free(names);
}

/* ---- chunked bodies ------------------------------------------------------------------------ */

/* Chunk data: printable and varied, so no decoder can take a shortcut on runs. */
static void fill_data(uint8_t *p, size_t n, size_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)('a' + (seed + i * 7) % 26);
}

/*
 * chunked-small: 200 chunks of 1 to 32 bytes (what a streaming server's small writes give),
 * then "0" CRLF CRLF: framing dominates. chunked-large: 4 chunks of 16 KiB: copying data
 * does. Both are whole bodies, one input each, decoded in place in one piece.
 */
static void add_chunked(struct input_set *set, bool large)
{
    size_t count = large ? 4 : 200;
    size_t cap = large ? 4 * (16384 + 16) + 8 : 200 * (32 + 8) + 8;
    uint8_t *body = xrealloc(NULL, cap);
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = large ? 16384 : 1 + (i * 13) % 32;
        len += (size_t)snprintf((char *)body + len, cap - len, "%zx\r\n", n);
        fill_data(body + len, n, i);
        len += n;
        memcpy(body + len, "\r\n", 2);
        len += 2;
    }
    memcpy(body + len, "0\r\n\r\n", 5);
    len += 5;
    input_set_add(set, body, len);
    free(body);
}

/* ---- timing ----------------------------------------------------------------------------- */

/* Every result lands here, so no parse is dead code however far the compiler inlines. */
static volatile uint64_t sink;

/*
 * Tells the compiler that memory may have changed, so a parse of the same bytes cannot be
 * hoisted out of the loop should link-time optimisation ever see through the call.
 */
static inline void clobber_memory(void)
{
#if defined(__GNUC__)
    __asm__ volatile("" : : : "memory");
#endif
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef void (*run_fn)(const struct input_set *set, uint64_t iters);

/* The build of ours that run_ours times: http_parse_request itself (the CPU's pick), or one
 * instruction set's (--parser ours-avx2 and the like). */
static http_parse_fn ours_parse = http_parse_request;

/* iters parses, round-robin over the set; iters is a multiple of set->n. */
static void run_ours(const struct input_set *set, uint64_t iters)
{
    static struct http_request req;
    http_parse_fn parse = ours_parse;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        enum ph_status st = parse(in->buf, in->len, &req);
        sink += (uint64_t)st + req.consumed + req.num_headers;
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

static void run_http_parser(const struct input_set *set, uint64_t iters)
{
    static struct hp_request r;
    http_parser p;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        size_t n = hp_parse(HTTP_REQUEST, &p, &r, in->buf, in->len);
        sink += n + r.num_headers + p.method + HTTP_PARSER_ERRNO(&p);
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

/* The response rows: the same loops over response heads. */
static void run_ours_response(const struct input_set *set, uint64_t iters)
{
    static struct http_response res;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        enum ph_status st = http_parse_response(in->buf, in->len, NULL, &res);
        sink += (uint64_t)st + res.consumed + res.num_headers + (uint64_t)res.status;
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

static void run_http_parser_response(const struct input_set *set, uint64_t iters)
{
    static struct hp_request r;
    http_parser p;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        size_t n = hp_parse(HTTP_RESPONSE, &p, &r, in->buf, in->len);
        sink += n + r.num_headers + p.status_code + HTTP_PARSER_ERRNO(&p);
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

#ifdef PH_BENCH_LLHTTP
static void run_llhttp_response(const struct input_set *set, uint64_t iters)
{
    struct ll_result r;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        bench_llhttp_parse_response(in->buf, in->len, &r);
        sink += r.used + r.num_fields + (uint64_t)r.status;
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

static void run_llhttp(const struct input_set *set, uint64_t iters)
{
    struct ll_result r;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        bench_llhttp_parse(in->buf, in->len, &r);
        sink += r.used + r.num_fields + r.method_len;
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}
#endif

#ifdef PH_BENCH_PICO
static void run_pico_with(pico_parse_fn parse, const struct input_set *set, uint64_t iters)
{
    static struct pico_request r;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        int n = pico_parse(parse, &r, in->buf, in->len);
        sink += (uint64_t)n + r.num_headers + r.method_len;
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

static void run_pico(const struct input_set *set, uint64_t iters)
{
    run_pico_with(phr_parse_request, set, iters);
}

static void run_pico_sse42(const struct input_set *set, uint64_t iters)
{
    run_pico_with(phr_sse42_parse_request, set, iters);
}

static void run_pico_response_with(pico_response_fn parse, const struct input_set *set,
                                   uint64_t iters)
{
    static struct pico_response r;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        int n = pico_parse_response(parse, &r, in->buf, in->len);
        sink += (uint64_t)n + r.num_headers + (uint64_t)r.status;
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
}

static void run_pico_response(const struct input_set *set, uint64_t iters)
{
    run_pico_response_with(phr_parse_response, set, iters);
}

static void run_pico_sse42_response(const struct input_set *set, uint64_t iters)
{
    run_pico_response_with(phr_sse42_parse_response, set, iters);
}
#endif

/* Chunked decoders work in place, so each iteration first copies the body into a work
 * buffer of exactly its size: the same copy for every decoder, and the memcpy row says
 * what it costs alone. */
static uint8_t *chunked_work(const struct input *in)
{
    static uint8_t *work;
    static size_t work_len;
    if (work_len != in->len) {
        free(work);
        work = xrealloc(NULL, in->len);
        work_len = in->len;
    }
    memcpy(work, in->buf, in->len);
    return work;
}

static void run_memcpy(const struct input_set *set, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        uint8_t *w = chunked_work(&set->items[i % set->n]);
        sink += w[0];
        clobber_memory();
    }
}

static void run_ours_chunked(const struct input_set *set, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[i % set->n];
        uint8_t *w = chunked_work(in);
        struct http_chunked_decoder dec;
        struct http_chunked_result res;
        http_chunked_init(&dec);
        enum ph_status st = http_decode_chunked(&dec, w, in->len, &res);
        sink += (uint64_t)st + res.consumed + res.decoded;
        clobber_memory();
    }
}

#ifdef PH_BENCH_PICO
static void run_pico_chunked(const struct input_set *set, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[i % set->n];
        uint8_t *w = chunked_work(in);
        struct phr_chunked_decoder dec = {.consume_trailer = 1};
        size_t size = in->len;
        ssize_t left = phr_decode_chunked(&dec, (char *)w, &size);
        sink += (uint64_t)left + size;
        clobber_memory();
    }
}
#endif

/* Both decoders decode every built-in body whole, to the same bytes: checked before timing,
 * so a row never times an error path. */
static void check_chunked(const struct input *in, const char *name)
{
    uint8_t *w = chunked_work(in);
    struct http_chunked_decoder dec;
    struct http_chunked_result res;
    http_chunked_init(&dec);
    enum ph_status st = http_decode_chunked(&dec, w, in->len, &res);
    if (st != PH_OK || res.consumed != in->len) {
        fprintf(stderr, "ph-bench-http: built-in body %s not decoded by ours: %s\n", name,
                http_error_name(res.error));
        exit(1);
    }
#ifdef PH_BENCH_PICO
    uint8_t *ours = xrealloc(NULL, res.decoded);
    memcpy(ours, w, res.decoded);
    w = chunked_work(in);
    struct phr_chunked_decoder pdec = {.consume_trailer = 1};
    size_t size = in->len;
    ssize_t left = phr_decode_chunked(&pdec, (char *)w, &size);
    if (left != 0 || size != res.decoded || memcmp(w, ours, size) != 0) {
        fprintf(stderr, "ph-bench-http: built-in body %s: picohttpparser returned %zd, %zu bytes\n",
                name, left, size);
        exit(1);
    }
    free(ours);
#endif
}

static double time_run(run_fn run, const struct input_set *set, uint64_t iters)
{
    double start = now_seconds();
    run(set, iters);
    return now_seconds() - start;
}

static uint64_t round_up(uint64_t x, uint64_t multiple)
{
    return (x + multiple - 1) / multiple * multiple;
}

/*
 * An iteration count that takes about `seconds`: double from one pass until a run takes
 * an eighth of that, then scale. The doubling also warms caches and branch predictors.
 */
static uint64_t calibrate(run_fn run, const struct input_set *set, double seconds)
{
    uint64_t iters = set->n;
    for (;;) {
        double t = time_run(run, set, iters);
        if (t >= seconds / 8)
            return round_up((uint64_t)((double)iters * seconds / t) + 1, set->n);
        iters *= 2;
    }
}

static void measure(const char *parser, run_fn run, const char *input_name,
                    const struct input_set *set, double seconds, uint64_t fixed_iters)
{
    uint64_t iters = fixed_iters ? round_up(fixed_iters, set->n) : calibrate(run, set, seconds);
    double t = time_run(run, set, iters);
    double bytes = (double)(iters / set->n) * (double)set->bytes;

    printf("%s %s req_per_s=%.0f mb_per_s=%.1f ns_per_req=%.1f iters=%llu bytes_per_req=%.1f "
           "inputs=%zu skipped=%zu\n",
           parser, input_name, (double)iters / t, bytes / t / 1e6, t * 1e9 / (double)iters,
           (unsigned long long)iters, bytes / (double)iters, set->n, set->skipped);
    fflush(stdout);
}

/* ---- the contenders ------------------------------------------------------------------------- */

/* One row of the benchmark: a parser of one kind of input. isa names a build of ours. */
struct contender {
    const char *name;
    enum input_kind kind;
    run_fn run;
    int isa; /* enum http_isa for ours-<isa>, -1 otherwise */
};

static const struct contender contenders[] = {
    /* request heads */
    {"ours", REQUEST_HEAD, run_ours, -1},
    {"ours-plain", REQUEST_HEAD, run_ours, HTTP_ISA_PLAIN},
    {"ours-sse2", REQUEST_HEAD, run_ours, HTTP_ISA_SSE2},
    {"ours-ssse3", REQUEST_HEAD, run_ours, HTTP_ISA_SSSE3},
    {"ours-avx2", REQUEST_HEAD, run_ours, HTTP_ISA_AVX2},
    {"http_parser", REQUEST_HEAD, run_http_parser, -1},
#ifdef PH_BENCH_LLHTTP
    {"llhttp", REQUEST_HEAD, run_llhttp, -1},
#endif
#ifdef PH_BENCH_PICO
    {"pico", REQUEST_HEAD, run_pico, -1},
    {"pico-sse42", REQUEST_HEAD, run_pico_sse42, -1},
#endif
    /* response heads */
    {"ours", RESPONSE_HEAD, run_ours_response, -1},
    {"http_parser", RESPONSE_HEAD, run_http_parser_response, -1},
#ifdef PH_BENCH_LLHTTP
    {"llhttp", RESPONSE_HEAD, run_llhttp_response, -1},
#endif
#ifdef PH_BENCH_PICO
    {"pico", RESPONSE_HEAD, run_pico_response, -1},
    {"pico-sse42", RESPONSE_HEAD, run_pico_sse42_response, -1},
#endif
    /* chunked bodies */
    {"memcpy", CHUNKED_BODY, run_memcpy, -1},
    {"ours", CHUNKED_BODY, run_ours_chunked, -1},
#ifdef PH_BENCH_PICO
    {"pico", CHUNKED_BODY, run_pico_chunked, -1},
#endif
};

#define NCONTENDERS (sizeof(contenders) / sizeof(contenders[0]))

/* Whether this build and this CPU can run c: ours-<isa> needs that build and the CPU's
 * support; pico-sse42 needs SSE4.2. */
static bool runnable(const struct contender *c)
{
    if (c->isa >= 0)
        return http_parse_request_for((enum http_isa)c->isa) != NULL;
    if (strcmp(c->name, "pico-sse42") == 0)
        return __builtin_cpu_supports("sse4.2");
    return true;
}

static enum input_kind kind_of(const char *input)
{
    if (strncmp(input, "chunked-", 8) == 0)
        return CHUNKED_BODY;
    if (strcmp(input, "response") == 0 || strncmp(input, "corpus-response:", 16) == 0)
        return RESPONSE_HEAD;
    return REQUEST_HEAD;
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: ph-bench-http [--parser NAME|all] [--seconds S] [--iters N] [--verbose] INPUT\n"
            "       ph-bench-http --list INPUT\n"
            "       ph-bench-http --isa    (the build of ours http_parse_request runs here)\n"
            "  INPUT: browser | minimal | corpus:DIR            (request heads)\n"
            "         response | corpus-response:DIR            (response heads)\n"
            "         chunked-small | chunked-large             (chunked bodies)\n"
            "  --parser NAME  one parser (--list shows this build's), or all (default)\n"
            "  --seconds S  target length of one timed run (default %.1f)\n"
            "  --iters N    fixed iteration count instead of calibrating (for callgrind)\n"
            "  --verbose    say why each skipped corpus file was skipped\n",
            DEFAULT_SECONDS);
    exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
    const char *parser = "all";
    const char *input = NULL;
    double seconds = DEFAULT_SECONDS;
    uint64_t fixed_iters = 0;
    bool verbose = false;
    bool list = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(arg, "--parser") == 0 && val) {
            parser = val;
            i++;
        } else if (strcmp(arg, "--seconds") == 0 && val) {
            if (!cli_parse_double(val, 1e-3, 1e6, &seconds))
                usage();
            i++;
        } else if (strcmp(arg, "--iters") == 0 && val) {
            if (!cli_parse_u64(val, 1, UINT64_MAX, &fixed_iters))
                usage();
            i++;
        } else if (strcmp(arg, "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(arg, "--list") == 0) {
            list = true;
        } else if (strcmp(arg, "--isa") == 0) {
            printf("%s\n", http_isa_name(http_isa_selected())); /* what "ours" runs here */
            return 0;
        } else if (arg[0] != '-' && input == NULL) {
            input = arg;
        } else {
            usage();
        }
    }
    if (input == NULL)
        usage();
    enum input_kind kind = kind_of(input);

    /* The rows to run: one by name, or every one this build and CPU can run on input. */
    const struct contender *chosen[NCONTENDERS];
    size_t nchosen = 0;
    for (size_t i = 0; i < NCONTENDERS; i++) {
        const struct contender *c = &contenders[i];
        if (c->kind != kind || !runnable(c))
            continue;
        if (list)
            printf("%s\n", c->name);
        else if (strcmp(parser, "all") == 0 || strcmp(parser, c->name) == 0)
            chosen[nchosen++] = c;
    }
    if (list)
        return 0;
    if (nchosen == 0) {
        fprintf(stderr,
                "ph-bench-http: no parser %s for %s in this build or on this CPU "
                "(--list %s)\n",
                parser, input, input);
        return EXIT_USAGE;
    }

    struct input_set set = {0};
    if (strcmp(input, "browser") == 0) {
        add_builtin(&set, kind, input, BROWSER_REQUEST);
    } else if (strcmp(input, "minimal") == 0) {
        add_builtin(&set, kind, input, MINIMAL_REQUEST);
    } else if (strcmp(input, "response") == 0) {
        add_builtin(&set, kind, input, RESPONSE);
    } else if (strcmp(input, "chunked-small") == 0 || strcmp(input, "chunked-large") == 0) {
        add_chunked(&set, strcmp(input, "chunked-large") == 0);
        check_chunked(&set.items[0], input);
    } else if ((strncmp(input, "corpus:", 7) == 0 && input[7] != '\0') ||
               (strncmp(input, "corpus-response:", 16) == 0 && input[16] != '\0')) {
        const char *dir = strchr(input, ':') + 1;
        add_corpus(&set, kind, dir, verbose);
        if (set.n == 0) {
            fprintf(stderr,
                    "ph-bench-http: %s: no file holds a %s head every parser accepts "
                    "(%zu skipped)\n",
                    dir, kind == RESPONSE_HEAD ? "response" : "request", set.skipped);
            return EXIT_NOINPUT;
        }
    } else {
        usage();
    }

    for (size_t i = 0; i < nchosen; i++) {
        const struct contender *c = chosen[i];
#ifdef PH_BENCH_PICO
        if (c->run == run_pico_sse42)
            check_pico_sse42(&set);
        if (c->run == run_pico_sse42_response)
            check_pico_sse42_response(&set);
#endif
        ours_parse =
            c->isa >= 0 ? http_parse_request_for((enum http_isa)c->isa) : http_parse_request;
        measure(c->name, c->run, input, &set, seconds, fixed_iters);
    }
    input_set_free(&set);
    return 0;
}
