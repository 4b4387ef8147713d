#include "net_udp.h"
#include "net_addr.h"
#include "net_error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int bad_address(const char *spec, char *err)
{
    snprintf(err, NET_ERR_LEN, "bad address %s: want ADDR:PORT, e.g. 127.0.0.1:7 or [::1]:7", spec);
    errno = EINVAL;
    return -1;
}

int net_udp_address(const char *spec, struct sockaddr_storage *sa, socklen_t *salen, char *err)
{
    char host[NET_HOST_LEN];
    uint16_t port;
    if (net_split_host_port(spec, host, sizeof(host), &port, err) != 0)
        return -1;

    /* Numeric addresses only: the CHAO shells never resolve names. The split removed
     * an IPv6 address's brackets; an empty host is every IPv4 address. */
    memset(sa, 0, sizeof(*sa));
    struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
    if (host[0] == '\0' || inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        *salen = sizeof(*in4);
        return 0;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
        return bad_address(spec, err);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    *salen = sizeof(*in6);
    return 0;
}

int net_udp_socket(const struct sockaddr_storage *sa, socklen_t salen, bool bind_it, char *err)
{
    int fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return net_fail(err, "socket(SOCK_DGRAM)", errno);
    if (bind_it && bind(fd, (const struct sockaddr *)sa, salen) != 0)
        return net_fail_close(fd, err, "bind(UDP)");
    return fd;
}

ssize_t net_udp_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
                     socklen_t *fromlen, char *err)
{
    ssize_t n;
    *fromlen = sizeof(*from);
    do {
        n = recvfrom(fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)from, fromlen);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return net_fail(err, "recvfrom(UDP)", errno);
    return n;
}

int net_udp_send(int fd, const uint8_t *buf, size_t len, const struct sockaddr_storage *to,
                 socklen_t tolen, char *err)
{
    ssize_t n;
    do {
        n = sendto(fd, buf, len, 0, (const struct sockaddr *)to, tolen);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return net_fail(err, "sendto(UDP)", errno);
    return 0;
}
