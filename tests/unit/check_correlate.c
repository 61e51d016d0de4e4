/*
 * check_correlate.c: the correlator: each correlation and what must not
 * fire it, window expiry, the bound on entries, the journal (restart in the
 * middle of a window, a torn record, compaction), the baseline file and
 * its file:line errors, the admin threshold and unknown admins, the actor
 * of a creation from a session, and several threads at once.  And the
 * indexes behind the state: one account among thousands in a scope, by
 * name and by id; expiry by receipt clock whatever the order of arrival;
 * admin counts through adds, deletions and restarts; the work per fact
 * bounded whatever the number of entries in the scope.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlate.h"
#include "unit.h"

#define T0 1700000000LL /* receipt clock of the tests, seconds */
#define US(s) ((int64_t)(s) * 1000000)

static struct slice
sl(const char *s)
{
	struct slice r = {s, s != NULL ? strlen(s) : 0};

	return r;
}

/* Default settings: window 3600, session 300, memory only. */
static struct correlate_settings
settings(void)
{
	struct correlate_settings s = {3600, 300, NULL, 1000, NULL, 0, false};

	return s;
}

static struct correlate *
new_correlate(const struct correlate_settings *s)
{
	char err[512] = "";
	struct correlate *c = correlate_new(s, T0, err, sizeof(err));

	ck_assert_msg(c != NULL, "correlate_new: %s", err);
	return c;
}

/* A fact of the tests: NULL fields are absent; seconds of event and receipt. */
struct test_fact {
	const char *scope, *account, *id, *group, *actor;
	int64_t ev, rcv;
};

/* Observe t; its raw line names scope, account, id (when it has one), group and time. */
static size_t
observe_fact(struct correlate *c, enum detect_fact kind, const struct test_fact *t,
    struct correlate_result *res)
{
	struct correlate_fact f;
	char raw[256];

	snprintf(raw, sizeof(raw), "line of %s %s%s%s %s at %lld", t->scope,
	    t->account != NULL ? t->account : "-", t->id != NULL ? " " : "",
	    t->id != NULL ? t->id : "", t->group != NULL ? t->group : "-", (long long)t->ev);
	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.scope = sl(t->scope);
	f.account = sl(t->account);
	f.account_id = sl(t->id);
	f.group = sl(t->group);
	f.actor = sl(t->actor);
	f.raw = sl(raw);
	f.rule_id = "test-rule";
	f.event_us = US(T0 + t->ev);
	f.received = T0 + t->rcv;
	correlate_observe(c, &f, res);
	return res->n_alerts;
}

/* Observe one fact at second t (event and receipt clock alike). */
static size_t
observe(struct correlate *c, enum detect_fact kind, const char *scope, const char *account,
    const char *group, const char *actor, int64_t t, struct correlate_result *res)
{
	struct test_fact tf = {scope, account, NULL, group, actor, t, t};

	return observe_fact(c, kind, &tf, res);
}

/* Observe and give only the number of alerts. */
static size_t
count(struct correlate *c, enum detect_fact kind, const char *scope, const char *account,
    const char *group, int64_t t)
{
	struct correlate_result res;
	size_t n = observe(c, kind, scope, account, group, NULL, t, &res);

	correlate_result_clear(&res);
	return n;
}

/* Observe a fact with an account id (NULL: none), event at ev, receipt at rcv. */
static size_t
observe_id(struct correlate *c, enum detect_fact kind, const char *scope, const char *account,
    const char *id, const char *group, int64_t ev, int64_t rcv, struct correlate_result *res)
{
	struct test_fact tf = {scope, account, id, group, NULL, ev, rcv};

	return observe_fact(c, kind, &tf, res);
}

/* observe_id, giving only the number of alerts. */
static size_t
count_id(struct correlate *c, enum detect_fact kind, const char *scope, const char *account,
    const char *id, const char *group, int64_t ev, int64_t rcv)
{
	struct correlate_result res;
	size_t n = observe_id(c, kind, scope, account, id, group, ev, rcv, &res);

	correlate_result_clear(&res);
	return n;
}

static uint64_t
entries(struct correlate *c)
{
	struct correlate_stats st;

	correlate_get_stats(c, &st);
	return st.entries;
}

