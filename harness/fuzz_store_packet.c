/*
 * Fuzz target store_packet: the store protocol core over arbitrary bytes, read both as a
 * case packet (what the daemon receives) and as an ack packet (what a client receives).
 *
 * Invariants: slices inside the input; an accepted case re-encodes to exactly the input
 * bytes, and an accepted ack likewise (the format has one encoding per message); the
 * raw-mode decision takes every non-empty packet within the limit whole. Both packet kinds
 * are also read a second time, plainly (case_error, ack_error): the verdict, error, offset
 * and fields must be what that reading says, and an accepted target name must be one safe
 * path component.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "store/store.h"

/* The daemon's default limit is 1 MiB; the fuzzer's inputs are far smaller, so a small
 * limit makes CASE_TOO_LARGE reachable. */
#define FUZZ_MAX_CASE 4096

/* ---- a second reading of docs/store-protocol.md ----------------------------------------
 * The verdict, error and offset each packet must get, read plainly from the bytes in the
 * order of the fields, with its own idea of a safe target name: the name becomes a
 * directory under the corpus root, so it must be one path component, never ".", "..",
 * hidden or holding "/" (checked apart from store_target_valid, which the encoder shares:
 * a weakened rule would otherwise round-trip unnoticed). */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int safe_name(const uint8_t *n, size_t len)
{
    if (len == 0 || len > STORE_MAX_TARGET_LEN || n[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = n[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static enum store_error case_error(const uint8_t *d, size_t size, size_t *at)
{
    *at = size;
    if (size < 8)
        return STORE_ERR_TOO_SHORT;
    *at = 0;
    if (d[0] != 'P' || d[1] != 'H')
        return STORE_ERR_BAD_MAGIC;
    *at = 2;
    if (d[2] != 1)
        return STORE_ERR_BAD_VERSION;
    *at = 3;
    if (d[3] != STORE_TYPE_CASE)
        return STORE_ERR_BAD_TYPE;
    *at = size;
    if (size < 14)
        return STORE_ERR_TOO_SHORT;
    *at = 8;
    if (d[8] > 2)
        return STORE_ERR_BAD_KIND;
    size_t tlen = d[9];
    *at = 9;
    if (tlen > 64)
        return STORE_ERR_TARGET_TOO_LONG;
    *at = size;
    if (size - 14 < tlen)
        return STORE_ERR_TOO_SHORT;
    *at = 14;
    if (!safe_name(d + 14, tlen))
        return STORE_ERR_TARGET_INVALID;
    *at = 10;
    if (be32(d + 10) != size - 14 - tlen)
        return STORE_ERR_LENGTH_MISMATCH;
    *at = 14 + tlen;
    if (size - 14 - tlen == 0)
        return STORE_ERR_EMPTY_CASE;
    if (size - 14 - tlen > FUZZ_MAX_CASE)
        return STORE_ERR_CASE_TOO_LARGE;
    *at = 0;
    return STORE_ERR_NONE;
}

/* How many reasons a reject may carry: every store_error, counted from the one list, so
 * a reason added to it (TARGET_UNUSABLE was) needs no edit here. */
#define STORE_ERROR_ONE(name, message) +1
static const unsigned store_error_count = 0 STORE_ERRORS(STORE_ERROR_ONE);
#undef STORE_ERROR_ONE

static enum store_error ack_error(const uint8_t *d, size_t size, size_t *at)
{
    *at = size;
    if (size < 8)
        return STORE_ERR_BAD_ACK;
    *at = 0;
    if (d[0] != 'P' || d[1] != 'H' || d[2] != 1 || d[3] != STORE_TYPE_ACK)
        return STORE_ERR_BAD_ACK;
    size_t n = (size_t)d[4] << 8 | d[5];
    *at = 4;
    if (n == 0 || n > STORE_MAX_ACK_RUNS || d[6] != 0 || d[7] != 0)
        return STORE_ERR_BAD_ACK;
    if (size != 8 + 12 * n) {
        *at = size < 8 + 12 * n ? size : 0;
        return STORE_ERR_BAD_ACK;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = d + 8 + 12 * i;
        *at = 8 + 12 * i;
        if (be32(r + 4) == 0 || r[8] > STORE_REJECTED || r[9] >= store_error_count || r[10] != 0 ||
            r[11] != 0)
            return STORE_ERR_BAD_ACK;
        *at += 9; /* a reject has a reason; stored and duplicate have none */
        if ((r[8] == STORE_REJECTED) != (r[9] != 0))
            return STORE_ERR_BAD_ACK;
    }
    *at = 0;
    return STORE_ERR_NONE;
}

static void check_case(const uint8_t *data, size_t size)
{
    struct store_decision d;
    enum ph_status st = store_handle_packet(data, size, FUZZ_MAX_CASE, &d);
    FUZZ_CHECK(st == PH_OK || st == PH_REJECT);
    size_t at;
    enum store_error want = case_error(data, size, &at);
    FUZZ_CHECK(d.error == want && d.error_offset == at && (st == PH_OK) == (want == 0));
    /* the seq is known from the magic on, so a reject can be acknowledged */
    int seq_known = size >= 8 && data[0] == 'P' && data[1] == 'H';
    FUZZ_CHECK(d.c.seq == (seq_known ? be32(data + 4) : 0));
    if (st == PH_REJECT) {
        FUZZ_CHECK(d.error != STORE_ERR_NONE && d.error_offset <= size);
        return;
    }
    /* one path component: no "/", not "." or "..", not hidden */
    FUZZ_CHECK(d.c.target.len > 0 && d.c.target.ptr[0] != '.' &&
               memchr(d.c.target.ptr, '/', d.c.target.len) == NULL &&
               memchr(d.c.target.ptr, '\0', d.c.target.len) == NULL);
    FUZZ_CHECK(safe_name(d.c.target.ptr, d.c.target.len));
    FUZZ_CHECK(d.c.kind == data[8] && d.c.target.ptr == data + 14 &&
               d.c.data.ptr == data + 14 + d.c.target.len);
    FUZZ_CHECK(d.error == STORE_ERR_NONE && d.consumed == size);
    FUZZ_CHECK(fuzz_inside(d.c.target.ptr, d.c.target.len, data, size));
    FUZZ_CHECK(fuzz_inside(d.c.data.ptr, d.c.data.len, data, size));
    FUZZ_CHECK(d.c.data.len > 0 && d.c.data.len <= FUZZ_MAX_CASE);
    FUZZ_CHECK(store_target_valid(d.c.target.ptr, d.c.target.len));

    char target[STORE_MAX_TARGET_LEN + 1];
    memcpy(target, d.c.target.ptr, d.c.target.len);
    target[d.c.target.len] = '\0';
    uint8_t *again = malloc(size);
    FUZZ_CHECK(again != NULL);
    size_t n =
        store_case_encode(d.c.seq, d.c.kind, target, d.c.data.ptr, d.c.data.len, again, size);
    FUZZ_CHECK(n == size && memcmp(again, data, size) == 0);
    free(again);
}

static void check_ack(const uint8_t *data, size_t size)
{
    static struct store_ack ack;
    static struct store_ack_batch batch;
    static uint8_t again[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
    size_t at;
    enum store_error want = ack_error(data, size, &at);
    enum ph_status st = store_ack_decode(data, size, &ack);
    FUZZ_CHECK(ack.error == want && ack.error_offset == at && (st == PH_OK) == (want == 0));
    if (st != PH_OK) {
        FUZZ_CHECK(ack.error == STORE_ERR_BAD_ACK && ack.nruns == 0);
        return;
    }
    for (size_t i = 0; i < ack.nruns; i++) {
        const uint8_t *r = data + 8 + 12 * i;
        FUZZ_CHECK(ack.runs[i].first_seq == be32(r) && ack.runs[i].count == be32(r + 4) &&
                   ack.runs[i].verdict == r[8] && ack.runs[i].reason == r[9]);
    }
    FUZZ_CHECK(ack.nruns > 0 && ack.nruns <= STORE_MAX_ACK_RUNS && ack.consumed == size);
    /* Re-encode run by run: the batch must keep them apart even where a decoder would
     * see two runs that could have been one, so copy them as they are. */
    batch.nruns = ack.nruns;
    memcpy(batch.runs, ack.runs, ack.nruns * sizeof(ack.runs[0]));
    size_t n = store_ack_encode(&batch, again, sizeof(again));
    FUZZ_CHECK(n == size && memcmp(again, data, size) == 0);
}

static void check_raw(const uint8_t *data, size_t size)
{
    struct store_decision d;
    enum ph_status st = store_handle_raw_packet(data, size, FUZZ_MAX_CASE, &d);
    FUZZ_CHECK((st == PH_OK) == (size > 0 && size <= FUZZ_MAX_CASE));
    if (st == PH_OK)
        FUZZ_CHECK(d.c.data.ptr == data && d.c.data.len == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_case(data, size);
    check_ack(data, size);
    check_raw(data, size);
    return 0;
}
