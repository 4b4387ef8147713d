/*
 * Ack packets (docs/store-protocol.md):
 *
 *   0  2  magic "PH"   3  1  type (2 = ack)   6  2  reserved (0)
 *   2  1  version (1)  4  2  number of runs R (1..256)
 *   then R runs of 12 bytes: first seq (4), count (4), verdict (1), reason (1), reserved (2)
 *
 * A run covers cases first_seq .. first_seq + count - 1 (mod 2^32), all with one verdict.
 */
#include <string.h>

#include "store.h"
#include "common/ph_bytes.h"

void store_ack_init(struct store_ack_batch *b)
{
    b->nruns = 0;
}

bool store_ack_add(struct store_ack_batch *b, uint32_t seq, enum store_verdict verdict,
                   enum store_error reason)
{
    if (b->nruns > 0) {
        struct store_ack_run *last = &b->runs[b->nruns - 1];
        if (last->verdict == verdict && last->reason == reason &&
            last->first_seq + last->count == seq && last->count < UINT32_MAX) {
            last->count++;
            return true;
        }
    }
    if (b->nruns == STORE_MAX_ACK_RUNS)
        return false;
    b->runs[b->nruns++] = (struct store_ack_run){seq, 1, verdict, reason};
    return true;
}

size_t store_ack_size(const struct store_ack_batch *b)
{
    return STORE_ACK_HEADER_LEN + b->nruns * STORE_ACK_RUN_LEN;
}

size_t store_ack_encode(const struct store_ack_batch *b, uint8_t *out, size_t cap)
{
    size_t total = store_ack_size(b);
    if (b->nruns == 0 || total > cap)
        return 0;
    out[0] = STORE_MAGIC_0;
    out[1] = STORE_MAGIC_1;
    out[2] = STORE_VERSION;
    out[3] = STORE_TYPE_ACK;
    ph_put_be16(out + 4, (uint16_t)b->nruns);
    ph_put_be16(out + 6, 0);
    uint8_t *p = out + STORE_ACK_HEADER_LEN;
    for (size_t i = 0; i < b->nruns; i++, p += STORE_ACK_RUN_LEN) {
        ph_put_be32(p, b->runs[i].first_seq);
        ph_put_be32(p + 4, b->runs[i].count);
        p[8] = (uint8_t)b->runs[i].verdict;
        p[9] = (uint8_t)b->runs[i].reason;
        ph_put_be16(p + 10, 0);
    }
    return total;
}

static enum ph_status bad_ack(struct store_ack *ack, size_t at)
{
    ack->error = STORE_ERR_BAD_ACK;
    ack->error_offset = at;
    return PH_REJECT;
}

static bool known_reason(uint8_t r)
{
    switch ((enum store_error)r) {
#define STORE_ERROR_KNOWN(name, message) case STORE_ERR_##name:
        STORE_ERRORS(STORE_ERROR_KNOWN)
#undef STORE_ERROR_KNOWN
        return true;
    }
    return false;
}

enum ph_status store_ack_decode(const uint8_t *pkt, size_t len, struct store_ack *ack)
{
    ack->nruns = 0;
    ack->consumed = 0;
    ack->error = STORE_ERR_NONE;
    ack->error_offset = 0;
    if (len < STORE_ACK_HEADER_LEN)
        return bad_ack(ack, len);
    if (pkt[0] != STORE_MAGIC_0 || pkt[1] != STORE_MAGIC_1 || pkt[2] != STORE_VERSION ||
        pkt[3] != STORE_TYPE_ACK)
        return bad_ack(ack, 0);
    size_t nruns = ph_get_be16(pkt + 4);
    if (nruns == 0 || nruns > STORE_MAX_ACK_RUNS || ph_get_be16(pkt + 6) != 0)
        return bad_ack(ack, 4);
    if (len != STORE_ACK_HEADER_LEN + nruns * STORE_ACK_RUN_LEN)
        return bad_ack(ack, len < STORE_ACK_HEADER_LEN + nruns * STORE_ACK_RUN_LEN ? len : 0);
    const uint8_t *p = pkt + STORE_ACK_HEADER_LEN;
    for (size_t i = 0; i < nruns; i++, p += STORE_ACK_RUN_LEN) {
        size_t at = (size_t)(p - pkt);
        struct store_ack_run *r = &ack->runs[i];
        r->first_seq = ph_get_be32(p);
        r->count = ph_get_be32(p + 4);
        if (r->count == 0 || p[8] > STORE_REJECTED || !known_reason(p[9]) ||
            ph_get_be16(p + 10) != 0)
            return bad_ack(ack, at);
        /* stored and duplicate carry no reason; a reject always has one */
        if ((p[8] == STORE_REJECTED) != (p[9] != STORE_ERR_NONE))
            return bad_ack(ack, at + 9);
        r->verdict = (enum store_verdict)p[8];
        r->reason = (enum store_error)p[9];
    }
    ack->nruns = nruns;
    ack->consumed = len;
    return PH_OK;
}
