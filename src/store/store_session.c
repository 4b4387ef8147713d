/*
 * The store server's session core (store_session.h): decisions and acks, no I/O.
 * docs/store-protocol.md describes the protocol these decisions implement.
 */
#include "store_session.h"

#include <string.h>

void store_server_init(struct store_server *s, const struct store_server_config *cfg,
                       uint64_t next_lsn)
{
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->next_lsn = next_lsn > 0 ? next_lsn : 1;
    s->committed_lsn = s->next_lsn - 1;
    s->space_left = INT64_MAX;
}

void store_server_space(struct store_server *s, int64_t space_left)
{
    s->space_left = space_left;
}

bool store_server_disk_changed(struct store_server *s, bool *full)
{
    bool changed = s->disk_changed;
    s->disk_changed = false;
    *full = s->disk_full;
    return changed;
}

void store_server_durable(struct store_server *s, uint64_t lsn)
{
    if (lsn > s->committed_lsn)
        s->committed_lsn = lsn;
}

void store_session_init(struct store_session *c, struct store_pending_ack *ring, size_t cap)
{
    memset(c, 0, sizeof(*c));
    c->acks = ring;
    c->cap = ring != NULL ? cap : 0;
}

void store_session_regrow(struct store_session *c, struct store_pending_ack *ring, size_t cap)
{
    c->acks = ring;
    c->cap = cap;
}

size_t store_session_room(struct store_session *c)
{
    if (c->head > 0 && c->head + c->count == c->cap) {
        memmove(c->acks, c->acks + c->head, c->count * sizeof(*c->acks));
        c->head = 0;
    }
    if (c->count == 0)
        c->head = 0;
    return c->cap - c->head - c->count;
}

/* Queues one verdict at the tail: in the order the packets came, which is the order the
 * acks must keep (docs: "acks for one connection come in the order the cases were
 * sent"). */
static void push_verdict(struct store_session *c, uint32_t seq, enum store_verdict v,
                         enum store_error reason, uint64_t lsn)
{
    if (store_session_room(c) == 0) {
        c->lost++;
        return;
    }
    c->acks[c->head + c->count++] =
        (struct store_pending_ack){seq, (uint8_t)v, (uint8_t)reason, lsn};
}

/* A packet the kernel cut (wire > kept) is never stored: named CASE_TOO_LARGE when its
 * header could be read (the sender sent a case past the limit), TRUNCATED when even the
 * header was cut (docs/store-protocol.md, reasons 10 and 11). */
static enum ph_status decode_cut(const struct store_server *s, const uint8_t *pkt, size_t kept,
                                 struct store_decision *d)
{
    if (s->cfg.raw) {
        store_handle_raw_packet(pkt, 0, s->cfg.max_case, d);
        d->error = STORE_ERR_CASE_TOO_LARGE;
        return PH_REJECT;
    }
    /* The whole kept part, decoded as if it were the packet: with its payload cut, a
     * case with a readable header shows as a length mismatch. */
    enum ph_status st = store_handle_packet(pkt, kept, SIZE_MAX, d);
    if (st == PH_OK || d->error == STORE_ERR_LENGTH_MISMATCH)
        d->error = STORE_ERR_CASE_TOO_LARGE;
    else if (d->error == STORE_ERR_TOO_SHORT)
        d->error = STORE_ERR_TRUNCATED;
    d->c.kind = STORE_KIND_QUEUE;
    d->c.target = (struct ph_slice){NULL, 0};
    d->c.data = (struct ph_slice){NULL, 0};
    d->consumed = 0;
    return PH_REJECT;
}

enum ph_status store_session_receive(struct store_server *s, struct store_session *c,
                                     const uint8_t *pkt, size_t kept, size_t wire,
                                     struct store_decision *d)
{
    enum ph_status st;
    if (wire > kept)
        st = decode_cut(s, pkt, kept, d);
    else if (s->cfg.raw)
        st = store_handle_raw_packet(pkt, kept, s->cfg.max_case, d);
    else
        st = store_handle_packet(pkt, kept, s->cfg.max_case, d);
    if (st == PH_OK)
        return PH_OK;
    s->st.rejected++;
    if (!s->cfg.raw)
        push_verdict(c, d->c.seq, STORE_REJECTED, d->error, 0);
    return PH_REJECT;
}

/* Disk admission: a case takes room twice for a while (log record and corpus file),
 * each rounded up to a block. The shell's figure already leaves out the reserve, the
 * backlog still to be written and the batches not yet collected. */
