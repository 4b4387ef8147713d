/* ph-chao capture: every frame an interface sees, both directions, into a pcap written by
 * libpcap, VLAN tags back in place (like tcpdump -w). --chao-only attaches the CHAO filter.
 * Each frame is flushed as it is written, so a file is complete whenever capture stops. */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/net_loop.h"
#include "net/net_packet.h"
#include "ph_chao.h"

#define CAPTURE_SNAPLEN 262144 /* tcpdump's default: whole frames */

struct capturer {
    const struct chao_opts *opts;
    int fd;
    pcap_t *dead; /* a pcap handle for writing only */
    pcap_dumper_t *dumper;
    long frames;
    uint8_t buf[CAPTURE_SNAPLEN];
};

static void on_readable(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct capturer *c = arg;
    char err[NET_ERR_LEN];
    struct net_frame_info info;
    ssize_t n;
    while ((n = net_packet_recv(fd, c->buf, sizeof(c->buf), &info, err)) >= 0) {
        struct pcap_pkthdr hdr;
        gettimeofday(&hdr.ts, NULL);
        hdr.caplen = (bpf_u_int32)n;
        hdr.len = (bpf_u_int32)info.wire_len;
        pcap_dump((u_char *)c->dumper, &hdr, c->buf);
        pcap_dump_flush(c->dumper);
        if (++c->frames == c->opts->count) {
            net_loop_stop(loop);
            return;
        }
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fprintf(stderr, "ph-chao capture: %s\n", err);
        net_loop_stop(loop);
    }
}

static void on_stop_signal(struct net_loop *loop, int signo, void *arg)
{
    (void)signo;
    (void)arg;
    net_loop_stop(loop);
}

static int open_capture(struct capturer *c, char *err)
{
    struct net_link link;
    c->fd = net_packet_open(c->opts->iface, &link, err);
    if (c->fd < 0)
        return -1;
    if (c->opts->chao_only && chao_filter_socket(c->fd, err) != 0)
        return -1;
    c->dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
    if (c->dead == NULL) {
        snprintf(err, NET_ERR_LEN, "pcap_open_dead: out of memory");
        return -1;
    }
    c->dumper = pcap_dump_open(c->dead, c->opts->write_path);
    if (c->dumper == NULL) {
        snprintf(err, NET_ERR_LEN, "%s", pcap_geterr(c->dead));
        return -1;
    }
    return 0;
}

static void close_capture(struct capturer *c)
{
    if (c->dumper != NULL)
        pcap_dump_close(c->dumper);
    if (c->dead != NULL)
        pcap_close(c->dead);
    if (c->fd >= 0)
        close(c->fd);
}

int chao_capture(const struct chao_opts *opts)
{
    static struct capturer c; /* the frame buffer: keep it off the stack */
    char err[NET_ERR_LEN];
    c.opts = opts;
    c.fd = -1;
    struct net_loop *loop = net_loop_create(err, sizeof(err));
    if (loop == NULL || open_capture(&c, err) != 0) {
        fprintf(stderr, "ph-chao capture: %s\n", err);
        close_capture(&c);
        net_loop_destroy(loop);
        return CHAO_EXIT_FAIL;
    }
    if (net_loop_watch(loop, c.fd, NET_READABLE, on_readable, &c) != 0 ||
        net_loop_on_signal(loop, SIGINT, on_stop_signal, NULL) != 0 ||
        net_loop_on_signal(loop, SIGTERM, on_stop_signal, NULL) != 0) {
        fprintf(stderr, "ph-chao capture: event loop: %s\n", strerror(errno));
        close_capture(&c);
        net_loop_destroy(loop);
        return CHAO_EXIT_FAIL;
    }
    fprintf(stderr, "ph-chao capture: listening on %s, writing %s\n", opts->iface,
            opts->write_path);
    int rc = net_loop_run(loop) == 0 ? CHAO_EXIT_OK : CHAO_EXIT_FAIL;
    fprintf(stderr, "ph-chao capture: %ld frames\n", c.frames);
    net_loop_unwatch(loop, c.fd);
    close_capture(&c);
    net_loop_destroy(loop);
    return rc;
}
