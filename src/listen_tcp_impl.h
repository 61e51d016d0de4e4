/*
 * listen_tcp_impl.h: the insides of the TCP intake (listen_tcp.h), shared
 * by listen_tcp.c (accept, read, frame, limits, TLS), tcp_plain.c (plain
 * TCP's reads) and tcp_relp.c (a RELP session on a connection).  No other
 * file includes it.
 */
#ifndef LOGWARD_LISTEN_TCP_IMPL_H
#define LOGWARD_LISTEN_TCP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "acl.h"
#include "framing.h"
#include "log.h"
#include "peer.h"
#include "peer_table.h"
#include "pipeline.h"
#include "relp_frame.h"
#include "stats.h"
#include "tls.h"

struct ack_sink;
struct relp_session;

/* Bytes read from a connection in one go, on top of a pending partial frame. */
#define TCP_READ_CHUNK (64 * 1024)
/*
 * TLS: most plaintext libevent decrypts into the input buffer in one go:
 * one record (RFC 8446 5.1: 2^14 bytes).  An SSL_read returns one record
 * at most, so asking for more only grows the input buffer's chains: a
 * 64 KB request took a 128 KB chain a read, freed once framed, and with
 * many connections the heap shrank and grew back (page faults) all along.
 */
#define TLS_READ_CHUNK (16 * 1024)
/*
 * TLS: most bytes a connection's records read ahead are framed in one
 * turn (tcp_tls_drain_pending); the rest wait for the next turn of the
 * loop, behind the other connections (listener->pending).
 */
#define TLS_DRAIN_MAX (64 * 1024)
/* libevent 2.1 reads at most this much a wake-up (EVBUFFER_MAX_READ). */
#define LIBEVENT_READ_MAX 4096
/* Most bytes read at shutdown, all connections together (what senders already sent). */
#define TCP_SHUTDOWN_READ_MAX (256 * 1024 * 1024)
/* How long to stop accepting after EMFILE/ENFILE. */
#define ACCEPT_BACKOFF_MS 200
/* Seconds between two log lines about the same kind of refusal. */
#define TCP_LOG_INTERVAL 60
/* Most seconds a RELP connection reads (and drops) after its last answer, before closing. */
#define TCP_RELP_LINGER_S 2
/* Slots of the per-address table: at least this, and 4 per allowed connection. */
#define TCP_PEER_SLOTS_MIN 4096

TAILQ_HEAD(tcp_conn_list, tcp_conn);

struct tcp_conn {
	TAILQ_ENTRY(tcp_conn) entry;
	TAILQ_ENTRY(tcp_conn) stall_entry; /* in listener->stalled while stalled */
	TAILQ_ENTRY(tcp_conn) close_entry; /* in listener->closed while close_queued */
	TAILQ_ENTRY(tcp_conn) pending_entry; /* in listener->pending while pending_queued */
	struct listen_tcp *listener;
	/*
	 * TLS and RELP: the bufferevent (reads, decryption, RELP's answers).
	 * Plain TCP has none: an edge-triggered read event on the socket
	 * (read_ev), one read() a wake-up (tcp_plain_read), a partial frame
	 * held in "in".  libevent's socket bufferevent asks FIONREAD before
	 * every readv, two system calls a wake-up where one does, and with
	 * thousands of senders of a message now and then a wake-up is a
	 * message; and it stops a connection during a pause of intake with an
	 * epoll_ctl each way, which with thousands of senders is most of them
	 * at each pause.  Edge-triggered, a pause costs no system call.
	 */
	struct bufferevent *bev;
	struct event *read_ev;          /* plain TCP: the socket's read event; else NULL */
	struct evbuffer *in;            /* plain TCP: bytes after the last whole frame; else NULL */
	evutil_socket_t fd;             /* plain TCP: the socket, owned; else -1 */
	struct framer framer;
	struct peer_addr peer;
	struct peer_entry *per_address; /* in listener->peers, held; NULL: none or table full */
	struct peer_tls *tls;           /* TLS: what the handshake showed (a reference) */
	struct tls_verdict verdict;     /* TLS: why our certificate checks refused */
	struct event *rate_ev;          /* ends a rate-limit pause; made on first use */
	struct event *close_ev;         /* RELP: frames the rest and frees, once answered */
	uint64_t rate_until_ms;         /* over the rate: pause until then (0: not over) */
	size_t last_add;                /* bytes of the input buffer's latest addition */
	bool handshaking;               /* TLS: handshake not finished */
	bool rate_paused;
	bool stalled;                   /* not read until intake resumes (listener->stalled) */
	bool close_queued;              /* closed: framed and freed by listener->close_ev */
	bool pending_queued;            /* bytes wait for pending_ev (listener->pending) */
	bool peer_closed;               /* plain TCP: the sender shut down writing (EV_CLOSED) */
	bool closing;                   /* the sender closed: nothing more is read */
	bool sniffed;                   /* plain TCP: first bytes checked for a TLS hello */
	bool relp_ended;                /* RELP: nothing more is read; closing once sent */
	bool relp_lingering;            /* RELP: half-closed, reading until the sender closes */
	struct relp_session *relp;      /* RELP inputs: the session; else NULL */
	struct ack_sink *ack;           /* RELP: where the workers report writes */
	uint64_t relp_answered;         /* RELP: messages answered, as counted in stats */
	struct tls_server *tls_server;  /* TLS: held, what its SSL was made with (a reload may move on) */
	struct timespec now;            /* receipt time of the current read */
};

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
	/*
	 * Paused intake stops only the connections read while it lasts, in
	 * the order they were stopped: a pause and a resume cost those, not
	 * an epoll_ctl each way for every connection (listen_tcp_pause).
	 */
	struct tcp_conn_list stalled;
	/*
	 * idle_timeout and handshake_timeout as libevent common timeouts (a
	 * queue a duration: re-armed at each read in O(1), where a timer heap
	 * of 10,000 connections costs a walk of its depth); NULL: none.
	 */
	const struct timeval *idle_tv, *handshake_tv;
	/*
	 * Connections the sender closed (or idle, or in error), framed and
	 * freed by close_ev from the loop: one event for all of them instead
	 * of one made and freed at each close.
	 */
	struct tcp_conn_list closed;
	struct event *close_ev;
	/*
	 * Connections with bytes waiting that no read event will announce:
	 * TLS records read ahead and not framed yet (after the handshake, or
	 * past TLS_DRAIN_MAX in one turn), whose socket may be empty; plain
	 * TCP after a full read or a pause (its read event is edge-triggered).
	 * Read by pending_ev on the loop's next turn, one turn each, in order.
	 */
	struct tcp_conn_list pending;
	size_t n_pending;
	struct event *pending_ev;
	struct timeval idle_tv_buf, handshake_tv_buf;
	bool paused;
	bool shutting_down;
	struct tls_server *tls;         /* TLS inputs; NULL for plain TCP */
	bool relp;                      /* RELP inputs: sessions, not RFC 6587 frames */
	/*
	 * Plain TCP reads through its own edge-triggered read event (epoll);
	 * false when the loop's backend has no edge-triggered or early-close
	 * events (libevent's poll or select, EVENT_NOEPOLL): then plain TCP
	 * reads through a bufferevent, as RELP does.
	 */
	bool plain_events;
	struct acl acl;
	struct peer_table *peers;       /* NULL without per-address limits */
	struct peer_entry overflow;     /* the rate window of addresses the table cannot hold */
	struct ratelimit rate;
	int spare_fd;                   /* given up to accept-and-close when out of descriptors */
	char *scratch;                  /* TCP_READ_CHUNK bytes: plain reads, tcp_read_more; owned */
	struct log_throttle refused_log, tls_log, accept_log, relp_log;
};

