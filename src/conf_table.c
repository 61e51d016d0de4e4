/*
 * conf_table.c: the options of logward.conf, one row each (conf_table.h
 * says how to add one).  Ranges and defaults are documented in
 * logward.conf(5).
 */
#include "config.h"

#include <string.h>

#include "conf_table.h"
#include "kafka_conf.h"
#include "retention.h"
#include "webhook.h"

#ifndef LOGWARD_DATADIR
#define LOGWARD_DATADIR "/usr/local/share/logward"
#endif

#define CONF_DEFAULT_RULES LOGWARD_DATADIR "/patterns"
#define CONF_DEFAULT_SPOOL LOGWARD_LOCALSTATEDIR "/lib/logward"

/* transport = udp | tcp | tls | relp | relp-tls */
static int
conf_transport_parse(const char *s)
{
	static const enum transport all[] = { TRANSPORT_UDP, TRANSPORT_TCP, TRANSPORT_TLS,
		TRANSPORT_RELP, TRANSPORT_RELP_TLS };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, transport_name(all[i])) == 0)
			return (int)all[i];
	return -1;
}

static const char *
conf_transport_name(int v)
{
	return transport_name((enum transport)v);
}

/* verify = none | peer | name | fingerprint */
static int
conf_verify_parse(const char *s)
{
	static const enum tls_verify all[] = { TLS_VERIFY_NONE, TLS_VERIFY_PEER,
		TLS_VERIFY_NAME, TLS_VERIFY_FINGERPRINT };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, tls_verify_name(all[i])) == 0)
			return (int)all[i];
	return -1;
}

static const char *
conf_verify_name(int v)
{
	return tls_verify_name((enum tls_verify)v);
}

/* format = standard | slack | alertmanager | alertmanager-webhook | teams (webhook.h) */
static int
conf_format_parse(const char *s)
{
	enum webhook_format f;

	return webhook_format_parse(s, &f) == 0 ? (int)f : -1;
}

static const char *
conf_format_name(int v)
{
	return webhook_format_name((enum webhook_format)v);
}

/* min_severity = low | medium | high | critical: 1..4; unset is 0 */
static int
conf_severity_parse(const char *s)
{
	return webhook_severity_parse(s);
}

/* compress = yes | zstd | gzip | no: yes is zstd */
static int
conf_compress_parse(const char *s)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "zstd") == 0)
		return COMPRESS_ZSTD;
	if (strcmp(s, "gzip") == 0)
		return COMPRESS_GZIP;
	return strcmp(s, "no") == 0 ? COMPRESS_NONE : -1;
}

static const char *
conf_compress_name(int v)
{
	return v == COMPRESS_NONE ? "no" : compress_format_name((enum compress_format)v);
}

static const struct conf_keywords conf_transports = { "udp, tcp, tls, relp or relp-tls",
	conf_transport_parse, conf_transport_name };
static const struct conf_keywords conf_verifies = { "none, peer, name or fingerprint",
	conf_verify_parse, conf_verify_name };
static const struct conf_keywords conf_formats = {
	"standard, slack, alertmanager, alertmanager-webhook or teams",
	conf_format_parse, conf_format_name };
static const struct conf_keywords conf_severities = { "low, medium, high or critical",
	conf_severity_parse, webhook_severity_name };
static const struct conf_keywords conf_compressions = { "yes, zstd, gzip or no",
	conf_compress_parse, conf_compress_name };

