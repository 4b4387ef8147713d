/*
 * The corpus root on disk:
 *
 *   <root>/<target>/<sha1>                 queue cases: what afl-fuzz -i and libFuzzer read
 *   <root>/.store/crashes/<target>/<sha1>  crashes
 *   <root>/.store/hangs/<target>/<sha1>    hangs
 *   <root>/.store/wal/<n>.wal              the write-ahead log
 *   <root>/.store/tmp/                     files being written, renamed into place when whole
 *   <root>/.store/quarantine/              cases whose target folder could not be used
 *   <root>/.store/lock                     held (flock) by the one daemon serving this root
 *
 * Everything lives on one filesystem, so rename is atomic and a reader of <root>/<target>/
 * never sees a partial file. Nothing beneath <root> is reached through a link: every folder
 * is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or component by component
 * with O_NOFOLLOW where the kernel lacks it, and files are created relative to those.
 */
#ifndef STORE_FS_H
#define STORE_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_index.h"

struct store_dirs {
    int root;
    int meta;                    /* .store */
    int wal;                     /* .store/wal */
    int tmp;                     /* .store/tmp */
    int quarantine;              /* .store/quarantine */
    int kinds[STORE_KIND_COUNT]; /* the parent of each kind's target folders */
    int lock;
};

/* Creates the layout under root (which must exist or be creatable), takes the lock and
 * empties tmp/. Returns 0, or -1 with err set (another daemon holds the lock: EWOULDBLOCK). */
int store_fs_open(const char *root, struct store_dirs *d, char *err);
void store_fs_close(struct store_dirs *d);

/* store_fs_write_case's answer when the target's folder cannot be used: a file, a link,
 * a dangling link, no permission (errno says which). */
#define STORE_FS_UNUSABLE (-2)

/* Opens path (relative, '/'-separated) beneath dirfd as a folder, following no link and
 * never leaving dirfd: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the kernel
 * has it (5.6+), else a walk of openat(O_NOFOLLOW | O_DIRECTORY), one component at a
 * time (PH_STORE_NO_OPENAT2=1 forces the walk). Returns the fd, or -1 with errno. */
int store_fs_open_dir_beneath(int dirfd, const char *path);

/* Creates (if missing) and opens the folder of a target for a kind. Returns the fd, or
 * -1 with errno when it cannot be used. */
int store_fs_target_open(const struct store_dirs *d, uint8_t kind, const char *target);
/* Whether cases of this target and kind can be written now: the folder opens beneath the
 * corpus without a link and this process may create files in it. */
bool store_fs_target_usable(const struct store_dirs *d, uint8_t kind, const char *target);

/* Writes one case as <kind dir>/<target>/<sha1>: a temporary file, then rename. No
 * fsync: durability comes from the log and a syncfs before the log is dropped. Returns 0,
 * STORE_FS_UNUSABLE when the target folder cannot be used, or -1 on another error (disk
 * full, I/O), with errno. Writing a case that is already there replaces it with the
 * same bytes. */
int store_fs_write_case(const struct store_dirs *d, const char *target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], const uint8_t *data, size_t len);
/* The same into a target folder the caller opened with store_fs_target_open. Returns 0,
 * STORE_FS_UNUSABLE (the file could not be put there: something else has its name) or
 * -1, with errno. */
int store_fs_write_case_at(const struct store_dirs *d, int target_fd, const char *target,
                           uint8_t kind, const uint8_t digest[STORE_DIGEST_LEN],
                           const uint8_t *data, size_t len);
/* Sets a case aside as .store/quarantine/<sha1>.<kind>.<target> (its target folder could
 * not be used). Returns 0 or -1 with errno. */
int store_fs_quarantine(const struct store_dirs *d, const char *target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], const uint8_t *data, size_t len);

/* Calls fn for every case file already in the corpus. Returns 0 or -1. */
typedef int store_fs_case_fn(void *arg, const char *target, uint8_t kind,
                             const uint8_t digest[STORE_DIGEST_LEN], uint64_t bytes);
int store_fs_scan(const struct store_dirs *d, store_fs_case_fn *fn, void *arg, char *err);

#endif