/* Whether ic's limits need the per-address table, and its size (listen_tcp.c). */
bool tcp_needs_peers(const struct input_conf *ic);
size_t tcp_peer_slots(const struct input_conf *ic);
/* Log one refusal of a kind through its throttle (listen_tcp.c). */
void tcp_log_refusal(struct listen_tcp *l, struct log_throttle *t, const struct peer_addr *pa,
    const char *what, const char *why);
/* One message delivered: over its address's rate, the connection pauses after this read. */
void tcp_rate_take(struct tcp_conn *c);
/* The connection's close event: frame what is left and free (listen_tcp.c). */
void tcp_closecb(evutil_socket_t fd, short what, void *arg);
/* The connection's bufferevent events: errors, end of file, timeouts (listen_tcp.c). */
void tcp_eventcb(struct bufferevent *bev, short what, void *arg);

/* Frame data[0..len) received now (RELP: act on it); the bytes used (listen_tcp.c). */
size_t tcp_frame(struct tcp_conn *c, const char *data, size_t len, bool eof);
/* Frame what the connection's input buffer holds; with eof the rest too.  No rate check. */
void tcp_frame_held(struct tcp_conn *c, bool eof);
/* Over its rate: stop reading until the window ends (TCP slows the sender down). */
void tcp_rate_pause(struct tcp_conn *c);
/* Intake is paused and c was just read: stop reading it until the resume. */
void tcp_conn_stall(struct tcp_conn *c);
/* Plain TCP: close c if head[0..len) opens a TLS ClientHello; true when closed. */
bool tcp_refuse_tls_hello(struct tcp_conn *c, const unsigned char *head, size_t len);
/* tcp_refuse_tls_hello on what the input buffer holds. */
bool tcp_refuse_buffered_hello(struct tcp_conn *c);
/* Read c on the loop's next turn: bytes wait that no read event will announce. */
void tcp_queue_pending(struct tcp_conn *c);
/* The stream ended (or idle, or in error): stop reading; frame the rest and free from the loop. */
void tcp_conn_end(struct tcp_conn *c);

/*
 * Plain TCP's reads (tcp_plain.c).  tcp_plain_init: c's read event on fd
 * (taken on success) and its input buffer; -1 when out of memory.
 * tcp_plain_read: one read, framed.  tcp_plain_read_into: at shutdown,
 * what the socket holds into in (tcp_read_now's contract).
 */
int tcp_plain_init(struct tcp_conn *c, evutil_socket_t fd);
void tcp_plain_read(struct tcp_conn *c);
int tcp_plain_read_into(struct tcp_conn *c, struct evbuffer *in);

/* A RELP connection's session and ack sink (tcp_relp.c); -1 when out of memory. */
int tcp_relp_init(struct tcp_conn *c);
/*
 * RELP: act on the frames buffered in data[0..len); the bytes used (all of
 * them at eof: an unfinished frame is never answered, so it is resent).
 */
size_t tcp_relp_feed(struct tcp_conn *c, const char *data, size_t len, bool eof);
/*
 * The daemon stops (listen_tcp_shutdown), or a reload's allow refuses the
 * sender (tcp_retune.c): read nothing more, answer the messages in flight
 * once written, serverclose, close.  The connection stays on the
 * listener's list until then.
 */
void tcp_relp_stop(struct tcp_conn *c);

#endif
