/*
 * Many request streams in flight against every server at once, on the shared event loop
 * (src/net/net_loop.c). Each stream is a slot with one connection per network server;
 * a connection's timeline is ph-probe's: connect, send the segments (a gap between
 * them), wait until both sides have been quiet for quiet_ms, half-close, read until the
 * server closes or close_ms. What a server answered before our FIN is what it decided
 * from the bytes alone. A slot whose connections are all done goes to the caller; the
 * next stream takes its place, before the loop waits again.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "net/net_loop.h"
#include "net/net_tcp.h"

#define ENGINE_MAX_INFLIGHT 512
#define ENGINE_SWEEP_MS 1

enum conn_state {
    C_DONE = 0,
    C_CONNECTING,  /* wants writability, then SO_ERROR */
    C_SENDING,     /* segments to go; next_send_ms paces them */
    C_WAITING,     /* all sent: waits for quiet_ms of silence */
    C_HALF_CLOSED, /* FIN sent: waits for the server's close */
};

struct slot;

struct conn {
    struct slot *slot;
    size_t server;
    int fd;
    enum conn_state st;
    size_t sent, piece;
    uint64_t start_ms, last_ms, next_send_ms, half_ms;
};

struct engine;

struct slot {
    struct engine *e;
    bool busy;
    void *tag;
    size_t pending; /* connections not yet done */
    size_t last;    /* the server that finished last */
    struct diff_stream s;
    struct conn c[DIFF_MAX_SERVERS];
    struct diff_raw raw[DIFF_MAX_SERVERS]; /* raw[i]: what server i sent back */
};

struct engine {
    struct diff_server *servers;
    size_t n;
    const struct diff_engine_opts *o;
    struct net_loop *loop;
    struct slot *slots;
    size_t nslots, busy;
    bool exhausted;
    diff_next_fn *next;
    diff_done_fn *done;
    void *arg;
};

#define RAW(c) ((c)->slot->raw[(c)->server])

static void conn_finish(struct engine *e, struct conn *c)
{
    if (c->st == C_DONE)
        return;
    if (c->fd >= 0) {
        net_loop_unwatch(e->loop, c->fd);
        close(c->fd);
        c->fd = -1;
    }
    c->st = C_DONE;
    uint64_t now = net_now_ms();
    RAW(c).time_ms = now - c->start_ms;
    struct diff_server *sv = &e->servers[c->server];
    sv->conns++;
    sv->busy_ms += RAW(c).time_ms;
    if (RAW(c).refused || RAW(c).reset || RAW(c).timeout)
        sv->errors++;
    c->slot->last = c->server;
    c->slot->pending--;
}

/* Reads what the socket has. Returns false when the connection is done. */
static bool conn_read(struct engine *e, struct conn *c)
{
    for (;;) {
        if (RAW(c).in.len >= DIFF_MAX_RESPONSE || byte_buf_reserve(&RAW(c).in, 16384) != 0) {
            RAW(c).timeout = true; /* more than we keep: stop here */
            conn_finish(e, c);
            return false;
        }
        ssize_t n = net_read(c->fd, RAW(c).in.data + RAW(c).in.len, RAW(c).in.cap - RAW(c).in.len);
        if (n > 0) {
            RAW(c).in.len += (size_t)n;
            c->last_ms = net_now_ms();
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n == 0)
            RAW(c).closed = true;
        else
            RAW(c).reset = true;
        RAW(c).closed_early = c->st != C_HALF_CLOSED;
        conn_finish(e, c);
        return false;
    }
}

/* End of the current segment. */
static size_t piece_end(const struct conn *c)
{
    const struct diff_stream *s = &c->slot->s;
    if (s->npieces == 0)
        return s->len;
    size_t end = 0;
    for (size_t i = 0; i <= c->piece && i < s->npieces; i++)
        end += s->pieces[i];
    return c->piece >= s->npieces - 1 ? s->len : (end < s->len ? end : s->len);
}