START_TEST(test_created_then_admin)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	struct correlate_result res;

	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "web1.corp", "mallory", NULL, 0), 0);
	ck_assert_uint_eq(observe(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "WEB1", "mallory", "sudo", "root",
	    5, &res), 1);
	ck_assert_str_eq(res.alerts[0].rule->id, "correlate-created-then-admin");
	ck_assert_str_eq(res.alerts[0].scope, "web1");
	ck_assert_str_eq(res.alerts[0].account, "mallory");
	ck_assert_str_eq(res.alerts[0].group, "sudo");
	ck_assert_str_eq(res.alerts[0].actor, "root");
	ck_assert_uint_eq(res.alerts[0].n_evidence, 2);
	ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[0].raw, "at 0"));
	ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[1].raw, "sudo"));
	ck_assert_uint_eq(res.alerts[0].rule->n_techniques, 2);
	ck_assert_str_eq(res.alerts[0].rule->techniques[0].id, "T1136.001");
	ck_assert_str_eq(res.alerts[0].rule->techniques[1].id, "T1098");
	correlate_result_clear(&res);
	/* the shadow-group line of the same change: no second alert */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web1", "mallory", "sudo", 5), 0);
	/* another host, another account */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "web2", "eve", NULL, 10), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web3", "eve", "sudo", 11), 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_admin_before_created)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);

	/* workers may process the add first: the event times decide */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "bob", "wheel", 20), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "bob", NULL, 10), 1);
	/* an add before the creation (an older account of that name) is no pair */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "carl", "wheel", 10), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "carl", NULL, 20), 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_window_expiry)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	struct correlate_stats st;

	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "a", NULL, 0), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "b", NULL, 0), 0);
	/* one second past the window */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "a", "sudo", 3601), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "h", "b", NULL, 3601), 0);
	correlate_get_stats(c, &st);
	/* the two creations expired; the membership stays (no expiry) */
	ck_assert_uint_eq(st.entries, 1);
	/* at the edge of the window it still correlates */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "c", NULL, 4000), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "h", "c", NULL, 7600), 1);
	correlate_free(c);
}
END_TEST

START_TEST(test_short_lived)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	struct correlate_result res;

	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "tmp1", NULL, 0), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "tmp1", "sudo", 1), 1);
	ck_assert_uint_eq(observe(c, DETECT_FACT_ACCOUNT_DELETED, "h", "tmp1", NULL, "root", 60,
	    &res), 1);
	ck_assert_str_eq(res.alerts[0].rule->id, "correlate-short-lived-account");
	ck_assert_str_eq(res.alerts[0].rule->techniques[1].id, "T1070");
	ck_assert_uint_eq(res.alerts[0].n_evidence, 2);
	correlate_result_clear(&res);
	/* deleted once: a second userdel line finds nothing */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "h", "tmp1", NULL, 61), 0);
	/* a deletion without a creation in the window is nothing */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "h", "never-created", NULL, 62), 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_account_by_id)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	struct correlate_fact f;
	struct correlate_result res;

	/* 4720 names the account and its SID; 4732 gives the SID only */
	memset(&f, 0, sizeof(f));
	f.kind = DETECT_FACT_ACCOUNT_CREATED;
	f.scope = sl("WKS6.corp.local");
	f.account = sl("backdoor");
	f.account_id = sl("S-1-5-21-1-2-3-1000");
	f.raw = sl("4720");
	f.event_us = US(T0);
	f.received = T0;
	correlate_observe(c, &f, &res);
	ck_assert_uint_eq(res.n_alerts, 0);
	f.kind = DETECT_FACT_ADMIN_MEMBER_ADDED;
	f.account = sl("-");
	f.group = sl("Administrators");
	f.raw = sl("4732");
	correlate_observe(c, &f, &res);
	ck_assert_uint_eq(res.n_alerts, 1);
	ck_assert_str_eq(res.alerts[0].account, "backdoor");
	ck_assert_str_eq(res.alerts[0].scope, "wks6");
	correlate_result_clear(&res);
	/* another SID with the same name is another account */
	f.kind = DETECT_FACT_ACCOUNT_DELETED;
	f.account = sl("backdoor");
	f.account_id = sl("S-1-5-21-9-9-9-1000");
	correlate_observe(c, &f, &res);
	ck_assert_uint_eq(res.n_alerts, 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_bounds)
{
	struct correlate_settings s = settings();
	struct correlate *c;
	struct correlate_stats st;
	char name[32];
	int i;

	s.max_entries = 16;
	c = new_correlate(&s);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", name, "sudo", i), 0);
	}
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 16);
	ck_assert_uint_eq(st.overflow, 24);
	correlate_free(c);

	/* sessions: the newest SESSIONS_PER_SCOPE of a host, more are not kept */
	s.max_entries = 1000;
	c = new_correlate(&s);
	for (i = 0; i < 100; i++) {
		struct correlate_result res;

		snprintf(name, sizeof(name), "s%d", i);
		observe(c, DETECT_FACT_SESSION, "h", NULL, NULL, name, i, &res);
		correlate_result_clear(&res);
	}
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 16);
	ck_assert_uint_eq(st.overflow, 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_actor_from_session)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	struct correlate_result res;
	struct correlate_fact f;

	observe(c, DETECT_FACT_SESSION, "h", NULL, NULL, "bob", 0, &res);
	correlate_result_clear(&res);
	observe(c, DETECT_FACT_SESSION, "h", NULL, NULL, "alice", 10, &res);
	correlate_result_clear(&res);
	/* the newest session before the creation names its actor */
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "h", "x1", NULL, NULL, 20, &res);
	ck_assert_str_eq(res.actor, "alice");
	ck_assert_str_eq(res.actor_rule, "test-rule");
	correlate_result_clear(&res);
	/* a sudo line naming the account wins over a newer session */
	memset(&f, 0, sizeof(f));
	f.kind = DETECT_FACT_SESSION;
	f.scope = sl("h");
	f.actor = sl("carol");
	f.raw = sl("sudo: carol : COMMAND=/usr/sbin/useradd x2");
	f.event_us = US(T0 + 30);
	f.received = T0 + 30;
	correlate_observe(c, &f, &res);
	observe(c, DETECT_FACT_SESSION, "h", NULL, NULL, "dave", 31, &res);
	correlate_result_clear(&res);
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "h", "x2", NULL, NULL, 32, &res);
	ck_assert_str_eq(res.actor, "carol");
	correlate_result_clear(&res);
	/* an actor of its own is kept; a session too old or on another host is none */
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "h", "x3", NULL, "root", 33, &res);
	ck_assert_str_eq(res.actor, "");
	correlate_result_clear(&res);
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "h", "x4", NULL, NULL, 400, &res);
	ck_assert_str_eq(res.actor, "");
	correlate_result_clear(&res);
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "other", "x5", NULL, NULL, 34, &res);
	ck_assert_str_eq(res.actor, "");
	correlate_result_clear(&res);
	correlate_free(c);
}
END_TEST

