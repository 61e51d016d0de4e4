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
 * Each worker owns a processor (liblognorm context) and an output buffer;
 * it formats a whole batch and writes it to the archive in one call.  The
 * detection set is one for all workers (immutable, read-only); the alerts
 * a batch produced are written to the alerts archive in one call followed
 * by an fsync, before the batch's events.
 */
#ifndef LOGWARD_PIPELINE_H
#define LOGWARD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

struct archive;
struct deliver;
struct detect_set;
struct event_base;
struct input_stats;
struct pipeline;

/* What events name an input by; owned by the listener, outlives batches. */
struct input_ident {
	const char *name;
	const char *transport;     /* "udp" | "tcp" */
	struct input_stats *stats;
};

/* A peer address in compact form (the batch stores one per message). */
struct peer_addr {
	uint8_t family;            /* AF_INET, AF_INET6, or 0 when unknown */
	uint16_t port;             /* host order */
	uint8_t addr[16];
};

void peer_addr_from_sockaddr(struct peer_addr *pa, const struct sockaddr *sa);

/* Pause and resume callbacks: the intake side stops or restarts reading. */
typedef void pipeline_pause_fn(void *arg, bool paused);

/*
 * Start workers (0 = one per core).  Each loads rules_path.  detect (may
 * be NULL) and alerts (NULL: no detection) are not owned and must outlive
 * the pipeline.  Returns NULL with err set on failure.  The pipeline runs
 * its resume event on base.  Caller frees with pipeline_free after
 * pipeline_drain.
 */
struct pipeline *pipeline_new(struct event_base *base, unsigned workers,
    unsigned queue_batches, const char *rules_path, struct archive *archive,
    const struct detect_set *detect, struct archive *alerts, pipeline_pause_fn *pause_cb, void *pause_arg, char *err, size_t errlen);

/*
 * Add one framed message to the current batch (copied).  Call from the
 * intake loop only.  Always succeeds: batches grow to fit; the pool bounds
 * how many exist.
 */
void pipeline_add(struct pipeline *p, const struct input_ident *input,
    const char *frame, size_t len, unsigned frame_flags,
    const struct peer_addr *peer, const struct timespec *received);

/*
 * Hand every alert line, once written to the alerts file, to d as well
 * (NULL: none).  Call before the first message is added; d must outlive
 * pipeline_drain.
 */
void pipeline_set_deliver(struct pipeline *p, struct deliver *d);

/* True while intake must not read (no free batch). */
bool pipeline_paused(const struct pipeline *p);

/* Submit the current batch now (the end-of-iteration event does this too). */
void pipeline_flush(struct pipeline *p);

/* Submit what is pending, let the workers finish every queued batch, join them. */
void pipeline_drain(struct pipeline *p);

unsigned pipeline_worker_count(const struct pipeline *p);

void pipeline_free(struct pipeline *p);

#endif
