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

static void check_invariants(enum ph_status st, const struct http_request *req,
                             const uint8_t *data, size_t size)
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
}

#ifdef PH_SPLIT_ORACLE
static int slice_offset_equal(struct ph_slice a, const uint8_t *base_a, struct ph_slice b,
                              const uint8_t *base_b)
{
    if (a.len != b.len || (a.ptr == NULL) != (b.ptr == NULL))
        return 0;
    return a.ptr == NULL || a.ptr - base_a == b.ptr - base_b;
}

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
    if (!slice_offset_equal(a->method, base_a, b->method, base_b) ||
        !slice_offset_equal(a->target, base_a, b->target, base_b) ||
        !slice_offset_equal(a->host, base_a, b->host, base_b))
        return 0;
    for (size_t i = 0; i < a->num_headers; i++) {
        if (!slice_offset_equal(a->headers[i].name, base_a, b->headers[i].name, base_b) ||
            !slice_offset_equal(a->headers[i].value, base_a, b->headers[i].value, base_b))
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
