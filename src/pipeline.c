/*
 * pipeline.c: batches from the intake loop to the processing workers: the
 * intake side, the batch pool and the generations of outputs (the workers
 * are pipeline_worker.c).  See pipeline.h for the contract and the
 * backpressure rule.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ack.h"
#include "log.h"
#include "monotime.h"
#include "pipeline.h"
#include "pipeline_impl.h"
#include "process.h"
#include "ruleset.h"
#include "stats.h"

/* Allocate an empty batch; NULL when out of memory. */
static struct batch *
batch_new(void)
{
	struct batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->data = malloc(BATCH_DATA_INITIAL);
	b->items = calloc(BATCH_ITEMS_INITIAL, sizeof(*b->items));
	if (b->data == NULL || b->items == NULL) {
		free(b->data);
		free(b->items);
		free(b);
		return NULL;
	}
	b->cap = BATCH_DATA_INITIAL;
	b->items_cap = BATCH_ITEMS_INITIAL;
	b->seq = PRODUCE_SEQ_NONE;
	strbuf_init(&b->produce);
	return b;
}

/*
 * Drop the references of a batch's items and empty it.  A run of items
 * from one connection holds one reference of each kind, by its first item
 * (pipeline_add_acked): a reference a message was an atomic operation on a
 * line the intake and the workers both write.
 */
static void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (i == 0 || b->items[i - 1].tls != b->items[i].tls)
			peer_tls_release(b->items[i].tls);
		if (i == 0 || b->items[i - 1].ack != b->items[i].ack)
			ack_sink_release(b->items[i].ack);
	}
	b->n = 0;
	b->used = 0;
}

static void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_clear(b);
	pipeline_order_clear(b, false);
	free(b->data);
	free(b->items);
	free(b);
}

/* Make room for one more item of len bytes; -1 when out of memory. */
static int
batch_reserve(struct batch *b, size_t len)
{
	if (b->n == b->items_cap) {
		size_t ncap = b->items_cap * 2;
		struct batch_item *ni = realloc(b->items, ncap * sizeof(*ni));

		if (ni == NULL)
			return -1;
		b->items = ni;
		b->items_cap = ncap;
	}
	if (b->cap - b->used < len) {
		size_t ncap = b->cap;
		char *nd;

		while (ncap - b->used < len)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return -1;
		nd = realloc(b->data, ncap);
		if (nd == NULL)
			return -1;
		b->data = nd;
		b->cap = ncap;
	}
	return 0;
}

/*
 * Worker side: take the next batch, or NULL when stopping and the queue is
 * empty.  Taking the last queued batch asks intake for the partial batch it
 * held back (pipeline_flushcb), so the queue is refilled before it runs dry.
 */
