/*
 * ph-store: the corpus-collector daemon. A thin shell over the pure store core: the
 * shared event loop serves many SOCK_SEQPACKET clients; every case goes to the
 * write-ahead log and is acknowledged after the batch's fdatasync; the materializer
 * thread turns the log into corpus files.
 */
#ifndef STORE_DAEMON_H
#define STORE_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STORE_MAX_ALLOWED_UIDS 16
/* Defaults of the limits a user can set. */
#define STORE_DEFAULT_MAX_TARGET_CASES 10000000u
#define STORE_DEFAULT_MAX_BYTES (64ull << 30)
/* Log bytes not yet in the corpus before the daemon stops reading (backpressure). */
#define STORE_DEFAULT_MAX_BACKLOG (2ull << 30)
/* Free space kept on the corpus filesystem by default: the smaller of this and a tenth of
 * the filesystem. Cases that would eat into it are rejected with NO_SPACE, so the log
 * never takes the room its own cases need to become corpus files. */
#define STORE_DEFAULT_MIN_FREE (64ull << 20)

struct store_config {
    const char *corpus;
    const char *socket_path;
    const char *raw_target; /* NULL: the store protocol; else every packet is a case */
    size_t max_case;
    uint64_t max_target_cases; /* per target and kind */
    uint64_t max_bytes;        /* payload bytes in the whole corpus */
    uint64_t max_backlog;
    uint64_t min_free; /* bytes kept free on the corpus filesystem; 0: automatic */
    uid_t allowed_uids[STORE_MAX_ALLOWED_UIDS];
    size_t nallowed;
    const char *status_file; /* --status-file: NULL for none (util/daemon_log.h) */
    bool verbose;
};

/* Runs the daemon until SIGTERM or SIGINT. Returns the process exit status. */
int store_daemon_run(const struct store_config *cfg);

#endif
