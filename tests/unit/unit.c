/*
 * unit.c: the one main of the Check suites and their shared fixtures
 * (unit.h).
 */
#define _GNU_SOURCE /* program_invocation_short_name */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

char unit_srcdir[PATH_MAX];
char unit_dir[UNIT_DIR_MAX];
static void (*atend)(void);

void
unit_atend(void (*fn)(void))
{
	atend = fn;
}

/* One of 8 rotating buffers: a test may hold a few paths at once. */
static char *
next_buf(void)
{
	static char buf[8][PATH_MAX];
	static unsigned next;

	return buf[next++ % 8];
}

const char *
unit_srcpath(const char *rel)
{
	char *p = next_buf();

	if (snprintf(p, PATH_MAX, "%s/%s", unit_srcdir, rel) >= PATH_MAX)
		ck_abort_msg("path too long: %s/%s", unit_srcdir, rel);
	return p;
}

const char *
unit_path(const char *name)
{
	char *p = next_buf();

	if (snprintf(p, PATH_MAX, "%s/%s", unit_dir, name) >= PATH_MAX)
		ck_abort_msg("path too long: %s/%s", unit_dir, name);
	return p;
}

void
unit_dir_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	setenv("TZ", "UTC", 1);
	tzset();
	umask(022);
	n = snprintf(unit_dir, sizeof(unit_dir), "%s/%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", program_invocation_short_name);
	ck_assert_msg(n > 0 && (size_t)n < sizeof(unit_dir), "TMPDIR too long (%d bytes at most)",
	    UNIT_DIR_MAX - 32);
	ck_assert_msg(mkdtemp(unit_dir) != NULL, "mkdtemp %s: %s", unit_dir, strerror(errno));
}

/* nftw: remove one entry, depth first. */
static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* a test may have made a directory unwritable or unreadable: open it up first */
	if (flag == FTW_DP || flag == FTW_DNR)
		chmod(path, 0700);
	if (remove(path) == -1 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void
unit_dir_teardown(void)
{
	if (unit_dir[0] == '\0')
		return;
	/* FTW_PHYS: a symlink a test made is removed, never followed */
	nftw(unit_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * One directory for the whole run, made the tests' TMPDIR: a test that
 * fails ends its (forked) process before its fixture's teardown, so its
 * directory would stay behind; the parent removes this one at the end
 * whatever happened, unless UNIT_KEEP is set (to look at what a failed
 * test left).  Returns 0, or -1 with the reason printed.
 */
static int
run_dir_make(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, size, "%s/%s.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
	    program_invocation_short_name);
	if (n <= 0 || (size_t)n >= size) {
		fprintf(stderr, "TMPDIR too long\n");
		return -1;
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return setenv("TMPDIR", dir, 1);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char run_dir[UNIT_DIR_MAX / 2];
	SRunner *sr;
	int failed;

	if (realpath(top != NULL ? top : ".", unit_srcdir) == NULL) {
		perror("top_srcdir");
		return 1;
	}
	if (run_dir_make(run_dir, sizeof(run_dir)) == -1)
		return 1;
	sr = srunner_create(unit_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (atend != NULL)
		atend();
	if (getenv("UNIT_KEEP") != NULL)
		fprintf(stderr, "UNIT_KEEP: the tests' directories are under %s\n", run_dir);
	else
		nftw(run_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? 0 : 1;
}
