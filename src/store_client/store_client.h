/*
 * Client library of the store daemon (docs/store-protocol.md): connect, send cases with
 * many in flight, collect the acks. A second, fire-and-forget mode never blocks a hot
 * loop (a fuzzer or a server mirroring traffic) and counts what it had to drop.
 */
#ifndef STORE_CLIENT_H
#define STORE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"
#include "net/net_socket.h" /* NET_ERR_LEN: the size of every err buffer */

/* Cases sent and not yet acknowledged before store_client_send waits for acks. */
#define STORE_CLIENT_WINDOW 1024
/* store_client_send reads waiting acks once per this many sends. */
#define STORE_CLIENT_ACK_POLL 64
/* A fire-and-forget client that lost its daemon tries to reconnect at most this often. */
#define STORE_CLIENT_RECONNECT_MS 1000

struct store_client;

/* Called for each run of acknowledged cases. */
typedef void store_client_ack_fn(void *arg, const struct store_ack_run *run);

/* Connects to the daemon at path. The daemon must run as expected_uid (anyone can bind a
 * path in /tmp first): pass getuid() for "as me". With nowait, every send is
 * fire-and-forget. max_case sizes the socket's send buffer for the largest case.
 * Returns NULL with "what: why" in err (NET_ERR_LEN bytes). */
struct store_client *store_client_connect(const char *path, uid_t expected_uid, bool nowait,
                                          size_t max_case, char *err);
void store_client_close(struct store_client *c);

/* Sends one case; blocks only while STORE_CLIENT_WINDOW cases await acks, reading acks
 * (and calling fn) meanwhile. Stores the case's sequence number in *seq. Returns 0, or -1
 * with err set (the daemon went away, or the case is invalid). */
int store_client_send(struct store_client *c, const char *target, enum store_kind kind,
                      const uint8_t *data, size_t len, uint32_t *seq, store_client_ack_fn *fn,
                      void *arg, char *err);

/* Waits until every case sent is acknowledged. Returns 0 or -1 with err set. */
int store_client_drain(struct store_client *c, store_client_ack_fn *fn, void *arg, char *err);

/* Fire-and-forget: returns true when the case went into the socket, false when it was
 * dropped because the daemon is busy or gone (counted). Acks are read and discarded. When
 * the daemon goes away (a restart), the client reconnects on a later send, trying at most
 * once per STORE_CLIENT_RECONNECT_MS. */
bool store_client_send_nowait(struct store_client *c, const char *target, enum store_kind kind,
                              const uint8_t *data, size_t len);
uint64_t store_client_dropped(const struct store_client *c);

/* Sends bytes as one packet with no header: for daemons in --raw mode. Blocking. */
int store_client_send_raw(struct store_client *c, const uint8_t *data, size_t len, char *err);

#endif
