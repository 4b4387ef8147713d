/*
 * ph-probe's response reader: a lenient HTTP/1.x response-head parser (a probe must
 * read what any server sends, so bare LF line ends are accepted) and the body framing
 * of RFC 9112 6.3 for responses. Pure: bytes in, struct out.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ph_types.h"

#define PROBE_MAX_HEADERS 100

enum probe_body {
    PROBE_BODY_NONE = 0, /* 1xx, 204, 304, or the answer to HEAD */
    PROBE_BODY_LENGTH,   /* Content-Length */
    PROBE_BODY_CHUNKED,  /* Transfer-Encoding ending in chunked */
    PROBE_BODY_CLOSE,    /* neither: the body runs to the end of the connection */
};

struct probe_response {
    int status;
    struct ph_slice reason;
    struct {
        struct ph_slice name, value;
    } headers[PROBE_MAX_HEADERS];
    size_t num_headers;
    enum probe_body body;
    uint64_t content_length;
    bool close; /* Connection: close */
    size_t consumed; /* PH_OK: bytes of the head */
};

/* Parses one response head from buf[0..len). head_request: it answers a HEAD request
 * (RFC 9110 9.3.2: no body whatever the fields say). PH_REJECT: not an HTTP response. */
enum ph_status probe_parse_response(const uint8_t *buf, size_t len, bool head_request,
                                    struct probe_response *res);

#endif
