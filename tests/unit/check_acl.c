/*
 * check_acl.c: allow = { CIDRs }: parsing (what is refused and why) and
 * matching, IPv4, IPv6 and IPv4-mapped IPv6 on either side; and the peer
 * address a socket gives (an IPv4 sender on a dual-stack socket is IPv4).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "acl.h"
#include "netaddr.h"
#include "peer.h"
#include "unit.h"

/* A peer from text, port 514. */
static struct peer_addr
peer(const char *text)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct peer_addr pa;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(514);
		peer_addr_from_sockaddr(&pa, (struct sockaddr *)&sin);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(514);
		peer_addr_from_sockaddr(&pa, (struct sockaddr *)&sin6);
	}
	return pa;
}

static const struct {
	const char *entry;
	const char *why;	/* NULL: valid */
} parse_cases[] = {
    {"10.0.0.0/8", NULL},
    {"10.1.2.3", NULL},
    {"0.0.0.0/0", NULL},
    {"::1", NULL},
    {"2001:db8::/32", NULL},
    {"::/0", NULL},
    {"::ffff:10.0.0.0/104", NULL},
    {"10.0.0.0/33", "has a prefix length out of range"},
    {"::1/129", "has a prefix length out of range"},
    {"10.0.0.0/", "has an invalid prefix length"},
    {"10.0.0.0/8x", "has an invalid prefix length"},
    {"10.0.0.0/-1", "has an invalid prefix length"},
    {"10.0.0.0/0008", "has an invalid prefix length"},
    {"10.1/8", "is not a numeric IPv4 or IPv6 address"},
    {"host.example.net", "is not a numeric IPv4 or IPv6 address"},
    {"", "is not a numeric IPv4 or IPv6 address"},
    {"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee/64", "is too long"},
};

START_TEST(test_parse)
{
	struct acl_entry e;
	const char *why = acl_entry_parse(parse_cases[_i].entry, &e);

	if (parse_cases[_i].why == NULL)
		ck_assert_msg(why == NULL, "%s: %s", parse_cases[_i].entry, why);
	else
		ck_assert_msg(why != NULL && strcmp(why, parse_cases[_i].why) == 0,
		    "%s: got \"%s\", expected \"%s\"", parse_cases[_i].entry, why ? why : "(valid)",
		    parse_cases[_i].why);
}
END_TEST

static const struct {
	const char *list;	/* entries separated by spaces; "" = empty list */
	const char *addr;
	bool allowed;
} match_cases[] = {
    {"", "192.0.2.1", true},
    {"", "2001:db8::1", true},
    {"10.0.0.0/8", "10.255.1.2", true},
    {"10.0.0.0/8", "11.0.0.1", false},
    {"10.1.2.3/8", "10.9.9.9", true},	/* host bits are cleared */
    {"127.0.0.1", "127.0.0.1", true},
    {"127.0.0.1", "127.0.0.2", false},
    {"192.168.1.0/25", "192.168.1.127", true},
    {"192.168.1.0/25", "192.168.1.128", false},
    {"192.168.1.128/25", "192.168.1.200", true},
    {"10.0.0.0/15", "10.1.255.255", true},
    {"10.0.0.0/15", "10.2.0.0", false},
    {"0.0.0.0/0", "203.0.113.9", true},
    {"0.0.0.0/0", "::1", false},
    {"::1", "::1", true},
    {"::1", "::2", false},
    {"2001:db8::/32", "2001:db8:ffff::1", true},
    {"2001:db8::/32", "2001:db9::1", false},
    {"2001:db8::/33", "2001:db8:8000::1", false},
    {"2001:db8::/33", "2001:db8:7fff::1", true},
    {"::/0", "fe80::1", true},
    {"::/0", "10.0.0.1", false},
    {"127.0.0.0/8", "::ffff:127.0.0.1", true},	/* mapped peer, IPv4 rule */
    {"127.0.0.0/8", "::ffff:128.0.0.1", false},
    {"::ffff:10.0.0.0/104", "10.3.4.5", true},	/* mapped rule, IPv4 peer */
    {"::ffff:10.0.0.0/104", "11.3.4.5", false},
    {"::ffff:10.0.0.1", "10.0.0.1", true},
    {"::ffff:0:0/95", "10.0.0.1", false},	/* wider than the mapped block: IPv6 only */
    {"10.0.0.0/8 ::1 127.0.0.0/8", "127.0.0.2", true},
    {"10.0.0.0/8 ::1 127.0.0.0/8", "::1", true},
    {"10.0.0.0/8 ::1 127.0.0.0/8", "192.0.2.1", false},
    {"10.0.0.0/8 ::1 127.0.0.0/8", "::2", false},
};

