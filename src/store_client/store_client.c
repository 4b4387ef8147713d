#include "store_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net_loop.h"
#include "net/net_socket.h"

struct store_client {
    int fd; /* -1 while a fire-and-forget client waits to reconnect */
    bool nowait;
    char *path;
    uid_t expected_uid;
    uint64_t last_attempt_ms; /* the last reconnection attempt */
    uint32_t next_seq;
    uint64_t sent, acked, dropped;
    uint8_t *pkt; /* one encoded case */
    size_t pkt_cap;
    uint8_t ack_buf[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
};

/* Connects c->fd and checks who serves it. Returns 0, or -1 with err set and no fd. */
static int open_connection(struct store_client *c, char *err)
{
    c->fd = net_unix_connect(c->path, SOCK_SEQPACKET, c->nowait, err);
    if (c->fd < 0)
        return -1;
    uid_t uid;
    if (net_peer_uid(c->fd, &uid, NULL, err) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    if (uid != c->expected_uid) {
        snprintf(err, NET_ERR_LEN, "%s: the daemon runs as uid %ld, not %ld: refusing to send",
                 c->path, (long)uid, (long)c->expected_uid);
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    /* A Unix datagram larger than the sender's buffer fails with EMSGSIZE: make room for
     * the largest case (beyond net.core.wmem_max only root can). */
    net_set_sndbuf(c->fd, (int)(2 * c->pkt_cap + 4096), NULL);
    return 0;
}

struct store_client *store_client_connect(const char *path, uid_t expected_uid, bool nowait,
                                          size_t max_case, char *err)
{
    struct store_client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, NET_ERR_LEN, "out of memory");
        return NULL;
    }
    c->fd = -1;
    c->nowait = nowait;
    c->expected_uid = expected_uid;
    c->pkt_cap = store_case_size(STORE_MAX_TARGET_LEN, max_case);
    c->pkt = malloc(c->pkt_cap);
    c->path = strdup(path);
    if (c->pkt == NULL || c->path == NULL) {
        snprintf(err, NET_ERR_LEN, "out of memory");
        store_client_close(c);
        return NULL;
    }
    if (open_connection(c, err) != 0) {
        store_client_close(c);
        return NULL;
    }
    c->last_attempt_ms = net_now_ms();
    return c;
}

void store_client_close(struct store_client *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->pkt);
    free(c->path);
    free(c);
}

/* Reads ack packets; waits for one when block. Returns 0, or -1 with err set. */
static int read_acks(struct store_client *c, bool block, store_client_ack_fn *fn, void *arg,
                     char *err)
{
    for (;;) {
        if (block) {
            struct pollfd p = {.fd = c->fd, .events = POLLIN};
            if (poll(&p, 1, -1) < 0 && errno != EINTR) {
                snprintf(err, NET_ERR_LEN, "poll: %s", strerror(errno));
                return -1;
            }
        }
        bool eof;
        ssize_t n = net_recv_packet(c->fd, c->ack_buf, sizeof(c->ack_buf), &eof);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (block)
                continue;
            return 0;
        }
        if (n <= 0) {
            snprintf(err, NET_ERR_LEN, "store daemon: %s",
                     eof || n == 0 ? "closed the connection" : strerror(errno));
            return -1;
        }
        struct store_ack ack;
        if ((size_t)n > sizeof(c->ack_buf) ||
            store_ack_decode(c->ack_buf, (size_t)n, &ack) != PH_OK) {
            snprintf(err, NET_ERR_LEN, "store daemon: malformed ack");
            return -1;
        }
        for (size_t i = 0; i < ack.nruns; i++) {
            c->acked += ack.runs[i].count;
            if (fn != NULL)
                fn(arg, &ack.runs[i]);
        }
        block = false; /* got one: take what else is there without waiting */
    }
}

int store_client_send(struct store_client *c, const char *target, enum store_kind kind,
                      const uint8_t *data, size_t len, uint32_t *seq, store_client_ack_fn *fn,
                      void *arg, char *err)
{
    size_t n = store_case_encode(c->next_seq, kind, target, data, len, c->pkt, c->pkt_cap);
    if (n == 0) {
        snprintf(err, NET_ERR_LEN, "case not sent: invalid target name or larger than %zu bytes",
                 c->pkt_cap - STORE_CASE_HEADER_LEN - strlen(target));
        return -1;
    }
    while (c->sent - c->acked >= STORE_CLIENT_WINDOW) {
        if (read_acks(c, true, fn, arg, err) != 0)
            return -1;
    }
    if (net_send_packet(c->fd, c->pkt, n, true) != 0) {
        snprintf(err, NET_ERR_LEN, "send: %s", strerror(errno));
        return -1;
    }
    *seq = c->next_seq++;
    c->sent++;
    /* Acks come in runs: looking for them after every send mostly finds none and costs a
     * system call per case; every STORE_CLIENT_ACK_POLL sends is enough to keep the
     * window open (a full window reads them anyway). */
    if (c->sent % STORE_CLIENT_ACK_POLL != 0)
        return 0;
    return read_acks(c, false, fn, arg, err);
}

int store_client_drain(struct store_client *c, store_client_ack_fn *fn, void *arg, char *err)
{
    while (c->acked < c->sent) {
        if (read_acks(c, true, fn, arg, err) != 0)
            return -1;
    }
    return 0;
}

/* The daemon went away (restarted, say): drop the connection; the next sends try again. */
static void lose_connection(struct store_client *c)
{
    close(c->fd);
    c->fd = -1;
}

bool store_client_send_nowait(struct store_client *c, const char *target, enum store_kind kind,
                              const uint8_t *data, size_t len)
{
    char err[NET_ERR_LEN];
    if (c->fd < 0) {
        /* At most one attempt per interval: a daemon that stays away must not cost the
         * hot loop a connect per case. */
        uint64_t now = net_now_ms();
        if (now - c->last_attempt_ms < STORE_CLIENT_RECONNECT_MS) {
            c->dropped++;
            return false;
        }
        c->last_attempt_ms = now;
        if (open_connection(c, err) != 0) {
            c->dropped++;
            return false;
        }
    }
    if (c->sent % STORE_CLIENT_ACK_POLL == 0 && read_acks(c, false, NULL, NULL, err) != 0)
        lose_connection(c);
    size_t n = store_case_encode(c->next_seq, kind, target, data, len, c->pkt, c->pkt_cap);
    if (n == 0 || c->fd < 0 || net_send_packet(c->fd, c->pkt, n, false) != 0) {
        if (c->fd >= 0 && n != 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
            lose_connection(c);
        c->dropped++;
        return false;
    }
    c->next_seq++;
    c->sent++;
    return true;
}

uint64_t store_client_dropped(const struct store_client *c)
{
    return c->dropped;
}

int store_client_send_raw(struct store_client *c, const uint8_t *data, size_t len, char *err)
{
    if (net_send_packet(c->fd, data, len, true) != 0) {
        snprintf(err, NET_ERR_LEN, "send: %s", strerror(errno));
        return -1;
    }
    return 0;
}
