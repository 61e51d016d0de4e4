/*
 * check_regex_shared: a regex the workers share is compiled afresh once
 * it has searched REGEX_SHARED_BUDGET bytes (regex_shared.h): not at the
 * budget, at the first byte past it; its answers the same across the
 * rebuild; glibc's state cache held down by it over texts that would grow
 * it without end ("(a|b)*a(a|b){20}"); and two threads searching one
 * regex while it is rebuilt.  And its searches in linear time: the same
 * answers and matches as glibc's own search (tricky patterns, then random
 * ones, from every start with every eflags), the rewritings they are made
 * of (regex_form.h), and what they ask of glibc over a text that would take
 * glibc alone an hour.
 */
#include "config.h"

#include <check.h>
#include <malloc.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "regex_form.h"
#include "regex_shared.h"
#include "unit.h"

#define FLAGS (REG_EXTENDED | REG_ICASE | REG_NOSUB)

/* Search text whole; 1 on a match, 0 on none, fails the test on an error. */
static int
search(struct regex_shared *r, const char *text, size_t len)
{
	regmatch_t m[1] = {{0, (regoff_t)len}};
	int rc = regex_shared_exec(r, text, 1, m, 0);

	ck_assert_msg(rc == 0 || rc == REG_NOMATCH, "regexec: %d", rc);
	return rc == 0;
}

START_TEST(test_budget)
{
	char why[256], text[1024];
	struct regex_shared *r = regex_shared_new("x[0-9]+y", FLAGS, why, sizeof(why));
	size_t done;

	ck_assert_msg(r != NULL, "%s", why);
	memset(text, 'a', sizeof(text));
	memcpy(text + 900, "X42Y", 4); /* past the 256 bytes that fill the budget */
	text[sizeof(text) - 1] = '\0';
	/* up to the budget exactly: the compilation stays */
	for (done = 0; done + 1023 <= REGEX_SHARED_BUDGET; done += 1023)
		ck_assert_int_eq(search(r, text, 1023), 1);
	ck_assert_int_eq(search(r, text, REGEX_SHARED_BUDGET - done), 0); /* "aaa...": no */
	ck_assert_uint_eq(regex_shared_rebuilds(r), 0);
	/* one byte past it: compiled afresh, the count starts again */
	ck_assert_int_eq(search(r, "a", 1), 0);
	ck_assert_uint_eq(regex_shared_rebuilds(r), 1);
	ck_assert_int_eq(search(r, text, 1023), 1);
	ck_assert_int_eq(search(r, "x7y", 3), 1);
	ck_assert_int_eq(search(r, "x7", 2), 0);
	ck_assert_uint_eq(regex_shared_groups(r), 0);
	regex_shared_free(r);
}
END_TEST

/*
 * The anchored form is compiled at the first search, not at load: most of
 * a rulebase's regexes are never searched, and that form costs regcomp
 * several times the pattern's memory.  Until then the pattern as written
 * is the one compiled form.
 */
START_TEST(test_lazy)
{
	char why[256];
	struct regex_shared *r = regex_shared_new("x[0-9]+y", FLAGS, why, sizeof(why));

	ck_assert_msg(r != NULL, "%s", why);
	ck_assert_uint_eq(regex_shared_count(r).forms, 1);
	ck_assert_uint_eq(regex_shared_count(r).anchored, 0);
	ck_assert_int_eq(search(r, "a x12y b", 8), 1);
	ck_assert_uint_eq(regex_shared_count(r).anchored, 1);
	ck_assert_uint_eq(regex_shared_count(r).forms, 2);
	ck_assert_int_eq(search(r, "a x12 b", 7), 0);
	ck_assert_uint_eq(regex_shared_count(r).forms, 2);
	regex_shared_free(r);
}
END_TEST

/* A bad pattern says why, as regcomp does. */
START_TEST(test_bad)
{
	char why[256] = "";

	ck_assert_ptr_null(regex_shared_new("a(", FLAGS, why, sizeof(why)));
	ck_assert_msg(strstr(why, "parenthes") != NULL || strstr(why, "(") != NULL, "%s", why);
}
END_TEST

