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
#include "detect_set.h"
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

/* Does the filter match text (NUL-terminated)? */
static int
filter_matches(struct regex_shared *filter, const char *text)
{
	regmatch_t m[1] = {{0, (regoff_t)strlen(text)}};

	return regex_shared_exec(filter, text, 1, m, 0) == 0;
}

START_TEST(test_redact)
{
	struct detect_set *s = load_set();
	struct strbuf out;
	struct regex_shared *const *re;
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
		ck_assert_int_eq(filter_matches(detect_redaction_filter(s), redact_cases[_i].in), 1);
	strbuf_free(&out);
	detect_free(s);
}
END_TEST

/*
 * The literals a redact pattern needs (detect_redact_need.c).  For each
 * pattern: texts it matches (the need must hold), texts that hold its
 * literals but that it does not match (the need holds, regexec decides),
 * texts without them (the need must not hold: the prefilter works).
 */
static const struct need_case {
	const char *pattern;
	const char *match[4];   /* regexec matches; need holds */
	const char *near[3];    /* literals there, no match; need holds */
	const char *absent[3];  /* need does not hold (and no match) */
} need_cases[] = {
	{ "(password|secret) +(.+)$",
	  { "password x", "enable SECRET 5 $1$abc", "PassWord  hunter2", "x secret y" },
	  { " password", "secret:x y", "passwordx y" },
	  { "password", "passwor d x", "secre t x" } },
	{ "Encpass: +([^ ]+)",
	  { "Encpass: abc", "ENCPASS:  x", "user Encpass: y end" },
	  { "x encpass: ", "encpass: ", "encpass:  " },
	  { "encpass:", "Encpass abc", "enc pass: x" } },
	{ "-(admin|new|old)?password[ =]+([^ ]+)",
	  { "-password x", "sysadminctl -adminPassword s3", "-NEWPASSWORD=y" },
	  { "- password x", "password -x", "-password" },
	  { "passwd -x y", "-passwor d x", "" } },
	{ "local-user +[^ ]+ +password +([a-z-]+ +)?([^ \"]+)",
	  { "local-user bob password irreversible-cipher x", "LOCAL-USER a PASSWORD b" },
	  { "local-user password x", "password local-user a b" },
	  { "local user a password b", "local-user a passwd b" } },
	{ "net1?(\\.exe)?\"?[[:space:]]+user[[:space:]]+[^/[:space:]\"'][^[:space:]\"']*"
	  "[[:space:]]+([^/[:space:]\"'][^[:space:]\"']*)",
	  { "net user bob P@ss", "NET1.EXE USER bob x", "net.exe\" user a b" },
	  { "net user", "user net a b", "netuser a b" },
	  { "ne user a b", "net usr a b", "" } },
	{ "ConvertTo-SecureString[[:space:]]+(-String[[:space:]]+)?('[^']*'|\"[^\"]*\"|[^[:space:])]+)",
	  { "ConvertTo-SecureString 'x'", "convertto-securestring -String \"y\"" },
	  { "ConvertTo-SecureString", "ConvertTo-SecureString)" },
	  { "ConvertTo-Secure String x", "SecureString x" } },
	{ "(password|passwd)\\[([^]]*)\\]",
	  { "set password[x]", "PASSWD[]" },
	  { "password [x]", "passwd]x[" },
	  { "pass[x]", "passwor[d]" } },
	{ "phash[:= ]+([^ ,]+)",
	  { "phash: abc", "PHASH=x" },
	  { "phash", "phash,x" },
	  { "p hash x", "hash: x" } },
	/* optional, repeated, bracketed and escaped atoms */
	{ "ab?c", { "ac", "abc", "xxACxx" }, { "a c", "ca" }, { "ab", "bc", "b" } },
	{ "a*bc+d", { "bcd", "aabccd", "BCCCD" }, { "bc d", "dbc" }, { "b c d", "cd", "" } },
	{ "x{2,}y{0}z", { "xxz", "XXXZ" }, { "xz", "x z" }, { "xxy", "yz" } },
	{ "(ab|cd)e", { "abe", "CDE" }, { "ab e", "cd e", "abcd e" }, { "ae", "cd", "" } },
	{ "(ab|)c", { "c", "abc", "xc" }, { }, { } },
	{ "[p]ass\\.word", { "pass.word", "PASS.WORD" }, { "xass.word" }, { "passxword", "" } },
	{ "\\bsecret\\b", { "a secret b", "SECRET" }, { "secrets" }, { "secre t", "" } },
	{ "^key=(.*)$", { "key=x", "KEY=" }, { "a key=x" }, { "key x", "" } },
	{ "a|b", { "a", "B" }, { }, { "c", "" } },
};

