/*
 * Link-layer (AF_PACKET, packet(7)) sockets for the CHAO shells (UDP: net_udp.h). Like the rest of
 * src/net/ (net_socket.h): each call returns an fd, a count or -1, writes "call: reason"
 * into err (NET_ERR_LEN bytes), closes what it opened on every error path and retries
 * EINTR itself.
 *
 * Received frames are handed over as they were on the wire: the kernel takes the outer
 * VLAN tag off every received frame (net/core/dev.c, skb_vlan_untag) and reports it in
 * PACKET_AUXDATA or the ring's tpacket3_hdr; these helpers put it back at offset 12, as
 * libpcap does.
 */
#ifndef NET_PACKET_H
#define NET_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net_socket.h"

#define NET_MAC_LEN 6

struct sock_filter;

/* An interface a packet socket is bound to. */
struct net_link {
    int ifindex;
    uint8_t mac[NET_MAC_LEN];
    unsigned mtu;
};

/* One received frame: who it was for (sll_pkttype: PACKET_HOST, PACKET_BROADCAST,
 * PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING for the socket's own host's frames),
 * and its length on the wire with tags (more than the bytes kept when it was cut). */
struct net_frame_info {
    uint8_t pkttype;
    size_t wire_len;
};

/* Opens socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) bound to ifname, non-blocking,
 * close-on-exec, PACKET_AUXDATA on, and fills link (index, MAC, MTU). The errors say what
 * to do: "no such interface: IF", "socket(AF_PACKET): Operation not permitted (needs
 * CAP_NET_RAW)". Returns the fd or -1. */
int net_packet_open(const char *ifname, struct net_link *link, char *err);

/* Attaches a classic BPF program (SO_ATTACH_FILTER) and throws away what the socket
 * queued before it was in place. Returns 0 or -1. */
int net_packet_attach_filter(int fd, const struct sock_filter *prog, size_t len, char *err);

/* Receives one frame into buf[0..cap) with its outer VLAN tag back in place. Returns the
 * bytes kept, or -1 with errno EAGAIN when none is waiting (err untouched), or -1. */
ssize_t net_packet_recv(int fd, uint8_t *buf, size_t cap, struct net_frame_info *info, char *err);

/* Sends frame[0..len) out of ifindex as it is (the caller wrote the Ethernet header and
 * any tags). Returns 0 or -1; EAGAIN/ENOBUFS mean the queue is full. */
int net_packet_send(int fd, int ifindex, const uint8_t *frame, size_t len, char *err);

/* Sends the same frame up to count times (at most 64) in one sendmmsg, for floods.
 * Returns how many went, or -1 (ENOBUFS: the queue is full). */
int net_packet_send_repeat(int fd, int ifindex, const uint8_t *frame, size_t len, size_t count,
                           char *err);

/* PACKET_STATISTICS: frames the socket received and dropped since the last call (the
 * kernel resets them on every read). Returns 0 or -1. */
int net_packet_stats(int fd, uint64_t *received, uint64_t *dropped, char *err);

/* Waits up to timeout_ms for fd to be readable. Returns 1, 0 on timeout, -1. */
int net_wait_readable(int fd, int timeout_ms, char *err);

/* ---- a PACKET_MMAP receive ring (TPACKET_V3, Documentation/networking/packet_mmap.rst) ---- */

struct net_ring;

/* Opens a packet socket on ifname (as net_packet_open) with a TPACKET_V3 receive ring of
 * block_count blocks of block_size bytes (a power-of-two multiple of the page size); the
 * kernel hands a block over when it is full or after retire_ms. NULL on error. */
struct net_ring *net_ring_open(const char *ifname, size_t block_size, size_t block_count,
                               unsigned retire_ms, struct net_link *link, char *err);
int net_ring_fd(const struct net_ring *ring);
void net_ring_close(struct net_ring *ring);

/* Called for each frame, tags back in place; frame is valid during the call only. */
typedef void net_ring_frame_fn(const uint8_t *frame, size_t len, const struct net_frame_info *info,
                               void *arg);

/* Calls fn for every frame of every block the kernel has handed over, and gives the
 * blocks back. Returns the number of frames; never blocks (poll the fd for more). */
size_t net_ring_drain(struct net_ring *ring, net_ring_frame_fn *fn, void *arg);

#endif
