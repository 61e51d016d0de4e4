/*
 * conf.h: the configuration file (libConfuse, nginx-like blocks).
 *
 *   input lan_udp { transport = udp  address = "0.0.0.0:514" }
 *   input lan_tcp { transport = tcp  address = "0.0.0.0:514"  max_message_size = 65536 }
 *   rules   = "/usr/share/logward/patterns"
 *   archive { path = "/var/log/logward/events-%Y%m%d.jsonl" }
 *   alerts  { path = "/var/log/logward/alerts.jsonl" }
 *   metrics { address = "127.0.0.1:9514" }
 *
 * Unknown keys, bad values and inconsistent settings are errors reported
 * as "file:line: message".  A struct conf is immutable once loaded.
 * Paths (rules, archive path, include files) are kept as written: relative
 * ones are relative to the working directory of whoever uses them.
 * The directives, their ranges and defaults are in logward.conf(5).
 */
#ifndef LOGWARD_CONF_H
#define LOGWARD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kafka_settings;
struct tz_zone;

/* The correlate { } block of the configuration (logward.conf(5)). */
struct correlate_settings {
	int64_t window;          /* seconds: creation to admin add / deletion */
	int64_t session_window;  /* seconds: a session before a creation names its actor */
	char *state_dir;         /* NULL or "": memory only */
	size_t max_entries;      /* facts kept; more are dropped and counted */
	char *baseline;          /* NULL: no baseline file */
	unsigned threshold;      /* admins per scope and group; 0: no threshold */
	bool alert_on_unknown;   /* alert on an admin add outside the baseline */
};

/* A webhook's body format (webhook.h builds each). */
/* alertmanager: POST /api/v2/alerts; alertmanager-webhook: its outgoing v4 message */
enum webhook_format {
	WEBHOOK_STANDARD,
	WEBHOOK_SLACK,
	WEBHOOK_ALERTMANAGER,
	WEBHOOK_TEAMS,
	WEBHOOK_ALERTMANAGER_WEBHOOK
};

enum transport { TRANSPORT_UDP, TRANSPORT_TCP, TRANSPORT_TLS, TRANSPORT_RELP, TRANSPORT_RELP_TLS };

/* Whether t is wrapped in TLS (tls, relp-tls): the TLS keys apply. */
bool transport_is_tls(enum transport t);

/* TLS client authentication (tls.h says what each checks). */
enum tls_verify { TLS_VERIFY_NONE, TLS_VERIFY_PEER, TLS_VERIFY_NAME, TLS_VERIFY_FINGERPRINT };

/*
 * One input block.  TLS inputs are TCP inputs (the same listener) whose
 * connections are wrapped in TLS: every "TCP" limit below applies to them.
 */
struct input_conf {
	char *name;              /* the block title: observer.ingress.interface.name */
	enum transport transport;
	char *address;           /* as written: "127.0.0.1:5514", "[::1]:5514", "*:514" */
	char *host;              /* parsed: "127.0.0.1", "::1"; NULL for any address */
	char *port;              /* parsed: "5514" */
	size_t max_message_size; /* bytes; longer frames are truncated and counted */
	unsigned max_connections; /* TCP: open connections; more are refused and counted */
	unsigned idle_timeout;    /* TCP: seconds without data before closing; 0 = never */
	size_t recv_buffer;       /* UDP: SO_RCVBUF bytes; 0 = kernel default */
	unsigned max_connections_per_address; /* TCP: 0 = no limit but max_connections */
	char **allow;             /* CIDRs as written (acl.h); none = everyone */
	size_t n_allow;
	unsigned ratelimit_interval; /* seconds; 0 = no rate limit */
	unsigned ratelimit_burst;    /* messages per interval and source address */
	/* TLS only */
	char *certificate;        /* PEM: server certificate (chain) */
	char *key;                /* PEM: its private key */
	char *ca;                 /* PEM: CAs that client certificates chain to; may be NULL */
	enum tls_verify verify;
	char **permitted_peers;   /* verify = name: name patterns */
	size_t n_permitted_peers;
	char **fingerprints;      /* verify = fingerprint: "sha256:..." as written */
	size_t n_fingerprints;
	unsigned handshake_timeout; /* seconds to finish the TLS handshake */
	char *timezone;           /* IANA name as written; NULL: the top-level timezone */
	/* the zone zone-less timestamps are read in: this input's, else the top-level
	 * one; NULL: the collector's TZ.  Not owned (tz_zone_get keeps it). */
	const struct tz_zone *zone;
	int line;                 /* where the block starts, for messages */
};

