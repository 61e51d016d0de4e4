/*
 * sigma_key.c: the (field, value) index, the step after the literal index
 * (sigma_index.c) for the rules whose required condition is an equality:
 * "EventID: 4720", "eventName: [CreateUser, CreateLoginProfile]".
 *
 * For each compiled rule the loader derives the (field, values) pairs
 * such that any event the rule matches has one of the values, whole, in
 * that field: an item of plain values (no wildcard, no '?', no other
 * modifier than cased or windash), the most useful of an AND, the union
 * of an OR on the same field.  Each rule that has one is keyed by the
 * field most rules share (the vote: key_vote.h), its values go into one
 * table, and it leaves the literal automaton.  For a message, each keyed
 * field of its shapes is read once, its value hashed (SipHash under a key
 * drawn at load: values come from the network) and looked up, and only
 * the rules under that value are tried.  The value is read as the
 * matcher reads it (sigma_field_read) and compared folded, so the lookup
 * offers a superset of what the rule can match: the result is that of
 * trying every rule.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "key_vote.h"
#include "sigma_impl.h"
#include "value_table.h"

/* One choice: the rule's field, one of whose values any match has whole. */
struct key_alt {
	size_t field;
	const char *val[SIGMA_MAX_KEY_VALUES];
	size_t len[SIGMA_MAX_KEY_VALUES];
	size_t n;
};

/* Any one of alt[0..n) will do (each holds for every match); n 0: none. */
struct key_req {
	struct key_alt alt[SIGMA_KEY_ALTS];
	size_t n;
};

/* Is glob g one plain value, the field whole ("4720", not "*4720" nor "47?0")? */
static bool
glob_exact(const struct sigma_glob *g)
{
	size_t i;

	if (g->star_start || g->star_end || g->n_segs > 1)
		return false;
	for (i = 0; g->n_segs == 1 && i < g->segs[0].len; i++)
		if (g->segs[0].any[i])
			return false;
	return true;
}

/* Add value v's alternatives to a; false when one is not exact or a is full. */
static bool
alt_add_value(struct key_alt *a, const struct sigma_value *v)
{
	size_t i;

	if (v->kind != SV_GLOB || v->n_alts == 0)
		return false;
	for (i = 0; i < v->n_alts; i++) {
		const struct sigma_glob *g = &v->alts[i];

		if (!glob_exact(g) || a->n == SIGMA_MAX_KEY_VALUES)
			return false;
		a->val[a->n] = g->n_segs == 1 ? g->segs[0].text : "";
		a->len[a->n++] = g->n_segs == 1 ? g->segs[0].len : 0;
	}
	return true;
}

/* Keep alternative a in r when there is room or it has fewer values than the worst. */
static void
req_keep(struct key_req *r, const struct key_alt *a)
{
	size_t i, worst = 0;

	for (i = 0; i < r->n; i++)
		if (r->alt[i].field == a->field) {
			if (a->n < r->alt[i].n)
				r->alt[i] = *a;
			return;
		}
	if (r->n < SIGMA_KEY_ALTS) {
		r->alt[r->n++] = *a;
		return;
	}
	for (i = 1; i < r->n; i++)
		if (r->alt[i].n > r->alt[worst].n)
			worst = i;
	if (a->n < r->alt[worst].n)
		r->alt[worst] = *a;
}

/* Both hold: any alternative of either will do. */
static void
req_and(struct key_req *r, const struct key_req *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		req_keep(r, &b->alt[i]);
}

/* Either holds: a field both have, with the values of both. */
static void
req_or(struct key_req *r, const struct key_req *b)
{
	size_t i, j, k, n = 0;

	for (i = 0; i < r->n; i++)
		for (j = 0; j < b->n; j++) {
			struct key_alt *out = &r->alt[n];

			if (r->alt[i].field != b->alt[j].field ||
			    r->alt[i].n + b->alt[j].n > SIGMA_MAX_KEY_VALUES)
				continue;
			if (n != i)
				*out = r->alt[i]; /* n < i: alt[n] already read */
			for (k = 0; k < b->alt[j].n; k++) {
				out->val[out->n] = b->alt[j].val[k];
				out->len[out->n++] = b->alt[j].len[k];
			}
			n++;
			break;
		}
	r->n = n;
}

