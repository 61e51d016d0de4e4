/*
 * correlate_index.c: the correlator's key index and expiry heap
 * (correlate_index.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "correlate_index.h"
#include "siphash.h"

/* Buckets at the start, and the most a table grows to (8 bytes each). */
#define MIN_BUCKETS 64
#define MAX_BUCKETS ((size_t)1 << 26)
/* Slots of a heap at the least, once it has held a node. */
#define MIN_HEAP 8

struct key_index {
	struct key_node **buckets;  /* owned: mask + 1 chains */
	size_t mask;
	size_t n;                   /* nodes linked */
	uint8_t key[16];            /* SipHash key, random per table */
	uint64_t visits;
};

/* ---- the key index ----------------------------------------------------- */

struct key_index *
key_index_new(void)
{
	struct key_index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL || (ix->buckets = calloc(MIN_BUCKETS, sizeof(*ix->buckets))) == NULL) {
		free(ix);
		return NULL;
	}
	ix->mask = MIN_BUCKETS - 1;
	siphash_random_key(ix->key, (uint64_t)(uintptr_t)ix);
	return ix;
}

void
key_index_free(struct key_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->buckets);
	free(ix);
}

uint64_t
key_index_hash(const struct key_index *ix, const void *owner, unsigned tag, const char *s,
    size_t len, bool fold)
{
	struct siphash st;

	siphash_init(&st, ix->key);
	siphash_word(&st, (uint64_t)(uintptr_t)owner);
	siphash_word(&st, tag);
	siphash_bytes(&st, s, len, fold);
	return siphash_final(&st);
}

static void
chain_push(struct key_node **head, struct key_node *n)
{
	n->next = *head;
	if (*head != NULL)
		(*head)->pprev = &n->next;
	*head = n;
	n->pprev = head;
}

/* Twice the buckets, when the chains average more than one node; else as it is. */
static void
key_index_grow(struct key_index *ix)
{
	size_t i, size = (ix->mask + 1) * 2;
	struct key_node **b;

	if (ix->n <= ix->mask + 1 || size > MAX_BUCKETS || (b = calloc(size, sizeof(*b))) == NULL)
		return; /* out of memory: longer chains, still correct */
	for (i = 0; i <= ix->mask; i++)
		while (ix->buckets[i] != NULL) {
			struct key_node *n = ix->buckets[i];

			ix->buckets[i] = n->next;
			chain_push(&b[n->hash & (size - 1)], n);
		}
	free(ix->buckets);
	ix->buckets = b;
	ix->mask = size - 1;
}

void
key_index_insert(struct key_index *ix, struct key_node *n, const void *owner, unsigned tag,
    uint64_t hash)
{
	n->hash = hash;
	n->owner = owner;
	n->tag = tag;
	chain_push(&ix->buckets[hash & ix->mask], n);
	ix->n++;
	key_index_grow(ix);
}

void
key_index_remove(struct key_index *ix, struct key_node *n)
{
	*n->pprev = n->next;
	if (n->next != NULL)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
	ix->n--;
}

static bool
same_key(const struct key_node *n, const void *owner, unsigned tag, uint64_t hash)
{
	return n->hash == hash && n->owner == owner && n->tag == tag;
}

/* The first node from n on (n included) under the key; counts what it looks at. */
static struct key_node *
chain_find(struct key_index *ix, struct key_node *n, const void *owner, unsigned tag,
    uint64_t hash)
{
	for (; n != NULL; n = n->next) {
		ix->visits++;
		if (same_key(n, owner, tag, hash))
			return n;
	}
	return NULL;
}

struct key_node *
key_index_first(struct key_index *ix, const void *owner, unsigned tag, uint64_t hash)
{
	return chain_find(ix, ix->buckets[hash & ix->mask], owner, tag, hash);
}

struct key_node *
key_index_next(struct key_index *ix, const struct key_node *n)
{
	return chain_find(ix, n->next, n->owner, n->tag, n->hash);
}

size_t
key_index_count(const struct key_index *ix)
{
	return ix->n;
}

uint64_t
key_index_visits(const struct key_index *ix)
{
	return ix->visits;
}

/* ---- the expiry heap --------------------------------------------------- */

static void
heap_set(struct expiry_heap *h, size_t i, struct expiry_node *n)
{
	h->nodes[i] = n;
	n->slot = i;
}

static void
heap_up(struct expiry_heap *h, size_t i)
{
	struct expiry_node *n = h->nodes[i];

	while (i > 0 && h->nodes[(i - 1) / 2]->at > n->at) {
		heap_set(h, i, h->nodes[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, n);
}

static void
heap_down(struct expiry_heap *h, size_t i)
{
	struct expiry_node *n = h->nodes[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->nodes[c + 1]->at < h->nodes[c]->at)
			c++;
		if (h->nodes[c]->at >= n->at)
			break;
		heap_set(h, i, h->nodes[c]);
		i = c;
	}
	heap_set(h, i, n);
}

int
expiry_heap_reserve(struct expiry_heap *h)
{
	size_t cap = h->cap == 0 ? MIN_HEAP : h->cap * 2;
	struct expiry_node **p;

	if (h->n < h->cap)
		return 0;
	if (cap > SIZE_MAX / sizeof(*p) || (p = realloc(h->nodes, cap * sizeof(*p))) == NULL)
		return -1;
	h->nodes = p;
	h->cap = cap;
	return 0;
}

void
expiry_heap_push(struct expiry_heap *h, struct expiry_node *n)
{
	heap_set(h, h->n++, n);
	heap_up(h, n->slot);
}

/* Half the slots when a quarter is used: a burst's array does not stay. */
static void
heap_shrink(struct expiry_heap *h)
{
	struct expiry_node **p;

	if (h->cap <= MIN_HEAP || h->n > h->cap / 4)
		return;
	if ((p = realloc(h->nodes, h->cap / 2 * sizeof(*p))) != NULL) {
		h->nodes = p;
		h->cap /= 2;
	}
}

void
expiry_heap_remove(struct expiry_heap *h, struct expiry_node *n)
{
	size_t i = n->slot;
	struct expiry_node *last = h->nodes[--h->n];

	if (last != n) {
		heap_set(h, i, last);
		heap_down(h, i);
		heap_up(h, last->slot);
	}
	heap_shrink(h);
}

struct expiry_node *
expiry_heap_top(const struct expiry_heap *h)
{
	return h->n > 0 ? h->nodes[0] : NULL;
}

void
expiry_heap_free(struct expiry_heap *h)
{
	free(h->nodes);
	h->nodes = NULL;
	h->n = h->cap = 0;
}
