#include "http_json.h"

#include <inttypes.h>
#include <string.h>

static const char *framing_name(enum http_framing framing)
{
    switch (framing) {
    case HTTP_FRAMING_NONE:
        return "none";
    case HTTP_FRAMING_LENGTH:
        return "length";
    case HTTP_FRAMING_CHUNKED:
        return "chunked";
    }
    return "none";
}

void http_json_request(struct byte_buf *b, const struct http_request *req, const uint8_t *body,
                       size_t body_len)
{
    http_json_request_part(b, req, body, body_len, body_len);
}

void http_json_request_part(struct byte_buf *b, const struct http_request *req,
                            const uint8_t *shown, size_t shown_len, uint64_t body_len)
{
    byte_buf_puts(b, "{\"result\":\"ok\",\"method\":");
    json_buf_bytes(b, req->method.ptr, req->method.len);
    byte_buf_puts(b, ",\"target\":");
    json_buf_bytes(b, req->target.ptr, req->target.len);
    byte_buf_printf(b, ",\"version\":\"HTTP/1.%d\",\"headers\":[", req->minor_version);
    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];
        byte_buf_puts(b, i == 0 ? "[" : ",[");
        json_buf_bytes(b, h->name.ptr, h->name.len);
        byte_buf_putc(b, ',');
        json_buf_bytes(b, h->value.ptr, h->value.len);
        byte_buf_putc(b, ']');
    }
    byte_buf_printf(b, "],\"framing\":\"%s\",\"content_length\":%" PRIu64 ",\"keep_alive\":%s,",
                    framing_name(req->framing), body_len, req->keep_alive ? "true" : "false");
    byte_buf_puts(b, "\"body_base64\":");
    json_buf_base64(b, shown, shown_len);
    if (shown_len < body_len)
        byte_buf_puts(b, ",\"body_truncated\":true");
    byte_buf_puts(b, "}\n");
}

void http_json_error(struct byte_buf *b, enum http_error error, size_t offset)
{
    byte_buf_printf(b, "{\"result\":\"error\",\"error\":\"%s\",\"status\":%d,\"offset\":%zu,",
                    http_error_name(error), http_error_status(error), offset);
    byte_buf_puts(b, "\"message\":");
    const char *msg = http_strerror(error);
    json_buf_bytes(b, (const uint8_t *)msg, strlen(msg));
    byte_buf_puts(b, "}\n");
}

void http_json_incomplete(struct byte_buf *b)
{
    byte_buf_puts(b, "{\"result\":\"incomplete\"}\n");
}
