/*
 * ph-bench-chao: the two halves of ci/bench.sh chao.
 *
 *   ph-bench-chao decode [--seconds S]
 *       frames/s of the pure core: chao_decode_frame over a 60-byte native request, a
 *       one-tag request and a bare request, round robin. One line: "decode frames_per_s=N".
 *   ph-bench-chao flood --iface IF --seconds S [--rate FRAMES_PER_S]
 *       sends minimum-size native CHAO requests on IF (64 per sendmmsg) as fast as one
 *       core can, or at --rate, for S seconds, and prints "flood sent=N frames_per_s=N". The server under test counts
 *       what it receives (ph-chao serve --seconds prints it, with the kernel's drops).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chao/chao.h"
#include "net/net_packet.h"
#include "net/net_socket.h"
#include "util/cli_num.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A native request from src to the broadcast address, tagged when vid >= 0, padded to
 * the 60-byte Ethernet minimum. Returns its length. */
static size_t make_request(uint8_t *out, size_t cap, const uint8_t src[CHAO_MAC_LEN], int vid,
                           uint16_t seq)
{
    static const uint8_t body[] = "bench";
    struct chao_frame f;
    memset(&f, 0, sizeof(f));
    f.framing = CHAO_FRAMING_NATIVE;
    f.has_ethernet = true;
    memset(f.dst, 0xff, CHAO_MAC_LEN);
    memcpy(f.src, src, CHAO_MAC_LEN);
    if (vid >= 0) {
        f.vlan[0].tpid = 0x8100;
        f.vlan[0].vid = (uint16_t)vid;
        f.num_vlan = 1;
    }
    f.ethertype = CHAO_ETHERTYPE;
    f.version = CHAO_VERSION;
    f.type = CHAO_TYPE_REQUEST;
    f.seq = seq;
    f.body = (struct ph_slice){body, sizeof(body) - 1};
    chao_pad_to_minimum(&f);
    struct chao_encode_result res;
    if (chao_encode_frame(&f, out, cap, &res) != PH_OK) {
        fprintf(stderr, "ph-bench-chao: encode: %s\n", chao_strerror(res.error));
        exit(1);
    }
    return res.written;
}

static int cmd_decode(double seconds)
{
    static const uint8_t src[CHAO_MAC_LEN] = {0x02, 0, 0, 0, 0, 0x01};
    uint8_t frames[3][128];
    size_t lens[3];
    lens[0] = make_request(frames[0], sizeof(frames[0]), src, -1, 1);
    lens[1] = make_request(frames[1], sizeof(frames[1]), src, 100, 2);
    static const char bare[] = "CHAOHello, custom chao protocol!";
    memcpy(frames[2], bare, sizeof(bare) - 1);
    lens[2] = sizeof(bare) - 1;

    volatile size_t sink = 0;
    uint64_t n = 0;
    double start = now_s(), end = start + seconds;
    while (now_s() < end) {
        for (int i = 0; i < 100000; i++) {
            struct chao_frame f;
            int k = i % 3;
            if (chao_decode_frame(frames[k], lens[k], &f) == PH_OK)
                sink += f.body.len;
        }
        n += 100000;
    }
    double took = now_s() - start;
    printf("decode frames_per_s=%.0f\n", (double)n / took);
    return sink == 0;
}

static int cmd_flood(const char *iface, double seconds, double rate)
{
    char err[NET_ERR_LEN];
    struct net_link link;
    int fd = net_packet_open(iface, &link, err);
    if (fd < 0) {
        fprintf(stderr, "ph-bench-chao: %s\n", err);
        return 1;
    }
    /* One frame, encoded once: the sender's cost should be the send, not the encode. */
    uint8_t frame[128];
    size_t len = make_request(frame, sizeof(frame), link.mac, -1, 1);
    uint64_t sent = 0, failed = 0;
    double start = now_s(), end = start + seconds;
    for (double t = start; t < end; t = now_s()) {
        /* --rate: stay on the line sent = rate * elapsed, in batches of 64 */
        if (rate > 0 && (double)sent >= rate * (t - start)) {
            struct timespec pause = {0, 20000};
            nanosleep(&pause, NULL);
            continue;
        }
        int n = net_packet_send_repeat(fd, link.ifindex, frame, len, 64, err);
        if (n > 0)
            sent += (uint64_t)n;
        else
            failed++; /* ENOBUFS when the queue is full: try again */
    }
    double took = now_s() - start;
    close(fd);
    printf("flood sent=%llu failed=%llu frames_per_s=%.0f\n", (unsigned long long)sent,
           (unsigned long long)failed, (double)sent / took);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 1.0, rate = 0;
    const char *iface = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        bool ok = true;
        if (strcmp(argv[i], "--seconds") == 0)
            ok = cli_parse_double(argv[i + 1], 1e-3, 1e6, &seconds);
        else if (strcmp(argv[i], "--iface") == 0)
            iface = argv[i + 1];
        else if (strcmp(argv[i], "--rate") == 0)
            ok = cli_parse_double(argv[i + 1], 0, 1e9, &rate);
        else
            ok = false;
        if (!ok)
            argc = 0; /* a bad flag or value: fall through to the usage line */
    }
    if (argc >= 2 && strcmp(argv[1], "decode") == 0)
        return cmd_decode(seconds);
    if (argc >= 2 && strcmp(argv[1], "flood") == 0 && iface != NULL)
        return cmd_flood(iface, seconds, rate);
    fprintf(stderr, "usage: ph-bench-chao decode [--seconds S] | flood --iface IF --seconds S "
                    "[--rate R]\n");
    return 64;
}
