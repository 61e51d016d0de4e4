/*
 * listen_tcp.c: TCP and TLS intake.  Accept, read, frame, hand frames to
 * the pipeline; nothing else happens on this loop.  A TLS input is a TCP
 * input whose connections are wrapped by OpenSSL (libevent's
 * bufferevent_openssl, contexts from tls.c) before the first byte: the
 * framing (RFC 5425 4.3 is RFC 6587's octet counting), limits and
 * backpressure below are the same for both.
 *
 * What a hostile sender meets, in order: allow (before any byte is read),
 * max_connections, max_connections_per_address, the TLS handshake within
 * handshake_timeout, idle_timeout, max_message_size, and the per-address
 * rate limit, which stops reading the sender's connections until its
 * window ends (nothing read is dropped).  Every refusal is counted and
 * logged as a throttled summary.
 *
 * A RELP input (plain or over TLS) is the same intake with a RELP session
 * in place of the framer (tcp_relp.c).
 *
 * Plain TCP reads without a bufferevent (tcp_plain.c): an edge-triggered
 * read event on the socket and one recv() a wake-up.  TLS and RELP read
 * and write through libevent's bufferevents.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ack.h"
#include "acl.h"
#include "conf.h"
#include "framing.h"
#include "listen_tcp.h"
#include "listen_tcp_impl.h"
#include "log.h"
#include "netaddr.h"
#include "peer_table.h"
#include "pipeline.h"
#include "relp_session.h"
#include "stats.h"
#include "tls.h"

/* Log one refusal of a kind through its throttle. */
void
tcp_log_refusal(struct listen_tcp *l, struct log_throttle *t, const struct peer_addr *pa,
    const char *what, const char *why)
{
	char ip[INET6_ADDRSTRLEN];
	uint64_t held;

	if (!log_throttle_due(t, TCP_LOG_INTERVAL, &held))
		return;
	log_warnx("input %s: %s from %s: %s (%llu more such since the last report; counted in "
	    "the statistics)", l->conf->name, what, netaddr_peer_text(pa, ip, sizeof(ip)), why,
	    (unsigned long long)held);
}

/* One message delivered: over its address's rate, the connection pauses after this read. */
void
tcp_rate_take(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;
	uint64_t until;

	if (l->rate.interval_ms > 0 && c->rate_until_ms == 0 &&
	    !ratelimit_take(c->per_address != NULL ? c->per_address : &l->overflow, &l->rate,
		peer_table_now_ms(), &until))
		c->rate_until_ms = until;
}

/* Framer callback: one frame of this connection to the pipeline. */
static void
tcp_emitcb(void *arg, const char *frame, size_t len, unsigned flags)
{
	struct tcp_conn *c = arg;
	struct listen_tcp *l = c->listener;

	if (flags & FRAME_TRUNCATED)
		stats_add(&l->stats.truncated, 1);
	if (flags & FRAME_BAD_COUNT)
		stats_add(&l->stats.bad_frames, 1);
	pipeline_add(l->pipeline, &l->ident, frame, len, flags, &c->peer, c->tls, &c->now);
	/* Already read, so delivered */
	tcp_rate_take(c);
}

/* The bytes read and not framed yet: the bufferevent's input, or plain TCP's own. */
static struct evbuffer *
tcp_conn_input(struct tcp_conn *c)
{
	return c->bev != NULL ? bufferevent_get_input(c->bev) : c->in;
}

/*
 * Read from this connection only when neither a pause of intake nor its
 * rate stops it.  Plain TCP keeps its read event: a stopped connection's
 * wake-ups are ignored (edge-triggered, they do not repeat), and reading
 * again is a turn on the pending list.
 */
static void
tcp_conn_update_reading(struct tcp_conn *c)
{
	bool on = !c->stalled && !c->rate_paused;

	if (c->closing)
		return;
	if (c->bev == NULL) {
		/* edge-triggered: what came while stopped is announced by no event */
		if (on)
			tcp_queue_pending(c);
	} else if (on) {
		bufferevent_enable(c->bev, EV_READ);
	} else {
		bufferevent_disable(c->bev, EV_READ);
	}
}

/*
 * Intake is paused and c was just read (or accepted, or its rate pause
 * ended): stop reading it until the resume, which frames what it holds.
 * A pause stops connections only as they are read, so it costs those,
 * not every connection (listen_tcp_pause).
 */
void
tcp_conn_stall(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;

	if (c->stalled || c->closing || c->rate_paused)
		return;	/* closing or rate-paused: not read anyway; the rate timer checks the pause */
	c->stalled = true;
	TAILQ_INSERT_TAIL(&l->stalled, c, stall_entry);
	stats_add(&l->stats.pause_stops, 1);
	tcp_conn_update_reading(c);
}

