/*
 * The one JSON writer, into a byte_buf (util/byte_buf.h). We write our own because the
 * output formats want raw bytes: every byte < 0x20 or >= 0x80 becomes \u00XX, so a
 * reader that decodes the string as Latin-1 gets the exact bytes back. No packaged JSON
 * library writes that. An allocation failure sets the buffer's `failed`, as every
 * byte_buf append does.
 */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "byte_buf.h"

/* Bytes as a JSON string, quotes included: '"' and '\' escaped, every byte < 0x20 or
 * >= 0x80 as \u00XX. */
void json_buf_bytes(struct byte_buf *b, const uint8_t *bytes, size_t len);

/* A NUL-terminated string, escaped the same way. */
void json_buf_string(struct byte_buf *b, const char *s);

/* Bytes as a base64 JSON string (OpenSSL's encoder). */
void json_buf_base64(struct byte_buf *b, const uint8_t *bytes, size_t len);

#endif
