/*
 * check_retention: the archive's retention (retention.c, compress.c) on a
 * fixed clock: which files a pass removes and compresses, keep_days at and
 * past its bound, the quiet minute, the current day left alone, every
 * crash state a compression can leave, a write failure (RLIMIT_FSIZE: EFBIG,
 * as a full disk fails it) that must leave the day as it was, and the
 * configuration's checks (bounds, words, a dated name) with file:line.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "conf.h"
#include "retention.h"
#include "unit.h"

#define DAY 86400
/* 2026-06-15 12:00:00 UTC (unit_dir_setup sets TZ=UTC): today is events-20260615.jsonl */
#define NOW ((time_t)1781524800)
#define TODAY "events-20260615.jsonl"
#define YESTERDAY "events-20260614.jsonl"
#define BIG (256 * 1024)

static char content[BIG];

/* Lines of JSON, or random bytes (they do not compress) when random is set. */
static size_t
fill(int random)
{
	size_t i, n = 0;

	if (random) {
		FILE *fp = fopen("/dev/urandom", "r");

		ck_assert_ptr_nonnull(fp);
		ck_assert_uint_eq(fread(content, 1, BIG, fp), BIG);
		fclose(fp);
		return BIG;
	}
	for (i = 0; n + 64 < BIG; i++)
		n += (size_t)snprintf(
		    content + n, BIG - n, "{\"n\":%zu,\"message\":\"line %zu\"}\n", i, i);
	return n;
}

/* Write name in the test's directory with len bytes of content, last written at mtime. */
static void
put(const char *name, size_t len, time_t mtime)
{
	struct timespec t[2] = {{mtime, 0}, {mtime, 0}};
	FILE *fp = fopen(unit_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(content, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, unit_path(name), t, 0), 0);
}

static int
exists(const char *name)
{
	struct stat st;

	return stat(unit_path(name), &st) == 0;
}

static time_t
mtime_of(const char *name)
{
	struct stat st;

	ck_assert_int_eq(stat(unit_path(name), &st), 0);
	return st.st_mtime;
}

/* The whole file, in a malloc'd buffer of *len bytes (caller frees). */
static unsigned char *
slurp(const char *name, size_t *len)
{
	FILE *fp = fopen(unit_path(name), "r");
	unsigned char *buf = malloc(4 * BIG);

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 4 * BIG, fp);
	fclose(fp);
	return buf;
}

/* Assert that the zstd file name decompresses to content[0..len). */
static void
assert_zstd(const char *name, size_t len)
{
	size_t zlen, got;
	unsigned char *z = slurp(name, &zlen);
	char *out = malloc(BIG);
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib = {z, zlen, 0};
	ZSTD_outBuffer ob = {out, BIG, 0};
	size_t rc;

	do
		rc = ZSTD_decompressStream(dc, &ob, &ib);
	while (!ZSTD_isError(rc) && rc != 0 && ib.pos < ib.size);
	ck_assert_msg(!ZSTD_isError(rc) && rc == 0, "%s: not one whole zstd frame", name);
	got = ob.pos;
	ck_assert_uint_eq(got, len);
	ck_assert_int_eq(memcmp(out, content, len), 0);
	ZSTD_freeDCtx(dc);
	free(out);
	free(z);
}

/* Assert that the gzip file name decompresses to content[0..len). */
static void
assert_gzip(const char *name, size_t len)
{
	char *out = malloc(BIG + 1);
	gzFile g = gzopen(unit_path(name), "rb");
	int n;

	ck_assert_ptr_nonnull(g);
	n = gzread(g, out, BIG + 1);
	ck_assert_int_eq(n, (int)len);
	ck_assert_int_eq(memcmp(out, content, len), 0);
	ck_assert_int_eq(gzclose(g), Z_OK);
	free(out);
}

