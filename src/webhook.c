/*
 * webhook.c: the bodies of the webhook formats and the Standard Webhooks
 * signature (webhook.h).  An alert line is parsed at most once, with
 * libfastjson (struct webhook_alert); everything sent is written through
 * the json_writer.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "alert_id.h"
#include "markup_escape.h"
#include "webhook.h"

#define SECRET_MAX 4096

static const char *const severity_names[] = { "none", "low", "medium", "high", "critical" };

int
webhook_format_parse(const char *s, enum webhook_format *f)
{
	if (strcmp(s, "standard") == 0)
		*f = WEBHOOK_STANDARD;
	else if (strcmp(s, "slack") == 0)
		*f = WEBHOOK_SLACK;
	else if (strcmp(s, "alertmanager") == 0)
		*f = WEBHOOK_ALERTMANAGER;
	else if (strcmp(s, "alertmanager-webhook") == 0)
		*f = WEBHOOK_ALERTMANAGER_WEBHOOK;
	else if (strcmp(s, "teams") == 0)
		*f = WEBHOOK_TEAMS;
	else
		return -1;
	return 0;
}

const char *
webhook_format_name(enum webhook_format f)
{
	switch (f) {
	case WEBHOOK_STANDARD:
		return "standard";
	case WEBHOOK_SLACK:
		return "slack";
	case WEBHOOK_ALERTMANAGER:
		return "alertmanager";
	case WEBHOOK_ALERTMANAGER_WEBHOOK:
		return "alertmanager-webhook";
	case WEBHOOK_TEAMS:
		return "teams";
	}
	return "?";
}

int
webhook_severity_parse(const char *s)
{
	int i;

	for (i = 1; i <= 4; i++)
		if (strcmp(s, severity_names[i]) == 0)
			return i;
	return -1;
}

const char *
webhook_severity_name(int rank)
{
	return rank >= 0 && rank <= 4 ? severity_names[rank] : "?";
}

struct json_object *
webhook_alert_parse(const char *line, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (len > INT32_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, line, (int)len);
	json_tokener_free(tok);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The member at a dotted path ("user.target.name"), or NULL. */
static struct json_object *
alert_get(struct json_object *o, const char *path)
{
	char key[64];

	while (o != NULL && *path != '\0') {
		const char *dot = strchr(path, '.');
		size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot != NULL);
	}
	return o;
}

/* The string at path (the first of an array), or NULL when missing or not a string. */
static const char *
alert_str(struct json_object *o, const char *path)
{
	struct json_object *v = alert_get(o, path);

	/* a correlation's two techniques are an array: the first stands for it */
	if (v != NULL && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) > 0)
		v = json_object_array_get_idx(v, 0);
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Severity rank of a parsed alert (labels.severity, else event.severity). */
static int
alert_severity(struct json_object *o)
{
	const char *word = alert_str(o, "labels.severity");
	struct json_object *num;
	int64_t n;
	int rank;

	if (word != NULL && (rank = webhook_severity_parse(word)) > 0)
		return rank;
	num = alert_get(o, "event.severity");
	if (num == NULL || !json_object_is_type(num, json_type_int))
		return 0;
	n = json_object_get_int64(num);
	/* doc/detections.md: 21 low, 47 medium, 73 high, 99 critical */
	return n >= 99 ? 4 : n >= 73 ? 3 : n >= 47 ? 2 : n >= 21 ? 1 : 0;
}

void
webhook_alert_init(struct webhook_alert *a, const char *line, size_t len)
{
	a->line = line;
	a->len = len;
	a->o = NULL;
	a->parsed = false;
}

void
webhook_alert_release(struct webhook_alert *a)
{
	if (a->o != NULL)
		json_object_put(a->o);
	a->o = NULL;
	a->parsed = false;
}

/* The parsed alert (parsing it the first time), or NULL unless an object. */
static struct json_object *
alert_object(struct webhook_alert *a)
{
	if (!a->parsed) {
		a->o = webhook_alert_parse(a->line, a->len);
		a->parsed = true;
	}
	return a->o;
}

int
webhook_alert_id(struct webhook_alert *a, const char *webhook, char out[ALERT_ID_LEN + 1])
{
	struct json_object *o = alert_object(a);
	const char *id = o != NULL ? alert_str(o, "event.id") : NULL;

	if (id == NULL || id[0] == '\0')
		return -1;
	return alert_id_webhook(id, strlen(id), webhook, out);
}

int
webhook_alert_severity(struct webhook_alert *a)
{
	struct json_object *o = alert_object(a);

	return o != NULL ? alert_severity(o) : 0;
}

