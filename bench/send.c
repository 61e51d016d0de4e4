/*
 * send.c: the benchmark's sender.  Loopback only.
 *
 *   send -m MODE -p PORT [-c CONNS] [-r RATE] [-n COUNT] FILE
 *	MODE is tcp-octet (RFC 6587 octet counting), tcp-lf (one message a
 *	line), tls-octet (octet counting in TLS 1.3, RFC 5425; the server's
 *	certificate is not checked: loopback, our own daemon) or udp (one
 *	message a datagram).  FILE holds one message a line; COUNT (default:
 *	all) messages are sent, the file repeated if needed.  CONNS
 *	connections (TCP, TLS) or sockets (UDP) share the messages in
 *	contiguous slices.  RATE paces the whole load to that many messages a
 *	second, spread evenly over the connections (0: as fast as the
 *	receiver takes them).  Connections (and TLS handshakes) are made
 *	before the clock starts; with -R FILE, FILE is created once they are
 *	all made, and sending starts -W MS milliseconds later (default 0), so
 *	that the caller can leave connection set-up out of what it measures.
 *	Prints one line:
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
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define CONN_MAX 20000
#define CHUNK (64 * 1024)
#define UDP_BATCH 32

enum mode { MODE_TCP_OCTET, MODE_TCP_LF, MODE_TLS_OCTET, MODE_UDP };

struct messages {
	const char *map;	/* the file, mapped */
	size_t size;
	size_t *off;		/* start of each message; owned */
	size_t n;
};

struct conn {
	int fd;
	SSL *ssl;		/* TLS mode only; owned */
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

/* A TLS 1.3 client context; the server's certificate is not checked. */
static SSL_CTX *
tls_client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

/* The handshake on connected socket fd, still blocking. */
static SSL *
tls_connect(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
		fprintf(stderr, "send: TLS handshake failed\n");
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	return ssl;
}

/*
 * End a TLS connection without losing what the server has not read yet:
 * close_notify, our half closed, then read until the server closes.  A plain
 * close() with the server's session tickets unread in our receive buffer
 * would send a reset, and the server's kernel drops what it still holds.
 */
static void
tls_close(struct conn *c)
{
	struct timeval tv = { 5, 0 };
	char buf[4096];

	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)SSL_shutdown(c->ssl);
	shutdown(c->fd, SHUT_WR);
	while (read(c->fd, buf, sizeof(buf)) > 0)
		;
	SSL_free(c->ssl);
	c->ssl = NULL;
}

/*
 * Write "LEN " at out (at most 21 bytes); returns its length.  Not
 * snprintf: at 800,000 messages a second its cost made the octet-counted
 * sender take CPU the LF-framed one left to the daemon on two cores.
 */