static struct retention *
make(unsigned keep_days, enum compress_format f)
{
	char tmpl[PATH_MAX], err[256];
	struct retention *r;

	snprintf(tmpl, sizeof(tmpl), "%s/events-%%Y%%m%%d.jsonl", unit_dir);
	r = retention_new(tmpl, keep_days, f, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

static struct retention_stats
stats(struct retention *r)
{
	struct retention_stats st;

	retention_get_stats(r, &st);
	return st;
}

/* Templates: dated in the file name only, with conversions the matcher reads. */
static const struct {
	const char *tmpl;
	int ok;
} templates[] = {
    {"/var/log/logward/events-%Y%m%d.jsonl", 1}, {"events-%F.jsonl", 1},
    {"/d/e-%%-%y%j-%H%M%S.log", 1}, {"/d/%Y/events-%d.jsonl", 0}, /* date in the directory */
    {"/d/events.jsonl", 0},					  /* no date */
    {"/d/e-%%.jsonl", 0},					  /* %% is no date */
    {"/d/events-%a.jsonl", 0}, /* a conversion it cannot read back */
    {"/d/events-%Y%", 0},      /* a lone % */
};

START_TEST(test_templates)
{
	char err[256] = "";
	int rc = retention_check_template(templates[_i].tmpl, err, sizeof(err));

	ck_assert_msg((rc == 0) == templates[_i].ok, "%s: %d (%s)", templates[_i].tmpl, rc, err);
}
END_TEST

/* Only names the template makes are the archive's: nothing else in the directory is touched. */
START_TEST(test_only_archive_files)
{
	static const char *const others[] = {"alerts.jsonl", "events-2026061.jsonl",
	    "events-20260101.jsonl.bak", "events-abcdefgh.jsonl", "events-20260101.json",
	    "xevents-20260101.jsonl", "events-20260101.jsonl.zst.part"};
	struct retention *r = make(1, COMPRESS_ZSTD);
	size_t i, len = fill(0);

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		put(others[i], len, NOW - 30 * DAY);
	put("events-20260101.jsonl", len, NOW - 30 * DAY);
	put("events-20260101.jsonl.gz", len, NOW - 30 * DAY);
	retention_pass(r, NOW);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ck_assert_msg(exists(others[i]), "%s removed", others[i]);
	ck_assert(!exists("events-20260101.jsonl"));
	ck_assert(!exists("events-20260101.jsonl.gz"));
	ck_assert_uint_eq(stats(r).removed, 2);
	retention_free(r);
}
END_TEST

/* keep_days 1: a day last written exactly a day ago stays, a second more and it goes. */
START_TEST(test_keep_one_day)
{
	struct retention *r = make(1, COMPRESS_NONE);
	size_t len = fill(0);

	put("events-20260613.jsonl", len, NOW - DAY);
	put("events-20260612.jsonl", len, NOW - DAY - 1);
	put("events-20260611.jsonl.zst", len, NOW - DAY - 1);
	retention_pass(r, NOW);
	ck_assert(exists("events-20260613.jsonl"));
	ck_assert(!exists("events-20260612.jsonl"));
	ck_assert(!exists("events-20260611.jsonl.zst"));
	ck_assert_uint_eq(stats(r).removed, 2);
	ck_assert_uint_eq(stats(r).compressed, 0); /* compress = no */
	retention_free(r);
}
END_TEST

/* keep_days 0 keeps forever; the maximum keeps RETENTION_MAX_KEEP_DAYS days and not a second more.
 */
START_TEST(test_keep_bounds)
{
	struct retention *forever = make(0, COMPRESS_NONE);
	struct retention *most = make(RETENTION_MAX_KEEP_DAYS, COMPRESS_NONE);
	time_t limit = NOW - (time_t)RETENTION_MAX_KEEP_DAYS * DAY;
	size_t len = fill(0);

	put("events-19260101.jsonl", len, limit - 1);
	put("events-19260102.jsonl", len, limit);
	retention_pass(forever, NOW);
	ck_assert(exists("events-19260101.jsonl"));
	ck_assert(exists("events-19260102.jsonl"));
	retention_pass(most, NOW);
	ck_assert(!exists("events-19260101.jsonl"));
	ck_assert(exists("events-19260102.jsonl"));
	ck_assert_uint_eq(stats(forever).removed, 0);
	ck_assert_uint_eq(stats(most).removed, 1);
	retention_free(forever);
	retention_free(most);
}
END_TEST

/* Today's file is written now: never compressed nor removed, however old it looks. */
START_TEST(test_current_day_untouched)
{
	struct retention *r = make(1, COMPRESS_ZSTD);
	size_t len = fill(0);

	put(TODAY, len, NOW - 10 * DAY);
	retention_pass(r, NOW);
	ck_assert(exists(TODAY));
	ck_assert(!exists(TODAY ".zst"));
	retention_free(r);
}
END_TEST

/* A closed day, zstd: the copy decompresses to the day, keeps its time, the day is gone. */
START_TEST(test_compress_zstd)
{
	struct retention *r = make(0, COMPRESS_ZSTD);
	size_t len = fill(0);

	put(YESTERDAY, len, NOW - 3600);
	retention_pass(r, NOW);
	ck_assert(!exists(YESTERDAY));
	ck_assert(!exists(YESTERDAY ".zst.tmp"));
	assert_zstd(YESTERDAY ".zst", len);
	ck_assert_int_eq(mtime_of(YESTERDAY ".zst"), NOW - 3600);
	ck_assert_uint_eq(stats(r).compressed, 1);
	retention_pass(r, NOW); /* nothing left to do */
	ck_assert_uint_eq(stats(r).compressed, 1);
	retention_free(r);
}
END_TEST

START_TEST(test_compress_gzip)
{
	struct retention *r = make(0, COMPRESS_GZIP);
	size_t len = fill(0);

	put(YESTERDAY, len, NOW - 3600);
	put("events-20260613.jsonl", 0, NOW - DAY); /* an empty day too */
	retention_pass(r, NOW);
	ck_assert(!exists(YESTERDAY));
	assert_gzip(YESTERDAY ".gz", len);
	assert_gzip("events-20260613.jsonl.gz", 0);
	ck_assert_uint_eq(stats(r).compressed, 2);
	retention_free(r);
}
END_TEST

/* A day written less than the quiet minute ago waits; at the minute it is compressed. */
START_TEST(test_quiet_minute)
{
	struct retention *r = make(0, COMPRESS_ZSTD);
	size_t len = fill(0);

	put(YESTERDAY, len, NOW - RETENTION_QUIET_SECONDS + 1);
	retention_pass(r, NOW);
	ck_assert(exists(YESTERDAY));
	ck_assert(!exists(YESTERDAY ".zst"));
	retention_pass(r, NOW + 1);
	ck_assert(!exists(YESTERDAY));
	assert_zstd(YESTERDAY ".zst", len);
	retention_free(r);
}
END_TEST

/* A crash during the compression: the .tmp is removed and the day compressed again. */
START_TEST(test_crash_mid_compression)
{
	struct retention *r = make(0, COMPRESS_ZSTD);
	size_t len = fill(0);

	put(YESTERDAY ".zst.tmp", 100, NOW - 3600); /* a cut stream */
	put(YESTERDAY, len, NOW - 3600);
	retention_pass(r, NOW);
	ck_assert(!exists(YESTERDAY ".zst.tmp"));
	ck_assert(!exists(YESTERDAY));
	assert_zstd(YESTERDAY ".zst", len);
	retention_free(r);
}
END_TEST

/* A crash between the rename and the unlink: the whole copy stays, the day goes. */
START_TEST(test_crash_after_rename)
{
	struct retention *r = make(0, COMPRESS_ZSTD);
	struct stat before, after;
	size_t len = fill(0);
	atomic_bool stop = false;
	int in, out;

	put(YESTERDAY, len, NOW - 3600);
	in = open(unit_path(YESTERDAY), O_RDONLY);
	out = open(unit_path(YESTERDAY ".zst"), O_WRONLY | O_CREAT | O_EXCL, 0640);
	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	ck_assert_int_eq(compress_fd(in, out, COMPRESS_ZSTD, &stop), 0);
	close(in);
	close(out);
	ck_assert_int_eq(stat(unit_path(YESTERDAY ".zst"), &before), 0);
	retention_pass(r, NOW);
	ck_assert(!exists(YESTERDAY));
	ck_assert_int_eq(stat(unit_path(YESTERDAY ".zst"), &after), 0);
	ck_assert_uint_eq(before.st_ino, after.st_ino);
	assert_zstd(YESTERDAY ".zst", len);
	ck_assert_uint_eq(stats(r).compressed, 0);
	retention_free(r);
}
END_TEST

/*
 * Writes fail (RLIMIT_FSIZE, EFBIG, as ENOSPC would): the day stays whole,
 * no .tmp nor copy is left, each failure is counted; once writes work the
 * next pass compresses it.  Nothing is asserted while the limit is on
 * (Check reports through a file).
 */
START_TEST(test_write_failure_keeps_day)
{
	struct retention *r = make(0, COMPRESS_ZSTD);
	struct rlimit back, small;
	size_t len = fill(1), got;
	struct retention_stats one, two;
	unsigned char *day;

	signal(SIGXFSZ, SIG_IGN);
	put(YESTERDAY, len, NOW - 3600);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &back), 0);
	small = (struct rlimit){4096, back.rlim_max};
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	retention_pass(r, NOW);
	one = stats(r);
	retention_pass(r, NOW);
	two = stats(r);
	setrlimit(RLIMIT_FSIZE, &back);
	ck_assert_uint_eq(one.errors[RETENTION_COMPRESS], 1);
	ck_assert_uint_eq(two.errors[RETENTION_COMPRESS], 2);
	ck_assert_uint_eq(two.compressed, 0);
	ck_assert(!exists(YESTERDAY ".zst.tmp"));
	ck_assert(!exists(YESTERDAY ".zst"));
	day = slurp(YESTERDAY, &got);
	ck_assert_uint_eq(got, len);
	ck_assert_int_eq(memcmp(day, content, len), 0);
	free(day);
	retention_pass(r, NOW);
	ck_assert_msg(stats(r).compressed == 1, "not compressed once writes work: %llu errors",
	    (unsigned long long)stats(r).errors[RETENTION_COMPRESS]);
	ck_assert(!exists(YESTERDAY));
	assert_zstd(YESTERDAY ".zst", len);
	retention_free(r);
}
END_TEST

