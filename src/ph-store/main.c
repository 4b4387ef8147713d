/* ph-store: argument parsing and wiring; the daemon is store_daemon.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store_daemon.h"
#include "util/cli_num.h"
#include "util/cli_usage.h"
#include "util/daemon_log.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ph-store --corpus DIR [options]\n"
            "\n"
            "Collects test cases sent on a Unix SOCK_SEQPACKET socket into a corpus that\n"
            "afl-fuzz -i and libFuzzer read directly: DIR/<target>/<sha1>.\n"
            "\n"
            "  --corpus DIR        corpus root (created if missing)\n"
            "  --socket PATH       socket to listen on (default %s), created 0600\n"
            "  --raw TARGET        every packet is a case for TARGET, no acks (classic\n"
            "                      afl-store.sock senders)\n"
            "  --max-size BYTES    largest case (default %u, at most %u)\n"
            "  --max-cases N       cases per target and kind (default %u)\n"
            "  --max-bytes BYTES   payload bytes in the whole corpus (default %llu)\n"
            "  --max-backlog BYTES log bytes not yet in the corpus before acks slow down\n"
            "                      (default %llu)\n"
            "  --min-free BYTES    free space to keep on the corpus filesystem (default:\n"
            "                      the smaller of 64 MiB and a tenth of it)\n"
            "  --allow-uid UID     also serve peers with this uid (repeatable; the daemon's\n"
            "                      own uid is always allowed)\n"
            "  --status-file PATH  keep a JSON status object at PATH: state (ready, running,\n"
            "                      stopped), pid, socket, counters; replaced atomically\n"
            "                      when ready, on SIGUSR1 and at exit\n"
            "  -v, --verbose       log every client and every rejected packet\n"
            "\n"
            "SIGTERM/SIGINT: finish the batch, sync, write out the corpus, exit 0.\n"
            "SIGUSR1: print statistics. Format and recovery: docs/store-protocol.md\n",
            STORE_DEFAULT_SOCKET, STORE_DEFAULT_MAX_CASE, STORE_MAX_CASE_LIMIT,
            STORE_DEFAULT_MAX_TARGET_CASES, (unsigned long long)STORE_DEFAULT_MAX_BYTES,
            (unsigned long long)STORE_DEFAULT_MAX_BACKLOG);
}

/* Fills cfg from the command line. Returns -1 to run, or the exit status (0 after
 * --help, 64 for a usage error). */
static int parse_options(int argc, char **argv, struct store_config *cfg)
{
    enum {
        OPT_MAX_SIZE = 256,
        OPT_MAX_CASES,
        OPT_MAX_BYTES,
        OPT_MAX_BACKLOG,
        OPT_MIN_FREE,
        OPT_ALLOW_UID,
        OPT_STATUS_FILE,
    };
    static const struct option options[] = {
        {"corpus", required_argument, NULL, 'c'},
        {"socket", required_argument, NULL, 's'},
        {"raw", required_argument, NULL, 'r'},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"max-cases", required_argument, NULL, OPT_MAX_CASES},
        {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
        {"max-backlog", required_argument, NULL, OPT_MAX_BACKLOG},
        {"min-free", required_argument, NULL, OPT_MIN_FREE},
        {"allow-uid", required_argument, NULL, OPT_ALLOW_UID},
        {"status-file", required_argument, NULL, OPT_STATUS_FILE},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt, li = 0;
    uint64_t v;
    while ((opt = getopt_long(argc, argv, "c:s:r:vh", options, &li)) != -1) {
        switch (opt) {
        case 'c':
            cfg->corpus = optarg;
            break;
        case 's':
            cfg->socket_path = optarg;
            break;
        case 'r':
            if (!store_target_valid((const uint8_t *)optarg, strlen(optarg)))
                return cli_fail("ph-store", "--raw %s: %s", optarg,
                                store_strerror(STORE_ERR_TARGET_INVALID));
            cfg->raw_target = optarg;
            break;
        case OPT_MAX_SIZE:
            if (!cli_parse_u64(optarg, 1, STORE_MAX_CASE_LIMIT, &v))
                return cli_fail("ph-store", "--max-size %s: takes 1..%u", optarg,
                                STORE_MAX_CASE_LIMIT);
            cfg->max_case = (size_t)v;
            break;
        case OPT_MAX_CASES:
        case OPT_MAX_BYTES:
        case OPT_MAX_BACKLOG:
        case OPT_MIN_FREE:
            if (!cli_parse_u64(optarg, 0, UINT64_MAX, &v))
                return cli_fail("ph-store", "--%s %s: takes a whole number", options[li].name,
                                optarg);
            if (opt == OPT_MAX_CASES)
                cfg->max_target_cases = v;
            else if (opt == OPT_MAX_BYTES)
                cfg->max_bytes = v;
            else if (opt == OPT_MAX_BACKLOG)
                cfg->max_backlog = v;
            else
                cfg->min_free = v;
            break;
        case OPT_STATUS_FILE:
            cfg->status_file = optarg;
            break;
        case OPT_ALLOW_UID:
            if (!cli_parse_u64(optarg, 0, UINT32_MAX - 1, &v) ||
                cfg->nallowed == STORE_MAX_ALLOWED_UIDS)
                return cli_fail("ph-store", "--allow-uid %s: takes a uid (at most %d)", optarg,
                                STORE_MAX_ALLOWED_UIDS - 1);
            cfg->allowed_uids[cfg->nallowed++] = (uid_t)v;
            break;
        case 'v':
            cfg->verbose = true;
            break;
        default:
            return cli_help_or_usage(opt, usage);
        }
    }
    if (cfg->corpus == NULL || optind != argc)
        return cli_usage_error(usage);
    return -1;
}

int main(int argc, char **argv)
{
    daemon_log_init("ph-store");
    struct store_config cfg = {
        .socket_path = STORE_DEFAULT_SOCKET,
        .max_case = STORE_DEFAULT_MAX_CASE,
        .max_target_cases = STORE_DEFAULT_MAX_TARGET_CASES,
        .max_bytes = STORE_DEFAULT_MAX_BYTES,
        .max_backlog = STORE_DEFAULT_MAX_BACKLOG,
    };
    cfg.allowed_uids[cfg.nallowed++] = getuid();
    int rc = parse_options(argc, argv, &cfg);
    if (rc >= 0)
        return rc;
    return store_daemon_run(&cfg);
}
