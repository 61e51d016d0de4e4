/*
 * check_framing.c: RFC 6587 framing, the cases of CORPUS-README.md
 * "Framing cases every TCP intake must pass", each as its own test.
 *
 * Every stream is framed by a simulated caller (run_framer) that keeps a
 * buffer of framing_max_pending() bytes, re-presents what was not
 * consumed, and checks the contract on every call.  check_stream frames
 * the same stream whole, cut at every byte position, byte by byte and in
 * random chunks, and asserts the same frames, flags and counters each way.
 */

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "unit.h"

#define MAX_DEFAULT 65536
/* Longer streams are cut at about this many positions, not all. */
#define CUTS_MAX 3000

/*
 * Check records every ck_assert as it passes, which costs a write: the
 * helpers run millions of checks, so they only call Check on failure.
 */
#define REQUIRE_MSG(cond, ...) do { \
	if (!(cond)) \
		ck_abort_msg(__VA_ARGS__); \
} while (0)
#define REQUIRE(cond) REQUIRE_MSG(cond, "%s:%d: %s", __FILE__, __LINE__, #cond)
#define REQUIRE_OP(a, op, b) REQUIRE_MSG((a) op (b), \
	"%s:%d: %s %s %s (%llu, %llu)", __FILE__, __LINE__, #a, #op, #b, \
	(unsigned long long)(a), (unsigned long long)(b))
#define REQUIRE_EQ(a, b) REQUIRE_OP(a, ==, b)
#define REQUIRE_LE(a, b) REQUIRE_OP(a, <=, b)
#define REQUIRE_LT(a, b) REQUIRE_OP(a, <, b)
#define REQUIRE_GT(a, b) REQUIRE_OP(a, >, b)

struct frame_rec {
	char *data;
	size_t len;
	unsigned flags;
};

struct frame_log {
	struct frame_rec *v;
	size_t n, cap;
};

/* One expected frame: bytes (may hold NUL), length, flags. */
struct frame_want {
	const char *data;
	size_t len;
	unsigned flags;
};
#define W(s, fl) { (s), sizeof(s) - 1, (fl) }

enum cut_mode { CUT_DIRECT, CUT_WHOLE, CUT_AT, CUT_BYTES, CUT_RANDOM };

/* How the simulated caller's reads cut the stream. */
struct cutter {
	enum cut_mode mode;
	size_t at;		/* CUT_AT: the first read ends here */
	uint32_t seed;		/* CUT_RANDOM */
	bool eof_with_data;	/* eof arrives with the last read */
};

/* Keep a copy of every frame the framer emits. */
static void
log_framecb(void *arg, const char *frame, size_t len, unsigned flags)
{
	struct frame_log *log = arg;
	struct frame_rec *r;

	REQUIRE(NULL != frame);
	REQUIRE_GT(len, 0);
	if (log->n == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 16;
		log->v = realloc(log->v, log->cap * sizeof(*log->v));
		REQUIRE(NULL != log->v);
	}
	r = &log->v[log->n++];
	r->data = malloc(len);
	REQUIRE(NULL != r->data);
	memcpy(r->data, frame, len);
	r->len = len;
	r->flags = flags;
}

/* Free a frame log's copies and empty it. */
static void
log_clear(struct frame_log *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		free(log->v[i].data);
	free(log->v);
	memset(log, 0, sizeof(*log));
}

/* The size of the next read in this cutting. */
static size_t
cutter_next(struct cutter *c, size_t off, size_t cap)
{
	switch (c->mode) {
	case CUT_AT:
		return off < c->at ? c->at - off : cap;
	case CUT_BYTES:
		return 1;
	case CUT_RANDOM:
		c->seed ^= c->seed << 13;
		c->seed ^= c->seed >> 17;
		c->seed ^= c->seed << 5;
		if (c->seed % 8 == 0)
			return cap;
		return 1 + c->seed % 61;
	case CUT_DIRECT:
	case CUT_WHOLE:
		break;
	}
	return cap;
}

/* Check the stats agree with what was emitted. */
static void
check_stats_match(const struct framer *f, const struct frame_log *log)
{
	uint64_t truncated = 0, bad = 0;
	size_t i;

	for (i = 0; i < log->n; i++) {
		if (log->v[i].flags & FRAME_TRUNCATED)
			truncated++;
		if (log->v[i].flags & FRAME_BAD_COUNT)
			bad++;
	}
	REQUIRE_EQ(f->stats.frames, log->n);
	REQUIRE_EQ(f->stats.truncated, truncated);
	REQUIRE_EQ(f->stats.bad_counts, bad);
}

/*
 * Frame s[0..n) as a caller would: a buffer of framing_max_pending()
 * bytes, reads cut by c, unconsumed bytes re-presented.  With eof, the
 * stream is closed at its end.  Returns the bytes left pending.
 */
