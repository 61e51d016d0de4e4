/*
 * tls.h: the server side of RFC 5425 (syslog over TLS) for a TCP input:
 * an OpenSSL context made from the input's certificate, key and ca, and
 * the client authentication modes rsyslog users know:
 *
 *   verify = none         no client certificate asked for (rsyslog "anon")
 *   verify = peer         a certificate that chains to ca  ("x509/certvalid")
 *   verify = name         ... whose SAN DNS names, else CN, match one of
 *                         permitted_peers                    ("x509/name")
 *   verify = fingerprint  a certificate whose SHA-256 is one of
 *                         fingerprints; ca is not needed     ("x509/fingerprint")
 *
 * Only TLS 1.2 and 1.3; no compression, renegotiation, session resumption
 * or tickets (a syslog connection is long-lived, and a resumed session
 * would skip the checks above).  The checks run inside the handshake, so
 * a refused client gets a TLS alert, not data into the void.
 */
#ifndef LOGWARD_TLS_H
#define LOGWARD_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct input_conf;
struct peer_tls;
struct tls_server;
typedef struct ssl_st SSL;

#define TLS_SHA256_LEN 32

/* Why a handshake failed, for the counters and the log summary. */
enum tls_failure {
	TLS_FAIL_PROTOCOL,	/* not TLS, an old version, no shared cipher, ... */
	TLS_FAIL_UNTRUSTED,	/* no certificate, or one that does not chain to ca */
	TLS_FAIL_NAME,		/* verify = name: no name in permitted_peers */
	TLS_FAIL_FINGERPRINT,	/* verify = fingerprint: not in fingerprints */
	TLS_FAIL_TIMEOUT,	/* not done within handshake_timeout */
	TLS_FAIL_COUNT
};

/* What our checks decided about a handshake; detail is static text or NULL. */
struct tls_verdict {
	enum tls_failure reason;
	const char *detail;
};

/* "protocol", "untrusted", "name", "fingerprint", "timeout". */
const char *tls_failure_name(enum tls_failure f);

/*
 * Load ic's certificate, key and ca (read now: call before dropping
 * privileges, or as a user that may read them).  NULL with err set
 * ("input NAME: certificate FILE: why").  Caller frees with tls_server_free.
 */
struct tls_server *tls_server_new(const struct input_conf *ic, char *err, size_t errlen);
/*
 * One more holder of s: a connection whose handshake checks read s's
 * policy, which must outlive the listener's own reference when a reload
 * replaces it.  Each hold is ended by a tls_server_free; s is freed at
 * the last.  One thread (the intake loop).
 */
struct tls_server *tls_server_hold(struct tls_server *s);
void tls_server_free(struct tls_server *s);	/* drops one hold; NULL is fine */

/*
 * A new server-side SSL for one connection, or NULL.  When the handshake
 * fails because of a certificate check, *verdict says which (it must
 * outlive the SSL); it is left alone otherwise.  It reads ahead: one read
 * of the socket takes what its buffer (about a record) holds, the start
 * of the next record too, so bytes may wait in OpenSSL with the socket
 * empty: the caller reads while SSL_has_pending(), not only while
 * SSL_pending().
 */
SSL *tls_server_ssl_new(struct tls_server *s, struct tls_verdict *verdict);

/*
 * After a successful handshake: what the sender showed, with one
 * reference for the caller (peer_tls_release), or NULL when out of memory.
 */
struct peer_tls *tls_peer_info(SSL *ssl);

/*
 * Does name match pattern?  Case-insensitive, label by label, the same
 * number of labels; a label "*" matches any one label and "ab*" / "*ab"
 * match labels that start / end so.  A trailing dot is ignored on both.
 */
bool tls_name_match(const char *pattern, const char *name);

/*
 * Parse "sha256:AB:CD:..." (64 hex digits, colons between pairs optional,
 * any case; the "sha256:" prefix is required).  Returns NULL, or what is
 * wrong (static text).
 */
const char *tls_fingerprint_parse(const char *s, unsigned char out[TLS_SHA256_LEN]);

/* Is this a name permitted_peers may hold (DNS characters and '*')? */
bool tls_peer_pattern_valid(const char *s);

#endif
