/*
 * http_parse_request and nothing else: the http_request fuzz target without its oracle.
 * ci/bench.sh fuzz builds it as libFuzzer builds real targets and runs it on http_request's
 * corpus beside bench/fuzz_bare_llhttp.c, so the parser's own cost under libFuzzer's
 * instrumentation can be read apart from the target's checks, and next to a peer's.
 */
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request req; /* 4 KiB: keep it off the stack, as the target does */
    (void)http_parse_request(data, size, &req);
    return 0;
}