START_TEST(test_match)
{
	char *copy = strdup(match_cases[_i].list), *save = NULL, *tok;
	char *list[8], err[256];
	struct peer_addr pa = peer(match_cases[_i].addr);
	struct acl acl;
	size_t n = 0;

	for (tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		list[n++] = tok;
	ck_assert_msg(acl_init(&acl, list, n, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(acl_allows(&acl, &pa) == match_cases[_i].allowed, "allow { %s } %s %s",
	    match_cases[_i].list, match_cases[_i].allowed ? "refuses" : "admits",
	    match_cases[_i].addr);
	acl_free(&acl);
	free(copy);
}
END_TEST

/* A reload's allow: the old list freed, the new one in effect, the source left empty. */
START_TEST(test_replace)
{
	char b0[] = "127.0.0.0/8", a0[] = "10.0.0.0/8", a1[] = "::1";
	char *before[] = { b0 }, *after[] = { a0, a1 };
	struct acl acl, with;
	struct peer_addr lo = peer("127.0.0.1"), ten = peer("10.1.2.3"), lo6 = peer("::1");
	char err[256];

	ck_assert_int_eq(acl_init(&acl, before, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(acl_init(&with, after, 2, err, sizeof(err)), 0);
	ck_assert(acl_allows(&acl, &lo));
	ck_assert(!acl_allows(&acl, &ten));
	acl_replace(&acl, &with);
	ck_assert(!acl_allows(&acl, &lo));
	ck_assert(acl_allows(&acl, &ten));
	ck_assert(acl_allows(&acl, &lo6));
	ck_assert_ptr_null(with.entries);
	ck_assert_uint_eq(with.n, 0);
	ck_assert(acl_allows(&with, &lo));	/* empty: everyone, and nothing left to free */
	acl_free(&with);
	acl_free(&acl);
}
END_TEST

START_TEST(test_init_error)
{
	char a[] = "10.0.0.0/8", b[] = "nonsense";
	char *list[] = { a, b };
	char err[256];
	struct acl acl;

	ck_assert_int_eq(acl_init(&acl, list, 2, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "allow \"nonsense\" is not a numeric IPv4 or IPv6 address");
	acl_free(&acl);
}
END_TEST

/* A sender's IPv6 socket address as the peer everything after intake sees. */
static const struct {
	const char *sent; /* the IPv6 address accept/recvfrom gave */
	int family;
	const char *text; /* source.ip */
} peer_cases[] = {
    {"::ffff:192.0.2.7", AF_INET, "192.0.2.7"}, /* IPv4 on a dual-stack [::] */
    {"::ffff:127.0.0.1", AF_INET, "127.0.0.1"},
    {"::ffff:0.0.0.0", AF_INET, "0.0.0.0"},
    {"::1", AF_INET6, "::1"},
    {"2001:db8::ffff:a00:1", AF_INET6, "2001:db8::ffff:a00:1"},
    {"::ffff:0:a00:1", AF_INET6, "::ffff:0:a00:1"}, /* RFC 2765 translated: IPv6 */
    {"::a00:1", AF_INET6, "::10.0.0.1"},	    /* IPv4-compatible: IPv6 */
    {"::fffe:a00:1", AF_INET6, "::fffe:a00:1"},
};

START_TEST(test_peer_from_sockaddr)
{
	struct sockaddr_in6 sin6;
	struct peer_addr pa;
	char text[INET6_ADDRSTRLEN];

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40514);
	ck_assert_int_eq(inet_pton(AF_INET6, peer_cases[_i].sent, &sin6.sin6_addr), 1);
	peer_addr_from_sockaddr(&pa, (struct sockaddr *)&sin6);
	ck_assert_msg(pa.family == peer_cases[_i].family, "%s: family %d, expected %d",
	    peer_cases[_i].sent, pa.family, peer_cases[_i].family);
	ck_assert_uint_eq(pa.port, 40514);
	ck_assert_str_eq(netaddr_peer_text(&pa, text, sizeof(text)), peer_cases[_i].text);
}
END_TEST

/* A mapped IPv4 sender is its IPv4 address for allow, whatever the rule's family. */
START_TEST(test_mapped_peer_allow)
{
	char v4[] = "10.0.0.0/8", v6[] = "::1";
	char *list[] = {v4, v6};
	char err[256];
	struct acl acl;
	struct peer_addr in = peer("::ffff:10.9.8.7"), out = peer("::ffff:11.0.0.1");

	ck_assert_int_eq(in.family, AF_INET);
	ck_assert_msg(acl_init(&acl, list, 2, err, sizeof(err)) == 0, "%s", err);
	ck_assert(acl_allows(&acl, &in));
	ck_assert(!acl_allows(&acl, &out));
	acl_free(&acl);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("acl");

	tcase_add_loop_test(tc, test_parse, 0, sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_loop_test(tc, test_match, 0, sizeof(match_cases) / sizeof(match_cases[0]));
	tcase_add_test(tc, test_init_error);
	tcase_add_test(tc, test_replace);
	tcase_add_loop_test(
	    tc, test_peer_from_sockaddr, 0, sizeof(peer_cases) / sizeof(peer_cases[0]));
	tcase_add_test(tc, test_mapped_peer_allow);
	suite_add_tcase(s, tc);
	return s;
}
