#include "guard_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Data pages rounded up, plus one guard page after them. */
static size_t mapping_size(size_t len)
{
    size_t page = page_size();
    return (len + page - 1) / page * page + page;
}

uint8_t *guard_buf_new(const void *data, size_t len)
{
    size_t total = mapping_size(len);
    size_t page = page_size();
    uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("guard_buf_new: mmap");
        abort();
    }
    if (mprotect(base + total - page, page, PROT_NONE) != 0) {
        perror("guard_buf_new: mprotect");
        abort();
    }
    uint8_t *buf = base + total - page - len;
    if (len > 0)
        memcpy(buf, data, len);
    return buf;
}

void guard_buf_free(uint8_t *buf, size_t len)
{
    size_t total = mapping_size(len);
    size_t page = page_size();
    uint8_t *base = buf + len + page - total;
    munmap(base, total);
}

uint8_t *guard_buf_str(const char *s)
{
    return guard_buf_new(s, strlen(s));
}

void guard_buf_free_str(uint8_t *buf, const char *s)
{
    guard_buf_free(buf, strlen(s));
}