/* Heap in use (the arenas and mmapped blocks). */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * 10,000 texts of 200 random 'a' and 'b' (2 MB, 8 budgets): without the
 * rebuild glibc's cache grows by 190 MB over them (1 GB over 100,000); with
 * it, by what 256 KiB of text builds (36 MB measured).  The allocator's
 * figures are not the sanitizers' (they replace malloc): there, the rebuilds
 * are counted only.
 */
START_TEST(test_growth)
{
	char why[256], text[201];
	struct regex_shared *r = regex_shared_new("(a|b)*a(a|b){20}", FLAGS, why, sizeof(why));
	size_t before = heap_in_use(), peak = 0, now;
	unsigned seed = 1;
	int i, j, matches = 0;

	ck_assert_msg(r != NULL, "%s", why);
	for (i = 0; i < 10000; i++) {
		for (j = 0; j < 200; j++)
			text[j] = "ab"[rand_r(&seed) & 1];
		text[200] = '\0';
		matches += search(r, text, 200);
		if ((now = heap_in_use()) > peak)
			peak = now;
	}
	ck_assert_int_eq(matches, 10000); /* 21 letters after an 'a': every one */
	ck_assert_uint_eq(regex_shared_rebuilds(r), 10000 / (REGEX_SHARED_BUDGET / 200 + 1));
	if (getenv("LOGWARD_SANITIZED") == NULL)
		ck_assert_msg(peak - before < 64u << 20, "the state cache grew by %zu MB",
		    (peak - before) >> 20);
	regex_shared_free(r);
}
END_TEST

#define SEARCHES 50000 /* a thread's */

struct searcher {
	struct regex_shared *r;
	int seed;
	int wrong; /* answers that differ from the expected */
};

/* Texts that match ("...X1Y...") and do not, alternately. */
static void *
searcher_run(void *arg)
{
	struct searcher *s = arg;
	char text[65];
	int i;

	for (i = 0; i < SEARCHES; i++) {
		memset(text, 'a' + (s->seed + i) % 26, 64);
		text[64] = '\0';
		if (i % 2 == 0)
			memcpy(text + (i % 60), "x1y", 3);
		if (search(s->r, text, 64) != (i % 2 == 0))
			s->wrong++;
	}
	return NULL;
}

/* Two threads on one regex while it is rebuilt, every 5 texts (20,000 rebuilds). */
START_TEST(test_threads)
{
	char why[256];
	struct regex_shared *r = regex_shared_new("x[0-9]y", FLAGS, why, sizeof(why));
	struct searcher s[2] = {{r, 0, 0}, {r, 7, 0}};
	pthread_t t[2];
	int i;

	ck_assert_msg(r != NULL, "%s", why);
	regex_shared_set_budget(r, 256);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, searcher_run, &s[i]), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_int_eq(s[0].wrong + s[1].wrong, 0);
	ck_assert_uint_eq(regex_shared_rebuilds(r), 2 * SEARCHES / (256 / 64 + 1));
	regex_shared_free(r);
}
END_TEST


/*
 * regexec of pattern over text[so, len) (text is len bytes, NUL-terminated
 * past them) with nm groups: regex_shared_exec's answer and matches must
 * be glibc's own, with the pattern compiled as written.
 */
static void
same_as_glibc(struct regex_shared *r, regex_t *plain, const char *pattern, const char *text,
    size_t len, size_t so, size_t nm, int eflags)
{
	regmatch_t want[4], got[4];
	int want_rc, got_rc;
	size_t i;

	memset(want, 0x55, sizeof(want));
	memset(got, 0x55, sizeof(got));
	want[0].rm_so = got[0].rm_so = (regoff_t)so;
	want[0].rm_eo = got[0].rm_eo = (regoff_t)len;
	want_rc = regexec(plain, text, nm, want, eflags | REG_STARTEND);
	got_rc = regex_shared_exec(r, text, nm, got, eflags);
	ck_assert_msg(want_rc == got_rc, "/%s/ over \"%.*s\" from %zu, eflags %d: %d, not %d",
	    pattern, (int)len, text, so, eflags, got_rc, want_rc);
	/* the backwards pass found the start the pattern as written matches at */
	ck_assert_msg(regex_shared_count(r).missed == 0, "/%s/ over \"%.*s\" from %zu, eflags %d: "
	    "the backwards pass missed", pattern, (int)len, text, so, eflags);
	for (i = 0; got_rc == 0 && i < nm; i++)
		ck_assert_msg(want[i].rm_so == got[i].rm_so && want[i].rm_eo == got[i].rm_eo,
		    "/%s/ over \"%.*s\" from %zu, eflags %d: group %zu at [%d, %d), not [%d, %d)",
		    pattern, (int)len, text, so, eflags, i, (int)got[i].rm_so, (int)got[i].rm_eo,
		    (int)want[i].rm_so, (int)want[i].rm_eo);
}

