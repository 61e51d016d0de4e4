/*
 * conf.c: the configuration file, parsed with libConfuse.
 *
 * libConfuse does the tokenizing and the block structure; everything it
 * cannot check (ranges, addresses, options that apply to one transport,
 * duplicates) is checked here while the file is parsed, so that every
 * error names the file and line it comes from.  Three libConfuse 3.3
 * limits shape this file:
 *
 * - Its lexer counts a line twice after each comment, so line numbers
 *   drift.  We blank comments out ourselves (conf_strip_comments) and hand
 *   libConfuse text without any, for the main file and for includes.
 * - A section does not remember the line it starts on, and its error
 *   callback carries no user pointer.  Every section gets a hidden integer
 *   list (CONF_LINES, always opts[0]) whose default value is parsed when the
 *   section opens: its callback records the opening line there, and later
 *   the line where each option was set (which also finds duplicate keys).
 * - The error callback cannot reach the caller's buffer, so the one
 *   conf_load in progress on this thread is found through conf_current.
 *   libConfuse's lexer is process-wide state anyway: conf_load is not
 *   reentrant.
 */
#include "config.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "conf.h"
#include "tls.h"
#include "webhook.h"

#ifndef LOGWARD_DATADIR
#define LOGWARD_DATADIR "/usr/local/share/logward"
#endif

#define CONF_DEFAULT_RULES LOGWARD_DATADIR "/patterns"
#define CONF_DEFAULT_ARCHIVE "/var/log/logward/events-%Y%m%d.jsonl"
#define CONF_DEFAULT_SPOOL "/var/lib/logward"
/* Without an alerts block, alerts go next to the archive under this name. */
#define CONF_ALERTS_NAME "alerts.jsonl"

/* Hidden per-section list of lines; '|' makes the name unreachable from a file. */
#define CONF_LINES "#|lines"
#define CONF_LINES_UNSET (-1)

/* A configuration file, or an included one, is small: refuse anything bigger. */
#define CONF_MAX_FILE (1024 * 1024)
#define CONF_MAX_INCLUDE_DEPTH 8
#define CONF_MAX_ADDRESS 256

/* The range and default of every numeric option. */
struct conf_range {
	const char *name;
	long min;
	long max;
	long def;
};

static const struct conf_range conf_ranges[] = {
    {"max_message_size", 64, 16777216, 65536},
    {"max_connections", 1, 1000000, 1000},
    {"idle_timeout", 0, 86400, 600},
    {"recv_buffer", 0, 268435456, 4194304},
    {"workers", 0, 256, 0},
    {"queue_batches", 2, 65536, 64},
    {"stats_interval", 0, 86400, 300},
    {"timeout", 1, 600, 15},
    {"max_spool_bytes", 4096, 1099511627776, 1073741824},
    {"window", 1, 31536000, 3600},
    {"session_window", 1, 86400, 300},
    {"max_entries", 16, 10000000, 10000},
    {"threshold", 0, 1000000, 0},
    {"max_connections_per_address", 0, 1000000, 0},
    {"ratelimit_interval", 0, 86400, 0},
    {"ratelimit_burst", 1, 100000000, 10000},
    {"handshake_timeout", 1, 3600, 10},
    {"storm_window", 0, 86400, 300},
};

/* The state of one conf_load: the caller's error buffer and the include depth. */
struct conf_parse {
	char *err;
	size_t errlen;
	int failed;
	int include_depth;
	int last_line; /* where the outermost file ended */
};

/* The conf_load running on this thread; see the comment at the top. */
static _Thread_local struct conf_parse *conf_current;

/* An address split into its parts; host is NULL for "any address". */
struct conf_address {
	char host[CONF_MAX_ADDRESS];
	int any;
	unsigned long port;
};

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

/* The keyword is one of a TLS transport (tls, relp-tls). */
static bool
conf_transport_is_tls(const char *transport)
{
	return strcmp(transport, "tls") == 0 || strcmp(transport, "relp-tls") == 0;
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

/* Parse a verify keyword; -1 when it is none of them. */
static int
conf_verify_parse(const char *s, enum tls_verify *out)
{
	static const enum tls_verify all[] = { TLS_VERIFY_NONE, TLS_VERIFY_PEER,
		TLS_VERIFY_NAME, TLS_VERIFY_FINGERPRINT };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (s != NULL && strcmp(s, tls_verify_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* Find the range entry of a numeric option. */
static const struct conf_range *
conf_range_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(conf_ranges) / sizeof(conf_ranges[0]); i++)
		if (strcmp(conf_ranges[i].name, name) == 0)
			return &conf_ranges[i];
	return NULL;
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
}

/* Record the first error as "file:line: context message"; later ones add nothing. */
static void __attribute__((format(printf, 4, 0)))
conf_verror(const char *file, int line, cfg_t *sec, const char *fmt, va_list ap)
{
	struct conf_parse *cp = conf_current;
	char context[160], msg[1024];

	if (cp == NULL || cp->failed)
		return;
	cp->failed = 1;
	conf_context(sec, context, sizeof(context));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(cp->err, cp->errlen, "%s:%d: %s%s", file ? file : "(config)", line,
		    context, msg);
	else
		snprintf(cp->err, cp->errlen, "%s: %s%s", file ? file : "(config)", context, msg);
}

/* Report an error at a line we recorded, not where the parser stands now. */
static void __attribute__((format(printf, 4, 5)))
conf_error_at(const char *file, int line, cfg_t *sec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verror(file, line, sec, fmt, ap);
	va_end(ap);
}

/* The hidden lines list of a section (always its first option). */
static cfg_opt_t *
conf_lines(cfg_t *sec)
{
	if (sec == NULL || sec->opts == NULL || sec->opts[0].name == NULL ||
	    strcmp(sec->opts[0].name, CONF_LINES) != 0)
		return NULL;
	return &sec->opts[0];
}

/* Number of options of a section, the hidden one included. */
static size_t
conf_nopts(cfg_t *sec)
{
	size_t n = 0;

	while (sec->opts[n].name != NULL)
		n++;
	return n;
}

/* Index of opt in sec, or -1 when opt belongs to another section. */
static long
conf_opt_index(cfg_t *sec, cfg_opt_t *opt)
{
	size_t n = conf_nopts(sec);

	if (opt < sec->opts || opt >= sec->opts + n)
		return -1;
	return (long)(opt - sec->opts);
}

/* Line where option name was set in sec (0 if never), or sec's first line for CONF_LINES. */
static int
conf_line_of(cfg_t *sec, const char *name)
{
	cfg_opt_t *lines = conf_lines(sec);
	size_t i;

	if (lines == NULL)
		return 0;
	for (i = 0; sec->opts[i].name != NULL; i++) {
		if (strcmp(sec->opts[i].name, name) != 0)
			continue;
		if (i >= lines->nvalues)
			return 0;
		return (int)lines->values[i]->number;
	}
	return 0;
}

/* The line a section starts on. */
static int
conf_first_line(cfg_t *sec)
{
	return conf_line_of(sec, CONF_LINES);
}

/* The option names a section accepts, for "expected ..." in messages. */
static void
conf_expected_keys(cfg_t *sec, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; sec->opts[i].name != NULL; i++) {
		if (strcmp(sec->opts[i].name, CONF_LINES) == 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", sec->opts[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/* Turn a quoted name at the end of a libConfuse message ("... 'x'") into x. */
static int
conf_quoted_tail(const char *msg, const char *prefix, char *out, size_t len)
{
	size_t plen = strlen(prefix), mlen = strlen(msg);

	if (mlen < plen + 1 || strncmp(msg, prefix, plen) != 0 || msg[mlen - 1] != '\'' ||
	    mlen - plen - 1 >= len)
		return 0;
	memcpy(out, msg + plen, mlen - plen - 1);
	out[mlen - plen - 1] = '\0';
	return 1;
}

/*
 * libConfuse's error callback: reword its messages that a user meets most
 * (unknown key, duplicate name) to say what was expected; keep the others.
 */
static void __attribute__((format(printf, 2, 0)))
conf_errorcb(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512], name[256], keys[512];
	cfg_opt_t *opt;
	unsigned i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (conf_quoted_tail(msg, "no such option '", name, sizeof(name))) {
		conf_expected_keys(cfg, keys, sizeof(keys));
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "unknown %s \"%s\" (expected one of: %s)",
		    strcmp(cfg->name, "root") == 0 ? "directive" : "key", name, keys);
		return;
	}
	if (conf_quoted_tail(msg, "found duplicate title '", name, sizeof(name)) &&
	    strcmp(cfg->name, "root") == 0) {
		opt = cfg_getopt(cfg, "input");
		for (i = 0; opt != NULL && i < opt->nvalues; i++) {
			cfg_t *sec = opt->values[i]->section;

			if (sec->title == NULL || strcmp(sec->title, name) != 0)
				continue;
			conf_error_at(cfg->filename, cfg->line, NULL,
			    "duplicate input name \"%s\" (first defined at "
			    "%s:%d; names must be unique)",
			    name, sec->filename, conf_first_line(sec));
			return;
		}
		conf_error_at(cfg->filename, cfg->line, NULL,
		    "duplicate input name \"%s\" (names must be unique)", name);
		return;
	}
	if (strcmp(msg, "missing title for section 'input'") == 0) {
		conf_error_at(cfg->filename, cfg->line, NULL,
		    "input needs a name (expected input NAME { ... })");
		return;
	}
	conf_error_at(cfg->filename, cfg->line, cfg, "%s", msg);
}

/*
 * Validate callback of the hidden lines list.  Its default "{-1}" is parsed
 * when the section opens, so this runs with cfg->line on the opening brace:
 * keep that line in slot 0 and one zeroed slot per option.
 */
static int
conf_linescb(cfg_t *cfg, cfg_opt_t *opt)
{
	size_t n, i;

	if (opt->nvalues == 1 && opt->values[0]->number == CONF_LINES_UNSET) {
		opt->values[0]->number = cfg->line;
		n = conf_nopts(cfg);
		for (i = 1; i < n; i++)
			if (cfg_opt_setnint(opt, 0, opt->nvalues) != CFG_SUCCESS)
				return -1;
	}
	return 0;
}

/*
 * Validate callback of every option: refuse a key given twice in one block
 * and remember where it was set, for checks made when the block closes.
 */
static int
conf_seencb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_opt_t *lines = conf_lines(cfg);
	long idx = conf_opt_index(cfg, opt);
	cfg_value_t *slot;

	if (lines == NULL || idx < 0 || (unsigned long)idx >= lines->nvalues) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "unknown key \"%s\" (set options inside their own block)", opt->name);
		return -1;
	}
	slot = lines->values[idx];
	if (slot->number != 0 && opt->type != CFGT_SEC) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "%s set twice (first at line %ld; give each key once)", opt->name,
		    slot->number);
		return -1;
	}
	slot->number = cfg->line;
	return 0;
}

