/*
 * Fuzz target http_response: http_parse_response over arbitrary bytes, and a
 * differential check against llhttp's response mode (compiled from Debian's node-llhttp:
 * harness/http_response.cmake).
 *
 * Input: one flag byte, then the response bytes. Flag bits: 1 the response answers HEAD,
 * 2 it answers CONNECT, 4 allow_bare_lf. Corpus files recorded from servers start with
 * 0x00 (a GET) or 0x01 (a HEAD).
 *
 * Invariants: consumed <= size and every slice inside the head; a reject names an error
 * and an offset inside the input; the framing follows from the status and options (RFC
 * 9112 6.3); a head accepted strictly is accepted the same with allow_bare_lf; a chunked
 * body decodes within its bytes. In PH_SPLIT_ORACLE builds: a second parse agrees, and
 * every prefix parses as PH_INCOMPLETE or exactly as the whole.
 *
 * Differential: where both accept the head they must agree on where it ends, the version,
 * status, reason, every field, and (but for tunnels and CONNECT) where the message ends
 * and its body bytes; where only one side accepts, the difference must be a known one
 * (peer_lenient[], peer_stricter(); each in docs/conformance.md).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "http/http.h"
#include "llhttp_view.h"

enum { FLAG_HEAD = 1, FLAG_CONNECT = 2, FLAG_BARE_LF = 4 };

/* ---- our side ------------------------------------------------------------------------ */

static int same_result(enum ph_status sa, const struct http_response *a, const uint8_t *base_a,
                       enum ph_status sb, const struct http_response *b, const uint8_t *base_b)
{
    if (sa != sb || a->consumed != b->consumed || a->error != b->error ||
        a->error_offset != b->error_offset)
        return 0;
    if (sa != PH_OK)
        return 1;
    if (a->num_headers != b->num_headers || a->minor_version != b->minor_version ||
        a->status != b->status || a->framing != b->framing ||
        a->content_length != b->content_length || a->keep_alive != b->keep_alive ||
        !fuzz_slice_same_offset(a->reason, base_a, b->reason, base_b))
        return 0;
    for (size_t i = 0; i < a->num_headers; i++) {
        if (!fuzz_slice_same_offset(a->headers[i].name, base_a, b->headers[i].name, base_b) ||
            !fuzz_slice_same_offset(a->headers[i].value, base_a, b->headers[i].value, base_b))
            return 0;
    }
    return 1;
}

static void check_invariants(enum ph_status st, const struct http_response *res,
                             const struct http_response_options *opt, const uint8_t *data,
                             size_t size)
{
    FUZZ_CHECK(res->consumed <= size);
    if (st == PH_REJECT) {
        FUZZ_CHECK(res->error != HTTP_ERR_NONE);
        FUZZ_CHECK(res->error_offset <= size);
        FUZZ_CHECK(res->error != HTTP_ERR_BARE_LF || !opt->allow_bare_lf);
        return;
    }
    FUZZ_CHECK(res->error == HTTP_ERR_NONE && res->error_offset == 0);
    if (st == PH_INCOMPLETE) {
        FUZZ_CHECK(res->consumed == 0 && res->num_headers == 0 && res->status == 0);
        return;
    }
    FUZZ_CHECK(st == PH_OK);
    FUZZ_CHECK(res->consumed >= 14 &&
               res->consumed <= HTTP_MAX_HEAD_SIZE); /* "HTTP/1.1 200 \n\n" */
    FUZZ_CHECK(res->minor_version == 0 || res->minor_version == 1);
    FUZZ_CHECK(res->status >= 100 && res->status <= 999);
    FUZZ_CHECK(res->reason.ptr != NULL);
    FUZZ_CHECK(fuzz_inside(res->reason.ptr, res->reason.len, data, res->consumed));
    FUZZ_CHECK(res->num_headers <= HTTP_MAX_HEADERS);
    for (size_t i = 0; i < res->num_headers; i++) {
        const struct http_header *h = &res->headers[i];
        FUZZ_CHECK(h->name.len > 0);
        FUZZ_CHECK(fuzz_inside(h->name.ptr, h->name.len, data, res->consumed));
        FUZZ_CHECK(fuzz_inside(h->value.ptr, h->value.len, data, res->consumed));
    }
    /* RFC 9112 6.3 items 1 and 2 */
    int s = res->status;
    if (s == 101)
        FUZZ_CHECK(res->framing == HTTP_RESPONSE_TUNNEL);
    else if (opt->head_request || s < 200 || s == 204 || s == 304)
        FUZZ_CHECK(res->framing == HTTP_RESPONSE_NONE);
    else if (opt->connect_request && s < 300)
        FUZZ_CHECK(res->framing == HTTP_RESPONSE_TUNNEL);
    else
        FUZZ_CHECK(res->framing != HTTP_RESPONSE_NONE && res->framing != HTTP_RESPONSE_TUNNEL);
    FUZZ_CHECK(res->framing == HTTP_RESPONSE_LENGTH || res->content_length == 0);
    if (res->framing == HTTP_RESPONSE_CLOSE || res->framing == HTTP_RESPONSE_TUNNEL)
        FUZZ_CHECK(!res->keep_alive);
}

