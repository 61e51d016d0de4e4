/*
 * conf.c: the configuration file, parsed with libConfuse through cfgfile.c.
 *
 * libConfuse does the tokenizing and the block structure (cfgfile.h says
 * how its limits are worked around); everything it cannot check (ranges,
 * addresses, options that apply to one transport, duplicates) is checked
 * here while the file is parsed, so that every error names the file and
 * line it comes from.
 */
#include "config.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "conf_table.h"
#include "kafka_conf.h"
#include "retention.h"
#include "tz_zone.h"

/* Without an alerts block, alerts go next to the archive under this name. */
#define CONF_ALERTS_NAME "alerts.jsonl"


/* The keyword of a transport, as written in the file and in network.transport. */
const char *
transport_name(enum transport t)
{
	switch (t) {
	case TRANSPORT_UDP:
		return "udp";
	case TRANSPORT_TCP:
		return "tcp";
	case TRANSPORT_TLS:
		return "tls";
	case TRANSPORT_RELP:
		return "relp";
	case TRANSPORT_RELP_TLS:
		return "relp-tls";
	}
	return "unknown";
}

bool
transport_is_tls(enum transport t)
{
	return t == TRANSPORT_TLS || t == TRANSPORT_RELP_TLS;
}

/* The keyword of a verify mode, as written in the file. */
const char *
tls_verify_name(enum tls_verify v)
{
	switch (v) {
	case TLS_VERIFY_NONE:
		return "none";
	case TLS_VERIFY_PEER:
		return "peer";
	case TLS_VERIFY_NAME:
		return "name";
	case TLS_VERIFY_FINGERPRINT:
		return "fingerprint";
	}
	return "unknown";
}

/* Say in which block an error happened, so "max_connections" names its input. */
static void
conf_context(cfg_t *sec, char *buf, size_t len)
{
	buf[0] = '\0';
	if (sec == NULL || sec->name == NULL)
		return;
	if (strcmp(sec->name, "input") == 0 && sec->title != NULL)
		snprintf(buf, len, "input \"%s\": ", sec->title);
	else if (strcmp(sec->name, "webhook") == 0 && sec->title != NULL)
		snprintf(buf, len, "webhook \"%s\": ", sec->title);
	else if (strcmp(sec->name, "archive") == 0)
		snprintf(buf, len, "archive: ");
	else if (strcmp(sec->name, "alerts") == 0)
		snprintf(buf, len, "alerts: ");
	else if (strcmp(sec->name, "metrics") == 0)
		snprintf(buf, len, "metrics: ");
	else if (strcmp(sec->name, "correlate") == 0)
		snprintf(buf, len, "correlate: ");
	else if (strcmp(sec->name, "kafka") == 0 && sec->title != NULL)
		snprintf(buf, len, "kafka \"%s\": ", sec->title);
}

/*
 * Reword libConfuse's messages about block names (a duplicate, a missing
 * one) to say what was expected; cfgfile_errorcb keeps the others.
 */
static bool
conf_rewordcb(cfg_t *cfg, const char *msg)
{
	char name[256];
	cfg_opt_t *opt;
	unsigned i;

	if (cfgfile_quoted_tail(msg, "found duplicate title '", name, sizeof(name)) &&
	    strcmp(cfg->name, "root") == 0) {
		opt = cfg_getopt(cfg, "input");
		for (i = 0; opt != NULL && i < opt->nvalues; i++) {
			cfg_t *sec = opt->values[i]->section;

			if (sec->title == NULL || strcmp(sec->title, name) != 0)
				continue;
			cfgfile_error_at(cfg->filename, cfg->line, NULL,
			    "duplicate input name \"%s\" (first defined at "
			    "%s:%d; names must be unique)",
			    name, sec->filename, cfgfile_first_line(sec));
			return true;
		}
		cfgfile_error_at(cfg->filename, cfg->line, NULL,
		    "duplicate input name \"%s\" (names must be unique)", name);
		return true;
	}
	if (strcmp(msg, "missing title for section 'input'") == 0) {
		cfgfile_error_at(cfg->filename, cfg->line, NULL,
		    "input needs a name (expected input NAME { ... })");
		return true;
	}
	return false;
}

