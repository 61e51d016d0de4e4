/*
 * input.h: one running input, whatever its transport.  The only module
 * that knows which listener serves which transport: daemon.c opens,
 * pauses, reconfigures and closes inputs through these calls, so a new
 * transport is added here (and in its listener) and nowhere else.
 */
#ifndef LOGWARD_INPUT_H
#define LOGWARD_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

struct event_base;
struct input_conf;
struct listen_tcp;
struct listen_udp;
struct pipeline;

/*
 * A running input.  A plain value: the daemon keeps them in an array and
 * moves them across a reload by copying.  The members are input.c's; the
 * daemon reads conf and keeps last (the summary log's previous counters).
 */
struct input {
	const struct input_conf *conf; /* not owned: in the daemon's current configuration */
	struct listen_udp *udp;	       /* owned; NULL unless transport = udp */
	struct listen_tcp *tcp;	       /* owned; NULL for udp */
	struct input_stats_snapshot last;
};

/*
 * Bind ic's address on base and hand what arrives to pipeline; reading
 * starts at once unless the pipeline is paused.  ic must outlive the
 * input (or be replaced with input_set_conf).  -1 with err set; either
 * way the caller frees with input_free.
 */
int input_open(struct input *in, struct event_base *base, const struct input_conf *ic,
    struct pipeline *pipeline, char *err, size_t errlen);

/* Stop or restart reading (pipeline backpressure). */
void input_pause(struct input *in, bool paused);

/* A reload kept this input (input_conf_same): read its settings from ic from now on. */
void input_set_conf(struct input *in, const struct input_conf *ic);

/* Its counters; owned by the input, valid until input_free. */
struct input_stats *input_stats(struct input *in);

/*
 * Stop: close the listening sockets, deliver what was already read, close
 * the connections.  The counters stay until input_free.
 */
void input_shutdown(struct input *in);

/* After input_shutdown: RELP sessions still answering what was in flight (listen_tcp_busy). */
size_t input_busy(const struct input *in);

/* Free what input_open made; safe on a zeroed or failed input. */
void input_free(struct input *in);

/*
 * What a reload does with a running input whose block (same name) now
 * reads ic: keeps it as it is (the same settings; not TLS, whose files are
 * read again), retunes it (the same transport and address: its sockets and
 * connections stay, input_retune_new), or reopens it.
 */
enum input_reload { INPUT_KEEP, INPUT_RETUNE, INPUT_REOPEN };
enum input_reload input_reload_kind(const struct input_conf *old, const struct input_conf *ic);

/*
 * ic's settings for the running input in, made beside it (listen_tcp.h,
 * listen_udp.h): NULL with err set, in untouched.  input_retune_apply
 * swaps them in (cannot fail; takes rt; ic replaces in's configuration as
 * input_set_conf does); input_retune_free drops them.
 */
struct input_retune;
struct input_retune *input_retune_new(struct input *in, const struct input_conf *ic, char *err,
    size_t errlen);
void input_retune_apply(struct input *in, const struct input_conf *ic, struct input_retune *rt);
void input_retune_free(struct input_retune *rt);	/* NULL is fine */

/* Whether a and b bind the same kind of socket (a port held by one blocks the other). */
bool input_conf_same_socket(const struct input_conf *a, const struct input_conf *b);

/* File descriptors ic may hold at once (connections, listening sockets). */
size_t input_conf_max_fds(const struct input_conf *ic);

#endif
