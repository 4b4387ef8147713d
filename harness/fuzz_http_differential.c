/*
 * Fuzz target http_differential: our request parser and chunked decoder against
 * llhttp (Node.js's parser, compiled from Debian's node-llhttp at build time: see
 * harness/http_differential.cmake), in the same process, on one message: a request
 * head and its body.
 *
 * The request-smuggling oracle. Where both accept the head they must agree on where it
 * ends, the method, target, version, every header name and value, keep-alive and the
 * body framing and length; where both reach the end of the body, on where it ends and
 * on the body's bytes. Where only one side accepts, the difference must be a known
 * one: we reject for a rule in peer_lenient[] (each listed in docs/conformance.md with
 * its example in corpus/http_differential/), or llhttp rejects a method it does not
 * know. Anything else aborts with both verdicts printed: a bug in us or a leniency of
 * theirs not yet listed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "http/http.h"
#include "llhttp_view.h"

/* ---- what we know about llhttp 8.1 ------------------------------------------------- */

/* Rules we reject by and llhttp (default, non-strict build) accepts: its leniencies,
 * each in docs/conformance.md. A reject for any other rule where llhttp accepts aborts. */
static const enum http_error peer_lenient[] = {
    /* request-line */
    HTTP_ERR_VERSION,             /* no HTTP-version: read as HTTP/0.9, fields and all */
    HTTP_ERR_REQUEST_LINE_SPACE,  /* "GET *" and the like, as HTTP/0.9 */
    HTTP_ERR_VERSION_UNSUPPORTED, /* HTTP/2.0, HTTP/1.9 parsed as if HTTP/1.1 */
    HTTP_ERR_TARGET_CHAR,         /* bytes >= 0x80 */
    HTTP_ERR_TARGET_PERCENT,      /* "%" is not checked */
    HTTP_ERR_TARGET_FORM,         /* any form with any method */
    HTTP_ERR_TARGET_AUTHORITY,    /* host and port are not checked */
    HTTP_ERR_TARGET_TOO_LONG,     /* no limits */
    HTTP_ERR_EMPTY_LINE,          /* any number of empty lines before the request-line */
    /* line endings */
    HTTP_ERR_BARE_CR, /* any byte after CR ends a line, the head included */
    HTTP_ERR_BARE_LF, /* an LF alone as the head's final empty line */
    /* fields */
    HTTP_ERR_FIELD_NAME,                            /* an empty field name */
    HTTP_ERR_WHITESPACE_BEFORE_COLON,               /* SP inside field names ("Foo Bar: x") */
    HTTP_ERR_OBS_FOLD,                              /* accepted (RFC 9112 5.2 allows SP instead) */
    HTTP_ERR_TOO_MANY_HEADERS,                      /* no limits */
    HTTP_ERR_HEAD_TOO_LARGE, HTTP_ERR_HOST_MISSING, /* Host is not checked at all */
    HTTP_ERR_HOST_DUPLICATE, HTTP_ERR_HOST_INVALID,
    /* framing: the head is accepted, the body is refused later or read as llhttp sees it */
    HTTP_ERR_TRANSFER_ENCODING_HTTP10,    /* chunked is honoured in HTTP/1.0 */
    HTTP_ERR_TRANSFER_ENCODING_INVALID,   /* list syntax is not checked */
    HTTP_ERR_TRANSFER_CODING_UNSUPPORTED, /* unknown codings before chunked */
    HTTP_ERR_CHUNKED_NOT_FINAL,           /* refused only when the body starts */
    HTTP_ERR_CHUNKED_REPEATED,            /* "chunked<TAB>" is an unknown coding to it */
    HTTP_ERR_CONNECT_WITH_CONTENT,        /* CONNECT's head ends the message: the rest is tunnel */
    /* chunked bodies */
    HTTP_ERR_CHUNK_DATA_END,    /* the two bytes after chunk data are not checked */
    HTTP_ERR_TRAILER_FIELD,     /* trailer names as loose as field names */
    HTTP_ERR_CHUNK_EXTENSION,   /* extension syntax loosely checked (a 5-minute campaign) */
    HTTP_ERR_TRAILER_TOO_LARGE, /* no limits */
};

