/*
 * metrics.h: the admin's view of a running logward, over HTTP on the main
 * event loop (libevent's evhttp):
 *
 *   GET /metrics   Prometheus text exposition format 0.0.4
 *   GET /healthz   200 "ok" while serving, 503 "draining" after TERM/INT,
 *                  503 "degraded: ..." while an archive or alerts write fails
 *
 * Series are labelled by input name (and transport) only, never by peer
 * address: a hostile sender must not be able to grow the label set.
 * Counters are read with relaxed atomics while workers update them, so a
 * scrape is a consistent-enough snapshot, not a transaction.
 */
#ifndef LOGWARD_METRICS_H
#define LOGWARD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct event_base;
struct alert_merge;
struct correlate;
struct deliver;
struct detect_set;
struct input_stats;
struct kafka;
struct pipeline;
struct retention;
struct strbuf;

/* One input as metrics sees it; nothing here is owned. */
struct metrics_input {
	const char *name;                /* the input block title */
	const char *transport;           /* "udp", "tcp" or "tls" */
	const struct input_stats *stats; /* updated by the listener and workers */
};

/* What a scrape reads; owned by the caller, must outlive the server. */
struct metrics_source {
	const struct metrics_input *inputs;
	size_t n_inputs;
	const struct detect_set *detect; /* NULL: no alert series */
	const struct deliver *deliver;   /* NULL: no webhook series */
	struct correlate *correlate;     /* NULL: no correlation series */
	struct alert_merge *merge;       /* NULL: no incident series (merge_window 0) */
	const struct pipeline *pipeline; /* write errors, degraded health; NULL: none */
	const struct kafka *kafka;       /* NULL: no Kafka series */
	const struct retention *retention; /* NULL: no archive retention series */
	const char *version;             /* build_info's version label */
	time_t last_reload;              /* start-up or the last successful reload */
	bool last_reload_failed;         /* the last SIGHUP kept the running configuration */
	uint64_t reloads_ok, reloads_failed; /* SIGHUP reloads since start-up */
};

/*
 * Append the whole exposition text of src to out.  Returns 0, or -1 when
 * memory runs out (out then holds a partial text).
 */
int metrics_render(const struct metrics_source *src, struct strbuf *out);

struct metrics_server;

/*
 * Listen on host:port (host NULL: every IPv4 address; port "0": any free
 * port, see metrics_server_port) and serve src on base.  Returns the
 * server (caller frees with metrics_server_free), or NULL with err set.
 */
struct metrics_server *metrics_server_new(struct event_base *base, const char *host,
    const char *port, const struct metrics_source *src, char *err, size_t errlen);

/* From now on /healthz answers 503: the daemon is draining. */
void metrics_server_set_draining(struct metrics_server *m);

/* The bound TCP port, in host order. */
int metrics_server_port(const struct metrics_server *m);

void metrics_server_free(struct metrics_server *m); /* NULL is fine */

#endif