struct batch *
pipeline_queue_pop(struct pipeline *p)
{
	struct batch *b;
	bool want_flush = false;

	pthread_mutex_lock(&p->lock);
	while (p->queue_head == NULL && !p->stopping) {
		if (p->flush_deferred) {
			/* never call into libevent under our lock */
			p->flush_deferred = false;
			pthread_mutex_unlock(&p->lock);
			event_active(p->flush_ev, 0, 0);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		pthread_cond_wait(&p->work_cv, &p->lock);
	}
	b = p->queue_head;
	if (b != NULL) {
		p->queue_head = b->next;
		if (p->queue_head == NULL)
			p->queue_tail = NULL;
		b->next = NULL;
	}
	if (p->queue_head == NULL && p->flush_deferred) {
		p->flush_deferred = false;
		want_flush = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (want_flush)
		event_active(p->flush_ev, 0, 0);
	return b;
}

/* Free batches that let a paused intake resume. */
static unsigned
resume_threshold(const struct pipeline *p)
{
	return p->pool_size / 4 > 0 ? p->pool_size / 4 : 1;
}

/* Worker side: give a processed batch back, waking intake if it waits for one. */
void
pipeline_batch_release(struct pipeline *p, struct batch *b)
{
	bool wake = false;

	struct generation *g = b->gen;
	bool reclaim;

	batch_clear(b);
	pipeline_order_clear(b, true);
	b->gen = NULL;
	b->seq = PRODUCE_SEQ_NONE;
	if (b->cap > BATCH_DATA_INITIAL) {
		/* grown for one large frame: back to the pool's size */
		char *nd = realloc(b->data, BATCH_DATA_INITIAL);

		if (nd != NULL) {
			b->data = nd;
			b->cap = BATCH_DATA_INITIAL;
		}
	}
	pthread_mutex_lock(&p->lock);
	reclaim = --g->batches == 0 && g->retired && g == p->gen_oldest;
	if (p->n_live > p->pool_size) {
		/* an overflow batch made while paused: do not keep it */
		p->n_live--;
		batch_free(b);
	} else {
		b->next = p->free_list;
		p->free_list = b;
		p->n_free++;
		if (p->intake_waiting)
			pthread_cond_signal(&p->free_cv);
	}
	/*
	 * Resume a paused intake once a quarter of the pool is free, not at the
	 * first free batch: each resume re-enables every connection (an
	 * epoll_ctl each), and a pool refilled one batch at a time would pause
	 * and resume once a batch.
	 */
	if (p->resume_wanted && p->n_free >= resume_threshold(p)) {
		p->resume_wanted = false;
		wake = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (wake)
		event_active(p->resume_ev, 0, 0);
	if (reclaim)
		event_active(p->reclaim_ev, 0, 0);
}

/*
 * Under the lock: b joins the queue under the newest generation.  A batch
 * that will produce to Kafka takes the next seq, in the order intake
 * received its messages (pipeline_order.c).
 */
static void
pipeline_enqueue_locked(struct pipeline *p, struct batch *b)
{
	b->gen = p->gen_newest;
	b->gen->batches++;
	b->seq = b->gen->out.kafka != NULL ? p->submit_seq++ : PRODUCE_SEQ_NONE;
	if (p->queue_tail != NULL)
		p->queue_tail->next = b;
	else
		p->queue_head = b;
	p->queue_tail = b;
}

/*
 * Under the lock, with no batch free: wait up to PAUSE_WAIT_NS for a worker
 * to release one.  Under a flood the workers release a batch every
 * millisecond or two, and pausing instead disables and then re-enables
 * every connection, an epoll_ctl each: with 10,000 senders that was 100,000
 * system calls for 400,000 messages.  The loop stalls for at most this
 * long; an output that is stuck (a full disk) still pauses the inputs.
 */
static void
pipeline_wait_free_locked(struct pipeline *p)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->pause_wait_ns / 1000000000L;
	until.tv_nsec += p->pause_wait_ns % 1000000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	p->intake_waiting = true;
	while (p->free_list == NULL && !p->stopping && p->n_running > 0) {
		if (pthread_cond_timedwait(&p->free_cv, &p->lock, &until) != 0)
			break;
	}
	p->intake_waiting = false;
}

/* Intake side: queue the current batch and take a free one, or pause. */
static void
pipeline_submit(struct pipeline *p)
{
	struct batch *b = p->current;
	bool pause_now = false;

	if (b == NULL || b->n == 0)
		return;
	pthread_mutex_lock(&p->lock);
	pipeline_enqueue_locked(p, b);
	pthread_cond_signal(&p->work_cv);
	if (p->free_list == NULL && !p->stopping)
		pipeline_wait_free_locked(p);
	p->current = p->free_list;
	if (p->current != NULL) {
		p->n_free--;
		p->free_list = p->current->next;
		p->current->next = NULL;
	} else if (!p->stopping) {
		p->resume_wanted = true;
		pause_now = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (pause_now && !p->paused) {
		p->paused = true;
		log_debug("pipeline: all %u batches in use, intake paused", p->pool_size);
		p->pause_cb(p->pause_arg, true);
	}
}

/*
 * End of a loop pass: hand the partial batch over at once when the
 * workers have nothing queued (low latency when traffic is light).  When
 * batches are still queued the workers cannot get to it sooner anyway:
 * keep filling it, and let the worker that takes the last queued batch ask
 * for it (pipeline_queue_pop).  Under load, batches are full; a lone fast sender
 * does not turn into one hand-off (and one archive write) per read.
 */
static void
pipeline_flushcb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;
	bool defer;

	p->flush_scheduled = false;
	if (p->current == NULL || p->current->n == 0)
		return;
	pthread_mutex_lock(&p->lock);
	defer = p->queue_head != NULL && !p->stopping;
	p->flush_deferred = defer;
	pthread_mutex_unlock(&p->lock);
	if (!defer)
		pipeline_submit(p);
	else if (!event_pending(p->hold_ev, EV_TIMEOUT, NULL)) {
		struct timeval tv = { 0, FLUSH_HOLD_MAX_US };

		event_add(p->hold_ev, &tv);
	}
}

/*
 * A partial batch was held back FLUSH_HOLD_MAX_US ago: hand it over now,
 * busy workers or not, so that an accepted message reaches the archive's
 * write() within a few milliseconds whatever the batching does.  (It may
 * be a younger batch by now: handing that one over early costs nothing.)
 */
static void
pipeline_holdcb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;

	if (p->current == NULL || p->current->n == 0)
		return;
	pthread_mutex_lock(&p->lock);
	p->flush_deferred = false;
	pthread_mutex_unlock(&p->lock);
	pipeline_submit(p);
}

static void
pipeline_resumecb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;

	pthread_mutex_lock(&p->lock);
	if (p->current == NULL && p->free_list != NULL) {
		p->n_free--;
		p->current = p->free_list;
		p->free_list = p->current->next;
		p->current->next = NULL;
	}
	if (p->current == NULL)
		p->resume_wanted = true; /* raced with another taker: wait again */
	pthread_mutex_unlock(&p->lock);
	if (p->current != NULL && p->paused) {
		p->paused = false;
		log_debug("pipeline: batch free again, intake resumed");
		p->pause_cb(p->pause_arg, false);
	}
}

