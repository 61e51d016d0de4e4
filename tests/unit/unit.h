/*
 * unit.h: what every Check suite shares: one main (unit.c) that runs the
 * suite the test file builds, the source tree's paths, and a per-test
 * temporary directory.
 *
 * A test file defines unit_suite() and no main.  Tests fork (Check's
 * default), so the fixture's directory belongs to one test.
 */
#ifndef LOGWARD_TESTS_UNIT_H
#define LOGWARD_TESTS_UNIT_H

#include <limits.h>

#include <check.h>

/* The suite of this test program: each check_*.c defines it. */
Suite *unit_suite(void);

/*
 * The source tree: $top_srcdir made absolute ("." when unset), set by
 * main before the suite is built.
 */
extern char unit_srcdir[PATH_MAX];

/* unit_srcdir/rel, in one of 8 rotating static buffers. */
const char *unit_srcpath(const char *rel);

/*
 * The per-test directory: tcase_add_checked_fixture(tc, unit_dir_setup,
 * unit_dir_teardown).  Setup makes an empty directory under $TMPDIR (else
 * /tmp) named after the program, sets TZ=UTC and umask 022; teardown
 * removes it and everything the test left in it.
 */
#define UNIT_DIR_MAX 192 /* short, so that paths under it fit any PATH_MAX buffer */
extern char unit_dir[UNIT_DIR_MAX];
void unit_dir_setup(void);
void unit_dir_teardown(void);

/*
 * Run fn once after the whole suite, in the parent (a corpus suite
 * reports its divergences there).  One function; a second call replaces it.
 */
void unit_atend(void (*fn)(void));

/* unit_dir/name, in one of 8 rotating static buffers. */
const char *unit_path(const char *name);

#endif