static int
frame_len_prefix(char *out, size_t len)
{
	char tmp[20];
	int n = 0, i;

	do {
		tmp[n++] = (char)('0' + len % 10);
		len /= 10;
	} while (len > 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = ' ';
	return n + 1;
}

/* Fill c->buf with framed messages from c's slice, up to message due. */
static void
conn_fill(struct conn *c, const struct messages *m, enum mode mode, uint64_t due)
{
	size_t len;
	const char *p;
	int n;

	c->len = c->done = 0;
	while (c->next < c->end && c->next < due) {
		p = messages_get(m, c->next, &len);
		if (c->len + len + 24 > CHUNK && c->len > 0)
			break;
		if (c->len + len + 24 > CHUNK) {
			fprintf(stderr, "send: message over %d bytes\n", CHUNK);
			exit(1);
		}
		if (mode != MODE_TCP_LF) {
			/* RFC 6587 3.4.1 (RFC 5425 4.3): MSG-LEN SP SYSLOG-MSG */
			n = frame_len_prefix(c->buf + c->len, len);
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

/*
 * Write what c holds: send(), or SSL_write() in TLS mode.  Returns the bytes
 * written, 0 when the socket would block (*events says for what), and exits
 * on an error.
 */
static size_t
conn_write(struct conn *c, short *events)
{
	ssize_t w;
	int r;

	*events = POLLOUT;
	if (c->ssl == NULL) {
		w = send(c->fd, c->buf + c->done, c->len - c->done, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			die("send");
		}
		return (size_t)w;
	}
	ERR_clear_error();
	r = SSL_write(c->ssl, c->buf + c->done, (int)(c->len - c->done));
	if (r > 0)
		return (size_t)r;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_WRITE:
		return 0;
	case SSL_ERROR_WANT_READ:
		*events = POLLIN;
		return 0;
	default:
		fprintf(stderr, "send: SSL_write failed\n");
		ERR_print_errors_fp(stderr);
		exit(1);
	}
}

/* The message number connection c may have framed by now (pacing). */
static uint64_t
conn_due(const struct conn *c, uint64_t first, uint64_t rate, int nc,
    uint64_t t0)
{
	double per_conn, elapsed;

	if (rate == 0)
		return c->end;
	per_conn = (double)rate / (double)nc;
	elapsed = (double)(now_mono() - t0) / 1e9;
	return first + (uint64_t)(elapsed * per_conn) + 1;
}

/*
 * TCP and TLS: write every connection's slice, as fast as the receiver
 * reads, or paced to rate messages a second in all.
 */
static uint64_t
send_tcp(struct conn *cs, int nc, const struct messages *m, enum mode mode,
    uint64_t rate)
{
	struct pollfd *pfd = calloc((size_t)nc, sizeof(*pfd));
	int *map = calloc((size_t)nc, sizeof(*map));
	uint64_t *first = calloc((size_t)nc, sizeof(*first));
	short *want = calloc((size_t)nc, sizeof(*want));
	uint64_t bytes = 0, t0 = now_mono();
	size_t w;
	int i, np, waiting;

	if (pfd == NULL || map == NULL || first == NULL || want == NULL)
		die("calloc");
	for (i = 0; i < nc; i++) {
		fcntl(cs[i].fd, F_SETFL, fcntl(cs[i].fd, F_GETFL) | O_NONBLOCK);
		first[i] = cs[i].next;
		want[i] = POLLOUT;
	}
	for (;;) {
		np = waiting = 0;
		for (i = 0; i < nc; i++) {
			if (cs[i].done == cs[i].len && cs[i].next < cs[i].end)
				conn_fill(&cs[i], m, mode,
				    conn_due(&cs[i], first[i], rate, nc, t0));
			if (cs[i].done == cs[i].len) {
				waiting += cs[i].next < cs[i].end;
				continue;
			}
			pfd[np].fd = cs[i].fd;
			pfd[np].events = want[i];
			map[np++] = i;
		}
		if (np == 0 && waiting == 0)
			break;
		if (np == 0) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (poll(pfd, (nfds_t)np, waiting > 0 ? 1 : 10000) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < np; i++) {
			struct conn *c = &cs[map[i]];

			if (pfd[i].revents == 0)
				continue;
			w = conn_write(c, &want[map[i]]);
			c->done += w;
			bytes += (uint64_t)w;
		}
	}
	free(pfd);
	free(map);
	free(first);
	free(want);
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

/* Wait (10 ms polls) until path exists; the caller's timeout bounds it. */
static void
hold_until(const char *path)
{
	struct timespec ts = { 0, 10 * 1000000L };
	struct stat st;

	while (stat(path, &st) == -1)
		nanosleep(&ts, NULL);
}

static void
usage(void)
{
	fprintf(stderr, "usage: send -m tcp-octet|tcp-lf|tls-octet|udp -p port [-c conns] "
	    "[-r rate] [-n count] [-R readyfile] [-W ms] [-H holdfile] file\n       send -P\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct messages m;
	struct conn *cs;
	struct rlimit rl;
	SSL_CTX *tls = NULL;
	enum mode mode = MODE_TCP_OCTET;
	uint64_t total = 0, rate = 0, bytes, t_start, t_end, per, extra, at;
	int ch, port = 0, nc = 1, i, have_mode = 0, fd;
	const char *ready = NULL, *hold = NULL;
	long wait_ms = 0;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "c:m:n:p:r:H:PR:W:")) != -1) {
		switch (ch) {
		case 'c':
			nc = atoi(optarg);
			break;
		case 'H':
			hold = optarg;
			break;
		case 'm':
			have_mode = 1;
			if (strcmp(optarg, "tcp-octet") == 0)
				mode = MODE_TCP_OCTET;
			else if (strcmp(optarg, "tcp-lf") == 0)
				mode = MODE_TCP_LF;
			else if (strcmp(optarg, "tls-octet") == 0)
				mode = MODE_TLS_OCTET;
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
		case 'R':
			ready = optarg;
			break;
		case 'W':
			wait_ms = atol(optarg);
			break;
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
	/* thousands of connections: as many descriptors as we may have */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (mode == MODE_TLS_OCTET)
		tls = tls_client_ctx();
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
		if (tls != NULL)
			cs[i].ssl = tls_connect(tls, cs[i].fd);
	}
	if (ready != NULL) {
		if ((fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
			die(ready);
		close(fd);
	}
	if (wait_ms > 0) {
		struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	t_start = now_realtime();
	if (mode == MODE_UDP)
		bytes = send_udp(cs, nc, &m, total, rate);
	else
		bytes = send_tcp(cs, nc, &m, mode, rate);
	t_end = now_realtime();
	printf("sent=%llu bytes=%llu conns=%d start_ns=%llu end_ns=%llu "
	    "seconds=%.3f rate=%.0f\n", (unsigned long long)total,
	    (unsigned long long)bytes, nc, (unsigned long long)t_start,
	    (unsigned long long)t_end, (double)(t_end - t_start) / 1e9,
	    (double)total / ((double)(t_end - t_start) / 1e9));
	fflush(stdout);
	if (hold != NULL)
		hold_until(hold);
	for (i = 0; i < nc; i++) {
		if (cs[i].ssl != NULL)
			tls_close(&cs[i]);
		close(cs[i].fd);
		free(cs[i].buf);
	}
	free(cs);
	free(m.off);
	SSL_CTX_free(tls);
	return 0;
}
