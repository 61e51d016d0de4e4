/*
 * pipeline_impl.h: the insides of the pipeline (pipeline.h), shared by
 * pipeline.c (the intake side, the batch pool, the generations of
 * outputs) and pipeline_worker.c (the workers: process, write, retry,
 * acknowledge).  No other file includes it.
 */
#ifndef LOGWARD_PIPELINE_IMPL_H
#define LOGWARD_PIPELINE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"
#include "pipeline.h"
#include "process.h"

struct ack_sink;
struct detection;

/* A batch is handed over when it holds this much, or at the loop's end. */
#define BATCH_DATA_INITIAL (256 * 1024)
#define BATCH_ITEMS_INITIAL 1024
/* Workers write to the archive at least every this many bytes of events. */
#define WORKER_WRITE_THRESHOLD (1024 * 1024)
/*
 * Priority of the end-of-pass flush: the same as I/O events.  libevent runs
 * a priority's queue until it is empty, events activated meanwhile
 * included, so the flush runs after the reads of this pass.  A lower
 * priority would starve for as long as a busy socket is readable at every
 * pass, and the batch would grow without bound.
 */
#define FLUSH_PRIORITY 1
/*
 * The longest a partial batch is held back while the workers are busy
 * (pipeline_flushcb): what intake accepted sits in memory, lost to a crash,
 * until a worker has it.  2 ms is 60 messages of a 30,000 msg/s sender.
 */
#define FLUSH_HOLD_MAX_US 2000
/*
 * With every batch in use, intake first waits this long for a worker to
 * release one, and pauses its inputs only after: see pipeline_wait_free.
 */
#define PAUSE_WAIT_NS (5 * 1000 * 1000)
/* A failed write is tried again after 10 ms, doubling up to 1 s. */
#define WRITE_RETRY_MIN_NS (10 * 1000 * 1000LL)
#define WRITE_RETRY_MAX_NS (1000 * 1000 * 1000LL)
/* Once stopping, a write still failing this long after the stop is given up. */
#define WRITE_STOP_GRACE_NS (5 * 1000 * 1000 * 1000LL)

struct batch_item {
	uint32_t off;
	uint32_t len;
	unsigned flags;
	struct peer_addr peer;
	struct peer_tls *tls;      /* a reference, or NULL */
	struct timespec received;
	const struct input_ident *input;
	const struct tz_zone *zone;  /* input->zone when the frame came in */
	struct ack_sink *ack;      /* a reference, or NULL: the sender waits for this write */
	uint64_t ack_seq;
};

/*
 * One set of outputs and the batches submitted under it.  The list runs
 * oldest first; all but the newest are retired and wait for their last
 * batch before their retire callback runs.
 */
struct generation {
	struct generation *next;      /* newer */
	struct pipeline_outputs out;
	unsigned batches;             /* queued or in a worker; under the pipeline lock */
	pipeline_retire_fn *retire;   /* set when swapped out */
	void *retire_arg;
	bool retired;
};

/*
 * An event line kept for Kafka until its batch's turn (pipeline_order.c):
 * the line then its key, back to back in the batch's produce buffer.
 */
struct produce_record {
	uint32_t off;
	uint32_t len;
	uint32_t key_len;          /* 0: no key */
};

/* The seq of a batch that produces nothing (its generation has no Kafka). */
#define PRODUCE_SEQ_NONE UINT64_MAX

struct batch {
	struct batch *next;
	struct generation *gen;   /* set at submission; holds a reference */
	uint64_t seq;             /* its place in the produce order, set at submission */
	struct strbuf produce;    /* lines and keys of the records; owned */
	struct produce_record *records; /* owned */
	size_t n_records, records_cap;
	char *data;               /* frames back to back; owned */
	size_t used, cap;
	struct batch_item *items; /* owned */
	size_t n, items_cap;
};

