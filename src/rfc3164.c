/*
 * rfc3164.c: BSD syslog (RFC 3164) and the dialects real devices send.
 *
 *   [<PRI>] [SEQ": "] [HOST": "] ['*'|'.'] TIMESTAMP[':'] [HOST] [TAG[PID][:]] MSG
 *
 * TIMESTAMP is "Mmm dd hh:mm:ss" with an optional year before or after the
 * time, fraction and zone name, or an ISO 8601 / RFC 3339 date-time.  A
 * year-less time gets the year that puts it nearest to the receipt time;
 * zone-less times are the collector's local time (TZ).  Cisco sequence
 * numbers, '*'/'.' sync markers and %FAC-SEV-MNEMONIC are recognised
 * (DESIGN.md "Wire policies").  Everything is a slice of the frame.
 */
#include "config.h"

#include <string.h>

#include "parse.h"

/* A TAG (APP-NAME) longer than this is cut and flagged. */
#define RFC3164_TAG_MAX 128
/* A PID in TAG[PID] longer than this is not a PID. */
#define RFC3164_PID_MAX 128
/* A Cisco FAC-SEV-MNEMONIC longer than this is not one. */
#define CISCO_MNEMONIC_MAX 64

/* Case-insensitive three-letter month; 1..12, or 0. */
static unsigned
read_month(const char *p)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char m[3];
	unsigned k;

	for (k = 0; k < 3; k++)
		m[k] = (char)(p[k] | 0x20);
	for (k = 0; k < 12; k++)
		if (memcmp(names + 3 * k, m, 3) == 0)
			return k + 1;
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read n digits; -1 when not all are digits or the frame ends. */
static int
read_num(const char *f, size_t len, size_t *i, size_t n)
{
	int v = 0;

	if (len - *i < n)
		return -1;
	for (; n > 0; n--, (*i)++) {
		if (!is_digit(f[*i]))
			return -1;
		v = v * 10 + (f[*i] - '0');
	}
	return v;
}

/* A four-digit year (1970..2199) at f[i] followed by SP or the end. */
static int
read_year(const char *f, size_t len, size_t i)
{
	size_t j = i;
	int y = read_num(f, len, &j, 4);

	if (y < 1970 || y > 2199 || (j < len && f[j] != ' '))
		return -1;
	return y;
}

/* Local year of the receipt time. */
static int64_t
year_of(time_t now)
{
	int offset;
	int64_t local, days, y, doe, yoe, doy, mp;

	(void)parse_local_to_epoch((int64_t)now, &offset);
	local = (int64_t)now + offset;
	days = (local >= 0 ? local : local - 86399) / 86400 + 719468;
	y = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - y * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return yoe + y * 400 + (mp >= 10);
}

/*
 * "Mmm dd [yyyy] hh:mm:ss[.frac] [yyyy] [ZONE]" at f[*i].  Returns 0 and
 * advances *i past it, or -1.
 */
static int
read_bsd_time(const char *f, size_t len, size_t *i, time_t now,
    struct syslog_msg *msg)
{
	struct msg_time *t = &msg->time;
	size_t j = *i, zone;
	unsigned mo, d, nd = 0;
	int h, mi, s, offset, k;
	int64_t y = -1, best = 0, cand, wall, bestdist = -1, dist, ny;
	uint32_t usec = 0;

