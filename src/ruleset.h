/*
 * ruleset.h: one generation of detection content, what the processing
 * workers run a batch with: a normalizer per worker (a liblognorm context
 * keeps per-call state, so workers cannot share one) and one detection set
 * shared read-only by all of them.
 *
 * A SIGHUP reload loads a new ruleset beside the running one and hands it
 * to the pipeline (pipeline_swap); batches submitted before the swap
 * finish with the old one, which is freed once the last of them is done.
 * State that must outlive a reload (counters, correlation) belongs to the
 * daemon, not here: ruleset_carry_alerts moves the alert counters over.
 */
#ifndef LOGWARD_RULESET_H
#define LOGWARD_RULESET_H

#include <stddef.h>
#include <stdint.h>

struct detect_set;
struct normalizer;

struct ruleset {
	char *rules_path;	   /* owned copy, for messages */
	struct normalizer **norms; /* owned; one per worker */
	unsigned n_norms;
	struct detect_set *detect; /* owned; shared read-only by the workers */
	uint64_t *alerts_at_swap;  /* owned: technique counters when it was replaced */
};

/*
 * Load rules_path (a directory or one rulebase file) n_workers times for
 * the normalizers and once for the detections, with the Sigma rules of
 * rules_path and of sigma_dir (NULL: none).  Returns NULL with err set
 * ("file:line: what") on any error; a Sigma rule that cannot run is no
 * error (detect_sigma_log).  Caller frees with ruleset_free.
 */
struct ruleset *ruleset_load(const char *rules_path, const char *sigma_dir, unsigned n_workers,
    char *err, size_t errlen);

/*
 * Start the alert counters of next where those of prev stand (same
 * technique id) and remember prev's values: prev keeps counting the
 * batches it still has, ruleset_carry_rest adds what it counted since.
 */
void ruleset_carry_alerts(struct ruleset *next, struct ruleset *prev);
void ruleset_carry_rest(struct ruleset *next, const struct ruleset *prev);

void ruleset_free(struct ruleset *rs); /* NULL is fine */

#endif
