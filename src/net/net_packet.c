#include "net_packet.h"
#include "net_error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define VLAN_TAG_LEN 4
#define ADDRS_LEN (2 * NET_MAC_LEN) /* a tag goes right after the two addresses */

/* ---- opening -------------------------------------------------------------------------------- */

/* packet(7) sockets need CAP_NET_RAW: say so rather than just "Operation not permitted". */
static int packet_socket(char *err)
{
    /* Protocol 0 receives nothing until bind names the protocol and the interface, so no
     * frame from another interface slips in between socket() and bind(). */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        return fd;
    if (errno == EPERM || errno == EACCES) {
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "socket(AF_PACKET): %s (needs CAP_NET_RAW)",
                     strerror(errno));
        return -1;
    }
    return net_fail(err, "socket(AF_PACKET)", errno);
}

/* Index, Ethernet address and MTU of ifname, through ioctls on fd (netdevice(7)). */
static int link_info(int fd, const char *ifname, struct net_link *link, char *err)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
        snprintf(err, NET_ERR_LEN, "interface name too long: %s", ifname);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(ifr.ifr_name, ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
        if (errno == ENODEV) {
            snprintf(err, NET_ERR_LEN, "no such interface: %s", ifname);
            return -1;
        }
        return net_fail(err, "ioctl(SIOCGIFINDEX)", errno);
    }
    link->ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
        return net_fail(err, "ioctl(SIOCGIFHWADDR)", errno);
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        snprintf(err, NET_ERR_LEN, "%s is not an Ethernet interface", ifname);
        errno = EINVAL;
        return -1;
    }
    memcpy(link->mac, ifr.ifr_hwaddr.sa_data, NET_MAC_LEN);
    if (ioctl(fd, SIOCGIFMTU, &ifr) != 0)
        return net_fail(err, "ioctl(SIOCGIFMTU)", errno);
    link->mtu = (unsigned)ifr.ifr_mtu;
    return 0;
}

static int bind_link(int fd, int ifindex, char *err)
{
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
        return net_fail(err, "bind(AF_PACKET)", errno);
    return 0;
}

int net_packet_open(const char *ifname, struct net_link *link, char *err)
{
    int fd = packet_socket(err);
    if (fd < 0)
        return -1;
    int one = 1;
    if (link_info(fd, ifname, link, err) != 0) {
        close(fd);
        return -1;
    }
    /* the tag the kernel took off each received frame comes back in a control message */
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0)
        return net_fail_close(fd, err, "setsockopt(PACKET_AUXDATA)");
    if (bind_link(fd, link->ifindex, err) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int net_packet_attach_filter(int fd, const struct sock_filter *prog, size_t len, char *err)
{
    struct sock_fprog fprog = {.len = (unsigned short)len, .filter = (struct sock_filter *)prog};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0)
        return net_fail(err, "setsockopt(SO_ATTACH_FILTER)", errno);
    /* Frames queued between bind and now never met the filter. */
    uint8_t junk[64];
    while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) >= 0)
        ;
    return 0;
}

/* ---- one frame at a time ------------------------------------------------------------------- */

/* Puts a tag the kernel took off back after the addresses of the n bytes at buf, dropping
 * the last 4 bytes when buf is full. Returns the new length. */
static size_t put_back_tag(uint8_t *buf, size_t n, size_t cap, uint16_t tpid, uint16_t tci)
{
    if (n < ADDRS_LEN || cap < ADDRS_LEN + VLAN_TAG_LEN)
        return n;
    size_t rest = n - ADDRS_LEN;
    if (ADDRS_LEN + VLAN_TAG_LEN + rest > cap)
        rest = cap - ADDRS_LEN - VLAN_TAG_LEN;
    memmove(buf + ADDRS_LEN + VLAN_TAG_LEN, buf + ADDRS_LEN, rest);
    uint8_t tag[VLAN_TAG_LEN] = {(uint8_t)(tpid >> 8), (uint8_t)tpid, (uint8_t)(tci >> 8),
                                 (uint8_t)tci};
    memcpy(buf + ADDRS_LEN, tag, VLAN_TAG_LEN);
    return ADDRS_LEN + VLAN_TAG_LEN + rest;
}

