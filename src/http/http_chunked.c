/*
 * Incremental, in-place decoder of the chunked transfer coding (RFC 9112 7.1).
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *
 * The decoder keeps its whole state in struct http_chunked_decoder, one byte of framing
 * at a time, so input may be split anywhere (even inside a hex number or a quoted
 * extension value) and every piece is used up: the caller never has to keep bytes.
 * Chunk data is moved, not copied byte by byte.
 */
#include "http.h"

#include <string.h>

#include "http_chars.h"

/* States are named for what comes next. */
enum chunked_state {
    CH_SIZE_FIRST = 0,  /* the first hex digit of chunk-size */
    CH_SIZE,            /* more hex digits, ";", BWS or CR */
    CH_EXT_BWS,         /* BWS before ";" */
    CH_EXT_NAME_FIRST,  /* BWS, then the first tchar of chunk-ext-name */
    CH_EXT_NAME,        /* more tchar, BWS, "=", ";" or CR */
    CH_EXT_AFTER_NAME,  /* BWS, then "=" or ";" */
    CH_EXT_VALUE_FIRST, /* BWS, then token or DQUOTE */
    CH_EXT_TOKEN,       /* more tchar of the value, BWS, ";" or CR */
    CH_EXT_QUOTED,      /* qdtext, "\" or the closing DQUOTE */
    CH_EXT_QUOTED_PAIR, /* the character after "\" */
    CH_EXT_AFTER_VALUE, /* BWS, ";" or CR */
    CH_SIZE_LF,         /* LF ending the chunk-size line */
    CH_DATA,            /* chunk_left bytes of chunk-data */
    CH_DATA_CR,         /* CR after chunk-data */
    CH_DATA_LF,         /* LF after chunk-data */
    CH_TRAILER_LINE,    /* a trailer field line, or the CR of the final CRLF */
    CH_TRAILER_NAME,    /* more tchar of a field name, or ":" */
    CH_TRAILER_VALUE,   /* field value bytes, or CR */
    CH_TRAILER_LF,      /* LF ending a trailer field line */
    CH_FINAL_LF,        /* LF of the final CRLF */
    CH_DONE,
    CH_FAILED,
};

#define CR '\r'
#define LF '\n'

void http_chunked_init(struct http_chunked_decoder *dec)
{
    memset(dec, 0, sizeof(*dec));
    dec->state = CH_SIZE_FIRST;
}

static bool is_bws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
static bool is_qdtext(uint8_t c)
{
    return c != '"' && c != '\\' && http_value_char[c];
}

/* What may follow chunk-size, an extension name or an extension value: BWS before the
 * next ";", the ";" itself, or the CR ending the line. */
static enum chunked_state after_value_byte(uint8_t c)
{
    if (is_bws(c))
        return CH_EXT_BWS;
    if (c == ';')
        return CH_EXT_NAME_FIRST;
    return c == CR ? CH_SIZE_LF : CH_FAILED;
}

/* One byte of the chunk-size line (size and extensions, RFC 9112 7.1.1):
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * BWS may stand before ";" and around "=", nowhere else: not before the CRLF.
 * Returns the next state, or CH_FAILED with *error set. */
