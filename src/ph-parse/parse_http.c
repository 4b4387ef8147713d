/* ph-parse http: one connection's bytes in, one JSON line per request out, as the bytes
 * arrive. Like a server it holds one request head and reads what follows it a window at a
 * time: body bytes are decoded or counted and let go (the first PH_PARSE_BODY_SHOWN kept
 * to print), so memory stays flat however long the input runs (docs/http.md). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "ph_parse.h"
#include "util/file_io.h"
#include "util/http_json.h"

/* PH_PARSE_CONTINUE: a step went well and the connection goes on; every other value is
 * an exit status, its line already printed. */
enum { PH_PARSE_CONTINUE = -1 };

struct conn {
    const char *name; /* for messages: the path or "stdin" */
    int fd;
    bool eof;
    uint8_t *buf;  /* PH_PARSE_HTTP_BUFFER bytes: a head, then a window of what follows */
    size_t len;    /* bytes in buf */
    size_t base;   /* stream offset of buf[0] */
    size_t let_go; /* body bytes of the current request read and dropped from buf */
    uint8_t *body; /* PH_PARSE_BODY_SHOWN bytes: the start of the current body */
    size_t shown;
    uint64_t body_len;   /* decoded body bytes of the current request, shown or not */
    struct byte_buf out; /* the line being printed, reused so memory does not churn */
};

/* Reads what is there into buf[len..). The buffer always has room: an unfinished head is
 * shorter than HTTP_MAX_HEAD_SIZE (the parser rejects a longer one), and a body is read
 * into the space after its head. Returns PH_PARSE_CONTINUE (eof set at the end), or
 * PH_PARSE_EXIT_IO after a message. */
static int fill(struct conn *c)
{
    ssize_t n = file_read_some(c->fd, c->buf + c->len, PH_PARSE_HTTP_BUFFER - c->len);
    if (n < 0) {
        fprintf(stderr, "ph-parse: %s: %s\n", c->name, strerror(errno));
        return PH_PARSE_EXIT_IO;
    }
    c->eof = n == 0;
    c->len += (size_t)n;
    return PH_PARSE_CONTINUE;
}

/* Prints c->out as it is, at once, so a reader sees each result as soon as it is known.
 * Returns rc, or PH_PARSE_EXIT_IO when stdout fails. */
static int emit(struct conn *c, int rc)
{
    if (c->out.failed) {
        fputs("ph-parse: out of memory\n", stderr);
        return PH_PARSE_EXIT_IO;
    }
    if (fwrite(c->out.data, 1, c->out.len, stdout) != c->out.len || fflush(stdout) != 0) {
        fprintf(stderr, "ph-parse: stdout: %s\n", strerror(errno));
        return PH_PARSE_EXIT_IO;
    }
    c->out.len = 0;
    return rc;
}

static int print_error(struct conn *c, enum http_error error, size_t offset)
{
    http_json_error(&c->out, error, offset);
    return emit(c, PH_PARSE_EXIT_ERROR);
}

static int print_incomplete(struct conn *c)
{
    http_json_incomplete(&c->out);
    return emit(c, PH_PARSE_EXIT_INCOMPLETE);
}

/* Keeps the first PH_PARSE_BODY_SHOWN decoded body bytes and counts them all. */
static void body_add(struct conn *c, const uint8_t *bytes, size_t n)
{
    size_t room = PH_PARSE_BODY_SHOWN - c->shown;
    size_t keep = n < room ? n : room;
    memcpy(c->body + c->shown, bytes, keep);
    c->shown += keep;
    c->body_len += n;
}

/* The body bytes after the head at buf[head_end..len) are spent: drop them and read the
 * next window into their place. Returns PH_PARSE_CONTINUE, or an exit status. */
static int next_window(struct conn *c, size_t head_end)
{
    c->let_go += c->len - head_end;
    c->len = head_end;
    if (c->eof)
        return print_incomplete(c);
    return fill(c);
}

/* RFC 9112 6.3 item 6: Content-Length bytes follow the head. Sets *next to where the
 * following request starts in buf. */
static int read_length_body(struct conn *c, const struct http_request *req, size_t *next)
{
    uint64_t left = req->content_length;
    for (;;) {
        size_t avail = c->len - req->consumed;
        size_t n = avail < left ? avail : (size_t)left;
        body_add(c, c->buf + req->consumed, n);
        left -= n;
        if (left == 0) {
            *next = req->consumed + n;
            return PH_PARSE_CONTINUE;
        }
        int rc = next_window(c, req->consumed);
        if (rc != PH_PARSE_CONTINUE)
            return rc;
    }
}

