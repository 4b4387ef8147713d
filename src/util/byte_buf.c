#include "byte_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int byte_buf_reserve(struct byte_buf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return -1;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void byte_buf_append(struct byte_buf *b, const void *data, size_t len)
{
    if (len == 0 || byte_buf_reserve(b, len) != 0)
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void byte_buf_puts(struct byte_buf *b, const char *s)
{
    byte_buf_append(b, s, strlen(s));
}

void byte_buf_putc(struct byte_buf *b, char c)
{
    if (byte_buf_reserve(b, 1) == 0)
        b->data[b->len++] = (uint8_t)c;
}

void byte_buf_printf(struct byte_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    /* vsnprintf writes a NUL after the text: reserve room for it too. */
    if (n < 0 || byte_buf_reserve(b, (size_t)n + 1) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void byte_buf_consume(struct byte_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void byte_buf_free(struct byte_buf *b)
{
    free(b->data);
    *b = (struct byte_buf){0};
}
