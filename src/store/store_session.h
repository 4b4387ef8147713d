/*
 * The store server's decisions as a sans-I/O core (the h11 / quinn-proto pattern): the
 * shell feeds it events and carries out the actions it returns; the core never touches a
 * socket, a file, a clock or the allocator, so a test or a fuzz target can drive a whole
 * session deterministically (docs/store-protocol.md, "The session core").
 *
 * Two pieces of caller-owned state:
 *   struct store_server   one per daemon: limits, log sequence numbers (lsn), what is
 *                         durable, the disk-space figure, statistics;
 *   struct store_session  one per client connection: its verdicts waiting to be
 *                         acknowledged, in the order its packets came, in a ring of
 *                         store_pending_ack the caller allocates (and may grow).
 *
 * Events (shell -> core):
 *   store_session_receive   a packet arrived (its kept and wire lengths). Either its
 *                           reject is queued at once (PH_REJECT), or the case needs the
 *                           shell's facts (PH_OK) and then:
 *   store_session_decide    the facts about that case (duplicate?, counts, folder
 *                           usable?) -> STORED with an lsn to log, DUPLICATE or REJECTED;
 *                           the verdict is queued in the session.
 *   store_session_undo      the shell could not log a case it was told to store.
 *   store_server_space      the disk-space figure: bytes new cases may still use.
 *   store_server_durable    the log is durable up to an lsn: verdicts up to it may go.
 *   store_session_fail      a log write failed: its cases' verdicts become rejects.
 *   store_server_replay     start-up: one record found in the log (store_replay.c).
 * Actions (core -> shell):
 *   the decision of store_session_decide (log this case with this lsn, or not);
 *   store_session_ack       the next ack packet to send (coalesced runs), then
 *   store_session_acked     once it was sent;
 *   store_session_paused    stop reading this client (too many unread verdicts);
 *   store_server_disk_changed  the disk-full state flipped (the shell logs it).
 */
#ifndef STORE_SESSION_H
#define STORE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_server_config {
    size_t max_case;           /* payload bytes (--max-size) */
    uint64_t max_target_cases; /* per target and kind (--max-cases) */
    uint64_t max_bytes;        /* payload bytes in the corpus (--max-bytes) */
    bool raw;                  /* raw mode: every packet is a queue case, nothing is acked */
};

struct store_server_stats {
    uint64_t stored, duplicates, rejected, bytes;
};

struct store_server {
    struct store_server_config cfg;
    uint64_t next_lsn;      /* the lsn the next stored case gets */
    uint64_t committed_lsn; /* the log is durable up to here */
    int64_t space_left;     /* disk admission: bytes new cases may still take */
    bool disk_full;         /* the last case was refused for space */
    bool disk_changed;      /* disk_full flipped since the shell last asked */
    struct store_server_stats st;
};

struct store_pending_ack {
    uint32_t seq;
    uint8_t verdict; /* enum store_verdict */
    uint8_t reason;  /* enum store_error */
    uint64_t lsn;    /* sendable once the log is durable up to here; 0: at once */
};

struct store_session {
    struct store_pending_ack *acks; /* caller-owned ring of cap entries */
    size_t cap, head, count;
    uint64_t lost; /* verdicts that found the ring full (the shell did not grow it) */
};

/* What the shell knows about a decoded case (store_session_decide). */
struct store_facts {
    bool target_known;      /* false: the shell cannot track one more target */
    bool duplicate;         /* the same target, kind and content is stored or logged */
    uint64_t duplicate_lsn; /* the original's lsn (0: already durable) */
    uint64_t target_cases;  /* cases of this target and kind now */
    uint64_t total_bytes;   /* payload bytes now */
    bool folder_usable;     /* the target's folder opens beneath the corpus, no link */
};

struct store_verdict_out {
    enum store_verdict verdict;
    enum store_error reason; /* REJECTED: why */
    uint64_t lsn;            /* STORED: log the case with this lsn; DUPLICATE: the original's */
};

/* Bytes a case takes on disk while its record and its file both exist: what disk
 * admission counts against store_server_space's figure. The shell's log and file layout
 * set the overheads. */
