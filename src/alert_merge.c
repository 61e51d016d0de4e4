/*
 * alert_merge.c: the alerts of one incident held for a short window and
 * written as one (alert_merge.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "alert_merge.h"
#include "correlate_index.h"
#include "webhook.h"

/* One open window: the alert lines of one incident so far. */
struct incident {
	struct key_node node;          /* in the table's index, keyed by key */
	struct incident *next;         /* the table's list, oldest first */
	char *key;                     /* host NUL account NUL technique; owned */
	size_t key_len;
	int64_t opened_ms;             /* its first alert's time (see alert_merge.h) */
	struct strbuf lines;           /* each LF-terminated */
	unsigned n_lines;
};

struct alert_merge {
	pthread_mutex_t lock;
	struct key_index *index;
	struct incident *oldest, *newest;
	size_t n_open, max_open;
	int64_t window_ms;
	bool sequential;
	atomic_uint_fast64_t merged;
	atomic_uint_fast64_t unmerged[ALERT_MERGE_REASONS];
};

/* What makes two alerts one incident, parsed from an alert line. */
struct incident_key {
	struct strbuf key;
	int64_t event_ms;              /* its @timestamp; 0 when it has none */
};

/* The string at a two-level path ("host", "hostname"), or NULL. */
static const char *
member_str(struct json_object *o, const char *outer, const char *inner)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, outer, &v) || !json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, inner, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * The technique of a single-line alert: threat.technique.id is an array
 * (ECS), of one id; NULL when absent or when it holds more than one.
 */
static const char *
technique_of(struct json_object *threat)
{
	struct json_object *v;

	if (!json_object_is_type(threat, json_type_object) ||
	    !json_object_object_get_ex(threat, "technique", &v) ||
	    !json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, "id", &v))
		return NULL;
	if (json_object_is_type(v, json_type_array)) {
		if (json_object_array_length(v) != 1)
			return NULL;
		v = json_object_array_get_idx(v, 0);
	}
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* "2026-11-27T10:00:00.123456Z" (syslog_time_format's shape) in ms; 0 otherwise. */
static int64_t
timestamp_ms(const char *ts)
{
	struct tm tm;
	int usec = 0, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (ts == NULL || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec, &n) != 7 || n == 0)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + usec / 1000;
}

/*
 * The incident key of an alert line: 0, or -1 when it is never held (not
 * an object, a correlation, no account or technique).  k->key is reset.
 */
static int
incident_key_of(const char *line, size_t len, struct incident_key *k)
{
	struct json_object *o, *lw, *v;
	const char *host, *account, *technique;
	int rc = -1;

	if ((o = webhook_alert_parse(line, len)) == NULL)
		return -1;
	/* a correlation links its lines already; its technique is an array when it has two */
	if (json_object_object_get_ex(o, "logward", &lw) && json_object_is_type(lw, json_type_object) &&
	    json_object_object_get_ex(lw, "correlation", NULL))
		goto done;
	host = member_str(o, "host", "hostname");
	account = json_object_object_get_ex(o, "user", &v) ? member_str(v, "target", "name") : NULL;
	technique = json_object_object_get_ex(o, "threat", &v) ? technique_of(v) : NULL;
	if (account == NULL || account[0] == '\0' || technique == NULL)
		goto done;
	strbuf_reset(&k->key);
	/* NUL-separated: no value holds a NUL (json_writer writes \u0000), so no two keys collide */
	if (strbuf_append_str(&k->key, host != NULL ? host : "") == -1 ||
	    strbuf_append_char(&k->key, '\0') == -1 || strbuf_append_str(&k->key, account) == -1 ||
	    strbuf_append_char(&k->key, '\0') == -1 || strbuf_append_str(&k->key, technique) == -1)
		goto done;
	k->event_ms = json_object_object_get_ex(o, "@timestamp", &v) &&
	    json_object_is_type(v, json_type_string) ? timestamp_ms(json_object_get_string(v)) : 0;
	rc = 0;
done:
	if (o != NULL)
		json_object_put(o);
	return rc;
}

struct alert_merge *
alert_merge_new(int64_t window_ms, size_t max_open, bool sequential)
{
	struct alert_merge *m = calloc(1, sizeof(*m));
	size_t i;

	if (m == NULL || (m->index = key_index_new()) == NULL) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->window_ms = window_ms;
	m->max_open = sequential ? 1 : max_open;
	m->sequential = sequential;
	atomic_init(&m->merged, 0);
	for (i = 0; i < ALERT_MERGE_REASONS; i++)
		atomic_init(&m->unmerged[i], 0);
	return m;
}

static void
incident_free(struct incident *in)
{
	strbuf_free(&in->lines);
	free(in->key);
	free(in);
}