static enum chunked_state size_line_next(struct http_chunked_decoder *dec, uint8_t c,
                                         enum http_error *error)
{
    enum chunked_state s = (enum chunked_state)dec->state;
    *error = HTTP_ERR_CHUNK_EXTENSION;
    switch (s) {
    case CH_SIZE_FIRST:
    case CH_SIZE: {
        uint8_t hex = http_hex_value[c];
        if (hex != 0) {
            uint64_t digit = hex - 1u;
            if (dec->chunk_left > (UINT64_MAX - digit) / 16) {
                *error = HTTP_ERR_CHUNK_SIZE_OVERFLOW;
                return CH_FAILED;
            }
            dec->chunk_left = dec->chunk_left * 16 + digit;
            return CH_SIZE;
        }
        enum chunked_state next = s == CH_SIZE ? after_value_byte(c) : CH_FAILED;
        if (next == CH_FAILED)
            *error = HTTP_ERR_CHUNK_SIZE;
        return next;
    }
    case CH_EXT_BWS:
        if (is_bws(c))
            return s;
        return c == ';' ? CH_EXT_NAME_FIRST : CH_FAILED;
    case CH_EXT_NAME_FIRST:
        if (is_bws(c))
            return s;
        return http_tchar[c] ? CH_EXT_NAME : CH_FAILED;
    case CH_EXT_NAME:
        if (http_tchar[c])
            return s;
        if (c == '=')
            return CH_EXT_VALUE_FIRST;
        if (is_bws(c))
            return CH_EXT_AFTER_NAME;
        return after_value_byte(c);
    case CH_EXT_AFTER_NAME:
        if (is_bws(c))
            return s;
        if (c == '=')
            return CH_EXT_VALUE_FIRST;
        return c == ';' ? CH_EXT_NAME_FIRST : CH_FAILED;
    case CH_EXT_VALUE_FIRST:
        if (is_bws(c))
            return s;
        if (c == '"')
            return CH_EXT_QUOTED;
        return http_tchar[c] ? CH_EXT_TOKEN : CH_FAILED;
    case CH_EXT_TOKEN:
        if (http_tchar[c])
            return s;
        return after_value_byte(c);
    case CH_EXT_QUOTED:
        if (c == '"')
            return CH_EXT_AFTER_VALUE;
        if (c == '\\')
            return CH_EXT_QUOTED_PAIR;
        return is_qdtext(c) ? s : CH_FAILED;
    case CH_EXT_QUOTED_PAIR:
        /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
        return http_value_char[c] ? CH_EXT_QUOTED : CH_FAILED;
    case CH_EXT_AFTER_VALUE:
        return after_value_byte(c);
    default:
        return CH_FAILED;
    }
}

/* LF never belongs to a chunk-size line (RFC 9112 7.1 ends it with CRLF): every state
 * refuses it, and the refusal is named here, off the path of the bytes that pass. */
static enum chunked_state size_line_byte(struct http_chunked_decoder *dec, uint8_t c,
                                         enum http_error *error)
{
    enum chunked_state next = size_line_next(dec, c, error);
    if (next == CH_FAILED && c == LF)
        *error = HTTP_ERR_BARE_LF;
    return next;
}

/* One byte of the trailer section (RFC 9112 7.1.2): field lines as in the head, then
 * CRLF. Trailer fields are checked and dropped: this decoder merges none of them. */
static enum chunked_state trailer_next(struct http_chunked_decoder *dec, uint8_t c,
                                       enum http_error *error)
{
    enum chunked_state s = (enum chunked_state)dec->state;
    *error = HTTP_ERR_TRAILER_FIELD;
    switch (s) {
    case CH_TRAILER_LINE:
        if (c == CR)
            return CH_FINAL_LF;
        if (!http_tchar[c]) /* obs-fold and empty names included */
            return CH_FAILED;
        if (++dec->trailer_fields > HTTP_MAX_TRAILER_FIELDS) {
            *error = HTTP_ERR_TRAILER_TOO_LARGE;
            return CH_FAILED;
        }
        return CH_TRAILER_NAME;
    case CH_TRAILER_NAME:
        if (http_tchar[c])
            return s;
        if (c == ':')
            return CH_TRAILER_VALUE;
        return CH_FAILED;
    case CH_TRAILER_VALUE:
        if (http_value_char[c])
            return s;
        if (c == CR)
            return CH_TRAILER_LF;
        return CH_FAILED;
    case CH_TRAILER_LF:
    case CH_FINAL_LF:
        if (c != LF) {
            *error = HTTP_ERR_BARE_CR;
            return CH_FAILED;
        }
        return s == CH_FINAL_LF ? CH_DONE : CH_TRAILER_LINE;
    default:
        return CH_FAILED;
    }
}

/* An LF anywhere but after a CR is refused by every state, and named here, off the path of
 * the bytes that pass. */
static enum chunked_state trailer_byte(struct http_chunked_decoder *dec, uint8_t c,
                                       enum http_error *error)
{
    if (++dec->trailer_len > HTTP_MAX_TRAILER_SIZE) {
        *error = HTTP_ERR_TRAILER_TOO_LARGE;
        return CH_FAILED;
    }
    enum chunked_state next = trailer_next(dec, c, error);
    if (next == CH_FAILED && c == LF && dec->state != CH_TRAILER_LF && dec->state != CH_FINAL_LF)
        *error = HTTP_ERR_BARE_LF;
    return next;
}

/* The common chunk-size line whole in p[0..n): 1 to 15 hex digits and CRLF, no extension.
 * Returns its length with *size set, or 0 for anything else, which the byte loop then takes
 * from the same state (15 digits cannot overflow, so that check stays with the loop). */
