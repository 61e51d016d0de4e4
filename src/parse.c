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

/* RFC 5424 6.3.2 SD-NAME: printable US-ASCII except '=', SP, ']' and '"'. */
static int
sd_is_name_char(unsigned char c)
{
	return c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
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

static const char *const facility_names[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"solaris-cron", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7",
};

static const char *const severity_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* RFC 5424 table 1 names (as syslog.h spells them); "unknown" out of range. */
const char *
syslog_facility_name(int facility)
{
	if (facility < 0 || facility > 23)
		return "unknown";
	return facility_names[facility];
}

/* RFC 5424 table 2 names (as syslog.h spells them); "unknown" out of range. */
const char *
syslog_severity_name(int severity)
{
	if (severity < 0 || severity > 7)
		return "unknown";
	return severity_names[severity];
}

/* "<" 1*3DIGIT ">" with a value of at most 191 (RFC 5424 6.2.1). */
int
parse_read_pri(const char *p, size_t len, size_t *used)
{
	size_t i;
	int pri = 0;

	if (len == 0 || p[0] != '<')
		return -1;
	for (i = 1; i < len && i <= 3 && p[i] >= '0' && p[i] <= '9'; i++)
		pri = pri * 10 + (p[i] - '0');
	if (i == 1 || i >= len || p[i] != '>' || pri > 191) {
		*used = i;
		return -2;
	}
	*used = i + 1;
	return pri;
}

/* Read exactly n digits at p[*i]; -1 when one is not a digit. */
static int
read_digits(const char *p, size_t len, size_t *i, size_t n)
{
	int v = 0;

	if (len - *i < n)
		return -1;
	while (n-- > 0) {
		if (p[*i] < '0' || p[*i] > '9')
			return -1;
		v = v * 10 + (p[(*i)++] - '0');
	}
	return v;
}

/* Proleptic Gregorian calendar, era-based so that no table is needed. */
int64_t
parse_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* February depends on the Gregorian leap rule. */
unsigned
parse_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/*
 * localtime_r is slow and takes a lock in glibc, so each thread keeps the
 * offsets of the quarter hours it asked about last (zone transitions fall
 * on quarter hours) in a small direct-mapped table: the receipt time and
 * the message times of a busy sender stay cached side by side.  tzset()
 * changes timezone/daylight, which invalidates an entry.
 */
#define TZ_CACHE_SLOTS 16

static int
local_offset_at(int64_t t)
{
	static __thread struct {
		int64_t bucket;
		long zone;
		int dst;
		int offset;
		bool valid;
	} cache[TZ_CACHE_SLOTS];
	int64_t bucket = (t >= 0 ? t : t - 899) / 900;
	time_t tt = (time_t)t;
	struct tm tm;
	unsigned slot = (unsigned)((uint64_t)bucket % TZ_CACHE_SLOTS);

	if (cache[slot].valid && cache[slot].bucket == bucket &&
	    cache[slot].zone == timezone && cache[slot].dst == daylight)
		return cache[slot].offset;
	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	cache[slot].bucket = bucket;
	cache[slot].zone = timezone;
	cache[slot].dst = daylight;
	cache[slot].offset = (int)tm.tm_gmtoff;
	cache[slot].valid = true;
	return cache[slot].offset;
}

/* Two lookups settle the offset except inside a DST gap or overlap. */
int64_t
parse_local_to_epoch(int64_t wall, int *offset)
{
	int off1, off2;

	off1 = local_offset_at(wall);
	off2 = local_offset_at(wall - off1);
	*offset = off2;
	return wall - off2;
}

int
parse_read_iso_time(const char *p, size_t len, bool strict, size_t *used,
    struct msg_time *t, unsigned *flags)
{
	size_t i = 0;
	int y, mo, d, h, mi, s, oh, om, sign, offset;
	uint32_t usec = 0;
	unsigned ndigits = 0;
	int64_t wall;

	memset(t, 0, sizeof(*t));
	if ((y = read_digits(p, len, &i, 4)) < 0 || i >= len || p[i++] != '-')
		goto bad;
	if ((mo = read_digits(p, len, &i, 2)) < 1 || mo > 12)
		goto bad;
	if (i >= len || p[i++] != '-')
		goto bad;
	if ((d = read_digits(p, len, &i, 2)) < 1 ||
	    (unsigned)d > parse_days_in_month(y, (unsigned)mo))
		goto bad;
	if (i >= len || !(p[i] == 'T' || (!strict && (p[i] == 't' || p[i] == ' '))))
		goto bad;
	i++;
	if ((h = read_digits(p, len, &i, 2)) < 0 || h > 23 || i >= len ||
	    p[i++] != ':')
		goto bad;
	if ((mi = read_digits(p, len, &i, 2)) < 0 || mi > 59 || i >= len ||
	    p[i++] != ':')
		goto bad;
	if ((s = read_digits(p, len, &i, 2)) < 0 || s > 59)
		goto bad;
	if (i < len && p[i] == '.') {
		i++;
		while (i < len && p[i] >= '0' && p[i] <= '9') {
			if (ndigits < 6) {
				usec = usec * 10 + (uint32_t)(p[i] - '0');
				ndigits++;
			} else
				*flags |= MSG_FLAG_FRACTION_CUT;
			i++;
		}
		if (ndigits == 0 && strict)
			goto bad;
		t->frac_digits = (uint8_t)ndigits;
		for (; ndigits < 6; ndigits++)
			usec *= 10;
	}
	wall = parse_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	if (i < len && (p[i] == 'Z' || (!strict && p[i] == 'z'))) {
		i++;
		t->tz_known = true;
		t->epoch = wall;
	} else if (i < len && (p[i] == '+' || p[i] == '-')) {
		sign = p[i++] == '-' ? -1 : 1;
		if ((oh = read_digits(p, len, &i, 2)) < 0 || oh > 23)
			goto bad;
		if (i < len && p[i] == ':')
			i++;
		else if (strict)
			goto bad;
		if ((om = read_digits(p, len, &i, 2)) < 0 || om > 59)
			goto bad;
		t->tz_known = true;
		t->tz_offset = (int16_t)(sign * (oh * 60 + om));
		t->epoch = wall - t->tz_offset * 60;
	} else {
		t->epoch = parse_local_to_epoch(wall, &offset);
		t->tz_offset = (int16_t)(offset / 60);
	}
	t->usec = usec;
	t->present = true;
	*used = i;
	return 0;
bad:
	*used = i;
	memset(t, 0, sizeof(*t));
	return -1;
}

/*
 * Try RFC 5424 first (it is unambiguous: "<PRI>1 "), then RFC 3164 with
 * its dialects; whatever neither accepts is kept whole as UNPARSED.
 */
void
parse_message(const char *frame, size_t len, time_t now, struct syslog_msg *msg)
{
	const char *error;
	size_t error_col;
	int pri, version, rc;

	memset(msg, 0, sizeof(*msg));
	rc = rfc5424_parse(frame, len, msg);
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
	if (rfc3164_parse(frame, len, now, msg) == 0)
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
