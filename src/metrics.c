/*
 * metrics.c: Prometheus exposition of the input counters and the health
 * endpoint, served by evhttp on the main loop.  The body is built with a
 * small writer that appends literal text, escaped label values and
 * decimal numbers: nothing from a configuration reaches a format string.
 */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "alert_merge.h"
#include "correlate.h"
#include "deliver.h"
#include "kafka.h"
#include "detect.h"
#include "json_writer.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "retention.h"
#include "stats.h"

/* A scrape request is a GET line and a few headers: refuse anything bigger. */
#define METRICS_MAX_HEADERS 8192
#define METRICS_MAX_BODY 0
#define METRICS_TIMEOUT 10 /* seconds per request */

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_server {
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	const struct metrics_source *src; /* not owned */
	bool draining;
};

/* One label of a sample: name is a literal, value is escaped. */
struct metrics_label {
	const char *name;
	const char *value;
};

/* The writer: every append returns -1 once memory ran out, and stays failed. */
struct metrics_writer {
	struct strbuf *out;
	int failed;
};

/* Append literal text. */
static void
mw_text(struct metrics_writer *w, const char *s)
{
	if (!w->failed && strbuf_append_str(w->out, s) == -1)
		w->failed = 1;
}

/* Append a label value: exposition format 0.0.4 escapes \, " and line feed. */
static void
mw_label_value(struct metrics_writer *w, const char *s)
{
	const char *p;

	for (p = s; *p != '\0' && !w->failed; p++) {
		switch (*p) {
		case '\\':
			mw_text(w, "\\\\");
			break;
		case '"':
			mw_text(w, "\\\"");
			break;
		case '\n':
			mw_text(w, "\\n");
			break;
		default:
			if (strbuf_append_char(w->out, *p) == -1)
				w->failed = 1;
		}
	}
}

/* Append an unsigned decimal number. */
static void
mw_uint(struct metrics_writer *w, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	mw_text(w, num);
}

/* "# HELP name help" and "# TYPE name type"; help and type are literals. */
static void
mw_family(struct metrics_writer *w, const char *name, const char *type, const char *help)
{
	mw_text(w, "# HELP ");
	mw_text(w, name);
	mw_text(w, " ");
	mw_text(w, help);
	mw_text(w, "\n# TYPE ");
	mw_text(w, name);
	mw_text(w, " ");
	mw_text(w, type);
	mw_text(w, "\n");
}

/* One sample line: name{l1="v1",...} value. */
static void
mw_sample(struct metrics_writer *w, const char *name, const struct metrics_label *labels,
    size_t n, uint64_t value)
{
	size_t i;

	mw_text(w, name);
	for (i = 0; i < n; i++) {
		mw_text(w, i == 0 ? "{" : ",");
		mw_text(w, labels[i].name);
		mw_text(w, "=\"");
		mw_label_value(w, labels[i].value);
		mw_text(w, "\"");
	}
	if (n > 0)
		mw_text(w, "}");
	mw_text(w, " ");
	mw_uint(w, value);
	mw_text(w, "\n");
}

