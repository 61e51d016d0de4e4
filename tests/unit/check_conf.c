/*
 * check_conf.c: the configuration file.  Every error must name the right
 * file and line and say which key is wrong; every option's limits hold;
 * the samples load; conf_dump reads back to the same configuration.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tz_zone.h"
#include "unit.h"

/* The source tree, absolute, so that tests may chdir into it. */

/* Write text to a fresh temporary file; returns its path (static buffer). */
static const char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* Load text from a temporary file; the file is gone afterwards. */
static struct conf *
load_text(const char *text, char *err, size_t errlen, char *pathout, size_t pathlen)
{
	const char *path = write_tmp(text);
	struct conf *c;

	if (pathout != NULL)
		snprintf(pathout, pathlen, "%s", path);
	c = conf_load(path, err, errlen);
	unlink(path);
	return c;
}

/* Assert that err is "path:line: ..." and contains want (when not NULL). */
static void
assert_error(const char *err, const char *path, int line, const char *want, const char *want2)
{
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "error \"%s\" does not start with \"%s\"", err, prefix);
	if (want != NULL)
		ck_assert_msg(
		    strstr(err, want) != NULL, "error \"%s\" does not mention \"%s\"", err, want);
	if (want2 != NULL)
		ck_assert_msg(
		    strstr(err, want2) != NULL, "error \"%s\" does not mention \"%s\"", err, want2);
}