static bool is_peer_lenient(enum http_error error)
{
    for (size_t i = 0; i < sizeof(peer_lenient) / sizeof(peer_lenient[0]); i++) {
        if (peer_lenient[i] == error && error != HTTP_ERR_NONE)
            return true;
    }
    return false;
}

/* llhttp parses only the methods it knows (RFC 9110 9.1: any token is a method). */
static bool peer_knows_method(struct ph_slice method)
{
    static const char *const known[] = {
#define PEER_METHOD_NAME(num, name, string) #string,
        HTTP_METHOD_MAP(PEER_METHOD_NAME)
#undef PEER_METHOD_NAME
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strlen(known[i]) == method.len && memcmp(known[i], method.ptr, method.len) == 0)
            return true;
    }
    return false;
}

/* Where llhttp is stricter than RFC 9110 allows and rejects a head we accept. */
struct peer_result;
static bool peer_stricter_head(const struct http_request *req, const struct peer_result *p,
                               const uint8_t *data, size_t size);

/* llhttp matches Connection options by prefix ("close<junk>" closes) and honours the
 * legacy Proxy-Connection as if it were Connection: keep-alive is compared only when
 * there is no Proxy-Connection and every Connection value is a plain token list. */
static bool is_sp_or_htab(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool contains_nocase(struct ph_slice v, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= v.len; i++) {
        if (strncasecmp((const char *)v.ptr + i, word, n) == 0)
            return true;
    }
    return false;
}

static bool connection_is_clean(const struct http_request *req)
{
    /* llhttp's HTTP/1.0 rule looks at keep-alive only: "close, keep-alive" persists there,
     * while RFC 9112 9.3 says close wins. */
    bool close = false, keep = false;
    for (size_t i = 0; i < req->num_headers; i++) {
        struct ph_slice n = req->headers[i].name, v = req->headers[i].value;
        if (n.len == 10 && strncasecmp((const char *)n.ptr, "connection", 10) == 0) {
            close = close || contains_nocase(v, "close");
            keep = keep || contains_nocase(v, "alive");
            /* llhttp matches options in the raw value, trailing whitespace included */
            if (is_sp_or_htab(v.ptr[v.len]))
                return false;
        }
    }
    if (close && keep)
        return false;
    for (size_t i = 0; i < req->num_headers; i++) {
        struct ph_slice n = req->headers[i].name, v = req->headers[i].value;
        if (n.len == 16 && strncasecmp((const char *)n.ptr, "proxy-connection", 16) == 0)
            return false;
        if (n.len != 10 || strncasecmp((const char *)n.ptr, "connection", 10) != 0)
            continue;
        /* letters and "-" in comma-separated elements, OWS around them, none inside */
        bool in_token = false, after_token = false;
        for (size_t k = 0; k < v.len; k++) {
            uint8_t c = v.ptr[k];
            bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
            if (letter) {
                if (after_token)
                    return false; /* "close a": two words in one element */
                in_token = true;
            } else if (is_sp_or_htab(c)) {
                after_token = after_token || in_token;
                in_token = false;
            } else if (c == ',') {
                if (after_token)
                    return false; /* "keep-alive\t,": llhttp keeps that whitespace too */
                in_token = after_token = false;
            } else {
                return false;
            }
        }
    }
    return true;
}

/* ---- one message, both ways ---------------------------------------------------------- */

/* llhttp's verdicts and what it made of the head. */
struct peer_result {
    struct llhttp_outcome out;
    int keep_alive;
    int http_major, http_minor;
    enum http_framing framing; /* from llhttp's flags after the head */
    uint64_t content_length;
};

static void peer_parse(const uint8_t *data, size_t size, struct llhttp_view *v,
                       struct peer_result *r)
{
    llhttp_t parser;
    llhttp_view_init(&parser, HTTP_REQUEST, v);
    memset(r, 0, sizeof(*r));
    llhttp_view_head(&parser, data, size, &r->out);
    if (r->out.head != LLHTTP_OK)
        return;
    r->keep_alive = llhttp_should_keep_alive(&parser);
    r->http_major = parser.http_major;
    r->http_minor = parser.http_minor;
    r->framing = parser.flags & F_CHUNKED          ? HTTP_FRAMING_CHUNKED
                 : parser.flags & F_CONTENT_LENGTH ? HTTP_FRAMING_LENGTH
                                                   : HTTP_FRAMING_NONE;
    r->content_length = parser.content_length;
    llhttp_view_body(&parser, data, size, &r->out);
}