void
pipeline_add(struct pipeline *p, const struct input_ident *input,
    const char *frame, size_t len, unsigned frame_flags,
    const struct peer_addr *peer, struct peer_tls *tls, const struct timespec *received)
{
	pipeline_add_acked(p, input, frame, len, frame_flags, peer, tls, received, NULL, 0);
}

void
pipeline_add_acked(struct pipeline *p, const struct input_ident *input,
    const char *frame, size_t len, unsigned frame_flags,
    const struct peer_addr *peer, struct peer_tls *tls, const struct timespec *received,
    struct ack_sink *ack, uint64_t ack_seq)
{
	struct batch_item *it, *prev;
	struct batch *b;

	/*
	 * A frame that does not fit goes to the next batch, so batches keep
	 * their size: one grown past it by each last frame would double the
	 * pool's memory over a long run.  Only a lone frame larger than a
	 * batch grows one (and pipeline_batch_release shrinks it back).
	 */
	if (p->current != NULL && p->current->n > 0 && p->current->cap - p->current->used < len)
		pipeline_submit(p);
	if (p->current == NULL) {
		/* Data read in the same loop iteration as the pause: keep it. */
		b = batch_new();
		if (b == NULL) {
			log_warnx("out of memory: message from input %s lost", input->name);
			if (ack != NULL) /* not acknowledged: the sender keeps it */
				ack_sink_post(ack, ack_seq, ack_seq, false);
			return;
		}
		pthread_mutex_lock(&p->lock);
		p->n_live++;
		pthread_mutex_unlock(&p->lock);
		p->current = b;
	}
	b = p->current;
	if (batch_reserve(b, len) == -1) {
		log_warnx("out of memory: message from input %s lost", input->name);
		if (ack != NULL) /* not acknowledged: the sender keeps it */
			ack_sink_post(ack, ack_seq, ack_seq, false);
		return;
	}
	/* the previous item of the batch holds the run's references (batch_clear) */
	prev = b->n > 0 ? &b->items[b->n - 1] : NULL;
	it = &b->items[b->n++];
	it->off = (uint32_t)b->used;
	it->len = (uint32_t)len;
	it->flags = frame_flags;
	it->input = input;
	it->zone = input->zone;
	it->received = *received;
	if (peer != NULL)
		it->peer = *peer;
	else
		memset(&it->peer, 0, sizeof(it->peer));
	it->tls = tls;
	if (tls != NULL && (prev == NULL || prev->tls != tls))
		peer_tls_hold(tls);
	it->ack = ack;
	it->ack_seq = ack_seq;
	if (ack != NULL && (prev == NULL || prev->ack != ack))
		ack_sink_hold(ack);
	memcpy(b->data + b->used, frame, len);
	b->used += len;
	stats_add(&input->stats->messages, 1);
	/* A full batch goes at once: one read of a fast sender fills many. */
	if (b->used >= BATCH_DATA_INITIAL || b->n >= BATCH_ITEMS_INITIAL) {
		pipeline_submit(p);
		return;
	}
	if (!p->flush_scheduled) {
		p->flush_scheduled = true;
		event_active(p->flush_ev, 0, 0);
	}
}

