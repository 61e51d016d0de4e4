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
 * DETECT_INDEX_FIELDS most shared of the tag (the vote: key_vote.h), are
 * offered on every event of the tag, as they were without the index.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "detect_set.h"
#include "key_vote.h"

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

/*
 * The candidate values of tag e's detections, the unit a detection's
 * number in e (caller frees); NULL out of memory.
 */
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
	return c;
}

/* The condition to key d by: on a chosen field, the most voted; NULL none. */
static const struct detect_cond *
key_cond(const struct detection *d, const struct key_vote *v, size_t n)
{
	const struct detect_cond *best = NULL;
	const struct key_vote *best_vote = NULL;
	size_t j;

	for (j = 0; j < d->n_when; j++) {
		const struct detect_cond *c = &d->when[j];
		const struct key_vote *x;

		if (!cond_keyable(c) || (x = key_vote_find(v, n, &c->field, c->op->fold)) == NULL ||
		    !x->chosen)
			continue;
		if (best == NULL || key_vote_rank(x, best_vote) < 0 ||
		    (x == best_vote && c->n_args < best->n_args)) {
			best = c;
			best_vote = x;
		}
	}
	return best;
}

/*
 * Key detection det of e (its number in the set) by c, whose field's vote
 * is x: the field joins e's fields when new, *used its number there + 1.
 */
static int
tag_key(struct detect_set *s, struct tag_entry *e, const struct key_vote *x, size_t *used,
    const struct detect_cond *c, size_t det)
{
	size_t k;

	if (*used == 0) {
		e->fields[e->n_fields] = (struct index_field){x->ref, x->mode};
		*used = ++e->n_fields;
	}
	for (k = 0; k < c->n_args; k++)
		if (value_table_add(&s->index, e->first_slot + *used - 1, c->args[k], c->arg_len[k],
			c->op->fold, det) == -1)
			return -1;
	return 0;
}

/* Build tag e's index; -1 out of memory. */
static int
tag_index_build(struct detect_set *s, struct tag_entry *e, size_t *next_slot)
{
	struct key_cand *c = NULL;
	struct key_vote *v = NULL;
	size_t *used = NULL, n = 0, n_votes = 0, i;
	int rc = -1;

	e->first_slot = *next_slot;
	if ((e->unkeyed = calloc(e->n, sizeof(*e->unkeyed))) == NULL ||
	    (e->fields = calloc(DETECT_INDEX_FIELDS, sizeof(*e->fields))) == NULL ||
	    (c = cands_collect(s, e, &n)) == NULL ||
	    (v = key_vote_count(c, n, e->n, DETECT_INDEX_FIELDS, &n_votes)) == NULL ||
	    (used = calloc(n_votes + 1, sizeof(*used))) == NULL)
		goto done;
	for (i = 0; i < e->n; i++) {
		const struct detect_cond *k = key_cond(&s->dets[e->dets[i]], v, n_votes);
		const struct key_vote *x;

		if (k == NULL) {
			e->unkeyed[e->n_unkeyed++] = e->dets[i];
			continue;
		}
		x = key_vote_find(v, n_votes, &k->field, k->op->fold);
		if (tag_key(s, e, x, &used[x - v], k, e->dets[i]) == -1)
			goto done;
	}
	*next_slot += e->n_fields;
	rc = 0;
done:
	free(c);
	free(v);
	free(used);
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
