#include "store_daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "net/net_loop.h"
#include "net/net_socket.h"
#include "store/store.h"
#include "store_fs.h"
#include "store_index.h"
#include "store_materializer.h"
#include "store_wal.h"

#define STORE_LISTEN_BACKLOG 512
/* Packets read from one client per wake-up, so one busy client cannot starve others. */
#define STORE_READS_PER_WAKE 256
/* Verdicts a client may leave unread before the daemon stops reading from it. */
#define STORE_MAX_PENDING_ACKS 65536
/* Log bytes gathered before a commit even while more packets are ready. */
#define STORE_MAX_BATCH_BYTES (8u << 20)
#define STORE_BACKPRESSURE_CHECK_MS 20
/* Packets taken in one system call (recvmmsg): system calls are dear on this kind of
 * guest, a third of the event loop's time when it took one packet per call. */
#define STORE_RECV_BATCH 32

struct pending_ack {
    uint32_t seq;
    uint8_t verdict;
    uint8_t reason;
    uint64_t lsn; /* released once the log is durable up to here */
};

struct daemon;

struct client {
    struct daemon *d;
    int fd;
    uid_t uid;
    struct pending_ack *acks; /* FIFO: acks[head .. head + count) */
    size_t head, count, cap;
    bool paused; /* not read: too many unread acks */
    struct client *prev, *next;
};

struct batch_case {
    uint16_t target;
    uint8_t kind;
    uint8_t digest[STORE_DIGEST_LEN];
    uint32_t bytes;
};

/* Cases in one log batch: where their records are, and what to undo if it fails. */
struct case_batch {
    struct store_wal_pos *pos;
    struct batch_case *cases;
    size_t n, cap;
};

struct stats {
    uint64_t stored, duplicates, rejected, bytes, clients, refused;
};

