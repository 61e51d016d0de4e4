/*
 * check_sigma.c: Sigma rules (sigma.h): every construct and modifier the
 * loader supports, each with an event that must match and one that must
 * not; the reasons a rule is skipped; every bound at and past its limit;
 * the word index (a rule whose word is absent is not even tried); the
 * walk of a condition both indexes share (sigma_require); the mapping
 * files' errors.  The rules here are written for the tests; the
 * SigmaHQ ones are tests/scenario/sigma-rules.sh's.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "correlate.h"
#include "detect.h"
#include "detect_set.h"
#include "normalize.h"
#include "parse.h"
#include "sigma.h"
#include "sigma_impl.h"
#include "test_event.h"
#include "unit.h"

/* The test shape: any event; Sigma field X is event field X, with a few exceptions. */
static const char test_map[] =
    "name: test\n"
    "logsource: {product: test}\n"
    "fields:\n"
    "  Host: host.hostname\n"
    "  Kind: kv:type\n"
    "fallback: \"{}\"\n"
    "target: Target\n";

/*
 * An event whose message is msg, or the JSON body norm_json for "m": the
 * word index trusts that field values are pieces of the message, as they
 * are for liblognorm's fields.
 */
static void
message_event(struct test_event *e, const char *msg, const char *norm_json)
{
	char line[sizeof(e->line)];

	if (strcmp(msg, "m") == 0 && norm_json != NULL)
		msg = norm_json;
	snprintf(line, sizeof(line), "<13>Nov 27 10:00:00 host1 app: %s", msg);
	event_make(e, line, norm_json, "192.0.2.1");
}

