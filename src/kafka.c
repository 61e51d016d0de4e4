/*
 * kafka.c: the Kafka output (librdkafka).  See kafka.h for the contract:
 * backpressure through the workers, a durable spool for alerts, delivery
 * reports served on a thread of our own woken by the queue's IO event.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json.h>
#include <json_object_iterator.h>
#include <librdkafka/rdkafka.h>

#include "json_writer.h"
#include "kafka.h"
#include "kafka_conf.h"
#include "log.h"
#include "spool.h"

/* Alert lines handed over and not yet spooled: past this, workers wait. */
#define KAFKA_PENDING_MAX (1024 * 1024)
/* After the flush_timeout, the purged messages' reports are waited for this long. */
#define KAFKA_PURGE_WAIT_MS 1000
/* A worker on a full queue wakes on a delivery report, or after this. */
#define KAFKA_ROOM_WAIT_MS 100
/* Events served per wake-up before the loop looks at its other work. */
#define KAFKA_SERVE_BATCH 256

/*
 * The opaque of a message says what it is: an event, an alert that the
 * spool refused (produced anyway, not durable), or a spooled alert
 * (its spool seq + KAFKA_TAG_SPOOLED).
 */
#define KAFKA_TAG_EVENT 0
#define KAFKA_TAG_UNSPOOLED 1
#define KAFKA_TAG_SPOOLED 2

struct kafka {
	char *name, *topic_name, *alerts_topic_name, *spool_dir;
	enum kafka_key key;
	uint64_t max_spool_bytes;
	int64_t flush_ms;              /* flush_timeout: from kafka_stop to the purge */
	rd_kafka_t *rk;
	rd_kafka_topic_t *events;
	rd_kafka_topic_t *alerts;      /* NULL: alerts are not published */
	rd_kafka_queue_t *mainq;       /* delivery reports, errors, statistics */
	int wake[2];                   /* the main queue's IO event pipe */

	struct event_base *base;       /* the thread's loop */
	struct event *wake_ev;         /* wake[0] readable */
	struct event *submit_ev;       /* alerts handed over */
	struct event *drain_ev;        /* kafka_free: until delivered or the deadline */
	pthread_t thread;
	bool started;
	int64_t drain_deadline_ms;

	pthread_mutex_t lock;          /* guards pending and stopping */
	pthread_cond_t room_cv;        /* broadcast after delivery reports and hand-overs */
	struct strbuf pending;         /* alert lines handed over */
	bool stopping;
	int64_t stop_ms;

	/* the thread's own */
	struct spool *spool;
	struct strbuf taking;          /* alert lines being spooled */
	struct strbuf unspooled;       /* alert lines the spool refused, waiting for room */
	struct strbuf read_buf;
	bool alerts_blocked;           /* an alert met a full queue: again after reports */
	bool fail_logged[KAFKA_N_REASONS]; /* a streak of this failure is logged */
	rd_kafka_resp_err_t error_logged; /* the last client error logged; 0: none */
	bool fatal;

	atomic_uint_fast64_t produced[KAFKA_N_STREAMS];
	atomic_uint_fast64_t delivered[KAFKA_N_STREAMS];
	atomic_uint_fast64_t failed[KAFKA_N_STREAMS][KAFKA_N_REASONS];
	atomic_uint_fast64_t queue_full_waits;
	atomic_uint_fast64_t spool_records;
	atomic_uint_fast64_t spool_refused_full, spool_refused_error;
	atomic_size_t unspooled_bytes;

	pthread_mutex_t stats_lock;    /* guards the broker table below */
	uint64_t retries;
	size_t n_brokers;
	struct {
		char name[96];
		bool up;
	} brokers[KAFKA_MAX_BROKERS];
};

static const char *const kafka_reason_names[KAFKA_N_REASONS] = {
	"message_too_large", "authorization", "unknown_topic", "invalid_record", "stopped",
	"fatal", "other",
};

const char *
kafka_reason_name(enum kafka_reason r)
{
	return r < KAFKA_N_REASONS ? kafka_reason_names[r] : "other";
}

static int64_t
kafka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The reason label of a permanent delivery error. */
static enum kafka_reason
kafka_reason_of(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
		return KAFKA_FAIL_TOO_LARGE;
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
		return KAFKA_FAIL_AUTHORIZATION;
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
		return KAFKA_FAIL_UNKNOWN_TOPIC;
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
		return KAFKA_FAIL_INVALID;
	case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
	case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
	case RD_KAFKA_RESP_ERR__DESTROY:
		return KAFKA_FAIL_STOPPED;
	case RD_KAFKA_RESP_ERR__FATAL:
		return KAFKA_FAIL_FATAL;
	default:
		return KAFKA_FAIL_OTHER;
	}
}

