/*
 * framing.c: RFC 6587 framing of a TCP byte stream, decided per frame.
 *
 * The framer never copies: it looks at the caller's pending bytes, emits
 * every complete frame in place and returns how many bytes it consumed.
 * Every decision depends only on the bytes of the stream (and eof), never
 * on where the caller's reads happened to cut it, so the same stream gives
 * the same frames however it arrives.  Each pass of the main loop either
 * consumes at least one byte or returns.
 *
 * Choices where RFC 6587 and DESIGN.md leave room:
 * - MSG-LEN is 1 to 10 digits followed by SP and is not zero.  Leading
 *   zeros count towards the 10 digits, so "0016 " is 16 but a count padded
 *   with hundreds of zeros is a framing error.  A framing error is counted
 *   once, when its frame is delivered (FRAME_BAD_COUNT), and that frame is
 *   read with LF framing from its first digit.
 * - An LF frame drops one CR before its LF, and also a CR that is the last
 *   byte of the stream (a CRLF cut by the close).  A NUL ends a frame as
 *   is: "a\r\0" is "a\r".
 * - NUL-terminated connections: when the first LF/NUL frame of a
 *   connection ends in NUL, every later one ends at NUL only, so the LFs
 *   of a multi-line message (Python's logging.exception() through
 *   SysLogHandler, which appends NUL to each message) stay in it; CR and
 *   LF just before the NUL are dropped.  The first frame decides because
 *   only it is known before anything is delivered: deciding later would
 *   depend on how reads cut the stream.  So a connection whose very first
 *   message holds an LF is an LF connection (documented).  Octet-counted
 *   frames decide nothing.  The bound is unchanged: a NUL connection's
 *   frame without NUL is cut at max_frame like any other.
 * - Empty LF frames (blank lines, a lone CRLF, consecutive NULs) are not
 *   messages and vanish without a count, as in rsyslog.  A line of spaces
 *   is a message.
 * - Cisco ASA puts a space after each LF, so its frames read " <166>...".
 *   Such a frame is LF-framed (it does not start with a digit), and when
 *   the space is followed by '<' the one space is not delivered, so the
 *   parser sees the PRI first.  Any other leading space is data: " 12 x"
 *   is the message " 12 x", never an octet count.
 * - A frame cut short by eof is delivered as what arrived, flagged
 *   FRAME_AT_EOF (with FRAME_OCTET_COUNTED when it had a count).  It is
 *   not FRAME_TRUNCATED: that flag and stats.truncated mean only "longer
 *   than max_frame, cut, rest skipped".  A count with no byte of its
 *   message before eof ("12 " then close) delivers nothing.
 * - Skipped bytes are the bytes of a truncated frame after the delivered
 *   max_frame, not counting the header or the LF/NUL that ends it.
 *
 * Pending bound: a frame waits for more bytes only while it could still be
 * complete and not over-long: at most 10 digits of a count, or 11 header
 * bytes plus fewer than max_frame message bytes, or one stripped space
 * plus max_frame bytes plus a CR whose LF has not arrived (a CR and an LF
 * whose NUL has not, on a NUL connection).  So fewer than
 * max_frame + 11 bytes are ever left unconsumed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "framing.h"

#define COUNT_DIGITS_MAX 10			/* RFC 6587 MSG-LEN, our limit */
#define COUNT_HEADER_MAX (COUNT_DIGITS_MAX + 1)	/* digits and SP */
/* Largest max_frame for which the pending arithmetic cannot wrap. */
#define MAX_FRAME_LIMIT (SIZE_MAX / 2)

/* What reading a MSG-LEN at the start of a frame found. */
enum count_result {
	COUNT_OK,	/* valid count, followed by SP */
	COUNT_BAD,	/* framing error: read this frame with LF framing */
	COUNT_MORE,	/* all digits so far; need more bytes to decide */
};

/* The frame limit in force, clamped so a zero or huge value stays safe. */
static size_t
framer_limit(const struct framer *f)
{
	if (f->max_frame == 0)
		return 1;
	if (f->max_frame > MAX_FRAME_LIMIT)
		return MAX_FRAME_LIMIT;
	return f->max_frame;
}

