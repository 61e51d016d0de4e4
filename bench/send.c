/*
 * send.c: the benchmark's sender.  Loopback only.
 *
 *   send -m MODE -p PORT [-c CONNS] [-r RATE] [-n COUNT] FILE
 *	MODE is tcp-octet (RFC 6587 octet counting), tcp-lf (one message a
 *	line) or udp (one message a datagram).  FILE holds one message a
 *	line; COUNT (default: all) messages are sent, the file repeated if
 *	needed.  CONNS connections (TCP) or sockets (UDP) share the messages
 *	in contiguous slices.  RATE paces UDP to that many messages a second
 *	(0: as fast as the sockets take them).  Prints one line:
 *	  sent=N bytes=B conns=C start_ns=S end_ns=E seconds=X rate=R
 *	with CLOCK_REALTIME nanoseconds, so bench/run can compare them with
 *	the time the last event was archived.
 *   send -P
 *	print a loopback port that is free for both TCP and UDP (bound to
 *	port 0 by the kernel, then checked for UDP).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONN_MAX 1000
#define CHUNK (64 * 1024)
#define UDP_BATCH 32

enum mode { MODE_TCP_OCTET, MODE_TCP_LF, MODE_UDP };

struct messages {
	const char *map;	/* the file, mapped */
	size_t size;
	size_t *off;		/* start of each message; owned */
	size_t n;
};

struct conn {
	int fd;
	uint64_t next, end;	/* message numbers still to send: [next, end) */
	char *buf;		/* framed messages not yet written; owned */
	size_t len, done;
};

/* Wall-clock nanoseconds. */
static uint64_t
now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Monotonic nanoseconds, for pacing. */
static uint64_t
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "send: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Map FILE and index its lines. */
static void
messages_load(struct messages *m, const char *path)
{
	struct stat st;
	size_t i, cap = 1024, start = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		die(path);
	m->size = (size_t)st.st_size;
	if (m->size == 0) {
		fprintf(stderr, "send: %s is empty\n", path);
		exit(1);
	}
	m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m->map == MAP_FAILED)
		die("mmap");
	close(fd);
	m->n = 0;
	if ((m->off = malloc(cap * sizeof(*m->off))) == NULL)
		die("malloc");
	for (i = 0; i < m->size; i++) {
		if (m->map[i] != '\n')
			continue;
		if (i > start) {
			if (m->n == cap) {
				cap *= 2;
				m->off = realloc(m->off, cap * sizeof(*m->off));
				if (m->off == NULL)
					die("realloc");
			}
			m->off[m->n++] = start;
		}
		start = i + 1;
	}
	if (m->n == 0) {
		fprintf(stderr, "send: %s: no complete line\n", path);
		exit(1);
	}
}

/* Message k (the file repeats), without its LF. */
static const char *
messages_get(const struct messages *m, uint64_t k, size_t *len)
{
	size_t i = (size_t)(k % m->n);
	const char *p = m->map + m->off[i];
	const char *nl = memchr(p, '\n', m->size - m->off[i]);

	*len = (size_t)(nl - p);
	return p;
}

/* A socket connected to 127.0.0.1:port. */
static int
socket_connect(int type, int port)
{
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type, 0)) == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("connect");
	return fd;
}

/* Fill c->buf with framed messages from c's slice. */
static void
conn_fill(struct conn *c, const struct messages *m, enum mode mode)
{
	size_t len;
	const char *p;
	int n;

	c->len = c->done = 0;
	while (c->next < c->end) {
		p = messages_get(m, c->next, &len);
		if (c->len + len + 24 > CHUNK && c->len > 0)
			break;
		if (c->len + len + 24 > CHUNK) {
			fprintf(stderr, "send: message over %d bytes\n", CHUNK);
			exit(1);
		}
		if (mode == MODE_TCP_OCTET) {
			/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG */
			n = snprintf(c->buf + c->len, 24, "%zu ", len);
			c->len += (size_t)n;
			memcpy(c->buf + c->len, p, len);
			c->len += len;
		} else {
			memcpy(c->buf + c->len, p, len);
			c->len += len;
			c->buf[c->len++] = '\n';
		}
		c->next++;
	}
}

/* TCP: write every connection's slice, as fast as the receiver reads. */
static uint64_t
send_tcp(struct conn *cs, int nc, const struct messages *m, enum mode mode)
{
	struct pollfd *pfd = calloc((size_t)nc, sizeof(*pfd));
	int *map = calloc((size_t)nc, sizeof(*map));
	uint64_t bytes = 0;
	ssize_t w;
	int i, np;

	if (pfd == NULL || map == NULL)
		die("calloc");
	for (i = 0; i < nc; i++)
		fcntl(cs[i].fd, F_SETFL, fcntl(cs[i].fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		np = 0;
		for (i = 0; i < nc; i++) {
			if (cs[i].done == cs[i].len && cs[i].next < cs[i].end)
				conn_fill(&cs[i], m, mode);
			if (cs[i].done == cs[i].len)
				continue;
			pfd[np].fd = cs[i].fd;
			pfd[np].events = POLLOUT;
			map[np++] = i;
		}
		if (np == 0)
			break;
		if (poll(pfd, (nfds_t)np, 10000) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < np; i++) {
			struct conn *c = &cs[map[i]];

			if (pfd[i].revents == 0)
				continue;
			w = send(c->fd, c->buf + c->done, c->len - c->done, MSG_NOSIGNAL);
			if (w == -1) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				die("send");
			}
			c->done += (size_t)w;
			bytes += (uint64_t)w;
		}
	}
	free(pfd);
	free(map);
	return bytes;
}