/* Parse a decimal number with an optional sign; 0 if it is not one. */
static int
conf_parse_long(const char *s, long *out)
{
	char *end;
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno == ERANGE)
		*out = (s[0] == '-') ? LONG_MIN : LONG_MAX;
	return 1;
}

/* Parse callback of the numeric options: decimal only, inside conf_ranges. */
static int
conf_intcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct conf_range *r = conf_range_find(opt->name);
	long v;

	if (r == NULL) {
		cfg_error(cfg, "internal error: no range for %s", opt->name);
		return -1;
	}
	if (value == NULL || !conf_parse_long(value, &v)) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "%s \"%s\" is not a number (expected an integer %ld..%ld)", opt->name,
		    value ? value : "", r->min, r->max);
		return -1;
	}
	if (v < r->min || v > r->max) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "%s %s out of range (expected %ld..%ld)", opt->name, value, r->min, r->max);
		return -1;
	}
	*(long *)result = v;
	return 0;
}

/* Parse callback of transport: udp, tcp, tls, relp or relp-tls. */
static int
conf_transportcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (value != NULL && (strcmp(value, "udp") == 0 || strcmp(value, "tcp") == 0 ||
	    strcmp(value, "tls") == 0 || strcmp(value, "relp") == 0 ||
	    strcmp(value, "relp-tls") == 0)) {
		*(const char **)result = value;
		return 0;
	}
	conf_error_at(cfg->filename, cfg->line, cfg,
	    "%s \"%s\" is invalid (expected udp, tcp, tls, relp or relp-tls)", opt->name,
	    value ? value : "");
	return -1;
}

/* Parse callback of verify: none, peer, name or fingerprint. */
static int
conf_verifycb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	enum tls_verify v;

	if (conf_verify_parse(value, &v) != 0) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "verify \"%s\" is invalid (expected none, peer, name or fingerprint)",
		    value ? value : "");
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of user and group: a name (or number) without blanks. */
static int
conf_accountcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (value == NULL || value[0] == '\0' || strlen(value) > 64 ||
	    strpbrk(value, " \t\r\n:") != NULL) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "%s \"%s\" is invalid (expected a %s name such as \"nobody\")", opt->name,
		    value ? value : "", opt->name);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Check the port part of an address: 1..65535, digits only. */
static const char *
conf_check_port(const char *s, unsigned long *port)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0')
		return "has no port";
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return "has a port that is not a number";
		if (p - s >= 5)
			return "has a port out of range";
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return "has a port out of range";
	*port = v;
	return NULL;
}

/*
 * Split "host:port", "[v6]:port", "*:port" or ":port".  The host must be
 * a numeric address or "localhost": resolving names at start-up would make
 * the listener depend on DNS.  Returns NULL or what is wrong.
 */
static const char *
conf_parse_address(const char *s, struct conf_address *a)
{
	const char *colon, *close;
	unsigned char buf[sizeof(struct in6_addr)];
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= CONF_MAX_ADDRESS)
		return "is too long";
	if (s[0] == '[') {
		close = strchr(s, ']');
		if (close == NULL)
			return "has no closing ']'";
		hlen = (size_t)(close - s - 1);
		memcpy(a->host, s + 1, hlen);
		a->host[hlen] = '\0';
		if (inet_pton(AF_INET6, a->host, buf) != 1)
			return "has an invalid IPv6 address in brackets";
		if (close[1] != ':')
			return "has no port after ']'";
		return conf_check_port(close + 2, &a->port);
	}
	colon = strchr(s, ':');
	if (colon == NULL)
		return "has no port";
	if (strchr(colon + 1, ':') != NULL)
		return "has an IPv6 address without brackets";
	hlen = (size_t)(colon - s);
	memcpy(a->host, s, hlen);
	a->host[hlen] = '\0';
	if (hlen == 0 || strcmp(a->host, "*") == 0) {
		a->any = 1;
		a->host[0] = '\0';
	} else if (strcmp(a->host, "localhost") != 0 && inet_pton(AF_INET, a->host, buf) != 1)
		return "has a host that is not a numeric IP address or localhost";
	return conf_check_port(colon + 1, &a->port);
}

/* Parse callback of address: reject it on the line where it is written. */
static int
conf_addresscb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct conf_address a;
	const char *why;

	if (value == NULL)
		value = "";
	if ((why = conf_parse_address(value, &a)) != NULL) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "%s \"%s\" %s (expected \"host:port\", \"[v6]:port\", "
		    "\"*:port\" or \":port\" with a numeric host or localhost "
		    "and a port 1..65535)",
		    opt->name, value, why);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of path options: a path may not be empty. */
