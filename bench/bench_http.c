/*
 * ph-bench-http: requests/s and MB/s of http_parse_request against Debian's libhttp-parser
 * (nodejs/http-parser 2.9) on the same request heads.
 *
 *     ph-bench-http [--parser ours|http_parser|both] [--seconds S] [--iters N] INPUT
 *     INPUT: browser | minimal | corpus:DIR
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
 * Exit status: 0, 1 when a built-in input is rejected (a parser bug), 64 on a usage error,
 * 66 when a corpus yields no request head that both parsers accept.
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

#include "http/http.h"

#define EXIT_USAGE 64   /* sysexits.h EX_USAGE */
#define EXIT_NOINPUT 66 /* sysexits.h EX_NOINPUT */

/* A run long enough to dwarf timer and scheduler noise, short enough that ci/bench.sh can
 * afford 5 interleaved rounds of 3 inputs x 2 parsers in well under a minute. */
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

/* ---- inputs ---------------------------------------------------------------------------- */

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
 * value as pointer and length (the method http_parser keeps itself, as p.method). The whole
 * head is always in one buffer, so each element arrives in exactly one callback.
 */
struct hp_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct hp_request {
    const char *url;
    size_t url_len;
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
    .on_header_field = hp_on_header_field,
    .on_header_value = hp_on_header_value,
    .on_headers_complete = hp_on_headers_complete,
};

/* One request through libhttp-parser, set up afresh as a server does per request. */
static size_t hp_parse(http_parser *p, struct hp_request *r, const uint8_t *buf, size_t len)
{
    http_parser_init(p, HTTP_REQUEST);
    p->data = r;
    r->num_headers = 0;
    r->headers_complete = false;
    return http_parser_execute(p, &hp_settings, (const char *)buf, len);
}

/* ---- which heads count ------------------------------------------------------------------ */

/*
 * buf[0..len) is exactly one request head that both parsers accept and agree on: ours says
 * PH_OK consuming all of it; http_parser completes the head on the last byte, not before,
 * without error, and sees as many fields. Writes a reason into why otherwise.
 */
static bool both_accept(const uint8_t *buf, size_t len, char *why, size_t why_size)
{
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
    hp_parse(&p, &r, buf, len);
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
    hp_parse(&p, &r, buf, len - 1);
    if (r.headers_complete) {
        snprintf(why, why_size, "http_parser ends the head before byte %zu", len);
        return false;
    }
    return true;
}

static void add_builtin(struct input_set *set, const char *name, const char *text)
{
    char why[256];
    size_t len = strlen(text);

    if (!both_accept((const uint8_t *)text, len, why, sizeof(why))) {
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
 * Every regular file in dir, in name order, trimmed to its first request head; files whose
 * first request is not a head both parsers accept are skipped. A head never exceeds
 * HTTP_MAX_HEAD_SIZE, so reading that much of a file is enough to decide.
 */
static void add_corpus(struct input_set *set, const char *dir, bool verbose)
{
    static uint8_t buf[HTTP_MAX_HEAD_SIZE];
    static struct http_request req;
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
        /* Trim to the head ours finds; both_accept then holds http_parser to the same end. */
        size_t len = (size_t)n;
        if (http_parse_request(buf, len, &req) == PH_OK)
            len = req.consumed;
        if (!both_accept(buf, len, why, sizeof(why))) {
            if (verbose)
                fprintf(stderr, "skip %s: %s\n", path, why);
            set->skipped++;
            continue;
        }
        input_set_add(set, buf, len);
    }
    free(names);
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

/* iters parses, round-robin over the set; iters is a multiple of set->n. */
static void run_ours(const struct input_set *set, uint64_t iters)
{
    static struct http_request req;
    size_t k = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct input *in = &set->items[k];
        enum ph_status st = http_parse_request(in->buf, in->len, &req);
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
        size_t n = hp_parse(&p, &r, in->buf, in->len);
        sink += n + r.num_headers + p.method + HTTP_PARSER_ERRNO(&p);
        clobber_memory();
        if (++k == set->n)
            k = 0;
    }
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

/* ---- main ------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: ph-bench-http [--parser ours|http_parser|both] [--seconds S] [--iters N]\n"
            "                     [--verbose] INPUT\n"
            "  INPUT: browser | minimal | corpus:DIR\n"
            "  --seconds S  target length of one timed run (default %.1f)\n"
            "  --iters N    fixed iteration count instead of calibrating (for callgrind)\n"
            "  --verbose    say why each skipped corpus file was skipped\n",
            DEFAULT_SECONDS);
    exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
    const char *parser = "both";
    const char *input = NULL;
    double seconds = DEFAULT_SECONDS;
    uint64_t fixed_iters = 0;
    bool verbose = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;

        if (strcmp(arg, "--parser") == 0 && val) {
            parser = val;
            i++;
        } else if (strcmp(arg, "--seconds") == 0 && val) {
            seconds = strtod(val, &end);
            if (*end != '\0' || !(seconds > 0))
                usage();
            i++;
        } else if (strcmp(arg, "--iters") == 0 && val) {
            fixed_iters = strtoull(val, &end, 10);
            if (*end != '\0' || fixed_iters == 0)
                usage();
            i++;
        } else if (strcmp(arg, "--verbose") == 0) {
            verbose = true;
        } else if (arg[0] != '-' && input == NULL) {
            input = arg;
        } else {
            usage();
        }
    }
    bool run_ours_too = strcmp(parser, "ours") == 0 || strcmp(parser, "both") == 0;
    bool run_hp_too = strcmp(parser, "http_parser") == 0 || strcmp(parser, "both") == 0;
    if (input == NULL || !(run_ours_too || run_hp_too))
        usage();

    struct input_set set = {0};
    if (strcmp(input, "browser") == 0) {
        add_builtin(&set, input, BROWSER_REQUEST);
    } else if (strcmp(input, "minimal") == 0) {
        add_builtin(&set, input, MINIMAL_REQUEST);
    } else if (strncmp(input, "corpus:", 7) == 0 && input[7] != '\0') {
        add_corpus(&set, input + 7, verbose);
        if (set.n == 0) {
            fprintf(stderr,
                    "ph-bench-http: %s: no file holds a request head both parsers accept "
                    "(%zu skipped)\n",
                    input + 7, set.skipped);
            return EXIT_NOINPUT;
        }
    } else {
        usage();
    }

    if (run_ours_too)
        measure("ours", run_ours, input, &set, seconds, fixed_iters);
    if (run_hp_too)
        measure("http_parser", run_http_parser, input, &set, seconds, fixed_iters);
    input_set_free(&set);
    return 0;
}
