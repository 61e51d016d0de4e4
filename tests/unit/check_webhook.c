#define _GNU_SOURCE /* memmem */
/*
 * check_webhook.c: the webhook bodies (standard, slack, alertmanager,
 * alertmanager-webhook, teams) from a real alert line and from a storm summary of it, Slack and
 * Teams escaping, the storm key, the Standard Webhooks signature
 * against the spec's published example, and secret files.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "markup_escape.h"
#include "webhook.h"
#include "unit.h"

static char alert[8192];
static size_t alert_len;

/* Load tests/data/webhook/alert-useradd.json (from logward --test-rules). */
static void
load_alert(void)
{
	const char *path = unit_srcpath("tests/data/webhook/alert-useradd.json");
	FILE *fp;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	alert_len = fread(alert, 1, sizeof(alert) - 1, fp);
	fclose(fp);
	while (alert_len > 0 && alert[alert_len - 1] == '\n')
		alert_len--;
	alert[alert_len] = '\0';
}

/* The line-at-a-time forms of the webhook_alert questions: one parse each. */
static int
format_line(enum webhook_format f, const char *line, size_t len, const char *id,
    const char *receiver, struct strbuf *out)
{
	struct webhook_alert a;
	int rc;

	webhook_alert_init(&a, line, len);
	rc = webhook_format_body(f, &a, id, receiver, out);
	webhook_alert_release(&a);
	return rc;
}

static int
storm_key_line(const char *line, size_t len, struct strbuf *key, char *ts, size_t tslen)
{
	struct webhook_alert a;
	int rc;

	webhook_alert_init(&a, line, len);
	rc = webhook_storm_key(&a, key, ts, tslen);
	webhook_alert_release(&a);
	return rc;
}

static int
storm_summary_line(const char *line, size_t len, uint64_t folded, const char *first,
    const char *last, unsigned window_s, struct strbuf *out)
{
	struct webhook_alert a;
	int rc;

	webhook_alert_init(&a, line, len);
	rc = webhook_storm_summary(&a, folded, first, last, window_s, out);
	webhook_alert_release(&a);
	return rc;
}

static int
severity_line(const char *line, size_t len)
{
	struct webhook_alert a;
	int rc;

	webhook_alert_init(&a, line, len);
	rc = webhook_alert_severity(&a);
	webhook_alert_release(&a);
	return rc;
}

/* Format and parse back; caller puts. */
static struct json_object *
body_of(enum webhook_format f, struct strbuf *out)
{
	struct json_object *o;

	strbuf_init(out);
	ck_assert_int_eq(format_line(f, alert, alert_len, "id0", "soc", out), 0);
	ck_assert_ptr_nonnull(strbuf_cstr(out));
	o = json_tokener_parse(out->data);
	ck_assert_msg(o != NULL, "not JSON: %s", out->data);
	return o;
}

/* String at a path of keys and array indexes ("alerts", "0", "labels"). */
static const char *
get(struct json_object *o, const char *const *path)
{
	for (; *path != NULL; path++) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, atoi(*path));
		else if (!json_object_object_get_ex(o, *path, &o))
			return NULL;
		if (o == NULL)
			return NULL;
	}
	return json_object_get_string(o);
}

