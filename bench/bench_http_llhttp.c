/* llhttp's side of ph-bench-http (bench/bench_http_llhttp.h). */
#include "bench_http_llhttp.h"

#include "llhttp_view.h"

/*
 * llhttp 8.1 from Debian's node-llhttp sources (harness/http_differential.cmake), with the
 * differential targets' callbacks (harness/llhttp_view.c): the method, target and every
 * field's name and value as spans (a response's reason instead of method and target), as
 * bench_http.c's http_parser callbacks keep them; the head's end pauses the parser, since
 * http_parse_request and http_parse_response do not read bodies. It keeps
 * counting fields past our limit; bench_http.c's all_accept() holds every input to the
 * same count for all parsers.
 */
static void parse(llhttp_type_t type, const uint8_t *buf, size_t len, struct ll_result *res)
{
    static struct llhttp_view view; /* 3 KiB of spans: kept off the stack */
    llhttp_t parser;
    llhttp_view_init(&parser, type, &view);
    llhttp_errno_t err = llhttp_execute(&parser, (const char *)buf, len);
    res->used = err == HPE_PAUSED ? (size_t)(llhttp_get_error_pos(&parser) - (const char *)buf)
                : err == HPE_OK   ? len
                                  : 0;
    res->num_fields = view.num_headers;
    res->method_len = view.method.len;
    res->reason_len = view.reason.len;
    res->status = parser.status_code;
    res->complete = view.head_done;
    res->error = llhttp_errno_name(err);
}

void bench_llhttp_parse(const uint8_t *buf, size_t len, struct ll_result *res)
{
    parse(HTTP_REQUEST, buf, len, res);
}

void bench_llhttp_parse_response(const uint8_t *buf, size_t len, struct ll_result *res)
{
    parse(HTTP_RESPONSE, buf, len, res);
}
