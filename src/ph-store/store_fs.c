#include "store_fs.h"
#include "net/net_socket.h" /* NET_ERR_LEN */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Set by store_fs_open from PH_STORE_NO_OPENAT2: the walk below is what runs on kernels
 * before 5.6, and the tests force it to check that path on newer ones too. */
static bool force_walk;

/* One component at a time, each opened O_NOFOLLOW | O_DIRECTORY relative to the one
 * before: a link anywhere fails with ELOOP (or ENOTDIR), a "." or ".." component with
 * EXDEV, the error RESOLVE_BENEATH gives for a path that would leave. */
static int open_dir_walk(int dirfd, const char *path)
{
    char part[256];
    int cur = dirfd;
    for (const char *p = path;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || len >= sizeof(part) || (len == 1 && p[0] == '.') ||
            (len == 2 && p[0] == '.' && p[1] == '.')) {
            if (cur != dirfd)
                close(cur);
            errno = len >= sizeof(part) ? ENAMETOOLONG : EXDEV;
            return -1;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        int next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        if (cur != dirfd)
            close(cur);
        if (next < 0) {
            errno = saved;
            return -1;
        }
        cur = next;
        if (slash == NULL)
            return cur;
        p = slash + 1;
    }
}

int store_fs_open_dir_beneath(int dirfd, const char *path)
{
    if (!force_walk) {
        struct open_how how = {
            .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
            return (int)fd; /* EPERM: a seccomp filter that does not know openat2 */
    }
    return open_dir_walk(dirfd, path);
}

static int open_dir_at(int parent, const char *name, char *err)
{
    if (mkdirat(parent, name, 0700) != 0 && errno != EEXIST) {
        snprintf(err, NET_ERR_LEN, "mkdir %s: %s", name, strerror(errno));
        return -1;
    }
    int fd = store_fs_open_dir_beneath(parent, name);
    if (fd < 0)
        snprintf(err, NET_ERR_LEN, "open %s: %s (a link or not a folder?)", name, strerror(errno));
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
    const char *walk = getenv("PH_STORE_NO_OPENAT2");
    force_walk = walk != NULL && walk[0] != '\0' && strcmp(walk, "0") != 0;
    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        snprintf(err, NET_ERR_LEN, "mkdir %s: %s", root, strerror(errno));
        return -1;
    }
    d->root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->root < 0) {
        snprintf(err, NET_ERR_LEN, "open %s: %s", root, strerror(errno));
        return -1;
    }
    if ((d->meta = open_dir_at(d->root, ".store", err)) < 0)
        goto fail;
    d->lock = openat(d->meta, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (d->lock < 0 || flock(d->lock, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, NET_ERR_LEN, "lock %s/.store/lock: %s", root,
                 errno == EWOULDBLOCK ? "another ph-store serves this corpus" : strerror(errno));
        goto fail;
    }
    if ((d->wal = open_dir_at(d->meta, "wal", err)) < 0 ||
        (d->tmp = open_dir_at(d->meta, "tmp", err)) < 0 ||
        (d->quarantine = open_dir_at(d->meta, "quarantine", err)) < 0 ||
        (d->kinds[STORE_KIND_CRASH] = open_dir_at(d->meta, "crashes", err)) < 0 ||
        (d->kinds[STORE_KIND_HANG] = open_dir_at(d->meta, "hangs", err)) < 0)
        goto fail;
    d->kinds[STORE_KIND_QUEUE] = dup(d->root);
    if (d->kinds[STORE_KIND_QUEUE] < 0) {
        snprintf(err, NET_ERR_LEN, "dup: %s", strerror(errno));
        goto fail;
    }
    empty_dir(d->tmp);
    return 0;

fail : {
    int saved = errno;
    store_fs_close(d);
    errno = saved;
    return -1;
}
}

