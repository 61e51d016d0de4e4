/*
 * fuzz_sd.c: libFuzzer target for STRUCTURED-DATA (sd_next, sd_unescape).
 *
 * The input is the SD text of an RFC 5424 frame built around it
 * ("<13>1 TS host app - - " SD " msg"), in an exact-size heap buffer so
 * ASan sees any read past the frame.  When the parser accepts the SD
 * (msg.sd set, not flagged malformed), walking it with sd_next must give
 * back every byte of it: "[" id *(" " name "=\"" value "\"") "]" rebuilt
 * from the items equals msg.sd.  Any text (the raw input, sd_raw) must be
 * safe to walk.  sd_unescape must write no more than the cap or the
 * value's length, and a smaller cap must give a prefix of the full result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SD_HEAD "<13>1 2026-11-27T17:06:17.000123Z host app - - "
#define SD_TAIL " msg"

/* Check sd_unescape on one value against itself at every interesting cap. */
static void
fuzz_unescape(struct slice v)
{
	char *full, *part;
	size_t n, m, cap;

	full = malloc(v.len ? v.len : 1);
	part = malloc(v.len ? v.len : 1);
	if (full == NULL || part == NULL)
		abort();
	n = sd_unescape(v, full, v.len);
	if (n > v.len)
		abort();
	for (cap = 0; cap <= n && cap <= 8; cap++) {
		m = sd_unescape(v, part, cap);
		if (m != cap || memcmp(part, full, m) != 0)
			abort();
	}
	free(full);
	free(part);
}

/* The walk's next bytes must be sd's next bytes (when rebuilding). */
static void
fuzz_expect(struct slice sd, size_t *used, const char *p, size_t n, int rebuild)
{
	if (!rebuild)
		return;
	if (*used + n > sd.len || memcmp(sd.p + *used, p, n) != 0)
		abort();
	*used += n;
}

/* Walk sd; when rebuild is set, the items must spell sd exactly. */
static void
fuzz_walk(struct slice sd, int rebuild, size_t bound)
{
	struct sd_item item;
	size_t pos = 0, steps = 0, used = 0;
	int kind, open = 0;

	while ((kind = sd_next(sd, &pos, &item)) != 0) {
		if (++steps > bound)
			abort();
		if (item.id.p == NULL || item.id.len == 0 ||
		    item.id.p < sd.p || item.id.p + item.id.len > sd.p + sd.len)
			abort();
		if (kind == 1) {
			if (open)
				fuzz_expect(sd, &used, "]", 1, rebuild);
			fuzz_expect(sd, &used, "[", 1, rebuild);
			fuzz_expect(sd, &used, item.id.p, item.id.len, rebuild);
			open = 1;
		} else if (kind == 2) {
			if (!open || item.name.p == NULL || item.value.p == NULL)
				abort();
			if (item.name.p < sd.p ||
			    item.name.p + item.name.len > sd.p + sd.len ||
			    item.value.p < sd.p ||
			    item.value.p + item.value.len > sd.p + sd.len)
				abort();
			fuzz_expect(sd, &used, " ", 1, rebuild);
			fuzz_expect(sd, &used, item.name.p, item.name.len, rebuild);
			fuzz_expect(sd, &used, "=\"", 2, rebuild);
			fuzz_expect(sd, &used, item.value.p, item.value.len, rebuild);
			fuzz_expect(sd, &used, "\"", 1, rebuild);
			fuzz_unescape(item.value);
		} else
			abort();
	}
	if (open)
		fuzz_expect(sd, &used, "]", 1, rebuild);
	if (rebuild && used != sd.len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syslog_msg msg;
	struct slice raw;
	size_t hl = sizeof(SD_HEAD) - 1, tl = sizeof(SD_TAIL) - 1, n;
	char *frame, *copy;

	if (size > 1 << 16)
		return 0;
	n = hl + size + tl;
	if ((frame = malloc(n)) == NULL || (copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(frame, SD_HEAD, hl);
	memcpy(frame + hl, data, size);
	memcpy(frame + hl + size, SD_TAIL, tl);
	parse_message(frame, n, (time_t)1700000000, &msg);
	if (msg.format == MSG_FORMAT_RFC5424 && msg.sd.p != NULL) {
		if (msg.flags & MSG_FLAG_SD_MALFORMED)
			abort();
		if (msg.sd.p != frame + hl || msg.sd.len > size)
			abort();
		fuzz_walk(msg.sd, 1, n);
	}
	fuzz_walk(msg.sd_raw, 0, n);

	/* the bare input, no frame around it */
	memcpy(copy, data, size);
	raw.p = copy;
	raw.len = size;
	fuzz_walk(raw, 0, size + 1);
	free(copy);
	free(frame);
	return 0;
}
