/*
 * A reference fuzz target that touches exactly PH_EDGES distinct edges per run and does
 * nothing else: no compare, no input read. ci/bench.sh fuzz builds it for a few edge
 * counts, as libFuzzer builds real targets, and runs it on the same corpus as the empty
 * target (tests/fuzz/fuzz_empty.c, one edge). libFuzzer does work for every coverage
 * counter a run leaves non-zero (a feature to look up, an entropic frequency to update, a
 * search in the parent input's unique features), so these rows say what that bookkeeping
 * alone costs for a target of a given size: the floor under a real target's exec/s.
 *
 * Each edge is a function that the compiler may not inline or merge: one basic block, one
 * counter. LLVMFuzzerTestOneInput's own block is the first edge.
 */
#include <stddef.h>
#include <stdint.h>

#ifndef PH_EDGES
#error "build with -DPH_EDGES=N, N one of 10, 20, 40, 80, 160"
#endif

/* Written so that no call can be dropped. */
static volatile unsigned edge_sink;

/* clang-format off */
#define EDGE(i)                                                                            \
    __attribute__((noinline)) static void edge_##i(void) { edge_sink = i; }
#define EDGES10(t)                                                                         \
    EDGE(t##0) EDGE(t##1) EDGE(t##2) EDGE(t##3) EDGE(t##4) EDGE(t##5) EDGE(t##6) EDGE(t##7) \
    EDGE(t##8) EDGE(t##9)
#define CALL10(t)                                                                          \
    edge_##t##0(); edge_##t##1(); edge_##t##2(); edge_##t##3(); edge_##t##4();             \
    edge_##t##5(); edge_##t##6(); edge_##t##7(); edge_##t##8(); edge_##t##9();
/* clang-format on */

/* The groups of ten functions beyond the first nine: LLVMFuzzerTestOneInput's block and
 * nine functions make ten edges, each group ten more. Each exists only where it is called. */
#if PH_EDGES == 10
#define EDGE_GROUPS(X)
#elif PH_EDGES == 20
#define EDGE_GROUPS(X) X(10)
#elif PH_EDGES == 40
#define EDGE_GROUPS(X) X(10) X(11) X(12)
#elif PH_EDGES == 80
#define EDGE_GROUPS(X) X(10) X(11) X(12) X(13) X(14) X(15) X(16)
#elif PH_EDGES == 160
#define EDGE_GROUPS(X) \
    X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24)
#else
#error "PH_EDGES must be 10, 20, 40, 80 or 160"
#endif

/* clang-format off */
EDGE(1) EDGE(2) EDGE(3) EDGE(4) EDGE(5) EDGE(6) EDGE(7) EDGE(8) EDGE(9)
EDGE_GROUPS(EDGES10)
    /* clang-format on */

    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    edge_1();
    edge_2();
    edge_3();
    edge_4();
    edge_5();
    edge_6();
    edge_7();
    edge_8();
    edge_9();
    EDGE_GROUPS(CALL10)
    return 0;
}
