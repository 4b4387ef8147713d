/*
 * The differential campaign (docs/diff.md): every seed as it is, then rounds of mutated
 * streams until the time is up, with progress on stderr; after each round, each new kind
 * of discrepancy is confirmed with a longer quiet time (timing is not a finding); at the
 * end every finding is minimized and kept, and the summary written.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "net/net_loop.h"
#include "net/net_tcp.h"
#include "store_client/store_client.h"

int diff_campaign_open(struct diff_campaign *c, const char *store_path)
{
    char err[NET_ERR_LEN];
    char path[4096];
    snprintf(path, sizeof(path), "%s/findings", c->out_dir);
    if (!c->replay && ((mkdir(c->out_dir, 0755) != 0 && errno != EEXIST) ||
                       (mkdir(path, 0755) != 0 && errno != EEXIST))) {
        fprintf(stderr, "ph-diff: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (store_path != NULL) {
        c->store = store_client_connect(store_path, getuid(), true, DIFF_MAX_STREAM, err);
        if (c->store == NULL) {
            fprintf(stderr, "ph-diff: --store %s: %s\n", store_path, err);
            return 2;
        }
    }
    c->f = calloc(DIFF_MAX_FINDINGS, sizeof(*c->f));
    c->cand = calloc(DIFF_MAX_CANDIDATES, sizeof(*c->cand));
    c->ref = calloc(DIFF_MAX_FINDINGS * 4, sizeof(*c->ref));
    if (c->f == NULL || c->cand == NULL || c->ref == NULL) {
        fprintf(stderr, "ph-diff: out of memory\n");
        return 2;
    }
    /* Every server must accept a connection before a campaign starts: a dead one would
     * be a finding on every stream. */
    for (size_t i = 0; i < c->nservers; i++) {
        if (c->servers[i].kind == DIFF_KIND_INPROCESS)
            continue;
        int fd = net_tcp_connect_addr(c->servers[i].ai, 3000, err);
        if (fd < 0) {
            fprintf(stderr, "ph-diff: server %s at %s: %s\n", c->servers[i].name,
                    c->servers[i].addr, err);
            return 2;
        }
        close(fd);
    }
    return 0;
}

/* ---- the fuzzing rounds ---------------------------------------------------------------- */

static bool fuzz_next(void *arg, struct diff_stream *out, void **tag)
{
    struct diff_campaign *c = arg;
    uint64_t now = net_now_ms();
    (void)tag;
    if (c->seed_next < c->nseeds) { /* every seed once, as it is, first */
        *out = c->seeds.s[c->seed_next++];
        c->seed_streams++;
        return true;
    }
    if (c->seeds_only || now >= c->round_end_ms || now >= c->fuzz_end_ms ||
        c->streams >= c->max_streams)
        return false;
    diff_mutate(&c->seeds, &c->rng, out);
    c->streams++;
    return true;
}

static void fuzz_done(void *arg, void *tag, const struct diff_stream *s, const struct diff_raw *raw)
{
    struct diff_campaign *c = arg;
    static struct diff_eval ev;
    (void)tag;
    diff_evaluate(c, s, raw, &ev);
    if (c->replay) {
        printf("%s\t%s\t%s\t%s\n", s->origin, diff_class_name(ev.worst),
               ev.nkeys ? ev.groups : "(all agree)", ev.parse);
        for (size_t i = 0; i < c->nservers; i++) {
            char what[400];
            diff_describe(&c->views[i], what, sizeof(what));
            printf("\t%-12s %s\n", c->servers[i].name, what);
        }
        return;
    }
    bool fresh = false;
    for (size_t k = 0; k < ev.nkeys; k++) {
        const char *key = ev.keys[k];
        struct diff_finding *f = diff_finding_find(c, key);
        if (f != NULL) {
            f->hits++;
            continue;
        }
        struct diff_refuted *r = diff_refuted_find(c, key);
        if ((r != NULL && r->n >= DIFF_MAX_REFUTED) || diff_is_candidate(c, key) ||
            c->ncand == DIFF_MAX_CANDIDATES)
            continue;
        struct diff_candidate *cand = &c->cand[c->ncand++];
        snprintf(cand->key, sizeof(cand->key), "%s", key);
        cand->s = *s;
        c->ncand_total++;
        fresh = true;
    }
    /* A new discrepancy is worth more mutation: it joins the seeds (bounded). */
    if (fresh && c->seeds.n < 4096)
        diff_seeds_add(&c->seeds, s->data, s->len, "found");
}

/* The end of a run: minimize every finding at once in the time left (at least
 * DIFF_MIN_FLOOR_MS), then see what each server does with each reproducer and keep it. */
