/*
 * check_process.c: processor_run, the one path of a frame through parse,
 * normalize, event, detection and correlation that the workers and
 * --test-rules share (process.h), with the shipped patterns/: what each
 * kind of frame appends to the events and the alerts, and what it says in
 * its result (a parse failure, a normalization, an alert and its
 * detection, the correlations it completes).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "correlate.h"
#include "detect.h"
#include "process.h"
#include "unit.h"

static struct processor proc;
static struct detect_set *set;
static struct strbuf events, alerts;

static void
setup(void)
{
	char err[1024] = "";

	ck_assert_msg(processor_init(&proc, unit_srcpath("patterns"), err, sizeof(err)) == 0, "%s",
	    err);
	set = detect_load(unit_srcpath("patterns"), err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	processor_set_detect(&proc, set, false);
	strbuf_init(&events);
	strbuf_init(&alerts);
}

static void
teardown(void)
{
	processor_fini(&proc);
	detect_free(set);
	strbuf_free(&events);
	strbuf_free(&alerts);
}

/* Run one frame received at 2026-11-27T10:00:00Z from 192.0.2.7. */
static struct process_result
run(const char *frame, struct strbuf *alerts_out)
{
	struct frame_meta meta = {
	    .input_name = "unit",
	    .transport = "tcp",
	    .source_ip = "192.0.2.7",
	    .source_port = 5140,
	    .received = {1795773600, 0},
	};
	struct process_result res;

	memset(&res, 0xa5, sizeof(res));
	ck_assert_int_eq(processor_run(&proc, frame, strlen(frame), &meta, &events, alerts_out,
	    &res), 0);
	return res;
}

/* Line n (0-based) of b as JSON; the caller puts it. */
static struct json_object *
line(const struct strbuf *b, int n)
{
	const char *p = b->data, *end;
	char *text;
	struct json_object *o;

	ck_assert_ptr_nonnull(p);
	for (; n > 0; n--) {
		p = memchr(p, '\n', b->len - (size_t)(p - b->data));
		ck_assert_ptr_nonnull(p);
		p++;
	}
	end = memchr(p, '\n', b->len - (size_t)(p - b->data));
	ck_assert_ptr_nonnull(end); /* every line is whole */
	text = strndup(p, (size_t)(end - p));
	o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "not JSON: %s", text);
	free(text);
	return o;
}

static size_t
lines(const struct strbuf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

/* The string at a dotted path of o, or NULL. */
static const char *
str_at(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL, *k;
	struct json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, k, &v))
			return NULL;
	return json_object_get_string(v);
}

static bool
has_tag(struct json_object *o, const char *tag)
{
	struct json_object *tags;
	size_t i;

	if (!json_object_object_get_ex(o, "tags", &tags))
		return false;
	for (i = 0; i < (size_t)json_object_array_length(tags); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(tags, i)), tag) == 0)
			return true;
	return false;
}

/* A broken RFC 5424 header (Feb 30): one event, raw and flagged, no alert. */
START_TEST(test_malformed)
{
	struct process_result res = run("<13>1 2003-02-30T00:00:00Z h a p m - useradd", &alerts);
	struct json_object *e;

	ck_assert(res.parse_failed);
	ck_assert(!res.alerted);
	ck_assert_ptr_null(res.detection);
	ck_assert_uint_eq(res.correlated, 0);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(alerts.len, 0);
	e = line(&events, 0);
	ck_assert(has_tag(e, "_syslog_parse_failure"));
	ck_assert_ptr_nonnull(str_at(e, "event.original"));
	ck_assert_str_eq(str_at(e, "source.ip"), "192.0.2.7");
	ck_assert_str_eq(str_at(e, "observer.ingress.interface.name"), "unit");
	json_object_put(e);
}
END_TEST

/* A plain line: normalized or not, one event and no alert. */
START_TEST(test_benign)
{
	struct process_result res =
	    run("<38>Nov 27 10:00:00 web1 sshd[42]: Connection closed by 198.51.100.4", &alerts);
	struct json_object *e;

	ck_assert(!res.parse_failed);
	ck_assert(!res.alerted);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(alerts.len, 0);
	e = line(&events, 0);
	ck_assert_str_eq(str_at(e, "host.hostname"), "web1");
	ck_assert_str_eq(str_at(e, "event.kind"), "event");
	json_object_put(e);
}
END_TEST

