/*
 * event.h: one syslog message as one ECS JSON line (DESIGN.md "The event").
 *
 * event_format streams the event into a buffer with the json_writer: the
 * header fields the parser found, the fields and tags liblognorm added
 * (dotted names such as "user.target.name" become nested objects), and
 * the intake metadata.  Parse failures keep event.original, error.message
 * and the "_syslog_parse_failure" tag.
 */
#ifndef LOGWARD_EVENT_H
#define LOGWARD_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_writer.h"
#include "parse.h"

struct json_object;

struct event_input {
	const char *raw;          /* the frame as received */
	size_t raw_len;
	const struct syslog_msg *msg; /* parsed from raw */
	struct json_object *norm;  /* liblognorm result, or NULL; not owned */
	const char *input_name;    /* observer.ingress.name */
	const char *transport;     /* "udp" | "tcp" | "tls" (network.transport) */
	const char *source_ip;     /* text form, or NULL */
	uint16_t source_port;
	struct timespec received;  /* event.created */
	unsigned frame_flags;      /* FRAME_* from framing.h (truncated, bad count) */
};

/*
 * Append one event followed by '\n' to out.  scratch is the caller's
 * reusable work buffer (SD unescaping, field sorting); both stay owned by
 * the caller.  Returns 0, or -1 when out of memory (out is then restored to
 * its previous length).
 */
int event_format(struct strbuf *out, struct strbuf *scratch, const struct event_input *in);

/* Format a time as RFC 3339 UTC with microseconds: 2026-11-27T17:06:17.000123Z. */
size_t event_format_time(char *buf, size_t cap, int64_t epoch, uint32_t usec);

#endif