static void
write_text(const char *name, const char *text, size_t len)
{
	FILE *fp = fopen(unit_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

static void
write_map(void)
{
	mkdir(unit_path("sigma"), 0755);
	write_text("sigma/test.map", test_map, strlen(test_map));
}

/* A rule file r.yml whose detection is detection (indented two spaces). */
static void
write_rule(const char *name, const char *detection)
{
	char text[16384];
	int n = snprintf(text, sizeof(text),
	    "title: Test rule\nid: 0e6f4b4c-0000-4000-8000-000000000001\nlevel: high\n"
	    "tags:\n  - attack.persistence\n  - attack.t1136.001\n"
	    "logsource:\n  product: test\ndetection:\n%s", detection);

	ck_assert_int_lt(n, (int)sizeof(text));
	write_text(name, text, (size_t)n);
}

/* Load the test directory: rules and mapping. */
static struct detect_set *
load(void)
{
	char err[1024];
	struct detect_set *s = detect_load_sigma(unit_dir, NULL, err, sizeof(err));

	ck_assert_msg(s != NULL, "load: %s", err);
	return s;
}

/* The reason the only rule was skipped, or "" when it loaded. */
static const char *
skip_reason(const struct detect_set *s)
{
	if (s->sigma_report->n_skips == 0)
		return "";
	return s->sigma_report->skips[0].reason;
}

struct match_case {
	const char *detection;
	const char *msg;
	const char *norm;
	bool match;
};

/* clang-format off */
static const struct match_case match_cases[] = {
	/* plain values: equal, ignoring case */
	{"  sel:\n    F: 'Hello World'\n  condition: sel\n", "m", "{\"F\":\"hello world\"}", true},
	{"  sel:\n    F: 'Hello World'\n  condition: sel\n", "m", "{\"F\":\"hello world!\"}", false},
	{"  sel:\n    F: 'Hello'\n  condition: sel\n", "m", "{\"G\":\"hello\"}", false},
	/* numbers */
	{"  sel:\n    EventID: 4720\n  condition: sel\n", "m", "{\"EventID\":4720}", true},
	{"  sel:\n    EventID: 4720\n  condition: sel\n", "m", "{\"EventID\":47201}", false},
	/* contains, startswith, endswith */
	{"  sel:\n    F|contains: 'net user'\n  condition: sel\n", "m", "{\"F\":\"C:\\\\x NET USER /add\"}", true},
	{"  sel:\n    F|contains: 'net user'\n  condition: sel\n", "m", "{\"F\":\"net  user\"}", false},
	{"  sel:\n    F|startswith: 'abc'\n  condition: sel\n", "m", "{\"F\":\"ABCdef\"}", true},
	{"  sel:\n    F|startswith: 'abc'\n  condition: sel\n", "m", "{\"F\":\"xabc\"}", false},
	{"  sel:\n    F|endswith: '\\net.exe'\n  condition: sel\n", "m", "{\"F\":\"C:\\\\Windows\\\\NET.exe\"}", true},
	{"  sel:\n    F|endswith: '\\net.exe'\n  condition: sel\n", "m", "{\"F\":\"C:\\\\Windows\\\\net.exe.bak\"}", false},
	/* wildcards, and escaped ones */
	{"  sel:\n    F: 'a*c'\n  condition: sel\n", "m", "{\"F\":\"abbbc\"}", true},
	{"  sel:\n    F: 'a*c'\n  condition: sel\n", "m", "{\"F\":\"abbbd\"}", false},
	{"  sel:\n    F: 'a?c'\n  condition: sel\n", "m", "{\"F\":\"abc\"}", true},
	{"  sel:\n    F: 'a?c'\n  condition: sel\n", "m", "{\"F\":\"abbc\"}", false},
	{"  sel:\n    F: 'a\\*c'\n  condition: sel\n", "m", "{\"F\":\"a*c\"}", true},
	{"  sel:\n    F: 'a\\*c'\n  condition: sel\n", "m", "{\"F\":\"abc\"}", false},
	{"  sel:\n    F: '*'\n  condition: sel\n", "m", "{\"F\":\"\"}", true},
	{"  sel:\n    F: 'x*y*z'\n  condition: sel\n", "m", "{\"F\":\"xzyz\"}", true},
	{"  sel:\n    F: 'x*y*z'\n  condition: sel\n", "m", "{\"F\":\"xzy\"}", false},
	/* a list is OR, a map is AND, a list of maps is OR of ANDs */
	{"  sel:\n    F:\n      - one\n      - two\n  condition: sel\n", "m", "{\"F\":\"two\"}", true},
	{"  sel:\n    F:\n      - one\n      - two\n  condition: sel\n", "m", "{\"F\":\"three\"}", false},
	{"  sel:\n    F: one\n    G: two\n  condition: sel\n", "m", "{\"F\":\"one\",\"G\":\"two\"}", true},
	{"  sel:\n    F: one\n    G: two\n  condition: sel\n", "m", "{\"F\":\"one\",\"G\":\"one\"}", false},
	{"  sel:\n    - F: one\n    - G: two\n  condition: sel\n", "m", "{\"G\":\"two\"}", true},
	{"  sel:\n    - F: one\n    - G: two\n  condition: sel\n", "m", "{\"G\":\"one\"}", false},
	/* all */
	{"  sel:\n    F|contains|all:\n      - user\n      - /add\n  condition: sel\n", "m", "{\"F\":\"net user x /add\"}", true},
	{"  sel:\n    F|contains|all:\n      - user\n      - /add\n  condition: sel\n", "m", "{\"F\":\"net user x\"}", false},
	/* re: POSIX after translation, case-sensitive unless |i */
	{"  sel:\n    F|re: '^ab\\d+$'\n  condition: sel\n", "m", "{\"F\":\"ab12\"}", true},
	{"  sel:\n    F|re: '^ab\\d+$'\n  condition: sel\n", "m", "{\"F\":\"AB12\"}", false},
	{"  sel:\n    F|re|i: '^ab\\d+$'\n  condition: sel\n", "m", "{\"F\":\"AB12\"}", true},
	{"  sel:\n    F|re: '(?i)^ab(?:c|d)\\s\\w+?$'\n  condition: sel\n", "m", "{\"F\":\"ABD x_1\"}", true},
	{"  sel:\n    F|re: '(?i)^ab(?:c|d)\\s\\w+?$'\n  condition: sel\n", "m", "{\"F\":\"ABE x_1\"}", false},
	/* windash */
	{"  sel:\n    F|windash|contains: ' -add'\n  condition: sel\n", "m", "{\"F\":\"net user x /add\"}", true},
	{"  sel:\n    F|windash|contains: ' -add'\n  condition: sel\n", "m", "{\"F\":\"net user x \xe2\x80\x94" "add\"}", true},
	{"  sel:\n    F|windash|contains: ' -add'\n  condition: sel\n", "m", "{\"F\":\"net user x +add\"}", false},
	/* cidr */
	{"  sel:\n    F|cidr: 10.0.0.0/8\n  condition: sel\n", "m", "{\"F\":\"10.200.3.4\"}", true},
	{"  sel:\n    F|cidr: 10.0.0.0/8\n  condition: sel\n", "m", "{\"F\":\"11.0.0.1\"}", false},
	{"  sel:\n    F|cidr: '2001:db8::/32'\n  condition: sel\n", "m", "{\"F\":\"2001:db8:1::5\"}", true},
	{"  sel:\n    F|cidr: '2001:db8::/32'\n  condition: sel\n", "m", "{\"F\":\"2001:db9::5\"}", false},
	{"  sel:\n    F|cidr: 10.0.0.0/8\n  condition: sel\n", "m", "{\"F\":\"not an address\"}", false},
	/* base64, base64offset (case matters there) */
	{"  sel:\n    F|base64: abc\n  condition: sel\n", "m", "{\"F\":\"YWJj\"}", true},
	{"  sel:\n    F|base64: abc\n  condition: sel\n", "m", "{\"F\":\"ywjj\"}", false},
	{"  sel:\n    F|base64offset|contains: 'http://evil'\n  condition: sel\n", "m", "{\"F\":\"x aHR0cDovL2V2aWwuZXhhbXBsZS9ydW4=\"}", true},
	{"  sel:\n    F|base64offset|contains: 'http://evil'\n  condition: sel\n", "m", "{\"F\":\"eGh0dHA6Ly9ldmlsLmV4YW1wbGUvcnVu\"}", true},
	{"  sel:\n    F|base64offset|contains: 'http://evil'\n  condition: sel\n", "m", "{\"F\":\"eHlodHRwOi8vZXZpbC5leGFtcGxlL3J1bg==\"}", true},
	{"  sel:\n    F|base64offset|contains: 'http://evil'\n  condition: sel\n", "m", "{\"F\":\"aHR0cDovL2dvb2Q=\"}", false},
	/* fieldref */
	{"  sel:\n    F|fieldref: G\n  condition: sel\n", "m", "{\"F\":\"Bob\",\"G\":\"bob\"}", true},
	{"  sel:\n    F|fieldref: G\n  condition: sel\n", "m", "{\"F\":\"Bob\",\"G\":\"Alice\"}", false},
	{"  sel:\n    F|fieldref: G\n  condition: sel\n", "m", "{\"F\":\"Bob\"}", false},
	/* exists, null */
	{"  sel:\n    F|exists: true\n  condition: sel\n", "m", "{\"F\":\"\"}", true},
	{"  sel:\n    F|exists: true\n  condition: sel\n", "m", "{\"G\":\"x\"}", false},
	{"  sel:\n    F|exists: false\n  condition: sel\n", "m", "{\"G\":\"x\"}", true},
	{"  sel:\n    F|exists: false\n  condition: sel\n", "m", "{\"F\":\"x\"}", false},
	{"  sel:\n    F: null\n    G: x\n  condition: sel\n", "m", "{\"G\":\"x\"}", true},
	{"  sel:\n    F: null\n    G: x\n  condition: sel\n", "m", "{\"F\":\"y\",\"G\":\"x\"}", false},
	/* cased */
	{"  sel:\n    F|cased: Abc\n  condition: sel\n", "m", "{\"F\":\"Abc\"}", true},
	{"  sel:\n    F|cased: Abc\n  condition: sel\n", "m", "{\"F\":\"abc\"}", false},
	/* keywords: full text over the message, list = OR, |all = AND */
	{"  keywords:\n    - 'new user'\n    - 'UID=0,'\n  condition: keywords\n", "useradd[1]: new user: name=x, UID=5,", NULL, true},
	{"  keywords:\n    - 'new user'\n    - 'UID=0,'\n  condition: keywords\n", "useradd[1]: old user: name=x, UID=5,", NULL, false},
	{"  keywords:\n    '|all':\n      - 'new user'\n      - 'UID=0,'\n  condition: keywords\n", "new user: name=x, UID=0,", NULL, true},
	{"  keywords:\n    '|all':\n      - 'new user'\n      - 'UID=0,'\n  condition: keywords\n", "new user: name=x, UID=5,", NULL, false},
	/* a header field and a key=value field of the message */
	{"  sel:\n    Host: HOST1\n  condition: sel\n", "m", NULL, true},
	{"  sel:\n    Host: host2\n  condition: sel\n", "m", NULL, false},
	{"  sel:\n    Kind: ADD_USER\n  condition: sel\n", "type=ADD_USER msg=audit(1:2): x", NULL, true},
	{"  sel:\n    Kind: ADD_USER\n  condition: sel\n", "subtype=ADD_USER msg=audit(1:2): x", NULL, false},
	{"  sel:\n    Kind: 'a b'\n  condition: sel\n", "x type=\"a b\" y", NULL, true},
	/* the condition grammar */
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition: a and not b\n", "m", "{\"F\":1,\"G\":3}", true},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition: a and not b\n", "m", "{\"F\":1,\"G\":2}", false},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition: a or b\n", "m", "{\"G\":2}", true},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition: a or b\n", "m", "{\"G\":3}", false},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  c:\n    H: 3\n  condition: (a or b) and c\n", "m", "{\"G\":2,\"H\":3}", true},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  c:\n    H: 3\n  condition: (a or b) and c\n", "m", "{\"G\":2}", false},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  c:\n    H: 3\n  condition: a or b and c\n", "m", "{\"F\":1}", true},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition: not a\n", "m", "{\"F\":2}", true},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition: not a\n", "m", "{\"F\":1}", false},
	{"  sel_x:\n    F: 1\n  sel_y:\n    G: 2\n  other:\n    H: 3\n  condition: 1 of sel_*\n", "m", "{\"G\":2}", true},
	{"  sel_x:\n    F: 1\n  sel_y:\n    G: 2\n  other:\n    H: 3\n  condition: 1 of sel_*\n", "m", "{\"H\":3}", false},
	{"  sel_x:\n    F: 1\n  sel_y:\n    G: 2\n  other:\n    H: 3\n  condition: all of sel_*\n", "m", "{\"F\":1,\"G\":2}", true},
	{"  sel_x:\n    F: 1\n  sel_y:\n    G: 2\n  other:\n    H: 3\n  condition: all of sel_*\n", "m", "{\"F\":1,\"H\":3}", false},
	{"  x:\n    F: 1\n  y:\n    G: 2\n  condition: all of them\n", "m", "{\"F\":1,\"G\":2}", true},
	{"  x:\n    F: 1\n  y:\n    G: 2\n  condition: all of them\n", "m", "{\"F\":1}", false},
	{"  x:\n    F: 1\n  y:\n    G: 2\n  condition: 1 of them\n", "m", "{\"G\":2}", true},
	{"  x:\n    F: 1\n  y:\n    G: 2\n  condition: 1 of them\n", "m", "{\"G\":1}", false},
	{"  sel:\n    F: 1\n  filter_main_a:\n    G: 2\n  filter_main_b:\n    H: 3\n  condition: sel and not 1 of filter_main_*\n", "m", "{\"F\":1,\"G\":1}", true},
	{"  sel:\n    F: 1\n  filter_main_a:\n    G: 2\n  filter_main_b:\n    H: 3\n  condition: sel and not 1 of filter_main_*\n", "m", "{\"F\":1,\"H\":3}", false},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition:\n    - a\n    - b\n", "m", "{\"G\":2}", true},
	{"  a:\n    F: 1\n  b:\n    G: 2\n  condition:\n    - a\n    - b\n", "m", "{\"G\":3}", false},
	/* a JSON "\u" escape turns the literal index off for the message, never misses */
	{"  sel:\n    F: 'admin'\n  condition: sel\n", "{\"F\":\"\\u0061dmin\"}", "{\"F\":\"admin\"}", true},
	/* the literal index: JSON's optional "\/" is '/' in the field */
	{"  sel:\n    F|contains: 'bin/sh'\n  condition: sel\n", "{\"F\":\"/bin\\/sh -c x\"}", "{\"F\":\"/bin/sh -c x\"}", true},
	{"  sel:\n    F|contains: 'bin/sh'\n  condition: sel\n", "{\"F\":\"/bin\\/bash\"}", "{\"F\":\"/bin/bash\"}", false},
	/* a literal inside a word, in any case */
	{"  sel:\n    F|contains: 'MIMI'\n  condition: sel\n", "m", "{\"F\":\"xmimikatz.exe\"}", true},
	{"  sel:\n    F|contains: 'mimi'\n  condition: sel\n", "m", "{\"F\":\"XMIMIKATZ.EXE\"}", true},
	{"  sel:\n    F|contains: 'mimi'\n  condition: sel\n", "m", "{\"F\":\"xmim ikatz.exe\"}", false},
	/* bytes that JSON escapes are no part of a literal */
	{"  sel:\n    F|contains: 'say \"hi\"'\n  condition: sel\n", "m", "{\"F\":\"they say \\\"hi\\\" x\"}", true},
	{"  sel:\n    F|endswith: '\\\\share\\x.exe'\n  condition: sel\n", "m", "{\"F\":\"\\\\\\\\share\\\\X.EXE\"}", true},
	/* a value of wildcards only requires nothing: tried on every message */
	{"  sel:\n    F: '*?*'\n  condition: sel\n", "m", "{\"F\":\"x\"}", true},
};
/* clang-format on */

/* The detections sigma_match or sigma_match_all offer, in their order. */
struct det_list {
	size_t v[4096];
	size_t n;
};

static void
collectcb(size_t det, void *arg)
{
	struct det_list *l = arg;

	ck_assert_uint_lt(l->n, sizeof(l->v) / sizeof(l->v[0]));
	l->v[l->n++] = det;
}

/* The index offers what trying every rule offers, in the same order; how many. */
static size_t
same_as_all(const struct detect_set *s, const struct detect_event *ev, const char *what)
{
	static struct det_list a, b;

	a.n = b.n = 0;
	sigma_match(s->sigma, ev, collectcb, &a);
	sigma_match_all(s->sigma, ev, collectcb, &b);
	ck_assert_msg(a.n == b.n && memcmp(a.v, b.v, a.n * sizeof(a.v[0])) == 0,
	    "the index offers %zu, trying all %zu, on %s", a.n, b.n, what);
	return a.n;
}

START_TEST(test_match)
{
	const struct match_case *c = &match_cases[_i];
	struct detect_result res;
	struct test_event e;
	struct detect_set *s;

	write_map();
	write_rule("r.yml", c->detection);
	s = load();
	ck_assert_msg(s->sigma_report->n_skips == 0, "case %d skipped: %s", _i, skip_reason(s));
	ck_assert_uint_eq(detect_count(s), 1);
	message_event(&e, c->msg, c->norm);
	ck_assert_msg(detect_match(s, &e.de, &res) == (c->match ? 1 : 0), "case %d: %s on %s",
	    _i, c->detection, c->norm != NULL ? c->norm : c->msg);
	ck_assert_uint_eq(same_as_all(s, &e.de, c->detection), c->match ? 1 : 0);
	event_done(&e);
	detect_free(s);
}
END_TEST

/* What the alert needs: id, title, severity, technique and tactic from the tags, target. */
START_TEST(test_detection_fields)
{
	const struct detection *d;
	struct detect_result res;
	struct test_event e;
	struct detect_set *s;

	write_map();
	write_rule("r.yml", "  sel:\n    F: 1\n  condition: sel\n");
	s = load();
	d = detect_at(s, 0);
	ck_assert(d->sigma);
	ck_assert_str_eq(d->id, "0e6f4b4c-0000-4000-8000-000000000001");
	ck_assert_str_eq(d->title, "Test rule");
	ck_assert_int_eq(d->severity, DETECT_HIGH);
	ck_assert_ptr_nonnull(d->technique);
	ck_assert_str_eq(d->technique->id, "T1136.001");
	ck_assert_str_eq(d->technique->tactic, "TA0003");
	ck_assert_str_eq(d->technique->tactic_name, "Persistence");
	message_event(&e, "m", "{\"F\":1,\"Target\":\"mallory\"}");
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_int_eq((int)res.target.len, 7);
	ck_assert(memcmp(res.target.p, "mallory", 7) == 0);
	event_done(&e);
	detect_free(s);
}
END_TEST

struct skip_case {
	const char *detection;
	const char *reason; /* a piece of the reason */
};

/* clang-format off */
static const struct skip_case skip_cases[] = {
	{"  sel:\n    F|utf16le: x\n  condition: sel\n", "modifier 'utf16le' is not supported"},
	{"  sel:\n    F: 1\n  condition: sel | count() > 5\n", "aggregations"},
	{"  sel:\n    F: 1\n  condition: sel and nothere\n", "no selection named 'nothere'"},
	{"  sel:\n    F: 1\n  condition: 1 of filter_*\n", "no selection matches 'filter_*'"},
	{"  sel:\n    F: 1\n  condition: (sel\n", "expected ')'"},
	{"  sel:\n    F: 1\n  condition: sel sel\n", "unexpected 'sel'"},
	{"  sel:\n    F: 1\n", "no condition"},
	{"  sel:\n    F: 1\n  timeframe: 5m\n  condition: sel\n", "timeframe"},
	{"  sel:\n    F:\n      x: 1\n  condition: sel\n", "a map as a value"},
	{"  sel:\n    F|re: 'a\\bb'\n  condition: sel\n", "re: an escape"},
	{"  sel:\n    F|re: '(?<=a)b'\n  condition: sel\n", "re: a (?...) group"},
	{"  sel:\n    F|re: 'a++'\n  condition: sel\n", "possessive"},
	{"  sel:\n    F|re: '[a'\n  condition: sel\n", "unclosed"},
	{"  sel:\n    F|cidr: 10.0.0.0/33\n  condition: sel\n", "cidr"},
	{"  sel:\n    F|exists: maybe\n  condition: sel\n", "exists: expected true or false"},
	{"  sel:\n    F: [unclosed\n  condition: sel\n", "line "},
};
/* clang-format on */

START_TEST(test_skip)
{
	struct detect_set *s;

	write_map();
	write_rule("r.yml", skip_cases[_i].detection);
	s = load();
	ck_assert_uint_eq(detect_count(s), 0);
	ck_assert_uint_eq(s->sigma_report->n_skips, 1);
	ck_assert_msg(strstr(skip_reason(s), skip_cases[_i].reason) != NULL, "case %d: '%s'", _i,
	    skip_reason(s));
	ck_assert(strstr(s->sigma_report->skips[0].file, "r.yml") != NULL);
	detect_free(s);
}
END_TEST

/* A log source, or a field, that no mapping knows: skipped, saying which. */
START_TEST(test_skip_unmapped)
{
	static const char rule[] = "title: t\nid: x\nlogsource:\n  product: nowhere\n"
	    "detection:\n  sel:\n    F: 1\n  condition: sel\n";
	static const char nofallback[] = "name: strict\nlogsource: {product: strict}\n"
	    "fields:\n  Known: known\n";
	static const char rule2[] = "title: t\nid: y\nlogsource:\n  product: strict\n"
	    "detection:\n  sel:\n    Unknown: 1\n  condition: sel\n";
	struct detect_set *s;

	write_map();
	write_text("sigma/strict.map", nofallback, strlen(nofallback));
	write_text("a.yml", rule, strlen(rule));
	write_text("b.yaml", rule2, strlen(rule2));
	s = load();
	ck_assert_uint_eq(detect_count(s), 0);
	ck_assert_uint_eq(s->sigma_report->n_skips, 2);
	ck_assert_ptr_nonnull(strstr(s->sigma_report->skips[0].reason,
	    "no mapping for logsource product=nowhere"));
	ck_assert_ptr_nonnull(strstr(s->sigma_report->skips[1].reason,
	    "field 'Unknown' has no mapping in strict"));
	detect_free(s);
}
END_TEST

/* A broken mapping file is logward's own content: the load fails with file:line. */
START_TEST(test_map_error)
{
	static const char bad[] = "name: bad\nlogsource: {product: x}\nwhen:\n  - \"F frob 1\"\n";
	char err[1024];

	mkdir(unit_path("sigma"), 0755);
	write_text("sigma/bad.map", bad, strlen(bad));
	ck_assert_ptr_null(detect_load_sigma(unit_dir, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad.map:4:") != NULL, "%s", err);
}
END_TEST

/* Build a detection block of n selections named s0.. and "1 of s*". */
static void
selections(char *buf, size_t len, int n)
{
	size_t used = 0;
	int i;

	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "  s%d:\n    F: %d\n", i, i);
	snprintf(buf + used, len - used, "  condition: 1 of s*\n");
}

/* n values in one list. */
static void
values(char *buf, size_t len, int n)
{
	size_t used = (size_t)snprintf(buf, len, "  sel:\n    F:\n");
	int i;

	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "      - v%d\n", i);
	snprintf(buf + used, len - used, "  condition: sel\n");
}

/* A condition nested n parentheses deep. */
static void
nesting(char *buf, size_t len, int n)
{
	size_t used = (size_t)snprintf(buf, len, "  sel:\n    F: 1\n  condition: ");
	int i;

	for (i = 0; i < n; i++)
		buf[used++] = '(';
	used += (size_t)snprintf(buf + used, len - used, "sel");
	for (i = 0; i < n; i++)
		buf[used++] = ')';
	snprintf(buf + used, len - used, "\n");
}

/* A condition of n tokens: "sel or sel or ..." (n odd). */
static void
tokens(char *buf, size_t len, int n)
{
	size_t used = (size_t)snprintf(buf, len, "  sel:\n    F: 1\n  condition: sel");
	int i;

	for (i = 1; i < n; i += 2)
		used += (size_t)snprintf(buf + used, len - used, " or sel");
	snprintf(buf + used, len - used, "\n");
}

/* A "not" chain n deep. */
static void
nots(char *buf, size_t len, int n)
{
	size_t used = (size_t)snprintf(buf, len, "  sel:\n    F: 1\n  condition: ");
	int i;

	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "not ");
	snprintf(buf + used, len - used, "sel\n");
}

/* An re of n bytes. */
static void
regex_len(char *buf, size_t len, int n)
{
	size_t used = (size_t)snprintf(buf, len, "  sel:\n    F|re: '");
	int i;

	for (i = 0; i < n; i++)
		buf[used++] = 'a';
	snprintf(buf + used, len - used, "'\n  condition: sel\n");
}

/* An re with a count of n. */
static void
regex_repeat(char *buf, size_t len, int n)
{
	snprintf(buf, len, "  sel:\n    F|re: 'a{1,%d}'\n  condition: sel\n", n);
}

/* A value of n bytes. */
static void
value_len(char *buf, size_t len, int n)
{
	size_t used = (size_t)snprintf(buf, len, "  sel:\n    F: '");
	int i;

	for (i = 0; i < n; i++)
		buf[used++] = 'v';
	snprintf(buf + used, len - used, "'\n  condition: sel\n");
}

struct bound_case {
	void (*build)(char *buf, size_t len, int n);
	int limit;
	const char *reason;
};

static const struct bound_case bound_cases[] = {
	{selections, SIGMA_MAX_SELECTIONS, "selections"},
	{values, SIGMA_MAX_VALUES, "values"},
	{nesting, SIGMA_MAX_DEPTH, "nested deeper"},
	{nots, SIGMA_MAX_DEPTH, "nested deeper"},
	{tokens, SIGMA_MAX_COND_TOKENS - 1, "tokens"},
	{regex_len, SIGMA_MAX_REGEX, "re: longer"},
	{regex_repeat, SIGMA_MAX_REGEX_REPEAT, "repetition count"},
	{value_len, SIGMA_MAX_VALUE_LEN, "longer than"},
};

/* Each bound: the rule at it loads, one past it is skipped with the reason. */
START_TEST(test_bound)
{
	const struct bound_case *b = &bound_cases[_i];
	static char detection[64 * 1024];
	struct detect_set *s;

	write_map();
	b->build(detection, sizeof(detection), b->limit);
	write_rule("r.yml", detection);
	s = load();
	ck_assert_msg(detect_count(s) == 1, "bound %d at %d: %s", _i, b->limit, skip_reason(s));
	detect_free(s);
	b->build(detection, sizeof(detection), b->limit + (b->build == tokens ? 2 : 1));
	write_rule("r.yml", detection);
	s = load();
	ck_assert_msg(detect_count(s) == 0, "bound %d past %d loaded", _i, b->limit);
	ck_assert_msg(strstr(skip_reason(s), b->reason) != NULL, "bound %d: %s", _i, skip_reason(s));
	detect_free(s);
}
END_TEST

/* A rule file of SIGMA_MAX_FILE bytes loads; one byte more is skipped. */
START_TEST(test_bound_file)
{
	static const char head[] = "title: t\nid: big\nlogsource:\n  product: test\n"
	    "detection:\n  sel:\n    F: 1\n  condition: sel\n";
	char *text = malloc(SIGMA_MAX_FILE + 2);
	struct detect_set *s;
	size_t n;

	ck_assert_ptr_nonnull(text);
	write_map();
	for (n = 0; n <= 1; n++) {
		size_t len = SIGMA_MAX_FILE + n;

		memset(text, '#', len);
		memcpy(text, head, sizeof(head) - 1);
		text[sizeof(head) - 1] = '#';
		text[len - 1] = '\n';
		write_text("r.yml", text, len);
		s = load();
		ck_assert_uint_eq(detect_count(s), n == 0 ? 1 : 0);
		if (n == 1)
			ck_assert_ptr_nonnull(strstr(skip_reason(s), "larger than"));
		detect_free(s);
	}
	free(text);
}
END_TEST

/* SIGMA_MAX_SHAPES mapping files load; one more fails the load, naming the file. */
START_TEST(test_bound_shapes)
{
	char name[64], text[128], err[1024];
	struct detect_set *s;
	int i, n;

	mkdir(unit_path("sigma"), 0755);
	for (i = 0; i < SIGMA_MAX_SHAPES; i++) {
		snprintf(name, sizeof(name), "sigma/m%03d.map", i);
		n = snprintf(text, sizeof(text), "name: m%d\nlogsource: {product: p%d}\n", i, i);
		write_text(name, text, (size_t)n);
	}
	s = load();
	ck_assert_uint_eq(s->sigma->n_shapes, SIGMA_MAX_SHAPES);
	detect_free(s);
	write_text("sigma/m999.map", "name: x\nlogsource: {product: x}\n", 32);
	ck_assert_ptr_null(detect_load_sigma(unit_dir, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "m999.map: more than 64 mapping files") != NULL, "%s", err);
}
END_TEST

/* SIGMA_MAX_FILES rule files are read; the one past is reported once with the rest. */
START_TEST(test_bound_files)
{
	char name[64];
	struct detect_set *s;
	int i;

	write_map();
	write_rule("a.yml", "  sel:\n    F: 1\n  condition: sel\n");
	/* the others: empty files, each skipped (not YAML maps) */
	for (i = 1; i < SIGMA_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "b%05d.yml", i);
		write_text(name, "", 0);
	}
	s = load();
	ck_assert_uint_eq(detect_count(s), 1);
	ck_assert_uint_eq(s->sigma_report->n_skips, SIGMA_MAX_FILES - 1);
	detect_free(s);
	write_text("c.yml", "", 0);
	s = load();
	ck_assert_uint_eq(s->sigma_report->n_skips, SIGMA_MAX_FILES);
	ck_assert_ptr_nonnull(strstr(s->sigma_report->skips[SIGMA_MAX_FILES - 1].reason,
	    "more than 20000 rule files"));
	ck_assert_ptr_nonnull(strstr(s->sigma_report->skips[SIGMA_MAX_FILES - 1].file, "c.yml"));
	detect_free(s);
}
END_TEST

