/*
 * check_archive.c: the archive writer: files named by the template and the
 * (injected) time, logrotate's rename + reopen, parent directories, failure
 * streaks logged once, partial writes cut back, and concurrent writers.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "unit.h"

/* 2024-03-01 23:59:59 UTC: one second before a new day (TZ=UTC). */
#define T_DAY1_LAST 1709337599

/* Path in the test directory. */
static const char *
in_dir(const char *name)
{
	static char path[4][PATH_MAX];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", unit_dir, name);
	return p;
}

/* The whole content of a file (caller frees), NULL if it does not exist. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	if (lenp != NULL)
		*lenp = got;
	return buf;
}

/* Assert a file's exact content. */
static void
assert_file(const char *path, const char *want)
{
	char *got = slurp(path, NULL);

	ck_assert_msg(got != NULL, "%s: %s", path, strerror(errno));
	ck_assert_str_eq(got, want);
	free(got);
}

/* Send our stderr (log.c's output) to a file, to count what was logged. */
static void
capture_stderr(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Lines of a file that contain needle. */
static int
count_lines_with(const char *path, const char *needle)
{
	char *text = slurp(path, NULL), *line, *save = NULL;
	int count = 0;

	ck_assert_ptr_nonnull(text);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) != NULL)
			count++;
	free(text);
	return count;
}

