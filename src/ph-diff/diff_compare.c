/*
 * Comparing two servers' views of one stream. The quirk table (docs/diff.md) names the
 * differences that are known and harmless (a proxy's own framing fields, header case);
 * the comparison normalizes both sides by the rules of either server, then walks the
 * requests in order and keeps the most severe class it meets.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diff.h"

const char *diff_class_name(enum diff_class c)
{
    switch (c) {
    case DIFF_SAME:
        return "same";
    case DIFF_STATUS_ONLY:
        return "status-only";
    case DIFF_INTERPRETATION:
        return "interpretation";
    case DIFF_ACCEPT_VS_REJECT:
        return "accept-vs-reject";
    case DIFF_BOUNDARY:
        return "boundary";
    }
    return "?";
}

/* ---- the quirk table --------------------------------------------------------------- */

static const struct {
    const char *name;
    enum diff_quirk_rule rule;
    bool needs_arg;
} rule_names[] = {
    {"header-case", QUIRK_HEADER_CASE, false},
    {"drop-header", QUIRK_DROP_HEADER, true},
    {"ignore-version", QUIRK_IGNORE_VERSION, false},
    {"trim-ows", QUIRK_TRIM_OWS, false},
    {"join-duplicates", QUIRK_JOIN_DUPLICATES, false},
    {"reframes-body", QUIRK_REFRAMES_BODY, false},
    {"exclude-status", QUIRK_EXCLUDE_STATUS, true},
    {"unfold", QUIRK_UNFOLD, false},
    {"any-order", QUIRK_ANY_ORDER, false},
};

int diff_quirks_load(const char *path, struct diff_quirks *qs, char *err, size_t errlen)
{
    qs->n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    char line[1024];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        /* rule TAB server TAB argument TAB why */
        char *fields[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p != NULL; i++) {
            fields[i] = p;
            p = i < 3 ? strchr(p, '\t') : NULL;
            if (p != NULL)
                *p++ = '\0';
        }
        size_t k = 0;
        while (k < sizeof(rule_names) / sizeof(rule_names[0]) &&
               (fields[0] == NULL || strcmp(fields[0], rule_names[k].name) != 0))
            k++;
        if (k == sizeof(rule_names) / sizeof(rule_names[0]) || fields[3] == NULL ||
            fields[3][0] == '\0' || qs->n == DIFF_MAX_QUIRKS ||
            (rule_names[k].needs_arg && strcmp(fields[2], "-") == 0)) {
            snprintf(err, errlen,
                     "%s:%u: want `rule<TAB>server<TAB>argument<TAB>why` with a known rule "
                     "and a reason",
                     path, lineno);
            rc = -1;
            break;
        }
        struct diff_quirk *q = &qs->q[qs->n++];
        memset(q, 0, sizeof(*q));
        q->rule = rule_names[k].rule;
        snprintf(q->server, sizeof(q->server), "%s", fields[1]);
        snprintf(q->arg, sizeof(q->arg), "%s", fields[2]);
        if (q->rule == QUIRK_EXCLUDE_STATUS)
            q->status = atoi(q->arg);
    }
    fclose(f);
    return rc;
}

static bool applies(const struct diff_quirk *q, const char *name)
{
    return strcmp(q->server, "*") == 0 || strcmp(q->server, name) == 0;
}

/* The rules in force between two servers: those of either. */
struct norm {
    bool header_case, ignore_version, trim, join, reframes, unfold, any_order;
    const char *drop[DIFF_MAX_QUIRKS];
    size_t ndrop;
};

static void norm_for(const struct diff_quirks *qs, const char *a, const char *b, struct norm *n)
{
    memset(n, 0, sizeof(*n));
    for (size_t i = 0; i < qs->n; i++) {
        const struct diff_quirk *q = &qs->q[i];
        if (!applies(q, a) && !applies(q, b))
            continue;
        switch (q->rule) {
        case QUIRK_HEADER_CASE:
            n->header_case = true;
            break;
        case QUIRK_IGNORE_VERSION:
            n->ignore_version = true;
            break;
        case QUIRK_TRIM_OWS:
            n->trim = true;
            break;
        case QUIRK_JOIN_DUPLICATES:
            n->join = true;
            break;
        case QUIRK_REFRAMES_BODY:
            n->reframes = true;
            break;
        case QUIRK_UNFOLD:
            n->unfold = true;
            break;
        case QUIRK_ANY_ORDER:
            n->any_order = true;
            break;
        case QUIRK_DROP_HEADER:
            n->drop[n->ndrop++] = q->arg;
            break;
        case QUIRK_EXCLUDE_STATUS:
            break;
        }
    }
}

