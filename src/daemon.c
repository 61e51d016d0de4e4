/*
 * daemon.c: the running collector: start-up, signals, SIGHUP reload and
 * shutdown.  See daemon.h for the signals and README "Reloading" for what
 * a reload changes live.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "activation.h"
#include "alert_id.h"
#include "alert_merge.h"
#include "archive.h"
#include "conf.h"
#include "correlate.h"
#include "daemon.h"
#include "deliver.h"
#include "kafka.h"
#include "kafka_conf.h"
#include "detect.h"
#include "input.h"
#include "log.h"
#include "monotime.h"
#include "metrics.h"
#include "monotime.h"
#include "pipeline.h"
#include "privilege.h"
#include "retention.h"
#include "ruleset.h"
#include "startup.h"
#include "stats.h"

/* Everything the daemon owns; the only place that holds run-time state. */
struct daemon_ctx {
	struct conf *conf;
	struct conf *deliver_conf;  /* what deliver's webhooks point into: conf, or an
				       older one while the webhooks did not change */
	const char *rules_override; /* --rules; NULL: the configuration's */
	struct event_base *base;
	struct ruleset *rules; /* the newest; older ones wait in retirements */
	struct correlate *correlate; /* the daemon's, not a ruleset's: kept across reloads */
	struct archive *archive;
	struct archive *alerts;
	struct pipeline *pipeline;
	struct deliver *deliver; /* webhooks; NULL without any */
	struct kafka *kafka;     /* the kafka block's producer, kept across reloads; NULL: none */
	struct retention *retention; /* the archive's keep_days and compress; NULL: none */
	struct input *inputs;
	size_t n_inputs;
	struct event *sig_ev[5];
	struct event *stats_ev;
	struct event *drain_ev;   /* the drain polls for RELP sessions still answering */
	int64_t drain_deadline_ms; /* ... until then */
	struct metrics_input *metrics_inputs; /* one per input, for the metrics server */
	struct metrics_source metrics_src;
	struct metrics_server *metrics; /* NULL without a metrics block */
	int exit_signal;
	struct alert_ids ids;    /* event.id of every alert of this run */
	struct alert_merge *merge; /* incidents held (alert_merge.h); NULL: merge_window 0 */
	struct event *merge_ev;  /* writes the incidents whose window closed */
	struct strbuf merge_out; /* their alerts not yet written (a failing disk) */
	bool merge_failing;      /* writing them fails (pipeline_note_write) */
	char hostname[256];      /* observer.hostname of every alert */
};

/*
 * What a reload swapped out: freed by daemon_retirecb once no batch
 * submitted before the swap is left (pipeline_swap).  NULL members were
 * kept by the new configuration.
 */
struct retired {
	struct ruleset *rules, *next_rules;
	struct archive *archive, *alerts;
	bool deliver_replaced;
	struct deliver *deliver; /* the old set (NULL: there was none) */
	struct deliver *start;	 /* the new set, started once the old one let go */
	struct input *inputs;	 /* removed or reopened, already shut down */
	size_t n_inputs;
	struct conf *conf, *deliver_conf;
};

/* A reload being prepared: everything new, nothing of the running one touched. */
struct reload {
	struct conf *conf;
	struct ruleset *rules;
	struct archive *archive, *alerts; /* new files; NULL: the path did not change */
	bool deliver_changed;
	struct deliver *deliver; /* the new set when changed (NULL: no webhooks) */
	struct input *inputs;	 /* conf->n_inputs, in the new order */
	ssize_t *kept;		 /* per new input: the old input kept, or -1 */
	struct input_retune **retune; /* per new input kept: its new settings, or NULL */
	bool *deferred;		 /* per new input: opened after the old ones close */
	bool metrics_changed;
	struct metrics_server *metrics; /* opened here; NULL: none or deferred */
	struct kafka_producer *kafka;   /* the changed kafka block's producer; NULL: unchanged */
};

/* Tell systemd (Type=notify) about a state change; nothing without libsystemd. */
static void
daemon_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	int rc = sd_notify(0, state);

	if (rc < 0)
		log_debug("sd_notify %s: error %d", state, rc);
#else
	(void)state;
#endif
}

/* RELOADING=1 with the monotonic time systemd >= 253 wants (older ones ignore it). */
static void
daemon_notify_reloading(void)
{
#ifdef HAVE_SYSTEMD
	struct timespec ts;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	rc = sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	if (rc < 0)
		log_debug("sd_notify RELOADING=1: error %d", rc);
#endif
}

/* Pipeline backpressure: stop or restart reading on every input. */
static void
daemon_pausecb(void *arg, bool paused)
{
	struct daemon_ctx *d = arg;
	size_t i;

	for (i = 0; i < d->n_inputs; i++)
		input_pause(&d->inputs[i], paused);
}

/* The correlator's drops, when there are any. */
static void
daemon_log_correlate(struct correlate *c)
{
	struct correlate_stats st;

	if (c == NULL)
		return;
	correlate_get_stats(c, &st);
	if (st.overflow > 0 || st.journal_errors > 0)
		log_warnx("correlate: %llu entries, %llu facts not kept (max_entries), "
		    "%llu journal write errors", (unsigned long long)st.entries,
		    (unsigned long long)st.overflow, (unsigned long long)st.journal_errors);
}

