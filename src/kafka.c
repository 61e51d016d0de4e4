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
 * The opaque of a message says what it is, in its two low bits: an event,
 * an alert that the spool refused (produced anyway, not durable), or a
 * spooled alert; and above them a number: an event's produce order (a
 * producer's undelivered events move to its successor in that order), a
 * spooled alert's spool seq.
 */
#define KAFKA_TAG_EVENT 0
#define KAFKA_TAG_UNSPOOLED 1
#define KAFKA_TAG_SPOOLED 2
#define KAFKA_TAG(type, n) ((uintptr_t)(n) << 2 | (type))
#define KAFKA_TAG_TYPE(tag) ((tag) & 3)
#define KAFKA_TAG_N(tag) ((uint64_t)((tag) >> 2))
/* While a producer is replaced, a tick to see whether it has drained. */
#define KAFKA_SWITCH_TICK_US (50 * 1000)

/*
 * One librdkafka producer and its topics.  The kafka block has a current
 * one; a reload prepares the next, and a fatal error makes a new one from
 * the same configuration (conf): the old one is retired and what it did not
 * deliver moves over (kafka_switch_*).
 */
struct kafka_producer {
	rd_kafka_t *rk;
	rd_kafka_topic_t *events;
	rd_kafka_topic_t *alerts;      /* NULL: alerts are not published */
	rd_kafka_queue_t *mainq;       /* delivery reports, errors, statistics */
	rd_kafka_conf_t *conf;         /* a copy of rk's configuration; owned */
	char *topic, *alerts_topic;    /* owned */
	int key;                       /* enum kafka_key */
	int64_t flush_ms;              /* flush_timeout */
};

/*
 * An undelivered event of a retired producer, to produce again (moved_buf).
 * The list holds at most what that producer's queue held
 * (queue_max_messages, queue_max_kbytes), and is emptied before the switch
 * ends.
 */
struct kafka_moved {
	uint64_t n;                    /* its produce order */
	size_t off;
	uint32_t len, key_len;
};

struct kafka {
	char *name, *spool_dir;
	atomic_int key;                /* enum kafka_key of the current producer */
	uint64_t max_spool_bytes;
	int64_t flush_ms;              /* the current producer's flush_timeout; under lock */
	bool has_alerts;               /* an alerts topic at start: the spool is open */
	struct kafka_producer cur;     /* written under lock by the thread only */
	int wake[2];                   /* the main queues' IO event pipe */
	atomic_uint_fast64_t event_n;  /* the next event's produce order */

	struct event_base *base;       /* the thread's loop */
	struct event *wake_ev;         /* wake[0] readable */
	struct event *submit_ev;       /* alerts handed over */
	struct event *drain_ev;        /* kafka_free: until delivered or the deadline */
	pthread_t thread;
	bool started;
	int64_t drain_deadline_ms;

	pthread_mutex_t lock;          /* guards pending, stopping, next, switching, cur */
	pthread_cond_t room_cv;        /* broadcast after delivery reports and hand-overs */
	struct strbuf pending;         /* alert lines handed over */
	bool stopping;
	int64_t stop_ms;
	struct kafka_producer *next;   /* a reload's, waiting for its switch; owned */
	bool switching;                /* a producer is being replaced: events wait */

	/* the thread's own: replacing the producer */
	struct kafka_producer *incoming; /* the successor, until the current one drained */
	struct kafka_producer old;     /* retired: its reports are served until none is left */
	int64_t switch_deadline_ms;    /* then the current one is purged and retired */
	struct event *switch_ev;       /* a tick while switching */
	struct event *reload_ev;       /* kafka_reload_commit handed a producer over */
	bool in_switch;                /* from kafka_switch_begin to kafka_switch_end */
	bool cur_fatal;                /* the current producer had a fatal error */
	bool exiting;                  /* kafka_drain purged: failures are failures */
	bool dead;                     /* it could not be made again: events fail */
	struct strbuf moved_buf;       /* the moved events' lines and keys */
	struct kafka_moved *moved;
	size_t n_moved, moved_cap, moved_done;
	bool moved_sorted;             /* moved[moved_done..] is in produce order */
	size_t switch_moved;           /* messages moved over in this switch */
	uint64_t retries_base;         /* the retired producers' retries */
	atomic_uint_fast64_t restarts[KAFKA_N_RESTARTS];

