/*
 * kafka_conf.c: the kafka NAME { } block: options, checks, dump.
 * See kafka_conf.h.  conf.c owns the file; this file owns the block, so
 * that the Kafka output's settings live beside the output.
 */
#include "config.h"

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#endif

#include "kafka_conf.h"

#ifdef HAVE_KAFKA
bool kafka_conf_built_in = true;
#else
bool kafka_conf_built_in = false;
#endif

/*
 * The hidden per-section list of lines, named as conf.c names its own
 * (conf.c's messages then skip it when they list the keys a block takes):
 * slot 0 is the line the block opens on, slot i the line option i was set on.
 */
#define KAFKA_LINES "#|lines"
#define KAFKA_LINES_UNSET (-1)

#define KAFKA_DEF_QUEUE_MESSAGES 100000
#define KAFKA_DEF_QUEUE_KBYTES 65536
#define KAFKA_DEF_SPOOL_BYTES (64 * 1024 * 1024)
/* librdkafka's own ranges for the queue bounds */
#define KAFKA_MAX_QUEUE_MESSAGES 10000000
#define KAFKA_MAX_QUEUE_KBYTES 2147483647
/* a spool must hold one alert line at least */
#define KAFKA_MIN_SPOOL_BYTES 4096
#define KAFKA_MAX_PROPERTIES 64

/*
 * Properties the block's own keys set, or that the delivery guarantee
 * rests on: refused in properties so there is one place for each.
 */
static const char *const kafka_owned[] = {
	"bootstrap.servers", "metadata.broker.list", "enable.idempotence", "acks",
	"request.required.acks", "compression.codec", "compression.type",
	"queue.buffering.max.messages", "queue.buffering.max.kbytes",
};

static const char *const kafka_codecs[] = { "zstd", "lz4", "snappy", "gzip", "none" };

/* Validate callback of the lines list: record the opening line, one zero per option. */
static int
kafka_linescb(cfg_t *cfg, cfg_opt_t *opt)
{
	size_t n = 0, i;

	if (opt->nvalues != 1 || opt->values[0]->number != KAFKA_LINES_UNSET)
		return 0;
	opt->values[0]->number = cfg->line;
	while (cfg->opts[n].name != NULL)
		n++;
	for (i = 1; i < n; i++)
		if (cfg_opt_setnint(opt, 0, opt->nvalues) != CFG_SUCCESS)
			return -1;
	return 0;
}

/* Validate callback of each key: refuse one given twice, remember its line. */
static int
kafka_seencb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_opt_t *lines = &cfg->opts[0];
	size_t idx = (size_t)(opt - cfg->opts);

	if (idx >= lines->nvalues)
		return 0;
	if (lines->values[idx]->number != 0 && (opt->flags & CFGF_LIST) == 0) {
		cfg_error(cfg, "%s set twice (first at line %ld; give each key once)", opt->name,
		    lines->values[idx]->number);
		return -1;
	}
	if (lines->values[idx]->number == 0)
		lines->values[idx]->number = cfg->line;
	return 0;
}

