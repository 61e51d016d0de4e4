/*
 * rfc5424.c: the RFC 5424 header, parsed in place.
 *
 * HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP
 * MSGID, then SP STRUCTURED-DATA [SP MSG] (RFC 5424 6).  Only VERSION 1 is
 * RFC 5424 to us (DESIGN.md "Wire policies"); anything else is left to the
 * RFC 3164 parser.  Over-long fields are cut and flagged, malformed SD is
 * kept as raw text and flagged; only a broken header makes the message
 * unparsed.
 */
#include "config.h"

#include <string.h>

#include "parse.h"

/* RFC 5424 6.3.2: SD-NAME is at most 32 characters. */
#define SD_NAME_MAX 32
/* Duplicate SD-IDs are looked for among the first elements only (bounded work). */
#define SD_DUP_CHECK 16

/* Record where and why the header broke. */
static int
fail(struct syslog_msg *msg, const char *error, size_t col)
{
	msg->error = error;
	msg->error_col = col;
	return 1;
}

/* RFC 5424 6: PRINTUSASCII is %d33-126. */
static int
is_print(unsigned char c)
{
	return c >= 33 && c <= 126;
}

/* SD-NAME characters: PRINTUSASCII except '=', SP, ']' and '"'. */
static int
is_sd_name(unsigned char c)
{
	return is_print(c) && c != '=' && c != ']' && c != '"';
}

/*
 * One header field: NILVALUE or 1*max PRINTUSASCII, then SP.  Longer
 * values are cut to max and flagged.  Returns 0, or -1 with *i at the
 * offending byte.
 */
static int
read_field(const char *f, size_t len, size_t *i, size_t max, struct slice *out,
    unsigned *flags)
{
	size_t j = *i;

	while (j < len && f[j] != ' ') {
		if (!is_print((unsigned char)f[j])) {
			*i = j;
			return -1;
		}
		j++;
	}
	if (j == *i || j >= len) {
		*i = j;
		return -1;
	}
	if (j - *i == 1 && f[*i] == '-') {
		out->p = NULL;
		out->len = 0;
	} else {
		out->p = f + *i;
		out->len = j - *i;
		if (out->len > max) {
			out->len = max;
			*flags |= MSG_FLAG_FIELD_TRUNCATED;
		}
	}
	*i = j + 1;
	return 0;
}

/* Read 1*32 SD-NAME characters at *j; 0 when there are none or too many. */
static size_t
read_sd_name(const char *f, size_t len, size_t *j)
{
	size_t start = *j;

	while (*j < len && is_sd_name((unsigned char)f[*j]))
		(*j)++;
	if (*j - start > SD_NAME_MAX)
		return 0;
	return *j - start;
}

/*
 * Validate STRUCTURED-DATA elements starting at f[i] == '['.  Returns the
 * offset just past the last element, or 0 when the SD is malformed.
 */
static size_t
validate_sd(const char *f, size_t len, size_t i)
{
	struct slice ids[SD_DUP_CHECK];
	size_t j = i, n = 0, k, idlen, start;

	while (j < len && f[j] == '[') {
		start = ++j;
		if ((idlen = read_sd_name(f, len, &j)) == 0)
			return 0;
		for (k = 0; k < n && k < SD_DUP_CHECK; k++)
			if (ids[k].len == idlen &&
			    memcmp(ids[k].p, f + start, idlen) == 0)
				return 0;
		if (n < SD_DUP_CHECK) {
			ids[n].p = f + start;
			ids[n].len = idlen;
		}
		n++;
		for (;;) {
			if (j >= len)
				return 0;
			if (f[j] == ']') {
				j++;
				break;
			}
			/* SP PARAM-NAME "=" %d34 PARAM-VALUE %d34 */
			if (f[j++] != ' ' || read_sd_name(f, len, &j) == 0)
				return 0;
			if (j + 1 >= len || f[j] != '=' || f[j + 1] != '"')
				return 0;
			j += 2;
			while (j < len && f[j] != '"') {
				if (f[j] == ']')
					return 0; /* 6.3.3: MUST be escaped */
				if (f[j] == '\\')
					j++;
				j++;
			}
			if (j >= len)
				return 0;
			j++;
		}
	}
	return j;
}

/*
 * Where malformed SD most likely ends: the first ']' outside a quoted
 * value that is followed by SP or the end; failing that, the first ']'
 * followed by SP; failing that, the rest of the frame.  Text that does not
 * start with '[' ends at the next SP.
 */
