/*
 * The store session core (src/store/store_session.h): decisions as a spec table, one
 * behaviour per row; packets cut by the kernel; acks held until the log is durable, in
 * order, coalesced; failed log writes; disk admission; the pending-ack ring; replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guard_buf.h"
#include "store_decision_asserts.h"
#include "store/store_session.h"

#define MAX_CASE 64

static const struct store_server_config config = {
    .max_case = MAX_CASE, .max_target_cases = 10, .max_bytes = 1000, .raw = false};

static struct store_pending_ack ring[STORE_MAX_PENDING_ACKS];

static void setup_pair(struct store_server *s, struct store_session *c,
                       const struct store_server_config *cfg)
{
    store_server_init(s, cfg, 1);
    store_session_init(c, ring, 64);
}

static const struct store_case a_case = {.seq = 5,
                                         .kind = STORE_KIND_QUEUE,
                                         .target = {(const uint8_t *)"t", 1},
                                         .data = {(const uint8_t *)"data", 4}};

/* ---- decisions ------------------------------------------------------------------------ */

struct decide_row {
    const char *label;
    struct store_facts facts;
    int64_t space;
    enum store_verdict verdict;
    enum store_error reason;
};

/* clang-format off */
#define FACTS(known, dup, cases, bytes, usable) {known, dup, 0, cases, bytes, usable}
/* clang-format on */

static const struct decide_row decide_rows[] = {
    {"a new case is stored", FACTS(true, false, 0, 0, true), INT64_MAX, STORE_STORED,
     STORE_ERR_NONE},
    {"a duplicate", FACTS(true, true, 0, 0, true), INT64_MAX, STORE_DUPLICATE, STORE_ERR_NONE},
    {"a duplicate of a full target is still a duplicate", FACTS(true, true, 10, 1000, false), 0,
     STORE_DUPLICATE, STORE_ERR_NONE},
    {"no room for another target", FACTS(false, false, 0, 0, true), INT64_MAX, STORE_REJECTED,
     STORE_ERR_TARGET_FULL},
    {"--max-cases reached", FACTS(true, false, 10, 0, true), INT64_MAX, STORE_REJECTED,
     STORE_ERR_TARGET_FULL},
    {"one below --max-cases", FACTS(true, false, 9, 0, true), INT64_MAX, STORE_STORED,
     STORE_ERR_NONE},
    {"--max-bytes would be passed", FACTS(true, false, 0, 997, true), INT64_MAX, STORE_REJECTED,
     STORE_ERR_STORE_FULL},
    {"--max-bytes exactly reached", FACTS(true, false, 0, 996, true), INT64_MAX, STORE_STORED,
     STORE_ERR_NONE},
    {"the folder cannot be used", FACTS(true, false, 0, 0, false), INT64_MAX, STORE_REJECTED,
     STORE_ERR_TARGET_UNUSABLE},
    {"an unusable folder is named before a full disk", FACTS(true, false, 0, 0, false), 0,
     STORE_REJECTED, STORE_ERR_TARGET_UNUSABLE},
    {"no disk space", FACTS(true, false, 0, 0, true), 100, STORE_REJECTED, STORE_ERR_NO_SPACE},
    {"just enough disk space", FACTS(true, false, 0, 0, true),
     2 * (STORE_RECORD_OVERHEAD + 5 + STORE_BLOCK_OVERHEAD), STORE_STORED, STORE_ERR_NONE},
};

static void test_decide(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decide_rows) / sizeof(decide_rows[0]); i++) {
        const struct decide_row *r = &decide_rows[i];
        struct store_server s;
        struct store_session c;
        setup_pair(&s, &c, &config);
        store_server_space(&s, r->space);
        struct store_verdict_out v;
        store_session_decide(&s, &c, &a_case, &r->facts, &v);
        if (v.verdict != r->verdict || v.reason != r->reason)
            fail_msg("%s: got %s %s, want %s %s", r->label, store_verdict_name(v.verdict),
                     store_error_name(v.reason), store_verdict_name(r->verdict),
                     store_error_name(r->reason));
        assert_int_equal(c.count, 1); /* every case gets exactly one verdict */
        assert_int_equal(c.acks[0].seq, 5);
        assert_int_equal(c.acks[0].verdict, r->verdict);
        assert_int_equal(c.acks[0].reason, r->reason);
        assert_int_equal(v.lsn, r->verdict == STORE_STORED ? 1 : 0);
        assert_int_equal(s.next_lsn, r->verdict == STORE_STORED ? 2 : 1);
        assert_int_equal(s.st.stored + s.st.duplicates + s.st.rejected, 1);
    }
}

