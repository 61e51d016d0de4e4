/*
 * siphash.c: SipHash-2-4 (siphash.h), after the paper's reference
 * description: 2 compression rounds a word, 4 finalization rounds.
 */
#include "config.h"

#include <endian.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(struct siphash *s)
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
sip_compress(struct siphash *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* ASCII lower case, whatever the locale: keys compare the same way. */
static unsigned char
fold_byte(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

void
siphash_random_key(uint8_t key[16], uint64_t seed)
{
	uint64_t k[2];

	if (RAND_bytes(key, 16) == 1)
		return;
	/* no randomness: still correct, only easier to collide */
	k[0] = seed ^ 0x9e3779b97f4a7c15ULL;
	k[1] = (uint64_t)time(NULL);
	memcpy(key, k, 16);
}

void
siphash_init(struct siphash *s, const uint8_t key[16])
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);

	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	s->m = 0;
	s->len = 0;
}

void
siphash_word(struct siphash *s, uint64_t m)
{
	sip_compress(s, m);
	s->len += 8;
}

void
siphash_bytes(struct siphash *s, const void *msg, size_t len, bool fold)
{
	const unsigned char *p = msg;
	size_t i = 0;

	/* whole words while on a word boundary, unless each byte must be folded */
	if (!fold && s->len % 8 == 0)
		for (; i + 8 <= len; i += 8)
			siphash_word(s, load_le64(p + i));
	for (; i < len; i++) {
		unsigned char b = fold ? fold_byte(p[i]) : p[i];

		s->m |= (uint64_t)b << (8 * (s->len % 8));
		if (++s->len % 8 == 0) {
			sip_compress(s, s->m);
			s->m = 0;
		}
	}
}

uint64_t
siphash_final(struct siphash *s)
{
	sip_compress(s, ((uint64_t)(s->len & 0xff) << 56) | s->m);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t
siphash24(const uint8_t key[16], const void *msg, size_t len)
{
	struct siphash s;

	siphash_init(&s, key);
	siphash_bytes(&s, msg, len, false);
	return siphash_final(&s);
}