/* The bare-LF option only accepts more: a head accepted strictly reads the same with it. */
static void check_bare_lf_monotone(enum ph_status st, const struct http_response *res,
                                   const struct http_response_options *opt, const uint8_t *data,
                                   size_t size)
{
    if (st != PH_OK || opt->allow_bare_lf)
        return;
    static struct http_response lenient;
    struct http_response_options o = *opt;
    o.allow_bare_lf = true;
    enum ph_status st2 = http_parse_response(data, size, &o, &lenient);
    FUZZ_CHECK(same_result(st, res, data, st2, &lenient, data));
}

#ifdef PH_SPLIT_ORACLE
static void check_prefixes(enum ph_status whole_st, const struct http_response *whole,
                           const struct http_response_options *opt, const uint8_t *data,
                           size_t size)
{
    size_t last = whole_st == PH_OK ? whole->consumed : size;
    uint8_t *block = malloc(last ? last : 1);
    FUZZ_CHECK(block != NULL);
    for (size_t k = 0; k < last; k++) {
        uint8_t *prefix = block + last - k; /* ends where the heap block ends */
        memcpy(prefix, data, k);
        static struct http_response part;
        enum ph_status st = http_parse_response(prefix, k, opt, &part);
        FUZZ_CHECK(st == PH_INCOMPLETE || same_result(st, &part, prefix, whole_st, whole, data));
    }
    free(block);
}
#endif

/* The message after the head, as our cores read it. */
struct our_body {
    enum ph_status st; /* PH_OK: the message ends at end; PH_REJECT: error */
    size_t end;
    enum http_error error;
    uint8_t *bytes;
    size_t len;
};

static void our_body(const struct http_response *res, const uint8_t *data, size_t size,
                     struct our_body *b)
{
    size_t head = res->consumed, rest = size - head;
    b->st = PH_INCOMPLETE;
    switch (res->framing) {
    case HTTP_RESPONSE_NONE:
    case HTTP_RESPONSE_TUNNEL:
        b->st = PH_OK;
        b->end = head;
        return;
    case HTTP_RESPONSE_LENGTH:
        if (res->content_length > rest)
            return;
        b->len = (size_t)res->content_length;
        memcpy(b->bytes, data + head, b->len);
        b->st = PH_OK;
        b->end = head + b->len;
        return;
    case HTTP_RESPONSE_CLOSE: /* the input's end is the connection's close */
        b->len = rest;
        memcpy(b->bytes, data + head, rest);
        b->st = PH_OK;
        b->end = size;
        return;
    case HTTP_RESPONSE_CHUNKED: {
        struct http_chunked_decoder dec;
        struct http_chunked_result cr;
        memcpy(b->bytes, data + head, rest);
        http_chunked_init(&dec);
        b->st = http_decode_chunked(&dec, b->bytes, rest, &cr);
        FUZZ_CHECK(cr.consumed <= rest && cr.decoded <= cr.consumed);
        FUZZ_CHECK(b->st != PH_INCOMPLETE || cr.consumed == rest);
        b->error = cr.error;
        b->len = cr.decoded;
        b->end = head + (b->st == PH_REJECT ? cr.error_offset : cr.consumed);
        return;
    }
    }
}

/* ---- llhttp's side -------------------------------------------------------------------- */

/* llhttp's verdicts and what it made of the head. */
struct peer_result {
    struct llhttp_outcome out;
    int status, http_major, http_minor, keep_alive, upgrade;
    bool chunked; /* llhttp's framing after the head */
};

static void peer_parse(const uint8_t *data, size_t size, struct llhttp_view *v,
                       struct peer_result *r)
{
    llhttp_t parser;
    llhttp_view_init(&parser, HTTP_RESPONSE, v);
    memset(r, 0, sizeof(*r));
    llhttp_view_head(&parser, data, size, &r->out);
    if (r->out.head != LLHTTP_OK)
        return;
    r->status = parser.status_code;
    r->http_major = parser.http_major;
    r->http_minor = parser.http_minor;
    r->keep_alive = llhttp_should_keep_alive(&parser);
    r->upgrade = parser.upgrade;
    r->chunked = (parser.flags & F_CHUNKED) != 0;
    llhttp_view_body(&parser, data, size, &r->out);
}

/* ---- known differences (docs/conformance.md) ----------------------------------------- */

