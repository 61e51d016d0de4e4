/*
 * check_correlate_index.c: the correlator's indexes: SipHash-2-4 against
 * the reference vectors, the key index (every node found under its key and
 * only there, owners and tags apart, case folding, removal, growth) and
 * the expiry heap (removal from the middle, pops in order) against a
 * plain array.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_index.h"
#include "siphash.h"
#include "unit.h"

#define CONTAINER_OF(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

/* SipHash-2-4 paper, appendix A: key 00..0f, message 00..len-1. */
START_TEST(test_siphash_vectors)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{0, 0x726fdb47dd0e0e31ULL},
		{1, 0x74f839c593dc67fdULL},
		{7, 0xab0200f58b01d137ULL},
		{8, 0x93f5f5799a932462ULL},
		{15, 0xa129ca6149be45e5ULL},
		{63, 0x958a324ceb064572ULL},
	};
	uint8_t key[16], msg[64];
	size_t i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(siphash24(key, msg, v[i].len) == v[i].want,
		    "len %zu: %016llx", v[i].len,
		    (unsigned long long)siphash24(key, msg, v[i].len));
}
END_TEST

struct item {
	struct key_node node;
	char key[32];
	int owner;
	unsigned tag;
};

static uint64_t
item_hash(const struct key_index *ix, const struct item *it, const int *owners)
{
	return key_index_hash(ix, &owners[it->owner], it->tag, it->key, strlen(it->key), false);
}

/* How many linked items are under (owner, tag, key), walking the chain. */
static size_t
found(struct key_index *ix, const int *owner, unsigned tag, const char *key, const struct item *want)
{
	struct key_node *n;
	size_t hits = 0;
	bool seen = want == NULL;

	for (n = key_index_first(ix, owner, tag, key_index_hash(ix, owner, tag, key, strlen(key),
	    false)); n != NULL; n = key_index_next(ix, n)) {
		struct item *it = CONTAINER_OF(n, struct item, node);

		ck_assert_ptr_eq(n->owner, owner);
		ck_assert_uint_eq(n->tag, tag);
		if (strcmp(it->key, key) == 0) {
			hits++;
			seen = seen || it == want;
		}
	}
	ck_assert(seen);
	return hits;
}

START_TEST(test_key_index)
{
	enum { N = 10000 };
	struct item *items = calloc(N, sizeof(*items));
	struct key_index *ix = key_index_new();
	int owners[3];
	uint64_t visits;
	size_t i;

	ck_assert_ptr_nonnull(items);
	ck_assert_ptr_nonnull(ix);
	/* the same names under three owners and two tags */
	for (i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "user%zu", i / 6);
		items[i].owner = (int)(i % 3);
		items[i].tag = (unsigned)(i / 3 % 2);
		key_index_insert(ix, &items[i].node, &owners[items[i].owner], items[i].tag,
		    item_hash(ix, &items[i], owners));
	}
	ck_assert_uint_eq(key_index_count(ix), N);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(found(ix, &owners[items[i].owner], items[i].tag, items[i].key,
		    &items[i]), 1);
	/* the chains stay short as the table grows: 10,000 lookups, a few nodes each */
	visits = key_index_visits(ix);
	for (i = 0; i < N; i++)
		found(ix, &owners[items[i].owner], items[i].tag, items[i].key, NULL);
	ck_assert_uint_le(key_index_visits(ix) - visits, 4 * N);
	ck_assert_uint_eq(found(ix, &owners[0], 0, "nobody", NULL), 0);
	/* every other one out: gone under its key, the others still there */
	for (i = 0; i < N; i += 2)
		key_index_remove(ix, &items[i].node);
	ck_assert_uint_eq(key_index_count(ix), N / 2);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(found(ix, &owners[items[i].owner], items[i].tag, items[i].key,
		    i % 2 == 1 ? &items[i] : NULL), i % 2);
	/* two nodes under one key are both found */
	key_index_insert(ix, &items[0].node, &owners[items[1].owner], items[1].tag,
	    item_hash(ix, &items[1], owners));
	strcpy(items[0].key, items[1].key);
	ck_assert_uint_eq(found(ix, &owners[items[1].owner], items[1].tag, items[1].key, &items[0]),
	    2);
	key_index_free(ix);
	free(items);
}
END_TEST

