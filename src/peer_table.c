/*
 * peer_table.c: the bounded per-address table (see peer_table.h).
 */
#include "config.h"

#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "peer_table.h"

/* Slots looked at for one address: bounds the work of every lookup. */
#define PEER_PROBE 16
#define PEER_MIN_SLOTS 64

struct peer_table {
	struct peer_entry *slots;	/* owned */
	size_t mask;			/* slots - 1 */
	uint64_t key[2];		/* hash key, random per table */
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
	size_t n = PEER_MIN_SLOTS;

	if (t == NULL)
		return NULL;
	while (n < slots && n < ((size_t)1 << 24))
		n <<= 1;
	t->slots = calloc(n, sizeof(*t->slots));
	if (t->slots == NULL) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	if (RAND_bytes((unsigned char *)t->key, sizeof(t->key)) != 1) {
		/* no randomness: still correct, only easier to collide */
		t->key[0] = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ULL;
		t->key[1] = peer_table_now_ms();
	}
	return t;
}

void
peer_table_free(struct peer_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
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

/* A keyed mix of the 17 key bytes (splitmix64 finalizer over two words). */
static uint64_t
peer_hash(const struct peer_table *t, const struct peer_addr *k)
{
	uint64_t a, b, h;

	memcpy(&a, k->addr, 8);
	memcpy(&b, k->addr + 8, 8);
	h = (a ^ t->key[0]) + k->family;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= (b ^ t->key[1]);
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static bool
peer_entry_live(const struct peer_entry *e, uint64_t now_ms)
{
	return e->used && (e->conns > 0 || e->window_end_ms > now_ms);
}

struct peer_entry *
peer_table_get(struct peer_table *t, const struct peer_addr *pa, uint64_t now_ms)
{
	struct peer_entry *e, *free_slot = NULL;
	struct peer_addr k;
	size_t i, idx;

	peer_key(&k, pa);
	idx = (size_t)peer_hash(t, &k) & t->mask;
	for (i = 0; i < PEER_PROBE; i++) {
		e = &t->slots[(idx + i) & t->mask];
		if (e->used && e->key.family == k.family &&
		    memcmp(e->key.addr, k.addr, sizeof(k.addr)) == 0)
			return e;	/* live or not: the same address continues */
		if (free_slot == NULL && !peer_entry_live(e, now_ms))
			free_slot = e;
	}
	if (free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->key = k;
	free_slot->used = true;
	return free_slot;
}

size_t
peer_table_live(const struct peer_table *t, uint64_t now_ms)
{
	size_t i, n = 0;

	for (i = 0; i <= t->mask; i++)
		if (peer_entry_live(&t->slots[i], now_ms))
			n++;
	return n;
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
