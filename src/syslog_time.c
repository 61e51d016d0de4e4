/*
 * syslog_time.c: the times of syslog (syslog_time.h): RFC 3339 / ISO 8601
 * and BSD "Mmm dd hh:mm:ss" timestamps read, the local zone applied to
 * zone-less ones, and times written as RFC 3339 UTC.  Calendar arithmetic
 * is proleptic Gregorian by the era method: no table, and no libc zone
 * state except localtime_r behind a per-thread cache.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "json_writer.h"
#include "syslog_time.h"
#include "tz_zone.h"

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
syslog_time_days_from_civil(int64_t y, unsigned m, unsigned d)
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
syslog_time_days_in_month(int64_t y, unsigned m)
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
syslog_time_local_to_epoch(int64_t wall, int *offset)
{
	int off1, off2;

	off1 = local_offset_at(wall);
	off2 = local_offset_at(wall - off1);
	*offset = off2;
	return wall - off2;
}

/*
 * The digits of a fraction at p[*i] (after its separator): at most 6
 * kept, the rest cut (SYSLOG_TIME_FRACTION_CUT); *usec gets microseconds.
 * Returns the digits kept.
 */
static unsigned
read_fraction(const char *p, size_t len, size_t *i, uint32_t *usec, unsigned *flags)
{
	unsigned n = 0, kept;
	uint32_t v = 0;

	for (; *i < len && p[*i] >= '0' && p[*i] <= '9'; (*i)++) {
		if (n < 6) {
			v = v * 10 + (uint32_t)(p[*i] - '0');
			n++;
		} else
			*flags |= SYSLOG_TIME_FRACTION_CUT;
	}
	for (kept = n; n < 6; n++)
		v *= 10;
	*usec = v;
	return kept;
}

/*
 * The zone names devices print after a BSD time, with their fixed offsets
 * (minutes east of UTC).  Only names that mean one offset wherever a
 * syslog device is: IST (India, Ireland, Israel) is not here, and CST is
 * North American Central, as network gear configured with "clock timezone
 * CST -6" prints it.  A name not here is flagged, and the time read as
 * local time: never a silent guess.
 */
static const struct {
	char name[6];
	int16_t minutes;
} zone_names[] = {
	{ "UTC", 0 }, { "GMT", 0 }, { "UT", 0 }, { "WET", 0 }, { "WEST", 60 },
	{ "BST", 60 }, { "CET", 60 }, { "MET", 60 }, { "CEST", 120 }, { "MEST", 120 },
	{ "EET", 120 }, { "EEST", 180 }, { "MSK", 180 }, { "EST", -300 }, { "EDT", -240 },
	{ "CST", -360 }, { "CDT", -300 }, { "MST", -420 }, { "MDT", -360 }, { "PST", -480 },
	{ "PDT", -420 }, { "AKST", -540 }, { "AKDT", -480 }, { "HST", -600 }, { "JST", 540 },
	{ "KST", 540 }, { "HKT", 480 }, { "SGT", 480 }, { "AWST", 480 }, { "ACST", 570 },
	{ "ACDT", 630 }, { "AEST", 600 }, { "AEDT", 660 }, { "NZST", 720 }, { "NZDT", 780 },
};

/* The offset of the zone name p[0..n); false when it is not in zone_names. */
static bool
zone_offset(const char *p, size_t n, int *minutes)
{
	size_t i;

	for (i = 0; i < sizeof(zone_names) / sizeof(zone_names[0]); i++)
		if (strlen(zone_names[i].name) == n && memcmp(zone_names[i].name, p, n) == 0) {
			*minutes = zone_names[i].minutes;
			return true;
		}
	return false;
}

