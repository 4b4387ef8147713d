/*
 * The campaign's findings: a new key seen while fuzzing is a candidate; after the round
 * every candidate is run again with the longer quiet time, and the ones that show their
 * key again become findings (timing is not a finding). A kept finding gets its class,
 * its reproducer under OUT/findings/ and a copy in ph-store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "net/net_loop.h"
#include "store_client/store_client.h"
#include "util/file_io.h"

struct diff_finding *diff_finding_find(struct diff_campaign *c, const char *key)
{
    for (size_t i = 0; i < c->nf; i++)
        if (strcmp(c->f[i].key, key) == 0)
            return &c->f[i];
    return NULL;
}

struct diff_refuted *diff_refuted_find(struct diff_campaign *c, const char *key)
{
    for (size_t i = 0; i < c->nref; i++)
        if (strcmp(c->ref[i].key, key) == 0)
            return &c->ref[i];
    return NULL;
}

bool diff_is_candidate(struct diff_campaign *c, const char *key)
{
    for (size_t i = 0; i < c->ncand; i++)
        if (strcmp(c->cand[i].key, key) == 0)
            return true;
    return false;
}

/* A confirmed, minimized finding: its class and groups from the key, the expectation
 * it shows, the must-agree check, its reproducer file and its copy in the store. */
void diff_keep(struct diff_campaign *c, struct diff_finding *f)
{
    const char *bar1 = strchr(f->key, '|'), *bar2 = strrchr(f->key, '|');
    for (int k = DIFF_SAME; k <= DIFF_BOUNDARY; k++)
        if (strncmp(f->key, diff_class_name((enum diff_class)k), (size_t)(bar1 - f->key)) == 0 &&
            strlen(diff_class_name((enum diff_class)k)) == (size_t)(bar1 - f->key))
            f->cls = (enum diff_class)k;
    snprintf(f->server, sizeof(f->server), "%.*s", (int)(bar2 - bar1 - 1), bar1 + 1);
    snprintf(f->parse, sizeof(f->parse), "%s", bar2 + 1);
    diff_expect_match(c, f);
    snprintf(f->file, sizeof(f->file), "findings/%s-%03zu", diff_class_name(f->cls),
             (size_t)(f - c->f) + 1);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", c->out_dir, f->file);
    if (file_write_all(path, f->min.data, f->min.len) != 0)
        fprintf(stderr, "ph-diff: %s: %s\n", path, strerror(errno));
    /* Into the store as an http_request case: it seeds the in-process targets. */
    if (c->store != NULL && !store_client_send_nowait(c->store, "http_request", STORE_KIND_QUEUE,
                                                      f->min.data, f->min.len))
        c->dropped++;
    fprintf(stderr, "ph-diff: %6.1fs  %-16s %-12s [%s]  %zu -> %zu bytes  (%s)\n", f->first_s,
            diff_class_name(f->cls), f->server, f->parse, f->orig_len, f->min.len, f->groups);
}

/* After a round: confirm every candidate at once with the longer quiet time; the ones
 * that show their key again become findings (minimized at the end), the others are
 * noted (a key refuted DIFF_MAX_REFUTED times is not tried again). */
void diff_confirm(struct diff_campaign *c)
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
    struct diff_batch b = {.s = s, .n = c->ncand, .wants = keys, .ok = ok};
    diff_batch_run(c, &b, &c->confirm_opts);
    for (size_t i = 0; i < c->ncand; i++) {
        struct diff_candidate *cand = &c->cand[i];
        if (ok[i] && diff_finding_find(c, cand->key) == NULL && c->nf < DIFF_MAX_FINDINGS) {
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
        struct diff_refuted *r = diff_refuted_find(c, cand->key);
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
