/*
 * check_alert_merge.c: the incident table: alerts of one host, account
 * and technique within the window are one alert with every line as
 * evidence, others are not; the bounds (open windows, lines a window)
 * at and past them, counted by reason; what is never held; a flush of
 * everything (drain); the sequential clock of --test-rules.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "alert_merge.h"
#include "unit.h"

/* An alert line of host, account, technique at second sec (no LF), as alert.c writes it (ECS arrays). */
static const char *
alert_line(char *buf, size_t size, const char *host, const char *account, const char *technique,
    int sec, const char *rule)
{
	snprintf(buf, size,
	    "{\"@timestamp\":\"2026-11-27T10:00:%02d.000000Z\",\"event\":{\"id\":\"id-%s-%d\","
	    "\"kind\":\"alert\",\"original\":\"line %s %d\"},\"host\":{\"hostname\":\"%s\"},"
	    "\"rule\":{\"id\":\"%s\"},\"threat\":{\"technique\":{\"id\":[\"%s\"]}},"
	    "\"user\":{\"target\":{\"name\":\"%s\"}}}",
	    sec, account, sec, rule, sec, host, rule, technique, account);
	return buf;
}

static int
offer(struct alert_merge *m, const char *line, int64_t now)
{
	return alert_merge_offer(m, line, strlen(line), now);
}

/* Each LF-terminated line of out parsed; n set to their number. */
static struct json_object *
nth(const struct strbuf *out, size_t want)
{
	size_t i, start = 0, n = 0;

	for (i = 0; i < out->len; i++)
		if (out->data[i] == '\n') {
			if (n++ == want) {
				struct json_tokener *tok = json_tokener_new();
				struct json_object *o = json_tokener_parse_ex(tok, out->data + start,
				    (int)(i - start));

				json_tokener_free(tok);
				ck_assert_ptr_nonnull(o);
				return o;
			}
			start = i + 1;
		}
	return NULL;
}

static const char *
str_at(struct json_object *o, const char *a, const char *b, const char *c)
{
	struct json_object *v = o;

	if (!json_object_object_get_ex(v, a, &v) || (b != NULL && !json_object_object_get_ex(v, b, &v)) ||
	    (c != NULL && !json_object_object_get_ex(v, c, &v)))
		return NULL;
	return json_object_get_string(v);
}

/* sudo + useradd of one account on one host: one alert, both lines as evidence. */
START_TEST(test_merge_two)
{
	struct alert_merge *m = alert_merge_new(2000, 16, false);
	struct alert_merge_stats st;
	struct strbuf out;
	struct json_object *o, *ev, *e;
	char a[512], b[512];

	ck_assert_ptr_nonnull(m);
	strbuf_init(&out);
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "web1", "bob", "T1136.001", 0, "sudo"), 1000), 1);
	ck_assert_int_eq(offer(m, alert_line(b, sizeof(b), "web1", "bob", "T1136.001", 0, "useradd"), 2999), 1);
	/* the window is open: nothing yet */
	ck_assert_uint_eq(alert_merge_flush(m, 2999, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(alert_merge_flush(m, 3000, &out), 1);
	o = nth(&out, 0);
	ck_assert_ptr_null(nth(&out, 1));
	/* the first alert, its event.id, and every line */
	ck_assert_str_eq(str_at(o, "rule", "id", NULL), "sudo");
	ck_assert_str_eq(str_at(o, "event", "id", NULL), "id-bob-0");
	ck_assert(json_object_object_get_ex(o, "logward", &ev));
	ck_assert(json_object_object_get_ex(ev, "incident", &ev));
	ck_assert_str_eq(str_at(ev, "count", NULL, NULL), "2");
	ck_assert(json_object_object_get_ex(ev, "evidence", &ev));
	ck_assert_uint_eq(json_object_array_length(ev), 2);
	e = json_object_array_get_idx(ev, 1);
	ck_assert_str_eq(str_at(e, "event", "original", NULL), "line useradd 0");
	ck_assert_str_eq(str_at(e, "rule", "id", NULL), "useradd");
	ck_assert_str_eq(str_at(e, "@timestamp", NULL, NULL), "2026-11-27T10:00:00.000000Z");
	json_object_put(o);
	alert_merge_get_stats(m, &st);
	ck_assert_uint_eq(st.merged, 1);
	ck_assert_uint_eq(st.open, 0);
	strbuf_free(&out);
	alert_merge_free(m);
}
END_TEST

/* Another host, account or technique, or the window passed: separate alerts, unchanged. */
START_TEST(test_merge_apart)
{
	struct alert_merge *m = alert_merge_new(2000, 16, false);
	struct strbuf out;
	char a[512], b[512], c[512], d[512], e[512];

	strbuf_init(&out);
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "web1", "bob", "T1098", 0, "r"), 0), 1);
	ck_assert_int_eq(offer(m, alert_line(b, sizeof(b), "web2", "bob", "T1098", 0, "r"), 0), 1);
	ck_assert_int_eq(offer(m, alert_line(c, sizeof(c), "web1", "eve", "T1098", 0, "r"), 0), 1);
	ck_assert_int_eq(offer(m, alert_line(d, sizeof(d), "web1", "bob", "T1136.001", 0, "r"), 0), 1);
	/* at the window's end: a window of its own */
	ck_assert_int_eq(offer(m, alert_line(e, sizeof(e), "web1", "bob", "T1098", 2, "r"), 2000), 1);
	ck_assert_uint_eq(alert_merge_open(m), 5);
	ck_assert_uint_eq(alert_merge_flush(m, INT64_MAX, &out), 5);
	/* a window of one alert gives its line as it was */
	ck_assert_int_eq(strncmp(out.data, a, strlen(a)), 0);
	ck_assert_ptr_null(strstr(strbuf_cstr(&out), "incident"));
	strbuf_free(&out);
	alert_merge_free(m);
}
END_TEST

