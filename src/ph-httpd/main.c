/* ph-httpd: argument parsing and wiring; the server is httpd_server.c and httpd_conn.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "util/cli_num.h"
#include "util/cli_usage.h"
#include "util/daemon_log.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ph-httpd [--listen HOST:PORT] [options]\n"
            "\n"
            "An HTTP/1.1 server around the strict protoharness parser. Routes: / (a hello\n"
            "page), /echo (the request as the parser saw it, JSON in the `ph-parse http`\n"
            "format), anything else 404. Every parse error is answered with its status and\n"
            "Connection: close.\n"
            "\n"
            "  --listen HOST:PORT     address to listen on (default %s); [::1]:8080 for\n"
            "                         IPv6, :8080 for every address, port 0 for any free one\n"
            "                         (the log line says which)\n"
            "  --max-head BYTES       largest request head (default %u, at most %u): 431\n"
            "  --max-body BYTES       largest request body as sent, chunk framing included\n"
            "                         (default %u): 413\n"
            "  --max-conns N          open connections (default %u; RLIMIT_NOFILE is raised\n"
            "                         to fit); further clients wait in the listen backlog\n"
            "  --when-full wait|503   or get 503 and a close (default wait)\n"
            "  --header-timeout MS    time to send a whole request head (default %u): 408\n"
            "  --body-timeout MS      longest pause inside a request body (default %u): 408\n"
            "  --idle-timeout MS      keep-alive idle time, and longest time a client may\n"
            "                         leave a response unread (default %u): close\n"
            "  --max-output BYTES     unsent response bytes per connection before it is no\n"
            "                         longer read (default %u): write backpressure\n"
            "  --drain-timeout MS     on SIGTERM, time in-flight requests get (default %u)\n"
            "  --record SOCKET        mirror each request's raw bytes into ph-store at SOCKET\n"
            "                         as target %s, never waiting (dropped and counted when\n"
            "                         the store is busy)\n"
            "  --status-file PATH     keep a JSON status object at PATH: state (ready, running,\n"
            "                         draining, stopped), pid, address, counters; replaced\n"
            "                         atomically when ready, on SIGUSR1 and at exit\n"
            "  --echo-all             answer every accepted request, whatever its target or\n"
            "                         method, as /echo does (the echo contract of ph-diff,\n"
            "                         docs/diff.md)\n"
            "  -v, --verbose          log every error response\n"
            "\n"
            "SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit 0.\n"
            "SIGUSR1: print statistics. SIGPIPE is ignored. More: docs/httpd.md\n",
            HTTPD_DEFAULT_LISTEN, HTTPD_DEFAULT_MAX_HEAD, (unsigned)HTTP_MAX_HEAD_SIZE,
            HTTPD_DEFAULT_MAX_BODY, HTTPD_DEFAULT_MAX_CONNS, HTTPD_DEFAULT_HEADER_TIMEOUT_MS,
            HTTPD_DEFAULT_BODY_TIMEOUT_MS, HTTPD_DEFAULT_IDLE_TIMEOUT_MS, HTTPD_DEFAULT_MAX_OUTPUT,
            HTTPD_DEFAULT_DRAIN_MS, HTTPD_RECORD_TARGET);
}

/* Fills cfg from the command line. Returns -1 to run, or the exit status (0 after
 * --help, 64 for a usage error). */
