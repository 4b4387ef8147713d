/*
 * The request parser, built once per instruction set: src/http/http_parse_impl.h holds the
 * parser, and each http_parse_<isa>.c compiles it with that set's scanners (http_scan.h)
 * and compiler flags (CMakeLists.txt). http_parse_request() (http_parse.c) runs the best one
 * the CPU has; tests, fuzz targets and benchmarks name one. Internal to src/http/ and its
 * tests.
 *
 * Every variant gives exactly the result of the plain one on every input: the split-oracle
 * build of harness/fuzz_http_request.c and tests/unit/test_http_parse.c check that.
 */
#ifndef HTTP_PARSE_ISA_H
#define HTTP_PARSE_ISA_H

#include <stdbool.h>

#include "http.h"
#include "http_scan.h"

enum http_isa {
    HTTP_ISA_PLAIN = 0, /* the C loops: the reference, and the only one in PH_SIMD=OFF builds */
    HTTP_ISA_SSE2,      /* every x86-64 CPU */
    HTTP_ISA_SSSE3,     /* PSHUFB class lookups, 16 bytes */
    HTTP_ISA_AVX2,      /* the same, 32 bytes */
    HTTP_ISA_COUNT,
};

typedef enum ph_status (*http_parse_fn)(const uint8_t *buf, size_t len, struct http_request *req);

/* "plain", "sse2", "ssse3", "avx2". */
const char *http_isa_name(enum http_isa isa);

/* The parser built for isa, or NULL when this build has none or this CPU cannot run it. */
http_parse_fn http_parse_request_for(enum http_isa isa);

/* What http_parse_request() runs on this CPU. */
enum http_isa http_isa_selected(void);

enum ph_status http_parse_request_plain(const uint8_t *buf, size_t len, struct http_request *req);
#ifdef HTTP_SCAN_SSE2
enum ph_status http_parse_request_sse2(const uint8_t *buf, size_t len, struct http_request *req);
#endif
#ifdef HTTP_SCAN_SSSE3
enum ph_status http_parse_request_ssse3(const uint8_t *buf, size_t len, struct http_request *req);
enum ph_status http_parse_request_avx2(const uint8_t *buf, size_t len, struct http_request *req);
#endif

#endif
