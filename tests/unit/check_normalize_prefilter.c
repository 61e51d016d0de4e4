/*
 * check_normalize_prefilter.c: the rulebase reader of the prefilter (every
 * literal form, escapes, leading fields, prefix=, what makes it pass all,
 * its bounds), and the normalizer giving the same results with the
 * prefilter on and off for every pattern sample and variations of it.
 */
#include "config.h"

#include <check.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "normalize.h"
#include "normalize_prefilter.h"
#include "parse.h"
#include "unit.h"

/* liblognorm 2.0.6 leaks a rejected rule's tags at load (check_normalize.c). */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:ln_sampLoad\n";
}

static void same_with_variants(struct normalizer *n, const char *text, size_t len,
    const char *what);
static void same_both_ways(struct normalizer *n, const char *text, size_t len, const char *what);

/* A sealed prefilter over one rulebase text (NUL-terminated here). */
static struct prefilter *
build(const char *text)
{
	struct prefilter *pf = prefilter_new();

	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(prefilter_add_rulebase(pf, text, strlen(text)), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	return pf;
}

static bool
may(const struct prefilter *pf, const char *msg)
{
	return prefilter_may_match(pf, msg, strlen(msg));
}

/* A rulebase line and what it must let through and hold back. */
struct reader_case {
	const char *rulebase; /* after "version=2\n" */
	const char *pass[6];  /* messages that may match */
	const char *hold[6];  /* messages no rule can match */
};

static const struct reader_case reader_cases[] = {
	/* leading literal: the message starts with it */
	{"rule=t:Failed %a:word%\n", {"Failed x", "Failed "}, {"Accepted x", "Faile", "", "xFailed x"}},
	/* "%%" is a literal '%' */
	{"rule=t:%%ASA-%n:number%-1: x\n", {"%ASA-5-1: x", "%ASA--1: x"}, {"ASA-5", "%%ASA-", "%AS", "%ASA-"}},
	{"rule=t:100%% done\n", {"100% done"}, {"100%% done", "100 done"}},
	/* a '%' that ends the rule is dropped: "ab" */
	{"rule=t:ab%", {"ab", "abc"}, {"a", "b"}},
	/* the tags end at the first ':', even inside what looks like a field: body "word%" */
	{"rule=A %a:word%\n", {"word"}, {"A x", "wor"}},
	/* the lead, and the longest later literal anywhere (Check Point's "[") */
	{"rule=t:[%-:string-to{\"extradata\":\"; op:\\\"\"}%; op:\"%a:char-to:\"%\"]\n",
	 {"[x; op:\"y\"]", "[; op:\""}, {"[UFW BLOCK] IN=eth0", "[", "[x; op:y", "; op:\"", "z; op:\""}},
	{"rule=t:ab%a:word% cdef\n", {"abx cdef", "ab cdef"}, {"abx cde", "ab", " cdef", "abx cdeF"}},
	{"rule=t:abc%a:word% cdef\n", {"abcx cdef", "abc cdef"}, {"x cdef", "ab cdef", "abc", "abcx"}},
	/* a leading field: the longest literal, anywhere */
	{"rule=t:%a:word% added by %b:word%\n", {"bob added by eve", "x added by "}, {"bob removed by eve", "added by x", "bob added b"}},
	{"rule=t:%u:word% : TTY=%t:word% ; COMMAND=%c:rest%\n", {"root ; COMMAND=ls"}, {"root : TTY=pts/0 ; PWD=/"}},
	/* legacy extra data: ':' and ' ' as char-to's terminator, JSON extra data */
	{"rule=t:%c:char-to::%: User '%u:char-to:'%' x\n", {"a: User 'b' x"}, {"a: user 'b' x"}},
	{"rule=t:%-:char-to{\"extradata\":\"\\u0025\"}%%%AAA-%n:number%-CMD\n", {"x %AAA-5-CMD"}, {"x AAA-5-CMD"}},
	{"rule=t:%-:string-to: ; USER=% ; USER=%u:word%\n", {"/ ; USER=x"}, {"/ ; user=x"}},
	/* a leading JSON field: '{' or ']' first (liblognorm 2.0.6's test), nothing else */
	{"rule=j:%{\"name\":\"json\",\"type\":\"json\",\"priority\":65000}%\n", {"{\"a\":1}", "]", "{"}, {"[1]", "x{}", "", "\"s\""}},
	{"rule=j:%j:json%\n", {"{}"}, {"[]", "a"}},
	{"rule=j:% {\"type\":\"json\"}%%-:whitespace%\n", {"{} "}, {"x", " {}"}},
	{"rule=j: %{\"type\":\"json\"}%\n", {" {}"}, {"{}"}}, /* a blank literal first */
	/* a JSON field then a literal: still the first byte */
	{"rule=j:%{\"type\":\"json\"}% tail\n", {"{} tail", "] tail", "{ tail"}, {"x tail", "]", "{}", "{} tai"}},
	/* backslash escapes: only the bytes before the first one are certain */
	{"rule=t:ab\\x41cd %a:word%\n", {"abAcd x", "abXcd x"}, {"ac", "a"}},
	{"rule=t:%a:word% x\\ty %b:word%\n", {"a x\ty b", "a x b"}, {"a y b"}},
	/* prefix= joins the rule; extendprefix= adds to it; an empty one resets it */
	{"prefix=host %h:word% \nrule=t:Failed %a:word%\n", {"host x Failed y", "host  Failed "}, {"Failed y", "hos", "host ", "host x Failed"}},
	{"prefix=\nrule=t:Failed %a:word%\n", {"Failed y"}, {"host x Failed y"}},
	{"prefix=%h:word% \nrule=t:Failed %a:word%\n", {"x Failed y", " Failed "}, {"x Accepted y", "Failed y"}},
	{"prefix=ab\nextendprefix=cd\nrule=t:ef%a:word%\n", {"abcdefg"}, {"abef", "cdef"}},
	{"prefix=ab\nrule=t:x%a:word%\nprefix=cd\nrule=t:y%a:word%\n", {"abx1", "cdy1"}, {"aby1", "cdx1"}},
	/* comments, blank lines, type= and annotate= lines change nothing */
	{"# c\n\n#rule=t:%a:word%\ntype=@x:%a:word%\nannotate=t:+k=\"v\"\nrule=t:A %a:@x%\n", {"A b"}, {"B a"}},
	/* a one-byte literal anywhere */
	{"rule=t:%a:word%:%b:word%\n", {"x:y", ":"}, {"xy", ""}},
	/* whitespace between '%' and the field name */
	{"rule=t:%  a:word% z\n", {"a z"}, {"az"}},
	/* no final newline: the last line is still a rule */
	{"rule=t:Last %a:word%", {"Last x"}, {"First x"}},
	/* a lead and a later literal: the message has both, the later one anywhere */
	{"rule=t:Failed %a:word% from %b:word%\n", {"Failed x from y", "Failed  from "},
	 {"Failed x to y", "Failed x fro", "Failed ", "x from y"}},
	/* the longest later literal is the one required */
	{"rule=t:Go %a:word% to %b:word% because of %c:rest%\n", {"Go x to y because of z"},
	 {"Go x to y", "Go x to y because", "Go x because o"}},
	/* several rules of one lead: any of their later literals */
	{"rule=t:Go %a:word% alpha\nrule=t:Go %a:word% beta\n", {"Go x alpha", "Go x beta"},
	 {"Go x gamma", "Go x alph", "Go"}},
	/* a lead that needs nothing more covers the longer leads it starts */
	{"rule=t:Go %a:word%\nrule=t:Go home %a:word% now\n", {"Go home x later", "Go x"}, {"Stop"}},
	/* leads that start one another, and one between them: each is tried */
	{"rule=t:Go %a:word% alpha\nrule=t:Go away %a:word% gamma\nrule=t:Go home %a:word% beta\n",
	 {"Go home alpha", "Go zzz alpha", "Go home x beta", "Go away x gamma", "Go away alpha"},
	 {"Go home x gamma", "Go x beta", "Go zzz gamma", "Go away x beta", "Gone alpha"}},
	/* a later literal is cut before its first backslash ("q\x41z": 'q') and keeps "%%" as '%' */
	{"rule=t:Go %a:word% q\\x41z\n", {"Go 1 qAz", "Go 1 q"}, {"Go 1 Az", "Go 1 z"}},
	{"rule=t:Go %a:word% 100%% done\n", {"Go x 100% done"}, {"Go x 100 done", "Go x 100%% done"}},
	/* a field that can hold the later literal ("char-to" up to the last ',') */
	{"rule=t:Set %a:char-to:;%; end%b:rest%\n", {"Set a; end; end", "Set ; endx"}, {"Set a, end"}},
	/* a later literal inside the lead's bytes counts */
	{"rule=t:abcdef%a:word%cd\n", {"abcdefcd", "abcdef"}, {"abcde"}},
};

START_TEST(test_reader_cases)
{
	const struct reader_case *c = &reader_cases[_i];
	char text[1024];
	struct prefilter *pf;
	size_t k;

	snprintf(text, sizeof(text), "version=2\n%s", c->rulebase);
	pf = build(text);
	ck_assert_msg(prefilter_passes_all(pf) == NULL, "%s: passes all: %s", c->rulebase,
	    prefilter_passes_all(pf));
	for (k = 0; k < 6 && c->pass[k] != NULL; k++)
		ck_assert_msg(may(pf, c->pass[k]), "%s: must pass \"%s\"", c->rulebase, c->pass[k]);
	for (k = 0; k < 6 && c->hold[k] != NULL; k++)
		ck_assert_msg(!may(pf, c->hold[k]), "%s: must hold \"%s\"", c->rulebase, c->hold[k]);
	prefilter_free(pf);
}
END_TEST

/*
 * The same cases through liblognorm itself: what the reader holds back,
 * liblognorm matches no rule for; and both ways give the same results.
 */
START_TEST(test_reader_cases_liblognorm)
{
	const struct reader_case *c = &reader_cases[_i];
	struct json_object *out;
	char err[512];
	struct normalizer *n;
	FILE *f;
	size_t k;

	/*
	 * liblognorm 2.0.6 leaks in ln_normalizeRec when a user-defined type
	 * fails part-way (LeakSanitizer): that case is the reader's only.
	 */
	if (strstr(c->rulebase, "type=@") != NULL)
		return;
	ck_assert_ptr_nonnull(f = fopen(unit_path("case.rulebase"), "w"));
	fprintf(f, "version=2\n%s", c->rulebase);
	ck_assert_int_eq(fclose(f), 0);
	n = normalizer_new(unit_path("case.rulebase"), err, sizeof(err));
	ck_assert_msg(n != NULL, "%s: %s", c->rulebase, err);
	normalizer_set_prefilter(n, false);
	for (k = 0; k < 6 && c->hold[k] != NULL; k++) {
		ck_assert_msg(normalizer_run(n, c->hold[k], strlen(c->hold[k]), &out) == 0,
		    "%s: liblognorm matches \"%s\"", c->rulebase, c->hold[k]);
		same_with_variants(n, c->hold[k], strlen(c->hold[k]), c->rulebase);
	}
	for (k = 0; k < 6 && c->pass[k] != NULL; k++)
		same_with_variants(n, c->pass[k], strlen(c->pass[k]), c->rulebase);
	normalizer_free(n);
}
END_TEST

/* Rulebases whose rules the reader cannot bound: every message passes. */
static const char *const pass_all_cases[] = {
	"version=2\nrule=t:%a:word%\n",                /* no literal */
	"version=2\nrule=t:%a:word%%b:rest%\n",
	"version=2\nrule=t:%\n",                       /* empty: matches "" */
	"version=2\nrule=t:\\x41%a:word%\n",           /* nothing certain before '\' */
	"version=2\nrule=j:%{\"type\":\"word\"}%\n",   /* JSON config, not the json type */
	"version=2\nrule=j:%{\"type\":\"json\",\"type\":\"word\"}%\n", /* json-c keeps the last */
	"version=2\nrule=j:%{\"typ\\u0065\":\"word\",\"type\":\"json\"}%\n", /* an escaped key */
	"version=2\nrule=j:%{\"type\":\"json\" /* } */}%\n",  /* comment: json-c's, not ours */
	"version=2\nrule=j:%[{\"type\":\"json\"}]%\n",        /* alternatives */
	"version=2\nrule=j:%j:word{\"type\":\"json\"}%\n",    /* JSON part may set the type */
	"version=2\nrule=t:A %a:word\nb% z\n",         /* a rule over two lines */
	"version=2\ninclude=/etc/other.rulebase\nrule=t:A %a:word%\n",
	"version=2\nrule=t:A %:word% b\n",             /* no field name: liblognorm drops the rule silently */
	"version=2\nrule=A B\n",                       /* no tags separator */
	"version=2\nrule=t:\n",
	"version=2\nnonsense\n",
	"version=2\nfoo=bar\n",
	"version=2\r\nrule=t:A %a:word%\n",            /* liblognorm's v1 engine */
	"version=1\nrule=t:A %a:word%\n",
	"",
	"version=2\nrule=t:A % \n",                    /* blanks to the end after '%' */
	"version=2\nrule=t:A %\xa0x:word% b\n",        /* a blank or not, by locale */
	/* an alternative joins other rules' paths: JSON, escaped, nested, legacy */
	"version=2\nrule=t:Q%{\"type\":\"alternative\",\"parser\":[{\"type\":\"word\",\"name\":\"w\"}]}%Z\n",
	"version=2\nrule=t:Q%{\"typ\\u0065\":\"\\u0061lternative\",\"parser\":[]}%Z\n",
	"version=2\nrule=t:Q%{\"type\":\"alt\\ernative\"}%Z\n", /* an escape the reader does not know */
	"version=2\nrule=t:Q%[{\"type\":\"literal\",\"text\":\"a\"},{\"type\":\"alternative\"}]%Z\n",
	"version=2\nrule=t:Q%a:alternative{\"parser\":[{\"type\":\"word\"}]}%Z\n",
	"version=2\nrule=t:Q%a:alternative %Z\n",
	"version=2\nprefix=%{\"type\":\"alternative\",\"parser\":[]}%\nrule=t:Q%a:word%Z\n",
};

START_TEST(test_pass_all_cases)
{
	struct prefilter *pf = build(pass_all_cases[_i]);

	ck_assert_msg(prefilter_passes_all(pf) != NULL, "must pass all: %s", pass_all_cases[_i]);
	ck_assert(may(pf, ""));
	ck_assert(may(pf, "anything"));
	prefilter_free(pf);
}
END_TEST

/* A normalizer over rules written to the test directory as name.  Caller frees. */
static struct normalizer *
load_rules(const char *name, const char *rules)
{
	struct normalizer *n;
	char err[512];
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(unit_path(name), "w"));
	fputs(rules, f);
	ck_assert_int_eq(fclose(f), 0);
	n = normalizer_new(unit_path(name), err, sizeof(err));
	ck_assert_msg(n != NULL, "%s: %s", name, err);
	return n;
}

