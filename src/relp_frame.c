/*
 * relp_frame.c: the RELP frame parser.  See relp_frame.h.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "relp_frame.h"

/* TXNR SP COMMAND SP DATALEN SP: the longest header. */
#define RELP_HEADER_MAX                                                                            \
	(RELP_NUMBER_DIGITS_MAX + 1 + RELP_COMMAND_MAX + 1 + RELP_NUMBER_DIGITS_MAX + 1)

static const char *const relp_error_names[RELP_ERR_COUNT] = {
    [RELP_OK] = "ok",
    [RELP_ERR_BAD_TXNR] = "bad_txnr",
    [RELP_ERR_BAD_COMMAND] = "bad_command",
    [RELP_ERR_UNKNOWN_COMMAND] = "unknown_command",
    [RELP_ERR_BAD_DATALEN] = "bad_datalen",
    [RELP_ERR_TOO_LARGE] = "too_large",
    [RELP_ERR_BAD_FRAME] = "bad_frame",
    [RELP_ERR_BEFORE_OPEN] = "before_open",
    [RELP_ERR_SECOND_OPEN] = "second_open",
    [RELP_ERR_BAD_OFFER] = "bad_offer",
    [RELP_ERR_AFTER_CLOSE] = "after_close",
    [RELP_ERR_WINDOW] = "window_overrun",
    [RELP_ERR_NOT_WRITTEN] = "not_written",
};

const char *
relp_error_name(enum relp_error e)
{
	return (unsigned)e < RELP_ERR_COUNT ? relp_error_names[e] : "unknown";
}

size_t
relp_frame_max_len(size_t max_data)
{
	return RELP_HEADER_MAX + max_data + 1;
}

/*
 * A NUMBER (1*9DIGIT) at buf[*pos], ended by SP or, when end_lf, by LF.
 * 1: parsed into *value and *pos moved to the terminator; 0: more bytes
 * needed; -1: malformed.
 */
static int
relp_number(const char *buf, size_t len, size_t *pos, bool end_lf, uint32_t *value)
{
	size_t i = *pos, digits = 0;
	uint32_t v = 0;

	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (++digits > RELP_NUMBER_DIGITS_MAX)
			return -1;
		v = v * 10 + (uint32_t)(buf[i] - '0');
	}
	if (i == len)
		return 0;
	if (digits == 0 || !(buf[i] == ' ' || (end_lf && buf[i] == '\n')))
		return -1;
	*value = v;
	*pos = i;
	return 1;
}

/* COMMAND (1*32ALPHA) then SP at buf[*pos]; same returns as relp_number. */
static int
relp_word(const char *buf, size_t len, size_t *pos, size_t *wlen)
{
	size_t i = *pos;

	for (; i < len; i++) {
		char c = buf[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			break;
		if (i - *pos == RELP_COMMAND_MAX)
			return -1;
	}
	if (i == len)
		return 0;
	if (i == *pos || buf[i] != ' ')
		return -1;
	*wlen = i - *pos;
	*pos = i;
	return 1;
}

/* The command a server acts on named by w[0..n); -1 for any other. */
static int
relp_command_of(const char *w, size_t n)
{
	static const struct {
		const char *name;
		enum relp_command cmd;
	} known[] = {
	    {"open", RELP_CMD_OPEN},
	    {"syslog", RELP_CMD_SYSLOG},
	    {"close", RELP_CMD_CLOSE},
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == n && memcmp(known[i].name, w, n) == 0)
			return (int)known[i].cmd;
	return -1;
}

/* The header up to the end of DATALEN; same returns as relp_number, *err on -1. */
static int
relp_header(const char *buf, size_t len, size_t max_data, struct relp_frame *f, size_t *pos,
    enum relp_error *err)
{
	size_t wstart, wlen;
	uint32_t v;
	int rc, cmd;

	if ((rc = relp_number(buf, len, pos, false, &v)) != 1 || v == 0) {
		*err = RELP_ERR_BAD_TXNR;
		return rc == 1 ? -1 : rc;
	}
	f->txnr = v;
	wstart = ++*pos;
	if ((rc = relp_word(buf, len, pos, &wlen)) != 1) {
		*err = RELP_ERR_BAD_COMMAND;
		return rc;
	}
	if ((cmd = relp_command_of(buf + wstart, wlen)) < 0) {
		*err = RELP_ERR_UNKNOWN_COMMAND;
		return -1;
	}
	f->command = (enum relp_command)cmd;
	++*pos;
	if ((rc = relp_number(buf, len, pos, true, &v)) != 1) {
		*err = RELP_ERR_BAD_DATALEN;
		return rc;
	}
	if (v > max_data) {
		*err = RELP_ERR_TOO_LARGE;
		return -1;
	}
	f->datalen = v;
	return 1;
}

enum relp_parse
relp_frame_parse(
    const char *buf, size_t len, size_t max_data, struct relp_frame *frame, enum relp_error *err)
{
	struct relp_frame f = {0};
	size_t pos = 0;
	int rc;

	*err = RELP_OK;
	if ((rc = relp_header(buf, len, max_data, &f, &pos, err)) == 0) {
		*err = RELP_OK; /* a valid beginning so far */
		return RELP_PARSE_MORE;
	}
	if (rc == -1)
		return RELP_PARSE_ERROR;
	/* pos is at the SP before DATA, or at the trailer when DATALEN is 0 */
	if (f.datalen > 0) {
		if (buf[pos] != ' ') {
			*err = RELP_ERR_BAD_FRAME;
			return RELP_PARSE_ERROR;
		}
		pos++;
		if (len - pos < f.datalen + 1)
			return RELP_PARSE_MORE;
		f.data = buf + pos;
		pos += f.datalen;
	}
	if (buf[pos] != '\n') {
		*err = RELP_ERR_BAD_FRAME;
		return RELP_PARSE_ERROR;
	}
	f.frame_len = pos + 1;
	*frame = f;
	return RELP_PARSE_FRAME;
}
