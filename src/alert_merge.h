/*
 * alert_merge.h: one incident, one alert.  The lines of one change (a
 * sudo'd useradd gives an alert for the sudo line and one for the useradd
 * line; usermod's group and shadow-group lines give two T1098 alerts) are
 * linked into one alert: alerts of the same host.hostname,
 * user.target.name and threat.technique.id that come within the window
 * of the first are held, then written as one alert line: the first
 * alert, with logward.incident {count, evidence: [each line's
 * @timestamp, event.id, event.original, rule.id]}.  A window holding one
 * alert gives that alert's line unchanged.
 *
 * What is never held: an alert without an account or a technique, a
 * correlation (logward.correlation), a line that is not an alert object.
 * The table is bounded (max_open windows, ALERT_MERGE_LINES_MAX lines
 * each): past a bound the alert is given back to be written on its own,
 * and counted by reason.
 *
 * Two clocks.  The daemon measures windows in receipt time (the caller's
 * now) and writes what alert_merge_flush gives once a window has closed,
 * and everything at drain.  --test-rules has no clock of its own: its
 * windows are sequential (at most one open) and measured in the alerts'
 * own @timestamp, so the output depends on the input only (main.c).
 *
 * Thread-safe (one mutex).
 */
#ifndef LOGWARD_ALERT_MERGE_H
#define LOGWARD_ALERT_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

#define ALERT_MERGE_LINES_MAX 16   /* alert lines one incident holds */
#define ALERT_MERGE_OPEN_MAX 4096  /* default bound on open windows */

enum alert_merge_reason {
	ALERT_MERGE_TABLE_FULL,    /* max_open windows open: written on its own */
	ALERT_MERGE_INCIDENT_FULL, /* its incident holds ALERT_MERGE_LINES_MAX lines */
	ALERT_MERGE_NO_MEMORY,
	ALERT_MERGE_REASONS
};

struct alert_merge_stats {
	uint64_t merged;                        /* alert lines folded into another's alert */
	uint64_t unmerged[ALERT_MERGE_REASONS]; /* given back by reason */
	uint64_t open;                          /* windows open now */
};

struct alert_merge;

/*
 * A table of at most max_open windows of window_ms each.  sequential:
 * --test-rules (see above).  NULL when out of memory.  Caller frees with
 * alert_merge_free (after alert_merge_flush(m, INT64_MAX, ...): what is
 * still held is dropped).
 */
struct alert_merge *alert_merge_new(int64_t window_ms, size_t max_open, bool sequential);
void alert_merge_free(struct alert_merge *m);

/*
 * Offer one alert line (line[0..len), without its LF) received at now_ms.
 * Returns 1 when held (the caller must not write it: a flush will), 0 when
 * the caller writes it now, as it is (never held, or a bound: counted).
 */
int alert_merge_offer(struct alert_merge *m, const char *line, size_t len, int64_t now_ms);

/* How an alert line fits the open windows (alert_merge_fit). */
enum alert_merge_fit {
	ALERT_MERGE_JOINS,  /* it would join an open window */
	ALERT_MERGE_OTHER,  /* it could be held, in a window of its own */
	ALERT_MERGE_NEVER,  /* it is never held (a correlation, no account...) */
};

/*
 * How would alert line fit (sequential tables)?  The --test-rules driver
 * asks before it prints the message's event, so that an incident that
 * ends is printed before the next message's output.
 */
enum alert_merge_fit alert_merge_fit(struct alert_merge *m, const char *line, size_t len);

/*
 * Has the open window of a sequential table closed by the @timestamp of
 * line (an event line; one without a time closes nothing)?
 */
bool alert_merge_outlived(struct alert_merge *m, const char *line, size_t len);

/*
 * Append to out (LF-terminated lines) the alert of every window that
 * closed by now_ms (INT64_MAX: all, at drain or at the end of the
 * input), oldest first.  Returns the number of lines appended; a window
 * whose alert cannot be formatted (out of memory) is written as its lines
 * unmerged.
 */
size_t alert_merge_flush(struct alert_merge *m, int64_t now_ms, struct strbuf *out);

/* How many windows are open. */
size_t alert_merge_open(struct alert_merge *m);

void alert_merge_get_stats(struct alert_merge *m, struct alert_merge_stats *out);

/* "table_full", "incident_full", "no_memory": the metric's reason label. */
const char *alert_merge_reason_name(enum alert_merge_reason r);

#endif