/* Every start, eflags and number of groups over text, for one compiled pattern. */
static void
same_everywhere(struct regex_shared *r, regex_t *plain, const char *pattern, const char *text,
    size_t len)
{
	static const int eflags[] = {0, REG_NOTBOL, REG_NOTEOL, REG_NOTBOL | REG_NOTEOL};
	size_t so, e, nm;

	for (so = 0; so <= len; so++)
		for (e = 0; e < sizeof(eflags) / sizeof(eflags[0]); e++)
			for (nm = 0; nm <= 3; nm += 3)
				same_as_glibc(r, plain, pattern, text, len, so, nm, eflags[e]);
}

/*
 * The patterns whose meaning the anchored forms could change: anchors
 * inside, alternatives at the top, a ')' that closes no group (a literal
 * to glibc), parentheses in brackets, word edges, the buffer anchors, the
 * empty pattern and empty matches, case.  Over texts with a newline, a
 * NUL, word and other bytes, from every start, with every eflags,
 * cased and not, for captures and whether only.
 */
static const char *const tricky[] = {
    "", "a", "^a", "a$", "^$", "^", "$", "b|^a", "a|b$", "^a|b", "x*", "a?",
    "\\<b", "b\\>", "\\bb", "\\Bb", "a\\b", "\\`a", "a\\'", "a)b", "a|)", "(a|b))",
    "[()]a", "[]a)]+", "\\)", "\\(a", "(a)(b)?", "((a)|b)+c", "a.b", "a[^b]c",
    "\\.", "[a-z]+b", "a.*b", ".+:x.+", "(^|_)a", "(b|$)", "a{2,3}", "A", "_a\\>",
};
static const char *const tricky_text[] = {
    "a", "ab", "ba", "aab", "a.b", "xab_", "_ab a", "a\nb", "b)a)", "(a)b", "Ab aB", "a\0ab",
    "",
};
static const size_t tricky_len[] = {1, 2, 2, 3, 3, 4, 5, 3, 4, 4, 5, 4, 0};

START_TEST(test_same_matches)
{
	static const int cflags[] = {REG_EXTENDED, REG_EXTENDED | REG_ICASE,
	    REG_EXTENDED | REG_NOSUB, REG_EXTENDED | REG_ICASE | REG_NOSUB};
	char why[256];
	size_t p, t, f;

	for (p = 0; p < sizeof(tricky) / sizeof(tricky[0]); p++)
		for (f = 0; f < sizeof(cflags) / sizeof(cflags[0]); f++) {
			struct regex_shared *r = regex_shared_new(tricky[p], cflags[f], why, sizeof(why));
			regex_t plain;

			ck_assert_msg(r != NULL, "/%s/: %s", tricky[p], why);
			ck_assert_int_eq(regcomp(&plain, tricky[p], cflags[f]), 0);
			for (t = 0; t < sizeof(tricky_text) / sizeof(tricky_text[0]); t++)
				same_everywhere(r, &plain, tricky[p], tricky_text[t], tricky_len[t]);
			ck_assert_uint_eq(regex_shared_groups(r), plain.re_nsub);
			regfree(&plain);
			regex_shared_free(r);
		}
}
END_TEST