cfg_opt_t *
kafka_conf_opts(void)
{
	static char lines_def[] = "{-1}";
	static cfg_opt_t opts[] = {
		CFG_INT_LIST(KAFKA_LINES, lines_def, CFGF_NONE),
		CFG_STR("brokers", NULL, CFGF_NODEFAULT),
		CFG_STR("topic", NULL, CFGF_NODEFAULT),
		CFG_STR("alerts_topic", NULL, CFGF_NODEFAULT),
		CFG_STR("key", "host", CFGF_NONE),
		CFG_STR("compression", "lz4", CFGF_NONE),
		CFG_INT("queue_max_messages", KAFKA_DEF_QUEUE_MESSAGES, CFGF_NONE),
		CFG_INT("queue_max_kbytes", KAFKA_DEF_QUEUE_KBYTES, CFGF_NONE),
		CFG_INT("max_spool_bytes", KAFKA_DEF_SPOOL_BYTES, CFGF_NONE),
		CFG_STR_LIST("properties", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	size_t i;

	opts[0].validcb = kafka_linescb;
	for (i = 1; opts[i].name != NULL; i++)
		opts[i].validcb = kafka_seencb;
	return opts;
}

/* The line key was set on in sec, else the block's first line. */
static int
kafka_line_of(cfg_t *sec, const char *key)
{
	cfg_opt_t *lines = &sec->opts[0];
	size_t i;

	for (i = 1; key != NULL && sec->opts[i].name != NULL && i < lines->nvalues; i++)
		if (strcmp(sec->opts[i].name, key) == 0 && lines->values[i]->number > 0)
			return (int)lines->values[i]->number;
	return lines->nvalues > 0 ? (int)lines->values[0]->number : 0;
}

/* "file:line: kafka \"NAME\": message" for key's line. */
static void __attribute__((format(printf, 5, 6)))
kafka_conf_error(cfg_t *sec, const char *key, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%d: kafka \"%s\": %s", sec->filename ? sec->filename : "(config)",
	    kafka_line_of(sec, key), cfg_title(sec) ? cfg_title(sec) : "", msg);
}

bool
kafka_property_secret(const char *name, size_t len)
{
	static const char *const words[] = { "password", "secret", "key.pem", "sasl.jaas",
		"oauthbearer.config", "ssl.key", "keystore" };
	char low[128];
	size_t i;

	if (len >= sizeof(low))
		return true; /* nothing that long is a harmless name */
	for (i = 0; i < len; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[len] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]) != NULL)
			return true;
	return false;
}

const char *
kafka_key_name(enum kafka_key k)
{
	return k == KAFKA_KEY_HOST ? "host" : k == KAFKA_KEY_SOURCE ? "source" : "none";
}

