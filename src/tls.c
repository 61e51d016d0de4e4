/*
 * tls.c: OpenSSL server contexts and client certificate checks for TLS
 * inputs (tls.h).  listen_tcp.c wraps each accepted socket with the SSL
 * made here (libevent's bufferevent_openssl); nothing else of OpenSSL
 * leaks out of this file.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "peer.h"
#include "tls.h"

/* Longest subject kept for the event; a longer one is cut. */
#define TLS_SUBJECT_MAX 1024
/* Longest DNS name looked at (RFC 1035: 253 characters). */
#define TLS_NAME_MAX 256

struct tls_server {
	unsigned refs;			/* the listener's and each connection's (intake loop only) */
	SSL_CTX *ctx;
	enum tls_verify verify;
	char **peers;			/* owned copies of permitted_peers */
	size_t n_peers;
	unsigned char (*fingerprints)[TLS_SHA256_LEN];	/* owned */
	size_t n_fingerprints;
};

const char *
tls_failure_name(enum tls_failure f)
{
	switch (f) {
	case TLS_FAIL_PROTOCOL:
		return "protocol";
	case TLS_FAIL_UNTRUSTED:
		return "untrusted";
	case TLS_FAIL_NAME:
		return "name";
	case TLS_FAIL_FINGERPRINT:
		return "fingerprint";
	case TLS_FAIL_TIMEOUT:
		return "timeout";
	case TLS_FAIL_COUNT:
		break;
	}
	return "unknown";
}

/* Compare one label with one pattern label: "*", "ab*", "*ab" or literal. */
static bool
tls_label_match(const char *p, size_t plen, const char *n, size_t nlen)
{
	if (nlen == 0)
		return false;
	if (plen == 1 && p[0] == '*')
		return true;
	if (plen > 0 && p[plen - 1] == '*')
		return nlen >= plen - 1 && strncasecmp(p, n, plen - 1) == 0;
	if (plen > 0 && p[0] == '*')
		return nlen >= plen - 1 && strncasecmp(p + 1, n + nlen - (plen - 1), plen - 1) == 0;
	return plen == nlen && strncasecmp(p, n, plen) == 0;
}

bool
tls_name_match(const char *pattern, const char *name)
{
	size_t plen = strlen(pattern), nlen = strlen(name), pl, nl;
	const char *pdot, *ndot;

	if (plen > 0 && pattern[plen - 1] == '.')
		plen--;
	if (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	if (plen == 0 || nlen == 0)
		return false;
	for (;;) {
		pdot = memchr(pattern, '.', plen);
		ndot = memchr(name, '.', nlen);
		pl = pdot != NULL ? (size_t)(pdot - pattern) : plen;
		nl = ndot != NULL ? (size_t)(ndot - name) : nlen;
		if (!tls_label_match(pattern, pl, name, nl))
			return false;
		if (pdot == NULL || ndot == NULL)
			return pdot == NULL && ndot == NULL;
		pattern += pl + 1;
		plen -= pl + 1;
		name += nl + 1;
		nlen -= nl + 1;
	}
}

bool
tls_peer_pattern_valid(const char *s)
{
	size_t len = strlen(s), i, label_start = 0, stars = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			/* "*", "ab*" or "*ab": one star, at an end of the label */
			if (stars > 1 || (stars == 1 && s[label_start] != '*' && s[i - 1] != '*'))
				return false;
			if (i == label_start && c == '.')
				return false;
			label_start = i + 1;
			stars = 0;
			continue;
		}
		if (c == '*')
			stars++;
		else if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return false;
	}
	return true;
}

const char *
tls_fingerprint_parse(const char *s, unsigned char out[TLS_SHA256_LEN])
{
	size_t n = 0;
	int hi, lo;

	if (strncasecmp(s, "sha256:", 7) != 0)
		return "does not start with sha256:";
	s += 7;
	while (*s != '\0') {
		if (n == TLS_SHA256_LEN)
			return "is longer than 32 bytes";
		if ((hi = OPENSSL_hexchar2int((unsigned char)s[0])) < 0 ||
		    (lo = OPENSSL_hexchar2int((unsigned char)s[1])) < 0)
			return "is not hex digit pairs";
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (*s == ':' && s[1] != '\0')
			s++;
	}
	if (n != TLS_SHA256_LEN)
		return "is shorter than 32 bytes";
	return NULL;
}

