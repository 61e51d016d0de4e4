/*
 * netaddr.c: resolving and binding the addresses of inputs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "activation.h"
#include "conf.h"
#include "log.h"
#include "netaddr.h"
#include "peer.h"

int
netaddr_resolve(const struct input_conf *ic, int socktype, struct addrinfo **res,
    char *err, size_t errlen)
{
	struct addrinfo hints, *ai;
	int rc, n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(ic->host, ic->port, &hints, res);
	if (rc != 0) {
		snprintf(err, errlen, "input %s: address %s: %s", ic->name, ic->address,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = *res; ai != NULL; ai = ai->ai_next)
		n++;
	return n;
}

/*
 * A socket systemd passed keeps the IPV6_V6ONLY its unit gave it
 * (BindIPv6Only=); say when that is not what the input's address means,
 * since the senders of one family would then never reach it.
 */
static void
netaddr_check_passed_v6only(const struct input_conf *ic, int fd, int want)
{
	int have = 0;
	socklen_t len = sizeof(have);

	if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &have, &len) == -1 || !have == !want)
		return;
	if (have)
		log_warnx("input %s: the socket systemd passed for %s is IPv6-only "
			  "(BindIPv6Only=ipv6-only): IPv4 senders do not reach it; use "
			  "BindIPv6Only=both, or address \"*:%s\" with a 0.0.0.0 socket as well",
		    ic->name, ic->address, ic->port);
	else
		log_warnx("input %s: the socket systemd passed for %s also takes IPv4 "
			  "(BindIPv6Only=both): a 0.0.0.0 socket next to it cannot be used; use "
			  "BindIPv6Only=ipv6-only for address \"*:%s\"",
		    ic->name, ic->address, ic->port);
}

int
netaddr_bind(const struct input_conf *ic, const struct addrinfo *ai, char *err,
    size_t errlen)
{
	int fd, on = 1;
	/*
	 * "*" has a socket per family, so its IPv6 one must leave IPv4 to the
	 * 0.0.0.0 socket (else EADDRINUSE); an address of its own ("[::]")
	 * takes IPv4 as well, as most daemons' [::] does.  Senders it maps
	 * (::ffff:a.b.c.d) are plain IPv4 from peer_addr_from_sockaddr on.
	 */
	int v6only = ic->host == NULL;

	/* a socket systemd bound for us (logward.socket): no bind, no privilege */
	if ((fd = activation_take(ai->ai_socktype, ai->ai_addr, ai->ai_addrlen)) != -1) {
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			snprintf(err, errlen, "input %s: socket from systemd: %s", ic->name,
			    strerror(errno));
			close(fd);
			return -1;
		}
		log_info("input %s: using the %s socket systemd passed for %s", ic->name,
		    transport_name(ic->transport), ic->address);
		if (ai->ai_family == AF_INET6)
			netaddr_check_passed_v6only(ic, fd, v6only);
		return fd;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1 && errno == EAFNOSUPPORT && ai->ai_family == AF_INET6 && ic->host == NULL) {
		/* a kernel without IPv6 (ipv6.disable=1): "*" still has IPv4 */
		log_warn("input %s: %s %s: no IPv6 socket, listening on IPv4 only", ic->name,
		    transport_name(ic->transport), ic->address);
		return NETADDR_SKIPPED;
	}
	if (fd == -1) {
		snprintf(err, errlen, "input %s: socket: %s", ic->name, strerror(errno));
		return -1;
	}
	/*
	 * TCP needs SO_REUSEADDR to rebind over TIME_WAIT after a restart.  UDP
	 * must not have it: two UDP sockets that both set it share the port and
	 * the kernel hands each datagram to one of them, so a second syslog
	 * daemon on 514 would silently take part of the traffic; without it
	 * the bind fails and start-up says which address is taken.
	 */
	if (ai->ai_socktype == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == -1) {
		snprintf(err, errlen, "input %s: IPV6_V6ONLY %s: %s", ic->name, ic->address,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		snprintf(err, errlen, "input %s: bind %s %s: %s", ic->name,
		    transport_name(ic->transport), ic->address, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

const char *
netaddr_peer_text(const struct peer_addr *pa, char *buf, size_t len)
{
	if (pa->family == 0 || inet_ntop(pa->family, pa->addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}
