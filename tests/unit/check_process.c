/*
 * check_process.c: processor_run, the one path of a frame through parse,
 * normalize, event, detection and correlation that the workers and
 * --test-rules share (process.h), with the shipped patterns/: what each
 * kind of frame appends to the events and the alerts, and what it says in
 * its result (a parse failure, a normalization, an alert and its
 * detection, the correlations it completes).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "correlate.h"
#include "detect.h"
#include "process.h"
#include "unit.h"

static struct processor proc;
static struct detect_set *set;
static struct strbuf events, alerts;

static void
setup(void)
{
	char err[1024] = "";

	ck_assert_msg(processor_init(&proc, unit_srcpath("patterns"), err, sizeof(err)) == 0, "%s",
	    err);
	set = detect_load(unit_srcpath("patterns"), err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	processor_set_detect(&proc, set, false);
	strbuf_init(&events);
	strbuf_init(&alerts);
}

static void
teardown(void)
{
	processor_fini(&proc);
	detect_free(set);
	strbuf_free(&events);
	strbuf_free(&alerts);
}

/* Run one frame received at 2026-11-27T10:00:00Z from 192.0.2.7. */
static struct process_result
run(const char *frame, struct strbuf *alerts_out)
{
	struct frame_meta meta = {
	    .input_name = "unit",
	    .transport = "tcp",
	    .source_ip = "192.0.2.7",
	    .source_port = 5140,
	    .received = {1795773600, 0},
	};
	struct process_result res;

	memset(&res, 0xa5, sizeof(res));
	ck_assert_int_eq(processor_run(&proc, frame, strlen(frame), &meta, &events, alerts_out,
	    &res), 0);
	return res;
}

/* Line n (0-based) of b as JSON; the caller puts it. */
static struct json_object *
line(const struct strbuf *b, int n)
{
	const char *p = b->data, *end;
	char *text;
	struct json_object *o;

	ck_assert_ptr_nonnull(p);
	for (; n > 0; n--) {
		p = memchr(p, '\n', b->len - (size_t)(p - b->data));
		ck_assert_ptr_nonnull(p);
		p++;
	}
	end = memchr(p, '\n', b->len - (size_t)(p - b->data));
	ck_assert_ptr_nonnull(end); /* every line is whole */
	text = strndup(p, (size_t)(end - p));
	o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "not JSON: %s", text);
	free(text);
	return o;
}

static size_t
lines(const struct strbuf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

/* The string at a dotted path of o, or NULL. */
static const char *
str_at(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL, *k;
	struct json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, k, &v))
			return NULL;
	return json_object_get_string(v);
}

static bool
has_tag(struct json_object *o, const char *tag)
{
	struct json_object *tags;
	size_t i;

	if (!json_object_object_get_ex(o, "tags", &tags))
		return false;
	for (i = 0; i < (size_t)json_object_array_length(tags); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(tags, i)), tag) == 0)
			return true;
	return false;
}

/* A broken RFC 5424 header (Feb 30): one event, raw and flagged, no alert. */
START_TEST(test_malformed)
{
	struct process_result res = run("<13>1 2003-02-30T00:00:00Z h a p m - useradd", &alerts);
	struct json_object *e;

	ck_assert(res.parse_failed);
	ck_assert(!res.alerted);
	ck_assert_ptr_null(res.detection);
	ck_assert_uint_eq(res.correlated, 0);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(alerts.len, 0);
	e = line(&events, 0);
	ck_assert(has_tag(e, "_syslog_parse_failure"));
	ck_assert_ptr_nonnull(str_at(e, "event.original"));
	ck_assert_str_eq(str_at(e, "source.ip"), "192.0.2.7");
	ck_assert_str_eq(str_at(e, "observer.ingress.interface.name"), "unit");
	json_object_put(e);
}
END_TEST

/* A plain line: normalized or not, one event and no alert. */
START_TEST(test_benign)
{
	struct process_result res =
	    run("<38>Nov 27 10:00:00 web1 sshd[42]: Connection closed by 198.51.100.4", &alerts);
	struct json_object *e;

	ck_assert(!res.parse_failed);
	ck_assert(!res.alerted);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(alerts.len, 0);
	e = line(&events, 0);
	ck_assert_str_eq(str_at(e, "host.hostname"), "web1");
	ck_assert_str_eq(str_at(e, "event.kind"), "event");
	json_object_put(e);
}
END_TEST

/* An account created: the event, then the alert line, its detection given back. */
START_TEST(test_alert)
{
	const char *frame = "<86>Nov 27 10:00:00 web1 useradd[101]: new user: name=eve, "
	    "UID=2001, GID=2001, home=/home/eve, shell=/bin/sh, from=none";
	struct process_result res = run(frame, &alerts);
	struct json_object *e, *a;

	ck_assert(res.normalized);
	ck_assert(res.alerted);
	ck_assert_ptr_nonnull(res.detection);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(lines(&alerts), 1);
	e = line(&events, 0);
	a = line(&alerts, 0);
	ck_assert_str_eq(str_at(a, "event.kind"), "alert");
	ck_assert_str_eq(str_at(a, "rule.id"), res.detection->id);
	ck_assert_str_eq(str_at(a, "user.target.name"), "eve");
	ck_assert_str_eq(str_at(a, "event.original"), frame);
	ck_assert_str_eq(str_at(e, "user.target.name"), "eve");
	json_object_put(e);
	json_object_put(a);

	/* no alerts buffer: no detection, the same event */
	strbuf_reset(&events);
	strbuf_reset(&alerts);
	res = run(frame, NULL);
	ck_assert(!res.alerted);
	ck_assert_ptr_null(res.detection);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(alerts.len, 0);
}
END_TEST

/* Created, then into sudo: the second line completes a correlation. */
START_TEST(test_correlated)
{
	struct correlate_settings s = {3600, 300, NULL, 1000, NULL, 0, false};
	char err[256] = "";
	struct correlate *c = correlate_new(&s, 1795773600, err, sizeof(err));
	struct process_result res;
	struct json_object *a;
	size_t before;

	ck_assert_msg(c != NULL, "%s", err);
	processor_set_correlate(&proc, c);
	res = run("<86>Nov 27 10:00:00 web1 useradd[101]: new user: name=mallory, UID=2002, "
	    "GID=2002, home=/home/mallory, shell=/bin/sh, from=none", &alerts);
	ck_assert(res.alerted);
	ck_assert_uint_eq(res.correlated, 0);
	before = lines(&alerts);
	res = run("<86>Nov 27 10:00:05 web1 usermod[102]: add 'mallory' to group 'sudo'", &alerts);
	ck_assert_uint_eq(res.correlated, 1);
	ck_assert_uint_eq(lines(&alerts), before + (res.alerted ? 1 : 0) + 1);
	a = line(&alerts, (int)lines(&alerts) - 1);
	ck_assert_str_eq(str_at(a, "rule.id"), "correlate-created-then-admin");
	ck_assert_str_eq(str_at(a, "user.target.name"), "mallory");
	json_object_put(a);
	processor_set_correlate(&proc, NULL);
	correlate_free(c);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_benign);
	tcase_add_test(tc, test_alert);
	tcase_add_test(tc, test_correlated);
	suite_add_tcase(s, tc);
	return s;
}
