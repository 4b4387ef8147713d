/*
 * TCP helpers, beside net_socket.h and in its style (redis's anet.c): each returns an fd
 * or -1, writes "call: reason" into err (NET_ERR_LEN bytes), closes what it opened on
 * every error path and retries EINTR itself.
 *
 * Addresses are "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every address): net_addr.h. A numeric host is
 * resolved with AI_NUMERICHOST, so it never reaches NSS and a static binary needs no
 * libnss_*.so at run time; only a host name does.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net_socket.h"

struct addrinfo;

/* Resolves spec for a stream socket; passive for bind. Returns 0 with *res (free it with
 * freeaddrinfo), or -1 with err set: the address is malformed or the name does not
 * resolve (the only failure that is about DNS). */
int net_tcp_resolve(const char *spec, bool passive, struct addrinfo **res, char *err);

/* Listens on spec: SO_REUSEADDR, non-blocking, close-on-exec; the first address that
 * binds wins. Returns the fd or -1. */
int net_tcp_listen(const char *spec, int backlog, char *err);

/* Connects to one resolved address, waiting at most timeout_ms (< 0: the kernel's
 * timeout). Returns a blocking fd, or -1 with errno (ECONNREFUSED, ETIMEDOUT, ...) and
 * err set. */
int net_tcp_connect_addr(const struct addrinfo *ai, int timeout_ms, char *err);

/* Starts a connect to one resolved address without waiting: a non-blocking fd whose
 * connect is under way (or done, on loopback). Wait for NET_WRITABLE, then ask
 * net_tcp_connect_result. Returns the fd or -1 with errno and err set. */
int net_tcp_connect_start(const struct addrinfo *ai, char *err);

/* How a started connect ended (SO_ERROR). Returns 0, or -1 with errno (ECONNREFUSED, ...)
 * and err set; the fd stays open either way. */
int net_tcp_connect_result(int fd, char *err);

/* Writes the local address of fd as "HOST:PORT" ("[V6]:PORT") into out. Returns 0 or -1. */
int net_tcp_local_name(int fd, char *out, size_t outlen, char *err);

/* TCP_NODELAY: small writes leave at once, as separate segments. Returns 0 or -1. */
int net_tcp_nodelay(int fd, bool on, char *err);

/* Raises the soft RLIMIT_NOFILE to at least want (up to the hard limit). Returns the soft
 * limit now in force, which may be less than want, or -1. */
long net_raise_nofile(long want, char *err);

/* Stream I/O without SIGPIPE. Each returns bytes moved (0 from net_read: end of stream),
 * or -1 with errno (EAGAIN on a non-blocking socket with nothing to do). */
ssize_t net_read(int fd, void *buf, size_t cap);
ssize_t net_write(int fd, const void *buf, size_t len);

/* Ends our sending side (FIN) and keeps receiving. Returns 0 or -1. */
int net_shutdown_write(int fd);

#endif