static bool take_space(struct store_server *s, size_t bytes)
{
    int64_t need = 2 * (int64_t)(STORE_RECORD_OVERHEAD + bytes + STORE_BLOCK_OVERHEAD);
    bool ok = s->space_left >= need;
    if (ok)
        s->space_left -= need;
    if (ok == s->disk_full) {
        s->disk_full = !ok;
        s->disk_changed = true;
    }
    return ok;
}

/* The checks in the order docs/store-protocol.md lists the daemon's reasons: a case
 * the corpus holds already is a duplicate before any limit applies, so a full target
 * still answers duplicates as such. */
void store_session_decide(struct store_server *s, struct store_session *c,
                          const struct store_case *sc, const struct store_facts *f,
                          struct store_verdict_out *out)
{
    *out = (struct store_verdict_out){STORE_REJECTED, STORE_ERR_NONE, 0};
    if (!f->target_known)
        out->reason = STORE_ERR_TARGET_FULL;
    else if (f->duplicate)
        *out = (struct store_verdict_out){STORE_DUPLICATE, STORE_ERR_NONE, f->duplicate_lsn};
    else if (f->target_cases >= s->cfg.max_target_cases)
        out->reason = STORE_ERR_TARGET_FULL;
    else if (f->total_bytes + sc->data.len > s->cfg.max_bytes)
        out->reason = STORE_ERR_STORE_FULL;
    else if (!f->folder_usable)
        out->reason = STORE_ERR_TARGET_UNUSABLE; /* before the ack, never after it */
    else if (!take_space(s, sc->target.len + sc->data.len))
        out->reason = STORE_ERR_NO_SPACE;
    else
        *out = (struct store_verdict_out){STORE_STORED, STORE_ERR_NONE, s->next_lsn++};

    if (out->verdict == STORE_STORED)
        s->st.stored++, s->st.bytes += sc->data.len;
    else if (out->verdict == STORE_DUPLICATE)
        s->st.duplicates++;
    else
        s->st.rejected++;
    if (!s->cfg.raw)
        push_verdict(c, sc->seq, out->verdict, out->reason, out->lsn);
}

/* Rewrites the waiting verdicts whose lsn is in (after, last] as rejects. */
static void reject_range(struct store_session *c, uint64_t after, uint64_t last,
                         enum store_error reason)
{
    for (size_t i = 0; i < c->count; i++) {
        struct store_pending_ack *a = &c->acks[c->head + i];
        if (a->lsn > after && a->lsn <= last) {
            a->verdict = STORE_REJECTED;
            a->reason = (uint8_t)reason;
            a->lsn = 0;
        }
    }
}

void store_session_undo(struct store_server *s, struct store_session *c, uint64_t lsn, size_t bytes,
                        enum store_error reason)
{
    reject_range(c, lsn - 1, lsn, reason);
    s->st.stored--;
    s->st.bytes -= bytes;
    s->st.rejected++;
}

void store_session_fail(const struct store_server *s, struct store_session *c, uint64_t last,
                        enum store_error reason)
{
    reject_range(c, s->committed_lsn, last, reason);
}

void store_server_fail(struct store_server *s, uint64_t n, uint64_t bytes)
{
    s->st.stored -= n;
    s->st.bytes -= bytes;
    s->st.rejected += n;
}

bool store_session_sendable(const struct store_server *s, const struct store_session *c)
{
    return c->count > 0 && c->acks[c->head].lsn <= s->committed_lsn;
}

bool store_session_paused(const struct store_session *c)
{
    return c->count >= STORE_MAX_PENDING_ACKS;
}

size_t store_session_ack(const struct store_server *s, const struct store_session *c, uint8_t *out,
                         size_t cap, size_t *covered)
{
    struct store_ack_batch batch;
    store_ack_init(&batch);
    size_t n = 0;
    while (n < c->count) {
        const struct store_pending_ack *a = &c->acks[c->head + n];
        if (a->lsn > s->committed_lsn ||
            !store_ack_add(&batch, a->seq, (enum store_verdict)a->verdict,
                           (enum store_error)a->reason))
            break;
        n++;
    }
    size_t len = n > 0 ? store_ack_encode(&batch, out, cap) : 0;
    *covered = len > 0 ? n : 0;
    return len;
}

void store_session_acked(struct store_session *c, size_t n)
{
    if (n > c->count)
        n = c->count;
    c->head += n;
    c->count -= n;
    if (c->count == 0)
        c->head = 0;
}
