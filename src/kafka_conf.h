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
 *       flush_timeout      = 3                 # seconds given at TERM
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

/* One kafka block, checked; every string owned (freed with the struct conf). */
struct kafka_settings {
	char *name;               /* the block title; names the alerts spool kafka-NAME */
	char *brokers;            /* bootstrap.servers */
	char *topic;              /* events */
	char *alerts_topic;       /* NULL: alerts are not published */
	int key;                  /* enum kafka_key (a keyword row: int) */
	char *compression;        /* compression.codec */
	unsigned queue_max_messages; /* queue.buffering.max.messages */
	unsigned queue_max_kbytes;   /* queue.buffering.max.kbytes */
	uint64_t max_spool_bytes;    /* bound of the alerts spool file */
	unsigned flush_timeout;      /* seconds from TERM to exit for what is queued */
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
 * The checks made when a kafka block closes (conf.c's section callback):
 * built with Kafka, one block, brokers and topic, the compression word,
 * and each property (name=value, not one logward sets, accepted by
 * librdkafka).  0, or -1 with the error recorded ("file:line: kafka
 * \"NAME\": what was expected").  The options themselves are rows of the
 * option table (conf_table.c).
 */
int kafka_conf_check(cfg_opt_t *opt);

/* Whether a and b configure the same producer (every field but the line). */
bool kafka_settings_same(const struct kafka_settings *a, const struct kafka_settings *b);

/* True for a property whose value must never be printed (passwords, keys). */
bool kafka_property_secret(const char *name, size_t len);

const char *kafka_key_name(enum kafka_key k);
int kafka_key_parse(const char *s);    /* host | source | none; -1 otherwise */

#endif
