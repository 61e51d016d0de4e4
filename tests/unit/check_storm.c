/*
 * check_storm.c: the storm control table: first alert opens a window,
 * later ones fold with count and times, windows close on time, the table
 * is bounded (overflow), keys differing in any part do not fold.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "storm.h"
#include "unit.h"

struct closed {
	size_t n;
	uint64_t folded[8];
	char last[8][STORM_TIME_MAX];
};

static void
record_closed(void *arg, struct storm_window *w)
{
	struct closed *c = arg;

	if (c->n < 8) {
		c->folded[c->n] = w->folded;
		strcpy(c->last[c->n], w->last);
	}
	c->n++;
}

#define KEY(s) s, sizeof(s) - 1

START_TEST(test_fold_and_close)
{
	struct storm *s = storm_new(16);
	struct storm_window *w;
	struct closed c = { 0 };

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve\0T1136.001"), "t0", 0, 1000, 300000, &w),
	    STORM_FIRST);
	ck_assert_uint_eq(w->folded, 0);
	ck_assert(!w->has_summary);
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve\0T1136.001"), "t1", 0, 2000, 300000, &w),
	    STORM_FOLD);
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve\0T1136.001"), "t2", 0, 3000, 300000, &w),
	    STORM_FOLD);
	/* out of order: first and last are the earliest and latest */
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve\0T1136.001"), "t0", 0, 3000, 300000, &w),
	    STORM_FOLD);
	ck_assert_uint_eq(w->folded, 3);
	ck_assert_str_eq(w->first, "t0");
	ck_assert_str_eq(w->last, "t2");
	/* another account, host or technique is another window */
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve2\0T1136.001"), "t", 0, 3000, 300000, &w),
	    STORM_FIRST);
	ck_assert_int_eq(storm_offer(s, KEY("web2\0eve\0T1136.001"), "t", 0, 3000, 300000, &w),
	    STORM_FIRST);
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve\0T1098"), "t", 0, 3000, 300000, &w),
	    STORM_FIRST);
	/* the NUL separators keep "a\0bc" and "ab\0c" apart */
	ck_assert_int_eq(storm_offer(s, KEY("web1e\0ve\0T1136.001"), "t", 0, 3000, 300000, &w),
	    STORM_FIRST);
	ck_assert_uint_eq(storm_count(s), 5);
	ck_assert_uint_eq(storm_expire(s, 300999, record_closed, &c), 0);
	ck_assert_uint_eq(storm_expire(s, 301000, record_closed, &c), 1);
	ck_assert_uint_eq(c.folded[0], 3);
	ck_assert_str_eq(c.last[0], "t2");
	ck_assert_uint_eq(storm_expire(s, 303000, record_closed, &c), 4);
	ck_assert_uint_eq(storm_count(s), 0);
	/* closed: the key opens a new window */
	ck_assert_int_eq(storm_offer(s, KEY("web1\0eve\0T1136.001"), "t3", 0, 400000, 300000, &w),
	    STORM_FIRST);
	storm_free(s);
}
END_TEST

START_TEST(test_bounded)
{
	struct storm *s = storm_new(4);
	struct storm_window *w;
	char key[7] = { 'h', '\0', 'a', '0', '\0', 'T', '1' }, big[STORM_KEY_MAX + 1];
	int i;

	for (i = 0; i < 4; i++) {
		key[3] = (char)('0' + i);
		ck_assert_int_eq(storm_offer(s, key, sizeof(key), NULL, 0, 0, 1000, &w), STORM_FIRST);
	}
	ck_assert_int_eq(storm_offer(s, KEY("other\0x\0T1"), NULL, 0, 0, 1000, &w), STORM_OVERFLOW);
	ck_assert_ptr_null(w);
	/* a full table still folds keys it holds */
	ck_assert_int_eq(storm_offer(s, KEY("h\0a0\0T1"), "x", 0, 10, 1000, &w), STORM_FOLD);
	ck_assert_str_eq(w->first, "x");
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(storm_offer(s, big, sizeof(big), NULL, 0, 0, 1000, &w), STORM_OVERFLOW);
	/* expiry frees room */
	ck_assert_uint_eq(storm_expire(s, 1000, record_closed, &(struct closed){ 0 }), 4);
	ck_assert_int_eq(storm_offer(s, KEY("other\0x\0T1"), NULL, 0, 0, 1000, &w), STORM_FIRST);
	storm_free(s);
	storm_free(NULL);
	ck_assert_ptr_null(storm_new(0));
}
END_TEST

