/* Subcommands of ph-parse. Each takes argc/argv after the subcommand name and returns
 * the process exit status (see EXIT_* below). */
#ifndef PH_PARSE_H
#define PH_PARSE_H

enum {
    PH_PARSE_EXIT_OK = 0,         /* every unit parsed */
    PH_PARSE_EXIT_ERROR = 1,      /* stopped at a named error */
    PH_PARSE_EXIT_INCOMPLETE = 2, /* input ended inside a unit */
    PH_PARSE_EXIT_USAGE = 64,     /* EX_USAGE */
    PH_PARSE_EXIT_IO = 74,        /* EX_IOERR: could not read the input */
};

int ph_parse_http(int argc, char **argv);
int ph_parse_chao(int argc, char **argv);

#endif