static size_t
run_framer(const char *s, size_t n, size_t max_frame, struct cutter *c,
    bool eof, struct frame_log *log, struct framer *f)
{
	size_t cap, head = 0, pending = 0, off = 0, used;
	char *buf;

	framer_init(f, max_frame);
	cap = framing_max_pending(f);
	REQUIRE_GT(cap, max_frame);

	if (c->mode == CUT_DIRECT) {
		/* The whole stream in one call, however long. */
		bool last = eof && c->eof_with_data;

		used = framing_feed(f, s, n, last, log_framecb, log);
		REQUIRE_LE(used, n);
		REQUIRE_LT(n - used, cap);
		if (last)
			REQUIRE_EQ(used, n);
		pending = n - used;
		if (eof && !last) {
			used = framing_feed(f, s + used, pending, true,
			    log_framecb, log);
			REQUIRE_EQ(used, pending);
			pending = 0;
		}
		check_stats_match(f, log);
		return pending;
	}

	buf = malloc(cap);
	REQUIRE(NULL != buf);
	while (off < n) {
		size_t want = cutter_next(c, off, cap), room = cap - pending;
		bool last;

		/* The contract: the caller's buffer always has room. */
		REQUIRE_GT(room, 0);
		if (want > room)
			want = room;
		if (want > n - off)
			want = n - off;
		/* Move the pending bytes to the front only when needed. */
		if (head + pending + want > cap) {
			memmove(buf, buf + head, pending);
			head = 0;
		}
		memcpy(buf + head + pending, s + off, want);
		pending += want;
		off += want;
		last = eof && c->eof_with_data && off == n;
		used = framing_feed(f, buf + head, pending, last, log_framecb,
		    log);
		REQUIRE_LE(used, pending);
		if (pending >= cap)
			REQUIRE_GT(used, 0);
		if (last)
			REQUIRE_EQ(used, pending);
		head += used;
		pending -= used;
		if (pending == 0)
			head = 0;
		REQUIRE_LT(pending, cap);
		if (last) {
			free(buf);
			check_stats_match(f, log);
			return 0;
		}
	}
	if (eof) {
		used = framing_feed(f, buf + head, pending, true, log_framecb,
		    log);
		REQUIRE_EQ(used, pending);
		pending = 0;
		/* eof ends any skipping: the framer is ready for a new stream. */
		REQUIRE_EQ(f->skip_remaining, 0);
		REQUIRE(!f->skip_to_eol);
	}
	free(buf);
	check_stats_match(f, log);
	return pending;
}

/* Assert a frame log holds exactly the wanted frames. */
static void
check_log(const struct frame_log *log, const struct frame_want *want,
    size_t nwant, const char *how, size_t at)
{
	size_t i;

	REQUIRE_MSG(log->n == nwant, "%s %zu: %zu frames, want %zu", how,
	    at, log->n, nwant);
	for (i = 0; i < nwant; i++) {
		REQUIRE_MSG(log->v[i].len == want[i].len,
		    "%s %zu: frame %zu is %zu bytes, want %zu", how, at, i,
		    log->v[i].len, want[i].len);
		REQUIRE_MSG(memcmp(log->v[i].data, want[i].data,
		    want[i].len) == 0, "%s %zu: frame %zu: wrong bytes \"%.*s\"",
		    how, at, i, (int)log->v[i].len, log->v[i].data);
		REQUIRE_MSG(log->v[i].flags == want[i].flags,
		    "%s %zu: frame %zu flags 0x%x, want 0x%x", how, at, i,
		    log->v[i].flags, want[i].flags);
	}
}

/* Frame one way, check the frames and the skipped count. */
static void
check_one(const char *s, size_t n, size_t max_frame, struct cutter *c,
    const struct frame_want *want, size_t nwant, uint64_t skipped,
    const char *how, size_t at)
{
	struct frame_log log = { 0 };
	struct framer f;

	run_framer(s, n, max_frame, c, true, &log, &f);
	check_log(&log, want, nwant, how, at);
	REQUIRE_MSG(f.stats.skipped_bytes == skipped,
	    "%s %zu: skipped %llu, want %llu", how, at,
	    (unsigned long long)f.stats.skipped_bytes,
	    (unsigned long long)skipped);
	log_clear(&log);
}

/*
 * The framing of s[0..n) then eof must be want[] with `skipped` bytes
 * skipped, whether the stream comes whole, cut at any one position, byte
 * by byte or in random chunks, with eof after the last read or with it.
 */
static void
check_stream(const char *s, size_t n, size_t max_frame,
    const struct frame_want *want, size_t nwant, uint64_t skipped)
{
	struct cutter c;
	size_t at, step = n > CUTS_MAX ? n / CUTS_MAX : 1;
	uint32_t seed;
	int eof_with;

	for (eof_with = 0; eof_with <= 1; eof_with++) {
		c = (struct cutter){ .mode = CUT_DIRECT,
		    .eof_with_data = eof_with };
		check_one(s, n, max_frame, &c, want, nwant, skipped, "direct",
		    0);
		c = (struct cutter){ .mode = CUT_WHOLE,
		    .eof_with_data = eof_with };
		check_one(s, n, max_frame, &c, want, nwant, skipped, "whole",
		    0);
		c = (struct cutter){ .mode = CUT_BYTES,
		    .eof_with_data = eof_with };
		check_one(s, n, max_frame, &c, want, nwant, skipped, "bytes",
		    0);
		for (seed = 1; seed <= 4; seed++) {
			c = (struct cutter){ .mode = CUT_RANDOM,
			    .seed = 2463534242u * seed,
			    .eof_with_data = eof_with };
			check_one(s, n, max_frame, &c, want, nwant, skipped,
			    "random seed", seed);
		}
	}
	for (at = 0; at <= n; at += step) {
		c = (struct cutter){ .mode = CUT_AT, .at = at };
		check_one(s, n, max_frame, &c, want, nwant, skipped, "cut at",
		    at);
	}
}

