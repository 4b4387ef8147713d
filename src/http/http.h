/*
 * Strict HTTP/1.1 request parsing (RFC 9112, RFC 9110): a pure core.
 *
 * No I/O, no allocation, no global state. Every slice points into the caller's buffer
 * and stays valid as long as that buffer does and is not modified. Every call first
 * resets its outputs, so a reject always leaves the same state.
 *
 * Return convention (src/common/ph_types.h): PH_OK with `consumed`, PH_INCOMPLETE
 * (read more and call again with the whole buffer), or PH_REJECT with a named
 * `error` and the `error_offset` where it was found.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/ph_types.h"
#include "http_limits.h"

/* X(name, status, message): the one table of errors. http_error_name() gives `name`
 * (the enum's suffix, so "BARE_LF" greps to HTTP_ERR_BARE_LF); `ph-parse http` prints it. */
#define HTTP_ERRORS(X)                                                                         \
    X(NONE, 0, "no error")                                                                     \
    X(BARE_CR, 400, "CR not followed by LF")                                                   \
    X(BARE_LF, 400, "LF without a preceding CR")                                               \
    X(METHOD, 400, "method is not a token")                                                    \
    X(REQUEST_LINE_SPACE, 400, "request-line parts not separated by exactly one SP")           \
    X(TARGET_CHAR, 400, "character not allowed in request-target")                             \
    X(TARGET_PERCENT, 400, "malformed percent-encoding in request-target")                     \
    X(TARGET_FORM, 400, "request-target form not allowed for this method")                     \
    X(TARGET_AUTHORITY, 400, "invalid authority in request-target")                            \
    X(TARGET_TOO_LONG, 414, "request-line too long")                                           \
    X(VERSION, 400, "malformed HTTP-version")                                                  \
    X(VERSION_UNSUPPORTED, 505, "HTTP version not supported")                                  \
    X(EMPTY_LINE, 400, "more than one empty line before the request-line")                     \
    X(WHITESPACE_AFTER_REQUEST_LINE, 400, "whitespace between request-line and first field")   \
    X(FIELD_NAME, 400, "field name is not a token")                                            \
    X(WHITESPACE_BEFORE_COLON, 400, "whitespace between field name and colon")                 \
    X(OBS_FOLD, 400, "obsolete line folding")                                                  \
    X(FIELD_VALUE, 400, "character not allowed in field value")                                \
    X(TOO_MANY_HEADERS, 431, "too many header fields")                                         \
    X(HEAD_TOO_LARGE, 431, "request head too large")                                           \
    X(HOST_MISSING, 400, "HTTP/1.1 request without Host")                                      \
    X(HOST_DUPLICATE, 400, "more than one Host field")                                         \
    X(HOST_INVALID, 400, "invalid Host field value")                                           \
    X(CONTENT_LENGTH_INVALID, 400, "Content-Length is not a decimal number")                   \
    X(CONTENT_LENGTH_OVERFLOW, 400, "Content-Length too large")                                \
    X(CONTENT_LENGTH_CONFLICT, 400, "differing Content-Length values")                         \
    X(TRANSFER_ENCODING_INVALID, 400, "malformed Transfer-Encoding")                           \
    X(TRANSFER_ENCODING_HTTP10, 400, "Transfer-Encoding in an HTTP/1.0 request")               \
    X(TRANSFER_ENCODING_WITH_CONTENT_LENGTH, 400, "both Transfer-Encoding and Content-Length") \
    X(CHUNKED_NOT_FINAL, 400, "chunked is not the final transfer coding")                      \
    X(CHUNKED_REPEATED, 400, "chunked applied more than once")                                 \
    X(TRANSFER_CODING_UNSUPPORTED, 501, "transfer coding not implemented")                     \
    X(CONNECT_WITH_CONTENT, 400, "CONNECT request with content")                               \
    X(CHUNK_SIZE, 400, "malformed chunk-size")                                                 \
    X(CHUNK_SIZE_OVERFLOW, 400, "chunk-size too large")                                        \
    X(CHUNK_EXTENSION, 400, "malformed chunk extension")                                       \
    X(CHUNK_LINE_TOO_LONG, 400, "chunk-size line too long")                                    \
    X(CHUNK_DATA_END, 400, "chunk data not followed by CRLF")                                  \
    X(TRAILER_FIELD, 400, "malformed trailer field")                                           \
    X(TRAILER_TOO_LARGE, 400, "trailer section too large")                                     \
    X(STATUS_LINE_SPACE, 502, "status-line parts not separated by exactly one SP")             \
    X(STATUS_CODE, 502, "status-code is not three digits from 100 to 999")                     \
    X(REASON, 502, "character not allowed in reason-phrase")                                   \
    X(WHITESPACE_AFTER_STATUS_LINE, 502, "whitespace between status-line and first field")

enum http_error {
#define HTTP_ERROR_ENUM(name, status, message) HTTP_ERR_##name,
    HTTP_ERRORS(HTTP_ERROR_ENUM)
#undef HTTP_ERROR_ENUM
};

/* A human-readable message, the error's name, and the response status (RFC 9110 15). */
const char *http_strerror(enum http_error error);
const char *http_error_name(enum http_error error);
int http_error_status(enum http_error error);

/* RFC 9112 6.3: how the request body's length is determined. */
enum http_framing {
    HTTP_FRAMING_NONE = 0, /* no body */
    HTTP_FRAMING_LENGTH,   /* Content-Length bytes */
    HTTP_FRAMING_CHUNKED,  /* chunked transfer coding: feed it to http_decode_chunked */
};

