/*
 * ack.c: written-message reports from the workers to the intake loop.
 * See ack.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <event2/event.h>

#include "ack.h"
#include "log.h"

struct ack_range {
	uint64_t lo, hi;
	bool written;
};

struct ack_sink {
	atomic_uint refs;
	struct event *ev;   /* runs ack_sinkcb on the intake loop */
	ack_written_fn *cb; /* intake loop only; NULL once detached */
	void *arg;
	pthread_mutex_t lock;	  /* guards the posted ranges */
	struct ack_range *posted; /* in posting order */
	size_t n, cap;
	bool failed; /* a range could not be kept (out of memory) */
};

/* Deliver what the workers posted since the last pass. */
static void
ack_sinkcb(evutil_socket_t fd, short what, void *arg)
{
	struct ack_sink *s = arg;
	struct ack_range *r;
	size_t n, i;
	bool failed;

	pthread_mutex_lock(&s->lock);
	r = s->posted;
	n = s->n;
	failed = s->failed;
	s->posted = NULL;
	s->n = s->cap = 0;
	s->failed = false;
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n && s->cb != NULL; i++)
		s->cb(s->arg, r[i].lo, r[i].hi, r[i].written);
	/* a lost report would hold the sender's window forever: end the session */
	if (failed && s->cb != NULL)
		s->cb(s->arg, 0, 0, false);
	free(r);
}

struct ack_sink *
ack_sink_new(struct event_base *base, ack_written_fn *cb, void *arg)
{
	struct ack_sink *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if ((s->ev = event_new(base, -1, 0, ack_sinkcb, s)) == NULL) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->refs, 1);
	s->cb = cb;
	s->arg = arg;
	return s;
}

void
ack_sink_hold(struct ack_sink *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void
ack_sink_release(struct ack_sink *s)
{
	if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	event_free(s->ev);
	pthread_mutex_destroy(&s->lock);
	free(s->posted);
	free(s);
}

void
ack_sink_post(struct ack_sink *s, uint64_t lo, uint64_t hi, bool written)
{
	bool wake;

	pthread_mutex_lock(&s->lock);
	wake = s->n == 0 && !s->failed;
	if (s->n == s->cap) {
		size_t ncap = s->cap > 0 ? s->cap * 2 : 8;
		struct ack_range *n = realloc(s->posted, ncap * sizeof(*n));

		if (n == NULL) {
			s->failed = true;
			pthread_mutex_unlock(&s->lock);
			if (wake)
				event_active(s->ev, 0, 0);
			return;
		}
		s->posted = n;
		s->cap = ncap;
	}
	s->posted[s->n++] = (struct ack_range){lo, hi, written};
	pthread_mutex_unlock(&s->lock);
	if (wake)
		event_active(s->ev, 0, 0);
}

void
ack_sink_detach(struct ack_sink *s)
{
	if (s == NULL)
		return;
	s->cb = NULL;
	ack_sink_release(s);
}
