/* A growable, NUL-terminated byte string for building large test inputs at run time
 * (limits, many headers). Aborts the test program when out of memory. */
#ifndef TEST_BYTES_H
#define TEST_BYTES_H

#include <stddef.h>

struct bytes {
    char *p;
    size_t len, cap;
};

void bytes_put(struct bytes *b, const char *s, size_t n);
void bytes_puts(struct bytes *b, const char *s);
void bytes_put_rep(struct bytes *b, char c, size_t n);

#endif
