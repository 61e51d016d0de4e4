/*
 * relp_session.c: one RELP server session.  See relp_session.h for the
 * contract; the protocol is librelp's doc/relp.md.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "relp_session.h"

/* What a command waiting in the window is answered with. */
enum relp_answer {
	RELP_ANSWER_SYSLOG, /* "200 OK" once its message is written */
	RELP_ANSWER_OPEN,   /* "200 OK" and the offers we accept */
	RELP_ANSWER_CLOSE,  /* an empty rsp; then the session is finished */
};

/* A command waiting for its response, in the order received. */
struct relp_pending {
	uint64_t seq; /* RELP_ANSWER_SYSLOG with a message: its sequence number; else 0 */
	uint32_t txnr;
	unsigned char answer; /* enum relp_answer */
	bool done;	      /* the response may go */
};

struct relp_session {
	const struct relp_session_ops *ops;
	void *arg;
	size_t max_message;
	size_t max_data;
	uint32_t next_txnr; /* the TXNR the next command must carry */
	uint64_t next_seq;  /* of the next message delivered */
	uint64_t answered;  /* messages answered */
	bool opened, closing, finished;
	bool stopping; /* relp_session_stop: no more commands; serverclose once all answered */
	struct relp_pending *ring; /* cap entries, a power of two up to RELP_WINDOW_MAX */
	size_t cap, head, n;
	char *out; /* responses being assembled */
	size_t out_len, out_cap;
};

/* The offers answered to open (relp.md "OFFERS"): version 0 is what librelp speaks. */
#define RELP_OPEN_ANSWER                                                                           \
	"200 OK\nrelp_version=0\nrelp_software=logward," PACKAGE_VERSION "\ncommands=syslog"
#define RELP_SERVERCLOSE "0 serverclose 0\n"

struct relp_session *
relp_session_new(size_t max_message, const struct relp_session_ops *ops, void *arg)
{
	struct relp_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->ops = ops;
	s->arg = arg;
	s->max_message = max_message;
	s->max_data = max_message + RELP_DATA_ALLOWANCE;
	if (s->max_data > RELP_TXNR_MAX)
		s->max_data = RELP_TXNR_MAX;
	s->next_txnr = 1;
	s->next_seq = 1;
	return s;
}

void
relp_session_free(struct relp_session *s)
{
	if (s == NULL)
		return;
	free(s->ring);
	free(s->out);
	free(s);
}

size_t
relp_session_max_pending(const struct relp_session *s)
{
	return relp_frame_max_len(s->max_data);
}

uint64_t
relp_session_answered(const struct relp_session *s)
{
	return s->answered;
}

size_t
relp_session_unanswered(const struct relp_session *s)
{
	return s->n;
}

bool
relp_session_finished(const struct relp_session *s)
{
	return s->finished;
}

/* Append bytes to the responses being assembled; false when out of memory. */
static bool
relp_out_add(struct relp_session *s, const char *data, size_t len)
{
	if (s->out_cap - s->out_len < len) {
		size_t ncap = s->out_cap > 0 ? s->out_cap : 1024;
		char *n;

		while (ncap - s->out_len < len)
			ncap *= 2;
		if ((n = realloc(s->out, ncap)) == NULL)
			return false;
		s->out = n;
		s->out_cap = ncap;
	}
	memcpy(s->out + s->out_len, data, len);
	s->out_len += len;
	return true;
}

/* Assemble "TXNR rsp DATALEN [SP DATA] LF". */
static bool
relp_out_rsp(struct relp_session *s, uint32_t txnr, const char *data)
{
	char head[48];
	size_t len = strlen(data);
	int n = snprintf(head, sizeof(head), len > 0 ? "%u rsp %zu " : "%u rsp %zu", txnr, len);

	return relp_out_add(s, head, (size_t)n) && relp_out_add(s, data, len) &&
	       relp_out_add(s, "\n", 1);
}

/* Send what was assembled. */
static void
relp_out_flush(struct relp_session *s)
{
	if (s->out_len > 0)
		s->ops->send(s->arg, s->out, s->out_len);
	s->out_len = 0;
}