/* Checks made when a webhook block closes: name, url, headers, retry range. */
static int
conf_check_webhook(cfg_opt_t *opt)
{
	cfg_t *sec = opt->values[opt->nvalues - 1]->section;
	const char *url = cfg_getstr(sec, "url");
	int first = cfgfile_first_line(sec);
	unsigned i;

	if (!conf_valid_name(sec->title)) {
		cfgfile_error_at(sec->filename, first, NULL,
		    "webhook name \"%s\" is invalid (expected 1..64 of A-Z a-z 0-9 _ . -)",
		    sec->title ? sec->title : "");
		return -1;
	}
	if (url == NULL) {
		cfgfile_error_at(sec->filename, first, sec,
		    "missing url (expected url = \"https://host/path\")");
		return -1;
	}
	if ((strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
	    strpbrk(url, " \t\r\n") != NULL) {
		cfgfile_error_at(sec->filename, cfgfile_line_of(sec, "url"), sec,
		    "url \"%s\" is invalid (expected http:// or https:// and no blanks)", url);
		return -1;
	}
	for (i = 0; i < cfg_size(sec, "headers"); i++) {
		const char *h = cfg_getnstr(sec, "headers", i);
		const char *colon = strchr(h, ':');

		if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL) {
			cfgfile_error_at(sec->filename, first, sec,
			    "header \"%s\" is invalid (expected \"Name: value\" on one line)", h);
			return -1;
		}
	}
	if (cfg_getfloat(sec, "retry_min") < 0.01 || cfg_getfloat(sec, "retry_max") > 86400 ||
	    cfg_getfloat(sec, "retry_min") > cfg_getfloat(sec, "retry_max")) {
		cfgfile_error_at(sec->filename, first, sec,
		    "retry_min %g / retry_max %g out of range (expected 0.01 <= retry_min <= "
		    "retry_max <= 86400 seconds)", cfg_getfloat(sec, "retry_min"),
		    cfg_getfloat(sec, "retry_max"));
		return -1;
	}
	return 0;
}

/* Retention needs a dated file name (retention.h): said at the block's line. */
static int
conf_check_retention(cfg_opt_t *opt)
{
	cfg_t *sec = opt->values[opt->nvalues - 1]->section;
	const char *path = cfg_getstr(sec, "path"), *compress = cfg_getstr(sec, "compress");
	char err[512];

	if (cfg_getint(sec, "keep_days") == 0 && (compress == NULL || strcmp(compress, "no") == 0))
		return 0;
	if (retention_check_template(path != NULL ? path : CONF_DEFAULT_ARCHIVE, err,
	    sizeof(err)) == 0)
		return 0;
	cfgfile_error_at(sec->filename, cfgfile_first_line(sec), sec, "%s", err);
	return -1;
}

/*
 * Where rules = was set, kept while a file is parsed on this thread: the
 * rules directory is looked at only after the parse (startup.c), and its
 * line may be in an included file.
 */
static __thread char conf_rules_at[PATH_MAX + 32];

/* Validate callback of rules: the usual seen check, and where it was set. */
static int
conf_rules_seencb(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfgfile_seencb(cfg, opt) != 0)
		return -1;
	snprintf(conf_rules_at, sizeof(conf_rules_at), "%s:%d: rules",
	    cfg->filename != NULL ? cfg->filename : "(config)", cfg->line);
	return 0;
}

/* Validate callback of the input, archive and alerts blocks, run as each closes. */
static int
conf_sectioncb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec;

	if (cfgfile_seencb(cfg, opt) != 0)
		return -1;
	if (strcmp(opt->name, "input") == 0)
		return conf_check_input(opt);
	if (strcmp(opt->name, "webhook") == 0)
		return conf_check_webhook(opt);
	if (strcmp(opt->name, "kafka") == 0)
		return kafka_conf_check(opt);
	if (strcmp(opt->name, "alerts") == 0 &&
	    cfg_getstr(opt->values[opt->nvalues - 1]->section, "path") == NULL) {
		sec = opt->values[opt->nvalues - 1]->section;
		cfgfile_error_at(sec->filename, cfgfile_first_line(sec), sec,
		    "missing path (expected path = \"/var/log/logward/alerts.jsonl\")");
		return -1;
	}
	if (strcmp(opt->name, "archive") == 0 && conf_check_retention(opt) == -1)
		return -1;
	if (strcmp(opt->name, "metrics") == 0 &&
	    cfg_getstr(opt->values[opt->nvalues - 1]->section, "address") == NULL) {
		sec = opt->values[opt->nvalues - 1]->section;
		cfgfile_error_at(sec->filename, cfgfile_first_line(sec), sec,
		    "missing address (expected address = \"127.0.0.1:9514\")");
		return -1;
	}
	if (opt->nvalues > 1) {
		sec = opt->values[opt->nvalues - 1]->section;
		cfgfile_error_at(sec->filename, cfgfile_first_line(sec), NULL,
		    "second %s block (first at %s:%d; give it once)", opt->name,
		    opt->values[0]->section->filename, cfgfile_first_line(opt->values[0]->section));
		return -1;
	}
	return 0;
}

