/*
 * check_relp_frame.c: the RELP frame parser (relp_frame.c) at and past
 * every bound, table-driven, and the session (relp_session.c): the answer
 * order, the answer only after the write report, and each reason a session
 * ends.  Every valid frame is also parsed cut at every byte: a prefix is
 * always "more", never a frame or an error.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relp_session.h"
#include "unit.h"

#define MAX_DATA 100

struct frame_case {
	const char *in;
	enum relp_parse want;
	enum relp_error err;
	uint32_t txnr;
	size_t datalen;
};

static const struct frame_case frame_cases[] = {
    {"1 syslog 5 hello\n", RELP_PARSE_FRAME, RELP_OK, 1, 5},
    {"999999999 close 0\n", RELP_PARSE_FRAME, RELP_OK, 999999999, 0},
    {"000000007 open 1 x\n", RELP_PARSE_FRAME, RELP_OK, 7, 1},
    /* DATALEN at the bound and one past it */
    {"2 syslog 100 ", RELP_PARSE_MORE, RELP_OK, 0, 0},
    {"2 syslog 101 ", RELP_PARSE_ERROR, RELP_ERR_TOO_LARGE, 0, 0},
    {"2 syslog 999999999 ", RELP_PARSE_ERROR, RELP_ERR_TOO_LARGE, 0, 0},
    {"2 syslog 1000000000 ", RELP_PARSE_ERROR, RELP_ERR_BAD_DATALEN, 0, 0},
    {"2 syslog -5 hello\n", RELP_PARSE_ERROR, RELP_ERR_BAD_DATALEN, 0, 0},
    {"2 syslog  5 hello\n", RELP_PARSE_ERROR, RELP_ERR_BAD_DATALEN, 0, 0},
    {"2 syslog 5x hello\n", RELP_PARSE_ERROR, RELP_ERR_BAD_DATALEN, 0, 0},
    /* TXNR: 0, ten digits, none, a sign */
    {"0 syslog 1 x\n", RELP_PARSE_ERROR, RELP_ERR_BAD_TXNR, 0, 0},
    {"1000000000 syslog 1 x\n", RELP_PARSE_ERROR, RELP_ERR_BAD_TXNR, 0, 0},
    {" 1 syslog 1 x\n", RELP_PARSE_ERROR, RELP_ERR_BAD_TXNR, 0, 0},
    {"-1 syslog 1 x\n", RELP_PARSE_ERROR, RELP_ERR_BAD_TXNR, 0, 0},
    {"1\n", RELP_PARSE_ERROR, RELP_ERR_BAD_TXNR, 0, 0},
    /* COMMAND: 32 letters is a word (unknown), 33 is not one, digits are not */
    {"1 abcdefghijklmnopqrstuvwxyzabcdef 0\n", RELP_PARSE_ERROR, RELP_ERR_UNKNOWN_COMMAND, 0, 0},
    {"1 abcdefghijklmnopqrstuvwxyzabcdefg 0\n", RELP_PARSE_ERROR, RELP_ERR_BAD_COMMAND, 0, 0},
    {"1 sys1og 0\n", RELP_PARSE_ERROR, RELP_ERR_BAD_COMMAND, 0, 0},
    {"1  syslog 0\n", RELP_PARSE_ERROR, RELP_ERR_BAD_COMMAND, 0, 0},
    {"1 rsp 0\n", RELP_PARSE_ERROR, RELP_ERR_UNKNOWN_COMMAND, 0, 0},
    {"1 serverclose 0\n", RELP_PARSE_ERROR, RELP_ERR_UNKNOWN_COMMAND, 0, 0},
    {"1 SYSLOG 1 x\n", RELP_PARSE_ERROR, RELP_ERR_UNKNOWN_COMMAND, 0, 0},
    /* separators and trailer */
    {"1 syslog 5 hellox", RELP_PARSE_ERROR, RELP_ERR_BAD_FRAME, 0, 0},
    {"1 syslog 5\nhello\n", RELP_PARSE_ERROR, RELP_ERR_BAD_FRAME, 0, 0},
    {"1 close 0 \n", RELP_PARSE_ERROR, RELP_ERR_BAD_FRAME, 0, 0},
    {"1 syslog 5 hel", RELP_PARSE_MORE, RELP_OK, 0, 0},
    {"123456789", RELP_PARSE_MORE, RELP_OK, 0, 0},
};

START_TEST(test_frame_case)
{
	const struct frame_case *c = &frame_cases[_i];
	struct relp_frame f;
	enum relp_error err;
	size_t len = strlen(c->in), cut;
	char *copy;

	ck_assert_int_eq(relp_frame_parse(c->in, len, MAX_DATA, &f, &err), c->want);
	ck_assert_int_eq(err, c->err);
	if (c->want != RELP_PARSE_FRAME)
		return;
	ck_assert_uint_eq(f.txnr, c->txnr);
	ck_assert_uint_eq(f.datalen, c->datalen);
	ck_assert_uint_eq(f.frame_len, len);
	/* every prefix, in a buffer of exactly its length (ASan sees an over-read) */
	for (cut = 0; cut < len; cut++) {
		copy = malloc(cut > 0 ? cut : 1);
		memcpy(copy, c->in, cut);
		ck_assert_int_eq(relp_frame_parse(copy, cut, MAX_DATA, &f, &err), RELP_PARSE_MORE);
		free(copy);
	}
}
END_TEST

