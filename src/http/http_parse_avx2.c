/* The request parser with the avx2 scanners (http_parse_isa.h). */
#include "http_parse_isa.h"

#if defined(HTTP_SCAN_SSSE3)
#ifndef __AVX2__
#error "compile with -mavx2: CMakeLists.txt sets it for this file"
#endif
#define HTTP_PARSE_ISA avx2
#include "http_parse_impl.h"
#else
typedef int http_parse_avx2_not_built; /* ISO C wants a declaration in every file */
#endif
