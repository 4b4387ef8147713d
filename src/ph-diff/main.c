/*
 * ph-diff: the differential campaign (docs/diff.md). This file is its options and the
 * wiring: servers, quirks, expectations, seeds, then diff_campaign.c runs it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "net/net_loop.h"
#include "net/net_tcp.h"
#include "util/cli_num.h"
#include "util/cli_usage.h"

static void usage(FILE *out)
{
    fputs("usage: ph-diff [options] (--server|--echo-server) [NAME=]HOST:PORT ...\n"
          "\n"
          "Differential fuzzing of live HTTP servers (docs/diff.md): the same request streams\n"
          "go to every server; what each understood is compared after the quirk table;\n"
          "discrepancies are classed (boundary, accept-vs-reject, interpretation,\n"
          "status-only), confirmed, minimized and written to OUT/report.md, report.json and\n"
          "OUT/findings/. ci/diff.sh starts the usual servers and runs this.\n"
          "\n"
          "  --echo-server [NAME=]HOST:PORT  a server that speaks the echo contract\n"
          "  --server [NAME=]HOST:PORT       a server whose statuses alone are compared\n"
          "  --no-parse            leave out ph-parse (our core, in this process)\n"
          "  --seeds DIR           seed streams, each file one connection's bytes (repeatable)\n"
          "  --dict FILE           tokens for mutations (AFL/libFuzzer format)\n"
          "  --quirks FILE         the quirk table (default tests/diff/quirks.tsv)\n"
          "  --expect FILE         expected differences: exit 1 when one is not found\n"
          "  --must-agree A,B      exit 1 when a kept finding puts A and B apart\n"
          "  --out DIR             output folder (default build/diff)\n"
          "  --time S              fuzz for S seconds (default 60)\n"
          "  --max-streams N       at most N mutated streams\n"
          "  --seeds-only          run every seed once, no mutation\n"
          "  --replay FILE...      run these files once each and print what every server did\n"
          "  --inflight N          streams in flight (default 64)\n"
          "  --quiet MS            silence before the half-close while fuzzing (default 40)\n"
          "  --confirm-quiet MS    the same when confirming and minimizing (default 150)\n"
          "  --close-timeout MS    wait for a server's close after the half-close (default 1000)\n"
          "  --gap MS              between the TCP segments of a stream (default 1)\n"
          "  --seed N              random seed (default 1)\n"
          "  --store SOCKET        mirror each reproducer into ph-store as an http_request case\n"
          "  --no-minimize         keep reproducers as found (confirmed, not minimized)\n"
          "\n"
          "Exit status: 0 done (findings are not failures), 1 an --expect row missing or\n"
          "--must-agree broken, 2 a server unreachable or an I/O error, 64 usage.\n",
          out);
}

static int add_server(struct diff_campaign *c, const char *spec, enum diff_kind kind)
{
    if (c->nservers == DIFF_MAX_SERVERS)
        return -1;
    struct diff_server *sv = &c->servers[c->nservers];
    memset(sv, 0, sizeof(*sv));
    const char *eq = strchr(spec, '=');
    const char *addr = eq ? eq + 1 : spec;
    snprintf(sv->name, sizeof(sv->name), "%.*s", eq ? (int)(eq - spec) : (int)strlen(spec), spec);
    snprintf(sv->addr, sizeof(sv->addr), "%s", addr);
    sv->kind = kind;
    if (kind != DIFF_KIND_INPROCESS) {
        char err[NET_ERR_LEN];
        if (net_tcp_resolve(addr, false, &sv->ai, err) != 0) {
            fprintf(stderr, "ph-diff: %s: %s\n", spec, err);
            return -1;
        }
    }
    c->nservers++;
    return 0;
}

/* What the options name, beyond the campaign's own settings. */
struct args {
    const char *quirks, *dict, *expect, *store, *must;
    const char *seed_dirs[16];
    size_t nseed_dirs;
    uint64_t seconds, seed, confirm_quiet;
    bool parse;
    struct {
        const char *spec;
        enum diff_kind kind;
    } specs[DIFF_MAX_SERVERS];
    size_t nspecs;
};

