/*
 * store_torture: drives a real ph-store for tests/integration/test_store.sh.
 *
 *   store_torture stream SOCKET TARGET CLIENTS CASES SIZE SEED ACKDIR [--allow-rejects]
 *       CLIENTS processes each send CASES cases of SIZE bytes (every 10th repeats the one
 *       before it, so duplicates are exercised) with many in flight, and append each
 *       acknowledged case to ACKDIR/<client> as "index verdict". Exit 0 when every case
 *       was stored or a duplicate (or rejected, with --allow-rejects), 1 otherwise, 2 when
 *       a client lost its connection (expected when a test kills the daemon).
 *   store_torture verify CORPUS TARGET SEED SIZE ACKDIR
 *       Every acknowledged case is in CORPUS/TARGET byte for byte, and every file there
 *       is named by the SHA-1 of its content (nothing partial, nothing foreign).
 *   store_torture malformed SOCKET MAX_SIZE
 *       Malformed, oversized, empty and truncated packets each get the named reject, and
 *       the connection stays usable.
 *   store_torture foreign SOCKET UID
 *       Connects as UID: exit 0 when it cannot connect, 10 when it connects and is cut off
 *       without an ack, 1 when it is served.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "net/net_socket.h"
#include "store/store.h"
#include "store_client/store_client.h"

#define DUPLICATE_EVERY 10

/* The bytes of case `index` of `client`: a readable prefix, then xorshift noise. A
 * duplicate slot repeats the case before it. */
static void make_case(uint64_t seed, unsigned client, unsigned index, uint8_t *out, size_t size)
{
    if (index > 0 && index % DUPLICATE_EVERY == 0)
        index--;
    int n = snprintf((char *)out, size, "c%u-i%u-s%llu|", client, index, (unsigned long long)seed);
    uint64_t x = seed * 0x9e3779b97f4a7c15u ^ ((uint64_t)client << 32 | index) ^ 0x5bd1e995u;
    for (size_t i = (size_t)n < size ? (size_t)n : size; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = (uint8_t)x;
    }
}