static uint64_t
mw_load(const atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Which stats field a per-input family reads. */
enum metrics_field {
	MF_MESSAGES,
	MF_BYTES,
	MF_PARSE_FAILURES,
	MF_NORMALIZED,
	MF_CONNECTIONS,
	MF_CONNECTIONS_OPEN,
};

static uint64_t
metrics_field_value(const struct input_stats *s, enum metrics_field f)
{
	switch (f) {
	case MF_MESSAGES:
		return mw_load(&s->messages);
	case MF_BYTES:
		return mw_load(&s->bytes);
	case MF_PARSE_FAILURES:
		return mw_load(&s->parse_failures);
	case MF_NORMALIZED:
		return mw_load(&s->normalized);
	case MF_CONNECTIONS:
		return mw_load(&s->connections);
	case MF_CONNECTIONS_OPEN:
		return mw_load(&s->connections_open);

	}
	return 0;
}

/* TCP, TLS and RELP inputs: the ones with connections. */
static bool
metrics_stream(const struct metrics_input *in)
{
	return strcmp(in->transport, "udp") != 0;
}

/* TLS and RELP over TLS inputs: the ones with handshakes. */
static bool
metrics_tls(const struct metrics_input *in)
{
	return strcmp(in->transport, "tls") == 0 || strcmp(in->transport, "relp-tls") == 0;
}

/* RELP inputs, over TLS or not. */
static bool
metrics_relp(const struct metrics_input *in)
{
	return strncmp(in->transport, "relp", 4) == 0;
}

/* A per-input family: one sample per input (TCP and TLS inputs only when tcp_only). */
static void
metrics_per_input(struct metrics_writer *w, const struct metrics_source *src, const char *name,
    const char *type, const char *help, enum metrics_field f, bool with_transport,
    bool tcp_only)
{
	struct metrics_label l[2];
	size_t i;
	bool any = false;

	for (i = 0; i < src->n_inputs; i++)
		if (!tcp_only || metrics_stream(&src->inputs[i]))
			any = true;
	if (!any)
		return;
	mw_family(w, name, type, help);
	for (i = 0; i < src->n_inputs; i++) {
		const struct metrics_input *in = &src->inputs[i];

		if (tcp_only && !metrics_stream(in))
			continue;
		l[0] = (struct metrics_label){ "input", in->name };
		l[1] = (struct metrics_label){ "transport", in->transport };
		mw_sample(w, name, l, with_transport ? 2 : 1, metrics_field_value(in->stats, f));
	}
}

/*
 * Drops by reason.  A truncated frame is kept (cut at max_message_size)
 * but its tail is lost, so it counts as too_long; the other reasons lose
 * whole messages or connections.  Each transport shows only the reasons
 * that can happen to it.
 */
static void
metrics_dropped(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char name[] = "logward_dropped_messages_total";
	struct metrics_label l[2];
	size_t i;

	mw_family(w, name, "counter",
	    "Messages lost or cut by reason: too_long (truncated at max_message_size), "
	    "bad_frame (invalid octet count), kernel_overflow (UDP receive buffer), "
	    "refused (TCP connections over max_connections or max_connections_per_address), "
	    "refused_acl (senders not in allow: TCP connections, UDP datagrams), "
	    "rate_limited (UDP datagrams over the per-address rate).");
	for (i = 0; i < src->n_inputs; i++) {
		const struct metrics_input *in = &src->inputs[i];
		const struct input_stats *s = in->stats;
		bool tcp = metrics_stream(in);

		l[0] = (struct metrics_label){ "input", in->name };
		l[1] = (struct metrics_label){ "reason", "too_long" };
		mw_sample(w, name, l, 2, mw_load(&s->truncated));
		if (tcp) {
			l[1].value = "bad_frame";
			mw_sample(w, name, l, 2, mw_load(&s->bad_frames));
			l[1].value = "refused";
			mw_sample(w, name, l, 2,
			    mw_load(&s->refused) + mw_load(&s->refused_per_address));
		} else {
			l[1].value = "kernel_overflow";
			mw_sample(w, name, l, 2, mw_load(&s->kernel_drops));
			l[1].value = "rate_limited";
			mw_sample(w, name, l, 2, mw_load(&s->rate_limited));
		}
		l[1].value = "refused_acl";
		mw_sample(w, name, l, 2, mw_load(&s->refused_acl));
	}
}

/* Failed archive and alerts writes: retried, intake paused meanwhile. */
static void
metrics_write_errors(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char name[] = "logward_write_errors_total";
	struct pipeline_write_stats st;
	struct metrics_label l;
	int o;

	if (src->pipeline == NULL)
		return;
	pipeline_get_write_stats(src->pipeline, &st);
	mw_family(w, name, "counter",
	    "Failed archive and alerts writes (disk full, ...), by output; each is retried, "
	    "and intake pauses while they fail.");
	for (o = 0; o < PIPELINE_N_OUTPUTS; o++) {
		l = (struct metrics_label){ "output", pipeline_output_name(o) };
		mw_sample(w, name, &l, 1, st.errors[o]);
	}
}

/* The archive's retention: days compressed and removed, failures by operation. */
static void
metrics_retention(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char errors[] = "logward_archive_retention_errors_total";
	struct retention_stats st;
	struct metrics_label l;
	int op;

	if (src->retention == NULL)
		return;
	retention_get_stats(src->retention, &st);
	mw_family(w, "logward_archive_files_compressed_total", "counter",
	    "Closed archive days compressed (archive { compress }).");
	mw_sample(w, "logward_archive_files_compressed_total", NULL, 0, st.compressed);
	mw_family(w, "logward_archive_files_removed_total", "counter",
	    "Archive files removed as older than keep_days.");
	mw_sample(w, "logward_archive_files_removed_total", NULL, 0, st.removed);
	mw_family(w, errors, "counter",
	    "Failed retention operations (disk full, permissions...), by op: compress, remove; "
	    "the file stays as it was and is tried again at the next pass.");
	for (op = 0; op < RETENTION_N_OPS; op++) {
		l = (struct metrics_label){ "op", retention_op_name(op) };
		mw_sample(w, errors, &l, 1, st.errors[op]);
	}
}

/* TCP rate-limit pauses (nothing lost) and TLS handshakes by outcome. */
static void
metrics_limits(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char paused[] = "logward_rate_limit_pauses_total";
	static const char done[] = "logward_tls_handshakes_total";
	static const char failed[] = "logward_tls_handshake_failures_total";
	struct metrics_label l[2];
	size_t i, n = 0;
	int r;

	for (i = 0; i < src->n_inputs; i++)
		if (metrics_tls(&src->inputs[i]))
			n++;
	if (n == 0)
		goto pauses;
	mw_family(w, done, "counter", "TLS handshakes completed.");
	for (i = 0; i < src->n_inputs; i++)
		if (metrics_tls(&src->inputs[i])) {
			l[0] = (struct metrics_label){ "input", src->inputs[i].name };
			mw_sample(w, done, l, 1, mw_load(&src->inputs[i].stats->tls_handshakes));
		}
	mw_family(w, failed, "counter",
	    "TLS handshakes refused or failed, by reason: protocol (not TLS 1.2/1.3), untrusted "
	    "(no or unverifiable client certificate), name (certificate names not allowed), "
	    "fingerprint (certificate not listed), timeout (handshake_timeout).");
	for (i = 0; i < src->n_inputs; i++) {
		if (!metrics_tls(&src->inputs[i]))
			continue;
		l[0] = (struct metrics_label){ "input", src->inputs[i].name };
		for (r = 0; r < TLS_FAIL_COUNT; r++) {
			l[1] = (struct metrics_label){ "reason", tls_failure_name(r) };
			mw_sample(w, failed, l, 2, mw_load(&src->inputs[i].stats->tls_failures[r]));
		}
	}
pauses:
	for (i = 0, n = 0; i < src->n_inputs; i++)
		if (metrics_stream(&src->inputs[i]))
			n++;
	if (n == 0)
		return;
	mw_family(w, paused, "counter",
	    "Times a TCP or TLS connection stopped being read until its address's rate window "
	    "ended (ratelimit_interval, ratelimit_burst); nothing is dropped.");
	for (i = 0; i < src->n_inputs; i++) {
		if (!metrics_stream(&src->inputs[i]))
			continue;
		l[0] = (struct metrics_label){ "input", src->inputs[i].name };
		mw_sample(w, paused, l, 1, mw_load(&src->inputs[i].stats->rate_limited));
	}
}

/* RELP: messages answered once written, and sessions logward ended, by reason. */
static void
metrics_relp_sessions(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char acked[] = "logward_relp_acknowledged_total";
	static const char closed[] = "logward_relp_sessions_closed_total";
	struct metrics_label l[2];
	size_t i, n = 0;
	int r;

	for (i = 0; i < src->n_inputs; i++)
		if (metrics_relp(&src->inputs[i]))
			n++;
	if (n == 0)
		return;
	mw_family(w, acked, "counter",
	    "RELP messages acknowledged to the sender, each once it was written to the archive "
	    "(and its alert to the alerts file).");
	for (i = 0; i < src->n_inputs; i++)
		if (metrics_relp(&src->inputs[i])) {
			l[0] = (struct metrics_label){ "input", src->inputs[i].name };
			mw_sample(w, acked, l, 1, mw_load(&src->inputs[i].stats->relp_acknowledged));
		}
	mw_family(w, closed, "counter",
	    "RELP sessions logward closed, by reason: a malformed frame (bad_txnr, bad_command, "
	    "unknown_command, bad_datalen, too_large, bad_frame), a protocol error "
	    "(before_open, second_open, bad_offer, after_close, window_overrun), or not_written "
	    "(a write given up: the sender resends).  ok: the sender closed.");
	for (i = 0; i < src->n_inputs; i++) {
		if (!metrics_relp(&src->inputs[i]))
			continue;
		l[0] = (struct metrics_label){ "input", src->inputs[i].name };
		for (r = 0; r < RELP_ERR_COUNT; r++) {
			l[1] = (struct metrics_label){ "reason", relp_error_name(r) };
			mw_sample(w, closed, l, 2, mw_load(&src->inputs[i].stats->relp_closed[r]));
		}
	}
}

/* Alerts by ATT&CK technique, from the detection set's atomic counters. */
static void
metrics_alerts(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char name[] = "logward_alerts_total";
	struct metrics_label l;
	size_t i, n;
	uint64_t count;

	if (src->detect == NULL || (n = detect_technique_count(src->detect)) == 0)
		return;
	mw_family(w, name, "counter", "Alerts written, by ATT&CK technique.");
	for (i = 0; i < n; i++) {
		const struct detect_technique *t = detect_technique_at(src->detect, i, &count);

		if (t == NULL || t->id == NULL)
			continue;
		l = (struct metrics_label){ "technique", t->id };
		mw_sample(w, name, &l, 1, count);
	}
}

/* Webhook refusals by reason, and what replay passes of the alerts file did (replay.h). */
static void
metrics_webhook_replay(struct metrics_writer *w, const struct deliver_stats *st, size_t n)
{
	static const char *const reasons[] = { "spool_full", "write_error", "behind" };
	static const char rname[] = "logward_webhook_refused_total";
	/* in the order of v[] below */
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "logward_webhook_replayed_total", "counter",
		  "Alerts queued from the alerts file: hand-overs lost at a kill, or refused." },
		{ "logward_webhook_replay_damaged_total", "counter",
		  "Damaged alerts file lines a replay skipped." },
		{ "logward_webhook_replay_untracked_total", "counter",
		  "Alerts taken whose hash could not be recorded: may repeat after a restart." },
		{ "logward_webhook_unwritten_acks", "gauge",
		  "Delivered alerts whose acknowledgement is kept in memory (disk full)." },
	};
	struct metrics_label l[2];
	size_t i, r, f;

	mw_family(w, rname, "counter",
	    "Alerts not spooled when handed over, by reason: spool_full (max_spool_bytes), "
	    "write_error (the spool disk), behind (the delivery thread was behind); each is "
	    "queued later from the alerts file.");
	for (i = 0; i < n; i++) {
		const uint64_t v[] = { st[i].refused_full, st[i].refused_error, st[i].refused_behind };

		l[0] = (struct metrics_label){ "webhook", st[i].name };
		for (r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++) {
			l[1] = (struct metrics_label){ "reason", reasons[r] };
			mw_sample(w, rname, l, 2, v[r]);
		}
	}
	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		mw_family(w, fam[f].name, fam[f].type, fam[f].help);
		for (i = 0; i < n; i++) {
			const uint64_t v[] = { st[i].replayed, st[i].damaged, st[i].untracked,
				st[i].unwritten_acks };

			l[0] = (struct metrics_label){ "webhook", st[i].name };
			mw_sample(w, fam[f].name, l, 1, v[f]);
		}
	}
}