/* The need of p, read as a redact pattern (REG_ICASE), matches regexec on text. */
static void
assert_need(const struct need_case *c, const char *text, int want_match, bool want_holds)
{
	struct redact_need need;
	regex_t re;
	bool holds;
	int rc;

	ck_assert_int_eq(regcomp(&re, c->pattern, REG_EXTENDED | REG_ICASE), 0);
	ck_assert_int_eq(detect_redact_need_read(&need, c->pattern, true), 0);
	holds = detect_redact_need_holds(&need, text, strlen(text), true, NULL);
	rc = regexec(&re, text, 0, NULL, 0);
	/* soundness: a match always holds its need */
	ck_assert_msg(rc != 0 || holds, "%s on \"%s\": matches, need not held", c->pattern,
	    text);
	if (want_match >= 0)
		ck_assert_msg((rc == 0) == (want_match == 1), "%s on \"%s\": regexec %d",
		    c->pattern, text, rc);
	ck_assert_msg(holds == want_holds, "%s on \"%s\": need %s", c->pattern, text,
	    holds ? "held" : "not held");
	detect_redact_need_clear(&need);
	regfree(&re);
}

START_TEST(test_redact_need)
{
	const struct need_case *c = &need_cases[_i];
	size_t i;

	for (i = 0; i < 4 && c->match[i] != NULL; i++)
		assert_need(c, c->match[i], 1, true);
	for (i = 0; i < 3 && c->near[i] != NULL; i++)
		assert_need(c, c->near[i], 0, true);
	for (i = 0; i < 3 && c->absent[i] != NULL; i++)
		assert_need(c, c->absent[i], 0, false);
}
END_TEST

/*
 * The literal search steps 16 bytes at a time: the literal at every
 * offset of texts of 0..70 bytes, in lower and upper case, between
 * decoys that share its first bytes, and cut short by the end.
 */
START_TEST(test_redact_need_offsets)
{
	struct redact_need need;
	char text[80];
	size_t len, at, n;
	const char *word = _i ? "PASSWORD" : "password";

	ck_assert_int_eq(detect_redact_need_read(&need, "password", true), 0);
	ck_assert_int_eq(need.kind, NEED_LITERAL);
	for (len = 0; len <= 70; len++)
		for (at = 0; at <= len; at++) {
			memset(text, 'x', len);
			if (len >= 7)
				memcpy(text, "pAsSwOr", 7); /* a decoy */
			n = len - at < 8 ? len - at : 8;
			memcpy(text + at, word, n);
			ck_assert_msg(detect_redact_need_holds(&need, text, len, true, NULL) == (n == 8),
			    "at %zu of %zu", at, len);
		}
	detect_redact_need_clear(&need);
}
END_TEST

/*
 * A redaction makes text that a later pattern needs ("<redacted>" holds
 * "acted"): what the first pattern's need found in the text before must
 * not be reused for the third.
 */
