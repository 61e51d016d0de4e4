/* check_kafka_conf: the kafka block of the configuration (kafka_conf.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "kafka_conf.h"
#include "unit.h"

static char path[64];

/* Load a configuration made of one input line and body; NULL with err set. */
static struct conf *
load(const char *body, char *err, size_t errlen)
{
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_kafka_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fprintf(fp, "input a { transport = udp address = \"127.0.0.1:5514\" }\n%s", body);
	fclose(fp);
	struct conf *c = conf_load(path, err, errlen);
	unlink(path);
	return c;
}

/* A configuration that must be refused with a message holding want (and the file:line). */
struct refusal {
	const char *body;
	int line;
	const char *want;
};

static const struct refusal refusals[] = {
	{ "kafka k {\n topic = \"t\"\n}\n", 2, "missing brokers" },
	{ "kafka k { brokers = \"b:9092\" }\n", 2, "missing topic" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n key = ip }\n", 3, "key \"ip\" is invalid" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n compression = brotli }\n", 3,
	  "compression \"brotli\" is invalid" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n\n queue_max_messages = 0 }\n", 4,
	  "queue_max_messages 0 out of range" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\" queue_max_messages = 10000001 }\n", 2,
	  "queue_max_messages 10000001 out of range (expected 1..10000000)" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\" max_spool_bytes = 4095 }\n", 2,
	  "max_spool_bytes 4095 out of range" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\" flush_timeout = 601 }\n", 2,
	  "flush_timeout 601 out of range (expected 0..600)" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n properties = { \"acks=1\" } }\n", 3,
	  "property acks is set by logward" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n properties = { \"novalue\" } }\n", 3,
	  "is not name=value" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n topic = \"u\" }\n", 3, "topic set twice" },
	{ "kafka k { brokers = \"b:9092\" topic = \"t\" }\nkafka l { brokers = \"b:9092\" topic = \"t\" }\n",
	  3, "second kafka block" },
#ifdef HAVE_KAFKA
	{ "kafka k { brokers = \"b:9092\" topic = \"t\"\n properties = { \"no.such.thing=1\" } }\n", 3,
	  "property no.such.thing" },
#endif
};

START_TEST(test_refused)
{
	const struct refusal *r = &refusals[_i];
	char err[1024], where[192];
	struct conf *c = load(r->body, err, sizeof(err));

	ck_assert_msg(c == NULL, "accepted: %s", r->body);
	snprintf(where, sizeof(where), "%s:%d: ", path, r->line);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0, "%s: not at %s", err, where);
	ck_assert_msg(strstr(err, r->want) != NULL, "%s: no \"%s\"", err, r->want);
}
END_TEST

/* properties: 64 are taken, a 65th is refused at the list's line. */
START_TEST(test_properties_bound)
{
	char body[8192], err[1024], where[192];
	struct conf *c;
	size_t off;
	int i, n;

	for (n = 64; n <= 65; n++) {
		off = (size_t)snprintf(body, sizeof(body),
		    "kafka k { brokers = \"b:9092\" topic = \"t\"\n properties = {");
		for (i = 0; i < n; i++)
			off += (size_t)snprintf(body + off, sizeof(body) - off, "%s\"client.id=c%d\"",
			    i > 0 ? ", " : " ", i);
		snprintf(body + off, sizeof(body) - off, " } }\n");
		c = load(body, err, sizeof(err));
		if (n == 64) {
			ck_assert_msg(c != NULL, "64 properties refused: %s", err);
			ck_assert_uint_eq(c->kafka->n_properties, 64);
			conf_free(c);
			continue;
		}
		ck_assert_ptr_null(c);
		snprintf(where, sizeof(where), "%s:3: ", path);
		ck_assert_msg(strncmp(err, where, strlen(where)) == 0, "%s: not at %s", err, where);
		ck_assert_msg(strstr(err, "65 properties (expected at most 64)") != NULL, "%s", err);
	}
}
END_TEST