/* Webhook deliveries by result, each spool's length and oldest record, storm control. */
static void
metrics_webhooks(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char *const results[] = { "delivered", "retried", "failed", "refused" };
	static const char dname[] = "logward_webhook_deliveries_total";
	static const char qname[] = "logward_webhook_spool_records";
	static const char aname[] = "logward_webhook_spool_oldest_age_seconds";
	static const char fname[] = "logward_webhook_storm_folded_total";
	static const char uname[] = "logward_webhook_storm_unfolded_total";
	size_t i, r, n = deliver_count(src->deliver);
	struct deliver_stats *st;
	struct metrics_label l[2];

	if (n == 0)
		return;
	if ((st = calloc(n, sizeof(*st))) == NULL) {
		w->failed = 1;
		return;
	}
	for (i = 0; i < n; i++)
		deliver_get_stats(src->deliver, i, &st[i]);
	mw_family(w, dname, "counter",
	    "Alerts by webhook and result: delivered (2xx), retried (attempts to be "
	    "repeated), failed (moved to the dead-letter file), refused (not spooled).");
	for (i = 0; i < n; i++) {
		const uint64_t v[] = { st[i].delivered, st[i].retries, st[i].failed, st[i].refused };

		l[0] = (struct metrics_label){ "webhook", st[i].name };
		for (r = 0; r < sizeof(results) / sizeof(results[0]); r++) {
			l[1] = (struct metrics_label){ "result", results[r] };
			mw_sample(w, dname, l, 2, v[r]);
		}
	}
	mw_family(w, qname, "gauge", "Alerts in the webhook's spool not yet delivered.");
	for (i = 0; i < n; i++) {
		l[0] = (struct metrics_label){ "webhook", st[i].name };
		mw_sample(w, qname, l, 1, st[i].queued);
	}
	mw_family(w, aname, "gauge", "Age of the oldest undelivered alert in the spool; 0 when none.");
	for (i = 0; i < n; i++) {
		l[0] = (struct metrics_label){ "webhook", st[i].name };
		mw_sample(w, aname, l, 1, st[i].oldest_age_ms / 1000);
	}
	mw_family(w, fname, "counter",
	    "Alerts folded into a storm summary instead of delivered one by one.");
	for (i = 0; i < n; i++) {
		l[0] = (struct metrics_label){ "webhook", st[i].name };
		mw_sample(w, fname, l, 1, st[i].folded);
	}
	mw_family(w, uname, "counter",
	    "Alerts storm control had no room to fold (4096 open windows): delivered one by one.");
	for (i = 0; i < n; i++) {
		l[0] = (struct metrics_label){ "webhook", st[i].name };
		mw_sample(w, uname, l, 1, st[i].unfolded);
	}
	metrics_webhook_replay(w, st, n);
	free(st);
}

