/*
 * tcp_relp.c: a RELP session (relp_session.h) on a TCP or TLS connection
 * of the intake (listen_tcp_impl.h): each message goes to the pipeline
 * with the connection's ack sink (ack.h), and the session answers it once
 * the worker reports it written.  A session that ends (malformed, closed
 * by the sender) stops reading, sends what is queued (serverclose), and
 * closes.
 */
#include "config.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "ack.h"
#include "conf.h"
#include "listen_tcp_impl.h"
#include "log.h"
#include "relp_session.h"

/* RELP session callback: one syslog message to the pipeline, answered once written. */
static void
tcp_relp_delivercb(void *arg, const char *data, size_t len, unsigned flags, uint64_t seq)
{
	struct tcp_conn *c = arg;
	struct listen_tcp *l = c->listener;

	if (flags & FRAME_TRUNCATED)
		stats_add(&l->stats.truncated, 1);
	pipeline_add_acked(
	    l->pipeline, &l->ident, data, len, flags, &c->peer, c->tls, &c->now, c->ack, seq);
	tcp_rate_take(c);
}

/* RELP session callback: responses to the sender. */
static void
tcp_relp_sendcb(void *arg, const char *data, size_t len)
{
	struct tcp_conn *c = arg;

	if (bufferevent_write(c->bev, data, len) == -1)
		log_warnx("input %s: out of memory answering a RELP sender (it resends)",
		    c->listener->conf->name);
}

static const struct relp_session_ops tcp_relp_ops = {
	.deliver = tcp_relp_delivercb,
	.send = tcp_relp_sendcb,
};

/* RELP, lingering: what the sender still sends is dropped unanswered (it resends it). */
static void
tcp_relp_discardcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * TLS: send close_notify before the TCP half-close, so that the sender
 * reads a clean end after the answers.  SSL_shutdown writes it straight to
 * the socket (the output buffer is empty here); a full socket buffer
 * (SSL_ERROR_WANT_WRITE) only costs the notice: the half-close follows.
 */
static void
tcp_relp_tls_notify(struct tcp_conn *c)
{
	SSL *ssl;

	if (c->listener->tls == NULL || (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL)
		return;
	if (SSL_shutdown(ssl) < 0)
		ERR_clear_error();
}

/*
 * RELP: the output is sent (or could not be): close from the loop.  It
 * first half-closes and reads until the sender closes (at most
 * TCP_RELP_LINGER_S): closing with unread bytes would reset the
 * connection, and a reset makes the sender's kernel drop the answers it
 * has not read yet, so it would resend messages already written.  Over
 * TLS what it still reads is decrypted and dropped the same way.
 */
static void
tcp_relp_flushedcb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct timeval linger = { TCP_RELP_LINGER_S, 0 };

	if (evbuffer_get_length(bufferevent_get_output(bev)) != 0 || c->close_ev == NULL)
		return;
	if (!c->relp_lingering && !c->handshaking) {
		tcp_relp_tls_notify(c);
		if (shutdown(bufferevent_getfd(bev), SHUT_WR) == 0) {
			c->relp_lingering = true;
			bufferevent_setcb(bev, tcp_relp_discardcb, NULL, tcp_eventcb, c);
			bufferevent_set_timeouts(bev, &linger, NULL);
			bufferevent_enable(bev, EV_READ);
			return;
		}
	}
	event_active(c->close_ev, EV_TIMEOUT, 1);
}

/*
 * The RELP session ended (why: RELP_OK when the sender closed it): read
 * nothing more, send what is queued (the responses due, serverclose) and
 * close, at most idle_timeout later (a sender that does not read).  Never
 * frees here: callers still use the connection.
 */
static void
tcp_relp_end(struct tcp_conn *c, enum relp_error why)
{
	struct listen_tcp *l = c->listener;
	struct timeval tv = { l->conf->idle_timeout > 0 ? (time_t)l->conf->idle_timeout : 10, 0 };

	if (c->relp_ended)
		return;
	c->relp_ended = true;
	c->closing = true;
	stats_add(&l->stats.relp_closed[why], 1);
	if (why != RELP_OK)
		tcp_log_refusal(l, &l->relp_log, &c->peer, "RELP session closed",
		    relp_error_name(why));
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	bufferevent_setcb(c->bev, NULL, tcp_relp_flushedcb, tcp_eventcb, c);
	if (c->close_ev == NULL &&
	    (c->close_ev = evtimer_new(l->base, tcp_closecb, c)) == NULL)
		return; /* out of memory: the write timeout or an error frees it */
	tcp_relp_flushedcb(c->bev, c);
}

/* Count the messages the session answered since the last call. */
static void
tcp_relp_count(struct tcp_conn *c)
{
	uint64_t now = relp_session_answered(c->relp);

	stats_add(&c->listener->stats.relp_acknowledged, now - c->relp_answered);
	c->relp_answered = now;
}

/* Ack sink callback: messages lo..hi of this session were written (or not). */
static void
tcp_relp_writtencb(void *arg, uint64_t lo, uint64_t hi, bool written)
{
	struct tcp_conn *c = arg;
	enum relp_error e;

	if (c->relp_ended)
		return;
	e = relp_session_written(c->relp, lo, hi, written);
	tcp_relp_count(c);
	if (e != RELP_OK)
		tcp_relp_end(c, e);
	else if (relp_session_finished(c->relp))
		tcp_relp_end(c, RELP_OK);
}

size_t
tcp_relp_feed(struct tcp_conn *c, const char *data, size_t len, bool eof)
{
	enum relp_error e;
	size_t used;

	if (c->relp_ended)
		return len;
	used = relp_session_feed(c->relp, data, len, &e);
	tcp_relp_count(c);
	if (e != RELP_OK)
		tcp_relp_end(c, e);
	else if (relp_session_finished(c->relp))
		tcp_relp_end(c, RELP_OK);
	return eof ? len : used;
}

void
tcp_relp_stop(struct tcp_conn *c)
{
	if (c->relp_ended)
		return;
	c->closing = true; /* a pipeline resume must not read it again */
	bufferevent_disable(c->bev, EV_READ);
	relp_session_stop(c->relp);
	tcp_relp_count(c);
	if (relp_session_finished(c->relp))
		tcp_relp_end(c, RELP_OK);
}

int
tcp_relp_init(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;

	c->relp = relp_session_new(l->conf->max_message_size, &tcp_relp_ops, c);
	c->ack = ack_sink_new(l->base, tcp_relp_writtencb, c);
	return c->relp != NULL && c->ack != NULL ? 0 : -1;
}
