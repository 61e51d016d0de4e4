/*
 * deliver.c: the delivery thread: its own libevent loop drives libcurl's
 * multi interface (curl_event.h).
 *
 * Each webhook sends its oldest due records, at most DELIVER_IN_FLIGHT at
 * a time.  A retryable failure holds the whole webhook back until the
 * backoff (or Retry-After) has passed, then the oldest record goes first:
 * a dead receiver gets one probe per backoff step, not one per alert.
 *
 * Storm control (deliver_storm.h), when a webhook's storm_window is not 0,
 * folds repeated alerts into durable summaries before they reach the spool.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "alert_id.h"
#include "conf.h"
#include "curl_event.h"
#include "deliver.h"
#include "deliver_storm.h"
#include "json_writer.h"
#include "log.h"
#include "monotime.h"
#include "replay.h"
#include "spool.h"
#include "webhook.h"
#include "webhook_request.h"

#define DELIVER_IN_FLIGHT 4
#define DELIVER_PENDING_MAX (64u * 1024 * 1024)
/* Taken lines that make a replay pass move the mark on (replay.h). */
#define DELIVER_CHECKPOINT 4096
/*
 * At a stop, the requests in flight get this long to be answered.  One the
 * receiver already has is otherwise abandoned unanswered, stays spooled and
 * is sent again after the restart: a duplicate, most often of the alerts
 * the drain itself writes (held incidents).
 */
#define DELIVER_STOP_GRACE_MS 2000

struct hook_counters {
	atomic_uint_fast64_t delivered, retries, failed, queued, oldest_ms;
	atomic_uint_fast64_t refused_full, refused_error;
	atomic_uint_fast64_t replayed, damaged, untracked, unwritten_acks;
};

/* One webhook at run time. */
struct hook {
	struct deliver *d;
	const struct webhook_conf *conf; /* not owned */
	struct spool *spool;
	unsigned char *key;              /* owned; NULL: no signature */
	size_t keylen;
	struct curl_slist *extra;        /* owned: the configured headers */
	unsigned in_flight;
	int64_t blocked_until_ms;        /* after a retryable failure */
	struct event *retry_ev;
	bool failing;                    /* in a streak of failures (logged once) */
	uint64_t streak;
	bool full;                       /* in a streak of spool-full refusals */
	bool dead_logged;
	char dead_path[PATH_MAX];
	struct storm_ctl storm;          /* NAME+storm and the open windows */
	bool appended;                   /* spool needs an fsync before the next attempt */
	bool start_failing;              /* requests cannot be built (logged once a streak) */
	bool dead_failing;               /* NAME.dead cannot be written (logged once a streak) */
	struct taken *taken;             /* owned: lines taken since the mark (replay.h) */
	struct replay_mark mark;
	bool has_mark;
	bool need_replay;                /* lines were refused: a replay pass brings them back */
	struct event *replay_ev;         /* that pass, after a backoff */
	unsigned replay_attempts;
	uint64_t replay_streak;          /* queued by the passes since need_replay was set */
	unsigned char *keep;             /* owned: hashes a pass replayed (taken_reset keeps them) */
	size_t n_keep, cap_keep;
	struct hook_counters c;
};

/* One HTTP request in flight. */
struct transfer {
	struct hook *h;
	uint64_t seq;
	struct webhook_request rq;
	struct transfer *next, *prev;    /* in deliver's list */
};

struct deliver {
	const struct conf *conf;
	struct hook *hooks;
	size_t n_hooks;
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct curl_event *curl;
	struct event *wake;
	struct event *grace;             /* ends DELIVER_STOP_GRACE_MS after the stop */
	pthread_mutex_t lock;            /* guards pending, stopping, overflowing */
	struct strbuf pending;
	bool stopping;
	int64_t stop_grace_ms;           /* with stopping: how long answers are awaited */
	bool overflowing;
	atomic_uint_fast64_t overflow;
	uint64_t overflow_seen;          /* the delivery thread's last look at overflow */
	bool loop_stopping;              /* the delivery thread's copy of stopping */
	struct transfer *transfers;      /* in flight */
};

static void hook_schedule(struct hook *h);
static void hook_replay(struct hook *h);

/* Publish queue length and oldest age for other threads. */
static void
hook_publish(struct hook *h)
{
	struct spool_record *r = spool_next(h->spool, NULL);

	atomic_store_explicit(&h->c.queued, spool_count(h->spool), memory_order_relaxed);
	atomic_store_explicit(&h->c.unwritten_acks, spool_unwritten_acks(h->spool),
	    memory_order_relaxed);
	atomic_store_explicit(&h->c.oldest_ms, r != NULL ? (uint64_t)r->spooled_ms : 0,
	    memory_order_relaxed);
}

