/*
 * tcp_retune.c: a reload's new settings for a running TCP, TLS or RELP
 * listener whose transport and address stay, applied without closing its
 * sockets or its connections.  Reopening such an input closed every
 * connection (10,000 senders reconnecting at once, and what they had in
 * flight refused); a certificate renewed under the same file name was not
 * read until a restart.
 *
 * What can fail (allow, the TLS files, a larger per-address table) is made
 * beside the running listener first (listen_tcp_retune_new), so that a
 * failed reload leaves it untouched; the swap (listen_tcp_retune_apply)
 * cannot fail.  Open connections keep the certificate they were accepted
 * with (their SSL holds it) and their max_message_size (their framer's
 * bound, which its held bytes are sized by); limits, the rate and the
 * timeouts apply to them at once; a connection from an address the new
 * allow refuses is closed, what it sent archived (RELP: answered, then
 * serverclose).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conf.h"
#include "listen_tcp.h"
#include "listen_tcp_impl.h"
#include "log.h"
#include "peer_table.h"
#include "stats.h"
#include "tls.h"

struct tcp_retune {
	struct acl acl;
	struct tls_server *tls;   /* TLS: read again; NULL: the running one stays */
	struct peer_table *peers; /* a new (larger) table; NULL: the running one stays */
	bool drop_peers;          /* no limit needs a table any more: free the running one */
};

void
listen_tcp_retune_free(struct tcp_retune *rt)
{
	if (rt == NULL)
		return;
	acl_free(&rt->acl);
	tls_server_free(rt->tls);
	peer_table_free(rt->peers);
	free(rt);
}

/*
 * The TLS files of ic, read again.  unchanged: the TLS settings are those
 * the listener runs with, so a file that cannot be read now (a key only
 * root may read, after privileges were given up) keeps the running
 * context with a warning instead of failing the reload.
 */
static int
tcp_retune_tls(struct tcp_retune *rt, const struct input_conf *ic, bool unchanged, char *err,
    size_t errlen)
{
	if ((rt->tls = tls_server_new(ic, err, errlen)) != NULL)
		return 0;
	if (!unchanged)
		return -1;
	log_warnx("reload: %s; new connections keep the certificate read before", err);
	err[0] = '\0';
	return 0;
}

struct tcp_retune *
listen_tcp_retune_new(struct listen_tcp *l, const struct input_conf *ic, bool unchanged,
    char *err, size_t errlen)
{
	struct tcp_retune *rt = calloc(1, sizeof(*rt));
	size_t slots = tcp_peer_slots(ic);

	/* room for every open connection: a lowered max_connections leaves them open */
	if (slots < 2 * l->n_conns)
		slots = 2 * l->n_conns;
	if (rt == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (acl_init(&rt->acl, ic->allow, ic->n_allow, err, errlen) == -1)
		goto fail;
	if (l->tls != NULL && tcp_retune_tls(rt, ic, unchanged, err, errlen) == -1)
		goto fail;
	if (tcp_needs_peers(ic) && (l->peers == NULL || peer_table_size(l->peers) < slots) &&
	    (rt->peers = peer_table_new(slots)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rt->drop_peers = !tcp_needs_peers(ic) && l->peers != NULL;
	return rt;
fail:
	listen_tcp_retune_free(rt);
	return NULL;
}

/*
 * Move every connection's hold to the new table t, made with room for
 * them all (listen_tcp_retune_new; should one not find an entry it goes
 * without, as when a table is full at accept: the overflow window limits
 * its rate), and free the old one.  t NULL: no table any more.
 */
static void
tcp_retune_rehome(struct listen_tcp *l, struct peer_table *t)
{
	uint64_t now_ms = peer_table_now_ms();
	struct tcp_conn *c;
	bool evicted;

	TAILQ_FOREACH(c, &l->conns, entry) {
		if (c->per_address != NULL)
			peer_table_release(l->peers, c->per_address);
		c->per_address = NULL;
		if (t != NULL && (c->per_address = peer_table_get(t, &c->peer, now_ms, &evicted)) != NULL)
			peer_table_hold(t, c->per_address);
	}
	peer_table_free(l->peers);
	l->peers = t;
}

/*
 * c's timeout from the listener's (plain: its read event; else its
 * bufferevent); stopped by a rate limit the reload took away, it resumes
 * on the loop's next turn rather than at the end of its window.
 */
static void
tcp_retune_timeout(struct listen_tcp *l, struct tcp_conn *c)
{
	static const struct timeval now = { 0, 0 };

	if (c->rate_paused && l->rate.interval_ms == 0)
		evtimer_add(c->rate_ev, &now);
	if (c->read_ev != NULL)
		event_add(c->read_ev, l->idle_tv);
	else if (c->bev != NULL)
		bufferevent_set_timeouts(c->bev, c->handshaking ? l->handshake_tv : l->idle_tv, NULL);
}

void
listen_tcp_retune_apply(struct listen_tcp *l, const struct input_conf *ic, struct tcp_retune *rt)
{
	struct tcp_conn *c;
	size_t kept = 0, closed = 0;

	listen_tcp_set_conf(l, ic);
	acl_replace(&l->acl, &rt->acl);
	if (rt->tls != NULL) {
		tls_server_free(l->tls);	/* connections made with it hold it */
		l->tls = rt->tls;
		rt->tls = NULL;
	}
	l->rate.interval_ms = (uint64_t)ic->ratelimit_interval * 1000;
	l->rate.burst = ic->ratelimit_burst;
	if (rt->peers != NULL || rt->drop_peers) {
		tcp_retune_rehome(l, rt->peers);
		rt->peers = NULL;
	}
	listen_tcp_retune_free(rt);
	TAILQ_FOREACH(c, &l->conns, entry) {
		if (c->closing)
			continue;
		if (!acl_allows(&l->acl, &c->peer)) {
			stats_add(&l->stats.refused_acl, 1);	/* logged below, in one line */
			/*
			 * RELP: what the session took is answered once written, then
			 * serverclose; ended at once, the sender would send it again
			 * when it is allowed back, and it would be archived twice.
			 */
			if (c->relp != NULL)
				tcp_relp_stop(c);
			else
				tcp_conn_end(c);
			closed++;
			continue;
		}
		tcp_retune_timeout(l, c);
		kept++;
	}
	log_info("input %s: settings applied, %zu connection%s kept, %zu closed (not in allow)",
	    ic->name, kept, kept == 1 ? "" : "s", closed);
}
