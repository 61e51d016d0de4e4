/*
 * kafka_conf.c: the kafka NAME { } block's own checks (kafka_conf.h).  Its
 * options are rows of the one option table (conf_table.c), which parses,
 * dumps, compares and frees them; what spans several options or asks
 * librdkafka is checked here, when the block closes.
 */
#include "config.h"

#include <confuse.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#endif

#include "cfgfile.h"
#include "conf_table.h"
#include "kafka_conf.h"

#ifdef HAVE_KAFKA
bool kafka_conf_built_in = true;
#else
bool kafka_conf_built_in = false;
#endif

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

int
kafka_key_parse(const char *s)
{
	if (strcmp(s, "host") == 0)
		return KAFKA_KEY_HOST;
	if (strcmp(s, "source") == 0)
		return KAFKA_KEY_SOURCE;
	if (strcmp(s, "none") == 0)
		return KAFKA_KEY_NONE;
	return -1;
}

/* librdkafka's own word on one property (a build without it: none). */
static int
kafka_check_with_librdkafka(cfg_t *sec, const char *p, size_t n)
{
#ifdef HAVE_KAFKA
	char name[256], rkerr[256];
	rd_kafka_conf_t *rc;
	rd_kafka_conf_res_t res;
	int line = cfgfile_line_of(sec, "properties");

	if (n >= sizeof(name)) {
		cfgfile_error_at(sec->filename, line, sec, "property name too long");
		return -1;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	if ((rc = rd_kafka_conf_new()) == NULL) {
		cfgfile_error_at(sec->filename, line, sec, "out of memory");
		return -1;
	}
	res = rd_kafka_conf_set(rc, name, p + n + 1, rkerr, sizeof(rkerr));
	rd_kafka_conf_destroy(rc);
	if (res != RD_KAFKA_CONF_OK) {
		/* librdkafka's message may quote the value: not for a secret */
		cfgfile_error_at(sec->filename, line, sec, "property %s: %s", name,
		    kafka_property_secret(name, n) ? "invalid value" : rkerr);
		return -1;
	}
#else
	(void)sec;
	(void)p;
	(void)n;
#endif
	return 0;
}

/* Check one "name=value" property; 0 or -1 with the error recorded. */
static int
kafka_check_property(cfg_t *sec, const char *p)
{
	const char *eq = strchr(p, '=');
	int line = cfgfile_line_of(sec, "properties");
	size_t i, n;

	if (eq == NULL || eq == p) {
		cfgfile_error_at(sec->filename, line, sec,
		    "property \"%.64s\" is not name=value (expected e.g. \"security.protocol=ssl\")",
		    p);
		return -1;
	}
	n = (size_t)(eq - p);
	for (i = 0; i < sizeof(kafka_owned) / sizeof(kafka_owned[0]); i++)
		if (strlen(kafka_owned[i]) == n && strncmp(p, kafka_owned[i], n) == 0) {
			cfgfile_error_at(sec->filename, line, sec,
			    "property %s is set by logward (use the block's own keys: "
			    "brokers, compression, queue_max_messages, queue_max_kbytes; "
			    "acks=all and idempotence are not negotiable)",
			    kafka_owned[i]);
			return -1;
		}
	return kafka_check_with_librdkafka(sec, p, n);
}

/* The keys a producer cannot go without, and the words of compression. */
static int
kafka_check_values(cfg_t *sec)
{
	static const char *const required[] = { "brokers", "topic" };
	const char *codec = cfg_getstr(sec, "compression");
	const char *alerts = cfg_getstr(sec, "alerts_topic");
	int first = cfgfile_first_line(sec);
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const char *v = cfg_getstr(sec, required[i]);

		if (v == NULL || v[0] == '\0') {
			cfgfile_error_at(sec->filename, first, sec, "missing %s (expected %s = \"%s\")",
			    required[i], required[i],
			    i == 0 ? "broker1:9092,broker2:9092" : "logward-events");
			return -1;
		}
	}
	if (alerts != NULL && alerts[0] == '\0') {
		cfgfile_error_at(sec->filename, cfgfile_line_of(sec, "alerts_topic"), sec,
		    "alerts_topic is empty (expected a topic name, or no alerts_topic)");
		return -1;
	}
	for (i = 0; i < sizeof(kafka_codecs) / sizeof(kafka_codecs[0]); i++)
		if (strcmp(codec, kafka_codecs[i]) == 0)
			return 0;
	cfgfile_error_at(sec->filename, cfgfile_line_of(sec, "compression"), sec,
	    "compression \"%.64s\" is invalid (expected zstd, lz4, snappy, gzip or none)", codec);
	return -1;
}

int
kafka_conf_check(cfg_opt_t *opt)
{
	cfg_t *sec = opt->values[opt->nvalues - 1]->section;
	size_t i, n = cfg_size(sec, "properties");

	if (!kafka_conf_built_in) {
		cfgfile_error_at(sec->filename, cfgfile_first_line(sec), sec,
		    "this logward was built without Kafka (configure --without-kafka, or "
		    "librdkafka-dev was missing): remove the kafka block or rebuild with librdkafka");
		return -1;
	}
	if (opt->nvalues > 1) {
		cfgfile_error_at(sec->filename, cfgfile_first_line(sec), NULL,
		    "second kafka block (first at %s:%d; one producer per logward: give it once)",
		    opt->values[0]->section->filename, cfgfile_first_line(opt->values[0]->section));
		return -1;
	}
	if (kafka_check_values(sec) == -1)
		return -1;
	if (n > KAFKA_MAX_PROPERTIES) {
		cfgfile_error_at(sec->filename, cfgfile_line_of(sec, "properties"), sec,
		    "%zu properties (expected at most %d)", n, KAFKA_MAX_PROPERTIES);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (kafka_check_property(sec, cfg_getnstr(sec, "properties", i)) == -1)
			return -1;
	return 0;
}

bool
kafka_settings_same(const struct kafka_settings *a, const struct kafka_settings *b)
{
	return conf_options_same(conf_section_find("kafka"), a, b);
}
