/* The request parser with the plain C scanners (http_parse_isa.h): the reference. */
#include "http_parse_isa.h"

#define HTTP_PARSE_ISA plain
#include "http_parse_impl.h"
