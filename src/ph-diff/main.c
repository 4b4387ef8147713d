/*
 * ph-diff: the differential campaign (docs/diff.md). Options and the campaign's steps:
 * every seed as it is, then rounds of mutated streams until the time is up; after each
 * round, each new kind of discrepancy is confirmed with a longer quiet time (timing is
 * not a finding), minimized and kept; at the end, the report.
 */
#include <errno.h>
#include <getopt.h>
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
#include "util/file_io.h"
#include "util/cli_num.h"

#define DIFF_ROUND_MS 2000u        /* fuzzing between two confirm/minimize steps */
#define DIFF_MAX_FINDINGS 512      /* kept; more keys are counted, not kept */
#define DIFF_MAX_CANDIDATES 64     /* new keys confirmed per round */
#define DIFF_MAX_REFUTED 3         /* a key refuted this often is timing: not tried again */
#define DIFF_MIN_BATCH 16          /* candidates of one minimizer's step */
#define DIFF_MIN_TESTS 1500        /* executions per minimization */
#define DIFF_MIN_FLOOR_MS 5000u    /* minimizing gets at least this long, past --time */
#define DIFF_FUZZ_SHARE 60         /* percent of --time for fuzzing; the rest minimizes */

struct candidate {
    char key[320];
    struct diff_stream s;
};

struct refuted {
    char key[320];
    unsigned n;
};

struct campaign {
    struct diff_server servers[DIFF_MAX_SERVERS];
    size_t nservers;
    struct diff_quirks quirks;
    struct diff_seeds seeds;
    struct diff_rng rng;
    struct diff_engine_opts fuzz_opts, confirm_opts;
    /* per-server scratch for evaluating one stream */
    struct diff_view views[DIFF_MAX_SERVERS];
    struct diff_responses resp;
    /* run state */
    uint64_t start_ms, deadline_ms, fuzz_end_ms, round_end_ms, max_streams;
    size_t seed_next, nseeds; /* nseeds: the seeds given; found streams join later */
    bool seeds_only;
    uint64_t streams, seed_streams, refuted_total, dropped;
    uint64_t fuzz_ms;
    struct diff_finding *f;
    size_t nf;
    struct candidate *cand;
    size_t ncand;
    uint64_t ncand_total;
    struct refuted *ref;
    size_t nref;
    struct diff_expect expect[64];
    size_t nexpect;
    int must_a, must_b;
    bool must_failed;
    const char *out_dir;
    struct store_client *store;
    bool replay;
    bool minimize;
    int dead; /* a server that refused a connection during the run, or -1 */
};

/* ---- evaluating one stream ---------------------------------------------------------- */

/* What one stream showed: a key per server that differs from the reference (ph-parse,
 * or the first server without it): "class|server|ph-parse verdict". A finding is one
 * key: one kind of difference between one server and our parser. */
struct eval {
    char keys[DIFF_MAX_SERVERS][320];
    size_t nkeys;
    enum diff_class worst;
    char groups[256]; /* every server, grouped by agreement, for the report */
    char parse[48];
};

static bool eval_has(const struct eval *ev, const char *key)
{
    for (size_t i = 0; i < ev->nkeys; i++)
        if (strcmp(ev->keys[i], key) == 0)
            return true;
    return false;
}

/* Builds every server's view of s from its answers and compares each with the
 * reference's. */
