/*
 * check_spool.c: the webhook spool: append, ack, replay after reopen with
 * the same ids, a crash before the ack (record comes back), a torn last
 * record, out-of-order acks, the cut back when all is delivered, the size
 * bound, the longest record and a longer one, lines that are not records,
 * and acks that cannot be written (a full disk: RLIMIT_FSIZE).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spool.h"
#include "unit.h"

#define BIG (1ull << 30)

/* Open the test spool or fail the test. */
static struct spool *
open_spool(uint64_t max)
{
	char err[256] = "";
	struct spool *s = spool_open(unit_dir, "soc", max, err, sizeof(err));

	ck_assert_msg(s != NULL, "spool_open: %s", err);
	return s;
}

/* The alert line of record i as a C string (static buffer). */
static const char *
line_at(struct spool *s, size_t i)
{
	static char buf[256];
	struct strbuf sb;
	struct spool_record *r = spool_at(s, i);

	ck_assert_ptr_nonnull(r);
	strbuf_init(&sb);
	ck_assert_int_eq(spool_read(s, r, &sb), 0);
	ck_assert_uint_lt(sb.len, sizeof(buf));
	memcpy(buf, sb.data, sb.len);
	buf[sb.len] = '\0';
	strbuf_free(&sb);
	return buf;
}

/* Size of a file in the test directory. */
static long
file_size(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", unit_dir, name);
	ck_assert_int_eq(stat(path, &st), 0);
	return (long)st.st_size;
}

/* Append bytes to soc.spool behind the spool's back (a crash, a damaged file). */
static void
spool_file_append(const char *bytes)
{
	char path[PATH_MAX];
	size_t n = strlen(bytes);
	int fd;

	snprintf(path, sizeof(path), "%s/soc.spool", unit_dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

START_TEST(test_append_ack_replay)
{
	struct spool *s = open_spool(BIG);
	char id0[SPOOL_ID_LEN + 1], id2[SPOOL_ID_LEN + 1];
	uint64_t seq1;

	ck_assert_int_eq(spool_append(s, "{\"a\":0}", 7, 10), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "{\"a\":1}", 7, 11), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "{\"a\":2}", 7, 12), SPOOL_OK);
	ck_assert_int_eq(spool_sync(s), 0);
	ck_assert_uint_eq(spool_count(s), 3);
	ck_assert_str_eq(line_at(s, 1), "{\"a\":1}");
	ck_assert_uint_eq(strlen(spool_at(s, 0)->id), 32);
	ck_assert_str_ne(spool_at(s, 0)->id, spool_at(s, 1)->id);
	ck_assert_int_eq(spool_at(s, 0)->spooled_ms, 10);
	memcpy(id0, spool_at(s, 0)->id, sizeof(id0));
	memcpy(id2, spool_at(s, 2)->id, sizeof(id2));
	seq1 = spool_at(s, 1)->seq;
	ck_assert_int_eq(spool_ack(s, seq1), 0);	/* out of order */
	ck_assert_ptr_null(spool_find(s, seq1));
	ck_assert_uint_eq(spool_count(s), 2);
	ck_assert_str_eq(line_at(s, 1), "{\"a\":2}");
	spool_close(s);

	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 2);
	ck_assert_str_eq(line_at(s, 0), "{\"a\":0}");
	ck_assert_str_eq(line_at(s, 1), "{\"a\":2}");
	ck_assert_str_eq(spool_at(s, 0)->id, id0);
	ck_assert_str_eq(spool_at(s, 1)->id, id2);
	ck_assert_uint_eq(spool_at(s, 0)->attempts, 0);
	ck_assert_int_eq(spool_ack(s, spool_at(s, 0)->seq), 0);
	ck_assert_int_eq(spool_ack(s, spool_at(s, 0)->seq), 0);
	ck_assert_uint_eq(spool_count(s), 0);
	/* Everything delivered: both files cut back. */
	ck_assert_int_eq(file_size("soc.spool"), 0);
	ck_assert_int_eq(file_size("soc.ack"), 0);
	ck_assert_int_eq(spool_append(s, "{\"b\":0}", 7, 0), SPOOL_OK);
	spool_close(s);

	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 1);
	ck_assert_str_eq(line_at(s, 0), "{\"b\":0}");
	spool_close(s);
}
END_TEST

