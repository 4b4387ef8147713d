/*
 * ph-bench-session: the socket side of ci/bench.sh session. Replays the client bytes of
 * httpd_session fuzz scripts (harness/fuzz_httpd_session.c: the data events, in order)
 * to a live ph-httpd, one TCP connection per input: connect, send them all, half-close,
 * read until the server closes. Inputs are taken round-robin until the time is up.
 *
 *   ph-bench-session --connect HOST:PORT --seconds S FILE...
 *
 * Prints one line: "session conns=N seconds=T conns_per_s=R bytes_out=B bytes_in=B
 * failed=F" (failed: connections refused, reset or timed out).
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net/net_error.h"
#include "net/net_tcp.h"
#include "util/file_io.h"

struct input {
    uint8_t *bytes; /* the client's bytes of one script */
    size_t len;
};

/* The data events of a script (the grammar of harness/fuzz_httpd_session.c). */
static void client_bytes(const uint8_t *s, size_t n, struct input *in)
{
    in->bytes = malloc(n > 0 ? n : 1);
    in->len = 0;
    if (in->bytes == NULL) {
        fprintf(stderr, "ph-bench-session: out of memory\n");
        exit(1);
    }
    size_t at = 4;
    while (at < n) {
        uint8_t op = s[at++] & 15;
        if (op == 1 || op == 4) {
            at++;
            continue;
        }
        if (op != 0 || at >= n)
            continue;
        size_t len = s[at++];
        len = len < n - at ? len : n - at;
        memcpy(in->bytes + in->len, s + at, len);
        in->len += len;
        at += len;
    }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One connection; returns the bytes read back, or -1 when it failed. */
static long one_conn(const struct addrinfo *ai, const struct input *in)
{
    char err[NET_ERR_LEN];
    static uint8_t buf[65536];
    int fd = net_tcp_connect_addr(ai, 2000, err);
    if (fd < 0)
        return -1;
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    long got = 0;
    size_t sent = 0;
    while (sent < in->len) {
        ssize_t w = net_write(fd, in->bytes + sent, in->len - sent);
        if (w <= 0)
            break; /* the server may close early (413, 431): read what it said */
        sent += (size_t)w;
    }
    net_shutdown_write(fd);
    for (;;) {
        ssize_t r = net_read(fd, buf, sizeof(buf));
        if (r == 0)
            break;
        if (r < 0) {
            got = got > 0 ? got : -1; /* a reset after the answer is the server's close */
            break;
        }
        got += r;
    }
    close(fd);
    return got;
}

int main(int argc, char **argv)
{
    const char *connect_to = NULL;
    double seconds = 1;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--connect") == 0)
            connect_to = argv[i + 1];
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else
            break;
    }
    if (connect_to == NULL || i >= argc || seconds <= 0) {
        fprintf(stderr, "usage: ph-bench-session --connect HOST:PORT --seconds S FILE...\n");
        return 64;
    }
    size_t ninputs = (size_t)(argc - i);
    struct input *inputs = calloc(ninputs, sizeof(*inputs));
    if (inputs == NULL)
        return 1;
    for (size_t k = 0; k < ninputs; k++) {
        uint8_t *data;
        size_t len;
        if (file_read_all(argv[i + (int)k], &data, &len) != 0) {
            fprintf(stderr, "ph-bench-session: %s: cannot read\n", argv[i + (int)k]);
            return 1;
        }
        client_bytes(data, len, &inputs[k]);
        free(data);
    }
    char err[NET_ERR_LEN];
    struct addrinfo *ai;
    if (net_tcp_resolve(connect_to, false, &ai, err) != 0) {
        fprintf(stderr, "ph-bench-session: %s\n", err);
        return 1;
    }
    unsigned long long conns = 0, failed = 0, out = 0, in = 0;
    double t0 = now_s(), t;
    do {
        const struct input *p = &inputs[conns % ninputs];
        long got = one_conn(ai, p);
        conns++;
        out += p->len;
        if (got < 0)
            failed++;
        else
            in += (unsigned long long)got;
        t = now_s() - t0;
    } while (t < seconds);
    printf("session conns=%llu seconds=%.3f conns_per_s=%.0f bytes_out=%llu bytes_in=%llu "
           "failed=%llu\n",
           conns, t, (double)conns / t, out, in, failed);
    freeaddrinfo(ai);
    return 0;
}