/* A zone-less wall-clock time in a configured zone (tz_zone.h): flagged when the zone has it twice or never. */
static void __attribute__((noinline))
set_zone_local(struct msg_time *t, int64_t wall, const struct syslog_clock *clock,
    unsigned *flags)
{
	int32_t zone_offset;

	switch (tz_zone_local_to_epoch(clock->zone, wall, (int64_t)clock->now, &t->epoch,
	    &zone_offset)) {
	case TZ_FIT_AMBIGUOUS:
		*flags |= SYSLOG_TIME_AMBIGUOUS;
		break;
	case TZ_FIT_NONEXISTENT:
		*flags |= SYSLOG_TIME_NONEXISTENT;
		break;
	case TZ_FIT_EXACT:
		break;
	}
	t->tz_offset = (int16_t)(zone_offset / 60);
}

/*
 * A zone-less wall-clock time is local time in the input's zone (or the
 * collector's): its epoch and the offset that applied.  The zone's path
 * is out of line so that the default one stays as short as it was.
 */
static inline void
set_local(struct msg_time *t, int64_t wall, const struct syslog_clock *clock, unsigned *flags)
{
	int offset;

	if (clock->zone != NULL) {
		set_zone_local(t, wall, clock, flags);
		return;
	}
	t->epoch = syslog_time_local_to_epoch(wall, &offset);
	t->tz_offset = (int16_t)(offset / 60);
}

int
syslog_time_read_iso(const char *p, size_t len, bool strict, const struct syslog_clock *clock,
    size_t *used, struct msg_time *t, unsigned *flags)
{
	size_t i = 0;
	int y, mo, d, h, mi, s, oh, om, sign;
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
	    (unsigned)d > syslog_time_days_in_month(y, (unsigned)mo))
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
	/* RFC 5424 6.2.3.1: "." 1*6DIGIT; ISO 8601 and log4j also write "," */
	if (i < len && (p[i] == '.' || (!strict && p[i] == ','))) {
		i++;
		ndigits = read_fraction(p, len, &i, &usec, flags);
		if (ndigits == 0 && strict)
			goto bad;
		t->frac_digits = (uint8_t)ndigits;
	}
	wall = syslog_time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
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
	} else
		set_local(t, wall, clock, flags);
	t->usec = usec;
	t->present = true;
	*used = i;
	return 0;
bad:
	*used = i;
	memset(t, 0, sizeof(*t));
	return -1;
}

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

/* A four-digit year (1970..2199) at f[i] followed by SP or the end. */
static int
read_year(const char *f, size_t len, size_t i)
{
	size_t j = i;
	int y = read_digits(f, len, &j, 4);

	if (y < 1970 || y > 2199 || (j < len && f[j] != ' '))
		return -1;
	return y;
}

/* Year and month (1..12) of the receipt time in the input's zone. */
static void
local_year_month(const struct syslog_clock *clock, int64_t *year, unsigned *month)
{
	int offset;
	int64_t local, days, y, doe, yoe, doy, mp;

	if (clock->zone != NULL)
		offset = tz_zone_offset_at(clock->zone, (int64_t)clock->now);
	else
		(void)syslog_time_local_to_epoch((int64_t)clock->now, &offset);
	local = (int64_t)clock->now + offset;
	days = (local >= 0 ? local : local - 86399) / 86400 + 719468;
	y = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - y * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*year = yoe + y * 400 + (mp >= 10);
	*month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
}

/*
 * The year of a year-less time of month mo received at now: the receipt
 * year, except a December message received in January (last year) and a
 * January message received in December (next year).  This is syslog-ng's
 * rule (determine_year_for_month); rsyslog and Graylog take the receipt
 * year always.  A log is almost never from the future: the old "nearest
 * year" rule dated a Cisco "*Mar  1" received in December 85 days ahead.
 * *wrapped: the year is not the receipt year.
 */
static int64_t
year_for_month(unsigned mo, const struct syslog_clock *clock, bool *wrapped)
{
	unsigned now_month;
	int64_t year;

	local_year_month(clock, &year, &now_month);
	*wrapped = true;
	if (mo == 12 && now_month == 1)
		return year - 1;
	if (mo == 1 && now_month == 12)
		return year + 1;
	*wrapped = false;
	return year;
}

/*
 * "Mmm dd [yyyy] hh:mm:ss[.frac] [yyyy] [ZONE]" at f[*i].  Returns 0 and
 * advances *i past it, or -1.
 */