static int
conf_pathcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (value == NULL || value[0] == '\0') {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "%s is empty (expected a file or directory name)", opt->name);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Input names become observer.ingress.name: keep them to a safe alphabet. */
static int
conf_valid_name(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

/* Two addresses that bind the same socket. */
static int
conf_same_address(const struct conf_address *a, const struct conf_address *b)
{
	return a->port == b->port && a->any == b->any && strcmp(a->host, b->host) == 0;
}

/*
 * An option that only some transports use may not be set on the others.
 * only is "udp", "tls" (with relp-tls), or "tcp" (every stream transport:
 * a TLS or RELP input is a TCP input).
 */
static int
conf_check_only(cfg_t *sec, const char *key, const char *transport, const char *only)
{
	int line;

	if (strcmp(transport, only) == 0 ||
	    (strcmp(only, "tcp") == 0 && strcmp(transport, "udp") != 0) ||
	    (strcmp(only, "tls") == 0 && conf_transport_is_tls(transport)) ||
	    (line = conf_line_of(sec, key)) == 0)
		return 0;
	conf_error_at(sec->filename, line, sec, "%s applies to %s inputs only (this input is %s)",
	    key, strcmp(only, "tcp") == 0 ? "tcp and tls" : only, transport);
	return -1;
}

/* udp, or stream for tcp and tls (they bind the same kind of socket). */
static const char *
conf_socket_kind(const char *transport)
{
	return strcmp(transport, "udp") == 0 ? "udp" : "stream";
}

/* The line of a list option, else the block's first line. */
static int
conf_list_line(cfg_t *sec, const char *key)
{
	int line = conf_line_of(sec, key);

	return line > 0 ? line : conf_first_line(sec);
}

/* Check every entry of the allow, permitted_peers and fingerprints lists. */
static int
conf_check_lists(cfg_t *sec)
{
	unsigned char fp[TLS_SHA256_LEN];
	struct acl_entry entry;
	const char *v, *why;
	unsigned i;

	for (i = 0; i < cfg_size(sec, "allow"); i++) {
		v = cfg_getnstr(sec, "allow", i);
		if ((why = acl_entry_parse(v, &entry)) != NULL) {
			conf_error_at(sec->filename, conf_list_line(sec, "allow"), sec,
			    "allow \"%s\" %s (expected \"ADDRESS\" or \"ADDRESS/PREFIX\", "
			    "IPv4 or IPv6)", v, why);
			return -1;
		}
	}
	for (i = 0; i < cfg_size(sec, "permitted_peers"); i++) {
		v = cfg_getnstr(sec, "permitted_peers", i);
		if (!tls_peer_pattern_valid(v)) {
			conf_error_at(sec->filename, conf_list_line(sec, "permitted_peers"), sec,
			    "permitted_peers \"%s\" is invalid (expected a DNS name, where a "
			    "label may be \"*\" or start or end with \"*\")", v);
			return -1;
		}
	}
	for (i = 0; i < cfg_size(sec, "fingerprints"); i++) {
		v = cfg_getnstr(sec, "fingerprints", i);
		if ((why = tls_fingerprint_parse(v, fp)) != NULL) {
			conf_error_at(sec->filename, conf_list_line(sec, "fingerprints"), sec,
			    "fingerprint \"%s\" %s (expected \"sha256:\" and 32 hex byte pairs, "
			    "as openssl x509 -noout -fingerprint -sha256 prints them)", v, why);
			return -1;
		}
	}
	return 0;
}

/* What a verify mode needs: ca, permitted_peers or fingerprints, and only its own list. */
static int
conf_check_tls(cfg_t *sec)
{
	enum tls_verify v = TLS_VERIFY_PEER;
	int first = conf_first_line(sec);

	if (cfg_getstr(sec, "certificate") == NULL || cfg_getstr(sec, "key") == NULL) {
		conf_error_at(sec->filename, first, sec,
		    "missing %s (expected certificate = \"/etc/logward/server.crt\" and "
		    "key = \"/etc/logward/server.key\")",
		    cfg_getstr(sec, "certificate") == NULL ? "certificate" : "key");
		return -1;
	}
	conf_verify_parse(cfg_getstr(sec, "verify"), &v);
	if ((v == TLS_VERIFY_PEER || v == TLS_VERIFY_NAME) && cfg_getstr(sec, "ca") == NULL) {
		conf_error_at(sec->filename, first, sec,
		    "verify = %s needs ca (expected ca = \"/etc/logward/ca.crt\", or verify = "
		    "none or fingerprint)", tls_verify_name(v));
		return -1;
	}
	if (v == TLS_VERIFY_NAME && cfg_size(sec, "permitted_peers") == 0) {
		conf_error_at(sec->filename, first, sec,
		    "verify = name needs permitted_peers (expected permitted_peers = "
		    "{ \"*.example.net\" })");
		return -1;
	}
	if (v == TLS_VERIFY_FINGERPRINT && cfg_size(sec, "fingerprints") == 0) {
		conf_error_at(sec->filename, first, sec,
		    "verify = fingerprint needs fingerprints (expected fingerprints = "
		    "{ \"sha256:AB:CD:...\" })");
		return -1;
	}
	if (v != TLS_VERIFY_NAME && cfg_size(sec, "permitted_peers") > 0) {
		conf_error_at(sec->filename, conf_list_line(sec, "permitted_peers"), sec,
		    "permitted_peers applies to verify = name only (this input has verify = %s)",
		    tls_verify_name(v));
		return -1;
	}
	if (v != TLS_VERIFY_FINGERPRINT && cfg_size(sec, "fingerprints") > 0) {
		conf_error_at(sec->filename, conf_list_line(sec, "fingerprints"), sec,
		    "fingerprints applies to verify = fingerprint only (this input has verify = %s)",
		    tls_verify_name(v));
		return -1;
	}
	return 0;
}

/* The options that apply to some transports only. */
static int
conf_check_transport_keys(cfg_t *sec, const char *transport)
{
	static const char *const stream[] = { "max_connections", "idle_timeout",
		"max_connections_per_address", NULL };
	static const char *const tls[] = { "certificate", "key", "ca", "verify",
		"permitted_peers", "fingerprints", "handshake_timeout", NULL };
	size_t i;

	for (i = 0; stream[i] != NULL; i++)
		if (conf_check_only(sec, stream[i], transport, "tcp"))
			return -1;
	for (i = 0; tls[i] != NULL; i++)
		if (conf_check_only(sec, tls[i], transport, "tls"))
			return -1;
	return conf_check_only(sec, "recv_buffer", transport, "udp");
}

/* Checks made when an input block closes: its name, required keys, transport fit. */
static int
conf_check_input(cfg_opt_t *opt)
{
	cfg_t *sec = opt->values[opt->nvalues - 1]->section;
	const char *transport, *address;
	struct conf_address a, b;
	unsigned i;
	int first = conf_first_line(sec);

	if (!conf_valid_name(sec->title)) {
		conf_error_at(sec->filename, first, NULL,
		    "input name \"%s\" is invalid (expected 1..64 of "
		    "A-Z a-z 0-9 _ . -)",
		    sec->title ? sec->title : "");
		return -1;
	}
	transport = cfg_getstr(sec, "transport");
	address = cfg_getstr(sec, "address");
	if (transport == NULL) {
		conf_error_at(sec->filename, first, sec,
		    "missing transport (expected transport = udp, tcp, tls, relp or relp-tls)");
		return -1;
	}
	if (address == NULL) {
		conf_error_at(sec->filename, first, sec,
		    "missing address (expected address = \"host:port\")");
		return -1;
	}
	if (conf_check_transport_keys(sec, transport) != 0 || conf_check_lists(sec) != 0)
		return -1;
	if (conf_transport_is_tls(transport) && conf_check_tls(sec) != 0)
		return -1;
	if (conf_parse_address(address, &a) != NULL)
		return -1; /* conf_addresscb said why */
	for (i = 0; i + 1 < opt->nvalues; i++) {
		cfg_t *other = opt->values[i]->section;

		if (strcmp(conf_socket_kind(cfg_getstr(other, "transport")),
			conf_socket_kind(transport)) != 0 ||
		    conf_parse_address(cfg_getstr(other, "address"), &b) != NULL ||
		    !conf_same_address(&a, &b))
			continue;
		conf_error_at(sec->filename, conf_line_of(sec, "address"), sec,
		    "%s address \"%s\" is already used by input \"%s\" (%s:%d)",
		    strcmp(transport, "udp") == 0 ? "udp" : "tcp", address,
		    other->title, other->filename, conf_first_line(other));
		return -1;
	}
	return 0;
}

/* Parse callback of format: one of the webhook formats. */
static int
conf_formatcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	enum webhook_format f;

	if (value == NULL || webhook_format_parse(value, &f) != 0) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "format \"%s\" is invalid (expected standard, slack, alertmanager or teams)",
		    value ? value : "");
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of min_severity: low, medium, high or critical. */
static int
conf_severitycb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (value == NULL || webhook_severity_parse(value) < 0) {
		conf_error_at(cfg->filename, cfg->line, cfg,
		    "min_severity \"%s\" is invalid (expected low, medium, high or critical)",
		    value ? value : "");
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Checks made when a webhook block closes: name, url, headers, retry range. */
static int
conf_check_webhook(cfg_opt_t *opt)
{
	cfg_t *sec = opt->values[opt->nvalues - 1]->section;
	const char *url = cfg_getstr(sec, "url");
	int first = conf_first_line(sec);
	unsigned i;

	if (!conf_valid_name(sec->title)) {
		conf_error_at(sec->filename, first, NULL,
		    "webhook name \"%s\" is invalid (expected 1..64 of A-Z a-z 0-9 _ . -)",
		    sec->title ? sec->title : "");
		return -1;
	}
	if (url == NULL) {
		conf_error_at(sec->filename, first, sec,
		    "missing url (expected url = \"https://host/path\")");
		return -1;
	}
	if ((strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
	    strpbrk(url, " \t\r\n") != NULL) {
		conf_error_at(sec->filename, conf_line_of(sec, "url"), sec,
		    "url \"%s\" is invalid (expected http:// or https:// and no blanks)", url);
		return -1;
	}
	for (i = 0; i < cfg_size(sec, "headers"); i++) {
		const char *h = cfg_getnstr(sec, "headers", i);
		const char *colon = strchr(h, ':');

		if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL) {
			conf_error_at(sec->filename, first, sec,
			    "header \"%s\" is invalid (expected \"Name: value\" on one line)", h);
			return -1;
		}
	}
	if (cfg_getfloat(sec, "retry_min") < 0.01 || cfg_getfloat(sec, "retry_max") > 86400 ||
	    cfg_getfloat(sec, "retry_min") > cfg_getfloat(sec, "retry_max")) {
		conf_error_at(sec->filename, first, sec,
		    "retry_min %g / retry_max %g out of range (expected 0.01 <= retry_min <= "
		    "retry_max <= 86400 seconds)", cfg_getfloat(sec, "retry_min"),
		    cfg_getfloat(sec, "retry_max"));
		return -1;
	}
	return 0;
}

/* Validate callback of the input, archive and alerts blocks, run as each closes. */
static int
conf_sectioncb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec;

	if (conf_seencb(cfg, opt) != 0)
		return -1;
	if (strcmp(opt->name, "input") == 0)
		return conf_check_input(opt);
	if (strcmp(opt->name, "webhook") == 0)
		return conf_check_webhook(opt);
	if (strcmp(opt->name, "alerts") == 0 &&
	    cfg_getstr(opt->values[opt->nvalues - 1]->section, "path") == NULL) {
		sec = opt->values[opt->nvalues - 1]->section;
		conf_error_at(sec->filename, conf_first_line(sec), sec,
		    "missing path (expected path = \"/var/log/logward/alerts.jsonl\")");
		return -1;
	}
	if (strcmp(opt->name, "metrics") == 0 &&
	    cfg_getstr(opt->values[opt->nvalues - 1]->section, "address") == NULL) {
		sec = opt->values[opt->nvalues - 1]->section;
		conf_error_at(sec->filename, conf_first_line(sec), sec,
		    "missing address (expected address = \"127.0.0.1:9514\")");
		return -1;
	}
	if (opt->nvalues > 1) {
		sec = opt->values[opt->nvalues - 1]->section;
		conf_error_at(sec->filename, conf_first_line(sec), NULL,
		    "second %s block (first at %s:%d; give it once)", opt->name,
		    opt->values[0]->section->filename, conf_first_line(opt->values[0]->section));
		return -1;
	}
	return 0;
}

