/*
 * ph-probe's JSON line (docs/httpd.md): one object per file, every response with its
 * status, reason, fields, body length and timing, written through the shared JSON helpers.
 */
#include <string.h>

#include "probe.h"
#include "util/http_json.h"

static void rec_json(struct byte_buf *b, const struct probe_reader *r, const struct probe_rec *rec,
                     bool bodies)
{
    static struct http_response res; /* 4 KiB: off the stack */
    /* the head was accepted with these options when it arrived: it parses again */
    http_parse_response(r->heads.data + rec->head_off, rec->head_len, &rec->parse_opt, &res);
    byte_buf_printf(b, "{\"status\":%d,\"reason\":", res.status);
    json_buf_bytes(b, res.reason.ptr, res.reason.len);
    byte_buf_puts(b, ",\"headers\":[");
    for (size_t h = 0; h < res.num_headers; h++) {
        byte_buf_puts(b, h ? ",[" : "[");
        json_buf_bytes(b, res.headers[h].name.ptr, res.headers[h].name.len);
        byte_buf_putc(b, ',');
        json_buf_bytes(b, res.headers[h].value.ptr, res.headers[h].value.len);
        byte_buf_putc(b, ']');
    }
    byte_buf_printf(b,
                    "],\"body_length\":%llu,\"complete\":%s,\"after_half_close\":%s,"
                    "\"time_ms\":%llu",
                    (unsigned long long)rec->body_len, rec->complete ? "true" : "false",
                    rec->after_half_close ? "true" : "false", (unsigned long long)rec->time_ms);
    if (bodies) {
        byte_buf_puts(b, ",\"body_base64\":");
        json_buf_base64(b, r->bodies.data + rec->body_off, (size_t)rec->body_len);
    }
    byte_buf_putc(b, '}');
}

void probe_json(struct byte_buf *b, const char *file, const struct probe_result *res, bool bodies)
{
    const struct probe_reader *r = &res->reader;
    const struct probe_outcome *o = &res->outcome;
    byte_buf_puts(b, "{\"file\":");
    json_buf_bytes(b, (const uint8_t *)file, strlen(file));
    byte_buf_printf(b, ",\"result\":\"%s\"", probe_result_name(res));
    if (o->error != NULL) {
        byte_buf_printf(b, ",\"error\":\"%s\",\"message\":", o->error);
        json_buf_bytes(b, (const uint8_t *)o->message, strlen(o->message));
    }
    byte_buf_printf(b, ",\"sent\":%zu,\"responses\":[", o->sent);
    for (size_t i = 0; i < r->nrecs; i++) {
        if (i > 0)
            byte_buf_putc(b, ',');
        rec_json(b, r, &r->recs[i], bodies && !r->bodies.failed);
    }
    byte_buf_printf(b, "],\"garbage\":%s,", r->garbage ? "true" : "false");
    if (r->garbage && r->garbage_error != HTTP_ERR_NONE)
        byte_buf_printf(b, "\"garbage_error\":\"%s\",", http_error_name(r->garbage_error));
    byte_buf_printf(b, "\"half_closed\":%s,", o->half_closed ? "true" : "false");
    if (o->half_closed)
        byte_buf_printf(b, "\"half_close_ms\":%llu,", (unsigned long long)o->half_close_ms);
    byte_buf_printf(b, "\"closed\":%s,\"time_ms\":%llu}\n", o->closed ? "true" : "false",
                    (unsigned long long)o->time_ms);
}