#define CHECK_STREAM(s, max, want, skipped) \
	check_stream((s), sizeof(s) - 1, (max), (want), \
	    sizeof(want) / sizeof((want)[0]), (skipped))

/* Frame without eof; returns the bytes left pending. */
static size_t
pending_after(const char *s, size_t n, size_t max_frame,
    struct frame_log *log)
{
	struct cutter c = { .mode = CUT_DIRECT };
	struct framer f;

	return run_framer(s, n, max_frame, &c, false, log, &f);
}

/* A stream built piece by piece in a test. */
struct stream {
	char *s;
	size_t n;
};

/* Append n bytes to a test stream. */
static void
stream_add(struct stream *st, const void *p, size_t n)
{
	st->s = realloc(st->s, st->n + n + 1);
	REQUIRE(NULL != st->s);
	memcpy(st->s + st->n, p, n);
	st->n += n;
}

/* Append n copies of a byte to a test stream. */
static void
stream_fill(struct stream *st, int c, size_t n)
{
	st->s = realloc(st->s, st->n + n + 1);
	REQUIRE(NULL != st->s);
	memset(st->s + st->n, c, n);
	st->n += n;
}

/* Frame a stream several ways and compare with the whole-buffer framing. */
static void
check_same_frames(const char *s, size_t n, size_t max_frame)
{
	struct frame_log ref = { 0 }, log;
	struct framer fref, f;
	struct cutter c = { .mode = CUT_DIRECT, .eof_with_data = true };
	size_t at, i, step = n > CUTS_MAX ? n / CUTS_MAX : 1;
	uint32_t seed;

	run_framer(s, n, max_frame, &c, true, &ref, &fref);
	for (i = 0; i < 3 + n + 1; i += (i < 3 ? 1 : step)) {
		memset(&log, 0, sizeof(log));
		if (i == 0)
			c = (struct cutter){ .mode = CUT_BYTES };
		else if (i == 1)
			c = (struct cutter){ .mode = CUT_WHOLE };
		else if (i == 2)
			c = (struct cutter){ .mode = CUT_DIRECT };
		else
			c = (struct cutter){ .mode = CUT_AT, .at = i - 3 };
		run_framer(s, n, max_frame, &c, true, &log, &f);
		REQUIRE_EQ(log.n, ref.n);
		for (at = 0; at < ref.n; at++) {
			REQUIRE_EQ(log.v[at].len, ref.v[at].len);
			REQUIRE_EQ(log.v[at].flags, ref.v[at].flags);
			REQUIRE(memcmp(log.v[at].data, ref.v[at].data,
			    ref.v[at].len) == 0);
		}
		REQUIRE_EQ(f.stats.skipped_bytes,
		    fref.stats.skipped_bytes);
		log_clear(&log);
	}
	for (seed = 1; seed <= 64; seed++) {
		memset(&log, 0, sizeof(log));
		c = (struct cutter){ .mode = CUT_RANDOM, .seed = seed * 7919u };
		run_framer(s, n, max_frame, &c, true, &log, &f);
		REQUIRE_EQ(log.n, ref.n);
		for (at = 0; at < ref.n; at++) {
			REQUIRE_EQ(log.v[at].len, ref.v[at].len);
			REQUIRE_EQ(log.v[at].flags, ref.v[at].flags);
			REQUIRE(memcmp(log.v[at].data, ref.v[at].data,
			    ref.v[at].len) == 0);
		}
		REQUIRE_EQ(f.stats.skipped_bytes,
		    fref.stats.skipped_bytes);
		log_clear(&log);
	}
	log_clear(&ref);
}

/* Case 1: the same bytes cut anywhere give the same frames. */
START_TEST(test_cut_anywhere)
{
	static const char mixed[] =
	    "16 <1>1 - - - - - -"
	    "<13>Jan  1 00:00:00 host app: plain line\r\n"
	    "\n\r\n"
	    "1q 0123\n"
	    "33 0123456789ABCDEF0123456789ABCDEFX"
	    "this line is far longer than thirty-two bytes, so it is cut\r\n"
	    " <166>%ASA-6-302013: Built\n"
	    "2024-01-01 host msg\n"
	    "0 <120>zero\n"
	    "99999999999 a\n"
	    "12 <1>a\nb\0cdefg"
	    "nul\0\0ends\0"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\r\n"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\rX\n"
	    "20 <5>last octet frame"
	    "unterminated tail\r";
	size_t n = sizeof(mixed) - 1;
	static const size_t maxes[] = { 1, 2, 5, 16, 32, 33, 64, MAX_DEFAULT };
	size_t i;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++)
		check_same_frames(mixed, n, maxes[i]);
}
END_TEST

