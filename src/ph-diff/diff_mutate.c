/*
 * Stream-level mutation: a seed (corpus/http_request, the conformance cases, kept
 * findings) gets 1-4 stacked edits that know what an HTTP/1.1 stream looks like (lines,
 * fields, chunk framing, requests back to back) besides plain byte edits, then maybe a
 * random cut into TCP segments. Every edit keeps the stream within DIFF_MAX_STREAM.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

uint64_t diff_rand(struct diff_rng *r)
{
    /* splitmix64: any seed, including 0, gives a good stream */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- edit primitives ---------------------------------------------------------------- */

/* Replaces s[at, at+del) with ins[0..n); refused (false) when it would not fit. */
static bool splice(struct diff_stream *s, size_t at, size_t del, const void *ins, size_t n)
{
    if (at > s->len || del > s->len - at || s->len - del + n > DIFF_MAX_STREAM)
        return false;
    memmove(s->data + at + n, s->data + at + del, s->len - at - del);
    if (n > 0)
        memcpy(s->data + at, ins, n);
    s->len = s->len - del + n;
    return true;
}

static bool insert_str(struct diff_stream *s, size_t at, const char *str)
{
    return splice(s, at, 0, str, strlen(str));
}

/* The end of the first head (after its empty line), or len when it has none. */
static size_t head_end(const struct diff_stream *s)
{
    for (size_t i = 0; i + 1 < s->len; i++) {
        if (s->data[i] == '\n' && s->data[i + 1] == '\n')
            return i + 2;
        if (i + 3 < s->len && memcmp(s->data + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    }
    return s->len;
}

/* Line starts in [from, to): up to max of them. */
static size_t line_starts(const struct diff_stream *s, size_t from, size_t to, size_t *out,
                          size_t max)
{
    size_t n = 0;
    if (from < to && n < max)
        out[n++] = from;
    for (size_t i = from; i + 1 < to && n < max; i++)
        if (s->data[i] == '\n')
            out[n++] = i + 1;
    return n;
}

static size_t line_len(const struct diff_stream *s, size_t start)
{
    const uint8_t *lf = memchr(s->data + start, '\n', s->len - start);
    return lf ? (size_t)(lf - (s->data + start)) + 1 : s->len - start;
}

/* A random field line of the first head (not the request-line); false when none. */
static bool pick_field(const struct diff_stream *s, struct diff_rng *rng, size_t *start,
                       size_t *len)
{
    size_t starts[256];
    size_t he = head_end(s);
    size_t n = line_starts(s, 0, he, starts, 256);
    /* drop the request-line and the empty line that ends the head */
    if (n < 3)
        return false;
    *start = starts[1 + diff_below(rng, n - 2)];
    *len = line_len(s, *start);
    return *len > 2;
}

static const char *const interesting_fields[] = {
    "Content-Length: 0\r\n",
    "Content-Length: 5\r\n",
    "Content-Length: 05\r\n",
    "Content-Length:  5 \r\n",
    "Content-Length: 5, 5\r\n",
    "Content-Length: +5\r\n",
    "Content-Length: -1\r\n",
    "Content-Length: 99999999999999999999\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Transfer-Encoding: Chunked\r\n",
    "Transfer-Encoding: gzip, chunked\r\n",
    "Transfer-Encoding: chunked, identity\r\n",
    "Transfer-Encoding:\tchunked\r\n",
    "Transfer-Encoding: \"chunked\"\r\n",
    "Transfer-Encoding : chunked\r\n",
    " Transfer-Encoding: chunked\r\n",
    "Transfer-Encoding: xchunked\r\n",
    "Host: a.test\r\n",
    "Host: b.test\r\n",
    "Host:\r\n",
    "host: a.test:80\r\n",
    "Host: a.test@b.test\r\n",
    "Connection: close\r\n",
    "Connection: keep-alive\r\n",
    "Connection: Upgrade\r\nUpgrade: websocket\r\n",
    "Expect: 100-continue\r\n",
    "Proxy-Connection: keep-alive\r\n",
    "X: a\r\n b\r\n",
    "X:\x00\r\n",
    "X-\x80: y\r\n",
    "X: y\r\r\n",
    ": empty\r\n",
    "Keep-Alive: timeout=5\r\n",
    "TE: trailers\r\n",
    "Trailer: X\r\n",
    "Content-Type: text/plain\r\n",
    "Cookie: a=1\r\n",
    "Cookie: b=2\r\n",
    "Range: bytes=0-1\r\n",
};

static const uint8_t interesting_bytes[] = {0x00, '\r', '\n', ' ', '\t', ':', ',',  ';', '=',
                                            0x7f, 0x80, 0xff, '"', '0',  '1', 'f',  'F', 'x',
                                            '\\', '/',  '%',  '#', '?',  '@', 0x0b, 0x0c};

/* ---- mutations ---------------------------------------------------------------------- */

static bool m_byte(struct diff_stream *s, struct diff_rng *rng)
{
    if (s->len == 0)
        return false;
    size_t at = diff_below(rng, s->len);
    uint8_t b = interesting_bytes[diff_below(rng, sizeof(interesting_bytes))];
    switch (diff_below(rng, 5)) {
    case 0:
        s->data[at] ^= (uint8_t)(1u << diff_below(rng, 8));
        return true;
    case 1:
        s->data[at] = b;
        return true;
    case 2:
        return splice(s, at, 0, &b, 1);
    case 3:
        return splice(s, at, 1, NULL, 0);
    default:
        return splice(s, at, 1 + diff_below(rng, s->len - at < 8 ? s->len - at : 8), NULL, 0);
    }
}

static bool m_dict(const struct diff_seeds *sd, struct diff_stream *s, struct diff_rng *rng)
{
    if (sd->ntokens == 0)
        return false;
    struct ph_slice t = sd->tokens[diff_below(rng, sd->ntokens)];
    size_t at = diff_below(rng, s->len + 1);
    if (diff_below(rng, 2) == 0 || s->len == 0)
        return splice(s, at, 0, t.ptr, t.len);
    /* replace a run of token characters at `at` */
    size_t e = at;
    while (e < s->len && (isalnum(s->data[e]) || s->data[e] == '-'))
        e++;
    return splice(s, at, e - at, t.ptr, t.len);
}

static bool m_header_insert(struct diff_stream *s, struct diff_rng *rng)
{
    size_t starts[256];
    size_t he = head_end(s);
    size_t n = line_starts(s, 0, he, starts, 256);
    if (n < 2)
        return false;
    size_t at = starts[1 + diff_below(rng, n - 1)];
    const char *f = interesting_fields[diff_below(rng, sizeof(interesting_fields) /
                                                           sizeof(interesting_fields[0]))];
    return insert_str(s, at, f);
}

static bool m_header_delete(struct diff_stream *s, struct diff_rng *rng)
{
    size_t at, len;
    return pick_field(s, rng, &at, &len) && splice(s, at, len, NULL, 0);
}

static bool m_header_duplicate(struct diff_stream *s, struct diff_rng *rng)
{
    size_t at, len;
    uint8_t copy[1024];
    if (!pick_field(s, rng, &at, &len) || len > sizeof(copy))
        return false;
    memcpy(copy, s->data + at, len);
    size_t to = diff_below(rng, 2) == 0 ? at : at + len;
    return splice(s, to, 0, copy, len);
}

static bool m_case(struct diff_stream *s, struct diff_rng *rng)
{
    size_t at, len;
    if (diff_below(rng, 4) == 0) { /* the method */
        at = 0;
        len = line_len(s, 0);
    } else if (!pick_field(s, rng, &at, &len)) {
        return false;
    }
    const uint8_t *colon = memchr(s->data + at, diff_below(rng, 4) == 0 ? '\n' : ':', len);
    size_t end = colon ? (size_t)(colon - s->data) : at + len;
    size_t mode = diff_below(rng, 3);
    for (size_t i = at; i < end; i++) {
        uint8_t c = s->data[i];
        s->data[i] = (uint8_t)(mode == 0            ? toupper(c)
                               : mode == 1          ? tolower(c)
                               : diff_below(rng, 2) ? toupper(c)
                                                    : tolower(c));
    }
    return true;
}

/* Whitespace and line ends, where parsers are known to part ways. */
static bool m_whitespace(struct diff_stream *s, struct diff_rng *rng)
{
    static const char *const ws[] = {" ", "\t", "  ", " \t", "\r", "\n", "\x0b", "\x0c"};
    const char *w = ws[diff_below(rng, diff_below(rng, 2) ? 2 : 8)];
    size_t at, len;
    size_t kind = diff_below(rng, 9);
    if (kind == 0) /* leading empty lines */
        return insert_str(s, 0, diff_below(rng, 2) ? "\r\n" : "\n");
    if (kind == 1) { /* inside the request-line */
        const uint8_t *sp = memchr(s->data, ' ', line_len(s, 0));
        return sp && insert_str(s, (size_t)(sp - s->data), w);
    }
    if (kind == 2 || kind == 3) { /* a CRLF of the stream becomes LF or CR */
        size_t n = 0, pos[256];
        for (size_t i = 0; i + 1 < s->len && n < 256; i++)
            if (s->data[i] == '\r' && s->data[i + 1] == '\n')
                pos[n++] = i;
        if (n == 0)
            return false;
        size_t p = pos[diff_below(rng, n)];
        return splice(s, kind == 2 ? p : p + 1, 1, NULL, 0);
    }
    if (!pick_field(s, rng, &at, &len))
        return false;
    const uint8_t *colon = memchr(s->data + at, ':', len);
    size_t c = colon ? (size_t)(colon - s->data) : at;
    size_t eol = at + len - (len >= 2 && s->data[at + len - 2] == '\r' ? 2 : 1);
    switch (kind) {
    case 4:
        return insert_str(s, c, w); /* before the colon: smuggling */
    case 5:
        return colon && insert_str(s, c + 1, w); /* after the colon */
    case 6:
        return insert_str(s, eol, w); /* trailing */
    case 7:
        return insert_str(s, at, w); /* before the name: a continuation line */
    default:                         /* obs-fold inside the value */
        return colon && insert_str(s, c + 1 + diff_below(rng, eol - c), "\r\n ");
    }
}

/* Chunk framing: turn a length body into chunks, or edit a chunk-size line. */
static bool m_chunk(struct diff_stream *s, struct diff_rng *rng)
{
    size_t he = head_end(s);
    if (he >= s->len || diff_below(rng, 3) == 0) {
        /* add Transfer-Encoding: chunked and a chunked body after the head */
        static const char *const bodies[] = {
            "5\r\nhello\r\n0\r\n\r\n",
            "5;ext=1\r\nhello\r\n0\r\n\r\n",
            "5\nhello\n0\n\n",
            "05\r\nhello\r\n0\r\nX: y\r\n\r\n",
            "5 \r\nhello\r\n0\r\n\r\n",
            "0x5\r\nhello\r\n0\r\n\r\n",
            "5\r\nhelloXX0\r\n\r\n",
            "5\r\nhello\r\n0\r\n",
            "ffffffffffffffff1\r\nhello\r\n0\r\n\r\n",
            "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        };
        if (he == s->len && (he < 2 || s->data[he - 1] != '\n'))
            return false;
        size_t at = he - (s->data[he - 2] == '\r' ? 2 : 1);
        if (!insert_str(s, at, "\r\nTransfer-Encoding: chunked"))
            return false;
        he = head_end(s);
        const char *b = bodies[diff_below(rng, sizeof(bodies) / sizeof(bodies[0]))];
        return splice(s, he, 0, b, strlen(b));
    }
    /* a chunk-size line of the body: hex digits at a line start */
    size_t starts[64];
    size_t n = line_starts(s, he, s->len, starts, 64);
    size_t cand[64], nc = 0;
    for (size_t i = 0; i < n; i++)
        if (isxdigit(s->data[starts[i]]))
            cand[nc++] = starts[i];
    if (nc == 0)
        return false;
    size_t at = cand[diff_below(rng, nc)];
    size_t digits = 0;
    while (at + digits < s->len && isxdigit(s->data[at + digits]))
        digits++;
    static const char *const ins[] = {";a=b", " ", "\t", ";", "0", "00", "\r", "\n", ";a=\"b\""};
    switch (diff_below(rng, 5)) {
    case 0:
        return splice(s, at + digits, 0, ins[diff_below(rng, 9)], 1);
    case 1:
        return insert_str(s, at + digits, ins[diff_below(rng, 9)]);
    case 2:
        return insert_str(s, at, "0");
    case 3: { /* the size one more or less */
        uint8_t *d = &s->data[at + digits - 1];
        *d = (uint8_t)(*d == '0' ? '1' : *d == '9' ? 'a' : *d - (diff_below(rng, 2) ? 1 : -1));
        return true;
    }
    default: /* CRLF after the size line becomes LF */
        return at + digits + 1 < s->len && s->data[at + digits] == '\r' &&
               splice(s, at + digits, 1, NULL, 0);
    }
}

/* Requests back to back: append another seed or this one, cut it, duplicate a part. */
static bool m_stream(const struct diff_seeds *sd, struct diff_stream *s, struct diff_rng *rng)
{
    switch (diff_below(rng, 4)) {
    case 0: {
        const struct diff_stream *o = &sd->s[diff_below(rng, sd->n)];
        return splice(s, s->len, 0, o->data, o->len);
    }
    case 1: {
        uint8_t copy[DIFF_MAX_STREAM];
        size_t n = s->len;
        memcpy(copy, s->data, n);
        return splice(s, s->len, 0, copy, n);
    }
    case 2:
        if (s->len < 2)
            return false;
        s->len = 1 + diff_below(rng, s->len - 1); /* cut: the stream ends mid-request */
        return true;
    default: { /* a piece of another seed in the middle */
        const struct diff_stream *o = &sd->s[diff_below(rng, sd->n)];
        size_t from = diff_below(rng, o->len), n = 1 + diff_below(rng, o->len - from);
        return splice(s, diff_below(rng, s->len + 1), 0, o->data + from, n);
    }
    }
}

void diff_mutate(const struct diff_seeds *sd, struct diff_rng *rng, struct diff_stream *out)
{
    const struct diff_stream *seed = &sd->s[diff_below(rng, sd->n)];
    memcpy(out->data, seed->data, seed->len);
    out->len = seed->len;
    out->npieces = 0;
    static const char ops[] = "bdhxucwks"; /* one letter per mutation, for the report */
    char done[8];
    size_t ndone = 0;
    size_t want = 1 + diff_below(rng, 4);
    /* Each try picks one mutation; one that cannot apply is skipped. */
    for (size_t tries = 0; ndone < want && tries < 16; tries++) {
        size_t op = diff_below(rng, 9);
        bool ok;
        switch (op) {
        case 0:
            ok = m_byte(out, rng);
            break;
        case 1:
            ok = m_dict(sd, out, rng);
            break;
        case 2:
            ok = m_header_insert(out, rng);
            break;
        case 3:
            ok = m_header_delete(out, rng);
            break;
        case 4:
            ok = m_header_duplicate(out, rng);
            break;
        case 5:
            ok = m_case(out, rng);
            break;
        case 6:
            ok = m_whitespace(out, rng);
            break;
        case 7:
            ok = m_chunk(out, rng);
            break;
        default:
            ok = m_stream(sd, out, rng);
            break;
        }
        if (ok)
            done[ndone++] = ops[op];
    }
    /* Random TCP segmentation for half the streams. */
    if (out->len > 1 && diff_below(rng, 2) == 0) {
        size_t cuts = 1 + diff_below(rng, DIFF_MAX_PIECES - 1), left = out->len;
        for (size_t i = 0; i < cuts && left > 1; i++) {
            size_t p = 1 + diff_below(rng, left - 1);
            out->pieces[out->npieces++] = p;
            left -= p;
        }
        out->pieces[out->npieces++] = left;
    }
    snprintf(out->origin, sizeof(out->origin), "%.64s +%.*s%s", seed->origin, (int)ndone, done,
             out->npieces ? " seg" : "");
}
