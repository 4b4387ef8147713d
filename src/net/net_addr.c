#include "net_addr.h"
#include "net_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cli_num.h"

#define NET_PORT_MAX 65535

static int malformed(const char *spec, char *err)
{
    if (err != NULL)
        snprintf(err, NET_ERR_LEN, "%s: not HOST:PORT, [IPV6]:PORT or :PORT", spec);
    errno = EINVAL;
    return -1;
}

int net_split_host_port(const char *spec, char *host, size_t hostlen, uint16_t *port, char *err)
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

void net_format_address(const struct sockaddr_storage *sa, char *out, size_t outlen)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(out, outlen, "[%s]:%u", host, ntohs(in6->sin6_port));
        return;
    }
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
    snprintf(out, outlen, "%s:%u", host, ntohs(in4->sin_port));
}