/*
 * The literal index: of 500 rules on distinct literals, a message tries
 * those whose literal it holds, wherever in a word; a rule that requires
 * nothing (a "not" alone) is tried on every message.
 */
static void
countcb(size_t inst, void *arg)
{
	(void)inst;
	(*(size_t *)arg)++;
}

START_TEST(test_index)
{
	char name[32], detection[256];
	struct detect_result res;
	struct test_event e;
	struct detect_set *s;
	size_t tried = 0;
	int i;

	write_map();
	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "r%03d.yml", i);
		snprintf(detection, sizeof(detection),
		    "  sel:\n    F|contains: 'word%d'\n  condition: sel\n", i);
		write_rule(name, detection);
	}
	write_rule("z.yml", "  sel:\n    F: x\n  condition: not sel\n");
	s = load();
	ck_assert_uint_eq(detect_count(s), 501);
	ck_assert_uint_eq(s->sigma->n_always[0], 1);
	/* word321 holds word3, word32 and word321; and z */
	message_event(&e, "a xWORD321x b", "{\"F\":\"a xWORD321x b\"}");
	sigma_index_candidates(s->sigma, 1, &e.de, countcb, &tried);
	ck_assert_uint_eq(tried, 4);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_uint_eq(same_as_all(s, &e.de, "word321"), 4);
	event_done(&e);
	/* "\u" in the message: every rule of the shape is tried */
	tried = 0;
	message_event(&e, "{\"F\":\"a \\u0077ord321 b\"}", "{\"F\":\"a word321 b\"}");
	sigma_index_candidates(s->sigma, 1, &e.de, countcb, &tried);
	ck_assert_uint_eq(tried, 501);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_uint_eq(same_as_all(s, &e.de, "\\u0077ord321"), 4);
	event_done(&e);
	detect_free(s);
}
END_TEST

