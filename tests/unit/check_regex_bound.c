/*
 * check_regex_bound: what a configured ERE may cost before regcomp
 * (regex_bound.h): each bound at its limit and one past it, every pair of
 * stacked quantifiers, brackets and escapes read as glibc reads them,
 * back-references (cheap to compile, minutes to match a sender's text), and
 * every place a pattern comes from (a detection's conditions,
 * target_pattern, group_pattern, redact, Sigma's re) refusing with
 * file:line and the reason.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "regex_bound.h"
#include "sigma_impl.h"
#include "unit.h"

#define STACKED "a quantifier right after another"
#define COUNT "a repetition count over 255"
#define NODES "too costly to compile: more than 4096 nodes"
#define EMPTY "too costly to compile: its groups"
#define NULLABLE "a quantifier on a part that can match nothing"
#define ALTERNATIVE "a second alternative that can match nothing"
#define NESTING "groups nested deeper than 32"
#define BACKREF "a back-reference"

/* A pattern made of prefix, then unit n times, then suffix (caller frees). */
static char *
repeat(const char *prefix, const char *unit, int n, const char *suffix)
{
	size_t len = strlen(prefix) + strlen(unit) * (size_t)n + strlen(suffix) + 1;
	char *p = malloc(len);
	int i;

	ck_assert_ptr_nonnull(p);
	strcpy(p, prefix);
	for (i = 0; i < n; i++)
		strcat(p, unit);
	strcat(p, suffix);
	return p;
}

struct bound_case {
	const char *pattern;
	const char *refused; /* the reason's start, or NULL: accepted */
};

static const struct bound_case bound_cases[] = {
    /* counts: 255 and one past it, in each place a count takes a number */
    {"a{255}", NULL},
    {"a{256}", COUNT " (\"{256}\" at byte 1)"},
    {"a{0,255}", NULL},
    {"a{0,256}", COUNT},
    {"a{,255}", NULL},
    {"a{,256}", COUNT},
    {"a{255,}", NULL},
    {"a{256,}", COUNT},
    {"a{00255}", NULL},
    {"a{99999999999999999999}", COUNT},
    /* the reproducer and what nesting multiplies */
    {"ab++++++++++++++++++++++++++c", STACKED " (\"++\" at byte 2)"},
    {"(a{255}){255}", NODES},
    {"((a{100}){100}){100}", NODES},
    /* 257 x 15 + 1 = 3856 nodes; 290 x 16 + 1 = 4641 */
    {"((a{15}){15}){15}", NULL},
    {"((a{16}){16}){16}", NODES},
    /* 16 x 255 + 1 = 4081; 17 x 255 + 1 = 4336 */
    {"(a{14}){255}", NULL},
    {"(a{15}){255}", NODES},
    /* a quantifier alone after each kind of atom */
    {"(a+)+", NULL},
    {"[ab]*x.?y\\.+", NULL},
    /* brackets: their quantifier characters are members */
    {"[+*]+", NULL},
    {"[+*]++", STACKED " (\"++\" at byte 4)"},
    {"[]+*]+", NULL},
    {"[^]+]+", NULL},
    {"[[:alpha:]+]+", NULL},
    {"[[.+.]]+", NULL},
    {"[[=+=]]+", NULL},
    {"[a\\]+", NULL}, /* a backslash is a member: the bracket ends at ']' */
    {"[a\\]++", STACKED},
    /* escapes */
    {"\\++", NULL},
    {"a\\++", NULL},
    {"\\{256}", NULL},
    {"a\\{256}", NULL},
    {"\\\\{256}", COUNT " (\"{256}\" at byte 2)"},
    {"\\\\++", STACKED},
    /* anchors: cheap alone, and what glibc refuses itself passes */
    {"^$", NULL},
    {"\\b\\b\\b\\b\\b\\b\\b\\b", NULL},
    {"(^|,)x(,|$)", NULL},
    /* a quantified part that can match nothing */
    {"()?", NULLABLE " (\"?\" at byte 2"},
    {"(a*)*", NULLABLE},
    {"(a|)+", NULLABLE},
    {"(^)*", NULLABLE},
    {"(a?b?){2}", NULLABLE},
    {"(a)?", NULL},
    {"(a?b)*", NULL},
    /* two alternatives that can match nothing */
    {"(a|||b)", ALTERNATIVE " (ending at byte 4"},
    {"(a||)", ALTERNATIVE},
    {"(|a|)", ALTERNATIVE},
    {"(a?|b*)", ALTERNATIVE},
    {"||", ALTERNATIVE},
    {"(a|)", NULL},
    {"a||b", NULL},
    {"(a||b)", NULL},
    {"(|a)(|b)", NULL},
    /* nesting: 32 groups and 33 */
    {"((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))", NULL},
    {"(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))", NESTING},
    /* back-references: each of \1..\9 (glibc reads one digit); \0, a
     * digit in brackets and an escaped backslash before a digit are not one */
    {"(a)\\1", BACKREF " (\"\\1\" at byte 3)"},
    {"(a)(b)(c)(d)(e)(f)(g)(h)(i)\\9", BACKREF " (\"\\9\" at byte 27)"},
    {"^(a+)+\\1$", BACKREF},
    {"(a)\\10", BACKREF},
    {"(a)\\0", NULL},
    {"(a)[\\1]", NULL},
    {"(a)\\\\1", NULL},
    /* glibc refuses these itself, and says why */
    {"*a", NULL},
    {"a|*b", NULL},
    {"a{", NULL},
    {"a{x}", NULL},
    {"a{2,1}", NULL},
    {"(a", NULL},
    {"[a", NULL},
    {"a\\", NULL},
    /* an unmatched ')' is a literal; a quantifier may follow it */
    {"a)+", NULL},
    /* shipped shapes */
    {"^([^ ]*/)?(useradd|adduser) ", NULL},
    {"^[^ ]+ +([^ -][^ ]*)", NULL},
};