/* An account created: the event, then the alert line, its detection given back. */
START_TEST(test_alert)
{
	const char *frame = "<86>Nov 27 10:00:00 web1 useradd[101]: new user: name=eve, "
	    "UID=2001, GID=2001, home=/home/eve, shell=/bin/sh, from=none";
	struct process_result res = run(frame, &alerts);
	struct json_object *e, *a;

	ck_assert(res.normalized);
	ck_assert(res.alerted);
	ck_assert_ptr_nonnull(res.detection);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(lines(&alerts), 1);
	e = line(&events, 0);
	a = line(&alerts, 0);
	ck_assert_str_eq(str_at(a, "event.kind"), "alert");
	ck_assert_str_eq(str_at(a, "rule.id"), res.detection->id);
	ck_assert_str_eq(str_at(a, "user.target.name"), "eve");
	ck_assert_str_eq(str_at(a, "event.original"), frame);
	ck_assert_str_eq(str_at(e, "user.target.name"), "eve");
	json_object_put(e);
	json_object_put(a);

	/* no alerts buffer: no detection, the same event */
	strbuf_reset(&events);
	strbuf_reset(&alerts);
	res = run(frame, NULL);
	ck_assert(!res.alerted);
	ck_assert_ptr_null(res.detection);
	ck_assert_uint_eq(lines(&events), 1);
	ck_assert_uint_eq(alerts.len, 0);
}
END_TEST

/* Created, then into sudo: the second line completes a correlation. */
START_TEST(test_correlated)
{
	struct correlate_settings s = {3600, 300, NULL, 1000, NULL, 0, false};
	char err[256] = "";
	struct correlate *c = correlate_new(&s, 1795773600, err, sizeof(err));
	struct process_result res;
	struct json_object *a;
	size_t before;

	ck_assert_msg(c != NULL, "%s", err);
	processor_set_correlate(&proc, c);
	res = run("<86>Nov 27 10:00:00 web1 useradd[101]: new user: name=mallory, UID=2002, "
	    "GID=2002, home=/home/mallory, shell=/bin/sh, from=none", &alerts);
	ck_assert(res.alerted);
	ck_assert_uint_eq(res.correlated, 0);
	before = lines(&alerts);
	res = run("<86>Nov 27 10:00:05 web1 usermod[102]: add 'mallory' to group 'sudo'", &alerts);
	ck_assert_uint_eq(res.correlated, 1);
	ck_assert_uint_eq(lines(&alerts), before + (res.alerted ? 1 : 0) + 1);
	a = line(&alerts, (int)lines(&alerts) - 1);
	ck_assert_str_eq(str_at(a, "rule.id"), "correlate-created-then-admin");
	ck_assert_str_eq(str_at(a, "user.target.name"), "mallory");
	json_object_put(a);
	processor_set_correlate(&proc, NULL);
	correlate_free(c);
}
END_TEST

/*
 * Sigma alerts feed the correlator (issue 17): rules written for the test,
 * loaded with the shipped mapping files and no detection of logward's own.
 */
static const char sigma_created[] =
    "title: Sigma user created\nid: 5e0b1c3a-0000-4000-8000-000000000001\nlevel: medium\n"
    "tags:\n  - attack.persistence\n  - attack.t1136.001\n"
    "logsource:\n  product: windows\n  service: security\n"
    "detection:\n  selection:\n    EventID: 4720\n  condition: selection\n";
static const char sigma_admin[] =
    "title: Sigma member added to a local group\nid: 5e0b1c3a-0000-4000-8000-000000000002\n"
    "level: medium\ntags:\n  - attack.persistence\n  - attack.t1098\n"
    "logsource:\n  product: windows\n  service: security\n"
    "detection:\n  selection:\n    EventID: 4732\n  condition: selection\n";
/* about account creation, but its mapping (4688) names no account */
static const char sigma_cmdline[] =
    "title: Sigma net user add\nid: 5e0b1c3a-0000-4000-8000-000000000003\nlevel: medium\n"
    "tags:\n  - attack.persistence\n  - attack.t1136.001\n"
    "logsource:\n  product: windows\n  category: process_creation\n"
    "detection:\n  selection:\n    CommandLine|contains|all: ['net', ' user ', '/add']\n"
    "  condition: selection\n";

#define NX_HEAD "<14>Nov 27 10:00:00 wks6 {\"SourceName\":\"Microsoft-Windows-Security-" \
    "Auditing\",\"Channel\":\"Security\",\"Hostname\":\"WKS6.corp.local\",\"SubjectUserName\":" \
    "\"eve\",\"SubjectDomainName\":\"CORP\",\"SubjectUserSid\":\"S-1-5-21-1-1104\","
static const char nx_4720[] = NX_HEAD "\"EventID\":4720,\"TargetUserName\":\"backdoor\","
    "\"TargetDomainName\":\"WKS6\",\"TargetSid\":\"S-1-5-21-9-1000\"}";
static const char nx_4732_admins[] = NX_HEAD "\"EventID\":4732,\"MemberName\":\"-\","
    "\"MemberSid\":\"S-1-5-21-9-1000\",\"TargetUserName\":\"Administrators\","
    "\"TargetDomainName\":\"Builtin\",\"TargetSid\":\"S-1-5-32-544\"}";
