/*
 * check_normalize.c: normalize.c over liblognorm, and every sample row of
 * tests/patterns/linux-shadow-utils.tsv through the shipped rulebase.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "normalize.h"
#include "unit.h"


/*
 * LeakSanitizer (sanitizer builds): liblognorm 2.0.6 leaks the tag list of
 * a rule it rejects while loading (~800 bytes per bad rule, once per
 * failed load).  Suppressed by its load-time stack only, so that a leak
 * while normalizing still fails the tests; liblognorm has no frame
 * pointers, so that stack needs the slow unwinder.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_options(void);
const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:ln_sampLoad\n";
}

/* Run a NUL-terminated string; the copy is exactly strlen bytes, no NUL. */
static int
run_exact(struct normalizer *n, const char *s, struct json_object **out)
{
	size_t len = strlen(s);
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	rc = normalizer_run(n, copy, len, out);
	free(copy);
	return rc;
}

/* A string field of a result, or NULL. */
static const char *
field(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return NULL;
	return json_object_get_string(v);
}

static struct normalizer *shadow;

/* Fixture: the shipped rulebase, loaded in the forked test process. */
static void
shadow_setup(void)
{
	char path[4096], err[512];

	snprintf(path, sizeof(path), "%s", unit_srcpath("patterns/linux-shadow-utils.rulebase"));
	shadow = normalizer_new(path, err, sizeof(err));
	ck_assert_msg(shadow != NULL, "%s", err);
}

static void
shadow_teardown(void)
{
	normalizer_free(shadow);
	shadow = NULL;
}

/* rsyslog forwards a 3164 MSG with its leading space: rules still match. */
START_TEST(test_run_leading_blanks)
{
	struct json_object *out;

	ck_assert_int_eq(run_exact(shadow, " \tnew user: name=bob, UID=1001, GID=1001, "
	    "home=/home/bob, shell=/bin/bash", &out), 1);
	ck_assert_str_eq(field(out, "user.target.name"), "bob");
	json_object_put(out);
	ck_assert_int_eq(run_exact(shadow, "   ", &out), 0);
}
END_TEST

START_TEST(test_shadow_fields)
{
	struct json_object *out;

	ck_assert_int_eq(normalizer_rulebase_count(shadow), 1);
	ck_assert_int_eq(run_exact(shadow, "new user: name=bob, UID=1001, GID=1001, "
	    "home=/home/bob, shell=/bin/bash, from=/dev/pts/0", &out), 1);
	ck_assert_str_eq(field(out, "user.target.name"), "bob");
	ck_assert_str_eq(field(out, "user.target.id"), "1001");
	ck_assert_str_eq(field(out, "event.category"), "iam");
	ck_assert_str_eq(field(out, "event.type"), "creation");
	ck_assert_str_eq(field(out, "event.action"), "user-created");
	json_object_put(out);
	ck_assert_int_eq(run_exact(shadow, "delete user 'bob'", &out), 1);
	ck_assert_str_eq(field(out, "user.target.name"), "bob");
	ck_assert_str_eq(field(out, "event.action"), "user-deleted");
	json_object_put(out);
	out = (struct json_object *)1;
	ck_assert_int_eq(run_exact(shadow, "delete 'bob' from group 'sudo'", &out), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(run_exact(shadow, "", &out), 0);
	ck_assert_ptr_null(out);
}
END_TEST

/* len is the message: bytes after it are never part of it, nor needed. */
START_TEST(test_run_respects_len)
{
	static const char text[] = "new group: name=bob, GID=1001XYZ";
	struct json_object *out;

	ck_assert_int_eq(normalizer_run(shadow, text, sizeof(text) - 1 - 3, &out), 1);
	ck_assert_str_eq(field(out, "group.id"), "1001");
	ck_assert_str_eq(field(out, "group.name"), "bob");
	json_object_put(out);
	ck_assert_int_eq(normalizer_run(shadow, text, sizeof(text) - 1, &out), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(normalizer_run(shadow, "x", 0, &out), 0);
}
END_TEST

/*
 * liblognorm sees a message up to its first NUL: it compares literals as
 * C strings and, where one ends at a NUL of the message, reads on past the
 * literal (normalize.c).  What follows the NUL is not normalized.
 */
START_TEST(test_run_stops_at_nul)
{
	static const char text[] = "new group: name=bob, GID=1001\0, x";
	struct json_object *out;

	ck_assert_int_eq(normalizer_run(shadow, text, sizeof(text) - 1, &out), 1);
	ck_assert_str_eq(field(out, "group.id"), "1001");
	ck_assert_str_eq(field(out, "group.name"), "bob");
	json_object_put(out);
	/* a NUL where a literal ends ("new group: name="), then bytes to compare */
	out = (struct json_object *)1;
	ck_assert_int_eq(normalizer_run(shadow, "new group: name=\0\0\0\0\0\0\0\0bob, GID=1", 34,
	    &out), 0);
	ck_assert_ptr_null(out);
	/* a NUL first: nothing to normalize; leading blanks before it skipped */
	ck_assert_int_eq(normalizer_run(shadow, " \0new group: name=bob, GID=1", 28, &out), 0);
	ck_assert_ptr_null(out);
}
END_TEST

/* Unmatched and matched messages in exact-size heap copies (ASan build). */
START_TEST(test_run_exact_heap_copies)
{
	static const char *const texts[] = {
		"new user: name=a, uid=1, gid=1, home=/h, shell=/s",
		"nothing matches this",
		"new user: name=a, uid=1, gid=1, home=/h, shell=",
		"n",
	};
	struct json_object *out;
	size_t i, len;
	char *copy;
	int rc;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		len = strlen(texts[i]);
		copy = malloc(len);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, texts[i], len);
		rc = normalizer_run(shadow, copy, len, &out);
		ck_assert_int_eq(rc, i == 0 ? 1 : 0);
		if (out != NULL)
			json_object_put(out);
		free(copy);
	}
}
END_TEST

