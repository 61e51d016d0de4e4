/*
 * check_alert_id.c: event.id (fixed and random runs, unique within a run
 * and across runs), the webhook-id derived from it (a vector computed
 * with Python's hmac, one per webhook), the ATT&CK reference of a
 * technique id at and past its shapes, and the source's event code
 * (rulebase field, Windows id, Okta type, the mnemonic of a Cisco
 * message id).
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "alert_code.h"
#include "alert_id.h"
#include "event.h"
#include "parse.h"
#include "unit.h"

START_TEST(test_ids_fixed)
{
	struct alert_ids ids;
	char a[ALERT_ID_LEN + 1], b[ALERT_ID_LEN + 1];

	ck_assert_int_eq(alert_ids_init(&ids, true), 0);
	alert_ids_next(&ids, a);
	alert_ids_next(&ids, b);
	/* --test-rules: the same input gives the same ids */
	ck_assert_str_eq(a, "00000000000000000000000000000000");
	ck_assert_str_eq(b, "00000000000000000000000000000001");
}
END_TEST

/* Two runs (a restart, another collector) never share the run half. */
START_TEST(test_ids_random)
{
	struct alert_ids one, two;
	char a[ALERT_ID_LEN + 1], b[ALERT_ID_LEN + 1], c[ALERT_ID_LEN + 1];
	size_t i;

	ck_assert_int_eq(alert_ids_init(&one, false), 0);
	ck_assert_int_eq(alert_ids_init(&two, false), 0);
	alert_ids_next(&one, a);
	alert_ids_next(&one, c);
	alert_ids_next(&two, b);
	ck_assert_uint_eq(strlen(a), ALERT_ID_LEN);
	for (i = 0; i < ALERT_ID_LEN; i++)
		ck_assert_ptr_nonnull(strchr("0123456789abcdef", a[i]));
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(a, c);
	/* the run half is shared within a run, the number half counts */
	ck_assert_int_eq(memcmp(a, c, 16), 0);
	ck_assert_int_ne(memcmp(a, b, 16), 0);
	ck_assert_str_eq(c + 16, "0000000000000001");
}
END_TEST

/* HMAC-SHA256(name, event.id), its first 16 bytes in hex (Python's hmac agrees). */
START_TEST(test_webhook_id)
{
	static const char id[] = "0123456789abcdef0000000000000001";
	char soc[ALERT_ID_LEN + 1], slack[ALERT_ID_LEN + 1], again[ALERT_ID_LEN + 1];

	ck_assert_int_eq(alert_id_webhook(id, strlen(id), "soc", soc), 0);
	ck_assert_str_eq(soc, "07ead44815e494e8a160b79921af868d");
	ck_assert_int_eq(alert_id_webhook(id, strlen(id), "slack", slack), 0);
	ck_assert_str_eq(slack, "560bac53a8659bf4c2acf6c1556d0d09");
	ck_assert_int_eq(alert_id_webhook(id, strlen(id), "soc", again), 0);
	ck_assert_str_eq(again, soc);
}
END_TEST

static const struct {
	const char *id, *url;  /* url NULL: no reference */
} reference_cases[] = {
	{"T1136.003", "https://attack.mitre.org/techniques/T1136/003/"},
	{"T1098", "https://attack.mitre.org/techniques/T1098/"},
	{"T1136.03", NULL},
	{"T1136.0033", NULL},
	{"T113", NULL},
	{"T11366", NULL},
	{"T1136/003", NULL},
	{"t1136", NULL},
	{"X1136", NULL},
	{"T1136.", NULL},
	{"", NULL},
	{"T1136.00x", NULL},
};

START_TEST(test_reference)
{
	char url[96];
	int rc = alert_technique_reference(reference_cases[_i].id, url, sizeof(url));

	if (reference_cases[_i].url == NULL) {
		ck_assert_int_eq(rc, -1);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(url, reference_cases[_i].url);
}
END_TEST

/* The buffer at the URL's length plus its NUL, and one byte short. */
START_TEST(test_reference_bound)
{
	static const char want[] = "https://attack.mitre.org/techniques/T1136/003/";
	char url[sizeof(want)];

	ck_assert_int_eq(alert_technique_reference("T1136.003", url, sizeof(want)), 0);
	ck_assert_str_eq(url, want);
	ck_assert_int_eq(alert_technique_reference("T1136.003", url, sizeof(want) - 1), -1);
	ck_assert_int_eq(alert_technique_reference(NULL, url, sizeof(url)), -1);
}
END_TEST

/* The event code of line normalized to norm_json ("" when none) into out. */
static void
code_of(const char *line, const char *norm_json, char *out, size_t outlen)
{
	struct syslog_msg msg;
	struct event_input in;
	struct detect_value v;
	struct json_object *norm = json_tokener_parse(norm_json);
	struct slice s;

	ck_assert_ptr_nonnull(norm);
	parse_message(line, strlen(line), 1764237600, &msg);
	memset(&in, 0, sizeof(in));
	in.raw = line;
	in.raw_len = strlen(line);
	in.msg = &msg;
	in.norm = norm;
	s = alert_event_code(&in, &v);
	snprintf(out, outlen, "%.*s", s.p != NULL ? (int)s.len : 0, s.p != NULL ? s.p : "");
	json_object_put(norm);
}

static const struct {
	const char *line, *norm, *code;
} code_cases[] = {
	{"<14>Nov 27 10:00:00 fw %ASA-5-502101: New user added", "{}", "502101"},
	{"<166>Sep 13 2024 09:19:42 asa01 : %ASA-5-502101: New user added", "{}", "502101"},
	{"<14>Nov 27 10:00:00 r1 %PARSER-5-CFGLOG_LOGGEDCMD: User:admin", "{}",
	    "CFGLOG_LOGGEDCMD"},
	{"<14>Nov 27 10:00:00 r1 %SYS-SUB-5-CONFIG_I: x", "{}", "CONFIG_I"},
	{"<14>Nov 27 10:00:00 fw %ASA-x-502101: bad severity", "{}", ""},
	{"<14>Nov 27 10:00:00 fw %ASA-5-: empty mnemonic", "{}", ""},
	/* an RFC 5424 MSGID is no Cisco code */
	{"<14>1 2026-11-27T10:00:00Z h app 1 ID47 - x", "{}", ""},
	{"<14>Nov 27 10:00:00 dc MSWinEventLog", "{\"winlog.event_id\":4720}", "4720"},
	{"<14>Nov 27 10:00:00 okta {}", "{\"json.eventType\":\"user.lifecycle.create\"}",
	    "user.lifecycle.create"},
	/* the rulebase's own event.code wins */
	{"<14>Nov 27 10:00:00 fw %ASA-5-502101: x",
	    "{\"event.code\":\"UI_CFG_AUDIT\",\"winlog.event_id\":4720}", "UI_CFG_AUDIT"},
	{"<14>Nov 27 10:00:00 h useradd[1]: new user: name=bob", "{}", ""},
};

START_TEST(test_event_code)
{
	char code[128];

	code_of(code_cases[_i].line, code_cases[_i].norm, code, sizeof(code));
	ck_assert_str_eq(code, code_cases[_i].code);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("alert_id");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ids_fixed);
	tcase_add_test(tc, test_ids_random);
	tcase_add_test(tc, test_webhook_id);
	tcase_add_loop_test(tc, test_reference, 0,
	    (int)(sizeof(reference_cases) / sizeof(reference_cases[0])));
	tcase_add_test(tc, test_reference_bound);
	tcase_add_loop_test(tc, test_event_code, 0,
	    (int)(sizeof(code_cases) / sizeof(code_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
