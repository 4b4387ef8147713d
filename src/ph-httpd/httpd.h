/*
 * ph-httpd: the strict HTTP/1.1 core behind a real socket. The server (httpd_server.c)
 * owns the listener, the connection limit, the timeout sweep, signals and --record; each
 * connection (httpd_conn.c) moves bytes and time between its socket and a pure session
 * core (src/httpd/httpd_session.h), which takes every HTTP decision.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "http/http.h"
#include "httpd/httpd_session.h"
#include "util/byte_buf.h"
#include "net/net_socket.h"

/* Defaults: what a public server needs (each a flag, stated in --help). */
#define HTTPD_DEFAULT_LISTEN "127.0.0.1:8080"
#define HTTPD_DEFAULT_MAX_HEAD (16u * 1024u)    /* over: 431 */
#define HTTPD_DEFAULT_MAX_BODY (1024u * 1024u)  /* over: 413 */
#define HTTPD_DEFAULT_MAX_CONNS 4096u           /* over: accepts wait (or 503) */
#define HTTPD_DEFAULT_HEADER_TIMEOUT_MS 10000u  /* a head not complete by then: 408 */
#define HTTPD_DEFAULT_BODY_TIMEOUT_MS 10000u    /* no body bytes for that long: 408 */
#define HTTPD_DEFAULT_IDLE_TIMEOUT_MS 60000u    /* keep-alive idle, or a client not reading */
#define HTTPD_DEFAULT_MAX_OUTPUT (256u * 1024u) /* unsent bytes before a client is not read */
#define HTTPD_DEFAULT_DRAIN_MS 10000u           /* SIGTERM: in-flight requests get this long */
#define HTTPD_LINGER_MS 2000u                   /* after a final response: discard input */
#define HTTPD_SWEEP_MS 100u                     /* timeout resolution */
#define HTTPD_RECORD_TARGET "http_request"

struct httpd_config {
    const char *listen;
    size_t max_head, max_body, max_conns, max_output;
    bool full_503; /* at max_conns: answer 503 instead of letting accepts wait */
    unsigned header_timeout_ms, body_timeout_ms, idle_timeout_ms, drain_ms;
    const char *record_socket; /* NULL: no --record */
    bool echo_all; /* --echo-all: every request is answered as /echo (ph-diff's contract) */
    const char *status_file; /* --status-file: NULL for none (util/daemon_log.h) */
    bool verbose;
};

int httpd_run(const struct httpd_config *cfg);

/* ---- shared between httpd_server.c and httpd_conn.c ------------------------------- */

struct net_loop;
struct store_client;

/* One client connection: the socket, the buffers the session core works in, and the
 * session itself (src/httpd/httpd_session.h), which decides everything else. */
struct conn {
    struct server *s;
    int fd;
    struct httpd_session hs;
    uint8_t *in; /* lent to the session; grown when it asks */
    /* Output: out[sent..len) is still to go. */
    struct byte_buf out;
    size_t sent;
    bool write_blocked;    /* waiting for EPOLLOUT */
    unsigned events;       /* what the loop watches for us */
    LIST_ENTRY(conn) link; /* in server.conns */
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
    LIST_HEAD(, conn) conns;
    size_t nconns;
    struct httpd_session_config session; /* every connection's limits; date points below */
    struct store_client *record;
    char date[64]; /* "Date: ...\r\n", refreshed every sweep */
    long date_second;
    struct httpd_stats st;
    char listen_name[NET_ERR_LEN]; /* the bound address, port 0 resolved */
};

/* httpd_conn.c */
struct conn *conn_open(struct server *s, int fd);
void conn_close(struct conn *c);
void conn_on_event(struct net_loop *loop, int fd, unsigned events, void *arg);
/* The sweep: the session acts on an expired deadline (408, or a silent close). */
void conn_check_timeout(struct conn *c, uint64_t now);
/* SIGTERM: an idle connection closes now; a busy one closes after its response. */
void conn_drain(struct conn *c);

/* httpd_server.c */
void server_conn_closed(struct server *s);
void server_record(struct server *s, const uint8_t *data, size_t len);

#endif
