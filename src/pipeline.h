/*
 * pipeline.h: the hand-over from the intake loop to the processing workers
 * (DESIGN.md "Intake is cheap, processing is parallel").
 *
 * Intake appends framed messages to the current batch; at the end of each
 * loop iteration (a low-priority libevent event) the batch goes on the
 * queue and a free one takes its place.  The pool holds queue_batches
 * batches in all: when none is free, intake is "paused" — every listener
 * stops reading (TCP senders are slowed by their socket buffers filling;
 * UDP overflows in the kernel, where SO_RXQ_OVFL counts it) — until a
 * worker hands a batch back.  Memory is therefore bounded by the pool, and
 * nothing is dropped by logward itself.
 *
 * A worker keeps its batch until the batch is written: a failed archive or
 * alerts write (disk full) is tried again, with a capped back-off, until
 * it succeeds.  The batches pile up meanwhile, and once the pool is used
 * up intake pauses exactly as when processing is slow.  Only a stopping
 * pipeline gives a write up, WRITE_STOP_GRACE after pipeline_stop.
 *
 * A partial batch is never held back from the workers for more than
 * FLUSH_HOLD_MAX_US (2 ms): what logward has accepted reaches
 * the archive's write() that soon after under a steady sender, so a crash
 * loses little more than the kernel's socket buffers.
 *
 * Each worker owns a processor and an output buffer; it formats a whole
 * batch with the batch's ruleset (its own normalizer in it, the detection
 * set shared read-only) and writes it to the archive in one call; the
 * alerts a batch produced go to the alerts archive first.
 */
#ifndef LOGWARD_PIPELINE_H
#define LOGWARD_PIPELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "peer.h"

struct archive;
struct deliver;
struct detect_set;
struct event_base;
struct input_stats;
struct pipeline;
struct ruleset;
struct tz_zone;

/* What events name an input by; owned by the listener, outlives batches. */
struct input_ident {
	const char *name;
	const char *transport;     /* "udp" | "tcp" | "tls" (network.transport) */
	const char *protocol;      /* NULL, or "relp" (network.protocol) */
	struct input_stats *stats;
	/* zone-less timestamps' zone (input_conf.zone); set by the intake thread,
	 * copied into each batch item there, so a reload never races a worker */
	const struct tz_zone *zone;
};

/* Pause and resume callbacks: the intake side stops or restarts reading. */
typedef void pipeline_pause_fn(void *arg, bool paused);

/*
 * What the workers run a batch with and write it to.  None of it is owned
 * by the pipeline: the caller keeps each set alive until the pipeline
 * retires it (pipeline_swap) or is freed.
 */
struct pipeline_outputs {
	const struct ruleset *rules;  /* one normalizer per worker + detections */
	struct archive *archive;
	struct archive *alerts;       /* NULL: no detection */
	struct deliver *deliver;      /* alert lines once in the alerts file; NULL: none */
	struct kafka *kafka;          /* events and alerts also to Kafka (kafka.h); NULL: none */
};

/* Called on the intake loop once nothing uses what was swapped out. */
typedef void pipeline_retire_fn(void *arg);

/* The workers pipeline_new starts for a requested count (0 = one per core). */
unsigned pipeline_workers_for(unsigned requested);

/*
 * Start pipeline_workers_for(workers) workers running out (its ruleset
 * must hold a normalizer for each).  Returns NULL with err set on
 * failure.  The pipeline runs its events on base.  Caller frees with
 * pipeline_free after pipeline_drain.
 */
struct pipeline *pipeline_new(struct event_base *base, unsigned workers,
    unsigned queue_batches, const struct pipeline_outputs *out,
    pipeline_pause_fn *pause_cb, void *pause_arg, char *err, size_t errlen);

/*
 * The reload's swap point (intake loop only).  The current batch is
 * submitted, and every later one runs with out (copied; same worker count).
 * Batches already submitted finish with the outputs they were submitted
 * under; once the last of them is done, retire(arg) runs on the intake
 * loop (or in pipeline_drain), in swap order, so the caller frees there
 * whatever it swapped out, including listeners whose input_ident those
 * batches name.  No lock is taken per message: a batch holds a reference
 * on its generation, counted under the lock the queue takes anyway.
 */
void pipeline_swap(struct pipeline *p, const struct pipeline_outputs *out,
    pipeline_retire_fn *retire, void *arg);