/* Strings near "alternative" that are not it: the prefilter still filters. */
START_TEST(test_not_alternative)
{
	static const char *const rulebases[] = {
		"version=2\nrule=t:Q%{\"type\":\"char-to\",\"name\":\"a\",\"extradata\":\"alternatives\"}%Z\n",
		"version=2\nrule=t:Q%{\"type\":\"char-to\",\"name\":\"a\",\"extradata\":\"\\u00e1lternative\"}%Z\n",
		"version=2\nrule=t:Q%{\"type\":\"char-to\",\"name\":\"alternativ\",\"extradata\":\"\\u0025\"}%Z\n",
		"version=2\nrule=t:Q%a:alternatives%Z\n",
	};
	struct prefilter *pf;
	size_t i;

	for (i = 0; i < sizeof(rulebases) / sizeof(rulebases[0]); i++) {
		pf = build(rulebases[i]);
		ck_assert_msg(prefilter_passes_all(pf) == NULL, "%s: %s", rulebases[i],
		    prefilter_passes_all(pf));
		ck_assert(may(pf, "QxZ"));
		ck_assert(!may(pf, "xZ"));
		prefilter_free(pf);
	}
}
END_TEST

/*
 * Why an alternative passes all: liblognorm joins the branches of rule b's
 * alternative into the node after rule a's 'a' (the first branch is the
 * same literal parser), so "Qzzzbcdefxyz" matches rule a through b's
 * char-to, though it neither starts with a's "Qabcdef" nor contains b's
 * "ZZZZZZ".
 */
