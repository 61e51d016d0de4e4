/*
 * value_table.c: (slot, value) to ids, open addressing under SipHash
 * (value_table.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "value_table.h"

/* ASCII lower case, whatever the locale. */
static unsigned char
fold_byte(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

int
value_table_init(struct value_table *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	if (max == 0)
		return 0;
	for (t->n_slots = 16; t->n_slots < 2 * max; t->n_slots *= 2)
		;
	t->slots = calloc(t->n_slots, sizeof(*t->slots));
	t->entries = calloc(max, sizeof(*t->entries));
	if (t->slots == NULL || t->entries == NULL)
		return -1;
	t->max_entries = max;
	siphash_random_key(t->key, (uint64_t)(uintptr_t)t);
	return 0;
}

static uint64_t
value_hash(const struct value_table *t, size_t slot, const char *p, size_t len, bool fold)
{
	struct siphash h;

	siphash_init(&h, t->key);
	siphash_word(&h, (uint64_t)slot);
	siphash_bytes(&h, p, len, fold);
	return siphash_final(&h);
}

/* p[0..len) equals e's value: exactly, or folded (e's is lower case). */
static bool
value_equal(const struct value_entry *e, const char *p, size_t len, bool fold)
{
	size_t i;

	if (e->len != len)
		return false;
	if (!fold)
		return memcmp(e->value, p, len) == 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)e->value[i] != fold_byte((unsigned char)p[i]))
			return false;
	return true;
}

/* Where (slot, p[0..len)) is in t->slots, or the empty slot where it would go. */
static size_t
value_probe(const struct value_table *t, size_t slot, const char *p, size_t len, bool fold)
{
	size_t mask = t->n_slots - 1, i = (size_t)value_hash(t, slot, p, len, fold) & mask;
	uint32_t e;

	for (; (e = t->slots[i]) != 0; i = (i + 1) & mask)
		if (t->entries[e - 1].slot == slot && value_equal(&t->entries[e - 1], p, len, fold))
			break;
	return i;
}

const struct value_entry *
value_table_find(const struct value_table *t, size_t slot, const char *p, size_t len, bool fold)
{
	uint32_t e;

	if (t->n_slots == 0)
		return NULL;
	e = t->slots[value_probe(t, slot, p, len, fold)];
	return e == 0 ? NULL : &t->entries[e - 1];
}

int
value_table_add(struct value_table *t, size_t slot, const char *p, size_t len, bool fold, size_t id)
{
	struct value_entry *x;
	size_t i, k;

	if (t->n_slots == 0)
		return -1;
	i = value_probe(t, slot, p, len, fold);
	if (t->slots[i] != 0)
		x = &t->entries[t->slots[i] - 1];
	else {
		if (t->n_entries == t->max_entries)
			return -1;
		x = &t->entries[t->n_entries];
		memset(x, 0, sizeof(*x));
		if ((x->value = malloc(len + 1)) == NULL)
			return -1;
		for (k = 0; k < len; k++)
			x->value[k] = fold ? (char)fold_byte((unsigned char)p[k]) : p[k];
		x->value[len] = '\0';
		x->len = len;
		x->slot = slot;
		t->slots[i] = (uint32_t)++t->n_entries;
	}
	if (x->n > 0 && x->ids[x->n - 1] == id)
		return 0; /* a value listed twice for one id */
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4, *grown;

		if ((grown = realloc(x->ids, cap * sizeof(*grown))) == NULL)
			return -1;
		x->ids = grown;
		x->cap = cap;
	}
	x->ids[x->n++] = id;
	return 0;
}

void
value_table_free(struct value_table *t)
{
	size_t i;

	for (i = 0; i < t->n_entries; i++) {
		free(t->entries[i].value);
		free(t->entries[i].ids);
	}
	free(t->entries);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

int
value_table_choose(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *),
    size_t k, void (*mark)(void *item))
{
	void **rank = calloc(n + 1, sizeof(*rank));
	size_t i;

	if (rank == NULL)
		return -1;
	for (i = 0; i < n; i++)
		rank[i] = (char *)base + i * size;
	qsort(rank, n, sizeof(*rank), cmp);
	for (i = 0; i < n && i < k; i++)
		mark(rank[i]);
	free(rank);
	return 0;
}
