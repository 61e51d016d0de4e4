/*
 * detect.h: detections over normalized events (doc/detections.md).
 *
 * A detection set is every "*.detections" file of the rules directory
 * (name order), or FILE.detections next to a single FILE.rulebase.  It is
 * loaded once, checked completely (every mistake is "file:line: what"),
 * and then immutable: one set is shared read-only by all processing
 * workers (compiled regexes are safe to run from several threads in
 * glibc).  The only thing that changes after loading is the per-technique
 * alert counters, which are atomics.
 *
 * Cost per message: an event without rule tags costs one check; a tagged
 * event costs one binary search per tag over the sorted tag index, then
 * the conditions of the detections listed under that tag that can hold:
 * those keyed by the event's value of one of the tag's key fields, and
 * those no value keys (detect_index.c).
 */
#ifndef LOGWARD_DETECT_H
#define LOGWARD_DETECT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "regex_shared.h"

struct fjson_object;
struct detect_set;
struct detect_cond;
struct sigma_fact;

enum detect_severity {
	DETECT_LOW = 0,
	DETECT_MEDIUM,
	DETECT_HIGH,
	DETECT_CRITICAL,
};

/*
 * What a detection's event is to the correlator (correlate.h): key "fact"
 * of a detection.  A detection with severity none only gives its fact.
 */
enum detect_fact {
	DETECT_FACT_NONE = 0,
	DETECT_FACT_ACCOUNT_CREATED,    /* "account-created" */
	DETECT_FACT_ACCOUNT_DELETED,    /* "account-deleted" */
	DETECT_FACT_ADMIN_MEMBER_ADDED, /* "admin-member-added" */
	DETECT_FACT_SESSION,            /* "session": sudo command, ssh login */
};

/* An ATT&CK technique block; owned by the set. */
struct detect_technique {
	char *id;          /* "T1136.001" */
	char *name;
	char *tactic;      /* "TA0003" */
	char *tactic_name; /* "Persistence" */
};

/* One loaded detection; owned by the set, read-only after detect_load. */
struct detection {
	char *id;
	char *title;
	const struct detect_technique *technique; /* NULL when silent */
	enum detect_severity severity;
	bool silent;         /* severity none: gives its fact, never an alert */
	enum detect_fact fact;
	char *scope;         /* field paths of the fact's scope and account id */
	char *account_id;
	char *action;        /* event.action of the alert; NULL: the event's */
	char *target;        /* field paths of the alert's accounts and group */
	char *target_domain;
	char *actor;
	char *group;
	struct regex_shared *target_re; /* target_pattern; NULL: none */
	struct regex_shared *group_re;  /* group_pattern; NULL: none */
	char *file;          /* where it was defined, for messages */
	int line;
	size_t index;        /* load order (ties go to the lower one) */
	struct detect_cond *when, *unless; /* private to detect.c */
	size_t n_when, n_unless;
	char **tags;
	size_t n_tags;
	size_t technique_slot; /* index of its technique's alert counter */
	bool sigma;          /* a Sigma rule's (sigma.h): its own matcher, rule.ruleset "sigma" */
	const struct sigma_fact *sigma_fact; /* Sigma: where its fact's fields are; the set owns it */
};

/* What detect looks at: the parsed header, liblognorm's fields, the peer. */
struct detect_event {
	const struct syslog_msg *msg;  /* never NULL */
	struct fjson_object *norm;     /* liblognorm's fields + "event.tags", or NULL */
	const char *source_ip;         /* text, or NULL */
};

/*
 * A field's value as text.  Strings are slices of the event (valid while
 * the event and its norm are); numbers are written into num.
 */
struct detect_value {
	struct slice s;   /* p == NULL: absent */
	bool terminated;  /* s.p[s.len] is a NUL (not so for slices of the frame) */
	char num[32];
};

/* The outcome of detect_match; slices point into the event. */
struct detect_result {
	const struct detection *detection;
	struct slice tag;     /* the rule tag that selected the detection */
	struct slice target;  /* the account created (p NULL: not known) */
	char num[32];         /* target's text when it is a number; do not copy *res */
	struct slice group;   /* group_pattern's capture; set only with a group_pattern */
	char group_num[32];   /* group's text when it is a number */
};

/*
 * Load the detections for rules_path (a directory, or a rulebase file).
 * Returns NULL with err set ("file:line: message", "path: message") on any
 * error; a directory with no detections file gives an empty set.  Not
 * reentrant with conf_load or another detect_load (libConfuse's lexer is
 * process-wide): call from the main thread.  Caller frees with detect_free.
 */
struct detect_set *detect_load(const char *rules_path, char *err, size_t errlen);

/*
 * detect_load, and the Sigma rules (sigma.h) of the rules directory and of
 * sigma_dir (NULL: none) beside the detections.  A Sigma rule that cannot
 * run is skipped and kept in the set's report (detect_sigma_log); only a
 * broken mapping file or lack of memory fails the load.
 */
