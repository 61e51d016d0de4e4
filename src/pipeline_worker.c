/*
 * pipeline_worker.c: the workers of the pipeline (pipeline.h): each takes
 * a batch, parses, normalizes and formats every message with the batch's
 * ruleset, writes the alerts then the events (a failing write is tried
 * again with a capped back-off until it succeeds or the stop's grace has
 * passed), hands the events to Kafka in receipt order (pipeline_order.c),
 * reports what was written to the senders
 * that wait for it (RELP), and gives the batch back.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ack.h"
#include "alert_merge.h"
#include "archive.h"
#include "deliver.h"
#include "detect.h"
#include "kafka.h"
#include "log.h"
#include "monotime.h"
#include "pipeline_impl.h"
#include "ruleset.h"
#include "stats.h"

/*
 * A failing writer's pause of ns before it tries again.  -1 when the
 * pipeline is stopping and WRITE_STOP_GRACE_NS has passed: give up.
 */
static int
worker_retry_wait(struct pipeline *p, int64_t ns)
{
	struct timespec until;
	int64_t t;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (p->stopping && monotime_ns() - p->stop_ns >= WRITE_STOP_GRACE_NS)
		rc = -1;
	else {
		t = monotime_ns() + ns;
		until.tv_sec = (time_t)(t / 1000000000LL);
		until.tv_nsec = (long)(t % 1000000000LL);
		pthread_cond_timedwait(&p->retry_cv, &p->lock, &until);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/*
 * Write data to one output, trying again until it works (disk full): the
 * worker keeps its batch meanwhile, so the pool runs out and intake pauses.
 * Returns 0 once written, -1 when given up (stopping; counted lost).
 */
static int
worker_write_retry(struct pipeline *p, enum pipeline_output o, struct archive *a,
    const char *data, size_t len)
{
	int64_t backoff = WRITE_RETRY_MIN_NS;
	bool retrying = false;
	int rc = 0;

	while (archive_write(a, data, len) == -1) {
		atomic_fetch_add_explicit(&p->write_errors[o], 1, memory_order_relaxed);
		if (!retrying) {
			retrying = true;
			atomic_fetch_add_explicit(&p->retrying[o], 1, memory_order_relaxed);
		}
		if (worker_retry_wait(p, backoff) == -1) {
			archive_give_up(a, len);
			atomic_fetch_add_explicit(&p->given_up[o], len, memory_order_relaxed);
			rc = -1;
			break;
		}
		backoff = backoff * 2 < WRITE_RETRY_MAX_NS ? backoff * 2 : WRITE_RETRY_MAX_NS;
	}
	if (retrying)
		atomic_fetch_sub_explicit(&p->retrying[o], 1, memory_order_relaxed);
	return rc;
}

/* Remember the detection of an alert just formatted, to count it once written. */
static void
worker_note_alert(struct worker *w, const struct detection *d)
{
	if (w->n_unwritten == w->unwritten_cap) {
		size_t ncap = w->unwritten_cap > 0 ? w->unwritten_cap * 2 : 64;
		const struct detection **n = realloc(w->unwritten, ncap * sizeof(*n));

		if (n == NULL) {
			log_warnx("out of memory: an alert of %s is not counted", d->id);
			return;
		}
		w->unwritten = n;
		w->unwritten_cap = ncap;
	}
	w->unwritten[w->n_unwritten++] = d;
}

/*
 * Offer each alert line formatted so far to the incident table: those it
 * holds are taken out (the daemon writes their incident's alert once its
 * window closes), the others stay, in order, compacted in place.
 */
static void
worker_merge(struct worker *w, struct alert_merge *m)
{
	struct strbuf *a = &w->alerts_out;
	int64_t now = monotime_ms();
	size_t i, start = 0, kept = 0;

	for (i = 0; i < a->len; i++) {
		if (a->data[i] != '\n')
			continue;
		if (alert_merge_offer(m, a->data + start, i - start, now) == 0) {
			memmove(a->data + kept, a->data + start, i + 1 - start);
			kept += i + 1 - start;
		}
		start = i + 1;
	}
	a->len = kept;
}

/*
 * Write what the worker formatted so far: alerts first, then events.  The
 * alerts archive is durable: its own thread fsyncs behind the writes
 * (group commit), so a worker never waits for the disk.  An alert is
 * counted (logward_alerts_total) only once it is in the file.  Returns
 * 0, or -1 when a write was given up (stopping).
 */
static int
worker_write(struct worker *w, const struct pipeline_outputs *out)
{
	struct pipeline *p = w->pipeline;
	int rc = 0;
	size_t i;

	if (w->alerts_out.len > 0 && p->merge != NULL) {
		worker_merge(w, p->merge);
		/* every line held: counted now, written with its incident (daemon.c) */
		if (w->alerts_out.len == 0)
			for (i = 0; i < w->n_unwritten; i++)
				detect_count_alert(out->rules->detect, w->unwritten[i]);
	}
	if (w->alerts_out.len > 0) {
		if (worker_write_retry(p, PIPELINE_ALERTS, out->alerts, w->alerts_out.data,
			w->alerts_out.len) == 0)
			for (i = 0; i < w->n_unwritten; i++)
				detect_count_alert(out->rules->detect, w->unwritten[i]);
		else
			rc = -1;
		/*
		 * then to the webhooks' spools (deliver.h): copied, never blocks.
		 * An alert given up at exit still goes: the spool is its only copy.
		 */
		deliver_submit(out->deliver, w->alerts_out.data, w->alerts_out.len);
		if (out->kafka != NULL)
			kafka_submit_alerts(out->kafka, w->alerts_out.data, w->alerts_out.len);
		strbuf_reset(&w->alerts_out);
	}
	w->n_unwritten = 0;
	if (w->out.len == 0)
		return rc;
	if (worker_write_retry(p, PIPELINE_ARCHIVE, out->archive, w->out.data, w->out.len) == -1)
		rc = -1;
	strbuf_reset(&w->out);
	return rc;
}

/*
 * The batch is written (or not): tell each acknowledging sender which of
 * its messages, one report per run of consecutive items of one sender.
 */
static void
worker_post_acks(const struct batch *b, bool written)
{
	size_t i, j;

	for (i = 0; i < b->n; i = j) {
		const struct batch_item *it = &b->items[i];

		for (j = i + 1; j < b->n && b->items[j].ack == it->ack &&
		    b->items[j].ack_seq == b->items[j - 1].ack_seq + 1; j++)
			;
		if (it->ack != NULL)
			ack_sink_post(it->ack, it->ack_seq, b->items[j - 1].ack_seq, written);
	}
}

/* Same address (the port aside)? */
static bool
peer_same_addr(const struct peer_addr *a, const struct peer_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/*
 * Keep the event line just formatted (out[start..], LF-terminated) in the
 * batch for Kafka, keyed by its host (else its sender) or its sender: it
 * is produced in the batch's turn (pipeline_order.c), so that each host's
 * events stay in receipt order in one partition.  Short of memory, it is
 * produced at once, out of turn rather than lost.
 */
static void
worker_produce(struct kafka *k, struct batch *b, const struct strbuf *out, size_t start,
    const struct process_result *res, const char *source_ip)
{
	const char *key = NULL;
	size_t key_len = 0;

	if (out->len <= start + 1)
		return;
	if (kafka_keys_by_host(k) && res->host.p != NULL && res->host.len > 0) {
		key = res->host.p;
		key_len = res->host.len;
	} else if (kafka_keyed(k) && source_ip != NULL) {
		key = source_ip;
		key_len = strlen(source_ip);
	}
	if (pipeline_order_keep(b, out->data + start, out->len - start - 1, key, key_len) == -1)
		kafka_produce_event(k, out->data + start, out->len - start - 1, key, key_len);
}

/* Parse, normalize and format every message of a batch. */
static void
worker_process_batch(struct worker *w, struct batch *b)
{
	char ip[INET6_ADDRSTRLEN];
	struct peer_addr ip_of = { 0 };
	bool ip_ok = false;
	struct frame_meta meta;
	struct process_result res;
	const struct pipeline_outputs *out = &b->gen->out;
	bool written = true;
	size_t i, start;

	processor_use(&w->proc, out->rules->norms[w->index], out->rules->detect);
	for (i = 0; i < b->n; i++) {
		const struct batch_item *it = &b->items[i];

		meta.input_name = it->input->name;
		meta.transport = it->input->transport;
		meta.protocol = it->input->protocol;
		meta.source_ip = NULL;
		/* a batch is mostly one sender: inet_ntop (sprintf) once per address */
		if (it->peer.family != 0 && !(ip_ok && peer_same_addr(&it->peer, &ip_of))) {
			ip_of = it->peer;
			ip_ok = inet_ntop(it->peer.family, it->peer.addr, ip, sizeof(ip)) != NULL;
		}
		if (it->peer.family != 0 && ip_ok)
			meta.source_ip = ip;
		meta.source_port = it->peer.port;
		meta.tls = it->tls;
		meta.received = it->received;
		meta.frame_flags = it->flags;
		meta.zone = it->zone;
		start = w->out.len;
		if (processor_run(&w->proc, b->data + it->off, it->len, &meta, &w->out,
			out->alerts != NULL ? &w->alerts_out : NULL, &res) == -1) {
			log_warnx("out of memory formatting an event from input %s",
			    it->input->name);
			written = false; /* not in the archive: not acknowledged */
			continue;
		}
		if (out->kafka != NULL)
			worker_produce(out->kafka, b, &w->out, start, &res, meta.source_ip);
		if (res.parse_failed)
			stats_add(&it->input->stats->parse_failures, 1);
		if (res.normalized)
			stats_add(&it->input->stats->normalized, 1);
		if (res.alerted)
			worker_note_alert(w, res.detection);
		if (res.alerted || res.correlated > 0)
			stats_add(&it->input->stats->alerts, (res.alerted ? 1 : 0) + res.correlated);
		if (w->out.len >= WORKER_WRITE_THRESHOLD && worker_write(w, out) == -1)
			written = false;
	}
	if (worker_write(w, out) == -1)
		written = false;
	worker_post_acks(b, written);
}

void *
pipeline_worker_main(void *arg)
{
	struct worker *w = arg;

	struct pipeline *p = w->pipeline;
	struct batch *b;
	bool last;

	while ((b = pipeline_queue_pop(p)) != NULL) {
		worker_process_batch(w, b);
		if (b->seq != PRODUCE_SEQ_NONE)
			pipeline_order_done(p, b); /* produced in its turn, then released */
		else
			pipeline_batch_release(p, b);
	}
	pthread_mutex_lock(&p->lock);
	last = --p->n_running == 0;
	pthread_mutex_unlock(&p->lock);
	if (last && p->stopped_ev != NULL)
		event_active(p->stopped_ev, 0, 0);
	return NULL;
}
