/*
 * check_metrics: the exposition text of a fixed set of counters (exact
 * lines, label escaping, alerts by technique) and the HTTP endpoints
 * (/metrics, /healthz 200 then 503 while draining, 404) on loopback.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "detect.h"
#include "json_writer.h"
#include "metrics.h"
#include "stats.h"
#include "unit.h"


/* Set every counter of s to base + its position, so each field is distinct. */
static void
fill_stats(struct input_stats *s, uint64_t base)
{
	memset(s, 0, sizeof(*s));
	stats_add(&s->messages, base + 1);
	stats_add(&s->bytes, base + 2);
	stats_add(&s->parse_failures, base + 3);
	stats_add(&s->normalized, base + 4);
	stats_add(&s->truncated, base + 5);
	stats_add(&s->bad_frames, base + 6);
	stats_add(&s->kernel_drops, base + 7);
	stats_add(&s->connections, base + 8);
	stats_add(&s->connections_open, base + 9);
	stats_add(&s->refused, base + 10);
	stats_add(&s->refused_acl, base + 11);
	stats_add(&s->refused_per_address, base + 12);
	stats_add(&s->rate_limited, base + 13);
	stats_add(&s->tls_handshakes, base + 14);
	for (int r = 0; r < TLS_FAIL_COUNT; r++)
		stats_add(&s->tls_failures[r], base + 15 + (uint64_t)r);
}

/* Render src into a NUL-terminated string the caller frees. */
static char *
render(const struct metrics_source *src)
{
	struct strbuf sb;
	char *s;

	strbuf_init(&sb);
	ck_assert_int_eq(metrics_render(src, &sb), 0);
	s = strdup(strbuf_cstr(&sb));
	strbuf_free(&sb);
	ck_assert_ptr_nonnull(s);
	return s;
}

static const char expected_text[] =
    "# HELP logward_build_info Always 1; the version is a label.\n"
    "# TYPE logward_build_info gauge\n"
    "logward_build_info{version=\"1.2.3\"} 1\n"
    "# HELP logward_config_last_reload_success_timestamp_seconds When the running "
    "configuration was loaded, in seconds since the epoch.\n"
    "# TYPE logward_config_last_reload_success_timestamp_seconds gauge\n"
    "logward_config_last_reload_success_timestamp_seconds 1700000000\n"
    "# HELP logward_config_last_reload_successful 1 when the last SIGHUP reload succeeded "
    "(or none was asked), 0 when it failed and the previous configuration kept running.\n"
    "# TYPE logward_config_last_reload_successful gauge\n"
    "logward_config_last_reload_successful 1\n"
    "# HELP logward_config_reloads_total SIGHUP reloads by result.\n"
    "# TYPE logward_config_reloads_total counter\n"
    "logward_config_reloads_total{result=\"success\"} 0\n"
    "logward_config_reloads_total{result=\"failure\"} 0\n"
    "# HELP logward_received_messages_total Messages received and handed to processing.\n"
    "# TYPE logward_received_messages_total counter\n"
    "logward_received_messages_total{input=\"lan_udp\",transport=\"udp\"} 101\n"
    "logward_received_messages_total{input=\"lan_tcp\",transport=\"tcp\"} 201\n"
    "# HELP logward_received_bytes_total Bytes received.\n"
    "# TYPE logward_received_bytes_total counter\n"
    "logward_received_bytes_total{input=\"lan_udp\",transport=\"udp\"} 102\n"
    "logward_received_bytes_total{input=\"lan_tcp\",transport=\"tcp\"} 202\n"
    "# HELP logward_dropped_messages_total Messages lost or cut by reason: too_long "
    "(truncated at max_message_size), bad_frame (invalid octet count), kernel_overflow "
    "(UDP receive buffer), refused (TCP connections over max_connections or "
    "max_connections_per_address), refused_acl (senders not in allow: TCP connections, UDP "
    "datagrams), rate_limited (UDP datagrams over the per-address rate).\n"
    "# TYPE logward_dropped_messages_total counter\n"
    "logward_dropped_messages_total{input=\"lan_udp\",reason=\"too_long\"} 105\n"
    "logward_dropped_messages_total{input=\"lan_udp\",reason=\"kernel_overflow\"} 107\n"
    "logward_dropped_messages_total{input=\"lan_udp\",reason=\"rate_limited\"} 113\n"
    "logward_dropped_messages_total{input=\"lan_udp\",reason=\"refused_acl\"} 111\n"
    "logward_dropped_messages_total{input=\"lan_tcp\",reason=\"too_long\"} 205\n"
    "logward_dropped_messages_total{input=\"lan_tcp\",reason=\"bad_frame\"} 206\n"
    "logward_dropped_messages_total{input=\"lan_tcp\",reason=\"refused\"} 422\n"
    "logward_dropped_messages_total{input=\"lan_tcp\",reason=\"refused_acl\"} 211\n"
    "# HELP logward_parse_failures_total Messages archived with _syslog_parse_failure.\n"
    "# TYPE logward_parse_failures_total counter\n"
    "logward_parse_failures_total{input=\"lan_udp\"} 103\n"
    "logward_parse_failures_total{input=\"lan_tcp\"} 203\n"
    "# HELP logward_normalized_messages_total Messages a normalization rule matched.\n"
    "# TYPE logward_normalized_messages_total counter\n"
    "logward_normalized_messages_total{input=\"lan_udp\"} 104\n"
    "logward_normalized_messages_total{input=\"lan_tcp\"} 204\n"
    "# HELP logward_tcp_connections_total TCP connections accepted.\n"
    "# TYPE logward_tcp_connections_total counter\n"
    "logward_tcp_connections_total{input=\"lan_tcp\"} 208\n"
    "# HELP logward_tcp_connections_open TCP connections open now.\n"
    "# TYPE logward_tcp_connections_open gauge\n"
    "logward_tcp_connections_open{input=\"lan_tcp\"} 209\n"
    "# HELP logward_rate_limit_pauses_total Times a TCP or TLS connection stopped being read "
    "until its address's rate window ended (ratelimit_interval, ratelimit_burst); nothing is "
    "dropped.\n"
    "# TYPE logward_rate_limit_pauses_total counter\n"
    "logward_rate_limit_pauses_total{input=\"lan_tcp\"} 213\n";

