/*
 * alert.c: format an alert line with every copied string redacted (the
 * redaction itself is detect_redact.c's).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "alert_code.h"
#include "correlate.h"
#include "detect.h"
#include "event.h"

/* Write a string value redacted by set's patterns; scratch is reused. */
static void
write_redacted_set(struct json_writer *w, const struct detect_set *set, struct strbuf *scratch,
    const char *s, size_t len)
{
	size_t n;

	(void)detect_redactions(set, &n);
	if (n == 0 || !detect_redact_needed(set, scratch, s, len)) {
		json_string(w, s, len);
		return;
	}
	strbuf_reset(scratch);
	if (detect_redact_set(set, s, len, scratch) == -1) {
		w->failed = true;
		return;
	}
	json_string(w, scratch->data != NULL ? scratch->data : "", scratch->len);
}

static void
write_redacted(struct json_writer *w, const struct alert_input *in, struct strbuf *scratch,
    const char *s, size_t len)
{
	write_redacted_set(w, in->set, scratch, s, len);
}

/* A C string as a slice; p NULL for NULL. */
static struct slice
cslice(const char *s)
{
	struct slice r = {s, s != NULL ? strlen(s) : 0};

	return r;
}

/* related.user: the account, and the actor when it is another name. */
static void
write_related(struct json_writer *w, const struct detect_set *set, struct strbuf *scratch,
    struct slice target, struct slice actor)
{
	if (target.p == NULL && actor.p == NULL)
		return;
	json_key_ascii(w, "related", 7);
	json_object_begin(w);
	json_key_ascii(w, "user", 4);
	json_array_begin(w);
	if (target.p != NULL)
		write_redacted_set(w, set, scratch, target.p, target.len);
	if (actor.p != NULL && (target.p == NULL || actor.len != target.len ||
	    memcmp(actor.p, target.p, actor.len) != 0))
		write_redacted_set(w, set, scratch, actor.p, actor.len);
	json_array_end(w);
	json_object_end(w);
}

/* End an alert line: its newline, or out back at start when it failed. */
static int
alert_finish(struct json_writer *w, struct strbuf *out, struct strbuf *scratch, size_t start)
{
	strbuf_free(scratch);
	if (w->failed || strbuf_append_char(out, '\n') == -1) {
		out->len = start;
		return -1;
	}
	return 0;
}

/*
 * The event.type values ECS expects with event.category "iam" (ecs_flat.yml
 * allowed_values), in the order they are written.
 */
static const char *const iam_types[] = {
	"admin", "change", "creation", "deletion", "group", "info", "user",
};
#define N_IAM_TYPES (sizeof(iam_types) / sizeof(iam_types[0]))

/* Mark in want[] the iam type that the string t names, if any. */
static void
iam_type_mark(struct json_object *t, bool *want)
{
	size_t i;

	if (t == NULL || !json_object_is_type(t, json_type_string))
		return;
	for (i = 0; i < N_IAM_TYPES; i++)
		if (strcmp(json_object_get_string(t), iam_types[i]) == 0)
			want[i] = true;
}

/* Mark the iam type of what a detection's fact says happened. */
static void
iam_type_mark_fact(enum detect_fact fact, bool *want)
{
	const char *t = fact == DETECT_FACT_ACCOUNT_CREATED ? "creation" :
	    fact == DETECT_FACT_ACCOUNT_DELETED ? "deletion" :
	    fact == DETECT_FACT_ADMIN_MEMBER_ADDED ? "change" : NULL;
	size_t i;

	for (i = 0; t != NULL && i < N_IAM_TYPES; i++)
		if (strcmp(t, iam_types[i]) == 0)
			want[i] = true;
}

/*
 * event.type of an alert (event.category ["iam"]): the event's own types
 * that ECS allows with iam (a sudo command's "start" is not one), else the
 * type of the detection's fact, else ["info"].
 */