START_TEST(test_alternative_joins_rules)
{
	static const char rules[] =
	    "version=2\nrule=a:Qabcdef%r:rest%\n"
	    "rule=b:Q%{\"type\":\"alternative\",\"parser\":[{\"type\":\"literal\",\"text\":\"a\"},"
	    "{\"type\":\"char-to\",\"name\":\"w\",\"extradata\":\"b\"}]}%ZZZZZZ\n";
	static const char msg[] = "Qzzzbcdefxyz";
	struct json_object *out = NULL;
	struct normalizer *n = load_rules("alt.rulebase", rules);

	normalizer_set_prefilter(n, false);
	ck_assert_int_eq(normalizer_run(n, msg, strlen(msg), &out), 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(out), "\"zzz\""));
	json_object_put(out);
	same_with_variants(n, msg, strlen(msg), "alternative");
	normalizer_free(n);
}
END_TEST

/*
 * A user-defined type that parses nothing (a literal "\x00" is empty once
 * unescaped) ends at liblognorm's parsedTo so far, which can lie before
 * its start: "abc" matches "abc%f:@t%abc", whose later "abc" is not after
 * the lead.  The later literal counts anywhere in the message.
 */
START_TEST(test_type_moves_back)
{
	static const char rules[] = "version=2\ntype=@t:\\x00\nrule=t:abc%f:@t%abc\n";
	struct json_object *out = NULL;
	struct prefilter *pf = build(rules);
	struct normalizer *n;

	ck_assert_ptr_null(prefilter_passes_all(pf));
	ck_assert(may(pf, "abc"));
	ck_assert(!may(pf, "ab"));
	prefilter_free(pf);
	n = load_rules("type.rulebase", rules);
	normalizer_set_prefilter(n, false);
	ck_assert_int_eq(normalizer_run(n, "abc", 3, &out), 1);
	json_object_put(out);
	same_both_ways(n, "abc", 3, "type");
	same_both_ways(n, "abcabc", 6, "type");
	normalizer_free(n);
}
END_TEST

