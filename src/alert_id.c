/*
 * alert_id.c: event.id of an alert and the webhook-id derived from it
 * (alert_id.h).
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "alert_id.h"

static const char hex[] = "0123456789abcdef";

/* n bytes as 2n lowercase hex digits. */
static void
hex_encode(char *out, const unsigned char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
}

/* A 64-bit value as 16 hex digits, most significant first. */
static void
hex_u64(char *out, uint64_t v)
{
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = hex[v & 0xf];
		v >>= 4;
	}
}

int
alert_ids_init(struct alert_ids *ids, bool fixed)
{
	unsigned char r[8];

	ids->run = 0;
	atomic_init(&ids->next, 0);
	if (fixed)
		return 0;
	/* a counter alone would repeat after a restart, or on another collector */
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	memcpy(&ids->run, r, sizeof(r));
	return 0;
}

void
alert_ids_next(struct alert_ids *ids, char out[ALERT_ID_LEN + 1])
{
	uint64_t n = atomic_fetch_add_explicit(&ids->next, 1, memory_order_relaxed);

	hex_u64(out, ids->run);
	hex_u64(out + 16, n);
	out[ALERT_ID_LEN] = '\0';
}

int
alert_id_webhook(const char *event_id, size_t len, const char *webhook,
    char out[ALERT_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* HMAC-SHA256 takes an empty key too: a name is never empty (conf.c) */
	if (HMAC(EVP_sha256(), webhook, (int)strlen(webhook), (const unsigned char *)event_id, len,
	    md, &mdlen) == NULL || mdlen < ALERT_ID_LEN / 2)
		return -1;
	hex_encode(out, md, ALERT_ID_LEN / 2);
	out[ALERT_ID_LEN] = '\0';
	return 0;
}
