/*
 * key_vote.c: the fields an index reads, by vote (key_vote.h).  One
 * counting pass over the sorted candidates: a load of 10,000 rules must
 * not compare every pair.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect_set.h"
#include "key_vote.h"
#include "value_table.h"

/* The fields' order: by path, then mode. */
static int
field_cmp(const struct field_ref *a, bool amode, const struct field_ref *b, bool bmode)
{
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	return amode == bmode ? 0 : amode ? 1 : -1;
}

/* By field, then value, then unit. */
static int
cand_cmp(const void *pa, const void *pb)
{
	const struct key_cand *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = field_cmp(a->ref, a->mode, b->ref, b->mode);

	if (c == 0 && (c = memcmp(a->val, b->val, n)) == 0)
		c = a->len < b->len ? -1 : a->len > b->len;
	if (c == 0)
		c = a->unit < b->unit ? -1 : a->unit > b->unit;
	return c;
}

/* Candidates i - 1 and i name the same field and value. */
static bool
cand_same_value(const struct key_cand *c, size_t i)
{
	return field_cmp(c[i - 1].ref, c[i - 1].mode, c[i].ref, c[i].mode) == 0 &&
	       c[i - 1].len == c[i].len && memcmp(c[i - 1].val, c[i].val, c[i].len) == 0;
}

int
key_vote_rank(const struct key_vote *a, const struct key_vote *b)
{
	if (a->units != b->units)
		return a->units > b->units ? -1 : 1;
	if (a->values != b->values)
		return a->values > b->values ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* value_table_choose's order: over pointers to votes. */
static int
rank_cmp(const void *pa, const void *pb)
{
	return key_vote_rank(*(struct key_vote *const *)pa, *(struct key_vote *const *)pb);
}

/* value_table_choose's mark: one of the k most voted. */
static void
vote_choosecb(void *item)
{
	((struct key_vote *)item)->chosen = true;
}

/* The votes of the sorted candidates; last[u] is scratch, one a unit. */
static size_t
votes_tally(const struct key_cand *c, size_t n, size_t *last, size_t n_units, struct key_vote *v)
{
	size_t i, out = 0;

	for (i = 0; i < n_units; i++)
		last[i] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		struct key_vote *x = &v[out > 0 ? out - 1 : 0];

		if (out == 0 || field_cmp(x->ref, x->mode, c[i].ref, c[i].mode) != 0) {
			x = &v[out++];
			*x = (struct key_vote){c[i].ref, c[i].mode, 0, 0, c[i].unit, false};
		}
		if (i == 0 || !cand_same_value(c, i))
			x->values++;
		if (last[c[i].unit] != out - 1) {
			last[c[i].unit] = out - 1;
			x->units++;
		}
		if (c[i].unit < x->first)
			x->first = c[i].unit;
	}
	return out;
}

struct key_vote *
key_vote_count(struct key_cand *c, size_t n, size_t n_units, size_t k, size_t *n_votes)
{
	struct key_vote *v = calloc(n + 1, sizeof(*v));
	size_t *last = calloc(n_units + 1, sizeof(*last));

	if (v == NULL || last == NULL)
		goto fail;
	qsort(c, n, sizeof(*c), cand_cmp);
	*n_votes = votes_tally(c, n, last, n_units, v);
	if (value_table_choose(v, *n_votes, sizeof(*v), rank_cmp, k, vote_choosecb) == -1)
		goto fail;
	free(last);
	return v;
fail:
	free(v);
	free(last);
	return NULL;
}

const struct key_vote *
key_vote_find(const struct key_vote *v, size_t n, const struct field_ref *ref, bool mode)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = field_cmp(v[mid].ref, v[mid].mode, ref, mode);

		if (r == 0)
			return &v[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
