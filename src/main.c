/*
 * main.c: command line, start-up, signals and shutdown of the logward daemon.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "archive.h"
#include "conf.h"
#include "deliver.h"
#include "detect.h"
#include "framing.h"
#include "json_writer.h"
#include "listen_tcp.h"
#include "listen_udp.h"
#include "log.h"
#include "metrics.h"
#include "normalize.h"
#include "pipeline.h"
#include "process.h"
#include "stats.h"

#define DEFAULT_CONFIG LOGWARD_SYSCONFDIR "/logward.conf"
/* Longest message --test-rules accepts; longer ones are cut and flagged. */
#define TEST_RULES_LINE_MAX (16 * 1024 * 1024)

/* One running input of either kind. */
struct input {
	const struct input_conf *conf;
	struct listen_udp *udp;
	struct listen_tcp *tcp;
	struct input_stats_snapshot last;
};

/* Everything the daemon owns; the only place that holds run-time state. */
struct daemon_ctx {
	struct conf *conf;
	struct event_base *base;
	struct archive *archive;
	struct archive *alerts;
	struct detect_set *detect;    /* shared read-only by the workers */
	struct pipeline *pipeline;
	struct deliver *deliver;      /* webhooks; NULL without any */
	struct input *inputs;
	size_t n_inputs;
	struct event *sig_ev[5];
	struct event *stats_ev;
	struct metrics_input *metrics_inputs; /* one per input, for the metrics server */
	struct metrics_source metrics_src;
	struct metrics_server *metrics;       /* NULL without a metrics block */
	int exit_signal;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: logward [-dhtTV] [-f file] [--rules path] [--test-rules [file]]\n"
	    "  -f, --config FILE     configuration file (default %s)\n"
	    "  -t, --check-config    check the configuration, rulebases and detections,\n"
	    "                        then exit\n"
	    "  -T, --dump-config     print the effective configuration, then exit\n"
	    "  -d, --debug           log debug messages to stderr\n"
	    "  -V, --version         print the version, then exit\n"
	    "  -h, --help            this text\n"
	    "      --rules PATH      rulebase directory or file (overrides the config)\n"
	    "      --test-rules [FILE]\n"
	    "                        run syslog messages from FILE (or stdin; one a line,\n"
	    "                        or RFC 6587 octet-counted) through parsing,\n"
	    "                        normalization and detection; print one JSON event\n"
	    "                        each, then its alert (with logward.explain) if any\n",
	    DEFAULT_CONFIG);
}

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

/* Pipeline backpressure: stop or restart reading on every input. */
static void
daemon_pausecb(void *arg, bool paused)
{
	struct daemon_ctx *d = arg;
	size_t i;

	for (i = 0; i < d->n_inputs; i++) {
		if (d->inputs[i].udp != NULL)
			listen_udp_pause(d->inputs[i].udp, paused);
		if (d->inputs[i].tcp != NULL)
			listen_tcp_pause(d->inputs[i].tcp, paused);
	}
}

static struct input_stats *
input_stats_of(struct input *in)
{
	return in->udp != NULL ? listen_udp_stats(in->udp) : listen_tcp_stats(in->tcp);
}

static void
daemon_log_stats(struct daemon_ctx *d, int force)
{
	size_t i;

	for (i = 0; i < d->n_inputs; i++)
		stats_log_summary(d->inputs[i].conf->name, input_stats_of(&d->inputs[i]),
		    &d->inputs[i].last, force);
	if (archive_lost_bytes(d->archive) > 0)
		log_warnx("archive: %llu bytes could not be written",
		    (unsigned long long)archive_lost_bytes(d->archive));
	if (archive_lost_bytes(d->alerts) > 0)
		log_warnx("alerts: %llu bytes could not be written",
		    (unsigned long long)archive_lost_bytes(d->alerts));
	deliver_log_summary(d->deliver);
}

static void
daemon_statscb(evutil_socket_t fd, short what, void *arg)
{
	daemon_log_stats(arg, 0);
}

