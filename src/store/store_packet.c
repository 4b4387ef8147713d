/*
 * Case packets (docs/store-protocol.md):
 *
 *   0  2  magic "PH"          8  1  kind (0 queue, 1 crash, 2 hang)
 *   2  1  version (1)         9  1  target length T (1..64)
 *   3  1  type (1 = case)    10  4  payload length N
 *   4  4  sequence number    14  T  target name, then N payload bytes; nothing after
 *
 * Checks run in the order of the fields, so the first wrong field is the one named.
 */
#include <string.h>

#include "store.h"
#include "common/ph_bytes.h"

static enum ph_status reject(struct store_decision *d, enum store_error error, size_t at)
{
    d->error = error;
    d->error_offset = at;
    return PH_REJECT;
}

static void reset_decision(struct store_decision *d)
{
    memset(d, 0, sizeof(*d));
}

/* Names become directory names under the corpus root: no "/", no "..", no hidden
 * names (the daemon keeps its own files under ".store"), nothing a shell would mangle. */
bool store_target_valid(const uint8_t *name, size_t len)
{
    if (len == 0 || len > STORE_MAX_TARGET_LEN || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

enum ph_status store_handle_packet(const uint8_t *pkt, size_t len, size_t max_case,
                                   struct store_decision *d)
{
    reset_decision(d);
    if (len < 8)
        return reject(d, STORE_ERR_TOO_SHORT, len);
    if (pkt[0] != STORE_MAGIC_0 || pkt[1] != STORE_MAGIC_1)
        return reject(d, STORE_ERR_BAD_MAGIC, 0);
    d->c.seq = ph_get_be32(pkt + 4); /* from here on, a reject can name the case */
    if (pkt[2] != STORE_VERSION)
        return reject(d, STORE_ERR_BAD_VERSION, 2);
    if (pkt[3] != STORE_TYPE_CASE)
        return reject(d, STORE_ERR_BAD_TYPE, 3);
    if (len < STORE_CASE_HEADER_LEN)
        return reject(d, STORE_ERR_TOO_SHORT, len);
    if (pkt[8] >= STORE_KIND_COUNT)
        return reject(d, STORE_ERR_BAD_KIND, 8);
    size_t target_len = pkt[9];
    if (target_len > STORE_MAX_TARGET_LEN)
        return reject(d, STORE_ERR_TARGET_TOO_LONG, 9);
    if (len - STORE_CASE_HEADER_LEN < target_len)
        return reject(d, STORE_ERR_TOO_SHORT, len);
    const uint8_t *target = pkt + STORE_CASE_HEADER_LEN;
    if (!store_target_valid(target, target_len))
        return reject(d, STORE_ERR_TARGET_INVALID, STORE_CASE_HEADER_LEN);
    size_t payload_at = STORE_CASE_HEADER_LEN + target_len;
    uint32_t payload_len = ph_get_be32(pkt + 10);
    if (payload_len != len - payload_at)
        return reject(d, STORE_ERR_LENGTH_MISMATCH, 10);
    if (payload_len == 0)
        return reject(d, STORE_ERR_EMPTY_CASE, payload_at);
    if (payload_len > max_case)
        return reject(d, STORE_ERR_CASE_TOO_LARGE, payload_at);

    d->c.kind = (enum store_kind)pkt[8];
    d->c.target = (struct ph_slice){target, target_len};
    d->c.data = (struct ph_slice){pkt + payload_at, payload_len};
    d->consumed = len;
    return PH_OK;
}

enum ph_status store_handle_raw_packet(const uint8_t *pkt, size_t len, size_t max_case,
                                       struct store_decision *d)
{
    reset_decision(d);
    if (len == 0)
        return reject(d, STORE_ERR_EMPTY_CASE, 0);
    if (len > max_case)
        return reject(d, STORE_ERR_CASE_TOO_LARGE, 0);
    d->c.kind = STORE_KIND_QUEUE;
    d->c.data = (struct ph_slice){pkt, len};
    d->consumed = len;
    return PH_OK;
}

size_t store_case_size(size_t target_len, size_t data_len)
{
    return STORE_CASE_HEADER_LEN + target_len + data_len;
}

size_t store_case_encode(uint32_t seq, enum store_kind kind, const char *target,
                         const uint8_t *data, size_t len, uint8_t *out, size_t cap)
{
    size_t target_len = strlen(target);
    if (!store_target_valid((const uint8_t *)target, target_len) ||
        (unsigned)kind >= STORE_KIND_COUNT || len > UINT32_MAX)
        return 0;
    size_t total = store_case_size(target_len, len);
    if (total > cap)
        return 0;
    out[0] = STORE_MAGIC_0;
    out[1] = STORE_MAGIC_1;
    out[2] = STORE_VERSION;
    out[3] = STORE_TYPE_CASE;
    ph_put_be32(out + 4, seq);
    out[8] = (uint8_t)kind;
    out[9] = (uint8_t)target_len;
    ph_put_be32(out + 10, (uint32_t)len);
    memcpy(out + STORE_CASE_HEADER_LEN, target, target_len);
    if (len > 0)
        memcpy(out + STORE_CASE_HEADER_LEN + target_len, data, len);
    return total;
}