#ifdef HAVE_KAFKA
/* Per-broker state from librdkafka's statistics (brokers come from the cluster, bounded). */
static void
metrics_kafka_brokers(struct metrics_writer *w, const struct kafka_stats *st)
{
	static const char bname[] = "logward_kafka_broker_up";
	struct metrics_label l[2] = { { "output", st->name }, { "broker", "" } };
	size_t i;

	mw_family(w, bname, "gauge",
	    "1 when librdkafka's connection to the broker is up (state UP), else 0.");
	for (i = 0; i < st->n_brokers; i++) {
		l[1].value = st->brokers[i].name;
		mw_sample(w, bname, l, 2, st->brokers[i].up ? 1 : 0);
	}
}

/* The Kafka output: messages by stream and result, failures by reason, queue, spool. */
static void
metrics_kafka(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char *const streams[] = { "events", "alerts" };
	static const char mname[] = "logward_kafka_messages_total";
	static const char fname[] = "logward_kafka_failed_total";
	static const char rname[] = "logward_kafka_spool_refused_total";
	struct kafka_stats st;
	struct metrics_label l[3];
	size_t s, r;

	if (src->kafka == NULL)
		return;
	kafka_get_stats(src->kafka, &st);
	l[0] = (struct metrics_label){ "output", st.name };
	mw_family(w, mname, "counter",
	    "Messages by stream and result: produced (into librdkafka's queue), delivered "
	    "(a successful delivery report: the only success).");
	for (s = 0; s < KAFKA_N_STREAMS; s++) {
		l[1] = (struct metrics_label){ "stream", streams[s] };
		l[2] = (struct metrics_label){ "result", "produced" };
		mw_sample(w, mname, l, 3, st.produced[s]);
		l[2] = (struct metrics_label){ "result", "delivered" };
		mw_sample(w, mname, l, 3, st.delivered[s]);
	}
	mw_family(w, fname, "counter",
	    "Messages that will never be delivered, by stream and reason (permanent errors; "
	    "stopped: still queued at exit, spooled alerts are produced again at start-up).");
	for (s = 0; s < KAFKA_N_STREAMS; s++)
		for (r = 0; r < KAFKA_N_REASONS; r++) {
			l[1] = (struct metrics_label){ "stream", streams[s] };
			l[2] = (struct metrics_label){ "reason", kafka_reason_name(r) };
			mw_sample(w, fname, l, 3, st.failed[s][r]);
		}
	mw_family(w, "logward_kafka_queue_messages", "gauge",
	    "Messages in librdkafka's queue, waiting for a delivery report.");
	mw_sample(w, "logward_kafka_queue_messages", l, 1, st.queue_depth);
	mw_family(w, "logward_kafka_queue_full_waits_total", "counter",
	    "Times a worker found the queue full and waited (intake pauses meanwhile).");
	mw_sample(w, "logward_kafka_queue_full_waits_total", l, 1, st.queue_full_waits);
	mw_family(w, "logward_kafka_retries_total", "counter",
	    "Sends librdkafka repeated: messages sent to a partition again after a retriable "
	    "produce error, and requests retried after a transport error.");
	mw_sample(w, "logward_kafka_retries_total", l, 1, st.retries);
	mw_family(w, "logward_kafka_producer_restarts_total", "counter",
	    "Producers replaced: after a fatal idempotent-producer error, or by a reload.");
	l[1] = (struct metrics_label){ "reason", "fatal" };
	mw_sample(w, "logward_kafka_producer_restarts_total", l, 2, st.restarts[KAFKA_RESTART_FATAL]);
	l[1] = (struct metrics_label){ "reason", "reload" };
	mw_sample(w, "logward_kafka_producer_restarts_total", l, 2, st.restarts[KAFKA_RESTART_RELOAD]);
	mw_family(w, "logward_kafka_spool_records", "gauge",
	    "Alerts in the Kafka spool, not yet delivered.");
	mw_sample(w, "logward_kafka_spool_records", l, 1, st.spool_records);
	mw_family(w, rname, "counter",
	    "Alerts the spool refused, by reason: spool_full (max_spool_bytes), write_error; "
	    "each is produced anyway, without surviving a restart.");
	l[1] = (struct metrics_label){ "reason", "spool_full" };
	mw_sample(w, rname, l, 2, st.spool_refused_full);
	l[1] = (struct metrics_label){ "reason", "write_error" };
	mw_sample(w, rname, l, 2, st.spool_refused_error);
	metrics_kafka_brokers(w, &st);
}
#endif

