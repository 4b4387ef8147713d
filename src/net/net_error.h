/*
 * The error convention of src/net/: a helper that fails writes "call: reason" into the
 * caller's buffer (NET_ERR_LEN bytes, may be NULL), leaves errno as the failed call set it,
 * closes what it opened, and returns -1. Internal to src/net/.
 */
#ifndef NET_ERROR_H
#define NET_ERROR_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net_socket.h"

static inline int net_fail(char *err, const char *call, int saved_errno)
{
    if (err != NULL)
        snprintf(err, NET_ERR_LEN, "%s: %s", call, strerror(saved_errno));
    errno = saved_errno;
    return -1;
}

/* Closes fd without letting close() overwrite the errno being reported. */
static inline int net_fail_close(int fd, char *err, const char *call)
{
    int saved = errno;
    close(fd);
    return net_fail(err, call, saved);
}

#endif
