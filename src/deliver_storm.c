/*
 * deliver_storm.c: storm control of one webhook, with its summaries kept
 * durable in NAME+storm (deliver_storm.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/sha.h>

#include "alert_id.h"
#include "deliver_storm.h"
#include "log.h"
#include "monotime.h"
#include "spool.h"
#include "webhook.h"

/* Remember a storm spool record to acknowledge after the next fsync. */
static void
seq_list_push(struct seq_list *l, uint64_t seq)
{
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? 2 * l->cap : 64;
		uint64_t *n = realloc(l->seq, cap * sizeof(*n));

		/* out of memory: the record stays and is delivered at the next start */
		if (n == NULL)
			return;
		l->seq = n;
		l->cap = cap;
	}
	l->seq[l->n++] = seq;
}

/* Acknowledge the superseded or moved storm records; their successors are durable. */
static void
storm_ctl_ack(struct storm_ctl *sc)
{
	size_t i;

	for (i = 0; i < sc->acks.n; i++)
		spool_ack(sc->spool, sc->acks.seq[i]);
	sc->acks.n = 0;
}

/*
 * Fold one alert into window w: its summary so far replaces the window's
 * previous one in the storm spool.  -1 when that cannot be written: the
 * caller delivers the alert on its own (the fold is undone).
 */
static int
storm_ctl_fold(struct storm_ctl *sc, struct storm_window *w, struct webhook_alert *a, int64_t now)
{
	char id[ALERT_ID_LEN + 1];
	struct strbuf sb;
	int rc = -1;

	strbuf_init(&sb);
	/* the summary carries the event.id of the alert folded last (never sent on its own) */
	if (webhook_storm_summary(a, w->folded, w->first, w->last, sc->window_s, &sb) == 0 &&
	    spool_append_id(sc->spool, sb.data, sb.len,
	    webhook_alert_id(a, sc->name, id) == 0 ? id : NULL, now) == SPOOL_OK) {
		struct spool_record *r = spool_at(sc->spool, spool_count(sc->spool) - 1);

		if (w->has_summary)
			seq_list_push(&sc->acks, w->summary_seq);
		w->summary_seq = r->seq;
		w->has_summary = true;
		sc->appended = true;
		atomic_fetch_add_explicit(&sc->folded, 1, memory_order_relaxed);
		rc = 0;
	} else
		w->folded--;
	strbuf_free(&sb);
	return rc;
}

/*
 * The storm key of alert a (webhook_storm_key) into key, and its time into
 * ts.  A key longer than storm.h takes (a 30,000-character account name)
 * stands as its SHA-256, so that it folds like any other: a long name must
 * not be a way around storm control.  0, or -1: never folded.
 */
static int
storm_ctl_key(struct webhook_alert *a, struct strbuf *key, char *ts, size_t tslen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	char digest[8 + 2 * SHA256_DIGEST_LENGTH];
	size_t i;

	if (webhook_storm_key(a, key, ts, tslen) == -1)
		return -1;
	if (key->len <= STORM_KEY_MAX)
		return 0;
	SHA256((const unsigned char *)key->data, key->len, md);
	memcpy(digest, "sha256:", 7);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		digest[7 + 2 * i] = hex[md[i] >> 4];
		digest[8 + 2 * i] = hex[md[i] & 0xf];
	}
	strbuf_reset(key);
	return strbuf_append(key, digest, sizeof(digest) - 1);
}

/* An alert storm control could not fold: counted, and said once a streak with why. */
static void
storm_ctl_unfolded(struct storm_ctl *sc, bool table_full)
{
	atomic_fetch_add_explicit(&sc->unfolded, 1, memory_order_relaxed);
	if (!sc->overflowing) {
		if (table_full)
			log_warnx("webhook %s: storm control is full (%u open windows): alerts of "
			    "new keys are delivered unfolded (counted, not logged)", sc->name,
			    STORM_CTL_KEYS);
		else
			log_warnx("webhook %s: storm control cannot write %s+storm.spool: alerts are "
			    "delivered unfolded (counted, not logged)", sc->name, sc->name);
	}
	sc->overflowing = true;
}

int
storm_ctl_offer(struct storm_ctl *sc, struct webhook_alert *a, int64_t now, struct storm_offer *o)
{
	struct storm_window *w;
	struct strbuf key;
	char ts[STORM_TIME_MAX];
	enum storm_verdict v;

	o->v = STORM_OVERFLOW;
	o->w = NULL;
	if (sc->storm == NULL)
		return 0;
	strbuf_init(&key);
	if (storm_ctl_key(a, &key, ts, sizeof(ts)) == -1) {
		/* no technique, or a correlation: never folded */
		strbuf_free(&key);
		return 0;
	}
	v = storm_offer(sc->storm, key.data, key.len, ts, webhook_alert_severity(a), now,
	    (int64_t)sc->window_s * 1000, &w);
	strbuf_free(&key);
	switch (v) {
	case STORM_FIRST:
	case STORM_SEVERER:
		o->v = v;
		o->w = w;
		return 0;
	case STORM_FOLD:
		if (storm_ctl_fold(sc, w, a, now) == 0) {
			sc->overflowing = false;
			return 1;
		}
		storm_ctl_unfolded(sc, false);
		return 0;
	case STORM_OVERFLOW:
		break;
	}
	/* the key fits (storm_ctl_key): the table is full */
	storm_ctl_unfolded(sc, true);
	return 0;
}

void
storm_ctl_undo(struct storm_ctl *sc, const struct storm_offer *o)
{
	if (sc->storm != NULL)
		storm_undo(sc->storm, o->w, o->v);
}

/*
 * Move storm summary r into the delivery spool (a window closed, or one
 * was left from before a restart).  Its storm record is acknowledged
 * after the delivery spool's fsync.  -1: not moved (logged; it stays).
 */