/* The correlator's state and what it could not keep (its bound is max_entries). */
static void
metrics_correlate(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char dname[] = "logward_correlate_dropped_total";
	struct correlate_stats st;
	struct metrics_label l = { "reason", "max_entries" };

	if (src->correlate == NULL)
		return;
	correlate_get_stats(src->correlate, &st);
	mw_family(w, "logward_correlate_entries", "gauge",
	    "Facts the correlator holds now (bounded by correlate max_entries).");
	mw_sample(w, "logward_correlate_entries", NULL, 0, st.entries);
	mw_family(w, "logward_correlate_scopes", "gauge", "Hosts with correlation state now.");
	mw_sample(w, "logward_correlate_scopes", NULL, 0, st.scopes);
	mw_family(w, "logward_correlate_facts_total", "counter",
	    "Facts (account created, deleted, admin added, session) seen by the correlator.");
	mw_sample(w, "logward_correlate_facts_total", NULL, 0, st.facts);
	mw_family(w, dname, "counter",
	    "Facts the correlator could not keep, by reason (max_entries: the state was full).");
	mw_sample(w, dname, &l, 1, st.overflow);
	mw_family(w, "logward_correlate_journal_errors_total", "counter",
	    "Writes of the correlation journal that failed.");
	mw_sample(w, "logward_correlate_journal_errors_total", NULL, 0, st.journal_errors);
	mw_family(w, "logward_correlate_journal_damaged_records_total", "counter",
	    "Damaged journal records skipped when the state was read back at start-up.");
	mw_sample(w, "logward_correlate_journal_damaged_records_total", NULL, 0, st.bad_records);
}