static void test_raw_mode_queues_nothing(void **state)
{
    (void)state;
    struct store_server_config raw = config;
    raw.raw = true;
    struct store_server s;
    struct store_session c;
    setup_pair(&s, &c, &raw);
    struct store_decision d;
    assert_int_equal(store_session_receive(&s, &c, (const uint8_t *)"anything", 8, 8, &d), PH_OK);
    struct store_facts f = FACTS(true, false, 0, 0, true);
    struct store_verdict_out v;
    store_session_decide(&s, &c, &d.c, &f, &v);
    assert_int_equal(v.verdict, STORE_STORED);
    assert_int_equal(store_session_receive(&s, &c, (const uint8_t *)"", 0, 0, &d), PH_REJECT);
    memset(&d, 0xa5, sizeof(d));
    assert_int_equal(store_session_receive(&s, &c, (const uint8_t *)"x", 1, 1 << 20, &d),
                     PH_REJECT);
    assert_int_equal(d.error, STORE_ERR_CASE_TOO_LARGE);
    assert_int_equal(d.error_offset, 0);
    assert_int_equal(d.c.seq, 0);
    assert_no_case(&d);
    assert_int_equal(c.count, 0);
    assert_int_equal(s.st.rejected, 2);
}

/* ---- packets, whole and cut ------------------------------------------------------------ */

struct receive_row {
    const char *label;
    size_t kept;  /* bytes of the 20-byte packet the kernel kept; 0: all */
    size_t extra; /* bytes the packet had beyond those */
    enum ph_status status;
    enum store_error error;
    uint32_t seq; /* in the queued verdict */
};

static const struct receive_row receive_rows[] = {
    {"a whole packet", 0, 0, PH_OK, STORE_ERR_NONE, 0},
    {"a whole packet cut short by its sender", 17, 0, PH_REJECT, STORE_ERR_LENGTH_MISMATCH, 7},
    {"cut by the kernel inside the payload", 18, 100, PH_REJECT, STORE_ERR_CASE_TOO_LARGE, 7},
    {"cut by the kernel where the payload starts", 16, 100, PH_REJECT, STORE_ERR_CASE_TOO_LARGE, 7},
    {"cut by the kernel inside the target", 15, 100, PH_REJECT, STORE_ERR_TRUNCATED, 7},
    {"cut by the kernel inside the header", 10, 100, PH_REJECT, STORE_ERR_TRUNCATED, 7},
    {"cut by the kernel before the sequence number", 6, 100, PH_REJECT, STORE_ERR_TRUNCATED, 0},
    {"cut by the kernel to nothing", 0, 1, PH_REJECT, STORE_ERR_TRUNCATED, 0},
    {"a whole packet plus bytes the kernel cut", 20, 1, PH_REJECT, STORE_ERR_CASE_TOO_LARGE, 7},
};

static void test_receive(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t n =
        store_case_encode(7, STORE_KIND_CRASH, "tt", (const uint8_t *)"four", 4, pkt, sizeof(pkt));
    assert_int_equal(n, 20);
    for (size_t i = 0; i < sizeof(receive_rows) / sizeof(receive_rows[0]); i++) {
        const struct receive_row *r = &receive_rows[i];
        size_t kept = r->kept == 0 && r->extra == 0 ? n : r->kept;
        struct store_server s;
        struct store_session c;
        setup_pair(&s, &c, &config);
        uint8_t *buf = guard_buf_new(pkt, kept);
        struct store_decision d;
        memset(&d, 0xa5, sizeof(d)); /* whatever d held, the decision is the same */
        enum ph_status st = store_session_receive(&s, &c, buf, kept, kept + r->extra, &d);
        if (st != r->status || (st == PH_REJECT && d.error != r->error))
            fail_msg("%s: got %s %s, want %s %s", r->label, ph_status_name(st),
                     store_error_name(d.error), ph_status_name(r->status),
                     store_error_name(r->error));
        if (st == PH_OK) {
            assert_int_equal(c.count, 0); /* the verdict comes with the decision */
            assert_int_equal(d.c.kind, STORE_KIND_CRASH);
            assert_int_equal(d.c.data.len, 4);
        } else {
            assert_int_equal(c.count, 1);
            assert_int_equal(c.acks[0].seq, r->seq);
            assert_int_equal(c.acks[0].verdict, STORE_REJECTED);
            assert_int_equal(c.acks[0].reason, r->error);
            assert_int_equal(c.acks[0].lsn, 0); /* a reject goes at once */
            assert_int_equal(s.st.rejected, 1);
            assert_int_equal(d.c.seq, r->seq);
            assert_no_case(&d);
        }
        guard_buf_free(buf, kept);
    }
}

