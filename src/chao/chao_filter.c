/*
 * The kernel-side filter of `ph-chao serve`: a classic BPF program (SO_ATTACH_FILTER,
 * Documentation/networking/filter.rst) that keeps what chao_decode_frame could accept and
 * drops everything else before it is copied to user space.
 *
 * On receive the kernel takes the outer VLAN tag off the data before any packet socket
 * sees the frame (net/core/dev.c, skb_vlan_untag) and keeps it in skb metadata; outgoing
 * frames still carry their tags in the data. So the program looks for the EtherType after
 * zero, one or two tags in the data. A load past the end of the frame ends a classic BPF
 * program with "drop", which is what the decoder says to a frame that short.
 */
#include "chao.h"

#include <linux/filter.h>

/* What a program that keeps a frame returns: the number of bytes to keep, all of them. */
#define CHAO_FILTER_KEEP 0x40000u

/* Instruction indexes, for the jumps (relative: target - (index + 1)). */
enum {
    I_BARE_LOAD = 0, /* ld [0]: the first four bytes */
    I_BARE_CMP,
    I_TYPE0_LOAD, /* ldh [12]: EtherType or outer TPID */
    I_TYPE0_CHAO,
    I_TYPE0_CTAG,
    I_TYPE0_STAG,
    I_TYPE1_LOAD, /* ldh [16]: after one tag */
    I_TYPE1_CHAO,
    I_TYPE1_CTAG,
    I_TYPE1_STAG,
    I_TYPE2_LOAD, /* ldh [20]: after two tags */
    I_TYPE2_CHAO,
    I_DROP,
    I_KEEP,
    I_COUNT,
};

#define TO(from, to) ((to) - (from)-1)

static const struct sock_filter chao_filter[I_COUNT] = {
    [I_BARE_LOAD] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
    [I_BARE_CMP] =
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x4348414fu /* "CHAO" */, TO(I_BARE_CMP, I_KEEP), 0),
    [I_TYPE0_LOAD] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
    [I_TYPE0_CHAO] =
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_ETHERTYPE, TO(I_TYPE0_CHAO, I_KEEP), 0),
    [I_TYPE0_CTAG] =
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_TPID_CTAG, TO(I_TYPE0_CTAG, I_TYPE1_LOAD), 0),
    [I_TYPE0_STAG] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_TPID_STAG,
                              TO(I_TYPE0_STAG, I_TYPE1_LOAD), TO(I_TYPE0_STAG, I_DROP)),
    [I_TYPE1_LOAD] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 16),
    [I_TYPE1_CHAO] =
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_ETHERTYPE, TO(I_TYPE1_CHAO, I_KEEP), 0),
    [I_TYPE1_CTAG] =
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_TPID_CTAG, TO(I_TYPE1_CTAG, I_TYPE2_LOAD), 0),
    [I_TYPE1_STAG] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_TPID_STAG,
                              TO(I_TYPE1_STAG, I_TYPE2_LOAD), TO(I_TYPE1_STAG, I_DROP)),
    [I_TYPE2_LOAD] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
    [I_TYPE2_CHAO] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHAO_ETHERTYPE, TO(I_TYPE2_CHAO, I_KEEP),
                              TO(I_TYPE2_CHAO, I_DROP)),
    [I_DROP] = BPF_STMT(BPF_RET | BPF_K, 0),
    [I_KEEP] = BPF_STMT(BPF_RET | BPF_K, CHAO_FILTER_KEEP),
};

size_t chao_socket_filter(const struct sock_filter **prog)
{
    *prog = chao_filter;
    return I_COUNT;
}
