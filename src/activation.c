/*
 * activation.c: systemd socket activation (see activation.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "activation.h"
#include "log.h"

/* More than a unit would ever list; the rest are closed. */
#define ACTIVATION_MAX 64

/* The passed sockets, each until an input takes it. */
static struct activation {
	int fd[ACTIVATION_MAX];
	int type[ACTIVATION_MAX];
	struct sockaddr_storage addr[ACTIVATION_MAX];
	socklen_t len[ACTIVATION_MAX];
	int n;
} activated;

/* "udp 127.0.0.1:514" into buf, for messages. */
static const char *
activation_describe(int i, char *buf, size_t len)
{
	const struct sockaddr_storage *ss = &activated.addr[i];
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, len, "%s %s%s%s:%u", activated.type[i] == SOCK_DGRAM ? "udp" : "tcp",
	    ss->ss_family == AF_INET6 ? "[" : "", host, ss->ss_family == AF_INET6 ? "]" : "",
	    port);
	return buf;
}

int
activation_init(void)
{
#ifdef HAVE_SYSTEMD
	int n = sd_listen_fds(1), i;
	char what[128];

	if (n < 0) {
		log_warnx("socket activation: LISTEN_FDS: error %d (binding every input)", n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i, k = activated.n;
		socklen_t tl = sizeof(activated.type[k]);

		activated.len[k] = sizeof(activated.addr[k]);
		if (k == ACTIVATION_MAX ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &activated.type[k], &tl) == -1 ||
		    getsockname(fd, (struct sockaddr *)&activated.addr[k], &activated.len[k]) == -1 ||
		    (activated.addr[k].ss_family != AF_INET &&
			activated.addr[k].ss_family != AF_INET6)) {
			log_warnx("socket activation: descriptor %d is not an IP socket logward can "
			    "use: closed", fd);
			close(fd);
			continue;
		}
		activated.fd[k] = fd;
		activated.n++;
		log_info("socket activation: %s passed by systemd",
		    activation_describe(k, what, sizeof(what)));
	}
	return activated.n;
#else
	return 0;
#endif
}

/* Same family, address and port. */
static bool
activation_same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (b->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

int
activation_take(int socktype, const struct sockaddr *sa, socklen_t len)
{
	int i, fd;

	(void)len;
	for (i = 0; i < activated.n; i++) {
		if (activated.fd[i] == -1 || activated.type[i] != socktype ||
		    !activation_same_addr(&activated.addr[i], sa))
			continue;
		fd = activated.fd[i];
		activated.fd[i] = -1;
		return fd;
	}
	return -1;
}

void
activation_finish(void)
{
	char what[128];
	int i;

	for (i = 0; i < activated.n; i++) {
		if (activated.fd[i] == -1)
			continue;
		log_warnx("socket activation: no input listens on %s: closed",
		    activation_describe(i, what, sizeof(what)));
		close(activated.fd[i]);
		activated.fd[i] = -1;
	}
	activated.n = 0;
}