/* Random patterns over a few atoms, against glibc on random texts. */
START_TEST(test_same_random)
{
	static const char *const atoms[] = {"a", "b", ".", "[ab]", "[^a]", "^", "$", "\\<",
	    "\\>", "\\b", "(", ")", "|", "*", "+", "?", "{1,2}", "_", "\\`", "\\'", "\n", "^", "$"};
	char why[256], pattern[64], text[16];
	unsigned seed = 7;
	int i, j, n, tried = 0;

	for (i = 0; i < 3000; i++) {
		regex_t plain;
		struct regex_shared *r;
		int flags = REG_EXTENDED | (i % 2 ? REG_ICASE : 0);

		pattern[0] = '\0';
		for (j = 0, n = 1 + rand_r(&seed) % 7; j < n; j++)
			strcat(pattern, atoms[rand_r(&seed) % (sizeof(atoms) / sizeof(atoms[0]))]);
		if (regcomp(&plain, pattern, flags) != 0)
			continue;
		ck_assert_msg((r = regex_shared_new(pattern, flags, why, sizeof(why))) != NULL,
		    "/%s/: %s", pattern, why);
		for (j = 0; j < 4; j++) {
			size_t len = (size_t)(rand_r(&seed) % 10), k;

			for (k = 0; k < len; k++)
				text[k] = "ab_ .\nAB"[rand_r(&seed) % 8];
			text[len] = '\0';
			same_everywhere(r, &plain, pattern, text, len);
		}
		tried++;
		regfree(&plain);
		regex_shared_free(r);
	}
	ck_assert_int_gt(tried, 1000);
}
END_TEST

#define HOSTILE (1u << 20) /* glibc alone: about an hour of CPU, growing with its square */

/*
 * "[a-z]+b" over 1 MiB of 'a': glibc alone tries it from each of the 1 Mi
 * places, each try running to the end of the text.  regex_shared asks
 * glibc for passes that each try one place: whether it matches is one
 * pass over the text and nothing else; where it matches (the text then
 * ending ".xb"), one pass over the text read backwards and one try of the
 * pattern as written where the match starts; the same for a pattern
 * ending in "$" over a text that holds a newline.  The check's timeout
 * catches a search that is not linear.
 */
/* pattern finds no match in text (HOSTILE bytes) in one pass, over it once. */
static void
one_pass_none(const char *pattern, int cflags, const char *text, size_t nm)
{
	char why[256];
	struct regex_shared *r = regex_shared_new(pattern, cflags, why, sizeof(why));
	struct regex_shared_count c;
	regmatch_t m[2];

	ck_assert_msg(r != NULL, "%s", why);
	m[0].rm_so = 0;
	m[0].rm_eo = HOSTILE;
	ck_assert_int_eq(regex_shared_exec(r, text, nm, m, 0), REG_NOMATCH);
	c = regex_shared_count(r);
	ck_assert_uint_eq(c.anchored + c.backwards, 1);
	ck_assert_uint_eq(c.written, 0);
	ck_assert_uint_eq(c.bytes, HOSTILE);
	regex_shared_free(r);
}