static void evaluate(struct campaign *c, const struct diff_stream *s, const struct diff_raw *raw,
                     struct eval *ev)
{
    bool head[DIFF_MAX_REQUESTS];
    size_t nhead = diff_head_flags(s->data, s->len, head, DIFF_MAX_REQUESTS);
    const struct diff_view *pv = NULL;
    for (size_t i = 0; i < c->nservers; i++) {
        struct diff_server *sv = &c->servers[i];
        if (sv->kind == DIFF_KIND_INPROCESS) {
            diff_view_parse(s->data, s->len, &c->views[i]);
            pv = &c->views[i];
        } else {
            diff_view_from_raw(&raw[i], s->data, s->len, sv->kind == DIFF_KIND_ECHO, head, nhead,
                               &c->resp, &c->views[i]);
        }
        sv->requests += c->views[i].nreq;
    }
    if (pv == NULL)
        snprintf(ev->parse, sizeof(ev->parse), "-");
    else if (pv->parse_error != NULL)
        snprintf(ev->parse, sizeof(ev->parse), "%s", pv->parse_error);
    else /* not the count: one key for a kind of difference, however many requests */
        snprintf(ev->parse, sizeof(ev->parse), "%s",
                 pv->end == DIFF_END_INCOMPLETE ? "incomplete" : "ok");
    ev->nkeys = 0;
    ev->worst = DIFF_SAME;
    /* A server that refuses connections has died (or never ran): no finding is its. */
    for (size_t i = 0; i < c->nservers; i++)
        if (c->servers[i].kind != DIFF_KIND_INPROCESS && raw[i].refused) {
            c->dead = (int)i;
            return;
        }
    for (size_t i = 1; i < c->nservers; i++) {
        enum diff_class cls = diff_compare(&c->quirks, c->servers[0].name, &c->views[0],
                                           c->servers[i].name, &c->views[i]);
        if (cls == DIFF_SAME)
            continue;
        if (cls > ev->worst)
            ev->worst = cls;
        snprintf(ev->keys[ev->nkeys++], sizeof(ev->keys[0]), "%s|%s|%s", diff_class_name(cls),
                 c->servers[i].name, ev->parse);
    }
    ev->groups[0] = '\0';
    if (ev->nkeys == 0)
        return;
    int group[DIFF_MAX_SERVERS];
    diff_partition(&c->quirks, c->servers, c->views, c->nservers, group);
    size_t o = 0, glen = sizeof(ev->groups);
    for (int g = 0; g < (int)c->nservers; g++) {
        bool first = true;
        for (size_t i = 0; i < c->nservers; i++) {
            if (group[i] != g)
                continue;
            o += (size_t)snprintf(ev->groups + o, o < glen ? glen - o : 0, "%s%s",
                                  first ? (g ? " / " : "") : ",", c->servers[i].name);
            first = false;
            if (o >= glen)
                o = glen - 1;
        }
    }
}

/* One line per server: what it did with the stream (for the report). */
static void describe(const struct diff_view *v, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->nreq && o + 1 < len; i++) {
        const struct diff_request *r = &v->req[i];
        if (r->echo)
            o += (size_t)snprintf(out + o, len - o, "%s%d %.*s %.*s, %zu fields, body %zu",
                                  i ? "; " : "", r->status, (int)(r->method.len < 16 ? r->method.len : 16),
                                  (const char *)r->method.ptr,
                                  (int)(r->target.len < 32 ? r->target.len : 32),
                                  (const char *)r->target.ptr, r->nfields, r->body.len);
        else if (r->status == DIFF_STATUS_NOT_HTTP)
            o += (size_t)snprintf(out + o, len - o, "%snot an HTTP response", i ? "; " : "");
        else
            o += (size_t)snprintf(out + o, len - o, "%s%d", i ? "; " : "", r->status);
    }
    if (o + 1 < len) {
        static const char *const ends[] = {"closed", "left open", "reset", "refused",
                                           "incomplete"};
        snprintf(out + o, len - o, "%s%s%s", v->nreq ? "; " : "", ends[v->end],
                 v->silent_close ? " on its own" : "");
    }
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '|' || (unsigned char)*p >= 0x7f)
            *p = '?';
}

/* ---- batches: run a list of streams, each against every server ------------------------ */

struct batch {
    struct campaign *c;
    struct diff_stream *s;
    size_t n, next;
    char (*wants)[320]; /* a key stream i should show */
    bool *ok;           /* ok[i]: stream i showed it */
    struct diff_finding **describe; /* fill describe[i]->what from stream i */
};

static bool batch_next(void *arg, struct diff_stream *out, void **tag)
{
    struct batch *b = arg;
    if (b->next == b->n)
        return false;
    *out = b->s[b->next];
    *tag = (void *)(uintptr_t)b->next++;
    return true;
}

static void batch_done(void *arg, void *tag, const struct diff_stream *s,
                       const struct diff_raw *raw)
{
    struct batch *b = arg;
    size_t i = (uintptr_t)tag;
    static struct eval ev;
    evaluate(b->c, s, raw, &ev);
    if (b->ok != NULL)
        b->ok[i] = eval_has(&ev, b->wants[i]);
    if (b->describe != NULL) {
        struct diff_finding *f = b->describe[i];
        for (size_t k = 0; k < b->c->nservers; k++)
            describe(&b->c->views[k], f->what[k], sizeof(f->what[k]));
        snprintf(f->groups, sizeof(f->groups), "%s", ev.nkeys ? ev.groups : "(all agree now)");
    }
}

static int run_batch(struct campaign *c, struct batch *b, const struct diff_engine_opts *o)
{
    char err[NET_ERR_LEN];
    b->c = c;
    b->next = 0;
    if (diff_engine_run(c->servers, c->nservers, o, batch_next, batch_done, b, err,
                        sizeof(err)) != 0) {
        fprintf(stderr, "ph-diff: %s\n", err);
        return -1;
    }
    return 0;
}

