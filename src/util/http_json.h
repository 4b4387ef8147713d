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

/* {"result":"error","error":"BARE_LF","status":400,"offset":14,"message":"..."} */
void http_json_error(struct byte_buf *b, enum http_error error, size_t offset);

/* {"result":"incomplete"} */
void http_json_incomplete(struct byte_buf *b);

#endif