/*
 * SIGMA_MAX_INDEX_BYTES, as the bound sigma_index_build takes: with room
 * for every literal each rule is indexed; one byte short, the last rule
 * is tried on every message instead.  Matches are the same either way.
 */
START_TEST(test_bound_index)
{
	char name[32], detection[256];
	struct test_event e;
	struct detect_set *s;
	size_t tried, bytes, limit;
	int i;

	write_map();
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "r%03d.yml", i);
		/* each a literal of 12 bytes: enough rows and outputs to count */
		snprintf(detection, sizeof(detection),
		    "  sel:\n    F|contains: 'lit%c%c-%06d'\n  condition: sel\n", 'a' + i % 26,
		    'a' + i / 26, i);
		write_rule(name, detection);
	}
	s = load();
	ck_assert_uint_eq(detect_count(s), 40);
	bytes = s->sigma->index_bytes;
	ck_assert_uint_eq(bytes, 40 * 12);
	message_event(&e, "m", "{\"F\":\"litnb-000039\"}");
	for (limit = bytes; limit + 2 > bytes; limit--) {
		sigma_index_free(s->sigma);
		ck_assert_int_eq(sigma_index_build(s->sigma, limit), 0);
		ck_assert_uint_eq(s->sigma->n_always[0], limit == bytes ? 0 : 1);
		ck_assert_uint_eq(s->sigma->index_bytes, limit == bytes ? bytes : bytes - 12);
		ck_assert_uint_le(s->sigma->n_rows, limit / 256);
		tried = 0;
		sigma_index_candidates(s->sigma, 1, &e.de, countcb, &tried);
		ck_assert_uint_eq(tried, 1); /* r039: by its literal, or as always tried */
		ck_assert_uint_eq(same_as_all(s, &e.de, "litnb-000039"), 1);
	}
	event_done(&e);
	/* with no room at all every rule is tried, and still the same matches */
	sigma_index_free(s->sigma);
	ck_assert_int_eq(sigma_index_build(s->sigma, 0), 0);
	ck_assert_uint_eq(s->sigma->n_always[0], 40);
	message_event(&e, "m", "{\"F\":\"litnb-000039\"}");
	ck_assert_uint_eq(same_as_all(s, &e.de, "no room"), 1);
	event_done(&e);
	detect_free(s);
}
END_TEST