START_TEST(test_writes_land)
{
	char err[256];
	struct archive *a;
	struct stat st;

	a = archive_open(in_dir("events.jsonl"), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(archive_write(a, "{\"a\":1}\n", 8), 0);
	ck_assert_int_eq(archive_write(a, "{\"b\":2}\n{\"c\":3}\n", 16), 0);
	ck_assert_int_eq(archive_write(a, "", 0), 0);
	archive_sync(a);
	ck_assert_uint_eq(archive_lost_bytes(a), 0);
	archive_close(a);
	assert_file(in_dir("events.jsonl"), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
	ck_assert_int_eq(stat(in_dir("events.jsonl"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	/* Opening again appends. */
	a = archive_open(in_dir("events.jsonl"), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(archive_write(a, "x\n", 2), 0);
	archive_close(a);
	assert_file(in_dir("events.jsonl"), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\nx\n");
}
END_TEST

START_TEST(test_date_rollover)
{
	char tmpl[PATH_MAX], err[256];
	struct archive *a;

	snprintf(tmpl, sizeof(tmpl), "%s/events-%%Y%%m%%d.jsonl", unit_dir);
	a = archive_open(tmpl, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(archive_write_at(a, "one\n", 4, T_DAY1_LAST), 0);
	ck_assert_int_eq(archive_write_at(a, "two\n", 4, T_DAY1_LAST + 1), 0);
	ck_assert_int_eq(archive_write_at(a, "three\n", 6, T_DAY1_LAST + 2), 0);
	/* A clock stepped back opens the old day's file again, appending. */
	ck_assert_int_eq(archive_write_at(a, "four\n", 5, T_DAY1_LAST - 3600), 0);
	archive_close(a);
	assert_file(in_dir("events-20240301.jsonl"), "one\nfour\n");
	assert_file(in_dir("events-20240302.jsonl"), "two\nthree\n");
}
END_TEST

/*
 * logrotate renames the file, then USR1: until then the renamed file takes
 * what comes (the name is missing, but the file is not deleted), and the
 * next write after USR1 makes a new one.
 */
START_TEST(test_reopen_after_rename)
{
	const time_t t = 1709251200; /* 2024-03-01: a fixed second, no look at the name */
	char err[256];
	struct archive *a;

	a = archive_open(in_dir("ev.jsonl"), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(archive_write_at(a, "a\n", 2, t), 0);
	ck_assert_int_eq(rename(in_dir("ev.jsonl"), in_dir("ev.jsonl.1")), 0);
	/* Until told, the open file (now renamed) keeps receiving, seconds later too. */
	ck_assert_int_eq(archive_write_at(a, "b\n", 2, t + 1), 0);
	ck_assert_int_eq(archive_write_at(a, "b\n", 2, t + 2), 0);
	archive_reopen(a);
	ck_assert_int_eq(archive_write_at(a, "c\n", 2, t), 0);
	ck_assert_int_eq(archive_write_at(a, "d\n", 2, t), 0);
	archive_close(a);
	assert_file(in_dir("ev.jsonl.1"), "a\nb\nb\n");
	assert_file(in_dir("ev.jsonl"), "c\nd\n");
}
END_TEST

/*
 * The directory removed under a running archive (no USR1): the first write
 * of the next second sees the name lead nowhere and creates it all again;
 * a file replaced under the name is followed the same way.  Writes in the
 * same second still go to the open file (one stat a second is the bound).
 */
START_TEST(test_reopen_removed_or_replaced)
{
	const time_t t = 1709251200;
	char tmpl[PATH_MAX], err[256];
	struct archive *a;
	int fd;

	capture_stderr(in_dir("stderr"));
	snprintf(tmpl, sizeof(tmpl), "%s/sub/ev.jsonl", unit_dir);
	a = archive_open(tmpl, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(archive_write_at(a, "a\n", 2, t), 0);
	ck_assert_int_eq(unlink(in_dir("sub/ev.jsonl")), 0);
	ck_assert_int_eq(rmdir(in_dir("sub")), 0);
	ck_assert_int_eq(archive_write_at(a, "lost\n", 5, t), 0); /* same second: not looked */
	ck_assert_int_eq(archive_write_at(a, "b\n", 2, t + 1), 0);
	assert_file(in_dir("sub/ev.jsonl"), "b\n");
	/* replaced: another file under the name */
	ck_assert_int_eq(rename(in_dir("sub/ev.jsonl"), in_dir("sub/old")), 0);
	fd = open(in_dir("sub/ev.jsonl"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(archive_write_at(a, "c\n", 2, t + 2), 0);
	ck_assert_int_eq(archive_write_at(a, "d\n", 2, t + 3), 0); /* stays: same inode */
	archive_close(a);
	assert_file(in_dir("sub/old"), "b\n");
	assert_file(in_dir("sub/ev.jsonl"), "c\nd\n");
	ck_assert_int_eq(count_lines_with(in_dir("stderr"), "removed or replaced"), 2);
}
END_TEST

START_TEST(test_parent_dirs)
{
	char tmpl[PATH_MAX], path[PATH_MAX], err[256];
	struct archive *a;
	struct stat st;

	snprintf(tmpl, sizeof(tmpl), "%s/x//y/%%Y/ev.jsonl", unit_dir);
	a = archive_open(tmpl, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(stat(in_dir("x"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(stat(in_dir("x/y"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	/* A new year's directory is made on the first write that needs it. */
	ck_assert_int_eq(archive_write_at(a, "old\n", 4, 946684800 /* 2000-01-01 */), 0);
	archive_close(a);
	snprintf(path, sizeof(path), "%s/x/y/2000", unit_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	assert_file(in_dir("x/y/2000/ev.jsonl"), "old\n");
}
END_TEST

START_TEST(test_open_errors)
{
	char tmpl[PATH_MAX], want[PATH_MAX + 256], err[256];
	int fd;

	/* A directory that cannot be made: a regular file is in the way. */
	fd = open(in_dir("file"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(tmpl, sizeof(tmpl), "%s/file/sub/ev.jsonl", unit_dir);
	ck_assert_ptr_null(archive_open(tmpl, err, sizeof(err)));
	snprintf(want, sizeof(want), "archive %s: Not a directory", tmpl);
	ck_assert_str_eq(err, want);
	/* A directory where the file should be. */
	ck_assert_int_eq(mkdir(in_dir("adir"), 0700), 0);
	ck_assert_ptr_null(archive_open(in_dir("adir"), err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
	/* Templates without a file name. */
	ck_assert_ptr_null(archive_open("", err, sizeof(err)));
	ck_assert_str_eq(err, "archive path is empty");
	ck_assert_ptr_null(archive_open(NULL, err, sizeof(err)));
	snprintf(tmpl, sizeof(tmpl), "%s/logs/", unit_dir);
	ck_assert_ptr_null(archive_open(tmpl, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "has no file name"));
	snprintf(tmpl, sizeof(tmpl), "%s/logs/..", unit_dir);
	ck_assert_ptr_null(archive_open(tmpl, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "has no file name"));
	/* Nothing was created for them. */
	ck_assert_int_eq(access(in_dir("logs"), F_OK), -1);
}
END_TEST

/* Without privileges, a directory without write permission fails at open. */
START_TEST(test_open_unwritable_dir)
{
	char err[256];

	if (geteuid() == 0)
		return; /* root writes anyway; test_open_errors covers the path */
	ck_assert_int_eq(mkdir(in_dir("ro"), 0500), 0);
	ck_assert_ptr_null(archive_open(in_dir("ro/ev.jsonl"), err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "Permission denied"));
}
END_TEST

/* Disk full: every write fails, one warning for the streak; lost only when given up. */
START_TEST(test_disk_full_logged_once)
{
	char err[256];
	struct archive *a;
	int i;

	if (access("/dev/full", W_OK) != 0)
		return;
	capture_stderr(in_dir("stderr"));
	a = archive_open("/dev/full", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(archive_write(a, "0123456789\n", 11), -1);
	ck_assert_uint_eq(archive_lost_bytes(a), 0); /* the caller still holds them */
	archive_give_up(a, 11);
	ck_assert_uint_eq(archive_lost_bytes(a), 11);
	archive_sync(a);
	archive_close(a);
	ck_assert_int_eq(count_lines_with(in_dir("stderr"), "archive /dev/full: write failed"), 1);
	ck_assert_int_eq(count_lines_with(in_dir("stderr"), "No space left on device"), 1);
}
END_TEST

/* An open that fails is retried on each write; recovery is logged once. */
START_TEST(test_open_retry_and_recovery)
{
	char tmpl[PATH_MAX], err[256];
	struct archive *a;
	int fd;

	capture_stderr(in_dir("stderr"));
	snprintf(tmpl, sizeof(tmpl), "%s/%%Y/ev.jsonl", unit_dir);
	a = archive_open(tmpl, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	/* 2000's directory is blocked by a file. */
	fd = open(in_dir("2000"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(archive_write_at(a, "lost1\n", 6, 946684800), -1);
	ck_assert_int_eq(archive_write_at(a, "lost2\n", 6, 946684801), -1);
	ck_assert_int_eq(archive_write_at(a, "lost3\n", 6, 946684801), -1);
	ck_assert_int_eq(unlink(in_dir("2000")), 0);
	ck_assert_int_eq(archive_write_at(a, "kept\n", 5, 946684801), 0);
	ck_assert_uint_eq(archive_lost_bytes(a), 0);
	archive_close(a);
	assert_file(in_dir("2000/ev.jsonl"), "kept\n");
	ck_assert_int_eq(count_lines_with(in_dir("stderr"), "ev.jsonl: open failed"), 1);
	ck_assert_int_eq(count_lines_with(in_dir("stderr"), "writing again after 3 failed attempts"), 1);
}
END_TEST

/* A write cut short (file size limit) leaves no partial batch behind; its retry writes it whole. */
START_TEST(test_partial_write_cut_back)
{
	struct rlimit rl = { .rlim_cur = 100, .rlim_max = RLIM_INFINITY };
	char line[61], err[256];
	struct archive *a;
	int first, second;
	size_t len;
	char *got;

	signal(SIGXFSZ, SIG_IGN);
	capture_stderr("/dev/null"); /* a file would be cut at 100 bytes too */
	memset(line, 'x', 59);
	line[59] = '\n';
	line[60] = '\0';
	a = archive_open(in_dir("ev.jsonl"), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	first = archive_write(a, line, 60);
	/* 40 bytes fit, then EFBIG: the 40 are cut off again. */
	second = archive_write(a, line, 60);
	/* Lift the limit before asserting: Check's own messages are files too. */
	rl.rlim_cur = RLIM_INFINITY;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ck_assert_int_eq(first, 0);
	ck_assert_int_eq(second, -1);
	got = slurp(in_dir("ev.jsonl"), &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, 60);
	ck_assert_str_eq(got, line);
	free(got);
	/* the caller's retry, once there is room */
	ck_assert_int_eq(archive_write(a, line, 60), 0);
	ck_assert_uint_eq(archive_lost_bytes(a), 0);
	archive_close(a);
	got = slurp(in_dir("ev.jsonl"), &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, 120);
	ck_assert_int_eq(memcmp(got + 60, line, 60), 0);
	free(got);
}
END_TEST

#define WRITERS 4
#define LINES 10000

struct writer {
	struct archive *a;
	int id;
	int failures;
};

/* One line per call, as a worker with a batch of one would. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	char line[160];
	int i, len;

	for (i = 0; i < LINES; i++) {
		len = snprintf(line, sizeof(line),
		    "{\"writer\":%d,\"seq\":%05d,\"pad\":\"%0*d\"}\n", w->id, i, 40 + w->id * 17, i);
		if (archive_write(w->a, line, (size_t)len) != 0)
			w->failures++;
	}
	return NULL;
}

START_TEST(test_concurrent_writers)
{
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	int next[WRITERS] = { 0 }, lines = 0, i, id, seq, used;
	char err[256], pad[128], *text, *line, *save = NULL;
	struct archive *a;

	a = archive_open(in_dir("ev.jsonl"), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .a = a, .id = i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].failures, 0);
	}
	archive_close(a);
	text = slurp(in_dir("ev.jsonl"), NULL);
	ck_assert_ptr_nonnull(text);
	/* Every line whole, each writer's lines all there and in its order. */
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(sscanf(line, "{\"writer\":%d,\"seq\":%d,\"pad\":\"%127[0-9]\"}%n",
		    &id, &seq, pad, &used) == 3 && line[used] == '\0', "torn line %d: %s", lines, line);
		ck_assert(id >= 0 && id < WRITERS);
		ck_assert_int_eq(seq, next[id]);
		ck_assert_int_eq((int)strlen(pad), 40 + id * 17);
		ck_assert_int_eq(atoi(pad), seq);
		next[id]++;
		lines++;
	}
	free(text);
	ck_assert_int_eq(lines, WRITERS * LINES);
	for (i = 0; i < WRITERS; i++)
		ck_assert_int_eq(next[i], LINES);
}
END_TEST

/*
 * Durable mode: concurrent writers never wait for the disk, and once
 * archive_wait_synced returns every byte written is counted as synced;
 * a rotation in between keeps working.
 */
START_TEST(test_durable_group_commit)
{
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	char err[256];
	struct archive *a;
	size_t size = 0;
	char *text;
	int i;

	a = archive_open(in_dir("alerts.jsonl"), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(archive_synced_bytes(a), 0);
	ck_assert_int_eq(archive_set_durable(a, err, sizeof(err)), 0);
	ck_assert_int_eq(archive_set_durable(a, err, sizeof(err)), 0); /* once is enough */
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .a = a, .id = i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	archive_reopen(a); /* a rotation while the syncer runs */
	for (i = 0; i < WRITERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].failures, 0);
	}
	archive_wait_synced(a);
	text = slurp(in_dir("alerts.jsonl"), &size);
	ck_assert_ptr_nonnull(text);
	free(text);
	ck_assert_uint_eq(archive_synced_bytes(a), size);
	ck_assert_uint_gt(size, 0);
	archive_close(a);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("archive");
	TCase *tc;

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_test(tc, test_writes_land);
	tcase_add_test(tc, test_date_rollover);
	tcase_add_test(tc, test_reopen_after_rename);
	tcase_add_test(tc, test_reopen_removed_or_replaced);
	tcase_add_test(tc, test_parent_dirs);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_open_unwritable_dir);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_test(tc, test_disk_full_logged_once);
	tcase_add_test(tc, test_open_retry_and_recovery);
	tcase_add_test(tc, test_partial_write_cut_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_concurrent_writers);
	tcase_add_test(tc, test_durable_group_commit);
	suite_add_tcase(s, tc);
	return s;
}