/* Skip a "${VAR}" that libConfuse expands, so '#' or quotes in it are not seen. */
static size_t
conf_skip_env(const char *buf, size_t i, size_t len)
{
	size_t j;

	if (buf[i] != '$' || i + 1 >= len || buf[i + 1] != '{')
		return i;
	for (j = i + 2; j < len; j++)
		if (buf[j] == '}')
			return j;
	return i;
}

/* Deepest nesting of braces we follow; the grammar itself uses one level. */
#define CONF_MAX_NESTING 16

/*
 * Blank out "#", "//" and C comments outside strings, keeping newlines, so
 * that libConfuse's line numbers stay right.  Also match the braces, since
 * libConfuse takes the end of the file for the end of an open block.
 * Returns the line of a problem and sets *why, or returns 0.
 */
int
conf_strip_comments(char *buf, size_t len, const char **why)
{
	enum { NORMAL, DQUOTE, SQUOTE, LINE_COMMENT, BLOCK_COMMENT } st = NORMAL;
	int open_line[CONF_MAX_NESTING];
	size_t i, depth = 0;
	int line = 1, block_line = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i], next = i + 1 < len ? buf[i + 1] : '\0';

		if (c == '\n')
			line++;
		switch (st) {
		case NORMAL:
			if (c == '"')
				st = DQUOTE;
			else if (c == '\'')
				st = SQUOTE;
			else if (c == '$')
				i = conf_skip_env(buf, i, len);
			else if (c == '#' || (c == '/' && next == '/')) {
				st = LINE_COMMENT;
				buf[i] = ' ';
			} else if (c == '/' && next == '*') {
				st = BLOCK_COMMENT;
				block_line = line;
				buf[i] = buf[i + 1] = ' ';
				i++;
			} else if (c == '{') {
				if (depth == CONF_MAX_NESTING) {
					*why = "blocks nested too deeply";
					return line;
				}
				open_line[depth++] = line;
			} else if (c == '}' && depth > 0)
				depth--; /* an extra '}' is libConfuse's to report */
			break;
		case DQUOTE:
			if (c == '\\' && i + 1 < len) {
				if (next == '\n')
					line++;
				i++;
			} else if (c == '$')
				i = conf_skip_env(buf, i, len);
			else if (c == '"')
				st = NORMAL;
			break;
		case SQUOTE:
			if (c == '\\' && (next == '\\' || next == '\''))
				i++;
			else if (c == '\'')
				st = NORMAL;
			break;
		case LINE_COMMENT:
			if (c == '\n')
				st = NORMAL;
			else
				buf[i] = ' ';
			break;
		case BLOCK_COMMENT:
			if (c == '*' && next == '/') {
				buf[i] = buf[i + 1] = ' ';
				i++;
				st = NORMAL;
			} else if (c != '\n')
				buf[i] = ' ';
			break;
		}
	}
	if (st == BLOCK_COMMENT) {
		*why = "unterminated /* comment (expected */)";
		return block_line;
	}
	if (depth > 0) {
		*why = "block is not closed (expected '}' before the end of "
		       "the file)";
		return open_line[depth - 1];
	}
	return 0;
}

/*
 * Read a whole configuration file, at most CONF_MAX_FILE bytes, with its
 * comments blanked.  Returns a NUL-terminated buffer the caller frees, or
 * NULL with the error recorded.
 */
