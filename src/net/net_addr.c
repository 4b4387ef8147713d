#include "net_addr.h"
#include "net_socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/cli_num.h"

#define NET_PORT_MAX 65535

static int malformed(const char *spec, char *err)
{
    if (err != NULL)
        snprintf(err, NET_ERR_LEN, "%s: not HOST:PORT, [IPV6]:PORT or :PORT", spec);
    errno = EINVAL;
    return -1;
}

int net_split_host_port(const char *spec, char *host, size_t hostlen, uint16_t *port,
                        char *err)
{
    const char *colon;
    const char *h = spec;
    size_t hlen;
    if (spec[0] == '[') {
        /* "[v6]:port": the brackets keep the address's colons apart from the port's. */
        const char *close_br = strchr(spec, ']');
        if (close_br == NULL || close_br[1] != ':')
            return malformed(spec, err);
        h = spec + 1;
        hlen = (size_t)(close_br - h);
        colon = close_br + 1;
    } else {
        colon = strrchr(spec, ':');
        if (colon == NULL || memchr(spec, ':', (size_t)(colon - spec)) != NULL)
            return malformed(spec, err); /* no port, or an IPv6 address without brackets */
        hlen = (size_t)(colon - spec);
    }
    uint64_t n;
    if (hlen >= hostlen || !cli_parse_u64(colon + 1, 0, NET_PORT_MAX, &n))
        return malformed(spec, err);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)n;
    return 0;
}