/* A stop asked for (shutdown) cuts a compression short between chunks. */
START_TEST(test_stop)
{
	atomic_bool stop = true;
	size_t len = fill(0);
	int in, out;

	put(YESTERDAY, len, NOW);
	in = open(unit_path(YESTERDAY), O_RDONLY);
	out = open(unit_path("out"), O_WRONLY | O_CREAT, 0640);
	errno = 0;
	ck_assert_int_eq(compress_fd(in, out, COMPRESS_GZIP, &stop), -1);
	ck_assert_int_eq(errno, ECANCELED);
	close(in);
	close(out);
}
END_TEST

/* The started thread makes its first pass at once; free stops it. */
START_TEST(test_thread)
{
	struct retention *r;
	char tmpl[PATH_MAX], err[256];
	size_t len = fill(0);
	int i;

	put("events-20000101.jsonl", len, time(NULL) - 10 * DAY);
	snprintf(tmpl, sizeof(tmpl), "%s/events-%%Y%%m%%d.jsonl", unit_dir);
	r = retention_new(tmpl, 0, COMPRESS_ZSTD, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(retention_start(r, err, sizeof(err)), 0);
	for (i = 0; i < 1000 && stats(r).compressed == 0; i++)
		usleep(10000);
	ck_assert_uint_eq(stats(r).compressed, 1);
	retention_kick(r);
	retention_free(r);
	assert_zstd("events-20000101.jsonl.zst", len);
}
END_TEST

/* The archive block's retention keys: bounds, words and a dated name, said at file:line. */
static const struct {
	const char *block;
	const char *error; /* NULL: accepted */
	unsigned keep;
	int compress;
} confs[] = {
    {"keep_days = 0", NULL, 0, COMPRESS_NONE},
    {"keep_days = 1  compress = yes", NULL, 1, COMPRESS_ZSTD},
    {"keep_days = 36500  compress = gzip", NULL, RETENTION_MAX_KEEP_DAYS, COMPRESS_GZIP},
    {"compress = zstd", NULL, 0, COMPRESS_ZSTD},
    {"compress = no", NULL, 0, COMPRESS_NONE},
    {"keep_days = 36501", "keep_days 36501 out of range (expected 0..36500)", 0, 0},
    {"keep_days = -1", "keep_days -1 out of range (expected 0..36500)", 0, 0},
    {"compress = lz4", "(expected yes, zstd, gzip or no)", 0, 0},
    {"path = \"/d/events.jsonl\"  keep_days = 3", "need a dated file name", 0, 0},
    {"path = \"/d/%Y/e-%d.jsonl\"  compress = yes", "not in the directory", 0, 0},
    {"path = \"/d/events.jsonl\"  compress = no", NULL, 0, COMPRESS_NONE},
};

START_TEST(test_conf)
{
	char text[512], err[512] = "", where[PATH_MAX + 16];
	const char *path = unit_path("logward.conf");
	struct conf *c;
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	snprintf(text, sizeof(text),
	    "input a { transport = udp address = \"127.0.0.1:514\" }\n\narchive {\n\t%s\n}\n",
	    confs[_i].block);
	fputs(text, fp);
	fclose(fp);
	c = conf_load(path, err, sizeof(err));
	if (confs[_i].error == NULL) {
		ck_assert_msg(c != NULL, "%s: %s", confs[_i].block, err);
		ck_assert_uint_eq(c->archive_keep_days, confs[_i].keep);
		ck_assert_int_eq(c->archive_compress, confs[_i].compress);
		conf_free(c);
		return;
	}
	ck_assert_msg(c == NULL, "%s accepted", confs[_i].block);
	snprintf(where, sizeof(where), "%s:", path);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0 && strstr(err, confs[_i].error),
	    "%s: error \"%s\", expected \"%s...%s\"", confs[_i].block, err, where, confs[_i].error);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("retention");
	TCase *tc = tcase_create("retention");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_loop_test(tc, test_templates, 0, sizeof(templates) / sizeof(templates[0]));
	tcase_add_test(tc, test_only_archive_files);
	tcase_add_test(tc, test_keep_one_day);
	tcase_add_test(tc, test_keep_bounds);
	tcase_add_test(tc, test_current_day_untouched);
	tcase_add_test(tc, test_compress_zstd);
	tcase_add_test(tc, test_compress_gzip);
	tcase_add_test(tc, test_quiet_minute);
	tcase_add_test(tc, test_crash_mid_compression);
	tcase_add_test(tc, test_crash_after_rename);
	tcase_add_test(tc, test_write_failure_keeps_day);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_thread);
	tcase_add_loop_test(tc, test_conf, 0, sizeof(confs) / sizeof(confs[0]));
	suite_add_tcase(s, tc);
	return s;
}