/* The last OpenSSL error as text into buf. */
static const char *
tls_error_text(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* A DNS name from a certificate, NUL-terminated into buf; false if it holds a NUL or is too long. */
static bool
tls_asn1_name(const ASN1_STRING *a, char *buf, size_t len)
{
	int n = ASN1_STRING_length(a);
	const unsigned char *d = ASN1_STRING_get0_data(a);

	if (n <= 0 || (size_t)n >= len || memchr(d, '\0', (size_t)n) != NULL)
		return false;
	memcpy(buf, d, (size_t)n);
	buf[n] = '\0';
	return true;
}

static bool
tls_name_permitted(const struct tls_server *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_peers; i++)
		if (tls_name_match(s->peers[i], name))
			return true;
	return false;
}

/* verify = name: SAN DNS names first, then the CN (as rsyslog does). */
static bool
tls_cert_name_ok(const struct tls_server *s, X509 *cert)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	X509_NAME *subject = X509_get_subject_name(cert);
	char name[TLS_NAME_MAX];
	bool ok = false;
	int i;

	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans) && !ok; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_DNS && tls_asn1_name(gn->d.dNSName, name, sizeof(name)))
			ok = tls_name_permitted(s, name);
	}
	GENERAL_NAMES_free(sans);
	for (i = -1; !ok && subject != NULL;) {
		i = X509_NAME_get_index_by_NID(subject, NID_commonName, i);
		if (i < 0)
			break;
		if (tls_asn1_name(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)), name,
		    sizeof(name)))
			ok = tls_name_permitted(s, name);
	}
	return ok;
}

static bool
tls_cert_fingerprint_ok(const struct tls_server *s, X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t i;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != TLS_SHA256_LEN)
		return false;
	for (i = 0; i < s->n_fingerprints; i++)
		if (CRYPTO_memcmp(md, s->fingerprints[i], TLS_SHA256_LEN) == 0)
			return true;
	return false;
}

/* Record why we refuse and refuse. */
static int
tls_refuse(struct tls_verdict *v, enum tls_failure reason, const char *detail)
{
	if (v != NULL) {
		v->reason = reason;
		v->detail = detail;
	}
	return 0;
}

/*
 * OpenSSL's verify callback, called for each certificate of the client's
 * chain (depth 0 is the client's own).  preverify_ok is OpenSSL's verdict
 * on the chain against ca.
 */
