/*
 * sigma_require.c: what a rule's conditions require of every event they
 * match, in the terms of the index that asks (sigma_impl.h): literals one
 * of which is in the message (sigma_index.c), (field, values) choices
 * (sigma_key.c).  Both read the tree the same way, so the walk is here
 * once and the caller gives the leaves and the two joins.
 *
 * A list that must all hold (a map's items, "all of") starts from nothing
 * required and joins each with both; a list of which one must hold (a
 * selection's maps, "1 of", the rule's conditions) starts from its first
 * and joins the others with either, so a join needs no neutral element
 * (the key's "or" has none).  "not" requires nothing: what it excludes
 * says nothing of what is there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sigma_impl.h"

/* Into r what selection sel requires; scratch: two requirements; -1 out of memory. */
static int
require_selection(const struct sigma_instance *in, const struct sigma_require_ops *ops,
    const struct sigma_selection *sel, void *r)
{
	void *map = malloc(ops->size), *item = malloc(ops->size);
	size_t i, j;
	int rc = -1;

	if (map == NULL || item == NULL)
		goto done;
	ops->impossible(r);
	for (i = 0; i < sel->n_groups; i++) {
		ops->nothing(map);
		for (j = 0; j < sel->groups[i].n_items; j++) {
			ops->item(in, &sel->groups[i].items[j], item);
			ops->both(map, item);
		}
		if (i == 0)
			memcpy(r, map, ops->size);
		else
			ops->either(r, map);
	}
	rc = 0;
done:
	free(map);
	free(item);
	return rc;
}

/* Into r what condition c requires (the tree's depth is bounded: SIGMA_MAX_DEPTH). */
static int
require_cond(const struct sigma_instance *in, const struct sigma_require_ops *ops,
    const struct sigma_cond *c, void *r)
{
	void *b = malloc(ops->size);
	bool all = c->kind == SC_ALL_OF;
	size_t i;
	int rc = -1;

	if (b == NULL)
		goto done;
	switch (c->kind) {
	case SC_AND:
	case SC_OR:
		if (require_cond(in, ops, c->a, r) == -1 || require_cond(in, ops, c->b, b) == -1)
			goto done;
		if (c->kind == SC_AND)
			ops->both(r, b);
		else
			ops->either(r, b);
		break;
	case SC_NOT:
		ops->nothing(r);
		break;
	case SC_SEL:
	case SC_ONE_OF:
	case SC_ALL_OF:
		if (all)
			ops->nothing(r);
		else
			ops->impossible(r);
		for (i = 0; i < c->n_sels; i++) {
			const struct sigma_selection *sel = &in->rule->sels[c->sels[i]];

			if (require_selection(in, ops, sel, all || i > 0 ? b : r) == -1)
				goto done;
			if (all)
				ops->both(r, b);
			else if (i > 0)
				ops->either(r, b);
		}
		break;
	}
	rc = 0;
done:
	free(b);
	return rc;
}

int
sigma_require(const struct sigma_instance *in, const struct sigma_require_ops *ops, void *r)
{
	void *c = malloc(ops->size);
	size_t i;
	int rc = -1;

	if (c == NULL)
		goto done;
	ops->impossible(r);
	for (i = 0; i < in->rule->n_conds; i++) {
		if (require_cond(in, ops, in->rule->conds[i], i == 0 ? r : c) == -1)
			goto done;
		if (i > 0)
			ops->either(r, c);
	}
	rc = 0;
done:
	free(c);
	return rc;
}
