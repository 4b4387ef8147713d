/*
 * Fuzz target store_session: whole sessions of the store's session core
 * (src/store/store_session.h), one input = one script of events, with a small model of
 * ph-store's shell around the core (its index, its log, its corpus) that the invariants
 * are checked against. docs/fuzzing.md describes the script.
 *
 * Script: a 4-byte header, then events until the input ends.
 *   header  b0: --max-size = 1 + 4*b0; b1: --max-cases = 1 + (b1 & 15), b1 & 0x80 raw
 *           mode; b2: --max-bytes = 64 * (b2 + 1); b3: first ack-ring size 1 + (b3 & 7)
 *   event   one byte: low nibble the event, bit 0x10 the client (0 or 1) it concerns
 *     0  packet      len (2 bytes, big-endian), cut (1), len bytes: a packet as the
 *                    kernel hands it; cut 0: whole, else only cut-1 bytes were kept
 *     1  case        target (1: index into a table of names, some invalid), kind (1),
 *                    n (1), cut (1), n payload bytes: a case packet with the client's
 *                    next sequence number, built here so that most are well-formed
 *     2  submit      the filling log batch goes to the log thread (if none is in flight)
 *     3  durable     the batch in flight is durable
 *     4  log fails   the batch in flight failed; arg (1): bit 0 ENOSPC, else EIO
 *     5  space       the disk figure: a signed 16-bit argument times 256 bytes
 *     6  folder      arg (1): target (& 7) and kind ((>> 3) % 3) whose folder flips
 *                    between usable and not
 *     7  acks        arg (1): bit 0 the send fails (EAGAIN); else send all that may go
 *     8  oom         the next case the core says to store cannot be logged (undo)
 *     9  reconnect   the client's connection drops: its unsent verdicts go with it
 *    10  restart     the daemon dies: what was durable is replayed, both clients
 *                    reconnect
 *    else            nothing
 * At the end everything is submitted, made durable and acknowledged.
 *
 * Invariants:
 *   - every case acknowledged as stored was handed to the log exactly once (one record
 *     with that lsn, no other live record with the same target, kind and content), and
 *     is durable when its ack goes; a duplicate is acknowledged only once its original is
 *     durable, and a case is never logged while the corpus or the log holds it;
 *   - nothing is stored whose target would leave <corpus>/<target>/: a stored target
 *     name is one safe path component;
 *   - acks come in the order the client sent its packets and cover exactly those, one
 *     verdict each, and every packet gets its verdict by the end;
 *   - after a restart, the replay of what was durable leaves every case acknowledged as
 *     stored or duplicate in the corpus (or set aside in quarantine); lsns only grow.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_grow.h"
#include "store/store_session.h"

#define MAX_TARGETS 6    /* the model shell tracks this many target names, then refuses */
#define MAX_RECORDS 1024 /* log records per input; more ends the script */
#define MAX_PACKETS 2048 /* verdicts expected per client per input */
#define MAX_CORPUS 1024
/* The largest ack ring: it doubles from at most 8 while a client has at most MAX_PACKETS
 * verdicts due (more ends the script), so 4096 entries; twice that for margin. */
#define MAX_RING 8192

/* Names the case event picks from: valid ones, and ones a buggy core would turn into
 * paths outside the target folder. */
static const char *const case_targets[] = {
    "t", "http_request", "a.b-c_D9", "x", "..", ".store", "a/b", "", "../../etc", "t ",
};
#define NCASE_TARGETS (sizeof(case_targets) / sizeof(case_targets[0]))

struct key {
    char target[STORE_MAX_TARGET_LEN + 1];
    uint8_t kind;
    uint64_t hash;
};

enum rec_state { REC_FILL, REC_FLIGHT, REC_DURABLE, REC_FAILED, REC_LOST };

struct record {
    struct key k;
    uint64_t lsn;
    size_t bytes;
    enum rec_state state;
};

struct expect {
    uint32_t seq;
    enum store_verdict verdict;
    uint64_t lsn; /* STORED: its own; DUPLICATE: the original's (0: on disk) */
    struct key k; /* STORED, DUPLICATE: the case */
};