/* Count a message that will never be delivered; log the first of a streak. */
static void
kafka_count_failure(struct kafka *k, enum kafka_stream s, rd_kafka_resp_err_t err)
{
	enum kafka_reason r = kafka_reason_of(err);

	atomic_fetch_add_explicit(&k->failed[s][r], 1, memory_order_relaxed);
	if (k->fail_logged[r] || r == KAFKA_FAIL_STOPPED)
		return;
	k->fail_logged[r] = true;
	log_warnx("kafka %s: %s not delivered: %s (counted in logward_kafka_failed_total"
		  "{reason=\"%s\"}; logged again after a delivery)",
	    k->name, s == KAFKA_EVENTS ? "an event" : "an alert", rd_kafka_err2str(err),
	    kafka_reason_name(r));
}

/* A delivery succeeded: end the failure and error streaks, say so once. */
static void
kafka_note_success(struct kafka *k)
{
	size_t i;

	if (k->error_logged != RD_KAFKA_RESP_ERR_NO_ERROR) {
		log_info("kafka %s: delivering again", k->name);
		k->error_logged = RD_KAFKA_RESP_ERR_NO_ERROR;
	}
	for (i = 0; i < KAFKA_N_REASONS; i++)
		k->fail_logged[i] = false;
}

/* One delivery report. */
static void
kafka_report(struct kafka *k, const rd_kafka_message_t *m)
{
	uintptr_t tag = (uintptr_t)m->_private;
	enum kafka_stream s = tag == KAFKA_TAG_EVENT ? KAFKA_EVENTS : KAFKA_ALERTS;
	struct spool_record *r;

	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		atomic_fetch_add_explicit(&k->delivered[s], 1, memory_order_relaxed);
		kafka_note_success(k);
		if (tag >= KAFKA_TAG_SPOOLED)
			spool_ack(k->spool, tag - KAFKA_TAG_SPOOLED);
		return;
	}
	kafka_count_failure(k, s, m->err);
	if (tag < KAFKA_TAG_SPOOLED)
		return;
	/* stopping: the spool keeps it for the next start; else it is in the alerts file */
	if (kafka_reason_of(m->err) == KAFKA_FAIL_STOPPED &&
	    (r = spool_find(k->spool, tag - KAFKA_TAG_SPOOLED)) != NULL)
		r->in_flight = false;
	else
		spool_ack(k->spool, tag - KAFKA_TAG_SPOOLED);
}

/* A client error (brokers down, transport): log each new one once a streak. */
static void
kafka_client_error(struct kafka *k, rd_kafka_event_t *ev)
{
	rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
	char why[512];

	if (rd_kafka_event_error_is_fatal(ev)) {
		rd_kafka_fatal_error(k->rk, why, sizeof(why));
		log_warnx("kafka %s: fatal producer error: %s: every message from now on fails "
			  "(counted as fatal); restart logward",
		    k->name, why);
		k->fatal = true;
		return;
	}
	if (err == k->error_logged)
		return;
	k->error_logged = err;
	log_warnx("kafka %s: %s (messages wait in the queue; logged again on recovery)", k->name,
	    rd_kafka_event_error_string(ev));
}

/* The int64 member name of o, 0 when absent. */
static int64_t
kafka_json_int(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) ? json_object_get_int64(v) : 0;
}

/*
 * Messages sent to a partition again, from the statistics' "topics".
 * librdkafka retries a Produce whose response carries a partition error
 * (NOT_ENOUGH_REPLICAS, LEADER_NOT_AVAILABLE...) by putting its messages
 * back on the partition's queue, which no statistic counts (txretries
 * counts requests sent again after a transport error only).  But txmsgs
 * counts every transmission, and the messages that left the partition's
 * queues (msgs - msgq_cnt - xmit_msgq_cnt) were each sent at least once:
 * the difference is the messages sent again (ahead by those waiting for
 * their retry, behind by those purged unsent; the caller keeps the
 * maximum, so the counter never goes back).
 */
