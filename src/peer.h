/*
 * peer.h: who sent a message: its address in compact form (one per
 * message in a batch) and what a TLS sender showed in its handshake.
 * Used from intake (listen_*.c, acl.c, tls.c, peer_table.c) to the event
 * (event.c) without the pipeline between them.
 */
#ifndef LOGWARD_PEER_H
#define LOGWARD_PEER_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

/* A peer address in compact form (the batch stores one per message). */
struct peer_addr {
	uint8_t family;            /* AF_INET, AF_INET6, or 0 when unknown */
	uint16_t port;             /* host order */
	uint8_t addr[16];
};

void peer_addr_from_sockaddr(struct peer_addr *pa, const struct sockaddr *sa);

/*
 * What a TLS sender showed in its handshake (the event's tls.* fields).
 * Made once per connection by tls.c, immutable afterwards, and shared by
 * the connection and every message it sent that is still in a batch: each
 * holder has a reference, and the last peer_tls_release frees it (on
 * whichever thread that is).
 */
struct peer_tls {
	atomic_uint refs;
	const char *version;       /* "1.2" | "1.3"; static */
	const char *cipher;        /* OpenSSL's name; static */
	char sha256[65];           /* client certificate hash, upper-case hex; "" without one */
	char subject[];            /* RFC 2253 subject; "" without a client certificate */
};

void peer_tls_hold(struct peer_tls *t);
void peer_tls_release(struct peer_tls *t);	/* NULL is fine */

#endif
