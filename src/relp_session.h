/*
 * relp_session.h: the server side of one RELP session (librelp's
 * doc/relp.md): open, syslog, close, and the order of the responses.
 *
 * The session holds no socket.  It is fed the bytes read, hands each
 * syslog message to ops->deliver under a sequence number of its own (1, 2,
 * ... in order), and answers through ops->send.  A syslog command is
 * answered ("200 OK") only once the owner reports its sequence number
 * written (relp_session_written): the owner calls that when the archive
 * write holding the message, and the alerts write before it, succeeded.
 * Responses go out in the order of the commands, as the protocol requires,
 * so a message written early waits for the ones before it; one report
 * covering many messages sends all their responses in one ops->send.
 *
 * Bounds: a frame's DATA is at most max_message + RELP_DATA_ALLOWANCE
 * bytes (more than max_message is delivered cut, FRAME_TRUNCATED); at most
 * RELP_WINDOW_MAX commands may wait for their response.  Anything
 * malformed or out of order (relp_frame.h's reasons, a command before
 * open, a second open, an open without relp_version or the syslog
 * command, a command after close, a window overrun) ends the session:
 * relp_session_feed returns the reason, after queueing the serverclose
 * hint; the owner closes the connection once that is sent.  The messages
 * delivered but not answered are then resent by the sender after it
 * reconnects: duplicates are possible for those, loss is not.
 */
#ifndef LOGWARD_RELP_SESSION_H
#define LOGWARD_RELP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relp_frame.h"

/* Commands that may wait for their response at once (rsyslog's default window: 128). */
#define RELP_WINDOW_MAX 1024
/* DATA past max_message accepted (and cut): room for a sender's slightly larger limit. */
#define RELP_DATA_ALLOWANCE 1024

struct relp_session;

struct relp_session_ops {
	/*
	 * One syslog message, data valid during the call only; flags are
	 * FRAME_* (framing.h: FRAME_TRUNCATED).  The owner reports seq with
	 * relp_session_written once it is written, or not.
	 */
	void (*deliver)(void *arg, const char *data, size_t len, unsigned flags, uint64_t seq);
	/* Queue bytes for the sender (copied). */
	void (*send)(void *arg, const char *data, size_t len);
};

/* A new session; NULL when out of memory.  ops and arg must outlive it.  Caller frees. */
struct relp_session *relp_session_new(
    size_t max_message, const struct relp_session_ops *ops, void *arg);

/*
 * Act on every whole frame of data[0..len); returns the bytes consumed
 * (the rest is an unfinished frame: present it again with more).  *err is
 * RELP_OK, or the reason the session ended (serverclose queued: read
 * nothing more, close once sent).
 */
size_t relp_session_feed(
    struct relp_session *s, const char *data, size_t len, enum relp_error *err);

/*
 * The messages of sequence numbers lo..hi were written (written true), or
 * given up.  Sends the responses now due.  Returns RELP_OK, or
 * RELP_ERR_NOT_WRITTEN when given up (the session has ended: close it, the
 * sender resends).  Numbers the session no longer waits for are ignored.
 */
enum relp_error relp_session_written(
    struct relp_session *s, uint64_t lo, uint64_t hi, bool written);

/*
 * The daemon stops: the session takes no more commands (what is fed is
 * dropped unanswered, so the sender keeps it), waits for the reports of
 * the messages already delivered, answers them, and then sends serverclose
 * and is finished.  Without this, the messages in flight at a SIGTERM
 * would be written but never answered, and resent: duplicates.
 */
void relp_session_stop(struct relp_session *s);

/*
 * The sender closed the session (or relp_session_stop ran) and every
 * response is sent: close the connection.
 */
bool relp_session_finished(const struct relp_session *s);

/* Bytes the owner may have to buffer before relp_session_feed consumes. */
size_t relp_session_max_pending(const struct relp_session *s);

/* Messages answered "200 OK" so far (a syslog command with data). */
uint64_t relp_session_answered(const struct relp_session *s);

/* Commands waiting for their response. */
size_t relp_session_unanswered(const struct relp_session *s);

void relp_session_free(struct relp_session *s);

#endif
