/*
 * sigma_match.c: a compiled Sigma rule held against an event (Sigma
 * specification 2.0 "Detection"): a selection holds when any of its maps
 * does, a map when every item does, an item when any value does (every
 * value with |all); keywords search the message.  Each selection is
 * evaluated at most once per event and rule.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sigma_impl.h"

/* The state of one rule on one event. */
struct sigma_eval {
	const struct sigma_instance *in;
	const struct detect_event *ev;
	unsigned char memo[SIGMA_MAX_SELECTIONS]; /* 0 not yet, 1 false, 2 true */
};

/*
 * key=value in the message text (auditd, FortiGate): the first "key="
 * at the start or after a blank or quote; the value up to its closing
 * quote when quoted, else up to a blank or quote.
 */
static bool
kv_lookup(struct slice msg, const char *key, size_t klen, struct detect_value *v)
{
	size_t i, end;

	for (i = 0; msg.p != NULL && i + klen < msg.len; i++) {
		if (i > 0 && msg.p[i - 1] != ' ' && msg.p[i - 1] != '\'' && msg.p[i - 1] != '"')
			continue;
		if (memcmp(msg.p + i, key, klen) != 0 || msg.p[i + klen] != '=')
			continue;
		i += klen + 1;
		if (i < msg.len && msg.p[i] == '"') {
			for (end = ++i; end < msg.len && msg.p[end] != '"'; end++)
				;
		} else
			for (end = i; end < msg.len && msg.p[end] != ' ' && msg.p[end] != '\'' &&
				      msg.p[end] != '"';
			     end++)
				;
		v->s.p = msg.p + i;
		v->s.len = end - i;
		return true;
	}
	return false;
}

bool
sigma_field_read(const struct field_ref *ref, bool kv, const struct detect_event *ev,
    struct detect_value *v)
{
	memset(v, 0, sizeof(*v));
	if (kv)
		return kv_lookup(ev->msg->msg, ref->path, ref->len, v);
	return detect_field_value(ev, ref, v) == 1;
}

/* The value of field (or the message for keywords); false when absent. */
static bool
item_field(const struct sigma_eval *e, size_t field, struct detect_value *v)
{
	memset(v, 0, sizeof(*v));
	if (field == SIGMA_KEYWORDS) {
		v->s = e->ev->msg->msg;
		return v->s.p != NULL;
	}
	return sigma_field_read(&e->in->refs[field], e->in->kv[field], e->ev, v);
}

