/*
 * stats.c: snapshots and log summaries of the input counters.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "log.h"
#include "stats.h"

#define LOAD(field) atomic_load_explicit(&s->field, memory_order_relaxed)

void
stats_snapshot(const struct input_stats *s, struct input_stats_snapshot *out)
{
	out->messages = LOAD(messages);
	out->bytes = LOAD(bytes);
	out->parse_failures = LOAD(parse_failures);
	out->normalized = LOAD(normalized);
	out->truncated = LOAD(truncated);
	out->bad_frames = LOAD(bad_frames);
	out->kernel_drops = LOAD(kernel_drops);
	out->connections = LOAD(connections);
	out->connections_open = LOAD(connections_open);
	out->refused = LOAD(refused);
	out->idle_closed = LOAD(idle_closed);
	out->paused = LOAD(paused);
	out->alerts = LOAD(alerts);
	out->refused_acl = LOAD(refused_acl);
	out->refused_per_address = LOAD(refused_per_address);
	out->rate_limited = LOAD(rate_limited);
	out->peer_table_full = LOAD(peer_table_full);
	out->accept_errors = LOAD(accept_errors);
	out->tls_on_plain = LOAD(tls_on_plain);
	out->tls_handshakes = LOAD(tls_handshakes);
	out->tls_failures = 0;
	for (size_t i = 0; i < sizeof(s->tls_failures) / sizeof(s->tls_failures[0]); i++)
		out->tls_failures += LOAD(tls_failures[i]);
	out->pause_stops = LOAD(pause_stops);
}

void
stats_log_summary(const char *name, const struct input_stats *s,
    struct input_stats_snapshot *last, int force)
{
	struct input_stats_snapshot now;

	stats_snapshot(s, &now);
	if (!force && memcmp(&now, last, sizeof(now)) == 0)
		return;
	log_info("input %s: messages=%" PRIu64 " bytes=%" PRIu64
	    " parse_failures=%" PRIu64 " normalized=%" PRIu64
	    " truncated=%" PRIu64 " bad_frames=%" PRIu64
	    " kernel_drops=%" PRIu64 " connections=%" PRIu64
	    " open=%" PRIu64 " refused=%" PRIu64 " idle_closed=%" PRIu64
	    " paused=%" PRIu64 " alerts=%" PRIu64 " refused_acl=%" PRIu64
	    " refused_per_address=%" PRIu64 " rate_limited=%" PRIu64 " table_full=%" PRIu64
	    " accept_errors=%" PRIu64 " tls_on_plain=%" PRIu64 " tls_handshakes=%" PRIu64
	    " tls_failures=%" PRIu64 " pause_stops=%" PRIu64,
	    name, now.messages, now.bytes, now.parse_failures, now.normalized,
	    now.truncated, now.bad_frames, now.kernel_drops, now.connections,
	    now.connections_open, now.refused, now.idle_closed, now.paused, now.alerts,
	    now.refused_acl, now.refused_per_address, now.rate_limited, now.peer_table_full,
	    now.accept_errors, now.tls_on_plain, now.tls_handshakes, now.tls_failures,
	    now.pause_stops);
	*last = now;
}