struct client {
    struct store_session sess;
    struct fuzz_grow ring; /* the ack ring, grown as by realloc (fuzz_grow.h) */
    struct expect exp[MAX_PACKETS];
    size_t exp_head, exp_count;
    uint32_t next_seq;
};

struct model {
    struct store_server srv;
    struct store_server_config cfg;
    size_t first_ring;
    char targets[MAX_TARGETS][STORE_MAX_TARGET_LEN + 1];
    size_t ntargets;
    bool unusable[MAX_TARGETS][STORE_KIND_COUNT];
    struct record log[MAX_RECORDS];
    size_t nlog;
    struct key corpus[MAX_CORPUS]; /* files written, by replay (and earlier sessions) */
    size_t ncorpus;
    struct key quarantine[MAX_CORPUS];
    size_t nquarantine;
    struct key acked[MAX_RECORDS * 2]; /* cases acknowledged stored or duplicate */
    size_t nacked;
    bool oom_next;
    bool full; /* a table filled up: stop the script */
    struct client cl[2];
};

static struct model m;
static _Alignas(64) uint8_t ring_blocks[2][2][MAX_RING * sizeof(struct store_pending_ack)];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < 2; i++)
        fuzz_grow_init(&m.cl[i].ring, ring_blocks[i][0], ring_blocks[i][1],
                       sizeof(ring_blocks[i][0]));
    return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static bool key_eq(const struct key *a, const struct key *b)
{
    return a->kind == b->kind && a->hash == b->hash && strcmp(a->target, b->target) == 0;
}

static bool in_set(const struct key *set, size_t n, const struct key *k)
{
    for (size_t i = 0; i < n; i++) {
        if (key_eq(&set[i], k))
            return true;
    }
    return false;
}

/* The shell's index: the corpus, and every log record not failed or lost. */
static const struct record *index_find(const struct key *k)
{
    for (size_t i = 0; i < m.nlog; i++) {
        const struct record *r = &m.log[i];
        if (r->state != REC_FAILED && r->state != REC_LOST && key_eq(&r->k, k))
            return r;
    }
    return NULL;
}

static const struct record *record_of(uint64_t lsn)
{
    for (size_t i = 0; i < m.nlog; i++) {
        if (m.log[i].lsn == lsn && m.log[i].state != REC_LOST)
            return &m.log[i];
    }
    return NULL;
}

static int target_id(const char *name)
{
    for (size_t i = 0; i < m.ntargets; i++) {
        if (strcmp(m.targets[i], name) == 0)
            return (int)i;
    }
    if (m.ntargets == MAX_TARGETS)
        return -1;
    memcpy(m.targets[m.ntargets], name, strlen(name) + 1);
    return (int)m.ntargets++;
}

static void session_open(struct client *c)
{
    size_t cap = m.first_ring;
    void *ring = fuzz_grow_to(&c->ring, cap * sizeof(struct store_pending_ack));
    store_session_init(&c->sess, ring, cap);
    FUZZ_CHECK(c->sess.acks != NULL);
    c->exp_head = c->exp_count = 0;
}

static void session_close(struct client *c)
{
    fuzz_grow_reset(&c->ring);
    c->sess.acks = NULL;
}

/* The shell grows the ring before each packet, as ph-store does. */
static void reserve(struct client *c)
{
    if (store_session_room(&c->sess) > 0)
        return;
    size_t cap = c->sess.cap * 2;
    struct store_pending_ack *a = (void *)fuzz_grow_to(&c->ring, cap * sizeof(*a));
    FUZZ_CHECK(a != NULL);
    store_session_regrow(&c->sess, a, cap);
}

static void expect(struct client *c, uint32_t seq, enum store_verdict v, uint64_t lsn,
                   const struct key *k)
{
    if (m.cfg.raw)
        return;
    if (c->exp_count == MAX_PACKETS) {
        m.full = true;
        return;
    }
    struct expect *e = &c->exp[(c->exp_head + c->exp_count++) % MAX_PACKETS];
    *e = (struct expect){seq, v, lsn, {{0}, 0, 0}};
    if (k != NULL)
        e->k = *k;
}

