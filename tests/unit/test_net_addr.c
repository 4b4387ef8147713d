/*
 * src/net/net_addr.c: the one HOST:PORT grammar of the TCP and UDP shells, as a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/net_addr.h"
#include "net/net_socket.h"

struct row {
    const char *label;
    const char *in;
    const char *host; /* NULL: refused */
    uint16_t port;
};

static const struct row rows[] = {
    {"IPv4", "127.0.0.1:8080", "127.0.0.1", 8080},
    {"name", "localhost:80", "localhost", 80},
    {"IPv6 in brackets", "[::1]:7", "::1", 7},
    {"every address", ":9000", "", 9000},
    {"port 0: any free port", "127.0.0.1:0", "127.0.0.1", 0},
    {"highest port", "h:65535", "h", 65535},
    {"port past 65535", "h:65536", NULL, 0},
    {"no port", "127.0.0.1", NULL, 0},
    {"empty port", "127.0.0.1:", NULL, 0},
    {"port with letters", "h:80x", NULL, 0},
    {"signed port", "h:-1", NULL, 0},
    {"IPv6 without brackets", "::1:7", NULL, 0},
    {"bracket not closed", "[::1:7", NULL, 0},
    {"nothing after the bracket", "[::1]", NULL, 0},
    {"empty", "", NULL, 0},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        char host[NET_HOST_LEN], err[NET_ERR_LEN] = "";
        uint16_t port = 1234;
        int rc = net_split_host_port(r->in, host, sizeof host, &port, err);
        if ((rc == 0) != (r->host != NULL))
            fail_msg("%s: \"%s\" gave %d (%s)", r->label, r->in, rc, err);
        if (r->host == NULL) {
            assert_non_null(strstr(err, r->in)); /* the message names the argument */
            continue;
        }
        assert_string_equal(host, r->host);
        assert_int_equal(port, r->port);
    }
}

static void test_host_too_long(void **state)
{
    (void)state;
    char host[8], err[NET_ERR_LEN];
    uint16_t port;
    assert_int_equal(net_split_host_port("1234567:1", host, sizeof host, &port, err), 0);
    assert_int_equal(net_split_host_port("12345678:1", host, sizeof host, &port, err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_host_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