/* Standard Webhooks "type": dotted, from the ATT&CK technique. */
static const char *
standard_type(struct json_object *o)
{
	const char *t = alert_str(o, "threat.technique.id");

	if (t != NULL && strncmp(t, "T1136", 5) == 0)
		return "account.created";
	if (t != NULL && strncmp(t, "T1098", 5) == 0)
		return "account.privilege_granted";
	return "detection.alert";
}

/* The alert's time, else now, as RFC 3339 into buf. */
static const char *
alert_time(struct json_object *o, char *buf, size_t size)
{
	const char *ts = alert_str(o, "@timestamp");
	time_t now;
	struct tm tm;

	if (ts != NULL)
		return ts;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* A member whose key and value are literals. */
static void
put_str(struct json_writer *w, const char *key, const char *value)
{
	json_key_ascii(w, key, strlen(key));
	json_cstring(w, value);
}

/* The folded count of a storm summary (logward.storm.count), 0 for a plain alert. */
static int64_t
alert_storm_count(struct json_object *o)
{
	struct json_object *v = alert_get(o, "logward.storm.count");

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

/* Append an escaped string, or a dash when it is missing or empty. */
static void
append_field(struct strbuf *t, const char *v, const struct markup_policy *esc)
{
	if (v == NULL || *v == '\0')
		strbuf_append_str(t, "-");
	else
		markup_escape(t, v, strlen(v), esc);
}

/* The field at path, then the one at path2 when the alert has it. */
static void
append_fields(struct strbuf *t, struct json_object *o, const char *path, const char *path2,
    const struct markup_policy *esc)
{
	append_field(t, alert_str(o, path), esc);
	if (path2 != NULL && alert_str(o, path2) != NULL) {
		strbuf_append_str(t, " ");
		append_field(t, alert_str(o, path2), esc);
	}
}

/* The actor (user.name) escaped, or "actor unknown": a dash reads as a name. */
static void
append_actor(struct strbuf *t, struct json_object *o, const struct markup_policy *esc)
{
	const char *v = alert_str(o, "user.name");

	if (v == NULL || *v == '\0')
		strbuf_append_str(t, "actor unknown");
	else
		markup_escape(t, v, strlen(v), esc);
}

/* ", event ID" when the alert has an event.id: the key to its record in the SIEM. */
static void
append_event_id(struct strbuf *t, struct json_object *o, const struct markup_policy *esc)
{
	const char *v = alert_str(o, "event.id");

	if (v == NULL || *v == '\0')
		return;
	strbuf_append_str(t, ", event ");
	markup_escape(t, v, strlen(v), esc);
}

/* Longest text gathered from a correlation's evidence before escaping cuts it. */
#define WEBHOOK_LINES_MAX 4096

/*
 * The log line(s) of an alert, escaped and cut by esc: an incident's
 * lines (alert_merge.h), else event.original (already redacted when the
 * alert was made), else a correlation's evidence lines, one after the
 * other (the escaping turns their line feeds into spaces).
 * Nothing when there is none.
 */
static void
append_lines(struct strbuf *t, struct json_object *o, const struct markup_policy *esc)
{
	const char *v = alert_str(o, "event.original");
	struct json_object *ev = alert_get(o, "logward.incident.evidence");
	struct strbuf all;
	size_t i, n;

	if (ev == NULL && v != NULL) {
		markup_escape(t, v, strlen(v), esc);
		return;
	}
	if (ev == NULL)
		ev = alert_get(o, "logward.correlation.evidence");
	if (ev == NULL || !json_object_is_type(ev, json_type_array))
		return;
	strbuf_init(&all);
	n = json_object_array_length(ev);
	for (i = 0; i < n && all.len < WEBHOOK_LINES_MAX; i++) {
		const char *line = alert_str(json_object_array_get_idx(ev, i), "event.original");

		if (line == NULL)
			continue;
		if (all.len > 0)
			strbuf_append_char(&all, '\n');
		strbuf_append_str(&all, line);
	}
	if (all.len > 0)
		markup_escape(t, all.data, all.len, esc);
	strbuf_free(&all);
}

/* Has the alert a line to show (append_lines)? */
static bool
has_lines(struct json_object *o)
{
	return alert_str(o, "event.original") != NULL ||
	    alert_get(o, "logward.incident.evidence") != NULL ||
	    alert_get(o, "logward.correlation.evidence") != NULL;
}

/* "N more alerts like this between FIRST and LAST (window W s)". */
static void
storm_text(struct strbuf *t, struct json_object *o, const struct markup_policy *esc)
{
	struct json_object *win = alert_get(o, "logward.storm.window");
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)alert_storm_count(o));
	strbuf_append_str(t, num);
	strbuf_append_str(t, " more alerts like this between ");
	append_field(t, alert_str(o, "logward.storm.first"), esc);
	strbuf_append_str(t, " and ");
	append_field(t, alert_str(o, "logward.storm.last"), esc);
	if (win != NULL && json_object_is_type(win, json_type_int)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(win));
		strbuf_append_str(t, " (storm window ");
		strbuf_append_str(t, num);
		strbuf_append_str(t, " s)");
	}
}

