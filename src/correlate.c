/*
 * correlate.c: the correlator's state, its journal and baseline, and the
 * correlations (correlate.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include "correlate.h"
#include "correlate_index.h"
#include "json_writer.h"
#include "log.h"

/* Longest field kept (account, group, ...) and evidence line, in bytes. */
#define FIELD_MAX 255
#define RAW_MAX 4096
/* Sessions kept per scope: the newest; older ones only matter less. */
#define SESSIONS_PER_SCOPE 16
/* A journal record longer than this is damaged. */
#define RECORD_MAX (16 * 1024)
#define JOURNAL_NAME "correlate.journal"
/*
 * Times a journal record may hold (9999-12-31T23:59:59Z): anything else is
 * damage, and the arithmetic of the windows never overflows on it.
 */
#define TIME_MAX_S 253402300799LL
#define TIME_MAX_US (TIME_MAX_S * 1000000LL)

static const struct correlation corr_created_admin = {
	"correlate-created-then-admin",
	"Account created, then added to an admin group within the window",
	DETECT_HIGH, "created-then-added-to-admin-group",
	{{"T1136.001", "Create Account: Local Account", "TA0003", "Persistence"},
	 {"T1098", "Account Manipulation", "TA0003", "Persistence"}}, 2,
};
static const struct correlation corr_short_lived = {
	"correlate-short-lived-account",
	"Account created and deleted within the window (short-lived account)",
	DETECT_HIGH, "short-lived-account",
	{{"T1136", "Create Account", "TA0003", "Persistence"},
	 {"T1070", "Indicator Removal", "TA0005", "Defense Evasion"}}, 2,
};
static const struct correlation corr_threshold = {
	"correlate-admin-threshold",
	"Admin group grew past the threshold of known admins",
	DETECT_HIGH, "admin-threshold-exceeded",
	{{"T1098", "Account Manipulation", "TA0003", "Persistence"}, {NULL, NULL, NULL, NULL}}, 1,
};
static const struct correlation corr_unknown = {
	"correlate-admin-unknown",
	"Account outside the admin baseline added to an admin group",
	DETECT_HIGH, "unknown-admin-added",
	{{"T1098", "Account Manipulation", "TA0003", "Persistence"}, {NULL, NULL, NULL, NULL}}, 1,
};

enum entry_kind { ENTRY_CREATED, ENTRY_MEMBER, ENTRY_SESSION };

/*
 * What a key of c->index is (with the scope as its owner): the created and
 * member entries by account name and by account id, the admin groups by
 * name without case; and the scopes themselves by name (with c as owner).
 */
enum key_tag { KEY_CREATED_NAME, KEY_CREATED_ID, KEY_MEMBER_NAME, KEY_MEMBER_ID, KEY_GROUP,
	KEY_SCOPE };

struct admin_group;

/*
 * One remembered fact.  Its strings live in one allocation with it; the
 * nodes by which its scope and c->index find it are part of it, and
 * entry_unlink takes it out of all of them.
 */
struct entry {
	LIST_ENTRY(entry) link; /* in its scope's list, newest first */
	TAILQ_ENTRY(entry) session_link; /* a session: in its scope's sessions */
	struct key_node by_name, by_id; /* created, member: in c->index when not "" */
	struct expiry_node expiry; /* in its scope's heap when expires != 0 */
	struct admin_group *group_of; /* a member counted in its group, or NULL */
	struct scope *scope;
	uint64_t seq;         /* order kept: the newest of two matches wins */
	enum entry_kind kind;
	bool done;            /* created: its admin correlation was given */
	int64_t received;     /* receipt clock of the fact, seconds */
	int64_t expires;      /* receipt clock; 0: never (memberships) */
	int64_t event_us;
	char *account, *account_id, *group, *actor, *rule_id, *raw;
	size_t raw_len;
};

/*
 * The learned members of an admin group in a scope (outside the
 * baseline), so that a threshold needs no scan; freed at zero.
 */
struct admin_group {
	struct key_node node; /* KEY_GROUP, the name folded */
	unsigned members;
	char name[];          /* as the first member gave it */
};

/*
 * A host's state.  Its name comes from the network, so scopes are found
 * through c->index (keyed SipHash, never one long chain) and listed in
 * c->scopes for the sweeps.
 */
struct scope {
	struct key_node node; /* KEY_SCOPE in c->index */
	LIST_ENTRY(scope) all; /* in c->scopes */
	char *name;           /* the key: lower case, cut at the first '.' */
	LIST_HEAD(, entry) entries;
	TAILQ_HEAD(session_list, entry) sessions; /* newest first */
	size_t n_sessions;
	struct expiry_heap expiry; /* the entries that expire, soonest on top */
};

/* One line of the baseline file. */
struct baseline_entry {
	char *scope;          /* "*": every scope */
	char *group;
	char *member;
};