/*
 * Add one framed message to the current batch (copied).  Call from the
 * intake loop only.  Always succeeds: batches grow to fit; the pool bounds
 * how many exist.  tls (NULL for UDP and TCP) gains a reference held until
 * the message is processed.
 */
void pipeline_add(struct pipeline *p, const struct input_ident *input,
    const char *frame, size_t len, unsigned frame_flags,
    const struct peer_addr *peer, struct peer_tls *tls, const struct timespec *received);

/*
 * pipeline_add for a sender that waits for the write (RELP): once the batch
 * holding the message is written to the archive (and its alerts to the
 * alerts file before it), or given up, the worker posts ack_seq to ack
 * (ack.h), which gains a reference held until then.  A message that cannot
 * be queued (out of memory) is posted as not written at once.
 */
struct ack_sink;
void pipeline_add_acked(struct pipeline *p, const struct input_ident *input,
    const char *frame, size_t len, unsigned frame_flags,
    const struct peer_addr *peer, struct peer_tls *tls, const struct timespec *received,
    struct ack_sink *ack, uint64_t ack_seq);

/*
 * Give every worker the correlator c (not owned: the daemon owns it, so it
 * outlives any rule set; keep it alive until pipeline_free).  Call before
 * the inputs open.
 */
struct correlate;
void pipeline_set_correlate(struct pipeline *p, struct correlate *c);

/*
 * Stamp every alert with an event.id from ids and observer.hostname (see
 * processor_set_stamp; neither owned, both outlive the pipeline).
 */
struct alert_ids;
void pipeline_set_stamp(struct pipeline *p, struct alert_ids *ids, const char *observer_hostname);

/*
 * Hold the workers' alerts in m (alert_merge.h; not owned, outlives the
 * pipeline): an alert that m holds is not written by the worker; the
 * daemon writes the incidents' alerts (daemon.c).  NULL: none held.
 */
struct alert_merge;
void pipeline_set_merge(struct pipeline *p, struct alert_merge *m);

/* True while intake must not read (no free batch). */
bool pipeline_paused(const struct pipeline *p);

/*
 * How long intake waits for a free batch before it pauses its inputs
 * (PAUSE_WAIT_NS, 5 ms, unless set here: queue_wait, and tests).
 */
void pipeline_set_pause_wait(struct pipeline *p, long ns);

/* Submit the current batch now (the end-of-iteration event does this too). */
void pipeline_flush(struct pipeline *p);

/* The outputs a worker writes, for the write counters. */
enum pipeline_output {
	PIPELINE_ARCHIVE,
	PIPELINE_ALERTS,
	PIPELINE_N_OUTPUTS
};

/* "archive" | "alerts": the metrics' output label. */
const char *pipeline_output_name(enum pipeline_output o);

/*
 * A write of o made outside the workers (the daemon's incident alerts,
 * alert_merge.h), counted and reported as a worker's: failed adds to
 * logward_write_errors_total and, while *failing, /healthz says o is
 * failing; given_up bytes are counted lost.  *failing is the caller's.
 */
void pipeline_note_write(struct pipeline *p, enum pipeline_output o, bool failed, bool *failing,
    size_t given_up);

struct pipeline_write_stats {
	uint64_t errors[PIPELINE_N_OUTPUTS];  /* failed write attempts since start */
	bool failing[PIPELINE_N_OUTPUTS];     /* a write is being retried right now */
	uint64_t given_up[PIPELINE_N_OUTPUTS]; /* bytes given up while stopping */
};

/* The write counters (relaxed atomics: any thread). */
void pipeline_get_write_stats(const struct pipeline *p, struct pipeline_write_stats *st);

/* Called on the intake loop once every worker finished and exited. */
typedef void pipeline_stopped_fn(void *arg);

/*
 * Submit what is pending and tell the workers to exit once the queue is
 * empty, without waiting: cb(arg) runs on the intake loop when the last
 * one has (cb NULL: no call).  The loop keeps serving meanwhile (/healthz
 * answers 503 while the daemon drains).  Add nothing afterwards.
 */
void pipeline_stop(struct pipeline *p, pipeline_stopped_fn *cb, void *arg);

/*
 * pipeline_stop, then wait for the workers to finish every queued batch,
 * join them, and run the retire callbacks still due.
 */
void pipeline_drain(struct pipeline *p);

unsigned pipeline_worker_count(const struct pipeline *p);

void pipeline_free(struct pipeline *p);

#endif
