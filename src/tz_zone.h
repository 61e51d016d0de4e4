/*
 * tz_zone.h: the rules of one IANA time zone ("Europe/Paris"), read once
 * from its tzfile(5) (TZif) file into a table of UTC transitions, so that
 * worker threads can turn a zone-less wall-clock time into an instant with
 * the DST rules of that time's own date, without localtime_r, the TZ
 * variable or any libc zone state.
 *
 * A zone is immutable once loaded and lives until the process exits:
 * tz_zone_get keeps every zone it loaded (at most TZ_ZONE_MAX names), so a
 * pointer handed to a worker never dangles across a reload.
 */
#ifndef LOGWARD_TZ_ZONE_H
#define LOGWARD_TZ_ZONE_H

#include <stddef.h>
#include <stdint.h>

struct tz_zone;

/* Distinct zone names a process loads; one more is a configuration error. */
#define TZ_ZONE_MAX 64
/* A TZif file larger than this is refused (the largest in tzdata is ~4 KB). */
#define TZ_FILE_MAX 65536
/* Transitions in a TZif file; more are refused (Europe/Paris has 184). */
#define TZ_TRANSITIONS_MAX 2000
/* Transitions that the footer's rule adds, up to this year (the parsers' last). */
#define TZ_RULE_LAST_YEAR 2200

/* How a wall-clock time fit the zone (tz_zone_local_to_epoch). */
enum tz_fit {
	TZ_FIT_EXACT = 0,   /* one instant has this wall-clock time */
	TZ_FIT_AMBIGUOUS,   /* two do (the hour a clock goes back) */
	TZ_FIT_NONEXISTENT, /* none does (the hour a clock skips) */
};

/*
 * The zone called name, loaded from $TZDIR (default /usr/share/zoneinfo)
 * on first use and kept.  name must be an IANA name: letters, digits and
 * "/_+-", no "..", not absolute, at most 255 bytes.  NULL with err set
 * ("unknown time zone ...: No such file or directory") on failure.  Not
 * thread-safe: call from the thread that loads configuration.
 */
const struct tz_zone *tz_zone_get(const char *name, char *err, size_t errlen);

/*
 * Parse a TZif file's bytes (version 1, or the 64-bit part of 2 and later
 * with its footer's rule carried to TZ_RULE_LAST_YEAR).  Caller frees with
 * tz_zone_free.  NULL with err set when the data is not a TZif file this
 * reader accepts (leap-second "right/" zones are refused).
 */
struct tz_zone *tz_zone_parse(const unsigned char *buf, size_t len, char *err, size_t errlen);
void tz_zone_free(struct tz_zone *z); /* NULL is fine */

/* Its name as given to tz_zone_get ("" for tz_zone_parse). */
const char *tz_zone_name(const struct tz_zone *z);

/* Seconds east of UTC in force at instant t. */
int32_t tz_zone_offset_at(const struct tz_zone *z, int64_t t);

/*
 * The instant of wall-clock time wall (its fields read as if UTC) in zone
 * z; *offset gets the seconds east of UTC in force at that instant.  An
 * ambiguous or nonexistent wall time is resolved as syslog-ng resolves it
 * (tz_zone.c says how) and said by the return value.
 */
enum tz_fit tz_zone_local_to_epoch(
    const struct tz_zone *z, int64_t wall, int64_t now, int64_t *epoch, int32_t *offset);

#endif