START_TEST(test_long_timestamp_cut)
{
	struct storm *s = storm_new(2);
	struct storm_window *w;
	char ts[200];

	memset(ts, '9', sizeof(ts) - 1);
	ts[sizeof(ts) - 1] = '\0';
	storm_offer(s, KEY("h\0a\0T"), NULL, 0, 0, 1000, &w);
	ck_assert_int_eq(storm_offer(s, KEY("h\0a\0T"), ts, 0, 0, 1000, &w), STORM_FOLD);
	ck_assert_uint_eq(strlen(w->first), STORM_TIME_MAX - 1);
	storm_free(s);
}
END_TEST

/*
 * Issue 13 point 4: an alert more severe than its window has shown is
 * delivered at once (not folded, not counted); the window then takes its
 * severity, so a flood of the severe one is still folded.
 */
START_TEST(test_severer_not_folded)
{
	static const struct {
		int severity;
		enum storm_verdict want;
		uint64_t folded;
	} steps[] = {
		{ 2, STORM_FIRST, 0 },     /* medium opens the window */
		{ 2, STORM_FOLD, 1 },
		{ 1, STORM_FOLD, 2 },      /* less severe: folded */
		{ 3, STORM_SEVERER, 2 },   /* high: at once */
		{ 3, STORM_FOLD, 3 },      /* another high: folded now */
		{ 2, STORM_FOLD, 4 },
		{ 4, STORM_SEVERER, 4 },   /* critical: at once */
		{ 4, STORM_FOLD, 5 },
	};
	struct storm *s = storm_new(4);
	struct storm_window *w;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ck_assert_int_eq(storm_offer(s, KEY("h\0a\0T1136\0r"), "t", steps[i].severity, 0,
		    1000, &w), steps[i].want);
		ck_assert_ptr_nonnull(w);
		ck_assert_uint_eq(w->folded, steps[i].folded);
	}
	ck_assert_uint_eq(storm_count(s), 1);
	storm_free(s);
}
END_TEST

/* An offer undone (the alert could not be spooled) leaves no trace. */
START_TEST(test_undo)
{
	struct storm *s = storm_new(1);
	struct storm_window *w;

	ck_assert_int_eq(storm_offer(s, KEY("h\0a\0T\0r"), "t", 2, 0, 1000, &w), STORM_FIRST);
	storm_undo(s, w, STORM_FIRST);
	ck_assert_uint_eq(storm_count(s), 0);
	/* offered again: it opens the window, it does not fold into its own */
	ck_assert_int_eq(storm_offer(s, KEY("h\0a\0T\0r"), "t", 2, 0, 1000, &w), STORM_FIRST);
	/* the freed slot was reused: a table of one is not full */
	ck_assert_int_eq(storm_offer(s, KEY("h\0a\0T\0r"), "t", 3, 0, 1000, &w), STORM_SEVERER);
	storm_undo(s, w, STORM_SEVERER);
	ck_assert_int_eq(w->severity, 2);
	ck_assert_int_eq(storm_offer(s, KEY("h\0a\0T\0r"), "t", 3, 0, 1000, &w), STORM_SEVERER);
	storm_undo(s, NULL, STORM_FIRST);	/* nothing offered: nothing to undo */
	ck_assert_uint_eq(storm_count(s), 1);
	storm_free(s);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *su = suite_create("storm");
	TCase *tc = tcase_create("storm");

	tcase_add_test(tc, test_fold_and_close);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_long_timestamp_cut);
	tcase_add_test(tc, test_severer_not_folded);
	tcase_add_test(tc, test_undo);
	suite_add_tcase(su, tc);
	return su;
}
