/*
 * fuzz_relp_frame.c: libFuzzer target for the RELP frame parser and the
 * session on top of it.
 *
 * Input: byte 0 picks max_data for the parser (and max_message for the
 * session), the rest is the stream.  The parser is run frame after frame
 * over a heap copy of exactly the stream's length (ASan sees any
 * over-read): every frame must lie inside what it was given and respect
 * max_data, every prefix of a frame must be "more".  The whole stream is
 * then fed to a session in two parts, every delivered message reported
 * written in one go: nothing may crash, consume more than given, or answer
 * more than was delivered.
 */

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t delivered;

static void
deliver(void *arg, const char *d, size_t len, unsigned flags, uint64_t seq)
{
	(void)arg;
	(void)flags;
	assert(len > 0 && d != NULL);
	assert(seq == delivered + 1);
	delivered = seq;
}

static void
send_out(void *arg, const char *d, size_t len)
{
	(void)arg;
	assert(d != NULL && len > 0);
}

static const struct relp_session_ops ops = {deliver, send_out};

/* Every frame of buf, one after the other, and the prefixes of the first. */
static void
fuzz_frames(const char *buf, size_t len, size_t max_data)
{
	struct relp_frame f;
	enum relp_error err;
	size_t off = 0, cut;
	bool first = true;

	while (off < len) {
		enum relp_parse r = relp_frame_parse(buf + off, len - off, max_data, &f, &err);

		if (r != RELP_PARSE_FRAME) {
			assert(r == RELP_PARSE_MORE ? err == RELP_OK : err != RELP_OK);
			break;
		}
		assert(f.frame_len <= len - off && f.datalen <= max_data && f.txnr >= 1 &&
		       f.txnr <= RELP_TXNR_MAX);
		assert(f.datalen == 0 || (f.data > buf + off && f.data + f.datalen < buf + len));
		if (first)
			for (cut = 0; cut < f.frame_len; cut++)
				assert(relp_frame_parse(buf + off, cut, max_data, &f, &err) ==
				       RELP_PARSE_MORE);
		first = false;
		off += f.frame_len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relp_session *s;
	enum relp_error err;
	size_t max, half, used;
	char *buf;

	if (size < 1)
		return 0;
	max = data[0] * 4u;
	size--;
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size);
	fuzz_frames(buf, size, max);

	delivered = 0;
	if ((s = relp_session_new(max, &ops, NULL)) == NULL) {
		free(buf);
		return 0;
	}
	half = size / 2;
	used = relp_session_feed(s, buf, half, &err);
	assert(used <= half);
	if (err == RELP_OK) {
		/* the unconsumed rest presented again with the second half */
		used += relp_session_feed(s, buf + used, size - used, &err);
		assert(used <= size);
	}
	if (err == RELP_OK && delivered > 0)
		(void)relp_session_written(s, 1, delivered, true);
	assert(relp_session_answered(s) <= delivered);
	relp_session_free(s);
	free(buf);
	return 0;
}
