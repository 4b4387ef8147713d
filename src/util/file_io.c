#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int file_read_all(const char *path, uint8_t **data, size_t *len)
{
    int fd = STDIN_FILENO;
    if (path != NULL && strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
    }
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
        ssize_t r = read(fd, buf + n, cap - n);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        n += (size_t)r;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    *data = buf;
    *len = n;
    return 0;

fail: {
    int saved = errno;
    free(buf);
    if (fd != STDIN_FILENO)
        close(fd);
    errno = saved;
    return -1;
}
}