/* Standard Webhooks payload: the alert object under "data". */
static void
body_standard(struct json_writer *w, struct json_object *o)
{
	char tbuf[32];

	json_object_begin(w);
	json_key_ascii(w, "type", 4);
	json_cstring(w, standard_type(o));
	json_key_ascii(w, "timestamp", 9);
	json_cstring(w, alert_time(o, tbuf, sizeof(tbuf)));
	json_key_ascii(w, "data", 4);
	json_value_fjson(w, o);
	json_object_end(w);
}

/* Append an escaped alert field for Slack, or a dash when it is missing. */
static void
slack_field(struct strbuf *t, struct json_object *o, const char *path)
{
	append_field(t, alert_str(o, path), &markup_slack);
}

/* A Slack text object {"type":"mrkdwn","text":t} (t already escaped). */
static void
slack_mrkdwn(struct json_writer *w, const struct strbuf *t)
{
	json_object_begin(w);
	put_str(w, "type", "mrkdwn");
	json_key_ascii(w, "text", 4);
	json_string(w, t->data, t->len);
	json_object_end(w);
}

/* One mrkdwn "fields" entry: *label*\nvalue. */
static void
slack_block_field(struct json_writer *w, struct strbuf *t, const char *label,
    struct json_object *o, const char *path, const char *path2)
{
	strbuf_reset(t);
	strbuf_append_str(t, "*");
	strbuf_append_str(t, label);
	strbuf_append_str(t, "*\n");
	append_fields(t, o, path, path2, &markup_slack);
	slack_mrkdwn(w, t);
}

/* Slack's "text": the notification fallback, one line. */
static void
slack_fallback(struct strbuf *t, struct json_object *o, const char *sev)
{
	strbuf_append_str(t, "[");
	strbuf_append_str(t, sev);
	strbuf_append_str(t, "] ");
	slack_field(t, o, "rule.name");
	strbuf_append_str(t, ": account ");
	slack_field(t, o, "user.target.name");
	strbuf_append_str(t, " on ");
	slack_field(t, o, "host.hostname");
	if (alert_str(o, "user.name") != NULL) {
		strbuf_append_str(t, " by ");
		slack_field(t, o, "user.name");
	} else
		strbuf_append_str(t, ", actor unknown");
	if (alert_storm_count(o) > 0) {
		strbuf_append_str(t, "; ");
		storm_text(t, o, &markup_slack);
	}
}

/* Slack's context block: which rule, when. */
static void
slack_context(struct json_writer *w, struct strbuf *t, struct json_object *o)
{
	json_object_begin(w);
	put_str(w, "type", "context");
	json_key_ascii(w, "elements", 8);
	json_array_begin(w);
	json_object_begin(w);
	put_str(w, "type", "mrkdwn");
	json_key_ascii(w, "text", 4);
	strbuf_reset(t);
	strbuf_append_str(t, "logward rule ");
	slack_field(t, o, "rule.id");
	strbuf_append_str(t, " at ");
	slack_field(t, o, "@timestamp");
	append_event_id(t, o, &markup_slack);
	json_string(w, t->data, t->len);
	json_object_end(w);
	json_array_end(w);
	json_object_end(w);
}

/*
 * Slack: a fallback text and blocks: title, then who created which
 * account on which host, technique, severity, source.
 */
