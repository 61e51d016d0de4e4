/*
 * check_detect.c: the detections: every operator (absent fields too),
 * field lookup (flat, nested, mixed, header), samehost, regex,
 * target_pattern capture, the tag index, best-of-several selection,
 * unless, load errors with file:line for each kind of mistake, and a
 * two-file directory.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "detect.h"
#include "parse.h"
#include "test_event.h"
#include "unit.h"

/* Write text to name in the test directory; returns the path. */
static const char *
write_file(const char *name, const char *text)
{
	static char path[4][PATH_MAX];
	static int next;
	char *p = path[next++ % 4];
	FILE *fp;

	snprintf(p, sizeof(path[0]), "%s/%s", unit_dir, name);
	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return p;
}

/* A detections file with one detection (tag "t") whose only condition is cond. */
static struct detect_set *
load_cond(const char *cond, char *err, size_t errlen)
{
	char text[2048], esc[1024];
	size_t i, n = 0;

	for (i = 0; cond[i] != '\0' && n + 2 < sizeof(esc); i++) {
		if (cond[i] == '"' || cond[i] == '\\')
			esc[n++] = '\\';
		esc[n++] = cond[i];
	}
	esc[n] = '\0';
	snprintf(text, sizeof(text),
	    "technique T1136 { name = \"Create Account\" tactic = \"TA0003\" "
	    "tactic_name = \"Persistence\" }\n"
	    "detection c {\n title = \"c\"\n technique = \"T1136\"\n severity = low\n"
	    " tags = { \"t\" }\n when = { \"%s\" }\n}\n",
	    esc);
	write_file("cond.detections", text);
	return detect_load(unit_dir, err, errlen);
}

#define LINE "<13>Nov 27 10:00:00 host1.corp.local app[1]: msg text here"
#define NORM                                                                                 \
	"{\"event.tags\":[\"t\"],\"user.target.name\":\"Bob\",\"n\":4720,\"b\":true,"       \
	"\"user\":{\"domain\":\"CORP\"},\"a.b\":{\"c\":\"mix\"},\"x\":\"hello world\","      \
	"\"wks\":\"HOST1\",\"ip2\":\"10.9.9.9\",\"ip3\":\"10.1.2.3\",\"q\":\"it's\","        \
	"\"g\":\"Domain Admins\",\"d\":{\"e\":{\"f\":\"deep\"}}}"

static const struct {
	const char *cond;
	bool holds;
} op_cases[] = {
    {"user.target.name exists", true},
    {"nope exists", false},
    {"nope missing", true},
    {"user.target.name missing", false},
    {"user.target.name == Bob", true},
    {"user.target.name == bob", false},
    {"nope == x", false},
    {"user.target.name != bob", true},
    {"user.target.name != Bob", false},
    {"nope != x", true},
    {"user.target.name =~ bOB", true},
    {"user.target.name =~ bo", false},
    {"user.target.name !~ bob", false},
    {"user.target.name !~ alice", true},
    {"nope =~ x", false},
    {"nope !~ x", true},
    {"user.target.name in (alice, Bob)", true},
    {"user.target.name in (alice,bob)", false},
    {"user.target.name in Bob", true},
    {"user.target.name !in (alice, bob)", true},
    {"user.target.name !in ( alice , Bob )", false},
    {"nope in (a)", false},
    {"nope !in (a)", true},
    {"user.target.name in_i (alice, BOB)", true},
    {"user.target.name in_i (alice, bo)", false},
    {"user.target.name !in_i (BOB)", false},
    {"user.target.name !in_i (x, y)", true},
    {"nope in_i (a)", false},
    {"nope !in_i (a)", true},
    {"x contains 'lo wo'", true},
    {"x contains LO", false},
    {"nope contains x", false},
    {"x contains_i 'LO WO'", true},
    {"x contains_i xyz", false},
    {"nope contains_i x", false},
    {"x !contains_i WORLD", false},
    {"x !contains_i xyz", true},
    {"nope !contains_i x", true},
    {"x starts_with_i HEL", true},
    {"x starts_with_i world", false},
    {"nope starts_with_i x", false},
    {"x ends_with_i WORLD", true},
    {"x ends_with_i hello", false},
    {"nope ends_with_i x", false},
    {"x regex '^hel+o w'", true},
    {"x regex '^HELLO'", true},
    {"x regex '^world'", false},
    {"x !regex '^world'", true},
    {"x !regex 'o w'", false},
    {"nope regex x", false},
    {"nope !regex x", true},
    {"host.hostname samehost wks", true},
    {"host.hostname !samehost wks", false},
    {"host.hostname samehost user.domain", false},
    {"host.hostname !samehost user.domain", true},
    {"host.hostname samehost nope", false},
    {"host.hostname !samehost nope", true},
    {"nope samehost wks", false},
    {"nope !samehost wks", true},
    {"source.ip samehost ip2", false},
    {"source.ip samehost ip3", true},
    /* numbers and booleans by their text */
    {"n == 4720", true},
    {"n in (1, 4720)", true},
    {"b == true", true},
    /* nested, mixed, deep */
    {"user.domain == CORP", true},
    {"a.b.c == mix", true},
    {"d.e.f == deep", true},
    {"d.e exists", true},
    /* quoting */
    {"q == 'it\\'s'", true},
    {"g =~ 'domain admins'", true},
    {"g in ('Domain Admins', x)", true},
    /* header fields */
    {"log.syslog.appname == app", true},
    {"log.syslog.hostname == host1.corp.local", true},
    {"log.syslog.procid == 1", true},
    {"log.syslog.msgid missing", true},
    {"log.syslog.facility.code == 1", true},
    {"log.syslog.severity.code == 5", true},
    {"host.hostname =~ HOST1.CORP.LOCAL", true},
    {"source.ip == 10.1.2.3", true},
    {"message == 'msg text here'", true},
    {"message contains_i TEXT", true},
};