#define IN struct input_conf
#define TLS_ONLY .transports = CONF_TLS_TRANSPORTS
/* clang-format off */
static const struct conf_option conf_input_options[] = {
	{ .name = "transport", .kind = CONF_KEYWORD, .offset = offsetof(IN, transport),
	  .keywords = &conf_transports, .flags = CONF_F_NODEFAULT },
	{ .name = "address", .kind = CONF_ADDRESS, .offset = offsetof(IN, address),
	  .aux = offsetof(IN, host), .aux2 = offsetof(IN, port), .flags = CONF_F_NODEFAULT },
	{ CONF_NUMBER_ROW(IN, max_message_size, "max_message_size", 64, 16777216, 65536) },
	{ CONF_NUMBER_ROW(IN, max_connections, "max_connections", 1, 1000000, 1000),
	  .transports = CONF_STREAM },
	{ CONF_NUMBER_ROW(IN, idle_timeout, "idle_timeout", 0, 86400, 600),
	  .transports = CONF_STREAM },
	{ CONF_NUMBER_ROW(IN, recv_buffer, "recv_buffer", 0, 268435456, 4194304),
	  .transports = CONF_TRANSPORT(TRANSPORT_UDP) },
	{ CONF_NUMBER_ROW(IN, max_connections_per_address, "max_connections_per_address",
	  0, 1000000, 0), .transports = CONF_STREAM },
	{ CONF_LIST_ROW(IN, allow, "allow") },
	{ CONF_NUMBER_ROW(IN, ratelimit_interval, "ratelimit_interval", 0, 86400, 0) },
	{ CONF_NUMBER_ROW(IN, ratelimit_burst, "ratelimit_burst", 1, 100000000, 10000) },
	{ CONF_STRING_ROW(IN, certificate, "certificate", CONF_PATH, NULL), TLS_ONLY },
	{ CONF_STRING_ROW(IN, key, "key", CONF_PATH, NULL), TLS_ONLY },
	{ CONF_STRING_ROW(IN, ca, "ca", CONF_PATH, NULL), TLS_ONLY },
	{ .name = "verify", .kind = CONF_KEYWORD, .offset = offsetof(IN, verify), .text = "peer",
	  .keywords = &conf_verifies, TLS_ONLY },
	{ CONF_LIST_ROW(IN, permitted_peers, "permitted_peers"), TLS_ONLY },
	{ CONF_LIST_ROW(IN, fingerprints, "fingerprints"), TLS_ONLY },
	{ CONF_NUMBER_ROW(IN, handshake_timeout, "handshake_timeout", 1, 3600, 10), TLS_ONLY },
	/* unset: the top-level timezone (conf.c) */
	{ CONF_STRING_ROW(IN, timezone, "timezone", CONF_ZONE, NULL) },
	CONF_END
};
/* clang-format on */
#undef IN

static const char *const conf_input_dump_first[] = { "transport", "address",
	"max_message_size", "max_connections", "max_connections_per_address", NULL };

static const struct conf_section conf_input = {
	.name = "input",
	.options = conf_input_options,
	.flags = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES,
	.dump_first = conf_input_dump_first,
	.array = offsetof(struct conf, inputs),
	.count = offsetof(struct conf, n_inputs),
	.elem_size = sizeof(struct input_conf),
	.title = offsetof(struct input_conf, name),
	.line = offsetof(struct input_conf, line),
	.file = CONF_NONE,
};

#define WH struct webhook_conf
/* clang-format off */
static const struct conf_option conf_webhook_options[] = {
	{ CONF_STRING_ROW(WH, url, "url", CONF_PATH, NULL) },
	{ .name = "format", .kind = CONF_KEYWORD, .offset = offsetof(WH, format),
	  .text = "standard", .keywords = &conf_formats },
	{ CONF_STRING_ROW(WH, secret_file, "secret_file", CONF_PATH, NULL) },
	{ CONF_STRING_ROW(WH, ca_file, "ca_file", CONF_PATH, NULL) },
	{ CONF_NUMBER_ROW(WH, timeout, "timeout", 1, 600, 15) },
	{ .name = "min_severity", .kind = CONF_KEYWORD, .offset = offsetof(WH, min_severity),
	  .keywords = &conf_severities, .flags = CONF_F_NODEFAULT | CONF_F_IF_SET },
	{ CONF_LIST_ROW(WH, headers, "headers") },
	{ .name = "retry_min", .kind = CONF_FLOAT, .offset = offsetof(WH, retry_min), .real = 5.0 },
	{ .name = "retry_max", .kind = CONF_FLOAT, .offset = offsetof(WH, retry_max), .real = 600.0 },
	/* unset: the top-level storm_window (conf.c) */
	{ CONF_NUMBER_ROW(WH, storm_window, "storm_window", 0, 86400, 300),
	  .flags = CONF_F_NODEFAULT },
	CONF_END
};
/* clang-format on */
#undef WH

static const struct conf_section conf_webhook = {
	.name = "webhook",
	.options = conf_webhook_options,
	.flags = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES,
	.array = offsetof(struct conf, webhooks),
	.count = offsetof(struct conf, n_webhooks),
	.elem_size = sizeof(struct webhook_conf),
	.title = offsetof(struct webhook_conf, name),
	.line = offsetof(struct webhook_conf, line),
	.file = offsetof(struct webhook_conf, file),
};

