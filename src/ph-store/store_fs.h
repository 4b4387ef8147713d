/*
 * The corpus root on disk:
 *
 *   <root>/<target>/<sha1>                 queue cases: what afl-fuzz -i and libFuzzer read
 *   <root>/.store/crashes/<target>/<sha1>  crashes
 *   <root>/.store/hangs/<target>/<sha1>    hangs
 *   <root>/.store/wal/<n>.wal              the write-ahead log
 *   <root>/.store/tmp/                     files being written, renamed into place when whole
 *   <root>/.store/lock                     held (flock) by the one daemon serving this root
 *
 * Everything lives on one filesystem, so rename is atomic and a reader of <root>/<target>/
 * never sees a partial file.
 */
#ifndef STORE_FS_H
#define STORE_FS_H

#include <stddef.h>
#include <stdint.h>

#include "store_index.h"

struct store_dirs {
    int root;
    int meta;    /* .store */
    int wal;     /* .store/wal */
    int tmp;     /* .store/tmp */
    int kinds[STORE_KIND_COUNT]; /* the parent of each kind's target folders */
    int lock;
};

/* Creates the layout under root (which must exist or be creatable), takes the lock and
 * empties tmp/. Returns 0, or -1 with err set (another daemon holds the lock: EWOULDBLOCK). */
int store_fs_open(const char *root, struct store_dirs *d, char *err);
void store_fs_close(struct store_dirs *d);

/* Writes one case as <kind dir>/<target>/<sha1>: a temporary file, then rename. No
 * fsync: durability comes from the log and a syncfs before the log is dropped. Returns 0,
 * or -1 with errno. Writing a case that is already there replaces it with the same bytes. */
int store_fs_write_case(const struct store_dirs *d, const char *target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], const uint8_t *data, size_t len);

/* Calls fn for every case file already in the corpus. Returns 0 or -1. */
typedef int store_fs_case_fn(void *arg, const char *target, uint8_t kind,
                             const uint8_t digest[STORE_DIGEST_LEN], uint64_t bytes);
int store_fs_scan(const struct store_dirs *d, store_fs_case_fn *fn, void *arg, char *err);

#endif
