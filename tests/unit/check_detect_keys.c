/*
 * check_detect_keys.c: field lookups through an event's list of keys
 * (detect_keys_begin, detect_field.c) give what libfastjson's search
 * gives: for every path of a table of events, with and without the list;
 * and the list's bounds (objects, keys) at and past them, where an object
 * that does not fit is searched as before.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "detect.h"
#include "detect_set.h"
#include "parse.h"
#include "test_event.h"
#include "unit.h"

#define LINE "<13>Nov 27 10:00:00 host1 app[1]: the header message"

/* path's value as "text", or "(absent)", in buf. */
static const char *
lookup(const struct detect_event *ev, const char *path, char *buf, size_t len)
{
	struct detect_value v;

	if (!detect_field(ev, path, &v))
		snprintf(buf, len, "(absent)");
	else
		snprintf(buf, len, "%.*s", (int)v.s.len, v.s.p);
	return buf;
}

/* path looked up without the list and then with it: the same, and want. */
static void
expect_same(
    const struct detect_event *ev, struct detect_keys *keys, const char *path, const char *want)
{
	char a[128], b[128];
	struct detect_keys *previous;

	lookup(ev, path, a, sizeof(a));
	previous = detect_keys_begin(keys);
	lookup(ev, path, b, sizeof(b));
	lookup(ev, path, b, sizeof(b)); /* listed now: the second goes through the list */
	detect_keys_end(previous);
	ck_assert_msg(strcmp(a, b) == 0, "%s: searched %s, listed %s", path, a, b);
	if (want != NULL)
		ck_assert_msg(strcmp(a, want) == 0, "%s: %s, expected %s", path, a, want);
}

static const char *const events[] = {
    "{\"a.b\":\"literal\",\"a\":{\"b\":\"nested\",\"c\":\"only nested\"}}",
    "{\"ab\":1,\"a\":{\"b\":2},\"user\":\"u1\",\"user2\":\"u2\",\"us\":\"u0\"}",
    "{\"message\":null,\"n\":null,\"t\":true,\"i\":-4720,\"o\":{\"p\":{\"q\":\"deep\"}}}",
    "{\"json\":{\"winlog\":{\"event_id\":4720},\"winlog.event_id\":\"dotted\"}}",
    "{\"json\":{\"x\":{\"y\":\"in x\"},\"x.y\":{\"z\":\"mixed\"}}}",
    /* lengths 70 and 6 share a bit of the lengths mask (70 % 64) */
    "{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":\"long\","
    "\"abcdef\":\"six\"}",
};

static const char *const paths[] = {
    "a.b",
    "a.c",
    "a",
    "ab",
    "user",
    "user2",
    "us",
    "use",
    "message",
    "n",
    "t",
    "i",
    "o.p.q",
    "o.p",
    "o.p.r",
    "json.winlog.event_id",
    "json.winlog",
    "json.x.y",
    "json.x.y.z",
    "log.syslog.appname",
    "nope",
    "a.b.c",
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
    "abcdef",
    "abcdeg",
    "kkkkkk",
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
};

START_TEST(test_same_answers)
{
	struct detect_keys *keys = malloc(sizeof(*keys));
	struct test_event e;
	size_t i;

	ck_assert_ptr_nonnull(keys);
	event_make_fields(&e, LINE, json_tokener_parse(events[_i]), "10.1.2.3");
	ck_assert_ptr_nonnull(e.norm);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		expect_same(&e.de, keys, paths[i], NULL);
	event_done(&e);
	free(keys);
}
END_TEST