static void
tcp_rate_resumecb(evutil_socket_t fd, short what, void *arg);
static void tcp_tls_drain_pending(struct tcp_conn *c);

/* Over its rate: stop reading until the window ends (TCP slows the sender down). */
void
tcp_rate_pause(struct tcp_conn *c)
{
	uint64_t now = peer_table_now_ms(), wait_ms;
	struct timeval tv;

	wait_ms = c->rate_until_ms > now ? c->rate_until_ms - now : 1;
	c->rate_until_ms = 0;
	if (c->rate_ev == NULL &&
	    (c->rate_ev = evtimer_new(c->listener->base, tcp_rate_resumecb, c)) == NULL)
		return;	/* out of memory: keep reading rather than stall forever */
	c->rate_paused = true;
	stats_add(&c->listener->stats.rate_limited, 1);
	tv.tv_sec = (time_t)(wait_ms / 1000);
	tv.tv_usec = (suseconds_t)(wait_ms % 1000) * 1000;
	evtimer_add(c->rate_ev, &tv);
	tcp_conn_update_reading(c);
}

/* Frame data[0..len) received now (RELP: act on it); the bytes used. */
size_t
tcp_frame(struct tcp_conn *c, const char *data, size_t len, bool eof)
{
	clock_gettime(CLOCK_REALTIME, &c->now);
	if (c->relp != NULL)
		return tcp_relp_feed(c, data, len, eof);
	return framing_feed(&c->framer, data, len, eof, tcp_emitcb, c);
}

/* Frame what is buffered; with eof, deliver the rest too.  No rate check. */
void
tcp_frame_held(struct tcp_conn *c, bool eof)
{
	struct evbuffer *in = tcp_conn_input(c);
	size_t len = evbuffer_get_length(in);
	const char *data;

	if (len == 0)
		return;
	data = (const char *)evbuffer_pullup(in, -1);
	if (data == NULL) {
		log_warnx("input %s: out of memory framing a connection", c->listener->conf->name);
		return;
	}
	evbuffer_drain(in, tcp_frame(c, data, len, eof));
}

/* Frame what is buffered, then pause if these frames went over the rate; eof: the rest too. */
static void
tcp_frame_input(struct tcp_conn *c, bool eof)
{
	tcp_frame_held(c, eof);
	if (c->rate_until_ms != 0 && !eof)
		tcp_rate_pause(c);
}

static void
tcp_rate_resumecb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	c->rate_paused = false;
	if (c->listener->paused) {
		tcp_conn_stall(c);
		return;
	}
	tcp_conn_update_reading(c);
	tcp_frame_input(c, false);
	tcp_tls_drain_pending(c);
	if (c->listener->paused)
		tcp_conn_stall(c);
}

/* The one destructor of a connection. */
static void
tcp_conn_free(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;

	TAILQ_REMOVE(&l->conns, c, entry);
	if (c->stalled)
		TAILQ_REMOVE(&l->stalled, c, stall_entry);
	if (c->close_queued)
		TAILQ_REMOVE(&l->closed, c, close_entry);
	if (c->pending_queued) {
		TAILQ_REMOVE(&l->pending, c, pending_entry);
		l->n_pending--;
	}
	l->n_conns--;
	stats_sub(&l->stats.connections_open, 1);
	if (c->per_address != NULL)
		peer_table_release(l->peers, c->per_address);
	if (c->rate_ev != NULL)
		event_free(c->rate_ev);
	if (c->close_ev != NULL)
		event_free(c->close_ev);
	ack_sink_detach(c->ack);
	relp_session_free(c->relp);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->read_ev != NULL)
		event_free(c->read_ev);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->fd != -1)
		evutil_closesocket(c->fd);
	peer_tls_release(c->tls);
	tls_server_free(c->tls_server);
	free(c);
}

/*
 * Plain TCP: a TLS ClientHello (record type 22, version 3.x) is never
 * syslog.  Close such a connection at once and say why, instead of
 * archiving a binary handshake as a message.  head: the first len bytes
 * the sender sent (it is sniffed once it sent two).  True when closed.
 */
bool
tcp_refuse_tls_hello(struct tcp_conn *c, const unsigned char *head, size_t len)
{
	if (len < 2)
		return false;
	c->sniffed = true;
	if (head[0] != 0x16 || head[1] != 0x03)
		return false;
	stats_add(&c->listener->stats.tls_on_plain, 1);
	tcp_log_refusal(c->listener, &c->listener->refused_log, &c->peer, "TLS handshake",
	    "this input is plain TCP (transport = tcp); closed");
	tcp_conn_free(c);
	return true;
}

/* Bytes of a partial frame or RELP frame this connection may hold. */
static size_t
tcp_conn_max_pending(const struct tcp_conn *c)
{
	return c->relp != NULL ? relp_session_max_pending(c->relp) :
				 framing_max_pending(&c->framer);
}

