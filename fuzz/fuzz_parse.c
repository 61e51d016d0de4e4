/*
 * fuzz_parse.c: libFuzzer target for parse_message and the SD walker.
 * The input is copied to an exact-size heap buffer so that ASan sees any
 * read past the frame; every slice is touched to prove it lies inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of a slice; a slice outside the frame trips ASan. */
static unsigned
touch(struct slice s)
{
	unsigned sum = 0;
	size_t i;

	if (s.p == NULL)
		return 0;
	for (i = 0; i < s.len; i++)
		sum += (unsigned char)s.p[i];
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syslog_msg msg;
	struct sd_item item;
	volatile unsigned sink = 0;
	char out[256];
	size_t pos = 0, n, steps = 0;
	char *frame;
	int kind;

	frame = malloc(size ? size : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data, size);
	parse_message(frame, size, (time_t)1700000000, &msg);
	if (msg.format != MSG_FORMAT_UNPARSED && msg.error != NULL)
		abort();
	if (msg.pri < 0 || msg.pri > 191)
		abort();
	sink += touch(msg.timestamp) + touch(msg.hostname) + touch(msg.appname);
	sink += touch(msg.procid) + touch(msg.msgid) + touch(msg.sd);
	sink += touch(msg.sd_raw) + touch(msg.msg) + touch(msg.seqno);
	if (msg.time.usec >= 1000000)
		abort();
	/* valid SD must walk to its end; so must any text */
	while ((kind = sd_next(msg.sd, &pos, &item)) != 0) {
		if (++steps > size + 1)
			abort();
		sink += touch(item.id) + touch(item.name) + touch(item.value);
		if (kind == 2) {
			n = sd_unescape(item.value, out, sizeof(out));
			if (n > sizeof(out) || n > item.value.len)
				abort();
		}
	}
	pos = 0;
	steps = 0;
	while (sd_next(msg.sd_raw, &pos, &item) != 0)
		if (++steps > size + 1)
			abort();
	(void)syslog_facility_name(msg.pri >> 3);
	(void)syslog_severity_name(msg.pri & 7);
	(void)sink;
	free(frame);
	return 0;
}
