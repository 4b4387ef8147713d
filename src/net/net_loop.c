#include "net_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define NET_LOOP_MAX_TIMERS 16
#define NET_LOOP_MAX_SIGNALS 8
#define NET_LOOP_EVENTS_PER_WAIT 256

struct net_watch {
    net_fd_fn *fn;
    void *arg;
    unsigned events;
    bool active;     /* the fd is watched */
    bool registered; /* ... and in the epoll set: a quiet fd (events 0) is taken out, or
                        epoll would keep reporting its hang-up and spin the loop */
};

struct net_timer {
    net_timer_fn *fn;
    void *arg;
    unsigned interval_ms;
    uint64_t due_ms;
};

struct net_signal {
    int signo;
    net_signal_fn *fn;
    void *arg;
};

struct net_loop {
    int epfd;
    bool stop;
    struct net_watch *watches; /* indexed by fd */
    size_t nwatches;
    struct net_timer timers[NET_LOOP_MAX_TIMERS];
    size_t ntimers;
    int sigfd;
    sigset_t sigmask;
    struct net_signal signals[NET_LOOP_MAX_SIGNALS];
    size_t nsignals;
    net_timer_fn *before_wait;
    void *before_wait_arg;
};

uint64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct net_loop *net_loop_create(char *err, size_t errlen)
{
    struct net_loop *loop = calloc(1, sizeof(*loop));
    if (loop == NULL) {
        snprintf(err, errlen, "calloc: out of memory");
        return NULL;
    }
    loop->sigfd = -1;
    sigemptyset(&loop->sigmask);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
        free(loop);
        return NULL;
    }
    return loop;
}

void net_loop_destroy(struct net_loop *loop)
{
    if (loop == NULL)
        return;
    if (loop->sigfd >= 0)
        close(loop->sigfd);
    close(loop->epfd);
    free(loop->watches);
    free(loop);
}

static uint32_t epoll_events(unsigned events)
{
    uint32_t e = 0;
    if (events & NET_READABLE)
        e |= EPOLLIN | EPOLLRDHUP;
    if (events & NET_WRITABLE)
        e |= EPOLLOUT;
    return e;
}

/* Makes room for fd in the watch table. */
static int reserve_fd(struct net_loop *loop, int fd)
{
    if ((size_t)fd < loop->nwatches)
        return 0;
    size_t n = loop->nwatches ? loop->nwatches : 64;
    while (n <= (size_t)fd)
        n *= 2;
    struct net_watch *w = realloc(loop->watches, n * sizeof(*w));
    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memset(w + loop->nwatches, 0, (n - loop->nwatches) * sizeof(*w));
    loop->watches = w;
    loop->nwatches = n;
    return 0;
}

/* Puts the epoll registration of fd in line with w->events. */
static int sync_registration(struct net_loop *loop, int fd, struct net_watch *w)
{
    if (w->events == 0) {
        if (w->registered && epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) != 0)
            return -1;
        w->registered = false;
        return 0;
    }
    struct epoll_event ev = {.events = epoll_events(w->events), .data.fd = fd};
    if (epoll_ctl(loop->epfd, w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
        return -1;
    w->registered = true;
    return 0;
}

int net_loop_watch(struct net_loop *loop, int fd, unsigned events, net_fd_fn *fn, void *arg)
{
    if (fd < 0 || reserve_fd(loop, fd) != 0)
        return -1;
    struct net_watch *w = &loop->watches[fd];
    unsigned old = w->events;
    w->events = events;
    if (sync_registration(loop, fd, w) != 0) {
        w->events = old;
        return -1;
    }
    w->fn = fn;
    w->arg = arg;
    w->active = true;
    return 0;
}

int net_loop_set_events(struct net_loop *loop, int fd, unsigned events)
{
    if (fd < 0 || (size_t)fd >= loop->nwatches || !loop->watches[fd].active) {
        errno = EBADF;
        return -1;
    }
    struct net_watch *w = &loop->watches[fd];
    if (w->events == events)
        return 0;
    unsigned old = w->events;
    w->events = events;
    if (sync_registration(loop, fd, w) != 0) {
        w->events = old;
        return -1;
    }
    return 0;
}

void net_loop_unwatch(struct net_loop *loop, int fd)
{
    if (fd < 0 || (size_t)fd >= loop->nwatches || !loop->watches[fd].active)
        return;
    if (loop->watches[fd].registered)
        epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    memset(&loop->watches[fd], 0, sizeof(loop->watches[fd]));
}

int net_loop_every(struct net_loop *loop, unsigned interval_ms, net_timer_fn *fn, void *arg)
{
    if (loop->ntimers == NET_LOOP_MAX_TIMERS || interval_ms == 0) {
        errno = EINVAL;
        return -1;
    }
    struct net_timer *t = &loop->timers[loop->ntimers++];
    t->fn = fn;
    t->arg = arg;
    t->interval_ms = interval_ms;
    t->due_ms = net_now_ms() + interval_ms;
    return 0;
}

static void on_signalfd(struct net_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    (void)arg;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        for (size_t i = 0; i < loop->nsignals; i++) {
            if (loop->signals[i].signo == (int)si.ssi_signo)
                loop->signals[i].fn(loop, (int)si.ssi_signo, loop->signals[i].arg);
        }
    }
}

