/*
 * Start-up: what the daemon does with each record it finds in its write-ahead log
 * (docs/store-protocol.md, "Recovery"). The shell walks the segments, checks each
 * record's CRC and asks; this decides, so the rules are the same ones the fuzz target
 * store_session replays after a simulated restart.
 */
#include "store_session.h"

enum store_replay_action store_server_replay(struct store_server *s, const uint8_t *target,
                                             size_t target_len, uint8_t kind, uint64_t lsn,
                                             bool in_corpus, bool folder_usable)
{
    /* The CRC says the bytes are the ones written, not that a daemon wrote them: a log
     * planted or damaged to name "../x" must not become a path. */
    if (!store_target_valid(target, target_len) || kind >= STORE_KIND_COUNT || lsn == 0)
        return STORE_REPLAY_INVALID;
    /* Whatever the log holds was durable: later records get later lsns. */
    if (lsn >= s->next_lsn)
        s->next_lsn = lsn + 1;
    store_server_durable(s, s->next_lsn - 1);
    if (in_corpus)
        return STORE_REPLAY_SKIP;
    return folder_usable ? STORE_REPLAY_WRITE : STORE_REPLAY_QUARANTINE;
}