static void
write_event_type(struct json_writer *w, const struct alert_input *in)
{
	struct json_object *norm = in->event->norm, *t;
	bool want[N_IAM_TYPES] = { false };
	size_t i, n, count = 0;

	if (norm != NULL && json_object_object_get_ex(norm, "event.type", &t) && t != NULL) {
		if (json_object_is_type(t, json_type_array)) {
			n = json_object_array_length(t);
			for (i = 0; i < n; i++)
				iam_type_mark(json_object_array_get_idx(t, i), want);
		} else
			iam_type_mark(t, want);
	}
	for (i = 0; i < N_IAM_TYPES; i++)
		count += want[i];
	if (count == 0)
		iam_type_mark_fact(in->result->detection->fact, want);
	json_key_ascii(w, "type", 4);
	json_array_begin(w);
	for (i = 0, count = 0; i < N_IAM_TYPES; i++)
		if (want[i]) {
			json_cstring(w, iam_types[i]);
			count++;
		}
	if (count == 0)
		json_cstring(w, "info");
	json_array_end(w);
}

/* logward.explain: the tag that selected the detection and each condition that held. */
static void
write_explain(struct json_writer *w, const struct alert_input *in, struct strbuf *scratch)
{
	const struct detection *d = in->result->detection;
	const char *text;
	size_t i;

	json_key_ascii(w, "logward", 7);
	json_object_begin(w);
	json_key_ascii(w, "explain", 7);
	json_array_begin(w);
	strbuf_reset(scratch);
	if (strbuf_append_str(scratch, "tag ") == -1 ||
	    strbuf_append(scratch, in->result->tag.p, in->result->tag.len) == -1)
		w->failed = true;
	else
		json_string(w, scratch->data, scratch->len);
	for (i = 0; (text = detection_condition_text(d, false, i)) != NULL; i++)
		json_cstring(w, text);
	for (i = 0; (text = detection_condition_text(d, true, i)) != NULL; i++) {
		strbuf_reset(scratch);
		if (strbuf_append_str(scratch, "not ") == -1 ||
		    strbuf_append_str(scratch, text) == -1)
			w->failed = true;
		else
			json_string(w, scratch->data, scratch->len);
	}
	if (d->target_re != NULL)
		json_cstring(w, "target_pattern matched");
	if (d->group_re != NULL)
		json_cstring(w, "group_pattern matched");
	json_array_end(w);
	json_object_end(w);
}

/* The alert's @timestamp: the message time when the parser found one, else receipt. */
static void
write_times(struct json_writer *w, const struct event_input *ev, bool timestamp)
{
	char buf[32];
	size_t n = 0;

	if (timestamp && ev->msg->time.present)
		n = syslog_time_format(buf, sizeof(buf), ev->msg->time.epoch, ev->msg->time.usec);
	if (n == 0)
		n = syslog_time_format(buf, sizeof(buf), (int64_t)ev->received.tv_sec,
		    (uint32_t)(ev->received.tv_nsec / 1000));
	json_string(w, buf, n);
}

/*
 * The people and places an alert names, looked up once before writing.
 * Each slice points into the event, into the detection, or into one of the
 * detect_value buffers here (a number's text), so the struct must live as
 * long as the writing does.
 */
struct alert_subjects {
	struct slice target, actor, domain, group, action, host;
	struct detect_value actor_value, domain_value, group_value, action_value;
};

/* Fill s from the detection's field paths, falling back as the alert format says. */
static void
alert_subjects_find(struct alert_subjects *s, const struct alert_input *in)
{
	const struct event_input *ev = in->event;
	const struct detection *d = in->result->detection;
	struct detect_event dev = {ev->msg, ev->norm, ev->source_ip};

	s->target = in->result->target;
	/* the event names no actor: the one correlation knows, if any */
	s->actor = detect_field_slice(&dev, d->actor, &s->actor_value);
	if (s->actor.p == NULL && in->actor != NULL && in->actor[0] != '\0')
		s->actor = cslice(in->actor);
	s->domain = detect_field_slice(&dev, d->target_domain, &s->domain_value);
	s->group = detect_result_group(&dev, in->result, &s->group_value);
	/* a rule's fixed action wins over the event's own */
	s->action = cslice(d->action);
	if (s->action.p == NULL)
		s->action = detect_field_slice(&dev, "event.action", &s->action_value);
	/* a message without a hostname is named by its sender's address */
	s->host = ev->msg->hostname;
	if (s->host.p == NULL && ev->source_ip != NULL)
		s->host = cslice(ev->source_ip);
}

