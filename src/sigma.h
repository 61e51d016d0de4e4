/*
 * sigma.h: Sigma rules (SigmaHQ) run natively beside the detections
 * (doc/detections.md "Sigma rules").
 *
 * A Sigma set is every "*.yml"/"*.yaml" file of the rules directory and,
 * when the configuration names one, of a Sigma directory searched
 * recursively (a SigmaHQ checkout).  Each rule is tied to the event
 * shapes that its log source (product/service/category) maps to by the
 * mapping files (RULES_DIR/sigma/NAME.map), and its field names are resolved
 * through them once at load.  A rule that cannot run (no mapping for its
 * log source or one of its fields, a construct logward does not
 * implement, a bound passed) is reported once with the reason and
 * skipped; a Sigma rule never fails the load of the rules.
 *
 * The loaded rules become detections of the detect set (detect.h), so the
 * alert, correlation and storm paths are those of any detection; only
 * the matching is Sigma's (sigma_match.c), reached from detect_match.
 */
#ifndef LOGWARD_SIGMA_H
#define LOGWARD_SIGMA_H

#include <stdbool.h>
#include <stddef.h>

#include "detect.h"

struct detect_event;
struct detect_set;
struct sigma_set;

/* Bounds of what one rule or mapping may hold (each tested at and past). */
#define SIGMA_MAX_FILE (256 * 1024) /* bytes of one rule or mapping file */
#define SIGMA_MAX_FILES 20000	    /* rule files in one load */
#define SIGMA_MAX_SELECTIONS 64	    /* named selections of one rule */
#define SIGMA_MAX_VALUES 1024	    /* values of one rule, all selections */
#define SIGMA_MAX_VALUE_LEN 4096    /* bytes of one value */
#define SIGMA_MAX_DEPTH 32	    /* nesting of the condition (and YAML) */
#define SIGMA_MAX_COND_TOKENS 512   /* tokens of one condition */
#define SIGMA_MAX_REGEX 1024	    /* bytes of one re pattern */
#define SIGMA_MAX_REGEX_REPEAT 255  /* a {m,n} count in a re pattern */
#define SIGMA_MAX_SHAPES 64	    /* mapping files */
#define SIGMA_MAX_TAGS 64	    /* distinct tags and not_tags of all mapping files */
#define SIGMA_MAX_SHAPE_CONDS 256   /* distinct when conditions evaluated once a message */
#define SIGMA_MAX_INDEX_BYTES (4 * 1024 * 1024) /* literal bytes indexed, all rules */
#define SIGMA_MAX_KEY_FIELDS 64 /* fields the (field, value) index reads, the most shared */
#define SIGMA_MAX_KEY_VALUES 64 /* values of one rule's key; more: indexed by literal */

/* Why a rule was skipped; a list the loader fills, the caller reads. */
struct sigma_skip {
	char *file;
	char *reason;
};

struct sigma_report {
	size_t loaded;	  /* rules that run on at least one shape */
	size_t instances; /* (rule, shape) pairs compiled */
	struct sigma_skip *skips;
	size_t n_skips;
};

/*
 * Load the Sigma rules of rules_dir (its *.yml and *.yaml, not recursive)
 * and of sigma_dir (recursive; NULL: none), with the mappings of
 * map_dir (NULL: RULES_DIR/sigma), into set: each loaded rule is added to
 * set's detections.  Returns 0, or -1 with err set only when the mapping
 * files are broken or memory ran out (those stop the load: they are the
 * program's content, not the community's).  Skipped rules go to
 * report (caller frees with sigma_report_clear) and are logged once.
 */
int sigma_load_into(struct detect_set *set, const char *rules_dir, const char *sigma_dir,
    const char *map_dir, struct sigma_report *report, char *err, size_t errlen);
void sigma_report_clear(struct sigma_report *r);

/* Log up to limit skipped rules with their reason (log_warnx), then a summary. */
void sigma_report_log(const struct sigma_report *r, size_t limit);

/*
 * The Sigma detections that hold for ev, offered to consider (best-first
 * order is the caller's): consider(d, arg) is called for each.  Thread-safe
 * on a shared set.
 */
void sigma_match(const struct sigma_set *ss, const struct detect_event *ev,
    void (*consider)(size_t det_index, void *arg), void *arg);
/*
 * The same as sigma_match, in the same order, without the index: every
 * rule of ev's shapes is tried.  The reference the index is tested
 * against (check_sigma, fuzz_sigma, bench/sigma_cost --verify).
 */
void sigma_match_all(const struct sigma_set *ss, const struct detect_event *ev,
    void (*consider)(size_t det_index, void *arg), void *arg);
void sigma_set_free(struct sigma_set *ss); /* NULL is fine */

struct correlate_fact;
struct detection;

/* Where sigma_fact_fill puts the values it reads; valid while the event is. */
struct sigma_fact_values {
	struct detect_value account, account_id, group, scope;
};

/*
 * The fact of Sigma detection d's alert on ev (doc/detections.md "Sigma
 * alerts and correlation"): f's account, account_id, group and scope
 * from the fields d's mapping names (scope p NULL: the caller's
 * default).  False when ev gives no fact: neither account nor id, or, for
 * admin-member-added, no group or one outside the mapping's admin_groups.
 */
bool sigma_fact_fill(const struct detection *d, const struct detect_event *ev,
    struct correlate_fact *f, struct sigma_fact_values *v);

/* Number of compiled (rule, shape) instances of ss. */
size_t sigma_instance_count(const struct sigma_set *ss);
/* Of them, those the (field, value) index finds; *fields: the fields it reads. */
size_t sigma_keyed_count(const struct sigma_set *ss, size_t *fields);

#endif
