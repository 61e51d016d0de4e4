/*
 * listen_udp.c: UDP intake.  Reading is cheap on purpose: receive a batch
 * of datagrams, stamp them, hand them to the pipeline.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "acl.h"
#include "conf.h"
#include "framing.h"
#include "listen_udp.h"
#include "log.h"
#include "netaddr.h"
#include "peer_table.h"
#include "pipeline.h"
#include "stats.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

/* Datagrams received per recvmmsg call, and calls per wake-up. */
#define UDP_BATCH 64
#define UDP_CALLS_PER_WAKEUP 16
/* Largest UDP payload, plus one byte to notice anything larger. */
#define UDP_DATAGRAM_MAX 65536
/* Slots of the per-address rate table (UDP sources are easy to forge: bounded). */
#define UDP_PEER_SLOTS 16384
/* Seconds between two log lines about refused or rate-limited datagrams. */
#define UDP_LOG_INTERVAL 60

struct udp_socket {
	struct listen_udp *listener;
	int fd;
	struct event *read_ev;
	uint32_t last_overflow; /* SO_RXQ_OVFL is a running count per socket */
};

struct listen_udp {
	const struct input_conf *conf;  /* not owned */
	struct pipeline *pipeline;      /* not owned */
	struct input_ident ident;
	struct input_stats stats;
	struct udp_socket *sockets;
	size_t n_sockets;
	struct acl acl;
	struct peer_table *peers;	/* NULL without a rate limit */
	struct peer_entry overflow;	/* the rate window of addresses the table cannot hold */
	struct ratelimit rate;
	struct log_throttle refused_log, rate_log;
	/* Receive buffers shared by this input's sockets: one loop thread. */
	char *bufs;                     /* UDP_BATCH * (UDP_DATAGRAM_MAX + 1) */
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage addrs[UDP_BATCH];
	char cmsg[UDP_BATCH][CMSG_SPACE(sizeof(uint32_t))];
};

/* Account the kernel's drop counter carried in the control message. */
static void
udp_note_overflow(struct udp_socket *us, struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t n;

			memcpy(&n, CMSG_DATA(c), sizeof(n));
			if (n != us->last_overflow) {
				stats_add(&us->listener->stats.kernel_drops,
				    (uint32_t)(n - us->last_overflow));
				us->last_overflow = n;
			}
		}
	}
}

/* Log a dropped datagram through its throttle. */
static void
udp_log_drop(struct listen_udp *l, struct log_throttle *t, const struct peer_addr *pa,
    const char *why)
{
	char ip[INET6_ADDRSTRLEN];
	uint64_t held;

	if (log_throttle_due(t, UDP_LOG_INTERVAL, &held))
		log_warnx("input %s: datagram from %s dropped: %s (%llu more such since the last "
		    "report; counted in the statistics)", l->conf->name,
		    netaddr_peer_text(pa, ip, sizeof(ip)), why, (unsigned long long)held);
}

/* allow and the per-address rate: false when the datagram is to be dropped. */
static bool
udp_admit(struct listen_udp *l, const struct peer_addr *pa, uint64_t now_ms)
{
	struct peer_entry *e;
	uint64_t until;
	bool evicted;

	if (!acl_allows(&l->acl, pa)) {
		stats_add(&l->stats.refused_acl, 1);
		udp_log_drop(l, &l->refused_log, pa, "not in allow");
		return false;
	}
	if (l->peers == NULL)
		return true;
	/* UDP holds no connection: a new address always gets an entry */
	e = peer_table_get(l->peers, pa, now_ms, &evicted);
	if (evicted)
		stats_add(&l->stats.peer_table_full, 1);
	if (e == NULL)
		e = &l->overflow;
	if (ratelimit_take(e, &l->rate, now_ms, &until))
		return true;
	stats_add(&l->stats.rate_limited, 1);
	udp_log_drop(l, &l->rate_log, pa, "over ratelimit_burst in ratelimit_interval");
	return false;
}

