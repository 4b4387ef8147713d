/* Every limit of the store protocol and daemon, in one place. */
#ifndef STORE_LIMITS_H
#define STORE_LIMITS_H

/* Target names: [A-Za-z0-9_.-], not starting with ".", at most this long. */
#define STORE_MAX_TARGET_LEN 64

/* Where ph-store listens and ph-send sends unless told otherwise: the afl-store.sock
 * convention. */
#define STORE_DEFAULT_SOCKET "/tmp/afl-store.sock"

/* Test-case bytes: the default limit (--max-size) and the most it may be raised to. The
 * classic AFL limit of 64 KiB is far inside the default. */
#define STORE_DEFAULT_MAX_CASE (1024u * 1024u)
#define STORE_MAX_CASE_LIMIT (16u * 1024u * 1024u)

/* Runs in one ack packet: 8 + 12 * 256 bytes. */
#define STORE_MAX_ACK_RUNS 256

/* Verdicts a client may leave unread before the daemon stops reading from it. */
#define STORE_MAX_PENDING_ACKS 65536

#endif