/* Capped exponential backoff with jitter: base * 2^(n-1) in [cap/2, cap]. */
static int64_t
backoff_ms(const struct webhook_conf *wc, unsigned attempts)
{
	double d = wc->retry_min * 1000.0;
	uint32_t rnd = 0;
	unsigned i;

	for (i = 1; i < attempts && d < wc->retry_max * 1000.0; i++)
		d *= 2;
	if (d > wc->retry_max * 1000.0)
		d = wc->retry_max * 1000.0;
	/* "equal jitter": half fixed, half random, so retries of many senders spread */
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)monotime_ms();
	return (int64_t)(d / 2 + (d / 2) * ((double)rnd / UINT32_MAX));
}

/*
 * Hold every request of h back for delay ms (a retryable failure of any
 * kind: a transfer, a request that cannot be built): one backoff for all.
 */
static void
hook_hold(struct hook *h, int64_t delay)
{
	int64_t until = monotime_ms() + delay;

	if (until > h->blocked_until_ms) {
		struct timeval tv = monotime_timeval(delay);

		h->blocked_until_ms = until;
		evtimer_add(h->retry_ev, &tv);
	}
}

/* Append a permanent failure to NAME.dead (JSON line) and log it once a streak. */
static void
hook_dead_letter(struct hook *h, const struct spool_record *r, long status,
    const char *why, const struct strbuf *response)
{
	struct strbuf line, alert;
	struct json_writer w;
	char tbuf[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	strbuf_init(&line);
	strbuf_init(&alert);
	spool_read(h->spool, r, &alert);
	gmtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_writer_init(&w, &line);
	json_object_begin(&w);
	json_key_ascii(&w, "time", 4);
	json_cstring(&w, tbuf);
	json_key_ascii(&w, "webhook", 7);
	json_cstring(&w, h->conf->name);
	json_key_ascii(&w, "webhook_id", 10);
	json_cstring(&w, r->id);
	json_key_ascii(&w, "status", 6);
	json_int(&w, status);
	json_key_ascii(&w, "error", 5);
	json_cstring(&w, why);
	json_key_ascii(&w, "response", 8);
	json_string(&w, response != NULL ? response->data : "", response != NULL ? response->len : 0);
	json_key_ascii(&w, "alert", 5);
	json_string(&w, alert.data, alert.len);
	json_object_end(&w);
	strbuf_append_char(&line, '\n');
	/* 0600 like the spool: an alert can hold what a sender should not have sent */
	fd = open(h->dead_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || fchmod(fd, 0600) == -1 || write(fd, line.data, line.len) != (ssize_t)line.len ||
	    fsync(fd) == -1) {
		if (!h->dead_failing)
			log_warn("webhook %s: cannot write %s (further failures are not logged)",
			    h->conf->name, h->dead_path);
		h->dead_failing = true;
	} else if (h->dead_failing) {
		log_info("webhook %s: %s written again", h->conf->name, h->dead_path);
		h->dead_failing = false;
	}
	if (fd != -1)
		close(fd);
	if (!h->dead_logged)
		log_warnx("webhook %s: alert %s refused for good (%s); moved to %s "
		    "(further ones are counted, not logged)", h->conf->name, r->id, why, h->dead_path);
	h->dead_logged = true;
	atomic_fetch_add_explicit(&h->c.failed, 1, memory_order_relaxed);
	strbuf_free(&line);
	strbuf_free(&alert);
}

static void
transfer_free(struct transfer *t)
{
	struct deliver *d;

	if (t == NULL)
		return;
	d = t->h->d;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else if (d->transfers == t)
		d->transfers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	if (t->rq.easy != NULL)
		curl_event_remove(t->h->d->curl, t->rq.easy);
	webhook_request_free(&t->rq);
	free(t);
}

/*
 * The body of record r in t: 0, -1 when it cannot be read (retried), 1
 * when it is not an alert object (no retry can fix that).
 */
static int
transfer_body(struct transfer *t, struct hook *h, const struct spool_record *r)
{
	struct strbuf line;
	struct webhook_alert alert;
	int rc = -1;

	strbuf_init(&line);
	if (spool_read(h->spool, r, &line) == 0) {
		webhook_alert_init(&alert, line.data, line.len);
		rc = webhook_format_body(h->conf->format, &alert, r->id, h->conf->name, &t->rq.body) ==
		    -1 ? 1 : 0;
		webhook_alert_release(&alert);
	}
	strbuf_free(&line);
	return rc;
}

/* Build the request for record r and start it. */
static int
hook_start(struct hook *h, struct spool_record *r)
{
	struct transfer *t;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->h = h;
	t->seq = r->seq;
	webhook_request_init(&t->rq);
	if ((rc = transfer_body(t, h, r)) == 1) {
		hook_dead_letter(h, r, 0, "alert line is not a JSON object", NULL);
		spool_ack(h->spool, r->seq);
		transfer_free(t);
		return 0;
	}
	if (rc == -1 ||
	    webhook_request_prepare(&t->rq, h->conf, h->key, h->keylen, h->extra, r->id, t) == -1 ||
	    curl_event_add(h->d->curl, t->rq.easy) == -1) {
		/* not in the multi: transfer_free's removal is a no-op */
		transfer_free(t);
		return -1;
	}
	t->next = h->d->transfers;
	if (t->next != NULL)
		t->next->prev = t;
	h->d->transfers = t;
	r->in_flight = true;
	r->attempts++;
	h->in_flight++;
	return 0;
}

/* A transfer ended (curl_event.h): ack, retry later, or dead-letter. */
static void
transfer_donecb(void *priv, CURLcode res)
{
	struct transfer *t = priv;
	struct hook *h = t->h;
	struct spool_record *r = spool_find(h->spool, t->seq);
	long status = 0;
	char why[CURL_ERROR_SIZE + 64];

	h->in_flight--;
	if (r == NULL) {
		transfer_free(t);
		return;
	}
	r->in_flight = false;
	if (res == CURLE_OK)
		curl_easy_getinfo(t->rq.easy, CURLINFO_RESPONSE_CODE, &status);
	if (res == CURLE_OK && status >= 200 && status <= 299) {
		/*
		 * The receiver has it: never sent again in this run, whatever the
		 * disk does (an ack that cannot be written is kept in memory).
		 */
		spool_ack(h->spool, t->seq);
		atomic_fetch_add_explicit(&h->c.delivered, 1, memory_order_relaxed);
		if (h->failing)
			log_info("webhook %s: delivering again (after %" PRIu64 " failed attempts)",
			    h->conf->name, h->streak);
		h->failing = false;
		h->dead_logged = false;
		h->streak = 0;
	} else if (res == CURLE_OK && status != 408 && status != 429 && status < 500) {
		snprintf(why, sizeof(why), "HTTP %ld", status);
		hook_dead_letter(h, r, status, why, &t->rq.response);
		spool_ack(h->spool, t->seq);
	} else {
		int64_t delay = t->rq.retry_after >= 0 ? t->rq.retry_after * 1000 : backoff_ms(h->conf, r->attempts);

		if (res != CURLE_OK)
			snprintf(why, sizeof(why), "%s", t->rq.errbuf[0] != '\0' ? t->rq.errbuf : curl_easy_strerror(res));
		else
			snprintf(why, sizeof(why), "HTTP %ld", status);
		atomic_fetch_add_explicit(&h->c.retries, 1, memory_order_relaxed);
		h->streak++;
		if (!h->failing)
			log_warnx("webhook %s: delivery failed (%s); retrying in %.1f s "
			    "(further failures are counted, not logged)", h->conf->name, why,
			    (double)delay / 1000);
		else
			log_debug("webhook %s: delivery failed (%s); retrying in %.1f s",
			    h->conf->name, why, (double)delay / 1000);
		h->failing = true;
		hook_hold(h, delay);
	}
	transfer_free(t);
	hook_publish(h);
	if (h->d->loop_stopping) {
		/* the last answer the stop waited for */
		if (h->d->transfers == NULL)
			event_base_loopbreak(h->d->base);
		return;
	}
	/* the spool emptied and was cut back: room for what a full disk refused */
	if (h->need_replay && spool_count(h->spool) == 0)
		hook_replay(h);
	hook_schedule(h);
}

/* Send the oldest due records while there is room. */
static void
hook_schedule(struct hook *h)
{
	struct spool_record *r = NULL;
	int64_t now = monotime_ms();
	unsigned scanned = 0;

	if (h->d->loop_stopping || now < h->blocked_until_ms)
		return;
	while (h->in_flight < DELIVER_IN_FLIGHT && scanned++ < 4 * DELIVER_IN_FLIGHT &&
	    (r = spool_next(h->spool, r)) != NULL) {
		uint64_t seq = r->seq;

		if (r->in_flight)
			continue;
		if (hook_start(h, r) == -1) {
			/* the same backoff as a failed transfer, or this would spin */
			if (!h->start_failing)
				log_warnx("webhook %s: cannot build a request (spool unreadable or out "
				    "of memory); retrying with backoff (not logged again until it works)",
				    h->conf->name);
			h->start_failing = true;
			atomic_fetch_add_explicit(&h->c.retries, 1, memory_order_relaxed);
			hook_hold(h, backoff_ms(h->conf, ++r->attempts));
			break;
		}
		if (h->start_failing)
			log_info("webhook %s: building requests again", h->conf->name);
		h->start_failing = false;
		/* hook_start may have acked r (dead-lettered): continue from its seq */
		if (spool_find(h->spool, seq) == NULL) {
			r = NULL;
			hook_publish(h);
		}
	}
}

/* The backoff has passed: try again. */
static void
hook_retrycb(evutil_socket_t fd, short what, void *arg)
{
	struct hook *h = arg;

	h->blocked_until_ms = 0;
	spool_flush_acks(h->spool);
	hook_publish(h);
	hook_schedule(h);
}

/* Arm the next replay pass of h after the common backoff. */
static void
hook_replay_later(struct hook *h)
{
	struct timeval tv = monotime_timeval(backoff_ms(h->conf, ++h->replay_attempts));

	if (!evtimer_pending(h->replay_ev, NULL))
		evtimer_add(h->replay_ev, &tv);
}

/*
 * An alert line could not be spooled: count it by reason when it came
 * from a hand-over (handover false: a replay pass offered it again); a
 * replay pass brings it back.
 */
static void
hook_refused(struct hook *h, enum spool_status st, bool handover)
{
	/* once an alert: the replay passes that offer it again are not new refusals */
	if (handover)
		atomic_fetch_add_explicit(st == SPOOL_FULL ? &h->c.refused_full : &h->c.refused_error,
		    1, memory_order_relaxed);
	if (!h->full)
		log_warnx("webhook %s: %s: alert not queued for delivery yet; it stays in the "
		    "alerts file and is queued from there once the spool has room (further "
		    "ones are counted as refused, not logged)", h->conf->name,
		    st == SPOOL_FULL ? "spool full (max_spool_bytes)" : "spool write failed");
	h->full = true;
	h->need_replay = true;
	hook_replay_later(h);
}

/* The webhook-id of a for h (alert_id.h); NULL: a line without event.id, a random one. */
static const char *
hook_alert_id(struct hook *h, struct webhook_alert *a, char id[ALERT_ID_LEN + 1])
{
	return webhook_alert_id(a, h->conf->name, id) == 0 ? id : NULL;
}

/*
 * Take one alert line for h: its severity filter, storm control, then the
 * spool; then remember it as taken (replay.h).  0 taken, -1 refused
 * (counted when handover, logged once a streak): a replay pass will offer
 * it again.
 */
static int
hook_take(struct hook *h, struct webhook_alert *a, const unsigned char *hash, int64_t now,
    bool handover)
{
	struct storm_offer o;
	enum spool_status st;
	char id[ALERT_ID_LEN + 1];

	if (h->conf->min_severity > 0 && webhook_alert_severity(a) < h->conf->min_severity)
		goto taken;
	if (storm_ctl_offer(&h->storm, a, now, &o) == 1)
		goto taken;
	if ((st = spool_append_id(h->spool, a->line, a->len, hook_alert_id(h, a, id), now)) !=
	    SPOOL_OK) {
		/* offered again later, it must not fold into the window it opened */
		storm_ctl_undo(&h->storm, &o);
		hook_refused(h, st, handover);
		return -1;
	}
	h->appended = true;
taken:
	if (taken_add(h->taken, hash) == -1)
		atomic_fetch_add_explicit(&h->c.untracked, 1, memory_order_relaxed);
	return 0;
}

/* Hand one alert line to every webhook that has not taken it yet. */
static void
deliver_spool_line(struct deliver *d, const char *line, size_t len, int64_t now)
{
	unsigned char hash[REPLAY_HASH_LEN];
	struct webhook_alert a;
	size_t i;

	replay_hash(line, len, hash);
	webhook_alert_init(&a, line, len);
	for (i = 0; i < d->n_hooks; i++) {
		struct hook *h = &d->hooks[i];

		/* a replay pass found it in the alerts file before its hand-over came */
		if (taken_has(h->taken, hash))
			continue;
		hook_take(h, &a, hash, now, true);
	}
	webhook_alert_release(&a);
}

/* Storm control moved summaries of closed windows into the spool: send them. */
static void
hook_storm_movedcb(void *arg)
{
	struct hook *h = arg;

	hook_publish(h);
	hook_schedule(h);
}

/* Make what h took durable: storm summaries, then the spool, before any attempt. */
static void
hook_sync(struct hook *h)
{
	storm_ctl_sync(&h->storm);
	if (!h->appended)
		return;
	spool_sync(h->spool);
	h->appended = false;
	hook_publish(h);
	hook_schedule(h);
}

/* Remember a hash a replay pass queued (bounded: beyond it, see replay.h). */
static void
hook_keep(struct hook *h, const unsigned char *hash)
{
	if (h->n_keep == h->cap_keep) {
		size_t cap = h->cap_keep > 0 ? 2 * h->cap_keep : 256;
		unsigned char *n;

		if (cap > REPLAY_TAKEN_MAX || (n = reallocarray(h->keep, cap, REPLAY_HASH_LEN)) == NULL)
			return;
		h->keep = n;
		h->cap_keep = cap;
	}
	memcpy(h->keep + h->n_keep++ * REPLAY_HASH_LEN, hash, REPLAY_HASH_LEN);
}

/* replay_alerts' callback: offer a line of the alerts file h has not taken. */
static int
hook_replay_linecb(void *arg, const char *line, size_t len)
{
	struct hook *h = arg;
	unsigned char hash[REPLAY_HASH_LEN];
	struct webhook_alert a;
	int rc;

	replay_hash(line, len, hash);
	if (taken_has(h->taken, hash))
		return 0;
	webhook_alert_init(&a, line, len);
	rc = hook_take(h, &a, hash, monotime_ms(), false);
	webhook_alert_release(&a);
	if (rc == -1)
		return -1;
	hook_keep(h, hash);
	atomic_fetch_add_explicit(&h->c.replayed, 1, memory_order_relaxed);
	return 0;
}

/*
 * A replay pass (replay.h): offer h every line of the alerts file from its
 * mark that it has not taken; when all were taken, move the mark to the
 * end and keep only the hashes this pass queued (their hand-overs may
 * still be on their way).  A refusal leaves the mark and tries again
 * after the backoff.
 */
static void
hook_replay(struct hook *h)
{
	const struct conf *c = h->d->conf;
	struct replay_result res;
	uint64_t before = atomic_load_explicit(&h->c.replayed, memory_order_relaxed);

	h->n_keep = 0;
	if (replay_alerts(c->alerts_path, time(NULL), &h->mark, h->has_mark, hook_replay_linecb, h,
	    &res) == -1) {
		hook_replay_later(h);
		return;
	}
	hook_sync(h);
	atomic_fetch_add_explicit(&h->c.damaged, res.damaged, memory_order_relaxed);
	h->replay_streak += atomic_load_explicit(&h->c.replayed, memory_order_relaxed) - before;
	if (!res.complete) {
		/*
		 * Everything before the refused line is taken: the next pass starts
		 * there (damaged lines behind it are not reported again).  The taken
		 * set keeps what it has: lines after it may be among them.
		 */
		if (res.stopped && replay_mark_store(c->spool_dir, h->conf->name, &res.stop) == 0) {
			h->mark = res.stop;
			h->has_mark = true;
		}
		h->need_replay = true;
		hook_replay_later(h);
		return;
	}
	/* the mark first: with the old taken set still on disk a crash only repeats work */
	if (replay_mark_store(c->spool_dir, h->conf->name, &res.end) == 0) {
		h->mark = res.end;
		h->has_mark = true;
		taken_reset(h->taken, h->keep, h->n_keep);
	}
	if (h->replay_streak > 0 || h->full)
		log_info("webhook %s: %" PRIu64 " alerts queued from the alerts file (hand-overs "
		    "lost at a stop, or refused); every alert in it is in the spool now",
		    h->conf->name, h->replay_streak);
	h->full = false;
	h->replay_streak = 0;
	h->need_replay = false;
	h->replay_attempts = 0;
}

/* The backoff after a refusal has passed: a replay pass. */
static void
hook_replaycb(evutil_socket_t fd, short what, void *arg)
{
	struct hook *h = arg;

	if (h->d->loop_stopping)
		return;
	spool_flush_acks(h->spool);
	hook_replay(h);
	hook_publish(h);
	hook_schedule(h);
}

/* Workers handed over lines (or we are stopping): spool, sync, send. */
static void
deliver_wakecb(evutil_socket_t fd, short what, void *arg)
{
	struct deliver *d = arg;
	struct strbuf batch;
	bool stopping;
	int64_t now = monotime_ms();
	uint64_t overflow;
	int64_t grace_ms;
	size_t i, start = 0;

	pthread_mutex_lock(&d->lock);
	batch = d->pending;
	strbuf_init(&d->pending);
	stopping = d->stopping;
	grace_ms = d->stop_grace_ms;
	d->overflowing = false;
	pthread_mutex_unlock(&d->lock);

	for (i = 0; i < batch.len; i++) {
		if (batch.data[i] != '\n')
			continue;
		if (i > start)
			deliver_spool_line(d, batch.data + start, i - start, now);
		start = i + 1;
	}
	strbuf_free(&batch);
	overflow = atomic_load_explicit(&d->overflow, memory_order_relaxed);
	for (i = 0; i < d->n_hooks; i++) {
		struct hook *h = &d->hooks[i];

		hook_sync(h);
		if (overflow != d->overflow_seen) {
			/* lines the hand-over could not hold are in the alerts file */
			h->need_replay = true;
			hook_replay_later(h);
		}
		/* bound the taken set: the mark moves over what every hand-over covered */
		if (!stopping && !h->need_replay && taken_count(h->taken) >= DELIVER_CHECKPOINT)
			hook_replay(h);
	}
	d->overflow_seen = overflow;
	if (stopping && !d->loop_stopping) {
		struct timeval tv = monotime_timeval(grace_ms);

		/* no new request from here; those in flight may still be answered */
		d->loop_stopping = true;
		if (d->transfers == NULL || grace_ms <= 0 || event_add(d->grace, &tv) == -1)
			event_base_loopbreak(d->base);
	}
}

/* The stop's grace is over: what is still in flight stays spooled. */
static void
deliver_gracecb(evutil_socket_t fd, short what, void *arg)
{
	struct deliver *d = arg;

	event_base_loopbreak(d->base);
}

void
deliver_submit(struct deliver *d, const char *lines, size_t len)
{
	bool log_it = false;

	if (d == NULL || len == 0)
		return;
	pthread_mutex_lock(&d->lock);
	if (d->pending.len + len > DELIVER_PENDING_MAX || strbuf_append(&d->pending, lines, len) == -1) {
		size_t i, n = 0;

		for (i = 0; i < len; i++)
			n += lines[i] == '\n';
		atomic_fetch_add_explicit(&d->overflow, n, memory_order_relaxed);
		log_it = !d->overflowing;
		d->overflowing = true;
	}
	pthread_mutex_unlock(&d->lock);
	if (log_it)
		log_warnx("webhooks: the delivery thread is behind by %u MiB; alerts not queued "
		    "now (they stay in the alerts file, queued from there later)",
		    DELIVER_PENDING_MAX >> 20);
	event_active(d->wake, EV_READ, 0);
}

/* The delivery thread: the loop until deliver_free. */
static void *
deliver_main(void *arg)
{
	struct deliver *d = arg;
	size_t i;

	for (i = 0; i < d->n_hooks; i++)
		hook_schedule(&d->hooks[i]);
	event_base_loop(d->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Set up one webhook: secret, headers, dead-letter path (the spool: hook_open_spool). */
static int
hook_init(struct deliver *d, struct hook *h, const struct webhook_conf *wc, char *err, size_t errlen)
{
	const struct conf *c = d->conf;
	char e[512];
	size_t i;

	h->d = d;
	h->conf = wc;
	if (wc->secret_file != NULL &&
	    webhook_load_secret(wc->secret_file, &h->key, &h->keylen, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "webhook %s: %s", wc->name, e);
		return -1;
	}
	for (i = 0; i < wc->n_headers; i++) {
		struct curl_slist *n = curl_slist_append(h->extra, wc->headers[i]);

		if (n == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		h->extra = n;
	}
	snprintf(h->dead_path, sizeof(h->dead_path), "%s/%s.dead", c->spool_dir, wc->name);
	if ((h->retry_ev = evtimer_new(d->base, hook_retrycb, h)) == NULL ||
	    (h->replay_ev = evtimer_new(d->base, hook_replaycb, h)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Load the mark and taken set of h and run the start-up replay pass: what
 * the alerts file holds beyond the mark and the spool never took (a
 * SIGKILL between the two, a full disk) is queued now.
 */
static int
hook_open_replay(struct hook *h, char *err, size_t errlen)
{
	const struct conf *c = h->d->conf;
	char e[512];
	int rc;

	if ((h->taken = taken_open(c->spool_dir, h->conf->name, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "webhook %s: %s", h->conf->name, e);
		return -1;
	}
	rc = replay_mark_load(c->spool_dir, h->conf->name, &h->mark, e, sizeof(e));
	if (rc == -1)
		/* a damaged mark is not worth refusing to start: from the end, said loudly */
		log_warnx("webhook %s: %s; replaying nothing, marking the alerts file's end",
		    h->conf->name, e);
	h->has_mark = rc == 0;
	hook_replay(h);
	return 0;
}

/* Open one webhook's spool; what it holds is delivered first. */
static int
hook_open_spool(struct hook *h, char *err, size_t errlen)
{
	const struct conf *c = h->d->conf;
	struct spool_record *r = NULL;
	int64_t now = monotime_ms();
	char e[512];

	if ((h->spool = spool_open(c->spool_dir, h->conf->name, c->max_spool_bytes, e,
		 sizeof(e))) == NULL) {
		snprintf(err, errlen, "webhook %s: spool: %s", h->conf->name, e);
		return -1;
	}
	while ((r = spool_next(h->spool, r)) != NULL)
		r->spooled_ms = now;
	if (spool_count(h->spool) > 0)
		log_info("webhook %s: %zu undelivered alerts in the spool, delivering them",
		    h->conf->name, spool_count(h->spool));
	if (storm_ctl_open(&h->storm, h->d->base, c->spool_dir, c->max_spool_bytes, h->conf->name,
	    h->conf->storm_window, h->spool, hook_storm_movedcb, h, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "webhook %s: storm spool: %s", h->conf->name, e);
		return -1;
	}
	if (hook_open_replay(h, err, errlen) == -1)
		return -1;
	hook_publish(h);
	return 0;
}

/* NULL when path is a regular file we can open for reading, else why not. */
static const char *
readable_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *why = NULL;

	if (fd == -1)
		return strerror(errno);
	if (fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size == 0)
		why = "empty";
	close(fd);
	return why;
}

int
deliver_check_files(const struct conf *c, char *err, size_t errlen)
{
	char e[512];
	size_t i;

	for (i = 0; i < c->n_webhooks; i++) {
		const struct webhook_conf *wc = &c->webhooks[i];
		unsigned char *key = NULL;
		size_t keylen = 0;
		const char *why;

		if (wc->secret_file != NULL &&
		    webhook_load_secret(wc->secret_file, &key, &keylen, e, sizeof(e)) == -1) {
			snprintf(err, errlen, "%s:%d: webhook %s: secret_file %s", wc->file, wc->line,
			    wc->name, e);
			return -1;
		}
		if (key != NULL) {
			explicit_bzero(key, keylen);
			free(key);
		}
		/* curl would only find out at the first request, and retry forever */
		if (wc->ca_file != NULL && (why = readable_file(wc->ca_file)) != NULL) {
			snprintf(err, errlen, "%s:%d: webhook %s: ca_file %s: %s", wc->file, wc->line,
			    wc->name, wc->ca_file, why);
			return -1;
		}
	}
	return 0;
}

struct deliver *
deliver_new(const struct conf *c, char *err, size_t errlen)
{
	struct deliver *d;
	size_t i;

	err[0] = '\0';
	if (c->n_webhooks == 0 || deliver_check_files(c, err, errlen) == -1)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->hooks = calloc(c->n_webhooks, sizeof(*d->hooks))) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->conf = c;
	pthread_mutex_init(&d->lock, NULL);
	strbuf_init(&d->pending);
	if ((d->base = event_base_new()) == NULL ||
	    (d->curl = curl_event_new(d->base, transfer_donecb)) == NULL ||
	    (d->wake = event_new(d->base, -1, 0, deliver_wakecb, d)) == NULL ||
	    (d->grace = evtimer_new(d->base, deliver_gracecb, d)) == NULL) {
		snprintf(err, errlen, "cannot set up the delivery loop");
		goto fail;
	}
	for (i = 0; i < c->n_webhooks; i++) {
		d->n_hooks = i + 1;
		if (hook_init(d, &d->hooks[i], &c->webhooks[i], err, errlen) == -1)
			goto fail;
	}
	return d;
fail:
	deliver_free(d);
	return NULL;
}

int
deliver_start(struct deliver *d, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < d->n_hooks; i++)
		if (hook_open_spool(&d->hooks[i], err, errlen) == -1)
			return -1;
	if (pthread_create(&d->thread, NULL, deliver_main, d) != 0) {
		snprintf(err, errlen, "cannot start the delivery thread");
		return -1;
	}
	d->started = true;
	return 0;
}

size_t
deliver_count(const struct deliver *d)
{
	return d != NULL ? d->n_hooks : 0;
}

void
deliver_get_stats(const struct deliver *d, size_t i, struct deliver_stats *out)
{
	const struct hook *h = &d->hooks[i];
	uint64_t oldest = atomic_load_explicit(&h->c.oldest_ms, memory_order_relaxed);
	int64_t now = monotime_ms();

	out->name = h->conf->name;
	out->delivered = atomic_load_explicit(&h->c.delivered, memory_order_relaxed);
	out->retries = atomic_load_explicit(&h->c.retries, memory_order_relaxed);
	out->failed = atomic_load_explicit(&h->c.failed, memory_order_relaxed);
	out->refused_full = atomic_load_explicit(&h->c.refused_full, memory_order_relaxed);
	out->refused_error = atomic_load_explicit(&h->c.refused_error, memory_order_relaxed);
	out->refused_behind = atomic_load_explicit(&d->overflow, memory_order_relaxed);
	out->refused = out->refused_full + out->refused_error + out->refused_behind;
	out->replayed = atomic_load_explicit(&h->c.replayed, memory_order_relaxed);
	out->damaged = atomic_load_explicit(&h->c.damaged, memory_order_relaxed);
	out->untracked = atomic_load_explicit(&h->c.untracked, memory_order_relaxed);
	out->unwritten_acks = atomic_load_explicit(&h->c.unwritten_acks, memory_order_relaxed);
	out->queued = atomic_load_explicit(&h->c.queued, memory_order_relaxed);
	out->folded = atomic_load_explicit(&h->storm.folded, memory_order_relaxed);
	out->unfolded = atomic_load_explicit(&h->storm.unfolded, memory_order_relaxed);
	out->oldest_age_ms = oldest != 0 && now > (int64_t)oldest ? (uint64_t)(now - (int64_t)oldest) : 0;
}

void
deliver_log_summary(const struct deliver *d)
{
	struct deliver_stats st;
	size_t i;

	for (i = 0; i < deliver_count(d); i++) {
		deliver_get_stats(d, i, &st);
		log_info("webhook %s: delivered=%" PRIu64 " retries=%" PRIu64 " failed=%" PRIu64
		    " refused=%" PRIu64 " queued=%" PRIu64 " oldest_age=%.1fs folded=%" PRIu64
		    " unfolded=%" PRIu64, st.name, st.delivered, st.retries, st.failed, st.refused,
		    st.queued, (double)st.oldest_age_ms / 1000, st.folded, st.unfolded);
	}
}

/* Stop the delivery thread, waiting up to grace_ms for answers in flight; free. */
static void
deliver_shutdown(struct deliver *d, int64_t grace_ms)
{
	size_t i;

	if (d == NULL)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		d->stopping = true;
		d->stop_grace_ms = grace_ms;
		pthread_mutex_unlock(&d->lock);
		event_active(d->wake, EV_READ, 0);
		pthread_join(d->thread, NULL);
	}
	/* abandon transfers in flight: their records stay spooled */
	while (d->transfers != NULL)
		transfer_free(d->transfers);
	for (i = 0; i < d->n_hooks; i++) {
		struct hook *h = &d->hooks[i];

		if (h->retry_ev != NULL)
			event_free(h->retry_ev);
		if (h->replay_ev != NULL)
			event_free(h->replay_ev);
		taken_close(h->taken);
		free(h->keep);
		storm_ctl_close(&h->storm);
		spool_close(h->spool);
		curl_slist_free_all(h->extra);
		if (h->key != NULL) {
			explicit_bzero(h->key, h->keylen);
			free(h->key);
		}
	}
	curl_event_free(d->curl);
	if (d->wake != NULL)
		event_free(d->wake);
	if (d->grace != NULL)
		event_free(d->grace);
	if (d->base != NULL)
		event_base_free(d->base);
	strbuf_free(&d->pending);
	pthread_mutex_destroy(&d->lock);
	free(d->hooks);
	free(d);
	curl_global_cleanup();
}

void
deliver_free(struct deliver *d)
{
	deliver_shutdown(d, 0);
}

void
deliver_stop(struct deliver *d)
{
	deliver_shutdown(d, DELIVER_STOP_GRACE_MS);
}
