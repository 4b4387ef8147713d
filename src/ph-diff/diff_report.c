/*
 * The campaign's report: OUT/report.md for a person, OUT/report.json for scripts (the
 * ctest reads it), one row per finding (a key: class, groups of servers that agree,
 * what ph-parse made of it), its reproducer under OUT/findings/, and what each server
 * did with the reproducer.
 */
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "util/byte_buf.h"
#include "util/file_io.h"
#include "util/http_json.h"

static int write_buf(const char *dir, const char *name, const struct byte_buf *b)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return b->failed ? -1 : file_write_all(path, b->data, b->len);
}

static void str(struct byte_buf *b, const char *s)
{
    json_buf_bytes(b, (const uint8_t *)s, strlen(s));
}

/* The reproducer's bytes for a table cell: printable ASCII, ␍ ␊ for CR LF, \xNN else. */
static void cell_bytes(struct byte_buf *b, const uint8_t *p, size_t len, size_t max)
{
    byte_buf_putc(b, '`');
    for (size_t i = 0; i < len && i < max; i++) {
        uint8_t c = p[i];
        if (c == '\r')
            byte_buf_puts(b, "\xe2\x90\x8d");
        else if (c == '\n')
            byte_buf_puts(b, "\xe2\x90\x8a");
        else if (c == '`' || c == '|' || c == '\\' || c < 0x20 || c >= 0x7f)
            byte_buf_printf(b, "\\x%02x", c);
        else
            byte_buf_putc(b, (char)c);
    }
    if (len > max)
        byte_buf_puts(b, "…");
    byte_buf_putc(b, '`');
}

static void report_json(struct byte_buf *b, const struct diff_summary *s)
{
    byte_buf_puts(b, "{\"command\":");
    str(b, s->command);
    byte_buf_printf(b,
                    ",\"streams\":%llu,\"seed_streams\":%llu,\"fuzz_seconds\":%.1f,"
                    "\"total_seconds\":%.1f,\"streams_per_second\":%.1f,",
                    (unsigned long long)s->streams, (unsigned long long)s->seed_streams, s->fuzz_s,
                    s->total_s,
                    s->fuzz_s > 0 ? (double)(s->streams + s->seed_streams) / s->fuzz_s : 0.0);
    byte_buf_printf(b, "\"candidates\":%llu,\"refuted\":%llu,\"store_dropped\":%llu,",
                    (unsigned long long)s->candidates, (unsigned long long)s->refuted,
                    (unsigned long long)s->dropped);
    byte_buf_puts(b, "\"servers\":[");
    for (size_t i = 0; i < s->nservers; i++) {
        const struct diff_server *sv = &s->servers[i];
        static const char *const kinds[] = {"echo", "verdict", "in-process"};
        byte_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        str(b, sv->name);
        byte_buf_puts(b, ",\"address\":");
        str(b, sv->addr);
        byte_buf_printf(b,
                        ",\"kind\":\"%s\",\"connections\":%llu,\"requests\":%llu,"
                        "\"errors\":%llu,\"mean_connection_ms\":%.1f,\"finished_last\":%llu}",
                        kinds[sv->kind], (unsigned long long)sv->conns,
                        (unsigned long long)sv->requests, (unsigned long long)sv->errors,
                        sv->conns ? (double)sv->busy_ms / (double)sv->conns : 0.0,
                        (unsigned long long)sv->last_done);
    }
    byte_buf_puts(b, "],\"expected\":[");
    for (size_t i = 0; i < s->nexpect; i++) {
        byte_buf_puts(b, i ? ",{\"server\":" : "{\"server\":");
        str(b, s->expect[i].server);
        byte_buf_puts(b, ",\"ph_parse\":");
        str(b, s->expect[i].parse);
        byte_buf_puts(b, ",\"why\":");
        str(b, s->expect[i].why);
        byte_buf_printf(b, ",\"findings\":%llu}", (unsigned long long)s->expect[i].seen);
    }
    byte_buf_puts(b, "],");
    if (s->must_a != NULL) {
        byte_buf_puts(b, "\"must_agree\":[");
        str(b, s->must_a);
        byte_buf_putc(b, ',');
        str(b, s->must_b);
        byte_buf_printf(b, "],\"must_agree_held\":%s,", s->must_failed ? "false" : "true");
    }
    byte_buf_puts(b, "\"findings\":[");
    for (size_t i = 0; i < s->nf; i++) {
        const struct diff_finding *f = &s->f[i];
        byte_buf_printf(b, "%s{\"class\":\"%s\",\"server\":", i ? "," : "",
                        diff_class_name(f->cls));
        str(b, f->server);
        byte_buf_puts(b, ",\"groups\":");
        str(b, f->groups);
        byte_buf_puts(b, ",\"ph_parse\":");
        str(b, f->parse);
        byte_buf_puts(b, ",\"file\":");
        str(b, f->file);
        byte_buf_puts(b, ",\"bytes\":");
        json_buf_bytes(b, f->min.data, f->min.len);
        byte_buf_puts(b, ",\"segments\":[");
        for (size_t k = 0; k < f->min.npieces; k++)
            byte_buf_printf(b, "%s%zu", k ? "," : "", f->min.pieces[k]);
        byte_buf_printf(b,
                        "],\"original_length\":%zu,\"minimize_runs\":%u,\"hits\":%llu,"
                        "\"first_seen_s\":%.1f,\"expected\":",
                        f->orig_len, f->min_tests, (unsigned long long)f->hits, f->first_s);
        if (f->expected >= 0)
            byte_buf_printf(b, "%d", f->expected);
        else
            byte_buf_puts(b, "null");
        byte_buf_puts(b, ",\"servers\":{");
        for (size_t k = 0; k < s->nservers; k++) {
            byte_buf_puts(b, k ? "," : "");
            str(b, s->servers[k].name);
            byte_buf_putc(b, ':');
            str(b, f->what[k]);
        }
        byte_buf_puts(b, "}}");
    }
    byte_buf_puts(b, "]}\n");
}

