/*
 * ph-httpd: the strict HTTP/1.1 core behind a real socket. The server (httpd_server.c)
 * owns the listener, the connection limit, timeouts, signals and --record; each
 * connection (httpd_conn.c) is a state machine fed by the shared event loop.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "util/byte_buf.h"

/* Defaults: what a public server needs (each a flag, stated in --help). */
#define HTTPD_DEFAULT_LISTEN "127.0.0.1:8080"
#define HTTPD_DEFAULT_MAX_HEAD (16u * 1024u)   /* over: 431 */
#define HTTPD_DEFAULT_MAX_BODY (1024u * 1024u) /* over: 413 */
#define HTTPD_DEFAULT_MAX_CONNS 4096u          /* over: accepts wait (or 503) */
#define HTTPD_DEFAULT_HEADER_TIMEOUT_MS 10000u /* a head not complete by then: 408 */
#define HTTPD_DEFAULT_BODY_TIMEOUT_MS 10000u   /* no body bytes for that long: 408 */
#define HTTPD_DEFAULT_IDLE_TIMEOUT_MS 60000u   /* keep-alive idle, or a client not reading */
#define HTTPD_DEFAULT_MAX_OUTPUT (256u * 1024u) /* unsent bytes before a client is not read */
#define HTTPD_DEFAULT_DRAIN_MS 10000u          /* SIGTERM: in-flight requests get this long */
#define HTTPD_LINGER_MS 2000u                  /* after a final response: discard input */
#define HTTPD_SWEEP_MS 100u                    /* timeout resolution */
#define HTTPD_RECORD_TARGET "http_request"

struct httpd_config {
    const char *listen;
    size_t max_head, max_body, max_conns, max_output;
    bool full_503; /* at max_conns: answer 503 instead of letting accepts wait */
    unsigned header_timeout_ms, body_timeout_ms, idle_timeout_ms, drain_ms;
    const char *record_socket; /* NULL: no --record */
    bool echo_all; /* --echo-all: every request is answered as /echo (ph-diff's contract) */
    bool verbose;
};

int httpd_run(const struct httpd_config *cfg);

/* ---- shared between httpd_server.c and httpd_conn.c ------------------------------- */

struct net_loop;
struct store_client;

enum conn_state {
    CONN_WANT_HEAD, /* reading a request head (or idle between requests) */
    CONN_WANT_BODY, /* head parsed: reading its body */
    CONN_CLOSING,   /* the last response is queued: flush, half-close, discard input */
};

struct conn {
    struct server *s;
    int fd;
    enum conn_state state;
    /* Input: the current request starts at in[start]; in[0..start) is done with. */
    uint8_t *in;
    size_t in_len, in_cap, start;
    bool peer_eof;
    /* The request being read (CONN_WANT_BODY). */
    size_t head_len;
    enum http_framing framing;
    uint64_t content_length;
    size_t raw_pos; /* next body byte not yet decoded */
    struct http_chunked_decoder dec;
    struct byte_buf body; /* a chunked body, decoded */
    /* Output: out[sent..len) is still to go. */
    struct byte_buf out;
    size_t sent;
    bool write_blocked;  /* waiting for EPOLLOUT */
    bool shut_down;      /* our FIN has gone */
    uint64_t requests;
    /* Timeouts (net_now_ms clock). */
    uint64_t last_io_ms, request_start_ms, closing_since_ms;
    unsigned events;     /* what the loop watches for us */
    struct conn *prev, *next;
};

struct httpd_stats {
    uint64_t accepted, requests, errors, timeouts_408, refused_503, recorded, record_dropped;
};

struct server {
    const struct httpd_config *cfg;
    struct net_loop *loop;
    int listen_fd;
    bool accepting;
    bool draining;
    uint64_t drain_deadline_ms;
    struct conn *conns;
    size_t nconns;
    struct http_request req; /* scratch: one parse at a time */
    struct store_client *record;
    char date[64]; /* "Date: ...\r\n", refreshed every sweep */
    long date_second;
    struct httpd_stats st;
};

/* httpd_conn.c */
struct conn *conn_open(struct server *s, int fd);
void conn_close(struct conn *c);
void conn_on_event(struct net_loop *loop, int fd, unsigned events, void *arg);
/* Acts on an expired deadline: 408, or a silent close. Returns false when c is gone. */
bool conn_check_timeout(struct conn *c, uint64_t now);
/* SIGTERM: an idle connection closes now; a busy one closes after its response. */
void conn_drain(struct conn *c);

/* httpd_server.c */
void server_conn_closed(struct server *s);
void server_record(struct server *s, const uint8_t *data, size_t len);

#endif