struct correlate {
	pthread_mutex_t lock;
	struct correlate_settings set; /* strings owned */
	LIST_HEAD(, scope) scopes; /* every scope */
	struct key_index *index; /* the scopes, their entries and admin groups */
	size_t n_entries;
	uint64_t seq;         /* of the last entry kept */
	struct baseline_entry *baseline;
	size_t n_baseline;
	int journal_fd;       /* -1: memory only */
	char *journal_path, *journal_tmp;
	size_t journal_records;
	bool replaying;
	int64_t full_swept;   /* receipt clock of the last sweep_all when full */
	size_t n_scopes;      /* scopes holding at least one entry (between facts) */
	struct correlate_stats st;
};

/* ---- small helpers ----------------------------------------------------- */

/* The scope, entry or admin group that a node is part of. */
#define CONTAINER_OF(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
slice_empty(struct slice s)
{
	return s.p == NULL || s.len == 0 || (s.len == 1 && s.p[0] == '-');
}

static bool
str_eq_slice(const char *a, struct slice b)
{
	size_t n = b.len > FIELD_MAX ? FIELD_MAX : b.len;

	return a != NULL && a[0] != '\0' && strlen(a) == n && memcmp(a, b.p, n) == 0;
}

static bool
str_eq_fold(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* The scope key of a host name: cut at its first '.', lower case. */
static void
scope_key(struct slice s, char *out, size_t cap)
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

/* ---- the state --------------------------------------------------------- */

static bool in_baseline(const struct correlate *c, const char *scope, const char *group,
    const char *member);

static struct scope *
scope_find(struct correlate *c, const char *key, bool create)
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
static void
scope_free(struct correlate *c, struct scope *sc)
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
static void
scope_release(struct correlate *c, struct scope *sc)
{
	if (LIST_EMPTY(&sc->entries))
		scope_free(c, sc);
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

static struct slice
cslice(const char *s)
{
	struct slice r = {s, s != NULL ? strlen(s) : 0};

	return r;
}

/* The bytes pack takes for a slice cut at max. */
static size_t
packed_size(struct slice s, size_t max)
{
	return (s.p == NULL ? 0 : s.len > max ? max : s.len) + 1;
}

/* A new entry holding copies of the fact's strings; NULL when out of memory. */
static struct entry *
entry_new(enum entry_kind kind, const struct correlate_fact *f, struct slice actor)
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

static int64_t
span_us(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
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
static struct admin_group *
group_find(struct correlate *c, struct scope *sc, const char *group)
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
	if (e->kind != ENTRY_MEMBER || in_baseline(c, sc->name, e->group, member_name(e)))
		return 0;
	if ((g = group_find(c, sc, e->group)) == NULL) {
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
static void
entry_unlink(struct correlate *c, struct entry *e)
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
static void
scope_sweep(struct correlate *c, struct scope *sc, int64_t now)
{
	struct expiry_node *top;

	while ((top = expiry_heap_top(&sc->expiry)) != NULL && top->at < now) {
		c->st.visits++;
		entry_unlink(c, CONTAINER_OF(top, struct entry, expiry));
	}
}

/*
 * Sweep every scope and free those left empty, except keep (NULL: none):
 * the scope a fact is being applied to may be empty until the fact's own
 * entry is linked, and its caller still holds it.
 */
static void
sweep_all(struct correlate *c, int64_t now, struct scope *keep)
{
	struct scope *sc, *next;

	for (sc = LIST_FIRST(&c->scopes); sc != NULL; sc = next) {
		next = LIST_NEXT(sc, all);
		scope_sweep(c, sc, now);
		if (sc != keep && LIST_EMPTY(&sc->entries))
			scope_free(c, sc);
	}
}

/* Keep e in sc, or drop it (counted) when the state is full. */
static bool
entry_keep(struct correlate *c, struct scope *sc, struct entry *e, int64_t now)
{
	/*
	 * Full: drop what has expired, once per second of the receipt clock.
	 * Expiry is in whole seconds, so a second sweep within the same second
	 * finds nothing the first did not; without this, every fact of a full
	 * state (a bulk provisioning run) would walk every scope.
	 */
	if (c->n_entries >= c->set.max_entries && now > c->full_swept) {
		sweep_all(c, now, sc);
		c->full_swept = now;
	}
	if (c->n_entries >= c->set.max_entries || entry_reserve(c, sc, e) == -1) {
		c->st.overflow++;
		free(e);
		return false;
	}
	if (e->kind == ENTRY_SESSION && sc->n_sessions >= SESSIONS_PER_SCOPE)
		entry_unlink(c, TAILQ_LAST(&sc->sessions, session_list));
	entry_link(c, sc, e);
	return true;
}

/* ---- alerts ------------------------------------------------------------ */

static char *
dup_slice(struct slice s, size_t max)
{
	size_t n = s.p == NULL ? 0 : s.len > max ? max : s.len;
	char *p = malloc(n + 1);

	if (p != NULL) {
		if (n > 0)
			memcpy(p, s.p, n);
		p[n] = '\0';
	}
	return p;
}

static void
evidence_from_entry(struct correlate_evidence *ev, const struct entry *e)
{
	ev->event_us = e->event_us;
	ev->rule_id = strdup(e->rule_id);
	ev->raw = dup_slice((struct slice){e->raw, e->raw_len}, RAW_MAX);
	ev->raw_len = ev->raw != NULL ? e->raw_len : 0;
}

static void
evidence_from_fact(struct correlate_evidence *ev, const struct correlate_fact *f)
{
	ev->event_us = f->event_us;
	ev->rule_id = strdup(f->rule_id != NULL ? f->rule_id : "");
	ev->raw = dup_slice(f->raw, RAW_MAX);
	ev->raw_len = ev->raw != NULL ? (f->raw.len > RAW_MAX ? RAW_MAX : f->raw.len) : 0;
}

/*
 * A new alert of rule in res (none while replaying the journal: those
 * were given before the restart).  earlier: the entry that the fact
 * completes, or NULL.
 */
static struct correlate_alert *
alert_add(struct correlate *c, struct correlate_result *res, const struct correlation *rule,
    const char *scope, const struct correlate_fact *f, const struct entry *earlier)
{
	struct correlate_alert *a;

	if (c->replaying || res->n_alerts >= CORRELATE_MAX_ALERTS)
		return NULL;
	a = &res->alerts[res->n_alerts++];
	memset(a, 0, sizeof(*a));
	a->rule = rule;
	a->scope = strdup(scope);
	/* the creation names the account best (a 4732 may give only its SID) */
	if (earlier != NULL && earlier->kind == ENTRY_CREATED && earlier->account[0] != '\0')
		a->account = strdup(earlier->account);
	else
		a->account = dup_slice(slice_empty(f->account) ? f->account_id : f->account, FIELD_MAX);
	a->group = dup_slice(f->group, FIELD_MAX);
	a->actor = dup_slice(f->actor, FIELD_MAX);
	if (earlier != NULL && earlier->actor[0] != '\0' && (a->actor == NULL || a->actor[0] == '\0')) {
		free(a->actor);
		a->actor = strdup(earlier->actor);
	}
	if (earlier != NULL && earlier->kind == ENTRY_MEMBER && (a->group == NULL || a->group[0] == '\0')) {
		free(a->group);
		a->group = strdup(earlier->group);
	}
	if (earlier != NULL && earlier->event_us <= f->event_us) {
		evidence_from_entry(&a->evidence[a->n_evidence++], earlier);
		evidence_from_fact(&a->evidence[a->n_evidence++], f);
	} else {
		evidence_from_fact(&a->evidence[a->n_evidence++], f);
		if (earlier != NULL)
			evidence_from_entry(&a->evidence[a->n_evidence++], earlier);
	}
	c->st.alerts++;
	return a;
}

void
correlate_result_clear(struct correlate_result *res)
{
	size_t i, j;

	for (i = 0; i < res->n_alerts; i++) {
		struct correlate_alert *a = &res->alerts[i];

		free(a->scope);
		free(a->account);
		free(a->group);
		free(a->actor);
		for (j = 0; j < a->n_evidence; j++) {
			free(a->evidence[j].rule_id);
			free(a->evidence[j].raw);
		}
	}
	memset(res, 0, sizeof(*res));
}

/* ---- baseline ---------------------------------------------------------- */

/* Is member a baseline member of group in scope? */
static bool
in_baseline(const struct correlate *c, const char *scope, const char *group, const char *member)
{
	size_t i;

	for (i = 0; i < c->n_baseline; i++) {
		const struct baseline_entry *b = &c->baseline[i];

		if ((strcmp(b->scope, "*") == 0 || str_eq_fold(b->scope, scope)) &&
		    str_eq_fold(b->group, group) && strcmp(b->member, member) == 0)
			return true;
	}
	return false;
}

/* Members of group in scope: the baseline's and those learned (not in it). */
static unsigned
admin_count(struct correlate *c, struct scope *sc, const char *group)
{
	const struct admin_group *g = group_find(c, sc, group);
	unsigned n = g != NULL ? g->members : 0;
	size_t i;

	for (i = 0; i < c->n_baseline; i++) {
		const struct baseline_entry *b = &c->baseline[i];
		size_t j;
		bool dup = false;

		if (!(strcmp(b->scope, "*") == 0 || str_eq_fold(b->scope, sc->name)) ||
		    !str_eq_fold(b->group, group))
			continue;
		/* a member listed for "*" and for this scope counts once */
		for (j = 0; j < i && !dup; j++)
			dup = (strcmp(c->baseline[j].scope, "*") == 0 ||
			    str_eq_fold(c->baseline[j].scope, sc->name)) &&
			    str_eq_fold(c->baseline[j].group, group) &&
			    strcmp(c->baseline[j].member, b->member) == 0;
		if (!dup)
			n++;
	}
	return n;
}

/* Cut a "#" comment that is not inside double quotes. */
static void
strip_comment(char *s)
{
	bool quoted = false;

	for (; *s != '\0'; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '#' && !quoted) {
			*s = '\0';
			return;
		}
	}
}

/*
 * Next field of a baseline line: blank-separated, or in double quotes.
 * Returns 1 with *out set, 0 at the end of the line, -1 when malformed.
 */
static int
baseline_field(char **pp, char **out)
{
	char *p = *pp, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	if (*p == '"') {
		if ((end = strchr(p + 1, '"')) == NULL || end == p + 1 ||
		    (end[1] != '\0' && end[1] != ' ' && end[1] != '\t'))
			return -1;
		*end = '\0';
		*out = p + 1;
		*pp = end + 1;
		return 1;
	}
	*out = p;
	end = p + strcspn(p, " \t\"");
	if (*end == '"')
		return -1;
	if (*end != '\0')
		*end++ = '\0';
	*pp = end;
	return 1;
}

int
correlate_load_baseline(struct correlate *c, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	int lineno = 0, rc = -1;

	if (fp == NULL) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line) - 1, fp) != NULL) {
		char *p = line, *f[3], *extra;
		struct baseline_entry *b;
		int i, r = 1;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			set_err(err, errlen, "%s:%d: line too long (at most %zu bytes)", path,
			    lineno, sizeof(line) - 2);
			goto done;
		}
		line[strcspn(line, "\r\n")] = '\0';
		strip_comment(line);
		for (i = 0; i < 3 && (r = baseline_field(&p, &f[i])) == 1; i++)
			;
		if (i == 0 && r == 0)
			continue; /* blank or comment */
		if (r == -1 || i < 3 || baseline_field(&p, &extra) != 0) {
			set_err(err, errlen, "%s:%d: expected SCOPE GROUP MEMBER (a field with blanks "
			    "in double quotes, SCOPE * for every scope)", path, lineno);
			goto done;
		}
		b = realloc(c->baseline, (c->n_baseline + 1) * sizeof(*b));
		if (b == NULL)
			goto nomem;
		c->baseline = b;
		b = &c->baseline[c->n_baseline];
		b->scope = strdup(f[0]);
		b->group = strdup(f[1]);
		b->member = strdup(f[2]);
		if (b->scope == NULL || b->group == NULL || b->member == NULL) {
			free(b->scope);
			free(b->group);
			free(b->member);
			goto nomem;
		}
		if (strcmp(b->scope, "*") != 0) {
			char key[FIELD_MAX + 1];

			scope_key(cslice(b->scope), key, sizeof(key));
			strcpy(b->scope, key); /* never longer */
		}
		c->n_baseline++;
	}
	if (ferror(fp)) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
	goto done;