/* TP_STATUS_VLAN_TPID_VALID came with Linux 3.14; before it the tag was always 802.1Q. */
static uint16_t tag_tpid(uint32_t status, uint16_t tpid)
{
    return (status & TP_STATUS_VLAN_TPID_VALID) && tpid != 0 ? tpid : ETH_P_8021Q;
}

ssize_t net_packet_recv(int fd, uint8_t *buf, size_t cap, struct net_frame_info *info, char *err)
{
    struct sockaddr_ll from;
    union {
        struct cmsghdr align;
        uint8_t bytes[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof(from),
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.bytes,
                         .msg_controllen = sizeof(control.bytes)};
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -1;
        return net_fail(err, "recvmsg(AF_PACKET)", errno);
    }
    info->pkttype = from.sll_pkttype;
    info->wire_len = (size_t)n;
    size_t kept = (size_t)n < cap ? (size_t)n : cap;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
            continue;
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof(aux));
        if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
            continue;
        kept = put_back_tag(buf, kept, cap, tag_tpid(aux.tp_status, aux.tp_vlan_tpid),
                            aux.tp_vlan_tci);
        info->wire_len += VLAN_TAG_LEN;
    }
    return (ssize_t)kept;
}

/* Where a frame goes: out of ifindex, to the destination address it carries. */
static void frame_address(struct sockaddr_ll *to, int ifindex, const uint8_t *frame, size_t len)
{
    memset(to, 0, sizeof(*to));
    to->sll_family = AF_PACKET;
    to->sll_ifindex = ifindex;
    to->sll_halen = NET_MAC_LEN;
    if (len >= NET_MAC_LEN)
        memcpy(to->sll_addr, frame, NET_MAC_LEN);
}

int net_packet_send(int fd, int ifindex, const uint8_t *frame, size_t len, char *err)
{
    struct sockaddr_ll to;
    frame_address(&to, ifindex, frame, len);
    ssize_t n;
    do {
        n = sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to));
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return net_fail(err, "sendto(AF_PACKET)", errno);
    return 0;
}

