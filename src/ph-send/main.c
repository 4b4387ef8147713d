/*
 * ph-send: sends files, directories (recursively, in name order) or stdin to ph-store as
 * test cases of one target, and prints what the daemon did with them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_client/store_client.h"
#include "util/cli_num.h"
#include "util/cli_usage.h"
#include "util/file_io.h"

struct sender {
    struct store_client *client;
    const char *target;
    enum store_kind kind;
    bool raw;
    bool verbose;
    char **names; /* by sequence number, for per-file lines */
    size_t nnames, cap;
    uint64_t counts[3];
    uint64_t reasons[64];
    int failed;
};

static void on_ack(void *arg, const struct store_ack_run *run)
{
    struct sender *s = arg;
    s->counts[run->verdict] += run->count;
    if (run->verdict == STORE_REJECTED && (size_t)run->reason < 64)
        s->reasons[run->reason] += run->count;
    for (uint32_t i = 0; i < run->count; i++) {
        uint32_t seq = run->first_seq + i;
        if (seq < s->nnames && s->names[seq] != NULL) {
            if (s->verbose || run->verdict == STORE_REJECTED)
                printf("%s %s%s%s\n", store_verdict_name(run->verdict), s->names[seq],
                       run->verdict == STORE_REJECTED ? ": " : "",
                       run->verdict == STORE_REJECTED ? store_strerror(run->reason) : "");
            free(s->names[seq]);
            s->names[seq] = NULL;
        }
    }
}

static int remember(struct sender *s, uint32_t seq, const char *name)
{
    if (seq >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        while (cap <= seq)
            cap *= 2;
        char **n = realloc(s->names, cap * sizeof(*n));
        if (n == NULL)
            return -1;
        memset(n + s->cap, 0, (cap - s->cap) * sizeof(*n));
        s->names = n;
        s->cap = cap;
    }
    s->names[seq] = strdup(name);
    if (seq >= s->nnames)
        s->nnames = seq + 1;
    return 0;
}