static int
body_slack(struct json_writer *w, struct json_object *o)
{
	struct strbuf t;
	const char *sev = webhook_severity_name(alert_severity(o));

	strbuf_init(&t);
	slack_fallback(&t, o, sev);
	json_object_begin(w);
	json_key_ascii(w, "text", 4);
	json_string(w, t.data, t.len);
	json_key_ascii(w, "blocks", 6);
	json_array_begin(w);

	json_object_begin(w);
	put_str(w, "type", "section");
	json_key_ascii(w, "text", 4);
	json_object_begin(w);
	put_str(w, "type", "mrkdwn");
	json_key_ascii(w, "text", 4);
	strbuf_reset(&t);
	strbuf_append_str(&t, ":rotating_light: *");
	slack_field(&t, o, "rule.name");
	strbuf_append_str(&t, "* (");
	strbuf_append_str(&t, sev);
	strbuf_append_str(&t, ")");
	json_string(w, t.data, t.len);
	json_object_end(w);
	json_object_end(w);

	json_object_begin(w);
	put_str(w, "type", "section");
	json_key_ascii(w, "fields", 6);
	json_array_begin(w);
	slack_block_field(w, &t, "Account", o, "user.target.name", "user.target.domain");
	slack_block_field(w, &t, "Host", o, "host.hostname", NULL);
	strbuf_reset(&t);
	strbuf_append_str(&t, "*By*\n");
	append_actor(&t, o, &markup_slack);
	slack_mrkdwn(w, &t);
	slack_block_field(w, &t, "Group", o, "group.name", NULL);
	slack_block_field(w, &t, "Technique", o, "threat.technique.id", "threat.technique.name");
	slack_block_field(w, &t, "Source", o, "source.ip", "observer.ingress.interface.name");
	if (alert_storm_count(o) > 0) {
		strbuf_reset(&t);
		strbuf_append_str(&t, "*Repeated*\n");
		storm_text(&t, o, &markup_slack);
		slack_mrkdwn(w, &t);
	}
	json_array_end(w);
	json_object_end(w);

	if (has_lines(o)) {
		json_object_begin(w);
		put_str(w, "type", "section");
		json_key_ascii(w, "text", 4);
		strbuf_reset(&t);
		strbuf_append_str(&t, "*Log line*\n");
		append_lines(&t, o, &markup_slack);
		slack_mrkdwn(w, &t);
		json_object_end(w);
	}

	slack_context(w, &t, o);
	json_array_end(w);
	json_object_end(w);
	strbuf_free(&t);
	return 0;
}

/* Write key: value when the alert has the string at path. */
static void
write_str_member(struct json_writer *w, const char *key, struct json_object *o, const char *path)
{
	const char *v = alert_str(o, path);

	if (v == NULL)
		return;
	json_key_ascii(w, key, strlen(key));
	json_cstring(w, v);
}

/*
 * Alertmanager label values from the network (host, account) are cut at a
 * character boundary, marked with U+2026: labels are an alert's identity,
 * kept in Alertmanager's memory and copied into every notification its
 * receivers send (Slack refuses a field over 2,000 characters), so a
 * 30,000-character account name must not travel whole.  The text is
 * otherwise the alert's own (no escaping: labels are not markup).
 */
#define ALERTMANAGER_LABEL_MAX 1024
/*
 * Annotations (summary, description, the log line) are free text, read by
 * people and templates, not identity: a larger bound, still one that keeps
 * a 64 KB message from travelling in every notification.
 */
#define ALERTMANAGER_ANNOTATION_MAX 4096

/* Write v[0..len) as a string of at most max bytes, cut at a character boundary. */
static void
write_capped(struct json_writer *w, const char *v, size_t len, size_t max)
{
	static const char cut[] = "\xe2\x80\xa6"; /* U+2026: this was cut */
	struct strbuf t;
	size_t fit;

	if (len <= max) {
		json_string(w, v, len);
		return;
	}
	/* the last character boundary that leaves room for the mark */
	fit = max - (sizeof(cut) - 1);
	while (fit > 0 && ((unsigned char)v[fit] & 0xc0) == 0x80)
		fit--;
	strbuf_init(&t);
	if (strbuf_append(&t, v, fit) == -1 || strbuf_append(&t, cut, sizeof(cut) - 1) == -1)
		w->failed = true;
	else
		json_string(w, t.data, t.len);
	strbuf_free(&t);
}

/* Write key: value (at most max bytes) when the alert has the string at path. */
static void
write_capped_member(struct json_writer *w, const char *key, struct json_object *o,
    const char *path, size_t max)
{
	const char *v = alert_str(o, path);

	if (v == NULL)
		return;
	json_key_ascii(w, key, strlen(key));
	write_capped(w, v, strlen(v), max);
}

/* Write key: value (at most ALERTMANAGER_LABEL_MAX bytes) when the alert has the string at path. */
static void
write_label_member(struct json_writer *w, const char *key, struct json_object *o,
    const char *path)
{
	write_capped_member(w, key, o, path, ALERTMANAGER_LABEL_MAX);
}