/* Two inputs with known counters: the whole text, line for line. */
START_TEST(test_exposition_exact)
{
	struct input_stats su, st;
	struct metrics_input in[2] = {
		{ "lan_udp", "udp", &su },
		{ "lan_tcp", "tcp", &st },
	};
	struct metrics_source src = { .inputs = in, .n_inputs = 2, .detect = NULL, .version = "1.2.3", .last_reload = 1700000000 };
	char *text;

	fill_stats(&su, 100);
	fill_stats(&st, 200);
	text = render(&src);
	ck_assert_str_eq(text, expected_text);
	free(text);
}
END_TEST

/* UDP only: no TCP connection families at all. */
START_TEST(test_udp_only)
{
	struct input_stats su;
	struct metrics_input in = { "u", "udp", &su };
	struct metrics_source src = { .inputs = &in, .n_inputs = 1, .detect = NULL, .version = "x", .last_reload = 0 };
	char *text;

	fill_stats(&su, 0);
	text = render(&src);
	ck_assert_ptr_null(strstr(text, "logward_tcp_connections"));
	ck_assert_ptr_null(strstr(text, "reason=\"refused\""));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_config_last_reload_success_timestamp_seconds 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_received_messages_total{input=\"u\",transport=\"udp\"} 1\n"));
	free(text);
}
END_TEST

/* A TLS input: connection families, handshakes and failures by reason. */
START_TEST(test_tls_input)
{
	struct input_stats st;
	struct metrics_input in = { "wan", "tls", &st };
	struct metrics_source src = { .inputs = &in, .n_inputs = 1, .detect = NULL, .version = "x", .last_reload = 0 };
	char *text;

	fill_stats(&st, 0);
	text = render(&src);
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_tcp_connections_open{input=\"wan\"} 9\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_dropped_messages_total{input=\"wan\",reason=\"refused\"} 22\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_dropped_messages_total{input=\"wan\",reason=\"refused_acl\"} 11\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_tls_handshakes_total{input=\"wan\"} 14\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nlogward_tls_handshake_failures_total{input=\"wan\",reason=\"protocol\"} 15\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nlogward_tls_handshake_failures_total{input=\"wan\",reason=\"timeout\"} 19\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_rate_limit_pauses_total{input=\"wan\"} 13\n"));
	ck_assert_ptr_null(strstr(text, "reason=\"rate_limited\""));	/* TCP/TLS: paused, not dropped */
	free(text);
}
END_TEST