#define GET(o, ...) get((o), (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_standard)
{
	struct strbuf out;
	struct json_object *o = body_of(WEBHOOK_STANDARD, &out);

	ck_assert_str_eq(GET(o, "type"), "account.created");
	ck_assert_str_eq(GET(o, "timestamp"), "2026-11-27T10:00:00.000000Z");
	ck_assert_str_eq(GET(o, "data", "user", "target", "name"), "evil<!channel>@here");
	ck_assert_str_eq(GET(o, "data", "rule", "id"), "linux-useradd");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_slack)
{
	struct strbuf out;
	struct json_object *o = body_of(WEBHOOK_SLACK, &out);
	const char *text = GET(o, "text");

	ck_assert_ptr_nonnull(text);
	/* the crafted account name cannot ping or link */
	ck_assert_ptr_null(strstr(out.data, "<!channel>"));
	ck_assert_ptr_null(strstr(text, "@here"));
	ck_assert_ptr_nonnull(strstr(text, "evil&lt;!channel&gt;@\xe2\x80\x8bhere"));
	ck_assert_ptr_nonnull(strstr(text, "on web1"));
	ck_assert_str_eq(GET(o, "blocks", "1", "type"), "section");
	ck_assert_ptr_nonnull(strstr(GET(o, "blocks", "1", "fields", "0", "text"), "*Account*\nevil&lt;"));
	ck_assert_str_eq(GET(o, "blocks", "1", "fields", "1", "text"), "*Host*\nweb1");
	ck_assert_str_eq(GET(o, "blocks", "1", "fields", "4", "text"),
	    "*Technique*\nT1136.001 Create Account: Local Account");
	/* no user.name: said so, not "-" */
	ck_assert_str_eq(GET(o, "blocks", "1", "fields", "2", "text"), "*By*\nactor unknown");
	ck_assert_ptr_nonnull(strstr(text, "on web1, actor unknown"));
	ck_assert_ptr_null(strstr(text, " by -"));
	/* the raw line, escaped like every field */
	ck_assert_str_eq(GET(o, "blocks", "2", "type"), "section");
	ck_assert_str_eq(GET(o, "blocks", "2", "text", "text"),
	    "*Log line*\nNov 27 10:00:00 web1 useradd[123]: new user: name=evil&lt;!channel&gt;"
	    "@\xe2\x80\x8bhere, UID=1001, GID=1001, home=/home/evil, shell=/bin/bash, "
	    "from=/dev/pts/0");
	ck_assert_str_eq(GET(o, "blocks", "3", "type"), "context");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

/*
 * format = alertmanager: the postableAlerts of POST /api/v2/alerts, an
 * array of one alert with labels, annotations and startsAt; no endsAt
 * (Alertmanager's resolve_timeout ends it) and nothing of the v4 message.
 * The schema itself is checked in tests/scenario/webhook-alertmanager.sh.
 */
START_TEST(test_alertmanager)
{
	struct strbuf out;
	struct json_object *o = body_of(WEBHOOK_ALERTMANAGER, &out), *a;

	ck_assert(json_object_is_type(o, json_type_array));
	ck_assert_uint_eq(json_object_array_length(o), 1);
	a = json_object_array_get_idx(o, 0);
	ck_assert_uint_eq(json_object_object_length(a), 3);
	ck_assert_str_eq(GET(o, "0", "labels", "alertname"), "linux-useradd");
	ck_assert_str_eq(GET(o, "0", "labels", "severity"), "medium");
	ck_assert_str_eq(GET(o, "0", "labels", "technique"), "T1136.001");
	ck_assert_str_eq(GET(o, "0", "labels", "host"), "web1");
	ck_assert_str_eq(GET(o, "0", "labels", "account"), "evil<!channel>@here");
	ck_assert_str_eq(GET(o, "0", "startsAt"), "2026-11-27T10:00:00.000000Z");
	ck_assert_ptr_null(GET(o, "0", "endsAt"));
	ck_assert_ptr_null(GET(o, "0", "fingerprint"));
	ck_assert_ptr_null(GET(o, "0", "status"));
	ck_assert_str_eq(GET(o, "0", "annotations", "summary"),
	    "Local account created (useradd): evil<!channel>@here on web1");
	ck_assert_str_eq(GET(o, "0", "annotations", "description"),
	    "new user: name=evil<!channel>@here, UID=1001, GID=1001, home=/home/evil, "
	    "shell=/bin/bash, from=/dev/pts/0");
	ck_assert_str_eq(GET(o, "0", "annotations", "actor"), "actor unknown");
	ck_assert_str_eq(GET(o, "0", "annotations", "log_line"),
	    "Nov 27 10:00:00 web1 useradd[123]: new user: name=evil<!channel>@here, UID=1001, "
	    "GID=1001, home=/home/evil, shell=/bin/bash, from=/dev/pts/0");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

/*
 * Alertmanager routes by alertname: an alert without rule.id still has
 * one; strings that need escaping (and an invalid UTF-8 byte) come out as
 * valid JSON strings with the same text.
 */
START_TEST(test_alertmanager_odd)
{
	static const char line[] = "{\"user\":{\"target\":{\"name\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"}},"
	    "\"host\":{\"hostname\":\"h\xff\"},\"rule\":{\"id\":\"\"}}";
	struct strbuf out;
	struct json_object *o;

	strbuf_init(&out);
	ck_assert_int_eq(format_line(WEBHOOK_ALERTMANAGER, line, sizeof(line) - 1, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_msg(o != NULL, "not JSON: %s", out.data);
	ck_assert_str_eq(GET(o, "0", "labels", "alertname"), "logward");
	ck_assert_str_eq(GET(o, "0", "labels", "account"), "a\"b\\c\n\x01\xc3\xa9");
	/* the stray byte 0xff is written as U+00FF (json_writer.h) */
	ck_assert_str_eq(GET(o, "0", "labels", "host"), "h\xc3\xbf");
	ck_assert_str_eq(GET(o, "0", "annotations", "summary"), "logward alert: a\"b\\c\n\x01\xc3\xa9 on h\xc3\xbf");
	/* no @timestamp: startsAt is now, RFC 3339 */
	ck_assert_uint_eq(strlen(GET(o, "0", "startsAt")), 20);
	ck_assert_int_eq(GET(o, "0", "startsAt")[19], 'Z');
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

/*
 * Alertmanager labels from the network are cut to 1,024 bytes at a
 * character boundary, with U+2026: at the bound and past it, ASCII and
 * two-byte characters, and the 30,000-character account of issue 20.
 */
static const struct {
	size_t n;        /* repeats of unit */
	const char *unit;
	size_t want_len; /* bytes of the label */
	bool cut;
} label_cases[] = {
	{ 1024, "x", 1024, false },
	{ 1025, "x", 1024, true },
	{ 30000, "x", 1024, true },
	{ 512, "\xc3\xa9", 1024, false },
	/* 1,021 bytes leave room for the mark: the 511th character would split */
	{ 513, "\xc3\xa9", 1020 + 3, true },
	{ 1, "", 0, false },
};

START_TEST(test_alertmanager_label_bound)
{
	struct strbuf line, out;
	struct json_object *o;
	const char *account, *host;
	size_t i, len;

	strbuf_init(&line);
	strbuf_init(&out);
	strbuf_append_str(&line, "{\"user\":{\"target\":{\"name\":\"");
	for (i = 0; i < label_cases[_i].n; i++)
		strbuf_append_str(&line, label_cases[_i].unit);
	strbuf_append_str(&line, "\"}},\"host\":{\"hostname\":\"");
	for (i = 0; i < label_cases[_i].n; i++)
		strbuf_append_str(&line, label_cases[_i].unit);
	strbuf_append_str(&line, "\"},\"rule\":{\"id\":\"r\"}}");
	ck_assert_int_eq(format_line(WEBHOOK_ALERTMANAGER, line.data, line.len, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_msg(o != NULL, "not JSON");
	account = GET(o, "0", "labels", "account");
	host = GET(o, "0", "labels", "host");
	ck_assert_ptr_nonnull(account);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(account, host);
	len = strlen(account);
	ck_assert_uint_eq(len, label_cases[_i].want_len);
	ck_assert_uint_le(len, 1024);
	if (label_cases[_i].cut)
		ck_assert_str_eq(account + len - 3, "\xe2\x80\xa6");
	else
		ck_assert_uint_eq(len, label_cases[_i].n * strlen(label_cases[_i].unit));
	json_object_put(o);
	strbuf_free(&line);
	strbuf_free(&out);
}
END_TEST

/*
 * Alertmanager annotations (summary, description, log_line) are cut to
 * 4,096 bytes at a character boundary: a 64 KB message at the bound and
 * past it, in ASCII and two-byte characters.
 */
static const struct {
	size_t n;        /* repeats of unit in the message */
	const char *unit;
	bool cut;
} annotation_cases[] = {
	{ 4096, "x", false },
	{ 4097, "x", true },
	{ 65536, "x", true },
	{ 2048, "\xc3\xa9", false },
	{ 2049, "\xc3\xa9", true },
};

START_TEST(test_alertmanager_annotation_bound)
{
	struct strbuf line, out;
	struct json_object *o;
	const char *keys[] = { "description", "log_line", "summary" };
	const char *v;
	size_t i, len;

	strbuf_init(&line);
	strbuf_init(&out);
	strbuf_append_str(&line, "{\"message\":\"");
	for (i = 0; i < annotation_cases[_i].n; i++)
		strbuf_append_str(&line, annotation_cases[_i].unit);
	strbuf_append_str(&line, "\",\"event\":{\"original\":\"");
	for (i = 0; i < annotation_cases[_i].n; i++)
		strbuf_append_str(&line, annotation_cases[_i].unit);
	strbuf_append_str(&line, "\"},\"rule\":{\"id\":\"r\",\"name\":\"");
	for (i = 0; i < annotation_cases[_i].n; i++)
		strbuf_append_str(&line, annotation_cases[_i].unit);
	strbuf_append_str(&line, "\"}}");
	ck_assert_int_eq(format_line(WEBHOOK_ALERTMANAGER, line.data, line.len, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_msg(o != NULL, "not JSON");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = GET(o, "0", "annotations", keys[i]);
		ck_assert_msg(v != NULL, "no %s", keys[i]);
		len = strlen(v);
		ck_assert_uint_le(len, 4096);
		if (annotation_cases[_i].cut)
			ck_assert_str_eq(v + len - 3, "\xe2\x80\xa6");
		else if (strcmp(keys[i], "description") == 0)
			ck_assert_uint_eq(len,
			    annotation_cases[_i].n * strlen(annotation_cases[_i].unit));
	}
	json_object_put(o);
	strbuf_free(&line);
	strbuf_free(&out);
}
END_TEST

/* format = alertmanager-webhook: Alertmanager's outgoing webhook v4 message. */
START_TEST(test_alertmanager_webhook)
{
	struct strbuf out;
	struct json_object *o = body_of(WEBHOOK_ALERTMANAGER_WEBHOOK, &out);

	ck_assert_str_eq(GET(o, "version"), "4");
	ck_assert_str_eq(GET(o, "status"), "firing");
	ck_assert_str_eq(GET(o, "receiver"), "soc");
	ck_assert_str_eq(GET(o, "alerts", "0", "labels", "alertname"), "linux-useradd");
	ck_assert_str_eq(GET(o, "alerts", "0", "labels", "severity"), "medium");
	ck_assert_str_eq(GET(o, "alerts", "0", "labels", "technique"), "T1136.001");
	ck_assert_str_eq(GET(o, "alerts", "0", "labels", "host"), "web1");
	ck_assert_str_eq(GET(o, "alerts", "0", "startsAt"), "2026-11-27T10:00:00.000000Z");
	ck_assert_uint_eq(strlen(GET(o, "alerts", "0", "fingerprint")), 16);
	ck_assert_str_eq(GET(o, "alerts", "0", "annotations", "summary"),
	    "Local account created (useradd): evil<!channel>@here on web1");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_teams)
{
	struct strbuf out;
	struct json_object *o = body_of(WEBHOOK_TEAMS, &out);

	ck_assert_str_eq(GET(o, "type"), "message");
	ck_assert_str_eq(GET(o, "attachments", "0", "contentType"),
	    "application/vnd.microsoft.card.adaptive");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "type"), "AdaptiveCard");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "version"), "1.4");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "0", "text"),
	    "Local account created \\(useradd\\) (medium)");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "type"), "FactSet");
	/* the crafted account cannot open a tag or mention */
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "facts", "0", "value"),
	    "evil\\<\\!channel\\>@here");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "facts", "1", "value"),
	    "web1");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "facts", "4", "value"),
	    "T1136.001 Create Account: Local Account");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "facts", "2", "value"),
	    "actor unknown");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "2", "text"),
	    "Nov 27 10:00:00 web1 useradd\\[123\\]: new user: name=evil\\<\\!channel\\>@here, "
	    "UID=1001, GID=1001, home=/home/evil, shell=/bin/bash, from=/dev/pts/0");
	ck_assert_ptr_nonnull(strstr(GET(o, "attachments", "0", "content", "body", "3", "text"),
	    "logward rule linux-useradd at 2026"));
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