	if (len - j < 3 || (mo = read_month(f + j)) == 0)
		return -1;
	j += 3;
	if (j >= len || f[j] != ' ')
		return -1;
	while (j < len && f[j] == ' ')
		j++;
	if (j >= len || !is_digit(f[j]))
		return -1;
	d = (unsigned)(f[j++] - '0');
	if (j < len && is_digit(f[j]))
		d = d * 10 + (unsigned)(f[j++] - '0');
	if (d < 1 || d > 31 || j >= len || f[j] != ' ')
		return -1;
	j++;
	if (j + 4 < len && f[j + 4] == ' ' && (y = read_year(f, len, j)) >= 0)
		j += 5;
	if ((h = read_num(f, len, &j, 2)) < 0 || h > 23 || j >= len ||
	    f[j++] != ':')
		return -1;
	if ((mi = read_num(f, len, &j, 2)) < 0 || mi > 59 || j >= len ||
	    f[j++] != ':')
		return -1;
	if ((s = read_num(f, len, &j, 2)) < 0 || s > 60)
		return -1;
	if (j < len && f[j] == '.') {
		for (j++; j < len && is_digit(f[j]); j++) {
			if (nd < 6) {
				usec = usec * 10 + (uint32_t)(f[j] - '0');
				nd++;
			} else
				msg->flags |= MSG_FLAG_FRACTION_CUT;
		}
		t->frac_digits = (uint8_t)nd;
		for (; nd < 6; nd++)
			usec *= 10;
	}
	if (y < 0 && j + 1 < len && f[j] == ' ' &&
	    (y = read_year(f, len, j + 1)) >= 0)
		j += 5;
	/* Cisco "hh:mm:ss.mmm ZONE:" (only UTC/GMT carry a known offset) */
	t->tz_known = false;
	if (j + 1 < len && f[j] == ' ') {
		for (zone = j + 1; zone < len && zone - j <= 5 &&
		    f[zone] >= 'A' && f[zone] <= 'Z'; zone++)
			;
		if (zone < len && f[zone] == ':' && zone - j >= 4) {
			if ((zone - j == 4 && (memcmp(f + j + 1, "UTC", 3) == 0 ||
			    memcmp(f + j + 1, "GMT", 3) == 0)))
				t->tz_known = true;
			j = zone;
		}
	}
	if (y >= 0) {
		if (d > parse_days_in_month(y, mo))
			return -1;
		wall = parse_days_from_civil(y, mo, d) * 86400 +
		    h * 3600 + mi * 60 + s;
	} else {
		/* the year that puts it nearest to now */
		ny = year_of(now);
		wall = 0;
		for (k = -1; k <= 1; k++) {
			if (d > parse_days_in_month(ny + k, mo))
				continue;
			cand = parse_days_from_civil(ny + k, mo, d) * 86400 +
			    h * 3600 + mi * 60 + s;
			dist = cand - (int64_t)now;
			if (dist < 0)
				dist = -dist;
			if (bestdist < 0 || dist < bestdist) {
				bestdist = dist;
				best = cand;
			}
		}
		if (bestdist < 0)
			return -1;
		wall = best;
		msg->flags |= MSG_FLAG_YEAR_GUESSED;
	}
	if (t->tz_known) {
		t->epoch = wall;
		t->tz_offset = 0;
	} else {
		t->epoch = parse_local_to_epoch(wall, &offset);
		t->tz_offset = (int16_t)(offset / 60);
	}
	t->usec = usec;
	t->present = true;
	*i = j;
	return 0;
}

/* Optional sync marker, then a BSD or ISO timestamp, then an optional ':'. */
static int
read_timestamp(const char *f, size_t len, size_t *i, time_t now,
    struct syslog_msg *msg)
{
	size_t j = *i, start, used;
	unsigned flags = 0;

	if (j < len && (f[j] == '*' || f[j] == '.'))
		j++;
	start = j;
	if (j < len && is_digit(f[j])) {
		if (parse_read_iso_time(f + j, len - j, false, &used, &msg->time,
		    &flags) != 0)
			return -1;
		msg->flags |= flags;
		j += used;
	} else if (read_bsd_time(f, len, &j, now, msg) != 0) {
		memset(&msg->time, 0, sizeof(msg->time));
		msg->flags &= ~(MSG_FLAG_FRACTION_CUT | MSG_FLAG_YEAR_GUESSED);
		return -1;
	}
	if (j < len && f[j] != ' ' && f[j] != ':') {
		memset(&msg->time, 0, sizeof(msg->time));
		msg->flags &= ~(MSG_FLAG_FRACTION_CUT | MSG_FLAG_YEAR_GUESSED);
		return -1;
	}
	if (start != *i)
		msg->flags |= MSG_FLAG_TIME_UNSYNCED;
	msg->timestamp.p = f + start;
	msg->timestamp.len = j - start;
	if (j < len && f[j] == ':')
		j++;
	*i = j;
	return 0;
}

/* Token end: the first SP at or after i (or len). */
static size_t
token_end(const char *f, size_t len, size_t i)
{
	while (i < len && f[i] != ' ')
		i++;
	return i;
}

