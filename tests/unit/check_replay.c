/*
 * check_replay.c: what a spool took from the alerts file (replay.h): the
 * mark's round trip and its damage, the taken set and its bound, and
 * replay passes: from the mark, a refusal, damaged, torn and over-long
 * lines, rotation (the mark's file still there, or gone), copytruncate.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"
#include "unit.h"

/* Write s to dir/name (truncating); its path into path. */
static void
put(const char *name, const char *s, size_t len, char *path, size_t size)
{
	FILE *fp;

	snprintf(path, size, "%s/%s", unit_dir, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(s, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* A mark at offset of the file at path. */
static struct replay_mark
mark_of(const char *path, uint64_t offset)
{
	struct replay_mark m;
	struct stat st;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(m.path, sizeof(m.path), "%s", path);
	m.dev = (uint64_t)st.st_dev;
	m.ino = (uint64_t)st.st_ino;
	m.offset = offset;
	return m;
}

/* What a pass was offered: the lines joined by '|'; refuses the line "refuse". */
struct seen {
	char text[512];
};

static int
record_linecb(void *arg, const char *line, size_t len)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	if (len == 8 && memcmp(line, "{refuse}", 8) == 0)
		return -1;
	snprintf(s->text + n, sizeof(s->text) - n, "%s%.*s", n > 0 ? "|" : "", (int)len, line);
	return 0;
}

START_TEST(test_mark)
{
	static const struct {
		const char *text;
		int want;
	} bad[] = {
		{ "", -1 },
		{ "logward-mark 1 1 2 3\n", -1 },           /* no path */
		{ "logward-mark 2 1 2 3 /x\n", -1 },        /* unknown version */
		{ "logward-mark 1 1 2 3 /x", -1 },          /* torn: no LF */
		{ "logward-mark 1 x 2 3 /x\n", -1 },
	};
	struct replay_mark m, back;
	char err[256], path[PATH_MAX];
	size_t i;

	ck_assert_int_eq(replay_mark_load(unit_dir, "soc", &back, err, sizeof(err)), 1);
	memset(&m, 0, sizeof(m));
	snprintf(m.path, sizeof(m.path), "/var/log/logward/alerts with space.jsonl");
	m.dev = 66306;
	m.ino = 1234567;
	m.offset = 1ull << 40;
	ck_assert_int_eq(replay_mark_store(unit_dir, "soc", &m), 0);
	ck_assert_int_eq(replay_mark_load(unit_dir, "soc", &back, err, sizeof(err)), 0);
	ck_assert_str_eq(back.path, m.path);
	ck_assert(back.dev == m.dev && back.ino == m.ino && back.offset == m.offset);
	snprintf(path, sizeof(path), "%s/soc.mark", unit_dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("soc.mark", bad[i].text, strlen(bad[i].text), path, sizeof(path));
		ck_assert_int_eq(replay_mark_load(unit_dir, "soc", &back, err, sizeof(err)), bad[i].want);
		ck_assert(strstr(err, "soc.mark") != NULL);
	}
}
END_TEST

/* The taken set: membership, reset with keep, reload, and the bound. */
START_TEST(test_taken)
{
	char err[256];
	unsigned char h[REPLAY_HASH_LEN], keep[REPLAY_HASH_LEN], zero[REPLAY_HASH_LEN] = { 0 };
	struct taken *t = taken_open(unit_dir, "soc", err, sizeof(err));
	uint32_t i;

	ck_assert_msg(t != NULL, "%s", err);
	replay_hash("{a}", 3, h);
	ck_assert(!taken_has(t, h));
	ck_assert_int_eq(taken_add(t, h), 0);
	ck_assert_int_eq(taken_add(t, h), 0);	/* twice: one entry */
	ck_assert(taken_has(t, h));
	ck_assert_int_eq(taken_add(t, zero), 0);	/* the all-zero hash is a hash too */
	ck_assert(taken_has(t, zero));
	ck_assert_uint_eq(taken_count(t), 2);
	replay_hash("{b}", 3, keep);
	ck_assert_int_eq(taken_reset(t, keep, 1), 0);
	ck_assert(!taken_has(t, h) && !taken_has(t, zero) && taken_has(t, keep));
	taken_close(t);
	t = taken_open(unit_dir, "soc", err, sizeof(err));
	ck_assert(taken_has(t, keep) && !taken_has(t, h));
	/* at the bound and past it */
	for (i = 1; taken_count(t) < REPLAY_TAKEN_MAX; i++) {
		memset(h, 0, sizeof(h));
		memcpy(h, &i, sizeof(i));
		ck_assert_int_eq(taken_add(t, h), 0);
	}
	memset(h, 0xee, sizeof(h));
	ck_assert_int_eq(taken_add(t, h), -1);
	ck_assert(!taken_has(t, h));
	ck_assert(taken_has(t, keep));
	taken_close(t);
}
END_TEST

/* One pass over one file: what was offered, where it ended or stopped. */
START_TEST(test_pass)
{
	static const struct {
		const char *file;
		uint64_t from;
		const char *offered;
		bool complete;
		uint64_t at;           /* end offset, or the stop's */
		uint64_t damaged;
	} cases[] = {
		{ "{1}\n{2}\n", 0, "{1}|{2}", true, 8, 0 },
		{ "{1}\n{2}\n", 4, "{2}", true, 8, 0 },
		{ "{1}\n{2}\n{3", 0, "{1}|{2}", true, 8, 0 },              /* torn: not yet */
		{ "{1}\nnot json\n\n{2}\n", 0, "{1}|{2}", true, 18, 1 },   /* damaged, empty */
		{ "{1}\n{refuse}\n{2}\n", 0, "{1}", false, 4, 0 },
		{ "{1}\n", 100, "{1}", true, 4, 0 },                       /* copytruncate */
		{ "{1}\n{\0}\n", 0, "{1}", true, 8, 1 },                    /* NUL inside */
	};
	char path[PATH_MAX], tmpl[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct replay_mark m;
		struct replay_result res;
		struct seen seen = { "" };
		size_t len = strlen(cases[i].file);

		if (i == 6)
			len = 8;
		put("alerts.jsonl", cases[i].file, len, path, sizeof(path));
		snprintf(tmpl, sizeof(tmpl), "%s/alerts.jsonl", unit_dir);
		m = mark_of(path, cases[i].from);
		ck_assert_int_eq(replay_alerts(tmpl, 0, &m, true, record_linecb, &seen, &res), 0);
		ck_assert_msg(strcmp(seen.text, cases[i].offered) == 0, "case %zu: %s", i, seen.text);
		ck_assert_msg(res.complete == cases[i].complete, "case %zu", i);
		ck_assert_uint_eq((res.complete ? res.end.offset : res.stop.offset), cases[i].at);
		ck_assert_uint_eq(res.damaged, cases[i].damaged);
		ck_assert_str_eq(res.end.path, tmpl);
	}
}
END_TEST

/* No mark: nothing offered, the mark goes to the end; no file: offset 0. */
START_TEST(test_no_mark)
{
	char path[PATH_MAX], tmpl[PATH_MAX];
	struct replay_mark m = { "", 0, 0, 0 };
	struct replay_result res;
	struct seen seen = { "" };

	snprintf(tmpl, sizeof(tmpl), "%s/alerts.jsonl", unit_dir);
	ck_assert_int_eq(replay_alerts(tmpl, 0, &m, false, record_linecb, &seen, &res), 0);
	ck_assert(res.complete && res.end.offset == 0 && res.end.ino == 0);
	put("alerts.jsonl", "{1}\n{2}\n", 8, path, sizeof(path));
	ck_assert_int_eq(replay_alerts(tmpl, 0, &m, false, record_linecb, &seen, &res), 0);
	ck_assert_str_eq(seen.text, "");
	ck_assert(res.complete && res.end.offset == 8);
	/* a mark taken when the file did not exist yet (inode 0): all of it */
	m = res.end;
	m.ino = 0;
	m.offset = 0;
	ck_assert_int_eq(replay_alerts(tmpl, 0, &m, true, record_linecb, &seen, &res), 0);
	ck_assert_str_eq(seen.text, "{1}|{2}");
}
END_TEST

/* Rotation: the mark's file still at its path, then gone. */
START_TEST(test_rotation)
{
	char old[PATH_MAX], cur[PATH_MAX], tmpl[PATH_MAX];
	struct replay_mark m;
	struct replay_result res;
	struct seen seen = { "" };

	put("alerts-1.jsonl", "{o1}\n{o2}\n{o3}\n", 15, old, sizeof(old));
	m = mark_of(old, 5);
	put("alerts-2.jsonl", "{n1}\n", 5, cur, sizeof(cur));
	/* the template names the new day's file now */
	snprintf(tmpl, sizeof(tmpl), "%s/alerts-2.jsonl", unit_dir);
	ck_assert_int_eq(replay_alerts(tmpl, 0, &m, true, record_linecb, &seen, &res), 0);
	ck_assert_str_eq(seen.text, "{o2}|{o3}|{n1}");
	ck_assert(res.complete && !res.lost_file);
	ck_assert_str_eq(res.end.path, cur);
	ck_assert_uint_eq(res.end.offset, 5);
	/* the old file rotated away under another name: reported, not replayed */
	ck_assert_int_eq(unlink(old), 0);
	seen.text[0] = '\0';
	ck_assert_int_eq(replay_alerts(tmpl, 0, &m, true, record_linecb, &seen, &res), 0);
	ck_assert_str_eq(seen.text, "{n1}");
	ck_assert(res.complete && res.lost_file);
}
END_TEST

/* A line at REPLAY_LINE_MAX is offered; one past it is damaged and skipped. */
START_TEST(test_long_line)
{
	size_t sizes[2] = { REPLAY_LINE_MAX - 1, REPLAY_LINE_MAX + 1 };
	char path[PATH_MAX], tmpl[PATH_MAX];
	size_t k;

	snprintf(tmpl, sizeof(tmpl), "%s/alerts.jsonl", unit_dir);
	for (k = 0; k < 2; k++) {
		size_t n = sizes[k];
		char *buf = malloc(n + 6);
		struct replay_mark m;
		struct replay_result res;
		struct seen seen = { "" };

		ck_assert_ptr_nonnull(buf);
		memset(buf, 'x', n);
		buf[0] = '{';
		buf[n - 1] = '}';
		memcpy(buf + n, "\n{2}\n", 5);
		put("alerts.jsonl", buf, n + 5, path, sizeof(path));
		free(buf);
		m = mark_of(path, 0);
		/* the callback records only short lines legibly: count what came */
		ck_assert_int_eq(replay_alerts(tmpl, 0, &m, true, record_linecb, &seen, &res), 0);
		ck_assert(res.complete);
		ck_assert_uint_eq(res.end.offset, n + 5);
		ck_assert_uint_eq(res.lines, k == 0 ? 2 : 1);
		ck_assert_uint_eq(res.damaged, k == 0 ? 0 : 1);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *su = suite_create("replay");
	TCase *tc = tcase_create("replay");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mark);
	tcase_add_test(tc, test_taken);
	tcase_add_test(tc, test_pass);
	tcase_add_test(tc, test_no_mark);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_long_line);
	suite_add_tcase(su, tc);
	return su;
}