nomem:
	set_err(err, errlen, "%s:%d: out of memory", path, lineno);
done:
	fclose(fp);
	return rc;
}

/* ---- the correlations -------------------------------------------------- */

/*
 * A walk over the entries of one kind in a scope that are the fact's
 * account (same_account): those under its name, then those under its id,
 * in no order, one entry possibly twice.  The cursor is past an entry when
 * it gives it, so the caller may unlink it.
 */
struct account_cursor {
	struct correlate *c;
	struct scope *sc;
	const struct correlate_fact *f;
	enum entry_kind kind;
	bool by_id;           /* node is a by_id node */
	struct key_node *node;
};

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

static void
account_begin(struct account_cursor *cur, struct correlate *c, struct scope *sc,
    enum entry_kind kind, const struct correlate_fact *f)
{
	cur->c = c;
	cur->sc = sc;
	cur->f = f;
	cur->kind = kind;
	cur->by_id = false;
	cur->node = account_first(cur);
}

static struct entry *
account_next(struct account_cursor *cur)
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

/* Whether e was kept after best (the first of the scope's list to match). */
static bool
newer(const struct entry *e, const struct entry *best)
{
	return best == NULL || e->seq > best->seq;
}

/* The newest creation of the fact's account in sc within the window of its event. */
static struct entry *
find_created(struct correlate *c, struct scope *sc, const struct correlate_fact *f)
{
	struct account_cursor cur;
	struct entry *e, *best = NULL;

	for (account_begin(&cur, c, sc, ENTRY_CREATED, f); (e = account_next(&cur)) != NULL;)
		if (span_us(e->event_us, f->event_us) <= c->set.window * 1000000 && newer(e, best))
			best = e;
	return best;
}