/* llhttp keeps whitespace after a coding as part of it: "chunked\t" at the end of the value
 * (RFC 9110 5.5 drops trailing OWS) or "chunked\t," before a comma (RFC 9110 5.6.1: OWS
 * around list elements) is an unknown coding to llhttp, and chunked to us. */
static bool te_has_ows_after_coding(const struct http_request *req)
{
    for (size_t i = 0; i < req->num_headers; i++) {
        struct ph_slice n = req->headers[i].name, v = req->headers[i].value;
        if (n.len != 17 || strncasecmp((const char *)n.ptr, "transfer-encoding", 17) != 0)
            continue;
        if (is_sp_or_htab(v.ptr[v.len])) /* the head goes on: CR at least */
            return true;
        for (size_t k = 1; k < v.len; k++) {
            if (!is_sp_or_htab(v.ptr[k]) || is_sp_or_htab(v.ptr[k - 1]) || v.ptr[k - 1] == ',')
                continue;
            size_t e = k;
            while (e < v.len && is_sp_or_htab(v.ptr[e]))
                e++;
            if (e < v.len && v.ptr[e] == ',')
                return true;
        }
    }
    return false;
}

/* A Transfer-Encoding value with an empty list element ("chunked," or ", chunked"). */
static bool te_has_empty_element(const struct http_request *req)
{
    for (size_t i = 0; i < req->num_headers; i++) {
        struct ph_slice n = req->headers[i].name, v = req->headers[i].value;
        if (n.len != 17 || strncasecmp((const char *)n.ptr, "transfer-encoding", 17) != 0)
            continue;
        bool element = false;
        for (size_t k = 0; k < v.len; k++) {
            if (v.ptr[k] == ',') {
                if (!element)
                    return true;
                element = false;
            } else if (v.ptr[k] != ' ' && v.ptr[k] != '\t') {
                element = true;
            }
        }
        if (!element)
            return true;
    }
    return false;
}

/* A field of this (lower-case) name with an empty value somewhere in the raw head: llhttp
 * ignores an empty Transfer-Encoding where we refuse it next to Content-Length. */
static bool raw_field_empty(const uint8_t *data, size_t size, const char *name)
{
    size_t n = strlen(name);
    for (size_t at = 0; at + n + 1 < size; at++) {
        if ((at > 0 && data[at - 1] != '\n') ||
            strncasecmp((const char *)data + at, name, n) != 0 || data[at + n] != ':')
            continue;
        size_t k = at + n + 1;
        while (k < size && is_sp_or_htab(data[k]))
            k++;
        if (k < size && data[k] == '\r')
            return true;
    }
    return false;
}

/* "scheme://": the hier-part starts with an authority */
static bool scheme_then_slashes(struct ph_slice target)
{
    const uint8_t *colon = memchr(target.ptr, ':', target.len);
    size_t at = colon ? (size_t)(colon - target.ptr) : target.len;
    return target.len - at >= 3 && memcmp(target.ptr + at, "://", 3) == 0;
}

static bool scheme_is_letters(struct ph_slice target)
{
    for (size_t i = 0; i < target.len && target.ptr[i] != ':'; i++) {
        uint8_t c = target.ptr[i] | 0x20;
        if (c < 'a' || c > 'z')
            return false;
    }
    return true;
}