static void
daemon_log_stats(struct daemon_ctx *d, int force)
{
	size_t i;

	for (i = 0; i < d->n_inputs; i++)
		stats_log_summary(d->inputs[i].conf->name, input_stats(&d->inputs[i]),
		    &d->inputs[i].last, force);
	if (archive_lost_bytes(d->archive) > 0)
		log_warnx("archive: %llu bytes could not be written",
		    (unsigned long long)archive_lost_bytes(d->archive));
	if (archive_lost_bytes(d->alerts) > 0)
		log_warnx("alerts: %llu bytes could not be written",
		    (unsigned long long)archive_lost_bytes(d->alerts));
	deliver_log_summary(d->deliver);
	kafka_log_summary(d->kafka);
	daemon_log_correlate(d->correlate);
}

static void
daemon_statscb(evutil_socket_t fd, short what, void *arg)
{
	daemon_log_stats(arg, 0);
}

/* (Re)start the statistics timer at the configured interval; 0 stops it. */
static int
daemon_set_stats_timer(struct daemon_ctx *d)
{
	struct timeval tv = {(time_t)d->conf->stats_interval, 0};

	if (d->stats_ev == NULL &&
	    (d->stats_ev = event_new(d->base, -1, EV_PERSIST, daemon_statscb, d)) == NULL)
		return -1;
	event_del(d->stats_ev);
	if (d->conf->stats_interval > 0 && event_add(d->stats_ev, &tv) == -1)
		return -1;
	return 0;
}

/* Bind one input of the daemon's; reading starts at once unless intake is paused. */
static int
daemon_input_open(
    struct daemon_ctx *d, const struct input_conf *ic, struct input *in, char *err, size_t errlen)
{
	return input_open(in, d->base, ic, d->pipeline, err, errlen);
}

/* Bind every input of the configuration. */
static int
daemon_open_inputs(struct daemon_ctx *d, char *err, size_t errlen)
{
	size_t i;

	d->inputs = calloc(d->conf->n_inputs, sizeof(*d->inputs));
	if (d->inputs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < d->conf->n_inputs; i++) {
		if (daemon_input_open(d, &d->conf->inputs[i], &d->inputs[i], err, errlen) == -1)
			return -1;
		d->n_inputs++;
	}
	return 0;
}

static void daemon_signalcb(evutil_socket_t sig, short what, void *arg);

static int
daemon_add_signals(struct daemon_ctx *d)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], daemon_signalcb, d);
		if (d->sig_ev[i] == NULL || event_add(d->sig_ev[i], NULL) == -1)
			return -1;
	}
	return 0;
}

/* Point the metrics source at the running inputs and detections. */
static int
daemon_metrics_sync(struct daemon_ctx *d)
{
	struct metrics_input *mi = NULL;
	size_t i;

	if (d->n_inputs > 0 && (mi = calloc(d->n_inputs, sizeof(*mi))) == NULL)
		return -1;
	for (i = 0; i < d->n_inputs; i++) {
		mi[i].name = d->inputs[i].conf->name;
		mi[i].transport = transport_name(d->inputs[i].conf->transport);
		mi[i].stats = input_stats(&d->inputs[i]);
	}
	free(d->metrics_inputs);
	d->metrics_inputs = mi;
	d->metrics_src.inputs = mi;
	d->metrics_src.n_inputs = d->n_inputs;
	d->metrics_src.detect = d->rules->detect;
	d->metrics_src.deliver = d->deliver;
	d->metrics_src.correlate = d->correlate;
	d->metrics_src.merge = d->merge;
	d->metrics_src.pipeline = d->pipeline;
	d->metrics_src.kafka = d->kafka;
	return 0;
}

/* Listen for scrapes at c's metrics address (NULL when it has none). */
static struct metrics_server *
daemon_metrics_new(struct daemon_ctx *d, const struct conf *c, char *err, size_t errlen)
{
	struct metrics_server *m;

	if (c->metrics_address == NULL)
		return NULL;
	m = metrics_server_new(
	    d->base, c->metrics_host, c->metrics_port, &d->metrics_src, err, errlen);
	if (m != NULL)
		log_info(
		    "metrics: serving /metrics and /healthz on http://%s/", c->metrics_address);
	return m;
}

/* The configuration at path with --rules applied; NULL with err set. */
static struct conf *
daemon_load_conf(const char *path, const char *rules_override, char *err, size_t errlen)
{
	struct conf *c = conf_load(path, err, errlen);

	if (c == NULL || rules_override == NULL)
		return c;
	free(c->rules);
	free(c->rules_origin);
	c->rules_origin = NULL;
	if ((c->rules = strdup(rules_override)) == NULL) {
		snprintf(err, errlen, "out of memory");
		conf_free(c);
		return NULL;
	}
	return c;
}

/* Both NULL or equal. */
static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Settings the running daemon cannot change (the worker threads and the
 * batch pool are sized at start): warn and keep the running value.
 */