START_TEST(test_operator)
{
	struct test_event e;
	struct detect_result res;
	struct detect_set *s;
	char err[1024];

	s = load_cond(op_cases[_i].cond, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s: %s", op_cases[_i].cond, err);
	ck_assert_uint_eq(detect_count(s), 1);
	event_make(&e, LINE, NORM, "10.1.2.3");
	ck_assert_msg(detect_match(s, &e.de, &res) == (op_cases[_i].holds ? 1 : 0),
	    "\"%s\" should %s", op_cases[_i].cond, op_cases[_i].holds ? "hold" : "not hold");
	if (op_cases[_i].holds) {
		ck_assert_str_eq(res.detection->id, "c");
		ck_assert_int_eq((int)res.tag.len, 1);
		ck_assert_int_eq(res.tag.p[0], 't');
	}
	event_done(&e);
	detect_free(s);
}
END_TEST

/* A liblognorm field wins over a header field of the same name. */
START_TEST(test_norm_before_header)
{
	struct test_event e;
	struct detect_value v;

	event_make(&e, LINE, "{\"event.tags\":[\"t\"],\"log.syslog.appname\":\"fromnorm\"}", NULL);
	ck_assert_int_eq(detect_field(&e.de, "log.syslog.appname", &v), 1);
	ck_assert_int_eq((int)v.s.len, 8);
	ck_assert(memcmp(v.s.p, "fromnorm", 8) == 0);
	ck_assert_int_eq(detect_field(&e.de, "host.hostname", &v), 1);
	ck_assert(memcmp(v.s.p, "host1.corp.local", v.s.len) == 0);
	ck_assert_int_eq(detect_field(&e.de, "source.ip", &v), 0);
	event_done(&e);
	/* no hostname in the frame: host.hostname is the source address */
	event_make(&e, "no header at all", NULL, "192.0.2.7");
	ck_assert_int_eq(detect_field(&e.de, "host.hostname", &v), 1);
	ck_assert(v.s.len == 9 && memcmp(v.s.p, "192.0.2.7", 9) == 0);
	event_done(&e);
}
END_TEST

/* Selection over tests/data/detect/unit/basic.detections. */
static const struct {
	const char *what;
	const char *line;
	const char *norm;
	const char *expect_id;   /* NULL: no alert */
	const char *expect_target;
	const char *expect_tag;
} select_cases[] = {
    {"first of two medium", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"bob\"}", "test-useradd", "bob",
	"iam.user.create"},
    {"unless holds: the later medium", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"root\"}", "test-useradd-late",
	"root", "iam.user.create"},
    {"when fails: the later medium", "<86>Nov 27 10:00:00 h foo[1]: x",
	"{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"bob\"}", "test-useradd-late",
	"bob", "iam.user.create"},
    {"high beats medium", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"svc_backup\"}",
	"test-svc-account", "svc_backup", "iam.user.create"},
    {"second tag of a detection", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"iam.user.create.svc\"],\"user.target.name\":\"svc-a\"}",
	"test-svc-account", "svc-a", "iam.user.create.svc"},
    {"an unknown tag, then a known one", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"other\",\"iam.user.create\"],\"user.target.name\":\"bob\"}",
	"test-useradd", "bob", "iam.user.create"},
    {"untagged", "<86>Nov 27 10:00:00 h useradd[1]: x", "{\"user.target.name\":\"bob\"}",
	NULL, NULL, NULL},
    {"no liblognorm match", "<86>Nov 27 10:00:00 h useradd[1]: x", NULL, NULL, NULL, NULL},
    {"unknown tag", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"iam.user.delete\"],\"user.target.name\":\"bob\"}", NULL, NULL, NULL},
    {"target_pattern capture", "<13>Nov 27 10:00:00 w1 proc: x",
	"{\"event.tags\":[\"process.start\"],\"process.command_line\":\"cmd /c NET.exe  user bob "
	"P@ss /add\"}",
	"test-net-user", "bob", "process.start"},
    {"target_pattern does not match", "<13>Nov 27 10:00:00 w1 proc: x",
	"{\"event.tags\":[\"process.start\"],\"process.command_line\":\"net user /add\"}", NULL,
	NULL, NULL},
    {"target field absent with a pattern", "<13>Nov 27 10:00:00 w1 proc: x",
	"{\"event.tags\":[\"process.start\"]}", NULL, NULL, NULL},
    {"critical, samehost, no target", "<13>Nov 27 10:00:00 dc1.corp.local net: x",
	"{\"event.tags\":[\"iam.group.member.add\"],\"user.domain\":\"wks7\","
	"\"group.name\":\"domain admins\"}",
	"test-group-add", NULL, "iam.group.member.add"},
    {"critical, same host: no alert", "<13>Nov 27 10:00:00 dc1.corp.local net: x",
	"{\"event.tags\":[\"iam.group.member.add\"],\"user.domain\":\"DC1\","
	"\"group.name\":\"domain admins\"}",
	NULL, NULL, NULL},
    {"a number as the target", "<86>Nov 27 10:00:00 h useradd[1]: x",
	"{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":1234}", "test-useradd", "1234",
	"iam.user.create"},
};