static char *
conf_read_file(const char *path, const char *from_file, int from_line, size_t *lenp)
{
	FILE *fp;
	char *buf;
	const char *why = NULL;
	size_t len;
	int bad;

	if ((fp = fopen(path, "r")) == NULL) {
		if (from_file != NULL)
			conf_error_at(from_file, from_line, NULL, "cannot open %s: %s", path,
			    strerror(errno));
		else
			conf_error_at(path, 0, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CONF_MAX_FILE + 2)) == NULL) {
		fclose(fp);
		conf_error_at(path, 0, NULL, "out of memory");
		return NULL;
	}
	len = fread(buf, 1, CONF_MAX_FILE + 1, fp);
	bad = ferror(fp);
	fclose(fp);
	if (bad) {
		conf_error_at(
		    from_file ? from_file : path, from_line, NULL, "cannot read %s", path);
		free(buf);
		return NULL;
	}
	if (len > CONF_MAX_FILE) {
		conf_error_at(path, 0, NULL, "file too large (limit %d bytes)", CONF_MAX_FILE);
		free(buf);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		conf_error_at(path, 0, NULL, "contains a NUL byte (expected a text file)");
		free(buf);
		return NULL;
	}
	/* A final newline keeps the buffer non-empty for fmemopen. */
	if (len == 0 || buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	if ((bad = conf_strip_comments(buf, len, &why)) != 0) {
		conf_error_at(path, bad, NULL, "%s", why);
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/* Parse a file into cfg as if its text stood where cfg is now. */
static int
conf_parse_file(cfg_t *cfg, const char *path, const char *from_file, int from_line)
{
	FILE *fp;
	char *buf, *saved_name;
	size_t len;
	int saved_line, rc;

	if ((buf = conf_read_file(path, from_file, from_line, &len)) == NULL)
		return -1;
	if ((fp = fmemopen(buf, len, "r")) == NULL) {
		conf_error_at(path, 0, NULL, "cannot read: %s", strerror(errno));
		free(buf);
		return -1;
	}
	saved_name = cfg->filename;
	saved_line = cfg->line;
	if ((cfg->filename = strdup(path)) == NULL) {
		cfg->filename = saved_name;
		fclose(fp);
		free(buf);
		conf_error_at(path, 0, NULL, "out of memory");
		return -1;
	}
	rc = cfg_parse_fp(cfg, fp);
	if (conf_current != NULL)
		conf_current->last_line = cfg->line > 1 ? cfg->line - 1 : 1;
	fclose(fp);
	free(buf);
	free(cfg->filename);
	cfg->filename = saved_name;
	cfg->line = saved_line;
	if (rc != CFG_SUCCESS) {
		conf_error_at(path, 0, NULL, "parse error"); /* if none yet */
		return -1;
	}
	return 0;
}

/* The include("file") directive: parse file in place, through our comment stripper. */
static int
conf_includecb(cfg_t *cfg, cfg_opt_t *opt, int argc, const char **argv)
{
	struct conf_parse *cp = conf_current;
	char *from;
	int line = cfg->line, rc;

	if (argc != 1) {
		conf_error_at(cfg->filename, line, NULL,
		    "%s takes one file name (expected %s(\"file\"))", opt->name, opt->name);
		return -1;
	}
	if (cp == NULL || cp->include_depth >= CONF_MAX_INCLUDE_DEPTH) {
		conf_error_at(cfg->filename, line, NULL,
		    "includes nested deeper than %d (an include loop?)", CONF_MAX_INCLUDE_DEPTH);
		return -1;
	}
	if ((from = strdup(cfg->filename ? cfg->filename : "")) == NULL)
		return -1;
	cp->include_depth++;
	rc = conf_parse_file(cfg, argv[0], from, line);
	cp->include_depth--;
	free(from);
	return rc;
}

/* Free a list of strings. */
static void
conf_free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Free an input's strings. */
static void
conf_free_input(struct input_conf *in)
{
	free(in->name);
	free(in->address);
	free(in->host);
	free(in->port);
	conf_free_list(in->allow, in->n_allow);
	free(in->certificate);
	free(in->key);
	free(in->ca);
	conf_free_list(in->permitted_peers, in->n_permitted_peers);
	conf_free_list(in->fingerprints, in->n_fingerprints);
}

/* Free a webhook's strings. */
static void
conf_free_webhook(struct webhook_conf *w)
{
	size_t i;

	free(w->name);
	free(w->url);
	free(w->secret_file);
	free(w->ca_file);
	free(w->file);
	for (i = 0; i < w->n_headers; i++)
		free(w->headers[i]);
	free(w->headers);
}

/* Free a loaded configuration and everything it owns. */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_inputs; i++)
		conf_free_input(&c->inputs[i]);
	free(c->inputs);
	for (i = 0; i < c->n_webhooks; i++)
		conf_free_webhook(&c->webhooks[i]);
	free(c->webhooks);
	free(c->spool_dir);
	free(c->path);
	free(c->rules);
	free(c->archive_path);
	free(c->alerts_path);
	free(c->correlate.state_dir);
	free(c->correlate.baseline);
	free(c->metrics_address);
	free(c->metrics_host);
	free(c->metrics_port);
	free(c->user);
	free(c->group);
	free(c);
}

/* Both NULL, or equal strings. */
static bool
conf_str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Two string lists with the same strings in the same order. */
static bool
conf_list_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/*
 * Every field but the line it was written on (a reload may move a block).
 * TLS files are compared by name: a certificate renewed in place is not
 * seen (logward.conf(5) says to restart for that).
 */
bool
input_conf_same(const struct input_conf *a, const struct input_conf *b)
{
	return conf_str_same(a->name, b->name) && a->transport == b->transport &&
	    conf_str_same(a->address, b->address) && conf_str_same(a->host, b->host) &&
	    conf_str_same(a->port, b->port) && a->max_message_size == b->max_message_size &&
	    a->max_connections == b->max_connections && a->idle_timeout == b->idle_timeout &&
	    a->recv_buffer == b->recv_buffer &&
	    a->max_connections_per_address == b->max_connections_per_address &&
	    conf_list_same(a->allow, a->n_allow, b->allow, b->n_allow) &&
	    a->ratelimit_interval == b->ratelimit_interval &&
	    a->ratelimit_burst == b->ratelimit_burst &&
	    conf_str_same(a->certificate, b->certificate) && conf_str_same(a->key, b->key) &&
	    conf_str_same(a->ca, b->ca) && a->verify == b->verify &&
	    conf_list_same(a->permitted_peers, a->n_permitted_peers, b->permitted_peers,
		b->n_permitted_peers) &&
	    conf_list_same(a->fingerprints, a->n_fingerprints, b->fingerprints,
		b->n_fingerprints) &&
	    a->handshake_timeout == b->handshake_timeout;
}

/* One webhook, every field but its line. */
static bool
webhook_conf_same(const struct webhook_conf *a, const struct webhook_conf *b)
{
	if (!conf_str_same(a->name, b->name) || !conf_str_same(a->url, b->url) ||
	    a->format != b->format || !conf_str_same(a->secret_file, b->secret_file) ||
	    !conf_str_same(a->ca_file, b->ca_file) || a->timeout != b->timeout ||
	    a->min_severity != b->min_severity || a->n_headers != b->n_headers ||
	    a->retry_min != b->retry_min || a->retry_max != b->retry_max ||
	    a->storm_window != b->storm_window)
		return false;
	return conf_list_same(a->headers, a->n_headers, b->headers, b->n_headers);
}

bool
conf_webhooks_same(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (a->n_webhooks != b->n_webhooks || !conf_str_same(a->spool_dir, b->spool_dir) ||
	    a->max_spool_bytes != b->max_spool_bytes)
		return false;
	for (i = 0; i < a->n_webhooks; i++)
		if (!webhook_conf_same(&a->webhooks[i], &b->webhooks[i]))
			return false;
	return true;
}

