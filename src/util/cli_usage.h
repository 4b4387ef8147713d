/*
 * What every tool's option loop did alike, said once: the exit status of a usage error
 * (64, sysexits.h's EX_USAGE), what -h/--help and an unknown option do, and the one line a
 * bad value or a bad combination gets. The numbers themselves go through cli_num.h.
 */
#ifndef CLI_USAGE_H
#define CLI_USAGE_H

#include <stdio.h>

#define CLI_EXIT_USAGE 64

/* The option loop's default case, for an option the tool has no case of its own for:
 * 'h' (-h, --help) prints usage on stdout and is exit status 0; anything else (getopt_long's
 * '?' for an unknown option or a missing argument) prints it on stderr and is
 * CLI_EXIT_USAGE. */
int cli_help_or_usage(int opt, void (*usage)(FILE *out));

/* Operands missing or extra: usage on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(void (*usage)(FILE *out));

/* A bad value or combination: "PROG: MESSAGE (PROG --help)" on stderr, MESSAGE formatted
 * as by printf; returns CLI_EXIT_USAGE. */
int cli_fail(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
