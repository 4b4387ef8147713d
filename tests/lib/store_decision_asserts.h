/*
 * Assertions on struct store_decision that more than one store test makes. Include after
 * <cmocka.h>.
 */
#ifndef STORE_DECISION_ASSERTS_H
#define STORE_DECISION_ASSERTS_H

#include "store/store.h"

/* A reject's decision names no case (its seq aside) and consumed nothing. */
static inline void assert_no_case(const struct store_decision *d)
{
    assert_int_equal(d->c.kind, STORE_KIND_QUEUE);
    assert_null(d->c.target.ptr);
    assert_int_equal(d->c.target.len, 0);
    assert_null(d->c.data.ptr);
    assert_int_equal(d->c.data.len, 0);
    assert_int_equal(d->consumed, 0);
}

#endif