/* Write a baseline file in the test directory; its path in path. */
static void
write_file(char *path, size_t cap, const char *name, const char *text)
{
	FILE *fp;

	snprintf(path, cap, "%s/%s", unit_dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

START_TEST(test_threshold_and_unknown)
{
	struct correlate_settings s = settings();
	struct correlate *c;
	struct correlate_result res;
	char path[PATH_MAX];

	write_file(path, sizeof(path), "admins", "# SCOPE GROUP MEMBER\n"
	    "*  sudo  root\n"
	    "web1\tsudo\talice   # inline comment\n"
	    "\n"
	    "WEB1.example.com \"Domain Admins\" \"bob smith\"\n");
	s.baseline = path;
	s.threshold = 2;
	c = new_correlate(&s);
	/* a baseline member: nothing */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web1", "alice", "sudo", 0), 0);
	/* web1 sudo: root + alice = 2; carol makes 3 > 2 */
	ck_assert_uint_eq(observe(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web1", "carol", "sudo", NULL, 1,
	    &res), 1);
	ck_assert_str_eq(res.alerts[0].rule->id, "correlate-admin-threshold");
	ck_assert_uint_eq(res.alerts[0].count, 3);
	ck_assert_uint_eq(res.alerts[0].n_evidence, 1);
	correlate_result_clear(&res);
	/* known now: the same add again is nothing */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web1", "carol", "sudo", 2), 0);
	/* web2 sudo: root + dave = 2, not over; alert_on_unknown is off */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web2", "dave", "sudo", 3), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web2", "erin", "sudo", 4), 1);
	/* group names compare without case, quoted fields keep their blanks */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web1", "bob smith",
	    "domain admins", 5), 0);
	/* deleting an account takes it out: adding it again is a new member again */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "web2", "erin", NULL, 6), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web2", "erin", "sudo", 7), 1);
	correlate_free(c);

	s.threshold = 0;
	s.alert_on_unknown = true;
	c = new_correlate(&s);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web9", "root", "sudo", 0), 0);
	ck_assert_uint_eq(observe(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "web9", "zed", "sudo", NULL, 1,
	    &res), 1);
	ck_assert_str_eq(res.alerts[0].rule->id, "correlate-admin-unknown");
	correlate_result_clear(&res);
	correlate_free(c);
}
END_TEST

/* A baseline that must fail to load with want in the error. */
static void
baseline_error(const char *text, const char *want)
{
	struct correlate_settings s = settings();
	char path[PATH_MAX], err[PATH_MAX + 512] = "", expect[PATH_MAX + 256];

	write_file(path, sizeof(path), "bad", text);
	s.baseline = path;
	ck_assert_ptr_null(correlate_new(&s, T0, err, sizeof(err)));
	snprintf(expect, sizeof(expect), "%s:%s", path, want);
	ck_assert_msg(strncmp(err, expect, strlen(expect)) == 0, "error \"%s\", expected \"%s...\"",
	    err, expect);
}