/* A crash before the ack: the record is delivered again with its id. */
START_TEST(test_crash_no_ack)
{
	char id[SPOOL_ID_LEN + 1];
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct spool *s = open_spool(BIG);

		if (spool_append(s, "{\"x\":1}", 7, 0) != SPOOL_OK || spool_sync(s) != 0)
			_exit(1);
		/* write the id out for the parent, then die without ack or close */
		{
			char path[PATH_MAX];
			int fd;

			snprintf(path, sizeof(path), "%s/id", unit_dir);
			fd = open(path, O_WRONLY | O_CREAT, 0600);
			if (fd == -1 || write(fd, spool_at(s, 0)->id, SPOOL_ID_LEN) != SPOOL_ID_LEN)
				_exit(1);
		}
		_exit(0);
	}
	{
		int status;
		char path[PATH_MAX];
		int fd;
		struct spool *s;

		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		snprintf(path, sizeof(path), "%s/id", unit_dir);
		fd = open(path, O_RDONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(read(fd, id, SPOOL_ID_LEN), SPOOL_ID_LEN);
		id[SPOOL_ID_LEN] = '\0';
		close(fd);
		s = open_spool(BIG);
		ck_assert_uint_eq(spool_count(s), 1);
		ck_assert_str_eq(spool_at(s, 0)->id, id);
		ck_assert_str_eq(line_at(s, 0), "{\"x\":1}");
		spool_close(s);
	}
}
END_TEST

/* A record cut short by a crash mid-write is cut off; earlier ones stay. */
START_TEST(test_torn_record)
{
	struct spool *s = open_spool(BIG);

	ck_assert_int_eq(spool_append(s, "{\"ok\":1}", 8, 0), SPOOL_OK);
	spool_close(s);
	spool_file_append("0123456789abcdef0123456789abcdef {\"torn");
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 1);
	ck_assert_str_eq(line_at(s, 0), "{\"ok\":1}");
	ck_assert_int_eq(file_size("soc.spool"), 32 + 1 + 8 + 1);
	ck_assert_int_eq(spool_append(s, "{\"n\":2}", 7, 0), SPOOL_OK);
	spool_close(s);
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 2);
	ck_assert_str_eq(line_at(s, 1), "{\"n\":2}");
	spool_close(s);
}
END_TEST

/* An ack left from an earlier generation at the same offset does not match. */
START_TEST(test_stale_ack)
{
	struct spool *s = open_spool(BIG);
	char path[PATH_MAX];
	unsigned char stale[24] = { 0 };
	int fd;

	ck_assert_int_eq(spool_append(s, "{\"new\":1}", 9, 0), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "{\"new\":2}", 9, 0), SPOOL_OK);
	ck_assert_int_eq(spool_ack(s, spool_at(s, 1)->seq), 0);
	spool_close(s);
	/* offset 0 acked by a record with another id */
	memcpy(stale + 8, "ffffffffffffffff", 16);
	snprintf(path, sizeof(path), "%s/soc.ack", unit_dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, stale, sizeof(stale)), (ssize_t)sizeof(stale));
	close(fd);
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 1);
	ck_assert_str_eq(line_at(s, 0), "{\"new\":1}");
	spool_close(s);
}
END_TEST

/* The size bound refuses, says so, and frees up once delivered. */
START_TEST(test_size_bound)
{
	/* one record of a 7-byte line is 41 bytes */
	struct spool *s = open_spool(100);

	ck_assert_int_eq(spool_append(s, "{\"a\":0}", 7, 0), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "{\"a\":1}", 7, 0), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "{\"a\":2}", 7, 0), SPOOL_FULL);
	ck_assert_uint_eq(spool_count(s), 2);
	ck_assert_uint_eq(spool_bytes(s), 82);
	ck_assert_int_eq(spool_ack(s, spool_at(s, 0)->seq), 0);
	/* acked but not cut back until all are delivered */
	ck_assert_int_eq(spool_append(s, "{\"a\":2}", 7, 0), SPOOL_FULL);
	ck_assert_int_eq(spool_ack(s, spool_at(s, 0)->seq), 0);
	ck_assert_int_eq(spool_append(s, "{\"a\":2}", 7, 0), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "with\nlf", 7, 0), SPOOL_ERROR);
	spool_close(s);
}
END_TEST