static void conn_write(struct engine *e, struct conn *c)
{
    const struct diff_stream *s = &c->slot->s;
    size_t end = piece_end(c);
    ssize_t w = net_write(c->fd, s->data + c->sent, end - c->sent);
    if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        /* The server closed early (an error answer, say): keep what it sent. */
        if (conn_read(e, c)) {
            RAW(c).closed = RAW(c).closed_early = true;
            conn_finish(e, c);
        }
        return;
    }
    c->sent += (size_t)w;
    c->last_ms = net_now_ms();
    if (c->sent < end)
        return;
    if (c->sent == s->len) {
        c->st = C_WAITING;
        net_loop_set_events(e->loop, c->fd, NET_READABLE);
        return;
    }
    c->piece++;
    c->next_send_ms = c->last_ms + e->o->gap_ms;
    if (e->o->gap_ms > 0)
        net_loop_set_events(e->loop, c->fd, NET_READABLE);
}

static void on_conn(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    struct conn *c = arg;
    struct engine *e = c->slot->e;
    if (c->st == C_CONNECTING) {
        if (net_tcp_connect_result(c->fd, NULL) != 0) {
            RAW(c).refused = true;
            conn_finish(e, c);
            return;
        }
        net_tcp_nodelay(c->fd, true, NULL); /* each segment leaves as its own */
        c->st = c->slot->s.len > 0 ? C_SENDING : C_WAITING;
        c->last_ms = net_now_ms();
        net_loop_set_events(e->loop, c->fd, NET_READABLE | (c->st == C_SENDING ? NET_WRITABLE : 0));
        return;
    }
    if ((events & NET_READABLE) && !conn_read(e, c))
        return;
    if (c->st == C_SENDING && (events & NET_WRITABLE) && net_now_ms() >= c->next_send_ms)
        conn_write(e, c);
}

static void conn_start(struct engine *e, struct slot *sl, size_t i)
{
    struct conn *c = &sl->c[i];
    struct diff_server *sv = &e->servers[i];
    c->slot = sl;
    c->server = i;
    RAW(c).in.len = 0;
    RAW(c).closed = RAW(c).closed_early = RAW(c).reset = RAW(c).timeout = RAW(c).refused = false;
    RAW(c).time_ms = 0;
    c->slot = sl;
    c->server = i;
    c->sent = c->piece = 0;
    c->start_ms = c->last_ms = c->next_send_ms = net_now_ms();
    c->fd = -1;
    c->st = C_DONE;
    if (sv->kind == DIFF_KIND_INPROCESS)
        return;
    sl->pending++;
    c->st = C_CONNECTING;
    c->fd = net_tcp_connect_start(sv->ai, NULL);
    if (c->fd < 0 || net_loop_watch(e->loop, c->fd, NET_WRITABLE, on_conn, c) != 0) {
        RAW(c).refused = true;
        conn_finish(e, c);
    }
}

/* Every ENGINE_SWEEP_MS: paces segments, ends quiet periods, enforces every deadline. */
static void sweep(struct net_loop *loop, void *arg)
{
    (void)loop;
    struct engine *e = arg;
    uint64_t now = net_now_ms();
    for (size_t k = 0; k < e->nslots; k++) {
        struct slot *sl = &e->slots[k];
        if (!sl->busy || sl->pending == 0)
            continue;
        for (size_t i = 0; i < e->n; i++) {
            struct conn *c = &sl->c[i];
            switch (c->st) {
            case C_DONE:
                break;
            case C_CONNECTING:
            case C_SENDING:
                if (now - c->last_ms >= e->o->connect_ms) {
                    RAW(c).timeout = true;
                    conn_finish(e, c);
                } else if (c->st == C_SENDING && now >= c->next_send_ms) {
                    net_loop_set_events(e->loop, c->fd, NET_READABLE | NET_WRITABLE);
                }
                break;
            case C_WAITING:
                if (now - c->last_ms >= e->o->quiet_ms) {
                    net_shutdown_write(c->fd);
                    c->st = C_HALF_CLOSED;
                    c->half_ms = now;
                }
                break;
            case C_HALF_CLOSED:
                if (now - c->half_ms >= e->o->close_ms) {
                    conn_finish(e, c); /* still open: the view says DIFF_END_OPEN */
                }
                break;
            }
        }
    }
}