void
pipeline_set_correlate(struct pipeline *p, struct correlate *c)
{
	unsigned i;

	/* under the lock the workers take for each batch: they see it before any */
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n_workers; i++)
		processor_set_correlate(&p->workers[i].proc, c);
	pthread_mutex_unlock(&p->lock);
}

void
pipeline_set_merge(struct pipeline *p, struct alert_merge *m)
{
	/* as pipeline_set_correlate: under the lock, before any batch */
	pthread_mutex_lock(&p->lock);
	p->merge = m;
	pthread_mutex_unlock(&p->lock);
}

void
pipeline_set_stamp(struct pipeline *p, struct alert_ids *ids, const char *observer_hostname)
{
	unsigned i;

	/* as pipeline_set_correlate: under the lock, before any batch */
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n_workers; i++)
		processor_set_stamp(&p->workers[i].proc, ids, observer_hostname);
	pthread_mutex_unlock(&p->lock);
}

void
pipeline_set_pause_wait(struct pipeline *p, long ns)
{
	pthread_mutex_lock(&p->lock);
	p->pause_wait_ns = ns > 0 ? ns : 0;
	pthread_mutex_unlock(&p->lock);
}

bool
pipeline_paused(const struct pipeline *p)
{
	return p->paused;
}

void
pipeline_flush(struct pipeline *p)
{
	pipeline_submit(p);
}

unsigned
pipeline_worker_count(const struct pipeline *p)
{
	return p->n_workers;
}

/* Decide the worker count: 0 means one per online core. */
unsigned
pipeline_workers_for(unsigned requested)
{
	long n;

	if (requested > 0)
		return requested;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/*
 * Run the retire callbacks of the oldest generations whose batches are all
 * done, in swap order: a later generation never goes before an earlier
 * one, so a listener retired with it is named by no batch still queued.
 */
static void
pipeline_reclaim(struct pipeline *p)
{
	struct generation *g;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		g = p->gen_oldest;
		if (g == NULL || !g->retired || g->batches > 0) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
		p->gen_oldest = g->next;
		pthread_mutex_unlock(&p->lock);
		if (g->retire != NULL)
			g->retire(g->retire_arg);
		free(g);
	}
}

static void
pipeline_reclaimcb(evutil_socket_t fd, short what, void *arg)
{
	pipeline_reclaim(arg);
}

/* A generation for out, not yet in the list; NULL when out of memory. */
static struct generation *
generation_new(const struct pipeline_outputs *out)
{
	struct generation *g = calloc(1, sizeof(*g));

	if (g != NULL)
		g->out = *out;
	return g;
}

void
pipeline_swap(struct pipeline *p, const struct pipeline_outputs *out,
    pipeline_retire_fn *retire, void *arg)
{
	struct generation *g;

	/* Everything added so far belongs to the old generation. */
	pipeline_submit(p);
	if ((g = generation_new(out)) == NULL)
		fatalx("out of memory swapping the configuration");
	pthread_mutex_lock(&p->lock);
	p->gen_newest->retire = retire;
	p->gen_newest->retire_arg = arg;
	p->gen_newest->retired = true;
	p->gen_newest->next = g;
	p->gen_newest = g;
	pthread_mutex_unlock(&p->lock);
	/* nothing in flight: retire at once (on the loop, like every retirement) */
	event_active(p->reclaim_ev, 0, 0);
}