/* Hand one datagram to the pipeline, minus trailing LF/CR/NUL. */
static void
udp_deliver(struct listen_udp *l, const char *data, size_t len, bool cut,
    const struct sockaddr *sa, const struct timespec *now, uint64_t now_ms)
{
	struct peer_addr peer;
	unsigned flags = 0;

	stats_add(&l->stats.bytes, len);
	peer_addr_from_sockaddr(&peer, sa);
	if (!udp_admit(l, &peer, now_ms))
		return;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
	    data[len - 1] == '\0'))
		len--;
	if (len == 0)
		return;
	if (cut || len > l->conf->max_message_size) {
		if (len > l->conf->max_message_size)
			len = l->conf->max_message_size;
		flags |= FRAME_TRUNCATED;
		stats_add(&l->stats.truncated, 1);
	}
	pipeline_add(l->pipeline, &l->ident, data, len, flags, &peer, NULL, now);
}

static void
udp_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_socket *us = arg;
	struct listen_udp *l = us->listener;
	struct timespec now;
	uint64_t now_ms;
	int calls, n, i;

	for (calls = 0; calls < UDP_CALLS_PER_WAKEUP; calls++) {
		/* Paused (now or earlier in this pass): leave the rest to the kernel's buffer. */
		if (pipeline_paused(l->pipeline))
			return;
		for (i = 0; i < UDP_BATCH; i++) {
			l->iov[i].iov_base = l->bufs + (size_t)i * (UDP_DATAGRAM_MAX + 1);
			l->iov[i].iov_len = UDP_DATAGRAM_MAX + 1;
			memset(&l->msgs[i].msg_hdr, 0, sizeof(l->msgs[i].msg_hdr));
			l->msgs[i].msg_hdr.msg_iov = &l->iov[i];
			l->msgs[i].msg_hdr.msg_iovlen = 1;
			l->msgs[i].msg_hdr.msg_name = &l->addrs[i];
			l->msgs[i].msg_hdr.msg_namelen = sizeof(l->addrs[i]);
			l->msgs[i].msg_hdr.msg_control = l->cmsg[i];
			l->msgs[i].msg_hdr.msg_controllen = sizeof(l->cmsg[i]);
		}
		n = recvmmsg(fd, l->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("input %s: recvmmsg", l->conf->name);
			return;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		now_ms = l->peers != NULL ? peer_table_now_ms() : 0;
		for (i = 0; i < n; i++) {
			struct msghdr *mh = &l->msgs[i].msg_hdr;
			size_t len = l->msgs[i].msg_len;
			bool cut = (mh->msg_flags & MSG_TRUNC) != 0 || len > UDP_DATAGRAM_MAX;

			udp_note_overflow(us, mh);
			if (len > UDP_DATAGRAM_MAX)
				len = UDP_DATAGRAM_MAX;
			udp_deliver(l, l->iov[i].iov_base, len, cut,
			    (struct sockaddr *)&l->addrs[i], &now, now_ms);
		}
		if (n < UDP_BATCH)
			return;
	}
}

/* recv_buffer on fd (0: the kernel's default, left as it is). */
static void
udp_set_recv_buffer(int fd, const struct input_conf *ic)
{
	int size = (int)ic->recv_buffer;

	if (size == 0)
		return;
	/* SO_RCVBUFFORCE passes the rmem_max cap when we are root. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* Bind one socket for ai with the UDP options: netaddr_bind's result. */
static int
udp_socket_open(const struct input_conf *ic, const struct addrinfo *ai,
    char *err, size_t errlen)
{
	int fd, on = 1;

	fd = netaddr_bind(ic, ai, err, errlen);
	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) == -1)
		log_warn("input %s: SO_RXQ_OVFL (kernel drops will not be counted)", ic->name);
	udp_set_recv_buffer(fd, ic);
	return fd;
}