bool
conf_metrics_exposed(const struct conf *c)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (c->metrics_address == NULL)
		return false;
	if (c->metrics_host == NULL)
		return true;	/* "*": every address */
	if (inet_pton(AF_INET, c->metrics_host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) != 127;
	if (inet_pton(AF_INET6, c->metrics_host, &a6) == 1)
		return !IN6_IS_ADDR_LOOPBACK(&a6);
	return strcmp(c->metrics_host, "localhost") != 0;
}

/* strdup of a string option that may be unset. */

/*
 * The default alerts file: alerts.jsonl in the archive's directory, so a
 * configuration that moves the archive moves the alerts with it
 * (/var/log/logward/alerts.jsonl with the default archive).
 */
static char *
conf_default_alerts(const char *archive_path)
{
	const char *slash = strrchr(archive_path, '/');
	size_t dir = slash != NULL ? (size_t)(slash - archive_path) + 1 : 0;
	char *p = malloc(dir + sizeof(CONF_ALERTS_NAME));

	if (p == NULL)
		return NULL;
	memcpy(p, archive_path, dir);
	memcpy(p + dir, CONF_ALERTS_NAME, sizeof(CONF_ALERTS_NAME));
	return p;
}


void
conf_correlate_defaults(struct correlate_settings *s)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	conf_options_take(NULL, conf_section_find("correlate"), &c); /* no strings: no failure */
	*s = c.correlate;
}

/*
 * The correlate block's state_dir when it is not set: the directory of the
 * alerts file; "" (memory only) when that file's name changes with time.
 */
static char *
conf_default_state_dir(const char *alerts_path)
{
	const char *slash = strrchr(alerts_path, '/');

	if (strchr(alerts_path, '%') != NULL)
		return strdup(""); /* no fixed directory: memory only */
	return slash == NULL ? strdup(".") : slash == alerts_path ? strdup("/")
	    : strndup(alerts_path, (size_t)(slash - alerts_path));
}

/* Copy every block of a titled section (input, webhook) into its array in c. */
static int
conf_take_blocks(cfg_t *cfg, const struct conf_section *s, struct conf *c)
{
	unsigned i, n = cfg_size(cfg, s->name);
	char **array = (char **)(void *)((char *)c + s->array);
	size_t *count = (size_t *)(void *)((char *)c + s->count);

	if (n == 0)
		return 0;
	if ((*array = calloc(n, s->elem_size)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, s->name, i);
		char *elem = *array + i * s->elem_size;

		(*count)++;
		if (s == conf_section_find("webhook")) /* unset: the top-level storm_window */
			((struct webhook_conf *)(void *)elem)->storm_window = c->storm_window;
		*(int *)(void *)(elem + s->line) = cfgfile_first_line(sec);
		if ((*(char **)(void *)(elem + s->title) = strdup(cfg_title(sec))) == NULL ||
		    (s->file != CONF_NONE && (*(char **)(void *)(elem + s->file) =
			strdup(sec->filename != NULL ? sec->filename : "")) == NULL) ||
		    conf_options_take(sec, s, elem) != 0)
			return -1;
	}
	return 0;
}

/* Copy the parsed tree into c, block after block in the table's order; -1: out of memory. */
static int
conf_take(cfg_t *cfg, struct conf *c)
{
	const struct conf_option *r;

	if (conf_options_take(cfg, &conf_root, c) != 0)
		return -1;
	for (r = conf_root.options; r->name != NULL; r++) {
		if (r->kind != CONF_SECTION)
			continue;
		if (r->section->flags & CFGF_TITLE) {
			if (conf_take_blocks(cfg, r->section, c) != 0)
				return -1;
		} else if (conf_options_take(cfg_size(cfg, r->name) > 0 ?
			cfg_getnsec(cfg, r->name, 0) : NULL, r->section, c) != 0)
			return -1;
	}
	return 0;
}