/* spool.c's SPOOL_MAX_LINE: the longest alert line a record holds. */
#define MAX_LINE (16u * 1024 * 1024)

/*
 * At the bound: a record of the longest line is taken and comes back
 * whole on replay (read across many chunks); one byte more is refused.
 */
START_TEST(test_longest_record)
{
	struct spool *s = open_spool(BIG);
	char *line = malloc(MAX_LINE + 1);
	struct strbuf sb;

	ck_assert_ptr_nonnull(line);
	memset(line, 'x', MAX_LINE + 1);
	ck_assert_int_eq(spool_append(s, line, MAX_LINE + 1, 0), SPOOL_ERROR);
	ck_assert_int_eq(spool_append(s, line, MAX_LINE, 0), SPOOL_OK);
	ck_assert_int_eq(spool_append(s, "{\"n\":2}", 7, 0), SPOOL_OK);
	spool_close(s);
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 2);
	strbuf_init(&sb);
	ck_assert_int_eq(spool_read(s, spool_at(s, 0), &sb), 0);
	ck_assert_uint_eq(sb.len, MAX_LINE);
	ck_assert(memcmp(sb.data, line, MAX_LINE) == 0);
	strbuf_free(&sb);
	ck_assert_str_eq(line_at(s, 1), "{\"n\":2}");
	spool_close(s);
	free(line);
}
END_TEST

/*
 * Past the bound: a file whose first record runs on for 32 MiB without a
 * LF is not a spool we wrote; open refuses it and says where.
 */
START_TEST(test_overlong_record)
{
	char path[PATH_MAX], err[256] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/soc.spool", unit_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	/* sparse: zero bytes, none of them a LF */
	ck_assert_int_eq(ftruncate(fd, 32 * 1024 * 1024 + 1), 0);
	close(fd);
	ck_assert_ptr_null(spool_open(unit_dir, "soc", BIG, err, sizeof(err)));
	ck_assert_msg(strstr(err, "record at offset 0 is too long") != NULL, "err: %s", err);
}
END_TEST

/* A line that is not a record (no id) is skipped; the records around it replay. */
START_TEST(test_malformed_record)
{
	struct spool *s = open_spool(BIG);

	ck_assert_int_eq(spool_append(s, "{\"n\":1}", 7, 0), SPOOL_OK);
	spool_close(s);
	spool_file_append("not a record\n");
	spool_file_append("0123456789abcdef0123456789abcdeX {\"bad\":1}\n");
	spool_file_append("0123456789abcdef0123456789abcdef {\"n\":2}\n");
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 2);
	ck_assert_str_eq(line_at(s, 0), "{\"n\":1}");
	ck_assert_str_eq(line_at(s, 1), "{\"n\":2}");
	spool_close(s);
}
END_TEST

/* Many records, acks in a scattered order, compaction of the array. */
START_TEST(test_many)
{
	struct spool *s = open_spool(BIG);
	char line[32];
	size_t i;

	for (i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "{\"i\":%zu}", i);

		ck_assert_int_eq(spool_append(s, line, (size_t)n, 0), SPOOL_OK);
	}
	/* ack every even record, from the front, twice over the array growth */
	for (i = 0; i < 500; i++)
		ck_assert_int_eq(spool_ack(s, spool_at(s, i)->seq), 0);
	ck_assert_uint_eq(spool_count(s), 500);
	for (i = 0; i < 200; i++) {
		int n = snprintf(line, sizeof(line), "{\"j\":%zu}", i);

		ck_assert_int_eq(spool_append(s, line, (size_t)n, 0), SPOOL_OK);
	}
	ck_assert_str_eq(line_at(s, 0), "{\"i\":1}");
	ck_assert_str_eq(line_at(s, 499), "{\"i\":999}");
	ck_assert_str_eq(line_at(s, 500), "{\"j\":0}");
	{
		struct spool_record *r = NULL;
		size_t k = 0;

		while ((r = spool_next(s, r)) != NULL)
			ck_assert_ptr_eq(r, spool_at(s, k++));
		ck_assert_uint_eq(k, 700);
	}
	spool_close(s);
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 700);
	ck_assert_str_eq(line_at(s, 1), "{\"i\":3}");
	ck_assert_str_eq(line_at(s, 699), "{\"j\":199}");
	spool_close(s);
}
END_TEST