static const char *
conf_kafka_key_name(int v)
{
	return kafka_key_name((enum kafka_key)v);
}

static const struct conf_keywords conf_kafka_keys = { "host, source or none", kafka_key_parse,
	conf_kafka_key_name };

#define KS struct kafka_settings
/* clang-format off */
static const struct conf_option conf_kafka_options[] = {
	{ CONF_STRING_ROW(KS, brokers, "brokers", CONF_STRING, NULL) },
	{ CONF_STRING_ROW(KS, topic, "topic", CONF_STRING, NULL) },
	{ CONF_STRING_ROW(KS, alerts_topic, "alerts_topic", CONF_STRING, NULL) },
	{ .name = "key", .kind = CONF_KEYWORD, .offset = offsetof(KS, key), .text = "host",
	  .keywords = &conf_kafka_keys },
	{ CONF_STRING_ROW(KS, compression, "compression", CONF_STRING, "lz4") },
	{ CONF_NUMBER_ROW(KS, queue_max_messages, "queue_max_messages", 1, 10000000, 100000) },
	{ CONF_NUMBER_ROW(KS, queue_max_kbytes, "queue_max_kbytes", 1, 2147483647, 65536) },
	{ CONF_NUMBER_ROW(KS, max_spool_bytes, "max_spool_bytes", 4096, 1099511627776, 67108864) },
	{ CONF_NUMBER_ROW(KS, flush_timeout, "flush_timeout", 0, 600, 3) },
	/* secret values (passwords, keys) dump as "name=(redacted)" */
	{ CONF_LIST_ROW(KS, properties, "properties"), .secret = kafka_property_secret },
	CONF_END
};
/* clang-format on */
#undef KS

/* One producer per logward: kafka_conf_check refuses a second block. */
static const struct conf_section conf_kafka = {
	.name = "kafka",
	.options = conf_kafka_options,
	.flags = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES,
	.array = offsetof(struct conf, kafka),
	.count = offsetof(struct conf, n_kafka),
	.elem_size = sizeof(struct kafka_settings),
	.title = offsetof(struct kafka_settings, name),
	.line = offsetof(struct kafka_settings, line),
	.file = offsetof(struct kafka_settings, file),
};

/* The blocks given once write into struct conf itself. */
#define C struct conf
/* clang-format off */
static const struct conf_option conf_archive_options[] = {
	{ CONF_STRING_ROW(C, archive_path, "path", CONF_PATH, CONF_DEFAULT_ARCHIVE) },
	/* retention (retention.h); the template must be dated: conf.c */
	{ CONF_NUMBER_ROW(C, archive_keep_days, "keep_days", 0, RETENTION_MAX_KEEP_DAYS, 0) },
	{ .name = "compress", .kind = CONF_KEYWORD, .offset = offsetof(C, archive_compress),
	  .text = "no", .keywords = &conf_compressions },
	CONF_END
};
/* without the block: alerts.jsonl next to the archive (conf.c) */
static const struct conf_option conf_alerts_options[] = {
	{ CONF_STRING_ROW(C, alerts_path, "path", CONF_PATH, NULL) },
	{ CONF_NUMBER_ROW(C, merge_window, "merge_window", 0, 60, CONF_MERGE_WINDOW_DEFAULT) },
	{ CONF_NUMBER_ROW(C, merge_max, "merge_max", 1, 1000000, 4096) },
	CONF_END
};
static const struct conf_option conf_metrics_options[] = {
	{ .name = "address", .kind = CONF_ADDRESS, .offset = offsetof(C, metrics_address),
	  .aux = offsetof(C, metrics_host), .aux2 = offsetof(C, metrics_port),
	  .flags = CONF_F_NODEFAULT },
	CONF_END
};
static const struct conf_option conf_correlate_options[] = {
	{ CONF_NUMBER_ROW(C, correlate.window, "window", 1, 31536000, 3600) },
	{ CONF_NUMBER_ROW(C, correlate.session_window, "session_window", 1, 86400, 300) },
	/* unset: the alerts file's directory (conf.c); "" is memory only */
	{ CONF_STRING_ROW(C, correlate.state_dir, "state_dir", CONF_STRING, NULL) },
	{ CONF_NUMBER_ROW(C, correlate.max_entries, "max_entries", 16, 10000000, 10000) },
	{ CONF_STRING_ROW(C, correlate.baseline, "baseline", CONF_PATH, NULL) },
	{ CONF_NUMBER_ROW(C, correlate.threshold, "threshold", 0, 1000000, 0) },
	{ CONF_BOOL_ROW(C, correlate.alert_on_unknown, "alert_on_unknown"),
	  .flags = CONF_F_REPEATABLE },
	CONF_END
};
/* clang-format on */