void
alert_merge_free(struct alert_merge *m)
{
	struct incident *in, *next;

	if (m == NULL)
		return;
	for (in = m->oldest; in != NULL; in = next) {
		next = in->next;
		incident_free(in);
	}
	key_index_free(m->index);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Has in's window closed by now (or the clock stepped back past it)? */
static bool
incident_closed(const struct alert_merge *m, const struct incident *in, int64_t now)
{
	return now >= in->opened_ms + m->window_ms || now < in->opened_ms - m->window_ms;
}

/* The open incident of key k that a line at now joins, or NULL (lock held). */
static struct incident *
incident_find(struct alert_merge *m, const struct incident_key *k, int64_t now)
{
	uint64_t h = key_index_hash(m->index, m, 0, k->key.data, k->key.len, false);
	struct key_node *n;

	for (n = key_index_first(m->index, m, 0, h); n != NULL; n = key_index_next(m->index, n)) {
		struct incident *in = (struct incident *)((char *)n - offsetof(struct incident, node));

		if (in->key_len == k->key.len && memcmp(in->key, k->key.data, k->key.len) == 0 &&
		    !incident_closed(m, in, now))
			return in;
	}
	return NULL;
}

/* The line's clock: receipt (the caller's now), or its own @timestamp (sequential). */
static int64_t
line_time(const struct alert_merge *m, const struct incident_key *k, int64_t now)
{
	return m->sequential ? k->event_ms : now;
}

/* Open a window for key k at now holding line (lock held).  -1: out of memory. */
static int
incident_open(struct alert_merge *m, const struct incident_key *k, const char *line, size_t len,
    int64_t now)
{
	struct incident *in = calloc(1, sizeof(*in));

	if (in == NULL || (in->key = malloc(k->key.len)) == NULL) {
		free(in);
		return -1;
	}
	memcpy(in->key, k->key.data, k->key.len);
	in->key_len = k->key.len;
	in->opened_ms = now;
	strbuf_init(&in->lines);
	if (strbuf_append(&in->lines, line, len) == -1 || strbuf_append_char(&in->lines, '\n') == -1) {
		incident_free(in);
		return -1;
	}
	in->n_lines = 1;
	key_index_insert(m->index, &in->node, m, 0,
	    key_index_hash(m->index, m, 0, k->key.data, k->key.len, false));
	if (m->newest != NULL)
		m->newest->next = in;
	else
		m->oldest = in;
	m->newest = in;
	m->n_open++;
	return 0;
}

/* Give a line back to be written on its own, counted by reason. */
static int
unmerged(struct alert_merge *m, enum alert_merge_reason r)
{
	atomic_fetch_add_explicit(&m->unmerged[r], 1, memory_order_relaxed);
	return 0;
}

int
alert_merge_offer(struct alert_merge *m, const char *line, size_t len, int64_t now)
{
	struct incident_key k;
	struct incident *in;
	int rc;

	strbuf_init(&k.key);
	if (incident_key_of(line, len, &k) == -1) {
		strbuf_free(&k.key);
		return 0;
	}
	now = line_time(m, &k, now);
	pthread_mutex_lock(&m->lock);
	if ((in = incident_find(m, &k, now)) != NULL) {
		if (in->n_lines >= ALERT_MERGE_LINES_MAX)
			rc = unmerged(m, ALERT_MERGE_INCIDENT_FULL);
		else if (strbuf_append(&in->lines, line, len) == -1 ||
		    strbuf_append_char(&in->lines, '\n') == -1)
			rc = unmerged(m, ALERT_MERGE_NO_MEMORY);
		else {
			in->n_lines++;
			atomic_fetch_add_explicit(&m->merged, 1, memory_order_relaxed);
			rc = 1;
		}
	} else if (m->n_open >= m->max_open)
		rc = unmerged(m, ALERT_MERGE_TABLE_FULL);
	else if (incident_open(m, &k, line, len, now) == -1)
		rc = unmerged(m, ALERT_MERGE_NO_MEMORY);
	else
		rc = 1;
	pthread_mutex_unlock(&m->lock);
	strbuf_free(&k.key);
	return rc;
}

enum alert_merge_fit
alert_merge_fit(struct alert_merge *m, const char *line, size_t len)
{
	struct incident_key k;
	enum alert_merge_fit fit = ALERT_MERGE_NEVER;

	strbuf_init(&k.key);
	if (incident_key_of(line, len, &k) == 0) {
		pthread_mutex_lock(&m->lock);
		fit = incident_find(m, &k, line_time(m, &k, 0)) != NULL ? ALERT_MERGE_JOINS :
		    ALERT_MERGE_OTHER;
		pthread_mutex_unlock(&m->lock);
	}
	strbuf_free(&k.key);
	return fit;
}

bool
alert_merge_outlived(struct alert_merge *m, const char *line, size_t len)
{
	struct json_object *o = webhook_alert_parse(line, len), *ts;
	int64_t t;
	bool closed = false;

	if (o == NULL)
		return false;
	if (json_object_object_get_ex(o, "@timestamp", &ts) && json_object_is_type(ts, json_type_string) &&
	    (t = timestamp_ms(json_object_get_string(ts))) != 0) {
		pthread_mutex_lock(&m->lock);
		closed = m->oldest != NULL && incident_closed(m, m->oldest, t);
		pthread_mutex_unlock(&m->lock);
	}
	json_object_put(o);
	return closed;
}

/* Add v (a reference taken) under key to o when v is not NULL. */
static void
add_ref(struct json_object *o, const char *key, struct json_object *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_object_get(v));
}