static bool peer_stricter_head(const struct http_request *req, const struct peer_result *p,
                               const uint8_t *data, size_t size)
{
    switch (p->out.error) {
    case HPE_INVALID_CONTENT_LENGTH:
        /* HTAB after the digits: trailing OWS (RFC 9112 5, RFC 9110 5.6.3), which llhttp
         * allows as SP only. We accepted the head, so the value was digits then OWS. */
        return req->framing == HTTP_FRAMING_LENGTH && p->out.error_pos < size &&
               data[p->out.error_pos] == '\t';
    case HPE_INVALID_METHOD: /* llhttp knows a fixed list; any token is a method */
        return !peer_knows_method(req->method);
    case HPE_INVALID_CONSTANT:
        /* An RTSP method (SETUP, PLAY, ...) llhttp reads as one and then refuses at
         * "HTTP/": to RFC 9110 9.1 it is a token like any other. */
        return !peer_knows_method(req->method);
    case HPE_UNEXPECTED_CONTENT_LENGTH: /* RFC 9110 8.6 allows identical repeats */
        return req->framing == HTTP_FRAMING_LENGTH;
    case HPE_INVALID_TRANSFER_ENCODING: /* RFC 9110 5.6.1: empty list elements are allowed */
        return req->framing == HTTP_FRAMING_CHUNKED && te_has_empty_element(req);
    case HPE_INVALID_URL:
        /* absolute-URI without "//" (RFC 3986 4.3), or a scheme with the digits, "+",
         * "-" or "." RFC 3986 3.1 allows after its first letter: llhttp takes letters only */
        return req->target_form == HTTP_TARGET_ABSOLUTE &&
               (!scheme_then_slashes(req->target) || !scheme_is_letters(req->target));
    default:
        return false;
    }
}

struct our_result {
    enum ph_status head;
    enum ph_status body; /* PH_OK: the message ends at body_end; PH_REJECT: body_error */
    size_t body_end;
    enum http_error body_error;
    uint8_t *bytes; /* the decoded body */
    size_t len;
};

static void our_parse(const uint8_t *data, size_t size, struct http_request *req,
                      struct our_result *r)
{
    memset(r, 0, sizeof(*r));
    r->body = PH_INCOMPLETE;
    r->bytes = malloc(size ? size : 1);
    FUZZ_CHECK(r->bytes != NULL);
    r->head = http_parse_request(data, size, req);
    if (r->head != PH_OK)
        return;
    size_t rest = size - req->consumed;
    switch (req->framing) {
    case HTTP_FRAMING_NONE:
        r->body = PH_OK;
        r->body_end = req->consumed;
        return;
    case HTTP_FRAMING_LENGTH:
        if (req->content_length > rest)
            return;
        r->len = (size_t)req->content_length;
        memcpy(r->bytes, data + req->consumed, r->len);
        r->body = PH_OK;
        r->body_end = req->consumed + r->len;
        return;
    case HTTP_FRAMING_CHUNKED: {
        struct http_chunked_decoder dec;
        struct http_chunked_result res;
        memcpy(r->bytes, data + req->consumed, rest); /* decoded in place */
        http_chunked_init(&dec);
        r->body = http_decode_chunked(&dec, r->bytes, rest, &res);
        r->body_error = res.error;
        r->len = res.decoded;
        r->body_end = req->consumed + (r->body == PH_REJECT ? res.error_offset : res.consumed);
        return;
    }
    }
}

/* ---- comparing ---------------------------------------------------------------------- */

static void report(const char *what, const struct http_request *req, const struct our_result *o,
                   const struct peer_result *p, const struct llhttp_view *v)
{
    fprintf(stderr, "differential: %s\n  ours:   head %s", what, ph_status_name(o->head));
    if (o->head == PH_REJECT)
        fprintf(stderr, " HTTP_ERR_%s at %zu", http_error_name(req->error), req->error_offset);
    if (o->head == PH_OK) {
        fprintf(stderr, " (%zu bytes), body %s", req->consumed, ph_status_name(o->body));
        if (o->body == PH_REJECT)
            fprintf(stderr, " HTTP_ERR_%s at %zu", http_error_name(o->body_error), o->body_end);
        else if (o->body == PH_OK)
            fprintf(stderr, " (%zu bytes, ends at %zu)", o->len, o->body_end);
    }
    fprintf(stderr, "\n  llhttp: head %s", llhttp_verdict_name(p->out.head));
    if (p->out.head == LLHTTP_OK) {
        fprintf(stderr, " (%zu bytes), body %s", p->out.head_end, llhttp_verdict_name(p->out.body));
        if (p->out.body == LLHTTP_OK)
            fprintf(stderr, " (ends at %zu)", p->out.body_end);
        fprintf(stderr, "; \"%.*s\" \"%.*s\" HTTP/%d.%d, %zu headers", (int)v->method.len,
                v->method.ptr, (int)v->url.len, v->url.ptr, p->http_major, p->http_minor,
                v->head_headers);
    }
    if (p->out.error != HPE_OK)
        fprintf(stderr, ", %s \"%s\" at %zu", llhttp_errno_name(p->out.error),
                p->out.reason ? p->out.reason : "", p->out.error_pos);
    fprintf(stderr, "\n");
}