/* Case 1, with the frames spelled out for a 32-byte limit. */
START_TEST(test_cut_anywhere_expected)
{
	static const char s[] =
	    "16 <1>1 - - - - - -"
	    "<13>host app: line\r\n"
	    "\n\r\n"
	    "1q 0123\n"
	    "33 0123456789ABCDEF0123456789ABCDEFX"
	    "this line is far longer than thirty-two bytes\r\n"
	    " <166>%ASA-6-302013: Built\n"
	    "12 <1>a\nb\0cdefg"
	    "nul\0\0ends\0"
	    "unterminated tail\r";
	static const struct frame_want want[] = {
		W("<1>1 - - - - - -", FRAME_OCTET_COUNTED),
		W("<13>host app: line", 0),
		W("1q 0123", FRAME_BAD_COUNT),
		W("0123456789ABCDEF0123456789ABCDEF",
		    FRAME_OCTET_COUNTED | FRAME_TRUNCATED),
		W("this line is far longer than thi", FRAME_TRUNCATED),
		W("<166>%ASA-6-302013: Built", 0),
		W("<1>a\nb\0cdefg", FRAME_OCTET_COUNTED),
		W("nul", 0),
		W("ends", 0),
		W("unterminated tail", FRAME_AT_EOF),
	};

	/* Skipped: "X", then the long line's last 13 bytes and its CR. */
	CHECK_STREAM(s, 32, want, 1 + 13 + 1);
}
END_TEST

/* Case 2: a 32-byte octet frame fits a 32-byte limit exactly. */
START_TEST(test_max_exact_octet)
{
	static const struct frame_want want[] = {
		W("0123456789ABCDEF0123456789ABCDEF", FRAME_OCTET_COUNTED),
	};

	CHECK_STREAM("32 0123456789ABCDEF0123456789ABCDEF", 32, want, 0);
}
END_TEST

/* Case 2: a longer octet frame is cut and flagged, the next one read. */
START_TEST(test_max_truncated_octet)
{
	static const struct frame_want want[] = {
		W("0123456789ABCDEF0123456789ABCDEF",
		    FRAME_OCTET_COUNTED | FRAME_TRUNCATED),
		W("<1>ab", FRAME_OCTET_COUNTED),
		W("<2>next line", 0),
	};

	CHECK_STREAM("33 0123456789ABCDEF0123456789ABCDEFX"
	    "5 <1>ab<2>next line\n", 32, want, 1);
}
END_TEST