/* Copy a string list option; -1 when out of memory. */
static int
conf_take_list(cfg_t *sec, const char *name, char ***list, size_t *n)
{
	unsigned i, size = cfg_size(sec, name);

	*list = NULL;
	*n = 0;
	if (size == 0)
		return 0;
	if ((*list = calloc(size, sizeof(**list))) == NULL)
		return -1;
	for (i = 0; i < size; i++) {
		if (((*list)[i] = strdup(cfg_getnstr(sec, name, i))) == NULL)
			return -1;
		(*n)++;
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
static char *conf_dup_opt(cfg_t *sec, const char *name, int *failed);

/* Copy the limits and TLS settings of an input block; 0 on success. */
static int
conf_take_input_extras(cfg_t *sec, struct input_conf *in)
{
	int failed = 0;

	in->max_connections_per_address = (unsigned)cfg_getint(sec, "max_connections_per_address");
	in->ratelimit_interval = (unsigned)cfg_getint(sec, "ratelimit_interval");
	in->ratelimit_burst = (unsigned)cfg_getint(sec, "ratelimit_burst");
	in->handshake_timeout = (unsigned)cfg_getint(sec, "handshake_timeout");
	in->verify = TLS_VERIFY_PEER;
	conf_verify_parse(cfg_getstr(sec, "verify"), &in->verify);
	in->certificate = conf_dup_opt(sec, "certificate", &failed);
	in->key = conf_dup_opt(sec, "key", &failed);
	in->ca = conf_dup_opt(sec, "ca", &failed);
	if (failed || conf_take_list(sec, "allow", &in->allow, &in->n_allow) != 0 ||
	    conf_take_list(sec, "permitted_peers", &in->permitted_peers,
		&in->n_permitted_peers) != 0 ||
	    conf_take_list(sec, "fingerprints", &in->fingerprints, &in->n_fingerprints) != 0)
		return -1;
	return 0;
}

/* Copy one parsed input block into its struct; 0 on success. */
static int
conf_take_input(cfg_t *sec, struct input_conf *in)
{
	struct conf_address a;
	const char *transport = cfg_getstr(sec, "transport");
	char port[8];

	if (conf_parse_address(cfg_getstr(sec, "address"), &a) != NULL)
		return -1;
	snprintf(port, sizeof(port), "%lu", a.port);
	in->transport = strcmp(transport, "tcp") == 0 ? TRANSPORT_TCP :
	    strcmp(transport, "tls") == 0 ? TRANSPORT_TLS :
	    strcmp(transport, "relp") == 0 ? TRANSPORT_RELP :
	    strcmp(transport, "relp-tls") == 0 ? TRANSPORT_RELP_TLS : TRANSPORT_UDP;
	in->name = strdup(cfg_title(sec));
	in->address = strdup(cfg_getstr(sec, "address"));
	in->host = a.any ? NULL : strdup(a.host);
	in->port = strdup(port);
	in->max_message_size = (size_t)cfg_getint(sec, "max_message_size");
	in->max_connections = (unsigned)cfg_getint(sec, "max_connections");
	in->idle_timeout = (unsigned)cfg_getint(sec, "idle_timeout");
	in->recv_buffer = (size_t)cfg_getint(sec, "recv_buffer");
	in->line = conf_first_line(sec);
	if (in->name == NULL || in->address == NULL || in->port == NULL ||
	    (!a.any && in->host == NULL))
		return -1;
	return conf_take_input_extras(sec, in);
}

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
	memset(s, 0, sizeof(*s));
	s->window = conf_range_find("window")->def;
	s->session_window = conf_range_find("session_window")->def;
	s->max_entries = (size_t)conf_range_find("max_entries")->def;
	s->threshold = (unsigned)conf_range_find("threshold")->def;
}

/*
 * The correlate block (or its defaults).  state_dir defaults to the
 * directory of the alerts file; "" keeps the state in memory only.
 */
static int
conf_take_correlate(cfg_t *sec, struct conf *c)
{
	struct correlate_settings *s = &c->correlate;
	const char *dir = sec != NULL ? cfg_getstr(sec, "state_dir") : NULL;
	const char *baseline = sec != NULL ? cfg_getstr(sec, "baseline") : NULL;

	conf_correlate_defaults(s);
	if (sec != NULL) {
		s->window = cfg_getint(sec, "window");
		s->session_window = cfg_getint(sec, "session_window");
		s->max_entries = (size_t)cfg_getint(sec, "max_entries");
		s->threshold = (unsigned)cfg_getint(sec, "threshold");
		s->alert_on_unknown = cfg_getbool(sec, "alert_on_unknown");
	}
	if (dir != NULL)
		s->state_dir = strdup(dir);
	else if (strchr(c->alerts_path, '%') != NULL)
		s->state_dir = strdup(""); /* no fixed directory: memory only */
	else {
		const char *slash = strrchr(c->alerts_path, '/');

		s->state_dir = slash == NULL ? strdup(".") : slash == c->alerts_path ? strdup("/")
		    : strndup(c->alerts_path, (size_t)(slash - c->alerts_path));
	}
	if (baseline != NULL && (s->baseline = strdup(baseline)) == NULL)
		return -1;
	return s->state_dir == NULL ? -1 : 0;
}

/* Copy the metrics block, when there is one; 0 on success. */
static int
conf_take_metrics(cfg_t *sec, struct conf *c)
{
	struct conf_address a;
	char port[8];

	if (conf_parse_address(cfg_getstr(sec, "address"), &a) != NULL)
		return -1;
	snprintf(port, sizeof(port), "%lu", a.port);
	c->metrics_address = strdup(cfg_getstr(sec, "address"));
	c->metrics_host = a.any ? NULL : strdup(a.host);
	c->metrics_port = strdup(port);
	if (c->metrics_address == NULL || c->metrics_port == NULL ||
	    (!a.any && c->metrics_host == NULL))
		return -1;
	return 0;
}

/* strdup of a string option that may be unset. */
static char *
conf_dup_opt(cfg_t *sec, const char *name, int *failed)
{
	const char *v = cfg_getstr(sec, name);
	char *d;

	if (v == NULL)
		return NULL;
	if ((d = strdup(v)) == NULL)
		*failed = 1;
	return d;
}

/* Copy one parsed webhook block into its struct; 0 on success. */
static int
conf_take_webhook(cfg_t *sec, struct webhook_conf *w, unsigned storm_window)
{
	const char *sev = cfg_getstr(sec, "min_severity");
	int failed = 0;
	unsigned i;

	w->name = strdup(cfg_title(sec));
	w->url = conf_dup_opt(sec, "url", &failed);
	webhook_format_parse(cfg_getstr(sec, "format"), &w->format);
	w->secret_file = conf_dup_opt(sec, "secret_file", &failed);
	w->ca_file = conf_dup_opt(sec, "ca_file", &failed);
	w->timeout = (unsigned)cfg_getint(sec, "timeout");
	w->min_severity = sev != NULL ? webhook_severity_parse(sev) : 0;
	w->retry_min = cfg_getfloat(sec, "retry_min");
	w->retry_max = cfg_getfloat(sec, "retry_max");
	/* unset in the block: the top-level storm_window */
	w->storm_window = cfg_size(sec, "storm_window") > 0 ?
	    (unsigned)cfg_getint(sec, "storm_window") : storm_window;
	w->line = conf_first_line(sec);
	w->file = strdup(sec->filename != NULL ? sec->filename : "");
	if (w->file == NULL)
		return -1;
	if (cfg_size(sec, "headers") > 0 &&
	    (w->headers = calloc(cfg_size(sec, "headers"), sizeof(*w->headers))) == NULL)
		return -1;
	for (i = 0; i < cfg_size(sec, "headers"); i++) {
		if ((w->headers[i] = strdup(cfg_getnstr(sec, "headers", i))) == NULL)
			return -1;
		w->n_headers++;
	}
	return w->name == NULL || w->url == NULL || failed ? -1 : 0;
}

/* Build the struct conf from a parsed tree; NULL on allocation failure. */
static struct conf *
conf_build(cfg_t *cfg, const char *path)
{
	struct conf *c;
	cfg_t *archive, *alerts;
	unsigned i, n = cfg_size(cfg, "input");

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->inputs = calloc(n, sizeof(*c->inputs))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		c->n_inputs++;
		if (conf_take_input(cfg_getnsec(cfg, "input", i), &c->inputs[i]) != 0)
			goto fail;
	}
	archive = cfg_size(cfg, "archive") ? cfg_getnsec(cfg, "archive", 0) : NULL;
	c->path = strdup(path);
	c->rules = strdup(cfg_getstr(cfg, "rules"));
	c->archive_path = strdup(archive ? cfg_getstr(archive, "path") : CONF_DEFAULT_ARCHIVE);
	alerts = cfg_size(cfg, "alerts") ? cfg_getnsec(cfg, "alerts", 0) : NULL;
	if (alerts != NULL)
		c->alerts_path = strdup(cfg_getstr(alerts, "path"));
	else if (c->archive_path != NULL)
		c->alerts_path = conf_default_alerts(c->archive_path);
	c->workers = (unsigned)cfg_getint(cfg, "workers");
	c->queue_batches = (unsigned)cfg_getint(cfg, "queue_batches");
	c->stats_interval = (unsigned)cfg_getint(cfg, "stats_interval");
	c->spool_dir = strdup(cfg_getstr(cfg, "spool"));
	c->max_spool_bytes = (uint64_t)cfg_getint(cfg, "max_spool_bytes");
	c->storm_window = (unsigned)cfg_getint(cfg, "storm_window");
	if (c->spool_dir == NULL)
		goto fail;
	if (cfg_getstr(cfg, "user") != NULL && (c->user = strdup(cfg_getstr(cfg, "user"))) == NULL)
		goto fail;
	if (cfg_getstr(cfg, "group") != NULL &&
	    (c->group = strdup(cfg_getstr(cfg, "group"))) == NULL)
		goto fail;
	c->run_as_root = cfg_getbool(cfg, "run_as_root") ? 1 : 0;
	if (cfg_size(cfg, "webhook") > 0 &&
	    (c->webhooks = calloc(cfg_size(cfg, "webhook"), sizeof(*c->webhooks))) == NULL)
		goto fail;
	for (i = 0; i < cfg_size(cfg, "webhook"); i++) {
		c->n_webhooks++;
		if (conf_take_webhook(cfg_getnsec(cfg, "webhook", i), &c->webhooks[i],
		    c->storm_window) != 0)
			goto fail;
	}
	if (cfg_size(cfg, "metrics") > 0 &&
	    conf_take_metrics(cfg_getnsec(cfg, "metrics", 0), c) != 0)
		goto fail;
	if (c->path == NULL || c->rules == NULL || c->archive_path == NULL ||
	    c->alerts_path == NULL)
		goto fail;
	if (conf_take_correlate(cfg_size(cfg, "correlate") > 0 ?
	    cfg_getnsec(cfg, "correlate", 0) : NULL, c) != 0)
		goto fail;
	return c;
fail:
	conf_free(c);
	return NULL;
}