/* Equal, ignoring ASCII case unless cased. */
static bool
same_text(struct slice a, struct slice b, bool cased)
{
	size_t i;

	if (a.len != b.len)
		return false;
	if (cased)
		return memcmp(a.p, b.p, a.len) == 0;
	for (i = 0; i < a.len; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

static bool
value_holds(const struct sigma_eval *e, const struct sigma_value *v, bool present,
    const struct detect_value *fv)
{
	struct detect_value other;
	regmatch_t m[1];
	size_t i;

	switch (v->kind) {
	case SV_NULL:
		return !present || fv->s.len == 0;
	case SV_EXISTS:
		return present == v->want;
	default:
		break;
	}
	if (!present)
		return false;
	switch (v->kind) {
	case SV_GLOB:
		for (i = 0; i < v->n_alts; i++)
			if (sigma_glob_match(&v->alts[i], fv->s.p, fv->s.len, v->cased))
				return true;
		return false;
	case SV_RE:
		return detect_regex_run(v->re, fv, 0, m) == 0;
	case SV_CIDR:
		return sigma_cidr_match(v, fv->s.p, fv->s.len);
	case SV_FIELDREF:
		return item_field(e, v->ref, &other) && same_text(fv->s, other.s, v->cased);
	default:
		return false;
	}
}

static bool
item_holds(const struct sigma_eval *e, const struct sigma_item *it)
{
	struct detect_value fv;
	bool present = item_field(e, it->field, &fv);
	size_t i;

	for (i = 0; i < it->n_values; i++) {
		bool ok = value_holds(e, &it->values[i], present, &fv);

		if (ok != it->all)
			return ok; /* any: the first true; all: the first false */
	}
	return it->all;
}

static bool
selection_holds(struct sigma_eval *e, size_t i)
{
	const struct sigma_selection *sel = &e->in->rule->sels[i];
	size_t g, k;
	bool ok = false;

	if (e->memo[i] != 0)
		return e->memo[i] == 2;
	for (g = 0; g < sel->n_groups && !ok; g++) {
		ok = true;
		for (k = 0; k < sel->groups[g].n_items && ok; k++)
			ok = item_holds(e, &sel->groups[g].items[k]);
	}
	e->memo[i] = ok ? 2 : 1;
	return ok;
}

static bool
cond_holds(struct sigma_eval *e, const struct sigma_cond *c)
{
	size_t i;

	switch (c->kind) {
	case SC_AND:
		return cond_holds(e, c->a) && cond_holds(e, c->b);
	case SC_OR:
		return cond_holds(e, c->a) || cond_holds(e, c->b);
	case SC_NOT:
		return !cond_holds(e, c->a);
	case SC_SEL:
		return selection_holds(e, c->sels[0]);
	case SC_ONE_OF:
		for (i = 0; i < c->n_sels; i++)
			if (selection_holds(e, c->sels[i]))
				return true;
		return false;
	case SC_ALL_OF:
		for (i = 0; i < c->n_sels; i++)
			if (!selection_holds(e, c->sels[i]))
				return false;
		return true;
	}
	return false;
}

bool
sigma_instance_holds(
    const struct sigma_set *ss, const struct sigma_instance *in, const struct detect_event *ev)
{
	struct sigma_eval e;
	size_t i;

	(void)ss;
	memset(&e, 0, sizeof(e));
	e.in = in;
	e.ev = ev;
	for (i = 0; i < in->rule->n_conds; i++)
		if (cond_holds(&e, in->rule->conds[i]))
			return true;
	return false;
}

/* What sigma_match passes through the index to each candidate. */
struct match_ctx {
	const struct sigma_set *ss;
	const struct detect_event *ev;
	void (*consider)(size_t det, void *arg);
	void *arg;
};

static void
candidatecb(size_t inst, void *arg)
{
	struct match_ctx *m = arg;
	const struct sigma_instance *in = &m->ss->insts[inst];

	if (sigma_instance_holds(m->ss, in, m->ev))
		m->consider(in->det, m->arg);
}

/* The shapes ev is of, a bit each. */
static uint64_t
shapes_of(const struct sigma_set *ss, const struct detect_event *ev)
{
	uint64_t shapes = 0, tags = sigma_event_tags(ss, ev);
	unsigned char memo[SIGMA_MAX_SHAPE_CONDS];
	size_t i;

	memset(memo, 0, ss->n_conds);
	for (i = 0; i < ss->n_shapes; i++)
		if (sigma_shape_holds(&ss->shapes[i], ev, tags, memo))
			shapes |= UINT64_C(1) << i;
	return shapes;
}

void
sigma_match(const struct sigma_set *ss, const struct detect_event *ev,
    void (*consider)(size_t det_index, void *arg), void *arg)
{
	struct match_ctx m = {ss, ev, consider, arg};
	uint64_t shapes;

	if (ss == NULL || ss->n_insts == 0 || (shapes = shapes_of(ss, ev)) == 0)
		return;
	sigma_index_candidates(ss, shapes, ev, candidatecb, &m);
}

void
sigma_match_all(const struct sigma_set *ss, const struct detect_event *ev,
    void (*consider)(size_t det_index, void *arg), void *arg)
{
	struct match_ctx m = {ss, ev, consider, arg};
	uint64_t shapes;
	size_t i;

	if (ss == NULL || ss->n_insts == 0 || (shapes = shapes_of(ss, ev)) == 0)
		return;
	for (i = 0; i < ss->n_insts; i++)
		if (shapes & (UINT64_C(1) << ss->insts[i].shape))
			candidatecb(i, &m);
}