/* The Alertmanager labels object of an alert (also hashed for the fingerprint). */
static void
alertmanager_labels(struct json_writer *w, struct json_object *o)
{
	const char *rule = alert_str(o, "rule.id");

	json_object_begin(w);
	/* Alertmanager groups and routes by alertname: never leave it out */
	json_key_ascii(w, "alertname", 9);
	json_cstring(w, rule != NULL && *rule != '\0' ? rule : "logward");
	json_key_ascii(w, "severity", 8);
	json_cstring(w, webhook_severity_name(alert_severity(o)));
	write_label_member(w, "technique", o, "threat.technique.id");
	write_label_member(w, "host", o, "host.hostname");
	write_label_member(w, "account", o, "user.target.name");
	json_object_end(w);
}

/* Alertmanager's annotations: summary, description, and a storm's count. */
static void
alertmanager_annotations(struct json_writer *w, struct json_object *o)
{
	struct strbuf t;

	json_object_begin(w);
	strbuf_init(&t);
	{
		const char *v;

		v = alert_str(o, "rule.name");
		strbuf_append_str(&t, v != NULL ? v : "logward alert");
		if ((v = alert_str(o, "user.target.name")) != NULL) {
			strbuf_append_str(&t, ": ");
			strbuf_append_str(&t, v);
		}
		if ((v = alert_str(o, "host.hostname")) != NULL) {
			strbuf_append_str(&t, " on ");
			strbuf_append_str(&t, v);
		}
	}
	json_key_ascii(w, "summary", 7);
	write_capped(w, t.data, t.len, ALERTMANAGER_ANNOTATION_MAX);
	strbuf_free(&t);
	write_capped_member(w, "description", o, "message", ALERTMANAGER_ANNOTATION_MAX);
	/* the SIEM record's id; an annotation, as a label would split Alertmanager's groups */
	write_str_member(w, "event_id", o, "event.id");
	strbuf_init(&t);
	append_actor(&t, o, &markup_plain);
	json_key_ascii(w, "actor", 5);
	write_capped(w, t.data, t.len, ALERTMANAGER_ANNOTATION_MAX);
	strbuf_reset(&t);
	append_lines(&t, o, &markup_plain);
	if (t.len > 0) {
		json_key_ascii(w, "log_line", 8);
		write_capped(w, t.data, t.len, ALERTMANAGER_ANNOTATION_MAX);
	}
	strbuf_free(&t);
	if (alert_storm_count(o) > 0) {
		char num[24];

		/* annotations are strings (Alertmanager's template.KV) */
		snprintf(num, sizeof(num), "%lld", (long long)alert_storm_count(o));
		json_key_ascii(w, "count", 5);
		json_cstring(w, num);
		write_str_member(w, "storm_first", o, "logward.storm.first");
		write_str_member(w, "storm_last", o, "logward.storm.last");
	}
	json_object_end(w);
}

/* The members both Alertmanager shapes give an alert: labels, annotations, startsAt. */
static void
alertmanager_alert_members(struct json_writer *w, struct json_object *o)
{
	char tbuf[32];

	json_key_ascii(w, "labels", 6);
	alertmanager_labels(w, o);
	json_key_ascii(w, "annotations", 11);
	alertmanager_annotations(w, o);
	json_key_ascii(w, "startsAt", 8);
	json_cstring(w, alert_time(o, tbuf, sizeof(tbuf)));
}

/*
 * Alertmanager API v2 POST /api/v2/alerts: postableAlerts, an array of
 * one postableAlert (api/v2/openapi.yaml).  endsAt is left out on
 * purpose: Alertmanager then ends the alert resolve_timeout (default 5m)
 * after it receives it.  An endsAt computed from the alert's own time
 * would reach Alertmanager already past after a spool replay or a long
 * retry, and a resolved alert that never fired is never notified.
 * generatorURL is left out too: logward has no page for an alert, and the
 * spec makes it optional.
 */
static int
body_alertmanager(struct json_writer *w, struct json_object *o)
{
	json_array_begin(w);
	json_object_begin(w);
	alertmanager_alert_members(w, o);
	json_object_end(w);
	json_array_end(w);
	return 0;
}

/*
 * Alertmanager's outgoing webhook v4 (notify/webhook Message), one firing
 * alert: for receivers written against Alertmanager's webhook_config.
 */
