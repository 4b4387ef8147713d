/*
 * The one address grammar of every shell: "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every
 * address). TCP listeners and clients (net_tcp.h) and the UDP form of CHAO
 * (net_packet.h) all split their --listen/--udp/HOST:PORT arguments here, so a spelling
 * that one accepts the others accept too.
 */
#ifndef NET_ADDR_H
#define NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr_storage;

/* Room for a host part: a DNS name (RFC 1035 2.3.4: 253 characters) or an address. */
#define NET_HOST_LEN 256

/* Splits spec into host (brackets removed; empty for ":PORT") and a port number, 0 to
 * 65535, decimal. An IPv6 address needs its brackets, so the last colon is always the
 * port's. Returns 0, or -1 with err set (NET_ERR_LEN bytes, may be NULL) and errno
 * EINVAL. */
int net_split_host_port(const char *spec, char *host, size_t hostlen, uint16_t *port, char *err);

/* Writes sa as "192.0.2.1:7" or "[::1]:7", the grammar net_split_host_port reads. */
void net_format_address(const struct sockaddr_storage *sa, char *out, size_t outlen);

#endif
