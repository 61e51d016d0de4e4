/*
 * correlate_state.h: the correlator's own view of its state, shared by its
 * four files and by no other module (others use correlate.h):
 *
 *   correlate_state.c     hosts (scopes) and their entries: find, keep
 *                         within max_entries, expire, index
 *   correlate_baseline.c  the admin baseline file and the admin counts
 *   correlate_journal.c   the journal: append, snapshot, replay at start
 *   correlate.c           the correlations, their alerts, the public API
 *
 * Every function here is called with c->lock held (or before the
 * correlator is shared: start-up, replay).
 */
#ifndef LOGWARD_CORRELATE_STATE_H
#define LOGWARD_CORRELATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/queue.h>

#include "correlate.h"
#include "correlate_index.h"

/* Longest field kept (account, group, ...) and evidence line, in bytes. */
#define FIELD_MAX 255
#define RAW_MAX 4096
/* Sessions kept per scope: the newest; older ones only matter less. */
#define SESSIONS_PER_SCOPE 16

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
 * correlate_entry_unlink takes it out of all of them.
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
	int64_t full_swept;   /* receipt clock of the last correlate_sweep_all when full */
	size_t n_scopes;      /* scopes holding at least one entry (between facts) */
	struct correlate_stats st;
};

/* The scope, entry or admin group that a node is part of. */
#define CONTAINER_OF(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

static inline bool
slice_empty(struct slice s)
{
	return s.p == NULL || s.len == 0 || (s.len == 1 && s.p[0] == '-');
}

static inline bool
str_eq_slice(const char *a, struct slice b)
{
	size_t n = b.len > FIELD_MAX ? FIELD_MAX : b.len;

	return a != NULL && a[0] != '\0' && strlen(a) == n && memcmp(a, b.p, n) == 0;
}

static inline bool
str_eq_fold(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static inline struct slice
cslice(const char *s)
{
	struct slice r = {s, s != NULL ? strlen(s) : 0};

	return r;
}

static inline int64_t
span_us(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

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

/* Format a message into err (errlen 0: none). */
void correlate_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The scope key of a host name into out (cap bytes): cut at its first '.', lower case. */
void correlate_scope_key(struct slice s, char *out, size_t cap);
/* The scope called key, created (when create) if c has none; NULL when none or out of memory. */
struct scope *correlate_scope_find(struct correlate *c, const char *key, bool create);
/* Free sc, which holds no entry. */
void correlate_scope_free(struct correlate *c, struct scope *sc);
/* Free sc if it holds no entry: a host lives only as long as one of its entries. */
void correlate_scope_release(struct correlate *c, struct scope *sc);

/* A new entry holding copies of the fact's strings; NULL when out of memory.  Caller
 * hands it to correlate_entry_keep (or frees it). */
struct entry *correlate_entry_new(enum entry_kind kind, const struct correlate_fact *f,
    struct slice actor);
/* Keep e (takes ownership) in sc, or free it and count it when the state is full. */
bool correlate_entry_keep(struct correlate *c, struct scope *sc, struct entry *e, int64_t now);
/* Take e out of its scope and the indexes, and free it. */
void correlate_entry_unlink(struct correlate *c, struct entry *e);
/* Drop the entries of sc that expired before now (the receipt clock). */
void correlate_scope_sweep(struct correlate *c, struct scope *sc, int64_t now);
/* Sweep every scope and free those left empty, except keep (NULL: none). */
void correlate_sweep_all(struct correlate *c, int64_t now, struct scope *keep);
/* The learned admin group of sc called group (without case), or NULL. */
struct admin_group *correlate_group_find(struct correlate *c, struct scope *sc, const char *group);

/* Walk the entries of kind in sc that are the fact's account; NULL at the end. */
void correlate_account_begin(struct account_cursor *cur, struct correlate *c, struct scope *sc,
    enum entry_kind kind, const struct correlate_fact *f);
struct entry *correlate_account_next(struct account_cursor *cur);

/* correlate_baseline.c: is member a baseline member of group in scope? */
bool correlate_in_baseline(const struct correlate *c, const char *scope, const char *group,
    const char *member);
/* Members of group in sc: the baseline's and those learned. */
unsigned correlate_admin_count(struct correlate *c, struct scope *sc, const char *group);
/* Free the baseline's lines. */
void correlate_baseline_free(struct correlate *c);

/* correlate_journal.c: replay state_dir's journal, then rewrite it as a snapshot. */
int correlate_journal_open(struct correlate *c, int64_t now, char *err, size_t errlen);
/* Append the fact f to the journal (before it is applied). */
void correlate_journal_append(struct correlate *c, const struct correlate_fact *f);
/* Close the journal and free its paths. */
void correlate_journal_close(struct correlate *c);

/* correlate.c: apply a fact to the state and the correlations (replay: no alerts). */
void correlate_apply(struct correlate *c, const struct correlate_fact *f,
    struct correlate_result *res);

#endif