static void report_md(struct byte_buf *b, const struct diff_summary *s)
{
    static const enum diff_class order[] = {DIFF_BOUNDARY, DIFF_ACCEPT_VS_REJECT,
                                            DIFF_INTERPRETATION, DIFF_STATUS_ONLY};
    byte_buf_puts(b, "# ph-diff report\n\n");
    byte_buf_printf(b, "`%s`\n\n", s->command);
    byte_buf_printf(b,
                    "%llu mutated and %llu seed streams in %.1f s; %.0f streams/s through "
                    "every server while fuzzing (%.1f s). %llu new discrepancies were "
                    "candidates, %llu of them not seen again with the longer quiet time "
                    "(timing, not findings). Quirk table: `%s`.\n\n",
                    (unsigned long long)s->streams, (unsigned long long)s->seed_streams, s->total_s,
                    s->fuzz_s > 0 ? (double)(s->streams + s->seed_streams) / s->fuzz_s : 0.0,
                    s->fuzz_s, (unsigned long long)s->candidates, (unsigned long long)s->refuted,
                    s->quirks_path);
    byte_buf_puts(
        b, "| server | address | kind | connections | requests answered | errors | "
           "mean connection ms | finished a stream last |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < s->nservers; i++) {
        const struct diff_server *sv = &s->servers[i];
        static const char *const kinds[] = {"echo", "verdict", "in-process"};
        byte_buf_printf(b, "| %s | %s | %s | %llu | %llu | %llu | %.1f | %llu |\n", sv->name,
                        sv->addr[0] ? sv->addr : "-", kinds[sv->kind],
                        (unsigned long long)sv->conns, (unsigned long long)sv->requests,
                        (unsigned long long)sv->errors,
                        sv->conns ? (double)sv->busy_ms / (double)sv->conns : 0.0,
                        (unsigned long long)sv->last_done);
    }
    byte_buf_puts(b, "\n## Findings by class\n\n| class | findings |\n|---|---|\n");
    for (size_t k = 0; k < 4; k++) {
        size_t n = 0;
        for (size_t i = 0; i < s->nf; i++)
            n += s->f[i].cls == order[k];
        byte_buf_printf(b, "| %s | %zu |\n", diff_class_name(order[k]), n);
    }
    if (s->nexpect > 0) {
        byte_buf_puts(b, "\n## Expected differences\n\n| server apart from ph-parse | ph-parse | "
                         "why | findings |\n|---|---|---|---|\n");
        for (size_t i = 0; i < s->nexpect; i++)
            byte_buf_printf(b, "| %s | %s | %s | %llu%s |\n", s->expect[i].server,
                            s->expect[i].parse, s->expect[i].why,
                            (unsigned long long)s->expect[i].seen,
                            s->expect[i].seen ? "" : " **missing**");
    }
    if (s->must_a != NULL)
        byte_buf_printf(b, "\n%s and %s %s.\n", s->must_a, s->must_b,
                        s->must_failed ? "**disagree** on a kept finding"
                                       : "agree on every kept finding");
    for (size_t k = 0; k < 4; k++) {
        byte_buf_printf(b, "\n## %s\n\n", diff_class_name(order[k]));
        byte_buf_puts(b, "| server | ph-parse | reproducer | bytes | hits | all servers on it "
                         "(agree within, differ between) | what each server did |\n"
                         "|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < s->nf; i++) {
            const struct diff_finding *f = &s->f[i];
            if (f->cls != order[k])
                continue;
            byte_buf_printf(b, "| %s | %s | [%s](%s)%s | ", f->server, f->parse, f->file, f->file,
                            f->min.npieces ? " (segmented)" : "");
            cell_bytes(b, f->min.data, f->min.len, 120);
            byte_buf_printf(b, " | %llu | %s | ", (unsigned long long)f->hits, f->groups);
            for (size_t v = 0; v < s->nservers; v++)
                byte_buf_printf(b, "%s**%s**: %s", v ? "<br>" : "", s->servers[v].name, f->what[v]);
            byte_buf_puts(b, " |\n");
        }
    }
}

int diff_report_write(const char *out_dir, const struct diff_summary *sum)
{
    struct byte_buf md = {0}, js = {0};
    report_md(&md, sum);
    report_json(&js, sum);
    int rc = write_buf(out_dir, "report.md", &md) | write_buf(out_dir, "report.json", &js);
    byte_buf_free(&md);
    byte_buf_free(&js);
    return rc;
}