/* ---- minimization -------------------------------------------------------------------- */

/* s without bytes [off, off+n): segment sizes shrink with it (empty ones go). */
static void remove_range(struct diff_stream *s, size_t off, size_t n)
{
    memmove(s->data + off, s->data + off + n, s->len - off - n);
    s->len -= n;
    size_t start = 0, k = 0;
    for (size_t i = 0; i < s->npieces; i++) {
        size_t p = s->pieces[i], a = start, e = start + p;
        size_t lo = off > a ? off : a, hi = off + n < e ? off + n : e;
        size_t cut = hi > lo ? hi - lo : 0;
        start = e;
        if (p - cut > 0)
            s->pieces[k++] = p - cut;
    }
    s->npieces = k;
    if (s->npieces == 1)
        s->npieces = 0;
}

/* Delta debugging, every finding of a round at once and each step's candidates in
 * parallel: a minimizer removes chunks of the current size at a moving position, one
 * candidate per chunk; it takes all removals that keep the key together (or the first,
 * when together they do not), and halves the chunk after a sweep with none. */
enum min_phase { MIN_SEGMENTS, MIN_CHUNKS, MIN_TOGETHER, MIN_DONE };

struct minimizer {
    struct diff_finding *f; /* f->min is the current stream */
    enum min_phase phase;
    size_t chunk, pos;
    size_t offs[DIFF_MIN_BATCH], n; /* this step's removals (MIN_CHUNKS) */
    bool ok[DIFF_MIN_BATCH];
    struct diff_stream together;
    size_t first;
};

static size_t chunk_len(const struct diff_stream *s, size_t off, size_t chunk)
{
    return off + chunk <= s->len ? chunk : s->len - off;
}

/* This step's candidates of m into out[]; returns how many. */
static size_t min_candidates(struct minimizer *m, struct diff_stream *out)
{
    struct diff_stream *cur = &m->f->min;
    if (m->phase == MIN_SEGMENTS) {
        if (cur->npieces == 0) {
            m->phase = MIN_CHUNKS;
        } else {
            out[0] = *cur;
            out[0].npieces = 0;
            return 1;
        }
    }
    if (m->phase == MIN_TOGETHER) {
        out[0] = m->together;
        return 1;
    }
    if (m->phase != MIN_CHUNKS || cur->len <= 1)
        return 0;
    m->n = 0;
    for (size_t off = m->pos; off < cur->len && m->n < DIFF_MIN_BATCH; off += m->chunk) {
        out[m->n] = *cur;
        remove_range(&out[m->n], off, chunk_len(cur, off, m->chunk));
        m->offs[m->n++] = off;
    }
    return m->n;
}

/* Takes the results of this step's candidates. */
static void min_results(struct minimizer *m, const bool *ok)
{
    struct diff_stream *cur = &m->f->min;
    if (m->phase == MIN_SEGMENTS) {
        if (ok[0])
            cur->npieces = 0;
        m->phase = MIN_CHUNKS;
        return;
    }
    if (m->phase == MIN_TOGETHER) {
        struct diff_stream first = *cur;
        remove_range(&first, m->offs[m->first], chunk_len(cur, m->offs[m->first], m->chunk));
        *cur = ok[0] ? m->together : first;
        m->pos = m->offs[m->first];
        m->phase = MIN_CHUNKS;
    } else {
        size_t good = 0;
        m->first = m->n;
        for (size_t i = 0; i < m->n; i++) {
            m->ok[i] = ok[i];
            if (ok[i] && good++ == 0)
                m->first = i;
        }
        if (good == 0) {
            m->pos = m->n ? m->offs[m->n - 1] + m->chunk : cur->len;
            if (m->pos < cur->len)
                return;
            if (m->chunk == 1) {
                m->phase = MIN_DONE;
                return;
            }
            m->chunk /= 2;
            m->pos = 0;
            return;
        }
        if (good > 1) { /* every good removal together, from the back */
            m->together = *cur;
            for (size_t i = m->n; i-- > 0;)
                if (m->ok[i])
                    remove_range(&m->together, m->offs[i],
                                 chunk_len(&m->together, m->offs[i], m->chunk));
            m->phase = MIN_TOGETHER;
            return;
        }
        remove_range(cur, m->offs[m->first], chunk_len(cur, m->offs[m->first], m->chunk));
        m->pos = m->offs[m->first];
    }
    if (m->pos >= cur->len)
        m->pos = 0;
    if (m->chunk > cur->len / 2 && cur->len > 1)
        m->chunk = cur->len / 2;
}

#define DIFF_MIN_FLAT 2048 /* candidates of all minimizers in one step */