struct daemon {
    const struct store_config *cfg;
    struct net_loop *loop;
    int listen_fd;
    struct store_dirs dirs;
    struct store_index index;
    struct store_wal wal;
    struct store_materializer mat;
    bool mat_running;
    int raw_target; /* target id in --raw mode, else -1 */
    uint64_t committed_lsn;
    struct client *clients;
    /* the cases of the log's filling batch, and of the batch in flight */
    struct case_batch fill, flight;
    bool backpressure;
    int64_t space_left; /* bytes this batch may still put on disk; see update_space */
    bool disk_full;     /* the last case was refused for space: log transitions only */
    uint8_t *rbuf; /* STORE_RECV_BATCH buffers of rcap bytes, one per packet */
    uint8_t *rbufs[STORE_RECV_BATCH];
    size_t rcap;
    EVP_MD *sha1;
    EVP_MD_CTX *md;
    struct stats st;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
    fprintf(stderr, "%s ph-store: ", when);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void print_stats(struct daemon *d, const char *why)
{
    uint64_t records = 0, bytes = 0;
    if (d->mat_running)
        store_materializer_backlog(&d->mat, &records, &bytes);
    logf_("stats (%s): stored %llu, duplicates %llu, rejected %llu, bytes %llu, "
          "backlog %llu cases / %llu bytes, clients %llu, refused %llu",
          why, (unsigned long long)d->st.stored, (unsigned long long)d->st.duplicates,
          (unsigned long long)d->st.rejected, (unsigned long long)d->st.bytes,
          (unsigned long long)records, (unsigned long long)bytes,
          (unsigned long long)d->st.clients, (unsigned long long)d->st.refused);
}

/* ---- clients -------------------------------------------------------------------------- */

static void client_close(struct daemon *d, struct client *c)
{
    net_loop_unwatch(d->loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (d->cfg->verbose)
        logf_("client fd %d gone", c->fd);
    free(c->acks);
    free(c);
}

static int client_push_ack(struct client *c, uint32_t seq, enum store_verdict v,
                           enum store_error reason, uint64_t lsn)
{
    if (c->head + c->count == c->cap) {
        if (c->head > 0) {
            memmove(c->acks, c->acks + c->head, c->count * sizeof(*c->acks));
            c->head = 0;
        }
        if (c->count == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 256;
            struct pending_ack *a = realloc(c->acks, cap * sizeof(*a));
            if (a == NULL)
                return -1;
            c->acks = a;
            c->cap = cap;
        }
    }
    c->acks[c->head + c->count++] = (struct pending_ack){seq, (uint8_t)v, (uint8_t)reason, lsn};
    return 0;
}

static void update_client_events(struct daemon *d, struct client *c);
static bool collect_batch(struct daemon *d, bool wait, const struct client *watch, bool *gone);
static void submit_batch(struct daemon *d);

/* Sends the verdicts whose log records are durable, as ack packets of coalesced runs.
 * Returns -1 when the client is gone. */
static int client_flush_acks(struct daemon *d, struct client *c)
{
    static uint8_t pkt[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
    struct store_ack_batch batch;
    while (c->count > 0 && c->acks[c->head].lsn <= d->committed_lsn) {
        store_ack_init(&batch);
        size_t n = 0;
        while (n < c->count) {
            const struct pending_ack *a = &c->acks[c->head + n];
            if (a->lsn > d->committed_lsn ||
                !store_ack_add(&batch, a->seq, (enum store_verdict)a->verdict,
                               (enum store_error)a->reason))
                break;
            n++;
        }
        size_t len = store_ack_encode(&batch, pkt, sizeof(pkt));
        if (net_send_packet(c->fd, pkt, len, false) != 0) {
            if (errno == EAGAIN || errno == ENOBUFS)
                break; /* the client is slow to read: retry when writable */
            return -1;
        }
        c->head += n;
        c->count -= n;
    }
    if (c->count == 0)
        c->head = 0;
    update_client_events(d, c);
    return 0;
}

/* Read while the daemon keeps up and the client reads its acks; write while acks wait. */
static void update_client_events(struct daemon *d, struct client *c)
{
    c->paused = c->count >= STORE_MAX_PENDING_ACKS;
    unsigned ev = 0;
    if (!d->backpressure && !c->paused)
        ev |= NET_READABLE;
    if (c->count > 0 && c->acks[c->head].lsn <= d->committed_lsn)
        ev |= NET_WRITABLE;
    net_loop_set_events(d->loop, c->fd, ev);
}

/* ---- cases ---------------------------------------------------------------------------- */

static void sha1(struct daemon *d, const uint8_t *data, size_t len, uint8_t out[STORE_DIGEST_LEN])
{
    unsigned int n = 0;
    EVP_DigestInit_ex(d->md, d->sha1, NULL);
    EVP_DigestUpdate(d->md, data, len);
    EVP_DigestFinal_ex(d->md, out, &n);
}

static int batch_reserve(struct case_batch *b)
{
    if (b->n < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 1024;
    struct store_wal_pos *p = realloc(b->pos, cap * sizeof(*p));
    if (p == NULL)
        return -1;
    b->pos = p;
    struct batch_case *c = realloc(b->cases, cap * sizeof(*c));
    if (c == NULL)
        return -1;
    b->cases = c;
    b->cap = cap;
    return 0;
}

/* Disk space: a case takes room twice for a while (log record, then corpus file), and
 * the backlog's files are still to be written. What is left after those and the reserve
 * is what new cases may use; refreshed once per loop iteration. */
static void update_space(struct daemon *d)
{
    struct statvfs vfs;
    if (fstatvfs(d->dirs.root, &vfs) != 0) {
        d->space_left = INT64_MAX;
        return;
    }
    uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    uint64_t total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
    uint64_t reserve = d->cfg->min_free;
    if (reserve == 0)
        reserve = total / 10 < STORE_DEFAULT_MIN_FREE ? total / 10 : STORE_DEFAULT_MIN_FREE;
    uint64_t records = 0, backlog = 0;
    if (d->mat_running)
        store_materializer_backlog(&d->mat, &records, &backlog);
    /* Batches not yet collected are in neither: they still need their log space (or may
     * not show in avail yet) and their files. */
    uint64_t uncollected = d->wal.fill.len + (d->wal.in_flight ? d->wal.flight.len : 0);
    d->space_left = (int64_t)avail - (int64_t)reserve - (int64_t)backlog - 2 * (int64_t)uncollected;
}

static bool take_space(struct daemon *d, size_t bytes)
{
    /* file blocks are rounded up: count a block for each copy */
    int64_t need = 2 * (int64_t)(STORE_WAL_HEADER_LEN + bytes + STORE_PUNCH_ALIGN);
    bool ok = d->space_left >= need;
    if (ok)
        d->space_left -= need;
    if (ok == d->disk_full) {
        d->disk_full = !ok;
        logf_(ok ? "space on the corpus filesystem again: accepting cases"
                 : "corpus filesystem nearly full: rejecting cases with NO_SPACE until space "
                   "returns");
    }
    return ok;
}

/* Decides one decoded case: duplicate, limit reject, or a new log record. */
static void handle_case(struct daemon *d, struct client *c, const struct store_case *sc)
{
    enum store_verdict verdict = STORE_REJECTED;
    enum store_error reason = STORE_ERR_NONE;
    uint64_t lsn = 0;
    int target = d->raw_target >= 0 ? d->raw_target
                                     : store_index_target(&d->index, sc->target.ptr, sc->target.len);
    uint8_t digest[STORE_DIGEST_LEN];
    sha1(d, sc->data.ptr, sc->data.len, digest);
    struct store_index_entry *e =
        target < 0 ? NULL : store_index_find(&d->index, (uint16_t)target, (uint8_t)sc->kind, digest);

    if (target < 0) {
        reason = STORE_ERR_TARGET_FULL;
    } else if (e != NULL) {
        verdict = STORE_DUPLICATE;
        lsn = e->lsn; /* acknowledged once the original is durable */
    } else if (d->index.targets[target].cases[sc->kind] >= d->cfg->max_target_cases) {
        reason = STORE_ERR_TARGET_FULL;
    } else if (d->index.bytes + sc->data.len > d->cfg->max_bytes) {
        reason = STORE_ERR_STORE_FULL;
    } else if (!take_space(d, sc->target.len + sc->data.len)) {
        reason = STORE_ERR_NO_SPACE;
    } else if (batch_reserve(&d->fill) != 0 ||
               store_wal_append(&d->wal, (uint8_t)sc->kind, digest,
                                (const uint8_t *)d->index.targets[target].name,
                                strlen(d->index.targets[target].name), sc->data.ptr, sc->data.len,
                                &d->fill.pos[d->fill.n]) != 0 ||
               store_index_add(&d->index, (uint16_t)target, (uint8_t)sc->kind, digest,
                               d->fill.pos[d->fill.n].lsn, sc->data.len) == NULL) {
        reason = STORE_ERR_IO_ERROR; /* out of memory */
    } else {
        verdict = STORE_STORED;
        lsn = d->fill.pos[d->fill.n].lsn;
        struct batch_case *b = &d->fill.cases[d->fill.n++];
        b->target = (uint16_t)target;
        b->kind = (uint8_t)sc->kind;
        b->bytes = (uint32_t)sc->data.len;
        memcpy(b->digest, digest, STORE_DIGEST_LEN);
    }

    if (verdict == STORE_STORED)
        d->st.stored++, d->st.bytes += sc->data.len;
    else if (verdict == STORE_DUPLICATE)
        d->st.duplicates++;
    else
        d->st.rejected++;
    if (d->raw_target < 0 && client_push_ack(c, sc->seq, verdict, reason, lsn) != 0)
        logf_("out of memory queueing an ack for fd %d", c->fd);
}

static void handle_packet(struct daemon *d, struct client *c, const uint8_t *buf, size_t len)
{
    struct store_decision dec;
    size_t max_packet = store_case_size(STORE_MAX_TARGET_LEN, d->cfg->max_case);
    enum ph_status st;
    if (len > d->rcap) {
        /* The kernel kept only rcap bytes: enough for the header, so name the case. */
        st = d->raw_target >= 0 ? store_handle_raw_packet(buf, d->rcap, d->cfg->max_case, &dec)
                                : store_handle_packet(buf, d->rcap, max_packet, &dec);
        dec.error = st == PH_OK || dec.error == STORE_ERR_LENGTH_MISMATCH
                        ? STORE_ERR_CASE_TOO_LARGE
                        : dec.error;
        st = PH_REJECT;
    } else if (d->raw_target >= 0) {
        st = store_handle_raw_packet(buf, len, d->cfg->max_case, &dec);
    } else {
        st = store_handle_packet(buf, len, d->cfg->max_case, &dec);
    }
    if (st == PH_OK) {
        handle_case(d, c, &dec.c);
        return;
    }
    d->st.rejected++;
    if (d->cfg->verbose)
        logf_("fd %d: rejected packet of %zu bytes: %s", c->fd, len, store_strerror(dec.error));
    if (d->raw_target < 0)
        client_push_ack(c, dec.c.seq, STORE_REJECTED, dec.error, 0);
}

static void read_client(struct daemon *d, struct client *c)
{
    size_t lens[STORE_RECV_BATCH];
    for (int reads = 0; reads < STORE_READS_PER_WAKE && !d->backpressure;) {
        bool eof;
        ssize_t n = net_recv_packets(c->fd, d->rbufs, d->rcap, lens, STORE_RECV_BATCH, &eof);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (d->cfg->verbose)
                logf_("fd %d: recv: %s", c->fd, strerror(errno));
            client_close(d, c);
            return;
        }
        if (eof) {
            client_close(d, c);
            return;
        }
        for (ssize_t i = 0; i < n; i++) {
            handle_packet(d, c, d->rbufs[i], lens[i]);
            if (d->wal.fill.len >= STORE_MAX_BATCH_BYTES) {
                /* The disk is the limit now: wait for the batch in flight, send the
                 * next. Collecting may close this very client (its acks could not be
                 * sent); what it sent after is dropped unacknowledged with it. */
                bool gone = false;
                if (collect_batch(d, true, c, &gone) && gone)
                    return;
                submit_batch(d);
            }
        }
        reads += (int)n;
        if (n < STORE_RECV_BATCH)
            break; /* drained: another call would only say EAGAIN */
    }
    /* Verdicts that need no log write (duplicates of durable cases, rejects) go now. */
    if (c->count > 0 && c->acks[c->head].lsn <= d->committed_lsn && client_flush_acks(d, c) != 0)
        client_close(d, c);
}

/* ---- commit --------------------------------------------------------------------------- */

/* The log write of the batch in flight failed: its cases were never durable. Their acks
 * (and those of duplicates waiting on them) become rejects with the reason, and the
 * index forgets them. Cases of the filling batch are not touched: it goes out next. */
static void fail_flight(struct daemon *d, enum store_error reason)
{
    for (size_t i = 0; i < d->flight.n; i++) {
        struct batch_case *b = &d->flight.cases[i];
        store_index_remove(&d->index, b->target, b->kind, b->digest, b->bytes);
    }
    d->st.stored -= d->flight.n;
    d->st.rejected += d->flight.n;
    uint64_t last = d->wal.flight.last_lsn;
    for (struct client *c = d->clients; c != NULL; c = c->next) {
        for (size_t i = 0; i < c->count; i++) {
            struct pending_ack *a = &c->acks[c->head + i];
            if (a->lsn > d->committed_lsn && a->lsn <= last) {
                a->verdict = STORE_REJECTED;
                a->reason = (uint8_t)reason;
                a->lsn = 0;
            }
        }
    }
    d->flight.n = 0;
}

/* Group commit, pipelined: the filling batch goes to the log thread when nothing is in
 * flight; the event loop goes on reading into the next batch meanwhile. */
static void submit_batch(struct daemon *d)
{
    if (d->wal.in_flight || d->fill.n == 0)
        return;
    char err[256];
    if (store_wal_submit(&d->wal, d->fill.pos, d->fill.n, err) != 0)
        logf_("%s", err); /* could not start a new segment: the old one grows */
    store_materializer_set_active(&d->mat, d->wal.segment);
    store_materializer_set_log_busy(&d->mat, true);
    struct case_batch t = d->flight;
    d->flight = d->fill;
    d->fill = t;
    d->fill.n = 0;
}

/* Takes the result of the batch in flight: on success its acks go out and its records to
 * the materializer. Returns true when a batch was collected; *gone tells whether the
 * client `watch` (may be NULL) was closed meanwhile. */
static bool collect_batch(struct daemon *d, bool wait, const struct client *watch, bool *gone)
{
    int error;
    if (store_wal_collect(&d->wal, wait, &error) == 0)
        return false;
    store_materializer_set_log_busy(&d->mat, false);
    if (error != 0) {
        logf_("write-ahead log: %s: rejecting %zu cases", strerror(error), d->flight.n);
        fail_flight(d, error == ENOSPC || error == EDQUOT ? STORE_ERR_NO_SPACE : STORE_ERR_IO_ERROR);
    } else {
        d->committed_lsn = d->wal.flight.last_lsn;
        if (store_materializer_push(&d->mat, d->flight.pos, d->flight.n) != 0)
            logf_("out of memory queueing cases for the corpus: they stay in the log");
        d->flight.n = 0;
    }
    for (struct client *c = d->clients, *next; c != NULL; c = next) {
        next = c->next;
        if (client_flush_acks(d, c) != 0) {
            if (c == watch)
                *gone = true;
            client_close(d, c);
        }
    }
    return true;
}

static void on_log_synced(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    (void)events;
    bool gone;
    collect_batch(arg, false, NULL, &gone);
}

/* Everything appended is durable and acknowledged (shutdown). */
static void drain_batches(struct daemon *d)
{
    bool gone;
    collect_batch(d, true, NULL, &gone);
    submit_batch(d);
    collect_batch(d, true, NULL, &gone);
}

static void before_wait(struct net_loop *loop, void *arg)
{
    (void)loop;
    submit_batch(arg);
    update_space(arg);
}

/* Backpressure: past the backlog bound, stop reading; resume below half of it. */
static void check_backlog(struct net_loop *loop, void *arg)
{
    (void)loop;
    struct daemon *d = arg;
    uint64_t records, bytes;
    store_materializer_backlog(&d->mat, &records, &bytes);
    bool was = d->backpressure;
    if (bytes > d->cfg->max_backlog)
        d->backpressure = true;
    else if (bytes <= d->cfg->max_backlog / 2)
        d->backpressure = false;
    if (was == d->backpressure)
        return;
    logf_("backpressure %s (backlog %llu cases, %llu bytes)", d->backpressure ? "on" : "off",
          (unsigned long long)records, (unsigned long long)bytes);
    for (struct client *c = d->clients; c != NULL; c = c->next)
        update_client_events(d, c);
}

/* ---- accepting ------------------------------------------------------------------------ */

static bool uid_allowed(const struct store_config *cfg, uid_t uid)
{
    for (size_t i = 0; i < cfg->nallowed; i++) {
        if (cfg->allowed_uids[i] == uid)
            return true;
    }
    return false;
}

static void on_client_event(struct net_loop *loop, int fd, unsigned events, void *arg);

static void on_listen(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct daemon *d = arg;
    char err[NET_ERR_LEN];
    for (;;) {
        int cfd = net_accept(fd, err);
        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                logf_("%s", err);
            return;
        }
        uid_t uid;
        pid_t pid;
        if (net_peer_uid(cfd, &uid, &pid, err) != 0 || !uid_allowed(d->cfg, uid)) {
            logf_("refused a client (uid %ld, pid %ld): not an allowed uid", (long)uid, (long)pid);
            d->st.refused++;
            close(cfd);
            continue;
        }
        struct client *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(cfd);
            continue;
        }
        c->d = d;
        c->fd = cfd;
        c->uid = uid;
        c->next = d->clients;
        if (d->clients)
            d->clients->prev = c;
        d->clients = c;
        d->st.clients++;
        if (net_loop_watch(loop, cfd, d->backpressure ? 0 : NET_READABLE, on_client_event, c) != 0) {
            logf_("epoll: %s", strerror(errno));
            client_close(d, c);
            continue;
        }
        if (d->cfg->verbose)
            logf_("client fd %d (uid %ld, pid %ld)", cfd, (long)uid, (long)pid);
    }
}

static void on_client_event(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    struct client *c = arg;
    struct daemon *d = c->d;
    if (events & NET_WRITABLE) {
        if (client_flush_acks(d, c) != 0) {
            client_close(d, c);
            return;
        }
    }
    if (events & NET_READABLE)
        read_client(d, c);
}

/* ---- signals -------------------------------------------------------------------------- */

static void on_stop_signal(struct net_loop *loop, int signo, void *arg)
{
    (void)arg;
    logf_("%s: finishing the batch and shutting down", strsignal(signo));
    net_loop_stop(loop);
}

static void on_stats_signal(struct net_loop *loop, int signo, void *arg)
{
    (void)loop;
    (void)signo;
    print_stats(arg, "SIGUSR1");
}

/* ---- recovery ------------------------------------------------------------------------- */

static int index_existing(void *arg, const char *target, uint8_t kind,
                          const uint8_t digest[STORE_DIGEST_LEN], uint64_t bytes)
{
    struct store_index *ix = arg;
    int t = store_index_target(ix, (const uint8_t *)target, strlen(target));
    if (t < 0)
        return -1;
    if (store_index_find(ix, (uint16_t)t, kind, digest) != NULL)
        return 0;
    return store_index_add(ix, (uint16_t)t, kind, digest, 0, (size_t)bytes) ? 0 : -1;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* From a zero byte at off inside a punched hole: the offset of the next record, found
 * by its magic and checked by its CRC, or size. */
static size_t skip_hole(const uint8_t *map, size_t size, size_t off)
{
    while (off < size && map[off] == 0)
        off++;
    for (; off + STORE_WAL_HEADER_LEN <= size; off++) {
        struct store_wal_record rec;
        if (map[off] == 'P' && store_wal_parse(map + off, size - off, &rec) != 0)
            return off;
    }
    return size;
}

/* Replays one segment: every whole, valid record not yet in the corpus is written to it.
 * A torn record (a crash mid-write) ends the segment: it was never acknowledged. */
static int replay_segment(struct daemon *d, uint64_t segment, uint64_t *replayed, uint64_t *max_lsn,
                          char *err)
{
    char name[32];
    store_wal_segment_name(segment, name);
    int fd = openat(d->dirs.wal, name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, 256, "open log %s: %s", name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    uint8_t *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, 256, "mmap log %s: %s", name, strerror(errno));
        return -1;
    }
    size_t off = 0, size = (size_t)st.st_size;
    int rc = 0;
    while (off < size) {
        struct store_wal_record rec;
        size_t n = store_wal_parse(map + off, size - off, &rec);
        if (n == 0 && map[off] == 0) {
            /* A punched hole (records already in the corpus): the next record starts
             * after it, possibly inside the block where the hole ended. */
            off = skip_hole(map, size, off);
            continue;
        }
        if (n == 0) {
            logf_("log %s: %zu bytes after offset %zu are not a whole record: ignored (never "
                  "acknowledged)", name, size - off, off);
            break;
        }
        off += n;
        if (rec.lsn > *max_lsn)
            *max_lsn = rec.lsn;
        int t = store_index_target(&d->index, rec.target, rec.target_len);
        if (t < 0) {
            snprintf(err, 256, "recovery: out of memory");
            rc = -1;
            break;
        }
        if (store_index_find(&d->index, (uint16_t)t, rec.kind, rec.digest) != NULL)
            continue; /* materialized before the crash */
        if (store_materialize_record(&d->dirs, &rec) != 0) {
            snprintf(err, 256, "recovery: writing a case from %s: %s", name, strerror(errno));
            rc = -1;
            break;
        }
        if (store_index_add(&d->index, (uint16_t)t, rec.kind, rec.digest, 0, rec.payload_len) ==
            NULL) {
            snprintf(err, 256, "recovery: out of memory");
            rc = -1;
            break;
        }
        (*replayed)++;
    }
    munmap(map, size);
    return rc;
}

/* Rebuilds the index from the corpus, then replays what the log holds beyond it, makes
 * that durable and drops the log. Returns the number for the next segment, or -1. */
static int64_t recover(struct daemon *d, uint64_t *next_lsn, char *err)
{
    if (store_fs_scan(&d->dirs, index_existing, &d->index, err) != 0)
        return -1;
    size_t indexed = d->index.count;

    uint64_t *segments = NULL;
    size_t nseg = 0, cap = 0;
    int fd = dup(d->dirs.wal);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        snprintf(err, 256, "open log dir: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        uint64_t n;
        if (!store_wal_segment_number(e->d_name, &n))
            continue;
        if (nseg == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *s = realloc(segments, cap * sizeof(*s));
            if (s == NULL) {
                closedir(dir);
                free(segments);
                snprintf(err, 256, "recovery: out of memory");
                return -1;
            }
            segments = s;
        }
        segments[nseg++] = n;
    }
    closedir(dir);
    if (nseg > 1)
        qsort(segments, nseg, sizeof(*segments), compare_u64);

    uint64_t replayed = 0, max_lsn = 0;
    for (size_t i = 0; i < nseg; i++) {
        if (replay_segment(d, segments[i], &replayed, &max_lsn, err) != 0) {
            free(segments);
            return -1;
        }
    }
    /* Everything replayed must be on disk before the log that held it goes. */
    if (syncfs(d->dirs.root) != 0) {
        snprintf(err, 256, "syncfs: %s", strerror(errno));
        free(segments);
        return -1;
    }
    for (size_t i = 0; i < nseg; i++) {
        char name[32];
        store_wal_segment_name(segments[i], name);
        unlinkat(d->dirs.wal, name, 0);
    }
    int64_t next_segment = nseg > 0 ? (int64_t)segments[nseg - 1] + 1 : 0;
    free(segments);
    *next_lsn = max_lsn + 1;
    logf_("recovered: %zu cases in the corpus, %llu more from the log", indexed,
          (unsigned long long)replayed);
    return next_segment;
}

/* ---- run ------------------------------------------------------------------------------ */

static int setup(struct daemon *d, char *err)
{
    const struct store_config *cfg = d->cfg;
    /* The loop and its signals first: they are blocked for the process before the
     * materializer thread exists, so it inherits the mask and the signalfd gets them. */
    d->loop = net_loop_create(err, 256);
    if (d->loop == NULL)
        return -1;
    if (net_loop_on_signal(d->loop, SIGTERM, on_stop_signal, d) != 0 ||
        net_loop_on_signal(d->loop, SIGINT, on_stop_signal, d) != 0 ||
        net_loop_on_signal(d->loop, SIGUSR1, on_stats_signal, d) != 0) {
        snprintf(err, 256, "signalfd: %s", strerror(errno));
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);

    if (store_fs_open(cfg->corpus, &d->dirs, err) != 0)
        return -1;
    if (store_index_init(&d->index) != 0) {
        snprintf(err, 256, "out of memory");
        return -1;
    }
    uint64_t next_lsn = 1;
    int64_t segment = recover(d, &next_lsn, err);
    if (segment < 0)
        return -1;
    d->committed_lsn = next_lsn - 1;
    /* A batch is submitted once it reaches STORE_MAX_BATCH_BYTES: one record more at most,
     * and the padding to a block. */
    size_t batch_bytes = STORE_MAX_BATCH_BYTES + STORE_WAL_HEADER_LEN + STORE_MAX_TARGET_LEN +
                         cfg->max_case + STORE_WAL_ALIGN;
    if (store_wal_open(&d->wal, d->dirs.wal, (uint64_t)segment, next_lsn, batch_bytes, err) != 0)
        return -1;
    if (store_materializer_start(&d->mat, &d->dirs, (uint64_t)segment, (uint64_t)segment,
                                 cfg->max_backlog, err) != 0)
        return -1;
    d->mat_running = true;

    d->raw_target = -1;
    if (cfg->raw_target != NULL) {
        d->raw_target = store_index_target(&d->index, (const uint8_t *)cfg->raw_target,
                                           strlen(cfg->raw_target));
        if (d->raw_target < 0) {
            snprintf(err, 256, "out of memory");
            return -1;
        }
    }

    d->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    d->md = EVP_MD_CTX_new();
    if (d->sha1 == NULL || d->md == NULL) {
        snprintf(err, 256, "libcrypto: SHA-1 not available");
        return -1;
    }
    /* Each buffer holds the largest packet there can be; anything longer is truncated by
     * the kernel, seen through MSG_TRUNC, and rejected. */
    d->rcap = store_case_size(STORE_MAX_TARGET_LEN, cfg->max_case);
    d->rbuf = malloc(STORE_RECV_BATCH * d->rcap); /* pages are touched only as used */
    for (size_t i = 0; d->rbuf != NULL && i < STORE_RECV_BATCH; i++)
        d->rbufs[i] = d->rbuf + i * d->rcap;
    if (d->rbuf == NULL) {
        snprintf(err, 256, "out of memory");
        return -1;
    }


    d->listen_fd = net_unix_listen(cfg->socket_path, SOCK_SEQPACKET, STORE_LISTEN_BACKLOG, err);
    if (d->listen_fd < 0)
        return -1;
    /* Accepted sockets inherit it: room for a few of the largest packets. */
    net_set_rcvbuf(d->listen_fd, (int)(4 * d->rcap), NULL);
    if (net_loop_watch(d->loop, d->listen_fd, NET_READABLE, on_listen, d) != 0 ||
        net_loop_watch(d->loop, d->wal.done_fd, NET_READABLE, on_log_synced, d) != 0 ||
        net_loop_every(d->loop, STORE_BACKPRESSURE_CHECK_MS, check_backlog, d) != 0) {
        snprintf(err, 256, "epoll: %s", strerror(errno));
        return -1;
    }
    net_loop_before_wait(d->loop, before_wait, d);
    update_space(d);
    return 0;
}

static void teardown(struct daemon *d, bool listening)
{
    if (listening)
        drain_batches(d); /* the last batches and their acks */
    while (d->clients != NULL)
        client_close(d, d->clients);
    if (listening) {
        net_loop_unwatch(d->loop, d->listen_fd);
        close(d->listen_fd);
        unlink(d->cfg->socket_path); /* ours: we bound it */
    }
    if (d->mat_running) {
        uint64_t records, bytes;
        store_materializer_stop(&d->mat);
        d->mat_running = false;
        records = d->mat.count;
        bytes = d->mat.queued_bytes;
        if (records > 0)
            logf_("%llu cases (%llu bytes) could not be written to the corpus (%s): they stay "
                  "in the log, and the next start writes them",
                  (unsigned long long)records, (unsigned long long)bytes,
                  strerror(d->mat.last_errno));
    }
    if (d->loop != NULL && d->wal.done_fd >= 0)
        net_loop_unwatch(d->loop, d->wal.done_fd);
    store_wal_close(&d->wal);
    net_loop_destroy(d->loop);
    store_index_free(&d->index);
    store_fs_close(&d->dirs);
    EVP_MD_CTX_free(d->md);
    EVP_MD_free(d->sha1);
    free(d->rbuf);
    free(d->fill.pos);
    free(d->fill.cases);
    free(d->flight.pos);
    free(d->flight.cases);
}

int store_daemon_run(const struct store_config *cfg)
{
    struct daemon d;
    memset(&d, 0, sizeof(d));
    d.cfg = cfg;
    d.listen_fd = -1;
    d.wal.fd = -1;
    d.wal.done_fd = -1;
    char err[256] = "";
    if (setup(&d, err) != 0) {
        logf_("fatal: %s", err);
        teardown(&d, false);
        return 1;
    }
    logf_("serving %s on %s%s%s (max case %zu bytes)", cfg->corpus, cfg->socket_path,
          cfg->raw_target ? ", raw mode for target " : "", cfg->raw_target ? cfg->raw_target : "",
          cfg->max_case);
    int rc = net_loop_run(d.loop);
    if (rc != 0)
        logf_("epoll_wait: %s", strerror(errno));
    teardown(&d, true);
    d.mat_running = false;
    print_stats(&d, "shutdown");
    return rc == 0 ? 0 : 1;
}
