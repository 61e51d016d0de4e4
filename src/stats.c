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
	    " paused=%" PRIu64 " alerts=%" PRIu64,
	    name, now.messages, now.bytes, now.parse_failures, now.normalized,
	    now.truncated, now.bad_frames, now.kernel_drops, now.connections,
	    now.connections_open, now.refused, now.idle_closed, now.paused, now.alerts);
	*last = now;
}
