/*
 * process.h: one framed message through parse, normalize and event
 * formatting.  The processing workers and the offline --test-rules mode
 * both go through here, so what --test-rules prints is what the daemon
 * archives.
 */
#ifndef LOGWARD_PROCESS_H
#define LOGWARD_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_writer.h"

struct normalizer;

/* Per-thread processing state; owns its normalizer and scratch buffer. */
struct processor {
	struct normalizer *norm; /* owned */
	struct strbuf scratch;
};

/* Where and when a frame arrived. */
struct frame_meta {
	const char *input_name;
	const char *transport;
	const char *source_ip;   /* text, or NULL */
	uint16_t source_port;
	struct timespec received;
	unsigned frame_flags;    /* FRAME_* */
};

struct process_result {
	bool parse_failed;
	bool normalized;
};

/* Load rulebases into a new processor; NULL with err on failure. */
int processor_init(struct processor *p, const char *rules_path, char *err, size_t errlen);
void processor_fini(struct processor *p);

/* Append the event for frame[0..len) (one JSON line) to out. */
int processor_run(struct processor *p, const char *frame, size_t len,
    const struct frame_meta *meta, struct strbuf *out, struct process_result *res);

#endif
