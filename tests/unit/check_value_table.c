/*
 * check_value_table.c: the (slot, value) table of the indexes: exact and
 * folded slots, slots apart, ids in order and once, and its room (max
 * distinct values) at and past the bound.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "value_table.h"

/* The ids under (slot, s) as "1,2", "" when absent. */
static const char *
ids_of(const struct value_table *t, size_t slot, const char *s, bool fold)
{
	static char buf[128];
	const struct value_entry *e = value_table_find(t, slot, s, strlen(s), fold);
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; e != NULL && i < e->n; i++)
		used += (size_t)snprintf(
		    buf + used, sizeof(buf) - used, "%s%zu", i ? "," : "", e->ids[i]);
	return buf;
}

START_TEST(test_exact_and_folded)
{
	struct value_table t;

	ck_assert_int_eq(value_table_init(&t, 8), 0);
	ck_assert_int_eq(value_table_add(&t, 0, "Bob", 3, false, 1), 0);
	ck_assert_int_eq(value_table_add(&t, 1, "CAROL", 5, true, 2), 0);
	ck_assert_int_eq(value_table_add(&t, 1, "carol", 5, true, 2), 0); /* once */
	ck_assert_int_eq(value_table_add(&t, 1, "Carol", 5, true, 3), 0);
	ck_assert_str_eq(ids_of(&t, 0, "Bob", false), "1");
	ck_assert_str_eq(ids_of(&t, 0, "bob", false), "");
	ck_assert_str_eq(ids_of(&t, 0, "Bo", false), "");
	ck_assert_str_eq(ids_of(&t, 1, "cArOl", true), "2,3");
	ck_assert_str_eq(ids_of(&t, 1, "carols", true), "");
	ck_assert_str_eq(ids_of(&t, 2, "carol", true), ""); /* another slot */
	ck_assert_str_eq(ids_of(&t, 1, "Bob", true), "");
	ck_assert_uint_eq(t.n_entries, 2);
	value_table_free(&t);
}
END_TEST

/* Room for max distinct values: the max-th goes in, one more does not. */
START_TEST(test_room)
{
	struct value_table t;
	char v[16];
	size_t i, max = 40;

	ck_assert_int_eq(value_table_init(&t, max), 0);
	for (i = 0; i < max; i++) {
		snprintf(v, sizeof(v), "v%zu", i);
		ck_assert_int_eq(value_table_add(&t, i % 3, v, strlen(v), false, i), 0);
	}
	ck_assert_int_eq(value_table_add(&t, 0, "v0", 2, false, 99), 0); /* not a new value */
	ck_assert_int_eq(value_table_add(&t, 0, "new", 3, false, 1), -1);
	for (i = 0; i < max; i++) {
		snprintf(v, sizeof(v), "v%zu", i);
		ck_assert_ptr_nonnull(value_table_find(&t, i % 3, v, strlen(v), false));
		ck_assert_ptr_null(value_table_find(&t, (i + 1) % 3, v, strlen(v), false));
	}
	ck_assert_str_eq(ids_of(&t, 0, "v0", false), "0,99");
	value_table_free(&t);
	/* no room at all: nothing found, nothing added */
	ck_assert_int_eq(value_table_init(&t, 0), 0);
	ck_assert_ptr_null(value_table_find(&t, 0, "x", 1, false));
	ck_assert_int_eq(value_table_add(&t, 0, "x", 1, false, 0), -1);
	value_table_free(&t);
}
END_TEST

static int
int_cmp(const void *a, const void *b)
{
	int x = **(int *const *)a, y = **(int *const *)b;

	return x > y ? -1 : x < y;
}

static void
mark_negatecb(void *item)
{
	*(int *)item = -*(int *)item;
}

/* value_table_choose marks the k first in cmp's order, and no more. */
START_TEST(test_choose)
{
	int v[] = {3, 9, 1, 7, 5};

	ck_assert_int_eq(value_table_choose(v, 5, sizeof(v[0]), int_cmp, 2, mark_negatecb), 0);
	ck_assert_int_eq(v[0], 3);
	ck_assert_int_eq(v[1], -9);
	ck_assert_int_eq(v[2], 1);
	ck_assert_int_eq(v[3], -7);
	ck_assert_int_eq(v[4], 5);
	ck_assert_int_eq(value_table_choose(v, 5, sizeof(v[0]), int_cmp, 9, mark_negatecb), 0);
	ck_assert_int_eq(v[0] + v[1] + v[2] + v[3] + v[4], -3 + 9 - 1 + 7 - 5);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("value_table");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_exact_and_folded);
	tcase_add_test(tc, test_room);
	tcase_add_test(tc, test_choose);
	suite_add_tcase(s, tc);
	return s;
}
