/*
 * main.c: the command line: -t, -T, --test-rules, or the daemon (daemon.c).
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

#include "alert_id.h"
#include "alert_merge.h"
#include "conf.h"
#include "correlate.h"
#include "daemon.h"
#include "detect.h"
#include "framing.h"
#include "json_writer.h"
#include "log.h"
#include "normalize.h"
#include "process.h"
#include "ruleset.h"
#include "startup.h"

#define DEFAULT_CONFIG LOGWARD_SYSCONFDIR "/logward.conf"
/* Longest message --test-rules accepts; longer ones are cut and flagged. */
#define TEST_RULES_LINE_MAX (16 * 1024 * 1024)

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: logward [-dhtTV] [-f file] [--rules path] [--sigma dir] [--test-rules [file]]\n"
	    "  -f, --config FILE     configuration file (default %s)\n"
	    "  -t, --check-config    check the configuration, rulebases and detections,\n"
	    "                        then exit\n"
	    "  -T, --dump-config     print the effective configuration, then exit\n"
	    "  -d, --debug           log debug messages to stderr\n"
	    "  -V, --version         print the version, then exit\n"
	    "  -h, --help            this text\n"
	    "      --rules PATH      rulebase directory or file (overrides the config)\n"
	    "      --sigma DIR       Sigma rules directory (overrides the config)\n"
	    "      --test-rules [FILE]\n"
	    "                        run syslog messages from FILE (or stdin; one a line,\n"
	    "                        or RFC 6587 octet-counted) through parsing,\n"
	    "                        normalization and detection; print one JSON event\n"
	    "                        each, then its alert (with logward.explain) if any\n",
	    DEFAULT_CONFIG);
}

/* State of one --test-rules run: what each frame goes through. */
struct test_rules_ctx {
	struct processor proc;
	struct detect_set *detect;
	struct correlate *correlate;  /* in memory only */
	struct frame_meta meta;
	struct strbuf out;
	struct strbuf alerts;
	int rc;
	struct alert_ids ids;   /* fixed run bits: the same input gives the same ids */
	char hostname[256];
	struct alert_merge *merge; /* sequential (alert_merge.h); NULL: merge_window 0 */
	struct strbuf closed;   /* the alert of an incident that ended */
	struct strbuf pending;  /* printed once the open incident ends */
	size_t slot;            /* where in pending its alert goes */
	unsigned held;          /* messages in pending */
};

/* Messages an open incident's output may wait for (test_rules_print). */
#define TEST_RULES_HOLD_MAX 64

/* fwrite, but nothing for nothing: an empty strbuf's data is NULL, which fwrite may not take. */
static void
test_rules_write(const char *data, size_t len)
{
	if (len > 0)
		fwrite(data, 1, len, stdout);
}

/* Output while an incident is open waits in pending: its alert goes in at slot. */
static void
test_rules_emit(struct test_rules_ctx *t, const char *data, size_t len)
{
	if (alert_merge_open(t->merge) == 0)
		test_rules_write(data, len);
	else if (strbuf_append(&t->pending, data, len) == -1)
		fatalx("out of memory");
}

/* The open incident ends: what waited, with its alert where its first alert was. */
static void
test_rules_close(struct test_rules_ctx *t)
{
	strbuf_reset(&t->closed);
	alert_merge_flush(t->merge, INT64_MAX, &t->closed);
	test_rules_write(t->pending.data, t->slot);
	test_rules_write(t->closed.data, t->closed.len);
	if (t->pending.len > t->slot)
		test_rules_write(t->pending.data + t->slot, t->pending.len - t->slot);
	strbuf_reset(&t->pending);
	t->slot = 0;
	t->held = 0;
}

/*
 * Print the event, then its alerts, through the sequential incident table
 * (see test_rules): a message that does not continue the open incident
 * ends it first.
 */
