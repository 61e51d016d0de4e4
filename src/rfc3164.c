/*
 * rfc3164.c: BSD syslog (RFC 3164) and the dialects real devices send.
 *
 *   [<PRI>] [SEQ": "] [HOST": "] ['*'|'.'] TIMESTAMP[':'] [HOST] [TAG[PID][:]] MSG
 *
 * TIMESTAMP is "Mmm dd hh:mm:ss" with an optional year before or after the
 * time, fraction and zone name, or an ISO 8601 / RFC 3339 date-time.  A
 * year-less time gets the receipt year (syslog-ng's rule at the turn of
 * the year); zone-less times are the collector's local time (TZ): syslog_time.c.  Cisco sequence
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

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Optional sync marker, then a BSD or ISO timestamp, then an optional ':'. */
static int
read_timestamp(const char *f, size_t len, size_t *i, const struct syslog_clock *clock,
    struct syslog_msg *msg)
{
	size_t j = *i, start, used;
	unsigned flags = 0;

	if (j < len && (f[j] == '*' || f[j] == '.'))
		j++;
	start = j;
	/* "2017-..." is ISO; "2017 Mar  6 ..." is NX-OS's BSD time with the year first */
	if (j < len && is_digit(f[j]) && !(len - j > 4 && f[j + 4] == ' ')) {
		if (syslog_time_read_iso(f + j, len - j, false, clock, &used, &msg->time,
		    &flags) != 0)
			return -1;
		msg->flags |= flags;
		j += used;
	} else if (syslog_time_read_bsd(f, len, &j, clock, &msg->time, &msg->flags) != 0) {
		memset(&msg->time, 0, sizeof(msg->time));
		msg->flags &= ~SYSLOG_TIME_FLAGS;
		return -1;
	}
	if (j < len && f[j] != ' ' && f[j] != ':') {
		memset(&msg->time, 0, sizeof(msg->time));
		msg->flags &= ~SYSLOG_TIME_FLAGS;
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
static bool
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

/* The first index at or after i that is not a SP. */
static size_t
skip_spaces(const char *f, size_t len, size_t i)
{
	while (i < len && f[i] == ' ')
		i++;
	return i;
}

/*
 * <PRI> at the start, or none (user.notice, flagged); *after_pri is the
 * end of the PRI, *i moves past the blanks after it.  -1 with msg->error
 * for an empty frame or a broken PRI.
 */
static int
read_pri(const char *f, size_t len, size_t *i, size_t *after_pri, struct syslog_msg *msg)
{
	int pri;

	if (len == 0) {
		msg->error = "empty message";
		msg->error_col = 0;
		return -1;
	}
	pri = syslog_pri_read(f, len, i);
	if (pri == -2) {
		/* policy: "<" with garbage is not a PRI; keep the frame whole */
		msg->error = "invalid PRI";
		msg->error_col = *i;
		return -1;
	}
	if (pri == -1) {
		pri = 13;
		msg->flags |= MSG_FLAG_NO_PRI;
		*i = 0;
	}
	msg->format = MSG_FORMAT_RFC3164;
	msg->pri = pri;
	msg->version = 0;
	*after_pri = *i;
	*i = skip_spaces(f, len, *i);
	return 0;
}

/*
 * Cisco IOS "service sequence-numbers": "123: ", then perhaps
 * "host: *Mmm dd ..." or "host: %FAC-SEV-MNEM: ...".  Moves *i past what
 * it took; true when it took a hostname.  The timestamp is only looked
 * at here (and forgotten): read_timestamp reads it again after the host.
 */
static bool
read_sequence_number(const char *f, size_t len, size_t *i, const struct syslog_clock *clock,
    struct syslog_msg *msg)
{
	size_t j, k, end, start = *i;
	bool have_host = false;

	for (j = start; j < len && j - start < 10 && is_digit(f[j]); j++)
		;
	if (!(j > start && j < len && f[j] == ':' && (j + 1 == len || f[j + 1] == ' ')))
		return false;
	msg->seqno.p = f + start;
	msg->seqno.len = j - start;
	start = skip_spaces(f, len, j + 1);
	*i = start;
	end = token_end(f, len, start);
	if (end > start + 1 && end < len && f[end - 1] == ':' &&
	    is_hostname(f + start, end - start - 1)) {
		k = end + 1;
		if (k < len && (f[k] == '%' || read_timestamp(f, len, &k, clock, msg) == 0)) {
			msg->hostname.p = f + start;
			msg->hostname.len = end - start - 1;
			have_host = true;
			*i = end + 1;
		}
		memset(&msg->time, 0, sizeof(msg->time));
		msg->timestamp.p = NULL;
		msg->timestamp.len = 0;
		msg->flags &= ~(SYSLOG_TIME_FLAGS | MSG_FLAG_TIME_UNSYNCED);
	}
	return have_host;
}

/* AIX: "Message forwarded from HOST: " at f[*i]; true (and *i past it) when taken. */
static bool
read_forwarded_from(const char *f, size_t len, size_t *i, struct syslog_msg *msg)
{
	size_t j, k;

	if (!(len - *i > 23 && memcmp(f + *i, "Message forwarded from ", 23) == 0))
		return false;
	k = *i + 23;
	for (j = k; j < len && f[j] != ':' && f[j] != ' '; j++)
		;
	if (!(j > k && j < len && f[j] == ':'))
		return false;
	msg->hostname.p = f + k;
	msg->hostname.len = j - k;
	*i = skip_spaces(f, len, j + 1);
	return true;
}

/*
 * The HOSTNAME after the timestamp, when the token there can be one; true
 * (and *i at what follows) when taken.  *no_tag: "host  text" (two SP)
 * has no TAG, the rest of the frame is MSG.
 */
static bool
read_hostname(const char *f, size_t len, size_t *i, struct syslog_msg *msg, bool *no_tag)
{
	size_t end = token_end(f, len, *i), j;

	if (!is_hostname(f + *i, end - *i))
		return false;
	msg->hostname.p = f + *i;
	msg->hostname.len = end - *i;
	if (msg->hostname.len > RFC5424_HOSTNAME_MAX) {
		msg->hostname.len = RFC5424_HOSTNAME_MAX;
		msg->flags |= MSG_FLAG_FIELD_TRUNCATED;
	}
	j = end;
	if (j < len)
		j++;
	if (j < len && f[j] == ' ') {
		*no_tag = true;
		*i = skip_spaces(f, len, j);
		return true;
	}
	/* Cisco FTD "host : %FTD-6-..." */
	if (j + 1 < len && f[j] == ':' && f[j + 1] == ' ')
		j += 2;
	*i = j;
	return true;
}

/*
 * HP ProCurve: "HOST 00076 ports: port 2 is now on-line", a five-digit
 * event number before the TAG, goes to msgid (rsyslog and syslog-ng take
 * "00076" as the TAG and "ports: ..." as MSG).
 */
static void
read_procurve_event(const char *f, size_t len, size_t *i, struct syslog_msg *msg)
{
	size_t j = *i, k;

	for (k = j; k < len && k - j < 5 && is_digit(f[k]); k++)
		;
	if (k - j != 5 || k + 1 >= len || f[k] != ' ')
		return;
	for (k++; k < len && f[k] != ' ' && f[k] != ':' && f[k] != '['; k++)
		;
	if (k == j + 6 || k >= len || (f[k] != ':' && f[k] != '['))
		return;
	msg->msgid.p = f + j;
	msg->msgid.len = 5;
	*i = j + 6;
}

/* "date=2019-05-10" or "time=11:37:47" at f[j]: the value's start, or 0. */
static size_t
fortigate_value(const char *f, size_t len, size_t j, const char *key, size_t n)
{
	size_t klen = strlen(key);

	if (j > len || len - j < klen + n || memcmp(f + j, key, klen) != 0)
		return 0;
	if (len - j > klen + n && f[j + klen + n] != ' ')
		return 0;
	return j + klen;
}

/*
 * FortiGate (FortiOS 5.x-7.x) sends key=value text without a syslog
 * header: "date=2019-05-10 time=11:37:47 devname="FG100E" ...".  Its date
 * and time are the timestamp (zone-less: the input's timezone; FortiOS 6.2
 * adds tz="+0200", which gives the offset), devname the HOSTNAME; MSG
 * stays the whole key=value text, for the rulebases.  No peer reads it
 * (rsyslog and syslog-ng keep it as MSG with the receipt time).
 */
static bool
read_fortigate(const char *f, size_t len, size_t i, const struct syslog_clock *clock,
    struct syslog_msg *msg)
{
	char iso[26];
	size_t d, t, used, j, k;
	const char *tz;
	unsigned flags = 0;

	if ((d = fortigate_value(f, len, i, "date=", 10)) == 0 ||
	    (t = fortigate_value(f, len, d + 11, "time=", 8)) == 0)
		return false;
	memcpy(iso, f + d, 10);
	iso[10] = ' ';
	memcpy(iso + 11, f + t, 8);
	used = 19;
	/* tz="+0200" anywhere in the first 4 KB (FortiOS puts it near the end) */
	tz = memmem(f + t, (len - t < 4096 ? len - t : 4096), " tz=\"", 5);
	if (tz != NULL && (size_t)(tz - f) + 11 <= len && (tz[5] == '+' || tz[5] == '-') &&
	    tz[10] == '"') {
		memcpy(iso + 19, tz + 5, 5);
		used = 24;
	}
	if (syslog_time_read_iso(iso, used, false, clock, &k, &msg->time, &flags) != 0 || k != used)
		return false;
	msg->flags |= flags;
	msg->timestamp.p = f + i;
	msg->timestamp.len = t + 8 - i;
	/* devname="FG100E" or devname=FG100E right after the time */
	j = t + 8;
	if (len - j > 9 && f[j] == ' ' && memcmp(f + j + 1, "devname=", 8) == 0) {
		char stop = ' ';

		j += 9;
		if (j < len && f[j] == '"') {
			stop = '"';
			j++;
		}
		for (k = j; k < len && f[k] != stop && k - j <= RFC5424_HOSTNAME_MAX; k++)
			;
		if (k > j && k - j <= RFC5424_HOSTNAME_MAX && is_hostname(f + j, k - j)) {
			msg->hostname.p = f + j;
			msg->hostname.len = k - j;
		}
	}
	return true;
}

/* MSG: from i to the end, without the trailing CR/LF. */
static void
set_msg(const char *f, size_t len, size_t i, struct syslog_msg *msg)
{
	size_t end = len;

	while (end > i && (f[end - 1] == '\n' || f[end - 1] == '\r'))
		end--;
	msg->msg.p = f + i;
	msg->msg.len = end - i;
}

/* Each part in wire order; a part that is not there leaves i where it was. */
int
rfc3164_parse(const char *f, size_t len, const struct syslog_clock *clock, struct syslog_msg *msg)
{
	size_t i = 0, after_pri, start;
	bool have_host, have_time, no_tag = false, from_hostname = false;

	if (read_pri(f, len, &i, &after_pri, msg) == -1)
		return -1;
	have_host = read_sequence_number(f, len, &i, clock, msg);
	/* NX-OS "<190>: 2017 Mar 06 ...": an empty sequence number (syslog-ng takes it too) */
	start = i;
	if (msg->seqno.p == NULL && len - i > 2 && f[i] == ':' && f[i + 1] == ' ')
		i = skip_spaces(f, len, i + 1);
	have_time = read_timestamp(f, len, &i, clock, msg) == 0;
	if (!have_time) {
		i = start;
		if (!have_host && msg->seqno.p == NULL && read_fortigate(f, len, i, clock, msg)) {
			if (msg->hostname.p == NULL)
				msg->flags |= MSG_FLAG_NO_HOSTNAME;
			set_msg(f, len, i, msg);
			return 0;
		}
		msg->flags |= MSG_FLAG_NO_TIMESTAMP;
	}
	i = skip_spaces(f, len, i);
	/* without a timestamp the first word cannot be told from a TAG: no host */
	if (have_time && !have_host)
		have_host = read_forwarded_from(f, len, &i, msg);
	if (have_time && !have_host)
		have_host = from_hostname = read_hostname(f, len, &i, msg, &no_tag);
	if (!have_host)
		msg->flags |= MSG_FLAG_NO_HOSTNAME;
	if (from_hostname && !no_tag)
		read_procurve_event(f, len, &i, msg);
	if (!no_tag && !read_cisco_mnemonic(f, len, i, &msg->msgid) &&
	    !read_tag(f, len, &i, have_time, msg) && !have_time && msg->seqno.p == NULL)
		i = after_pri; /* policy: a header-less line stays whole, leading blanks too */
	set_msg(f, len, i, msg);
	return 0;
}
