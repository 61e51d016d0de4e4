/*
 * correlate_index.h: the two indexes behind the correlator's state
 * (correlate.c), so that a fact costs the same whether its scope holds ten
 * entries or a hundred thousand:
 *
 *   struct key_index    a chained hash table of nodes keyed by (owner, tag,
 *                       bytes): the entries of a scope by account name, by
 *                       account id, and the admin groups of a scope.  The
 *                       hash is SipHash-2-4 under a random key drawn per
 *                       table, so that a sender who chooses the account
 *                       names cannot aim them at one chain.
 *   struct expiry_heap  a min-heap of nodes by expiry time: the entries of
 *                       a scope that expire, the next one to go on top.
 *
 * Both are intrusive: the nodes live inside the caller's objects, which
 * own them; an index never allocates or frees a node, only its own arrays.
 * Neither is thread-safe (the correlator's mutex guards them).
 */
#ifndef LOGWARD_CORRELATE_INDEX_H
#define LOGWARD_CORRELATE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A node of a key_index, embedded in the object it finds. */
struct key_node {
	struct key_node *next, **pprev;  /* the chain of its bucket */
	uint64_t hash;                   /* key_index_hash of its key */
	const void *owner;               /* with tag, part of the key */
	unsigned tag;
};

struct key_index;

/* An empty index; NULL when out of memory.  Caller frees with key_index_free. */
struct key_index *key_index_new(void);
/* Frees the table, not the nodes (their owners do). NULL is fine. */
void key_index_free(struct key_index *ix);

/*
 * The hash of the key (owner, tag, the len bytes at s); fold: the bytes
 * compare without case (tolower, as strcasecmp does).
 */
uint64_t key_index_hash(const struct key_index *ix, const void *owner, unsigned tag,
    const char *s, size_t len, bool fold);

/* Link n under (owner, tag, hash); n must not be linked. */
void key_index_insert(struct key_index *ix, struct key_node *n, const void *owner, unsigned tag,
    uint64_t hash);
/* Unlink n (linked by key_index_insert). */
void key_index_remove(struct key_index *ix, struct key_node *n);

/*
 * The first node under (owner, tag, hash), and the next one after n under
 * n's key; NULL at the end.  Equal hashes of different bytes are possible:
 * the caller compares its keys.  n may be removed once its next is known.
 */
struct key_node *key_index_first(struct key_index *ix, const void *owner, unsigned tag,
    uint64_t hash);
struct key_node *key_index_next(struct key_index *ix, const struct key_node *n);

/* Nodes linked now. */
size_t key_index_count(const struct key_index *ix);
/* Nodes looked at by first and next since the start: the work of the lookups. */
uint64_t key_index_visits(const struct key_index *ix);


/* A node of an expiry_heap, embedded in the object that expires. */
struct expiry_node {
	int64_t at;                      /* the expiry time; set before the push */
	size_t slot;                     /* its place in the heap */
};

/* A min-heap by `at`; zero-initialized is empty.  The caller owns the nodes. */
struct expiry_heap {
	struct expiry_node **nodes;      /* owned array */
	size_t n, cap;
};

/* Room for one more push; -1 when out of memory (the heap is unchanged). */
int expiry_heap_reserve(struct expiry_heap *h);
/* Push n (after a successful expiry_heap_reserve: it cannot fail). */
void expiry_heap_push(struct expiry_heap *h, struct expiry_node *n);
/* Remove n, wherever it is in h. */
void expiry_heap_remove(struct expiry_heap *h, struct expiry_node *n);
/* The node that expires first; NULL when empty. */
struct expiry_node *expiry_heap_top(const struct expiry_heap *h);
/* Frees the array, not the nodes. */
void expiry_heap_free(struct expiry_heap *h);

#endif