/*
 * Plain RELP (and plain TCP on a loop without epoll): top the input
 * buffer up with what the sender already sent.
 * libevent 2.1 reads at most 4096 bytes a wake-up (LIBEVENT_READ_MAX), an
 * ioctl and a readv each, then goes back to epoll: three system calls per
 * 4 KB from a busy sender.  One read of up to TCP_READ_CHUNK here, within
 * the same bound as the read watermark.  End of stream and errors are left
 * to the bufferevent's next read, which reports them as usual.
 *
 * Not when libevent's read took less than its most: it read what the
 * socket held (FIONREAD), and another read would only say EAGAIN, the
 * common case with thousands of senders of a message now and then.  The
 * read goes to the listener's scratch buffer and only what came is added:
 * reserving TCP_READ_CHUNK in the evbuffer cost a 64 KB malloc a wake-up
 * (page faults included) whatever arrived.  A socket bufferevent freezes
 * the end of its input buffer (only its own reads add): lifted around the
 * add, which adds bytes of the same socket.
 */
static void
tcp_read_more(struct tcp_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	size_t have = evbuffer_get_length(in), limit, want;
	ssize_t n;

	if (c->last_add < LIBEVENT_READ_MAX)
		return;
	limit = tcp_conn_max_pending(c) + TCP_READ_CHUNK;
	if (fd == -1 || have >= limit)
		return;
	want = limit - have < TCP_READ_CHUNK ? limit - have : TCP_READ_CHUNK;
	n = read(fd, c->listener->scratch, want);
	if (n <= 0)
		return;
	evbuffer_unfreeze(in, 0);
	/* the bytes are taken from the socket: out of memory here would lose them */
	if (evbuffer_add(in, c->listener->scratch, (size_t)n) == -1)
		fatalx("input %s: out of memory holding %zd bytes read", c->listener->conf->name, n);
	evbuffer_freeze(in, 0);
}

static int tcp_read_now(struct tcp_conn *c);

/*
 * Read c on the loop's next turn (pending_ev): bytes wait that no read
 * event will announce.  A timer of no duration rather than an activation:
 * it runs after the loop's next poll, so a connection that always has more
 * goes behind the others and never holds the loop in one pass.
 */
void
tcp_queue_pending(struct tcp_conn *c)
{
	static const struct timeval now = {0, 0};
	struct listen_tcp *l = c->listener;

	if (c->pending_queued)
		return;
	c->pending_queued = true;
	TAILQ_INSERT_TAIL(&l->pending, c, pending_entry);
	l->n_pending++;
	if (!evtimer_pending(l->pending_ev, NULL))
		evtimer_add(l->pending_ev, &now);
}

/*
 * TLS: frame what OpenSSL holds.  It reads ahead (tls.h): records wait in
 * it with the socket empty, and libevent's reader stops after a record
 * (it asks SSL_pending, which counts only the record being decrypted).
 * Decrypted bytes wait there too when libevent stopped at the input
 * buffer's high-water mark.  Re-enabling reading only waits for the
 * socket, so without this they would wait for the sender's next bytes,
 * or its close.  The SSL_read that finds only part of a record reads the
 * socket, as libevent's would.  At most TLS_DRAIN_MAX bytes a turn: a fast
 * sender's connection goes behind the others for the rest.
 */
static void
tcp_tls_drain_pending(struct tcp_conn *c)
{
	size_t taken = 0;
	SSL *ssl;
	int n;

	if (c->listener->tls == NULL || c->handshaking || c->closing || c->relp_ended ||
	    (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL)
		return;
	while (SSL_has_pending(ssl) && !c->listener->paused && !c->rate_paused) {
		if (taken >= TLS_DRAIN_MAX) {
			tcp_queue_pending(c);
			return;
		}
		n = tcp_read_now(c);
		if (n == 0)
			tcp_conn_end(c);	/* the socket is quiet now: no event would tell */
		if (n <= 0)
			break;	/* part of a record and no more on the socket, or the end */
		taken += (size_t)n;
		tcp_frame_input(c, false);
	}
}

/* tcp_refuse_tls_hello on what the input buffer holds. */
bool
tcp_refuse_buffered_hello(struct tcp_conn *c)
{
	unsigned char head[2];
	ev_ssize_t n = evbuffer_copyout(tcp_conn_input(c), head, sizeof(head));

	return n > 0 && tcp_refuse_tls_hello(c, head, (size_t)n);
}

static void
tcp_readcb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	if (!c->sniffed && c->listener->tls == NULL && tcp_refuse_buffered_hello(c))
		return;
	/* Paused: the bytes wait in the buffer until the resume frames them. */
	if (c->listener->paused) {
		tcp_conn_stall(c);
		return;
	}
	if (c->rate_paused)
		return;
	if (c->listener->tls == NULL)
		tcp_read_more(c);
	tcp_frame_input(c, false);
	tcp_tls_drain_pending(c);
	/* These frames paused intake: what is left (TLS: decrypted) waits for the resume. */
	if (c->listener->paused)
		tcp_conn_stall(c);
}

