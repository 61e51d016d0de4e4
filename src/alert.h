/*
 * alert.h: a detection as one ECS alert line (doc/detections.md "The
 * alert"), written through the json_writer.
 *
 * Secrets never leave: every string the alert copies from the event
 * (event.original, message, host, accounts, group, action, type) goes
 * through the set's redact patterns first: each match has its last
 * participating capture group (the whole match when the pattern has no
 * group, or none took part) replaced by "<redacted>".
 */
#ifndef LOGWARD_ALERT_H
#define LOGWARD_ALERT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "json_writer.h"

struct correlate_alert;
struct detect_result;
struct detect_set;
struct event_input;

/*
 * What makes each alert line its own (alert_id.h): its event.id, and the
 * collector that wrote it (observer.hostname); nothing is owned.  NULL
 * members are left out of the line.
 */
struct alert_stamp {
	const char *id;                /* event.id */
	const char *observer_hostname; /* observer.hostname */
};

/* What an alert is made of; nothing is owned. */
struct alert_input {
	const struct event_input *event;     /* the event the detection held for */
	const struct detect_result *result;  /* from detect_match on that event */
	const struct detect_set *set;        /* its redact patterns */
	bool explain;                        /* add logward.explain (--test-rules) */
	const char *actor;   /* user.name when the event has none (correlate); NULL */
	const struct alert_stamp *stamp; /* event.id, observer.hostname; NULL: none */
};

/*
 * Append one alert line (JSON object + '\n') to out.  Returns 0, or -1
 * when out of memory (out is then back to its previous length).  The line
 * is whole and self-contained: a spool can take it as it is.
 */
int alert_format(struct strbuf *out, const struct alert_input *in);

/*
 * Append the alert line of a correlation (correlate.h) to out: its rule,
 * techniques (threat.technique.id etc. as arrays when there are two),
 * scope as host.hostname, account, group, actor, @timestamp of the last
 * evidence, and logward.correlation.evidence: each line involved with its
 * @timestamp, rule.id and event.original (redacted by set's patterns);
 * stamp's event.id and observer.hostname (stamp may be NULL).
 * Returns 0, or -1 when out of memory (out is then back to its length).
 */
int alert_format_correlated(struct strbuf *out, const struct correlate_alert *a,
    const struct detect_set *set, const struct alert_stamp *stamp);

#endif
