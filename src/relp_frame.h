/*
 * relp_frame.h: one RELP frame from the front of a byte stream (librelp's
 * doc/relp.md, "RELP FRAME"): TXNR SP COMMAND SP DATALEN [SP DATA] LF.
 *
 * Pure and bounded: relp_frame_parse looks only at the bytes it is given,
 * holds nothing, and never asks for more than relp_frame_max_len() bytes
 * before it either returns a frame or an error.  Everything the sender
 * controls is checked before it is trusted: TXNR 1..999999999 (1 to 9
 * digits; 0, the server's hint number, is refused from a client), COMMAND
 * 1..32 letters and one of the commands a server receives, DATALEN 1 to 9
 * digits and at most the caller's max_data, the SP after DATALEN only when
 * DATALEN > 0, and the LF trailer.
 */
#ifndef LOGWARD_RELP_FRAME_H
#define LOGWARD_RELP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define RELP_TXNR_MAX 999999999u
#define RELP_COMMAND_MAX 32
#define RELP_NUMBER_DIGITS_MAX 9

/* The commands a server acts on; anything else is RELP_ERR_UNKNOWN_COMMAND. */
enum relp_command {
	RELP_CMD_OPEN,
	RELP_CMD_SYSLOG,
	RELP_CMD_CLOSE,
};

/*
 * Why a RELP session was closed by logward: the frame parser's reasons
 * first, then the session's (relp_session.h).  The metrics label of each
 * is relp_error_name().
 */
enum relp_error {
	RELP_OK,
	RELP_ERR_BAD_TXNR,	  /* not 1..9 digits, 0, or not the next number */
	RELP_ERR_BAD_COMMAND,	  /* not 1..32 letters */
	RELP_ERR_UNKNOWN_COMMAND, /* letters, but no command a server takes */
	RELP_ERR_BAD_DATALEN,	  /* not 1..9 digits */
	RELP_ERR_TOO_LARGE,	  /* DATALEN over the input's limit */
	RELP_ERR_BAD_FRAME,	  /* a separator or the LF trailer missing */
	RELP_ERR_BEFORE_OPEN,	  /* a command before open */
	RELP_ERR_SECOND_OPEN,	  /* open on an open session */
	RELP_ERR_BAD_OFFER,	  /* open without relp_version or without syslog */
	RELP_ERR_AFTER_CLOSE,	  /* a command after close */
	RELP_ERR_WINDOW,	  /* more unanswered commands than RELP_WINDOW_MAX */
	RELP_ERR_NOT_WRITTEN,	  /* the archive write was given up (stopping) */
	RELP_ERR_COUNT
};

/* The metrics label of e ("bad_txnr", ...). */
const char *relp_error_name(enum relp_error e);

/* A parsed frame; data points into the caller's buffer. */
struct relp_frame {
	uint32_t txnr;
	enum relp_command command;
	const char *data; /* DATALEN bytes (the SP before them excluded); NULL when 0 */
	size_t datalen;
	size_t frame_len; /* bytes of the whole frame, trailer included */
};

enum relp_parse {
	RELP_PARSE_FRAME, /* *frame filled */
	RELP_PARSE_MORE,  /* a valid beginning: present again with more bytes */
	RELP_PARSE_ERROR, /* *err says why; the stream cannot be resynchronised */
};

/*
 * Parse the frame at the front of buf[0..len).  max_data bounds DATALEN
 * (<= 999999999).  On RELP_PARSE_ERROR, *err is the reason (never RELP_OK).
 */
enum relp_parse relp_frame_parse(
    const char *buf, size_t len, size_t max_data, struct relp_frame *frame, enum relp_error *err);

/* The longest frame relp_frame_parse accepts with max_data: what a caller must buffer. */
size_t relp_frame_max_len(size_t max_data);

#endif
