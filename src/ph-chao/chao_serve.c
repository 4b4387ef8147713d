/* ph-chao serve: answers CHAO requests on a raw interface or a UDP port.
 *
 * Every frame goes through the pure core: chao_decode_frame (or _datagram), then
 * chao_answer decides, and the token bucket (chao_limiter) caps how often. On an
 * interface, a classic BPF filter drops non-CHAO frames in the kernel, frames arrive
 * through a TPACKET_V3 ring (or, --no-ring, one recvmsg each), and the server's own
 * outgoing frames (PACKET_OUTGOING) are never answered. */
#include <errno.h>
#include <linux/if_packet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/net_loop.h"
#include "net/net_addr.h"
#include "net/net_packet.h"
#include "net/net_udp.h"
#include "ph_chao.h"
#include "store_client/store_client.h"
#include "util/byte_buf.h"
#include "util/daemon_log.h"
#include "util/json_writer.h"

/* The fuzz target whose corpus received frames feed (it decodes both framings and the
 * UDP form). */
#define SERVE_RECORD_TARGET "chao_frame"

/* Ring geometry: 64 blocks of 128 KiB hold about 100 000 minimum-size frames, enough to
 * ride out a burst; a block is handed over after 10 ms even when not full. */
#define SERVE_RING_BLOCK_SIZE (128 * 1024)
#define SERVE_RING_BLOCKS 64
#define SERVE_RING_RETIRE_MS 10
#define SERVE_MAX_FRAME (CHAO_MAX_FRAME + 64)
#define SERVE_STATS_MS 1000

struct server {
    const struct chao_opts *opts;
    struct net_loop *loop;
    int fd;
    struct net_ring *ring; /* NULL: recvmsg loop or UDP */
    struct net_link link;
    struct chao_limiter limiter;
    uint64_t started_ms;
    struct store_client *record; /* --record: NULL when off or the store was not there */

    /* what --seconds and the exit summary report */
    uint64_t frames, own, decoded, answered, silent, limited, send_errors;
    uint64_t kernel_seen, kernel_drops;

    uint8_t rx[SERVE_MAX_FRAME];
    uint8_t tx[SERVE_MAX_FRAME];
};

static void print_answer(const struct server *s, const struct chao_frame *in,
                         const struct chao_frame *out, const char *peer)
{
    if (s->opts->quiet)
        return;
    char from[18];
    chao_format_mac(in->src, from);
    if (in->framing == CHAO_FRAMING_BARE) {
        printf("bare request (%zu bytes): %.*s -> bare reply\n", in->body.len, (int)in->body.len,
               (const char *)in->body.ptr);
    } else {
        printf("%s %s seq %u from %s", chao_framing_name(in->framing),
               in->error ? chao_error_name(in->error) : chao_type_name(in->type), in->seq,
               peer != NULL ? peer : from);
        for (size_t i = 0; i < in->num_vlan; i++)
            printf("%s%u", i ? "," : " vlan ", in->vlan[i].vid);
        printf(" (%zu bytes) -> %s\n", in->body.len, chao_type_name(out->type));
    }
    fflush(stdout);
}

/* Decides, rate-limits and encodes the answer to a decoded frame. Returns the bytes to
 * send, or 0 for none. */
static size_t answer(struct server *s, enum ph_status st, const struct chao_frame *in,
                     const char *peer)
{
    struct chao_frame out;
    if (st == PH_OK)
        s->decoded++;
    if (!chao_answer(st, in, s->link.mac, &out)) {
        s->silent++;
        return 0;
    }
    if (!chao_limiter_allow(&s->limiter, net_now_ms())) {
        s->limited++;
        return 0;
    }
    if (out.framing == CHAO_FRAMING_NATIVE)
        chao_pad_to_minimum(&out);
    struct chao_encode_result res;
    if (chao_encode_frame(&out, s->tx, sizeof(s->tx), &res) != PH_OK) {
        s->send_errors++;
        return 0;
    }
    print_answer(s, in, &out, peer);
    return res.written;
}

/* Real traffic becomes seed corpus: each received frame goes to the store, without ever
 * waiting for it (a busy store costs a dropped copy, counted, never a late answer). */
static void record_frame(struct server *s, const uint8_t *frame, size_t len)
{
    if (s->record != NULL && len > 0)
        store_client_send_nowait(s->record, SERVE_RECORD_TARGET, STORE_KIND_QUEUE, frame, len);
}

/* ---- raw interface -------------------------------------------------------------------------- */

