/*
 * parse.c: dispatch between the RFC 5424 and RFC 3164 parsers, and the
 * helpers every consumer of a parsed message needs (SD walking, names).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "parse.h"

/* Default PRI when a frame has none (RFC 3164 4.3.3: user.notice). */
#define PARSE_DEFAULT_PRI 13

/*
 * sd_next keeps two offsets in its one size_t cursor: the read position in
 * the low half and the start of the current element in the high half, so
 * callers may pass a fresh struct sd_item on every call.
 */
#define SD_POS_BITS (sizeof(size_t) * 4)
#define SD_POS_MASK (((size_t)1 << SD_POS_BITS) - 1)

/* Pack the read position and current element start into one cursor. */
static size_t
sd_pos_pack(size_t element, size_t cursor)
{
	return (element << SD_POS_BITS) | cursor;
}

/*
 * RFC 5424 6.3.2 SD-NAME: printable US-ASCII except '=', SP, ']' and '"'.
 * A table: event_format walks every name of every message's SD.
 */
#define SD_NAME_ROW_16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char sd_name_chars[256] = {
	[0x21] = 1, [0x22] = 0, [0x23] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* '"' */
	[0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, [0x3d] = 0, 1, 1,      /* '=' */
	[0x40] = SD_NAME_ROW_16,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, [0x5d] = 0, 1, 1,      /* ']' */
	[0x60] = SD_NAME_ROW_16,
	[0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, [0x7f] = 0,      /* DEL */
};

static int
sd_is_name_char(unsigned char c)
{
	return sd_name_chars[c];
}

/*
 * Walk STRUCTURED-DATA one element or param at a time.  Robust to any
 * input: stops (returns 0) at the first byte that does not fit the grammar
 * and never reads past sd.len.
 */
int
sd_next(struct slice sd, size_t *pos, struct sd_item *item)
{
	const unsigned char *s = (const unsigned char *)sd.p;
	size_t c, e, start;

	memset(item, 0, sizeof(*item));
	if (s == NULL || sd.len == 0 || sd.len > SD_POS_MASK)
		return 0;
	c = *pos & SD_POS_MASK;
	e = *pos >> SD_POS_BITS;
	if (c > sd.len || e >= sd.len)
		return 0;

	if (c > 0 && c < sd.len && s[c] == ' ') {
		/* SD-PARAM = PARAM-NAME "=" %d34 PARAM-VALUE %d34 */
		c++;
		start = c;
		while (c < sd.len && sd_is_name_char(s[c]))
			c++;
		if (c == start || c + 1 >= sd.len || s[c] != '=' ||
		    s[c + 1] != '"')
			return 0;
		item->name.p = sd.p + start;
		item->name.len = c - start;
		c += 2;
		start = c;
		while (c < sd.len && s[c] != '"') {
			if (s[c] == '\\' && c + 1 < sd.len)
				c++;
			c++;
		}
		if (c >= sd.len)
			return 0;
		item->value.p = sd.p + start;
		item->value.len = c - start;
		c++;
		/* the element id, found again from the element start */
		start = e + 1;
		while (start < sd.len && sd_is_name_char(s[start]))
			start++;
		item->id.p = sd.p + e + 1;
		item->id.len = start - (e + 1);
		*pos = sd_pos_pack(e, c);
		return 2;
	}

	if (c > 0) {
		if (c >= sd.len || s[c] != ']')
			return 0;
		c++;
	}
	/* SD-ELEMENT = "[" SD-ID *(SP SD-PARAM) "]" */
	if (c >= sd.len || s[c] != '[')
		return 0;
	e = c;
	c++;
	start = c;
	while (c < sd.len && sd_is_name_char(s[c]))
		c++;
	if (c == start || c >= sd.len || (s[c] != ' ' && s[c] != ']'))
		return 0;
	item->id.p = sd.p + start;
	item->id.len = c - start;
	*pos = sd_pos_pack(e, c);
	return 1;
}

/* RFC 5424 6.3.3: only \" \\ \] are escapes; any other backslash stays. */
size_t
sd_unescape(struct slice value, char *out, size_t cap)
{
	size_t i, n = 0;
	char c;

	if (value.p == NULL)
		return 0;
	for (i = 0; i < value.len && n < cap; i++) {
		c = value.p[i];
		if (c == '\\' && i + 1 < value.len &&
		    (value.p[i + 1] == '"' || value.p[i + 1] == '\\' ||
		    value.p[i + 1] == ']'))
			c = value.p[++i];
		out[n++] = c;
	}
	return n;
}

/*
 * Try RFC 5424 first (it is unambiguous: "<PRI>1 "), then RFC 3164 with
 * its dialects; whatever neither accepts is kept whole as UNPARSED.
 */
void
parse_message_zone(const char *frame, size_t len, time_t now, const struct tz_zone *zone,
    struct syslog_msg *msg)
{
	const struct syslog_clock clock = { now, zone };
	const char *error;
	size_t error_col;
	int pri, version, rc;

	memset(msg, 0, sizeof(*msg));
	rc = rfc5424_parse(frame, len, &clock, msg);
	if (rc == 0)
		return;
	if (rc > 0) {
		pri = msg->pri;
		version = msg->version;
		error = msg->error;
		error_col = msg->error_col;
		goto unparsed;
	}
	memset(msg, 0, sizeof(*msg));
	if (rfc3164_parse(frame, len, &clock, msg) == 0)
		return;
	/* RFC 3164 gives up only on an empty frame or a broken PRI */
	pri = -1;
	version = 0;
	error = msg->error;
	error_col = msg->error_col;

unparsed:
	memset(msg, 0, sizeof(*msg));
	msg->format = MSG_FORMAT_UNPARSED;
	msg->flags = MSG_FLAG_NO_TIMESTAMP;
	if (pri < 0) {
		pri = PARSE_DEFAULT_PRI;
		msg->flags |= MSG_FLAG_NO_PRI;
	}
	msg->pri = pri;
	msg->version = version;
	msg->error = error != NULL ? error : "unparsable message";
	msg->error_col = error_col;
	msg->msg.p = frame;
	msg->msg.len = len;
}

void
parse_message(const char *frame, size_t len, time_t now, struct syslog_msg *msg)
{
	parse_message_zone(frame, len, now, NULL, msg);
}
