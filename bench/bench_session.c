/*
 * ph-bench-session: the socket side of ci/bench.sh session. Replays the client bytes of
 * httpd_session fuzz scripts (harness/fuzz_httpd_session.c: the data events, in order)
 * to a live ph-httpd, one TCP connection per input: connect, send them all, half-close,
 * read until the server closes. Inputs are taken round-robin until the time is up.
 *
 *   ph-bench-session --connect HOST:PORT --seconds S [--server-cpu N] FILE...
 *                    [-- SERVER ARGS...]
 *
 * With a server command after "--", it is started fresh for every input (AFLNet's default
 * mode, a server restarted per test case): fork and exec it (on CPU N with --server-cpu),
 * connect as soon as it accepts (retrying a refused connect every 100 us, up to 2 s), run
 * the connection, then SIGTERM and wait for it to exit; all of it is counted.
 *
 * Prints one line: "session mode=persistent|fresh conns=N seconds=T conns_per_s=R
 * bytes_out=B bytes_in=B failed=F" (failed: connections refused, reset or timed out, or
 * a server that did not start or exited non-zero).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity (CMake defines it for every file) */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
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

/* A server started fresh (fresh mode). */
struct server {
    char **argv;
    int cpu; /* -1: wherever */
    pid_t pid;
};

/* Starts the server; its output goes to /dev/null. Returns 0, or -1 when fork failed. */
static int server_start(struct server *sv)
{
    sv->pid = fork();
    if (sv->pid < 0)
        return -1;
    if (sv->pid > 0)
        return 0;
    if (sv->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(sv->cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    execvp(sv->argv[0], sv->argv);
    _exit(127);
}

/* SIGTERM, then waits for it. Returns 0 when it exited with status 0. */
static int server_stop(struct server *sv)
{
    int st;
    kill(sv->pid, SIGTERM);
    while (waitpid(sv->pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Connects; with a fresh server, retries while it is not listening yet. */
static int connect_to(const struct addrinfo *ai, const struct server *sv)
{
    char err[NET_ERR_LEN];
    double deadline = now_s() + 2;
    for (;;) {
        int fd = net_tcp_connect_addr(ai, 2000, err);
        if (fd >= 0 || sv == NULL || errno != ECONNREFUSED || now_s() > deadline)
            return fd;
        if (waitpid(sv->pid, NULL, WNOHANG) != 0)
            return -1; /* it died */
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
}

/* One connection; returns the bytes read back, or -1 when it failed. */
static long one_conn(const struct addrinfo *ai, const struct input *in, const struct server *sv)
{
    static uint8_t buf[65536];
    int fd = connect_to(ai, sv);
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
    const char *address = NULL;
    double seconds = 1;
    struct server sv = {NULL, -1, 0};
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i += 2) {
        if (strcmp(argv[i], "--connect") == 0)
            address = argv[i + 1];
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--server-cpu") == 0)
            sv.cpu = atoi(argv[i + 1]);
        else
            break;
    }
    int files_end = i;
    while (files_end < argc && strcmp(argv[files_end], "--") != 0)
        files_end++;
    if (files_end + 1 < argc)
        sv.argv = argv + files_end + 1; /* argv[argc] is NULL: execvp's list ends there */
    if (address == NULL || i >= files_end || seconds <= 0 ||
        (files_end < argc && sv.argv == NULL)) {
        fprintf(stderr, "usage: ph-bench-session --connect HOST:PORT --seconds S "
                        "[--server-cpu N] FILE... [-- SERVER ARGS...]\n");
        return 64;
    }
    size_t ninputs = (size_t)(files_end - i);
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
    if (net_tcp_resolve(address, false, &ai, err) != 0) {
        fprintf(stderr, "ph-bench-session: %s\n", err);
        return 1;
    }
    unsigned long long conns = 0, failed = 0, out = 0, in = 0;
    double t0 = now_s(), t;
    do {
        const struct input *p = &inputs[conns % ninputs];
        bool fresh = sv.argv != NULL;
        if (fresh && server_start(&sv) != 0) {
            fprintf(stderr, "ph-bench-session: fork: %s\n", strerror(errno));
            return 1;
        }
        long got = one_conn(ai, p, fresh ? &sv : NULL);
        if (fresh && server_stop(&sv) != 0)
            got = -1;
        conns++;
        out += p->len;
        if (got < 0)
            failed++;
        else
            in += (unsigned long long)got;
        t = now_s() - t0;
    } while (t < seconds);
    printf("session mode=%s conns=%llu seconds=%.3f conns_per_s=%.0f bytes_out=%llu "
           "bytes_in=%llu failed=%llu\n",
           sv.argv != NULL ? "fresh" : "persistent", conns, t, (double)conns / t, out, in, failed);
    freeaddrinfo(ai);
    return 0;
}
