#include "store_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "net/net_loop.h"
#include "net/net_socket.h"
#include "store/store.h"
#include "store/store_session.h"
#include "store_fs.h"
#include "store_index.h"
#include "store_materializer.h"
#include "store_recover.h"
#include "store_wal.h"
#include "util/byte_buf.h"
#include "util/daemon_log.h"
#include "util/json_writer.h"

#define STORE_LISTEN_BACKLOG 512
/* Packets read from one client per wake-up, so one busy client cannot starve others. */
#define STORE_READS_PER_WAKE 256
/* Log bytes gathered before a commit even while more packets are ready. */
#define STORE_MAX_BATCH_BYTES (8u << 20)
#define STORE_BACKPRESSURE_CHECK_MS 20
/* Packets taken in one system call (recvmmsg): system calls are dear on this kind of
 * guest, a third of the event loop's time when it took one packet per call. */
#define STORE_RECV_BATCH 32

struct daemon;

struct client {
    struct daemon *d;
    int fd;
    uid_t uid;
    struct store_session sess; /* its verdicts waiting for an ack; the ring is ours */
    LIST_ENTRY(client) link;   /* in daemon.clients */
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

/* What the shell counts; decisions are counted by the session core (srv.st). */
struct stats {
    uint64_t clients, refused, quarantined;
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
    uint64_t mat_quarantined; /* the materializer's count last seen */
    int raw_target;           /* target id in --raw mode, else -1 */
    struct store_server srv;  /* the decisions: limits, lsns, disk admission */
    LIST_HEAD(, client) clients;
    /* the cases of the log's filling batch, and of the batch in flight */
    struct case_batch fill, flight;
    bool backpressure;
    uint8_t *rbuf; /* STORE_RECV_BATCH buffers of rcap bytes, one per packet */
    uint8_t *rbufs[STORE_RECV_BATCH];
    size_t rcap;
    EVP_MD *sha1;
    EVP_MD_CTX *md;
    struct stats st;
};

/* The --status-file object (docs/store-protocol.md): where it serves and every counter. */
static void write_status(struct daemon *d, const char *state)
{
    if (d->cfg->status_file == NULL)
        return;
    uint64_t records = 0, bytes = 0;
    if (d->mat_running)
        store_materializer_backlog(&d->mat, &records, &bytes);
    const struct store_server_stats *st = &d->srv.st;
    struct byte_buf b = {0};
    daemon_status_begin(&b, state);
    byte_buf_puts(&b, ",\"socket\":");
    json_buf_string(&b, d->cfg->socket_path);
    byte_buf_puts(&b, ",\"corpus\":");
    json_buf_string(&b, d->cfg->corpus);
    byte_buf_printf(&b,
                    ",\"stats\":{\"stored\":%llu,\"duplicates\":%llu,\"rejected\":%llu,"
                    "\"bytes\":%llu,\"backlog_cases\":%llu,\"backlog_bytes\":%llu,"
                    "\"clients\":%llu,\"refused\":%llu,\"quarantined\":%llu}",
                    (unsigned long long)st->stored, (unsigned long long)st->duplicates,
                    (unsigned long long)st->rejected, (unsigned long long)st->bytes,
                    (unsigned long long)records, (unsigned long long)bytes,
                    (unsigned long long)d->st.clients, (unsigned long long)d->st.refused,
                    (unsigned long long)d->st.quarantined);
    daemon_status_write(d->cfg->status_file, &b);
    byte_buf_free(&b);
}

/* The statistics, for people (the log) and for scripts (the status file). */
static void print_stats(struct daemon *d, const char *why, const char *state)
{
    uint64_t records = 0, bytes = 0;
    if (d->mat_running)
        store_materializer_backlog(&d->mat, &records, &bytes);
    const struct store_server_stats *st = &d->srv.st;
    daemon_logf("stats (%s): stored %llu, duplicates %llu, rejected %llu, bytes %llu, "
                "backlog %llu cases / %llu bytes, clients %llu, refused %llu, quarantined %llu",
                why, (unsigned long long)st->stored, (unsigned long long)st->duplicates,
                (unsigned long long)st->rejected, (unsigned long long)st->bytes,
                (unsigned long long)records, (unsigned long long)bytes,
                (unsigned long long)d->st.clients, (unsigned long long)d->st.refused,
                (unsigned long long)d->st.quarantined);
    write_status(d, state);
}

/* ---- clients -------------------------------------------------------------------------- */

static void client_close(struct daemon *d, struct client *c)
{
    net_loop_unwatch(d->loop, c->fd);
    close(c->fd);
    LIST_REMOVE(c, link);
    if (d->cfg->verbose)
        daemon_logf("client fd %d gone", c->fd);
    free(c->sess.acks);
    free(c);
}

/* Room for one more verdict in the client's ring: the core never allocates, so the
 * shell grows the ring (doubling, from 256) before each packet. Returns 0 or -1. */
static int client_reserve(struct client *c)
{
    if (store_session_room(&c->sess) > 0)
        return 0;
    size_t cap = c->sess.cap ? c->sess.cap * 2 : 256;
    struct store_pending_ack *a = realloc(c->sess.acks, cap * sizeof(*a));
    if (a == NULL)
        return -1;
    store_session_regrow(&c->sess, a, cap);
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
    while (store_session_sendable(&d->srv, &c->sess)) {
        size_t n;
        size_t len = store_session_ack(&d->srv, &c->sess, pkt, sizeof(pkt), &n);
        if (len == 0)
            break;
        if (net_send_packet(c->fd, pkt, len, false) != 0) {
            if (errno == EAGAIN || errno == ENOBUFS)
                break; /* the client is slow to read: retry when writable */
            return -1;
        }
        store_session_acked(&c->sess, n);
    }
    update_client_events(d, c);
    return 0;
}

/* Read while the daemon keeps up and the client reads its acks; write while acks wait. */
static void update_client_events(struct daemon *d, struct client *c)
{
    unsigned ev = 0;
    if (!d->backpressure && !store_session_paused(&c->sess))
        ev |= NET_READABLE;
    if (store_session_sendable(&d->srv, &c->sess))
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
        store_server_space(&d->srv, INT64_MAX);
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
    store_server_space(&d->srv, (int64_t)avail - (int64_t)reserve - (int64_t)backlog -
                                    2 * (int64_t)uncollected);
}

/* Whether cases of a target and kind can be written: asked of the filesystem until the
 * answer is yes, then remembered (until the materializer sets a case aside). A folder
 * that cannot be used is asked again on every case, so fixing it takes effect at once. */
static bool folder_usable(struct daemon *d, int target, uint8_t kind)
{
    struct store_target *t = &d->index.targets[target];
    if (t->usable[kind])
        return true;
    t->usable[kind] = store_fs_target_usable(&d->dirs, kind, t->name);
    return t->usable[kind];
}

/* Decides one decoded case through the session core, then logs it if told to. */
static void handle_case(struct daemon *d, struct client *c, const struct store_case *sc)
{
    int target = d->raw_target >= 0 ? d->raw_target
                                    : store_index_target(&d->index, sc->target.ptr, sc->target.len);
    uint8_t kind = (uint8_t)sc->kind;
    uint8_t digest[STORE_DIGEST_LEN];
    sha1(d, sc->data.ptr, sc->data.len, digest);
    struct store_facts f = {.target_known = target >= 0};
    if (f.target_known) {
        const struct store_index_entry *e =
            store_index_find(&d->index, (uint16_t)target, kind, digest);
        f.duplicate = e != NULL;
        f.duplicate_lsn = e != NULL ? e->lsn : 0;
        f.target_cases = d->index.targets[target].cases[kind];
        f.total_bytes = d->index.bytes;
        f.folder_usable = f.duplicate || folder_usable(d, target, kind);
    }
    struct store_verdict_out v;
    store_session_decide(&d->srv, &c->sess, sc, &f, &v);
    bool full;
    if (store_server_disk_changed(&d->srv, &full))
        daemon_logf(full ? "corpus filesystem nearly full: rejecting cases with NO_SPACE until "
                           "space returns"
                         : "space on the corpus filesystem again: accepting cases");
    if (v.verdict == STORE_REJECTED && v.reason == STORE_ERR_TARGET_UNUSABLE && d->cfg->verbose)
        daemon_logf("fd %d: the %s folder of target %s cannot be used: rejected", c->fd,
                    store_kind_name(sc->kind), d->index.targets[target].name);
    if (v.verdict != STORE_STORED)
        return;
    const char *name = d->index.targets[target].name;
    if (batch_reserve(&d->fill) != 0 ||
        store_index_add(&d->index, (uint16_t)target, kind, digest, v.lsn, sc->data.len) == NULL) {
        store_session_undo(&d->srv, &c->sess, v.lsn, sc->data.len, STORE_ERR_IO_ERROR);
        return; /* out of memory */
    }
    if (store_wal_append(&d->wal, v.lsn, kind, digest, (const uint8_t *)name, strlen(name),
                         sc->data.ptr, sc->data.len, &d->fill.pos[d->fill.n]) != 0) {
        store_index_remove(&d->index, (uint16_t)target, kind, digest, sc->data.len);
        store_session_undo(&d->srv, &c->sess, v.lsn, sc->data.len, STORE_ERR_IO_ERROR);
        return;
    }
    struct batch_case *b = &d->fill.cases[d->fill.n++];
    b->target = (uint16_t)target;
    b->kind = kind;
    b->bytes = (uint32_t)sc->data.len;
    memcpy(b->digest, digest, STORE_DIGEST_LEN);
}

static void handle_packet(struct daemon *d, struct client *c, const uint8_t *buf, size_t len)
{
    if (d->raw_target < 0 && client_reserve(c) != 0)
        daemon_logf("out of memory queueing an ack for fd %d", c->fd);
    /* Past rcap the kernel kept only rcap bytes (MSG_TRUNC told the real length). */
    size_t kept = len > d->rcap ? d->rcap : len;
    struct store_decision dec;
    if (store_session_receive(&d->srv, &c->sess, buf, kept, len, &dec) == PH_OK) {
        handle_case(d, c, &dec.c);
        return;
    }
    if (d->cfg->verbose)
        daemon_logf("fd %d: rejected packet of %zu bytes: %s", c->fd, len,
                    store_strerror(dec.error));
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
                daemon_logf("fd %d: recv: %s", c->fd, strerror(errno));
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
    if (store_session_sendable(&d->srv, &c->sess) && client_flush_acks(d, c) != 0)
        client_close(d, c);
}

/* ---- commit --------------------------------------------------------------------------- */

/* The log write of the batch in flight failed: its cases were never durable. Their acks
 * (and those of duplicates waiting on them) become rejects with the reason, and the
 * index forgets them. Cases of the filling batch are not touched: it goes out next. */
static void fail_flight(struct daemon *d, enum store_error reason)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < d->flight.n; i++) {
        struct batch_case *b = &d->flight.cases[i];
        store_index_remove(&d->index, b->target, b->kind, b->digest, b->bytes);
        bytes += b->bytes;
    }
    store_server_fail(&d->srv, d->flight.n, bytes);
    for (struct client *c = LIST_FIRST(&d->clients); c != NULL; c = LIST_NEXT(c, link))
        store_session_fail(&d->srv, &c->sess, d->wal.flight.last_lsn, reason);
    d->flight.n = 0;
}