/* event.code: the source's own code for the event (alert_code.h), redacted. */
static void
write_event_code(struct json_writer *w, const struct alert_input *in, struct strbuf *scratch)
{
	struct detect_value v;
	struct slice code = alert_event_code(in->event, &v);

	if (code.p == NULL)
		return;
	json_key_ascii(w, "code", 4);
	write_redacted(w, in, scratch, code.p, code.len);
}

/* event.id (alert_id.h), when the alert has one. */
static void
write_event_id(struct json_writer *w, const struct alert_stamp *stamp)
{
	if (stamp == NULL || stamp->id == NULL)
		return;
	json_key_ascii(w, "id", 2);
	json_cstring(w, stamp->id);
}

/* event: what happened, its kind and severity; the original line redacted. */
static void
write_event(struct json_writer *w, const struct alert_input *in, const struct alert_subjects *s,
    struct strbuf *scratch)
{
	const struct event_input *ev = in->event;
	const struct detection *d = in->result->detection;

	json_key_ascii(w, "event", 5);
	json_object_begin(w);
	if (s->action.p != NULL) {
		json_key_ascii(w, "action", 6);
		/* the rule's own text is not from the network: no redaction */
		if (d->action != NULL)
			json_cstring(w, d->action);
		else
			write_redacted(w, in, scratch, s->action.p, s->action.len);
	}
	json_key_ascii(w, "category", 8);
	json_array_begin(w);
	json_cstring(w, "iam");
	json_array_end(w);
	write_event_code(w, in, scratch);
	json_key_ascii(w, "created", 7);
	write_times(w, ev, false);
	write_event_id(w, in->stamp);
	json_key_ascii(w, "kind", 4);
	json_cstring(w, "alert");
	json_key_ascii(w, "original", 8);
	write_redacted(w, in, scratch, ev->raw, ev->raw_len);
	json_key_ascii(w, "severity", 8);
	json_int(w, detect_severity_score(d->severity));
	write_event_type(w, in);
	json_object_end(w);
}

/* "outer": {"inner": value} with value redacted; nothing when value is absent. */
static void
write_redacted_object(struct json_writer *w, const struct alert_input *in, struct strbuf *scratch,
    const char *outer, const char *inner, struct slice value)
{
	if (value.p == NULL)
		return;
	json_key_ascii(w, outer, strlen(outer));
	json_object_begin(w);
	json_key_ascii(w, inner, strlen(inner));
	write_redacted(w, in, scratch, value.p, value.len);
	json_object_end(w);
}

/* "outer": {"inner": value} for a value the program holds; nothing when NULL. */
static void
write_plain_object(struct json_writer *w, const char *outer, const char *inner, const char *value)
{
	if (value == NULL)
		return;
	json_key_ascii(w, outer, strlen(outer));
	json_object_begin(w);
	json_key_ascii(w, inner, strlen(inner));
	json_cstring(w, value);
	json_object_end(w);
}

/*
 * observer: the collector that made the alert (hostname), the input the
 * line came in by, and the product.  ECS's observer.type names a kind of
 * device (firewall, ids, forwarder) and "logward" is none: the product
 * and vendor say it.
 */
