/*
 * peer_table.h: what an input remembers per source address: how many
 * connections it has open (max_connections_per_address) and its rate
 * window (ratelimit_interval / ratelimit_burst, rsyslog's knobs).
 *
 * The table is bounded: a fixed pool of entries, found through a hash
 * keyed with SipHash-2-4 under a random key per table (the addresses come
 * from the network: a sender cannot pick addresses that collide).  When
 * the pool is full, a new address takes the entry of the address seen
 * least recently that has no connection open: forgetting an address only
 * restarts its rate window, so a flood of made-up source addresses cannot
 * make a real sender share a window with them, and a sender over its rate
 * stays limited as long as it keeps sending (it is never the least recent).
 * Only when every entry holds a connection does peer_table_get return NULL;
 * the caller then applies the conservative rule (a shared overflow window
 * for rate limiting; a refusal for a per-address connection limit), and
 * counts it.
 *
 * Entries never move: a connection keeps a pointer to its address's entry
 * between peer_table_hold and peer_table_release, and such an entry is never
 * given to another address.  One thread (the intake loop) uses a table.
 */
#ifndef LOGWARD_PEER_TABLE_H
#define LOGWARD_PEER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer.h"

struct peer_entry {
	struct peer_addr key;	/* port 0; IPv4-mapped IPv6 stored as IPv4 */
	uint32_t conns;		/* connections open from this address (hold/release) */
	uint32_t window_count;	/* messages in the current rate window */
	uint64_t window_end_ms;	/* monotonic; 0 = no window */
	/* the table's own links, by index (PEER_NONE: none) */
	uint32_t chain_next;	/* next entry of the same hash bucket */
	uint32_t lru_prev, lru_next;	/* recency list of entries without connections */
};

/* A rate limit: burst messages per interval_ms; interval_ms 0 = unlimited. */
struct ratelimit {
	uint64_t interval_ms;
	uint32_t burst;
};

struct peer_table;

/* A table of at least slots entries (a power of two); NULL when out of memory. Caller frees. */
struct peer_table *peer_table_new(size_t slots);
void peer_table_free(struct peer_table *t);	/* NULL is fine */

/*
 * The entry of pa's address (its port is ignored), created when missing and
 * made the most recently seen.  A new address takes a free entry, or else the
 * entry of the least recently seen address without a connection (*evicted
 * set true when that address's rate window was still running at now_ms).
 * NULL only when every entry holds a connection.  The entry belongs to the
 * table; it stays valid until the next peer_table_get unless held.
 */
struct peer_entry *peer_table_get(struct peer_table *t, const struct peer_addr *pa,
    uint64_t now_ms, bool *evicted);

/* One more connection open on e (from peer_table_get): e is never evicted while held. */
void peer_table_hold(struct peer_table *t, struct peer_entry *e);
/* That connection closed: with none left, e may be evicted again (it is the most recent). */
void peer_table_release(struct peer_table *t, struct peer_entry *e);

/* Entries whose address has a connection open or a rate window running at now_ms. */
size_t peer_table_live(const struct peer_table *t, uint64_t now_ms);
/* The number of entries (the bound). */
size_t peer_table_size(const struct peer_table *t);

/*
 * Count one message against e's rate window (rsyslog's rule: a window
 * opens with the first message after the last one ended and admits burst
 * messages).  True when the message is within the limit; false when it is
 * over, with *until_ms set to the end of the window.
 */
bool ratelimit_take(struct peer_entry *e, const struct ratelimit *rl, uint64_t now_ms,
    uint64_t *until_ms);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t peer_table_now_ms(void);

#endif