/* Cap the size any file may grow to (EFBIG past it: a full disk for one writer). */
static void
cap_file_size(rlim_t bytes)
{
	struct rlimit rl = { bytes, RLIM_INFINITY };

	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/*
 * Issue 13 point 3: an ack that cannot be written still takes the record
 * out of delivery (it is never handed out again in this run); the ack is
 * kept in memory and written once the file can grow; when every record is
 * done the spool is cut back even if no ack could be written, which is
 * what frees a full disk.
 */
START_TEST(test_ack_unwritable)
{
	struct spool *s;
	struct stat st;
	char path[PATH_MAX];
	uint64_t seq[3];
	int rc[3];
	size_t i;

	signal(SIGXFSZ, SIG_IGN);	/* EFBIG instead of death past the cap */
	s = open_spool(BIG);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(spool_append(s, "{\"a\":1}", 7, 0), SPOOL_OK);
		seq[i] = spool_at(s, i)->seq;
	}
	ck_assert_int_eq(spool_sync(s), 0);
	/* one ack fits, the next ones do not (no ck_assert under the cap: check writes files) */
	cap_file_size(24);
	rc[0] = spool_ack(s, seq[0]);
	rc[1] = spool_ack(s, seq[1]);
	rc[2] = spool_flush_acks(s);	/* still no room */
	cap_file_size(RLIM_INFINITY);
	ck_assert_int_eq(rc[0], 0);
	ck_assert_int_eq(rc[1], -1);
	ck_assert_int_eq(rc[2], -1);
	ck_assert_uint_eq(spool_unwritten_acks(s), 1);
	ck_assert_ptr_null(spool_find(s, seq[1]));	/* done: not handed out again */
	ck_assert_uint_eq(spool_count(s), 1);
	ck_assert_ptr_eq(spool_next(s, NULL), spool_find(s, seq[2]));
	ck_assert_int_eq(spool_flush_acks(s), 0);
	ck_assert_uint_eq(spool_unwritten_acks(s), 0);
	snprintf(path, sizeof(path), "%s/soc.ack", unit_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 48);
	spool_close(s);
	/* the acks written are honoured at the next start: one record left */
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 1);
	/* the last record's ack cannot be written, but it was the last: cut back */
	seq[0] = spool_at(s, 0)->seq;
	cap_file_size(48);
	rc[0] = spool_ack(s, seq[0]);
	cap_file_size(RLIM_INFINITY);
	ck_assert_int_eq(rc[0], 0);	/* nothing left to acknowledge: cut back, no ack needed */
	ck_assert_uint_eq(spool_count(s), 0);
	ck_assert_uint_eq(spool_bytes(s), 0);
	ck_assert_uint_eq(spool_unwritten_acks(s), 0);
	spool_close(s);
	s = open_spool(BIG);
	ck_assert_uint_eq(spool_count(s), 0);
	spool_close(s);
}
END_TEST

/* The suite. */
Suite *
unit_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_test(tc, test_append_ack_replay);
	tcase_add_test(tc, test_crash_no_ack);
	tcase_add_test(tc, test_torn_record);
	tcase_add_test(tc, test_stale_ack);
	tcase_add_test(tc, test_size_bound);
	tcase_add_test(tc, test_longest_record);
	tcase_add_test(tc, test_overlong_record);
	tcase_add_test(tc, test_malformed_record);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_ack_unwritable);
	suite_add_tcase(s, tc);
	return s;
}