/* Minimizes every f[i] (its key must hold on f[i]->min) until each is done, or
 * DIFF_MIN_TESTS executions each, or the deadline. */
static void minimize_all(struct campaign *c, struct diff_finding **f, size_t n,
                         uint64_t deadline)
{
    struct minimizer *m = calloc(n, sizeof(*m));
    struct diff_stream *flat = malloc(DIFF_MIN_FLAT * sizeof(*flat));
    bool *ok = calloc(DIFF_MIN_FLAT, sizeof(*ok));
    char(*want)[320] = calloc(DIFF_MIN_FLAT, sizeof(*want));
    size_t *owner = calloc(DIFF_MIN_FLAT, sizeof(*owner));
    if (m == NULL || flat == NULL || ok == NULL || want == NULL || owner == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        m[i].f = f[i];
        m[i].chunk = f[i]->min.len / 2 ? f[i]->min.len / 2 : 1;
    }
    /* Each step makes progress on every active minimizer or retires it. */
    while (net_now_ms() < deadline) {
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            if (m[i].phase == MIN_DONE || m[i].f->min_tests >= DIFF_MIN_TESTS ||
                total + DIFF_MIN_BATCH > DIFF_MIN_FLAT)
                continue;
            size_t k = min_candidates(&m[i], flat + total);
            if (k == 0)
                m[i].phase = MIN_DONE;
            for (size_t j = 0; j < k; j++) {
                owner[total + j] = i;
                snprintf(want[total + j], sizeof(want[0]), "%s", m[i].f->key);
            }
            m[i].f->min_tests += (unsigned)k;
            total += k;
        }
        if (total == 0)
            break;
        struct batch b = {.s = flat, .n = total, .wants = want, .ok = ok};
        if (run_batch(c, &b, &c->confirm_opts) != 0)
            break;
        for (size_t t = 0; t < total;) {
            size_t i = owner[t], k = 1;
            while (t + k < total && owner[t + k] == i)
                k++;
            min_results(&m[i], ok + t);
            t += k;
        }
    }
out:
    free(m), free(flat), free(ok), free(want), free(owner);
}

/* ---- keeping findings ---------------------------------------------------------------- */

static struct diff_finding *find(struct campaign *c, const char *key)
{
    for (size_t i = 0; i < c->nf; i++)
        if (strcmp(c->f[i].key, key) == 0)
            return &c->f[i];
    return NULL;
}

static struct refuted *find_refuted(struct campaign *c, const char *key)
{
    for (size_t i = 0; i < c->nref; i++)
        if (strcmp(c->ref[i].key, key) == 0)
            return &c->ref[i];
    return NULL;
}

static bool is_candidate(struct campaign *c, const char *key)
{
    for (size_t i = 0; i < c->ncand; i++)
        if (strcmp(c->cand[i].key, key) == 0)
            return true;
    return false;
}

