/*
 * listen_tcp.h: a TCP syslog input with RFC 6587 framing (framing.h).
 *
 * Limits: max_connections open at once (more are accepted and closed at
 * once, counted as refused), idle_timeout without data closes a
 * connection, and per-connection buffering is bounded by the framer's
 * pending maximum plus one read.  While the pipeline is paused no
 * connection is read: the sender's TCP window closes and it slows down.
 */
#ifndef LOGWARD_LISTEN_TCP_H
#define LOGWARD_LISTEN_TCP_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct input_conf;
struct input_stats;
struct listen_tcp;
struct pipeline;

/* Bind and listen; NULL with err set on failure.  Caller frees with listen_tcp_free. */
struct listen_tcp *listen_tcp_new(struct event_base *base, const struct input_conf *ic,
    struct pipeline *pipeline, char *err, size_t errlen);

/* Stop or restart reading every connection (pipeline backpressure). */
void listen_tcp_pause(struct listen_tcp *l, bool paused);

/*
 * Close the listening sockets; read what each sender already sent (up to a
 * total bound), deliver every frame and each connection's unterminated
 * last one; close them.  The counters stay until listen_tcp_free.
 */
void listen_tcp_shutdown(struct listen_tcp *l);

/*
 * Connections still open after listen_tcp_shutdown: RELP sessions waiting
 * to answer what was in flight (they close by themselves, within the
 * pipeline's drain and TCP_RELP_LINGER_S).  listen_tcp_free closes any left.
 */
size_t listen_tcp_busy(const struct listen_tcp *l);

/*
 * A reload kept this input (input_conf_same): read its settings from ic
 * from now on (the old configuration is about to be freed).
 */
void listen_tcp_set_conf(struct listen_tcp *l, const struct input_conf *ic);

/*
 * A reload changed this input's settings but not its transport or address
 * (tcp_retune.c): what may fail is made by listen_tcp_retune_new beside the
 * running listener (NULL with err set; l untouched), then applied by
 * listen_tcp_retune_apply (cannot fail; takes rt; ic replaces the
 * configuration as listen_tcp_set_conf does) or dropped with
 * listen_tcp_retune_free.  unchanged: ic's settings are the running ones
 * (TLS files unreadable now keep the running certificate, with a warning).
 */
struct tcp_retune;
struct tcp_retune *listen_tcp_retune_new(struct listen_tcp *l, const struct input_conf *ic,
    bool unchanged, char *err, size_t errlen);
void listen_tcp_retune_apply(struct listen_tcp *l, const struct input_conf *ic,
    struct tcp_retune *rt);
void listen_tcp_retune_free(struct tcp_retune *rt);	/* NULL is fine */

struct input_stats *listen_tcp_stats(struct listen_tcp *l);

void listen_tcp_free(struct listen_tcp *l);

#endif
