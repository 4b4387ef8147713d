/*
 * A growable byte buffer for building output in memory (JSON lines, HTTP responses):
 * no FILE*, so a server can build a response and send it from the same bytes. An
 * allocation failure is sticky: appends after it do nothing and `failed` stays set, so a
 * caller checks once at the end.
 */
#ifndef BYTE_BUF_H
#define BYTE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct byte_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed; /* an allocation failed: the contents are incomplete */
};

/* Makes room for `more` bytes after len. Returns 0, or -1 (and sets failed). */
int byte_buf_reserve(struct byte_buf *b, size_t more);
void byte_buf_append(struct byte_buf *b, const void *data, size_t len);
void byte_buf_puts(struct byte_buf *b, const char *s);
void byte_buf_putc(struct byte_buf *b, char c);
void byte_buf_printf(struct byte_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes (sent ones), keeping the rest. */
void byte_buf_consume(struct byte_buf *b, size_t n);
void byte_buf_free(struct byte_buf *b);

#endif