/* RFC 9112 3.2: the four forms of request-target. */
enum http_target_form {
    HTTP_TARGET_ORIGIN = 0, /* /path?query */
    HTTP_TARGET_ABSOLUTE,   /* scheme:hier-part (requests to proxies) */
    HTTP_TARGET_AUTHORITY,  /* host:port (CONNECT only) */
    HTTP_TARGET_ASTERISK,   /* * (OPTIONS only) */
};

struct http_header {
    struct ph_slice name;
    struct ph_slice value; /* leading and trailing OWS removed */
};

struct http_request {
    struct ph_slice method;
    struct ph_slice target;
    enum http_target_form target_form;
    int minor_version; /* 0 or 1: HTTP/1.0 or HTTP/1.1 */

    struct http_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;

    struct ph_slice host; /* the Host field value; ptr is NULL when there is none */
    enum http_framing framing;
    uint64_t content_length; /* HTTP_FRAMING_LENGTH only */
    bool keep_alive;         /* RFC 9112 9.3 */
    bool expect_continue;    /* Expect: 100-continue (RFC 9110 10.1.1) */

    size_t consumed; /* PH_OK: bytes of the head, the final CRLF included */
    enum http_error error;
    size_t error_offset;
};

/*
 * Parses one request head from buf[0..len). Stateless: after PH_INCOMPLETE, call again
 * with the same bytes and more appended. The body, if any, starts at buf + consumed.
 */
enum ph_status http_parse_request(const uint8_t *buf, size_t len, struct http_request *req);

/*
 * Incremental, in-place decoder of a chunked body (RFC 9112 7.1). Initialise the decoder
 * with http_chunked_init() before the body's first byte, then feed it the body in pieces
 * of any size. Each call moves the chunk data of its piece to the front of the piece:
 * afterwards buf[0..decoded) holds body bytes, in order. Chunk extensions are validated
 * and dropped; trailer fields are validated and dropped.
 *
 * PH_INCOMPLETE: the whole piece was used (consumed == len); call again with the next.
 * PH_OK: the body ended; the next pipelined request starts at buf + consumed.
 * PH_REJECT: error and error_offset (into this piece) say why; the decoder is spent.
 */
struct http_chunked_decoder {
    uint8_t state;         /* enum in http_chunked.c */
    uint64_t chunk_left;   /* data bytes left in the current chunk, or its size so far */
    size_t line_len;       /* bytes of the current chunk-size line */
    size_t trailer_len;    /* bytes of the trailer section so far */
    size_t trailer_fields; /* trailer fields so far */
    uint64_t body_size;    /* decoded body bytes so far */
};

struct http_chunked_result {
    size_t consumed;
    size_t decoded;
    enum http_error error;
    size_t error_offset;
};

void http_chunked_init(struct http_chunked_decoder *dec);
enum ph_status http_decode_chunked(struct http_chunked_decoder *dec, uint8_t *buf, size_t len,
                                   struct http_chunked_result *res);

/*
 * Responses (RFC 9112 4, 6.3): http_parse_response parses one response head, strictly by
 * default, with the same return convention, slices and error table as http_parse_request.
 * Errors the grammar shares with requests (BARE_LF, FIELD_VALUE, CONTENT_LENGTH_*, ...)
 * keep their names; http_error_status() is the status a server answers to a *request*
 * with that error, and for a response error a proxy answers 502 (RFC 9110 15.6.3).
 */

/* RFC 9112 6.3: how a response body's length is determined. */
enum http_response_framing {
    HTTP_RESPONSE_NONE = 0, /* no body: 1xx, 204, 304, the answer to HEAD (6.3 item 1) */
    HTTP_RESPONSE_LENGTH,   /* Content-Length bytes (6.3 item 6) */
    HTTP_RESPONSE_CHUNKED,  /* chunked is the final coding: feed it to http_decode_chunked */
    HTTP_RESPONSE_CLOSE,    /* the body runs until the server closes (6.3 items 4 and 8) */
    HTTP_RESPONSE_TUNNEL,   /* 101, or 2xx to CONNECT: the bytes after the head are no
                             * longer HTTP (6.3 item 2, RFC 9110 15.2.2) */
};

struct http_response_options {
    bool head_request;    /* it answers HEAD: no body whatever the fields say (RFC 9110 9.3.2) */
    bool connect_request; /* it answers CONNECT: a 2xx starts a tunnel (RFC 9110 9.3.6) */
    bool allow_bare_lf;   /* accept LF alone as a line end in the head, as many clients do
                           * (RFC 9112 2.2 "MAY recognize a single LF"); a bare CR stays an
                           * error */
};

struct http_response {
    int minor_version;      /* 0 or 1 */
    int status;             /* 100..999 (RFC 9110 15: 600..999 are treated as 5xx) */
    struct ph_slice reason; /* may be empty (the SP before it is required) */

    struct http_header headers[HTTP_MAX_HEADERS];
    size_t num_headers;

    enum http_response_framing framing;
    uint64_t content_length; /* HTTP_RESPONSE_LENGTH only */
    bool keep_alive;         /* RFC 9112 9.3; false for close-delimited and tunnels */

    size_t consumed; /* PH_OK: bytes of the head, the final line end included */
    enum http_error error;
    size_t error_offset;
};

/*
 * Parses one response head from buf[0..len). opt may be NULL (every option false).
 * Stateless, like http_parse_request: after PH_INCOMPLETE call again with the same bytes
 * and more appended. The body, if any, starts at buf + consumed. An interim response
 * (1xx other than 101) is a whole message: the final response follows it.
 */
enum ph_status http_parse_response(const uint8_t *buf, size_t len,
                                   const struct http_response_options *opt,
                                   struct http_response *res);

/* "none", "length", "chunked", "close", "tunnel". */
const char *http_response_framing_name(enum http_response_framing framing);

#endif