/* Answer, in order, every command at the front of the window that may be answered. */
static void
relp_answer_due(struct relp_session *s)
{
	static const char *const text[] = {
	    [RELP_ANSWER_SYSLOG] = "200 OK",
	    [RELP_ANSWER_OPEN] = RELP_OPEN_ANSWER,
	    [RELP_ANSWER_CLOSE] = "",
	};

	while (s->n > 0 && s->ring[s->head].done) {
		const struct relp_pending *p = &s->ring[s->head];

		/* out of memory: the sender times out and resends; nothing is lost */
		if (!relp_out_rsp(s, p->txnr, text[p->answer]))
			break;
		if (p->answer == RELP_ANSWER_CLOSE)
			s->finished = true;
		if (p->seq != 0)
			s->answered++;
		s->head = (s->head + 1) & (s->cap - 1);
		s->n--;
	}
	relp_out_flush(s);
}

/* Room for one more command in the window; false past RELP_WINDOW_MAX or out of memory. */
static bool
relp_ring_reserve(struct relp_session *s)
{
	struct relp_pending *n;
	size_t ncap, i;

	if (s->n < s->cap)
		return true;
	if (s->cap == RELP_WINDOW_MAX)
		return false;
	ncap = s->cap > 0 ? s->cap * 2 : 16;
	if ((n = malloc(ncap * sizeof(*n))) == NULL)
		return false;
	for (i = 0; i < s->n; i++)
		n[i] = s->ring[(s->head + i) & (s->cap - 1)];
	free(s->ring);
	s->ring = n;
	s->cap = ncap;
	s->head = 0;
	return true;
}

/* Put a command in the window, answered once done. */
static enum relp_error
relp_enqueue(struct relp_session *s, uint32_t txnr, enum relp_answer answer, uint64_t seq)
{
	struct relp_pending *p;

	if (!relp_ring_reserve(s))
		return RELP_ERR_WINDOW;
	p = &s->ring[(s->head + s->n) & (s->cap - 1)];
	p->txnr = txnr;
	p->answer = (unsigned char)answer;
	p->seq = seq;
	p->done = seq == 0;
	s->n++;
	return RELP_OK;
}

/*
 * Whether the offers data[0..len) ("name=v1,v2" lines) give name the
 * value value among its values; value "" asks for any number.
 */
static bool
relp_offer_has(const char *data, size_t len, const char *name, const char *value)
{
	const char *p = data, *end = data + len;
	size_t nlen = strlen(name), vlen = strlen(value);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol != NULL ? eol : end;

		if ((size_t)(line_end - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;

			while (v < line_end) {
				const char *comma = memchr(v, ',', (size_t)(line_end - v));
				const char *v_end = comma != NULL ? comma : line_end;

				if (vlen == 0 ? v_end > v && *v >= '0' && *v <= '9'
					      : (size_t)(v_end - v) == vlen &&
						    memcmp(v, value, vlen) == 0)
					return true;
				v = v_end + 1;
			}
		}
		p = line_end + 1;
	}
	return false;
}

/* open: check the offers (relp_version and the syslog command are required), answer. */
static enum relp_error
relp_on_open(struct relp_session *s, const struct relp_frame *f)
{
	if (s->opened)
		return RELP_ERR_SECOND_OPEN;
	if (!relp_offer_has(f->data, f->datalen, "relp_version", "") ||
	    !relp_offer_has(f->data, f->datalen, "commands", "syslog")) {
		/* relp.md: the client must close on a response without relp_version */
		relp_out_rsp(s, f->txnr, "500 required command not supported by client");
		relp_out_flush(s);
		return RELP_ERR_BAD_OFFER;
	}
	s->opened = true;
	return relp_enqueue(s, f->txnr, RELP_ANSWER_OPEN, 0);
}

