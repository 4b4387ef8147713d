/*
 * The store's write-ahead log: cases are appended to a segment file in batches, one
 * fdatasync per batch (group commit), and acknowledged only after it. The materializer
 * then turns each record into a corpus file; segments whose records are all in the
 * corpus (and synced) are deleted. docs/store-protocol.md describes the format and
 * recovery.
 *
 * Record layout (little-endian, 44-byte header):
 *   0  4  magic "PHWR"       12  1  kind            16 20  SHA-1 of the payload
 *   4  4  crc32 of 8..end    13  1  target length   36  8  lsn
 *   8  4  payload length     14  2  reserved (0)    44  target name, then payload
 */
#ifndef STORE_WAL_H
#define STORE_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_index.h"

#define STORE_WAL_HEADER_LEN 44
/* A new segment is started once the active one passes this size. */
#define STORE_WAL_SEGMENT_BYTES (64u * 1024u * 1024u)

struct store_wal_record {
    uint64_t lsn;
    uint8_t kind;
    uint8_t digest[STORE_DIGEST_LEN];
    const uint8_t *target;
    size_t target_len;
    const uint8_t *payload;
    size_t payload_len;
};

/* Where a committed record lives, for the materializer. */
struct store_wal_pos {
    uint64_t segment;
    uint64_t offset;
    uint32_t length; /* the whole record */
    uint64_t lsn;
};

struct store_wal {
    int dirfd;          /* <root>/.store/wal */
    int fd;             /* the active segment */
    uint64_t segment;   /* its number */
    uint64_t size;      /* committed bytes in it */
    uint64_t next_lsn;
    uint8_t *batch;     /* records appended since the last commit */
    size_t batch_len;
    size_t batch_cap;
};

/* Opens a new, empty active segment numbered `segment` in dirfd. */
int store_wal_open(struct store_wal *w, int dirfd, uint64_t segment, uint64_t next_lsn, char *err);
void store_wal_close(struct store_wal *w);

/* Appends one record to the batch; fills pos (valid once committed). Returns 0 or -1
 * (out of memory). */
int store_wal_append(struct store_wal *w, uint8_t kind, const uint8_t *digest,
                     const uint8_t *target, size_t target_len, const uint8_t *payload,
                     size_t payload_len, struct store_wal_pos *pos);

/* Writes the batch and fdatasyncs it. On failure the segment is cut back to where the
 * batch began, so nothing half-written stays; returns -1 with errno (ENOSPC, EDQUOT,
 * EIO...), and the batch is dropped. */
int store_wal_commit(struct store_wal *w, char *err);

/* Starts a new segment when the active one is full. Returns 0 or -1. */
int store_wal_maybe_rotate(struct store_wal *w, char *err);

/* Parses the record at buf[0..len). Returns its total length, or 0 when the bytes are
 * not a whole valid record (a torn write at the end of a segment after a crash). */
size_t store_wal_parse(const uint8_t *buf, size_t len, struct store_wal_record *rec);

/* Segment file name for a number: 16 hex digits and ".wal". */
void store_wal_segment_name(uint64_t segment, char name[32]);
bool store_wal_segment_number(const char *name, uint64_t *segment);

#endif