START_TEST(test_redact_need_after_change)
{
	static const char *const texts[] = { "x", "a x b", "y", "<red", "x <redx" };
	char err[1024];
	struct detect_set *s;
	struct strbuf a, b;
	struct regex_shared *const *re;
	FILE *f;
	size_t n, i;

	ck_assert_ptr_nonnull(f = fopen(unit_path("r.detections"), "w"));
	fputs("redact = { \"<red(acted)>\", \"(x)\", \"<red(acted)>\" }\n", f);
	ck_assert_int_eq(fclose(f), 0);
	s = detect_load(unit_dir, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	re = detect_redactions(s, &n);
	ck_assert_uint_eq(n, 3);
	strbuf_init(&a);
	strbuf_init(&b);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		strbuf_reset(&a);
		strbuf_reset(&b);
		ck_assert_int_eq(detect_redact(re, n, texts[i], strlen(texts[i]), &a), 0);
		ck_assert_int_eq(detect_redact_set(s, texts[i], strlen(texts[i]), &b), 0);
		ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
		    "\"%s\": redactions differ", texts[i]);
	}
	ck_assert_int_eq(strbuf_append_char(&a, '\0'), 0);
	strbuf_reset(&a);
	ck_assert_int_eq(detect_redact_set(s, "x", 1, &a), 0);
	ck_assert_str_eq(strbuf_cstr(&a), "<red<redacted>>");
	strbuf_free(&a);
	strbuf_free(&b);
	detect_free(s);
}
END_TEST

/* Patterns the reader must give up on (need nothing): always run. */
static const char *const need_nothing[] = {
	"a?", "(a|)", "[abc]", ".", "\\w+", "x{", "a{,2}", "a**", "(ab)*", "(((((((((((((((((("
	"a))))))))))))))))))", "\\<", "",
};

START_TEST(test_redact_need_nothing)
{
	struct redact_need need;

	ck_assert_int_eq(detect_redact_need_read(&need, need_nothing[_i], true), 0);
	ck_assert_int_eq(need.kind, NEED_NOTHING);
	ck_assert(detect_redact_need_holds(&need, "", 0, true, NULL));
	detect_redact_need_clear(&need);
}
END_TEST

/*
 * Groups are scanned for their end to 64 levels: at the bound the
 * literal after them is read (the one inside, 64 levels down, is past
 * the 16 that are read), past it (or 100,000 levels deep) the reader
 * gives up without going deeper on the stack.
 */
START_TEST(test_redact_need_nesting)
{
	static const size_t levels[] = { 64, 65, 100000 };
	struct redact_need need;
	size_t n = levels[_i], i;
	char *pat = malloc(2 * n + 8);

	ck_assert_ptr_nonnull(pat);
	for (i = 0; i < n; i++)
		pat[i] = '(';
	memcpy(pat + n, "key", 3);
	for (i = 0; i < n; i++)
		pat[n + 3 + i] = ')';
	pat[2 * n + 3] = '\0';
	ck_assert_int_eq(detect_redact_need_read(&need, pat, true), 0);
	ck_assert_int_eq(need.kind, NEED_NOTHING);
	detect_redact_need_clear(&need);
	/* the literal outside the groups is read when they can be scanned */
	memcpy(pat + 2 * n + 3, "abc", 4);
	ck_assert_int_eq(detect_redact_need_read(&need, pat, true), 0);
	ck_assert_int_eq(need.kind, n <= 64 ? NEED_LITERAL : NEED_NOTHING);
	detect_redact_need_clear(&need);
	free(pat);
}
END_TEST

/*
 * 1,500 random texts over the patterns' own letters: a match always holds
 * its need (the prefilter never skips a pattern that would redact), and
 * redaction with the needs gives the bytes of redaction without them.
 */