/* Make the pool's batches; the first is the current one.  -1 with err set. */
static int
pipeline_fill_pool(struct pipeline *p, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < p->pool_size; i++) {
		struct batch *b = batch_new();

		if (b == NULL) {
			snprintf(err, errlen, "out of memory for %u batches", p->pool_size);
			return -1;
		}
		b->next = p->free_list;
		p->free_list = b;
		p->n_live++;
	}
	p->n_free = p->pool_size - 1;
	p->current = p->free_list;
	p->free_list = p->current->next;
	p->current->next = NULL;
	return 0;
}

/*
 * Start pipeline_workers_for(workers) workers, each with its own
 * processor over out's rules.  -1 with err set (those started are
 * counted in n_running, for pipeline_drain).
 */
static int
pipeline_start_workers(struct pipeline *p, unsigned workers, const struct pipeline_outputs *out,
    char *err, size_t errlen)
{
	unsigned i;

	p->n_workers = pipeline_workers_for(workers);
	if (out->rules->n_norms < p->n_workers) {
		snprintf(err, errlen, "%u workers but %u normalizers", p->n_workers,
		    out->rules->n_norms);
		return -1;
	}
	if ((p->workers = calloc(p->n_workers, sizeof(*p->workers))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];

		w->pipeline = p;
		w->index = i;
		strbuf_init(&w->out);
		strbuf_init(&w->alerts_out);
		processor_init_shared(&w->proc);
	}
	for (i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];
		int rc = pthread_create(&w->thread, NULL, pipeline_worker_main, w);

		if (rc != 0) {
			snprintf(err, errlen, "cannot start worker thread: %s", strerror(rc));
			return -1;
		}
		w->started = true;
		pthread_mutex_lock(&p->lock);
		p->n_running++;
		pthread_mutex_unlock(&p->lock);
	}
	return 0;
}

/* A condition variable timed on CLOCK_MONOTONIC (a clock step must not stretch a back-off). */
static void
pipeline_monotonic_cond(pthread_cond_t *cv)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &attr);
	pthread_condattr_destroy(&attr);
}

const char *
pipeline_output_name(enum pipeline_output o)
{
	return o == PIPELINE_ALERTS ? "alerts" : "archive";
}

void
pipeline_note_write(struct pipeline *p, enum pipeline_output o, bool failed, bool *failing,
    size_t given_up)
{
	if (failed)
		atomic_fetch_add_explicit(&p->write_errors[o], 1, memory_order_relaxed);
	if (failed && !*failing)
		atomic_fetch_add_explicit(&p->retrying[o], 1, memory_order_relaxed);
	else if (!failed && *failing)
		atomic_fetch_sub_explicit(&p->retrying[o], 1, memory_order_relaxed);
	*failing = failed;
	if (given_up > 0)
		atomic_fetch_add_explicit(&p->given_up[o], given_up, memory_order_relaxed);
}

void
pipeline_get_write_stats(const struct pipeline *p, struct pipeline_write_stats *st)
{
	int o;

	for (o = 0; o < PIPELINE_N_OUTPUTS; o++) {
		st->errors[o] = atomic_load_explicit(&p->write_errors[o], memory_order_relaxed);
		st->failing[o] = atomic_load_explicit(&p->retrying[o], memory_order_relaxed) > 0;
		st->given_up[o] = atomic_load_explicit(&p->given_up[o], memory_order_relaxed);
	}
}

