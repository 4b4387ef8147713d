/* The request parser with the sse2 scanners (http_parse_isa.h). */
#include "http_parse_isa.h"

#if defined(HTTP_SCAN_SSE2)
#define HTTP_PARSE_ISA sse2
#include "http_parse_impl.h"
#else
typedef int http_parse_sse2_not_built; /* ISO C wants a declaration in every file */
#endif