static void
item_key(const struct sigma_instance *in, const struct sigma_item *it, struct key_req *r)
{
	struct key_alt *a = &r->alt[0];
	size_t i;

	r->n = 0;
	if (it->field == SIGMA_KEYWORDS || it->n_values == 0)
		return;
	(void)in;
	a->field = it->field;
	a->n = 0;
	/* |all: every value holds, so any one of them is required */
	for (i = 0; i < (it->all ? 1 : it->n_values); i++)
		if (!alt_add_value(a, &it->values[i]))
			return;
	r->n = 1;
}

/* sigma_require's callbacks: struct key_req, whose "nothing" stands for "impossible" too. */
static void
req_itemcb(const struct sigma_instance *in, const struct sigma_item *it, void *r)
{
	item_key(in, it, r);
}

static void
req_nothingcb(void *r)
{
	((struct key_req *)r)->n = 0;
}

static void
req_bothcb(void *r, const void *b)
{
	req_and(r, b);
}

static void
req_eithercb(void *r, const void *b)
{
	req_or(r, b);
}

static const struct sigma_require_ops key_ops = {
    sizeof(struct key_req), req_itemcb, req_nothingcb, req_nothingcb, req_bothcb, req_eithercb};

int
sigma_key_derive(struct sigma_instance *in)
{
	struct key_req *r = malloc(sizeof(*r));
	size_t i, j;
	int rc = -1;

	in->key_field = SIZE_MAX;
	if (r == NULL || sigma_require(in, &key_ops, r) == -1)
		goto done;
	if (r->n > 0 && (in->key_alts = calloc(r->n, sizeof(*in->key_alts))) == NULL)
		goto done;
	for (i = 0; i < r->n; i++) {
		struct sigma_key_alt *a = &in->key_alts[i];

		a->field = r->alt[i].field;
		if ((a->vals = calloc(r->alt[i].n + 1, sizeof(*a->vals))) == NULL ||
		    (a->lens = calloc(r->alt[i].n + 1, sizeof(*a->lens))) == NULL)
			goto done;
		for (j = 0; j < r->alt[i].n; j++) {
			a->vals[j] = r->alt[i].val[j];
			a->lens[j] = r->alt[i].len[j];
		}
		a->n = r->alt[i].n;
		in->n_key_alts++;
	}
	rc = 0;
done:
	free(r);
	return rc;
}

/* The key field of ss for (path, kv), added when new; SIZE_MAX full or out of memory. */
static size_t
key_field_of(struct sigma_set *ss, const struct field_ref *ref, bool kv)
{
	struct sigma_key_field *f;
	size_t i;

	for (i = 0; i < ss->n_key_fields; i++)
		if (ss->key_fields[i].kv == kv &&
		    strcmp(ss->key_fields[i].ref.path, ref->path) == 0)
			return i;
	if (ss->n_key_fields == SIGMA_MAX_KEY_FIELDS)
		return SIZE_MAX;
	f = &ss->key_fields[ss->n_key_fields];
	memset(f, 0, sizeof(*f));
	if ((f->ref.path = strdup(ref->path)) == NULL)
		return SIZE_MAX;
	f->ref.len = ref->len;
	f->ref.header = ref->header;
	f->kv = kv;
	return ss->n_key_fields++;
}

/*
 * The (field, value) candidates of the instances, one an alternative: an
 * instance votes once for each field it could be keyed by, its values
 * are not counted (caller frees); NULL out of memory.
 */
static struct key_cand *
cands_collect(const struct sigma_set *ss, size_t *n)
{
	struct key_cand *c;
	size_t i, j, k = 0;

	for (i = 0; i < ss->n_insts; i++)
		k += ss->insts[i].n_key_alts;
	if ((c = calloc(k + 1, sizeof(*c))) == NULL)
		return NULL;
	for (i = 0, k = 0; i < ss->n_insts; i++)
		for (j = 0; j < ss->insts[i].n_key_alts; j++, k++) {
			const struct sigma_instance *in = &ss->insts[i];
			size_t f = in->key_alts[j].field;

			c[k] = (struct key_cand){&in->refs[f], in->kv[f], "", 0, i};
		}
	*n = k;
	return c;
}