START_TEST(test_baseline_errors)
{
	struct correlate_settings s = settings();
	char err[512] = "", missing[] = "/nonexistent/admins";

	baseline_error("* sudo root\nweb1 sudo\n", "2: expected SCOPE GROUP MEMBER");
	baseline_error("# c\n\n* sudo root extra\n", "3: expected SCOPE GROUP MEMBER");
	baseline_error("* \"Domain Admins sudo root\n", "1: expected SCOPE GROUP MEMBER");
	baseline_error("* \"\" root\n", "1: expected SCOPE GROUP MEMBER");
	baseline_error("* sudo ro\"ot\n", "1: expected SCOPE GROUP MEMBER");
	s.baseline = missing;
	ck_assert_ptr_null(correlate_new(&s, T0, err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/admins: No such file or directory");
}
END_TEST

START_TEST(test_journal_restart)
{
	struct correlate_settings s = settings();
	struct correlate *c;
	struct correlate_result res;

	s.state_dir = unit_dir;
	c = new_correlate(&s);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "a", NULL, 0), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "b", NULL, 1), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "b", "sudo", 2), 1);
	observe(c, DETECT_FACT_SESSION, "h", NULL, NULL, "alice", 3, &res);
	correlate_result_clear(&res);
	/* freeing writes nothing: what is on disk is what a SIGKILL leaves */
	correlate_free(c);

	c = new_correlate(&s);
	/* a still in its window, b already correlated, alice's session remembered */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "a", "sudo", 100), 1);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "b", "sudo", 101), 0);
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "h", "c", NULL, NULL, 102, &res);
	ck_assert_str_eq(res.actor, "alice");
	correlate_result_clear(&res);
	correlate_free(c);

	/* and once more, from the snapshot written at the last start */
	c = new_correlate(&s);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "h", "c", NULL, 200), 1);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "a", "sudo", 201), 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_journal_damage)
{
	struct correlate_settings s = settings();
	struct correlate *c;
	struct correlate_stats st;
	char path[PATH_MAX];
	FILE *fp;

	s.state_dir = unit_dir;
	c = new_correlate(&s);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "a", NULL, 0), 0);
	correlate_free(c);
	snprintf(path, sizeof(path), "%s/correlate.journal", unit_dir);
	fp = fopen(path, "a");
	ck_assert_ptr_nonnull(fp);
	fputs("F\t9\t0\t1\t0\t1\th\tx\t\t\t\tr\traw\n", fp);   /* unknown kind */
	fputs("garbage\n", fp);
	/* times out of range: the window arithmetic would overflow on them */
	fputs("F\t1\t0\t9223372036854775807\t0\t1\th\tx\t\t\t\tr\traw\n", fp);
	fputs("F\t1\t0\t-1\t0\t1\th\tx\t\t\t\tr\traw\n", fp);
	fputs("F\t1\t0\t1\t0\t-9223372036854775807\th\tx\t\t\t\tr\traw\n", fp);
	fputs("E\t1\t0\t1\t9223372036854775807\t1\th\tx\t\t\t\tr\traw\n", fp);
	fputs("E\t9\t0\t1\t0\t1\th\tx\t\t\t\tr\traw\n", fp); /* unknown entry kind */
	fputs("F\t1\t0\t1700000001\t0\t1700000001000000\th\tz", fp); /* torn: no LF */
	fclose(fp);
	c = new_correlate(&s);
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.bad_records, 8);
	ck_assert_uint_eq(st.scopes, 1); /* a skipped record leaves no host behind */
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "h", "a", NULL, 10), 1);
	correlate_free(c);
}
END_TEST

START_TEST(test_journal_compaction)
{
	struct correlate_settings s = settings();
	struct correlate *c;
	struct correlate_stats st;
	char path[PATH_MAX];
	long size;
	FILE *fp;
	int i;

	s.state_dir = unit_dir;
	s.session_window = 1;
	c = new_correlate(&s);
	/* 5000 sessions, each expired by the next second: the journal stays small */
	for (i = 0; i < 5000; i++) {
		struct correlate_result res;

		observe(c, DETECT_FACT_SESSION, "h", NULL, NULL, "u", i * 2, &res);
		correlate_result_clear(&res);
	}
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.journal_errors, 0);
	correlate_free(c);
	snprintf(path, sizeof(path), "%s/correlate.journal", unit_dir);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fclose(fp);
	ck_assert_int_lt(size, 2100 * 100);
}
END_TEST

/* Account i of the index tests: a name and a SID. */
static void
account_of(int i, char *name, size_t nlen, char *sid, size_t slen)
{
	snprintf(name, nlen, "u%04d", i);
	snprintf(sid, slen, "S-1-5-21-7-%d", 1000 + i);
}

