/* ph-chao: the CHAO shells. main.c parses the command line into struct chao_opts; each
 * subcommand wires the pure core (src/chao/) to the sockets of src/net/net_packet.h or
 * net_udp.h and returns the process exit status. */
#ifndef PH_CHAO_H
#define PH_CHAO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chao/chao.h"

/* Command-line ranges: --count and --seconds. */
#define CHAO_MAX_COUNT (1ull << 40)
#define CHAO_MIN_SECONDS 0.001
#define CHAO_MAX_SECONDS (365.0 * 24 * 3600)

enum {
    CHAO_EXIT_OK = 0,
    CHAO_EXIT_FAIL = 1,        /* a system call failed: no interface, no privilege, ... */
    CHAO_EXIT_NO_REPLY = 2,    /* send: every try timed out */
    CHAO_EXIT_ERROR_REPLY = 3, /* send: the server answered with an error */
    CHAO_EXIT_USAGE = 64,      /* EX_USAGE */
};

struct chao_opts {
    const char *iface; /* --iface: raw AF_PACKET */
    const char *udp;   /* --udp ADDR:PORT */

    /* send */
    uint8_t to[CHAO_MAC_LEN]; /* --to, default broadcast */
    uint16_t vids[CHAO_MAX_VLAN_TAGS];
    size_t num_vids;
    bool bare;
    enum chao_type type;
    uint16_t seq;
    bool seq_set;
    int timeout_ms;
    int retries;
    bool no_wait;
    const char *message;

    /* serve */
    bool no_ring;   /* a recvmsg loop instead of the TPACKET_V3 ring */
    double seconds; /* stop after this long (0: on SIGINT/SIGTERM only) */
    bool quiet;
    const char *record;      /* --record SOCKET: mirror received frames into ph-store */
    const char *status_file; /* --status-file PATH: serve's JSON status (docs/chao.md) */

    /* capture */
    const char *write_path;
    bool chao_only;
    long count; /* stop after this many frames (0: no limit) */
};

int chao_serve(const struct chao_opts *opts);
int chao_send(const struct chao_opts *opts);
int chao_capture(const struct chao_opts *opts);

/* Attaches the CHAO kernel filter (chao_socket_filter) to the packet socket fd, so that
 * only CHAO frames reach it. Returns 0, or -1 with the reason in err (NET_ERR_LEN). */
int chao_filter_socket(int fd, char *err);

/* "02:00:00:00:00:01" into out[18]. */
void chao_format_mac(const uint8_t mac[CHAO_MAC_LEN], char out[18]);

#endif
