/*
 * ph-probe HOST:PORT FILE...: sends each file's bytes, exactly, on a fresh TCP
 * connection (in pieces with delays if asked), reads every response until the server
 * closes or a limit, and prints one JSON line per file (docs/httpd.md). Arguments and
 * wiring only: the probe itself is probe_conn.c (the connection), probe_reader.c (the
 * responses) and probe_json.c (the output line).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_tcp.h"
#include "probe.h"
#include "util/file_io.h"
#include "util/cli_num.h"
#include "util/cli_usage.h"

/* Exit statuses (docs/httpd.md). */
enum { EXIT_ALL_OK = 0, EXIT_ERROR = 1, EXIT_INCOMPLETE = 2 }; /* and CLI_EXIT_USAGE */

static void usage(FILE *out)
{
    fputs("usage: ph-probe [options] HOST:PORT FILE...\n"
          "\n"
          "Sends each FILE's bytes exactly as they are on a new TCP connection (TCP_NODELAY),\n"
          "reads every response (Content-Length, chunked or close-delimited bodies) and\n"
          "prints one JSON line per file: status, headers, body_length, time_ms per\n"
          "response; closed, half_closed for the connection.\n"
          "\n"
          "  --split N            send N bytes at a time (1: byte by byte)\n"
          "  --delay MS           pause between pieces (default 10 with --split, else 0)\n"
          "  --quiet MS           after sending, half-close once the server has been silent\n"
          "                       this long (default 500)\n"
          "  --timeout MS         connect timeout, longest stall while sending, and the wait\n"
          "                       for the server to close after our half-close (default 5000)\n"
          "  --max-time MS        the most one file may take, connect to close (default\n"
          "                       60000; 0: no limit)\n"
          "  --max-responses N    responses read per file, 1xx included (default 1024)\n"
          "  --max-interim N      1xx interim responses read per file (default 64)\n"
          "  --body               also print each response body (body_base64)\n"
          "  --raw DIR            write the response bytes of FILE, as they arrived, to\n"
          "                       DIR/<name of FILE>.response\n"
          "\n"
          "Results: ok; incomplete (the last response or head was cut off); error, with\n"
          "one line on stderr: dns, refused, reset, timeout, unreachable, io, max_time,\n"
          "too_large, too_many_responses, too_many_interim. Exit status: 0 every file ok,\n"
          "1 an error, 2 an incomplete response (and no error), 64 usage.\n",
          out);
}