/* A session's output and deliveries, for the assertions. */
struct sink {
	char out[8192];
	size_t out_len;
	uint64_t seqs[2048];
	size_t n;
};

static void
deliver(void *arg, const char *data, size_t len, unsigned flags, uint64_t seq)
{
	struct sink *k = arg;

	(void)data;
	(void)len;
	(void)flags;
	if (k->n < sizeof(k->seqs) / sizeof(k->seqs[0]))
		k->seqs[k->n++] = seq;
}

static void
send_out(void *arg, const char *data, size_t len)
{
	struct sink *k = arg;

	ck_assert_uint_le(k->out_len + len, sizeof(k->out) - 1);
	memcpy(k->out + k->out_len, data, len);
	k->out_len += len;
	k->out[k->out_len] = '\0';
}

static const struct relp_session_ops ops = {deliver, send_out};

#define OPEN "1 open 46 relp_version=0\nrelp_software=x\ncommands=syslog\n"

/* Feed all of s; the error it ends with. */
static enum relp_error
feed(struct relp_session *r, const char *s)
{
	enum relp_error e;

	ck_assert_uint_eq(relp_session_feed(r, s, strlen(s), &e), strlen(s));
	return e;
}

START_TEST(test_session_order)
{
	struct sink k = {0};
	struct relp_session *r = relp_session_new(64, &ops, &k);

	ck_assert_int_eq(feed(r, OPEN), RELP_OK);
	ck_assert_ptr_nonnull(strstr(k.out, "1 rsp "));
	ck_assert_ptr_nonnull(strstr(k.out, "200 OK\nrelp_version=0\n"));
	k.out_len = 0;
	k.out[0] = '\0';
	ck_assert_int_eq(feed(r, "2 syslog 1 a\n3 syslog 1 b\n4 syslog 1 c\n5 close 0\n"), RELP_OK);
	ck_assert_uint_eq(k.n, 3);
	ck_assert_str_eq(k.out, ""); /* nothing written yet: nothing answered */
	/* the last written first: it waits for the ones before it */
	ck_assert_int_eq(relp_session_written(r, 3, 3, true), RELP_OK);
	ck_assert_str_eq(k.out, "");
	ck_assert_int_eq(relp_session_written(r, 1, 2, true), RELP_OK);
	ck_assert_str_eq(k.out, "2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n5 rsp 0\n");
	ck_assert(relp_session_finished(r));
	ck_assert_uint_eq(relp_session_answered(r), 3);
	relp_session_free(r);
}
END_TEST

START_TEST(test_session_not_written)
{
	struct sink k = {0};
	struct relp_session *r = relp_session_new(64, &ops, &k);

	ck_assert_int_eq(feed(r, OPEN "2 syslog 1 a\n"), RELP_OK);
	k.out_len = 0;
	ck_assert_int_eq(relp_session_written(r, 1, 1, false), RELP_ERR_NOT_WRITTEN);
	ck_assert_str_eq(k.out, "0 serverclose 0\n");
	ck_assert_uint_eq(relp_session_answered(r), 0);
	relp_session_free(r);
}
END_TEST

/* SIGTERM: what is in flight is answered once written, then serverclose; nothing after is taken. */
START_TEST(test_session_stop)
{
	struct sink k = {0};
	struct relp_session *r = relp_session_new(64, &ops, &k);

	ck_assert_int_eq(feed(r, OPEN "2 syslog 1 a\n3 syslog 1 b\n"), RELP_OK);
	k.out_len = 0;
	k.out[0] = '\0';
	relp_session_stop(r);
	ck_assert(!relp_session_finished(r)); /* two still in flight */
	ck_assert_str_eq(k.out, "");
	/* fed after the stop: neither delivered nor answered (the sender resends it) */
	ck_assert_int_eq(feed(r, "4 syslog 1 c\n"), RELP_OK);
	ck_assert_uint_eq(k.n, 2);
	ck_assert_int_eq(relp_session_written(r, 1, 1, true), RELP_OK);
	ck_assert_str_eq(k.out, "2 rsp 6 200 OK\n");
	ck_assert(!relp_session_finished(r));
	ck_assert_int_eq(relp_session_written(r, 2, 2, true), RELP_OK);
	ck_assert_str_eq(k.out, "2 rsp 6 200 OK\n3 rsp 6 200 OK\n0 serverclose 0\n");
	ck_assert(relp_session_finished(r));
	ck_assert_uint_eq(relp_session_answered(r), 2);
	relp_session_free(r);

	/* nothing in flight: serverclose at once */
	memset(&k, 0, sizeof(k));
	r = relp_session_new(64, &ops, &k);
	ck_assert_int_eq(feed(r, OPEN), RELP_OK);
	k.out_len = 0;
	k.out[0] = '\0';
	relp_session_stop(r);
	ck_assert_str_eq(k.out, "0 serverclose 0\n");
	ck_assert(relp_session_finished(r));
	relp_session_free(r);
}
END_TEST