START_TEST(test_index_one_of_many)
{
	struct correlate_settings s = settings();
	struct correlate_result res;
	struct correlate *c;
	char name[32], sid[48];
	int i;

	s.max_entries = 10000;
	c = new_correlate(&s);
	for (i = 0; i < 5000; i++) {
		account_of(i, name, sizeof(name), sid, sizeof(sid));
		ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "DC01.corp", name, sid,
		    NULL, i / 10, i / 10), 0);
	}
	ck_assert_uint_eq(entries(c), 5000);
	/* by name: the fact has no id */
	ck_assert_uint_eq(observe_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", "u1234", NULL, NULL,
	    600, 600, &res), 1);
	ck_assert_str_eq(res.alerts[0].account, "u1234");
	ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[0].raw, " u1234 S-1-5-21-7-2234 "));
	correlate_result_clear(&res);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", "u1234", NULL, NULL,
	    601, 601), 0);
	/* by id: a 4732 names its member by SID only; the creation names it */
	ck_assert_uint_eq(observe_id(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "dc01", "-",
	    "S-1-5-21-7-3345", "Administrators", 602, 602, &res), 1);
	ck_assert_str_eq(res.alerts[0].rule->id, "correlate-created-then-admin");
	ck_assert_str_eq(res.alerts[0].account, "u2345");
	ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[0].raw, " u2345 "));
	correlate_result_clear(&res);
	/* both sides have an id: the ids decide, not the names */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", "u3456", "S-1-5-21-7-9",
	    NULL, 603, 603), 0);
	ck_assert_uint_eq(observe_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", "renamed",
	    "S-1-5-21-7-4456", NULL, 604, 604, &res), 1);
	ck_assert_str_eq(res.alerts[0].account, "u3456");
	correlate_result_clear(&res);
	/* an entry without an id: names, even when the fact has one */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "dc01", "noid", NULL, NULL, 605,
	    605), 0);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", "noid", "S-1-5-21-7-77",
	    NULL, 606, 606), 1);
	/* another scope has none of them */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc02", "u0001",
	    "S-1-5-21-7-1001", NULL, 607, 607), 0);
	/* 4998 creations and u2345's membership; each remaining account found as itself */
	ck_assert_uint_eq(entries(c), 4999);
	for (i = 0; i < 5000; i++) {
		bool gone = i == 1234 || i == 3456;

		account_of(i, name, sizeof(name), sid, sizeof(sid));
		ck_assert_uint_eq(observe_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", name, sid, NULL,
		    700, 700, &res), gone ? 0 : 1);
		if (!gone) {
			char want[128];

			snprintf(want, sizeof(want), " %s %s ", name, sid);
			ck_assert_str_eq(res.alerts[0].account, name);
			ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[0].raw, want));
		}
		correlate_result_clear(&res);
	}
	/* the deletion of u2345 took its membership too */
	ck_assert_uint_eq(entries(c), 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_index_newest_wins)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	struct correlate_result res;

	/* two creations of one name: the newest is taken first, then the other */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "dup", NULL, 1), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "dup", NULL, 2), 0);
	ck_assert_uint_eq(observe(c, DETECT_FACT_ACCOUNT_DELETED, "h", "dup", NULL, NULL, 3, &res),
	    1);
	ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[0].raw, "at 2"));
	correlate_result_clear(&res);
	ck_assert_uint_eq(observe(c, DETECT_FACT_ACCOUNT_DELETED, "h", "dup", NULL, NULL, 4, &res),
	    1);
	ck_assert_ptr_nonnull(strstr(res.alerts[0].evidence[0].raw, "at 1"));
	correlate_result_clear(&res);
	/* adds to two groups seen before the creation: the newest names the group */
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "m", "g1", 10), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", "m", "g2", 11), 0);
	ck_assert_uint_eq(observe(c, DETECT_FACT_ACCOUNT_CREATED, "h", "m", NULL, NULL, 5, &res), 1);
	ck_assert_str_eq(res.alerts[0].group, "g2");
	correlate_result_clear(&res);
	correlate_free(c);
}
END_TEST

START_TEST(test_index_expiry_order)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);

	/* two workers: "late" is kept after "early" but was received 2 s before it */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "h", "early", NULL, NULL, 10, 5),
	    0);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "h", "late", NULL, NULL, 10, 3),
	    0);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "h", "later", NULL, NULL, 10,
	    100), 0);
	/* at 3604 "late" (kept until 3603) is gone, "early" (3605) not yet */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "h", "late", NULL, NULL, 20,
	    3604), 0);
	ck_assert_uint_eq(entries(c), 2);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "h", "early", NULL, NULL, 20,
	    3604), 1);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "h", "later", NULL, NULL, 20,
	    3604), 1);
	ck_assert_uint_eq(entries(c), 0);
	correlate_free(c);
}
END_TEST

START_TEST(test_index_expiry_after_restart)
{
	struct correlate_settings s = settings();
	struct correlate *c;

	s.state_dir = unit_dir;
	c = new_correlate(&s);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "a", NULL, 0), 0);
	correlate_free(c);
	/* the start writes "a" into the snapshot with its expiry (3600) */
	correlate_free(new_correlate(&s));
	/* a shorter window now: "a" keeps its expiry, "b" gets 10 + 60 */
	s.window = 60;
	c = new_correlate(&s);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "b", NULL, 10), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "c", NULL, 100), 0);
	ck_assert_uint_eq(entries(c), 2); /* a and c */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "h", "d", NULL, 3601), 0);
	ck_assert_uint_eq(entries(c), 1); /* d */
	correlate_free(c);
}
END_TEST

/* An admin add to scope h at t; the alert's count, 0 when it gives none. */
static unsigned
admin_add(struct correlate *c, const char *scope, const char *account, const char *id,
    const char *group, int64_t t)
{
	struct correlate_result res;
	unsigned n = 0;

	if (observe_id(c, DETECT_FACT_ADMIN_MEMBER_ADDED, scope, account, id, group, t, t,
	    &res) > 0) {
		ck_assert_str_eq(res.alerts[0].rule->id, "correlate-admin-threshold");
		n = res.alerts[0].count;
	}
	correlate_result_clear(&res);
	return n;
}