/* ---- acks ----------------------------------------------------------------------------- */

static struct store_verdict_out decide(struct store_server *s, struct store_session *c,
                                       uint32_t seq, bool dup, uint64_t dup_lsn)
{
    struct store_case sc = a_case;
    sc.seq = seq;
    struct store_facts f = FACTS(true, dup, 0, 0, true);
    f.duplicate_lsn = dup_lsn;
    struct store_verdict_out v;
    store_session_decide(s, c, &sc, &f, &v);
    return v;
}

static size_t next_ack(struct store_server *s, struct store_session *c, struct store_ack *ack)
{
    uint8_t pkt[STORE_ACK_HEADER_LEN + STORE_MAX_ACK_RUNS * STORE_ACK_RUN_LEN];
    size_t covered;
    size_t len = store_session_ack(s, c, pkt, sizeof(pkt), &covered);
    if (len == 0)
        return 0;
    assert_int_equal(store_ack_decode(pkt, len, ack), PH_OK);
    store_session_acked(c, covered);
    return covered;
}

static void test_acks_wait_for_the_log(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    struct store_ack ack;
    setup_pair(&s, &c, &config);
    assert_int_equal(decide(&s, &c, 1, false, 0).lsn, 1);
    assert_int_equal(decide(&s, &c, 2, false, 0).lsn, 2);
    decide(&s, &c, 3, true, 0); /* a duplicate of a durable case */
    decide(&s, &c, 4, true, 2); /* a duplicate of case 2, not yet durable */
    assert_false(store_session_sendable(&s, &c));
    assert_int_equal(next_ack(&s, &c, &ack), 0);

    store_server_durable(&s, 1);
    assert_true(store_session_sendable(&s, &c));
    assert_int_equal(next_ack(&s, &c, &ack), 1); /* 2 waits, and everything after it */
    assert_int_equal(ack.nruns, 1);
    assert_int_equal(ack.runs[0].first_seq, 1);

    store_server_durable(&s, 2);
    assert_int_equal(next_ack(&s, &c, &ack), 3);
    assert_int_equal(ack.nruns, 2); /* stored 2, then duplicates 3..4 coalesced */
    assert_int_equal(ack.runs[0].first_seq, 2);
    assert_int_equal(ack.runs[0].verdict, STORE_STORED);
    assert_int_equal(ack.runs[1].first_seq, 3);
    assert_int_equal(ack.runs[1].count, 2);
    assert_int_equal(ack.runs[1].verdict, STORE_DUPLICATE);
    assert_false(store_session_sendable(&s, &c));
    assert_int_equal(c.count, 0);
}

static void test_ack_not_sent_keeps_verdicts(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    setup_pair(&s, &c, &config);
    decide(&s, &c, 9, true, 0);
    uint8_t pkt[STORE_ACK_HEADER_LEN + STORE_ACK_RUN_LEN];
    size_t covered;
    assert_true(store_session_ack(&s, &c, pkt, sizeof(pkt), &covered) > 0);
    assert_int_equal(c.count, 1); /* the send could fail: nothing goes until acked */
    assert_int_equal(store_session_ack(&s, &c, pkt, 4, &covered), 0);
    assert_int_equal(covered, 0);
}

static void test_failed_log_write(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    struct store_ack ack;
    setup_pair(&s, &c, &config);
    decide(&s, &c, 1, false, 0);
    store_server_durable(&s, 1);
    decide(&s, &c, 2, false, 0);
    decide(&s, &c, 3, false, 0);
    decide(&s, &c, 4, true, 3);
    store_session_fail(&s, &c, 3, STORE_ERR_NO_SPACE);
    store_server_fail(&s, 2, 8);
    assert_int_equal(next_ack(&s, &c, &ack), 4);
    assert_int_equal(ack.nruns, 2);
    assert_int_equal(ack.runs[0].verdict, STORE_STORED); /* 1 was durable before */
    assert_int_equal(ack.runs[1].first_seq, 2);
    assert_int_equal(ack.runs[1].count, 3);
    assert_int_equal(ack.runs[1].verdict, STORE_REJECTED);
    assert_int_equal(ack.runs[1].reason, STORE_ERR_NO_SPACE);
    assert_int_equal(s.st.stored, 1);
    assert_int_equal(s.st.rejected, 2);
    assert_int_equal(s.st.bytes, 4);
}

