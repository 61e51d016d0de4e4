/*
 * conf_input.c: the checks of an input block that span several options
 * (required keys, options of other transports, TLS verify modes, the same
 * address twice), and address parsing, shared with metrics { }.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "acl.h"
#include "cfgfile.h"
#include "conf_table.h"
#include "tls.h"

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
const char *
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

/* Input names become observer.ingress.interface.name: keep them to a safe alphabet. */
int
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

/* "[::]", whose socket takes IPv4 as well (netaddr_bind). */
static int
conf_dual_stack_any(const struct conf_address *a)
{
	struct in6_addr in6;

	return !a->any && inet_pton(AF_INET6, a->host, &in6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&in6);
}

/* Does a dual-stack "[::]" address take the IPv4 port that b binds? */
static int
conf_dual_stack_covers(const struct conf_address *a, const struct conf_address *b)
{
	struct in_addr in4;

	return conf_dual_stack_any(a) && a->port == b->port &&
	       (b->any || strcmp(b->host, "localhost") == 0 ||
		   inet_pton(AF_INET, b->host, &in4) == 1);
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
	int line = cfgfile_line_of(sec, key);

	return line > 0 ? line : cfgfile_first_line(sec);
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
			cfgfile_error_at(sec->filename, conf_list_line(sec, "allow"), sec,
			    "allow \"%s\" %s (expected \"ADDRESS\" or \"ADDRESS/PREFIX\", "
			    "IPv4 or IPv6)", v, why);
			return -1;
		}
	}
	for (i = 0; i < cfg_size(sec, "permitted_peers"); i++) {
		v = cfg_getnstr(sec, "permitted_peers", i);
		if (!tls_peer_pattern_valid(v)) {
			cfgfile_error_at(sec->filename, conf_list_line(sec, "permitted_peers"), sec,
			    "permitted_peers \"%s\" is invalid (expected a DNS name, where a "
			    "label may be \"*\" or start or end with \"*\")", v);
			return -1;
		}
	}
	for (i = 0; i < cfg_size(sec, "fingerprints"); i++) {
		v = cfg_getnstr(sec, "fingerprints", i);
		if ((why = tls_fingerprint_parse(v, fp)) != NULL) {
			cfgfile_error_at(sec->filename, conf_list_line(sec, "fingerprints"), sec,
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
	int first = cfgfile_first_line(sec);

	if (cfg_getstr(sec, "certificate") == NULL || cfg_getstr(sec, "key") == NULL) {
		cfgfile_error_at(sec->filename, first, sec,
		    "missing %s (expected certificate = \"/etc/logward/server.crt\" and "
		    "key = \"/etc/logward/server.key\")",
		    cfg_getstr(sec, "certificate") == NULL ? "certificate" : "key");
		return -1;
	}
	v = (enum tls_verify)conf_option_find("input", "verify")->keywords->parse(
	    cfg_getstr(sec, "verify"));
	if ((v == TLS_VERIFY_PEER || v == TLS_VERIFY_NAME) && cfg_getstr(sec, "ca") == NULL) {
		cfgfile_error_at(sec->filename, first, sec,
		    "verify = %s needs ca (expected ca = \"/etc/logward/ca.crt\", or verify = "
		    "none or fingerprint)", tls_verify_name(v));
		return -1;
	}
	if (v == TLS_VERIFY_NAME && cfg_size(sec, "permitted_peers") == 0) {
		cfgfile_error_at(sec->filename, first, sec,
		    "verify = name needs permitted_peers (expected permitted_peers = "
		    "{ \"*.example.net\" })");
		return -1;
	}
	if (v == TLS_VERIFY_FINGERPRINT && cfg_size(sec, "fingerprints") == 0) {
		cfgfile_error_at(sec->filename, first, sec,
		    "verify = fingerprint needs fingerprints (expected fingerprints = "
		    "{ \"sha256:AB:CD:...\" })");
		return -1;
	}
	if (v != TLS_VERIFY_NAME && cfg_size(sec, "permitted_peers") > 0) {
		cfgfile_error_at(sec->filename, conf_list_line(sec, "permitted_peers"), sec,
		    "permitted_peers applies to verify = name only (this input has verify = %s)",
		    tls_verify_name(v));
		return -1;
	}
	if (v != TLS_VERIFY_FINGERPRINT && cfg_size(sec, "fingerprints") > 0) {
		cfgfile_error_at(sec->filename, conf_list_line(sec, "fingerprints"), sec,
		    "fingerprints applies to verify = fingerprint only (this input has verify = %s)",
		    tls_verify_name(v));
		return -1;
	}
	return 0;
}

/*
 * The transports an option may be limited to (its row's .transports), in
 * the order they are checked, and how messages name them.  A row limited
 * to another set of transports needs a line here.
 */
static const struct {
	unsigned transports;
	const char *name;
} conf_transport_sets[] = {
	{ CONF_STREAM, "tcp, tls, relp and relp-tls" }, /* TLS and RELP inputs are TCP inputs */
	{ CONF_TLS_TRANSPORTS, "tls and relp-tls" },
	{ CONF_TRANSPORT(TRANSPORT_UDP), "udp" },
};

/* The transport a keyword names (conf_transportcb accepted it already). */
static enum transport
conf_transport_of(const char *word)
{
	return (enum transport)conf_option_find("input", "transport")->keywords->parse(word);
}

/* An option that only some transports use may not be set on the others. */
static int
conf_check_transport_keys(cfg_t *sec, const char *transport)
{
	const struct conf_option *r;
	unsigned mine = CONF_TRANSPORT(conf_transport_of(transport));
	size_t i;
	int line;

	for (i = 0; i < sizeof(conf_transport_sets) / sizeof(conf_transport_sets[0]); i++)
		for (r = conf_section_find("input")->options; r->name != NULL; r++) {
			if (r->transports != conf_transport_sets[i].transports ||
			    (r->transports & mine) != 0 || (line = cfgfile_line_of(sec, r->name)) == 0)
				continue;
			cfgfile_error_at(sec->filename, line, sec,
			    "%s applies to %s inputs only (this input is %s)", r->name,
			    conf_transport_sets[i].name, transport);
			return -1;
		}
	return 0;
}

/* Checks made when an input block closes: its name, required keys, transport fit. */
int
conf_check_input(cfg_opt_t *opt)
{
	cfg_t *sec = opt->values[opt->nvalues - 1]->section;
	const char *transport, *address;
	struct conf_address a, b;
	unsigned i;
	int first = cfgfile_first_line(sec);

	if (!conf_valid_name(sec->title)) {
		cfgfile_error_at(sec->filename, first, NULL,
		    "input name \"%s\" is invalid (expected 1..64 of "
		    "A-Z a-z 0-9 _ . -)",
		    sec->title ? sec->title : "");
		return -1;
	}
	transport = cfg_getstr(sec, "transport");
	address = cfg_getstr(sec, "address");
	if (transport == NULL) {
		cfgfile_error_at(sec->filename, first, sec,
		    "missing transport (expected transport = udp, tcp, tls, relp or relp-tls)");
		return -1;
	}
	if (address == NULL) {
		cfgfile_error_at(sec->filename, first, sec,
		    "missing address (expected address = \"host:port\")");
		return -1;
	}
	if (conf_check_transport_keys(sec, transport) != 0 || conf_check_lists(sec) != 0)
		return -1;
	if (transport_is_tls(conf_transport_of(transport)) && conf_check_tls(sec) != 0)
		return -1;
	if (conf_parse_address(address, &a) != NULL)
		return -1; /* conf_addresscb said why */
	for (i = 0; i + 1 < opt->nvalues; i++) {
		cfg_t *other = opt->values[i]->section;

		if (strcmp(conf_socket_kind(cfg_getstr(other, "transport")),
			conf_socket_kind(transport)) != 0 ||
		    conf_parse_address(cfg_getstr(other, "address"), &b) != NULL ||
		    (!conf_same_address(&a, &b) && !conf_dual_stack_covers(&a, &b) &&
			!conf_dual_stack_covers(&b, &a)))
			continue;
		cfgfile_error_at(sec->filename, cfgfile_line_of(sec, "address"), sec,
		    "%s address \"%s\" is already used by input \"%s\" (%s:%d)%s",
		    strcmp(transport, "udp") == 0 ? "udp" : "tcp", address, other->title,
		    other->filename, cfgfile_first_line(other),
		    conf_same_address(&a, &b) ? "" : ": [::] takes IPv4 senders as well");
		return -1;
	}
	return 0;
}

