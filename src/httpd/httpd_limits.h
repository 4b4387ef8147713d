/*
 * Every limit of the HTTP server session core, in one place. The per-server limits
 * (head, body, output, timeouts) are configuration (struct httpd_session_config); these
 * are the fixed sizes behind them.
 */
#ifndef HTTPD_LIMITS_H
#define HTTPD_LIMITS_H

/* A response head the session writes: status line, Server, Date, Content-Type, the
 * caller's extra field lines, Content-Length, Connection. Over: HTTPD_ERR_RESPONSE_HEAD
 * and a 500 instead. */
#define HTTPD_MAX_RESPONSE_HEAD 1024

/* The text body of an error response ("413 Content Too Large: why\n"), cut to fit. */
#define HTTPD_MAX_ERROR_BODY 160

/* Input buffer growth: the first size asked for, the room below which a read asks for a
 * larger buffer, and what the buffer may hold beyond one request's head and body limits
 * (pipelined bytes). max_head + max_body + HTTPD_INPUT_SLACK bounds it. */
#define HTTPD_INITIAL_INPUT 4096
#define HTTPD_MIN_READ 2048
#define HTTPD_INPUT_SLACK 65536

/* A chunked body is checked as it arrives by decoding a copy in pieces of at most this
 * many bytes (on the stack), so the raw bytes stay for RECORD and are decoded in place
 * once the body is whole. */
#define HTTPD_CHUNK_PROBE 1024

/* RFC 9112 7.1: after a chunk's data at least CRLF and a last-chunk "0" CRLF CRLF follow,
 * so a chunk of size n announced at raw offset p makes the body at least p + n + 7. */
#define HTTPD_CHUNK_MIN_TAIL 7

#endif