/* Before the loop waits: hand finished slots to the caller, refill, stop when done. */
static void reap(struct net_loop *loop, void *arg)
{
    struct engine *e = arg;
    for (size_t k = 0; k < e->nslots; k++) {
        struct slot *sl = &e->slots[k];
        /* A slot may finish, be refilled and finish again at once (no network server
         * or every connect refused): bounded by the producer running dry. */
        while (sl->busy && sl->pending == 0) {
            e->servers[sl->last].last_done++;
            e->done(e->arg, sl->tag, &sl->s, sl->raw);
            sl->busy = false;
            e->busy--;
            if (e->exhausted || !e->next(e->arg, &sl->s, &sl->tag)) {
                e->exhausted = true;
                break;
            }
            sl->busy = true;
            e->busy++;
            sl->pending = 0;
            sl->last = 0;
            for (size_t i = 0; i < e->n; i++)
                conn_start(e, sl, i);
        }
    }
    if (e->exhausted && e->busy == 0)
        net_loop_stop(loop);
}

int diff_engine_run(struct diff_server *servers, size_t n, const struct diff_engine_opts *o,
                    diff_next_fn *next, diff_done_fn *done, void *arg, char *err, size_t errlen)
{
    char nerr[NET_ERR_LEN] = "";
    struct engine e = {.servers = servers, .n = n, .o = o, .next = next, .done = done, .arg = arg};
    e.nslots = o->inflight == 0                    ? 1
               : o->inflight > ENGINE_MAX_INFLIGHT ? ENGINE_MAX_INFLIGHT
                                                   : o->inflight;
    net_raise_nofile((long)(e.nslots * n + 64), NULL);
    e.slots = calloc(e.nslots, sizeof(*e.slots));
    e.loop = net_loop_create(nerr, sizeof(nerr));
    if (e.slots == NULL || e.loop == NULL ||
        net_loop_every(e.loop, ENGINE_SWEEP_MS, sweep, &e) != 0) {
        snprintf(err, errlen, "event loop: %s", nerr[0] ? nerr : "out of memory");
        free(e.slots);
        if (e.loop != NULL)
            net_loop_destroy(e.loop);
        return -1;
    }
    net_loop_before_wait(e.loop, reap, &e);
    /* Prime every slot as a finished one, so reap fills it. */
    for (size_t k = 0; k < e.nslots; k++) {
        e.slots[k].e = &e;
        for (size_t i = 0; i < n; i++)
            e.slots[k].c[i].fd = -1;
    }
    for (size_t k = 0; k < e.nslots && !e.exhausted; k++) {
        struct slot *sl = &e.slots[k];
        if (!next(arg, &sl->s, &sl->tag)) {
            e.exhausted = true;
            break;
        }
        sl->busy = true;
        e.busy++;
        for (size_t i = 0; i < n; i++)
            conn_start(&e, sl, i);
    }
    int rc = 0;
    if (e.busy > 0 || !e.exhausted)
        rc = net_loop_run(e.loop);
    if (rc != 0)
        snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
    for (size_t k = 0; k < e.nslots; k++)
        for (size_t i = 0; i < n; i++) {
            if (e.slots[k].c[i].fd >= 0)
                close(e.slots[k].c[i].fd);
            byte_buf_free(&e.slots[k].raw[i].in);
        }
    net_loop_destroy(e.loop);
    free(e.slots);
    return rc;
}
