/*
 * ph-bench-store: the load generator behind ci/bench.sh store, and the two limits it is
 * compared with (docs/bench.md).
 *
 *     ph-bench-store store   --socket PATH [LOAD]     clients of a running ph-store
 *     ph-bench-store discard [--reply] [LOAD]         clients of our own minimal server
 *     ph-bench-store disk    --dir DIR [--chunk B] [--sync-every N] [--direct]
 *                            [--seconds S]
 *
 *     LOAD: [--clients N] [--size B] [--cases N | --seconds S] [--duplicates]
 *           [--max-case B] [--seed N]
 *
 * store: N client threads, each with its own connection through the client library
 * (store_client_send: up to STORE_CLIENT_WINDOW cases in flight), send distinct cases
 * (every one new: the daemon logs, syncs and acknowledges it) or, with --duplicates, cases
 * of a pool stored before the clock starts (acknowledged from the index, no disk).
 *
 * discard: the same threads send the same packets, encoded the same way on sockets sized
 * the same way, to a child process that receives them (recvmmsg, up to 32 a call, as
 * ph-store) and drops them, in one epoll loop on a SOCK_SEQPACKET socket: the most a
 * single-threaded daemon could take. With --reply it answers each packet with one byte
 * and each client keeps 64 packets in flight.
 *
 * disk: appends --chunk bytes at a time to a new file in DIR and calls fdatasync after
 * every --sync-every chunks: the sequential write rate a write-ahead log can have there.
 * With --direct the file is opened O_DIRECT, as ph-store opens its log (on this kind of
 * VM the page cache costs more than the disk; the best of both is the limit).
 *
 * Each run prints one line for ci/bench.sh to read, e.g.
 *
 *     store distinct size=1024 clients=16 cases=1000000 seconds=21.562 cases_per_s=46379
 *         mb_per_s=47.5 stored=1000000 duplicate=0 rejected=0 cpu_s=4.48
 *
 * cases_per_s counts acknowledged cases (packets received, for discard) from the moment
 * every client is connected to the last ack (to the server's end of stream); mb_per_s is
 * case bytes per second / 10^6; cpu_s is this process's CPU time (its server's, for
 * discard: server_cpu_s).
 *
 * Exit status: 0; 1 when a client failed or a case got an unexpected verdict (a rejected
 * case, a distinct case called a duplicate); 64 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net_loop.h"
#include "net/net_socket.h"
#include "store/store.h"
#include "store_client/store_client.h"
#include "util/cli_num.h"

#define EXIT_USAGE 64 /* sysexits.h EX_USAGE */

#define TARGET "bench"
/* Cases of the pool a --duplicates run repeats: stored once before the clock starts. */
#define DUPLICATE_POOL 256
/* Bytes of every case that make it unique: the run's nonce, then the case's id. */
#define CASE_ID_LEN 16
/* Packets each client keeps in flight against discard --reply (the figure). */
#define REPLY_WINDOW 64
/* The discard server reads this many packets per client per wake-up, as ph-store does. */
#define READS_PER_WAKE 256
/* ... and takes up to this many per system call (recvmmsg), as ph-store does. */
#define RECV_BATCH 32
/* Checking the clock after every case would cost more than a small case. */
#define CLOCK_EVERY 16

#define DEFAULT_CLIENTS 16
#define DEFAULT_SIZE 1024
#define DEFAULT_SECONDS 1.0
#define DEFAULT_CHUNK (1u << 20)
#define DEFAULT_SYNC_EVERY 8

enum mode { MODE_STORE, MODE_DISCARD, MODE_REPLY };

/* One load: what every client thread sends and where. Read-only once threads run. */
struct load {
    enum mode mode;
    const char *socket;
    unsigned clients;
    size_t size;
    size_t max_case; /* sizes the clients' send buffers, as store_client_connect does */
    uint64_t cases;  /* total; 0: send for `seconds` */
    double seconds;
    bool duplicates;
    uint64_t nonce;
    const uint8_t *fill; /* size bytes of noise every case starts from */
    pthread_barrier_t start;
    double t0; /* set just before the barrier opens */
};

