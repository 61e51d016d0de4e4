/*
 * check_tls.c: the pieces of TLS client authentication that are pure
 * functions: wildcard name matching (permitted_peers), which patterns are
 * accepted, and fingerprint parsing.  The handshakes themselves are
 * tested with real peers in tests/scenario/tls.sh.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <string.h>

#include "tls.h"
#include "unit.h"

static const struct {
	const char *pattern;
	const char *name;
	bool match;
} name_cases[] = {
    {"client1.example.net", "client1.example.net", true},
    {"client1.example.net", "CLIENT1.Example.NET", true},
    {"client1.example.net.", "client1.example.net", true},
    {"client1.example.net", "client1.example.net.", true},
    {"client1.example.net", "client2.example.net", false},
    {"*.example.net", "client1.example.net", true},
    {"*.example.net", "a.b.example.net", false},	/* one label only */
    {"*.example.net", "example.net", false},
    {"*.example.net", ".example.net", false},
    {"*.example.net", "client1.example.org", false},
    {"*.*.example.net", "a.b.example.net", true},
    {"relay*.example.org", "relay7.example.org", true},
    {"relay*.example.org", "relay.example.org", true},
    {"relay*.example.org", "xrelay7.example.org", false},
    {"*-db.example.org", "eu-db.example.org", true},
    {"*-db.example.org", "eu-dbx.example.org", false},
    {"client1.*", "client1.example", true},
    {"client1.*", "client1.example.net", false},
    {"*", "localhost", true},
    {"*", "a.b", false},
    {"example.net", "example.net.evil", false},
    {"example.net", "www.example.net", false},
    {"", "example.net", false},
    {"example.net", "", false},
};

START_TEST(test_name_match)
{
	ck_assert_msg(tls_name_match(name_cases[_i].pattern, name_cases[_i].name) ==
	    name_cases[_i].match, "\"%s\" %s \"%s\"", name_cases[_i].pattern,
	    name_cases[_i].match ? "does not match" : "matches", name_cases[_i].name);
}
END_TEST

static const struct {
	const char *pattern;
	bool valid;
} pattern_cases[] = {
    {"*.example.net", true},
    {"relay*.example.org", true},
    {"*-db.example.org", true},
    {"host_1.example", true},
    {"example.net.", true},
    {"*", true},
    {"a*b.example", false},
    {"**.example", false},
    {"*a*.example", false},
    {"a..b", false},
    {".a", false},
    {"", false},
    {"a b", false},
    {"a/b", false},
    {"10.0.0.1", true},
};

START_TEST(test_pattern_valid)
{
	ck_assert_msg(tls_peer_pattern_valid(pattern_cases[_i].pattern) == pattern_cases[_i].valid,
	    "\"%s\" should be %s", pattern_cases[_i].pattern,
	    pattern_cases[_i].valid ? "valid" : "refused");
}
END_TEST

#define FP_HEX "00112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA9876543210"

static const struct {
	const char *text;
	const char *why;
} fingerprint_cases[] = {
    {"sha256:" FP_HEX, NULL},
    {"SHA256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23:45:67:89:ab:cd:ef:FE:DC:"
     "BA:98:76:54:32:10", NULL},
    {FP_HEX, "does not start with sha256:"},
    {"sha1:00:11", "does not start with sha256:"},
    {"sha256:", "is shorter than 32 bytes"},
    {"sha256:0011", "is shorter than 32 bytes"},
    {"sha256:" FP_HEX "00", "is longer than 32 bytes"},
    {"sha256:0g" FP_HEX, "is not hex digit pairs"},
    {"sha256:0", "is not hex digit pairs"},
    {"sha256:00::11", "is not hex digit pairs"},
    {"sha256:00:11:", "is not hex digit pairs"},
};

START_TEST(test_fingerprint_parse)
{
	static const unsigned char want[TLS_SHA256_LEN] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67,
		0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
	unsigned char out[TLS_SHA256_LEN];
	const char *why = tls_fingerprint_parse(fingerprint_cases[_i].text, out);

	if (fingerprint_cases[_i].why == NULL) {
		ck_assert_msg(why == NULL, "%s: %s", fingerprint_cases[_i].text, why);
		ck_assert_mem_eq(out, want, sizeof(want));
	} else
		ck_assert_msg(why != NULL && strcmp(why, fingerprint_cases[_i].why) == 0,
		    "%s: got \"%s\", expected \"%s\"", fingerprint_cases[_i].text,
		    why ? why : "(valid)", fingerprint_cases[_i].why);
}
END_TEST

START_TEST(test_failure_names)
{
	ck_assert_str_eq(tls_failure_name(TLS_FAIL_PROTOCOL), "protocol");
	ck_assert_str_eq(tls_failure_name(TLS_FAIL_UNTRUSTED), "untrusted");
	ck_assert_str_eq(tls_failure_name(TLS_FAIL_NAME), "name");
	ck_assert_str_eq(tls_failure_name(TLS_FAIL_FINGERPRINT), "fingerprint");
	ck_assert_str_eq(tls_failure_name(TLS_FAIL_TIMEOUT), "timeout");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");

	tcase_add_loop_test(tc, test_name_match, 0, sizeof(name_cases) / sizeof(name_cases[0]));
	tcase_add_loop_test(tc, test_pattern_valid, 0,
	    sizeof(pattern_cases) / sizeof(pattern_cases[0]));
	tcase_add_loop_test(tc, test_fingerprint_parse, 0,
	    sizeof(fingerprint_cases) / sizeof(fingerprint_cases[0]));
	tcase_add_test(tc, test_failure_names);
	suite_add_tcase(s, tc);
	return s;
}