/* Group commit, pipelined: the filling batch goes to the log thread when nothing is in
 * flight; the event loop goes on reading into the next batch meanwhile. */
static void submit_batch(struct daemon *d)
{
    if (d->wal.in_flight || d->fill.n == 0)
        return;
    char err[NET_ERR_LEN];
    if (store_wal_submit(&d->wal, d->fill.pos, d->fill.n, err) != 0)
        daemon_logf("%s", err); /* could not start a new segment: the old one grows */
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
        daemon_logf("write-ahead log: %s: rejecting %zu cases", strerror(error), d->flight.n);
        fail_flight(d,
                    error == ENOSPC || error == EDQUOT ? STORE_ERR_NO_SPACE : STORE_ERR_IO_ERROR);
    } else {
        store_server_durable(&d->srv, d->wal.flight.last_lsn);
        if (store_materializer_push(&d->mat, d->flight.pos, d->flight.n) != 0)
            daemon_logf("out of memory queueing cases for the corpus: they stay in the log");
        d->flight.n = 0;
    }
    for (struct client *c = LIST_FIRST(&d->clients), *next; c != NULL; c = next) {
        next = LIST_NEXT(c, link); /* c may close */
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

/* The materializer set cases aside (a target folder went bad after it was checked):
 * say so, and check every folder again before the next case is accepted for it. */
static void watch_quarantine(struct daemon *d)
{
    char target[STORE_MAX_TARGET_LEN + 1];
    int error;
    uint64_t n = store_materializer_quarantined(&d->mat, target, sizeof(target), &error);
    if (n == d->mat_quarantined)
        return;
    daemon_logf("%llu cases set aside in .store/quarantine/: a target folder cannot be used "
                "(the last: %s, %s)",
                (unsigned long long)(n - d->mat_quarantined), target, strerror(error));
    d->st.quarantined += n - d->mat_quarantined;
    d->mat_quarantined = n;
    for (size_t i = 0; i < d->index.ntargets; i++)
        memset(d->index.targets[i].usable, 0, sizeof(d->index.targets[i].usable));
}

/* Backpressure: past the backlog bound, stop reading; resume below half of it. */
static void check_backlog(struct net_loop *loop, void *arg)
{
    (void)loop;
    struct daemon *d = arg;
    uint64_t records, bytes;
    store_materializer_backlog(&d->mat, &records, &bytes);
    watch_quarantine(d);
    bool was = d->backpressure;
    if (bytes > d->cfg->max_backlog)
        d->backpressure = true;
    else if (bytes <= d->cfg->max_backlog / 2)
        d->backpressure = false;
    if (was == d->backpressure)
        return;
    daemon_logf("backpressure %s (backlog %llu cases, %llu bytes)", d->backpressure ? "on" : "off",
                (unsigned long long)records, (unsigned long long)bytes);
    for (struct client *c = LIST_FIRST(&d->clients); c != NULL; c = LIST_NEXT(c, link))
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
                daemon_logf("%s", err);
            return;
        }
        uid_t uid;
        pid_t pid;
        if (net_peer_uid(cfd, &uid, &pid, err) != 0 || !uid_allowed(d->cfg, uid)) {
            daemon_logf("refused a client (uid %ld, pid %ld): not an allowed uid", (long)uid,
                        (long)pid);
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
        LIST_INSERT_HEAD(&d->clients, c, link);
        d->st.clients++;
        if (net_loop_watch(loop, cfd, d->backpressure ? 0 : NET_READABLE, on_client_event, c) !=
            0) {
            daemon_logf("epoll: %s", strerror(errno));
            client_close(d, c);
            continue;
        }
        if (d->cfg->verbose)
            daemon_logf("client fd %d (uid %ld, pid %ld)", cfd, (long)uid, (long)pid);
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
    daemon_logf("%s: finishing the batch and shutting down", strsignal(signo));
    net_loop_stop(loop);
}

static void on_stats_signal(struct net_loop *loop, int signo, void *arg)
{
    (void)loop;
    (void)signo;
    print_stats(arg, "SIGUSR1", "running");
}

/* ---- run ------------------------------------------------------------------------------ */

static int setup(struct daemon *d, char *err)
{
    const struct store_config *cfg = d->cfg;
    /* The loop and its signals first: they are blocked for the process before the
     * materializer thread exists, so it inherits the mask and the signalfd gets them. */
    d->loop = net_loop_create(err, NET_ERR_LEN);
    if (d->loop == NULL)
        return -1;
    if (net_loop_on_signal(d->loop, SIGTERM, on_stop_signal, d) != 0 ||
        net_loop_on_signal(d->loop, SIGINT, on_stop_signal, d) != 0 ||
        net_loop_on_signal(d->loop, SIGUSR1, on_stats_signal, d) != 0) {
        snprintf(err, NET_ERR_LEN, "signalfd: %s", strerror(errno));
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);

    if (store_fs_open(cfg->corpus, &d->dirs, err) != 0)
        return -1;
    if (store_index_init(&d->index) != 0) {
        snprintf(err, NET_ERR_LEN, "out of memory");
        return -1;
    }
    struct store_server_config scfg = {
        .max_case = cfg->max_case,
        .max_target_cases = cfg->max_target_cases,
        .max_bytes = cfg->max_bytes,
        .raw = cfg->raw_target != NULL,
    };
    store_server_init(&d->srv, &scfg, 1);
    struct store_recovery rec;
    if (store_recover(&d->dirs, &d->index, &d->srv, &rec, err) != 0)
        return -1;
    d->st.quarantined = rec.quarantined;
    daemon_logf("recovered: %llu cases in the corpus, %llu more from the log%s",
                (unsigned long long)rec.indexed, (unsigned long long)rec.replayed,
                rec.quarantined > 0 ? ", some set aside (see above)" : "");
    uint64_t segment = rec.next_segment;
    /* A batch is submitted once it reaches STORE_MAX_BATCH_BYTES: one record more at most,
     * and the padding to a block. */
    size_t batch_bytes = STORE_MAX_BATCH_BYTES + STORE_WAL_HEADER_LEN + STORE_MAX_TARGET_LEN +
                         cfg->max_case + STORE_WAL_ALIGN;
    if (store_wal_open(&d->wal, d->dirs.wal, segment, batch_bytes, err) != 0)
        return -1;
    if (store_materializer_start(&d->mat, &d->dirs, segment, segment, cfg->max_backlog, err) != 0)
        return -1;
    d->mat_running = true;

    d->raw_target = -1;
    if (cfg->raw_target != NULL) {
        d->raw_target = store_index_target(&d->index, (const uint8_t *)cfg->raw_target,
                                           strlen(cfg->raw_target));
        if (d->raw_target < 0) {
            snprintf(err, NET_ERR_LEN, "out of memory");
            return -1;
        }
    }

    d->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    d->md = EVP_MD_CTX_new();
    if (d->sha1 == NULL || d->md == NULL) {
        snprintf(err, NET_ERR_LEN, "libcrypto: SHA-1 not available");
        return -1;
    }
    /* Each buffer holds the largest packet there can be; anything longer is truncated by
     * the kernel, seen through MSG_TRUNC, and rejected. */
    d->rcap = store_case_size(STORE_MAX_TARGET_LEN, cfg->max_case);
    d->rbuf = malloc(STORE_RECV_BATCH * d->rcap); /* pages are touched only as used */
    for (size_t i = 0; d->rbuf != NULL && i < STORE_RECV_BATCH; i++)
        d->rbufs[i] = d->rbuf + i * d->rcap;
    if (d->rbuf == NULL) {
        snprintf(err, NET_ERR_LEN, "out of memory");
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
        snprintf(err, NET_ERR_LEN, "epoll: %s", strerror(errno));
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
    while (!LIST_EMPTY(&d->clients))
        client_close(d, LIST_FIRST(&d->clients));
    if (listening) {
        net_loop_unwatch(d->loop, d->listen_fd);
        close(d->listen_fd);
        unlink(d->cfg->socket_path); /* ours: we bound it */
    }
    if (d->mat_running) {
        uint64_t records, bytes;
        watch_quarantine(d);
        store_materializer_stop(&d->mat);
        d->mat_running = false;
        records = d->mat.count;
        bytes = d->mat.queued_bytes;
        if (records > 0)
            daemon_logf(
                "%llu cases (%llu bytes) could not be written to the corpus (%s): they stay "
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
    char err[NET_ERR_LEN] = "";
    if (setup(&d, err) != 0) {
        daemon_logf("fatal: %s", err);
        teardown(&d, false);
        return 1;
    }
    daemon_logf("serving %s on %s%s%s (max case %zu bytes)", cfg->corpus, cfg->socket_path,
                cfg->raw_target ? ", raw mode for target " : "",
                cfg->raw_target ? cfg->raw_target : "", cfg->max_case);
    write_status(&d, "ready");
    int rc = net_loop_run(d.loop);
    if (rc != 0)
        daemon_logf("epoll_wait: %s", strerror(errno));
    teardown(&d, true);
    d.mat_running = false;
    print_stats(&d, "shutdown", "stopped");
    return rc == 0 ? 0 : 1;
}
