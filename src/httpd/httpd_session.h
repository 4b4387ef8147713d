/*
 * One HTTP/1.1 server connection as a pure state machine (sans-I/O: the h11 and
 * quinn-proto pattern): the session of ph-httpd, with its limits, keep-alive, pipelining,
 * HEAD, 100-continue, write backpressure, timeouts and drain.
 *
 * The caller (a socket shell, a test, a fuzz target) owns every byte and every clock:
 * it feeds events (bytes arrived, bytes written, the peer half-closed or reset, the time
 * is now T, drain) and then polls actions until HTTPD_ACT_NONE (send these bytes, record
 * this request, answer this request, half-close, close). The session never reads a
 * socket or a clock and never allocates: the input buffer is the caller's memory, lent
 * with httpd_session_set_input() and grown by the caller when the session asks; output
 * bytes are handed out in actions and the caller queues them, so the session only counts
 * what is still unwritten. docs/httpd.md says what each event and action means.
 *
 * Slices in an action stay valid until the next call into the session (the next poll may
 * move the input). Every entry point returns HTTPD_OK or a named error: an event in an
 * order that cannot happen (bytes after the peer's FIN, more written than handed out, the
 * clock going back, an event after the close) ends the session, and the next poll hands
 * out HTTPD_ACT_CLOSE with that error; never an assert.
 */
#ifndef HTTPD_SESSION_H
#define HTTPD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "httpd_limits.h"

/* X(name, message): the one table of session errors (bad event orders). */
#define HTTPD_ERRORS(X)                                                                 \
    X(OK, "no error")                                                                   \
    X(CLOSED, "event after the session was closed")                                     \
    X(RESPONSE_OWED, "event or poll while a request waits for httpd_session_respond()") \
    X(NO_REQUEST, "httpd_session_respond() with no request waiting for an answer")      \
    X(INPUT_OVERFLOW, "more bytes received than the read space had room for")           \
    X(INPUT_AFTER_EOF, "bytes received after the peer's half-close")                    \
    X(EOF_TWICE, "the peer half-closed twice")                                          \
    X(WRITTEN_OVERFLOW, "more bytes written than were handed out to send")              \
    X(CLOCK_BACKWARDS, "an event's time is before an earlier event's")                  \
    X(INPUT_BUFFER, "an input buffer smaller than the bytes the session holds")         \
    X(RESPONSE_STATUS, "response status not a final status (200-599)")                  \
    X(RESPONSE_HEAD, "response head over HTTPD_MAX_RESPONSE_HEAD")                      \
    X(BODY_REDECODE, "a chunked body decoded differently the second time (a bug)")

enum httpd_error {
#define HTTPD_ERROR_ENUM(name, message) HTTPD_ERR_##name,
    HTTPD_ERRORS(HTTPD_ERROR_ENUM)
#undef HTTPD_ERROR_ENUM
};

const char *httpd_strerror(enum httpd_error error);
const char *httpd_error_name(enum httpd_error error);

/* What the caller does next. */
enum httpd_action_kind {
    HTTPD_ACT_NONE = 0, /* nothing until the next event; httpd_session_interest() says which */
    HTTPD_ACT_SEND,     /* append data[0] then data[1] to the output, in order */
    HTTPD_ACT_RECORD,   /* bytes: one complete request exactly as sent (config.record) */
    HTTPD_ACT_REQUEST,  /* request and bytes (its decoded body): answer it with
                         * httpd_session_respond() before any other call */
    HTTPD_ACT_SHUTDOWN, /* every byte handed out is written: half-close (FIN), keep reading */
    HTTPD_ACT_CLOSE,    /* close the connection: the session is over */
};

struct httpd_action {
    enum httpd_action_kind kind;
    struct ph_slice data[2];            /* SEND: the head (and body) of one response */
    int status;                         /* SEND: its status */
    const char *error;                  /* SEND: why, for a final error response (the
                                         * connection closes after it); NULL otherwise */
    const struct http_request *request; /* REQUEST */
    struct ph_slice bytes;              /* REQUEST: decoded body; RECORD: raw request */
    enum httpd_error fault;             /* CLOSE: the bad event that ended the session */
};

/* The answer to a REQUEST. The session writes the head (status line, Server, Date,
 * Content-Type, extra, Content-Length, Connection) and decides HEAD and keep-alive. */
struct httpd_response {
    int status;               /* 200-599 */
    const char *content_type; /* or NULL */
    const char *extra;        /* more field lines, each ending in CRLF, or NULL */
    const uint8_t *body;      /* must stay valid until the SEND is queued */
    size_t body_len;
    bool close;        /* the last response: Connection: close */
    const char *error; /* non-NULL: answer with the standard error response for
                               * status naming this reason, and close (fields above unused) */
};