struct worker {
	pthread_t thread;
	struct pipeline *pipeline;
	unsigned index;               /* its normalizer in every ruleset */
	struct processor proc;
	struct strbuf out;
	struct strbuf alerts_out;     /* whole alert lines, written with an fsync */
	/* the detections of the alerts in alerts_out: counted once written */
	const struct detection **unwritten;
	size_t n_unwritten, unwritten_cap;
	bool started;
};

struct pipeline {
	struct event_base *base;      /* not owned */
	struct alert_merge *merge;    /* not owned; NULL: every alert written at once */
	struct event *flush_ev;
	struct event *hold_ev;        /* FLUSH_HOLD_MAX_US after a partial batch was held */
	struct event *resume_ev;
	struct event *reclaim_ev;     /* a retired generation may be done */
	struct event *stopped_ev;     /* the last worker exited (pipeline_stop) */
	pipeline_stopped_fn *stopped_cb;
	void *stopped_arg;
	pipeline_pause_fn *pause_cb;
	void *pause_arg;

	pthread_mutex_t lock;         /* guards the fields down to n_live */
	pthread_cond_t work_cv;
	pthread_cond_t retry_cv;      /* failing writers back off here; broadcast at stop */
	pthread_cond_t free_cv;       /* a batch was released while intake_waiting */
	int64_t stop_ns;              /* monotonic time of pipeline_stop */
	struct batch *queue_head, *queue_tail;
	struct batch *free_list;
	unsigned n_free;              /* batches on free_list */
	bool stopping;
	bool resume_wanted;           /* intake is paused, waiting for a free batch */
	bool intake_waiting;          /* intake waits on free_cv (PAUSE_WAIT_NS) */
	long pause_wait_ns;           /* PAUSE_WAIT_NS unless a test sets it */
	bool flush_deferred;          /* intake holds a partial batch until the queue runs dry */
	unsigned n_live;              /* batches in existence */
	unsigned n_running;           /* workers not yet exited */
	struct generation *gen_oldest, *gen_newest; /* list; newest is the current one */

	unsigned pool_size;
	struct batch *current;        /* intake loop only */
	bool paused;                  /* intake loop only */
	bool flush_scheduled;         /* intake loop only */

	struct worker *workers;
	unsigned n_workers;

	uint64_t submit_seq;          /* the next batch's seq; under lock */
	/*
	 * The ordered produce step (pipeline_order.c): batches processed out
	 * of order wait here, sorted by seq, holding their pool slot.
	 */
	pthread_mutex_t order_lock;   /* guards the three fields below */
	uint64_t produce_next;        /* the seq whose turn it is */
	struct batch *ready;          /* processed, waiting for their turn; by seq */
	bool producing;               /* a worker is producing the ready run */

	atomic_uint_fast64_t write_errors[PIPELINE_N_OUTPUTS];
	atomic_uint retrying[PIPELINE_N_OUTPUTS];  /* workers retrying a write now */
	atomic_uint_fast64_t given_up[PIPELINE_N_OUTPUTS];
};

/*
 * Worker side: the next queued batch, waiting while there is none; NULL
 * once the pipeline stops and the queue is empty.
 */
struct batch *pipeline_queue_pop(struct pipeline *p);

/* Worker side: give a processed batch back, waking intake if it waits for one. */
void pipeline_batch_release(struct pipeline *p, struct batch *b);

/*
 * Worker side: keep one event line (len bytes, no LF) and its key for
 * Kafka in b, copied.  -1 when memory runs out (nothing kept).
 */
int pipeline_order_keep(struct batch *b, const char *line, size_t len, const char *key,
    size_t key_len);

/*
 * Worker side: b is processed and written.  Its records are produced once
 * every batch submitted before it was (its seq's turn), by whichever
 * worker completes that run; the batch is then given back.  Takes b.
 */
void pipeline_order_done(struct pipeline *p, struct batch *b);

/* Free what a batch holds for Kafka; empty it for reuse (keep: memory kept). */
void pipeline_order_clear(struct batch *b, bool keep);

/* The thread of one worker (arg: its struct worker), until the queue is drained. */
void *pipeline_worker_main(void *arg);

#endif