/*
 * Each input's zone: its own timezone, else the top-level one.  Both names
 * were loaded when read (conf_zonecb), so this only finds them again.
 */
static void
conf_resolve_zones(struct conf *c)
{
	char err[512];
	size_t i;

	for (i = 0; i < c->n_inputs; i++) {
		const char *name = c->inputs[i].timezone != NULL ? c->inputs[i].timezone :
		    c->timezone;

		c->inputs[i].zone = name != NULL ? tz_zone_get(name, err, sizeof(err)) : NULL;
	}
}

/* Build the struct conf from a parsed tree; NULL on allocation failure. */
static struct conf *
conf_build(cfg_t *cfg, const char *path)
{
	struct conf *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->path = strdup(path)) == NULL || conf_take(cfg, c) != 0)
		goto fail;
	if (conf_rules_at[0] == '\0')
		snprintf(conf_rules_at, sizeof(conf_rules_at), "%s: rules (the default)", path);
	if ((c->rules_origin = strdup(conf_rules_at)) == NULL)
		goto fail;
	if (c->alerts_path == NULL && (c->alerts_path = conf_default_alerts(c->archive_path)) == NULL)
		goto fail;
	if (c->correlate.state_dir == NULL &&
	    (c->correlate.state_dir = conf_default_state_dir(c->alerts_path)) == NULL)
		goto fail;
	conf_resolve_zones(c);
	return c;
fail:
	conf_free(c);
	return NULL;
}

/*
 * Load path: libConfuse parses, the table's callbacks check each value as
 * it is read and conf_sectioncb each block as it closes, then the tree is
 * copied into a struct conf so that nothing of libConfuse outlives this call.
 */
struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct cfgfile parse = { .err = err, .errlen = errlen, .size_limit = "1048576 bytes",
		.read_error_names_file = true, .context = conf_context, .reword = conf_rewordcb };
	cfg_opt_t *opts = conf_options_build(&conf_root);
	struct conf *c = NULL;
	cfg_t *cfg = NULL;

	cfgfile_begin(&parse);
	if (opts == NULL || (cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		cfgfile_error_at(path, 0, NULL, "out of memory");
		goto done;
	}
	conf_validators_set(cfg, &conf_root, "", conf_sectioncb);
	cfg_set_validate_func(cfg, "rules", conf_rules_seencb);
	conf_rules_at[0] = '\0';
	cfg_set_error_function(cfg, cfgfile_errorcb);
	if (cfgfile_parse_file(cfg, path, NULL, 0) != 0)
		goto done;
	if (cfg_size(cfg, "input") == 0) {
		cfgfile_error_at(path, parse.last_line, NULL,
		    "no input defined (expected at least one "
		    "input NAME { transport = udp|tcp|tls address = \"host:port\" })");
		goto done;
	}
	if ((c = conf_build(cfg, path)) == NULL)
		cfgfile_error_at(path, 0, NULL, "out of memory");
done:
	if (cfg != NULL)
		cfg_free(cfg);
	conf_options_free(opts);
	cfgfile_end();
	return c;
}

/* Free a loaded configuration and everything it owns. */
void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	conf_options_free_values(&conf_root, c);
	free(c->rules_origin);
	free(c->path);
	free(c);
}

/*
 * Every field but the line it was written on (a reload may move a block).
 * TLS files are compared by name: a certificate renewed in place is not
 * seen (logward.conf(5) says to restart for that).
 */
bool
input_conf_same(const struct input_conf *a, const struct input_conf *b)
{
	return conf_options_same(conf_section_find("input"), a, b);
}

bool
conf_webhooks_same(const struct conf *a, const struct conf *b)
{
	const struct conf_section *s = conf_section_find("webhook");
	size_t i;

	if (a->n_webhooks != b->n_webhooks || (a->spool_dir == NULL) != (b->spool_dir == NULL) ||
	    (a->spool_dir != NULL && strcmp(a->spool_dir, b->spool_dir) != 0) ||
	    a->max_spool_bytes != b->max_spool_bytes)
		return false;
	for (i = 0; i < a->n_webhooks; i++)
		if (!conf_options_same(s, &a->webhooks[i], &b->webhooks[i]))
			return false;
	return true;
}