static uint64_t
kafka_stats_resent(struct json_object *root)
{
	struct json_object *topics, *parts;
	struct json_object_iterator t, tend, p, pend;
	int64_t resent = 0, d;

	if (!json_object_object_get_ex(root, "topics", &topics) ||
	    !json_object_is_type(topics, json_type_object))
		return 0;
	t = json_object_iter_begin(topics);
	tend = json_object_iter_end(topics);
	for (; !json_object_iter_equal(&t, &tend); json_object_iter_next(&t)) {
		if (!json_object_object_get_ex(json_object_iter_peek_value(&t), "partitions", &parts) ||
		    !json_object_is_type(parts, json_type_object))
			continue;
		p = json_object_iter_begin(parts);
		pend = json_object_iter_end(parts);
		for (; !json_object_iter_equal(&p, &pend); json_object_iter_next(&p)) {
			struct json_object *part = json_object_iter_peek_value(&p);

			/* -1 holds the messages not yet partitioned: never sent */
			if (kafka_json_int(part, "partition") < 0)
				continue;
			d = kafka_json_int(part, "txmsgs") -
			    (kafka_json_int(part, "msgs") - kafka_json_int(part, "msgq_cnt") -
				kafka_json_int(part, "xmit_msgq_cnt"));
			if (d > 0)
				resent += d;
		}
	}
	return (uint64_t)resent;
}

/* librdkafka's statistics: each broker's state and the sends retried. */
static void
kafka_stats_json(struct kafka *k, const char *text)
{
	struct json_object *root = json_tokener_parse(text), *brokers;
	struct json_object_iterator it, end;
	uint64_t retries = 0;
	size_t n = 0;

	if (root == NULL)
		return;
	if (!json_object_object_get_ex(root, "brokers", &brokers) ||
	    !json_object_is_type(brokers, json_type_object)) {
		json_object_put(root);
		return;
	}
	it = json_object_iter_begin(brokers);
	end = json_object_iter_end(brokers);
	pthread_mutex_lock(&k->stats_lock);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *bname = json_object_iter_peek_name(&it);
		struct json_object *b = json_object_iter_peek_value(&it);
		struct json_object *state, *tx, *nodeid;

		if (json_object_object_get_ex(b, "txretries", &tx))
			retries += (uint64_t)json_object_get_int64(tx);
		/* the bootstrap entries (nodeid -1) stand for addresses, not brokers */
		if (!json_object_object_get_ex(b, "nodeid", &nodeid) ||
		    json_object_get_int(nodeid) < 0 || n == KAFKA_MAX_BROKERS)
			continue;
		snprintf(k->brokers[n].name, sizeof(k->brokers[n].name), "%s", bname);
		k->brokers[n].up = json_object_object_get_ex(b, "state", &state) &&
		    strcmp(json_object_get_string(state), "UP") == 0;
		n++;
	}
	k->n_brokers = n;
	retries += kafka_stats_resent(root);
	if (retries > k->retries)
		k->retries = retries;
	pthread_mutex_unlock(&k->stats_lock);
	json_object_put(root);
}

static void kafka_send_alerts(struct kafka *k);

/* Serve the main queue: reports, errors, statistics.  True when more may wait. */
static bool
kafka_serve(struct kafka *k)
{
	rd_kafka_event_t *ev;
	const rd_kafka_message_t *m;
	int i;

	for (i = 0; i < KAFKA_SERVE_BATCH; i++) {
		if ((ev = rd_kafka_queue_poll(k->mainq, 0)) == NULL)
			break;
		switch (rd_kafka_event_type(ev)) {
		case RD_KAFKA_EVENT_DR:
			while ((m = rd_kafka_event_message_next(ev)) != NULL)
				kafka_report(k, m);
			break;
		case RD_KAFKA_EVENT_ERROR:
			kafka_client_error(k, ev);
			break;
		case RD_KAFKA_EVENT_STATS:
			kafka_stats_json(k, rd_kafka_event_stats(ev));
			break;
		default:
			break;
		}
		rd_kafka_event_destroy(ev);
	}
	atomic_store_explicit(&k->spool_records, k->spool != NULL ? spool_count(k->spool) : 0,
	    memory_order_relaxed);
	/* the reports made room: wake the workers waiting on a full queue */
	pthread_mutex_lock(&k->lock);
	pthread_cond_broadcast(&k->room_cv);
	pthread_mutex_unlock(&k->lock);
	if (k->alerts_blocked) {
		k->alerts_blocked = false;
		kafka_send_alerts(k);
	}
	return i == KAFKA_SERVE_BATCH;
}