static int server_index(const struct campaign *c, const char *name)
{
    for (size_t i = 0; i < c->nservers; i++)
        if (strcmp(c->servers[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

/* The group number of server `name` in a groups string ("a,b / c"), or -1. */
static int group_of(const char *groups, const char *name)
{
    size_t ln = strlen(name);
    int g = 0;
    for (const char *p = groups; *p; p++) {
        if (*p == '/')
            g++;
        bool at_start = p == groups || p[-1] == ',' || p[-1] == ' ';
        if (at_start && strncmp(p, name, ln) == 0 && (p[ln] == ',' || p[ln] == ' ' || p[ln] == '\0'))
            return g;
    }
    return -1;
}

/* A confirmed, minimized finding: its class and groups from the key, the expectation
 * it shows, the must-agree check, its reproducer file and its copy in the store. */
static void keep(struct campaign *c, struct diff_finding *f)
{
    const char *bar1 = strchr(f->key, '|'), *bar2 = strrchr(f->key, '|');
    for (int k = DIFF_SAME; k <= DIFF_BOUNDARY; k++)
        if (strncmp(f->key, diff_class_name((enum diff_class)k), (size_t)(bar1 - f->key)) == 0 &&
            strlen(diff_class_name((enum diff_class)k)) == (size_t)(bar1 - f->key))
            f->cls = (enum diff_class)k;
    snprintf(f->server, sizeof(f->server), "%.*s", (int)(bar2 - bar1 - 1), bar1 + 1);
    snprintf(f->parse, sizeof(f->parse), "%s", bar2 + 1);
    /* The expectation row it shows: SERVER apart from ph-parse, which read it as listed,
     * and one of them accepting what the other does not (or reading further). */
    f->expected = -1;
    for (size_t e = 0; e < c->nexpect && f->expected < 0; e++) {
        if (strcmp(f->parse, c->expect[e].parse) == 0 && strcmp(f->server, c->expect[e].server) == 0 &&
            (f->cls == DIFF_BOUNDARY || f->cls == DIFF_ACCEPT_VS_REJECT)) {
            f->expected = (int)e;
            c->expect[e].seen++;
        }
    }
    /* --must-agree A,B: a finding of either against the other (one of them is the
     * reference), or the reproducer's groups put them apart. */
    if (c->must_a >= 0 &&
        ((strcmp(f->server, c->servers[c->must_a].name) == 0 && c->must_b == 0) ||
         (strcmp(f->server, c->servers[c->must_b].name) == 0 && c->must_a == 0) ||
         group_of(f->groups, c->servers[c->must_a].name) !=
             group_of(f->groups, c->servers[c->must_b].name)))
        c->must_failed = true;
    snprintf(f->file, sizeof(f->file), "findings/%s-%03zu", diff_class_name(f->cls),
             (size_t)(f - c->f) + 1);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", c->out_dir, f->file);
    if (write_file(path, f->min.data, f->min.len) != 0)
        fprintf(stderr, "ph-diff: %s: %s\n", path, strerror(errno));
    /* Into the store as an http_request case: it seeds the in-process targets. */
    if (c->store != NULL &&
        !store_client_send_nowait(c->store, "http_request", STORE_KIND_QUEUE, f->min.data,
                                  f->min.len))
        c->dropped++;
    fprintf(stderr, "ph-diff: %6.1fs  %-16s %-12s [%s]  %zu -> %zu bytes  (%s)\n", f->first_s,
            diff_class_name(f->cls), f->server, f->parse, f->orig_len, f->min.len, f->groups);
}

/* After a round: confirm every candidate at once with the longer quiet time; the ones
 * that show their key again become findings (minimized at the end), the others are
 * noted (a key refuted DIFF_MAX_REFUTED times is not tried again). */
static void settle(struct campaign *c)
{
    if (c->ncand == 0)
        return;
    struct diff_stream *s = malloc(c->ncand * sizeof(*s));
    char(*keys)[320] = calloc(c->ncand, sizeof(*keys));
    bool *ok = calloc(c->ncand, sizeof(*ok));
    if (s == NULL || keys == NULL || ok == NULL)
        goto out;
    for (size_t i = 0; i < c->ncand; i++) {
        s[i] = c->cand[i].s;
        snprintf(keys[i], sizeof(keys[i]), "%s", c->cand[i].key);
    }
    struct batch b = {.s = s, .n = c->ncand, .wants = keys, .ok = ok};
    run_batch(c, &b, &c->confirm_opts);
    for (size_t i = 0; i < c->ncand; i++) {
        struct candidate *cand = &c->cand[i];
        if (ok[i] && find(c, cand->key) == NULL &&
            c->nf < DIFF_MAX_FINDINGS) {
            struct diff_finding *f = &c->f[c->nf++];
            memset(f, 0, sizeof(*f));
            snprintf(f->key, sizeof(f->key), "%s", cand->key);
            f->orig_len = cand->s.len;
            f->min = cand->s;
            f->hits = 1;
            f->first_s = (double)(net_now_ms() - c->start_ms) / 1000.0;
            continue;
        }
        c->refuted_total++;
        struct refuted *r = find_refuted(c, cand->key);
        if (r == NULL && c->nref < DIFF_MAX_FINDINGS * 4) {
            r = &c->ref[c->nref++];
            snprintf(r->key, sizeof(r->key), "%s", cand->key);
            r->n = 0;
        }
        if (r != NULL)
            r->n++;
    }
out:
    c->ncand = 0;
    free(s), free(keys), free(ok);
}

/* ---- the fuzzing rounds ---------------------------------------------------------------- */

static bool fuzz_next(void *arg, struct diff_stream *out, void **tag)
{
    struct campaign *c = arg;
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

static void fuzz_done(void *arg, void *tag, const struct diff_stream *s,
                      const struct diff_raw *raw)
{
    struct campaign *c = arg;
    static struct eval ev;
    (void)tag;
    evaluate(c, s, raw, &ev);
    if (c->replay) {
        printf("%s\t%s\t%s\t%s\n", s->origin, diff_class_name(ev.worst),
               ev.nkeys ? ev.groups : "(all agree)", ev.parse);
        for (size_t i = 0; i < c->nservers; i++) {
            char what[400];
            describe(&c->views[i], what, sizeof(what));
            printf("\t%-12s %s\n", c->servers[i].name, what);
        }
        return;
    }
    bool fresh = false;
    for (size_t k = 0; k < ev.nkeys; k++) {
        const char *key = ev.keys[k];
        struct diff_finding *f = find(c, key);
        if (f != NULL) {
            f->hits++;
            continue;
        }
        struct refuted *r = find_refuted(c, key);
        if ((r != NULL && r->n >= DIFF_MAX_REFUTED) || is_candidate(c, key) ||
            c->ncand == DIFF_MAX_CANDIDATES)
            continue;
        struct candidate *cand = &c->cand[c->ncand++];
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
static void finish(struct campaign *c)
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
    uint64_t end = c->deadline_ms > now + DIFF_MIN_FLOOR_MS ? c->deadline_ms : now + DIFF_MIN_FLOOR_MS;
    if (c->minimize && c->nf > 0) {
        fprintf(stderr, "ph-diff: minimizing %zu findings for at most %.0f s\n", c->nf,
                (double)(end - now) / 1000.0);
        minimize_all(c, all, c->nf, end);
    }
    for (size_t i = 0; i < c->nf; i++)
        s[i] = c->f[i].min;
    struct batch d = {.s = s, .n = c->nf, .describe = all};
    run_batch(c, &d, &c->confirm_opts);
    for (size_t i = 0; i < c->nf; i++)
        keep(c, &c->f[i]);
    free(all), free(s);
}

static int campaign_run(struct campaign *c)
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
        if (diff_engine_run(c->servers, c->nservers, &c->fuzz_opts, fuzz_next, fuzz_done, c,
                            err, sizeof(err)) != 0) {
            fprintf(stderr, "ph-diff: %s\n", err);
            return -1;
        }
        c->fuzz_ms += net_now_ms() - t0;
        settle(c);
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
        fprintf(stderr, "ph-diff: server %s at %s refuses connections: it died (see its log); "
                        "stopping\n", c->servers[c->dead].name, c->servers[c->dead].addr);
        return -1;
    }
    if (!c->replay)
        finish(c);
    return 0;
}

/* ---- options ------------------------------------------------------------------------- */

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

static int add_server(struct campaign *c, const char *spec, enum diff_kind kind)
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

static int load_expect(struct campaign *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[512];
    while (c->nexpect < 64 && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        struct diff_expect *e = &c->expect[c->nexpect];
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (t1 == NULL || t2 == NULL) {
            fclose(f);
            return -1;
        }
        *t1 = *t2 = '\0';
        /* longer names are cut (and then match no server) */
        snprintf(e->server, sizeof(e->server), "%.*s", (int)sizeof(e->server) - 1, line);
        snprintf(e->parse, sizeof(e->parse), "%.*s", (int)sizeof(e->parse) - 1, t1 + 1);
        snprintf(e->why, sizeof(e->why), "%.*s", (int)sizeof(e->why) - 1, t2 + 1);
        e->seen = 0;
        c->nexpect++;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    static struct campaign c;
    c.fuzz_opts = (struct diff_engine_opts){.inflight = 64, .quiet_ms = 40, .close_ms = 1000,
                                            .gap_ms = 1, .connect_ms = 3000};
    c.must_a = c.must_b = -1;
    c.minimize = true;
    c.dead = -1;
    c.out_dir = "build/diff";
    c.max_streams = UINT64_MAX;
    const char *quirks = "tests/diff/quirks.tsv", *dict = NULL, *expect = NULL, *store = NULL;
    const char *must = NULL;
    const char *seed_dirs[16];
    size_t nseed_dirs = 0;
    uint64_t seconds = 60, v, seed = 1, confirm_quiet = 150;
    bool parse = true;
    enum {
        O_ECHO = 256, O_SERVER, O_NO_PARSE, O_SEEDS, O_DICT, O_QUIRKS, O_EXPECT, O_MUST, O_OUT,
        O_TIME, O_MAX, O_SEEDS_ONLY, O_REPLAY, O_INFLIGHT, O_QUIET, O_CQUIET, O_CLOSE, O_GAP,
        O_SEED, O_STORE, O_NO_MIN,
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
    /* ph-parse first: the reference every group is named against. */
    int opt, li = 0;
    struct { const char *spec; enum diff_kind kind; } specs[DIFF_MAX_SERVERS];
    size_t nspecs = 0;
    while ((opt = getopt_long(argc, argv, "h", options, &li)) != -1) {
        int bad = 0;
        switch (opt) {
        case O_ECHO:
        case O_SERVER:
            if (nspecs == DIFF_MAX_SERVERS - 1) {
                bad = 1;
                break;
            }
            specs[nspecs].spec = optarg;
            specs[nspecs++].kind = opt == O_ECHO ? DIFF_KIND_ECHO : DIFF_KIND_VERDICT;
            break;
        case O_NO_PARSE: parse = false; break;
        case O_SEEDS:
            bad = nseed_dirs == 16;
            if (!bad)
                seed_dirs[nseed_dirs++] = optarg;
            break;
        case O_DICT: dict = optarg; break;
        case O_QUIRKS: quirks = optarg; break;
        case O_EXPECT: expect = optarg; break;
        case O_MUST: must = optarg; break;
        case O_OUT: c.out_dir = optarg; break;
        case O_TIME: bad = !cli_parse_u64(optarg, 0, 7 * 86400, &seconds); break;
        case O_MAX:
            bad = !cli_parse_u64(optarg, 0, UINT64_MAX, &v);
            c.max_streams = v;
            break;
        case O_SEEDS_ONLY: c.seeds_only = true; break;
        case O_REPLAY: c.replay = c.seeds_only = true; break;
        case O_INFLIGHT:
            bad = !cli_parse_u64(optarg, 0, 512, &v) || v == 0;
            c.fuzz_opts.inflight = (unsigned)v;
            break;
        case O_QUIET:
            bad = !cli_parse_u64(optarg, 0, 60000, &v) || v == 0;
            c.fuzz_opts.quiet_ms = (unsigned)v;
            break;
        case O_CQUIET: bad = !cli_parse_u64(optarg, 1, 60000, &confirm_quiet); break;
        case O_CLOSE:
            bad = !cli_parse_u64(optarg, 0, 60000, &v) || v == 0;
            c.fuzz_opts.close_ms = (unsigned)v;
            break;
        case O_GAP:
            bad = !cli_parse_u64(optarg, 0, 1000, &v);
            c.fuzz_opts.gap_ms = (unsigned)v;
            break;
        case O_SEED: bad = !cli_parse_u64(optarg, 0, UINT64_MAX, &seed); break;
        case O_STORE: store = optarg; break;
        case O_NO_MIN: c.minimize = false; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 64;
        }
        if (bad) {
            fprintf(stderr, "ph-diff: --%s %s: not valid (see --help)\n", options[li].name,
                    optarg ? optarg : "");
            return 64;
        }
    }
    if (nspecs == 0 && !parse) {
        usage(stderr);
        return 64;
    }
    if (parse)
        add_server(&c, "ph-parse", DIFF_KIND_INPROCESS);
    for (size_t i = 0; i < nspecs; i++)
        if (add_server(&c, specs[i].spec, specs[i].kind) != 0)
            return 2;
    c.rng.s = seed;
    c.confirm_opts = c.fuzz_opts;
    c.confirm_opts.quiet_ms = (unsigned)confirm_quiet;
    c.confirm_opts.inflight = 256;
    char err[NET_ERR_LEN];
    if (diff_quirks_load(quirks, &c.quirks, err, sizeof(err)) != 0) {
        fprintf(stderr, "ph-diff: %s\n", err);
        return 64;
    }
    if (expect != NULL && load_expect(&c, expect) != 0) {
        fprintf(stderr, "ph-diff: %s: cannot read (want server<TAB>ph-parse verdict<TAB>why)\n",
                expect);
        return 64;
    }
    if (must != NULL) {
        char a[DIFF_NAME_LEN] = "", b[DIFF_NAME_LEN] = "";
        const char *comma = strchr(must, ',');
        if (comma != NULL) {
            snprintf(a, sizeof(a), "%.*s", (int)(comma - must), must);
            snprintf(b, sizeof(b), "%s", comma + 1);
        }
        c.must_a = server_index(&c, a);
        c.must_b = server_index(&c, b);
        if (c.must_a < 0 || c.must_b < 0) {
            fprintf(stderr, "ph-diff: --must-agree %s: want two server names\n", must);
            return 64;
        }
    }
    /* seeds: directories, or with --replay the files themselves */
    for (size_t i = 0; i < nseed_dirs; i++)
        if (diff_seeds_add_dir(&c.seeds, seed_dirs[i]) < 0) {
            fprintf(stderr, "ph-diff: --seeds %s: %s\n", seed_dirs[i], strerror(errno));
            return 2;
        }
    for (int i = optind; i < argc; i++) {
        uint8_t *data;
        size_t len;
        if (file_read_all(argv[i], &data, &len) != 0) {
            fprintf(stderr, "ph-diff: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        diff_seeds_add(&c.seeds, data, len, argv[i]);
        free(data);
    }
    c.nseeds = c.seeds.n;
    if (c.seeds.n == 0) {
        fprintf(stderr, "ph-diff: no seeds (--seeds DIR, or files)\n");
        return 64;
    }
    if (dict != NULL && diff_seeds_load_dict(&c.seeds, dict) < 0) {
        fprintf(stderr, "ph-diff: --dict %s: cannot read\n", dict);
        return 64;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/findings", c.out_dir);
    if (!c.replay && ((mkdir(c.out_dir, 0755) != 0 && errno != EEXIST) ||
                      (mkdir(path, 0755) != 0 && errno != EEXIST))) {
        fprintf(stderr, "ph-diff: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (store != NULL) {
        c.store = store_client_connect(store, getuid(), true, DIFF_MAX_STREAM, err);
        if (c.store == NULL) {
            fprintf(stderr, "ph-diff: --store %s: %s\n", store, err);
            return 2;
        }
    }
    c.f = calloc(DIFF_MAX_FINDINGS, sizeof(*c.f));
    c.cand = calloc(DIFF_MAX_CANDIDATES, sizeof(*c.cand));
    c.ref = calloc(DIFF_MAX_FINDINGS * 4, sizeof(*c.ref));
    if (c.f == NULL || c.cand == NULL || c.ref == NULL) {
        fprintf(stderr, "ph-diff: out of memory\n");
        return 2;
    }
    if (c.replay)
        c.fuzz_opts.quiet_ms = (unsigned)confirm_quiet;
    /* Every server must accept a connection before a campaign starts: a dead one would
     * be a finding on every stream. */
    for (size_t i = 0; i < c.nservers; i++) {
        if (c.servers[i].kind == DIFF_KIND_INPROCESS)
            continue;
        int fd = net_tcp_connect_addr(c.servers[i].ai, 3000, err);
        if (fd < 0) {
            fprintf(stderr, "ph-diff: server %s at %s: %s\n", c.servers[i].name,
                    c.servers[i].addr, err);
            return 2;
        }
        close(fd);
    }
    c.deadline_ms = net_now_ms() + seconds * 1000;
    if (campaign_run(&c) != 0)
        return 2;
    int rc = 0;
    if (!c.replay) {
        char cmd[1024];
        size_t o = 0;
        for (int i = 0; i < argc && o < sizeof(cmd); i++)
            o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s%s", i ? " " : "", argv[i]);
        uint64_t now = net_now_ms();
        struct diff_summary sum = {
            .servers = c.servers, .nservers = c.nservers, .f = c.f, .nf = c.nf,
            .expect = c.expect, .nexpect = c.nexpect,
            .must_a = c.must_a >= 0 ? c.servers[c.must_a].name : NULL,
            .must_b = c.must_b >= 0 ? c.servers[c.must_b].name : NULL,
            .must_failed = c.must_failed, .streams = c.streams, .seed_streams = c.seed_streams,
            .candidates = c.ncand_total, .refuted = c.refuted_total, .dropped = c.dropped,
            .fuzz_s = (double)c.fuzz_ms / 1000.0, .total_s = (double)(now - c.start_ms) / 1000.0,
            .command = cmd, .quirks_path = quirks,
        };
        if (diff_report_write(c.out_dir, &sum) != 0) {
            fprintf(stderr, "ph-diff: %s/report.md: %s\n", c.out_dir, strerror(errno));
            rc = 2;
        }
        fprintf(stderr,
                "ph-diff: %llu mutated + %llu seed streams in %.1f s (%.0f streams/s through "
                "%zu servers while fuzzing), %zu findings: %s/report.md\n",
                (unsigned long long)c.streams, (unsigned long long)c.seed_streams, sum.total_s,
                c.fuzz_ms ? 1000.0 * (double)(c.streams + c.seed_streams) / (double)c.fuzz_ms : 0.0,
                c.nservers, c.nf, c.out_dir);
        for (size_t e = 0; e < c.nexpect; e++)
            if (c.expect[e].seen == 0) {
                fprintf(stderr, "ph-diff: expected difference not found: %s apart from ph-parse "
                                "on %s (%s)\n",
                        c.expect[e].server, c.expect[e].parse, c.expect[e].why);
                rc = rc ? rc : 1;
            }
        if (c.must_failed) {
            fprintf(stderr, "ph-diff: %s and %s disagree (see the report)\n",
                    c.servers[c.must_a].name, c.servers[c.must_b].name);
            rc = rc ? rc : 1;
        }
    }
    if (c.store != NULL)
        store_client_close(c.store);
    for (size_t i = 0; i < c.nservers; i++) {
        diff_view_free(&c.views[i]);
        if (c.servers[i].ai != NULL)
            freeaddrinfo(c.servers[i].ai);
    }
    byte_buf_free(&c.resp.bodies);
    diff_seeds_free(&c.seeds);
    free(c.f), free(c.cand), free(c.ref);
    return rc;
}
