/*
 * listen_udp.h: a UDP syslog input.  One datagram is one message (a
 * trailing LF, CR or NUL is removed).  Datagrams are read in batches with
 * recvmmsg; the kernel's own drops are counted through SO_RXQ_OVFL.
 */
#ifndef LOGWARD_LISTEN_UDP_H
#define LOGWARD_LISTEN_UDP_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct input_conf;
struct pipeline;
struct listen_udp;
struct input_stats;

/*
 * Bind every address ic names (a wildcard or name may give several) and
 * start reading on base.  NULL with err set when nothing could be bound.
 * Caller frees with listen_udp_free.
 */
struct listen_udp *listen_udp_new(struct event_base *base, const struct input_conf *ic,
    struct pipeline *pipeline, char *err, size_t errlen);

/* Stop or restart reading (pipeline backpressure). */
void listen_udp_pause(struct listen_udp *l, bool paused);

/* A reload kept this input: read its settings from ic from now on. */
void listen_udp_set_conf(struct listen_udp *l, const struct input_conf *ic);

/*
 * A reload changed this input's settings but not its address: allow and
 * a new rate table are made by listen_udp_retune_new beside the running
 * input (NULL with err set; l untouched), then applied by
 * listen_udp_retune_apply (cannot fail; takes rt; recv_buffer is set on
 * the sockets, 0 leaves them as they are) or dropped with
 * listen_udp_retune_free.
 */
struct udp_retune;
struct udp_retune *listen_udp_retune_new(struct listen_udp *l, const struct input_conf *ic,
    char *err, size_t errlen);
void listen_udp_retune_apply(struct listen_udp *l, const struct input_conf *ic,
    struct udp_retune *rt);
void listen_udp_retune_free(struct udp_retune *rt);	/* NULL is fine */

/*
 * A reload removed or changed this input: read what the kernel already
 * holds (bounded, one wake-up's worth a socket), then close the sockets.
 * The counters stay until listen_udp_free.
 */
void listen_udp_shutdown(struct listen_udp *l);

struct input_stats *listen_udp_stats(struct listen_udp *l);

void listen_udp_free(struct listen_udp *l);

#endif
