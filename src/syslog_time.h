/*
 * syslog_time.h: the times of syslog messages.
 *
 * Reading: an RFC 3339 / ISO 8601 date-time (RFC 5424, and the ISO form of
 * RFC 3164 dialects) and the BSD "Mmm dd [yyyy] hh:mm:ss[.frac] [yyyy]
 * [ZONE:]" of RFC 3164; a time without offset is local time in the TZ
 * zone.  Writing: RFC 3339 UTC with microseconds, as every event carries.
 * Nothing here allocates; the local-zone lookups are cached per thread.
 */
#ifndef LOGWARD_SYSLOG_TIME_H
#define LOGWARD_SYSLOG_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A message's time, as read. */
struct msg_time {
	bool present;
	int64_t epoch;      /* seconds since 1970-01-01T00:00:00Z */
	uint32_t usec;      /* fraction, microseconds */
	uint8_t frac_digits; /* digits the sender gave (0..6) */
	bool tz_known;      /* offset given (Z or +hh:mm); else local time was assumed */
	int16_t tz_offset;  /* minutes east of UTC, as sent */
};

/* What a reader accepted but was not clean (the same bits as parse.h's MSG_FLAG_*). */
#define SYSLOG_TIME_FRACTION_CUT 0x0004u /* more than 6 fractional digits */
#define SYSLOG_TIME_YEAR_GUESSED 0x0080u /* a year-less BSD time not of the receipt year */
#define SYSLOG_TIME_ZONE_UNKNOWN 0x0200u /* a BSD time's zone name not known: read as local */
#define SYSLOG_TIME_AMBIGUOUS    0x0400u /* a zone-less time the configured zone has twice */
#define SYSLOG_TIME_NONEXISTENT  0x0800u /* a zone-less time the configured zone skips */
/* Every flag a reader may set (to take back when its timestamp is not kept). */
#define SYSLOG_TIME_FLAGS \
	(SYSLOG_TIME_FRACTION_CUT | SYSLOG_TIME_YEAR_GUESSED | SYSLOG_TIME_ZONE_UNKNOWN | \
	    SYSLOG_TIME_AMBIGUOUS | SYSLOG_TIME_NONEXISTENT)

struct tz_zone;

/*
 * What a zone-less time is read against: the receipt time (the year of a
 * year-less time) and the zone of its input (timezone = in logward.conf;
 * NULL: the collector's own, TZ).  In a configured zone, a wall-clock time
 * the zone has twice or never is resolved as tz_zone.h says and flagged
 * SYSLOG_TIME_AMBIGUOUS or SYSLOG_TIME_NONEXISTENT.
 */
struct syslog_clock {
	time_t now;
	const struct tz_zone *zone; /* not owned (tz_zone_get keeps it) */
};

/*
 * ISO 8601 / RFC 3339 date-time at p.  strict (RFC 5424 6.2.3): 'T' and
 * 'Z' upper case, '.' before a fraction.  Lenient (RFC 3164 dialects): 't'
 * or SP as separator, ',' before a fraction too.
 * A missing offset means local time in both.  More than 6 fractional
 * digits are cut (SYSLOG_TIME_FRACTION_CUT in *flags).  Returns 0 and
 * *used, or -1 with *used at the offending byte (*t zeroed).
 */
int syslog_time_read_iso(const char *p, size_t len, bool strict,
    const struct syslog_clock *clock, size_t *used, struct msg_time *t, unsigned *flags);

/*
 * BSD "[yyyy ]Mmm dd [yyyy] hh:mm:ss[.frac] [yyyy] [ZONE:]" at f[*i] (the
 * year first is Cisco NX-OS's; the
 * fraction after '.' or ','; a ZONE known by name gives its offset, an
 * unknown one sets SYSLOG_TIME_ZONE_UNKNOWN and the time is local).  A year-less time gets the receipt
 * year, except December received in January (last year) and January
 * received in December (next year), which set SYSLOG_TIME_YEAR_GUESSED;
 * a date that year does not have (Feb 29) is invalid.  Returns 0 and
 * advances *i past it, or -1 (then *t may be partly written).
 */
int syslog_time_read_bsd(const char *f, size_t len, size_t *i, const struct syslog_clock *clock,
    struct msg_time *t, unsigned *flags);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t syslog_time_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Days in month m (1..12) of year y; 0 for another m. */
unsigned syslog_time_days_in_month(int64_t y, unsigned m);
/* Local wall-clock seconds (as if UTC) to epoch in the TZ zone; *offset gets seconds east. */
int64_t syslog_time_local_to_epoch(int64_t wall, int *offset);

/*
 * Format a time as RFC 3339 UTC with microseconds: 2026-11-27T17:06:17.000123Z,
 * NUL-terminated.  Returns the length (27), or 0 when cap < 28, usec >
 * 999999 or the year is outside 0000..9999.
 */
size_t syslog_time_format(char *buf, size_t cap, int64_t epoch, uint32_t usec);

#endif