START_TEST(test_linear)
{
	static const int cflags[] = {REG_EXTENDED | REG_ICASE | REG_NOSUB, REG_EXTENDED};
	char why[256], *text = malloc(HOSTILE + 1);
	regmatch_t m[2];
	size_t f, nm;

	ck_assert_ptr_nonnull(text);
	memset(text, 'a', HOSTILE);
	text[HOSTILE] = '\0';
	for (f = 0; f < 2; f++)
		for (nm = 0; nm <= 2; nm += 2)
			one_pass_none("[a-z]+b", cflags[f], text, nm);
	/* a "$" at the end, over a text that holds a newline: the same passes */
	text[HOSTILE - 1] = '\n';
	for (nm = 0; nm <= 2; nm += 2)
		one_pass_none("[a-z]+b$", REG_EXTENDED, text, nm);
	/* "^" first: glibc tries it at the start only, as written, where it stops at the end */
	{
		struct regex_shared *r = regex_shared_new("^[a-z]+b", REG_EXTENDED, why, sizeof(why));
		struct regex_shared_count c;

		ck_assert_msg(r != NULL, "%s", why);
		m[0].rm_so = 0;
		m[0].rm_eo = HOSTILE;
		ck_assert_int_eq(regex_shared_exec(r, text, 0, m, 0), REG_NOMATCH);
		c = regex_shared_count(r);
		ck_assert_uint_eq(c.anchored + c.backwards, 0);
		ck_assert_uint_eq(c.written, 1);
		regex_shared_free(r);
	}
	/* where: the match is the last two bytes */
	memcpy(text + HOSTILE - 3, ".xb", 3);
	{
		struct regex_shared *r = regex_shared_new("([a-z])+b", REG_EXTENDED, why, sizeof(why));
		struct regex_shared_count c;

		ck_assert_msg(r != NULL, "%s", why);
		m[0].rm_so = 0;
		m[0].rm_eo = HOSTILE;
		ck_assert_int_eq(regex_shared_exec(r, text, 2, m, 0), 0);
		ck_assert_int_eq(m[0].rm_so, HOSTILE - 2);
		ck_assert_int_eq(m[0].rm_eo, HOSTILE);
		ck_assert_int_eq(m[1].rm_so, HOSTILE - 2);
		c = regex_shared_count(r);
		ck_assert_uint_eq(c.anchored, 0);
		ck_assert_uint_eq(c.backwards, 1);
		ck_assert_uint_eq(c.written, 1);
		ck_assert_uint_eq(c.bytes, HOSTILE + 2);
		/* from a later start too (redaction's next search): the copy holds the byte before */
		m[0].rm_so = 5;
		m[0].rm_eo = HOSTILE;
		ck_assert_int_eq(regex_shared_exec(r, text, 2, m, REG_NOTBOL), 0);
		ck_assert_int_eq(m[0].rm_so, HOSTILE - 2);
		c = regex_shared_count(r);
		ck_assert_uint_eq(c.backwards, 2);
		ck_assert_uint_eq(c.written, 2);
		regex_shared_free(r);
	}
	free(text);
}
END_TEST

/* The rewritings regex_shared's forms are made of (regex_form.h). */
START_TEST(test_forms)
{
	static const struct {
		const char *pattern, *mirror, *leading;
		bool other;
	} cases[] = {
	    {"ab(c|d)*$", "^(c|d)*ba", "ab(c|d)*$", false},
	    {"a)b", "b\\)a", "a)b", false},
	    {"\\<a[]x)]+\\`", "\\'[]x)]+a\\>", "\\<a[]x)]+\\`", false},
	    {"(^a|^b)c", "c(a$|b$)", "(\\`a|\\`b)c", false},
	    {"^a|x(^b)", "a$|(b$)x", "\\`a|x(^b)", true},
	    {"((^a)*)", "((a$)*)", "((^a)*)", true},
	    {"((^a)?b)", "(b(a$)?)", "((\\`a)?b)", false},
	    {"a{2,3}b+", "b+a{2,3}", "a{2,3}b+", false},
	    {"", "", "", false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *mirror = regex_form_mirror(cases[i].pattern);
		char *leading;
		bool other;

		ck_assert_ptr_nonnull(mirror);
		ck_assert_str_eq(mirror, cases[i].mirror);
		ck_assert_ptr_nonnull(leading = regex_form_leading(cases[i].pattern, &other));
		ck_assert_str_eq(leading, cases[i].leading);
		ck_assert_int_eq(other, cases[i].other);
		free(mirror);
		free(leading);
	}
	ck_assert_ptr_null(regex_form_mirror("(a)\\1"));
	ck_assert_int_eq(regex_form_start_anchored("^(a|b)c"), true);
	ck_assert_int_eq(regex_form_start_anchored("^a|b"), false);
	ck_assert_int_eq(regex_form_start_anchored("a^"), false);
	ck_assert_int_eq(regex_form_has_anchor("[$^]\\^a", '^'), false);
	ck_assert_int_eq(regex_form_has_anchor("a$", '$'), true);
	{
		char *g = regex_form_group("a)|b");

		ck_assert_str_eq(g, "(a\\)|b)");
		free(g);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("regex_shared");
	TCase *tc = tcase_create("regex_shared");

	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_lazy);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_forms);
	tcase_add_test(tc, test_same_matches);
	tcase_add_test(tc, test_same_random);
	tcase_add_test(tc, test_linear);
	/* 2 MB of text through an automaton that keeps growing: slow under sanitizers */
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