static int parse_options(int argc, char **argv, struct httpd_config *cfg)
{
    enum {
        OPT_MAX_HEAD = 256,
        OPT_MAX_BODY,
        OPT_MAX_CONNS,
        OPT_WHEN_FULL,
        OPT_HEADER_TIMEOUT,
        OPT_BODY_TIMEOUT,
        OPT_IDLE_TIMEOUT,
        OPT_MAX_OUTPUT,
        OPT_DRAIN_TIMEOUT,
        OPT_RECORD,
        OPT_ECHO_ALL,
        OPT_STATUS_FILE,
    };
    static const struct option options[] = {
        {"listen", required_argument, NULL, 'l'},
        {"max-head", required_argument, NULL, OPT_MAX_HEAD},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
        {"when-full", required_argument, NULL, OPT_WHEN_FULL},
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"body-timeout", required_argument, NULL, OPT_BODY_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
        {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
        {"record", required_argument, NULL, OPT_RECORD},
        {"echo-all", no_argument, NULL, OPT_ECHO_ALL},
        {"status-file", required_argument, NULL, OPT_STATUS_FILE},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const uint64_t max_ms = 24ull * 3600 * 1000;
    int opt, longindex = 0;
    uint64_t v;
    while ((opt = getopt_long(argc, argv, "l:vh", options, &longindex)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'l':
            cfg->listen = optarg;
            break;
        case OPT_MAX_HEAD:
            bad = !cli_parse_u64(optarg, 64, HTTP_MAX_HEAD_SIZE, &v);
            cfg->max_head = (size_t)v;
            break;
        case OPT_MAX_BODY:
            bad = !cli_parse_u64(optarg, 0, 1ull << 30, &v);
            cfg->max_body = (size_t)v;
            break;
        case OPT_MAX_CONNS:
            bad = !cli_parse_u64(optarg, 1, 1000000, &v);
            cfg->max_conns = (size_t)v;
            break;
        case OPT_WHEN_FULL:
            bad = strcmp(optarg, "wait") != 0 && strcmp(optarg, "503") != 0;
            cfg->full_503 = strcmp(optarg, "503") == 0;
            break;
        case OPT_HEADER_TIMEOUT:
        case OPT_BODY_TIMEOUT:
        case OPT_IDLE_TIMEOUT:
        case OPT_DRAIN_TIMEOUT:
            bad = !cli_parse_u64(optarg, 1, max_ms, &v);
            if (opt == OPT_HEADER_TIMEOUT)
                cfg->header_timeout_ms = (unsigned)v;
            else if (opt == OPT_BODY_TIMEOUT)
                cfg->body_timeout_ms = (unsigned)v;
            else if (opt == OPT_IDLE_TIMEOUT)
                cfg->idle_timeout_ms = (unsigned)v;
            else
                cfg->drain_ms = (unsigned)v;
            break;
        case OPT_MAX_OUTPUT:
            bad = !cli_parse_u64(optarg, 1, 1ull << 30, &v);
            cfg->max_output = (size_t)v;
            break;
        case OPT_RECORD:
            cfg->record_socket = optarg;
            break;
        case OPT_ECHO_ALL:
            cfg->echo_all = true;
            break;
        case OPT_STATUS_FILE:
            cfg->status_file = optarg;
            break;
        case 'v':
            cfg->verbose = true;
            break;
        default:
            return cli_help_or_usage(opt, usage);
        }
        if (bad)
            return cli_fail("ph-httpd", "--%s %s: out of range or not a number",
                            options[longindex].name, optarg);
    }
    if (optind != argc)
        return cli_usage_error(usage);
    return -1;
}

int main(int argc, char **argv)
{
    daemon_log_init("ph-httpd");
    struct httpd_config cfg = {
        .listen = HTTPD_DEFAULT_LISTEN,
        .max_head = HTTPD_DEFAULT_MAX_HEAD,
        .max_body = HTTPD_DEFAULT_MAX_BODY,
        .max_conns = HTTPD_DEFAULT_MAX_CONNS,
        .max_output = HTTPD_DEFAULT_MAX_OUTPUT,
        .header_timeout_ms = HTTPD_DEFAULT_HEADER_TIMEOUT_MS,
        .body_timeout_ms = HTTPD_DEFAULT_BODY_TIMEOUT_MS,
        .idle_timeout_ms = HTTPD_DEFAULT_IDLE_TIMEOUT_MS,
        .drain_ms = HTTPD_DEFAULT_DRAIN_MS,
    };
    int rc = parse_options(argc, argv, &cfg);
    if (rc >= 0)
        return rc;
    return httpd_run(&cfg);
}