static void
daemon_signalcb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_ctx *d = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: draining and exiting", (int)sig);
		d->exit_signal = (int)sig;
		metrics_server_set_draining(d->metrics);
		daemon_notify("STOPPING=1");
		event_base_loopbreak(d->base);
		break;
	case SIGHUP:
		/* Full reload is a later issue: for now HUP reopens like USR1. */
		log_info("SIGHUP: reopening output files (configuration reload is not implemented yet)");
		archive_reopen(d->archive);
		archive_reopen(d->alerts);
		break;
	case SIGUSR1:
		log_info("SIGUSR1: reopening output files");
		archive_reopen(d->archive);
		archive_reopen(d->alerts);
		break;
	case SIGUSR2:
		daemon_log_stats(d, 1);
		break;
	}
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
		const struct input_conf *ic = &d->conf->inputs[i];
		struct input *in = &d->inputs[i];

		in->conf = ic;
		if (ic->transport == TRANSPORT_UDP)
			in->udp = listen_udp_new(d->base, ic, d->pipeline, err, errlen);
		else
			in->tcp = listen_tcp_new(d->base, ic, d->pipeline, err, errlen);
		if (in->udp == NULL && in->tcp == NULL)
			return -1;
		d->n_inputs++;
		log_info("input %s: listening on %s %s", ic->name,
		    transport_name(ic->transport), ic->address);
	}
	return 0;
}

static int
daemon_add_signals(struct daemon_ctx *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], daemon_signalcb, d);
		if (d->sig_ev[i] == NULL || event_add(d->sig_ev[i], NULL) == -1)
			return -1;
	}
	return 0;
}

/* Serve /metrics and /healthz when the configuration asks for it. */
static int
daemon_open_metrics(struct daemon_ctx *d, char *err, size_t errlen)
{
	size_t i;

	if (d->conf->metrics_address == NULL)
		return 0;
	d->metrics_inputs = calloc(d->n_inputs, sizeof(*d->metrics_inputs));
	if (d->metrics_inputs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < d->n_inputs; i++) {
		d->metrics_inputs[i].name = d->inputs[i].conf->name;
		d->metrics_inputs[i].transport = transport_name(d->inputs[i].conf->transport);
		d->metrics_inputs[i].stats = input_stats_of(&d->inputs[i]);
	}
	d->metrics_src.inputs = d->metrics_inputs;
	d->metrics_src.n_inputs = d->n_inputs;
	d->metrics_src.detect = d->detect;
	d->metrics_src.version = PACKAGE_VERSION;
	d->metrics_src.last_reload = time(NULL);
	d->metrics = metrics_server_new(d->base, d->conf->metrics_host, d->conf->metrics_port,
	    &d->metrics_src, err, errlen);
	if (d->metrics == NULL)
		return -1;
	log_info("metrics: serving /metrics and /healthz on http://%s/", d->conf->metrics_address);
	return 0;
}

/* Tear down in reverse order of set-up; safe on a partly built context. */
static void
daemon_free(struct daemon_ctx *d)
{
	size_t i;

	metrics_server_free(d->metrics);
	free(d->metrics_inputs);
	for (i = 0; i < d->n_inputs; i++) {
		listen_udp_free(d->inputs[i].udp);
		listen_tcp_free(d->inputs[i].tcp);
	}
	free(d->inputs);
	if (d->pipeline != NULL)
		pipeline_free(d->pipeline);
	/* after the workers: what they handed over is spooled before the thread stops */
	deliver_free(d->deliver);
	if (d->alerts != NULL)
		archive_close(d->alerts);
	if (d->archive != NULL)
		archive_close(d->archive);
	detect_free(d->detect);
	for (i = 0; i < sizeof(d->sig_ev) / sizeof(d->sig_ev[0]); i++)
		if (d->sig_ev[i] != NULL)
			event_free(d->sig_ev[i]);
	if (d->stats_ev != NULL)
		event_free(d->stats_ev);
	if (d->base != NULL)
		event_base_free(d->base);
}

