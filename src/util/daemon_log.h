/*
 * The daemons' log and status file. One log line format for ph-httpd and ph-store
 * ("2026-12-05T13:04:05 ph-store: message" on stderr), for people; and one
 * machine-readable status file (--status-file PATH), for scripts: a JSON object the
 * daemon replaces atomically (written beside it, then renamed) when it is ready, on
 * SIGUSR1 and when it stops, so a script waits for "state":"ready" and reads figures
 * with jq instead of matching log text. Format: docs/httpd.md, docs/store-protocol.md.
 */
#ifndef DAEMON_LOG_H
#define DAEMON_LOG_H

#include "byte_buf.h"

/* The program name every log line starts with; set once in main. */
void daemon_log_init(const char *prog);

/* One line on stderr: local time, program name, the message, '\n'. */
void daemon_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Starts a status object in b: {"daemon":PROG,"state":STATE,"pid":N,"time":T, and the
 * caller appends its own ,"key":value pairs and calls daemon_status_write. */
void daemon_status_begin(struct byte_buf *b, const char *state);

/* Closes the object and replaces path with it (path.tmp, then rename(2): a reader sees
 * the old object or the new one, never half of one). Returns 0, or -1 with the reason
 * logged. */
int daemon_status_write(const char *path, struct byte_buf *b);

#endif