/* RFC 9112 7.1: a chunked body, fed to the decoder one window at a time; it decodes in
 * place, which is safe because the head's slices lie before the window. */
static int read_chunked_body(struct conn *c, const struct http_request *req, size_t *next)
{
    struct http_chunked_decoder dec;
    http_chunked_init(&dec);
    for (;;) {
        uint8_t *piece = c->buf + req->consumed;
        struct http_chunked_result res;
        enum ph_status st = http_decode_chunked(&dec, piece, c->len - req->consumed, &res);
        if (st == PH_REJECT) {
            size_t at = c->base + c->let_go + req->consumed; /* the piece in the stream */
            return print_error(c, res.error, at + res.error_offset);
        }
        body_add(c, piece, res.decoded);
        if (st == PH_OK) {
            *next = req->consumed + res.consumed;
            return PH_PARSE_CONTINUE;
        }
        int rc = next_window(c, req->consumed);
        if (rc != PH_PARSE_CONTINUE)
            return rc;
    }
}

/* Reads one request head, stateless re-parse over what has arrived (http.h). Returns
 * PH_PARSE_CONTINUE with *req filled, or an exit status: PH_PARSE_EXIT_OK when the input
 * ends between requests. */
static int read_head(struct conn *c, struct http_request *req)
{
    for (;;) {
        if (c->len > 0) {
            enum ph_status st = http_parse_request(c->buf, c->len, req);
            if (st == PH_OK)
                return PH_PARSE_CONTINUE;
            if (st == PH_REJECT)
                return print_error(c, req->error, c->base + req->error_offset);
        }
        if (c->eof)
            return c->len == 0 ? PH_PARSE_EXIT_OK : print_incomplete(c);
        int rc = fill(c);
        if (rc != PH_PARSE_CONTINUE)
            return rc;
    }
}

/* Parses requests back to back. Like a server, it stops after a request that ends the
 * connection (keep_alive false, RFC 9112 9.3): bytes after it would never be read. */
static int parse_connection(struct conn *c)
{
    for (;;) {
        struct http_request req;
        int rc = read_head(c, &req);
        if (rc != PH_PARSE_CONTINUE)
            return rc;
        c->let_go = 0;
        c->shown = 0;
        c->body_len = 0;
        size_t next = req.consumed;
        if (req.framing == HTTP_FRAMING_LENGTH)
            rc = read_length_body(c, &req, &next);
        else if (req.framing == HTTP_FRAMING_CHUNKED)
            rc = read_chunked_body(c, &req, &next);
        if (rc != PH_PARSE_CONTINUE)
            return rc;
        http_json_request_part(&c->out, &req, c->body, c->shown, c->body_len);
        rc = emit(c, PH_PARSE_CONTINUE);
        if (rc != PH_PARSE_CONTINUE || !req.keep_alive)
            return rc == PH_PARSE_CONTINUE ? PH_PARSE_EXIT_OK : rc;
        /* The pipelined bytes after this request move to the front for the next head. */
        memmove(c->buf, c->buf + next, c->len - next);
        c->len -= next;
        c->base += c->let_go + next;
    }
}

int ph_parse_http(int argc, char **argv)
{
    if (argc > 1) {
        fputs("usage: ph-parse http [FILE]\n", stderr);
        return PH_PARSE_EXIT_USAGE;
    }
    const char *path = argc == 1 ? argv[0] : NULL;
    struct conn c = {.name = path != NULL && strcmp(path, "-") != 0 ? path : "stdin"};
    c.fd = file_open_input(path);
    if (c.fd < 0) {
        fprintf(stderr, "ph-parse: %s: %s\n", c.name, strerror(errno));
        return PH_PARSE_EXIT_IO;
    }
    c.buf = malloc(PH_PARSE_HTTP_BUFFER);
    c.body = malloc(PH_PARSE_BODY_SHOWN);
    int rc;
    if (c.buf == NULL || c.body == NULL) {
        fputs("ph-parse: out of memory\n", stderr);
        rc = PH_PARSE_EXIT_IO;
    } else {
        rc = parse_connection(&c);
    }
    free(c.buf);
    free(c.body);
    byte_buf_free(&c.out);
    if (c.fd != STDIN_FILENO)
        close(c.fd);
    return rc;
}