	/* the thread's own */
	struct spool *spool;
	struct strbuf taking;          /* alert lines being spooled */
	struct strbuf unspooled;       /* alert lines the spool refused, waiting for room */
	struct strbuf read_buf;
	bool alerts_blocked;           /* an alert met a full queue: again after reports */
	bool fail_logged[KAFKA_N_REASONS]; /* a streak of this failure is logged */
	rd_kafka_resp_err_t error_logged; /* the last client error logged; 0: none */

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
/*
 * A retired producer's message that failed for a reason of the producer
 * (purged, fatal), not of the message: its successor produces it again.
 * Events wait in the moved list (produced in their order once the retired
 * producer has no report left); unspooled alerts go back to their queue;
 * spooled alerts are sent again from the spool.
 */
static void
kafka_move(struct kafka *k, const rd_kafka_message_t *m, uintptr_t tag)
{
	struct spool_record *r;
	struct kafka_moved *mv;
	size_t off = k->moved_buf.len;

	k->switch_moved++;
	switch (KAFKA_TAG_TYPE(tag)) {
	case KAFKA_TAG_SPOOLED:
		if ((r = spool_find(k->spool, KAFKA_TAG_N(tag))) != NULL)
			r->in_flight = false;
		return;
	case KAFKA_TAG_UNSPOOLED:
		if (strbuf_append(&k->unspooled, m->payload, m->len) == -1 ||
		    strbuf_append_char(&k->unspooled, '\n') == -1)
			log_warnx("kafka %s: out of memory: an alert is not published", k->name);
		atomic_store_explicit(&k->unspooled_bytes, k->unspooled.len, memory_order_relaxed);
		return;
	default:
		break;
	}
	if (k->n_moved == k->moved_cap) {
		size_t ncap = k->moved_cap > 0 ? k->moved_cap * 2 : 1024;

		if ((mv = realloc(k->moved, ncap * sizeof(*mv))) == NULL)
			goto nomem;
		k->moved = mv;
		k->moved_cap = ncap;
	}
	if (strbuf_append(&k->moved_buf, m->payload, m->len) == -1 ||
	    (m->key_len > 0 && strbuf_append(&k->moved_buf, m->key, m->key_len) == -1)) {
		k->moved_buf.len = off;
		goto nomem;
	}
	k->moved_sorted = false;
	mv = &k->moved[k->n_moved++];
	mv->n = KAFKA_TAG_N(tag);
	mv->off = off;
	mv->len = (uint32_t)m->len;
	mv->key_len = (uint32_t)m->key_len;
	return;
nomem:
	kafka_count_failure(k, KAFKA_EVENTS, RD_KAFKA_RESP_ERR__FATAL);
}

/* Whether a failure is the producer's (it moves to the next one), not the message's. */
static bool
kafka_movable(rd_kafka_resp_err_t err)
{
	enum kafka_reason r = kafka_reason_of(err);

	return r == KAFKA_FAIL_STOPPED || r == KAFKA_FAIL_FATAL || r == KAFKA_FAIL_OTHER;
}

/* One delivery report; retiring: its producer is being replaced. */
static void
kafka_report(struct kafka *k, const rd_kafka_message_t *m, bool retiring)
{
	uintptr_t tag = (uintptr_t)m->_private;
	enum kafka_stream s = KAFKA_TAG_TYPE(tag) == KAFKA_TAG_EVENT ? KAFKA_EVENTS : KAFKA_ALERTS;
	bool spooled = KAFKA_TAG_TYPE(tag) == KAFKA_TAG_SPOOLED;
	struct spool_record *r;

	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		atomic_fetch_add_explicit(&k->delivered[s], 1, memory_order_relaxed);
		kafka_note_success(k);
		if (spooled)
			spool_ack(k->spool, KAFKA_TAG_N(tag));
		return;
	}
	if (retiring && kafka_movable(m->err) && !k->exiting) {
		kafka_move(k, m, tag);
		return;
	}
	kafka_count_failure(k, s, m->err);
	if (!spooled)
		return;
	/* stopping: the spool keeps it for the next start; else it is in the alerts file */
	if (kafka_reason_of(m->err) == KAFKA_FAIL_STOPPED &&
	    (r = spool_find(k->spool, KAFKA_TAG_N(tag))) != NULL)
		r->in_flight = false;
	else
		spool_ack(k->spool, KAFKA_TAG_N(tag));
}