START_TEST(test_index_admin_counts)
{
	struct correlate_settings s = settings();
	struct correlate *c;
	char path[PATH_MAX];

	write_file(path, sizeof(path), "admins", "h sudo root\n");
	s.baseline = path;
	s.threshold = 3;
	c = new_correlate(&s);
	/* h sudo: root (baseline), a, b; c makes 4 */
	ck_assert_uint_eq(admin_add(c, "h", "a", NULL, "sudo", 1), 0);
	ck_assert_uint_eq(admin_add(c, "h", "b", NULL, "sudo", 2), 0);
	ck_assert_uint_eq(admin_add(c, "h", "c", NULL, "sudo", 3), 4);
	/* the same member again, the group in another case: known, not counted */
	ck_assert_uint_eq(admin_add(c, "h", "c", NULL, "SUDO", 4), 0);
	/* a deletion takes b out: d makes 4 again, not 5 */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "h", "b", NULL, NULL, 5, 5), 0);
	ck_assert_uint_eq(admin_add(c, "h", "d", NULL, "Sudo", 6), 4);
	/* other groups, other scopes count apart; the baseline is h's only */
	ck_assert_uint_eq(admin_add(c, "h", "x", NULL, "wheel", 7), 0);
	ck_assert_uint_eq(admin_add(c, "h2", "a", NULL, "sudo", 8), 0);
	ck_assert_uint_eq(admin_add(c, "h2", "b", NULL, "sudo", 9), 0);
	ck_assert_uint_eq(admin_add(c, "h2", "c", NULL, "sudo", 10), 0);
	ck_assert_uint_eq(admin_add(c, "h2", "d", NULL, "sudo", 11), 4);
	/* memberships do not expire; a baseline member is not counted twice */
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "h", "new", NULL, NULL, 100000,
	    100000), 0);
	ck_assert_uint_eq(admin_add(c, "h", "root", NULL, "sudo", 100001), 0);
	ck_assert_uint_eq(admin_add(c, "h", "e", NULL, "sudo", 100002), 5);
	/* by id only; its deletion by id takes it out again */
	ck_assert_uint_eq(admin_add(c, "h", "-", "S-1-9", "sudo", 100003), 6);
	ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_DELETED, "h", "-", "S-1-9", NULL, 100004,
	    100004), 0);
	ck_assert_uint_eq(admin_add(c, "h", "f", NULL, "sudo", 100005), 6);
	correlate_free(c);
}
END_TEST

START_TEST(test_index_replay)
{
	struct correlate_settings s = settings();
	struct correlate_result res;
	struct correlate *c;
	char name[32], sid[48];
	uint64_t before;
	int i, restart;

	s.state_dir = unit_dir;
	s.max_entries = 20000;
	s.threshold = 1000;
	c = new_correlate(&s);
	for (i = 0; i < 3000; i++) {
		account_of(i, name, sizeof(name), sid, sizeof(sid));
		ck_assert_uint_eq(count_id(c, DETECT_FACT_ACCOUNT_CREATED, "dc01", name, sid, NULL,
		    i / 10, i / 10), 0);
	}
	/* the first 100 into Domain Admins, by SID */
	for (i = 0; i < 100; i++) {
		account_of(i, name, sizeof(name), sid, sizeof(sid));
		ck_assert_uint_eq(count_id(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "dc01", "-", sid,
		    "Domain Admins", 400, 400), 1);
	}
	observe(c, DETECT_FACT_SESSION, "dc01", NULL, NULL, "alice", 401, &res);
	correlate_result_clear(&res);
	before = entries(c);
	ck_assert_uint_eq(before, 3101);
	correlate_free(c);

	/* first from the facts, then from the snapshot of the last start */
	for (restart = 0; restart < 2; restart++) {
		char group[32];

		s.threshold = 100 + (unsigned)restart;
		c = new_correlate(&s);
		ck_assert_uint_eq(entries(c), before);
		/* the learned admins are counted: one more passes the threshold */
		snprintf(name, sizeof(name), "extra%d", restart);
		ck_assert_uint_eq(admin_add(c, "dc01", name, NULL, "domain admins", 402),
		    101 + (unsigned)restart);
		/* correlated before the restart: no second alert */
		account_of(7, name, sizeof(name), sid, sizeof(sid));
		snprintf(group, sizeof(group), "Backup Operators %d", restart);
		ck_assert_uint_eq(count_id(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "dc01", name, sid,
		    group, 403, 403), 0);
		before += 2;
		correlate_free(c);
	}
	c = new_correlate(&s);
	ck_assert_uint_eq(entries(c), before);
	observe(c, DETECT_FACT_ACCOUNT_CREATED, "dc01", "x", NULL, NULL, 402, &res);
	ck_assert_str_eq(res.actor, "alice");
	correlate_result_clear(&res);
	/* every creation is still there, as itself */
	for (i = 0; i < 3000; i++) {
		account_of(i, name, sizeof(name), sid, sizeof(sid));
		ck_assert_uint_eq(observe_id(c, DETECT_FACT_ACCOUNT_DELETED, "dc01", "-", sid, NULL,
		    500, 500, &res), 1);
		ck_assert_str_eq(res.alerts[0].account, name);
		correlate_result_clear(&res);
	}
	correlate_free(c);
}
END_TEST

