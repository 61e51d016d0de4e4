/*
 * pipeline_order.c: the ordered produce step of the pipeline (README
 * "Kafka", ordering).  Workers process batches side by side; Kafka must
 * see each host's events in the order intake received them, or a
 * consumer correlating one host's partition sees them shuffled.  Intake
 * numbers the batches as it submits them (seq, in receipt order: one
 * intake loop); a worker keeps its batch's event lines in the batch, and
 * once the batch is written hands it here.  The batch whose turn it is is
 * produced at once, with every processed batch that follows it without a
 * gap; a batch processed early waits in the ready list, and its worker
 * goes on with the next batch.  Parsing, detection and the archive write
 * stay parallel; only the produce calls (a copy into librdkafka's queue
 * each) run one batch after the other.
 *
 * Memory: a waiting batch keeps its slot of the pool, so a stalled worker
 * holds back at most the pool: once every batch is queued, processing or
 * waiting here, intake pauses (pipeline.h), as for a slow disk.  Nothing
 * waits here at exit: every submitted batch is processed, so every turn
 * comes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "pipeline_impl.h"

/* A produce buffer grown past this (a batch of huge lines) is freed at release. */
#define PRODUCE_KEEP_MAX (8 * 1024 * 1024)

int
pipeline_order_keep(struct batch *b, const char *line, size_t len, const char *key, size_t key_len)
{
	struct produce_record *r;
	size_t off = b->produce.len;

	if (len > UINT32_MAX || key_len > UINT32_MAX || off > UINT32_MAX - len - key_len)
		return -1;
	if (b->n_records == b->records_cap) {
		size_t ncap = b->records_cap > 0 ? b->records_cap * 2 : 256;
		struct produce_record *n = realloc(b->records, ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		b->records = n;
		b->records_cap = ncap;
	}
	if (strbuf_append(&b->produce, line, len) == -1 ||
	    (key_len > 0 && strbuf_append(&b->produce, key, key_len) == -1)) {
		b->produce.len = off;
		return -1;
	}
	r = &b->records[b->n_records++];
	r->off = (uint32_t)off;
	r->len = (uint32_t)len;
	r->key_len = (uint32_t)key_len;
	return 0;
}

void
pipeline_order_clear(struct batch *b, bool keep)
{
	b->n_records = 0;
	if (keep && b->produce.cap <= PRODUCE_KEEP_MAX) {
		strbuf_reset(&b->produce);
		return;
	}
	strbuf_free(&b->produce);
	strbuf_init(&b->produce);
	free(b->records);
	b->records = NULL;
	b->records_cap = 0;
}

/* Produce the records of one batch, in the order they were kept. */
static void
order_produce(struct batch *b)
{
	struct kafka *k = b->gen->out.kafka;
	size_t i;

	for (i = 0; i < b->n_records; i++) {
		const struct produce_record *r = &b->records[i];
		const char *line = b->produce.data + r->off;

		kafka_produce_event(
		    k, line, r->len, r->key_len > 0 ? line + r->len : NULL, r->key_len);
	}
}

/* Put b in the ready list, which runs by seq (mostly appended near its head). */
static void
order_insert(struct pipeline *p, struct batch *b)
{
	struct batch **at = &p->ready;

	while (*at != NULL && (*at)->seq < b->seq)
		at = &(*at)->next;
	b->next = *at;
	*at = b;
}

void
pipeline_order_done(struct pipeline *p, struct batch *b)
{
	pthread_mutex_lock(&p->order_lock);
	order_insert(p, b);
	if (p->producing) {
		/* the worker producing takes it when its turn comes */
		pthread_mutex_unlock(&p->order_lock);
		return;
	}
	p->producing = true;
	while (p->ready != NULL && p->ready->seq == p->produce_next) {
		b = p->ready;
		p->ready = b->next;
		b->next = NULL;
		p->produce_next++;
		/* produce outside the lock: a full Kafka queue waits here, workers go on */
		pthread_mutex_unlock(&p->order_lock);
		order_produce(b);
		pipeline_batch_release(p, b);
		pthread_mutex_lock(&p->order_lock);
	}
	p->producing = false;
	pthread_mutex_unlock(&p->order_lock);
}