int net_packet_send_repeat(int fd, int ifindex, const uint8_t *frame, size_t len, size_t count,
                           char *err)
{
    enum { BATCH = 64 };
    struct sockaddr_ll to;
    frame_address(&to, ifindex, frame, len);
    struct iovec iov = {.iov_base = (void *)frame, .iov_len = len};
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof(msgs));
    for (size_t i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof(to);
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n;
    do {
        n = sendmmsg(fd, msgs, (unsigned)(count < BATCH ? count : BATCH), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return net_fail(err, "sendmmsg(AF_PACKET)", errno);
    return n;
}

int net_packet_stats(int fd, uint64_t *received, uint64_t *dropped, char *err)
{
    /* The kernel copies struct tpacket_stats, or the v3 one for a TPACKET_V3 socket; both
     * start with tp_packets (which counts the drops too) and tp_drops. */
    struct tpacket_stats_v3 st;
    memset(&st, 0, sizeof(st));
    socklen_t len = sizeof(st);
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0)
        return net_fail(err, "getsockopt(PACKET_STATISTICS)", errno);
    *received = st.tp_packets;
    *dropped = st.tp_drops;
    return 0;
}

int net_wait_readable(int fd, int timeout_ms, char *err)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n;
    do {
        n = poll(&pfd, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return net_fail(err, "poll", errno);
    return n > 0;
}

/* ---- TPACKET_V3 ring ------------------------------------------------------------------------ */

#define RING_FRAME_SIZE 2048 /* V3 packs frames tightly; the field must still be valid */
#define RING_SCRATCH (65536 + VLAN_TAG_LEN)

struct net_ring {
    int fd;
    uint8_t *map;
    size_t map_len;
    size_t block_size;
    size_t block_count;
    size_t next;                   /* the block to look at next */
    uint8_t scratch[RING_SCRATCH]; /* a frame whose tag goes back in */
};

static int ring_setup(struct net_ring *ring, unsigned retire_ms, char *err)
{
    int version = TPACKET_V3;
    if (setsockopt(ring->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0)
        return net_fail(err, "setsockopt(PACKET_VERSION)", errno);
    struct tpacket_req3 req;
    memset(&req, 0, sizeof(req));
    req.tp_block_size = (unsigned)ring->block_size;
    req.tp_block_nr = (unsigned)ring->block_count;
    req.tp_frame_size = RING_FRAME_SIZE;
    req.tp_frame_nr = (unsigned)(ring->block_size * ring->block_count / RING_FRAME_SIZE);
    req.tp_retire_blk_tov = retire_ms;
    if (setsockopt(ring->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
        return net_fail(err, "setsockopt(PACKET_RX_RING)", errno);
    ring->map_len = ring->block_size * ring->block_count;
    void *map = mmap(NULL, ring->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, 0);
    if (map == MAP_FAILED)
        return net_fail(err, "mmap(PACKET_RX_RING)", errno);
    ring->map = map;
    return 0;
}

struct net_ring *net_ring_open(const char *ifname, size_t block_size, size_t block_count,
                               unsigned retire_ms, struct net_link *link, char *err)
{
    struct net_ring *ring = calloc(1, sizeof(*ring));
    if (ring == NULL) {
        net_fail(err, "calloc", ENOMEM);
        return NULL;
    }
    ring->block_size = block_size;
    ring->block_count = block_count;
    ring->fd = packet_socket(err);
    if (ring->fd < 0) {
        free(ring);
        return NULL;
    }
    if (link_info(ring->fd, ifname, link, err) != 0 || ring_setup(ring, retire_ms, err) != 0 ||
        bind_link(ring->fd, link->ifindex, err) != 0) {
        net_ring_close(ring);
        return NULL;
    }
    return ring;
}

int net_ring_fd(const struct net_ring *ring)
{
    return ring->fd;
}

void net_ring_close(struct net_ring *ring)
{
    if (ring == NULL)
        return;
    if (ring->map != NULL)
        munmap(ring->map, ring->map_len);
    close(ring->fd);
    free(ring);
}

/* One frame of a block: its address info follows the header (packet_mmap.rst, "frame
 * structure"); the tag, if the kernel took one off, is in hv1. */
static void ring_frame(struct net_ring *ring, const struct tpacket3_hdr *h, net_ring_frame_fn *fn,
                       void *arg)
{
    const uint8_t *base = (const uint8_t *)h;
    const struct sockaddr_ll *sll =
        (const struct sockaddr_ll *)(base + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
    struct net_frame_info info = {.pkttype = sll->sll_pkttype, .wire_len = h->tp_len};
    const uint8_t *frame = base + h->tp_mac;
    size_t len = h->tp_snaplen;
    if (h->tp_status & TP_STATUS_VLAN_VALID) {
        size_t n = len < RING_SCRATCH ? len : RING_SCRATCH;
        memcpy(ring->scratch, frame, n);
        len = put_back_tag(ring->scratch, n, RING_SCRATCH,
                           tag_tpid(h->tp_status, h->hv1.tp_vlan_tpid), h->hv1.tp_vlan_tci);
        frame = ring->scratch;
        info.wire_len += VLAN_TAG_LEN;
    }
    fn(frame, len, &info, arg);
}

size_t net_ring_drain(struct net_ring *ring, net_ring_frame_fn *fn, void *arg)
{
    size_t frames = 0;
    for (;;) {
        struct tpacket_block_desc *bd =
            (struct tpacket_block_desc *)(ring->map + ring->next * ring->block_size);
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
            return frames;
        const uint8_t *p = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
        for (uint32_t i = 0; i < bd->hdr.bh1.num_pkts; i++) {
            const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)p;
            ring_frame(ring, h, fn, arg);
            p += h->tp_next_offset;
            frames++;
        }
        /* give the block back to the kernel */
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        ring->next = (ring->next + 1) % ring->block_count;
    }
}
