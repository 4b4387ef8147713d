/*
 * http_parse_request(): the parser of http_parse_isa.h the CPU can run, picked per call.
 * __builtin_cpu_supports reads the CPU model the compiler's runtime filled in once at start
 * (a load and a bit test), so no state of ours is kept and a binary built here runs on any
 * x86-64 CPU, or anywhere with the plain parser.
 */
#include "http_parse_isa.h"

const char *http_isa_name(enum http_isa isa)
{
    switch (isa) {
    case HTTP_ISA_PLAIN:
        return "plain";
    case HTTP_ISA_SSE2:
        return "sse2";
    case HTTP_ISA_SSSE3:
        return "ssse3";
    case HTTP_ISA_AVX2:
        return "avx2";
    case HTTP_ISA_COUNT:
        break;
    }
    return "?";
}

http_parse_fn http_parse_request_for(enum http_isa isa)
{
    switch (isa) {
    case HTTP_ISA_PLAIN:
        return http_parse_request_plain;
    case HTTP_ISA_SSE2:
#ifdef HTTP_SCAN_SSE2
        return http_parse_request_sse2;
#else
        return NULL;
#endif
    case HTTP_ISA_SSSE3:
#ifdef HTTP_SCAN_SSSE3
        return __builtin_cpu_supports("ssse3") ? http_parse_request_ssse3 : NULL;
#else
        return NULL;
#endif
    case HTTP_ISA_AVX2:
#ifdef HTTP_SCAN_SSSE3
        return __builtin_cpu_supports("avx2") ? http_parse_request_avx2 : NULL;
#else
        return NULL;
#endif
    case HTTP_ISA_COUNT:
        break;
    }
    return NULL;
}

enum http_isa http_isa_selected(void)
{
#ifdef HTTP_SCAN_SSSE3
    if (__builtin_cpu_supports("avx2"))
        return HTTP_ISA_AVX2;
    if (__builtin_cpu_supports("ssse3"))
        return HTTP_ISA_SSSE3;
#endif
#ifdef HTTP_SCAN_SSE2
    return HTTP_ISA_SSE2;
#else
    return HTTP_ISA_PLAIN;
#endif
}

enum ph_status http_parse_request(const uint8_t *buf, size_t len, struct http_request *req)
{
#ifdef HTTP_SCAN_SSSE3
    if (__builtin_cpu_supports("avx2"))
        return http_parse_request_avx2(buf, len, req);
    if (__builtin_cpu_supports("ssse3"))
        return http_parse_request_ssse3(buf, len, req);
#endif
#ifdef HTTP_SCAN_SSE2
    return http_parse_request_sse2(buf, len, req);
#else
    return http_parse_request_plain(buf, len, req);
#endif
}
