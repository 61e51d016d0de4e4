/*
 * kafka.h: the Kafka output: every event and alert line also published
 * to a Kafka cluster through librdkafka (README "Kafka").
 *
 * Events: the workers produce each event line (after formatting it, with
 * the event's host or source address as the key) into librdkafka's
 * queue, copied, one batch after the other in receipt order
 * (pipeline_order.c).  The queue is bounded (queue_max_messages,
 * queue_max_kbytes); when it is full the worker waits for delivery
 * reports to make room, keeping its batch, so the batch pool runs out and
 * intake pauses exactly as for a slow disk (pipeline.h): TCP and TLS
 * senders are slowed, UDP overflows in the kernel and is counted there.
 *
 * Alerts: handed over like the webhooks' (kafka_submit_alerts), appended
 * to a durable spool (spool.h, spool directory, kafka-NAME.spool) and
 * fsync'd before they are produced; a record is acknowledged only on a
 * successful delivery report, so an alert produced while the brokers are
 * down survives a restart or a SIGKILL and is produced again at start-up.
 *
 * The producer is idempotent with acks=all and no message timeout: a
 * message leaves librdkafka's queue only delivered or failed for good
 * (message too large, topic authorisation...), and only a successful
 * delivery report counts as delivered.  Permanent failures are counted by
 * reason and logged once a streak.  A reload (kafka_reload_commit) or a
 * fatal error replaces the producer; what the old one did not deliver
 * moves to the new one.
 *
 * librdkafka's delivery reports, errors and statistics arrive on its main
 * queue.  kafka_start runs one thread with a libevent loop of its own: the
 * queue's IO event (rd_kafka_queue_io_event_enable) writes a byte to a
 * pipe when the queue becomes non-empty, the loop wakes on the pipe and
 * serves the queue dry.  Nothing polls on a timer, nothing runs on the
 * workers' path but rd_kafka_producev, and the spool is used by this
 * thread only (spool.h).
 *
 * Counters are relaxed atomics, readable from any thread.
 */
#ifndef LOGWARD_KAFKA_H
#define LOGWARD_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kafka;
struct kafka_settings;

/* Why a message was not delivered: the failed_total label. */
enum kafka_reason {
	KAFKA_FAIL_TOO_LARGE,     /* MSG_SIZE_TOO_LARGE, RECORD_LIST_TOO_LARGE */
	KAFKA_FAIL_AUTHORIZATION, /* topic or cluster authorisation */
	KAFKA_FAIL_UNKNOWN_TOPIC,
	KAFKA_FAIL_INVALID,       /* the broker refused the record (corrupt, invalid) */
	KAFKA_FAIL_STOPPED,       /* still queued when logward stopped */
	KAFKA_FAIL_FATAL,         /* the idempotent producer failed for good */
	KAFKA_FAIL_OTHER,
	KAFKA_N_REASONS
};

const char *kafka_reason_name(enum kafka_reason r);

enum kafka_stream { KAFKA_EVENTS, KAFKA_ALERTS, KAFKA_N_STREAMS };

/* Why the producer was replaced: the restarts_total label. */
enum kafka_restart { KAFKA_RESTART_FATAL, KAFKA_RESTART_RELOAD, KAFKA_N_RESTARTS };

#define KAFKA_MAX_BROKERS 32

/* A snapshot of the counters. */
struct kafka_stats {
	const char *name;                 /* the block title; valid while k lives */
	uint64_t produced[KAFKA_N_STREAMS];  /* accepted into librdkafka's queue */
	uint64_t delivered[KAFKA_N_STREAMS]; /* successful delivery reports */
	uint64_t failed[KAFKA_N_STREAMS][KAFKA_N_REASONS];
	uint64_t queue_full_waits;        /* a worker found the queue full and waited */
	uint64_t queue_depth;             /* messages in librdkafka (rd_kafka_outq_len) */
	uint64_t retries;                 /* messages sent again + requests retried (kafka.c) */
	uint64_t spool_records;           /* alerts spooled, not yet delivered */
	uint64_t spool_refused_full;      /* alerts not spooled: max_spool_bytes (produced anyway) */
	uint64_t spool_refused_error;     /* alerts not spooled: the disk (produced anyway) */
	uint64_t restarts[KAFKA_N_RESTARTS]; /* producers replaced (a fatal error, a reload) */
	size_t n_brokers;
	struct {
		char name[96];                /* "host:port/id" as librdkafka names it */
		bool up;
	} brokers[KAFKA_MAX_BROKERS];
};