static const struct conf_section conf_archive = { .name = "archive",
	.options = conf_archive_options, .flags = CFGF_MULTI };
static const struct conf_section conf_alerts = { .name = "alerts",
	.options = conf_alerts_options, .flags = CFGF_MULTI };
static const struct conf_section conf_metrics = { .name = "metrics",
	.options = conf_metrics_options, .flags = CFGF_MULTI };
static const struct conf_section conf_correlate = { .name = "correlate",
	.options = conf_correlate_options, .flags = CFGF_MULTI };

#define SECTION(key, s, f) { .name = key, .kind = CONF_SECTION, .section = &s, .flags = f }
/* clang-format off */
static const struct conf_option conf_root_options[] = {
	SECTION("input", conf_input, 0),
	{ CONF_STRING_ROW(C, rules, "rules", CONF_PATH, CONF_DEFAULT_RULES) },
	{ CONF_STRING_ROW(C, sigma, "sigma", CONF_PATH, NULL) },
	SECTION("archive", conf_archive, 0),
	SECTION("alerts", conf_alerts, 0),
	{ CONF_NUMBER_ROW(C, workers, "workers", 0, 256, 0) },
	{ CONF_NUMBER_ROW(C, queue_batches, "queue_batches", 2, 65536, 64) },
	{ CONF_NUMBER_ROW(C, queue_wait, "queue_wait", 0, 1000, 5) },
	{ CONF_NUMBER_ROW(C, stats_interval, "stats_interval", 0, 86400, 300) },
	SECTION("metrics", conf_metrics, CONF_F_IF_SET),
	SECTION("correlate", conf_correlate, 0),
	SECTION("webhook", conf_webhook, 0),
	{ CONF_STRING_ROW(C, spool_dir, "spool", CONF_PATH, CONF_DEFAULT_SPOOL) },
	{ CONF_NUMBER_ROW(C, max_spool_bytes, "max_spool_bytes", 4096, 1099511627776, 1073741824) },
	{ CONF_STRING_ROW(C, user, "user", CONF_ACCOUNT, NULL) },
	{ CONF_STRING_ROW(C, group, "group", CONF_ACCOUNT, NULL) },
	{ CONF_BOOL_ROW(C, run_as_root, "run_as_root") },
	{ CONF_NUMBER_ROW(C, storm_window, "storm_window", 0, 86400, 300) },
	SECTION("kafka", conf_kafka, 0),
	{ CONF_STRING_ROW(C, timezone, "timezone", CONF_ZONE, NULL) },
	{ .name = "include", .kind = CONF_FUNC },
	CONF_END
};
/* clang-format on */
#undef C

static const char *const conf_root_dump_first[] = { "input", "rules", "archive", "alerts",
	"workers", "queue_batches", "stats_interval", "spool", "max_spool_bytes", "storm_window",
	"webhook", "metrics", "correlate", NULL };

const struct conf_section conf_root = {
	.name = "root",
	.options = conf_root_options,
	.dump_first = conf_root_dump_first,
};

const struct conf_option *
conf_table_find(const struct conf_option *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

const struct conf_section *
conf_section_find(const char *name)
{
	const struct conf_option *o;

	if (strcmp(name, conf_root.name) == 0)
		return &conf_root;
	for (o = conf_root.options; o->name != NULL; o++)
		if (o->kind == CONF_SECTION && strcmp(o->section->name, name) == 0)
			return o->section;
	return NULL;
}

const struct conf_option *
conf_option_find(const char *section, const char *name)
{
	const struct conf_section *s = conf_section_find(section);

	return s != NULL ? conf_table_find(s->options, name) : NULL;
}
