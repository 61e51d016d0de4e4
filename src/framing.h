/*
 * framing.h: RFC 6587 framing of a TCP byte stream, decided per frame.
 *
 * A frame that starts with a digit is octet-counted ("MSG-LEN SP MSG",
 * at most 10 digits, RFC 6587 3.4.1); otherwise it ends at LF, with a
 * trailing CR dropped, or at NUL (3.4.2).  A connection whose first such
 * frame ends in NUL (Python's SysLogHandler, some appliances) has frames
 * that end in NUL only: an LF inside is data (a traceback stays one
 * message), and LF/CR just before the NUL are dropped.  A count not followed by SP, or
 * with more than 10 digits, or zero, is a framing error: counted, and that
 * frame is read with LF framing instead.  A frame longer than max_frame is
 * delivered truncated to max_frame bytes with FRAME_TRUNCATED, and the rest
 * of it is skipped; the stream stays in sync.  Empty LF frames (blank
 * lines, CRLF alone, repeated NULs) are not delivered; a frame " <..."
 * (Cisco ASA's space after LF) is delivered without that one space.
 * Every frame delivered is 1..max_frame bytes.  framing.c lists the rest
 * of the choices.
 *
 * The framer holds no data: framing_feed looks at the bytes the caller
 * buffered and says how many it consumed.  The caller keeps the rest and
 * presents it again with more bytes appended.  The caller never needs to
 * keep more than framing_max_pending() bytes: past that, the framer
 * always consumes.
 */
#ifndef LOGWARD_FRAMING_H
#define LOGWARD_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_OCTET_COUNTED 0x01u /* framed by RFC 6587 octet counting */
#define FRAME_TRUNCATED     0x02u /* longer than max_frame; cut */
#define FRAME_BAD_COUNT     0x04u /* looked octet-counted but was not; LF used */
#define FRAME_AT_EOF        0x08u /* unterminated last frame of a closed stream
                                      (with OCTET_COUNTED: shorter than its count) */

struct framing_stats {
	uint64_t frames;
	uint64_t truncated;   /* frames cut at max_frame */
	uint64_t bad_counts;  /* framing errors that fell back to LF */
	uint64_t skipped_bytes; /* bytes of truncated frames thrown away */
};

/* What ends a non-octet-counted frame, decided by the stream's first one. */
enum framing_eol {
	FRAMING_EOL_UNDECIDED = 0, /* LF or NUL, until a frame ends */
	FRAMING_EOL_LF,            /* LF or NUL: the first frame ended in LF */
	FRAMING_EOL_NUL,           /* NUL only: the first frame ended in NUL */
};

struct framer {
	size_t max_frame;
	enum framing_eol eol;
	/* Octet-counted frame being skipped after truncation, or LF frame being skipped. */
	uint64_t skip_remaining; /* octet mode: bytes left to skip */
	bool skip_to_eol;        /* LF mode: skip until LF or NUL */
	/*
	 * LF mode: bytes at the start of the re-presented data already found
	 * to hold no terminator (LF or NUL; NUL only when eol is
	 * FRAMING_EOL_NUL), so a long frame arriving in small reads is
	 * not searched again from its start (a hint: a position, never data).
	 */
	size_t scanned;
	struct framing_stats stats;
};

/* Called once per frame; frame is valid only during the call. */
typedef void framing_emit_fn(void *arg, const char *frame, size_t len, unsigned flags);

void framer_init(struct framer *f, size_t max_frame);

/*
 * Frame data[0..len).  Calls emit for every complete frame and returns how
 * many bytes were consumed.  When eof is true the stream is closed: the
 * last unterminated frame is delivered (FRAME_AT_EOF) and all bytes are
 * consumed.
 */
size_t framing_feed(struct framer *f, const char *data, size_t len, bool eof,
    framing_emit_fn *emit, void *arg);

/*
 * Most bytes a caller must buffer before framing_feed is sure to consume:
 * framing_feed always leaves fewer than this unconsumed (max_frame + 11).
 */
size_t framing_max_pending(const struct framer *f);

#endif