static int
body_alertmanager_webhook(struct json_writer *w, struct json_object *o, const char *receiver)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	char fp[17];
	struct strbuf lab;
	struct json_writer lw;
	int i;

	strbuf_init(&lab);
	json_writer_init(&lw, &lab);
	alertmanager_labels(&lw, o);
	if (lw.failed) {
		strbuf_free(&lab);
		return -1;
	}
	/* Like Alertmanager's, the fingerprint is a hash of the labels. */
	SHA256((const unsigned char *)lab.data, lab.len, md);
	for (i = 0; i < 8; i++) {
		fp[2 * i] = hex[md[i] >> 4];
		fp[2 * i + 1] = hex[md[i] & 0xf];
	}
	fp[16] = '\0';
	strbuf_free(&lab);

	json_object_begin(w);
	put_str(w, "version", "4");
	json_key_ascii(w, "groupKey", 8);
	json_cstring(w, fp);
	json_key_ascii(w, "truncatedAlerts", 15);
	json_int(w, 0);
	put_str(w, "status", "firing");
	json_key_ascii(w, "receiver", 8);
	json_cstring(w, receiver);
	json_key_ascii(w, "groupLabels", 11);
	alertmanager_labels(w, o);
	json_key_ascii(w, "commonLabels", 12);
	alertmanager_labels(w, o);
	json_key_ascii(w, "commonAnnotations", 17);
	json_object_begin(w);
	json_object_end(w);
	put_str(w, "externalURL", "");
	json_key_ascii(w, "alerts", 6);
	json_array_begin(w);
	json_object_begin(w);
	put_str(w, "status", "firing");
	alertmanager_alert_members(w, o);
	put_str(w, "endsAt", "0001-01-01T00:00:00Z");
	put_str(w, "generatorURL", "");
	json_key_ascii(w, "fingerprint", 11);
	json_cstring(w, fp);
	json_object_end(w);
	json_array_end(w);
	json_object_end(w);
	return 0;
}

/* One FactSet fact: a literal title, the escaped alert field(s) as value. */
static void
teams_fact(struct json_writer *w, struct strbuf *t, const char *title, struct json_object *o,
    const char *path, const char *path2)
{
	strbuf_reset(t);
	append_fields(t, o, path, path2, &markup_teams);
	json_object_begin(w);
	json_key_ascii(w, "title", 5);
	json_cstring(w, title);
	json_key_ascii(w, "value", 5);
	json_string(w, t->data, t->len);
	json_object_end(w);
}

/* A wrapped TextBlock with optional emphasis (literal attribute values). */
static void
teams_text(struct json_writer *w, const struct strbuf *t, const char *weight, const char *color,
    bool subtle)
{
	json_object_begin(w);
	put_str(w, "type", "TextBlock");
	json_key_ascii(w, "text", 4);
	json_string(w, t->data, t->len);
	json_key_ascii(w, "wrap", 4);
	json_bool(w, true);
	if (weight != NULL) {
		json_key_ascii(w, "weight", 6);
		json_cstring(w, weight);
		put_str(w, "size", "Medium");
	}
	if (color != NULL) {
		json_key_ascii(w, "color", 5);
		json_cstring(w, color);
	}
	if (subtle) {
		json_key_ascii(w, "isSubtle", 8);
		json_bool(w, true);
		put_str(w, "size", "Small");
	}
	json_object_end(w);
}

/*
 * Microsoft Teams (incoming webhook or Workflows "post to a channel when a
 * webhook request is received"): a message with one Adaptive Card 1.4:
 * title, the storm count when folded, the facts, the rule and time.
 */
