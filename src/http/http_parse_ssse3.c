/* The request parser with the ssse3 scanners (http_parse_isa.h). */
#include "http_parse_isa.h"

#if defined(HTTP_SCAN_SSSE3)
#ifndef __SSSE3__
#error "compile with -mssse3: CMakeLists.txt sets it for this file"
#endif
#define HTTP_PARSE_ISA ssse3
#include "http_parse_impl.h"
#else
typedef int http_parse_ssse3_not_built; /* ISO C wants a declaration in every file */
#endif