int net_loop_on_signal(struct net_loop *loop, int signo, net_signal_fn *fn, void *arg)
{
    if (loop->nsignals == NET_LOOP_MAX_SIGNALS) {
        errno = EINVAL;
        return -1;
    }
    sigaddset(&loop->sigmask, signo);
    if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) != 0)
        return -1;
    int fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (loop->sigfd < 0) {
        loop->sigfd = fd;
        if (net_loop_watch(loop, fd, NET_READABLE, on_signalfd, NULL) != 0)
            return -1;
    }
    loop->signals[loop->nsignals++] = (struct net_signal){signo, fn, arg};
    return 0;
}

void net_loop_before_wait(struct net_loop *loop, net_timer_fn *fn, void *arg)
{
    loop->before_wait = fn;
    loop->before_wait_arg = arg;
}

void net_loop_stop(struct net_loop *loop)
{
    loop->stop = true;
}

/* Milliseconds until the next timer is due, or -1 (wait forever) with no timers. */
static int next_timeout(const struct net_loop *loop, uint64_t now)
{
    int timeout = -1;
    for (size_t i = 0; i < loop->ntimers; i++) {
        uint64_t due = loop->timers[i].due_ms;
        int t = due <= now ? 0 : (int)(due - now);
        if (timeout < 0 || t < timeout)
            timeout = t;
    }
    return timeout;
}

static void run_timers(struct net_loop *loop)
{
    uint64_t now = net_now_ms();
    for (size_t i = 0; i < loop->ntimers && !loop->stop; i++) {
        struct net_timer *t = &loop->timers[i];
        if (t->due_ms > now)
            continue;
        /* Skip missed ticks rather than firing a burst after a stall. */
        while (t->due_ms <= now)
            t->due_ms += t->interval_ms;
        t->fn(loop, t->arg);
    }
}

int net_loop_run(struct net_loop *loop)
{
    struct epoll_event events[NET_LOOP_EVENTS_PER_WAIT];
    loop->stop = false;
    while (!loop->stop) {
        if (loop->before_wait != NULL)
            loop->before_wait(loop, loop->before_wait_arg);
        if (loop->stop)
            break;
        int n = epoll_wait(loop->epfd, events, NET_LOOP_EVENTS_PER_WAIT,
                           next_timeout(loop, net_now_ms()));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (int i = 0; i < n && !loop->stop; i++) {
            int fd = events[i].data.fd;
            /* An earlier callback in this batch may have unwatched (and closed) fd. */
            if ((size_t)fd >= loop->nwatches || !loop->watches[fd].active)
                continue;
            struct net_watch *w = &loop->watches[fd];
            unsigned ev = 0;
            if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                ev |= NET_READABLE;
            if (events[i].events & EPOLLOUT)
                ev |= NET_WRITABLE;
            ev &= w->events;
            if (events[i].events & (EPOLLHUP | EPOLLERR))
                ev = w->events; /* let whichever callback is waiting see the failure */
            if (ev != 0)
                w->fn(loop, fd, ev, w->arg);
        }
        run_timers(loop);
    }
    return 0;
}