struct client {
    struct load *load;
    unsigned id;
    uint64_t quota; /* cases to send; UINT64_MAX: until the deadline */
    uint64_t sent;
    uint64_t verdicts[3]; /* store: acks by verdict; discard: [0] counts what was sent */
    double end;
    int failed;
    char err[256];
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL) {
        fprintf(stderr, "ph-bench-store: out of memory\n");
        exit(1);
    }
    return p;
}

static void fill_noise(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15u | 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)(x >> 24);
    }
}

/* Case `id` of this run: the shared noise with the nonce and id written over its start. */
static void make_case(const struct load *l, uint64_t id, uint8_t *buf)
{
    memcpy(buf + CASE_ID_LEN, l->fill + CASE_ID_LEN, l->size - CASE_ID_LEN);
    memcpy(buf, &l->nonce, 8);
    memcpy(buf + 8, &id, 8);
}

/* Distinct cases: client in the high bits, so no two clients ever send the same bytes. */
static uint64_t case_id(const struct load *l, const struct client *c, uint64_t i)
{
    return l->duplicates ? (c->id + i) % DUPLICATE_POOL : (uint64_t)(c->id + 1) << 40 | i;
}

static bool keep_sending(const struct client *c, double deadline)
{
    if (c->sent >= c->quota)
        return false;
    return c->quota != UINT64_MAX || c->sent % CLOCK_EVERY != 0 || now_seconds() < deadline;
}

/* ---- clients of ph-store ---------------------------------------------------------------- */

static void count_ack(void *arg, const struct store_ack_run *run)
{
    struct client *c = arg;
    c->verdicts[run->verdict] += run->count;
}

static void run_store_client(struct client *c, uint8_t *buf)
{
    struct load *l = c->load;
    struct store_client *sc =
        store_client_connect(l->socket, geteuid(), false, l->max_case, c->err);
    c->failed = sc == NULL;
    /* Everyone meets at the barrier, connected or not, or the others would wait forever. */
    pthread_barrier_wait(&l->start);
    if (sc == NULL)
        return;
    double deadline = l->t0 + l->seconds;
    while (keep_sending(c, deadline)) {
        make_case(l, case_id(l, c, c->sent), buf);
        uint32_t seq;
        if (store_client_send(sc, TARGET, STORE_KIND_QUEUE, buf, l->size, &seq, count_ack, c,
                              c->err) != 0) {
            c->failed = 1;
            break;
        }
        c->sent++;
    }
    if (!c->failed && store_client_drain(sc, count_ack, c, c->err) != 0)
        c->failed = 1;
    c->end = now_seconds();
    store_client_close(sc);
}

/* ---- clients of the discard server ------------------------------------------------------- */

/* Receives reply packets; waits for one when block. Returns the count, or -1. */
static long read_replies(int fd, bool block)
{
    uint8_t buf[16];
    long got = 0;
    for (;;) {
        if (block && got == 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, -1) < 0 && errno != EINTR)
                return -1;
        }
        bool eof;
        ssize_t n = net_recv_packet(fd, buf, sizeof(buf), &eof);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (block && got == 0)
                continue;
            return got;
        }
        if (n <= 0) {
            errno = n == 0 ? ECONNRESET : errno;
            return -1;
        }
        got++;
    }
}

/* The peer closes after it has read everything we sent before our shutdown. */
static int wait_for_close(int fd)
{
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return -1;
        uint8_t b;
        bool eof;
        ssize_t n = net_recv_packet(fd, &b, 1, &eof);
        if (n == 0 && eof)
            return 0;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
    }
}

