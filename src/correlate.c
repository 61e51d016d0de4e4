/*
 * correlate.c: the correlations (created then admin, short-lived account,
 * admin threshold, unknown admin), their alerts, and the correlator's
 * public face (correlate.h).  The state is correlate_state.c, the baseline
 * correlate_baseline.c, the journal correlate_journal.c.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_state.h"

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

/* ---- the correlations -------------------------------------------------- */

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

	for (correlate_account_begin(&cur, c, sc, ENTRY_CREATED, f); (e = correlate_account_next(&cur)) != NULL;)
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

	for (correlate_account_begin(&cur, c, sc, ENTRY_MEMBER, f); (m = correlate_account_next(&cur)) != NULL;)
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
	if ((e = correlate_entry_new(ENTRY_CREATED, f, actor)) == NULL) {
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
	correlate_entry_keep(c, sc, e, f->received);
}

static void
on_deleted(struct correlate *c, struct scope *sc, const struct correlate_fact *f,
    struct correlate_result *res)
{
	struct account_cursor cur;
	struct entry *e;

	if ((e = find_created(c, sc, f)) != NULL && e->event_us <= f->event_us) {
		alert_add(c, res, &corr_short_lived, sc->name, f, e);
		correlate_entry_unlink(c, e);
	}
	/* a deleted account is no longer an admin anywhere in the scope */
	for (correlate_account_begin(&cur, c, sc, ENTRY_MEMBER, f); (e = correlate_account_next(&cur)) != NULL;)
		correlate_entry_unlink(c, e);
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
	for (correlate_account_begin(&cur, c, sc, ENTRY_MEMBER, f); !known && (e = correlate_account_next(&cur)) != NULL;)
		known = str_eq_fold(e->group, group);
	if (known || correlate_in_baseline(c, sc->name, group, member))
		return;
	count = correlate_admin_count(c, sc, group) + 1;
	if (c->set.threshold > 0 && count > c->set.threshold) {
		struct correlate_alert *a = alert_add(c, res, &corr_threshold, sc->name, f, NULL);

		if (a != NULL)
			a->count = count;
	} else if (c->set.alert_on_unknown)
		alert_add(c, res, &corr_unknown, sc->name, f, NULL);
	if ((e = correlate_entry_new(ENTRY_MEMBER, f, f->actor)) == NULL) {
		c->st.overflow++;
		return;
	}
	e->expires = 0;
	correlate_entry_keep(c, sc, e, f->received);
}

static void
on_session(struct correlate *c, struct scope *sc, const struct correlate_fact *f)
{
	struct entry *e;

	if (slice_empty(f->actor))
		return;
	if ((e = correlate_entry_new(ENTRY_SESSION, f, f->actor)) == NULL) {
		c->st.overflow++;
		return;
	}
	e->expires = f->received + c->set.session_window;
	correlate_entry_keep(c, sc, e, f->received);
}

/* Apply a fact to the state (the lock is held). */
void
correlate_apply(struct correlate *c, const struct correlate_fact *f, struct correlate_result *res)
{
	char key[FIELD_MAX + 1];
	struct scope *sc;

	correlate_scope_key(f->scope, key, sizeof(key));
	if ((sc = correlate_scope_find(c, key, true)) == NULL) {
		c->st.overflow++;
		return;
	}
	correlate_scope_sweep(c, sc, f->received);
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
	correlate_scope_release(c, sc);
}

/* ---- public ------------------------------------------------------------ */

struct correlate *
correlate_new(const struct correlate_settings *s, int64_t now, char *err, size_t errlen)
{
	struct correlate *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		correlate_set_err(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	LIST_INIT(&c->scopes);
	c->journal_fd = -1;
	if ((c->index = key_index_new()) == NULL) {
		correlate_set_err(err, errlen, "out of memory");
		goto fail;
	}
	c->set = *s;
	c->set.state_dir = NULL;
	c->set.baseline = NULL;
	if (c->set.max_entries == 0)
		c->set.max_entries = 1;
	if ((s->state_dir != NULL && (c->set.state_dir = strdup(s->state_dir)) == NULL) ||
	    (s->baseline != NULL && (c->set.baseline = strdup(s->baseline)) == NULL)) {
		correlate_set_err(err, errlen, "out of memory");
		goto fail;
	}
	if (c->set.baseline != NULL && c->set.baseline[0] != '\0' &&
	    correlate_load_baseline(c, c->set.baseline, err, errlen) == -1)
		goto fail;
	if (c->set.state_dir != NULL && c->set.state_dir[0] != '\0' &&
	    correlate_journal_open(c, now, err, errlen) == -1)
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

	if (c == NULL)
		return;
	while ((sc = LIST_FIRST(&c->scopes)) != NULL) {
		while (!LIST_EMPTY(&sc->entries))
			correlate_entry_unlink(c, LIST_FIRST(&sc->entries));
		correlate_scope_free(c, sc);
	}
	correlate_baseline_free(c);
	key_index_free(c->index);
	correlate_journal_close(c);
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
	correlate_journal_append(c, f);
	correlate_apply(c, f, res);
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
