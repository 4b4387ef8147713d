#include "net_socket.h"
#include "net_error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_address(const char *path, struct sockaddr_un *sa, char *err)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return net_fail(err, "socket path", ENAMETOOLONG);
    strcpy(sa->sun_path, path);
    return 0;
}

int net_set_nonblock(int fd, bool on, char *err)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return net_fail(err, "fcntl(F_GETFL)", errno);
    flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
    if (fcntl(fd, F_SETFL, flags) != 0)
        return net_fail(err, "fcntl(F_SETFL)", errno);
    return 0;
}

int net_unix_connect(const char *path, int type, bool nonblock, char *err)
{
    struct sockaddr_un sa;
    if (unix_address(path, &sa, err) != 0)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return net_fail(err, "socket", errno);
    int rc;
    do {
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0 && !(nonblock && errno == EINPROGRESS))
        return net_fail_close(fd, err, "connect");
    return fd;
}

/* Is a listener alive behind path? A refused connection means the file is a leftover. */
static bool unix_socket_is_live(const char *path, int type)
{
    int fd = net_unix_connect(path, type, true, NULL);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    /* EAGAIN: a live listener with a full backlog. */
    return errno == EAGAIN;
}

int net_unix_listen(const char *path, int type, int backlog, char *err)
{
    struct sockaddr_un sa;
    if (unix_address(path, &sa, err) != 0)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return net_fail(err, "socket", errno);

    /* Only the owner may connect: the socket file is created 0600 (umask during bind,
     * so there is no moment when it is more open). */
    for (int attempt = 0;; attempt++) {
        mode_t old_mask = umask(0177);
        int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        int saved = errno;
        umask(old_mask);
        if (rc == 0)
            break;
        if (saved != EADDRINUSE || attempt > 0) {
            errno = saved;
            return net_fail_close(fd, err, "bind");
        }
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
            errno = EEXIST; /* never unlink something that is not a socket */
            return net_fail_close(fd, err, path);
        }
        if (unix_socket_is_live(path, type)) {
            errno = EADDRINUSE;
            return net_fail_close(fd, err, "another process is listening on the socket");
        }
        if (unlink(path) != 0 && errno != ENOENT)
            return net_fail_close(fd, err, "unlink stale socket");
    }
    if (listen(fd, backlog) != 0)
        return net_fail_close(fd, err, "listen");
    return fd;
}

int net_accept(int listen_fd, char *err)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -1;
        return net_fail(err, "accept4", errno);
    }
}

int net_peer_uid(int fd, uid_t *uid, pid_t *pid, char *err)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return net_fail(err, "getsockopt(SO_PEERCRED)", errno);
    *uid = cred.uid;
    if (pid != NULL)
        *pid = cred.pid;
    return 0;
}

/* The kernel doubles what it is given and caps it at [rw]mem_max unless FORCE is used. */
static int set_buffer(int fd, int opt, int force_opt, int bytes, const char *call, char *err)
{
    if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) != 0 &&
        setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes)) != 0)
        return net_fail(err, call, errno);
    int granted = 0;
    socklen_t len = sizeof(granted);
    if (getsockopt(fd, SOL_SOCKET, opt, &granted, &len) != 0)
        return net_fail(err, call, errno);
    return granted;
}

int net_set_rcvbuf(int fd, int bytes, char *err)
{
    return set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, bytes, "setsockopt(SO_RCVBUF)", err);
}

int net_set_sndbuf(int fd, int bytes, char *err)
{
    return set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, bytes, "setsockopt(SO_SNDBUF)", err);
}

/* An empty packet is the end of the stream when the peer has shut down. */
static bool peer_shut_down(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) != 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

ssize_t net_recv_packet(int fd, void *buf, size_t cap, bool *eof)
{
    *eof = false;
    for (;;) {
        ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) /* the peer's shutdown shows as POLLRDHUP; an empty packet does not */
            *eof = peer_shut_down(fd);
        return n;
    }
}

ssize_t net_recv_packets(int fd, uint8_t *const *bufs, size_t cap, size_t *lens, size_t n,
                         bool *eof)
{
    struct mmsghdr msgs[NET_RECV_MAX_PACKETS];
    struct iovec iov[NET_RECV_MAX_PACKETS];
    *eof = false;
    if (n > NET_RECV_MAX_PACKETS)
        n = NET_RECV_MAX_PACKETS;
    memset(msgs, 0, n * sizeof(*msgs));
    for (size_t i = 0; i < n; i++) {
        iov[i] = (struct iovec){bufs[i], cap};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got;
    do {
        got = recvmmsg(fd, msgs, (unsigned)n, MSG_DONTWAIT | MSG_TRUNC, NULL);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return -1;
    /* After a shutdown every further receive is an empty packet: the first empty one
     * that comes with the peer gone ends what was really sent. */
    for (int i = 0; i < got; i++) {
        if (msgs[i].msg_len == 0 && peer_shut_down(fd)) {
            *eof = i == 0;
            return i;
        }
        lens[i] = msgs[i].msg_len;
    }
    return got;
}

int net_send_packet(int fd, const void *buf, size_t len, bool block)
{
    for (;;) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
        if (n >= 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}
