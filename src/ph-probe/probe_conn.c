/*
 * The probe's connection: connect, send the file's bytes (in pieces if asked), read every
 * response into the reader, half-close, read until the server closes. Every wait is
 * bounded: --timeout per phase and --max-time for the whole file.
 *
 * One connection's timeline: send (reading meanwhile) -> wait until the server has been
 * quiet for quiet_ms -> half-close our side -> read until the server closes or
 * timeout_ms. Each response says whether it came before the half-close: what a server
 * answers before it sees our FIN is what it decided from the bytes alone.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/net_loop.h"
#include "probe.h"

static const char *errno_kind(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return "refused";
    case ECONNRESET:
    case EPIPE:
        return "reset";
    case ETIMEDOUT:
        return "timeout";
    case EHOSTUNREACH:
    case ENETUNREACH:
        return "unreachable";
    default:
        return "io";
    }
}

static void set_error(struct probe_outcome *o, const char *kind, const char *message)
{
    if (o->error != NULL)
        return;
    o->error = kind;
    snprintf(o->message, sizeof(o->message), "%s", message);
}

static void set_errno(struct probe_outcome *o, int e, const char *what)
{
    char message[NET_ERR_LEN];
    snprintf(message, sizeof(message), "%s: %s", what, strerror(e));
    set_error(o, errno_kind(e), message);
}

/* The reader asked to stop: a named error. */
static void set_stop(struct probe_outcome *o, enum probe_stop stop)
{
    switch (stop) {
    case PROBE_GOING:
        return;
    case PROBE_TOO_LARGE:
        set_error(o, "too_large", "more response bytes than the probe reads (64 MiB)");
        return;
    case PROBE_TOO_MANY_RESPONSES:
        set_error(o, "too_many_responses", "more responses than --max-responses");
        return;
    case PROBE_TOO_MANY_INTERIM:
        set_error(o, "too_many_interim", "more 1xx responses than --max-interim");
        return;
    }
}

struct conn {
    int fd;
    const struct probe_opts *opt;
    struct probe_reader *r;
    struct probe_outcome *o;
    uint64_t t0;
};

/* Reads what the socket has into the reader. Returns false when reading is over: end of
 * stream, an error, or the reader's limits. */
static bool read_some(struct conn *c)
{
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = net_read(c->fd, buf, sizeof(buf));
        uint64_t now = net_now_ms() - c->t0;
        if (n > 0) {
            enum probe_stop stop = probe_reader_feed(c->r, buf, (size_t)n, now);
            if (stop != PROBE_GOING) {
                set_stop(c->o, stop);
                return false;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n == 0) {
            c->o->closed = true;
            probe_reader_eof(c->r, now);
        } else {
            set_errno(c->o, errno, "recv");
        }
        return false;
    }
}

/* The deadline of the whole file has passed: the error says which limit. */
static bool past_max_time(struct conn *c, uint64_t now)
{
    if (c->opt->max_time_ms == 0 || now < c->t0 + c->opt->max_time_ms)
        return false;
    char message[64];
    snprintf(message, sizeof(message), "--max-time %u ms passed", c->opt->max_time_ms);
    set_error(c->o, "max_time", message);
    return true;
}

static int min_timeout(uint64_t until, uint64_t now, const struct conn *c)
{
    if (c->opt->max_time_ms != 0 && c->t0 + c->opt->max_time_ms < until)
        until = c->t0 + c->opt->max_time_ms;
    return until > now ? (int)(until - now) : 0;
}

/* One connection's timeline (see the top of the file). */
static void run_connection(struct conn *c, const uint8_t *data, size_t len)
{
    const struct probe_opts *opt = c->opt;
    struct probe_outcome *o = c->o;
    enum { SENDING, WAITING, HALF_CLOSED } phase = len > 0 ? SENDING : WAITING;
    uint64_t now = net_now_ms();
    uint64_t next_send = now, last_activity = now, half_close_at = 0;
    for (;;) {
        now = net_now_ms();
        if (past_max_time(c, now))
            return;
        int timeout;
        short want = POLLIN;
        if (phase == SENDING) {
            if (now >= last_activity + opt->timeout_ms) {
                set_errno(o, ETIMEDOUT, "send (the server does not read)");
                return;
            }
            if (now >= next_send)
                want |= POLLOUT;
            timeout = now >= next_send ? min_timeout(last_activity + opt->timeout_ms, now, c)
                                       : min_timeout(next_send, now, c);
        } else if (phase == WAITING) {
            if (now >= last_activity + opt->quiet_ms) {
                net_shutdown_write(c->fd);
                phase = HALF_CLOSED;
                o->half_closed = true;
                probe_reader_half_close(c->r);
                half_close_at = now;
                o->half_close_ms = now - c->t0;
                continue;
            }
            timeout = min_timeout(last_activity + opt->quiet_ms, now, c);
        } else {
            if (now >= half_close_at + opt->timeout_ms) {
                set_errno(o, ETIMEDOUT, "waiting for the server to close");
                return;
            }
            timeout = min_timeout(half_close_at + opt->timeout_ms, now, c);
        }
        struct pollfd p = {.fd = c->fd, .events = want};
        int n = poll(&p, 1, timeout);
        if (n < 0 && errno != EINTR) {
            set_errno(o, errno, "poll");
            return;
        }
        if (n <= 0)
            continue;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            uint64_t before = c->r->total_in;
            if (!read_some(c))
                return;
            if (c->r->total_in > before)
                last_activity = net_now_ms();
        }
        if (phase == SENDING && (p.revents & POLLOUT)) {
            size_t piece = len - o->sent;
            if (opt->split > 0 && piece > opt->split)
                piece = opt->split;
            ssize_t w = net_write(c->fd, data + o->sent, piece);
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                /* The server closed early (an error answer, say): read what it sent. */
                set_errno(o, errno, "send");
                read_some(c);
                return;
            }
            if (w > 0) {
                o->sent += (size_t)w;
                last_activity = net_now_ms();
                if (o->sent == len)
                    phase = WAITING;
                else if (opt->split > 0)
                    next_send = last_activity + opt->delay_ms;
            }
        }
    }
}

void probe_run(const struct addrinfo *ai, const uint8_t *request, size_t len,
               const struct probe_opts *opt, struct probe_result *res)
{
    struct probe_outcome *o = &res->outcome;
    struct conn c = {.fd = -1, .opt = opt, .r = &res->reader, .o = o, .t0 = net_now_ms()};
    char err[NET_ERR_LEN] = "no address to connect to";
    unsigned connect_ms = opt->timeout_ms;
    if (opt->max_time_ms != 0 && opt->max_time_ms < connect_ms)
        connect_ms = opt->max_time_ms;
    for (; ai != NULL && c.fd < 0; ai = ai->ai_next) /* "localhost": ::1, then 127.0.0.1 */
        c.fd = net_tcp_connect_addr(ai, (int)connect_ms, err);
    if (c.fd < 0) {
        o->error = errno_kind(errno);
        snprintf(o->message, sizeof(o->message), "%s", err);
    } else {
        /* Each --split piece leaves as its own segment. */
        net_tcp_nodelay(c.fd, true, NULL);
        net_set_nonblock(c.fd, true, NULL);
        run_connection(&c, request, len);
        close(c.fd);
    }
    o->time_ms = net_now_ms() - c.t0;
    o->incomplete = probe_reader_end(&res->reader, o->time_ms);
}

const char *probe_result_name(const struct probe_result *res)
{
    if (res->outcome.error != NULL)
        return "error";
    return res->outcome.incomplete ? "incomplete" : "ok";
}