static void test_undo(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    setup_pair(&s, &c, &config);
    struct store_verdict_out v = decide(&s, &c, 1, false, 0);
    store_session_undo(&s, &c, v.lsn, 4, STORE_ERR_IO_ERROR);
    assert_int_equal(c.acks[0].verdict, STORE_REJECTED);
    assert_int_equal(c.acks[0].reason, STORE_ERR_IO_ERROR);
    assert_true(store_session_sendable(&s, &c));
    assert_int_equal(s.st.stored, 0);
    assert_int_equal(s.st.bytes, 0);
    assert_int_equal(s.st.rejected, 1);
}

static void test_disk_admission(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    bool full;
    setup_pair(&s, &c, &config);
    int64_t one = 2 * (STORE_RECORD_OVERHEAD + 5 + STORE_BLOCK_OVERHEAD);
    store_server_space(&s, one + one / 2);
    assert_int_equal(decide(&s, &c, 1, false, 0).verdict, STORE_STORED);
    assert_false(store_server_disk_changed(&s, &full));
    assert_int_equal(decide(&s, &c, 2, false, 0).reason, STORE_ERR_NO_SPACE);
    assert_true(store_server_disk_changed(&s, &full));
    assert_true(full);
    assert_false(store_server_disk_changed(&s, &full)); /* said once */
    assert_int_equal(decide(&s, &c, 3, false, 0).reason, STORE_ERR_NO_SPACE);
    assert_false(store_server_disk_changed(&s, &full));
    store_server_space(&s, one);
    assert_int_equal(decide(&s, &c, 4, false, 0).verdict, STORE_STORED);
    assert_true(store_server_disk_changed(&s, &full));
    assert_false(full);
}

static void test_ring(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    struct store_ack ack;
    store_server_init(&s, &config, 1);
    store_session_init(&c, ring, 2);
    decide(&s, &c, 1, true, 0);
    decide(&s, &c, 2, true, 0);
    assert_int_equal(store_session_room(&c), 0);
    decide(&s, &c, 3, true, 0); /* the shell did not grow it: counted, not written */
    assert_int_equal(c.lost, 1);
    assert_int_equal(c.count, 2);
    uint8_t pkt[STORE_ACK_HEADER_LEN + STORE_ACK_RUN_LEN];
    size_t covered;
    store_session_ack(&s, &c, pkt, sizeof(pkt), &covered);
    store_session_acked(&c, 1);
    assert_int_equal(store_session_room(&c), 1); /* moved to the front */
    assert_int_equal(c.head, 0);
    assert_int_equal(c.acks[0].seq, 2);
    store_session_regrow(&c, ring, 4);
    decide(&s, &c, 4, true, 0);
    decide(&s, &c, 5, true, 0);
    assert_int_equal(next_ack(&s, &c, &ack), 3);
    assert_int_equal(ack.runs[0].first_seq, 2);
    assert_int_equal(ack.runs[0].count, 1);
    assert_int_equal(ack.runs[1].first_seq, 4);
}

/* Acking some of the waiting verdicts keeps the rest in order; acking more than wait
 * acks them all, and an empty ring starts again at its front. */
static void test_acked(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    struct store_ack ack;
    store_server_init(&s, &config, 1);
    store_session_init(&c, ring, 4);
    decide(&s, &c, 1, true, 0);
    decide(&s, &c, 3, true, 0);
    decide(&s, &c, 5, true, 0);
    store_session_acked(&c, 2);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.acks[c.head].seq, 5);
    assert_int_equal(store_session_room(&c), 1); /* not at the end yet: nothing moves */
    assert_int_equal(c.head, 2);
    decide(&s, &c, 6, true, 0);
    assert_int_equal(next_ack(&s, &c, &ack), 2);
    assert_int_equal(ack.runs[0].first_seq, 5);
    assert_int_equal(ack.runs[0].count, 2);
    decide(&s, &c, 7, true, 0);
    store_session_acked(&c, 10);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.head, 0);
    assert_int_equal(store_session_room(&c), 4);
}

/* A failed log write rewrites only the verdicts waiting in the ring: with a ring of
 * exactly its entries on the heap, a look past them is an ASan error. */
