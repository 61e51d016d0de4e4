/*
 * sigma_fact.c: the correlation fact of a Sigma alert (doc/detections.md
 * "Sigma alerts and correlation").  Which fact a rule gives is read from
 * its ATT&CK tags; where the account, its id, the group and the scope are
 * in the event is read from the mapping file of the event's shape
 * (created_account, member_group... as Sigma field names), never from the
 * rule: the same rule gives the same fact whichever forwarder sent it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "correlate.h"
#include "sigma_impl.h"

/* Does tag name technique id ("t1136") or one of its sub-techniques? */
static bool
tag_is_technique(const char *tag, const char *id)
{
	size_t n = strlen(id);

	if (strncasecmp(tag, "attack.", 7) != 0 || strncasecmp(tag + 7, id, n) != 0)
		return false;
	return tag[7 + n] == '\0' || tag[7 + n] == '.';
}

enum detect_fact
sigma_fact_kind(const struct sigma_rule *r)
{
	enum detect_fact kind = DETECT_FACT_NONE;
	size_t i;

	/* a rule tagged with both is about the creation (a user created as admin) */
	for (i = 0; i < r->n_tags; i++) {
		if (tag_is_technique(r->tags[i], "t1136"))
			return DETECT_FACT_ACCOUNT_CREATED;
		if (tag_is_technique(r->tags[i], "t1098"))
			kind = DETECT_FACT_ADMIN_MEMBER_ADDED;
	}
	return kind;
}

/* Resolve Sigma field name through sh into *f; -1 with why when unmapped. */
static int
fact_field(const struct sigma_shape *sh, const char *key, const char *name,
    struct sigma_fact_field *f, char *why, size_t whylen)
{
	bool nomem;
	char *path;

	if (name == NULL)
		return 0;
	if ((path = sigma_shape_field(sh, name, &nomem)) == NULL) {
		snprintf(why, whylen, "%s: %s", key,
		    nomem ? "out of memory" : "the Sigma field has no mapping in this file");
		return -1;
	}
	if (strncmp(path, SIGMA_KV_PREFIX, 3) == 0) {
		f->kv = true;
		memmove(path, path + 3, strlen(path + 3) + 1);
	}
	f->ref.path = path;
	f->ref.len = strlen(path);
	f->ref.header = f->kv ? HDR_NONE : detect_header_of(path);
	return 0;
}

int
sigma_fact_prepare(
    struct sigma_shape *sh, const struct sigma_fact_names *n, char *why, size_t whylen)
{
	struct sigma_fact *c = &sh->created, *m = &sh->member;

	const char *bad = NULL;

	if (n->created_account_id != NULL && n->created_account == NULL)
		bad = "created_account_id needs created_account";
	else if (n->member_group != NULL && n->member_account == NULL &&
		 n->member_account_id == NULL)
		bad = "member_group needs member_account or member_account_id";
	else if (n->member_group == NULL &&
		 (n->member_account != NULL || n->member_account_id != NULL ||
		     n->admin_groups != NULL))
		bad = "member_account, member_account_id and admin_groups need member_group";
	if (bad != NULL) {
		snprintf(why, whylen, "%s", bad);
		return -1;
	}
	if (fact_field(sh, "fact_scope", n->scope, &c->scope, why, whylen) == -1 ||
	    fact_field(sh, "fact_scope", n->scope, &m->scope, why, whylen) == -1 ||
	    fact_field(sh, "created_account", n->created_account, &c->account, why, whylen) == -1 ||
	    fact_field(sh, "created_account_id", n->created_account_id, &c->account_id, why,
		whylen) == -1 ||
	    fact_field(sh, "member_account", n->member_account, &m->account, why, whylen) == -1 ||
	    fact_field(
		sh, "member_account_id", n->member_account_id, &m->account_id, why, whylen) == -1 ||
	    fact_field(sh, "member_group", n->member_group, &m->group, why, whylen) == -1)
		return -1;
	if (n->admin_groups != NULL) {
		char re_why[256];

		if (detect_regex_shared(
			&m->admin_groups, n->admin_groups, false, re_why, sizeof(re_why)) == -1) {
			snprintf(why, whylen, "admin_groups: %s", re_why);
			return -1;
		}
	}
	c->kind = c->account.ref.path != NULL ? DETECT_FACT_ACCOUNT_CREATED : DETECT_FACT_NONE;
	m->kind = m->group.ref.path != NULL ? DETECT_FACT_ADMIN_MEMBER_ADDED : DETECT_FACT_NONE;
	return 0;
}

const struct sigma_fact *
sigma_fact_of(const struct sigma_shape *sh, const struct sigma_rule *r)
{
	switch (sigma_fact_kind(r)) {
	case DETECT_FACT_ACCOUNT_CREATED:
		return sh->created.kind != DETECT_FACT_NONE ? &sh->created : NULL;
	case DETECT_FACT_ADMIN_MEMBER_ADDED:
		return sh->member.kind != DETECT_FACT_NONE ? &sh->member : NULL;
	default:
		return NULL;
	}
}

static void
fact_field_free(struct sigma_fact_field *f)
{
	free(f->ref.path);
	f->ref.path = NULL;
}

void
sigma_fact_free(struct sigma_fact *f)
{
	fact_field_free(&f->account);
	fact_field_free(&f->account_id);
	fact_field_free(&f->group);
	fact_field_free(&f->scope);
	regex_shared_free(f->admin_groups);
	memset(f, 0, sizeof(*f));
}

/*
 * The value of f in ev as a slice (p NULL: absent).  Windows writes "-"
 * for a field it has no value for (MemberName of a SID-only member): that
 * is no value either.
 */
static struct slice
fact_value(const struct sigma_fact_field *f, const struct detect_event *ev, struct detect_value *v)
{
	struct slice none = {NULL, 0};

	if (f->ref.path == NULL || !sigma_field_read(&f->ref, f->kv, ev, v) || v->s.len == 0 ||
	    (v->s.len == 1 && v->s.p[0] == '-'))
		return none;
	return v->s;
}

/* Does the group (not NUL-terminated) match the shape's admin groups? */
static bool
admin_group(struct regex_shared *re, struct slice g)
{
	char buf[SIGMA_FACT_GROUP_MAX + 1];
	regmatch_t m[1] = {{0, (regoff_t)g.len}};

	if (re == NULL)
		return true;
	if (g.len > SIGMA_FACT_GROUP_MAX)
		return false; /* no admin group has such a name: not one */
	memcpy(buf, g.p, g.len);
	buf[g.len] = '\0';
	return regex_shared_exec(re, buf, 0, m, 0) == 0; /* whether, not where: one pass */
}

bool
sigma_fact_fill(const struct detection *d, const struct detect_event *ev, struct correlate_fact *f,
    struct sigma_fact_values *v)
{
	const struct sigma_fact *sf = d->sigma_fact;

	if (sf == NULL)
		return false;
	f->account = fact_value(&sf->account, ev, &v->account);
	f->account_id = fact_value(&sf->account_id, ev, &v->account_id);
	f->group = fact_value(&sf->group, ev, &v->group);
	f->scope = fact_value(&sf->scope, ev, &v->scope);
	if (f->account.p == NULL && f->account_id.p == NULL)
		return false;
	if (sf->kind == DETECT_FACT_ADMIN_MEMBER_ADDED &&
	    (f->group.p == NULL || !admin_group(sf->admin_groups, f->group)))
		return false;
	return true;
}