/* A numeric option with the range table's default and our parse callback. */
static cfg_opt_t
conf_opt_int(const char *name)
{
	const struct conf_range *r = conf_range_find(name);
	cfg_opt_t o = CFG_INT(name, r ? r->def : 0, CFGF_NONE);

	o.parsecb = conf_intcb;
	o.validcb = conf_seencb;
	return o;
}

/* conf_opt_int without a default: cfg_size tells whether it was set. */
static cfg_opt_t
conf_opt_int_unset(const char *name)
{
	cfg_opt_t o = conf_opt_int(name);

	o.flags |= CFGF_NODEFAULT;
	return o;
}

/* A string option with a parse callback that checks its value. */
static cfg_opt_t
conf_opt_str(const char *name, const char *def, cfg_flag_t flags, cfg_callback_t parsecb)
{
	cfg_opt_t o = CFG_STR(name, def, flags);

	o.parsecb = parsecb;
	o.validcb = conf_seencb;
	return o;
}

/*
 * Validate callback of a list: remember where it was first set, for
 * messages.  libConfuse calls it after each value and again at the closing
 * brace, with nothing that tells a second assignment from the rest of the
 * first, so a list given twice is not caught here (the last one wins).
 */
static int
conf_listseencb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_opt_t *lines = conf_lines(cfg);
	long idx = conf_opt_index(cfg, opt);

	if (lines != NULL && idx >= 0 && (unsigned long)idx < lines->nvalues &&
	    lines->values[idx]->number == 0)
		lines->values[idx]->number = cfg->line;
	return 0;
}

/* A list of strings; set once per block like any key. */
static cfg_opt_t
conf_opt_list(const char *name)
{
	cfg_opt_t o = CFG_STR_LIST(name, NULL, CFGF_NODEFAULT);

	o.validcb = conf_listseencb;
	return o;
}

/* A yes/no option, default no. */
static cfg_opt_t
conf_opt_bool(const char *name)
{
	cfg_opt_t o = CFG_BOOL(name, cfg_false, CFGF_NONE);

	o.validcb = conf_seencb;
	return o;
}

/* The hidden lines list; its default is parsed when the section opens. */
static cfg_opt_t
conf_opt_lines(char *def)
{
	cfg_opt_t o = CFG_INT_LIST(CONF_LINES, def, CFGF_NONE);

	o.validcb = conf_linescb;
	return o;
}

/*
 * Load path: libConfuse parses, our callbacks check each value as it is
 * read and each block as it closes, then the tree is copied into a struct
 * conf so that nothing of libConfuse outlives this call.
 */
struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	char lines_def[] = "{-1}";
	/* clang-format off */
	cfg_opt_t input_opts[] = {
		conf_opt_lines(lines_def),
		conf_opt_str("transport", NULL, CFGF_NODEFAULT, conf_transportcb),
		conf_opt_str("address", NULL, CFGF_NODEFAULT, conf_addresscb),
		conf_opt_int("max_message_size"),
		conf_opt_int("max_connections"),
		conf_opt_int("idle_timeout"),
		conf_opt_int("recv_buffer"),
		conf_opt_int("max_connections_per_address"),
		conf_opt_list("allow"),
		conf_opt_int("ratelimit_interval"),
		conf_opt_int("ratelimit_burst"),
		conf_opt_str("certificate", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_str("key", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_str("ca", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_str("verify", "peer", CFGF_NONE, conf_verifycb),
		conf_opt_list("permitted_peers"),
		conf_opt_list("fingerprints"),
		conf_opt_int("handshake_timeout"),
		CFG_END()
	};
	cfg_opt_t webhook_opts[] = {
		conf_opt_lines(lines_def),
		conf_opt_str("url", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_str("format", "standard", CFGF_NONE, conf_formatcb),
		conf_opt_str("secret_file", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_str("ca_file", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_int("timeout"),
		conf_opt_str("min_severity", NULL, CFGF_NODEFAULT, conf_severitycb),
		CFG_STR_LIST("headers", NULL, CFGF_NODEFAULT),
		CFG_FLOAT("retry_min", 5.0, CFGF_NONE),
		CFG_FLOAT("retry_max", 600.0, CFGF_NONE),
		conf_opt_int_unset("storm_window"),
		CFG_END()
	};
	cfg_opt_t archive_opts[] = {
		conf_opt_lines(lines_def),
		conf_opt_str("path", CONF_DEFAULT_ARCHIVE, CFGF_NONE, conf_pathcb),
		CFG_END()
	};
	cfg_opt_t alerts_opts[] = {
		conf_opt_lines(lines_def),
		conf_opt_str("path", NULL, CFGF_NODEFAULT, conf_pathcb),
		CFG_END()
	};
	cfg_opt_t metrics_opts[] = {
		conf_opt_lines(lines_def),
		conf_opt_str("address", NULL, CFGF_NODEFAULT, conf_addresscb),
		CFG_END()
	};
	cfg_opt_t correlate_opts[] = {
		conf_opt_lines(lines_def),
		conf_opt_int("window"),
		conf_opt_int("session_window"),
		conf_opt_str("state_dir", NULL, CFGF_NODEFAULT, NULL),
		conf_opt_int("max_entries"),
		conf_opt_str("baseline", NULL, CFGF_NODEFAULT, conf_pathcb),
		conf_opt_int("threshold"),
		CFG_BOOL("alert_on_unknown", cfg_false, CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		conf_opt_lines(lines_def),
		CFG_SEC("input", input_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		conf_opt_str("rules", CONF_DEFAULT_RULES, CFGF_NONE, conf_pathcb),
		CFG_SEC("archive", archive_opts, CFGF_MULTI),
		CFG_SEC("alerts", alerts_opts, CFGF_MULTI),
		conf_opt_int("workers"),
		conf_opt_int("queue_batches"),
		conf_opt_int("stats_interval"),
		CFG_SEC("metrics", metrics_opts, CFGF_MULTI),
		CFG_SEC("correlate", correlate_opts, CFGF_MULTI),
		CFG_SEC("webhook", webhook_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		conf_opt_str("spool", CONF_DEFAULT_SPOOL, CFGF_NONE, conf_pathcb),
		conf_opt_int("max_spool_bytes"),
		conf_opt_str("user", NULL, CFGF_NODEFAULT, conf_accountcb),
		conf_opt_str("group", NULL, CFGF_NODEFAULT, conf_accountcb),
		conf_opt_bool("run_as_root"),
		conf_opt_int("storm_window"),
		CFG_FUNC("include", conf_includecb),
		CFG_END()
	};
	/* clang-format on */
	struct conf_parse parse = {err, errlen, 0, 0, 0};
	struct conf *c = NULL;
	cfg_t *cfg;
	size_t i;

	opts[1].validcb = conf_sectioncb;
	opts[3].validcb = conf_sectioncb;
	opts[4].validcb = conf_sectioncb;
	opts[8].validcb = conf_sectioncb;
	for (i = 0; opts[i].name != NULL; i++)
		if (strcmp(opts[i].name, "webhook") == 0 || strcmp(opts[i].name, "correlate") == 0)
			opts[i].validcb = conf_sectioncb;
	for (i = 0; webhook_opts[i].name != NULL; i++)
		if (webhook_opts[i].validcb == NULL && webhook_opts[i].type != CFGT_SEC &&
		    (webhook_opts[i].flags & CFGF_LIST) == 0)
			webhook_opts[i].validcb = conf_seencb;
	if (errlen > 0)
		err[0] = '\0';
	conf_current = &parse;
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		conf_error_at(path, 0, NULL, "out of memory");
		goto done;
	}
	cfg_set_error_function(cfg, conf_errorcb);
	if (conf_parse_file(cfg, path, NULL, 0) != 0)
		goto done;
	if (cfg_size(cfg, "input") == 0) {
		conf_error_at(path, parse.last_line, NULL,
		    "no input defined (expected at least one "
		    "input NAME { transport = udp|tcp|tls address = \"host:port\" })");
		goto done;
	}
	if ((c = conf_build(cfg, path)) == NULL)
		conf_error_at(path, 0, NULL, "out of memory");
done:
	if (cfg != NULL)
		cfg_free(cfg);
	conf_current = NULL;
	return c;
}

/* Print a string as a libConfuse double-quoted string that reads back the same. */
static void
conf_print_string(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
		case '\\':
		case '$': /* "${VAR}" would be expanded */
			fputc('\\', fp);
			fputc(*p, fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(fp, "\\x%02x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

/* "\tname = { "a", "b" }" for a non-empty list. */
static void
conf_dump_list(FILE *fp, const char *name, char *const *list, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(fp, "\t%s = {", name);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : " ", fp);
		conf_print_string(fp, list[i]);
	}
	fputs(" }\n", fp);
}

/* A string setting on its own line, when set. */
static void
conf_dump_str(FILE *fp, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fprintf(fp, "\t%s = ", name);
	conf_print_string(fp, value);
	fputc('\n', fp);
}

/* The TLS settings of an input. */
static void
conf_dump_tls(FILE *fp, const struct input_conf *in)
{
	conf_dump_str(fp, "certificate", in->certificate);
	conf_dump_str(fp, "key", in->key);
	conf_dump_str(fp, "ca", in->ca);
	fprintf(fp, "\tverify = %s\n", tls_verify_name(in->verify));
	conf_dump_list(fp, "permitted_peers", in->permitted_peers, in->n_permitted_peers);
	conf_dump_list(fp, "fingerprints", in->fingerprints, in->n_fingerprints);
	fprintf(fp, "\thandshake_timeout = %u\n", in->handshake_timeout);
}

/* Print every setting, defaults included, so that conf_load reads it back unchanged. */
void
conf_dump(const struct conf *c, FILE *fp)
{
	const struct input_conf *in;
	size_t i;

	fputs("# logward effective configuration, defaults included\n", fp);
	for (i = 0; i < c->n_inputs; i++) {
		in = &c->inputs[i];
		fprintf(fp, "input %s {\n", in->name);
		fprintf(fp, "\ttransport = %s\n", transport_name(in->transport));
		fputs("\taddress = ", fp);
		conf_print_string(fp, in->address);
		fprintf(fp, "\n\tmax_message_size = %zu\n", in->max_message_size);
		if (in->transport != TRANSPORT_UDP)
			fprintf(fp,
			    "\tmax_connections = %u\n"
			    "\tmax_connections_per_address = %u\n"
			    "\tidle_timeout = %u\n",
			    in->max_connections, in->max_connections_per_address,
			    in->idle_timeout);
		else
			fprintf(fp, "\trecv_buffer = %zu\n", in->recv_buffer);
		conf_dump_list(fp, "allow", in->allow, in->n_allow);
		fprintf(fp, "\tratelimit_interval = %u\n\tratelimit_burst = %u\n",
		    in->ratelimit_interval, in->ratelimit_burst);
		if (transport_is_tls(in->transport))
			conf_dump_tls(fp, in);
		fputs("}\n", fp);
	}
	fputs("rules = ", fp);
	conf_print_string(fp, c->rules);
	fputs("\narchive {\n\tpath = ", fp);
	conf_print_string(fp, c->archive_path);
	fputs("\n}\nalerts {\n\tpath = ", fp);
	conf_print_string(fp, c->alerts_path);
	fprintf(fp, "\n}\nworkers = %u\nqueue_batches = %u\nstats_interval = %u\n", c->workers,
	    c->queue_batches, c->stats_interval);
	fputs("spool = ", fp);
	conf_print_string(fp, c->spool_dir);
	fprintf(fp, "\nmax_spool_bytes = %llu\nstorm_window = %u\n",
	    (unsigned long long)c->max_spool_bytes, c->storm_window);
	for (i = 0; i < c->n_webhooks; i++) {
		const struct webhook_conf *w = &c->webhooks[i];
		size_t k;

		fprintf(fp, "webhook %s {\n\turl = ", w->name);
		conf_print_string(fp, w->url);
		fprintf(fp, "\n\tformat = %s\n", webhook_format_name(w->format));
		if (w->secret_file != NULL) {
			fputs("\tsecret_file = ", fp);
			conf_print_string(fp, w->secret_file);
			fputc('\n', fp);
		}
		if (w->ca_file != NULL) {
			fputs("\tca_file = ", fp);
			conf_print_string(fp, w->ca_file);
			fputc('\n', fp);
		}
		fprintf(fp, "\ttimeout = %u\n", w->timeout);
		if (w->min_severity > 0)
			fprintf(fp, "\tmin_severity = %s\n", webhook_severity_name(w->min_severity));
		if (w->n_headers > 0) {
			fputs("\theaders = {", fp);
			for (k = 0; k < w->n_headers; k++) {
				fputs(k > 0 ? ", " : " ", fp);
				conf_print_string(fp, w->headers[k]);
			}
			fputs(" }\n", fp);
		}
		fprintf(fp, "\tretry_min = %g\n\tretry_max = %g\n\tstorm_window = %u\n}\n",
		    w->retry_min, w->retry_max, w->storm_window);
	}
	if (c->metrics_address != NULL) {
		fputs("metrics {\n\taddress = ", fp);
		conf_print_string(fp, c->metrics_address);
		fputs("\n}\n", fp);
	}
	fprintf(fp, "correlate {\n\twindow = %lld\n\tsession_window = %lld\n\tstate_dir = ",
	    (long long)c->correlate.window, (long long)c->correlate.session_window);
	conf_print_string(fp, c->correlate.state_dir);
	fprintf(fp, "\n\tmax_entries = %zu\n", c->correlate.max_entries);
	if (c->correlate.baseline != NULL) {
		fputs("\tbaseline = ", fp);
		conf_print_string(fp, c->correlate.baseline);
		fputc('\n', fp);
	}
	fprintf(fp, "\tthreshold = %u\n\talert_on_unknown = %s\n}\n", c->correlate.threshold,
	    c->correlate.alert_on_unknown ? "yes" : "no");
	if (c->user != NULL) {
		fputs("user = ", fp);
		conf_print_string(fp, c->user);
		fputc('\n', fp);
	}
	if (c->group != NULL) {
		fputs("group = ", fp);
		conf_print_string(fp, c->group);
		fputc('\n', fp);
	}
	fprintf(fp, "run_as_root = %s\n", c->run_as_root ? "yes" : "no");
}