static const struct {
	const char *in, *want;
} teams_cases[] = {
	{ "eve", "eve" },
	{ "[click](http://evil.example)", "\\[click\\]\\(http://evil.example\\)" },
	{ "**bold** _it_ ~x~ `c`", "\\*\\*bold\\*\\* \\_it\\_ \\~x\\~ \\`c\\`" },
	{ "<at>Admin</at>", "\\<at\\>Admin\\</at\\>" },
	{ "- item", "\\- item" },
	{ "+ item", "\\+ item" },
	{ "12. item", "12\\. item" },
	{ "web-1.example", "web-1.example" },
	/* no line breaks, so a marker after one cannot start a list */
	{ "a\nb\r- c", "a b - c" },
	{ "{{DATE(2017-02-14T06:00:00Z)}}", "\\{\\{DATE\\(2017-02-14T06:00:00Z\\)\\}\\}" },
	{ "back\\slash # h", "back\\\\slash \\# h" },
	{ "![img](x)", "\\!\\[img\\]\\(x\\)" },
};

START_TEST(test_teams_escape)
{
	struct strbuf out;

	strbuf_init(&out);
	ck_assert_int_eq(markup_escape(&out, teams_cases[_i].in,
	    strlen(teams_cases[_i].in), &markup_teams), 0);
	ck_assert_ptr_nonnull(strbuf_cstr(&out));
	ck_assert_str_eq(out.data, teams_cases[_i].want);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_storm_key)
{
	struct strbuf key;
	char ts[40];
	static const char want[] = "web1\0evil<!channel>@here\0T1136.001\0linux-useradd";
	static const char nokey[] = "{\"host\":{\"hostname\":\"h\"}}";
	/* issue 13 point 4: two rules never share a window; a correlation never folds */
	static const char rule_a[] = "{\"threat\":{\"technique\":{\"id\":\"T1136\"}},"
	    "\"rule\":{\"id\":\"a\"}}";
	static const char rule_b[] = "{\"threat\":{\"technique\":{\"id\":\"T1136\"}},"
	    "\"rule\":{\"id\":\"b\"}}";
	static const char correlated[] = "{\"threat\":{\"technique\":{\"id\":\"T1136\"}},"
	    "\"rule\":{\"id\":\"a\"},\"logward\":{\"correlation\":{\"evidence\":[]}}}";
	/* a Sigma rule with no ATT&CK tag: keyed by its rule id (issue 17) */
	static const char sigma_a[] = "{\"host\":{\"hostname\":\"h\"},"
	    "\"rule\":{\"id\":\"s-a\",\"ruleset\":\"sigma\"}}";
	static const char sigma_b[] = "{\"host\":{\"hostname\":\"h\"},"
	    "\"rule\":{\"id\":\"s-b\",\"ruleset\":\"sigma\"}}";
	static const char sigma_want[] = "h\0\0\0s-a";
	struct strbuf other;

	strbuf_init(&key);
	ck_assert_int_eq(storm_key_line(alert, alert_len, &key, ts, sizeof(ts)), 0);
	ck_assert_uint_eq(key.len, sizeof(want) - 1);
	ck_assert(memcmp(key.data, want, key.len) == 0);
	ck_assert_str_eq(ts, "2026-11-27T10:00:00.000000Z");
	/* no technique: never folded */
	ck_assert_int_eq(storm_key_line(nokey, sizeof(nokey) - 1, &key, ts, sizeof(ts)), -1);
	ck_assert_int_eq(storm_key_line("[]", 2, &key, ts, sizeof(ts)), -1);
	strbuf_init(&other);
	ck_assert_int_eq(storm_key_line(rule_a, sizeof(rule_a) - 1, &key, ts, sizeof(ts)), 0);
	ck_assert_int_eq(storm_key_line(rule_b, sizeof(rule_b) - 1, &other, ts, sizeof(ts)), 0);
	ck_assert(key.len != other.len || memcmp(key.data, other.data, key.len) != 0);
	ck_assert_int_eq(storm_key_line(correlated, sizeof(correlated) - 1, &key, ts,
	    sizeof(ts)), -1);
	ck_assert_int_eq(storm_key_line(sigma_a, sizeof(sigma_a) - 1, &key, ts, sizeof(ts)), 0);
	ck_assert_uint_eq(key.len, sizeof(sigma_want) - 1);
	ck_assert(memcmp(key.data, sigma_want, key.len) == 0);
	ck_assert_int_eq(storm_key_line(sigma_b, sizeof(sigma_b) - 1, &other, ts, sizeof(ts)), 0);
	ck_assert(key.len != other.len || memcmp(key.data, other.data, key.len) != 0);
	strbuf_free(&other);
	strbuf_free(&key);
}
END_TEST