/* UDP: one datagram a message, batches of UDP_BATCH, paced if rate > 0. */
static uint64_t
send_udp(struct conn *cs, int nc, const struct messages *m, uint64_t total,
    uint64_t rate)
{
	struct mmsghdr hdr[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	uint64_t sent = 0, bytes = 0, t0 = now_mono(), allowed;
	int i, k, n, r, turn = 0;
	unsigned failures = 0;
	size_t len;

	memset(hdr, 0, sizeof(hdr));
	while (sent < total) {
		struct conn *c = &cs[turn];

		turn = (turn + 1) % nc;
		if (c->next == c->end)
			continue;
		n = UDP_BATCH;
		if (rate > 0) {
			allowed = (uint64_t)((double)(now_mono() - t0) * (double)rate / 1e9);
			if (allowed <= sent) {
				struct timespec ts = { 0, 50000 };

				nanosleep(&ts, NULL);
				continue;
			}
			if (allowed - sent < (uint64_t)n)
				n = (int)(allowed - sent);
		}
		if ((uint64_t)n > c->end - c->next)
			n = (int)(c->end - c->next);
		for (i = 0; i < n; i++) {
			iov[i].iov_base = (void *)messages_get(m, c->next + (uint64_t)i, &len);
			iov[i].iov_len = len;
			hdr[i].msg_hdr.msg_iov = &iov[i];
			hdr[i].msg_hdr.msg_iovlen = 1;
		}
		for (k = 0; k < n; k += r) {
			r = sendmmsg(c->fd, hdr + k, (unsigned)(n - k), 0);
			if (r == -1) {
				/* ICMP from a closed port, or a full send buffer: retry */
				if ((errno == ECONNREFUSED || errno == EINTR ||
				    errno == ENOBUFS || errno == EAGAIN) &&
				    ++failures < 100000) {
					struct timespec ts = { 0, 10000 };

					nanosleep(&ts, NULL);
					r = 0;
					continue;
				}
				die("sendmmsg");
			}
			for (i = k; i < k + r; i++)
				bytes += iov[i].iov_len;
		}
		c->next += (uint64_t)n;
		sent += (uint64_t)n;
	}
	return bytes;
}

/* Print a port free on 127.0.0.1 for TCP and UDP. */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl;
	int tries, t, u;

	for (tries = 0; tries < 50; tries++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((t = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    (u = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
			die("socket");
		sl = sizeof(sin);
		if (bind(t, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    getsockname(t, (struct sockaddr *)&sin, &sl) == -1)
			die("bind");
		if (bind(u, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			printf("%d\n", ntohs(sin.sin_port));
			close(t);
			close(u);
			return 0;
		}
		close(t);
		close(u);
	}
	fprintf(stderr, "send: no free port\n");
	return 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: send -m tcp-octet|tcp-lf|udp -p port [-c conns] "
	    "[-r rate] [-n count] file\n       send -P\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct messages m;
	struct conn *cs;
	enum mode mode = MODE_TCP_OCTET;
	uint64_t total = 0, rate = 0, bytes, t_start, t_end, per, extra, at;
	int ch, port = 0, nc = 1, i, have_mode = 0;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "c:m:n:p:r:P")) != -1) {
		switch (ch) {
		case 'c':
			nc = atoi(optarg);
			break;
		case 'm':
			have_mode = 1;
			if (strcmp(optarg, "tcp-octet") == 0)
				mode = MODE_TCP_OCTET;
			else if (strcmp(optarg, "tcp-lf") == 0)
				mode = MODE_TCP_LF;
			else if (strcmp(optarg, "udp") == 0)
				mode = MODE_UDP;
			else
				usage();
			break;
		case 'n':
			total = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			return free_port();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || !have_mode || port <= 0 || port > 65535 ||
	    nc < 1 || nc > CONN_MAX)
		usage();
	messages_load(&m, argv[0]);
	if (total == 0)
		total = m.n;
	if ((cs = calloc((size_t)nc, sizeof(*cs))) == NULL)
		die("calloc");
	per = total / (uint64_t)nc;
	extra = total % (uint64_t)nc;
	at = 0;
	for (i = 0; i < nc; i++) {
		cs[i].fd = socket_connect(mode == MODE_UDP ? SOCK_DGRAM : SOCK_STREAM, port);
		cs[i].next = at;
		at += per + ((uint64_t)i < extra ? 1 : 0);
		cs[i].end = at;
		if (mode != MODE_UDP && (cs[i].buf = malloc(CHUNK)) == NULL)
			die("malloc");
	}
	t_start = now_realtime();
	if (mode == MODE_UDP)
		bytes = send_udp(cs, nc, &m, total, rate);
	else
		bytes = send_tcp(cs, nc, &m, mode);
	t_end = now_realtime();
	for (i = 0; i < nc; i++) {
		close(cs[i].fd);
		free(cs[i].buf);
	}
	printf("sent=%llu bytes=%llu conns=%d start_ns=%llu end_ns=%llu "
	    "seconds=%.3f rate=%.0f\n", (unsigned long long)total,
	    (unsigned long long)bytes, nc, (unsigned long long)t_start,
	    (unsigned long long)t_end, (double)(t_end - t_start) / 1e9,
	    (double)total / ((double)(t_end - t_start) / 1e9));
	free(cs);
	free(m.off);
	return 0;
}
