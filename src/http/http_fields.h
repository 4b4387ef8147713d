/*
 * The field values an HTTP/1.1 parser acts on, read the same way for every message kind:
 * Content-Length, Transfer-Encoding, Connection. Internal to src/http/.
 *
 * Each reads one field line's value (OWS already trimmed) and either folds it into a
 * summary the caller keeps across field lines (RFC 9110 5.3: repeated list fields are one
 * list) or names what is wrong with it. Both parsers use these (http_parse_impl.h,
 * http_response.c): the values are a few bytes, so one plain reading serves every ISA
 * variant of the request parser.
 */
#ifndef HTTP_FIELDS_H
#define HTTP_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

/* Content-Length = 1*DIGIT (RFC 9110 8.6): strictly digits, overflow-checked. Returns
 * HTTP_ERR_NONE and *n, or CONTENT_LENGTH_INVALID / CONTENT_LENGTH_OVERFLOW. */
enum http_error http_content_length_value(struct ph_slice v, uint64_t *n);

/* Transfer-Encoding = #transfer-coding (RFC 9112 6.1, RFC 9110 10.1.4) across every
 * field line of the message. */
struct http_te_list {
    size_t codings;
    size_t chunked_count;
    bool last_is_chunked;
    bool other_coding;
};

/* Adds one field line's codings. HTTP_ERR_NONE, or TRANSFER_ENCODING_INVALID for a list
 * that is not #transfer-coding, that has no coding, or chunked with parameters (RFC 9112
 * 7: chunked takes none). */
enum http_error http_te_value(struct ph_slice v, struct http_te_list *te);

/* Connection = #connection-option (RFC 9110 7.6.1): sets *close and *keep_alive when the
 * list holds exactly the token "close" or "keep-alive" as an element. */
void http_connection_value(struct ph_slice v, bool *close, bool *keep_alive);

#endif
