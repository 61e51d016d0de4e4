/*
 * key_vote.h: which fields a (field, value) index reads, by vote.  The
 * detections of a tag (detect_index.c) and the Sigma instances
 * (sigma_key.c) each name the (field, value) pairs they could be keyed
 * by; a field's votes are the units (detections, instances) that could be
 * keyed by it, and an index reads only its few most voted fields, once a
 * message each (value_table.h holds the values).
 *
 * A field is a path and a mode: one path read two ways is two fields (a
 * detection's value compared exactly or ignoring case; a Sigma field read
 * from JSON or from key=value text).
 */
#ifndef LOGWARD_KEY_VOTE_H
#define LOGWARD_KEY_VOTE_H

#include <stdbool.h>
#include <stddef.h>

struct field_ref;

/* One (field, value) that unit could be keyed by. */
struct key_cand {
	const struct field_ref *ref; /* the caller's; compared by path */
	bool mode;
	const char *val; /* all "" (len 0): the fields rank by units alone */
	size_t len;
	size_t unit; /* 0 .. n_units - 1 */
};

/* A field some unit could be keyed by, and its votes. */
struct key_vote {
	const struct field_ref *ref; /* one of its candidates' */
	bool mode;
	size_t units;  /* units that could be keyed by it */
	size_t values; /* its distinct values */
	size_t first;  /* the first unit that could (ties go to it) */
	bool chosen;   /* among the k most voted */
};

/*
 * Count the votes of the n candidates c (sorted here) of units 0 ..
 * n_units - 1, and mark chosen the k best in key_vote_rank's order.
 * Returns one vote a field, in the fields' order (key_vote_find's), with
 * *n_votes their number; the caller frees it.  NULL out of memory.
 */
struct key_vote *key_vote_count(
    struct key_cand *c, size_t n, size_t n_units, size_t k, size_t *n_votes);

/* The vote of field (ref's path, mode) in v[0..n), key_vote_count's; NULL when none. */
const struct key_vote *key_vote_find(
    const struct key_vote *v, size_t n, const struct field_ref *ref, bool mode);

/* Below 0 when a is the better key: more units, then more values, then the earlier first unit. */
int key_vote_rank(const struct key_vote *a, const struct key_vote *b);

#endif