static void run_discard_client(struct client *c, uint8_t *buf)
{
    struct load *l = c->load;
    size_t cap = store_case_size(STORE_MAX_TARGET_LEN, l->max_case);
    uint8_t *pkt = xmalloc(cap);
    int fd = net_unix_connect(l->socket, SOCK_SEQPACKET, false, c->err);
    /* As store_client_connect sizes it, so the kernel queues as much per client. */
    if (fd >= 0)
        net_set_sndbuf(fd, (int)(2 * cap + 4096), NULL);
    c->failed = fd < 0;
    pthread_barrier_wait(&l->start);
    if (fd < 0) {
        free(pkt);
        return;
    }
    double deadline = l->t0 + l->seconds;
    uint64_t in_flight = 0;
    while (!c->failed && keep_sending(c, deadline)) {
        make_case(l, case_id(l, c, c->sent), buf);
        size_t n =
            store_case_encode((uint32_t)c->sent, STORE_KIND_QUEUE, TARGET, buf, l->size, pkt, cap);
        if (net_send_packet(fd, pkt, n, true) != 0) {
            snprintf(c->err, sizeof(c->err), "send: %s", strerror(errno));
            c->failed = 1;
            break;
        }
        c->sent++;
        if (l->mode == MODE_REPLY && ++in_flight >= REPLY_WINDOW) {
            long got = read_replies(fd, true);
            if (got < 0) {
                snprintf(c->err, sizeof(c->err), "recv: %s", strerror(errno));
                c->failed = 1;
            }
            in_flight -= got < 0 ? 0 : (uint64_t)got;
        }
    }
    while (!c->failed && l->mode == MODE_REPLY && in_flight > 0) {
        long got = read_replies(fd, true);
        if (got < 0) {
            snprintf(c->err, sizeof(c->err), "recv: %s", strerror(errno));
            c->failed = 1;
        }
        in_flight -= got < 0 ? 0 : (uint64_t)got;
    }
    if (!c->failed && wait_for_close(fd) != 0) {
        snprintf(c->err, sizeof(c->err), "waiting for the server: %s", strerror(errno));
        c->failed = 1;
    }
    c->verdicts[0] = c->sent;
    c->end = now_seconds();
    close(fd);
    free(pkt);
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    uint8_t *buf = xmalloc(c->load->size);
    if (c->load->mode == MODE_STORE)
        run_store_client(c, buf);
    else
        run_discard_client(c, buf);
    free(buf);
    return NULL;
}

/* ---- the discard server ------------------------------------------------------------------ */

struct server {
    uint8_t *buf; /* RECV_BATCH buffers of cap bytes */
    uint8_t *bufs[RECV_BATCH];
    size_t cap;
    bool reply;
    uint64_t *pending; /* replies owed, by fd */
    size_t npending;
};

static void server_close(struct net_loop *loop, struct server *s, int fd)
{
    net_loop_unwatch(loop, fd);
    close(fd);
    if ((size_t)fd < s->npending)
        s->pending[fd] = 0;
}

/* Sends the one-byte replies owed to fd; returns -1 when the client is gone. */
static int server_flush(struct net_loop *loop, struct server *s, int fd)
{
    static const uint8_t one = 1;
    while (s->pending[fd] > 0) {
        if (net_send_packet(fd, &one, 1, false) != 0) {
            if (errno != EAGAIN && errno != ENOBUFS)
                return -1;
            break;
        }
        s->pending[fd]--;
    }
    net_loop_set_events(loop, fd, NET_READABLE | (s->pending[fd] > 0 ? NET_WRITABLE : 0));
    return 0;
}

static void on_server_conn(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    struct server *s = arg;
    if ((events & NET_WRITABLE) && server_flush(loop, s, fd) != 0) {
        server_close(loop, s, fd);
        return;
    }
    if (!(events & NET_READABLE))
        return;
    size_t lens[RECV_BATCH];
    for (int reads = 0; reads < READS_PER_WAKE;) {
        bool eof;
        ssize_t n = net_recv_packets(fd, s->bufs, s->cap, lens, RECV_BATCH, &eof);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 || eof) {
            server_close(loop, s, fd);
            return;
        }
        reads += (int)n;
        if (s->reply) {
            /* One reply per packet read: no coalescing. */
            s->pending[fd] += (uint64_t)n;
            if (server_flush(loop, s, fd) != 0) {
                server_close(loop, s, fd);
                return;
            }
        }
        if (n < RECV_BATCH)
            break;
    }
}