/* SIGMA_MAX_TAGS distinct tags in the mapping files load; one more fails the load. */
START_TEST(test_bound_tags)
{
	char text[2048], err[1024];
	struct detect_set *s;
	size_t n;
	int i, past;

	mkdir(unit_path("sigma"), 0755);
	for (past = 0; past <= 1; past++) {
		n = (size_t)snprintf(text, sizeof(text), "name: t\nlogsource: {product: test}\ntags: [");
		for (i = 0; i < SIGMA_MAX_TAGS - 1; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "t%d, ", i);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "last]\nnot_tags: [%s]\nfallback: \"{}\"\n",
		    past ? "other" : "t0");
		write_text("sigma/t.map", text, n);
		write_rule("r.yml", "  sel:\n    F: 1\n  condition: sel\n");
		s = detect_load_sigma(unit_dir, NULL, err, sizeof(err));
		if (past) {
			ck_assert_ptr_null(s);
			ck_assert_msg(strstr(err, "t.map: more than 64 distinct tags") != NULL, "%s", err);
			continue;
		}
		ck_assert_msg(s != NULL, "%s", err);
		ck_assert_uint_eq(s->sigma->n_tag_names, SIGMA_MAX_TAGS);
		detect_free(s);
	}
}
END_TEST

/*
 * SIGMA_MAX_SHAPE_CONDS distinct when conditions get a memo slot each (a
 * text shared by two shapes, one slot); the ones past the bound are
 * evaluated each time: a shape decided by the last slot or by one past it
 * holds alike.
 */
START_TEST(test_bound_shape_conds)
{
	static char text[16384];
	static const char rule[] = "title: t\nid: c\nlogsource:\n  product: c\n"
				   "detection:\n  sel:\n    F: 1\n  condition: sel\n";
	static const char shared[] = "name: d\nlogsource: {product: c}\nwhen:\n"
				     "  - \"json.x == 0\"\nfallback: \"json.{}\"\n";
	static const struct {
		int x, match;
	} cases[] = {{0, 1}, {SIGMA_MAX_SHAPE_CONDS - 1, 1}, {SIGMA_MAX_SHAPE_CONDS, 1},
	    {SIGMA_MAX_SHAPE_CONDS + 1, 0}};
	char norm[128];
	struct detect_result res;
	struct test_event e;
	struct detect_set *s;
	size_t n, i;
	int x;

	mkdir(unit_path("sigma"), 0755);
	n = (size_t)snprintf(text, sizeof(text), "name: c\nlogsource: {product: c}\nwhen_any:\n");
	for (x = 0; x <= SIGMA_MAX_SHAPE_CONDS; x++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "  - \"json.x == %d\"\n", x);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "fallback: \"json.{}\"\n");
	write_text("sigma/c.map", text, n);
	/* the same first condition in a second shape: no new slot */
	write_text("sigma/d.map", shared, strlen(shared));
	write_text("r.yml", rule, strlen(rule));
	s = load();
	ck_assert_uint_eq(s->sigma->n_conds, SIGMA_MAX_SHAPE_CONDS);
	ck_assert_uint_eq(s->sigma->shapes[0].when_any_ids[SIGMA_MAX_SHAPE_CONDS - 1],
	    SIGMA_MAX_SHAPE_CONDS - 1);
	ck_assert_uint_eq(s->sigma->shapes[0].when_any_ids[SIGMA_MAX_SHAPE_CONDS], SIZE_MAX);
	ck_assert_uint_eq(s->sigma->shapes[1].when_ids[0], 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(norm, sizeof(norm), "{\"json\":{\"x\":%d,\"F\":1}}", cases[i].x);
		message_event(&e, "m", norm);
		ck_assert_msg(detect_match(s, &e.de, &res) == cases[i].match, "x=%d", cases[i].x);
		same_as_all(s, &e.de, norm);
		event_done(&e);
	}
	detect_free(s);
}
END_TEST

/*
 * The index against trying every rule, over real shapes: the shipped
 * rulebases and mappings, the 61 SigmaHQ rules of tests/data/sigma, each
 * sample event as written, in upper case, with every '/' written "\/"
 * (JSON's optional escape), with every letter 'a' written "\u0061", and
 * cut short.  Each sample fires its rule; each variant offers what trying
 * all offers.
 */
static size_t
shipped_same(const struct detect_set *s, struct normalizer *n, const char *line, size_t len)
{
	struct json_object *norm = NULL;
	struct syslog_msg msg;
	struct detect_event ev;
	size_t hits;

	parse_message(line, len, 1764237600, &msg);
	if (msg.msg.p != NULL)
		normalizer_run(n, msg.msg.p, msg.msg.len, &norm);
	ev.msg = &msg;
	ev.norm = norm;
	ev.source_ip = "192.0.2.1";
	hits = same_as_all(s, &ev, line);
	if (norm != NULL)
		json_object_put(norm);
	return hits;
}

/* line rewritten into out: every from byte as to (NUL: every byte upper-cased). */
static size_t
rewrite(char *out, size_t size, const char *line, char from, const char *to)
{
	size_t n = 0, tl = strlen(to);

	for (; *line != '\0' && n + tl + 1 < size; line++) {
		if (from == '\0')
			out[n++] = (char)toupper((unsigned char)*line);
		else if (*line == from) {
			memcpy(out + n, to, tl);
			n += tl;
		} else
			out[n++] = *line;
	}
	out[n] = '\0';
	return n;
}

START_TEST(test_index_shipped)
{
	static char line[65536], variant[3 * 65536];
	char err[1024];
	struct normalizer *n = normalizer_new(unit_srcpath("patterns"), err, sizeof(err));
	struct detect_set *s =
	    detect_load_sigma(unit_srcpath("patterns"), unit_srcpath("tests/data/sigma/rules"), err,
		sizeof(err));
	FILE *fp = fopen(unit_srcpath("tests/data/sigma/samples.tsv"), "r");
	size_t samples = 0, fired = 0, len;
	char *tab;

	ck_assert_msg(n != NULL && s != NULL, "%s", err);
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(s->sigma_report->loaded, 61);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		len = strcspn(tab + 1, "\n");
		tab[1 + len] = '\0';
		samples++;
		fired += shipped_same(s, n, tab + 1, len) > 0;
		shipped_same(s, n, variant, rewrite(variant, sizeof(variant), tab + 1, '\0', ""));
		shipped_same(s, n, variant, rewrite(variant, sizeof(variant), tab + 1, '/', "\\/"));
		shipped_same(s, n, variant, rewrite(variant, sizeof(variant), tab + 1, 'a', "\\u0061"));
		shipped_same(s, n, tab + 1, len / 2);
	}
	fclose(fp);
	ck_assert_uint_eq(samples, 61);
	ck_assert_uint_eq(fired, 61);
	normalizer_free(n);
	detect_free(s);
}
END_TEST

/* Shapes: tags, not_tags, when and when_any decide which events a rule sees. */
START_TEST(test_shape_select)
{
	static const char map[] = "name: j\nlogsource: {product: j}\ntags: [json]\n"
	    "when:\n  - \"json.kind == a\"\nwhen_any:\n  - \"json.x == 1\"\n  - \"json.y == 1\"\n"
	    "fallback: \"json.{}\"\n";
	static const char rule[] = "title: t\nid: j\nlogsource:\n  product: j\n"
	    "detection:\n  sel:\n    F: 1\n  condition: sel\n";
	static const struct {
		const char *norm;
		int match;
	} cases[] = {
	    {"{\"event.tags\":[\"json\"],\"json\":{\"kind\":\"a\",\"x\":1,\"F\":1}}", 1},
	    {"{\"event.tags\":[\"json\"],\"json\":{\"kind\":\"a\",\"y\":1,\"F\":1}}", 1},
	    {"{\"event.tags\":[\"json\"],\"json\":{\"kind\":\"a\",\"z\":1,\"F\":1}}", 0},
	    {"{\"event.tags\":[\"json\"],\"json\":{\"kind\":\"b\",\"x\":1,\"F\":1}}", 0},
	    {"{\"event.tags\":[\"other\"],\"json\":{\"kind\":\"a\",\"x\":1,\"F\":1}}", 0},
	};
	struct detect_result res;
	struct test_event e;
	struct detect_set *s;
	size_t i;

	mkdir(unit_path("sigma"), 0755);
	write_text("sigma/j.map", map, strlen(map));
	write_text("r.yml", rule, strlen(rule));
	s = load();
	ck_assert_uint_eq(detect_count(s), 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		message_event(&e, "m", cases[i].norm);
		ck_assert_msg(detect_match(s, &e.de, &res) == cases[i].match, "case %zu", i);
		event_done(&e);
	}
	detect_free(s);
}
END_TEST

