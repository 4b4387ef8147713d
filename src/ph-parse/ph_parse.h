/* Subcommands of ph-parse. Each takes argc/argv after the subcommand name and returns
 * the process exit status (see EXIT_* below). */
#ifndef PH_PARSE_H
#define PH_PARSE_H

#include "http/http_limits.h"

enum {
    PH_PARSE_EXIT_OK = 0,         /* every unit parsed */
    PH_PARSE_EXIT_ERROR = 1,      /* stopped at a named error */
    PH_PARSE_EXIT_INCOMPLETE = 2, /* input ended inside a unit */
    PH_PARSE_EXIT_USAGE = 64,     /* EX_USAGE */
    PH_PARSE_EXIT_IO = 74,        /* EX_IOERR: could not read the input */
};

/* Buffer sizes, in one place. ph-parse reads as bytes arrive and holds no more than
 * these, whatever the size of the input (docs/http.md "Streaming"). */

/* The http input buffer: one request head (the parser rejects a head past
 * HTTP_MAX_HEAD_SIZE bytes as HEAD_TOO_LARGE, so an unfinished head never needs more)
 * plus the next read of what follows it: body bytes, which are decoded or counted and let
 * go, or the requests pipelined behind it. */
#define PH_PARSE_READ_SIZE (64 * 1024)
#define PH_PARSE_HTTP_BUFFER (HTTP_MAX_HEAD_SIZE + PH_PARSE_READ_SIZE)

/* Decoded body bytes of one request that `ph-parse http` prints (body_base64). A longer
 * body is decoded and counted to its end (content_length is its whole length) and the
 * line says "body_truncated":true. 1 MiB: ph-httpd's default --max-body, so whatever
 * ph-httpd's /echo answers, ph-parse prints whole. */
#define PH_PARSE_BODY_SHOWN (1024 * 1024)

int ph_parse_http(int argc, char **argv);
int ph_parse_chao(int argc, char **argv);

#endif