/* A storm summary of the alert, formatted; caller puts. */
static struct json_object *
summary_body(enum webhook_format f, struct strbuf *out)
{
	struct strbuf line;
	struct json_object *o;

	strbuf_init(&line);
	ck_assert_int_eq(storm_summary_line(alert, alert_len, 41, "2026-11-27T10:00:01Z",
	    "2026-11-27T10:04:59Z", 300, &line), 0);
	strbuf_init(out);
	ck_assert_int_eq(format_line(f, line.data, line.len, "id0", "soc", out), 0);
	strbuf_free(&line);
	ck_assert_ptr_nonnull(strbuf_cstr(out));
	o = json_tokener_parse(out->data);
	ck_assert_msg(o != NULL, "not JSON: %s", out->data);
	return o;
}

START_TEST(test_storm_every_format)
{
	static const char note[] = "41 more alerts like this between 2026-11-27T10:00:01Z and "
	    "2026-11-27T10:04:59Z (storm window 300 s)";
	struct strbuf out;
	struct json_object *o;

	o = summary_body(WEBHOOK_STANDARD, &out);
	ck_assert_str_eq(GET(o, "data", "logward", "storm", "count"), "41");
	ck_assert_str_eq(GET(o, "data", "logward", "storm", "first"), "2026-11-27T10:00:01Z");
	ck_assert_str_eq(GET(o, "data", "logward", "storm", "last"), "2026-11-27T10:04:59Z");
	ck_assert_str_eq(GET(o, "data", "logward", "storm", "window"), "300");
	ck_assert_str_eq(GET(o, "data", "user", "target", "name"), "evil<!channel>@here");
	json_object_put(o);
	strbuf_free(&out);

	o = summary_body(WEBHOOK_SLACK, &out);
	ck_assert_ptr_nonnull(strstr(GET(o, "text"), note));
	ck_assert_str_eq(GET(o, "blocks", "1", "fields", "6", "text"), "*Repeated*\n41 more alerts "
	    "like this between 2026-11-27T10:00:01Z and 2026-11-27T10:04:59Z (storm window 300 s)");
	json_object_put(o);
	strbuf_free(&out);

	o = summary_body(WEBHOOK_ALERTMANAGER, &out);
	ck_assert_str_eq(GET(o, "0", "annotations", "count"), "41");
	ck_assert_str_eq(GET(o, "0", "annotations", "storm_first"), "2026-11-27T10:00:01Z");
	ck_assert_str_eq(GET(o, "0", "annotations", "storm_last"), "2026-11-27T10:04:59Z");
	ck_assert_str_eq(GET(o, "0", "labels", "alertname"), "linux-useradd");
	json_object_put(o);
	strbuf_free(&out);

	o = summary_body(WEBHOOK_ALERTMANAGER_WEBHOOK, &out);
	ck_assert_str_eq(GET(o, "alerts", "0", "annotations", "count"), "41");
	ck_assert_str_eq(GET(o, "alerts", "0", "annotations", "storm_first"), "2026-11-27T10:00:01Z");
	ck_assert_str_eq(GET(o, "alerts", "0", "annotations", "storm_last"), "2026-11-27T10:04:59Z");
	json_object_put(o);
	strbuf_free(&out);

	o = summary_body(WEBHOOK_TEAMS, &out);
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "text"),
	    "41 more alerts like this between 2026-11-27T10:00:01Z and 2026-11-27T10:04:59Z "
	    "(storm window 300 s)");
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "2", "type"), "FactSet");
	json_object_put(o);
	strbuf_free(&out);

	/* a plain alert carries no count */
	o = body_of(WEBHOOK_ALERTMANAGER, &out);
	ck_assert_ptr_null(GET(o, "0", "annotations", "count"));
	json_object_put(o);
	strbuf_free(&out);
	o = body_of(WEBHOOK_ALERTMANAGER_WEBHOOK, &out);
	ck_assert_ptr_null(GET(o, "alerts", "0", "annotations", "count"));
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_storm_summary_keeps_explain)
{
	static const char line[] = "{\"a\":1,\"logward\":{\"explain\":[\"tag x\"]}}";
	struct strbuf out;
	struct json_object *o;

	strbuf_init(&out);
	ck_assert_int_eq(storm_summary_line(line, sizeof(line) - 1, 2, "f", "l", 60, &out), 0);
	ck_assert_ptr_nonnull(strbuf_cstr(&out));
	o = json_tokener_parse(out.data);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(GET(o, "logward", "explain", "0"), "tag x");
	ck_assert_str_eq(GET(o, "logward", "storm", "count"), "2");
	json_object_put(o);
	strbuf_reset(&out);
	ck_assert_int_eq(storm_summary_line("[1]", 3, 2, "f", "l", 60, &out), -1);
	ck_assert_uint_eq(out.len, 0);
	strbuf_free(&out);
}
END_TEST