START_TEST(test_accepted_and_dumped)
{
	char err[1024], *text = NULL;
	size_t len = 0;
	FILE *mem;
	struct conf *c = load("kafka bus {\n brokers = \"k1:9092,k2:9092\" topic = \"ev\"\n"
			      " alerts_topic = \"al\" key = source compression = zstd\n"
			      " queue_max_messages = 1 queue_max_kbytes = 1 max_spool_bytes = 4096\n"
			      " flush_timeout = 600\n"
			      " properties = { \"client.rack=r1\", \"sasl.password=hunter2\","
			      " \"ssl.key.password=k\" }\n}\n",
	    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_ptr_nonnull(c->kafka);
	ck_assert_str_eq(c->kafka->name, "bus");
	ck_assert_str_eq(c->kafka->brokers, "k1:9092,k2:9092");
	ck_assert_int_eq(c->kafka->key, KAFKA_KEY_SOURCE);
	ck_assert_uint_eq(c->kafka->queue_max_messages, 1);
	ck_assert_uint_eq(c->kafka->max_spool_bytes, 4096);
	ck_assert_uint_eq(c->kafka->flush_timeout, 600);
	ck_assert_uint_eq(c->kafka->n_properties, 3);
	ck_assert_int_eq(c->kafka->line, 2);
	mem = open_memstream(&text, &len);
	conf_dump(c, mem);
	fclose(mem);
	ck_assert_msg(strstr(text, "\"client.rack=r1\"") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"sasl.password=(redacted)\"") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"ssl.key.password=(redacted)\"") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "hunter2") == NULL, "secret printed: %s", text);
	ck_assert_msg(strstr(text, "key = source") != NULL, "%s", text);
	free(text);
	conf_free(c);
}
END_TEST

/* The defaults: key host, lz4, no alerts topic. */
START_TEST(test_defaults)
{
	char err[1024];
	struct conf *c = load("kafka k { brokers = \"b:9092\" topic = \"t\" }\n", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->kafka->key, KAFKA_KEY_HOST);
	ck_assert_str_eq(c->kafka->compression, "lz4");
	ck_assert_ptr_null(c->kafka->alerts_topic);
	ck_assert_uint_eq(c->kafka->queue_max_messages, 100000);
	ck_assert_uint_eq(c->kafka->flush_timeout, 3);
	conf_free(c);
}
END_TEST

/* A build without librdkafka refuses the block, by file and line. */
START_TEST(test_refused_without_kafka)
{
	char err[1024], where[192];
	bool saved = kafka_conf_built_in;
	struct conf *c;

	kafka_conf_built_in = false;
	c = load("\n\nkafka k { brokers = \"b:9092\" topic = \"t\" }\n", err, sizeof(err));
	kafka_conf_built_in = saved;
	ck_assert_ptr_null(c);
	snprintf(where, sizeof(where), "%s:4: kafka \"k\": this logward was built without Kafka", path);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0, "%s", err);
}
END_TEST

START_TEST(test_secret_names)
{
	ck_assert(kafka_property_secret("sasl.password", 13));
	ck_assert(kafka_property_secret("SSL.KEY.PASSWORD", 16));
	ck_assert(kafka_property_secret("ssl.key.pem", 11));
	ck_assert(kafka_property_secret("sasl.oauthbearer.config", 23));
	ck_assert(!kafka_property_secret("security.protocol", 17));
	ck_assert(!kafka_property_secret("client.rack", 11));
}
END_TEST

/*
 * The block's checks are tested in any build: a --without-kafka build
 * knows them too (only librdkafka's check of each property is left out).
 */
static void
with_kafka(void)
{
	kafka_conf_built_in = true;
}

Suite *
unit_suite(void)
{
	Suite *s = suite_create("kafka_conf");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, with_kafka, NULL);
	tcase_add_loop_test(tc, test_refused, 0, sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, test_accepted_and_dumped);
	tcase_add_test(tc, test_properties_bound);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_refused_without_kafka);
	tcase_add_test(tc, test_secret_names);
	suite_add_tcase(s, tc);
	return s;
}
