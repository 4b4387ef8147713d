/* ph-chao send: one request, then wait for its reply (docs/chao.md).
 *
 * The request is built and encoded by the core; each try sends it and waits up to
 * --timeout ms for a frame that answers it: a native reply or error with our seq sent to
 * us (or to a group), a bare frame that is not our own, a datagram from the server's
 * address with our seq. Everything else is ignored, our own outgoing frames first. */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/net_loop.h"
#include "net/net_packet.h"
#include "net/net_udp.h"
#include "ph_chao.h"

#define SEND_MAX_FRAME (CHAO_MAX_FRAME + 64)

struct sender {
    const struct chao_opts *opts;
    int fd;
    struct net_link link;           /* raw */
    struct sockaddr_storage server; /* UDP */
    socklen_t server_len;
    uint16_t seq;
    uint8_t tx[SEND_MAX_FRAME];
    size_t tx_len;
    uint8_t rx[SEND_MAX_FRAME];
};

enum verdict {
    NOT_OURS = 0,
    GOT_REPLY,
    GOT_ERROR,
};

/* A sequence number nobody else on the link is likely to be waiting for. */
static uint16_t fresh_seq(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint16_t)((unsigned)getpid() * 2654435761u ^ (unsigned)ts.tv_nsec);
}

static bool is_group(const uint8_t mac[CHAO_MAC_LEN])
{
    return mac[0] & 1;
}

/* ---- the request ------------------------------------------------------------------------------ */

/* Checks the message against what the link can carry, then encodes the request. */
static int build_request(struct sender *s, char *err, size_t errlen)
{
    const struct chao_opts *o = s->opts;
    size_t len = strlen(o->message);
    enum chao_framing framing = o->udp != NULL ? CHAO_FRAMING_DATAGRAM
                                : o->bare      ? CHAO_FRAMING_BARE
                                               : CHAO_FRAMING_NATIVE;
    if (framing == CHAO_FRAMING_BARE && CHAO_MAGIC_LEN + len < CHAO_ETH_HEADER_LEN) {
        /* packet(7) refuses frames shorter than the link header (dev_validate_header). */
        snprintf(err, errlen,
                 "a bare message needs at least %d bytes: the frame must hold an "
                 "Ethernet header",
                 CHAO_ETH_HEADER_LEN - CHAO_MAGIC_LEN);
        return -1;
    }
    if (o->iface != NULL) {
        /* the MTU counts what follows the Ethernet header and tags */
        size_t payload = framing == CHAO_FRAMING_BARE ? CHAO_MAGIC_LEN + len - CHAO_ETH_HEADER_LEN
                                                      : CHAO_HEADER_LEN + len;
        if (payload > s->link.mtu) {
            snprintf(err, errlen, "message too long for %s (mtu %u): at most %u bytes", o->iface,
                     s->link.mtu,
                     framing == CHAO_FRAMING_BARE ? s->link.mtu + 10 : s->link.mtu - 10);
            return -1;
        }
    } else if (len > CHAO_MAX_BODY) {
        snprintf(err, errlen, "message too long: at most %d bytes", CHAO_MAX_BODY);
        return -1;
    }
    struct chao_frame f;
    chao_frame_request(&f, framing, o->to, s->link.mac, o->vids, o->num_vids, s->seq,
                       (struct ph_slice){(const uint8_t *)o->message, len});
    f.type = framing == CHAO_FRAMING_BARE ? CHAO_TYPE_NONE : o->type;
    if (framing == CHAO_FRAMING_NATIVE)
        chao_pad_to_minimum(&f); /* as a NIC would: the same frame on any link */
    struct chao_encode_result res;
    if (chao_encode_frame(&f, s->tx, sizeof(s->tx), &res) != PH_OK) {
        snprintf(err, errlen, "cannot encode the request: %s", chao_strerror(res.error));
        return -1;
    }
    s->tx_len = res.written;
    return 0;
}

/* ---- the reply --------------------------------------------------------------------------------- */

static enum verdict judge(const struct sender *s, enum ph_status st, const struct chao_frame *f)
{
    if (st != PH_OK)
        return NOT_OURS;
    if (f->framing == CHAO_FRAMING_BARE)
        return s->opts->bare ? GOT_REPLY : NOT_OURS;
    if (s->opts->bare || f->seq != s->seq)
        return NOT_OURS;
    if (f->framing == CHAO_FRAMING_NATIVE && !is_group(f->dst) &&
        memcmp(f->dst, s->link.mac, CHAO_MAC_LEN) != 0)
        return NOT_OURS;
    if (f->type == CHAO_TYPE_REPLY)
        return GOT_REPLY;
    return f->type == CHAO_TYPE_ERROR ? GOT_ERROR : NOT_OURS;
}