/* The newest membership of the fact's account in sc within the window after its event. */
static struct entry *
find_member_after(struct correlate *c, struct scope *sc, const struct correlate_fact *f)
{
	struct account_cursor cur;
	struct entry *m, *best = NULL;

	for (account_begin(&cur, c, sc, ENTRY_MEMBER, f); (m = account_next(&cur)) != NULL;)
		if (m->event_us >= f->event_us &&
		    m->event_us - f->event_us <= c->set.window * 1000000 && newer(m, best))
			best = m;
	return best;
}

/* The newest session of sc within session_window before t, for account. */
static const struct entry *
find_session(struct correlate *c, const struct scope *sc, const struct correlate_fact *f)
{
	const struct entry *e, *best = NULL;
	bool best_names = false;
	int64_t w = c->set.session_window * 1000000;

	TAILQ_FOREACH(e, &sc->sessions, session_link) {
		bool names;

		c->st.visits++;
		if (e->event_us > f->event_us + 1000000 || f->event_us - e->event_us > w)
			continue;
		/* a sudo command line that names the account is the best witness */
		names = !slice_empty(f->account) && f->account.len <= FIELD_MAX &&
		    memmem(e->raw, e->raw_len, f->account.p, f->account.len) != NULL;
		if (best == NULL || (names && !best_names) ||
		    (names == best_names && e->event_us > best->event_us)) {
			best = e;
			best_names = names;
		}
	}
	return best;
}

