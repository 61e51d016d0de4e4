/*
 * ruleset.c: loading, replacing and freeing a generation of rules.
 */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "normalize.h"
#include "ruleset.h"

struct ruleset *
ruleset_load(const char *rules_path, const char *sigma_dir, unsigned n_workers, char *err,
    size_t errlen)
{
	struct ruleset *rs;
	unsigned i;

	if ((rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->rules_path = strdup(rules_path)) == NULL ||
	    (rs->norms = calloc(n_workers > 0 ? n_workers : 1, sizeof(*rs->norms))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n_workers; i++) {
		if ((rs->norms[i] = normalizer_new(rules_path, err, errlen)) == NULL)
			goto fail;
		rs->n_norms++;
	}
	if ((rs->detect = detect_load_sigma(rules_path, sigma_dir, err, errlen)) == NULL)
		goto fail;
	return rs;
fail:
	ruleset_free(rs);
	return NULL;
}

/* Index of technique id in s, or SIZE_MAX. */
static size_t
ruleset_technique_slot(const struct detect_set *s, const char *id)
{
	size_t i, n = detect_technique_count(s);

	for (i = 0; i < n; i++) {
		const struct detect_technique *t = detect_technique_at(s, i, NULL);

		if (t != NULL && t->id != NULL && strcmp(t->id, id) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Add counts[i] to the counter of next's technique with prev's technique i's id. */
static void
ruleset_add_alerts(struct ruleset *next, const struct ruleset *prev, const uint64_t *counts)
{
	size_t i, slot, n = detect_technique_count(prev->detect);

	for (i = 0; i < n; i++) {
		const struct detect_technique *t = detect_technique_at(prev->detect, i, NULL);

		if (t == NULL || t->id == NULL || counts[i] == 0)
			continue;
		slot = ruleset_technique_slot(next->detect, t->id);
		if (slot != SIZE_MAX)
			detect_technique_add(next->detect, slot, counts[i]);
	}
}

void
ruleset_carry_alerts(struct ruleset *next, struct ruleset *prev)
{
	size_t i, n = detect_technique_count(prev->detect);

	free(prev->alerts_at_swap);
	prev->alerts_at_swap = calloc(n > 0 ? n : 1, sizeof(*prev->alerts_at_swap));
	if (prev->alerts_at_swap == NULL)
		return; /* the counters restart: a reset Prometheus copes with */
	for (i = 0; i < n; i++)
		detect_technique_at(prev->detect, i, &prev->alerts_at_swap[i]);
	ruleset_add_alerts(next, prev, prev->alerts_at_swap);
}

void
ruleset_carry_rest(struct ruleset *next, const struct ruleset *prev)
{
	size_t i, n = detect_technique_count(prev->detect);
	uint64_t *since;

	if (prev->alerts_at_swap == NULL || (since = calloc(n > 0 ? n : 1, sizeof(*since))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		detect_technique_at(prev->detect, i, &since[i]);
		since[i] -= prev->alerts_at_swap[i];
	}
	ruleset_add_alerts(next, prev, since);
	free(since);
}

void
ruleset_free(struct ruleset *rs)
{
	unsigned i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n_norms; i++)
		normalizer_free(rs->norms[i]);
	free(rs->norms);
	detect_free(rs->detect);
	free(rs->alerts_at_swap);
	free(rs->rules_path);
	free(rs);
}
