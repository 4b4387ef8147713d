#include "file_io.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int file_open_input(const char *path)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return STDIN_FILENO;
    return open(path, O_RDONLY | O_CLOEXEC);
}

ssize_t file_read_some(int fd, void *buf, size_t cap)
{
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

int file_read_all(const char *path, uint8_t **data, size_t *len)
{
    int fd = file_open_input(path);
    if (fd < 0)
        return -1;
    int rc = file_read_fd(fd, data, len);
    if (fd != STDIN_FILENO) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return rc;
}

int file_read_fd(int fd, uint8_t **data, size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        goto fail;
    for (;;) {
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                goto fail;
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = file_read_some(fd, buf + n, cap - n);
        if (r == 0)
            break;
        if (r < 0)
            goto fail;
        n += (size_t)r;
    }
    *data = buf;
    *len = n;
    return 0;

fail : {
    int saved = errno;
    free(buf);
    errno = saved;
    return -1;
}
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void file_list_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

int file_list_dir(const char *dir, char ***names, size_t *count)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    char **list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **bigger = realloc(list, cap * sizeof(*list));
            if (bigger == NULL)
                goto fail;
            list = bigger;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if ((list[n] = malloc(len)) == NULL)
            goto fail;
        snprintf(list[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(list, n, sizeof(*list), compare_names);
    *names = list;
    *count = n;
    return 0;

fail:
    closedir(d);
    file_list_free(list, n);
    errno = ENOMEM;
    return -1;
}

int file_write_all(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = len > 0 ? fwrite(data, 1, len, f) : 0;
    int saved = errno;
    if (fclose(f) != 0 || w != len) {
        if (w != len)
            errno = saved;
        return -1;
    }
    return 0;
}