/*
 * One parse answers every question, in any order, and a summary leaves
 * the alert as it came: the same answers, and a body with no storm, after it.
 */
START_TEST(test_one_parse)
{
	struct webhook_alert a;
	struct strbuf key, again, sum, body, plain;
	char ts[64], ts2[64];

	strbuf_init(&key);
	strbuf_init(&again);
	strbuf_init(&sum);
	strbuf_init(&body);
	strbuf_init(&plain);
	webhook_alert_init(&a, alert, alert_len);
	ck_assert_int_eq(webhook_alert_severity(&a), 2);
	ck_assert_ptr_nonnull(a.o);
	ck_assert_int_eq(webhook_storm_key(&a, &key, ts, sizeof(ts)), 0);
	ck_assert_int_eq(webhook_storm_summary(&a, 3, "f", "l", 60, &sum), 0);
	ck_assert_ptr_nonnull(strstr(strbuf_cstr(&sum), "\"storm\":{\"count\":3"));
	ck_assert_int_eq(webhook_storm_key(&a, &again, ts2, sizeof(ts2)), 0);
	ck_assert_mem_eq(key.data, again.data, key.len);
	ck_assert_uint_eq(key.len, again.len);
	ck_assert_str_eq(ts, ts2);
	ck_assert_int_eq(webhook_alert_severity(&a), 2);
	ck_assert_int_eq(webhook_format_body(WEBHOOK_STANDARD, &a, "id0", "soc", &body), 0);
	ck_assert_int_eq(format_line(WEBHOOK_STANDARD, alert, alert_len, "id0", "soc", &plain), 0);
	ck_assert_uint_eq(body.len, plain.len);
	ck_assert_mem_eq(body.data, plain.data, body.len);
	ck_assert_ptr_null(strstr(strbuf_cstr(&body), "\"storm\""));
	webhook_alert_release(&a);
	ck_assert_ptr_null(a.o);
	/* not an object: every question says so, and asks the parser once */
	webhook_alert_init(&a, "[1]", 3);
	ck_assert_int_eq(webhook_alert_severity(&a), 0);
	ck_assert(a.parsed);
	ck_assert_int_eq(webhook_storm_key(&a, &key, ts, sizeof(ts)), -1);
	ck_assert_int_eq(webhook_storm_summary(&a, 1, "f", "l", 60, &sum), -1);
	webhook_alert_release(&a);
	strbuf_free(&key);
	strbuf_free(&again);
	strbuf_free(&sum);
	strbuf_free(&body);
	strbuf_free(&plain);
}
END_TEST

/*
 * The cap of one string: at max_bytes exactly it is kept whole; past it,
 * cut at a character boundary (never inside a UTF-8 sequence or an
 * escape) and marked with U+2026, within max_bytes.
 */
START_TEST(test_escape_cap)
{
	static const char mark[] = "\xe2\x80\xa6";
	struct strbuf out;
	char *in = malloc(4096);
	size_t i;

	ck_assert_ptr_nonnull(in);
	strbuf_init(&out);
	memset(in, 'a', markup_slack.max_bytes);
	ck_assert_int_eq(markup_escape(&out, in, markup_slack.max_bytes, &markup_slack), 0);
	ck_assert_uint_eq(out.len, markup_slack.max_bytes);
	ck_assert(memmem(out.data, out.len, mark, 3) == NULL);

	strbuf_reset(&out);
	memset(in, 'a', markup_slack.max_bytes + 1);
	ck_assert_int_eq(markup_escape(&out, in, markup_slack.max_bytes + 1, &markup_slack), 0);
	ck_assert_uint_le(out.len, markup_slack.max_bytes);
	ck_assert_mem_eq(out.data + out.len - 3, mark, 3);

	/* two-byte characters: the cut keeps whole ones */
	for (i = 0; i + 1 < 2000; i += 2)
		memcpy(in + i, "\xc3\xa9", 2);
	strbuf_reset(&out);
	ck_assert_int_eq(markup_escape(&out, in, 2000, &markup_teams), 0);
	ck_assert_uint_le(out.len, markup_teams.max_bytes);
	ck_assert_mem_eq(out.data + out.len - 3, mark, 3);
	ck_assert_uint_eq((out.len - 3) % 2, 0);

	/* escapes are not split: & is &amp; whole, then the mark */
	memset(in, '&', 1000);
	strbuf_reset(&out);
	ck_assert_int_eq(markup_escape(&out, in, 1000, &markup_slack), 0);
	ck_assert_uint_le(out.len, markup_slack.max_bytes);
	ck_assert_uint_eq((out.len - 3) % 5, 0);
	ck_assert_mem_eq(out.data + out.len - 8, "&amp;", 5);
	strbuf_free(&out);
	free(in);
}
END_TEST

