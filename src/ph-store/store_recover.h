/*
 * Start-up recovery (docs/store-protocol.md, "Recovery"): rebuild the index from the
 * corpus, replay the write-ahead log beyond it, make that durable, drop the log. The
 * decision for each record is the session core's (store_server_replay); this file walks
 * the segments and carries the decisions out.
 */
#ifndef STORE_RECOVER_H
#define STORE_RECOVER_H

#include <stdint.h>

#include "store/store_session.h"
#include "store_fs.h"
#include "store_index.h"

struct store_recovery {
    uint64_t indexed;     /* case files already in the corpus */
    uint64_t replayed;    /* cases written from the log */
    uint64_t quarantined; /* cases set aside: their target folder could not be used */
    uint64_t invalid;     /* whole records no daemon could have written, skipped */
    uint64_t next_segment;
};

/* Recovers the corpus at dirs into ix and srv (whose next lsn moves past the log's).
 * Returns 0, or -1 with a message in err (the log is then left as it was). */
int store_recover(const struct store_dirs *dirs, struct store_index *ix, struct store_server *srv,
                  struct store_recovery *out, char *err);

#endif