static void on_frame(const uint8_t *frame, size_t len, const struct net_frame_info *info, void *arg)
{
    struct server *s = arg;
    s->frames++;
    /* A server on ETH_P_ALL sees what it sends: its own replies start with "CHAO" too. */
    if (info->pkttype == PACKET_OUTGOING) {
        s->own++;
        return;
    }
    record_frame(s, frame, len);
    struct chao_frame in;
    enum ph_status st = chao_decode_frame(frame, len, &in);
    size_t n = answer(s, st, &in, NULL);
    if (n == 0)
        return;
    char err[NET_ERR_LEN];
    if (net_packet_send(s->fd, s->link.ifindex, s->tx, n, err) != 0) {
        s->send_errors++;
        fprintf(stderr, "ph-chao serve: %s\n", err);
        return;
    }
    s->answered++;
}

static void on_readable(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct server *s = arg;
    if (s->ring != NULL) {
        net_ring_drain(s->ring, on_frame, s);
        return;
    }
    char err[NET_ERR_LEN];
    struct net_frame_info info;
    ssize_t n;
    while ((n = net_packet_recv(fd, s->rx, sizeof(s->rx), &info, err)) >= 0)
        on_frame(s->rx, (size_t)n, &info, s);
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fprintf(stderr, "ph-chao serve: %s\n", err);
        net_loop_stop(loop);
    }
}

/* ---- UDP ------------------------------------------------------------------------------------- */

static void on_datagram(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct server *s = arg;
    char err[NET_ERR_LEN];
    struct sockaddr_storage from;
    socklen_t fromlen;
    ssize_t n;
    while ((n = net_udp_recv(fd, s->rx, sizeof(s->rx), &from, &fromlen, err)) >= 0) {
        s->frames++;
        size_t len = (size_t)n < sizeof(s->rx) ? (size_t)n : sizeof(s->rx);
        record_frame(s, s->rx, len);
        struct chao_frame in;
        enum ph_status st = chao_decode_datagram(s->rx, len, &in);
        char peer[64];
        net_format_address(&from, peer, sizeof(peer));
        size_t out = answer(s, st, &in, peer);
        if (out == 0)
            continue;
        if (net_udp_send(fd, s->tx, out, &from, fromlen, err) != 0) {
            s->send_errors++;
            fprintf(stderr, "ph-chao serve: %s\n", err);
            continue;
        }
        s->answered++;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fprintf(stderr, "ph-chao serve: %s\n", err);
        net_loop_stop(loop);
    }
}

/* ---- wiring ------------------------------------------------------------------------------------ */

static void on_stop_signal(struct net_loop *loop, int signo, void *arg)
{
    (void)signo;
    (void)arg;
    net_loop_stop(loop);
}

static void on_tick(struct net_loop *loop, void *arg)
{
    struct server *s = arg;
    if (s->opts->seconds > 0 && (double)(net_now_ms() - s->started_ms) >= s->opts->seconds * 1000.0)
        net_loop_stop(loop);
}

static int open_transport(struct server *s, char *err)
{
    const struct chao_opts *o = s->opts;
    if (o->udp != NULL) {
        struct sockaddr_storage sa;
        socklen_t salen;
        if (net_udp_address(o->udp, &sa, &salen, err) != 0)
            return -1;
        s->fd = net_udp_socket(&sa, salen, true, err);
        return s->fd < 0 ? -1 : 0;
    }
    if (!o->no_ring) {
        s->ring = net_ring_open(o->iface, SERVE_RING_BLOCK_SIZE, SERVE_RING_BLOCKS,
                                SERVE_RING_RETIRE_MS, &s->link, err);
        if (s->ring == NULL)
            return -1;
        s->fd = net_ring_fd(s->ring);
    } else {
        s->fd = net_packet_open(o->iface, &s->link, err);
        if (s->fd < 0)
            return -1;
    }
    return chao_filter_socket(s->fd, err);
}

static void print_summary(struct server *s)
{
    double secs = (double)(net_now_ms() - s->started_ms) / 1000.0;
    fprintf(stderr,
            "ph-chao serve: %.2f s, %llu frames (%.0f/s), %llu own, %llu decoded, %llu answered, "
            "%llu silent, %llu rate-limited, %llu send errors",
            secs, (unsigned long long)s->frames, secs > 0 ? (double)s->frames / secs : 0.0,
            (unsigned long long)s->own, (unsigned long long)s->decoded,
            (unsigned long long)s->answered, (unsigned long long)s->silent,
            (unsigned long long)s->limited, (unsigned long long)s->send_errors);
    char err[NET_ERR_LEN];
    if (s->opts->udp == NULL &&
        net_packet_stats(s->fd, &s->kernel_seen, &s->kernel_drops, err) == 0)
        fprintf(stderr, "; kernel: %llu seen, %llu dropped", (unsigned long long)s->kernel_seen,
                (unsigned long long)s->kernel_drops);
    if (s->record != NULL)
        fprintf(stderr, "; recorded to the store: %llu dropped",
                (unsigned long long)store_client_dropped(s->record));
    fputc('\n', stderr);
}

