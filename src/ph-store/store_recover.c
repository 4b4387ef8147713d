#include "store_recover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_daemon.h"
#include "store_materializer.h"
#include "store_wal.h"
#include "net/net_socket.h" /* NET_ERR_LEN */
#include "util/daemon_log.h"

static int index_existing(void *arg, const char *target, uint8_t kind,
                          const uint8_t digest[STORE_DIGEST_LEN], uint64_t bytes)
{
    struct store_index *ix = arg;
    int t = store_index_target(ix, (const uint8_t *)target, strlen(target));
    if (t < 0)
        return -1;
    if (store_index_find(ix, (uint16_t)t, kind, digest) != NULL)
        return 0;
    return store_index_add(ix, (uint16_t)t, kind, digest, 0, (size_t)bytes) ? 0 : -1;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* From a zero byte at off inside a punched hole: the offset of the next record, found
 * by its magic and checked by its CRC, or size. */
static size_t skip_hole(const uint8_t *map, size_t size, size_t off)
{
    while (off < size && map[off] == 0)
        off++;
    for (; off + STORE_WAL_HEADER_LEN <= size; off++) {
        struct store_wal_record rec;
        if (map[off] == 'P' && store_wal_parse(map + off, size - off, &rec) != 0)
            return off;
    }
    return size;
}

struct replay {
    const struct store_dirs *dirs;
    struct store_index *ix;
    struct store_server *srv;
    struct store_recovery *out;
    char *err;
};

/* Carries out the core's decision for one whole record. Returns 0, or -1 with err set
 * when the corpus cannot be written at all (disk full, I/O error, out of memory). */
static int replay_record(struct replay *r, const char *segment, const struct store_wal_record *rec)
{
    char target[STORE_MAX_TARGET_LEN + 1];
    int t = -1;
    bool in_corpus = false, usable = false;
    if (store_target_valid(rec->target, rec->target_len) && rec->kind < STORE_KIND_COUNT) {
        memcpy(target, rec->target, rec->target_len);
        target[rec->target_len] = '\0';
        t = store_index_target(r->ix, rec->target, rec->target_len);
        if (t < 0) {
            snprintf(r->err, NET_ERR_LEN, "recovery: out of memory");
            return -1;
        }
        in_corpus = store_index_find(r->ix, (uint16_t)t, rec->kind, rec->digest) != NULL;
        usable = in_corpus || store_fs_target_usable(r->dirs, rec->kind, target);
    }
    int why = errno;
    switch (store_server_replay(r->srv, rec->target, rec->target_len, rec->kind, rec->lsn,
                                in_corpus, usable)) {
    case STORE_REPLAY_SKIP:
        return 0; /* materialized before the crash */
    case STORE_REPLAY_INVALID:
        r->out->invalid++;
        daemon_logf("log %s: record %llu names no valid target or kind: skipped", segment,
                    (unsigned long long)rec->lsn);
        return 0;
    case STORE_REPLAY_WRITE: {
        int rc = store_materialize_record(r->dirs, rec);
        if (rc == 0)
            break;
        if (rc != STORE_FS_UNUSABLE) {
            snprintf(r->err, NET_ERR_LEN, "recovery: writing a case from %s: %s", segment,
                     strerror(errno));
            return -1;
        }
        why = errno; /* the folder went bad between the check and the write */
    }
        /* fall through */
    case STORE_REPLAY_QUARANTINE:
        if (store_quarantine_record(r->dirs, rec) != 0) {
            snprintf(r->err, NET_ERR_LEN, "recovery: setting aside a case of %s from %s: %s",
                     target, segment, strerror(errno));
            return -1;
        }
        r->out->quarantined++;
        daemon_logf("recovery: the %s folder of target %s cannot be used (%s): a case set "
                    "aside in .store/quarantine/",
                    store_kind_name((enum store_kind)rec->kind), target, strerror(why));
        return 0; /* not in the index: a new copy sent later is stored */
    }
    if (store_index_add(r->ix, (uint16_t)t, rec->kind, rec->digest, 0, rec->payload_len) == NULL) {
        snprintf(r->err, NET_ERR_LEN, "recovery: out of memory");
        return -1;
    }
    r->out->replayed++;
    return 0;
}

/* Replays one segment: every whole, valid record not yet in the corpus is written to it.
 * A torn record (a crash mid-write) ends the segment: it was never acknowledged. */
static int replay_segment(struct replay *r, uint64_t segment)
{
    char name[32];
    store_wal_segment_name(segment, name);
    int fd = openat(r->dirs->wal, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(r->err, NET_ERR_LEN, "open log %s: %s", name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    uint8_t *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(r->err, NET_ERR_LEN, "mmap log %s: %s", name, strerror(errno));
        return -1;
    }
    size_t off = 0, size = (size_t)st.st_size;
    int rc = 0;
    while (off < size && rc == 0) {
        struct store_wal_record rec;
        size_t n = store_wal_parse(map + off, size - off, &rec);
        if (n == 0 && map[off] == 0) {
            /* A punched hole (records already in the corpus): the next record starts
             * after it, possibly inside the block where the hole ended. */
            off = skip_hole(map, size, off);
            continue;
        }
        if (n == 0) {
            daemon_logf("log %s: %zu bytes after offset %zu are not a whole record: ignored "
                        "(never acknowledged)",
                        name, size - off, off);
            break;
        }
        off += n;
        rc = replay_record(r, name, &rec);
    }
    munmap(map, size);
    return rc;
}

/* The numbers of the log's segments, sorted. Returns 0 or -1 with err set. */
static int list_segments(int waldir, uint64_t **segments, size_t *nseg, char *err)
{
    size_t cap = 0;
    *segments = NULL;
    *nseg = 0;
    int fd = dup(waldir);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        snprintf(err, NET_ERR_LEN, "open log dir: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        uint64_t n;
        if (!store_wal_segment_number(e->d_name, &n))
            continue;
        if (*nseg == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *s = realloc(*segments, cap * sizeof(*s));
            if (s == NULL) {
                closedir(dir);
                free(*segments);
                *segments = NULL;
                snprintf(err, NET_ERR_LEN, "recovery: out of memory");
                return -1;
            }
            *segments = s;
        }
        (*segments)[(*nseg)++] = n;
    }
    closedir(dir);
    if (*nseg > 1)
        qsort(*segments, *nseg, sizeof(**segments), compare_u64);
    return 0;
}

int store_recover(const struct store_dirs *dirs, struct store_index *ix, struct store_server *srv,
                  struct store_recovery *out, char *err)
{
    memset(out, 0, sizeof(*out));
    if (store_fs_scan(dirs, index_existing, ix, err) != 0)
        return -1;
    out->indexed = ix->count;

    uint64_t *segments;
    size_t nseg;
    if (list_segments(dirs->wal, &segments, &nseg, err) != 0)
        return -1;
    struct replay r = {dirs, ix, srv, out, err};
    for (size_t i = 0; i < nseg; i++) {
        if (replay_segment(&r, segments[i]) != 0) {
            free(segments);
            return -1;
        }
    }
    /* Everything replayed must be on disk before the log that held it goes. */
    if (syncfs(dirs->root) != 0) {
        snprintf(err, NET_ERR_LEN, "syncfs: %s", strerror(errno));
        free(segments);
        return -1;
    }
    for (size_t i = 0; i < nseg; i++) {
        char name[32];
        store_wal_segment_name(segments[i], name);
        unlinkat(dirs->wal, name, 0);
    }
    out->next_segment = nseg > 0 ? segments[nseg - 1] + 1 : 0;
    free(segments);
    return 0;
}