/* Label values: backslash, double quote and line feed are escaped, nothing else. */
static const struct {
	const char *value;
	const char *want;
} escape_cases[] = {
    {"plain", "{version=\"plain\"} 1\n"},
    {"a\"b", "{version=\"a\\\"b\"} 1\n"},
    {"a\\b", "{version=\"a\\\\b\"} 1\n"},
    {"a\nb", "{version=\"a\\nb\"} 1\n"},
    {"\\\"\n", "{version=\"\\\\\\\"\\n\"} 1\n"},
    {"%s%n{}=,\t", "{version=\"%s%n{}=,\t\"} 1\n"},
    {"", "{version=\"\"} 1\n"},
};

START_TEST(test_label_escaping)
{
	struct metrics_source src = { .inputs = NULL, .n_inputs = 0, .detect = NULL, .version = escape_cases[_i].value, .last_reload = 0 };
	char want[128], *text;

	snprintf(want, sizeof(want), "\nlogward_build_info%s", escape_cases[_i].want);
	text = render(&src);
	ck_assert_msg(strstr(text, want) != NULL, "want %s in:\n%s", want, text);
	free(text);
}
END_TEST

/* An input name with the characters to escape, in every family. */
START_TEST(test_input_name_escaped)
{
	struct input_stats st;
	struct metrics_input in = { "x\"y\\z\nw", "tcp", &st };
	struct metrics_source src = { .inputs = &in, .n_inputs = 1, .detect = NULL, .version = "v", .last_reload = 0 };
	char *text;

	fill_stats(&st, 0);
	text = render(&src);
	ck_assert_ptr_nonnull(strstr(text,
	    "\nlogward_dropped_messages_total{input=\"x\\\"y\\\\z\\nw\",reason=\"refused\"} 22\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nlogward_tcp_connections_open{input=\"x\\\"y\\\\z\\nw\"} 9\n"));
	ck_assert_ptr_null(strstr(text, "y\\z")); /* never raw */
	free(text);
}
END_TEST

/* A failed reload turns the "successful" gauge to 0; both results are counted. */
START_TEST(test_reload_series)
{
	struct metrics_source src = { .inputs = NULL, .n_inputs = 0, .detect = NULL, .version = "v", .last_reload = 1700000000 };
	char *text;

	src.reloads_ok = 3;
	src.reloads_failed = 2;
	src.last_reload_failed = true;
	text = render(&src);
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_config_last_reload_successful 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_config_reloads_total{result=\"success\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_config_reloads_total{result=\"failure\"} 2\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\nlogward_config_last_reload_success_timestamp_seconds 1700000000\n"));
	free(text);
}
END_TEST

/* Alerts by technique come from the detection set's counters. */
START_TEST(test_alerts_by_technique)
{
	char path[PATH_MAX + 64], err[512], *text;
	struct detect_set *ds;
	struct metrics_source src = { .inputs = NULL, .n_inputs = 0, .detect = NULL, .version = "v", .last_reload = 0 };

	snprintf(path, sizeof(path), "%s/tests/data/detect/unit/single.rulebase", unit_srcdir);
	ds = detect_load(path, err, sizeof(err));
	ck_assert_msg(ds != NULL, "%s", err);
	ck_assert_uint_ge(detect_count(ds), 1);
	src.detect = ds;
	text = render(&src);
	ck_assert_ptr_nonnull(strstr(text, "# TYPE logward_alerts_total counter\n"
					   "logward_alerts_total{technique=\"T1136\"} 0\n"));
	free(text);
	detect_count_alert(ds, detect_at(ds, 0));
	detect_count_alert(ds, detect_at(ds, 0));
	text = render(&src);
	ck_assert_ptr_nonnull(strstr(text, "\nlogward_alerts_total{technique=\"T1136\"} 2\n"));
	free(text);
	detect_free(ds);
}
END_TEST

