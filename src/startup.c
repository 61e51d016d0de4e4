/*
 * startup.c: the checks and loads start-up and -t share (startup.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "correlate.h"
#include "deliver.h"
#include "detect.h"
#include "file_modes.h"
#include "log.h"
#include "ruleset.h"
#include "startup.h"
#include "tls.h"

/* Load every TLS input's certificate, key and ca as the inputs will. */
static int
startup_tls_files(const struct conf *c, char *err, size_t errlen)
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

/* The correlate baseline, read as the correlator will (in memory: no journal touched). */
static int
startup_baseline(const struct conf *c, char *err, size_t errlen)
{
	struct correlate_settings mem = c->correlate;
	struct correlate *cor;

	mem.state_dir = (char *)"";
	if ((cor = correlate_new(&mem, (int64_t)time(NULL), err, errlen)) == NULL)
		return -1;
	correlate_free(cor);
	return 0;
}

int
startup_check_rules(const struct conf *c, char *err, size_t errlen)
{
	struct stat st;

	if (stat(c->rules, &st) == 0)
		return 0;
	/* no origin: --rules, on the command line the user just typed */
	snprintf(err, errlen,
	    "%s \"%s\": %s (expected a directory of rulebases and detections, "
	    "or one rulebase file)",
	    c->rules_origin != NULL ? c->rules_origin : "rules", c->rules, strerror(errno));
	return -1;
}

int
startup_load(const struct conf *c, unsigned n_workers, bool check_only, struct startup *st,
    char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	if (privilege_plan(c, &st->priv, err, errlen) == -1 ||
	    startup_tls_files(c, err, errlen) == -1 ||
	    deliver_check_files(c, err, errlen) == -1 ||
	    (check_only && startup_baseline(c, err, errlen) == -1))
		return -1;
	if (startup_check_rules(c, err, errlen) == -1 ||
	    (st->rules = ruleset_load(c->rules, c->sigma, n_workers, err, errlen)) == NULL)
		return -1;
	/* -t lists every Sigma rule it skips; a daemon start, the first few */
	detect_sigma_log(st->rules->detect, check_only ? SIZE_MAX : 10);
	if (detect_count(st->rules->detect) == 0)
		log_warnx("rules %s: no detections: logward would archive every message and never "
		    "raise an alert (expected *.detections files next to the rulebases)", c->rules);
	file_modes_warn(c);
	return 0;
}