static void finish(struct diff_campaign *c)
{
    struct diff_finding **all = calloc(c->nf ? c->nf : 1, sizeof(*all));
    struct diff_stream *s = malloc((c->nf ? c->nf : 1) * sizeof(*s));
    if (all == NULL || s == NULL) {
        free(all), free(s);
        return;
    }
    for (size_t i = 0; i < c->nf; i++)
        all[i] = &c->f[i];
    uint64_t now = net_now_ms();
    uint64_t end =
        c->deadline_ms > now + DIFF_MIN_FLOOR_MS ? c->deadline_ms : now + DIFF_MIN_FLOOR_MS;
    if (c->minimize && c->nf > 0) {
        fprintf(stderr, "ph-diff: minimizing %zu findings for at most %.0f s\n", c->nf,
                (double)(end - now) / 1000.0);
        diff_minimize_all(c, all, c->nf, end);
    }
    for (size_t i = 0; i < c->nf; i++)
        s[i] = c->f[i].min;
    struct diff_batch d = {.s = s, .n = c->nf, .describe = all};
    diff_batch_run(c, &d, &c->confirm_opts);
    for (size_t i = 0; i < c->nf; i++)
        diff_keep(c, &c->f[i]);
    free(all), free(s);
}

int diff_campaign_run(struct diff_campaign *c)
{
    char err[NET_ERR_LEN];
    c->start_ms = net_now_ms();
    uint64_t fuzz_start = c->start_ms;
    /* Fuzzing gets DIFF_FUZZ_SHARE of the time, minimizing the rest. */
    uint64_t total = c->deadline_ms - c->start_ms;
    c->fuzz_end_ms = c->start_ms + (c->minimize ? total * DIFF_FUZZ_SHARE / 100 : total);
    for (;;) {
        uint64_t now = net_now_ms();
        c->round_end_ms = now + DIFF_ROUND_MS;
        uint64_t t0 = now;
        if (diff_engine_run(c->servers, c->nservers, &c->fuzz_opts, fuzz_next, fuzz_done, c, err,
                            sizeof(err)) != 0) {
            fprintf(stderr, "ph-diff: %s\n", err);
            return -1;
        }
        c->fuzz_ms += net_now_ms() - t0;
        diff_confirm(c);
        now = net_now_ms();
        if (c->seeds_only || c->replay || now >= c->fuzz_end_ms || c->streams >= c->max_streams ||
            c->dead >= 0)
            break;
        if (now - fuzz_start > 0 && c->streams > 0)
            fprintf(stderr, "ph-diff: %5.0fs  %llu streams, %.0f/s while fuzzing, %zu findings\n",
                    (double)(now - c->start_ms) / 1000.0, (unsigned long long)c->streams,
                    c->fuzz_ms ? 1000.0 * (double)c->streams / (double)c->fuzz_ms : 0.0, c->nf);
    }
    if (c->dead >= 0) {
        fprintf(stderr,
                "ph-diff: server %s at %s refuses connections: it died (see its log); "
                "stopping\n",
                c->servers[c->dead].name, c->servers[c->dead].addr);
        return -1;
    }
    if (!c->replay)
        finish(c);
    return 0;
}

/* ---- the summary ----------------------------------------------------------------------- */

int diff_campaign_summary(struct diff_campaign *c, int argc, char **argv, const char *quirks_path)
{
    int rc = 0;
    char cmd[1024];
    size_t o = 0;
    for (int i = 0; i < argc && o < sizeof(cmd); i++)
        o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s%s", i ? " " : "", argv[i]);
    uint64_t now = net_now_ms();
    struct diff_summary sum = {
        .servers = c->servers,
        .nservers = c->nservers,
        .f = c->f,
        .nf = c->nf,
        .expect = c->expect,
        .nexpect = c->nexpect,
        .must_a = c->must_a >= 0 ? c->servers[c->must_a].name : NULL,
        .must_b = c->must_b >= 0 ? c->servers[c->must_b].name : NULL,
        .must_failed = c->must_failed,
        .streams = c->streams,
        .seed_streams = c->seed_streams,
        .candidates = c->ncand_total,
        .refuted = c->refuted_total,
        .dropped = c->dropped,
        .fuzz_s = (double)c->fuzz_ms / 1000.0,
        .total_s = (double)(now - c->start_ms) / 1000.0,
        .command = cmd,
        .quirks_path = quirks_path,
    };
    if (diff_report_write(c->out_dir, &sum) != 0) {
        fprintf(stderr, "ph-diff: %s/report.md: %s\n", c->out_dir, strerror(errno));
        rc = 2;
    }
    fprintf(stderr,
            "ph-diff: %llu mutated + %llu seed streams in %.1f s (%.0f streams/s through "
            "%zu servers while fuzzing), %zu findings: %s/report.md\n",
            (unsigned long long)c->streams, (unsigned long long)c->seed_streams, sum.total_s,
            c->fuzz_ms ? 1000.0 * (double)(c->streams + c->seed_streams) / (double)c->fuzz_ms : 0.0,
            c->nservers, c->nf, c->out_dir);
    int verdict = diff_expect_verdict(c);
    return rc ? rc : verdict;
}

void diff_campaign_free(struct diff_campaign *c)
{
    if (c->store != NULL)
        store_client_close(c->store);
    for (size_t i = 0; i < c->nservers; i++) {
        diff_view_free(&c->views[i]);
        if (c->servers[i].ai != NULL)
            freeaddrinfo(c->servers[i].ai);
    }
    byte_buf_free(&c->resp.bodies);
    diff_seeds_free(&c->seeds);
    free(c->f), free(c->cand), free(c->ref);
}