START_TEST(test_index_overflow)
{
	struct correlate_settings s = settings();
	struct correlate_stats st;
	struct correlate *c;
	char name[32];
	int i;

	s.max_entries = 100;
	c = new_correlate(&s);
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "dc", name, NULL, i), 0);
	}
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 100);
	ck_assert_uint_eq(st.overflow, 50);
	/* the ones not kept are not found; the kept ones are */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "dc", "u120", NULL, 200), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "dc", "u99", NULL, 200), 1);
	/* full again; at 3700 the first hundred have expired: room, nothing dropped */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "other", "v", NULL, 201), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "other", "w", NULL, 202), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "other", "y", NULL, 3700), 0);
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.overflow, 51);
	ck_assert_uint_eq(st.entries, 2); /* v, kept at 201, and y */
	correlate_free(c);
}
END_TEST

/*
 * The work per fact does not grow with the entries of its scope: 20,000
 * facts on one host (creations, admin adds by SID, deletions by name, a
 * session now and then), each looking at a bounded number of index nodes
 * and entries (the stats' visits), where one list of the scope would look
 * at thousands.
 */
START_TEST(test_index_work_per_fact)
{
	struct correlate_settings s = settings();
	struct correlate_stats st;
	struct correlate *c;
	char name[32], sid[48];
	uint64_t last = 0, most = 0;
	size_t alerts = 0;
	int i, n = 0;

	s.max_entries = 30000;
	c = new_correlate(&s);
	for (i = 0; i < 20000; i++) {
		int k = i % 10000;

		account_of(k, name, sizeof(name), sid, sizeof(sid));
		if (i < 10000)
			alerts += count_id(c, DETECT_FACT_ACCOUNT_CREATED, "DC01", name, sid, NULL,
			    i / 10, i / 10);
		else if (k % 2 == 0)
			alerts += count_id(c, DETECT_FACT_ADMIN_MEMBER_ADDED, "DC01", "-", sid,
			    "Domain Admins", i / 10, i / 10);
		else
			alerts += count_id(c, DETECT_FACT_ACCOUNT_DELETED, "DC01", name, NULL, NULL,
			    i / 10, i / 10);
		if (i % 100 == 0) {
			struct correlate_result res;

			observe(c, DETECT_FACT_SESSION, "DC01", NULL, NULL, "admin", i / 10, &res);
			correlate_result_clear(&res);
			n++;
		}
		n++;
		correlate_get_stats(c, &st);
		if (st.visits - last > most)
			most = st.visits - last;
		last = st.visits;
	}
	printf("work per fact: %llu visits for %d facts, at most %llu for one\n",
	    (unsigned long long)last, n, (unsigned long long)most);
	ck_assert_uint_eq(alerts, 10000);
	/* 5,000 creations and 5,000 memberships left */
	ck_assert_uint_eq(entries(c), 10000 + 16);
	/* a session scan (16) and a few short chains a fact */
	ck_assert_msg(most <= 64, "%llu visits for one fact", (unsigned long long)most);
	ck_assert_msg(last <= (uint64_t)n * 24, "%llu visits for %d facts",
	    (unsigned long long)last, n);
	correlate_free(c);
}
END_TEST

struct thread_arg {
	struct correlate *c;
	int id;
	size_t alerts;
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	char name[32];
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "t%d-%d", a->id, i);
		a->alerts += count(a->c, DETECT_FACT_ACCOUNT_CREATED, "h", name, NULL, i);
		a->alerts += count(a->c, DETECT_FACT_ADMIN_MEMBER_ADDED, "h", name, "sudo", i);
	}
	return NULL;
}

static uint64_t
scopes(struct correlate *c)
{
	struct correlate_stats st;

	correlate_get_stats(c, &st);
	return st.scopes;
}

/*
 * A host is forgotten once it holds nothing: 5,000 made-up host names
 * whose facts keep nothing leave no scope behind, and scopes whose
 * entries expire or are deleted go with them.
 */
START_TEST(test_scopes_bounded)
{
	struct correlate_settings s = settings();
	struct correlate *c = new_correlate(&s);
	char host[32];
	int i;

	for (i = 0; i < 5000; i++) {
		snprintf(host, sizeof(host), "made-up-%d.example", i);
		/* a deletion of an unknown account and a session without actor keep nothing */
		count(c, DETECT_FACT_ACCOUNT_DELETED, host, "nobody", NULL, 1);
		count(c, DETECT_FACT_SESSION, host, NULL, NULL, 1);
	}
	ck_assert_uint_eq(entries(c), 0);
	ck_assert_uint_eq(scopes(c), 0);
	/* two hosts with a creation each: two scopes; one deleted, one expired */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "a", "x", NULL, 10), 0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "b", "y", NULL, 10),
	    0);
	ck_assert_uint_eq(scopes(c), 2);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "a", "x", NULL, 20),
	    1);
	ck_assert_uint_eq(scopes(c), 1);
	/* past b's window: the next fact anywhere that fills the state... or b's own */
	count(c, DETECT_FACT_ACCOUNT_DELETED, "b", "other", NULL, 3700);
	ck_assert_uint_eq(entries(c), 0);
	ck_assert_uint_eq(scopes(c), 0);
	/* a scope comes back as it was: a new creation on "a" correlates as before */
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_CREATED, "a", "z", NULL, 3800),
	    0);
	ck_assert_uint_eq(count(c, DETECT_FACT_ACCOUNT_DELETED, "a", "z", NULL, 3810),
	    1);
	ck_assert_uint_eq(scopes(c), 0);
	correlate_free(c);
}
END_TEST

