/*
 * The one event loop of every protoharness daemon: epoll, fd callbacks, periodic timers
 * and signals (through signalfd, so a handler runs as an ordinary callback, never in
 * signal context). The idea of redis's ae.c, Linux only.
 */
#ifndef NET_LOOP_H
#define NET_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define NET_READABLE 1u /* also reported on hang-up and error, so the read says which */
#define NET_WRITABLE 2u

struct net_loop;

typedef void net_fd_fn(struct net_loop *loop, int fd, unsigned events, void *arg);
typedef void net_timer_fn(struct net_loop *loop, void *arg);
typedef void net_signal_fn(struct net_loop *loop, int signo, void *arg);

/* Returns a loop, or NULL with "call: reason" in err. */
struct net_loop *net_loop_create(char *err, size_t errlen);
void net_loop_destroy(struct net_loop *loop);

/* Watches fd for events (NET_READABLE | NET_WRITABLE), replacing an earlier watch of
 * the same fd. events == 0 keeps the fd registered but quiet. Returns 0 or -1. */
int net_loop_watch(struct net_loop *loop, int fd, unsigned events, net_fd_fn *fn, void *arg);
/* Changes the events of a watched fd. Returns 0 or -1. */
int net_loop_set_events(struct net_loop *loop, int fd, unsigned events);
/* Stops watching fd (before closing it). */
void net_loop_unwatch(struct net_loop *loop, int fd);

/* Calls fn every interval_ms milliseconds, first after one interval. Returns 0 or -1. */
int net_loop_every(struct net_loop *loop, unsigned interval_ms, net_timer_fn *fn, void *arg);

/* Blocks signo for the process and delivers it to fn through the loop. Returns 0 or -1.
 * Call before starting threads, so that they inherit the blocked mask. */
int net_loop_on_signal(struct net_loop *loop, int signo, net_signal_fn *fn, void *arg);

/* Calls fn once per loop iteration, after the ready events were handled and before the
 * loop sleeps again: where a daemon commits what those events produced (redis's
 * beforeSleep). */
void net_loop_before_wait(struct net_loop *loop, net_timer_fn *fn, void *arg);

/* Runs until net_loop_stop. Returns 0, or -1 when epoll_wait fails. */
int net_loop_run(struct net_loop *loop);
void net_loop_stop(struct net_loop *loop);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t net_now_ms(void);

#endif