/* The IO event pipe is readable: the main queue has something. */
static void
kafka_wakecb(evutil_socket_t fd, short what, void *arg)
{
	struct kafka *k = arg;
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	/* the pipe is written only when the queue turns non-empty: serve it dry */
	if (kafka_serve(k))
		event_active(k->wake_ev, EV_READ, 0);
}

/* Produce one alert line; 0, 1 when the queue is full, -1 on another error (counted). */
static int
kafka_produce_alert(struct kafka *k, const char *line, size_t len, uintptr_t tag)
{
	rd_kafka_resp_err_t err;

	if (k->alerts == NULL) {
		/* no alerts_topic: nothing to send; drop it from the spool at once */
		return 0;
	}
	err = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->alerts),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)line, len),
	    RD_KAFKA_V_OPAQUE((void *)tag), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		atomic_fetch_add_explicit(&k->produced[KAFKA_ALERTS], 1, memory_order_relaxed);
		return 0;
	}
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		k->alerts_blocked = true;
		return 1;
	}
	kafka_count_failure(k, KAFKA_ALERTS, err);
	return -1;
}

/* Produce the spooled alerts not in flight, oldest first, until the queue is full. */
static void
kafka_send_spooled(struct kafka *k)
{
	struct spool_record *r = NULL;
	uint64_t seq;
	int rc;

	while ((r = spool_next(k->spool, r)) != NULL) {
		if (r->in_flight)
			continue;
		strbuf_reset(&k->read_buf);
		seq = r->seq;
		if (spool_read(k->spool, r, &k->read_buf) == -1)
			return; /* logged; the record stays for the next pass */
		if (k->alerts == NULL) {
			spool_ack(k->spool, seq);
			r = NULL; /* the ack may move records: start over */
			continue;
		}
		rc = kafka_produce_alert(k, k->read_buf.data, k->read_buf.len,
		    KAFKA_TAG_SPOOLED + seq);
		if (rc == 1)
			return;
		if (rc == -1) {
			spool_ack(k->spool, seq); /* never deliverable; it is in the alerts file */
			r = NULL;
			continue;
		}
		r->in_flight = true;
	}
}

/* Produce the alert lines the spool refused, in order, until the queue is full. */
static void
kafka_send_unspooled(struct kafka *k)
{
	size_t off = 0;
	char *lf;

	while (off < k->unspooled.len) {
		lf = memchr(k->unspooled.data + off, '\n', k->unspooled.len - off);
		if (lf == NULL)
			break;
		if (kafka_produce_alert(k, k->unspooled.data + off,
			(size_t)(lf - (k->unspooled.data + off)), KAFKA_TAG_UNSPOOLED) == 1)
			break;
		off = (size_t)(lf - k->unspooled.data) + 1;
	}
	if (off == 0)
		return; /* nothing produced (and data may be NULL: nothing held) */
	memmove(k->unspooled.data, k->unspooled.data + off, k->unspooled.len - off);
	k->unspooled.len -= off;
	atomic_store_explicit(&k->unspooled_bytes, k->unspooled.len, memory_order_relaxed);
}

static void
kafka_send_alerts(struct kafka *k)
{
	if (k->spool != NULL)
		kafka_send_spooled(k);
	if (!k->alerts_blocked)
		kafka_send_unspooled(k);
}

/* Spool one alert line; what the spool refuses waits in memory, counted. */
static void
kafka_spool_line(struct kafka *k, const char *line, size_t len, int64_t now)
{
	enum spool_status st = spool_append(k->spool, line, len, now);

	if (st == SPOOL_OK)
		return;
	atomic_fetch_add_explicit(st == SPOOL_FULL ? &k->spool_refused_full : &k->spool_refused_error,
	    1, memory_order_relaxed);
	if (strbuf_append(&k->unspooled, line, len) == -1 ||
	    strbuf_append_char(&k->unspooled, '\n') == -1)
		log_warnx("kafka %s: out of memory: an alert is not published", k->name);
}

