/*
 * correlate.h: detections over several events (README "Correlated
 * detections", doc/detections.md "Facts and correlations").
 *
 * A detection with a "fact" (doc/detections.md) turns its event into a
 * fact: an account created or deleted, an account added to an admin
 * group, a sudo or ssh session.  The correlator keeps the facts it needs
 * in a bounded state keyed by scope (the host, cut at its first '.') and
 * gives, for each new fact, the correlated alerts it completes:
 *
 *   correlate-created-then-admin  created, then added to an admin group
 *                                 within the window (either order)
 *   correlate-short-lived-account created, then deleted within the window
 *   correlate-admin-threshold     an admin group grows past `threshold`
 *                                 known members (baseline + learned)
 *   correlate-admin-unknown       (alert_on_unknown) a member outside the
 *                                 baseline added to an admin group
 *
 * and, for an account creation without an actor, the user of the sudo
 * or ssh session on the same host within session_window before it.
 *
 * The correlator is owned by the daemon (not by a rule set: it survives a
 * configuration reload) and shared by every worker: one mutex guards it
 * (only facts take it, and facts are rare: account changes and sessions).
 * A fact's work does not grow with the state: entries are found through
 * indexes by account and expire from a heap (correlate_index.h).
 * With a state_dir, every fact is appended to an append-only journal
 * (state_dir/correlate.journal) before it is applied, and the journal is
 * replayed at start, so a restart (TERM or SIGKILL) in the middle of a
 * window still correlates.  The journal is rewritten as a snapshot of the
 * live state when it has grown to twice the state (and at start).
 */
#ifndef LOGWARD_CORRELATE_H
#define LOGWARD_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "detect.h"
#include "parse.h"

/* One event as a fact; nothing is owned, the slices point into the event. */
struct correlate_fact {
	enum detect_fact kind;
	struct slice scope;      /* host (or domain, device, account) */
	struct slice account;    /* name of the account created / deleted / added */
	struct slice account_id; /* SID or UID; p NULL when the event has none */
	struct slice group;      /* admin-member-added */
	struct slice actor;      /* who did it; for a session, its user */
	struct slice raw;        /* the original line: the evidence */
	const char *rule_id;     /* the detection that made the fact */
	int64_t event_us;        /* event time, microseconds since the epoch */
	int64_t received;        /* receipt time, seconds: the expiry clock */
};

/* A line of evidence of a correlated alert; owned by the alert. */
struct correlate_evidence {
	int64_t event_us;
	char *rule_id;
	char *raw;
	size_t raw_len;
};

#define CORRELATE_MAX_EVIDENCE 2
#define CORRELATE_MAX_TECHNIQUES 2

/* One ATT&CK technique of a correlation. */
struct correlate_technique {
	const char *id, *name, *tactic, *tactic_name;
};

/* A correlation's constant description. */
struct correlation {
	const char *id;
	const char *title;
	enum detect_severity severity;
	const char *action;
	struct correlate_technique techniques[CORRELATE_MAX_TECHNIQUES];
	size_t n_techniques;
};

/* A correlated alert; its strings are owned (correlate_result_clear). */
struct correlate_alert {
	const struct correlation *rule;
	char *scope, *account, *group, *actor;
	unsigned count;          /* admin-threshold: members after the add */
	struct correlate_evidence evidence[CORRELATE_MAX_EVIDENCE]; /* oldest first */
	size_t n_evidence;
};

#define CORRELATE_MAX_ALERTS 3

/* What one fact gives. */
struct correlate_result {
	char actor[256];         /* creation: the session's user ("" none) */
	char actor_rule[64];     /* the detection of that session's line */
	struct correlate_alert alerts[CORRELATE_MAX_ALERTS];
	size_t n_alerts;
};

/* Counters for the stats line and /metrics. */
struct correlate_stats {
	uint64_t facts;          /* facts applied (replay included) */
	uint64_t alerts;         /* correlated alerts given */
	uint64_t entries;        /* state entries now */
	uint64_t overflow;       /* facts not kept: state full */
	uint64_t journal_errors; /* journal writes that failed */
	uint64_t bad_records;    /* journal records skipped at replay */
	uint64_t visits;         /* entries and index nodes looked at (the tests bound it) */
	uint64_t scopes;         /* hosts with state now (a host with none is forgotten) */
};

/*
 * A correlator with settings s (copied), its baseline read and its
 * journal replayed.  Returns NULL with err set ("file:line: what" for the
 * baseline, "path: why" for the state directory).  Caller frees with
 * correlate_free.  now: the receipt clock (time(NULL)).
 */
struct correlate *correlate_new(const struct correlate_settings *s, int64_t now,
    char *err, size_t errlen);
void correlate_free(struct correlate *c); /* NULL is fine */

/*
 * Apply fact f and fill *res (cleared first) with what it completes.
 * Thread-safe.  The caller clears res with correlate_result_clear.
 */
void correlate_observe(struct correlate *c, const struct correlate_fact *f,
    struct correlate_result *res);
void correlate_result_clear(struct correlate_result *res);

void correlate_get_stats(struct correlate *c, struct correlate_stats *st);

/* Whether two settings are the same (a reload that changes them says so). */
bool correlate_settings_equal(const struct correlate_settings *a,
    const struct correlate_settings *b);

/*
 * Parse a baseline file into c's baseline (replacing nothing: start-up
 * only).  Format (README): "SCOPE GROUP MEMBER" a line, blank-separated,
 * a field with blanks in double quotes, "#" comments, SCOPE "*" for every
 * scope.  Exposed for the tests.
 */
int correlate_load_baseline(struct correlate *c, const char *path, char *err, size_t errlen);

#endif