static int
tls_verifycb(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_server *s = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct tls_verdict *v = SSL_get_app_data(ssl);
	X509 *cert = X509_STORE_CTX_get_current_cert(store);
	int depth = X509_STORE_CTX_get_error_depth(store);

	if (s->verify == TLS_VERIFY_FINGERPRINT) {
		/* the fingerprint is the trust anchor: the chain is not judged */
		if (depth > 0)
			return 1;
		if (cert != NULL && tls_cert_fingerprint_ok(s, cert))
			return 1;
		return tls_refuse(v, TLS_FAIL_FINGERPRINT, "certificate fingerprint not in fingerprints");
	}
	if (!preverify_ok)
		return tls_refuse(v, TLS_FAIL_UNTRUSTED,
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
	if (depth > 0 || s->verify != TLS_VERIFY_NAME)
		return 1;
	if (cert != NULL && tls_cert_name_ok(s, cert))
		return 1;
	return tls_refuse(v, TLS_FAIL_NAME, "certificate names not in permitted_peers");
}

/* Copy the policy lists of ic into s. */
static int
tls_server_take_policy(struct tls_server *s, const struct input_conf *ic, char *err,
    size_t errlen)
{
	const char *why;
	size_t i;

	s->verify = ic->verify;
	if (ic->n_permitted_peers > 0 &&
	    (s->peers = calloc(ic->n_permitted_peers, sizeof(*s->peers))) == NULL)
		goto oom;
	for (i = 0; i < ic->n_permitted_peers; i++) {
		if ((s->peers[i] = strdup(ic->permitted_peers[i])) == NULL)
			goto oom;
		s->n_peers++;
	}
	if (ic->n_fingerprints > 0 &&
	    (s->fingerprints = calloc(ic->n_fingerprints, sizeof(*s->fingerprints))) == NULL)
		goto oom;
	for (i = 0; i < ic->n_fingerprints; i++) {
		if ((why = tls_fingerprint_parse(ic->fingerprints[i], s->fingerprints[i])) != NULL) {
			snprintf(err, errlen, "input %s: fingerprint \"%s\" %s", ic->name,
			    ic->fingerprints[i], why);
			return -1;
		}
		s->n_fingerprints++;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Certificate, key and CA into the context; -1 with err set. */
static int
tls_server_load_files(struct tls_server *s, const struct input_conf *ic, char *err,
    size_t errlen)
{
	STACK_OF(X509_NAME) *names;
	char e[256];

	if (SSL_CTX_use_certificate_chain_file(s->ctx, ic->certificate) != 1) {
		snprintf(err, errlen, "input %s: certificate %s: %s", ic->name, ic->certificate,
		    tls_error_text(e, sizeof(e)));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(s->ctx, ic->key, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "input %s: key %s: %s", ic->name, ic->key,
		    tls_error_text(e, sizeof(e)));
		return -1;
	}
	if (SSL_CTX_check_private_key(s->ctx) != 1) {
		snprintf(err, errlen, "input %s: key %s does not belong to certificate %s",
		    ic->name, ic->key, ic->certificate);
		ERR_clear_error();
		return -1;
	}
	if (ic->ca == NULL)
		return 0;
	if (SSL_CTX_load_verify_locations(s->ctx, ic->ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ic->ca)) == NULL) {
		snprintf(err, errlen, "input %s: ca %s: %s", ic->name, ic->ca,
		    tls_error_text(e, sizeof(e)));
		return -1;
	}
	/* tells clients which certificate to present */
	SSL_CTX_set_client_CA_list(s->ctx, names);
	return 0;
}

struct tls_server *
tls_server_new(const struct input_conf *ic, char *err, size_t errlen)
{
	struct tls_server *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->refs = 1;
	if (tls_server_take_policy(s, ic, err, errlen) == -1)
		goto fail;
	if ((s->ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "input %s: cannot create a TLS context", ic->name);
		goto fail;
	}
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(s->ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(s->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(s->ctx, 0);
	SSL_CTX_set_app_data(s->ctx, s);
	/*
	 * Read ahead: one read() a record (and the start of the next), not
	 * two (its 5-byte header, then its body).  The buffer stays OpenSSL's
	 * default, about one record: no more memory a connection.
	 */
	SSL_CTX_set_read_ahead(s->ctx, 1);
	if (tls_server_load_files(s, ic, err, errlen) == -1)
		goto fail;
	if (s->verify == TLS_VERIFY_NONE)
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, NULL);
	else
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		    tls_verifycb);
	return s;
fail:
	tls_server_free(s);
	return NULL;
}

struct tls_server *
tls_server_hold(struct tls_server *s)
{
	s->refs++;
	return s;
}

void
tls_server_free(struct tls_server *s)
{
	size_t i;

	if (s == NULL || --s->refs > 0)
		return;
	SSL_CTX_free(s->ctx);
	for (i = 0; i < s->n_peers; i++)
		free(s->peers[i]);
	free(s->peers);
	free(s->fingerprints);
	free(s);
}

SSL *
tls_server_ssl_new(struct tls_server *s, struct tls_verdict *verdict)
{
	SSL *ssl = SSL_new(s->ctx);

	if (ssl != NULL)
		SSL_set_app_data(ssl, verdict);
	return ssl;
}

/* RFC 2253 text of cert's subject into buf (cut at len - 1). */
static size_t
tls_subject_text(X509 *cert, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	buf[0] = '\0';
	if (bio == NULL)
		return 0;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(bio);
		return 0;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n < 0)
		n = 0;
	if ((size_t)n >= len)
		n = (long)len - 1;
	memcpy(buf, data, (size_t)n);
	buf[n] = '\0';
	BIO_free(bio);
	return (size_t)n;
}

struct peer_tls *
tls_peer_info(SSL *ssl)
{
	static const char hex[] = "0123456789ABCDEF";
	char subject[TLS_SUBJECT_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	struct peer_tls *t;
	size_t slen = 0;
	X509 *cert;

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	cert = SSL_get1_peer_certificate(ssl);
#else
	cert = SSL_get_peer_certificate(ssl);
#endif
	subject[0] = '\0';
	if (cert != NULL)
		slen = tls_subject_text(cert, subject, sizeof(subject));
	if ((t = calloc(1, sizeof(*t) + slen + 1)) == NULL) {
		X509_free(cert);
		return NULL;
	}
	atomic_init(&t->refs, 1);
	t->version = SSL_version(ssl) == TLS1_3_VERSION ? "1.3" : "1.2";
	t->cipher = SSL_get_cipher_name(ssl);
	memcpy(t->subject, subject, slen + 1);
	if (cert != NULL && X509_digest(cert, EVP_sha256(), md, &n) == 1 &&
	    n == TLS_SHA256_LEN) {
		for (i = 0; i < n; i++) {
			t->sha256[2 * i] = hex[md[i] >> 4];
			t->sha256[2 * i + 1] = hex[md[i] & 15];
		}
		t->sha256[2 * n] = '\0';
	}
	X509_free(cert);
	return t;
}
