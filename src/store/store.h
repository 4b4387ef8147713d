/*
 * The store protocol (docs/store-protocol.md): a pure core. Clients send one test case
 * per SOCK_SEQPACKET packet; the daemon acknowledges runs of cases. Everything here
 * works on bytes only: hashing, files and sockets belong to the shells.
 *
 * Return convention (src/common/ph_types.h): PH_OK, or PH_REJECT with a named error and
 * its offset. A packet is always whole, so PH_INCOMPLETE is never returned: a short or
 * truncated packet is a reject.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/ph_types.h"
#include "store_limits.h"

#define STORE_MAGIC_0 'P'
#define STORE_MAGIC_1 'H'
#define STORE_VERSION 1
#define STORE_CASE_HEADER_LEN 14 /* before the target name */
#define STORE_ACK_HEADER_LEN 8
#define STORE_ACK_RUN_LEN 12

enum store_packet_type {
    STORE_TYPE_CASE = 1,
    STORE_TYPE_ACK = 2,
};

enum store_kind {
    STORE_KIND_QUEUE = 0, /* a corpus entry */
    STORE_KIND_CRASH = 1,
    STORE_KIND_HANG = 2,
};
#define STORE_KIND_COUNT 3

enum store_verdict {
    STORE_STORED = 0,
    STORE_DUPLICATE = 1,
    STORE_REJECTED = 2,
};

/* X(name, message). The daemon's own reasons (limits, disk) share the table, because
 * they travel in the same ack field. */
#define STORE_ERRORS(X)                                                      \
    X(NONE, "no error")                                                      \
    X(TOO_SHORT, "packet shorter than its header")                           \
    X(BAD_MAGIC, "not a store packet")                                       \
    X(BAD_VERSION, "unsupported protocol version")                           \
    X(BAD_TYPE, "unexpected packet type")                                    \
    X(BAD_KIND, "unknown case kind")                                         \
    X(TARGET_INVALID, "target name not [A-Za-z0-9_.-] or starts with a dot") \
    X(TARGET_TOO_LONG, "target name too long")                               \
    X(LENGTH_MISMATCH, "payload length does not match the packet")           \
    X(EMPTY_CASE, "empty test case")                                         \
    X(CASE_TOO_LARGE, "test case larger than the daemon's limit")            \
    X(TRUNCATED, "packet larger than the receive buffer")                    \
    X(TARGET_FULL, "per-target case limit reached")                          \
    X(STORE_FULL, "total byte limit reached")                                \
    X(NO_SPACE, "no space left on the corpus filesystem")                    \
    X(IO_ERROR, "I/O error writing the case")                                \
    X(BAD_ACK, "malformed ack packet")                                       \
    X(TARGET_UNUSABLE, "the target's folder in the corpus cannot be used")

enum store_error {
#define STORE_ERROR_ENUM(name, message) STORE_ERR_##name,
    STORE_ERRORS(STORE_ERROR_ENUM)
#undef STORE_ERROR_ENUM
};

const char *store_strerror(enum store_error error);
const char *store_error_name(enum store_error error);
const char *store_kind_name(enum store_kind kind);
const char *store_verdict_name(enum store_verdict verdict);

/* ---- the daemon's side ---------------------------------------------------------------- */

struct store_case {
    uint32_t seq;
    enum store_kind kind;
    struct ph_slice target;
    struct ph_slice data;
};

/* What the daemon does with one packet. */
struct store_decision {
    struct store_case c; /* PH_OK: the case to store; PH_REJECT: seq, when it was readable */
    size_t consumed;
    enum store_error error;
    size_t error_offset;
};

/* Decodes and checks one case packet against max_case (bytes). PH_OK: store d->c.
 * PH_REJECT: acknowledge d->c.seq as rejected with d->error. */
enum ph_status store_handle_packet(const uint8_t *pkt, size_t len, size_t max_case,
                                   struct store_decision *d);

/* Raw mode (the classic afl-store.sock usage): the packet is the case. */
enum ph_status store_handle_raw_packet(const uint8_t *pkt, size_t len, size_t max_case,
                                       struct store_decision *d);

bool store_target_valid(const uint8_t *name, size_t len);

/* ---- acks ----------------------------------------------------------------------------- */

struct store_ack_run {
    uint32_t first_seq;
    uint32_t count;
    enum store_verdict verdict;
    enum store_error reason;
};

/* Verdicts coalesce into runs: consecutive sequence numbers with the same verdict and
 * reason make one run. */
struct store_ack_batch {
    struct store_ack_run runs[STORE_MAX_ACK_RUNS];
    size_t nruns;
};

void store_ack_init(struct store_ack_batch *b);
/* Adds one verdict. Returns false when the batch is full (encode and send it, start a
 * new one, add again). */
bool store_ack_add(struct store_ack_batch *b, uint32_t seq, enum store_verdict verdict,
                   enum store_error reason);
/* Writes the ack packet; returns its length, or 0 if cap is too small. */
size_t store_ack_encode(const struct store_ack_batch *b, uint8_t *out, size_t cap);
size_t store_ack_size(const struct store_ack_batch *b);

/* ---- the client's side ---------------------------------------------------------------- */

/* Writes a case packet; returns its length, or 0 if the arguments are invalid or cap is
 * too small. */
size_t store_case_encode(uint32_t seq, enum store_kind kind, const char *target,
                         const uint8_t *data, size_t len, uint8_t *out, size_t cap);
size_t store_case_size(size_t target_len, size_t data_len);

struct store_ack {
    struct store_ack_run runs[STORE_MAX_ACK_RUNS];
    size_t nruns;
    size_t consumed;
    enum store_error error;
    size_t error_offset;
};

enum ph_status store_ack_decode(const uint8_t *pkt, size_t len, struct store_ack *ack);

#endif
