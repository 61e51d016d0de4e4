/*
 * siphash.h: SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed hash of
 * every table logward keys by what the network sends (the correlator's
 * index, the per-address rate table): under a random key drawn per table,
 * a sender cannot choose keys that fall into one chain.
 *
 * Streaming: siphash_init, then words and bytes in order, then
 * siphash_final.  The state is the caller's; nothing allocates.
 */
#ifndef LOGWARD_SIPHASH_H
#define LOGWARD_SIPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct siphash {
	uint64_t v0, v1, v2, v3;
	uint64_t m;   /* the bytes of the word being filled */
	size_t len;   /* bytes fed */
};

/* A random key (OpenSSL's RAND_bytes); without randomness, a weaker one from seed. */
void siphash_random_key(uint8_t key[16], uint64_t seed);

void siphash_init(struct siphash *s, const uint8_t key[16]);
/* Feed one 64-bit word; only on a word boundary (before any odd bytes). */
void siphash_word(struct siphash *s, uint64_t m);
/* Feed len bytes, lower-cased (ASCII) when fold. */
void siphash_bytes(struct siphash *s, const void *p, size_t len, bool fold);
uint64_t siphash_final(struct siphash *s);

/* SipHash-2-4 of len bytes at msg under key, in one call. */
uint64_t siphash24(const uint8_t key[16], const void *msg, size_t len);

#endif
