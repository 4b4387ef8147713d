/*
 * Minimization of the campaign's findings: delta debugging over each reproducer's bytes
 * and segments, a finding's key the property that must hold, every finding's candidates
 * of a step run together in one batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "net/net_loop.h"

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

void diff_minimize_all(struct diff_campaign *c, struct diff_finding **f, size_t n,
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
        struct diff_batch b = {.s = flat, .n = total, .wants = want, .ok = ok};
        if (diff_batch_run(c, &b, &c->confirm_opts) != 0)
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