struct pipeline *
pipeline_new(struct event_base *base, unsigned workers, unsigned queue_batches,
    const struct pipeline_outputs *out, pipeline_pause_fn *pause_cb, void *pause_arg,
    char *err, size_t errlen)
{
	struct pipeline *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->base = base;
	p->gen_oldest = p->gen_newest = generation_new(out);
	p->pause_cb = pause_cb;
	p->pause_arg = pause_arg;
	p->pool_size = queue_batches < 2 ? 2 : queue_batches;
	p->pause_wait_ns = PAUSE_WAIT_NS;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->order_lock, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pipeline_monotonic_cond(&p->retry_cv);
	pipeline_monotonic_cond(&p->free_cv);
	p->flush_ev = event_new(base, -1, 0, pipeline_flushcb, p);
	p->hold_ev = evtimer_new(base, pipeline_holdcb, p);
	p->resume_ev = event_new(base, -1, 0, pipeline_resumecb, p);
	p->reclaim_ev = event_new(base, -1, 0, pipeline_reclaimcb, p);
	if (p->gen_newest == NULL || p->flush_ev == NULL || p->hold_ev == NULL ||
	    p->resume_ev == NULL || p->reclaim_ev == NULL) {
		snprintf(err, errlen, "cannot create pipeline events");
		goto fail;
	}
	event_priority_set(p->flush_ev, FLUSH_PRIORITY);

	if (pipeline_fill_pool(p, err, errlen) == -1 ||
	    pipeline_start_workers(p, workers, out, err, errlen) == -1)
		goto fail;
	return p;
fail:
	pipeline_drain(p);
	pipeline_free(p);
	return NULL;
}

static void
pipeline_stoppedcb(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline *p = arg;

	p->stopped_cb(p->stopped_arg);
}

void
pipeline_stop(struct pipeline *p, pipeline_stopped_fn *cb, void *arg)
{
	bool done;

	if (cb != NULL && p->stopped_ev == NULL) {
		p->stopped_cb = cb;
		p->stopped_arg = arg;
		if ((p->stopped_ev = event_new(p->base, -1, 0, pipeline_stoppedcb, p)) == NULL)
			fatalx("out of memory stopping the pipeline");
	}
	/*
	 * Queue the last batch and say "stopping" in one critical section: a
	 * worker that saw "stopping" and an empty queue in between would exit
	 * and leave that batch unprocessed.
	 */
	pthread_mutex_lock(&p->lock);
	if (p->current != NULL && p->current->n > 0) {
		pipeline_enqueue_locked(p, p->current);
		p->current = NULL;
	}
	if (!p->stopping)
		p->stop_ns = monotime_ns();
	p->stopping = true;
	pthread_cond_broadcast(&p->work_cv);
	pthread_cond_broadcast(&p->retry_cv);
	done = p->n_running == 0;
	pthread_mutex_unlock(&p->lock);
	if (done && p->stopped_ev != NULL)
		event_active(p->stopped_ev, 0, 0);
}

void
pipeline_drain(struct pipeline *p)
{
	unsigned i;

	pipeline_stop(p, NULL, NULL);
	for (i = 0; p->workers != NULL && i < p->n_workers; i++) {
		if (p->workers[i].started) {
			pthread_join(p->workers[i].thread, NULL);
			p->workers[i].started = false;
		}
	}
	pipeline_reclaim(p);
}

void
pipeline_free(struct pipeline *p)
{
	struct generation *g;
	struct batch *b;
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; p->workers != NULL && i < p->n_workers; i++) {
		processor_fini(&p->workers[i].proc);
		strbuf_free(&p->workers[i].out);
		strbuf_free(&p->workers[i].alerts_out);
		free(p->workers[i].unwritten);
	}
	free(p->workers);
	while ((b = p->free_list) != NULL) {
		p->free_list = b->next;
		batch_free(b);
	}
	while ((b = p->queue_head) != NULL) {
		p->queue_head = b->next;
		batch_free(b);
	}
	batch_free(p->current);
	while ((g = p->gen_oldest) != NULL) {
		p->gen_oldest = g->next;
		free(g);
	}
	if (p->flush_ev != NULL)
		event_free(p->flush_ev);
	if (p->hold_ev != NULL)
		event_free(p->hold_ev);
	if (p->resume_ev != NULL)
		event_free(p->resume_ev);
	if (p->reclaim_ev != NULL)
		event_free(p->reclaim_ev);
	if (p->stopped_ev != NULL)
		event_free(p->stopped_ev);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->retry_cv);
	pthread_cond_destroy(&p->free_cv);
	while ((b = p->ready) != NULL) {
		p->ready = b->next;
		batch_free(b);
	}
	pthread_mutex_destroy(&p->order_lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