static void
write_observer(struct json_writer *w, const struct alert_stamp *stamp, const char *input_name)
{
	json_key_ascii(w, "observer", 8);
	json_object_begin(w);
	if (stamp != NULL && stamp->observer_hostname != NULL) {
		json_key_ascii(w, "hostname", 8);
		json_cstring(w, stamp->observer_hostname);
	}
	if (input_name != NULL) {
		/* ECS: observer.ingress.interface.name, as in the event */
		json_key_ascii(w, "ingress", 7);
		json_object_begin(w);
		write_plain_object(w, "interface", "name", input_name);
		json_object_end(w);
	}
	json_key_ascii(w, "product", 7);
	json_cstring(w, "logward");
	json_key_ascii(w, "vendor", 6);
	json_cstring(w, "logward");
	json_object_end(w);
}

/* labels.severity: the severity's name, beside event.severity's score. */
static void
write_severity_label(struct json_writer *w, enum detect_severity severity)
{
	json_key_ascii(w, "labels", 6);
	json_object_begin(w);
	json_key_ascii(w, "severity", 8);
	json_cstring(w, detect_severity_name(severity));
	json_object_end(w);
}

/* rule: the id and title of the detection or correlation that fired; its ruleset, if any. */
static void
write_rule(struct json_writer *w, const char *id, const char *name, const char *ruleset)
{
	json_key_ascii(w, "rule", 4);
	json_object_begin(w);
	json_key_ascii(w, "id", 2);
	json_cstring(w, id);
	json_key_ascii(w, "name", 4);
	json_cstring(w, name);
	if (ruleset != NULL) {
		json_key_ascii(w, "ruleset", 7);
		json_cstring(w, ruleset);
	}
	json_object_end(w);
}

/* threat.technique / threat.tactic: arrays (ECS), even of one technique. */
static void
write_technique_part(struct json_writer *w, const struct correlate_technique *t, size_t n,
    bool tactic)
{
	size_t i;

	json_key_ascii(w, "id", 2);
	json_array_begin(w);
	for (i = 0; i < n; i++)
		json_cstring(w, tactic ? t[i].tactic : t[i].id);
	json_array_end(w);
	json_key_ascii(w, "name", 4);
	json_array_begin(w);
	for (i = 0; i < n; i++)
		json_cstring(w, tactic ? t[i].tactic_name : t[i].name);
	json_array_end(w);
}

/* threat.technique.reference: the ATT&CK page of each technique, an array as its id (ECS). */
static void
write_technique_reference(struct json_writer *w, const struct correlate_technique *t, size_t n)
{
	char url[96];
	size_t i;

	json_key_ascii(w, "reference", 9);
	json_array_begin(w);
	for (i = 0; i < n; i++) {
		/* an id that is no ATT&CK id (a site's own) has no page: the list stays parallel */
		if (alert_technique_reference(t[i].id, url, sizeof(url)) == 0)
			json_cstring(w, url);
		else
			json_cstring(w, "");
	}
	json_array_end(w);
}

/*
 * threat: the n ATT&CK techniques t (a detection has one, a correlation
 * up to CORRELATE_MAX_TECHNIQUES) and their tactics.
 */
static void
write_threat(struct json_writer *w, const struct correlate_technique *t, size_t n)
{
	json_key_ascii(w, "threat", 6);
	json_object_begin(w);
	json_key_ascii(w, "framework", 9);
	json_cstring(w, "MITRE ATT&CK");
	json_key_ascii(w, "tactic", 6);
	json_object_begin(w);
	write_technique_part(w, t, n, true);
	json_object_end(w);
	json_key_ascii(w, "technique", 9);
	json_object_begin(w);
	write_technique_part(w, t, n, false);
	write_technique_reference(w, t, n);
	json_object_end(w);
	json_object_end(w);
}