START_TEST(test_redact_need_random)
{
	static const char alphabet[] = "aAbBcCdDeEpPsSwWoOrRtTnNuUxXyYzZkK=:.[]- 1";
	char err[1024], text[48];
	struct detect_set *s = detect_load(unit_srcpath("patterns"), err, sizeof(err));
	struct strbuf a, b;
	struct regex_shared *const *re;
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	size_t n, i, k, len;
	int held = 0;

	ck_assert_msg(s != NULL, "%s", err);
	re = detect_redactions(s, &n);
	ck_assert_uint_gt(n, 10);
	strbuf_init(&a);
	strbuf_init(&b);
	for (k = 0; k < 1500; k++) {
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (size_t)(state >> 59) + (size_t)(state >> 61);
		for (i = 0; i < len; i++) {
			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			text[i] = alphabet[(state >> 33) % (sizeof(alphabet) - 1)];
		}
		/* and one of the words the patterns need, somewhere */
		if (k % 2 == 0) {
			static const char *const words[] = { "password ", "SECRET ", "net user ",
				"-passwd ", "Encpass: ", "phash=", "local-user " };
			const char *w = words[k / 2 % (sizeof(words) / sizeof(words[0]))];
			size_t at = len > 0 ? (state >> 20) % (len + 1) : 0;

			if (len + strlen(w) < sizeof(text)) {
				memmove(text + at + strlen(w), text + at, len - at);
				memcpy(text + at, w, strlen(w));
				len += strlen(w);
			}
		}
		text[len] = '\0';
		strbuf_reset(&a);
		strbuf_reset(&b);
		ck_assert_int_eq(detect_redact(re, n, text, len, &a), 0);
		ck_assert_int_eq(detect_redact_set(s, text, len, &b), 0);
		ck_assert_msg(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0),
		    "\"%s\": redactions differ", text);
		if (a.len != len || memcmp(a.data, text, len) != 0) {
			held++;
			ck_assert(detect_redact_needed(s, &a, text, len));
		}
	}
	/* the generator must give both sides */
	ck_assert_int_gt(held, 50);
	ck_assert_int_lt(held, 1450);
	strbuf_free(&a);
	strbuf_free(&b);
	detect_free(s);
}
END_TEST

/* Empty groups are not replaced; a pattern that feeds itself is bounded. */
START_TEST(test_redact_bounds)
{
	struct strbuf out;
	struct regex_shared *re[2];
	char why[256];

	ck_assert_ptr_nonnull(re[0] = regex_shared_new("a()", REG_EXTENDED, why, sizeof(why)));
	ck_assert_ptr_nonnull(re[1] = regex_shared_new("(.)", REG_EXTENDED, why, sizeof(why)));
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
		struct regex_shared *thrice[3] = {re[1], re[1], re[1]};
		char big[600];

		memset(big, 'x', sizeof(big));
		ck_assert_int_eq(detect_redact(thrice, 3, big, sizeof(big), &out), 0);
		ck_assert_str_eq(strbuf_cstr(&out), "<redacted>");
	}
	strbuf_free(&out);
	regex_shared_free(re[0]);
	regex_shared_free(re[1]);
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
	tcase_add_loop_test(tc, test_redact_need, 0,
	    (int)(sizeof(need_cases) / sizeof(need_cases[0])));
	tcase_add_loop_test(tc, test_redact_need_nothing, 0,
	    (int)(sizeof(need_nothing) / sizeof(need_nothing[0])));
	tcase_add_test(tc, test_redact_need_random);
	tcase_add_loop_test(tc, test_redact_need_nesting, 0, 3);
	tcase_add_loop_test(tc, test_redact_need_offsets, 0, 2);
	tcase_add_test(tc, test_alert_fields);
	tcase_add_test(tc, test_alert_minimal);
	tcase_add_loop_test(tc, test_alert_iam_types, 0,
	    (int)(sizeof(iam_type_cases) / sizeof(iam_type_cases[0])));
	tcase_add_test(tc, test_alert_net_user);
	tcase_add_test(tc, test_alert_explain);
	/* the random redactions run every shipped pattern: slow under sanitizers */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("redact_dir");
	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_add_test(tc, test_redact_need_after_change);
	suite_add_tcase(s, tc);
	return s;
}
