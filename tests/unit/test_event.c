/*
 * test_event.c: one event for the detections' and Sigma rules' suites
 * (test_event.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "test_event.h"

void
event_make_fields(struct test_event *e, const char *line, struct json_object *norm, const char *ip)
{
	snprintf(e->line, sizeof(e->line), "%s", line);
	parse_message(e->line, strlen(e->line), 1764237600, &e->msg);
	e->norm = norm;
	e->de.msg = &e->msg;
	e->de.norm = norm;
	e->de.source_ip = ip;
}

void
event_make(struct test_event *e, const char *line, const char *norm_json, const char *ip)
{
	struct json_object *norm = NULL;

	if (norm_json != NULL) {
		norm = json_tokener_parse(norm_json);
		ck_assert_msg(norm != NULL, "bad test JSON %s", norm_json);
	}
	event_make_fields(e, line, norm, ip);
}

void
event_done(struct test_event *e)
{
	if (e->norm != NULL)
		json_object_put(e->norm);
	e->norm = NULL;
}
