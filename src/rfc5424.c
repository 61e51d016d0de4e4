/* rfc5424.c: RFC 5424 header parser (work in progress). */
#include "parse.h"

/* Placeholder until the full parser lands: nothing is RFC 5424 yet. */
int
rfc5424_parse(const char *frame, size_t len, struct syslog_msg *msg)
{
	(void)frame;
	(void)len;
	msg->error = "not RFC 5424";
	return -1;
}