/* Never held: not an object, a correlation, no account, no technique, two techniques. */
START_TEST(test_merge_never)
{
	static const char *const lines[] = {
		"not json",
		"[1]",
		"{\"logward\":{\"correlation\":{}},\"user\":{\"target\":{\"name\":\"b\"}},"
		"\"threat\":{\"technique\":{\"id\":\"T1098\"}}}",
		"{\"threat\":{\"technique\":{\"id\":\"T1098\"}}}",
		"{\"user\":{\"target\":{\"name\":\"b\"}}}",
		"{\"user\":{\"target\":{\"name\":\"\"}},\"threat\":{\"technique\":{\"id\":\"T1098\"}}}",
		/* two techniques: no single one to key on */
		"{\"user\":{\"target\":{\"name\":\"b\"}},"
		"\"threat\":{\"technique\":{\"id\":[\"T1098\",\"T1136\"]}}}",
	};
	struct alert_merge *m = alert_merge_new(2000, 16, false);
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(offer(m, lines[i], 0) == 0, "held: %s", lines[i]);
	ck_assert_uint_eq(alert_merge_open(m), 0);
	alert_merge_free(m);
}
END_TEST

/* max_open windows at the bound are held; one past it is written now, counted. */
START_TEST(test_merge_table_bound)
{
	struct alert_merge *m = alert_merge_new(2000, 3, false);
	struct alert_merge_stats st;
	struct strbuf out;
	char a[512], acct[16];
	int i;

	strbuf_init(&out);
	for (i = 0; i < 3; i++) {
		snprintf(acct, sizeof(acct), "u%d", i);
		ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", acct, "T1098", 0, "r"), 0), 1);
	}
	ck_assert_uint_eq(alert_merge_open(m), 3);
	/* a fourth incident: past the bound */
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", "u3", "T1098", 0, "r"), 0), 0);
	/* an open incident still takes its lines */
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", "u0", "T1098", 0, "r2"), 1), 1);
	alert_merge_get_stats(m, &st);
	ck_assert_uint_eq(st.unmerged[ALERT_MERGE_TABLE_FULL], 1);
	ck_assert_uint_eq(st.open, 3);
	ck_assert_str_eq(alert_merge_reason_name(ALERT_MERGE_TABLE_FULL), "table_full");
	/* closed windows make room */
	ck_assert_uint_eq(alert_merge_flush(m, 2000, &out), 3);
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", "u3", "T1098", 2, "r"), 2000), 1);
	alert_merge_flush(m, INT64_MAX, &out);
	strbuf_free(&out);
	alert_merge_free(m);
}
END_TEST

