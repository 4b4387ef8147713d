/*
 * What the campaign must show: --expect FILE, differences that must be found (a row
 * each: server<TAB>ph-parse verdict<TAB>why), and --must-agree A,B, two servers no kept
 * finding may put apart. Loading them, matching each kept finding, the verdict.
 */
#include <stdio.h>
#include <string.h>

#include "diff.h"

static int server_index(const struct diff_campaign *c, const char *name)
{
    for (size_t i = 0; i < c->nservers; i++)
        if (strcmp(c->servers[i].name, name) == 0)
            return (int)i;
    return -1;
}

int diff_expect_load(struct diff_campaign *c, const char *path)
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

int diff_must_agree_parse(struct diff_campaign *c, const char *spec)
{
    char a[DIFF_NAME_LEN] = "", b[DIFF_NAME_LEN] = "";
    const char *comma = strchr(spec, ',');
    if (comma != NULL) {
        snprintf(a, sizeof(a), "%.*s", (int)(comma - spec), spec);
        snprintf(b, sizeof(b), "%s", comma + 1);
    }
    c->must_a = server_index(c, a);
    c->must_b = server_index(c, b);
    return c->must_a < 0 || c->must_b < 0 ? -1 : 0;
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
        if (at_start && strncmp(p, name, ln) == 0 &&
            (p[ln] == ',' || p[ln] == ' ' || p[ln] == '\0'))
            return g;
    }
    return -1;
}

void diff_expect_match(struct diff_campaign *c, struct diff_finding *f)
{
    /* The expectation row it shows: SERVER apart from ph-parse, which read it as listed,
     * and one of them accepting what the other does not (or reading further). */
    f->expected = -1;
    for (size_t e = 0; e < c->nexpect && f->expected < 0; e++) {
        if (strcmp(f->parse, c->expect[e].parse) == 0 &&
            strcmp(f->server, c->expect[e].server) == 0 &&
            (f->cls == DIFF_BOUNDARY || f->cls == DIFF_ACCEPT_VS_REJECT)) {
            f->expected = (int)e;
            c->expect[e].seen++;
        }
    }
    /* --must-agree A,B: a finding of either against the other (one of them is the
     * reference), or the reproducer's groups put them apart. */
    if (c->must_a >= 0 && ((strcmp(f->server, c->servers[c->must_a].name) == 0 && c->must_b == 0) ||
                           (strcmp(f->server, c->servers[c->must_b].name) == 0 && c->must_a == 0) ||
                           group_of(f->groups, c->servers[c->must_a].name) !=
                               group_of(f->groups, c->servers[c->must_b].name)))
        c->must_failed = true;
}

int diff_expect_verdict(const struct diff_campaign *c)
{
    int rc = 0;
    for (size_t e = 0; e < c->nexpect; e++)
        if (c->expect[e].seen == 0) {
            fprintf(stderr,
                    "ph-diff: expected difference not found: %s apart from ph-parse "
                    "on %s (%s)\n",
                    c->expect[e].server, c->expect[e].parse, c->expect[e].why);
            rc = 1;
        }
    if (c->must_failed) {
        fprintf(stderr, "ph-diff: %s and %s disagree (see the report)\n",
                c->servers[c->must_a].name, c->servers[c->must_b].name);
        rc = 1;
    }
    return rc;
}