static void
reload_keep_restart_only(const struct conf *old, struct conf *c)
{
	if (c->workers != old->workers) {
		log_warnx("%s: workers %u -> %u needs a restart; keeping %u", c->path, old->workers,
		    c->workers, old->workers);
		c->workers = old->workers;
	}
	if (c->queue_batches != old->queue_batches) {
		log_warnx("%s: queue_batches %u -> %u needs a restart; keeping %u", c->path,
		    old->queue_batches, c->queue_batches, old->queue_batches);
		c->queue_batches = old->queue_batches;
	}
	/* root is gone (or was kept) for good at start-up */
	if (!same_str(c->user, old->user) || !same_str(c->group, old->group) ||
	    c->run_as_root != old->run_as_root)
		log_warnx("%s: user, group and run_as_root take effect at the next start", c->path);
}

/* The running input named name, or -1. */
static ssize_t
daemon_find_input(const struct daemon_ctx *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_inputs; i++)
		if (strcmp(d->inputs[i].conf->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Whether c has an input named name. */
static bool
conf_has_input(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_inputs; i++)
		if (strcmp(c->inputs[i].name, name) == 0)
			return true;
	return false;
}

/* Whether the running input i is kept by r (else it closes). */
static bool
reload_keeps(const struct reload *r, size_t i)
{
	size_t j;

	for (j = 0; j < r->conf->n_inputs; j++)
		if (r->kept[j] == (ssize_t)i)
			return true;
	return false;
}

/*
 * Whether ic would bind a port an input that is going away holds: it is
 * opened once that one is closed (no SO_REUSEPORT: two sockets cannot
 * share it).
 */
static bool
reload_port_taken(const struct daemon_ctx *d, const struct reload *r, const struct input_conf *ic)
{
	size_t i;

	for (i = 0; i < d->n_inputs; i++) {
		const struct input_conf *old = d->inputs[i].conf;

		if (!reload_keeps(r, i) && input_conf_same_socket(old, ic) &&
		    strcmp(old->port, ic->port) == 0)
			return true;
	}
	return false;
}

/* Decide, for every new input, kept / opened now / opened after the old ones close. */
static int
reload_prepare_inputs(struct daemon_ctx *d, struct reload *r, char *err, size_t errlen)
{
	size_t j, n = r->conf->n_inputs;

	r->inputs = calloc(n > 0 ? n : 1, sizeof(*r->inputs));
	r->kept = calloc(n > 0 ? n : 1, sizeof(*r->kept));
	r->retune = calloc(n > 0 ? n : 1, sizeof(*r->retune));
	r->deferred = calloc(n > 0 ? n : 1, sizeof(*r->deferred));
	if (r->inputs == NULL || r->kept == NULL || r->retune == NULL || r->deferred == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (j = 0; j < n; j++) {
		const struct input_conf *ic = &r->conf->inputs[j];
		ssize_t i = daemon_find_input(d, ic->name);

		r->kept[j] = -1;
		if (i < 0)
			continue;
		switch (input_reload_kind(d->inputs[i].conf, ic)) {
		case INPUT_KEEP:
			r->kept[j] = i;
			break;
		case INPUT_RETUNE:
			if ((r->retune[j] = input_retune_new(&d->inputs[i], ic, err, errlen)) == NULL)
				return -1;
			r->kept[j] = i;
			break;
		case INPUT_REOPEN:
			break;
		}
	}
	for (j = 0; j < n; j++) {
		const struct input_conf *ic = &r->conf->inputs[j];

		if (r->kept[j] >= 0)
			continue;
		if (reload_port_taken(d, r, ic)) {
			r->deferred[j] = true;
			continue;
		}
		if (daemon_input_open(d, ic, &r->inputs[j], err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* Open the outputs whose path changed; the unchanged ones are kept. */
static int
reload_prepare_outputs(struct daemon_ctx *d, struct reload *r, char *err, size_t errlen)
{
	char e[512];

	if (strcmp(r->conf->archive_path, d->conf->archive_path) != 0 &&
	    (r->archive = archive_open(r->conf->archive_path, err, errlen)) == NULL)
		return -1;
	if (strcmp(r->conf->alerts_path, d->conf->alerts_path) != 0) {
		r->alerts = archive_open(r->conf->alerts_path, e, sizeof(e));
		if (r->alerts == NULL || archive_set_durable(r->alerts, e, sizeof(e)) == -1) {
			snprintf(err, errlen, "alerts: %s", e);
			return -1;
		}
	}
	if ((r->conf->kafka == NULL) != (d->conf->kafka == NULL))
		log_warnx("reload: a kafka block added or removed takes effect at the next restart");
	else if (r->conf->kafka != NULL && d->kafka != NULL &&
	    !kafka_settings_same(r->conf->kafka, d->conf->kafka) &&
	    (r->kafka = kafka_reload_prepare(d->kafka, r->conf->kafka, err, errlen)) == NULL)
		return -1; /* the running producer stays */
	if (!conf_webhooks_same(d->deliver_conf, r->conf)) {
		r->deliver_changed = true;
		r->deliver = deliver_new(r->conf, err, errlen);
		if (r->deliver == NULL && err[0] != '\0')
			return -1;
	}
	return 0;
}

/* A new metrics address is bound now, unless it takes over the old one's port. */
static int
reload_prepare_metrics(struct daemon_ctx *d, struct reload *r, char *err, size_t errlen)
{
	const struct conf *o = d->conf, *c = r->conf;

	if (same_str(o->metrics_address, c->metrics_address))
		return 0;
	r->metrics_changed = true;
	if (c->metrics_address == NULL ||
	    (o->metrics_port != NULL && strcmp(o->metrics_port, c->metrics_port) == 0))
		return 0;
	r->metrics = daemon_metrics_new(d, c, err, errlen);
	return r->metrics != NULL ? 0 : -1;
}

/* Undo a reload that failed: free everything it made; the running set is untouched. */
static void
reload_abort(struct reload *r)
{
	size_t j;

	metrics_server_free(r->metrics);
	kafka_reload_discard(r->kafka);
	for (j = 0; r->inputs != NULL && j < r->conf->n_inputs; j++)
		input_free(&r->inputs[j]);
	for (j = 0; r->retune != NULL && j < r->conf->n_inputs; j++)
		input_retune_free(r->retune[j]);
	free(r->inputs);
	free(r->kept);
	free(r->retune);
	free(r->deferred);
	deliver_free(r->deliver);
	if (r->alerts != NULL)
		archive_close(r->alerts);
	if (r->archive != NULL)
		archive_close(r->archive);
	ruleset_free(r->rules);
	conf_free(r->conf);
}

/* Load and open everything the new configuration needs; -1 with err set. */
static int
reload_prepare(struct daemon_ctx *d, struct reload *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if ((r->conf = daemon_load_conf(d->conf->path, d->rules_override, err, errlen)) == NULL)
		return -1;
	reload_keep_restart_only(d->conf, r->conf);
	if (startup_check_rules(r->conf, err, errlen) == -1)
		return -1;
	r->rules = ruleset_load(r->conf->rules, r->conf->sigma, pipeline_worker_count(d->pipeline),
	    err, errlen);
	if (r->rules == NULL)
		return -1;
	detect_sigma_log(r->rules->detect, 10);
	if (reload_prepare_outputs(d, r, err, errlen) == -1 ||
	    reload_prepare_inputs(d, r, err, errlen) == -1 ||
	    reload_prepare_metrics(d, r, err, errlen) == -1)
		return -1;
	return 0;
}

/* Everything a reload swapped out is unused now: free it, start what waited. */
static void
daemon_retirecb(void *arg)
{
	struct retired *t = arg;
	char err[1024];
	size_t i;

	for (i = 0; i < t->n_inputs; i++)
		input_free(&t->inputs[i]);
	free(t->inputs);
	ruleset_carry_rest(t->next_rules, t->rules);
	ruleset_free(t->rules);
	if (t->archive != NULL) {
		archive_sync(t->archive);
		archive_close(t->archive);
	}
	if (t->alerts != NULL) {
		archive_wait_synced(t->alerts);
		archive_close(t->alerts);
	}
	if (t->deliver_replaced) {
		/* the old set spools what it was handed, then lets go of the spools */
		deliver_free(t->deliver);
		if (t->start != NULL && deliver_start(t->start, err, sizeof(err)) == -1)
			log_warnx("reload: webhooks NOT delivering (alerts stay in the alerts "
				  "file): %s",
			    err);
	}
	if (t->deliver_conf != t->conf)
		conf_free(t->deliver_conf);
	conf_free(t->conf);
	free(t);
}

/*
 * Close the inputs the new configuration drops or changes (what they read
 * goes into the batch being filled, before the swap), and move them into t.
 */
static int
reload_close_inputs(struct daemon_ctx *d, struct reload *r, struct retired *t)
{
	size_t i;

	if ((t->inputs = calloc(d->n_inputs > 0 ? d->n_inputs : 1, sizeof(*t->inputs))) == NULL)
		return -1;
	for (i = 0; i < d->n_inputs; i++) {
		if (reload_keeps(r, i))
			continue;
		log_info("input %s: %s", d->inputs[i].conf->name,
		    conf_has_input(r->conf, d->inputs[i].conf->name) ? "reopening" : "closed");
		input_shutdown(&d->inputs[i]);
		t->inputs[t->n_inputs++] = d->inputs[i];
	}
	return 0;
}

/*
 * The new inputs in configuration order: the kept ones (their sockets and
 * connections untouched), the ones opened by reload_prepare, and the
 * deferred ones opened now.  A deferred one that cannot bind is logged and
 * left out: the reload went too far to go back.
 */
static void
reload_place_inputs(struct daemon_ctx *d, struct reload *r)
{
	char err[1024];
	size_t j, n = 0;

	for (j = 0; j < r->conf->n_inputs; j++) {
		const struct input_conf *ic = &r->conf->inputs[j];
		struct input in;

		if (r->kept[j] >= 0) {
			in = d->inputs[r->kept[j]];
			if (r->retune[j] != NULL)
				input_retune_apply(&in, ic, r->retune[j]);
			else
				input_set_conf(&in, ic);
			r->retune[j] = NULL;
		} else if (r->deferred[j]) {
			if (daemon_input_open(d, ic, &in, err, sizeof(err)) == -1) {
				log_warnx("reload: %s (the input stays closed)", err);
				continue;
			}
		} else
			in = r->inputs[j];
		r->inputs[n++] = in;
	}
	free(d->inputs);
	d->inputs = r->inputs;
	d->n_inputs = n;
	r->inputs = NULL;
}

/* Serve metrics at the new address (or none). */
static void
reload_place_metrics(struct daemon_ctx *d, struct reload *r)
{
	char err[1024];

	if (!r->metrics_changed)
		return;
	metrics_server_free(d->metrics);
	d->metrics = r->metrics;
	if (d->metrics == NULL && r->conf->metrics_address != NULL &&
	    (d->metrics = daemon_metrics_new(d, r->conf, err, sizeof(err))) == NULL)
		log_warnx("reload: %s (no metrics until the next reload)", err);
	r->metrics = NULL;
}

/*
 * Swap the prepared configuration in.  Order matters: the inputs that go
 * away hand what they read to the current batch first, so that batch and
 * every earlier one run with the old generation, and the old listeners
 * (whose names those batches carry) are freed only after them.
 */
static void
reload_commit(struct daemon_ctx *d, struct reload *r)
{
	struct pipeline_outputs out;
	struct retired *t = calloc(1, sizeof(*t));
	struct conf *old = d->conf;

	if (t == NULL || reload_close_inputs(d, r, t) == -1)
		fatalx("out of memory reloading the configuration");
	out.rules = r->rules;
	out.archive = r->archive != NULL ? r->archive : d->archive;
	out.alerts = r->alerts != NULL ? r->alerts : d->alerts;
	out.deliver = r->deliver_changed ? r->deliver : d->deliver;
	out.kafka = d->kafka;
	t->rules = d->rules;
	t->next_rules = r->rules;
	t->archive = r->archive != NULL ? d->archive : NULL;
	t->alerts = r->alerts != NULL ? d->alerts : NULL;
	if (r->deliver_changed) {
		t->deliver_replaced = true;
		t->deliver = d->deliver;
		t->start = r->deliver;
		t->deliver_conf = d->deliver_conf;
		d->deliver = r->deliver;
		d->deliver_conf = r->conf;
	}
	/* the old configuration stays while the running webhooks point into it */
	t->conf = old != d->deliver_conf && old != t->deliver_conf ? old : NULL;
	ruleset_carry_alerts(r->rules, d->rules);
	pipeline_swap(d->pipeline, &out, daemon_retirecb, t);
	if (r->kafka != NULL) /* the events of earlier batches may still go to the old one */
		kafka_reload_commit(d->kafka, r->kafka);

	d->conf = r->conf;
	pipeline_set_pause_wait(d->pipeline, (long)d->conf->queue_wait * 1000000L);
	d->rules = r->rules;
	d->archive = out.archive;
	d->alerts = out.alerts;
	reload_place_inputs(d, r);
	reload_place_metrics(d, r);
	if (daemon_set_stats_timer(d) == -1)
		log_warnx("reload: cannot restart the statistics timer");
	if (daemon_metrics_sync(d) == -1)
		log_warnx("reload: out of memory: /metrics shows the inputs of before");
	free(r->kept);
	free(r->retune);
	free(r->deferred);
	r->conf = NULL;
}

/*
 * Start the archive's retention thread when keep_days or compress ask for
 * one, or replace it when a reload changed them.  -1 with err set.
 */
static int
daemon_sync_retention(struct daemon_ctx *d, char *err, size_t errlen)
{
	const struct conf *c = d->conf;
	bool want = c->archive_keep_days > 0 || c->archive_compress != COMPRESS_NONE;
	struct retention_stats before = { 0 };

	if (want && retention_same(d->retention, c->archive_path, c->archive_keep_days,
	    (enum compress_format)c->archive_compress))
		return 0;
	/* /metrics is served on this thread: no scrape sees the old one freed */
	d->metrics_src.retention = NULL;
	if (d->retention != NULL)
		retention_get_stats(d->retention, &before);
	retention_free(d->retention);
	d->retention = NULL;
	if (!want)
		return 0;
	d->retention = retention_new(c->archive_path, c->archive_keep_days,
	    (enum compress_format)c->archive_compress, err, errlen);
	if (d->retention == NULL || retention_start(d->retention, err, errlen) == -1) {
		retention_free(d->retention);
		d->retention = NULL;
		return -1;
	}
	retention_add_stats(d->retention, &before); /* counters never go back */
	d->metrics_src.retention = d->retention;
	return 0;
}

/* SIGHUP: reopen the outputs, then load the configuration again and swap it in. */
static void
daemon_reload(struct daemon_ctx *d)
{
	struct reload r;
	char err[1024];

	daemon_notify_reloading();
	log_info("SIGHUP: reopening output files, reloading %s", d->conf->path);
	archive_reopen(d->archive);
	archive_reopen(d->alerts);
	err[0] = '\0';
	if (reload_prepare(d, &r, err, sizeof(err)) == -1) {
		log_warnx("reload failed, still running the previous configuration: %s", err);
		reload_abort(&r);
		d->metrics_src.reloads_failed++;
		d->metrics_src.last_reload_failed = true;
	} else {
		if (!correlate_settings_equal(&d->conf->correlate, &r.conf->correlate))
			log_warnx("reload: the correlate block changed: it takes effect at the "
			    "next start (the correlation state is kept)");
		reload_commit(d, &r);
		if (daemon_sync_retention(d, err, sizeof(err)) == -1)
			log_warnx("reload: %s (the archive is kept as it is)", err);
		d->metrics_src.reloads_ok++;
		d->metrics_src.last_reload_failed = false;
		d->metrics_src.last_reload = time(NULL);
		log_info("reloaded %s: %zu inputs, rules %s, %zu detections, archive %s, "
			 "alerts %s",
		    d->conf->path, d->n_inputs, d->conf->rules, detect_count(d->rules->detect),
		    d->conf->archive_path, d->conf->alerts_path);
	}
	daemon_notify("READY=1");
}

/* The workers finished every queued batch: leave the loop. */
/* Most seconds the drain waits for RELP sessions to answer what the workers wrote. */
#define DRAIN_RELP_WAIT_S 5

static size_t
daemon_inputs_busy(const struct daemon_ctx *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_inputs; i++)
		n += input_busy(&d->inputs[i]);
	return n;
}

static void daemon_drain_pollcb(evutil_socket_t fd, short what, void *arg);

/*
 * Leave the loop once no RELP session is still answering (each answers
 * what was in flight, says serverclose and closes: tcp_relp_stop), or at
 * the deadline; a session left open then is closed by input_free, and its
 * sender resends what was not answered.
 */
static void
daemon_drain_sessions(struct daemon_ctx *d)
{
	struct timeval tv = { 0, 20 * 1000 };
	size_t busy = daemon_inputs_busy(d);

	if (busy > 0 && monotime_ms() < d->drain_deadline_ms &&
	    (d->drain_ev != NULL ||
		(d->drain_ev = evtimer_new(d->base, daemon_drain_pollcb, d)) != NULL)) {
		evtimer_add(d->drain_ev, &tv);
		return;
	}
	if (busy > 0)
		log_warnx("%zu RELP session(s) still open %d s into the drain: closing them "
			  "(their senders resend what was not answered)",
		    busy, DRAIN_RELP_WAIT_S);
	event_base_loopbreak(d->base);
}

static void
daemon_drain_pollcb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	daemon_drain_sessions(arg);
}

/* The pipeline has written everything: let RELP sessions answer it, then leave the loop. */
static void
daemon_stoppedcb(void *arg)
{
	struct daemon_ctx *d = arg;

	d->drain_deadline_ms = monotime_ms() + DRAIN_RELP_WAIT_S * 1000;
	daemon_drain_sessions(d);
}

/*
 * TERM/INT: stop reading (what senders already sent is taken), let the
 * workers finish, and keep the loop running meanwhile so /metrics and
 * /healthz (503) still answer while the daemon drains.
 */
static void
daemon_begin_drain(struct daemon_ctx *d, int sig)
{
	size_t i;

	log_info("signal %d: draining and exiting", sig);
	d->exit_signal = sig;
	metrics_server_set_draining(d->metrics);
	daemon_notify("STOPPING=1");
	for (i = 0; i < d->n_inputs; i++)
		input_shutdown(&d->inputs[i]);
	kafka_stop(d->kafka); /* a worker waiting on a full Kafka queue gives up after a grace */
	pipeline_stop(d->pipeline, daemon_stoppedcb, d);
}

static void
daemon_signalcb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_ctx *d = arg;

	if (d->exit_signal != 0 && sig != SIGUSR2) {
		log_info("signal %d: already draining", (int)sig);
		return;
	}
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		daemon_begin_drain(d, (int)sig);
		break;
	case SIGHUP:
		daemon_reload(d);
		break;
	case SIGUSR1:
		log_info("SIGUSR1: reopening output files");
		archive_reopen(d->archive);
		archive_reopen(d->alerts);
		retention_kick(d->retention); /* after logrotate: a pass now */
		break;
	case SIGUSR2:
		daemon_log_stats(d, 1);
		break;
	}
}

/* Tear down in reverse order of set-up; safe on a partly built context. */
static void
daemon_free(struct daemon_ctx *d)
{
	size_t i;

	metrics_server_free(d->metrics);
	free(d->metrics_inputs);
	for (i = 0; i < d->n_inputs; i++)
		input_free(&d->inputs[i]);
	free(d->inputs);
	if (d->pipeline != NULL)
		pipeline_free(d->pipeline);
	correlate_free(d->correlate); /* after the workers that use it */
	if (d->merge_ev != NULL)
		event_free(d->merge_ev);
	alert_merge_free(d->merge); /* daemon_drain wrote what it held */
	strbuf_free(&d->merge_out);
	/* after the workers: what they handed over is spooled before the thread stops */
	deliver_stop(d->deliver);
	kafka_free(d->kafka);
	if (d->alerts != NULL)
		archive_close(d->alerts);
	if (d->archive != NULL)
		archive_close(d->archive);
	ruleset_free(d->rules);
	for (i = 0; i < sizeof(d->sig_ev) / sizeof(d->sig_ev[0]); i++)
		if (d->sig_ev[i] != NULL)
			event_free(d->sig_ev[i]);
	if (d->stats_ev != NULL)
		event_free(d->stats_ev);
	if (d->drain_ev != NULL)
		event_free(d->drain_ev);
	if (d->base != NULL)
		event_base_free(d->base);
	if (d->deliver_conf != d->conf)
		conf_free(d->deliver_conf);
	conf_free(d->conf);
}

/* The kafka block's producer and its thread (kafka.h); fatal on error. */
static void
daemon_start_kafka(struct daemon_ctx *d)
{
#ifdef HAVE_KAFKA
	char err[1024];

	if (d->conf->kafka == NULL)
		return;
	d->kafka = kafka_new(d->conf->kafka, d->conf->spool_dir, err, sizeof(err));
	if (d->kafka == NULL || kafka_start(d->kafka, err, sizeof(err)) == -1)
		fatalx("%s", err);
#endif
}

/*
 * Write the alerts of the incidents whose window closed (all when all):
 * to the alerts file, then, like a worker's, to the webhooks and Kafka.
 * A write that fails is kept and tried again at the next tick.
 */
static void
daemon_write_merged(struct daemon_ctx *d, bool all)
{
	struct strbuf *out = &d->merge_out;

	alert_merge_flush(d->merge, all ? INT64_MAX : monotime_ms(), out);
	if (out->len == 0)
		return;
	if (archive_write(d->alerts, out->data, out->len) == -1) {
		/* archive_write logged it; a worker's alerts wait for the same disk */
		if (!all) {
			pipeline_note_write(d->pipeline, PIPELINE_ALERTS, true, &d->merge_failing, 0);
			return;
		}
		archive_give_up(d->alerts, out->len);
		pipeline_note_write(d->pipeline, PIPELINE_ALERTS, true, &d->merge_failing, out->len);
	} else
		pipeline_note_write(d->pipeline, PIPELINE_ALERTS, false, &d->merge_failing, 0);
	deliver_submit(d->deliver, out->data, out->len);
	if (d->kafka != NULL)
		kafka_submit_alerts(d->kafka, out->data, out->len);
	strbuf_reset(out);
}

/* The merge tick: incidents whose window closed are written. */
static void
daemon_mergecb(evutil_socket_t fd, short what, void *arg)
{
	daemon_write_merged(arg, false);
}

/* Hold the alerts of one incident for merge_window seconds (alert_merge.h). */
static void
daemon_start_merge(struct daemon_ctx *d)
{
	/* a tenth of the window: an incident's alert is late by at most that */
	struct timeval tv = monotime_timeval((int64_t)d->conf->merge_window * 100);

	strbuf_init(&d->merge_out);
	if (d->conf->merge_window == 0)
		return;
	if ((d->merge = alert_merge_new((int64_t)d->conf->merge_window * 1000, d->conf->merge_max,
	    false)) == NULL ||
	    (d->merge_ev = event_new(d->base, -1, EV_PERSIST, daemon_mergecb, d)) == NULL ||
	    event_add(d->merge_ev, &tv) == -1)
		fatalx("out of memory: alerts merge_window");
	pipeline_set_merge(d->pipeline, d->merge);
	d->metrics_src.merge = d->merge;
}

/* Every alert's event.id from this run's ids, and this host as its observer. */
static void
daemon_set_stamp(struct daemon_ctx *d)
{
	if (alert_ids_init(&d->ids, false) == -1)
		fatalx("no random bytes for the alert ids (event.id)");
	if (gethostname(d->hostname, sizeof(d->hostname)) == -1) {
		log_warn("gethostname: alerts carry no observer.hostname");
		d->hostname[0] = '\0';
	}
	d->hostname[sizeof(d->hostname) - 1] = '\0';
	pipeline_set_stamp(d->pipeline, &d->ids, d->hostname[0] != '\0' ? d->hostname : NULL);
}

/* Open the outputs, start the workers and the delivery thread; fatal on error. */
static void
daemon_start_pipeline(struct daemon_ctx *d)
{
	struct pipeline_outputs out;
	char err[1024];

	if (d->conf->correlate.state_dir[0] == '\0')
		log_warnx("correlate: no state_dir: correlation state is in memory only "
		    "(lost at a restart)");
	d->correlate = correlate_new(&d->conf->correlate, (int64_t)time(NULL), err, sizeof(err));
	if (d->correlate == NULL)
		fatalx("%s", err);
	d->archive = archive_open(d->conf->archive_path, err, sizeof(err));
	if (d->archive == NULL)
		fatalx("%s", err);
	d->alerts = archive_open(d->conf->alerts_path, err, sizeof(err));
	if (d->alerts == NULL || archive_set_durable(d->alerts, err, sizeof(err)) == -1)
		fatalx("alerts: %s", err);
	d->deliver = deliver_new(d->conf, err, sizeof(err));
	if (d->deliver == NULL && err[0] != '\0')
		fatalx("%s", err);
	if (d->deliver != NULL && deliver_start(d->deliver, err, sizeof(err)) == -1)
		fatalx("%s", err);
	daemon_start_kafka(d);
	out.rules = d->rules;
	out.archive = d->archive;
	out.alerts = d->alerts;
	out.deliver = d->deliver;
	out.kafka = d->kafka;
	d->pipeline = pipeline_new(d->base, d->conf->workers, d->conf->queue_batches, &out,
	    daemon_pausecb, d, err, sizeof(err));
	if (d->pipeline == NULL)
		fatalx("%s", err);
	pipeline_set_correlate(d->pipeline, d->correlate);
	pipeline_set_pause_wait(d->pipeline, (long)d->conf->queue_wait * 1000000L);
	daemon_set_stamp(d);
	daemon_start_merge(d);
}

/*
 * Every connection the inputs allow needs a file descriptor: raise the soft
 * RLIMIT_NOFILE toward that (up to the hard limit) and say so when it
 * cannot reach it.  Past the limit, accept fails with EMFILE: the
 * listener then sheds its backlog and backs off instead of spinning.
 */
static void
daemon_fd_limit(const struct conf *c)
{
	/* files, listeners, metrics, webhooks, libraries: a generous allowance */
	rlim_t want = 256;
	struct rlimit rl;
	size_t i;

	for (i = 0; i < c->n_inputs; i++)
		want += input_conf_max_fds(&c->inputs[i]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_warnx("open files limit (RLIMIT_NOFILE) %llu is below the %llu that "
		    "max_connections allows: connections past it are refused",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)want);
}

/*
 * Hand the output files and directories to the run-as user, drop root,
 * and check that the files can still be reopened (USR1) and rotated.
 */
static void
daemon_drop_privileges(struct daemon_ctx *d, const struct privilege *priv)
{
	char err[1024], archive_file[PATH_MAX], alerts_file[PATH_MAX];
	const struct conf *c = d->conf;

	if (!priv->drop)
		return;
	archive_current_path(d->archive, archive_file, sizeof(archive_file));
	archive_current_path(d->alerts, alerts_file, sizeof(alerts_file));
	/* the correlation journal is rewritten (compacted) in its directory */
	bool journal = c->correlate.state_dir != NULL && c->correlate.state_dir[0] != '\0';

	if (privilege_give(priv, archive_file, err, sizeof(err)) == -1 ||
	    privilege_give(priv, alerts_file, err, sizeof(err)) == -1 ||
	    ((c->n_webhooks > 0 || c->kafka != NULL) &&
		privilege_give_dir(priv, c->spool_dir, true, err, sizeof(err)) == -1) ||
	    (journal &&
		privilege_give_dir(priv, c->correlate.state_dir, true, err, sizeof(err)) == -1) ||
	    privilege_drop(priv, err, sizeof(err)) == -1 ||
	    privilege_check_file(priv, "archive", archive_file, err, sizeof(err)) == -1 ||
	    privilege_check_file(priv, "alerts", alerts_file, err, sizeof(err)) == -1 ||
	    ((c->n_webhooks > 0 || c->kafka != NULL) &&
		privilege_check_dir(priv, "spool", c->spool_dir, err, sizeof(err)) == -1) ||
	    (journal && privilege_check_dir(priv, "correlate state", c->correlate.state_dir, err,
		sizeof(err)) == -1))
		fatalx("%s", err);
}

/* After the loop: join the workers, put the outputs on disk. */
static void
daemon_drain(struct daemon_ctx *d)
{
	d->metrics_src.retention = NULL;
	retention_free(d->retention); /* a compression under way is abandoned, its .tmp removed */
	d->retention = NULL;
	kafka_stop(d->kafka);
	pipeline_drain(d->pipeline);
	/* after the workers: no alert joins an incident any more; none is lost */
	if (d->merge != NULL)
		daemon_write_merged(d, true);
	archive_sync(d->archive);
	archive_wait_synced(d->alerts);
	daemon_log_stats(d, 1);
}

int
daemon_run(struct conf *conf, const char *rules_override)
{
	struct daemon_ctx d;
	struct startup st;
	char err[1024];

	memset(&d, 0, sizeof(d));
	d.conf = conf;
	d.deliver_conf = conf;
	/* the checks and loads of -t, the same (startup.h) */
	if (startup_load(conf, pipeline_workers_for(conf->workers), false, &st, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	d.rules = st.rules;
	daemon_fd_limit(conf);
	d.rules_override = rules_override;
	if (evthread_use_pthreads() == -1)
		fatalx("libevent: no pthreads support");
	d.base = event_base_new();
	if (d.base == NULL || event_base_priority_init(d.base, 3) == -1)
		fatalx("libevent: cannot create the event loop");
	daemon_start_pipeline(&d);
	activation_init();
	if (daemon_open_inputs(&d, err, sizeof(err)) == -1)
		fatalx("%s", err);
	activation_finish();
	d.metrics_src.version = PACKAGE_VERSION;
	d.metrics_src.last_reload = time(NULL);
	if (daemon_metrics_sync(&d) == -1)
		fatalx("out of memory");
	err[0] = '\0';
	if ((d.metrics = daemon_metrics_new(&d, conf, err, sizeof(err))) == NULL && err[0] != '\0')
		fatalx("%s", err);
	daemon_drop_privileges(&d, &st.priv);
	/* as the run-as user: what it compresses is its own */
	if (daemon_sync_retention(&d, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (daemon_add_signals(&d) == -1)
		fatalx("libevent: cannot watch signals");
	if (daemon_set_stats_timer(&d) == -1)
		fatalx("libevent: cannot start the statistics timer");
	log_info("logward %s started: %zu inputs, %u workers, rules %s, %zu detections, "
		 "archive %s, alerts %s",
	    PACKAGE_VERSION, d.n_inputs, pipeline_worker_count(d.pipeline), conf->rules,
	    detect_count(d.rules->detect), conf->archive_path, conf->alerts_path);
	daemon_notify("READY=1"); /* every input is bound */

	event_base_dispatch(d.base);

	daemon_drain(&d);
	log_info("exiting");
	daemon_free(&d);
	return 0;
}
