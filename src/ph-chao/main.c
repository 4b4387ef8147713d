/* ph-chao: serve, send and capture CHAO frames (docs/chao.md). Argument parsing and
 * wiring only; the subcommands are in chao_serve.c, chao_send.c and chao_capture.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_packet.h"
#include "ph_chao.h"
#include "util/cli_num.h"
#include "util/cli_usage.h"

static void usage(FILE *out)
{
    fputs("usage: ph-chao serve   (--iface IF | --udp ADDR:PORT) [--no-ring] [--seconds S] "
          "[--quiet]\n"
          "                       [--record SOCKET] [--status-file PATH]\n"
          "       ph-chao send    (--iface IF | --udp ADDR:PORT) [--to MAC] [--vlan ID]...\n"
          "                       [--bare] [--type request|reply|error] [--seq N]\n"
          "                       [--timeout MS] [--retries N] [--no-wait] MESSAGE\n"
          "       ph-chao capture --iface IF -w FILE.pcap [--chao-only] [--count N]\n"
          "\n"
          "  serve    answer CHAO requests (native: a reply with the same seq and body; bare:\n"
          "           the original reply text); never replies, errors, own frames, garbage\n"
          "  send     send one request (to the broadcast address unless --to) and print the\n"
          "           reply's body; --vlan tags the frame itself (up to two, outermost first)\n"
          "  capture  write every frame of IF (or, --chao-only, the CHAO ones) to a pcap\n"
          "  --udp    the same CHAO/1 messages in UDP datagrams: no CAP_NET_RAW needed\n"
          "  --record mirror every frame serve receives into the ph-store at SOCKET as a\n"
          "           chao_frame case (never blocks: drops and counts when the store is busy)\n"
          "  --status-file  serve keeps a JSON status object at PATH: state (ready, stopped),\n"
          "           pid, where it listens and its counters (docs/chao.md)\n"
          "\n"
          "exit status: 0 ok, 1 failure, 2 send: no reply, 3 send: error reply, 64 usage\n",
          out);
}

int chao_filter_socket(int fd, char *err)
{
    const struct sock_filter *prog;
    size_t n = chao_socket_filter(&prog);
    return net_packet_attach_filter(fd, prog, n, err);
}

void chao_format_mac(const uint8_t mac[CHAO_MAC_LEN], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

/* Six hex bytes separated by ':' (or '-'), each one or two digits. */
static bool parse_mac(const char *s, uint8_t mac[CHAO_MAC_LEN])
{
    for (int i = 0; i < CHAO_MAC_LEN; i++) {
        char *end;
        if (!((s[0] >= '0' && s[0] <= '9') || ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'f')))
            return false;
        unsigned long byte = strtoul(s, &end, 16);
        if (end - s > 2 || byte > 0xff)
            return false;
        mac[i] = (uint8_t)byte;
        if (i < CHAO_MAC_LEN - 1 && *end != ':' && *end != '-')
            return false;
        if (i == CHAO_MAC_LEN - 1 && *end != '\0')
            return false;
        s = end + 1;
    }
    return true;
}

static bool parse_type(const char *s, enum chao_type *type)
{
    static const enum chao_type types[] = {CHAO_TYPE_REQUEST, CHAO_TYPE_REPLY, CHAO_TYPE_ERROR};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(s, chao_type_name(types[i])) == 0) {
            *type = types[i];
            return true;
        }
    }
    return false;
}

enum {
    OPT_NO_RING = 256,
    OPT_SECONDS,
    OPT_CHAO_ONLY,
    OPT_NO_WAIT,
    OPT_RECORD,
    OPT_STATUS_FILE,
};

static const struct option long_options[] = {
    {"iface", required_argument, NULL, 'i'},
    {"udp", required_argument, NULL, 'u'},
    {"to", required_argument, NULL, 't'},
    {"vlan", required_argument, NULL, 'v'},
    {"bare", no_argument, NULL, 'b'},
    {"type", required_argument, NULL, 'T'},
    {"seq", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 'W'},
    {"retries", required_argument, NULL, 'r'},
    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
    {"no-ring", no_argument, NULL, OPT_NO_RING},
    {"seconds", required_argument, NULL, OPT_SECONDS},
    {"quiet", no_argument, NULL, 'q'},
    {"chao-only", no_argument, NULL, OPT_CHAO_ONLY},
    {"count", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"record", required_argument, NULL, OPT_RECORD},
    {"status-file", required_argument, NULL, OPT_STATUS_FILE},
    {NULL, 0, NULL, 0},
};

