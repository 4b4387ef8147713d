/*
 * The campaign's seeds (corpus/http_request, the conformance cases, and streams that
 * showed a new discrepancy, added as the run goes) and the HTTP dictionary that
 * diff_mutate.c splices in.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util/file_io.h"

int diff_seeds_add(struct diff_seeds *sd, const uint8_t *data, size_t len, const char *origin)
{
    if (len == 0 || len > DIFF_MAX_STREAM)
        return 0;
    if (sd->n == sd->cap) {
        size_t cap = sd->cap ? sd->cap * 2 : 64;
        struct diff_stream *p = realloc(sd->s, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        sd->s = p;
        sd->cap = cap;
    }
    struct diff_stream *s = &sd->s[sd->n++];
    memcpy(s->data, data, len);
    s->len = len;
    s->npieces = 0;
    snprintf(s->origin, sizeof(s->origin), "%s", origin);
    return 1;
}

int diff_seeds_add_dir(struct diff_seeds *sd, const char *dir)
{
    char **names;
    size_t count;
    if (file_list_dir(dir, &names, &count) != 0)
        return -1;
    int added = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t *data;
        size_t len;
        if (file_read_all(names[i], &data, &len) != 0) /* names are dir/name */
            continue;
        const char *base = strrchr(names[i], '/');
        int rc = diff_seeds_add(sd, data, len, base ? base + 1 : names[i]);
        free(data);
        if (rc < 0)
            break;
        added += rc;
    }
    file_list_free(names, count);
    return added;
}

int diff_seeds_load_dict(struct diff_seeds *sd, const char *path)
{
    if (sd->ntokens > 0) /* once: a second load could move the bytes under the slices */
        return -1;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[1024];
    struct {
        size_t off, len;
    } spans[1024];
    size_t n = 0;
    while (n < 1024 && fgets(line, sizeof(line), f) != NULL) {
        char *q = strchr(line, '"');
        if (line[0] == '#' || q == NULL)
            continue;
        size_t off = sd->token_bytes.len;
        /* "..." with \xNN, \\ and \" escapes (the AFL/libFuzzer dictionary format) */
        for (char *p = q + 1; *p != '\0' && *p != '"'; p++) {
            if (*p == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
                isxdigit((unsigned char)p[3])) {
                char hex[3] = {p[2], p[3], 0};
                byte_buf_putc(&sd->token_bytes, (char)strtol(hex, NULL, 16));
                p += 3;
            } else if (*p == '\\' && p[1] != '\0') {
                byte_buf_putc(&sd->token_bytes, p[1]);
                p++;
            } else {
                byte_buf_putc(&sd->token_bytes, *p);
            }
        }
        if (sd->token_bytes.len > off)
            spans[n].off = off, spans[n].len = sd->token_bytes.len - off, n++;
    }
    fclose(f);
    if (sd->token_bytes.failed)
        return -1;
    /* Slices only now: the bytes no longer move. */
    struct ph_slice *t = realloc(sd->tokens, (sd->ntokens + n) * sizeof(*t));
    if (t == NULL && n > 0)
        return -1;
    sd->tokens = t;
    for (size_t i = 0; i < n; i++)
        sd->tokens[sd->ntokens++] =
            (struct ph_slice){sd->token_bytes.data + spans[i].off, spans[i].len};
    return (int)n;
}

void diff_seeds_free(struct diff_seeds *sd)
{
    free(sd->s);
    free(sd->tokens);
    byte_buf_free(&sd->token_bytes);
    memset(sd, 0, sizeof(*sd));
}

int diff_seeds_load(struct diff_seeds *sd, const char *const *dirs, size_t ndirs,
                    char *const *files, size_t nfiles, const char *dict)
{
    for (size_t i = 0; i < ndirs; i++)
        if (diff_seeds_add_dir(sd, dirs[i]) < 0) {
            fprintf(stderr, "ph-diff: --seeds %s: %s\n", dirs[i], strerror(errno));
            return 2;
        }
    for (size_t i = 0; i < nfiles; i++) {
        uint8_t *data;
        size_t len;
        if (file_read_all(files[i], &data, &len) != 0) {
            fprintf(stderr, "ph-diff: %s: %s\n", files[i], strerror(errno));
            return 2;
        }
        diff_seeds_add(sd, data, len, files[i]);
        free(data);
    }
    if (sd->n == 0) {
        fprintf(stderr, "ph-diff: no seeds (--seeds DIR, or files)\n");
        return 64;
    }
    if (dict != NULL && diff_seeds_load_dict(sd, dict) < 0) {
        fprintf(stderr, "ph-diff: --dict %s: cannot read\n", dict);
        return 64;
    }
    return 0;
}
