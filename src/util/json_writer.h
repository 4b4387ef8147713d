/*
 * A minimal JSON writer for the CLIs. We write our own because the output format wants
 * raw bytes: every byte < 0x20 or >= 0x80 becomes \u00XX, so a reader that decodes the
 * string as Latin-1 gets the exact bytes back. No packaged JSON library writes that.
 */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes bytes as a JSON string, quotes included. */
void json_write_bytes(FILE *out, const uint8_t *bytes, size_t len);

/* Writes a NUL-terminated string as a JSON string. */
void json_write_string(FILE *out, const char *s);

/* Writes `"key":` for a key that needs no escaping. */
void json_write_key(FILE *out, const char *key);

/* Writes bytes as a base64 JSON string (OpenSSL's encoder). Returns 0, or -1 when out
 * of memory. */
int json_write_base64(FILE *out, const uint8_t *bytes, size_t len);

#endif