static int
body_teams(struct json_writer *w, struct json_object *o)
{
	struct strbuf t;
	const char *sev = webhook_severity_name(alert_severity(o));

	strbuf_init(&t);
	json_object_begin(w);
	put_str(w, "type", "message");
	json_key_ascii(w, "attachments", 11);
	json_array_begin(w);
	json_object_begin(w);
	put_str(w, "contentType", "application/vnd.microsoft.card.adaptive");
	json_key_ascii(w, "content", 7);
	json_object_begin(w);
	put_str(w, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
	put_str(w, "type", "AdaptiveCard");
	put_str(w, "version", "1.4");
	json_key_ascii(w, "body", 4);
	json_array_begin(w);

	append_field(&t, alert_str(o, "rule.name"), &markup_teams);
	strbuf_append_str(&t, " (");
	strbuf_append_str(&t, sev);
	strbuf_append_str(&t, ")");
	teams_text(w, &t, "Bolder", "Attention", false);
	if (alert_storm_count(o) > 0) {
		strbuf_reset(&t);
		storm_text(&t, o, &markup_teams);
		teams_text(w, &t, NULL, "Warning", false);
	}

	json_object_begin(w);
	put_str(w, "type", "FactSet");
	json_key_ascii(w, "facts", 5);
	json_array_begin(w);
	teams_fact(w, &t, "Account", o, "user.target.name", "user.target.domain");
	teams_fact(w, &t, "Host", o, "host.hostname", NULL);
	strbuf_reset(&t);
	append_actor(&t, o, &markup_teams);
	json_object_begin(w);
	put_str(w, "title", "By");
	json_key_ascii(w, "value", 5);
	json_string(w, t.data, t.len);
	json_object_end(w);
	teams_fact(w, &t, "Group", o, "group.name", NULL);
	teams_fact(w, &t, "Technique", o, "threat.technique.id", "threat.technique.name");
	teams_fact(w, &t, "Source", o, "source.ip", "observer.ingress.interface.name");
	json_array_end(w);
	json_object_end(w);

	if (has_lines(o)) {
		strbuf_reset(&t);
		append_lines(&t, o, &markup_teams);
		teams_text(w, &t, NULL, NULL, false);
	}

	strbuf_reset(&t);
	strbuf_append_str(&t, "logward rule ");
	append_field(&t, alert_str(o, "rule.id"), &markup_teams);
	strbuf_append_str(&t, " at ");
	append_field(&t, alert_str(o, "@timestamp"), &markup_teams);
	append_event_id(&t, o, &markup_teams);
	teams_text(w, &t, NULL, NULL, true);

	json_array_end(w);
	json_object_end(w);
	json_object_end(w);
	json_array_end(w);
	json_object_end(w);
	strbuf_free(&t);
	return 0;
}

int
webhook_format_body(enum webhook_format f, struct webhook_alert *a, const char *id,
    const char *receiver, struct strbuf *out)
{
	struct json_object *o = alert_object(a);
	struct json_writer w;
	size_t start = out->len;
	int rc = 0;

	(void)id;
	if (o == NULL)
		return -1;
	json_writer_init(&w, out);
	switch (f) {
	case WEBHOOK_STANDARD:
		body_standard(&w, o);
		break;
	case WEBHOOK_SLACK:
		rc = body_slack(&w, o);
		break;
	case WEBHOOK_ALERTMANAGER:
		rc = body_alertmanager(&w, o);
		break;
	case WEBHOOK_ALERTMANAGER_WEBHOOK:
		rc = body_alertmanager_webhook(&w, o, receiver);
		break;
	case WEBHOOK_TEAMS:
		rc = body_teams(&w, o);
		break;
	}
	if (rc == -1 || w.failed) {
		out->len = start;
		return -1;
	}
	return 0;
}

int
webhook_storm_key(struct webhook_alert *a, struct strbuf *key, char *ts, size_t tslen)
{
	struct json_object *o = alert_object(a);
	const char *host, *account, *technique, *rule, *t;
	int rc = -1;

	if (tslen > 0)
		ts[0] = '\0';
	if (o == NULL)
		return -1;
	technique = alert_str(o, "threat.technique.id");
	rule = alert_str(o, "rule.id");
	/*
	 * a correlation is never folded: it is the worse news storm control
	 * must not hide.  A Sigma rule may name no technique: its rule id
	 * still keys its floods.
	 */
	if ((technique != NULL || rule != NULL) && alert_get(o, "logward.correlation") == NULL) {
		host = alert_str(o, "host.hostname");
		account = alert_str(o, "user.target.name");
		strbuf_reset(key);
		/* NUL-separated: no field value can contain NUL, so no two keys collide */
		if (strbuf_append_str(key, host != NULL ? host : "") == 0 &&
		    strbuf_append_char(key, '\0') == 0 &&
		    strbuf_append_str(key, account != NULL ? account : "") == 0 &&
		    strbuf_append_char(key, '\0') == 0 &&
		    strbuf_append_str(key, technique != NULL ? technique : "") == 0 &&
		    strbuf_append_char(key, '\0') == 0 &&
		    strbuf_append_str(key, rule != NULL ? rule : "") == 0)
			rc = 0;
		if ((t = alert_str(o, "@timestamp")) != NULL && tslen > 0)
			snprintf(ts, tslen, "%s", t);
	}
	return rc;
}

int
webhook_storm_summary(struct webhook_alert *a, uint64_t folded, const char *first,
    const char *last, unsigned window_s, struct strbuf *out)
{
	struct json_object *o = alert_object(a);
	struct json_object *lw, *storm;
	struct json_writer w;
	size_t start = out->len;
	bool added_lw = false, failed = true;

	if (o == NULL)
		return -1;
	/* logward may hold logward.explain already: add to it */
	if (!json_object_object_get_ex(o, "logward", &lw) || !json_object_is_type(lw, json_type_object)) {
		if ((lw = json_object_new_object()) == NULL)
			return -1;
		json_object_object_add(o, "logward", lw);
		added_lw = true;
	}
	if ((storm = json_object_new_object()) != NULL) {
		json_object_object_add(storm, "count", json_object_new_int64((int64_t)folded));
		json_object_object_add(storm, "first", json_object_new_string(first));
		json_object_object_add(storm, "last", json_object_new_string(last));
		json_object_object_add(storm, "window", json_object_new_int64(window_s));
		json_object_object_add(lw, "storm", storm);
		json_writer_init(&w, out);
		json_value_fjson(&w, o);
		failed = w.failed;
		/* a is parsed once for every question: leave it as it came */
		json_object_object_del(lw, "storm");
	}
	if (added_lw)
		json_object_object_del(o, "logward");
	if (failed) {
		out->len = start;
		return -1;
	}
	return 0;
}

int
webhook_sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const char *body, size_t len, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char prefix[128];
	unsigned char *msg;
	int n;

	/* 32 bytes of MAC are 44 base64 characters, plus "v1," and NUL. */
	if (outlen < 48)
		return -1;
	n = snprintf(prefix, sizeof(prefix), "%s.%lld.", id, (long long)ts);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -1;
	/* One-shot HMAC(): the HMAC_CTX calls are deprecated in OpenSSL 3. */
	if ((msg = malloc((size_t)n + len)) == NULL)
		return -1;
	memcpy(msg, prefix, (size_t)n);
	memcpy(msg + n, body, len);
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, (size_t)n + len, md, &mdlen) == NULL) {
		free(msg);
		return -1;
	}
	free(msg);
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, md, (int)mdlen);
	return 0;
}

