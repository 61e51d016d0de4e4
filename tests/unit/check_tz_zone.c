/*
 * check_tz_zone.c: an input's timezone = (tz_zone.c): zone-less timestamps
 * read with the DST rules of their own date, from the system's tzdata
 * (/usr/share/zoneinfo, the Debian package tzdata), the DST change hours
 * resolved as syslog-ng resolves them and flagged, and the TZif reader's
 * refusals and bounds.  Expected instants were computed with Python's
 * zoneinfo (PEP 495: fold=0 is the earlier reading).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "tz_zone.h"
#include "unit.h"

#define TS (-1LL) /* no timestamp expected */

/*
 * The DST edges.  "now" is the receipt time: for the hour a clock skips
 * or repeats, syslog-ng reads the wall time with the offset its
 * time-zone() has at receipt (syslog-format.c, _syslog_format_parse_date:
 * time_zone_info_get_offset(recv_time_zone_info, now)); we do the same
 * when that offset is one of the two, which is also right for a message
 * received as it is sent.
 */
static const struct {
	const char *zone, *in;
	long long now, epoch;
	int offset;	/* minutes east, at the instant */
	unsigned flags; /* MSG_FLAG_TIME_AMBIGUOUS / _NONEXISTENT */
} zone_cases[] = {
    /* Europe/Paris, last Sunday of March 2026: 02:00 CET becomes 03:00 CEST */
    {"Europe/Paris", "<13>2026-03-29 01:59:59 h t: x", 1774699200, 1774745999, 60, 0},
    {"Europe/Paris", "<13>2026-03-29 03:00:00 h t: x", 1774699200, 1774746000, 120, 0},
    /* 02:30 does not exist: received in winter (+01:00) it is 01:30Z, 03:30 CEST
     * (mktime's and unixtime.c unix_time_fix_timezone_with_tzinfo's result too) */
    {"Europe/Paris", "<13>2026-03-29 02:30:00 h t: x", 1774699200, 1774747800, 120,
	MSG_FLAG_TIME_NONEXISTENT},
    /* ... received in summer (+02:00): syslog-ng reads it with +02:00 */
    {"Europe/Paris", "<13>2026-03-29 02:30:00 h t: x", 1774785600, 1774744200, 60,
	MSG_FLAG_TIME_NONEXISTENT},
    /* last Sunday of October 2026: 03:00 CEST becomes 02:00 CET, 02:30 is there twice */
    {"Europe/Paris", "<13>2026-10-25 01:59:59 h t: x", 1792889100, 1792886399, 120, 0},
    {"Europe/Paris", "<13>2026-10-25 03:00:00 h t: x", 1792889100, 1792893600, 60, 0},
    {"Europe/Paris", "<13>2026-10-25 02:30:00 h t: x", 1792889100, 1792888200, 120,
	MSG_FLAG_TIME_AMBIGUOUS},
    {"Europe/Paris", "<13>2026-10-25 02:30:00 h t: x", 1792892700, 1792891800, 60,
	MSG_FLAG_TIME_AMBIGUOUS},
    /* BSD form, year from the receipt, summer */
    {"Europe/Paris", "<13>Jul  1 12:00:00 h t: x", 1782864000, 1782900000, 120, 0},
    /* the receipt year is the zone's: 23:30Z on 31 Dec 2026 is 2027 in Paris */
    {"Europe/Paris", "<13>Jan  1 00:10:00 h t: x", 1798759800, 1798758600, 60, 0},
    /* past the table (2037): the footer's rule, last Sundays of 2100 */
    {"Europe/Paris", "<13>2100-07-01 12:00:00 h t: x", 1782864000, 4118119200LL, 120, 0},
    {"Europe/Paris", "<13>2100-03-28 02:30:00 h t: x", 1782864000, 4109877000LL, 60,
	MSG_FLAG_TIME_NONEXISTENT},
    {"Europe/Paris", "<13>2100-10-31 02:30:00 h t: x", 1782864000, 4128625800LL, 120,
	MSG_FLAG_TIME_AMBIGUOUS},
    /* America/New_York: 8 March 2026 02:00 EST skips to 03:00 EDT; 1 November 01:00-02:00 twice */
    {"America/New_York", "<13>2026-03-08 02:30:00 h t: x", 1772323200, 1772955000, -240,
	MSG_FLAG_TIME_NONEXISTENT},
    {"America/New_York", "<13>2026-11-01 01:30:00 h t: x", 1780272000, 1793511000, -240,
	MSG_FLAG_TIME_AMBIGUOUS},
    {"America/New_York", "<13>2026-11-01 01:30:00 h t: x", 1796083200, 1793514600, -300,
	MSG_FLAG_TIME_AMBIGUOUS},
    /* no DST at all */
    {"Asia/Kolkata", "<13>2026-07-04 12:00:00 h t: x", 1782864000, 1783146600, 330, 0},
    {"UTC", "<13>2026-03-29 02:30:00 h t: x", 1774699200, 1774751400, 0, 0},
    /* RFC 5424 without an offset is zone-less too */
    {"Europe/Paris", "<13>1 2026-07-01T12:00:00 h a - - - x", 1782864000, 1782900000, 120, 0},
    /* a time that says its offset or zone name keeps it */
    {"Europe/Paris", "<13>1 2026-07-01T12:00:00Z h a - - - x", 1782864000, 1782907200, 0, 0},
    {"Europe/Paris", "<13>Mar  6 2023 09:22:34 EST: h t: x", 1782864000, 1678112554, -300, 0},
};

