/*
 * stats.h: the counters of one input, updated by the intake loop and the
 * processing workers (relaxed atomics: they are statistics, not locks).
 * Every drop logward cannot avoid is counted here, and stats_log_summary
 * puts the changes in the log (metrics come in a later issue).
 */
#ifndef LOGWARD_STATS_H
#define LOGWARD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct input_stats {
	atomic_uint_fast64_t messages;       /* frames handed to processing */
	atomic_uint_fast64_t bytes;          /* bytes received */
	atomic_uint_fast64_t parse_failures; /* archived with _syslog_parse_failure */
	atomic_uint_fast64_t normalized;     /* a rule matched */
	atomic_uint_fast64_t truncated;      /* frames cut at max_message_size */
	atomic_uint_fast64_t bad_frames;     /* octet counts that were not */
	atomic_uint_fast64_t kernel_drops;   /* UDP: datagrams the kernel dropped (SO_RXQ_OVFL) */
	atomic_uint_fast64_t connections;    /* TCP: accepted */
	atomic_uint_fast64_t connections_open; /* TCP: gauge */
	atomic_uint_fast64_t refused;        /* TCP: over max_connections */
	atomic_uint_fast64_t idle_closed;    /* TCP: closed for idle_timeout */
	atomic_uint_fast64_t paused;         /* times intake stopped reading (backpressure) */
	atomic_uint_fast64_t alerts;         /* alerts written for this input's messages */
};

/* A plain copy for comparing and printing. */
struct input_stats_snapshot {
	uint64_t messages, bytes, parse_failures, normalized, truncated, bad_frames,
	    kernel_drops, connections, connections_open, refused, idle_closed, paused, alerts;
};

static inline void
stats_add(atomic_uint_fast64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static inline void
stats_sub(atomic_uint_fast64_t *counter, uint64_t n)
{
	atomic_fetch_sub_explicit(counter, n, memory_order_relaxed);
}

void stats_snapshot(const struct input_stats *s, struct input_stats_snapshot *out);

/*
 * Log one line for input name when its counters moved since *last (or
 * always when force is set), then update *last.
 */
void stats_log_summary(const char *name, const struct input_stats *s,
    struct input_stats_snapshot *last, int force);

#endif
