/*
 * llhttp's side of ph-bench-http, in bench/bench_http_llhttp.c because llhttp.h and
 * libhttp-parser's http_parser.h declare the same names.
 */
#ifndef BENCH_HTTP_LLHTTP_H
#define BENCH_HTTP_LLHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What llhttp saw of one request or response head. */
struct ll_result {
    size_t used;       /* bytes up to the end of the head; 0 on an error */
    size_t num_fields; /* field lines, each recorded as name and value spans */
    size_t method_len; /* requests */
    size_t reason_len; /* responses, with status */
    int status;
    bool complete;     /* the head ended */
    const char *error; /* llhttp's name for how llhttp_execute ended */
};

/* One request head through llhttp, set up afresh as a server does per request. */
void bench_llhttp_parse(const uint8_t *buf, size_t len, struct ll_result *res);

/* One response head through llhttp (an answer to GET), set up afresh per response. */
void bench_llhttp_parse_response(const uint8_t *buf, size_t len, struct ll_result *res);

#endif