static void
on_created(struct correlate *c, struct scope *sc, const struct correlate_fact *f,
    struct correlate_result *res)
{
	struct slice actor = f->actor;
	const struct entry *session;
	struct entry *e, *m;

	if (slice_empty(actor) && (session = find_session(c, sc, f)) != NULL) {
		actor = cslice(session->actor);
		snprintf(res->actor, sizeof(res->actor), "%s", session->actor);
		snprintf(res->actor_rule, sizeof(res->actor_rule), "%s", session->rule_id);
	}
	if ((e = entry_new(ENTRY_CREATED, f, actor)) == NULL) {
		c->st.overflow++;
		return;
	}
	e->expires = f->received + c->set.window;
	/* the admin add may have been processed first (another worker) */
	if ((m = find_member_after(c, sc, f)) != NULL) {
		struct correlate_fact g = *f;

		g.actor = actor;
		alert_add(c, res, &corr_created_admin, sc->name, &g, m);
		e->done = true;
	}
	entry_keep(c, sc, e, f->received);
}

static void
on_deleted(struct correlate *c, struct scope *sc, const struct correlate_fact *f,
    struct correlate_result *res)
{
	struct account_cursor cur;
	struct entry *e;

	if ((e = find_created(c, sc, f)) != NULL && e->event_us <= f->event_us) {
		alert_add(c, res, &corr_short_lived, sc->name, f, e);
		entry_unlink(c, e);
	}
	/* a deleted account is no longer an admin anywhere in the scope */
	for (account_begin(&cur, c, sc, ENTRY_MEMBER, f); (e = account_next(&cur)) != NULL;)
		entry_unlink(c, e);
}

static void
on_admin_added(struct correlate *c, struct scope *sc, const struct correlate_fact *f,
    struct correlate_result *res)
{
	char group[FIELD_MAX + 1], member[FIELD_MAX + 1];
	struct account_cursor cur;
	struct entry *e;
	bool known = false;
	unsigned count;

	if (slice_empty(f->group) || (slice_empty(f->account) && slice_empty(f->account_id)))
		return;
	snprintf(group, sizeof(group), "%.*s", (int)(f->group.len > FIELD_MAX ? FIELD_MAX :
	    f->group.len), f->group.p);
	if (!slice_empty(f->account))
		snprintf(member, sizeof(member), "%.*s", (int)(f->account.len > FIELD_MAX ?
		    FIELD_MAX : f->account.len), f->account.p);
	else
		snprintf(member, sizeof(member), "%.*s", (int)(f->account_id.len > FIELD_MAX ?
		    FIELD_MAX : f->account_id.len), f->account_id.p);

	if ((e = find_created(c, sc, f)) != NULL && !e->done && e->event_us <= f->event_us) {
		alert_add(c, res, &corr_created_admin, sc->name, f, e);
		e->done = true;
	}
	for (account_begin(&cur, c, sc, ENTRY_MEMBER, f); !known && (e = account_next(&cur)) != NULL;)
		known = str_eq_fold(e->group, group);
	if (known || in_baseline(c, sc->name, group, member))
		return;
	count = admin_count(c, sc, group) + 1;
	if (c->set.threshold > 0 && count > c->set.threshold) {
		struct correlate_alert *a = alert_add(c, res, &corr_threshold, sc->name, f, NULL);

		if (a != NULL)
			a->count = count;
	} else if (c->set.alert_on_unknown)
		alert_add(c, res, &corr_unknown, sc->name, f, NULL);
	if ((e = entry_new(ENTRY_MEMBER, f, f->actor)) == NULL) {
		c->st.overflow++;
		return;
	}
	e->expires = 0;
	entry_keep(c, sc, e, f->received);
}