/* user: the actor's name and the target account (with its domain), redacted. */
static void
write_user(struct json_writer *w, const struct alert_input *in, const struct alert_subjects *s,
    struct strbuf *scratch)
{
	if (s->actor.p == NULL && s->target.p == NULL && s->domain.p == NULL)
		return;
	json_key_ascii(w, "user", 4);
	json_object_begin(w);
	if (s->actor.p != NULL) {
		json_key_ascii(w, "name", 4);
		write_redacted(w, in, scratch, s->actor.p, s->actor.len);
	}
	if (s->target.p != NULL || s->domain.p != NULL) {
		json_key_ascii(w, "target", 6);
		json_object_begin(w);
		if (s->domain.p != NULL) {
			json_key_ascii(w, "domain", 6);
			write_redacted(w, in, scratch, s->domain.p, s->domain.len);
		}
		if (s->target.p != NULL) {
			json_key_ascii(w, "name", 4);
			write_redacted(w, in, scratch, s->target.p, s->target.len);
		}
		json_object_end(w);
	}
	json_object_end(w);
}

/* Members in sorted key order, as every alert line has them. */
int
alert_format(struct strbuf *out, const struct alert_input *in)
{
	const struct event_input *ev = in->event;
	const struct detection *d = in->result->detection;
	/* the detection's technique in the shape a correlation's has */
	const struct detect_technique none = {NULL, NULL, NULL, NULL};
	const struct detect_technique *t = d->technique != NULL ? d->technique : &none;
	const struct correlate_technique technique = {t->id, t->name, t->tactic, t->tactic_name};
	struct alert_subjects s;
	struct strbuf scratch;
	struct json_writer w;
	size_t start = out->len;

	alert_subjects_find(&s, in);
	strbuf_init(&scratch);
	json_writer_init(&w, out);
	json_object_begin(&w);
	json_key_ascii(&w, "@timestamp", 10);
	write_times(&w, ev, true);
	write_event(&w, in, &s, &scratch);
	write_redacted_object(&w, in, &scratch, "group", "name", s.group);
	write_redacted_object(&w, in, &scratch, "host", "hostname", s.host);
	write_severity_label(&w, d->severity);
	if (in->explain)
		write_explain(&w, in, &scratch);
	if (ev->msg->msg.p != NULL) {
		json_key_ascii(&w, "message", 7);
		write_redacted(&w, in, &scratch, ev->msg->msg.p, ev->msg->msg.len);
	}
	write_observer(&w, in->stamp, ev->input_name);
	write_related(&w, in->set, &scratch, s.target, s.actor);
	write_rule(&w, d->id, d->title, d->sigma ? "sigma" : NULL);
	write_plain_object(&w, "source", "ip", ev->source_ip);
	/* a Sigma rule without an attack.tNNNN tag names no technique */
	if (d->technique != NULL)
		write_threat(&w, &technique, 1);
	write_user(&w, in, &s, &scratch);
	json_object_end(&w);
	return alert_finish(&w, out, &scratch, start);
}

/* A microsecond time as an RFC 3339 string value. */
static void
write_time_us(struct json_writer *w, int64_t us)
{
	char buf[32];
	int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	size_t n = syslog_time_format(buf, sizeof(buf), sec, (uint32_t)(us - sec * 1000000));

	json_string(w, buf, n);
}

/* A string member redacted, left out when empty. */
static void
write_member(struct json_writer *w, const struct detect_set *set, struct strbuf *scratch,
    const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	json_key_ascii(w, key, strlen(key));
	write_redacted_set(w, set, scratch, value, strlen(value));
}

