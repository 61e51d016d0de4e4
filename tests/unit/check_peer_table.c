/*
 * check_peer_table.c: the per-address table (bounded, least recently seen
 * evicted first, held entries pinned, mapped IPv4 = IPv4) and the rate
 * limiter (rsyslog's interval/burst window).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "peer_table.h"
#include "unit.h"

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
	bool ev;

	ck_assert_ptr_nonnull(t);
	e = peer_table_get(t, &a, 1, &ev);
	ck_assert_ptr_nonnull(e);
	peer_table_hold(t, e);
	/* the port does not matter, nor whether IPv4 comes mapped */
	ck_assert_ptr_eq(peer_table_get(t, &b, 2, &ev), e);
	ck_assert_ptr_eq(peer_table_get(t, &m, 3, &ev), e);
	ck_assert_ptr_ne(peer_table_get(t, &other, 4, &ev), e);
	ck_assert_uint_eq(peer_table_live(t, 5), 1);
	peer_table_free(t);
}
END_TEST

/* Exactly size addresses fit without evicting anyone; the next one evicts one. */
START_TEST(test_table_at_bound)
{
	struct peer_table *t = peer_table_new(64);
	struct ratelimit rl = { 1000, 1 };
	struct peer_entry *e;
	struct peer_addr pa;
	uint64_t until;
	uint32_t n;
	bool ev;

	ck_assert_uint_eq(peer_table_size(t), 64);
	for (n = 0; n < 64; n++) {
		pa = addr_v4(n, false, 0);
		e = peer_table_get(t, &pa, 10, &ev);
		ck_assert_ptr_nonnull(e);
		ck_assert(!ev);
		ck_assert(ratelimit_take(e, &rl, 10, &until));
	}
	ck_assert_uint_eq(peer_table_live(t, 10), 64);
	pa = addr_v4(64, false, 0);
	e = peer_table_get(t, &pa, 10, &ev);
	ck_assert_ptr_nonnull(e);
	ck_assert(ev);	/* address 0's window was still running */
	ck_assert_uint_eq(e->window_count, 0);
	ck_assert_uint_eq(peer_table_live(t, 10), 63);
	peer_table_free(t);
}
END_TEST

/*
 * Issue 13 point 6: one-message senders past the table's size.  Each is
 * admitted, a new one after them too, and a sender over its rate that keeps
 * sending is still limited; the table never holds more than its size.
 */
START_TEST(test_table_one_shots_past_bound)
{
	struct peer_table *t = peer_table_new(64);
	struct ratelimit rl = { 1000000, 3 };	/* one window for the whole test */
	struct peer_addr flooder = addr_v4(0xffffff, false, 0), pa;
	struct peer_entry *e;
	uint64_t until, now = 1000;
	uint32_t n, evictions = 0;
	bool ev;

	for (n = 0; n < 3; n++)
		ck_assert(ratelimit_take(peer_table_get(t, &flooder, now, &ev), &rl, now, &until));
	ck_assert(!ratelimit_take(peer_table_get(t, &flooder, now, &ev), &rl, now, &until));
	for (n = 0; n < 100000; n++, now++) {
		pa = addr_v4(n, n % 2 == 1, 0);
		e = peer_table_get(t, &pa, now, &ev);
		ck_assert_ptr_nonnull(e);
		evictions += ev;
		ck_assert_msg(ratelimit_take(e, &rl, now, &until),
		    "one-message sender %u dropped", n);
		if (n % 32 == 0)	/* the flooder keeps sending, over its rate */
			ck_assert(!ratelimit_take(peer_table_get(t, &flooder, now, &ev), &rl,
			    now, &until));
	}
	ck_assert_uint_le(peer_table_live(t, now), 64);
	ck_assert_uint_ge(evictions, 100000 - 64);
	pa = addr_v4(0x800000, false, 0);
	ck_assert(ratelimit_take(peer_table_get(t, &pa, now, &ev), &rl, now, &until));
	ck_assert(!ratelimit_take(peer_table_get(t, &flooder, now, &ev), &rl, now, &until));
	ck_assert_uint_eq(until, 1000 + 1000000);
	peer_table_free(t);
}
END_TEST