/* Run the collector until TERM or INT. */
static int
daemon_run(struct conf *conf)
{
	struct daemon_ctx d;
	char err[1024];
	size_t i;

	memset(&d, 0, sizeof(d));
	d.conf = conf;
	if (evthread_use_pthreads() == -1)
		fatalx("libevent: no pthreads support");
	d.base = event_base_new();
	if (d.base == NULL || event_base_priority_init(d.base, 3) == -1)
		fatalx("libevent: cannot create the event loop");
	d.detect = detect_load(conf->rules, err, sizeof(err));
	if (d.detect == NULL)
		fatalx("%s", err);
	d.archive = archive_open(conf->archive_path, err, sizeof(err));
	if (d.archive == NULL)
		fatalx("%s", err);
	d.alerts = archive_open(conf->alerts_path, err, sizeof(err));
	if (d.alerts == NULL || archive_set_durable(d.alerts, err, sizeof(err)) == -1)
		fatalx("alerts: %s", err);
	d.pipeline = pipeline_new(d.base, conf->workers, conf->queue_batches, conf->rules,
	    d.archive, d.detect, d.alerts, daemon_pausecb, &d, err, sizeof(err));
	if (d.pipeline == NULL)
		fatalx("%s", err);
	d.deliver = deliver_new(conf, err, sizeof(err));
	if (d.deliver == NULL && err[0] != '\0')
		fatalx("%s", err);
	pipeline_set_deliver(d.pipeline, d.deliver);
	if (daemon_open_inputs(&d, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (daemon_open_metrics(&d, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (daemon_add_signals(&d) == -1)
		fatalx("libevent: cannot watch signals");
	if (conf->stats_interval > 0) {
		struct timeval tv = { (time_t)conf->stats_interval, 0 };

		d.stats_ev = event_new(d.base, -1, EV_PERSIST, daemon_statscb, &d);
		if (d.stats_ev == NULL || event_add(d.stats_ev, &tv) == -1)
			fatalx("libevent: cannot start the statistics timer");
	}
	log_info("logward %s started: %zu inputs, %u workers, rules %s, %zu detections, "
	    "archive %s, alerts %s",
	    PACKAGE_VERSION, d.n_inputs, pipeline_worker_count(d.pipeline), conf->rules,
	    detect_count(d.detect), conf->archive_path, conf->alerts_path);
	daemon_notify("READY=1"); /* every input is bound */

	event_base_dispatch(d.base);

	/* Drain: the last frames of open connections, every queued batch, the archive. */
	for (i = 0; i < d.n_inputs; i++)
		if (d.inputs[i].tcp != NULL)
			listen_tcp_shutdown(d.inputs[i].tcp);
	pipeline_drain(d.pipeline);
	archive_sync(d.archive);
	archive_wait_synced(d.alerts);
	daemon_log_stats(&d, 1);
	log_info("exiting");
	daemon_free(&d);
	return 0;
}

/* State of one --test-rules run: what each frame goes through. */
struct test_rules_ctx {
	struct processor proc;
	struct detect_set *detect;
	struct frame_meta meta;
	struct strbuf out;
	struct strbuf alerts;
	int rc;
};

/* Framer callback: process one frame and print its event, then its alert. */
static void
test_rules_emitcb(void *arg, const char *frame, size_t len, unsigned flags)
{
	struct test_rules_ctx *t = arg;
	struct process_result res;

	if (t->rc != 0)
		return;
	t->meta.frame_flags = flags & (FRAME_TRUNCATED | FRAME_BAD_COUNT);
	clock_gettime(CLOCK_REALTIME, &t->meta.received);
	strbuf_reset(&t->out);
	strbuf_reset(&t->alerts);
	if (processor_run(&t->proc, frame, len, &t->meta, &t->out, &t->alerts, &res) == -1) {
		log_warnx("out of memory");
		t->rc = 1;
		return;
	}
	fwrite(t->out.data, 1, t->out.len, stdout);
	if (t->alerts.len > 0)
		fwrite(t->alerts.data, 1, t->alerts.len, stdout);
}

/*
 * --test-rules: the input is framed as a TCP stream is (RFC 6587): one
 * message a line, or octet-counted frames ("LEN MSG") for messages that
 * hold line feeds.  One JSON event per message, exactly as the daemon
 * archives it, followed by the message's alert (event.kind "alert") when a
 * detection holds, with logward.explain saying why.
 */
static int
test_rules(const char *rules, const char *path)
{
	struct test_rules_ctx t;
	struct framer framer;
	char err[1024], *buf;
	size_t pending = 0, cap, used;
	ssize_t n;
	int fd = STDIN_FILENO;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return 1;
	}
	memset(&t, 0, sizeof(t));
	if (processor_init(&t.proc, rules, err, sizeof(err)) == -1 ||
	    (t.detect = detect_load(rules, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		processor_fini(&t.proc);
		if (fd != STDIN_FILENO)
			close(fd);
		return 1;
	}
	processor_set_detect(&t.proc, t.detect, true);
	strbuf_init(&t.out);
	strbuf_init(&t.alerts);
	t.meta.input_name = "test-rules";
	framer_init(&framer, TEST_RULES_LINE_MAX);
	cap = framing_max_pending(&framer) + 65536;
	buf = malloc(cap);
	if (buf == NULL)
		fatalx("out of memory");
	for (;;) {
		n = read(fd, buf + pending, cap - pending);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%s", path != NULL ? path : "stdin");
			t.rc = 1;
			break;
		}
		pending += (size_t)n;
		used = framing_feed(&framer, buf, pending, n == 0, test_rules_emitcb, &t);
		memmove(buf, buf + used, pending - used);
		pending -= used;
		if (n == 0 || t.rc != 0)
			break;
	}
	fflush(stdout);
	free(buf);
	strbuf_free(&t.out);
	strbuf_free(&t.alerts);
	processor_fini(&t.proc);
	detect_free(t.detect);
	if (fd != STDIN_FILENO)
		close(fd);
	return t.rc;
}

int
main(int argc, char *argv[])
{
	enum { OPT_TEST_RULES = 256, OPT_RULES };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "dump-config", no_argument, NULL, 'T' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "test-rules", optional_argument, NULL, OPT_TEST_RULES },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG, *rules = NULL, *test_file = NULL;
	bool check = false, dump = false, testing = false;
	struct processor proc;
	struct detect_set *detect;
	struct conf *conf;
	char err[1024];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "f:tTdVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			config = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'T':
			dump = true;
			break;
		case 'd':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'V':
			printf("logward %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_TEST_RULES:
			testing = true;
			/* optional argument given as a separate word, too */
			if (optarg == NULL && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			test_file = optarg;
			break;
		case OPT_RULES:
			rules = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	tzset();

	if (testing && rules != NULL)
		return test_rules(rules, test_file);
	conf = conf_load(config, err, sizeof(err));
	if (conf == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if (rules != NULL) {
		free(conf->rules);
		conf->rules = strdup(rules);
		if (conf->rules == NULL)
			fatalx("out of memory");
	}
	if (testing) {
		rc = test_rules(conf->rules, test_file);
		conf_free(conf);
		return rc;
	}
	if (dump) {
		conf_dump(conf, stdout);
		conf_free(conf);
		return 0;
	}
	if (check) {
		rc = processor_init(&proc, conf->rules, err, sizeof(err));
		detect = NULL;
		if (rc == 0 && (detect = detect_load(conf->rules, err, sizeof(err))) == NULL)
			rc = -1;
		if (rc == -1) {
			log_warnx("%s", err);
			processor_fini(&proc);
			conf_free(conf);
			return 1;
		}
		printf("%s: configuration, %zu rulebases and %zu detections (%zu files) OK\n",
		    conf->path, normalizer_rulebase_count(proc.norm), detect_count(detect),
		    detect_file_count(detect));
		processor_fini(&proc);
		detect_free(detect);
		conf_free(conf);
		return 0;
	}
	rc = daemon_run(conf);
	conf_free(conf);
	return rc;
}
