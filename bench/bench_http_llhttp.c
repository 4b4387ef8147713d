/* llhttp's side of ph-bench-http (bench/bench_http_llhttp.h). */
#include "bench_http_llhttp.h"

#include <llhttp.h>

#include "http/http_limits.h"

/* What the callbacks record: the same spans bench_http.c's http_parser callbacks keep. */
struct ll_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct hp_request {
    const char *method;
    size_t method_len;
    const char *url;
    size_t url_len;
    struct ll_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;
    bool headers_complete;
};

/*
 * llhttp 8.1 from Debian's node-llhttp sources (harness/http_differential.cmake): callbacks
 * as for http_parser, plus the method as a span; the head's end pauses the parser, as
 * bench/fuzz_bare_llhttp.c does, since http_parse_request does not read bodies.
 */
static int ll_on_method(llhttp_t *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    r->method = at;
    r->method_len = len;
    return 0;
}

static int ll_on_url(llhttp_t *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    r->url = at;
    r->url_len = len;
    return 0;
}

static int ll_on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    if (r->num_headers == HTTP_MAX_HEADERS)
        return -1;
    r->headers[r->num_headers].name = at;
    r->headers[r->num_headers].name_len = len;
    return 0;
}

static int ll_on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct hp_request *r = p->data;
    r->headers[r->num_headers].value = at;
    r->headers[r->num_headers].value_len = len;
    r->num_headers++;
    return 0;
}

static int ll_on_headers_complete(llhttp_t *p)
{
    struct hp_request *r = p->data;
    r->headers_complete = true;
    return HPE_PAUSED; /* the end of the head: llhttp_execute returns here */
}

static llhttp_settings_t ll_settings;

void bench_llhttp_parse(const uint8_t *buf, size_t len, struct ll_result *res)
{
    static struct hp_request head; /* 4 KiB of spans: kept off the stack */
    struct hp_request *r = &head;
    llhttp_t parser;
    llhttp_t *p = &parser;
    if (ll_settings.on_url == NULL) {
        llhttp_settings_init(&ll_settings);
        ll_settings.on_method = ll_on_method;
        ll_settings.on_url = ll_on_url;
        ll_settings.on_header_field = ll_on_header_field;
        ll_settings.on_header_value = ll_on_header_value;
        ll_settings.on_headers_complete = ll_on_headers_complete;
    }
    llhttp_init(p, HTTP_REQUEST, &ll_settings);
    p->data = r;
    r->num_headers = 0;
    r->headers_complete = false;
    llhttp_errno_t err = llhttp_execute(p, (const char *)buf, len);
    res->used = err == HPE_PAUSED ? (size_t)(llhttp_get_error_pos(p) - (const char *)buf)
                : err == HPE_OK   ? len
                                  : 0;
    res->num_fields = r->num_headers;
    res->method_len = r->method_len;
    res->complete = r->headers_complete;
    res->error = llhttp_errno_name(err);
}
