/*
 * syslog_pri.h: the PRI of a syslog message, facility * 8 + severity
 * (RFC 5424 6.2.1), read and named.  Used by both parsers (rfc5424.c,
 * rfc3164.c) and by event.c, which names what the parsers read.
 */
#ifndef LOGWARD_SYSLOG_PRI_H
#define LOGWARD_SYSLOG_PRI_H

#include <stddef.h>

/*
 * "<PRI>" at p: returns 0..191 and sets *used; -1 when p does not start
 * with '<', -2 when malformed (*used: the column).
 */
int syslog_pri_read(const char *p, size_t len, size_t *used);

/* Names for facility and severity codes ("auth", "notice"); "unknown" when out of range. */
const char *syslog_facility_name(int facility);
const char *syslog_severity_name(int severity);

#endif