/* Counts in the index for the facts. */
static void counts(const char *target, uint8_t kind, uint64_t *cases, uint64_t *bytes)
{
    *cases = *bytes = 0;
    for (size_t i = 0; i < m.ncorpus; i++) {
        if (strcmp(m.corpus[i].target, target) == 0 && m.corpus[i].kind == kind)
            (*cases)++;
    }
    for (size_t i = 0; i < m.nlog; i++) {
        const struct record *r = &m.log[i];
        if (r->state == REC_FAILED || r->state == REC_LOST)
            continue;
        *bytes += r->bytes;
        if (in_set(m.corpus, m.ncorpus, &r->k))
            continue;
        if (strcmp(r->k.target, target) == 0 && r->k.kind == kind)
            (*cases)++;
    }
}

static void on_packet(struct client *c, const uint8_t *pkt, size_t kept, size_t wire)
{
    if (store_session_paused(&c->sess))
        return; /* the shell does not read a paused client */
    reserve(c);
    size_t before = c->sess.count;
    struct store_decision d;
    enum ph_status st = store_session_receive(&m.srv, &c->sess, pkt, kept, wire, &d);
    if (st != PH_OK) {
        FUZZ_CHECK(st == PH_REJECT && d.error != STORE_ERR_NONE);
        FUZZ_CHECK(c->sess.count == before + (m.cfg.raw ? 0 : 1));
        expect(c, d.c.seq, STORE_REJECTED, 0, NULL);
        return;
    }
    FUZZ_CHECK(wire == kept); /* a cut packet is never a case */
    FUZZ_CHECK(fuzz_inside(d.c.data.ptr, d.c.data.len, pkt, kept));
    FUZZ_CHECK(d.c.data.len > 0 && d.c.data.len <= m.cfg.max_case);

    struct key k = {.kind = (uint8_t)d.c.kind, .hash = fnv1a(d.c.data.ptr, d.c.data.len)};
    if (m.cfg.raw) {
        memcpy(k.target, "raw", 4);
    } else {
        /* Nothing accepted may leave <corpus>/<target>/: one component, no dot start. */
        FUZZ_CHECK(fuzz_inside(d.c.target.ptr, d.c.target.len, pkt, kept));
        FUZZ_CHECK(store_target_valid(d.c.target.ptr, d.c.target.len));
        FUZZ_CHECK(memchr(d.c.target.ptr, '/', d.c.target.len) == NULL);
        FUZZ_CHECK(d.c.target.ptr[0] != '.');
        memcpy(k.target, d.c.target.ptr, d.c.target.len);
        k.target[d.c.target.len] = '\0';
    }
    FUZZ_CHECK(k.kind < STORE_KIND_COUNT);
    int t = target_id(k.target);
    struct store_facts f = {.target_known = t >= 0};
    const struct record *dup = index_find(&k);
    bool on_disk = in_set(m.corpus, m.ncorpus, &k);
    if (t >= 0) {
        f.duplicate = dup != NULL || on_disk;
        f.duplicate_lsn = on_disk || dup == NULL ? 0 : dup->lsn;
        counts(k.target, k.kind, &f.target_cases, &f.total_bytes);
        f.folder_usable = !m.unusable[t][k.kind];
    }
    struct store_verdict_out v;
    uint64_t next = m.srv.next_lsn;
    store_session_decide(&m.srv, &c->sess, &d.c, &f, &v);
    FUZZ_CHECK(c->sess.count == before + (m.cfg.raw ? 0 : 1));
    if (v.verdict != STORE_STORED) {
        FUZZ_CHECK(m.srv.next_lsn == next);
        FUZZ_CHECK(v.verdict == STORE_DUPLICATE ? f.duplicate : v.reason != STORE_ERR_NONE);
        if (v.verdict == STORE_REJECTED && v.reason == STORE_ERR_TARGET_UNUSABLE)
            FUZZ_CHECK(!f.folder_usable);
        expect(c, d.c.seq, v.verdict, v.lsn, &k);
        return;
    }
    /* Handed to the log: a new lsn, a content neither logged nor on disk, a target whose
     * folder was usable, within the limits. */
    FUZZ_CHECK(v.lsn == next && m.srv.next_lsn == next + 1);
    FUZZ_CHECK(t >= 0 && !f.duplicate && dup == NULL && !on_disk);
    FUZZ_CHECK(f.folder_usable);
    FUZZ_CHECK(f.target_cases < m.cfg.max_target_cases);
    FUZZ_CHECK(f.total_bytes + d.c.data.len <= m.cfg.max_bytes);
    for (size_t i = 0; i < m.nlog; i++)
        FUZZ_CHECK(m.log[i].lsn < v.lsn || m.log[i].state == REC_LOST);
    if (m.oom_next) {
        m.oom_next = false;
        store_session_undo(&m.srv, &c->sess, v.lsn, d.c.data.len, STORE_ERR_IO_ERROR);
        expect(c, d.c.seq, STORE_REJECTED, 0, NULL);
        return;
    }
    if (m.nlog == MAX_RECORDS) {
        m.full = true;
        return;
    }
    m.log[m.nlog++] = (struct record){k, v.lsn, d.c.data.len, REC_FILL};
    expect(c, d.c.seq, STORE_STORED, v.lsn, &k);
}