/*
 * An alert with a 30,000-character account name (logger --size sends one):
 * every Slack field's text within Slack's 2,000 characters, every section
 * text within 3,000, the Teams body within 28 KB.
 */
START_TEST(test_oversized_fields)
{
	struct strbuf line, out;
	struct json_object *o;
	char *name = malloc(30001);
	size_t i;

	ck_assert_ptr_nonnull(name);
	memset(name, 'x', 30000);
	name[30000] = '\0';
	strbuf_init(&line);
	strbuf_init(&out);
	strbuf_append_str(&line, "{\"rule\":{\"name\":\"");
	strbuf_append_str(&line, name);
	strbuf_append_str(&line, "\"},\"user\":{\"target\":{\"name\":\"");
	strbuf_append_str(&line, name);
	strbuf_append_str(&line, "\",\"domain\":\"");
	strbuf_append_str(&line, name);
	strbuf_append_str(&line, "\"}},\"host\":{\"hostname\":\"");
	strbuf_append_str(&line, name);
	strbuf_append_str(&line, "\"},\"threat\":{\"technique\":{\"id\":\"T1136\"}}}");

	ck_assert_int_eq(format_line(WEBHOOK_SLACK, line.data, line.len, "id0", "soc", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_ptr_nonnull(o);
	for (i = 0; i < 6; i++) {
		char idx[4];
		const char *text;

		snprintf(idx, sizeof(idx), "%zu", i);
		text = GET(o, "blocks", "1", "fields", idx, "text");
		ck_assert_ptr_nonnull(text);
		ck_assert_msg(strlen(text) <= 2000, "field %zu: %zu bytes", i, strlen(text));
	}
	ck_assert_uint_le(strlen(GET(o, "blocks", "0", "text", "text")), 3000);
	json_object_put(o);

	strbuf_reset(&out);
	ck_assert_int_eq(format_line(WEBHOOK_TEAMS, line.data, line.len, "id0", "soc", &out), 0);
	ck_assert_msg(out.len <= 28000, "Teams body %zu bytes", out.len);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	strbuf_free(&line);
	strbuf_free(&out);
	free(name);
}
END_TEST

START_TEST(test_not_json)
{
	struct strbuf out;

	strbuf_init(&out);
	ck_assert_int_eq(format_line(WEBHOOK_STANDARD, "[1]", 3, "i", "r", &out), -1);
	ck_assert_int_eq(format_line(WEBHOOK_SLACK, "{\"a\":", 5, "i", "r", &out), -1);
	ck_assert_uint_eq(out.len, 0);
	strbuf_free(&out);
	ck_assert_int_eq(severity_line(alert, alert_len), 2);
	ck_assert_int_eq(severity_line("{\"event\":{\"severity\":99}}", 25), 4);
	ck_assert_int_eq(severity_line("nope", 4), 0);
}
END_TEST

static const struct {
	const char *in, *out;
} escape_cases[] = {
	{ "plain", "plain" },
	{ "a&b", "a&amp;b" },
	{ "<!channel>", "&lt;!channel&gt;" },
	{ "<http://evil|click>", "&lt;http://evil|click&gt;" },
	{ "@channel", "@\xe2\x80\x8b" "channel" },
	{ "hi @HERE now", "hi @\xe2\x80\x8bHERE now" },
	{ "@everyone", "@\xe2\x80\x8b" "everyone" },
	{ "bob@example.com", "bob@example.com" },
	{ "line\nbreak\t", "line break " },
	{ "@", "@" },
};

START_TEST(test_slack_escape)
{
	struct strbuf out;

	strbuf_init(&out);
	ck_assert_int_eq(markup_escape(&out, escape_cases[_i].in,
	    strlen(escape_cases[_i].in), &markup_slack), 0);
	ck_assert_str_eq(strbuf_cstr(&out), escape_cases[_i].out);
	strbuf_free(&out);
}
END_TEST

/* A secret file with the given mode and content; returns its path. */
static const char *
secret_file(const char *content, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_webhook.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* The example of the Standard Webhooks spec and its reference libraries. */
START_TEST(test_sign_spec_example)
{
	const char *path = secret_file("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 0600);
	const char *body = "{\"test\": 2432232314}";
	unsigned char *key;
	size_t keylen;
	char err[256], sig[64], longid[WEBHOOK_HEADER_MAX + 8];
	struct webhook_headers wh;

	ck_assert_int_eq(webhook_load_secret(path, &key, &keylen, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_uint_eq(keylen, 24);
	ck_assert_int_eq(webhook_sign(key, keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body), sig, sizeof(sig)), 0);
	ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	ck_assert_int_eq(webhook_sign(key, keylen, "x", 1, body, 1, sig, 47), -1);

	/* the headers of that request: id, timestamp, then the same signature */
	ck_assert_int_eq(webhook_headers(key, keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body), &wh), 0);
	ck_assert_uint_eq(wh.n, 3);
	ck_assert_str_eq(wh.line[0], "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek");
	ck_assert_str_eq(wh.line[1], "webhook-timestamp: 1614265330");
	ck_assert_str_eq(wh.line[2], "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* unsigned without a secret */
	ck_assert_int_eq(webhook_headers(NULL, 0, "id1", 7, body, strlen(body), &wh), 0);
	ck_assert_uint_eq(wh.n, 2);
	ck_assert_str_eq(wh.line[1], "webhook-timestamp: 7");
	/* an id that fills the header line exactly, and one past it */
	memset(longid, 'a', sizeof(longid));
	longid[WEBHOOK_HEADER_MAX - 1 - strlen("webhook-id: ")] = '\0';
	ck_assert_int_eq(webhook_headers(NULL, 0, longid, 7, body, strlen(body), &wh), 0);
	ck_assert_uint_eq(strlen(wh.line[0]), WEBHOOK_HEADER_MAX - 1);
	longid[WEBHOOK_HEADER_MAX - 1 - strlen("webhook-id: ")] = 'a';
	longid[WEBHOOK_HEADER_MAX - strlen("webhook-id: ")] = '\0';
	ck_assert_int_eq(webhook_headers(NULL, 0, longid, 7, body, strlen(body), &wh), -1);
	free(key);
}
END_TEST

START_TEST(test_secret_files)
{
	const char *path;
	unsigned char *key;
	size_t keylen;
	char err[256];

	path = secret_file("0123456789abcdefXYZ\n", 0644);
	ck_assert_int_eq(webhook_load_secret(path, &key, &keylen, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "must not be accessible to others"));
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(webhook_load_secret(path, &key, &keylen, err, sizeof(err)), 0);
	ck_assert_uint_eq(keylen, 19);
	ck_assert_int_eq(memcmp(key, "0123456789abcdefXYZ", 19), 0);
	free(key);
	unlink(path);
	path = secret_file("short", 0600);
	ck_assert_int_eq(webhook_load_secret(path, &key, &keylen, err, sizeof(err)), -1);
	unlink(path);
	path = secret_file("whsec_!!!!", 0600);
	ck_assert_int_eq(webhook_load_secret(path, &key, &keylen, err, sizeof(err)), -1);
	unlink(path);
	ck_assert_int_eq(webhook_load_secret("/nonexistent/x", &key, &keylen, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_names)
{
	enum webhook_format f;

	ck_assert_int_eq(webhook_format_parse("slack", &f), 0);
	ck_assert_int_eq(f, WEBHOOK_SLACK);
	ck_assert_str_eq(webhook_format_name(WEBHOOK_ALERTMANAGER), "alertmanager");
	ck_assert_int_eq(webhook_format_parse("alertmanager", &f), 0);
	ck_assert_int_eq(f, WEBHOOK_ALERTMANAGER);
	ck_assert_int_eq(webhook_format_parse("alertmanager-webhook", &f), 0);
	ck_assert_int_eq(f, WEBHOOK_ALERTMANAGER_WEBHOOK);
	ck_assert_str_eq(webhook_format_name(WEBHOOK_ALERTMANAGER_WEBHOOK), "alertmanager-webhook");
	ck_assert_int_eq(webhook_format_parse("alertmanager-", &f), -1);
	ck_assert_int_eq(webhook_format_parse("teams", &f), 0);
	ck_assert_int_eq(f, WEBHOOK_TEAMS);
	ck_assert_str_eq(webhook_format_name(WEBHOOK_TEAMS), "teams");
	ck_assert_int_eq(webhook_format_parse("pagerduty", &f), -1);
	ck_assert_int_eq(webhook_severity_parse("high"), 3);
	ck_assert_int_eq(webhook_severity_parse("severe"), -1);
	ck_assert_str_eq(webhook_severity_name(4), "critical");
}
END_TEST

/* An alert line whose event.original is n bytes of 'a', with an actor. */
static void
line_of(struct strbuf *line, size_t n)
{
	size_t i;

	strbuf_init(line);
	strbuf_append_str(line, "{\"event\":{\"original\":\"");
	for (i = 0; i < n; i++)
		strbuf_append_char(line, 'a');
	strbuf_append_str(line, "\"},\"rule\":{\"id\":\"r\",\"name\":\"R\"},"
	    "\"user\":{\"name\":\"alice\"}}");
}

/* The log line of an alert of n bytes as format f shows it. */
static void
shown_line(enum webhook_format f, size_t n, struct strbuf *shown)
{
	struct strbuf line, out;
	struct json_object *o;
	const char *v;

	line_of(&line, n);
	strbuf_init(&out);
	ck_assert_int_eq(format_line(f, line.data, line.len, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_ptr_nonnull(o);
	if (f == WEBHOOK_SLACK) {
		ck_assert_str_eq(GET(o, "blocks", "1", "fields", "2", "text"), "*By*\nalice");
		ck_assert_ptr_nonnull(strstr(GET(o, "text"), " by alice"));
		v = GET(o, "blocks", "2", "text", "text");
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(strncmp(v, "*Log line*\n", 11), 0);
		v += 11;
	} else if (f == WEBHOOK_TEAMS) {
		ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "1", "facts", "2", "value"),
		    "alice");
		v = GET(o, "attachments", "0", "content", "body", "2", "text");
	} else {
		ck_assert_str_eq(GET(o, "0", "annotations", "actor"), "alice");
		v = GET(o, "0", "annotations", "log_line");
	}
	ck_assert_ptr_nonnull(v);
	strbuf_init(shown);
	strbuf_append_str(shown, v);
	json_object_put(o);
	strbuf_free(&out);
	strbuf_free(&line);
}

/*
 * The raw line is cut by the format's escaping policy: whole at its
 * max_bytes, cut with U+2026 one byte past it (Slack 900, Teams and
 * Alertmanager 1,000).
 */
START_TEST(test_line_cut)
{
	static const struct {
		enum webhook_format f;
		size_t max;
	} cases[] = {
		{WEBHOOK_SLACK, 900}, {WEBHOOK_TEAMS, 1000}, {WEBHOOK_ALERTMANAGER, 1000},
	};
	struct strbuf shown;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shown_line(cases[i].f, cases[i].max, &shown);
		ck_assert_uint_eq(shown.len, cases[i].max);
		ck_assert_int_eq(shown.data[shown.len - 1], 'a');
		strbuf_free(&shown);
		shown_line(cases[i].f, cases[i].max + 1, &shown);
		ck_assert_uint_le(shown.len, cases[i].max);
		ck_assert_int_eq(memcmp(shown.data + shown.len - 3, "\xe2\x80\xa6", 3), 0);
		strbuf_free(&shown);
		shown_line(cases[i].f, 100000, &shown);
		ck_assert_uint_le(shown.len, cases[i].max);
		strbuf_free(&shown);
	}
}
END_TEST

/* A correlation has no event.original: its evidence lines are shown, one a line. */
START_TEST(test_line_correlated)
{
	static const char line[] = "{\"rule\":{\"id\":\"correlate-x\"},\"logward\":{\"correlation\":"
	    "{\"evidence\":[{\"event\":{\"original\":\"one <b>\"}},{\"event\":{}},"
	    "{\"event\":{\"original\":\"two\"}}]}}}";
	struct strbuf out;
	struct json_object *o;

	strbuf_init(&out);
	ck_assert_int_eq(format_line(WEBHOOK_SLACK, line, sizeof(line) - 1, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(GET(o, "blocks", "2", "text", "text"), "*Log line*\none &lt;b&gt; two");
	json_object_put(o);
	strbuf_reset(&out);
	ck_assert_int_eq(format_line(WEBHOOK_ALERTMANAGER, line, sizeof(line) - 1, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(GET(o, "0", "annotations", "log_line"), "one <b> two");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

/* An incident's alert shows each of its lines, not only the first's event.original. */
START_TEST(test_line_incident)
{
	static const char line[] = "{\"event\":{\"original\":\"sudo\"},\"logward\":{\"incident\":"
	    "{\"count\":2,\"evidence\":[{\"event\":{\"original\":\"sudo\"}},"
	    "{\"event\":{\"original\":\"useradd\"}}]}}}";
	struct strbuf out;
	struct json_object *o;

	strbuf_init(&out);
	ck_assert_int_eq(format_line(WEBHOOK_TEAMS, line, sizeof(line) - 1, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "2", "text"), "sudo useradd");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

/* The webhook-id comes from event.id and the webhook's name; none without an event.id. */
START_TEST(test_alert_webhook_id)
{
	static const char with[] = "{\"event\":{\"id\":\"0123456789abcdef0000000000000001\"}}";
	static const char without[] = "{\"event\":{\"kind\":\"alert\"}}";
	struct webhook_alert a;
	char id[33];

	webhook_alert_init(&a, with, sizeof(with) - 1);
	ck_assert_int_eq(webhook_alert_id(&a, "soc", id), 0);
	ck_assert_str_eq(id, "07ead44815e494e8a160b79921af868d");
	ck_assert_int_eq(webhook_alert_id(&a, "slack", id), 0);
	ck_assert_str_eq(id, "560bac53a8659bf4c2acf6c1556d0d09");
	webhook_alert_release(&a);
	webhook_alert_init(&a, without, sizeof(without) - 1);
	ck_assert_int_eq(webhook_alert_id(&a, "soc", id), -1);
	webhook_alert_release(&a);
	webhook_alert_init(&a, "[1]", 3);
	ck_assert_int_eq(webhook_alert_id(&a, "soc", id), -1);
	webhook_alert_release(&a);
}
END_TEST

/* Every body names the alert's event.id: a chat message leads to the SIEM record. */
START_TEST(test_event_id_shown)
{
	static const char line[] = "{\"@timestamp\":\"T\",\"event\":{\"id\":\"00ab\"},"
	    "\"rule\":{\"id\":\"r\"}}";
	struct strbuf out;
	struct json_object *o;

	strbuf_init(&out);
	ck_assert_int_eq(format_line(WEBHOOK_SLACK, line, sizeof(line) - 1, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_str_eq(GET(o, "blocks", "2", "elements", "0", "text"),
	    "logward rule r at T, event 00ab");
	json_object_put(o);
	strbuf_reset(&out);
	ck_assert_int_eq(format_line(WEBHOOK_TEAMS, line, sizeof(line) - 1, "i", "r", &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_str_eq(GET(o, "attachments", "0", "content", "body", "2", "text"),
	    "logward rule r at T, event 00ab");
	json_object_put(o);
	strbuf_reset(&out);
	ck_assert_int_eq(format_line(WEBHOOK_ALERTMANAGER_WEBHOOK, line, sizeof(line) - 1, "i", "r",
	    &out), 0);
	o = json_tokener_parse(strbuf_cstr(&out));
	ck_assert_str_eq(GET(o, "alerts", "0", "annotations", "event_id"), "00ab");
	json_object_put(o);
	strbuf_free(&out);
}
END_TEST

/* The suite. */
Suite *
unit_suite(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("webhook");

	tcase_add_checked_fixture(tc, load_alert, NULL);
	tcase_add_test(tc, test_standard);
	tcase_add_test(tc, test_slack);
	tcase_add_test(tc, test_alertmanager);
	tcase_add_test(tc, test_alertmanager_odd);
	tcase_add_loop_test(tc, test_alertmanager_label_bound, 0,
	    (int)(sizeof(label_cases) / sizeof(label_cases[0])));
	tcase_add_loop_test(tc, test_alertmanager_annotation_bound, 0,
	    (int)(sizeof(annotation_cases) / sizeof(annotation_cases[0])));
	tcase_add_test(tc, test_alertmanager_webhook);
	tcase_add_test(tc, test_teams);
	tcase_add_loop_test(tc, test_teams_escape, 0, sizeof(teams_cases) / sizeof(teams_cases[0]));
	tcase_add_test(tc, test_storm_key);
	tcase_add_test(tc, test_storm_every_format);
	tcase_add_test(tc, test_storm_summary_keeps_explain);
	tcase_add_test(tc, test_one_parse);
	tcase_add_test(tc, test_escape_cap);
	tcase_add_test(tc, test_oversized_fields);
	tcase_add_test(tc, test_not_json);
	tcase_add_loop_test(tc, test_slack_escape, 0, sizeof(escape_cases) / sizeof(escape_cases[0]));
	tcase_add_test(tc, test_sign_spec_example);
	tcase_add_test(tc, test_secret_files);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_line_cut);
	tcase_add_test(tc, test_line_correlated);
	tcase_add_test(tc, test_line_incident);
	tcase_add_test(tc, test_alert_webhook_id);
	tcase_add_test(tc, test_event_id_shown);
	suite_add_tcase(s, tc);
	return s;
}