START_TEST(test_dir_two_files)
{
	char path[4096], err[512];
	struct normalizer *n;
	struct json_object *out;

	snprintf(path, sizeof(path), "%s", unit_srcpath("tests/data/normalize/two"));
	n = normalizer_new(path, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	/* a.rulebase and b.rulebase; README, .hidden.rulebase, *.bak, dir.rulebase/ skipped */
	ck_assert_int_eq(normalizer_rulebase_count(n), 2);
	ck_assert_int_eq(run_exact(n, "alpha: hello bob", &out), 1);
	ck_assert_str_eq(field(out, "name"), "bob");
	json_object_put(out);
	/* b.rulebase's rule does not inherit a.rulebase's prefix. */
	ck_assert_int_eq(run_exact(n, "bye carol", &out), 1);
	ck_assert_str_eq(field(out, "name"), "carol");
	json_object_put(out);
	ck_assert_int_eq(run_exact(n, "alpha: bye carol", &out), 0);
	ck_assert_int_eq(run_exact(n, "inside a directory x", &out), 0);
	normalizer_free(n);
}
END_TEST

/*
 * liblognorm optimizes its tree at the end of each load: a later file's
 * rule sharing a leading literal with an earlier file's must still match.
 */
START_TEST(test_dir_shared_prefix)
{
	char path[4096], err[512];
	struct normalizer *n;
	struct json_object *out;

	snprintf(path, sizeof(path), "%s", unit_srcpath("tests/data/normalize/shared-prefix"));
	n = normalizer_new(path, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_int_eq(run_exact(n, "user bob added by alice to group sudo", &out), 1);
	ck_assert_str_eq(field(out, "group"), "sudo");
	json_object_put(out);
	ck_assert_int_eq(run_exact(n, "user bob added by alice", &out), 1);
	ck_assert_str_eq(field(out, "actor"), "alice");
	ck_assert_ptr_null(field(out, "group"));
	json_object_put(out);
	normalizer_free(n);
}
END_TEST

START_TEST(test_dir_trailing_slash)
{
	char path[4096], err[512];
	struct normalizer *n;

	snprintf(path, sizeof(path), "%s", unit_srcpath("tests/data/normalize/two/"));
	n = normalizer_new(path, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_int_eq(normalizer_rulebase_count(n), 2);
	normalizer_free(n);
}
END_TEST

START_TEST(test_dir_empty)
{
	char dir[] = "/tmp/check_normalize.XXXXXX", err[512] = "untouched?";
	struct normalizer *n;
	struct json_object *out;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	n = normalizer_new(dir, err, sizeof(err));
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(normalizer_rulebase_count(n), 0);
	ck_assert_int_eq(run_exact(n, "new group: name=bob, GID=1001", &out), 0);
	ck_assert_ptr_null(out);
	normalizer_free(n);
	rmdir(dir);
}
END_TEST

START_TEST(test_missing_path)
{
	char err[512];

	ck_assert_ptr_null(normalizer_new("/nonexistent/logward-rules", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/logward-rules: No such file or directory");
	ck_assert_ptr_null(normalizer_new("", err, sizeof(err)));
	ck_assert_ptr_null(normalizer_new("/nonexistent", NULL, 0));
	ck_assert_ptr_null(normalizer_new("/dev/null", err, sizeof(err)));
	ck_assert_str_eq(err, "/dev/null: not a directory or a regular file");
}
END_TEST

/* A bad rule on line 4 of the second file of a directory. */
START_TEST(test_broken_rule_in_dir)
{
	char path[4096], want[4200], err[512];

	snprintf(path, sizeof(path), "%s", unit_srcpath("tests/data/normalize/broken"));
	ck_assert_ptr_null(normalizer_new(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/b-broken.rulebase:4: invalid field type 'nosuchparser'",
	    path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_broken_record_file)
{
	char path[4096], want[4200], err[512];

	snprintf(path, sizeof(path), "%s", unit_srcpath("tests/data/normalize/badrecord.rulebase"));
	ck_assert_ptr_null(normalizer_new(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: invalid record type detected: 'foo'", path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* liblognorm would load these with its v1 engine, without a word. */
START_TEST(test_not_v2)
{
	static const char *const files[] = { "v1.rulebase", "crlf.rulebase" };
	char rel[256], path[4096], want[4200], err[512];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/data/normalize/%s", files[i]);
		snprintf(path, sizeof(path), "%s", unit_srcpath(rel));
		ck_assert_ptr_null(normalizer_new(path, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s:1: not a liblognorm v2 rulebase: "
		    "the first line must be exactly \"version=2\"", path);
		ck_assert_str_eq(err, want);
	}
}
END_TEST

/* Write a file; the caller removes it. */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * An empty tag crashes liblognorm 2.0.6 while it loads ("rule=,a:" and
 * "a,,b" dereference NULL): refused first, with file and line, as a file
 * and through its directory; well-formed tag lists still load.
 */
static const struct {
	const char *rule;
	bool refused;
} tag_cases[] = {
	{ "rule=,a:hello %x:word%\n", true },
	{ "rule=a,,b:hello %x:word%\n", true },
	{ "rule=a,:hello %x:word%\n", true },
	{ "rule=,:hello %x:word%\n", true },
	{ "rule=a,b:hello %x:word%\n", false },
	{ "rule=a:hello %x:word%\n", false },
	{ "rule=:hello %x:word%\n", false },
	/* a comma after the tags' colon is the rule's, not a tag list's */
	{ "rule=a:x,,y %x:word%\n", false },
};

START_TEST(test_empty_tag)
{
	char dir[] = "/tmp/check_normalize.XXXXXX", path[256], text[256], want[512], err[512];
	const char *where[2];
	struct normalizer *n;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tags.rulebase", dir);
	snprintf(text, sizeof(text), "version=2\n# tags\n%s", tag_cases[_i].rule);
	write_file(path, text);
	where[0] = path;
	where[1] = dir;
	for (i = 0; i < 2; i++) {
		err[0] = '\0';
		n = normalizer_new(where[i], err, sizeof(err));
		if (!tag_cases[_i].refused) {
			ck_assert_msg(n != NULL, "%s refused: %s", tag_cases[_i].rule, err);
			normalizer_free(n);
			continue;
		}
		ck_assert_ptr_null(n);
		snprintf(want, sizeof(want), "%s:3: an empty tag in", path);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "error: %s", err);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A file name with brackets still gives the right file and line. */
START_TEST(test_error_name_with_brackets)
{
	char dir[] = "/tmp/check_normalize.XXXXXX", path[256], want[512], err[512];
	struct normalizer *n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/odd[7]: name.rulebase", dir);
	write_file(path, "version=2\n\n\n\n\nrule=x:a %f:nosuchparser%\n");
	ck_assert_ptr_null(normalizer_new(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:6: invalid field type 'nosuchparser'", path);
	ck_assert_str_eq(err, want);
	/* Found through its directory: a blank cannot be included (liblognorm). */
	ck_assert_ptr_null(normalizer_new(dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: a rulebase in a directory may not have a blank "
	    "in its path; rename it", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	/* Without the blank, errors through the directory name the file and line. */
	snprintf(path, sizeof(path), "%s/odd[7]:name.rulebase", dir);
	write_file(path, "version=2\n\n\n\n\nrule=x:a %f:nosuchparser%\n");
	ck_assert_ptr_null(normalizer_new(dir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:6: invalid field type 'nosuchparser'", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	/* Empty and one-line files. */
	snprintf(path, sizeof(path), "%s/empty.rulebase", dir);
	write_file(path, "");
	ck_assert_ptr_null(normalizer_new(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ":1: not a liblognorm v2 rulebase"));
	write_file(path, "version=2");
	n = normalizer_new(path, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_int_eq(normalizer_rulebase_count(n), 1);
	normalizer_free(n);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* An include= that cannot be opened names the file being loaded. */
START_TEST(test_error_include)
{
	char dir[] = "/tmp/check_normalize.XXXXXX", path[256], want[512], err[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/inc.rulebase", dir);
	write_file(path, "version=2\ninclude=/nonexistent/x.rb\n");
	ck_assert_ptr_null(normalizer_new(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: cannot open rulebase '/nonexistent/x.rb': "
	    "No such file or directory", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	rmdir(dir);
}
END_TEST

struct worker {
	const char *rules;
	int matched;
	int failed;
};

/* One normalizer per thread, loaded and run while the others run too. */
static void *
normalize_worker(void *arg)
{
	struct worker *w = arg;
	struct normalizer *n;
	struct json_object *out;
	char err[512], msg[128], name[32];
	int i;

	if ((n = normalizer_new(w->rules, err, sizeof(err))) == NULL) {
		w->failed = 1;
		return NULL;
	}
	for (i = 0; i < 2000; i++) {
		snprintf(msg, sizeof(msg), "new group: name=g%d, GID=%d", i, i);
		snprintf(name, sizeof(name), "g%d", i);
		if (normalizer_run(n, msg, strlen(msg), &out) == 1) {
			if (strcmp(field(out, "group.name"), name) == 0 &&
			    atoi(field(out, "group.id")) == i)
				w->matched++;
			json_object_put(out);
		}
		if (normalizer_run(n, "remove group 'x'", 16, &out) != 0)
			w->failed = 1;
	}
	normalizer_free(n);
	return NULL;
}

START_TEST(test_threads)
{
	char path[4096];
	pthread_t t[4];
	struct worker w[4];
	int i;

	snprintf(path, sizeof(path), "%s", unit_srcpath("patterns/linux-shadow-utils.rulebase"));
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .rules = path };
		ck_assert_int_eq(pthread_create(&t[i], NULL, normalize_worker, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].failed, 0);
		ck_assert_int_eq(w[i].matched, 2000);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *tc;

	tc = tcase_create("patterns");
	tcase_add_checked_fixture(tc, shadow_setup, shadow_teardown);
	tcase_add_test(tc, test_shadow_fields);
	tcase_add_test(tc, test_run_leading_blanks);
	tcase_add_test(tc, test_run_respects_len);
	tcase_add_test(tc, test_run_stops_at_nul);
	tcase_add_test(tc, test_run_exact_heap_copies);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_dir_two_files);
	tcase_add_test(tc, test_dir_shared_prefix);
	tcase_add_test(tc, test_dir_trailing_slash);
	tcase_add_test(tc, test_dir_empty);
	tcase_add_test(tc, test_missing_path);
	tcase_add_test(tc, test_broken_rule_in_dir);
	tcase_add_test(tc, test_broken_record_file);
	tcase_add_test(tc, test_not_v2);
	tcase_add_test(tc, test_error_name_with_brackets);
	tcase_add_loop_test(tc, test_empty_tag, 0, (int)(sizeof(tag_cases) / sizeof(tag_cases[0])));
	tcase_add_test(tc, test_error_include);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}