/* A case packet from the script's fields. */
static void on_case(struct client *c, const uint8_t *p, size_t n)
{
    static uint8_t pkt[STORE_CASE_HEADER_LEN + 64 + 255];
    const char *target = case_targets[p[0] % NCASE_TARGETS];
    size_t tlen = strlen(target);
    size_t plen = p[2];
    size_t cut = p[3];
    const uint8_t *payload = p + 4;
    if (plen > n - 4)
        plen = n - 4;
    /* Written by hand: store_case_encode refuses the invalid names on purpose. */
    uint32_t seq = c->next_seq++;
    pkt[0] = 'P', pkt[1] = 'H', pkt[2] = STORE_VERSION, pkt[3] = STORE_TYPE_CASE;
    pkt[4] = (uint8_t)(seq >> 24), pkt[5] = (uint8_t)(seq >> 16);
    pkt[6] = (uint8_t)(seq >> 8), pkt[7] = (uint8_t)seq;
    pkt[8] = p[1] % 4; /* 3: an unknown kind now and then */
    pkt[9] = (uint8_t)tlen;
    pkt[10] = pkt[11] = 0, pkt[12] = (uint8_t)(plen >> 8), pkt[13] = (uint8_t)plen;
    memcpy(pkt + STORE_CASE_HEADER_LEN, target, tlen);
    memcpy(pkt + STORE_CASE_HEADER_LEN + tlen, payload, plen);
    size_t len = STORE_CASE_HEADER_LEN + tlen + plen;
    size_t kept = cut == 0 || cut - 1 > len ? len : cut - 1;
    on_packet(c, pkt, kept, len);
}

static void on_submit(void)
{
    for (size_t i = 0; i < m.nlog; i++) {
        if (m.log[i].state == REC_FLIGHT)
            return; /* one batch in flight at most */
    }
    for (size_t i = 0; i < m.nlog; i++) {
        if (m.log[i].state == REC_FILL)
            m.log[i].state = REC_FLIGHT;
    }
}

static void on_collect(bool ok, enum store_error reason)
{
    uint64_t last = 0, n = 0, bytes = 0;
    for (size_t i = 0; i < m.nlog; i++) {
        struct record *r = &m.log[i];
        if (r->state != REC_FLIGHT)
            continue;
        r->state = ok ? REC_DURABLE : REC_FAILED;
        last = r->lsn > last ? r->lsn : last;
        n++;
        bytes += r->bytes;
    }
    if (n == 0)
        return;
    if (ok) {
        store_server_durable(&m.srv, last);
        FUZZ_CHECK(m.srv.committed_lsn == last);
        return;
    }
    store_server_fail(&m.srv, n, bytes);
    for (int i = 0; i < 2; i++)
        store_session_fail(&m.srv, &m.cl[i].sess, last, reason);
}

