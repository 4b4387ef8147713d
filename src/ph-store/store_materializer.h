/*
 * The materializer: a thread that turns committed log records into corpus files, in
 * log order, and drops log segments once every record in them is in the corpus and a
 * syncfs has made that durable. The main thread hands it positions and never waits for
 * it, except to measure the backlog (backpressure) and at shutdown.
 */
#ifndef STORE_MATERIALIZER_H
#define STORE_MATERIALIZER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store_fs.h"
#include "store_wal.h"

/* How often the thread makes its work durable and drops finished segments. */
#define STORE_SYNC_EVERY_FILES 4096
#define STORE_SYNC_EVERY_MS 1000
/* The thread's nice value, relative to the event loop's 0. */
#define STORE_MATERIALIZER_NICE 10
/* Holes are punched in whole blocks of this size. */
#define STORE_PUNCH_ALIGN 4096
/* Wait before retrying a record whose file could not be written (disk full). */
#define STORE_RETRY_MS 200
/* While a log batch is being written, the thread leaves the disk to the log: acks wait
 * for the log, files do not, so a burst goes at the log's speed and the corpus catches up
 * after it. For at most STORE_YIELD_MAX_MS per stretch of work (then it writes until its
 * queue is empty), and only while less than STORE_YIELD_BACKLOG_BYTES (or a quarter of
 * the backlog bound) waits: files still follow the log within about a second. */
#define STORE_YIELD_BACKLOG_BYTES (256ull << 20)
#define STORE_YIELD_MAX_MS 500
#define STORE_YIELD_POLL_MS 5

struct store_materializer {
    const struct store_dirs *dirs;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    struct store_wal_pos *queue; /* ring of committed positions */
    size_t cap, head, count;
    uint64_t queued_bytes;
    uint64_t active_segment; /* the segment the main thread appends to */
    uint64_t oldest_segment; /* the oldest segment file that may still exist */
    bool stopping;
    bool log_busy;        /* a log batch is being written (set by the event loop) */
    uint64_t yield_bytes; /* the backlog below which it yields to the log */
    /* compaction: the end of the last record written out, and how far its segment has
     * been hole-punched (only this thread touches these) */
    uint64_t done_segment, done_end, punched_segment, punched_end;
    /* statistics, read under mu */
    uint64_t written;
    uint64_t write_errors;
    int last_errno;
    /* cases set aside in .store/quarantine/ because their target folder could not be
     * used, the last one's target and why */
    uint64_t quarantined;
    int quarantine_errno;
    char quarantine_target[STORE_MAX_TARGET_LEN + 1];
};

int store_materializer_start(struct store_materializer *m, const struct store_dirs *dirs,
                             uint64_t oldest_segment, uint64_t active_segment, uint64_t max_backlog,
                             char *err);
/* Queues committed records (positions in log order). Returns 0 or -1 (out of memory). */
int store_materializer_push(struct store_materializer *m, const struct store_wal_pos *pos,
                            size_t n);
void store_materializer_set_active(struct store_materializer *m, uint64_t segment);
/* The event loop says whether a log batch is being written. */
void store_materializer_set_log_busy(struct store_materializer *m, bool busy);
/* Cases quarantined so far, and the last one's target and errno (target may be NULL). */
uint64_t store_materializer_quarantined(struct store_materializer *m, char *target, size_t cap,
                                        int *error);
/* Records and bytes committed but not yet in the corpus. */
void store_materializer_backlog(struct store_materializer *m, uint64_t *records, uint64_t *bytes);
/* Finishes every queued record, syncs, drops the finished log, joins the thread. */
void store_materializer_stop(struct store_materializer *m);

/* Used by recovery too: writes one record as a corpus file. Returns 0, STORE_FS_UNUSABLE
 * (its target folder cannot be used) or -1, with errno. */
int store_materialize_record(const struct store_dirs *dirs, const struct store_wal_record *rec);
/* Sets one record aside in .store/quarantine/. Returns 0 or -1 with errno. */
int store_quarantine_record(const struct store_dirs *dirs, const struct store_wal_record *rec);

#endif
