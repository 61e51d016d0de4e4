/*
 * check_key_vote.c: the vote for the fields an index reads (key_vote.h):
 * a unit votes once a field, values counted once, a path read two ways is
 * two fields, the rank's order and its ties, and k chosen at and past
 * the number of fields.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "detect_set.h"
#include "key_vote.h"
#include "unit.h"

/* user_again: another ref, and another string, of the same path */
static char user_path[] = "user", user_path_again[] = "user", host_path[] = "host",
	    app_path[] = "app";
static struct field_ref user = {user_path, 4, HDR_NONE},
			user_again = {user_path_again, 4, HDR_NONE},
			host = {host_path, 4, HDR_NONE}, app = {app_path, 3, HDR_NONE};

/* The vote of (ref, mode), failing the test when there is none. */
static const struct key_vote *
vote(const struct key_vote *v, size_t n, const struct field_ref *ref, bool mode)
{
	const struct key_vote *x = key_vote_find(v, n, ref, mode);

	ck_assert_ptr_nonnull(x);
	return x;
}

/* Units vote once a field however many values they give; values are counted once. */
START_TEST(test_count)
{
	struct key_cand c[] = {
	    {&user, false, "bob", 3, 2}, {&host, false, "h1", 2, 0},
	    {&user, false, "alice", 5, 2},     /* unit 2 again: one vote */
	    {&user_again, false, "bob", 3, 1}, /* another ref of the same path */
	    {&host, false, "h1", 2, 1}, {&user, true, "Bob", 3, 0}, /* folded: another field */
	};
	const struct key_vote *x;
	struct key_vote *v;
	size_t n;

	v = key_vote_count(c, sizeof(c) / sizeof(c[0]), 3, 8, &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 3);
	x = vote(v, n, &user, false);
	ck_assert_uint_eq(x->units, 2);
	ck_assert_uint_eq(x->values, 2);
	ck_assert_uint_eq(x->first, 1);
	ck_assert(!x->mode && x->chosen);
	ck_assert_str_eq(x->ref->path, "user");
	x = vote(v, n, &host, false);
	ck_assert_uint_eq(x->units, 2);
	ck_assert_uint_eq(x->values, 1);
	ck_assert_uint_eq(x->first, 0);
	x = vote(v, n, &user_again, true);
	ck_assert_uint_eq(x->units, 1);
	ck_assert(x->mode);
	ck_assert_ptr_null(key_vote_find(v, n, &app, false));
	ck_assert_ptr_null(key_vote_find(v, n, &host, true));
	free(v);
}
END_TEST

/* More units, then more values, then the earlier first unit; equal only with itself. */
START_TEST(test_rank)
{
	struct key_vote a = {&user, false, 3, 1, 5, false}, b = {&host, false, 2, 9, 0, false},
			c = {&app, false, 3, 2, 9, false}, d = {&app, true, 3, 2, 4, false};

	ck_assert_int_lt(key_vote_rank(&a, &b), 0); /* units */
	ck_assert_int_gt(key_vote_rank(&b, &a), 0);
	ck_assert_int_lt(key_vote_rank(&c, &a), 0); /* values */
	ck_assert_int_lt(key_vote_rank(&d, &c), 0); /* first */
	ck_assert_int_gt(key_vote_rank(&c, &d), 0);
	ck_assert_int_eq(key_vote_rank(&d, &d), 0);
}
END_TEST

/* Count the votes of units 0..3 (app 4 units, host 3, user 2, user folded 1) and choose k. */
static struct key_vote *
choose(size_t k, size_t *n)
{
	struct key_cand c[] = {
	    {&user, false, "a", 1, 0},
	    {&user, false, "b", 1, 1},
	    {&host, false, "a", 1, 0},
	    {&host, false, "a", 1, 1},
	    {&host, false, "a", 1, 2},
	    {&app, false, "a", 1, 3},
	    {&app, false, "a", 1, 2},
	    {&app, false, "a", 1, 1},
	    {&app, false, "a", 1, 0},
	    {&user, true, "a", 1, 3},
	};
	struct key_vote *v = key_vote_count(c, sizeof(c) / sizeof(c[0]), 4, k, n);

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(*n, 4);
	return v;
}

/* The k most voted are chosen: none, some, all at the bound, all past it. */
START_TEST(test_choose_bound)
{
	struct key_vote *v;
	size_t n;

	v = choose(0, &n);
	ck_assert(!vote(v, n, &app, false)->chosen && !vote(v, n, &user, true)->chosen);
	free(v);
	v = choose(2, &n);
	ck_assert(vote(v, n, &app, false)->chosen && vote(v, n, &host, false)->chosen);
	ck_assert(!vote(v, n, &user, false)->chosen && !vote(v, n, &user, true)->chosen);
	free(v);
	v = choose(3, &n);
	ck_assert(vote(v, n, &user, false)->chosen && !vote(v, n, &user, true)->chosen);
	free(v);
	v = choose(4, &n);
	ck_assert(vote(v, n, &user, true)->chosen);
	free(v);
	v = choose(5, &n);
	ck_assert(vote(v, n, &user, true)->chosen && vote(v, n, &app, false)->chosen);
	free(v);
}
END_TEST

/* No candidates: no votes, and no unit needed. */
START_TEST(test_empty)
{
	struct key_cand none[1];
	struct key_vote *v;
	size_t n = 99;

	v = key_vote_count(none, 0, 0, 4, &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(key_vote_find(v, n, &user, false));
	free(v);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("key_vote");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_rank);
	tcase_add_test(tc, test_choose_bound);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);
	return s;
}