/* Rules we reject by and llhttp 8.1 (default build) accepts. */
static const enum http_error peer_lenient[] = {
    HTTP_ERR_VERSION_UNSUPPORTED, /* HTTP/0.9, HTTP/1.9, HTTP/2.0 status lines */
    HTTP_ERR_BARE_CR,             /* any byte after CR ends a line */
    HTTP_ERR_BARE_LF,             /* LF alone ends a line (our allow_bare_lf) */
    HTTP_ERR_FIELD_NAME,          /* an empty field name */
    HTTP_ERR_WHITESPACE_BEFORE_COLON,
    HTTP_ERR_OBS_FOLD,         /* unfolded (RFC 9112 5.2 has a user agent replace it with SP) */
    HTTP_ERR_TOO_MANY_HEADERS, /* no limits */
    HTTP_ERR_HEAD_TOO_LARGE, HTTP_ERR_TRANSFER_ENCODING_HTTP10, /* chunked honoured in HTTP/1.0 */
    HTTP_ERR_TRANSFER_ENCODING_INVALID,                         /* list syntax not checked */
    HTTP_ERR_CHUNKED_REPEATED, HTTP_ERR_STATUS_CODE,            /* 000-099 */
    HTTP_ERR_STATUS_LINE_SPACE, /* "HTTP/1.1 200\r\n": the SP before an empty reason */
    HTTP_ERR_REASON,            /* control bytes in the reason */
    HTTP_ERR_WHITESPACE_AFTER_STATUS_LINE,
    HTTP_ERR_TRANSFER_ENCODING_WITH_CONTENT_LENGTH, /* TE wins, as RFC 9112 6.3 item 3 allows */
    /* chunked bodies, as with requests (http_differential) */
    HTTP_ERR_CHUNK_DATA_END,    /* the two bytes after chunk data are not checked */
    HTTP_ERR_TRAILER_FIELD,     /* trailer names as loose as field names */
    HTTP_ERR_CHUNK_EXTENSION,   /* extension syntax loosely checked */
    HTTP_ERR_TRAILER_TOO_LARGE, /* no limits */
};

static bool is_peer_lenient(enum http_error error)
{
    for (size_t i = 0; i < sizeof(peer_lenient) / sizeof(peer_lenient[0]); i++)
        if (peer_lenient[i] == error)
            return true;
    return false;
}

/* Where llhttp rejects a head we accept. */
static bool peer_stricter(const struct http_response_options *opt, const struct peer_result *p,
                          const uint8_t *data, size_t size)
{
    /* allow_bare_lf: llhttp takes LF alone after the status line but not always after a
     * field value ("Invalid header value char" at or after it) */
    if (opt->allow_bare_lf) {
        for (size_t k = 0; k <= p->out.error_pos && k < size; k++)
            if (data[k] == '\n' && (k == 0 || data[k - 1] != '\r'))
                return true;
    }
    switch (p->out.error) {
    case HPE_INVALID_CONTENT_LENGTH: /* HTAB as trailing OWS after the digits */
        return p->out.error_pos < size && data[p->out.error_pos] == '\t';
    case HPE_UNEXPECTED_CONTENT_LENGTH: /* RFC 9110 8.6 allows identical repeats */
        return true;
    default:
        return false;
    }
}

/* ---- comparing ----------------------------------------------------------------------- */

static void report(const char *what, enum ph_status st, const struct http_response *res,
                   const struct our_body *ob, const struct peer_result *p)
{
    fprintf(stderr, "differential: %s\n  ours:   head %s", what, ph_status_name(st));
    if (st == PH_REJECT)
        fprintf(stderr, " HTTP_ERR_%s at %zu", http_error_name(res->error), res->error_offset);
    if (st == PH_OK)
        fprintf(stderr, " (%zu bytes, %d, %s), body %s ends at %zu", res->consumed, res->status,
                http_response_framing_name(res->framing), ph_status_name(ob->st), ob->end);
    fprintf(stderr, "\n  llhttp: head %d (%zu bytes, %d), body %d ends at %zu", p->out.head,
            p->out.head_end, p->status, p->out.body, p->out.body_end);
    if (p->out.error != HPE_OK)
        fprintf(stderr, ", %s \"%s\" at %zu", llhttp_errno_name(p->out.error),
                p->out.reason ? p->out.reason : "", p->out.error_pos);
    fprintf(stderr, "\n");
}