/* The --status-file object (docs/chao.md): where it listens and the counters print_summary
 * logs, so scripts wait for "ready" instead of a log line. */
static void write_status(const struct server *s, const char *state, const char *mac)
{
    if (s->opts->status_file == NULL)
        return;
    struct byte_buf b = {0};
    daemon_status_begin(&b, state);
    if (s->opts->udp != NULL) {
        byte_buf_puts(&b, ",\"udp\":");
        json_buf_string(&b, s->opts->udp);
    } else {
        byte_buf_puts(&b, ",\"iface\":");
        json_buf_string(&b, s->opts->iface);
        byte_buf_puts(&b, ",\"mac\":");
        json_buf_string(&b, mac);
        byte_buf_printf(&b, ",\"mtu\":%u,\"ring\":%s", s->link.mtu,
                        s->ring != NULL ? "true" : "false");
    }
    byte_buf_printf(&b,
                    ",\"stats\":{\"frames\":%llu,\"own\":%llu,\"decoded\":%llu,"
                    "\"answered\":%llu,\"silent\":%llu,\"rate_limited\":%llu,"
                    "\"send_errors\":%llu}",
                    (unsigned long long)s->frames, (unsigned long long)s->own,
                    (unsigned long long)s->decoded, (unsigned long long)s->answered,
                    (unsigned long long)s->silent, (unsigned long long)s->limited,
                    (unsigned long long)s->send_errors);
    daemon_status_write(s->opts->status_file, &b);
    byte_buf_free(&b);
}

int chao_serve(const struct chao_opts *opts)
{
    static struct server s; /* two frame buffers: keep them off the stack */
    char err[NET_ERR_LEN];
    daemon_log_init("ph-chao");
    s.opts = opts;
    s.fd = -1;
    s.loop = net_loop_create(err, sizeof(err));
    if (s.loop == NULL || open_transport(&s, err) != 0) {
        fprintf(stderr, "ph-chao serve: %s\n", err);
        net_ring_close(s.ring);
        net_loop_destroy(s.loop);
        return CHAO_EXIT_FAIL;
    }
    net_fd_fn *fn = opts->udp != NULL ? on_datagram : on_readable;
    if (net_loop_watch(s.loop, s.fd, NET_READABLE, fn, &s) != 0 ||
        net_loop_on_signal(s.loop, SIGINT, on_stop_signal, NULL) != 0 ||
        net_loop_on_signal(s.loop, SIGTERM, on_stop_signal, NULL) != 0 ||
        net_loop_every(s.loop, 100, on_tick, &s) != 0) {
        fprintf(stderr, "ph-chao serve: event loop: %s\n", strerror(errno));
        return CHAO_EXIT_FAIL;
    }
    if (opts->record != NULL) {
        /* Recording is a side job: without a store the server still serves. */
        char rerr[NET_ERR_LEN];
        s.record = store_client_connect(opts->record, geteuid(), true, SERVE_MAX_FRAME, rerr);
        if (s.record == NULL)
            fprintf(stderr, "ph-chao serve: --record: %s: not recording\n", rerr);
    }
    s.started_ms = net_now_ms();
    chao_limiter_init(&s.limiter, CHAO_REPLY_RATE, CHAO_REPLY_BURST, s.started_ms);
    char mac[18];
    chao_format_mac(s.link.mac, mac);
    /* The status file before the log line: whoever waits for either then finds both. */
    write_status(&s, "ready", mac);
    if (opts->udp != NULL)
        fprintf(stderr, "ph-chao serve: listening on udp %s\n", opts->udp);
    else
        fprintf(stderr, "ph-chao serve: listening on %s (%s, mtu %u, %s)\n", opts->iface, mac,
                s.link.mtu, s.ring != NULL ? "TPACKET_V3 ring" : "recvmsg");
    int rc = net_loop_run(s.loop) == 0 ? CHAO_EXIT_OK : CHAO_EXIT_FAIL;
    print_summary(&s);
    write_status(&s, "stopped", mac);
    net_loop_unwatch(s.loop, s.fd);
    if (s.ring != NULL)
        net_ring_close(s.ring);
    else
        close(s.fd);
    net_loop_destroy(s.loop);
    store_client_close(s.record);
    return rc;
}