int
syslog_time_read_bsd(const char *f, size_t len, size_t *i, const struct syslog_clock *clock,
    struct msg_time *t, unsigned *flags)
{
	size_t j = *i, zone;
	unsigned mo, d;
	int h, mi, s, zone_minutes = 0;
	int64_t y = -1, wall;
	uint32_t usec = 0;
	bool wrapped;

	/* Cisco NX-OS: "yyyy Mmm dd hh:mm:ss" */
	if (len - j > 5 && is_digit(f[j]) && f[j + 4] == ' ' && (y = read_year(f, len, j)) >= 0)
		j += 5;
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
	if (y < 0 && j + 4 < len && f[j + 4] == ' ' && (y = read_year(f, len, j)) >= 0)
		j += 5;
	if ((h = read_digits(f, len, &j, 2)) < 0 || h > 23 || j >= len ||
	    f[j++] != ':')
		return -1;
	if ((mi = read_digits(f, len, &j, 2)) < 0 || mi > 59 || j >= len ||
	    f[j++] != ':')
		return -1;
	if ((s = read_digits(f, len, &j, 2)) < 0 || s > 60)
		return -1;
	if (j < len && (f[j] == '.' || f[j] == ',')) {
		j++;
		t->frac_digits = (uint8_t)read_fraction(f, len, &j, &usec, flags);
	}
	if (y < 0 && j + 1 < len && f[j] == ' ' &&
	    (y = read_year(f, len, j + 1)) >= 0)
		j += 5;
	/* Cisco "hh:mm:ss.mmm ZONE:": a name of 3 to 5 capitals before a colon */
	t->tz_known = false;
	if (j + 1 < len && f[j] == ' ') {
		for (zone = j + 1; zone < len && zone - j <= 5 &&
		    f[zone] >= 'A' && f[zone] <= 'Z'; zone++)
			;
		if (zone < len && f[zone] == ':' && zone - j >= 4) {
			if (zone_offset(f + j + 1, zone - j - 1, &zone_minutes))
				t->tz_known = true;
			else
				*flags |= SYSLOG_TIME_ZONE_UNKNOWN;
			j = zone;
		}
	}
	if (y >= 0) {
		if (d > syslog_time_days_in_month(y, mo))
			return -1;
		wall = syslog_time_days_from_civil(y, mo, d) * 86400 +
		    h * 3600 + mi * 60 + s;
	} else {
		/* an invalid date of that year (Feb 29) is as invalid as Feb 30 */
		y = year_for_month(mo, clock, &wrapped);
		if (d > syslog_time_days_in_month(y, mo))
			return -1;
		wall = syslog_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
		if (wrapped)
			*flags |= SYSLOG_TIME_YEAR_GUESSED;
	}
	if (t->tz_known) {
		t->tz_offset = (int16_t)zone_minutes;
		t->epoch = wall - zone_minutes * 60;
	} else
		set_local(t, wall, clock, flags);
	t->usec = usec;
	t->present = true;
	*i = j;
	return 0;
}

static char *
put2(char *p, unsigned v)
{
	memcpy(p, json_digit_pairs + 2 * v, 2);
	return p + 2;
}

/*
 * Civil date from days since 1970-01-01 (proleptic Gregorian), by the
 * era/day-of-era method, so no libc time zone state is touched.
 */
size_t
syslog_time_format(char *buf, size_t cap, int64_t epoch, uint32_t usec)
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;
	char *p = buf;
	uint32_t u;

	/* RFC 3339 5.6: four-digit years only */
	if (cap < 28 || usec > 999999 || epoch < -62167219200LL ||
	    epoch > 253402300799LL)
		return 0;
	days = epoch / 86400;
	secs = epoch % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	*p++ = '-';
	p = put2(p, (unsigned)m);
	*p++ = '-';
	p = put2(p, (unsigned)d);
	*p++ = 'T';
	p = put2(p, (unsigned)(secs / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(secs % 60));
	*p++ = '.';
	u = usec;
	p = put2(p, u / 10000);
	p = put2(p, u / 100 % 100);
	p = put2(p, u % 100);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}
