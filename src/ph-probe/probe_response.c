#include <string.h>
#include <strings.h>

#include "probe.h"

/* The next line of buf[off..len): its length without the line end, in *line_len, and
 * the offset after the line end. Returns 0 when the buffer ends inside the line. */
static size_t next_line(const uint8_t *buf, size_t len, size_t off, size_t *line_len)
{
    const uint8_t *lf = memchr(buf + off, '\n', len - off);
    if (lf == NULL)
        return 0;
    size_t end = (size_t)(lf - buf);
    *line_len = end - off;
    if (*line_len > 0 && buf[end - 1] == '\r')
        (*line_len)--;
    return end + 1;
}

static bool slice_ieq(struct ph_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp((const char *)s.ptr, lit, n) == 0;
}

/* Does a comma-separated list end with `token` (case-insensitive)? */
static bool list_ends_with(struct ph_slice v, const char *token)
{
    size_t n = v.len;
    while (n > 0 && (v.ptr[n - 1] == ' ' || v.ptr[n - 1] == '\t' || v.ptr[n - 1] == ','))
        n--;
    size_t start = n;
    while (start > 0 && v.ptr[start - 1] != ',' && v.ptr[start - 1] != ' ' &&
           v.ptr[start - 1] != '\t')
        start--;
    return slice_ieq((struct ph_slice){v.ptr + start, n - start}, token);
}

static bool list_has(struct ph_slice v, const char *token)
{
    size_t i = 0;
    while (i < v.len) {
        while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t' || v.ptr[i] == ','))
            i++;
        size_t start = i;
        while (i < v.len && v.ptr[i] != ',' && v.ptr[i] != ' ' && v.ptr[i] != '\t')
            i++;
        if (slice_ieq((struct ph_slice){v.ptr + start, i - start}, token))
            return true;
    }
    return false;
}

enum ph_status probe_parse_response(const uint8_t *buf, size_t len, bool head_request,
                                    struct probe_response *res)
{
    memset(res, 0, sizeof(*res));
    size_t line_len;
    size_t off = next_line(buf, len, 0, &line_len);
    if (off == 0)
        return len >= 5 && memcmp(buf, "HTTP/", 5) != 0 ? PH_REJECT : PH_INCOMPLETE;
    /* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4) */
    if (line_len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || buf[9] < '1' ||
        buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9')
        return PH_REJECT;
    res->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    if (line_len > 13)
        res->reason = (struct ph_slice){buf + 13, line_len - 13};

    bool chunked = false, has_length = false;
    for (;;) {
        size_t start = off;
        off = next_line(buf, len, off, &line_len);
        if (off == 0)
            return PH_INCOMPLETE;
        if (line_len == 0)
            break;
        const uint8_t *colon = memchr(buf + start, ':', line_len);
        if (colon == NULL)
            return PH_REJECT;
        if (res->num_headers == PROBE_MAX_HEADERS)
            continue; /* counted as read, not kept */
        struct ph_slice name = {buf + start, (size_t)(colon - (buf + start))};
        const uint8_t *v = colon + 1, *e = buf + start + line_len;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        struct ph_slice value = {v, (size_t)(e - v)};
        res->headers[res->num_headers].name = name;
        res->headers[res->num_headers].value = value;
        res->num_headers++;
        if (slice_ieq(name, "transfer-encoding") && list_ends_with(value, "chunked")) {
            chunked = true;
        } else if (slice_ieq(name, "content-length")) {
            uint64_t n = 0;
            for (size_t i = 0; i < value.len; i++) {
                if (value.ptr[i] < '0' || value.ptr[i] > '9' || n > UINT64_MAX / 10 - 9)
                    return PH_REJECT;
                n = n * 10 + (uint64_t)(value.ptr[i] - '0');
            }
            res->content_length = n;
            has_length = true;
        } else if (slice_ieq(name, "connection") && list_has(value, "close")) {
            res->close = true;
        }
    }
    res->consumed = off;
    /* RFC 9112 6.3: the order of these rules is the standard's. */
    if (head_request || res->status < 200 || res->status == 204 || res->status == 304)
        res->body = PROBE_BODY_NONE;
    else if (chunked)
        res->body = PROBE_BODY_CHUNKED;
    else if (has_length)
        res->body = PROBE_BODY_LENGTH;
    else
        res->body = PROBE_BODY_CLOSE;
    return PH_OK;
}