/* Read a whole (small) file into a string the caller frees. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	buf = calloc(1, 65536);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 65535, fp);
	ck_assert_int_lt(n, 65535);
	fclose(fp);
	return buf;
}

/* Replace every "from" in s by "to"; returns a new string. */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	size_t flen = strlen(from), tlen = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += flen)
		n++;
	out = malloc(strlen(s) + n * tlen + 1);
	ck_assert_ptr_nonnull(out);
	for (o = out, p = s; *p != '\0';) {
		if (strncmp(p, from, flen) == 0) {
			memcpy(o, to, tlen);
			o += tlen;
			p += flen;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* conf_dump into a string the caller frees. */
static char *
dump_string(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	conf_dump(c, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return buf;
}

/* Dump, load the dump, dump again: the two dumps and the configs agree. */
static void
assert_round_trip(const struct conf *c)
{
	char err[512], *d1, *d2;
	struct conf *again;
	size_t i;

	d1 = dump_string(c);
	again = load_text(d1, err, sizeof(err), NULL, 0);
	ck_assert_msg(again != NULL, "dump does not load: %s\n%s", err, d1);
	d2 = dump_string(again);
	ck_assert_str_eq(d1, d2);
	ck_assert_uint_eq(again->n_inputs, c->n_inputs);
	for (i = 0; i < c->n_inputs; i++) {
		ck_assert_str_eq(again->inputs[i].name, c->inputs[i].name);
		ck_assert_str_eq(again->inputs[i].address, c->inputs[i].address);
		ck_assert_int_eq(again->inputs[i].transport, c->inputs[i].transport);
		ck_assert_uint_eq(again->inputs[i].max_message_size, c->inputs[i].max_message_size);
	}
	ck_assert_str_eq(again->rules, c->rules);
	ck_assert_str_eq(again->archive_path, c->archive_path);
	ck_assert_str_eq(again->alerts_path, c->alerts_path);
	ck_assert_uint_eq(again->workers, c->workers);
	ck_assert_uint_eq(again->queue_batches, c->queue_batches);
	ck_assert_uint_eq(again->stats_interval, c->stats_interval);
	free(d1);
	free(d2);
	conf_free(again);
}

START_TEST(test_sample_loads)
{
	char path[PATH_MAX + 64], err[512];
	struct conf *c;

	snprintf(path, sizeof(path), "%s/conf/logward.conf", unit_srcdir);
	c = conf_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, path);
	ck_assert_uint_eq(c->n_inputs, 2);
	ck_assert_str_eq(c->inputs[0].name, "lan_udp");
	ck_assert_int_eq(c->inputs[0].transport, TRANSPORT_UDP);
	ck_assert_str_eq(c->inputs[0].address, "127.0.0.1:5514");
	ck_assert_str_eq(c->inputs[0].host, "127.0.0.1");
	ck_assert_str_eq(c->inputs[0].port, "5514");
	ck_assert_str_eq(c->inputs[1].name, "lan_tcp");
	ck_assert_int_eq(c->inputs[1].transport, TRANSPORT_TCP);
	ck_assert_str_eq(c->inputs[1].address, "127.0.0.1:5514");
	ck_assert_uint_eq(c->inputs[1].max_connections, 1000);
	ck_assert_uint_eq(c->inputs[1].idle_timeout, 600);
	ck_assert_str_eq(c->rules, "patterns");
	ck_assert_str_eq(c->archive_path, "var/events-%Y%m%d.jsonl");
	ck_assert_str_eq(c->alerts_path, "var/alerts.jsonl");
	ck_assert_uint_eq(c->workers, 0);
	ck_assert_uint_eq(c->queue_batches, 64);
	ck_assert_uint_eq(c->stats_interval, 300);
	assert_round_trip(c);
	conf_free(c);
}
END_TEST

START_TEST(test_sample_in_loads)
{
	char path[PATH_MAX + 64], err[512], *text, *t1, *t2;
	struct conf *c;

	snprintf(path, sizeof(path), "%s/conf/logward.conf.in", unit_srcdir);
	text = slurp(path);
	t1 = replace_all(text, "@patternsdir@", "/usr/local/share/logward/patterns");
	t2 = replace_all(t1, "@localstatedir@", "/usr/local/var");
	ck_assert_ptr_null(strchr(t2, '@'));
	c = load_text(t2, err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->n_inputs, 2);
	ck_assert_str_eq(c->rules, "/usr/local/share/logward/patterns");
	ck_assert_str_eq(c->archive_path, "/usr/local/var/log/logward/events-%Y%m%d.jsonl");
	ck_assert_str_eq(c->alerts_path, "/usr/local/var/log/logward/alerts.jsonl");
	conf_free(c);
	free(text);
	free(t1);
	free(t2);
}
END_TEST

START_TEST(test_defaults)
{
	char err[512];
	struct conf *c;

	c = load_text("input u { transport = udp address = \":514\" }\n"
		      "input t { transport = tcp address = \":514\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->inputs[0].max_message_size, 65536);
	ck_assert_uint_eq(c->inputs[0].recv_buffer, 4194304);
	ck_assert_ptr_null(c->inputs[0].host);
	ck_assert_str_eq(c->inputs[0].port, "514");
	ck_assert_uint_eq(c->inputs[1].max_message_size, 65536);
	ck_assert_uint_eq(c->inputs[1].max_connections, 1000);
	ck_assert_uint_eq(c->inputs[1].idle_timeout, 600);
	ck_assert_int_eq(c->inputs[0].line, 1);
	ck_assert_int_eq(c->inputs[1].line, 2);
	ck_assert_str_eq(c->rules, LOGWARD_DATADIR "/patterns");
	/* the build's localstatedir: /usr/local/var for the default prefix */
	ck_assert_str_eq(c->archive_path, LOGWARD_LOCALSTATEDIR "/log/logward/events-%Y%m%d.jsonl");
	ck_assert_uint_eq(c->workers, 0);
	ck_assert_uint_eq(c->queue_batches, 64);
	ck_assert_uint_eq(c->stats_interval, 300);
	assert_round_trip(c);
	conf_free(c);
}
END_TEST

START_TEST(test_all_options)
{
	char path[PATH_MAX + 64], err[512];
	struct conf *c;

	snprintf(path, sizeof(path), "%s/tests/data/conf/all-options.conf", unit_srcdir);
	c = conf_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->n_inputs, 4);
	ck_assert_str_eq(c->inputs[0].name, "udp_all");
	ck_assert_str_eq(c->inputs[0].host, "::1");
	ck_assert_str_eq(c->inputs[0].port, "6514");
	ck_assert_uint_eq(c->inputs[0].max_message_size, 1024);
	ck_assert_uint_eq(c->inputs[0].recv_buffer, 0);
	ck_assert_int_eq(c->inputs[0].line, 4);
	ck_assert_str_eq(c->inputs[1].name, "tcp.all-1");
	ck_assert_str_eq(c->inputs[1].address, "127.0.0.1:6514");
	ck_assert_str_eq(c->inputs[1].host, "127.0.0.1");
	ck_assert_uint_eq(c->inputs[1].max_message_size, 16777216);
	ck_assert_uint_eq(c->inputs[1].max_connections, 1);
	ck_assert_uint_eq(c->inputs[1].idle_timeout, 0);
	ck_assert_int_eq(c->inputs[1].line, 10);
	ck_assert_int_eq(c->inputs[2].transport, TRANSPORT_TLS);
	ck_assert_uint_eq(c->inputs[2].max_connections_per_address, 3);
	ck_assert_uint_eq(c->inputs[2].n_allow, 3);
	ck_assert_str_eq(c->inputs[2].allow[1], "::1");
	ck_assert_uint_eq(c->inputs[2].ratelimit_interval, 5);
	ck_assert_uint_eq(c->inputs[2].ratelimit_burst, 200);
	ck_assert_str_eq(c->inputs[2].certificate, "/etc/logward/server.crt");
	ck_assert_str_eq(c->inputs[2].key, "/etc/logward/server.key");
	ck_assert_str_eq(c->inputs[2].ca, "/etc/logward/ca.crt");
	ck_assert_int_eq(c->inputs[2].verify, TLS_VERIFY_NAME);
	ck_assert_uint_eq(c->inputs[2].n_permitted_peers, 2);
	ck_assert_str_eq(c->inputs[2].permitted_peers[1], "relay*.example.org");
	ck_assert_uint_eq(c->inputs[2].handshake_timeout, 7);
	ck_assert_int_eq(c->inputs[3].verify, TLS_VERIFY_FINGERPRINT);
	ck_assert_ptr_null(c->inputs[3].ca);
	ck_assert_uint_eq(c->inputs[3].n_fingerprints, 1);
	ck_assert_str_eq(c->user, "nobody");
	ck_assert_str_eq(c->group, "nogroup");
	ck_assert_int_eq(c->run_as_root, 1);
	ck_assert_str_eq(c->rules, "/srv/logward/rules dir");
	ck_assert_str_eq(c->archive_path, "events.jsonl");
	ck_assert_uint_eq(c->workers, 256);
	ck_assert_uint_eq(c->queue_batches, 2);
	ck_assert_uint_eq(c->stats_interval, 0);
	assert_round_trip(c);
	conf_free(c);
}
END_TEST

/*
 * timezone: an input's own, else the top-level one, else none (TZ); the
 * dump reads back; a changed timezone is a changed input.
 */
START_TEST(test_timezone)
{
	char err[512];
	struct conf *c, *d;

	setenv("TZDIR", "/usr/share/zoneinfo", 1);
	c = load_text("timezone = \"Europe/Paris\"\n"
		      "input a { transport = udp address = \":1\" }\n"
		      "input b { transport = udp address = \":2\" timezone = \"America/New_York\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->timezone, "Europe/Paris");
	ck_assert_ptr_null(c->inputs[0].timezone);
	ck_assert_ptr_nonnull(c->inputs[0].zone);
	ck_assert_str_eq(tz_zone_name(c->inputs[0].zone), "Europe/Paris");
	ck_assert_str_eq(tz_zone_name(c->inputs[1].zone), "America/New_York");
	assert_round_trip(c);
	d = load_text("input a { transport = udp address = \":1\" }\n"
		      "input b { transport = udp address = \":2\" timezone = \"UTC\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_ptr_null(d->timezone);
	ck_assert_ptr_null(d->inputs[0].zone);
	/* the top-level zone is not the input's: a reload keeps input a and re-points it */
	ck_assert(input_conf_same(&c->inputs[0], &d->inputs[0]));
	ck_assert(!input_conf_same(&c->inputs[1], &d->inputs[1]));
	conf_free(c);
	conf_free(d);
}
END_TEST

/* Strings that need escaping survive a dump and a reload. */
START_TEST(test_round_trip_escapes)
{
	char err[512];
	struct conf *c;

	c = load_text("input u { transport = udp address = \"[::]:514\" }\n"
		      "rules = \"a \\\"b\\\" c\\\\d $HOME \\$x {}#;'\"\n"
		      "archive { path = 'it\\'s' }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->rules, "a \"b\" c\\d $HOME $x {}#;'");
	ck_assert_str_eq(c->inputs[0].host, "::");
	ck_assert_str_eq(c->archive_path, "it's");
	assert_round_trip(c);
	conf_free(c);
}
END_TEST

/* Every numeric option: where it goes, and its limits. */
static const struct range_case {
	const char *key;
	const char *scope; /* "udp", "tcp" or "root" */
	long min, max;
} range_cases[] = {
    {"max_message_size", "udp", 64, 16777216},
    {"max_message_size", "tcp", 64, 16777216},
    {"max_connections", "tcp", 1, 1000000},
    {"idle_timeout", "tcp", 0, 86400},
    {"recv_buffer", "udp", 0, 268435456},
    {"workers", "root", 0, 256},
    {"queue_batches", "root", 2, 65536},
    {"queue_wait", "root", 0, 1000},
    {"stats_interval", "root", 0, 86400},
    {"max_connections_per_address", "tcp", 0, 1000000},
    {"max_connections_per_address", "tls", 0, 1000000},
    {"ratelimit_interval", "udp", 0, 86400},
    {"ratelimit_burst", "tcp", 1, 100000000},
    {"handshake_timeout", "tls", 1, 3600},
};

/* The value the struct holds for a range case's key. */
static long
range_value(const struct conf *c, const struct range_case *rc)
{
	const struct input_conf *in = &c->inputs[0];

	if (strcmp(rc->key, "max_message_size") == 0)
		return (long)in->max_message_size;
	if (strcmp(rc->key, "max_connections") == 0)
		return in->max_connections;
	if (strcmp(rc->key, "idle_timeout") == 0)
		return in->idle_timeout;
	if (strcmp(rc->key, "recv_buffer") == 0)
		return (long)in->recv_buffer;
	if (strcmp(rc->key, "max_connections_per_address") == 0)
		return in->max_connections_per_address;
	if (strcmp(rc->key, "ratelimit_interval") == 0)
		return in->ratelimit_interval;
	if (strcmp(rc->key, "ratelimit_burst") == 0)
		return in->ratelimit_burst;
	if (strcmp(rc->key, "handshake_timeout") == 0)
		return in->handshake_timeout;
	if (strcmp(rc->key, "workers") == 0)
		return c->workers;
	if (strcmp(rc->key, "queue_batches") == 0)
		return c->queue_batches;
	if (strcmp(rc->key, "queue_wait") == 0)
		return c->queue_wait;
	return c->stats_interval;
}

/* Loop index i: case i / 4, value min, max, min - 1, max + 1. */
START_TEST(test_ranges)
{
	const struct range_case *rc = &range_cases[_i / 4];
	long values[] = {rc->min, rc->max, rc->min - 1, rc->max + 1};
	long v = values[_i % 4];
	char text[512], err[512], path[64], want[128];
	struct conf *c;
	int line;

	if (strcmp(rc->scope, "root") == 0) {
		snprintf(text, sizeof(text),
		    "input a { transport = udp "
		    "address = \":514\" }\n\n%s = %ld\n",
		    rc->key, v);
		line = 3;
	} else {
		snprintf(text, sizeof(text),
		    "# %s\ninput a {\n"
		    "\ttransport = %s\n\taddress = \":514\"\n\t%s = %ld\n%s}\n",
		    rc->key, rc->scope, rc->key, v,
		    strcmp(rc->scope, "tls") == 0 ? "certificate = c key = k verify = none\n" : "");
		line = 5;
	}
	c = load_text(text, err, sizeof(err), path, sizeof(path));
	if (_i % 4 < 2) {
		ck_assert_msg(c != NULL, "%s = %ld refused: %s", rc->key, v, err);
		ck_assert_int_eq(range_value(c, rc), v);
		conf_free(c);
		return;
	}
	ck_assert_msg(c == NULL, "%s = %ld accepted", rc->key, v);
	snprintf(want, sizeof(want), "%s %ld out of range (expected %ld..%ld)", rc->key, v, rc->min,
	    rc->max);
	assert_error(err, path, line, want, strcmp(rc->scope, "root") ? "input \"a\": " : NULL);
}
END_TEST

/* Errors: the line they must be reported on and what they must say. */
static const struct error_case {
	const char *text;
	int line;
	const char *want;
	const char *want2;
} error_cases[] = {
    /* the example of the design, after comments (libConfuse miscounts them) */
    {"# one\n# two\ninput lan_tcp { transport = tcp address = \":1\"\n"
     "  max_message_size = 10 }\n",
	4,
	"input \"lan_tcp\": max_message_size 10 out of range "
	"(expected 64..16777216)",
	NULL},
    {"/* a\n b */ // c\n#d\ninput a { transport = udp address = \":1\" }\n"
     "bogus = 1\n",
	5, "unknown directive \"bogus\"", "expected one of: input"},
    {"input a {\n transport = udp\n address = \":1\"\n colour = red\n}\n", 4,
	"input \"a\": unknown key \"colour\"", "transport, address"},
    {"input a { transport = udp address = \":1\" }\n\nfilter x { a = 1 }\n", 3,
	"unknown directive \"filter\"", NULL},
    {"input a { transport = udp address = \":1\" }\narchive { pth = x }\n", 2,
	"archive: unknown key \"pth\"", "path"},
    {"\ninput w {\n transport = tls\n address = \"[::]:6514\"\n}\n", 2,
	"input \"w\": missing certificate", "key ="},
    {"input w { transport = sctp address = \":1\" }\n", 1, "transport \"sctp\" is invalid",
	"udp, tcp, tls, relp or relp-tls"},
    {"input w { transport = relp-tls address = \":1\" }\n", 1,
	"input \"w\": missing certificate", "key ="},
    {"input w {\n transport = relp\n address = \":1\"\n certificate = c\n}\n", 4,
	"certificate applies to tls and relp-tls inputs only", "this input is relp"},
    {"input w {\n transport = udp\n address = \":1\"\n idle_timeout = 5\n}\n", 4,
	"idle_timeout applies to tcp, tls, relp and relp-tls inputs only", "this input is udp"},
    {"input w {\n transport = tls\n address = \":1\"\n certificate = c key = k\n}\n", 1,
	"verify = peer needs ca", NULL},
    {"input w {\n transport = tls\n address = \":1\"\n certificate = c key = k ca = a\n"
     " verify = name\n}\n", 1, "verify = name needs permitted_peers", NULL},
    {"input w {\n transport = tls\n address = \":1\"\n certificate = c key = k\n"
     " verify = fingerprint\n}\n", 1, "verify = fingerprint needs fingerprints", NULL},
    {"input w {\n transport = tls\n address = \":1\"\n certificate = c key = k ca = a\n"
     " permitted_peers = { \"a.b\" }\n}\n", 5, "permitted_peers applies to verify = name",
	"verify = peer"},
    {"input w {\n transport = tls\n address = \":1\"\n certificate = c key = k\n"
     " verify = none\n fingerprints = { \"sha256:00\" }\n}\n", 6, "fingerprint \"sha256:00\"",
	"shorter than 32 bytes"},
    {"input w {\n transport = tls\n address = \":1\"\n verify = maybe\n}\n", 4,
	"verify \"maybe\" is invalid", "none, peer, name or fingerprint"},
    {"input w {\n transport = tls\n address = \":1\"\n certificate = c key = k ca = a\n"
     " verify = name permitted_peers = { \"a*b.example\" }\n}\n", 5,
	"permitted_peers \"a*b.example\" is invalid", NULL},
    {"input w {\n transport = tcp\n address = \":1\"\n certificate = c\n}\n", 4,
	"certificate applies to tls and relp-tls inputs only", "this input is tcp"},
    {"input w {\n transport = udp\n address = \":1\"\n\n allow = { \"10.0.0.0/8\", "
     "\"10.1/8\" }\n}\n", 5, "allow \"10.1/8\" is not a numeric", "ADDRESS/PREFIX"},
    {"input w {\n transport = udp\n address = \":1\"\n allow = { \"::1/129\" }\n}\n", 4,
	"allow \"::1/129\" has a prefix length out of range", NULL},
    {"input a { transport = tcp address = \":514\" }\n"
     "input b { transport = tls address = \"*:514\" certificate = c key = k verify = none }\n",
	2, "already used by input \"a\"", NULL},
    {"input a { transport = udp address = \":1\" }\nuser = \"a b\"\n", 2,
	"user \"a b\" is invalid", NULL},
    {"input a { transport = udp address = \":1\" }\nrun_as_root = perhaps\n", 2,
	"run_as_root", NULL},
    {"\n\ninput a {\n transport = udp\n}\n", 3, "input \"a\": missing address", NULL},
    {"input a {\n address = \":1\"\n}\n", 1, "input \"a\": missing transport", NULL},
    {"input a { transport = udp address = \":1\" }\n"
     "input a { transport = tcp address = \":1\" }\n",
	2, "duplicate input name \"a\"", ":1;"},
    {"input a { transport = udp address = \"127.0.0.1:514\" }\n"
     "input b {\n transport = udp\n address = \"127.0.0.1:514\"\n}\n",
	4, "address \"127.0.0.1:514\" is already used by input \"a\"", NULL},
    {"input a { transport = tcp address = \":514\" }\n"
     "input b { transport = tcp address = \"*:514\" }\n",
	2, "already used by input \"a\"", NULL},
    {"input \"a b\" { transport = udp address = \":1\" }\n", 1, "input name \"a b\" is invalid",
	NULL},
    {"input { transport = udp address = \":1\" }\n", 1, "input needs a name", NULL},
    {"input a {\n transport = udp\n address = \":1\"\n"
     " max_connections = 10\n}\n",
	4, "max_connections applies to tcp, tls, relp and relp-tls inputs only", NULL},
    {"input a {\n transport = udp\n address = \":1\"\n"
     " idle_timeout = 10\n}\n",
	4, "idle_timeout applies to tcp, tls, relp and relp-tls inputs only", NULL},
    {"input a {\n transport = tcp\n address = \":1\"\n"
     " recv_buffer = 10\n}\n",
	4, "recv_buffer applies to udp inputs only", NULL},
    {"input a {\n transport = udp\n address = \":1\"\n"
     " address = \":2\"\n}\n",
	4, "address set twice", "line 3"},
    {"input a { transport = udp address = \":1\" }\nworkers = 1\n"
     "workers = 2\n",
	3, "workers set twice", NULL},
    {"input a { transport = udp address = \":1\" }\narchive { path = a }\n"
     "archive { path = b }\n",
	3, "second archive block", NULL},
    {"input a { transport = udp address = \":1\" }\nworkers = many\n", 2,
	"workers \"many\" is not a number", "0..256"},
    {"input a { transport = udp address = \":1\" }\nworkers = 010x\n", 2,
	"workers \"010x\" is not a number", NULL},
    {"input a { transport = udp address = \":1\" }\nqueue_batches = 0x40\n", 2,
	"queue_batches \"0x40\" is not a number", NULL},
    {"input a { transport = udp address = \":1\" }\n"
     "stats_interval = 99999999999999999999999\n",
	2, "stats_interval 99999999999999999999999 out of range", NULL},
    {"input a { transport = udp address = \":1\" }\nrules = \"\"\n", 2, "rules is empty", NULL},
    {"input a { transport = udp address = \":1\" }\narchive { path = '' }\n", 2,
	"archive: path is empty", NULL},
    {"input a { transport = udp address = \":1\" }\nalerts { path = '' }\n", 2,
	"alerts: path is empty", NULL},
    {"input a { transport = udp address = \":1\" }\n\nalerts {\n}\n", 3,
	"alerts: missing path", NULL},
    {"input a { transport = udp address = \":1\" }\nalerts { path = a }\n"
     "alerts { path = b }\n",
	3, "second alerts block", NULL},
    {"input a { transport = udp address = \":1\" }\nalerts { file = a }\n", 2,
	"alerts: unknown key \"file\"", "path"},
    {"# nothing here\n\n", 2, "no input defined", NULL},
    {"input a {\n transport = udp\n address = \":1\"\n", 1, "block is not closed", NULL},
    {"input a { transport = udp address = \":1\" }\n}\n", 2, "unexpected closing brace", NULL},
    {"input a { transport = udp address = \":1\" }\n/* open\n\n", 2, "unterminated /* comment",
	NULL},
    {"input a { transport = udp address = \":1\" }\n"
     "include(\"/nonexistent/x.conf\")\n",
	2, "cannot open /nonexistent/x.conf", NULL},
    {"input a { transport = udp address = \":1\" }\nworkers 4\n", 2, "workers", NULL},
    {"input a { transport = udp address = \":1\" }\n\nmetrics {\n}\n", 3,
	"metrics: missing address", NULL},
    {"input a { transport = udp address = \":1\" }\nmetrics {\n address = \"9514\"\n}\n", 3,
	"address \"9514\" has no port", NULL},
    {"input a { transport = udp address = \":1\" }\nmetrics { address = \"web:9514\" }\n", 2,
	"not a numeric IP address", NULL},
    {"input a { transport = udp address = \":1\" }\nmetrics { address = \":1\" }\n"
     "metrics { address = \":2\" }\n",
	3, "second metrics block", NULL},
    {"input a { transport = udp address = \":1\" }\nmetrics { path = \"/m\" }\n", 2,
	"path", NULL},
    {"input a { transport = udp address = \":1\" }\n"
     "\"archive|path\" = \"x\"\n",
	2, "archive", NULL},
    {"input a { transport = udp address = \":1\" }\ncorrelate {\n window = 0\n}\n", 3,
	"correlate: window 0 out of range (expected 1..31536000)", NULL},
    {"input a { transport = udp address = \":1\" }\ncorrelate { max_entries = 2 }\n", 2,
	"correlate: max_entries 2 out of range", NULL},
    {"input a { transport = udp address = \":1\" }\ncorrelate {\n\n baseline = \"\"\n}\n", 4,
	"correlate: baseline is empty", NULL},
    {"input a { transport = udp address = \":1\" }\ncorrelate { thresold = 3 }\n", 2,
	"correlate: unknown key \"thresold\"", "threshold"},
    {"input a { transport = udp address = \":1\" }\ncorrelate { alert_on_unknown = maybe }\n", 2,
	"correlate", NULL},
    {"input a { transport = udp address = \":1\" }\ncorrelate { }\ncorrelate { }\n", 3,
	"second correlate block", NULL},
    /* timezone: loaded when read, refused on its line with the file that is missing */
    {"input a {\n transport = udp address = \":1\"\n timezone = \"Europe/Pari\" }\n", 3,
	"timezone: unknown time zone \"Europe/Pari\"", "Europe/Pari: No such file"},
    {"input a { transport = udp address = \":1\" }\n\ntimezone = \"../../etc/passwd\"\n", 3,
	"timezone: invalid time zone name", "Europe/Paris"},
    {"input a { transport = udp address = \":1\" }\ntimezone = \"\"\n", 2,
	"timezone: invalid time zone name", NULL},
};

START_TEST(test_errors)
{
	const struct error_case *ec = &error_cases[_i];
	char err[512], path[64];
	struct conf *c;

	c = load_text(ec->text, err, sizeof(err), path, sizeof(path));
	ck_assert_msg(c == NULL, "case %d accepted: %s", _i, ec->text);
	assert_error(err, path, ec->line, ec->want, ec->want2);
}
END_TEST

/* The alerts file: its block, or alerts.jsonl next to the archive. */
static const struct {
	const char *text;
	const char *alerts;
} alerts_cases[] = {
    {"input a { transport = udp address = \":1\" }\n", LOGWARD_LOCALSTATEDIR "/log/logward/alerts.jsonl"},
    {"input a { transport = udp address = \":1\" }\narchive { path = \"/srv/x/ev-%Y.jsonl\" }\n",
	"/srv/x/alerts.jsonl"},
    {"input a { transport = udp address = \":1\" }\narchive { path = \"ev.jsonl\" }\n",
	"alerts.jsonl"},
    {"input a { transport = udp address = \":1\" }\nalerts { path = \"/a/b-%Y.jsonl\" }\n"
     "archive { path = \"/srv/x/ev.jsonl\" }\n",
	"/a/b-%Y.jsonl"},
};

START_TEST(test_alerts_path)
{
	char err[512], *d;
	struct conf *c, *again;

	c = load_text(alerts_cases[_i].text, err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->alerts_path, alerts_cases[_i].alerts);
	/* -T writes it out explicitly, and it reads back the same */
	d = dump_string(c);
	ck_assert_ptr_nonnull(strstr(d, "alerts {\n\tpath = "));
	again = load_text(d, err, sizeof(err), NULL, 0);
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_str_eq(again->alerts_path, alerts_cases[_i].alerts);
	free(d);
	conf_free(again);
	conf_free(c);
}
END_TEST

/* The metrics block: off by default, its address split like an input's, -T round trip. */
/* webhook blocks, spool: values, defaults, dump round trip, errors at file:line. */
START_TEST(test_webhooks)
{
	static const struct {
		const char *text;
		int line;
		const char *want;
	} bad[] = {
		{ "webhook w { format = standard }\n", 2, "missing url" },
		{ "webhook w { url = \"ftp://x\" }\n", 2, "url \"ftp://x\" is invalid" },
		{ "webhook w { url = \"http://x\"\n format = pagerduty }\n", 3,
		    "format \"pagerduty\" is invalid (expected standard, slack, alertmanager, "
		    "alertmanager-webhook or teams)" },
		{ "webhook w { url = \"http://x\"\n storm_window = -1 }\n", 3, "storm_window -1 out of range" },
		{ "storm_window = 86401\n", 2, "storm_window 86401 out of range" },
		{ "webhook w { url = \"http://x\" min_severity = huge }\n", 2, "min_severity \"huge\"" },
		{ "webhook w { url = \"http://x\" timeout = 0 }\n", 2, "timeout 0 out of range" },
		{ "webhook w { url = \"http://x\" headers = { \"NoColon\" } }\n", 2, "header \"NoColon\"" },
		{ "webhook w { url = \"http://x\" retry_min = 9 retry_max = 1 }\n", 2, "retry_min" },
		{ "webhook \"a b\" { url = \"http://x\" }\n", 2, "webhook name \"a b\" is invalid" },
		{ "webhook w { url = \"http://x\" }\nwebhook w { url = \"http://y\" }\n", 3, "w" },
		{ "max_spool_bytes = 10\n", 2, "max_spool_bytes 10 out of range" },
	};
	char err[512], text[512], path[PATH_MAX], prefix[PATH_MAX + 16], *d;
	struct conf *c, *again;
	size_t i;

	c = load_text("input a { transport = udp address = \":1\" }\n", err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->n_webhooks, 0);
	ck_assert_str_eq(c->spool_dir, LOGWARD_LOCALSTATEDIR "/lib/logward");
	ck_assert_uint_eq(c->max_spool_bytes, 1073741824ull);
	ck_assert_uint_eq(c->storm_window, 300);
	conf_free(c);

	c = load_text("input a { transport = udp address = \":1\" }\n"
		      "spool = \"/tmp/sp\"  max_spool_bytes = 65536  storm_window = 60\n"
		      "webhook soc { url = \"https://h.example/x\" secret_file = \"/etc/s\" }\n"
		      "webhook chat { url = \"http://127.0.0.1:9/\" format = slack ca_file = \"/etc/ca\"\n"
		      "  timeout = 3 min_severity = high headers = { \"X-A: 1\", \"X-B: two\" }\n"
		      "  retry_min = 0.5 retry_max = 30 storm_window = 0 }\n"
		      "webhook ms { url = \"https://t.example/\" format = teams }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->spool_dir, "/tmp/sp");
	ck_assert_uint_eq(c->max_spool_bytes, 65536);
	ck_assert_uint_eq(c->n_webhooks, 3);
	ck_assert_str_eq(c->webhooks[0].name, "soc");
	/* storm_window: the top-level one unless the block sets its own */
	ck_assert_uint_eq(c->storm_window, 60);
	ck_assert_uint_eq(c->webhooks[0].storm_window, 60);
	ck_assert_uint_eq(c->webhooks[1].storm_window, 0);
	ck_assert_int_eq(c->webhooks[2].format, WEBHOOK_TEAMS);
	ck_assert_int_eq(c->webhooks[0].format, WEBHOOK_STANDARD);
	ck_assert_str_eq(c->webhooks[0].secret_file, "/etc/s");
	ck_assert_ptr_null(c->webhooks[0].ca_file);
	ck_assert_uint_eq(c->webhooks[0].timeout, 15);
	ck_assert_int_eq(c->webhooks[0].min_severity, 0);
	ck_assert(c->webhooks[0].retry_min == 5.0 && c->webhooks[0].retry_max == 600.0);
	ck_assert_int_eq(c->webhooks[0].line, 3);
	ck_assert_int_eq(c->webhooks[1].format, WEBHOOK_SLACK);
	ck_assert_str_eq(c->webhooks[1].ca_file, "/etc/ca");
	ck_assert_uint_eq(c->webhooks[1].timeout, 3);
	ck_assert_int_eq(c->webhooks[1].min_severity, 3);
	ck_assert_uint_eq(c->webhooks[1].n_headers, 2);
	ck_assert_str_eq(c->webhooks[1].headers[1], "X-B: two");
	ck_assert(c->webhooks[1].retry_min == 0.5 && c->webhooks[1].retry_max == 30.0);
	d = dump_string(c);
	again = load_text(d, err, sizeof(err), NULL, 0);
	ck_assert_msg(again != NULL, "%s\n%s", err, d);
	ck_assert_uint_eq(again->n_webhooks, 3);
	ck_assert_uint_eq(again->storm_window, 60);
	ck_assert_uint_eq(again->webhooks[0].storm_window, 60);
	ck_assert_uint_eq(again->webhooks[1].storm_window, 0);
	ck_assert_int_eq(again->webhooks[2].format, WEBHOOK_TEAMS);
	ck_assert_str_eq(again->webhooks[1].headers[0], "X-A: 1");
	ck_assert_int_eq(again->webhooks[1].min_severity, 3);
	ck_assert_str_eq(again->webhooks[0].url, "https://h.example/x");
	ck_assert_uint_eq(again->max_spool_bytes, 65536);
	free(d);
	conf_free(again);
	conf_free(c);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "input a { transport = udp address = \":1\" }\n%s",
		    bad[i].text);
		c = load_text(text, err, sizeof(err), path, sizeof(path));
		ck_assert_msg(c == NULL, "accepted: %s", bad[i].text);
		ck_assert_msg(strstr(err, bad[i].want) != NULL, "%s: got %s", bad[i].text, err);
		snprintf(prefix, sizeof(prefix), "%s:%d:", path, bad[i].line);
		ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "want %s got %s", prefix, err);
	}
}
END_TEST

START_TEST(test_metrics)
{
	char err[512], *d;
	struct conf *c, *again;

	c = load_text("input a { transport = udp address = \":1\" }\n", err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_null(c->metrics_address);
	d = dump_string(c);
	ck_assert_ptr_null(strstr(d, "metrics"));
	free(d);
	conf_free(c);

	c = load_text("input a { transport = udp address = \":1\" }\n"
		      "metrics { address = \"127.0.0.1:9514\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->metrics_address, "127.0.0.1:9514");
	ck_assert_str_eq(c->metrics_host, "127.0.0.1");
	ck_assert_str_eq(c->metrics_port, "9514");
	d = dump_string(c);
	ck_assert_ptr_nonnull(strstr(d, "metrics {\n\taddress = \"127.0.0.1:9514\"\n}\n"));
	again = load_text(d, err, sizeof(err), NULL, 0);
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_str_eq(again->metrics_address, "127.0.0.1:9514");
	free(d);
	conf_free(again);
	conf_free(c);

	c = load_text("input a { transport = udp address = \":1\" }\nmetrics { address = \"[::]:80\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->metrics_host, "::");
	conf_free(c);
	c = load_text("input a { transport = udp address = \":1\" }\nmetrics { address = \"*:80\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_null(c->metrics_host);
	ck_assert_str_eq(c->metrics_port, "80");
	conf_free(c);
}
END_TEST

/*
 * input_conf_same: the same block (moved lines away) is the same; each
 * field changed alone is not.  Every field of struct input_conf must be
 * covered here.
 */
static const char same_base[] =
    "input a { transport = tcp address = \"127.0.0.1:5514\" max_message_size = 1000 "
    "max_connections = 10 idle_timeout = 5 }\n"
    "input u { transport = udp address = \"127.0.0.1:5514\" recv_buffer = 65536 }\n";
static const char *const same_changed[] = {
    "input b { transport = tcp address = \"127.0.0.1:5514\" max_message_size = 1000 "
    "max_connections = 10 idle_timeout = 5 }\n",
    "input a { transport = udp address = \"127.0.0.1:5514\" max_message_size = 1000 }\n",
    "input a { transport = tcp address = \"127.0.0.2:5514\" max_message_size = 1000 "
    "max_connections = 10 idle_timeout = 5 }\n",
    "input a { transport = tcp address = \"127.0.0.1:5515\" max_message_size = 1000 "
    "max_connections = 10 idle_timeout = 5 }\n",
    "input a { transport = tcp address = \"127.0.0.1:5514\" max_message_size = 1001 "
    "max_connections = 10 idle_timeout = 5 }\n",
    "input a { transport = tcp address = \"127.0.0.1:5514\" max_message_size = 1000 "
    "max_connections = 11 idle_timeout = 5 }\n",
    "input a { transport = tcp address = \"127.0.0.1:5514\" max_message_size = 1000 "
    "max_connections = 10 idle_timeout = 6 }\n",
    "input a { transport = udp address = \"127.0.0.1:5514\" recv_buffer = 65537 }\n",
};

START_TEST(test_input_conf_same)
{
	char err[512], text[1024];
	struct conf *base, *moved, *c;
	size_t i;

	base = load_text(same_base, err, sizeof(err), NULL, 0);
	ck_assert_msg(base != NULL, "%s", err);
	snprintf(text, sizeof(text), "\n\n# moved\n%s", same_base);
	moved = load_text(text, err, sizeof(err), NULL, 0);
	ck_assert_msg(moved != NULL, "%s", err);
	ck_assert_int_ne(base->inputs[0].line, moved->inputs[0].line);
	ck_assert(input_conf_same(&base->inputs[0], &moved->inputs[0]));
	ck_assert(input_conf_same(&base->inputs[1], &moved->inputs[1]));
	ck_assert(!input_conf_same(&base->inputs[0], &base->inputs[1]));
	for (i = 0; i < sizeof(same_changed) / sizeof(same_changed[0]); i++) {
		c = load_text(same_changed[i], err, sizeof(err), NULL, 0);
		ck_assert_msg(c != NULL, "case %zu: %s", i, err);
		ck_assert_msg(!input_conf_same(&base->inputs[0], &c->inputs[0]) &&
			!input_conf_same(&base->inputs[1], &c->inputs[0]),
		    "case %zu counts as the same input", i);
		conf_free(c);
	}
	conf_free(moved);
	conf_free(base);
}
END_TEST

/* conf_webhooks_same: any webhook field, the spool directory or its bound. */
START_TEST(test_webhooks_same)
{
	static const char base_text[] =
	    "input a { transport = udp address = \":1\" }\n"
	    "spool = \"/tmp/s\"\n"
	    "webhook w { url = \"http://127.0.0.1:1/\" headers = { \"X-A: 1\" } }\n";
	static const char *const changed[] = {
	    "spool = \"/tmp/t\"\nwebhook w { url = \"http://127.0.0.1:1/\" headers = { \"X-A: 1\" } }\n",
	    "spool = \"/tmp/s\"\nwebhook w { url = \"http://127.0.0.1:2/\" headers = { \"X-A: 1\" } }\n",
	    "spool = \"/tmp/s\"\nwebhook v { url = \"http://127.0.0.1:1/\" headers = { \"X-A: 1\" } }\n",
	    "spool = \"/tmp/s\"\nwebhook w { url = \"http://127.0.0.1:1/\" headers = { \"X-A: 2\" } }\n",
	    "spool = \"/tmp/s\"\nwebhook w { url = \"http://127.0.0.1:1/\" headers = { \"X-A: 1\" } "
	    "retry_max = 60 }\n",
	    "spool = \"/tmp/s\"\n",
	};
	char err[512], text[1024];
	struct conf *base, *c;
	size_t i;

	base = load_text(base_text, err, sizeof(err), NULL, 0);
	ck_assert_msg(base != NULL, "%s", err);
	c = load_text(base_text, err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(conf_webhooks_same(base, c));
	conf_free(c);
	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		snprintf(text, sizeof(text), "input a { transport = udp address = \":1\" }\n%s",
		    changed[i]);
		c = load_text(text, err, sizeof(err), NULL, 0);
		ck_assert_msg(c != NULL, "case %zu: %s", i, err);
		ck_assert_msg(!conf_webhooks_same(base, c), "case %zu counts as the same", i);
		conf_free(c);
	}
	conf_free(base);
}
END_TEST

/* The correlate block: defaults (state next to the alerts file), every key, -T round trip. */
START_TEST(test_correlate)
{
	char err[512], *d;
	struct conf *c, *again;

	c = load_text("input a { transport = udp address = \":1\" }\n"
		      "alerts { path = \"/var/log/lw/alerts.jsonl\" }\n", err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->correlate.window, 3600);
	ck_assert_int_eq(c->correlate.session_window, 300);
	ck_assert_str_eq(c->correlate.state_dir, "/var/log/lw");
	ck_assert_uint_eq(c->correlate.max_entries, 10000);
	ck_assert_ptr_null(c->correlate.baseline);
	ck_assert_uint_eq(c->correlate.threshold, 0);
	ck_assert(!c->correlate.alert_on_unknown);
	conf_free(c);
	/* an alerts path with a template has no fixed directory: memory only */
	c = load_text("input a { transport = udp address = \":1\" }\n"
		      "alerts { path = \"/var/log/lw/%Y/alerts.jsonl\" }\n", err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->correlate.state_dir, "");
	conf_free(c);

	c = load_text("input a { transport = udp address = \":1\" }\n"
		      "correlate {\n window = 600\n session_window = 30\n state_dir = \"/s t\"\n"
		      " max_entries = 16\n baseline = \"/etc/lw/admins\"\n threshold = 3\n"
		      " alert_on_unknown = yes\n}\n", err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	d = dump_string(c);
	ck_assert_ptr_nonnull(strstr(d, "correlate {\n\twindow = 600\n\tsession_window = 30\n"
	    "\tstate_dir = \"/s t\"\n\tmax_entries = 16\n\tbaseline = \"/etc/lw/admins\"\n"
	    "\tthreshold = 3\n\talert_on_unknown = yes\n}\n"));
	again = load_text(d, err, sizeof(err), NULL, 0);
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_int_eq(again->correlate.window, 600);
	ck_assert_int_eq(again->correlate.session_window, 30);
	ck_assert_str_eq(again->correlate.state_dir, "/s t");
	ck_assert_uint_eq(again->correlate.max_entries, 16);
	ck_assert_str_eq(again->correlate.baseline, "/etc/lw/admins");
	ck_assert_uint_eq(again->correlate.threshold, 3);
	ck_assert(again->correlate.alert_on_unknown);
	free(d);
	conf_free(again);
	conf_free(c);
	/* state_dir = "" (memory only) round-trips too */
	c = load_text("input a { transport = udp address = \":1\" }\ncorrelate { state_dir = \"\" }\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	d = dump_string(c);
	again = load_text(d, err, sizeof(err), NULL, 0);
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_str_eq(again->correlate.state_dir, "");
	free(d);
	conf_free(again);
	conf_free(c);
}
END_TEST

/* Addresses: accepted forms and what they split into. */
static const struct address_case {
	const char *address;
	const char *host; /* NULL: any address */
	const char *port;
} good_addresses[] = {
    {"127.0.0.1:5514", "127.0.0.1", "5514"},
    {"0.0.0.0:514", "0.0.0.0", "514"},
    {"[::1]:5514", "::1", "5514"},
    {"[::]:6514", "::", "6514"},
    {"[2001:db8::1]:1", "2001:db8::1", "1"},
    {"*:514", NULL, "514"},
    {":65535", NULL, "65535"},
    {"localhost:514", "localhost", "514"},
};

START_TEST(test_good_addresses)
{
	const struct address_case *ac = &good_addresses[_i];
	char text[256], err[512];
	struct conf *c;

	snprintf(text, sizeof(text), "input a { transport = tcp address = \"%s\" }\n", ac->address);
	c = load_text(text, err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s refused: %s", ac->address, err);
	ck_assert_str_eq(c->inputs[0].address, ac->address);
	if (ac->host == NULL)
		ck_assert_ptr_null(c->inputs[0].host);
	else
		ck_assert_str_eq(c->inputs[0].host, ac->host);
	ck_assert_str_eq(c->inputs[0].port, ac->port);
	conf_free(c);
}
END_TEST

static const struct bad_address {
	const char *address;
	const char *why;
} bad_addresses[] = {
    {"1.2.3.4", "has no port"},
    {"1.2.3.4:0", "port out of range"},
    {"1.2.3.4:70000", "port out of range"},
    {"1.2.3.4:655350", "port out of range"},
    {"[::1:514", "no closing ']'"},
    {"host.example.com:514", "not a numeric IP address"},
    {"1.2.3.4:51a4", "port that is not a number"},
    {"1.2.3.4:", "has no port"},
    {"::1:514", "without brackets"},
    {"[::1]514", "no port after ']'"},
    {"[1.2.3.4]:514", "invalid IPv6 address"},
    {"1.2.3:514", "not a numeric IP address"},
    {"", "has no port"},
    {"1.2.3.4:-1", "not a number"},
};

START_TEST(test_bad_addresses)
{
	const struct bad_address *ba = &bad_addresses[_i];
	char text[256], err[512], path[64], want[128];
	struct conf *c;

	snprintf(text, sizeof(text),
	    "# bad address\ninput a {\n"
	    "\ttransport = udp\n\taddress = \"%s\"\n}\n",
	    ba->address);
	c = load_text(text, err, sizeof(err), path, sizeof(path));
	ck_assert_msg(c == NULL, "%s accepted", ba->address);
	snprintf(want, sizeof(want), "input \"a\": address \"%s\"", ba->address);
	assert_error(err, path, 4, want, ba->why);
}
END_TEST

/* An error in an included file names that file and its line. */
START_TEST(test_include_error)
{
	char err[512];
	struct conf *c;

	ck_assert_int_eq(chdir(unit_srcdir), 0);
	c = conf_load("tests/data/conf/include-main.conf", err, sizeof(err));
	ck_assert_ptr_null(c);
	assert_error(err, "tests/data/conf/include-bad.inc", 4,
	    "input \"inc_tcp\": idle_timeout 86401 out of range", NULL);
}
END_TEST

/* After an include, lines are the including file's again. */
START_TEST(test_include_after)
{
	char err[512];
	struct conf *c;

	ck_assert_int_eq(chdir(unit_srcdir), 0);
	c = conf_load("tests/data/conf/include-after.conf", err, sizeof(err));
	ck_assert_ptr_null(c);
	assert_error(
	    err, "tests/data/conf/include-after.conf", 5, "queue_batches 1 out of range", NULL);
}
END_TEST

/* An included file contributes its inputs. */
START_TEST(test_include_good)
{
	char err[512];
	struct conf *c;

	ck_assert_int_eq(chdir(unit_srcdir), 0);
	c = load_text("include(\"tests/data/conf/include-good.inc\")\n"
		      "workers = 3\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->n_inputs, 1);
	ck_assert_str_eq(c->inputs[0].name, "inc_udp");
	ck_assert_int_eq(c->inputs[0].line, 2);
	ck_assert_uint_eq(c->workers, 3);
	conf_free(c);
}
END_TEST

/* A file that includes itself stops at the depth limit. */
START_TEST(test_include_loop)
{
	char err[512], text[128], path[64];
	const char *p;
	struct conf *c;

	/* The file must exist while it is loaded: write it, then point at it. */
	p = write_tmp("");
	snprintf(path, sizeof(path), "%s", p);
	snprintf(text, sizeof(text), "include(\"%s\")\n", path);
	{
		FILE *fp = fopen(path, "w");

		ck_assert_ptr_nonnull(fp);
		fputs(text, fp);
		fclose(fp);
	}
	c = conf_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_ptr_null(c);
	assert_error(err, path, 1, "nested deeper", NULL);
}
END_TEST

START_TEST(test_missing_file)
{
	char err[512];
	struct conf *c;

	c = conf_load("/nonexistent/logward.conf", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, "/nonexistent/logward.conf: cannot open: "
			      "No such file or directory");
	conf_free(NULL);
}
END_TEST

/* Quoted and bare strings are the same; one-line blocks need no separators. */
START_TEST(test_string_forms)
{
	char err[512];
	struct conf *c;

	c = load_text("input a{transport=udp address=:514}\n"
		      "input \"b\" { transport = \"tcp\" address = '[::1]:514' "
		      "max_connections = \"7\" }\nrules = /x/y\n",
	    err, sizeof(err), NULL, 0);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->inputs[0].address, ":514");
	ck_assert_int_eq(c->inputs[1].transport, TRANSPORT_TCP);
	ck_assert_str_eq(c->inputs[1].address, "[::1]:514");
	ck_assert_uint_eq(c->inputs[1].max_connections, 7);
	ck_assert_str_eq(c->rules, "/x/y");
	ck_assert_str_eq(transport_name(TRANSPORT_UDP), "udp");
	ck_assert_str_eq(transport_name(TRANSPORT_TCP), "tcp");
	conf_free(c);
}
END_TEST

/* A short buffer still gets a terminated, truncated message. */
START_TEST(test_short_err_buffer)
{
	char err[16];
	struct conf *c;

	memset(err, 'x', sizeof(err));
	c = load_text("workers = 1000\n", err, sizeof(err), NULL, 0);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, test_sample_loads);
	tcase_add_test(tc, test_sample_in_loads);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_all_options);
	tcase_add_test(tc, test_round_trip_escapes);
	tcase_add_test(tc, test_timezone);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_webhooks);
	tcase_add_loop_test(
	    tc, test_alerts_path, 0, (int)(sizeof(alerts_cases) / sizeof(alerts_cases[0])));
	tcase_add_loop_test(
	    tc, test_ranges, 0, (int)(4 * sizeof(range_cases) / sizeof(range_cases[0])));
	tcase_add_loop_test(
	    tc, test_errors, 0, (int)(sizeof(error_cases) / sizeof(error_cases[0])));
	tcase_add_loop_test(
	    tc, test_good_addresses, 0, (int)(sizeof(good_addresses) / sizeof(good_addresses[0])));
	tcase_add_loop_test(
	    tc, test_bad_addresses, 0, (int)(sizeof(bad_addresses) / sizeof(bad_addresses[0])));
	tcase_add_test(tc, test_include_error);
	tcase_add_test(tc, test_include_after);
	tcase_add_test(tc, test_include_good);
	tcase_add_test(tc, test_include_loop);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_string_forms);
	tcase_add_test(tc, test_short_err_buffer);
	tcase_add_test(tc, test_input_conf_same);
	tcase_add_test(tc, test_webhooks_same);
	tcase_add_test(tc, test_correlate);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