struct httpd_session_config {
    size_t max_head, max_body, max_output; /* over: 431, 413, stop reading */
    uint64_t header_timeout_ms, body_timeout_ms, idle_timeout_ms, linger_ms;
    bool record;      /* hand out RECORD actions */
    const char *date; /* "Date: ...\r\n", kept current by the caller, or NULL */
};

/* States are named for what comes next. */
enum httpd_state {
    HTTPD_WANT_HEAD = 0, /* a request head (or nothing: idle between requests) */
    HTTPD_WANT_BODY,     /* the body of the head just accepted */
    HTTPD_REQUEST_READY, /* a whole request is in: RECORD (if asked), then REQUEST */
    HTTPD_WANT_RESPONSE, /* REQUEST handed out: httpd_session_respond() */
    HTTPD_CLOSING,       /* the last response is out: flush, FIN, discard input until
                          * EOF or the linger time */
    HTTPD_CLOSED,        /* CLOSE handed out */
};

/* Plain data, owned by the caller; initialise with httpd_session_init(). */
struct httpd_session {
    const struct httpd_session_config *cfg;
    enum httpd_state state;
    enum httpd_error fault; /* set: the next poll hands out CLOSE */
    bool close_now;         /* a CLOSE is due (reset, timeout, done) */
    uint64_t now;           /* time of the latest event */
    /* Input, lent by the caller: in[start..len) is not done with. */
    uint8_t *in;
    size_t in_cap, in_len, start;
    bool peer_eof;
    /* The request being read: head in[start..start+head_len), raw body up to raw_end. */
    size_t head_len, raw_end;
    enum http_framing framing;
    uint64_t content_length;
    struct http_chunked_decoder dec;
    bool recorded;
    struct http_request req;
    /* Output: bytes handed out in SEND actions and not yet reported written. */
    uint64_t unsent;
    bool shut_down;
    bool draining;
    bool refused;   /* httpd_session_refuse(): 503, FIN, close */
    bool head_only; /* the request under way is HEAD: no body in its answer */
    /* A SEND made by an event (408) or during processing, handed out by the next poll. */
    bool pending_send;
    struct httpd_action pending;
    uint64_t requests;
    /* Timeouts. */
    uint64_t last_io, request_start, closing_since;
    bool request_started;
    /* Response head and error body, handed out in SEND actions. */
    uint8_t scratch[HTTPD_MAX_RESPONSE_HEAD + HTTPD_MAX_ERROR_BODY];
};

/* Where the caller is: what to watch for and when to call httpd_session_tick(). */
struct httpd_interest {
    bool read;         /* read more input (into httpd_session_read_space()) */
    size_t grow_to;    /* non-zero: lend a buffer of this many bytes first */
    bool write;        /* bytes handed out are still unwritten */
    uint64_t deadline; /* call httpd_session_tick() at this time; UINT64_MAX: never */
};

/* A connection accepted at time now. cfg must outlive the session. */
void httpd_session_init(struct httpd_session *s, const struct httpd_session_config *cfg,
                        uint64_t now);

/* Lends buf[0..cap) as the input buffer; buf must hold the bytes of the previous buffer
 * (realloc keeps them). Slices handed out earlier become invalid. */
enum httpd_error httpd_session_set_input(struct httpd_session *s, uint8_t *buf, size_t cap);

/* Where to read into: *room bytes at the returned pointer (0 when none). */
uint8_t *httpd_session_read_space(struct httpd_session *s, size_t *room);

/* Events. Each takes the time it happened (never earlier than the one before). */
enum httpd_error httpd_session_received(struct httpd_session *s, size_t n, uint64_t now);
enum httpd_error httpd_session_peer_closed(struct httpd_session *s, uint64_t now);
enum httpd_error httpd_session_reset(struct httpd_session *s);
enum httpd_error httpd_session_written(struct httpd_session *s, size_t n, uint64_t now);
enum httpd_error httpd_session_tick(struct httpd_session *s, uint64_t now);
enum httpd_error httpd_session_drain(struct httpd_session *s, uint64_t now);
/* The server is full (503 mode): one 503, Connection: close, then CLOSE at once. */
enum httpd_error httpd_session_refuse(struct httpd_session *s, uint64_t now);

/* The next action (kind HTTPD_ACT_NONE: wait for an event). */
void httpd_session_poll(struct httpd_session *s, struct httpd_action *act);

/* Answers the REQUEST just handed out; *act is the SEND to queue. */
enum httpd_error httpd_session_respond(struct httpd_session *s, const struct httpd_response *r,
                                       struct httpd_action *act);

void httpd_session_interest(const struct httpd_session *s, struct httpd_interest *out);

/* RFC 9110 15: the reason phrase ph-httpd sends for status. */
const char *httpd_reason(int status);

#endif
