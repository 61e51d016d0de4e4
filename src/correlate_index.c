/*
 * correlate_index.c: the correlator's key index and expiry heap
 * (correlate_index.h).
 */
#include "config.h"

#include <ctype.h>
#include <endian.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate_index.h"

/* Buckets at the start, and the most a table grows to (8 bytes each). */
#define MIN_BUCKETS 64
#define MAX_BUCKETS ((size_t)1 << 26)
/* Slots of a heap at the least, once it has held a node. */
#define MIN_HEAP 8

struct key_index {
	struct key_node **buckets;  /* owned: mask + 1 chains */
	size_t mask;
	size_t n;                   /* nodes linked */
	uint64_t k0, k1;            /* SipHash key, random per table */
	uint64_t visits;
};

/* ---- SipHash-2-4 (Aumasson and Bernstein, 2012), fed a byte at a time -- */

struct sip {
	uint64_t v0, v1, v2, v3;
	uint64_t m;                 /* the bytes of the word being filled */
	size_t len;                 /* bytes fed */
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
sip_init(struct sip *s, uint64_t k0, uint64_t k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	s->m = 0;
	s->len = 0;
}

static void
sip_compress(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* Feed len bytes, lower-cased when fold: whole words while they last. */
static void
sip_bytes(struct sip *s, const unsigned char *p, size_t len, bool fold)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char b = fold ? (unsigned char)tolower(p[i]) : p[i];

		s->m |= (uint64_t)b << (8 * (s->len % 8));
		if (++s->len % 8 == 0) {
			sip_compress(s, s->m);
			s->m = 0;
		}
	}
}

/* Feed one word (on a word boundary: s->len % 8 == 0). */
static void
sip_word(struct sip *s, uint64_t m)
{
	sip_compress(s, m);
	s->len += 8;
}

static uint64_t
sip_final(struct sip *s)
{
	sip_compress(s, ((uint64_t)(s->len & 0xff) << 56) | s->m);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

uint64_t
key_index_siphash(const uint8_t key[16], const void *msg, size_t len)
{
	const unsigned char *p = msg;
	struct sip s;
	size_t i;

	sip_init(&s, load_le64(key), load_le64(key + 8));
	for (i = 0; i + 8 <= len; i += 8)
		sip_word(&s, load_le64(p + i));
	sip_bytes(&s, p + i, len - i, false);
	return sip_final(&s);
}

/* ---- the key index ----------------------------------------------------- */

struct key_index *
key_index_new(void)
{
	struct key_index *ix = calloc(1, sizeof(*ix));
	uint8_t key[16];

	if (ix == NULL || (ix->buckets = calloc(MIN_BUCKETS, sizeof(*ix->buckets))) == NULL) {
		free(ix);
		return NULL;
	}
	ix->mask = MIN_BUCKETS - 1;
	if (RAND_bytes(key, sizeof(key)) == 1) {
		ix->k0 = load_le64(key);
		ix->k1 = load_le64(key + 8);
	} else {
		/* no randomness: still correct, only easier to collide */
		ix->k0 = (uint64_t)(uintptr_t)ix ^ 0x9e3779b97f4a7c15ULL;
		ix->k1 = (uint64_t)time(NULL);
	}
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
	const unsigned char *p = (const unsigned char *)s;
	struct sip st;
	size_t i = 0;

	sip_init(&st, ix->k0, ix->k1);
	sip_word(&st, (uint64_t)(uintptr_t)owner);
	sip_word(&st, tag);
	if (!fold)
		for (; i + 8 <= len; i += 8)
			sip_word(&st, load_le64(p + i));
	sip_bytes(&st, p + i, len - i, fold);
	return sip_final(&st);
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
