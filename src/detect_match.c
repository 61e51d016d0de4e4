/*
 * detect_match.c: the matcher (detect_set.h): the detections listed under
 * an event's rule tags, their conditions held against its fields.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "detect_set.h"
#include "sigma.h"

/* samehost: equal ignoring case after cutting each name at its first '.'. */
static bool
same_host(struct slice a, struct slice b)
{
	size_t la = detect_host_key_len(a.p, a.len), lb = detect_host_key_len(b.p, b.len), i;

	if (la != lb || la == 0)
		return false;
	for (i = 0; i < la; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

/*
 * regexec over a value.  REG_STARTEND bounds the match, but the string
 * must still be NUL-terminated (sanitizers check it with strlen), so a
 * slice of the frame is copied first.  Offsets in m are relative to v->s.p.
 */
int
detect_regex_run(struct regex_shared *re, const struct detect_value *v, size_t nm, regmatch_t *m)
{
	char buf[1024], *copy = buf;
	const char *text = v->s.p;
	int rc;

	if (!v->terminated) {
		if (v->s.len >= sizeof(buf) && (copy = malloc(v->s.len + 1)) == NULL)
			return REG_ESPACE;
		memcpy(copy, v->s.p, v->s.len);
		copy[v->s.len] = '\0';
		text = copy;
	}
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)v->s.len;
	rc = regex_shared_exec(re, text, nm, m, 0);
	if (copy != buf)
		free(copy);
	return rc;
}

/* Does the compiled regex match the value? */
static bool
regex_matches(struct regex_shared *re, const struct detect_value *v)
{
	regmatch_t m[1];

	return detect_regex_run(re, v, 0, m) == 0; /* whether, not where: one pass */
}

/* Evaluate one condition on an event. */
bool
detect_cond_holds(const struct detect_cond *c, const struct detect_event *ev)
{
	struct detect_value v, w;
	struct slice s;
	size_t i;

	if (!detect_field_value(ev, &c->field, &v))
		return c->op->when_absent;
	s = v.s;
	switch (c->op->op) {
	case OP_EXISTS:
		return true;
	case OP_MISSING:
		return false;
	case OP_EQ:
	case OP_NE:
		return (s.len == c->arg_len[0] && memcmp(s.p, c->args[0], s.len) == 0) ==
		    (c->op->op == OP_EQ);
	case OP_EQ_I:
	case OP_NE_I:
		return (s.len == c->arg_len[0] && equal_fold(s.p, c->args[0], s.len)) ==
		    (c->op->op == OP_EQ_I);
	case OP_IN:
	case OP_NOT_IN:
	case OP_IN_I:
	case OP_NOT_IN_I:
		for (i = 0; i < c->n_args; i++) {
			if (s.len != c->arg_len[i])
				continue;
			if (c->op->fold ? equal_fold(s.p, c->args[i], s.len)
					: memcmp(s.p, c->args[i], s.len) == 0)
				return c->op->op == OP_IN || c->op->op == OP_IN_I;
		}
		return c->op->op == OP_NOT_IN || c->op->op == OP_NOT_IN_I;
	case OP_CONTAINS:
	case OP_CONTAINS_I:
		return contains(s.p, s.len, c->args[0], c->arg_len[0], c->op->fold);
	case OP_NOT_CONTAINS_I:
		return !contains(s.p, s.len, c->args[0], c->arg_len[0], true);
	case OP_STARTS_I:
		return s.len >= c->arg_len[0] && equal_fold(s.p, c->args[0], c->arg_len[0]);
	case OP_ENDS_I:
		return s.len >= c->arg_len[0] &&
		    equal_fold(s.p + s.len - c->arg_len[0], c->args[0], c->arg_len[0]);
	case OP_REGEX:
	case OP_NOT_REGEX:
		return regex_matches(c->re, &v) == (c->op->op == OP_REGEX);
	case OP_SAMEHOST:
	case OP_NOT_SAMEHOST:
		if (!detect_field_value(ev, &c->other, &w))
			return c->op->op == OP_NOT_SAMEHOST;
		return same_host(s, w.s) == (c->op->op == OP_SAMEHOST);
	}
	return false;
}

/*
 * Capture group 1 of re in v (the whole match when re has no group) into
 * *out; num keeps a number's text, which v holds only for the call.
 * False when re does not match or captures nothing.
 */
static bool
pattern_capture(struct regex_shared *re, struct detect_value *v, char num[32], struct slice *out)
{
	regmatch_t m[2];

	if (v->s.p == v->num) {
		/* a number: keep it with the result */
		memcpy(num, v->num, sizeof(v->num));
		v->s.p = num;
	}
	if (detect_regex_run(re, v, 2, m) != 0)
		return false;
	if (regex_shared_groups(re) >= 1 && m[1].rm_so >= 0)
		m[0] = m[1];
	out->p = v->s.p + m[0].rm_so;
	out->len = (size_t)(m[0].rm_eo - m[0].rm_so);
	return out->len > 0;
}

/*
 * The group a detection names, when it has a group_pattern: capture group
 * 1 of it in the group field (a role inside an array of the record, read
 * from its text).  No match, or no group field, means the detection does
 * not hold, as for target_pattern.
 */
static bool
detection_group(const struct detection *d, const struct detect_event *ev,
    struct detect_result *res)
{
	struct detect_value v;

	res->group.p = NULL;
	res->group.len = 0;
	if (d->group_re == NULL)
		return true;
	if (d->group == NULL || !detect_field(ev, d->group, &v))
		return false;
	return pattern_capture(d->group_re, &v, res->group_num, &res->group);
}

/*
 * The account a detection names: its target field, or capture group 1 of
 * target_pattern in it (the whole match when the pattern has no group).
 * With a target_pattern, no match means the detection does not hold.
 */
static bool
detection_target(const struct detection *d, const struct detect_event *ev,
    struct detect_result *res)
{
	struct field_ref f;
	struct detect_value v;

	res->target.p = NULL;
	res->target.len = 0;
	if (!detection_group(d, ev, res))
		return false;
	if (d->target == NULL)
		return true; /* a Sigma rule whose shape names no account */
	f.path = d->target;
	f.len = strlen(d->target);
	f.header = detect_header_of(d->target);
	if (!detect_field_value(ev, &f, &v))
		return d->target_re == NULL;
	if (d->target_re == NULL) {
		if (v.s.p == v.num) {
			memcpy(res->num, v.num, sizeof(res->num));
			v.s.p = res->num;
		}
		res->target = v.s;
		return true;
	}
	return pattern_capture(d->target_re, &v, res->num, &res->target);
}

/* Every when holds, no unless holds, and the target pattern (if any) matches. */
static bool
detection_holds(const struct detection *d, const struct detect_event *ev,
    struct detect_result *res)
{
	size_t i;

	for (i = 0; i < d->n_when; i++)
		if (!detect_cond_holds(&d->when[i], ev))
			return false;
	for (i = 0; i < d->n_unless; i++)
		if (detect_cond_holds(&d->unless[i], ev))
			return false;
	return detection_target(d, ev, res);
}

/* Severity order for detect_match: a silent detection ranks below low. */
static int
detection_rank(const struct detection *d)
{
	return d->silent ? -1 : (int)d->severity;
}

/* Binary search of the tag index; NULL when no detection lists the tag. */
const struct tag_entry *
detect_tag_find(const struct detect_set *s, const char *tag, size_t len)
{
	size_t lo = 0, hi = s->n_tags;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tag_entry *e = &s->tags[mid];
		size_t n = e->len < len ? e->len : len;
		int c = memcmp(e->tag, tag, n);

		if (c == 0)
			c = e->len < len ? -1 : e->len > len ? 1 : 0;
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The best detection so far, shared by the tag walk and the Sigma matcher. */
struct best_match {
	const struct detect_set *s;
	const struct detect_event *ev;
	const struct detection *best;
	struct detect_result *res;
	struct slice tag;
	bool unindexed; /* every detection of the tag (detect_match_unindexed) */
};

/* Offer detection d: kept when it outranks the best so far and holds. */
static void
best_offer(struct best_match *b, const struct detection *d, bool held)
{
	struct detect_result cand;

	if (b->best != NULL && (detection_rank(d) < detection_rank(b->best) ||
	    (detection_rank(d) == detection_rank(b->best) && d->index >= b->best->index)))
		return;
	if (held ? !detection_target(d, b->ev, &cand) : !detection_holds(d, b->ev, &cand))
		return;
	b->best = d;
	*b->res = cand;
	if (cand.target.p >= cand.num && cand.target.p < cand.num + sizeof(cand.num))
		b->res->target.p = b->res->num + (cand.target.p - cand.num);
	if (cand.group.p >= cand.group_num && cand.group.p < cand.group_num + sizeof(cand.group_num))
		b->res->group.p = b->res->group_num + (cand.group.p - cand.group_num);
	b->res->detection = d;
	b->res->tag = b->tag;
}

/* sigma_match's callback: a Sigma detection that holds. */
static void
sigma_considercb(size_t det, void *arg)
{
	struct best_match *b = arg;

	best_offer(b, &b->s->dets[det], true);
}

/* detect_index_candidates' callback: a detection of the tag that may hold. */
static void
tag_offercb(size_t det, void *arg)
{
	struct best_match *b = arg;

	best_offer(b, &b->s->dets[det], false);
}

/*
 * The detections listed under the event's rule tags, tag by tag in the
 * event's order (the tag that selected the best is the first of its
 * tags); within a tag, best_offer keeps the same best in any order.
 */
static void
match_tags(struct best_match *b)
{
	struct json_object *tags, *t;
	size_t i, j, n;

	if (b->s->n_tags == 0 || b->ev->norm == NULL ||
	    !json_object_object_get_ex(b->ev->norm, "event.tags", &tags) ||
	    !json_object_is_type(tags, json_type_array))
		return;
	n = json_object_array_length(tags);
	for (i = 0; i < n; i++) {
		const struct tag_entry *e;

		t = json_object_array_get_idx(tags, i);
		if (t == NULL || !json_object_is_type(t, json_type_string))
			continue;
		b->tag.p = json_object_get_string(t);
		b->tag.len = (size_t)json_object_get_string_len(t);
		if ((e = detect_tag_find(b->s, b->tag.p, b->tag.len)) == NULL)
			continue;
		if (!b->unindexed) {
			detect_index_candidates(b->s, e, b->ev, tag_offercb, b);
			continue;
		}
		for (j = 0; j < e->n; j++)
			best_offer(b, &b->s->dets[e->dets[j]], false);
	}
}

/* detect_match, or (unindexed) every detection of the tags, each lookup by libfastjson. */
static int
match(const struct detect_set *s, const struct detect_event *ev, struct detect_result *res,
    bool unindexed)
{
	struct best_match b = {s, ev, NULL, res, {NULL, 0}, unindexed};
	struct detect_keys keys, *previous;

	if (s == NULL)
		return 0;
	/* the reference lists no keys either: libfastjson's own search */
	previous = unindexed ? NULL : detect_keys_begin(&keys);
	match_tags(&b);
	if (s->sigma != NULL) {
		b.tag.p = "sigma";
		b.tag.len = 5;
		sigma_match(s->sigma, ev, sigma_considercb, &b);
	}
	if (!unindexed)
		detect_keys_end(previous);
	return b.best != NULL;
}

int
detect_match(const struct detect_set *s, const struct detect_event *ev,
    struct detect_result *res)
{
	return match(s, ev, res, false);
}

int
detect_match_unindexed(const struct detect_set *s, const struct detect_event *ev,
    struct detect_result *res)
{
	return match(s, ev, res, true);
}

struct slice
detect_result_group(const struct detect_event *ev, const struct detect_result *res,
    struct detect_value *v)
{
	if (res->detection->group_re != NULL)
		return res->group;
	return detect_field_slice(ev, res->detection->group, v);
}
