/*
 * Fuzz target http_request: http_parse_request over arbitrary bytes.
 *
 * Besides not crashing, it checks: consumed <= size and every slice inside the input; and,
 * in builds with PH_SPLIT_ORACLE (what campaigns and ctest use), that a second parse into
 * another struct gives the same result, that every instruction-set build of the parser
 * (plain, SSE2, SSSE3, AVX2: src/http/http_parse_isa.h) this CPU runs gives the plain one's
 * result and its scanners the plain loops' offsets, and that every prefix parses as
 * PH_INCOMPLETE or exactly as the whole.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "http/http.h"
#include "http/http_parse_isa.h"
#include "http/http_scan.h"

static void check_accepted_head(const struct http_request *req, const uint8_t *data);

static void check_invariants(enum ph_status st, const struct http_request *req, const uint8_t *data,
                             size_t size)
{
    FUZZ_CHECK(req->consumed <= size);
    if (st == PH_REJECT) {
        FUZZ_CHECK(req->error != HTTP_ERR_NONE);
        FUZZ_CHECK(req->error_offset <= size);
        int status = http_error_status(req->error);
        FUZZ_CHECK(status == 400 || status == 414 || status == 431 || status == 501 ||
                   status == 505);
        return;
    }
    FUZZ_CHECK(req->error == HTTP_ERR_NONE);
    if (st == PH_INCOMPLETE) {
        FUZZ_CHECK(req->consumed == 0);
        return;
    }
    FUZZ_CHECK(st == PH_OK);
    FUZZ_CHECK(req->consumed > 0 && req->consumed <= HTTP_MAX_HEAD_SIZE);
    FUZZ_CHECK(req->method.len > 0 && req->target.len > 0);
    FUZZ_CHECK(fuzz_inside(req->method.ptr, req->method.len, data, req->consumed));
    FUZZ_CHECK(fuzz_inside(req->target.ptr, req->target.len, data, req->consumed));
    FUZZ_CHECK(fuzz_inside(req->host.ptr, req->host.len, data, req->consumed));
    FUZZ_CHECK(req->minor_version == 0 || req->minor_version == 1);
    FUZZ_CHECK(req->num_headers <= HTTP_MAX_HEADERS);
    FUZZ_CHECK(req->minor_version == 0 || req->host.ptr != NULL);
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        FUZZ_CHECK(h->name.len > 0);
        FUZZ_CHECK(fuzz_inside(h->name.ptr, h->name.len, data, req->consumed));
        FUZZ_CHECK(fuzz_inside(h->value.ptr, h->value.len, data, req->consumed));
    }
    check_accepted_head(req, data);
}

/* ---- an accepted head, read again from its bytes --------------------------------------
 * The simplest reading of RFC 9112 that needs no state machine: the head is an optional
 * CRLF, "method SP target SP HTTP/1.x CRLF", field lines "name:OWS value OWS CRLF", CRLF.
 * Every slice must sit where that reading puts it, and the fields the parser derives
 * (framing, length, host, keep-alive, 100-continue, target form) must be what those bytes
 * say. Its own character classes, not the parser's tables. */

