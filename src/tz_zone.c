/*
 * tz_zone.c: IANA time zones from their tzfile(5) files (tz_zone.h).
 *
 * Why not libc: localtime_r follows the process-wide TZ, and switching TZ
 * per input under worker threads is a data race; glibc has no per-zone
 * call (tzalloc/localtime_rz are NetBSD's and tzcode's, not Debian's
 * glibc), and ICU is a large C++ dependency for one lookup.  The TZif
 * format (RFC 8536) is small: a sorted table of UTC transitions and the
 * offset after each, plus (version 2 and later) a POSIX TZ rule for the
 * years after the table, which is expanded here into more rows so that a
 * lookup is one binary search.  The file is read once, at configuration
 * load, and everything in it is bounded and checked (fuzz/fuzz_tz_zone.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syslog_time.h"
#include "tz_zone.h"

/* Offsets further than this from UTC are refused (tzdata's range is -12..+14 h). */
#define TZ_OFFSET_MAX (26 * 3600)
/* Transitions the footer rule may add: two a year. */
#define TZ_RULE_ROWS (2 * (TZ_RULE_LAST_YEAR - 1900 + 2))

struct tz_zone {
	char name[256];
	size_t n;	 /* transitions */
	int64_t *at;	 /* their UTC instants, strictly ascending */
	int32_t *after;	 /* seconds east of UTC from at[i] on */
	int32_t initial; /* before at[0] (RFC 8536 3.2: the first time type) */
};

/* A bounded view of the file. */
struct tz_reader {
	const unsigned char *p;
	size_t len, pos;
};