static void
on_session(struct correlate *c, struct scope *sc, const struct correlate_fact *f)
{
	struct entry *e;

	if (slice_empty(f->actor))
		return;
	if ((e = entry_new(ENTRY_SESSION, f, f->actor)) == NULL) {
		c->st.overflow++;
		return;
	}
	e->expires = f->received + c->set.session_window;
	entry_keep(c, sc, e, f->received);
}

/* Apply a fact to the state (the lock is held). */
static void
apply_fact(struct correlate *c, const struct correlate_fact *f, struct correlate_result *res)
{
	char key[FIELD_MAX + 1];
	struct scope *sc;

	scope_key(f->scope, key, sizeof(key));
	if ((sc = scope_find(c, key, true)) == NULL) {
		c->st.overflow++;
		return;
	}
	scope_sweep(c, sc, f->received);
	c->st.facts++;
	switch (f->kind) {
	case DETECT_FACT_ACCOUNT_CREATED:
		on_created(c, sc, f, res);
		break;
	case DETECT_FACT_ACCOUNT_DELETED:
		on_deleted(c, sc, f, res);
		break;
	case DETECT_FACT_ADMIN_MEMBER_ADDED:
		on_admin_added(c, sc, f, res);
		break;
	case DETECT_FACT_SESSION:
		on_session(c, sc, f);
		break;
	case DETECT_FACT_NONE:
		break;
	}
	scope_release(c, sc);
}

/* ---- the journal ------------------------------------------------------- */

/*
 * A record is one line of 12 TAB-separated fields, each with "\\", TAB,
 * LF and CR escaped as \\ \t \n \r:
 *   F|E kind flags received expires event_us scope account account_id group actor rule_id raw
 * F: a fact, replayed through the correlations; E: an entry of a
 * snapshot, restored as it is.
 */
#define RECORD_FIELDS 13

static int
put_escaped(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n"
		    : s[i] == '\r' ? "\\r" : NULL;

		if ((esc != NULL ? strbuf_append(sb, esc, 2) : strbuf_append_char(sb, s[i])) == -1)
			return -1;
	}
	return 0;
}

static int
put_head(struct strbuf *sb, char type, int kind, int flags, int64_t received, int64_t expires,
    int64_t event_us)
{
	char head[128];

	snprintf(head, sizeof(head), "%c\t%d\t%d\t%lld\t%lld\t%lld", type, kind, flags,
	    (long long)received, (long long)expires, (long long)event_us);
	return strbuf_append_str(sb, head);
}

static int
put_field(struct strbuf *sb, struct slice s)
{
	if (strbuf_append_char(sb, '\t') == -1)
		return -1;
	return s.p != NULL ? put_escaped(sb, s.p, s.len) : 0;
}

static int
record_fact(struct strbuf *sb, const struct correlate_fact *f)
{
	struct slice rule = cslice(f->rule_id), scope = f->scope;
	struct slice raw = {f->raw.p, f->raw.len > RAW_MAX ? RAW_MAX : f->raw.len};
	struct slice fields[7] = {scope, f->account, f->account_id, f->group, f->actor, rule, raw};
	size_t i;

	if (put_head(sb, 'F', (int)f->kind, 0, f->received, 0, f->event_us) == -1)
		return -1;
	for (i = 0; i < 7; i++) {
		struct slice s = fields[i];

		if (s.p != NULL && s.len > (i == 6 ? RAW_MAX : FIELD_MAX))
			s.len = i == 6 ? RAW_MAX : FIELD_MAX;
		if (put_field(sb, s) == -1)
			return -1;
	}
	return strbuf_append_char(sb, '\n');
}

