/*
 * check_deliver.c: the delivery stage (deliver.h) against a real HTTP
 * receiver on loopback, a thread of this test: delivered once each on
 * 2xx, retried on 503 with the webhook held back, dead-lettered on 4xx,
 * the severity filter, the spool bound at and past it with nothing lost
 * once the receiver is back (the refused ones come from the alerts file),
 * and a restart that delivers what the spool kept.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "deliver.h"
#include "log.h"
#include "unit.h"

/* The receiver: answers each request with the next status of its script. */
struct receiver {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	int script[16];           /* statuses to answer, in order; then 200 */
	size_t n_script;
	size_t requests;          /* requests seen */
	size_t with_id;           /* of them, with a webhook-id header */
	char last_body[8192];
	bool stop;
};

static struct receiver rx;

/* Read one request (headers, then Content-Length bytes of body); 0 or -1 at EOF. */
static int
read_request(int c, char *body, size_t bodymax, bool *has_id)
{
	char buf[65536];
	size_t n = 0;
	char *end = NULL, *cl;
	size_t want, have;
	ssize_t r;

	while (end == NULL) {
		if (n == sizeof(buf) - 1 || (r = read(c, buf + n, sizeof(buf) - 1 - n)) <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	*has_id = strcasestr(buf, "\r\nwebhook-id: ") != NULL;
	cl = strcasestr(buf, "\r\nContent-Length:");
	want = cl != NULL ? strtoul(cl + 17, NULL, 10) : 0;
	end += 4;
	have = n - (size_t)(end - buf);
	memmove(buf, end, have);
	while (have < want && have < sizeof(buf) - 1) {
		if ((r = read(c, buf + have, sizeof(buf) - 1 - have)) <= 0)
			return -1;
		have += (size_t)r;
	}
	snprintf(body, bodymax, "%.*s", (int)have, buf);
	return 0;
}

/* One connection: requests until the client closes (curl keeps it alive). */
static void *
serve(void *arg)
{
	int c = (int)(intptr_t)arg;
	char body[8192], resp[128];
	bool has_id;
	int status;

	while (read_request(c, body, sizeof(body), &has_id) == 0) {
		pthread_mutex_lock(&rx.lock);
		status = rx.requests < rx.n_script ? rx.script[rx.requests] : 200;
		rx.requests++;
		rx.with_id += has_id;
		snprintf(rx.last_body, sizeof(rx.last_body), "%s", body);
		pthread_mutex_unlock(&rx.lock);
		snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: 2\r\n\r\nno", status);
		if (write(c, resp, strlen(resp)) < 0)
			break;
	}
	close(c);
	return NULL;
}

/* Accept connections, a thread each: curl runs several requests at once. */
static void *
receiver_main(void *arg)
{
	pthread_t t;

	(void)arg;
	for (;;) {
		int c = accept(rx.fd, NULL, NULL);

		if (c == -1) {
			if (errno == EINTR)
				continue;
			return NULL; /* the listening socket was shut down */
		}
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c) != 0)
			close(c);
		else
			pthread_detach(t);
	}
}

