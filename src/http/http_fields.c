#include "http_fields.h"

#include "http_chars.h"
#include "http_scan.h"
#include "http_token_impl.h"

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

enum http_error http_content_length_value(struct ph_slice v, uint64_t *n)
{
    if (v.len == 0)
        return HTTP_ERR_CONTENT_LENGTH_INVALID;
    uint64_t x = 0;
    for (size_t i = 0; i < v.len; i++) {
        uint8_t c = v.ptr[i];
        if (c < '0' || c > '9')
            return HTTP_ERR_CONTENT_LENGTH_INVALID;
        uint64_t digit = (uint64_t)(c - '0');
        if (x > (UINT64_MAX - digit) / 10)
            return HTTP_ERR_CONTENT_LENGTH_OVERFLOW;
        x = x * 10 + digit;
    }
    *n = x;
    return HTTP_ERR_NONE;
}

static size_t skip_ows(struct ph_slice v, size_t i)
{
    while (i < v.len && is_ows(v.ptr[i]))
        i++;
    return i;
}

static size_t skip_token(struct ph_slice v, size_t i)
{
    return http_scan_token_plain(v.ptr, i, v.len);
}

/* quoted-string (RFC 9110 5.6.4) at v[*i] == DQUOTE. */
static bool skip_quoted_string(struct ph_slice v, size_t *i)
{
    for (size_t k = *i + 1; k < v.len; k++) {
        uint8_t c = v.ptr[k];
        if (c == '"') {
            *i = k + 1;
            return true;
        }
        if (c == '\\' && ++k == v.len)
            return false;
        if (!http_value_char[v.ptr[k]])
            return false;
    }
    return false;
}

/* transfer-coding = token *( OWS ";" OWS transfer-parameter ), transfer-parameter =
 * token BWS "=" BWS ( token / quoted-string ). Returns the offset after it, or 0. */
static size_t parse_coding(struct ph_slice v, size_t i, struct ph_slice *name, bool *params)
{
    size_t start = i;
    i = skip_token(v, i);
    if (i == start)
        return 0;
    *name = (struct ph_slice){v.ptr + start, i - start};
    *params = false;
    for (;;) {
        size_t k = skip_ows(v, i);
        if (k == v.len || v.ptr[k] != ';')
            return i;
        *params = true;
        k = skip_ows(v, k + 1);
        size_t pstart = k;
        k = skip_token(v, k);
        if (k == pstart)
            return 0;
        k = skip_ows(v, k);
        if (k == v.len || v.ptr[k] != '=')
            return 0;
        k = skip_ows(v, k + 1);
        if (k < v.len && v.ptr[k] == '"') {
            if (!skip_quoted_string(v, &k))
                return 0;
        } else {
            size_t vstart = k;
            k = skip_token(v, k);
            if (k == vstart)
                return 0;
        }
        i = k;
    }
}

enum http_error http_te_value(struct ph_slice v, struct http_te_list *te)
{
    /* RFC 9110 5.6.1: empty list elements are allowed and ignored; one coding is needed. */
    size_t before = te->codings;
    size_t i = 0;
    for (;;) {
        i = skip_ows(v, i);
        if (i < v.len && v.ptr[i] == ',') {
            i++;
            continue;
        }
        if (i == v.len)
            break;
        struct ph_slice name;
        bool params;
        i = parse_coding(v, i, &name, &params);
        if (i == 0)
            return HTTP_ERR_TRANSFER_ENCODING_INVALID;
        bool chunked = http_token_equals(name, "chunked");
        if (chunked && params)
            return HTTP_ERR_TRANSFER_ENCODING_INVALID;
        te->codings++;
        if (chunked)
            te->chunked_count++;
        else
            te->other_coding = true;
        te->last_is_chunked = chunked;
        i = skip_ows(v, i);
        if (i < v.len && v.ptr[i] != ',')
            return HTTP_ERR_TRANSFER_ENCODING_INVALID;
    }
    return te->codings == before ? HTTP_ERR_TRANSFER_ENCODING_INVALID : HTTP_ERR_NONE;
}

/* A list element that is not exactly one token ("close x") is no option at all: reading a
 * prefix of it would make persistence depend on how far a parser looks. */
void http_connection_value(struct ph_slice v, bool *close, bool *keep_alive)
{
    /* The values nearly every message carries, one word compare each (the value's OWS is
     * trimmed): the list walk below costs a request parse 4% more. */
    if (http_token_equals(v, "keep-alive")) {
        *keep_alive = true;
        return;
    }
    if (http_token_equals(v, "close")) {
        *close = true;
        return;
    }
    size_t i = 0;
    while (i < v.len) {
        i = skip_ows(v, i);
        size_t start = i;
        i = skip_token(v, i);
        struct ph_slice option = {v.ptr + start, i - start};
        size_t after = skip_ows(v, i);
        bool whole = after == v.len || v.ptr[after] == ',';
        if (whole && http_token_equals(option, "close"))
            *close = true;
        else if (whole && http_token_equals(option, "keep-alive"))
            *keep_alive = true;
        while (i < v.len && v.ptr[i] != ',')
            i++;
        if (i < v.len)
            i++;
    }
}
