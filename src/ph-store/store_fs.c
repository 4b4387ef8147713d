#include "store_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_dir_at(int parent, const char *name, char *err)
{
    if (mkdirat(parent, name, 0700) != 0 && errno != EEXIST) {
        snprintf(err, 256, "mkdir %s: %s", name, strerror(errno));
        return -1;
    }
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        snprintf(err, 256, "open %s: %s", name, strerror(errno));
    return fd;
}

/* Leftovers of writes a crash interrupted: never renamed, so never visible. */
static void empty_dir(int dirfd)
{
    int fd = dup(dirfd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] != '.')
            unlinkat(dirfd, e->d_name, 0);
    }
    closedir(dir);
}

int store_fs_open(const char *root, struct store_dirs *d, char *err)
{
    memset(d, -1, sizeof(*d));
    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        snprintf(err, 256, "mkdir %s: %s", root, strerror(errno));
        return -1;
    }
    d->root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->root < 0) {
        snprintf(err, 256, "open %s: %s", root, strerror(errno));
        return -1;
    }
    if ((d->meta = open_dir_at(d->root, ".store", err)) < 0)
        goto fail;
    d->lock = openat(d->meta, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (d->lock < 0 || flock(d->lock, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, 256, "lock %s/.store/lock: %s", root,
                 errno == EWOULDBLOCK ? "another ph-store serves this corpus" : strerror(errno));
        goto fail;
    }
    if ((d->wal = open_dir_at(d->meta, "wal", err)) < 0 ||
        (d->tmp = open_dir_at(d->meta, "tmp", err)) < 0 ||
        (d->kinds[STORE_KIND_CRASH] = open_dir_at(d->meta, "crashes", err)) < 0 ||
        (d->kinds[STORE_KIND_HANG] = open_dir_at(d->meta, "hangs", err)) < 0)
        goto fail;
    d->kinds[STORE_KIND_QUEUE] = dup(d->root);
    if (d->kinds[STORE_KIND_QUEUE] < 0) {
        snprintf(err, 256, "dup: %s", strerror(errno));
        goto fail;
    }
    empty_dir(d->tmp);
    return 0;

fail: {
    int saved = errno;
    store_fs_close(d);
    errno = saved;
    return -1;
}
}

void store_fs_close(struct store_dirs *d)
{
    int *fds[] = {&d->root, &d->meta, &d->wal, &d->tmp, &d->lock, &d->kinds[0], &d->kinds[1],
                  &d->kinds[2]};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int store_fs_write_case(const struct store_dirs *d, const char *target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], const uint8_t *data, size_t len)
{
    char hex[2 * STORE_DIGEST_LEN + 1];
    store_digest_hex(digest, hex);
    int parent = d->kinds[kind];
    if (mkdirat(parent, target, 0755) != 0 && errno != EEXIST)
        return -1;
    char tmp_name[2 * STORE_DIGEST_LEN + STORE_MAX_TARGET_LEN + 8];
    snprintf(tmp_name, sizeof(tmp_name), "%s.%u.%s", hex, kind, target);
    int fd = openat(d->tmp, tmp_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write_all(fd, data, len) != 0) {
        int saved = errno;
        close(fd);
        unlinkat(d->tmp, tmp_name, 0);
        errno = saved;
        return -1;
    }
    if (close(fd) != 0) {
        int saved = errno;
        unlinkat(d->tmp, tmp_name, 0);
        errno = saved;
        return -1;
    }
    char final_name[STORE_MAX_TARGET_LEN + 2 * STORE_DIGEST_LEN + 2];
    snprintf(final_name, sizeof(final_name), "%s/%s", target, hex);
    if (renameat(d->tmp, tmp_name, parent, final_name) != 0) {
        int saved = errno;
        unlinkat(d->tmp, tmp_name, 0);
        errno = saved;
        return -1;
    }
    return 0;
}

/* Files of one target folder; names that are not a SHA-1 are not ours and are left. */
static int scan_target(int parent, const char *target, uint8_t kind, store_fs_case_fn *fn,
                       void *arg)
{
    int fd = openat(parent, target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        uint8_t digest[STORE_DIGEST_LEN];
        struct stat st;
        if (!store_digest_parse(e->d_name, digest))
            continue;
        if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        rc = fn(arg, target, kind, digest, (uint64_t)st.st_size);
    }
    closedir(dir);
    return rc;
}

int store_fs_scan(const struct store_dirs *d, store_fs_case_fn *fn, void *arg, char *err)
{
    for (uint8_t kind = 0; kind < STORE_KIND_COUNT; kind++) {
        int fd = dup(d->kinds[kind]);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (dir == NULL) {
            snprintf(err, 256, "scan corpus: %s", strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        rewinddir(dir);
        struct dirent *e;
        int rc = 0;
        while (rc == 0 && (e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            if (!store_target_valid((const uint8_t *)e->d_name, len))
                continue; /* ".", "..", ".store" and anything not a target */
            rc = scan_target(d->kinds[kind], e->d_name, kind, fn, arg);
        }
        closedir(dir);
        if (rc != 0) {
            snprintf(err, 256, "scan corpus: out of memory");
            return -1;
        }
    }
    return 0;
}
