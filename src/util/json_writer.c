#include "json_writer.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void json_write_bytes(FILE *out, const uint8_t *bytes, size_t len)
{
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = bytes[i];
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c < 0x20 || c >= 0x80) {
            fprintf(out, "\\u%04x", c);
        } else {
            putc(c, out);
        }
    }
    putc('"', out);
}

void json_write_string(FILE *out, const char *s)
{
    json_write_bytes(out, (const uint8_t *)s, strlen(s));
}

void json_write_key(FILE *out, const char *key)
{
    fprintf(out, "\"%s\":", key);
}

int json_write_base64(FILE *out, const uint8_t *bytes, size_t len)
{
    /* EVP_EncodeBlock takes an int length; split larger inputs on 3-byte boundaries. */
    enum { CHUNK = 3 * 1024 * 1024 };
    unsigned char *enc = malloc(CHUNK / 3 * 4 + 1);
    if (enc == NULL)
        return -1;
    putc('"', out);
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        int w = EVP_EncodeBlock(enc, bytes + off, (int)n);
        fwrite(enc, 1, (size_t)w, out);
    }
    putc('"', out);
    free(enc);
    return 0;
}
