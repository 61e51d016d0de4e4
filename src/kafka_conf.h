/*
 * kafka_conf.h: the kafka NAME { } block of the configuration
 * (logward.conf(5) "KAFKA"): its libConfuse options, and the settings
 * they give once checked.
 *
 *   kafka bus {
 *       brokers      = "k1:9092,k2:9092"
 *       topic        = "logward-events"
 *       alerts_topic = "logward-alerts"        # optional
 *       key          = host                    # host | source | none
 *       compression  = lz4                     # zstd | lz4 | snappy | gzip | none
 *       queue_max_messages = 100000
 *       queue_max_kbytes   = 65536
 *       max_spool_bytes    = 67108864          # the alerts' durable spool
 *       properties = { "security.protocol=ssl", "ssl.ca.location=/etc/ca.pem" }
 *   }
 *
 * properties is a list of "name=value" strings handed to librdkafka as
 * they are (rd_kafka_conf_set).  libConfuse 3.3 can also express free
 * keys (a CFGF_KEYSTRVAL section), but it reports every such key through
 * the error callback as "no such option", which our parser rightly treats
 * as an error: a list of strings is the form that parses cleanly and
 * dumps back (-T) the same.
 *
 * This file is compiled with or without librdkafka: a logward built
 * --without-kafka still knows the block, to refuse it by file and line.
 */
#ifndef LOGWARD_KAFKA_CONF_H
#define LOGWARD_KAFKA_CONF_H

#include <confuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum kafka_key { KAFKA_KEY_HOST, KAFKA_KEY_SOURCE, KAFKA_KEY_NONE };

/* One kafka block, checked; every string owned (kafka_settings_free). */
struct kafka_settings {
	char *name;               /* the block title; names the alerts spool kafka-NAME */
	char *brokers;            /* bootstrap.servers */
	char *topic;              /* events */
	char *alerts_topic;       /* NULL: alerts are not published */
	enum kafka_key key;
	char *compression;        /* compression.codec */
	unsigned queue_max_messages; /* queue.buffering.max.messages */
	unsigned queue_max_kbytes;   /* queue.buffering.max.kbytes */
	uint64_t max_spool_bytes;    /* bound of the alerts spool file */
	char **properties;        /* "name=value" each, passed through */
	size_t n_properties;
	char *file;               /* where the block is, for messages */
	int line;
};

/*
 * False in a build without librdkafka: a kafka block is then refused.
 * A variable, not a constant, so that the unit suite can exercise the
 * refusal in a build that has Kafka.
 */
extern bool kafka_conf_built_in;

/*
 * The options of a kafka block, for CFG_SEC("kafka", kafka_conf_opts(),
 * CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES).  Static storage: one
 * conf_load at a time (libConfuse's lexer is process-wide anyway).
 */
cfg_opt_t *kafka_conf_opts(void);

/*
 * Check one parsed kafka block and fill s (zeroed first).  Returns 0, or
 * -1 with err set to "file:line: kafka \"NAME\": what was expected" and
 * s freed.  Caller frees s with kafka_settings_free.
 */
int kafka_settings_take(cfg_t *sec, struct kafka_settings *s, char *err, size_t errlen);

void kafka_settings_free(struct kafka_settings *s);

/* Whether a and b configure the same producer (every field but the line). */
bool kafka_settings_same(const struct kafka_settings *a, const struct kafka_settings *b);

/*
 * Print s as a kafka block (-T).  The values of secret-looking properties
 * (kafka_property_secret) print as "(redacted)": -T output is shared in
 * tickets, so it does not read back byte for byte when there is one.
 */
void kafka_settings_dump(const struct kafka_settings *s, FILE *fp,
    void (*print_string)(FILE *, const char *));

/* True for a property whose value must never be printed (passwords, keys). */
bool kafka_property_secret(const char *name, size_t len);

const char *kafka_key_name(enum kafka_key k);

#endif
