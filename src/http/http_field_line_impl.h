/*
 * The field section (RFC 9112 5), read the same way for requests and responses: one call
 * per field line or for the empty line that ends the head. Internal to src/http/: the
 * request parser (http_parse_impl.h, once per instruction set) and the response parser
 * (http_response.c) include it and pass their scanners, which always_inline turns into
 * direct calls; what each does with a field (its own rules, its own header array) stays
 * in the parser. An implementation header, so ci/mutate.sh mutates it like a .c file.
 */
#ifndef HTTP_FIELD_LINE_IMPL_H
#define HTTP_FIELD_LINE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "http_chars.h"

/* A scanner of http_scan.h: the first offset in [pos, end) whose byte is not in its class,
 * or end. */
typedef size_t (*http_scan_fn)(const uint8_t *buf, size_t pos, size_t end);

struct http_field_reader {
    http_scan_fn scan_token;
    http_scan_fn scan_value;
    bool allow_bare_lf;                   /* a lone LF ends a line (responses, as an option) */
    enum http_error whitespace_first_err; /* SP/HTAB where the first field line would start */
    size_t max_fields;                    /* the size of the caller's header array */
};

/* What one call found. PH_OK: a field (name, value with OWS trimmed) or, with end_of_head,
 * the empty line; next is the offset after its line end. PH_INCOMPLETE: the input ran out
 * at `at`. PH_REJECT: `error` at `at`. */
struct http_field_line {
    struct ph_slice name;
    struct ph_slice value;
    bool end_of_head;
    size_t next;
    size_t at;
    enum http_error error;
};

static inline bool http_is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static inline enum ph_status http_field_fail(struct http_field_line *f, enum http_error e,
                                             size_t at)
{
    f->error = e;
    f->at = at;
    return PH_REJECT;
}

static inline enum ph_status http_field_need_more(struct http_field_line *f, size_t at)
{
    f->at = at;
    return PH_INCOMPLETE;
}

/* RFC 9112 2.2: a line ends in CRLF; a bare CR is refused, a bare LF unless allowed.
 * buf[p] is CR or LF. */
static inline __attribute__((always_inline)) enum ph_status
http_field_line_end(const struct http_field_reader *r, const uint8_t *buf, size_t p, size_t end,
                    struct http_field_line *f)
{
    if (buf[p] == '\n') {
        if (!r->allow_bare_lf)
            return http_field_fail(f, HTTP_ERR_BARE_LF, p);
        f->next = p + 1;
        return PH_OK;
    }
    if (p + 1 == end)
        return http_field_need_more(f, p + 1);
    if (buf[p + 1] != '\n')
        return http_field_fail(f, HTTP_ERR_BARE_CR, p);
    f->next = p + 2;
    return PH_OK;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5), or the empty line, at
 * buf[line]. num_fields is how many lines came before: whitespace at the start of a line
 * is RFC 9112 2.2's whitespace before the first field, or 5.2's obs-fold after one; a
 * strict parser refuses both (a recipient would have to rewrite them: smuggling). */
static inline __attribute__((always_inline)) enum ph_status
http_read_field_line(const struct http_field_reader *r, const uint8_t *buf, size_t line, size_t end,
                     size_t num_fields, struct http_field_line *f)
{
    if (line == end)
        return http_field_need_more(f, line);
    uint8_t c = buf[line];
    /* A field name's first byte is a tchar: one look-up lets every field line past the
     * tests for the empty line and for leading whitespace. */
    if (!http_tchar[c]) {
        if (c == '\r' || c == '\n') {
            f->end_of_head = true;
            return http_field_line_end(r, buf, line, end, f);
        }
        if (http_is_ows(c))
            return http_field_fail(f, num_fields == 0 ? r->whitespace_first_err : HTTP_ERR_OBS_FOLD,
                                   line);
    }
    if (num_fields == r->max_fields)
        return http_field_fail(f, HTTP_ERR_TOO_MANY_HEADERS, line);

    size_t p = r->scan_token(buf, line, end);
    if (p == end)
        return http_field_need_more(f, p);
    c = buf[p];
    if (c != ':') {
        /* RFC 9112 5.1: no whitespace between field name and colon: smuggling */
        if (http_is_ows(c) && p > line)
            return http_field_fail(f, HTTP_ERR_WHITESPACE_BEFORE_COLON, p);
        if (c == '\n' && !r->allow_bare_lf)
            return http_field_fail(f, HTTP_ERR_BARE_LF, p);
        return http_field_fail(f, HTTP_ERR_FIELD_NAME, p);
    }
    if (p == line)
        return http_field_fail(f, HTTP_ERR_FIELD_NAME, p);
    f->name = (struct ph_slice){buf + line, p - line};
    p++;

    /* OWS (RFC 9110 5.6.3). Nearly every sender puts exactly one SP after the colon, and a
     * value's first byte is nearly always above SP: one compare each, before the loop. */
    if (p < end && buf[p] == ' ')
        p++;
    while (p < end && buf[p] <= ' ' && http_is_ows(buf[p]))
        p++;
    size_t value_start = p;
    p = r->scan_value(buf, p, end);
    if (p == end)
        return http_field_need_more(f, p);
    c = buf[p];
    if (c != '\r' && c != '\n')
        return http_field_fail(f, HTTP_ERR_FIELD_VALUE, p);
    /* Trailing OWS. The scan let only value characters through, and of those only SP and
     * HTAB are at or below 0x20: one compare per byte. */
    size_t value_end = p;
    while (value_end > value_start && buf[value_end - 1] <= ' ')
        value_end--;
    f->value = (struct ph_slice){buf + value_start, value_end - value_start};
    f->end_of_head = false;
    return http_field_line_end(r, buf, p, end, f);
}

#endif
