#include "json_writer.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

void json_buf_bytes(struct byte_buf *b, const uint8_t *bytes, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    /* At most 6 output bytes per input byte, plus the quotes. */
    if (len > (SIZE_MAX - 2) / 6 || byte_buf_reserve(b, 6 * len + 2) != 0)
        return;
    uint8_t *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = bytes[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = c;
        } else if (c < 0x20 || c >= 0x80) {
            memcpy(o, "\\u00", 4);
            o[4] = (uint8_t)hex[c >> 4];
            o[5] = (uint8_t)hex[c & 15];
            o += 6;
        } else {
            *o++ = c;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
}

void json_buf_base64(struct byte_buf *b, const uint8_t *bytes, size_t len)
{
    /* EVP_EncodeBlock takes an int length: encode in 3-byte-aligned pieces. */
    enum { PIECE = 3 * 1024 * 1024 };
    if (byte_buf_reserve(b, (len + 2) / 3 * 4 + 3) != 0)
        return;
    byte_buf_putc(b, '"');
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        int w = EVP_EncodeBlock(b->data + b->len, bytes + off, (int)n);
        b->len += (size_t)w;
    }
    byte_buf_putc(b, '"');
}

void json_buf_string(struct byte_buf *b, const char *s)
{
    json_buf_bytes(b, (const uint8_t *)s, strlen(s));
}