/* The shipped mappings load, and the Sigma directory is searched recursively. */
START_TEST(test_shipped_and_recursive)
{
	static const char rule[] = "title: t\nid: w\nlogsource: {product: windows, service: "
	    "security}\ndetection:\n  sel:\n    EventID: 4720\n  condition: sel\n";
	char err[1024], dir[PATH_MAX];
	struct detect_set *s;

	snprintf(dir, sizeof(dir), "%s/a", unit_dir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/a/b", unit_dir);
	mkdir(dir, 0755);
	write_text("a/b/r.yml", rule, strlen(rule));
	s = detect_load_sigma(unit_srcpath("patterns"), unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(s->sigma_report->loaded, 1);
	ck_assert_uint_ge(s->sigma->n_shapes, 20);
	detect_free(s);
}
END_TEST

/* Wildcard match of pattern ('*' any run, '?' any byte) against text, folded unless cased. */
static bool
glob_reference(const char *pat, const char *text, size_t len, bool cased)
{
	if (*pat == '\0')
		return len == 0;
	if (*pat == '*')
		return glob_reference(pat + 1, text, len, cased) ||
		    (len > 0 && glob_reference(pat, text + 1, len - 1, cased));
	if (len == 0)
		return false;
	if (*pat != '?' && (cased ? *pat != *text : tolower((unsigned char)*pat) !=
	    tolower((unsigned char)*text)))
		return false;
	return glob_reference(pat + 1, text + 1, len - 1, cased);
}

/* pat as sigma_value.c compiles it: segments between stars, '?' marked. */
static void
glob_of(const char *pat, struct sigma_glob *g, struct sigma_segment *segs, char texts[][8],
    unsigned char anys[][8])
{
	size_t n = 0, k = 0, i;

	memset(g, 0, sizeof(*g));
	g->star_start = pat[0] == '*';
	g->star_end = pat[0] != '\0' && pat[strlen(pat) - 1] == '*';
	for (i = 0;; i++) {
		if (pat[i] == '*' || pat[i] == '\0') {
			if (k > 0) {
				texts[n][k] = '\0';
				segs[n].text = texts[n];
				segs[n].any = anys[n];
				segs[n].len = k;
				n++;
			}
			k = 0;
			if (pat[i] == '\0')
				break;
			continue;
		}
		anys[n][k] = pat[i] == '?';
		texts[n][k++] = pat[i] == '?' ? '?' : pat[i];
	}
	g->segs = segs;
	g->n_segs = n;
}

/*
 * sigma_glob_match against the plain definition of a wildcard, on every
 * pattern of up to 4 bytes over "aB?*" and every text of up to 6 bytes
 * over "abAB": the segment search (memchr over either case) finds what
 * a byte-by-byte search finds.
 */
START_TEST(test_glob_reference)
{
	static const char pat_bytes[] = "aB?*", text_bytes[] = "abAB";
	char pat[8], text[8], texts[8][8];
	unsigned char anys[8][8];
	struct sigma_segment segs[8];
	struct sigma_glob g;
	unsigned pi, ti, plen, tlen, j, x;
	int cased;

	for (plen = 0; plen <= 4; plen++)
		for (pi = 0; pi < (1u << (2 * plen)); pi++) {
			for (j = 0, x = pi; j < plen; j++, x >>= 2)
				pat[j] = pat_bytes[x & 3];
			pat[plen] = '\0';
			for (tlen = 0; tlen <= 6; tlen++)
				for (ti = 0; ti < (1u << (2 * tlen)); ti++) {
					for (j = 0, x = ti; j < tlen; j++, x >>= 2)
						text[j] = text_bytes[x & 3];
					text[tlen] = '\0';
					for (cased = 0; cased <= 1; cased++) {
						char low[8];

						/* uncased segments are lower case, as compiled */
						for (j = 0; j <= plen; j++)
							low[j] = cased ? pat[j]
							    : (char)tolower((unsigned char)pat[j]);
						glob_of(low, &g, segs, texts, anys);
						ck_assert_msg(sigma_glob_match(&g, text, tlen, cased) ==
							glob_reference(pat, text, tlen, cased),
						    "'%s' on '%s' (cased %d)", pat, text, cased);
					}
				}
		}
}
END_TEST

/*
 * sigma_require's walk, written out: a requirement is the text of its
 * joins, an item its Sigma field name ("kw" for keywords), T nothing
 * required, 0 an empty list.
 */
struct walk_text {
	char s[512];
};

static void
walk_itemcb(const struct sigma_instance *in, const struct sigma_item *it, void *r)
{
	snprintf(((struct walk_text *)r)->s, sizeof(struct walk_text), "%s",
	    it->field == SIGMA_KEYWORDS ? "kw" : in->rule->fields[it->field]);
}

static void
walk_nothingcb(void *r)
{
	strcpy(((struct walk_text *)r)->s, "T");
}

static void
walk_impossiblecb(void *r)
{
	strcpy(((struct walk_text *)r)->s, "0");
}

static void
walk_join(void *r, const void *b, char op)
{
	struct walk_text *t = r, a = *t;

	ck_assert_int_lt(snprintf(t->s, sizeof(t->s), "(%s%c%s)", a.s, op,
			     ((const struct walk_text *)b)->s),
	    (int)sizeof(t->s));
}

static void
walk_bothcb(void *r, const void *b)
{
	walk_join(r, b, '&');
}

static void
walk_eithercb(void *r, const void *b)
{
	walk_join(r, b, '|');
}

static const struct sigma_require_ops walk_ops = {sizeof(struct walk_text), walk_itemcb,
    walk_nothingcb, walk_impossiblecb, walk_bothcb, walk_eithercb};

/* A rule's detection, and its walk as walk_ops writes it. */
static const struct {
	const char *detection;
	const char *walk;
} walk_cases[] = {
    {"  sel:\n    A: 1\n    B: 2\n  condition: sel\n", "((T&A)&B)"},
    {"  sel:\n    - A: 1\n    - B: 2\n    - C: 3\n  condition: sel\n", "(((T&A)|(T&B))|(T&C))"},
    {"  sel:\n    - x\n    - y\n  condition: sel\n", "(T&kw)"},
    {"  sel:\n    A: 1\n  f:\n    B: 2\n  condition: sel and not f\n", "((T&A)&T)"},
    {"  sel:\n    A: 1\n  f:\n    B: 2\n  condition: not f or sel\n", "(T|(T&A))"},
    {"  s1:\n    A: 1\n  s2:\n    B: 2\n  s3:\n    C: 3\n  condition: 1 of s*\n",
	"(((T&A)|(T&B))|(T&C))"},
    {"  s1:\n    A: 1\n  s2:\n    B: 2\n  condition: all of s*\n", "((T&(T&A))&(T&B))"},
    {"  s1:\n    A: 1\n  s2:\n    B: 2\n  condition: all of them\n", "((T&(T&A))&(T&B))"},
    {"  a:\n    A: 1\n  b:\n    B: 2\n  c:\n    C: 3\n  condition: a and (b or not c)\n",
	"((T&A)&((T&B)|T))"},
    {"  a:\n    A: 1\n  b:\n    B: 2\n  condition:\n    - a\n    - b\n", "((T&A)|(T&B))"},
};

/* sigma_require joins what each part requires in the shape of the condition. */
START_TEST(test_require)
{
	struct walk_text t;
	struct detect_set *s;

	write_map();
	write_rule("r.yml", walk_cases[_i].detection);
	s = load();
	ck_assert_str_eq(skip_reason(s), "");
	ck_assert_uint_eq(s->sigma->n_insts, 1);
	ck_assert_int_eq(sigma_require(&s->sigma->insts[0], &walk_ops, &t), 0);
	ck_assert_str_eq(t.s, walk_cases[_i].walk);
	detect_free(s);
}
END_TEST

/* One rule of test_key: its detection, and whether it is keyed by (field, value). */
static const struct {
	const char *detection;
	bool keyed;
} key_rules[] = {
    {"  sel:\n    EventID: 4720\n  condition: sel\n", true},
    {"  sel:\n    EventID: [4720, 4722]\n    F|contains: x\n  condition: sel\n", true},
    {"  a:\n    EventID: 1\n  b:\n    EventID: 2\n  condition: 1 of a or b\n", true},
    {"  a:\n    EventID: 1\n  b:\n    G: a\n  condition: a or b\n", false},
    {"  sel:\n    Kind: ADD_USER\n  condition: sel\n", true},
    {"  sel:\n    F|cased: AbC\n  condition: sel\n", true},
    {"  sel:\n    Host: host1\n  condition: sel\n", true},
    {"  sel:\n    F: x\n  condition: not sel\n", false},
    {"  sel:\n    F|windash: -x\n  condition: sel\n", true},
    {"  sel:\n    F|all: [abc, abd]\n  condition: sel\n", true},
    {"  sel:\n    F: ''\n  condition: sel\n", true},
    {"  sel:\n    F: 'ab*'\n  condition: sel\n", false},
    {"  sel:\n    F: 'a?c'\n  condition: sel\n", false},
    {"  sel:\n    - F: abc\n    - F: xyz\n  condition: sel\n", true},
    {"  sel:\n    - F: abc\n    - G: xyz\n  condition: sel\n", false},
    {"  sel:\n    F|contains: abc\n  f:\n    EventID: 4720\n  condition: sel and not f\n",
	false},
};

/* Events for test_key: each matched through the index and by trying all. */
static const char *const key_events[] = {
    "{\"EventID\":4720,\"F\":\"x\"}", "{\"EventID\":\"4720\",\"F\":\"abc\"}",
    "{\"EventID\":4722,\"F\":\"xyz\"}", "{\"EventID\":1}", "{\"EventID\":2,\"G\":\"A\"}",
    "{\"F\":\"ABC\"}", "{\"F\":\"AbC\"}", "{\"F\":\"/x\"}", "{\"F\":\"\"}", "{\"F\":\"abd\"}",
    "{\"F\":[\"abc\"]}", "{\"F\":{\"a\":1}}", "{\"EventID\":47200}", "{\"G\":\"abc\"}",
};

static const struct sigma_set *key_set;

/* Count the keyed candidates. */
static void
countcb_key(size_t inst, void *arg)
{
	if (key_set->insts[inst].key_field != SIZE_MAX)
		(*(size_t *)arg)++;
}

/*
 * The (field, value) index (sigma_key.c): which rules it keys, and that
 * it offers what trying every rule offers, on values equal in any case,
 * numbers and strings, arrays, objects, the empty value, a key=value
 * field and a header field.
 */
START_TEST(test_key)
{
	char name[32];
	struct test_event e;
	struct detect_set *s;
	size_t i, tried;

	write_map();
	for (i = 0; i < sizeof(key_rules) / sizeof(key_rules[0]); i++) {
		snprintf(name, sizeof(name), "k%02zu.yml", i);
		write_rule(name, key_rules[i].detection);
	}
	s = load();
	ck_assert_uint_eq(s->sigma->n_insts, sizeof(key_rules) / sizeof(key_rules[0]));
	for (i = 0; i < s->sigma->n_insts; i++)
		ck_assert_msg((s->sigma->insts[i].key_field != SIZE_MAX) == key_rules[i].keyed,
		    "rule %zu: %s", i, key_rules[i].detection);
	for (i = 0; i < sizeof(key_events) / sizeof(key_events[0]); i++) {
		message_event(&e, "m", key_events[i]);
		same_as_all(s, &e.de, key_events[i]);
		event_done(&e);
	}
	message_event(&e, "type=ADD_USER acct=x", NULL);
	ck_assert_uint_eq(same_as_all(s, &e.de, "kv"), 3); /* Kind, Host and the "not" */
	event_done(&e);
	/* a keyed rule whose value the event lacks is not even tried */
	message_event(&e, "m", "{\"EventID\":4799,\"F\":\"q\"}");
	tried = 0;
	key_set = s->sigma;
	sigma_index_candidates(s->sigma, 1, &e.de, countcb_key, &tried);
	ck_assert_uint_eq(tried, 1); /* the Host rule's only */
	event_done(&e);
	detect_free(s);
}
END_TEST

/*
 * SIGMA_MAX_KEY_VALUES values of one rule (a list, or an OR's union) are
 * keyed, one more is not (indexed by literal); SIGMA_KEY_ALTS choices of
 * an AND; SIGMA_MAX_KEY_FIELDS fields are keyed, the next field's rule
 * is not.  Matches are the same either way.
 */
START_TEST(test_bound_key)
{
	static char detection[16384];
	char name[32], norm[64];
	struct test_event e;
	struct detect_set *s;
	size_t used;
	int i, n;

	write_map();
	for (n = SIGMA_MAX_KEY_VALUES; n <= SIGMA_MAX_KEY_VALUES + 1; n++) {
		used = (size_t)snprintf(detection, sizeof(detection), "  sel:\n    F:\n");
		for (i = 0; i < n; i++)
			used += (size_t)snprintf(detection + used, sizeof(detection) - used,
			    "      - v%d\n", i);
		snprintf(detection + used, sizeof(detection) - used, "  condition: sel\n");
		write_rule("r.yml", detection);
		s = load();
		ck_assert((s->sigma->insts[0].key_field != SIZE_MAX) == (n == SIGMA_MAX_KEY_VALUES));
		snprintf(norm, sizeof(norm), "{\"F\":\"v%d\"}", n - 1);
		message_event(&e, "m", norm);
		ck_assert_uint_eq(same_as_all(s, &e.de, norm), 1);
		event_done(&e);
		detect_free(s);
	}
	/* the same bound for the union of an OR on one field */
	for (n = SIGMA_MAX_KEY_VALUES; n <= SIGMA_MAX_KEY_VALUES + 1; n++) {
		used = (size_t)snprintf(detection, sizeof(detection), "  a:\n    F:\n");
		for (i = 0; i < n; i++)
			used += (size_t)snprintf(detection + used, sizeof(detection) - used,
			    "%s      - v%d\n", i == n / 2 ? "  b:\n    F:\n" : "", i);
		snprintf(detection + used, sizeof(detection) - used, "  condition: a or b\n");
		write_rule("r.yml", detection);
		s = load();
		ck_assert((s->sigma->insts[0].key_field != SIZE_MAX) == (n == SIGMA_MAX_KEY_VALUES));
		snprintf(norm, sizeof(norm), "{\"F\":\"v%d\"}", n - 1);
		message_event(&e, "m", norm);
		ck_assert_uint_eq(same_as_all(s, &e.de, norm), 1);
		event_done(&e);
		detect_free(s);
	}
	/*
	 * SIGMA_KEY_ALTS choices of an AND are kept; past them, the one with
	 * fewer values replaces the worst
	 */
	for (n = SIGMA_KEY_ALTS; n <= SIGMA_KEY_ALTS + 1; n++) {
		used = (size_t)snprintf(detection, sizeof(detection), "  sel:\n");
		for (i = 0; i < n; i++)
			used += (size_t)snprintf(detection + used, sizeof(detection) - used,
			    "    A%d: %s\n", i, i == n - 1 ? "x" : "[x, y]");
		snprintf(detection + used, sizeof(detection) - used, "  condition: sel\n");
		write_rule("r.yml", detection);
		s = load();
		ck_assert_uint_eq(s->sigma->insts[0].n_key_alts, SIGMA_KEY_ALTS);
		ck_assert_uint_eq(s->sigma->insts[0].key_alts[SIGMA_KEY_ALTS - 1].n,
		    n == SIGMA_KEY_ALTS ? 1 : 2);
		ck_assert(s->sigma->insts[0].key_alts[0].n == 1 || n == SIGMA_KEY_ALTS);
		detect_free(s);
	}
	unlink(unit_path("r.yml"));
	for (i = 0; i <= SIGMA_MAX_KEY_FIELDS; i++) {
		snprintf(name, sizeof(name), "f%03d.yml", i);
		snprintf(detection, sizeof(detection), "  sel:\n    F%d: v\n  condition: sel\n", i);
		write_rule(name, detection);
	}
	s = load();
	ck_assert_uint_eq(s->sigma->n_key_fields, SIGMA_MAX_KEY_FIELDS);
	for (i = 0; i <= SIGMA_MAX_KEY_FIELDS; i++)
		ck_assert((s->sigma->insts[i].key_field != SIZE_MAX) == (i < SIGMA_MAX_KEY_FIELDS));
	for (i = SIGMA_MAX_KEY_FIELDS - 1; i <= SIGMA_MAX_KEY_FIELDS; i++) {
		snprintf(norm, sizeof(norm), "{\"F%d\":\"V\"}", i);
		message_event(&e, "m", norm);
		ck_assert_uint_eq(same_as_all(s, &e.de, norm), 1);
		event_done(&e);
	}
	detect_free(s);
}
END_TEST

/* The fact mapping of test_fact: key=value and JSON fields, an admin group list. */
static const char fact_map[] =
    "name: facts\n"
    "logsource: {product: facts}\n"
    "fields:\n"
    "  Acct: kv:acct\n"
    "fallback: \"{}\"\n"
    "fact_scope: Host\n"
    "created_account: Acct\n"
    "created_account_id: Uid\n"
    "member_account: Member\n"
    "member_group: Group\n"
    "admin_groups: '^(admins|a+)$'\n";

/* A rule file NAME.yml of product facts, with tags (a YAML list) and id NAME. */
static void
write_fact_rule(const char *name, const char *tags)
{
	char text[1024], file[64];
	int n = snprintf(text, sizeof(text),
	    "title: Fact %s\nid: %s\nlevel: high\ntags: %s\nlogsource:\n  product: facts\n"
	    "detection:\n  sel:\n    Acct|exists: true\n  condition: sel\n",
	    name, name, tags);

	ck_assert_int_lt(n, (int)sizeof(text));
	snprintf(file, sizeof(file), "%s.yml", name);
	write_text(file, text, (size_t)n);
}

static const struct detection *
det_by_id(const struct detect_set *s, const char *id)
{
	size_t i;

	for (i = 0; i < detect_count(s); i++)
		if (strcmp(detect_at(s, i)->id, id) == 0)
			return detect_at(s, i);
	ck_abort_msg("no detection %s", id);
	return NULL;
}

/* Does d's fact hold on (msg, norm)?  Its slices copied to the buffers given. */
static bool
fact_on(const struct detection *d, const char *msg, const char *norm, char *account,
    char *group, char *scope)
{
	struct test_event e;
	struct correlate_fact f;
	struct sigma_fact_values v;
	bool ok;

	message_event(&e, msg, norm);
	memset(&f, 0, sizeof(f));
	ok = sigma_fact_fill(d, &e.de, &f, &v);
	snprintf(account, 300, "%.*s", (int)f.account.len, f.account.p ? f.account.p : "");
	snprintf(group, 300, "%.*s", (int)f.group.len, f.group.p ? f.group.p : "");
	snprintf(scope, 300, "%.*s", (int)f.scope.len, f.scope.p ? f.scope.p : "");
	event_done(&e);
	return ok;
}

/*
 * A Sigma rule's fact (issue 17): t1136* account-created before t1098*
 * admin-member-added, by the tags only; the fields from the mapping;
 * no account, a "-", no group or one outside admin_groups: no fact; a
 * group of SIGMA_FACT_GROUP_MAX bytes is held against them, one longer is not.
 */
START_TEST(test_fact)
{
	char a[300], g[300], sc[300], big[SIGMA_FACT_GROUP_MAX + 2], norm[400];
	struct detect_set *s;
	const struct detection *created, *member;

	mkdir(unit_path("sigma"), 0755);
	write_text("sigma/facts.map", fact_map, strlen(fact_map));
	write_fact_rule("c1", "[attack.persistence, attack.t1136.001]");
	write_fact_rule("c2", "[ATTACK.T1136]");
	write_fact_rule("c3", "[attack.t1098, attack.t1136.003]");
	write_fact_rule("m1", "[attack.t1098.003]");
	write_fact_rule("n1", "[attack.t11360, attack.t1098x, attack.persistence]");
	write_fact_rule("n2", "[]");
	s = load();
	ck_assert_int_eq(det_by_id(s, "c1")->fact, DETECT_FACT_ACCOUNT_CREATED);
	ck_assert_int_eq(det_by_id(s, "c2")->fact, DETECT_FACT_ACCOUNT_CREATED);
	ck_assert_int_eq(det_by_id(s, "c3")->fact, DETECT_FACT_ACCOUNT_CREATED);
	ck_assert_int_eq(det_by_id(s, "m1")->fact, DETECT_FACT_ADMIN_MEMBER_ADDED);
	ck_assert_int_eq(det_by_id(s, "n1")->fact, DETECT_FACT_NONE);
	ck_assert_int_eq(det_by_id(s, "n2")->fact, DETECT_FACT_NONE);
	created = det_by_id(s, "c1");
	member = det_by_id(s, "m1");

	/* created: the account from key=value text, the id and scope from JSON */
	ck_assert(fact_on(created, "type=ADD_USER msg=audit(1.2:3): acct=\"bob\" res=success",
	    "{\"Uid\":\"1001\",\"Host\":\"h9\"}", a, g, sc));
	ck_assert_str_eq(a, "bob");
	ck_assert_str_eq(sc, "h9");
	ck_assert(fact_on(created, "type=ADD_USER acct=bob", NULL, a, g, sc));
	ck_assert_str_eq(sc, ""); /* none mapped there: the caller's default */
	ck_assert(fact_on(created, "type=ADD_USER", "{\"Uid\":1001}", a, g, sc)); /* id alone */
	ck_assert(!fact_on(created, "type=SYSCALL exe=/usr/sbin/useradd", NULL, a, g, sc));
	ck_assert(!fact_on(created, "type=ADD_USER acct=- res=failed", NULL, a, g, sc));
	ck_assert(!fact_on(created, "type=ADD_USER acct=\"\"", "{\"Uid\":\"-\"}", a, g, sc));

	/* admin member added: an account and an admin group */
	ck_assert(fact_on(member, "m", "{\"Member\":\"eve\",\"Group\":\"ADMINS\"}", a, g, sc));
	ck_assert_str_eq(a, "eve");
	ck_assert_str_eq(g, "ADMINS");
	ck_assert(!fact_on(member, "m", "{\"Member\":\"eve\",\"Group\":\"users\"}", a, g, sc));
	ck_assert(!fact_on(member, "m", "{\"Member\":\"eve\"}", a, g, sc));
	ck_assert(!fact_on(member, "m", "{\"Member\":\"-\",\"Group\":\"admins\"}", a, g, sc));
	ck_assert(!fact_on(member, "m", "{\"Group\":\"admins\"}", a, g, sc));
	memset(big, 'a', sizeof(big));
	big[SIGMA_FACT_GROUP_MAX] = '\0';
	snprintf(norm, sizeof(norm), "{\"Member\":\"eve\",\"Group\":\"%s\"}", big);
	ck_assert(fact_on(member, "m", norm, a, g, sc));
	ck_assert_uint_eq(strlen(g), SIGMA_FACT_GROUP_MAX);
	big[SIGMA_FACT_GROUP_MAX] = 'a';
	big[SIGMA_FACT_GROUP_MAX + 1] = '\0';
	snprintf(norm, sizeof(norm), "{\"Member\":\"eve\",\"Group\":\"%s\"}", big);
	ck_assert(!fact_on(member, "m", norm, a, g, sc));
	detect_free(s);
}
END_TEST

/* The fact keys of a mapping file are checked at load: file:line: what. */
static const struct {
	const char *map, *want;
} fact_map_errors[] = {
    {"member_group: G\n", "member_group needs member_account"},
    {"member_account: M\n", "need member_group"},
    {"admin_groups: 'x'\n", "need member_group"},
    {"created_account_id: U\n", "created_account_id needs created_account"},
    {"member_account: M\nmember_group: G\nadmin_groups: '('\n", "admin_groups: bad regex"},
    {"created_account: 'a b'\n", "created_account: the Sigma field has no mapping"},
};

START_TEST(test_fact_map_error)
{
	char map[512], err[1024];

	snprintf(map, sizeof(map), "name: bad\nlogsource: {product: x}\nfallback: \"{}\"\n%s",
	    fact_map_errors[_i].map);
	mkdir(unit_path("sigma"), 0755);
	write_text("sigma/bad.map", map, strlen(map));
	ck_assert_ptr_null(detect_load_sigma(unit_dir, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad.map:") != NULL && strstr(err, fact_map_errors[_i].want),
	    "%s", err);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("sigma");
	TCase *tc = tcase_create("sigma");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_loop_test(tc, test_match, 0, (int)(sizeof(match_cases) / sizeof(match_cases[0])));
	tcase_add_test(tc, test_detection_fields);
	tcase_add_loop_test(tc, test_skip, 0, (int)(sizeof(skip_cases) / sizeof(skip_cases[0])));
	tcase_add_test(tc, test_skip_unmapped);
	tcase_add_test(tc, test_map_error);
	tcase_add_loop_test(tc, test_bound, 0, (int)(sizeof(bound_cases) / sizeof(bound_cases[0])));
	tcase_add_test(tc, test_bound_file);
	tcase_add_test(tc, test_bound_shapes);
	tcase_add_test(tc, test_bound_files);
	tcase_add_test(tc, test_index);
	tcase_add_test(tc, test_bound_index);
	tcase_add_test(tc, test_bound_tags);
	tcase_add_test(tc, test_bound_shape_conds);
	tcase_add_test(tc, test_index_shipped);
	tcase_add_test(tc, test_shape_select);
	tcase_add_test(tc, test_shipped_and_recursive);
	tcase_add_test(tc, test_fact);
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_glob_reference);
	tcase_add_test(tc, test_bound_key);
	tcase_add_loop_test(
	    tc, test_require, 0, (int)(sizeof(walk_cases) / sizeof(walk_cases[0])));
	tcase_add_loop_test(tc, test_fact_map_error, 0,
	    (int)(sizeof(fact_map_errors) / sizeof(fact_map_errors[0])));
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