/* Case 2: the skipped rest of an octet frame spans many reads. */
START_TEST(test_max_skip_spans_reads)
{
	static const struct frame_want want[] = {
		W("<1>xxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		    FRAME_OCTET_COUNTED | FRAME_TRUNCATED),
		W("abc", FRAME_OCTET_COUNTED),
	};
	struct stream st = { 0 };

	stream_add(&st, "1000 <1>", 8);
	stream_fill(&st, 'x', 997);
	stream_add(&st, "3 abc", 5);
	check_stream(st.s, st.n, 32, want, 2, 1000 - 32);
	free(st.s);
}
END_TEST

/* Case 2: LF frames at the limit, over it, and the next frame. */
START_TEST(test_max_lf)
{
	static const struct frame_want want[] = {
		W("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", 0),
		W("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", 0),
		W("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", FRAME_TRUNCATED),
		W("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", FRAME_TRUNCATED),
		W("next", 0),
		W("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", FRAME_AT_EOF),
	};

	/* Skipped: "g", then "\rX" (a CR not before LF is data). */
	CHECK_STREAM("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\n"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\r\n"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg\n"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\rX\n"
	    "next\n"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\r", 32, want, 1 + 2);
}
END_TEST

/* Case 2: an over-long LF frame skipped across many reads. */
START_TEST(test_max_lf_skip_spans_reads)
{
	static const struct frame_want want[] = {
		W("<13>yyyyyyyyyyyy", FRAME_TRUNCATED),
		W("<14>after", 0),
	};
	struct stream st = { 0 };

	stream_add(&st, "<13>", 4);
	stream_fill(&st, 'y', 5000);
	stream_add(&st, "\r\n<14>after\n", 12);
	check_stream(st.s, st.n, 16, want, 2, 5004 - 16 + 1);
	free(st.s);
}
END_TEST

/* Case 3: digits not followed by SP fall back to LF, and are counted. */
START_TEST(test_bad_count_fallback)
{
	static const struct frame_want want[] = {
		W("1q 0123", FRAME_BAD_COUNT),
		W("16<1>1 - - - - - -", FRAME_BAD_COUNT),
		W("<1>ab", FRAME_OCTET_COUNTED),
		W("16<1>1", FRAME_BAD_COUNT | FRAME_AT_EOF),
	};
	struct frame_log log = { 0 };
	struct cutter c = { .mode = CUT_BYTES };
	struct framer f;

	CHECK_STREAM("1q 0123\n16<1>1 - - - - - -\n5 <1>ab16<1>1", MAX_DEFAULT,
	    want, 0);
	run_framer("1q 0123\n16<1>1\n", 15, MAX_DEFAULT, &c, true, &log, &f);
	ck_assert_uint_eq(f.stats.bad_counts, 2);
	ck_assert_uint_eq(f.stats.frames, 2);
	log_clear(&log);
}
END_TEST

/* Case 3: other bad counts: CR, NUL or TAB after digits, digits alone. */
START_TEST(test_bad_count_other)
{
	static const struct frame_want want[] = {
		W("5", FRAME_BAD_COUNT),
		W("7", FRAME_BAD_COUNT),
		W("8\t<1>x", FRAME_BAD_COUNT),
		W("123", FRAME_BAD_COUNT | FRAME_AT_EOF),
	};

	CHECK_STREAM("5\r\n7\0008\t<1>x\n123", MAX_DEFAULT, want, 0);
}
END_TEST

/* Case 4: a 12-digit count is a bad count, not a 214 GB frame. */
START_TEST(test_count_huge)
{
	static const struct frame_want want[] = {
		W("214000000000 <120>hello", FRAME_BAD_COUNT),
		W("99999999999 a", FRAME_BAD_COUNT),
		W("<1>ok", FRAME_OCTET_COUNTED),
	};

	CHECK_STREAM("214000000000 <120>hello\n99999999999 a\n5 <1>ok",
	    MAX_DEFAULT, want, 0);
}
END_TEST

/* Case 4: a zero count is a bad count. */
START_TEST(test_count_zero)
{
	static const struct frame_want want[] = {
		W("0 <120>hello", FRAME_BAD_COUNT),
		W("0000 x", FRAME_BAD_COUNT),
		W("<2>y", FRAME_OCTET_COUNTED),
	};

	CHECK_STREAM("0 <120>hello\n0000 x\n4 <2>y", MAX_DEFAULT, want, 0);
}
END_TEST

/* Case 4: hundreds of leading zeros are a bad count (over 10 digits). */
START_TEST(test_count_leading_zeros)
{
	static const struct frame_want want[] = {
		W("<1>1 - - - - - -", FRAME_OCTET_COUNTED),
		W("<2>z", FRAME_OCTET_COUNTED),
	};
	struct stream st = { 0 };
	struct frame_want zeros[2];
	size_t line;

	/* Leading zeros within 10 digits are a count. */
	CHECK_STREAM("0000000016 <1>1 - - - - - -00004 <2>z", MAX_DEFAULT,
	    want, 0);

	stream_fill(&st, '0', 300);
	stream_add(&st, "200000 <120>hello\n", 18);
	line = st.n - 1;
	stream_add(&st, "4 <3>w", 6);
	zeros[0] = (struct frame_want){ st.s, line, FRAME_BAD_COUNT };
	zeros[1] = (struct frame_want)W("<3>w", FRAME_OCTET_COUNTED);
	check_stream(st.s, st.n, 1024, zeros, 2, 0);
	/* With a small limit the zeros line is cut like any long line. */
	zeros[0].len = 64;
	zeros[0].flags = FRAME_BAD_COUNT | FRAME_TRUNCATED;
	check_stream(st.s, st.n, 64, zeros, 2, line - 64);
	free(st.s);
}
END_TEST

/* Case 4: a valid 10-digit count larger than anything is skipped, bounded. */
START_TEST(test_count_ten_digits)
{
	static const struct frame_want want[] = {
		W("0123456789ABCDEF0123456789ABCDEF",
		    FRAME_OCTET_COUNTED | FRAME_TRUNCATED),
	};
	static const struct frame_want short_want[] = {
		W("a", FRAME_OCTET_COUNTED | FRAME_AT_EOF),
	};
	struct frame_log log = { 0 };
	struct framer f;
	struct cutter c = { .mode = CUT_BYTES };
	struct stream st = { 0 };

	stream_add(&st, "9999999999 0123456789ABCDEF0123456789ABCDEF", 43);
	stream_fill(&st, 'q', 4000);
	check_stream(st.s, st.n, 32, want, 1, 4000);
	CHECK_STREAM("9999999999 a", 32, short_want, 0);

	/* Without eof the framer keeps skipping: it owes 9999999999 bytes. */
	ck_assert_uint_eq(run_framer(st.s, st.n, 32, &c, false, &log, &f), 0);
	ck_assert_uint_eq(f.skip_remaining, 9999999999ull - 32 - 4000);
	ck_assert_uint_eq(f.stats.skipped_bytes, 4000);
	log_clear(&log);
	free(st.s);
}
END_TEST

/* Case 5: LF, CR and NUL inside an octet-counted frame are data. */
START_TEST(test_octet_binary_data)
{
	static const struct frame_want want[] = {
		W("<1>a\nb\0c\r\nd\n", FRAME_OCTET_COUNTED),
		W("\n\n\0", FRAME_OCTET_COUNTED),
		W("<2>x", 0),
	};

	CHECK_STREAM("12 <1>a\nb\0c\r\nd\n3 \n\n\0<2>x\n", MAX_DEFAULT, want, 0);
}
END_TEST

/* Case 5: LF framing: CR before LF dropped, NUL ends, blank lines skipped. */
START_TEST(test_lf_terminators)
{
	static const struct frame_want want[] = {
		W("a", 0),
		W("b", 0),
		W("c", 0),
		W("x\r", 0),
		W("a\rb", 0),
		W("   ", 0),
		W("\t", 0),
		W("d", FRAME_AT_EOF),
	};

	CHECK_STREAM("a\r\nb\0c\n\n\r\n\0\0x\r\0a\rb\n   \r\n\t\n\n\nd\r",
	    MAX_DEFAULT, want, 0);
}
END_TEST

/*
 * NUL connections: the first LF/NUL frame ends in NUL, so LF is data from
 * then on (Python's SysLogHandler sends logging.exception() as one
 * message with its traceback's LFs, then NUL).  Cut anywhere: the same.
 */
START_TEST(test_nul_connection)
{
	static const struct frame_want want[] = {
		W("<14>first", 0),
		W("<11>boom\nTraceback (most recent call last):\n  File \"x.py\", line 1\n"
		  "ZeroDivisionError: division by zero", 0),
		W("<14>after", 0),
		W("<14>crlf", 0),
		W("<14>a\n\nb", 0),
		W("<14>tail\nend", FRAME_AT_EOF),
	};

	CHECK_STREAM("<14>first\0<11>boom\nTraceback (most recent call last):\n"
	    "  File \"x.py\", line 1\nZeroDivisionError: division by zero\0"
	    "<14>after\n\0\n\0<14>crlf\r\n\0\0<14>a\n\nb\0<14>tail\nend",
	    MAX_DEFAULT, want, 0);
}
END_TEST

/* Only the first frame decides: a first message with an LF makes an LF connection. */
START_TEST(test_nul_decided_by_first_frame)
{
	static const struct frame_want lf[] = {
		W("<11>boom", 0),
		W("Traceback", 0),
		W("<14>x", 0),
		W("<14>y", 0),
	};
	static const struct frame_want counted[] = {
		W("abc", FRAME_OCTET_COUNTED),
		W("<14>x", 0),
		W("<14>a\nb", 0),
	};

	CHECK_STREAM("<11>boom\nTraceback\0<14>x\0<14>y\n", MAX_DEFAULT, lf, 0);
	/* an octet-counted frame decides nothing */
	CHECK_STREAM("3 abc<14>x\0<14>a\nb\0", MAX_DEFAULT, counted, 0);
}
END_TEST

/* A NUL connection keeps max_frame: LFs inside count, and a cut frame is skipped to its NUL. */
START_TEST(test_nul_max)
{
	static const struct frame_want want[] = {
		W("<1>", 0),
		W("<13>yy\nyy\nyy\nyyy", 0),
		W("<13>yy\nyy\nyy\nyyy", FRAME_TRUNCATED),
		W("<14>after", 0),
	};

	/* 16 bytes, then 17 (the "x" and the LFs after it skipped, not a new frame) */
	CHECK_STREAM("<1>\0<13>yy\nyy\nyy\nyyy\0<13>yy\nyy\nyy\nyyyx\n<14>no\n\0<14>after\0",
	    16, want, 9);
}
END_TEST

/*
 * At the bound a NUL connection's "\r\n" before the NUL is not part of the
 * frame, however reads cut it; a frame cut at max_frame decides nothing
 * (cut in pieces, its end is never seen).  fuzz_framing found both.
 */
START_TEST(test_nul_bound_cut_anywhere)
{
	static const struct frame_want tail[] = {
		W("<1>", 0),
		W("<13>yyyyyyyyyyyy", 0),
		W("<13>zzzzzzzzzzzz", 0),
		W("<14>x", 0),
	};
	static const struct frame_want overlong[] = {
		W("abcd", FRAME_TRUNCATED),
		W("<1>", 0),
		W("a\nb", 0),
	};
	static const struct frame_want at_eof[] = {
		W("aP", 0),
		W("\x03>", FRAME_TRUNCATED),
		W("\xf5\n", FRAME_AT_EOF),
	};

	CHECK_STREAM("<1>\0<13>yyyyyyyyyyyy\r\n\0<13>zzzzzzzzzzzz\n\0<14>x\0", 16, tail, 0);
	CHECK_STREAM("abcde\n<1>\0a\nb\0", 4, overlong, 1);
	/* the last frame at eof: max_frame, then an LF a NUL would have dropped */
	CHECK_STREAM("aP\0\x03>\x83\n\0\xf5\n\n", 2, at_eof, 2);
}
END_TEST

/* Case 5: the last frame of a closed connection, without LF, is delivered. */
START_TEST(test_lf_last_frame_at_eof)
{
	static const struct frame_want want[] = {
		W("<13>first", 0),
		W("<13>no newline", FRAME_AT_EOF),
	};
	static const struct frame_want cut_octet[] = {
		W("<1>short", FRAME_OCTET_COUNTED | FRAME_AT_EOF),
	};
	static const struct frame_want none[1];
	struct frame_log log = { 0 };

	CHECK_STREAM("<13>first\n<13>no newline", MAX_DEFAULT, want, 0);
	/* Before eof it waits; nothing is lost, nothing delivered early. */
	ck_assert_uint_eq(pending_after("<13>first\n<13>no newline", 24,
	    MAX_DEFAULT, &log), 14);
	ck_assert_uint_eq(log.n, 1);
	log_clear(&log);
	/* An octet frame cut short by eof is what arrived, flagged AT_EOF. */
	CHECK_STREAM("30 <1>short", MAX_DEFAULT, cut_octet, 0);
	/* A count with no message byte before eof delivers nothing. */
	check_stream("12 ", 3, MAX_DEFAULT, none, 0, 0);
	/* Only blank lines or NULs: no frame at all. */
	check_stream("\r\n\n\0\0\r", 6, MAX_DEFAULT, none, 0, 0);
}
END_TEST

/* Case 6: a bad message inside a well-formed frame keeps the sync. */
START_TEST(test_sync_kept)
{
	static const struct frame_want want[] = {
		W("<1>1 - - - - - -", FRAME_OCTET_COUNTED),
		W("<2>12 A B C D E -", FRAME_OCTET_COUNTED),
		W("<1>1 - - - - - -", FRAME_OCTET_COUNTED),
	};

	CHECK_STREAM("16 <1>1 - - - - - -17 <2>12 A B C D E -16 <1>1 - - - - - -",
	    MAX_DEFAULT, want, 0);
}
END_TEST

/* Case 7: Cisco ASA's space after LF; only " <" loses its space. */
START_TEST(test_cisco_asa_space)
{
	static const struct frame_want want[] = {
		W("<166>%ASA-6-302013: Built outbound TCP", 0),
		W("<166>%ASA-6-302014: Teardown TCP", 0),
		W(" 12 not a count", 0),
		W("  <1>two spaces", 0),
		W(" ", 0),
		W("<166>%ASA-6-1: last", FRAME_AT_EOF),
	};

	CHECK_STREAM("<166>%ASA-6-302013: Built outbound TCP\n"
	    " <166>%ASA-6-302014: Teardown TCP\n"
	    " 12 not a count\n"
	    "  <1>two spaces\n"
	    " \n"
	    " <166>%ASA-6-1: last", MAX_DEFAULT, want, 0);
}
END_TEST

/* Case 7: text that starts with a date is a bad count, read as a line. */
START_TEST(test_digits_date_line)
{
	static const struct frame_want want[] = {
		W("2024-01-01 host msg", FRAME_BAD_COUNT),
		W("2024-01-02 host msg2", FRAME_BAD_COUNT),
	};

	CHECK_STREAM("2024-01-01 host msg\n2024-01-02 host msg2\n", MAX_DEFAULT,
	    want, 0);
}
END_TEST

/*
 * Case 7: "12345 is a number" is, by RFC 6587, a valid count: the frame
 * takes the next 12345 bytes.  It must not wedge: it ends at eof, or
 * after 12345 bytes, and framing goes on after it.
 */
START_TEST(test_digits_number_line)
{
	static const struct frame_want at_eof[] = {
		W("is a number\n", FRAME_OCTET_COUNTED | FRAME_AT_EOF),
	};
	struct frame_want want[2];
	struct stream st = { 0 };
	struct frame_log log = { 0 };
	size_t i;

	CHECK_STREAM("12345 is a number\n", MAX_DEFAULT, at_eof, 0);

	stream_add(&st, "12345 ", 6);
	for (i = 0; i < 12345 / 18; i++)
		stream_add(&st, "is a number line\r\n", 18);
	stream_fill(&st, '.', 12345 - 18 * i);
	stream_add(&st, "<13>next\n", 9);
	want[0] = (struct frame_want){ st.s + 6, 12345, FRAME_OCTET_COUNTED };
	want[1] = (struct frame_want)W("<13>next", 0);
	check_stream(st.s, st.n, 16384, want, 2, 0);
	/* With a smaller limit it is cut; the next frame is still found. */
	want[0].len = 1024;
	want[0].flags |= FRAME_TRUNCATED;
	check_stream(st.s, st.n, 1024, want, 2, 12345 - 1024);
	/* Without eof, what waits is less than framing_max_pending(). */
	ck_assert_uint_eq(pending_after(st.s, 6 + 12000, 16384, &log),
	    6 + 12000);
	ck_assert_uint_eq(log.n, 0);
	log_clear(&log);
	free(st.s);
}
END_TEST

/* Case 7: a TLS ClientHello on a plain port is framed at its NULs. */
START_TEST(test_tls_client_hello)
{
	static const char hello[] =
	    "\x16\x03\x01\x00\x2f"	/* record: handshake, 47 bytes */
	    "\x01\x00\x00\x2b"		/* ClientHello, 43 bytes */
	    "\x03\x03"			/* TLS 1.2 */
	    "\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f"
	    "\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f"
	    "\x00"			/* no session id */
	    "\x00\x02\x13\x01"		/* one cipher suite */
	    "\x01\x00"			/* null compression */
	    "\x00\x00";			/* no extensions */
	static const struct frame_want want[] = {
		W("\x16\x03\x01", 0),
		W("\x2f\x01", 0),
		W("\x2b\x03\x03"
		  "\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f"
		  "\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f\xa5\x5a\xc3\x3c\x96\x69\xf0\x0f",
		  0),
		W("\x02\x13\x01\x01", 0),
	};
	static const struct frame_want record_want[] = {
		W("\x17\x03\x03\x17\x17\x17\x17\x17\x17\x17\x17\x17\x17\x17"
		  "\x17\x17", FRAME_TRUNCATED),
		W("<13>after", 0),
	};
	struct stream st = { 0 };

	CHECK_STREAM(hello, 64, want, 0);

	/* Encrypted records with no LF or NUL: cut, skipped, then a line. */
	stream_add(&st, "\x17\x03\x03", 3);
	stream_fill(&st, 0x17, 5000);
	stream_add(&st, "\n<13>after\n", 11);
	check_stream(st.s, st.n, 16, record_want, 2, 5003 - 16);
	free(st.s);
}
END_TEST

/* Case 7: an HTTP request on a plain port is a few lines. */
START_TEST(test_http_request)
{
	static const struct frame_want want[] = {
		W("GET / HTTP/1.1", 0),
		W("Host: x", 0),
	};

	CHECK_STREAM("GET / HTTP/1.1\r\nHost: x\r\n\r\n", MAX_DEFAULT, want, 0);
}
END_TEST

/* The limit is clamped and the pending bound is max_frame + 11. */
START_TEST(test_init_and_bound)
{
	struct framer f;
	struct frame_log log = { 0 };
	static const struct frame_want want[] = {
		W("a", FRAME_TRUNCATED),
		W("b", 0),
		W("c", FRAME_OCTET_COUNTED | FRAME_TRUNCATED),
	};

	framer_init(&f, 65536);
	ck_assert_uint_eq(f.max_frame, 65536);
	ck_assert_uint_eq(framing_max_pending(&f), 65536 + 11);
	ck_assert_uint_eq(f.stats.frames, 0);
	framer_init(&f, 0);
	ck_assert_uint_eq(framing_max_pending(&f), 1 + 11);
	framer_init(&f, SIZE_MAX);
	ck_assert_uint_gt(framing_max_pending(&f), f.max_frame);
	/* An empty call consumes nothing and emits nothing. */
	framer_init(&f, 16);
	ck_assert_uint_eq(framing_feed(&f, "", 0, false, log_framecb, &log),
	    0);
	ck_assert_uint_eq(framing_feed(&f, "", 0, true, log_framecb, &log), 0);
	ck_assert_uint_eq(log.n, 0);
	log_clear(&log);
	/* A limit of 0 behaves as 1. */
	CHECK_STREAM("ab\nb\n2 cd", 0, want, 2);
}
END_TEST

/* A caller that breaks the re-present contract gets no over-read. */
START_TEST(test_shorter_representation)
{
	struct framer f;
	struct frame_log log = { 0 };

	framer_init(&f, 64);
	ck_assert_uint_eq(framing_feed(&f, "<1>abcdefghij", 13, false,
	    log_framecb, &log), 0);
	ck_assert_uint_eq(framing_feed(&f, "<1>\n", 4, false, log_framecb,
	    &log), 4);
	ck_assert_uint_eq(log.n, 1);
	log_clear(&log);
}
END_TEST

/* Framer reuse: after eof a new stream starts clean, counters go on. */
START_TEST(test_reuse_after_eof)
{
	struct framer f;
	struct frame_log log = { 0 };

	framer_init(&f, 4);
	ck_assert_uint_eq(framing_feed(&f, "abcdefgh", 8, true, log_framecb,
	    &log), 8);
	ck_assert(!f.skip_to_eol);
	ck_assert_uint_eq(framing_feed(&f, "100 abcdef", 10, true, log_framecb,
	    &log), 10);
	ck_assert_uint_eq(f.skip_remaining, 0);
	ck_assert_uint_eq(framing_feed(&f, "xy\n", 3, false, log_framecb,
	    &log), 3);
	ck_assert_uint_eq(log.n, 3);
	ck_assert_uint_eq(log.v[2].len, 2);
	ck_assert(memcmp(log.v[2].data, "xy", 2) == 0);
	ck_assert_uint_eq(f.stats.frames, 3);
	ck_assert_uint_eq(f.stats.truncated, 2);
	ck_assert_uint_eq(f.stats.skipped_bytes, 4 + 2);
	log_clear(&log);
}
END_TEST

/* Build the suite: one test per framing case. */
Suite *
unit_suite(void)
{
	Suite *s = suite_create("framing");
	TCase *tc;

	tc = tcase_create("cut");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cut_anywhere);
	tcase_add_test(tc, test_cut_anywhere_expected);
	suite_add_tcase(s, tc);

	tc = tcase_create("cases");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_max_exact_octet);
	tcase_add_test(tc, test_max_truncated_octet);
	tcase_add_test(tc, test_max_skip_spans_reads);
	tcase_add_test(tc, test_max_lf);
	tcase_add_test(tc, test_max_lf_skip_spans_reads);
	tcase_add_test(tc, test_bad_count_fallback);
	tcase_add_test(tc, test_bad_count_other);
	tcase_add_test(tc, test_count_huge);
	tcase_add_test(tc, test_count_zero);
	tcase_add_test(tc, test_count_leading_zeros);
	tcase_add_test(tc, test_count_ten_digits);
	tcase_add_test(tc, test_octet_binary_data);
	tcase_add_test(tc, test_lf_terminators);
	tcase_add_test(tc, test_nul_connection);
	tcase_add_test(tc, test_nul_decided_by_first_frame);
	tcase_add_test(tc, test_nul_max);
	tcase_add_test(tc, test_nul_bound_cut_anywhere);
	tcase_add_test(tc, test_lf_last_frame_at_eof);
	tcase_add_test(tc, test_sync_kept);
	tcase_add_test(tc, test_cisco_asa_space);
	tcase_add_test(tc, test_digits_date_line);
	tcase_add_test(tc, test_digits_number_line);
	tcase_add_test(tc, test_tls_client_hello);
	tcase_add_test(tc, test_http_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_test(tc, test_init_and_bound);
	tcase_add_test(tc, test_shorter_representation);
	tcase_add_test(tc, test_reuse_after_eof);
	suite_add_tcase(s, tc);
	return s;
}
