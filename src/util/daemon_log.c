#include "daemon_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_writer.h"

/* A daemon has one name for its whole life: set in main before any thread starts. */
static const char *log_prog = "protoharness";

void daemon_log_init(const char *prog)
{
    log_prog = prog;
}

void daemon_logf(const char *fmt, ...)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
    /* One fprintf per part, but stderr is unbuffered and the store's threads log
     * rarely: a torn line costs readability, never data. */
    fprintf(stderr, "%s %s: ", when, log_prog);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void daemon_status_begin(struct byte_buf *b, const char *state)
{
    b->len = 0;
    byte_buf_puts(b, "{\"daemon\":");
    json_buf_string(b, log_prog);
    byte_buf_puts(b, ",\"state\":");
    json_buf_string(b, state);
    byte_buf_printf(b, ",\"pid\":%ld,\"time\":%lld", (long)getpid(), (long long)time(NULL));
}

int daemon_status_write(const char *path, struct byte_buf *b)
{
    byte_buf_puts(b, "}\n");
    if (b->failed) {
        daemon_logf("status file %s: out of memory", path);
        return -1;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        daemon_logf("status file %s: name too long", path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        daemon_logf("status file %s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = write(fd, b->data + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            daemon_logf("status file %s: %s", tmp, n < 0 ? strerror(errno) : "short write");
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)n;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        daemon_logf("status file %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