int
webhook_headers(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const char *body, size_t len, struct webhook_headers *out)
{
	char sig[64];
	int n;

	out->n = 0;
	n = snprintf(out->line[out->n++], WEBHOOK_HEADER_MAX, "webhook-id: %s", id);
	if (n < 0 || n >= WEBHOOK_HEADER_MAX)
		return -1;
	snprintf(out->line[out->n++], WEBHOOK_HEADER_MAX, "webhook-timestamp: %" PRId64, ts);
	if (key == NULL)
		return 0;
	if (webhook_sign(key, keylen, id, ts, body, len, sig, sizeof(sig)) == -1)
		return -1;
	snprintf(out->line[out->n++], WEBHOOK_HEADER_MAX, "webhook-signature: %s", sig);
	return 0;
}

static int webhook_parse_secret(const char *, char *, ssize_t, unsigned char **,
    size_t *, char *, size_t);

int
webhook_load_secret(const char *path, unsigned char **key, size_t *keylen,
    char *err, size_t errlen)
{
	char buf[SECRET_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, rc;

	*key = NULL;
	*keylen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s: a secret must not be accessible to others "
		    "(mode %03o; chmod 600 or 640)", path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	rc = webhook_parse_secret(path, buf, n, key, keylen, err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* The secret file's bytes to the key (webhook_load_secret). */
static int
webhook_parse_secret(const char *path, char *buf, ssize_t n, unsigned char **key,
    size_t *keylen, char *err, size_t errlen)
{
	size_t len;

	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((size_t)n > SECRET_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes", path, SECRET_MAX);
		return -1;
	}
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 6 && memcmp(buf, "whsec_", 6) == 0) {
		size_t b64 = len - 6, pad = 0;
		int dec;

		if (b64 == 0 || b64 % 4 != 0) {
			snprintf(err, errlen, "%s: whsec_ secret is not base64", path);
			return -1;
		}
		if ((*key = malloc(b64)) == NULL)
			goto nomem;
		dec = EVP_DecodeBlock(*key, (const unsigned char *)buf + 6, (int)b64);
		if (dec < 0) {
			free(*key);
			*key = NULL;
			snprintf(err, errlen, "%s: whsec_ secret is not base64", path);
			return -1;
		}
		if (buf[len - 1] == '=')
			pad++;
		if (buf[len - 2] == '=')
			pad++;
		*keylen = (size_t)dec - pad;
	} else {
		if (len == 0) {
			snprintf(err, errlen, "%s: empty secret", path);
			return -1;
		}
		if ((*key = malloc(len)) == NULL)
			goto nomem;
		memcpy(*key, buf, len);
		*keylen = len;
	}
	if (*keylen < 16) {
		free(*key);
		*key = NULL;
		snprintf(err, errlen, "%s: secret shorter than 16 bytes", path);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}