static void
test_rules_print(struct test_rules_ctx *t)
{
	const struct strbuf *a = &t->alerts;
	size_t i, start;
	bool joins = false, other = false;

	for (i = 0, start = 0; i < a->len; i++)
		if (a->data[i] == '\n') {
			enum alert_merge_fit fit = alert_merge_fit(t->merge, a->data + start, i - start);

			joins = joins || fit == ALERT_MERGE_JOINS;
			other = other || fit == ALERT_MERGE_OTHER;
			start = i + 1;
		}
	/*
	 * A message ends the open incident when it alerts for another, when its
	 * time is past the window, or after TEST_RULES_HOLD_MAX messages (lines
	 * of one time stamp would otherwise wait to the end).
	 */
	if (alert_merge_open(t->merge) > 0 && !joins &&
	    (other || t->held >= TEST_RULES_HOLD_MAX ||
	    alert_merge_outlived(t->merge, t->out.data, t->out.len)))
		test_rules_close(t);
	if (alert_merge_open(t->merge) > 0)
		t->held++;
	test_rules_emit(t, t->out.data, t->out.len);
	for (i = 0, start = 0; i < a->len; i++)
		if (a->data[i] == '\n') {
			bool was_open = alert_merge_open(t->merge) > 0;

			if (alert_merge_offer(t->merge, a->data + start, i - start, 0) == 0)
				test_rules_emit(t, a->data + start, i + 1 - start);
			else if (!was_open)
				t->slot = t->pending.len;
			start = i + 1;
		}
}

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
	if (t->merge != NULL) {
		test_rules_print(t);
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
 * detection holds, with logward.explain saying why, then the alerts of
 * the correlations it completes (state in memory, for this input only).
 *
 * Alerts of one incident (alert_merge.h) are merged as the daemon merges
 * them, with no clock but the messages' own: the window is sequential
 * (consecutive messages whose alerts share host, account and technique,
 * their @timestamps within merge_window seconds of the first), and the
 * incident's alert is printed where its first alert would have been:
 * after the event of its first message (the output of its other messages
 * follows it).
 */
static int
test_rules(const char *rules, const char *sigma, const char *path,
    const struct correlate_settings *cs, unsigned merge_window)
{
	struct correlate_settings mem = *cs;
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
	mem.state_dir = NULL;
	if (processor_init(&t.proc, rules, err, sizeof(err)) == -1 ||
	    (t.detect = detect_load_sigma(rules, sigma, err, sizeof(err))) == NULL ||
	    (t.correlate = correlate_new(&mem, (int64_t)time(NULL), err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		processor_fini(&t.proc);
		detect_free(t.detect);
		if (fd != STDIN_FILENO)
			close(fd);
		return 1;
	}
	detect_sigma_log(t.detect, SIZE_MAX);
	processor_set_detect(&t.proc, t.detect, true);
	processor_set_correlate(&t.proc, t.correlate);
	alert_ids_init(&t.ids, true);
	if (gethostname(t.hostname, sizeof(t.hostname)) == -1)
		t.hostname[0] = '\0';
	t.hostname[sizeof(t.hostname) - 1] = '\0';
	processor_set_stamp(&t.proc, &t.ids, t.hostname[0] != '\0' ? t.hostname : NULL);
	strbuf_init(&t.closed);
	strbuf_init(&t.pending);
	if (merge_window > 0 &&
	    (t.merge = alert_merge_new((int64_t)merge_window * 1000, 1, true)) == NULL)
		fatalx("out of memory");
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
	if (t.merge != NULL && t.rc == 0)
		test_rules_close(&t);
	fflush(stdout);
	alert_merge_free(t.merge);
	strbuf_free(&t.closed);
	strbuf_free(&t.pending);
	free(buf);
	strbuf_free(&t.out);
	strbuf_free(&t.alerts);
	processor_fini(&t.proc);
	detect_free(t.detect);
	correlate_free(t.correlate);
	if (fd != STDIN_FILENO)
		close(fd);
	return t.rc;
}

/* -t: what start-up checks and loads (startup.h), then one line of what it found. */
static int
check_config(struct conf *conf)
{
	struct startup st;
	char err[1024];

	if (startup_load(conf, 1, true, &st, err, sizeof(err)) == -1) {
		log_errx("%s", err);
		conf_free(conf);
		return 1;
	}
	printf("%s: configuration, %zu rulebases and %zu detections (%zu files) OK\n",
	    conf->path, normalizer_rulebase_count(st.rules->norms[0]),
	    detect_count(st.rules->detect), detect_file_count(st.rules->detect));
	ruleset_free(st.rules);
	conf_free(conf);
	return 0;
}

/* The command line's choices. */
struct options {
	const char *config, *rules, *sigma, *test_file;
	bool check, dump, testing;
};

/* Parse argv into o; -1 to exit with *status (usage, -V, -h). */
static int
parse_options(int argc, char *argv[], struct options *o, int *status)
{
	enum { OPT_TEST_RULES = 256, OPT_RULES, OPT_SIGMA };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "dump-config", no_argument, NULL, 'T' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "test-rules", optional_argument, NULL, OPT_TEST_RULES },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "sigma", required_argument, NULL, OPT_SIGMA },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	*status = 0;
	while ((ch = getopt_long(argc, argv, "f:tTdVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->config = optarg;
			break;
		case 't':
			o->check = true;
			break;
		case 'T':
			o->dump = true;
			break;
		case 'd':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'V':
			printf("logward %s\n", PACKAGE_VERSION);
			return -1;
		case 'h':
			usage(stdout);
			return -1;
		case OPT_TEST_RULES:
			o->testing = true;
			/* optional argument given as a separate word, too */
			if (optarg == NULL && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			o->test_file = optarg;
			break;
		case OPT_RULES:
			o->rules = optarg;
			break;
		case OPT_SIGMA:
			o->sigma = optarg;
			break;
		default:
			usage(stderr);
			*status = 2;
			return -1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		*status = 2;
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct options o;
	struct conf *conf;
	char err[1024];
	int rc;

	if (parse_options(argc, argv, &o, &rc) == -1)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	tzset();
	if (o.testing && o.rules != NULL) {
		/* no configuration: the correlate block's defaults */
		struct correlate_settings cs;

		conf_correlate_defaults(&cs);
		return test_rules(o.rules, o.sigma, o.test_file, &cs, CONF_MERGE_WINDOW_DEFAULT);
	}
	if ((conf = conf_load(o.config, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		return 1;
	}
	if (o.rules != NULL) {
		free(conf->rules);
		free(conf->rules_origin);
		conf->rules_origin = NULL;
		if ((conf->rules = strdup(o.rules)) == NULL)
			fatalx("out of memory");
	}
	if (o.sigma != NULL && !o.testing && !o.check) {
		/* a reload reads the configuration again: the daemon takes it from there */
		log_errx("--sigma goes with --test-rules or -t; the daemon reads \"sigma\" from "
		    "the configuration");
		conf_free(conf);
		return 2;
	}
	if (o.sigma != NULL) {
		free(conf->sigma);
		if ((conf->sigma = strdup(o.sigma)) == NULL)
			fatalx("out of memory");
	}
	if (o.testing) {
		rc = test_rules(conf->rules, conf->sigma, o.test_file, &conf->correlate,
		    conf->merge_window);
		conf_free(conf);
		return rc;
	}
	if (o.dump) {
		conf_dump(conf, stdout);
		conf_free(conf);
		return 0;
	}
	if (conf_metrics_exposed(conf))
		log_warnx("metrics: address \"%s\" is not loopback: /metrics (counters, input "
		    "names) is served without authentication to every host that reaches it",
		    conf->metrics_address);
	if (o.check)
		return check_config(conf);
	return daemon_run(conf, o.rules);
}
