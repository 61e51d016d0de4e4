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

#include "relp_frame.h"
#include "tls.h"

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
	atomic_uint_fast64_t pause_stops;    /* TCP: connections stopped (and later restarted) by those */
	atomic_uint_fast64_t alerts;         /* alerts written for this input's messages */
	atomic_uint_fast64_t refused_acl;    /* peers not in allow: connections (TCP) or datagrams (UDP) */
	atomic_uint_fast64_t refused_per_address; /* TCP: over max_connections_per_address */
	atomic_uint_fast64_t rate_limited;   /* UDP: datagrams dropped; TCP: times a connection was paused */
	atomic_uint_fast64_t peer_table_full; /* per-address table full: a live address forgotten, or (TCP) none free */
	atomic_uint_fast64_t accept_errors;  /* TCP: accept failed (EMFILE, ...) */
	atomic_uint_fast64_t tls_on_plain;   /* TCP: a TLS handshake arrived on a plain input: closed */
	atomic_uint_fast64_t tls_handshakes; /* TLS: completed */
	atomic_uint_fast64_t tls_failures[TLS_FAIL_COUNT]; /* TLS: failed, by enum tls_failure */
	atomic_uint_fast64_t relp_acknowledged; /* RELP: messages answered once written */
	atomic_uint_fast64_t relp_closed[RELP_ERR_COUNT]; /* RELP: sessions ended, by enum relp_error */
};

/* A plain copy for comparing and printing. */
struct input_stats_snapshot {
	uint64_t messages, bytes, parse_failures, normalized, truncated, bad_frames,
	    kernel_drops, connections, connections_open, refused, idle_closed, paused, alerts,
	    refused_acl, refused_per_address, rate_limited, peer_table_full, accept_errors,
	    tls_on_plain, tls_handshakes, tls_failures,	/* all reasons */
	    pause_stops;
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