/* One option into opts; returns 0 or an exit status. */
static int take_option(int c, const char *arg, struct chao_opts *o)
{
    uint64_t n;
    switch (c) {
    case 'i':
        o->iface = arg;
        return 0;
    case 'u':
        o->udp = arg;
        return 0;
    case 't':
        if (!parse_mac(arg, o->to))
            return cli_fail("ph-chao",
                            "bad MAC address: %s (want six hex bytes, 02:00:00:00:00:01)", arg);
        return 0;
    case 'v':
        if (o->num_vids == CHAO_MAX_VLAN_TAGS)
            return cli_fail("ph-chao", "at most two VLAN tags: %s is a third", arg);
        /* 802.1Q table 9-2: 0 is a priority tag, 4095 is reserved */
        if (!cli_parse_u64(arg, 0, CHAO_VLAN_ID_MAX, &n))
            return cli_fail("ph-chao", "bad VLAN id: %s (want 0 to 4094)", arg);
        o->vids[o->num_vids++] = (uint16_t)n;
        return 0;
    case 'b':
        o->bare = true;
        return 0;
    case 'T':
        if (!parse_type(arg, &o->type))
            return cli_fail("ph-chao", "bad type: %s (want request, reply or error)", arg);
        return 0;
    case 's':
        if (!cli_parse_u64(arg, 0, 65535, &n))
            return cli_fail("ph-chao", "bad sequence number: %s (want 0 to 65535)", arg);
        o->seq = (uint16_t)n;
        o->seq_set = true;
        return 0;
    case 'W':
        if (!cli_parse_u64(arg, 1, 3600 * 1000, &n))
            return cli_fail("ph-chao", "bad timeout: %s (milliseconds)", arg);
        o->timeout_ms = (int)n;
        return 0;
    case 'r':
        if (!cli_parse_u64(arg, 0, 100, &n))
            return cli_fail("ph-chao", "bad retries: %s (want 0 to 100)", arg);
        o->retries = (int)n;
        return 0;
    case OPT_NO_WAIT:
        o->no_wait = true;
        return 0;
    case OPT_NO_RING:
        o->no_ring = true;
        return 0;
    case OPT_SECONDS:
        if (!cli_parse_double(arg, CHAO_MIN_SECONDS, CHAO_MAX_SECONDS, &o->seconds))
            return cli_fail("ph-chao", "bad seconds: %s", arg);
        return 0;
    case 'q':
        o->quiet = true;
        return 0;
    case OPT_CHAO_ONLY:
        o->chao_only = true;
        return 0;
    case 'c':
        if (!cli_parse_u64(arg, 1, CHAO_MAX_COUNT, &n))
            return cli_fail("ph-chao", "bad count: %s", arg);
        o->count = (long)n;
        return 0;
    case 'w':
        o->write_path = arg;
        return 0;
    case OPT_RECORD:
        o->record = arg;
        return 0;
    case OPT_STATUS_FILE:
        o->status_file = arg;
        return 0;
    default:
        return cli_fail("ph-chao", "%s", "unknown option");
    }
}

static int check_transport(const char *cmd, const struct chao_opts *o)
{
    if ((o->iface == NULL) == (o->udp == NULL))
        return cli_fail("ph-chao", "%s needs exactly one of --iface IF and --udp ADDR:PORT", cmd);
    if (o->udp != NULL && o->bare)
        return cli_fail("ph-chao", "%s",
                        "--bare is link-layer only: a datagram has no room for it");
    if (o->udp != NULL && o->num_vids > 0)
        return cli_fail("ph-chao", "%s", "--vlan is link-layer only");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(usage);
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return CHAO_EXIT_OK;
    }
    struct chao_opts o = {.type = CHAO_TYPE_REQUEST, .timeout_ms = 1000, .retries = 2};
    memset(o.to, 0xff, sizeof(o.to));
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "w:", long_options, NULL)) != -1) {
        if (c == 'h')
            return cli_help_or_usage(c, usage);
        if ((rc = take_option(c, optarg, &o)) != 0)
            return rc;
    }
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;

    if (strcmp(cmd, "capture") == 0) {
        if (o.iface == NULL || o.write_path == NULL || rest != 0)
            return cli_fail("ph-chao", "%s needs --iface IF and -w FILE.pcap", cmd);
        return chao_capture(&o);
    }
    if (strcmp(cmd, "serve") == 0) {
        if (rest != 0)
            return cli_fail("ph-chao", "serve takes no arguments: %s", args[0]);
        if ((rc = check_transport(cmd, &o)) != 0)
            return rc;
        return chao_serve(&o);
    }
    if (strcmp(cmd, "send") == 0) {
        if (rest != 1)
            return cli_fail("ph-chao", "%s needs one MESSAGE", cmd);
        if ((rc = check_transport(cmd, &o)) != 0)
            return rc;
        if (o.bare && (o.type != CHAO_TYPE_REQUEST || o.seq_set))
            return cli_fail("ph-chao", "%s", "--bare frames have no type or seq");
        o.message = args[0];
        return chao_send(&o);
    }
    return cli_fail("ph-chao", "unknown command: %s", cmd);
}