/* TZDIR: the system's tzdata, whatever the environment says. */
static void
zoneinfo_setup(void)
{
	unit_dir_setup();
	setenv("TZDIR", "/usr/share/zoneinfo", 1);
}

START_TEST(test_zone_cases)
{
	char err[512];
	const struct tz_zone *z = tz_zone_get(zone_cases[_i].zone, err, sizeof(err));
	const char *in = zone_cases[_i].in;
	struct syslog_msg msg;

	ck_assert_msg(z != NULL, "%s (is tzdata installed?)", err);
	parse_message_zone(in, strlen(in), (time_t)zone_cases[_i].now, z, &msg);
	ck_assert_int_ne(msg.format, MSG_FORMAT_UNPARSED);
	ck_assert(msg.time.present);
	ck_assert_int_eq(msg.time.epoch, zone_cases[_i].epoch);
	ck_assert_int_eq(msg.time.tz_offset, zone_cases[_i].offset);
	ck_assert_uint_eq(msg.flags & (MSG_FLAG_TIME_AMBIGUOUS | MSG_FLAG_TIME_NONEXISTENT),
	    zone_cases[_i].flags);
}
END_TEST

/* Without a zone, TZ as before: the same line is read in the collector's zone. */
START_TEST(test_no_zone_is_tz)
{
	const char *in = "<13>2026-07-01 12:00:00 h t: x";
	struct syslog_msg msg;

	setenv("TZ", "UTC", 1);
	tzset();
	parse_message_zone(in, strlen(in), 1782864000, NULL, &msg);
	ck_assert_int_eq(msg.time.epoch, 1782907200);
	ck_assert_uint_eq(msg.flags & (MSG_FLAG_TIME_AMBIGUOUS | MSG_FLAG_TIME_NONEXISTENT), 0);
}
END_TEST

