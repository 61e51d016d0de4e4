/*
 * alert_code.c: the source's event code and the ATT&CK reference of an
 * alert (alert_code.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "alert_code.h"

/*
 * The mnemonic of a Cisco message id (the parser's msgid of
 * "%FAC[-SUB]-SEV-MNEMONIC:", rfc3164.c): what follows its last "-SEV-".
 * An RFC 5424 MSGID has no such part: not a code.
 */
static struct slice
cisco_code(struct slice msgid)
{
	struct slice none = {NULL, 0}, r;
	size_t i;

	if (msgid.p == NULL || msgid.len < 4)
		return none;
	for (i = msgid.len - 2; i >= 2; i--)
		if (msgid.p[i + 1] == '-' && isdigit((unsigned char)msgid.p[i]) &&
		    msgid.p[i - 1] == '-') {
			r.p = msgid.p + i + 2;
			r.len = msgid.len - i - 2;
			return r.len > 0 ? r : none;
		}
	return none;
}

struct slice
alert_event_code(const struct event_input *ev, struct detect_value *v)
{
	static const char *const paths[] = {"event.code", "winlog.event_id", "json.eventType"};
	struct detect_event dev = {ev->msg, ev->norm, ev->source_ip};
	struct slice s = {NULL, 0};
	size_t i;

	if (ev->norm == NULL)
		return s;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		s = detect_field_slice(&dev, paths[i], v);
		if (s.p != NULL && s.len > 0)
			return s;
	}
	return cisco_code(ev->msg->msgid);
}

int
alert_technique_reference(const char *id, char *out, size_t outlen)
{
	size_t i, n = id != NULL ? strlen(id) : 0;
	const char *dot;
	int w;

	/* T1136 or T1136.003: nothing else is a page of attack.mitre.org */
	if (n < 5 || id[0] != 'T')
		return -1;
	for (i = 1; i < n; i++)
		if (!isdigit((unsigned char)id[i]) && !(id[i] == '.' && i == 5))
			return -1;
	if ((dot = strchr(id, '.')) != NULL && (dot - id != 5 || n != 9))
		return -1;
	if (dot == NULL && n != 5)
		return -1;
	if (dot != NULL)
		w = snprintf(out, outlen, "https://attack.mitre.org/techniques/%.5s/%s/", id, dot + 1);
	else
		w = snprintf(out, outlen, "https://attack.mitre.org/techniques/%s/", id);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}
