/*
 * tcp_plain.c: plain TCP's reads.  No bufferevent: an edge-triggered read
 * event on the socket (with EV_CLOSED), one recv() of up to
 * TCP_READ_CHUNK a wake-up into the listener's scratch buffer, framed
 * where it landed; only an unfinished last frame is kept, in the
 * connection's input buffer.  libevent's socket bufferevent asked FIONREAD
 * before every readv (two system calls a wake-up), and stopped a
 * connection during a pause of intake with an epoll_ctl each way; with
 * thousands of senders of a message now and then, both were paid at
 * nearly every message.  Edge-triggered, what no event announces (the
 * rest after a full read, a pause or a rate window, the end after the
 * sender's shutdown) is read on the listener's pending list
 * (tcp_queue_pending).  TLS and RELP read through bufferevents
 * (listen_tcp.c), and so does plain TCP on a loop without edge-triggered
 * events (listener->plain_events).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "conf.h"
#include "listen_tcp_impl.h"
#include "log.h"
#include "stats.h"

/*
 * Plain TCP, at shutdown: read what the socket holds into the input
 * buffer (tcp_read_now's contract), counted as received.
 */
int
tcp_plain_read_into(struct tcp_conn *c, struct evbuffer *in)
{
	int n = evbuffer_read(in, c->fd, TCP_READ_CHUNK);

	if (n > 0)
		stats_add(&c->listener->stats.bytes, (uint64_t)n);
	return n;
}

/*
 * Plain TCP: frame data[0..n), just read into the listener's scratch
 * buffer.  With no partial frame held it is framed where it is and only
 * the unfinished tail is kept (the common case: no copy); else it joins
 * the held bytes first.  False when the connection was closed (a TLS
 * hello on plain TCP).
 */
static bool
tcp_plain_frame(struct tcp_conn *c, const char *data, size_t n)
{
	size_t used;

	if (evbuffer_get_length(c->in) == 0 && (c->sniffed || n >= 2)) {
		if (!c->sniffed && tcp_refuse_tls_hello(c, (const unsigned char *)data, n))
			return false;
		used = tcp_frame(c, data, n, false);
		/* the bytes are taken from the socket: out of memory here would lose them */
		if (used < n && evbuffer_add(c->in, data + used, n - used) == -1)
			fatalx("input %s: out of memory holding %zu bytes read",
			    c->listener->conf->name, n - used);
	} else {
		if (evbuffer_add(c->in, data, n) == -1)
			fatalx("input %s: out of memory holding %zu bytes read",
			    c->listener->conf->name, n);
		if (!c->sniffed && tcp_refuse_buffered_hello(c))
			return false;
		tcp_frame_held(c, false);
	}
	if (c->rate_until_ms != 0)
		tcp_rate_pause(c);
	return true;
}

/*
 * Plain TCP: one recv() of up to TCP_READ_CHUNK, framed at once.  The
 * read event is edge-triggered, so whatever may be left is put on the
 * pending list (the loop's next turn, behind the other connections): a
 * full read (more may wait), or the sender's shutdown (the read of its
 * end announces nothing more).  A short read of a stream socket leaves it
 * empty (epoll(7)).  The partial frame held plus a read stay within
 * tcp_conn_max_pending + TCP_READ_CHUNK, as the bufferevent's watermark did.
 */
void
tcp_plain_read(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;
	ssize_t n;

	if (c->closing || c->rate_paused)
		return;
	/* Paused: the bytes wait in the socket (the sender is slowed) until the resume. */
	if (l->paused) {
		tcp_conn_stall(c);
		return;
	}
	/* recv, not read: the socket call skips the file layer's checks and notifications */
	n = recv(c->fd, l->scratch, TCP_READ_CHUNK, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			log_debug("input %s: connection error: %s", l->conf->name,
			    strerror(errno));
		tcp_conn_end(c);	/* the rest is the last frame (tcp_closecb) */
		return;
	}
	stats_add(&l->stats.bytes, (uint64_t)n);
	if (!tcp_plain_frame(c, l->scratch, (size_t)n))
		return;
	if (l->paused)
		tcp_conn_stall(c);	/* the resume reads it again */
	else if (((size_t)n == TCP_READ_CHUNK || c->peer_closed) && !c->rate_paused)
		tcp_queue_pending(c);	/* rate-paused: the window's end reads it again */
}

/*
 * Plain TCP's read event (edge-triggered, with EV_CLOSED): the sender sent,
 * shut down, or was idle for idle_timeout.  A connection stopped by a
 * pause or its rate, or with a turn already pending, is not idle: its
 * sender waits for us.
 */
static void
tcp_plain_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)fd;
	if (what & EV_CLOSED)
		c->peer_closed = true;	/* noted even while stopped: no event repeats it */
	if (what & EV_TIMEOUT) {
		if (c->stalled || c->rate_paused || c->pending_queued)
			return;
		stats_add(&c->listener->stats.idle_closed, 1);
		tcp_conn_end(c);
		return;
	}
	if (c->stalled || c->pending_queued)
		return;	/* the resume or the pending turn reads it */
	tcp_plain_read(c);
}

int
tcp_plain_init(struct tcp_conn *c, evutil_socket_t fd)
{
	struct listen_tcp *l = c->listener;

	c->read_ev = event_new(l->base, fd, EV_READ | EV_CLOSED | EV_ET | EV_PERSIST,
	    tcp_plain_readcb, c);
	c->in = evbuffer_new();
	if (c->read_ev == NULL || c->in == NULL || event_add(c->read_ev, l->idle_tv) == -1) {
		if (c->read_ev != NULL)
			event_free(c->read_ev);
		if (c->in != NULL)
			evbuffer_free(c->in);
		c->read_ev = NULL;
		c->in = NULL;
		return -1;
	}
	c->fd = fd;
	return 0;
}
