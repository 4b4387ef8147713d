/*
 * What a CHAO server answers, and how often: the decisions of `ph-chao serve`, kept pure
 * so that the unit tests can put every case to them.
 */
#include "chao.h"

#include <string.h>

static bool is_group(const uint8_t mac[CHAO_MAC_LEN])
{
    return mac[0] & 1; /* IEEE 802-2014 8.2: the I/G bit; broadcast is a group too */
}

/* CHAO/1 requests that got as far as a whole header before they broke a rule: the sender
 * and the sequence number are known, so an error reply can reach it. */
static bool deserves_error(const struct chao_frame *in)
{
    return in->error == CHAO_ERR_UNKNOWN_TYPE || in->error == CHAO_ERR_LENGTH_PAST_END ||
           in->error == CHAO_ERR_TRAILING_BYTES;
}

static void answer_chao1(const struct chao_frame *in, const uint8_t self[CHAO_MAC_LEN],
                         enum chao_type type, struct ph_slice body, struct chao_frame *out)
{
    out->framing = in->framing;
    out->version = CHAO_VERSION;
    out->type = type;
    out->seq = in->seq;
    out->body = body;
    if (in->framing != CHAO_FRAMING_NATIVE)
        return;
    /* Back to the sender, on the VLANs the request came by. */
    out->has_ethernet = true;
    out->ethertype = CHAO_ETHERTYPE;
    memcpy(out->dst, in->src, CHAO_MAC_LEN);
    memcpy(out->src, self, CHAO_MAC_LEN);
    out->num_vlan = in->num_vlan;
    memcpy(out->vlan, in->vlan, sizeof(out->vlan));
}

bool chao_answer(enum ph_status st, const struct chao_frame *in, const uint8_t self[CHAO_MAC_LEN],
                 struct chao_frame *out)
{
    memset(out, 0, sizeof(*out));
    if (in->framing == CHAO_FRAMING_BARE) {
        if (st != PH_OK)
            return false;
        out->framing = CHAO_FRAMING_BARE;
        out->body =
            (struct ph_slice){(const uint8_t *)CHAO_BARE_REPLY, sizeof(CHAO_BARE_REPLY) - 1};
        return true;
    }
    if (in->framing != CHAO_FRAMING_NATIVE && in->framing != CHAO_FRAMING_DATAGRAM)
        return false;
    if (in->framing == CHAO_FRAMING_NATIVE) {
        /* Our own frame come back, or one for another host on a shared segment. */
        if (memcmp(in->src, self, CHAO_MAC_LEN) == 0)
            return false;
        if (!is_group(in->dst) && memcmp(in->dst, self, CHAO_MAC_LEN) != 0)
            return false;
    }
    if (st == PH_OK) {
        if (in->type != CHAO_TYPE_REQUEST)
            return false; /* never answer a reply or an error: no loops between servers */
        answer_chao1(in, self, CHAO_TYPE_REPLY, in->body, out);
        return true;
    }
    if (!deserves_error(in))
        return false;
    const char *name = chao_error_name(in->error);
    answer_chao1(in, self, CHAO_TYPE_ERROR, (struct ph_slice){(const uint8_t *)name, strlen(name)},
                 out);
    return true;
}

void chao_limiter_init(struct chao_limiter *lim, unsigned rate, unsigned burst, uint64_t now_ms)
{
    lim->capacity = (uint64_t)burst * 1000;
    lim->millitokens = lim->capacity;
    lim->rate = rate;
    lim->last_ms = now_ms;
}

bool chao_limiter_allow(struct chao_limiter *lim, uint64_t now_ms)
{
    if (now_ms > lim->last_ms && lim->rate != 0) {
        /* rate tokens per second are rate millitokens per millisecond; past the time that
         * fills an empty bucket, more time adds nothing (and cannot overflow) */
        uint64_t elapsed = now_ms - lim->last_ms;
        uint64_t fill_ms = lim->capacity / lim->rate + 1;
        if (elapsed > fill_ms)
            elapsed = fill_ms;
        lim->millitokens += elapsed * lim->rate;
        if (lim->millitokens > lim->capacity)
            lim->millitokens = lim->capacity;
        lim->last_ms = now_ms;
    }
    if (lim->millitokens < 1000)
        return false;
    lim->millitokens -= 1000;
    return true;
}