static int
storm_ctl_move(struct storm_ctl *sc, const struct spool_record *r, int64_t now)
{
	struct strbuf line;
	enum spool_status st = SPOOL_ERROR;

	strbuf_init(&line);
	if (spool_read(sc->spool, r, &line) == 0)
		/* its id as it was folded: the same webhook-id before and after a restart */
		st = spool_append_id(sc->delivery, line.data, line.len, r->id, now);
	strbuf_free(&line);
	if (st != SPOOL_OK) {
		if (!sc->move_failing)
			log_warnx("webhook %s: a storm summary cannot be queued (%s); it stays in "
			    "%s+storm.spool until the next start", sc->name,
			    st == SPOOL_FULL ? "spool full" : "spool error", sc->name);
		sc->move_failing = true;
		return -1;
	}
	sc->move_failing = false;
	seq_list_push(&sc->acks, r->seq);
	return 0;
}

/* storm_expire's callback: a window with folded alerts hands its summary over. */
static void
storm_ctl_closedcb(void *arg, struct storm_window *w)
{
	struct storm_ctl *sc = arg;
	struct spool_record *r;

	if (w->has_summary && (r = spool_find(sc->spool, w->summary_seq)) != NULL)
		storm_ctl_move(sc, r, monotime_ms());
}

/* Once a second: close the windows whose time has come and queue their summaries. */
static void
storm_ctl_timercb(evutil_socket_t fd, short what, void *arg)
{
	struct storm_ctl *sc = arg;

	if (storm_expire(sc->storm, monotime_ms(), storm_ctl_closedcb, sc) == 0 || sc->acks.n == 0)
		return;
	spool_sync(sc->delivery);
	storm_ctl_ack(sc);
	sc->movedcb(sc->arg);
}

void
storm_ctl_sync(struct storm_ctl *sc)
{
	if (!sc->appended)
		return;
	/* the new summaries durable before the ones they replace go */
	spool_sync(sc->spool);
	storm_ctl_ack(sc);
	sc->appended = false;
}

/* The storm key of record r of the storm spool, read into line: 0, or -1. */
static int
storm_ctl_record_key(struct storm_ctl *sc, const struct spool_record *r, struct strbuf *line,
    struct strbuf *key)
{
	struct webhook_alert a;
	char ts[STORM_TIME_MAX];
	int rc;

	strbuf_reset(line);
	if (spool_read(sc->spool, r, line) == -1)
		return -1;
	webhook_alert_init(&a, line->data, line->len);
	rc = storm_ctl_key(&a, key, ts, sizeof(ts));
	webhook_alert_release(&a);
	return rc;
}

/*
 * Move the summaries a previous run left in NAME+storm to the delivery
 * spool, one a window: a crash between the fsync of a summary and the ack
 * of the one it supersedes leaves both, and only the later (its count
 * includes the other's) may go.  Returns the windows handed over.
 */
static size_t
storm_ctl_replay(struct storm_ctl *sc)
{
	struct storm *seen = storm_new(STORM_CTL_KEYS);
	struct spool_record *r = NULL;
	struct strbuf line, key;
	size_t n = 0;

	strbuf_init(&line);
	strbuf_init(&key);
	while ((r = spool_next(sc->spool, r)) != NULL) {
		struct storm_window *w;

		if (seen != NULL && storm_ctl_record_key(sc, r, &line, &key) == 0 &&
		    storm_offer(seen, key.data, key.len, NULL, 0, 0, 0, &w) != STORM_OVERFLOW) {
			if (w->has_summary)
				seq_list_push(&sc->acks, w->summary_seq);
			w->summary_seq = r->seq;
			w->has_summary = true;
			continue;
		}
		/* no room or no key: deliver it as it is */
		n += storm_ctl_move(sc, r, monotime_ms()) == 0;
	}
	if (seen != NULL)
		n += storm_expire(seen, INT64_MAX, storm_ctl_closedcb, sc);
	storm_free(seen);
	strbuf_free(&line);
	strbuf_free(&key);
	return n;
}

int
storm_ctl_open(struct storm_ctl *sc, struct event_base *base, const char *spool_dir,
    size_t max_bytes, const char *name, unsigned window_s, struct spool *delivery,
    void (*movedcb)(void *), void *arg, char *err, size_t errlen)
{
	char sname[128];
	struct timeval sec = { 1, 0 };
	size_t left;

	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	sc->window_s = window_s;
	sc->delivery = delivery;
	sc->movedcb = movedcb;
	sc->arg = arg;
	snprintf(sname, sizeof(sname), "%s+storm", name);
	if ((sc->spool = spool_open(spool_dir, sname, max_bytes, err, errlen)) == NULL)
		return -1;
	if ((left = storm_ctl_replay(sc)) > 0) {
		log_info("webhook %s: %zu storm summaries of windows open at the last stop, "
		    "delivering them", name, left);
		if (spool_sync(delivery) == -1) {
			snprintf(err, errlen, "cannot sync the spool");
			return -1;
		}
		storm_ctl_ack(sc);
	}
	if (window_s == 0)
		return 0;
	if ((sc->storm = storm_new(STORM_CTL_KEYS)) == NULL ||
	    (sc->ev = event_new(base, -1, EV_PERSIST, storm_ctl_timercb, sc)) == NULL ||
	    event_add(sc->ev, &sec) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
storm_ctl_close(struct storm_ctl *sc)
{
	if (sc->ev != NULL)
		event_free(sc->ev);
	storm_free(sc->storm);
	spool_close(sc->spool);
	free(sc->acks.seq);
	sc->ev = NULL;
	sc->storm = NULL;
	sc->spool = NULL;
	sc->acks.seq = NULL;
}
