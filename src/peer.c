/*
 * peer.c: the sender of a message (peer.h).
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

void
peer_addr_from_sockaddr(struct peer_addr *pa, const struct sockaddr *sa)
{
	memset(pa, 0, sizeof(*pa));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		pa->family = AF_INET;
		pa->port = ntohs(sin->sin_port);
		memcpy(pa->addr, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		pa->port = ntohs(sin6->sin6_port);
		/*
		 * An IPv4 sender on a dual-stack [::] socket arrives mapped
		 * (RFC 4291 2.5.5.2, ::ffff:a.b.c.d): it is that IPv4 address,
		 * in source.ip, allow lists and per-address limits alike.
		 */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			pa->family = AF_INET;
			memcpy(pa->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			pa->family = AF_INET6;
			memcpy(pa->addr, &sin6->sin6_addr, 16);
		}
	}
}

void
peer_tls_hold(struct peer_tls *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

void
peer_tls_release(struct peer_tls *t)
{
	if (t != NULL && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		free(t);
}