/* Options into c's settings and *a. Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct diff_campaign *c, struct args *a)
{
    c->fuzz_opts = (struct diff_engine_opts){
        .inflight = 64, .quiet_ms = 40, .close_ms = 1000, .gap_ms = 1, .connect_ms = 3000};
    c->must_a = c->must_b = -1;
    c->minimize = true;
    c->dead = -1;
    c->out_dir = "build/diff";
    c->max_streams = UINT64_MAX;
    *a = (struct args){.quirks = "tests/diff/quirks.tsv",
                       .seconds = 60,
                       .seed = 1,
                       .confirm_quiet = 150,
                       .parse = true};
    uint64_t v;
    enum {
        O_ECHO = 256,
        O_SERVER,
        O_NO_PARSE,
        O_SEEDS,
        O_DICT,
        O_QUIRKS,
        O_EXPECT,
        O_MUST,
        O_OUT,
        O_TIME,
        O_MAX,
        O_SEEDS_ONLY,
        O_REPLAY,
        O_INFLIGHT,
        O_QUIET,
        O_CQUIET,
        O_CLOSE,
        O_GAP,
        O_SEED,
        O_STORE,
        O_NO_MIN,
    };
    static const struct option options[] = {
        {"echo-server", required_argument, NULL, O_ECHO},
        {"server", required_argument, NULL, O_SERVER},
        {"no-parse", no_argument, NULL, O_NO_PARSE},
        {"seeds", required_argument, NULL, O_SEEDS},
        {"dict", required_argument, NULL, O_DICT},
        {"quirks", required_argument, NULL, O_QUIRKS},
        {"expect", required_argument, NULL, O_EXPECT},
        {"must-agree", required_argument, NULL, O_MUST},
        {"out", required_argument, NULL, O_OUT},
        {"time", required_argument, NULL, O_TIME},
        {"max-streams", required_argument, NULL, O_MAX},
        {"seeds-only", no_argument, NULL, O_SEEDS_ONLY},
        {"replay", no_argument, NULL, O_REPLAY},
        {"inflight", required_argument, NULL, O_INFLIGHT},
        {"quiet", required_argument, NULL, O_QUIET},
        {"confirm-quiet", required_argument, NULL, O_CQUIET},
        {"close-timeout", required_argument, NULL, O_CLOSE},
        {"gap", required_argument, NULL, O_GAP},
        {"seed", required_argument, NULL, O_SEED},
        {"store", required_argument, NULL, O_STORE},
        {"no-minimize", no_argument, NULL, O_NO_MIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt, li = 0;
    while ((opt = getopt_long(argc, argv, "h", options, &li)) != -1) {
        int bad = 0;
        switch (opt) {
        case O_ECHO:
        case O_SERVER:
            if (a->nspecs == DIFF_MAX_SERVERS - 1) {
                bad = 1;
                break;
            }
            a->specs[a->nspecs].spec = optarg;
            a->specs[a->nspecs++].kind = opt == O_ECHO ? DIFF_KIND_ECHO : DIFF_KIND_VERDICT;
            break;
        case O_NO_PARSE:
            a->parse = false;
            break;
        case O_SEEDS:
            bad = a->nseed_dirs == 16;
            if (!bad)
                a->seed_dirs[a->nseed_dirs++] = optarg;
            break;
        case O_DICT:
            a->dict = optarg;
            break;
        case O_QUIRKS:
            a->quirks = optarg;
            break;
        case O_EXPECT:
            a->expect = optarg;
            break;
        case O_MUST:
            a->must = optarg;
            break;
        case O_OUT:
            c->out_dir = optarg;
            break;
        case O_TIME:
            bad = !cli_parse_u64(optarg, 0, 7 * 86400, &a->seconds);
            break;
        case O_MAX:
            bad = !cli_parse_u64(optarg, 0, UINT64_MAX, &v);
            c->max_streams = v;
            break;
        case O_SEEDS_ONLY:
            c->seeds_only = true;
            break;
        case O_REPLAY:
            c->replay = c->seeds_only = true;
            break;
        case O_INFLIGHT:
            bad = !cli_parse_u64(optarg, 0, 512, &v) || v == 0;
            c->fuzz_opts.inflight = (unsigned)v;
            break;
        case O_QUIET:
            bad = !cli_parse_u64(optarg, 0, 60000, &v) || v == 0;
            c->fuzz_opts.quiet_ms = (unsigned)v;
            break;
        case O_CQUIET:
            bad = !cli_parse_u64(optarg, 1, 60000, &a->confirm_quiet);
            break;
        case O_CLOSE:
            bad = !cli_parse_u64(optarg, 0, 60000, &v) || v == 0;
            c->fuzz_opts.close_ms = (unsigned)v;
            break;
        case O_GAP:
            bad = !cli_parse_u64(optarg, 0, 1000, &v);
            c->fuzz_opts.gap_ms = (unsigned)v;
            break;
        case O_SEED:
            bad = !cli_parse_u64(optarg, 0, UINT64_MAX, &a->seed);
            break;
        case O_STORE:
            a->store = optarg;
            break;
        case O_NO_MIN:
            c->minimize = false;
            break;
        default:
            return cli_help_or_usage(opt, usage);
        }
        if (bad)
            return cli_fail("ph-diff", "--%s %s: not valid", options[li].name,
                            optarg ? optarg : "");
    }
    return -1;
}

int main(int argc, char **argv)
{
    static struct diff_campaign c;
    struct args a;
    int rc = parse_args(argc, argv, &c, &a);
    if (rc >= 0)
        return rc;
    if (a.nspecs == 0 && !a.parse)
        return cli_usage_error(usage);
    /* ph-parse first: the reference every group is named against. */
    if (a.parse)
        add_server(&c, "ph-parse", DIFF_KIND_INPROCESS);
    for (size_t i = 0; i < a.nspecs; i++)
        if (add_server(&c, a.specs[i].spec, a.specs[i].kind) != 0)
            return 2;
    c.rng.s = a.seed;
    c.confirm_opts = c.fuzz_opts;
    c.confirm_opts.quiet_ms = (unsigned)a.confirm_quiet;
    c.confirm_opts.inflight = 256;
    if (c.replay)
        c.fuzz_opts.quiet_ms = (unsigned)a.confirm_quiet;
    char err[NET_ERR_LEN];
    if (diff_quirks_load(a.quirks, &c.quirks, err, sizeof(err)) != 0) {
        fprintf(stderr, "ph-diff: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    if (a.expect != NULL && diff_expect_load(&c, a.expect) != 0) {
        fprintf(stderr, "ph-diff: %s: cannot read (want server<TAB>ph-parse verdict<TAB>why)\n",
                a.expect);
        return CLI_EXIT_USAGE;
    }
    if (a.must != NULL && diff_must_agree_parse(&c, a.must) != 0) {
        fprintf(stderr, "ph-diff: --must-agree %s: want two server names\n", a.must);
        return CLI_EXIT_USAGE;
    }
    /* seeds: directories, or with --replay the files themselves */
    rc = diff_seeds_load(&c.seeds, a.seed_dirs, a.nseed_dirs, argv + optind,
                         (size_t)(argc - optind), a.dict);
    if (rc != 0)
        return rc;
    c.nseeds = c.seeds.n;
    rc = diff_campaign_open(&c, a.store);
    if (rc != 0)
        return rc;
    c.deadline_ms = net_now_ms() + a.seconds * 1000;
    if (diff_campaign_run(&c) != 0)
        return 2;
    rc = c.replay ? 0 : diff_campaign_summary(&c, argc, argv, a.quirks);
    diff_campaign_free(&c);
    return rc;
}