/* webhook NAME { ... }: where and how alerts are delivered (deliver.h). */
struct webhook_conf {
	char *name;               /* the block title; names the spool files */
	char *url;                /* http:// or https:// */
	enum webhook_format format;
	char *secret_file;        /* NULL: requests are not signed */
	char *ca_file;            /* NULL: the system's CA store */
	unsigned timeout;         /* seconds for a whole request */
	int min_severity;         /* 0: every alert; 1 low .. 4 critical */
	char **headers;           /* "Name: value" each */
	size_t n_headers;
	double retry_min;         /* seconds: first backoff step */
	double retry_max;         /* seconds: backoff cap */
	unsigned storm_window;    /* seconds; 0: every alert delivered on its own (storm.h) */
	char *file;               /* where the block is (an include, maybe), for messages */
	int line;
};

struct conf {
	char *path;               /* the file loaded */
	struct input_conf *inputs;
	size_t n_inputs;
	char *rules;              /* rulebase directory or file */
	/* where rules comes from, for messages: "FILE:LINE: rules" or "FILE: rules (the
	   default)"; NULL: --rules */
	char *rules_origin;
	char *sigma;              /* Sigma rules directory (a SigmaHQ checkout), or NULL */
	char *archive_path;       /* strftime template */
	unsigned archive_keep_days; /* archive { keep_days }: 0 = forever (retention.h) */
	int archive_compress;     /* archive { compress }: enum compress_format */
	char *alerts_path;        /* strftime template; default: alerts.jsonl next to the archive */
/*
 * Off by default: an alert held in a merge window is in memory only, so a
 * crash in the window would lose it (its event is archived, a RELP sender
 * already acknowledged), and missing an account creation is worse than two
 * chat messages for one.
 */
#define CONF_MERGE_WINDOW_DEFAULT 0
	unsigned merge_window;    /* alerts { merge_window }: seconds one incident's alerts wait (alert_merge.h); 0 = none */
	unsigned merge_max;       /* alerts { merge_max }: open incidents at most */
	unsigned workers;         /* 0 = one per core */
	unsigned queue_batches;   /* batches between intake and workers */
	unsigned queue_wait;      /* ms intake waits for a free batch before pausing its inputs */
	unsigned stats_interval;  /* seconds between counter summaries in the log; 0 = never */
	struct webhook_conf *webhooks;
	size_t n_webhooks;
	char *spool_dir;          /* the webhooks' spools and dead-letter files */
	uint64_t max_spool_bytes; /* bound of each webhook's spool file */
	unsigned storm_window;    /* default of the webhooks' storm_window */
	char *metrics_address;    /* metrics { address }: as written; NULL = no metrics server */
	char *metrics_host;       /* parsed: NULL for any address */
	char *metrics_port;       /* parsed: "9514" */
	struct correlate_settings correlate; /* correlate { }: strings owned */
	char *user;               /* run as this user once inputs and files are open; NULL = stay */
	char *group;              /* ... and group; NULL = the user's primary group */
	int run_as_root;          /* started as root without user: 1 = allowed, 0 = refuse */
	struct kafka_settings *kafka; /* kafka NAME { } (kafka_conf.h); NULL: none */
	size_t n_kafka;           /* 0 or 1: kafka_conf_check refuses a second block */
	char *timezone;           /* IANA name of inputs without their own; NULL: TZ */
};

/*
 * Parse and validate path.  Returns NULL with err set ("file:line: what was
 * expected"; "file: message" when the whole file is at fault) on any error.
 * Caller frees with conf_free.  Not reentrant: libConfuse's lexer is
 * process-wide, so load from one thread at a time (start-up, SIGHUP).
 */
struct conf *conf_load(const char *path, char *err, size_t errlen);
void conf_free(struct conf *c);		/* NULL is fine */

/*
 * Print the effective configuration, defaults included, in config syntax
 * (-T); conf_load reads it back to the same configuration.
 */
void conf_dump(const struct conf *c, FILE *fp);
/* True when a metrics block listens beyond loopback (any address, a name, or another IP). */
bool conf_metrics_exposed(const struct conf *c);

const char *transport_name(enum transport t);
const char *tls_verify_name(enum tls_verify v);

/* The correlate block's defaults, without state_dir and baseline (--test-rules --rules). */
void conf_correlate_defaults(struct correlate_settings *s);

/*
 * Whether a and b configure the same input: every field but the line it
 * is written on.  A reload keeps the sockets and connections of an input
 * for which this holds, and reopens one of the same name for which not.
 */
bool input_conf_same(const struct input_conf *a, const struct input_conf *b);

/*
 * Whether a and b deliver alerts the same way: the same webhooks in the
 * same order, every field alike, the same spool directory and bound.
 */
bool conf_webhooks_same(const struct conf *a, const struct conf *b);

#endif
