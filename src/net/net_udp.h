/*
 * UDP sockets: the datagram form of CHAO (docs/chao.md). Like the rest of src/net/
 * (net_socket.h): each call returns an fd, a count or -1, writes "call: reason" into err
 * (NET_ERR_LEN bytes), closes what it opened on every error path and retries EINTR
 * itself. Addresses print with net_format_address (net_addr.h).
 */
#ifndef NET_UDP_H
#define NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net_socket.h"

/* Parses "ADDR:PORT", "[IPV6]:PORT" or ":PORT" (net_addr.h), numeric only: no name
 * lookups; an empty ADDR is every IPv4 address. */
int net_udp_address(const char *spec, struct sockaddr_storage *sa, socklen_t *salen, char *err);

/* A non-blocking UDP socket bound to sa (a server), or, with bind_it false, unbound (a
 * client of that address family). Returns the fd or -1. */
int net_udp_socket(const struct sockaddr_storage *sa, socklen_t salen, bool bind_it, char *err);

/* One datagram and where it came from. Returns its length (MSG_TRUNC: more than cap when
 * cut), -1 with errno EAGAIN (err untouched), or -1. */
ssize_t net_udp_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
                     socklen_t *fromlen, char *err);
int net_udp_send(int fd, const uint8_t *buf, size_t len, const struct sockaddr_storage *to,
                 socklen_t tolen, char *err);

#endif