static const char nx_4732_users[] = NX_HEAD "\"EventID\":4732,\"MemberName\":\"-\","
    "\"MemberSid\":\"S-1-5-21-9-1000\",\"TargetUserName\":\"Users\","
    "\"TargetDomainName\":\"Builtin\",\"TargetSid\":\"S-1-5-32-545\"}";
static const char nx_4688[] = NX_HEAD "\"EventID\":4688,\"NewProcessName\":"
    "\"C:\\\\Windows\\\\System32\\\\net.exe\",\"CommandLine\":\"net user backdoor P4ss /add\"}";

static void
write_file(const char *name, const char *text)
{
	FILE *fp = fopen(unit_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	fclose(fp);
}

/* The test's Sigma rules with the shipped mappings, instead of the shipped detections. */
static void
use_sigma_rules(void)
{
	char err[1024] = "";

	write_file("created.yml", sigma_created);
	write_file("admin.yml", sigma_admin);
	write_file("cmdline.yml", sigma_cmdline);
	ck_assert_int_eq(symlink(unit_srcpath("patterns/sigma"), unit_path("sigma")), 0);
	detect_free(set);
	set = detect_load_sigma(unit_dir, NULL, err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	/* each on three forwarders' shapes; process creation on Security 4688 and Sysmon 1 */
	ck_assert_uint_eq(detect_count(set), 3 + 3 + 6);
	processor_set_detect(&proc, set, false);
}

static struct correlate *
correlator(void)
{
	struct correlate_settings s = {3600, 300, NULL, 1000, NULL, 0, false};
	char err[256] = "";
	struct correlate *c = correlate_new(&s, 1795773600, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	processor_set_correlate(&proc, c);
	return c;
}

static uint64_t
facts(struct correlate *c)
{
	struct correlate_stats st;

	correlate_get_stats(c, &st);
	return st.facts;
}

/* The fields a correlated alert is judged by: the same for Sigma and native facts. */
static const char *const corr_fields[] = {"rule.id", "user.target.name", "user.target.id",
    "group.name", "host.hostname", "event.action", "threat.technique.id", "event.severity"};

/* 4720 then 4732 into Administrators through set; the correlated alert, caller puts. */
static struct json_object *
created_then_admin(void)
{
	struct correlate *c = correlator();
	struct process_result res;
	struct json_object *a;

	res = run(nx_4720, &alerts);
	ck_assert(res.alerted);
	ck_assert_uint_eq(facts(c), 1);
	res = run(nx_4732_admins, &alerts);
	ck_assert(res.alerted);
	ck_assert_uint_eq(facts(c), 2);
	ck_assert_uint_eq(res.correlated, 1);
	a = line(&alerts, (int)lines(&alerts) - 1);
	processor_set_correlate(&proc, NULL);
	correlate_free(c);
	return a;
}

START_TEST(test_sigma_correlated)
{
	struct json_object *native, *sigma;
	size_t i;

	native = created_then_admin();
	strbuf_reset(&alerts);
	use_sigma_rules();
	sigma = created_then_admin();
	ck_assert_str_eq(str_at(sigma, "rule.id"), "correlate-created-then-admin");
	ck_assert_str_eq(str_at(sigma, "user.target.name"), "backdoor");
	for (i = 0; i < sizeof(corr_fields) / sizeof(corr_fields[0]); i++) {
		const char *n = str_at(native, corr_fields[i]), *g = str_at(sigma, corr_fields[i]);

		ck_assert_msg((n == NULL) == (g == NULL) && (n == NULL || strcmp(n, g) == 0),
		    "%s: native %s, Sigma %s", corr_fields[i], n ? n : "(none)", g ? g : "(none)");
	}
	json_object_put(native);
	json_object_put(sigma);
}
END_TEST

/* A Sigma alert gives no fact where its mapping names no account, or the group is no admin one. */
START_TEST(test_sigma_no_fact)
{
	struct correlate *c;
	struct process_result res;

	use_sigma_rules();
	c = correlator();
	res = run(nx_4688, &alerts);
	ck_assert(res.alerted);
	ck_assert(res.detection->sigma);
	ck_assert_uint_eq(facts(c), 0);
	res = run(nx_4732_users, &alerts);
	ck_assert(res.alerted);
	ck_assert_uint_eq(facts(c), 0);
	/* the admin grant after a creation nobody gave as a fact completes nothing */
	res = run(nx_4732_admins, &alerts);
	ck_assert(res.alerted);
	ck_assert_uint_eq(facts(c), 1);
	ck_assert_uint_eq(res.correlated, 0);
	processor_set_correlate(&proc, NULL);
	correlate_free(c);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_benign);
	tcase_add_test(tc, test_alert);
	tcase_add_test(tc, test_correlated);
	suite_add_tcase(s, tc);
	tc = tcase_create("sigma");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sigma_correlated);
	tcase_add_test(tc, test_sigma_no_fact);
	suite_add_tcase(s, tc);
	return s;
}