/* One HTTP/1.0 request to the server on base; the whole reply in buf. */
static size_t
http_get(struct event_base *base, int port, const char *path, char *buf, size_t cap)
{
	struct sockaddr_in sin;
	char req[256];
	size_t used = 0;
	ssize_t n;
	time_t deadline = time(NULL) + 5;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* the listening socket's backlog accepts before the loop runs */
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, buf + used, cap - 1 - used, 0);
		if (n == 0)
			break;
		if (n > 0) {
			used += (size_t)n;
			ck_assert_uint_lt(used, cap - 1);
			continue;
		}
		ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "recv: %s", strerror(errno));
		ck_assert_msg(time(NULL) < deadline, "no complete reply within 5 s");
		usleep(1000);
	}
	close(fd);
	buf[used] = '\0';
	return used;
}

/* The endpoints on loopback: /metrics, /healthz (then draining: 503), 404. */
START_TEST(test_http)
{
	struct input_stats st;
	struct metrics_input in = { "lan_tcp", "tcp", &st };
	struct metrics_source src = { .inputs = &in, .n_inputs = 1, .detect = NULL, .version = "9.9", .last_reload = 1 };
	struct event_base *base = event_base_new();
	struct metrics_server *m;
	char err[256], *buf = malloc(65536);
	int port;

	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(buf);
	fill_stats(&st, 0);
	m = metrics_server_new(base, "127.0.0.1", "0", &src, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	port = metrics_server_port(m);
	ck_assert_int_gt(port, 0);

	http_get(base, port, "/metrics", buf, 65536);
	ck_assert_msg(strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) == 0 ||
		strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", buf);
	ck_assert_ptr_nonnull(
	    strstr(buf, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\r\n\r\n# HELP logward_build_info "));
	ck_assert_ptr_nonnull(
	    strstr(buf, "\nlogward_received_messages_total{input=\"lan_tcp\",transport=\"tcp\"} 1\n"));

	http_get(base, port, "/metrics?x=1", buf, 65536);
	ck_assert_ptr_nonnull(strstr(buf, " 200 OK\r\n"));

	http_get(base, port, "/healthz", buf, 65536);
	ck_assert_ptr_nonnull(strstr(buf, " 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\r\n\r\nok\n"));

	http_get(base, port, "/", buf, 65536);
	ck_assert_ptr_nonnull(strstr(buf, " 404 "));
	http_get(base, port, "/metricsx", buf, 65536);
	ck_assert_ptr_nonnull(strstr(buf, " 404 "));

	metrics_server_set_draining(m);
	http_get(base, port, "/healthz", buf, 65536);
	ck_assert_msg(strstr(buf, " 503 ") != NULL, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "\r\n\r\ndraining\n"));

	metrics_server_free(m);
	event_base_free(base);
	free(buf);
}
END_TEST

/* A port that is taken is a start-up error with a message. */
START_TEST(test_bind_error)
{
	struct metrics_source src = { .inputs = NULL, .n_inputs = 0, .detect = NULL, .version = "v", .last_reload = 0 };
	struct event_base *base = event_base_new();
	struct metrics_server *a, *b;
	char err[256], port[16];

	a = metrics_server_new(base, "127.0.0.1", "0", &src, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	snprintf(port, sizeof(port), "%d", metrics_server_port(a));
	b = metrics_server_new(base, "127.0.0.1", port, &src, err, sizeof(err));
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(err, "metrics: cannot listen on 127.0.0.1:"));
	b = metrics_server_new(base, "127.0.0.1", "70000", &src, err, sizeof(err));
	ck_assert_ptr_null(b);
	metrics_server_free(a);
	event_base_free(base);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_exposition_exact);
	tcase_add_test(tc, test_reload_series);
	tcase_add_test(tc, test_udp_only);
	tcase_add_test(tc, test_tls_input);
	tcase_add_loop_test(
	    tc, test_label_escaping, 0, (int)(sizeof(escape_cases) / sizeof(escape_cases[0])));
	tcase_add_test(tc, test_input_name_escaped);
	tcase_add_test(tc, test_alerts_by_technique);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_bind_error);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