START_TEST(test_bound)
{
	const struct bound_case *c = &bound_cases[_i];
	char why[512] = "";
	int rc = regex_bound_check(c->pattern, why, sizeof(why));

	if (c->refused == NULL)
		ck_assert_msg(rc == 0, "%s refused: %s", c->pattern, why);
	else
		ck_assert_msg(rc == -1 && strncmp(why, c->refused, strlen(c->refused)) == 0,
		    "%s: got \"%s\", want \"%s\"", c->pattern, rc == 0 ? "accepted" : why,
		    c->refused);
}
END_TEST

/* Every quantifier after every quantifier, bare, in a group and after a bracket. */
static const char *const quantifiers[] = {"*", "+", "?", "{2}", "{1,}", "{0,3}", "{,2}"};
#define N_QUANTIFIERS (int)(sizeof(quantifiers) / sizeof(quantifiers[0]))

START_TEST(test_stacked)
{
	const char *first = quantifiers[_i / N_QUANTIFIERS];
	const char *second = quantifiers[_i % N_QUANTIFIERS];
	/* each shape: what comes before the quantifiers, and after them */
	const char *shapes[][2] = {{"a", ""}, {"x(ab", ")"}, {"[a-z]", "z"}, {"(ab)", ""}};
	char pattern[64], single[64], why[512];
	size_t k;

	for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		snprintf(pattern, sizeof(pattern), "%s%s%s%s", shapes[k][0], first, second,
		    shapes[k][1]);
		ck_assert_msg(regex_bound_check(pattern, why, sizeof(why)) == -1 &&
				  strncmp(why, STACKED, strlen(STACKED)) == 0,
		    "%s: %s", pattern, why);
		/* one of them alone is fine */
		snprintf(single, sizeof(single), "%s%s%s", shapes[k][0], first, shapes[k][1]);
		ck_assert_msg(
		    regex_bound_check(single, why, sizeof(why)) == 0, "%s: %s", single, why);
	}
}
END_TEST

/* Long patterns: 4096 nodes in all, 1024 empty ones times one more than the anchors. */
struct size_case {
	const char *prefix, *unit;
	int n;
	const char *refused;
};

