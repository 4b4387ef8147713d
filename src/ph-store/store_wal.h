/*
 * The store's write-ahead log: cases are appended to a segment file in batches, one
 * fdatasync per batch (group commit), and acknowledged only after it. The materializer
 * then turns each record into a corpus file; segments whose records are all in the
 * corpus (and synced) are deleted. docs/store-protocol.md describes the format and
 * recovery.
 *
 * Writing is pipelined: a batch is handed to the log's own thread, which checksums it,
 * writes it and waits for fdatasync while the event loop fills the next batch. At most
 * one batch is in flight, so the log on disk is always a prefix of what was appended.
 *
 * Record layout (little-endian, 44-byte header):
 *   0  4  magic "PHWR"       12  1  kind            16 20  SHA-1 of the payload
 *   4  4  crc32 of 8..end    13  1  target length   36  8  lsn
 *   8  4  payload length     14  2  reserved (0)    44  target name, then payload
 */
#ifndef STORE_WAL_H
#define STORE_WAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_index.h"

#define STORE_WAL_HEADER_LEN 44
/* A new segment is started once the active one passes this size. */
#define STORE_WAL_SEGMENT_BYTES (64u * 1024u * 1024u)
/* Direct I/O alignment of batches in the file and in memory: the largest logical block
 * size in common use. */
#define STORE_WAL_ALIGN 4096u

struct store_wal_record {
    uint64_t lsn;
    uint8_t kind;
    uint8_t digest[STORE_DIGEST_LEN];
    const uint8_t *target;
    size_t target_len;
    const uint8_t *payload;
    size_t payload_len;
};

/* Where a record lives, for the materializer. Until its batch is submitted, segment is
 * unknown and offset is relative to the batch. */
struct store_wal_pos {
    uint64_t segment;
    uint64_t offset;
    uint32_t length; /* the whole record */
    uint64_t lsn;
};

/* Records appended since the last submit, or the batch being written. */
struct store_wal_batch {
    uint8_t *buf;
    size_t len, cap;
    size_t write_len; /* len padded to whole blocks for direct I/O; set by submit */
    uint64_t last_lsn;
    uint64_t segment, offset; /* where it goes; set by submit */
};

struct store_wal {
    int dirfd;                     /* <root>/.store/wal */
    int fd;                        /* the active segment */
    uint64_t segment;              /* its number */
    uint64_t size;                 /* bytes in it, the batch in flight included */
    bool direct;                   /* written with O_DIRECT */
    struct store_wal_batch fill;   /* appended by the event loop */
    struct store_wal_batch flight; /* owned by the log thread while in_flight */
    bool in_flight;
    int done_fd; /* eventfd: readable when the batch in flight is written and synced */

    pthread_t thread;
    bool thread_running;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    bool submitted, stopping; /* under mu */
    int result;               /* 0 or errno of the batch in flight; under mu */
};

/* Opens a new, empty active segment numbered `segment` in dirfd, maps two batches of
 * batch_bytes (the most the caller appends before submitting, padding included) and
 * starts the log thread. Returns 0, or -1 with a message in err. */
int store_wal_open(struct store_wal *w, int dirfd, uint64_t segment, size_t batch_bytes, char *err);
/* Waits for the batch in flight, stops the thread, closes the segment. */
void store_wal_close(struct store_wal *w);

/* Appends one record with the lsn the session core gave it (increasing) to the filling
 * batch; fills pos, whose offset is relative to the batch until store_wal_submit.
 * Returns 0 or -1 (out of memory). */
int store_wal_append(struct store_wal *w, uint64_t lsn, uint8_t kind, const uint8_t *digest,
                     const uint8_t *target, size_t target_len, const uint8_t *payload,
                     size_t payload_len, struct store_wal_pos *pos);

/* Hands the filling batch to the log thread; nothing may be in flight. Starts a new
 * segment first when the active one is full, then makes the n positions of the batch's
 * records absolute. A failed rotation is reported in err (return -1) and the batch goes
 * to the old segment anyway. */
int store_wal_submit(struct store_wal *w, struct store_wal_pos *pos, size_t n, char *err);

/* Collects the batch in flight, waiting for it when wait is set. Returns 1 when it was
 * collected (*error: 0 when durable, else the errno of the failed write or sync; the
 * segment was cut back to where the batch began), 0 when it is still being written or
 * nothing was in flight. */
int store_wal_collect(struct store_wal *w, bool wait, int *error);

/* Parses the record at buf[0..len). Returns its total length, or 0 when the bytes are
 * not a whole valid record (a torn write at the end of a segment after a crash). */
size_t store_wal_parse(const uint8_t *buf, size_t len, struct store_wal_record *rec);

/* Segment file name for a number: 16 hex digits and ".wal". */
void store_wal_segment_name(uint64_t segment, char name[32]);
bool store_wal_segment_number(const char *name, uint64_t *segment);

#endif