/* The same name is loaded once; a bad or unknown name is refused with why. */
START_TEST(test_names)
{
	char err[512];
	const struct tz_zone *a = tz_zone_get("Europe/Paris", err, sizeof(err));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(tz_zone_get("Europe/Paris", err, sizeof(err)), a);
	ck_assert_str_eq(tz_zone_name(a), "Europe/Paris");
	ck_assert_ptr_null(tz_zone_get("../../etc/passwd", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "invalid time zone name"));
	ck_assert_ptr_null(tz_zone_get("/etc/localtime", err, sizeof(err)));
	ck_assert_ptr_null(tz_zone_get("", err, sizeof(err)));
	ck_assert_ptr_null(tz_zone_get("Europe/Pari", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_ptr_null(tz_zone_get("Europe", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "directory"));
}
END_TEST

/* A TZif v1 file: n transitions one hour apart alternating two types. */
static size_t
tzif_v1(unsigned char *buf, size_t cap, unsigned n, int32_t off0, int32_t off1)
{
	unsigned char *p = buf;
	unsigned i;

	ck_assert_uint_ge(cap, 44 + n * 5 + 12 + 4);
	memset(p, 0, 44);
	memcpy(p, "TZif", 4);
#define PUT32(q, v)                                                                                \
	do {                                                                                       \
		uint32_t v_ = (uint32_t)(v);                                                       \
		(q)[0] = v_ >> 24;                                                                 \
		(q)[1] = v_ >> 16;                                                                 \
		(q)[2] = v_ >> 8;                                                                  \
		(q)[3] = v_;                                                                       \
	} while (0)
	PUT32(p + 32, n);
	PUT32(p + 36, 2);
	PUT32(p + 40, 4);
	p += 44;
	for (i = 0; i < n; i++, p += 4)
		PUT32(p, 1000000 + 3600 * (int64_t)i);
	for (i = 0; i < n; i++)
		*p++ = (unsigned char)(i % 2);
	PUT32(p, off0);
	p[4] = 0;
	p[5] = 0;
	PUT32(p + 6, off1);
	p[10] = 1;
	p[11] = 0;
	p += 12;
	memcpy(p, "AAA", 4);
	p += 4;
	return (size_t)(p - buf);
}

/* TZ_TRANSITIONS_MAX transitions are read; one more is refused. */
START_TEST(test_transitions_bound)
{
	static unsigned char buf[44 + (TZ_TRANSITIONS_MAX + 1) * 5 + 16];
	char err[128];
	struct tz_zone *z;
	size_t n;

	n = tzif_v1(buf, sizeof(buf), TZ_TRANSITIONS_MAX, 3600, 7200);
	z = tz_zone_parse(buf, n, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_int_eq(tz_zone_offset_at(z, 0), 3600);
	ck_assert_int_eq(tz_zone_offset_at(z, 1000000 + 3600), 7200);
	tz_zone_free(z);
	n = tzif_v1(buf, sizeof(buf), TZ_TRANSITIONS_MAX + 1, 3600, 7200);
	ck_assert_ptr_null(tz_zone_parse(buf, n, err, sizeof(err)));
	ck_assert_str_eq(err, "too many transitions");
}
END_TEST

/* Each fault in the file is refused, not read. */
START_TEST(test_refusals)
{
	unsigned char buf[256];
	char err[128];
	size_t n = tzif_v1(buf, sizeof(buf), 3, 3600, 7200), k;
	struct tz_zone *z = tz_zone_parse(buf, n, err, sizeof(err));

	ck_assert_msg(z != NULL, "%s", err);
	tz_zone_free(z);
	/* every truncation */
	for (k = 0; k < n; k++)
		ck_assert_ptr_null(tz_zone_parse(buf, k, err, sizeof(err)));
	buf[0] = 'X';
	ck_assert_ptr_null(tz_zone_parse(buf, n, err, sizeof(err)));
	ck_assert_str_eq(err, "not a TZif file");
	/* offsets past 26 hours (the bound) */
	n = tzif_v1(buf, sizeof(buf), 3, 26 * 3600, 7200);
	z = tz_zone_parse(buf, n, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	tz_zone_free(z);
	n = tzif_v1(buf, sizeof(buf), 3, 26 * 3600 + 1, 7200);
	ck_assert_ptr_null(tz_zone_parse(buf, n, err, sizeof(err)));
	ck_assert_str_eq(err, "offset out of range");
	/* transitions out of order */
	n = tzif_v1(buf, sizeof(buf), 3, 3600, 7200);
	PUT32(buf + 44 + 4, 0);
	ck_assert_ptr_null(tz_zone_parse(buf, n, err, sizeof(err)));
	ck_assert_str_eq(err, "transitions out of order");
	/* a type index past the types */
	n = tzif_v1(buf, sizeof(buf), 3, 3600, 7200);
	buf[44 + 12] = 2;
	ck_assert_ptr_null(tz_zone_parse(buf, n, err, sizeof(err)));
	ck_assert_str_eq(err, "bad type index");
	/* leap seconds (right/ zones) */
	n = tzif_v1(buf, sizeof(buf), 3, 3600, 7200);
	PUT32(buf + 28, 1);
	ck_assert_ptr_null(tz_zone_parse(buf, n, err, sizeof(err)));
}
END_TEST

/* The real Europe/Paris file: every truncation refused, a bad footer refused. */
START_TEST(test_real_file)
{
	static unsigned char buf[TZ_FILE_MAX];
	char err[128], *nl;
	struct tz_zone *z;
	ssize_t n;
	size_t k;
	int fd = open("/usr/share/zoneinfo/Europe/Paris", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_gt(n, 44);
	z = tz_zone_parse(buf, (size_t)n, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	tz_zone_free(z);
	for (k = 0; k < (size_t)n; k++) {
		z = tz_zone_parse(buf, k, err, sizeof(err));
		ck_assert_msg(z == NULL, "a %zu-byte prefix was accepted", k);
	}
	/* the footer "CET-1CEST,M3.5.0,M10.5.0/3": a month 13 is refused */
	buf[n - 1] = '\0';
	for (nl = (char *)buf + n - 2; nl > (char *)buf && *nl != '\n'; nl--)
		;
	ck_assert(*nl == '\n');
	ck_assert_ptr_nonnull(strstr(nl, "M10.5.0"));
	strstr(nl, "M10.5.0")[1] = '9';
	strstr(nl, "M90.5.0")[2] = '\0';
	buf[n - 1] = '\n';
	ck_assert_ptr_null(tz_zone_parse(buf, (size_t)n, err, sizeof(err)));
}
END_TEST

/* A zone file of TZ_FILE_MAX bytes is read (and judged); one byte more is refused unread. */
START_TEST(test_file_bound)
{
	static char big[TZ_FILE_MAX + 1];
	char err[512];
	FILE *fp;

	setenv("TZDIR", unit_dir, 1);
	memset(big, 'x', sizeof(big));
	fp = fopen(unit_path("Max"), "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(big, 1, TZ_FILE_MAX, fp), TZ_FILE_MAX);
	fclose(fp);
	fp = fopen(unit_path("Past"), "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(big, 1, TZ_FILE_MAX + 1, fp), TZ_FILE_MAX + 1);
	fclose(fp);
	ck_assert_ptr_null(tz_zone_get("Max", err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a TZif file") != NULL, "%s", err);
	ck_assert_ptr_null(tz_zone_get("Past", err, sizeof(err)));
	ck_assert_msg(strstr(err, "too large") != NULL, "%s", err);
}
END_TEST

/* TZ_ZONE_MAX names load; the next is refused (the process keeps every zone). */
START_TEST(test_zone_count_bound)
{
	static unsigned char buf[256];
	char err[512], name[16];
	size_t n = tzif_v1(buf, sizeof(buf), 1, 0, 3600);
	FILE *fp;
	int i;

	setenv("TZDIR", unit_dir, 1);
	for (i = 0; i <= TZ_ZONE_MAX; i++) {
		snprintf(name, sizeof(name), "Z%d", i);
		fp = fopen(unit_path(name), "w");
		ck_assert_ptr_nonnull(fp);
		ck_assert_uint_eq(fwrite(buf, 1, n, fp), n);
		fclose(fp);
	}
	for (i = 0; i < TZ_ZONE_MAX; i++) {
		snprintf(name, sizeof(name), "Z%d", i);
		ck_assert_msg(tz_zone_get(name, err, sizeof(err)) != NULL, "%s: %s", name, err);
	}
	snprintf(name, sizeof(name), "Z%d", TZ_ZONE_MAX);
	ck_assert_ptr_null(tz_zone_get(name, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "too many time zones"));
	/* one already loaded is still found */
	ck_assert_ptr_nonnull(tz_zone_get("Z0", err, sizeof(err)));
}
END_TEST

/* The zone costs no more than a bounded binary search (CPU time; reported). */
START_TEST(test_speed)
{
	char err[512];
	const struct tz_zone *z = tz_zone_get("Europe/Paris", err, sizeof(err));
	const char *line =
	    "<38>Jan 24 15:50:41 ip-172-31-30-110 sudo[6040]: "
	    "ec2-user : TTY=pts/0 ; PWD=/var/log ; USER=root ; COMMAND=/bin/tail secure";
	struct syslog_msg msg;
	struct timespec a, b;
	size_t len = strlen(line), i, n = 200000;
	double ns;

	ck_assert_ptr_nonnull(z);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (i = 0; i < n; i++)
		parse_message_zone(line, len, 1700000000, z, &msg);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
	printf("rfc3164 with timezone = Europe/Paris: %.0f ns per message\n", ns);
	ck_assert_int_eq(msg.time.epoch, 1674571841);
	ck_assert_msg(ns < 5000, "%.0f ns per message", ns);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("tz_zone");
	TCase *tc = tcase_create("zones");

	tcase_add_checked_fixture(tc, zoneinfo_setup, unit_dir_teardown);
	tcase_add_loop_test(
	    tc, test_zone_cases, 0, (int)(sizeof(zone_cases) / sizeof(zone_cases[0])));
	tcase_add_test(tc, test_no_zone_is_tz);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_transitions_bound);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_real_file);
	tcase_add_test(tc, test_file_bound);
	tcase_add_test(tc, test_zone_count_bound);
	tcase_add_test(tc, test_speed);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