/* TLS handshake done: note what the sender showed; from now on the idle timeout holds. */
static void
tcp_tls_established(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;

	c->handshaking = false;
	c->tls = tls_peer_info(bufferevent_openssl_get_ssl(c->bev));
	stats_add(&l->stats.tls_handshakes, 1);
	bufferevent_set_timeouts(c->bev, l->idle_tv, NULL);
	/* the sender's first records may have come with its last handshake message */
	tcp_queue_pending(c);
	if (c->tls != NULL && log_get_level() >= LOG_LEVEL_DEBUG) {
		char ip[INET6_ADDRSTRLEN];

		log_debug("input %s: TLS %s from %s, subject \"%s\"", l->conf->name,
		    c->tls->version, netaddr_peer_text(&c->peer, ip, sizeof(ip)), c->tls->subject);
	}
}

/* TLS handshake failed (what: the bufferevent's event): count and log why. */
static void
tcp_tls_failed(struct tcp_conn *c, short what)
{
	struct listen_tcp *l = c->listener;
	enum tls_failure reason = c->verdict.reason;
	const char *detail = c->verdict.detail;
	unsigned long e;

	if (what & BEV_EVENT_TIMEOUT) {
		reason = TLS_FAIL_TIMEOUT;
		detail = "not completed within handshake_timeout";
	} else if (detail == NULL) {
		reason = TLS_FAIL_PROTOCOL;
		e = bufferevent_get_openssl_error(c->bev);
		detail = e != 0 ? ERR_reason_error_string(e) : NULL;
		/* verify != none and no certificate: the verify callback never ran */
		if (e != 0 && ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			reason = TLS_FAIL_UNTRUSTED;
		if (detail == NULL)
			detail = (what & BEV_EVENT_EOF) ? "closed by the peer" : "connection error";
	}
	while (bufferevent_get_openssl_error(c->bev) != 0)
		;	/* the rest of this connection's error queue says nothing more */
	ERR_clear_error();
	stats_add(&l->stats.tls_failures[reason], 1);
	tcp_log_refusal(l, &l->tls_log, &c->peer, "TLS handshake failed", detail);
}

static void tcp_drain_socket(struct tcp_conn *c, size_t *budget);

/* The sender closed: frame all its input, the unterminated last frame too, then free. */
void
tcp_closecb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;
	size_t budget = TCP_READ_CHUNK;

	/* TLS: what OpenSSL read before the close and still holds */
	if (c->listener->tls != NULL && !c->handshaking &&
	    SSL_has_pending(bufferevent_openssl_get_ssl(c->bev))) {
		tcp_drain_socket(c, &budget);
	}
	tcp_frame_input(c, true);
	tcp_conn_free(c);
}

/* c is closing: frame and free it from the loop (tcp_closedcb), once the callbacks return. */
static void
tcp_conn_queue_close(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;

	if (c->close_queued)
		return;
	if (c->stalled) {
		TAILQ_REMOVE(&l->stalled, c, stall_entry);
		c->stalled = false;
	}
	c->close_queued = true;
	TAILQ_INSERT_TAIL(&l->closed, c, close_entry);
	event_active(l->close_ev, EV_TIMEOUT, 1);
}

