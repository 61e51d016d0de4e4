/*
 * check_regex_shared: a regex the workers share is compiled afresh once
 * it has searched REGEX_SHARED_BUDGET bytes (regex_shared.h): not at the
 * budget, at the first byte past it; its answers the same across the
 * rebuild; glibc's state cache held down by it over texts that would grow
 * it without end ("(a|b)*a(a|b){20}"); and two threads searching one
 * regex while it is rebuilt.
 */
#include "config.h"

#include <check.h>
#include <malloc.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

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

Suite *
unit_suite(void)
{
	Suite *s = suite_create("regex_shared");
	TCase *tc = tcase_create("regex_shared");

	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_threads);
	/* 2 MB of text through an automaton that keeps growing: slow under sanitizers */
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