static void test_fail_touches_only_waiting(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    struct store_pending_ack *heap_ring = malloc(2 * sizeof(*heap_ring));
    assert_non_null(heap_ring);
    store_server_init(&s, &config, 1);
    store_session_init(&c, heap_ring, 2);
    decide(&s, &c, 1, false, 0);
    decide(&s, &c, 2, false, 0);
    store_session_fail(&s, &c, 2, STORE_ERR_IO_ERROR);
    assert_int_equal(c.acks[0].verdict, STORE_REJECTED);
    assert_int_equal(c.acks[1].reason, STORE_ERR_IO_ERROR);
    assert_int_equal(c.acks[1].lsn, 0);
    free(heap_ring);
}

/* No ring: no room, every verdict lost (counted). */
static void test_no_ring(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    store_server_init(&s, &config, 1);
    store_session_init(&c, NULL, 8);
    assert_int_equal(c.cap, 0);
    assert_int_equal(store_session_room(&c), 0);
    decide(&s, &c, 1, true, 0);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.lost, 1);
}

/* The lsns a server starts with: next_lsn 0 means "none logged yet", as 1 does. */
static void test_server_init(void **state)
{
    (void)state;
    static const struct {
        uint64_t next, want_next;
    } rows[] = {{0, 1}, {1, 1}, {2, 2}, {5, 5}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct store_server s;
        memset(&s, 0xa5, sizeof(s));
        store_server_init(&s, &config, rows[i].next);
        assert_int_equal(s.next_lsn, rows[i].want_next);
        assert_int_equal(s.committed_lsn, rows[i].want_next - 1);
        assert_int_equal(s.space_left, INT64_MAX);
        assert_int_equal(s.st.stored, 0);
    }
}

static void test_paused(void **state)
{
    (void)state;
    struct store_server s;
    struct store_session c;
    store_server_init(&s, &config, 1);
    store_session_init(&c, ring, STORE_MAX_PENDING_ACKS);
    for (uint32_t i = 0; i + 1 < STORE_MAX_PENDING_ACKS; i++)
        decide(&s, &c, i, true, 0);
    assert_false(store_session_paused(&c));
    decide(&s, &c, 99, true, 0);
    assert_true(store_session_paused(&c));
}

/* ---- replay --------------------------------------------------------------------------- */

struct replay_row {
    const char *label;
    const char *target;
    uint8_t kind;
    uint64_t lsn;
    bool in_corpus, usable;
    enum store_replay_action action;
};

static const struct replay_row replay_rows[] = {
    {"a record not in the corpus", "t", 0, 5, false, true, STORE_REPLAY_WRITE},
    {"a record already written", "t", 1, 5, true, true, STORE_REPLAY_SKIP},
    {"already written, folder gone bad since", "t", 0, 5, true, false, STORE_REPLAY_SKIP},
    {"its folder cannot be used", "t", 2, 5, false, false, STORE_REPLAY_QUARANTINE},
    {"a target with a slash", "../t", 0, 5, false, true, STORE_REPLAY_INVALID},
    {"a hidden target", ".store", 0, 5, false, true, STORE_REPLAY_INVALID},
    {"an unknown kind", "t", 3, 5, false, true, STORE_REPLAY_INVALID},
    {"lsn 0", "t", 0, 0, false, true, STORE_REPLAY_INVALID},
};

static void test_replay(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(replay_rows) / sizeof(replay_rows[0]); i++) {
        const struct replay_row *r = &replay_rows[i];
        struct store_server s;
        store_server_init(&s, &config, 1);
        enum store_replay_action a =
            store_server_replay(&s, (const uint8_t *)r->target, strlen(r->target), r->kind, r->lsn,
                                r->in_corpus, r->usable);
        if (a != r->action)
            fail_msg("%s: got action %d, want %d", r->label, a, r->action);
        /* a valid record moves the lsns past it; an invalid one moves nothing */
        assert_int_equal(s.next_lsn, r->action == STORE_REPLAY_INVALID ? 1 : r->lsn + 1);
        assert_int_equal(s.committed_lsn, s.next_lsn - 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_raw_mode_queues_nothing),
        cmocka_unit_test(test_receive),
        cmocka_unit_test(test_acks_wait_for_the_log),
        cmocka_unit_test(test_ack_not_sent_keeps_verdicts),
        cmocka_unit_test(test_failed_log_write),
        cmocka_unit_test(test_undo),
        cmocka_unit_test(test_disk_admission),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_acked),
        cmocka_unit_test(test_fail_touches_only_waiting),
        cmocka_unit_test(test_no_ring),
        cmocka_unit_test(test_server_init),
        cmocka_unit_test(test_paused),
        cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