/* Incidents held (alert_merge.h) and the alerts written on their own at a bound. */
static void
metrics_merge(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char uname[] = "logward_alerts_unmerged_total";
	struct alert_merge_stats st;
	struct metrics_label l = { "reason", NULL };
	int r;

	if (src->merge == NULL)
		return;
	alert_merge_get_stats(src->merge, &st);
	mw_family(w, "logward_alert_incidents_open", "gauge",
	    "Incidents whose merge window is open now (bounded by alerts merge_max).");
	mw_sample(w, "logward_alert_incidents_open", NULL, 0, st.open);
	mw_family(w, "logward_alerts_merged_total", "counter",
	    "Alert lines linked into the alert of an incident opened by another line.");
	mw_sample(w, "logward_alerts_merged_total", NULL, 0, st.merged);
	mw_family(w, uname, "counter",
	    "Alerts written on their own although they could have merged, by reason "
	    "(table_full: merge_max incidents open; incident_full; no_memory).");
	for (r = 0; r < ALERT_MERGE_REASONS; r++) {
		l.value = alert_merge_reason_name((enum alert_merge_reason)r);
		mw_sample(w, uname, &l, 1, st.unmerged[r]);
	}
}

/* Whether the last reload took, and how many did or did not (Prometheus' own names). */
static void
metrics_reloads(struct metrics_writer *w, const struct metrics_source *src)
{
	static const char name[] = "logward_config_reloads_total";
	struct metrics_label l = { "result", "success" };

	mw_family(w, "logward_config_last_reload_successful", "gauge",
	    "1 when the last SIGHUP reload succeeded (or none was asked), 0 when it failed "
	    "and the previous configuration kept running.");
	mw_sample(w, "logward_config_last_reload_successful", NULL, 0,
	    src->last_reload_failed ? 0 : 1);
	mw_family(w, name, "counter", "SIGHUP reloads by result.");
	mw_sample(w, name, &l, 1, src->reloads_ok);
	l.value = "failure";
	mw_sample(w, name, &l, 1, src->reloads_failed);
}

