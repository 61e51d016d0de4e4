/*
 * deliver.h: the delivery stage: alert lines to every configured webhook,
 * on its own thread and libevent loop, with libcurl's multi interface
 * (DESIGN.md "Delivery never stalls intake").
 *
 * The workers hand over each batch's alert lines after writing them to
 * the alerts file (deliver_submit: a copy under a mutex, never blocking
 * on I/O).  The delivery thread appends them to each webhook's spool
 * (spool.h) and fsyncs it before the first attempt; a record leaves the
 * spool after a 2xx, or after a permanent failure (3xx, 4xx other than
 * 408/429) moves it to NAME.dead in the spool directory.  Timeouts,
 * connection and TLS errors, 408, 429 and 5xx are retried with capped
 * exponential backoff and jitter, honouring Retry-After (seconds); the
 * same backoff paces every other failure (a request that cannot be built,
 * replay passes after refusals).  Alerts of one host, account, technique
 * and rule within storm_window are folded into one summary delivery
 * (storm.h, deliver.c).  What the spool could not take, or never got
 * (a SIGKILL after the alerts file), comes from the alerts file
 * (replay.h): at start-up, after refusals, and every few thousand alerts.
 *
 * Counters are relaxed atomics, readable from any thread.
 */
#ifndef LOGWARD_DELIVER_H
#define LOGWARD_DELIVER_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct deliver;

/* One webhook's counters (a snapshot). */
struct deliver_stats {
	const char *name;          /* the webhook's name; valid while d lives */
	uint64_t delivered;        /* 2xx */
	uint64_t retries;          /* attempts that will be retried */
	uint64_t failed;           /* permanent failures, moved to the dead-letter file */
	uint64_t refused;          /* alerts not spooled when handed over, each once: the three below */
	uint64_t refused_full;     /* max_spool_bytes reached */
	uint64_t refused_error;    /* the spool could not be written (a full disk) */
	uint64_t refused_behind;   /* the hand-over bound: the delivery thread was behind */
	uint64_t replayed;         /* alerts queued from the alerts file (replay.h) */
	uint64_t damaged;          /* alerts file lines a replay skipped: damaged */
	uint64_t untracked;        /* taken lines not recorded (replay.h: may repeat after a restart) */
	uint64_t unwritten_acks;   /* delivered records whose ack is kept in memory */
	uint64_t queued;           /* records in the spool not yet delivered */
	uint64_t oldest_age_ms;    /* age of the oldest of them; 0 when none */
	uint64_t folded;           /* alerts folded into storm summaries (storm.h) */
	uint64_t unfolded;         /* alerts storm control could not fold: table full */
};

/*
 * Check what the webhooks read at start-up (-t and deliver_new): each
 * secret_file loads (readable, not empty, not open to others) and each
 * ca_file is a readable file.  Returns 0, or -1 with err set to
 * "file:line: webhook NAME: ..." (the block's place).
 */
int deliver_check_files(const struct conf *c, char *err, size_t errlen);

/*
 * Load every webhook's secret and headers.  Returns NULL with err set on
 * failure; with no webhook configured, returns NULL with err empty.
 * c must outlive d.  Nothing is delivered before deliver_start, but
 * deliver_submit already takes lines (a reload hands alerts to the new
 * set while the old one still owns the spools).
 */
struct deliver *deliver_new(const struct conf *c, char *err, size_t errlen);

/*
 * Open every webhook's spool (replaying what was not delivered: a webhook
 * keeps its spool across a reload by keeping its name) and start the
 * delivery thread.  -1 with err set.  No other deliver may have the same
 * spools open.
 */
int deliver_start(struct deliver *d, char *err, size_t errlen);

/*
 * Hand over whole alert lines (each ending in LF), copied.  Thread-safe,
 * never blocks on I/O.  Beyond a bound of pending bytes (the delivery
 * thread is stuck on the disk) the lines are counted as refused, logged
 * once per streak: they are in the alerts file, and a replay pass
 * (replay.h) queues them from there.
 */
void deliver_submit(struct deliver *d, const char *lines, size_t len);

size_t deliver_count(const struct deliver *d);
void deliver_get_stats(const struct deliver *d, size_t i, struct deliver_stats *out);

/* Log one line per webhook with its counters (the periodic stats line). */
void deliver_log_summary(const struct deliver *d);

/*
 * Spool what was submitted, stop the thread (transfers in flight are
 * abandoned: their records stay in the spool) and free.  NULL is fine.
 */
void deliver_free(struct deliver *d);

/*
 * The daemon stops: as deliver_free, but the requests in flight first get
 * DELIVER_STOP_GRACE_MS (2 s) to be answered, so that a receiver that
 * answers is not sent them again at the next start.  (A reload frees the
 * old set with deliver_free: its loop must not wait.)
 */
void deliver_stop(struct deliver *d);

#endif