/* The shell's flush: ack packets while verdicts may go and the send works. */
static void on_acks(struct client *c, bool send_fails)
{
    static uint8_t pkt[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
    static struct store_ack ack;
    for (int rounds = 0; store_session_sendable(&m.srv, &c->sess); rounds++) {
        FUZZ_CHECK(rounds < MAX_PACKETS + 2);
        size_t covered = 0;
        size_t len = store_session_ack(&m.srv, &c->sess, pkt, sizeof(pkt), &covered);
        FUZZ_CHECK(len > 0 && covered > 0);
        FUZZ_CHECK(store_ack_decode(pkt, len, &ack) == PH_OK);
        if (send_fails)
            return; /* EAGAIN: the same verdicts go next time */
        size_t seen = 0;
        for (size_t r = 0; r < ack.nruns; r++) {
            const struct store_ack_run *run = &ack.runs[r];
            for (uint32_t i = 0; i < run->count; i++, seen++) {
                /* In order, and only what the client sent. */
                FUZZ_CHECK(c->exp_count > 0);
                struct expect *e = &c->exp[c->exp_head];
                c->exp_head = (c->exp_head + 1) % MAX_PACKETS;
                c->exp_count--;
                FUZZ_CHECK(e->seq == run->first_seq + i);
                const struct record *rec = e->lsn ? record_of(e->lsn) : NULL;
                if (e->verdict == STORE_REJECTED) {
                    FUZZ_CHECK(run->verdict == STORE_REJECTED && run->reason != STORE_ERR_NONE);
                    continue;
                }
                if (e->lsn != 0)
                    FUZZ_CHECK(rec != NULL);
                if (run->verdict == STORE_REJECTED) {
                    /* only when the log write it waited on failed */
                    FUZZ_CHECK(rec != NULL && rec->state == REC_FAILED);
                    FUZZ_CHECK(run->reason == STORE_ERR_NO_SPACE ||
                               run->reason == STORE_ERR_IO_ERROR);
                    continue;
                }
                FUZZ_CHECK(run->verdict == e->verdict && run->reason == STORE_ERR_NONE);
                /* Acknowledged only once durable. */
                FUZZ_CHECK(e->lsn == 0 || rec->state == REC_DURABLE);
                if (rec != NULL)
                    FUZZ_CHECK(key_eq(&rec->k, &e->k));
                if (m.nacked < sizeof(m.acked) / sizeof(m.acked[0]))
                    m.acked[m.nacked++] = e->k;
            }
        }
        FUZZ_CHECK(seen == covered);
        store_session_acked(&c->sess, covered);
    }
}

/* Everything acknowledged, stored or duplicate, is written out or set aside. */
static void check_nothing_lost(void)
{
    for (size_t i = 0; i < m.nacked; i++) {
        FUZZ_CHECK(in_set(m.corpus, m.ncorpus, &m.acked[i]) ||
                   in_set(m.quarantine, m.nquarantine, &m.acked[i]));
    }
}

/* The daemon dies: what was not durable is gone; the log is replayed at start. */
static void on_restart(void)
{
    for (int i = 0; i < 2; i++) {
        session_close(&m.cl[i]);
        session_open(&m.cl[i]);
    }
    uint64_t max_lsn = 0;
    struct store_server fresh;
    store_server_init(&fresh, &m.cfg, 1);
    for (size_t i = 0; i < m.nlog; i++) {
        struct record *r = &m.log[i];
        if (r->state != REC_DURABLE)
            continue;
        int t = target_id(r->k.target);
        bool in_corpus = in_set(m.corpus, m.ncorpus, &r->k);
        bool usable = t >= 0 && !m.unusable[t][r->k.kind];
        enum store_replay_action a =
            store_server_replay(&fresh, (const uint8_t *)r->k.target, strlen(r->k.target),
                                r->k.kind, r->lsn, in_corpus, usable);
        max_lsn = r->lsn > max_lsn ? r->lsn : max_lsn;
        FUZZ_CHECK(a != STORE_REPLAY_INVALID); /* every record the core logged is valid */
        FUZZ_CHECK(a == STORE_REPLAY_SKIP ? in_corpus
                                          : !in_corpus && (a == STORE_REPLAY_WRITE) == usable);
        if (a == STORE_REPLAY_WRITE && m.ncorpus < MAX_CORPUS)
            m.corpus[m.ncorpus++] = r->k;
        else if (a == STORE_REPLAY_QUARANTINE && m.nquarantine < MAX_CORPUS)
            m.quarantine[m.nquarantine++] = r->k;
        if (m.ncorpus == MAX_CORPUS || m.nquarantine == MAX_CORPUS)
            m.full = true;
    }
    /* Later cases get later lsns than anything the log held. */
    FUZZ_CHECK(fresh.next_lsn > max_lsn && fresh.committed_lsn == fresh.next_lsn - 1);
    /* The log is dropped after the replay: its durable records are on disk now, the
     * rest never were (their lsns may come again). */
    for (size_t i = 0; i < m.nlog; i++)
        m.log[i].state = REC_LOST;
    fresh.st = m.srv.st;
    m.srv = fresh;
    if (!m.full)
        check_nothing_lost();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (m.cl[0].ring.size == 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 4)
        return 0;
    /* Only the counts: the tables are large (zeroing them took most of the time) and
     * nothing reads past their counts. */
    m.ntargets = m.nlog = m.ncorpus = m.nquarantine = m.nacked = 0;
    memset(m.unusable, 0, sizeof(m.unusable));
    m.oom_next = m.full = false;
    m.cl[0].next_seq = m.cl[1].next_seq = 0;
    m.cfg = (struct store_server_config){
        .max_case = 1 + 4 * (size_t)data[0],
        .max_target_cases = 1 + (data[1] & 15u),
        .max_bytes = 64 * ((uint64_t)data[2] + 1),
        .raw = (data[1] & 0x80) != 0,
    };
    m.first_ring = 1 + (data[3] & 7u);
    store_server_init(&m.srv, &m.cfg, 1);
    session_open(&m.cl[0]);
    session_open(&m.cl[1]);

    size_t at = 4;
    while (at < size && !m.full) {
        uint8_t op = data[at++];
        struct client *c = &m.cl[(op >> 4) & 1];
        size_t left = size - at;
        switch (op & 15) {
        case 0: {
            if (left < 3)
                goto done;
            size_t len = (size_t)data[at] << 8 | data[at + 1];
            size_t cut = data[at + 2];
            at += 3;
            if (len > size - at)
                len = size - at;
            size_t kept = cut == 0 || cut - 1 > len ? len : cut - 1;
            on_packet(c, data + at, kept, len);
            at += len;
            break;
        }
        case 1: {
            if (left < 4)
                goto done;
            size_t n = 4 + data[at + 2];
            if (n > left)
                n = left;
            on_case(c, data + at, n);
            at += n;
            break;
        }
        case 2:
            on_submit();
            break;
        case 3:
            on_collect(true, STORE_ERR_NONE);
            break;
        case 4:
            if (left < 1)
                goto done;
            on_collect(false, data[at++] & 1 ? STORE_ERR_NO_SPACE : STORE_ERR_IO_ERROR);
            break;
        case 5:
            if (left < 2)
                goto done;
            store_server_space(&m.srv, (int64_t)(int16_t)(data[at] << 8 | data[at + 1]) * 256);
            at += 2;
            break;
        case 6: {
            if (left < 1)
                goto done;
            uint8_t b = data[at++];
            if ((b & 7) < m.ntargets)
                m.unusable[b & 7][(b >> 3) % 3] ^= true;
            break;
        }
        case 7:
            if (left < 1)
                goto done;
            on_acks(c, data[at++] & 1);
            break;
        case 8:
            m.oom_next = true;
            break;
        case 9:
            session_close(c);
            session_open(c);
            break;
        case 10:
            on_restart();
            break;
        default:
            break;
        }
    }
done:
    if (!m.full) {
        /* Drain: every packet gets its verdict, everything stored becomes durable. */
        m.oom_next = false;
        on_submit();
        on_collect(true, STORE_ERR_NONE);
        on_submit();
        on_collect(true, STORE_ERR_NONE);
        for (int i = 0; i < 2; i++) {
            on_acks(&m.cl[i], false);
            FUZZ_CHECK(m.cl[i].exp_count == 0 && m.cl[i].sess.count == 0);
            FUZZ_CHECK(m.cl[i].sess.lost == 0);
        }
        on_restart();
    }
    session_close(&m.cl[0]);
    session_close(&m.cl[1]);
    return 0;
}
