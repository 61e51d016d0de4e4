/*
 * storm.h: storm control for one webhook: alerts with the same host,
 * account, technique and rule within a window become one delivery
 * carrying a count, not a flood (issue 4).
 *
 * The first alert of a key opens a window and is delivered at once; the
 * ones after it, until the window closes, are folded, unless more severe
 * than every alert the window has seen: that one is delivered at once too
 * (STORM_SEVERER), so a worse detection is never hidden behind a summary,
 * and the window takes its severity, so a flood of those is folded as
 * well.  (Correlated alerts have no storm key: webhook_storm_key.)  The
 * table keeps
 * their count, their earliest and latest @timestamp and the
 * spool handle of the summary that stands for them (deliver.c writes it).
 * storm_expire hands every closed window back.
 *
 * Memory is bounded: at most max_keys windows (each key at most
 * STORM_KEY_MAX bytes); an alert that finds the table full, or whose key
 * is too long, is not folded (STORM_OVERFLOW): the caller delivers it on
 * its own and counts it.
 *
 * Not thread-safe: one table is used by the delivery thread only (the
 * workers hand alerts over through deliver_submit), so no lock is needed.
 */
#ifndef LOGWARD_STORM_H
#define LOGWARD_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORM_KEY_MAX 1024
#define STORM_TIME_MAX 40

/* One open window; owned by the table. */
struct storm_window {
	char *key;                     /* owned, NUL-terminated */
	size_t keylen;
	int64_t closes_ms;             /* monotonic ms */
	int severity;                  /* the highest rank delivered in this window */
	int raised_from;               /* severity before the last STORM_SEVERER */
	uint64_t folded;               /* alerts folded into the summary so far */
	char first[STORM_TIME_MAX];    /* earliest @timestamp of the folded alerts */
	char last[STORM_TIME_MAX];     /* latest @timestamp of the folded alerts */
	uint64_t summary_seq;          /* the caller's handle of the summary */
	bool has_summary;              /* summary_seq is set */
	int32_t next;                  /* hash chain / free list */
};

enum storm_verdict {
	STORM_FIRST,                   /* a new window: deliver this alert now */
	STORM_FOLD,                    /* folded into *w (count and times updated) */
	STORM_SEVERER,                 /* more severe than the window so far: deliver now */
	STORM_OVERFLOW,                /* table full or key too long: deliver unfolded */
};

struct storm;

/* A table of at most max_keys windows.  NULL when memory runs out. */
struct storm *storm_new(size_t max_keys);
void storm_free(struct storm *s); /* NULL is fine */

/*
 * Offer one alert with its key (any bytes), @timestamp (may be NULL) and
 * severity rank (webhook_alert_severity).  A window open for key at now_ms
 * folds it (*w set), unless severity is above the window's (STORM_SEVERER,
 * *w set, not counted); otherwise a window of window_ms opens (*w set,
 * without a summary).
 */
enum storm_verdict storm_offer(struct storm *s, const char *key, size_t keylen,
    const char *timestamp, int severity, int64_t now_ms, int64_t window_ms,
    struct storm_window **w);

/*
 * Close every window whose time has come (closes_ms <= now_ms): call
 * closed(arg, w) for each, then forget it.  Returns how many closed.
 */
size_t storm_expire(struct storm *s, int64_t now_ms,
    void (*closed)(void *arg, struct storm_window *w), void *arg);

/*
 * Undo the offer that returned w: a window it opened (STORM_FIRST) is
 * forgotten, a severity it raised (STORM_SEVERER) goes back.  For an alert that could not be queued after all: when
 * it comes again it must not fold into the window it opened itself.
 */
void storm_undo(struct storm *s, struct storm_window *w, enum storm_verdict v);

/* Open windows now. */
size_t storm_count(const struct storm *s);

#endif