/* The alternative of in to key it by: a chosen field, the most voted (fewer values on a tie). */
static const struct sigma_key_alt *
best_alt(const struct key_vote *v, size_t n, const struct sigma_instance *in)
{
	const struct sigma_key_alt *best = NULL;
	const struct key_vote *best_vote = NULL, *x;
	size_t i;

	for (i = 0; i < in->n_key_alts; i++) {
		const struct sigma_key_alt *a = &in->key_alts[i];

		x = key_vote_find(v, n, &in->refs[a->field], in->kv[a->field]);
		if (x == NULL || !x->chosen)
			continue;
		if (best == NULL || x->units > best_vote->units ||
		    (x->units == best_vote->units && a->n < best->n)) {
			best = a;
			best_vote = x;
		}
	}
	return best;
}

int
sigma_key_build(struct sigma_set *ss)
{
	size_t i, j, total = 0, n_cands, n_votes;
	struct key_cand *c;
	struct key_vote *v = NULL;
	int rc = -1;

	for (i = 0; i < ss->n_insts; i++) {
		ss->insts[i].key_field = SIZE_MAX; /* a rebuild starts afresh */
		for (j = 0; j < ss->insts[i].n_key_alts; j++)
			total += ss->insts[i].key_alts[j].n;
	}
	if (total == 0)
		return 0;
	if (value_table_init(&ss->key_table, total) == -1 ||
	    (c = cands_collect(ss, &n_cands)) == NULL)
		return -1;
	v = key_vote_count(c, n_cands, ss->n_insts, SIGMA_MAX_KEY_FIELDS, &n_votes);
	free(c);
	if (v == NULL)
		return -1;
	for (i = 0; i < ss->n_insts; i++) {
		struct sigma_instance *in = &ss->insts[i];
		const struct sigma_key_alt *a;
		size_t f;

		if ((a = best_alt(v, n_votes, in)) == NULL)
			continue; /* the literal index, as before */
		/* at most SIGMA_MAX_KEY_FIELDS are chosen: room for this one */
		if ((f = key_field_of(ss, &in->refs[a->field], in->kv[a->field])) == SIZE_MAX)
			goto done;
		ss->key_fields[f].shapes |= UINT64_C(1) << in->shape;
		in->key_field = f;
		for (j = 0; j < a->n; j++)
			if (value_table_add(&ss->key_table, f, a->vals[j], a->lens[j], true, i) ==
			    -1)
				goto done;
	}
	rc = 0;
done:
	free(v);
	return rc;
}

void
sigma_key_candidates(const struct sigma_set *ss, uint64_t shapes, const struct detect_event *ev,
    void (*add)(size_t inst, void *arg), void *arg)
{
	struct detect_value v;
	size_t f, i;

	for (f = 0; f < ss->n_key_fields; f++) {
		const struct sigma_key_field *kf = &ss->key_fields[f];
		const struct value_entry *x;

		if ((kf->shapes & shapes) == 0 || !sigma_field_read(&kf->ref, kf->kv, ev, &v))
			continue;
		if ((x = value_table_find(&ss->key_table, f, v.s.p, v.s.len, true)) == NULL)
			continue;
		for (i = 0; i < x->n; i++)
			if (shapes & (UINT64_C(1) << ss->insts[x->ids[i]].shape))
				add(x->ids[i], arg);
	}
}

void
sigma_key_free(struct sigma_set *ss)
{
	size_t i;

	value_table_free(&ss->key_table);
	for (i = 0; i < ss->n_key_fields; i++)
		free(ss->key_fields[i].ref.path);
	ss->n_key_fields = 0;
}

void
sigma_key_alts_free(struct sigma_instance *in)
{
	size_t i;

	for (i = 0; i < in->n_key_alts; i++) {
		free(in->key_alts[i].vals);
		free(in->key_alts[i].lens);
	}
	free(in->key_alts);
	in->key_alts = NULL;
	in->n_key_alts = 0;
}