struct listen_udp *
listen_udp_new(struct event_base *base, const struct input_conf *ic,
    struct pipeline *pipeline, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	struct listen_udp *l;
	int n;

	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->conf = ic;
	l->pipeline = pipeline;
	l->ident.name = strdup(ic->name);
	l->ident.transport = "udp";
	l->ident.stats = &l->stats;
	l->ident.zone = ic->zone;
	l->bufs = malloc((size_t)UDP_BATCH * (UDP_DATAGRAM_MAX + 1));
	if (l->ident.name == NULL || l->bufs == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (acl_init(&l->acl, ic->allow, ic->n_allow, err, errlen) == -1)
		goto fail;
	l->rate.interval_ms = (uint64_t)ic->ratelimit_interval * 1000;
	l->rate.burst = ic->ratelimit_burst;
	if (ic->ratelimit_interval > 0 && (l->peers = peer_table_new(UDP_PEER_SLOTS)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	n = netaddr_resolve(ic, SOCK_DGRAM, &res, err, errlen);
	if (n == -1)
		goto fail;
	l->sockets = calloc((size_t)n, sizeof(*l->sockets));
	if (l->sockets == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct udp_socket *us = &l->sockets[l->n_sockets];
		int fd = udp_socket_open(ic, ai, err, errlen);

		if (fd == NETADDR_SKIPPED)
			continue;
		if (fd == -1)
			goto fail;
		us->listener = l;
		us->fd = fd;
		us->read_ev = event_new(base, fd, EV_READ | EV_PERSIST, udp_readcb, us);
		l->n_sockets++;
		if (us->read_ev == NULL || event_add(us->read_ev, NULL) == -1) {
			snprintf(err, errlen, "input %s: cannot watch socket", ic->name);
			goto fail;
		}
	}
	freeaddrinfo(res);
	return l;
fail:
	if (res != NULL)
		freeaddrinfo(res);
	listen_udp_free(l);
	return NULL;
}

void
listen_udp_pause(struct listen_udp *l, bool paused)
{
	size_t i;

	for (i = 0; i < l->n_sockets; i++) {
		if (paused)
			event_del(l->sockets[i].read_ev);
		else
			event_add(l->sockets[i].read_ev, NULL);
	}
}

void
listen_udp_set_conf(struct listen_udp *l, const struct input_conf *ic)
{
	l->conf = ic;
	l->ident.zone = ic->zone; /* a reload's top-level timezone */
}

struct udp_retune {
	struct acl acl;
	struct peer_table *peers; /* a rate limit new to this input: its table; else NULL */
};

void
listen_udp_retune_free(struct udp_retune *rt)
{
	if (rt == NULL)
		return;
	acl_free(&rt->acl);
	peer_table_free(rt->peers);
	free(rt);
}

struct udp_retune *
listen_udp_retune_new(struct listen_udp *l, const struct input_conf *ic, char *err,
    size_t errlen)
{
	struct udp_retune *rt = calloc(1, sizeof(*rt));

	if (rt == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (acl_init(&rt->acl, ic->allow, ic->n_allow, err, errlen) == -1)
		goto fail;
	if (ic->ratelimit_interval > 0 && l->peers == NULL &&
	    (rt->peers = peer_table_new(UDP_PEER_SLOTS)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return rt;
fail:
	listen_udp_retune_free(rt);
	return NULL;
}

void
listen_udp_retune_apply(struct listen_udp *l, const struct input_conf *ic, struct udp_retune *rt)
{
	size_t i;

	if (ic->recv_buffer != l->conf->recv_buffer)
		for (i = 0; i < l->n_sockets; i++)
			udp_set_recv_buffer(l->sockets[i].fd, ic);
	listen_udp_set_conf(l, ic);
	acl_replace(&l->acl, &rt->acl);
	l->rate.interval_ms = (uint64_t)ic->ratelimit_interval * 1000;
	l->rate.burst = ic->ratelimit_burst;
	if (rt->peers != NULL) {
		l->peers = rt->peers;
		rt->peers = NULL;
	} else if (ic->ratelimit_interval == 0 && l->peers != NULL) {
		peer_table_free(l->peers);	/* no connection holds an entry: UDP has none */
		l->peers = NULL;
	}
	listen_udp_retune_free(rt);
	log_info("input %s: settings applied", ic->name);
}

/* Close every socket (once: shutdown and free both may ask). */
static void
udp_close_sockets(struct listen_udp *l)
{
	size_t i;

	for (i = 0; i < l->n_sockets; i++) {
		if (l->sockets[i].read_ev != NULL)
			event_free(l->sockets[i].read_ev);
		close(l->sockets[i].fd);
	}
	l->n_sockets = 0;
}

void
listen_udp_shutdown(struct listen_udp *l)
{
	size_t i;

	/* what the kernel already holds was received: one bounded read each */
	for (i = 0; i < l->n_sockets; i++)
		udp_readcb(l->sockets[i].fd, EV_READ, &l->sockets[i]);
	udp_close_sockets(l);
}

struct input_stats *
listen_udp_stats(struct listen_udp *l)
{
	return &l->stats;
}

void
listen_udp_free(struct listen_udp *l)
{
	if (l == NULL)
		return;
	udp_close_sockets(l);
	free(l->sockets);
	free(l->bufs);
	free((char *)l->ident.name);
	acl_free(&l->acl);
	peer_table_free(l->peers);
	free(l);
}
