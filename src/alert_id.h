/*
 * alert_id.h: the identity of an alert (event.id) and the Standard
 * Webhooks webhook-id each webhook derives from it.
 *
 * event.id is 32 lowercase hex digits: 16 for the run (64 random bits
 * drawn when the collector starts, so two runs or two collectors do not
 * share ids) and 16 for the alert's number in that run.  It is written
 * into the alert line when the alert is made, before the line reaches the
 * alerts file, so every copy (the file, a spool, a replay after a restart,
 * Kafka) carries the same one.
 *
 * webhook-id is the first 32 hex digits of HMAC-SHA256(key = the webhook's
 * name, message = event.id): the same alert keeps its webhook-id through
 * retries, spool replays and restarts, and two webhooks pointed at one
 * receiver do not send the same id (Standard Webhooks receivers drop a
 * repeated id as a redelivery).
 */
#ifndef LOGWARD_ALERT_ID_H
#define LOGWARD_ALERT_ID_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALERT_ID_LEN 32

/* The ids of one run; shared by every worker (the counter is atomic). */
struct alert_ids {
	uint64_t run;
	atomic_uint_fast64_t next;
};

/*
 * Start a run: random run bits, or 0 when fixed (--test-rules, whose
 * output must be the same for the same input).  -1 when no random bytes
 * could be had (ids is then unusable).
 */
int alert_ids_init(struct alert_ids *ids, bool fixed);

/* The next event.id of the run into out (NUL-terminated). */
void alert_ids_next(struct alert_ids *ids, char out[ALERT_ID_LEN + 1]);

/*
 * The webhook-id of the alert event_id[0..len) for the webhook named
 * webhook, into out (NUL-terminated).  Returns 0, or -1 when the hash
 * could not be computed (out of memory in OpenSSL).
 */
int alert_id_webhook(const char *event_id, size_t len, const char *webhook,
    char out[ALERT_ID_LEN + 1]);

#endif