/* The member at outer.inner of o, or NULL. */
static struct json_object *
member(struct json_object *o, const char *outer, const char *inner)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, outer, &v))
		return NULL;
	if (inner == NULL)
		return v;
	if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, inner, &v))
		return NULL;
	return v;
}

/* One evidence entry of alert a: @timestamp, event.id, event.original, rule.id. */
static struct json_object *
evidence_of(struct json_object *a)
{
	struct json_object *e = json_object_new_object(), *ev, *rule;

	if (e == NULL)
		return NULL;
	add_ref(e, "@timestamp", member(a, "@timestamp", NULL));
	if ((ev = json_object_new_object()) != NULL) {
		add_ref(ev, "id", member(a, "event", "id"));
		add_ref(ev, "original", member(a, "event", "original"));
		json_object_object_add(e, "event", ev);
	}
	if ((rule = json_object_new_object()) != NULL) {
		add_ref(rule, "id", member(a, "rule", "id"));
		json_object_object_add(e, "rule", rule);
	}
	return e;
}

/*
 * The alert of an incident of several lines: the first, with
 * logward.incident {count, evidence}.  0, or -1 (out restored).
 */
static int
incident_format(const struct incident *in, struct strbuf *out)
{
	struct json_object *first = NULL, *lw, *inc = NULL, *evidence = NULL;
	struct json_writer w;
	size_t start = out->len, i, eol;
	int rc = -1;

	if ((inc = json_object_new_object()) == NULL || (evidence = json_object_new_array()) == NULL)
		goto done;
	for (i = 0; i < in->lines.len; i = eol + 1) {
		struct json_object *a, *e;

		eol = (size_t)((const char *)memchr(in->lines.data + i, '\n', in->lines.len - i) -
		    in->lines.data);
		if ((a = webhook_alert_parse(in->lines.data + i, eol - i)) == NULL)
			goto done;
		if ((e = evidence_of(a)) == NULL) {
			json_object_put(a);
			goto done;
		}
		json_object_array_add(evidence, e);
		if (first == NULL)
			first = a;
		else
			json_object_put(a);
	}
	if (first == NULL)
		goto done;
	json_object_object_add(inc, "count", json_object_new_int64((int64_t)in->n_lines));
	json_object_object_add(inc, "evidence", evidence);
	evidence = NULL;
	/* --test-rules' logward.explain may be there already: add to it */
	if (!json_object_object_get_ex(first, "logward", &lw) ||
	    !json_object_is_type(lw, json_type_object)) {
		if ((lw = json_object_new_object()) == NULL)
			goto done;
		json_object_object_add(first, "logward", lw);
	}
	json_object_object_add(lw, "incident", inc);
	inc = NULL;
	json_writer_init(&w, out);
	json_value_fjson(&w, first);
	if (!w.failed && strbuf_append_char(out, '\n') == 0)
		rc = 0;
done:
	if (rc == -1)
		out->len = start;
	if (first != NULL)
		json_object_put(first);
	if (inc != NULL)
		json_object_put(inc);
	if (evidence != NULL)
		json_object_put(evidence);
	return rc;
}

size_t
alert_merge_flush(struct alert_merge *m, int64_t now, struct strbuf *out)
{
	struct incident *in;
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	while ((in = m->oldest) != NULL && (now == INT64_MAX || incident_closed(m, in, now))) {
		m->oldest = in->next;
		if (m->oldest == NULL)
			m->newest = NULL;
		key_index_remove(m->index, &in->node);
		m->n_open--;
		if (in->n_lines == 1) {
			/* alone: the line as it was made */
			if (strbuf_append(out, in->lines.data, in->lines.len) == 0)
				n++;
		} else if (incident_format(in, out) == 0)
			n++;
		else if (strbuf_append(out, in->lines.data, in->lines.len) == 0) {
			n += in->n_lines;
			atomic_fetch_add_explicit(&m->unmerged[ALERT_MERGE_NO_MEMORY], in->n_lines,
			    memory_order_relaxed);
		}
		incident_free(in);
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

size_t
alert_merge_open(struct alert_merge *m)
{
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->n_open;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void
alert_merge_get_stats(struct alert_merge *m, struct alert_merge_stats *out)
{
	size_t i;

	out->merged = atomic_load_explicit(&m->merged, memory_order_relaxed);
	for (i = 0; i < ALERT_MERGE_REASONS; i++)
		out->unmerged[i] = atomic_load_explicit(&m->unmerged[i], memory_order_relaxed);
	out->open = alert_merge_open(m);
}

const char *
alert_merge_reason_name(enum alert_merge_reason r)
{
	switch (r) {
	case ALERT_MERGE_TABLE_FULL:
		return "table_full";
	case ALERT_MERGE_INCIDENT_FULL:
		return "incident_full";
	case ALERT_MERGE_NO_MEMORY:
		return "no_memory";
	case ALERT_MERGE_REASONS:
		break;
	}
	return "?";
}