/* The least recently seen address goes first: being seen again keeps an entry. */
START_TEST(test_table_lru_order)
{
	struct peer_table *t = peer_table_new(64);
	struct ratelimit rl = { 60000, 1 };
	struct peer_addr pa, zero = addr_v4(0, false, 0);
	struct peer_entry *e;
	uint64_t until;
	uint32_t n;
	bool ev;

	for (n = 0; n < 64; n++) {
		pa = addr_v4(n, false, 0);
		ck_assert(ratelimit_take(peer_table_get(t, &pa, n, &ev), &rl, n, &until));
	}
	/* address 0 is seen again (over its rate): address 1 is now the oldest */
	ck_assert(!ratelimit_take(peer_table_get(t, &zero, 100, &ev), &rl, 100, &until));
	pa = addr_v4(1000, false, 0);
	ck_assert_ptr_nonnull(peer_table_get(t, &pa, 101, &ev));
	ck_assert(ev);
	/* address 0 kept its window; address 1 was forgotten: a fresh window */
	ck_assert(!ratelimit_take(peer_table_get(t, &zero, 102, &ev), &rl, 102, &until));
	pa = addr_v4(1, false, 0);
	e = peer_table_get(t, &pa, 103, &ev);
	ck_assert(ev);	/* it took address 2's entry */
	ck_assert_uint_eq(e->window_count, 0);
	ck_assert(ratelimit_take(e, &rl, 103, &until));
	peer_table_free(t);
}
END_TEST

/* An entry with a connection open is never given to another address. */
START_TEST(test_table_conns_pin)
{
	struct peer_table *t = peer_table_new(64);
	struct peer_entry *e[64], *x;
	struct peer_addr pa;
	uint32_t n, i;
	bool ev;

	for (n = 0; n < 64; n++) {
		pa = addr_v4(n, false, 0);
		e[n] = peer_table_get(t, &pa, 1, &ev);
		ck_assert_ptr_nonnull(e[n]);
		peer_table_hold(t, e[n]);
	}
	peer_table_hold(t, e[5]);	/* two connections */
	for (n = 1000; n < 2000; n++) {
		pa = addr_v4(n, false, 0);
		ck_assert_ptr_null(peer_table_get(t, &pa, 1000000, &ev));
	}
	ck_assert_uint_eq(peer_table_live(t, 1000000), 64);
	/* one connection closed of two: still held */
	peer_table_release(t, e[5]);
	pa = addr_v4(5000, false, 0);
	ck_assert_ptr_null(peer_table_get(t, &pa, 1000000, &ev));
	/* the last one closed: that entry, and only it, is free to take */
	peer_table_release(t, e[5]);
	x = peer_table_get(t, &pa, 1000000, &ev);
	ck_assert_ptr_eq(x, e[5]);
	ck_assert(!ev);
	for (i = 0; i < 64; i++)
		ck_assert_uint_eq(e[i]->conns, i == 5 ? 0 : 1);
	peer_table_hold(t, x);
	pa = addr_v4(5001, false, 0);
	ck_assert_ptr_null(peer_table_get(t, &pa, 1000000, &ev));
	peer_table_free(t);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("peer_table");
	TCase *tc = tcase_create("peer_table");

	tcase_add_test(tc, test_rate_window);
	tcase_add_test(tc, test_rate_unlimited);
	tcase_add_test(tc, test_table_same_address);
	tcase_add_test(tc, test_table_at_bound);
	tcase_add_test(tc, test_table_one_shots_past_bound);
	tcase_add_test(tc, test_table_lru_order);
	tcase_add_test(tc, test_table_conns_pin);
	suite_add_tcase(s, tc);
	return s;
}
