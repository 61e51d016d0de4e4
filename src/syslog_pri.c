/*
 * syslog_pri.c: the PRI of a syslog message (syslog_pri.h): "<" 1*3DIGIT
 * ">" read, and the facility and severity it packs named.
 */
#include "config.h"

#include <stddef.h>

#include "syslog_pri.h"

static const char *const facility_names[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"solaris-cron", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7",
};

static const char *const severity_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* RFC 5424 table 1 names (as syslog.h spells them); "unknown" out of range. */
const char *
syslog_facility_name(int facility)
{
	if (facility < 0 || facility > 23)
		return "unknown";
	return facility_names[facility];
}

/* RFC 5424 table 2 names (as syslog.h spells them); "unknown" out of range. */
const char *
syslog_severity_name(int severity)
{
	if (severity < 0 || severity > 7)
		return "unknown";
	return severity_names[severity];
}

/* "<" 1*3DIGIT ">" with a value of at most 191 (RFC 5424 6.2.1). */
int
syslog_pri_read(const char *p, size_t len, size_t *used)
{
	size_t i;
	int pri = 0;

	if (len == 0 || p[0] != '<')
		return -1;
	for (i = 1; i < len && i <= 3 && p[i] >= '0' && p[i] <= '9'; i++)
		pri = pri * 10 + (p[i] - '0');
	if (i == 1 || i >= len || p[i] != '>' || pri > 191) {
		*used = i;
		return -2;
	}
	*used = i + 1;
	return pri;
}
