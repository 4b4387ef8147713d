#include "net_tcp.h"
#include "net_error.h"
#include "net_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int net_tcp_resolve(const char *spec, bool passive, struct addrinfo **res, char *err)
{
    char host[NET_HOST_LEN], port[sizeof("65535")];
    uint16_t port_num;
    *res = NULL;
    if (net_split_host_port(spec, host, sizeof(host), &port_num, err) != 0)
        return -1;
    snprintf(port, sizeof(port), "%u", (unsigned)port_num);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    const char *node = host[0] != '\0' ? host : NULL;
    /* A numeric address first: no NSS, so it works the same in a static binary. */
    int rc = getaddrinfo(node, port, &hints, res);
    if (rc == EAI_NONAME && node != NULL) {
        hints.ai_flags &= ~AI_NUMERICHOST;
        hints.ai_flags |= AI_ADDRCONFIG;
        rc = getaddrinfo(node, port, &hints, res);
    }
    if (rc != 0) {
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "getaddrinfo %s: %s", spec,
                     rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        *res = NULL;
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int net_tcp_listen(const char *spec, int backlog, char *err)
{
    struct addrinfo *res;
    if (net_tcp_resolve(spec, true, &res, err) != 0)
        return -1;
    int fd = -1;
    int saved = 0;
    const char *call = "socket";
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
            break;
        saved = errno;
        call = "bind/listen";
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        saved = saved ? saved : EADDRNOTAVAIL;
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "%s %.160s: %s", call, spec, strerror(saved));
        errno = saved;
        return -1;
    }
    return fd;
}

int net_tcp_connect_start(const struct addrinfo *ai, char *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return net_fail(err, "socket", errno);
    /* Note that connect() interrupted by a signal goes on in the background, as if
     * EINPROGRESS: the caller waits for writability either way, then asks SO_ERROR. */
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS && errno != EINTR)
        return net_fail_close(fd, err, "connect");
    return fd;
}

int net_tcp_connect_result(int fd, char *err)
{
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
        return net_fail(err, "getsockopt(SO_ERROR)", errno);
    if (so_error != 0)
        return net_fail(err, "connect", so_error);
    return 0;
}

int net_tcp_connect_addr(const struct addrinfo *ai, int timeout_ms, char *err)
{
    int fd = net_tcp_connect_start(ai, err);
    if (fd < 0)
        return -1;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n;
    do {
        n = poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return net_fail_close(fd, err, "poll");
    if (n == 0) {
        errno = ETIMEDOUT;
        return net_fail_close(fd, err, "connect");
    }
    if (net_tcp_connect_result(fd, err) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        return net_fail_close(fd, err, "fcntl");
    return fd;
}

int net_tcp_local_name(int fd, char *out, size_t outlen, char *err)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return net_fail(err, "getsockname", errno);
    net_format_address(&ss, out, outlen);
    return 0;
}

int net_tcp_nodelay(int fd, bool on, char *err)
{
    int v = on;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) != 0)
        return net_fail(err, "setsockopt(TCP_NODELAY)", errno);
    return 0;
}

long net_raise_nofile(long want, char *err)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return net_fail(err, "getrlimit(RLIMIT_NOFILE)", errno);
    if (want < 0 || (rlim_t)want <= rl.rlim_cur)
        return (long)rl.rlim_cur;
    rl.rlim_cur =
        rl.rlim_max == RLIM_INFINITY || (rlim_t)want < rl.rlim_max ? (rlim_t)want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return net_fail(err, "setrlimit(RLIMIT_NOFILE)", errno);
    return (long)rl.rlim_cur;
}

ssize_t net_read(int fd, void *buf, size_t cap)
{
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

ssize_t net_write(int fd, const void *buf, size_t len)
{
    for (;;) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

int net_shutdown_write(int fd)
{
    return shutdown(fd, SHUT_WR);
}