START_TEST(test_select)
{
	struct test_event e;
	struct detect_result res;
	struct detect_set *s;
	char err[1024];
	int got;

	s = detect_load(unit_srcpath("tests/data/detect/unit/basic.detections") /* a file */, err,
	    sizeof(err));
	/* a file that is not a rulebase has no detections next to it */
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(detect_count(s), 0);
	detect_free(s);
	s = detect_load(unit_srcpath("tests/data/detect/unit"), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	event_make(&e, select_cases[_i].line, select_cases[_i].norm, "10.0.0.9");
	got = detect_match(s, &e.de, &res);
	if (select_cases[_i].expect_id == NULL) {
		ck_assert_msg(got == 0, "%s: unexpected %s", select_cases[_i].what,
		    got ? res.detection->id : "");
	} else {
		ck_assert_msg(got == 1, "%s: no detection", select_cases[_i].what);
		ck_assert_str_eq(res.detection->id, select_cases[_i].expect_id);
		ck_assert_int_eq((int)res.tag.len, (int)strlen(select_cases[_i].expect_tag));
		ck_assert(memcmp(res.tag.p, select_cases[_i].expect_tag, res.tag.len) == 0);
		if (select_cases[_i].expect_target == NULL)
			ck_assert_ptr_null(res.target.p);
		else {
			ck_assert_ptr_nonnull(res.target.p);
			ck_assert_int_eq((int)res.target.len,
			    (int)strlen(select_cases[_i].expect_target));
			ck_assert(memcmp(res.target.p, select_cases[_i].expect_target,
				      res.target.len) == 0);
		}
	}
	event_done(&e);
	detect_free(s);
}
END_TEST

/*
 * A silent detection (severity none) gives its fact and ranks below low:
 * chosen only when no alerting detection holds; its technique may be left
 * out; scope and account_id default to host.hostname and user.target.id.
 */
START_TEST(test_silent_fact)
{
	struct test_event e;
	struct detect_result res;
	struct detect_set *s;
	char err[1024];

	write_file("facts.detections",
	    "technique T1098 { name = \"Account Manipulation\" tactic = \"TA0003\" "
	    "tactic_name = \"Persistence\" }\n"
	    "detection quiet {\n title = \"q\"\n severity = none\n tags = { \"t\" }\n"
	    " fact = session\n}\n"
	    "detection loud {\n title = \"l\"\n technique = \"T1098\"\n severity = low\n"
	    " tags = { \"t\" }\n when = { \"group.name == sudo\" }\n"
	    " fact = admin-member-added\n scope = \"x.host\"\n}\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x",
	    "{\"event.tags\":[\"t\"],\"group.name\":\"sudo\"}", NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_str_eq(res.detection->id, "loud");
	ck_assert(!res.detection->silent);
	ck_assert_int_eq(res.detection->fact, DETECT_FACT_ADMIN_MEMBER_ADDED);
	ck_assert_str_eq(res.detection->scope, "x.host");
	event_done(&e);
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x",
	    "{\"event.tags\":[\"t\"],\"group.name\":\"users\"}", NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_str_eq(res.detection->id, "quiet");
	ck_assert(res.detection->silent);
	ck_assert_ptr_null(res.detection->technique);
	ck_assert_int_eq(res.detection->fact, DETECT_FACT_SESSION);
	ck_assert_str_eq(res.detection->scope, "host.hostname");
	ck_assert_str_eq(res.detection->account_id, "user.target.id");
	ck_assert_str_eq(detect_fact_name(res.detection->fact), "session");
	event_done(&e);
	detect_free(s);
}
END_TEST

/*
 * target_case_sensitive: the target_pattern minds case (useradd -U is a
 * flag, -u UID takes a value); without it the same pattern ignores case.
 */
static const struct {
	const char *cmd;
	const char *cased;   /* account with target_case_sensitive; NULL: no match */
	const char *folded;  /* account without it */
} case_cases[] = {
    {"useradd -U bob", "bob", "bob"},
    {"useradd -u 1001 bob", NULL, "1001"},
    {"useradd -u 1001 -U carol", "carol", "1001"},
    {"USERADD -U dave", "dave", "dave"},
};

START_TEST(test_target_case)
{
	struct test_event e;
	struct detect_result res;
	struct detect_set *s;
	char err[1024], norm[256];
	const char *want_id, *want;

	write_file("case.detections",
	    "technique T1136 { name = \"Create Account\" tactic = \"TA0003\" "
	    "tactic_name = \"Persistence\" }\n"
	    "detection cased {\n title = \"c\"\n technique = \"T1136\"\n severity = high\n"
	    " tags = { \"t\" }\n target = \"process.command_line\"\n"
	    " target_pattern = ' -U ([^ ]+)'\n target_case_sensitive = true\n}\n"
	    "detection folded {\n title = \"f\"\n technique = \"T1136\"\n severity = low\n"
	    " tags = { \"t\" }\n target = \"process.command_line\"\n"
	    " target_pattern = ' -U ([^ ]+)'\n}\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	snprintf(norm, sizeof(norm), "{\"event.tags\":[\"t\"],\"process.command_line\":\"%s\"}",
	    case_cases[_i].cmd);
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x", norm, NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	want_id = case_cases[_i].cased != NULL ? "cased" : "folded";
	want = case_cases[_i].cased != NULL ? case_cases[_i].cased : case_cases[_i].folded;
	ck_assert_str_eq(res.detection->id, want_id);
	ck_assert_int_eq((int)res.target.len, (int)strlen(want));
	ck_assert(memcmp(res.target.p, want, res.target.len) == 0);
	event_done(&e);
	detect_free(s);
}
END_TEST

/*
 * group_pattern: the role of an array element, read from the record's
 * text (GCP bindingDeltas, Workspace parameters).  Capture group 1 is the
 * group; no match, or no group field, and the detection does not hold; a
 * detection without one keeps its group field.
 */
#define GCP_ADD(member, role) \
	"{\\\"action\\\":\\\"ADD\\\",\\\"member\\\":\\\"" member \
	"\\\",\\\"role\\\":\\\"" role "\\\"}"
static const struct {
	const char *what;
	const char *deltas;  /* the bindingDeltas array's text */
	const char *id;      /* NULL: no alert */
	const char *target;
	const char *group;
} group_cases[] = {
    {"admin role", "[" GCP_ADD("user:eve@x", "roles/owner") "]", "grant", "eve@x", "roles/owner"},
    {"the admin element of two", "[" GCP_ADD("user:bob@x", "roles/viewer") ","
	GCP_ADD("user:eve@x", "roles/iam.securityAdmin") "]", "grant", "eve@x",
	"roles/iam.securityAdmin"},
    {"non-admin role only", "[" GCP_ADD("user:bob@x", "roles/viewer") "]", NULL, NULL, NULL},
    {"no deltas", "[]", NULL, NULL, NULL},
};

START_TEST(test_group_pattern)
{
	struct test_event e;
	struct detect_result res;
	struct detect_value v;
	struct detect_set *s;
	struct slice g;
	char err[1024], norm[512];

	write_file("group.detections",
	    "technique T1098 { name = \"Account Manipulation\" tactic = \"TA0003\" "
	    "tactic_name = \"Persistence\" }\n"
	    "detection grant {\n title = \"g\"\n technique = \"T1098\"\n severity = high\n"
	    " tags = { \"t\" }\n target = \"deltas\"\n"
	    " target_pattern = '\"member\":\"[a-z]+:([^\"]+)\",\"role\":\"roles/(owner|[^\"]*admin)\"'\n"
	    " group = \"deltas\"\n"
	    " group_pattern = '\"member\":\"[a-z]+:[^\"]+\",\"role\":\"(roles/(owner|[^\"]*admin))\"'\n"
	    "}\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_ptr_nonnull(detect_at(s, 0)->group_re);
	snprintf(norm, sizeof(norm), "{\"event.tags\":[\"t\"],\"deltas\":\"%s\"}",
	    group_cases[_i].deltas);
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x", norm, NULL);
	if (group_cases[_i].id == NULL) {
		ck_assert_msg(detect_match(s, &e.de, &res) == 0, "%s", group_cases[_i].what);
	} else {
		ck_assert_msg(detect_match(s, &e.de, &res) == 1, "%s", group_cases[_i].what);
		ck_assert_int_eq((int)res.target.len, (int)strlen(group_cases[_i].target));
		ck_assert(memcmp(res.target.p, group_cases[_i].target, res.target.len) == 0);
		g = detect_result_group(&e.de, &res, &v);
		ck_assert_int_eq((int)g.len, (int)strlen(group_cases[_i].group));
		ck_assert(memcmp(g.p, group_cases[_i].group, g.len) == 0);
	}
	event_done(&e);
	detect_free(s);
}
END_TEST

/*
 * group_pattern on a header field, the message, at the edge of the
 * regex's stack copy (1023 bytes) and past it (1024: a heap copy); on an
 * absent field (the detection does not hold); on a number; and a
 * detection without one still names its group field.
 */
START_TEST(test_group_pattern_field)
{
	static struct test_event e; /* event_make's line is too small: built here */
	struct detect_result res;
	struct detect_value v;
	struct detect_set *s;
	struct slice g;
	char err[1024], *line;
	size_t head, len;
	int n;

	write_file("group.detections",
	    "technique T1098 { name = \"Account Manipulation\" tactic = \"TA0003\" "
	    "tactic_name = \"Persistence\" }\n"
	    "detection msg {\n title = \"m\"\n technique = \"T1098\"\n severity = high\n"
	    " tags = { \"m\" }\n group = \"message\"\n group_pattern = 'role=([a-z]+admin)$'\n}\n"
	    "detection absent {\n title = \"a\"\n technique = \"T1098\"\n severity = high\n"
	    " tags = { \"a\" }\n group = \"no.such\"\n group_pattern = '(.*)'\n}\n"
	    "detection number {\n title = \"n\"\n technique = \"T1098\"\n severity = high\n"
	    " tags = { \"n\" }\n group = \"level\"\n group_pattern = '^1([0-9])$'\n}\n"
	    "detection plain {\n title = \"p\"\n technique = \"T1098\"\n severity = low\n"
	    " tags = { \"p\" }\n}\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	for (len = 1023; len <= 1024; len++) {
		line = malloc(len + 64);
		ck_assert_ptr_nonnull(line);
		n = snprintf(line, len + 64, "<86>Nov 27 10:00:00 h app[1]: ");
		head = (size_t)n;
		memset(line + head, 'x', len);
		memcpy(line + head + len - 15, " role=siteadmin", 15);
		line[head + len] = '\0';
		parse_message(line, head + len, 1764237600, &e.msg);
		ck_assert_uint_eq(e.msg.msg.len, len);
		e.norm = json_tokener_parse("{\"event.tags\":[\"m\"]}");
		e.de.msg = &e.msg;
		e.de.norm = e.norm;
		e.de.source_ip = NULL;
		ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
		ck_assert_str_eq(res.detection->id, "msg");
		ck_assert(res.group.len == 9 && memcmp(res.group.p, "siteadmin", 9) == 0);
		json_object_put(e.norm);
		/* the same message ending in a non-admin role: no alert */
		memcpy(line + head + len - 15, " role=sitevisit", 15);
		parse_message(line, head + len, 1764237600, &e.msg);
		e.norm = json_tokener_parse("{\"event.tags\":[\"m\"]}");
		e.de.norm = e.norm;
		ck_assert_int_eq(detect_match(s, &e.de, &res), 0);
		json_object_put(e.norm);
		free(line);
	}
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x", "{\"event.tags\":[\"a\"]}", NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 0);
	event_done(&e);
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x", "{\"event.tags\":[\"n\"],\"level\":15}",
	    NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	g = detect_result_group(&e.de, &res, &v);
	ck_assert_msg(g.len == 1 && g.p[0] == '5' && g.p == res.group_num + 1,
	    "a number's capture points into the result");
	event_done(&e);
	event_make(&e, "<86>Nov 27 10:00:00 h app[1]: x",
	    "{\"event.tags\":[\"p\"],\"group.name\":\"wheel\"}", NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_ptr_null(res.detection->group_re);
	g = detect_result_group(&e.de, &res, &v);
	ck_assert(g.len == 5 && memcmp(g.p, "wheel", 5) == 0);
	event_done(&e);
	detect_free(s);
}
END_TEST

/* What loading basic.detections and single.detections gives. */
START_TEST(test_load_contents)
{
	const struct detect_technique *t;
	const struct detection *d;
	struct detect_set *s;
	char err[1024];
	uint64_t alerts = 99;
	size_t n;

	s = detect_load(unit_srcpath("tests/data/detect/unit"), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	/* basic.detections then single.detections, name order */
	ck_assert_uint_eq(detect_file_count(s), 2);
	ck_assert_uint_eq(detect_count(s), 6);
	ck_assert_str_eq(detect_at(s, 0)->id, "test-useradd");
	ck_assert_str_eq(detect_at(s, 5)->id, "single-one");
	ck_assert_ptr_null(detect_at(s, 6));
	d = detect_at(s, 0);
	ck_assert_str_eq(d->title, "Local account created");
	ck_assert_int_eq(d->severity, DETECT_MEDIUM);
	ck_assert_str_eq(d->technique->id, "T1136.001");
	ck_assert_str_eq(d->technique->tactic_name, "Persistence");
	ck_assert_str_eq(d->action, "user-created");
	ck_assert_str_eq(d->target, "user.target.name");
	ck_assert_str_eq(d->target_domain, "user.target.domain");
	ck_assert_str_eq(d->actor, "user.name");
	ck_assert_str_eq(d->group, "group.name");
	ck_assert_str_eq(detection_condition_text(d, false, 0),
	    "log.syslog.appname in_i (useradd, adduser, newusers)");
	ck_assert_str_eq(detection_condition_text(d, true, 0), "user.target.name == root");
	ck_assert_ptr_null(detection_condition_text(d, true, 1));
	ck_assert_ptr_null(detect_at(s, 2)->action);
	ck_assert_ptr_nonnull(detect_at(s, 3)->target_re);
	detect_redactions(s, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(detect_technique_count(s), 3);
	t = detect_technique_at(s, 0, &alerts);
	ck_assert_str_eq(t->id, "T1136.001");
	ck_assert_uint_eq(alerts, 0);
	detect_count_alert(s, d);
	detect_count_alert(s, d);
	detect_technique_at(s, 0, &alerts);
	ck_assert_uint_eq(alerts, 2);
	ck_assert_int_eq(detect_severity_score(DETECT_LOW), 21);
	ck_assert_int_eq(detect_severity_score(DETECT_MEDIUM), 47);
	ck_assert_int_eq(detect_severity_score(DETECT_HIGH), 73);
	ck_assert_int_eq(detect_severity_score(DETECT_CRITICAL), 99);
	ck_assert_str_eq(detect_severity_name(DETECT_CRITICAL), "critical");
	detect_free(s);
}
END_TEST

/* rules = FILE.rulebase: FILE.detections next to it. */
START_TEST(test_load_single_rulebase)
{
	struct detect_set *s;
	char err[1024];

	s = detect_load(unit_srcpath("tests/data/detect/unit/single.rulebase"), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(detect_count(s), 1);
	ck_assert_str_eq(detect_at(s, 0)->id, "single-one");
	detect_free(s);
	/* a rulebase without detections next to it: an empty set */
	write_file("lonely.rulebase", "version=2\n");
	s = detect_load(write_file("lonely.rulebase", "version=2\n"), err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(detect_count(s), 0);
	detect_free(s);
	/* a missing path is an error */
	ck_assert_ptr_null(detect_load("/nonexistent/rules", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/rules: No such file or directory");
}
END_TEST

/* Two files in a directory: name order, identical technique blocks shared. */
START_TEST(test_load_two_files)
{
	struct test_event e;
	struct detect_result res;
	struct detect_set *s;
	char err[1024];

	s = detect_load(unit_srcpath("tests/data/detect/unit/two"), err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(detect_file_count(s), 2);
	ck_assert_uint_eq(detect_count(s), 2);
	ck_assert_uint_eq(detect_technique_count(s), 1);
	ck_assert_str_eq(detect_at(s, 0)->id, "two-a");
	ck_assert_str_eq(detect_at(s, 1)->id, "two-b");
	ck_assert_ptr_eq(detect_at(s, 0)->technique, detect_at(s, 1)->technique);
	/* same severity: the first in load order */
	event_make(&e, LINE, "{\"event.tags\":[\"iam.user.create\"]}", NULL);
	ck_assert_int_eq(detect_match(s, &e.de, &res), 1);
	ck_assert_str_eq(res.detection->id, "two-a");
	ck_assert_ptr_null(res.target.p);
	event_done(&e);
	detect_free(s);
}
END_TEST

#define TECH "technique T1136 {\n\tname = \"Create Account\"\n\ttactic = \"TA0003\"\n" \
	     "\ttactic_name = \"Persistence\"\n}\n"
#define DET_HEAD "detection d {\n\ttitle = \"t\"\n\ttechnique = \"T1136\"\n\tseverity = low\n"

/* Each kind of mistake, and the file:line: message it gives. */
static const struct {
	const char *text;
	const char *expect; /* after "DIR/bad.detections:" */
} error_cases[] = {
    /* TECH is lines 1-5, DET_HEAD lines 6-9 */
    {TECH "detection d {\n\ttitle = \"t\"\n\ttechnique = \"T9999\"\n\tseverity = low\n"
	  "\ttags = { \"x\" }\n}\n",
	"8: detection d: unknown technique \"T9999\""},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\tseverity = severe\n}\n", "11: detection d: unknown "
								   "severity \"severe\""},
    {TECH "detection d {\n\ttitle = \"t\"\n\ttechnique = \"T1136\"\n\tseverity = severe\n"
	  "\ttags = { \"x\" }\n}\n",
	"9: detection d: unknown severity \"severe\""},
    {TECH "detection d {\n\ttitle = \"t\"\n\tseverity = none\n\ttags = { \"x\" }\n}\n",
	"6: detection d: severity none needs a fact"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\tfact = user-gone\n}\n",
	"11: detection d: unknown fact \"user-gone\""},
    {TECH "detection d {\n\ttitle = \"t\"\n\tseverity = low\n\ttags = { \"x\" }\n}\n",
	"6: detection d: missing technique"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"user.name ~= x\" }\n}\n",
	"11: detection d: when \"user.name ~= x\": unknown operator \"~=\""},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"user.name ==\" }\n}\n",
	"11: detection d: when \"user.name ==\": == needs an argument"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\tunless = { \"user.name\" }\n}\n",
	"11: detection d: unless \"user.name\": missing operator"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a == (b, c)\" }\n}\n",
	"11: detection d: when \"a == (b, c)\": == takes one value, not a list"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a in (b, c\" }\n}\n",
	"11: detection d: when \"a in (b, c\": list not closed"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a == 'b\" }\n}\n",
	"11: detection d: when \"a == 'b\": quoted argument is not closed"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a exists x\" }\n}\n",
	"11: detection d: when \"a exists x\": exists takes no argument"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a..b exists\" }\n}\n",
	"11: detection d: when \"a..b exists\": field \"a..b\" has an empty segment"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a == b c\" }\n}\n",
	"11: detection d: when \"a == b c\": unexpected \"c\" after the argument"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\twhen = { \"a exists\",\n\t\t\"b regex '('\" }\n}\n",
	"12: detection d: when \"b regex '('\": bad regex '('"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\ttarget_pattern = \"a[\"\n}\n",
	"11: detection d: target_pattern: bad regex 'a['"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\tgroup_pattern = \"a[\"\n}\n",
	"11: detection d: group_pattern: bad regex 'a['"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\tactor = \"a b\"\n}\n",
	"11: detection d: actor \"a b\" holds a blank"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n}\nredact = { \"ok\",\n\t\"(bad\" }\n",
	"13: redact: bad regex '(bad'"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n}\n" DET_HEAD "\ttags = { \"y\" }\n}\n",
	"12: duplicate block name \"d\" in this file"},
    /* libConfuse drops an empty list: reported at the block */
    {TECH DET_HEAD "\ttags = { }\n}\n", "6: detection d: missing tags"},
    {TECH DET_HEAD "\ttags = { \"a\", \"\" }\n}\n", "10: detection d: empty tag in tags"},
    {TECH DET_HEAD "}\n", "6: detection d: missing tags"},
    {TECH "detection d {\n\ttechnique = \"T1136\"\n\tseverity = low\n\ttags = { \"x\" }\n}\n",
	"6: detection d: missing title"},
    {TECH DET_HEAD "\ttags = { \"x\" }\n\tseverty = low\n}\n",
	"11: unknown key \"severty\" (expected one of: title, technique, severity"},
    {TECH "detections d {\n}\n", "6: unknown directive \"detections\""},
    {"technique X1136 {\n\tname = \"n\"\n\ttactic = \"TA0003\"\n\ttactic_name = \"P\"\n}\n",
	"1: technique \"X1136\": not an ATT&CK technique id"},
    {"technique T1136 {\n\tname = \"n\"\n\ttactic = \"TA3\"\n\ttactic_name = \"P\"\n}\n",
	"1: technique T1136: tactic \"TA3\" is not an ATT&CK tactic id"},
    {"technique T1136 {\n\tname = \"n\"\n\ttactic = \"TA0003\"\n}\n",
	"1: technique T1136: missing tactic_name"},
    {TECH "\n\ndetection d {\n\ttitle = \"t\"\n", "8: block is not closed"},
    {TECH "detection 'd d' {\n\ttitle = \"t\"\n\ttechnique = \"T1136\"\n\tseverity = low\n"
	  "\ttags = { \"x\" }\n}\n",
	"6: detection name \"d d\" is invalid"},
};

START_TEST(test_load_error)
{
	struct detect_set *s;
	char err[1024], expect[1024];
	const char *path;

	path = write_file("bad.detections", error_cases[_i].text);
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s == NULL, "case %d loaded", _i);
	snprintf(expect, sizeof(expect), "%s:%s", path, error_cases[_i].expect);
	ck_assert_msg(strncmp(err, expect, strlen(expect)) == 0, "case %d:\n got  %s\n want %s",
	    _i, err, expect);
}
END_TEST

/* Mistakes that need two files: a duplicate id, a differing technique. */
START_TEST(test_load_error_two_files)
{
	struct detect_set *s;
	char err[1024], expect[1024];
	const char *a, *b;

	a = write_file("a.detections", TECH DET_HEAD "\ttags = { \"x\" }\n}\n");
	b = write_file("b.detections", TECH "\n" DET_HEAD "\ttags = { \"y\" }\n}\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_ptr_null(s);
	snprintf(expect, sizeof(expect),
	    "%s:7: detection d is already defined at %s:6 (ids must be unique across files)", b,
	    a);
	ck_assert_str_eq(err, expect);

	b = write_file("b.detections",
	    "technique T1136 {\n\tname = \"Other\"\n\ttactic = \"TA0003\"\n"
	    "\ttactic_name = \"Persistence\"\n}\n");
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_ptr_null(s);
	snprintf(expect, sizeof(expect),
	    "%s:1: technique T1136 differs from its block at %s:1 (a repeated technique block "
	    "must be identical)",
	    b, a);
	ck_assert_str_eq(err, expect);
}
END_TEST

/* A set is shared read-only: many threads match concurrently. */
#include <pthread.h>
static struct detect_set *shared_set;

static void *
match_thread(void *arg)
{
	struct test_event e;
	struct detect_result res;
	int i, *ok = arg;

	*ok = 1;
	for (i = 0; i < 2000; i++) {
		event_make(&e, "<86>Nov 27 10:00:00 h useradd[1]: x",
		    "{\"event.tags\":[\"process.start\",\"iam.user.create\"],"
		    "\"user.target.name\":\"svc_x\",\"process.command_line\":\"net user a b /add\"}",
		    NULL);
		if (detect_match(shared_set, &e.de, &res) != 1 ||
		    strcmp(res.detection->id, "test-svc-account") != 0)
			*ok = 0;
		event_done(&e);
	}
	return NULL;
}

START_TEST(test_threads)
{
	pthread_t t[4];
	int ok[4], i;
	char err[1024];

	shared_set = detect_load(unit_srcpath("tests/data/detect/unit"), err, sizeof(err));
	ck_assert_msg(shared_set != NULL, "%s", err);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, match_thread, &ok[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(ok[i], 1);
	}
	detect_free(shared_set);
}
END_TEST

/* Cost of detect_match per event: printed for whoever profiles, never asserted
 * (timings belong to bench/, not to tests). */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_cost)
{
	struct test_event plain, tagged;
	struct detect_result res;
	struct detect_set *s;
	char err[1024];
	double t0, untagged_ns, tagged_ns;
	int i, n = 200000, hits = 0;

	s = detect_load(unit_srcpath("tests/data/detect/unit"), err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	event_make(&plain, LINE, "{\"x\":\"no tags\"}", NULL);
	event_make(&tagged, "<86>Nov 27 10:00:00 h useradd[1]: x",
	    "{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"bob\","
	    "\"user.target.id\":\"1001\",\"event.action\":\"user-created\"}",
	    NULL);
	t0 = cpu_now();
	for (i = 0; i < n; i++)
		hits += detect_match(s, &plain.de, &res);
	untagged_ns = (cpu_now() - t0) * 1e9 / n;
	t0 = cpu_now();
	for (i = 0; i < n; i++)
		hits += detect_match(s, &tagged.de, &res);
	tagged_ns = (cpu_now() - t0) * 1e9 / n;
	ck_assert_int_eq(hits, n);
	fprintf(stderr, "detect_match: untagged %.0f ns, tagged (3 candidates, 2 alerts "
	    "possible) %.0f ns per event\n", untagged_ns, tagged_ns);
	event_done(&plain);
	event_done(&tagged);
	detect_free(s);
}
END_TEST

/*
 * The redaction filter: built only when wrapping each pattern in a group
 * keeps its meaning, and then it matches exactly the strings at least one
 * pattern matches.
 */
static const struct {
	const char *patterns[4];
	bool filter;
} filter_cases[] = {
	{{"(password|secret) +(.+)$", "Encpass: +([^ ]+)"}, true},
	{{"-(admin|new|old)?password[ =]+([^ ]+)", "^start", "end$"}, true},
	{{"[)(]x", "[]a)]y", "[^]]*\\]"}, true},   /* parentheses as bracket members */
	{{"[[:space:]]\\)z", "\\(w"}, true},           /* escaped parentheses */
	{{"(p|q)", "a)b"}, false},                     /* unmatched ')' is a literal alone */
	/* a back-reference, which the wrapping would renumber, is refused at load (check_regex_bound) */
};

static const char *const filter_texts[] = {
	"", "a", "a)b", "ab", "password hunter2", "my SECRET  s3", "Encpass:  zz",
	"-newpassword=x", "-password x", "start here", "not at start", "the end",
	"end not", ")x", "(x", "x", "]y", "ay", ")y", "abc]", "]", "]]", " )z", "\t)z",
	")z", "(w", "w", "pq", "aa", "a)a", "p)b",
};

/* Does re match somewhere in text (NUL-terminated)? */
static bool
whole_matches(struct regex_shared *re, const char *text)
{
	regmatch_t m[1] = {{0, (regoff_t)strlen(text)}};

	return regex_shared_exec(re, text, 1, m, 0) == 0;
}

START_TEST(test_redaction_filter)
{
	char text[1024], err[1024];
	struct detect_set *s;
	struct regex_shared *const *re, *filter;
	size_t i, j, n, len = 0;
	bool any;

	len += (size_t)snprintf(text + len, sizeof(text) - len, "redact = {");
	for (i = 0; i < 4 && filter_cases[_i].patterns[i] != NULL; i++) {
		const char *p = filter_cases[_i].patterns[i];

		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s \"", i ? "," : "");
		for (; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				text[len++] = '\\';
			text[len++] = *p;
		}
		len += (size_t)snprintf(text + len, sizeof(text) - len, "\"");
	}
	snprintf(text + len, sizeof(text) - len, " }\n");
	write_file("r.detections", text);
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s: %s", text, err);
	re = detect_redactions(s, &n);
	ck_assert_uint_eq(n, i);
	filter = detect_redaction_filter(s);
	ck_assert_msg((filter != NULL) == filter_cases[_i].filter, "%s", text);
	for (i = 0; filter != NULL && i < sizeof(filter_texts) / sizeof(filter_texts[0]); i++) {
		for (any = false, j = 0; j < n; j++)
			any |= whole_matches(re[j], filter_texts[i]);
		ck_assert_msg(whole_matches(filter, filter_texts[i]) == any,
		    "filter of %s on \"%s\"", text, filter_texts[i]);
	}
	detect_free(s);
}
END_TEST

/* The shipped patterns combine: alerts take the one-regexec path. */
START_TEST(test_redaction_filter_shipped)
{
	char err[1024];
	struct detect_set *s = detect_load(unit_srcpath("patterns"), err, sizeof(err));
	size_t n;

	ck_assert_msg(s != NULL, "%s", err);
	detect_redactions(s, &n);
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_nonnull(detect_redaction_filter(s));
	detect_free(s);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("detect");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_loop_test(tc, test_operator, 0, (int)(sizeof(op_cases) / sizeof(op_cases[0])));
	tcase_add_test(tc, test_norm_before_header);
	tcase_add_loop_test(tc, test_select, 0,
	    (int)(sizeof(select_cases) / sizeof(select_cases[0])));
	tcase_add_test(tc, test_load_contents);
	tcase_add_test(tc, test_silent_fact);
	tcase_add_loop_test(tc, test_target_case, 0,
	    (int)(sizeof(case_cases) / sizeof(case_cases[0])));
	tcase_add_loop_test(tc, test_group_pattern, 0,
	    (int)(sizeof(group_cases) / sizeof(group_cases[0])));
	tcase_add_test(tc, test_group_pattern_field);
	tcase_add_test(tc, test_load_single_rulebase);
	tcase_add_test(tc, test_load_two_files);
	tcase_add_loop_test(tc, test_load_error, 0,
	    (int)(sizeof(error_cases) / sizeof(error_cases[0])));
	tcase_add_test(tc, test_load_error_two_files);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_cost);
	tcase_add_loop_test(tc, test_redaction_filter, 0,
	    (int)(sizeof(filter_cases) / sizeof(filter_cases[0])));
	tcase_add_test(tc, test_redaction_filter_shipped);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