/* Check one "name=value" property; 0 or -1 with err set. */
static int
kafka_check_property(cfg_t *sec, const char *p, char *err, size_t errlen)
{
	const char *eq = strchr(p, '=');
	size_t i, n;

	if (eq == NULL || eq == p) {
		kafka_conf_error(sec, "properties", err, errlen,
		    "property \"%.64s\" is not name=value (expected e.g. \"security.protocol=ssl\")",
		    p);
		return -1;
	}
	n = (size_t)(eq - p);
	for (i = 0; i < sizeof(kafka_owned) / sizeof(kafka_owned[0]); i++)
		if (strlen(kafka_owned[i]) == n && strncmp(p, kafka_owned[i], n) == 0) {
			kafka_conf_error(sec, "properties", err, errlen,
			    "property %s is set by logward (use the block's own keys: "
			    "brokers, compression, queue_max_messages, queue_max_kbytes; "
			    "acks=all and idempotence are not negotiable)",
			    kafka_owned[i]);
			return -1;
		}
#ifdef HAVE_KAFKA
	{
		char name[256], rkerr[256];
		rd_kafka_conf_t *rc;
		rd_kafka_conf_res_t res;

		if (n >= sizeof(name)) {
			kafka_conf_error(sec, "properties", err, errlen, "property name too long");
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if ((rc = rd_kafka_conf_new()) == NULL) {
			kafka_conf_error(sec, "properties", err, errlen, "out of memory");
			return -1;
		}
		res = rd_kafka_conf_set(rc, name, eq + 1, rkerr, sizeof(rkerr));
		rd_kafka_conf_destroy(rc);
		if (res != RD_KAFKA_CONF_OK) {
			/* librdkafka's message may quote the value: not for a secret */
			kafka_conf_error(sec, "properties", err, errlen, "property %s: %s", name,
			    kafka_property_secret(name, n) ? "invalid value" : rkerr);
			return -1;
		}
	}
#endif
	return 0;
}

/* strdup that sets *failed on failure (NULL in, NULL out). */
static char *
kafka_dup(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

/* Check the keys that take a word or a number; 0 or -1 with err set. */
static int
kafka_check_values(cfg_t *sec, struct kafka_settings *s, char *err, size_t errlen)
{
	const char *key = cfg_getstr(sec, "key"), *codec = cfg_getstr(sec, "compression");
	long qm = cfg_getint(sec, "queue_max_messages"), qk = cfg_getint(sec, "queue_max_kbytes");
	long sb = cfg_getint(sec, "max_spool_bytes");
	size_t i;

	if (strcmp(key, "host") == 0)
		s->key = KAFKA_KEY_HOST;
	else if (strcmp(key, "source") == 0)
		s->key = KAFKA_KEY_SOURCE;
	else if (strcmp(key, "none") == 0)
		s->key = KAFKA_KEY_NONE;
	else {
		kafka_conf_error(sec, "key", err, errlen,
		    "key \"%.64s\" is invalid (expected host, source or none)", key);
		return -1;
	}
	for (i = 0; i < sizeof(kafka_codecs) / sizeof(kafka_codecs[0]); i++)
		if (strcmp(codec, kafka_codecs[i]) == 0)
			break;
	if (i == sizeof(kafka_codecs) / sizeof(kafka_codecs[0])) {
		kafka_conf_error(sec, "compression", err, errlen,
		    "compression \"%.64s\" is invalid (expected zstd, lz4, snappy, gzip or none)",
		    codec);
		return -1;
	}
	if (qm < 1 || qm > KAFKA_MAX_QUEUE_MESSAGES) {
		kafka_conf_error(sec, "queue_max_messages", err, errlen,
		    "queue_max_messages %ld out of range (expected 1..%d)", qm,
		    KAFKA_MAX_QUEUE_MESSAGES);
		return -1;
	}
	if (qk < 1 || qk > KAFKA_MAX_QUEUE_KBYTES) {
		kafka_conf_error(sec, "queue_max_kbytes", err, errlen,
		    "queue_max_kbytes %ld out of range (expected 1..%d)", qk,
		    KAFKA_MAX_QUEUE_KBYTES);
		return -1;
	}
	if (sb < KAFKA_MIN_SPOOL_BYTES) {
		kafka_conf_error(sec, "max_spool_bytes", err, errlen,
		    "max_spool_bytes %ld out of range (expected %d or more)", sb,
		    KAFKA_MIN_SPOOL_BYTES);
		return -1;
	}
	s->queue_max_messages = (unsigned)qm;
	s->queue_max_kbytes = (unsigned)qk;
	s->max_spool_bytes = (uint64_t)sb;
	return 0;
}

/* Copy the properties list after checking each. */
static int
kafka_take_properties(cfg_t *sec, struct kafka_settings *s, char *err, size_t errlen)
{
	size_t i, n = cfg_size(sec, "properties");

	if (n > KAFKA_MAX_PROPERTIES) {
		kafka_conf_error(sec, "properties", err, errlen,
		    "%zu properties (expected at most %d)", n, KAFKA_MAX_PROPERTIES);
		return -1;
	}
	if (n > 0 && (s->properties = calloc(n, sizeof(*s->properties))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		const char *p = cfg_getnstr(sec, "properties", i);

		if (kafka_check_property(sec, p, err, errlen) == -1)
			return -1;
		if ((s->properties[i] = strdup(p)) == NULL)
			goto oom;
		s->n_properties++;
	}
	return 0;
oom:
	kafka_conf_error(sec, "properties", err, errlen, "out of memory");
	return -1;
}

int
kafka_settings_take(cfg_t *sec, struct kafka_settings *s, char *err, size_t errlen)
{
	const char *required[] = { "brokers", "topic" };
	int failed = 0;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!kafka_conf_built_in) {
		kafka_conf_error(sec, NULL, err, errlen,
		    "this logward was built without Kafka (configure --without-kafka, or "
		    "librdkafka-dev was missing): remove the kafka block or rebuild with librdkafka");
		return -1;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const char *v = cfg_getstr(sec, required[i]);

		if (v == NULL || v[0] == '\0') {
			kafka_conf_error(sec, NULL, err, errlen, "missing %s (expected %s = \"%s\")",
			    required[i], required[i],
			    i == 0 ? "broker1:9092,broker2:9092" : "logward-events");
			return -1;
		}
	}
	if (cfg_getstr(sec, "alerts_topic") != NULL && cfg_getstr(sec, "alerts_topic")[0] == '\0') {
		kafka_conf_error(sec, "alerts_topic", err, errlen,
		    "alerts_topic is empty (expected a topic name, or no alerts_topic)");
		return -1;
	}
	if (kafka_check_values(sec, s, err, errlen) == -1)
		return -1;
	s->name = kafka_dup(cfg_title(sec), &failed);
	s->brokers = kafka_dup(cfg_getstr(sec, "brokers"), &failed);
	s->topic = kafka_dup(cfg_getstr(sec, "topic"), &failed);
	s->alerts_topic = kafka_dup(cfg_getstr(sec, "alerts_topic"), &failed);
	s->compression = kafka_dup(cfg_getstr(sec, "compression"), &failed);
	s->file = kafka_dup(sec->filename ? sec->filename : "(config)", &failed);
	s->line = kafka_line_of(sec, NULL);
	if (failed) {
		kafka_conf_error(sec, NULL, err, errlen, "out of memory");
		goto fail;
	}
	if (kafka_take_properties(sec, s, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	kafka_settings_free(s);
	return -1;
}

void
kafka_settings_free(struct kafka_settings *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->name);
	free(s->brokers);
	free(s->topic);
	free(s->alerts_topic);
	free(s->compression);
	free(s->file);
	for (i = 0; i < s->n_properties; i++)
		free(s->properties[i]);
	free(s->properties);
	memset(s, 0, sizeof(*s));
}

/* Equal strings, NULL equal to NULL only. */
static bool
kafka_str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
kafka_settings_same(const struct kafka_settings *a, const struct kafka_settings *b)
{
	size_t i;

	if (!kafka_str_same(a->name, b->name) || !kafka_str_same(a->brokers, b->brokers) ||
	    !kafka_str_same(a->topic, b->topic) || !kafka_str_same(a->alerts_topic, b->alerts_topic) ||
	    !kafka_str_same(a->compression, b->compression) || a->key != b->key ||
	    a->queue_max_messages != b->queue_max_messages ||
	    a->queue_max_kbytes != b->queue_max_kbytes || a->max_spool_bytes != b->max_spool_bytes ||
	    a->n_properties != b->n_properties)
		return false;
	for (i = 0; i < a->n_properties; i++)
		if (strcmp(a->properties[i], b->properties[i]) != 0)
			return false;
	return true;
}

void
kafka_settings_dump(const struct kafka_settings *s, FILE *fp,
    void (*print_string)(FILE *, const char *))
{
	size_t i;

	fprintf(fp, "kafka %s {\n\tbrokers = ", s->name);
	print_string(fp, s->brokers);
	fputs("\n\ttopic = ", fp);
	print_string(fp, s->topic);
	if (s->alerts_topic != NULL) {
		fputs("\n\talerts_topic = ", fp);
		print_string(fp, s->alerts_topic);
	}
	fprintf(fp,
	    "\n\tkey = %s\n\tcompression = %s\n\tqueue_max_messages = %u\n"
	    "\tqueue_max_kbytes = %u\n\tmax_spool_bytes = %llu\n",
	    kafka_key_name(s->key), s->compression, s->queue_max_messages, s->queue_max_kbytes,
	    (unsigned long long)s->max_spool_bytes);
	if (s->n_properties > 0) {
		fputs("\tproperties = {", fp);
		for (i = 0; i < s->n_properties; i++) {
			const char *p = s->properties[i], *eq = strchr(p, '=');
			size_t n = eq != NULL ? (size_t)(eq - p) : strlen(p);

			fputs(i > 0 ? ", " : " ", fp);
			if (kafka_property_secret(p, n)) {
				char red[160];

				snprintf(red, sizeof(red), "%.*s=(redacted)", (int)(n > 128 ? 128 : n), p);
				print_string(fp, red);
			} else
				print_string(fp, p);
		}
		fputs(" }\n", fp);
	}
	fputs("}\n", fp);
}
