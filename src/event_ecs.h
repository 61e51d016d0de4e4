/*
 * event_ecs.h: the ECS shape of what the rulebases give (doc/fields.md);
 * event.c's only.
 *
 * liblognorm returns text for every field a rule parses and a plain
 * string for every annotation, and the JSON rule puts any JSON body under
 * one key, "json".  The detections read those fields as they are; the
 * archived event gives them the shape ECS (and the index template in
 * conf/) maps:
 *
 *   - ECS array fields (event.category, event.type, related.*) are
 *     written as arrays, a single string as a one-element array;
 *   - ECS long fields a rule parses as digits (process.pid,
 *     process.thread.id, ports...) are written as numbers;
 *   - the JSON body is written under the namespace of its source, as
 *     Elastic's integrations name it (aws.cloudtrail, okta, gcp.audit...),
 *     or under logward.json when its source is unknown: each namespace is
 *     one `flattened` value in the template, so two sources (or two
 *     versions of one) can never map one path as both an object and a
 *     text.  event.module and event.dataset name the source.  A body that
 *     is not an object (liblognorm's json parser takes any JSON value) is
 *     only in event.original.
 */
#ifndef LOGWARD_EVENT_ECS_H
#define LOGWARD_EVENT_ECS_H

#include <stddef.h>

struct json_object;

/* How a liblognorm field is written. */
enum event_ecs_shape {
	ECS_AS_IS,   /* its JSON value unchanged */
	ECS_ARRAY,   /* a string becomes a one-element array */
	ECS_NUMBER,  /* a string of at most 18 digits becomes a number */
};

/* The shape of liblognorm's field key (len bytes) with value v. */
enum event_ecs_shape event_ecs_shape(const char *key, size_t len, struct json_object *v);

/* The key liblognorm gives a JSON body (patterns/json.rulebase). */
#define EVENT_ECS_JSON_KEY "json"

/* Where a JSON body goes, and what ECS says of its source; static strings. */
struct event_ecs_source {
	const char *ns;      /* dotted namespace of the body: "aws.cloudtrail" */
	const char *module;  /* event.module, NULL: none */
	const char *dataset; /* event.dataset, NULL: none */
	const char *action;  /* member path of event.action in the body ("." separated), or NULL */
};

/*
 * The source of a JSON body (an object), told by the members it has; the
 * fallback (namespace logward.json, no module) when none fits.  Never NULL.
 */
const struct event_ecs_source *event_ecs_json_source(struct json_object *body);

/*
 * The string at the dotted member path of body, or NULL (absent, or not a
 * string).  The string belongs to body.
 */
struct json_object *event_ecs_member(struct json_object *body, const char *path);

#endif