struct session_case {
	const char *in;
	enum relp_error err;
};

static const struct session_case session_cases[] = {
    {"1 syslog 1 a\n", RELP_ERR_BEFORE_OPEN},
    {"1 close 0\n", RELP_ERR_BEFORE_OPEN},
    {OPEN "2 open 1 x\n", RELP_ERR_SECOND_OPEN},
    {OPEN "3 syslog 1 a\n", RELP_ERR_BAD_TXNR},
    {OPEN "1 syslog 1 a\n", RELP_ERR_BAD_TXNR},
    {OPEN "2 close 0\n3 syslog 1 a\n", RELP_ERR_AFTER_CLOSE},
    {"1 open 14 relp_version=0\n", RELP_ERR_BAD_OFFER},
    {"1 open 15 commands=syslog\n", RELP_ERR_BAD_OFFER},
    {"1 open 27 relp_version=0\ncommands=foo\n", RELP_ERR_BAD_OFFER},
    {OPEN "2 eventlog 1 a\n", RELP_ERR_UNKNOWN_COMMAND},
    /* DATALEN: max_message 64 + the allowance, and one more */
    {OPEN "2 syslog 1089 ", RELP_ERR_TOO_LARGE},
};

START_TEST(test_session_case)
{
	const struct session_case *c = &session_cases[_i];
	struct sink k = {0};
	struct relp_session *r = relp_session_new(64, &ops, &k);
	enum relp_error e;

	ck_assert_uint_eq(relp_session_feed(r, c->in, strlen(c->in), &e), strlen(c->in));
	ck_assert_msg(
	    e == c->err, "%s: %s, expected %s", c->in, relp_error_name(e), relp_error_name(c->err));
	ck_assert_ptr_nonnull(strstr(k.out, "0 serverclose 0\n"));
	relp_session_free(r);
}
END_TEST

/* Data at max_message + the allowance is taken (cut to max_message); one more is not. */
START_TEST(test_session_datalen_bound)
{
	struct sink k = {0};
	struct relp_session *r = relp_session_new(64, &ops, &k);
	size_t n = 64 + RELP_DATA_ALLOWANCE;
	char *buf = malloc(n + 64);
	int h = snprintf(buf, 64, "2 syslog %zu ", n);
	enum relp_error e;

	ck_assert_int_eq(feed(r, OPEN), RELP_OK);
	memset(buf + h, 'x', n);
	buf[h + n] = '\n';
	ck_assert_uint_eq(relp_session_feed(r, buf, (size_t)h + n + 1, &e), (size_t)h + n + 1);
	ck_assert_int_eq(e, RELP_OK);
	ck_assert_uint_eq(k.n, 1);
	free(buf);
	relp_session_free(r);
}
END_TEST

/* RELP_WINDOW_MAX commands may wait; one more ends the session. */
START_TEST(test_session_window)
{
	struct sink k = {0};
	struct relp_session *r = relp_session_new(64, &ops, &k);
	char frame[64];
	enum relp_error e = RELP_OK;
	unsigned i;

	ck_assert_int_eq(feed(r, OPEN), RELP_OK);
	ck_assert_int_eq(relp_session_written(r, 0, 0, true), RELP_OK); /* nothing: open answered */
	for (i = 0; i < RELP_WINDOW_MAX && e == RELP_OK; i++) {
		snprintf(frame, sizeof(frame), "%u syslog 1 a\n", i + 2);
		e = feed(r, frame);
	}
	ck_assert_int_eq(e, RELP_OK);
	ck_assert_uint_eq(relp_session_unanswered(r), RELP_WINDOW_MAX);
	snprintf(frame, sizeof(frame), "%u syslog 1 a\n", RELP_WINDOW_MAX + 2);
	ck_assert_int_eq(feed(r, frame), RELP_ERR_WINDOW);
	relp_session_free(r);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("relp");
	TCase *tc = tcase_create("relp");

	tcase_add_loop_test(
	    tc, test_frame_case, 0, (int)(sizeof(frame_cases) / sizeof(frame_cases[0])));
	tcase_add_test(tc, test_session_order);
	tcase_add_test(tc, test_session_not_written);
	tcase_add_test(tc, test_session_stop);
	tcase_add_loop_test(
	    tc, test_session_case, 0, (int)(sizeof(session_cases) / sizeof(session_cases[0])));
	tcase_add_test(tc, test_session_datalen_bound);
	tcase_add_test(tc, test_session_window);
	suite_add_tcase(s, tc);
	return s;
}