/* Start the receiver on a free loopback port with a status script. */
static void
receiver_start(const int *script, size_t n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(&rx, 0, sizeof(rx));
	pthread_mutex_init(&rx.lock, NULL);
	memcpy(rx.script, script, n * sizeof(*script));
	rx.n_script = n;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx.fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(rx.fd, 0);
	setsockopt(rx.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(rx.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(rx.fd, 16), 0);
	ck_assert_int_eq(getsockname(rx.fd, (struct sockaddr *)&sa, &len), 0);
	rx.port = ntohs(sa.sin_port);
	ck_assert_int_eq(pthread_create(&rx.thread, NULL, receiver_main, NULL), 0);
}

/* A port nothing listens on: bound, never listening (connections are refused). */
static int
dead_port(int *fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(*fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(*fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

static size_t
receiver_requests(void)
{
	size_t n;

	pthread_mutex_lock(&rx.lock);
	n = rx.requests;
	pthread_mutex_unlock(&rx.lock);
	return n;
}

/* The configuration: one webhook "soc" to port, its spool bound, more keys of the block. */
static struct conf *
load_conf(int port, uint64_t max_spool, const char *extra)
{
	char text[4096], err[512];
	struct conf *c;
	FILE *fp = fopen(unit_path("logward.conf"), "w");

	ck_assert_ptr_nonnull(fp);
	mkdir(unit_path("spool"), 0700);
	snprintf(text, sizeof(text),
	    "input lan { transport = udp address = \"127.0.0.1:5514\" }\n"
	    "rules = \"%s\"\n"
	    "archive { path = \"%s\" }\n"
	    "alerts { path = \"%s\" }\n"
	    "spool = \"%s\"\n"
	    "max_spool_bytes = %llu\n"
	    "webhook soc {\n"
	    "  url = \"http://127.0.0.1:%d/hook\"\n"
	    "  retry_min = 0.01\n  retry_max = 0.05\n  timeout = 5\n"
	    "  %s\n"
	    "}\n",
	    unit_srcpath("patterns"), unit_path("events.jsonl"), unit_path("alerts.jsonl"),
	    unit_path("spool"), (unsigned long long)max_spool, port,
	    extra != NULL ? extra : "");
	fputs(text, fp);
	fclose(fp);
	c = conf_load(unit_path("logward.conf"), err, sizeof(err));
	ck_assert_msg(c != NULL, "conf_load: %s\n%s", err, text);
	return c;
}

/* An alert line of the given severity word for account name. */
static const char *
alert_line(const char *name, const char *severity)
{
	static char line[8][512];
	static unsigned next;
	char *l = line[next++ % 8];

	snprintf(l, sizeof(line[0]),
	    "{\"@timestamp\":\"2026-12-07T10:00:00Z\",\"event\":{\"kind\":\"alert\"},"
	    "\"host\":{\"hostname\":\"web1\"},\"labels\":{\"severity\":\"%s\"},"
	    "\"rule\":{\"id\":\"r1\",\"name\":\"Account created\"},"
	    "\"threat\":{\"technique\":{\"id\":\"T1136.001\"}},"
	    "\"user\":{\"target\":{\"name\":\"%s\"}}}\n", severity, name);
	return l;
}

/* An alert line (high) for a long account name at second sec, in a static buffer. */
static const char *
alert_line_long(const char *name, int sec)
{
	static char l[4096];

	snprintf(l, sizeof(l),
	    "{\"@timestamp\":\"2026-12-07T10:00:%02dZ\",\"event\":{\"kind\":\"alert\"},"
	    "\"host\":{\"hostname\":\"web1\"},\"labels\":{\"severity\":\"high\"},"
	    "\"rule\":{\"id\":\"r1\",\"name\":\"Account created\"},"
	    "\"threat\":{\"technique\":{\"id\":\"T1136.001\"}},"
	    "\"user\":{\"target\":{\"name\":\"%s\"}}}\n", sec, name);
	return l;
}

/* Append line to the alerts file (as the workers do before the hand-over), then hand it over. */
static void
submit(struct deliver *d, const char *line)
{
	FILE *fp = fopen(unit_path("alerts.jsonl"), "a");

	ck_assert_ptr_nonnull(fp);
	fputs(line, fp);
	fclose(fp);
	deliver_submit(d, line, strlen(line));
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Poll the webhook's counters until pred holds; fails after 20 s. */
#define WAIT_STATS(d, st, pred)                                                  \
	do {                                                                     \
		int waited_;                                                     \
		for (waited_ = 0; waited_ < 2000; waited_++) {                   \
			deliver_get_stats((d), 0, &(st));                        \
			if (pred)                                                \
				break;                                           \
			sleep_ms(10);                                            \
		}                                                                \
		ck_assert_msg(pred, "timed out waiting for " #pred              \
		    " (delivered %lu retries %lu failed %lu queued %lu "         \
		    "refused_full %lu refused_error %lu replayed %lu folded %lu "\
		    "unfolded %lu)",                                             \
		    (unsigned long)(st).delivered, (unsigned long)(st).retries,  \
		    (unsigned long)(st).failed, (unsigned long)(st).queued,      \
		    (unsigned long)(st).refused_full,                            \
		    (unsigned long)(st).refused_error,                           \
		    (unsigned long)(st).replayed, (unsigned long)(st).folded,    \
		    (unsigned long)(st).unfolded);                               \
	} while (0)

static struct deliver *
start(struct conf *c)
{
	char err[512] = "";
	struct deliver *d = deliver_new(c, err, sizeof(err));

	ck_assert_msg(d != NULL, "deliver_new: %s", err);
	ck_assert_msg(deliver_start(d, err, sizeof(err)) == 0, "deliver_start: %s", err);
	return d;
}

static void
receiver_stop(void)
{
	shutdown(rx.fd, SHUT_RDWR);
	close(rx.fd);
	pthread_join(rx.thread, NULL);
}

START_TEST(test_delivered_once)
{
	static const int ok[] = { 200 };
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;
	int i;

	receiver_start(ok, 1);
	c = load_conf(rx.port, 1 << 20, NULL);
	d = start(c);
	for (i = 0; i < 3; i++)
		submit(d, alert_line(i == 0 ? "a" : i == 1 ? "b" : "c", "medium"));
	WAIT_STATS(d, st, st.delivered == 3 && st.queued == 0);
	ck_assert_uint_eq(st.retries, 0);
	ck_assert_uint_eq(st.failed, 0);
	deliver_free(d);
	ck_assert_uint_eq(receiver_requests(), 3);
	ck_assert_uint_eq(rx.with_id, 3);
	/* the standard format: the alert under "data" */
	ck_assert_msg(strstr(rx.last_body, "\"data\":{") != NULL, "%s", rx.last_body);
	receiver_stop();
	conf_free(c);
}
END_TEST

START_TEST(test_retry_then_delivered)
{
	static const int script[] = { 503, 503, 200 };
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;

	receiver_start(script, 3);
	c = load_conf(rx.port, 1 << 20, NULL);
	d = start(c);
	submit(d, alert_line("r", "high"));
	WAIT_STATS(d, st, st.delivered == 1 && st.queued == 0);
	ck_assert_uint_eq(st.retries, 2);
	ck_assert_uint_eq(st.failed, 0);
	deliver_free(d);
	ck_assert_uint_eq(receiver_requests(), 3);
	receiver_stop();
	conf_free(c);
}
END_TEST

START_TEST(test_refused_for_good)
{
	static const int script[] = { 400 };
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;
	char line[16384];
	FILE *fp;

	receiver_start(script, 1);
	c = load_conf(rx.port, 1 << 20, NULL);
	d = start(c);
	submit(d, alert_line("dead", "high"));
	WAIT_STATS(d, st, st.failed == 1 && st.queued == 0);
	ck_assert_uint_eq(st.delivered, 0);
	deliver_free(d);
	ck_assert_uint_eq(receiver_requests(), 1);
	fp = fopen(unit_path("spool/soc.dead"), "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
	ck_assert_ptr_nonnull(strstr(line, "\"status\":400"));
	ck_assert_ptr_nonnull(strstr(line, "\\\"name\\\":\\\"dead\\\""));
	ck_assert_ptr_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	receiver_stop();
	conf_free(c);
}
END_TEST

START_TEST(test_min_severity)
{
	static const int ok[] = { 200 };
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;

	receiver_start(ok, 1);
	c = load_conf(rx.port, 1 << 20, "min_severity = high");
	d = start(c);
	submit(d, alert_line("low1", "low"));
	submit(d, alert_line("med1", "medium"));
	submit(d, alert_line("high1", "high"));
	submit(d, alert_line("crit1", "critical"));
	WAIT_STATS(d, st, st.delivered == 2 && st.queued == 0);
	deliver_free(d);
	ck_assert_uint_eq(receiver_requests(), 2);
	receiver_stop();
	conf_free(c);
}
END_TEST

/*
 * The spool bound (4096 bytes, the least allowed) with the receiver dead:
 * the alerts that fit are queued, the rest refused and counted; once the
 * receiver is back every one is delivered, the refused from the alerts file.
 */
START_TEST(test_spool_full_nothing_lost)
{
	static const int ok[] = { 200 };
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;
	char name[16];
	uint64_t refused;
	int i, fd, n = 40;

	c = load_conf(dead_port(&fd), 4096, NULL);
	d = start(c);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		submit(d, alert_line(name, "high"));
	}
	WAIT_STATS(d, st, st.queued + st.refused_full == (uint64_t)n && st.retries > 0);
	ck_assert_uint_gt(st.queued, 0);
	ck_assert_uint_gt(st.refused_full, 0);
	ck_assert_uint_eq(st.delivered, 0);
	/* replay passes (every backoff step, 10-50 ms) offer the refused again: not counted again */
	refused = st.refused_full;
	sleep_ms(500);
	deliver_get_stats(d, 0, &st);
	ck_assert_uint_eq(st.refused_full, refused);
	ck_assert_uint_eq(st.queued + st.refused_full, (uint64_t)n);
	deliver_free(d);
	conf_free(c);
	close(fd);

	/* the receiver is back: a new run delivers the spool, then what was refused */
	receiver_start(ok, 1);
	c = load_conf(rx.port, 4096, NULL);
	d = start(c);
	WAIT_STATS(d, st, st.delivered == (uint64_t)n && st.queued == 0);
	deliver_free(d);
	ck_assert_uint_eq(receiver_requests(), (size_t)n);
	receiver_stop();
	conf_free(c);
}
END_TEST

/* At the bound: alerts that fit exactly are all queued, none refused. */
START_TEST(test_spool_at_bound)
{
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;
	int fd;

	c = load_conf(dead_port(&fd), 4096, NULL);
	d = start(c);
	submit(d, alert_line("only", "high"));
	WAIT_STATS(d, st, st.queued == 1 && st.retries > 0);
	ck_assert_uint_eq(st.refused, 0);
	deliver_free(d);
	conf_free(c);
	close(fd);
}
END_TEST

/*
 * Storm control folds alerts of one account even when its name is longer
 * than a storm key may be (it stands as its digest): 5 alerts with a
 * 2,000-character account name are 1 delivery and 1 summary of 4, none
 * unfolded.
 */
START_TEST(test_storm_long_account)
{
	static const int ok[] = { 200 };
	struct deliver_stats st;
	struct conf *c;
	struct deliver *d;
	char *name = malloc(2001);
	char *line = malloc(4096);
	int i;

	ck_assert_ptr_nonnull(name);
	ck_assert_ptr_nonnull(line);
	memset(name, 'n', 2000);
	name[2000] = '\0';
	receiver_start(ok, 1);
	c = load_conf(rx.port, 1 << 20, "storm_window = 1");
	d = start(c);
	for (i = 0; i < 5; i++) {
		snprintf(line, 4096, "%s", alert_line_long(name, i));
		submit(d, line);
	}
	WAIT_STATS(d, st, st.folded == 4 && st.delivered == 2 && st.queued == 0);
	ck_assert_uint_eq(st.unfolded, 0);
	ck_assert_ptr_nonnull(strstr(rx.last_body, "\"count\":4"));
	deliver_free(d);
	receiver_stop();
	conf_free(c);
	free(name);
	free(line);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("deliver");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_delivered_once);
	tcase_add_test(tc, test_retry_then_delivered);
	tcase_add_test(tc, test_refused_for_good);
	tcase_add_test(tc, test_min_severity);
	tcase_add_test(tc, test_spool_full_nothing_lost);
	tcase_add_test(tc, test_spool_at_bound);
	tcase_add_test(tc, test_storm_long_account);
	suite_add_tcase(s, tc);
	return s;
}
