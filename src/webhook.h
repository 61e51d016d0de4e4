/*
 * webhook.h: what one delivery sends: the body of each format, built from
 * one alert line (doc/detections.md "The alert") through the json_writer,
 * and the Standard Webhooks 1.0 signature.
 *
 *   standard      {"type","timestamp","data":<the alert>} signed with
 *                 webhook-id / webhook-timestamp / webhook-signature
 *   slack         {"text": fallback, "blocks": [...]}, user strings
 *                 escaped for mrkdwn (markup_escape.h)
 *   alertmanager  Alertmanager API v2 postableAlerts (POST /api/v2/alerts):
 *                 an array of one alert, labels and annotations
 *   alertmanager-webhook
 *                 Alertmanager's outgoing webhook v4 message, one alert
 *   teams         a Microsoft Teams message with one Adaptive Card 1.4,
 *                 user strings escaped for its CommonMark subset (markup_escape.h)
 *
 * A storm summary (storm.h) is an alert line with logward.storm
 * {count, first, last, window}: every format shows the count.
 *
 * Pure functions: no I/O but webhook_load_secret.
 */
#ifndef LOGWARD_WEBHOOK_H
#define LOGWARD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "json_writer.h"

struct json_object;

/* Parse an alert line (json-c); NULL unless it is a JSON object.  Caller puts. */
struct json_object *webhook_alert_parse(const char *line, size_t len);

/* "standard" | "slack" | "alertmanager" | "alertmanager-webhook" | "teams"; -1 when unknown. */
int webhook_format_parse(const char *s, enum webhook_format *f);
const char *webhook_format_name(enum webhook_format f);

/* "low" 1, "medium" 2, "high" 3, "critical" 4; -1 when unknown. */
int webhook_severity_parse(const char *s);
const char *webhook_severity_name(int rank);

/*
 * One alert line, parsed the first time a question is asked of it and
 * not again: a line goes through the severity filter, storm control and
 * a summary, for every webhook, on one parse.  The line is not owned and
 * must outlive the webhook_alert; webhook_alert_release frees the parse.
 */
struct json_object;
struct webhook_alert {
	const char *line;
	size_t len;
	struct json_object *o;   /* owned; NULL: not parsed yet, or not an object */
	bool parsed;
};

void webhook_alert_init(struct webhook_alert *a, const char *line, size_t len);
void webhook_alert_release(struct webhook_alert *a);

/*
 * The webhook-id of alert a for the webhook named webhook: derived from
 * its event.id (alert_id_webhook) into out.  0, or -1 when the line has
 * no event.id (a line written before there were ids): the caller gives it
 * a random one.
 */
int webhook_alert_id(struct webhook_alert *a, const char *webhook, char out[33]);

/*
 * The severity rank of an alert (labels.severity, else from
 * event.severity), 0 when it has none or is not an object.
 */
int webhook_alert_severity(struct webhook_alert *a);

/*
 * Append the body for one alert to out.  receiver names the webhook
 * (alertmanager-webhook's "receiver"); id is the webhook-id.  Returns 0, or -1
 * when the line is not a JSON object or memory ran out (out restored).
 */
int webhook_format_body(enum webhook_format f, struct webhook_alert *a, const char *id,
    const char *receiver, struct strbuf *out);

/*
 * Standard Webhooks 1.0: "v1," base64(HMAC-SHA256(key, id "." ts "." body))
 * into out (NUL-terminated).  Returns 0, or -1 when out is too small
 * (needs 48 bytes) or memory ran out.
 */
int webhook_sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const char *body, size_t len, char *out, size_t outlen);

/* The Standard Webhooks headers of one request, "Name: value" each. */
#define WEBHOOK_HEADER_MAX 256
struct webhook_headers {
	char line[3][WEBHOOK_HEADER_MAX];
	size_t n;
};

/*
 * Standard Webhooks 1.0 headers for body sent as message id at ts:
 * webhook-id, webhook-timestamp and, with a key, webhook-signature
 * (webhook_sign).  Returns 0, or -1 when id does not fit or signing
 * failed (out of memory).
 */
int webhook_headers(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const char *body, size_t len, struct webhook_headers *out);

/*
 * Read a secret file: "whsec_" + base64 is decoded, anything else is the
 * raw bytes (a trailing newline dropped).  The file must not be readable
 * or writable by others.  Returns 0 with *key (caller frees) and *keylen,
 * or -1 with err set.
 */
int webhook_load_secret(const char *path, unsigned char **key, size_t *keylen,
    char *err, size_t errlen);

/*
 * The storm control key of an alert: host.hostname NUL
 * user.target.name NUL threat.technique.id NUL rule.id (a missing host,
 * account or rule is empty) into key, and its @timestamp into ts (cut to
 * tslen - 1; "" when none).  Returns 0, or -1 when the line is not an
 * object, has no technique, or is a correlation (logward.correlation):
 * such an alert is never folded.
 */
int webhook_storm_key(struct webhook_alert *a, struct strbuf *key, char *ts, size_t tslen);

/*
 * Append to out the alert (a left unchanged) with logward.storm = {"count": folded,
 * "first", "last", "window": window_s} added: the summary of a storm
 * window.  Returns 0, or -1 when the line is not an object or memory ran
 * out (out restored).
 */
int webhook_storm_summary(struct webhook_alert *a, uint64_t folded, const char *first,
    const char *last, unsigned window_s, struct strbuf *out);

#endif