static void sha1_hex(const uint8_t *data, size_t len, char hex[41])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha1(), NULL);
    for (unsigned i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* ---- stream --------------------------------------------------------------------------- */

struct ack_log {
    FILE *f;
    uint64_t counts[3];
};

static void log_ack(void *arg, const struct store_ack_run *run)
{
    struct ack_log *log = arg;
    log->counts[run->verdict] += run->count;
    for (uint32_t i = 0; i < run->count; i++)
        fprintf(log->f, "%u %s\n", run->first_seq + i, store_verdict_name(run->verdict));
    fflush(log->f); /* a test may kill the daemon at any moment: keep what was acked */
}

static int run_client(const char *sock, const char *target, unsigned client, unsigned cases,
                      size_t size, uint64_t seed, const char *ackdir, bool allow_rejects)
{
    char path[4096], err[256];
    snprintf(path, sizeof(path), "%s/%u", ackdir, client);
    struct ack_log log = {.f = fopen(path, "w")};
    if (log.f == NULL) {
        perror(path);
        return 1;
    }
    struct store_client *c = store_client_connect(sock, geteuid(), false, size, err);
    if (c == NULL) {
        fprintf(stderr, "client %u: %s\n", client, err);
        return 2;
    }
    uint8_t *buf = malloc(size);
    int rc = 0;
    for (unsigned i = 0; i < cases && rc == 0; i++) {
        make_case(seed, client, i, buf, size);
        uint32_t seq;
        if (store_client_send(c, target, STORE_KIND_QUEUE, buf, size, &seq, log_ack, &log, err) !=
            0)
            rc = 2;
    }
    if (rc == 0 && store_client_drain(c, log_ack, &log, err) != 0)
        rc = 2;
    if (rc == 2)
        fprintf(stderr, "client %u: %s\n", client, err);
    if (rc == 0 && log.counts[STORE_REJECTED] > 0 && !allow_rejects)
        rc = 1;
    fclose(log.f);
    free(buf);
    store_client_close(c);
    return rc;
}

static int cmd_stream(int argc, char **argv)
{
    if (argc < 9)
        return 64;
    const char *sock = argv[2], *target = argv[3], *ackdir = argv[8];
    unsigned clients = (unsigned)atoi(argv[4]), cases = (unsigned)atoi(argv[5]);
    size_t size = (size_t)atol(argv[6]);
    uint64_t seed = strtoull(argv[7], NULL, 10);
    bool allow_rejects = argc > 9 && strcmp(argv[9], "--allow-rejects") == 0;
    mkdir(ackdir, 0755);
    for (unsigned k = 0; k < clients; k++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(run_client(sock, target, k, cases, size, seed, ackdir, allow_rejects));
        if (pid < 0) {
            perror("fork");
            return 1;
        }
    }
    int worst = 0, status;
    while (wait(&status) > 0) {
        int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
        if (rc > worst)
            worst = rc;
    }
    return worst;
}

/* ---- verify --------------------------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    fstat(fd, &st);
    uint8_t *data = malloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, data, (size_t)st.st_size);
    close(fd);
    *len = n < 0 ? 0 : (size_t)n;
    return data;
}

static int cmd_verify(int argc, char **argv)
{
    if (argc < 7)
        return 64;
    const char *corpus = argv[2], *target = argv[3], *ackdir = argv[6];
    uint64_t seed = strtoull(argv[4], NULL, 10);
    size_t size = (size_t)atol(argv[5]);
    uint8_t *want = malloc(size);
    char dir[4096], path[8192], hex[41];
    snprintf(dir, sizeof(dir), "%s/%s", corpus, target);
    int bad = 0;
    unsigned long acked = 0;

    DIR *acks = opendir(ackdir);
    struct dirent *e;
    while (acks != NULL && (e = readdir(acks)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        unsigned client = (unsigned)atoi(e->d_name);
        snprintf(path, sizeof(path), "%s/%s", ackdir, e->d_name);
        FILE *f = fopen(path, "r");
        unsigned index;
        char verdict[32];
        while (f != NULL && fscanf(f, "%u %31s", &index, verdict) == 2) {
            if (strcmp(verdict, "rejected") == 0)
                continue;
            acked++;
            make_case(seed, client, index, want, size);
            sha1_hex(want, size, hex);
            snprintf(path, sizeof(path), "%s/%s", dir, hex);
            size_t len;
            uint8_t *got = read_file(path, &len);
            if (got == NULL || len != size || memcmp(got, want, size) != 0) {
                if (bad++ < 10)
                    fprintf(stderr, "verify: client %u case %u (%s) %s\n", client, index, hex,
                            got == NULL ? "missing" : "differs");
            }
            free(got);
        }
        if (f != NULL)
            fclose(f);
    }
    if (acks != NULL)
        closedir(acks);

    /* Every file is whole: its name is the SHA-1 of its bytes. */
    unsigned long files = 0;
    DIR *d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        files++;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len;
        uint8_t *got = read_file(path, &len);
        sha1_hex(got ? got : (const uint8_t *)"", got ? len : 0, hex);
        if (got == NULL || strcmp(hex, e->d_name) != 0) {
            if (bad++ < 10)
                fprintf(stderr, "verify: %s is not whole (sha1 %s)\n", path, hex);
        }
        free(got);
    }
    if (d != NULL)
        closedir(d);
    free(want);
    printf("verify: %lu acknowledged cases, %lu files, %d problems\n", acked, files, bad);
    return bad == 0 ? 0 : 1;
}

/* ---- malformed ------------------------------------------------------------------------ */