static void on_server_listen(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct server *s = arg;
    char err[NET_ERR_LEN];
    for (;;) {
        int cfd = net_accept(fd, err);
        if (cfd < 0)
            return;
        if ((size_t)cfd >= s->npending) {
            size_t n = (size_t)cfd * 2 + 64;
            uint64_t *p = realloc(s->pending, n * sizeof(*p));
            if (p == NULL) {
                close(cfd);
                continue;
            }
            memset(p + s->npending, 0, (n - s->npending) * sizeof(*p));
            s->pending = p;
            s->npending = n;
        }
        s->pending[cfd] = 0;
        if (net_loop_watch(loop, cfd, NET_READABLE, on_server_conn, s) != 0)
            close(cfd);
    }
}

static void on_server_stop(struct net_loop *loop, int signo, void *arg)
{
    (void)signo;
    (void)arg;
    net_loop_stop(loop);
}

/* The child: listens like ph-store (same socket type, backlog and receive buffer), says
 * so on ready_fd, and serves until SIGTERM. */
static int serve_discard(const char *path, bool reply, size_t max_case, int ready_fd)
{
    char err[NET_ERR_LEN];
    struct server s = {.reply = reply, .cap = store_case_size(STORE_MAX_TARGET_LEN, max_case)};
    s.buf = xmalloc(RECV_BATCH * s.cap); /* pages are touched only as used */
    for (size_t i = 0; i < RECV_BATCH; i++)
        s.bufs[i] = s.buf + i * s.cap;
    struct net_loop *loop = net_loop_create(err, sizeof(err));
    if (loop == NULL || net_loop_on_signal(loop, SIGTERM, on_server_stop, NULL) != 0) {
        fprintf(stderr, "ph-bench-store: discard server: %s\n", loop ? strerror(errno) : err);
        return 1;
    }
    int lfd = net_unix_listen(path, SOCK_SEQPACKET, 512, err);
    if (lfd < 0) {
        fprintf(stderr, "ph-bench-store: discard server: %s\n", err);
        return 1;
    }
    net_set_rcvbuf(lfd, (int)(4 * s.cap), NULL);
    if (net_loop_watch(loop, lfd, NET_READABLE, on_server_listen, &s) != 0) {
        fprintf(stderr, "ph-bench-store: discard server: epoll: %s\n", strerror(errno));
        return 1;
    }
    if (write(ready_fd, "r", 1) != 1)
        return 1;
    close(ready_fd);
    int rc = net_loop_run(loop);
    close(lfd);
    unlink(path);
    net_loop_destroy(loop);
    free(s.pending);
    free(s.buf);
    return rc == 0 ? 0 : 1;
}

