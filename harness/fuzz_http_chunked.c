/*
 * Fuzz target http_chunked: http_decode_chunked over arbitrary bytes, as one piece and
 * again split into pieces whose sizes come from a hash of the input, so the splits are
 * reproducible from the file alone. Both runs must agree on the verdict, the error and
 * its absolute offset, the bytes consumed and the decoded body. PH_SPLIT_ORACLE builds
 * also feed the input one byte at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "http/http.h"

struct decode_run {
    enum ph_status status;
    size_t consumed; /* total over all pieces */
    enum http_error error;
    size_t error_offset; /* absolute */
    uint8_t *body;       /* decoded bytes, gathered from every piece */
    size_t body_len;
    uint64_t body_size; /* what the decoder counted */
};

/* Piece sizes 1..32 from a 64-bit xorshift seeded with FNV-1a of the input. */
static size_t next_piece(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (size_t)(*state % 32) + 1;
}

static uint64_t fnv1a(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3u;
    return h | 1;
}

/* piece == 0: one piece; piece == 1: byte by byte; otherwise pseudo-random pieces. */
static void decode(const uint8_t *data, size_t size, size_t piece, struct decode_run *run)
{
    uint8_t *copy = malloc(size ? size : 1);
    run->body = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL && run->body != NULL);
    memcpy(copy, data, size);
    run->body_len = 0;
    run->consumed = 0;
    run->error = HTTP_ERR_NONE;
    run->error_offset = 0;

    struct http_chunked_decoder dec;
    http_chunked_init(&dec);
    /* Only the pseudo-random pieces need the hash: a multiply per input byte, as much as
     * the decoding of a short body costs. */
    uint64_t rng = piece > 1 ? fnv1a(data, size) : 0;
    size_t off = 0;
    enum ph_status st = PH_INCOMPLETE;
    do {
        size_t n = size - off;
        if (piece == 1 && n > 1)
            n = 1;
        else if (piece > 1 && n > 1) {
            size_t want = next_piece(&rng);
            n = want < n ? want : n;
        }
        struct http_chunked_result res;
        st = http_decode_chunked(&dec, copy + off, n, &res);
        FUZZ_CHECK(res.consumed <= n && res.decoded <= res.consumed);
        if (st == PH_INCOMPLETE)
            FUZZ_CHECK(res.consumed == n);
        memcpy(run->body + run->body_len, copy + off, res.decoded);
        run->body_len += res.decoded;
        run->consumed += res.consumed;
        if (st == PH_REJECT) {
            FUZZ_CHECK(res.error != HTTP_ERR_NONE && res.error_offset < n);
            run->error = res.error;
            run->error_offset = off + res.error_offset;
        }
        off += n;
    } while (st == PH_INCOMPLETE && off < size);
    run->status = st;
    run->body_size = dec.body_size;
    free(copy);
}

static void check_same(const struct decode_run *a, const struct decode_run *b)
{
    FUZZ_CHECK(a->status == b->status);
    FUZZ_CHECK(a->error == b->error && a->error_offset == b->error_offset);
    if (a->status == PH_REJECT)
        return; /* a rejected body's partial data means nothing */
    FUZZ_CHECK(a->consumed == b->consumed);
    FUZZ_CHECK(a->body_len == b->body_len);
    FUZZ_CHECK(memcmp(a->body, b->body, a->body_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct decode_run whole, split;
    decode(data, size, 0, &whole);
    if (whole.status != PH_REJECT)
        FUZZ_CHECK(whole.body_len == whole.body_size);
    decode(data, size, 2, &split);
    check_same(&whole, &split);
    free(split.body);
#ifdef PH_SPLIT_ORACLE
    struct decode_run bytewise;
    decode(data, size, 1, &bytewise);
    check_same(&whole, &bytewise);
    free(bytewise.body);
#endif
    free(whole.body);
    return 0;
}
