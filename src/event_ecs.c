/*
 * event_ecs.c: the ECS shape of liblognorm's fields (event_ecs.h).
 *
 * Two small tables: the ECS fields whose shape liblognorm cannot give
 * (arrays, numbers), and the JSON sources told apart by their members.
 * Both are short and read per field (or per JSON body), so a linear
 * search with a length check first is cheaper than anything sorted.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <json.h>

#include "event_ecs.h"

struct shape_key {
	const char *key;
	size_t len;
	enum event_ecs_shape shape;
};
#define SHAPE(k, s) { k, sizeof(k) - 1, s }

/*
 * ECS `normalize: [array]` fields and ECS long fields a rulebase (ours or
 * a site's) is likely to give as text; tests/ecs/ecs_check.py checks every
 * field the shipped rulebases give against ECS itself.
 */
static const struct shape_key shape_keys[] = {
	SHAPE("event.category", ECS_ARRAY),
	SHAPE("event.type", ECS_ARRAY),
	SHAPE("related.hash", ECS_ARRAY),
	SHAPE("related.hosts", ECS_ARRAY),
	SHAPE("related.ip", ECS_ARRAY),
	SHAPE("related.user", ECS_ARRAY),
	SHAPE("process.pid", ECS_NUMBER),
	SHAPE("process.parent.pid", ECS_NUMBER),
	SHAPE("process.thread.id", ECS_NUMBER),
	SHAPE("process.args_count", ECS_NUMBER),
	SHAPE("auditd.log.sequence", ECS_NUMBER), /* Elastic's auditd: a long */
	SHAPE("source.port", ECS_NUMBER),
	SHAPE("destination.port", ECS_NUMBER),
	SHAPE("client.port", ECS_NUMBER),
	SHAPE("server.port", ECS_NUMBER),
};

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Whether v is a string of 1 to 18 ASCII digits (fits an int64). */
static bool
event_ecs_digits(struct json_object *v)
{
	const char *s;
	int i, n;

	if (!json_object_is_type(v, json_type_string))
		return false;
	n = json_object_get_string_len(v);
	s = json_object_get_string(v);
	if (n < 1 || n > 18)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

enum event_ecs_shape
event_ecs_shape(const char *key, size_t len, struct json_object *v)
{
	size_t i;

	for (i = 0; i < NITEMS(shape_keys); i++) {
		if (shape_keys[i].len != len || shape_keys[i].key[0] != key[0] ||
		    memcmp(shape_keys[i].key, key, len) != 0)
			continue;
		if (shape_keys[i].shape == ECS_ARRAY)
			return json_object_is_type(v, json_type_string) ? ECS_ARRAY : ECS_AS_IS;
		/* text that is not a number stays text: the checker reports it */
		return event_ecs_digits(v) ? ECS_NUMBER : ECS_AS_IS;
	}
	return ECS_AS_IS;
}

/*
 * A JSON source: the body has member `has` (with the string value `value`
 * when that is not NULL) and member `also` (when not NULL).  First row
 * that fits wins, so the specific rows come first.
 */
struct source_rule {
	const char *has;
	const char *value;
	const char *also;
	struct event_ecs_source src;
};

static const struct source_rule source_rules[] = {
	/* AWS CloudTrail record, and EventBridge's "AWS API Call via CloudTrail" */
	{ "eventVersion", NULL, "eventSource",
	    { "aws.cloudtrail", "aws", "aws.cloudtrail", "eventName" } },
	{ "detail-type", NULL, "detail",
	    { "aws.cloudtrail", "aws", "aws.cloudtrail", "detail.eventName" } },
	/* GCP Cloud Audit Logs (a LogEntry with an AuditLog payload) */
	{ "protoPayload", NULL, NULL,
	    { "gcp.audit", "gcp", "gcp.audit", "protoPayload.methodName" } },
	/* Kubernetes audit.k8s.io Event (and exports without auditID) */
	{ "auditID", NULL, "objectRef",
	    { "kubernetes.audit", "kubernetes", "kubernetes.audit", "verb" } },
	{ "objectRef", NULL, "verb",
	    { "kubernetes.audit", "kubernetes", "kubernetes.audit", "verb" } },
	/* Okta System Log */
	{ "eventType", NULL, "published",
	    { "okta", "okta", "okta.system", "eventType" } },
	/* Google Workspace Admin SDK Reports activity */
	{ "kind", "admin#reports#activity", "events",
	    { "google_workspace", "google_workspace", "google_workspace.admin", NULL } },
	/* GitHub audit log (streamed, or from the REST API) */
	{ "_document_id", NULL, "action",
	    { "github.audit", "github", "github.audit", "action" } },
	{ "action", NULL, "org_id",
	    { "github.audit", "github", "github.audit", "action" } },
	/* Microsoft 365 Management Activity API */
	{ "Operation", NULL, "Workload",
	    { "o365.audit", "o365", "o365.audit", "Operation" } },
	{ "Operation", NULL, "OrganizationId",
	    { "o365.audit", "o365", "o365.audit", "Operation" } },
	/* Azure Monitor: Entra ID audit logs, then the activity log */
	{ "category", "AuditLogs", "operationName",
	    { "azure.auditlogs", "azure", "azure.auditlogs", "operationName" } },
	{ "operationName", NULL, "resourceId",
	    { "azure.activitylogs", "azure", "azure.activitylogs", "operationName" } },
	/* Microsoft Graph directoryAudit (Entra ID audit through the Graph API) */
	{ "activityDisplayName", NULL, "initiatedBy",
	    { "azure.auditlogs", "azure", "azure.auditlogs", "activityDisplayName" } },
	/* Windows events as JSON: NXLog's im_msvistalog, Winlogbeat, Logstash */
	{ "EventID", NULL, "Channel", { "winlog.event_data", NULL, NULL, NULL } },
	{ "winlog", NULL, NULL, { "winlog.event_data", NULL, NULL, NULL } },
	{ "event_data", NULL, "computer_name", { "winlog.event_data", NULL, NULL, NULL } },
	/* Wazuh's wrappers of the above (office365, gcp, github, win) */
	{ "integration", NULL, NULL, { "wazuh", "wazuh", NULL, NULL } },
	{ "win", NULL, NULL, { "wazuh", "wazuh", NULL, NULL } },
};

static const struct event_ecs_source source_unknown = { "logward.json", NULL, NULL, NULL };

/* Whether body fits rule r. */
static bool
event_ecs_source_fits(struct json_object *body, const struct source_rule *r)
{
	struct json_object *v;

	if (!json_object_object_get_ex(body, r->has, &v))
		return false;
	if (r->value != NULL && (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), r->value) != 0))
		return false;
	return r->also == NULL || json_object_object_get_ex(body, r->also, NULL);
}

const struct event_ecs_source *
event_ecs_json_source(struct json_object *body)
{
	size_t i;

	if (json_object_is_type(body, json_type_object))
		for (i = 0; i < NITEMS(source_rules); i++)
			if (event_ecs_source_fits(body, &source_rules[i]))
				return &source_rules[i].src;
	return &source_unknown;
}

struct json_object *
event_ecs_member(struct json_object *body, const char *path)
{
	char name[64];
	const char *dot;
	size_t n;

	while (body != NULL && json_object_is_type(body, json_type_object)) {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(name))
			return NULL;
		memcpy(name, path, n);
		name[n] = '\0';
		if (!json_object_object_get_ex(body, name, &body))
			return NULL;
		if (dot == NULL)
			return json_object_is_type(body, json_type_string) ? body : NULL;
		path = dot + 1;
	}
	return NULL;
}