void
tcp_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		tcp_tls_established(c);
		return;
	}
	if (c->handshaking) {
		tcp_tls_failed(c, what);
		tcp_conn_free(c);
		return;
	}
	if (c->relp_ended) {
		/* the sender went away or stopped reading what is left to send */
		if (c->close_ev != NULL)
			event_active(c->close_ev, EV_TIMEOUT, 1);
		else
			tcp_conn_free(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		stats_add(&c->listener->stats.idle_closed, 1);
	else if (what & BEV_EVENT_ERROR)
		log_debug("input %s: connection error: %s", c->listener->conf->name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	/*
	 * EOF, error or idle: whatever is left is the last frame.  Not here:
	 * libevent 2.1's TLS reader calls this callback when SSL_read reports
	 * the close, before it adds to the input buffer what the SSL_read just
	 * before returned (up to a record).  Framed and freed from the loop,
	 * once that callback has returned.
	 */
	tcp_conn_end(c);
}

/* The stream ended (or idle, or in error): stop reading; frame the rest and free from the loop. */
void
tcp_conn_end(struct tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	else
		event_del(c->read_ev);
	tcp_conn_queue_close(c);
}

/* The listener's close event: frame and free the connections closed since, in order. */
static void
tcp_closedcb(evutil_socket_t fd, short what, void *arg)
{
	struct listen_tcp *l = arg;
	struct tcp_conn *c;

	while ((c = TAILQ_FIRST(&l->closed)) != NULL) {
		TAILQ_REMOVE(&l->closed, c, close_entry);
		c->close_queued = false;
		tcp_closecb(fd, what, c);
	}
}

/*
 * The listener's pending event: one turn (plain: a read; TLS:
 * tcp_tls_drain_pending) for each connection queued before it ran, in
 * order; those queued again wait for the next run, so that the loop's
 * other events come in between.
 */
static void
tcp_pendingcb(evutil_socket_t fd, short what, void *arg)
{
	struct listen_tcp *l = arg;
	size_t turns = l->n_pending;
	struct tcp_conn *c;

	while (turns-- > 0 && (c = TAILQ_FIRST(&l->pending)) != NULL) {
		TAILQ_REMOVE(&l->pending, c, pending_entry);
		l->n_pending--;
		c->pending_queued = false;
		/* paused: the resume reads it again (listen_tcp_pause) */
		if (!l->paused) {
			if (c->bev == NULL)
				tcp_plain_read(c);
			else
				tcp_tls_drain_pending(c);
		}
		if (l->paused)
			tcp_conn_stall(c);
	}
}

/* Count bytes as they arrive (the read callback sees them after buffering). */
static void
tcp_input_countcb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct tcp_conn *c = arg;

	if (info->n_added > 0) {
		stats_add(&c->listener->stats.bytes, info->n_added);
		c->last_add = info->n_added;
	}
}

/*
 * The checks made before a connection gets any resource: allow, the total
 * and the per-address limits.  Returns the address's table entry (NULL
 * when there is no table or no room) through *entry, or false to refuse.
 */
static bool
tcp_admit(struct listen_tcp *l, const struct peer_addr *pa, struct peer_entry **entry)
{
	unsigned per_address = l->conf->max_connections_per_address;
	bool evicted;

	*entry = NULL;
	if (l->shutting_down)
		return false;
	if (!acl_allows(&l->acl, pa)) {
		stats_add(&l->stats.refused_acl, 1);
		tcp_log_refusal(l, &l->refused_log, pa, "connection refused", "not in allow");
		return false;
	}
	if (l->n_conns >= l->conf->max_connections) {
		stats_add(&l->stats.refused, 1);
		tcp_log_refusal(l, &l->refused_log, pa, "connection refused",
		    "max_connections reached");
		return false;
	}
	if (l->peers == NULL)
		return true;
	*entry = peer_table_get(l->peers, pa, peer_table_now_ms(), &evicted);
	if (evicted)
		stats_add(&l->stats.peer_table_full, 1);
	if (*entry == NULL) {
		/* every entry holds a connection */
		stats_add(&l->stats.peer_table_full, 1);
		if (per_address == 0)
			return true;	/* the rate limit uses the shared overflow window */
		stats_add(&l->stats.refused_per_address, 1);
		tcp_log_refusal(l, &l->refused_log, pa, "connection refused",
		    "per-address table full (too many sender addresses at once)");
		return false;
	}
	if (per_address > 0 && (*entry)->conns >= per_address) {
		stats_add(&l->stats.refused_per_address, 1);
		tcp_log_refusal(l, &l->refused_log, pa, "connection refused",
		    "max_connections_per_address reached");
		return false;
	}
	return true;
}

/* The bufferevent of a new connection: plain, or TLS in accepting state. */
static struct bufferevent *
tcp_conn_bev(struct listen_tcp *l, struct tcp_conn *c, evutil_socket_t fd)
{
	struct bufferevent *bev;
	SSL *ssl;

	if (l->tls == NULL)
		return bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->verdict.reason = TLS_FAIL_PROTOCOL;
	c->verdict.detail = NULL;
	if ((ssl = tls_server_ssl_new(l->tls, &c->verdict)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(l->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Senders (rsyslog among them) often close without close_notify: that is EOF. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	c->tls_server = tls_server_hold(l->tls);
	c->handshaking = true;
	return bev;
}

/*
 * How a new connection reads: plain TCP through its own read event, TLS
 * and RELP through a bufferevent.  -1 when out of memory (fd not taken).
 */
static int
tcp_conn_io(struct listen_tcp *l, struct tcp_conn *c, evutil_socket_t fd)
{
	const struct timeval *tv;

	if (l->tls == NULL && !l->relp && l->plain_events)
		return tcp_plain_init(c, fd);
	if ((c->bev = tcp_conn_bev(l, c, fd)) == NULL)
		return -1;
	bufferevent_setcb(c->bev, tcp_readcb, NULL, tcp_eventcb, c);
	/* TLS: one record an SSL_read; plain RELP (or TCP without epoll): see tcp_read_more */
	bufferevent_set_max_single_read(c->bev, l->tls != NULL ? TLS_READ_CHUNK : TCP_READ_CHUNK);
	/* Bounded buffering: stop reading once a partial frame and one read are held. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, tcp_conn_max_pending(c) + TCP_READ_CHUNK);
	evbuffer_add_cb(bufferevent_get_input(c->bev), tcp_input_countcb, c);
	tv = c->handshaking ? l->handshake_tv : l->idle_tv;
	if (tv != NULL)
		bufferevent_set_timeouts(c->bev, tv, NULL);
	return 0;
}

static void
tcp_acceptcb(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listen_tcp *l = arg;
	struct peer_entry *entry;
	struct peer_addr pa;
	struct tcp_conn *c;

	peer_addr_from_sockaddr(&pa, sa);
	if (!tcp_admit(l, &pa, &entry) || (c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->listener = l;
	c->peer = pa;
	c->fd = -1;
	framer_init(&c->framer, l->conf->max_message_size);
	if (l->relp && tcp_relp_init(c) == -1) {
		evutil_closesocket(fd);
		ack_sink_detach(c->ack);
		relp_session_free(c->relp);
		free(c);
		return;
	}
	if (tcp_conn_io(l, c, fd) == -1) {
		evutil_closesocket(fd);
		ack_sink_detach(c->ack);
		relp_session_free(c->relp);
		free(c);
		return;
	}
	c->per_address = entry;
	if (entry != NULL)
		peer_table_hold(l->peers, entry);
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	l->n_conns++;
	stats_add(&l->stats.connections, 1);
	stats_add(&l->stats.connections_open, 1);
	if (l->paused)
		tcp_conn_stall(c);
	else if (c->bev != NULL)
		tcp_conn_update_reading(c);	/* plain TCP reads from tcp_conn_io on */
}

static void
tcp_backoffcb(evutil_socket_t fd, short what, void *arg)
{
	struct listen_tcp *l = arg;
	size_t i;

	for (i = 0; i < l->n_listeners; i++)
		evconnlistener_enable(l->listeners[i]);
}

/*
 * Out of descriptors: give up the spare one, accept what waits and close
 * it, so that those senders learn at once instead of hanging in the
 * backlog; then take the spare back.
 */
static void
tcp_shed_backlog(struct listen_tcp *l)
{
	size_t i;
	int fd;

	if (l->spare_fd == -1)
		return;
	close(l->spare_fd);
	for (i = 0; i < l->n_listeners; i++) {
		fd = accept4(evconnlistener_get_fd(l->listeners[i]), NULL, NULL, SOCK_CLOEXEC);
		if (fd != -1) {
			close(fd);
			stats_add(&l->stats.refused, 1);
		}
	}
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* accept() failed: out of descriptors must not become a busy loop. */
static void
tcp_accept_errorcb(struct evconnlistener *el, void *arg)
{
	struct listen_tcp *l = arg;
	struct timeval tv = { 0, ACCEPT_BACKOFF_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	uint64_t held;
	size_t i;

	stats_add(&l->stats.accept_errors, 1);
	if (log_throttle_due(&l->accept_log, TCP_LOG_INTERVAL, &held))
		log_warnx("input %s: accept: %s (%llu more since the last report)", l->conf->name,
		    evutil_socket_error_to_string(err), (unsigned long long)held);
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		if (err == EMFILE || err == ENFILE)
			tcp_shed_backlog(l);
		for (i = 0; i < l->n_listeners; i++)
			evconnlistener_disable(l->listeners[i]);
		evtimer_add(l->backoff_ev, &tv);
	}
}

/* secs (0: none) as a common timeout of l's loop into *buf, or plain when it has no more. */
static const struct timeval *
tcp_timeout(struct listen_tcp *l, unsigned secs, struct timeval *buf)
{
	const struct timeval *common;

	if (secs == 0)
		return NULL;
	buf->tv_sec = (time_t)secs;
	buf->tv_usec = 0;
	/* at most 256 durations a loop (libevent): reloads that change it often get plain ones */
	if ((common = event_base_init_common_timeout(l->base, buf)) != NULL)
		*buf = *common;
	return buf;
}

/* The connections' timeouts from ic (at start and at each reload). */
static void
tcp_set_timeouts(struct listen_tcp *l, const struct input_conf *ic)
{
	l->idle_tv = tcp_timeout(l, ic->idle_timeout, &l->idle_tv_buf);
	l->handshake_tv = tcp_timeout(l, ic->handshake_timeout, &l->handshake_tv_buf);
}

bool
tcp_needs_peers(const struct input_conf *ic)
{
	return ic->max_connections_per_address > 0 || ic->ratelimit_interval > 0;
}

size_t
tcp_peer_slots(const struct input_conf *ic)
{
	size_t slots = (size_t)ic->max_connections * 4;

	return slots > TCP_PEER_SLOTS_MIN ? slots : TCP_PEER_SLOTS_MIN;
}

/* The policies of ic: allow, TLS context, per-address table; -1 with err set. */
static int
listen_tcp_policies(struct listen_tcp *l, const struct input_conf *ic, char *err,
    size_t errlen)
{
	if (acl_init(&l->acl, ic->allow, ic->n_allow, err, errlen) == -1)
		return -1;
	if (transport_is_tls(ic->transport) &&
	    (l->tls = tls_server_new(ic, err, errlen)) == NULL)
		return -1;
	l->rate.interval_ms = (uint64_t)ic->ratelimit_interval * 1000;
	l->rate.burst = ic->ratelimit_burst;
	if (!tcp_needs_peers(ic))
		return 0;
	if ((l->peers = peer_table_new(tcp_peer_slots(ic))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

struct listen_tcp *
listen_tcp_new(struct event_base *base, const struct input_conf *ic,
    struct pipeline *pipeline, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	struct listen_tcp *l;
	int n;

	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->conf = ic;
	l->pipeline = pipeline;
	l->base = base;
	l->ident.name = strdup(ic->name);
	l->relp = ic->transport == TRANSPORT_RELP || ic->transport == TRANSPORT_RELP_TLS;
	l->plain_events = (event_base_get_features(base) & (EV_FEATURE_ET | EV_FEATURE_EARLY_CLOSE)) ==
	    (EV_FEATURE_ET | EV_FEATURE_EARLY_CLOSE);
	if (!l->plain_events && !l->relp && !transport_is_tls(ic->transport))
		log_info("input %s: libevent's %s backend has no edge-triggered events: "
		    "plain TCP reads through bufferevents", ic->name, event_base_get_method(base));
	/*
	 * ECS network.transport is the layer-4 protocol: "tcp" for TCP, TLS
	 * and RELP alike.  TLS shows in tls.* (tls.version_protocol "tls");
	 * RELP is an application protocol over TCP (network.protocol).
	 */
	l->ident.transport = "tcp";
	l->ident.protocol = l->relp ? "relp" : NULL;
	l->ident.stats = &l->stats;
	l->ident.zone = ic->zone;
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	TAILQ_INIT(&l->conns);
	TAILQ_INIT(&l->stalled);
	TAILQ_INIT(&l->closed);
	TAILQ_INIT(&l->pending);
	l->backoff_ev = evtimer_new(base, tcp_backoffcb, l);
	l->close_ev = event_new(base, -1, 0, tcp_closedcb, l);
	l->pending_ev = evtimer_new(base, tcp_pendingcb, l);	/* a timer: see tcp_queue_pending */
	l->scratch = malloc(TCP_READ_CHUNK);
	if (l->ident.name == NULL || l->backoff_ev == NULL || l->close_ev == NULL ||
	    l->pending_ev == NULL || l->scratch == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (listen_tcp_policies(l, ic, err, errlen) == -1)
		goto fail;
	tcp_set_timeouts(l, ic);

	n = netaddr_resolve(ic, SOCK_STREAM, &res, err, errlen);
	if (n == -1)
		goto fail;
	l->listeners = calloc((size_t)n, sizeof(*l->listeners));
	if (l->listeners == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct evconnlistener *el;
		evutil_socket_t fd = netaddr_bind(ic, ai, err, errlen);

		if (fd == NETADDR_SKIPPED)
			continue;
		if (fd == -1)
			goto fail;
		el = evconnlistener_new(base, tcp_acceptcb, l,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, fd);
		if (el == NULL) {
			snprintf(err, errlen, "input %s: listen tcp %s: %s", ic->name,
			    ic->address, strerror(errno));
			close(fd);
			goto fail;
		}
		evconnlistener_set_error_cb(el, tcp_accept_errorcb);
		l->listeners[l->n_listeners++] = el;
	}
	freeaddrinfo(res);
	return l;
fail:
	if (res != NULL)
		freeaddrinfo(res);
	listen_tcp_free(l);
	return NULL;
}

void
listen_tcp_pause(struct listen_tcp *l, bool paused)
{
	struct tcp_conn *c;

	if (l->paused == paused)
		return;
	l->paused = paused;
	if (paused) {
		/* nothing to do now: each connection stops when next read (tcp_conn_stall) */
		stats_add(&l->stats.paused, 1);
		return;
	}
	/*
	 * In the order they stopped, frame what each holds (it would wait for
	 * the sender's next byte otherwise) and read it again.  A connection's
	 * frames may pause intake again: the rest stay stalled until the next
	 * resume, and that one stops again (TLS may hold decrypted bytes).
	 */
	while (!l->paused && (c = TAILQ_FIRST(&l->stalled)) != NULL) {
		TAILQ_REMOVE(&l->stalled, c, stall_entry);
		c->stalled = false;
		tcp_conn_update_reading(c);
		if (c->rate_paused)
			continue;
		tcp_frame_input(c, false);
		tcp_tls_drain_pending(c);
		if (l->paused)
			tcp_conn_stall(c);
	}
}

/*
 * Read what the sender already sent (up to TCP_READ_CHUNK; TLS: a record,
 * decrypted straight into the input buffer): the bytes read, 0 at the end
 * of the stream, -1 when there is nothing now (or on an error).
 */
static int
tcp_read_now(struct tcp_conn *c)
{
	struct evbuffer *in = tcp_conn_input(c);
	evutil_socket_t fd;
	struct evbuffer_iovec v;
	SSL *ssl;
	int n;

	if (c->bev == NULL)
		return tcp_plain_read_into(c, in);
	fd = bufferevent_getfd(c->bev);
	if (c->listener->tls == NULL)
		return fd == -1 ? -1 : evbuffer_read(in, fd, TCP_READ_CHUNK);
	if (c->handshaking || (ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL)
		return -1;
	if (evbuffer_reserve_space(in, TLS_READ_CHUNK, &v, 1) != 1)
		return -1;
	n = SSL_read(ssl, v.iov_base, (int)v.iov_len);
	if (n <= 0) {
		int e = SSL_get_error(ssl, n);

		ERR_clear_error();
		/* close_notify, end of stream or a TLS error: the end, as libevent reports it */
		return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? -1 : 0;
	}
	v.iov_len = (size_t)n;
	return evbuffer_commit_space(in, &v, 1) == 0 ? n : -1;
}

/*
 * At shutdown, read what the sender already handed to our kernel: without
 * it, the frame cut at the last read would be delivered half and the rest
 * lost although it reached this host.  *budget bounds the bytes read by
 * all connections (give or take a read), so senders that keep writing
 * cannot hold the exit back.  TLS: a read is a record, so what OpenSSL
 * read ahead (a buffer of records) is all framed within TCP_READ_CHUNK.
 */
static void
tcp_drain_socket(struct tcp_conn *c, size_t *budget)
{
	int n;

	while (*budget > 0) {
		n = tcp_read_now(c);
		if (n <= 0)
			break;	/* EOF, EAGAIN or an error: nothing more to take */
		*budget -= (size_t)n < *budget ? (size_t)n : *budget;
		tcp_frame_input(c, false);
	}
}

void
listen_tcp_shutdown(struct listen_tcp *l)
{
	size_t i, budget = TCP_SHUTDOWN_READ_MAX;
	struct tcp_conn *c, *next;

	l->shutting_down = true;
	/* closed now: a reload may bind the same address again at once */
	l->rate.interval_ms = 0;	/* at exit what was sent is kept, however fast */
	for (i = 0; i < l->n_listeners; i++)
		evconnlistener_free(l->listeners[i]);
	l->n_listeners = 0;
	event_del(l->backoff_ev);
	for (c = TAILQ_FIRST(&l->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		c->rate_paused = false;
		if (c->relp != NULL && !c->handshaking) {
			/*
			 * RELP: what is not delivered is not answered, so the
			 * sender keeps it; what is in flight is answered once
			 * written (tcp_relp_stop), else the sender would resend
			 * it: a duplicate.  listen_tcp_busy tells when done.
			 */
			tcp_relp_stop(c);
			continue;
		}
		if (c->relp == NULL) {
			tcp_drain_socket(c, &budget);
			tcp_frame_input(c, true);
		}
		tcp_conn_free(c);
	}
}

size_t
listen_tcp_busy(const struct listen_tcp *l)
{
	return l->n_conns;
}

void
listen_tcp_set_conf(struct listen_tcp *l, const struct input_conf *ic)
{
	l->conf = ic;
	l->ident.zone = ic->zone; /* a reload's top-level timezone */
	tcp_set_timeouts(l, ic);	/* for connections accepted from now on */
}

struct input_stats *
listen_tcp_stats(struct listen_tcp *l)
{
	return &l->stats;
}

void
listen_tcp_free(struct listen_tcp *l)
{
	struct tcp_conn *c;
	size_t i;

	if (l == NULL)
		return;
	while ((c = TAILQ_FIRST(&l->conns)) != NULL)
		tcp_conn_free(c);
	for (i = 0; i < l->n_listeners; i++)
		evconnlistener_free(l->listeners[i]);
	free(l->listeners);
	if (l->backoff_ev != NULL)
		event_free(l->backoff_ev);
	if (l->close_ev != NULL)
		event_free(l->close_ev);
	if (l->pending_ev != NULL)
		event_free(l->pending_ev);
	free((char *)l->ident.name);
	tls_server_free(l->tls);
	acl_free(&l->acl);
	peer_table_free(l->peers);
	if (l->spare_fd != -1)
		close(l->spare_fd);
	free(l->scratch);
	free(l);
}
