/*
 * check_detect_index.c: the (field, value) index of a tag's detections
 * (detect_index.c): keyed at and past its bounds (key fields a tag,
 * values a detection), and never hiding a detection that holds: every
 * case is matched with the index and without it (every detection of the
 * event's tags), and both must give the expected detection and tag.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "detect.h"
#include "detect_set.h"
#include "parse.h"
#include "test_event.h"
#include "unit.h"

#define LINE "<13>Nov 27 10:00:00 host1.corp.local app[1]: msg text here"

/* Load text as the only detections file of the test directory. */
static struct detect_set *
load_text(const char *text)
{
	char err[1024];
	struct detect_set *s;
	FILE *fp = fopen(unit_path("t.detections"), "w");

	ck_assert_ptr_nonnull(fp);
	fputs("technique T1136 { name = \"Create Account\" tactic = \"TA0003\" "
	      "tactic_name = \"Persistence\" }\n",
	    fp);
	fputs(text, fp);
	fclose(fp);
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

/* The detection called id (its number in the set). */
static size_t
det_of(const struct detect_set *s, const char *id)
{
	size_t i;

	for (i = 0; i < detect_count(s); i++)
		if (strcmp(detect_at(s, i)->id, id) == 0)
			return i;
	ck_abort_msg("no detection %s", id);
	return 0;
}

/* Whether detection id is keyed under tag. */
static bool
keyed(const struct detect_set *s, const char *tag, const char *id)
{
	const struct tag_entry *e = detect_tag_find(s, tag, strlen(tag));

	ck_assert_ptr_nonnull(e);
	return detect_index_keyed(e, det_of(s, id));
}

/*
 * Match norm with the index and without: both must give expect (NULL:
 * none) under expect_tag.
 */
static void
expect_match(
    const struct detect_set *s, const char *norm, const char *expect, const char *expect_tag)
{
	struct detect_result a, b;
	struct test_event e;
	int got_a, got_b;

	event_make(&e, LINE, norm, "10.1.2.3");
	got_a = detect_match(s, &e.de, &a);
	got_b = detect_match_unindexed(s, &e.de, &b);
	ck_assert_msg(got_a == got_b, "%s: indexed %d, unindexed %d", norm, got_a, got_b);
	if (expect == NULL) {
		ck_assert_msg(got_a == 0, "%s: unexpected %s", norm, got_a ? a.detection->id : "");
	} else {
		ck_assert_msg(got_a == 1, "%s: no detection (expected %s)", norm, expect);
		ck_assert_str_eq(a.detection->id, expect);
		ck_assert_str_eq(b.detection->id, expect);
		ck_assert_int_eq((int)a.tag.len, (int)strlen(expect_tag));
		ck_assert(memcmp(a.tag.p, expect_tag, a.tag.len) == 0);
		ck_assert(a.tag.len == b.tag.len && memcmp(a.tag.p, b.tag.p, a.tag.len) == 0);
	}
	event_done(&e);
}

/* Append printf text to buf (of size len, used so far *used). */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < len - *used);
	*used += (size_t)n;
}

#define DET_HEAD                                                                                   \
	"detection %s {\n title = \"%s\"\n technique = \"T1136\"\n severity = %s\n"                \
	" tags = { %s }\n"

/*
 * DETECT_INDEX_FIELDS + 1 detections of one tag, each keyed by a field of
 * its own: the first DETECT_INDEX_FIELDS are keyed, the last one is past
 * the bound and held against every event, and each still matches.
 */
START_TEST(test_bound_fields)
{
	size_t len = 256 * (DETECT_INDEX_FIELDS + 1), used = 0;
	char *text = malloc(len), id[32], norm[256];
	struct detect_set *s;
	int i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i <= DETECT_INDEX_FIELDS; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		put(text, len, &used, DET_HEAD " when = { \"f%d == v%d\" }\n}\n", id, id, "low",
		    "\"t\"", i, i);
	}
	s = load_text(text);
	for (i = 0; i <= DETECT_INDEX_FIELDS; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		ck_assert_msg(keyed(s, "t", id) == (i < DETECT_INDEX_FIELDS), "%s", id);
		snprintf(norm, sizeof(norm), "{\"event.tags\":[\"t\"],\"f%d\":\"v%d\"}", i, i);
		expect_match(s, norm, id, "t");
		snprintf(norm, sizeof(norm), "{\"event.tags\":[\"t\"],\"f%d\":\"v%d\"}", i, i + 1);
		expect_match(s, norm, NULL, NULL);
	}
	detect_free(s);
	free(text);
}
END_TEST

