/*
 * process.c: parse, normalize, format and detect one message.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json.h>

#include "alert.h"
#include "alert_id.h"
#include "correlate.h"
#include "detect.h"
#include "event.h"
#include "log.h"
#include "normalize.h"
#include "parse.h"
#include "process.h"
#include "sigma.h"

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

/* Attach the shared correlator. */
void
processor_set_correlate(struct processor *p, struct correlate *c)
{
	p->correlate = c;
}

void
processor_set_stamp(struct processor *p, struct alert_ids *ids, const char *observer_hostname)
{
	p->ids = ids;
	p->observer_hostname = observer_hostname;
}

/* A new stamp for the next alert of p: its event.id drawn now, at creation. */
static const struct alert_stamp *
processor_stamp(struct processor *p, struct alert_stamp *stamp, char id[ALERT_ID_LEN + 1])
{
	stamp->id = NULL;
	stamp->observer_hostname = p->observer_hostname;
	if (p->ids != NULL) {
		alert_ids_next(p->ids, id);
		stamp->id = id;
	}
	return stamp;
}

/*
 * Give the detected event's fact to the correlator; res gets what it
 * completes.  The scope falls back to the syslog host, then the sender.
 */
static void
processor_correlate(struct processor *p, const struct event_input *in,
    const struct detect_event *dev, const struct detect_result *dres,
    struct correlate_result *res)
{
	const struct detection *d = dres->detection;
	struct detect_value vs, vi, vg, va;
	struct sigma_fact_values sv;
	struct correlate_fact f;

	memset(&f, 0, sizeof(f));
	f.kind = d->fact;
	if (d->sigma) {
		/* its mapping file says where the account is; none there, no fact */
		if (!sigma_fact_fill(d, dev, &f, &sv))
			return;
	} else {
		f.scope = detect_field_slice(dev, d->scope, &vs);
		f.account = dres->target;
		f.account_id = detect_field_slice(dev, d->account_id, &vi);
		f.group = detect_result_group(dev, dres, &vg);
	}
	if (f.scope.p == NULL || f.scope.len == 0)
		f.scope = in->msg->hostname;
	if ((f.scope.p == NULL || f.scope.len == 0) && in->source_ip != NULL) {
		f.scope.p = in->source_ip;
		f.scope.len = strlen(in->source_ip);
	}
	f.actor = detect_field_slice(dev, d->actor, &va);
	f.raw.p = in->raw;
	f.raw.len = in->raw_len;
	f.rule_id = d->id;
	f.received = (int64_t)in->received.tv_sec;
	if (in->msg->time.present)
		f.event_us = in->msg->time.epoch * 1000000 + (int64_t)in->msg->time.usec;
	else
		f.event_us = (int64_t)in->received.tv_sec * 1000000 +
		    in->received.tv_nsec / 1000;
	correlate_observe(p->correlate, &f, res);
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

	parse_message_zone(frame, len, meta->received.tv_sec, meta->zone, &msg);
	res->parse_failed = msg.format == MSG_FORMAT_UNPARSED;
	res->alerted = false;
	res->detection = NULL;
	res->correlated = 0;
	res->host = msg.hostname;
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
	in.protocol = meta->protocol;
	in.source_ip = meta->source_ip;
	in.source_port = meta->source_port;
	in.tls = meta->tls;
	in.received = meta->received;
	in.frame_flags = meta->frame_flags;
	rc = event_format(out, &p->scratch, &in);
	/*
	 * Untagged events (no liblognorm match) cost one check here, unless
	 * Sigma rules are loaded: their keywords search any message.
	 */
	if (rc == 0 && alerts != NULL && p->detect != NULL &&
	    (norm != NULL || detect_wants_unnormalized(p->detect))) {
		struct detect_event dev = {&msg, norm, meta->source_ip};
		struct detect_result dres;

		if (detect_match(p->detect, &dev, &dres)) {
			struct alert_input ai = {&in, &dres, p->detect, p->explain, NULL, NULL};
			struct correlate_result cres;
			struct alert_stamp stamp;
			char id[ALERT_ID_LEN + 1];
			size_t i;

			memset(&cres, 0, sizeof(cres));
			if (p->correlate != NULL && dres.detection->fact != DETECT_FACT_NONE)
				processor_correlate(p, &in, &dev, &dres, &cres);
			ai.actor = cres.actor;
			/* a silent detection only gives its fact (and takes no id) */
			if (!dres.detection->silent)
				ai.stamp = processor_stamp(p, &stamp, id);
			if (!dres.detection->silent && alert_format(alerts, &ai) == 0) {
				/* counted by the caller once it is on disk, not now */
				res->alerted = true;
				res->detection = dres.detection;
			} else if (!dres.detection->silent)
				log_warnx("out of memory: alert %s lost", dres.detection->id);
			for (i = 0; i < cres.n_alerts; i++) {
				if (alert_format_correlated(alerts, &cres.alerts[i], p->detect,
				    processor_stamp(p, &stamp, id)) == 0)
					res->correlated++;
				else
					log_warnx("out of memory: alert %s lost", cres.alerts[i].rule->id);
			}
			correlate_result_clear(&cres);
		}
	}
	if (norm != NULL)
		json_object_put(norm);
	return rc;
}
