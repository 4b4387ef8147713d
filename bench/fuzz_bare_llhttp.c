/*
 * llhttp's request parser and nothing else, the peer of bench/fuzz_bare_http_request.c:
 * the same inputs (http_request's corpus), the same instrumentation (llhttp compiled from
 * Debian's node-llhttp sources as harness/http_differential.cmake builds it), and the same
 * work: the method, target and each field's name and value as spans into the input, up to
 * the end of the head, where the parse stops (http_parse_request does not read bodies).
 */
#include <stddef.h>
#include <stdint.h>

#include "llhttp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What http_parse_request hands its caller, as llhttp hands it over. */
struct bare_head {
    const char *target, *name, *value;
    size_t target_len, name_len, value_len, num_fields;
};

static struct bare_head *head_of(llhttp_t *p)
{
    return p->data;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    head_of(p)->target = at;
    head_of(p)->target_len = len;
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    head_of(p)->name = at;
    head_of(p)->name_len = len;
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    head_of(p)->value = at;
    head_of(p)->value_len = len;
    return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    head_of(p)->num_fields++;
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    (void)p;
    return HPE_PAUSED; /* the end of the head: llhttp_execute returns here */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static llhttp_settings_t settings;
    if (settings.on_url == NULL) {
        llhttp_settings_init(&settings);
        settings.on_url = on_url;
        settings.on_header_field = on_header_field;
        settings.on_header_value = on_header_value;
        settings.on_header_value_complete = on_header_value_complete;
        settings.on_headers_complete = on_headers_complete;
    }
    static struct bare_head head;
    head = (struct bare_head){0};
    llhttp_t parser;
    llhttp_init(&parser, HTTP_REQUEST, &settings);
    parser.data = &head;
    (void)llhttp_execute(&parser, (const char *)data, size);
    return 0;
}