static int
record_entry(struct strbuf *sb, const struct scope *sc, const struct entry *e)
{
	struct slice fields[7] = {cslice(sc->name), cslice(e->account), cslice(e->account_id),
	    cslice(e->group), cslice(e->actor), cslice(e->rule_id), {e->raw, e->raw_len}};
	size_t i;

	if (put_head(sb, 'E', (int)e->kind + 1, e->done ? 1 : 0, e->received, e->expires,
	    e->event_us) == -1)
		return -1;
	for (i = 0; i < 7; i++)
		if (put_field(sb, fields[i]) == -1)
			return -1;
	return strbuf_append_char(sb, '\n');
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Snapshot records go to the file in pieces of about this size. */
#define SNAPSHOT_CHUNK (64 * 1024)

/*
 * Write every live entry to fd, SNAPSHOT_CHUNK at a time: a full state
 * (max_entries records of up to ~5 KB) is never held in memory twice.
 * Returns the number of records, or -1.
 */
static ssize_t
snapshot_write(struct correlate *c, int fd)
{
	struct strbuf sb;
	size_t n = 0;
	struct scope *sc;
	const struct entry *e;
	ssize_t rc = -1;

	strbuf_init(&sb);
	LIST_FOREACH(sc, &c->scopes, all)
		LIST_FOREACH(e, &sc->entries, link) {
			if (record_entry(&sb, sc, e) == -1)
				goto out;
			n++;
			if (sb.len >= SNAPSHOT_CHUNK) {
				if (write_all(fd, sb.data, sb.len) == -1)
					goto out;
				strbuf_reset(&sb);
			}
		}
	if (sb.len > 0 && write_all(fd, sb.data, sb.len) == -1)
		goto out;
	rc = (ssize_t)n;
out:
	strbuf_free(&sb);
	return rc;
}

/*
 * Rewrite the journal as a snapshot of the live entries: a temporary file,
 * fsync'd, renamed over the journal.  On failure the old journal stays.
 */
static int
journal_compact(struct correlate *c)
{
	ssize_t n = -1;
	int fd, rc = -1;

	if (c->journal_path == NULL)
		return 0;
	fd = open(c->journal_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		goto out;
	if ((n = snapshot_write(c, fd)) == -1 || fsync(fd) == -1 ||
	    rename(c->journal_tmp, c->journal_path) == -1) {
		close(fd);
		unlink(c->journal_tmp);
		goto out;
	}
	close(fd);
	if (c->journal_fd != -1)
		close(c->journal_fd);
	c->journal_fd = open(c->journal_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	c->journal_records = (size_t)n;
	rc = c->journal_fd == -1 ? -1 : 0;
out:
	if (rc == -1) {
		log_warn("correlate: cannot rewrite %s", c->journal_path);
		c->st.journal_errors++;
	}
	return rc;
}

static void
journal_append(struct correlate *c, const struct correlate_fact *f)
{
	struct strbuf sb;

	if (c->journal_fd == -1 || c->replaying)
		return;
	strbuf_init(&sb);
	if (record_fact(&sb, f) == -1 || write_all(c->journal_fd, sb.data, sb.len) == -1) {
		if (c->st.journal_errors++ == 0)
			log_warn("correlate: cannot append to %s", c->journal_path);
	} else
		c->journal_records++;
	strbuf_free(&sb);
	if (c->journal_records > 1024 && c->journal_records > 2 * c->n_entries)
		journal_compact(c);
}

/* Undo put_escaped in place; returns the new length. */
static size_t
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (*r == '\\' && r[1] != '\0') {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Replay one record line (without its '\n'); -1 when it is damaged. */
static int
replay_record(struct correlate *c, char *line)
{
	char *f[RECORD_FIELDS], *p = line, *end;
	size_t len[RECORD_FIELDS];
	struct correlate_fact fact;
	struct correlate_result res;
	long long v[5];
	int i;

	for (i = 0; i < RECORD_FIELDS; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if ((p == NULL) != (i == RECORD_FIELDS - 1))
			return -1;
		if (p != NULL)
			*p++ = '\0';
	}
	for (i = 0; i < 5; i++) {
		errno = 0;
		v[i] = strtoll(f[i + 1], &end, 10);
		if (errno != 0 || *end != '\0' || end == f[i + 1])
			return -1;
	}
	if ((f[0][0] != 'F' && f[0][0] != 'E') || f[0][1] != '\0' || v[0] < 1 ||
	    v[0] > DETECT_FACT_SESSION || v[2] < 0 || v[2] > TIME_MAX_S || v[3] < 0 ||
	    v[3] > 2 * TIME_MAX_S || v[4] < -TIME_MAX_US || v[4] > TIME_MAX_US)
		return -1;
	for (i = 6; i < RECORD_FIELDS; i++)
		len[i] = unescape(f[i]);
	memset(&fact, 0, sizeof(fact));
	memset(&res, 0, sizeof(res));
	fact.scope = (struct slice){f[6], len[6]};
	fact.account = (struct slice){f[7], len[7]};
	fact.account_id = (struct slice){f[8], len[8]};
	fact.group = (struct slice){f[9], len[9]};
	fact.actor = (struct slice){f[10], len[10]};
	fact.rule_id = f[11];
	fact.raw = (struct slice){f[12], len[12]};
	fact.received = v[2];
	fact.event_us = v[4];
	if (f[0][0] == 'F') {
		fact.kind = (enum detect_fact)v[0];
		apply_fact(c, &fact, &res);
		correlate_result_clear(&res);
	} else {
		/* E: kind is an entry kind + 1 */
		char key[FIELD_MAX + 1];
		struct scope *sc;
		struct entry *e;

		if (v[0] > ENTRY_SESSION + 1)
			return -1;
		scope_key(fact.scope, key, sizeof(key));
		if ((sc = scope_find(c, key, true)) == NULL)
			return -1;
		if ((e = entry_new((enum entry_kind)(v[0] - 1), &fact, fact.actor)) == NULL) {
			scope_release(c, sc);
			return -1;
		}
		e->done = v[1] != 0;
		e->expires = v[3];
		entry_keep(c, sc, e, fact.received);
		scope_release(c, sc); /* when the state was full */
	}
	return 0;
}

/* Read the journal back; damaged records are counted and skipped. */
static int
journal_replay(struct correlate *c, char *err, size_t errlen)
{
	FILE *fp = fopen(c->journal_path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL) {
		if (errno == ENOENT)
			return 0;
		set_err(err, errlen, "%s: %s", c->journal_path, strerror(errno));
		return -1;
	}
	c->replaying = true;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] != '\n' || n > RECORD_MAX || (line[n - 1] = '\0',
		    replay_record(c, line) == -1))
			c->st.bad_records++; /* a torn last record, or damage */
	}
	c->replaying = false;
	free(line);
	fclose(fp);
	if (c->st.bad_records > 0)
		log_warnx("correlate: %s: %llu damaged records skipped", c->journal_path,
		    (unsigned long long)c->st.bad_records);
	return 0;
}

/* Replay the journal of state_dir, then start it afresh as a snapshot. */
static int
journal_open(struct correlate *c, int64_t now, char *err, size_t errlen)
{
	const char *dir = c->set.state_dir;
	size_t n = strlen(dir) + sizeof(JOURNAL_NAME) + 8;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		set_err(err, errlen, "correlate state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((c->journal_path = malloc(n)) == NULL || (c->journal_tmp = malloc(n)) == NULL) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	snprintf(c->journal_path, n, "%s/%s", dir, JOURNAL_NAME);
	snprintf(c->journal_tmp, n, "%s/%s.tmp", dir, JOURNAL_NAME);
	if (journal_replay(c, err, errlen) == -1)
		return -1;
	sweep_all(c, now, NULL);
	if (journal_compact(c) == -1) {
		set_err(err, errlen, "correlate state_dir %s: cannot write %s: %s", dir,
		    c->journal_tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- public ------------------------------------------------------------ */

struct correlate *
correlate_new(const struct correlate_settings *s, int64_t now, char *err, size_t errlen)
{
	struct correlate *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	LIST_INIT(&c->scopes);
	c->journal_fd = -1;
	if ((c->index = key_index_new()) == NULL) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	c->set = *s;
	c->set.state_dir = NULL;
	c->set.baseline = NULL;
	if (c->set.max_entries == 0)
		c->set.max_entries = 1;
	if ((s->state_dir != NULL && (c->set.state_dir = strdup(s->state_dir)) == NULL) ||
	    (s->baseline != NULL && (c->set.baseline = strdup(s->baseline)) == NULL)) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	if (c->set.baseline != NULL && c->set.baseline[0] != '\0' &&
	    correlate_load_baseline(c, c->set.baseline, err, errlen) == -1)
		goto fail;
	if (c->set.state_dir != NULL && c->set.state_dir[0] != '\0' &&
	    journal_open(c, now, err, errlen) == -1)
		goto fail;
	return c;
fail:
	correlate_free(c);
	return NULL;
}

void
correlate_free(struct correlate *c)
{
	struct scope *sc;
	size_t i;

	if (c == NULL)
		return;
	while ((sc = LIST_FIRST(&c->scopes)) != NULL) {
		while (!LIST_EMPTY(&sc->entries))
			entry_unlink(c, LIST_FIRST(&sc->entries));
		scope_free(c, sc);
	}
	for (i = 0; i < c->n_baseline; i++) {
		free(c->baseline[i].scope);
		free(c->baseline[i].group);
		free(c->baseline[i].member);
	}
	free(c->baseline);
	key_index_free(c->index);
	if (c->journal_fd != -1)
		close(c->journal_fd);
	free(c->journal_path);
	free(c->journal_tmp);
	free(c->set.state_dir);
	free(c->set.baseline);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
correlate_observe(struct correlate *c, const struct correlate_fact *f,
    struct correlate_result *res)
{
	memset(res, 0, sizeof(*res));
	if (c == NULL || f->kind == DETECT_FACT_NONE)
		return;
	pthread_mutex_lock(&c->lock);
	/* journal first: a fact applied but not written would be lost at a restart */
	journal_append(c, f);
	apply_fact(c, f, res);
	pthread_mutex_unlock(&c->lock);
}

void
correlate_get_stats(struct correlate *c, struct correlate_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = c->st;
	st->entries = c->n_entries;
	st->scopes = c->n_scopes;
	st->visits += key_index_visits(c->index);
	pthread_mutex_unlock(&c->lock);
}

/* NULL and "" are the same setting. */
static bool
same_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

bool
correlate_settings_equal(const struct correlate_settings *a, const struct correlate_settings *b)
{
	return a->window == b->window && a->session_window == b->session_window &&
	    same_str(a->state_dir, b->state_dir) && a->max_entries == b->max_entries &&
	    same_str(a->baseline, b->baseline) && a->threshold == b->threshold &&
	    a->alert_on_unknown == b->alert_on_unknown;
}
