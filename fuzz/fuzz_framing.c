/*
 * fuzz_framing.c: libFuzzer target for framing_feed.
 *
 * Input: byte 0 picks max_frame (mostly small, so truncation is common),
 * bytes 1-2 pick a split point, the rest is the TCP stream.  The stream
 * is framed three ways: whole in one call with eof; in two feeds split at
 * the chosen point, then eof, each feed in a heap buffer of exactly the
 * presented length (so ASan sees any over-read); and byte by byte.  Every
 * call must consume no more than it was given, leave fewer than
 * framing_max_pending() bytes, and consume everything at eof; every frame
 * must be 1..max_frame bytes inside the presented data.  The three ways
 * must give the same frames, flags and counters.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_frame {
	size_t off, len;	/* in the log's bytes */
	unsigned flags;
};

/* The frames of one run, and the bounds of the call being made. */
struct fuzz_log {
	char *bytes;
	size_t used, cap;
	struct fuzz_frame *v;
	size_t n, nmax;
	size_t max_frame;
	const char *lo, *hi;	/* the data given to the current call */
	bool eof;		/* the current call has eof */
};

/* Check and keep one emitted frame. */
static void
fuzz_framecb(void *arg, const char *frame, size_t len, unsigned flags)
{
	struct fuzz_log *log = arg;

	if (len == 0 || len > log->max_frame)
		abort();
	if (frame < log->lo || frame + len > log->hi)
		abort();
	if ((flags & FRAME_OCTET_COUNTED) && (flags & FRAME_BAD_COUNT))
		abort();
	if ((flags & FRAME_TRUNCATED) && len != log->max_frame)
		abort();
	if ((flags & FRAME_AT_EOF) && !log->eof)
		abort();
	/* Frames are slices of the stream: they cannot outnumber its bytes. */
	if (log->n == log->nmax || log->used + len > log->cap)
		abort();
	memcpy(log->bytes + log->used, frame, len);
	log->v[log->n++] = (struct fuzz_frame){ log->used, len, flags };
	log->used += len;
}

/* Make a log for a stream of n bytes; aborts when out of memory. */
static void
fuzz_log_init(struct fuzz_log *log, size_t n, size_t max_frame)
{
	memset(log, 0, sizeof(*log));
	log->cap = n;
	log->nmax = n;
	log->bytes = malloc(n ? n : 1);
	log->v = malloc((n ? n : 1) * sizeof(*log->v));
	if (log->bytes == NULL || log->v == NULL)
		abort();
	log->max_frame = max_frame;
}

/* Free a log. */
static void
fuzz_log_free(struct fuzz_log *log)
{
	free(log->bytes);
	free(log->v);
}

/* One framing_feed call, checked against the contract; returns consumed. */
static size_t
fuzz_feed(struct framer *f, struct fuzz_log *log, const char *p, size_t len,
    bool eof)
{
	size_t used;

	log->lo = p;
	log->hi = p + len;
	log->eof = eof;
	used = framing_feed(f, p, len, eof, fuzz_framecb, log);
	if (used > len)
		abort();
	if (len - used >= framing_max_pending(f))
		abort();
	if (eof && used != len)
		abort();
	return used;
}

/* Present s[0..n) in a heap buffer of exactly n bytes. */
static size_t
fuzz_feed_exact(struct framer *f, struct fuzz_log *log, const char *s,
    size_t n, bool eof)
{
	char *copy = malloc(n ? n : 1);
	size_t used;

	if (copy == NULL)
		abort();
	memcpy(copy, s, n);
	used = fuzz_feed(f, log, copy, n, eof);
	free(copy);
	return used;
}

/* Two runs must have given the same frames and counters. */
static void
fuzz_compare(const struct fuzz_log *a, const struct framer *fa,
    const struct fuzz_log *b, const struct framer *fb)
{
	size_t i;

	if (a->n != b->n || a->used != b->used)
		abort();
	for (i = 0; i < a->n; i++) {
		if (a->v[i].len != b->v[i].len ||
		    a->v[i].flags != b->v[i].flags)
			abort();
	}
	if (memcmp(a->bytes, b->bytes, a->used) != 0)
		abort();
	if (memcmp(&fa->stats, &fb->stats, sizeof(fa->stats)) != 0)
		abort();
	if (fa->stats.frames != a->n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framer fw, fs, fb;
	struct fuzz_log whole, split, bytes;
	const char *s;
	size_t n, max_frame, at, used, done, got;

	if (size < 3)
		return 0;
	max_frame = data[0] < 240 ? 1u + data[0] % 48 : 65536;
	s = (const char *)data + 3;
	n = size - 3;
	at = ((size_t)data[1] | (size_t)data[2] << 8) % (n + 1);

	/* Whole stream, one call. */
	framer_init(&fw, max_frame);
	fuzz_log_init(&whole, n, max_frame);
	fuzz_feed_exact(&fw, &whole, s, n, true);

	/* Two feeds split at `at`, then eof with what is left. */
	framer_init(&fs, max_frame);
	fuzz_log_init(&split, n, max_frame);
	done = fuzz_feed_exact(&fs, &split, s, at, false);
	done += fuzz_feed_exact(&fs, &split, s + done, n - done, false);
	fuzz_feed_exact(&fs, &split, s + done, n - done, true);
	fuzz_compare(&whole, &fw, &split, &fs);

	/* Byte by byte, re-presenting the unconsumed bytes each time. */
	framer_init(&fb, max_frame);
	fuzz_log_init(&bytes, n, max_frame);
	for (done = 0, got = 1; got <= n; got++) {
		used = fuzz_feed(&fb, &bytes, s + done, got - done, false);
		done += used;
	}
	fuzz_feed(&fb, &bytes, s + done, n - done, true);
	fuzz_compare(&whole, &fw, &bytes, &fb);

	fuzz_log_free(&whole);
	fuzz_log_free(&split);
	fuzz_log_free(&bytes);
	return 0;
}
