/*
 * src/common/ph_bytes.h: each helper reads and writes exactly its width, in its byte
 * order, at any alignment. Values are checked against byte layouts written out by hand,
 * at every offset of a buffer, with the neighbouring bytes left untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/ph_bytes.h"

#define SLACK 9 /* offsets 0..8 cover every alignment of an 8-byte value */
#define FILL 0xa5

static void test_big_endian_layout(void **state)
{
    (void)state;
    for (size_t off = 0; off < SLACK; off++) {
        uint8_t buf[SLACK + 8];
        memset(buf, FILL, sizeof buf);
        ph_put_be16(buf + off, 0x0102);
        assert_int_equal(buf[off], 0x01);
        assert_int_equal(buf[off + 1], 0x02);
        assert_int_equal(buf[off + 2], FILL);
        assert_int_equal(ph_get_be16(buf + off), 0x0102);

        memset(buf, FILL, sizeof buf);
        ph_put_be32(buf + off, 0x01020304u);
        assert_memory_equal(buf + off, "\x01\x02\x03\x04", 4);
        assert_int_equal(buf[off + 4], FILL);
        assert_int_equal(ph_get_be32(buf + off), 0x01020304u);
        if (off > 0)
            assert_int_equal(buf[off - 1], FILL);
    }
}

static void test_little_endian_layout(void **state)
{
    (void)state;
    for (size_t off = 0; off < SLACK; off++) {
        uint8_t buf[SLACK + 8];
        memset(buf, FILL, sizeof buf);
        ph_put_le32(buf + off, 0x01020304u);
        assert_memory_equal(buf + off, "\x04\x03\x02\x01", 4);
        assert_int_equal(buf[off + 4], FILL);
        assert_int_equal(ph_get_le32(buf + off), 0x01020304u);

        memset(buf, FILL, sizeof buf);
        ph_put_le64(buf + off, 0x0102030405060708ull);
        assert_memory_equal(buf + off, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
        assert_int_equal(ph_get_le64(buf + off), 0x0102030405060708ull);
        if (off > 0)
            assert_int_equal(buf[off - 1], FILL);
    }
}

static void test_extremes_round_trip(void **state)
{
    (void)state;
    static const uint64_t values[] = {
        0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffffu, 0x100000000ull, UINT64_MAX};
    uint8_t buf[8];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint64_t v = values[i];
        ph_put_be16(buf, (uint16_t)v);
        assert_int_equal(ph_get_be16(buf), (uint16_t)v);
        ph_put_be32(buf, (uint32_t)v);
        assert_int_equal(ph_get_be32(buf), (uint32_t)v);
        ph_put_le32(buf, (uint32_t)v);
        assert_int_equal(ph_get_le32(buf), (uint32_t)v);
        ph_put_le64(buf, v);
        assert_true(ph_get_le64(buf) == v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_endian_layout),
        cmocka_unit_test(test_little_endian_layout),
        cmocka_unit_test(test_extremes_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
