/*
 * Every size and limit of the CHAO core, in one place. Going over a limit is a named
 * reject (enum chao_error), never undefined behaviour. docs/chao.md draws the layouts.
 */
#ifndef CHAO_LIMITS_H
#define CHAO_LIMITS_H

/* IEEE 802.3 clause 3.2: destination and source addresses, then the length/type field. */
#define CHAO_MAC_LEN 6
#define CHAO_ETH_HEADER_LEN 14

/* IEEE 802.1Q 9.3: a tag is a TPID (0x8100 C-VLAN, 0x88a8 S-VLAN) and a 16-bit TCI
 * (3-bit priority, 1-bit drop eligible, 12-bit VLAN id). CHAO takes a single C-tag or an
 * S-tag over a C-tag (802.1ad Q-in-Q); a third tag is a named reject. */
#define CHAO_VLAN_TAG_LEN 4
#define CHAO_MAX_VLAN_TAGS 2
#define CHAO_VLAN_ID_MAX 4094 /* 802.1Q table 9-2: VID 0xfff is reserved, never sent */

/* The smallest Ethernet frame, FCS excluded (IEEE 802.3 4.4.2: 64 with the FCS). Real
 * NICs pad shorter frames up to it; a veth does not. */
#define CHAO_ETH_MIN_FRAME 60

/* CHAO/1 header: magic "CHAO", version, type, sequence number, body length. */
#define CHAO_MAGIC_LEN 4
#define CHAO_HEADER_LEN 10
#define CHAO_VERSION 1

/* The body length is a 16-bit field. A body must also fit the link: one standard
 * 1500-byte MTU holds CHAO_STD_MAX_BODY bytes (the shells check the interface's MTU;
 * VLAN tags do not count against it, IEEE 802.3 3.5: tagged frames may be 4 bytes longer). */
#define CHAO_MAX_BODY 65535
#define CHAO_STD_MTU 1500
#define CHAO_STD_MAX_BODY (CHAO_STD_MTU - CHAO_HEADER_LEN)

/* Largest native frame the encoder can write: Ethernet header, two tags, CHAO header,
 * the largest body. */
#define CHAO_MAX_FRAME \
    (CHAO_ETH_HEADER_LEN + CHAO_MAX_VLAN_TAGS * CHAO_VLAN_TAG_LEN + CHAO_HEADER_LEN + CHAO_MAX_BODY)

/* Replies a server sends, in a token bucket (chao_limiter): at most CHAO_REPLY_BURST at
 * once and CHAO_REPLY_RATE per second on average, so that a flood of requests with a
 * forged source cannot turn the server into an amplifier. */
#define CHAO_REPLY_RATE 1000
#define CHAO_REPLY_BURST 100

#endif
