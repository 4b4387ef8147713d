/*
 * chao_socket_filter against chao_decode_frame, run in user space by libpcap's classic BPF
 * interpreter (bpf_filter, the same instruction set as SO_ATTACH_FILTER).
 *
 * The filter must keep every frame the decoder accepts and drop every frame the decoder
 * calls NOT_CHAO, both as the frame is on the wire and as a packet socket's filter sees it
 * on receive: with the outer VLAN tag already taken off (net/core/dev.c, skb_vlan_untag).
 * Frames: a table of shapes, and many more mutated from them with a fixed-seed generator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/filter.h>
#include <pcap/pcap.h>

#include "chao/chao.h"

#define MAX_FRAME 128
#define MUTATIONS 20000

struct frame {
    uint8_t bytes[MAX_FRAME];
    size_t len;
};

static const struct {
    const char *label;
    const char *bytes;
    size_t len;
    /* clang-format off */
} shapes[] = {
#define SHAPE(label, s) {label, s, sizeof(s) - 1}
    SHAPE("native", "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x88\xb5"
                    "CHAO\x01\x01\0\x01\0\x02hi"),
    SHAPE("native, C-tag", "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x81\0\0\x64\x88\xb5"
                           "CHAO\x01\x01\0\x01\0\0"),
    SHAPE("native, S-tag and C-tag", "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x88\xa8\0\xc8\x81\0\0\x64"
                                     "\x88\xb5"
                                     "CHAO\x01\x02\0\x01\0\0"),
    SHAPE("native, three tags", "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x81\0\0\x01\x81\0\0\x02\x81\0\0"
                                "\x03\x88\xb5"
                                "CHAO\x01\x01\0\x01\0\0"),
    SHAPE("bare", "CHAOHello, custom chao protocol!"),
    SHAPE("bare, short", "CHAOhi"),
    SHAPE("IPv4", "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\0\x45\0\0\x14\0\0\0\0\x40\x11"),
    SHAPE("ARP on a VLAN", "\xff\xff\xff\xff\xff\xff\x02\0\0\0\0\x01\x81\0\0\x05\x08\x06\0\x01"),
    SHAPE("short", "\x02\0\0"),
#undef SHAPE
};
/* clang-format on */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* A shape with a few bytes changed, cut or grown; the interesting bytes are early ones. */
static void mutate(struct frame *f)
{
    size_t shape = next_random() % (sizeof(shapes) / sizeof(shapes[0]));
    memcpy(f->bytes, shapes[shape].bytes, shapes[shape].len);
    f->len = shapes[shape].len;
    static const uint8_t useful[] = {0x81, 0x00, 0x88, 0xa8, 0xb5, 'C', 'H', 'A', 'O', 0x01, 0xff};
    int edits = 1 + (int)(next_random() % 4);
    for (int i = 0; i < edits; i++) {
        uint32_t r = next_random();
        switch (r % 4) {
        case 0: /* cut */
            f->len = r / 4 % (f->len + 1);
            break;
        case 1: /* grow */
            while (f->len < MAX_FRAME && f->len < 64)
                f->bytes[f->len++] = (uint8_t)next_random();
            break;
        default: /* change a byte among the first 30 */
            if (f->len == 0)
                break;
            f->bytes[(r / 4) % (f->len < 30 ? f->len : 30)] =
                r & 64 ? useful[(r >> 8) % sizeof(useful)] : (uint8_t)(r >> 8);
            break;
        }
    }
}

static int keeps(const uint8_t *bytes, size_t len)
{
    const struct sock_filter *prog;
    chao_socket_filter(&prog);
    /* struct sock_filter and struct bpf_insn have the same layout (linux/filter.h, pcap/bpf.h) */
    return bpf_filter((const struct bpf_insn *)prog, bytes, (u_int)len, (u_int)len) != 0;
}

/* What a packet socket's filter sees on receive: the outer tag, if any, taken off. */
static size_t kernel_view(const struct frame *f, uint8_t *out)
{
    memcpy(out, f->bytes, f->len);
    if (f->len < 16)
        return f->len;
    uint16_t type = (uint16_t)(f->bytes[12] << 8 | f->bytes[13]);
    if (type != CHAO_TPID_CTAG && type != CHAO_TPID_STAG)
        return f->len;
    memcpy(out + 12, f->bytes + 16, f->len - 16);
    return f->len - 4;
}

static int check(const char *label, const struct frame *f)
{
    struct chao_frame d;
    enum ph_status st = chao_decode_frame(f->bytes, f->len, &d);
    uint8_t seen[MAX_FRAME];
    size_t seen_len = kernel_view(f, seen);
    int wire = keeps(f->bytes, f->len), kernel = keeps(seen, seen_len);
    bool magic = f->len >= 4 && memcmp(f->bytes, "CHAO", 4) == 0;
    int bad = 0;
    if (st == PH_OK && (!wire || !kernel))
        bad = fprintf(stderr, "  FAIL [%s] decoder accepts, filter drops (wire %d, kernel %d)\n",
                      label, wire, kernel);
    if (st == PH_REJECT && d.error == CHAO_ERR_NOT_CHAO && !magic && wire)
        bad = fprintf(stderr, "  FAIL [%s] decoder says NOT_CHAO, filter keeps\n", label);
    if (wire && !magic && st == PH_REJECT && d.error == CHAO_ERR_TOO_SHORT)
        bad = fprintf(stderr, "  FAIL [%s] filter keeps a frame too short for a header\n", label);
    return bad > 0;
}

static void test_filter_is_valid(void **state)
{
    (void)state;
    const struct sock_filter *prog;
    size_t n = chao_socket_filter(&prog);
    assert_true(n > 0 && n <= BPF_MAXINSNS);
    assert_true(bpf_validate((const struct bpf_insn *)prog, (int)n));
}

static void test_filter_shapes(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct frame f;
        memcpy(f.bytes, shapes[i].bytes, shapes[i].len);
        f.len = shapes[i].len;
        bad += check(shapes[i].label, &f);
    }
    /* and the decisions themselves */
    assert_true(keeps((const uint8_t *)shapes[0].bytes, shapes[0].len));
    assert_true(keeps((const uint8_t *)shapes[4].bytes, shapes[4].len));
    assert_false(keeps((const uint8_t *)shapes[6].bytes, shapes[6].len));
    assert_false(keeps((const uint8_t *)shapes[7].bytes, shapes[7].len));
    assert_int_equal(bad, 0);
}

static void test_filter_mutations(void **state)
{
    (void)state;
    int bad = 0, kept = 0;
    for (int i = 0; i < MUTATIONS && bad < 10; i++) {
        struct frame f;
        mutate(&f);
        bad += check("mutation", &f);
        kept += keeps(f.bytes, f.len);
    }
    /* the mutations reach both sides of the filter */
    assert_true(kept > MUTATIONS / 10 && kept < MUTATIONS * 9 / 10);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_is_valid),
        cmocka_unit_test(test_filter_shapes),
        cmocka_unit_test(test_filter_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