/*
 * An "in" of DETECT_INDEX_VALUES values keys its detection; one more
 * value and it keys nothing (the detection is held against every event).
 */
START_TEST(test_bound_values)
{
	size_t len = 64 * 1024, used = 0;
	char *text = malloc(len), norm[256];
	struct detect_set *s;
	int i;

	ck_assert_ptr_nonnull(text);
	put(text, len, &used, DET_HEAD " when = { \"f in (", "at", "at", "low", "\"t\"");
	for (i = 0; i < DETECT_INDEX_VALUES; i++)
		put(text, len, &used, "%sv%d", i ? ", " : "", i);
	put(text, len, &used, ")\" }\n}\n" DET_HEAD " when = { \"g in (", "past", "past", "low",
	    "\"t\"");
	for (i = 0; i <= DETECT_INDEX_VALUES; i++)
		put(text, len, &used, "%sw%d", i ? ", " : "", i);
	put(text, len, &used, ")\" }\n}\n");
	s = load_text(text);
	ck_assert(keyed(s, "t", "at"));
	ck_assert(!keyed(s, "t", "past"));
	for (i = 0; i <= DETECT_INDEX_VALUES; i++) {
		snprintf(norm, sizeof(norm), "{\"event.tags\":[\"t\"],\"f\":\"v%d\"}", i);
		expect_match(s, norm, i < DETECT_INDEX_VALUES ? "at" : NULL, "t");
		snprintf(norm, sizeof(norm), "{\"event.tags\":[\"t\"],\"g\":\"w%d\"}", i);
		expect_match(s, norm, "past", "t");
	}
	expect_match(s, "{\"event.tags\":[\"t\"],\"g\":\"w\"}", NULL, NULL);
	detect_free(s);
	free(text);
}
END_TEST

/* Detections the index must not hide, and the events held against them. */
static const char shapes[] =
    /* no keyable condition: only contains, regex, exists */
    DET_HEAD " when = { \"x contains_i needle\", \"y exists\" }\n}\n"
    /* negations: != and !in, and an unless on a value */
    DET_HEAD " when = { \"kind != skip\", \"op !in (a, b)\" }\n unless = { \"z == stop\" }\n}\n"
    /* case-insensitive: =~ and in_i on the field an exact == also keys */
    DET_HEAD " when = { \"name =~ BoB\" }\n}\n" DET_HEAD
	     " when = { \"name == Alice\" }\n}\n" DET_HEAD
	     " when = { \"name in_i (CAROL, Dave, carol)\" }\n}\n"
    /* two keyable conditions; the other must still be checked */
    DET_HEAD " when = { \"id == 4720\", \"src == Security\" }\n}\n"
    /* the same value keys two detections; the higher severity wins */
    DET_HEAD " when = { \"id == 4732\", \"src == Security\" }\n}\n" DET_HEAD
	     " when = { \"id in (4732, 4728)\" }\n}\n"
    /* a header field as the key, and a field that is a nested path */
    DET_HEAD " when = { \"log.syslog.appname == app\", \"hdr exists\" }\n}\n" DET_HEAD
	     " when = { \"a.b.c == deep\" }\n}\n"
    /* a field missing: only a missing condition holds */
    DET_HEAD " when = { \"gone missing\", \"m == 1\" }\n}\n"
    /* listed under two tags */
    DET_HEAD " when = { \"k == v\" }\n}\n";