void store_fs_close(struct store_dirs *d)
{
    int *fds[] = {&d->root, &d->meta,     &d->wal,      &d->tmp,     &d->quarantine,
                  &d->lock, &d->kinds[0], &d->kinds[1], &d->kinds[2]};
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

int store_fs_target_open(const struct store_dirs *d, uint8_t kind, const char *target)
{
    if (mkdirat(d->kinds[kind], target, 0755) != 0 && errno != EEXIST)
        return -1;
    return store_fs_open_dir_beneath(d->kinds[kind], target);
}

bool store_fs_target_usable(const struct store_dirs *d, uint8_t kind, const char *target)
{
    int fd = store_fs_target_open(d, kind, target);
    if (fd < 0)
        return false;
    /* As root this always passes; for anyone else a folder they may not write is as
     * useless as a file. */
    bool ok = faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == 0;
    close(fd);
    return ok;
}

/* Writes data as tmp/<name> and renames it to <dirfd>/<final_name>. The temporary file
 * is created O_EXCL | O_NOFOLLOW: a link planted in tmp/ is replaced, never followed.
 * Returns 0, STORE_FS_UNUSABLE when only the rename failed and not for lack of disk, or
 * -1, with errno. */
static int write_renamed(const struct store_dirs *d, const char *tmp_name, int dirfd,
                         const char *final_name, const uint8_t *data, size_t len)
{
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = openat(d->tmp, tmp_name, flags, 0644);
    if (fd < 0 && errno == EEXIST && unlinkat(d->tmp, tmp_name, 0) == 0)
        fd = openat(d->tmp, tmp_name, flags, 0644);
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
    if (renameat(d->tmp, tmp_name, dirfd, final_name) != 0) {
        int saved = errno;
        unlinkat(d->tmp, tmp_name, 0);
        errno = saved;
        /* The file was written: what failed is the destination (a folder planted at the
         * case's name, no permission), unless the disk itself is the trouble. */
        bool disk =
            saved == ENOSPC || saved == EDQUOT || saved == EIO || saved == EROFS || saved == ENOMEM;
        return disk ? -1 : STORE_FS_UNUSABLE;
    }
    return 0;
}

/* <sha1>.<kind>.<target>: unique per case, so writers of different cases never meet. */
static void case_file_name(const char *target, uint8_t kind, const uint8_t digest[STORE_DIGEST_LEN],
                           char *hex, char *name, size_t cap)
{
    store_digest_hex(digest, hex);
    snprintf(name, cap, "%s.%u.%s", hex, kind, target);
}

int store_fs_write_case_at(const struct store_dirs *d, int target_fd, const char *target,
                           uint8_t kind, const uint8_t digest[STORE_DIGEST_LEN],
                           const uint8_t *data, size_t len)
{
    char hex[2 * STORE_DIGEST_LEN + 1];
    char tmp_name[2 * STORE_DIGEST_LEN + STORE_MAX_TARGET_LEN + 8];
    case_file_name(target, kind, digest, hex, tmp_name, sizeof(tmp_name));
    return write_renamed(d, tmp_name, target_fd, hex, data, len);
}

int store_fs_write_case(const struct store_dirs *d, const char *target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], const uint8_t *data, size_t len)
{
    int fd = store_fs_target_open(d, kind, target);
    if (fd < 0)
        return STORE_FS_UNUSABLE;
    int rc = store_fs_write_case_at(d, fd, target, kind, digest, data, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int store_fs_quarantine(const struct store_dirs *d, const char *target, uint8_t kind,
                        const uint8_t digest[STORE_DIGEST_LEN], const uint8_t *data, size_t len)
{
    char hex[2 * STORE_DIGEST_LEN + 1];
    char name[2 * STORE_DIGEST_LEN + STORE_MAX_TARGET_LEN + 8];
    case_file_name(target, kind, digest, hex, name, sizeof(name));
    return write_renamed(d, name, d->quarantine, name, data, len);
}

/* Files of one target folder; names that are not a SHA-1 are not ours and are left. */
static int scan_target(int parent, const char *target, uint8_t kind, store_fs_case_fn *fn,
                       void *arg)
{
    int fd = store_fs_open_dir_beneath(parent, target); /* a link is not ours: skipped */
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
            snprintf(err, NET_ERR_LEN, "scan corpus: %s", strerror(errno));
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
            snprintf(err, NET_ERR_LEN, "scan corpus: out of memory");
            return -1;
        }
    }
    return 0;
}
