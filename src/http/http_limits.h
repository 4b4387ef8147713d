/*
 * Every limit of the HTTP/1.1 core, in one place. Going over a limit is a named
 * reject (enum http_error) with the status RFC 9110 gives it, never undefined behaviour.
 */
#ifndef HTTP_LIMITS_H
#define HTTP_LIMITS_H

/* RFC 9112 3: "It is RECOMMENDED that all HTTP senders and recipients support, at a
 * minimum, request-line lengths of 8000 octets." Counted without the CRLF. Over: 414. */
#define HTTP_MAX_REQUEST_LINE 8192

/* Header fields in one request head. Over: 431 (RFC 6585 5). */
#define HTTP_MAX_HEADERS 128

/* The whole head: optional leading CRLF, request line, field lines and the empty line.
 * Over: 431. */
#define HTTP_MAX_HEAD_SIZE 65536

/* Chunked bodies (RFC 9112 7.1). A chunk-size line with its extensions, counted from
 * the first hex digit to the CR. Over: 431 is not right for a body, so these are 400. */
#define HTTP_MAX_CHUNK_LINE 4096

/* Trailer section (RFC 9112 7.1.2): total bytes, counted from the first trailer byte to
 * the final CRLF, and number of fields. */
#define HTTP_MAX_TRAILER_SIZE 8192
#define HTTP_MAX_TRAILER_FIELDS 32

#endif
