/*
 * detect_index.c: the (field, value) index of a tag's detections
 * (detect_set.h).  A JSON body is tagged "json" and some 220 detections
 * are listed under that tag; without an index each of them looked its
 * first field up in the event (a linear search of the object's keys) to
 * learn that the event is not theirs.
 *
 * A detection whose "when" holds a condition that only some values of a
 * field satisfy (FIELD == V, in (V...), =~ V, in_i (V...)) is keyed by
 * one such condition: the detections of a tag share few fields (the event
 * id and provider of each JSON shape), so an event of the tag costs one
 * lookup a key field and one hash probe, and only the detections keyed
 * by its value are held against it.  The value is read as the condition
 * reads it (detect_field_value), and compared the same way (exactly, or
 * ignoring ASCII case), so the index offers every detection whose key
 * condition holds: the others cannot hold.  Detections with no such
 * condition (negations, regexes, contains...), or whose condition has
 * more than DETECT_INDEX_VALUES values, or whose fields are past the
 * DETECT_INDEX_FIELDS most shared of the tag, are offered on every event
 * of the tag, as they were without the index.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "detect_set.h"

/* A condition that holds only when its field's value is one of its arguments. */
static bool
cond_keyable(const struct detect_cond *c)
{
	switch (c->op->op) {
	case OP_EQ:
	case OP_EQ_I:
	case OP_IN:
	case OP_IN_I:
		return c->n_args > 0 && c->n_args <= DETECT_INDEX_VALUES;
	default:
		return false;
	}
}

/* One value a detection of the tag could be keyed by. */
struct key_cand {
	const struct field_ref *ref;
	bool fold;
	const char *val;
	size_t len;
	size_t det;
};

/* A field the tag's detections could be keyed by. */
struct field_vote {
	const struct field_ref *ref;
	bool fold;
	size_t dets;   /* detections that could be keyed by it */
	size_t values; /* distinct values */
	size_t first;  /* the first detection that could (ties go to it) */
	bool chosen;   /* among the DETECT_INDEX_FIELDS most voted */
	size_t used;   /* its number in the tag's fields, + 1; 0 unused */
};

static int
field_cmp(const struct field_ref *a, bool afold, const struct field_ref *b, bool bfold)
{
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	return afold == bfold ? 0 : afold ? 1 : -1;
}

/* By field, then value, then detection. */
static int
cand_cmp(const void *pa, const void *pb)
{
	const struct key_cand *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = field_cmp(a->ref, a->fold, b->ref, b->fold);

	if (c == 0 && (c = memcmp(a->val, b->val, n)) == 0)
		c = a->len < b->len ? -1 : a->len > b->len;
	if (c == 0)
		c = a->det < b->det ? -1 : a->det > b->det;
	return c;
}

/* The candidate values of tag e's detections (caller frees); NULL out of memory. */
static struct key_cand *
cands_collect(const struct detect_set *s, const struct tag_entry *e, size_t *n)
{
	struct key_cand *c;
	size_t i, j, k, total = 0;

	for (i = 0; i < e->n; i++)
		for (j = 0; j < s->dets[e->dets[i]].n_when; j++)
			if (cond_keyable(&s->dets[e->dets[i]].when[j]))
				total += s->dets[e->dets[i]].when[j].n_args;
	if ((c = calloc(total + 1, sizeof(*c))) == NULL)
		return NULL;
	*n = 0;
	for (i = 0; i < e->n; i++) {
		const struct detection *d = &s->dets[e->dets[i]];

		for (j = 0; j < d->n_when; j++) {
			const struct detect_cond *w = &d->when[j];

			if (!cond_keyable(w))
				continue;
			for (k = 0; k < w->n_args; k++)
				c[(*n)++] = (struct key_cand){
				    &w->field, w->op->fold, w->args[k], w->arg_len[k], i};
		}
	}
	qsort(c, *n, sizeof(*c), cand_cmp);
	return c;
}

/*
 * The fields of the sorted candidates, each with its votes (caller
 * frees); NULL out of memory.  last[i] is scratch, one a detection of e.
 */
static struct field_vote *
votes_count(const struct key_cand *c, size_t n, size_t *last, size_t n_dets, size_t *n_votes)
{
	struct field_vote *v = calloc(n + 1, sizeof(*v));
	size_t i, out = 0;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n_dets; i++)
		last[i] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		struct field_vote *x = &v[out > 0 ? out - 1 : 0];

		if (out == 0 || field_cmp(x->ref, x->fold, c[i].ref, c[i].fold) != 0) {
			x = &v[out++];
			*x = (struct field_vote){c[i].ref, c[i].fold, 0, 0, c[i].det, false, 0};
		}
		if (i == 0 || field_cmp(c[i - 1].ref, c[i - 1].fold, c[i].ref, c[i].fold) != 0 ||
		    c[i - 1].len != c[i].len || memcmp(c[i - 1].val, c[i].val, c[i].len) != 0)
			x->values++;
		if (last[c[i].det] != out - 1) {
			last[c[i].det] = out - 1;
			x->dets++;
		}
		if (c[i].det < x->first)
			x->first = c[i].det;
	}
	*n_votes = out;
	return v;
}