/* Forks the discard server on path; returns its pid once it listens, or -1. */
static pid_t start_discard_server(const char *path, bool reply, size_t max_case)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        _exit(serve_discard(path, reply, max_case, p[1]));
    }
    close(p[1]);
    char b;
    ssize_t n = pid > 0 ? read(p[0], &b, 1) : -1;
    close(p[0]);
    if (n != 1) {
        if (pid > 0)
            waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* ---- a load: the threads and the line -------------------------------------------------- */

/* Stores the duplicate pool before the clock starts. Returns 0 or -1. */
static int store_pool(const struct load *l)
{
    char err[256];
    struct store_client *sc = store_client_connect(l->socket, geteuid(), false, l->max_case, err);
    if (sc == NULL) {
        fprintf(stderr, "ph-bench-store: %s\n", err);
        return -1;
    }
    uint8_t *buf = xmalloc(l->size);
    int rc = 0;
    for (uint64_t id = 0; id < DUPLICATE_POOL && rc == 0; id++) {
        make_case(l, id, buf);
        uint32_t seq;
        rc = store_client_send(sc, TARGET, STORE_KIND_QUEUE, buf, l->size, &seq, NULL, NULL, err);
    }
    if (rc == 0)
        rc = store_client_drain(sc, NULL, NULL, err);
    if (rc != 0)
        fprintf(stderr, "ph-bench-store: storing the duplicate pool: %s\n", err);
    free(buf);
    store_client_close(sc);
    return rc;
}

static int run_load(struct load *l)
{
    uint8_t *fill = xmalloc(l->size);
    fill_noise(fill, l->size, 0x5eed);
    l->fill = fill;
    if (l->mode == MODE_STORE && l->duplicates && store_pool(l) != 0)
        return 1;
    pid_t server = -1;
    if (l->mode != MODE_STORE) {
        server = start_discard_server(l->socket, l->mode == MODE_REPLY, l->max_case);
        if (server < 0) {
            fprintf(stderr, "ph-bench-store: the discard server did not start\n");
            return 1;
        }
    }

    struct client *clients = calloc(l->clients, sizeof(*clients));
    pthread_t *threads = calloc(l->clients, sizeof(*threads));
    if (clients == NULL || threads == NULL) {
        fprintf(stderr, "ph-bench-store: out of memory\n");
        return 1;
    }
    pthread_barrier_init(&l->start, NULL, l->clients + 1);
    double cpu0 = cpu_seconds(RUSAGE_SELF);
    for (unsigned i = 0; i < l->clients; i++) {
        clients[i].load = l;
        clients[i].id = i;
        clients[i].quota =
            l->cases == 0 ? UINT64_MAX : l->cases / l->clients + (i < l->cases % l->clients);
        if (pthread_create(&threads[i], NULL, client_main, &clients[i]) != 0) {
            fprintf(stderr, "ph-bench-store: pthread_create failed\n");
            return 1;
        }
    }
    l->t0 = now_seconds();
    pthread_barrier_wait(&l->start);

    double end = l->t0;
    uint64_t sent = 0, verdicts[3] = {0};
    int failed = 0;
    for (unsigned i = 0; i < l->clients; i++) {
        pthread_join(threads[i], NULL);
        struct client *c = &clients[i];
        if (c->failed) {
            if (failed++ < 4)
                fprintf(stderr, "ph-bench-store: client %u: %s\n", i, c->err);
            continue;
        }
        end = c->end > end ? c->end : end;
        sent += c->sent;
        for (int v = 0; v < 3; v++)
            verdicts[v] += c->verdicts[v];
    }
    double cpu = cpu_seconds(RUSAGE_SELF) - cpu0;
    double server_cpu = 0;
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
        server_cpu = cpu_seconds(RUSAGE_CHILDREN);
    }
    pthread_barrier_destroy(&l->start);

    double t = end - l->t0;
    uint64_t done = verdicts[0] + verdicts[1] + verdicts[2];
    if (l->mode == MODE_STORE) {
        printf("store %s size=%zu clients=%u cases=%llu seconds=%.3f cases_per_s=%.0f "
               "mb_per_s=%.1f stored=%llu duplicate=%llu rejected=%llu cpu_s=%.2f\n",
               l->duplicates ? "duplicate" : "distinct", l->size, l->clients,
               (unsigned long long)done, t, (double)done / t,
               (double)done * (double)l->size / t / 1e6, (unsigned long long)verdicts[0],
               (unsigned long long)verdicts[1], (unsigned long long)verdicts[2], cpu);
    } else {
        printf("%s size=%zu clients=%u cases=%llu seconds=%.3f cases_per_s=%.0f mb_per_s=%.1f "
               "cpu_s=%.2f server_cpu_s=%.2f\n",
               l->mode == MODE_REPLY ? "reply" : "discard", l->size, l->clients,
               (unsigned long long)done, t, (double)done / t,
               (double)done * (double)l->size / t / 1e6, cpu, server_cpu);
    }
    fflush(stdout);

    /* Every case is acknowledged as what it is: new, or (--duplicates) already stored. */
    uint64_t expected = l->mode != MODE_STORE ? done : verdicts[l->duplicates ? 1 : 0];
    int rc = failed > 0 || done != sent || expected != sent;
    if (rc && !failed)
        fprintf(stderr, "ph-bench-store: %llu cases sent, %llu acknowledged as expected\n",
                (unsigned long long)sent, (unsigned long long)expected);
    free(clients);
    free(threads);
    free(fill);
    return rc;
}