static int is_tchar(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_ows_byte(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* ASCII-case-insensitive equality with a lower-case literal. */
static int ieq(struct ph_slice s, const char *lower)
{
    size_t n = strlen(lower);
    if (s.len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s.ptr[i];
        if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != (uint8_t)lower[i])
            return 0;
    }
    return 1;
}

static struct ph_slice trim_ows(struct ph_slice s)
{
    while (s.len > 0 && is_ows_byte(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_ows_byte(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

/* The last non-empty element of a comma-separated list (RFC 9110 5.6.1); with `lower`,
 * whether any element is that word instead. */
static struct ph_slice list_scan(struct ph_slice v, const char *lower, int *found)
{
    struct ph_slice last = {NULL, 0};
    size_t start = 0;
    for (size_t i = 0; i <= v.len; i++) {
        if (i == v.len || v.ptr[i] == ',') {
            struct ph_slice e = trim_ows((struct ph_slice){v.ptr + start, i - start});
            if (e.len > 0)
                last = e;
            if (lower != NULL && ieq(e, lower))
                *found = 1;
            start = i + 1;
        }
    }
    return last;
}

static void check_accepted_head(const struct http_request *req, const uint8_t *data)
{
    size_t p = 0;
    if (data[0] == '\r') {
        FUZZ_CHECK(data[1] == '\n');
        p = 2;
    }
    size_t line = p;
    FUZZ_CHECK(req->method.ptr == data + p);
    for (size_t i = 0; i < req->method.len; i++)
        FUZZ_CHECK(is_tchar(req->method.ptr[i]));
    p += req->method.len;
    FUZZ_CHECK(data[p] == ' ');
    p++;
    FUZZ_CHECK(req->target.ptr == data + p);
    for (size_t i = 0; i < req->target.len; i++)
        FUZZ_CHECK(req->target.ptr[i] > 0x20 && req->target.ptr[i] < 0x7f);
    p += req->target.len;
    FUZZ_CHECK(memcmp(data + p, " HTTP/1.", 8) == 0 && data[p + 8] == '0' + req->minor_version);
    p += 9;
    FUZZ_CHECK(p - line <= HTTP_MAX_REQUEST_LINE); /* RFC 9112 3: 414 past the limit */
    FUZZ_CHECK(data[p] == '\r' && data[p + 1] == '\n');
    p += 2;

    /* RFC 9112 3.2: the method decides the form */
    int connect = req->method.len == 7 && memcmp(req->method.ptr, "CONNECT", 7) == 0;
    int options = req->method.len == 7 && memcmp(req->method.ptr, "OPTIONS", 7) == 0;
    int star = req->target.len == 1 && req->target.ptr[0] == '*';
    FUZZ_CHECK((req->target_form == HTTP_TARGET_ASTERISK) == star && (!star || options));
    FUZZ_CHECK((req->target_form == HTTP_TARGET_AUTHORITY) == connect);
    FUZZ_CHECK((req->target_form == HTTP_TARGET_ORIGIN) == (req->target.ptr[0] == '/'));
    if (req->target_form == HTTP_TARGET_ABSOLUTE || connect)
        FUZZ_CHECK(memchr(req->target.ptr, ':', req->target.len) != NULL);

    size_t n_host = 0, n_cl = 0, n_te = 0;
    const struct http_header *host = NULL, *last_te = NULL;
    int close = 0, keep = 0, expect = 0;
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        FUZZ_CHECK(h->name.ptr == data + p && h->name.len > 0);
        for (size_t k = 0; k < h->name.len; k++)
            FUZZ_CHECK(is_tchar(h->name.ptr[k]));
        p += h->name.len;
        FUZZ_CHECK(data[p] == ':');
        p++;
        while (is_ows_byte(data[p]))
            p++;
        FUZZ_CHECK(h->value.ptr == data + p);
        for (size_t k = 0; k < h->value.len; k++) {
            uint8_t c = h->value.ptr[k];
            FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f)); /* RFC 9110 5.5 */
        }
        FUZZ_CHECK(h->value.len == 0 || !is_ows_byte(h->value.ptr[h->value.len - 1]));
        p += h->value.len;
        while (is_ows_byte(data[p]))
            p++;
        FUZZ_CHECK(data[p] == '\r' && data[p + 1] == '\n');
        p += 2;

        if (ieq(h->name, "host")) {
            n_host++;
            host = h;
        } else if (ieq(h->name, "content-length")) {
            n_cl++;
            uint64_t v = 0;
            FUZZ_CHECK(h->value.len > 0);
            for (size_t k = 0; k < h->value.len; k++) {
                uint8_t c = h->value.ptr[k];
                FUZZ_CHECK(c >= '0' && c <= '9' && v <= (UINT64_MAX - (c - '0')) / 10);
                v = v * 10 + (uint64_t)(c - '0');
            }
            FUZZ_CHECK(req->content_length == v); /* repeats must agree (RFC 9112 6.3) */
        } else if (ieq(h->name, "transfer-encoding")) {
            n_te++;
            last_te = h;
        } else if (ieq(h->name, "connection")) {
            list_scan(h->value, "close", &close);
            list_scan(h->value, "keep-alive", &keep);
        } else if (ieq(h->name, "expect")) {
            expect |= ieq(h->value, "100-continue");
        }
    }
    FUZZ_CHECK(data[p] == '\r' && data[p + 1] == '\n');
    FUZZ_CHECK(p + 2 == req->consumed);

    /* RFC 9112 3.2: one Host, required in HTTP/1.1; the slice is its value */
    FUZZ_CHECK(n_host <= 1 && (req->minor_version == 0 || n_host == 1));
    FUZZ_CHECK(host == NULL ? req->host.ptr == NULL
                            : req->host.ptr == host->value.ptr && req->host.len == host->value.len);
    /* RFC 9112 6.1: never both (smuggling); 6.3: the framing is what the fields say */
    FUZZ_CHECK(n_cl == 0 || n_te == 0);
    if (n_te > 0) {
        FUZZ_CHECK(req->framing == HTTP_FRAMING_CHUNKED && req->minor_version == 1);
        FUZZ_CHECK(ieq(list_scan(last_te->value, NULL, NULL), "chunked")); /* chunked is final */
    } else if (n_cl > 0) {
        FUZZ_CHECK(req->framing == HTTP_FRAMING_LENGTH);
    } else {
        FUZZ_CHECK(req->framing == HTTP_FRAMING_NONE && req->content_length == 0);
    }
    /* RFC 9110 9.3.6: CONNECT has no content */
    FUZZ_CHECK(!connect || (req->framing != HTTP_FRAMING_CHUNKED && req->content_length == 0));
    /* RFC 9112 9.3: persistence */
    if (close)
        FUZZ_CHECK(!req->keep_alive);
    else if (keep)
        FUZZ_CHECK(req->keep_alive);
    else
        FUZZ_CHECK(req->keep_alive == (req->minor_version == 1));
    /* RFC 9110 10.1.1: 100-continue only from HTTP/1.1 clients */
    FUZZ_CHECK(req->expect_continue == (expect && req->minor_version == 1));
}

#ifdef PH_SPLIT_ORACLE
/* Same verdict and same fields, slices compared by their offsets into each buffer. */
static int same_result(enum ph_status sa, const struct http_request *a, const uint8_t *base_a,
                       enum ph_status sb, const struct http_request *b, const uint8_t *base_b)
{
    if (sa != sb || a->consumed != b->consumed || a->error != b->error ||
        a->error_offset != b->error_offset)
        return 0;
    if (sa != PH_OK)
        return 1;
    if (a->num_headers != b->num_headers || a->minor_version != b->minor_version ||
        a->target_form != b->target_form || a->framing != b->framing ||
        a->content_length != b->content_length || a->keep_alive != b->keep_alive ||
        a->expect_continue != b->expect_continue)
        return 0;
    if (!fuzz_slice_same_offset(a->method, base_a, b->method, base_b) ||
        !fuzz_slice_same_offset(a->target, base_a, b->target, base_b) ||
        !fuzz_slice_same_offset(a->host, base_a, b->host, base_b))
        return 0;
    for (size_t i = 0; i < a->num_headers; i++) {
        if (!fuzz_slice_same_offset(a->headers[i].name, base_a, b->headers[i].name, base_b) ||
            !fuzz_slice_same_offset(a->headers[i].value, base_a, b->headers[i].value, base_b))
            return 0;
    }
    return 1;
}

/* The vector scanners must stop exactly where the plain loops stop. Sixteen start
 * offsets cover every alignment of a 16-byte load; 32-byte loads start at the same offsets
 * and so meet every input byte at every lane across runs. */
static void check_scanners(const uint8_t *data, size_t size)
{
    for (size_t pos = 0; pos < size && pos < 16; pos++) {
        size_t value = http_scan_value_plain(data, pos, size);
        size_t target = http_scan_target_plain(data, pos, size);
        size_t token = http_scan_token_plain(data, pos, size);
#ifdef HTTP_SCAN_SSE2
        FUZZ_CHECK(http_scan_value_sse2(data, pos, size) == value);
        FUZZ_CHECK(http_scan_target_sse2(data, pos, size) == target);
        FUZZ_CHECK(http_scan_token_sse2(data, pos, size) == token);
#endif
#ifdef HTTP_SCAN_SSSE3
        if (http_parse_request_for(HTTP_ISA_SSSE3) != NULL) {
            FUZZ_CHECK(http_scan_value_ssse3(data, pos, size) == value);
            FUZZ_CHECK(http_scan_target_ssse3(data, pos, size) == target);
            FUZZ_CHECK(http_scan_token_ssse3(data, pos, size) == token);
        }
        if (http_parse_request_for(HTTP_ISA_AVX2) != NULL) {
            FUZZ_CHECK(http_scan_value_avx2(data, pos, size) == value);
            FUZZ_CHECK(http_scan_target_avx2(data, pos, size) == target);
            FUZZ_CHECK(http_scan_token_avx2(data, pos, size) == token);
        }
#endif
        (void)value;
        (void)target;
        (void)token;
    }
}

/* Every build of the parser this CPU runs gives exactly the plain build's result, slices
 * at the same offsets: the fast paths (word compares, vector scans) decide nothing the plain
 * C path does not. */
static void check_builds(enum ph_status st, const struct http_request *req, const uint8_t *data,
                         size_t size)
{
    static struct http_request plain, other;
    enum ph_status plain_st = http_parse_request_plain(data, size, &plain);
    FUZZ_CHECK(same_result(plain_st, &plain, data, st, req, data));
    for (int isa = HTTP_ISA_PLAIN + 1; isa < HTTP_ISA_COUNT; isa++) {
        http_parse_fn parse = http_parse_request_for((enum http_isa)isa);
        if (parse == NULL)
            continue;
        enum ph_status other_st = parse(data, size, &other);
        FUZZ_CHECK(same_result(plain_st, &plain, data, other_st, &other, data));
    }
}

/* RFC-independent oracle: a parser that decides nothing from bytes it hasn't seen gives
 * every prefix the verdict "incomplete" or the whole input's verdict. */
static void check_prefixes(enum ph_status whole_st, const struct http_request *whole,
                           const uint8_t *data, size_t size)
{
    size_t last = whole_st == PH_OK ? whole->consumed : size;
    /* Each prefix is copied to the end of one allocation, so it ends where the heap block
     * does and ASan sees any over-read, without an allocation per prefix. */
    uint8_t *block = malloc(last ? last : 1);
    FUZZ_CHECK(block != NULL);
    for (size_t k = 0; k < last; k++) {
        uint8_t *prefix = block + last - k;
        memcpy(prefix, data, k);
        static struct http_request part;
        enum ph_status st = http_parse_request(prefix, k, &part);
        FUZZ_CHECK(st == PH_INCOMPLETE || same_result(st, &part, prefix, whole_st, whole, data));
    }
    free(block);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request req; /* 4 KiB: keep it off the stack */
    enum ph_status st = http_parse_request(data, size, &req);
    check_invariants(st, &req, data, size);

#ifdef PH_SPLIT_ORACLE
    /* The deep build. A second parse, into a struct still holding the last run's fields,
     * must agree with the first: that catches an output read before it is reset, or state
     * kept between calls. http_parse_request is a pure function of its bytes (no globals,
     * outputs reset on entry), so in the fast build this check doubled the cost of every
     * run for little; here it joins checks that already cost many parses per run. */
    static struct http_request again;
    enum ph_status st2 = http_parse_request(data, size, &again);
    FUZZ_CHECK(same_result(st, &req, data, st2, &again, data));
    check_scanners(data, size);
    check_builds(st, &req, data, size);
    check_prefixes(st, &req, data, size);
#endif
    return 0;
}
