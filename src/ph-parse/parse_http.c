/* ph-parse http: one connection's bytes in, one JSON line per request out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "ph_parse.h"
#include "util/file_io.h"
#include "util/http_json.h"

/* The JSON is src/util/http_json.c, shared with ph-httpd's /echo. */
static void emit(struct byte_buf *b)
{
    fwrite(b->data, 1, b->len, stdout);
    b->len = 0;
}

static void print_request(const struct http_request *req, const uint8_t *body, size_t body_len)
{
    struct byte_buf b = {0};
    http_json_request(&b, req, body, body_len);
    emit(&b);
    byte_buf_free(&b);
}

static int print_error(enum http_error error, size_t offset)
{
    struct byte_buf b = {0};
    http_json_error(&b, error, offset);
    emit(&b);
    byte_buf_free(&b);
    return PH_PARSE_EXIT_ERROR;
}

static int print_incomplete(void)
{
    puts("{\"result\":\"incomplete\"}");
    return PH_PARSE_EXIT_INCOMPLETE;
}

/* Parses requests back to back. Like a server, it stops after a request that ends the
 * connection (keep_alive false, RFC 9112 9.3): bytes after it would never be read. */
static int parse_connection(uint8_t *data, size_t len)
{
    struct http_request req;
    size_t off = 0;
    while (off < len) {
        enum ph_status st = http_parse_request(data + off, len - off, &req);
        if (st == PH_INCOMPLETE)
            return print_incomplete();
        if (st == PH_REJECT)
            return print_error(req.error, off + req.error_offset);
        size_t body_start = off + req.consumed;
        const uint8_t *body = data + body_start;
        size_t body_len = 0;
        size_t next = body_start;
        if (req.framing == HTTP_FRAMING_LENGTH) {
            if (len - body_start < req.content_length)
                return print_incomplete();
            body_len = (size_t)req.content_length;
            next = body_start + body_len;
        } else if (req.framing == HTTP_FRAMING_CHUNKED) {
            /* Decoding in place is safe: the head's slices lie before body_start. */
            struct http_chunked_decoder dec;
            struct http_chunked_result res;
            http_chunked_init(&dec);
            st = http_decode_chunked(&dec, data + body_start, len - body_start, &res);
            if (st == PH_INCOMPLETE)
                return print_incomplete();
            if (st == PH_REJECT)
                return print_error(res.error, body_start + res.error_offset);
            body_len = res.decoded;
            next = body_start + res.consumed;
        }
        print_request(&req, body, body_len);
        off = next;
        if (!req.keep_alive)
            break;
    }
    return PH_PARSE_EXIT_OK;
}

int ph_parse_http(int argc, char **argv)
{
    if (argc > 1) {
        fputs("usage: ph-parse http [FILE]\n", stderr);
        return PH_PARSE_EXIT_USAGE;
    }
    const char *path = argc == 1 ? argv[0] : NULL;
    uint8_t *data;
    size_t len;
    if (file_read_all(path, &data, &len) != 0) {
        fprintf(stderr, "ph-parse: %s: %s\n", path ? path : "stdin", strerror(errno));
        return PH_PARSE_EXIT_IO;
    }
    int rc = parse_connection(data, len);
    free(data);
    if (fflush(stdout) != 0)
        return PH_PARSE_EXIT_IO;
    return rc;
}