/* IPv6 literals end in ':' too ("0002::"): hex digits and two or more colons. */
static int
is_ipv6ish(const char *p, size_t n)
{
	size_t k, colons = 0;

	for (k = 0; k < n; k++) {
		if (p[k] == ':')
			colons++;
		else if (!is_digit(p[k]) && !((p[k] | 0x20) >= 'a' &&
		    (p[k] | 0x20) <= 'f'))
			return 0;
	}
	return colons >= 2;
}

/*
 * Whether the token p[0..n) can be a HOSTNAME rather than a TAG or a
 * Cisco mnemonic: no '%' first, no '[', '/', '=', '"', and no trailing
 * ':' unless it is an IPv6 literal.
 */
static int
is_hostname(const char *p, size_t n)
{
	size_t k;

	if (n == 0 || p[0] == '%')
		return 0;
	if (p[n - 1] == ':' && !is_ipv6ish(p, n))
		return 0;
	for (k = 0; k < n; k++)
		if (p[k] == '[' || p[k] == '/' || p[k] == '=' || p[k] == '"' ||
		    (unsigned char)p[k] < 0x20)
			return 0;
	return 1;
}

/* Cisco "%FAC[-SUB]-SEV-MNEMONIC:" at f[i]; sets msgid (without '%'). */
static int
read_cisco_mnemonic(const char *f, size_t len, size_t i, struct slice *msgid)
{
	size_t j, end;
	bool sev = false;

	if (i >= len || f[i] != '%')
		return 0;
	for (j = i + 1; j < len && j - i <= CISCO_MNEMONIC_MAX &&
	    f[j] != ':' && f[j] != ' '; j++) {
		if (f[j] == '-' && j + 2 < len && is_digit(f[j + 1]) &&
		    f[j + 2] == '-' && j > i + 1)
			sev = true;
	}
	end = j;
	if (j < len && f[j] == ' ' && j + 1 < len && f[j + 1] == ':')
		j++; /* IOS XR: "%SNMP-SNMP-3-AUTH_FAIL : ..." */
	if (!sev || j >= len || f[j] != ':')
		return 0;
	msgid->p = f + i + 1;
	msgid->len = end - i - 1;
	return 1;
}

/*
 * TAG[PID][:] at f[*i].  A TAG without ':' or [PID] is taken only when
 * lenient (after a timestamp and hostname, as rsyslog does).  Returns 1
 * and moves *i to the start of MSG when a TAG was found.
 */
static int
read_tag(const char *f, size_t len, size_t *i, bool lenient,
    struct syslog_msg *msg)
{
	size_t j = *i, tagend, pidstart = 0, pidend = 0;
	bool strong = false;

	while (j < len && f[j] != ' ' && f[j] != ':' && f[j] != '[' &&
	    (unsigned char)f[j] >= 0x20) {
		/*
		 * A program name has none of these; a JSON body ('{"EventID":')
		 * or key=value text ("type=ADD_USER msg=...") is MSG, not a TAG.
		 */
		if (f[j] == '{' || f[j] == '"' || f[j] == '=' || f[j] == '\'')
			return 0;
		j++;
	}
	if (j == *i)
		return 0;
	tagend = j;
	if (j < len && f[j] == '[') {
		pidstart = ++j;
		while (j < len && f[j] != ']' && f[j] != ' ' &&
		    j - pidstart <= RFC3164_PID_MAX)
			j++;
		if (j >= len || f[j] != ']' || j - pidstart > RFC3164_PID_MAX)
			return 0;
		pidend = j++;
		strong = true;
	}
	if (j < len && f[j] == ':') {
		j++;
		strong = true;
		if (j < len && f[j] == ' ')
			j++;
	} else if (j < len && f[j] == ' ')
		j++;
	else if (j < len)
		return 0;
	if (!strong && !lenient)
		return 0;
	msg->appname.p = f + *i;
	msg->appname.len = tagend - *i;
	if (msg->appname.len > RFC3164_TAG_MAX) {
		msg->appname.len = RFC3164_TAG_MAX;
		msg->flags |= MSG_FLAG_FIELD_TRUNCATED;
	}
	if (pidend > pidstart) {
		msg->procid.p = f + pidstart;
		msg->procid.len = pidend - pidstart;
	}
	*i = j;
	return 1;
}