/* Does server `name` answer `status` only for reasons that say nothing about parsing? */
static bool excluded(const struct diff_quirks *qs, const char *name, int status)
{
    for (size_t i = 0; i < qs->n; i++)
        if (qs->q[i].rule == QUIRK_EXCLUDE_STATUS && qs->q[i].status == status &&
            applies(&qs->q[i], name))
            return true;
    return false;
}

static bool slice_ieq(struct ph_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp((const char *)s.ptr, lit, n) == 0;
}

static bool dropped(const struct norm *n, struct ph_slice name)
{
    if (n->reframes && (slice_ieq(name, "content-length") || slice_ieq(name, "transfer-encoding")))
        return true;
    for (size_t i = 0; i < n->ndrop; i++)
        if (slice_ieq(name, n->drop[i]))
            return true;
    return false;
}

static void put_name(struct byte_buf *out, const struct norm *n, struct ph_slice name)
{
    for (size_t i = 0; i < name.len; i++)
        byte_buf_putc(out, (char)(n->header_case ? tolower(name.ptr[i]) : name.ptr[i]));
}

static void put_value(struct byte_buf *out, const struct norm *n, struct ph_slice v)
{
    size_t s = 0, e = v.len;
    if (n->trim) {
        while (s < e && (v.ptr[s] == ' ' || v.ptr[s] == '\t'))
            s++;
        while (e > s && (v.ptr[e - 1] == ' ' || v.ptr[e - 1] == '\t'))
            e--;
    }
    for (size_t i = s; i < e; i++) {
        /* RFC 9112 5.2: obs-fold may be replaced by SP; whitespace around it with it. */
        if (n->unfold && (v.ptr[i] == '\r' || v.ptr[i] == '\n')) {
            while (out->len > 0 &&
                   (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
                out->len--;
            while (i + 1 < e && (v.ptr[i + 1] == '\r' || v.ptr[i + 1] == '\n' ||
                                 v.ptr[i + 1] == ' ' || v.ptr[i + 1] == '\t'))
                i++;
            byte_buf_putc(out, ' ');
            continue;
        }
        byte_buf_putc(out, (char)v.ptr[i]);
    }
}

static bool names_eq(const struct norm *n, struct ph_slice a, struct ph_slice b)
{
    if (a.len != b.len)
        return false;
    return n->header_case ? strncasecmp((const char *)a.ptr, (const char *)b.ptr, a.len) == 0
                          : memcmp(a.ptr, b.ptr, a.len) == 0;
}

/* Sorts the fields of a normalized list (entries end with 0x01): insertion sort of at
 * most 256 entries, compared as bytes. */
static int entry_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c != 0 ? c : (la > lb) - (la < lb);
}

static void sort_fields(struct byte_buf *out)
{
    size_t off[256], len[256], n = 0;
    for (size_t i = 0, start = 0; i < out->len && n < 256; i++)
        if (out->data[i] == 1) {
            off[n] = start, len[n++] = i + 1 - start;
            start = i + 1;
        }
    for (size_t i = 1; i < n; i++)
        for (size_t k = i;
             k > 0 && entry_cmp(out->data + off[k - 1], len[k - 1], out->data + off[k], len[k]) > 0;
             k--) {
            size_t t = off[k];
            off[k] = off[k - 1];
            off[k - 1] = t;
            t = len[k];
            len[k] = len[k - 1];
            len[k - 1] = t;
        }
    static struct byte_buf tmp;
    tmp.len = 0;
    for (size_t i = 0; i < n; i++)
        byte_buf_append(&tmp, out->data + off[i], len[i]);
    if (!tmp.failed && tmp.len == out->len)
        memcpy(out->data, tmp.data, tmp.len);
}

/* The field list of r, normalized, as name 0x00 value 0x01 ... */
static void fields_norm(const struct diff_view *v, const struct diff_request *r,
                        const struct norm *n, struct byte_buf *out)
{
    out->len = 0;
    const struct diff_field *f = v->fields + r->first_field;
    bool used[256] = {false};
    size_t nf = r->nfields < 256 ? r->nfields : 256;
    for (size_t i = 0; i < nf; i++) {
        if (used[i] || dropped(n, f[i].name))
            continue;
        put_name(out, n, f[i].name);
        byte_buf_putc(out, 0);
        put_value(out, n, f[i].value);
        /* RFC 9110 5.3: same-name fields may be combined, in order, with commas. */
        for (size_t k = i + 1; n->join && k < nf; k++) {
            if (used[k] || !names_eq(n, f[i].name, f[k].name))
                continue;
            used[k] = true;
            byte_buf_puts(out, ", ");
            put_value(out, n, f[k].value);
        }
        byte_buf_putc(out, 1);
    }
    if (n->any_order)
        sort_fields(out);
}

static bool slice_eq(struct ph_slice a, struct ph_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Both accepted request i and both echo: the same reading? */
static bool same_reading(const struct norm *n, const struct diff_view *va,
                         const struct diff_request *a, const struct diff_view *vb,
                         const struct diff_request *b)
{
    if (!slice_eq(a->method, b->method) || !slice_eq(a->target, b->target) ||
        !slice_eq(a->body, b->body))
        return false;
    if (!n->ignore_version && !slice_eq(a->version, b->version))
        return false;
    static struct byte_buf fa, fb; /* reused: ph-diff is one thread */
    fields_norm(va, a, n, &fa);
    fields_norm(vb, b, n, &fb);
    return fa.len == fb.len && (fa.len == 0 || memcmp(fa.data, fb.data, fa.len) == 0);
}

static enum diff_class worse(enum diff_class a, enum diff_class b)
{
    return a > b ? a : b;
}

enum diff_class diff_compare(const struct diff_quirks *qs, const char *name_a,
                             const struct diff_view *a, const char *name_b,
                             const struct diff_view *b)
{
    struct norm n;
    norm_for(qs, name_a, name_b, &n);
    enum diff_class c = DIFF_SAME;
    size_t count = a->nreq > b->nreq ? a->nreq : b->nreq;
    for (size_t i = 0; i < count; i++) {
        const struct diff_request *ra = i < a->nreq ? &a->req[i] : NULL;
        const struct diff_request *rb = i < b->nreq ? &b->req[i] : NULL;
        int sa = ra ? ra->status : 0, sb = rb ? rb->status : 0;
        if (excluded(qs, name_a, sa) || excluded(qs, name_b, sb))
            break;
        bool acc_a = sa > 0 && sa<400, acc_b = sb> 0 && sb < 400;
        if (sa == 0 || sb == 0) {
            /* One answered; the other either closed on its own (it refused the rest
             * without a word) or was still waiting for more bytes when we half-closed:
             * it read these bytes as part of an earlier request, or as an unfinished
             * one. Waiting where the other accepted is the boundary signal. */
            bool closed = sa == 0 ? a->silent_close : b->silent_close;
            if (acc_a || acc_b)
                c = worse(c, closed ? DIFF_ACCEPT_VS_REJECT : DIFF_BOUNDARY);
            else
                c = worse(c, closed ? DIFF_STATUS_ONLY : DIFF_ACCEPT_VS_REJECT);
            break;
        }
        if (acc_a != acc_b)
            return worse(c, DIFF_ACCEPT_VS_REJECT);
        if (!acc_a) { /* both rejected: each closes there */
            if (sa != sb)
                c = worse(c, DIFF_STATUS_ONLY);
            break;
        }
        if (ra->echo && rb->echo) {
            if (ra->body.len != rb->body.len)
                return worse(c, DIFF_BOUNDARY); /* the next request starts elsewhere */
            if (!same_reading(&n, a, ra, b, rb))
                c = worse(c, DIFF_INTERPRETATION);
        }
        if (sa != sb)
            c = worse(c, DIFF_STATUS_ONLY);
    }
    return c;
}

enum diff_class diff_partition(const struct diff_quirks *qs, const struct diff_server *servers,
                               const struct diff_view *views, size_t n, int *group)
{
    int reps[DIFF_MAX_SERVERS];
    int ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        group[i] = -1;
        for (int g = 0; g < ngroups && group[i] < 0; g++)
            if (diff_compare(qs, servers[reps[g]].name, &views[reps[g]], servers[i].name,
                             &views[i]) == DIFF_SAME)
                group[i] = g;
        if (group[i] < 0) {
            reps[ngroups] = (int)i;
            group[i] = ngroups++;
        }
    }
    enum diff_class c = DIFF_SAME;
    for (int g = 0; g < ngroups; g++)
        for (int h = g + 1; h < ngroups; h++)
            c = worse(c, diff_compare(qs, servers[reps[g]].name, &views[reps[g]],
                                      servers[reps[h]].name, &views[reps[h]]));
    return c;
}