/* Alerts were handed over: spool them, fsync, produce. */
static void
kafka_submitcb(evutil_socket_t fd, short what, void *arg)
{
	struct kafka *k = arg;
	struct strbuf t;
	size_t off = 0;
	int64_t now = kafka_now_ms();
	char *lf;

	if (k->spool == NULL)
		return; /* no alerts topic: nothing is handed over */
	pthread_mutex_lock(&k->lock);
	t = k->pending;
	k->pending = k->taking;
	k->taking = t;
	strbuf_reset(&k->pending);
	pthread_cond_broadcast(&k->room_cv);
	pthread_mutex_unlock(&k->lock);
	while (off < k->taking.len &&
	    (lf = memchr(k->taking.data + off, '\n', k->taking.len - off)) != NULL) {
		kafka_spool_line(k, k->taking.data + off, (size_t)(lf - (k->taking.data + off)), now);
		off = (size_t)(lf - k->taking.data) + 1;
	}
	strbuf_reset(&k->taking);
	atomic_store_explicit(&k->unspooled_bytes, k->unspooled.len, memory_order_relaxed);
	/* durable before the first attempt (spool.h) */
	spool_sync(k->spool);
	kafka_send_alerts(k);
	atomic_store_explicit(&k->spool_records, spool_count(k->spool), memory_order_relaxed);
}

/* kafka_free: leave the loop once everything is delivered, or at the deadline. */
static void
kafka_draincb(evutil_socket_t fd, short what, void *arg)
{
	struct kafka *k = arg;

	kafka_serve(k);
	if (rd_kafka_outq_len(k->rk) == 0 || kafka_now_ms() >= k->drain_deadline_ms)
		event_base_loopbreak(k->base);
}

static void *
kafka_main(void *arg)
{
	struct kafka *k = arg;

	event_base_dispatch(k->base);
	return NULL;
}

/* librdkafka's own log lines: debug only (errors reach us as events, logged once). */
static void
kafka_logcb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	log_debug("kafka %s: %s: %s", rd_kafka_name(rk), fac, buf);
}

