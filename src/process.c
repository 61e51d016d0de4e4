/*
 * process.c: parse, normalize and format one message.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "event.h"
#include "normalize.h"
#include "parse.h"
#include "process.h"

int
processor_init(struct processor *p, const char *rules_path, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	strbuf_init(&p->scratch);
	p->norm = normalizer_new(rules_path, err, errlen);
	if (p->norm == NULL)
		return -1;
	return 0;
}

void
processor_fini(struct processor *p)
{
	if (p->norm != NULL)
		normalizer_free(p->norm);
	p->norm = NULL;
	strbuf_free(&p->scratch);
}

int
processor_run(struct processor *p, const char *frame, size_t len,
    const struct frame_meta *meta, struct strbuf *out, struct process_result *res)
{
	struct syslog_msg msg;
	struct event_input in;
	struct json_object *norm = NULL;
	int rc;

	parse_message(frame, len, meta->received.tv_sec, &msg);
	res->parse_failed = msg.format == MSG_FORMAT_UNPARSED;
	/*
	 * Rulebases match the MSG part.  A frame we could not parse is still
	 * offered whole: a device with a broken header must not hide an
	 * account creation.
	 */
	res->normalized = msg.msg.p != NULL &&
	    normalizer_run(p->norm, msg.msg.p, msg.msg.len, &norm) == 1;

	memset(&in, 0, sizeof(in));
	in.raw = frame;
	in.raw_len = len;
	in.msg = &msg;
	in.norm = norm;
	in.input_name = meta->input_name;
	in.transport = meta->transport;
	in.source_ip = meta->source_ip;
	in.source_port = meta->source_port;
	in.received = meta->received;
	in.frame_flags = meta->frame_flags;
	rc = event_format(out, &p->scratch, &in);
	if (norm != NULL)
		json_object_put(norm);
	return rc;
}