static size_t plain_size_line(const uint8_t *p, size_t n, uint64_t *size)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n && i < 15; i++) {
        uint8_t hex = http_hex_value[p[i]];
        if (hex == 0)
            break;
        v = v * 16 + (hex - 1u);
    }
    if (i == 0 || n - i < 2 || p[i] != CR || p[i + 1] != LF)
        return 0;
    *size = v;
    return i + 2;
}

static enum ph_status fail(struct http_chunked_decoder *dec, struct http_chunked_result *res,
                           enum http_error error, size_t at)
{
    dec->state = CH_FAILED;
    res->error = error;
    res->error_offset = at;
    return PH_REJECT;
}

static enum ph_status finish(struct http_chunked_result *res, size_t in, size_t out,
                             enum ph_status status)
{
    res->consumed = in;
    res->decoded = out;
    return status;
}

enum ph_status http_decode_chunked(struct http_chunked_decoder *dec, uint8_t *buf, size_t len,
                                   struct http_chunked_result *res)
{
    res->consumed = 0;
    res->decoded = 0;
    res->error = HTTP_ERR_NONE;
    res->error_offset = 0;

    size_t in = 0;  /* next byte to read */
    size_t out = 0; /* where the next body byte goes; out <= in always */
    enum http_error error = HTTP_ERR_NONE;

    if (dec->state == CH_FAILED)
        return fail(dec, res, HTTP_ERR_CHUNK_SIZE, 0);

    /* One switch on the state per byte of framing: a fuzzing build traces a switch on
     * small values at almost no cost, and a chain of state compares at every link. */
    while (in < len) {
        /* Fast paths for the lines between chunks, taken only where they leave exactly the
         * state the byte loop would (line_len 0 after a size line's LF). */
        if (dec->state == CH_SIZE_FIRST) {
            uint64_t size;
            size_t n = plain_size_line(buf + in, len - in, &size);
            if (n != 0) {
                in += n;
                dec->chunk_left = size;
                dec->state = size == 0 ? CH_TRAILER_LINE : CH_DATA;
                continue;
            }
        } else if (dec->state == CH_DATA_CR && len - in >= 2 && buf[in] == CR &&
                   buf[in + 1] == LF) {
            in += 2;
            dec->state = CH_SIZE_FIRST;
            continue;
        }
        uint8_t c = buf[in];
        enum chunked_state next;

        switch ((enum chunked_state)dec->state) {
        case CH_DATA: {
            size_t avail = len - in;
            size_t n = dec->chunk_left < avail ? (size_t)dec->chunk_left : avail;
            if (out != in)
                memmove(buf + out, buf + in, n);
            out += n;
            in += n;
            dec->chunk_left -= n;
            dec->body_size += n;
            if (dec->chunk_left == 0)
                dec->state = CH_DATA_CR;
            continue;
        }
        case CH_SIZE_LF:
            if (c != LF)
                return fail(dec, res, HTTP_ERR_BARE_CR, in);
            dec->line_len = 0;
            next = dec->chunk_left == 0 ? CH_TRAILER_LINE : CH_DATA;
            break;
        case CH_DATA_CR:
            if (c != CR)
                return fail(dec, res, c == LF ? HTTP_ERR_BARE_LF : HTTP_ERR_CHUNK_DATA_END, in);
            next = CH_DATA_LF;
            break;
        case CH_DATA_LF:
            if (c != LF)
                return fail(dec, res, HTTP_ERR_BARE_CR, in);
            next = CH_SIZE_FIRST;
            break;
        case CH_TRAILER_LINE:
        case CH_TRAILER_NAME:
        case CH_TRAILER_VALUE:
        case CH_TRAILER_LF:
        case CH_FINAL_LF:
            next = trailer_byte(dec, c, &error);
            break;
        case CH_DONE: /* what follows the body is the next message's */
            return finish(res, in, out, PH_OK);
        default:
            /* CH_SIZE_FIRST to CH_EXT_AFTER_VALUE: the chunk-size line, whose length
             * counts every byte but the CR that ends it (the count is reset after) */
            if (++dec->line_len > HTTP_MAX_CHUNK_LINE && c != CR)
                return fail(dec, res, HTTP_ERR_CHUNK_LINE_TOO_LONG, in);
            next = size_line_byte(dec, c, &error);
            break;
        }
        if (next == CH_FAILED)
            return fail(dec, res, error, in);
        dec->state = (uint8_t)next;
        in++;
    }
    return finish(res, in, out, dec->state == CH_DONE ? PH_OK : PH_INCOMPLETE);
}