/* logward.correlation: the lines that make the alert, oldest first. */
static void
write_evidence(struct json_writer *w, const struct correlate_alert *a,
    const struct detect_set *set, struct strbuf *scratch)
{
	size_t i;

	json_key_ascii(w, "logward", 7);
	json_object_begin(w);
	json_key_ascii(w, "correlation", 11);
	json_object_begin(w);
	if (a->count > 0) {
		json_key_ascii(w, "admin_count", 11);
		json_int(w, a->count);
	}
	json_key_ascii(w, "evidence", 8);
	json_array_begin(w);
	for (i = 0; i < a->n_evidence; i++) {
		const struct correlate_evidence *e = &a->evidence[i];

		json_object_begin(w);
		json_key_ascii(w, "@timestamp", 10);
		write_time_us(w, e->event_us);
		json_key_ascii(w, "event", 5);
		json_object_begin(w);
		json_key_ascii(w, "original", 8);
		write_redacted_set(w, set, scratch, e->raw != NULL ? e->raw : "", e->raw_len);
		json_object_end(w);
		if (e->rule_id != NULL && e->rule_id[0] != '\0') {
			json_key_ascii(w, "rule", 4);
			json_object_begin(w);
			json_key_ascii(w, "id", 2);
			json_cstring(w, e->rule_id);
			json_object_end(w);
		}
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
	json_object_end(w);
}

/* event of a correlation: its fixed action and the rule's severity. */
static void
write_correlated_event(struct json_writer *w, const struct correlation *r,
    const struct alert_stamp *stamp)
{
	json_key_ascii(w, "event", 5);
	json_object_begin(w);
	json_key_ascii(w, "action", 6);
	json_cstring(w, r->action);
	json_key_ascii(w, "category", 8);
	json_array_begin(w);
	json_cstring(w, "iam");
	json_array_end(w);
	write_event_id(w, stamp);
	json_key_ascii(w, "kind", 4);
	json_cstring(w, "alert");
	json_key_ascii(w, "severity", 8);
	json_int(w, detect_severity_score(r->severity));
	json_key_ascii(w, "type", 4);
	json_array_begin(w);
	json_cstring(w, "info");
	json_array_end(w);
	json_object_end(w);
}

/* user of a correlation: the actor and the target account, redacted. */
static void
write_correlated_user(struct json_writer *w, const struct correlate_alert *a,
    const struct detect_set *set, struct strbuf *scratch, bool actor, bool account)
{
	if (!account && !actor)
		return;
	json_key_ascii(w, "user", 4);
	json_object_begin(w);
	write_member(w, set, scratch, "name", a->actor);
	if (account) {
		json_key_ascii(w, "target", 6);
		json_object_begin(w);
		write_member(w, set, scratch, "name", a->account);
		json_object_end(w);
	}
	json_object_end(w);
}

/* Members in the same ECS key order as alert_format's. */
int
alert_format_correlated(struct strbuf *out, const struct correlate_alert *a,
    const struct detect_set *set, const struct alert_stamp *stamp)
{
	const struct correlation *r = a->rule;
	struct strbuf scratch;
	struct json_writer w;
	size_t start = out->len;
	int64_t last = a->n_evidence > 0 ? a->evidence[a->n_evidence - 1].event_us : 0;
	bool actor = a->actor != NULL && a->actor[0] != '\0';
	bool account = a->account != NULL && a->account[0] != '\0';

	strbuf_init(&scratch);
	json_writer_init(&w, out);
	json_object_begin(&w);
	json_key_ascii(&w, "@timestamp", 10);
	write_time_us(&w, last);
	write_correlated_event(&w, r, stamp);
	if (a->group != NULL && a->group[0] != '\0') {
		json_key_ascii(&w, "group", 5);
		json_object_begin(&w);
		write_member(&w, set, &scratch, "name", a->group);
		json_object_end(&w);
	}
	json_key_ascii(&w, "host", 4);
	json_object_begin(&w);
	write_member(&w, set, &scratch, "hostname", a->scope);
	json_object_end(&w);
	write_severity_label(&w, r->severity);
	write_evidence(&w, a, set, &scratch);
	json_key_ascii(&w, "message", 7);
	json_cstring(&w, r->title);
	write_observer(&w, stamp, NULL);
	write_related(&w, set, &scratch, account ? cslice(a->account) : cslice(NULL),
	    actor ? cslice(a->actor) : cslice(NULL));
	write_rule(&w, r->id, r->title, NULL);
	write_threat(&w, r->techniques, r->n_techniques);
	write_correlated_user(&w, a, set, &scratch, actor, account);
	json_object_end(&w);
	return alert_finish(&w, out, &scratch, start);
}