static const struct size_case size_cases[] = {
    {"", "a", 4095, NULL}, /* and regcomp's end node */
    {"", "a", 4096, NODES}, {"", "[a-z]", 4095, NULL}, {"", "[a-z]", 4096, NODES},
    {"", "a?", 1024, NULL}, {"", "a?", 1025, EMPTY}, {"", "()", 512, NULL}, {"", "()", 513, EMPTY},
    {"", "(a|b)", 341, NULL},			       /* 3 a group: 1023 */
    {"", "(a|b)", 342, EMPTY}, {"^", "a?", 511, NULL}, /* (1 + 511) x 2 */
    {"^", "a?", 512, EMPTY}, {"^$", "a?", 339, NULL},  /* (2 + 339) x 3 = 1023 */
    {"^$", "a?", 340, EMPTY},
    {"\\b", "a?", 338, NULL}, /* \b: 3 empty nodes, 2 anchors: (3 + 338) x 3 */
    {"\\b", "a?", 339, EMPTY}, {"x(a{2}?)", "", 0, STACKED},
    {"(ab?){", "", 0, NULL}, /* glibc: unmatched { */
};

START_TEST(test_size)
{
	const struct size_case *c = &size_cases[_i];
	char *pattern = repeat(c->prefix, c->unit, c->n, "");
	char why[512] = "";
	int rc = regex_bound_check(pattern, why, sizeof(why));

	if (c->refused == NULL)
		ck_assert_msg(rc == 0, "%s x %d refused: %s", c->unit, c->n, why);
	else
		ck_assert_msg(rc == -1 && strncmp(why, c->refused, strlen(c->refused)) == 0,
		    "%s%s x %d: got \"%s\"", c->prefix, c->unit, c->n, rc == 0 ? "accepted" : why);
	free(pattern);
}
END_TEST

/* What the bound accepts, glibc compiles (the reading agrees with glibc's). */
START_TEST(test_accepted_compiles)
{
	const char *accepted[] = {"((a{15}){15}){15}", "(a{14}){255}", "[]+*]+", "[a\\]+", "\\++",
	    "(|a)(|b)", "a||b", "a)+", "[[.+.]]+", "(^|,)x(,|$)"};
	char why[512];
	regex_t re;
	size_t i;

	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		ck_assert_msg(regex_bound_check(accepted[i], why, sizeof(why)) == 0, "%s: %s",
		    accepted[i], why);
		ck_assert_msg(regcomp(&re, accepted[i], REG_EXTENDED) == 0, "%s", accepted[i]);
		regfree(&re);
	}
}
END_TEST

/*
 * What the bound refuses as a back-reference, glibc reads as one (it
 * matches "aa", not "a1"); what it lets by is not one.
 */
START_TEST(test_backref_is_glibcs)
{
	static const struct {
		const char *pattern, *text;
		int want;
	} cases[] = {
	    {"^(a)\\1$", "aa", 0},
	    {"^(a)\\1$", "a1", REG_NOMATCH},
	    {"^(a)\\0$", "a0", 0},
	    {"^(a)[\\1]$", "a1", 0},
	    {"^(a)[\\1]$", "a\\", 0},
	    {"^(a)\\\\1$", "a\\1", 0},
	};
	regex_t re;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(regcomp(&re, cases[i].pattern, REG_EXTENDED | REG_NOSUB) == 0, "%s",
		    cases[i].pattern);
		ck_assert_msg(regexec(&re, cases[i].text, 0, NULL, 0) == cases[i].want, "%s on %s",
		    cases[i].pattern, cases[i].text);
		regfree(&re);
	}
}
END_TEST