static int save_raw(const char *dir, const char *file, const struct byte_buf *raw)
{
    char copy[4096], path[4096 + 64];
    snprintf(copy, sizeof(copy), "%s", file);
    snprintf(path, sizeof(path), "%s/%s.response", dir, basename(copy));
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(raw->data, 1, raw->len, f) != raw->len || fclose(f) != 0) {
        fprintf(stderr, "ph-probe: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_line(const char *file, const struct probe_result *res, bool bodies)
{
    struct byte_buf b = {0};
    probe_json(&b, file, res, bodies);
    if (!b.failed)
        fwrite(b.data, 1, b.len, stdout);
    fflush(stdout);
    byte_buf_free(&b);
}

/* Probes one file. Returns its exit status. */
static int probe_file(const struct addrinfo *ai, const char *file, const struct probe_opts *opt,
                      const char *raw_dir)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (file_read_all(file, &data, &len) != 0) {
        fprintf(stderr, "ph-probe: %s: %s\n", file, strerror(errno));
        return EXIT_ERROR;
    }
    static struct probe_result res; /* 5 KiB of it: off the stack */
    probe_result_init(&res, opt, data, len);
    probe_run(ai, data, len, opt, &res);
    print_line(file, &res, opt->keep_bodies);
    int rc = res.outcome.error        ? EXIT_ERROR
             : res.outcome.incomplete ? EXIT_INCOMPLETE
                                      : EXIT_ALL_OK;
    if (res.outcome.error != NULL)
        fprintf(stderr, "ph-probe: %s: %s (%s)\n", file, res.outcome.message, res.outcome.error);
    if (raw_dir != NULL && save_raw(raw_dir, file, &res.reader.raw) != 0)
        rc = EXIT_ERROR;
    probe_result_free(&res);
    free(data);
    return rc;
}

/* Fills opt and raw_dir from the command line. Returns -1 to run, or the exit status
 * (after --help, or CLI_EXIT_USAGE). */
static int parse_options(int argc, char **argv, struct probe_opts *opt, const char **raw_dir)
{
    bool delay_set = false;
    static const struct option options[] = {
        {"split", required_argument, NULL, 's'},
        {"delay", required_argument, NULL, 'd'},
        {"quiet", required_argument, NULL, 'q'},
        {"timeout", required_argument, NULL, 't'},
        {"max-time", required_argument, NULL, 'm'},
        {"max-responses", required_argument, NULL, 'r'},
        {"max-interim", required_argument, NULL, 'i'},
        {"raw", required_argument, NULL, 'w'},
        {"body", no_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, longindex = 0;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "h", options, &longindex)) != -1) {
        if (c == 'h' || c == '?')
            return cli_help_or_usage(c, usage);
        if (c == 'b') {
            opt->keep_bodies = true;
            continue;
        }
        if (c == 'w') {
            *raw_dir = optarg;
            opt->keep_raw = true;
            continue;
        }
        bool zero_ok = c == 'd' || c == 'q' || c == 'm' || c == 'i';
        if (!cli_parse_u64(optarg, 0, 3600000, &v) || (v == 0 && !zero_ok))
            return cli_fail("ph-probe", "--%s %s: not a valid number", options[longindex].name,
                            optarg);
        switch (c) {
        case 's':
            opt->split = (size_t)v;
            break;
        case 'd':
            opt->delay_ms = (unsigned)v;
            delay_set = true;
            break;
        case 'q':
            opt->quiet_ms = (unsigned)v;
            break;
        case 't':
            opt->timeout_ms = (unsigned)v;
            break;
        case 'm':
            opt->max_time_ms = (unsigned)v;
            break;
        case 'r':
            opt->max_responses = (size_t)v;
            break;
        default: /* 'i' */
            opt->max_interim = (size_t)v;
            break;
        }
    }
    if (argc - optind < 2)
        return cli_usage_error(usage);
    if (opt->split > 0 && !delay_set)
        opt->delay_ms = 10;
    return -1;
}

/* Resolution failed: every file gets its "dns" line. */
static int report_dns_error(int argc, char **argv, const struct probe_opts *opt, const char *err)
{
    fprintf(stderr, "ph-probe: %s (dns)\n", err);
    for (int i = optind + 1; i < argc; i++) {
        static struct probe_result res;
        probe_result_init(&res, opt, NULL, 0);
        res.outcome.error = "dns";
        snprintf(res.outcome.message, sizeof(res.outcome.message), "%s", err);
        print_line(argv[i], &res, false);
        probe_result_free(&res);
    }
    return EXIT_ERROR;
}

int main(int argc, char **argv)
{
    struct probe_opts opt = {
        .quiet_ms = 500,
        .timeout_ms = 5000,
        .max_time_ms = PROBE_DEFAULT_MAX_TIME_MS,
        .max_responses = PROBE_DEFAULT_MAX_RESPONSES,
        .max_interim = PROBE_DEFAULT_MAX_INTERIM,
    };
    const char *raw_dir = NULL;
    int rc = parse_options(argc, argv, &opt, &raw_dir);
    if (rc >= 0)
        return rc;
    const char *target = argv[optind];
    struct addrinfo *ai;
    char err[NET_ERR_LEN];
    if (net_tcp_resolve(target, false, &ai, err) != 0)
        return report_dns_error(argc, argv, &opt, err);
    /* the worst status wins: an error over an incomplete over ok */
    rc = EXIT_ALL_OK;
    for (int i = optind + 1; i < argc; i++) {
        int file_rc = probe_file(ai, argv[i], &opt, raw_dir);
        if (file_rc == EXIT_ERROR || (file_rc == EXIT_INCOMPLETE && rc == EXIT_ALL_OK))
            rc = file_rc;
    }
    freeaddrinfo(ai);
    return rc;
}