/*
 * The state full of made-up hosts, then one more host (issue 13: the
 * 17th host of max_entries 16, or the 10,001st of the default, crashed
 * the daemon, and again at every restart on the journal it left): the
 * fact past the bound is dropped and counted, for every kind of fact, and
 * a restart on that journal gives the same state.
 */
static void
fill_new_hosts(size_t max, const enum detect_fact kind)
{
	struct correlate_settings s = settings();
	struct correlate_result res;
	struct correlate_stats st;
	struct test_fact tf = {NULL, "acct", NULL, "sudo", "alice", 5, 5};
	struct correlate *c;
	uint64_t overflow;
	char host[32];
	size_t i;

	s.state_dir = unit_dir;
	s.max_entries = max;
	c = new_correlate(&s);
	for (i = 0; i < max + 10; i++) {
		snprintf(host, sizeof(host), "host%zu", i);
		tf.scope = host;
		observe_fact(c, kind, &tf, &res);
		correlate_result_clear(&res);
	}
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, max);
	ck_assert_uint_eq(st.scopes, max);
	ck_assert_uint_eq(st.overflow, 10);
	correlate_free(c);

	/* the restart on the journal it left, then past the bound again */
	c = new_correlate(&s);
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, max);
	ck_assert_uint_eq(st.scopes, max);
	ck_assert_uint_eq(st.bad_records, 0);
	overflow = st.overflow; /* the replay drops what the first run dropped */
	for (i = 0; i < 10; i++) {
		snprintf(host, sizeof(host), "again%zu", i);
		tf.scope = host;
		observe_fact(c, kind, &tf, &res);
		correlate_result_clear(&res);
	}
	correlate_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, max);
	ck_assert_uint_eq(st.scopes, max);
	ck_assert_uint_eq(st.overflow, overflow + 10);
	if (kind != DETECT_FACT_ADMIN_MEMBER_ADDED) {
		/* past the window: the sweep of a full state makes room for new hosts */
		tf.rcv = tf.ev = 4000;
		for (i = 0; i < 10; i++) {
			snprintf(host, sizeof(host), "later%zu", i);
			tf.scope = host;
			observe_fact(c, kind, &tf, &res);
			correlate_result_clear(&res);
		}
		correlate_get_stats(c, &st);
		ck_assert_uint_eq(st.entries, max < 10 ? max : 10);
		ck_assert_uint_eq(st.scopes, max < 10 ? max : 10);
	}
	correlate_free(c);
}

START_TEST(test_full_new_hosts)
{
	static const enum detect_fact kinds[] = {DETECT_FACT_SESSION,
	    DETECT_FACT_ACCOUNT_CREATED, DETECT_FACT_ADMIN_MEMBER_ADDED};
	const size_t max[] = {1, 16, 10000};

	fill_new_hosts(max[_i / 3], kinds[_i % 3]);
}
END_TEST

START_TEST(test_threads)
{
	struct correlate_settings s = settings();
	struct thread_arg args[4];
	pthread_t th[4];
	struct correlate *c;
	int i;

	s.state_dir = unit_dir;
	s.max_entries = 100000;
	c = new_correlate(&s);
	for (i = 0; i < 4; i++) {
		args[i].c = c;
		args[i].id = i;
		args[i].alerts = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert_uint_eq(args[i].alerts, 500);
	}
	correlate_free(c);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("correlate");
	TCase *tc = tcase_create("correlate");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_created_then_admin);
	tcase_add_test(tc, test_admin_before_created);
	tcase_add_test(tc, test_window_expiry);
	tcase_add_test(tc, test_short_lived);
	tcase_add_test(tc, test_account_by_id);
	tcase_add_test(tc, test_bounds);
	tcase_add_loop_test(tc, test_full_new_hosts, 0, 9);
	tcase_add_test(tc, test_actor_from_session);
	tcase_add_test(tc, test_threshold_and_unknown);
	tcase_add_test(tc, test_baseline_errors);
	tcase_add_test(tc, test_journal_restart);
	tcase_add_test(tc, test_journal_damage);
	tcase_add_test(tc, test_journal_compaction);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_index_one_of_many);
	tcase_add_test(tc, test_index_newest_wins);
	tcase_add_test(tc, test_index_expiry_order);
	tcase_add_test(tc, test_index_expiry_after_restart);
	tcase_add_test(tc, test_index_admin_counts);
	tcase_add_test(tc, test_index_replay);
	tcase_add_test(tc, test_index_overflow);
	tcase_add_test(tc, test_index_work_per_fact);
	tcase_add_test(tc, test_scopes_bounded);
	suite_add_tcase(s, tc);
	return s;
}