static void kafka_switch_begin(struct kafka *k, bool now);

/* A client error (brokers down, transport): log each new one once a streak. */
static void
kafka_client_error(struct kafka *k, rd_kafka_event_t *ev)
{
	rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
	char why[512];

	if (rd_kafka_event_error_is_fatal(ev)) {
		if (k->cur_fatal)
			return; /* being replaced already */
		rd_kafka_fatal_error(k->cur.rk, why, sizeof(why));
		log_warnx("kafka %s: fatal producer error: %s: the producer is made anew and what "
			  "it did not deliver is produced again (counted in "
			  "logward_kafka_producer_restarts_total{reason=\"fatal\"})",
		    k->name, why);
		atomic_fetch_add_explicit(&k->restarts[KAFKA_RESTART_FATAL], 1, memory_order_relaxed);
		k->cur_fatal = true;
		kafka_switch_begin(k, true);
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
	retries += kafka_stats_resent(root) + k->retries_base;
	if (retries > k->retries)
		k->retries = retries;
	pthread_mutex_unlock(&k->stats_lock);
	json_object_put(root);
}

static void kafka_send_alerts(struct kafka *k);

/*
 * Serve one producer's main queue, up to KAFKA_SERVE_BATCH events; a
 * retired producer's errors and statistics are no longer ours to show.
 * Returns how many were served.
 */
static int
kafka_serve_queue(struct kafka *k, rd_kafka_queue_t *q, bool retired)
{
	rd_kafka_event_t *ev;
	const rd_kafka_message_t *m;
	int i;

	for (i = 0; i < KAFKA_SERVE_BATCH; i++) {
		if ((ev = rd_kafka_queue_poll(q, 0)) == NULL)
			break;
		switch (rd_kafka_event_type(ev)) {
		case RD_KAFKA_EVENT_DR:
			while ((m = rd_kafka_event_message_next(ev)) != NULL)
				kafka_report(k, m, retired || k->cur_fatal);
			break;
		case RD_KAFKA_EVENT_ERROR:
			if (!retired)
				kafka_client_error(k, ev);
			break;
		case RD_KAFKA_EVENT_STATS:
			if (!retired)
				kafka_stats_json(k, rd_kafka_event_stats(ev));
			break;
		default:
			break;
		}
		rd_kafka_event_destroy(ev);
	}
	return i;
}

/* Serve the main queues: reports, errors, statistics.  True when more may wait. */
static bool
kafka_serve(struct kafka *k)
{
	int i = 0;

	if (k->old.mainq != NULL)
		i = kafka_serve_queue(k, k->old.mainq, true);
	if (k->cur.mainq != NULL)
		i += kafka_serve_queue(k, k->cur.mainq, false);
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
	return i >= KAFKA_SERVE_BATCH;
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

	if (k->cur.alerts == NULL) {
		/* no alerts_topic: nothing to send; drop it from the spool at once */
		return 0;
	}
	if (k->switching || k->cur_fatal) {
		/* the successor takes them once the switch is done (kafka_switch_end) */
		k->alerts_blocked = true;
		return 1;
	}
	err = rd_kafka_producev(k->cur.rk, RD_KAFKA_V_RKT(k->cur.alerts),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)line, len),
	    RD_KAFKA_V_OPAQUE((void *)tag), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		atomic_fetch_add_explicit(&k->produced[KAFKA_ALERTS], 1, memory_order_relaxed);
		return 0;
	}
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL ||
	    (err == RD_KAFKA_RESP_ERR__FATAL && !k->dead)) {
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
		if (k->cur.alerts == NULL) {
			spool_ack(k->spool, seq);
			r = NULL; /* the ack may move records: start over */
			continue;
		}
		rc = kafka_produce_alert(k, k->read_buf.data, k->read_buf.len,
		    KAFKA_TAG(KAFKA_TAG_SPOOLED, seq));
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
	if ((rd_kafka_outq_len(k->cur.rk) == 0 && !k->in_switch) ||
	    kafka_now_ms() >= k->drain_deadline_ms)
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

/* Close a producer and free what it holds; p itself is the caller's. */
static void
kafka_producer_close(struct kafka_producer *p)
{
	if (p->mainq != NULL) {
		rd_kafka_queue_io_event_enable(p->mainq, -1, NULL, 0);
		rd_kafka_queue_destroy(p->mainq);
	}
	if (p->events != NULL)
		rd_kafka_topic_destroy(p->events);
	if (p->alerts != NULL)
		rd_kafka_topic_destroy(p->alerts);
	if (p->rk != NULL)
		rd_kafka_destroy(p->rk);
	if (p->conf != NULL)
		rd_kafka_conf_destroy(p->conf);
	free(p->topic);
	free(p->alerts_topic);
	memset(p, 0, sizeof(*p));
}

/*
 * Make a producer in p from conf (taken), publishing to topic and
 * alerts_topic (NULL: no alerts), its main queue waking the thread once it
 * runs.  -1 with why set (p closed).
 */
static int
kafka_producer_open(struct kafka *k, struct kafka_producer *p, rd_kafka_conf_t *conf,
    const char *topic, const char *alerts_topic, int key, int64_t flush_ms, char *why,
    size_t whylen)
{
	rd_kafka_conf_t *use;
	int failed = 0;

	memset(p, 0, sizeof(*p));
	p->conf = conf;
	p->key = key;
	p->flush_ms = flush_ms;
	p->topic = kafka_strdup(topic, &failed);
	p->alerts_topic = kafka_strdup(alerts_topic, &failed);
	if (failed || (use = rd_kafka_conf_dup(conf)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	if ((p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, use, why, whylen)) == NULL) {
		rd_kafka_conf_destroy(use);
		goto fail;
	}
	p->events = rd_kafka_topic_new(p->rk, topic, NULL);
	if (alerts_topic != NULL)
		p->alerts = rd_kafka_topic_new(p->rk, alerts_topic, NULL);
	if (p->events == NULL || (alerts_topic != NULL && p->alerts == NULL)) {
		snprintf(why, whylen, "topic: %s", rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	p->mainq = rd_kafka_queue_get_main(p->rk);
	if (k->wake[1] != -1)
		rd_kafka_queue_io_event_enable(p->mainq, k->wake[1], "1", 1);
	return 0;
fail:
	kafka_producer_close(p);
	return -1;
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
	strbuf_init(&k->moved_buf);
	atomic_init(&k->key, s->key);
	k->max_spool_bytes = s->max_spool_bytes;
	k->flush_ms = (int64_t)s->flush_timeout * 1000;
	k->has_alerts = s->alerts_topic != NULL;
	k->name = kafka_strdup(s->name, &failed);
	k->spool_dir = kafka_strdup(spool_dir, &failed);
	if (failed) {
		snprintf(err, errlen, "kafka %s: out of memory", s->name);
		goto fail;
	}
	if ((rc = kafka_make_conf(s, why, sizeof(why))) == NULL ||
	    kafka_producer_open(k, &k->cur, rc, s->topic, s->alerts_topic, s->key, k->flush_ms,
		why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s:%d: kafka \"%s\": %s", s->file, s->line, s->name, why);
		goto fail;
	}
	return k;
fail:
	kafka_free(k);
	return NULL;
}

struct kafka_producer *
kafka_reload_prepare(struct kafka *k, const struct kafka_settings *s, char *err, size_t errlen)
{
	struct kafka_producer *p = calloc(1, sizeof(*p));
	const char *alerts_topic = s->alerts_topic;
	rd_kafka_conf_t *rc;
	char why[512];

	if (p == NULL) {
		snprintf(err, errlen, "%s:%d: kafka \"%s\": out of memory", s->file, s->line, s->name);
		return NULL;
	}
	/* the spool is opened, or not, at start: alerts_topic's presence waits for it */
	if ((alerts_topic != NULL) != k->has_alerts) {
		log_warnx("%s:%d: kafka \"%s\": alerts_topic %s takes effect at the next restart",
		    s->file, s->line, s->name, k->has_alerts ? "removed" : "added");
		alerts_topic = k->has_alerts ? k->cur.alerts_topic : NULL;
	}
	if (strcmp(s->name, k->name) != 0)
		log_warnx("%s:%d: kafka \"%s\": the new name takes effect at the next restart "
			  "(metrics and spool keep \"%s\")",
		    s->file, s->line, s->name, k->name);
	if ((rc = kafka_make_conf(s, why, sizeof(why))) == NULL ||
	    kafka_producer_open(k, p, rc, s->topic, alerts_topic, s->key,
		(int64_t)s->flush_timeout * 1000, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s:%d: kafka \"%s\": %s", s->file, s->line, s->name, why);
		free(p);
		return NULL;
	}
	return p;
}

void
kafka_reload_discard(struct kafka_producer *p)
{
	if (p == NULL)
		return;
	kafka_producer_close(p);
	free(p);
}

void
kafka_reload_commit(struct kafka *k, struct kafka_producer *p)
{
	struct kafka_producer *was;

	pthread_mutex_lock(&k->lock);
	was = k->next; /* a reload not yet switched to: this one replaces it */
	k->next = p;
	pthread_mutex_unlock(&k->lock);
	kafka_reload_discard(was);
	atomic_fetch_add_explicit(&k->restarts[KAFKA_RESTART_RELOAD], 1, memory_order_relaxed);
	if (k->started)
		event_active(k->reload_ev, 0, 0);
}

/* qsort: the moved events in their produce order. */
static int
kafka_moved_cmp(const void *a, const void *b)
{
	const struct kafka_moved *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

/* Produce the moved events into the current producer; false while its queue is full. */
static bool
kafka_send_moved(struct kafka *k)
{
	rd_kafka_resp_err_t err;

	if (!k->moved_sorted && k->n_moved - k->moved_done > 1)
		qsort(k->moved + k->moved_done, k->n_moved - k->moved_done, sizeof(*k->moved),
		    kafka_moved_cmp);
	k->moved_sorted = true;
	for (; k->moved_done < k->n_moved; k->moved_done++) {
		const struct kafka_moved *mv = &k->moved[k->moved_done];
		const char *line = k->moved_buf.data + mv->off;
		const char *key = mv->key_len > 0 ? line + mv->len : NULL;

		err = rd_kafka_producev(k->cur.rk, RD_KAFKA_V_RKT(k->cur.events),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)line, mv->len),
		    RD_KAFKA_V_KEY(key, mv->key_len),
		    RD_KAFKA_V_OPAQUE((void *)KAFKA_TAG(KAFKA_TAG_EVENT, mv->n)), RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL || err == RD_KAFKA_RESP_ERR__FATAL)
			return false; /* the next tick, after reports (or the next switch) */
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
			kafka_count_failure(k, KAFKA_EVENTS, err);
	}
	k->n_moved = k->moved_done = 0;
	strbuf_reset(&k->moved_buf);
	return true;
}

/*
 * The current producer is replaced by k->incoming: what it holds is
 * purged (its reports then move it over, kafka_report), and it is served
 * as the retired one until no report is left.
 */
static void
kafka_switch_rotate(struct kafka *k)
{
	int left = rd_kafka_outq_len(k->cur.rk);

	pthread_mutex_lock(&k->stats_lock);
	k->retries_base = k->retries;
	pthread_mutex_unlock(&k->stats_lock);
	pthread_mutex_lock(&k->lock);
	k->old = k->cur;
	k->cur = *k->incoming;
	k->flush_ms = k->cur.flush_ms;
	pthread_mutex_unlock(&k->lock);
	atomic_store(&k->key, k->cur.key);
	free(k->incoming);
	k->incoming = NULL;
	k->cur_fatal = false;
	if (left > 0) {
		log_warnx("kafka %s: %d messages not delivered by the replaced producer: produced "
			  "again by the new one (at least once: some may have been delivered)",
		    k->name, left);
		rd_kafka_purge(k->old.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	}
}

/* The switch is over: events flow again, alerts are sent from the spool. */
static void
kafka_switch_end(struct kafka *k)
{
	bool again;

	event_del(k->switch_ev);
	k->in_switch = false;
	pthread_mutex_lock(&k->lock);
	k->switching = false;
	again = k->next != NULL;
	pthread_cond_broadcast(&k->room_cv);
	pthread_mutex_unlock(&k->lock);
	if (k->dead)
		return;
	log_info("kafka %s: producer replaced (topic %s); %zu messages the old one did not "
		 "deliver produced again",
	    k->name, k->cur.topic, k->switch_moved);
	k->alerts_blocked = false;
	kafka_send_alerts(k);
	if (again)
		kafka_switch_begin(k, false);
}

/*
 * The successor: a reload's (k->next), else one made anew from the
 * current producer's configuration.  False when it cannot be made: the
 * producer is dead (events fail, counted as fatal) and the switch is over.
 */
static bool
kafka_switch_take(struct kafka *k)
{
	struct kafka_producer *p;
	rd_kafka_conf_t *rc;
	char why[512] = "out of memory";

	pthread_mutex_lock(&k->lock);
	p = k->next;
	k->next = NULL;
	pthread_mutex_unlock(&k->lock);
	if (p == NULL && (p = calloc(1, sizeof(*p))) != NULL) {
		if ((rc = rd_kafka_conf_dup(k->cur.conf)) == NULL ||
		    kafka_producer_open(k, p, rc, k->cur.topic, k->cur.alerts_topic, k->cur.key,
			k->cur.flush_ms, why, sizeof(why)) == -1) {
			free(p);
			p = NULL;
		}
	}
	if (p != NULL) {
		k->incoming = p;
		return true;
	}
	log_warnx("kafka %s: cannot make the producer again: %s: events fail from now on "
		  "(counted as fatal); restart logward",
	    k->name, why);
	k->dead = true;
	atomic_fetch_add_explicit(&k->failed[KAFKA_EVENTS][KAFKA_FAIL_FATAL],
	    k->n_moved - k->moved_done, memory_order_relaxed);
	k->n_moved = k->moved_done = 0;
	kafka_switch_end(k);
	return false;
}

/*
 * A tick of the switch: wait for the current producer to drain (until the
 * deadline; not at all once it had a fatal error), rotate, wait for the
 * retired one's last report, produce the moved events in order, end.  A
 * fatal error of the successor meanwhile starts the same again.
 */
static void
kafka_switchcb(evutil_socket_t fd, short what, void *arg)
{
	struct kafka *k = arg;

	kafka_serve(k);
	if (k->old.rk != NULL) {
		kafka_serve(k);
		if (rd_kafka_outq_len(k->old.rk) > 0)
			return;
		kafka_producer_close(&k->old);
	}
	if (k->incoming == NULL && k->cur_fatal && !kafka_switch_take(k))
		return;
	if (k->incoming != NULL) {
		if (!k->cur_fatal && rd_kafka_outq_len(k->cur.rk) > 0 &&
		    kafka_now_ms() < k->switch_deadline_ms)
			return;
		kafka_switch_rotate(k);
		return; /* the retired one's reports come on the next ticks */
	}
	if (!kafka_send_moved(k))
		return;
	kafka_switch_end(k);
}

/*
 * Replace the current producer: by a reload's (k->next), or after a fatal
 * error by one made anew from the same configuration.  Events wait from
 * now until the switch ends.  now: no time to drain (it cannot deliver).
 */
static void
kafka_switch_begin(struct kafka *k, bool now)
{
	struct timeval tick = { 0, KAFKA_SWITCH_TICK_US };

	if (k->in_switch || k->dead)
		return; /* kafka_switchcb sees cur_fatal, kafka_switch_end k->next */
	k->in_switch = true;
	k->switch_moved = 0;
	pthread_mutex_lock(&k->lock);
	k->switching = true;
	pthread_mutex_unlock(&k->lock);
	if (!kafka_switch_take(k))
		return;
	k->switch_deadline_ms = kafka_now_ms() + (now ? 0 : k->cur.flush_ms);
	if (event_add(k->switch_ev, &tick) == -1)
		log_warnx("kafka %s: cannot arm the switch's timer", k->name);
	event_active(k->switch_ev, EV_TIMEOUT, 0);
}

/* A reload handed a producer over. */
static void
kafka_reloadcb(evutil_socket_t fd, short what, void *arg)
{
	kafka_switch_begin(arg, false);
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
	k->switch_ev = event_new(k->base, -1, EV_PERSIST, kafka_switchcb, k);
	k->reload_ev = event_new(k->base, -1, 0, kafka_reloadcb, k);
	if (k->wake_ev == NULL || k->submit_ev == NULL || k->drain_ev == NULL ||
	    k->switch_ev == NULL || k->reload_ev == NULL || event_add(k->wake_ev, NULL) == -1) {
		snprintf(err, errlen, "kafka %s: cannot create the loop's events", k->name);
		return -1;
	}
	rd_kafka_queue_io_event_enable(k->cur.mainq, k->wake[1], "1", 1);
	return 0;
}

int
kafka_start(struct kafka *k, char *err, size_t errlen)
{
	char name[300], why[512];

	if (kafka_make_loop(k, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof(name), "kafka-%s", k->name);
	if (k->cur.alerts == NULL)
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
	return atomic_load_explicit(&((struct kafka *)k)->key, memory_order_relaxed) ==
	    KAFKA_KEY_HOST;
}

bool
kafka_keyed(const struct kafka *k)
{
	return atomic_load_explicit(&((struct kafka *)k)->key, memory_order_relaxed) !=
	    KAFKA_KEY_NONE;
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
	uintptr_t tag = KAFKA_TAG(KAFKA_TAG_EVENT,
	    atomic_fetch_add_explicit(&k->event_n, 1, memory_order_relaxed));
	rd_kafka_resp_err_t err;
	bool waited = false, dead;

	for (;;) {
		/*
		 * Under the lock: the thread replaces the producer under it, and
		 * no event may enter the old one once the switch began (they
		 * wait, as on a full queue, and keep their order).
		 */
		pthread_mutex_lock(&k->lock);
		if (k->switching)
			err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
		else
			err = rd_kafka_producev(k->cur.rk, RD_KAFKA_V_RKT(k->cur.events),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_VALUE((void *)line, len), RD_KAFKA_V_KEY(key, key_len),
			    RD_KAFKA_V_OPAQUE((void *)tag), RD_KAFKA_V_END);
		dead = k->dead;
		pthread_mutex_unlock(&k->lock);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			atomic_fetch_add_explicit(&k->produced[KAFKA_EVENTS], 1, memory_order_relaxed);
			return;
		}
		/* fatal: the thread makes the producer again; wait for it like for room */
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL &&
		    (err != RD_KAFKA_RESP_ERR__FATAL || dead)) {
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

	if (len == 0 || !k->has_alerts)
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
	pthread_mutex_lock(&mk->lock); /* the thread replaces cur under it */
	st->queue_depth = k->cur.rk != NULL ? (uint64_t)rd_kafka_outq_len(k->cur.rk) : 0;
	pthread_mutex_unlock(&mk->lock);
	for (r = 0; r < KAFKA_N_RESTARTS; r++)
		st->restarts[r] = atomic_load_explicit(&k->restarts[r], memory_order_relaxed);
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
	size_t moved;
	int left;

	pthread_mutex_lock(&k->lock);
	k->drain_deadline_ms = k->stop_ms + k->flush_ms;
	pthread_mutex_unlock(&k->lock);
	/* the loop thread spools what was handed over first (active events run in order) */
	event_active(k->submit_ev, 0, 0);
	if (event_add(k->drain_ev, &tick) == -1)
		event_base_loopbreak(k->base);
	pthread_join(k->thread, NULL);
	k->started = false;
	k->exiting = true; /* from now on a purged message is stopped, not moved */
	left = rd_kafka_outq_len(k->cur.rk) + (k->old.rk != NULL ? rd_kafka_outq_len(k->old.rk) : 0);
	moved = k->n_moved - k->moved_done;
	if (left == 0 && moved == 0)
		return;
	log_warnx("kafka %s: %zu messages not delivered at exit within flush_timeout "
		  "(%" PRId64 " s; counted as stopped; the events are in the archive, "
		  "the alerts stay in the spool)",
	    k->name, (size_t)left + moved, k->flush_ms / 1000);
	atomic_fetch_add_explicit(&k->failed[KAFKA_EVENTS][KAFKA_FAIL_STOPPED], moved,
	    memory_order_relaxed);
	k->n_moved = k->moved_done = 0;
	rd_kafka_purge(k->cur.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	if (k->old.rk != NULL)
		rd_kafka_purge(k->old.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* the purged messages' reports */
	while ((rd_kafka_outq_len(k->cur.rk) > 0 ||
		   (k->old.rk != NULL && rd_kafka_outq_len(k->old.rk) > 0)) &&
	    kafka_now_ms() < k->drain_deadline_ms + KAFKA_PURGE_WAIT_MS)
		if (!kafka_serve(k))
			usleep(10 * 1000);
	kafka_serve(k);
}

void
kafka_free(struct kafka *k)
{
	if (k == NULL)
		return;
	kafka_stop(k);
	if (k->started)
		kafka_drain(k);
	kafka_reload_discard(k->next);
	kafka_reload_discard(k->incoming);
	kafka_producer_close(&k->old);
	kafka_producer_close(&k->cur);
	spool_close(k->spool);
	if (k->wake_ev != NULL)
		event_free(k->wake_ev);
	if (k->submit_ev != NULL)
		event_free(k->submit_ev);
	if (k->drain_ev != NULL)
		event_free(k->drain_ev);
	if (k->switch_ev != NULL)
		event_free(k->switch_ev);
	if (k->reload_ev != NULL)
		event_free(k->reload_ev);
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
	strbuf_free(&k->moved_buf);
	free(k->moved);
	pthread_cond_destroy(&k->room_cv);
	pthread_mutex_destroy(&k->lock);
	pthread_mutex_destroy(&k->stats_lock);
	free(k->name);
	free(k->spool_dir);
	free(k);
}
