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

#include "conf.h"
#include "correlate.h"
#include "daemon.h"
#include "deliver.h"
#include "file_modes.h"
#include "detect.h"
#include "framing.h"
#include "json_writer.h"
#include "log.h"
#include "normalize.h"
#include "process.h"
#include "tls.h"

#define DEFAULT_CONFIG LOGWARD_SYSCONFDIR "/logward.conf"
/* Longest message --test-rules accepts; longer ones are cut and flagged. */
#define TEST_RULES_LINE_MAX (16 * 1024 * 1024)

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

/* State of one --test-rules run: what each frame goes through. */
struct test_rules_ctx {
	struct processor proc;
	struct detect_set *detect;
	struct correlate *correlate;  /* in memory only */
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
 * detection holds, with logward.explain saying why, then the alerts of
 * the correlations it completes (state in memory, for this input only).
 */
static int
test_rules(const char *rules, const char *path, const struct correlate_settings *cs)
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
	    (t.detect = detect_load(rules, err, sizeof(err))) == NULL ||
	    (t.correlate = correlate_new(&mem, (int64_t)time(NULL), err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		processor_fini(&t.proc);
		detect_free(t.detect);
		if (fd != STDIN_FILENO)
			close(fd);
		return 1;
	}
	processor_set_detect(&t.proc, t.detect, true);
	processor_set_correlate(&t.proc, t.correlate);
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
	correlate_free(t.correlate);
	if (fd != STDIN_FILENO)
		close(fd);
	return t.rc;
}

/* -t: load every TLS input's certificate, key and ca as the daemon will. */
static int
check_tls_files(const struct conf *c, char *err, size_t errlen)
{
	struct tls_server *t;
	size_t i;

	for (i = 0; i < c->n_inputs; i++) {
		if (!transport_is_tls(c->inputs[i].transport))
			continue;
		if ((t = tls_server_new(&c->inputs[i], err, errlen)) == NULL)
			return -1;
		tls_server_free(t);
	}
	return 0;
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

	if (testing && rules != NULL) {
		/* no configuration: the correlate block's defaults */
		struct correlate_settings cs;

		conf_correlate_defaults(&cs);
		return test_rules(rules, test_file, &cs);
	}
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
		rc = test_rules(conf->rules, test_file, &conf->correlate);
		conf_free(conf);
		return rc;
	}
	if (dump) {
		conf_dump(conf, stdout);
		conf_free(conf);
		return 0;
	}
	if (conf_metrics_exposed(conf))
		log_warnx("metrics: address \"%s\" is not loopback: /metrics (counters, input "
		    "names) is served without authentication to every host that reaches it",
		    conf->metrics_address);
	if (check) {
		memset(&proc, 0, sizeof(proc));
		rc = check_tls_files(conf, err, sizeof(err));
		if (rc == 0)
			rc = processor_init(&proc, conf->rules, err, sizeof(err));
		detect = NULL;
		if (rc == 0 && (detect = detect_load(conf->rules, err, sizeof(err))) == NULL)
			rc = -1;
		if (rc == 0)
			rc = deliver_check_files(conf, err, sizeof(err));
		if (rc == 0)
			file_modes_warn(conf);
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
	return daemon_run(conf, rules);
}
