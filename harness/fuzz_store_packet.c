/*
 * Fuzz target store_packet: the store protocol core over arbitrary bytes, read both as a
 * case packet (what the daemon receives) and as an ack packet (what a client receives).
 *
 * Invariants: slices inside the input; an accepted case re-encodes to exactly the input
 * bytes, and an accepted ack likewise (the format has one encoding per message); the
 * raw-mode decision takes every non-empty packet within the limit whole.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "store/store.h"

/* The daemon's default limit is 1 MiB; the fuzzer's inputs are far smaller, so a small
 * limit makes CASE_TOO_LARGE reachable. */
#define FUZZ_MAX_CASE 4096

static void check_case(const uint8_t *data, size_t size)
{
    struct store_decision d;
    enum ph_status st = store_handle_packet(data, size, FUZZ_MAX_CASE, &d);
    FUZZ_CHECK(st == PH_OK || st == PH_REJECT);
    if (st == PH_REJECT) {
        FUZZ_CHECK(d.error != STORE_ERR_NONE && d.error_offset <= size);
        return;
    }
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
    size_t n = store_case_encode(d.c.seq, d.c.kind, target, d.c.data.ptr, d.c.data.len, again, size);
    FUZZ_CHECK(n == size && memcmp(again, data, size) == 0);
    free(again);
}

static void check_ack(const uint8_t *data, size_t size)
{
    static struct store_ack ack;
    static struct store_ack_batch batch;
    static uint8_t again[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
    if (store_ack_decode(data, size, &ack) != PH_OK) {
        FUZZ_CHECK(ack.error == STORE_ERR_BAD_ACK && ack.nruns == 0);
        return;
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