static int expect_reject(int fd, const uint8_t *pkt, size_t len, uint32_t seq,
                         enum store_error want, const char *label)
{
    if (net_send_packet(fd, pkt, len, true) != 0) {
        fprintf(stderr, "malformed: %s: send: %s\n", label, strerror(errno));
        return 1;
    }
    uint8_t buf[4096];
    ssize_t n;
    do {
        n = recv(fd, buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    struct store_ack ack;
    if (n <= 0 || store_ack_decode(buf, (size_t)n, &ack) != PH_OK) {
        fprintf(stderr, "malformed: %s: no ack (%s)\n", label,
                n <= 0 ? "connection lost" : "bad ack");
        return 1;
    }
    const struct store_ack_run *r = &ack.runs[0];
    enum store_verdict verdict = want == STORE_ERR_NONE ? STORE_STORED : STORE_REJECTED;
    if (ack.nruns != 1 || r->first_seq != seq || r->count != 1 || r->verdict != verdict ||
        r->reason != want) {
        fprintf(stderr, "malformed: %s: got %s %s for seq %u, want %s for %u\n", label,
                store_verdict_name(r->verdict), store_error_name(r->reason), r->first_seq,
                store_error_name(want), seq);
        return 1;
    }
    printf("malformed: %-40s -> %s\n", label,
           want == STORE_ERR_NONE ? "stored" : store_error_name(want));
    return 0;
}

static int cmd_malformed(int argc, char **argv)
{
    if (argc < 4)
        return 64;
    size_t max_size = (size_t)atol(argv[3]);
    char err[NET_ERR_LEN];
    int fd = net_unix_connect(argv[2], SOCK_SEQPACKET, false, err);
    if (fd < 0) {
        fprintf(stderr, "malformed: %s\n", err);
        return 1;
    }
    net_set_sndbuf(fd, (int)(8 * max_size + 65536), NULL);
    size_t big = 2 * max_size + 1000; /* over the limit, under the socket buffer */
    uint8_t *pkt = calloc(1, big + 256), *payload = calloc(1, big);
    memset(payload, 'A', big);
    int bad = 0;
    size_t n;

    bad |= expect_reject(fd, (const uint8_t *)"x", 1, 0, STORE_ERR_TOO_SHORT, "one byte");
    bad |= expect_reject(fd, (const uint8_t *)"PH\x01\x01\0\0\0\x05", 8, 5, STORE_ERR_TOO_SHORT,
                         "header cut after the sequence number");
    n = store_case_encode(6, STORE_KIND_QUEUE, "t", payload, 10, pkt, big + 256);
    pkt[0] = 'X';
    bad |= expect_reject(fd, pkt, n, 0, STORE_ERR_BAD_MAGIC, "bad magic");
    n = store_case_encode(7, STORE_KIND_QUEUE, "t", payload, 10, pkt, big + 256);
    pkt[2] = 9;
    bad |= expect_reject(fd, pkt, n, 7, STORE_ERR_BAD_VERSION, "version 9");
    n = store_case_encode(8, STORE_KIND_QUEUE, "t", payload, 10, pkt, big + 256);
    bad |= expect_reject(fd, pkt, n - 3, 8, STORE_ERR_LENGTH_MISMATCH, "truncated payload");
    n = store_case_encode(9, STORE_KIND_QUEUE, "t", payload, 0, pkt, big + 256);
    bad |= expect_reject(fd, pkt, n, 9, STORE_ERR_EMPTY_CASE, "empty case");
    n = store_case_encode(10, STORE_KIND_QUEUE, "t", payload, 10, pkt, big + 256);
    memcpy(pkt + STORE_CASE_HEADER_LEN, "/", 1);
    bad |= expect_reject(fd, pkt, n, 10, STORE_ERR_TARGET_INVALID, "slash as target");
    n = store_case_encode(11, STORE_KIND_QUEUE, "t", payload, max_size + 1, pkt, big + 256);
    bad |= expect_reject(fd, pkt, n, 11, STORE_ERR_CASE_TOO_LARGE, "one byte over --max-size");
    n = store_case_encode(12, STORE_KIND_QUEUE, "t", payload, big, pkt, big + 256);
    bad |= expect_reject(fd, pkt, n, 12, STORE_ERR_CASE_TOO_LARGE,
                         "past the receive buffer (MSG_TRUNC)");
    bad |= expect_reject(fd, (const uint8_t *)"", 0, 0, STORE_ERR_TOO_SHORT, "empty packet");
    n = store_case_encode(13, STORE_KIND_QUEUE, "t", payload, max_size, pkt, big + 256);
    bad |= expect_reject(fd, pkt, n, 13, STORE_ERR_NONE, "a good case after all that");
    close(fd);
    free(pkt);
    free(payload);
    return bad;
}

/* ---- foreign -------------------------------------------------------------------------- */

static int cmd_foreign(int argc, char **argv)
{
    if (argc < 4)
        return 64;
    uid_t uid = (uid_t)atol(argv[3]);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid((gid_t)uid) != 0 || setuid(uid) != 0) {
            perror("setuid");
            _exit(3);
        }
        char err[NET_ERR_LEN];
        int fd = net_unix_connect(argv[2], SOCK_SEQPACKET, false, err);
        if (fd < 0) {
            printf("foreign: uid %ld cannot connect: %s\n", (long)uid, err);
            _exit(0);
        }
        uint8_t pkt[64], buf[256];
        size_t n = store_case_encode(1, STORE_KIND_QUEUE, "t", (const uint8_t *)"x", 1, pkt, 64);
        send(fd, pkt, n, MSG_NOSIGNAL);
        ssize_t got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0) {
            printf("foreign: uid %ld connected and was cut off without an ack\n", (long)uid);
            _exit(10);
        }
        printf("foreign: uid %ld was served\n", (long)uid);
        _exit(1);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    int rc = 64;
    if (argc >= 2 && strcmp(argv[1], "stream") == 0)
        rc = cmd_stream(argc, argv);
    else if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        rc = cmd_verify(argc, argv);
    else if (argc >= 2 && strcmp(argv[1], "malformed") == 0)
        rc = cmd_malformed(argc, argv);
    else if (argc >= 2 && strcmp(argv[1], "foreign") == 0)
        rc = cmd_foreign(argc, argv);
    if (rc == 64)
        fprintf(stderr, "usage: see the comment at the top of store_torture.c\n");
    return rc;
}