/* Render the whole exposition: build info first, then the inputs, then alerts. */
int
metrics_render(const struct metrics_source *src, struct strbuf *out)
{
	struct metrics_writer w = { out, 0 };
	struct metrics_label l = { "version", src->version != NULL ? src->version : "" };

	mw_family(&w, "logward_build_info", "gauge", "Always 1; the version is a label.");
	mw_sample(&w, "logward_build_info", &l, 1, 1);
	mw_family(&w, "logward_config_last_reload_success_timestamp_seconds", "gauge",
	    "When the running configuration was loaded, in seconds since the epoch.");
	mw_sample(&w, "logward_config_last_reload_success_timestamp_seconds", NULL, 0,
	    src->last_reload > 0 ? (uint64_t)src->last_reload : 0);
	metrics_reloads(&w, src);
	metrics_per_input(&w, src, "logward_received_messages_total", "counter",
	    "Messages received and handed to processing.", MF_MESSAGES, true, false);
	metrics_per_input(&w, src, "logward_received_bytes_total", "counter",
	    "Bytes received.", MF_BYTES, true, false);
	metrics_dropped(&w, src);
	metrics_write_errors(&w, src);
	metrics_retention(&w, src);
	metrics_per_input(&w, src, "logward_parse_failures_total", "counter",
	    "Messages archived with _syslog_parse_failure.", MF_PARSE_FAILURES, false, false);
	metrics_per_input(&w, src, "logward_normalized_messages_total", "counter",
	    "Messages a normalization rule matched.", MF_NORMALIZED, false, false);
	metrics_per_input(&w, src, "logward_tcp_connections_total", "counter",
	    "TCP connections accepted.", MF_CONNECTIONS, false, true);
	metrics_per_input(&w, src, "logward_tcp_connections_open", "gauge",
	    "TCP connections open now.", MF_CONNECTIONS_OPEN, false, true);
	metrics_limits(&w, src);
	metrics_relp_sessions(&w, src);
	metrics_alerts(&w, src);
	metrics_webhooks(&w, src);
#ifdef HAVE_KAFKA
	metrics_kafka(&w, src);
#endif
	metrics_correlate(&w, src);
	metrics_merge(&w, src);
	return w.failed ? -1 : 0;
}

