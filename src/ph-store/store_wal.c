#include "store_wal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const uint8_t wal_magic[4] = {'P', 'H', 'W', 'R'};

static void put32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64le(const uint8_t *p)
{
    return (uint64_t)get32le(p) | (uint64_t)get32le(p + 4) << 32;
}

static uint32_t record_crc(const uint8_t *rec, size_t len)
{
    /* zlib's crc32 takes a uInt length: records are at most a few MiB. */
    return (uint32_t)crc32(0L, rec + 8, (uInt)(len - 8));
}

void store_wal_segment_name(uint64_t segment, char name[32])
{
    snprintf(name, 32, "%016" PRIx64 ".wal", segment);
}

bool store_wal_segment_number(const char *name, uint64_t *segment)
{
    if (strlen(name) != 20 || strcmp(name + 16, ".wal") != 0)
        return false;
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = name[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *segment = v;
    return true;
}

static int open_segment(struct store_wal *w, uint64_t segment, char *err)
{
    char name[32];
    store_wal_segment_name(segment, name);
    int fd = openat(w->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, 256, "open %s: %s", name, strerror(errno));
        return -1;
    }
    /* The new name must survive a crash too, or recovery would miss the segment. */
    if (fsync(w->dirfd) != 0) {
        snprintf(err, 256, "fsync wal dir: %s", strerror(errno));
        close(fd);
        return -1;
    }
    w->fd = fd;
    w->segment = segment;
    w->size = 0;
    return 0;
}

int store_wal_open(struct store_wal *w, int dirfd, uint64_t segment, uint64_t next_lsn, char *err)
{
    memset(w, 0, sizeof(*w));
    w->dirfd = dirfd;
    w->fd = -1;
    w->next_lsn = next_lsn;
    return open_segment(w, segment, err);
}

void store_wal_close(struct store_wal *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->batch);
    w->batch = NULL;
    w->batch_len = w->batch_cap = 0;
}

int store_wal_append(struct store_wal *w, uint8_t kind, const uint8_t *digest,
                     const uint8_t *target, size_t target_len, const uint8_t *payload,
                     size_t payload_len, struct store_wal_pos *pos)
{
    size_t len = STORE_WAL_HEADER_LEN + target_len + payload_len;
    if (w->batch_len + len > w->batch_cap) {
        size_t cap = w->batch_cap ? w->batch_cap : 1u << 20;
        while (cap < w->batch_len + len)
            cap *= 2;
        uint8_t *b = realloc(w->batch, cap);
        if (b == NULL)
            return -1;
        w->batch = b;
        w->batch_cap = cap;
    }
    uint8_t *r = w->batch + w->batch_len;
    memcpy(r, wal_magic, 4);
    put32le(r + 8, (uint32_t)payload_len);
    r[12] = kind;
    r[13] = (uint8_t)target_len;
    r[14] = r[15] = 0;
    memcpy(r + 16, digest, STORE_DIGEST_LEN);
    uint64_t lsn = w->next_lsn++;
    put64le(r + 36, lsn);
    memcpy(r + STORE_WAL_HEADER_LEN, target, target_len);
    memcpy(r + STORE_WAL_HEADER_LEN + target_len, payload, payload_len);
    put32le(r + 4, record_crc(r, len));

    pos->segment = w->segment;
    pos->offset = w->size + w->batch_len;
    pos->length = (uint32_t)len;
    pos->lsn = lsn;
    w->batch_len += len;
    return 0;
}

int store_wal_commit(struct store_wal *w, char *err)
{
    if (w->batch_len == 0)
        return 0;
    size_t done = 0;
    while (done < w->batch_len) {
        ssize_t n = pwrite(w->fd, w->batch + done, w->batch_len - done, (off_t)(w->size + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    if (fdatasync(w->fd) != 0)
        goto fail;
    w->size += w->batch_len;
    w->batch_len = 0;
    return 0;

fail: {
    int saved = errno ? errno : EIO;
    snprintf(err, 256, "write-ahead log: %s", strerror(saved));
    /* Cut the torn batch off, so recovery never sees it and the space comes back. */
    if (ftruncate(w->fd, (off_t)w->size) != 0) {
        /* Recovery stops at the first bad record anyway; nothing was acknowledged. */
    }
    w->batch_len = 0;
    errno = saved;
    return -1;
}
}

int store_wal_maybe_rotate(struct store_wal *w, char *err)
{
    if (w->size < STORE_WAL_SEGMENT_BYTES)
        return 0;
    int old = w->fd;
    if (open_segment(w, w->segment + 1, err) != 0)
        return -1;
    close(old);
    return 0;
}

size_t store_wal_parse(const uint8_t *buf, size_t len, struct store_wal_record *rec)
{
    if (len < STORE_WAL_HEADER_LEN || memcmp(buf, wal_magic, 4) != 0)
        return 0;
    size_t payload_len = get32le(buf + 8);
    size_t target_len = buf[13];
    if (buf[12] >= STORE_KIND_COUNT || buf[14] != 0 || buf[15] != 0)
        return 0;
    if (target_len > len - STORE_WAL_HEADER_LEN ||
        payload_len > len - STORE_WAL_HEADER_LEN - target_len)
        return 0;
    size_t total = STORE_WAL_HEADER_LEN + target_len + payload_len;
    if (get32le(buf + 4) != record_crc(buf, total))
        return 0;
    if (!store_target_valid(buf + STORE_WAL_HEADER_LEN, target_len))
        return 0;
    rec->kind = buf[12];
    memcpy(rec->digest, buf + 16, STORE_DIGEST_LEN);
    rec->lsn = get64le(buf + 36);
    rec->target = buf + STORE_WAL_HEADER_LEN;
    rec->target_len = target_len;
    rec->payload = rec->target + target_len;
    rec->payload_len = payload_len;
    return total;
}
