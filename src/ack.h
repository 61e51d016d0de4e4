/*
 * ack.h: the way back from the processing workers to an intake
 * connection that acknowledges what was written (RELP).
 *
 * A connection owns one sink on the intake loop.  Each message it hands to
 * the pipeline carries the sink (a reference) and a sequence number; the
 * worker that wrote the batch posts "lo..hi written" (or given up) from
 * its thread, and the sink's callback runs on the intake loop with what
 * was posted, batched: many posts between two loop passes are one call
 * each, in posting order.  A connection that closes detaches its sink: no
 * callback runs after that, and the sink is freed with its last reference.
 */
#ifndef LOGWARD_ACK_H
#define LOGWARD_ACK_H

#include <stdbool.h>
#include <stdint.h>

struct ack_sink;
struct event_base;

/* On the intake loop: messages lo..hi of the sink's connection were written (or not). */
typedef void ack_written_fn(void *arg, uint64_t lo, uint64_t hi, bool written);

/*
 * A sink whose callbacks run on base; NULL when out of memory.  The
 * caller holds one reference, given up by ack_sink_detach.
 */
struct ack_sink *ack_sink_new(struct event_base *base, ack_written_fn *cb, void *arg);

/* Take or drop a reference (any thread); the last drop frees the sink. */
void ack_sink_hold(struct ack_sink *s);
void ack_sink_release(struct ack_sink *s);

/* Report messages lo..hi written or given up (any thread holding a reference). */
void ack_sink_post(struct ack_sink *s, uint64_t lo, uint64_t hi, bool written);

/* The owner goes away (intake loop): no more callbacks; drops the owner's reference. */
void ack_sink_detach(struct ack_sink *s);

#endif
