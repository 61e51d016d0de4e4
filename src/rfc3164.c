/* rfc3164.c: RFC 3164 and device dialects parser (work in progress). */
#include "parse.h"

/* Placeholder until the full parser lands: everything is unparsed. */
int
rfc3164_parse(const char *frame, size_t len, time_t now, struct syslog_msg *msg)
{
	(void)frame;
	(void)len;
	(void)now;
	msg->error = "not RFC 3164";
	return -1;
}