/* ALERT_MERGE_LINES_MAX lines in one incident; the next is written on its own. */
START_TEST(test_merge_lines_bound)
{
	struct alert_merge *m = alert_merge_new(2000, 4, false);
	struct alert_merge_stats st;
	struct strbuf out;
	struct json_object *o, *inc;
	char a[512];
	int i;

	strbuf_init(&out);
	for (i = 0; i < ALERT_MERGE_LINES_MAX; i++)
		ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", "bob", "T1098", 0, "r"), 0), 1);
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", "bob", "T1098", 0, "r"), 0), 0);
	alert_merge_get_stats(m, &st);
	ck_assert_uint_eq(st.unmerged[ALERT_MERGE_INCIDENT_FULL], 1);
	ck_assert_uint_eq(st.merged, ALERT_MERGE_LINES_MAX - 1);
	ck_assert_uint_eq(alert_merge_flush(m, INT64_MAX, &out), 1);
	o = nth(&out, 0);
	ck_assert(json_object_object_get_ex(o, "logward", &inc));
	ck_assert(json_object_object_get_ex(inc, "incident", &inc));
	ck_assert(json_object_object_get_ex(inc, "count", &inc));
	ck_assert_int_eq(json_object_get_int(inc), ALERT_MERGE_LINES_MAX);
	json_object_put(o);
	strbuf_free(&out);
	alert_merge_free(m);
}
END_TEST

/* A clock that steps back past a window closes it rather than holding it for ever. */
START_TEST(test_merge_clock_back)
{
	struct alert_merge *m = alert_merge_new(2000, 4, false);
	struct strbuf out;
	char a[512];

	strbuf_init(&out);
	ck_assert_int_eq(offer(m, alert_line(a, sizeof(a), "h", "bob", "T1098", 0, "r"), 10000), 1);
	ck_assert_uint_eq(alert_merge_flush(m, 8001, &out), 0);
	ck_assert_uint_eq(alert_merge_flush(m, 7999, &out), 1);
	strbuf_free(&out);
	alert_merge_free(m);
}
END_TEST

/* --test-rules: one window at a time, in the alerts' own time. */
START_TEST(test_merge_sequential)
{
	struct alert_merge *m = alert_merge_new(2000, 99, true);
	struct strbuf out;
	char a[512], b[512], c[512];

	strbuf_init(&out);
	alert_line(a, sizeof(a), "h", "bob", "T1098", 0, "r");
	alert_line(b, sizeof(b), "h", "bob", "T1098", 1, "r");
	alert_line(c, sizeof(c), "h", "bob", "T1098", 3, "r");
	ck_assert_int_eq(alert_merge_fit(m, a, strlen(a)), ALERT_MERGE_OTHER);
	ck_assert_int_eq(offer(m, a, 123456), 1);
	/* the caller's clock does not matter: the alerts' @timestamps do */
	ck_assert_int_eq(alert_merge_fit(m, b, strlen(b)), ALERT_MERGE_JOINS);
	ck_assert_int_eq(alert_merge_fit(m, c, strlen(c)), ALERT_MERGE_OTHER);
	ck_assert_int_eq(alert_merge_fit(m, "{}", 2), ALERT_MERGE_NEVER);
	ck_assert(!alert_merge_outlived(m, b, strlen(b)));
	ck_assert(alert_merge_outlived(m, c, strlen(c)));
	ck_assert(!alert_merge_outlived(m, "{}", 2));
	ck_assert_int_eq(offer(m, b, 0), 1);
	/* one window at most */
	ck_assert_int_eq(offer(m, alert_line(c, sizeof(c), "h", "eve", "T1098", 1, "r"), 0), 0);
	ck_assert_uint_eq(alert_merge_flush(m, INT64_MAX, &out), 1);
	ck_assert_ptr_nonnull(strstr(strbuf_cstr(&out), "\"count\":2"));
	strbuf_free(&out);
	alert_merge_free(m);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("alert_merge");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_merge_two);
	tcase_add_test(tc, test_merge_apart);
	tcase_add_test(tc, test_merge_never);
	tcase_add_test(tc, test_merge_table_bound);
	tcase_add_test(tc, test_merge_lines_bound);
	tcase_add_test(tc, test_merge_clock_back);
	tcase_add_test(tc, test_merge_sequential);
	suite_add_tcase(s, tc);
	return s;
}