struct detect_set *detect_load_sigma(const char *rules_path, const char *sigma_dir, char *err,
    size_t errlen);

/* Log the skipped Sigma rules (up to limit, each with its reason) and a summary. */
void detect_sigma_log(const struct detect_set *s, size_t limit);

/* Whether the set runs on events liblognorm did not match (Sigma keywords). */
bool detect_wants_unnormalized(const struct detect_set *s);
void detect_free(struct detect_set *s); /* NULL is fine */

size_t detect_count(const struct detect_set *s);       /* detections */
size_t detect_file_count(const struct detect_set *s);  /* files loaded */
const struct detection *detect_at(const struct detect_set *s, size_t i);

/*
 * The best detection for an event: among the detections listed under any
 * of the event's rule tags whose "when" conditions all hold, whose
 * "unless" conditions all fail and whose target_pattern (if any) matches,
 * the highest severity (silent ones below low), the lowest load index on
 * a tie.  Returns 1 with
 * *res filled, or 0.  Thread-safe on a shared set.
 */
int detect_match(const struct detect_set *s, const struct detect_event *ev,
    struct detect_result *res);

/*
 * Look up a field as the conditions do: liblognorm's fields first (a
 * literal dotted key, nested objects, or a mix), then the header
 * (log.syslog.*, host.hostname, source.ip, message).  Returns 1 with
 * out->s set, 0 when absent.
 */
int detect_field(const struct detect_event *ev, const char *path, struct detect_value *out);

/* detect_field as a slice of v: p NULL when path is NULL or the field absent. */
struct slice detect_field_slice(const struct detect_event *ev, const char *path,
    struct detect_value *v);

/*
 * The group an alert or fact of res names: group_pattern's capture when
 * the detection has one (res->group), else its group field (a slice of v).
 */
struct slice detect_result_group(const struct detect_event *ev, const struct detect_result *res,
    struct detect_value *v);

/* The text of when (unless == false) or unless condition i of d. */
const char *detection_condition_text(const struct detection *d, bool unless, size_t i);

/* The redact patterns of all files, in load order (REG_EXTENDED|REG_ICASE). */
struct regex_shared *const *detect_redactions(const struct detect_set *s, size_t *n);

/*
 * One ERE (REG_NOSUB) that matches a string exactly when at least one
 * redact pattern matches it: their alternation, "(p1)|(p2)|...".  A string
 * it does not match passes every pattern unchanged, so the alert can copy
 * it as it is (one regexec instead of one a pattern).  NULL when there
 * are no patterns, or when one of them cannot be wrapped in a group
 * without changing its meaning (an unmatched ')', a back-reference).
 */
struct regex_shared *detect_redaction_filter(const struct detect_set *s);

struct strbuf;

/*
 * Append s[0..len) to out with the n patterns of re applied in order (a
 * match's last capture group, or the match, becomes "<redacted>").  Text
 * that would grow past 4 * len + 4096 bytes (patterns matching their own
 * replacement) is replaced whole by "<redacted>".  Returns 0, or -1 when
 * out of memory.
 */
int detect_redact(
    struct regex_shared *const *re, size_t n, const char *s, size_t len, struct strbuf *out);
/*
 * detect_redact with s's patterns, each skipped when the text lacks the
 * literals it needs (it could not match there): the same result.
 */
int detect_redact_set(const struct detect_set *s, const char *text, size_t len,
    struct strbuf *out);

/*
 * Whether any redact pattern of s may change text[0..len): no when the
 * text holds none of the literals the patterns need; when it holds those
 * of one or two patterns, their own regexes decide; else the filter
 * (detect_redaction_filter) says no for most strings with one regexec.
 * scratch gets a NUL-terminated copy of text.  True when there is no
 * filter (and more than two candidates), or on error.
 */
bool detect_redact_needed(const struct detect_set *s, struct strbuf *scratch, const char *text,
    size_t len);

/* The word of a fact ("account-created"), "" for none. */
const char *detect_fact_name(enum detect_fact fact);

/*
 * The length of a host name's key: up to its first '.', or all of it for
 * an IP address (all digits and dots, or any ':').  samehost compares
 * these; the correlator keys its scopes by them.
 */
size_t detect_host_key_len(const char *p, size_t len);

/* ECS event.severity of a severity (21, 47, 73, 99) and its word. */
int detect_severity_score(enum detect_severity sev);
const char *detect_severity_name(enum detect_severity sev);

/*
 * Count an alert of d (relaxed atomic; the set stays shared).  The
 * per-technique counts are for metrics.
 */
void detect_count_alert(const struct detect_set *s, const struct detection *d);
size_t detect_technique_count(const struct detect_set *s);
const struct detect_technique *detect_technique_at(const struct detect_set *s, size_t i,
    uint64_t *alerts);
/* Add n to technique i's alert counter (a reload carries the counts over). */
void detect_technique_add(const struct detect_set *s, size_t i, uint64_t n);

#endif
