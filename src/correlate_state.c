/*
 * correlate_state.c: the correlator's hosts (scopes) and their entries
 * (correlate_state.h): found through c->index, kept within max_entries,
 * expired from a heap a scope.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_state.h"
#include "detect.h"

void
correlate_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The scope key of a host name: cut at its first '.', lower case. */
void
correlate_scope_key(struct slice s, char *out, size_t cap)
{
	size_t n = 0, i, len;

	if (s.p == NULL) {
		out[0] = '\0';
		return;
	}
	len = detect_host_key_len(s.p, s.len);
	for (i = 0; i < len && n + 1 < cap; i++) {
		char c = s.p[i];

		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
}

struct scope *
correlate_scope_find(struct correlate *c, const char *key, bool create)
{
	size_t len = strlen(key);
	uint64_t h = key_index_hash(c->index, c, KEY_SCOPE, key, len, false);
	struct key_node *n;
	struct scope *sc;

	for (n = key_index_first(c->index, c, KEY_SCOPE, h); n != NULL;
	    n = key_index_next(c->index, n)) {
		sc = CONTAINER_OF(n, struct scope, node);
		if (strcmp(sc->name, key) == 0)
			return sc;
	}
	if (!create || (sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	if ((sc->name = strdup(key)) == NULL) {
		free(sc);
		return NULL;
	}
	TAILQ_INIT(&sc->sessions);
	key_index_insert(c->index, &sc->node, c, KEY_SCOPE, h);
	LIST_INSERT_HEAD(&c->scopes, sc, all);
	c->n_scopes++;
	return sc;
}

/* Free sc, a scope of c with no entries left (so no sessions, no groups). */
void
correlate_scope_free(struct correlate *c, struct scope *sc)
{
	key_index_remove(c->index, &sc->node);
	LIST_REMOVE(sc, all);
	expiry_heap_free(&sc->expiry);
	free(sc->name);
	free(sc);
	c->n_scopes--;
}

/*
 * Drop sc when nothing is left in it: a scope lives only as long as one
 * of its entries, so the scopes are bounded by max_entries whatever host
 * names senders make up.
 */
void
correlate_scope_release(struct correlate *c, struct scope *sc)
{
	if (LIST_EMPTY(&sc->entries))
		correlate_scope_free(c, sc);
}

/* Copy at most max bytes of a slice, NUL-terminated, to buf + *pos. */
static char *
pack(char *buf, size_t *pos, struct slice s, size_t max)
{
	char *p = buf + *pos;
	size_t n = s.p == NULL ? 0 : s.len > max ? max : s.len;

	if (n > 0)
		memcpy(p, s.p, n);
	p[n] = '\0';
	*pos += n + 1;
	return p;
}

/* The bytes pack takes for a slice cut at max. */
static size_t
packed_size(struct slice s, size_t max)
{
	return (s.p == NULL ? 0 : s.len > max ? max : s.len) + 1;
}

/* A new entry holding copies of the fact's strings; NULL when out of memory. */
struct entry *
correlate_entry_new(enum entry_kind kind, const struct correlate_fact *f, struct slice actor)
{
	struct slice none = {NULL, 0}, rule = cslice(f->rule_id);
	struct slice account = slice_empty(f->account) ? none : f->account;
	size_t pos = 0, size;
	struct entry *e;
	char *buf;

	size = sizeof(struct entry) + packed_size(account, FIELD_MAX) +
	    packed_size(f->account_id, FIELD_MAX) + packed_size(f->group, FIELD_MAX) +
	    packed_size(actor, FIELD_MAX) + packed_size(rule, FIELD_MAX) +
	    packed_size(f->raw, RAW_MAX);
	if ((e = calloc(1, size)) == NULL)
		return NULL;
	buf = (char *)(e + 1);
	e->kind = kind;
	e->received = f->received;
	e->event_us = f->event_us;
	e->account = pack(buf, &pos, account, FIELD_MAX);
	e->account_id = pack(buf, &pos, f->account_id, FIELD_MAX);
	e->group = pack(buf, &pos, f->group, FIELD_MAX);
	e->actor = pack(buf, &pos, actor, FIELD_MAX);
	e->rule_id = pack(buf, &pos, rule, FIELD_MAX);
	e->raw = pack(buf, &pos, f->raw, RAW_MAX);
	e->raw_len = packed_size(f->raw, RAW_MAX) - 1;
	return e;
}

/*
 * The same account: by id when both sides have one (a Windows 4728 names
 * its member by SID only), else by name.
 */
static bool
same_account(const struct entry *e, const struct correlate_fact *f)
{
	if (e->account_id[0] != '\0' && !slice_empty(f->account_id))
		return str_eq_slice(e->account_id, f->account_id);
	return !slice_empty(f->account) && str_eq_slice(e->account, f->account);
}

/* The name a member is counted and compared by: its name, else its id. */
static const char *
member_name(const struct entry *e)
{
	return e->account[0] != '\0' ? e->account : e->account_id;
}

static unsigned
name_tag(enum entry_kind kind)
{
	return kind == ENTRY_CREATED ? KEY_CREATED_NAME : KEY_MEMBER_NAME;
}

static unsigned
id_tag(enum entry_kind kind)
{
	return kind == ENTRY_CREATED ? KEY_CREATED_ID : KEY_MEMBER_ID;
}

/* The admin group of sc called group (without case), or NULL. */
struct admin_group *
correlate_group_find(struct correlate *c, struct scope *sc, const char *group)
{
	uint64_t h = key_index_hash(c->index, sc, KEY_GROUP, group, strlen(group), true);
	struct key_node *n;

	for (n = key_index_first(c->index, sc, KEY_GROUP, h); n != NULL;
	    n = key_index_next(c->index, n)) {
		struct admin_group *g = CONTAINER_OF(n, struct admin_group, node);

		if (str_eq_fold(g->name, group))
			return g;
	}
	return NULL;
}

/*
 * Get what keeping e in sc needs and may fail to get for want of memory: a
 * slot in the expiry heap, the admin group a member counts in (a member
 * in the baseline counts there, not here).  The baseline does not change
 * after start-up, so whether a member counts is known once, here.
 */
static int
entry_reserve(struct correlate *c, struct scope *sc, struct entry *e)
{
	struct admin_group *g;
	size_t len;

	if (e->expires != 0 && expiry_heap_reserve(&sc->expiry) == -1)
		return -1;
	if (e->kind != ENTRY_MEMBER || correlate_in_baseline(c, sc->name, e->group, member_name(e)))
		return 0;
	if ((g = correlate_group_find(c, sc, e->group)) == NULL) {
		len = strlen(e->group);
		if ((g = calloc(1, sizeof(*g) + len + 1)) == NULL)
			return -1;
		memcpy(g->name, e->group, len + 1);
		key_index_insert(c->index, &g->node, sc, KEY_GROUP,
		    key_index_hash(c->index, sc, KEY_GROUP, g->name, len, true));
	}
	e->group_of = g;
	return 0;
}

/* Index a created or member entry by its account name and id (those not ""). */
static void
account_link(struct correlate *c, struct scope *sc, struct entry *e)
{
	unsigned tag;

	if (e->account[0] != '\0') {
		tag = name_tag(e->kind);
		key_index_insert(c->index, &e->by_name, sc, tag,
		    key_index_hash(c->index, sc, tag, e->account, strlen(e->account), false));
	}
	if (e->account_id[0] != '\0') {
		tag = id_tag(e->kind);
		key_index_insert(c->index, &e->by_id, sc, tag,
		    key_index_hash(c->index, sc, tag, e->account_id, strlen(e->account_id), false));
	}
}

static void
account_unlink(struct correlate *c, struct entry *e)
{
	if (e->account[0] != '\0')
		key_index_remove(c->index, &e->by_name);
	if (e->account_id[0] != '\0')
		key_index_remove(c->index, &e->by_id);
}

/* Put e, prepared by entry_reserve, at the head of sc and into the indexes. */
static void
entry_link(struct correlate *c, struct scope *sc, struct entry *e)
{
	e->scope = sc;
	e->seq = ++c->seq;
	LIST_INSERT_HEAD(&sc->entries, e, link);
	if (e->kind == ENTRY_SESSION) {
		TAILQ_INSERT_HEAD(&sc->sessions, e, session_link);
		sc->n_sessions++;
	} else
		account_link(c, sc, e);
	if (e->expires != 0) {
		e->expiry.at = e->expires;
		expiry_heap_push(&sc->expiry, &e->expiry);
	}
	if (e->group_of != NULL)
		e->group_of->members++;
	c->n_entries++;
}

/* Take e out of its scope and the indexes, and free it. */
void
correlate_entry_unlink(struct correlate *c, struct entry *e)
{
	struct scope *sc = e->scope;

	LIST_REMOVE(e, link);
	if (e->kind == ENTRY_SESSION) {
		TAILQ_REMOVE(&sc->sessions, e, session_link);
		sc->n_sessions--;
	} else
		account_unlink(c, e);
	if (e->expires != 0)
		expiry_heap_remove(&sc->expiry, &e->expiry);
	if (e->group_of != NULL && --e->group_of->members == 0) {
		key_index_remove(c->index, &e->group_of->node);
		free(e->group_of);
	}
	c->n_entries--;
	free(e);
}

/*
 * Drop the expired entries of a scope (now: the receipt clock): those
 * with expires < now, whatever order they came in (two workers' receipt
 * clocks may be a second apart; a snapshot's entries may have another
 * window), so the heap, not the order of arrival.
 */
void
correlate_scope_sweep(struct correlate *c, struct scope *sc, int64_t now)
{
	struct expiry_node *top;

	while ((top = expiry_heap_top(&sc->expiry)) != NULL && top->at < now) {
		c->st.visits++;
		correlate_entry_unlink(c, CONTAINER_OF(top, struct entry, expiry));
	}
}

/*
 * Sweep every scope and free those left empty, except keep (NULL: none):
 * the scope a fact is being applied to may be empty until the fact's own
 * entry is linked, and its caller still holds it.
 */
void
correlate_sweep_all(struct correlate *c, int64_t now, struct scope *keep)
{
	struct scope *sc, *next;

	for (sc = LIST_FIRST(&c->scopes); sc != NULL; sc = next) {
		next = LIST_NEXT(sc, all);
		correlate_scope_sweep(c, sc, now);
		if (sc != keep && LIST_EMPTY(&sc->entries))
			correlate_scope_free(c, sc);
	}
}

/* Keep e in sc, or drop it (counted) when the state is full. */
bool
correlate_entry_keep(struct correlate *c, struct scope *sc, struct entry *e, int64_t now)
{
	/*
	 * Full: drop what has expired, once per second of the receipt clock.
	 * Expiry is in whole seconds, so a second sweep within the same second
	 * finds nothing the first did not; without this, every fact of a full
	 * state (a bulk provisioning run) would walk every scope.
	 */
	if (c->n_entries >= c->set.max_entries && now > c->full_swept) {
		correlate_sweep_all(c, now, sc);
		c->full_swept = now;
	}
	if (c->n_entries >= c->set.max_entries || entry_reserve(c, sc, e) == -1) {
		c->st.overflow++;
		free(e);
		return false;
	}
	if (e->kind == ENTRY_SESSION && sc->n_sessions >= SESSIONS_PER_SCOPE)
		correlate_entry_unlink(c, TAILQ_LAST(&sc->sessions, session_list));
	entry_link(c, sc, e);
	return true;
}

/* The first node under the fact's account name (or id); NULL when it has none. */
static struct key_node *
account_first(const struct account_cursor *cur)
{
	struct slice key = cur->by_id ? cur->f->account_id : cur->f->account;
	unsigned tag = cur->by_id ? id_tag(cur->kind) : name_tag(cur->kind);

	if (slice_empty(key))
		return NULL;
	/* entries keep FIELD_MAX bytes, and same_account compares as many */
	key.len = key.len > FIELD_MAX ? FIELD_MAX : key.len;
	return key_index_first(cur->c->index, cur->sc, tag,
	    key_index_hash(cur->c->index, cur->sc, tag, key.p, key.len, false));
}

void
correlate_account_begin(struct account_cursor *cur, struct correlate *c, struct scope *sc,
    enum entry_kind kind, const struct correlate_fact *f)
{
	cur->c = c;
	cur->sc = sc;
	cur->f = f;
	cur->kind = kind;
	cur->by_id = false;
	cur->node = account_first(cur);
}

struct entry *
correlate_account_next(struct account_cursor *cur)
{
	struct entry *e;

	for (;;) {
		if (cur->node == NULL) {
			if (cur->by_id)
				return NULL;
			cur->by_id = true;
			cur->node = account_first(cur);
			continue;
		}
		e = cur->by_id ? CONTAINER_OF(cur->node, struct entry, by_id) :
		    CONTAINER_OF(cur->node, struct entry, by_name);
		cur->node = key_index_next(cur->c->index, cur->node);
		if (same_account(e, cur->f))
			return e;
	}
}

