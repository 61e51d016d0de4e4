/*
 * deliver_storm.h: storm control of one webhook (storm.h holds the
 * windows; this makes their folded counts durable).
 *
 * An alert folded into an open window is not spooled for delivery;
 * instead the window's summary so far (the alert with logward.storm,
 * webhook_storm_summary) is appended to a second spool, NAME+storm ("+"
 * cannot be in a webhook name), superseding the previous one, which is
 * acknowledged once the new one is fsync'd (storm_ctl_sync).  When the
 * window closes, its summary moves to the delivery spool.  So a folded
 * count survives a crash or a restart: at start-up every summary left in
 * NAME+storm goes to the delivery spool at once (its window closes early).
 * A key longer than storm.h takes stands as its SHA-256, so it folds too.
 *
 * Runs on the delivery thread; the counters are relaxed atomics, readable
 * from any thread.
 */
#ifndef LOGWARD_DELIVER_STORM_H
#define LOGWARD_DELIVER_STORM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storm.h"

struct event;
struct event_base;
struct spool;
struct webhook_alert;

#define STORM_CTL_KEYS 4096             /* open storm windows a webhook */

/* Storm spool records to acknowledge once what supersedes them is fsync'd. */
struct seq_list {
	uint64_t *seq;                   /* owned */
	size_t n, cap;
};

struct storm_ctl {
	const char *name;                /* the webhook's; not owned */
	unsigned window_s;               /* 0: nothing folds, leftovers still move */
	struct spool *delivery;          /* not owned: where closed windows go */
	void (*movedcb)(void *arg);      /* summaries moved and the delivery spool synced */
	void *arg;
	struct storm *storm;             /* owned; NULL: window_s 0 */
	struct spool *spool;             /* owned: NAME+storm, one summary an open window */
	struct event *ev;                /* owned: closes windows, once a second */
	struct seq_list acks;
	bool appended;                   /* spool needs an fsync */
	bool overflowing;                /* in a streak of unfolded alerts (logged once) */
	bool move_failing;               /* in a streak of summaries not moved (logged once) */
	atomic_uint_fast64_t folded;     /* alerts folded into summaries */
	atomic_uint_fast64_t unfolded;   /* alerts that could not fold: table full, spool error */
};

/* What storm control did with one alert, so that it can be undone. */
struct storm_offer {
	enum storm_verdict v;
	struct storm_window *w;          /* NULL: not offered */
};

/*
 * Open NAME+storm in spool_dir (bounded by max_bytes), move what a
 * previous run left there to delivery (fsync'd), and, with window_s not
 * 0, start the once-a-second window timer on base, which calls
 * movedcb(arg) after it moved summaries.  sc is zeroed first; name and
 * delivery must outlive it.  -1 with err set.
 */
int storm_ctl_open(struct storm_ctl *sc, struct event_base *base, const char *spool_dir,
    size_t max_bytes, const char *name, unsigned window_s, struct spool *delivery,
    void (*movedcb)(void *), void *arg, char *err, size_t errlen);

/*
 * Offer one alert: 1 when it was folded (not to be spooled for
 * delivery), 0 when it is to be delivered (o says how to undo the offer
 * if it cannot be).  An alert with no storm key (no technique, or a
 * correlation) is never folded.
 */
int storm_ctl_offer(struct storm_ctl *sc, struct webhook_alert *a, int64_t now_ms,
    struct storm_offer *o);

/* The alert o was about could not be spooled: it must not count in its window. */
void storm_ctl_undo(struct storm_ctl *sc, const struct storm_offer *o);

/* Make the summaries appended durable, then acknowledge those they superseded. */
void storm_ctl_sync(struct storm_ctl *sc);

/* Free everything sc owns (summaries stay in NAME+storm for the next start). */
void storm_ctl_close(struct storm_ctl *sc);

#endif