/* More detections first, then more distinct values, then the earlier detection. */
static int
rank_cmp(const void *pa, const void *pb)
{
	const struct field_vote *a = *(struct field_vote *const *)pa;
	const struct field_vote *b = *(struct field_vote *const *)pb;

	if (a->dets != b->dets)
		return a->dets > b->dets ? -1 : 1;
	if (a->values != b->values)
		return a->values > b->values ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* value_table_choose's mark: one of the DETECT_INDEX_FIELDS most voted. */
static void
vote_choosecb(void *item)
{
	((struct field_vote *)item)->chosen = true;
}

/* The vote of a condition's field (it is there: votes_count saw every one). */
static struct field_vote *
vote_of(struct field_vote *v, size_t n, const struct detect_cond *c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = field_cmp(v[mid].ref, v[mid].fold, &c->field, c->op->fold);

		if (r == 0)
			return &v[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The condition to key d by: on a chosen field, the most voted; NULL none. */
static const struct detect_cond *
key_cond(const struct detection *d, struct field_vote *v, size_t n)
{
	const struct detect_cond *best = NULL;
	const struct field_vote *best_vote = NULL;
	size_t j;

	for (j = 0; j < d->n_when; j++) {
		const struct detect_cond *c = &d->when[j];
		const struct field_vote *x;

		if (!cond_keyable(c) || (x = vote_of(v, n, c)) == NULL || !x->chosen)
			continue;
		if (best == NULL || rank_cmp(&x, &best_vote) < 0 ||
		    (x == best_vote && c->n_args < best->n_args)) {
			best = c;
			best_vote = x;
		}
	}
	return best;
}

/* Key detection i of e (its number in the set) by c: its field joins e's fields. */
static int
tag_key(struct detect_set *s, struct tag_entry *e, struct field_vote *x,
    const struct detect_cond *c, size_t det)
{
	size_t k;

	if (x->used == 0) {
		e->fields[e->n_fields] = (struct index_field){x->ref, x->fold};
		x->used = ++e->n_fields;
	}
	for (k = 0; k < c->n_args; k++)
		if (value_table_add(&s->index, e->first_slot + x->used - 1, c->args[k],
			c->arg_len[k], c->op->fold, det) == -1)
			return -1;
	return 0;
}

/* Build tag e's index; -1 out of memory. */
static int
tag_index_build(struct detect_set *s, struct tag_entry *e, size_t *next_slot)
{
	struct key_cand *c = NULL;
	struct field_vote *v = NULL;
	size_t *last = NULL, n = 0, n_votes = 0, i;
	int rc = -1;

	e->first_slot = *next_slot;
	if ((e->unkeyed = calloc(e->n, sizeof(*e->unkeyed))) == NULL ||
	    (e->fields = calloc(DETECT_INDEX_FIELDS, sizeof(*e->fields))) == NULL ||
	    (last = calloc(e->n, sizeof(*last))) == NULL || (c = cands_collect(s, e, &n)) == NULL ||
	    (v = votes_count(c, n, last, e->n, &n_votes)) == NULL ||
	    value_table_choose(
		v, n_votes, sizeof(*v), rank_cmp, DETECT_INDEX_FIELDS, vote_choosecb) == -1)
		goto done;
	for (i = 0; i < e->n; i++) {
		const struct detect_cond *k = key_cond(&s->dets[e->dets[i]], v, n_votes);

		if (k == NULL)
			e->unkeyed[e->n_unkeyed++] = e->dets[i];
		else if (tag_key(s, e, vote_of(v, n_votes, k), k, e->dets[i]) == -1)
			goto done;
	}
	*next_slot += e->n_fields;
	rc = 0;
done:
	free(c);
	free(v);
	free(last);
	return rc;
}

int
detect_index_build(struct detect_set *s)
{
	size_t i, j, k, total = 0, slot = 0;

	for (i = 0; i < s->n_tags; i++)
		for (j = 0; j < s->tags[i].n; j++)
			for (k = 0; k < s->dets[s->tags[i].dets[j]].n_when; k++)
				if (cond_keyable(&s->dets[s->tags[i].dets[j]].when[k]))
					total += s->dets[s->tags[i].dets[j]].when[k].n_args;
	if (value_table_init(&s->index, total) == -1)
		return -1;
	for (i = 0; i < s->n_tags; i++)
		if (tag_index_build(s, &s->tags[i], &slot) == -1)
			return -1;
	return 0;
}

void
detect_index_free(struct detect_set *s)
{
	size_t i;

	value_table_free(&s->index);
	for (i = 0; i < s->n_tags; i++) {
		free(s->tags[i].unkeyed);
		free(s->tags[i].fields);
	}
}

void
detect_index_candidates(const struct detect_set *s, const struct tag_entry *e,
    const struct detect_event *ev, void (*offer)(size_t det, void *arg), void *arg)
{
	struct detect_value v;
	size_t f, i;

	for (i = 0; i < e->n_unkeyed; i++)
		offer(e->unkeyed[i], arg);
	for (f = 0; f < e->n_fields; f++) {
		const struct value_entry *x;

		if (!detect_field_value(ev, e->fields[f].ref, &v) ||
		    (x = value_table_find(
			 &s->index, e->first_slot + f, v.s.p, v.s.len, e->fields[f].fold)) == NULL)
			continue;
		for (i = 0; i < x->n; i++)
			offer(x->ids[i], arg);
	}
}

bool
detect_index_keyed(const struct tag_entry *e, size_t det)
{
	size_t i;

	for (i = 0; i < e->n_unkeyed; i++)
		if (e->unkeyed[i] == det)
			return false;
	for (i = 0; i < e->n; i++)
		if (e->dets[i] == det)
			return true;
	return false;
}
