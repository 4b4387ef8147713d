/*
 * The server around the connections: listener, connection limit, the timeout sweep,
 * signals (SIGTERM drains), statistics and the --record mirror into ph-store.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "net/net_loop.h"
#include "net/net_tcp.h"
#include "store_client/store_client.h"
#include "util/daemon_log.h"
#include "util/json_writer.h"

#define HTTPD_LISTEN_BACKLOG 4096
#define HTTPD_ACCEPTS_PER_WAKE 64
#define HTTPD_SPARE_FDS 64 /* listener, epoll, signalfd, store socket, stdio... */

/* The --status-file object (docs/httpd.md): the address and every counter. */
static void write_status(const struct server *s, const char *state)
{
    if (s->cfg->status_file == NULL)
        return;
    struct byte_buf b = {0};
    daemon_status_begin(&b, state);
    byte_buf_puts(&b, ",\"listen\":");
    json_buf_string(&b, s->listen_name);
    byte_buf_printf(&b,
                    ",\"stats\":{\"connections_open\":%zu,\"accepted\":%llu,"
                    "\"refused_503\":%llu,\"requests\":%llu,\"errors\":%llu,"
                    "\"timeouts_408\":%llu,\"recorded\":%llu,\"record_dropped\":%llu}",
                    s->nconns, (unsigned long long)s->st.accepted,
                    (unsigned long long)s->st.refused_503, (unsigned long long)s->st.requests,
                    (unsigned long long)s->st.errors, (unsigned long long)s->st.timeouts_408,
                    (unsigned long long)s->st.recorded, (unsigned long long)s->st.record_dropped);
    daemon_status_write(s->cfg->status_file, &b);
    byte_buf_free(&b);
}

/* The statistics, for people (the log) and for scripts (the status file). */
static void print_stats(const struct server *s, const char *why, const char *state)
{
    daemon_logf("stats (%s): connections %zu open, %llu accepted, %llu refused with 503; "
                "requests %llu, errors %llu (408: %llu); recorded %llu, dropped %llu",
                why, s->nconns, (unsigned long long)s->st.accepted,
                (unsigned long long)s->st.refused_503, (unsigned long long)s->st.requests,
                (unsigned long long)s->st.errors, (unsigned long long)s->st.timeouts_408,
                (unsigned long long)s->st.recorded, (unsigned long long)s->st.record_dropped);
    write_status(s, state);
}