/* The counts of a TZif header (RFC 8536 3.1). */
struct tz_header {
	int version; /* 1, 2, 3, 4 */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* A date of a POSIX TZ rule: Jn, n or Mm.w.d. */
struct tz_rule_date {
	char kind; /* 'J', 'n' or 'M' */
	int a, b, c;
	int32_t time; /* seconds after local midnight (may be negative, or past 24 h) */
};

/* The footer's POSIX TZ string. */
struct tz_rule {
	int32_t std, dst; /* seconds east of UTC */
	bool has_dst;
	struct tz_rule_date start, end;
};

static bool
take(struct tz_reader *r, size_t n, const unsigned char **out)
{
	if (r->len - r->pos < n)
		return false;
	*out = r->p + r->pos;
	r->pos += n;
	return true;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The 44-byte header; its counts checked against our bounds. */
static const char *
read_header(struct tz_reader *r, struct tz_header *h)
{
	const unsigned char *p;

	if (!take(r, 44, &p))
		return "truncated header";
	if (memcmp(p, "TZif", 4) != 0)
		return "not a TZif file";
	if (p[4] == 0)
		h->version = 1;
	else if (p[4] >= '2' && p[4] <= '4')
		h->version = p[4] - '0';
	else
		return "unknown TZif version";
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->leapcnt != 0)
		return "leap-second (right/) zones are not supported";
	if (h->timecnt > TZ_TRANSITIONS_MAX)
		return "too many transitions";
	if (h->typecnt < 1 || h->typecnt > 256 || h->isutcnt > h->typecnt ||
	    h->isstdcnt > h->typecnt || h->charcnt > TZ_FILE_MAX)
		return "bad counts";
	return NULL;
}

/* Bytes of the data block after header h, with times of tsize bytes. */
static size_t
block_size(const struct tz_header *h, size_t tsize)
{
	return (size_t)h->timecnt * (tsize + 1) + (size_t)h->typecnt * 6 + h->charcnt +
	       h->isstdcnt + h->isutcnt;
}

/* The transitions and their types into z (capacity for the rule rows made by the caller). */
static const char *
read_block(struct tz_reader *r, const struct tz_header *h, size_t tsize, struct tz_zone *z)
{
	const unsigned char *times, *idx, *types, *rest;
	uint32_t i;
	int32_t off;

	if (!take(r, (size_t)h->timecnt * tsize, &times) || !take(r, h->timecnt, &idx) ||
	    !take(r, (size_t)h->typecnt * 6, &types) ||
	    !take(r, (size_t)h->charcnt + h->isstdcnt + h->isutcnt, &rest))
		return "truncated data";
	for (i = 0; i < h->typecnt; i++) {
		off = (int32_t)be32(types + 6 * i);
		if (off < -TZ_OFFSET_MAX || off > TZ_OFFSET_MAX)
			return "offset out of range";
	}
	z->initial = (int32_t)be32(types);
	for (i = 0; i < h->timecnt; i++) {
		z->at[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (i > 0 && z->at[i] <= z->at[i - 1])
			return "transitions out of order";
		if (idx[i] >= h->typecnt)
			return "bad type index";
		z->after[i] = (int32_t)be32(types + 6 * idx[i]);
	}
	z->n = h->timecnt;
	return NULL;
}

/* A POSIX TZ name: 3+ letters, or <...> of letters, digits, '+' and '-'. */
static bool
rule_name(const char **s)
{
	const char *p = *s;

	if (*p == '<') {
		for (p++; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			  (*p >= '0' && *p <= '9') || *p == '+' || *p == '-';
		     p++)
			;
		if (*p != '>' || p - *s < 4)
			return false;
		*s = p + 1;
		return true;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	if (p - *s < 3)
		return false;
	*s = p;
	return true;
}

/* A number of at most 3 digits, within lo..hi. */
static bool
rule_number(const char **s, int lo, int hi, int *v)
{
	int n = 0, k = 0;

	while (**s >= '0' && **s <= '9' && k < 3) {
		n = n * 10 + (*(*s)++ - '0');
		k++;
	}
	if (k == 0 || n < lo || n > hi)
		return false;
	*v = n;
	return true;
}

/* [+-]hh[:mm[:ss]] with hh at most max_hours: seconds. */
static bool
rule_time(const char **s, int max_hours, int32_t *secs)
{
	int sign = 1, h, m = 0, sec = 0;

	if (**s == '+' || **s == '-')
		sign = *(*s)++ == '-' ? -1 : 1;
	if (!rule_number(s, 0, max_hours, &h))
		return false;
	if (**s == ':') {
		(*s)++;
		if (!rule_number(s, 0, 59, &m))
			return false;
		if (**s == ':') {
			(*s)++;
			if (!rule_number(s, 0, 59, &sec))
				return false;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + sec);
	return true;
}

/* ",Jn[/time]", ",n[/time]" or ",Mm.w.d[/time]"; the time defaults to 02:00. */
static bool
rule_date(const char **s, struct tz_rule_date *d)
{
	if (*(*s)++ != ',')
		return false;
	if (**s == 'M') {
		(*s)++;
		d->kind = 'M';
		if (!rule_number(s, 1, 12, &d->a) || *(*s)++ != '.' ||
		    !rule_number(s, 1, 5, &d->b) || *(*s)++ != '.' || !rule_number(s, 0, 6, &d->c))
			return false;
	} else if (**s == 'J') {
		(*s)++;
		d->kind = 'J';
		if (!rule_number(s, 1, 365, &d->a))
			return false;
	} else {
		d->kind = 'n';
		if (!rule_number(s, 0, 365, &d->a))
			return false;
	}
	d->time = 7200;
	/* RFC 8536 3.3.1: the time may be -167..167 hours */
	if (**s == '/') {
		(*s)++;
		return rule_time(s, 167, &d->time);
	}
	return true;
}

/* The footer "std offset [dst [offset] ,start[/time],end[/time]]" (POSIX; offsets west-positive).
 */
static const char *
rule_parse(const char *s, struct tz_rule *rule)
{
	int32_t west;

	memset(rule, 0, sizeof(*rule));
	if (!rule_name(&s) || !rule_time(&s, 24, &west))
		return "bad footer rule";
	rule->std = -west;
	if (*s == '\0')
		return NULL;
	if (!rule_name(&s))
		return "bad footer rule";
	rule->has_dst = true;
	rule->dst = rule->std + 3600;
	if (*s != ',' && *s != '\0') {
		if (!rule_time(&s, 24, &west))
			return "bad footer rule";
		rule->dst = -west;
	}
	/* without dates the rule is implementation-defined: refuse rather than guess */
	if (!rule_date(&s, &rule->start) || !rule_date(&s, &rule->end) || *s != '\0')
		return "bad footer rule";
	return NULL;
}

static bool
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Local midnight (as if UTC) of a rule date in year y, plus its time. */
static int64_t
rule_wall(const struct tz_rule_date *d, int64_t y)
{
	int64_t days, first;
	int wd, day, dim;

	if (d->kind == 'J')
		days = syslog_time_days_from_civil(y, 1, 1) + d->a - 1 + (is_leap(y) && d->a >= 60);
	else if (d->kind == 'n')
		days = syslog_time_days_from_civil(y, 1, 1) + d->a;
	else {
		first = syslog_time_days_from_civil(y, (unsigned)d->a, 1);
		wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		day = 1 + (d->c - wd + 7) % 7 + (d->b - 1) * 7;
		dim = (int)syslog_time_days_in_month(y, (unsigned)d->a);
		while (day > dim)
			day -= 7;
		days = first + day - 1;
	}
	return days * 86400 + d->time;
}

/* Append a transition when it follows the last one. */
static void
append(struct tz_zone *z, int64_t at, int32_t after)
{
	if (z->n > 0 && at <= z->at[z->n - 1])
		return;
	z->at[z->n] = at;
	z->after[z->n] = after;
	z->n++;
}

/* The footer's DST rule as rows, from the table's last year to TZ_RULE_LAST_YEAR. */
static void
rule_expand(struct tz_zone *z, const struct tz_rule *rule)
{
	int64_t y, first, s, e;

	if (!rule->has_dst)
		return;
	first = z->n > 0 ? 1970 + z->at[z->n - 1] / 31556952 - 1 : 1970;
	if (first < 1900)
		first = 1900;
	for (y = first; y <= TZ_RULE_LAST_YEAR; y++) {
		/* start is in standard time, end in daylight time */
		s = rule_wall(&rule->start, y) - rule->std;
		e = rule_wall(&rule->end, y) - rule->dst;
		if (s < e) {
			append(z, s, rule->dst);
			append(z, e, rule->std);
		} else {
			append(z, e, rule->std);
			append(z, s, rule->dst);
		}
	}
}

/* The footer: "\n" rule "\n" at the end of a version 2+ file. */
static const char *
read_footer(struct tz_reader *r, struct tz_zone *z)
{
	char buf[128];
	const unsigned char *nl;
	size_t n;
	struct tz_rule rule;
	const char *why;

	if (r->pos >= r->len || r->p[r->pos] != '\n')
		return "missing footer";
	r->pos++;
	nl = memchr(r->p + r->pos, '\n', r->len - r->pos);
	if (nl == NULL)
		return "unterminated footer";
	n = (size_t)(nl - (r->p + r->pos));
	if (n >= sizeof(buf))
		return "footer too long";
	memcpy(buf, r->p + r->pos, n);
	buf[n] = '\0';
	if (n == 0)
		return NULL; /* no rule: the last offset holds */
	if ((why = rule_parse(buf, &rule)) != NULL)
		return why;
	rule_expand(z, &rule);
	return NULL;
}

void
tz_zone_free(struct tz_zone *z)
{
	if (z == NULL)
		return;
	free(z->at);
	free(z->after);
	free(z);
}

struct tz_zone *
tz_zone_parse(const unsigned char *buf, size_t len, char *err, size_t errlen)
{
	struct tz_reader r = {buf, len, 0};
	struct tz_header h;
	struct tz_zone *z;
	const char *why;
	size_t cap;

	if ((why = read_header(&r, &h)) != NULL)
		goto refuse;
	if (h.version >= 2) {
		/* skip the 32-bit data; the 64-bit header and data follow */
		if (len - r.pos < block_size(&h, 4)) {
			why = "truncated data";
			goto refuse;
		}
		r.pos += block_size(&h, 4);
		if ((why = read_header(&r, &h)) != NULL)
			goto refuse;
	}
	cap = h.timecnt + TZ_RULE_ROWS;
	if ((z = calloc(1, sizeof(*z))) == NULL || (z->at = calloc(cap, sizeof(*z->at))) == NULL ||
	    (z->after = calloc(cap, sizeof(*z->after))) == NULL) {
		tz_zone_free(z);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	why = read_block(&r, &h, h.version >= 2 ? 8 : 4, z);
	if (why == NULL && h.version >= 2)
		why = read_footer(&r, z);
	if (why == NULL)
		return z;
	tz_zone_free(z);
refuse:
	snprintf(err, errlen, "%s", why);
	return NULL;
}

const char *
tz_zone_name(const struct tz_zone *z)
{
	return z->name;
}

/* The number of transitions at or before t. */
static size_t
transitions_upto(const struct tz_zone *z, int64_t t)
{
	size_t lo = 0, hi = z->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int32_t
tz_zone_offset_at(const struct tz_zone *z, int64_t t)
{
	size_t k = transitions_upto(z, t);

	return k == 0 ? z->initial : z->after[k - 1];
}

static bool
member(const int32_t *v, size_t n, int32_t o)
{
	while (n-- > 0)
		if (v[n] == o)
			return true;
	return false;
}

/*
 * Candidate offsets are those in force within a day and a bit of wall (no
 * offset is larger); an offset o fits when o is in force at wall - o.
 *
 * Two fit (the clock went back) or none (it jumped forward): syslog-ng
 * reads a zone-less time with the offset its time-zone() has at receipt
 * (modules/syslogformat/syslog-format.c, _syslog_format_parse_date passes
 * time_zone_info_get_offset(recv_time_zone_info, now) to
 * convert_and_normalize_wall_clock_time_to_unix_time_with_tz_hint), so we
 * take the receipt's offset when it is one of the candidates: for a
 * message received as it is sent that is also the offset its sender was
 * on.  Otherwise (a message read long after): for two fits the earlier
 * instant, the first time the clock showed it; in a gap the offset before
 * the jump, so 02:30 becomes 03:30 daylight time as mktime() and
 * syslog-ng's unix_time_fix_timezone_with_tzinfo (lib/timeutils/unixtime.c)
 * move it.
 */
enum tz_fit
tz_zone_local_to_epoch(
    const struct tz_zone *z, int64_t wall, int64_t now, int64_t *epoch, int32_t *offset)
{
	int32_t cand[8], fit[8], receipt, pick;
	size_t k = transitions_upto(z, wall - TZ_OFFSET_MAX - 3600), nc = 0, nf = 0, i;
	enum tz_fit how;

	cand[nc++] = k == 0 ? z->initial : z->after[k - 1];
	for (; k < z->n && z->at[k] <= wall + TZ_OFFSET_MAX + 3600 && nc < 8; k++)
		cand[nc++] = z->after[k];
	if (nc == 1) {
		*epoch = wall - cand[0];
		*offset = cand[0];
		return TZ_FIT_EXACT;
	}
	for (i = 0; i < nc; i++)
		if (tz_zone_offset_at(z, wall - cand[i]) == cand[i] && !member(fit, nf, cand[i]))
			fit[nf++] = cand[i];
	if (nf == 1) {
		pick = fit[0];
		how = TZ_FIT_EXACT;
	} else {
		receipt = tz_zone_offset_at(z, now);
		how = nf == 0 ? TZ_FIT_NONEXISTENT : TZ_FIT_AMBIGUOUS;
		pick = nf == 0 ? cand[0] : fit[0];
		for (i = 0; i < (nf == 0 ? nc : nf); i++) {
			int32_t o = nf == 0 ? cand[i] : fit[i];

			if (o == receipt) {
				pick = o;
				break;
			}
			/* two fits: the larger offset is the earlier instant; a gap: the smaller */
			if (nf == 0 ? o < pick : o > pick)
				pick = o;
		}
	}
	*epoch = wall - pick;
	*offset = tz_zone_offset_at(z, *epoch);
	return how;
}

/* An IANA name: no absolute path, no "..", nothing a shell or a path could misread. */
static bool
valid_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 255 || name[0] == '/')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '/' || c == '_' || c == '+' || c == '-'))
			return false;
	}
	return true;
}

/* The whole file at path into buf (at most TZ_FILE_MAX bytes); -1 with errno. */
static ssize_t
read_file(const char *path, unsigned char *buf)
{
	struct stat st;
	ssize_t got, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	memset(&st, 0, sizeof(st));

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		int saved = errno;

		if (S_ISDIR(st.st_mode))
			saved = EISDIR;
		else if (st.st_size > TZ_FILE_MAX)
			saved = EFBIG;
		close(fd);
		errno = saved;
		return -1;
	}
	while (total < TZ_FILE_MAX &&
	       (got = read(fd, buf + total, (size_t)(TZ_FILE_MAX - total))) != 0) {
		if (got == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		total += got;
	}
	close(fd);
	return total;
}

/* Every zone loaded, kept for the process's life (tz_zone.h). */
static struct tz_zone *loaded[TZ_ZONE_MAX];
static size_t n_loaded;

const struct tz_zone *
tz_zone_get(const char *name, char *err, size_t errlen)
{
	static unsigned char buf[TZ_FILE_MAX];
	const char *dir = getenv("TZDIR");
	char path[4096], why[128];
	struct tz_zone *z;
	ssize_t len;
	size_t i;

	for (i = 0; i < n_loaded; i++)
		if (strcmp(loaded[i]->name, name) == 0)
			return loaded[i];
	if (!valid_name(name)) {
		snprintf(err, errlen,
		    "invalid time zone name \"%.64s\" (expected an IANA name "
		    "such as \"Europe/Paris\")",
		    name);
		return NULL;
	}
	if (n_loaded == TZ_ZONE_MAX) {
		snprintf(err, errlen, "too many time zones (at most %d a process)", TZ_ZONE_MAX);
		return NULL;
	}
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((len = read_file(path, buf)) == -1) {
		snprintf(
		    err, errlen, "unknown time zone \"%s\" (%s: %s)", name, path, strerror(errno));
		return NULL;
	}
	if ((z = tz_zone_parse(buf, (size_t)len, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "time zone \"%s\" unreadable (%s: %s)", name, path, why);
		return NULL;
	}
	snprintf(z->name, sizeof(z->name), "%s", name);
	loaded[n_loaded++] = z;
	return z;
}