static const struct {
	const char *norm;
	const char *expect;
	const char *tag;
} shape_cases[] = {
    {"{\"event.tags\":[\"t\"],\"x\":\"a NEEDLE\",\"y\":1}", "nokey", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"x\":\"a NEEDLE\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"go\",\"op\":\"c\"}", "neg", "t"},
    {"{\"event.tags\":[\"t\"]}", "neg", "t"}, /* both absent: != and !in hold */
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"op\":\"c\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"go\",\"op\":\"a\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"go\",\"z\":\"stop\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"BOB\"}", "fold", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"bob\"}", "fold", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"bobby\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"Alice\"}", "exact", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"alice\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"cArOl\"}", "foldlist", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"name\":\"DAVE\"}", "foldlist", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"id\":4720,\"src\":\"Security\"}", "two", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"id\":\"4720\",\"src\":\"Other\"}", NULL, NULL},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"id\":\"4732\",\"src\":\"Security\"}", "high",
	"t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"id\":\"4732\"}", "shared", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"id\":4728}", "shared", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"hdr\":1}", "header", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"a.b\":{\"c\":\"deep\"}}", "nested", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"a\":{\"b\":{\"c\":\"deep\"}}}", "nested", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"m\":1}", "missing", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"m\":1,\"gone\":0}", NULL, NULL},
    {"{\"event.tags\":[\"u\",\"t\"],\"kind\":\"skip\",\"k\":\"v\"}", "twotags", "u"},
    {"{\"event.tags\":[\"t\",\"u\"],\"kind\":\"skip\",\"k\":\"v\"}", "twotags", "t"},
    {"{\"event.tags\":[\"t\"],\"kind\":\"skip\",\"k\":\"V\"}", NULL, NULL},
};

START_TEST(test_shapes)
{
	char text[sizeof(shapes) + 2048];
	struct detect_set *s;

	snprintf(text, sizeof(text), shapes, "nokey", "nokey", "low", "\"t\"", "neg", "neg", "low",
	    "\"t\"", "fold", "fold", "medium", "\"t\"", "exact", "exact", "medium", "\"t\"",
	    "foldlist", "foldlist", "medium", "\"t\"", "two", "two", "low", "\"t\"", "high", "high",
	    "high", "\"t\"", "shared", "shared", "medium", "\"t\"", "header", "header", "high",
	    "\"t\"", "nested", "nested", "high", "\"t\"", "missing", "missing", "high", "\"t\"",
	    "twotags", "twotags", "critical", "\"t\", \"u\"");
	s = load_text(text);
	ck_assert(!keyed(s, "t", "nokey"));
	ck_assert(!keyed(s, "t", "neg"));
	ck_assert(keyed(s, "t", "fold"));
	ck_assert(keyed(s, "t", "exact"));
	ck_assert(keyed(s, "t", "foldlist"));
	ck_assert(keyed(s, "t", "two"));
	ck_assert(keyed(s, "t", "header"));
	ck_assert(keyed(s, "t", "missing"));
	ck_assert(keyed(s, "u", "twotags"));
	expect_match(s, shape_cases[_i].norm, shape_cases[_i].expect, shape_cases[_i].tag);
	detect_free(s);
}
END_TEST

/* The shipped detections: the JSON ones are keyed (what the index is for). */
START_TEST(test_shipped_keyed)
{
	char err[1024];
	struct detect_set *s = detect_load(unit_srcpath("patterns"), err, sizeof(err));
	const struct tag_entry *e;

	ck_assert_msg(s != NULL, "%s", err);
	e = detect_tag_find(s, "json", 4);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(e->n_unkeyed * 10 < e->n, "%zu of %zu unkeyed", e->n_unkeyed, e->n);
	ck_assert_uint_le(e->n_fields, DETECT_INDEX_FIELDS);
	detect_free(s);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("detect_index");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_test(tc, test_bound_fields);
	tcase_add_test(tc, test_bound_values);
	tcase_add_loop_test(
	    tc, test_shapes, 0, (int)(sizeof(shape_cases) / sizeof(shape_cases[0])));
	tcase_add_test(tc, test_shipped_keyed);
	suite_add_tcase(s, tc);
	return s;
}
