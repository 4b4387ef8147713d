/*
 * Socket helpers: the only code in protoharness, with the other files of src/net/, that
 * calls socket, bind, listen, accept4, connect, recv and send. In the style of redis's
 * anet.c: each returns an fd or -1, writes "call: reason" into err, closes what it opened
 * on every error path and retries EINTR itself.
 */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_ERR_LEN 256

/* Listens on a Unix socket of the given type (SOCK_SEQPACKET, SOCK_STREAM) at path,
 * non-blocking, close-on-exec, mode 0600. A socket file left by a dead process is
 * replaced; one with a live listener behind it is never unlinked (fails with EADDRINUSE).
 * Returns the fd or -1. */
int net_unix_listen(const char *path, int type, int backlog, char *err);

/* Connects to a Unix socket of the given type; blocking unless nonblock. */
int net_unix_connect(const char *path, int type, bool nonblock, char *err);

/* Accepts one connection, non-blocking and close-on-exec. Returns the fd, or -1 with
 * errno EAGAIN when there is none (err untouched), or -1 with err set. */
int net_accept(int listen_fd, char *err);

/* The peer's credentials (SO_PEERCRED). Returns 0 or -1. */
int net_peer_uid(int fd, uid_t *uid, pid_t *pid, char *err);

/* Sets SO_RCVBUF / SO_SNDBUF to at least bytes, using the FORCE variants when permitted
 * (root may pass net.core.rmem_max). Returns the size the kernel granted, or -1. */
int net_set_rcvbuf(int fd, int bytes, char *err);
int net_set_sndbuf(int fd, int bytes, char *err);

int net_set_nonblock(int fd, bool on, char *err);

/* Receives one packet of a SOCK_SEQPACKET or SOCK_DGRAM socket without blocking. Returns
 * the packet's real length, which is more than cap when it did not fit (the kernel has
 * dropped the rest: MSG_TRUNC), or -1 with errno (EAGAIN: none). A SEQPACKET recv returns
 * 0 both for an empty packet and at end of stream: *eof tells them apart. */
ssize_t net_recv_packet(int fd, void *buf, size_t cap, bool *eof);

/* Most packets net_recv_packets takes in one call. */
#define NET_RECV_MAX_PACKETS 64

/* Receives up to n (at most NET_RECV_MAX_PACKETS) packets without blocking in one system
 * call (recvmmsg), packet i into bufs[i], each of cap bytes; lens[i] is its real length,
 * more than cap when it was cut (MSG_TRUNC). Returns how many, 0 with *eof at the end of
 * the stream, or -1 with errno (EAGAIN: none ready). The end of the stream shows as an
 * empty packet, like net_recv_packet's; packets before it are returned first. */
ssize_t net_recv_packets(int fd, uint8_t *const *bufs, size_t cap, size_t *lens, size_t n,
                         bool *eof);

/* Sends one packet; blocks only when `block`. Returns 0, or -1 with errno (EAGAIN). A
 * peer that went away is EPIPE, never SIGPIPE. */
int net_send_packet(int fd, const void *buf, size_t len, bool block);

#endif
