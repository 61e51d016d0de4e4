/*
 * process.h: one framed message through parse, normalize, event
 * formatting and detection.  The processing workers and the offline
 * --test-rules mode both go through here, so what --test-rules prints is
 * what the daemon archives and alerts.
 */
#ifndef LOGWARD_PROCESS_H
#define LOGWARD_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_writer.h"
#include "parse.h"

struct alert_ids;
struct correlate;
struct detect_set;
struct detection;
struct normalizer;
struct peer_tls;

/* Per-thread processing state; owns its scratch buffer. */
struct processor {
	struct normalizer *norm; /* owned when norm_owned (processor_init) */
	bool norm_owned;
	struct strbuf scratch;
	const struct detect_set *detect; /* shared, not owned; NULL: no detection */
	bool explain;            /* alerts carry logward.explain (--test-rules) */
	struct correlate *correlate; /* shared, not owned; NULL: no correlation */
	struct alert_ids *ids;   /* shared, not owned; NULL: alerts without event.id */
	const char *observer_hostname; /* not owned; NULL: left out */
};

/* Where and when a frame arrived. */
struct frame_meta {
	const char *input_name;
	const char *transport;
	const char *source_ip;   /* text, or NULL */
	uint16_t source_port;
	const struct peer_tls *tls; /* TLS senders: what the handshake showed; else NULL */
	struct timespec received;
	unsigned frame_flags;    /* FRAME_* */
	const char *protocol;    /* NULL, or "relp" (network.protocol) */
	const struct tz_zone *zone; /* zone-less timestamps' zone; NULL: TZ */
};

struct process_result {
	bool parse_failed;
	bool normalized;
	bool alerted;            /* an alert line was appended */
	const struct detection *detection; /* its detection, when alerted: the caller
				      counts the alert (detect_count_alert) once it is written */
	unsigned correlated;     /* correlated alert lines appended after it */
	struct slice host;       /* the syslog HOSTNAME (into frame; p NULL: none): Kafka's key */
};

/* Load rulebases into a new processor; -1 with err on failure (call processor_fini). */
int processor_init(struct processor *p, const char *rules_path, char *err, size_t errlen);
void processor_fini(struct processor *p);

/*
 * A processor without rules of its own: the workers point it at the
 * normalizer and detections of each batch's ruleset with processor_use.
 */
void processor_init_shared(struct processor *p);

/* Run the next messages with norm and set (neither owned; set may be NULL). */
void processor_use(struct processor *p, struct normalizer *norm, const struct detect_set *set);

/*
 * Run detections from set (shared read-only by every processor; the
 * caller keeps it alive until processor_fini).  explain: --test-rules.
 */
void processor_set_detect(struct processor *p, const struct detect_set *set, bool explain);

/*
 * Give the facts of detected events to c (shared by every processor and
 * thread-safe; the caller keeps it alive until processor_fini).  NULL: none.
 */
void processor_set_correlate(struct processor *p, struct correlate *c);

/*
 * Give every alert an event.id from ids (shared by every processor; the
 * counter is atomic) and observer.hostname; the caller keeps both alive
 * until processor_fini.  NULL: left out.
 */
void processor_set_stamp(struct processor *p, struct alert_ids *ids, const char *observer_hostname);

/*
 * Append the event for frame[0..len) (one JSON line) to out and, when a
 * detection holds, its alert line to alerts (NULL: no detection), then
 * the alert lines of the correlations its fact completes.  Returns
 * 0, or -1 when out of memory (the event is then not appended; an alert
 * that could not be formatted is logged and dropped).
 */
int processor_run(struct processor *p, const char *frame, size_t len,
    const struct frame_meta *meta, struct strbuf *out, struct strbuf *alerts,
    struct process_result *res);

#endif
