/*
 * What one stream showed: every server's view of it, compared with the reference's, as
 * keys (class|server|ph-parse verdict) and groups of servers that agree; and batches,
 * lists of streams run against every server and evaluated (confirmation, minimization,
 * the final description of each reproducer).
 */
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "net/net_tcp.h"

static bool eval_has(const struct diff_eval *ev, const char *key)
{
    for (size_t i = 0; i < ev->nkeys; i++)
        if (strcmp(ev->keys[i], key) == 0)
            return true;
    return false;
}

void diff_evaluate(struct diff_campaign *c, const struct diff_stream *s, const struct diff_raw *raw,
                   struct diff_eval *ev)
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

void diff_describe(const struct diff_view *v, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->nreq && o + 1 < len; i++) {
        const struct diff_request *r = &v->req[i];
        if (r->echo)
            o += (size_t)snprintf(
                out + o, len - o, "%s%d %.*s %.*s, %zu fields, body %zu", i ? "; " : "", r->status,
                (int)(r->method.len < 16 ? r->method.len : 16), (const char *)r->method.ptr,
                (int)(r->target.len < 32 ? r->target.len : 32), (const char *)r->target.ptr,
                r->nfields, r->body.len);
        else if (r->status == DIFF_STATUS_NOT_HTTP)
            o += (size_t)snprintf(out + o, len - o, "%snot an HTTP response", i ? "; " : "");
        else
            o += (size_t)snprintf(out + o, len - o, "%s%d", i ? "; " : "", r->status);
    }
    if (o + 1 < len) {
        static const char *const ends[] = {"closed", "left open", "reset", "refused", "incomplete"};
        snprintf(out + o, len - o, "%s%s%s", v->nreq ? "; " : "", ends[v->end],
                 v->silent_close ? " on its own" : "");
    }
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '|' || (unsigned char)*p >= 0x7f)
            *p = '?';
}

/* ---- batches: run a list of streams, each against every server ------------------------ */

static bool batch_next(void *arg, struct diff_stream *out, void **tag)
{
    struct diff_batch *b = arg;
    if (b->next == b->n)
        return false;
    *out = b->s[b->next];
    *tag = (void *)(uintptr_t)b->next++;
    return true;
}

static void batch_done(void *arg, void *tag, const struct diff_stream *s,
                       const struct diff_raw *raw)
{
    struct diff_batch *b = arg;
    size_t i = (uintptr_t)tag;
    static struct diff_eval ev;
    diff_evaluate(b->c, s, raw, &ev);
    if (b->ok != NULL)
        b->ok[i] = eval_has(&ev, b->wants[i]);
    if (b->describe != NULL) {
        struct diff_finding *f = b->describe[i];
        for (size_t k = 0; k < b->c->nservers; k++)
            diff_describe(&b->c->views[k], f->what[k], sizeof(f->what[k]));
        snprintf(f->groups, sizeof(f->groups), "%s", ev.nkeys ? ev.groups : "(all agree now)");
    }
}

int diff_batch_run(struct diff_campaign *c, struct diff_batch *b, const struct diff_engine_opts *o)
{
    char err[NET_ERR_LEN];
    b->c = c;
    b->next = 0;
    if (diff_engine_run(c->servers, c->nservers, o, batch_next, batch_done, b, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "ph-diff: %s\n", err);
        return -1;
    }
    return 0;
}