#define DIFF_CHECK(cond, what)                  \
    do {                                        \
        if (!(cond)) {                          \
            report(what, st, &res, &ob, &peer); \
            FUZZ_CHECK(cond);                   \
        }                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t input_size)
{
    if (input_size == 0)
        return 0;
    struct http_response_options opt = {
        .head_request = input[0] & FLAG_HEAD,
        .connect_request = input[0] & FLAG_CONNECT,
        .allow_bare_lf = input[0] & FLAG_BARE_LF,
    };
    const uint8_t *data = input + 1;
    size_t size = input_size - 1;

    static struct http_response res; /* 4 KiB: off the stack */
    enum ph_status st = http_parse_response(data, size, &opt, &res);
    check_invariants(st, &res, &opt, data, size);
    check_bare_lf_monotone(st, &res, &opt, data, size);
#ifdef PH_SPLIT_ORACLE
    static struct http_response again;
    enum ph_status st2 = http_parse_response(data, size, &opt, &again);
    FUZZ_CHECK(same_result(st, &res, data, st2, &again, data));
    check_prefixes(st, &res, &opt, data, size);
#endif

    struct our_body ob = {.bytes = malloc(size ? size : 1)};
    FUZZ_CHECK(ob.bytes != NULL);
    if (st == PH_OK)
        our_body(&res, data, size, &ob);

    static struct llhttp_view view;
    view.head_request = opt.head_request;
    view.body = malloc(size ? size : 1);
    FUZZ_CHECK(view.body != NULL);
    struct peer_result peer;
    peer_parse(data, size, &view, &peer);

    /* The verdicts on the head. */
    if (st == PH_REJECT) {
        /* llhttp skips empty lines before a status line (RFC 9112 2.2 has a server do so
         * before a request-line, nothing for responses) */
        bool leading_empty_line = res.error == HTTP_ERR_VERSION && res.error_offset == 0 &&
                                  size > 0 && (data[0] == '\r' || data[0] == '\n');
        DIFF_CHECK(peer.out.head != LLHTTP_OK || is_peer_lenient(res.error) || leading_empty_line ||
                       llhttp_field_line_folded(data, size, res.error_offset),
                   "llhttp accepts a head we reject, for a rule not in peer_lenient[]");
    } else if (st == PH_INCOMPLETE) {
        DIFF_CHECK(peer.out.head != LLHTTP_OK, "llhttp ends the head where we still want more");
    } else {
        DIFF_CHECK(peer.out.head != LLHTTP_INCOMPLETE, "we end the head where llhttp wants more");
        DIFF_CHECK(peer.out.head == LLHTTP_OK || peer_stricter(&opt, &peer, data, size),
                   "llhttp rejects a head we accept");
    }
    if (st != PH_OK || peer.out.head != LLHTTP_OK)
        goto done;

    /* Both accept it: the same head, byte for byte. */
    DIFF_CHECK(peer.out.head_end == res.consumed, "the head ends at different offsets");
    DIFF_CHECK(peer.http_major == 1 && peer.http_minor == res.minor_version, "different versions");
    DIFF_CHECK(peer.status == res.status, "different status codes");
    DIFF_CHECK(llhttp_span_equal(view.reason, res.reason), "different reasons");
    DIFF_CHECK(view.head_headers == res.num_headers, "different header counts");
    for (size_t i = 0; i < res.num_headers; i++) {
        DIFF_CHECK(llhttp_span_equal(view.names[i], res.headers[i].name), "different header names");
        DIFF_CHECK(llhttp_span_equal(llhttp_span_trim_ows(view.values[i]), res.headers[i].value),
                   "different header values");
    }

    /* The body: where the message ends and its bytes, where both say it ends. llhttp has
     * no notion of a CONNECT answer in response mode, and tunnels end parsing. */
    if (opt.connect_request || res.framing == HTTP_RESPONSE_TUNNEL || peer.upgrade)
        goto done;
    /* llhttp keeps OWS after a coding as part of it ("chunked<TAB>" is an unknown coding,
     * so a close-delimited body); RFC 9110 5.5 and 5.6.1 drop it: chunked for us */
    if (res.framing == HTTP_RESPONSE_CHUNKED && !peer.chunked)
        goto done;
    if (ob.st == PH_REJECT) {
        DIFF_CHECK(peer.out.body != LLHTTP_OK || is_peer_lenient(ob.error),
                   "llhttp accepts a chunked body we reject, for a rule not in peer_lenient[]");
    } else if (peer.out.body == LLHTTP_REJECT) {
        DIFF_CHECK(ob.st != PH_OK ||
                       llhttp_stricter_body(data, size, peer.out.error, peer.out.error_pos),
                   "llhttp rejects a body we accept");
    } else if (ob.st == PH_OK || peer.out.body == LLHTTP_OK) {
        DIFF_CHECK(ob.st == PH_OK && peer.out.body == LLHTTP_OK,
                   "one side ends the message where the other wants more");
        DIFF_CHECK(peer.out.body_end == ob.end, "the message ends at different offsets");
        DIFF_CHECK(view.body_len == ob.len && memcmp(view.body, ob.bytes, ob.len) == 0,
                   "different body bytes");
    }
done:
    free(ob.bytes);
    free(view.body);
    return 0;
}