/* ---- the disk ---------------------------------------------------------------------------- */

/* as STORE_WAL_ALIGN in src/ph-store/store_wal.h */
#define DISK_DIRECT_ALIGN 4096u

/* Appends chunk bytes at a time to a new file in dir, fdatasync after every sync_every
 * chunks, for about `seconds` (whole sync groups); with direct, O_DIRECT from a buffer
 * aligned as ph-store's (chunk must then be a multiple of DISK_DIRECT_ALIGN). */
static int run_disk(const char *dir, size_t chunk, unsigned sync_every, bool direct, double seconds)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/ph-bench-disk.%ld", dir, (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
    if (fd < 0) {
        fprintf(stderr, "ph-bench-store: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t *buf = aligned_alloc(DISK_DIRECT_ALIGN, chunk);
    if (buf == NULL) {
        fprintf(stderr, "ph-bench-store: out of memory\n");
        exit(1);
    }
    fill_noise(buf, chunk, 0xd15c);
    uint64_t off = 0, syncs = 0;
    int rc = 0;
    double t0 = now_seconds(), t = 0;
    while (rc == 0 && t < seconds) {
        for (unsigned i = 0; i < sync_every && rc == 0; i++) {
            size_t done = 0;
            while (done < chunk) {
                ssize_t n = pwrite(fd, buf + done, chunk - done, (off_t)(off + done));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0) {
                    fprintf(stderr, "ph-bench-store: write %s: %s\n", path, strerror(errno));
                    rc = 1;
                    break;
                }
                done += (size_t)n;
            }
            off += done;
        }
        if (rc == 0 && fdatasync(fd) != 0) {
            fprintf(stderr, "ph-bench-store: fdatasync %s: %s\n", path, strerror(errno));
            rc = 1;
        }
        syncs++;
        t = now_seconds() - t0;
    }
    close(fd);
    unlink(path);
    free(buf);
    if (rc == 0) {
        printf("disk chunk=%zu sync_every=%u direct=%d bytes=%llu seconds=%.3f mb_per_s=%.1f "
               "syncs_per_s=%.0f\n",
               chunk, sync_every, direct, (unsigned long long)off, t, (double)off / t / 1e6,
               (double)syncs / t);
        fflush(stdout);
    }
    return rc;
}

