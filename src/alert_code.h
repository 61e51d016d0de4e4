/*
 * alert_code.h: what an alert names beyond the detection's own fields:
 * the source's event code (event.code) and the ATT&CK page of a technique
 * (threat.technique.reference).
 */
#ifndef LOGWARD_ALERT_CODE_H
#define LOGWARD_ALERT_CODE_H

#include <stddef.h>

#include "detect.h"
#include "event.h"

/*
 * The event code the source gave the event, looked for in order: the
 * rulebase's event.code, the Windows event id (winlog.event_id, 4720),
 * the Okta event type (json.eventType, user.lifecycle.create), the
 * mnemonic of a Cisco message id ("%ASA-5-502101:" gives 502101; the
 * parser bounds it, rfc3164.c CISCO_MNEMONIC_MAX).
 * The slice points into the event or into v; p NULL when there is none.
 */
struct slice alert_event_code(const struct event_input *ev, struct detect_value *v);

/*
 * The ATT&CK URL of technique id ("T1136.003" gives
 * https://attack.mitre.org/techniques/T1136/003/) into out; 0, or -1 when
 * id is not a technique id (T and digits, an optional .NNN) or out is
 * too small (72 bytes hold every one).
 */
int alert_technique_reference(const char *id, char *out, size_t outlen);

#endif