/* A NUL byte: liblognorm's literal would end there; pass all. */
START_TEST(test_nul_byte)
{
	static const char text[] = "version=2\nrule=t:A\0B %a:word%\n";
	struct prefilter *pf = prefilter_new();

	ck_assert_int_eq(prefilter_add_rulebase(pf, text, sizeof(text) - 1), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_nonnull(prefilter_passes_all(pf));
	prefilter_free(pf);
}
END_TEST

/* No rule: nothing can match; the prefix of one file does not reach the next. */
START_TEST(test_files_and_empty)
{
	struct prefilter *pf = build("version=2\n# nothing\n");

	ck_assert_ptr_null(prefilter_passes_all(pf));
	ck_assert(!may(pf, ""));
	ck_assert(!may(pf, "x"));
	prefilter_free(pf);
	pf = prefilter_new();
	ck_assert_int_eq(prefilter_add_rulebase(pf, "version=2\nprefix=P \nrule=t:a%x:word%\n", 37), 0);
	ck_assert_int_eq(prefilter_add_rulebase(pf, "version=2\nrule=t:b%x:word%\n", 27), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert(may(pf, "P a1"));
	ck_assert(may(pf, "b1"));
	ck_assert(!may(pf, "P b1"));
	ck_assert(!may(pf, "a1"));
	prefilter_free(pf);
}
END_TEST

/* Sorted anchored literals: the predecessor search, prefixes folded. */
START_TEST(test_anchored_search)
{
	struct prefilter *pf = build("version=2\nrule=t:ab%x:word%\nrule=t:abc%x:word%\n"
	    "rule=t:ac%x:word%\nrule=t:b%x:word%\nrule=t:d%x:word%\n");

	ck_assert_uint_eq(prefilter_anchored_count(pf), 4); /* "abc" is in "ab" */
	ck_assert(may(pf, "ab"));
	ck_assert(may(pf, "abd"));
	ck_assert(may(pf, "acz"));
	ck_assert(may(pf, "b"));
	ck_assert(may(pf, "dz"));
	ck_assert(!may(pf, "a"));
	ck_assert(!may(pf, "aa"));
	ck_assert(!may(pf, "ad"));
	ck_assert(!may(pf, "c"));
	ck_assert(!may(pf, "e"));
	ck_assert(!may(pf, "\xff"));
	ck_assert(!may(pf, ""));
	prefilter_free(pf);
}
END_TEST

/* Literals anywhere: at the start, the end, cut by the message end. */
START_TEST(test_contained_search)
{
	struct prefilter *pf = build("version=2\nrule=t:%a:word% xyz%b:rest%\n"
	    "rule=t:%a:word% xq%b:rest%\nrule=t:%a:word%\xff\xfe%b:rest%\n");

	ck_assert_uint_eq(prefilter_contained_count(pf), 3);
	ck_assert(may(pf, " xyz"));
	ck_assert(may(pf, "abc xyz"));
	ck_assert(may(pf, "a xq"));
	ck_assert(may(pf, "a\xff\xfe"));
	ck_assert(!may(pf, "abc xy"));
	ck_assert(!may(pf, "abc x"));
	ck_assert(!may(pf, "xyz"));
	ck_assert(!may(pf, "a\xff"));
	ck_assert(!may(pf, ""));
	prefilter_free(pf);
}
END_TEST

/* Literals of different lengths: the window slides by the shortest, every offset is seen. */
START_TEST(test_contained_window)
{
	struct prefilter *pf = build("version=2\nrule=t:%a:word%abcdef%b:rest%\n"
				     "rule=t:%a:word%xyz123456%b:rest%\nrule=t:%a:word%fedcba%b:rest%\n");
	char msg[128];
	size_t at;

	ck_assert(may(pf, "abcdef"));
	ck_assert(may(pf, "xyz123456"));
	ck_assert(!may(pf, "xyz12345"));
	ck_assert(!may(pf, "abcde"));
	ck_assert(!may(pf, "bcdef"));
	ck_assert(!may(pf, "abcdeF"));
	ck_assert(!may(pf, "xyz12345 abcdfe fedcb"));
	/* each literal at every offset of a longer message */
	for (at = 0; at + 9 <= 40; at++) {
		memset(msg, '.', 40);
		msg[40] = '\0';
		memcpy(msg + at, "fedcba", 6);
		ck_assert_msg(may(pf, msg), "%s", msg);
		memset(msg, '.', 40);
		memcpy(msg + at, "xyz123456", 9);
		ck_assert_msg(may(pf, msg), "%s", msg);
		msg[at + 8] = '.';
		ck_assert_msg(!may(pf, msg), "%s", msg);
	}
	prefilter_free(pf);
}
END_TEST

/* A literal longer than PREFILTER_LITERAL_MAX: its first bytes decide. */
START_TEST(test_long_literal)
{
	char text[1024], msg[512];
	struct prefilter *pf;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "version=2\nrule=t:");
	memset(text + n, 'L', 300);
	snprintf(text + n + 300, sizeof(text) - n - 300, "%%a:word%%\nrule=t:%%a:word%% ");
	n = strlen(text);
	memset(text + n, 'C', 200);
	snprintf(text + n + 200, sizeof(text) - n - 200, "%%b:word%%\n");
	pf = build(text);
	ck_assert_ptr_null(prefilter_passes_all(pf));
	memset(msg, 'L', PREFILTER_LITERAL_MAX);
	strcpy(msg + PREFILTER_LITERAL_MAX, "x"); /* differs after the kept bytes */
	ck_assert(may(pf, msg));
	msg[PREFILTER_LITERAL_MAX - 1] = 'x'; /* within them */
	ck_assert(!may(pf, msg));
	memset(msg, 'C', PREFILTER_LITERAL_MAX);
	msg[0] = ' ';
	strcpy(msg + PREFILTER_LITERAL_MAX, "x");
	ck_assert(may(pf, msg));
	msg[PREFILTER_LITERAL_MAX - 2] = 'x';
	ck_assert(!may(pf, msg));
	prefilter_free(pf);
}
END_TEST

/* count rules "rule=t:wNNNNNNN %a:word%", each its own literal. */
static struct prefilter *
build_many(size_t count)
{
	size_t cap = 32 + count * 32, n, i;
	char *text = malloc(cap);
	struct prefilter *pf = prefilter_new();

	ck_assert_ptr_nonnull(text);
	n = (size_t)snprintf(text, cap, "version=2\n");
	for (i = 0; i < count; i++)
		n += (size_t)snprintf(text + n, cap - n, "rule=t:w%07zu %%a:word%%\n", i);
	ck_assert_int_eq(prefilter_add_rulebase(pf, text, n), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	free(text);
	return pf;
}

/* PREFILTER_LITERALS_MAX conditions filter; one more passes all. */
START_TEST(test_table_bound)
{
	struct prefilter *pf = build_many(PREFILTER_LITERALS_MAX);

	ck_assert_ptr_null(prefilter_passes_all(pf));
	ck_assert_uint_eq(prefilter_anchored_count(pf), PREFILTER_LITERALS_MAX);
	ck_assert(may(pf, "w0000000 x"));
	ck_assert(may(pf, "w0065535 x"));
	ck_assert(!may(pf, "w0065536 x"));
	prefilter_free(pf);
	pf = build_many(PREFILTER_LITERALS_MAX + 1);
	ck_assert_ptr_nonnull(prefilter_passes_all(pf));
	ck_assert(may(pf, "nothing like it"));
	prefilter_free(pf);
}
END_TEST

/* count rules "rule=t:LEAD%a:word% nNNNNN": one lead, each its own later literal. */
static struct prefilter *
build_nexts(const char *lead, size_t count)
{
	size_t cap = 32 + count * (strlen(lead) + 32), n, i;
	char *text = malloc(cap);
	struct prefilter *pf = prefilter_new();

	ck_assert_ptr_nonnull(text);
	n = (size_t)snprintf(text, cap, "version=2\n");
	for (i = 0; i < count; i++)
		n += (size_t)snprintf(text + n, cap - n, "rule=t:%s%%a:word%% n%05zu\n", lead, i);
	ck_assert_int_eq(prefilter_add_rulebase(pf, text, n), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_null(prefilter_passes_all(pf));
	free(text);
	return pf;
}

/*
 * PREFILTER_NEXTS_MAX later literals of one lead are checked; one more
 * and the lead is the condition alone, or for a lead under 3 bytes, the
 * later literals anywhere.
 */
START_TEST(test_nexts_bound)
{
	char last[32];
	struct prefilter *pf = build_nexts("Go ", PREFILTER_NEXTS_MAX);

	snprintf(last, sizeof(last), "Go x n%05d", PREFILTER_NEXTS_MAX - 1);
	ck_assert_uint_eq(prefilter_next_count(pf), PREFILTER_NEXTS_MAX);
	ck_assert(may(pf, "Go x n00000"));
	ck_assert(may(pf, last));
	ck_assert(!may(pf, "Go x n99999"));
	ck_assert(!may(pf, "x n00000"));
	prefilter_free(pf);

	pf = build_nexts("Go ", PREFILTER_NEXTS_MAX + 1);
	ck_assert_uint_eq(prefilter_next_count(pf), 0);
	ck_assert_uint_eq(prefilter_anchored_count(pf), 1);
	ck_assert(may(pf, "Go x n99999"));
	ck_assert(!may(pf, "x n00000"));
	prefilter_free(pf);

	pf = build_nexts("G", PREFILTER_NEXTS_MAX);
	ck_assert(may(pf, "Gx n00007"));
	ck_assert(!may(pf, "x n00007"));
	ck_assert(!may(pf, "Gx n99999"));
	prefilter_free(pf);

	pf = build_nexts("G", PREFILTER_NEXTS_MAX + 1);
	ck_assert_uint_eq(prefilter_anchored_count(pf), 0);
	ck_assert_uint_eq(prefilter_contained_count(pf), PREFILTER_NEXTS_MAX + 1);
	ck_assert(may(pf, "x n00007"));
	ck_assert(!may(pf, "Gx n99999"));
	prefilter_free(pf);
}
END_TEST

/* Write a rulebase of exactly size bytes (a comment pads it). */
static void
write_sized(const char *path, size_t size)
{
	static const char head[] = "version=2\nrule=t:Sized %a:word%\n#";
	FILE *f = fopen(path, "w");
	size_t i;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_ge(size, sizeof(head));
	fputs(head, f);
	for (i = sizeof(head) - 1; i < size - 1; i++)
		fputc('x', f);
	fputc('\n', f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A file of PREFILTER_FILE_MAX bytes is read; one byte more passes all. */
START_TEST(test_file_bound)
{
	struct prefilter *pf = prefilter_new();

	write_sized(unit_path("at.rulebase"), PREFILTER_FILE_MAX);
	ck_assert_int_eq(prefilter_add_file(pf, unit_path("at.rulebase")), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_null(prefilter_passes_all(pf));
	ck_assert(may(pf, "Sized x"));
	ck_assert(!may(pf, "Other x"));
	prefilter_free(pf);
	pf = prefilter_new();
	write_sized(unit_path("past.rulebase"), PREFILTER_FILE_MAX + 1);
	ck_assert_int_eq(prefilter_add_file(pf, unit_path("past.rulebase")), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_nonnull(prefilter_passes_all(pf));
	ck_assert(may(pf, "Other x"));
	prefilter_free(pf);
}
END_TEST

/* A file that cannot be read, or changes before the seal: pass all. */
START_TEST(test_file_changed_or_missing)
{
	struct prefilter *pf = prefilter_new();
	FILE *f;

	ck_assert_int_eq(prefilter_add_file(pf, unit_path("missing.rulebase")), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_nonnull(prefilter_passes_all(pf));
	prefilter_free(pf);

	f = fopen(unit_path("a.rulebase"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("version=2\nrule=t:One %a:word%\n", f);
	ck_assert_int_eq(fclose(f), 0);
	pf = prefilter_new();
	ck_assert_int_eq(prefilter_add_file(pf, unit_path("a.rulebase")), 0);
	f = fopen(unit_path("a.rulebase"), "w"); /* what liblognorm would have read */
	ck_assert_ptr_nonnull(f);
	fputs("version=2\nrule=t:Two %a:word%\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_nonnull(prefilter_passes_all(pf));
	ck_assert(may(pf, "Two x"));
	prefilter_free(pf);

	pf = prefilter_new();
	ck_assert_int_eq(prefilter_add_file(pf, unit_path("a.rulebase")), 0);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_ptr_null(prefilter_passes_all(pf));
	ck_assert(may(pf, "Two x"));
	ck_assert(!may(pf, "One x"));
	prefilter_free(pf);
}
END_TEST

/* ---- the normalizer with the prefilter on and off ---------------------- */

/* Run text[0..len) on n with the prefilter on, then off: same answer. */
static void
same_both_ways(struct normalizer *n, const char *text, size_t len, const char *what)
{
	struct json_object *on = NULL, *off = NULL;
	char *copy = malloc(len > 0 ? len : 1);
	int rc_on, rc_off;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	normalizer_set_prefilter(n, true);
	rc_on = normalizer_run(n, copy, len, &on);
	normalizer_set_prefilter(n, false);
	rc_off = normalizer_run(n, copy, len, &off);
	normalizer_set_prefilter(n, true);
	ck_assert_msg(rc_on == rc_off, "%s: \"%.*s\": %d with the prefilter, %d without", what,
	    (int)len, text, rc_on, rc_off);
	if (on != NULL || off != NULL) {
		ck_assert_ptr_nonnull(on);
		ck_assert_ptr_nonnull(off);
		ck_assert_str_eq(json_object_to_json_string(on), json_object_to_json_string(off));
	}
	json_object_put(on);
	json_object_put(off);
	free(copy);
}

/* The message and every shorter head of it, and the message with its first byte changed. */
static void
same_with_variants(struct normalizer *n, const char *text, size_t len, const char *what)
{
	char *v = malloc(len + 1);
	size_t k;

	ck_assert_ptr_nonnull(v);
	for (k = 0; k <= len; k++)
		same_both_ways(n, text, k, what);
	if (len > 0) {
		memcpy(v, text, len);
		v[0] = (char)(v[0] ^ 0x20);
		same_both_ways(n, v, len, what);
		same_both_ways(n, text + 1, len - 1, what);
	}
	free(v);
}

/* Undo run.sh's TSV escaping (\\ \t \n \r) in place; returns the length. */
static size_t
tsv_unescape(char *s)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0' && strchr("\\tnr", s[i + 1]) != NULL) {
			i++;
			s[o++] = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : '\\';
		} else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* Every sample of the tests/patterns TSV files: its MSG (what the daemon runs) and the whole line. */
static size_t
same_for_samples(struct normalizer *n)
{
	glob_t g;
	char *line = NULL;
	size_t cap = 0, i, rows = 0, len;
	struct syslog_msg msg;
	FILE *f;

	ck_assert_int_eq(glob(unit_srcpath("tests/patterns/*.tsv"), 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		ck_assert_ptr_nonnull(f = fopen(g.gl_pathv[i], "r"));
		while (getline(&line, &cap, f) != -1) {
			if (line[0] == '#' || line[0] == '\n')
				continue;
			line[strcspn(line, "\t\n")] = '\0';
			len = tsv_unescape(line);
			parse_message(line, len, time(NULL), &msg);
			if (msg.msg.p != NULL)
				same_with_variants(n, msg.msg.p, msg.msg.len, g.gl_pathv[i]);
			same_both_ways(n, line, len, g.gl_pathv[i]);
			rows++;
		}
		fclose(f);
	}
	free(line);
	globfree(&g);
	return rows;
}

/* MSG parts of the bench mix (bench/gen.c) that match no shipped rule. */
static const char *const nomatch_msgs[] = {
	"Connection closed by authenticating user bob 10.0.0.1 port 22 [preauth] ED25519 SHA256:00",
	"Failed password for invalid user bob52 from 198.7.67.20 port 30206 ssh2",
	"pam_unix(cron:session): session opened for user alice(uid=1000) by (uid=0)",
	"Started fstrim.service - daily job for web-058.dc1.example.net.",
	"[UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.1.2 PROTO=TCP SPT=1 DPT=2",
	"1.2.3.4 - - \"GET / HTTP/1.1\" 200 12 \"-\" \"curl/7.88\"",
	"disconnect from mail1.example.org[1.2.3.4] ehlo=1 mail=1 rcpt=1 data=1 quit=1",
	"pam_unix(sudo:session): session closed for user root after 3 seconds",
};

/* Other bodies: JSON, Cisco forms, blanks, empty. */
static const char *const other_msgs[] = {
	"{\"EventID\":4720,\"TargetUserName\":\"x\"}", "{\"a\":", "]", "[1,2]", "{} ",
	"%ASA-5-502101: New user added to local dbase: Uname: bob Priv: 15 Encpass: x",
	"12: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:username bob privilege 15",
	"user bob added by alice to group wheel", " \t", "", "%", "%%", "new user: name=",
};

/* The shipped patterns/: same results both ways, and the bench's no-match mix held back. */
START_TEST(test_shipped_identity)
{
	char err[512];
	struct normalizer *n = normalizer_new(unit_srcpath("patterns"), err, sizeof(err));
	size_t i, rows;

	ck_assert_msg(n != NULL, "%s", err);
	rows = same_for_samples(n);
	ck_assert_uint_gt(rows, 100);
	for (i = 0; i < sizeof(nomatch_msgs) / sizeof(nomatch_msgs[0]); i++)
		same_with_variants(n, nomatch_msgs[i], strlen(nomatch_msgs[i]), "bench");
	for (i = 0; i < sizeof(other_msgs) / sizeof(other_msgs[0]); i++)
		same_with_variants(n, other_msgs[i], strlen(other_msgs[i]), "other");
	normalizer_free(n);
}
END_TEST

/*
 * The prefilter over the shipped rulebases filters (it does not pass all)
 * and holds back every no-match message of the bench mix, while the
 * identity test above shows that it holds back nothing a rule matches.
 */
START_TEST(test_shipped_holds_back)
{
	struct prefilter *pf = prefilter_new();
	glob_t g;
	size_t i;

	ck_assert_int_eq(glob(unit_srcpath("patterns/*.rulebase"), 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++)
		ck_assert_int_eq(prefilter_add_file(pf, g.gl_pathv[i]), 0);
	globfree(&g);
	ck_assert_int_eq(prefilter_seal(pf), 0);
	ck_assert_msg(prefilter_passes_all(pf) == NULL, "%s", prefilter_passes_all(pf));
	for (i = 0; i < sizeof(nomatch_msgs) / sizeof(nomatch_msgs[0]); i++)
		ck_assert_msg(!may(pf, nomatch_msgs[i]), "passes \"%s\"", nomatch_msgs[i]);
	ck_assert(may(pf, "{\"EventID\":4720}"));
	prefilter_free(pf);
}
END_TEST

/* The rulebases of check_normalize's cases (prefixes over files, shared literals). */
START_TEST(test_data_identity)
{
	static const char *const dirs[] = {"tests/data/normalize/two",
	    "tests/data/normalize/shared-prefix"};
	static const char *const msgs[] = {"alpha: hello bob", "bye carol", "alpha: bye carol",
	    "user bob added by alice to group wheel", "user bob added by alice", "hello", ""};
	char err[512];
	struct normalizer *n;
	size_t d, i;

	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		n = normalizer_new(unit_srcpath(dirs[d]), err, sizeof(err));
		ck_assert_msg(n != NULL, "%s", err);
		for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
			same_with_variants(n, msgs[i], strlen(msgs[i]), dirs[d]);
		normalizer_free(n);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("normalize_prefilter");
	TCase *tc;

	tc = tcase_create("reader");
	tcase_add_loop_test(tc, test_reader_cases, 0,
	    (int)(sizeof(reader_cases) / sizeof(reader_cases[0])));
	tcase_add_loop_test(tc, test_pass_all_cases, 0,
	    (int)(sizeof(pass_all_cases) / sizeof(pass_all_cases[0])));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_not_alternative);
	tcase_add_test(tc, test_files_and_empty);
	tcase_add_test(tc, test_anchored_search);
	tcase_add_test(tc, test_contained_search);
	tcase_add_test(tc, test_contained_window);
	tcase_add_test(tc, test_long_literal);
	suite_add_tcase(s, tc);

	tc = tcase_create("liblognorm");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_test(tc, test_alternative_joins_rules);
	tcase_add_test(tc, test_type_moves_back);
	tcase_add_loop_test(tc, test_reader_cases_liblognorm, 0,
	    (int)(sizeof(reader_cases) / sizeof(reader_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table_bound);
	tcase_add_test(tc, test_nexts_bound);
	tcase_add_test(tc, test_file_bound);
	tcase_add_test(tc, test_file_changed_or_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("identity");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_shipped_identity);
	tcase_add_test(tc, test_shipped_holds_back);
	tcase_add_test(tc, test_data_identity);
	suite_add_tcase(s, tc);
	return s;
}