#define STORE_RECORD_OVERHEAD 44u  /* the log record header */
#define STORE_BLOCK_OVERHEAD 4096u /* file blocks are rounded up: a block per copy */

void store_server_init(struct store_server *s, const struct store_server_config *cfg,
                       uint64_t next_lsn);
/* The disk-space figure, refreshed by the shell (once per loop iteration). */
void store_server_space(struct store_server *s, int64_t space_left);
/* True once after disk_full flipped; *full tells the new state. */
bool store_server_disk_changed(struct store_server *s, bool *full);
/* The log is durable up to lsn (never goes back). */
void store_server_durable(struct store_server *s, uint64_t lsn);

void store_session_init(struct store_session *c, struct store_pending_ack *ring, size_t cap);
/* The caller grew the ring: ring holds the old entries at the same indices (realloc). */
void store_session_regrow(struct store_session *c, struct store_pending_ack *ring, size_t cap);
/* Free slots; moves the waiting entries to the front first, so a grown ring keeps them. */
size_t store_session_room(struct store_session *c);

/* A packet arrived: pkt[0..kept) of a packet wire bytes long (kept < wire: the kernel cut
 * it). PH_REJECT: its reject is queued (unless raw) and counted. PH_OK: d->c is the case;
 * the caller gathers its facts and calls store_session_decide. d's slices point into
 * pkt. */
enum ph_status store_session_receive(struct store_server *s, struct store_session *c,
                                     const uint8_t *pkt, size_t kept, size_t wire,
                                     struct store_decision *d);
/* Decides a case store_session_receive accepted and queues its verdict. STORED: the
 * caller appends it to the log with out->lsn (or calls store_session_undo). */
void store_session_decide(struct store_server *s, struct store_session *c,
                          const struct store_case *sc, const struct store_facts *f,
                          struct store_verdict_out *out);
/* The caller could not log the case it was told to store at lsn (out of memory): its
 * verdict becomes a reject with reason. */
void store_session_undo(struct store_server *s, struct store_session *c, uint64_t lsn, size_t bytes,
                        enum store_error reason);
/* A log write of the lsns (committed, last] failed: the verdicts of this session that
 * wait on them (stored cases and duplicates of them) become rejects with reason. */
void store_session_fail(const struct store_server *s, struct store_session *c, uint64_t last,
                        enum store_error reason);
/* The statistics side of a failed log write of n cases. */
void store_server_fail(struct store_server *s, uint64_t n, uint64_t bytes);

/* Whether the first waiting verdict may be sent (the log is durable up to it). */
bool store_session_sendable(const struct store_server *s, const struct store_session *c);
/* Too many unread verdicts: stop reading from this client. */
bool store_session_paused(const struct store_session *c);
/* Writes the next ack packet (the sendable verdicts from the head, coalesced, at most
 * STORE_MAX_ACK_RUNS runs) into out; returns its length (0: nothing to send) and in
 * *covered how many verdicts it carries. Nothing changes until store_session_acked. */
size_t store_session_ack(const struct store_server *s, const struct store_session *c, uint8_t *out,
                         size_t cap, size_t *covered);
/* The ack packet carrying the first n verdicts was sent. */
void store_session_acked(struct store_session *c, size_t n);

/* ---- replay at start-up (store_replay.c) ---------------------------------------------- */

enum store_replay_action {
    STORE_REPLAY_SKIP,       /* already in the corpus: nothing to write */
    STORE_REPLAY_WRITE,      /* write it to <corpus>/<target>/ (or the kind's folder) */
    STORE_REPLAY_QUARANTINE, /* its folder cannot be used: set it aside, count it, go on */
    STORE_REPLAY_INVALID,    /* not a record the daemon could have written: skip, say so */
};

/* One whole, checksummed log record: what to do with it. Also advances next_lsn and
 * committed_lsn past it (what the log holds was durable). */
enum store_replay_action store_server_replay(struct store_server *s, const uint8_t *target,
                                             size_t target_len, uint8_t kind, uint64_t lsn,
                                             bool in_corpus, bool folder_usable);

#endif