void
framer_init(struct framer *f, size_t max_frame)
{
	memset(f, 0, sizeof(*f));
	f->max_frame = max_frame;
	f->max_frame = framer_limit(f);
}

size_t
framing_max_pending(const struct framer *f)
{
	return framer_limit(f) + COUNT_HEADER_MAX;
}

/* Count and hand one frame to the caller. */
static void
framing_deliver(struct framer *f, const char *frame, size_t len,
    unsigned flags, framing_emit_fn *emit, void *arg)
{
	f->stats.frames++;
	if (flags & FRAME_TRUNCATED)
		f->stats.truncated++;
	if (flags & FRAME_BAD_COUNT)
		f->stats.bad_counts++;
	emit(arg, frame, len, flags);
}

/*
 * RFC 6587 3.4.1: read MSG-LEN SP from p[0..avail), p[0] being a digit.
 * The value never exceeds 10 digits, so it cannot overflow a uint64_t.
 */
static enum count_result
framing_parse_count(const char *p, size_t avail, bool eof, uint64_t *count,
    size_t *header_len)
{
	uint64_t value = 0;
	size_t i;

	for (i = 0; i < avail && i <= COUNT_DIGITS_MAX; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= '0' && c <= '9') {
			if (i == COUNT_DIGITS_MAX)
				return COUNT_BAD;
			value = value * 10 + (c - '0');
			continue;
		}
		if (c != ' ' || value == 0)
			return COUNT_BAD;
		*count = value;
		*header_len = i + 1;
		return COUNT_OK;
	}
	/* Only digits, at most 10 of them, then the end of the bytes. */
	return eof ? COUNT_BAD : COUNT_MORE;
}

/* Offset of the first terminator (LF or NUL; NUL alone for NUL connections) in p[from..end). */
static size_t
framing_find_eol(const struct framer *f, const char *p, size_t from, size_t end)
{
	const char *lf = NULL, *nul;

	if (from >= end)
		return end;
	if (f->eol != FRAMING_EOL_NUL)
		lf = memchr(p + from, '\n', end - from);
	if (lf != NULL)
		end = (size_t)(lf - p);
	nul = memchr(p + from, '\0', end - from);
	return nul != NULL ? (size_t)(nul - p) : end;
}

/*
 * Frame one octet-counted frame whose header is p[0..header_len).
 * Returns the bytes consumed, 0 to wait for more.
 */
static size_t
framing_octet(struct framer *f, const char *p, size_t avail,
    size_t header_len, uint64_t count, bool eof, framing_emit_fn *emit,
    void *arg)
{
	size_t max = framer_limit(f);
	size_t arrived = avail - header_len;
	size_t want = count > max ? max : (size_t)count;
	unsigned flags = FRAME_OCTET_COUNTED;

	if (arrived >= want) {
		if (count > max) {
			/* Deliver what fits, skip the rest as it streams in. */
			flags |= FRAME_TRUNCATED;
			f->skip_remaining = count - max;
		}
		framing_deliver(f, p + header_len, want, flags, emit, arg);
		return header_len + want;
	}
	if (!eof)
		return 0;
	if (arrived > 0)
		framing_deliver(f, p + header_len, arrived,
		    flags | FRAME_AT_EOF, emit, arg);
	return avail;
}

/*
 * RFC 6587 3.4.2: frame one LF/NUL-terminated frame starting at p[0].
 * p[0..scanned) is known to hold no LF or NUL (an earlier call looked).
 * Returns the bytes consumed, 0 to wait for more (and then records how
 * far it looked in f->scanned).
 */