int
rfc3164_parse(const char *f, size_t len, time_t now, struct syslog_msg *msg)
{
	size_t i = 0, j, k, end;
	int pri;
	bool have_host = false, have_time;

	if (len == 0) {
		msg->error = "empty message";
		msg->error_col = 0;
		return -1;
	}
	pri = parse_read_pri(f, len, &i);
	if (pri == -2) {
		/* policy: "<" with garbage is not a PRI; keep the frame whole */
		msg->error = "invalid PRI";
		msg->error_col = i;
		return -1;
	}
	if (pri == -1) {
		pri = 13;
		msg->flags |= MSG_FLAG_NO_PRI;
		i = 0;
	}
	msg->format = MSG_FORMAT_RFC3164;
	msg->pri = pri;
	msg->version = 0;
	while (i < len && f[i] == ' ')
		i++;

	/* Cisco IOS "service sequence-numbers": "123: " */
	for (j = i; j < len && j - i < 10 && is_digit(f[j]); j++)
		;
	if (j > i && j < len && f[j] == ':' && (j + 1 == len || f[j + 1] == ' ')) {
		msg->seqno.p = f + i;
		msg->seqno.len = j - i;
		for (i = j + 1; i < len && f[i] == ' '; i++)
			;
		/* "123: host: *Mmm dd ..." or "123: host: %FAC-SEV-MNEM: ..." */
		end = token_end(f, len, i);
		if (end > i + 1 && end < len && f[end - 1] == ':' &&
		    is_hostname(f + i, end - i - 1)) {
			k = end + 1;
			if (k < len && (f[k] == '%' ||
			    read_timestamp(f, len, &k, now, msg) == 0)) {
				msg->hostname.p = f + i;
				msg->hostname.len = end - i - 1;
				have_host = true;
				i = end + 1;
			}
			memset(&msg->time, 0, sizeof(msg->time));
			msg->timestamp.p = NULL;
			msg->timestamp.len = 0;
			msg->flags &= ~(MSG_FLAG_FRACTION_CUT |
			    MSG_FLAG_YEAR_GUESSED | MSG_FLAG_TIME_UNSYNCED);
		}
	}

	have_time = read_timestamp(f, len, &i, now, msg) == 0;
	if (!have_time)
		msg->flags |= MSG_FLAG_NO_TIMESTAMP;
	while (i < len && f[i] == ' ')
		i++;

	if (have_time && !have_host) {
		/* AIX: "Message forwarded from HOST: " */
		if (len - i > 23 && memcmp(f + i, "Message forwarded from ", 23) == 0) {
			k = i + 23;
			for (j = k; j < len && f[j] != ':' && f[j] != ' '; j++)
				;
			if (j > k && j < len && f[j] == ':') {
				msg->hostname.p = f + k;
				msg->hostname.len = j - k;
				have_host = true;
				for (i = j + 1; i < len && f[i] == ' '; i++)
					;
			}
		}
	}
	if (have_time && !have_host) {
		end = token_end(f, len, i);
		if (is_hostname(f + i, end - i)) {
			msg->hostname.p = f + i;
			msg->hostname.len = end - i;
			if (msg->hostname.len > RFC5424_HOSTNAME_MAX) {
				msg->hostname.len = RFC5424_HOSTNAME_MAX;
				msg->flags |= MSG_FLAG_FIELD_TRUNCATED;
			}
			have_host = true;
			i = end;
			if (i < len)
				i++;
			if (i < len && f[i] == ' ') {
				/* "host  text": two SP, no TAG */
				while (i < len && f[i] == ' ')
					i++;
				goto message;
			}
			/* Cisco FTD "host : %FTD-6-..." */
			if (i + 1 < len && f[i] == ':' && f[i + 1] == ' ')
				i += 2;
		}
	}
	if (!have_host)
		msg->flags |= MSG_FLAG_NO_HOSTNAME;

	if (!read_cisco_mnemonic(f, len, i, &msg->msgid))
		(void)read_tag(f, len, &i, have_time, msg);

message:
	end = len;
	while (end > i && (f[end - 1] == '\n' || f[end - 1] == '\r'))
		end--;
	msg->msg.p = f + i;
	msg->msg.len = end - i;
	return 0;
}