#define DIFF_CHECK(cond, what)                       \
    do {                                             \
        if (!(cond)) {                               \
            report(what, &req, &ours, &peer, &view); \
            FUZZ_CHECK(cond);                        \
        }                                            \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request req; /* 4 KiB: off the stack */
    static struct llhttp_view view;
    struct our_result ours;
    struct peer_result peer;

    our_parse(data, size, &req, &ours);
    view.body = malloc(size ? size : 1);
    FUZZ_CHECK(view.body != NULL);
    peer_parse(data, size, &view, &peer);

    if (ours.head == PH_REJECT) {
        DIFF_CHECK(peer.out.head != LLHTTP_OK || is_peer_lenient(req.error) ||
                       (req.error == HTTP_ERR_TRANSFER_ENCODING_WITH_CONTENT_LENGTH &&
                        raw_field_empty(data, size, "transfer-encoding")) ||
                       llhttp_field_line_folded(data, size, req.error_offset),
                   "llhttp accepts a head we reject, for a rule not in peer_lenient[]");
    } else if (ours.head == PH_INCOMPLETE) {
        DIFF_CHECK(peer.out.head != LLHTTP_OK, "llhttp ends the head where we still want more");
    } else {
        DIFF_CHECK(peer.out.head != LLHTTP_INCOMPLETE, "we end the head where llhttp wants more");
        DIFF_CHECK(peer.out.head == LLHTTP_OK || peer_stricter_head(&req, &peer, data, size),
                   "llhttp rejects a head we accept");
    }
    if (ours.head != PH_OK || peer.out.head != LLHTTP_OK)
        goto done;

    /* Both accept the head: the same request, byte for byte. */
    DIFF_CHECK(peer.out.head_end == req.consumed, "the head ends at different offsets");
    DIFF_CHECK(llhttp_span_equal(view.method, req.method), "different methods");
    DIFF_CHECK(llhttp_span_equal(view.url, req.target), "different targets");
    DIFF_CHECK(view.head_headers == req.num_headers, "different header counts");
    for (size_t i = 0; i < req.num_headers; i++) {
        DIFF_CHECK(llhttp_span_equal(view.names[i], req.headers[i].name), "different header names");
        DIFF_CHECK(llhttp_span_equal(llhttp_span_trim_ows(view.values[i]), req.headers[i].value),
                   "different header values");
    }
    DIFF_CHECK(peer.keep_alive == (int)req.keep_alive || !connection_is_clean(&req),
               "different keep-alive");

    DIFF_CHECK(peer.framing == req.framing || te_has_ows_after_coding(&req),
               "different body framing");
    DIFF_CHECK(req.framing != HTTP_FRAMING_LENGTH || peer.content_length == req.content_length,
               "different Content-Length");

    /* The body: the same end (where the next request starts) and the same bytes. */
    if (ours.body == PH_REJECT) {
        DIFF_CHECK(peer.out.body != LLHTTP_OK || is_peer_lenient(ours.body_error),
                   "llhttp accepts a body we reject, for a rule not in peer_lenient[]");
    } else if (peer.out.body == LLHTTP_REJECT) {
        DIFF_CHECK(llhttp_stricter_body(data, size, peer.out.error, peer.out.error_pos),
                   "llhttp rejects a body we accept");
    } else if (ours.body == PH_OK || peer.out.body == LLHTTP_OK) {
        DIFF_CHECK(ours.body == PH_OK && peer.out.body == LLHTTP_OK,
                   "one side ends the body where the other wants more");
        DIFF_CHECK(peer.out.body_end == ours.body_end, "the body ends at different offsets");
        DIFF_CHECK(view.body_len == ours.len && memcmp(view.body, ours.bytes, ours.len) == 0,
                   "different body bytes");
    }
done:
    free(ours.bytes);
    free(view.body);
    return 0;
}
