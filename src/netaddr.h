/*
 * netaddr.h: the listening sockets of an input, shared by the UDP and TCP
 * listeners: resolve the configured address (a wildcard gives one socket
 * per address family) and bind each result.
 */
#ifndef LOGWARD_NETADDR_H
#define LOGWARD_NETADDR_H

#include <stddef.h>

struct addrinfo;
struct input_conf;
struct peer_addr;

/*
 * Resolve ic's address for socktype (SOCK_DGRAM or SOCK_STREAM).  Returns
 * the number of results with *res set (caller frees with freeaddrinfo), or
 * -1 with err set.
 */
int netaddr_resolve(const struct input_conf *ic, int socktype, struct addrinfo **res,
    char *err, size_t errlen);

#define NETADDR_SKIPPED (-2)

/*
 * A non-blocking, close-on-exec socket for ai, with SO_REUSEADDR, bound to
 * ai's address.  An IPv6 socket is dual-stack (IPv4 senders reach it too)
 * unless the input's address is "*", whose IPv4 wildcard has its own
 * socket.  Returns the descriptor, -1 with err set, or NETADDR_SKIPPED
 * (logged) for the IPv6 socket of "*" on a kernel without IPv6.
 */
int netaddr_bind(const struct input_conf *ic, const struct addrinfo *ai, char *err,
    size_t errlen);

/* "192.0.2.1" / "2001:db8::1" into buf (at least 46 bytes); "?" when unknown. */
const char *netaddr_peer_text(const struct peer_addr *pa, char *buf, size_t len);

#endif