/* Write text to name in the test directory; returns the path. */
static const char *
write_file(const char *name, const char *text)
{
	static char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", unit_dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

#define TECH "technique T1136 {\n\tname = \"n\"\n\ttactic = \"TA0003\"\n\ttactic_name = \"P\"\n}\n"
#define DET_HEAD                                                                                   \
	"detection d {\n\ttitle = \"t\"\n\ttechnique = \"T1136\"\n\tseverity = low\n"              \
	"\ttags = { \"x\" }\n"

/* Every place a detections file holds a pattern: refused at its line, with the reason. */
static const struct {
	const char *text, *expect;
} load_cases[] = {
    /* TECH is lines 1-5, DET_HEAD lines 6-10 */
    {TECH DET_HEAD "\twhen = { \"user.target.name regex 'ab+++c'\" }\n}\n",
	"11: detection d: when \"user.target.name regex 'ab+++c'\": bad regex 'ab+++c': " STACKED},
    {TECH DET_HEAD "\tunless = { \"a exists\",\n\t\t\"b !regex '(x{255}){255}'\" }\n}\n",
	"12: detection d: unless \"b !regex '(x{255}){255}'\": bad regex '(x{255}){255}': " NODES},
    {TECH DET_HEAD "\ttarget_pattern = \"a{256}\"\n}\n",
	"11: detection d: target_pattern: bad regex 'a{256}': " COUNT},
    {TECH DET_HEAD "\tgroup_pattern = \"(a*)*\"\n}\n",
	"11: detection d: group_pattern: bad regex '(a*)*': " NULLABLE},
    {TECH DET_HEAD "}\nredact = { \"ok\",\n\t\"x(a|||b)\" }\n",
	"13: redact: bad regex 'x(a|||b)': " ALTERNATIVE},
    {TECH DET_HEAD "\twhen = { \"process.command_line regex '(.*)\\\\1b'\" }\n}\n",
	"11: detection d: when \"process.command_line regex '(.*)\\1b'\": bad regex "
	"'(.*)\\1b': " BACKREF " (\"\\1\" at byte 4)"},
    {TECH DET_HEAD "}\nredact = { \"(a)\\\\1\" }\n",
	"12: redact: bad regex '(a)\\1': " BACKREF " (\"\\1\" at byte 3)"},
};

START_TEST(test_load)
{
	char err[1024], expect[1024];
	const char *path = write_file("bad.detections", load_cases[_i].text);
	struct detect_set *s = detect_load(unit_dir, err, sizeof(err));

	ck_assert_msg(s == NULL, "case %d loaded", _i);
	snprintf(expect, sizeof(expect), "%s:%s", path, load_cases[_i].expect);
	ck_assert_msg(strncmp(err, expect, strlen(expect)) == 0, "case %d:\n got  %s\n want %s", _i,
	    err, expect);
}
END_TEST

/*
 * The redaction filter joins every redact pattern: each within the bounds,
 * their alternation need not be.  Then there is no filter (each pattern
 * still redacts); the set loads.  "(ab?){200}": 600 empty nodes.
 */
START_TEST(test_redact_filter)
{
	char err[1024];
	struct detect_set *s;
	size_t n;

	write_file("r.detections", TECH DET_HEAD "}\nredact = { \"(ab?){200}\" }\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_ptr_nonnull(detect_redaction_filter(s));
	detect_free(s);

	write_file(
	    "r.detections", TECH DET_HEAD "}\nredact = { \"(ab?){200}\", \"(cd?){200}\" }\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	detect_redactions(s, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(detect_redaction_filter(s));
	detect_free(s);
}
END_TEST

/* Sigma's re: the translation goes through the bound; PCRE's lazy '?' still drops. */
START_TEST(test_sigma)
{
	static const struct {
		const char *pattern, *refused;
	} cases[] = {
	    {"a+?b*?c??d{2}?", NULL},
	    {"a+*", "re: " STACKED},
	    {"(a{255}){255}", "re: " NODES},
	    {"(?:a|)+", "re: " NULLABLE},
	    {"\\d{256}", "re: a repetition count past 255"},
	    {"(a)\\1", "re: an escape (\\b, \\x, back-reference...)"},
	};
	char why[512];
	struct regex_shared *re;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		rc = sigma_regex_compile(&re, cases[i].pattern, false, why, sizeof(why));
		if (cases[i].refused == NULL) {
			ck_assert_msg(rc == 0, "%s: %s", cases[i].pattern, why);
			regex_shared_free(re);
		} else {
			ck_assert_msg(rc == -1 && strncmp(why, cases[i].refused,
						      strlen(cases[i].refused)) == 0,
			    "%s: got \"%s\"", cases[i].pattern, rc == 0 ? "accepted" : why);
		}
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("regex_bound");
	TCase *tc = tcase_create("regex_bound");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_loop_test(tc, test_bound, 0, (int)(sizeof(bound_cases) / sizeof(bound_cases[0])));
	tcase_add_loop_test(tc, test_stacked, 0, N_QUANTIFIERS * N_QUANTIFIERS);
	tcase_add_loop_test(tc, test_size, 0, (int)(sizeof(size_cases) / sizeof(size_cases[0])));
	tcase_add_test(tc, test_accepted_compiles);
	tcase_add_test(tc, test_backref_is_glibcs);
	tcase_add_loop_test(tc, test_load, 0, (int)(sizeof(load_cases) / sizeof(load_cases[0])));
	tcase_add_test(tc, test_redact_filter);
	tcase_add_test(tc, test_sigma);
	suite_add_tcase(s, tc);
	return s;
}