static size_t
recover_sd_end(const char *f, size_t len, size_t i)
{
	size_t j;
	bool quoted = false;

	if (f[i] != '[') {
		for (j = i; j < len && f[j] != ' '; j++)
			;
		return j;
	}
	for (j = i; j < len; j++) {
		if (quoted) {
			if (f[j] == '\\')
				j++;
			else if (f[j] == '"')
				quoted = false;
		} else if (f[j] == '"')
			quoted = true;
		else if (f[j] == ']' && (j + 1 == len || f[j + 1] == ' '))
			return j + 1;
	}
	for (j = i; j < len; j++)
		if (f[j] == ']' && (j + 1 == len || f[j + 1] == ' '))
			return j + 1;
	return len;
}

/* MSG: the UTF-8 BOM is removed (RFC 5424 6.4), so are trailing CR/LF. */
static void
set_msg(const char *f, size_t len, size_t i, struct syslog_msg *msg)
{
	while (len > i && (f[len - 1] == '\n' || f[len - 1] == '\r'))
		len--;
	if (len - i >= 3 && (unsigned char)f[i] == 0xEF &&
	    (unsigned char)f[i + 1] == 0xBB && (unsigned char)f[i + 2] == 0xBF) {
		i += 3;
		msg->flags |= MSG_FLAG_BOM;
	}
	msg->msg.p = f + i;
	msg->msg.len = len - i;
}

int
rfc5424_parse(const char *f, size_t len, const struct syslog_clock *clock, struct syslog_msg *msg)
{
	size_t i, used, end;
	int pri;

	pri = syslog_pri_read(f, len, &used);
	if (pri < 0) {
		msg->error = "not RFC 5424: no valid PRI";
		msg->error_col = pri == -1 ? 0 : used;
		return -1;
	}
	i = used;
	/* VERSION: only "1" is ours; "1" at the very end is a broken header. */
	if (i >= len || f[i] != '1' || (i + 1 < len && f[i + 1] != ' ')) {
		msg->error = "not RFC 5424: VERSION is not 1";
		msg->error_col = i;
		return -1;
	}
	msg->pri = pri;
	msg->version = 1;
	msg->format = MSG_FORMAT_RFC5424;
	if (++i >= len)
		return fail(msg, "RFC 5424: expecting SP after VERSION", i);
	i++;

	/* TIMESTAMP: NILVALUE or RFC 3339 (6.2.3) */
	if (i < len && f[i] == '-') {
		msg->flags |= MSG_FLAG_NO_TIMESTAMP;
		i++;
	} else {
		if (syslog_time_read_iso(f + i, len - i, true, clock, &used, &msg->time,
		    &msg->flags) != 0)
			return fail(msg, "RFC 5424: invalid TIMESTAMP", i + used);
		msg->timestamp.p = f + i;
		msg->timestamp.len = used;
		i += used;
	}
	if (i >= len || f[i] != ' ')
		return fail(msg, "RFC 5424: expecting SP after TIMESTAMP", i);
	i++;

	if (read_field(f, len, &i, RFC5424_HOSTNAME_MAX, &msg->hostname,
	    &msg->flags) != 0)
		return fail(msg, "RFC 5424: invalid HOSTNAME", i);
	if (read_field(f, len, &i, RFC5424_APPNAME_MAX, &msg->appname,
	    &msg->flags) != 0)
		return fail(msg, "RFC 5424: invalid APP-NAME", i);
	if (read_field(f, len, &i, RFC5424_PROCID_MAX, &msg->procid,
	    &msg->flags) != 0)
		return fail(msg, "RFC 5424: invalid PROCID", i);
	if (read_field(f, len, &i, RFC5424_MSGID_MAX, &msg->msgid,
	    &msg->flags) != 0)
		return fail(msg, "RFC 5424: invalid MSGID", i);

	/* STRUCTURED-DATA (6.3) */
	if (i >= len)
		return fail(msg, "RFC 5424: expecting STRUCTURED-DATA", i);
	if (f[i] == '-') {
		end = i + 1;
		if (end < len && f[end] != ' ')
			return fail(msg,
			    "RFC 5424: expecting SP after STRUCTURED-DATA", end);
	} else if (f[i] == '[' && (end = validate_sd(f, len, i)) != 0 &&
	    (end == len || f[end] == ' ')) {
		msg->sd.p = f + i;
		msg->sd.len = end - i;
	} else {
		end = recover_sd_end(f, len, i);
		msg->flags |= MSG_FLAG_SD_MALFORMED;
		if (end == len) {
			/*
			 * Nothing follows: a sender that put its message where SD
			 * goes (Check Point's Log Exporter: [key:"value"; ...]).
			 * The text is the MSG, so that rules and detections see it.
			 */
			set_msg(f, len, i, msg);
			return 0;
		}
		msg->sd_raw.p = f + i;
		msg->sd_raw.len = end - i;
	}
	if (end < len)
		set_msg(f, len, end + 1, msg);
	return 0;
}
