/*
 * peer_table.h: what an input remembers per source address: how many
 * connections it has open (max_connections_per_address) and its rate
 * window (ratelimit_interval / ratelimit_burst, rsyslog's knobs).
 *
 * The table is bounded: a fixed number of slots, open addressing with a
 * keyed hash (a random key per table, so a sender cannot pick addresses
 * that collide) and a bounded probe.  A slot is free again once its
 * address has no connection open and its rate window has ended.  When no
 * slot is free for a new address, peer_table_get returns NULL and the
 * caller applies the conservative rule (a shared overflow window for rate
 * limiting; a refusal for a per-address connection limit), and counts it.
 *
 * Entries never move: a connection may keep a pointer to its address's
 * entry while it holds a connection on it (conns > 0).  One thread (the
 * intake loop) uses a table.
 */
#ifndef LOGWARD_PEER_TABLE_H
#define LOGWARD_PEER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

struct peer_entry {
	struct peer_addr key;	/* port 0; IPv4-mapped IPv6 stored as IPv4 */
	bool used;
	uint32_t conns;		/* connections open from this address */
	uint32_t window_count;	/* messages in the current rate window */
	uint64_t window_end_ms;	/* monotonic; 0 = no window */
};

/* A rate limit: burst messages per interval_ms; interval_ms 0 = unlimited. */
struct ratelimit {
	uint64_t interval_ms;
	uint32_t burst;
};

struct peer_table;

/* A table of slots entries (rounded up to a power of two); NULL when out of memory. */
struct peer_table *peer_table_new(size_t slots);
void peer_table_free(struct peer_table *t);	/* NULL is fine */

/*
 * The entry of pa's address (its port is ignored), created when missing.
 * NULL when every slot it may use is taken by an address that is still
 * live (connections open, or a rate window running at now_ms).
 */
struct peer_entry *peer_table_get(struct peer_table *t, const struct peer_addr *pa,
    uint64_t now_ms);

/* Entries in use at now_ms (for tests and the summary). */
size_t peer_table_live(const struct peer_table *t, uint64_t now_ms);

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
