/*
 * process.c: parse, normalize, format and detect one message.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "alert.h"
#include "detect.h"
#include "event.h"
#include "log.h"
#include "normalize.h"
#include "parse.h"
#include "process.h"

/* Load the rulebases of a new processor (no detections until processor_set_detect). */
int
processor_init(struct processor *p, const char *rules_path, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	strbuf_init(&p->scratch);
	p->norm = normalizer_new(rules_path, err, errlen);
	if (p->norm == NULL)
		return -1;
	p->norm_owned = true;
	return 0;
}

/* A processor that borrows its rules (see processor_use). */
void
processor_init_shared(struct processor *p)
{
	memset(p, 0, sizeof(*p));
	strbuf_init(&p->scratch);
}

/* Borrow the rules of the batch at hand. */
void
processor_use(struct processor *p, struct normalizer *norm, const struct detect_set *set)
{
	if (p->norm_owned && p->norm != NULL)
		normalizer_free(p->norm);
	p->norm_owned = false;
	p->norm = norm;
	p->detect = set;
}

/* Free what the processor owns (not the detect set, nor a borrowed normalizer). */
void
processor_fini(struct processor *p)
{
	if (p->norm_owned && p->norm != NULL)
		normalizer_free(p->norm);
	p->norm = NULL;
	strbuf_free(&p->scratch);
}

/* Attach the shared detection set. */
void
processor_set_detect(struct processor *p, const struct detect_set *set, bool explain)
{
	p->detect = set;
	p->explain = explain;
}

/* One message: the event line, then the alert line when a detection holds. */
int
processor_run(struct processor *p, const char *frame, size_t len,
    const struct frame_meta *meta, struct strbuf *out, struct strbuf *alerts,
    struct process_result *res)
{
	struct syslog_msg msg;
	struct event_input in;
	struct json_object *norm = NULL;
	int rc;

	parse_message(frame, len, meta->received.tv_sec, &msg);
	res->parse_failed = msg.format == MSG_FORMAT_UNPARSED;
	res->alerted = false;
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
	/* Untagged events (no liblognorm match) cost one check here. */
	if (rc == 0 && norm != NULL && alerts != NULL && p->detect != NULL) {
		struct detect_event dev = {&msg, norm, meta->source_ip};
		struct detect_result dres;

		if (detect_match(p->detect, &dev, &dres)) {
			struct alert_input ai = {&in, &dres, p->detect, p->explain};

			if (alert_format(alerts, &ai) == 0) {
				res->alerted = true;
				detect_count_alert(p->detect, dres.detection);
			} else
				log_warnx("out of memory: alert %s lost", dres.detection->id);
		}
	}
	if (norm != NULL)
		json_object_put(norm);
	return rc;
}
