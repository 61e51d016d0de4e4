/*
 * parse.h: one syslog message, parsed in place.
 *
 * Every string field is a slice of the caller's frame: nothing is
 * allocated and nothing is copied, so a struct syslog_msg is valid only
 * while the frame it was parsed from is.  A slice with p == NULL is absent
 * (the RFC 5424 NILVALUE "-" is absent too).
 *
 * parse_message() never fails: a frame that is neither RFC 5424 nor
 * RFC 3164 comes back with format MSG_FORMAT_UNPARSED, the error text and
 * the column (0-based byte offset) where parsing stopped, and msg covering
 * the whole frame.  Where peers disagree, the policy is DESIGN.md's "Wire
 * policies".
 */
#ifndef LOGWARD_PARSE_H
#define LOGWARD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "syslog_pri.h"
#include "syslog_time.h"

struct slice {
	const char *p; /* NULL: absent */
	size_t len;
};

enum msg_format {
	MSG_FORMAT_UNPARSED = 0,
	MSG_FORMAT_RFC5424,
	MSG_FORMAT_RFC3164,
};

/* Flags: what was accepted but not clean (each becomes a tag in the event). */
#define MSG_FLAG_NO_PRI          0x0001u /* no <PRI>: default 13 (user.notice) used */
#define MSG_FLAG_FIELD_TRUNCATED 0x0002u /* an over-long header field was cut */
#define MSG_FLAG_FRACTION_CUT    SYSLOG_TIME_FRACTION_CUT /* more than 6 fractional digits */
#define MSG_FLAG_SD_MALFORMED    0x0008u /* SD kept as raw text (sd_raw), not parsed */
#define MSG_FLAG_BOM             0x0010u /* MSG started with the UTF-8 BOM (removed) */
#define MSG_FLAG_NO_HOSTNAME     0x0020u /* 3164 without hostname: peer address used */
#define MSG_FLAG_NO_TIMESTAMP    0x0040u /* no timestamp: receipt time used */
#define MSG_FLAG_YEAR_GUESSED    SYSLOG_TIME_YEAR_GUESSED /* year-less 3164 timestamp */
#define MSG_FLAG_TIME_UNSYNCED   0x0100u /* Cisco '*' or '.' before the timestamp */
#define MSG_FLAG_ZONE_UNKNOWN    SYSLOG_TIME_ZONE_UNKNOWN /* zone name not known: local time */
#define MSG_FLAG_TIME_AMBIGUOUS  SYSLOG_TIME_AMBIGUOUS /* local time the zone has twice (DST end) */
#define MSG_FLAG_TIME_NONEXISTENT SYSLOG_TIME_NONEXISTENT /* local time the zone skips (DST start) */

/* Field limits of RFC 5424 section 6; longer values are truncated + flagged. */
#define RFC5424_HOSTNAME_MAX 255
#define RFC5424_APPNAME_MAX  48
#define RFC5424_PROCID_MAX   128
#define RFC5424_MSGID_MAX    32

struct syslog_msg {
	enum msg_format format;
	int pri;            /* 0..191; 13 when MSG_FLAG_NO_PRI */
	int version;        /* 1 for RFC 5424, 0 otherwise */
	struct msg_time time;
	struct slice timestamp; /* the timestamp text as sent */
	struct slice hostname;
	struct slice appname;   /* 3164: the TAG without "[pid]:" */
	struct slice procid;    /* 3164: the pid in TAG[pid] */
	struct slice msgid;     /* 3164: Cisco %FAC-SEV-MNEMONIC without % */
	struct slice sd;        /* whole STRUCTURED-DATA text when valid, escapes intact */
	struct slice sd_raw;    /* the SD text when malformed (MSG_FLAG_SD_MALFORMED) */
	struct slice msg;       /* MSG, BOM removed */
	struct slice seqno;     /* 3164: Cisco sequence number */
	unsigned flags;         /* MSG_FLAG_* */
	const char *error;      /* static text, NULL when parsed */
	size_t error_col;       /* byte offset into the frame where parsing stopped */
};

/*
 * Parse frame[0..len) into *msg.  now: receipt time (year inference for
 * RFC 3164, fallback @timestamp).  Does not read past len; frame need not
 * be NUL-terminated.
 */
void parse_message(const char *frame, size_t len, time_t now, struct syslog_msg *msg);
/*
 * The same, a zone-less timestamp read in zone (tz_zone.h; NULL: the
 * collector's local zone): an input's timezone = setting.
 */
void parse_message_zone(const char *frame, size_t len, time_t now, const struct tz_zone *zone,
    struct syslog_msg *msg);

/*
 * The two parsers.  Each returns 0 on success.  rfc5424_parse returns -1
 * with msg->error set when the frame is not RFC 5424 VERSION 1 (the caller
 * then tries RFC 3164); it returns 1 when the frame claims VERSION 1 but
 * the header is malformed (msg->error and msg->error_col set; pri and
 * version kept).  rfc3164_parse returns -1 with msg->error when the frame is
 * unusable (empty, bad PRI).
 */
int rfc5424_parse(const char *frame, size_t len, const struct syslog_clock *clock,
    struct syslog_msg *msg);
int rfc3164_parse(const char *frame, size_t len, const struct syslog_clock *clock,
    struct syslog_msg *msg);

/*
 * Walk valid STRUCTURED-DATA (msg->sd).  Call with *pos = 0; each call
 * yields one element id, then its params; returns 1 for an element, 2 for a
 * param of the current element, 0 at the end.  Param values keep their
 * escapes; sd_unescape undoes \" \\ \] (RFC 5424 6.3.3).  *pos is an
 * opaque cursor (it also remembers the current element, so item may be a
 * fresh struct each call); any text is safe to walk: the walk stops at the
 * first byte that does not fit the grammar.
 */
struct sd_item {
	struct slice id;    /* element id (for both kinds) */
	struct slice name;  /* param name (kind 2) */
	struct slice value; /* raw param value (kind 2), escapes intact */
};
int sd_next(struct slice sd, size_t *pos, struct sd_item *item);
/* Write value with SD escapes undone into out (cap bytes); returns length written. */
size_t sd_unescape(struct slice value, char *out, size_t cap);

#endif
