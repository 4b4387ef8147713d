/*
 * Test buffers that end exactly at a PROT_NONE guard page, so a parser that reads one
 * byte past the end of its input faults even without ASan (the picohttpparser trick).
 */
#ifndef GUARD_BUF_H
#define GUARD_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Copies data[0..len) so that its last byte is the last byte before a guard page.
 * Returns the copy; aborts the test program if mmap fails. Free with guard_buf_free. */
uint8_t *guard_buf_new(const void *data, size_t len);
void guard_buf_free(uint8_t *buf, size_t len);

/* Same, for a NUL-terminated string (the NUL is not copied). */
uint8_t *guard_buf_str(const char *s);
void guard_buf_free_str(uint8_t *buf, const char *s);

#endif