START_TEST(test_key_hash)
{
	struct key_index *a = key_index_new(), *b = key_index_new();
	int owner[2];

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	/* folding: case does not count, other bytes do */
	ck_assert(key_index_hash(a, owner, 4, "Domain Admins", 13, true) ==
	    key_index_hash(a, owner, 4, "DOMAIN admins", 13, true));
	ck_assert(key_index_hash(a, owner, 4, "Domain Admins", 13, false) !=
	    key_index_hash(a, owner, 4, "DOMAIN admins", 13, false));
	ck_assert(key_index_hash(a, owner, 4, "sudo", 4, true) !=
	    key_index_hash(a, owner, 4, "sudo2", 5, true));
	/* owner and tag are part of the key */
	ck_assert(key_index_hash(a, &owner[0], 1, "x", 1, false) !=
	    key_index_hash(a, &owner[1], 1, "x", 1, false));
	ck_assert(key_index_hash(a, owner, 1, "x", 1, false) !=
	    key_index_hash(a, owner, 2, "x", 1, false));
	/* a key of its own per table: a sender cannot precompute collisions */
	ck_assert(key_index_hash(a, owner, 1, "administrator", 13, false) !=
	    key_index_hash(b, owner, 1, "administrator", 13, false));
	key_index_free(a);
	key_index_free(b);
}
END_TEST

/* A deterministic generator, so that a failure repeats. */
static uint32_t
lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

START_TEST(test_expiry_heap)
{
	enum { N = 3000 };
	struct expiry_node *nodes = calloc(N, sizeof(*nodes));
	bool *in = calloc(N, sizeof(*in));
	struct expiry_heap h = {NULL, 0, 0};
	uint32_t seed = 12345;
	int64_t last = INT64_MIN;
	size_t i, left = 0;

	ck_assert_ptr_nonnull(nodes);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_null(expiry_heap_top(&h));
	/* times with many ties and out of order, like receipt clocks of two workers */
	for (i = 0; i < N; i++) {
		nodes[i].at = (int64_t)(i / 4) - (int64_t)(lcg(&seed) % 3);
		ck_assert_int_eq(expiry_heap_reserve(&h), 0);
		expiry_heap_push(&h, &nodes[i]);
		in[i] = true;
		left++;
		/* now and then one from the middle goes (a deletion) */
		if (lcg(&seed) % 4 == 0) {
			size_t j = lcg(&seed) % (i + 1);

			if (in[j]) {
				expiry_heap_remove(&h, &nodes[j]);
				in[j] = false;
				left--;
			}
		}
	}
	ck_assert_uint_eq(h.n, left);
	/* popped in order, each one that is in exactly once */
	while (expiry_heap_top(&h) != NULL) {
		struct expiry_node *top = expiry_heap_top(&h);
		size_t k = (size_t)(top - nodes);

		ck_assert_int_ge(top->at, last);
		for (i = 0; i < N; i++)
			if (in[i])
				ck_assert_int_ge(nodes[i].at, top->at);
		ck_assert(in[k]);
		last = top->at;
		expiry_heap_remove(&h, top);
		in[k] = false;
		left--;
	}
	ck_assert_uint_eq(left, 0);
	expiry_heap_free(&h);
	free(nodes);
	free(in);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("correlate_index");
	TCase *tc = tcase_create("correlate_index");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_key_index);
	tcase_add_test(tc, test_key_hash);
	tcase_add_test(tc, test_expiry_heap);
	suite_add_tcase(s, tc);
	return s;
}