/* A few of those answers, known: the literal key first, null is absent. */
START_TEST(test_known_answers)
{
	struct detect_keys *keys = malloc(sizeof(*keys));
	struct test_event e;

	ck_assert_ptr_nonnull(keys);
	event_make_fields(&e, LINE, json_tokener_parse(events[0]), "10.1.2.3");
	expect_same(&e.de, keys, "a.b", "literal");
	expect_same(&e.de, keys, "a.c", "only nested");
	event_done(&e);
	event_make_fields(&e, LINE, json_tokener_parse(events[2]), "10.1.2.3");
	expect_same(&e.de, keys, "message", "the header message");
	expect_same(&e.de, keys, "n", "(absent)");
	expect_same(&e.de, keys, "i", "-4720");
	event_done(&e);
	event_make_fields(&e, LINE, json_tokener_parse(events[3]), "10.1.2.3");
	expect_same(&e.de, keys, "json.winlog.event_id", "dotted");
	event_done(&e);
	event_make_fields(&e, LINE, json_tokener_parse(events[5]), "10.1.2.3");
	expect_same(&e.de, keys,
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", "long");
	expect_same(&e.de, keys, "abcdef", "six");
	expect_same(&e.de, keys, "abcdeg", "(absent)");
	expect_same(&e.de, keys, "kkkkkk", "(absent)");
	event_done(&e);
	free(keys);
}
END_TEST

/* An object of n keys k0..k(n-1) (values v0...). */
static struct json_object *
object_of(int n)
{
	struct json_object *o = json_object_new_object();
	char k[16], v[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		json_object_object_add(o, k, json_object_new_string(v));
	}
	return o;
}

/*
 * A root of DETECT_KEYS_MAX keys is listed; one more key and it is not
 * (searched as before).  Every key is found either way.
 */
START_TEST(test_bound_keys)
{
	struct detect_keys *keys = malloc(sizeof(*keys)), *previous;
	int n = DETECT_KEYS_MAX + _i, i;
	struct test_event e;
	char path[16], want[16];

	ck_assert_ptr_nonnull(keys);
	event_make_fields(&e, LINE, object_of(n), "10.1.2.3");
	for (i = n - 1; i >= 0; i -= 37) {
		snprintf(path, sizeof(path), "k%d", i);
		snprintf(want, sizeof(want), "v%d", i);
		expect_same(&e.de, keys, path, want);
	}
	expect_same(&e.de, keys, "k", "(absent)");
	previous = detect_keys_begin(keys);
	ck_assert_str_eq(lookup(&e.de, "k0", want, sizeof(want)), "v0");
	ck_assert_uint_eq(keys->n_objs, 1);
	ck_assert_uint_eq(keys->objs[0].n, _i == 0 ? (size_t)DETECT_KEYS_MAX : SIZE_MAX);
	ck_assert_uint_eq(keys->n_keys, _i == 0 ? (size_t)DETECT_KEYS_MAX : 0);
	detect_keys_end(previous);
	event_done(&e);
	free(keys);
}
END_TEST

/*
 * DETECT_KEYS_OBJECTS objects are listed (the root and the first nested
 * ones reached); the objects past them are searched; all are found.
 */
START_TEST(test_bound_objects)
{
	struct detect_keys *keys = malloc(sizeof(*keys)), *previous;
	struct json_object *root = json_object_new_object();
	struct test_event e;
	char path[32], want[16];
	int i;

	ck_assert_ptr_nonnull(keys);
	for (i = 0; i <= DETECT_KEYS_OBJECTS; i++) {
		snprintf(path, sizeof(path), "o%d", i);
		json_object_object_add(root, path, object_of(3));
	}
	event_make_fields(&e, LINE, root, "10.1.2.3");
	previous = detect_keys_begin(keys);
	for (i = 0; i <= DETECT_KEYS_OBJECTS; i++) {
		snprintf(path, sizeof(path), "o%d.k2", i);
		ck_assert_str_eq(lookup(&e.de, path, want, sizeof(want)), "v2");
		snprintf(path, sizeof(path), "o%d.k3", i);
		ck_assert_str_eq(lookup(&e.de, path, want, sizeof(want)), "(absent)");
	}
	ck_assert_uint_eq(keys->n_objs, DETECT_KEYS_OBJECTS);
	/* the root (listed first) and DETECT_KEYS_OBJECTS - 1 nested objects of 3 keys */
	ck_assert_uint_eq(keys->n_keys,
	    (size_t)(DETECT_KEYS_OBJECTS + 1) + 3 * (size_t)(DETECT_KEYS_OBJECTS - 1));
	detect_keys_end(previous);
	event_done(&e); /* and root with it */
	free(keys);
}
END_TEST

/* A nested object that does not fit in the room the root left is searched. */
START_TEST(test_bound_nested_room)
{
	struct detect_keys *keys = malloc(sizeof(*keys)), *previous;
	struct json_object *root = object_of(10);
	struct test_event e;
	char buf[16];

	ck_assert_ptr_nonnull(keys);
	json_object_object_add(root, "big", object_of(DETECT_KEYS_MAX - 11 + _i));
	event_make_fields(&e, LINE, root, "10.1.2.3");
	previous = detect_keys_begin(keys);
	ck_assert_str_eq(lookup(&e.de, "big.k0", buf, sizeof(buf)), "v0");
	ck_assert_str_eq(lookup(&e.de, "k9", buf, sizeof(buf)), "v9");
	ck_assert_uint_eq(keys->n_objs, 2);
	ck_assert_uint_eq(keys->objs[0].n, 11);
	ck_assert_uint_eq(keys->objs[1].n, _i == 0 ? (size_t)DETECT_KEYS_MAX - 11 : SIZE_MAX);
	ck_assert_uint_eq(keys->n_keys, _i == 0 ? (size_t)DETECT_KEYS_MAX : 11);
	detect_keys_end(previous);
	event_done(&e); /* and root with it */
	free(keys);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("detect_keys");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_same_answers, 0, (int)(sizeof(events) / sizeof(events[0])));
	tcase_add_test(tc, test_known_answers);
	tcase_add_loop_test(tc, test_bound_keys, 0, 2);
	tcase_add_test(tc, test_bound_objects);
	tcase_add_loop_test(tc, test_bound_nested_room, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
