/*
 * listen_tcp.c: TCP intake.  Accept, read, frame, hand frames to the
 * pipeline; nothing else happens on this loop.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "conf.h"
#include "framing.h"
#include "listen_tcp.h"
#include "log.h"
#include "netaddr.h"
#include "pipeline.h"
#include "stats.h"

/* Bytes read from a connection in one go, on top of a pending partial frame. */
#define TCP_READ_CHUNK (64 * 1024)
/* Most bytes read at shutdown, all connections together (what senders already sent). */
#define TCP_SHUTDOWN_READ_MAX (256 * 1024 * 1024)
/* How long to stop accepting after EMFILE/ENFILE. */
#define ACCEPT_BACKOFF_MS 200

struct tcp_conn {
	TAILQ_ENTRY(tcp_conn) entry;
	struct listen_tcp *listener;
	struct bufferevent *bev;
	struct framer framer;
	struct peer_addr peer;
	struct timespec now;       /* receipt time of the current read */
};
TAILQ_HEAD(tcp_conn_list, tcp_conn);

struct listen_tcp {
	const struct input_conf *conf;  /* not owned */
	struct pipeline *pipeline;      /* not owned */
	struct event_base *base;
	struct input_ident ident;      /* its name is an owned copy: batches outlive a reload */
	struct input_stats stats;
	struct evconnlistener **listeners;
	size_t n_listeners;
	struct event *backoff_ev;
	struct tcp_conn_list conns;
	size_t n_conns;
	bool paused;
	bool shutting_down;
	uint64_t accept_errors_logged;
};

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
	pipeline_add(l->pipeline, &l->ident, frame, len, flags, &c->peer, &c->now);
}

/* Frame what is buffered; with eof, deliver the rest too. */
static void
tcp_frame_input(struct tcp_conn *c, bool eof)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), used;
	const char *data;

	if (len == 0)
		return;
	data = (const char *)evbuffer_pullup(in, -1);
	if (data == NULL) {
		log_warnx("input %s: out of memory framing a connection", c->listener->conf->name);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &c->now);
	used = framing_feed(&c->framer, data, len, eof, tcp_emitcb, c);
	evbuffer_drain(in, used);
}

/* The one destructor of a connection. */
static void
tcp_conn_free(struct tcp_conn *c)
{
	struct listen_tcp *l = c->listener;

	TAILQ_REMOVE(&l->conns, c, entry);
	l->n_conns--;
	stats_sub(&l->stats.connections_open, 1);
	bufferevent_free(c->bev);
	free(c);
}

static void
tcp_readcb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	/* Paused in this pass: the bytes wait in the buffer until resume frames them. */
	if (c->listener->paused)
		return;
	tcp_frame_input(c, false);
}

static void
tcp_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		stats_add(&c->listener->stats.idle_closed, 1);
	else if (what & BEV_EVENT_ERROR)
		log_debug("input %s: connection error: %s", c->listener->conf->name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	/* EOF, error or idle: whatever is left is the last frame. */
	tcp_frame_input(c, true);
	tcp_conn_free(c);
}

/* Count bytes as they arrive (the read callback sees them after buffering). */
static void
tcp_input_countcb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct tcp_conn *c = arg;

	if (info->n_added > 0)
		stats_add(&c->listener->stats.bytes, info->n_added);
}

static void
tcp_acceptcb(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listen_tcp *l = arg;
	struct tcp_conn *c;
	struct timeval idle;

	if (l->n_conns >= l->conf->max_connections || l->shutting_down) {
		stats_add(&l->stats.refused, 1);
		evutil_closesocket(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->listener = l;
	peer_addr_from_sockaddr(&c->peer, sa);
	framer_init(&c->framer, l->conf->max_message_size);
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, tcp_readcb, NULL, tcp_eventcb, c);
	/* Bounded buffering: stop reading once a partial frame and one read are held. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    framing_max_pending(&c->framer) + TCP_READ_CHUNK);
	evbuffer_add_cb(bufferevent_get_input(c->bev), tcp_input_countcb, c);
	if (l->conf->idle_timeout > 0) {
		idle.tv_sec = l->conf->idle_timeout;
		idle.tv_usec = 0;
		bufferevent_set_timeouts(c->bev, &idle, NULL);
	}
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	l->n_conns++;
	stats_add(&l->stats.connections, 1);
	stats_add(&l->stats.connections_open, 1);
	if (!l->paused)
		bufferevent_enable(c->bev, EV_READ);
	else
		bufferevent_disable(c->bev, EV_READ);
}

static void
tcp_backoffcb(evutil_socket_t fd, short what, void *arg)
{
	struct listen_tcp *l = arg;
	size_t i;

	for (i = 0; i < l->n_listeners; i++)
		evconnlistener_enable(l->listeners[i]);
}

/* accept() failed: out of descriptors must not become a busy loop. */
static void
tcp_accept_errorcb(struct evconnlistener *el, void *arg)
{
	struct listen_tcp *l = arg;
	struct timeval tv = { 0, ACCEPT_BACKOFF_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	size_t i;

	if (l->accept_errors_logged++ % 1000 == 0)
		log_warnx("input %s: accept: %s (%llu times so far)", l->conf->name,
		    evutil_socket_error_to_string(err),
		    (unsigned long long)l->accept_errors_logged);
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		for (i = 0; i < l->n_listeners; i++)
			evconnlistener_disable(l->listeners[i]);
		evtimer_add(l->backoff_ev, &tv);
	}
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
	l->ident.transport = "tcp";
	l->ident.stats = &l->stats;
	TAILQ_INIT(&l->conns);
	l->backoff_ev = evtimer_new(base, tcp_backoffcb, l);
	if (l->ident.name == NULL || l->backoff_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

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
	if (paused)
		stats_add(&l->stats.paused, 1);
	TAILQ_FOREACH(c, &l->conns, entry) {
		if (paused) {
			bufferevent_disable(c->bev, EV_READ);
		} else {
			bufferevent_enable(c->bev, EV_READ);
			/* Frames already buffered would wait for the next byte otherwise. */
			tcp_frame_input(c, false);
		}
	}
}

/*
 * At shutdown, read what the sender already handed to our kernel: without
 * it, the frame cut at the last read would be delivered half and the rest
 * lost although it reached this host.  *budget bounds the bytes read by
 * all connections, so senders that keep writing cannot hold the exit back.
 */
static void
tcp_drain_socket(struct tcp_conn *c, size_t *budget)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	int n;

	if (fd == -1)
		return;
	while (*budget >= TCP_READ_CHUNK) {
		n = evbuffer_read(in, fd, TCP_READ_CHUNK);
		if (n <= 0)
			break;	/* EOF, EAGAIN or an error: nothing more to take */
		*budget -= (size_t)n;
		tcp_frame_input(c, false);
	}
}

void
listen_tcp_shutdown(struct listen_tcp *l)
{
	size_t i, budget = TCP_SHUTDOWN_READ_MAX;
	struct tcp_conn *c;

	l->shutting_down = true;
	/* closed now: a reload may bind the same address again at once */
	for (i = 0; i < l->n_listeners; i++)
		evconnlistener_free(l->listeners[i]);
	l->n_listeners = 0;
	event_del(l->backoff_ev);
	while ((c = TAILQ_FIRST(&l->conns)) != NULL) {
		tcp_drain_socket(c, &budget);
		tcp_frame_input(c, true);
		tcp_conn_free(c);
	}
}

void
listen_tcp_set_conf(struct listen_tcp *l, const struct input_conf *ic)
{
	l->conf = ic;
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
	free((char *)l->ident.name);
	free(l);
}
