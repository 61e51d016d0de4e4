/*
 * check_alert.c: the alert line: every field, valid JSON, redaction of
 * secrets (Cisco, plain password, net user, Junos) in event.original,
 * message and the copied fields; logward.explain only when asked.
 */
#include "config.h"

#include <check.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "alert.h"
#include "detect.h"
#include "event.h"
#include "json_writer.h"
#include "parse.h"
#include "unit.h"

static struct detect_set *
load_set(void)
{
	char err[1024];
	struct detect_set *s = detect_load(unit_srcpath("tests/data/detect/unit"), err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

/* Redact text with the patterns of basic.detections. */
static const struct {
	const char *in;
	const char *out;
} redact_cases[] = {
    {"username x privilege 15 secret 5 $1$abc", "username x privilege 15 secret 5 <redacted>"},
    {"username admin password 0 hunter2", "username admin password 0 <redacted>"},
    {"password hunter2 and SECRET s3 end", "password <redacted> and SECRET <redacted> end"},
    {"net user bob P@ss /add", "net user bob <redacted> /add"},
    {"set system login user bob authentication encrypted-password \"$6$abc$def\"",
	/* the first pattern takes "password" + the quoted hash, quotes and all */
	"set system login user bob authentication encrypted-password <redacted>"},
    {"encrypted-password \"$6$x\"", "encrypted-password <redacted>"},
    {"authentication { encrypted-password\t\"$6$x\" }",
	"authentication { encrypted-password\t\"<redacted>\" }"},
    {"nothing to hide here", "nothing to hide here"},
    {"", ""},
    {"password", "password"},
};

START_TEST(test_redact)
{
	struct detect_set *s = load_set();
	struct strbuf out;
	const regex_t *re;
	size_t n;

	re = detect_redactions(s, &n);
	ck_assert_uint_eq(n, 3);
	strbuf_init(&out);
	ck_assert_int_eq(detect_redact(re, n, redact_cases[_i].in, strlen(redact_cases[_i].in),
			     &out),
	    0);
	ck_assert_ptr_nonnull(strbuf_cstr(&out));
	ck_assert_str_eq(out.len ? out.data : "", redact_cases[_i].out);
	/* alerts skip the patterns for what the filter does not match */
	ck_assert_ptr_nonnull(detect_redaction_filter(s));
	if (strcmp(redact_cases[_i].in, redact_cases[_i].out) != 0)
		ck_assert_int_eq(regexec(detect_redaction_filter(s), redact_cases[_i].in, 0,
				     NULL, 0),
		    0);
	strbuf_free(&out);
	detect_free(s);
}
END_TEST

/* Empty groups are not replaced; a pattern that feeds itself is bounded. */
START_TEST(test_redact_bounds)
{
	struct strbuf out;
	regex_t re[2];

	ck_assert_int_eq(regcomp(&re[0], "a()", REG_EXTENDED), 0);
	ck_assert_int_eq(regcomp(&re[1], "(.)", REG_EXTENDED), 0);
	strbuf_init(&out);
	ck_assert_int_eq(detect_redact(re, 1, "aaa", 3, &out), 0);
	ck_assert_int_eq((int)out.len, 3);
	ck_assert(memcmp(out.data, "aaa", 3) == 0);
	strbuf_reset(&out);
	/* every byte becomes <redacted>, then again: past 4 * len + 4096 */
	ck_assert_int_eq(detect_redact(&re[1], 1, "abc", 3, &out), 0);
	ck_assert_str_eq(strbuf_cstr(&out), "<redacted><redacted><redacted>");
	strbuf_reset(&out);
	{
		regex_t thrice[3] = {re[1], re[1], re[1]};
		char big[600];

		memset(big, 'x', sizeof(big));
		ck_assert_int_eq(detect_redact(thrice, 3, big, sizeof(big), &out), 0);
		ck_assert_str_eq(strbuf_cstr(&out), "<redacted>");
	}
	strbuf_free(&out);
	regfree(&re[0]);
	regfree(&re[1]);
}
END_TEST

/* Format the alert of one event; returns the parsed line (caller puts). */
static struct json_object *
alert_of(const char *line, const char *norm_json, bool explain, struct strbuf *out,
    const char *expect_id)
{
	struct detect_set *s = load_set();
	struct syslog_msg msg;
	struct event_input in;
	struct detect_result res;
	struct json_object *norm, *parsed;
	struct detect_event de;

	parse_message(line, strlen(line), 1764237600, &msg);
	norm = json_tokener_parse(norm_json);
	ck_assert_ptr_nonnull(norm);
	memset(&in, 0, sizeof(in));
	in.raw = line;
	in.raw_len = strlen(line);
	in.msg = &msg;
	in.norm = norm;
	in.input_name = "lan_tcp";
	in.transport = "tcp";
	in.source_ip = "192.0.2.10";
	in.source_port = 40000;
	in.received.tv_sec = 1764237600;
	in.received.tv_nsec = 123456000;
	de.msg = &msg;
	de.norm = norm;
	de.source_ip = in.source_ip;
	ck_assert_int_eq(detect_match(s, &de, &res), 1);
	ck_assert_str_eq(res.detection->id, expect_id);
	{
		static const struct alert_stamp stamp = {"0123456789abcdef0000000000000007",
		    "collector1"};
		struct alert_input ai = {&in, &res, s, explain, NULL, &stamp};

		strbuf_reset(out);
		ck_assert_int_eq(alert_format(out, &ai), 0);
	}
	ck_assert(out->len > 2);
	ck_assert_int_eq(out->data[out->len - 1], '\n');
	ck_assert_ptr_null(memchr(out->data, '\n', out->len - 1));
	parsed = json_tokener_parse(strbuf_cstr(out));
	ck_assert_msg(parsed != NULL, "not JSON: %s", out->data);
	json_object_put(norm);
	detect_free(s);
	return parsed;
}

/* The string at a dotted path ("" when absent, to fail the comparison visibly). */
static const char *
get_str(struct json_object *o, const char *path)
{
	char buf[256], *tok, *save = NULL;
	struct json_object *cur = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(cur, tok, &cur))
			return "<absent>";
	if (json_object_is_type(cur, json_type_string))
		return json_object_get_string(cur);
	return json_object_to_json_string_ext(cur, JSON_C_TO_STRING_PLAIN);
}

#define USERADD                                                                               \
	"<86>Nov 27 10:00:00 host2 useradd[1234]: new user: name=bob, UID=1001, password 0 " \
	"hunter2"

START_TEST(test_alert_fields)
{
	struct strbuf out;
	struct json_object *a;

	strbuf_init(&out);
	a = alert_of(USERADD,
	    "{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"bob\","
	    "\"user.target.domain\":\"HOST2\",\"user.name\":\"password 1 topsecret\","
	    "\"group.name\":\"wheel\",\"event.type\":\"creation\"}",
	    false, &out, "test-useradd");
	ck_assert_str_eq(get_str(a, "@timestamp"), "2025-11-27T10:00:00.000000Z");
	ck_assert_str_eq(get_str(a, "event.created"), "2025-11-27T10:00:00.123456Z");
	ck_assert_str_eq(get_str(a, "event.kind"), "alert");
	ck_assert_str_eq(get_str(a, "event.category"), "[\"iam\"]");
	ck_assert_str_eq(get_str(a, "event.type"), "[\"creation\"]");
	ck_assert_str_eq(get_str(a, "event.action"), "user-created");
	ck_assert_str_eq(get_str(a, "event.severity"), "47");
	ck_assert_str_eq(get_str(a, "labels.severity"), "medium");
	ck_assert_str_eq(get_str(a, "rule.id"), "test-useradd");
	ck_assert_str_eq(get_str(a, "rule.name"), "Local account created");
	ck_assert_str_eq(get_str(a, "threat.framework"), "MITRE ATT&CK");
	ck_assert_str_eq(get_str(a, "threat.technique.id"), "[\"T1136.001\"]");
	ck_assert_str_eq(get_str(a, "threat.technique.name"), "[\"Create Account: Local Account\"]");
	ck_assert_str_eq(get_str(a, "threat.tactic.id"), "[\"TA0003\"]");
	ck_assert_str_eq(get_str(a, "threat.tactic.name"), "[\"Persistence\"]");
	ck_assert_str_eq(get_str(a, "host.hostname"), "host2");
	ck_assert_str_eq(get_str(a, "source.ip"), "192.0.2.10");
	ck_assert_str_eq(get_str(a, "observer.ingress.interface.name"), "lan_tcp");
	/* issue 19: the alert's identity, its collector, its ATT&CK page */
	ck_assert_str_eq(get_str(a, "event.id"), "0123456789abcdef0000000000000007");
	ck_assert_str_eq(get_str(a, "observer.hostname"), "collector1");
	ck_assert_str_eq(get_str(a, "observer.product"), "logward");
	ck_assert_str_eq(get_str(a, "observer.vendor"), "logward");
	ck_assert_str_eq(get_str(a, "threat.technique.reference"),
	    "[\"https:\\/\\/attack.mitre.org\\/techniques\\/T1136\\/001\\/\"]");
	/* useradd has no code of its own */
	ck_assert_str_eq(get_str(a, "event.code"), "<absent>");
	ck_assert_str_eq(get_str(a, "user.target.name"), "bob");
	ck_assert_str_eq(get_str(a, "user.target.domain"), "HOST2");
	ck_assert_str_eq(get_str(a, "group.name"), "wheel");
	/* every copied string is redacted, not only the line */
	ck_assert_str_eq(get_str(a, "user.name"), "password 1 <redacted>");
	ck_assert_str_eq(get_str(a, "related.user"), "[\"bob\",\"password 1 <redacted>\"]");
	ck_assert_str_eq(get_str(a, "event.original"),
	    "<86>Nov 27 10:00:00 host2 useradd[1234]: new user: name=bob, UID=1001, password 0 "
	    "<redacted>");
	ck_assert_str_eq(get_str(a, "message"),
	    "new user: name=bob, UID=1001, password 0 <redacted>");
	ck_assert_str_eq(get_str(a, "logward"), "<absent>");
	ck_assert_ptr_null(strstr(out.data, "hunter2"));
	ck_assert_ptr_null(strstr(out.data, "topsecret"));
	json_object_put(a);
	strbuf_free(&out);
}
END_TEST

/* Absent fields are left out; the event's action when the detection has none. */
START_TEST(test_alert_minimal)
{
	struct strbuf out;
	struct json_object *a;

	strbuf_init(&out);
	a = alert_of("<13>Nov 27 10:00:00 dc1.corp.local net: x",
	    "{\"event.tags\":[\"iam.group.member.add\"],\"user.domain\":\"wks7\","
	    "\"group.name\":\"Domain Admins\",\"event.action\":\"added-to-group\"}",
	    false, &out, "test-group-add");
	ck_assert_str_eq(get_str(a, "event.severity"), "99");
	ck_assert_str_eq(get_str(a, "labels.severity"), "critical");
	ck_assert_str_eq(get_str(a, "event.action"), "added-to-group");
	ck_assert_str_eq(get_str(a, "event.type"), "[\"info\"]");
	ck_assert_str_eq(get_str(a, "group.name"), "Domain Admins");
	ck_assert_str_eq(get_str(a, "threat.technique.id"), "[\"T1098\"]");
	ck_assert_str_eq(get_str(a, "user"), "<absent>");
	ck_assert_str_eq(get_str(a, "related"), "<absent>");
	json_object_put(a);
	strbuf_free(&out);
}
END_TEST

/*
 * event.type of an alert (category iam) keeps only the types ECS allows
 * with iam: a sudo command's "start" is not one.
 */
static const struct {
	const char *type; /* the event's event.type, JSON */
	const char *want;
} iam_type_cases[] = {
	{ "\"start\"", "[\"info\"]" },
	{ "[\"start\"]", "[\"info\"]" },
	{ "[\"start\",\"creation\",\"user\"]", "[\"creation\",\"user\"]" },
	{ "\"deletion\"", "[\"deletion\"]" },
	{ "[]", "[\"info\"]" },
	{ "[1,\"admin\"]", "[\"admin\"]" },
	{ "\"creationx\"", "[\"info\"]" },
};

START_TEST(test_alert_iam_types)
{
	struct strbuf out;
	struct json_object *a;
	char norm[256];

	snprintf(norm, sizeof(norm), "{\"event.tags\":[\"iam.user.create\"],"
	    "\"user.target.name\":\"bob\",\"event.type\":%s}", iam_type_cases[_i].type);
	strbuf_init(&out);
	a = alert_of(USERADD, norm, false, &out, "test-useradd");
	ck_assert_str_eq(get_str(a, "event.category"), "[\"iam\"]");
	ck_assert_str_eq(get_str(a, "event.type"), iam_type_cases[_i].want);
	json_object_put(a);
	strbuf_free(&out);
}
END_TEST

/* target_pattern's account, and the net user password redacted. */
START_TEST(test_alert_net_user)
{
	struct strbuf out;
	struct json_object *a;

	strbuf_init(&out);
	a = alert_of("<13>Nov 27 10:00:00 wks1 proc: cmd /c net user bob P@ss /add",
	    "{\"event.tags\":[\"process.start\"],"
	    "\"process.command_line\":\"cmd /c net user bob P@ss /add\"}",
	    true, &out, "test-net-user");
	ck_assert_str_eq(get_str(a, "user.target.name"), "bob");
	ck_assert_str_eq(get_str(a, "event.original"),
	    "<13>Nov 27 10:00:00 wks1 proc: cmd /c net user bob <redacted> /add");
	ck_assert_str_eq(get_str(a, "message"), "cmd /c net user bob <redacted> /add");
	ck_assert_ptr_null(strstr(out.data, "P@ss"));
	ck_assert_str_eq(get_str(a, "logward.explain"),
	    "[\"tag process.start\",\"process.command_line contains_i '\\/add'\","
	    "\"target_pattern matched\"]");
	json_object_put(a);
	strbuf_free(&out);
}
END_TEST

/* explain: the tag, each when, each unless that did not hold. */
START_TEST(test_alert_explain)
{
	struct strbuf out;
	struct json_object *a;

	strbuf_init(&out);
	a = alert_of(USERADD, "{\"event.tags\":[\"iam.user.create\"],\"user.target.name\":\"bob\"}",
	    true, &out, "test-useradd");
	ck_assert_str_eq(get_str(a, "logward.explain"),
	    "[\"tag iam.user.create\",\"log.syslog.appname in_i (useradd, adduser, newusers)\","
	    "\"not user.target.name == root\"]");
	json_object_put(a);
	strbuf_free(&out);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("alert");

	tcase_add_loop_test(tc, test_redact, 0,
	    (int)(sizeof(redact_cases) / sizeof(redact_cases[0])));
	tcase_add_test(tc, test_redact_bounds);
	tcase_add_test(tc, test_alert_fields);
	tcase_add_test(tc, test_alert_minimal);
	tcase_add_loop_test(tc, test_alert_iam_types, 0,
	    (int)(sizeof(iam_type_cases) / sizeof(iam_type_cases[0])));
	tcase_add_test(tc, test_alert_net_user);
	tcase_add_test(tc, test_alert_explain);
	suite_add_tcase(s, tc);
	return s;
}
