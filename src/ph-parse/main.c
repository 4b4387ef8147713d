/* ph-parse: runs a pure core over bytes from a file or stdin and prints what it saw as
 * JSON lines, for conformance runs and differential testing. */
#include <stdio.h>
#include <string.h>

#include "ph_parse.h"

static void usage(FILE *out)
{
    fputs("usage: ph-parse http [FILE]\n"
          "       ph-parse chao [--raw | --datagram | --write-frames DIR] FILE\n"
          "\n"
          "  http [FILE]   parse FILE (or stdin) as the bytes of one client connection:\n"
          "                requests back to back, with their bodies; one JSON line each.\n"
          "  chao FILE     decode each frame of a pcap/pcapng FILE, or FILE as one raw frame\n"
          "                (--raw) or UDP payload (--datagram); one JSON line each;\n"
          "                --write-frames DIR also writes each frame of a capture to DIR.\n"
          "\n"
          "exit status: 0 all parsed, 1 error, 2 incomplete, 64 usage, 74 read error\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return PH_PARSE_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "http") == 0)
        return ph_parse_http(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "chao") == 0)
        return ph_parse_chao(argc - 2, argv + 2);
    usage(stderr);
    return PH_PARSE_EXIT_USAGE;
}
