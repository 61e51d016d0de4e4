/*
 * peer_table.c: the bounded per-address table (see peer_table.h).
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "siphash.h"
#include "peer_table.h"

#define PEER_MIN_SLOTS 64
#define PEER_MAX_SLOTS ((size_t)1 << 24)
#define PEER_NONE UINT32_MAX

/*
 * Entries are handed out in order from a fixed pool; once all are used, a
 * new address takes the least recently seen one that holds no connection.
 * The recency list holds exactly the used entries with conns == 0.
 */
struct peer_table {
	struct peer_entry *entries;	/* owned: size */
	uint32_t *buckets;		/* owned: size chain heads */
	uint32_t size;			/* a power of two */
	uint32_t used;			/* entries[0..used) have an address */
	uint32_t lru_head, lru_tail;	/* most and least recently seen */
	uint8_t key[16];		/* SipHash key, random per table */
};

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

uint64_t
peer_table_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct peer_table *
peer_table_new(size_t slots)
{
	struct peer_table *t = calloc(1, sizeof(*t));
	size_t n = PEER_MIN_SLOTS, i;

	if (t == NULL)
		return NULL;
	while (n < slots && n < PEER_MAX_SLOTS)
		n <<= 1;
	t->entries = calloc(n, sizeof(*t->entries));
	t->buckets = malloc(n * sizeof(*t->buckets));
	if (t->entries == NULL || t->buckets == NULL) {
		peer_table_free(t);
		return NULL;
	}
	for (i = 0; i < n; i++)
		t->buckets[i] = PEER_NONE;
	t->size = (uint32_t)n;
	t->lru_head = t->lru_tail = PEER_NONE;
	siphash_random_key(t->key, (uint64_t)(uintptr_t)t ^ peer_table_now_ms());
	return t;
}

void
peer_table_free(struct peer_table *t)
{
	if (t == NULL)
		return;
	free(t->buckets);
	free(t->entries);
	free(t);
}

/* The key of an address: family and bytes, port 0, mapped IPv4 unmapped. */
static void
peer_key(struct peer_addr *k, const struct peer_addr *pa)
{
	memset(k, 0, sizeof(*k));
	k->family = pa->family;
	if (pa->family == AF_INET6 && memcmp(pa->addr, v4mapped_prefix, 12) == 0) {
		k->family = AF_INET;
		memcpy(k->addr, pa->addr + 12, 4);
	} else if (pa->family == AF_INET)
		memcpy(k->addr, pa->addr, 4);
	else
		memcpy(k->addr, pa->addr, 16);
}

/* The bucket of a key: SipHash-2-4 of family and address under the table's key. */
static uint32_t
peer_bucket(const struct peer_table *t, const struct peer_addr *k)
{
	uint8_t msg[1 + sizeof(k->addr)];

	msg[0] = k->family;
	memcpy(msg + 1, k->addr, sizeof(k->addr));
	return (uint32_t)siphash24(t->key, msg, sizeof(msg)) & (t->size - 1);
}

static bool
peer_key_equal(const struct peer_addr *a, const struct peer_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Take entry i off the recency list. */
static void
lru_unlink(struct peer_table *t, uint32_t i)
{
	struct peer_entry *e = &t->entries[i];

	if (e->lru_prev != PEER_NONE)
		t->entries[e->lru_prev].lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next != PEER_NONE)
		t->entries[e->lru_next].lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = PEER_NONE;
}

/* Put entry i at the most recent end of the recency list. */
static void
lru_push(struct peer_table *t, uint32_t i)
{
	struct peer_entry *e = &t->entries[i];

	e->lru_prev = PEER_NONE;
	e->lru_next = t->lru_head;
	if (t->lru_head != PEER_NONE)
		t->entries[t->lru_head].lru_prev = i;
	else
		t->lru_tail = i;
	t->lru_head = i;
}

/* Take entry i out of its hash chain. */
static void
chain_unlink(struct peer_table *t, uint32_t i)
{
	uint32_t *link = &t->buckets[peer_bucket(t, &t->entries[i].key)];

	while (*link != PEER_NONE && *link != i)
		link = &t->entries[*link].chain_next;
	if (*link == i)
		*link = t->entries[i].chain_next;
}

/* An entry for a new address: a free one, or the least recently seen without connections. */
static uint32_t
peer_take(struct peer_table *t, uint64_t now_ms, bool *evicted)
{
	uint32_t i;

	if (t->used < t->size)
		return t->used++;
	if ((i = t->lru_tail) == PEER_NONE)
		return PEER_NONE;	/* every entry holds a connection */
	*evicted = t->entries[i].window_end_ms > now_ms;
	lru_unlink(t, i);
	chain_unlink(t, i);
	return i;
}

struct peer_entry *
peer_table_get(struct peer_table *t, const struct peer_addr *pa, uint64_t now_ms,
    bool *evicted)
{
	struct peer_entry *e;
	struct peer_addr k;
	uint32_t b, i;

	*evicted = false;
	peer_key(&k, pa);
	b = peer_bucket(t, &k);
	for (i = t->buckets[b]; i != PEER_NONE; i = e->chain_next) {
		e = &t->entries[i];
		if (peer_key_equal(&e->key, &k)) {
			if (e->conns == 0) {	/* seen now: the most recent */
				lru_unlink(t, i);
				lru_push(t, i);
			}
			return e;
		}
	}
	if ((i = peer_take(t, now_ms, evicted)) == PEER_NONE)
		return NULL;
	e = &t->entries[i];
	memset(e, 0, sizeof(*e));
	e->key = k;
	e->chain_next = t->buckets[b];
	t->buckets[b] = i;
	lru_push(t, i);
	return e;
}

void
peer_table_hold(struct peer_table *t, struct peer_entry *e)
{
	if (e->conns++ == 0)
		lru_unlink(t, (uint32_t)(e - t->entries));
}

void
peer_table_release(struct peer_table *t, struct peer_entry *e)
{
	if (e->conns > 0 && --e->conns == 0)
		lru_push(t, (uint32_t)(e - t->entries));
}

size_t
peer_table_live(const struct peer_table *t, uint64_t now_ms)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < t->used; i++)
		if (t->entries[i].conns > 0 || t->entries[i].window_end_ms > now_ms)
			n++;
	return n;
}

size_t
peer_table_size(const struct peer_table *t)
{
	return t->size;
}

bool
ratelimit_take(struct peer_entry *e, const struct ratelimit *rl, uint64_t now_ms,
    uint64_t *until_ms)
{
	if (rl->interval_ms == 0)
		return true;
	if (e->window_end_ms <= now_ms) {
		e->window_end_ms = now_ms + rl->interval_ms;
		e->window_count = 0;
	}
	if (e->window_count < rl->burst) {
		e->window_count++;
		return true;
	}
	*until_ms = e->window_end_ms;
	return false;
}