/* RFC 9110 6.6.1: an origin server with a clock sends Date; it changes once a second. */
static void refresh_date(struct server *s)
{
    time_t now = time(NULL);
    if ((long)now == s->date_second)
        return;
    s->date_second = (long)now;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(s->date, sizeof(s->date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

void server_record(struct server *s, const uint8_t *data, size_t len)
{
    if (store_client_send_nowait(s->record, HTTPD_RECORD_TARGET, STORE_KIND_QUEUE, data, len))
        s->st.recorded++;
    else
        s->st.record_dropped++;
}

/* ---- accepting ------------------------------------------------------------------------ */

static void set_accepting(struct server *s, bool on)
{
    if (s->listen_fd < 0 || s->accepting == on)
        return;
    if (net_loop_set_events(s->loop, s->listen_fd, on ? NET_READABLE : 0) == 0)
        s->accepting = on;
}

/* Over the limit in --when-full 503 mode: the session's 503 and a close. What the client
 * sent is read first (without waiting), so the close is a FIN, not an RST that could
 * destroy the answer before it is read. */
static void refuse_503(struct server *s, int fd)
{
    struct httpd_session hs;
    uint64_t now = net_now_ms();
    httpd_session_init(&hs, &s->session, now);
    httpd_session_refuse(&hs, now);
    uint8_t sink[4096];
    while (net_read(fd, sink, sizeof(sink)) > 0)
        ;
    for (struct httpd_action a;;) {
        httpd_session_poll(&hs, &a);
        if (a.kind == HTTPD_ACT_SEND) {
            net_write(fd, a.data[0].ptr, a.data[0].len);
        } else if (a.kind == HTTPD_ACT_SHUTDOWN) {
            net_shutdown_write(fd);
        } else {
            break;
        }
    }
    s->st.refused_503++;
    close(fd);
}

static void on_listen(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)events;
    struct server *s = arg;
    char err[NET_ERR_LEN];
    for (int i = 0; i < HTTPD_ACCEPTS_PER_WAKE; i++) {
        if (s->nconns >= s->cfg->max_conns && !s->cfg->full_503) {
            set_accepting(s, false); /* the rest wait in the kernel's backlog */
            return;
        }
        int cfd = net_accept(fd, err);
        if (cfd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                /* Out of fds although under the limit: pause until one closes. */
                daemon_logf("%s: pausing accepts", err);
                set_accepting(s, false);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                daemon_logf("%s", err);
            }
            return;
        }
        if (s->nconns >= s->cfg->max_conns) {
            refuse_503(s, cfd);
            continue;
        }
        net_tcp_nodelay(cfd, true, NULL); /* responses are whole: no need to coalesce */
        if (conn_open(s, cfd) == NULL) {
            daemon_logf("out of memory for a connection");
            close(cfd);
            continue;
        }
        s->st.accepted++;
    }
}

void server_conn_closed(struct server *s)
{
    if (s->draining) {
        if (s->nconns == 0)
            net_loop_stop(s->loop);
        return;
    }
    if (s->nconns < s->cfg->max_conns)
        set_accepting(s, true);
}

/* ---- timers and signals --------------------------------------------------------------- */

static void sweep(struct net_loop *loop, void *arg)
{
    struct server *s = arg;
    uint64_t now = net_now_ms();
    refresh_date(s);
    for (struct conn *c = LIST_FIRST(&s->conns), *next; c != NULL; c = next) {
        next = LIST_NEXT(c, link); /* c may close */
        conn_check_timeout(c, now);
    }
    if (s->draining && now >= s->drain_deadline_ms) {
        daemon_logf("drain time is up: closing %zu connections", s->nconns);
        while (!LIST_EMPTY(&s->conns))
            conn_close(LIST_FIRST(&s->conns));
        net_loop_stop(loop);
    }
}

static void on_term(struct net_loop *loop, int signo, void *arg)
{
    struct server *s = arg;
    if (s->draining)
        return;
    daemon_logf("%s: draining %zu connections (at most %u ms)", strsignal(signo), s->nconns,
                s->cfg->drain_ms);
    s->draining = true;
    s->drain_deadline_ms = net_now_ms() + s->cfg->drain_ms;
    write_status(s, "draining");
    net_loop_unwatch(loop, s->listen_fd);
    close(s->listen_fd);
    s->listen_fd = -1;
    for (struct conn *c = LIST_FIRST(&s->conns), *next; c != NULL; c = next) {
        next = LIST_NEXT(c, link);
        conn_drain(c);
    }
    if (s->nconns == 0)
        net_loop_stop(loop);
}

static void on_usr1(struct net_loop *loop, int signo, void *arg)
{
    (void)loop;
    (void)signo;
    print_stats(arg, "SIGUSR1", "running");
}

/* ---- run ------------------------------------------------------------------------------ */

static int setup(struct server *s, char *err)
{
    const struct httpd_config *cfg = s->cfg;
    /* SIGPIPE never kills the server: every send is MSG_NOSIGNAL, and this covers
     * anything else that writes to a closed pipe or socket. */
    signal(SIGPIPE, SIG_IGN);
    s->loop = net_loop_create(err, NET_ERR_LEN);
    if (s->loop == NULL)
        return -1;
    if (net_loop_on_signal(s->loop, SIGTERM, on_term, s) != 0 ||
        net_loop_on_signal(s->loop, SIGINT, on_term, s) != 0 ||
        net_loop_on_signal(s->loop, SIGUSR1, on_usr1, s) != 0) {
        snprintf(err, NET_ERR_LEN, "signalfd: %s", strerror(errno));
        return -1;
    }
    long want = (long)(cfg->max_conns + HTTPD_SPARE_FDS);
    long got = net_raise_nofile(want, err);
    if (got < 0)
        return -1;
    if (got < want)
        daemon_logf("warning: RLIMIT_NOFILE is %ld (hard limit), below the %ld that %zu "
                    "connections need: accepts pause when fds run out",
                    got, want, cfg->max_conns);
    if (cfg->record_socket != NULL) {
        size_t max_case = cfg->max_head + cfg->max_body;
        if (max_case > STORE_MAX_CASE_LIMIT)
            max_case = STORE_MAX_CASE_LIMIT;
        s->record = store_client_connect(cfg->record_socket, getuid(), true, max_case, err);
        if (s->record == NULL)
            return -1;
    }
    s->listen_fd = net_tcp_listen(cfg->listen, HTTPD_LISTEN_BACKLOG, err);
    if (s->listen_fd < 0)
        return -1;
    if (net_loop_watch(s->loop, s->listen_fd, NET_READABLE, on_listen, s) != 0 ||
        net_loop_every(s->loop, HTTPD_SWEEP_MS, sweep, s) != 0) {
        snprintf(err, NET_ERR_LEN, "epoll: %s", strerror(errno));
        return -1;
    }
    s->accepting = true;
    s->date_second = -1;
    refresh_date(s);
    s->session = (struct httpd_session_config){
        .max_head = cfg->max_head,
        .max_body = cfg->max_body,
        .max_output = cfg->max_output,
        .header_timeout_ms = cfg->header_timeout_ms,
        .body_timeout_ms = cfg->body_timeout_ms,
        .idle_timeout_ms = cfg->idle_timeout_ms,
        .linger_ms = HTTPD_LINGER_MS,
        .record = cfg->record_socket != NULL,
        .date = s->date,
    };
    return 0;
}

int httpd_run(const struct httpd_config *cfg)
{
    struct server s;
    memset(&s, 0, sizeof(s));
    s.cfg = cfg;
    s.listen_fd = -1;
    char err[NET_ERR_LEN] = "";
    int rc = 1;
    if (setup(&s, err) != 0) {
        daemon_logf("fatal: %s", err);
        goto out;
    }
    if (net_tcp_local_name(s.listen_fd, s.listen_name, sizeof(s.listen_name), err) != 0)
        snprintf(s.listen_name, sizeof(s.listen_name), "%s", cfg->listen);
    daemon_logf("listening on %s (max %zu connections, head %zu, body %zu bytes)%s%s",
                s.listen_name, cfg->max_conns, cfg->max_head, cfg->max_body,
                cfg->record_socket ? ", recording to " : "",
                cfg->record_socket ? cfg->record_socket : "");
    write_status(&s, "ready");
    if (net_loop_run(s.loop) != 0) {
        daemon_logf("epoll_wait: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    while (!LIST_EMPTY(&s.conns))
        conn_close(LIST_FIRST(&s.conns));
    if (s.loop != NULL)
        print_stats(&s, "exit", "stopped");
    if (s.listen_fd >= 0)
        close(s.listen_fd);
    store_client_close(s.record);
    net_loop_destroy(s.loop);
    return rc;
}