static int report(const struct sender *s, enum verdict v, const struct chao_frame *f)
{
    if (v == GOT_ERROR) {
        fprintf(stderr, "ph-chao send: error reply to seq %u: %.*s\n", s->seq, (int)f->body.len,
                (const char *)f->body.ptr);
        return CHAO_EXIT_ERROR_REPLY;
    }
    fwrite(f->body.ptr, 1, f->body.len, stdout);
    putchar('\n');
    return fflush(stdout) == 0 ? CHAO_EXIT_OK : CHAO_EXIT_FAIL;
}

/* Reads whatever is waiting. Returns an exit status when an answer came, -1 when not (yet),
 * -2 on a socket error (in err). */
static int read_answers(struct sender *s, char *err)
{
    for (;;) {
        struct chao_frame f;
        enum ph_status st;
        ssize_t n;
        if (s->opts->udp != NULL) {
            struct sockaddr_storage from;
            socklen_t fromlen;
            n = net_udp_recv(s->fd, s->rx, sizeof(s->rx), &from, &fromlen, err);
            if (n < 0)
                break;
            if (fromlen != s->server_len || memcmp(&from, &s->server, fromlen) != 0)
                continue; /* RFC 768 has no session: anyone may send us a datagram */
            size_t len = (size_t)n < sizeof(s->rx) ? (size_t)n : sizeof(s->rx);
            st = chao_decode_datagram(s->rx, len, &f);
        } else {
            struct net_frame_info info;
            n = net_packet_recv(s->fd, s->rx, sizeof(s->rx), &info, err);
            if (n < 0)
                break;
            /* our own request comes back on ETH_P_ALL, and a bare one starts with CHAO */
            if (info.pkttype == PACKET_OUTGOING)
                continue;
            st = chao_decode_frame(s->rx, (size_t)n, &f);
        }
        enum verdict v = judge(s, st, &f);
        if (v != NOT_OURS)
            return report(s, v, &f);
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
}

static int send_request(struct sender *s, char *err)
{
    if (s->opts->udp != NULL)
        return net_udp_send(s->fd, s->tx, s->tx_len, &s->server, s->server_len, err);
    return net_packet_send(s->fd, s->link.ifindex, s->tx, s->tx_len, err);
}

/* Sends, waits, resends: 1 + retries tries of timeout_ms each. */
static int exchange(struct sender *s, char *err)
{
    const struct chao_opts *o = s->opts;
    for (int attempt = 0; attempt <= o->retries; attempt++) {
        if (send_request(s, err) != 0)
            return -2;
        if (o->no_wait)
            return CHAO_EXIT_OK;
        uint64_t deadline = net_now_ms() + (uint64_t)o->timeout_ms;
        for (uint64_t now = net_now_ms(); now < deadline; now = net_now_ms()) {
            int ready = net_wait_readable(s->fd, (int)(deadline - now), err);
            if (ready < 0)
                return -2;
            if (ready == 0)
                break;
            int rc = read_answers(s, err);
            if (rc != -1)
                return rc;
        }
    }
    fprintf(stderr, "ph-chao send: no reply to seq %u after %d tries of %d ms\n", s->seq,
            o->retries + 1, o->timeout_ms);
    return CHAO_EXIT_NO_REPLY;
}

static int open_transport(struct sender *s, char *err)
{
    const struct chao_opts *o = s->opts;
    if (o->udp != NULL) {
        if (net_udp_address(o->udp, &s->server, &s->server_len, err) != 0)
            return -1;
        s->fd = net_udp_socket(&s->server, s->server_len, false, err);
        return s->fd < 0 ? -1 : 0;
    }
    s->fd = net_packet_open(o->iface, &s->link, err);
    if (s->fd < 0)
        return -1;
    return chao_filter_socket(s->fd, err);
}

int chao_send(const struct chao_opts *opts)
{
    static struct sender s; /* frame buffers: keep them off the stack */
    char err[NET_ERR_LEN];
    s.opts = opts;
    s.fd = -1;
    s.seq = opts->seq_set ? opts->seq : fresh_seq();
    if (open_transport(&s, err) != 0) {
        fprintf(stderr, "ph-chao send: %s\n", err);
        if (s.fd >= 0)
            close(s.fd);
        return CHAO_EXIT_FAIL;
    }
    if (build_request(&s, err, sizeof(err)) != 0) {
        fprintf(stderr, "ph-chao send: %s\n", err);
        close(s.fd);
        return CHAO_EXIT_USAGE;
    }
    int rc = exchange(&s, err);
    if (rc == -2) {
        fprintf(stderr, "ph-chao send: %s\n", err);
        rc = CHAO_EXIT_FAIL;
    }
    close(s.fd);
    return rc;
}