static int send_file(struct sender *s, const char *path)
{
    uint8_t *data;
    size_t len;
    char err[NET_ERR_LEN];
    if (file_read_all(path, &data, &len) != 0) {
        fprintf(stderr, "ph-send: %s: %s\n", path, strerror(errno));
        s->failed = 1;
        return 0;
    }
    int rc;
    if (s->raw) {
        rc = store_client_send_raw(s->client, data, len, err);
        if (rc == 0)
            s->counts[STORE_STORED]++; /* sent; a raw daemon does not answer */
    } else {
        uint32_t seq;
        rc = store_client_send(s->client, s->target, s->kind, data, len, &seq, on_ack, s, err);
        if (rc == 0 && remember(s, seq, path) != 0)
            rc = -1;
    }
    free(data);
    if (rc != 0) {
        fprintf(stderr, "ph-send: %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

static int send_path(struct sender *s, const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        return send_file(s, path);
    if (stat(path, &st) != 0) {
        fprintf(stderr, "ph-send: %s: %s\n", path, strerror(errno));
        s->failed = 1;
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return send_file(s, path);
    char **names;
    size_t n;
    if (file_list_dir(path, &names, &n) != 0) {
        fprintf(stderr, "ph-send: %s: %s\n", path, strerror(errno));
        s->failed = 1;
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = send_path(s, names[i]);
    file_list_free(names, n);
    return rc;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: ph-send --target NAME [options] FILE|DIR|- ...\n"
                 "\n"
                 "  --socket PATH        the daemon's socket (default " STORE_DEFAULT_SOCKET ")\n"
                 "  --target NAME        the corpus the cases belong to\n"
                 "  --kind KIND          queue (default), crash or hang\n"
                 "  --expect-uid UID     the uid the daemon must run as (default: ours)\n"
                 "  --raw                send bare bytes (a daemon started with --raw)\n"
                 "  --max-size BYTES     largest case to send (default 1048576)\n"
                 "  -v, --verbose        a line per file, not only per rejected file\n"
                 "\n"
                 "Prints 'stored N, duplicate N, rejected N'; exit 0 when nothing was\n"
                 "rejected, 1 when something was, 2 on a connection error, 64 on usage.\n");
}

/* Where to send, and how large a case may be. */
struct send_options {
    const char *socket_path;
    uid_t expect_uid;
    size_t max_case;
};

/* Fills s and o from the command line. Returns -1 to send, or the exit status (0 after
 * --help, 64 for a usage error). */
static int parse_options(int argc, char **argv, struct sender *s, struct send_options *o)
{
    static const struct option options[] = {
        {"socket", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 't'},
        {"kind", required_argument, NULL, 'k'},
        {"expect-uid", required_argument, NULL, 'u'},
        {"raw", no_argument, NULL, 'r'},
        {"max-size", required_argument, NULL, 'm'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "s:t:k:u:rm:vh", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            o->socket_path = optarg;
            break;
        case 't':
            s->target = optarg;
            break;
        case 'k':
            if (strcmp(optarg, "queue") == 0)
                s->kind = STORE_KIND_QUEUE;
            else if (strcmp(optarg, "crash") == 0)
                s->kind = STORE_KIND_CRASH;
            else if (strcmp(optarg, "hang") == 0)
                s->kind = STORE_KIND_HANG;
            else
                return cli_fail("ph-send", "--kind %s: is queue, crash or hang", optarg);
            break;
        case 'u': {
            uint64_t uid;
            if (!cli_parse_u64(optarg, 0, UINT32_MAX - 1, &uid))
                return cli_fail("ph-send", "--expect-uid %s: takes a numeric uid", optarg);
            o->expect_uid = (uid_t)uid;
            break;
        }
        case 'r':
            s->raw = true;
            break;
        case 'm': {
            uint64_t n;
            if (!cli_parse_u64(optarg, 1, STORE_MAX_CASE_LIMIT, &n))
                return cli_fail("ph-send", "--max-size %s: takes 1..%u", optarg,
                                STORE_MAX_CASE_LIMIT);
            o->max_case = (size_t)n;
            break;
        }
        case 'v':
            s->verbose = true;
            break;
        default:
            return cli_help_or_usage(opt, usage);
        }
    }
    if ((!s->raw && s->target == NULL) || optind == argc)
        return cli_usage_error(usage);
    if (s->target != NULL && !store_target_valid((const uint8_t *)s->target, strlen(s->target)))
        return cli_fail("ph-send", "--target %s: %s", s->target,
                        store_strerror(STORE_ERR_TARGET_INVALID));
    return -1;
}

/* The summary line, and the exit status: 2 when sending failed, 1 when a case was
 * rejected or a file unreadable, else 0. */
static int report(const struct sender *s, int rc)
{
    if (s->raw)
        printf("sent %llu\n", (unsigned long long)s->counts[STORE_STORED]);
    else
        printf("stored %llu, duplicate %llu, rejected %llu\n",
               (unsigned long long)s->counts[STORE_STORED],
               (unsigned long long)s->counts[STORE_DUPLICATE],
               (unsigned long long)s->counts[STORE_REJECTED]);
    if (rc != 0)
        return 2;
    return s->failed || s->counts[STORE_REJECTED] > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct sender s = {.kind = STORE_KIND_QUEUE};
    struct send_options o = {.socket_path = STORE_DEFAULT_SOCKET,
                             .expect_uid = geteuid(),
                             .max_case = STORE_DEFAULT_MAX_CASE};
    int rc = parse_options(argc, argv, &s, &o);
    if (rc >= 0)
        return rc;
    char err[NET_ERR_LEN];
    s.client = store_client_connect(o.socket_path, o.expect_uid, false, o.max_case, err);
    if (s.client == NULL) {
        fprintf(stderr, "ph-send: %s\n", err);
        return 2;
    }
    rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        rc = send_path(&s, argv[i]);
    if (rc == 0 && !s.raw && store_client_drain(s.client, on_ack, &s, err) != 0) {
        fprintf(stderr, "ph-send: %s\n", err);
        rc = -1;
    }
    store_client_close(s.client);
    for (size_t i = 0; i < s.nnames; i++)
        free(s.names[i]);
    free(s.names);
    return report(&s, rc);
}