/* ---- main -------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: ph-bench-store store --socket PATH [LOAD]\n"
            "       ph-bench-store discard [--reply] [--socket PATH] [LOAD]\n"
            "       ph-bench-store disk --dir DIR [--chunk B] [--sync-every N] [--direct]\n"
            "                           [--seconds S]\n"
            "  LOAD: [--clients N] [--size B] [--cases N | --seconds S] [--duplicates]\n"
            "        [--max-case B] [--seed N]\n"
            "  --clients N     client threads, one connection each (default %u)\n"
            "  --size B        bytes per case, at least %u (default %u)\n"
            "  --cases N       send N cases in all, then wait for the last ack\n"
            "  --seconds S     else send for S seconds (default %.1f)\n"
            "  --duplicates    repeat %u cases stored before the clock starts\n"
            "  --max-case B    largest case the clients size their send buffers for\n"
            "                  (default %u, as ph-send)\n"
            "  --seed N        makes this run's cases differ from other runs' (default: time)\n"
            "  --reply         discard: answer each packet with one byte, 64 in flight\n"
            "  --chunk B       disk: bytes per write (default %u)\n"
            "  --sync-every N  disk: writes per fdatasync (default %u)\n"
            "  --direct        disk: O_DIRECT, as ph-store's log (B a multiple of %u)\n",
            DEFAULT_CLIENTS, CASE_ID_LEN, DEFAULT_SIZE, DEFAULT_SECONDS, DUPLICATE_POOL,
            STORE_DEFAULT_MAX_CASE, DEFAULT_CHUNK, DEFAULT_SYNC_EVERY, DISK_DIRECT_ALIGN);
    exit(EXIT_USAGE);
}

static uint64_t parse_count(const char *s, uint64_t min, uint64_t max)
{
    uint64_t v;
    if (!cli_parse_u64(s, min, max, &v))
        usage();
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *cmd = argv[1];
    struct load l = {
        .clients = DEFAULT_CLIENTS,
        .size = DEFAULT_SIZE,
        .max_case = STORE_DEFAULT_MAX_CASE,
        .seconds = DEFAULT_SECONDS,
        .nonce = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid(),
    };
    const char *dir = NULL;
    size_t chunk = DEFAULT_CHUNK;
    unsigned sync_every = DEFAULT_SYNC_EVERY;
    bool reply = false, direct = false;
    char default_socket[64];
    snprintf(default_socket, sizeof(default_socket), "/tmp/ph-bench-discard.%ld.sock",
             (long)getpid());

    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = val != NULL;
        if (strcmp(arg, "--duplicates") == 0) {
            l.duplicates = true;
            continue;
        }
        if (strcmp(arg, "--reply") == 0) {
            reply = true;
            continue;
        }
        if (strcmp(arg, "--direct") == 0) {
            direct = true;
            continue;
        }
        if (!takes)
            usage();
        i++;
        if (strcmp(arg, "--socket") == 0) {
            l.socket = val;
        } else if (strcmp(arg, "--clients") == 0) {
            l.clients = (unsigned)parse_count(val, 1, 4096);
        } else if (strcmp(arg, "--size") == 0) {
            l.size = (size_t)parse_count(val, CASE_ID_LEN, STORE_MAX_CASE_LIMIT);
        } else if (strcmp(arg, "--cases") == 0) {
            l.cases = parse_count(val, 1, UINT64_MAX);
        } else if (strcmp(arg, "--seconds") == 0) {
            if (!cli_parse_double(val, 1e-3, 1e6, &l.seconds))
                usage();
        } else if (strcmp(arg, "--max-case") == 0) {
            l.max_case = (size_t)parse_count(val, 1, STORE_MAX_CASE_LIMIT);
        } else if (strcmp(arg, "--seed") == 0) {
            l.nonce = parse_count(val, 0, UINT64_MAX);
        } else if (strcmp(arg, "--dir") == 0) {
            dir = val;
        } else if (strcmp(arg, "--chunk") == 0) {
            chunk = (size_t)parse_count(val, 1, 1u << 30);
        } else if (strcmp(arg, "--sync-every") == 0) {
            sync_every = (unsigned)parse_count(val, 1, 1u << 20);
        } else {
            usage();
        }
    }

    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "disk") == 0) {
        if (dir == NULL || (direct && chunk % DISK_DIRECT_ALIGN != 0))
            usage();
        return run_disk(dir, chunk, sync_every, direct, l.seconds);
    }
    if (l.max_case < l.size)
        l.max_case = l.size;
    if (strcmp(cmd, "store") == 0) {
        if (l.socket == NULL || reply)
            usage();
        l.mode = MODE_STORE;
    } else if (strcmp(cmd, "discard") == 0) {
        if (l.duplicates)
            usage();
        l.mode = reply ? MODE_REPLY : MODE_DISCARD;
        if (l.socket == NULL)
            l.socket = default_socket;
    } else {
        usage();
    }
    return run_load(&l);
}