#ifdef HAVE_KAFKA

/*
 * Make the producer of s (copied: s may go).  spool_dir holds the alerts
 * spool.  Returns NULL with err set.  Caller frees with kafka_free.
 */
struct kafka *kafka_new(const struct kafka_settings *s, const char *spool_dir, char *err,
    size_t errlen);

/* Open the alerts spool (queueing what it holds) and start the thread; -1 with err. */
int kafka_start(struct kafka *k, char *err, size_t errlen);

/*
 * Produce one event line (without LF) keyed by key[0..key_len) (NULL: no
 * key).  Worker threads.  Waits while librdkafka's queue is full (that is
 * the backpressure); gives up, counted as stopped, only once kafka_stop
 * was called and the flush_timeout has passed.
 */
void kafka_produce_event(struct kafka *k, const char *line, size_t len, const char *key,
    size_t key_len);

/*
 * A reload changed the kafka block: make the producer of s (same checks
 * and messages as kafka_new: "file:line: kafka \"NAME\": why").  NULL with
 * err set: the running producer stays.  Nothing changes until
 * kafka_reload_commit, which takes it; kafka_reload_discard frees one not
 * committed (NULL is fine).  The block's name, and whether it has an
 * alerts_topic (its spool), change at the next restart only.
 */
struct kafka_producer;
struct kafka_producer *kafka_reload_prepare(struct kafka *k, const struct kafka_settings *s,
    char *err, size_t errlen);
void kafka_reload_discard(struct kafka_producer *p);

/*
 * Switch to p (taken): from now on events wait (as on a full queue) while
 * the running producer gets flush_timeout to deliver what it holds; what
 * it has not delivered then is purged and produced again by p, events in
 * their order, alerts from the spool.  The same switch replaces a producer
 * that had a fatal error, at once, by one made from its configuration.
 */
void kafka_reload_commit(struct kafka *k, struct kafka_producer *p);

/* The key of k's events: the host or the source address (kafka_settings.key). */
bool kafka_keys_by_host(const struct kafka *k);
bool kafka_keyed(const struct kafka *k);

/*
 * Hand over whole alert lines (each ending in LF), copied; the thread
 * spools and produces them.  Thread-safe; waits (backpressure) while a
 * bound of pending bytes is reached.
 */
void kafka_submit_alerts(struct kafka *k, const char *lines, size_t len);

/*
 * Stopping: a worker waiting on a full queue gives up flush_timeout later, and
 * the thread stops taking new work.  Call before draining the pipeline.
 */
void kafka_stop(struct kafka *k);

void kafka_get_stats(const struct kafka *k, struct kafka_stats *st);

/* Log one summary line of the counters. */
void kafka_log_summary(const struct kafka *k);

/*
 * Give librdkafka until flush_timeout after kafka_stop to deliver what it holds, stop the
 * thread and free.  What is still queued is counted as stopped (events
 * are in the archive; alerts stay in the spool).  NULL is fine.
 */
void kafka_free(struct kafka *k);

#else /* a build without librdkafka: the configuration refuses kafka blocks */

static inline void
kafka_produce_event(struct kafka *k, const char *line, size_t len, const char *key,
    size_t key_len)
{
}
static inline bool
kafka_keys_by_host(const struct kafka *k)
{
	return false;
}
static inline bool
kafka_keyed(const struct kafka *k)
{
	return false;
}
static inline void
kafka_submit_alerts(struct kafka *k, const char *lines, size_t len)
{
}
static inline void
kafka_stop(struct kafka *k)
{
}
static inline void
kafka_log_summary(const struct kafka *k)
{
}
static inline void
kafka_free(struct kafka *k)
{
}
struct kafka_producer;
static inline struct kafka_producer *
kafka_reload_prepare(struct kafka *k, const struct kafka_settings *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "this logward was built without Kafka");
	return NULL;
}
static inline void
kafka_reload_discard(struct kafka_producer *p)
{
}
static inline void
kafka_reload_commit(struct kafka *k, struct kafka_producer *p)
{
}

#endif

#endif