/* Set one librdkafka property; -1 with err set. */
static int
kafka_set(rd_kafka_conf_t *rc, const char *name, const char *value, char *err, size_t errlen)
{
	char why[256];

	if (rd_kafka_conf_set(rc, name, value, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "%s: %s", name, kafka_property_secret(name, strlen(name)) ?
	    "invalid value" : why);
	return -1;
}

/* The producer's configuration: our guarantees first, then the pass-through. */
static rd_kafka_conf_t *
kafka_make_conf(const struct kafka_settings *s, char *err, size_t errlen)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char num[32], name[256];
	size_t i;

	if (rc == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (kafka_set(rc, "bootstrap.servers", s->brokers, err, errlen) == -1 ||
	    kafka_set(rc, "enable.idempotence", "true", err, errlen) == -1 ||
	    kafka_set(rc, "acks", "all", err, errlen) == -1 ||
	    /* no timeout: a message leaves the queue delivered or failed for good */
	    kafka_set(rc, "message.timeout.ms", "0", err, errlen) == -1 ||
	    kafka_set(rc, "compression.codec", s->compression, err, errlen) == -1 ||
	    kafka_set(rc, "statistics.interval.ms", "1000", err, errlen) == -1 ||
	    kafka_set(rc, "log.connection.close", "false", err, errlen) == -1)
		goto fail;
	snprintf(num, sizeof(num), "%u", s->queue_max_messages);
	if (kafka_set(rc, "queue.buffering.max.messages", num, err, errlen) == -1)
		goto fail;
	snprintf(num, sizeof(num), "%u", s->queue_max_kbytes);
	if (kafka_set(rc, "queue.buffering.max.kbytes", num, err, errlen) == -1)
		goto fail;
	snprintf(name, sizeof(name), "logward-%s", s->name);
	if (kafka_set(rc, "client.id", name, err, errlen) == -1)
		goto fail;
	for (i = 0; i < s->n_properties; i++) {
		const char *p = s->properties[i], *eq = strchr(p, '=');
		size_t n = (size_t)(eq - p);

		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (kafka_set(rc, name, eq + 1, err, errlen) == -1)
			goto fail;
	}
	rd_kafka_conf_set_events(rc, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_STATS);
	rd_kafka_conf_set_log_cb(rc, kafka_logcb);
	return rc;
fail:
	rd_kafka_conf_destroy(rc);
	return NULL;
}

/* strdup, NULL for NULL; sets *failed when memory runs out. */
static char *
kafka_strdup(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

struct kafka *
kafka_new(const struct kafka_settings *s, const char *spool_dir, char *err, size_t errlen)
{
	struct kafka *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *rc = NULL;
	char why[512];
	int failed = 0;

	if (k == NULL) {
		snprintf(err, errlen, "kafka %s: out of memory", s->name);
		return NULL;
	}
	k->wake[0] = k->wake[1] = -1;
	pthread_mutex_init(&k->lock, NULL);
	pthread_mutex_init(&k->stats_lock, NULL);
	pthread_cond_init(&k->room_cv, NULL);
	strbuf_init(&k->pending);
	strbuf_init(&k->taking);
	strbuf_init(&k->unspooled);
	strbuf_init(&k->read_buf);
	k->key = s->key;
	k->max_spool_bytes = s->max_spool_bytes;
	k->flush_ms = (int64_t)s->flush_timeout * 1000;
	k->name = kafka_strdup(s->name, &failed);
	k->topic_name = kafka_strdup(s->topic, &failed);
	k->alerts_topic_name = kafka_strdup(s->alerts_topic, &failed);
	k->spool_dir = kafka_strdup(spool_dir, &failed);
	if (failed) {
		snprintf(err, errlen, "kafka %s: out of memory", s->name);
		goto fail;
	}
	if ((rc = kafka_make_conf(s, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s:%d: kafka \"%s\": %s", s->file, s->line, s->name, why);
		goto fail;
	}
	if ((k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s:%d: kafka \"%s\": %s", s->file, s->line, s->name, why);
		goto fail;
	}
	rc = NULL; /* rd_kafka_new took it */
	k->events = rd_kafka_topic_new(k->rk, s->topic, NULL);
	if (s->alerts_topic != NULL)
		k->alerts = rd_kafka_topic_new(k->rk, s->alerts_topic, NULL);
	if (k->events == NULL || (s->alerts_topic != NULL && k->alerts == NULL)) {
		snprintf(err, errlen, "kafka %s: topic: %s", s->name,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	return k;
fail:
	if (rc != NULL)
		rd_kafka_conf_destroy(rc);
	kafka_free(k);
	return NULL;
}

/* The thread's loop, its events, and the IO event pipe; -1 with err set. */
static int
kafka_make_loop(struct kafka *k, char *err, size_t errlen)
{
	if (pipe2(k->wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "kafka %s: pipe: %s", k->name, strerror(errno));
		return -1;
	}
	k->base = event_base_new();
	if (k->base == NULL) {
		snprintf(err, errlen, "kafka %s: cannot create the event loop", k->name);
		return -1;
	}
	k->wake_ev = event_new(k->base, k->wake[0], EV_READ | EV_PERSIST, kafka_wakecb, k);
	k->submit_ev = event_new(k->base, -1, 0, kafka_submitcb, k);
	k->drain_ev = event_new(k->base, -1, EV_PERSIST, kafka_draincb, k);
	if (k->wake_ev == NULL || k->submit_ev == NULL || k->drain_ev == NULL ||
	    event_add(k->wake_ev, NULL) == -1) {
		snprintf(err, errlen, "kafka %s: cannot create the loop's events", k->name);
		return -1;
	}
	k->mainq = rd_kafka_queue_get_main(k->rk);
	rd_kafka_queue_io_event_enable(k->mainq, k->wake[1], "1", 1);
	return 0;
}

int
kafka_start(struct kafka *k, char *err, size_t errlen)
{
	char name[300], why[512];

	if (kafka_make_loop(k, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof(name), "kafka-%s", k->name);
	if (k->alerts == NULL)
		goto run; /* no alerts topic: no spool */
	k->spool = spool_open(k->spool_dir, name, k->max_spool_bytes, why, sizeof(why));
	if (k->spool == NULL) {
		snprintf(err, errlen, "kafka %s: %s", k->name, why);
		return -1;
	}
	if (spool_count(k->spool) > 0)
		log_info("kafka %s: %zu alerts in the spool, produced again", k->name,
		    spool_count(k->spool));
	kafka_send_alerts(k);
	atomic_store_explicit(&k->spool_records, spool_count(k->spool), memory_order_relaxed);
run:
	if (pthread_create(&k->thread, NULL, kafka_main, k) != 0) {
		snprintf(err, errlen, "kafka %s: cannot start its thread", k->name);
		return -1;
	}
	k->started = true;
	/* reports that arrived before the loop ran wrote to the pipe already */
	return 0;
}

bool
kafka_keys_by_host(const struct kafka *k)
{
	return k->key == KAFKA_KEY_HOST;
}

bool
kafka_keyed(const struct kafka *k)
{
	return k->key != KAFKA_KEY_NONE;
}

/*
 * Wait for delivery reports to make room (or KAFKA_ROOM_WAIT_MS: a report
 * may come between the full queue and the wait).  -1 once stopping and
 * the flush_timeout has passed.
 */
static int
kafka_wait_room(struct kafka *k)
{
	struct timespec until;
	int rc = 0;

	pthread_mutex_lock(&k->lock);
	if (k->stopping && kafka_now_ms() - k->stop_ms >= k->flush_ms)
		rc = -1;
	else {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += KAFKA_ROOM_WAIT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&k->room_cv, &k->lock, &until);
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

void
kafka_produce_event(struct kafka *k, const char *line, size_t len, const char *key,
    size_t key_len)
{
	rd_kafka_resp_err_t err;
	bool waited = false;

	for (;;) {
		err = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->events),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)line, len),
		    RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_OPAQUE((void *)KAFKA_TAG_EVENT),
		    RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			atomic_fetch_add_explicit(&k->produced[KAFKA_EVENTS], 1, memory_order_relaxed);
			return;
		}
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			/* refused before queueing (too large, fatal): counted, not logged per message */
			atomic_fetch_add_explicit(&k->failed[KAFKA_EVENTS][kafka_reason_of(err)], 1,
			    memory_order_relaxed);
			return;
		}
		if (!waited) {
			waited = true;
			atomic_fetch_add_explicit(&k->queue_full_waits, 1, memory_order_relaxed);
		}
		if (kafka_wait_room(k) == -1) {
			atomic_fetch_add_explicit(&k->failed[KAFKA_EVENTS][KAFKA_FAIL_STOPPED], 1,
			    memory_order_relaxed);
			return;
		}
	}
}

void
kafka_submit_alerts(struct kafka *k, const char *lines, size_t len)
{
	bool gave_up = false;

	if (len == 0 || k->alerts == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	/* the thread is behind (the disk, or a long outage filled memory): wait */
	while (k->pending.len + atomic_load_explicit(&k->unspooled_bytes, memory_order_relaxed) >=
	    KAFKA_PENDING_MAX) {
		pthread_mutex_unlock(&k->lock);
		if (kafka_wait_room(k) == -1) {
			gave_up = true;
			pthread_mutex_lock(&k->lock);
			break;
		}
		pthread_mutex_lock(&k->lock);
	}
	if (gave_up || strbuf_append(&k->pending, lines, len) == -1) {
		pthread_mutex_unlock(&k->lock);
		atomic_fetch_add_explicit(&k->failed[KAFKA_ALERTS][KAFKA_FAIL_STOPPED], 1,
		    memory_order_relaxed);
		return;
	}
	pthread_mutex_unlock(&k->lock);
	if (k->started)
		event_active(k->submit_ev, 0, 0);
}

void
kafka_stop(struct kafka *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	if (!k->stopping) {
		k->stopping = true;
		k->stop_ms = kafka_now_ms();
	}
	pthread_cond_broadcast(&k->room_cv);
	pthread_mutex_unlock(&k->lock);
}

void
kafka_get_stats(const struct kafka *k, struct kafka_stats *st)
{
	struct kafka *mk = (struct kafka *)k; /* the locks only */
	size_t s, r;

	memset(st, 0, sizeof(*st));
	st->name = k->name;
	for (s = 0; s < KAFKA_N_STREAMS; s++) {
		st->produced[s] = atomic_load_explicit(&k->produced[s], memory_order_relaxed);
		st->delivered[s] = atomic_load_explicit(&k->delivered[s], memory_order_relaxed);
		for (r = 0; r < KAFKA_N_REASONS; r++)
			st->failed[s][r] = atomic_load_explicit(&k->failed[s][r], memory_order_relaxed);
	}
	st->queue_full_waits = atomic_load_explicit(&k->queue_full_waits, memory_order_relaxed);
	st->queue_depth = k->rk != NULL ? (uint64_t)rd_kafka_outq_len(k->rk) : 0;
	st->spool_records = atomic_load_explicit(&k->spool_records, memory_order_relaxed);
	st->spool_refused_full = atomic_load_explicit(&k->spool_refused_full, memory_order_relaxed);
	st->spool_refused_error =
	    atomic_load_explicit(&k->spool_refused_error, memory_order_relaxed);
	pthread_mutex_lock(&mk->stats_lock);
	st->retries = k->retries;
	st->n_brokers = k->n_brokers;
	for (s = 0; s < k->n_brokers; s++) {
		memcpy(st->brokers[s].name, k->brokers[s].name, sizeof(st->brokers[s].name));
		st->brokers[s].up = k->brokers[s].up;
	}
	pthread_mutex_unlock(&mk->stats_lock);
}

void
kafka_log_summary(const struct kafka *k)
{
	struct kafka_stats st;
	uint64_t failed = 0;
	size_t s, r, up = 0;

	if (k == NULL)
		return;
	kafka_get_stats(k, &st);
	for (s = 0; s < KAFKA_N_STREAMS; s++)
		for (r = 0; r < KAFKA_N_REASONS; r++)
			failed += st.failed[s][r];
	for (s = 0; s < st.n_brokers; s++)
		up += st.brokers[s].up ? 1 : 0;
	log_info("kafka %s: events produced %" PRIu64 " delivered %" PRIu64 ", alerts produced %"
		 PRIu64 " delivered %" PRIu64 ", failed %" PRIu64 ", queued %" PRIu64
		 ", spooled alerts %" PRIu64 ", brokers up %zu/%zu",
	    st.name, st.produced[KAFKA_EVENTS], st.delivered[KAFKA_EVENTS],
	    st.produced[KAFKA_ALERTS], st.delivered[KAFKA_ALERTS], failed, st.queue_depth,
	    st.spool_records, up, st.n_brokers);
}

/*
 * Stop the thread once what it holds is delivered, or flush_timeout after
 * kafka_stop: one deadline for the workers waiting on a full queue and
 * for this flush, so TERM takes at most that long for Kafka.
 */
static void
kafka_drain(struct kafka *k)
{
	struct timeval tick = { 0, 50 * 1000 };

	pthread_mutex_lock(&k->lock);
	k->drain_deadline_ms = k->stop_ms + k->flush_ms;
	pthread_mutex_unlock(&k->lock);
	/* the loop thread spools what was handed over first (active events run in order) */
	event_active(k->submit_ev, 0, 0);
	if (event_add(k->drain_ev, &tick) == -1)
		event_base_loopbreak(k->base);
	pthread_join(k->thread, NULL);
	k->started = false;
	if (rd_kafka_outq_len(k->rk) > 0) {
		log_warnx("kafka %s: %d messages not delivered at exit within flush_timeout "
			  "(%" PRId64 " s; counted as stopped; the events are in the archive, "
			  "the alerts stay in the spool)",
		    k->name, rd_kafka_outq_len(k->rk), k->flush_ms / 1000);
		rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		/* the purged messages' reports */
		while (rd_kafka_outq_len(k->rk) > 0 &&
		    kafka_now_ms() < k->drain_deadline_ms + KAFKA_PURGE_WAIT_MS)
			if (!kafka_serve(k))
				usleep(10 * 1000);
		kafka_serve(k);
	}
}

void
kafka_free(struct kafka *k)
{
	if (k == NULL)
		return;
	kafka_stop(k);
	if (k->started)
		kafka_drain(k);
	if (k->mainq != NULL) {
		rd_kafka_queue_io_event_enable(k->mainq, -1, NULL, 0);
		rd_kafka_queue_destroy(k->mainq);
	}
	if (k->events != NULL)
		rd_kafka_topic_destroy(k->events);
	if (k->alerts != NULL)
		rd_kafka_topic_destroy(k->alerts);
	if (k->rk != NULL)
		rd_kafka_destroy(k->rk);
	spool_close(k->spool);
	if (k->wake_ev != NULL)
		event_free(k->wake_ev);
	if (k->submit_ev != NULL)
		event_free(k->submit_ev);
	if (k->drain_ev != NULL)
		event_free(k->drain_ev);
	if (k->base != NULL)
		event_base_free(k->base);
	if (k->wake[0] != -1)
		close(k->wake[0]);
	if (k->wake[1] != -1)
		close(k->wake[1]);
	strbuf_free(&k->pending);
	strbuf_free(&k->taking);
	strbuf_free(&k->unspooled);
	strbuf_free(&k->read_buf);
	pthread_cond_destroy(&k->room_cv);
	pthread_mutex_destroy(&k->lock);
	pthread_mutex_destroy(&k->stats_lock);
	free(k->name);
	free(k->topic_name);
	free(k->alerts_topic_name);
	free(k->spool_dir);
	free(k);
}
