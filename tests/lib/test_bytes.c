#include "test_bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bytes_put(struct bytes *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL) {
            perror("bytes_put");
            abort();
        }
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void bytes_puts(struct bytes *b, const char *s)
{
    bytes_put(b, s, strlen(s));
}

void bytes_put_rep(struct bytes *b, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bytes_put(b, &c, 1);
}
