/*
 * The `ph-parse http` JSON format (docs/http.md), written into a byte_buf: the one
 * implementation that ph-parse prints and ph-httpd's /echo answers, so a differential
 * run compares like with like. Each function appends one line, "\n" included.
 */
#ifndef HTTP_JSON_H
#define HTTP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "byte_buf.h"
#include "json_writer.h"
#include "http/http.h"

/* {"result":"ok","method":...,"body_base64":...}: a request and its (decoded) body. */
void http_json_request(struct byte_buf *b, const struct http_request *req, const uint8_t *body,
                       size_t body_len);

/* The same for a body of body_len bytes of which the caller kept the first shown_len:
 * content_length says body_len, body_base64 holds the shown bytes, and "body_truncated":
 * true follows when they are fewer (ph-parse's body window, docs/http.md). */
void http_json_request_part(struct byte_buf *b, const struct http_request *req,
                            const uint8_t *shown, size_t shown_len, uint64_t body_len);

/* {"result":"error","error":"BARE_LF","status":400,"offset":14,"message":"..."} */
void http_json_error(struct byte_buf *b, enum http_error error, size_t offset);

/* {"result":"incomplete"} */
void http_json_incomplete(struct byte_buf *b);

#endif