static size_t
framing_lf(struct framer *f, const char *p, size_t avail, size_t scanned,
    bool eof, unsigned flags, framing_emit_fn *emit, void *arg)
{
	size_t max = framer_limit(f);
	size_t start = 0, window, eol, end, len;
	/* NUL connections drop "\r\n" before the NUL: one byte more to look at */
	bool nul = f->eol == FRAMING_EOL_NUL;
	size_t tail = nul ? 3 : 2;

	/* Cisco ASA: drop the one space it sends after LF before a PRI. */
	if (avail >= 2 && p[0] == ' ' && p[1] == '<')
		start = 1;
	/* max bytes, a CR and its LF (and a NUL): enough to decide this frame. */
	window = avail - start < max + tail ? avail : start + max + tail;
	/* A hint past the window means the caller broke the contract. */
	if (scanned < start || scanned > window)
		scanned = start;
	eol = framing_find_eol(f, p, scanned, window);

	if (eol < window) {
		end = eol;
		if (p[eol] == '\n' && end > start && p[end - 1] == '\r')
			end--;
		/* "text\r\n\0" or "text\n\0" from a NUL connection is "text" */
		if (nul && end > start && p[end - 1] == '\n')
			end--;
		if (nul && end > start && p[end - 1] == '\r')
			end--;
		len = end - start;
		if (len <= max) {
			/*
			 * Only a frame taken whole decides: an over-long one is
			 * cut before its end is seen when it arrives in pieces.
			 */
			if (f->eol == FRAMING_EOL_UNDECIDED)
				f->eol = p[eol] == '\0' ? FRAMING_EOL_NUL : FRAMING_EOL_LF;
			if (len == 0)
				return eol + 1; /* empty frame: not a message */
			framing_deliver(f, p + start, len, flags, emit, arg);
			return eol + 1;
		}
	} else {
		len = window - start;
		if (len <= max || (len == max + 1 && p[start + max] == '\r') ||
		    (nul && len == max + 1 && p[start + max] == '\n') ||
		    (nul && len == max + 2 && p[start + max] == '\r' && p[start + max + 1] == '\n')) {
			/* Could still end in time. */
			if (!eof) {
				f->scanned = window;
				return 0;
			}
			/* what a NUL would have ended: the same bytes dropped */
			end = avail;
			if (nul && end > start && p[end - 1] == '\n')
				end--;
			if (end > start && p[end - 1] == '\r')
				end--;
			if (end > start)
				framing_deliver(f, p + start, end - start,
				    flags | FRAME_AT_EOF, emit, arg);
			return avail;
		}
	}
	/* Over-long: deliver max bytes, skip the rest up to LF or NUL. */
	framing_deliver(f, p + start, max, flags | FRAME_TRUNCATED, emit, arg);
	f->skip_to_eol = true;
	return start + max;
}

/* Throw away the rest of a truncated frame; returns bytes consumed. */
static size_t
framing_skip(struct framer *f, const char *p, size_t avail)
{
	size_t n, eol;

	if (f->skip_remaining > 0) {
		n = f->skip_remaining < avail ? (size_t)f->skip_remaining : avail;
		f->skip_remaining -= n;
		f->stats.skipped_bytes += n;
		return n;
	}
	eol = framing_find_eol(f, p, 0, avail);
	f->stats.skipped_bytes += eol;
	if (eol == avail)
		return avail;
	f->skip_to_eol = false;
	return eol + 1;
}

size_t
framing_feed(struct framer *f, const char *data, size_t len, bool eof,
    framing_emit_fn *emit, void *arg)
{
	size_t pos = 0, scanned, used;

	if (len == 0 && !eof)
		return 0;
	/* What an earlier call searched of the first frame, if any. */
	scanned = f->scanned;
	f->scanned = 0;

	while (pos < len) {
		const char *p = data + pos;
		size_t avail = len - pos;
		unsigned flags = 0;

		if (f->skip_remaining > 0 || f->skip_to_eol) {
			pos += framing_skip(f, p, avail);
			continue;
		}
		if (*p >= '0' && *p <= '9') {
			uint64_t count = 0;
			size_t header_len = 0;

			switch (framing_parse_count(p, avail, eof, &count,
			    &header_len)) {
			case COUNT_MORE:
				return pos;
			case COUNT_OK:
				used = framing_octet(f, p, avail, header_len,
				    count, eof, emit, arg);
				if (used == 0)
					return pos;
				pos += used;
				continue;
			case COUNT_BAD:
				flags = FRAME_BAD_COUNT;
				break;
			}
		}
		used = framing_lf(f, p, avail, pos == 0 ? scanned : 0, eof,
		    flags, emit, arg);
		if (used == 0)
			return pos;
		pos += used;
	}
	if (eof) {
		/* The stream is over: nothing of it carries to another. */
		f->skip_remaining = 0;
		f->skip_to_eol = false;
		f->scanned = 0;
		f->eol = FRAMING_EOL_UNDECIDED;
	}
	return pos;
}
