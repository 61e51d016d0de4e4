/*
 * spool.h: one webhook's durable queue of alerts (DESIGN.md "Delivery
 * never stalls intake": a dead webhook only grows the spool).
 *
 * On disk, in the spool directory, two append-only files per webhook:
 *   NAME.spool  one record a line: 32 hex digits (the webhook-id: derived
 *               from the alert's event.id, alert_id.h, or for a line
 *               without one made once from 16 RAND_bytes) SP the alert
 *               line LF
 *   NAME.ack    24 bytes a delivered record: its offset (8 bytes, little
 *               endian) and the first 16 hex digits of its id
 * A record is written and fsync'd (spool_sync) before it is handed out
 * for delivery; it is acknowledged (spool_ack: appended to the ack file)
 * only after a 2xx or a dead-letter.  Acks are not fsync'd: losing one
 * (only an OS crash can: SIGKILL leaves the page cache) means one more
 * delivery of that record, and the id in an ack keeps it from matching a
 * later record written at the same offset.  When every record is
 * acknowledged both files are cut back to empty.  spool_open replays
 * every record without an ack, with its id: at-least-once delivery.
 *
 * Attempt counts and next-attempt times live in memory only: after a
 * restart every record is due at once.
 *
 * A spool is used by one thread (the delivery loop).
 */
#ifndef LOGWARD_SPOOL_H
#define LOGWARD_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

#define SPOOL_ID_LEN 32

/* One record not yet acknowledged; owned by the spool. */
struct spool_record {
	uint64_t seq;                  /* stable handle while the record lives */
	uint64_t offset;               /* of the record in NAME.spool */
	uint32_t len;                  /* of the alert line, without LF */
	char id[SPOOL_ID_LEN + 1];     /* the webhook-id, NUL-terminated */
	unsigned attempts;
	int64_t next_attempt_ms;       /* monotonic ms; 0 = due now */
	int64_t spooled_ms;            /* monotonic ms when appended (replayed: at open) */
	bool in_flight;
	bool acked;
};

enum spool_status { SPOOL_OK = 0, SPOOL_FULL = -2, SPOOL_ERROR = -1 };

struct spool;

/*
 * Open (creating) dir/name.spool and dir/name.ack, cutting a torn last
 * record off, and load every record without an ack.  max_bytes bounds
 * NAME.spool.  Returns NULL with err set.  Caller frees with spool_close.
 */
struct spool *spool_open(const char *dir, const char *name, uint64_t max_bytes,
    char *err, size_t errlen);

/*
 * Append one alert line (without LF; a LF inside is an error) with a new
 * id; not durable until spool_sync.  Returns SPOOL_OK, SPOOL_FULL (the
 * size bound would be passed: nothing written) or SPOOL_ERROR (write
 * failed; logged).
 */
enum spool_status spool_append(struct spool *s, const char *line, size_t len, int64_t now_ms);

/*
 * spool_append with the record's id given (SPOOL_ID_LEN hex digits and a
 * NUL; anything else is SPOOL_ERROR): the webhook-id derived from the
 * alert's event.id (alert_id.h), the same whenever the alert is spooled.
 * NULL: a new random id.
 */
enum spool_status spool_append_id(struct spool *s, const char *line, size_t len, const char *id,
    int64_t now_ms);

/* fsync what was appended.  Returns 0 or -1 (logged). */
int spool_sync(struct spool *s);

/* Records not acknowledged, oldest first: index 0 .. spool_count - 1. */
size_t spool_count(const struct spool *s);
struct spool_record *spool_at(struct spool *s, size_t i);
/* The live record after r (the first when r is NULL), or NULL at the end. */
struct spool_record *spool_next(struct spool *s, const struct spool_record *r);
/* The record of seq, or NULL when it is acknowledged. */
struct spool_record *spool_find(struct spool *s, uint64_t seq);

/* Append the alert line of r to out.  Returns 0 or -1 (logged). */
int spool_read(struct spool *s, const struct spool_record *r, struct strbuf *out);

/*
 * Acknowledge the record of seq (see above for durability).  The record
 * (and any record pointer) is gone afterwards, whatever the disk does:
 * -1 means the ack could not be written (logged once a streak) and is
 * kept in memory until spool_flush_acks or the cut-back writes it; only a
 * restart before then delivers that record again.
 */
int spool_ack(struct spool *s, uint64_t seq);

/* Write the acks kept in memory.  0 when none is left, -1 otherwise. */
int spool_flush_acks(struct spool *s);

/* Acks kept in memory, not yet in NAME.ack. */
size_t spool_unwritten_acks(const struct spool *s);

/* Bytes in NAME.spool (acknowledged records included until cut back). */
uint64_t spool_bytes(const struct spool *s);

void spool_close(struct spool *s);	/* NULL is fine */

/* Fill id with 32 lowercase hex digits of RAND_bytes and a NUL.  -1 on failure. */
int spool_new_id(char id[SPOOL_ID_LEN + 1]);

#endif