/* Send a plain-text reply and its status. */
static void
metrics_reply(struct evhttp_request *req, int code, const char *reason, const char *type,
    const char *body, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (evbuffer_add(buf, body, len) == -1) {
		evbuffer_free(buf);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

/* GET /metrics. */
static void
metrics_metricscb(struct evhttp_request *req, void *arg)
{
	struct metrics_server *m = arg;
	struct strbuf sb;

	strbuf_init(&sb);
	if (metrics_render(m->src, &sb) == -1) {
		log_warnx("metrics: out of memory");
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else
		metrics_reply(req, HTTP_OK, "OK", METRICS_CONTENT_TYPE, sb.data != NULL ? sb.data : "",
		    sb.len);
	strbuf_free(&sb);
}

/* The output whose writes fail now, or NULL. */
static const char *
metrics_failing_output(const struct metrics_source *src)
{
	struct pipeline_write_stats st;
	int o;

	if (src->pipeline == NULL)
		return NULL;
	pipeline_get_write_stats(src->pipeline, &st);
	for (o = 0; o < PIPELINE_N_OUTPUTS; o++)
		if (st.failing[o])
			return pipeline_output_name(o);
	return NULL;
}

/*
 * GET /healthz: listening with a loaded configuration; draining; or
 * degraded while a write fails (intake is paused: a load balancer should
 * send elsewhere, but a restart would not help).
 */
static void
metrics_healthzcb(struct evhttp_request *req, void *arg)
{
	struct metrics_server *m = arg;
	const char *failing = metrics_failing_output(m->src);
	char body[64];

	if (m->draining)
		metrics_reply(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
		    "draining\n", 9);
	else if (failing != NULL) {
		snprintf(body, sizeof(body), "degraded: %s writes failing\n", failing);
		metrics_reply(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
		    body, strlen(body));
	} else
		metrics_reply(req, HTTP_OK, "OK", "text/plain; charset=utf-8", "ok\n", 3);
}

/* Every other path. */
static void
metrics_notfoundcb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	metrics_reply(req, HTTP_NOTFOUND, "Not Found", "text/plain; charset=utf-8",
	    "not found\n", 10);
}

struct metrics_server *
metrics_server_new(struct event_base *base, const char *host, const char *port,
    const struct metrics_source *src, char *err, size_t errlen)
{
	struct metrics_server *m;
	char *end;
	unsigned long p;

	p = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p > 65535) {
		snprintf(err, errlen, "metrics: port \"%s\" is invalid", port);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->src = src;
	if ((m->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "metrics: cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(m->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, METRICS_MAX_BODY);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT);
	if (evhttp_set_cb(m->http, "/metrics", metrics_metricscb, m) != 0 ||
	    evhttp_set_cb(m->http, "/healthz", metrics_healthzcb, m) != 0) {
		snprintf(err, errlen, "metrics: cannot register the handlers");
		goto fail;
	}
	evhttp_set_gencb(m->http, metrics_notfoundcb, m);
	m->bound = evhttp_bind_socket_with_handle(m->http, host != NULL ? host : "0.0.0.0",
	    (ev_uint16_t)p);
	if (m->bound == NULL) {
		snprintf(err, errlen, "metrics: cannot listen on %s:%s", host != NULL ? host : "*",
		    port);
		goto fail;
	}
	return m;
fail:
	metrics_server_free(m);
	return NULL;
}

void
metrics_server_set_draining(struct metrics_server *m)
{
	if (m != NULL)
		m->draining = true;
}

int
metrics_server_port(const struct metrics_server *m)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	evutil_socket_t fd = evhttp_bound_socket_get_fd(m->bound);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

void
metrics_server_free(struct metrics_server *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);
	free(m);
}