/* syslog: hand the message over; its response waits for relp_session_written. */
static enum relp_error
relp_on_syslog(struct relp_session *s, const struct relp_frame *f)
{
	size_t len = f->datalen;
	unsigned flags = 0;
	enum relp_error e;

	/* the syslog line without a trailing LF, CR or NUL, as a UDP datagram */
	while (len > 0 &&
	       (f->data[len - 1] == '\n' || f->data[len - 1] == '\r' || f->data[len - 1] == '\0'))
		len--;
	if (len > s->max_message) {
		len = s->max_message;
		flags |= FRAME_TRUNCATED;
	}
	if (len == 0) /* nothing to write: answered in its turn */
		return relp_enqueue(s, f->txnr, RELP_ANSWER_SYSLOG, 0);
	if ((e = relp_enqueue(s, f->txnr, RELP_ANSWER_SYSLOG, s->next_seq)) != RELP_OK)
		return e;
	s->ops->deliver(s->arg, f->data, len, flags, s->next_seq++);
	return RELP_OK;
}

/* One whole frame. */
static enum relp_error
relp_on_frame(struct relp_session *s, const struct relp_frame *f)
{
	if (f->txnr != s->next_txnr)
		return RELP_ERR_BAD_TXNR;
	/* relp.md: latched at 999,999,999, then 1 again */
	s->next_txnr = f->txnr == RELP_TXNR_MAX ? 1 : f->txnr + 1;
	if (s->closing)
		return RELP_ERR_AFTER_CLOSE;
	if (f->command == RELP_CMD_OPEN)
		return relp_on_open(s, f);
	if (!s->opened)
		return RELP_ERR_BEFORE_OPEN;
	if (f->command == RELP_CMD_CLOSE) {
		s->closing = true;
		return relp_enqueue(s, f->txnr, RELP_ANSWER_CLOSE, 0);
	}
	return relp_on_syslog(s, f);
}

/*
 * Stopping, and every command answered: tell the sender to go (it
 * reconnects to the next daemon and resends only what was not answered).
 */
static void
relp_stop_check(struct relp_session *s)
{
	if (!s->stopping || s->finished || s->n > 0)
		return;
	relp_out_add(s, RELP_SERVERCLOSE, sizeof(RELP_SERVERCLOSE) - 1);
	relp_out_flush(s);
	s->finished = true;
}

size_t
relp_session_feed(struct relp_session *s, const char *data, size_t len, enum relp_error *err)
{
	struct relp_frame f;
	size_t used = 0;

	*err = RELP_OK;
	if (s->stopping)
		return len; /* not answered, so the sender resends it */
	while (used < len && !s->finished) {
		enum relp_parse r = relp_frame_parse(data + used, len - used, s->max_data, &f, err);

		if (r == RELP_PARSE_MORE)
			break;
		if (r == RELP_PARSE_FRAME) {
			used += f.frame_len;
			*err = relp_on_frame(s, &f);
		}
		if (*err != RELP_OK) {
			relp_answer_due(s);
			relp_out_add(s, RELP_SERVERCLOSE, sizeof(RELP_SERVERCLOSE) - 1);
			relp_out_flush(s);
			return len; /* nothing more is read */
		}
	}
	relp_answer_due(s);
	return used;
}

enum relp_error
relp_session_written(struct relp_session *s, uint64_t lo, uint64_t hi, bool written)
{
	size_t i;

	if (!written) {
		relp_out_add(s, RELP_SERVERCLOSE, sizeof(RELP_SERVERCLOSE) - 1);
		relp_out_flush(s);
		return RELP_ERR_NOT_WRITTEN;
	}
	for (i = 0; i < s->n; i++) {
		struct relp_pending *p = &s->ring[(s->head + i) & (s->cap - 1)];

		if (p->seq >= lo && p->seq <= hi)
			p->done = true;
		else if (p->seq > hi)
			break;
	}
	relp_answer_due(s);
	relp_stop_check(s);
	return RELP_OK;
}

void
relp_session_stop(struct relp_session *s)
{
	s->stopping = true;
	relp_answer_due(s);
	relp_stop_check(s);
}
