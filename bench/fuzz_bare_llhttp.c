/*
 * llhttp's request parser and nothing else, the peer of bench/fuzz_bare_http_request.c:
 * the same inputs (http_request's corpus), the same instrumentation (llhttp compiled from
 * Debian's node-llhttp sources as harness/http_differential.cmake builds it), and the same
 * work: the method, target and each field's name and value as spans into the input
 * (harness/llhttp_view.c, the differential targets' callbacks), up to the end of the head,
 * where the parse stops (http_parse_request does not read bodies).
 */
#include <stddef.h>
#include <stdint.h>

#include "llhttp_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct llhttp_view view; /* 3 KiB of spans: off the stack */
    llhttp_t parser;
    llhttp_view_init(&parser, HTTP_REQUEST, &view);
    (void)llhttp_execute(&parser, (const char *)data, size);
    return 0;
}
