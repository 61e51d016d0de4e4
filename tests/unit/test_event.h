/*
 * test_event.h: one event for the suites of the detections and Sigma
 * rules: a syslog line parsed as the daemon parses it, received at
 * 2025-11-27 10:00:00 UTC, with liblognorm-like fields.
 */
#ifndef LOGWARD_TESTS_TEST_EVENT_H
#define LOGWARD_TESTS_TEST_EVENT_H

#include <json.h>

#include "detect.h"
#include "parse.h"

struct test_event {
	struct syslog_msg msg;	  /* points into line */
	struct json_object *norm; /* the event's (event_done puts it); NULL none */
	struct detect_event de;
	char line[2048];
};

/*
 * e from a copy of line (cut to fit e->line), the fields of norm_json
 * (NULL: none; JSON that does not parse fails the test) and the sender
 * ip (NULL: none).  Release with event_done.
 */
void event_make(struct test_event *e, const char *line, const char *norm_json, const char *ip);

/* The same with fields already built: e takes norm (NULL: none). */
void event_make_fields(
    struct test_event *e, const char *line, struct json_object *norm, const char *ip);

/* Put e's fields. */
void event_done(struct test_event *e);

#endif
