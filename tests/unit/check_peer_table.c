/*
 * check_peer_table.c: the per-address table (bounded, expiring, mapped
 * IPv4 = IPv4) and the rate limiter (rsyslog's interval/burst window).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "peer_table.h"

/* An address 10.(n>>16).(n>>8).n, or its IPv4-mapped IPv6 form. */
static struct peer_addr
addr_v4(uint32_t n, bool mapped, uint16_t port)
{
	struct peer_addr pa;

	memset(&pa, 0, sizeof(pa));
	pa.port = port;
	if (mapped) {
		pa.family = AF_INET6;
		pa.addr[10] = pa.addr[11] = 0xff;
		pa.addr[12] = 10;
		pa.addr[13] = (uint8_t)(n >> 16);
		pa.addr[14] = (uint8_t)(n >> 8);
		pa.addr[15] = (uint8_t)n;
	} else {
		pa.family = AF_INET;
		pa.addr[0] = 10;
		pa.addr[1] = (uint8_t)(n >> 16);
		pa.addr[2] = (uint8_t)(n >> 8);
		pa.addr[3] = (uint8_t)n;
	}
	return pa;
}

START_TEST(test_rate_window)
{
	struct ratelimit rl = { 1000, 3 };
	struct peer_entry e;
	uint64_t until = 0;

	memset(&e, 0, sizeof(e));
	/* three in the window, the fourth and fifth over, until the window ends */
	ck_assert(ratelimit_take(&e, &rl, 5000, &until));
	ck_assert(ratelimit_take(&e, &rl, 5100, &until));
	ck_assert(ratelimit_take(&e, &rl, 5999, &until));
	ck_assert(!ratelimit_take(&e, &rl, 5999, &until));
	ck_assert_uint_eq(until, 6000);
	ck_assert(!ratelimit_take(&e, &rl, 5500, &until));
	/* a new window opens at the first message after the end */
	ck_assert(ratelimit_take(&e, &rl, 6000, &until));
	ck_assert_uint_eq(e.window_end_ms, 7000);
	ck_assert(ratelimit_take(&e, &rl, 6001, &until));
	ck_assert(ratelimit_take(&e, &rl, 6002, &until));
	ck_assert(!ratelimit_take(&e, &rl, 6003, &until));
	/* a long silence: the next window starts at the next message, not on a grid */
	ck_assert(ratelimit_take(&e, &rl, 100000, &until));
	ck_assert_uint_eq(e.window_end_ms, 101000);
}
END_TEST

START_TEST(test_rate_unlimited)
{
	struct ratelimit rl = { 0, 1 };
	struct peer_entry e;
	uint64_t until = 0;
	int i;

	memset(&e, 0, sizeof(e));
	for (i = 0; i < 1000; i++)
		ck_assert(ratelimit_take(&e, &rl, 1, &until));
}
END_TEST

START_TEST(test_table_same_address)
{
	struct peer_table *t = peer_table_new(64);
	struct peer_addr a = addr_v4(1, false, 1000), b = addr_v4(1, false, 2000);
	struct peer_addr m = addr_v4(1, true, 3000), other = addr_v4(2, false, 1000);
	struct peer_entry *e;

	ck_assert_ptr_nonnull(t);
	e = peer_table_get(t, &a, 1);
	ck_assert_ptr_nonnull(e);
	e->conns = 1;
	/* the port does not matter, nor whether IPv4 comes mapped */
	ck_assert_ptr_eq(peer_table_get(t, &b, 2), e);
	ck_assert_ptr_eq(peer_table_get(t, &m, 3), e);
	ck_assert_ptr_ne(peer_table_get(t, &other, 4), e);
	ck_assert_uint_eq(peer_table_live(t, 5), 1);
	peer_table_free(t);
}
END_TEST

/* Fill the table with live addresses: new ones get NULL; once expired, slots come back. */
START_TEST(test_table_bounded)
{
	struct peer_table *t = peer_table_new(64);
	struct ratelimit rl = { 1000, 1 };
	struct peer_addr pa;
	struct peer_entry *e;
	uint64_t until;
	uint32_t n, got = 0, refused = 0;

	for (n = 0; n < 1000; n++) {
		pa = addr_v4(n, false, 0);
		e = peer_table_get(t, &pa, 10);
		if (e == NULL) {
			refused++;
			continue;
		}
		got++;
		ck_assert(ratelimit_take(e, &rl, 10, &until));	/* live until 1010 */
	}
	ck_assert_uint_le(got, 64);
	ck_assert_uint_ge(got, 32);	/* a bounded probe still fills most slots */
	ck_assert_uint_eq(got + refused, 1000);
	ck_assert_uint_eq(peer_table_live(t, 10), got);
	/* every window ended: every new address finds a slot again */
	ck_assert_uint_eq(peer_table_live(t, 1010), 0);
	for (n = 5000; n < 5032; n++) {
		pa = addr_v4(n, false, 0);
		ck_assert_ptr_nonnull(peer_table_get(t, &pa, 1010));
	}
	peer_table_free(t);
}
END_TEST

/* An entry with a connection open is never given to another address. */
START_TEST(test_table_conns_pin)
{
	struct peer_table *t = peer_table_new(64);
	struct peer_entry *e[64];
	struct peer_addr pa;
	uint32_t n, kept = 0;

	for (n = 0; n < 64; n++) {
		pa = addr_v4(n, false, 0);
		if ((e[kept] = peer_table_get(t, &pa, 1)) != NULL)
			e[kept++]->conns = 1;
	}
	for (n = 1000; n < 2000; n++) {
		struct peer_entry *x;

		pa = addr_v4(n, false, 0);
		x = peer_table_get(t, &pa, 1000000);
		for (uint32_t i = 0; x != NULL && i < kept; i++)
			ck_assert_ptr_ne(x, e[i]);
	}
	peer_table_free(t);
}
END_TEST

static Suite *
peer_table_suite(void)
{
	Suite *s = suite_create("peer_table");
	TCase *tc = tcase_create("peer_table");

	tcase_add_test(tc, test_rate_window);
	tcase_add_test(tc, test_rate_unlimited);
	tcase_add_test(tc, test_table_same_address);
	tcase_add_test(tc, test_table_bounded);
	tcase_add_test(tc, test_table_conns_pin);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(peer_table_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
